"""Per-state snapshots: what the dashboard serves, derived at upload and read back as columns.

A snapshot holds, for one state, everything `views.Prepared` needs that does not depend on T,
so a dashboard never re-reads raw events nor re-runs the analysis:

- `files`: one row per file, sorted by `file_id`: the per-file facts of metrics.md as the file
  stands at the end of its stored log (status, holder, designation, level and `since` of the
  open stint or of the `parked` event, created_at, closed_at, movements, levels, holders, ...);
- `stints`: one row per stint in file then log order, with `file_index` (the file's row in
  `files`), the action and sender level of the event that started it (`created` and `moved`
  events each start a stint, so creation and movement counts and the level-to-level flow come
  from stints), its start, end, receipt time, holder and designation, and what ended it;
- `ends`: one row per `parked` or `closed` event (the events that start no stint), with its
  time and its sender's ID, designation and level; stored after the stints in the same
  Parquet part. With the stints they are every event of the state, so the per-file facts as
  of any earlier instant are a filter over them (`facts_at`: the monthly report's pendency
  at each month's end);
- `activity`: per department, file type and IST day, files created and movements;
- T: the state's latest event.

Durations (calendar and working days of the default calendar, waiting and processing) and
pending files' ages are computed when reading (`assemble`), vectorised: ages depend on T,
and leaving durations out keeps a snapshot small (start, end and receipt times only). An upload rebuilds the snapshots of the states it touched in its own
transaction (`merge`): the touched files' rows are replaced, everything else is kept.
Snapshots travel as Parquet (`encode` / `decode`); `analytics.store.store` keeps them in the
`snapshots` table, one row per state.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analytics.figures.metrics import Analysis, add_durations, by_state
from analytics.figures.registry import OVER_LEVELS_LIMIT
from analytics.figures.views import (
    JOURNEY_EVENT_COLUMNS,
    JOURNEY_STINT_COLUMNS,
    Prepared,
    narrow_movements,
)
from analytics.log.calendar import WorkCalendar, elapsed_days, ist_days
from analytics.schema import IST, STINT_ACTIONS

FORMAT = 4
"""The snapshot layout's version: a store whose snapshots have another is rebuilt on opening."""

_EPOCH = pd.Timestamp("1970-01-01")

FILE_COLUMNS = (
    "file_id",
    "department",
    "file_number",
    "subject",
    "created_at",
    "file_type",
    "last_action",
    "status",
    "closed_at",
    "movements",
    "levels_traversed",
    "holders",
    "returns",
    "disposal_days",
    "over_4_levels",
    "holder",
    "designation",
    "level",
    "since",
)
"""A snapshot's per-file columns (the state is the snapshot's key)."""

STINT_COLUMNS = (
    "file_index",
    "seq",
    "start_action",
    "level",
    "from_level",
    "start",
    "end",
    "received_at",
    "end_action",
    "holder",
    "sender",
    "designation",
)
"""A snapshot's per-stint columns (`holder`: who held the file in the stint, for the
Officers page's time held per stint and returns; `holder` and `sender`, the starting event's
`from_user`, are the officer IDs of the process-mining views: `analytics/figures/mining.py`;
`designation`: the holder's). An end row (`parked`, `closed`) has its action as
`start_action`, its time as `start`, and its sender as `holder`, `designation` and `level`."""

ACTIVITY_COLUMNS = ("department", "file_type", "day", "files_created", "movements", "events")
"""A snapshot's daily activity: every IST day with an event of the department's files (of the
file type), with its `created` and `moved` events and all its events."""
ACTIVITY_EVERY_EVENT_DAY = True
"""Whether `views.prepare`'s activity has a row for every day with any event (True) or only
for days with a `created` or `moved` event (False); `assemble` follows it."""

_TEXT = ("file_id", "department", "file_number", "subject", "file_type", "last_action", "status")
_TEXT += ("holder", "designation")
_MOMENTS = ("created_at", "closed_at", "since")


STINT_SCHEMA = pa.schema(
    [
        ("file_index", pa.int32()),
        ("seq", pa.int32()),
        ("start_action", pa.string()),
        ("level", pa.int16()),
        ("from_level", pa.int16()),
        ("start", pa.timestamp("us", tz="+05:30")),
        ("end", pa.timestamp("us", tz="+05:30")),
        ("received_at", pa.timestamp("us", tz="+05:30")),
        ("end_action", pa.string()),
        ("holder", pa.string()),
        ("sender", pa.string()),
        ("designation", pa.string()),
    ]
)
"""A snapshot's stints as Arrow columns (kept as Arrow when merged: integer work only)."""


@dataclass
class StateSnapshot:
    """One state's snapshot (see the module docstring); `stints` as an Arrow table of its
    stints then its ends, or as its Parquet bytes until first used (`steps_table`)."""

    state: str
    as_of: pd.Timestamp
    files: pd.DataFrame
    stints: pa.Table | bytes
    activity: pd.DataFrame

    def steps_table(self) -> pa.Table:
        """The stints then the ends, as stored (decoded on first use, then kept)."""
        if isinstance(self.stints, bytes):
            self.stints = decode_stints(self.stints)
        return self.stints

    def stints_table(self) -> pa.Table:
        """The stints as Arrow (the rows before the ends)."""
        table = self.steps_table()
        return table.slice(0, table.num_rows - _n_ends(table))

    def read_stints(self, columns: Sequence[str], ends: bool = False) -> pa.Table:
        """The stints' `columns` (with `ends`: the `parked` and `closed` events' instead) as
        Arrow, decoded from the Parquet bytes each time (the decoded table is not kept: a
        served copy holds only the bytes)."""
        if isinstance(self.stints, bytes):
            wanted = list(dict.fromkeys([*columns, "start_action"]))
            data = pa.BufferReader(self.stints)
            table = pq.read_table(data, columns=wanted, schema=STINT_SCHEMA)
        else:
            table = self.stints
        n = table.num_rows - _n_ends(table)
        return (table.slice(n) if ends else table.slice(0, n)).select(list(columns))

    def stints_only(self) -> StateSnapshot:
        """This snapshot with only what reading its stints needs: the state, T, the number
        of files (a frame of no column) and the stints."""
        return StateSnapshot(
            self.state, self.as_of, self.files.iloc[:, :0], self.stints, self.activity.iloc[:0]
        )


def _n_ends(table: pa.Table) -> int:
    """How many rows at the end of a steps table are ends (events that start no stint)."""
    starts = pc.is_in(table.column("start_action"), pa.array(STINT_ACTIONS))
    return table.num_rows - int(pc.sum(starts).as_py() or 0)


# --- derived at upload ----------------------------------------------------------------------


def file_rows(
    mapped: pd.DataFrame, stints: pd.DataFrame, facts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Snapshot rows of whole files' histories: (files, steps: the stints then the ends),
    each with `state` and `file_id` (steps keyed by them, not yet by `file_index`).

    `mapped` are the files' events ordered, mapped to levels and with the file's department;
    `stints` is `build_stints(mapped)`; `facts` is `file_facts` of them.
    """
    starts = mapped["action"].isin(STINT_ACTIONS).to_numpy()
    # Text stays categorical (codes): a fresh store's millions of stints never become
    # Python strings here.
    rows = pd.DataFrame(
        {
            "state": stints["state"].array,
            "file_id": stints["file_id"].array,
            "seq": stints["seq"].to_numpy(dtype=np.int64),
            "start_action": mapped["action"].array[starts],
            "level": pd.array(stints["level"], dtype="Int64"),
            "from_level": pd.array(mapped["from_level"].to_numpy()[starts], dtype="Int64"),
            "start": stints["start"].array,
            "end": stints["end"].array,
            "received_at": stints["received_at"].array,
            "end_action": stints["end_action"].array,
            "holder": stints["holder"].array,
            "sender": mapped["from_user"].array[starts],
            "designation": stints["designation"].array,
        }
    )
    ends = ~starts
    moment = mapped["timestamp"].array[ends]
    none = pd.Series(pd.NaT, index=range(int(ends.sum())), dtype=mapped["timestamp"].dtype)
    sender_level = pd.array(mapped["from_level"].to_numpy()[ends], dtype="Int64")
    end_rows = pd.DataFrame(
        {
            "state": mapped["state"].array[ends],
            "file_id": mapped["file_id"].array[ends],
            "seq": mapped["seq"].to_numpy(dtype=np.int64)[ends],
            "start_action": mapped["action"].array[ends],
            "level": sender_level,
            "from_level": sender_level,
            "start": moment,
            "end": none.array,
            "received_at": none.array,
            "end_action": pd.Series([None] * len(none), dtype=object).array,
            "holder": mapped["from_user"].array[ends],
            "sender": mapped["from_user"].array[ends],
            "designation": mapped["from_designation"].array[ends],
        }
    )
    files = facts[["state", *FILE_COLUMNS]].copy()
    return files, pd.concat([rows, end_rows], ignore_index=True)


def merge(
    state: str,
    old: StateSnapshot | None,
    files: pd.DataFrame,
    stints: pd.DataFrame,
    latest: pd.Timestamp,
    events: pd.DataFrame,
    before: pd.DataFrame | None = None,
) -> StateSnapshot:
    """The state's snapshot with the files in `files` (whole histories) replaced or added.

    `files` / `stints` are `file_rows` of this state's touched files; `latest` is the latest
    timestamp among them (T only grows: events are never removed); `events` are their whole
    histories and `before` the part of them already counted in `old` (columns file_id,
    action, timestamp). The kept stints are only renumbered and reordered (integers), and the
    daily activity is updated by the touched files' difference, so an upload costs little
    more than writing the snapshot.
    """
    files = files.drop(columns="state").reset_index(drop=True)
    stints = stints.drop(columns="state").reset_index(drop=True)
    as_of = latest if old is None or old.as_of < latest else old.as_of
    if old is None or not len(old.files):
        merged = files.sort_values("file_id", kind="stable").reset_index(drop=True)
        kept, activity = STINT_SCHEMA.empty_table(), None
    else:
        touched = old.files["file_id"].isin(files["file_id"]).to_numpy()
        merged = pd.concat([old.files[~touched], files], ignore_index=True)
        merged = merged.sort_values("file_id", kind="stable").reset_index(drop=True)
        renumber = pd.Index(merged["file_id"]).get_indexer(old.files["file_id"])
        old_stints = old.steps_table().cast(STINT_SCHEMA)
        index = old_stints.column("file_index").to_numpy()
        keep = ~touched[index]
        kept = old_stints.filter(pa.array(keep))
        kept = kept.set_column(0, "file_index", pa.array(renumber[index[keep]], pa.int32()))
        activity = old.activity, _activity(old.files, before)
    added = stints.assign(file_index=_positions(merged["file_id"], stints["file_id"]))
    added = added.drop(columns="file_id")
    added_table = pa.Table.from_pandas(
        added[list(STINT_COLUMNS)], schema=STINT_SCHEMA, preserve_index=False
    )
    table = pa.concat_tables([kept, added_table])
    is_end = ~pc.is_in(table.column("start_action"), pa.array(STINT_ACTIONS)).to_numpy(
        zero_copy_only=False
    )
    keys = (table.column("seq").to_numpy(), table.column("file_index").to_numpy(), is_end)
    order = np.lexsort(keys)  # the stints, then the ends, each by file and log order
    if not (order == np.arange(len(order))).all():
        table = table.take(pa.array(order))
    fresh = _activity(merged, events)
    if activity is None:
        total = fresh
    else:
        counted, removed = activity
        counts = ["files_created", "movements", "events"]
        removed = removed.assign(**{c: -removed[c] for c in counts})
        total = pd.concat([counted, removed, fresh], ignore_index=True)
        total = total.groupby(["department", "file_type", "day"], as_index=False, sort=True).sum()
        total = total[total["events"].gt(0)].reset_index(drop=True)
    return StateSnapshot(state, as_of, merged, table, total[list(ACTIVITY_COLUMNS)])


def _positions(ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """The row of each `wanted` file_id in `ids` (unique); categorical `wanted` by its codes."""
    index = pd.Index(ids)
    if isinstance(wanted.dtype, pd.CategoricalDtype):
        found = index.get_indexer(wanted.cat.categories.astype("str"))
        return found[wanted.cat.codes.to_numpy()]
    return index.get_indexer(wanted.astype("str"))


def _activity(files: pd.DataFrame, events: pd.DataFrame | None) -> pd.DataFrame:
    """Per department, file type (of the file, '' when it has no `created` event) and IST day
    of `events` (their files are rows of `files`): files created, movements, events."""
    if events is None or events.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=object if c in ("department", "file_type") else np.int64)
                for c in ACTIVITY_COLUMNS
            }
        )
    index = _positions(files["file_id"], events["file_id"])
    if (index < 0).any():
        raise ValueError("events of a file the snapshot does not hold")
    action = events["action"].astype("str")
    frame = pd.DataFrame(
        {
            "department": files["department"].to_numpy()[index],
            "file_type": files["file_type"].fillna("").to_numpy()[index],
            "day": ist_days(events["timestamp"]).astype(np.int64),
            "files_created": action.eq("created").to_numpy().astype(np.int64),
            "movements": action.eq("moved").to_numpy().astype(np.int64),
            "events": np.ones(len(events), dtype=np.int64),
        }
    )
    keys = ["department", "file_type", "day"]
    return frame.groupby(keys, as_index=False, sort=True).sum()[list(ACTIVITY_COLUMNS)]


# --- Parquet --------------------------------------------------------------------------------


def encode(frame: pd.DataFrame | pa.Table) -> bytes:
    """A frame or table as Parquet bytes (zstd; only text dictionary-encoded, no statistics:
    three times faster to write than Parquet's defaults, and as small)."""
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    text = [f.name for f in table.schema if pa.types.is_string(f.type)]
    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        compression="zstd",
        compression_level=1,
        use_dictionary=text,
        write_statistics=False,
    )
    return sink.getvalue()


def decode(data: bytes) -> pd.DataFrame:
    """Parquet bytes back as a frame, moments in IST."""
    frame = pq.read_table(pa.BufferReader(data)).to_pandas()
    for c, col in frame.items():
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            frame[c] = col.dt.tz_convert(IST)
    return frame


def decode_files(data: bytes) -> pd.DataFrame:
    """A snapshot's `files` part in the dtypes of `metrics.file_facts`."""
    frame = decode(data)
    for c in _TEXT:
        frame[c] = frame[c].astype("str")
    frame["level"] = frame["level"].astype("Int64")
    for c in ("movements", "levels_traversed", "holders", "returns"):
        frame[c] = frame[c].astype(np.int64)
    return frame


_CODED = ("start_action", "end_action", "holder", "sender", "designation")
"""The stints' text columns, read as dictionaries (codes): no string per stint."""


def decode_stints(data: bytes) -> pa.Table:
    """A snapshot's `stints` part, as Arrow (text columns dictionary-encoded)."""
    table = pq.read_table(pa.BufferReader(data), read_dictionary=list(_CODED))
    return table.select([f.name for f in STINT_SCHEMA])


# --- read: the prepared arrays of every requested state -------------------------------------


class Served(Prepared):
    """A `views.Prepared` read from snapshots: `stints` and `movements` are built on first use
    (the Overview needs neither), once, under a lock shared by every reader of this copy."""

    def __init__(
        self,
        build: Callable[[], tuple[pd.DataFrame, pd.DataFrame]],
        mining: Callable[[], pd.DataFrame] | None = None,
        at: Callable[[pd.Series], pd.DataFrame] | None = None,
        **kw: Any,
    ):
        self._build: Callable[[], tuple[pd.DataFrame, pd.DataFrame]] | None = build
        self._mining = mining
        self._at = at
        self._at_memo: tuple[tuple[Any, ...], pd.DataFrame] | None = None
        self._lock = threading.Lock()
        self._built: tuple[pd.DataFrame, pd.DataFrame] | None = None
        super().__init__(stints=None, movements=None, **kw)

    def _parts(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self._built is None:
            with self._lock:
                if self._built is None and self._build is not None:
                    self._built = self._build()
                    self._build = None
        assert self._built is not None
        return self._built

    def facts_at(self, as_of: pd.Series) -> pd.DataFrame:
        """The per-file facts as of each state's instant (`snapshots.facts_at`), kept for
        the last instants asked (a filter change keeps the period compared with)."""
        if self._at is None:
            raise ValueError("this copy was served without its snapshots")
        key = tuple(zip(as_of.index, _micros(as_of), strict=True))
        with self._lock:
            if self._at_memo is None or self._at_memo[0] != key:
                self._at_memo = (key, self._at(as_of))
            return self._at_memo[1]

    def mining_stints(self) -> pd.DataFrame:
        """The stints `analytics.figures.mining` reads (its `SOURCE_COLUMNS`), from the
        snapshots, once: `mining.mined` keeps what it derives from them (a second call
        raises). The snapshots' stints stay as their Parquet bytes, which `facts_at` reads
        again for an earlier instant."""
        with self._lock:
            build, self._mining = self._mining, None
        if build is None:
            raise ValueError("this copy was served without its stints, or has read them")
        return build()

    def split(self, column: str) -> np.ndarray:
        """A waiting or processing part of every stint, worked out from the served stints'
        start, end and receipt times with the default calendar (as `add_durations` did
        when they were built)."""
        s = self.stints
        timed = add_durations(s[["state", "start", "end", "received_at"]], WorkCalendar())
        return timed[column].to_numpy(dtype="float64", na_value=np.nan)

    @property  # type: ignore[override]
    def stints(self) -> pd.DataFrame:
        """Every stint: state, file_key, level, start, end, received_at, end_action, days,
        working_days, holder, end_day."""
        return self._parts()[0]

    @stints.setter
    def stints(self, value: pd.DataFrame | None) -> None:
        if value is not None:
            self._built = (value, self._parts()[1])

    @property  # type: ignore[override]
    def movements(self) -> pd.DataFrame:
        """Every `moved` event with its levels and the time the sender had held the file."""
        return self._parts()[1]

    @movements.setter
    def movements(self, value: pd.DataFrame | None) -> None:
        if value is not None:
            self._built = (self._parts()[0], value)


def assemble(snapshots: Sequence[StateSnapshot], steps: _Steps | None = None) -> Prepared | None:
    """One `views.Prepared` over the states' snapshots, equal to
    `views.prepare(analyse(events of those states))` (None when they hold no file).

    Files are numbered (`file_key`) in (state, file_id) order as `order_events` numbers them;
    pending files' ages and stints' durations are computed here (default calendar), ages
    against each state's T. Stints and movements are built when first asked for.
    """
    snapshots = sorted((s for s in snapshots if len(s.files)), key=lambda s: s.state)
    if not snapshots:
        return None
    states = [s.state for s in snapshots]
    as_of = pd.Series(
        [s.as_of for s in snapshots], index=pd.Index(states, name="state"), name="timestamp"
    ).dt.tz_convert(IST)
    sizes = np.array([len(s.files) for s in snapshots], dtype=np.int64)
    n_keys = int(sizes.sum())

    facts = pd.concat([s.files for s in snapshots], ignore_index=True)
    state_of_file = pd.Categorical.from_codes(np.repeat(np.arange(len(states)), sizes), states)
    facts.insert(0, "state", pd.Series(state_of_file).astype("str"))
    facts.insert(0, "file_key", np.arange(n_keys, dtype=np.int64))
    _ages(facts, as_of)

    activity = _served_activity(snapshots)
    analysis = Analysis(
        as_of=as_of,
        # no events or full stints are held: a journey reads its file from the store
        events=pd.DataFrame(columns=[*JOURNEY_EVENT_COLUMNS, "file_key"]),
        stints=pd.DataFrame(columns=[*JOURNEY_STINT_COLUMNS, "file_key"]),
        facts=facts,
        working_days=False,
        tables={},
    )
    departments = facts["department"].to_numpy()
    snapshots = [s.stints_only() for s in snapshots]  # the files are in `facts` now
    steps = steps or _Steps(snapshots)
    return Served(
        lambda: _stints_and_movements(steps, departments),
        mining=lambda: _mining_stints(snapshots),
        at=lambda t: facts_at(snapshots, facts, t, steps),
        analysis=analysis,
        facts=facts,
        activity=activity,
        n_keys=n_keys,
    )


def _ages(facts: pd.DataFrame, as_of: pd.Series) -> None:
    """Set pending files' ages against each state's `as_of` (default calendar) and each
    file's creation day, in place."""
    pending = facts["status"].eq("pending")
    t = by_state(facts["state"], as_of)
    facts["age_days"] = elapsed_days(facts["since"], t).where(pending)
    facts["age_working_days"] = WorkCalendar().working_days(facts["since"], t, facts["state"])
    facts["age_working_days"] = facts["age_working_days"].where(pending)
    facts["created_day"] = ist_days(facts["created_at"])


def _served_activity(snapshots: Sequence[StateSnapshot]) -> pd.DataFrame:
    """The states' daily activity rows as `views.prepare` serves them, with their month."""
    parts = []
    for s in snapshots:
        part = s.activity.copy()
        if not ACTIVITY_EVERY_EVENT_DAY:
            part = part[part["files_created"].gt(0) | part["movements"].gt(0)]
        part.insert(0, "state", s.state)
        parts.append(part)
    activity = pd.concat(parts, ignore_index=True)
    for c in ("state", "department", "file_type"):
        activity[c] = activity[c].astype("str")
    days = np.unique(activity["day"].to_numpy())
    months = pd.Series(pd.to_datetime(days, unit="D").strftime("%Y-%m"), index=days)
    activity["month"] = activity["day"].map(months)
    return activity


def _stints_and_movements(
    steps: _Steps, departments: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The prepared stints and movements of `views.prepare`, from the states' snapshot stints
    (`departments`: each file_key's department)."""
    states = [s.state for s in steps.snapshots]
    dept_codes, dept_names = pd.factorize(departments, sort=True)
    stints, file_key, state_codes = steps.part(False)
    state = pd.Series(pd.Categorical.from_codes(state_codes, states))
    timed = add_durations(
        pd.DataFrame(
            {
                "state": state,
                "start": stints["start"],
                "end": stints["end"],
                "received_at": stints["received_at"],
            }
        ),
        WorkCalendar(),
    )
    level = stints["level"].astype("Int16")
    end_action = stints["end_action"]
    slim = pd.DataFrame(
        {
            "state": state,
            "file_key": file_key.astype(np.int32),
            "level": level,
            "start": stints["start"],
            "end": stints["end"],
            "received_at": stints["received_at"],
            "end_action": end_action,
            "days": timed["days"],
            "working_days": timed["working_days"],
            "holder": stints["holder"],
            "end_day": ist_days(stints["end"]),
        }
    )
    # A `moved` event ends the file's stint before the one it starts (views._movements).
    same_file = np.r_[False, file_key[1:] == file_key[:-1]]
    prev_moved = np.r_[False, end_action.eq("moved").to_numpy()[:-1]] & same_file
    moved = stints["start_action"].eq("moved").to_numpy()
    sender = {}
    for c in ("days", "working_days"):
        held = np.r_[np.nan, timed[c].to_numpy(dtype="float64")[:-1]]
        sender[f"sender_{c}"] = np.where(prev_moved, held, np.nan)[moved]
    holders = stints["holder"]
    before = pd.Categorical.from_codes(
        np.where(prev_moved, np.r_[-1, holders.cat.codes.to_numpy()[:-1]], -1),
        holders.cat.categories,
    )
    movements = pd.DataFrame(
        {
            # categoricals: the views select movements by file_key, never by these texts
            "state": pd.Categorical.from_codes(state_codes[moved], states),
            "department": pd.Categorical.from_codes(dept_codes[file_key[moved]], dept_names),
            "file_key": file_key[moved],
            "seq": stints["seq"].to_numpy().astype(np.int64)[moved],
            "day": ist_days(stints["start"])[moved],
            "from_level": stints["from_level"].astype("Int64")[moved].reset_index(drop=True),
            "to_level": level[moved].reset_index(drop=True),
            **sender,
            "sender": pd.Series(before[moved]),
        }
    )
    return slim, narrow_movements(movements)


def _micros(moments: pd.Series) -> np.ndarray:
    """Tz-aware moments as microseconds since the epoch (NaT: the smallest int64)."""
    return moments.dt.as_unit("us").array.asi8


def _stint_frame(
    snapshots: Sequence[StateSnapshot], columns: Sequence[str] | None = None, ends: bool = False
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The states' snapshot stints (`ends`: their ends instead; only `columns`, if given) as
    one frame (times in IST, actions and officer IDs dictionary-encoded: codes, never a
    string per stint), with each row's file_key (files numbered as `assemble` numbers them)
    and state code."""
    sizes = np.array([len(s.files) for s in snapshots], dtype=np.int64)
    wanted = ["file_index", *(c for c in columns or STINT_COLUMNS if c != "file_index")]
    tables = [s.read_stints(wanted, ends=ends) for s in snapshots]
    counts = np.array([t.num_rows for t in tables], dtype=np.int64)
    table = pa.concat_tables(tables)
    del tables
    for name in _CODED:
        i = table.schema.get_field_index(name)
        if i >= 0 and not pa.types.is_dictionary(table.schema.field(i).type):
            table = table.set_column(i, name, table.column(name).dictionary_encode())
    stints = table.to_pandas(types_mapper={pa.int16(): pd.Int64Dtype()}.get)
    for c in ("start", "end", "received_at"):
        if c in stints:
            stints[c] = stints[c].dt.tz_convert(IST)
    file_index = stints["file_index"].to_numpy().astype(np.int64)
    file_key = file_index + np.repeat(np.r_[0, np.cumsum(sizes)[:-1]], counts)
    state_codes = np.repeat(np.arange(len(snapshots)), counts)
    return stints, file_key, state_codes


def report_analysis(
    snapshots: Sequence[StateSnapshot], calendar: WorkCalendar, working_days: bool
) -> Analysis | None:
    """What `report --db` tabulates (`views.report_tables`), from the states' snapshots
    instead of their events (None when they hold no file).

    Its tables equal those of `analyse(events of those states, calendar=calendar,
    working_days=working_days)` when T is each state's latest event and the store's level
    table is used (what the snapshots were built with): the facts are the snapshots' files,
    the stints theirs with durations in `calendar`, and the movement ratio counts their daily
    activity (no event is read).
    """
    snapshots = sorted((s for s in snapshots if len(s.files)), key=lambda s: s.state)
    served = assemble(snapshots)
    if served is None:
        return None
    as_of, facts = served.analysis.as_of, served.facts
    pending = facts["status"].eq("pending")
    t = by_state(facts["state"], as_of)
    facts["age_working_days"] = calendar.working_days(facts["since"], t, facts["state"])
    facts["age_working_days"] = facts["age_working_days"].where(pending)
    stints, file_key, state_codes = _stint_frame(snapshots)
    frame = pd.DataFrame(
        {
            "state": pd.Categorical.from_codes(state_codes, [s.state for s in snapshots]),
            "file_key": file_key,
            "department": facts["department"].to_numpy()[file_key],  # row i is file_key i
            "level": stints["level"],
            "start": stints["start"],
            "end": stints["end"],
            "received_at": stints["received_at"],
            "end_action": stints["end_action"],
        }
    )
    return Analysis(
        as_of=as_of,
        events=served.analysis.events,  # none: the movement ratio counts `activity`
        stints=add_durations(frame, calendar),
        facts=facts,
        working_days=working_days,
        activity=served.activity,
    )


def _mining_stints(snapshots: Sequence[StateSnapshot]) -> pd.DataFrame:
    """The stints of `analytics.figures.mining.SOURCE_COLUMNS`, numbered by file_key as `assemble`
    numbers files."""
    columns = ["start_action", "sender", "holder", "from_level", "level", "start", "end_action"]
    frame, file_key, _ = _stint_frame(snapshots, columns)
    frame.insert(0, "file_key", file_key)
    return frame.drop(columns="file_index")


def date_span(activity: pd.DataFrame, as_of: pd.Series) -> tuple[date, date]:
    """The IST dates a date range can span over `activity` (rows of `Prepared.activity`,
    e.g. a reader's): its first day with an event, and the latest of the states' T."""
    last = as_of.max().tz_convert(IST).date()
    if not len(activity):
        return last, last
    return (_EPOCH + pd.Timedelta(days=int(activity["day"].min()))).date(), last


# --- as of an earlier instant ---------------------------------------------------------------


class _Steps:
    """The states' snapshot stints and ends, each read into one frame (`_stint_frame`);
    with `keep`, read on first use and kept for several instants (the monthly report's
    two months), else read at each use (a shared copy keeps no second copy of its stints)."""

    def __init__(self, snapshots: Sequence[StateSnapshot], keep: bool = False):
        self.snapshots = snapshots
        self.keep = keep
        self._parts: dict[bool, tuple[pd.DataFrame, np.ndarray, np.ndarray]] = {}

    def part(self, ends: bool) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """(frame, file_key, state code) of the stints, or of the ends."""
        if ends in self._parts:
            return self._parts[ends]
        read = _stint_frame(self.snapshots, ends=ends)
        if self.keep:
            self._parts[ends] = read
        return read


def assemble_at(
    snapshots: Sequence[StateSnapshot], instants: Callable[[pd.Series], Sequence[pd.Series]]
) -> tuple[Prepared | None, list[Prepared]]:
    """`assemble`, and `assemble` as of each instant that `instants` gives from each state's
    T (Series indexed by state, tz-aware): each equal to `views.prepare(analyse(events of
    those states, as_of=instant))`. (None, []) when they hold no file; ValueError for an
    instant that is neither at or after the state's T nor a day's last microsecond in IST,
    since daily activity cannot be cut inside a day.

    As of an instant, the facts are `facts_at`; the stints those started by then (open if
    the event that ended them came later), with the movements and daily activity up to the
    instant's day. The stints are read, and their durations computed, once for all.
    """
    snapshots = sorted((s for s in snapshots if len(s.files)), key=lambda s: s.state)
    steps = _Steps(snapshots, keep=True)
    served = assemble(snapshots, steps)
    if not isinstance(served, Served):
        return None, []
    states = [s.state for s in snapshots]
    out: list[Prepared] = []
    for as_of in instants(served.analysis.as_of):
        t = as_of.reindex(states).dt.tz_convert(IST).dt.as_unit("us").rename("timestamp")
        t.index.name = "state"
        if t.isna().any():
            raise ValueError(f"no instant given for {', '.join(t.index[t.isna()])}")
        whole_day = (t + pd.Timedelta(1, "us")).dt.normalize().eq(t + pd.Timedelta(1, "us"))
        at_or_after = t.ge(served.analysis.as_of.reindex(states).dt.as_unit("us"))
        if not (whole_day | at_or_after).all():
            raise ValueError("an instant before T must be the last microsecond of an IST day")
        facts = facts_at(snapshots, served.facts, t, steps)
        last_day = ist_days(t).astype(np.int64)
        activity = served.activity
        codes = pd.Categorical(activity["state"], categories=states).codes
        activity = activity[activity["day"].to_numpy() <= last_day[codes]]
        out.append(
            Served(
                partial(_cut, served, steps, _micros(t), last_day, states),
                analysis=replace(served.analysis, as_of=t, facts=facts),
                facts=facts,
                activity=activity.reset_index(drop=True),
                n_keys=served.n_keys,
            )
        )
    return served, out


def _cut(
    served: Served, steps: _Steps, until: np.ndarray, last_day: np.ndarray, states: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The served stints and movements as of each state's instant (`until` in microseconds,
    `last_day` its IST day; `assemble_at`): the stints started by then, those ended later
    open, with an open stint's durations (`add_durations`); the movements up to that day."""
    stints, movements = served.stints, served.movements
    codes = pd.Categorical(stints["state"], categories=states).codes
    limit = until[codes]
    keep = _micros(stints["start"]) <= limit
    later = keep & (_micros(stints["end"]) > limit)  # NaT is the smallest: never later
    m_codes = pd.Categorical(movements["state"], categories=states).codes
    m_keep = movements["day"].to_numpy() <= last_day[m_codes]
    if keep.all() and not later.any() and m_keep.all():
        return stints, movements  # nothing after the instant
    out = stints[keep].reset_index(drop=True)
    if later.any():
        raw = steps.part(False)[0]
        rows = pd.DataFrame(
            {
                "state": stints["state"][later].to_numpy(),
                "start": raw["start"][later].reset_index(drop=True),
                "received_at": raw["received_at"][later].reset_index(drop=True),
            }
        )
        rows["end"] = pd.Series(pd.NaT, index=rows.index, dtype=rows["start"].dtype)
        timed = add_durations(rows, WorkCalendar())
        opened = later[keep]
        out["end"] = out["end"].mask(opened)
        out["end_day"] = out["end_day"].astype("float64").copy()
        out.loc[opened, "end_day"] = np.nan
        out["end_action"] = out["end_action"].mask(opened)
        for c in ("days", "working_days"):  # waiting and processing: `Served.split`
            values = out[c].to_numpy(dtype="float64", na_value=np.nan).copy()
            values[opened] = timed[c].to_numpy(dtype="float64", na_value=np.nan)
            out[c] = values.astype(out[c].dtype) if out[c].dtype != object else values
    return out, movements[m_keep].reset_index(drop=True)


def facts_at(
    snapshots: Sequence[StateSnapshot],
    facts: pd.DataFrame,
    as_of: pd.Series,
    steps: _Steps | None = None,
) -> pd.DataFrame:
    """The per-file facts as of each state's instant `as_of` (indexed by state, IST, in
    microseconds): `facts` (`assemble`'s, as the files stand at T) recomputed from the stints
    and ends started by then, for the files with an event by then. Equal to
    `metrics.file_facts` of the events up to the instant.

    A file's events up to an instant are a prefix of its log: its status is its last event's
    (a stint's start: pending; a `parked` or `closed` event: that), its holder, designation,
    level and `since` those of its open stint (parked: the parking event's sender and time),
    `created_at` and `file_type` those of its first `created` event if by then, movements,
    returns, distinct levels and holders over its stints started by then.
    """
    steps = steps or _Steps(snapshots)
    n = len(facts)
    as_of = as_of.reindex([s.state for s in snapshots]).dt.tz_convert(IST).dt.as_unit("us")
    limit = _micros(as_of)
    read = []
    for part in (False, True):
        frame, key, codes = steps.part(part)
        keep = _micros(frame["start"]) <= limit[codes]  # rows stay in place: no copy
        at = np.flatnonzero(keep)
        kept = key[at]
        last = at[np.r_[kept[1:] != kept[:-1], True]] if len(at) else at
        row_of = np.full(n, -1, dtype=np.int64)
        row_of[key[last]] = last
        seq_of = np.full(n, -1, dtype=np.int64)
        seq_of[key[last]] = frame["seq"].to_numpy()[last]
        read.append((frame, keep, key, row_of, seq_of))
    (stints, s_keep, s_key, s_row, s_seq), (ends, _, _, e_row, e_seq) = read
    exists = (s_seq >= 0) | (e_seq >= 0)
    pending = s_seq > e_seq
    ended = ~pending & exists
    out = facts.copy()
    t = by_state(out["state"], as_of)

    def pick(frame: pd.DataFrame, column: str, rows: np.ndarray, where: np.ndarray) -> pd.Series:
        """Per file: `frame[column]` at its row `rows` where `where`, else missing."""
        values = frame[column].reindex(np.where(where, rows, -1)).reset_index(drop=True)
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        return values

    pending_s = pd.Series(pending)
    status = pick(ends, "start_action", e_row, ended).where(~pending_s, "pending")
    out["last_action"] = pick(stints, "start_action", s_row, pending).where(pending_s, status)
    out["status"] = status
    for c in ("last_action", "status"):
        out[c] = out[c].astype(facts[c].dtype)
    created = out["created_at"].where(_micros(out["created_at"]) <= _micros(t))
    out["created_at"] = created
    out["file_type"] = out["file_type"].where(created.notna())
    closed = status.eq("closed").to_numpy()
    unit = facts["closed_at"].dt.unit
    out["closed_at"] = pick(ends, "start", e_row, closed).dt.tz_convert(IST).dt.as_unit(unit)
    moved = stints["start_action"].eq("moved").to_numpy() & s_keep
    out["movements"] = np.bincount(s_key[moved], minlength=n).astype(np.int64)
    level = stints["level"]
    returns = moved & (level < stints["from_level"]).fillna(False).to_numpy(dtype=bool)
    out["returns"] = np.bincount(s_key[returns], minlength=n).astype(np.int64)
    mapped = level.notna().to_numpy() & s_keep
    levels = level.to_numpy(dtype=np.int64, na_value=0)
    out["levels_traversed"] = _distinct(s_key[mapped], levels[mapped], n)
    holders = stints["holder"].cat.codes.to_numpy().astype(np.int64)
    out["holders"] = _distinct(s_key[s_keep], holders[s_keep], n)
    out["disposal_days"] = elapsed_days(out["created_at"], out["closed_at"])
    out["over_4_levels"] = out["levels_traversed"].gt(OVER_LEVELS_LIMIT)
    parked = status.eq("parked").to_numpy()
    for column, target in (("holder", "holder"), ("designation", "designation"),
                           ("level", "level"), ("start", "since")):  # fmt: skip
        held = pick(stints, column, s_row, pending).where(
            pending_s, pick(ends, column, e_row, parked)
        )
        if column == "start":
            held = held.dt.tz_convert(IST).dt.as_unit(facts["since"].dt.unit)
        out[target] = held.astype(facts[target].dtype)
    out = out[exists].reset_index(drop=True)
    _ages(out, as_of)
    return out


def _distinct(key: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per file 0..n-1: how many distinct `values` its rows hold (-1, a missing value, is one
    value, as `drop_duplicates` counts it)."""
    if not len(key):
        return np.zeros(n, dtype=np.int64)
    span = int(values.max()) + 2
    small = n * span < np.iinfo(np.int32).max  # a narrower sort, about twice as fast
    kind = np.int32 if small else np.int64
    pairs = np.sort(key.astype(kind) * kind(span) + (values.astype(kind) + kind(1)))
    first = np.r_[True, pairs[1:] != pairs[:-1]]
    return np.bincount(pairs[first] // span, minlength=n).astype(np.int64)
