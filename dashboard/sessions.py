"""Local-account sign-ins kept across reloads and new tabs (docs/security.md).

Streamlit's script runs over a WebSocket and cannot set a cookie, so the sign-in hands off
to two small HTTP routes served beside the app by `dashboard/server.py` (`st.App`):

1. After a password sign-in, the page stores a kept session (`WebSessions.start`)
   and sends the browser to `/_eoffice/session?code=...&next=PAGE` with a one-time code
   valid two minutes.
2. That route exchanges the code for a random token (`WebSessions.redeem_handoff`; only its
   SHA-256 is stored), sets it as an HttpOnly, SameSite=Strict cookie (Secure over HTTPS)
   for `EOFFICE_SESSION_HOURS`, and redirects to PAGE.
3. Every new Streamlit session (a reload, a new tab) reads the cookie from the WebSocket's
   request (`st.context.cookies`) and resumes it (`WebSessions.resume`), which
   re-resolves the user from the store: a disabled or removed user, or an ended or expired
   session, is signed out; grants are read afresh on every run.
4. Sign-out ends the session in the store and sends the browser to `/_eoffice/sign-out`,
   which deletes the cookie.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from analytics.access.accounts import Accounts
from analytics.access.sessions import session_lifetime

COOKIE = "eoffice_session"
SESSION_ROUTE = "/_eoffice/session"
SIGN_OUT_ROUTE = "/_eoffice/sign-out"
ROUTES_ENV = "EOFFICE_SESSION_ROUTES"
"""Set by `dashboard/server.py`: the routes above are served (else sessions are not kept)."""


def routes_served() -> bool:
    """True in a server started from `dashboard/server.py`."""
    return os.environ.get(ROUTES_ENV) == "1"


def safe_next(value: str | None) -> str:
    """A path on this site to return to; anything else (another host, `//x`, `\\x`) → `/`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def make_routes(accounts: Callable[[], Accounts]) -> list[Route]:
    """The two routes, on the store `accounts()` returns."""

    async def session(request: Request) -> Response:
        code = request.query_params.get("code", "")
        token = await run_in_threadpool(accounts().sessions.redeem_handoff, code) if code else None
        response = RedirectResponse(safe_next(request.query_params.get("next")), 303)
        if token is not None:
            response.set_cookie(
                COOKIE,
                token,
                max_age=int(session_lifetime().total_seconds()),
                path="/",
                httponly=True,
                secure=request.url.scheme == "https",
                samesite="strict",
            )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def sign_out(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            await run_in_threadpool(_end, accounts(), token)
        response = RedirectResponse("/", 303)
        response.delete_cookie(COOKIE, path="/", samesite="strict")
        response.headers["Cache-Control"] = "no-store"
        return response

    return [
        Route(SESSION_ROUTE, session, methods=["GET"]),
        Route(SIGN_OUT_ROUTE, sign_out, methods=["GET"]),
    ]


def _end(accounts: Accounts, token: str) -> None:
    found = accounts.sessions.resume(token)
    if found is not None:
        accounts.sessions.end(found[0])
