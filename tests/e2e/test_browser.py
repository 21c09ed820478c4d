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

from typing import Any

import pytest

from analytics.figures.metrics import analyse
from analytics.log.reading import read_logs
from tests.e2e.conftest import (
    EMAIL,
    LOAD_TIMEOUT_MS,
    PASSWORD,
    ROOT,
    metric,
    open_signed_in,
    settle,
    shoot,
)

pytestmark = pytest.mark.browser
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
XLSX = ROOT / "sample_data" / "manipur_finance_eoffice.xlsx"
PAGES = ["overview", "states", "officers", "hierarchy", "flow", "pendency", "journey", "upload"]


def _open(page: Any, url: str) -> None:
    """Open `url`, signed in with the local account."""
    open_signed_in(page, url, EMAIL, PASSWORD)


def test_upload_in_the_browser_grows_the_overview(sample_app: str, page: Any) -> None:
    read = read_logs([XLSX], state="Manipur", department="Finance")
    new_files = int(read.events["action"].eq("created").sum())  # files created in the xlsx
    assert new_files > 0
    app = sample_app
    sample = analyse(read_logs([SAMPLE]).events)
    sample_created = int(sample.events["action"].eq("created").sum())
    facts = sample.facts
    sikkim_pending = int((facts["state"].eq("Sikkim") & facts["status"].eq("pending")).sum())

    # A shared link opened first on a fresh server shows that page, filtered.
    _open(page, f"{app}/pendency?state=Sikkim")
    page.get_by_role("heading", name="Pendency").wait_for()
    page.get_by_role("link", name="File journey").wait_for()  # the app's navigation
    assert metric(page, "Pending at T") == sikkim_pending
    _open(page, app)
    before = metric(page, "Files created")
    assert before == sample_created
    for name in PAGES:
        query = "?file=MN-FIN-000010" if name == "journey" else ""
        _open(page, f"{app}/{'' if name == 'overview' else name}{query}")
        assert page.locator('[data-testid="stException"]').count() == 0, name
        shoot(page, name)

    page.locator('input[type="file"]').set_input_files(str(XLSX))
    state = page.locator('[data-testid="stSelectbox"]').filter(has_text="State (if")
    state.click()
    page.keyboard.type("Manipur")
    page.keyboard.press("Enter")
    department = page.get_by_label("Department (if the file has no Department column)")
    department.fill("Finance")
    department.press("Enter")
    settle(page)
    page.get_by_text(f"Validation of {XLSX.name}").wait_for()
    accepted = metric(page, "Rows accepted")
    assert accepted == read.report.rows_accepted
    shoot(page, "upload-preview")
    page.get_by_role("button", name="Commit to the store").click()
    page.get_by_text("stored as upload").wait_for(timeout=LOAD_TIMEOUT_MS)
    settle(page)
    shoot(page, "upload-committed")

    _open(page, app)
    assert metric(page, "Files created") == before + new_files
    shoot(page, "overview-after-upload")
