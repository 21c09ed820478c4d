"""The figures registry: every figure of metrics.md once, with its words, unit and thresholds.

One `Figure` per figure: its name (the column name in the report tables and the dashboard's
frames), the report tables that hold it (their key columns are `TABLE_KEYS`), its unit, the
label and help text a reader sees, how it is formatted (`kind`) and whether a higher value is
better. The thresholds the definitions use are named here and nowhere else:
`CSMOP_WORKING_DAYS`, `ESCALATION_WORKING_DAYS`, `OVER_LEVELS_LIMIT` and `AGE_EDGES` (with the bucket names built from
them). `report`, `report --db`, every dashboard page, the States ranking and every download
read their figures, labels and formats from here; later features (a monthly report, alerts,
Hindi labels) should too.

This module imports nothing from the rest of the package, so every other module may use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

CSMOP_WORKING_DAYS = 7
"""CSMOP's norm: a file should not stay with one holder more than 7 working days."""
ESCALATION_WORKING_DAYS = 7
"""Overdue alerts: a file past its limit by this many more working days is escalated to the
next level's holder of its department (docs/alerts.md); a rule may set another."""
OVER_LEVELS_LIMIT = 4
"""CSMOP para 14's delayering norm: a file should pass through no more than 4 levels."""
AGE_EDGES = (7, 15, 30, 60)
"""Upper edges (days, included) of the pendency age buckets; the last bucket is over 60."""


GLOSSARY: dict[str, str] = {
    "T": "T is the moment of the latest event loaded for a state: every figure counts that "
    "state's log up to T, and pending files are those still open at T.",
    "stint": "A stint is one spell of a file with one officer, from the moment it reaches "
    "them until they send it on, park it or close it (or until T, if they still hold it).",
    "parked": "A parked file has been put aside on purpose (for instance awaiting a court "
    "order or funds); it is counted apart from pending files until it is reopened.",
    "unmapped": "Unmapped means the officer's designation is not in the level table, so the "
    "movement is counted but placed at no level; an administrator can add the designation.",
    "broken chain": "A broken chain is a movement sent by someone other than the officer who "
    "held the file at that moment, usually because an event is missing from the extract.",
    "CSMOP": "CSMOP is the Central Secretariat Manual of Office Procedure, the Government of "
    f"India's rules for file work: it sets the {CSMOP_WORKING_DAYS}-working-day limit "
    f"and the {OVER_LEVELS_LIMIT}-level norm used here.",
}
"""The words the dashboard uses that a Secretary may not know, each in one sentence: shown
where the word appears and, all together, under "Words used here" in the sidebar."""


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
        "Files put aside (parked) as of T; counted apart from pending files. " + GLOSSARY["parked"],
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
        "overdue",
        (),
        "files",
        "Overdue",
        f"Pending files that have been with their present holder for longer than their limit: "
        f"{CSMOP_WORKING_DAYS} working days (CSMOP) unless a rule for the state, level or file "
        "type sets another.",
        "count",
        False,
    ),
    Figure(
        "escalated",
        (),
        "files",
        "Escalated",
        f"Overdue files past their limit by {ESCALATION_WORKING_DAYS} more working days (or "
        "what their rule sets): the next level's holder of the department is told.",
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

_OFFICER_FIGURES = [
    Figure(
        "held_now",
        (),
        "files",
        "Files held now",
        "Pending files with this officer as of T: they have to act on them.",
        "count",
        False,
    ),
    Figure(
        "oldest_age_days",
        (),
        "days",
        "Oldest file held, age",
        "How long the oldest pending file has been with this officer, as of T.",
        "days",
        False,
    ),
    Figure(
        "held_over_7_working_days",
        (),
        "files",
        f"Held over {CSMOP_WORKING_DAYS} working days",
        f"Pending files this officer has held for more than {CSMOP_WORKING_DAYS} working days, "
        "the limit the Central Secretariat Manual of Office Procedure (CSMOP) sets.",
        "count",
        False,
    ),
    Figure(
        "stints_ended",
        (),
        "stints",
        "Files handled",
        "How many times a file came to this officer and left again in the period (each such "
        "turn is a stint).",
        "count",
        None,
    ),
    Figure(
        "median_days_held",
        (),
        "days",
        "Median time held",
        "Half of the files this officer passed on in the period were with them for less than "
        "this, half for longer.",
        "days",
        False,
    ),
    Figure(
        "files_returned",
        (),
        "files",
        "Files returned downward",
        "Files this officer sent back down to a lower level in the period.",
        "count",
        False,
    ),
]

_RATE_FIGURES = [
    Figure(
        "files_handled",
        (),
        "files",
        "Files handled",
        "Files someone held during the period (all files when no period is chosen).",
        "count",
        None,
    ),
    Figure(
        "pending_per_100_files",
        (),
        "pending files per 100 files handled",
        "Pending per 100 files handled",
        "Files pending at T for every 100 files handled: pendency made comparable between "
        "a large state and a small one.",
        "ratio",
        False,
    ),
    Figure(
        "share_pending_over_7",
        (),
        "share of pending files",
        f"Share pending over {CSMOP_WORKING_DAYS} working days",
        f"Of the files pending at T, the share that have been with their present holder for "
        f"more than {CSMOP_WORKING_DAYS} working days, the limit the Central Secretariat "
        "Manual of Office Procedure (CSMOP) sets.",
        "share",
        False,
    ),
    Figure(
        "median_turnaround_days",
        (),
        "days",
        "Median level turnaround",
        "Half of the files an officer passed on in the period left them faster than this, "
        "whatever the level: how quickly files move on.",
        "days",
        False,
    ),
]

_FIGURES += [*_OFFICER_FIGURES, *_RATE_FIGURES]
DASHBOARD_ONLY = (
    "overdue",
    "escalated",
    *(f.name for f in (*_OFFICER_FIGURES, *_RATE_FIGURES)),
)
"""Figures the dashboard shows that no report path writes (the Overdue page's counts, the
Officers page, the States page's rates): the parity of the report paths does not cover them;
their own tests check them against logs and the sample worked out independently."""

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
"""The Process page's figures (routes, handovers, rework: `analytics.figures.mining`); in no report
table, so kept apart from `FIGURES`, which every report and the parity tests cover."""

FIGURES: dict[str, Figure] = {f.name: f for f in _FIGURES}
"""Every figure by name."""

ACTIVITY = ("files_created", "movements", "movement_ratio", "efile_share")
"""The overview figures that count activity in a period (the date range)."""
SNAPSHOT = (
    "pending",
    "pending_over_7_working_days",
    "parked",
    "mean_levels_pending",
    "mean_holders_pending",
    "files_over_4_levels",
)
"""The overview figures that are a snapshot at a moment (each state's T)."""
OVERVIEW = (*ACTIVITY, *SNAPSHOT)
RATES = (
    "pending_per_100_files",
    "share_pending_over_7",
    "movement_ratio",
    "median_turnaround_days",
)
"""The rates the States page ranks by first: fair between large and small states."""
CENTRAL_SECRETARIAT = "DARPG"
"""The `state` value of the central secretariat's rows: a separate group, not a state."""
"""The figures of the Overview cards, the States ranking and the per-state tables."""


def figure(name: str) -> Figure:
    """The registry entry of a figure (KeyError naming it when there is none)."""
    try:
        return FIGURES[name]
    except KeyError:
        raise KeyError(f"no figure named {name!r} in the registry") from None


def verdict(name: str, change: float | None) -> str:
    """A change of a figure in words: better or worse where the registry says which direction
    is better (more movements per file is not good news), else up or down."""
    if change is None or math.isnan(change):
        return "no comparison"
    if change == 0:
        return "no change"
    better = FIGURES[name].higher_is_better
    if better is None:
        return "up" if change > 0 else "down"
    return "better" if (change > 0) == better else "worse"


def in_table(table: str) -> list[Figure]:
    """The figures a report table holds, in the registry's order."""
    return [f for f in _FIGURES if table in f.tables]
