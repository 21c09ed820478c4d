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

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics.access.accounts import Accounts
from analytics.store.store import open_store
from tests.conftest import level_history
from tests.e2e.conftest import (
    LOAD_TIMEOUT_MS,
    ROOT,
    dashboard,
    open_signed_in,
    settle,
    shoot,
)
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
ADMIN = {
    "hi": ("प्रशासन", {"users": "उपयोगकर्ता", "grants": "अनुमतियाँ", "levels": "स्तर",
                       "audit": "लेखा-परीक्षा लॉग"}),
    "en": ("Administration", {"users": "Users", "grants": "Grants", "levels": "Levels",
                              "audit": "Audit log"}),
}  # fmt: skip
"""The Administration page's title and its four tabs, in each language (by hand)."""
ADMIN_EMAIL = "admin@gov.in"
ADMIN_PASSWORD = "a long e2e admin password"
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


@pytest.fixture
def admin_app(tmp_path: Path) -> Iterator[str]:
    """The app on the sample with one local admin and a level-table history (two versions, a
    proposal waiting), so every tab of Administration has its tables filled."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_store(url) as store:
        store.uploads.ingest([ROOT / "sample_data" / "sample_events.csv"], by="e2e")
        accounts = Accounts(store)
        accounts.users.add(ADMIN_EMAIL, "admin", password=ADMIN_PASSWORD)
        accounts.users.add("nodal@manipur.gov.in", "nodal_officer", state="Manipur")
        level_history(store, ADMIN_EMAIL, "nodal@manipur.gov.in")
    with dashboard(url, tmp_path / "streamlit.log") as base:
        yield base


def test_administration_passes_axe_on_every_tab_in_both_languages(
    admin_app: str, page: Any
) -> None:
    """The sign-in page, then each of the four tabs opened by a click, in Hindi and English:
    no serious or critical violation of the app's own content; a screenshot of each in Hindi
    (hi-sign-in.png, hi-admin-*.png)."""
    problems = {}
    for lang, heading in (("hi", "साइन इन करें"), ("en", "Sign in")):
        page.goto(_url(admin_app, "", lang), timeout=LOAD_TIMEOUT_MS)
        _title(page, heading)
        page.wait_for_function(f"document.documentElement.lang === '{lang}'")
        if lang == "hi":
            shoot(page, "hi-sign-in")
        found = _serious(page)
        if found:
            problems[f"{lang} sign-in"] = found
    open_signed_in(page, f"{admin_app}/admin", ADMIN_EMAIL, ADMIN_PASSWORD)
    for lang, (title, tabs) in ADMIN.items():
        page.goto(_url(admin_app, "admin", lang), timeout=LOAD_TIMEOUT_MS)
        _title(page, title)
        page.wait_for_function(f"document.documentElement.lang === '{lang}'")
        for name, label in tabs.items():
            page.get_by_role("tab", name=label, exact=True).click()
            settle(page)
            panel = page.get_by_role("tabpanel").filter(visible=True)
            assert panel.count() == 1, (lang, name)
            assert page.locator('[data-testid="stException"]').count() == 0, (lang, name)
            if lang == "hi":
                shoot(page, f"hi-admin-{name}")
            found = _serious(page)
            if found:
                problems[f"{lang} admin {name}"] = found
    assert not problems, problems
