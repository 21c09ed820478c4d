"""Signing in: a local password (argon2id, throttled), single sign-on, the read-only demo, and
who runs a command on the command line (docs/access.md, docs/security.md).

Every sign-in, failed sign-in, lock-out and sign-out is audited. Unknown, disabled, SSO-only
and locked accounts get the same answers after the same work as a wrong password.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, update

from analytics.access.audit import Action, AuditLog, cap, now_utc, writer
from analytics.access.models import User
from analytics.access.scope import Scope
from analytics.access.sessions import WebSessions
from analytics.access.users import (
    AuthError,
    GrantInfo,
    SignedInUser,
    Users,
    hasher,
    normalise_email,
)
from analytics.schema import IST

if TYPE_CHECKING:
    from analytics.access.accounts import Accounts
    from analytics.store.store import Store

DEMO_ENV = "EOFFICE_DEMO"
DEMO_EMAIL = "demo"
MAX_EMAIL = 320
"""Longest e-mail address (RFC 5321); longer input is cut before it is looked up or counted."""
MAX_SOURCE = 200

_dummy_hash: str | None = None


class SignInRefused(AuthError):
    """A sign-in that failed or was refused (already audited)."""


def demo_enabled() -> bool:
    """True when `EOFFICE_DEMO=1` asks for the read-only demo."""
    return os.environ.get(DEMO_ENV, "").strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class _Attempt:
    """One password sign-in attempt, as its audit rows record it."""

    email: str
    source: str
    method: str
    at: datetime

    def audit(self, log: AuditLog, conn: Connection, outcome: str, **details: Any) -> None:
        """Its `sign_in` row: the method and source, then `details`."""
        shown = {"method": self.method, "source": self.source, **details}
        log.write_in(conn, self.email, Action.SIGN_IN, outcome, self.email, shown, self.at)


class SignIn:
    """Sign-in and sign-out on the store's database."""

    def __init__(self, users: Users, audit: AuditLog, sessions: WebSessions) -> None:
        self.users = users
        self.audit = audit
        self.sessions = sessions
        self.engine = users.engine
        self.throttle = users.throttle

    def password(
        self,
        email: str,
        password: str,
        *,
        now: datetime | None = None,
        method: str = "password",
        source: str | None = None,
    ) -> SignedInUser:
        """Check a local password; raises `SignInRefused` (audited) when it does not pass.

        `method` is recorded in the audit rows and on the user: `password` (the dashboard's
        form) or `cli` (the command line's `--user`). `source` says where the attempt came
        from (the dashboard gives the browser's address, the command line `cli:<os user>`;
        default: the method). Failures are counted atomically in the database per (e-mail,
        source) and per source (`throttle_policy`); a lock-out refuses that source only, even
        the right password, until it ends. Unknown, disabled, SSO-only and locked accounts
        get the same answers after the same work (one argon2 verify) as a wrong password,
        and the password is checked outside any write transaction.
        """
        email = normalise_email(email)[:MAX_EMAIL] or "(blank)"
        source = cap(source or method, MAX_SOURCE - 40)  # (room for the marker)
        attempt = _Attempt(email, source, method, now_utc(now))
        with self.engine.connect() as conn:  # reads only: no write lock while hashing
            row = self.users.row(conn, email)
            locked = self.throttle.locked_until(conn, email, source, attempt.at)
        usable = row is not None and row.active and row.password_hash is not None
        checked = _verify(row.password_hash if usable and locked is None else _dummy(), password)
        if usable and locked is None and checked:
            locked, grants = self._accept(attempt, row, password)
            if locked is None:  # (the pseudonym key may need a write of its own)
                return self.users.signed_in(row, grants, method)
        if locked is not None:
            with writer(self.engine) as conn, conn.begin():
                reason = {"reason": "locked", "locked_until": locked.isoformat()}
                attempt.audit(self.audit, conn, "refused", **reason)
            raise SignInRefused(_locked_message(locked))  # (outside: it would roll back)
        with writer(self.engine) as conn, conn.begin():
            failures, locked, started = self.throttle.count_failure(conn, email, source, attempt.at)
            attempt.audit(self.audit, conn, "failed", reason=_why(row), attempt=failures)
            if started:
                lockout = {"source": source, "attempts": failures}
                lockout["locked_until"] = locked.isoformat()
                self.audit.write_in(conn, email, Action.LOCKOUT, "ok", email, lockout, attempt.at)
        if locked is not None:
            raise SignInRefused(_locked_message(locked))
        raise SignInRefused("wrong e-mail or password")

    def _accept(
        self, attempt: _Attempt, row: Any, password: str
    ) -> tuple[datetime | None, tuple[GrantInfo, ...]]:
        """Sign in with the right password unless a lock began meanwhile: (the lock's end or
        None, the user's grants)."""
        values: dict[str, Any] = {"last_sign_in_at": attempt.at}
        if hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = hasher.hash(password)
        with writer(self.engine) as conn, conn.begin():
            locked = self.throttle.locked_until(
                conn, attempt.email, attempt.source, attempt.at, for_update=True
            )
            if locked is not None:
                return locked, ()
            conn.execute(update(User).where(User.id == row.id).values(**values))
            self.throttle.forget(conn, attempt.email, attempt.source)
            attempt.audit(self.audit, conn, "ok")
            return None, tuple(self.users.grants_in(conn, attempt.email))

    def sso(
        self, email: str | None, name: str | None = None, *, verified: bool | None = None
    ) -> SignedInUser:
        """Map an SSO identity (its e-mail) to an active user; refused (audited) when the
        provider does not vouch for the e-mail (`verified` must be True: an `email_verified`
        claim missing or false is refused), or no active user has it."""
        if not email:
            details = {"method": "sso", "reason": "no e-mail"}
            self.audit.write("sso:?", Action.SIGN_IN, "refused", None, details)
            raise SignInRefused("the single sign-on identity carries no e-mail address")
        email = normalise_email(email)
        reason = None
        if verified is None:
            reason = "e-mail not verified: the identity provider sent no email_verified claim"
        elif verified is not True:
            reason = "e-mail not verified by the identity provider (email_verified is false)"
        with writer(self.engine) as conn, conn.begin():
            row = self.users.row(conn, email)
            if reason is None and (row is None or not row.active):
                reason = "no account" if row is None else "account disabled"
            if reason is not None:
                details = {"method": "sso", "reason": reason}
                self.audit.write_in(conn, email, Action.SIGN_IN, "refused", email, details)
            else:
                conn.execute(
                    update(User).where(User.id == row.id).values(last_sign_in_at=now_utc())
                )
                details = {"method": "sso", "name": name}
                self.audit.write_in(conn, email, Action.SIGN_IN, "ok", email, details)
                grants = tuple(self.users.grants_in(conn, email))
        if reason is not None:
            raise SignInRefused(
                f"{email} has no active account here ({reason}); ask an administrator for access"
            )
        return self.users.signed_in(row, grants, "sso")

    def demo(self) -> SignedInUser:
        """The read-only demo session; refused once the store has accounts."""
        if self.users.exist():
            raise SignInRefused(
                "demo mode is off: this store has user accounts, so everyone must sign in"
            )
        return SignedInUser(
            email=DEMO_EMAIL,
            name="Demo (read-only)",
            method="demo",
            grants=(GrantInfo("national_viewer"),),
            see_names=True,
            scope=Scope.everything(),
            upload_scope=Scope.nothing(),
        )

    def sign_out(self, user: SignedInUser, session_id: int | None = None) -> None:
        """Record a sign-out, ending the kept dashboard session `session_id` if given."""
        if session_id is not None:
            self.sessions.end(session_id)
        self.audit.write(user.email, Action.SIGN_OUT, "ok", user.email, {"method": user.method})


def _why(row: Any) -> str:
    """Why a password sign-in of this `users` row (or None) failed, for the audit."""
    if row is None:
        return "unknown account"
    if not row.active:
        return "account disabled"
    if row.password_hash is None:
        return "no local password (SSO only)"
    return "wrong password"


def _locked_message(until: datetime) -> str:
    shown = until.astimezone(IST).strftime("%d-%b-%Y %H:%M IST")
    return f"too many failed sign-ins from here: try again after {shown}"


def _dummy() -> str:
    """A hash of a random password, verified for unknown accounts (equal timing)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hasher.hash(secrets.token_hex(16))
    return _dummy_hash


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- who runs a command on the command line -------------------------------------------------


def cli_actor() -> str:
    """`cli:<os user>`: who runs a command on the host, for audit rows and sign-in sources."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


class CommandRefused(AuthError):
    """A command the signed-in user (or the would-be operator) may not run (audited)."""


CommandSignIn = Callable[["Store", str | None], tuple["Accounts", SignedInUser | None]]
"""The command line's sign-in: (store, --user) → (accounts, the signed-in user)."""


def command_actor(
    accounts: Accounts,
    args: argparse.Namespace,
    sign_in: CommandSignIn | None,
    command: str,
    sub: str,
    *,
    need_admin: bool = True,
) -> tuple[str, SignedInUser | None]:
    """Who runs `<command> <sub>`, as written in the audit log, and the signed-in user (None
    for the first setup or the operator); refuses (audited) otherwise:

    - no account yet (first setup): `cli:<os user>`, as before;
    - `--operator`: `operator:<os user>`. Whoever could open the store could change its
      tables directly (a SQLite store opens only for a process that may write its file; a
      server database only with the URL's credentials), so the flag grants nothing new: it
      makes the operator's way in explicit, and audited as such;
    - else `--user EMAIL` signed in (the password as for `ingest`); with `need_admin` it must
      hold an admin grant, otherwise the command checks the user's roles itself.
    """
    if not accounts.users.exist():
        return cli_actor(), None
    if getattr(args, "operator", False):
        actor = "operator:" + cli_actor().removeprefix("cli:")
        details = {"email": getattr(args, "email", None)}
        accounts.audit.write(actor, Action.OPERATOR, "ok", f"{command} {sub}", details)
        return actor, None
    email = getattr(args, "user", None)
    if not email or sign_in is None:
        who = "an admin's sign-in" if need_admin else "a sign-in"
        raise CommandRefused(
            f"this store has user accounts: `{command}` commands need {who} "
            "(--user EMAIL, or EOFFICE_USER; the password from EOFFICE_PASSWORD, else asked "
            "for), or --operator for the host's operator"
        )
    _, user = sign_in(accounts.store, email)
    if user is None or (need_admin and not user.is_admin):
        who = email if user is None else user.email
        details = {"reason": "not an admin"}
        accounts.audit.write(who, Action(command), "refused", f"{command} {sub}", details)
        raise CommandRefused(f"`{command} {sub}` needs an admin; {who} holds no admin grant")
    return user.email, user
