"""What leaves the app and what data may do on screen, in a real headless Chromium.

- The File journey of a pending, parked, closed, reopened, `created`-less and broken-chain
  file shows its figures, never a traceback.
- Hostile Markdown, HTML, LaTeX and bidi controls in a file's number, subject, holder and
  designation, and phishing text in the URL, show as text: no image is fetched, no link,
  formula or coloured text is made, no chart label becomes a link.
- Streamlit's own table toolbar has no "Download as CSV"; the app's downloads are the only
  way out, and a viewer without the names permission downloads an upload's rejected rows
  with pseudonyms in place of names.
- An unexpected error shows a short message with a reference, never a traceback or a path.

The store is the sample plus the crafted log of tests/dashboard/test_outputs.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from analytics.access.accounts import Accounts
from analytics.access.pseudonyms import PSEUDONYM_PREFIX
from analytics.figures.metrics import analyse
from analytics.log.reading import read_logs
from analytics.store.store import open_store
from dashboard.format import WORD_JOINER
from tests.conftest import HEADER, csv_text, ev
from tests.dashboard.test_outputs import CRAFTED, EVIL, EVIL_LINK, HEADER_X, KINDS
from tests.e2e.conftest import LOAD_TIMEOUT_MS, ROOT, dashboard, open_signed_in, settle, shoot

pytestmark = pytest.mark.browser
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
PASSWORD = "a long e2e test password"
READER = "darpg@gov.in"  # national viewer allowed to see names (so holders show as written)
VIEWER = "secy@manipur.gov.in"  # Manipur viewer without the names permission
REAL_NAMES = ["Ravi Kumar Singh", "Sunita Devi", "Thoiba Meitei"]
TRAP = "127.0.0.1:9"  # every hostile link and image points here


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The sample, the crafted log, an upload with rejected rows naming officers, two users."""
    tmp = tmp_path_factory.mktemp("outputs")
    crafted = tmp / "crafted.csv"
    crafted.write_text(csv_text(CRAFTED, header=HEADER_X), encoding="utf-8")
    header = tuple(h for h in HEADER if h not in ("state", "department"))
    names = csv_text(
        [
            ev("created", "", REAL_NAMES[0], "", "Assistant", "2024-03-01 10:00", file_id="RJ-1"),
            ev("moved", REAL_NAMES[0], REAL_NAMES[1], "Assistant", "Director", "32/13/2024"),
            ev("moved", REAL_NAMES[1], REAL_NAMES[2], "Director", "Secretary", ""),
        ],
        header=header,
    ).encode()
    url = f"sqlite:///{tmp / 'store.sqlite'}"
    with open_store(url) as s:
        assert s.uploads.ingest([SAMPLE, crafted], by="e2e").status == "stored"
        assert s.uploads.ingest(
            [("names.csv", names)], state="Manipur", department="Finance"
        ).status
        accounts = Accounts(s)
        accounts.users.add(READER, "national_viewer", password=PASSWORD)
        accounts.users.set_see_names(READER, True, by="e2e")
        accounts.users.add(VIEWER, "viewer", state="Manipur", password=PASSWORD)
    return url, tmp


@pytest.fixture(scope="module")
def app(store: tuple[str, Path]) -> Iterator[str]:
    url, tmp = store
    with dashboard(url, tmp / "streamlit.log") as base:
        yield base


def _open(page: Any, url: str, email: str = READER) -> None:
    """Open `url`, signed in as `email`."""
    open_signed_in(page, url, email, PASSWORD)


def _no_traceback(page: Any, failed_ok: bool = False) -> None:
    """No traceback or server detail on screen (and, unless `failed_ok`, no page failure)."""
    assert page.locator('[data-testid="stException"]').count() == 0
    if not failed_ok:
        assert page.get_by_text("Something went wrong").count() == 0
    text = page.locator('[data-testid="stApp"]').inner_text()
    for leak in ("Traceback", "TypeError", str(ROOT), 'File "/'):
        assert leak not in text, leak


def test_journey_of_every_kind_of_file_in_the_browser(app: str, page: Any) -> None:
    analysis = analyse(read_logs([SAMPLE]).events)
    for kind, file_id in KINDS.items():
        if file_id is None:
            facts = analysis.facts
            file_id = facts[facts["status"].eq(kind)].iloc[0]["file_id"]
        _open(page, f"{app}/journey?file={file_id}")
        page.get_by_text("Stint by stint", exact=True).wait_for()
        _no_traceback(page)
        page.locator('[data-testid="stDataFrame"]').first.wait_for()  # the stint table
        settle(page)
        _no_traceback(page)
        shoot(page, f"journey-{kind.replace(' ', '-')}")


def test_hostile_text_in_data_and_url_is_shown_as_text(app: str, page: Any) -> None:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    _open(page, f"{app}/journey?file=EVIL-1")
    page.get_by_text("Stint by stint", exact=True).wait_for()
    _no_traceback(page)
    main = page.locator('[data-testid="stMain"]')
    # Each value reads exactly as written: the bidi control dropped, and invisible word
    # joiners (U+2060, see dashboard.format.plain) aside.
    shown = main.inner_text().replace(WORD_JOINER, "")
    assert EVIL["file_number"].replace("\u202e", "") in shown
    assert EVIL["subject"] in shown
    card = page.locator('[data-testid="stMetric"]').filter(has_text="With (")
    assert EVIL["holder"] in card.inner_text().replace(WORD_JOINER, "")
    assert EVIL["designation"] in card.inner_text().replace(WORD_JOINER, "")
    # nothing rendered from data: no image, link, formula or coloured text, no fetch
    app_root = page.locator('[data-testid="stApp"]')
    assert app_root.locator(f'img[src*="{TRAP}"]').count() == 0
    assert app_root.locator(f'a[href*="{TRAP}"]').count() == 0
    assert main.locator(".katex").count() == 0
    assert main.locator("strong", has_text="bold").count() == 0
    assert main.locator('[data-testid="stMarkdownColoredText"]').count() == 0
    assert "\u202e" not in app_root.inner_text()
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.wait_for()
    assert chart.locator("a").count() == 0
    assert "Director</a>" in chart.locator(".ytick").first.text_content()
    shoot(page, "journey-hostile")

    phish = f"**Your session has expired.** {EVIL_LINK}"
    _open(page, f"{app}/journey?file={phish}")
    warning = page.locator('[data-testid="stAlert"]').filter(has_text="No file in your scope")
    assert phish in warning.inner_text().replace(WORD_JOINER, "")
    assert warning.locator("a").count() == 0
    assert warning.locator("strong").count() == 0
    assert asked
    assert not [u for u in asked if urlsplit(u).netloc == TRAP]  # nothing fetched from it


def test_tables_have_no_streamlit_download_and_rejected_rows_are_pseudonymised(
    app: str, page: Any
) -> None:
    _open(page, f"{app}/upload", VIEWER)
    page.get_by_text("Rejected rows of upload").wait_for()
    settle(page)
    _no_traceback(page)
    tables = page.locator('[data-testid="stDataFrame"]')
    assert tables.count() >= 2
    for i in range(tables.count()):
        tables.nth(i).hover()
        toolbar = page.locator('[data-testid="stElementToolbar"]').nth(i)
        toolbar.locator('[data-testid="stElementToolbarButton"]').first.wait_for()
        assert toolbar.locator('button[aria-label^="Search"]').count() == 1  # it is shown
        assert toolbar.locator('button[aria-label^="Download as CSV"]').count() == 0
    shoot(page, "upload-history-viewer")

    buttons = page.get_by_role("button", name="Download CSV")
    with page.expect_download() as got:
        buttons.last.click()
    text = Path(got.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["line"] for r in rows] == ["3", "4"]
    senders = [r["cell: from_user"] for r in rows]
    assert all(s.startswith(PSEUDONYM_PREFIX) for s in senders), senders
    for name in REAL_NAMES:
        assert name not in text
    with page.expect_download() as got:
        page.get_by_role("button", name="Download Excel").last.click()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)  # text never becomes a formula
    assert not any(name in str(c.value) for c in cells for name in REAL_NAMES)


def test_an_unexpected_error_shows_no_traceback_in_the_browser(tmp_path: Path, page: Any) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a SQLite database, so every read of it fails" * 100)
    with dashboard(f"sqlite:///{broken}", tmp_path / "streamlit.log") as base:
        page.goto(base, timeout=LOAD_TIMEOUT_MS)
        settle(page)
        alert = page.locator('[data-testid="stAlert"]').filter(has_text="Something went wrong")
        alert.wait_for()
        _no_traceback(page, failed_ok=True)
        text = page.locator('[data-testid="stApp"]').inner_text()
        for leak in (str(tmp_path), "sqlite", "DatabaseError", ".py"):
            assert leak not in text, leak
        shoot(page, "error-page")
    assert "page failed, reference" in (tmp_path / "streamlit.log").read_text()


def test_process_page_and_its_xes_download_in_the_browser(
    app: str, page: Any, store: tuple[str, Path]
) -> None:
    import gzip
    import xml.etree.ElementTree as ET

    _open(page, f"{app}/process", VIEWER)
    page.get_by_text("Distinct routes").first.wait_for()
    settle(page)
    _no_traceback(page)
    # a click on the first route's row (its selection cell, left of the grid) lists its files
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    page.get_by_text("files took").first.wait_for()
    settle(page)
    _no_traceback(page)
    shoot(page, "process-viewer")
    with page.expect_download() as got:
        page.get_by_role("button", name="Download XES").click()
    root = ET.fromstring(gzip.decompress(Path(got.value.path()).read_bytes()))
    ns = "{http://www.xes-standard.org/}"
    traces = list(root.iter(f"{ns}trace"))
    states = {a.get("value") for t in traces for a in t if a.get("key") == "state"}
    assert states == {"Manipur"}  # the viewer's scope
    people = {
        a.get("value")
        for e in root.iter(f"{ns}event")
        for a in e
        if a.get("key") in ("org:resource", "from_user", "to_user")
    }
    assert people
    assert all(p.startswith(PSEUDONYM_PREFIX) for p in people)
    with open_store(store[0]) as s:
        log = Accounts(s).audit.read(actor=VIEWER)
    exported = log[log["action"].eq("export") & log["target"].eq("eoffice_events.xes.gz")]
    assert exported["outcome"].tolist() == ["ok"]
    assert exported["details"].iloc[0]["rows"] == len(traces)
