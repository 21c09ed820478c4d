"""Upkeep of the data derived from the stored events: the `stints` / `file_facts` rows of
whole files' histories and each state's snapshot (`analytics/store/snapshots.py`), written
in the caller's transaction; rebuilt whole when the level table changes or the snapshot
format is new."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, text

from analytics.figures.metrics import (
    as_of_by_state,
    build_stints,
    file_departments,
    map_levels,
)
from analytics.figures.metrics import file_facts as metrics_file_facts
from analytics.log.hierarchy import LevelTable
from analytics.log.ordering import order_events
from analytics.schema import EVENT_COLUMNS, IST
from analytics.store import snapshots
from analytics.store.bulk import bulk_insert
from analytics.store.engine import writing
from analytics.store.hooks import hook
from analytics.store.models import Snapshot, StoreState
from analytics.store.sql import event_states, fetch_events, level_table
from analytics.store.values import FACT_DB_COLUMNS, STINT_DB_COLUMNS


@dataclass
class Derived:
    """Derived rows of whole files' histories: the `stints` / `file_facts` tables' rows, the
    snapshot rows (`snapshots.file_rows`) and each state's latest event among them."""

    stints: pd.DataFrame
    facts: pd.DataFrame
    snapshot_files: pd.DataFrame
    snapshot_stints: pd.DataFrame
    latest: pd.Series
    events: pd.DataFrame
    """The files' events: state, file_id, action, timestamp."""


def derive(history: pd.DataFrame, levels: LevelTable) -> Derived:
    """The derived rows of whole files' histories (rows in read order) with `levels`."""
    if history.empty:
        return Derived(
            pd.DataFrame(columns=list(STINT_DB_COLUMNS)),
            pd.DataFrame(columns=list(FACT_DB_COLUMNS)),
            pd.DataFrame(columns=["state", *snapshots.FILE_COLUMNS]),
            pd.DataFrame(columns=["state", "file_id", *snapshots.STINT_COLUMNS]),
            pd.Series(dtype=object),
            pd.DataFrame(columns=["state", "file_id", "action", "timestamp"]),
        )
    ordered = order_events(history[[*EVENT_COLUMNS]])
    mapped = map_levels(ordered, levels)
    mapped["department"] = file_departments(mapped)
    stints = build_stints(mapped)
    latest = as_of_by_state(mapped)
    facts = metrics_file_facts(mapped, stints, latest)
    snap_files, snap_stints = snapshots.file_rows(mapped, stints, facts)
    g = mapped.groupby("file_key", sort=True)["timestamp"]
    extra = pd.DataFrame(
        {"first_event_at": g.min(), "last_event_at": g.max(), "n_events": g.size()}
    )
    facts = facts.join(extra, on="file_key")
    return Derived(
        stints[list(STINT_DB_COLUMNS)],
        facts[list(FACT_DB_COLUMNS)],
        snap_files,
        snap_stints,
        latest,
        mapped[["state", "file_id", "action", "timestamp"]],
    )


def write_derived(conn: Connection, derived: Derived) -> None:
    """Insert the `stints` and `file_facts` rows of `derived` (the old ones deleted first)."""
    bulk_insert(conn, "stints", derived.stints, STINT_DB_COLUMNS)
    hook("derived")
    bulk_insert(conn, "file_facts", derived.facts, FACT_DB_COLUMNS)


def delete_touched(conn: Connection) -> None:
    """Delete the `stints` and `file_facts` rows of the files in the `touched` table."""
    for table in ("stints", "file_facts"):
        conn.execute(
            text(
                f"DELETE FROM {table} WHERE (state, file_id) IN "
                "(SELECT state, file_id FROM touched)"
            )
        )


def rebuild(conn: Connection, levels: LevelTable) -> None:
    """Recompute every state's stints, file facts and snapshot with `levels`."""
    for state in event_states(conn):
        history = fetch_events(conn, where="e.state = {p}", params=[state])
        conn.execute(text("DELETE FROM stints WHERE state = :s"), {"s": state})
        conn.execute(text("DELETE FROM file_facts WHERE state = :s"), {"s": state})
        derived = derive(history, levels)
        bulk_insert(conn, "stints", derived.stints, STINT_DB_COLUMNS)
        bulk_insert(conn, "file_facts", derived.facts, FACT_DB_COLUMNS)
        write_snapshots(conn, derived)


def ensure_snapshots(engine: Engine) -> None:
    """Build every state's snapshot from the stored events if the store has none in the
    current format (a store made before snapshots existed, or an older layout)."""
    if _snapshot_format(engine) == snapshots.FORMAT:
        return
    with writing(engine) as conn:
        current = conn.execute(
            select(StoreState.snapshot_format).where(StoreState.id == 1)
        ).scalar_one()
        if current == snapshots.FORMAT:
            return
        conn.execute(text("DELETE FROM snapshots"))
        levels = level_table(conn)
        for state in event_states(conn):
            history = fetch_events(conn, where="e.state = {p}", params=[state])
            write_snapshots(conn, derive(history, levels))
        conn.execute(
            text("UPDATE store_state SET snapshot_format = :f WHERE id = 1"),
            {"f": snapshots.FORMAT},
        )


def _snapshot_format(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(StoreState.snapshot_format).where(StoreState.id == 1)).scalar_one()
        )


def write_snapshots(conn: Connection, derived: Derived, before: pd.DataFrame | None = None) -> None:
    """Bring the snapshots of the states in `derived` up to date: its files replace their
    rows, `before` being their events the stored snapshots counted. Without `before` each
    state's snapshot is built from `derived` alone (it holds whole states)."""
    files, stints, events = derived.snapshot_files, derived.snapshot_stints, derived.events
    latest = derived.latest
    for n, state in enumerate(sorted(latest.index)):
        old = None if before is None else read_snapshot(conn, state)
        snap = snapshots.merge(
            state,
            old,
            files[files["state"].eq(state).to_numpy()],
            stints[stints["state"].eq(state).to_numpy()],
            latest[state],
            events[events["state"].eq(state).to_numpy()],
            None if before is None else before[before["state"].eq(state).to_numpy()],
        )
        conn.execute(text("DELETE FROM snapshots WHERE state = :s"), {"s": state})
        conn.execute(
            insert(Snapshot).values(
                state=state,
                format=snapshots.FORMAT,
                as_of=snap.as_of.to_pydatetime(),
                files=len(snap.files),
                stints=snap.stints_table().num_rows,
                files_data=snapshots.encode(snap.files),
                stints_data=snapshots.encode(snap.stints),
                activity_data=snapshots.encode(snap.activity),
            )
        )
        if n == 0:
            hook("snapshots")


def read_snapshot(conn: Connection, state: str) -> snapshots.StateSnapshot | None:
    """The stored snapshot of one state (None: none yet)."""
    found = snapshot_rows(conn, [state])
    return found[0] if found else None


def snapshot_rows(conn: Connection, states: Sequence[str] | None) -> list[snapshots.StateSnapshot]:
    """The stored snapshots of `states` (None: all), by state; stints decoded when needed."""
    query = select(
        Snapshot.state,
        Snapshot.as_of,
        Snapshot.files_data,
        Snapshot.stints_data,
        Snapshot.activity_data,
    ).order_by(Snapshot.state)
    if states is not None:
        query = query.where(Snapshot.state.in_(list(states)))
    return [
        snapshots.StateSnapshot(
            state=row.state,
            as_of=pd.Timestamp(row.as_of).tz_convert(IST),
            files=snapshots.decode_files(bytes(row.files_data)),
            stints=bytes(row.stints_data),  # decoded when first needed
            activity=snapshots.decode(bytes(row.activity_data)),
        )
        for row in conn.execute(query)
    ]
