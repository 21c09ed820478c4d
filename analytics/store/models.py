"""The store's tables as SQLAlchemy 2 typed declarative models.

The Alembic migrations in `analytics/store/migrations/versions/` create exactly these tables (a test
compares them). Every moment is stored in UTC with its zone (`timestamptz` on PostgreSQL; on
SQLite, which has no zone type, as UTC text `YYYY-MM-DD HH:MM:SS.ffffff`); the store hands
them back to pandas as tz-aware IST. `from_user` / `to_user` are never NULL ('' when blank) so
the events' unique key works the same on both engines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ID = BigInteger().with_variant(Integer(), "sqlite")
"""Surrogate keys: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite."""
JSONDoc = JSON().with_variant(JSONB(), "postgresql")
Key = String().with_variant(String(collation="C"), "postgresql")
"""Text in unique keys: byte order on PostgreSQL (fast to compare, sorts as SQLite and pandas
do); SQLite compares bytes already."""


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC: aware datetimes in, aware UTC datetimes out, on both engines."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; SQLite gets the naive UTC value (it cannot keep a zone)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; give a tz-aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class StoreState(Base):
    """One row: the store's identity and a counter bumped by every write (see Store.version)."""

    __tablename__ = "store_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(36))
    data_version: Mapped[int] = mapped_column(BigInteger, default=0)
    snapshot_format: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """`analytics.store.snapshots.FORMAT` of the stored snapshots (0: none built yet)."""
    levels_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The level-table version in force (`level_versions.id`; 0: the built-in default)."""


class Upload(Base):
    """One upload: who, when, which file(s), what reading found and what was stored."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    uploaded_by: Mapped[str | None] = mapped_column(String)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    file_name: Mapped[str] = mapped_column(String)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    state_given: Mapped[str | None] = mapped_column(String)
    department_given: Mapped[str | None] = mapped_column(String)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicates_dropped: Mapped[int] = mapped_column(BigInteger, default=0)
    events_new: Mapped[int] = mapped_column(BigInteger, default=0)
    events_already_stored: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)


class RejectedRow(Base):
    """A row that reading rejected: where, why, and its original cell values."""

    __tablename__ = "rejected_rows"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(String)
    line: Mapped[int] = mapped_column(BigInteger)
    column: Mapped[str] = mapped_column(String)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class Event(Base):
    """One accepted event, stored once whichever upload brought it first."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint(
            "state", "file_id", "action", "from_user", "to_user", "timestamp", name="uq_events_key"
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"))
    state: Mapped[str] = mapped_column(Key)
    department: Mapped[str] = mapped_column(String)
    file_id: Mapped[str] = mapped_column(Key)
    file_number: Mapped[str | None] = mapped_column(String)
    subject: Mapped[str | None] = mapped_column(Text)
    file_type: Mapped[str | None] = mapped_column(String)
    action: Mapped[str] = mapped_column(Key)
    from_user: Mapped[str] = mapped_column(Key)
    to_user: Mapped[str] = mapped_column(Key)
    from_designation: Mapped[str | None] = mapped_column(String)
    to_designation: Mapped[str | None] = mapped_column(String)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remarks: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String)
    line: Mapped[int | None] = mapped_column(BigInteger)
    read_pos: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    """Position in its upload's read order (sources in the order given, each top to bottom):
    with `upload_id`, the order read that breaks ties between same-time events."""


class Level(Base):
    """The hierarchy mapping in force (no rows = the default table of log-format.md)."""

    __tablename__ = "levels"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    state: Mapped[str | None] = mapped_column(String)
    designation: Mapped[str] = mapped_column(String)
    level: Mapped[int] = mapped_column(Integer)
    level_name: Mapped[str | None] = mapped_column(String)


class LevelVersion(Base):
    """One version of the designation → level table: who made it, when, why, its rows.

    Versions are never changed or removed; restoring an earlier one makes a new version with
    the same rows (`restored_from`). `store_state.levels_version` names the one in force."""

    __tablename__ = "level_versions"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String(20))
    """import, edit, restore, proposal (an approved proposal) or initial (kept by 0006)."""
    note: Mapped[str | None] = mapped_column(Text)
    restored_from: Mapped[int | None] = mapped_column(Integer)
    proposal_id: Mapped[int | None] = mapped_column(Integer)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    """state (None: every state), designation, level, level_name."""
    changes: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    """What changed against the version before: added, removed, changed rows."""


class LevelProposal(Base):
    """Rows a nodal officer proposes for the level table of their own state, until an admin
    approves (a new version) or rejects them."""

    __tablename__ = "level_proposals"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String)
    proposed_by: Mapped[str] = mapped_column(String)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    status: Mapped[str] = mapped_column(String(20))
    """pending, approved or rejected."""
    decided_by: Mapped[str | None] = mapped_column(String)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version_id: Mapped[int | None] = mapped_column(Integer)
    """The version an approval made."""


class Stint(Base):
    """Derived: one row per stint of `analytics.figures.metrics.build_stints` over a file's whole log."""

    __tablename__ = "stints"
    __table_args__ = ({"sqlite_with_rowid": False},)  # the key is the table: one B-tree

    state: Mapped[str] = mapped_column(Key, primary_key=True)
    file_id: Mapped[str] = mapped_column(Key, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String)
    holder: Mapped[str] = mapped_column(String)
    designation: Mapped[str | None] = mapped_column(String)
    level: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_action: Mapped[str | None] = mapped_column(String(10))
    broken: Mapped[bool] = mapped_column(Boolean)


class FileFact(Base):
    """Derived: one row per file, as it stands at the end of its stored log."""

    __tablename__ = "file_facts"
    __table_args__ = (
        Index("ix_file_facts_state_department", "state", "department"),
        {"sqlite_with_rowid": False},
    )

    state: Mapped[str] = mapped_column(Key, primary_key=True)
    file_id: Mapped[str] = mapped_column(Key, primary_key=True)
    department: Mapped[str] = mapped_column(String)
    file_number: Mapped[str | None] = mapped_column(String)
    subject: Mapped[str | None] = mapped_column(Text)
    file_type: Mapped[str | None] = mapped_column(String)
    first_event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_action: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    n_events: Mapped[int] = mapped_column(Integer)
    movements: Mapped[int] = mapped_column(Integer)
    levels_traversed: Mapped[int] = mapped_column(Integer)
    holders: Mapped[int] = mapped_column(Integer)
    returns: Mapped[int] = mapped_column(Integer)
    disposal_days: Mapped[float | None] = mapped_column(Float)
    over_4_levels: Mapped[bool] = mapped_column(Boolean)
    holder: Mapped[str | None] = mapped_column(String)
    designation: Mapped[str | None] = mapped_column(String)
    level: Mapped[int | None] = mapped_column(Integer)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Snapshot(Base):
    """Derived: one state's snapshot (analytics/store/snapshots.py), its parts as Parquet bytes.

    Rewritten by every upload that touches the state, in the upload's transaction."""

    __tablename__ = "snapshots"

    state: Mapped[str] = mapped_column(Key, primary_key=True)
    format: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    """T: the state's latest event."""
    files: Mapped[int] = mapped_column(BigInteger)
    stints: Mapped[int] = mapped_column(BigInteger)
    files_data: Mapped[bytes] = mapped_column(LargeBinary)
    stints_data: Mapped[bytes] = mapped_column(LargeBinary)
    activity_data: Mapped[bytes] = mapped_column(LargeBinary)
