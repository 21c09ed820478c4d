"""Overview: how actively files move and what is pending, for the chosen scope."""

from __future__ import annotations

import streamlit as st

from analytics.views import Filters
from dashboard import charts, components, data
from dashboard import format as fmt

components.header(
    "Overview",
    "How actively files move (creation vs movement) and what is pending, for your selection.",
)
scope = components.current_scope()
if data.prepared(scope) is None:
    components.no_data()
filters: Filters = components.filter_bar(scope)
figures, trend = data.overview(scope, filters)

st.subheader(components.describe(filters))
period = "in the period" if filters.has_range else "in the log"
components.cards(
    [
        ("Files created", fmt.indian(figures["files_created"]), f"`created` events {period}."),
        ("Movements", fmt.indian(figures["movements"]), f"`moved` events {period}."),
        (
            "Movements per file created",
            fmt.ratio(figures["movement_ratio"]),
            "Movements ÷ files created: the creation vs movement ratio.",
        ),
        (
            "e-File share",
            fmt.percent(figures["efile_share"]),
            f"Share of files created {period} that are electronic.",
        ),
        (
            "Pending at T",
            fmt.indian(figures["pending"]),
            "Files whose latest event is created, moved or reopened, as of each state's T.",
        ),
        (
            "Pending over 7 working days",
            fmt.indian(figures["pending_over_7_working_days"]),
            "Pending files held by their present holder for more than 7 working days (CSMOP).",
        ),
        ("Parked", fmt.indian(figures["parked"]), "Parked files, counted apart from pendency."),
        (
            "Mean distinct levels, pending files",
            fmt.indian(figures["mean_levels_pending"], 2),
            "Average distinct hierarchy levels a pending file has passed through (DARPG).",
        ),
        (
            "Files over 4 levels",
            fmt.indian(figures["files_over_4_levels"]),
            "Files that went through more than 4 levels of decision (CSMOP delayering norm).",
        ),
    ]
)
components.chart(charts.creation_vs_movement(trend), "creation_vs_movement", "trend")
display = fmt.labelled(
    fmt.table(
        trend.assign(month=trend["month"].map(lambda m: fmt.day(m + "-01")[3:])),
        {
            "files_created": fmt.indian,
            "movements": fmt.indian,
            "movement_ratio": fmt.ratio,
        },
    )
)
st.markdown("**By month**")
components.table(display, trend, "monthly_creation_vs_movement", "trend-table")
with st.expander("Per state and department"):
    summary = data.summary(scope, filters)
    components.table(
        fmt.labelled(fmt.table(summary, fmt.FIGURE_FORMATS)), summary, "summary", "summary-table"
    )
