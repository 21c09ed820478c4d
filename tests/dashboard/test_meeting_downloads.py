"""Downloads fit for a meeting: the Excel file read back with openpyxl has numbers as numbers,
readable headers, level names and a first block stating scope, filters, T and when it was
made; files are named for what they hold; the CSV keeps the plain column names."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from analytics.figures.metrics import Analysis
from analytics.outputs.report import excel_bytes
from dashboard import format as fmt
from tests.dashboard.conftest import run_page


def test_excel_cells_keep_their_types():
    table = pd.DataFrame(
        {
            "state": ["Manipur", "=cmd|' /C calc'!A0"],
            "level": pd.array([3, None], dtype="Int64"),
            "pending": [1234567, 0],
            "median_days": [2.5, float("nan")],
            "since": pd.to_datetime(["2024-03-05 08:37", None], utc=True),
            "over": [True, False],
        }
    )
    book = load_workbook(
        io.BytesIO(
            excel_bytes(
                table,
                "pendency",
                about=[("Scope", "All states"), ("Filters", "Manipur")],
                headers={"pending": "Pending at T", "median_days": "Median"},
                level_names={3: "Under Secretary"},
            )
        )
    )
    sheet = book.active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["Scope", "All states"]
    assert rows[1][:2] == ["Filters", "Manipur"]
    assert rows[2] == [None] * 6  # a blank row under the block
    assert rows[3] == ["state", "level", "Pending at T", "Median", "since", "over"]
    first = sheet[5]
    assert first[0].value == "Manipur"
    assert first[1].value == "3 · Under Secretary"
    assert first[2].data_type == "n"
    assert first[2].value == 1234567
    assert first[3].value == 2.5
    assert first[4].is_date
    assert first[4].value == datetime(2024, 3, 5, 14, 7)  # IST
    assert first[5].value == "Yes"
    second = sheet[6]
    assert second[0].value == "'=cmd|' /C calc'!A0"  # text that could run stays inert
    assert second[0].data_type == "s"
    assert second[1].value == "Unmapped"
    assert second[3].value is None  # blank, not "None" or "nan"
    assert second[4].value is None
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list:
    """(file name, file maker) of every download button put on screen."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found: list = []
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        found.append((file_name, data_callable))
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return found


def test_pendency_excel_for_a_meeting(app: AppTest, expected: Analysis, made: list):
    app.query_params["state"] = "Manipur"
    app.query_params["department"] = "Finance"
    at = run_page(app, "pendency")
    t = expected.as_of["Manipur"]
    day = t.strftime("%Y-%m-%d")
    names = dict(made)
    assert f"manipur-finance-pendency-days-{day}.xlsx" in names
    assert f"manipur-finance-pendency-days-{day}.csv" in names
    book = load_workbook(io.BytesIO(names[f"manipur-finance-pendency-days-{day}.xlsx"]()))
    sheet = book.active
    block = {r[0].value: r[1].value for r in sheet.iter_rows(max_row=5)}
    assert block["Scope (what you may see)"] == "All states"
    assert block["Filters"] == "Manipur · Finance"
    assert block["As of (T)"] == f"Manipur {fmt.moment(t)}"
    assert block["Made"].endswith(" IST")
    header = [c.value for c in sheet[7]]
    assert header[:4] == ["State", "Department", "Level", "Pending at T"]
    facts = expected.facts
    pending = facts["status"].eq("pending") & facts["state"].eq("Manipur")
    pending &= facts["department"].eq("Finance")
    rows = list(sheet.iter_rows(min_row=8))
    assert all(r[3].data_type == "n" for r in rows)
    assert sum(r[3].value for r in rows) == pending.sum()
    assert all(r[2].value == "Unmapped" or " · " in r[2].value for r in rows)
    # the CSV keeps the plain column names for machines
    text = names[f"manipur-finance-pendency-days-{day}.csv"]().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("state,department,level,pending,")
    assert not at.exception
