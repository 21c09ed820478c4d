"""Tables of the overdue alerts (docs/alerts.md): the rules, each account's choice, the ledger.

They share the store's declarative `Base` (revision `0007_alerts`). As in `grants`, "any" is
'' (state, file type) or 0 (level) rather than NULL, so the unique rule (one rule per state,
level and file type) holds on SQLite and PostgreSQL alike. Moments are UTC (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import analytics.access.models  # noqa: F401  (users, which the preferences refer to)
from analytics.store.models import ID, Base, JSONDoc, UTCDateTime

FREQUENCIES = ("daily", "weekly", "off")
"""What an account can choose for its digest."""


class AlertRule(Base):
    """An overdue limit for the files of a state ('' any), level (0 any), file type ('' any)."""

    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("state", "level", "file_type", name="uq_alert_rules_scope"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String, default="")
    level: Mapped[int] = mapped_column(Integer, default=0)
    file_type: Mapped[str] = mapped_column(String, default="")
    limit_days: Mapped[float] = mapped_column(Float)
    escalate_after_days: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String)


class AlertPreference(Base):
    """An account's digest: `daily`, `weekly` or `off` (no row: off)."""

    __tablename__ = "alert_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String)


class AlertDigest(Base):
    """One digest to one address on one IST day: the ledger that makes sends happen once.

    `status`: `sending` (claimed: about to be handed to the mail server, or being), `sent`
    (the server accepted it), `failed` (the server refused it or the connection broke: the
    next run sends it again). One row per (email, day), so two runs cannot both claim it.
    """

    __tablename__ = "alert_digests"
    __table_args__ = (UniqueConstraint("email", "day", name="uq_alert_digests_day"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    day: Mapped[date] = mapped_column(Date)
    frequency: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str] = mapped_column(String(255))
    files: Mapped[list[Any]] = mapped_column(JSONDoc)
    """The files the digest names, as [state, file_id] pairs."""
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)
