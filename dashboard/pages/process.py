"""Process: the routes files take through the levels, the process map, who hands files to
whom, and rework (analytics/figures/mining.py); the selection's events as an XES log."""

from __future__ import annotations

import numpy as np
import streamlit as st

from analytics.figures.registry import OVER_LEVELS_LIMIT, PROCESS_FIGURES
from dashboard import charts, components, data
from dashboard import format as fmt
from dashboard.i18n import _

components.header(
    _("Process"),
    _(
        "How files really move: the routes they take through the levels (from creation to "
        "closing, or to now), the movements between levels, who passes files to whom, and the "
        "files that came back to a level they had left. Times are calendar days."
    ),
)
scope = components.current_scope()
if data.prepared(scope) is None:
    components.no_data()
filters = components.filters()
label = components.level_label(data.level_names())
components.heading(filters, scope)

every_route, by_place = data.routes(scope, filters)
if every_route.empty:
    st.info(_("No files in this selection."))
    st.stop()

yes_no = {True: _("Yes"), False: _("No")}
n_files = int(every_route["files"].sum())


def _files(frame, column: str) -> int:
    return int(frame.loc[frame[column], "files"].sum())


components.cards(
    [
        (_("Files"), fmt.indian(n_files), _(PROCESS_FIGURES["files"].help)),
        (
            _("Distinct routes"),
            fmt.indian(len(every_route)),
            _("How many different sequences of levels the files took."),
        ),
        (
            _("Files on the commonest route"),
            fmt.percent(every_route["share"].iloc[0]),
            _("The share of files that took the most frequent route."),
        ),
        (
            _("Files on routes that skip a level"),
            fmt.indian(_files(every_route, "skips_levels")),
            _("Files whose route goes up more than one level in one step."),
        ),
        (
            _("Files on routes over {limit} levels").format(limit=OVER_LEVELS_LIMIT),
            fmt.indian(_files(every_route, "over_limit")),
            _(PROCESS_FIGURES["levels"].help),
        ),
    ],
    per_row=3,
)

if filters.has_range:
    st.caption(
        _(
            "With a period: routes are those of the files created in it (their whole route); "
            "movements, handovers and returns are those in it."
        )
    )

tab_routes, tab_map, tab_people, tab_rework = st.tabs(
    [_("Routes"), _("Process map"), _("Handovers"), _("Rework")]
)
route_formats = {
    **fmt.formats("files", "share", "closed", "median_disposal_days", "p90_disposal_days"),
    **fmt.formats("steps", "levels"),
    "skips_levels": yes_no.get,
    "over_limit": yes_no.get,
}

with tab_routes:
    st.markdown(
        _(
            "**Routes, most files first** (levels in order: 1 is the dealing hand). Click a "
            "route's row, or choose it below, to list its files."
        )
    )
    clicked = components.table(
        fmt.labelled(fmt.table(every_route, route_formats)),
        every_route,
        "routes",
        "routes-table",
        height=400,
        select=True,
    )
    chosen = st.selectbox(
        _("Show the files of a route"),
        every_route["route"].tolist(),
        index=None,
        placeholder=_("Choose a route"),
        key="route-files",
    )
    if clicked and clicked[0] < len(every_route):
        chosen = every_route["route"].iloc[clicked[0]]
    if chosen is not None:
        files = data.route_files(scope, filters, chosen)
        st.markdown(
            _("**{count} files took {route}**").format(
                count=fmt.indian(len(files)), route=fmt.plain(chosen)
            )
        )
        components.table(
            fmt.labelled(
                fmt.table(
                    files,
                    {
                        "created_at": fmt.moment,
                        "closed_at": fmt.moment,
                        "disposal_days": fmt.days,
                        **fmt.formats("movements", "levels_traversed", "returns"),
                    },
                )
            ),
            files,
            "route_files",
            "route-files-table",
        )
    with st.expander(_("Top five routes per state and department")):
        components.table(
            fmt.labelled(fmt.table(by_place, route_formats)),
            by_place,
            "routes_by_department",
            "routes-by-place",
        )

with tab_map:
    edges = data.process_map(scope, filters)
    if edges.empty:
        st.info(_("No movements in this selection."))
    else:
        edges = edges.assign(
            from_label=edges["from_level"].map(label), to_label=edges["to_level"].map(label)
        )
        most = int(edges["movements"].max())
        least = (
            st.slider(
                _("Show edges with at least this many movements"),
                min_value=1,
                max_value=max(most, 2),
                value=1,
                key="map-min",
            )
            if most > 1
            else 1
        )
        shown = edges[edges["movements"].ge(least)]
        components.chart(charts.process_map(shown), "process_map", "process-map")
        st.caption(
            _(
                "Arrows up (left) and returns down (right), as wide as their movements; red: "
                "the three edges with the longest median time with the sender. Movements "
                "between officers of one level are in the table."
            )
        )
        raw = shown.drop(columns=["from_label", "to_label"])
        components.table(
            fmt.labelled(
                fmt.table(
                    raw,
                    {
                        "from_level": label,
                        "to_level": label,
                        "movements": fmt.indian,
                        "median_days": lambda v: fmt.days(v, 2),
                        "slowest": yes_no.get,
                    },
                )
            ).rename(columns={fmt.heading("median_days"): _("Median days with the sender")}),
            raw,
            "process_map_edges",
            "map-table",
        )

with tab_people:
    pairs, through = data.handovers(scope, filters)
    if pairs.empty:
        st.info(_("No handovers in this selection."))
    else:
        components.chart(charts.handover_sankey(pairs.head(25)), "handovers", "handover-sankey")
        day_formats = {"median_days": lambda v: fmt.days(v, 2)}
        st.markdown(
            _("**Officers most files pass through** (up to {top})").format(top=data.TOP_OFFICERS)
        )
        components.table(
            fmt.labelled(
                fmt.table(
                    through,
                    {
                        **fmt.formats("files", "median_days_held"),
                        **{c: fmt.indian for c in ("received", "sent", "returns")},
                    },
                )
            ),
            through,
            "pass_through_officers",
            "through-table",
        )
        st.markdown(
            _("**Busiest handovers** (officer to officer, up to {top})").format(
                top=data.TOP_OFFICERS
            )
        )
        pair_formats = {**fmt.formats("handovers", "returns"), **day_formats}
        components.table(
            fmt.labelled(fmt.table(pairs, pair_formats)).rename(
                columns={fmt.heading("median_days"): _("Median days with the sender")}
            ),
            pairs,
            "handovers",
            "pairs-table",
        )
        returned = pairs[pairs["returns"].gt(0)].sort_values("returns", ascending=False)
        with st.expander(
            _("Returns downward ({count})").format(count=fmt.indian(int(returned["returns"].sum())))
        ):
            components.table(
                fmt.labelled(fmt.table(returned, pair_formats)),
                returned,
                "handover_returns",
                "returns-table",
            )

with tab_rework:
    by_level, how_often, totals = data.rework(scope, filters)
    components.cards(
        [
            (
                _(PROCESS_FIGURES["files_with_rework"].label),
                fmt.indian(totals["files_with_rework"]),
                _(PROCESS_FIGURES["files_with_rework"].help),
            ),
            (
                _("Share of files"),
                fmt.percent(totals["share"]),
                _("Of the files in the selection, the share with rework."),
            ),
            (
                _(PROCESS_FIGURES["re_entries"].label),
                fmt.indian(totals["re_entries"]),
                _(PROCESS_FIGURES["re_entries"].help),
            ),
        ]
    )
    components.chart(
        charts.rework_by_level(by_level.assign(label=by_level["level"].map(label))),
        "rework_by_level",
        "rework-chart",
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**" + _("Where files came back") + "**")
        components.table(
            fmt.labelled(fmt.table(by_level, {"level": label, **fmt.formats("re_entries")})),
            by_level,
            "rework_by_level",
            "rework-levels",
        )
    with right:
        st.markdown(_("**How often** (files by their number of returns to a level)"))
        components.table(
            fmt.labelled(fmt.table(how_often, {"re_entries": fmt.indian, "files": fmt.indian})),
            how_often,
            "rework_how_often",
            "rework-often",
        )

st.divider()
st.markdown(_("**The event log as XES** (IEEE 1849, for process-mining tools)"))
facts = data.prepared(scope).facts
mask = scope.mask(facts)
if filters.states:
    mask &= facts["state"].isin(filters.states).to_numpy()
if filters.departments:
    mask &= facts["department"].isin(filters.departments).to_numpy()
n_traces = int(np.count_nonzero(mask))
st.caption(
    _(
        "Every stored event of the {count} files in your scope and the state and department "
        "filters (the file-type and period filters do not apply), one trace per file; officers "
        "as pseudonyms unless you may see names."
    ).format(count=fmt.indian(n_traces))
)
components.download_file(
    _("Download XES"),
    lambda: data.xes_log(scope, filters)[0],
    "eoffice_events.xes.gz",
    "application/gzip",
    "xes-download",
    n_traces,
    "xes",
)
