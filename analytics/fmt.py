"""How figures read for people, wherever they are shown (dashboard, monthly report):
Indian digit grouping (12,34,567), dates as 05-Mar-2024, times in IST.

Pure formatting over the figures registry (`analytics.figures.registry`): each figure's `kind` picks
its formatter (`KINDS`), so a figure reads the same on a dashboard card, in a table and in
the monthly PDF.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

import pandas as pd

from analytics.figures.registry import FIGURES, PROCESS_FIGURES, Figure
from analytics.schema import IST

DASH = "–"
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters that reorder the text around them (right-to-left override U+202E and its kin):
dropped from everything shown, so data cannot reverse or disguise the text beside it."""


def missing(value: Any) -> bool:
    """True for None, NaN, NA."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def shown(value: Any) -> str:
    """A data value as text to show: bidi controls dropped, line breaks made spaces."""
    text = "" if missing(value) else str(value)
    return " ".join(BIDI_CONTROLS.sub("", text).splitlines()) if text else text


def indian(value: Any, decimals: int = 0) -> str:
    """A number in Indian grouping: 1234567 → 12,34,567 (decimals kept as asked)."""
    if missing(value) or (not isinstance(value, int | float) and pd.isna(value)):
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
    return DASH if missing(value) else indian(value, 1)


def percent(value: Any) -> str:
    """A share as a percentage: 0.9238 → 92.4%."""
    return DASH if missing(value) else f"{indian(100 * float(value), 1)}%"


def days(value: Any, decimals: int = 1, unit: str = "days") -> str:
    """A duration: 2.5 → '2.5 days' (unit 'working days' → '2.5 working days'; 1 singular)."""
    if missing(value):
        return DASH
    text = indian(value, decimals)
    return f"{text} {unit[:-1]}" if text in {"1", "1.0", "1.00"} else f"{text} {unit}"


def age(value: Any, unit: str = "days") -> str:
    """A duration as a person says it: whole days from 10 on (358 days), one decimal below
    (2.5 days, 0.3 days), 'under 0.1 days' for a few minutes; '1 day'."""
    if missing(value):
        return DASH
    if 0 < abs(float(value)) < 0.05:
        return f"under 0.1 {unit}".rstrip()
    return days(value, 0 if abs(float(value)) >= 10 else 1, unit)


def _ist(value: Any) -> pd.Timestamp | None:
    if missing(value) or value is pd.NaT:
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


def _mean(value: Any) -> str:
    return indian(value, 2)


KINDS: dict[str, Any] = {
    "count": indian,
    "ratio": ratio,
    "share": percent,
    "mean": _mean,
    "days": days,
}
"""The formatter of each kind of figure (`analytics.figures.registry.Kind`)."""


def figure(name: str | Figure, value: Any) -> str:
    """A figure's value as the registry says it reads (count, ratio, share, mean, days)."""
    entry = (FIGURES.get(name) or PROCESS_FIGURES[name]) if isinstance(name, str) else name
    return KINDS[entry.kind](value)


def level(value: Any, names: dict[int, str]) -> str:
    """A hierarchy level with its name: '3 · Under Secretary'; unmapped when empty."""
    if missing(value):
        return "Unmapped"
    number = int(value)
    return f"{number} · {names.get(number, f'Level {number}')}"


LABELS: dict[str, str] = {
    "state": "State",
    "department": "Department",
    "month": "Month",
    "as_of": "As of (T)",
    **{name: f.label for name, f in PROCESS_FIGURES.items()},
    **{name: f.label for name, f in FIGURES.items()},
    "level": "Level",
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
    "file_id": "Computer no.",
    "file_number": "File no.",
    "subject": "Subject",
    "holder": "Holder",
    "designation": "Designation",
    "since": "With holder since",
    "age_days": "Age",
    "status": "Status",
    "created_at": "Created",
    "closed_at": "Closed",
    "oldest_file_id": "Oldest file held",
    "group": "Group",
    "rank": "Rank",
    "journey": "Journey",
    "route": "Route (levels in order)",
    "skips_levels": "Skips a level",
    "over_limit": "Over the levels norm",
    "from_user": "From officer",
    "to_user": "To officer",
    "received": "Handed to them",
    "sent": "Passed on",
    "slowest": "Among the slowest",
}
"""Column headings: the figures registry's labels, and the words for the other columns."""
