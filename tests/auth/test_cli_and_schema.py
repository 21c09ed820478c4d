"""`users` subcommands (the first admin, grants, list) and the auth tables' migration."""

from __future__ import annotations

import argparse
import io

import pytest

from analytics.access.accounts import Accounts
from analytics.cli.users import register, users_command
from analytics.store.store import open_store


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    parser = argparse.ArgumentParser(prog="eoffice-analytics")
    register(parser.add_subparsers(dest="command", required=True))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return users_command(parser.parse_args(argv))


def test_first_admin_then_grants_and_list(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["users", "--db", store_url]
    assert run([*db, "list"], monkeypatch) == 0
    assert "no users yet" in capsys.readouterr().out
    code = run(
        [*db, "add", "Admin@Gov.in", "--role", "admin", "--password-stdin", "--name", "Admin"],
        monkeypatch,
        stdin="first admin password\n",
    )
    assert code == 0
    assert "added admin@gov.in" in capsys.readouterr().out
    db = [*db, "--operator"]  # accounts exist now: the host's operator (or an admin signed in)
    assert run([*db, "add", "v@gov.in", "--role", "viewer", "--state", "Assam"], monkeypatch) == 0
    assert (
        run(
            [
                *db,
                "grant",
                "v@gov.in",
                "--role",
                "viewer",
                "--state",
                "Manipur",
                "--department",
                "Home",
            ],
            monkeypatch,
        )
        == 0
    )
    assert (
        run([*db, "revoke", "v@gov.in", "--role", "viewer", "--state", "Assam"], monkeypatch) == 0
    )
    assert (
        run([*db, "revoke", "v@gov.in", "--role", "viewer", "--state", "Assam"], monkeypatch) == 1
    )
    assert run([*db, "grant", "v@gov.in", "--role", "viewer"], monkeypatch) == 1
    assert "needs a --state" in capsys.readouterr().err
    capsys.readouterr()
    assert run([*db, "list"], monkeypatch) == 0
    listing = capsys.readouterr().out
    assert "viewer: Manipur / Home" in listing
    assert "admin: every state" in listing

    store = open_store(store_url)
    try:
        accounts = Accounts(store)
        admin = accounts.sign_in.password("admin@gov.in", "first admin password")
        assert admin.is_admin
        actors = set(accounts.audit.read(action="grant")["actor"])
        assert all(a.startswith("operator:") for a in actors)
    finally:
        store.close()


def test_short_password_from_stdin_is_refused(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["users", "--db", store_url, "add", "a@gov.in", "--role", "admin", "--password-stdin"]
    assert run(argv, monkeypatch, stdin="admin\n") == 1
    assert "at least 10" in capsys.readouterr().err


def test_auth_tables_match_the_models(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import analytics.access.models  # noqa: F401
    from analytics.store.models import Base

    store = open_store(store_url)
    auth_tables = {
        "users",
        "grants",
        "auth_settings",
        "audit_log",
        "sign_in_throttle",
        "web_sessions",
    }
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
    finally:
        store.close()
    mine = [d for d in diffs if auth_tables & _tables_named(d)]
    assert mine == []


def _tables_named(diff: object) -> set[str]:
    """Table names mentioned in an autogenerate diff entry (tuples or lists of tuples)."""
    names = set()
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item:
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None:
                names.add(table.name)
            if isinstance(name, str):
                names.add(name)
    return names


def test_the_real_command_line_has_users(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from analytics.cli.main import main

    monkeypatch.setattr("sys.stdin", io.StringIO("first admin password\n"))
    argv = ["users", "--db", store_url, "add", "root@gov.in", "--role", "admin", "--password-stdin"]
    assert main(argv) == 0
    assert main(["users", "--db", store_url, "--operator", "list"]) == 0
    assert "admin: every state" in capsys.readouterr().out
