"""Every chart of the dashboard: pure functions, prepared DataFrame in, Plotly figure out.

All figures use the one house template `eoffice` registered here. Values shown on hover are
pre-formatted (Indian grouping, days) by the caller's columns or by `dashboard.format`. Every
label that comes from data (state, department, designation, holder, level name) goes through
`_labels` here, because Plotly renders HTML tags such as <a href> and <b> in text.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from analytics.figures.registry import FIGURES, PROCESS_FIGURES
from dashboard import format as fmt
from dashboard.i18n import _, is_hindi

NAVY, SAFFRON, GREEN, GREY, RED = "#1f4e79", "#e8871e", "#2e7d32", "#8c8c8c", "#c62828"
PALETTE = [NAVY, SAFFRON, GREEN, "#6a4c93", "#00838f", RED, "#795548", GREY, "#f9a825"]
AGE_COLOURS = ["#a5d6a7", "#fff176", "#ffb74d", "#e57373", "#b71c1c"]
TEXT_GREY = "#595959"
"""Grey for text on white: 7:1 contrast (WCAG AA asks 4.5:1; `GREY` is for marks only)."""


pio.templates["eoffice"] = go.layout.Template(
    layout=go.Layout(
        # Noto Sans Devanagari is served by the app (.streamlit/config.toml, fontFaces), so
        # Hindi labels render in the browser with no font installed on the reader's machine.
        font={
            "family": "Noto Sans Devanagari, DejaVu Sans, Arial, sans-serif",
            "size": 13,
            "color": "#222",
        },
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        title={
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 12, "l": 4},
            "font": {"size": 16},
        },
        margin={"l": 60, "r": 44, "t": 90, "b": 60},
        modebar={"orientation": "v"},
        xaxis={"gridcolor": "#eee", "linecolor": "#bbb", "zeroline": False, "automargin": True},
        yaxis={"gridcolor": "#eee", "linecolor": "#bbb", "zeroline": False, "automargin": True},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
        hoverlabel={"bgcolor": "white"},
    )
)
TEMPLATE = "eoffice"


def _labels(values: pd.Series | list) -> list[str]:
    """Data values as Plotly text: shown as written (HTML escaped, no bidi controls)."""
    return [fmt.label(v) for v in values]


def _wrap(labels: pd.Series, width: int = 10) -> list[str]:
    """Level labels for a column axis: the number, then the name in lines of at most `width`
    characters (a longer word keeps its own line), so neighbouring labels never touch."""
    out = []
    for text in _labels(labels):
        number, _dot, name = text.partition(" · ")
        lines = textwrap.wrap(name, width, break_long_words=False) if name else []
        out.append("<br>".join([number, *lines]))
    return out


TITLE_WIDTH = 36
"""Characters per line of a chart title: longer titles wrap, so on a 390-px phone the title
stays clear of the toolbar (drawn upright at the right)."""


def ticks(top: Any, kind: str = "number", steps: int = 5) -> dict:
    """A value axis from 0 with ticks at round values up to `top`, written as the dashboard
    writes numbers: Indian grouping (12,34,567, never 10k), whole numbers for counts (no
    half-file tick), percentages for shares (`kind`: count, share or number)."""
    top = float(top) if pd.notna(top) and float(top) > 0 else 1.0
    raw = top / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if kind == "count" else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw)
    if kind == "count":
        step = max(1.0, round(step))
    values = [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]
    if kind == "share":
        decimals = max(0, -math.floor(math.log10(step * 100))) if step * 100 < 1 else 0
        text = [f"{fmt.indian(100 * v, decimals)}%" for v in values]
    else:
        decimals = next(d for d in range(4) if abs(round(step, d) - step) < 1e-9 or d == 3)
        text = [fmt.indian(v, decimals) for v in values]
    return {
        "tickmode": "array",
        "tickvals": values,
        "ticktext": text,
        "range": [0, values[-1] * 1.02],
    }


def _level_axes(table: pd.DataFrame, unit_label: str, top: Any = None) -> dict:
    """Layout of a chart with one row per level, level 1 on top (values up to `top`)."""
    return {
        "xaxis": {"title": unit_label[:1].upper() + unit_label[1:], **ticks(top)},
        "yaxis": {"title": None, "autorange": "reversed", "type": "category"},
        "height": 160 + 34 * len(table),
    }


def _figure(title: str, fig: go.Figure | None = None) -> go.Figure:
    fig = fig if fig is not None else go.Figure()
    fig.update_layout(template=TEMPLATE, title=_title(title))
    return fig


def _title(title: str) -> str:
    """A title wrapped at word boundaries (`TITLE_WIDTH`), lines joined by <br>."""
    return "<br>".join(textwrap.wrap(title, TITLE_WIDTH)) or title


def empty(title: str, message: str | None = None) -> go.Figure:
    """A blank figure that says there is nothing to show."""
    fig = _figure(title)
    fig.add_annotation(
        text=message or _("No data for this selection"),
        showarrow=False,
        font={"size": 14, "color": TEXT_GREY},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def creation_vs_movement(trend: pd.DataFrame) -> go.Figure:
    """Monthly files created and movements (bars, above) and the movement ratio (line, its
    own panel below: no second axis beside the first).

    `trend`: month (YYYY-MM), files_created, movements, movement_ratio.
    """
    title = _("Files created vs movements, by month")
    if trend.empty:
        return empty(title)
    months = [fmt.month(m + "-01") for m in trend["month"]]
    fig = _figure(
        title,
        make_subplots(
            rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.1
        ),
    )
    for column, name, colour in (
        ("files_created", _(FIGURES["files_created"].label), SAFFRON),
        ("movements", _(FIGURES["movements"].label), NAVY),
    ):
        fig.add_bar(
            x=months,
            y=trend[column],
            name=name,
            marker_color=colour,
            customdata=[fmt.indian(v) for v in trend[column]],
            hovertemplate="%{x}: %{customdata} " + name + "<extra></extra>",
            row=1,
            col=1,
        )
    ratio = _(FIGURES["movement_ratio"].label)
    fig.add_scatter(
        x=months,
        y=trend["movement_ratio"],
        name=ratio,
        mode="lines+markers",
        line={"color": GREEN, "width": 3},
        customdata=[fmt.ratio(v) for v in trend["movement_ratio"]],
        hovertemplate="%{x}: %{customdata} " + _("movements per file created") + "<extra></extra>",
        row=2,
        col=1,
    )
    top = trend[["files_created", "movements"]].to_numpy().max()
    fig.update_layout(barmode="group", height=520)
    fig.update_yaxes(title=_("Files, movements"), **ticks(top, "count"), row=1, col=1)
    fig.update_yaxes(
        title=_("Per file"), **ticks(trend["movement_ratio"].max(), "number", 3), row=2, col=1
    )
    fig.update_xaxes(type="category", row=2, col=1)
    return fig


def ranked_bars(
    ranked: pd.DataFrame,
    value: str,
    label: str,
    text: list[str],
    reference: tuple[str, float, str] | None = None,
) -> go.Figure:
    """States ranked on one figure, rank 1 (the best, or the largest) on top. `ranked`: in
    rank order (`views.ranked`); `text`: the formatted values; `reference`: (name, value,
    formatted value) of a group drawn as a dashed line, not ranked (the central secretariat).
    """
    title = _("{figure}, by state").format(figure=label)
    data = ranked.assign(_text=text).dropna(subset=[value])
    if data.empty:
        return empty(title)
    fig = _figure(title)
    fig.add_bar(
        x=data[value],
        y=[f"{r} · {s}" for r, s in zip(data["rank"], _labels(data["state"]), strict=True)],
        orientation="h",
        marker_color=NAVY,
        text=data["_text"],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra></extra>",
    )
    if reference is not None and pd.notna(reference[1]):
        name, at, shown = reference
        fig.add_vline(
            x=at,
            line={"color": SAFFRON, "dash": "dash", "width": 2},
            annotation={"text": f"{fmt.label(name)}: {shown}", "font": {"color": SAFFRON}},
            annotation_position="top",
        )
    kind = FIGURES[value].kind if value in FIGURES else "number"
    top = max(data[value].max(), reference[1] if reference is not None else 0) * 1.15
    axis = ticks(top, kind if kind in ("count", "share") else "number")
    fig.update_layout(
        xaxis={"title": label, **axis},
        yaxis={"title": None, "autorange": "reversed", "type": "category"},
        height=160 + 36 * len(data),
        showlegend=False,
    )
    return fig


def turnaround_by_level(table: pd.DataFrame, unit_label: str) -> go.Figure:
    """Median and 90th-percentile time held per level. `table`: level_label, median, p90."""
    return _level_bars(
        table,
        _("Time a file stays at each level ({unit})").format(unit=unit_label),
        (
            ("median_days", _(FIGURES["median_days"].label), NAVY),
            ("p90_days", _(FIGURES["p90_days"].label), SAFFRON),
        ),
        "group",
        unit_label,
    )


def level_distribution(table: pd.DataFrame, unit_label: str) -> go.Figure:
    """Spread of time held per level as boxes: quartiles, median, whiskers at p10 and p90."""
    title = _("Spread of time held per level ({unit})").format(unit=unit_label)
    if table.empty:
        return empty(title)
    fig = _figure(title)
    fig.add_box(
        y=_labels(table["level_label"]),
        orientation="h",
        q1=table["q1_days"],
        median=table["median_days"],
        q3=table["q3_days"],
        lowerfence=table["p10_days"],
        upperfence=table["p90_days"],
        mean=table["mean_days"],
        marker_color=NAVY,
        name=_("Time held"),
        showlegend=False,
    )
    fig.update_layout(**_level_axes(table, unit_label, table["p90_days"].max()))
    return fig


def waiting_processing(table: pd.DataFrame, unit_label: str) -> go.Figure:
    """Median waiting (until opened) and processing (opened to sent on) per level, stacked."""
    title = _("Waiting vs processing per level, median ({unit})").format(unit=unit_label)
    if table.empty:
        return empty(title, _("No receipt times (received_at) in this selection"))
    return _level_bars(
        table,
        title,
        (
            ("median_waiting_days", _("Waiting to be opened"), SAFFRON),
            ("median_processing_days", _("Processing after opening"), NAVY),
        ),
        "stack",
        unit_label,
    )


def _level_bars(
    table: pd.DataFrame,
    title: str,
    series: tuple[tuple[str, str, str], ...],
    barmode: str,
    unit_label: str,
) -> go.Figure:
    """Horizontal bars per level, one trace per (column, name, colour) of `series`."""
    if table.empty:
        return empty(title)
    fig = _figure(title)
    for column, name, colour in series:
        fig.add_bar(
            y=_labels(table["level_label"]),
            x=table[column],
            orientation="h",
            name=name,
            marker_color=colour,
            customdata=[fmt.age(v, unit_label) for v in table[column]],
            hovertemplate="%{y}<br>" + name + ": %{customdata}<extra></extra>",
        )
    values = table[[s[0] for s in series]]
    top = values.sum(axis=1).max() if barmode == "stack" else values.max().max()
    fig.update_layout(barmode=barmode, **_level_axes(table, unit_label, top))
    return fig


def _sankey(
    title: str,
    labels: list[str],
    sources: list[str],
    targets: list[str],
    values: pd.Series,
    hover: list[str],
    pad: int,
) -> go.Figure:
    """A Sankey of links source → target (names among `labels`), hover text per link."""
    index = {name: i for i, name in enumerate(labels)}
    fig = _figure(title)
    fig.add_trace(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "color": NAVY, "pad": pad, "thickness": 14},
            link={
                "source": [index[s] for s in sources],
                "target": [index[t] for t in targets],
                "value": values.tolist(),
                "customdata": hover,
                "hovertemplate": "%{source.label} → %{target.label}<br>%{customdata}"
                "<extra></extra>",
            },
        )
    )
    return fig


def flow_sankey(flow: pd.DataFrame) -> go.Figure:
    """Upward and same-level movements between levels as a Sankey (returns drawn apart).

    `flow`: from_label, to_label, movements, median_days.
    """
    title = _("How files move up the hierarchy (movements between levels)")
    if flow.empty:
        return empty(title)
    senders = [_("{level} (from)").format(level=x) for x in _labels(flow["from_label"])]
    receivers = [_("{level} (to)").format(level=x) for x in _labels(flow["to_label"])]
    labels = list(dict.fromkeys([*sorted(set(senders)), *sorted(set(receivers))]))
    hover = [
        _("{count} movements; median {time} with the sender").format(
            count=fmt.indian(n), time=fmt.age(d)
        )
        for n, d in zip(flow["movements"], flow["median_days"], strict=True)
    ]
    fig = _sankey(title, labels, senders, receivers, flow["movements"], hover, 12)
    fig.data[0].link.color = "rgba(31,78,121,0.25)"
    fig.update_layout(height=520)
    return fig


def flow_matrix(flow: pd.DataFrame, value: str, title: str, colourscale: str) -> go.Figure:
    """A from-level × to-level matrix of `value` (movements or median_days), labelled cells."""
    if flow.empty:
        return empty(title)
    grid = flow.pivot_table(
        index="from_label", columns="to_label", values=value, aggfunc="first", sort=False
    )
    order = list(dict.fromkeys(flow.sort_values("from_level")["from_label"]))
    cols = list(dict.fromkeys(flow.sort_values("to_level")["to_label"]))
    grid = grid.reindex(index=order, columns=cols)
    cell = fmt.indian if value == "movements" else lambda v: fmt.age(v, "")
    return matrix(grid, cell, title, colourscale, (_("To level"), _("From level")))


def matrix(
    grid: pd.DataFrame,
    cell: Callable[[Any], str],
    title: str,
    colourscale: str,
    titles: tuple[str, str],
) -> go.Figure:
    """A heatmap of `grid` (rows × columns, labels as index and columns) with each cell's
    value written in it (`cell` formats it; empty cells stay blank). Level labels are
    wrapped on the columns; `titles`: (x axis, y axis)."""
    if grid.empty:
        return empty(title)
    text = grid.map(lambda v: "" if pd.isna(v) else cell(v).strip())
    fig = _figure(title)
    fig.add_heatmap(
        z=grid.to_numpy(dtype="float64"),
        x=_wrap(pd.Series(grid.columns)),
        y=_labels(pd.Series(grid.index)),
        text=text.to_numpy(),
        texttemplate="%{text}",
        textfont={"size": 14},
        colorscale=colourscale,
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        showscale=False,
        xgap=2,
        ygap=2,
    )
    fig.update_layout(
        xaxis={
            "title": {"text": titles[0], "standoff": 18},
            "side": "bottom",
            "type": "category",
            "tickangle": 0,
            "tickfont": {"size": 12},
        },
        yaxis={"title": titles[1], "autorange": "reversed", "type": "category"},
        height=200 + 46 * len(grid.index),
        margin={"l": 20},
    )
    return fig


def state_level_turnaround(table: pd.DataFrame, unit_label: str) -> go.Figure:
    """Median time held per state (rows, the central secretariat last) and level (columns).

    `table`: state, level_label (in level order), median_days."""
    title = _("Median time a file stays at each level, by state ({unit})").format(unit=unit_label)
    if table.empty:
        return empty(title)
    grid = table.pivot_table(
        index="state", columns="level_label", values="median_days", aggfunc="first", sort=False
    )
    grid = grid.reindex(columns=list(dict.fromkeys(table["level_label"])))
    return matrix(grid, lambda v: fmt.age(v, ""), title, "YlOrRd", (_("Level"), None))


def pendency_buckets(table: pd.DataFrame, by_label: str, buckets: dict[str, str]) -> go.Figure:
    """Pending files per level (or department) stacked by age bucket. `table`: label + buckets."""
    title = _("Pending files by age, per {group}").format(group=by_label)
    if table.empty or table[list(buckets)].to_numpy().sum() == 0:
        return empty(title, _("No pending files in this selection"))
    fig = _figure(title)
    for (column, name), colour in zip(buckets.items(), AGE_COLOURS, strict=True):
        fig.add_bar(
            y=_labels(table["label"]),
            x=table[column],
            orientation="h",
            name=name,
            marker_color=colour,
            customdata=[fmt.indian(v) for v in table[column]],
            hovertemplate="%{y}<br>" + name + ": %{customdata} " + _("files") + "<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        xaxis={
            "title": _("Pending files"),
            **ticks(table[list(buckets)].sum(axis=1).max(), "count"),
        },
        yaxis={"title": None, "autorange": "reversed", "type": "category"},
        legend={"traceorder": "normal"},
        height=180 + 30 * len(table),
    )
    return fig


def journey_timeline(journey: pd.DataFrame) -> go.Figure:
    """A file's stints as bars along time, one row per holder (label), open stint to T.

    `journey`: label, start, finish (IST), held (formatted), colour_key.
    """
    title = _("The file's journey, stint by stint")
    if journey.empty:
        return empty(title)
    fig = _figure(title)
    starts = pd.to_datetime(journey["start"])
    finish = pd.to_datetime(journey["finish"])
    duration_ms = (finish - starts).dt.total_seconds() * 1000
    fig.add_bar(
        base=starts.dt.tz_localize(None),
        x=duration_ms.clip(lower=60_000),
        y=_labels(journey["label"]),
        orientation="h",
        marker_color=[SAFFRON if k == "open" else NAVY for k in journey["colour_key"]],
        customdata=journey[["held", "when"]].to_numpy(),
        hovertemplate="%{y}<br>%{customdata[1]}<br>"
        + _("held {time}").format(time="%{customdata[0]}")
        + "<extra></extra>",
        showlegend=False,
    )
    # Plotly writes month names in English only: in Hindi the axis gives the month's number.
    month = "%m" if is_hindi() else "%b"
    fig.update_layout(
        xaxis={
            "type": "date",
            "title": _("Time (IST)"),
            "tickformat": f"%d-{month}-%Y",
            "hoverformat": f"%d-{month}-%Y %H:%M",
        },
        yaxis={"autorange": "reversed", "title": None, "type": "category"},
        height=140 + 28 * journey["label"].nunique(),
    )
    return fig


def _process_arrows(
    fig: go.Figure, between: pd.DataFrame, names: dict[int, str]
) -> tuple[list[float], list[float], list[str]]:
    """One arrow per edge between two levels (`process_map`), each in its own lane; returns
    the arrows' midpoints and hover texts."""
    widest = max(float(between["movements"].max()), 1.0)
    mid_x: list[float] = []
    mid_y: list[float] = []
    mid_text: list[str] = []
    for row in between.itertuples():
        a, b = int(row.from_level), int(row.to_level)
        side, span = (-1 if b > a else 1), abs(b - a)
        # a lane per edge: wider spans further out, and edges of one span that overlap
        # (starting less than `span` levels apart) side by side
        x = side * (0.1 + sum(0.02 * t + 0.03 for t in range(1, span)) + 0.02 * (a % span))
        width = 1 + 7 * float(row.movements) / widest
        colour = RED if row.slowest else (NAVY if b > a else SAFFRON)
        fig.add_annotation(
            x=x,
            y=b,
            ax=x,
            ay=a,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=min(1.0, 3 / width),
            arrowwidth=width,
            arrowcolor=colour,
            opacity=0.8,
            text="",
        )
        mid_x.append(x)
        mid_y.append((a + b) / 2)
        mid_text.append(
            f"{fmt.label(names[a])} → {fmt.label(names[b])}<br>"
            + _("{count} movements; median {time}").format(
                count=fmt.indian(row.movements), time=fmt.days(row.median_days, 2)
            )
            + ("<br><b>" + _("among the slowest") + "</b>" if row.slowest else "")
        )
    return mid_x, mid_y, mid_text


def process_map(edges: pd.DataFrame) -> go.Figure:
    """The directly-follows graph of levels: one node per level (level 1 at the bottom),
    an arrow per edge as wide as its movements allow, upward edges on the left, returns on
    the right, the slowest edges red. `edges`: from_level, to_level, from_label, to_label,
    movements, median_days, slowest (levels mapped; same-level edges are left to the table)."""
    title = _("Process map: movements between levels, with the median days with the sender")
    edges = edges[edges["from_level"].notna() & edges["to_level"].notna()]
    between = edges[edges["from_level"] != edges["to_level"]]
    if between.empty:
        return empty(title)
    fig = _figure(title)
    levels = sorted(set(between["from_level"].astype(int)) | set(between["to_level"].astype(int)))
    names = dict(zip(between["from_level"].astype(int), between["from_label"], strict=False))
    names.update(dict(zip(between["to_level"].astype(int), between["to_label"], strict=False)))
    mid_x, mid_y, mid_text = _process_arrows(fig, between, names)
    fig.add_scatter(
        x=mid_x,
        y=mid_y,
        mode="markers",
        marker={"size": 10, "color": "rgba(0,0,0,0)"},
        hovertext=mid_text,
        hoverinfo="text",
        showlegend=False,
    )
    fig.add_scatter(
        x=[0] * len(levels),
        y=levels,
        mode="markers+text",
        marker={"size": 26, "color": "white", "line": {"color": NAVY, "width": 2}},
        text=[str(v) for v in levels],
        textposition="middle center",
        hovertext=_labels([names[v] for v in levels]),
        hoverinfo="text",
        showlegend=False,
    )
    fig.update_layout(
        xaxis={"visible": False, "range": [-1.2, 1.2]},
        yaxis={
            "title": None,
            "tickvals": levels,
            "ticktext": _labels([names[v] for v in levels]),
            "range": [min(levels) - 0.6, max(levels) + 0.6],
        },
        height=140 + 70 * len(levels),
        annotations=[
            *fig.layout.annotations,
            {"x": -0.7, "y": 1.02, "yref": "paper", "text": _("up"), "showarrow": False},
            {"x": 0.7, "y": 1.02, "yref": "paper", "text": _("returns"), "showarrow": False},
        ],
    )
    return fig


def handover_sankey(pairs: pd.DataFrame) -> go.Figure:
    """Who passes files to whom: officer → officer as a Sankey. `pairs`: from_user, to_user,
    handovers, median_days (already the busiest few, names as the reader may see them)."""
    title = _("Who passes files to whom (the busiest handovers)")
    if pairs.empty:
        return empty(title)
    senders = [_("{officer} (passes)").format(officer=x) for x in _labels(pairs["from_user"])]
    receivers = [_("{officer} (gets)").format(officer=x) for x in _labels(pairs["to_user"])]
    labels = list(dict.fromkeys([*senders, *receivers]))
    hover = [
        _("{count} handovers; median {time} with the sender").format(
            count=fmt.indian(n), time=fmt.days(d, 2)
        )
        for n, d in zip(pairs["handovers"], pairs["median_days"], strict=True)
    ]
    fig = _sankey(title, labels, senders, receivers, pairs["handovers"], hover, 8)
    fig.data[0].link.color = "rgba(232,135,30,0.35)"
    fig.update_layout(height=max(420, 22 * len(labels) // 2))
    return fig


def rework_by_level(table: pd.DataFrame) -> go.Figure:
    """Returns to a level, per level. `table`: label, re_entries, files."""
    title = _("Rework: how often files came back to a level they had left")
    if table.empty:
        return empty(title, _("No file came back to a level in this selection"))
    fig = _figure(title)
    fig.add_bar(
        x=table["re_entries"],
        y=_labels(table["label"]),
        orientation="h",
        marker_color=SAFFRON,
        text=[fmt.indian(v) for v in table["re_entries"]],
        customdata=[fmt.indian(v) for v in table["files"]],
        hovertemplate="%{y}: "
        + _("{returns} returns, {files} files").format(returns="%{text}", files="%{customdata}")
        + "<extra></extra>",
    )
    fig.update_layout(
        xaxis={"title": _(PROCESS_FIGURES["re_entries"].label)},
        yaxis={"title": None, "autorange": "reversed", "type": "category"},
        height=160 + 34 * len(table),
    )
    return fig
