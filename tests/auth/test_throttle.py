"""Failed sign-ins: counted atomically, throttled per source, the same answer for every
account, the password checked outside the write lock, and audit fields capped.

Every test runs on SQLite and on PostgreSQL (`store_url`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

import analytics.access.sign_in
from analytics.access.accounts import Accounts
from analytics.access.audit import MAX_LOGGED
from analytics.access.sign_in import MAX_EMAIL, SignInRefused
from analytics.store.store import Store, open_store
from tests.auth.conftest import ASSAM_HEALTH, PASSWORD, as_source

EMAIL = "viewer.mn@manipur.gov.in"
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
HERE, ELSEWHERE = "203.0.113.9", "198.51.100.7"


def refusal(accounts: Accounts, email: str, password: str, **kwargs: object) -> str:
    """The message of a refused sign-in."""
    with pytest.raises(SignInRefused) as refused:
        accounts.sign_in.password(email, password, **kwargs)  # type: ignore[arg-type]
    return str(refused.value)


def test_parallel_wrong_passwords_lock_the_account_for_that_source(
    store_url: str, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10 threads x 4 wrong passwords at once (each thread with its own store connection, as
    separate dashboard processes would): the failures are counted, not lost, so the account
    is locked for that source and the right password is refused afterwards."""
    monkeypatch.setenv("EOFFICE_LOCKOUT_ATTEMPTS", "5")
    barrier = threading.Barrier(10)

    def attacker(n: int) -> list[str]:
        store = open_store(store_url)
        try:
            acc = Accounts(store)
            barrier.wait()
            return [refusal(acc, EMAIL, f"guess {n}-{i}", source=HERE) for i in range(4)]
        finally:
            store.close()

    with ThreadPoolExecutor(10) as pool:
        answers = [a for batch in pool.map(attacker, range(10)) for a in batch]
    assert len(answers) == 40
    assert any("try again after" in a for a in answers)
    assert "try again after" in refusal(accounts, EMAIL, PASSWORD, source=HERE)
    log = accounts.audit.read(action="sign_in")
    assert len(log) == 41  # every try audited: 40 during the attack, then the right password
    assert log.iloc[0]["outcome"] == "refused"
    assert len(accounts.audit.read(action="lockout")) >= 1
    # the real user elsewhere is not locked out
    assert accounts.sign_in.password(EMAIL, PASSWORD, source=ELSEWHERE).email == EMAIL


def test_a_stranger_cannot_lock_the_real_user_out(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EOFFICE_LOCKOUT_ATTEMPTS", "5")
    for i in range(5):
        refusal(accounts, "admin@gov.in", f"guess {i}", source=HERE, now=T0)
    assert "try again after" in refusal(accounts, "admin@gov.in", PASSWORD, source=HERE, now=T0)
    # the admin from their own browser, and on the host's command line, still get in
    assert accounts.sign_in.password("admin@gov.in", PASSWORD, source=ELSEWHERE, now=T0)
    assert accounts.sign_in.password("admin@gov.in", PASSWORD, method="cli", now=T0)
    # the lock on the stranger's source ends after the lock's duration
    later = T0 + timedelta(minutes=16)
    assert accounts.sign_in.password("admin@gov.in", PASSWORD, source=HERE, now=later)
    # the admin's list shows the lock while it lasts, and unlock ends it now
    for i in range(5):
        refusal(accounts, EMAIL, f"guess {i}", source=HERE)
    assert accounts.users.table().set_index("email").loc[EMAIL, "locked_until"] is not None
    accounts.users.unlock(EMAIL, by="admin@gov.in")
    assert accounts.sign_in.password(EMAIL, PASSWORD, source=HERE).email == EMAIL


def test_one_source_trying_many_accounts_is_locked_out_of_all(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EOFFICE_SOURCE_ATTEMPTS", "8")
    for i in range(8):
        refusal(accounts, f"guess{i}@gov.in", "a wrong password", source=HERE, now=T0)
    message = refusal(accounts, EMAIL, PASSWORD, source=HERE, now=T0)
    assert "try again after" in message
    assert accounts.sign_in.password(EMAIL, PASSWORD, source=ELSEWHERE, now=T0)
    assert accounts.sign_in.password(EMAIL, PASSWORD, source=HERE, now=T0 + timedelta(minutes=16))


@pytest.mark.parametrize("kind", ["unknown", "disabled", "sso_only"])
def test_unknown_disabled_and_sso_only_answer_like_a_real_account(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The same messages, try after try through the lock-out and beyond, and the same work:
    exactly one argon2 verify per try, locked or not."""
    monkeypatch.setenv("EOFFICE_LOCKOUT_ATTEMPTS", "3")
    other = {"unknown": "stranger@gov.in", "disabled": "off@gov.in", "sso_only": "sso@gov.in"}
    email = other[kind]
    if kind == "disabled":
        accounts.users.add(email, "viewer", state="Assam", password=PASSWORD)
        accounts.users.set_active(email, False)
    if kind == "sso_only":
        accounts.users.add(email, "viewer", state="Assam")
    verifies: list[str] = []
    real_verify = analytics.access.sign_in._verify

    def counted(password_hash: str, password: str) -> bool:
        verifies.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(analytics.access.sign_in, "_verify", counted)

    def answers(who: str) -> list[str]:
        found = [refusal(accounts, who, f"guess {i}", source=HERE, now=T0) for i in range(5)]
        return [a.split(" after ")[0] for a in found]

    real, other_answers = answers(EMAIL), answers(email)
    assert real == other_answers
    assert real[:2] == ["wrong e-mail or password"] * 2
    assert real[2:] == ["too many failed sign-ins from here: try again"] * 3
    assert len(verifies) == 10


def test_the_password_is_checked_outside_the_write_lock(
    store: Store, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a sign-in verifies a password, an upload on another connection completes: the
    upload finishes before the verify returns (it would wait for the sign-in's write
    transaction on SQLite if the hash were checked inside it)."""
    order: list[str] = []
    real_verify = analytics.access.sign_in._verify
    upload = as_source("during-sign-in.csv", [{**r, "file_id": "AH-2"} for r in ASSAM_HEALTH])

    def ingest() -> None:
        other = open_store(store.url)
        try:
            other.uploads.ingest([upload])
            order.append("upload stored")
        finally:
            other.close()

    def verify_during_upload(password_hash: str, password: str) -> bool:
        worker = threading.Thread(target=ingest)
        worker.start()
        worker.join(timeout=60)
        order.append("verify returns")
        return real_verify(password_hash, password)

    monkeypatch.setattr(analytics.access.sign_in, "_verify", verify_during_upload)
    for attempt in range(3):
        refusal(accounts, EMAIL, f"wrong {attempt}", source=HERE)
        assert order[-2:] == ["upload stored", "verify returns"]
        upload = as_source(
            f"again-{attempt}.csv", [{**r, "file_id": f"AH-{attempt + 3}"} for r in ASSAM_HEALTH]
        )
    assert accounts.sign_in.password(EMAIL, PASSWORD, source=HERE).email == EMAIL
    assert order[-2:] == ["upload stored", "verify returns"]


ATTEMPTS = [
    lambda acc, big: acc.sign_in.password(big + "@gov.in", "a wrong password"),
    lambda acc, big: acc.sign_in.password("x@gov.in", "a wrong password", source=big),
    lambda acc, big: acc.sign_in.sso(big + "@gov.in", big, verified=True),
    lambda acc, big: acc.audit.write(big, "export", "ok", big, {"what": big, big: [big] * 500}),
]


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=["email", "source", "sso", "audit"])
def test_every_logged_field_is_capped(
    accounts: Accounts, attempt: Callable[[Accounts, str], object]
) -> None:
    """A 1 MB e-mail (or source, SSO name, detail) writes about a kilobyte, marked as cut."""
    big = "a" * 1_000_000
    with contextlib.suppress(SignInRefused):
        attempt(accounts, big)
    entry = accounts.audit.read(limit=1).iloc[0]
    limit = MAX_LOGGED + 40  # the marker: "…[999,488 more characters cut]"
    texts = [entry["actor"], entry["target"] or ""]

    def strings(value: object) -> list[str]:
        if isinstance(value, dict):
            return [k for k in value] + [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    texts += strings(entry["details"])
    assert all(len(t) <= limit for t in texts)
    if attempt is ATTEMPTS[0]:
        assert max(len(t) for t in texts) == MAX_EMAIL  # cut to the longest e-mail at once
    else:
        assert any("more characters cut" in t for t in texts)
    assert len(str(entry["details"])) < 103 * (limit + 10)  # at most 100 list items and 3 fields
