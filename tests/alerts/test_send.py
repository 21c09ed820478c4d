"""The overdue digest by e-mail (issue 15, part 3), against a real SMTP server on 127.0.0.1.

Accounts (tests/alerts/conftest.py) and what each must receive, by hand from tests/alerts/log.py
(default rules, Manipur's holidays from EOFFICE_HOLIDAYS):
- head.fin@manipur.gov.in, Manipur / Finance, names shown, daily: F1, F2, F4;
- nodal@manipur.gov.in, all of Manipur, pseudonyms, weekly: F1, F2, F4, F6;
- assam@assam.gov.in, Assam, daily: A1;
- quiet@manipur.gov.in chose off, admin@gov.in never chose: nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analytics.access.accounts import Accounts
from analytics.access.alerts import AlertBook
from analytics.access.sign_in import cli_actor
from analytics.cli.main import main
from analytics.outputs import digest
from tests.alerts.log import HOLIDAYS_CSV
from tests.alerts.smtp import Server, free_port
from tests.conftest import pseudonym

SENDER = "alerts@eoffice.example.in"
EXPECTED = {
    "assam@assam.gov.in": {"A1"},
    "head.fin@manipur.gov.in": {"F1", "F2", "F4"},
    "nodal@manipur.gov.in": {"F1", "F2", "F4", "F6"},
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    started = Server(tmp_path).start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def mail_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: Server) -> dict[str, str]:
    holidays = tmp_path / "holidays.csv"
    holidays.write_text(HOLIDAYS_CSV, encoding="utf-8")
    env = {
        digest.SMTP_ENV: f"smtp://127.0.0.1:{server.port}",
        digest.FROM_ENV: SENDER,
        digest.HOLIDAYS_ENV: str(holidays),
        digest.DASHBOARD_ENV: "https://dash.example.in/",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
def opted_in(loaded):
    book = AlertBook(Accounts(loaded))
    book.set_frequency("head.fin@manipur.gov.in", "daily", by="t")
    book.set_frequency("nodal@manipur.gov.in", "weekly", by="t")
    book.set_frequency("assam@assam.gov.in", "daily", by="t")
    book.set_frequency("quiet@manipur.gov.in", "off", by="t")
    return loaded


def files_named(text: str) -> set[str]:
    return {line[2:].split(" ", 1)[0].rstrip(":") for line in text.splitlines() if line[:2] == "- "}


def by_recipient(server: Server) -> dict[str, list]:
    out: dict[str, list] = {}
    for message in server.received:
        for to in message.recipients:
            out.setdefault(to, []).append(message)
    return out


def test_each_opted_in_account_gets_its_scope_once(opted_in, server, mail_env):
    result = digest.send(opted_in, actor="operator:test", say=lambda _: None)
    assert sorted(result.sent) == sorted(EXPECTED)
    got = by_recipient(server)
    assert set(got) == set(EXPECTED)
    for email, files in EXPECTED.items():
        (message,) = got[email]
        assert message.sender == SENDER
        assert message.message["To"] == email
        assert files_named(message.text) == files, email
        for other in {"F1", "F2", "F3", "F4", "F5", "F6", "A1"} - files:
            # (a word of its own: a pseudonym such as P-I3CYZ4XNF3 may end in the same letters)
            assert not re.search(rf"(?<![\w-]){other} ", message.text)
            assert f">{other}<" not in message.html
    head = got["head.fin@manipur.gov.in"][0]
    assert "3 files in your scope (Manipur / Finance) are overdue, 1 of them escalated" in head.text
    assert (
        "- F1: with Under Secretary mn.fin.us1 for 19 working days; escalated to Deputy "
        "Secretary mn.fin.ds2; overdue since 12-Mar-2024 10:00 IST"
    ) in head.text
    assert "https://dash.example.in/journey?file=F1" in head.text
    assert '<a href="https://dash.example.in/journey?file=F1">F1</a>' in head.html
    assert "with Deputy Secretary mn.fin.ds1 for 7 working days" in head.html
    assert "Manipur 29-Mar-2024 10:00 IST" in head.text
    # no names permission: pseudonyms of the file's own state and department
    nodal = got["nodal@manipur.gov.in"][0].text
    key = Accounts(opted_in).pseudonym_key()
    us1 = pseudonym("mn.fin.us1", key, "Manipur", "Finance")
    ds2 = pseudonym("mn.fin.ds2", key, "Manipur", "Finance")
    assert (
        f"- F1: with Under Secretary {us1} for 19 working days; escalated to Deputy Secretary {ds2}"
        in nodal
    )
    assert "mn.fin" not in nodal
    assert "mn.hlt" not in nodal
    assert "4 files in your scope (Manipur) are overdue, 2 of them escalated" in nodal
    # audited, one row per send, and the ledger says sent
    audit = Accounts(opted_in).audit.read(action="alert_digest")
    assert sorted(audit["target"]) == sorted(EXPECTED)
    assert set(audit["outcome"]) == {"ok"}
    ledger = AlertBook(Accounts(opted_in)).digests()
    assert set(ledger["status"]) == {"sent"}
    # run again: nothing new
    again = digest.send(opted_in, actor="operator:test", say=lambda _: None)
    assert again.sent == []
    assert len(server.received) == 3
    assert len(Accounts(opted_in).audit.read(action="alert_digest")) == 3


def test_cli_dry_run_sends_and_records_nothing(opted_in, server, mail_env, capsys, store_url):
    code = main(["alerts", "--send", "--dry-run", "--db", store_url, "--operator"])
    out = capsys.readouterr().out
    assert code == 0
    assert "would send 3 digests" in out
    assert "head.fin@manipur.gov.in: would send 3 overdue files (daily): F4, F1, F2" in out
    assert server.received == []
    assert AlertBook(Accounts(opted_in)).digests().empty
    printed = Accounts(opted_in).audit.read(action="alert_digest")
    assert sorted(printed["target"]) == sorted(EXPECTED)
    assert set(printed["outcome"]) == {"dry_run"}
    assert set(printed["actor"]) == {"operator:" + cli_actor().removeprefix("cli:")}


def test_cli_needs_the_operator_or_an_admin(opted_in, server, mail_env, capsys, store_url):
    code = main(["alerts", "--send", "--db", store_url])
    assert code == 3
    assert "`alerts` commands need an admin's sign-in" in capsys.readouterr().err
    assert server.received == []


def test_users_alerts_sets_the_choice(opted_in, capsys, store_url):
    code = main(
        ["users", "--db", store_url, "--operator", "alerts", "quiet@manipur.gov.in", "weekly"]
    )
    assert code == 0
    assert "overdue digest for quiet@manipur.gov.in: weekly" in capsys.readouterr().out
    assert AlertBook(Accounts(opted_in)).frequency("quiet@manipur.gov.in") == "weekly"
    code = main(["users", "--db", store_url, "--operator", "alerts", "nobody@x.in", "daily"])
    assert code == 1
    assert "no user 'nobody@x.in'" in capsys.readouterr().err


def test_bad_configuration_fails_loudly_and_sends_nothing(
    opted_in, server, mail_env, capsys, store_url, monkeypatch
):
    def run(*extra: str) -> tuple[int, str]:
        code = main(["alerts", "--send", "--db", store_url, "--operator", *extra])
        return code, capsys.readouterr().err

    monkeypatch.delenv(digest.SMTP_ENV)
    assert run() == (
        1,
        (
            "error: EOFFICE_SMTP_URL is not set: give the mail server as "
            "smtp://host:port or smtp+starttls://user:password@host:port; nothing was sent\n"
        ),
    )
    monkeypatch.setenv(digest.SMTP_ENV, f"smtp://127.0.0.1:{server.port}")
    monkeypatch.delenv(digest.FROM_ENV)
    code, err = run()
    assert (code, "EOFFICE_MAIL_FROM is not set" in err) == (1, True)
    monkeypatch.setenv(digest.FROM_ENV, SENDER)
    code, err = run("--account", "nobody@x.in")
    assert (code, err) == (
        1,
        "error: nobody@x.in is not an account of this store; nothing was sent\n",
    )
    code, err = run("--account", "quiet@manipur.gov.in")
    assert code == 1
    assert "has not opted in" in err
    monkeypatch.setenv(digest.SMTP_ENV, "smtp://alerts:secret@127.0.0.1:25")
    code, err = run()
    assert (code, "only with smtp+starttls://" in err) == (1, True)
    closed = free_port()  # nothing listens there
    monkeypatch.setenv(digest.SMTP_ENV, f"smtp://127.0.0.1:{closed}")
    code, err = run()
    assert code == 1
    assert f"cannot reach the mail server 127.0.0.1:{closed}" in err
    assert "nothing was sent" in err
    assert server.received == []
    assert AlertBook(Accounts(opted_in)).digests().empty


def test_starttls_credentials(opted_in, tmp_path, mail_env, capsys, store_url, monkeypatch):
    secured = Server(tmp_path, password="right horse battery").start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(secured.ca))
        url = f"smtp+starttls://alerts:wrong@127.0.0.1:{secured.port}"
        monkeypatch.setenv(digest.SMTP_ENV, url)
        code = main(["alerts", "--send", "--db", store_url, "--operator"])
        err = capsys.readouterr().err
        assert code == 1
        assert "refused the credentials of 'alerts' (535); nothing was sent" in err
        assert secured.received == []
        assert AlertBook(Accounts(opted_in)).digests().empty
        url = f"smtp+starttls://alerts:right%20horse%20battery@127.0.0.1:{secured.port}"
        monkeypatch.setenv(digest.SMTP_ENV, url)
        assert main(["alerts", "--send", "--db", store_url, "--operator"]) == 0
        assert set(by_recipient(secured)) == set(EXPECTED)
    finally:
        secured.stop()


def test_a_dropped_connection_is_said_and_the_rerun_finishes(
    opted_in, server, mail_env, capsys, store_url
):
    server.handler.drop_at = 2  # head.fin's digest (the second, by e-mail) is cut off
    code = main(["alerts", "--send", "--db", store_url, "--operator"])
    err = capsys.readouterr().err
    assert code == 1
    assert "sent 1 of 3 digests (assam@assam.gov.in); NOT sent: head.fin@manipur.gov.in" in err
    assert "nodal@manipur.gov.in (not tried: the connection to the mail server broke" in err
    assert [m.recipients for m in server.received] == [["assam@assam.gov.in"]]
    server.handler.drop_at = None
    assert main(["alerts", "--send", "--db", store_url, "--operator"]) == 0
    got = by_recipient(server)
    assert {k: len(v) for k, v in got.items()} == dict.fromkeys(EXPECTED, 1)
    failed = Accounts(opted_in).audit.read(action="alert_digest")
    assert sorted(failed["outcome"]) == ["failed", "ok", "ok", "ok"]


def _run_killed(store_url: str, env: dict[str, str], hook: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli.main",
            "alerts",
            "--send",
            "--db",
            store_url,
            "--operator",
        ],
        env={**os.environ, **env, digest.HOOK_ENV: hook},
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_killed_after_the_first_send_then_rerun_each_digest_exactly_once(
    opted_in, server, mail_env, store_url
):
    done = _run_killed(store_url, mail_env, "sent:1")
    assert done.returncode == -9
    assert [m.recipients for m in server.received] == [["assam@assam.gov.in"]]
    rerun = _run_killed(store_url, mail_env, "")
    assert rerun.returncode == 0, rerun.stderr
    assert "assam@assam.gov.in: nothing to send (sent already today)" in rerun.stdout
    got = by_recipient(server)
    assert {k: len(v) for k, v in got.items()} == dict.fromkeys(EXPECTED, 1)
    for email, (message,) in got.items():
        assert files_named(message.text) == EXPECTED[email]


def test_killed_between_acceptance_and_the_mark_the_window_of_the_docs(
    opted_in, server, mail_env, store_url
):
    # The one window: the server accepted the digest and the run died before marking it
    # sent. A rerun within the lease leaves it alone (it might still be on its way); after
    # the lease it goes again, with the same Message-ID (docs/alerts.md, "Sent once").
    done = _run_killed(store_url, mail_env, "accepted:1")
    assert done.returncode == -9
    assert len(server.received) == 1
    rerun = _run_killed(store_url, mail_env, "")
    assert rerun.returncode == 0, rerun.stderr
    assert "assam@assam.gov.in: nothing to send (another run is sending it)" in rerun.stdout
    assert {k: len(v) for k, v in by_recipient(server).items()} == dict.fromkeys(EXPECTED, 1)
    late = _run_killed(store_url, {**mail_env, "EOFFICE_ALERTS_LEASE_MINUTES": "0"}, "")
    assert late.returncode == 0, late.stderr
    copies = by_recipient(server)["assam@assam.gov.in"]
    assert len(copies) == 2
    assert copies[0].message["Message-ID"] == copies[1].message["Message-ID"]
    assert len(server.received) == 4


def test_a_hindi_reader_gets_the_digest_in_hindi(opted_in, server, mail_env):
    """The recipient's remembered language (users.language) picks the digest's: subject and
    body in Hindi for a Hindi reader, the same files and figures; the others stay English."""
    Accounts(opted_in).users.set_language("head.fin@manipur.gov.in", "hi")
    now = datetime(2024, 4, 1, 3, 0, tzinfo=UTC)  # 01-Apr-2024 08:30 IST
    result = digest.send(opted_in, now=now, actor="operator:test", say=lambda _: None)
    assert sorted(result.sent) == sorted(EXPECTED)
    got = by_recipient(server)
    (head,) = got["head.fin@manipur.gov.in"]
    assert head.message["Subject"] == (
        "अतिदेय फ़ाइलें: आपके दायरे में 3, 1 उच्च स्तर को अग्रेषित (01-अप्रैल-2024)"
    )
    assert files_named(head.text) == EXPECTED["head.fin@manipur.gov.in"]
    assert (
        "आपके दायरे (Manipur / Finance) में 3 फ़ाइलें अतिदेय हैं, जिनमें से 1 उच्च स्तर को अग्रेषित हैं।"
    ) in head.text
    assert "Manipur 29-मार्च-2024 10:00 IST" in head.text
    assert (
        "- F1: Under Secretary mn.fin.us1 के पास 19 कार्य दिवसों से; उच्च स्तर पर Deputy "
        "Secretary mn.fin.ds2 को अग्रेषित; 12-मार्च-2024 10:00 IST से अतिदेय"
    ) in head.text
    assert "https://dash.example.in/journey?file=F1" in head.text
    for english in ("overdue", "escalated", "working day", "Sent by", "scope", "Choose"):
        assert english not in head.text, english
        assert english not in head.html, english
    assert head.html.startswith('<html lang="hi">')
    assert "<th>राज्य / विभाग</th>" in head.html
    assert "Deputy Secretary mn.fin.ds1 के पास 7 कार्य दिवसों से" in head.html
    (assam,) = got["assam@assam.gov.in"]  # never chose a language: English
    assert assam.message["Subject"].startswith("Overdue files: 1 in your scope")
