"""One scope path (issue 10): T is each WHOLE state's for every reader, and no figure depends on
who reads it. Each case on SQLite and PostgreSQL, through `report --db` and the dashboard's
data (`dashboard/data.py`), with ages and counts worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from analytics.access.accounts import Accounts
from analytics.access.scope import Scope
from analytics.cli.main import main
from analytics.figures.registry import AGE_BUCKETS
from analytics.figures.views import Filters
from analytics.store.store import Store, open_store
from dashboard import data
from tests.auth.conftest import PASSWORD, as_source
from tests.conftest import ev


@pytest.fixture
def empty_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A store of its own, named by EOFFICE_DB_URL for the dashboard's data functions."""
    monkeypatch.setenv("EOFFICE_DB_URL", store_url)
    monkeypatch.setenv("EOFFICE_PASSWORD", PASSWORD)
    monkeypatch.delenv("EOFFICE_USER", raising=False)
    store = open_store(store_url)
    try:
        yield store
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        store.close()


def _pendency(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "pendency.csv", dtype=str, keep_default_na=False)


def _buckets(frame: pd.DataFrame, state: str, department: str) -> dict[str, int]:
    rows = frame[frame["state"].eq(state) & frame["department"].eq(department)]
    return {b: int(pd.to_numeric(rows[b]).sum()) for b in AGE_BUCKETS}


def _only(bucket: str) -> dict[str, int]:
    return {b: int(b == bucket) for b in AGE_BUCKETS}


def test_report_db_department_ages_files_by_the_whole_states_t(
    empty_store: Store, tmp_path: Path
) -> None:
    """Manipur: F1 created in Finance 2024-01-01 10:00, H1 in Home 2024-03-15 10:00, so
    Manipur's T is 03-15 10:00 and F1, pending since 01-01, is 74 days old (31 + 29 + 14):
    `age_over_60`, with `--department Finance` as without it."""
    rows = [
        ev("created", "", "a", "", "Assistant", "2024-01-01 10:00", file_id="F1"),
        ev("created", "", "b", "", "Assistant", "2024-03-15 10:00", file_id="H1")
        | {"department": "Home"},
    ]
    empty_store.uploads.ingest([as_source("mn.csv", rows)])
    for extra in ([], ["--department", "Finance"]):
        out = tmp_path / f"out{len(extra)}"
        assert main(["report", "--db", empty_store.url, "--out", str(out), *extra]) == 0
        assert _buckets(_pendency(out), "Manipur", "Finance") == _only("age_over_60"), extra
    finance = Scope(states=frozenset(), departments=frozenset({("Manipur", "Finance")}))
    table, _, _ = data.pendency(finance, Filters(), "days")
    assert _buckets(table, "Manipur", "Finance") == _only("age_over_60")
    assert data.choices(finance)["as_of"].to_dict() == {
        "Manipur": pd.Timestamp("2024-03-15 10:00", tz="Asia/Kolkata")
    }


def test_a_department_viewer_gets_the_dashboards_age_bucket(
    empty_store: Store, tmp_path: Path
) -> None:
    """Assam / Health holds a file pending since 2024-03-01 10:00; Assam / Finance has a later
    event, 03-20 10:00, so Assam's T is 03-20 and the file is 19 days old: `age_16_30` for the
    Assam / Health viewer on the command line and on the dashboard, as for a national viewer."""
    rows = [
        ev("created", "", "h", "", "Assistant", "2024-03-01 10:00", file_id="AH1")
        | {"state": "Assam", "department": "Health"},
        ev("created", "", "f", "", "Assistant", "2024-03-20 10:00", file_id="AF1")
        | {"state": "Assam", "department": "Finance"},
    ]
    empty_store.uploads.ingest([as_source("as.csv", rows)])
    accounts = Accounts(empty_store)
    accounts.users.add(
        "ah@assam.gov.in", "viewer", state="Assam", department="Health", password=PASSWORD
    )
    accounts.users.add("darpg@gov.in", "national_viewer", password=PASSWORD)
    for email in ("ah@assam.gov.in", "darpg@gov.in"):
        out = tmp_path / email
        argv = ["report", "--db", empty_store.url, "--out", str(out), "--user", email]
        assert main(argv) == 0
        assert _buckets(_pendency(out), "Assam", "Health") == _only("age_16_30"), email
        scope = accounts.sign_in.password(email, PASSWORD).scope
        table, longest, _ = data.pendency(scope, Filters(), "days")
        assert _buckets(table, "Assam", "Health") == _only("age_16_30"), email
        ages = longest.loc[longest["file_id"].eq("AH1"), "age_days"].tolist()
        assert ages == [19.0], email


def test_ravi_and_ravi_are_two_holders_for_every_reader(empty_store: Store, tmp_path: Path) -> None:
    """Officers `Ravi` and `ravi` are two IDs: the file has 3 holders (a, Ravi, ravi) for an
    admin who sees names and for a viewer who does not, in `report --db` and on the
    dashboard; the viewer's journey shows two different pseudonyms where the admin's shows
    the two IDs."""
    rows = [
        ev("created", "", "a", "", "Assistant", "2024-03-01 10:00"),
        ev("moved", "a", "Ravi", "Assistant", "Section Officer", "2024-03-02 10:00"),
        ev("moved", "Ravi", "ravi", "Section Officer", "Under Secretary", "2024-03-03 10:00"),
    ]
    empty_store.uploads.ingest([as_source("mn.csv", rows)])
    accounts = Accounts(empty_store)
    accounts.users.add("admin@gov.in", "admin", password=PASSWORD)
    accounts.users.set_see_names("admin@gov.in", True, by="test")
    accounts.users.add("mn@manipur.gov.in", "viewer", state="Manipur", password=PASSWORD)
    tables = {}
    holders = {}
    for email in ("admin@gov.in", "mn@manipur.gov.in"):
        out = tmp_path / email
        argv = ["report", "--db", empty_store.url, "--out", str(out), "--user", email]
        assert main(argv) == 0
        tables[email] = {
            name: (out / f"{name}.csv").read_text(encoding="utf-8")
            for name in ("files", "summary", "level_turnaround", "pendency", "movement_ratio")
        }
        files = pd.read_csv(out / "files.csv", dtype=str)
        assert files["holders"].tolist() == ["3"], email
        scope = accounts.sign_in.password(email, PASSWORD).scope
        summary = data.summary(scope, Filters())
        assert summary["mean_holders_pending"].tolist() == [3.0], email
        found = data.find_files(scope, "F1")
        journey, events = data.journey(scope, int(found["file_key"].iloc[0]))
        holders[email] = journey["holder"].tolist()
        assert len(set(holders[email])) == 3, email
        assert set(events["to_user"]) == set(holders[email]), email
    assert tables["admin@gov.in"] == tables["mn@manipur.gov.in"]
    assert holders["admin@gov.in"] == ["a", "Ravi", "ravi"]
    assert all(h.startswith("P-") for h in holders["mn@manipur.gov.in"])


def test_an_uploaders_chosen_row_does_not_reveal_another_departments_pseudonym(
    empty_store: Store,
) -> None:
    """Issue 11 item 7: the Manipur / Finance nodal officer uploads a Finance file naming
    `mn.home.da1`, who holds a Home file. Readers without names see that officer under one
    pseudonym in Finance files and another in Home files, so the upload teaches the nodal
    officer nothing about who holds the Home file."""
    home = [
        ev("created", "", "mn.home.da1", "", "Assistant", "2024-03-01 10:00", file_id="H1")
        | {"department": "Home"}
    ]
    empty_store.uploads.ingest([as_source("home.csv", home)])
    accounts = Accounts(empty_store)
    accounts.users.add(
        "nodal@manipur.gov.in",
        "nodal_officer",
        state="Manipur",
        department="Finance",
        password=PASSWORD,
    )
    accounts.users.add("mn@manipur.gov.in", "viewer", state="Manipur", password=PASSWORD)
    nodal = accounts.sign_in.password("nodal@manipur.gov.in", PASSWORD)
    chosen = [ev("created", "", "mn.home.da1", "", "Assistant", "2024-03-02 10:00", file_id="F9")]
    assert accounts.guard.ingest_as(nodal, [as_source("mine.csv", chosen)]).status == "stored"
    st.cache_data.clear()

    def holder(email: str, file_id: str) -> str:
        scope = accounts.sign_in.password(email, PASSWORD).scope
        found = data.find_files(scope, file_id)
        journey, _ = data.journey(scope, int(found["file_key"].iloc[0]))
        return journey["holder"].iloc[0]

    learnt = holder("nodal@manipur.gov.in", "F9")
    assert learnt.startswith("P-")
    assert holder("mn@manipur.gov.in", "F9") == learnt  # stable for every reader
    assert holder("mn@manipur.gov.in", "H1").startswith("P-")
    assert holder("mn@manipur.gov.in", "H1") != learnt


def test_one_cached_analysis_serves_every_scope(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers of four scopes are served from one analysis of the store version: it is read
    once (from the snapshots), and none of them evicts another's (the old cache held two
    scopes)."""
    rows = [
        ev("created", "", "a", "", "Assistant", "2024-03-01 10:00", file_id="F1"),
        ev("created", "", "b", "", "Assistant", "2024-03-02 10:00", file_id="H1")
        | {"department": "Home"},
        ev("created", "", "c", "", "Assistant", "2024-03-03 10:00", file_id="A1")
        | {"state": "Assam", "department": "Health"},
    ]
    empty_store.uploads.ingest([as_source("three.csv", rows)])
    built = []
    load = Store.load_prepared

    def counted(self: Store, **kwargs):  # the real read of the snapshots, counted
        built.append(1)
        return load(self, **kwargs)

    monkeypatch.setattr(Store, "load_prepared", counted)
    scopes = [
        Scope.everything(),
        Scope(states=frozenset({"Manipur"})),
        Scope(states=frozenset(), departments=frozenset({("Assam", "Health")})),
        Scope(states=frozenset(), departments=frozenset({("Manipur", "Home")})),
    ]
    for _ in range(2):
        served = [data.prepared(scope) for scope in scopes]
        assert all(p is served[0] for p in served)
    assert len(built) == 1
    assert data.prepared(Scope.nothing()) is None  # a scope holding no data sees none
    files = {
        tuple(data.summary(s, Filters())[["state", "department"]].itertuples(index=False))
        for s in scopes[2:]
    }
    assert files == {(("Assam", "Health"),), (("Manipur", "Home"),)}
