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
