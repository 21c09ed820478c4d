"""XES (IEEE 1849, XES 1.0) out and in: one trace per file, one event per log event.

Written (`write_xes`): the log's `concept`, `time` and `org` extensions; per trace
`concept:name` = `<state>/<file_id>` (unique across states) and the file's attributes
`state`, `department`, `file_id`, `file_number`, `subject`, `file_type`; per event
`concept:name` = the action, `time:timestamp` (IST, with its offset), `org:resource` = the
holder (the receiver after `created`, `moved`, `reopened`; the officer who parked or closed
it after `parked`, `closed`), `org:role` = that holder's level (absent when unmapped), and
the event's own `from_user`, `to_user`, `from_designation`, `to_designation`, `received_at`
and (with the names permission) `remarks`, so reading the file back gives the same log.

Read (`read_table`, used by `analytics.log.reading` for `.xes` and `.xes.gz` files): each event
becomes a row of the canonical columns, every column taken from the first of its XES keys
(`DEFAULT_MAPPING`) that the event has, else that the trace has. A mapping file (YAML or
JSON, `load_mapping`) names other keys, e.g. `{to_user: [org:resource], action:
[lifecycle:transition], actions: {start: created, complete: moved}}`. Without an action, a
trace's first event is `created` and the others `moved`; without `from_user`, an event's
sender is the previous event's receiver.
"""

from __future__ import annotations

import gzip
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

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

DEFAULT_MAPPING: dict[str, tuple[str, ...]] = {
    "state": ("state",),
    "department": ("department", "org:group"),
    "file_id": ("file_id", "concept:name"),
    "file_number": ("file_number",),
    "subject": ("subject",),
    "file_type": ("file_type",),
    "action": ("action", "concept:name"),
    "from_user": ("from_user",),
    "to_user": ("to_user", "org:resource"),
    "from_designation": ("from_designation",),
    "to_designation": ("to_designation",),
    "timestamp": ("timestamp", "time:timestamp"),
    "received_at": ("received_at",),
    "remarks": ("remarks",),
}
"""Canonical column → the XES keys it is read from, first found first (the event's, then
the trace's). `file_id` reads the trace's `file_id`, else its `concept:name`."""
_TRACE_FIRST = frozenset({"file_id", "state", "department", "file_number", "subject"})
"""Columns looked up on the trace before the event (a file's, not an event's)."""


# --- out ------------------------------------------------------------------------------------


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


# --- in -------------------------------------------------------------------------------------


def is_xes(head: bytes) -> bool:
    """Whether a file's first bytes are gzip or XML text starting an XES log."""
    if head[:2] == b"\x1f\x8b":
        return True
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:4096]
    if text.startswith(b"<?xml"):
        return b"<log" in text
    return text.startswith(b"<log")


class MappingError(ValueError):
    """An XES mapping file that cannot be used (the message names the file and why)."""


def load_mapping(path: Path) -> dict[str, Any]:
    """A mapping file (YAML or JSON): canonical column → an XES key or a list of keys, and
    optionally `actions: {value: action}`. Unknown columns are refused, naming them."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML too
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not readable as YAML or JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise MappingError(f"{path}: an XES mapping is a table of column: key(s)")
    unknown = sorted(set(data) - set(DEFAULT_MAPPING) - {"actions"})
    if unknown:
        known = ", ".join(DEFAULT_MAPPING)
        raise MappingError(f"{path}: unknown column(s) {', '.join(unknown)} (known: {known})")
    actions = data.get("actions") or {}
    if not isinstance(actions, dict):
        raise MappingError(f"{path}: actions is a table of value: action")
    out: dict[str, Any] = {"actions": {str(k): str(v) for k, v in actions.items()}}
    for column, keys in data.items():
        if column != "actions":
            out[column] = (keys,) if isinstance(keys, str) else tuple(str(k) for k in keys)
    return out


def keys_for(column: str, mapping: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The XES keys a canonical column is read from."""
    if mapping and column in mapping:
        return tuple(mapping[column])
    return DEFAULT_MAPPING[column]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


_ATTRIBUTE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id", "list"})


def _traces(stream: IO[bytes]) -> Iterator[tuple[dict[str, str], list[dict[str, str]]]]:
    """Each trace's attributes and its events' attributes (top-level keys only), in order."""
    depth_tags: list[str] = []
    trace: dict[str, str] = {}
    events: list[dict[str, str]] = []
    event: dict[str, str] | None = None
    for kind, element in ET.iterparse(stream, events=("start", "end")):
        tag = _local(element.tag)
        if kind == "start":
            depth_tags.append(tag)
            if tag == "trace":
                trace, events = {}, []
            elif tag == "event":
                event = {}
            continue
        depth_tags.pop()
        parent = depth_tags[-1] if depth_tags else ""
        if tag in _ATTRIBUTE_TAGS and parent in ("trace", "event"):
            key, value = element.get("key"), element.get("value")
            if key is not None and value is not None:
                target = trace if parent == "trace" else event
                if target is not None:
                    target[key] = value
        elif tag == "event" and parent == "trace" and event is not None:
            events.append(event)
            event = None
            element.clear()
        elif tag == "trace":
            yield trace, events
            element.clear()


def read_table(name: str, data: bytes, mapping: dict[str, Any] | None = None) -> pd.DataFrame:
    """An XES log's events as raw cells under canonical column names (strings), in document
    order; `attrs["header"]` names the XES key each column came from. Unusable XML raises
    ValueError naming what is wrong."""
    keys = dict(DEFAULT_MAPPING)
    actions: dict[str, str] = {}
    if mapping:
        actions = dict(mapping.get("actions", {}))
        keys.update({c: tuple(v) for c, v in mapping.items() if c != "actions"})
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ValueError(f"the gzip data is damaged ({exc})") from exc
    rows: dict[str, list[str]] = {c: [] for c in EVENT_COLUMNS}
    used: dict[str, str] = {}
    try:
        for trace, events in _traces(io.BytesIO(data)):
            previous_holder = ""
            for n, event in enumerate(events):
                for column in EVENT_COLUMNS:
                    first, second = (trace, event) if column in _TRACE_FIRST else (event, trace)
                    value, source = "", None
                    for key in keys[column]:
                        if key in first:
                            value, source = first[key], key
                            break
                        if key in second and not (column == "file_id" and second is event):
                            value, source = second[key], key
                            break
                    if column == "action":
                        if source is None:
                            value = "created" if n == 0 else "moved"
                        value = actions.get(value, value)
                    if source is not None:
                        used.setdefault(column, source)
                    rows[column].append(value)
                if not any(k in event for k in keys["from_user"]):
                    rows["from_user"][-1] = previous_holder
                previous_holder = rows["to_user"][-1] or rows["from_user"][-1]
    except ET.ParseError as exc:
        raise ValueError(f"not a readable XES log ({exc})") from exc
    if not rows["action"]:
        raise ValueError("the XES log holds no event")
    used.setdefault("action", "(first event created, the others moved)")
    used.setdefault("from_user", "(the previous event's holder)")
    raw = pd.DataFrame({c: pd.Series(v, dtype="str") for c, v in rows.items() if c in used})
    raw.attrs["header"] = used
    return raw


# --- the store's events, scoped and pseudonymised -------------------------------------------


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
    events = map_levels(events, store.levels())
    events["department"] = file_departments(events)
    return pseudonymise(events, scope)
