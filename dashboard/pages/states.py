"""States: every state side by side on the overview figures, ranked; open one state's view."""

from __future__ import annotations

import streamlit as st

from analytics.figures.registry import CENTRAL_SECRETARIAT, FIGURES, OVERVIEW, RATES
from analytics.figures.views import ranked
from dashboard import charts, components, data
from dashboard import format as fmt
from dashboard.i18n import _, fixed

components.header(
    _("States compared"),
    _("Who leads and who lags: the states side by side on the same figures, ranked."),
)
scope = components.current_scope()
if data.prepared(scope) is None:
    components.no_data()
filters = components.filters()
unit = components.unit_choice()
unit_label = _(components.UNIT_LABELS[unit])
frame = data.states(scope, filters, unit)
components.heading(filters, scope)
central = frame[frame["state"].eq(CENTRAL_SECRETARIAT)]

figure = st.selectbox(
    _("Rank the states by"),
    [*RATES, *(name for name in OVERVIEW if name not in RATES)],
    format_func=fixed(
        lambda name: (_("{figure} (a rate)") if name in RATES else _("{figure} (a count)")).format(
            figure=_(FIGURES[name].label)
        )
    ),
    key="rank_by",
    bind="query-params",
    help=_("Rates are fair between a large state and a small one; counts grow with size."),
)
entry = FIGURES[figure]
order = ranked(frame, figure)


def _value(v: object) -> str:
    if entry.kind == "days":
        return fmt.age(v, unit_label)
    return fmt.figure(entry, v)


reference = None
if len(central):
    value = central[figure].iloc[0]
    reference = (
        _("Central secretariat ({name})").format(name=CENTRAL_SECRETARIAT),
        value,
        _value(value),
    )
components.chart(
    charts.ranked_bars(
        order, figure, _(entry.label), [_value(v) for v in order[figure]], reference
    ),
    f"states_{figure}",
    "ranked",
)
if entry.higher_is_better is not None:
    better = (
        _("**A higher figure is better**: rank 1, on top, is the best.")
        if entry.higher_is_better
        else _("**A lower figure is better**: rank 1, on top, is the best.")
    )
    st.caption(
        f"{_(entry.help)} {better} "
        + _(
            "The central secretariat ({name}) is not a state: it is drawn as a line, not ranked."
        ).format(name=CENTRAL_SECRETARIAT)
    )
else:
    st.caption(
        f"{_(entry.help)} "
        + _(
            "Neither direction is better in itself: largest on top. The central secretariat "
            "({name}) is drawn as a line, not ranked."
        ).format(name=CENTRAL_SECRETARIAT)
    )
ranking = order[["rank", "state", figure, "files_handled"]]
components.table(
    fmt.labelled(
        fmt.table(ranking, {figure: _value, "files_handled": fmt.indian, "rank": fmt.indian})
    ),
    ranking,
    f"states_ranked_{figure}",
    "ranked-table",
)

per_level = data.turnaround(scope, filters, unit, by_state=True)
label = components.level_label(data.level_names())
per_level = per_level.dropna(subset=["level"]).sort_values(["level", "state"])
per_level = per_level.assign(level_label=per_level["level"].map(label))
rows = sorted(per_level["state"].unique(), key=lambda s: (s == CENTRAL_SECRETARIAT, s))
per_level = per_level.set_index("state").loc[rows].reset_index()
per_level["state"] = per_level["state"].replace(
    CENTRAL_SECRETARIAT, _("{name} (central secretariat)").format(name=CENTRAL_SECRETARIAT)
)
components.chart(
    charts.state_level_turnaround(per_level, unit_label), "state_level_turnaround", "heatmap"
)
st.caption(
    _(
        "Each cell: half of the files left that level in that state faster than this (stints "
        "that ended in the period). The central secretariat is the last row."
    )
)
slowest = per_level.dropna(subset=["median_days"]).nlargest(1, "median_days")
if len(slowest):  # the chart's one-sentence text alternative
    st.caption(
        _("Longest median stay: {level} in {state}, {time}.").format(
            level=fmt.plain(slowest["level_label"].iloc[0]),
            state=fmt.plain(slowest["state"].iloc[0]),
            time=fmt.age(slowest["median_days"].iloc[0], unit_label),
        )
    )


def _open_state(state_key: str) -> None:
    chosen = st.session_state.get(state_key)
    if chosen:
        st.session_state["state"] = [chosen]
        st.session_state["department"] = []
        st.session_state["eoffice_goto"] = "pages/overview.py"


left, right = st.columns([3, 1], vertical_alignment="bottom")
left.selectbox(
    _("Open one state's view"),
    frame["state"].tolist(),
    index=None,
    placeholder=_("Choose a state"),
    key="open_state",
)
right.button(
    _("Open its overview"),
    on_click=_open_state,
    args=("open_state",),
    icon=":material/arrow_forward:",
    key="open_state_button",
)
if st.session_state.pop("eoffice_goto", None):
    st.switch_page("pages/overview.py", query_params={})  # bound filters refill the URL

st.markdown("**" + _("All figures, by state") + "**")
# views.states' groups, in the reader's language (a comment: a bare string would be shown)
GROUPS = {"State": _("State"), "Central secretariat": _("Central secretariat")}


components.table(
    fmt.labelled(
        fmt.table(
            frame,
            {
                **fmt.FIGURE_FORMATS,
                **fmt.formats(*RATES),
                "files_handled": fmt.indian,
                "median_turnaround_days": lambda v: fmt.age(v, unit_label),
                "group": GROUPS.get,
            },
        )
    ),
    frame,
    "states_compared",
    "states-table",
)
