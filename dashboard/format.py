"""How figures read on the dashboard: Indian digit grouping, 05-Mar-2024 dates, IST times."""

from __future__ import annotations

import html
import math
import re
from datetime import date, datetime
from typing import Any

import pandas as pd

from analytics.figures import FIGURES, OVERVIEW, PROCESS_FIGURES, Figure
from analytics.schema import IST

DASH = "–"

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters that reorder the text around them (right-to-left override U+202E and its kin):
dropped from everything shown, so data cannot reverse or disguise the text beside it."""
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_JOIN = re.compile(r"(?<=[:@])(?=\S)|(?<=\bwww)(?=\.)|(?<=[-<>~])(?=[-<>=])", re.IGNORECASE)
"""Where Streamlit still makes something of escaped text (it rewrites the text itself, after
Markdown is parsed): `:smile:` and `:material/icon:` shortcodes, bare links (`http://`,
`www.`, `a@b.in`) and typographic pairs (`->`, `--`, `<=`). A word joiner (U+2060,
invisible, no line break) goes between the two characters."""
WORD_JOINER = "\u2060"


def shown(value: Any) -> str:
    """A data value as text to show: bidi controls dropped, line breaks made spaces."""
    text = "" if _missing(value) else str(value)
    return " ".join(BIDI_CONTROLS.sub("", text).splitlines()) if text else text


def plain(value: Any) -> str:
    """A data or URL value made inert for anything Streamlit renders as Markdown (st.markdown,
    st.warning, st.caption, st.subheader, metric labels and values...): `shown`, then every
    ASCII punctuation mark backslash-escaped, so no link, image, emphasis, LaTeX `$`, HTML,
    heading, list or `:red[...]` directive can form, and a word joiner where Streamlit would
    still make an emoji, icon, bare link or arrow (see `_JOIN`). It reads as the text itself."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", _JOIN.sub(WORD_JOINER, shown(value)))


def shown_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table to show: each text cell through `shown` (other cells as they are)."""
    out = frame.copy()
    for name, col in out.items():
        if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype | pd.StringDtype):
            out[name] = [shown(v) if isinstance(v, str) else v for v in col.tolist()]
    out.columns = [shown(c) if isinstance(c, str) else c for c in out.columns]
    return out


def label(value: Any) -> str:
    """A data value for a Plotly label, axis tick or hover text: `shown`, HTML-escaped (Plotly
    renders <a href>, <b>, <br> ... in text; it shows &lt; as <)."""
    return html.escape(shown(value), quote=False)


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
    **{name: f.label for name, f in FIGURES.items()},
    **{name: f.label for name, f in PROCESS_FIGURES.items()},
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


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns renamed to the words a department head reads."""
    return frame.rename(columns=lambda c: LABELS.get(c, c.replace("_", " ").capitalize()))


def _mean(value: Any) -> str:
    return indian(value, 2)


KINDS: dict[str, Any] = {
    "count": indian,
    "ratio": ratio,
    "share": percent,
    "mean": _mean,
    "days": days,
}
"""The formatter of each kind of figure (`analytics.figures.Kind`)."""


def figure(name: str | Figure, value: Any) -> str:
    """A figure's value as the registry says it reads (count, ratio, share, mean, days)."""
    entry = (FIGURES.get(name) or PROCESS_FIGURES[name]) if isinstance(name, str) else name
    return KINDS[entry.kind](value)


def formats(*names: str) -> dict[str, Any]:
    """Column → formatter for the figures named (every registry figure when none is)."""
    chosen = names or tuple(FIGURES)
    return {n: KINDS[(FIGURES.get(n) or PROCESS_FIGURES[n]).kind] for n in chosen}


FIGURE_FORMATS: dict[str, Any] = {"as_of": moment, **formats(*OVERVIEW)}
"""How each overview figure (and a state's T) reads."""
