"""Auth fixtures: every store-level access test runs on SQLite and on PostgreSQL.

`store_url` (tests/conftest.py) gives each test a database of its own on each engine. The
store holds three scopes' data: Manipur / Finance, Manipur / Home and Assam / Health.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from analytics.access.accounts import Accounts
from analytics.access.users import SignedInUser
from analytics.store.store import Store, open_store
from tests.conftest import HEADER, csv_text, ev

PASSWORD = "a long test password"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the cheapest parameters: the same code path, milliseconds per hash."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    import analytics.access.sign_in
    import analytics.access.users

    cheapest = PasswordHasher.from_parameters(CHEAPEST)
    monkeypatch.setattr(analytics.access.users, "hasher", cheapest)
    monkeypatch.setattr(analytics.access.sign_in, "hasher", cheapest)
    monkeypatch.setattr(analytics.access.sign_in, "_dummy_hash", None)


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
    opened.uploads.ingest([as_source("seed.csv", MANIPUR_FINANCE + MANIPUR_HOME + ASSAM_HEALTH)])
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def accounts(store: Store) -> Accounts:
    """Accounts with one user per role (see `USERS`)."""
    acc = Accounts(store)
    for email, role, state, dept in USERS:
        acc.users.add(email, role, state=state, department=dept, password=PASSWORD, by="test")
    acc.users.add("nobody@gov.in", None, password=PASSWORD, by="test")
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
    return accounts.sign_in.password(email, PASSWORD)
