"""`users` commands once accounts exist: an admin's sign-in, or the host's `--operator`.

Each test runs through the real command line (`analytics.cli.main.main`) on SQLite and PostgreSQL.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from analytics.access.accounts import Accounts
from analytics.cli.main import EXIT_REFUSED, main
from tests.auth.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
TARGET = "viewer.mn@manipur.gov.in"
# Every `users` subcommand that changes or reveals something, with its arguments.
COMMANDS = [
    ["grant", TARGET, "--role", "admin"],
    ["revoke", TARGET, "--role", "viewer", "--state", "Manipur"],
    ["names", TARGET, "allow"],
    ["unlock", TARGET],
    ["disable", TARGET],
    ["enable", TARGET],
    ["passwd", TARGET, "--remove"],
    ["add", "new@gov.in", "--role", "admin"],
    ["list"],
    ["audit"],
]


def state_of(accounts: Accounts) -> str:
    """Everything a `users` command could change, as text."""
    return accounts.users.table().drop(columns=["last_sign_in_at"]).to_csv(index=False)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("EOFFICE_USER", raising=False)
    monkeypatch.delenv("EOFFICE_PASSWORD", raising=False)
    return monkeypatch


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_without_sign_in_every_users_command_is_refused(
    accounts: Accounts,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    before = state_of(accounts)
    assert main(["users", "--db", accounts.store.url, *command]) == EXIT_REFUSED
    out, err = capsys.readouterr()
    assert "need an admin's sign-in" in err
    assert out == ""  # `list` and `audit` show nothing either
    assert state_of(accounts) == before


@pytest.mark.parametrize("who", ["viewer.mn@manipur.gov.in", "nodal.mf@manipur.gov.in"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_signed_in_non_admin_is_refused_and_audited(
    accounts: Accounts,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    who: str,
) -> None:
    cli_env.setenv("EOFFICE_PASSWORD", PASSWORD)
    before = state_of(accounts)
    assert main(["users", "--db", accounts.store.url, "--user", who, *command]) == EXIT_REFUSED
    out, err = capsys.readouterr()
    assert "needs an admin" in err
    assert out == ""
    assert state_of(accounts) == before
    entry = accounts.audit.read(limit=1).iloc[0]
    assert (entry["actor"], entry["action"], entry["outcome"]) == (who, "users", "refused")
    assert entry["target"] == f"users {command[0]}"


def test_a_wrong_admin_password_is_refused(
    accounts: Accounts, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.setenv("EOFFICE_PASSWORD", "not the admin's password")
    argv = ["users", "--db", accounts.store.url, "--user", "admin@gov.in", "grant", TARGET]
    assert main([*argv, "--role", "admin"]) == EXIT_REFUSED
    assert "wrong e-mail or password" in capsys.readouterr().err
    assert [g.role for g in accounts.users.grants_of(TARGET)] == ["viewer"]


def test_an_admin_signed_in_runs_them_audited_under_its_e_mail(
    accounts: Accounts, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.setenv("EOFFICE_USER", "admin@gov.in")
    cli_env.setenv("EOFFICE_PASSWORD", PASSWORD)
    db = ["users", "--db", accounts.store.url]
    assert main([*db, "grant", TARGET, "--role", "nodal_officer", "--state", "Manipur"]) == 0
    assert main([*db, "names", TARGET, "allow"]) == 0
    assert main([*db, "list"]) == 0
    assert main([*db, "audit", "--action", "grant"]) == 0
    out = capsys.readouterr().out
    assert "nodal_officer: Manipur" in out
    grant = accounts.audit.read(action="grant").iloc[0]
    assert (grant["actor"], grant["target"]) == ("admin@gov.in", TARGET)
    assert accounts.audit.read(action="names_permission").iloc[0]["actor"] == "admin@gov.in"
    sign_ins = accounts.audit.read(action="sign_in", actor="admin@gov.in")
    assert len(sign_ins) == 4
    assert {d["method"] for d in sign_ins["details"]} == {"cli"}


def test_the_operator_runs_them_audited_as_operator(
    accounts: Accounts, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["users", "--db", accounts.store.url, "--operator"]
    assert main([*db, "unlock", "admin@gov.in"]) == 0
    assert main([*db, "grant", TARGET, "--role", "national_viewer"]) == 0
    assert main([*db, "audit"]) == 0
    actor = f"operator:{getpass.getuser()}"
    assert accounts.audit.read(action="grant").iloc[0]["actor"] == actor
    assert accounts.audit.read(action="unlock").iloc[0]["actor"] == actor
    runs = accounts.audit.read(action="operator")
    assert list(runs["target"])[::-1] == ["users unlock", "users grant", "users audit"]
    assert set(runs["actor"]) == {actor}
    assert set(runs["outcome"]) == {"ok"}
    assert actor in capsys.readouterr().out  # the audit listing shows the operator's rows


def test_first_admin_needs_no_sign_in_while_no_account_exists(
    store_url: str, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    cli_env.setattr("sys.stdin", io.StringIO("first admin password\n"))
    argv = ["users", "--db", store_url, "add", "root@gov.in", "--role", "admin", "--password-stdin"]
    assert main(argv) == 0
    # the second account already needs the admin
    assert main(["users", "--db", store_url, "add", "x@gov.in", "--role", "admin"]) == 3
    assert "need an admin's sign-in" in capsys.readouterr().err
