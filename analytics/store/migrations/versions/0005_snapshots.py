"""Per-state snapshots the dashboard serves (analytics/store/snapshots.py), and their format.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from analytics.store.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Key = sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("state", Key, primary_key=True),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("as_of", UTCDateTime(), nullable=False),
        sa.Column("files", sa.BigInteger(), nullable=False),
        sa.Column("stints", sa.BigInteger(), nullable=False),
        sa.Column("files_data", sa.LargeBinary(), nullable=False),
        sa.Column("stints_data", sa.LargeBinary(), nullable=False),
        sa.Column("activity_data", sa.LargeBinary(), nullable=False),
    )
    # 0 = no snapshots built yet: `open_store` builds them from the stored events once.
    op.add_column(
        "store_state",
        sa.Column("snapshot_format", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_column("store_state", "snapshot_format")
    op.drop_table("snapshots")
