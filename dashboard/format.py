"""How figures read on the dashboard: Indian digit grouping, 05-Mar-2024 dates, IST times."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd

from analytics.schema import IST

DASH = "–"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def indian(value: Any, decimals: int = 0) -> str:
    """A number in Indian grouping: 1234567 → 12,34,567 (decimals kept as asked)."""
    if _missing(value) or (not isinstance(value, int | float) and pd.isna(value)):
        return DASH
    number = float(value)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):.{decimals}f}"
    whole, _, frac = text.partition(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        whole = ",".join([*groups, tail])
    return sign + whole + (f".{frac}" if frac else "")


def ratio(value: Any) -> str:
    """A ratio such as movements per file created: 18.0."""
    return DASH if _missing(value) else indian(value, 1)


def percent(value: Any) -> str:
    """A share as a percentage: 0.9238 → 92.4%."""
    return DASH if _missing(value) else f"{indian(100 * float(value), 1)}%"


def days(value: Any, decimals: int = 1, unit: str = "days") -> str:
    """A duration: 2.5 → '2.5 days' (unit 'working days' → '2.5 working days'; 1 singular)."""
    if _missing(value):
        return DASH
    text = indian(value, decimals)
    return f"{text} {unit[:-1]}" if text in {"1", "1.0", "1.00"} else f"{text} {unit}"


def _ist(value: Any) -> pd.Timestamp | None:
    if _missing(value) or value is pd.NaT:
        return None
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return None
    return ts.tz_localize(IST) if ts.tzinfo is None else ts.tz_convert(IST)


def day(value: date | datetime | pd.Timestamp | None) -> str:
    """A date as 05-Mar-2024 (an instant is first put in IST)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d-%b-%Y")
    ts = _ist(value)
    return DASH if ts is None else ts.strftime("%d-%b-%Y")


def moment(value: Any) -> str:
    """An instant as 05-Mar-2024 14:07 IST."""
    ts = _ist(value)
    return DASH if ts is None else ts.strftime("%d-%b-%Y %H:%M IST")


def level(value: Any, names: dict[int, str]) -> str:
    """A hierarchy level with its name: '3 · Under Secretary'; unmapped when empty."""
    if _missing(value):
        return "Unmapped"
    number = int(value)
    return f"{number} · {names.get(number, f'Level {number}')}"


def table(frame: pd.DataFrame, formats: dict[str, Any]) -> pd.DataFrame:
    """A copy for display: each listed column through its formatter, others as they are."""
    out = frame.copy()
    for column, formatter in formats.items():
        if column in out:
            out[column] = [formatter(v) for v in out[column].tolist()]
    return out


LABELS: dict[str, str] = {
    "state": "State",
    "department": "Department",
    "month": "Month",
    "as_of": "As of (T)",
    "files_created": "Files created",
    "movements": "Movements",
    "movement_ratio": "Movements per file created",
    "efile_share": "e-File share",
    "pending": "Pending",
    "pending_over_7_working_days": "Pending over 7 working days",
    "parked": "Parked",
    "mean_levels_pending": "Mean distinct levels (pending files)",
    "mean_holders_pending": "Mean holders (pending files)",
    "files_over_4_levels": "Files over 4 levels",
    "level": "Level",
    "stints": "Stints",
    "median_days": "Median",
    "mean_days": "Mean",
    "p90_days": "90th percentile",
    "p10_days": "10th percentile",
    "q1_days": "25th percentile",
    "q3_days": "75th percentile",
    "median_waiting_days": "Median waiting",
    "median_processing_days": "Median processing",
    "mean_waiting_days": "Mean waiting",
    "mean_processing_days": "Mean processing",
    "from_level": "From level",
    "to_level": "To level",
    "direction": "Direction",
    "age_0_7": "0–7 days",
    "age_8_15": "8–15 days",
    "age_16_30": "16–30 days",
    "age_31_60": "31–60 days",
    "age_over_60": "Over 60 days",
    "file_id": "Computer no.",
    "file_number": "File no.",
    "subject": "Subject",
    "holder": "Holder",
    "designation": "Designation",
    "since": "With holder since",
    "age_days": "Age",
    "levels_traversed": "Levels so far",
    "holders": "Holders",
    "status": "Status",
    "created_at": "Created",
    "closed_at": "Closed",
    "returns": "Returns",
}


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns renamed to the words a department head reads."""
    return frame.rename(columns=lambda c: LABELS.get(c, c.replace("_", " ").capitalize()))


def _two(value: Any) -> str:
    return indian(value, 2)


FIGURE_FORMATS: dict[str, Any] = {
    "as_of": moment,
    "files_created": indian,
    "movements": indian,
    "movement_ratio": ratio,
    "efile_share": percent,
    "pending": indian,
    "pending_over_7_working_days": indian,
    "parked": indian,
    "mean_levels_pending": _two,
    "mean_holders_pending": _two,
    "files_over_4_levels": indian,
}
"""How each overview figure reads."""
