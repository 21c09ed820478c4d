"""How figures read: Indian digit grouping, dates, IST times, downloads."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from analytics.schema import IST
from dashboard import format as fmt
from dashboard.components import csv_bytes, excel_bytes


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0, 0, "0"),
        (999, 0, "999"),
        (1000, 0, "1,000"),
        (123456, 0, "1,23,456"),
        (1234567, 0, "12,34,567"),
        (250000000, 0, "25,00,00,000"),
        (-1234567.891, 2, "-12,34,567.89"),
        (None, 0, "–"),
        (float("nan"), 0, "–"),
    ],
)
def test_indian_grouping(value, decimals, text):
    assert fmt.indian(value, decimals) == text


def test_days_dates_and_times():
    assert fmt.days(2.5) == "2.5 days"
    assert fmt.days(1.0) == "1.0 day"
    assert fmt.days(0.75, 2, "working days") == "0.75 working days"
    assert fmt.percent(0.9238) == "92.4%"
    assert fmt.day(date(2024, 3, 5)) == "05-Mar-2024"
    # 08:37 UTC is 14:07 IST, which is still 5 March.
    assert fmt.moment(pd.Timestamp("2024-03-05 08:37", tz="UTC")) == "05-Mar-2024 14:07 IST"
    assert fmt.day(pd.Timestamp("2024-03-04 20:00", tz="UTC")) == "05-Mar-2024"
    assert fmt.moment(pd.NaT) == "–"
    assert fmt.level(3, {3: "Under Secretary"}) == "3 · Under Secretary"
    assert fmt.level(pd.NA, {}) == "Unmapped"


def test_labelled_has_no_raw_bucket_names():
    frame = pd.DataFrame(columns=["age_0_7", "age_over_60", "p90_days", "file_id"])
    assert fmt.labelled(frame).columns.tolist() == [
        "0–7 days",
        "Over 60 days",
        "90th percentile",
        "Computer no.",
    ]


def test_downloads_neutralise_formulas_and_write_ist():
    table = pd.DataFrame(
        {
            "remarks": ["=HYPERLINK(1)", "plain"],
            "at": pd.to_datetime(["2024-03-05 08:37", "2024-03-06 00:00"], utc=True),
        }
    )
    text = csv_bytes(table).decode("utf-8-sig")
    assert text.splitlines() == [
        "remarks,at",
        "'=HYPERLINK(1),2024-03-05 14:07:00",
        "plain,2024-03-06 05:30:00",
    ]
    back = pd.read_excel(io.BytesIO(excel_bytes(table)), dtype=str, engine="calamine")
    assert back["remarks"].tolist() == ["'=HYPERLINK(1)", "plain"]
    assert back["at"].tolist() == ["2024-03-05 14:07:00", "2024-03-06 05:30:00"]
    assert table["at"].dt.tz_convert(IST).dt.hour.tolist() == [14, 5]


# Every form OWASP's CSV-injection guidance lists, and what xlsxwriter's write() would turn
# into a formula or a link: (cell text, what a download must hold).
RISKY_CELLS = [
    ("=1+2", "'=1+2"),
    ("+91 98765", "'+91 98765"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=2+5", "'\t=2+5"),
    ("\r=2+5", "'\r=2+5"),
    ("\tplain", "'\tplain"),
    (" =1+2", "' =1+2"),
    ('"=1+2"', '\'"=1+2"'),
    ("'=1+2", "''=1+2"),
    ("\u3000=1+2", "'\u3000=1+2"),
    ("\uff1d1+2", "'\uff1d1+2"),  # full-width ＝ + － ＠
    ("\uff0b1", "'\uff0b1"),
    ("\uff0d1", "'\uff0d1"),
    ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
    ('{=WEBSERVICE("http://127.0.0.1:9/")}', '\'{=WEBSERVICE("http://127.0.0.1:9/")}'),
    (" {=1+2}", "' {=1+2}"),
]
SAFE_CELLS = [
    "http://127.0.0.1:9/x",
    "https://example.org/",
    "ftp://example.org/f",
    "mailto:a@example.org",
    "internal:Sheet1!A1",
    "external:c:\\x.xlsx#Sheet1!A1",
    "FIN-12011/54/2024-A",
    "12",
    "1e5",
    "TRUE",
    "plain text",
]


def _risky_table() -> pd.DataFrame:
    cells = [c for c, _ in RISKY_CELLS] + SAFE_CELLS
    return pd.DataFrame({'=HYPERLINK("http://x")': cells, "n": range(len(cells))})


def test_csv_download_neutralises_every_formula_form():
    import csv

    want = [w for _, w in RISKY_CELLS] + SAFE_CELLS
    text = csv_bytes(_risky_table()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ['\'=HYPERLINK("http://x")', "n"]
    assert [r[0] for r in rows[1:]] == want


def test_excel_download_has_no_formula_or_link_and_keeps_the_text():
    from openpyxl import load_workbook

    want = [w for _, w in RISKY_CELLS] + SAFE_CELLS
    book = load_workbook(io.BytesIO(excel_bytes(_risky_table(), "t[1]/x")), rich_text=False)
    sheet = book.active
    cells = [c for row in sheet.iter_rows() for c in row]
    text = [c for c in cells if c.column == 1 or c.row == 1]
    assert all(c.data_type == "s" for c in text), [
        (c.coordinate, c.value) for c in text if c.data_type != "s"
    ]
    assert not any(c.data_type == "f" for c in cells)
    assert not any(c.hyperlink for c in cells)
    assert not sheet._hyperlinks
    # A CR is stored as OOXML's escape _x000D_ (Excel shows a CR; openpyxl keeps the escape).
    column = [c.value.replace("_x000D_", "\r") for c in sheet["A"]]
    assert column == ['\'=HYPERLINK("http://x")', *want]
    assert [c.value for c in sheet["B"][1:]] == list(range(len(want)))  # numbers as numbers


def test_ages_read_as_a_person_says_them():
    assert fmt.age(358.004) == "358 days"
    assert fmt.age(2.46) == "2.5 days"
    assert fmt.age(1.0) == "1.0 day"
    assert fmt.age(0.01) == "under 0.1 days"
    assert fmt.age(0.0) == "0.0 days"
    assert fmt.age(12.6, "working days") == "13 working days"
    assert fmt.age(None) == fmt.DASH


def test_chart_axes_use_indian_grouping_and_whole_files():
    from dashboard.charts import ticks

    axis = ticks(43009, "count")
    assert axis["ticktext"] == ["0", "10,000", "20,000", "30,000", "40,000", "50,000"]
    assert ticks(12_50_000, "count")["ticktext"][-1] == "15,00,000"  # not 1.5M
    assert ticks(3, "count")["tickvals"] == [0, 1, 2, 3]  # no half-file tick
    assert all(float(v).is_integer() for v in ticks(7, "count")["tickvals"])
    assert ticks(0.92, "share")["ticktext"][-1] == "100%"
    assert ticks(0.24)["ticktext"][:2] == ["0.00", "0.05"]


def test_a_change_reads_with_its_sign():
    assert fmt.change("pending", 57) == "+57"
    assert fmt.change("movements", -1234567) == "-12,34,567"
    assert fmt.change("efile_share", 0.001) == "+0.1 pts"
    assert fmt.change("movement_ratio", -0.61) == "-0.6"
