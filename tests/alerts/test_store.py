"""The alerts' tables (issue 15, part 2) on SQLite and PostgreSQL: rules, choices, ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from analytics.access.accounts import Accounts
from analytics.access.alerts import AlertBook, week_start
from analytics.access.users import AuthError
from analytics.figures.overdue import Rule
from analytics.store.store import open_store
from tests.alerts.log import RULES


def test_rules_round_trip_and_replace(loaded):
    book = AlertBook(Accounts(loaded))
    assert book.rules() == []
    for rule in RULES:
        book.set_rule(rule, by="operator:test")
    assert book.rules() == RULES
    book.set_rule(Rule(state="Manipur", limit_days=12, escalate_after_days=3), by="admin@gov.in")
    got = {r.key: (r.limit_days, r.escalate_after_days) for r in book.rules()}
    assert got[("Manipur", None, None)] == (12, 3)
    assert len(got) == 3
    assert book.remove_rule(None, 2, None, by="admin@gov.in")
    assert not book.remove_rule(None, 2, None, by="admin@gov.in")
    assert len(book.rules()) == 2
    actions = Accounts(loaded).audit.read(action="alert_rule")
    assert len(actions) == 4
    assert actions.iloc[0]["target"] == "Manipur"


def test_rules_kept_across_reopening(loaded, store_url):
    AlertBook(Accounts(loaded)).set_rule(RULES[2], by="operator:test")
    with open_store(store_url) as again:
        assert AlertBook(Accounts(again)).rules() == [RULES[2]]


def test_frequency_per_account(loaded):
    book = AlertBook(Accounts(loaded))
    assert book.frequency("head.fin@manipur.gov.in") == "off"
    book.set_frequency("Head.Fin@manipur.gov.in", "daily", by="head.fin@manipur.gov.in")
    book.set_frequency("assam@assam.gov.in", "weekly", by="operator:test")
    book.set_frequency("quiet@manipur.gov.in", "daily", by="operator:test")
    book.set_frequency("quiet@manipur.gov.in", "off", by="operator:test")
    assert book.subscribers() == [
        ("assam@assam.gov.in", "weekly"),
        ("head.fin@manipur.gov.in", "daily"),
    ]
    Accounts(loaded).users.set_active("assam@assam.gov.in", False)
    assert book.subscribers() == [("head.fin@manipur.gov.in", "daily")]
    with pytest.raises(AuthError, match=r"no user 'nobody@x\.in'"):
        book.set_frequency("nobody@x.in", "daily", by="operator:test")
    with pytest.raises(AuthError, match="unknown choice 'hourly'"):
        book.set_frequency("quiet@manipur.gov.in", "hourly", by="operator:test")
    audit = Accounts(loaded).audit.read(action="alert_preference")
    assert len(audit) == 4


def test_ledger_claims_once_per_address_and_day(loaded):
    book = AlertBook(Accounts(loaded))
    day = date(2026, 12, 1)
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    first = book.claim("a@x.in", day, "daily", [["Manipur", "F1"]], "<m1@x>", now=now)
    assert first.attempts == 1
    assert not first.resend
    # a second run while the first is sending: not ours
    assert book.claim("a@x.in", day, "daily", [], "<m2@x>", now=now) == "sending"
    book.mark_sent(first, by="operator:test", details={"files": 1})
    assert book.claim("a@x.in", day, "daily", [], "<m3@x>", now=now + LATER) == "sent"
    # another day, another digest
    assert book.claim("a@x.in", day + timedelta(days=1), "daily", [], "<m4@x>", now=now).id


LATER = timedelta(hours=1)


def test_failed_or_abandoned_claims_are_taken_over_with_the_same_message_id(loaded):
    book = AlertBook(Accounts(loaded))
    day = date(2026, 12, 1)
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    failed = book.claim("a@x.in", day, "daily", [], "<m1@x>", now=now)
    book.mark_failed(failed, "connection dropped", by="operator:test", details={})
    again = book.claim("a@x.in", day, "daily", [], "<other@x>", now=now)
    assert (again.id, again.message_id, again.attempts) == (failed.id, "<m1@x>", 2)
    assert (again.resend, again.previous) == (True, "failed")
    # left `sending` (killed): ours again only after the lease
    assert book.claim("a@x.in", day, "daily", [], "<x@x>", now=now + timedelta(minutes=5)) == (
        "sending"
    )
    late = book.claim("a@x.in", day, "daily", [], "<x@x>", now=now + timedelta(minutes=11))
    assert (late.message_id, late.attempts, late.previous) == ("<m1@x>", 3, "sending")
    ledger = book.digests("a@x.in")
    assert ledger["status"].tolist() == ["sending"]
    assert ledger["error"].tolist() == ["connection dropped"]
    assert Accounts(loaded).audit.read(action="alert_digest")["outcome"].tolist() == ["failed"]


def test_weekly_goes_once_a_week(loaded):
    book = AlertBook(Accounts(loaded))
    tuesday = date(2026, 12, 1)
    assert week_start(tuesday) == date(2026, 11, 30)
    assert book.due("w@x.in", "weekly", tuesday)
    claim = book.claim("w@x.in", tuesday, "weekly", [], "<w1@x>")
    book.mark_sent(claim, by="t", details={})
    for later in range(1, 6):  # Wednesday to Sunday: not again
        assert not book.due("w@x.in", "weekly", tuesday + timedelta(days=later))
        assert book.due("w@x.in", "daily", tuesday + timedelta(days=later))
    assert book.due("w@x.in", "weekly", date(2026, 12, 7))  # next Monday


def test_rules_from_the_command_line(loaded, store_url, capsys, monkeypatch):
    from analytics.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["alerts", "--db", store_url, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, _ = run("--set-rule", "--state", "Manipur", "--limit", "10", "--operator")
    assert (code, out) == (0, "rule set: Manipur\n")
    args = ("--set-rule", "--level", "2", "--file-type", "physical", "--limit", "3")
    code, out, _ = run(*args, "--escalate-after", "2", "--operator")
    assert (code, out) == (0, "rule set: level 2, physical files\n")
    code, out, _ = run("--rules", "--operator")
    assert out.splitlines() == [
        "Manipur: overdue after 10.0 working days, escalated after 7.0 more",
        "level 2, physical files: overdue after 3.0 working days, escalated after 2.0 more",
        "every other file: 7 working days, escalated after 7 more (CSMOP)",
    ]
    code, _, err = run("--set-rule", "--level", "2", "--operator")
    assert (code, err) == (1, "error: --set-rule needs --limit (working days)\n")
    code, _, err = run("--set-rule", "--limit", "-1", "--operator")
    assert code == 1
    assert "limit_days must be 0 or more working days" in err
    code, out, _ = run("--remove-rule", "--state", "Manipur", "--operator")
    assert (code, out) == (0, "rule removed\n")
    code, _, err = run("--remove-rule", "--state", "Manipur", "--operator")
    assert (code, err) == (1, "error: no such rule\n")
    # a viewer may not change the rules (refused, audited)
    monkeypatch.setenv("EOFFICE_PASSWORD", "a long test password")
    code, _, err = run("--set-rule", "--limit", "1", "--user", "quiet@manipur.gov.in")
    assert code == 3
    assert "`alerts --set-rule` needs an admin; quiet@manipur.gov.in holds no admin grant" in err
    code, out, _ = run("--set-rule", "--limit", "9", "--user", "admin@gov.in")
    assert (code, out) == (0, "rule set: every file\n")
    rules = AlertBook(Accounts(loaded)).rules()
    assert [(r.describe(), r.limit_days) for r in rules] == [
        ("level 2, physical files", 3.0),
        ("every file", 9.0),
    ]
    audit = Accounts(loaded).audit.read(action="alert_rule")
    assert audit.iloc[0]["actor"] == "admin@gov.in"
