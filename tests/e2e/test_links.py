"""A shared link in a real browser (issue 12, items 6 and 12): opened fresh, it keeps its
filters through a click on every page of the sidebar, a reload of every page, and a new tab
on every page's URL; and nothing the app shows is fetched from a host other than the app's.

Starts `streamlit run dashboard/app.py` on 127.0.0.1 over a temporary store holding the
sample, signed in with a local admin account (the admin sees every page, Administration
included), and drives Debian's Chromium through Playwright (see tests/e2e/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from analytics.access.accounts import Accounts
from analytics.store.store import open_store
from tests.e2e.conftest import LOAD_TIMEOUT_MS, ROOT, dashboard, settle, shoot, sign_in_locally

pytestmark = pytest.mark.browser
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
EMAIL = "admin@gov.in"
PASSWORD = "a long e2e test password"
QUERY = "state=Manipur&department=Finance&dates=2024-04-01&dates=2024-09-30"
WANT = parse_qs(QUERY)
WORDS = "Manipur · Finance · 01-Apr-2024 to 30-Sep-2024"
# sidebar link → (URL path, page heading, whether the page applies the filters)
PAGES = {
    "Overview": ("", "Overview", True),
    "States": ("states", "States compared", True),
    "Officers": ("officers", "Officers", True),
    "Hierarchy": ("hierarchy", "Hierarchy turnaround", True),
    "Flow": ("flow", "Flow", True),
    "Pendency": ("pendency", "Pendency", True),
    "Process": ("process", "Process", True),
    "File journey": ("journey", "File journey", False),
    "Upload": ("upload", "Upload a movement log", False),
    "Administration": ("admin", "Administration", False),
}
LOCAL = {"127.0.0.1"}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[str]:
    """The app on a fresh store holding the sample, with one local admin; yields its URL."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_store(url) as store:
        assert store.uploads.ingest([SAMPLE], by="e2e").status == "stored"
        Accounts(store).users.add(EMAIL, "admin", password=PASSWORD)
    with dashboard(url, tmp_path / "streamlit.log") as base:
        yield base


def _watch(tab: Any, hosts: list[str]) -> Any:
    """Record the URL of every request the tab makes."""
    tab.set_default_timeout(LOAD_TIMEOUT_MS)
    tab.on("request", lambda request: hosts.append(request.url))
    return tab


def _signed_in(tab: Any) -> None:
    """Sign in through the form when this load shows it (a new session may need it)."""
    settle(tab)
    form = tab.get_by_role("heading", name="Sign in", exact=True)
    form.or_(tab.get_by_text("Signed in as")).first.wait_for()
    if form.count():
        sign_in_locally(tab, EMAIL, PASSWORD)
        tab.get_by_text("Signed in as").wait_for()
        settle(tab)


RESOURCES = """() => [...document.querySelectorAll(
    "link[href], script[src], img[src], iframe[src], source[src], video[src], audio[src]"
)].map(e => e.href || e.src)"""


def _outside(urls: list[str]) -> list[str]:
    """The URLs among `urls` that name a host other than the app's (data:/blob: have none)."""
    return [u for u in urls if (urlsplit(u).hostname or "127.0.0.1") not in LOCAL]


def _check(tab: Any, link: str, how: str) -> None:
    """The page named by `link` is shown, the URL keeps the query, the page shows the filter."""
    path, heading, applies = PAGES[link]
    what = f"{link} after {how}"
    tab.get_by_role("heading", name=heading).first.wait_for()
    assert tab.locator('[data-testid="stException"]').count() == 0, what
    address = urlsplit(tab.url)
    assert address.path.strip("/") == path, (what, tab.url)
    assert parse_qs(address.query) == WANT, (what, tab.url)
    chips = tab.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]')
    assert chips.count() >= 2, what
    assert "Manipur" in (chips.nth(0).text_content() or ""), what
    assert "Finance" in (chips.nth(1).text_content() or ""), what
    # headless Chromium never fetches a favicon, so the page's resource links are read too
    assert _outside(tab.evaluate(RESOURCES)) == [], what
    if applies:
        tab.get_by_role("heading", name=WORDS).wait_for()
        assert tab.get_by_role("heading", name="All states").count() == 0, what


def test_a_shared_link_keeps_its_filters_on_every_page_reload_and_new_tab(
    app: str, page: Any
) -> None:
    hosts: list[str] = []
    # one browser window (context) whose tabs share cookies, as a reader's browser does
    window = page.context.browser.new_context(viewport={"width": 1400, "height": 2400})
    page = _watch(window.new_page(), hosts)
    page.goto(f"{app}/?{QUERY}", timeout=LOAD_TIMEOUT_MS)
    _signed_in(page)
    _check(page, "Overview", "opening the link")
    for link in [*list(PAGES)[1:], "Overview"]:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
        settle(page)
        _check(page, link, "a click in the sidebar")
        shoot(page, f"link-{PAGES[link][0] or 'overview'}")
    for link, (path, _, _) in PAGES.items():
        page.goto(f"{app}/{path}?{QUERY}", timeout=LOAD_TIMEOUT_MS)
        _signed_in(page)
        page.reload(timeout=LOAD_TIMEOUT_MS)
        _signed_in(page)
        _check(page, link, "a reload")
        tab = _watch(window.new_page(), hosts)
        tab.goto(page.url, timeout=LOAD_TIMEOUT_MS)
        _signed_in(tab)
        _check(tab, link, "opening its URL in a new tab")
        tab.close()
    window.close()
    assert _outside(hosts) == [], "requests left the app's host"
    assert len(hosts) > 100  # the watch saw the app's own requests
