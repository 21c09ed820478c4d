"""Dashboard test fixtures: a temporary store per test, preloaded with the committed sample.

The sample is ingested once per session (`open_store(url).uploads.ingest([...])`) into a template
SQLite file; each test gets its own copy under its tmp_path, named by `EOFFICE_DB_URL`, so no
test sees another's uploads (the dashboard's caches are keyed on the URL and its version).

A store without accounts opens in the read-only demo (`EOFFICE_DEMO=1`); `signed_in_as`
creates an account in the test's store and signs the app in as it through single sign-on
(`at.user` and an `[auth]` secret, as `dashboard/auth.py` reads them), which ends the demo.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import Accounts
from analytics.figures.metrics import Analysis, analyse
from analytics.log.reading import read_logs
from analytics.store.store import open_store

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
XLSX = ROOT / "sample_data" / "manipur_finance_eoffice.xlsx"
TIMEOUT = 300
SSO = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "eoffice",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
}
NODAL = "nodal@manipur.gov.in"


@pytest.fixture(scope="session")
def sample_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store holding the sample CSV (built once)."""
    path = tmp_path_factory.mktemp("template") / "store.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        result = store.uploads.ingest([SAMPLE], by="tests")
        assert result.status == "stored"
    return path


@pytest.fixture
def store_url(sample_store_template: Path, tmp_path: Path, monkeypatch) -> str:
    """This test's own store (a copy of the template), named by EOFFICE_DB_URL."""
    path = tmp_path / "store.sqlite"
    shutil.copyfile(sample_store_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("EOFFICE_DB_URL", url)
    monkeypatch.setenv("EOFFICE_DEMO", "1")  # read-only demo while no account exists
    return url


@pytest.fixture(scope="session")
def expected() -> Analysis:
    """The sample analysed straight from the CSV, independently of the store and dashboard."""
    return analyse(read_logs([SAMPLE]).events)


@pytest.fixture
def app(store_url: str) -> AppTest:
    """The dashboard app, not yet run."""
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT)


def signed_in_as(
    at: AppTest, url: str, email: str, role: str, state: str | None = None, **grant
) -> AppTest:
    """Create `email` with one grant in the store at `url` and sign `at` in as it by SSO."""
    with open_store(url) as store:
        Accounts(store).users.add(email, role, state=state, by="tests", **grant)
    at.user = {
        "is_logged_in": True,
        "email": email,
        "name": email.split("@")[0],
        "email_verified": True,
    }
    at.secrets["auth"] = SSO
    return at


@pytest.fixture
def nodal_app(app: AppTest, store_url: str) -> AppTest:
    """The app signed in as the nodal officer for Manipur / Finance."""
    return signed_in_as(app, store_url, NODAL, "nodal_officer", "Manipur", department="Finance")


def metrics(at: AppTest) -> dict[str, str]:
    """The page's metric cards: label → shown value."""
    return {m.label: m.value for m in at.metric}


def run_page(at: AppTest, page: str) -> AppTest:
    """Run the app (once, if needed) and then the page `pages/<page>.py`."""
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def frames(at: AppTest) -> list[pd.DataFrame]:
    """Every table shown on the page."""
    return [d.value for d in at.dataframe]
