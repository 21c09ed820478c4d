"""Reading e-Office extracts (CSV, Excel, XES) into the canonical events table, with a
validation report: the files' bytes become raw cells (`analytics.log.formats`), the rows are
judged by the rules of `analytics.log.rules`, and the accepted events are put in log order
(`analytics.log.ordering`)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from analytics.log import rules
from analytics.log.formats import (
    GIVEN_ONCE,
    HEADER_ALIASES,
    MAX_BYTES_ENV,
    MAX_ROWS_ENV,
    TIME_COLUMNS,
    Source,
    UnusableInputError,
    UploadLimits,
    as_text,
    cell_text,
    load_table,
    map_categories,
)
from analytics.log.hierarchy import LevelTable
from analytics.log.ordering import broken_chains, may_repeat, order_events
from analytics.log.rules import printable
from analytics.schema import DEDUP_KEY, EVENT_COLUMNS, IST

ACTION_ALIASES: dict[str, tuple[str, ...]] = {
    "created": ("created", "create", "new", "file created", "opened"),
    "moved": (
        "moved",
        "forwarded",
        "sent",
        "send",
        "marked",
        "returned",
        "sent back",
        "movement",
    ),
    "parked": ("parked", "park", "parked file"),
    "closed": ("closed", "close", "disposed", "file closed"),
    "reopened": ("reopened", "reopen", "re-opened", "unparked", "unpark", "reactivated"),
}
FILE_TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    "electronic": ("electronic", "e", "efile", "e-file", "electronic file"),
    "physical": ("physical", "p", "physical file"),
}
DAY_FIRST_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y %I:%M %p",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %I:%M:%S %p",
    "%d-%m-%Y %I:%M %p",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y %H:%M",
    "%d-%b-%Y %I:%M:%S %p",
    "%d-%b-%Y %I:%M %p",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d-%b-%Y",
    "%d.%m.%Y",
)
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)


@dataclass
class ValidationReport:
    """What reading found; `to_dict()` is the JSON form of log-format.md."""

    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    duplicates_dropped: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    unknown_designations: dict[str, int] = field(default_factory=dict)
    broken_chains: int = 0
    files_without_created: int = 0
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready values."""
        return asdict(self)

    def summary_line(self) -> str:
        """One line: read, accepted, rejected, duplicates."""
        return rules.message("read_summary", self.counts())

    def counts(self) -> dict[str, int]:
        """The row counts (the params of the `read_summary` message)."""
        return {
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "duplicates_dropped": self.duplicates_dropped,
        }


@dataclass
class ReadResult:
    """Canonical events (+ `source`, `line`), the validation report and the rejected rows.

    `rejected_rows`: file, line, column, reason, raw (as stored) and `issues`, each row's list
    of `{"code", "column", "params"}` (`analytics.log.rules`), which the store does not keep.
    `touched`: the (state, department) pairs the rows name (accepted or rejected, blanks left
    out), sorted: whose data the upload concerns.
    """

    events: pd.DataFrame
    report: ValidationReport
    rejected_rows: pd.DataFrame
    touched: list[tuple[str, str]] = field(default_factory=list)
    read_order: np.ndarray | None = None
    """Each event's position in the order read (sources in the order given, each top to
    bottom), aligned with `events`' rows: the tie-break the store keeps (log-format.md)."""
    warning_issues: list[dict[str, Any]] = field(default_factory=list)
    """The coded form (`{"code", "column", "params"}`) of each of `report.warnings`, in the
    same order (in memory only: the stored report keeps the English)."""
    rejected_issues: list[dict[str, Any]] = field(default_factory=list)
    """The coded form of each of `report.rejected`, in the same order (in memory only)."""


def _normalise_value(text: str) -> str:
    return " ".join(text.replace("_", " ").lower().split())


_ACTION_LOOKUP = {
    _normalise_value(alias): canonical
    for canonical, aliases in ACTION_ALIASES.items()
    for alias in aliases
}
_FILE_TYPE_LOOKUP = {
    _normalise_value(alias): canonical
    for canonical, aliases in FILE_TYPE_ALIASES.items()
    for alias in aliases
}


def read_logs(
    sources: Sequence[Source],
    *,
    state: str | None = None,
    department: str | None = None,
    levels: LevelTable | None = None,
    read_at: datetime | None = None,
    limits: UploadLimits | None = None,
    xes_mapping: dict[str, Any] | None = None,
) -> ReadResult:
    """Read extracts in the order given into one de-duplicated log with its validation report.

    The events come in log order (`order_events`, with `file_key` and `seq`), text columns as
    categoricals. A row dated after `read_at` (default: now) plus `CLOCK_DRIFT` is rejected.
    With `limits`, a file over them is unusable (the message names the limit and its setting).
    An XES log (`.xes`, `.xes.gz`, recognised by its bytes) is read through `analytics.log.xes`,
    its keys named by `xes_mapping` (`xes.load_mapping`) where they are not the defaults.
    Raises UnusableInputError naming the first file that cannot be used at all.
    """
    run = _Run(state, department, datetime.now(UTC) if read_at is None else read_at, limits)
    frames, rejected = [], []
    for source in sources:
        events, bad_rows = _read_one(run, source, xes_mapping)
        frames.append(events)
        rejected.append(bad_rows)
    events, read_order = _ordered(run, frames)
    report = run.report
    report.unknown_designations = _unknown_designations(events, levels or LevelTable.default())
    report.files_without_created = _files_without_created(events)
    report.broken_chains = broken_chains(events)
    rejected_rows = (
        pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=_REJECTED)
    )
    return ReadResult(
        events,
        report,
        rejected_rows,
        sorted(run.touched),
        read_order,
        run.warning_issues,
        run.rejected_issues,
    )


_READ = "_read_order"
_REJECTED = ["file", "line", "column", "reason", "raw", "issues"]
"""The columns of `ReadResult.rejected_rows`."""


@dataclass
class _Run:
    """One call of `read_logs`: what it was given, and what it has found so far."""

    state: str | None
    department: str | None
    read_at: datetime
    limits: UploadLimits | None
    started: float = field(default_factory=time.monotonic)
    report: ValidationReport = field(default_factory=ValidationReport)
    touched: set[tuple[str, str]] = field(default_factory=set)
    warning_issues: list[dict[str, Any]] = field(default_factory=list)
    rejected_issues: list[dict[str, Any]] = field(default_factory=list)

    def check_time(self, name: str, stage: str) -> None:
        """Refuse the upload when it has taken longer than the limits allow."""
        if self.limits is not None:
            self.limits.check_time(name, self.started, stage)

    def check_rows(self, name: str, rows: int) -> None:
        """Refuse the upload when this file's rows take it past the most it may hold."""
        most = None if self.limits is None else self.limits.max_rows
        if most is not None and self.report.rows_read + rows > most:
            raise UnusableInputError(
                name,
                f"the upload has more than {most:,} data rows, the most one upload "
                f"may hold (setting {MAX_ROWS_ENV}); split it into smaller extracts",
            )


def _read_one(
    run: _Run, source: Source, xes_mapping: dict[str, Any] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One source's accepted events and rejected rows; its counts and issues go to the report."""
    name, data = _opened(source, run.limits)
    run.report.files.append(name)
    raw, lines = load_table(name, data, run.limits, xes_mapping)
    del data  # a large extract's bytes are not needed once parsed
    run.check_time(name, "parsing")
    run.check_rows(name, len(raw))
    _require_given_once(name, raw, run.state, run.department)
    cells = _cells(raw, lines, run.state, run.department, run.read_at)
    events, bad_rows = _validate(name, cells, run)
    run.report.rows_read += len(lines)
    run.report.rows_accepted += len(events)
    run.report.rows_rejected += len(bad_rows)
    run.check_time(name, "validation")
    return events, bad_rows


def _ordered(run: _Run, frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, np.ndarray]:
    """The files' events as one log in log order without repeats, and each event's position
    in the order read."""
    events = _concat(frames) if frames else empty_events()
    events[_READ] = np.arange(len(events), dtype=np.int64)
    ordered = order_events(events)
    if may_repeat(ordered):  # only then is the exact (and slower) search worth it
        duplicated = events.duplicated(subset=list(DEDUP_KEY), keep="first").to_numpy()
        run.report.duplicates_dropped = int(duplicated.sum())
        if run.report.duplicates_dropped:
            ordered = order_events(events[~duplicated])
    del events
    if run.report.files:
        run.check_time(run.report.files[-1], "ordering")
    read_order = ordered.pop(_READ).to_numpy()
    return ordered, read_order


def parse_moment(text: str) -> pd.Timestamp:
    """One moment typed by a person (`--as-of`), read by the log's timestamp rules
    (`parse_timestamps`: day-first, no offset = IST), as tz-aware IST.

    Raises ValueError when it is not a readable date and time.
    """
    moment = parse_timestamps(pd.Series([str(text).strip()], dtype="str")).iloc[0]
    if pd.isna(moment):
        raise ValueError(
            f"'{text}' is not a readable date and time (e.g. 2024-03-10 10:00, "
            "10/03/2024 10:00, 10-Mar-2024 10:00; day before month)"
        )
    return moment


def _require_given_once(
    name: str, raw: pd.DataFrame, state: str | None, department: str | None
) -> None:
    """A file without a `state` (or `department`) column and no value given for the upload is
    unusable: otherwise every row would be rejected as blank (log-format.md)."""
    given = {"state": state, "department": department}
    for c in GIVEN_ONCE:
        if c not in raw.columns and not (given[c] and str(given[c]).strip()):
            raise UnusableInputError.coded(
                name,
                "missing_given",
                column=c,
                tried=", ".join(HEADER_ALIASES[c]),
            )


def columns_found(source: Source, limits: UploadLimits | None = None) -> dict[str, str]:
    """The canonical columns a file has, each with the file's own header for it (e.g.
    `{"timestamp": "Sent On", ...}`): what an upload form asks for before validating (a
    file without a `state` column needs the state given). Raises UnusableInputError like
    `read_logs` for a file that cannot be used at all."""
    name, data = _opened(source, limits)
    raw, _ = load_table(name, data, limits)
    return dict(raw.attrs.get("header", {}))


def source_bytes(source: Source, limits: UploadLimits | None = None) -> tuple[str, bytes]:
    """A source's file name and bytes, read once (a pipe is read to its end once); an
    unreadable path, or more bytes than `limits` allow, is unusable input."""
    most = None if limits is None else limits.max_bytes
    if isinstance(source, tuple):
        name, data = source[0], bytes(source[1])
    else:
        path = Path(source)
        name = path.name
        try:
            with path.open("rb") as handle:
                data = handle.read() if most is None else handle.read(most + 1)
        except OSError as exc:
            raise UnusableInputError.coded(str(source), "cannot_read", error=exc.strerror) from exc
    if most is not None and len(data) > most:
        raise UnusableInputError(
            name,
            f"the file is larger than {most:,} bytes, the most one upload may hold "
            f"(setting {MAX_BYTES_ENV}); split it into smaller extracts",
        )
    return name, data


_READ_WHOLE_BELOW = 8 << 20
"""Files smaller than this are read into memory whole; larger ones stream from disk."""


def _opened(source: Source, limits: UploadLimits | None = None) -> tuple[str, bytes | Path]:
    """A source's file name and its bytes, or its path when the file is large enough to be
    parsed straight from disk (so its bytes are never all held at once). Uploads (`limits`
    given) are always read once into bytes: what is checked is what is stored."""
    if isinstance(source, tuple) or limits is not None:
        return source_bytes(source, limits)
    path = Path(source)
    try:
        if path.is_file() and path.stat().st_size > _READ_WHOLE_BELOW:
            with path.open("rb"):
                return path.name, path
    except OSError:
        pass  # source_bytes says why
    return source_bytes(path)


# --- validation: raw cells to canonical events ----------------------------------------------


def _text_cells(values: pd.Series) -> pd.Series:
    """Text cells as a categorical (every reader has already made them stripped text)."""
    return values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")


def _blank_as_missing(values: pd.Series) -> pd.Series:
    """Blank text cells as NA."""
    if "" not in values.cat.categories:
        return values
    return values.cat.remove_categories([""])


# --- validation: raw cells to canonical events ----------------------------------------------


def parse_timestamps(values: pd.Series) -> pd.Series:
    """Timestamps in every form of log-format.md as tz-aware IST; NaT where unreadable.

    Naive stamps are IST; a date alone is 00:00 IST; Excel date cells are read as dates.
    """
    out = pd.Series(pd.NaT, index=values.index, dtype=pd.DatetimeTZDtype("us", IST))
    is_dt = values.map(lambda v: isinstance(v, datetime)) if values.dtype == object else None
    if is_dt is not None and is_dt.any():
        cells = pd.to_datetime(values[is_dt].astype(object), errors="coerce")
        if getattr(cells.dt, "tz", None) is None:
            cells = cells.dt.tz_localize(IST)
        out[is_dt] = cells.dt.tz_convert(IST).dt.as_unit("us")
        values = values.where(~is_dt, "")
    text = as_text(values)
    todo = text.ne("") & out.isna()
    fast = pd.to_datetime(
        text if todo.all() else text[todo], format="%Y-%m-%d %H:%M:%S", errors="coerce"
    )
    if len(fast) == len(out) and fast.notna().all():
        return fast.dt.tz_localize(IST).dt.as_unit("us")
    _fill(out, fast, naive=True)
    todo &= out.isna()
    if todo.any():
        rest = text[todo]
        has_offset = rest.str.contains(_OFFSET) & rest.str.match(r"\d{4}-")
        aware = pd.to_datetime(rest[has_offset], format="ISO8601", utc=True, errors="coerce")
        _fill(out, aware, naive=False)
        naive = pd.to_datetime(rest[~has_offset], format="ISO8601", errors="coerce")
        _fill(out, naive, naive=True)
        for fmt in DAY_FIRST_FORMATS:
            todo &= out.isna()
            if not todo.any():
                break
            _fill(out, pd.to_datetime(text[todo], format=fmt, errors="coerce"), naive=True)
    return out


def _fill(out: pd.Series, parsed: pd.Series, *, naive: bool) -> None:
    parsed = parsed.dropna()
    if parsed.empty:
        return
    parsed = parsed.dt.tz_localize(IST) if naive else parsed.dt.tz_convert(IST)
    out.loc[parsed.index] = parsed.dt.as_unit("us")


def _cells(
    raw: pd.DataFrame,
    lines: np.ndarray,
    state: str | None,
    department: str | None,
    read_at: datetime,
) -> rules.Cells:
    """What the rules look at: the text columns (state and department filled from the upload
    where given, designations with single spaces), the canonical action and file type (NA
    when unknown) and the parsed times."""
    n = len(raw)
    blank = pd.Series(pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [""]), index=raw.index)
    values = {
        c: _text_cells(raw[c]) if c in raw else blank
        for c in EVENT_COLUMNS
        if c not in TIME_COLUMNS
    }
    for c, given in zip(GIVEN_ONCE, (state, department), strict=True):
        if given:
            fill = str(given).strip()
            values[c] = map_categories(values[c], lambda v, fill=fill: v or fill)
    for c in ("from_designation", "to_designation"):
        values[c] = map_categories(values[c], lambda d: " ".join(d.split()))
    received = raw.get("received_at", pd.Series("", index=raw.index, dtype="str"))
    return rules.Cells(
        raw=raw,
        lines=lines,
        text=values,
        action=map_categories(values["action"], lambda a: _ACTION_LOOKUP.get(_normalise_value(a))),
        file_type=map_categories(
            values["file_type"], lambda t: _FILE_TYPE_LOOKUP.get(_normalise_value(t))
        ),
        timestamp=parse_timestamps(raw["timestamp"]),
        received_at=parse_timestamps(received),
        read_at=read_at,
    )


def _validate(name: str, cells: rules.Cells, run: _Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One file's accepted events and rejected rows, by the rules of `analytics.log.rules`;
    the rejections and warnings (with their codes) and the (state, department) pairs named
    go to `run`."""
    pairs = pd.DataFrame({"s": cells.text["state"], "d": cells.text["department"]})
    run.touched.update(
        (str(s), str(d))
        for s, d in pairs.drop_duplicates().itertuples(index=False)
        if str(s) and str(d)
    )
    rejections = rules.find(cells, rules.RULES)
    warnings = rules.find(cells, rules.WARNINGS)
    entries = _entries(name, cells, rejections)
    run.report.rejected.extend(entries)
    run.report.warnings.extend(_entries(name, cells, warnings))
    run.warning_issues.extend(issue.to_dict() for _, issue in warnings)
    run.rejected_issues.extend(issue.to_dict() for _, issue in rejections)
    bad = np.zeros(len(cells.lines), dtype=bool)
    bad[[position for position, _ in rejections]] = True
    events = _events(name, cells, ~bad)
    rejected_rows = _rejected_rows(name, cells, rejections, entries)
    assert len(events) + len(rejected_rows) == len(cells.lines)
    return events, rejected_rows


def _entries(
    name: str, cells: rules.Cells, found: list[tuple[int, rules.Issue]]
) -> list[dict[str, Any]]:
    """The report's entries (line, column, the file's header, reason, file) for issues found."""
    return [
        {
            "line": int(cells.lines[position]),
            "column": issue.column,
            "header": cells.headers.get(issue.column, ""),
            "reason": issue.message(),
            "file": name,
        }
        for position, issue in found
    ]


def _events(name: str, cells: rules.Cells, good: np.ndarray) -> pd.DataFrame:
    """The canonical events of the rows marked good (blank text as NA, holders apart)."""
    n = len(cells.lines)
    events = pd.DataFrame(
        {
            c: v if c in ("from_user", "to_user") else _blank_as_missing(v)
            for c, v in cells.text.items()
        }
    )
    events["action"] = cells.action
    events["file_type"] = map_categories(
        cells.text["file_type"],
        lambda t: _FILE_TYPE_LOOKUP.get(_normalise_value(t), "electronic"),
    )
    events["timestamp"] = cells.timestamp
    events["received_at"] = cells.received_at.where(cells.action.eq("moved"))
    events["source"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [name])
    events["line"] = cells.lines
    events = events[[*EVENT_COLUMNS, "source", "line"]]
    return events if good.all() else events[good].reset_index(drop=True)


def _rejected_rows(
    name: str,
    cells: rules.Cells,
    found: list[tuple[int, rules.Issue]],
    entries: list[dict[str, Any]],
) -> pd.DataFrame:
    """One row per rejected row: file, line, its columns and reasons (joined; `entries` are
    the report's, one per issue found), its cells as read (under the file's headers) and its
    issues (`{"code", "column", "params"}` each)."""
    by_row: dict[int, list[tuple[rules.Issue, str]]] = {}
    for (position, issue), entry in zip(found, entries, strict=True):
        by_row.setdefault(position, []).append((issue, entry["reason"]))
    positions = np.array(sorted(by_row), dtype=np.int64)
    headers = cells.headers
    original = cells.raw.iloc[positions]
    issues = [by_row[int(p)] for p in positions]
    return pd.DataFrame(
        {
            "file": name,
            "line": cells.lines[positions].astype(np.int64),
            "column": [", ".join(i.column for i, _ in row) for row in issues],
            "reason": ["; ".join(reason for _, reason in row) for row in issues],
            "raw": [
                {headers.get(c, c): printable(cell_text(v)) for c, v in row.items()}
                for _, row in original.iterrows()
            ],
            "issues": [[i.to_dict() for i, _ in row] for row in issues],
        },
        columns=_REJECTED,
    )


def empty_events() -> pd.DataFrame:
    """An events table with no rows and the canonical columns and types."""
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in (*EVENT_COLUMNS, "source")})
    frame["timestamp"] = pd.Series(dtype=pd.DatetimeTZDtype("us", IST))
    frame["received_at"] = frame["timestamp"]
    frame["line"] = pd.Series(dtype="int64")
    return frame


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames one under another, categorical columns kept categorical (categories united)."""
    if len(frames) == 1:
        return frames[0]
    columns = {}
    for c, first in frames[0].items():
        parts = [f[c].reset_index(drop=True) for f in frames]
        if isinstance(first.dtype, pd.CategoricalDtype):
            columns[c] = pd.Series(union_categoricals(parts, sort_categories=True))
        else:
            columns[c] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(columns)


def _unknown_designations(events: pd.DataFrame, levels: LevelTable) -> dict[str, int]:
    rows = []
    for c in ("from_designation", "to_designation"):
        designation = events[c]
        unknown = designation.notna() & levels.lookup(events["state"], designation).isna()
        rows.append(designation.where(unknown))
    both = pd.concat(rows, axis=1)
    both.columns = ["a", "b"]
    long = pd.concat(
        [
            both["a"].dropna(),
            both["b"].where(both["b"].ne(both["a"]) | both["a"].isna()).dropna(),
        ]
    )
    counts = long.value_counts()
    counts = counts[counts > 0]
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def _files_without_created(events: pd.DataFrame) -> int:
    created = events.loc[events["action"].eq("created"), ["state", "file_id"]].drop_duplicates()
    files = events[["state", "file_id"]].drop_duplicates()
    return len(files) - len(created)
