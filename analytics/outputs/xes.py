"""XES (IEEE 1849, XES 1.0) out: one trace per file, one event per log event.

Written (`write_xes`): the log's `concept`, `time` and `org` extensions; per trace
`concept:name` = `<state>/<file_id>` (unique across states) and the file's attributes
`state`, `department`, `file_id`, `file_number`, `subject`, `file_type`; per event
`concept:name` = the action, `time:timestamp` (IST, with its offset), `org:resource` = the
holder (the receiver after `created`, `moved`, `reopened`; the officer who parked or closed
it after `parked`, `closed`), `org:role` = that holder's level (absent when unmapped), and
the event's own `from_user`, `to_user`, `from_designation`, `to_designation`, `received_at`
and (with the names permission) `remarks`, so reading the file back
(`analytics.log.xes.read_table`) gives the same log.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.access.pseudonyms import pseudonymise
from analytics.access.scope import Scope, load_scoped
from analytics.figures.metrics import file_departments, map_levels
from analytics.schema import EVENT_COLUMNS, IST

if TYPE_CHECKING:
    from analytics.store.store import Store

XES_NS = "http://www.xes-standard.org/"
EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)
TRACE_ATTRIBUTES = ("state", "department", "file_id", "file_number", "subject", "file_type")
"""The file's attributes each trace carries (besides `concept:name`)."""
EVENT_ATTRIBUTES = ("from_user", "to_user", "from_designation", "to_designation")
HOLDER_AFTER = {"created": "to_user", "moved": "to_user", "reopened": "to_user"}
"""Whose the file is after each action (else the sender's: `parked`, `closed`)."""


# --- writing ------------------------------------------------------------------------------------


def _attr(kind: str, key: str, value: str) -> str:
    return f'<{kind} key="{key}" value="{_escape(value)}"/>'


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def _moments(values: pd.Series) -> np.ndarray:
    """IST xs:dateTime text with microseconds and the offset ('' where missing)."""
    local = values.dt.tz_convert(IST)
    text = local.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").fillna("")
    return np.where(text.ne("").to_numpy(), (text + "+05:30").to_numpy(), "")


BLOCK_EVENTS = 200_000
"""Events turned into text at a time (whole traces): the writer's memory stays bounded."""


def _escaper(values: pd.Series) -> Callable[[int, int], np.ndarray]:
    """A function giving rows lo:hi of a column as escaped XML attribute text ('' for
    missing); a categorical's categories are escaped once, for every block."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = [_escape(str(v)) for v in values.cat.categories]
        table = np.array([*cats, ""], dtype=object)
        codes = values.cat.codes.to_numpy()
        return lambda lo, hi: table[np.where(codes[lo:hi] < 0, len(cats), codes[lo:hi])]

    def block(lo: int, hi: int) -> np.ndarray:
        part = values.iloc[lo:hi]
        text = part.astype(object).where(part.notna(), "")
        return np.array([_escape(str(v)) for v in text.tolist()], dtype=object)

    return block


def _block_text(
    events: pd.DataFrame,
    text: dict[str, Callable[[int, int], np.ndarray]],
    lo: int,
    starts: np.ndarray,
    ends: np.ndarray,
    remarks: bool,
) -> str:
    """The traces of rows lo:… of `events` (`starts` / `ends` of each trace relative to lo)
    as XES text; `text` gives each column's escaped cells."""
    hi = lo + int(ends[-1])
    cols = {c: escaped(lo, hi) for c, escaped in text.items()}
    events = events.iloc[lo:hi]
    action = cols["action"]
    takes_to = np.isin(action, list(HOLDER_AFTER))
    resource = np.where(takes_to, cols["to_user"], cols["from_user"])
    level = np.where(takes_to, events["to_level"], events["from_level"])
    role = np.array(["" if pd.isna(v) else str(int(v)) for v in level], dtype=object)
    stamp, received = _moments(events["timestamp"]), _moments(events["received_at"])
    named = [(c, cols[c]) for c in EVENT_ATTRIBUTES]
    if remarks:
        named.append(("remarks", cols["remarks"]))
    parts: list[str] = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        case = f"{cols['state'][a]}/{cols['file_id'][a]}"
        parts += ["<trace>", f'<string key="concept:name" value="{case}"/>']
        parts += [
            f'<string key="{c}" value="{cols[c][a]}"/>' for c in TRACE_ATTRIBUTES if cols[c][a]
        ]
        for i in range(a, b):
            parts.append(
                f'<event><string key="concept:name" value="{action[i]}"/>'
                f'<date key="time:timestamp" value="{stamp[i]}"/>'
            )
            if resource[i]:
                parts.append(f'<string key="org:resource" value="{resource[i]}"/>')
            if role[i]:
                parts.append(f'<string key="org:role" value="{role[i]}"/>')
            parts += [f'<string key="{c}" value="{v[i]}"/>' for c, v in named if v[i]]
            if received[i]:
                parts.append(f'<date key="received_at" value="{received[i]}"/>')
            parts.append("</event>")
        parts.append("</trace>\n")
    return "".join(parts)


def write_xes(events: pd.DataFrame, out: Path | IO[bytes], *, remarks: bool = True) -> int:
    """Write `events` (ordered: `file_key`, `seq`; with `from_level` / `to_level` and each
    event's file `department`) as XES 1.0; gzip when `out` is a path ending in `.gz`.
    Returns the number of traces. `remarks=False` leaves the free-text remarks out.
    Written a block of whole traces at a time (`BLOCK_EVENTS`)."""
    keys = events["file_key"].to_numpy()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.array([])
    ends = np.r_[starts[1:], len(keys)].astype(np.int64) if len(keys) else np.array([])
    starts = starts.astype(np.int64)

    def lines() -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield f'<log xes.version="1.0" xes.features="" xmlns="{XES_NS}">\n'
        for name, prefix, uri in EXTENSIONS:
            yield f'<extension name="{name}" prefix="{prefix}" uri="{uri}"/>\n'
        yield '<global scope="trace">' + _attr("string", "concept:name", "") + "</global>\n"
        yield (
            '<global scope="event">'
            + _attr("string", "concept:name", "")
            + _attr("date", "time:timestamp", "1970-01-01T00:00:00.000+00:00")
            + "</global>\n"
        )
        yield '<classifier name="Action" keys="concept:name"/>\n'
        yield _attr("string", "concept:name", "e-Office file movements") + "\n"
        text = {c: _escaper(events[c]) for c in EVENT_COLUMNS if c != "remarks" or remarks}
        first = 0
        while first < len(starts):
            lo = int(starts[first])
            last = int(np.searchsorted(starts, lo + BLOCK_EVENTS, side="left"))
            last = max(last, first + 1)
            yield _block_text(
                events, text, lo, starts[first:last] - lo, ends[first:last] - lo, remarks
            )
            first = last
        yield "</log>\n"

    if isinstance(out, Path):
        opener = gzip.open if out.name.endswith(".gz") else open
        with opener(out, "wt", encoding="utf-8", newline="\n") as handle:
            handle.writelines(lines())
    else:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
        text.writelines(lines())
        text.detach()
    return len(starts)


def export_events(
    store: Store,
    scope: Scope,
    *,
    states: Sequence[str] | None = None,
    departments: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The stored events the scope (and `states` / `departments`) allow, in log order, with
    their levels and each file's department, officer names pseudonymised unless the scope
    has the names permission: what `write_xes` writes for this reader."""
    events = load_scoped(
        store, scope, "events", states=states, departments=departments, protect=False
    )
    events = map_levels(events, store.levels.current())
    events["department"] = file_departments(events)
    return pseudonymise(events, scope)
