"""Hierarchy: how long files stay at each level (the DARPG turnaround figure)."""

from __future__ import annotations

import streamlit as st

from analytics.figures.registry import GLOSSARY
from dashboard import charts, components, data
from dashboard import format as fmt
from dashboard.i18n import _

scope, filters, unit, unit_label, label = components.level_page(
    _("Hierarchy turnaround"),
    _(
        "How long a file stays at each level of the hierarchy before it moves on "
        "(ended stints; in a period, the stints that ended in it)."
    ),
)

st.caption(_(GLOSSARY["stint"]))
pooled = data.turnaround(scope, filters, unit, by_state=False)
pooled = pooled.assign(level_label=pooled["level"].map(label))
if pooled.empty:
    st.info(_("No ended stints in this selection."))
    st.stop()

slowest = pooled.dropna(subset=["level"]).nlargest(3, "median_days")
st.markdown(
    "**"
    + _("Levels that hold files longest (median):")
    + "** "
    + "; ".join(
        f"{row.level_label}: {fmt.age(row.median_days, unit_label)}" for row in slowest.itertuples()
    )
)
left, right = st.columns(2)
with left:
    components.chart(
        charts.turnaround_by_level(pooled, unit_label), "turnaround_by_level", "turnaround"
    )
with right:
    components.chart(
        charts.level_distribution(pooled, unit_label), "time_held_distribution", "distribution"
    )
    st.caption(_("Box: 25th–75th percentile; line: median; dashed: mean; whiskers: 10th–90th."))
components.officers_link()

waiting = data.waiting(scope, filters, unit)
waiting = waiting.assign(level_label=waiting["level"].map(label))
components.chart(charts.waiting_processing(waiting, unit_label), "waiting_vs_processing", "wait")


def _days(v: object) -> str:
    return fmt.age(v, unit_label)


DAY_COLUMNS = ("median_days", "mean_days", "p90_days", "p10_days", "q1_days", "q3_days")
day_formats = {c: _days for c in DAY_COLUMNS}
st.markdown(_("**Per level, all selected states** (time held, in {unit})").format(unit=unit_label))
components.table(
    fmt.labelled(
        fmt.table(
            pooled.drop(columns="level_label"),
            {"level": label, "stints": fmt.indian, **day_formats},
        )
    ),
    pooled.drop(columns="level_label"),
    f"turnaround_by_level_{unit}",
    "pooled-table",
)
per_state = data.turnaround(scope, filters, unit, by_state=True)
report = per_state[["state", "level", "stints", "median_days", "mean_days", "p90_days"]]
st.markdown(_("**Per state and level** (in {unit})").format(unit=unit_label))
components.table(
    fmt.labelled(fmt.table(report, {"level": label, "stints": fmt.indian, **day_formats})),
    report,
    f"level_turnaround_{unit}",
    "state-table",
)
st.markdown(
    _("**Waiting vs processing** (stints with a receipt time, in {unit})").format(unit=unit_label)
)

waiting_raw = waiting.drop(columns="level_label")
components.table(
    fmt.labelled(
        fmt.table(
            waiting_raw,
            {
                "level": label,
                "stints": fmt.indian,
                **{c: _days for c in waiting_raw.columns if c.endswith("_days")},
            },
        )
    ),
    waiting_raw,
    f"waiting_processing_{unit}",
    "wait-table",
)
