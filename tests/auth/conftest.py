"""Auth fixtures: every store-level access test runs on SQLite and on PostgreSQL.

The same pattern as `tests/store/conftest.py`: the PostgreSQL server is the one named by
`EOFFICE_TEST_PG_URL` (`source .ci/postgres.sh`); each test gets a database of its own. The
store holds three scopes' data: Manipur / Finance, Manipur / Home and Assam / Health.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from analytics.auth import Accounts, SignedInUser
from analytics.store import Store, open_store
from tests.conftest import HEADER, csv_text, ev

PG_ENV = "EOFFICE_TEST_PG_URL"
PASSWORD = "a long test password"


def _pg_admin(url: str):
    import psycopg

    parsed = make_url(url).set(drivername="postgresql")
    return psycopg.connect(parsed.render_as_string(hide_password=False), autocommit=True)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the cheapest parameters: the same code path, milliseconds per hash."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    import analytics.auth

    monkeypatch.setattr(analytics.auth, "_hasher", PasswordHasher.from_parameters(CHEAPEST))
    monkeypatch.setattr(analytics.auth, "_dummy_hash", None)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a brand-new, empty database on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    base = os.environ.get(PG_ENV, "").strip()
    if not base:
        message = f"{PG_ENV} is not set: start a server with `source .ci/postgres.sh`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"eoffice_a_{uuid.uuid4().hex[:16]}"
    with _pg_admin(base) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with _pg_admin(base) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def file_rows(state: str, department: str, file_id: str, number: str, who: str) -> list[dict]:
    """A short file: created by `who`-A, moved to `who`-B, then to `who`-C."""
    common = {"state": state, "department": department, "file_id": file_id, "file_number": number}
    return [
        ev("created", "", f"{who} A", "", "Assistant", "2024-03-01 10:00", **common),
        ev(
            "moved",
            f"{who} A",
            f"{who} B",
            "Assistant",
            "Section Officer",
            "2024-03-02 10:00",
            **common,
        ),
        ev(
            "moved",
            f"{who} B",
            f"{who} C",
            "Section Officer",
            "Under Secretary",
            "2024-03-04 11:00",
            **common,
        ),
    ]


def as_source(name: str, rows: list[dict]) -> tuple[str, bytes]:
    """An in-memory CSV upload."""
    return name, csv_text(rows, header=(*HEADER, "file_number")).encode("utf-8")


MANIPUR_FINANCE = file_rows("Manipur", "Finance", "MF-1", "FIN/1", "Ibomcha")
MANIPUR_HOME = file_rows("Manipur", "Home", "MH-1", "HOME/1", "Tomba")
ASSAM_HEALTH = file_rows("Assam", "Health", "AH-1", "HLT/1", "Bora")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A store holding one file in each of Manipur / Finance, Manipur / Home, Assam / Health."""
    opened = open_store(store_url)
    opened.ingest([as_source("seed.csv", MANIPUR_FINANCE + MANIPUR_HOME + ASSAM_HEALTH)])
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def accounts(store: Store) -> Accounts:
    """Accounts with one user per role (see `USERS`)."""
    acc = Accounts(store)
    for email, role, state, dept in USERS:
        acc.add_user(email, role, state=state, department=dept, password=PASSWORD, by="test")
    acc.add_user("nobody@gov.in", None, password=PASSWORD, by="test")
    return acc


USERS = [
    ("admin@gov.in", "admin", None, None),
    ("nodal.mf@manipur.gov.in", "nodal_officer", "Manipur", "Finance"),
    ("viewer.mn@manipur.gov.in", "viewer", "Manipur", None),
    ("viewer.ah@assam.gov.in", "viewer", "Assam", "Health"),
    ("darpg@gov.in", "national_viewer", None, None),
]


def sign_in(accounts: Accounts, email: str) -> SignedInUser:
    """Sign in with the test password."""
    return accounts.sign_in_password(email, PASSWORD)
