"""The audit log: every action it can record (`Action`), writing rows and reading them back.

Every access change writes its audit row in the change's own transaction (`AuditLog.write_in`
on a `writer` connection), so the row commits with the change or not at all; an event
without a change of its own (an export, a sign-out) is one row in its own transaction
(`AuditLog.write`). Actors, targets and details are capped (`MAX_LOGGED`), moments kept in
UTC and shown in IST.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from analytics.access.models import AuditEntry
from analytics.schema import IST

MAX_LOGGED = 512
"""Longest text kept in one audit field (actor, target, each detail); longer is cut, marked."""


class Action(StrEnum):
    """Every action an audit row can record; `done` is its past-tense word for messages."""

    SIGN_IN = "sign_in", "signed in"
    LOCKOUT = "lockout", "locked out"
    SIGN_OUT = "sign_out", "signed out"
    UPLOAD = "upload", "uploaded"
    EXPORT = "export", "exported"
    USER_ADD = "user_add", "added"
    GRANT = "grant", "granted"
    REVOKE = "revoke", "revoked"
    NAMES_PERMISSION = "names_permission", "names permission changed"
    UNLOCK = "unlock", "unlocked"
    USER_DISABLE = "user_disable", "disabled"
    USER_ENABLE = "user_enable", "enabled"
    PASSWORD_SET = "password_set", "password set"
    PASSWORD_REMOVED = "password_removed", "password removed"
    USERS = "users", "users command run"
    OPERATOR = "operator", "run by the operator"
    LEVELS = "levels", "level table changed"
    ALERTS = "alerts", "alerts command run"
    ALERT_RULE = "alert_rule", "alert rule set"
    ALERT_RULE_REMOVED = "alert_rule_removed", "alert rule removed"
    ALERT_PREFERENCE = "alert_preference", "alert preference set"
    ALERT_DIGEST = "alert_digest", "digest sent"
    ADMIN_PAGE = "admin_page", "admin page opened"

    done: str

    def __new__(cls, value: str, done: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.done = done
        return member


def now_utc(now: datetime | None = None) -> datetime:
    """`now` in UTC, else the present moment."""
    return now.astimezone(UTC) if now is not None else datetime.now(UTC)


def writer(engine: Engine) -> Connection:
    """A connection whose transaction takes the write lock at once (SQLite IMMEDIATE): every
    access change, with its audit row, is written on one."""
    return engine.connect().execution_options(sqlite_begin="IMMEDIATE")


def cap(text: str, limit: int = MAX_LOGGED) -> str:
    """`text` cut to `limit` characters, with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[{len(text) - limit:,} more characters cut]"


def _capped(value: Any) -> Any:
    """A JSON-able value with every string in it capped (`cap`), lists to 100 items."""
    if isinstance(value, str):
        return cap(value)
    if isinstance(value, dict):
        return {cap(str(k), 64): _capped(v) for k, v in list(value.items())[:100]}
    if isinstance(value, list | tuple):
        return [_capped(v) for v in list(value)[:100]]
    return value


def write_row(
    conn: Connection,
    actor: str,
    action: Action,
    outcome: str,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """One `audit_log` row in the caller's transaction (so it commits with the change), its
    fields capped (`MAX_LOGGED`): the one way any part of the system writes an audit row."""
    conn.execute(
        insert(AuditEntry).values(
            at=now_utc(now),
            actor=cap(actor),
            action=str(Action(action)),
            outcome=outcome,
            target=None if target is None else cap(target),
            details=None if details is None else _capped(details),
        )
    )


class AuditLog:
    """The `audit_log` table of one store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    write_in = staticmethod(write_row)
    """One row in the caller's transaction (`write_row`)."""

    def write(
        self,
        actor: str,
        action: Action,
        outcome: str = "ok",
        target: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """One row in its own transaction."""
        with writer(self.engine) as conn, conn.begin():
            self.write_in(conn, actor, action, outcome, target, details)

    def read(
        self, *, limit: int = 1000, action: str | None = None, actor: str | None = None
    ) -> pd.DataFrame:
        """Newest rows first: id, at (IST), actor, action, outcome, target, details."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if action:
            query = query.where(AuditEntry.action == action)
        if actor:
            query = query.where(AuditEntry.actor == actor)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        columns = ["id", "at", "actor", "action", "outcome", "target", "details"]
        frame = pd.DataFrame([{c: getattr(r, c) for c in columns} for r in rows], columns=columns)
        frame["at"] = pd.to_datetime(frame["at"], utc=True).dt.tz_convert(IST)
        return frame
