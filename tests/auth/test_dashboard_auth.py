"""AppTest of the dashboard's sign-in (`dashboard/auth.py`) and the admin page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import Accounts
from analytics.access.audit import Action
from analytics.store.store import open_store
from tests.auth.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SSO = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "eoffice",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
}


def probe() -> None:
    """A page that signs in and prints who it found."""
    import streamlit as st

    from dashboard import auth

    user = auth.require_sign_in()
    auth.show_account(user)
    states = "ALL" if user.scope.states is None else ",".join(sorted(user.scope.states))
    st.write(f"USER {user.email} {user.method} {states}")


@pytest.fixture
def accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Accounts]:
    """An empty SQLite store named by EOFFICE_DB_URL for the app, and its accounts."""
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    monkeypatch.setenv("EOFFICE_DB_URL", url)
    monkeypatch.delenv("EOFFICE_DEMO", raising=False)
    store = open_store(url)
    try:
        yield Accounts(store)
    finally:
        store.close()


@pytest.fixture
def people(accounts: Accounts) -> Accounts:
    accounts.users.add("admin@gov.in", "admin", password=PASSWORD, by="test")
    accounts.users.add("viewer@manipur.gov.in", "viewer", state="Manipur", password=PASSWORD)
    return accounts


def app(user: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_function(probe, default_timeout=60)
    at.user = user if user is not None else {"is_logged_in": False}
    if secrets:
        at.secrets["auth"] = secrets
    return at


def texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def _submit(at: AppTest) -> AppTest:
    for button in at.button:
        if button.label == "Sign in":
            return button.click().run()
    raise AssertionError("no Sign in button")


def test_local_account_form(people: Accounts) -> None:
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Sign in"
    assert "USER" not in texts(at)
    assert not [b for b in at.button if "single sign-on" in b.label]  # no [auth] configured
    at.text_input(key="eoffice_sign_in_email").input("viewer@manipur.gov.in")
    at.text_input(key="eoffice_sign_in_password").input("wrong password!")
    _submit(at)
    assert "wrong e-mail or password" in at.error[0].value
    at.text_input(key="eoffice_sign_in_password").input(PASSWORD)
    _submit(at)
    assert not at.exception
    assert "USER viewer@manipur.gov.in password Manipur" in texts(at)
    assert at.session_state["eoffice_scope"].states == {"Manipur"}
    # sign out returns to the form
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert at.title[0].value == "Sign in"
    assert at.session_state["eoffice_scope"].empty


def test_locked_account_refuses_the_right_password_in_the_form(
    people: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EOFFICE_LOCKOUT_ATTEMPTS", "3")
    at = app().run()
    at.text_input(key="eoffice_sign_in_email").input("viewer@manipur.gov.in")
    for i in range(3):
        at.text_input(key="eoffice_sign_in_password").input(f"wrong password {i}")
        _submit(at)
    assert "try again after" in at.error[0].value
    at.text_input(key="eoffice_sign_in_password").input(PASSWORD)
    _submit(at)
    assert "try again after" in at.error[0].value
    assert "USER" not in texts(at)


def test_sso_identity_maps_to_the_store_user(people: Accounts) -> None:
    identity = {"is_logged_in": True, "email": "Viewer@Manipur.gov.in", "name": "V"}
    at = app({**identity, "email_verified": True}, SSO).run()
    assert not at.exception
    assert "USER viewer@manipur.gov.in sso Manipur" in texts(at)


@pytest.mark.parametrize("claim", [None, False, "true", 1], ids=["absent", "false", "str", "int"])
def test_sso_identity_without_a_verified_email_is_refused_and_audited(
    people: Accounts, claim: object
) -> None:
    """Only an `email_verified` claim of JSON true vouches for the e-mail."""
    identity = {"is_logged_in": True, "email": "viewer@manipur.gov.in", "name": "V"}
    if claim is not None:
        identity["email_verified"] = claim
    at = app(identity, SSO).run()
    assert not at.exception
    assert "USER" not in texts(at)
    assert "no active account" in at.error[0].value
    entry = people.audit.read(action="sign_in").iloc[0]
    assert (entry["actor"], entry["outcome"]) == ("viewer@manipur.gov.in", "refused")
    assert "not verified" in entry["details"]["reason"]


def test_sso_unknown_email_is_refused_once_audited(people: Accounts) -> None:
    at = app({"is_logged_in": True, "email": "intruder@example.com"}, SSO).run()
    assert "USER" not in texts(at)
    assert "intruder@example.com has no active account" in at.error[0].value
    assert any("single sign-on" in b.label for b in at.button)
    at.run()
    at.run()
    refused = people.audit.read(actor="intruder@example.com")
    assert len(refused) == 1
    assert refused.iloc[0]["outcome"] == "refused"


def test_sso_identity_ignored_without_auth_configured(people: Accounts) -> None:
    """An identity cookie is only trusted when SSO is configured."""
    at = app({"is_logged_in": True, "email": "admin@gov.in"}).run()
    assert "USER" not in texts(at)


def test_demo_mode_reads_all_read_only_until_accounts_exist(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EOFFICE_DEMO", "1")
    at = app().run()
    assert not at.exception
    assert "USER demo demo ALL" in texts(at)
    assert "Demo mode" in at.sidebar.warning[0].value
    accounts.users.add("admin@gov.in", "admin", password=PASSWORD)
    at = app().run()
    assert at.title[0].value == "Sign in"
    assert "demo mode is off" in at.error[0].value


# --- the admin page -------------------------------------------------------------------------


def admin_page(email: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard" / "pages" / "admin.py"), default_timeout=60)
    at.user = {"is_logged_in": True, "email": email, "email_verified": True}
    at.secrets["auth"] = SSO
    return at.run()


def test_admin_page_refuses_non_admins(people: Accounts) -> None:
    at = admin_page("viewer@manipur.gov.in")
    assert not at.exception
    assert "administrators only" in at.error[0].value
    assert not at.dataframe
    entry = people.audit.read(action="admin_page").iloc[0]
    assert (entry["actor"], entry["outcome"]) == ("viewer@manipur.gov.in", "refused")


def test_admin_page_adds_users_grants_and_shows_the_audit_log(people: Accounts) -> None:
    at = admin_page("admin@gov.in")
    assert not at.exception
    users = at.dataframe[0].value
    assert set(users["E-mail"]) == {"admin@gov.in", "viewer@manipur.gov.in"}
    at.text_input(key="admin_add_email").input("nodal@assam.gov.in")
    at.selectbox(key="admin_add_role").select("nodal_officer")
    at.text_input(key="admin_add_state").input("Assam")
    at.text_input(key="admin_add_department").input("Health")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.exception
    assert any("Added nodal@assam.gov.in" in s.value for s in at.success)
    grants = people.users.grants_of("nodal@assam.gov.in")
    assert [g.describe() for g in grants] == ["nodal_officer: Assam / Health"]
    # a bad grant is explained, not applied
    at.selectbox(key="admin_grant_user").select("nodal@assam.gov.in")
    at.selectbox(key="admin_grant_role").select("viewer")
    at.text_input(key="admin_grant_state").input("")
    next(b for b in at.button if b.label == "Grant").click().run()
    assert any("needs a --state" in e.value for e in at.error)
    # the audit log shows who did it
    log = at.dataframe[-1].value
    added = log[log["Action"] == "Users added"]  # the action's label, as the filter names it
    assert "admin@gov.in" in set(added["By"])
    assert "nodal@assam.gov.in" in set(added["Target"])


def test_the_audit_filter_offers_every_action_the_code_writes(people: Accounts) -> None:
    """The filter's choices are the `Action` members (no hand-kept list), each under its own
    label: an action written by a real change (`password_removed`, which the old hand-kept
    list lacked) is offered and selecting it shows that row."""
    people.users.set_password("viewer@manipur.gov.in", None, by="admin@gov.in")
    people.users.set_active("viewer@manipur.gov.in", False, by="admin@gov.in")
    written = set(people.audit.read()["action"])
    assert {"password_removed", "user_disable", "user_add"} <= written
    at = admin_page("admin@gov.in")
    assert not at.exception
    offered = at.selectbox(key="admin_audit_action").options  # as shown: the labels
    assert offered[0] == "all"
    assert len(offered) == 1 + len(Action)
    assert len(set(offered)) == len(offered)  # one label per action
    assert {"Passwords removed", "Users disabled", "Users added"} <= set(offered)
    at.selectbox(key="admin_audit_action").select("password_removed").run()
    shown = at.dataframe[-1].value
    assert shown["Action"].tolist() == ["Passwords removed"]
    assert shown["Target"].tolist() == ["viewer@manipur.gov.in"]
