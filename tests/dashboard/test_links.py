"""A shared link keeps its filters (issue 12, item 6): opened on any page, through every page
change of the sidebar, and again in a fresh session (a reload or a new tab).

The filters are the app's, not a page's: the sidebar is drawn by dashboard/app.py on every
page, so Streamlit keeps their query parameters when the page changes. Expected figures come
from `analyse(read_logs(sample))`, never from what a page printed.
"""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from analytics.figures.metrics import Analysis
from dashboard import format as fmt
from tests.dashboard.conftest import APP, TIMEOUT, metrics, signed_in_as

LINK = {"state": "Manipur", "department": "Finance", "dates": ["2024-04-01", "2024-09-30"]}
PERIOD = (date(2024, 4, 1), date(2024, 9, 30))
WORDS = "Manipur · Finance · 01-Apr-2024 to 30-Sep-2024"
ANALYTICS = ["overview", "states", "officers", "hierarchy", "flow", "pendency"]
OTHERS = ["journey", "upload"]


def _kept(at: AppTest, page: str) -> None:
    """The page ran, the URL still carries the link's query, and the sidebar shows it."""
    assert not at.exception, (page, [e.message for e in at.exception])
    assert at.query_params == LINK, page
    assert at.sidebar.multiselect(key="state").value == ["Manipur"], page
    assert at.sidebar.multiselect(key="department").value == ["Finance"], page
    assert at.sidebar.date_input(key="dates").value == PERIOD, page
    if page in ANALYTICS:
        assert WORDS in [h.value for h in at.header], page


def _pending(expected: Analysis) -> str:
    facts = expected.facts
    chosen = facts["state"].eq("Manipur") & facts["department"].eq("Finance")
    return fmt.indian((chosen & facts["status"].eq("pending")).sum())


@pytest.mark.parametrize("role", ["demo", "admin"])
def test_a_shared_link_keeps_its_filters_through_every_page(
    app: AppTest, store_url: str, expected: Analysis, role: str
):
    others = OTHERS
    if role == "admin":
        signed_in_as(app, store_url, "admin@gov.in", "admin")
        others = [*OTHERS, "admin"]
    app.query_params.update(LINK)
    at = app.run()
    _kept(at, "overview")
    # every page from every kind of page: analytics → other → analytics, and back
    for page in [*ANALYTICS[1:], *others, *ANALYTICS, *reversed(others), "pendency"]:
        at.switch_page(f"pages/{page}.py").run()
        _kept(at, page)
    assert metrics(at)["Pending at T"] == _pending(expected)


@pytest.mark.parametrize("page", ANALYTICS[1:] + OTHERS)
def test_the_link_opened_fresh_on_any_page_keeps_its_filters(
    store_url: str, expected: Analysis, page: str
):
    """A reload or a new tab is a new session opened on the page's URL."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(LINK)
    at.switch_page(f"pages/{page}.py").run()
    _kept(at, page)
    at.switch_page("pages/pendency.py").run()
    _kept(at, "pendency")
    assert metrics(at)["Pending at T"] == _pending(expected)
