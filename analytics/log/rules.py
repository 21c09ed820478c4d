"""The validation rules of log-format.md, one small function each, returning coded issues.

A rule looks at one file's cells (`Cells`) and returns `Hits`: the rows it rejects (or warns
about), the column, a stable `code` and, per row, the `params` its message needs. The English
text of every code is one `str.format` template in `MESSAGES`; `Issue.message()` renders it,
and a translated interface can render its own template from the same code and params.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from analytics.log.formats import GIVEN_ONCE, NOT_UTF8, TIME_COLUMNS, UNUSABLE, as_text
from analytics.schema import IST

MESSAGES: dict[str, str] = {
    "missing_value": "{header} is blank",
    "missing_given_once": "{header} is blank (no such column, and none given for the upload)",
    "missing_for_action": "{header} is blank; a '{action}' event needs it",
    "unknown_action": (
        "'{value}' is not a known action (created, moved, parked, closed, reopened or an alias "
        "of one)"
    ),
    "unreadable_timestamp": "'{value}' is not a readable date and time",
    "future_timestamp": (
        "timestamp is in the future: '{value}' is after the moment the extract was read "
        "({read_at} IST) plus {minutes} minutes of clock drift"
    ),
    "control_character": "'{value}' holds a control character, which no cell may",
    "not_utf8": (
        "'{value}' holds bytes that are not UTF-8 in a file that is otherwise UTF-8 (a "
        "Windows-1252 character?); save the file as UTF-8"
    ),
    "too_many_values": "the row has more values than the header has columns",
    "unreadable_received_at": "'{value}' is not a readable date and time; left empty",
    "unknown_file_type": "'{value}' is not a known file type; counted as electronic",
    "read_summary": (
        "read {rows_read:,} rows: {rows_accepted:,} accepted, {rows_rejected:,} rejected, "
        "{duplicates_dropped:,} duplicates dropped"
    ),
    **UNUSABLE,  # a whole file's reasons, translated and read back the same way
}
"""Each code's English template (`str.format` placeholders filled from the issue's params)."""

CLOCK_DRIFT = timedelta(minutes=15)
"""A row dated later than the moment of reading plus this is rejected as in the future."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters no cell may hold (tab, CR and LF are allowed)."""
_SUSPECT = re.compile(f"{CONTROL.pattern}|{NOT_UTF8}")


def message(code: str, params: dict[str, Any]) -> str:
    """The English text of a code with its params."""
    return MESSAGES[code].format(**params)


def _template_pattern(template: str) -> re.Pattern[str]:
    """The pattern a template's text matches, each placeholder a group (a repeated one must
    repeat its first value)."""
    parts = re.split(r"\{(\w+)\}", template)
    seen: set[str] = set()
    pattern = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            pattern += re.escape(part)
        else:
            pattern += f"(?P={part})" if part in seen else f"(?P<{part}>.+?)"
            seen.add(part)
    return re.compile(pattern, re.DOTALL)


_READ_BACK = sorted(
    ((code, _template_pattern(t)) for code, t in MESSAGES.items() if not re.search(r"\{\w+:", t)),
    key=lambda pair: -len(MESSAGES[pair[0]]),
)
"""Each row reason's template as a pattern, the longest (most specific) first (not the read
summary, whose numbers carry a format)."""


def coded(reason: str) -> tuple[str, dict[str, str]] | None:
    """A reason stored in English (a stored upload's rejected rows keep only the text) read
    back as its code and params (`MESSAGES`), so it can be shown in another language; None
    for text no template makes."""
    for code, pattern in _READ_BACK:
        found = pattern.fullmatch(reason)
        if found:
            return code, found.groupdict()
    return None


def printable(text: object) -> str:
    """Text with each control character (tab, CR and LF apart) shown as `\\xNN`, so a
    message or stored cell never carries one (PostgreSQL refuses NUL in text)."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


@dataclass(frozen=True)
class Issue:
    """One finding about one row: a `code` of `MESSAGES`, the canonical `column` ("" for the
    whole row) and the `params` its message needs."""

    code: str
    column: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self) -> str:
        """The English text (what the `reason` of a rejected row or warning says)."""
        return message(self.code, self.params)

    def to_dict(self) -> dict[str, Any]:
        """`{"code", "column", "params"}`, as kept with a rejected row."""
        return {"code": self.code, "column": self.column, "params": dict(self.params)}


@dataclass
class Cells:
    """One file's cells as the rules see them: the raw cells (canonical column names, the
    file's own headers in `raw.attrs["header"]`), each row's line, the text columns (state and
    department filled from the upload when given), the canonical action (NA when unknown),
    the canonical file type (NA when unknown), the parsed times, and the moment of reading."""

    raw: pd.DataFrame
    lines: np.ndarray
    text: dict[str, pd.Series]
    action: pd.Series
    file_type: pd.Series
    timestamp: pd.Series
    received_at: pd.Series
    read_at: datetime

    @property
    def headers(self) -> dict[str, str]:
        """The file's own header of each canonical column it has."""
        return self.raw.attrs.get("header", {})

    def shown(self, column: str) -> str:
        """A column as the file names it (its canonical name when the file has none)."""
        return self.headers.get(column, column)

    @cached_property
    def timestamp_text(self) -> pd.Series:
        """The timestamp cells as stripped text."""
        return as_text(self.raw["timestamp"])

    @cached_property
    def received_text(self) -> pd.Series:
        """The received_at cells as stripped text ("" when the file has no such column)."""
        received = self.raw.get("received_at", pd.Series("", index=self.raw.index, dtype="str"))
        return as_text(received)


Params = dict[str, Any] | Callable[[np.ndarray], list[dict[str, Any]]]


@dataclass(frozen=True)
class Hits:
    """The rows (a boolean mask) a rule found, with one code and column; `params` is one
    dict for every row, or a function from the rows' positions to a dict per row (built
    only for the rows hit)."""

    mask: pd.Series | np.ndarray
    column: str
    code: str
    params: Params = field(default_factory=dict)

    def rows(self) -> np.ndarray:
        """Positions of the rows hit."""
        mask = self.mask.fillna(False) if isinstance(self.mask, pd.Series) else self.mask
        return np.flatnonzero(np.asarray(mask, dtype=bool))

    def issues(self, rows: np.ndarray) -> list[Issue]:
        """An Issue per row hit (`rows` = `self.rows()`)."""
        per_row = self.params(rows) if callable(self.params) else [self.params] * len(rows)
        return [Issue(self.code, self.column, p) for p in per_row]


Rule = Callable[[Cells], list[Hits]]


def _quoted(cells: pd.Series) -> Callable[[np.ndarray], list[dict[str, Any]]]:
    """Params naming each hit row's cell (`value`, printable)."""
    return lambda rows: [{"value": printable(v)} for v in cells.to_numpy()[rows]]


# --- rejections -----------------------------------------------------------------------------


def blank_keys(cells: Cells) -> list[Hits]:
    """state, department and file_id must not be blank (state and department may be given
    for the whole upload instead)."""
    return [
        Hits(
            cells.text[c].eq(""),
            c,
            "missing_given_once" if c in GIVEN_ONCE else "missing_value",
            _header(cells, c),
        )
        for c in ("state", "department", "file_id")
    ]


def blank_action(cells: Cells) -> list[Hits]:
    """Every row names an action."""
    return [Hits(cells.text["action"].eq(""), "action", "missing_value", _header(cells, "action"))]


def unknown_action(cells: Cells) -> list[Hits]:
    """The action is one of the five, or an alias of one."""
    typed = cells.text["action"]
    return [Hits(typed.ne("") & cells.action.isna(), "action", "unknown_action", _quoted(typed))]


def blank_timestamp(cells: Cells) -> list[Hits]:
    """Every row has a timestamp."""
    blank = cells.timestamp_text.eq("")
    return [Hits(blank, "timestamp", "missing_value", _header(cells, "timestamp"))]


def unreadable_timestamp(cells: Cells) -> list[Hits]:
    """The timestamp is in one of the forms log-format.md lists."""
    text = cells.timestamp_text
    unread = text.ne("") & cells.timestamp.isna()
    return [Hits(unread, "timestamp", "unreadable_timestamp", _quoted(text))]


def future_timestamp(cells: Cells) -> list[Hits]:
    """No row is dated after the moment of reading plus `CLOCK_DRIFT`."""
    read_at = pd.Timestamp(cells.read_at).tz_convert(IST)
    when = {"read_at": f"{read_at:%d-%b-%Y %H:%M}", "minutes": CLOCK_DRIFT.seconds // 60}
    text = cells.timestamp_text.to_numpy()
    return [
        Hits(
            cells.timestamp.gt(read_at + CLOCK_DRIFT),
            "timestamp",
            "future_timestamp",
            lambda rows: [{"value": printable(v), **when} for v in text[rows]],
        )
    ]


def bad_characters(cells: Cells) -> list[Hits]:
    """No cell holds a control character, or a byte that is not UTF-8 in a UTF-8 file
    (time columns apart: such a cell is no readable time, rejected or warned about)."""
    found = []
    for c, column in cells.raw.items():
        if c in TIME_COLUMNS:
            continue
        text = as_text(column)
        if not _has(text, _SUSPECT).any():  # one pass over the column, usually clean
            continue
        for pattern, code in ((CONTROL, "control_character"), (NOT_UTF8, "not_utf8")):
            hit = _has(text, pattern)
            if hit.any():
                found.append(Hits(hit, str(c), code, _quoted(text)))
    return found


def holder_needed(cells: Cells) -> list[Hits]:
    """A created, reopened or moved event names its receiver; a moved, parked or closed
    event names its sender."""
    action = cells.action
    found = []
    for c, actions in (
        ("to_user", ("created", "reopened", "moved")),
        ("from_user", ("moved", "parked", "closed")),
    ):
        shown = cells.shown(c)
        found.append(
            Hits(
                action.isin(actions) & cells.text[c].eq(""),
                c,
                "missing_for_action",
                lambda rows, shown=shown: [
                    {"header": shown, "action": a} for a in action.to_numpy()[rows]
                ],
            )
        )
    return found


def too_many_values(cells: Cells) -> list[Hits]:
    """A CSV row has no more values than the header has columns."""
    ragged = cells.raw.attrs.get("ragged", {})
    if not ragged:
        return []
    return [Hits(np.isin(cells.lines, list(ragged)), "", "too_many_values")]


RULES: tuple[Rule, ...] = (
    blank_keys,
    blank_action,
    unknown_action,
    blank_timestamp,
    unreadable_timestamp,
    future_timestamp,
    bad_characters,
    holder_needed,
    too_many_values,
)
"""The rules that reject a row, in the order a row's reasons are listed."""


# --- warnings (the row is kept) -------------------------------------------------------------


def unreadable_received_at(cells: Cells) -> list[Hits]:
    """A moved event's received_at that is no readable time is left empty."""
    text = cells.received_text
    unread = text.ne("") & cells.received_at.isna() & cells.action.eq("moved")
    return [Hits(unread, "received_at", "unreadable_received_at", _quoted(text))]


def unknown_file_type(cells: Cells) -> list[Hits]:
    """A file type that is neither electronic nor physical (nor an alias of one) is counted
    as electronic."""
    typed = cells.text["file_type"]
    unknown = typed.ne("") & cells.file_type.isna()
    return [Hits(unknown, "file_type", "unknown_file_type", _quoted(typed))]


WARNINGS: tuple[Rule, ...] = (unknown_file_type, unreadable_received_at)
"""The rules that keep the row but warn; a line's warnings are listed by column name, which
this order gives."""


# --- applying rules -------------------------------------------------------------------------


def find(cells: Cells, rules: Sequence[Rule]) -> list[tuple[int, Issue]]:
    """(row position, issue) for every row the rules hit, by line and then rule order."""
    found: list[tuple[int, int, int, Issue]] = []
    hits = (h for rule in rules for h in rule(cells))
    for order, hit in enumerate(hits):
        rows = hit.rows()
        for position, issue in zip(rows, hit.issues(rows), strict=True):
            found.append((int(cells.lines[position]), order, int(position), issue))
    found.sort(key=lambda f: (f[0], f[1]))
    return [(position, issue) for _, _, position, issue in found]


def _header(cells: Cells, column: str) -> dict[str, Any]:
    return {"header": cells.shown(column)}


def _has(cells: pd.Series, pattern: re.Pattern[str] | str) -> pd.Series:
    """True where a text cell holds the pattern (once per distinct value of a categorical)."""
    regex = not isinstance(pattern, str)
    if not isinstance(cells.dtype, pd.CategoricalDtype):
        needle = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        return cells.astype("str").str.contains(needle, regex=regex).fillna(False)
    categories = cells.cat.categories
    if isinstance(pattern, str):
        found = np.array([pattern in c for c in categories], dtype=bool)
    else:
        found = np.array([pattern.search(c) is not None for c in categories], dtype=bool)
    if not found.any():
        return pd.Series(False, index=cells.index)
    codes = cells.cat.codes.to_numpy()
    return pd.Series(np.r_[found, False][codes], index=cells.index)
