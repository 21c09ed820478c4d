"""Dashboard sign-ins kept across reloads and tabs (docs/security.md).

After a password sign-in the page starts a kept session (`WebSessions.start`), whose one-time
hand-off code the sign-in route exchanges for the cookie's random token (`redeem_handoff`);
each later request resumes it (`resume`), re-resolving the user from the store. Only SHA-256
digests of the code and the token are stored.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from analytics.access.audit import now_utc, writer
from analytics.access.models import WebSession
from analytics.access.users import SignedInUser, Users

SESSION_HOURS_ENV = "EOFFICE_SESSION_HOURS"
HANDOFF_SECONDS = 120
"""How long the one-time code that sets a kept session's cookie is valid."""


def session_lifetime() -> timedelta:
    """How long a dashboard sign-in is kept: `EOFFICE_SESSION_HOURS` (default 12)."""
    return timedelta(hours=float(os.environ.get(SESSION_HOURS_ENV, "12") or 12))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class WebSessions:
    """The `web_sessions` table of the store's database."""

    def __init__(self, engine: Engine, users: Users) -> None:
        self.engine = engine
        self.users = users

    def start(self, user: SignedInUser, *, now: datetime | None = None) -> tuple[int, str]:
        """A kept session for a user who just signed in: (its id, a one-time hand-off code
        valid `HANDOFF_SECONDS`, which `redeem_handoff` exchanges for the cookie's token)."""
        at = now_utc(now)
        code = secrets.token_urlsafe(32)
        with writer(self.engine) as conn, conn.begin():
            session_id = conn.execute(
                insert(WebSession)
                .values(
                    email=user.email,
                    handoff_hash=_digest(code),
                    handoff_expires=at + timedelta(seconds=HANDOFF_SECONDS),
                    created_at=at,
                    expires_at=at + session_lifetime(),
                )
                .returning(WebSession.id)
            ).scalar_one()
        return session_id, code

    def redeem_handoff(self, code: str, *, now: datetime | None = None) -> str | None:
        """The session token for a hand-off code, once: None when the code is unknown,
        used, or expired. Only the token's SHA-256 is stored."""
        at = now_utc(now)
        token = secrets.token_urlsafe(32)
        with writer(self.engine) as conn, conn.begin():
            done = conn.execute(
                update(WebSession)
                .where(
                    WebSession.handoff_hash == _digest(code[:100]),
                    WebSession.handoff_expires > at,
                    WebSession.ended_at.is_(None),
                )
                .values(token_hash=_digest(token), handoff_hash=None, handoff_expires=None)
                .returning(WebSession.id)
            ).first()
        return token if done is not None else None

    def resume(self, token: str, *, now: datetime | None = None) -> tuple[int, SignedInUser] | None:
        """(session id, the user re-resolved from the store) for a live session token; None
        when the token is unknown, ended or expired, or the user is disabled or removed."""
        at = now_utc(now)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(WebSession.id, WebSession.email).where(
                    WebSession.token_hash == _digest(token[:100]),
                    WebSession.ended_at.is_(None),
                    WebSession.expires_at > at,
                )
            ).first()
        if row is None:
            return None
        user = self.users.get(row.email, "password")
        return None if user is None else (row.id, user)

    def live(self, session_id: int, *, now: datetime | None = None) -> bool:
        """True while the kept session is neither ended (signed out) nor expired."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(WebSession.id).where(
                    WebSession.id == session_id,
                    WebSession.ended_at.is_(None),
                    WebSession.expires_at > now_utc(now),
                )
            ).first()
        return found is not None

    def end(self, session_id: int, *, now: datetime | None = None) -> None:
        """End a kept session (sign-out): its token no longer signs anyone in."""
        with writer(self.engine) as conn, conn.begin():
            conn.execute(
                update(WebSession)
                .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
                .values(ended_at=now_utc(now))
            )
