"""Single sign-on into the real dashboard, through a real OpenID Connect provider.

The test runs `oidc-provider-mock` (its own process on 127.0.0.1) and `streamlit run
dashboard/app.py` from a temporary working directory whose `.streamlit/secrets.toml` has the
`[auth]` section docs/access.md describes (and the project's `.streamlit/config.toml`), over a
store holding Manipur's and Assam's files from the committed sample. The SSO identity
`secy@manipur.gov.in` is a viewer of Manipur in the store. Debian's Chromium (Playwright,
`executable_path`) presses "Sign in with single sign-on", signs in on the provider's form and
lands on the Overview, which must show Manipur's figures and nothing of Assam. The figures
are counted straight from the sample CSV rows (it has no duplicate rows), not by the
analytics. Then it signs out (through the provider's end-session page) and signs in with a
local account on the same page (a national viewer: both states), so SSO and local accounts
work side by side. The screenshot of the SSO
user's overview is test-artifacts/sso-overview.png.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.access.accounts import Accounts
from analytics.store.store import open_store
from tests.e2e.conftest import (
    ROOT,
    dashboard,
    free_port,
    metric,
    need,
    running,
    settle,
    shoot,
    sign_in_locally,
)

pytestmark = pytest.mark.browser
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
STATES = ("Manipur", "Assam")
SSO_EMAIL = "secy@manipur.gov.in"
LOCAL_EMAIL = "national@darpg.gov.in"
UNVERIFIED_EMAIL = "unverified@manipur.gov.in"
PASSWORD = "a long e2e password"
TIMEOUT_MS = 60_000
PROVIDER = """
import sys
import oidc_provider_mock
import werkzeug.serving

users = [  # an e-mail given as "-EMAIL" comes without the email_verified claim
    oidc_provider_mock.User(
        sub=email.lstrip("-"),
        claims={"email": email.lstrip("-"), **({} if email[0] == "-" else {"email_verified": True})},
    )
    for email in sys.argv[2:]
]
app = oidc_provider_mock.app(user_claims=users)
werkzeug.serving.make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
"""


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[str]:
    """An OpenID provider on 127.0.0.1 that knows two identities; yields its base URL."""
    need("oidc_provider_mock")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-c", PROVIDER, str(port), SSO_EMAIL, "stranger@example.com"]
    argv.append(f"-{UNVERIFIED_EMAIL}")
    health = f"{base}/.well-known/openid-configuration"
    with running(argv, health, "the OpenID provider", tmp_path / "provider.log"):
        yield base


@pytest.fixture
def sample() -> pd.DataFrame:
    """The committed sample's rows of the two states, as text."""
    rows = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return rows[rows["state"].isin(STATES)]


@pytest.fixture
def app(provider: str, sample: pd.DataFrame, tmp_path: Path) -> Iterator[tuple[str, Accounts]]:
    """The real dashboard configured for the provider, over the two states, with accounts."""
    need("authlib")
    log = tmp_path / "two-states.csv"
    sample.to_csv(log, index=False)
    db = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = open_store(db)
    assert store.uploads.ingest([log], by="e2e").status == "stored"
    accounts = Accounts(store)
    accounts.users.add(SSO_EMAIL, "viewer", state="Manipur", by="test")  # SSO only
    accounts.users.add(LOCAL_EMAIL, "national_viewer", password=PASSWORD, by="test")
    accounts.users.add(UNVERIFIED_EMAIL, "viewer", state="Manipur", by="test")  # SSO only
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    work = tmp_path / "work"  # the working directory the app is started from
    (work / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", work / ".streamlit" / "config.toml")
    (work / ".streamlit" / "secrets.toml").write_text(
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
    try:
        with dashboard(db, tmp_path / "streamlit.log", cwd=work, port=port):
            yield base, accounts
    finally:
        store.close()


def _sso(page: Any, base: str, identity: str) -> None:
    """Press the SSO button and sign in as `identity` on the provider's form."""
    page.goto(base)
    settle(page)
    page.get_by_role("button", name="Sign in with single sign-on").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=TIMEOUT_MS)
    page.fill("input[name=sub]", identity)
    page.get_by_role("button", name="Authorize").click()


def _as_of_states(page: Any) -> str:
    """The text of the sidebar's "As of (T) per state" list (one line per readable state)."""
    page.get_by_text("As of (T) per state").click()
    expanders = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]')
    return expanders.filter(has_text="As of (T) per state").inner_text()


def _counts(rows: pd.DataFrame, action: str) -> int:
    return int(rows["action"].eq(action).sum())


def test_sso_user_sees_only_its_state_on_the_real_overview(
    app: tuple[str, Accounts], page: Any, sample: pd.DataFrame
) -> None:
    base, accounts = app
    manipur = sample[sample["state"].eq("Manipur")]
    created, moved = _counts(manipur, "created"), _counts(manipur, "moved")
    both_created = _counts(sample, "created")
    assert 0 < created < both_created  # Assam has files too

    _sso(page, base, SSO_EMAIL)
    page.get_by_text(f"Signed in as {SSO_EMAIL}").wait_for()
    page.get_by_role("heading", name="Overview").wait_for()
    settle(page)
    assert metric(page, "Files created") == created
    assert metric(page, "Movements") == moved
    states = _as_of_states(page)
    assert "Manipur:" in states
    assert "Assam" not in states
    assert "Assam" not in page.locator("body").inner_text()
    shoot(page, "sso-overview")
    entry = accounts.audit.read(action="sign_in").iloc[0]
    assert (entry["actor"], entry["outcome"], entry["details"]["method"]) == (
        SSO_EMAIL,
        "ok",
        "sso",
    )

    # Sign out: the app ends the provider's session too (OIDC RP-initiated logout), and the
    # same sign-in page then takes a local account (a national viewer: both states).
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/oauth2/end_session**", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="End session").click()
    page.get_by_role("heading", name="Sign in", exact=True).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert page.get_by_text("Signed in as").count() == 0
    sign_in_locally(page, LOCAL_EMAIL, "not the password")
    page.get_by_text("wrong e-mail or password").wait_for()
    sign_in_locally(page, LOCAL_EMAIL, PASSWORD)
    page.get_by_text(f"Signed in as {LOCAL_EMAIL}").wait_for()
    settle(page)
    assert metric(page, "Files created") == both_created
    assert {"Assam:", "Manipur:"} <= set(_as_of_states(page).replace("- ", "").split())
    log = accounts.audit.read(action="sign_in", actor=LOCAL_EMAIL)
    assert [(o, d["method"]) for o, d in zip(log["outcome"], log["details"], strict=True)] == [
        ("ok", "session"),  # the page it returned to, resumed from the kept-session cookie
        ("ok", "password"),
        ("failed", "password"),
    ]


def test_sso_identity_without_an_account_is_refused(app: tuple[str, Accounts], page: Any) -> None:
    base, accounts = app
    _sso(page, base, "stranger@example.com")
    page.get_by_text("stranger@example.com has no active account").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Signed in as").count() == 0
    assert page.locator('[data-testid="stMetric"]').count() == 0
    entry = accounts.audit.read(actor="stranger@example.com").iloc[0]
    assert (entry["action"], entry["outcome"]) == ("sign_in", "refused")


def test_sso_identity_without_a_verified_email_is_refused(
    app: tuple[str, Accounts], page: Any
) -> None:
    """The provider sends no `email_verified` claim: refused although the account exists."""
    base, accounts = app
    _sso(page, base, UNVERIFIED_EMAIL)
    page.get_by_text(f"{UNVERIFIED_EMAIL} has no active account").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Signed in as").count() == 0
    assert page.locator('[data-testid="stMetric"]').count() == 0
    entry = accounts.audit.read(actor=UNVERIFIED_EMAIL).iloc[0]
    assert (entry["action"], entry["outcome"]) == ("sign_in", "refused")
    assert "no email_verified claim" in entry["details"]["reason"]
