"""The store's first schema: uploads, rejected rows, events, levels, stints, file facts.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from analytics.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Key = sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "store_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("store_id", sa.String(36), nullable=False),
        sa.Column("data_version", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "uploads",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("uploaded_by", sa.String(), nullable=True),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("state_given", sa.String(), nullable=True),
        sa.Column("department_given", sa.String(), nullable=True),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_accepted", sa.BigInteger(), nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=False),
        sa.Column("duplicates_dropped", sa.BigInteger(), nullable=False),
        sa.Column("events_new", sa.BigInteger(), nullable=False),
        sa.Column("events_already_stored", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("report", JSONDoc, nullable=True),
    )
    op.create_index("ix_uploads_sha256", "uploads", ["sha256"])
    op.create_table(
        "rejected_rows",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "upload_id",
            ID,
            sa.ForeignKey("uploads.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("file", sa.String(), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("column", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", JSONDoc, nullable=False),
    )
    op.create_index("ix_rejected_rows_upload_id", "rejected_rows", ["upload_id"])
    op.create_table(
        "events",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("upload_id", ID, sa.ForeignKey("uploads.id"), nullable=False),
        sa.Column("state", Key, nullable=False),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("file_id", Key, nullable=False),
        sa.Column("file_number", sa.String(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("file_type", sa.String(), nullable=True),
        sa.Column("action", Key, nullable=False),
        sa.Column("from_user", Key, nullable=False),
        sa.Column("to_user", Key, nullable=False),
        sa.Column("from_designation", sa.String(), nullable=True),
        sa.Column("to_designation", sa.String(), nullable=True),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("line", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint(
            "state", "file_id", "action", "from_user", "to_user", "timestamp", name="uq_events_key"
        ),
    )
    op.create_table(
        "levels",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(), nullable=True),
        sa.Column("designation", sa.String(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("level_name", sa.String(), nullable=True),
    )
    op.create_table(
        "stints",
        sa.Column("state", Key, primary_key=True),
        sa.Column("file_id", Key, primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("designation", sa.String(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=True),
        sa.Column("end_action", sa.String(10), nullable=True),
        sa.Column("broken", sa.Boolean(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "file_facts",
        sa.Column("state", Key, primary_key=True),
        sa.Column("file_id", Key, primary_key=True),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("file_number", sa.String(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("file_type", sa.String(), nullable=True),
        sa.Column("first_event_at", UTCDateTime(), nullable=False),
        sa.Column("last_event_at", UTCDateTime(), nullable=False),
        sa.Column("last_action", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("n_events", sa.Integer(), nullable=False),
        sa.Column("movements", sa.Integer(), nullable=False),
        sa.Column("levels_traversed", sa.Integer(), nullable=False),
        sa.Column("holders", sa.Integer(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("disposal_days", sa.Float(), nullable=True),
        sa.Column("over_4_levels", sa.Boolean(), nullable=False),
        sa.Column("holder", sa.String(), nullable=True),
        sa.Column("designation", sa.String(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("since", UTCDateTime(), nullable=True),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_file_facts_state_department", "file_facts", ["state", "department"])


def downgrade() -> None:
    for table in (
        "file_facts",
        "stints",
        "levels",
        "events",
        "rejected_rows",
        "uploads",
        "store_state",
    ):
        op.drop_table(table)
