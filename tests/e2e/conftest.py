"""Shared pieces of the browser tests: the real dashboard in a subprocess, Debian's Chromium
through Playwright (`executable_path`, never `playwright install`), and page helpers.

Without Chromium or Playwright a browser test FAILS when `CI` is set and is skipped, with the
reason, only on a developer's machine.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
SERVER = ROOT / "dashboard" / "server.py"  # app.py with the kept-session routes
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
LOAD_TIMEOUT_MS = 180_000


def missing(reason: str) -> None:
    """Fail in CI, skip (with the reason) elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def need(module: str) -> None:
    """A Python package the test cannot run without."""
    if importlib.util.find_spec(module) is None:
        missing(f"the {module} package is not installed")


def chromium() -> str:
    """Debian's Chromium (`EOFFICE_CHROMIUM`, default /usr/bin/chromium), with Playwright."""
    path = os.environ.get("EOFFICE_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        missing(f"Chromium not found at {path} (apt-get install chromium)")
    need("playwright")
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, what: str, log: Path, seconds: float = 120) -> None:
    """Wait until `url` answers 200; fail with the process's log if it dies or times out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as refused:
            refused.close()  # it holds the socket until closed
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.3)


@contextmanager
def running(argv: list[str], health: str, what: str, log: Path, **popen: Any) -> Iterator[None]:
    """A server process (output to `log`) that answers `health`; stopped afterwards."""
    with log.open("w") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, **popen)
        try:
            wait_http(health, proc, what, log)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def dashboard(
    db_url: str, log: Path, *, cwd: Path = ROOT, port: int | None = None
) -> Iterator[str]:
    """`streamlit run dashboard/server.py` (the real app) on 127.0.0.1 over `db_url`, run from
    `cwd` (whose `.streamlit/` holds its config and secrets); yields the base URL."""
    port = port or free_port()
    env = {**os.environ, "EOFFICE_DB_URL": db_url}
    env.pop("EOFFICE_DEMO", None)
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(SERVER),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    base = f"http://127.0.0.1:{port}"
    with running(argv, f"{base}/_stcore/health", "streamlit", log, cwd=cwd, env=env):
        yield base


@pytest.fixture
def page() -> Iterator[Any]:
    """A fresh page of headless Chromium (tall, so every card and table is on screen)."""
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 2400})
            tab.set_default_timeout(LOAD_TIMEOUT_MS)
            yield tab
        finally:
            browser.close()


def settle(page: Any) -> None:
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


def sign_in_locally(page: Any, email: str, password: str) -> None:
    """Fill and send the local-account form of the sign-in page."""
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    settle(page)


def open_signed_in(page: Any, url: str, email: str, password: str) -> None:
    """Open `url` and, when the sign-in form shows, sign in with the local account.

    Waits until the app has drawn either the sign-in form or a signed-in page first: a quiet
    moment before the first script run ends is not enough (on a loaded machine the form came
    later and a test then waited for a page that never came)."""
    page.goto(url, timeout=LOAD_TIMEOUT_MS)
    form = page.get_by_role("heading", name="Sign in", exact=True)
    signed_in = page.get_by_text("Signed in as")
    form.or_(signed_in).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    settle(page)
    if form.count():
        sign_in_locally(page, email, password)
        signed_in.wait_for()
        settle(page)


def metric(page: Any, label: str) -> int:
    """The whole number shown on the metric card with this label."""
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    card.wait_for(timeout=LOAD_TIMEOUT_MS)
    value = card.locator('[data-testid="stMetricValue"]').inner_text()
    return int(value.replace(",", ""))


def shoot(page: Any, name: str) -> None:
    """A full-page screenshot in test-artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


EMAIL = "nodal@manipur.gov.in"
PASSWORD = "a long e2e test password"


@pytest.fixture
def sample_app(tmp_path: Path) -> Iterator[str]:
    """The app on a fresh store holding the sample, with a local account (EMAIL, PASSWORD: a
    Manipur / Finance nodal officer who is also a national viewer); yields its base URL."""
    from analytics.access.accounts import Accounts
    from analytics.store.store import open_store

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_store(url) as store:
        assert (
            store.uploads.ingest([ROOT / "sample_data" / "sample_events.csv"], by="e2e").status
            == "stored"
        )
        accounts = Accounts(store)
        accounts.users.add(
            EMAIL, "nodal_officer", state="Manipur", department="Finance", password=PASSWORD
        )
        accounts.users.grant(EMAIL, "national_viewer")
    with dashboard(url, tmp_path / "streamlit.log") as base:
        yield base
