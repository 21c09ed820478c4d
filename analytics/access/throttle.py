"""Failed password sign-ins counted per (e-mail, source) and per source, and the lock-outs they
start (docs/security.md): a lock refuses the source that failed only, so a stranger cannot
lock the real user out from elsewhere.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from analytics.access.audit import writer
from analytics.access.models import SignInThrottle

LOCKOUT_ATTEMPTS_ENV = "EOFFICE_LOCKOUT_ATTEMPTS"
LOCKOUT_MINUTES_ENV = "EOFFICE_LOCKOUT_MINUTES"
SOURCE_ATTEMPTS_ENV = "EOFFICE_SOURCE_ATTEMPTS"


def throttle_policy() -> tuple[int, int, timedelta]:
    """(failures in a row of one e-mail from one source before that source is locked out of
    it, failures of any e-mail from one source within the lock's duration before the source
    is locked out of every account, lock duration), from the environment or 5, 20 and 15
    minutes."""
    attempts = int(os.environ.get(LOCKOUT_ATTEMPTS_ENV, "5") or 5)
    per_source = int(os.environ.get(SOURCE_ATTEMPTS_ENV, "20") or 20)
    minutes = float(os.environ.get(LOCKOUT_MINUTES_ENV, "15") or 15)
    return max(1, attempts), max(1, per_source), timedelta(minutes=minutes)


class Throttle:
    """The `sign_in_throttle` rows: a row per (e-mail, source) and one per source (e-mail '')."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def _rows(conn: Connection, email: str, source: str, *, for_update: bool) -> list[Any]:
        query = select(SignInThrottle).where(
            SignInThrottle.source == source, SignInThrottle.email.in_([email, ""])
        )
        if for_update:
            query = query.with_for_update()
        return list(conn.execute(query).all())

    def locked_until(
        self, conn: Connection, email: str, source: str, at: datetime, *, for_update: bool = False
    ) -> datetime | None:
        """The end of a lock on (email, source) or on the source alone, if one lasts at `at`."""
        ends = [
            r.locked_until
            for r in self._rows(conn, email, source, for_update=for_update)
            if r.locked_until is not None and r.locked_until > at
        ]
        return max(ends) if ends else None

    def count_failure(
        self, conn: Connection, email: str, source: str, at: datetime
    ) -> tuple[int, datetime | None, bool]:
        """Count one failure for (email, source) and for the source, atomically: the rows
        are made if missing, then locked (SELECT ... FOR UPDATE; SQLite's write transaction
        is already exclusive) and updated. Returns (failures in a row of the pair, the end
        of the lock now on the pair or the source, or None; whether this failure started it)."""
        attempts, source_attempts, duration = throttle_policy()
        # the store runs on SQLite or PostgreSQL; both have INSERT ... ON CONFLICT DO NOTHING
        module = postgresql if conn.dialect.name == "postgresql" else sqlite
        for key in (email, ""):
            values = {"email": key, "source": source, "failures": 0, "updated_at": at}
            conn.execute(module.insert(SignInThrottle).values(**values).on_conflict_do_nothing())
        lock_end: datetime | None = None
        started = False
        pair_failures = 0
        for r in self._rows(conn, email, source, for_update=True):
            if r.locked_until is not None and r.locked_until > at:
                # locked by a concurrent try meanwhile: the lock stands, nothing to count
                lock_end = max(lock_end, r.locked_until) if lock_end else r.locked_until
                continue
            stale = r.locked_until is not None or (r.email == "" and r.updated_at <= at - duration)
            failures = 1 if stale else r.failures + 1
            limit = attempts if r.email else source_attempts
            locked_until = at + duration if failures >= limit else None
            conn.execute(
                update(SignInThrottle)
                .where(SignInThrottle.id == r.id)
                .values(
                    failures=0 if locked_until else failures,
                    locked_until=locked_until,
                    updated_at=at,
                )
            )
            if r.email:
                pair_failures = failures
            if locked_until is not None:
                lock_end, started = max(lock_end, locked_until) if lock_end else locked_until, True
        return pair_failures, lock_end, started

    @staticmethod
    def forget(conn: Connection, email: str, source: str) -> None:
        """Drop the (email, source) count after a right password, in the caller's transaction."""
        conn.execute(
            delete(SignInThrottle).where(
                SignInThrottle.email == email, SignInThrottle.source == source
            )
        )

    def clear(self, email: str) -> None:
        """End every count and lock of this (normalised) e-mail, from every source."""
        with writer(self.engine) as conn, conn.begin():
            conn.execute(delete(SignInThrottle).where(SignInThrottle.email == email))

    @staticmethod
    def locks_by_email(conn: Connection, at: datetime) -> dict[str, Any]:
        """The end of each e-mail's latest lock lasting at `at` (as the database gives it)."""
        return dict(
            conn.execute(
                select(SignInThrottle.email, func.max(SignInThrottle.locked_until))
                .where(SignInThrottle.locked_until > at, SignInThrottle.email != "")
                .group_by(SignInThrottle.email)
            ).all()
        )
