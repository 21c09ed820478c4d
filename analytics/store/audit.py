"""The audit row a store change writes in its own transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert

from analytics.access.models import AuditEntry


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
