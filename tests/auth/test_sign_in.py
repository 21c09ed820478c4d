"""Sign-in by password (argon2, lock-out) and by SSO e-mail, users and grants, audit rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analytics.access.accounts import Accounts
from analytics.access.sign_in import SignInRefused
from analytics.access.users import AuthError
from analytics.store.store import Store
from tests.auth.conftest import PASSWORD

T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
EMAIL = "viewer.mn@manipur.gov.in"


def actions(accounts: Accounts) -> list[tuple[str, str]]:
    """(action, outcome) of the audit log, oldest first, without the fixture's user_add rows."""
    log = accounts.audit.read()
    rows = zip(log["action"], log["outcome"], strict=True)
    return [r for r in reversed(list(rows)) if r[0] != "user_add"]


def test_passwords_are_argon2_hashes_never_plain(store: Store, accounts: Accounts) -> None:
    with store.engine.connect() as conn:
        stored = [r[0] for r in conn.exec_driver_sql("SELECT password_hash FROM users")]
    assert stored
    assert all(h.startswith("$argon2id$") for h in stored)
    assert all(PASSWORD not in h for h in stored)


def test_right_password_signs_in_and_is_audited(accounts: Accounts) -> None:
    user = accounts.sign_in.password("  Viewer.MN@Manipur.gov.in ", PASSWORD, now=T0)
    assert user.email == EMAIL
    assert user.method == "password"
    entry = accounts.audit.read().iloc[0]
    assert (entry["action"], entry["outcome"], entry["actor"]) == ("sign_in", "ok", EMAIL)
    assert entry["at"].tzinfo is not None


@pytest.mark.parametrize("email", [EMAIL, "stranger@gov.in"])
def test_wrong_password_and_unknown_account_look_the_same(accounts: Accounts, email: str) -> None:
    with pytest.raises(SignInRefused, match="wrong e-mail or password"):
        accounts.sign_in.password(email, "not the password", now=T0)
    assert actions(accounts) == [("sign_in", "failed")]


def test_lock_out_after_repeated_failures_then_unlock_when_it_ends(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EOFFICE_LOCKOUT_ATTEMPTS", "5")
    monkeypatch.setenv("EOFFICE_LOCKOUT_MINUTES", "15")
    for i in range(4):
        with pytest.raises(SignInRefused, match="wrong e-mail or password"):
            accounts.sign_in.password(EMAIL, f"guess {i}", now=T0 + timedelta(seconds=i))
    with pytest.raises(SignInRefused, match="try again after"):
        accounts.sign_in.password(EMAIL, "guess 5", now=T0 + timedelta(seconds=5))
    # the right password is refused while the lock lasts
    for minutes in (0, 5, 14.9):
        with pytest.raises(SignInRefused, match="try again after"):
            accounts.sign_in.password(EMAIL, PASSWORD, now=T0 + timedelta(minutes=minutes))
    assert accounts.users.table().set_index("email").loc[EMAIL, "locked_until"] is not None
    # once it ends, the right password works and the counter starts again
    user = accounts.sign_in.password(EMAIL, PASSWORD, now=T0 + timedelta(minutes=16))
    assert user.email == EMAIL
    assert actions(accounts) == [
        *[("sign_in", "failed")] * 5,
        ("lockout", "ok"),
        *[("sign_in", "refused")] * 3,
        ("sign_in", "ok"),
    ]


def test_failures_after_a_lock_start_counting_afresh(accounts: Accounts) -> None:
    for i in range(5):
        with pytest.raises(SignInRefused):
            accounts.sign_in.password(EMAIL, "x" * 12, now=T0 + timedelta(seconds=i))
    later = T0 + timedelta(minutes=20)
    with pytest.raises(SignInRefused, match="wrong e-mail or password"):
        accounts.sign_in.password(EMAIL, "y" * 12, now=later)
    assert accounts.sign_in.password(EMAIL, PASSWORD, now=later).email == EMAIL


def test_admin_unlock_and_disable(accounts: Accounts) -> None:
    for i in range(5):
        with pytest.raises(SignInRefused):
            accounts.sign_in.password(EMAIL, "x" * 12, now=T0 + timedelta(seconds=i))
    accounts.users.unlock(EMAIL, by="admin@gov.in")
    assert accounts.sign_in.password(EMAIL, PASSWORD, now=T0 + timedelta(minutes=1))
    accounts.users.set_active(EMAIL, False, by="admin@gov.in")
    with pytest.raises(SignInRefused):
        accounts.sign_in.password(EMAIL, PASSWORD)
    with pytest.raises(SignInRefused):
        accounts.sign_in.sso(EMAIL, verified=True)
    assert accounts.users.get(EMAIL) is None


def test_sso_maps_the_email_to_a_user(accounts: Accounts) -> None:
    user = accounts.sign_in.sso("Viewer.MN@manipur.gov.in", "Viewer", verified=True)
    assert user.method == "sso"
    assert user.scope.allows("Manipur")
    assert not user.scope.allows("Assam")
    entry = accounts.audit.read().iloc[0]
    assert (entry["action"], entry["outcome"]) == ("sign_in", "ok")
    assert entry["details"]["method"] == "sso"


@pytest.mark.parametrize(
    ("email", "verified", "reason"),
    [
        ("intruder@example.com", True, "no account"),
        (EMAIL, False, "email_verified is false"),
        (EMAIL, None, "sent no email_verified claim"),
    ],
)
def test_sso_unknown_or_unverified_is_refused_and_audited(
    accounts: Accounts, email: str, verified: bool | None, reason: str
) -> None:
    with pytest.raises(SignInRefused, match="ask an administrator"):
        accounts.sign_in.sso(email, verified=verified)
    entry = accounts.audit.read().iloc[0]
    assert (entry["action"], entry["outcome"], entry["actor"]) == ("sign_in", "refused", email)
    assert reason in entry["details"]["reason"]


def test_sso_only_user_has_no_password(accounts: Accounts) -> None:
    accounts.users.add("sso.only@gov.in", "national_viewer", by="admin@gov.in")
    with pytest.raises(SignInRefused):
        accounts.sign_in.password("sso.only@gov.in", "")
    assert accounts.sign_in.sso("sso.only@gov.in", verified=True).scope.unrestricted


def test_user_and_grant_changes_are_audited(accounts: Accounts) -> None:
    accounts.users.add("new@gov.in", "viewer", state="Assam", by="admin@gov.in")
    assert accounts.users.grant("new@gov.in", "nodal_officer", state="Assam", by="admin@gov.in")
    assert not accounts.users.grant("new@gov.in", "nodal_officer", state="Assam", by="admin@gov.in")
    assert accounts.users.revoke("new@gov.in", "viewer", state="Assam", by="admin@gov.in")
    assert not accounts.users.revoke("new@gov.in", "viewer", state="Assam", by="admin@gov.in")
    accounts.users.set_see_names("new@gov.in", True, by="admin@gov.in")
    log = accounts.audit.read(actor="admin@gov.in")
    assert list(log["action"])[::-1] == ["user_add", "grant", "revoke", "names_permission"]
    assert set(log["target"]) == {"new@gov.in"}
    assert "nodal_officer: Assam" in log.iloc[2]["details"]["grant"]
    assert accounts.users.grants_of("new@gov.in")[0].describe() == "nodal_officer: Assam"


@pytest.mark.parametrize(
    ("role", "state", "department", "message"),
    [
        ("viewer", None, None, "needs a --state"),
        ("nodal_officer", None, "Finance", "needs a --state"),
        ("admin", "Assam", None, "covers every state"),
        ("national_viewer", None, "Health", "covers every state"),
        ("superuser", None, None, "unknown role"),
    ],
)
def test_malformed_grants_are_refused(
    accounts: Accounts, role: str, state: str | None, department: str | None, message: str
) -> None:
    with pytest.raises(AuthError, match=message):
        accounts.users.grant(EMAIL, role, state=state, department=department)


def test_weak_or_duplicate_accounts_are_refused(accounts: Accounts) -> None:
    with pytest.raises(AuthError, match="at least 10"):
        accounts.users.add("short@gov.in", "viewer", state="Assam", password="short")
    with pytest.raises(AuthError, match="exists already"):
        accounts.users.add(EMAIL.upper(), "viewer", state="Assam")
    with pytest.raises(AuthError, match="not an e-mail"):
        accounts.users.add("admin", "admin")


def test_no_account_exists_until_one_is_added(store_url: str) -> None:
    from analytics.store.store import open_store

    store = open_store(store_url)
    try:
        accounts = Accounts(store)
        assert not accounts.users.exist()
        assert accounts.users.table().empty
        with pytest.raises(SignInRefused):
            accounts.sign_in.password("admin@gov.in", "admin")
    finally:
        store.close()
