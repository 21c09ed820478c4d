"""Alert fixtures: a store (SQLite and PostgreSQL) holding the hand-worked log, with accounts."""

from __future__ import annotations

import pytest

from analytics.access.accounts import Accounts
from analytics.store.store import Store
from tests.alerts.log import ROWS
from tests.auth.conftest import PASSWORD, cheap_hashing  # noqa: F401 (fixture: every test)
from tests.conftest import csv_text
from tests.store.conftest import store  # noqa: F401 (fixture: a fresh store on each engine)

ACCOUNTS = {
    # email: (role, state, department, see_names)
    "head.fin@manipur.gov.in": ("viewer", "Manipur", "Finance", True),
    "nodal@manipur.gov.in": ("nodal_officer", "Manipur", None, False),
    "assam@assam.gov.in": ("viewer", "Assam", None, True),
    "quiet@manipur.gov.in": ("viewer", "Manipur", None, True),
    "admin@gov.in": ("admin", None, None, True),
}


@pytest.fixture
def loaded(store: Store) -> Store:  # noqa: F811 (the fixture imported above)
    """The store with the hand-worked log and the accounts of `ACCOUNTS` (none opted in)."""
    store.uploads.ingest([("alerts.csv", csv_text(ROWS).encode("utf-8"))])
    accounts = Accounts(store)
    for email, (role, state, department, names) in ACCOUNTS.items():
        accounts.users.add(
            email, role, state=state, department=department, see_names=names, password=PASSWORD
        )
    return store
