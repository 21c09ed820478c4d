"""Overview: how actively files move and what is pending, for the chosen scope."""

from __future__ import annotations

import streamlit as st

from analytics.figures import OVERVIEW, figure
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
filters: Filters = components.filters()
figures, trend = data.overview(scope, filters)

components.heading(filters, scope)
components.cards([(f.label, fmt.figure(f, figures[f.name]), f.help) for f in map(figure, OVERVIEW)])
components.monthly_report(scope, filters, sorted(set(trend["month"])))
components.chart(charts.creation_vs_movement(trend), "creation_vs_movement", "trend")
display = fmt.labelled(
    fmt.table(
        trend.assign(month=trend["month"].map(lambda m: fmt.day(m + "-01")[3:])),
        fmt.formats("files_created", "movements", "movement_ratio"),
    )
)
st.markdown("**By month**")
components.table(display, trend, "monthly_creation_vs_movement", "trend-table")
with st.expander("Per state and department"):
    summary = data.summary(scope, filters)
    components.table(
        fmt.labelled(fmt.table(summary, fmt.FIGURE_FORMATS)), summary, "summary", "summary-table"
    )
