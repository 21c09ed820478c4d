"""The overdue alerts' tables on the store: rules, each account's digest choice, and the
ledger that makes each digest go once (docs/alerts.md, "Sent once").

`AlertBook(accounts)` works on the store's database through `Accounts` (which audits):

- `rules()` / `set_rule` / `remove_rule`: the limits of `analytics.figures.overdue.Rule`;
- `frequency(email)` / `set_frequency`: `daily`, `weekly` or `off` per account;
- `claim` → (send) → `mark_sent` or `mark_failed`: one ledger row per (e-mail, IST day).
  The claim is recorded and committed before the message is handed to the mail server, and
  `sent` is committed as soon as the server accepts it; a claim left `sending` by a run that
  was killed is taken over by a later run only once it is older than the lease.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from analytics.access.accounts import Accounts
from analytics.access.audit import Action, writer
from analytics.access.models import User
from analytics.access.users import AuthError, normalise_email
from analytics.figures.overdue import Rule, check_rules
from analytics.schema import IST
from analytics.store.alert_models import FREQUENCIES, AlertDigest, AlertPreference, AlertRule

LEASE_ENV = "EOFFICE_ALERTS_LEASE_MINUTES"
"""How long (minutes, default 10) a claim left `sending` belongs to the run that made it;
after that a later run takes it over (the first run was killed, or hangs)."""


def lease() -> timedelta:
    """The claim lease (`LEASE_ENV`)."""
    return timedelta(minutes=float(os.environ.get(LEASE_ENV, "10") or 10))


@dataclass(frozen=True)
class Claim:
    """A ledger row this run may send: `resend` when an earlier attempt failed or was cut
    off (`previous`: `failed` or `sending`), with the same Message-ID as before."""

    id: int
    email: str
    day: date
    message_id: str
    attempts: int
    resend: bool = False
    previous: str = ""


def week_start(day: date) -> date:
    """The Monday of `day`'s week (weekly digests go once per Monday-to-Sunday week)."""
    return day - timedelta(days=day.weekday())


def ist_today(now: datetime | None = None) -> date:
    """Today's date in IST."""
    return (now or datetime.now(UTC)).astimezone(IST).date()


class AlertBook:
    """Rules, digest choices and the digest ledger (see the module docstring)."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.engine = accounts.engine

    # -- rules ---------------------------------------------------------------------------------

    def rules(self) -> list[Rule]:
        """The stored rules (the default 7 and 7 applies where none matches)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(AlertRule).order_by(AlertRule.id)).all()
        return [
            Rule(
                state=r.state or None,
                level=r.level or None,
                file_type=r.file_type or None,
                limit_days=float(r.limit_days),
                escalate_after_days=float(r.escalate_after_days),
            )
            for r in rows
        ]

    def set_rule(self, rule: Rule, *, by: str) -> None:
        """Add the rule, or replace the one for the same state, level and file type (audited)."""
        check_rules([rule])
        key = {
            "state": rule.state or "",
            "level": rule.level or 0,
            "file_type": rule.file_type or "",
        }
        values = {
            "limit_days": float(rule.limit_days),
            "escalate_after_days": float(rule.escalate_after_days),
            "updated_at": datetime.now(UTC),
            "updated_by": by,
        }
        with writer(self.accounts.engine) as conn, conn.begin():
            done = conn.execute(
                update(AlertRule).where(*(getattr(AlertRule, k) == v for k, v in key.items())),
                values,
            ).rowcount
            if not done:
                conn.execute(insert(AlertRule).values(**key, **values))
            details = {"rule": rule.describe(), "limit_days": rule.limit_days}
            details["escalate_after_days"] = rule.escalate_after_days
            self.accounts.audit.write_in(
                conn, by, Action.ALERT_RULE, "ok", rule.describe(), details
            )

    def remove_rule(
        self, state: str | None, level: int | None, file_type: str | None, *, by: str
    ) -> bool:
        """Remove the rule for exactly this state, level and file type; False when none."""
        rule = Rule(state=state, level=level, file_type=file_type)
        with writer(self.accounts.engine) as conn, conn.begin():
            gone = conn.execute(
                delete(AlertRule).where(
                    AlertRule.state == (state or ""),
                    AlertRule.level == (level or 0),
                    AlertRule.file_type == (file_type or ""),
                )
            ).rowcount
            if gone:
                self.accounts.audit.write_in(
                    conn, by, Action.ALERT_RULE_REMOVED, "ok", rule.describe()
                )
        return bool(gone)

    # -- each account's choice -----------------------------------------------------------------

    def frequency(self, email: str) -> str:
        """`daily`, `weekly` or `off` (AuthError for an unknown account)."""
        with self.engine.connect() as conn:
            user = self.accounts.users.require(conn, email)
            value = conn.execute(
                select(AlertPreference.frequency).where(AlertPreference.user_id == user.id)
            ).scalar()
        return value or "off"

    def set_frequency(self, email: str, frequency: str, *, by: str) -> None:
        """Set an account's digest to `daily`, `weekly` or `off` (audited; AuthError for an
        unknown account or another value)."""
        if frequency not in FREQUENCIES:
            raise AuthError(f"unknown choice {frequency!r}: use one of {', '.join(FREQUENCIES)}")
        now = datetime.now(UTC)
        with writer(self.accounts.engine) as conn, conn.begin():
            user = self.accounts.users.require(conn, email)
            done = conn.execute(
                update(AlertPreference)
                .where(AlertPreference.user_id == user.id)
                .values(frequency=frequency, updated_at=now, updated_by=by)
            ).rowcount
            if not done:
                conn.execute(
                    insert(AlertPreference).values(
                        user_id=user.id, frequency=frequency, updated_at=now, updated_by=by
                    )
                )
            details = {"frequency": frequency}
            self.accounts.audit.write_in(
                conn, by, Action.ALERT_PREFERENCE, "ok", user.email, details
            )

    def subscribers(self) -> list[tuple[str, str]]:
        """(email, frequency) of every active account that chose daily or weekly, by e-mail."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(User.email, AlertPreference.frequency)
                .join(AlertPreference, AlertPreference.user_id == User.id)
                .where(User.active.is_(True), AlertPreference.frequency != "off")
                .order_by(User.email)
            ).all()
        return [(r.email, r.frequency) for r in rows]

    # -- the ledger ----------------------------------------------------------------------------

    def due(self, email: str, frequency: str, day: date) -> bool:
        """Whether a digest may go to `email` on `day`: daily, unless one went that day;
        weekly, unless one went earlier in the same week (today's row is `claim`'s to judge)."""
        start = week_start(day) if frequency == "weekly" else day
        with self.engine.connect() as conn:
            sent = conn.execute(
                select(AlertDigest.id).where(
                    AlertDigest.email == normalise_email(email),
                    AlertDigest.day >= start,
                    AlertDigest.day < day,
                    AlertDigest.status == "sent",
                )
            ).first()
        return sent is None

    def claim(
        self,
        email: str,
        day: date,
        frequency: str,
        files: list[list[str]],
        message_id: str,
        *,
        now: datetime | None = None,
        held_for: timedelta | None = None,
    ) -> Claim | Any:
        """Record the intent to send `email`'s digest of `day` and commit it; the `Claim`, or
        the ledger row's status (`sent`, or `sending` by another run) when it is not ours."""
        email = normalise_email(email)
        now = now or datetime.now(UTC)
        try:
            with writer(self.accounts.engine) as conn, conn.begin():
                row = self._row(conn, email, day)
                if row is None:
                    new_id = conn.execute(
                        insert(AlertDigest)
                        .values(
                            email=email,
                            day=day,
                            frequency=frequency,
                            status="sending",
                            message_id=message_id,
                            files=files,
                            claimed_at=now,
                            attempts=1,
                        )
                        .returning(AlertDigest.id)
                    ).scalar_one()
                    return Claim(new_id, email, day, message_id, 1)
                stale = row.claimed_at.astimezone(UTC) < now - (held_for or lease())
                if row.status == "sent" or (row.status == "sending" and not stale):
                    return row.status
                conn.execute(
                    update(AlertDigest)
                    .where(AlertDigest.id == row.id)
                    .values(
                        status="sending",
                        files=files,
                        claimed_at=now,
                        attempts=row.attempts + 1,
                        frequency=frequency,
                    )
                )
                return Claim(row.id, email, day, row.message_id, row.attempts + 1, True, row.status)
        except IntegrityError:  # another run inserted the same (email, day) first
            return "sending"

    def _row(self, conn: Connection, email: str, day: date) -> Any:
        query = select(AlertDigest).where(AlertDigest.email == email, AlertDigest.day == day)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return conn.execute(query).first()

    def mark_sent(self, claim: Claim, *, by: str, details: dict[str, Any]) -> None:
        """The server accepted the digest: mark it sent and audit the send, in one commit."""
        with writer(self.accounts.engine) as conn, conn.begin():
            conn.execute(
                update(AlertDigest)
                .where(AlertDigest.id == claim.id)
                .values(status="sent", sent_at=datetime.now(UTC), error=None)
            )
            self.accounts.audit.write_in(conn, by, Action.ALERT_DIGEST, "ok", claim.email, details)

    def mark_failed(self, claim: Claim, error: str, *, by: str, details: dict[str, Any]) -> None:
        """The server refused it or the connection broke: `failed` (the next run retries)."""
        with writer(self.accounts.engine) as conn, conn.begin():
            conn.execute(
                update(AlertDigest)
                .where(AlertDigest.id == claim.id)
                .values(status="failed", error=error[:2000])
            )
            info = {**details, "error": error}
            self.accounts.audit.write_in(conn, by, Action.ALERT_DIGEST, "failed", claim.email, info)

    def digests(self, email: str | None = None) -> pd.DataFrame:
        """The ledger, oldest first: id, email, day, frequency, status, message_id, files,
        attempts, claimed_at and sent_at (IST), error."""
        query = select(AlertDigest).order_by(AlertDigest.id)
        if email:
            query = query.where(AlertDigest.email == normalise_email(email))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        columns = ["id", "email", "day", "frequency", "status", "message_id", "files"]
        columns += ["attempts", "claimed_at", "sent_at", "error"]
        frame = pd.DataFrame([{c: getattr(r, c) for c in columns} for r in rows], columns=columns)
        for c in ("claimed_at", "sent_at"):
            frame[c] = pd.to_datetime(frame[c], utc=True).dt.tz_convert(IST)
        return frame
