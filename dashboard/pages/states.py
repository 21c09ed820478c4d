"""States: every state side by side on the overview figures, ranked; open one state's view."""

from __future__ import annotations

import streamlit as st

from analytics.figures import FIGURES, OVERVIEW
from dashboard import charts, components, data
from dashboard import format as fmt

components.header(
    "States compared",
    "Who leads and who lags: the states side by side on the same figures, ranked.",
)
scope = components.current_scope()
if data.prepared(scope) is None:
    components.no_data()
filters = components.filters()
frame = data.states(scope, filters)
components.heading(filters, scope)

figure = st.selectbox(
    "Rank the states by",
    ["movement_ratio", *(name for name in OVERVIEW if name != "movement_ratio")],
    format_func=lambda name: FIGURES[name].label,
    key="rank_by",
    bind="query-params",
)
entry = FIGURES[figure]
components.chart(
    charts.ranked_bars(frame, figure, entry.label, [fmt.figure(entry, v) for v in frame[figure]]),
    f"states_{figure}",
    "ranked",
)
if entry.higher_is_better is not None:
    better = "higher" if entry.higher_is_better else "lower"
    st.caption(f"{entry.help} A {better} figure is better.")
else:
    st.caption(entry.help)


def _open_state(state_key: str) -> None:
    chosen = st.session_state.get(state_key)
    if chosen:
        st.session_state["state"] = [chosen]
        st.session_state["department"] = []
        st.session_state["eoffice_goto"] = "pages/overview.py"


left, right = st.columns([3, 1], vertical_alignment="bottom")
left.selectbox(
    "Open one state's view",
    frame["state"].tolist(),
    index=None,
    placeholder="Choose a state",
    key="open_state",
)
right.button(
    "Open its overview",
    on_click=_open_state,
    args=("open_state",),
    icon=":material/arrow_forward:",
    key="open_state_button",
)
if st.session_state.pop("eoffice_goto", None):
    st.switch_page("pages/overview.py", query_params={})  # bound filters refill the URL

st.markdown("**All figures, by state**")
components.table(
    fmt.labelled(fmt.table(frame, fmt.FIGURE_FORMATS)), frame, "states_compared", "states-table"
)
