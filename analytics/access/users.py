"""Accounts and their scoped grants: who exists, with what roles over which states.

`Users` adds users, gives and removes grants, sets passwords, the names permission and the
active flag, each change audited in its own transaction; it resolves an active user into a
`SignedInUser` carrying its read `Scope` and upload scope (`resolve`), afresh on every call,
so a revoked grant takes effect at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, delete, insert, select, update

from analytics.access.audit import Action, AuditLog, now_utc, writer
from analytics.access.models import ROLES, Grant, User
from analytics.access.pseudonyms import PseudonymKey
from analytics.access.scope import Scope
from analytics.access.throttle import Throttle
from analytics.schema import IST

MIN_PASSWORD_LENGTH = 10
READ_ROLES = ("viewer", "nodal_officer")
"""Roles whose grant is scoped to a state (and optionally a department)."""
GLOBAL_ROLES = ("admin", "national_viewer")
"""Roles that read every state; their grants carry no state."""

hasher = PasswordHasher()
"""argon2id with argon2-cffi's default (RFC 9106 low-memory) parameters."""


class AuthError(Exception):
    """An access-control request that cannot be done; the message is for people."""


@dataclass(frozen=True)
class GrantInfo:
    """One grant: a role over a state (None = every state) and a department (None = all)."""

    role: str
    state: str | None = None
    department: str | None = None

    def describe(self, every_state: str = "every state") -> str:
        """E.g. `viewer: Manipur / Finance`; a grant of every state names it `every_state`
        (the dashboard passes the reader's language)."""
        where = every_state if self.state is None else self.state
        if self.department:
            where += f" / {self.department}"
        return f"{self.role}: {where}"


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
    def label(self) -> str:
        """Name and e-mail for display."""
        return f"{self.name} ({self.email})" if self.name else self.email


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


def check_grant(role: str, state: str | None, department: str | None) -> tuple[str, str]:
    """A grant's (state, department) as stored ('' for any); refused when the role does not
    fit them."""
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    state = (state or "").strip()
    department = (department or "").strip()
    if role in GLOBAL_ROLES and (state or department):
        raise AuthError(f"the {role} role covers every state: give no --state/--department")
    if role in READ_ROLES and not state:
        raise AuthError(f"the {role} role needs a --state (and optionally a --department)")
    return state, department


class Users:
    """Users and grants on the store's database; every change audited with it."""

    def __init__(self, engine: Engine, audit: AuditLog, pseudonym_key: PseudonymKey) -> None:
        self.engine = engine
        self.audit = audit
        self.pseudonym_key = pseudonym_key
        self.throttle = Throttle(engine)

    def row(self, conn: Connection, email: str) -> Any:
        """The `users` row of this e-mail, or None."""
        return conn.execute(select(User).where(User.email == normalise_email(email))).first()

    def require(self, conn: Connection, email: str) -> Any:
        """The `users` row of this e-mail; refused when there is none."""
        row = self.row(conn, email)
        if row is None:
            raise AuthError(f"no user {normalise_email(email)!r}")
        return row

    def add(
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
        grant = None if role is None else GrantInfo(role, *check_grant(role, state, department))
        password_hash = None
        if password is not None:
            check_password_strength(password)
            password_hash = hasher.hash(password)
        now = now_utc()
        details: dict[str, Any] = {
            "name": name,
            "local_password": password_hash is not None,
            "see_names": see_names,
        }
        with writer(self.engine) as conn, conn.begin():
            if self.row(conn, email) is not None:
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
            if grant is not None:
                self._insert_grant(conn, user_id, grant, by, now)
                details["grant"] = _stated(grant).describe()
            self.audit.write_in(conn, by, Action.USER_ADD, "ok", email, details)

    @staticmethod
    def _insert_grant(
        conn: Connection, user_id: int, grant: GrantInfo, by: str, now: datetime
    ) -> None:
        """`grant` holds the stored ('' for any) state and department."""
        conn.execute(
            insert(Grant).values(
                user_id=user_id,
                role=grant.role,
                state=grant.state,
                department=grant.department,
                granted_at=now,
                granted_by=by,
            )
        )

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
        grant = GrantInfo(role, *check_grant(role, state, department))
        with writer(self.engine) as conn, conn.begin():
            user = self.require(conn, email)
            if conn.execute(select(Grant.id).where(*_matching(user.id, grant))).first():
                return False
            self._insert_grant(conn, user.id, grant, by, now_utc())
            details = {"grant": _stated(grant).describe()}
            self.audit.write_in(conn, by, Action.GRANT, "ok", user.email, details)
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
        grant = GrantInfo(role, (state or "").strip(), (department or "").strip())
        with writer(self.engine) as conn, conn.begin():
            user = self.require(conn, email)
            removed = conn.execute(delete(Grant).where(*_matching(user.id, grant))).rowcount
            if removed:
                details = {"grant": _stated(grant).describe()}
                self.audit.write_in(conn, by, Action.REVOKE, "ok", user.email, details)
        return bool(removed)

    def _update(self, email: str, action: Action, by: str, **values: Any) -> None:
        with writer(self.engine) as conn, conn.begin():
            user = self.require(conn, email)
            conn.execute(update(User).where(User.id == user.id).values(**values))
            shown = {k: str(v) for k, v in values.items() if k != "password_hash"}
            self.audit.write_in(conn, by, action, "ok", user.email, shown)

    def set_password(self, email: str, password: str | None, *, by: str = "system") -> None:
        """Set (or with None remove) a user's local password; also clears a lock-out."""
        if password is not None:
            check_password_strength(password)
        self._update(
            email,
            Action.PASSWORD_SET if password is not None else Action.PASSWORD_REMOVED,
            by,
            password_hash=None if password is None else hasher.hash(password),
        )
        self.throttle.clear(normalise_email(email))

    def set_see_names(self, email: str, allow: bool, *, by: str = "system") -> None:
        """Allow or deny a user the officer names and user IDs."""
        self._update(email, Action.NAMES_PERMISSION, by, see_names=allow)

    def set_active(self, email: str, active: bool, *, by: str = "system") -> None:
        """Enable or disable a user (a disabled user cannot sign in by any method)."""
        action = Action.USER_ENABLE if active else Action.USER_DISABLE
        self._update(email, action, by, active=active)

    def unlock(self, email: str, *, by: str = "system") -> None:
        """End every lock-out of this e-mail now (from every source)."""
        self._update(email, Action.UNLOCK, by, failed_attempts=0, locked_until=None)
        self.throttle.clear(normalise_email(email))

    def grants_of(self, email: str) -> list[GrantInfo]:
        """A user's grants (empty for an unknown user)."""
        with self.engine.connect() as conn:
            return self.grants_in(conn, email)

    def grants_in(self, conn: Connection, email: str) -> list[GrantInfo]:
        """`grants_of` on the caller's connection."""
        rows = conn.execute(
            select(Grant.role, Grant.state, Grant.department)
            .join(User, User.id == Grant.user_id)
            .where(User.email == normalise_email(email))
            .order_by(Grant.id)
        ).all()
        return [GrantInfo(r.role, r.state or None, r.department or None) for r in rows]

    def table(self, every_state: str = "every state") -> pd.DataFrame:
        """Every user with its grants: email, name, grants, see_names, local_password, active,
        locked_until (IST), last_sign_in_at (IST). `every_state`: see `GrantInfo.describe`."""
        with self.engine.connect() as conn:
            users = conn.execute(select(User).order_by(User.email)).all()
            grants = {u.email: self.grants_in(conn, u.email) for u in users}
            locks = self.throttle.locks_by_email(conn, now_utc())
        frame = pd.DataFrame(
            [
                {
                    "email": u.email,
                    "name": u.display_name,
                    "grants": "; ".join(g.describe(every_state) for g in grants[u.email]),
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

    def exist(self) -> bool:
        """True when at least one account exists."""
        with self.engine.connect() as conn:
            return conn.execute(select(User.id).limit(1)).first() is not None

    def set_language(self, email: str, language: str) -> None:
        """Remember the dashboard language a user chose (their own setting: not audited)."""
        with writer(self.engine) as conn, conn.begin():
            user = self.require(conn, email)
            conn.execute(update(User).where(User.id == user.id).values(language=language))

    def language_of(self, email: str) -> str | None:
        """The dashboard language a user last chose, or None (unknown user, or never chose)."""
        with self.engine.connect() as conn:
            row = self.row(conn, email)
        return None if row is None else row.language

    def get(self, email: str, method: str = "password") -> SignedInUser | None:
        """The active user with this e-mail, resolved (grants → scopes), else None."""
        with self.engine.connect() as conn:
            row = self.row(conn, email)
            if row is None or not row.active:
                return None
            grants = tuple(self.grants_in(conn, email))
        return self.signed_in(row, grants, method)

    def signed_in(self, row: Any, grants: tuple[GrantInfo, ...], method: str) -> SignedInUser:
        """The user of a `users` row with these grants, signed in by `method`."""
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


def _stated(grant: GrantInfo) -> GrantInfo:
    """A grant as stored ('' for any) as a grant read (None for any)."""
    return GrantInfo(grant.role, grant.state or None, grant.department or None)


def _matching(user_id: int, grant: GrantInfo) -> tuple[Any, ...]:
    """The WHERE terms of the stored grant `grant` of user `user_id`."""
    return (
        Grant.user_id == user_id,
        Grant.role == grant.role,
        Grant.state == grant.state,
        Grant.department == grant.department,
    )


def _utc(value: Any) -> datetime | None:
    """An aggregate's datetime (SQLite gives naive UTC or text) as aware UTC."""
    if value is None:
        return None
    moment = pd.Timestamp(value)
    return (moment.tz_localize(UTC) if moment.tzinfo is None else moment).to_pydatetime()
