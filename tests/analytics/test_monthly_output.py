"""The monthly report's PDF and workbook (analytics/outputs/monthly_pdf.py), read back as a reader
would: the PDF's text with pypdf, the workbook's cells with openpyxl."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from analytics.figures import monthly
from analytics.figures.metrics import as_of_by_state
from analytics.log.reading import read_logs
from analytics.outputs.monthly_pdf import change_text, pdf_bytes, xlsx_bytes
from tests.analytics.test_monthly import ROWS

ODD = "=SUM(1)<b>x</b>"
"""A department name a spreadsheet would run and a PDF paragraph would read as markup."""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    rows = [{**r, "department": ODD} if r["file_id"] == "F3" else r for r in ROWS]
    path = tmp_path_factory.mktemp("monthly") / "log.csv"
    from tests.conftest import csv_text

    path.write_text(csv_text(rows), encoding="utf-8")
    events = read_logs([path]).events
    uploads = pd.DataFrame(
        {"state": ["Manipur"], "uploaded_at": [pd.Timestamp("2024-10-05 11:00", tz="Asia/Kolkata")]}
    )
    return monthly.build(events, as_of_by_state(events), "2024-09", state="Manipur",
                         uploads=uploads)  # fmt: skip


def _lines(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, [line.strip() for line in text.splitlines() if line.strip()]


def test_pdf_is_a4_with_cover_line_page_numbers_and_charts(report):
    reader, lines = _lines(pdf_bytes(report))
    assert lines[0] == "Monthly e-Office report: Manipur, September 2024"
    cover = lines[1]
    assert cover.startswith(
        "Scope: Manipur · T: 30-Sep-2024 23:59 IST · data uploaded: 05-Oct-2024"
    )
    assert monthly.software_version() in cover
    pages = len(reader.pages)
    for n, page in enumerate(reader.pages, start=1):
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        assert f"Page {n} of {pages}" in page.extract_text()
    text = "\n".join(lines)  # the age and turnaround charts, drawn with their words as text
    assert "Pending files by age with their present holder" in text
    assert "Median days at each level (stints ended in the month)" in text
    head = lines.index("Figures for September 2024")
    at = lines.index("Pending at T", head)
    assert lines[at + 1 : at + 4] == ["2", "1", "+1"]
    at = lines.index("e-File share", head)
    assert lines[at + 1 : at + 4] == ["50.0%", "100.0%", "−50.0 pts"]
    assert "• Pending at T rose from 1 to 2, a slip." in lines


def test_pdf_prints_data_as_text_never_as_markup(report):
    _, lines = _lines(pdf_bytes(report))
    assert any(ODD in line for line in lines)


def test_workbook_has_numbers_as_numbers_and_safe_text(report):
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report)))
    assert book.sheetnames[:5] == ["Summary", "Age buckets", "Turnaround", "Longest pending",
                                   "Movers"]  # fmt: skip
    summary = book["Summary"]
    rows = {r[0].value: r for r in summary.iter_rows() if r[0].value}
    pending = rows["Pending at T"]
    assert [c.value for c in pending[1:4]] == [2, 1, 1]
    assert (
        pending[1].number_format == "[>=10000000]##\\,##\\,##\\,##0;[>=100000]##\\,##\\,##0;##,##0"
    )
    share = rows["e-File share"]
    assert share[1].value == pytest.approx(0.5)
    assert share[1].number_format == "0.0%"
    longest = book["Longest pending"]
    departments = [r[1].value for r in longest.iter_rows(min_row=3)]
    assert "'" + ODD in departments  # neutralised: read as text, never run
    assert all(c.data_type != "f" for s in book for r in s.iter_rows() for c in r)
    since = [r[6].value for r in longest.iter_rows(min_row=3)]
    assert since[0] == pd.Timestamp("2024-09-02 10:00").to_pydatetime()  # IST wall time


def test_change_reads_like_the_figure():
    assert change_text("pending", -27) == "−27"
    assert change_text("files_created", 123456) == "+1,23,456"
    assert change_text("efile_share", 0.045) == "+4.5 pts"
    assert change_text("median_days", -0.01) == "0.0 days"
    assert change_text("movement_ratio", None) == "–"
