"""Accounts, scoped grants, sign-in, upload authorisation and the audit log (docs/access.md).

`Accounts(store)` works on the store's own database (tables of `analytics.auth_models`):

- users sign in by single sign-on (`sign_in_sso`: the identity's e-mail, vouched for by the
  provider, must belong to an active user) or with a local password (`sign_in_password`:
  argon2id hashes; failures counted per e-mail and source, a lock-out refusing that source
  only: docs/security.md); a dashboard sign-in is kept across reloads by a cookie
  (`start_web_session`, `redeem_handoff`, `resume_web_session`);
- a signed-in user is a `SignedInUser` carrying its read `Scope` and upload scope, resolved
  from its grants on every request (a revoked grant takes effect at once; an export re-checks
  the user at the moment it is made);
- `authorise_upload` / `ingest_as` refuse rows outside a nodal officer's states/departments;
- every sign-in, failed sign-in, lock-out, upload, user or grant change and export is written
  to `audit_log` (UTC) and read back by `audit_log()`.

There is no default account and no default password: the first admin is made with
`eoffice-analytics users add EMAIL --role admin --password-stdin` (or without a password, to
sign in only by SSO). After that, `users` commands need an admin's sign-in or the host
operator's `--operator`.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from analytics.access import Scope
from analytics.auth_models import (
    ROLES,
    AuditEntry,
    AuthSetting,
    Grant,
    SignInThrottle,
    User,
    WebSession,
)
from analytics.reading import UnusableInputError, UploadLimits, printable, source_bytes
from analytics.schema import IST
from analytics.store import IngestResult, Store, write_audit

LOCKOUT_ATTEMPTS_ENV = "EOFFICE_LOCKOUT_ATTEMPTS"
LOCKOUT_MINUTES_ENV = "EOFFICE_LOCKOUT_MINUTES"
SOURCE_ATTEMPTS_ENV = "EOFFICE_SOURCE_ATTEMPTS"
SESSION_HOURS_ENV = "EOFFICE_SESSION_HOURS"
HANDOFF_SECONDS = 120
"""How long the one-time code that sets a kept session's cookie is valid."""
PSEUDONYM_KEY_ENV = "EOFFICE_PSEUDONYM_KEY"
DEMO_ENV = "EOFFICE_DEMO"
MIN_PASSWORD_LENGTH = 10
DEMO_EMAIL = "demo"
MAX_EMAIL = 320
"""Longest e-mail address (RFC 5321); longer input is cut before it is looked up or counted."""
MAX_SOURCE = 200
MAX_LOGGED = 512
"""Longest text kept in one audit field (actor, target, each detail); longer is cut, marked."""

READ_ROLES = ("viewer", "nodal_officer")
"""Roles whose grant is scoped to a state (and optionally a department)."""
GLOBAL_ROLES = ("admin", "national_viewer")
"""Roles that read every state; their grants carry no state."""

_hasher = PasswordHasher()
"""argon2id with argon2-cffi's default (RFC 9106 low-memory) parameters."""
_dummy_hash: str | None = None


class AuthError(Exception):
    """An access-control request that cannot be done; the message is for people."""


class SignInRefused(AuthError):
    """A sign-in that failed or was refused (already audited)."""


class ExportRefused(AuthError):
    """An export refused because the user's access changed or ended (already audited)."""


class UploadRefused(AuthError):
    """An upload refused for rows outside the uploader's scope (already audited)."""

    def __init__(self, message: str, refused: list[Refusal]) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True)
class GrantInfo:
    """One grant: a role over a state (None = every state) and a department (None = all)."""

    role: str
    state: str | None = None
    department: str | None = None

    def describe(self) -> str:
        """E.g. `viewer: Manipur / Finance`."""
        where = "every state" if self.state is None else self.state
        if self.department:
            where += f" / {self.department}"
        return f"{self.role}: {where}"


@dataclass(frozen=True)
class Refusal:
    """Rows an upload may not bring: rows of a state/department outside the uploader's scope
    or, with `file_id`, rows of a file the store holds under `state` / `department`
    (`why`: `held`, another department's file; `first`, rows that would become the file's
    first event and so change its department)."""

    state: str
    department: str
    rows: int
    file_id: str = ""
    why: str = ""

    def describe(self) -> str:
        """E.g. `120 rows of Assam / Health`, or `file MH-1 (1 row): the store holds it under
        Manipur / Home`."""
        rows = f"{self.rows:,} row{'s' if self.rows != 1 else ''}"
        if not self.file_id:
            return f"{rows} of {self.state} / {self.department}"
        held = f"the store holds it under {self.state} / {self.department}"
        if self.why == "first":
            return (
                f"file {self.file_id} ({rows} dated at or before its first stored event, of "
                f"another department): {held}, and a file's department is its first event's"
            )
        return f"file {self.file_id} ({rows}): {held}"


@dataclass(frozen=True)
class SignedInUser:
    """A signed-in person: identity, how they signed in, grants, and what they may do."""

    email: str
    name: str | None
    method: str
    grants: tuple[GrantInfo, ...] = ()
    see_names: bool = False
    scope: Scope = field(default_factory=Scope.nothing)
    upload_scope: Scope = field(default_factory=Scope.nothing)

    @property
    def roles(self) -> frozenset[str]:
        """The roles of the user's grants."""
        return frozenset(g.role for g in self.grants)

    @property
    def is_admin(self) -> bool:
        """May manage users and grants and read the audit log."""
        return "admin" in self.roles

    @property
    def is_demo(self) -> bool:
        """The read-only demo session."""
        return self.method == "demo"

    @property
    def can_upload(self) -> bool:
        """Holds at least one nodal-officer grant."""
        return not self.upload_scope.empty

    @property
    def can_read(self) -> bool:
        """Can read at least something."""
        return not self.scope.empty

    @property
    def permissions(self) -> frozenset[str]:
        """`read`, `upload`, `manage_users`, `see_names`, as held."""
        held = set()
        if self.can_read:
            held.add("read")
        if self.can_upload:
            held.add("upload")
        if self.is_admin:
            held.add("manage_users")
        if self.see_names:
            held.add("see_names")
        return frozenset(held)

    @property
    def label(self) -> str:
        """Name and e-mail for display."""
        return f"{self.name} ({self.email})" if self.name else self.email


def throttle_policy() -> tuple[int, int, timedelta]:
    """(failures in a row of one e-mail from one source before that source is locked out of
    it, failures of any e-mail from one source within the lock's duration before the source
    is locked out of every account, lock duration), from the environment or 5, 20 and 15
    minutes."""
    attempts = int(os.environ.get(LOCKOUT_ATTEMPTS_ENV, "5") or 5)
    per_source = int(os.environ.get(SOURCE_ATTEMPTS_ENV, "20") or 20)
    minutes = float(os.environ.get(LOCKOUT_MINUTES_ENV, "15") or 15)
    return max(1, attempts), max(1, per_source), timedelta(minutes=minutes)


def _cap(text: str, limit: int = MAX_LOGGED) -> str:
    """`text` cut to `limit` characters, with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[{len(text) - limit:,} more characters cut]"


def _capped(value: Any) -> Any:
    """A JSON-able value with every string in it capped (`_cap`), lists to 100 items."""
    if isinstance(value, str):
        return _cap(value)
    if isinstance(value, dict):
        return {_cap(str(k), 64): _capped(v) for k, v in list(value.items())[:100]}
    if isinstance(value, list | tuple):
        return [_capped(v) for v in list(value)[:100]]
    return value


def _locked_message(until: datetime) -> str:
    shown = until.astimezone(IST).strftime("%d-%b-%Y %H:%M IST")
    return f"too many failed sign-ins from here: try again after {shown}"


def normalise_email(email: str) -> str:
    """E-mail as stored and matched: trimmed, lower case."""
    return email.strip().lower()


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short or blank."""
    if len(password) < MIN_PASSWORD_LENGTH or not password.strip():
        raise AuthError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def resolve(
    grants: Sequence[GrantInfo], see_names: bool, key: bytes | None = None
) -> tuple[Scope, Scope]:
    """The (read scope, upload scope) of a set of grants."""
    roles = {g.role for g in grants}
    if roles & set(GLOBAL_ROLES):
        read = Scope(states=None, see_names=see_names, pseudonym_key=key)
    else:
        read = _scope_of([g for g in grants if g.role in READ_ROLES], see_names, key)
    upload = _scope_of([g for g in grants if g.role == "nodal_officer"], see_names, key)
    return read, upload


def _scope_of(grants: Sequence[GrantInfo], see_names: bool, key: bytes | None) -> Scope:
    states = frozenset(g.state for g in grants if g.state and not g.department)
    departments = frozenset(
        (g.state, g.department)
        for g in grants
        if g.state and g.department and g.state not in states
    )
    return Scope(states=states, departments=departments, see_names=see_names, pseudonym_key=key)


def authorise_upload(
    user: SignedInUser, events: pd.DataFrame, held: pd.DataFrame | None = None
) -> list[Refusal]:
    """What of `events` the user may not upload; an empty list means the upload is allowed.

    First the rows' (state, department) groups outside the user's upload scope (a user
    without a nodal-officer grant, or the demo, is refused every row). Only when every row is
    inside the scope, and `held` (`Store.stored_files` of the events) is given, each row is
    checked against the file the store already holds: the file's department is its first
    event's, so a row of a file held under a department outside the scope is refused
    (`held`), and so is a row of another department dated at or before the held file's
    first event, which would change the file's department (`first`).
    """
    if events.empty:
        return []
    counts = events.groupby(["state", "department"], dropna=False, sort=True).size()
    refused = []
    for (state, department), rows in counts.items():
        s = "" if pd.isna(state) else str(state)
        d = "" if pd.isna(department) else str(department)
        if user.is_demo or not user.upload_scope.allows(s, d):
            refused.append(Refusal(s, d, int(rows)))
    if refused or held is None or held.empty:
        return refused
    events = events[events["file_id"].isin(held["file_id"]).to_numpy(dtype=bool)]
    rows = pd.DataFrame(
        {c: events[c].astype("str") for c in ("state", "file_id", "department")}
        | {"timestamp": events["timestamp"]}
    )
    both = rows.merge(held, on=["state", "file_id"], suffixes=("", "_held"))
    allowed = {
        (s, d): user.upload_scope.allows(s, d)
        for s, d in both[["state", "department_held"]].drop_duplicates().itertuples(index=False)
    }
    outside = [
        not allowed[(s, d)] for s, d in zip(both["state"], both["department_held"], strict=True)
    ]
    first = both["timestamp"].le(both["first_event_at"]) & both["department"].ne(
        both["department_held"]
    )
    for why, mask in (("held", pd.Series(outside, index=both.index)), ("first", first)):
        hits = both[mask.to_numpy(dtype=bool)]
        for (s, f, d), group in hits.groupby(["state", "file_id", "department_held"], sort=True):
            refused.append(Refusal(str(s), str(d), len(group), file_id=str(f), why=why))
        if refused:
            break
    return refused


def refusal_message(user: SignedInUser, refused: Sequence[Refusal]) -> str:
    """Why an upload is refused, for people: what is refused and what the user may upload."""
    shown = ", ".join(r.describe() for r in refused[:10])
    if len(refused) > 10:
        shown += f" and {len(refused) - 10:,} more"
    allowed = describe_scope(user.upload_scope)
    if refused[0].file_id:
        return (
            f"refused, nothing was stored: {shown}; you may upload for {allowed} only, and a "
            "file keeps the department the store holds for it"
        )
    return f"refused, nothing was stored: {shown} lie outside your upload scope ({allowed})"


def demo_enabled() -> bool:
    """True when `EOFFICE_DEMO=1` asks for the read-only demo."""
    return os.environ.get(DEMO_ENV, "").strip().lower() in {"1", "true", "yes"}


def _now(now: datetime | None) -> datetime:
    return now.astimezone(UTC) if now is not None else datetime.now(UTC)


def cli_actor() -> str:
    """`cli:<os user>`: who runs a command on the host, for audit rows and sign-in sources."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


class Accounts:
    """Users, grants, sign-in and audit on the store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine
        self._key: bytes | None = None

    # -- plumbing ------------------------------------------------------------------------------

    def _write(self) -> Any:
        """A connection whose transaction takes the write lock at once (SQLite IMMEDIATE)."""
        return self.engine.connect().execution_options(sqlite_begin="IMMEDIATE")

    def _audit(
        self,
        conn: Connection,
        actor: str,
        action: str,
        outcome: str,
        target: str | None = None,
        details: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        write_audit(
            conn,
            _cap(actor),
            action,
            outcome,
            None if target is None else _cap(target),
            None if details is None else _capped(details),
            _now(now),
        )

    def audit(
        self,
        actor: str,
        action: str,
        outcome: str = "ok",
        target: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Write one audit row (its own transaction)."""
        with self._write() as conn, conn.begin():
            self._audit(conn, actor, action, outcome, target, details)

    def audit_log(
        self, *, limit: int = 1000, action: str | None = None, actor: str | None = None
    ) -> pd.DataFrame:
        """Newest audit rows first: at (IST), actor, action, outcome, target, details."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if action:
            query = query.where(AuditEntry.action == action)
        if actor:
            query = query.where(AuditEntry.actor == actor)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame(
            [
                {
                    "id": r.id,
                    "at": r.at,
                    "actor": r.actor,
                    "action": r.action,
                    "outcome": r.outcome,
                    "target": r.target,
                    "details": r.details,
                }
                for r in rows
            ],
            columns=["id", "at", "actor", "action", "outcome", "target", "details"],
        )
        frame["at"] = pd.to_datetime(frame["at"], utc=True).dt.tz_convert(IST)
        return frame

    def pseudonym_key(self) -> bytes:
        """`EOFFICE_PSEUDONYM_KEY`, else the deployment's generated key (made on first use)."""
        env = os.environ.get(PSEUDONYM_KEY_ENV, "").strip()
        if env:
            return env.encode("utf-8")
        if self._key is not None:
            return self._key
        with self.engine.connect() as conn:
            value = conn.execute(
                select(AuthSetting.value).where(AuthSetting.key == "pseudonym_key")
            ).scalar()
        if value is None:
            try:
                with self._write() as conn, conn.begin():
                    conn.execute(
                        insert(AuthSetting).values(key="pseudonym_key", value=secrets.token_hex(32))
                    )
            except IntegrityError:
                pass  # another process made it first
            with self.engine.connect() as conn:
                value = conn.execute(
                    select(AuthSetting.value).where(AuthSetting.key == "pseudonym_key")
                ).scalar_one()
        self._key = bytes.fromhex(value)
        return self._key

    # -- users and grants ----------------------------------------------------------------------

    def _user_row(self, conn: Connection, email: str) -> Any:
        return conn.execute(select(User).where(User.email == normalise_email(email))).first()

    def _require_user(self, conn: Connection, email: str) -> Any:
        row = self._user_row(conn, email)
        if row is None:
            raise AuthError(f"no user {normalise_email(email)!r}")
        return row

    @staticmethod
    def _check_grant(role: str, state: str | None, department: str | None) -> tuple[str, str]:
        if role not in ROLES:
            raise AuthError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        state = (state or "").strip()
        department = (department or "").strip()
        if role in GLOBAL_ROLES and (state or department):
            raise AuthError(f"the {role} role covers every state: give no --state/--department")
        if role in READ_ROLES and not state:
            raise AuthError(f"the {role} role needs a --state (and optionally a --department)")
        return state, department

    def add_user(
        self,
        email: str,
        role: str | None = None,
        *,
        state: str | None = None,
        department: str | None = None,
        password: str | None = None,
        name: str | None = None,
        see_names: bool = False,
        by: str = "system",
    ) -> None:
        """Create a user (with a first grant when `role` is given). Without a password the
        user can sign in only by SSO."""
        email = normalise_email(email)
        if "@" not in email:
            raise AuthError(f"{email!r} is not an e-mail address")
        if role is not None:
            grant_state, grant_dept = self._check_grant(role, state, department)
        password_hash = None
        if password is not None:
            check_password_strength(password)
            password_hash = _hasher.hash(password)
        now = _now(None)
        with self._write() as conn, conn.begin():
            if self._user_row(conn, email) is not None:
                raise AuthError(f"user {email!r} exists already; use `users grant`")
            user_id = conn.execute(
                insert(User)
                .values(
                    email=email,
                    display_name=name,
                    password_hash=password_hash,
                    see_names=see_names,
                    active=True,
                    failed_attempts=0,
                    created_at=now,
                )
                .returning(User.id)
            ).scalar_one()
            details: dict[str, Any] = {
                "name": name,
                "local_password": password_hash is not None,
                "see_names": see_names,
            }
            if role is not None:
                conn.execute(
                    insert(Grant).values(
                        user_id=user_id,
                        role=role,
                        state=grant_state,
                        department=grant_dept,
                        granted_at=now,
                        granted_by=by,
                    )
                )
                details["grant"] = GrantInfo(
                    role, grant_state or None, grant_dept or None
                ).describe()
            self._audit(conn, by, "user_add", "ok", email, details)

    def grant(
        self,
        email: str,
        role: str,
        *,
        state: str | None = None,
        department: str | None = None,
        by: str = "system",
    ) -> bool:
        """Give a user a role over a state/department; False when the grant existed."""
        grant_state, grant_dept = self._check_grant(role, state, department)
        info = GrantInfo(role, grant_state or None, grant_dept or None)
        with self._write() as conn, conn.begin():
            user = self._require_user(conn, email)
            exists = conn.execute(
                select(Grant.id).where(
                    Grant.user_id == user.id,
                    Grant.role == role,
                    Grant.state == grant_state,
                    Grant.department == grant_dept,
                )
            ).first()
            if exists is not None:
                return False
            conn.execute(
                insert(Grant).values(
                    user_id=user.id,
                    role=role,
                    state=grant_state,
                    department=grant_dept,
                    granted_at=_now(None),
                    granted_by=by,
                )
            )
            self._audit(conn, by, "grant", "ok", user.email, {"grant": info.describe()})
        return True

    def revoke(
        self,
        email: str,
        role: str,
        *,
        state: str | None = None,
        department: str | None = None,
        by: str = "system",
    ) -> bool:
        """Remove one grant; False when the user had no such grant."""
        grant_state, grant_dept = (state or "").strip(), (department or "").strip()
        info = GrantInfo(role, grant_state or None, grant_dept or None)
        with self._write() as conn, conn.begin():
            user = self._require_user(conn, email)
            removed = conn.execute(
                delete(Grant).where(
                    Grant.user_id == user.id,
                    Grant.role == role,
                    Grant.state == grant_state,
                    Grant.department == grant_dept,
                )
            ).rowcount
            if removed:
                self._audit(conn, by, "revoke", "ok", user.email, {"grant": info.describe()})
        return bool(removed)

    def _update_user(self, email: str, action: str, by: str, **values: Any) -> None:
        with self._write() as conn, conn.begin():
            user = self._require_user(conn, email)
            conn.execute(update(User).where(User.id == user.id).values(**values))
            shown = {k: v for k, v in values.items() if k != "password_hash"}
            self._audit(conn, by, action, "ok", user.email, {k: str(v) for k, v in shown.items()})

    def set_password(self, email: str, password: str | None, *, by: str = "system") -> None:
        """Set (or with None remove) a user's local password; also clears a lock-out."""
        if password is not None:
            check_password_strength(password)
        self._update_user(
            email,
            "password_set" if password is not None else "password_removed",
            by,
            password_hash=None if password is None else _hasher.hash(password),
        )
        self._clear_throttle(email)

    def set_see_names(self, email: str, allow: bool, *, by: str = "system") -> None:
        """Allow or deny a user the officer names and user IDs."""
        self._update_user(email, "names_permission", by, see_names=allow)

    def set_active(self, email: str, active: bool, *, by: str = "system") -> None:
        """Enable or disable a user (a disabled user cannot sign in by any method)."""
        self._update_user(email, "user_enable" if active else "user_disable", by, active=active)

    def set_language(self, email: str, language: str) -> None:
        """Remember the dashboard language a user chose (their own setting: not audited)."""
        with self._write() as conn, conn.begin():
            user = self._require_user(conn, email)
            conn.execute(update(User).where(User.id == user.id).values(language=language))

    def language_of(self, email: str) -> str | None:
        """The dashboard language a user last chose, or None (unknown user, or never chose)."""
        with self.engine.connect() as conn:
            row = self._user_row(conn, email)
        return None if row is None else row.language

    def unlock(self, email: str, *, by: str = "system") -> None:
        """End every lock-out of this e-mail now (from every source)."""
        self._update_user(email, "unlock", by, failed_attempts=0, locked_until=None)
        self._clear_throttle(email)

    def _clear_throttle(self, email: str) -> None:
        with self._write() as conn, conn.begin():
            conn.execute(
                delete(SignInThrottle).where(SignInThrottle.email == normalise_email(email))
            )

    def grants_of(self, email: str) -> list[GrantInfo]:
        """A user's grants (empty for an unknown user)."""
        with self.engine.connect() as conn:
            return self._grants(conn, email)

    def _grants(self, conn: Connection, email: str) -> list[GrantInfo]:
        rows = conn.execute(
            select(Grant.role, Grant.state, Grant.department)
            .join(User, User.id == Grant.user_id)
            .where(User.email == normalise_email(email))
            .order_by(Grant.id)
        ).all()
        return [GrantInfo(r.role, r.state or None, r.department or None) for r in rows]

    def users(self) -> pd.DataFrame:
        """Every user with its grants: email, name, grants, see_names, local_password, active,
        locked_until (IST), last_sign_in_at (IST)."""
        with self.engine.connect() as conn:
            users = conn.execute(select(User).order_by(User.email)).all()
            grants = {u.email: self._grants(conn, u.email) for u in users}
            locks = dict(
                conn.execute(
                    select(SignInThrottle.email, func.max(SignInThrottle.locked_until))
                    .where(SignInThrottle.locked_until > _now(None), SignInThrottle.email != "")
                    .group_by(SignInThrottle.email)
                ).all()
            )
        frame = pd.DataFrame(
            [
                {
                    "email": u.email,
                    "name": u.display_name,
                    "grants": "; ".join(g.describe() for g in grants[u.email]),
                    "see_names": bool(u.see_names),
                    "local_password": u.password_hash is not None,
                    "active": bool(u.active),
                    "locked_until": _utc(locks.get(u.email)),
                    "last_sign_in_at": u.last_sign_in_at,
                }
                for u in users
            ],
            columns=[
                "email",
                "name",
                "grants",
                "see_names",
                "local_password",
                "active",
                "locked_until",
                "last_sign_in_at",
            ],
        )
        for column in ("locked_until", "last_sign_in_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(IST)
        return frame

    def has_users(self) -> bool:
        """True when at least one account exists."""
        with self.engine.connect() as conn:
            return conn.execute(select(User.id).limit(1)).first() is not None

    def user(self, email: str, method: str = "password") -> SignedInUser | None:
        """The active user with this e-mail, resolved (grants → scopes), else None."""
        with self.engine.connect() as conn:
            row = self._user_row(conn, email)
            if row is None or not row.active:
                return None
            grants = tuple(self._grants(conn, email))
        return self._signed_in(row, grants, method)

    def _signed_in(self, row: Any, grants: tuple[GrantInfo, ...], method: str) -> SignedInUser:
        key = None if row.see_names else self.pseudonym_key()
        read, upload = resolve(grants, bool(row.see_names), key)
        return SignedInUser(
            email=row.email,
            name=row.display_name,
            method=method,
            grants=grants,
            see_names=bool(row.see_names),
            scope=read,
            upload_scope=upload,
        )

    def demo_user(self) -> SignedInUser:
        """The read-only demo session; refused once the store has accounts."""
        if self.has_users():
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

    # -- sign-in -------------------------------------------------------------------------------

    def sign_in_password(
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
        source = _cap(source or method, MAX_SOURCE - 40)  # (room for the marker)
        at = _now(now)
        with self.engine.connect() as conn:  # reads only: no write lock while hashing
            row = self._user_row(conn, email)
            locked = self._locked_until(conn, email, source, at)
        usable = row is not None and row.active and row.password_hash is not None
        checked = _verify(row.password_hash if usable and locked is None else _dummy(), password)
        right = usable and locked is None and checked
        new_hash = None
        if right and _hasher.check_needs_rehash(row.password_hash):
            new_hash = _hasher.hash(password)
        details: dict[str, Any] = {"method": method, "source": source}
        with self._write() as conn, conn.begin():
            if right:
                locked = self._locked_until(conn, email, source, at, for_update=True)
            if right and locked is None:
                values: dict[str, Any] = {"last_sign_in_at": at}
                if new_hash is not None:
                    values["password_hash"] = new_hash
                conn.execute(update(User).where(User.id == row.id).values(**values))
                conn.execute(
                    delete(SignInThrottle).where(
                        SignInThrottle.email == email, SignInThrottle.source == source
                    )
                )
                self._audit(conn, email, "sign_in", "ok", email, details, at)
                grants = tuple(self._grants(conn, email))
        if right and locked is None:  # (the pseudonym key may need a write of its own)
            return self._signed_in(row, grants, method)
        with self._write() as conn, conn.begin():
            if locked is not None:
                self._audit(
                    conn,
                    email,
                    "sign_in",
                    "refused",
                    email,
                    {**details, "reason": "locked", "locked_until": locked.isoformat()},
                    at,
                )
        if locked is not None:  # (raised outside the transaction, which would roll back)
            raise SignInRefused(_locked_message(locked))
        with self._write() as conn, conn.begin():
            why = (
                "unknown account"
                if row is None
                else "account disabled"
                if not row.active
                else "no local password (SSO only)"
                if row.password_hash is None
                else "wrong password"
            )
            failures, locked, started = self._count_failure(conn, email, source, at)
            self._audit(
                conn,
                email,
                "sign_in",
                "failed",
                email,
                {**details, "reason": why, "attempt": failures},
                at,
            )
            if started:
                self._audit(
                    conn,
                    email,
                    "lockout",
                    "ok",
                    email,
                    {"source": source, "attempts": failures, "locked_until": locked.isoformat()},
                    at,
                )
        if locked is not None:
            raise SignInRefused(_locked_message(locked))
        raise SignInRefused("wrong e-mail or password")

    def _throttle_rows(
        self, conn: Connection, email: str, source: str, *, for_update: bool = False
    ) -> list[Any]:
        query = select(SignInThrottle).where(
            SignInThrottle.source == source, SignInThrottle.email.in_([email, ""])
        )
        if for_update:
            query = query.with_for_update()
        return list(conn.execute(query).all())

    def _locked_until(
        self, conn: Connection, email: str, source: str, at: datetime, *, for_update: bool = False
    ) -> datetime | None:
        """The end of a lock on (email, source) or on the source alone, if one lasts at `at`."""
        ends = [
            r.locked_until
            for r in self._throttle_rows(conn, email, source, for_update=for_update)
            if r.locked_until is not None and r.locked_until > at
        ]
        return max(ends) if ends else None

    def _count_failure(
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
        for r in self._throttle_rows(conn, email, source, for_update=True):
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

    def sign_in_sso(
        self, email: str | None, name: str | None = None, *, verified: bool | None = None
    ) -> SignedInUser:
        """Map an SSO identity (its e-mail) to an active user; refused (audited) when the
        provider does not vouch for the e-mail (`verified` must be True: an `email_verified`
        claim missing or false is refused), or no active user has it."""
        if not email:
            self.audit(
                "sso:?", "sign_in", "refused", None, {"method": "sso", "reason": "no e-mail"}
            )
            raise SignInRefused("the single sign-on identity carries no e-mail address")
        email = normalise_email(email)
        reason = None
        if verified is None:
            reason = "e-mail not verified: the identity provider sent no email_verified claim"
        elif verified is not True:
            reason = "e-mail not verified by the identity provider (email_verified is false)"
        with self._write() as conn, conn.begin():
            row = self._user_row(conn, email)
            if reason is None and (row is None or not row.active):
                reason = "no account" if row is None else "account disabled"
            if reason is not None:
                self._audit(
                    conn, email, "sign_in", "refused", email, {"method": "sso", "reason": reason}
                )
            else:
                conn.execute(
                    update(User).where(User.id == row.id).values(last_sign_in_at=_now(None))
                )
                self._audit(conn, email, "sign_in", "ok", email, {"method": "sso", "name": name})
                grants = tuple(self._grants(conn, email))
        if reason is not None:
            raise SignInRefused(
                f"{email} has no active account here ({reason}); ask an administrator for access"
            )
        return self._signed_in(row, grants, "sso")

    def sign_out(self, user: SignedInUser, session_id: int | None = None) -> None:
        """Record a sign-out, ending the kept dashboard session `session_id` if given."""
        if session_id is not None:
            self.end_web_session(session_id)
        self.audit(user.email, "sign_out", "ok", user.email, {"method": user.method})

    # -- dashboard sessions kept across reloads and tabs ----------------------------------------

    def start_web_session(
        self, user: SignedInUser, *, now: datetime | None = None
    ) -> tuple[int, str]:
        """A kept session for a user who just signed in: (its id, a one-time hand-off code
        valid `HANDOFF_SECONDS`, which `redeem_handoff` exchanges for the cookie's token)."""
        at = _now(now)
        code = secrets.token_urlsafe(32)
        with self._write() as conn, conn.begin():
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
        at = _now(now)
        token = secrets.token_urlsafe(32)
        with self._write() as conn, conn.begin():
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

    def resume_web_session(
        self, token: str, *, now: datetime | None = None
    ) -> tuple[int, SignedInUser] | None:
        """(session id, the user re-resolved from the store) for a live session token; None
        when the token is unknown, ended or expired, or the user is disabled or removed."""
        at = _now(now)
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
        user = self.user(row.email, "password")
        return None if user is None else (row.id, user)

    def web_session_live(self, session_id: int, *, now: datetime | None = None) -> bool:
        """True while the kept session is neither ended (signed out) nor expired."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(WebSession.id).where(
                    WebSession.id == session_id,
                    WebSession.ended_at.is_(None),
                    WebSession.expires_at > _now(now),
                )
            ).first()
        return found is not None

    def end_web_session(self, session_id: int, *, now: datetime | None = None) -> None:
        """End a kept session (sign-out): its token no longer signs anyone in."""
        with self._write() as conn, conn.begin():
            conn.execute(
                update(WebSession)
                .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
                .values(ended_at=_now(now))
            )

    # -- uploads and exports -------------------------------------------------------------------

    def ingest_as(
        self,
        user: SignedInUser,
        sources: Sequence[Any],
        *,
        state: str | None = None,
        department: str | None = None,
        xes_mapping: dict[str, Any] | None = None,
    ) -> IngestResult:
        """Upload for `user`, audited whatever happens: refused (nothing stored) when any row
        lies outside the user's upload scope or touches a file the store holds under a
        department outside it (`authorise_upload`, checked under the store's writer lock);
        otherwise `Store.ingest` with `by=user.email`. Each source is read once: the bytes
        checked are the bytes stored."""
        names = [s[0] if isinstance(s, tuple) else str(s) for s in sources]
        target = ", ".join(names)
        if not user.can_upload or user.is_demo:
            refused = [Refusal(state or "?", department or "?", 0)]
            message = "refused: uploading needs a nodal-officer grant; nothing was stored"
            self.audit(user.email, "upload", "refused", target, {"reason": "no upload grant"})
            raise UploadRefused(message, refused)

        def authorise(read: Any, held: pd.DataFrame) -> None:
            refused = authorise_upload(user, read.events, held)
            if refused:
                raise UploadRefused(refusal_message(user, refused), refused)

        try:
            named = [source_bytes(s, UploadLimits.from_env()) for s in sources]
            result = self.store.ingest(
                named,
                state=state,
                department=department,
                by=user.email,
                authorise=authorise,
                xes_mapping=xes_mapping,
            )
        except UploadRefused as exc:
            self.audit(
                user.email,
                "upload",
                "refused",
                target,
                {
                    "refused": [r.__dict__ for r in exc.refused],
                    "scope": describe_scope(user.upload_scope),
                },
            )
            raise
        except UnusableInputError as exc:
            details = {"reason": exc.reason, "upload_id": getattr(exc, "upload_id", None)}
            self.audit(user.email, "upload", "unusable", target, details)
            raise
        except Exception as exc:
            self.audit(user.email, "upload", "failed", target, {"error": _error_text(exc)})
            raise
        self.audit(
            user.email,
            "upload",
            "ok" if result.status == "stored" else result.status,
            target,
            {
                "upload_id": result.upload_id or result.duplicate_of,
                "rows_accepted": result.rows_accepted,
                "rows_rejected": result.rows_rejected,
                "events_new": result.events_new,
            },
        )
        return result

    def check_upload(self, user: SignedInUser, events: pd.DataFrame) -> list[Refusal]:
        """`authorise_upload` of read events against the store as it stands (for a preview:
        the store is consulted only once every row lies inside the user's upload scope)."""
        refused = authorise_upload(user, events)
        if refused or events.empty:
            return refused
        return authorise_upload(user, events, self.store.stored_files(events))

    def uploads_visible_to(self, user: SignedInUser) -> pd.DataFrame:
        """The upload history `user` may see (`visible_uploads`)."""
        return visible_uploads(self.store.uploads(), user)

    def record_export(self, user: SignedInUser, what: str, rows: int, fmt: str) -> None:
        """Re-check `user` against the store at this moment, then audit the export.

        Refused (`ExportRefused`, audited as a refused `export`) when the account has been
        disabled or removed, or its grants or names permission changed since `user` was
        resolved: a button already on screen exports nothing after a revoke or disable.
        """
        reason = self._export_refusal(user)
        details = {"rows": int(rows), "format": fmt, "names_shown": user.scope.see_names}
        if reason is not None:
            self.audit(user.email, "export", "refused", what, {**details, "reason": reason})
            raise ExportRefused(f"refused: {reason}; nothing was exported (reload the page)")
        self.audit(user.email, "export", "ok", what, details)

    def _export_refusal(self, user: SignedInUser) -> str | None:
        if user.is_demo:
            return "demo mode is off: this store has user accounts" if self.has_users() else None
        current = self.user(user.email, user.method)
        if current is None:
            return "the account is disabled or removed"
        if current.grants != user.grants or current.see_names != user.see_names:
            return "your access changed since this page was shown"
        return None


def visible_uploads(history: pd.DataFrame, user: SignedInUser) -> pd.DataFrame:
    """Rows of `Store.uploads()` the user may see: every one for a reader of every state;
    otherwise the user's own uploads and those whose rows all lie in the user's read scope
    (`touched`; an upload that stored no rows counts by the state / department given)."""
    scope = user.scope
    if scope.unrestricted or history.empty:
        return history
    keep = []
    for by, touched, state, department in zip(
        history["uploaded_by"],
        history["touched"],
        history["state_given"],
        history["department_given"],
        strict=True,
    ):
        if by == user.email:
            keep.append(True)
        elif touched:
            keep.append(all(scope.allows(s, d) for s, d in touched))
        else:
            keep.append(
                isinstance(state, str)
                and scope.allows(state, department if isinstance(department, str) else None)
            )
    return history[keep]


def _error_text(exc: BaseException, cap: int = 500) -> str:
    """An exception as audit text: its type and message, control characters escaped, capped."""
    text = printable(f"{type(exc).__name__}: {exc}")
    return text if len(text) <= cap else text[:cap] + "…"


def session_lifetime() -> timedelta:
    """How long a dashboard sign-in is kept: `EOFFICE_SESSION_HOURS` (default 12)."""
    return timedelta(hours=float(os.environ.get(SESSION_HOURS_ENV, "12") or 12))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _utc(value: Any) -> datetime | None:
    """An aggregate's datetime (SQLite gives naive UTC or text) as aware UTC."""
    if value is None:
        return None
    moment = pd.Timestamp(value)
    return (moment.tz_localize(UTC) if moment.tzinfo is None else moment).to_pydatetime()


def _dummy() -> str:
    """A hash of a random password, verified for unknown accounts (equal timing)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_hex(16))
    return _dummy_hash


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def describe_scope(scope: Scope) -> str:
    """A scope for people: `every state`, or its states and `state / department` pairs."""
    if scope.states is None:
        return "every state"
    parts = sorted(scope.states) + [f"{s} / {d}" for s, d in sorted(scope.departments)]
    return ", ".join(parts) if parts else "none"


# --- command line: `eoffice-analytics users ...` --------------------------------------------


def register_cli(
    subparsers: Any, user_option: Callable[[argparse.ArgumentParser, str], None] | None = None
) -> None:
    """Add the `users` command (add, grant, revoke, list, ...) to the CLI's subparsers;
    `user_option` adds the command line's `--user` option (analytics/cli.py)."""
    users = subparsers.add_parser("users", help="manage accounts and their scoped grants")
    users.add_argument("--db", help="store URL (default: EOFFICE_DB_URL or the embedded SQLite)")
    if user_option is not None:
        user_option(users, "once accounts exist: sign in as this admin to run the command")
    users.add_argument(
        "--operator",
        action="store_true",
        help="run as the host's operator, without an account (for whoever can open the store: "
        "write access to the SQLite file, or the database's credentials); audited as operator",
    )
    sub = users.add_subparsers(dest="users_command", required=True)

    def scoped(p: argparse.ArgumentParser, role_required: bool = True) -> None:
        p.add_argument("email")
        p.add_argument("--role", choices=ROLES, required=role_required)
        p.add_argument("--state", help="state of the grant (viewer, nodal_officer)")
        p.add_argument("--department", help="department within --state (default: all)")

    add = sub.add_parser("add", help="create a user (the first admin too)")
    scoped(add)
    add.add_argument("--name", help="display name")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read a local password from standard input (else SSO sign-in only)",
    )
    add.add_argument("--see-names", action="store_true", help="may see officer names and user IDs")
    scoped(sub.add_parser("grant", help="give a user a role over a state/department"))
    scoped(sub.add_parser("revoke", help="remove one of a user's grants"))
    sub.add_parser("list", help="every user with grants and status")
    passwd = sub.add_parser("passwd", help="set a local password (read from standard input)")
    passwd.add_argument("email")
    passwd.add_argument("--remove", action="store_true", help="remove it (SSO only)")
    names = sub.add_parser("names", help="allow or deny officer names and user IDs")
    names.add_argument("email")
    names.add_argument("setting", choices=("allow", "deny"))
    unlock = sub.add_parser("unlock", help="end a lock-out")
    unlock.add_argument("email")
    for verb in ("disable", "enable"):
        sub.add_parser(verb, help=f"{verb} a user").add_argument("email")
    alerts = sub.add_parser("alerts", help="the account's overdue digest: daily, weekly or off")
    alerts.add_argument("email")
    alerts.add_argument("setting", choices=("daily", "weekly", "off"))
    audit = sub.add_parser("audit", help="show the newest audit rows")
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--action")


class CommandRefused(AuthError):
    """A command the signed-in user (or the would-be operator) may not run (audited)."""


SignIn = Callable[[Store, str | None], tuple[Accounts, SignedInUser | None]]
"""The command line's sign-in: (store, --user) → (accounts, the signed-in user)."""


def users_actor(accounts: Accounts, args: argparse.Namespace, sign_in: SignIn | None) -> str:
    """Who runs a `users` command, as written in the audit log; refuses (audited) otherwise.

    - no account yet (first setup): `cli:<os user>`, as before;
    - `--operator`: `operator:<os user>`. Whoever could open the store could change its
      tables directly (a SQLite store opens only for a process that may write its file; a
      server database only with the URL's credentials), so the flag grants nothing new: it
      makes the operator's way in explicit, and audited as such;
    - else `--user EMAIL` signed in (the password as for `ingest`) holding an admin grant.
    """
    actor, _ = command_actor(accounts, args, sign_in, "users", args.users_command)
    return actor


def command_actor(
    accounts: Accounts,
    args: argparse.Namespace,
    sign_in: SignIn | None,
    command: str,
    sub: str,
    *,
    need_admin: bool = True,
) -> tuple[str, SignedInUser | None]:
    """Who runs `<command> <sub>` (as `users_actor` says), and the signed-in user (None for
    the first setup or the operator). With `need_admin` a signed-in non-admin is refused
    (audited); otherwise the command checks the user's roles itself."""
    if not accounts.has_users():
        return cli_actor(), None
    if getattr(args, "operator", False):
        actor = "operator:" + cli_actor().removeprefix("cli:")
        details = {"email": getattr(args, "email", None)}
        accounts.audit(actor, "operator", "ok", f"{command} {sub}", details)
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
        accounts.audit(who, command, "refused", f"{command} {sub}", {"reason": "not an admin"})
        raise CommandRefused(f"`{command} {sub}` needs an admin; {who} holds no admin grant")
    return user.email, user


def users_command(args: argparse.Namespace, sign_in: SignIn | None = None) -> int:
    """Run `eoffice-analytics users ...`; returns the exit status. Once the store has
    accounts the command needs an admin's sign-in (`sign_in`) or `--operator`
    (`users_actor`); a refusal raises `CommandRefused`."""
    from analytics.store import open_store

    store = open_store(args.db)
    accounts = Accounts(store)
    cmd = args.users_command
    try:
        by = users_actor(accounts, args, sign_in)
    except AuthError:
        store.close()
        raise
    try:
        if cmd == "add":
            password = _read_password() if args.password_stdin else None
            accounts.add_user(
                args.email,
                args.role,
                state=args.state,
                department=args.department,
                password=password,
                name=args.name,
                see_names=args.see_names,
                by=by,
            )
            how = "password and SSO" if password else "SSO only"
            print(f"added {normalise_email(args.email)} ({args.role}; sign-in: {how})")
        elif cmd == "grant":
            done = accounts.grant(
                args.email, args.role, state=args.state, department=args.department, by=by
            )
            print("granted" if done else "already granted")
        elif cmd == "revoke":
            done = accounts.revoke(
                args.email, args.role, state=args.state, department=args.department, by=by
            )
            if not done:
                print("no such grant", file=sys.stderr)
                return 1
            print("revoked")
        elif cmd == "list":
            frame = accounts.users()
            if frame.empty:
                print("no users yet: add the first admin with `users add EMAIL --role admin`")
            else:
                print(frame.to_string(index=False))
        elif cmd == "passwd":
            accounts.set_password(args.email, None if args.remove else _read_password(), by=by)
            print("password removed" if args.remove else "password set")
        elif cmd == "names":
            accounts.set_see_names(args.email, args.setting == "allow", by=by)
            print(f"names {args.setting}ed".replace("denyed", "denied"))
        elif cmd == "unlock":
            accounts.unlock(args.email, by=by)
            print("unlocked")
        elif cmd in ("disable", "enable"):
            accounts.set_active(args.email, cmd == "enable", by=by)
            print(f"{cmd}d")
        elif cmd == "alerts":
            from analytics.alert_store import AlertBook  # (it imports this module)

            AlertBook(accounts).set_frequency(args.email, args.setting, by=by)
            print(f"overdue digest for {normalise_email(args.email)}: {args.setting}")
        elif cmd == "audit":
            print(accounts.audit_log(limit=args.limit, action=args.action).to_string(index=False))
    except AuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def _read_password() -> str:
    """One line from standard input (no echo when it is a terminal)."""
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise AuthError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")
