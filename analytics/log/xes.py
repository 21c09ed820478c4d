"""XES (IEEE 1849, XES 1.0) in: an `.xes` or `.xes.gz` log as rows of the canonical columns.

Read (`read_table`, used by `analytics.log.reading`): each event becomes a row of the
canonical columns, every column taken from the first of its XES keys (`DEFAULT_MAPPING`) that
the event has, else that the trace has. A mapping file (YAML or JSON, `load_mapping`) names
other keys, e.g. `{to_user: [org:resource], action: [lifecycle:transition], actions: {start:
created, complete: moved}}`. Without an action, a trace's first event is `created` and the
others `moved`; without `from_user`, an event's sender is the previous event's receiver.
Written logs come from `analytics.outputs.xes`.
"""

from __future__ import annotations

import gzip
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd
import yaml

from analytics.schema import EVENT_COLUMNS

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
