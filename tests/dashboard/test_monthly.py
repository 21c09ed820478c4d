"""The Overview's "Monthly report" download (AppTest on a copy of the sample store).

The button's file is made only when clicked (a deferred download): the test records the
callable Streamlit registers, calls it as Streamlit would on the click, and reads the PDF.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import Accounts
from analytics.access.pseudonyms import PSEUDONYM_PREFIX
from analytics.store.store import open_store
from tests.analytics.test_monthly_hindi import read_back_as
from tests.dashboard.conftest import run_page, signed_in_as


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """file name → the callable a deferred download button registered."""
    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return made


def _button(at: AppTest):
    found = [b for b in at.get("download_button") if b.proto.label == "Monthly report"]
    assert len(found) == 1
    return found[0]


def test_monthly_report_button_gives_the_states_pdf_and_is_audited(
    app: AppTest, store_url: str, deferred: dict[str, object]
) -> None:
    at = signed_in_as(app, store_url, "secy@manipur.gov.in", "viewer", "Manipur")
    at.query_params["state"] = "Manipur"
    at = run_page(at, "overview")
    month = at.selectbox(key="monthly_month")
    assert month.value == "2024-12"  # the latest month with activity comes first
    assert month.options[-1] == "Jan-2024"  # shown as months
    month.set_value("2024-09").run()
    assert not at.exception
    assert _button(at).proto.HasField("deferred_file_id")  # made only when clicked
    with open_store(store_url) as store:
        assert Accounts(store).audit.read(action="export").empty  # nothing yet: not clicked
    make = deferred["eoffice-monthly-2024-09-manipur.pdf"]
    reader = PdfReader(io.BytesIO(make()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert text.startswith("Monthly e-Office report: Manipur, September 2024")
    assert "Scope: Manipur · T: 30-Sep-2024 23:59 IST" in text
    assert "Page 1 of" in text
    longest = text[text.index("The 10 longest-pending files") :]
    assert longest.count(PSEUDONYM_PREFIX) == 10  # the viewer has no names permission
    with open_store(store_url) as store:
        log = Accounts(store).audit.read(action="export")
    assert log["target"].tolist() == ["monthly report 2024-09 Manipur"]
    assert log["actor"].tolist() == ["secy@manipur.gov.in"]
    assert log["details"].iloc[0]["format"] == "pdf"


def test_without_a_single_state_the_button_gives_the_national_edition(
    app: AppTest, store_url: str, deferred: dict[str, object]
) -> None:
    at = run_page(app, "overview")  # the demo: every state
    at.selectbox(key="monthly_month").set_value("2024-09").run()
    assert not at.exception
    text = PdfReader(io.BytesIO(deferred["eoffice-monthly-2024-09-all-states.pdf"]())).pages[0]
    assert text.extract_text().startswith("Monthly e-Office report: National edition, September")


def test_in_hindi_the_button_gives_the_hindi_report(
    app: AppTest, store_url: str, deferred: dict[str, object]
) -> None:
    """The page's language travels to the PDF made later, on the click (outside the page)."""
    app.query_params["lang"] = "hi"
    at = run_page(app, "overview")
    at.selectbox(key="monthly_month").set_value("2024-09").run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "मासिक रिपोर्ट" in labels
    pdf = deferred["eoffice-monthly-2024-09-all-states.pdf"]()
    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()
    assert read_back_as("मासिक ई-ऑफ़िस रिपोर्ट: राष्ट्रीय संस्करण, सितंबर 2024", first[0])
    assert "सारांश" in first  # the summary's heading, in Hindi (no conjunct: reads back whole)
    assert not any(line.startswith(("Monthly", "Summary", "Figures for")) for line in first)
