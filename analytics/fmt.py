"""Numbers and moments as people read them: Indian grouping (12,34,567), 05-Mar-2024, IST.

Shared by the dashboard (`dashboard/format.py` re-exports these) and by what the analytics
write for people (the alert digests), so both read the same.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd

from analytics.schema import IST

DASH = "–"


def missing(value: Any) -> bool:
    """True for None, NaN and NA."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


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


def days(value: Any, decimals: int = 1, unit: str = "days") -> str:
    """A duration: 2.5 → '2.5 days' (unit 'working days' → '2.5 working days'; 1 singular)."""
    if missing(value):
        return DASH
    text = indian(value, decimals)
    return f"{text} {unit[:-1]}" if text in {"1", "1.0", "1.00"} else f"{text} {unit}"


def ist(value: Any) -> pd.Timestamp | None:
    """An instant as an IST timestamp (naive means IST); None when missing."""
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
    ts = ist(value)
    return DASH if ts is None else ts.strftime("%d-%b-%Y")


def moment(value: Any) -> str:
    """An instant as 05-Mar-2024 14:07 IST."""
    ts = ist(value)
    return DASH if ts is None else ts.strftime("%d-%b-%Y %H:%M IST")
