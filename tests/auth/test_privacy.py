"""Pseudonyms: stable, keyed, hiding names from users without the names permission."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.access import Scope, load_scoped, pseudonym, pseudonymise
from analytics.auth import Accounts
from analytics.store import Store, open_store
from tests.auth.conftest import sign_in

NAMES = {"Ibomcha A", "Ibomcha B", "Ibomcha C", "Tomba A", "Tomba B", "Tomba C"}


def shown(frame: pd.DataFrame, columns: tuple[str, ...]) -> set[str]:
    return {v for c in columns if c in frame for v in frame[c].dropna() if v}


def test_viewer_without_permission_sees_pseudonyms_only(store: Store, accounts: Accounts) -> None:
    viewer = sign_in(accounts, "viewer.mn@manipur.gov.in")
    assert not viewer.scope.see_names
    events = load_scoped(store, viewer.scope, "events")
    stints = load_scoped(store, viewer.scope, "stints")
    facts = load_scoped(store, viewer.scope, "file_facts")
    people = shown(events, ("from_user", "to_user")) | shown(stints, ("holder",))
    people |= shown(facts, ("holder",))
    assert people
    assert not people & NAMES
    assert all(p.startswith("P-") for p in people)
    # designations are kept
    assert "Section Officer" in set(events["to_designation"])
    # the same person has the same pseudonym in every table
    key = accounts.pseudonym_key()
    alias = pseudonym("Ibomcha B", key)
    assert alias in set(events["to_user"])
    assert alias in set(events["from_user"])
    assert alias in set(stints["holder"])
    # blank users stay blank
    assert "" in set(events["from_user"])


def test_names_permission_shows_names(store: Store, accounts: Accounts) -> None:
    accounts.set_see_names("viewer.mn@manipur.gov.in", True, by="admin@gov.in")
    viewer = sign_in(accounts, "viewer.mn@manipur.gov.in")
    events = load_scoped(store, viewer.scope, "events")
    assert shown(events, ("from_user", "to_user")) >= NAMES


def test_pseudonyms_are_stable_across_sessions_and_reopening(
    store_url: str, store: Store, accounts: Accounts
) -> None:
    first = sign_in(accounts, "darpg@gov.in")
    before = load_scoped(store, first.scope, "stints")["holder"].tolist()
    again = open_store(store_url)
    try:
        second = Accounts(again).sign_in_password("darpg@gov.in", "a long test password")
        after = load_scoped(again, second.scope, "stints")["holder"].tolist()
    finally:
        again.close()
    assert before == after


def test_the_key_comes_from_the_environment_when_set(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = accounts.pseudonym_key()
    monkeypatch.setenv("EOFFICE_PSEUDONYM_KEY", "deployment secret")
    assert accounts.pseudonym_key() == b"deployment secret"
    assert pseudonym("Tomba A", stored) != pseudonym("Tomba A", b"deployment secret")


def test_pseudonymise_covers_every_person_column_and_refuses_without_key() -> None:
    frame = pd.DataFrame(
        {
            "state": ["Manipur"],
            "department": ["Finance"],
            "holder": ["Tomba A"],
            "user_id": ["u123"],
            "officer_name": ["Tomba A"],
            "last_user": ["Tomba B"],
            "designation": ["Director"],
        }
    )
    hidden = Scope(states=frozenset({"Manipur"}), see_names=False, pseudonym_key=b"k")
    out = hidden.protect(frame)
    assert out.loc[0, "holder"] == out.loc[0, "officer_name"] == pseudonym("Tomba A", b"k")
    assert out.loc[0, "user_id"].startswith("P-")
    assert out.loc[0, "last_user"].startswith("P-")
    assert out.loc[0, "designation"] == "Director"
    assert frame.loc[0, "holder"] == "Tomba A"  # the input is not changed
    with pytest.raises(PermissionError):
        pseudonymise(frame, Scope(see_names=False))
    assert Scope().protect(frame).equals(frame)


def test_exports_are_audited_with_the_names_rule(accounts: Accounts) -> None:
    viewer = sign_in(accounts, "viewer.mn@manipur.gov.in")
    accounts.record_export(viewer, "pendency", 42, "csv")
    entry = accounts.audit_log(action="export").iloc[0]
    assert entry["actor"] == "viewer.mn@manipur.gov.in"
    assert entry["details"] == {"rows": 42, "format": "csv", "names_shown": False}


def test_categorical_person_columns_keep_shared_categories() -> None:
    """Events held as categoricals (sender and holder sharing categories) stay so, with the
    same pseudonyms as plain text; two IDs differing only in case share one pseudonym."""
    key = b"k"
    scope = Scope(states=None, see_names=False, pseudonym_key=key)
    categories = ["", "A", "B", "a"]
    frame = pd.DataFrame(
        {
            "from_user": pd.Categorical(["", "A", "B"], categories=categories),
            "to_user": pd.Categorical(["A", "B", None], categories=categories),
        }
    )
    out = pseudonymise(frame, scope)
    a, b = pseudonym("A", key), pseudonym("B", key)
    assert out["from_user"].tolist() == ["", a, b]
    assert out["to_user"].iloc[:2].tolist() == [a, b]
    assert pd.isna(out["to_user"].iloc[2])
    assert isinstance(out["from_user"].dtype, pd.CategoricalDtype)
    assert out["from_user"].cat.categories.equals(out["to_user"].cat.categories)
    assert set(out["from_user"].cat.categories) == {"", a, b}  # "A" and "a" merged
    plain = pseudonymise(frame.astype(object), scope)
    assert plain["from_user"].tolist() == out["from_user"].tolist()
