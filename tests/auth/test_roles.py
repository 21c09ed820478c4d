"""For each role, what it can and cannot read or do, on real SQLite and PostgreSQL stores.

Includes the attempts an attacker would make: another state in a filter (as a URL query
parameter would ask), a file number of another state in the journey search, an upload of
another state's rows, a user without grants, a revoked grant.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.access.accounts import Accounts
from analytics.access.authorise import UploadRefused
from analytics.access.scope import Scope, load_scoped
from analytics.access.users import SignedInUser
from analytics.store.store import Store
from tests.auth.conftest import ASSAM_HEALTH, MANIPUR_FINANCE, MANIPUR_HOME, as_source, sign_in
from tests.conftest import HEADER, csv_text

TABLES = ("events", "stints", "file_facts")


def pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    """The (state, department) pairs of a frame."""
    return set(zip(frame["state"], frame["department"], strict=True))


def visible(store: Store, scope: Scope, table: str = "file_facts", **filters) -> set:
    return pairs(load_scoped(store, scope, table, **filters))


ALL = {("Manipur", "Finance"), ("Manipur", "Home"), ("Assam", "Health")}


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("admin@gov.in", ALL),
        ("darpg@gov.in", ALL),
        ("viewer.mn@manipur.gov.in", {("Manipur", "Finance"), ("Manipur", "Home")}),
        ("viewer.ah@assam.gov.in", {("Assam", "Health")}),
        ("nodal.mf@manipur.gov.in", {("Manipur", "Finance")}),
        ("nobody@gov.in", set()),
    ],
)
def test_each_role_reads_exactly_its_scope(
    store: Store, accounts: Accounts, email: str, expected: set
) -> None:
    user = sign_in(accounts, email)
    for table in TABLES:
        assert visible(store, user.scope, table) == expected, table


def test_another_state_in_the_filter_shows_nothing(store: Store, accounts: Accounts) -> None:
    viewer = sign_in(accounts, "viewer.mn@manipur.gov.in")
    for table in TABLES:
        assert visible(store, viewer.scope, table, states=["Assam"]) == set()
        assert visible(store, viewer.scope, table, states=["Assam", "Manipur"]) == {
            ("Manipur", "Finance"),
            ("Manipur", "Home"),
        }
        assert visible(store, viewer.scope, table, departments=["Health"]) == set()
    dept_viewer = sign_in(accounts, "viewer.ah@assam.gov.in")
    assert visible(store, dept_viewer.scope, states=["Manipur"]) == set()
    assert visible(store, dept_viewer.scope, states=["Assam"], departments=["Finance"]) == set()
    assert visible(store, dept_viewer.scope, departments=["Health", "Finance"]) == {
        ("Assam", "Health")
    }


def test_a_file_of_another_state_is_not_found(store: Store, accounts: Accounts) -> None:
    """The journey search looks up a file number within the scope only."""
    viewer = sign_in(accounts, "viewer.mn@manipur.gov.in")
    events = load_scoped(store, viewer.scope, "events")
    assert events[events["file_number"] == "HLT/1"].empty
    assert events[events["file_id"] == "AH-1"].empty
    assert not events[events["file_number"] == "FIN/1"].empty
    national = sign_in(accounts, "darpg@gov.in")
    everything = load_scoped(store, national.scope, "events")
    assert not everything[everything["file_number"] == "HLT/1"].empty


def test_mixed_scope_combines_whole_states_and_departments(store: Store) -> None:
    scope = Scope(
        states=frozenset({"Assam"}),
        departments=frozenset({("Manipur", "Home")}),
        see_names=True,
    )
    events = load_scoped(store, scope, "events")
    assert pairs(events) == {("Assam", "Health"), ("Manipur", "Home")}
    # file_key / seq renumbered per file, in log order
    assert events.groupby("file_key")["file_id"].nunique().eq(1).all()
    assert events.groupby("file_key")["seq"].apply(lambda s: list(s) == list(range(len(s)))).all()


def test_a_revoked_grant_takes_effect_at_once(store: Store, accounts: Accounts) -> None:
    assert accounts.users.revoke("viewer.mn@manipur.gov.in", "viewer", state="Manipur", by="admin")
    user = accounts.users.get("viewer.mn@manipur.gov.in")
    assert user is not None
    assert user.scope.empty
    assert visible(store, user.scope) == set()


def test_grants_add_up(store: Store, accounts: Accounts) -> None:
    accounts.users.grant("viewer.ah@assam.gov.in", "viewer", state="Manipur", department="Home")
    user = accounts.users.get("viewer.ah@assam.gov.in")
    assert user is not None
    assert visible(store, user.scope) == {("Assam", "Health"), ("Manipur", "Home")}


# --- uploads --------------------------------------------------------------------------------


NEW_FINANCE = [
    {
        **row,
        "file_id": "MF-2",
        "file_number": "FIN/2",
        "timestamp": "2024-04-0" + row["timestamp"][9:],
    }
    for row in MANIPUR_FINANCE
]


def test_nodal_officer_uploads_its_own_department(store: Store, accounts: Accounts) -> None:
    nodal = sign_in(accounts, "nodal.mf@manipur.gov.in")
    result = accounts.guard.ingest_as(nodal, [as_source("mf.csv", NEW_FINANCE)])
    assert result.status == "stored"
    assert result.events_new == 3
    log = accounts.audit.read(action="upload")
    assert log.iloc[0]["outcome"] == "ok"
    assert log.iloc[0]["actor"] == "nodal.mf@manipur.gov.in"
    assert store.uploads.history().iloc[-1]["uploaded_by"] == "nodal.mf@manipur.gov.in"


@pytest.mark.parametrize(
    ("rows", "named"),
    [
        (ASSAM_HEALTH, ["3 rows of Assam / Health"]),
        (MANIPUR_HOME, ["3 rows of Manipur / Home"]),
        (NEW_FINANCE + ASSAM_HEALTH, ["3 rows of Assam / Health"]),
    ],
)
def test_nodal_officer_upload_outside_scope_is_refused_whole(
    store: Store, accounts: Accounts, rows: list, named: list[str]
) -> None:
    nodal = sign_in(accounts, "nodal.mf@manipur.gov.in")
    before = (store.version(), store.counts())
    with pytest.raises(UploadRefused) as info:
        accounts.guard.ingest_as(nodal, [as_source("other.csv", rows)])
    message = str(info.value)
    for part in named:
        assert part in message
    assert "Manipur / Finance" in message  # what the officer may upload
    assert "nothing was stored" in message
    assert (store.version(), store.counts()) == before
    entry = accounts.audit.read(action="upload").iloc[0]
    assert entry["outcome"] == "refused"
    assert entry["target"] == "other.csv"


def test_state_given_for_the_upload_counts_too(store: Store, accounts: Accounts) -> None:
    """A file without a state column, uploaded with --state Assam, is Assam's file."""
    nodal = sign_in(accounts, "nodal.mf@manipur.gov.in")
    header = tuple(c for c in (*HEADER, "file_number") if c != "state")
    data = csv_text(NEW_FINANCE, header=header).encode()
    with pytest.raises(UploadRefused, match="Assam / Finance"):
        accounts.guard.ingest_as(nodal, [("x.csv", data)], state="Assam")
    assert accounts.guard.ingest_as(nodal, [("x.csv", data)], state="Manipur").status == "stored"


@pytest.mark.parametrize(
    "email", ["admin@gov.in", "darpg@gov.in", "viewer.mn@manipur.gov.in", "nobody@gov.in"]
)
def test_only_nodal_officers_upload(store: Store, accounts: Accounts, email: str) -> None:
    user = sign_in(accounts, email)
    assert not user.can_upload
    before = store.counts()
    with pytest.raises(UploadRefused, match="nodal-officer grant"):
        accounts.guard.ingest_as(user, [as_source("mf.csv", NEW_FINANCE)])
    assert store.counts() == before
    assert accounts.audit.read(action="upload").iloc[0]["outcome"] == "refused"


def test_demo_is_read_only_and_off_once_accounts_exist(store: Store) -> None:
    accounts = Accounts(store)
    demo = accounts.sign_in.demo()
    assert demo.is_demo
    assert not demo.can_upload
    assert not demo.is_admin
    assert visible(store, demo.scope) == ALL
    with pytest.raises(UploadRefused):
        accounts.guard.ingest_as(demo, [as_source("mf.csv", NEW_FINANCE)])
    accounts.users.add("admin@gov.in", "admin")
    from analytics.access.sign_in import SignInRefused

    with pytest.raises(SignInRefused, match="demo mode is off"):
        accounts.sign_in.demo()


def test_permissions_per_role(accounts: Accounts) -> None:
    perms = {email: permissions(sign_in(accounts, email)) for email, *_ in _users()}
    assert perms["admin@gov.in"] == {"read", "manage_users"}
    assert perms["darpg@gov.in"] == {"read"}
    assert perms["nodal.mf@manipur.gov.in"] == {"read", "upload"}
    assert perms["viewer.mn@manipur.gov.in"] == {"read"}
    assert perms["nobody@gov.in"] == set()


def permissions(user: SignedInUser) -> set[str]:
    """`read`, `upload`, `manage_users`, `see_names`, as the user holds them."""
    held = {"read": user.can_read, "upload": user.can_upload, "manage_users": user.is_admin}
    return {p for p, ok in {**held, "see_names": user.see_names}.items() if ok}


def _users():
    from tests.auth.conftest import USERS

    return [*USERS, ("nobody@gov.in", None, None, None)]
