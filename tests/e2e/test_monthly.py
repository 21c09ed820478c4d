"""The Overview's "Monthly report" button in a real headless Chromium on `streamlit run`: a
Manipur viewer without the names permission chooses a month, clicks, and gets the PDF the
command writes (read back with pypdf), pseudonymised and audited."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from analytics.access.accounts import Accounts
from analytics.access.pseudonyms import PSEUDONYM_PREFIX
from analytics.store.store import open_store
from tests.e2e.conftest import LOAD_TIMEOUT_MS, ROOT, dashboard, settle, shoot, sign_in_locally

pytestmark = pytest.mark.browser
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
PASSWORD = "a long e2e test password"
VIEWER = "secy@manipur.gov.in"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("monthly")
    url = f"sqlite:///{tmp / 'store.sqlite'}"
    with open_store(url) as store:
        assert store.uploads.ingest([SAMPLE], by="e2e").status == "stored"
        Accounts(store).users.add(VIEWER, "viewer", state="Manipur", password=PASSWORD)
    with dashboard(url, tmp / "streamlit.log") as base:
        yield base, url


def test_monthly_report_button_downloads_the_states_pdf(app: tuple[str, str], page: Any):
    base, url = app
    page.goto(f"{base}/?state=Manipur", timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("heading", name="Sign in", exact=True).wait_for()
    sign_in_locally(page, VIEWER, PASSWORD)
    page.get_by_text("Signed in as").wait_for()
    settle(page)
    page.get_by_label("Month of the report").click()
    page.get_by_role("option", name="Sep-2024").click()
    settle(page)
    shoot(page, "overview-monthly-report")
    with page.expect_download(timeout=LOAD_TIMEOUT_MS) as got:
        page.get_by_role("button", name="Monthly report").click()
    assert got.value.suggested_filename == "eoffice-monthly-2024-09-manipur.pdf"
    reader = PdfReader(io.BytesIO(Path(got.value.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert text.startswith("Monthly e-Office report: Manipur, September 2024")
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text
    longest = text[text.index("The 10 longest-pending files") :]
    assert longest.count(PSEUDONYM_PREFIX) == 10
    with open_store(url) as store:
        log = Accounts(store).audit.read(action="export")
    assert log["target"].tolist()[0] == "monthly report 2024-09 Manipur"
    assert log["actor"].tolist()[0] == VIEWER
