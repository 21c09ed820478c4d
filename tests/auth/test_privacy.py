"""Pseudonyms: stable, keyed, hiding names from users without the names permission."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.access.accounts import Accounts
from analytics.access.pseudonyms import pseudonymise, unit_key
from analytics.access.scope import Scope, load_scoped
from analytics.store.store import Store, open_store
from tests.auth.conftest import sign_in
from tests.conftest import pseudonym

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
    alias = pseudonym("Ibomcha B", key, "Manipur", "Finance")
    assert alias in set(events["to_user"])
    assert alias in set(events["from_user"])
    assert alias in set(stints["holder"])
    # blank users stay blank
    assert "" in set(events["from_user"])


def test_names_permission_shows_names(store: Store, accounts: Accounts) -> None:
    accounts.users.set_see_names("viewer.mn@manipur.gov.in", True, by="admin@gov.in")
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
        second = Accounts(again).sign_in.password("darpg@gov.in", "a long test password")
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
    assert pseudonym("Tomba A", stored, "Manipur", "Home") != pseudonym(
        "Tomba A", b"deployment secret", "Manipur", "Home"
    )


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
    hidden_name = pseudonym("Tomba A", b"k", "Manipur", "Finance")
    assert out.loc[0, "holder"] == out.loc[0, "officer_name"] == hidden_name
    assert out.loc[0, "user_id"].startswith("P-")
    assert out.loc[0, "last_user"].startswith("P-")
    assert out.loc[0, "designation"] == "Director"
    assert frame.loc[0, "holder"] == "Tomba A"  # the input is not changed
    with pytest.raises(PermissionError):
        pseudonymise(frame, Scope(see_names=False))
    assert Scope().protect(frame).equals(frame)


def test_exports_are_audited_with_the_names_rule(accounts: Accounts) -> None:
    viewer = sign_in(accounts, "viewer.mn@manipur.gov.in")
    accounts.guard.record_export(viewer, "pendency", 42, "csv")
    entry = accounts.audit.read(action="export").iloc[0]
    assert entry["actor"] == "viewer.mn@manipur.gov.in"
    assert entry["details"] == {"rows": 42, "format": "csv", "names_shown": False}


def test_pseudonyms_keep_apart_what_the_figures_count_apart() -> None:
    """Two IDs differing only in case are two holders in every figure, so they get two
    pseudonyms; categorical and plain columns read the same; blanks stay blank."""
    key = b"k"
    scope = Scope(states=None, see_names=False, pseudonym_key=key)
    categories = ["", "Ravi", "B", "ravi"]
    frame = pd.DataFrame(
        {
            "from_user": pd.Categorical(["", "Ravi", "ravi"], categories=categories),
            "to_user": pd.Categorical(["Ravi", "ravi", None], categories=categories),
        }
    )
    out = pseudonymise(frame, scope, state="Manipur", department="Finance")
    upper, lower = (pseudonym(x, key, "Manipur", "Finance") for x in ("Ravi", "ravi"))
    assert upper != lower
    assert out["from_user"].tolist() == ["", upper, lower]
    assert out["to_user"].iloc[:2].tolist() == [upper, lower]
    assert pd.isna(out["to_user"].iloc[2])
    plain = pseudonymise(frame.astype(object), scope, state="Manipur", department="Finance")
    assert plain["from_user"].tolist() == out["from_user"].tolist()
    with pytest.raises(ValueError, match="state"):
        pseudonymise(frame, scope)  # no state/department: no key to choose


def test_the_pseudonym_key_is_per_state_and_department() -> None:
    """Issue 11 item 7: a key per (state, department), derived from the deployment's key, so
    choosing an ID in one's own department's rows never reveals the pseudonym that ID has in
    another department or state (docs/security.md, Pseudonyms)."""
    key = b"deployment key"
    units = [("Manipur", "Finance"), ("Manipur", "Home"), ("Assam", "Finance")]
    names = {unit: pseudonym("mn.fin.da1", key, *unit) for unit in units}
    assert len(set(names.values())) == 3
    assert len({unit_key(key, *unit) for unit in units}) == 3
    # stable: the same ID in the same state and department always reads the same
    assert pseudonym("mn.fin.da1", key, "Manipur", "Finance") == names[("Manipur", "Finance")]
    # per row: a frame mixing departments takes each row's own key
    frame = pd.DataFrame(
        {
            "state": ["Manipur", "Manipur", "Assam"],
            "department": ["Finance", "Home", "Finance"],
            "holder": ["mn.fin.da1"] * 3,
        }
    )
    out = pseudonymise(frame, Scope(see_names=False, pseudonym_key=key))
    assert out["holder"].tolist() == [names[u] for u in units]


def test_rejected_rows_show_pseudonyms_without_the_names_permission(
    store: Store, accounts: Accounts
) -> None:
    from analytics.access.pseudonyms import protect_rejected

    # The file's own headers (aliases), as the raw cells keep them; one name quoted in a
    # reason is replaced too. Lines 3 and 4 are rejected (no readable date; no receiver).
    text = (
        b"Computer No.,Action,Sent By,Marked To,Sender Designation,Receiver Designation,Sent On\n"
        b"RJ-1,created,,Ravi Kumar Singh,,Assistant,01-03-2024 10:00\n"
        b"RJ-1,forwarded,Ravi Kumar Singh,Sunita Devi,Assistant,Director,32/13/2024\n"
        b"RJ-1,forwarded,Sunita Devi,,Director,,04-03-2024 10:00\n"
    )
    outcome = store.uploads.ingest([("names.csv", text)], state="Manipur", department="Finance")
    rows = store.uploads.rejected_rows(outcome.upload_id)
    assert rows["line"].tolist() == [3, 4]
    key = accounts.pseudonym_key()
    quoted = rows.assign(reason=rows["reason"] + "; 'Sunita Devi' quoted")
    viewer = sign_in(accounts, "viewer.mn@manipur.gov.in")
    got = protect_rejected(quoted, viewer.scope, state="Manipur", department="Finance")
    unit = ("Manipur", "Finance")  # the upload's: the file names no state or department
    ravi, sunita = pseudonym("Ravi Kumar Singh", key, *unit), pseudonym("Sunita Devi", key, *unit)
    want = [{"Sent By": ravi, "Marked To": sunita}, {"Sent By": sunita, "Marked To": ""}]
    assert [{k: r[k] for k in ("Sent By", "Marked To")} for r in got["raw"]] == want
    assert [r["Sent On"] for r in got["raw"]] == ["32/13/2024", "04-03-2024 10:00"]
    assert [r["Receiver Designation"] for r in got["raw"]] == ["Director", ""]
    assert all(f"'{sunita}' quoted" in r for r in got["reason"])
    flat = " ".join(str(v) for r in got["raw"] for v in r.values()) + " ".join(got["reason"])
    assert "Ravi" not in flat
    assert "Sunita" not in flat
    # the stored rows are untouched, and a user with the names permission sees them as stored
    assert store.uploads.rejected_rows(outcome.upload_id)["raw"].tolist() == rows["raw"].tolist()
    accounts.users.set_see_names("viewer.mn@manipur.gov.in", True, by="admin@gov.in")
    named = sign_in(accounts, "viewer.mn@manipur.gov.in")
    assert protect_rejected(quoted, named.scope) is quoted


@pytest.mark.parametrize("change", ["revoke", "disable", "names", "none"])
def test_an_export_re_checks_the_user_at_that_moment(accounts: Accounts, change: str) -> None:
    """A user resolved before a revoke, a disable or a names change exports nothing after it;
    the refusal is audited. Unchanged access exports as before."""
    from analytics.access.authorise import ExportRefused

    email = "viewer.mn@manipur.gov.in"
    viewer = sign_in(accounts, email)  # what a page on screen holds
    if change == "revoke":
        accounts.users.revoke(email, "viewer", state="Manipur")
    elif change == "disable":
        accounts.users.set_active(email, False)
    elif change == "names":
        accounts.users.set_see_names(email, True)
    if change == "none":
        accounts.guard.record_export(viewer, "pendency", 42, "csv")
    else:
        with pytest.raises(ExportRefused, match="nothing was exported"):
            accounts.guard.record_export(viewer, "pendency", 42, "csv")
    entry = accounts.audit.read(action="export").iloc[0]
    assert entry["actor"] == email
    assert entry["outcome"] == ("ok" if change == "none" else "refused")
