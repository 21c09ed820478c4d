"""The dashboard in a real headless Chromium: sign in with a local account, read the overview,
upload the e-Office xlsx, see the overview grow by exactly its new files, and save a screenshot
of every page.

The account is a nodal officer for Manipur / Finance who also holds the national viewer role
(grants add up), so the whole sample is readable and the xlsx may be uploaded. Every fresh page
load is a new Streamlit session, so `_open` signs in through the form whenever it is shown.

Starts `streamlit run dashboard/app.py` on a free port over a temporary store preloaded with
the sample CSV, and drives Debian's Chromium (`EOFFICE_CHROMIUM`, default /usr/bin/chromium)
through Playwright with `executable_path` (never `playwright install`). Screenshots go to
`test-artifacts/` (git-ignored). Without Chromium or Playwright the test FAILS when `CI` is
set and is skipped, with the reason, only on a developer's machine.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.auth import Accounts
from analytics.metrics import analyse
from analytics.reading import read_logs
from analytics.store import open_store

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
XLSX = ROOT / "sample_data" / "manipur_finance_eoffice.xlsx"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = ["overview", "states", "hierarchy", "flow", "pendency", "journey", "upload"]
LOAD_TIMEOUT_MS = 180_000
EMAIL = "nodal@manipur.gov.in"
PASSWORD = "a long e2e test password"


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _chromium() -> str:
    path = os.environ.get("EOFFICE_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        _missing(f"Chromium not found at {path} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        _missing("the playwright package is not installed")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[str]:
    """The app on a fresh store holding the sample; yields its base URL."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_store(url) as store:
        assert store.ingest([SAMPLE], by="e2e").status == "stored"
        accounts = Accounts(store)
        accounts.add_user(
            EMAIL, "nodal_officer", state="Manipur", department="Finance", password=PASSWORD
        )
        accounts.grant(EMAIL, "national_viewer")
    port = _free_port()
    env = {**os.environ, "EOFFICE_DB_URL": url}
    env.pop("EOFFICE_DEMO", None)
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard/app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _settle(page) -> None:
    """Wait until the app has finished running (no running widget, skeleton or spinner)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=LOAD_TIMEOUT_MS)
    busy = '[data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-testid="stSpinner"]'
    deadline = time.monotonic() + LOAD_TIMEOUT_MS / 1000
    quiet = 0
    while time.monotonic() < deadline:
        quiet = quiet + 1 if page.locator(busy).count() == 0 else 0
        if quiet >= 4:
            return
        time.sleep(0.5)
    raise AssertionError("the app did not finish running")


def _open(page, url: str) -> None:
    """Open `url` and, when the sign-in form shows, sign in with the local account."""
    page.goto(url, timeout=LOAD_TIMEOUT_MS)
    _settle(page)
    if page.get_by_role("heading", name="Sign in", exact=True).count():
        page.get_by_label("E-mail").fill(EMAIL)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        _settle(page)
        page.get_by_text("Signed in as").wait_for()


def _metric(page, label: str) -> int:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    card.wait_for(timeout=LOAD_TIMEOUT_MS)
    value = card.locator('[data-testid="stMetricValue"]').inner_text()
    return int(value.replace(",", ""))


def _shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_upload_in_the_browser_grows_the_overview(dashboard: str):
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    read = read_logs([XLSX], state="Manipur", department="Finance")
    new_files = int(read.events["action"].eq("created").sum())  # files created in the xlsx
    assert new_files > 0
    sample = analyse(read_logs([SAMPLE]).events)
    sample_created = int(sample.events["action"].eq("created").sum())
    facts = sample.facts
    sikkim_pending = int((facts["state"].eq("Sikkim") & facts["status"].eq("pending")).sum())

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.set_default_timeout(LOAD_TIMEOUT_MS)
            # A shared link opened first on a fresh server shows that page, filtered.
            _open(page, f"{dashboard}/pendency?state=Sikkim")
            page.get_by_role("heading", name="Pendency").wait_for()
            page.get_by_role("link", name="File journey").wait_for()  # the app's navigation
            assert _metric(page, "Pending at T") == sikkim_pending
            _open(page, dashboard)
            before = _metric(page, "Files created")
            assert before == sample_created
            for name in PAGES:
                query = "?file=MN-FIN-000010" if name == "journey" else ""
                _open(page, f"{dashboard}/{'' if name == 'overview' else name}{query}")
                assert page.locator('[data-testid="stException"]').count() == 0, name
                _shoot(page, name)

            page.locator('input[type="file"]').set_input_files(str(XLSX))
            state = page.locator('[data-testid="stSelectbox"]').filter(has_text="State (if")
            state.click()
            page.keyboard.type("Manipur")
            page.keyboard.press("Enter")
            department = page.get_by_label("Department (if the file has no Department column)")
            department.fill("Finance")
            department.press("Enter")
            _settle(page)
            page.get_by_text(f"Validation of {XLSX.name}").wait_for()
            accepted = _metric(page, "Rows accepted")
            assert accepted == read.report.rows_accepted
            _shoot(page, "upload-preview")
            page.get_by_role("button", name="Commit to the store").click()
            page.get_by_text("stored as upload").wait_for(timeout=LOAD_TIMEOUT_MS)
            _settle(page)
            _shoot(page, "upload-committed")

            _open(page, dashboard)
            assert _metric(page, "Files created") == before + new_files
            _shoot(page, "overview-after-upload")
        finally:
            browser.close()
