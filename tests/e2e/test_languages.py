"""Hindi and English in a real browser (issue 18): the language switch and `?lang=hi` keep
the language across page changes, the signed-in user's choice comes back in a new session,
every page in both languages has no serious or critical axe-core violation in the app's own
content, and a screenshot of every page in Hindi is saved (test-artifacts/hi-*.png) for a
person to check that Devanagari renders (with no Devanagari font on the machine: the app
serves its own, dashboard/static/fonts).

axe-core comes bundled with axe-playwright-python (offline). Violations that come from
Streamlit's own markup, not from this app's content, are excluded narrowly by rule and
element (`STREAMLIT_OWN`); README ("Languages and accessibility") names each with its
upstream issue.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import LOAD_TIMEOUT_MS, settle, shoot
from tests.e2e.test_browser import _open
from tests.e2e.test_screens import PAGES as SCREENS

pytestmark = pytest.mark.browser
PAGES = {
    **SCREENS,  # the meeting screenshots' pages, and the pages they leave out
    "process": "process",
    "overdue": "overdue",
    "alert_settings": "alert_settings",
}
TITLES = {
    "hi": {
        "overview": "अवलोकन",
        "states": "राज्यों की तुलना",
        "officers": "अधिकारी",
        "hierarchy": "पदानुक्रम में निपटान समय",
        "flow": "स्तरों के बीच प्रवाह",
        "pendency": "लंबितता",
        "process": "प्रक्रिया",
        "overdue": "अतिदेय",
        "journey": "फ़ाइल की यात्रा",
        "alert_settings": "सूचना सेटिंग",
        "upload": "संचलन लॉग अपलोड करें",
    },
    "en": {
        "overview": "Overview",
        "states": "States compared",
        "officers": "Officers",
        "hierarchy": "Hierarchy turnaround",
        "flow": "Flow between levels",
        "pendency": "Pendency",
        "process": "Process",
        "overdue": "Overdue",
        "journey": "File journey",
        "alert_settings": "Alert settings",
        "upload": "Upload a movement log",
    },
}
"""Each page's title, worked out from the catalogues by hand (not read from the app)."""
SERIOUS = {"serious", "critical"}
ALSO = {"heading-order"}
"""Moderate rules checked too: headings in order (h1 title, h2 sections)."""
_DUMP: list = []
STREAMLIT_OWN: dict[str, str] = {
    # The sidebar navigation Streamlit draws for st.navigation with sections: the section
    # headers are <div>s inside its <ul>, so axe finds a list with non-<li> children and
    # <li>s whose parent it no longer counts as a list.
    "list": '[data-testid="stSidebarNavItems"]',
    "listitem": '[data-testid="stSidebarNav"]',
}
"""axe rule id → the Streamlit-drawn part of the page (CSS selector) where that rule's
findings are Streamlit's markup, not this app's content; anywhere else they still fail."""


def _url(app: str, path: str, lang: str) -> str:
    return f"{app}/{path}{'&' if '?' in path else '?'}lang={lang}"


def _title(page: Any, text: str) -> None:
    page.get_by_role("heading", name=text, exact=True).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    settle(page)


def _inside(page: Any, node: dict, selector: str) -> bool:
    """Whether axe's node is (inside) the element `selector` names."""
    script = "([t, s]) => Boolean(document.querySelector(t)?.closest(s))"
    return bool(page.evaluate(script, [node["target"][0], selector]))


def _serious(page: Any) -> list[str]:
    """The serious and critical violations on the page, apart from `STREAMLIT_OWN`'s: one
    line each, rule and the elements it names."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    _DUMP.append(found)
    lines = []
    for violation in found:
        if violation["impact"] not in SERIOUS and violation["id"] not in ALSO:
            continue
        own = STREAMLIT_OWN.get(violation["id"])
        nodes = [n for n in violation["nodes"] if own is None or not _inside(page, n, own)]
        if nodes:
            targets = "; ".join(" ".join(map(str, n["target"])) for n in nodes[:5])
            lines.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return lines


def test_the_language_travels_and_every_page_passes_axe(sample_app: str, page: Any) -> None:
    app = sample_app
    _open(page, app)  # signed in, English (the account has chosen no language yet)
    _title(page, "Overview")

    # The switch in the sidebar: Hindi at once, in the URL, and kept by the navigation.
    switch = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]')
    switch.get_by_text("hi", exact=True).click()
    _title(page, TITLES["hi"]["overview"])
    assert "lang=hi" in page.url
    page.get_by_role("link", name="लंबितता").click()
    _title(page, TITLES["hi"]["pendency"])
    assert "lang=hi" in page.url
    page.get_by_role("link", name="प्रवाह").click()
    _title(page, TITLES["hi"]["flow"])
    assert "lang=hi" in page.url

    # Back to English: at once, kept by the navigation, and remembered.
    switch.get_by_text("en", exact=True).click()
    _title(page, TITLES["en"]["flow"])
    page.get_by_role("link", name="Hierarchy").click()
    _title(page, TITLES["en"]["hierarchy"])
    page.goto(f"{app}/states", timeout=LOAD_TIMEOUT_MS)
    _title(page, TITLES["en"]["states"])
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').get_by_text(
        "hi", exact=True
    ).click()
    _title(page, TITLES["hi"]["states"])

    # A new session without ?lang: the signed-in user's remembered choice.

    page.goto(f"{app}/states", timeout=LOAD_TIMEOUT_MS)
    _title(page, TITLES["hi"]["states"])

    problems = {}
    for lang in ("hi", "en"):
        for name, path in PAGES.items():
            page.goto(_url(app, path, lang), timeout=LOAD_TIMEOUT_MS)
            _title(page, TITLES[lang][name])
            assert page.locator('[data-testid="stException"]').count() == 0, (lang, name)
            # the page says its language (<html lang>), for screen readers (WCAG 3.1.1)
            page.wait_for_function(f"document.documentElement.lang === '{lang}'")

            if lang == "hi":
                shoot(page, f"hi-{name}")
            found = _serious(page)
            if found:
                problems[f"{lang} {name}"] = found
    import json

    from tests.e2e.conftest import ARTIFACTS

    (ARTIFACTS / "axe.json").write_text(json.dumps(_DUMP, ensure_ascii=False, indent=1))
    assert not problems, problems
