"""A local-account sign-in in a real browser survives a reload and a new tab; a revoked
grant, a disabled account and a sign-out take effect at the next request.

Runs `dashboard/server.py` (the app with its kept-session routes) like test_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics.access.accounts import Accounts
from analytics.store.store import open_store
from tests.e2e.conftest import LOAD_TIMEOUT_MS, ROOT, dashboard, settle, sign_in_locally

pytestmark = pytest.mark.browser
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
EMAIL = "viewer@manipur.gov.in"
PASSWORD = "a long e2e session password"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, store URL): the app over the sample, one viewer of Manipur and Assam."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_store(url) as store:
        assert store.uploads.ingest([SAMPLE], by="e2e").status == "stored"
        accounts = Accounts(store)
        accounts.users.add(EMAIL, "viewer", state="Manipur", password=PASSWORD)
        accounts.users.grant(EMAIL, "viewer", state="Assam")
    with dashboard(url, tmp_path / "streamlit.log") as base:
        yield base, url


def signed_in(page: Any) -> bool:
    settle(page)
    return page.get_by_text("Signed in as").count() > 0


def states_offered(page: Any) -> list[str]:
    """The options of the sidebar's State filter (the states the user may read)."""
    page.locator('[data-testid="stMultiSelect"]').filter(has_text="State").first.click()
    options = page.locator('[role="option"]').all_inner_texts()
    page.keyboard.press("Escape")
    return sorted(o.strip() for o in options if o.strip() != "Select all")


def test_a_sign_in_is_kept_until_revoked_disabled_or_signed_out(
    served: tuple[str, str], page: Any
) -> None:
    base, url = served
    page.goto(f"{base}/pendency", timeout=LOAD_TIMEOUT_MS)
    settle(page)
    sign_in_locally(page, EMAIL, PASSWORD)
    page.get_by_text("Signed in as").wait_for(timeout=LOAD_TIMEOUT_MS)
    assert page.url.endswith("/pendency")  # back on the page the link named
    cookie = next(c for c in page.context.cookies() if c["name"] == "eoffice_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"

    page.reload()
    assert signed_in(page)
    with page.expect_popup() as opened:  # a new tab of the same browser
        page.evaluate("url => window.open(url)", f"{base}/")
    other = opened.value
    assert signed_in(other)
    assert states_offered(other) == ["Assam", "Manipur"]

    with open_store(url) as store:
        Accounts(store).users.revoke(EMAIL, "viewer", state="Assam")
    other.reload()
    assert signed_in(other)
    assert states_offered(other) == ["Manipur"]

    with open_store(url) as store:
        Accounts(store).users.set_active(EMAIL, False)
    page.reload()
    settle(page)
    assert not signed_in(page)
    page.get_by_role("heading", name="Sign in", exact=True).wait_for()

    with open_store(url) as store:
        Accounts(store).users.set_active(EMAIL, True)
    other.reload()
    assert signed_in(other)  # the kept session itself was not ended
    page.reload()
    assert signed_in(page)
    other.get_by_role("button", name="Sign out").click()
    settle(other)
    other.get_by_role("heading", name="Sign in", exact=True).wait_for()
    assert not [c for c in other.context.cookies() if c["name"] == "eoffice_session"]
    # the first tab, still open, is signed out at its next click
    page.get_by_role("link", name="States").click()
    settle(page)
    page.get_by_role("heading", name="Sign in", exact=True).wait_for()
    assert not signed_in(page)
    page.reload()
    assert not signed_in(page)


def test_the_audit_csv_is_not_left_in_the_media_store(
    tmp_path: Path, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The admin downloads the audit log; once fetched, its `/media/...` address answers
    nothing, to anyone, after the tab is closed."""
    import time
    import urllib.error
    import urllib.request

    monkeypatch.setenv("EOFFICE_MEDIA_PURGE_SECONDS", "3")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_store(url) as store:
        Accounts(store).users.add("admin@gov.in", "admin", password=PASSWORD)
    with dashboard(url, tmp_path / "streamlit.log") as base:
        page.goto(f"{base}/admin", timeout=LOAD_TIMEOUT_MS)
        settle(page)
        sign_in_locally(page, "admin@gov.in", PASSWORD)
        page.get_by_role("heading", name="Administration").wait_for(timeout=LOAD_TIMEOUT_MS)
        page.get_by_role("tab", name="Audit log").click()
        settle(page)
        with page.expect_download() as caught:
            page.get_by_role("button", name="Download the audit log (CSV)").click()
        download = caught.value
        assert "sign_in" in Path(download.path()).read_text(encoding="utf-8")
        media = download.url
        assert "/media/" in media
        page.close()
        time.sleep(8)
        with pytest.raises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(media, timeout=10)
        gone.value.close()  # an HTTPError holds the socket until closed
        assert gone.value.code == 404
    with open_store(url) as store:
        exported = Accounts(store).audit.read(action="export").iloc[0]
    assert (exported["actor"], exported["target"], exported["outcome"]) == (
        "admin@gov.in",
        "audit_log",
        "ok",
    )
