"""Kept dashboard sessions (`WebSessions.start` and the cookie routes of
`dashboard/sessions.py`), on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():  # Starlette asks for `httpx2`; httpx is what is installed
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from analytics.access.accounts import Accounts
from dashboard.sessions import COOKIE, SESSION_ROUTE, SIGN_OUT_ROUTE, make_routes, safe_next
from tests.auth.conftest import sign_in

EMAIL = "viewer.mn@manipur.gov.in"
T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def kept(accounts: Accounts, now: datetime = T0) -> tuple[int, str]:
    """(session id, token) of a kept session for the viewer, started and redeemed at `now`."""
    session_id, code = accounts.sessions.start(sign_in(accounts, EMAIL), now=now)
    token = accounts.sessions.redeem_handoff(code, now=now + timedelta(seconds=5))
    assert token is not None
    return session_id, token


def test_a_kept_session_resumes_the_user_from_the_store(accounts: Accounts) -> None:
    session_id, token = kept(accounts)
    found = accounts.sessions.resume(token, now=T0 + timedelta(hours=11))
    assert found is not None
    assert found[0] == session_id
    assert found[1].email == EMAIL
    assert found[1].scope.states == {"Manipur"}
    # a grant changed meanwhile is read afresh
    accounts.users.grant(EMAIL, "viewer", state="Assam")
    assert accounts.sessions.resume(token, now=T0)[1].scope.states == {"Manipur", "Assam"}
    # only digests are stored
    with accounts.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash, handoff_hash FROM web_sessions").all()
    assert stored[0][0] != token
    assert len(stored[0][0]) == 64
    assert stored[0][1] is None


def test_a_kept_session_ends_on_expiry_disable_or_sign_out(
    accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EOFFICE_SESSION_HOURS", "12")
    _, token = kept(accounts)
    assert accounts.sessions.resume(token, now=T0 + timedelta(hours=12, seconds=1)) is None
    accounts.users.set_active(EMAIL, False)
    assert accounts.sessions.resume(token, now=T0) is None
    accounts.users.set_active(EMAIL, True)
    session_id, token = kept(accounts)
    assert accounts.sessions.live(session_id, now=T0)
    assert not accounts.sessions.live(session_id, now=T0 + timedelta(hours=13))
    accounts.sign_in.sign_out(sign_in(accounts, EMAIL), session_id)
    assert accounts.sessions.resume(token, now=T0) is None
    assert not accounts.sessions.live(session_id, now=T0)
    assert accounts.sessions.resume("a guessed token", now=T0) is None


def test_a_hand_off_code_works_once_and_briefly(accounts: Accounts) -> None:
    _, code = accounts.sessions.start(sign_in(accounts, EMAIL), now=T0)
    assert (
        accounts.sessions.redeem_handoff(code, now=T0 + timedelta(seconds=121)) is None
    )  # too late
    _, code = accounts.sessions.start(sign_in(accounts, EMAIL), now=T0)
    assert accounts.sessions.redeem_handoff("not the code", now=T0) is None
    assert accounts.sessions.redeem_handoff(code, now=T0) is not None
    assert accounts.sessions.redeem_handoff(code, now=T0) is None  # used


def client(accounts: Accounts) -> TestClient:
    app = Starlette(routes=make_routes(lambda: accounts))
    return TestClient(app, base_url="https://dashboard.example", follow_redirects=False)


def test_the_session_route_sets_a_strict_http_only_cookie_once(accounts: Accounts) -> None:
    _, code = accounts.sessions.start(sign_in(accounts, EMAIL))
    http = client(accounts)
    answer = http.get(SESSION_ROUTE, params={"code": code, "next": "/pendency?state=Manipur"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/pendency?state=Manipur"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for part in ("HttpOnly", "Secure", "SameSite=strict", "Path=/", "Max-Age=43200"):
        assert part in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert accounts.sessions.resume(token)[1].email == EMAIL
    again = client(accounts).get(SESSION_ROUTE, params={"code": code, "next": "/"})
    assert "set-cookie" not in again.headers
    # sign-out through the route ends the session and deletes the cookie
    http.cookies.set(COOKIE, token)
    out = http.get(SIGN_OUT_ROUTE)
    assert out.status_code == 303
    assert 'eoffice_session=""' in out.headers["set-cookie"]
    assert accounts.sessions.resume(token) is None


@pytest.mark.parametrize(
    ("asked", "used"),
    [
        ("/journey?file=A", "/journey?file=A"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        ("pendency", "/"),
    ],
)
def test_the_route_returns_only_to_this_site(asked: str, used: str) -> None:
    assert safe_next(asked) == used
