"""How figures read on the dashboard: the number and date formats of `analytics.fmt` (Indian
grouping, 05-Mar-2024, IST), in the reader's language (05-मार्च-2024 in Hindi), and text made
inert for Streamlit and Plotly."""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

from analytics import fmt as _core
from analytics.figures.registry import FIGURES, OVERVIEW, PROCESS_FIGURES, Figure
from analytics.fmt import (  # noqa: F401  (the dashboard's formatters are analytics.fmt's)
    BIDI_CONTROLS,
    DASH,
    LABELS,
    indian,
    missing,
    percent,
    ratio,
    shown,
)
from dashboard.i18n import _, current


def day(value: Any) -> str:
    """A date as 05-Mar-2024 (05-मार्च-2024 in Hindi): `analytics.fmt.day` in the page's
    language."""
    return _core.day(value, current())


def moment(value: Any) -> str:
    """An instant as 05-Mar-2024 14:07 IST, in the page's language."""
    return _core.moment(value, current())


def days(value: Any, decimals: int = 1, unit: str = "days") -> str:
    """A duration (2.5 days, 2.5 दिन) in the page's language."""
    return _core.days(value, decimals, unit, current())


def age(value: Any, unit: str = "days") -> str:
    """A duration as a person says it (`analytics.fmt.age`), in the page's language."""
    return _core.age(value, unit, current())


def level(value: Any, names: dict[int, str]) -> str:
    """A level with its name ('3 · Under Secretary'), in the page's language."""
    return _core.level(value, names, current())


def figure(name: str | Figure, value: Any) -> str:
    """A figure's value as the registry says it reads, in the page's language."""
    return _core.figure(name, value, current())


KINDS: dict[str, Any] = {**_core.KINDS, "days": days}
"""The formatter of each kind of figure, days in the page's language."""

_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_JOIN = re.compile(r"(?<=[:@])(?=\S)|(?<=\bwww)(?=\.)|(?<=[-<>~])(?=[-<>=])", re.IGNORECASE)
"""Where Streamlit still makes something of escaped text (it rewrites the text itself, after
Markdown is parsed): `:smile:` and `:material/icon:` shortcodes, bare links (`http://`,
`www.`, `a@b.in`) and typographic pairs (`->`, `--`, `<=`). A word joiner (U+2060,
invisible, no line break) goes between the two characters."""
WORD_JOINER = "\u2060"


def plain(value: Any) -> str:
    """A data or URL value made inert for anything Streamlit renders as Markdown (st.markdown,
    st.warning, st.caption, st.subheader, metric labels and values...): `shown`, then every
    ASCII punctuation mark backslash-escaped, so no link, image, emphasis, LaTeX `$`, HTML,
    heading, list or `:red[...]` directive can form, and a word joiner where Streamlit would
    still make an emoji, icon, bare link or arrow (see `_JOIN`). It reads as the text itself."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", _JOIN.sub(WORD_JOINER, shown(value)))


def shown_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table to show: each text cell through `shown`, a missing one blank (never "None");
    other cells as they are."""
    out = frame.copy()
    for name, col in out.items():
        if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype | pd.StringDtype):
            out[name] = [
                shown(v) if isinstance(v, str) else "" if missing(v) or v is pd.NaT else v
                for v in col.tolist()
            ]
    out.columns = [shown(c) if isinstance(c, str) else c for c in out.columns]
    return out


def label(value: Any) -> str:
    """A data value for a Plotly label, axis tick or hover text: `shown`, HTML-escaped (Plotly
    renders <a href>, <b>, <br> ... in text; it shows &lt; as <)."""
    return html.escape(shown(value), quote=False)


def table(frame: pd.DataFrame, formats: dict[str, Any]) -> pd.DataFrame:
    """A copy for display: each listed column through its formatter, others as they are."""
    out = frame.copy()
    for column, formatter in formats.items():
        if column in out:
            out[column] = [formatter(v) for v in out[column].tolist()]
    return out


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns renamed to the words a department head reads, in the reader's language."""
    return frame.rename(columns=heading)


def headed(frame: pd.DataFrame, headings: dict[str, str]) -> pd.DataFrame:
    """`frame` with the columns `headings` names (column → message id) headed in the reader's
    language."""
    return frame.rename(columns={c: _(h) for c, h in headings.items()})


def word(value: Any, words: dict[str, str]) -> Any:
    """A stored code (a status, an outcome) in the reader's words (`words`: code → message
    id); a code `words` does not know, as stored."""
    return _(words[value]) if value in words else value


def heading(column: str) -> str:
    """A column's heading: the registry's or `LABELS`' words, translated."""
    return _(LABELS.get(column, column.replace("_", " ").capitalize()))


def formats(*names: str) -> dict[str, Any]:
    """Column → formatter for the figures named (every registry figure when none is)."""
    chosen = names or tuple(FIGURES)
    return {n: KINDS[(FIGURES.get(n) or PROCESS_FIGURES[n]).kind] for n in chosen}


def change(name: str | Figure, value: Any) -> str:
    """A change of a figure with its sign: +1,234, -0.6, +2.7 pts (a share's change is in
    percentage points)."""
    entry = FIGURES[name] if isinstance(name, str) else name
    if missing(value):
        return DASH
    sign = "+" if value > 0 else "-" if value < 0 else ""
    if entry.kind == "share":
        return _("{change} pts").format(change=sign + indian(100 * abs(float(value)), 1))
    if entry.kind == "count":
        return sign + indian(abs(value))
    return sign + figure(entry, abs(value))


def month(value: Any) -> str:
    """A month as Mar-2024."""
    return day(value)[3:]


FIGURE_FORMATS: dict[str, Any] = {"as_of": moment, **formats(*OVERVIEW)}
"""How each overview figure (and a state's T) reads."""
