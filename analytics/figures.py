"""The figures registry: every figure of metrics.md once, with its words, unit and thresholds.

One `Figure` per figure: its name (the column name in the report tables and the dashboard's
frames), the report tables that hold it (their key columns are `TABLE_KEYS`), its unit, the
label and help text a reader sees, how it is formatted (`kind`) and whether a higher value is
better. The thresholds the definitions use are named here and nowhere else:
`CSMOP_WORKING_DAYS`, `OVER_LEVELS_LIMIT` and `AGE_EDGES` (with the bucket names built from
them). `report`, `report --db`, every dashboard page, the States ranking and every download
read their figures, labels and formats from here; later features (a monthly report, alerts,
Hindi labels) should too.

This module imports nothing from the rest of the package, so every other module may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CSMOP_WORKING_DAYS = 7
"""CSMOP's norm: a file should not stay with one holder more than 7 working days."""
OVER_LEVELS_LIMIT = 4
"""CSMOP para 14's delayering norm: a file should pass through no more than 4 levels."""
AGE_EDGES = (7, 15, 30, 60)
"""Upper edges (days, included) of the pendency age buckets; the last bucket is over 60."""


def _bucket_names(edges: tuple[int, ...]) -> tuple[str, ...]:
    lows = (0, *(e + 1 for e in edges[:-1]))
    return (
        *(f"age_{lo}_{hi}" for lo, hi in zip(lows, edges, strict=True)),
        f"age_over_{edges[-1]}",
    )


AGE_BUCKETS = _bucket_names(AGE_EDGES)
"""`age_0_7`, `age_8_15`, `age_16_30`, `age_31_60`, `age_over_60`."""
AGE_BOUNDS: dict[str, tuple[float, float]] = {
    name: (lo, hi)
    for name, lo, hi in zip(
        AGE_BUCKETS, (-float("inf"), *AGE_EDGES), (*AGE_EDGES, float("inf")), strict=True
    )
}
"""Each bucket's (lower, upper] bounds in days: a pending file of age a is in the bucket
with lower < a ≤ upper (metrics.md: "on exact elapsed days")."""

TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "movement_ratio": ("state", "department", "month"),
    "level_turnaround": ("state", "level"),
    "pendency": ("state", "department", "level"),
    "files": ("state", "file_id"),
    "summary": ("state", "department"),
}
"""The key columns of each report table (metrics.md, "Report tables")."""

Kind = Literal["count", "ratio", "share", "mean", "days"]
"""How a figure reads: count 12,34,567; ratio 18.0; share 92.4%; mean 4.58; days 2.5 days."""


@dataclass(frozen=True)
class Figure:
    """One figure of metrics.md."""

    name: str
    tables: tuple[str, ...]
    """The report tables holding it (empty: shown on the dashboard only)."""
    unit: str
    label: str
    help: str
    kind: Kind
    higher_is_better: bool | None
    """None where neither direction is better in itself."""

    @property
    def keys(self) -> dict[str, tuple[str, ...]]:
        """The key columns of each table holding the figure."""
        return {t: TABLE_KEYS[t] for t in self.tables}


def _bucket_label(name: str) -> str:
    lo, hi = AGE_BOUNDS[name]
    if hi == float("inf"):
        return f"Over {int(lo)} days"
    return f"{0 if lo < 0 else int(lo) + 1}–{int(hi)} days"


def _bucket_help(name: str) -> str:
    lo, hi = AGE_BOUNDS[name]
    if hi == float("inf"):
        return (
            f"Pending files that have been with their present holder for more than {int(lo)} days."
        )
    if lo < 0:
        return f"Pending files that have been with their present holder for {int(hi)} days or less."
    return (
        f"Pending files that have been with their present holder for more than {int(lo)} and "
        f"at most {int(hi)} days."
    )


_FIGURES = [
    Figure(
        "files_created",
        ("movement_ratio", "summary"),
        "files",
        "Files created",
        "How many files were opened (`created` events) in the selection.",
        "count",
        None,
    ),
    Figure(
        "movements",
        ("movement_ratio", "summary", "files"),
        "movements",
        "Movements",
        "How many times files were sent from one officer to another (`moved` events).",
        "count",
        None,
    ),
    Figure(
        "movement_ratio",
        ("movement_ratio", "summary"),
        "movements per file",
        "Movements per file created",
        "Movements divided by files created: how many hands a new file passes through. "
        "Fewer means decisions are taken closer to where the file starts.",
        "ratio",
        False,
    ),
    Figure(
        "efile_share",
        ("summary",),
        "share of files",
        "e-File share",
        "Of the files created, the share that are electronic files rather than paper files.",
        "share",
        True,
    ),
    Figure(
        "pending",
        ("pendency", "summary"),
        "files",
        "Pending at T",
        "Files not yet closed or parked, as of each state's latest upload (T): someone holds "
        "them and has to act.",
        "count",
        False,
    ),
    *(
        Figure(
            name, ("pendency",), "files", _bucket_label(name), _bucket_help(name), "count", False
        )
        for name in AGE_BUCKETS
    ),
    Figure(
        "parked",
        ("pendency", "summary"),
        "files",
        "Parked",
        "Files put aside (parked) as of T; counted apart from pending files.",
        "count",
        None,
    ),
    Figure(
        "pending_over_7_working_days",
        (),
        "files",
        f"Pending over {CSMOP_WORKING_DAYS} working days",
        f"Pending files that have been with their present holder for more than "
        f"{CSMOP_WORKING_DAYS} working days, the limit the Central Secretariat Manual of Office "
        "Procedure (CSMOP) sets.",
        "count",
        False,
    ),
    Figure(
        "mean_levels_pending",
        ("summary",),
        "levels",
        "Mean distinct levels, pending files",
        "On average, how many different levels of the hierarchy a pending file has passed "
        "through so far (DARPG tracks this figure every month).",
        "mean",
        False,
    ),
    Figure(
        "mean_holders_pending",
        ("summary",),
        "officers",
        "Mean holders, pending files",
        "On average, how many different officers a pending file has been with so far.",
        "mean",
        False,
    ),
    Figure(
        "files_over_4_levels",
        ("summary",),
        "files",
        f"Files over {OVER_LEVELS_LIMIT} levels",
        f"Files that went through more than {OVER_LEVELS_LIMIT} levels of the hierarchy, "
        "against CSMOP's delayering norm.",
        "count",
        False,
    ),
    Figure(
        "stints",
        ("level_turnaround",),
        "stints",
        "Stints",
        "How many times a file was with an officer at this level and moved on (the times "
        "that make up the figures beside it).",
        "count",
        None,
    ),
    Figure(
        "median_days",
        ("level_turnaround",),
        "days",
        "Median",
        "Half of the files left this level faster than this, half slower.",
        "days",
        False,
    ),
    Figure(
        "mean_days",
        ("level_turnaround",),
        "days",
        "Mean",
        "The average time a file stayed at this level (pulled up by a few slow files).",
        "days",
        False,
    ),
    Figure(
        "p90_days",
        ("level_turnaround",),
        "days",
        "90th percentile",
        "Nine in ten files left this level within this time: the slow end.",
        "days",
        False,
    ),
    Figure(
        "levels_traversed",
        ("files",),
        "levels",
        "Levels so far",
        "How many different levels of the hierarchy the file has been at.",
        "count",
        False,
    ),
    Figure(
        "holders",
        ("files",),
        "officers",
        "Holders",
        "How many different officers have held the file.",
        "count",
        False,
    ),
    Figure(
        "returns",
        ("files",),
        "movements",
        "Returns",
        "Movements that sent the file back down to a lower level.",
        "count",
        False,
    ),
    Figure(
        "disposal_days",
        ("files",),
        "days",
        "Days to close",
        "Calendar days from the file's creation to its closing.",
        "days",
        False,
    ),
]

_PROCESS = [
    Figure(
        "files",
        (),
        "files",
        "Files",
        "How many files took this route (routes), or were handed to this officer (officers).",
        "count",
        None,
    ),
    Figure(
        "share",
        (),
        "share of files",
        "Share of files",
        "Of the files in the selection that have a route, the share that took this one.",
        "share",
        None,
    ),
    Figure(
        "closed",
        (),
        "files",
        "Closed",
        "How many of these files are closed (their days to close make the figures beside it).",
        "count",
        None,
    ),
    Figure(
        "median_disposal_days",
        (),
        "days",
        "Median days to close",
        "Half of the closed files on this route were closed faster than this, from creation.",
        "days",
        False,
    ),
    Figure(
        "p90_disposal_days",
        (),
        "days",
        "90th percentile days to close",
        "Nine in ten closed files on this route were closed within this time: the slow end.",
        "days",
        False,
    ),
    Figure(
        "steps",
        (),
        "levels",
        "Steps",
        "How many levels the route passes through in order (a run at one level counts once).",
        "count",
        False,
    ),
    Figure(
        "levels",
        (),
        "levels",
        "Distinct levels",
        f"How many different levels the route passes through; over {OVER_LEVELS_LIMIT} goes "
        "against CSMOP's delayering norm.",
        "count",
        False,
    ),
    Figure(
        "handovers",
        (),
        "movements",
        "Handovers",
        "How many times a file was passed from this officer to that one (`moved` events).",
        "count",
        None,
    ),
    Figure(
        "re_entries",
        (),
        "arrivals",
        "Returns to a level",
        "How many times a file came back to a level it had left (rework).",
        "count",
        False,
    ),
    Figure(
        "files_with_rework",
        (),
        "files",
        "Files with rework",
        "Files that came back at least once to a level they had left.",
        "count",
        False,
    ),
    Figure(
        "median_days_held",
        (),
        "days",
        "Median days held before passing on",
        "Half of the files this officer passed on had been with them less than this.",
        "days",
        False,
    ),
]

PROCESS_FIGURES: dict[str, Figure] = {f.name: f for f in _PROCESS}
"""The Process page's figures (routes, handovers, rework: `analytics.mining`); in no report
table, so kept apart from `FIGURES`, which every report and the parity tests cover."""

FIGURES: dict[str, Figure] = {f.name: f for f in _FIGURES}
"""Every figure by name."""

OVERVIEW = (
    "files_created",
    "movements",
    "movement_ratio",
    "efile_share",
    "pending",
    "pending_over_7_working_days",
    "parked",
    "mean_levels_pending",
    "mean_holders_pending",
    "files_over_4_levels",
)
"""The figures of the Overview cards, the States ranking and the per-state tables."""


def figure(name: str) -> Figure:
    """The registry entry of a figure (KeyError naming it when there is none)."""
    try:
        return FIGURES[name]
    except KeyError:
        raise KeyError(f"no figure named {name!r} in the registry") from None


def in_table(table: str) -> list[Figure]:
    """The figures a report table holds, in the registry's order."""
    return [f for f in _FIGURES if table in f.tables]
