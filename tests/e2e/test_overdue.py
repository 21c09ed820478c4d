"""The Overdue page in a real browser (issue 15, part 4): the hand-worked alert log's figures,
the audited CSV download of the same table, and the journey link's page (tests/alerts/log.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics.access.accounts import Accounts
from analytics.store.store import open_store
from tests.alerts.log import HOLIDAYS_CSV, ROWS
from tests.conftest import csv_text
from tests.e2e.conftest import (
    dashboard,
    metric,
    open_signed_in,
    shoot,
)

pytestmark = pytest.mark.browser
EMAIL = "head.fin@manipur.gov.in"
PASSWORD = "a long e2e test password"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_store(url) as store:
        assert store.uploads.ingest([("alerts.csv", csv_text(ROWS).encode())]).status == "stored"
        Accounts(store).users.add(
            EMAIL,
            "viewer",
            state="Manipur",
            department="Finance",
            password=PASSWORD,
            see_names=True,
        )
    holidays = tmp_path / "holidays.csv"
    holidays.write_text(HOLIDAYS_CSV, encoding="utf-8")
    monkeypatch.setenv("EOFFICE_HOLIDAYS", str(holidays))  # the server inherits it
    with dashboard(url, tmp_path / "streamlit.log") as base:
        yield base, url


def _open(page: Any, url: str) -> None:
    open_signed_in(page, url, EMAIL, PASSWORD)


def test_overdue_page_download_and_journey_link(app: tuple[str, str], page: Any) -> None:
    base, url = app
    _open(page, f"{base}/overdue")
    page.get_by_role("heading", name="Overdue").first.wait_for()
    assert metric(page, "Overdue") == 3
    assert metric(page, "Escalated") == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    shoot(page, "overdue")
    with page.expect_download() as got:
        page.get_by_role("button", name="Download CSV").last.click()
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text("utf-8-sig"))))
    assert [r["file_id"] for r in rows] == ["F4", "F1", "F2"]
    assert [r["holder"] for r in rows] == ["mn.fin.so1", "mn.fin.us1", "mn.fin.ds1"]
    assert [r["escalated"] for r in rows] == ["false", "true", "false"]
    assert [r["overdue_since"] for r in rows][1] == "2024-03-12 10:00:00"
    with open_store(url) as store:
        exports = Accounts(store).audit.read(action="export")
    assert exports.iloc[0]["target"] == "overdue_files"
    assert exports.iloc[0]["details"]["rows"] == 3
    # the table's link for F1 is journey?file=F1: that page shows F1's journey
    _open(page, f"{base}/journey?file=F1")
    page.get_by_text("mn.fin.us1").first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    shoot(page, "overdue-journey")
    # the account's own settings page
    _open(page, f"{base}/alert_settings")
    page.get_by_text(f"Digest for {EMAIL}: Off").wait_for()
    page.get_by_text("Daily", exact=True).click()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: Daily.").wait_for()
    shoot(page, "alert-settings")
    with open_store(url) as store:
        from analytics.access.alerts import AlertBook

        assert AlertBook(Accounts(store)).frequency(EMAIL) == "daily"
