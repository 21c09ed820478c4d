"""Uploads into the store: read and validate (`analytics.log.reading.read_logs`), then ONE
transaction writes the upload record, its rejected rows, the new events (an event already
stored, from any upload, is not stored again), the derived `stints` / `file_facts` rows of
the files it touched, recomputed from those files' whole stored history, and the snapshots
of the states it touched (`analytics/store/derived.py`). Either all of that commits or none
of it does. The same bytes uploaded again are a duplicate (nothing written); an unusable
file is recorded with its reason. Also: previews, comparison with the store, upload history
and rejected rows (`Store.uploads`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from analytics.fmt import indian
from analytics.i18n import N_, gettext
from analytics.log.formats import Source, UnusableInputError, UploadLimits
from analytics.log.reading import ReadResult, read_logs, source_bytes
from analytics.schema import DEDUP_KEY, IST
from analytics.store import sql
from analytics.store.bulk import bulk_insert
from analytics.store.derived import delete_touched, derive, write_derived, write_snapshots
from analytics.store.engine import writing
from analytics.store.hooks import hook
from analytics.store.levels import Levels
from analytics.store.models import RejectedRow, Upload
from analytics.store.values import EVENT_DB_COLUMNS, typed_empty

REPORT_LIST_CAP = 1000
"""`rejected` / `warnings` entries kept in an upload's stored report (all rejected rows are
kept in `rejected_rows`)."""


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

    def describe(self, lang: str = "en") -> str:
        """One line for people, in `lang` (its template in `DESCRIPTIONS`)."""
        template = DESCRIPTIONS["stored" if self.status not in DESCRIPTIONS else self.status]
        counts = ("rows_read", "rows_accepted", "rows_rejected", "duplicates_dropped",
                  "events_new", "events_already_stored", "files_touched")  # fmt: skip
        return gettext(template, lang).format(
            duplicate_of=self.duplicate_of,
            sha256=self.sha256[:12],
            message=self.message,
            upload_id=self.upload_id,
            **{name: indian(getattr(self, name)) for name in counts},
        )


DESCRIPTIONS = {
    "duplicate_file": N_(
        "already uploaded as upload {duplicate_of} (same bytes, SHA-256 {sha256}…); nothing changed"
    ),
    "unusable": N_("unusable, nothing stored: {message}"),
    "stored": N_(
        "stored as upload {upload_id}: read {rows_read} rows, {rows_accepted} accepted, "
        "{rows_rejected} rejected, {duplicates_dropped} duplicates dropped; {events_new} new "
        "events, {events_already_stored} already stored; {files_touched} files updated"
    ),
}
"""An upload's outcome in words, per status (message ids of the language catalogues)."""
STATUSES = {
    "stored": N_("stored"),
    "storing": N_("storing"),
    "unusable": N_("unusable"),
    "duplicate_file": N_("already uploaded"),
}
"""The upload history's statuses in words (message ids of the language catalogues)."""


class _DuplicateUpload(Exception):
    def __init__(self, earlier: int) -> None:
        super().__init__(earlier)
        self.earlier = earlier


class _Clock:
    """One upload's phase timings (`IngestResult.timings`): each `tick` adds the seconds since
    the last one to its phase (None: just restart). Made per call, never shared."""

    def __init__(self, read_seconds: float) -> None:
        self.timings: dict[str, float] = {"read": read_seconds}
        self._last = time.perf_counter()

    def tick(self, phase: str | None) -> None:
        """Record the seconds since the last tick under `phase` (None: just restart)."""
        now = time.perf_counter()
        if phase is not None:
            self.timings[phase] = self.timings.get(phase, 0.0) + now - self._last
        self._last = now


class Uploads:
    """Uploads into one store's database and their records (`store.uploads`)."""

    def __init__(self, engine: Engine, levels: Levels) -> None:
        self.engine = engine
        self.levels = levels

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
            levels=self.levels.current(),
            limits=UploadLimits.from_env(),
        )

    def stored_files(self, events: pd.DataFrame) -> pd.DataFrame:
        """The files of `events` the store already holds: state, file_id, department (the
        file's, i.e. its first event's) and first_event_at."""
        with self.engine.connect() as conn, conn.begin():
            held = _stored_files(conn, events)
            conn.rollback()
        return held

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
            sql.load_touched(conn, keys)
            stored = sql.fetch_events(conn, join_touched=True)
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
        columns (`analytics.log.xes.load_mapping`).
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
                earlier = _find_duplicate(conn, digest, state, department)
            if earlier is not None:
                return _duplicate(base, earlier)

        started = time.perf_counter()
        try:
            read = read_logs(
                named,
                state=state,
                department=department,
                levels=self.levels.current(),
                limits=limits,
                xes_mapping=xes_mapping,
            )
        except UnusableInputError as exc:
            exc.upload_id = self._record_unusable(  # type: ignore[attr-defined]
                base, state, department, by, exc
            )
            raise

        clock = _Clock(time.perf_counter() - started)
        try:
            return self._commit(read, base, state, department, by, authorise, clock)
        except _DuplicateUpload as dup:
            return _duplicate(base, dup.earlier)

    def history(self) -> pd.DataFrame:
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

    # -- the upload transaction ----------------------------------------------------------------

    def _commit(
        self,
        read: ReadResult,
        base: IngestResult,
        state: str | None,
        department: str | None,
        by: str | None,
        authorise: Callable[[ReadResult, pd.DataFrame], None] | None,
        clock: _Clock,
    ) -> IngestResult:
        """The upload's one transaction, under the writer lock; the stored upload's result."""
        incoming = read.events
        with writing(self.engine) as conn:
            clock.tick("lock")
            if authorise is not None:
                authorise(read, _stored_files(conn, incoming))
            earlier = _find_duplicate(conn, base.sha256, state, department)
            if earlier is not None:
                raise _DuplicateUpload(earlier)  # rolls the (empty) transaction back
            upload_id = _insert_upload(conn, read, base, state, department, by)
            read_order = read.read_order
            if read_order is None:
                read_order = np.arange(len(incoming), dtype=np.int64)
            events_new, files_touched = _store_events(conn, upload_id, incoming, read_order, clock)
            _finish_upload(conn, upload_id, read, events_new)
            clock.tick(None)
        clock.tick("commit")
        report = read.report
        return IngestResult(
            status="stored",
            file_name=base.file_name,
            sha256=base.sha256,
            upload_id=upload_id,
            rows_read=report.rows_read,
            rows_accepted=report.rows_accepted,
            rows_rejected=report.rows_rejected,
            duplicates_dropped=report.duplicates_dropped,
            events_new=events_new,
            events_already_stored=len(incoming) - events_new,
            files_touched=files_touched,
            report=report.to_dict(),
            timings=dict(clock.timings),
        )

    def _record_unusable(
        self,
        base: IngestResult,
        state: str | None,
        department: str | None,
        by: str | None,
        exc: UnusableInputError,
    ) -> int:
        """The upload record of an unusable file (its reason; nothing else written)."""
        with writing(self.engine) as conn:
            return conn.execute(
                insert(Upload)
                .values(
                    uploaded_by=by,
                    uploaded_at=datetime.now(UTC),
                    file_name=base.file_name,
                    sha256=base.sha256,
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


# --- inside the upload transaction ----------------------------------------------------------


def _insert_upload(
    conn: Connection,
    read: ReadResult,
    base: IngestResult,
    state: str | None,
    department: str | None,
    by: str | None,
) -> int:
    """The upload record (status `storing`) and its rejected rows; returns its id."""
    report = read.report
    upload_id = conn.execute(
        insert(Upload)
        .values(
            uploaded_by=by,
            uploaded_at=datetime.now(UTC),
            file_name=base.file_name,
            sha256=base.sha256,
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
    _insert_rejected(conn, upload_id, read.rejected_rows)
    return upload_id


def _finish_upload(conn: Connection, upload_id: int, read: ReadResult, events_new: int) -> None:
    """The upload record's counts, status `stored` and its (capped) report."""
    stored_report = _capped(read.report.to_dict()) | {"touched": read.touched}
    conn.execute(
        Upload.__table__.update()
        .where(Upload.id == upload_id)
        .values(
            events_new=events_new,
            events_already_stored=len(read.events) - events_new,
            status="stored",
            report=stored_report,
        )
    )


def _insert_rejected(conn: Connection, upload_id: int, rejected: pd.DataFrame) -> None:
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
    conn: Connection,
    upload_id: int,
    incoming: pd.DataFrame,
    read_order: np.ndarray,
    clock: _Clock,
) -> tuple[int, int]:
    """Insert the new events, then recompute the touched files' derived rows.

    `read_order` is each incoming event's position in the order read; it is stored
    (`read_pos`) and the events are inserted in that order, so the store's order read is
    upload order, then each upload's read order (log-format.md). Returns (events
    inserted, files touched).
    """
    if incoming.empty:
        return 0, 0
    clock.tick(None)
    keys = incoming[["state", "file_id"]].drop_duplicates()
    sql.load_touched(conn, keys)
    stored = sql.fetch_events(conn, join_touched=True)
    incoming = incoming.assign(upload_id=upload_id, read_pos=read_order)
    incoming = incoming.iloc[np.argsort(read_order, kind="stable")].reset_index(drop=True)
    history, new = _with_stored(stored, incoming)
    clock.tick("existing")
    inserted = bulk_insert(conn, "events", new, EVENT_DB_COLUMNS, on_conflict="uq_events_key")
    if inserted != len(new):  # another writer got in despite the lock: trust the table
        history = sql.fetch_events(conn, join_touched=True)
    clock.tick("insert_events")
    hook("events")
    derived = derive(history, sql.level_table(conn))
    clock.tick("derive")
    if not stored.empty:
        delete_touched(conn)
    write_derived(conn, derived)
    clock.tick("insert_derived")
    write_snapshots(conn, derived, before=stored)
    clock.tick("snapshots")
    return inserted, len(keys)


def _with_stored(stored: pd.DataFrame, incoming: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the touched files' whole history, the incoming events not stored yet): an event
    already stored keeps its stored row."""
    if stored.empty:
        return incoming, incoming
    both = pd.concat([stored.assign(_new=False), incoming.assign(_new=True)], ignore_index=True)
    history = both.drop_duplicates(subset=list(DEDUP_KEY), keep="first")
    new = history[history["_new"]]
    return history.drop(columns="_new"), new.drop(columns="_new")


def _stored_files(conn: Connection, events: pd.DataFrame) -> pd.DataFrame:
    kinds = {"state": "text", "file_id": "text", "department": "text", "first_event_at": "ts"}
    if events.empty:
        return typed_empty(kinds)
    keys = events[["state", "file_id"]].astype("str").drop_duplicates()
    sql.load_touched(conn, keys)
    on = "f.state = t.state AND f.file_id = t.file_id"
    source = (
        f"touched t CROSS JOIN file_facts f ON {on}"
        if conn.dialect.name == "sqlite"
        else f"file_facts f JOIN touched t ON {on}"
    )
    select_list = sql.select_list(conn.dialect.name, "f", kinds)
    query = f"SELECT {select_list} FROM {source} ORDER BY f.state, f.file_id"
    return sql.query(conn, query, [], kinds)


def _find_duplicate(
    conn: Connection, digest: str, state: str | None, department: str | None
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
