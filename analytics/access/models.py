"""Tables of who may sign in and see what: users, their scoped grants, settings, the audit log.

They share the store's declarative `Base` (so one Alembic history creates them: revision
`0002_auth`). A grant's `state` / `department` use '' for "any" rather than NULL, so the
unique rule (one row per user, role, state, department) holds on SQLite and PostgreSQL alike.
Every moment is stored in UTC (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from analytics.store.models import ID, Base, JSONDoc, UTCDateTime

ROLES = ("admin", "nodal_officer", "viewer", "national_viewer")
"""The roles a grant can give (see docs/access.md)."""


class User(Base):
    """A person who may sign in: by SSO (e-mail matched) and/or with a local password."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email", name="uq_users_email"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String)
    password_hash: Mapped[str | None] = mapped_column(Text)
    see_names: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str | None] = mapped_column(String(8))
    """The dashboard language the user last chose ('en', 'hi'); None: not chosen yet."""


class Grant(Base):
    """One role for a user, over a state (or every state: '') and a department (or all: '')."""

    __tablename__ = "grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "state", "department", name="uq_grants_scope"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String, default="")
    department: Mapped[str] = mapped_column(String, default="")
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    granted_by: Mapped[str | None] = mapped_column(String)


class AuthSetting(Base):
    """Per-deployment settings of access control (e.g. the generated pseudonym key)."""

    __tablename__ = "auth_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """Who did what, when (UTC), with what outcome: sign-ins, uploads, grants, exports."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String)
    action: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    target: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)


class SignInThrottle(Base):
    """Failed password sign-ins counted per (e-mail, source) and per source ('' e-mail).

    A source is where the attempt came from: the browser's address on the dashboard, or
    `cli:<os user>` on the command line. A lock-out applies to the source that failed, so a
    stranger cannot lock the real user out from elsewhere (docs/security.md).
    """

    __tablename__ = "sign_in_throttle"
    __table_args__ = (UniqueConstraint("email", "source", name="uq_sign_in_throttle"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A dashboard sign-in kept across reloads and tabs: the browser holds a random token in
    an HttpOnly cookie; only its SHA-256 is stored. It is first a one-time hand-off code
    (short-lived), which the sign-in route exchanges for the token (docs/security.md)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_expires: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
