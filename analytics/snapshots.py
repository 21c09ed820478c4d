"""Per-state snapshots: what the dashboard serves, derived at upload and read back as columns.

A snapshot holds, for one state, everything `views.Prepared` needs that does not depend on T,
so a dashboard never re-reads raw events nor re-runs the analysis:

- `files`: one row per file, sorted by `file_id`: the per-file facts of metrics.md as the file
  stands at the end of its stored log (status, holder, designation, level and `since` of the
  open stint or of the `parked` event, created_at, closed_at, movements, levels, holders, ...);
- `stints`: one row per stint in file then log order, with `file_index` (the file's row in
  `files`), the action and sender level of the event that started it (`created` and `moved`
  events each start a stint, so creation and movement counts and the level-to-level flow come
  from stints), its start, end, receipt time and what ended it;
- `activity`: per department, file type and IST day, files created and movements;
- T: the state's latest event.

Durations (calendar and working days of the default calendar, waiting and processing) and
pending files' ages are computed when reading (`assemble`), vectorised: ages depend on T,
and leaving durations out keeps a snapshot small (start, end and receipt times only). An upload rebuilds the snapshots of the states it touched in its own
transaction (`merge`): the touched files' rows are replaced, everything else is kept.
Snapshots travel as Parquet (`encode` / `decode`); `analytics.store` keeps them in the
`snapshots` table, one row per state.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.access import Scope, pseudonymise
from analytics.calendar import WorkCalendar, elapsed_days
from analytics.metrics import Analysis, add_durations, by_state
from analytics.schema import IST, STINT_ACTIONS
from analytics.views import Prepared

FORMAT = 1
"""The snapshot layout's version: a store whose snapshots have another is rebuilt on opening."""

_DAY_US = 86_400_000_000
_EPOCH = pd.Timestamp("1970-01-01")
_IST_US = 19_800_000_000

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

DURATIONS = (
    "days",
    "working_days",
    "waiting_days",
    "processing_days",
    "waiting_working_days",
    "processing_working_days",
)
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
)
"""A snapshot's per-stint columns."""

ACTIVITY_COLUMNS = ("department", "file_type", "day", "files_created", "movements")

_TEXT = ("file_id", "department", "file_number", "subject", "file_type", "last_action", "status")
_TEXT += ("holder", "designation")
_MOMENTS = ("created_at", "closed_at", "since")


@dataclass
class StateSnapshot:
    """One state's snapshot (see the module docstring)."""

    state: str
    as_of: pd.Timestamp
    files: pd.DataFrame
    stints: pd.DataFrame
    activity: pd.DataFrame


# --- derived at upload ----------------------------------------------------------------------


def file_rows(
    mapped: pd.DataFrame, stints: pd.DataFrame, facts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Snapshot rows of whole files' histories: (files, stints), each with `state` and
    `file_id` (stints keyed by them, not yet by `file_index`).

    `mapped` are the files' events ordered, mapped to levels and with the file's department;
    `stints` is `build_stints(mapped)`; `facts` is `file_facts` of them.
    """
    starts = mapped["action"].isin(STINT_ACTIONS).to_numpy()
    rows = pd.DataFrame(
        {
            "state": stints["state"].astype("str").to_numpy(),
            "file_id": stints["file_id"].astype("str").to_numpy(),
            "seq": stints["seq"].to_numpy(dtype=np.int64),
            "start_action": mapped["action"].astype("str").to_numpy()[starts],
            "level": pd.array(stints["level"], dtype="Int64"),
            "from_level": pd.array(mapped["from_level"].to_numpy()[starts], dtype="Int64"),
            "start": stints["start"].array,
            "end": stints["end"].array,
            "received_at": stints["received_at"].array,
            "end_action": stints["end_action"].astype("str").to_numpy(),
        }
    )
    rows["end_action"] = rows["end_action"].where(stints["end"].notna().to_numpy())
    files = facts[["state", *FILE_COLUMNS]].copy()
    return files, rows


def merge(
    state: str,
    old: StateSnapshot | None,
    files: pd.DataFrame,
    stints: pd.DataFrame,
    latest: pd.Timestamp,
) -> StateSnapshot:
    """The state's snapshot with the files in `files` (whole histories) replaced or added.

    `files` / `stints` are `file_rows` of this state's touched files; `latest` is the latest
    timestamp among them (T only grows: events are never removed).
    """
    files = files.drop(columns="state").reset_index(drop=True)
    stints = stints.drop(columns="state").reset_index(drop=True)
    as_of = latest if old is None or old.as_of < latest else old.as_of
    if old is not None and len(old.files):
        kept = ~old.files["file_id"].isin(files["file_id"]).to_numpy()
        old_ids = old.files["file_id"].to_numpy()
        old_stints = old.stints[kept[old.stints["file_index"].to_numpy()]]
        old_stints = old_stints.drop(columns="file_index").assign(
            file_id=old_ids[old_stints["file_index"].to_numpy()]
        )
        files = pd.concat([old.files[kept], files], ignore_index=True)
        stints = pd.concat([old_stints, stints], ignore_index=True)
    files = files.sort_values("file_id", kind="stable").reset_index(drop=True)
    index = pd.Index(files["file_id"]).get_indexer(stints["file_id"])
    stints = stints.drop(columns="file_id").assign(file_index=index.astype(np.int64))
    order = np.lexsort((stints["seq"].to_numpy(), index))
    stints = stints.iloc[order].reset_index(drop=True)[list(STINT_COLUMNS)]
    return StateSnapshot(state, as_of, files, stints, _activity(files, stints))


def _activity(files: pd.DataFrame, stints: pd.DataFrame) -> pd.DataFrame:
    """Files created and movements per department, file type and IST day (one state)."""
    action = stints["start_action"]
    counted = action.isin(["created", "moved"]).to_numpy()
    index = stints["file_index"].to_numpy()[counted]
    frame = pd.DataFrame(
        {
            "department": files["department"].to_numpy()[index],
            "file_type": files["file_type"].fillna("").to_numpy()[index],
            "day": ist_days(stints["start"])[counted].astype(np.int64),
            "files_created": action.eq("created").to_numpy()[counted].astype(np.int64),
            "movements": action.eq("moved").to_numpy()[counted].astype(np.int64),
        }
    )
    keys = ["department", "file_type", "day"]
    return frame.groupby(keys, as_index=False, sort=True).sum()[list(ACTIVITY_COLUMNS)]


def ist_days(moments: pd.Series) -> np.ndarray:
    """Each moment's IST calendar day as days since 1970-01-01 (float, NaN for NaT).

    IST has had one fixed offset since 1945, so this is integer arithmetic on the UTC
    microseconds; it equals `views.ist_day`.
    """
    micros = moments.dt.as_unit("us").array.asi8
    missing = moments.isna().to_numpy()
    days = np.floor_divide(micros + _IST_US, _DAY_US).astype("float64")
    days[missing] = np.nan
    return days


# --- Parquet --------------------------------------------------------------------------------


def encode(frame: pd.DataFrame) -> bytes:
    """A frame as Parquet bytes (text dictionary-encoded, zstd)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", compression_level=1)
    return sink.getvalue()


def decode(data: bytes, categories: Sequence[str] = ()) -> pd.DataFrame:
    """Parquet bytes back as a frame; `categories` columns come back as categoricals."""
    table = pq.read_table(pa.BufferReader(data), read_dictionary=list(categories))
    frame = table.to_pandas()
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


def decode_stints(data: bytes) -> pd.DataFrame:
    """A snapshot's `stints` part (actions as categoricals)."""
    return decode(data, ("start_action", "end_action"))


# --- read: the prepared arrays of every requested state -------------------------------------


class Served(Prepared):
    """A `views.Prepared` read from snapshots: `stints` and `movements` are built on first use
    (the Overview needs neither), once, under a lock shared by every reader of this copy."""

    def __init__(self, build: Callable[[], tuple[pd.DataFrame, pd.DataFrame]], **kw: Any):
        self._build: Callable[[], tuple[pd.DataFrame, pd.DataFrame]] | None = build
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

    @property  # type: ignore[override]
    def stints(self) -> pd.DataFrame:
        """Every stint: state, file_key, level, end, end_action, durations, end_day."""
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


def assemble(snapshots: Sequence[StateSnapshot]) -> Prepared | None:
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
    pending = facts["status"].eq("pending")
    t = by_state(facts["state"], as_of)
    facts["age_days"] = elapsed_days(facts["since"], t).where(pending)
    facts["age_working_days"] = WorkCalendar().working_days(facts["since"], t, facts["state"])
    facts["age_working_days"] = facts["age_working_days"].where(pending)
    facts["created_day"] = ist_days(facts["created_at"])

    parts = []
    for s in snapshots:
        part = s.activity.copy()
        part.insert(0, "state", s.state)
        parts.append(part)
    activity = pd.concat(parts, ignore_index=True)
    for c in ("state", "department", "file_type"):
        activity[c] = activity[c].astype("str")
    days = np.unique(activity["day"].to_numpy())
    months = pd.Series(pd.to_datetime(days, unit="D").strftime("%Y-%m"), index=days)
    activity["month"] = activity["day"].map(months)

    analysis = Analysis(
        as_of=as_of,
        events=pd.DataFrame(),
        stints=pd.DataFrame(),
        facts=facts,
        working_days=False,
        tables={},
    )
    departments = facts["department"].to_numpy()
    return Served(
        lambda: _stints_and_movements(snapshots, departments),
        analysis=analysis,
        facts=facts,
        activity=activity,
        n_keys=n_keys,
    )


def _stints_and_movements(
    snapshots: Sequence[StateSnapshot], departments: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The prepared stints and movements of `views.prepare`, from the states' snapshot stints
    (`departments`: each file_key's department)."""
    states = [s.state for s in snapshots]
    sizes = np.array([len(s.files) for s in snapshots], dtype=np.int64)
    counts = np.array([len(s.stints) for s in snapshots], dtype=np.int64)
    stints = pd.concat([s.stints for s in snapshots], ignore_index=True)
    file_key = stints["file_index"].to_numpy() + np.repeat(np.r_[0, np.cumsum(sizes)[:-1]], counts)
    state = pd.Series(pd.Categorical.from_codes(np.repeat(np.arange(len(states)), counts), states))
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
    level = stints["level"].astype("Int64")
    end_action = stints["end_action"]
    slim = pd.DataFrame(
        {
            "state": state,
            "file_key": file_key,
            "level": level,
            "end": stints["end"],
            "end_action": end_action,
            **{c: timed[c] for c in DURATIONS},
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
    movements = pd.DataFrame(
        {
            "state": np.asarray(state, dtype=object)[moved],
            "department": departments[file_key[moved]],
            "file_key": file_key[moved],
            "seq": stints["seq"].to_numpy(dtype=np.int64)[moved],
            "day": ist_days(stints["start"])[moved],
            "from_level": stints["from_level"].astype("Int64")[moved].reset_index(drop=True),
            "to_level": level[moved].reset_index(drop=True),
            **sender,
        }
    )
    for c in ("state", "department"):
        movements[c] = movements[c].astype("str")
    return slim, movements


def restrict(prepared: Prepared, scope: Scope) -> Prepared | None:
    """The prepared arrays of the files inside `scope`, officer names pseudonymised without
    the names permission (None when nothing is inside).

    File keys stay the shared copy's; every state keeps its own T. Stints and movements are
    cut from the shared copy's when first asked for.
    """
    if scope.unrestricted and scope.see_names:
        return prepared
    facts = pseudonymise(scope.filter(prepared.facts), scope).reset_index(drop=True)
    if facts.empty:
        return None
    keep = np.zeros(prepared.n_keys, dtype=bool)
    keep[facts["file_key"].to_numpy()] = True
    as_of = prepared.analysis.as_of
    analysis = Analysis(
        as_of=as_of[as_of.index.isin(pd.unique(facts["state"]))],
        events=prepared.analysis.events,
        stints=prepared.analysis.stints,
        facts=facts,
        working_days=prepared.analysis.working_days,
        tables={},
    )

    def cut() -> tuple[pd.DataFrame, pd.DataFrame]:
        stints, movements = prepared.stints, prepared.movements
        return (
            stints[keep[stints["file_key"].to_numpy()]].reset_index(drop=True),
            movements[keep[movements["file_key"].to_numpy()]].reset_index(drop=True),
        )

    return Served(
        cut,
        analysis=analysis,
        facts=facts,
        activity=scope.filter(prepared.activity).reset_index(drop=True),
        n_keys=prepared.n_keys,
    )


def date_span(prepared: Prepared) -> tuple[date, date]:
    """The IST dates a date range can span: the first day with a file created or moved, and
    the latest T."""
    first = int(prepared.activity["day"].min()) if len(prepared.activity) else None
    last = prepared.analysis.as_of.max().tz_convert(IST).date()
    return (last if first is None else (_EPOCH + pd.Timedelta(days=first)).date()), last
