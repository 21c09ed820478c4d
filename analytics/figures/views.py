"""The dashboard's aggregates, as pure functions over an `Analysis` (metrics.md terms).

The dashboard computes the full `Analysis` once per store version (for every reader, whatever
its scope), wraps it with `prepare` (a few arrays and small daily cubes built once), and
answers every filter change with the functions below, which only mask arrays and aggregate
the subset, so a filter change stays fast on a store of hundreds of thousands of files.

Filter semantics (`Filters`):
- the reader's scope (`Filters.scope`, set by `Filters.within`) selects files as a state or
  department filter does: the analysis is the whole store's, shared by every reader;
- state, department and file type select files (a file's department is its first event's, its
  type that of its `created` event; a file type filter drops files without one);
- the date range (IST calendar days, both ends included) selects activity: events by their
  timestamp (files created, movements, level-to-level flow), stints by the moment they ended
  (turnaround, metrics.md), and files by `created_at` for the e-file share;
- pendency (pending, parked, age, levels of pending files, files over 4 levels) is a snapshot
  at each state's T and does not depend on the date range.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from analytics.access.scope import Scope
from analytics.figures import metrics
from analytics.figures.metrics import Analysis, pendency
from analytics.figures.registry import (
    AGE_BUCKETS,
    CENTRAL_SECRETARIAT,
    CSMOP_WORKING_DAYS,
    FIGURES,
    OVERVIEW,
    SNAPSHOT,
)
from analytics.log.calendar import ist_days
from analytics.schema import IST, Duration

_EPOCH = pd.Timestamp("1970-01-01")


# --- filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the officer chose, within the reader's scope; an empty tuple means every value.

    `scope` is the reader's (None: everything). Data is analysed unscoped, once for every
    reader (so T is each whole state's and no figure depends on who reads it); the scope is
    a mask applied with the filters, like a state or department filter.
    """

    states: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    file_types: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    scope: Scope | None = None

    @property
    def has_range(self) -> bool:
        """True when a start or end date is set."""
        return self.start is not None or self.end is not None

    @property
    def scoped(self) -> bool:
        """True when the reader's scope is not everything."""
        return self.scope is not None and not self.scope.unrestricted

    @property
    def selects_files(self) -> bool:
        """True when only some files pass (scope, state, department or file type)."""
        return bool(self.scoped or self.states or self.departments or self.file_types)

    def within(self, scope: Scope) -> Filters:
        """These filters inside `scope`."""
        return replace(self, scope=scope)


def file_mask(frame: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Per row of `frame` (state, department and file_type columns): inside the scope and the
    state, department and file type filters."""
    keep = np.ones(len(frame), dtype=bool)
    if filters.scope is not None and not filters.scope.unrestricted:
        keep &= filters.scope.mask(frame)
    if filters.states:
        keep &= frame["state"].isin(filters.states).to_numpy()
    if filters.departments:
        keep &= frame["department"].isin(filters.departments).to_numpy()
    if filters.file_types:
        keep &= frame["file_type"].isin(filters.file_types).to_numpy()
    return keep


def day_number(day: date) -> int:
    """A calendar date as days since 1970-01-01."""
    return (pd.Timestamp(day) - _EPOCH).days


def _in_range(days: np.ndarray, filters: Filters) -> np.ndarray:
    keep = np.ones(len(days), dtype=bool)
    if filters.start is not None:
        keep &= days >= day_number(filters.start)
    if filters.end is not None:
        keep &= days <= day_number(filters.end)
    return keep


# --- prepared arrays (once per store version) -----------------------------------------------


SPLIT_DURATIONS = (
    "waiting_days",
    "processing_days",
    "waiting_working_days",
    "processing_working_days",
)
"""The stints' durations split at the receipt time (metrics.md, waiting vs processing)."""

GROUPINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "state": ("stints", ("state",)),
    "level": ("stints", ("level",)),
    "state_level": ("stints", ("state", "level")),
    "flow": ("movements", ("from_level", "to_level")),
}
"""Groupings of the grouped statistics: name → (frame, key columns)."""


@dataclass
class Prepared:
    """An analysis with what filter changes need: daily activity, movements, sorted stints.

    Group codes and the row orders by (group, value) are built on first use and kept, so a
    filter change only masks and gathers arrays.
    """

    analysis: Analysis
    facts: pd.DataFrame
    activity: pd.DataFrame
    stints: pd.DataFrame
    movements: pd.DataFrame
    n_keys: int
    _memo: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False)

    def facts_at(self, as_of: pd.Series) -> pd.DataFrame:
        """The per-file facts as of each state's instant `as_of` (at or before its T), of
        the files with an event by then: `metrics.file_facts` of the events up to then
        (pending ages in the default calendar)."""
        cut = metrics.at_time(self.analysis.events, as_of)
        facts = metrics.file_facts(cut, metrics.build_stints(cut), as_of)
        facts["created_day"] = ist_days(facts["created_at"])
        return facts

    def groups(self, grouping: str) -> tuple[np.ndarray, pd.DataFrame]:
        """Per row of the grouping's frame its group code (the narrowest integer type that
        holds them), and the keys of every code."""
        key = ("groups", grouping)
        if key not in self._memo:
            frame, columns = GROUPINGS[grouping]
            codes, keys = _group_codes(getattr(self, frame), columns)
            self._memo[key] = (codes.astype(_narrow(len(keys))), keys)
        return self._memo[key]

    def values(self, frame: str, column: str) -> np.ndarray:
        """A duration column of stints or movements as float64 (NaN where missing); not
        kept: the sorted rows hold what the views read of it. The stints' waiting and
        processing parts (`SPLIT_DURATIONS`) are not columns of the frame: `split`."""
        if frame == "stints" and column in SPLIT_DURATIONS:
            return self.split(column)
        return getattr(self, frame)[column].to_numpy(dtype="float64", na_value=np.nan)

    def split(self, column: str) -> np.ndarray:
        """A waiting or processing part of every stint (`SPLIT_DURATIONS`), float64: only
        the Hierarchy page's sorted rows read them, so the frame does not hold them."""
        return self.analysis.stints[column].to_numpy(dtype="float64", na_value=np.nan)

    def sorted_rows(self, grouping: str, column: str) -> dict[str, np.ndarray]:
        """The rows with a `column` value (stints: ended ones), ordered by group then value:
        `value`, `order` (each one's row in the frame, int32) and `count` (rows per group
        code: the rows of code c follow those of c - 1; `sorted_codes` expands it)."""
        key = ("sorted", grouping, column)
        if key not in self._memo:
            codes, keys = self.groups(grouping)
            name = GROUPINGS[grouping][0]
            values = self.values(name, column)
            valid = ~np.isnan(values)
            if name == "stints":
                valid &= ~np.isnan(self.stints["end_day"].to_numpy(dtype="float64"))  # ended
            valid = np.flatnonzero(valid)
            # By value, then stably by group: equal values may come in any order (they give
            # the same figures), and a radix sort on narrow group codes is linear.
            by_value = np.argsort(values[valid])
            group = codes[valid][by_value]
            order = valid[by_value[np.argsort(group, kind="stable")]].astype(np.int32)
            self._memo[key] = {
                "value": values[order],
                "order": order,
                "count": np.bincount(codes[order], minlength=len(keys)),
            }
        return self._memo[key]

    def row_keep(self, frame: str, filters: Filters) -> np.ndarray | None:
        """Per row of stints or movements: its file passes the file filters and its day
        (stints: the IST day it ended; movements: the day of the move) is in the date range;
        None when the filters keep every row."""
        if not (filters.selects_files or filters.has_range):
            return None
        rows = getattr(self, frame)
        keep = np.ones(len(rows), dtype=bool)
        if filters.selects_files:
            keep = file_keep(self, filters)[rows["file_key"].to_numpy()]
        if filters.has_range:
            day = rows["end_day" if frame == "stints" else "day"].to_numpy(dtype="float64")
            keep &= _in_range(day, filters)
        return keep


def sorted_codes(rows: dict[str, np.ndarray]) -> np.ndarray:
    """Each sorted row's group code (`Prepared.sorted_rows`), from the rows per code."""
    count = rows["count"]
    return np.repeat(np.arange(len(count), dtype=_narrow(len(count))), count)


def _narrow(n: int) -> type[np.integer]:
    """The narrowest signed integer type holding 0 … n."""
    for kind in (np.int8, np.int16, np.int32):
        if n < np.iinfo(kind).max:
            return kind
    return np.int64


def _group_codes(frame: pd.DataFrame, columns: tuple[str, ...]) -> tuple[np.ndarray, pd.DataFrame]:
    """Mixed-radix codes of the key columns (each sorted, NA last) and the key of each code."""
    codes = np.zeros(len(frame), dtype=np.int64)
    axes = []
    for column in columns:
        part, uniques = pd.factorize(frame[column], sort=True, use_na_sentinel=True)
        part = part.astype(np.int64)
        part[part < 0] = len(uniques)
        values = list(uniques)
        if column.endswith("level"):
            values = pd.array([*values, pd.NA], dtype="Int64")
        else:
            values = [*values, None]
        axes.append(values)
        codes = codes * len(values) + part
    grid = np.unravel_index(np.arange(int(np.prod([len(a) for a in axes]))), [len(a) for a in axes])
    keys = pd.DataFrame(
        {
            c: pd.Series(a).take(g).reset_index(drop=True)
            for c, a, g in zip(columns, axes, grid, strict=True)
        }
    )
    return codes, keys


def prepare(analysis: Analysis) -> Prepared:
    """Build the arrays and daily cubes the views read, from one `Analysis`."""
    events, stints, facts = analysis.events, analysis.stints, analysis.facts
    n_keys = 1 + int(
        max(
            events["file_key"].to_numpy().max(initial=-1),
            facts["file_key"].to_numpy().max(initial=-1),
        )
    )
    facts = facts.copy()
    facts["created_day"] = ist_days(facts["created_at"])
    file_type = np.full(n_keys, "", dtype=object)
    file_type[facts["file_key"].to_numpy()] = facts["file_type"].fillna("").to_numpy()

    day = ist_days(events["timestamp"])
    action = events["action"]
    counted = np.ones(len(events), dtype=bool)  # every month with an event has a row (metrics.md)
    activity = pd.DataFrame(
        {
            "state": events["state"].to_numpy()[counted],
            "department": events["department"].to_numpy()[counted],
            "file_type": file_type[events["file_key"].to_numpy()[counted]],
            "day": day[counted].astype(np.int64),
            "files_created": action.eq("created").to_numpy()[counted].astype(np.int64),
            "movements": action.eq("moved").to_numpy()[counted].astype(np.int64),
            "events": np.ones(int(counted.sum()), dtype=np.int64),
        }
    )
    activity = activity.groupby(
        ["state", "department", "file_type", "day"], as_index=False, sort=True
    ).sum()
    days = np.unique(activity["day"].to_numpy())
    months = pd.Series(pd.to_datetime(days, unit="D").strftime("%Y-%m"), index=days)
    activity["month"] = activity["day"].map(months)

    slim = stints[
        [
            "state",
            "file_key",
            "level",
            "start",
            "end",
            "received_at",
            "end_action",
            "days",
            "working_days",
            "holder",
        ]
    ].copy()
    slim["file_key"] = slim["file_key"].astype(np.int32)
    slim["level"] = slim["level"].astype("Int16")  # levels are small integers
    slim["end_day"] = ist_days(slim["end"])
    return Prepared(
        analysis=analysis,
        facts=facts,
        activity=activity,
        stints=slim,
        movements=_movements(events, stints),
        n_keys=n_keys,
    )


def _movements(events: pd.DataFrame, stints: pd.DataFrame) -> pd.DataFrame:
    """Every `moved` event with its levels and the time the sender held the file before it."""
    moved = events[events["action"].eq("moved")]
    # The stint a `moved` event ends is the file's stint just before the one it starts.
    same_file = stints["file_key"].eq(stints["file_key"].shift(1)).to_numpy()
    prev_moved = stints["end_action"].shift(1).eq("moved").to_numpy() & same_file
    held = pd.DataFrame(
        {
            "file_key": stints["file_key"].to_numpy(),
            "seq": stints["seq"].to_numpy(),
            "sender_days": stints["days"].shift(1).where(prev_moved).to_numpy(),
            "sender_working_days": stints["working_days"].shift(1).where(prev_moved).to_numpy(),
            "sender": pd.Categorical(stints["holder"].astype(object).shift(1).where(prev_moved)),
        }
    )
    out = pd.DataFrame(
        {
            "state": moved["state"].to_numpy(),
            "department": moved["department"].to_numpy(),
            "file_key": moved["file_key"].to_numpy(),
            "seq": moved["seq"].to_numpy(),
            "day": ist_days(moved["timestamp"]),
            "from_level": moved["from_level"].to_numpy(),
            "to_level": moved["to_level"].to_numpy(),
        }
    )
    out = out.merge(held, on=["file_key", "seq"], how="left", sort=False)
    return narrow_movements(out)


def narrow_movements(movements: pd.DataFrame) -> pd.DataFrame:
    """The movements as `Prepared` holds them (once per copy, so in narrow types): without
    `seq`, file_key int32, day int32 (a move always has its day), levels Int16."""
    out = movements.drop(columns="seq")
    out["file_key"] = out["file_key"].astype(np.int32)
    out["day"] = out["day"].astype(np.int32)
    out["from_level"] = out["from_level"].astype("Int16")
    out["to_level"] = out["to_level"].astype("Int16")
    return out


def warm(prepared: Prepared, duration: Duration = Duration.DAYS) -> Prepared:
    """Build now the sorted rows that turnaround, waiting vs processing and flow read in
    `duration` (days or working_days), so no later page visit pays for the sorts."""
    duration = Duration(duration)
    for grouping, column in (
        ("state_level", duration.value),
        ("level", duration.value),
        ("level", duration.column("waiting")),
        ("level", duration.column("processing")),
        ("flow", duration.column("sender")),
    ):
        prepared.sorted_rows(grouping, column)
    return prepared


def file_keep(prepared: Prepared, filters: Filters) -> np.ndarray:
    """Per file_key: True when the file passes the state, department and file type filters."""
    facts = prepared.facts
    keep = file_mask(facts, filters)
    by_key = np.zeros(prepared.n_keys, dtype=bool)
    by_key[facts["file_key"].to_numpy()[keep]] = True
    return by_key


def filtered_facts(
    prepared: Prepared,
    filters: Filters,
    columns: list[str] | None = None,
    status: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The per-file facts of the files the filters select (only `columns`, if given; only
    files with one of `status`, if given)."""
    facts = prepared.facts
    keep = file_keep(prepared, filters)[facts["file_key"].to_numpy()]
    if status:
        keep &= facts["status"].isin(status).to_numpy()
    return (facts if columns is None else facts[columns])[keep]


def filter_analysis(analysis: Analysis, filters: Filters) -> Analysis:
    """The analysis cut by the filters (module docstring): events and ended stints in range.

    The straightforward form of what the fast views compute; tables are recomputed on
    request by the metric functions, so `tables` is left empty.
    """
    facts = analysis.facts
    keep = file_mask(facts, filters)
    files = set(facts["file_key"].to_numpy()[keep].tolist())
    stints = analysis.stints[analysis.stints["file_key"].isin(files)]
    if filters.has_range:
        stints = stints[_in_range(ist_days(stints["end"]), filters) & stints["end"].notna()]
    events, activity = analysis.events, analysis.activity
    if activity is None:
        events = events[events["file_key"].isin(files)]
        events = events[_in_range(ist_days(events["timestamp"]), filters)]
    else:  # derived data: the daily activity stands for the events
        days = activity["day"].to_numpy(dtype="float64")
        activity = activity[file_mask(activity, filters) & _in_range(days, filters)]
    return replace(
        analysis,
        activity=activity,
        events=events.reset_index(drop=True),
        stints=stints.reset_index(drop=True),
        facts=facts[keep].reset_index(drop=True),
        tables={},
    )


# --- activity: creation vs movement ---------------------------------------------------------


def _activity(prepared: Prepared, filters: Filters) -> pd.DataFrame:
    act = prepared.activity
    keep = _in_range(act["day"].to_numpy(dtype="float64"), filters) & file_mask(act, filters)
    return act[keep]


def movement_trend(prepared: Prepared, filters: Filters, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per IST month (and `by` columns): files_created, movements, movement_ratio."""
    act = _activity(prepared, filters)
    keys = [*by, "month"]
    out = act.groupby(keys, as_index=False, sort=True)[["files_created", "movements"]].sum()
    out["movement_ratio"] = _ratio(out["movements"], out["files_created"])
    return out.reset_index(drop=True)


# --- figures per state (overview cards, states compared) ------------------------------------

FIGURE_COLUMNS = OVERVIEW
"""The overview figures (the registry's `OVERVIEW`), per group."""


def state_figures(
    prepared: Prepared, filters: Filters, by: tuple[str, ...] = ("state",)
) -> pd.DataFrame:
    """The overview figures per `by` group (empty `by`: one row for the whole selection).

    files_created, movements and movement_ratio count events in the date range; efile_share
    is over the files created in the range; the rest is the pendency snapshot at T.
    """
    act = _activity(prepared, filters)
    group = list(by)
    needed = [
        "created_at",
        "created_day",
        "status",
        "age_working_days",
        "file_type",
        "levels_traversed",
        "holders",
        "over_4_levels",
    ]
    facts = filtered_facts(prepared, filters, list(dict.fromkeys([*group, *needed])))
    key = [facts[c] for c in group] if group else np.zeros(len(facts), dtype=np.int64)
    akey = [act[c] for c in group] if group else np.zeros(len(act), dtype=np.int64)
    frame = _file_flags(facts, filters)
    g = frame.groupby(key, sort=True)
    out = pd.DataFrame(
        {
            "efile": g["efile"].sum(),
            "created": g["created"].sum(),
            "pending": g["pending"].sum(),
            "pending_over_7_working_days": g["pending_over_7"].sum(),
            "parked": g["parked"].sum(),
            "mean_levels_pending": g["levels_pending"].mean(),
            "mean_holders_pending": g["holders_pending"].mean(),
            "files_over_4_levels": g["over_4"].sum(),
        }
    )
    counts = act.groupby(akey, sort=True)[["files_created", "movements"]].sum()
    out = out.join(counts, how="outer")
    for c in (
        "files_created",
        "movements",
        "pending",
        "pending_over_7_working_days",
        "parked",
        "files_over_4_levels",
    ):
        out[c] = out[c].fillna(0).astype(np.int64)
    out["movement_ratio"] = _ratio(out["movements"], out["files_created"])
    out["efile_share"] = _ratio(out["efile"].fillna(0), out["created"].fillna(0))
    out = out.reset_index()
    if group:
        out.columns = [*group, *out.columns[len(group) :]]
    else:
        out = out.drop(columns=out.columns[0])
    if out.empty and not group:
        out = pd.DataFrame([dict.fromkeys(FIGURE_COLUMNS, np.nan)])
        for c in ("files_created", "movements", "pending", "parked", "files_over_4_levels"):
            out[c] = 0
        out["pending_over_7_working_days"] = 0
    return out[[*group, *FIGURE_COLUMNS]].reset_index(drop=True)


def _file_flags(facts: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Per selected file, what `state_figures` sums or averages: created in the range (and
    electronic), pending (over 7 working days), parked, levels and holders while pending,
    over 4 levels."""
    created = facts["created_at"].notna().to_numpy() & _in_range(
        facts["created_day"].to_numpy(), filters
    )
    pending = facts["status"].eq("pending").to_numpy()
    return pd.DataFrame(
        {
            "efile": facts["file_type"].eq("electronic").to_numpy() & created,
            "created": created,
            "pending": pending,
            "pending_over_7": pending & facts["age_working_days"].gt(CSMOP_WORKING_DAYS).to_numpy(),
            "parked": facts["status"].eq("parked").to_numpy(),
            "levels_pending": facts["levels_traversed"].where(pending).to_numpy(),
            "holders_pending": facts["holders"].where(pending).to_numpy(),
            "over_4": facts["over_4_levels"].to_numpy(),
        },
        index=facts.index,
    )


def overview_figures(prepared: Prepared, filters: Filters) -> dict[str, float]:
    """The overview cards for the whole selection (see `state_figures`)."""
    frame = state_figures(prepared, filters, by=())
    out: dict[str, float] = {}
    for c in FIGURE_COLUMNS:
        value = frame[c].iloc[0]
        out[c] = None if pd.isna(value) else value.item()
    return out


def states_compared(
    prepared: Prepared, filters: Filters, duration: Duration = Duration.DAYS
) -> pd.DataFrame:
    """Each state side by side on the overview figures and the rates (`RATES`), with its T
    (`as_of`) and its group: a state, or the central secretariat (`CENTRAL_SECRETARIAT`).

    files_handled: files with a stint open at some time in the period (all files without
    one); pending_per_100_files: 100 × pending at T / files handled; share_pending_over_7:
    pending over 7 working days / pending; median_turnaround_days: median time held over
    the stints that ended in the period, every level together (in `duration`).
    """
    out = state_figures(prepared, filters, by=("state",))
    out.insert(1, "as_of", out["state"].map(prepared.analysis.as_of))
    out.insert(
        1,
        "group",
        np.where(out["state"].eq(CENTRAL_SECRETARIAT), "Central secretariat", "State"),
    )
    handled = files_handled(prepared, filters)
    out["files_handled"] = out["state"].map(handled).fillna(0).astype(np.int64)
    out["pending_per_100_files"] = 100 * _ratio(out["pending"], out["files_handled"])
    out["share_pending_over_7"] = _ratio(out["pending_over_7_working_days"], out["pending"])
    pooled = _grouped_quantiles(prepared, "state", duration, filters, (0.5,))
    out["median_turnaround_days"] = (
        out["state"].map(pooled.set_index("state")["q0.5"]).astype("float64")
    )
    return out


def files_handled(prepared: Prepared, filters: Filters) -> pd.Series:
    """Per state: files of the selection someone held at some time in the period (a stint
    of them started before the period ended and had not ended before it began); every
    file of the selection when no period is chosen."""
    facts = filtered_facts(prepared, filters, ["state", "file_key"])
    if not filters.has_range:
        return facts.groupby("state").size()
    s = prepared.stints
    keys = s["file_key"].to_numpy()
    start_day = ist_days(s["start"])
    end_day = s["end_day"].to_numpy(dtype="float64")
    keep = file_keep(prepared, filters)[keys]
    if filters.end is not None:
        keep &= start_day <= day_number(filters.end)
    if filters.start is not None:
        keep &= np.isnan(end_day) | (end_day >= day_number(filters.start))
    held = np.zeros(prepared.n_keys, dtype=bool)
    held[keys[keep]] = True
    return facts[held[facts["file_key"].to_numpy()]].groupby("state").size()


def ranked(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The states (not the central secretariat) ranked on figure `name`, best first where
    the registry says which direction is better (else largest first): `rank` 1 is the
    best; states without a value come last, unranked."""
    better = FIGURES[name].higher_is_better
    rows = frame[frame["state"].ne(CENTRAL_SECRETARIAT)]
    rows = rows.sort_values(
        [name, "state"], ascending=[better is False, True], na_position="last", kind="stable"
    )
    rank = rows[name].rank(method="min", ascending=better is False)
    return rows.assign(rank=rank.astype("Int64")).reset_index(drop=True)


def report_tables(analysis: Analysis, filters: Filters | None = None) -> dict[str, pd.DataFrame]:
    """The five report tables of the selection: what `report` and `report --db` write.

    The analysis is the whole log (or whole states: T is each state's own); the scope and
    the filters are applied to it here, with the dashboard's semantics (module docstring):
    the date range selects events and ended stints, and the files whose e-file share counts.
    """
    filters = filters or Filters()
    if not (filters.selects_files or filters.has_range):
        return metrics.report_tables(analysis)
    cut = filter_analysis(analysis, filters)
    created_at = cut.facts["created_at"]
    created = created_at.notna() & pd.Series(
        _in_range(ist_days(created_at), filters), index=created_at.index
    )
    return metrics.report_tables(cut, created)


# --- hierarchy: turnaround per level --------------------------------------------------------


def _grouped_quantiles(
    prepared: Prepared,
    grouping: str,
    column: str,
    filters: Filters,
    quantiles: tuple[float, ...],
) -> pd.DataFrame:
    """Per group: count, mean and linear-interpolated quantiles of `column` over the rows the
    filters keep (files by state, department and type; the row's day in the date range).

    Rows without a value (open stints, no receipt time) never count. Columns: the grouping's
    keys, `count`, `mean`, then `q<quantile>` for each quantile asked.
    """
    _, keys = prepared.groups(grouping)
    rows = prepared.sorted_rows(grouping, column)
    keep = prepared.row_keep(GROUPINGS[grouping][0], filters)
    v, g = rows["value"], sorted_codes(rows)  # by group, values ascending inside each group
    if keep is not None:
        keep = keep[rows["order"]]
        v, g = v[keep], g[keep]
    n_groups = len(keys)
    count = np.bincount(g, minlength=n_groups)
    total = np.bincount(g, weights=v, minlength=n_groups)
    starts = np.r_[0, np.cumsum(count)[:-1]]
    present = np.flatnonzero(count)
    out = keys.iloc[present].reset_index(drop=True)
    out["count"] = count[present].astype(np.int64)
    out["mean"] = total[present] / count[present]
    for q in quantiles:
        pos = q * (count[present] - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, count[present] - 1)
        a = v[starts[present] + lo]
        b = v[starts[present] + hi]
        out[f"q{q}"] = a + (b - a) * (pos - lo)
    return out


def turnaround(
    prepared: Prepared, filters: Filters, duration: Duration = Duration.DAYS, by_state: bool = True
) -> pd.DataFrame:
    """Per state (unless `by_state` is False) and level over ended stints in the selection.

    Columns: [state,] level, stints, median_days, mean_days, p90_days, p10_days, q1_days,
    q3_days; the same numbers as `metrics.level_turnaround` on the filtered stints.
    """
    grouping = "state_level" if by_state else "level"
    stats = _grouped_quantiles(prepared, grouping, duration, filters, (0.5, 0.9, 0.1, 0.25, 0.75))
    keys = ["state", "level"] if by_state else ["level"]
    out = stats[keys].assign(
        stints=stats["count"],
        median_days=stats["q0.5"],
        mean_days=stats["mean"],
        p90_days=stats["q0.9"],
        p10_days=stats["q0.1"],
        q1_days=stats["q0.25"],
        q3_days=stats["q0.75"],
    )
    return out.sort_values(keys, na_position="last", kind="stable").reset_index(drop=True)


def waiting_vs_processing(
    prepared: Prepared, filters: Filters, duration: Duration = Duration.DAYS
) -> pd.DataFrame:
    """Per level, over ended stints whose receipt time is known: median waiting and processing.

    Waiting runs from the stint's start to the holder opening the file (`received_at`),
    processing from then to the stint's end.
    """
    duration = Duration(duration)
    # A stint has both parts or neither (no receipt time, or still open).
    wait = _grouped_quantiles(prepared, "level", duration.column("waiting"), filters, (0.5,))
    work = _grouped_quantiles(prepared, "level", duration.column("processing"), filters, (0.5,))
    return pd.DataFrame(
        {
            "level": wait["level"],
            "stints": wait["count"],
            "median_waiting_days": wait["q0.5"],
            "median_processing_days": work["q0.5"],
            "mean_waiting_days": wait["mean"],
            "mean_processing_days": work["mean"],
        }
    )


# --- flow: level-to-level movements ---------------------------------------------------------


def level_flow(
    prepared: Prepared, filters: Filters, duration: Duration = Duration.DAYS
) -> pd.DataFrame:
    """Per (from_level, to_level) pair of `moved` events in the selection.

    Columns: from_level, to_level, movements, median_days (median time the sender had held
    the file before sending it; stints ended by the move), direction (up, same, down; empty
    when either level is unmapped). `down` rows are the returns of metrics.md.
    """
    codes, keys = prepared.groups("flow")
    keep = prepared.row_keep("movements", filters)
    if keep is not None:
        codes = codes[keep]
    moves = np.bincount(codes, minlength=len(keys))
    present = np.flatnonzero(moves)
    out = keys.iloc[present].reset_index(drop=True)
    out["movements"] = moves[present].astype(np.int64)
    sender = Duration(duration).column("sender")
    times = _grouped_quantiles(prepared, "flow", sender, filters, (0.5,))
    out = out.merge(
        times[["from_level", "to_level", "q0.5"]], on=["from_level", "to_level"], how="left"
    ).rename(columns={"q0.5": "median_days"})
    diff = out["to_level"] - out["from_level"]
    direction = np.select(
        [diff.gt(0).fillna(False), diff.eq(0).fillna(False), diff.lt(0).fillna(False)],
        ["up", "same", "down"],
        default="",
    )
    out["direction"] = direction
    return out.sort_values(["from_level", "to_level"], na_position="last").reset_index(drop=True)


# --- pendency -------------------------------------------------------------------------------


def pendency_table(
    prepared: Prepared, filters: Filters, duration: Duration = Duration.DAYS
) -> pd.DataFrame:
    """The `pendency` report table of the selected files (age in calendar or working days)."""
    age = Duration(duration).column("age")
    columns = ["state", "department", "level", "status", age]
    return pendency(filtered_facts(prepared, filters, columns, ("pending", "parked")), age)


def pendency_by(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """The pendency table summed per `by` (level or department): buckets, pending, parked."""
    cols = ["pending", *AGE_BUCKETS, "parked"]
    out = table.groupby(by, dropna=False, sort=True)[cols].sum().reset_index()
    if by == "level":
        out["level"] = out["level"].astype("Int64")
        out = out.sort_values("level", na_position="last")
    return out.reset_index(drop=True)


def longest_pending(
    prepared: Prepared, filters: Filters, n: int = 50, duration: Duration = Duration.DAYS
) -> pd.DataFrame:
    """The `n` pending files that have waited longest with their present holder."""
    age = Duration(duration).column("age")
    pending = filtered_facts(prepared, filters, status=("pending",))
    top = pending.nlargest(n, age, keep="first")
    out = top[
        [
            "state",
            "department",
            "file_id",
            "file_number",
            age,
            "holder",
            "designation",
            "level",
            "since",
            "levels_traversed",
            "subject",
        ]
    ].rename(columns={age: "age_days"})
    return out.reset_index(drop=True)


def parked_files(prepared: Prepared, filters: Filters) -> pd.DataFrame:
    """Parked files (counted apart from pendency): who parked them, where and since when."""
    parked = filtered_facts(prepared, filters, status=("parked",))
    cols = ["state", "department", "file_id", "file_number", "holder", "designation", "level"]
    out = parked[[*cols, "since"]].sort_values("since", kind="stable")
    return out.reset_index(drop=True)


# --- file journey ---------------------------------------------------------------------------


def find_files(facts: pd.DataFrame, query: str, limit: int = 50) -> pd.DataFrame:
    """Files whose file number or computer number (file_id) contains `query` (any case).

    An exact match (either number) comes first.
    """
    text = query.strip().lower()
    if not text:
        return facts.iloc[0:0]
    number = facts["file_number"].fillna("").str.lower()
    fid = facts["file_id"].str.lower()
    exact = number.eq(text) | fid.eq(text)
    found = exact | number.str.contains(text, regex=False) | fid.str.contains(text, regex=False)
    hits = facts[found].assign(_exact=exact[found])
    hits = hits.sort_values(["_exact", "state", "file_id"], ascending=[False, True, True])
    return hits.drop(columns="_exact").head(limit).reset_index(drop=True)


JOURNEY_STINT_COLUMNS = (
    "seq",
    "holder",
    "designation",
    "level",
    "start",
    "end",
    "received_at",
    "days",
    "working_days",
    "end_action",
    "broken",
)
"""The columns of a file's journey, stint by stint."""
JOURNEY_EVENT_COLUMNS = (
    "seq",
    "action",
    "from_user",
    "from_designation",
    "to_user",
    "to_designation",
    "timestamp",
    "received_at",
    "remarks",
)
"""The columns of a file's journey, event by event."""


def file_journey(analysis: Analysis, file_key: int) -> pd.DataFrame:
    """One file's stints in order: holder, designation, level, start, end, time held.

    `end_action` says what ended the stint (moved, parked, closed; empty while open).
    """
    s = analysis.stints
    keys = s["file_key"].to_numpy()
    lo, hi = np.searchsorted(keys, file_key, "left"), np.searchsorted(keys, file_key, "right")
    if not (len(keys) and (keys[lo:hi] == file_key).all()):  # not sorted: plain filter
        rows = s[s["file_key"].eq(file_key)]
    else:
        rows = s.iloc[lo:hi]
    out = rows.sort_values("seq")[list(JOURNEY_STINT_COLUMNS)].reset_index(drop=True)
    out.insert(0, "stint", np.arange(1, len(out) + 1))
    return out


def file_events(analysis: Analysis, file_key: int) -> pd.DataFrame:
    """One file's events in log order (as of T)."""
    e = analysis.events
    rows = e[e["file_key"].eq(file_key)]
    return rows.sort_values("seq")[list(JOURNEY_EVENT_COLUMNS)].reset_index(drop=True)


# --- helpers --------------------------------------------------------------------------------


def _ratio(numerator: Any, denominator: Any) -> pd.Series:
    num = pd.Series(numerator).astype("float64")
    den = pd.Series(denominator).astype("float64")
    return (num / den).where(den > 0)


# --- officers: who holds what ---------------------------------------------------------------

OFFICER_KEYS = ("state", "department", "holder")
"""An officer is a holder within a state's department (pseudonyms are per department too)."""
OFFICER_COLUMNS = (
    *OFFICER_KEYS,
    "level",
    "held_now",
    "oldest_file_id",
    "oldest_age_days",
    "held_over_7_working_days",
    "stints_ended",
    "median_days_held",
    "files_returned",
)
"""The columns of `officers`."""
OFFICER_LISTS = ("held_now", "held_over_7_working_days", "files_returned")
"""The counts of `officers` that `officer_files` lists file by file."""


def _file_departments(prepared: Prepared) -> np.ndarray:
    """Each file_key's department (the file's, from its first event)."""
    key = ("file_departments",)
    if key not in prepared._memo:
        out = np.full(prepared.n_keys, "", dtype=object)
        out[prepared.facts["file_key"].to_numpy()] = prepared.facts["department"].to_numpy()
        prepared._memo[key] = out
    return prepared._memo[key]


def _returns(prepared: Prepared, filters: Filters) -> pd.DataFrame:
    """The returns (moves to a lower level) in the selection, each with the holder who sent
    the file down (the holder of the stint the move ended): state, department, holder,
    file_key."""
    m = prepared.movements
    down = (m["to_level"] < m["from_level"]).fillna(False).to_numpy(dtype=bool)
    down &= file_keep(prepared, filters)[m["file_key"].to_numpy()]
    down &= _in_range(m["day"].to_numpy(dtype="float64"), filters)
    down &= m["sender"].notna().to_numpy()
    keys = m["file_key"].to_numpy()[down]
    return pd.DataFrame(
        {
            "state": m["state"].astype(object).to_numpy()[down],
            "department": _file_departments(prepared)[keys],
            "holder": m["sender"].astype(object).to_numpy()[down],
            "file_key": keys,
        }
    )


def _officer_holdings(prepared: Prepared, filters: Filters, age: str) -> pd.DataFrame:
    """Per officer, the pending files with them at T: held_now, the oldest (`oldest_file_id`,
    `oldest_age_days` from the `age` column) and held_over_7_working_days."""
    pending = filtered_facts(
        prepared,
        filters,
        list(dict.fromkeys(["state", "department", "holder", "file_id", "age_working_days", age])),
        ("pending",),
    )
    pending = pending[pending["holder"].astype("string").str.len().gt(0).fillna(False)]
    pending = pending.sort_values([*OFFICER_KEYS, age], ascending=[True, True, True, False])
    pending = pending.assign(over=pending["age_working_days"].gt(CSMOP_WORKING_DAYS))
    g = pending.groupby(list(OFFICER_KEYS), sort=False)
    return pd.DataFrame(
        {
            "held_now": g.size(),
            "oldest_file_id": g["file_id"].first(),
            "oldest_age_days": g[age].first(),
            "held_over_7_working_days": g["over"].sum(),
        }
    )


def _officer_stints(
    prepared: Prepared, filters: Filters, duration: Duration
) -> tuple[pd.DataFrame, pd.Series]:
    """Per officer, their stints: stints_ended and median_days_held over those that ended in
    the period, and the level they most often held files at (ties: the lower number)."""
    s = prepared.stints
    keys = s["file_key"].to_numpy()
    keep = file_keep(prepared, filters)[keys] & s["holder"].notna().to_numpy()
    ended = keep & ~np.isnan(s["end_day"].to_numpy(dtype="float64"))
    ended &= _in_range(s["end_day"].to_numpy(dtype="float64"), filters)
    departments = _file_departments(prepared)
    stint_rows = pd.DataFrame(
        {
            "state": s["state"].astype(object).to_numpy()[ended],
            "department": departments[keys[ended]],
            "holder": s["holder"].astype(object).to_numpy()[ended],
            "value": s[duration].to_numpy(dtype="float64")[ended],
        }
    )
    sg = stint_rows.groupby(list(OFFICER_KEYS), sort=False)["value"]
    timed = pd.DataFrame({"stints_ended": sg.size(), "median_days_held": sg.median()})
    levels = pd.DataFrame(
        {
            "state": s["state"].astype(object).to_numpy()[keep],
            "department": departments[keys[keep]],
            "holder": s["holder"].astype(object).to_numpy()[keep],
            "level": s["level"].to_numpy(dtype="float64", na_value=np.nan)[keep],
        }
    ).dropna(subset=["level"])
    counts = levels.groupby([*OFFICER_KEYS, "level"], sort=True).size().rename("n").reset_index()
    counts = counts.sort_values("n", ascending=False, kind="stable")
    usual = counts.drop_duplicates(list(OFFICER_KEYS)).set_index(list(OFFICER_KEYS))["level"]
    return timed, usual


def officers(
    prepared: Prepared, filters: Filters, duration: Duration = Duration.DAYS
) -> pd.DataFrame:
    """Per officer (state, department, holder) in the selection: what they hold and how fast.

    - held_now: pending files with them at T (a snapshot: the period does not change it);
      the oldest of them (`oldest_file_id`) and its age in `duration` (`oldest_age_days`);
    - held_over_7_working_days: those pending more than CSMOP's 7 working days with them;
    - stints_ended, median_days_held: their stints that ended in the period (time held, in
      `duration`);
    - files_returned: files they sent down to a lower level in the period (a file counted
      once however often);
    - level: the level they most often held files at (ties: the lower number).

    Sorted by held_now, then oldest age, largest first. Holders are the stored IDs.
    """
    held = _officer_holdings(prepared, filters, Duration(duration).column("age"))
    timed, usual = _officer_stints(prepared, filters, Duration(duration))
    returns = _returns(prepared, filters)
    returned = returns.groupby(list(OFFICER_KEYS), sort=False)["file_key"].nunique()
    out = held.join(timed, how="outer").join(returned.rename("files_returned"), how="outer")
    out = out.join(usual, how="left").reset_index()
    for c in ("held_now", "held_over_7_working_days", "stints_ended", "files_returned"):
        out[c] = out[c].fillna(0).astype(np.int64)
    out["level"] = out["level"].astype("Int64")
    out = out.sort_values(
        ["held_now", "oldest_age_days", *OFFICER_KEYS],
        ascending=[False, False, True, True, True],
        na_position="last",
        kind="stable",
    )
    return out[list(OFFICER_COLUMNS)].reset_index(drop=True)


def officer_files(
    prepared: Prepared,
    filters: Filters,
    officer: tuple[str, str, str],
    which: str,
    duration: Duration = Duration.DAYS,
) -> pd.DataFrame:
    """The files behind one of an officer's counts (`OFFICER_LISTS`): the pending files they
    hold, those over 7 working days, or the files they returned downward in the period.

    `officer` is (state, department, holder) as `officers` gives it. Columns: state,
    department, file_id, file_number, subject, level, since, age_days (pending files: their
    age with the holder, in `duration`; returned files: empty since/age).
    """
    if which not in OFFICER_LISTS:
        raise ValueError(f"no list {which!r}: one of {', '.join(OFFICER_LISTS)}")
    state, department, holder = officer
    age = Duration(duration).column("age")
    facts = filtered_facts(prepared, filters)
    mine = facts["state"].eq(state) & facts["department"].eq(department)
    if which == "files_returned":
        returns = _returns(prepared, filters)
        sent = returns[
            returns["state"].eq(state)
            & returns["department"].eq(department)
            & returns["holder"].eq(holder)
        ]
        rows = facts[mine & facts["file_key"].isin(sent["file_key"])]
        rows = rows.assign(since=pd.NaT, age_days=np.nan, level=pd.NA).sort_values("file_id")
    else:
        rows = facts[mine & facts["status"].eq("pending") & facts["holder"].eq(holder)]
        if which == "held_over_7_working_days":
            rows = rows[rows["age_working_days"].gt(CSMOP_WORKING_DAYS)]
        rows = rows.assign(age_days=rows[age]).sort_values(
            ["age_days", "file_id"], ascending=[False, True]
        )
    columns = ["state", "department", "file_id", "file_number", "subject", "level", "since"]
    return rows[[*columns, "age_days"]].reset_index(drop=True)


# --- change against the previous period -----------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """What a card's change compares: activity in `now` against `then` (two date ranges),
    and the pendency snapshot at T against the one `back` earlier (each state's own T)."""

    now: tuple[date, date]
    then: tuple[date, date]
    back: pd.DateOffset
    by_month: bool
    """True when no period was chosen: the latest month against the month before it."""


def comparison(filters: Filters, first: date, last: date) -> Comparison:
    """The period to compare with: the same number of days just before the chosen period
    (an open end is the data's `first` or `last` day), or, with no period chosen, the month
    of `last` (to `last`) against the whole month before it."""
    if filters.has_range:
        start, end = filters.start or first, filters.end or last
        days = (end - start).days + 1
        then = start - timedelta(days=days), start - timedelta(days=1)
        now, by_month, back = (start, end), False, pd.DateOffset(days=days)
    else:
        month = pd.Timestamp(last).to_period("M")
        before = month - 1
        now = month.start_time.date(), last
        then = before.start_time.date(), before.end_time.date()
        by_month, back = True, pd.DateOffset(months=1)
    return Comparison(now, then, back, by_month)


def figures_at(
    prepared: Prepared, filters: Filters, back: pd.DateOffset | None = None
) -> dict[str, float]:
    """The snapshot figures (`SNAPSHOT`) as they stood `back` before each state's T (None:
    at T), from the per-file facts as of then (`Prepared.facts_at`): the cards' own rules."""
    facts = prepared.facts
    if back is not None:
        as_of = prepared.analysis.as_of
        then = (as_of.dt.tz_localize(None) - back).dt.tz_localize(IST)
        facts = prepared.facts_at(then)
    chosen = replace(filters, start=None, end=None)
    flags = _file_flags(facts[file_mask(facts, chosen)], chosen)
    return {
        "pending": int(flags["pending"].sum()),
        "pending_over_7_working_days": int(flags["pending_over_7"].sum()),
        "parked": int(flags["parked"].sum()),
        "mean_levels_pending": _mean_or_none(flags["levels_pending"].dropna()),
        "mean_holders_pending": _mean_or_none(flags["holders_pending"].dropna()),
        "files_over_4_levels": int(flags["over_4"].sum()),
    }


def _mean_or_none(values: pd.Series) -> float | None:
    return None if values.empty else float(values.mean())


def overview_change(
    prepared: Prepared, filters: Filters, first: date, last: date
) -> tuple[Comparison, pd.DataFrame]:
    """Per overview figure: its value now, then, and the change (now − then).

    Activity figures count the `now` and `then` periods of `comparison` (with a period
    chosen, `now` is that period: the cards' own values); snapshot figures compare T with the
    same moment a period (a month) earlier. Columns: figure, now, then, change.
    """
    cmp = comparison(filters, first, last)
    now = overview_figures(prepared, replace(filters, start=cmp.now[0], end=cmp.now[1]))
    then = overview_figures(prepared, replace(filters, start=cmp.then[0], end=cmp.then[1]))
    then.update(figures_at(prepared, filters, cmp.back))
    current = overview_figures(prepared, filters)
    now.update({k: v for k, v in current.items() if k in SNAPSHOT})
    rows = []
    for name in OVERVIEW:
        a, b = now[name], then[name]
        change = None if a is None or b is None else a - b
        rows.append({"figure": name, "now": a, "then": b, "change": change})
    return cmp, pd.DataFrame(rows)
