"""The store: every accepted event with where it came from, in SQLite or PostgreSQL.

`open_store(url)` opens (and creates or upgrades, through the Alembic migrations in
`analytics/store/migrations/`) a database and returns a `Store`. An upload is read and validated
first (`analytics.log.reading.read_logs`), then written in ONE transaction: the upload record, its
rejected rows, the new events (an event already stored, from any upload, is not stored again),
the derived `stints` / `file_facts` rows of the files it touched, recomputed from those
files' whole stored history, and the snapshots of the states it touched (those files' rows
replaced; `analytics/store/snapshots.py`), which is what the dashboard reads (`load_prepared`).
Either all of that commits or none of it does.

Writers are serialised: every writing transaction starts by bumping the `store_state` counter
(SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the row lock of that UPDATE, held to commit), so two
uploads at once never compute a file's stints from two different pasts. Readers never wait.

Test hooks (documented, for the test suite only): the environment variable
`EOFFICE_STORE_TEST_HOOK=<stage>:<what>` with stage `events` (new events inserted, derived
rows not yet), `derived` (derived rows being replaced) or `snapshots` (the first touched
state's snapshot rewritten, the others not yet) and what `fail` (raise
`InjectedFailure`) or `pause` (print `EOFFICE_STORE_HOOK <stage>` on stdout and sleep, so a
test can kill the process inside the open transaction).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import make_url

from analytics.access.audit import Action
from analytics.access.models import AuditEntry
from analytics.figures.level_preview import LevelPreview
from analytics.figures.level_preview import preview as levels_preview
from analytics.figures.metrics import (
    Analysis,
    as_of_by_state,
    build_stints,
    file_departments,
    map_levels,
    order_events,
)
from analytics.figures.metrics import file_facts as metrics_file_facts
from analytics.figures.views import Prepared
from analytics.log.calendar import WorkCalendar
from analytics.log.hierarchy import LevelTable, LevelTableError, normalise_designation
from analytics.log.reading import (
    ReadResult,
    Source,
    UnusableInputError,
    UploadLimits,
    read_logs,
    source_bytes,
)
from analytics.schema import DEDUP_KEY, EVENT_COLUMNS, IST
from analytics.store import snapshots
from analytics.store.models import (
    LevelProposal,
    LevelVersion,
    RejectedRow,
    Snapshot,
    StoreState,
    Upload,
)

ENV_URL = "EOFFICE_DB_URL"
HOOK_ENV = "EOFFICE_STORE_TEST_HOOK"
BUSY_TIMEOUT_S = 600
"""How long a SQLite writer waits for another upload to commit before giving up."""
REPORT_LIST_CAP = 1000
"""`rejected` / `warnings` entries kept in an upload's stored report (all rejected rows are
kept in `rejected_rows`)."""
FETCH_CHUNK = 250_000
SQLITE_CHUNK = 200_000
SQLITE_ROWS_PER_STATEMENT = 20

# Column kinds of the bulk paths: text, int, float, bool, ts (UTC moment).
EVENT_DB_COLUMNS: dict[str, str] = {
    "upload_id": "int",
    **{c: "text" for c in EVENT_COLUMNS},
    "timestamp": "ts",
    "received_at": "ts",
    "source": "text",
    "line": "int",
    "read_pos": "int",
}
EVENT_DB_COLUMNS = {
    c: EVENT_DB_COLUMNS[c] for c in ("upload_id", *EVENT_COLUMNS, "source", "line", "read_pos")
}
STINT_DB_COLUMNS: dict[str, str] = {
    "state": "text",
    "file_id": "text",
    "seq": "int",
    "department": "text",
    "holder": "text",
    "designation": "text",
    "level": "int",
    "start": "ts",
    "end": "ts",
    "received_at": "ts",
    "end_action": "text",
    "broken": "bool",
}
FACT_DB_COLUMNS: dict[str, str] = {
    "state": "text",
    "file_id": "text",
    "department": "text",
    "file_number": "text",
    "subject": "text",
    "file_type": "text",
    "first_event_at": "ts",
    "last_event_at": "ts",
    "last_action": "text",
    "status": "text",
    "created_at": "ts",
    "closed_at": "ts",
    "n_events": "int",
    "movements": "int",
    "levels_traversed": "int",
    "holders": "int",
    "returns": "int",
    "disposal_days": "float",
    "over_4_levels": "bool",
    "holder": "text",
    "designation": "text",
    "level": "int",
    "since": "ts",
}


class InjectedFailure(RuntimeError):
    """Raised by the `fail` test hook."""


class _DuplicateUpload(Exception):
    def __init__(self, earlier: int) -> None:
        super().__init__(earlier)
        self.earlier = earlier


# --- where the store lives ------------------------------------------------------------------


def project_root() -> Path:
    """The project checkout (holds pyproject.toml), else the current folder when installed."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").exists() else Path.cwd()


def default_url() -> str:
    """`EOFFICE_DB_URL` when set, else the SQLite file `data/eoffice.sqlite` of the project."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    return f"sqlite:///{project_root() / 'data' / 'eoffice.sqlite'}"


def _normalise_url(url: str) -> str:
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for the URL, configured for the store (SQLite: WAL, foreign keys, timeout)."""
    url = _normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-262144")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise ValueError(
        f"unsupported database URL {parsed.render_as_string()}: use sqlite or postgresql"
    )


# --- migrations -----------------------------------------------------------------------------


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    location = str(Path(__file__).resolve().parent / "migrations").replace("%", "%%")
    config.set_main_option("script_location", location)
    return config


def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is there already)."""
    from alembic import command

    head = _head_revision()
    with engine.connect() as conn:
        current = _current_revision(conn)
        conn.rollback()
    if current == head and _has_state_row(engine):
        return
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(74201)"))
            if _current_revision(conn) != head:
                config = _alembic_config()
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
            exists = conn.execute(select(StoreState.id).where(StoreState.id == 1)).first()
            if exists is None:
                conn.execute(
                    insert(StoreState).values(id=1, store_id=str(uuid.uuid4()), data_version=0)
                )


def _has_state_row(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(StoreState.id).where(StoreState.id == 1)).first() is not None


def open_store(url: str | None = None) -> Store:
    """Open the store at `url` (default: `default_url()`), creating or upgrading its schema."""
    url = _normalise_url(url or default_url())
    engine = make_engine(url)
    upgrade(engine)
    store = Store(engine)
    store.ensure_snapshots()
    return store


# --- results --------------------------------------------------------------------------------


@dataclass
class IngestResult:
    """What an upload did. `status`: stored, duplicate_file or unusable."""

    status: str
    file_name: str
    sha256: str
    upload_id: int | None = None
    duplicate_of: int | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    duplicates_dropped: int = 0
    events_new: int = 0
    events_already_stored: int = 0
    files_touched: int = 0
    message: str = ""
    report: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per phase: read, lock, existing, insert_events, derive, insert_derived, snapshots,
    commit."""

    def describe(self) -> str:
        """One line for people."""
        if self.status == "duplicate_file":
            return (
                f"already uploaded as upload {self.duplicate_of} (same bytes, SHA-256 "
                f"{self.sha256[:12]}…); nothing changed"
            )
        if self.status == "unusable":
            return f"unusable, nothing stored: {self.message}"
        return (
            f"stored as upload {self.upload_id}: read {self.rows_read:,} rows, "
            f"{self.rows_accepted:,} accepted, {self.rows_rejected:,} rejected, "
            f"{self.duplicates_dropped:,} duplicates dropped; {self.events_new:,} new events, "
            f"{self.events_already_stored:,} already stored; {self.files_touched:,} files updated"
        )


# --- the store ------------------------------------------------------------------------------


class Store:
    """Uploads in, events / stints / per-file facts out. Thread-safe; one per process is enough."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._timings: dict[str, float] = {}
        self._last_tick = time.perf_counter()
        # Close pooled connections when the store is dropped without close() (or at exit).
        self._finalizer = weakref.finalize(self, engine.dispose)

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the connections."""
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state ---------------------------------------------------------------------------------

    def version(self) -> str:
        """A token that changes whenever stored data changes (key a cache on it)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(StoreState.store_id, StoreState.data_version).where(StoreState.id == 1)
            ).one()
        return f"{row.store_id}:{row.data_version}"

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction that holds the store's writer lock until it ends."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                conn.execute(
                    text("UPDATE store_state SET data_version = data_version + 1 WHERE id = 1")
                )
                yield conn

    # -- levels --------------------------------------------------------------------------------

    def levels(self) -> LevelTable:
        """The hierarchy mapping in force (the default table until one is set)."""
        with self.engine.connect() as conn:
            return self._levels(conn)

    def _levels(self, conn: Connection) -> LevelTable:
        rows = conn.execute(
            text("SELECT state, designation, level, level_name FROM levels ORDER BY id")
        ).all()
        if not rows:
            return LevelTable.default()
        frame = pd.DataFrame(rows, columns=["state", "designation", "level", "level_name"])
        return LevelTable(frame)

    def set_levels(self, table: LevelTable) -> None:
        """Replace the mapping in force and recompute every derived row that depends on it
        (a new version, made by `system`: see `apply_levels`)."""
        self.apply_levels(table, by="system")

    def levels_version(self) -> int:
        """The level-table version in force (0: the built-in default, no version made yet)."""
        with self.engine.connect() as conn:
            return self._levels_version(conn)

    def _levels_version(self, conn: Connection) -> int:
        return int(
            conn.execute(select(StoreState.levels_version).where(StoreState.id == 1)).scalar_one()
        )

    def level_version_info(self) -> dict[str, Any]:
        """The version in force for people and reports: version (0: the built-in default),
        created_at (IST, None for the default), created_by, kind."""
        with self.engine.connect() as conn:
            version = self._levels_version(conn)
            row = conn.execute(
                select(LevelVersion.created_at, LevelVersion.created_by, LevelVersion.kind).where(
                    LevelVersion.id == version
                )
            ).first()
        if row is None:
            return {"version": 0, "created_at": None, "created_by": None, "kind": "default"}
        return {
            "version": version,
            "created_at": pd.Timestamp(row.created_at).tz_convert(IST),
            "created_by": row.created_by,
            "kind": row.kind,
        }

    def known_states(self) -> list[str]:
        """States a per-state level row may name: those of stored events or of grants."""
        with self.engine.connect() as conn:
            return self._known_states(conn)

    def _known_states(self, conn: Connection) -> list[str]:
        rows = conn.execute(
            text(
                "SELECT DISTINCT state FROM events UNION "
                "SELECT DISTINCT state FROM grants WHERE state <> ''"
            )
        )
        return sorted(str(r[0]) for r in rows)

    def check_levels(self, table: LevelTable) -> None:
        """Refuse (`LevelTableError`, naming the row) a table the store cannot take: no rows,
        or a per-state row of a state the store does not know (`known_states`)."""
        with self.engine.connect() as conn:
            self._check_levels(conn, table)

    def _check_levels(self, conn: Connection, table: LevelTable) -> None:
        frame = table.to_frame()
        if frame.empty:
            raise LevelTableError("the level table has no rows; nothing was applied")
        known = set(self._known_states(conn))
        unknown = frame["state"].notna() & ~frame["state"].isin(known)
        if unknown.any():
            row = int(unknown.to_numpy().argmax())
            shown = ", ".join(sorted(known)) or "none yet"
            raise LevelTableError(
                f"level table row {row + 1} ({frame['designation'].iloc[row]}): state "
                f"{frame['state'].iloc[row]!r} is not a state of this store (known: {shown}); "
                "nothing was applied"
            )

    def apply_levels(
        self,
        table: LevelTable,
        *,
        by: str,
        kind: str = "import",
        note: str | None = None,
        restored_from: int | None = None,
    ) -> int:
        """Make `table` the mapping in force as a new version, in ONE transaction: the
        version row, the `levels` rows, every derived row (stints, file facts, snapshots)
        recomputed with it, and the audit row (who, when, what changed). Refused
        (`LevelTableError`, nothing written) by `check_levels`, or when the table changes
        nothing against the one in force. Returns the new version."""
        with self._writing() as conn:
            return self._apply_levels(conn, table, by, kind, note, restored_from, None)

    def restore_levels(self, version: int, *, by: str, note: str | None = None) -> int:
        """Make an earlier version's rows the mapping in force again, as a new version
        (`apply_levels`); version 0 is the built-in default table."""
        table = self.level_version(version)
        return self.apply_levels(
            table,
            by=by,
            kind="restore",
            note=note or f"restore of version {version}",
            restored_from=version,
        )

    def _apply_levels(
        self,
        conn: Connection,
        table: LevelTable,
        by: str,
        kind: str,
        note: str | None,
        restored_from: int | None,
        proposal_id: int | None,
    ) -> int:
        self._check_levels(conn, table)
        before = self._levels(conn)
        previous = self._levels_version(conn)
        changes = before.changes(table)
        if not any(changes.values()):
            raise LevelTableError(
                f"the table is the one in force (version {previous}): nothing was applied"
            )
        now = datetime.now(UTC)
        version = conn.execute(
            insert(LevelVersion)
            .values(
                created_at=now,
                created_by=by,
                kind=kind,
                note=note,
                restored_from=restored_from,
                proposal_id=proposal_id,
                rows=table.records(),
                changes=changes,
            )
            .returning(LevelVersion.id)
        ).scalar_one()
        conn.execute(text("DELETE FROM levels"))
        conn.execute(
            text(
                "INSERT INTO levels (state, designation, level, level_name) "
                "VALUES (:state, :designation, :level, :level_name)"
            ),
            table.records(),
        )
        conn.execute(
            text("UPDATE store_state SET levels_version = :v WHERE id = 1"), {"v": version}
        )
        self._rebuild_derived(conn, self._levels(conn))
        write_audit(
            conn,
            by,
            Action.LEVELS,
            "ok",
            f"levels version {version}",
            {
                "kind": kind,
                "version_before": previous,
                "restored_from": restored_from,
                "proposal_id": proposal_id,
                "note": note,
                **{k: len(v) for k, v in changes.items()},
                "changes": {k: v[:20] for k, v in changes.items()},
            },
            now,
        )
        return int(version)

    def _rebuild_derived(self, conn: Connection, levels: LevelTable) -> None:
        """Recompute every state's stints, file facts and snapshot with `levels`."""
        states = [r[0] for r in conn.execute(text("SELECT DISTINCT state FROM events"))]
        for state in sorted(states):
            history = self._fetch_events(conn, where="e.state = {p}", params=[state])
            conn.execute(text("DELETE FROM stints WHERE state = :s"), {"s": state})
            conn.execute(text("DELETE FROM file_facts WHERE state = :s"), {"s": state})
            derived = _derive(history, levels)
            self._bulk_insert(conn, "stints", derived.stints, STINT_DB_COLUMNS)
            self._bulk_insert(conn, "file_facts", derived.facts, FACT_DB_COLUMNS)
            self._write_snapshots(conn, derived)

    def preview_levels(
        self, table: LevelTable, *, states: Sequence[str] | None = None
    ) -> LevelPreview:
        """What applying `table` would change (nothing is written): stints changing level,
        designations becoming unmapped (or mapped), and per state before and after of
        turnaround per level, pendency per level, mean distinct levels of pending files
        and files over 4 levels (`analytics.figures.level_preview.preview`). Refused like `apply_levels`."""
        self.check_levels(table)
        current = self.levels()
        found = levels_preview(self.load_events(states=states), current, table)
        old = self.unmapped_designations(states=states, table=current)
        new = self.unmapped_designations(states=states, table=table)
        found.newly_unmapped = new[
            ~new["designation"].str.lower().isin(set(old["designation"].str.lower()))
        ].reset_index(drop=True)
        found.newly_mapped = old[
            ~old["designation"].str.lower().isin(set(new["designation"].str.lower()))
        ].reset_index(drop=True)
        return found

    def level_version(self, version: int) -> LevelTable:
        """The rows of one version (0: the built-in default table)."""
        if version == 0:
            return LevelTable.default()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(LevelVersion.rows).where(LevelVersion.id == version)
            ).scalar()
        if rows is None:
            raise LevelTableError(f"there is no level-table version {version}")
        return LevelTable.from_records(rows)

    def level_history(self) -> pd.DataFrame:
        """Every version, newest first: version, created_at (IST), created_by, kind, note,
        restored_from, proposal_id, rows, added, removed, changed, in_force."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(LevelVersion.__table__).order_by(LevelVersion.id.desc())
            ).all()
            current = self._levels_version(conn)
            records = [
                {
                    "version": v.id,
                    "created_at": v.created_at,
                    "created_by": v.created_by,
                    "kind": v.kind,
                    "note": v.note,
                    "restored_from": v.restored_from,
                    "proposal_id": v.proposal_id,
                    "rows": len(v.rows),
                    **{
                        k: len(v.changes.get(k) or [])
                        if isinstance(v.changes.get(k), list)
                        else int(v.changes.get(k) or 0)
                        for k in ("added", "removed", "changed")
                    },
                    "in_force": v.id == current,
                }
                for v in found
            ]
        columns = [
            "version",
            "created_at",
            "created_by",
            "kind",
            "note",
            "restored_from",
            "proposal_id",
            "rows",
            "added",
            "removed",
            "changed",
            "in_force",
        ]
        frame = pd.DataFrame(records, columns=columns)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(IST)
        return frame

    def unmapped_designations(
        self, *, states: Sequence[str] | None = None, table: LevelTable | None = None
    ) -> pd.DataFrame:
        """Designations of stored events that `table` (default: the one in force) does not
        map, one row each (matched as the table matches them): designation (its commonest
        spelling), events (naming it on either side; both sides count once), states, and
        events_by_state ({state: events}); most events first."""
        where, params = self._filters("e", states, None)
        sql = (
            "SELECT e.state, e.from_designation, e.to_designation, COUNT(*) FROM events e"
            + (" WHERE " + where.format(p=self._p()) if where else "")
            + " GROUP BY e.state, e.from_designation, e.to_designation"
        )
        kinds = {"state": "text", "from": "text", "to": "text", "n": "int"}
        with self.engine.connect() as conn:
            groups = self._query(conn, sql, params, kinds)
            table = table or self._levels(conn)
        return _unmapped(groups, table)

    # -- level proposals -----------------------------------------------------------------------

    def propose_levels(
        self, state: str, table: LevelTable, *, by: str, note: str | None = None
    ) -> int:
        """Record rows proposed for one state's level table (pending an admin's decision):
        every row becomes a row of `state`; a row naming another state is refused, and so is
        an unknown state (`check_levels`). Returns the proposal's number."""
        frame = table.to_frame()
        other = frame["state"].notna() & frame["state"].ne(state)
        if other.any():
            row = int(other.to_numpy().argmax())
            raise LevelTableError(
                f"level table row {row + 1} ({frame['designation'].iloc[row]}): names state "
                f"{frame['state'].iloc[row]!r}, but this proposal is for {state}; nothing was "
                "proposed"
            )
        proposed = LevelTable(frame.assign(state=state))
        with self._writing() as conn:
            self._check_levels(conn, proposed)
            number = conn.execute(
                insert(LevelProposal)
                .values(
                    state=state,
                    proposed_by=by,
                    proposed_at=datetime.now(UTC),
                    note=note,
                    rows=proposed.records(),
                    status="pending",
                )
                .returning(LevelProposal.id)
            ).scalar_one()
            write_audit(
                conn,
                by,
                Action.LEVELS,
                "proposed",
                f"levels proposal {number}",
                {"state": state, "rows": proposed.records()[:20], "note": note},
            )
        return int(number)

    def level_proposals(self, status: str | None = None) -> pd.DataFrame:
        """Proposals, newest first: id, state, proposed_by, proposed_at (IST), note, rows
        (the proposed rows as dicts), status, decided_by, decided_at (IST), version_id."""
        query = select(LevelProposal.__table__).order_by(LevelProposal.id.desc())
        if status is not None:
            query = query.where(LevelProposal.status == status)
        columns = [
            "id",
            "state",
            "proposed_by",
            "proposed_at",
            "note",
            "rows",
            "status",
            "decided_by",
            "decided_at",
            "version_id",
        ]
        with self.engine.connect() as conn:
            found = conn.execute(query).all()
        frame = pd.DataFrame([{c: getattr(p, c) for c in columns} for p in found], columns=columns)
        for c in ("proposed_at", "decided_at"):
            frame[c] = pd.to_datetime(frame[c], utc=True).dt.tz_convert(IST)
        return frame

    def decide_proposal(self, number: int, *, approve: bool, by: str) -> int | None:
        """Approve a pending proposal (its rows added to the table in force, replacing rows
        of the same state and designation, as a new version: `apply_levels`, all in one
        transaction) or reject it. Returns the new version (None when rejected)."""
        with self._writing() as conn:
            found = conn.execute(
                select(LevelProposal.__table__).where(LevelProposal.id == number)
            ).first()
            if found is None:
                raise LevelTableError(f"there is no level proposal {number}")
            if found.status != "pending":
                raise LevelTableError(f"level proposal {number} is {found.status} already")
            version = None
            if approve:
                table = self._levels(conn).with_rows(LevelTable.from_records(found.rows))
                note = f"proposal {number} by {found.proposed_by} for {found.state}"
                if found.note:
                    note += f": {found.note}"
                version = self._apply_levels(conn, table, by, "proposal", note, None, number)
            else:
                write_audit(
                    conn,
                    by,
                    Action.LEVELS,
                    "rejected",
                    f"levels proposal {number}",
                    {"state": found.state, "proposed_by": found.proposed_by},
                )
            conn.execute(
                LevelProposal.__table__.update()
                .where(LevelProposal.id == number)
                .values(
                    status="approved" if approve else "rejected",
                    decided_by=by,
                    decided_at=datetime.now(UTC),
                    version_id=version,
                )
            )
        return version

    # -- uploads -------------------------------------------------------------------------------

    def preview(
        self,
        sources: Sequence[Source],
        *,
        state: str | None = None,
        department: str | None = None,
    ) -> ReadResult:
        """Read and validate only (nothing is written): what an upload of these would load,
        under the upload limits (`UploadLimits.from_env()`)."""
        return read_logs(
            sources,
            state=_given(state),
            department=_given(department),
            levels=self.levels(),
            limits=UploadLimits.from_env(),
        )

    def stored_files(self, events: pd.DataFrame) -> pd.DataFrame:
        """The files of `events` the store already holds: state, file_id, department (the
        file's, i.e. its first event's) and first_event_at."""
        with self.engine.connect() as conn, conn.begin():
            held = self._stored_files(conn, events)
            conn.rollback()
        return held

    def _stored_files(self, conn: Connection, events: pd.DataFrame) -> pd.DataFrame:
        kinds = {"state": "text", "file_id": "text", "department": "text", "first_event_at": "ts"}
        if events.empty:
            return _typed({c: pa.array([], _ARROW_IN[k]) for c, k in kinds.items()}, kinds)
        keys = events[["state", "file_id"]].astype("str").drop_duplicates()
        self._load_touched(conn, keys)
        on = "f.state = t.state AND f.file_id = t.file_id"
        source = (
            f"touched t CROSS JOIN file_facts f ON {on}"
            if self.dialect == "sqlite"
            else f"file_facts f JOIN touched t ON {on}"
        )
        sql = f"SELECT {self._select_list('f', kinds)} FROM {source} ORDER BY f.state, f.file_id"
        return self._query(conn, sql, [], kinds)

    def compare(self, events: pd.DataFrame) -> dict[str, int]:
        """How read events stand against the store (for "see before commit"), writing nothing.

        Keys: events_new, events_already_stored, files_touched, files_new.
        """
        if events.empty:
            return dict.fromkeys(
                ("events_new", "events_already_stored", "files_touched", "files_new"), 0
            )
        keys = events[["state", "file_id"]].drop_duplicates()
        with self.engine.connect() as conn, conn.begin():
            self._load_touched(conn, keys)
            stored = self._fetch_events(conn, join_touched=True)
            conn.rollback()
        key = list(DEDUP_KEY)
        seen = events[key].merge(stored[key].drop_duplicates(), how="inner", on=key)
        known = stored[["state", "file_id"]].drop_duplicates()
        return {
            "events_new": len(events) - len(seen),
            "events_already_stored": len(seen),
            "files_touched": len(keys),
            "files_new": len(keys) - len(known),
        }

    def ingest(
        self,
        sources: Sequence[Source],
        *,
        state: str | None = None,
        department: str | None = None,
        by: str | None = None,
        authorise: Callable[[ReadResult, pd.DataFrame], None] | None = None,
        xes_mapping: dict[str, Any] | None = None,
    ) -> IngestResult:
        """Upload extracts as one all-or-nothing transaction (see the module docstring).

        Each source is read once into bytes (under `UploadLimits.from_env()`); those bytes are
        what is checked, hashed and stored. The same bytes (with the same state/department
        given) as a stored upload → status `duplicate_file`, nothing written. An unusable file
        → the attempt is recorded as an upload with status `unusable` and its reason, no event
        is written, and the `UnusableInputError` is raised again (with `upload_id` set on it).
        `authorise(read, held)`, when given, runs under the writer lock before anything is
        written, with `held` = `stored_files` of the upload's events; whatever it raises
        rolls the upload back and propagates. `xes_mapping` names the keys of an XES log's
        columns (`analytics.outputs.xes.load_mapping`).
        """
        limits = UploadLimits.from_env()
        state, department = _given(state), _given(department)
        named = [source_bytes(s, limits) for s in sources]
        if not named:
            raise ValueError("nothing to upload: give at least one file")
        file_name = ", ".join(name for name, _ in named)
        digest = _sha256([data for _, data in named])
        base = IngestResult(status="stored", file_name=file_name, sha256=digest)

        if authorise is None:  # an authorised upload learns of a duplicate only once allowed
            with self.engine.connect() as conn:
                earlier = self._find_duplicate(conn, digest, state, department)
            if earlier is not None:
                return _duplicate(base, earlier)

        started = time.perf_counter()
        try:
            read = read_logs(
                named,
                state=state,
                department=department,
                levels=self.levels(),
                limits=limits,
                xes_mapping=xes_mapping,
            )
        except UnusableInputError as exc:
            exc.upload_id = self._record_unusable(  # type: ignore[attr-defined]
                file_name, digest, state, department, by, exc
            )
            raise

        self._timings = {"read": time.perf_counter() - started}
        self._tick(None)
        try:
            return self._commit_upload(read, base, state, department, by, authorise)
        except _DuplicateUpload as dup:
            return _duplicate(base, dup.earlier)

    def _commit_upload(
        self,
        read: ReadResult,
        base: IngestResult,
        state: str | None,
        department: str | None,
        by: str | None,
        authorise: Callable[[ReadResult, pd.DataFrame], None] | None = None,
    ) -> IngestResult:
        report, incoming = read.report, read.events
        file_name, digest = base.file_name, base.sha256
        tick = self._tick
        with self._writing() as conn:
            tick("lock")
            if authorise is not None:
                authorise(read, self._stored_files(conn, incoming))
            earlier = self._find_duplicate(conn, digest, state, department)
            if earlier is not None:
                raise _DuplicateUpload(earlier)  # rolls the (empty) transaction back
            upload_id = conn.execute(
                insert(Upload)
                .values(
                    uploaded_by=by,
                    uploaded_at=datetime.now(UTC),
                    file_name=file_name,
                    sha256=digest,
                    state_given=state,
                    department_given=department,
                    rows_read=report.rows_read,
                    rows_accepted=report.rows_accepted,
                    rows_rejected=report.rows_rejected,
                    duplicates_dropped=report.duplicates_dropped,
                    events_new=0,
                    events_already_stored=0,
                    status="storing",
                )
                .returning(Upload.id)
            ).scalar_one()
            self._insert_rejected(conn, upload_id, read.rejected_rows)

            read_order = read.read_order
            if read_order is None:
                read_order = np.arange(len(incoming), dtype=np.int64)
            events_new, files_touched = self._store_events(conn, upload_id, incoming, read_order)
            already = len(incoming) - events_new
            stored_report = _capped(report.to_dict()) | {"touched": read.touched}
            conn.execute(
                Upload.__table__.update()
                .where(Upload.id == upload_id)
                .values(
                    events_new=events_new,
                    events_already_stored=already,
                    status="stored",
                    report=stored_report,
                )
            )
            tick(None)
        tick("commit")
        return IngestResult(
            status="stored",
            file_name=file_name,
            sha256=digest,
            upload_id=upload_id,
            rows_read=report.rows_read,
            rows_accepted=report.rows_accepted,
            rows_rejected=report.rows_rejected,
            duplicates_dropped=report.duplicates_dropped,
            events_new=events_new,
            events_already_stored=already,
            files_touched=files_touched,
            report=report.to_dict(),
            timings=dict(self._timings),
        )

    def _tick(self, phase: str | None) -> None:
        """Record the seconds since the last tick under `phase` (None: just restart)."""
        now = time.perf_counter()
        if phase is not None:
            self._timings[phase] = self._timings.get(phase, 0.0) + now - self._last_tick
        self._last_tick = now

    def _find_duplicate(
        self, conn: Connection, digest: str, state: str | None, department: str | None
    ) -> int | None:
        query = select(Upload.id).where(
            Upload.sha256 == digest,
            Upload.status == "stored",
            Upload.state_given.is_(None) if state is None else Upload.state_given == state,
            Upload.department_given.is_(None)
            if department is None
            else Upload.department_given == department,
        )
        return conn.execute(query.order_by(Upload.id).limit(1)).scalar()

    def _record_unusable(
        self,
        file_name: str,
        digest: str,
        state: str | None,
        department: str | None,
        by: str | None,
        exc: UnusableInputError,
    ) -> int:
        with self._writing() as conn:
            return conn.execute(
                insert(Upload)
                .values(
                    uploaded_by=by,
                    uploaded_at=datetime.now(UTC),
                    file_name=file_name,
                    sha256=digest,
                    state_given=state,
                    department_given=department,
                    rows_read=0,
                    rows_accepted=0,
                    rows_rejected=0,
                    duplicates_dropped=0,
                    events_new=0,
                    events_already_stored=0,
                    status="unusable",
                    message=f"{exc.file}: {exc.reason}",
                    report={"file": exc.file, "reason": exc.reason},
                )
                .returning(Upload.id)
            ).scalar_one()

    def _insert_rejected(self, conn: Connection, upload_id: int, rejected: pd.DataFrame) -> None:
        if rejected.empty:
            return
        records = [
            {
                "upload_id": upload_id,
                "file": str(r.file),
                "line": int(r.line),
                "column": str(r.column),
                "reason": str(r.reason),
                "raw": dict(r.raw),
            }
            for r in rejected.itertuples(index=False)
        ]
        conn.execute(insert(RejectedRow), records)

    def _store_events(
        self, conn: Connection, upload_id: int, incoming: pd.DataFrame, read_order: np.ndarray
    ) -> tuple[int, int]:
        """Insert the new events, then recompute the touched files' derived rows.

        `read_order` is each incoming event's position in the order read; it is stored
        (`read_pos`) and the events are inserted in that order, so the store's order read is
        upload order, then each upload's read order (log-format.md). Returns (events
        inserted, files touched).
        """
        if incoming.empty:
            return 0, 0
        tick = self._tick
        tick(None)
        keys = incoming[["state", "file_id"]].drop_duplicates()
        self._load_touched(conn, keys)
        stored = self._fetch_events(conn, join_touched=True)
        incoming = incoming.assign(upload_id=upload_id, read_pos=read_order)
        incoming = incoming.iloc[np.argsort(read_order, kind="stable")].reset_index(drop=True)
        if stored.empty:
            history, new = incoming, incoming
        else:
            both = pd.concat(
                [stored.assign(_new=False), incoming.assign(_new=True)], ignore_index=True
            )
            history = both.drop_duplicates(subset=list(DEDUP_KEY), keep="first")
            new = history[history["_new"]]
            history = history.drop(columns="_new")
            new = new.drop(columns="_new")
        tick("existing")
        inserted = self._bulk_insert(
            conn, "events", new, EVENT_DB_COLUMNS, on_conflict="uq_events_key"
        )
        if inserted != len(new):  # another writer got in despite the lock: trust the table
            history = self._fetch_events(conn, join_touched=True)
        tick("insert_events")
        _hook("events")
        derived = _derive(history, self._levels(conn))
        stints, facts = derived.stints, derived.facts
        tick("derive")
        if not stored.empty:
            conn.execute(
                text(
                    "DELETE FROM stints WHERE (state, file_id) IN "
                    "(SELECT state, file_id FROM touched)"
                )
            )
            conn.execute(
                text(
                    "DELETE FROM file_facts WHERE (state, file_id) IN "
                    "(SELECT state, file_id FROM touched)"
                )
            )
        self._bulk_insert(conn, "stints", stints, STINT_DB_COLUMNS)
        _hook("derived")
        self._bulk_insert(conn, "file_facts", facts, FACT_DB_COLUMNS)
        tick("insert_derived")
        self._write_snapshots(conn, derived, before=stored)
        tick("snapshots")
        return inserted, len(keys)

    # -- snapshots -----------------------------------------------------------------------------

    def ensure_snapshots(self) -> None:
        """Build every state's snapshot from the stored events if the store has none in the
        current format (a store made before snapshots existed, or an older layout)."""
        if self._snapshot_format() == snapshots.FORMAT:
            return
        with self._writing() as conn:
            current = conn.execute(
                select(StoreState.snapshot_format).where(StoreState.id == 1)
            ).scalar_one()
            if current == snapshots.FORMAT:
                return
            conn.execute(text("DELETE FROM snapshots"))
            levels = self._levels(conn)
            states = [r[0] for r in conn.execute(text("SELECT DISTINCT state FROM events"))]
            for state in sorted(states):
                history = self._fetch_events(conn, where="e.state = {p}", params=[state])
                self._write_snapshots(conn, _derive(history, levels))
            conn.execute(
                text("UPDATE store_state SET snapshot_format = :f WHERE id = 1"),
                {"f": snapshots.FORMAT},
            )

    def _snapshot_format(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(StoreState.snapshot_format).where(StoreState.id == 1)
                ).scalar_one()
            )

    def _write_snapshots(
        self, conn: Connection, derived: _Derived, before: pd.DataFrame | None = None
    ) -> None:
        """Bring the snapshots of the states in `derived` up to date: its files replace their
        rows, `before` being their events the stored snapshots counted. Without `before` each
        state's snapshot is built from `derived` alone (it holds whole states)."""
        files, stints, events = derived.snapshot_files, derived.snapshot_stints, derived.events
        latest = derived.latest
        for n, state in enumerate(sorted(latest.index)):
            old = None if before is None else self._read_snapshot(conn, state)
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
                _hook("snapshots")

    def _read_snapshot(self, conn: Connection, state: str) -> snapshots.StateSnapshot | None:
        found = self._snapshot_rows(conn, [state])
        return found[0] if found else None

    def _snapshot_rows(
        self, conn: Connection, states: Sequence[str] | None
    ) -> list[snapshots.StateSnapshot]:
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

    def load_prepared(self, *, states: Sequence[str] | None = None) -> Prepared | None:
        """What the dashboard serves, read from the states' snapshots (None: no file stored):
        equal to `views.prepare(analyse(self.load_events(states=states), levels=...))`."""
        with self.engine.connect() as conn:
            return snapshots.assemble(self._snapshot_rows(conn, states))

    def load_report_analysis(
        self,
        *,
        states: Sequence[str] | None = None,
        calendar: WorkCalendar | None = None,
        working_days: bool = False,
    ) -> Analysis | None:
        """What `report --db` tabulates, read from the states' snapshots (None: no file
        stored): equal, for the report tables, to `analyse` of their events with the store's
        level table and each state's T (`snapshots.report_analysis`)."""
        with self.engine.connect() as conn:
            rows = self._snapshot_rows(conn, states)
        return snapshots.report_analysis(rows, calendar or WorkCalendar(), working_days)

    def load_file_events(self, state: str, file_id: str) -> pd.DataFrame:
        """One file's stored events in log order (as `load_events` gives them)."""
        with self.engine.connect() as conn:
            events = self._fetch_events(
                conn, where="e.state = {p} AND e.file_id = {p}", params=[state, file_id]
            )
        events = events[[*EVENT_COLUMNS, "source", "line", "upload_id"]]
        return order_events(events)

    # -- reading back --------------------------------------------------------------------------

    def load_events(
        self, *, states: Sequence[str] | None = None, departments: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Stored events in log order (`order_events`): canonical columns + source, line,
        upload_id, file_key, seq. `departments` selects files by the file's department."""
        where, params = self._filters("e", states, departments)
        with self.engine.connect() as conn:
            events = self._fetch_events(conn, where=where, params=params)
        events = events[[*EVENT_COLUMNS, "source", "line", "upload_id"]]
        return order_events(events)  # rows come in the order read: the tie-break

    def latest_by_state(self, states: Sequence[str] | None = None) -> pd.Series:
        """Each state's latest event time over ALL its stored events (metrics.md's default T),
        whatever part of the state a reader may see; indexed by state, in IST."""
        where, params = self._filters("e", states, None)
        latest = 'MAX(e."timestamp")'
        if self.dialect == "postgresql":
            latest = f"to_char({latest} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        sql = f"SELECT e.state, {latest} FROM events e"
        if where:
            sql += " WHERE " + where.format(p=self._p())
        sql += " GROUP BY e.state ORDER BY e.state"
        with self.engine.connect() as conn:
            frame = self._query(conn, sql, params, {"state": "text", "timestamp": "ts"})
        return frame.set_index("state")["timestamp"]

    def load_stints(
        self, *, states: Sequence[str] | None = None, departments: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Derived stints (as `build_stints` gives them), by state, file_id and seq."""
        return self._load_table(
            "stints", STINT_DB_COLUMNS, ("state", "file_id", "seq"), states, departments
        )

    def load_file_facts(
        self, *, states: Sequence[str] | None = None, departments: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Derived per-file facts, as each file stands at the end of its stored log."""
        return self._load_table(
            "file_facts", FACT_DB_COLUMNS, ("state", "file_id"), states, departments
        )

    def uploads(self) -> pd.DataFrame:
        """Upload history, oldest first; `uploaded_at` in IST; `touched`: the (state,
        department) pairs its rows named (empty for an upload that stored nothing)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(Upload).order_by(Upload.id)).mappings().all()
        columns = [c.name for c in Upload.__table__.columns]
        frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
        frame["touched"] = [
            [tuple(pair) for pair in (r.get("touched") or [])] if isinstance(r, dict) else []
            for r in frame["report"]
        ]
        if frame.empty:
            frame["uploaded_at"] = pd.Series(dtype=pd.DatetimeTZDtype("us", IST))
        else:
            frame["uploaded_at"] = pd.to_datetime(frame["uploaded_at"], utc=True).dt.tz_convert(IST)
        return frame

    def rejected_rows(self, upload_id: int) -> pd.DataFrame:
        """The rows an upload rejected: file, line, column, reason, raw (original cells)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    RejectedRow.file,
                    RejectedRow.line,
                    RejectedRow.column,
                    RejectedRow.reason,
                    RejectedRow.raw,
                )
                .where(RejectedRow.upload_id == upload_id)
                .order_by(RejectedRow.id)
            ).all()
        frame = pd.DataFrame(rows, columns=["file", "line", "column", "reason", "raw"])
        frame["line"] = frame["line"].astype("int64")
        return frame

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (for checks and the CLI)."""
        with self.engine.connect() as conn:
            return {
                t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())
                for t in ("uploads", "rejected_rows", "events", "stints", "file_facts")
            }

    # -- SQL plumbing --------------------------------------------------------------------------

    def _p(self) -> str:
        return "?" if self.dialect == "sqlite" else "%s"

    def _filters(
        self, alias: str, states: Sequence[str] | None, departments: Sequence[str] | None
    ) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if states is not None:
            clauses.append(f"{alias}.state IN ({', '.join(['{p}'] * len(states)) or 'NULL'})")
            params += list(states)
        if departments is not None:
            marks = ", ".join(["{p}"] * len(departments)) or "NULL"
            clauses.append(
                f"EXISTS (SELECT 1 FROM file_facts ff WHERE ff.state = {alias}.state AND "
                f"ff.file_id = {alias}.file_id AND ff.department IN ({marks}))"
            )
            params += list(departments)
        return " AND ".join(clauses), params

    def _select_list(self, alias: str, kinds: dict[str, str]) -> str:
        parts = []
        for c, kind in kinds.items():
            col = f'{alias}."{c}"'
            if kind == "ts" and self.dialect == "postgresql":
                col = f"to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
            elif kind == "bool" and self.dialect == "postgresql":
                col = f"CASE WHEN {col} THEN 1 ELSE 0 END"
            parts.append(col)
        return ", ".join(parts)

    def _fetch_events(
        self,
        conn: Connection,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        join_touched: bool = False,
    ) -> pd.DataFrame:
        """Events in the order read (upload, then `read_pos`), canonical dtypes, plus `id`."""
        kinds = {"id": "int", **EVENT_DB_COLUMNS}
        on = "e.state = t.state AND e.file_id = t.file_id"
        if not join_touched:
            source = "events e"
        elif self.dialect == "sqlite":  # CROSS JOIN: touched drives, events' key index probed
            source = f"touched t CROSS JOIN events e ON {on}"
        else:
            source = f"events e JOIN touched t ON {on}"
        sql = f"SELECT {self._select_list('e', kinds)} FROM {source}"
        if where:
            sql += " WHERE " + where.format(p=self._p())
        sql += " ORDER BY e.id"  # ids follow the read order (events are inserted in it) ...
        return _in_read_order(self._query(conn, sql, list(params), kinds))

    def _load_table(
        self,
        table: str,
        kinds: dict[str, str],
        order: tuple[str, ...],
        states: Sequence[str] | None,
        departments: Sequence[str] | None,
    ) -> pd.DataFrame:
        where, params = self._filters("x", states, departments)
        sql = f"SELECT {self._select_list('x', kinds)} FROM {table} x"
        if where:
            sql += " WHERE " + where.format(p=self._p())
        sql += " ORDER BY " + ", ".join(f'x."{c}"' for c in order)
        with self.engine.connect() as conn:
            return self._query(conn, sql, params, kinds)

    def _query(
        self, conn: Connection, sql: str, params: list[Any], kinds: dict[str, str]
    ) -> pd.DataFrame:
        names = list(kinds)
        raw = conn.connection.driver_connection
        if self.dialect == "sqlite":
            cursor = raw.cursor()
            cursor.execute(sql, params)
            parts = []
            while rows := cursor.fetchmany(FETCH_CHUNK):  # typed chunk by chunk: bounded memory
                columns = list(zip(*rows, strict=True))
                arrays = {
                    c: pa.array(col, _ARROW_IN[kinds[c]])
                    for c, col in zip(names, columns, strict=True)
                }
                parts.append(_typed(arrays, kinds))
            cursor.close()
            if not parts:
                return _typed({c: pa.array([], _ARROW_IN[k]) for c, k in kinds.items()}, kinds)
            return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        buffer = io.BytesIO()
        with raw.cursor() as cursor:
            copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"
            with cursor.copy(copy_sql, params or None) as copy:
                for chunk in copy:
                    buffer.write(chunk)
        return _typed(_csv_arrays(buffer.getvalue(), names), kinds)

    def _load_touched(self, conn: Connection, keys: pd.DataFrame) -> None:
        raw = conn.connection.driver_connection
        if self.dialect == "sqlite":
            cursor = raw.cursor()
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS touched "
                "(state TEXT NOT NULL, file_id TEXT NOT NULL, PRIMARY KEY (state, file_id))"
            )
            cursor.execute("DELETE FROM touched")
            cursor.executemany(
                "INSERT INTO touched (state, file_id) VALUES (?, ?)",
                zip(keys["state"].tolist(), keys["file_id"].tolist(), strict=True),
            )
            cursor.close()
        else:
            with raw.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS touched")
                cursor.execute(
                    'CREATE TEMP TABLE touched (state text COLLATE "C" NOT NULL, '
                    'file_id text COLLATE "C" NOT NULL, '
                    "PRIMARY KEY (state, file_id)) ON COMMIT DROP"
                )
                with cursor.copy("COPY touched (state, file_id) FROM STDIN (FORMAT csv)") as cp:
                    cp.write(_csv_bytes(keys, {"state": "text", "file_id": "text"}))
                cursor.execute("ANALYZE touched")
                # Fetching and deleting the touched files' rows: index probes per touched file
                # beat hashing millions of stored rows (10-20x on a 5M-event store).
                cursor.execute("SET LOCAL enable_hashjoin = off")
                cursor.execute("SET LOCAL enable_mergejoin = off")

    def _bulk_insert(
        self,
        conn: Connection,
        table: str,
        frame: pd.DataFrame,
        kinds: dict[str, str],
        on_conflict: str | None = None,
    ) -> int:
        """Insert rows fast (executemany / COPY); with `on_conflict`, skip rows already there.

        Returns the number of rows inserted.
        """
        if frame.empty:
            return 0
        names = list(kinds)
        cols = ", ".join(f'"{c}"' for c in names)
        raw = conn.connection.driver_connection
        if self.dialect == "sqlite":
            return _sqlite_insert(raw, table, frame[names], kinds, on_conflict is not None)
        data = _csv_bytes(frame[names], kinds)
        with raw.cursor() as cursor:
            if on_conflict is None:
                with cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                    copy.write(data)
                return len(frame)
            staging = f"staging_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {staging}")
            cursor.execute(
                f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS "
                f"SELECT {cols} FROM {table} WITH NO DATA"
            )
            with cursor.copy(f"COPY {staging} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(data)
            cursor.execute(
                # A fresh temporary heap is scanned in COPY order, so ids follow the read
                # order without sorting millions of rows.
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging} "
                f"ON CONFLICT ON CONSTRAINT {on_conflict} DO NOTHING"
            )
            count = cursor.rowcount
            cursor.execute(f"DROP TABLE {staging}")
            return int(count)


def _sqlite_insert(
    raw: Any, table: str, frame: pd.DataFrame, kinds: dict[str, str], skip_conflicts: bool
) -> int:
    """executemany in chunks, SQLITE_ROWS_PER_STATEMENT rows per INSERT (fewer statement
    steps per row); rows keep their order, so rowids follow it. Returns rows inserted."""
    names = list(kinds)
    width = len(names)
    cols = ", ".join(f'"{c}"' for c in names)
    one = "(" + ", ".join("?" * width) + ")"
    tail = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    per = SQLITE_ROWS_PER_STATEMENT
    many_sql = f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * per)}{tail}"
    one_sql = f"INSERT INTO {table} ({cols}) VALUES {one}{tail}"
    cursor = raw.cursor()
    count = 0
    for start in range(0, len(frame), SQLITE_CHUNK):
        part = frame.iloc[start : start + SQLITE_CHUNK]
        values = [_db_values(part[c], kinds[c], "sqlite") for c in names]
        n = len(part)
        full = n // per * per
        if full:
            flat: list[Any] = [None] * (full * width)
            for i, col in enumerate(values):
                flat[i::width] = col[:full]
            step = per * width
            cursor.executemany(many_sql, (flat[k : k + step] for k in range(0, len(flat), step)))
            count += cursor.rowcount
        if full < n:
            cursor.executemany(one_sql, zip(*(col[full:] for col in values), strict=True))
            count += cursor.rowcount
    cursor.close()
    return count


def _in_read_order(events: pd.DataFrame) -> pd.DataFrame:
    """... but the key is (upload_id, read_pos): sort by it unless the rows already are."""
    upload, pos = events["upload_id"].to_numpy(), events["read_pos"].to_numpy()
    if len(upload) < 2:
        return events
    ahead = (upload[1:] > upload[:-1]) | ((upload[1:] == upload[:-1]) & (pos[1:] > pos[:-1]))
    if ahead.all():
        return events
    return events.iloc[np.lexsort((pos, upload))].reset_index(drop=True)


def write_audit(
    conn: Connection,
    actor: str,
    action: str,
    outcome: str,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """One `audit_log` row in the caller's transaction (so it commits with the change)."""
    conn.execute(
        insert(AuditEntry).values(
            at=at or datetime.now(UTC),
            actor=actor,
            action=action,
            outcome=outcome,
            target=target,
            details=details,
        )
    )


# --- level table ----------------------------------------------------------------------------


def _unmapped(groups: pd.DataFrame, table: LevelTable) -> pd.DataFrame:
    """`Store.unmapped_designations` from (state, from, to, n) event groups."""
    columns = ["designation", "events", "states", "events_by_state"]
    sides = []
    for side in ("from", "to"):
        part = pd.DataFrame(
            {
                "group": np.arange(len(groups)),
                "state": groups["state"].astype("string"),
                "designation": groups[side]
                .astype("string")
                .str.strip()
                .str.replace(r"\s+", " ", regex=True),
                "n": groups["n"].to_numpy(),
            }
        )
        sides.append(part[part["designation"].notna() & part["designation"].ne("")])
    named = pd.concat(sides, ignore_index=True)
    if named.empty:
        return pd.DataFrame(columns=columns)
    named["level"] = table.lookup(named["state"], named["designation"])
    named = named[named["level"].isna().to_numpy()]
    named["key"] = normalise_designation(named["designation"])
    named = named.drop_duplicates(["group", "key"])  # an event naming it twice counts once
    if named.empty:
        return pd.DataFrame(columns=columns)
    spelling = (
        named.groupby(["key", "designation"], sort=True)["n"]
        .sum()
        .reset_index()
        .sort_values(["key", "n"], ascending=[True, False], kind="stable")
        .drop_duplicates("key")
        .set_index("key")["designation"]
    )
    per_state = named.groupby(["key", "state"], sort=True)["n"].sum()
    rows = []
    for key, counts in per_state.groupby(level=0, sort=True):
        by_state = {str(s): int(n) for (_, s), n in counts.items()}
        rows.append(
            {
                "designation": str(spelling[key]),
                "events": int(sum(by_state.values())),
                "states": sorted(by_state),
                "events_by_state": by_state,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["events", "designation"], ascending=[False, True]).reset_index(
        drop=True
    )


# --- derived tables -------------------------------------------------------------------------


@dataclass
class _Derived:
    """Derived rows of whole files' histories: the `stints` / `file_facts` tables' rows, the
    snapshot rows (`snapshots.file_rows`) and each state's latest event among them."""

    stints: pd.DataFrame
    facts: pd.DataFrame
    snapshot_files: pd.DataFrame
    snapshot_stints: pd.DataFrame
    latest: pd.Series
    events: pd.DataFrame
    """The files' events: state, file_id, action, timestamp."""


def derive(history: pd.DataFrame, levels: LevelTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stints and per-file facts of whole files' histories (rows in read order)."""
    derived = _derive(history, levels)
    return derived.stints, derived.facts


def _derive(history: pd.DataFrame, levels: LevelTable) -> _Derived:
    if history.empty:
        return _Derived(
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
    return _Derived(
        stints[list(STINT_DB_COLUMNS)],
        facts[list(FACT_DB_COLUMNS)],
        snap_files,
        snap_stints,
        latest,
        mapped[["state", "file_id", "action", "timestamp"]],
    )


# --- values in and out ----------------------------------------------------------------------


def _ts_text(values: pd.Series) -> np.ndarray:
    """UTC moments as `YYYY-MM-DD HH:MM:SS.ffffff` (object array, None for NaT)."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        values = pd.to_datetime(values, utc=True)
    utc = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    missing = np.isnat(utc)
    text_ = np.datetime_as_string(utc, unit="us").astype("U26")
    codes = text_.view(np.uint32).reshape(len(text_), 26)
    codes[:, 10] = ord(" ")
    out = text_.astype(object)
    out[missing] = None
    return out


def _db_values(values: pd.Series, kind: str, dialect: str) -> list[Any]:
    """A column as Python values for the DBAPI (None for missing)."""
    if kind == "ts":
        return _ts_text(values).tolist()
    if kind == "int":
        return pd.array(values, dtype="Int64").to_numpy(dtype=object, na_value=None).tolist()
    if kind == "float":
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        return [None if np.isnan(v) else v for v in arr.tolist()]
    if kind == "bool":
        return values.astype(bool).tolist()
    return values.to_numpy(dtype=object, na_value=None).tolist()


def _csv_bytes(frame: pd.DataFrame, kinds: dict[str, str]) -> bytes:
    """Rows as PostgreSQL COPY csv: NULL unquoted-empty, every value quoted."""
    arrays = {}
    for c, kind in kinds.items():
        col = frame[c]
        if kind == "ts":
            txt = _ts_text(col)
            arrays[c] = pa.array([None if v is None else v + "+00" for v in txt], pa.string())
        elif kind == "int":
            arrays[c] = pa.array(pd.array(col, dtype="Int64"), pa.int64())
        elif kind == "float":
            arrays[c] = pa.array(col.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True)
        elif kind == "bool":
            arrays[c] = pa.array(col.astype(bool).to_numpy(), pa.bool_())
        else:
            arrays[c] = pa.array(col.astype(object).where(col.notna(), None), pa.string())
    table = pa.table(arrays)
    sink = io.BytesIO()
    pacsv.write_csv(
        table,
        sink,
        write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
    )
    return sink.getvalue()


def _csv_arrays(data: bytes, names: list[str]) -> dict[str, pa.ChunkedArray]:
    """COPY csv output as string columns (unquoted empty = NULL, quoted "" = '')."""
    if not data:
        return {c: pa.chunked_array([], pa.string()) for c in names}
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return {c: table.column(c) for c in names}


_ARROW_IN = {
    "text": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.int64(),
    "ts": pa.string(),
}
"""Arrow types the SQLite values are gathered into (booleans come back as 0/1)."""


def _typed(columns: dict[str, Any], kinds: dict[str, str]) -> pd.DataFrame:
    """Query columns (Arrow arrays: SQLite values or COPY text) in the canonical dtypes."""
    out = {}
    for c, kind in kinds.items():
        arr = columns[c]
        if kind == "ts":
            stamps = pc.cast(arr, pa.timestamp("us"))  # `YYYY-MM-DD HH:MM:SS.ffffff`, UTC
            series = pd.Series(stamps.to_numpy(zero_copy_only=False), dtype="datetime64[us]")
            out[c] = series.dt.tz_localize("UTC").dt.tz_convert(IST)
        elif kind in ("int", "bool"):
            arr = pc.cast(arr, pa.int64())
            if kind == "bool":
                out[c] = pd.Series(arr.to_numpy(zero_copy_only=False) != 0)
            elif c == "level" or arr.null_count:
                values = arr.to_numpy(zero_copy_only=False)
                out[c] = pd.Series(
                    pd.array(values, dtype="Int64") if len(arr) else [], dtype="Int64"
                )
            else:
                out[c] = pd.Series(arr.to_numpy(zero_copy_only=False), dtype="int64")
        elif kind == "float":
            values = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
            out[c] = pd.Series(values, dtype="float64")
        else:
            out[c] = pd.Series(arr, dtype="str")
    return pd.DataFrame(out)


# --- helpers --------------------------------------------------------------------------------


def _given(value: str | None) -> str | None:
    """A state or department given for an upload, stripped; blank is none."""
    return (value or "").strip() or None


def _sha256(contents: list[bytes]) -> str:
    if len(contents) == 1:
        return hashlib.sha256(contents[0]).hexdigest()
    parts = "\n".join(hashlib.sha256(c).hexdigest() for c in contents)
    return hashlib.sha256(parts.encode()).hexdigest()


def _duplicate(base: IngestResult, earlier: int) -> IngestResult:
    base.status = "duplicate_file"
    base.duplicate_of = earlier
    base.message = f"the same bytes were stored as upload {earlier}"
    return base


def _capped(report: dict[str, Any]) -> dict[str, Any]:
    out = dict(report)
    for key in ("rejected", "warnings"):
        entries = out.get(key) or []
        out[f"{key}_total"] = len(entries)
        out[key] = entries[:REPORT_LIST_CAP]
    return json.loads(json.dumps(out, default=str))


def _hook(stage: str) -> None:
    """The documented test hook (see the module docstring)."""
    spec = os.environ.get(HOOK_ENV, "")
    if not spec:
        return
    where, _, what = spec.partition(":")
    if where != stage:
        return
    if what == "fail":
        raise InjectedFailure(f"injected failure at stage {stage!r} ({HOOK_ENV})")
    if what == "pause":
        print(f"EOFFICE_STORE_HOOK {stage}", flush=True)
        sys.stdout.flush()
        time.sleep(3600)
