"""Overdue alerts: rules per state, level and file type (`alert_rules`), each account's digest
choice (`alert_preferences`) and the ledger of digests (`alert_digests`).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import analytics.store.alert_models  # noqa: F401  (registers the tables on Base for comparisons)
from analytics.store.models import JSONDoc, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("file_type", sa.String(), nullable=False),
        sa.Column("limit_days", sa.Float(), nullable=False),
        sa.Column("escalate_after_days", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.UniqueConstraint("state", "level", "file_type", name="uq_alert_rules_scope"),
    )
    op.create_table(
        "alert_preferences",
        sa.Column(
            "user_id",
            ID,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=True),
    )
    op.create_table(
        "alert_digests",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("files", JSONDoc, nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("email", "day", name="uq_alert_digests_day"),
    )


def downgrade() -> None:
    op.drop_table("alert_digests")
    op.drop_table("alert_preferences")
    op.drop_table("alert_rules")
