"""Screenshots for a review meeting: every page at 1440 px and the Overview on a 390-px phone,
in a real Chromium driving a real `streamlit run` (test-artifacts/meeting-*.png).

Besides the files (looked at by a person), the phone view is checked: the cards sit two to a
line, and no chart's toolbar covers its title.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import settle, shoot
from tests.e2e.test_browser import _open

pytestmark = pytest.mark.browser
PAGES = {
    "overview": "",
    "states": "states",
    "officers": "officers",
    "hierarchy": "hierarchy",
    "flow": "flow",
    "pendency": "pendency",
    "journey": "journey?file=MN-FIN-000010",
    "upload": "upload",
}


def _boxes(page: Any, selector: str) -> list[dict]:
    return [b for b in (e.bounding_box() for e in page.locator(selector).all()) if b]


def test_every_page_at_1440_and_the_overview_on_a_phone(sample_app: str, page: Any) -> None:
    app = sample_app
    page.set_viewport_size({"width": 1440, "height": 2600})  # the whole page on screen
    for name, path in PAGES.items():
        _open(page, f"{app}/{path}")
        if name == "officers":  # the first officer's files (holders are pseudonyms here)
            officer = page.locator('[data-testid="stSelectbox"]')
            officer.filter(has=page.get_by_text("Officer", exact=True)).click()
            page.keyboard.press("Enter")
            settle(page)
            page.get_by_text("Files held now:").wait_for()
        if name == "flow":
            page.get_by_role("tab", name="Matrix").click()
            settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, name
        assert page.get_by_text("Something went wrong").count() == 0, name
        shoot(page, f"meeting-{name}-1440")

    page.set_viewport_size({"width": 390, "height": 2400})
    _open(page, app)
    page.locator('[data-testid="stMetric"]').first.wait_for()
    settle(page)
    shoot(page, "meeting-overview-390")
    cards = _boxes(page, '[data-testid="stMetric"]')
    assert len(cards) == 10
    for left, right in zip(cards[::2], cards[1::2], strict=True):
        assert abs(left["y"] - right["y"]) < 2  # two cards to a line
        assert right["x"] > left["x"] + left["width"] - 2
    assert cards[2]["y"] > cards[0]["y"] + cards[0]["height"] - 2
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.hover()
    title = chart.locator(".gtitle").first.bounding_box()
    bar = chart.locator(".modebar").first.bounding_box()
    assert title
    assert bar
    overlap = not (
        title["x"] + title["width"] <= bar["x"]
        or bar["x"] + bar["width"] <= title["x"]
        or title["y"] + title["height"] <= bar["y"]
        or bar["y"] + bar["height"] <= title["y"]
    )
    assert not overlap, (title, bar)
