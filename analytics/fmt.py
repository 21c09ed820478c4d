"""How figures read for people, wherever they are shown (dashboard, monthly report):
Indian digit grouping (12,34,567), dates as 05-Mar-2024, times in IST.

In Hindi (`lang="hi"`) dates read 05-मार्च-2024 (Hindi month names), numbers keep the
Indian grouping in Western digits (as Government of India dashboards usually write them), and
the few words the formatters themselves write (days, working days, under, Unmapped, Level)
are in Hindi; every other word is translated by the dashboard's catalogue.

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
HINDI_MONTHS = (
    "जनवरी",
    "फ़रवरी",
    "मार्च",
    "अप्रैल",
    "मई",
    "जून",
    "जुलाई",
    "अगस्त",
    "सितंबर",
    "अक्टूबर",
    "नवंबर",
    "दिसंबर",
)
"""The months in Hindi, January first (as the Central Secretariat writes them)."""
WORDS: dict[str, dict[str, str]] = {
    "hi": {
        "days": "दिन",
        "working days": "कार्य दिवस",
        "Unmapped": "स्तर अनिर्धारित",
        "Level": "स्तर",
        "under": "से कम",
    }
}
"""The words the formatters write themselves, per language other than English."""


def _word(word: str, lang: str) -> str:
    return WORDS.get(lang, {}).get(word, word)


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


def days(value: Any, decimals: int = 1, unit: str = "days", lang: str = "en") -> str:
    """A duration: 2.5 → '2.5 days' (unit 'working days' → '2.5 working days'; 1 singular).
    In Hindi '2.5 दिन', '1 कार्य दिवस' (the unit in English or already in Hindi)."""
    if missing(value):
        return DASH
    text = indian(value, decimals)
    if lang != "en":
        return f"{text} {_word(unit, lang)}".rstrip()
    return f"{text} {unit[:-1]}" if text in {"1", "1.0", "1.00"} else f"{text} {unit}"


def age(value: Any, unit: str = "days", lang: str = "en") -> str:
    """A duration as a person says it: whole days from 10 on (358 days), one decimal below
    (2.5 days, 0.3 days), 'under 0.1 days' for a few minutes; '1 day'. In Hindi '358 दिन',
    '0.1 दिन से कम'."""
    if missing(value):
        return DASH
    if 0 < abs(float(value)) < 0.05:
        if lang != "en":
            return " ".join(w for w in ("0.1", _word(unit, lang), _word("under", lang)) if w)
        return f"under 0.1 {unit}".rstrip()
    return days(value, 0 if abs(float(value)) >= 10 else 1, unit, lang)


def _ist(value: Any) -> pd.Timestamp | None:
    if missing(value) or value is pd.NaT:
        return None
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return None
    return ts.tz_localize(IST) if ts.tzinfo is None else ts.tz_convert(IST)


def _dated(when: date, lang: str) -> str:
    if lang == "hi":
        return f"{when.day:02d}-{HINDI_MONTHS[when.month - 1]}-{when.year}"
    return when.strftime("%d-%b-%Y")


def day(value: date | datetime | pd.Timestamp | None, lang: str = "en") -> str:
    """A date as 05-Mar-2024, in Hindi 05-मार्च-2024 (an instant is first put in IST)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return _dated(value, lang)
    ts = _ist(value)
    return DASH if ts is None else _dated(ts, lang)


def month(when: date, lang: str = "en", short: bool = False) -> str:
    """A calendar month: September 2024 (short Sep-2024); in Hindi सितंबर 2024 (सितंबर-2024)."""
    if lang == "hi":
        return f"{HINDI_MONTHS[when.month - 1]}{'-' if short else ' '}{when.year}"
    return when.strftime("%b-%Y" if short else "%B %Y")


def moment(value: Any, lang: str = "en") -> str:
    """An instant as 05-Mar-2024 14:07 IST (in Hindi 05-मार्च-2024 14:07 IST)."""
    ts = _ist(value)
    return DASH if ts is None else f"{_dated(ts, lang)} {ts.strftime('%H:%M')} IST"


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


def figure(name: str | Figure, value: Any, lang: str = "en") -> str:
    """A figure's value as the registry says it reads (count, ratio, share, mean, days)."""
    entry = (FIGURES.get(name) or PROCESS_FIGURES[name]) if isinstance(name, str) else name
    if entry.kind == "days":
        return days(value, lang=lang)
    return KINDS[entry.kind](value)


def level(value: Any, names: dict[int, str], lang: str = "en") -> str:
    """A hierarchy level with its name: '3 · Under Secretary'; unmapped when empty."""
    if missing(value):
        return _word("Unmapped", lang)
    number = int(value)
    name = names[number] if number in names else f"{_word('Level', lang)} {number}"
    return f"{number} · {name}"


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
    "stint": "Stint",
    "from_designation": "From designation",
    "to_designation": "To designation",
    "timestamp": "Time",
    "received_at": "Received at",
    "remarks": "Remarks",
    "action": "Action",
}

"""Column headings: the figures registry's labels, and the words for the other columns."""
