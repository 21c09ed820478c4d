"""The overdue digest by e-mail: `eoffice-analytics alerts --send [--dry-run]` (docs/alerts.md).

Each active account that chose `daily` or `weekly` (`AlertBook.subscribers`) gets one digest
of the overdue files in its scope, with pseudonyms unless it has the names permission, as a
plain-text and an HTML part, in Indian formats. Sending goes through the ledger: claim
(committed), hand to the mail server, mark sent (committed, with the audit row). A run that
is repeated sends nothing new; a run that was cut off is finished by the next one.

The mail server is `EOFFICE_SMTP_URL`: `smtp://host:port` (no TLS, no sign-in: a relay on the
host or the LAN) or `smtp+starttls://user:password@host:port` (STARTTLS with the system's
certificate authorities, then sign-in); the sender `EOFFICE_MAIL_FROM`. `EOFFICE_DASHBOARD_URL`,
when set, adds a link to each file's journey.
"""

from __future__ import annotations

import hashlib
import html
import os
import signal
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from urllib.parse import quote, unquote, urlsplit

import pandas as pd

from analytics import i18n
from analytics.access.accounts import Accounts
from analytics.access.alerts import AlertBook, Claim, ist_today
from analytics.access.audit import Action
from analytics.access.pseudonyms import pseudonymise
from analytics.access.scope import describe_scope
from analytics.access.users import SignedInUser, normalise_email
from analytics.figures.overdue import Rule, overdue, wording
from analytics.figures.registry import CSMOP_WORKING_DAYS, ESCALATION_WORKING_DAYS
from analytics.fmt import day as fmt_day
from analytics.fmt import indian, moment
from analytics.i18n import N_, ngettext, translator
from analytics.log.calendar import WorkCalendar
from analytics.store.store import Store

SMTP_ENV = "EOFFICE_SMTP_URL"
FROM_ENV = "EOFFICE_MAIL_FROM"
DASHBOARD_ENV = "EOFFICE_DASHBOARD_URL"
HOLIDAYS_ENV = "EOFFICE_HOLIDAYS"
HOOK_ENV = "EOFFICE_ALERTS_HOOK"
"""Test hook: `accepted:N` or `sent:N` kills the process (SIGKILL) right after the N-th
digest is accepted by the server (before it is marked sent) or marked sent."""
TIMEOUT = 30.0


class AlertError(Exception):
    """A configuration or delivery problem; the message says what was and was not sent."""


# --- the mail server ------------------------------------------------------------------------


@dataclass(frozen=True)
class MailServer:
    """Where digests go: host, port, STARTTLS or not, and the sign-in for it."""

    host: str
    port: int
    starttls: bool
    user: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def from_url(cls, url: str) -> MailServer:
        """`smtp://host:port` or `smtp+starttls://user:password@host:port` (AlertError)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtp+starttls"):
            raise AlertError(
                f"{SMTP_ENV}: scheme {parts.scheme or '(none)'!r} is not smtp:// or "
                "smtp+starttls://; nothing was sent"
            )
        try:
            port = parts.port
        except ValueError:
            raise AlertError(f"{SMTP_ENV}: the port is not a number; nothing was sent") from None
        if not parts.hostname or port is None:
            raise AlertError(f"{SMTP_ENV}: give host and port (smtp://host:port); nothing was sent")
        user, password = unquote(parts.username or ""), unquote(parts.password or "")
        starttls = parts.scheme == "smtp+starttls"
        if user and not starttls:
            raise AlertError(
                f"{SMTP_ENV}: a user and password go only with smtp+starttls:// (never in clear "
                "text); nothing was sent"
            )
        return cls(parts.hostname, port, starttls, user, password)

    @property
    def where(self) -> str:
        """host:port, for messages."""
        return f"{self.host}:{self.port}"

    def connect(self) -> smtplib.SMTP:
        """An open, signed-in session (AlertError naming the server when it cannot be)."""
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        except OSError as exc:
            raise AlertError(
                f"cannot reach the mail server {self.where} ({SMTP_ENV}): {exc}; nothing was sent"
            ) from None
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise AlertError(
                f"the mail server {self.where} refused the credentials of {self.user!r} "
                f"({exc.smtp_code}); nothing was sent"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            smtp.close()
            raise AlertError(
                f"the mail server {self.where} failed before any digest was sent: {exc}; "
                "nothing was sent"
            ) from None
        return smtp


def mail_settings(dry_run: bool) -> tuple[MailServer | None, str]:
    """The server and sender from the environment (AlertError naming what is missing)."""
    sender = os.environ.get(FROM_ENV, "").strip()
    url = os.environ.get(SMTP_ENV, "").strip()
    if dry_run:
        return (MailServer.from_url(url) if url else None), sender or "(EOFFICE_MAIL_FROM)"
    if not url:
        raise AlertError(
            f"{SMTP_ENV} is not set: give the mail server as smtp://host:port or "
            "smtp+starttls://user:password@host:port; nothing was sent"
        )
    if "@" not in parseaddr(sender)[1]:
        raise AlertError(
            f"{FROM_ENV} is not set to an e-mail address (the digests' sender); nothing was sent"
        )
    return MailServer.from_url(url), sender


# --- one digest -----------------------------------------------------------------------------


@dataclass
class Digest:
    """One account's digest: its overdue files as shown to it, and the message parts."""

    email: str
    frequency: str
    files: pd.DataFrame
    subject: str
    text: str
    html: str
    names_shown: bool = False

    @property
    def keys(self) -> list[list[str]]:
        """[state, file_id] of each file named (what the ledger records)."""
        return self.files[["state", "file_id"]].astype(str).to_numpy().tolist()


def message_id(email: str, day: date, sender: str) -> str:
    """The digest's Message-ID: the same for the same address and day, so a copy sent again
    after an interrupted run is recognisably the same message."""
    digest = hashlib.sha256(f"{email}\n{day.isoformat()}".encode()).hexdigest()[:24]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "eoffice-analytics"
    return f"<overdue.{day:%Y%m%d}.{digest}@{domain}>"


def build_digest(
    user: SignedInUser,
    frequency: str,
    found: pd.DataFrame,
    as_of: pd.Series,
    level_names: dict[int, str],
    day: date,
    dashboard_url: str = "",
    lang: str = "en",
) -> Digest | None:
    """The digest of `user` in `lang` (en, hi): the rows of `found` (`alerts.overdue`) inside
    its scope, with pseudonyms unless it may see names; None when nothing in its scope is
    overdue."""
    mine = found[user.scope.mask(found)].reset_index(drop=True)
    if mine.empty:
        return None
    lang = i18n.known(lang)
    _ = translator(lang)
    shown = pseudonymise(mine, user.scope)
    shown["said"] = wording(shown, level_names, lang).to_numpy()
    n, escalated = len(shown), int(shown["escalated"].sum())
    states = sorted(set(shown["state"].astype(str)))
    when = "; ".join(f"{s} {moment(as_of[s], lang)}" for s in states if s in as_of.index)
    subject = _("Overdue files: {n} in your scope, {escalated} escalated ({day})").format(
        n=indian(n), escalated=indian(escalated), day=fmt_day(day, lang)
    )
    scope = describe_scope(user.scope)
    intro = ngettext(
        "{n} file in your scope ({scope}) is overdue, {escalated} of them escalated, as of each "
        "state's latest upload ({when}).",
        "{n} files in your scope ({scope}) are overdue, {escalated} of them escalated, as of "
        "each state's latest upload ({when}).",
        n,
        lang,
    ).format(
        n=indian(n), scope=_(scope) if scope in SCOPE_WORDS else scope,
        escalated=indian(escalated), when=when,
    ) + " " + _(
        "A file is overdue when it has been with its present holder longer than its limit "
        "({limit} working days unless a rule sets another), and escalated after {more} more "
        "working days (unless a rule sets another) to the next level's holder of its "
        "department."
    ).format(limit=CSMOP_WORKING_DAYS, more=ESCALATION_WORKING_DAYS)  # fmt: skip
    lines, rows = [intro, ""], []
    base = dashboard_url.rstrip("/")
    for (state, department), group in shown.groupby(["state", "department"], sort=True):
        lines.append(
            _("{state} / {department}: {n} overdue").format(
                state=state, department=department, n=indian(len(group))
            )
        )
        for row in group.itertuples(index=False):
            number = row.file_number if isinstance(row.file_number, str) else ""
            name = f"{row.file_id} ({number})" if number else str(row.file_id)
            link = f"{base}/journey?file={quote(str(row.file_id))}" if base else ""
            since = moment(row.overdue_since, lang)
            lines.append(
                _("- {file}: {said}; overdue since {since}").format(
                    file=name, said=row.said, since=since
                )
            )
            if link:
                lines.append(f"  {link}")
            rows.append((state, department, name, row.said, since, link))
        lines.append("")
    lines.append(_("Sent by e-Office analytics to {email}.").format(email=user.email))
    lines.append(_(CHOOSE))
    text = "\n".join(lines)
    html_part = _html(intro, rows, lang)
    return Digest(user.email, frequency, mine, subject, text, html_part, user.see_names)


CHOOSE = N_("Choose daily, weekly or off on the dashboard's Alert settings page.")
SCOPE_WORDS = (N_("every state"), N_("none"))
"""The words `describe_scope` writes itself (the rest are states' and departments' names)."""


def _html(intro: str, rows: list[tuple[str, ...]], lang: str) -> str:
    e = html.escape
    _ = translator(lang)
    body = []
    for state, department, name, said, since, link in rows:
        cell = f'<a href="{e(link)}">{e(name)}</a>' if link else e(name)
        body.append(
            f"<tr><td>{e(state)} / {e(department)}</td><td>{cell}</td><td>{e(said)}</td>"
            f"<td>{e(since)}</td></tr>"
        )
    heads = (_("State / department"), _("File"), _("Where it is"), _("Overdue since"))
    return (
        f'<html lang="{lang}"><body>'
        f"<p>{e(intro)}</p>"
        '<table border="1" cellpadding="4" cellspacing="0">'
        "<tr>" + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>" + "".join(body) + "</table>"
        f"<p>{e(_(CHOOSE))}</p>"
        "</body></html>"
    )


def to_message(digest: Digest, sender: str, msg_id: str) -> EmailMessage:
    """The digest as an e-mail: plain text, with the HTML as its alternative."""
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = sender
    msg["To"] = formataddr(("", digest.email))
    msg["Message-ID"] = msg_id
    msg.set_content(digest.text)
    msg.add_alternative(digest.html, subtype="html")
    return msg


# --- the run --------------------------------------------------------------------------------


@dataclass
class RunResult:
    """What a run did: digests sent, skipped (with why) and not sent (with why)."""

    sent: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    planned: list[Digest] = field(default_factory=list)


def plan(
    store: Store,
    *,
    day: date,
    accounts_only: Sequence[str] = (),
    calendar: WorkCalendar | None = None,
    rules: Sequence[Rule] | None = None,
) -> RunResult:
    """The digests due today (in `planned`) and the accounts passed over (in `skipped`).

    `accounts_only` restricts the run to these e-mails; an unknown one, or one that has not
    opted in, is an AlertError before anything is sent.
    """
    accounts = Accounts(store)
    book = AlertBook(accounts)
    wanted = dict(book.subscribers())
    for email in accounts_only:
        key = normalise_email(email)
        if key in wanted:
            continue
        known = accounts.users.table().set_index("email")["active"]
        if key not in known.index:
            why = "is not an account of this store"
        elif not known[key]:
            why = "is disabled"
        else:
            why = f"has not opted in to the digest (users alerts {key} daily|weekly)"
        raise AlertError(f"{email} {why}; nothing was sent")
    if accounts_only:
        keep = {normalise_email(e) for e in accounts_only}
        wanted = {e: f for e, f in wanted.items() if e in keep}
    result = RunResult()
    prepared = store.load_prepared()
    if prepared is None:
        result.skipped = [(e, "the store holds no files") for e in wanted]
        return result
    found = overdue(
        prepared.analysis.facts,
        prepared.analysis.as_of,
        book.rules() if rules is None else rules,
        calendar or holiday_calendar(),
    )
    names = store.levels.current().level_names()
    base = os.environ.get(DASHBOARD_ENV, "").strip()
    for email, frequency in wanted.items():
        user = accounts.users.get(email, method="alerts")
        if user is None or not user.can_read:
            result.skipped.append((email, "no grant to read any state"))
            continue
        if not book.due(email, frequency, day):
            result.skipped.append((email, "the weekly digest went earlier this week"))
            continue
        lang = i18n.known(accounts.users.language_of(email))  # as last chosen on the dashboard
        digest = build_digest(
            user, frequency, found, prepared.analysis.as_of, names, day, base, lang
        )
        if digest is None:
            result.skipped.append((email, "nothing overdue in its scope"))
            continue
        result.planned.append(digest)
    return result


def holiday_calendar() -> WorkCalendar:
    """Monday–Friday with the holidays of `EOFFICE_HOLIDAYS` (a `state,date` CSV), if set."""
    path = os.environ.get(HOLIDAYS_ENV, "").strip()
    return WorkCalendar.from_file(path) if path else WorkCalendar()


def send(
    store: Store,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    accounts_only: Sequence[str] = (),
    calendar: WorkCalendar | None = None,
    actor: str = "alerts",
    say: Callable[[str], None] = print,
) -> RunResult:
    """Plan today's digests and send each once (see the module docstring).

    AlertError before anything is sent for bad configuration, an unreachable server or
    refused credentials; when the connection breaks midway, the digests already sent stay
    sent, and AlertError names those that were not (the next run sends them).
    """
    server, sender = mail_settings(dry_run)
    day = ist_today(now)
    result = plan(store, day=day, accounts_only=accounts_only, calendar=calendar)
    for email, why in result.skipped:
        say(f"{email}: nothing to send ({why})")
    if dry_run:  # prints what each account would read: audited like an export
        accounts = Accounts(store)
        for digest in result.planned:
            details = {"day": day.isoformat(), "files": len(digest.files), "dry_run": True}
            accounts.audit.write(actor, Action.ALERT_DIGEST, "dry_run", digest.email, details)
            say(
                f"{digest.email}: would send {_files(len(digest.files))} ({digest.frequency}): "
                + ", ".join(f for _, f in digest.keys)
            )
            say(digest.text)
        return result
    if not result.planned:
        return result
    assert server is not None
    book = AlertBook(Accounts(store))
    smtp = server.connect()
    try:
        _send_all(book, smtp, result, sender, day, actor, say)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    if result.failed:
        done = ", ".join(result.sent) or "none"
        missing = "; ".join(f"{e} ({why})" for e, why in result.failed)
        raise AlertError(
            f"sent {indian(len(result.sent))} of {indian(len(result.planned))} digests "
            f"({done}); NOT sent: {missing}. Run again to send the rest: nothing goes twice."
        )
    return result


def _send_all(
    book: AlertBook,
    smtp: smtplib.SMTP,
    result: RunResult,
    sender: str,
    day: date,
    actor: str,
    say: Callable[[str], None],
) -> None:
    broken = ""
    for i, digest in enumerate(result.planned):
        if broken:
            result.failed.append((digest.email, f"not tried: {broken}"))
            continue
        claim = book.claim(
            digest.email, day, digest.frequency, digest.keys, message_id(digest.email, day, sender)
        )
        if not isinstance(claim, Claim):
            why = "sent already today" if claim == "sent" else "another run is sending it"
            result.skipped.append((digest.email, why))
            say(f"{digest.email}: nothing to send ({why})")
            continue
        details = {
            "day": day.isoformat(),
            "frequency": digest.frequency,
            "files": len(digest.files),
            "escalated": int(digest.files["escalated"].sum()),
            "message_id": claim.message_id,
            "attempt": claim.attempts,
            "names_shown": digest.names_shown,
        }
        try:
            smtp.send_message(to_message(digest, sender, claim.message_id), sender, [digest.email])
        except smtplib.SMTPRecipientsRefused as exc:
            reason = f"the server refused the address: {exc.recipients}"
            book.mark_failed(claim, reason, by=actor, details=details)
            result.failed.append((digest.email, reason))
            continue
        except (smtplib.SMTPException, OSError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            book.mark_failed(claim, reason, by=actor, details=details)
            result.failed.append((digest.email, reason))
            if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                broken = f"the connection to the mail server broke ({reason})"
            continue
        _hook("accepted", i + 1)
        book.mark_sent(claim, by=actor, details=details)
        _hook("sent", i + 1)
        result.sent.append(digest.email)
        again = " (again: the last attempt was cut off)" if claim.previous == "sending" else ""
        say(f"{digest.email}: sent {_files(len(digest.files))}{again}")


def _files(n: int) -> str:
    return f"{indian(n)} overdue file{'' if n == 1 else 's'}"


def _hook(stage: str, count: int) -> None:
    """The documented test hook (`HOOK_ENV`): a kill at a known point of a run."""
    spec = os.environ.get(HOOK_ENV, "")
    if spec == f"{stage}:{count}":
        os.kill(os.getpid(), signal.SIGKILL)
