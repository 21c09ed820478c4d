"""Pendency: what is pending, where and for how long; parked files apart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.figures.registry import AGE_BOUNDS, AGE_BUCKETS, FIGURES
from analytics.figures.views import pendency_by
from dashboard import charts, components, data
from dashboard import format as fmt
from dashboard.i18n import _

scope, filters, unit, unit_label, label = components.level_page(
    _("Pendency"),
    _(
        "Files pending as of each state's T, by how long they have been with their present "
        "holder; parked files are counted apart."
    ),
)
if filters.has_range:
    st.caption(_("Pendency is a snapshot as of T: the period filter does not change it."))

table, longest, parked = data.pendency(scope, filters, unit)
buckets = {b: _(FIGURES[b].label).replace(_("days"), unit_label) for b in AGE_BUCKETS}
totals = table[["pending", *AGE_BUCKETS, "parked"]].sum()


def _over(bucket: str) -> tuple[str, str, str]:
    """A card: the pending files older than the lower edge of `bucket` (and that bucket on)."""
    days = int(AGE_BOUNDS[bucket][0])
    older = AGE_BUCKETS[AGE_BUCKETS.index(bucket) :]
    return (
        _("Pending over {days} {unit}").format(days=days, unit=unit_label),
        fmt.indian(sum(totals[b] for b in older)),
        _("Pending files with their present holder for more than {days} {unit}.").format(
            days=days, unit=unit_label
        ),
    )


components.cards(
    [
        (_(FIGURES["pending"].label), fmt.indian(totals["pending"]), _(FIGURES["pending"].help)),
        _over(AGE_BUCKETS[-2]),
        _over(AGE_BUCKETS[-1]),
        (_(FIGURES["parked"].label), fmt.indian(totals["parked"]), _(FIGURES["parked"].help)),
    ],
    per_row=4,
)

by_level = pendency_by(table, "level")
by_level = by_level.assign(label=by_level["level"].map(label))
by_department = pendency_by(table, "department").assign(label=lambda f: f["department"])
components.chart(
    charts.pendency_buckets(by_level, _("level"), buckets), "pendency_by_level", "by-level"
)
components.chart(
    charts.pendency_buckets(by_department, _("department"), buckets),
    "pendency_by_department",
    "by-department",
)
components.officers_link()

counts = fmt.formats("pending", *AGE_BUCKETS, "parked")


def _show(frame: pd.DataFrame, raw: pd.DataFrame, name: str, key: str) -> None:
    display = fmt.labelled(fmt.table(frame, {"level": label, **counts}).rename(columns=buckets))
    components.table(display, raw, name, key)


st.markdown(
    _("**Longest-pending files** (age in {unit}, with the present holder)").format(unit=unit_label)
)
components.table(
    fmt.labelled(
        fmt.table(
            longest,
            {
                "level": label,
                "since": fmt.moment,
                "age_days": lambda v: fmt.age(v, unit_label),
            },
        )
    ),
    longest,
    f"longest_pending_{unit}",
    "longest",
)
st.markdown("**" + _("By state, department and level") + "**")
_show(table, table, f"pendency_{unit}", "pendency-table")
with st.expander(_("Parked files ({count})").format(count=fmt.indian(len(parked)))):
    components.table(
        fmt.labelled(fmt.table(parked, {"level": label, "since": fmt.moment})).rename(
            columns={fmt.heading("holder"): _("Parked by"), fmt.heading("since"): _("Parked on")}
        ),
        parked,
        "parked_files",
        "parked",
    )
