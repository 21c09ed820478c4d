"""Overview: how actively files move and what is pending, for the chosen scope."""

from __future__ import annotations

import streamlit as st

from analytics.figures.registry import OVERVIEW, SNAPSHOT, figure, verdict
from analytics.figures.views import Filters
from dashboard import charts, components, data
from dashboard import format as fmt
from dashboard.i18n import _

components.header(
    _("Overview"),
    _("How actively files move (creation vs movement) and what is pending, for your selection."),
)
scope = components.current_scope()
if data.prepared(scope) is None:
    components.no_data()
filters: Filters = components.filters()
figures, trend = data.overview(scope, filters)

components.heading(filters, scope)
compared, change = data.overview_change(scope, filters)
change = change.set_index("figure")
COLOURS = {True: "normal", False: "inverse", None: "off"}
if compared.by_month:
    now_words = fmt.month(compared.now[0])
    then_words = _("in {month}").format(month=fmt.month(compared.then[0]))
    back_words = _("a month before T")
    st.caption(
        _(
            "No period chosen: each card's change compares {now} with {then} (activity), and T "
            "with a month before T (pending files). Choose a period in the sidebar to compare "
            "it with the same length just before it."
        ).format(now=now_words, then=fmt.month(compared.then[0]))
    )
else:
    days = (compared.then[1] - compared.then[0]).days + 1
    then_words = _("in the {days} days before").format(days=fmt.indian(days))
    back_words = _("{days} days before T").format(days=fmt.indian(days))
    st.caption(
        _(
            "Each card's change compares the period with the {days} days just before it "
            "({start} to {end}), and pending files at T with {back}."
        ).format(
            days=fmt.indian(days),
            start=fmt.day(compared.then[0]),
            end=fmt.day(compared.then[1]),
            back=back_words,
        )
    )


def _card(f) -> tuple:
    row = change.loc[f.name]
    words = back_words if f.name in SNAPSHOT else then_words
    delta = f"{fmt.change(f, row['change'])} · {_(verdict(f.name, row['change']))}"
    against = _("vs {then} {when}").format(then=fmt.figure(f, row["then"]), when=words)
    if compared.by_month and f.name not in SNAPSHOT:
        against = f"{now_words}: {fmt.figure(f, row['now'])}, {against}"
    value = fmt.figure(f, figures[f.name])
    return (_(f.label), value, _(f.help), delta, COLOURS[f.higher_is_better], against)


components.cards([_card(f) for f in map(figure, OVERVIEW)])
components.monthly_report(scope, filters, sorted(set(trend["month"])))
components.chart(charts.creation_vs_movement(trend), "creation_vs_movement", "trend")
display = fmt.labelled(
    fmt.table(
        trend.assign(month=trend["month"].map(lambda m: fmt.day(m + "-01")[3:])),
        fmt.formats("files_created", "movements", "movement_ratio"),
    )
)
st.markdown("**" + _("By month") + "**")
components.table(display, trend, "monthly_creation_vs_movement", "trend-table")
with st.expander(_("Per state and department")):
    summary = data.summary(scope, filters)
    components.table(
        fmt.labelled(fmt.table(summary, fmt.FIGURE_FORMATS)), summary, "summary", "summary-table"
    )
