"""Administration → Levels in a real browser (issue 16): the unmapped designation with its
events and states, mapping it with one click, an imported table previewed and applied, and an
earlier version restored; each checked against the store, with figures worked by hand.

The store holds the small log of tests/store/test_levels.py: "US(ARC)" is named by 7 events
(Manipur 5, Assam 2) and held in 4 stints (holders B, E, I, Q), all unmapped by the built-in
table. Mapping it to 3 moves exactly those 4 stints; the imported table then moves them to 4
(preview: 4 stints change level); restoring version 1 brings back level 3.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.access.accounts import Accounts
from analytics.log.hierarchy import LevelTable
from analytics.store.store import open_store
from tests.conftest import csv_text
from tests.e2e.conftest import LOAD_TIMEOUT_MS, dashboard, metric, settle, shoot, sign_in_locally
from tests.store.test_levels import ARC, LOG

pytestmark = pytest.mark.browser
EMAIL = "admin@gov.in"
PASSWORD = "a long e2e test password"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app on a fresh store holding the small log, with one local admin."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    with open_store(url) as store:
        store.uploads.ingest([("log.csv", csv_text(LOG).encode())])
        Accounts(store).users.add(EMAIL, "admin", password=PASSWORD)
    with dashboard(url, tmp_path / "streamlit.log") as base:
        yield base, url


def arc_levels(url: str) -> dict[str, Any]:
    """The stored level of each US(ARC) stint, by holder."""
    with open_store(url) as store:
        stints = store.load_stints()
    held = stints[stints["holder"].isin(["B", "E", "I", "Q"])]
    return {
        h: (None if pd.isna(v) else int(v))
        for h, v in zip(held["holder"], held["level"], strict=True)
    }


def open_levels(page: Any, base: str) -> None:
    page.goto(f"{base}/admin", timeout=LOAD_TIMEOUT_MS)
    form = page.get_by_role("heading", name="Sign in", exact=True)
    title = page.get_by_role("heading", name="Administration")
    form.or_(title).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    settle(page)
    if form.count():
        sign_in_locally(page, EMAIL, PASSWORD)
    title.wait_for()
    page.get_by_role("tab", name="Levels").click()
    settle(page)


def only(locator: Any) -> Any:
    """`locator` once it matches one element (a rerun may briefly keep the old one)."""
    deadline = time.monotonic() + LOAD_TIMEOUT_MS / 1000
    while locator.count() != 1 and time.monotonic() < deadline:
        time.sleep(0.25)
    return locator


def click(page: Any, name: str) -> None:
    only(page.get_by_role("button", name=name, exact=True)).click()
    settle(page)


def test_levels_page_maps_imports_previews_and_restores(
    app: tuple[str, str], page: Any, tmp_path: Path
) -> None:
    base, url = app
    open_levels(page, base)
    page.get_by_text("Table in force: the built-in table (version 0)").wait_for()
    page.get_by_text("Levels: the built-in level table (version 0).").wait_for()  # sidebar
    page.get_by_role("heading", name="Designations the table does not map").wait_for()
    shoot(page, "levels-unmapped")
    chosen = page.get_by_role("combobox", name="Designation")
    assert chosen.input_value() == ARC  # the one-click mapping offers it
    with open_store(url) as store:
        listed = store.levels.unmapped()
    assert listed["designation"].tolist() == [ARC]  # the page lists the store's list
    assert arc_levels(url) == {"B": None, "E": None, "I": None, "Q": None}

    # One click maps it for every state (designation and "every state" are the defaults).
    page.get_by_label("Level", exact=True).fill("3")
    click(page, "Map")
    page.get_by_text(f"Mapped {ARC} to level 3 (every state): version 1.").wait_for()
    page.get_by_text("Every designation in the store is mapped.").wait_for()
    page.get_by_text("Levels: level table version 1").wait_for()
    assert arc_levels(url) == {"B": 3, "E": 3, "I": 3, "Q": 3}

    # An imported table: previewed (4 stints change level), then applied.
    table = tmp_path / "us4.csv"
    four = LevelTable.default().with_rows(LevelTable.from_text(f"designation,level\n{ARC},4\n"))
    table.write_text(four.to_text(), encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(table))
    settle(page)
    click(page, "Preview the imported table")
    page.get_by_role("heading", name="Preview before applying").wait_for()
    assert metric(page, "Stints changing level") == 4
    assert metric(page, "Designations becoming unmapped") == 0
    shoot(page, "levels-preview")
    assert arc_levels(url)["B"] == 3  # nothing applied yet
    page.get_by_label("Note (why; kept with the version)").fill("GAD order 12")
    click(page, "Apply as a new version")
    page.get_by_text("Applied: level table version 2 is in force.").wait_for()
    assert arc_levels(url) == {"B": 4, "E": 4, "I": 4, "Q": 4}

    # Restore version 1 from the history: level 3 again, as a new version 3.
    only(page.get_by_role("combobox", name="Version to restore")).click()
    page.get_by_role("option", name="1", exact=True).click()
    settle(page)
    click(page, "Preview the restore")
    assert metric(page, "Stints changing level") == 4
    click(page, "Apply as a new version")
    page.get_by_text("Applied: level table version 3 is in force.").wait_for()
    assert arc_levels(url) == {"B": 3, "E": 3, "I": 3, "Q": 3}
    with open_store(url) as store:
        history = store.levels.history()
    assert history["kind"].tolist() == ["restore", "import", "edit"]
    assert history["note"].tolist()[1] == "GAD order 12"
    assert history["created_by"].unique().tolist() == [EMAIL]
    assert page.locator('[data-testid="stException"]').count() == 0
    shoot(page, "levels-history")
