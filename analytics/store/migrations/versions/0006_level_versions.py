"""Versions of the designation → level table, proposals for it, and the version in force.

A store whose `levels` table already holds rows keeps them as version 1 (kind `initial`),
so the version in force is named from the start.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from analytics.store.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    versions = op.create_table(
        "level_versions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("rows", JSONDoc, nullable=False),
        sa.Column("changes", JSONDoc, nullable=False),
    )
    op.create_table(
        "level_proposals",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("proposed_by", sa.String(), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("rows", JSONDoc, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
    )
    op.add_column(
        "store_state",
        sa.Column("levels_version", sa.Integer(), nullable=False, server_default="0"),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT state, designation, level, level_name FROM levels ORDER BY id")
    ).all()
    if rows:
        kept = [
            {"state": r[0], "designation": r[1], "level": int(r[2]), "level_name": r[3]}
            for r in rows
        ]
        version = conn.execute(
            versions.insert()
            .values(
                created_at=datetime.now(UTC),
                created_by="migration 0006",
                kind="initial",
                note="the table in force when versions began to be kept",
                rows=kept,
                changes={"added": len(kept), "removed": 0, "changed": 0},
            )
            .returning(versions.c.id)
        ).scalar_one()
        conn.execute(sa.text("UPDATE store_state SET levels_version = :v"), {"v": version})


def downgrade() -> None:
    op.drop_column("store_state", "levels_version")
    op.drop_table("level_proposals")
    op.drop_table("level_versions")
