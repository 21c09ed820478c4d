"""Events keep their read order: `events.read_pos`, the position in the upload's read order.

Same-time events are ordered by the order read (log-format.md), and across uploads the read
order is upload order, then each upload's own read order. Events stored before this revision
get their id, the order they were stored in (and their derived rows were computed in).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("read_pos", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    )
    op.execute("UPDATE events SET read_pos = id")


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("read_pos")
