"""The metrics of metrics.md as pure, vectorised functions over pandas DataFrames.

Pipeline: `order_events` (analytics.log.ordering) → `at_time` (as of T) → `map_levels` → `build_stints` → the tables.
`analyse` runs it all and `compute_report` returns the five report tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.figures.registry import AGE_BOUNDS, CSMOP_WORKING_DAYS, OVER_LEVELS_LIMIT
from analytics.log.calendar import WorkCalendar, elapsed_days
from analytics.log.hierarchy import LevelTable
from analytics.log.ordering import (
    category_codes,
    chain_breaks,
    encode_text,
    has_next,
    order_events,
)
from analytics.schema import AGE_BUCKETS, IST, REPORT_COLUMNS, STINT_ACTIONS, Duration

AsOf = pd.Timestamp | str | pd.Series | None
"""T: None (each state's latest event), one moment for every state, or a moment per state
(a Series indexed by state, e.g. `Store.latest_by_state`: T of the WHOLE state when only part
of it was read)."""


# --- text as categories (encoding: analytics.log.ordering.encode_text) -----------------------


def decode_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A (small) result table with its categorical columns back as plain strings."""
    out = frame.copy(deep=False)
    for c, col in out.items():
        if isinstance(col.dtype, pd.CategoricalDtype):
            out[c] = col.astype("str")
    return out


def by_state(states: pd.Series, values: pd.Series) -> pd.Series:
    """`values` (indexed by state) taken for each row's state (categorical or text states)."""
    if not isinstance(states.dtype, pd.CategoricalDtype):
        return pd.Series(values.reindex(states.astype("str")).array, index=states.index)
    per = values.reindex(states.cat.categories.astype("str")).array
    return pd.Series(per.take(category_codes(states), allow_fill=True), index=states.index)


def _distinct_states(states: pd.Series) -> pd.Index:
    if isinstance(states.dtype, pd.CategoricalDtype):
        used = states.cat.remove_unused_categories().cat.categories
        return pd.Index(used.astype("str"), name="state").sort_values()
    return pd.Index(pd.unique(states.dropna()), name="state").astype("str").sort_values()


# --- as of T --------------------------------------------------------------------------------


def as_of_by_state(events: pd.DataFrame, as_of: AsOf = None) -> pd.Series:
    """T per state: the given moment for all (naive = IST; text read as a log's timestamp by
    `reading.parse_moment`), else each state's latest event."""
    states = _distinct_states(events["state"])
    if as_of is None or isinstance(as_of, pd.Series):
        latest = events.groupby("state", observed=True)["timestamp"].max()
        latest.index = latest.index.astype("str")
        latest = latest.reindex(states).dt.tz_convert(IST)
        if as_of is None:
            return latest
        given = as_of.dt.tz_convert(IST).dt.as_unit(latest.dt.unit)
        given.index = given.index.astype("str")
        return given.reindex(states).fillna(latest).rename("timestamp")
    if isinstance(as_of, str):  # typed by a person: the log's timestamp rules (day first)
        from analytics.log.reading import parse_moment

        as_of = parse_moment(as_of)
    moment = pd.Timestamp(as_of)
    moment = moment.tz_localize(IST) if moment.tzinfo is None else moment.tz_convert(IST)
    return pd.Series(moment, index=states, name="timestamp").dt.as_unit("us")


def at_time(events: pd.DataFrame, as_of: pd.Series) -> pd.DataFrame:
    """Only the events at or before their state's T."""
    keep = (events["timestamp"] <= by_state(events["state"], as_of)).to_numpy()
    if keep.all():
        return events.reset_index(drop=True)
    return events[keep].reset_index(drop=True)


# --- levels and stints ----------------------------------------------------------------------


def map_levels(events: pd.DataFrame, levels: LevelTable) -> pd.DataFrame:
    """Add `from_level` and `to_level` (nullable Int64; NA = unmapped)."""
    out = events.copy(deep=False)
    for side in ("from", "to"):
        out[f"{side}_level"] = levels.lookup(out["state"], out[f"{side}_designation"])
    return out


def file_departments(events: pd.DataFrame) -> pd.Series:
    """Each event's file department: the department of the file's first event in log order."""
    first = events.groupby("file_key", sort=False)["department"].transform("first")
    return first


def build_stints(events: pd.DataFrame) -> pd.DataFrame:
    """One row per stint (metrics.md, "Stints") from ordered events; `end` NaT when open.

    Columns: state, file_id, file_key, department, holder, designation, level (NA when the
    events carry no `to_level`), start, end, received_at, end_action, broken, seq.
    """
    events = order_events(events) if "file_key" not in events else encode_text(events)
    followed = has_next(events)
    is_stint = events["action"].isin(STINT_ACTIONS).to_numpy()
    holder = events["to_user"]
    stints = pd.DataFrame(
        {
            "state": events["state"],
            "file_id": events["file_id"],
            "file_key": events["file_key"],
            "department": file_departments(events),
            "holder": holder,
            "designation": events["to_designation"],
            "level": events.get("to_level", pd.NA),
            "start": events["timestamp"],
            "end": events["timestamp"].shift(-1).where(followed),
            "received_at": events["received_at"],
            "end_action": events["action"].shift(-1).where(followed),
            "broken": chain_breaks(events, followed),
            "seq": events["seq"],
        }
    )
    return stints[is_stint].reset_index(drop=True)


def add_durations(stints: pd.DataFrame, calendar: WorkCalendar) -> pd.DataFrame:
    """Add `days`, `working_days`, waiting/processing splits, and the CSMOP 7-working-day flag."""
    out = stints.copy(deep=False)
    opened = out["received_at"]
    received = opened.mask(opened < out["start"], out["start"])
    received = received.mask(received > out["end"], out["end"])
    start = calendar.position(out["start"], out["state"])
    end = calendar.position(out["end"], out["state"])
    opened_at = calendar.position(received, out["state"])
    out["days"] = elapsed_days(out["start"], out["end"])
    out["working_days"] = end - start
    out["waiting_days"] = elapsed_days(out["start"], received)
    out["processing_days"] = elapsed_days(received, out["end"])
    out["waiting_working_days"] = opened_at - start
    out["processing_working_days"] = end - opened_at
    out["over_7_working_days"] = out["working_days"].gt(CSMOP_WORKING_DAYS)
    return out


# --- the tables -----------------------------------------------------------------------------


def movement_ratio(events: pd.DataFrame) -> pd.DataFrame:
    """Per state, department and IST month with events: files_created, movements, ratio."""
    local = events["timestamp"].dt.tz_convert(IST)
    frame = pd.DataFrame(
        {
            "state": events["state"],
            "department": events["department"],
            "month": local.dt.year * 100 + local.dt.month,
            "files_created": events["action"].eq("created").astype(np.int64),
            "movements": events["action"].eq("moved").astype(np.int64),
        }
    )
    return _monthly_ratio(frame)


def movement_ratio_by_day(activity: pd.DataFrame) -> pd.DataFrame:
    """`movement_ratio` from daily activity instead of events: rows of state, department,
    day (IST days since 1970-01-01) with that day's files_created and movements, one row
    per day with any event."""
    day = pd.to_datetime(activity["day"].to_numpy(dtype=np.int64), unit="D")
    frame = pd.DataFrame(
        {
            "state": activity["state"].to_numpy(),
            "department": activity["department"].to_numpy(),
            "month": day.year * 100 + day.month,
            "files_created": activity["files_created"].to_numpy(dtype=np.int64),
            "movements": activity["movements"].to_numpy(dtype=np.int64),
        }
    )
    return _monthly_ratio(frame)


def _monthly_ratio(frame: pd.DataFrame) -> pd.DataFrame:
    """The movement_ratio table from per-row state, department, month (YYYYMM), counts."""
    out = frame.groupby(["state", "department", "month"], as_index=False, sort=True).sum()
    out["month"] = (
        (out["month"] // 100).astype(str) + "-" + (out["month"] % 100).astype(str).str.zfill(2)
    )
    out["movement_ratio"] = _ratio(out["movements"], out["files_created"])
    return decode_text(out[list(REPORT_COLUMNS["movement_ratio"])])


def level_turnaround(stints: pd.DataFrame, duration: str = "days") -> pd.DataFrame:
    """Per state and level over ended stints: stints, median_days, mean_days, p90_days."""
    ended = stints.loc[stints["end"].notna().to_numpy(), ["state", "level", duration]]
    grouped = ended.groupby(["state", "level"], dropna=False, sort=False)[duration]
    out = pd.DataFrame(
        {
            "stints": grouped.size(),
            "median_days": grouped.median(),
            "mean_days": grouped.mean(),
            "p90_days": grouped.quantile(0.9),
        }
    ).reset_index()
    return _sort(out, ("state", "level"))[list(REPORT_COLUMNS["level_turnaround"])]


def file_facts(
    events: pd.DataFrame,
    stints: pd.DataFrame,
    as_of: pd.Series,
    calendar: WorkCalendar | None = None,
) -> pd.DataFrame:
    """One row per file with the `files` table's columns plus what pendency needs.

    Extra columns: file_number, subject, file_type, last_action, holder, designation, level
    (of the open stint, or of the parked event's sender), since, age_days, age_working_days.
    """
    calendar = calendar or WorkCalendar()
    g = events.groupby("file_key", sort=True)
    first = g[["state", "file_id", "department", "file_number", "subject"]].first()
    last = events[~has_next(events)].set_index("file_key")  # each file's last event
    created = events[events["action"].eq("created")].drop_duplicates("file_key", keep="first")
    created = created.set_index("file_key")
    closed = events[events["action"].eq("closed")].groupby("file_key")["timestamp"].max()
    moved = events["action"].eq("moved")
    returns = moved & (events["to_level"] < events["from_level"]).fillna(False)
    facts = first.copy()
    facts["created_at"] = created["timestamp"].reindex(facts.index)
    facts["file_type"] = created["file_type"].reindex(facts.index)
    last_action = last["action"].astype("str")
    facts["last_action"] = last_action
    facts["status"] = last_action.mask(last_action.isin(STINT_ACTIONS), "pending")
    facts["closed_at"] = closed.reindex(facts.index).where(facts["status"].eq("closed"))
    facts["movements"] = moved.groupby(events["file_key"]).sum().reindex(facts.index)
    mapped = stints.loc[stints["level"].notna().to_numpy(), ["file_key", "level"]]
    facts["levels_traversed"] = _count(mapped.drop_duplicates()["file_key"], facts.index)
    facts["holders"] = _count(
        stints[["file_key", "holder"]].drop_duplicates()["file_key"], facts.index
    )
    facts["returns"] = returns.groupby(events["file_key"]).sum().reindex(facts.index)
    facts["disposal_days"] = elapsed_days(facts["created_at"], facts["closed_at"])
    facts["over_4_levels"] = facts["levels_traversed"].gt(OVER_LEVELS_LIMIT)

    open_stint = stints[stints["end"].isna()].set_index("file_key")
    parked = facts["status"].eq("parked")
    pending = facts["status"].eq("pending")
    facts["holder"] = open_stint["holder"].reindex(facts.index).where(pending)
    facts["designation"] = open_stint["designation"].reindex(facts.index).where(pending)
    facts["level"] = open_stint["level"].reindex(facts.index).where(pending)
    facts["since"] = open_stint["start"].reindex(facts.index).where(pending)
    facts.loc[parked, "holder"] = last.loc[parked[parked].index, "from_user"]
    facts.loc[parked, "designation"] = last.loc[parked[parked].index, "from_designation"]
    facts.loc[parked, "level"] = last.loc[parked[parked].index, "from_level"]
    facts.loc[parked, "since"] = last.loc[parked[parked].index, "timestamp"]
    t = by_state(facts["state"], as_of)
    facts["age_days"] = elapsed_days(facts["since"], t).where(pending)
    facts["age_working_days"] = calendar.working_days(facts["since"], t, facts["state"]).where(
        pending
    )
    for c in ("movements", "levels_traversed", "holders", "returns"):
        facts[c] = facts[c].fillna(0).astype(np.int64)
    facts["level"] = facts["level"].astype("Int64")
    return decode_text(facts.reset_index())


def files_table(facts: pd.DataFrame) -> pd.DataFrame:
    """The `files` report table."""
    return _sort(facts, ("state", "file_id"))[list(REPORT_COLUMNS["files"])]


def pendency(facts: pd.DataFrame, age: str = "age_days") -> pd.DataFrame:
    """Per state, department and level: pending files by age bucket, and parked files."""
    held = facts[facts["status"].isin(["pending", "parked"])]
    days = held[age]
    pending = held["status"].eq("pending")
    buckets = {name: pending & days.gt(lo) & days.le(hi) for name, (lo, hi) in AGE_BOUNDS.items()}
    buckets["parked"] = held["status"].eq("parked")
    frame = pd.DataFrame({k: v.astype(np.int64) for k, v in buckets.items()})
    keys = held[["state", "department", "level"]]
    out = pd.concat([keys, frame], axis=1)
    out = out.groupby(["state", "department", "level"], dropna=False, sort=False).sum()
    out = out.reset_index()
    out["pending"] = out[list(AGE_BUCKETS)].sum(axis=1)
    return _sort(out, ("state", "department", "level"))[list(REPORT_COLUMNS["pendency"])]


def summary(
    ratio: pd.DataFrame, facts: pd.DataFrame, created: pd.Series | None = None
) -> pd.DataFrame:
    """Per state and department: totals, e-file share, pendency and delayering figures.

    `created` marks the files the e-file share counts (default: every file with a `created`
    event; with a date range, those created in it).
    """
    keys = ["state", "department"]
    totals = ratio.groupby(keys)[["files_created", "movements"]].sum()
    g = facts.groupby(keys)
    with_created = facts["created_at"].notna() if created is None else created
    efile = facts["file_type"].eq("electronic") & with_created
    pending = facts["status"].eq("pending")
    out = pd.DataFrame(index=g.size().index)
    out = out.join(totals)
    out["movement_ratio"] = _ratio(out["movements"], out["files_created"])
    out["efile_share"] = _ratio(
        efile.groupby([facts["state"], facts["department"]]).sum(),
        with_created.groupby([facts["state"], facts["department"]]).sum(),
    )
    out["pending"] = pending.groupby([facts["state"], facts["department"]]).sum()
    out["parked"] = (
        facts["status"].eq("parked").groupby([facts["state"], facts["department"]]).sum()
    )
    pend = facts[pending].groupby(keys)
    out["mean_levels_pending"] = pend["levels_traversed"].mean()
    out["mean_holders_pending"] = pend["holders"].mean()
    out["files_over_4_levels"] = g["over_4_levels"].sum()
    for c in ("files_created", "movements", "pending", "parked", "files_over_4_levels"):
        out[c] = out[c].fillna(0).astype(np.int64)
    return out.reset_index()[list(REPORT_COLUMNS["summary"])]


# --- everything at once ---------------------------------------------------------------------


@dataclass
class Analysis:
    """The log as of T, its stints and per-file facts, and the five report tables."""

    as_of: pd.Series
    events: pd.DataFrame
    stints: pd.DataFrame
    facts: pd.DataFrame
    working_days: bool
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    activity: pd.DataFrame | None = None
    """Daily activity (`movement_ratio_by_day`) counted from the events instead, when set:
    an analysis read from derived data holds only the events it needs."""


def analyse(
    events: pd.DataFrame,
    *,
    as_of: AsOf = None,
    levels: LevelTable | None = None,
    calendar: WorkCalendar | None = None,
    working_days: bool = False,
) -> Analysis:
    """Order, cut at T, map levels, build stints and facts, and compute every report table.

    `working_days` counts turnaround and pendency age in working days of `calendar`.
    """
    levels = levels or LevelTable.default()
    calendar = calendar or WorkCalendar()
    ordered = encode_text(events) if "file_key" in events else order_events(events)
    t = as_of_by_state(ordered, as_of)
    cut = at_time(ordered, t)
    cut = map_levels(cut, levels)
    cut["department"] = file_departments(cut)
    stints = add_durations(build_stints(cut), calendar)
    facts = file_facts(cut, stints, t, calendar)
    analysis = Analysis(t, cut, stints, facts, working_days)
    analysis.tables = report_tables(analysis)
    return analysis


def report_tables(analysis: Analysis, created: pd.Series | None = None) -> dict[str, pd.DataFrame]:
    """The five report tables of an analysis (or of a part of one: see `views.report_tables`).

    `created` marks the files the summary's e-file share counts (see `summary`).
    """
    unit = Duration.of(analysis.working_days)
    if analysis.activity is None:
        ratio = movement_ratio(analysis.events)
    else:
        ratio = movement_ratio_by_day(analysis.activity)
    return {
        "movement_ratio": ratio,
        "level_turnaround": level_turnaround(analysis.stints, unit),
        "pendency": pendency(analysis.facts, unit.column("age")),
        "files": files_table(analysis.facts),
        "summary": summary(ratio, analysis.facts, created),
    }


def compute_report(
    events: pd.DataFrame,
    *,
    as_of: AsOf = None,
    levels: LevelTable | None = None,
    calendar: WorkCalendar | None = None,
    working_days: bool = False,
) -> dict[str, pd.DataFrame]:
    """The five report tables of metrics.md for a log."""
    return analyse(
        events, as_of=as_of, levels=levels, calendar=calendar, working_days=working_days
    ).tables


# --- helpers --------------------------------------------------------------------------------


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num = numerator.astype("float64")
    den = denominator.astype("float64")
    return (num / den).where(den > 0)


def _count(keys: pd.Series, index: pd.Index) -> pd.Series:
    return keys.value_counts().reindex(index, fill_value=0)


def _sort(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Sort ascending by keys; a `level` key sorts as numbers with unmapped (NA) last."""
    out = frame.sort_values(list(keys), na_position="last", kind="stable").reset_index(drop=True)
    return decode_text(out)
