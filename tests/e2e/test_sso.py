"""Real-browser sign-in: OpenID Connect through `oidc-provider-mock`, and a local account.

The test runs an OpenID provider (`oidc_provider_mock.app`) and a Streamlit app that signs in
with `dashboard.auth` on 127.0.0.1, then drives Debian's Chromium (Playwright with
`executable_path`; never `playwright install`). Skipped, with the reason, when Chromium,
Playwright, Authlib or oidc-provider-mock is missing (FAILS instead when `CI` is set).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.auth import Accounts
from analytics.store import open_store

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long e2e password"
APP = """
import streamlit as st
from dashboard import auth

user = auth.require_sign_in()
auth.show_account(user)
states = "every state" if user.scope.states is None else ", ".join(sorted(user.scope.states))
st.write(f"Signed in: {user.email} by {user.method}; reads {states}")
"""


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        _missing(f"the {module} package is not installed")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _chromium() -> str:
    path = os.environ.get("EOFFICE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _missing("Debian's chromium is not installed (apt-get install chromium)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PROVIDER = """
import sys
import oidc_provider_mock
import werkzeug.serving

users = [
    oidc_provider_mock.User(sub=email, claims={"email": email, "email_verified": True})
    for email in sys.argv[2:]
]
app = oidc_provider_mock.app(user_claims=users)
werkzeug.serving.make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
"""


def _wait_http(url: str, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"{what} did not start:\n{out}")
            time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


@pytest.fixture
def provider() -> Iterator[str]:
    """An OpenID provider on 127.0.0.1 (its own process) that knows two identities."""
    _need("oidc_provider_mock")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", PROVIDER, str(port), "secy@manipur.gov.in", "stranger@example.com"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base}/.well-known/openid-configuration", proc, "the OpenID provider")
        yield base
    finally:
        _stop(proc)


@pytest.fixture
def app_url(provider: str, tmp_path: Path) -> Iterator[tuple[str, Accounts]]:
    """The sign-in app on 127.0.0.1, configured for the provider, with two accounts."""
    _need("authlib")
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = open_store(db)
    accounts = Accounts(store)
    accounts.add_user("secy@manipur.gov.in", "viewer", state="Manipur", by="test")
    accounts.add_user("national@darpg.gov.in", "national_viewer", password=PASSWORD, by="test")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        textwrap.dedent(
            f"""
            [auth]
            redirect_uri = "{base}/oauth2callback"
            cookie_secret = "e2e-cookie-secret-0123456789abcdef"
            client_id = "eoffice-analytics"
            client_secret = "e2e-client-secret"
            server_metadata_url = "{provider}/.well-known/openid-configuration"
            """
        )
    )
    (tmp_path / "app.py").write_text(APP)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "EOFFICE_DB_URL": db,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    env.pop("EOFFICE_DEMO", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_http(f"{base}/_stcore/health", proc, "streamlit")
        yield base, accounts
    finally:
        _stop(proc)
        store.close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    _need("playwright")
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_sso_sign_in_through_a_real_provider(app_url, page) -> None:
    base, accounts = app_url
    page.goto(base)
    page.get_by_role("button", name="Sign in with single sign-on").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
    page.fill("input[name=sub]", "secy@manipur.gov.in")
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text("Signed in: secy@manipur.gov.in by sso; reads Manipur").wait_for(
        timeout=30_000
    )
    entry = accounts.audit_log(action="sign_in").iloc[0]
    assert (entry["actor"], entry["outcome"]) == ("secy@manipur.gov.in", "ok")
    assert entry["details"]["method"] == "sso"


def test_sso_identity_without_an_account_is_refused(app_url, page) -> None:
    base, accounts = app_url
    page.goto(base)
    page.get_by_role("button", name="Sign in with single sign-on").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
    page.fill("input[name=sub]", "stranger@example.com")
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text("stranger@example.com has no active account").wait_for(timeout=30_000)
    assert page.get_by_text("Signed in:").count() == 0
    entry = accounts.audit_log(actor="stranger@example.com").iloc[0]
    assert entry["outcome"] == "refused"


def test_local_account_sign_in(app_url, page) -> None:
    base, accounts = app_url
    page.goto(base)
    page.get_by_label("E-mail").fill("national@darpg.gov.in")
    page.get_by_role("textbox", name="Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("wrong e-mail or password").wait_for(timeout=30_000)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Signed in: national@darpg.gov.in by password; reads every state").wait_for(
        timeout=30_000
    )
    assert list(accounts.audit_log(action="sign_in")["outcome"])[:2] == ["ok", "failed"]
