"""Reading e-Office extracts (CSV, Excel) into the canonical events table, with a validation report."""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pandas.api.types import union_categoricals

from analytics.log.hierarchy import LevelTable
from analytics.log.ordering import broken_chains, may_repeat, order_events
from analytics.outputs import xes
from analytics.schema import DEDUP_KEY, EVENT_COLUMNS, IST

Source = str | Path | tuple[str, bytes]
"""A path, or (file name, bytes) as an upload gives it."""

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "state": ("state",),
    "department": ("department", "ministry", "section"),
    "file_id": ("file_id", "computer no.", "computer number", "file id", "e-file no."),
    "file_number": ("file_number", "file no.", "file number"),
    "subject": ("subject",),
    "file_type": ("file_type", "file type", "type"),
    "action": ("action",),
    "from_user": ("from_user", "sent by", "sender", "from"),
    "to_user": ("to_user", "sent to", "receiver", "to", "marked to"),
    "from_designation": ("from_designation", "sender designation", "sent by designation"),
    "to_designation": ("to_designation", "receiver designation", "sent to designation"),
    "timestamp": ("timestamp", "sent on", "sent date", "date", "event time", "action date"),
    "received_at": ("received_at", "received on", "receipt date"),
    "remarks": ("remarks",),
}
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
REQUIRED_HEADERS = ("file_id", "action", "from_user", "to_user", "timestamp")
GIVEN_ONCE = ("state", "department")
HEADER_SEARCH_ROWS = 30
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
CLOCK_DRIFT = timedelta(minutes=15)
"""A row dated later than the moment of reading plus this is rejected as in the future."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters no cell may hold (tab, CR and LF are allowed)."""
_NOT_UTF8 = "\ufffd"
"""What an invalid byte of a mostly-UTF-8 file decodes to (its row is rejected)."""
_SUSPECT = re.compile(f"{_CONTROL.pattern}|{_NOT_UTF8}")
_NOT_UTF8_REASON = (
    "holds bytes that are not UTF-8 in a file that is otherwise UTF-8 (a Windows-1252 "
    "character?); save the file as UTF-8"
)
MAX_ROWS_ENV = "EOFFICE_UPLOAD_MAX_ROWS"
MAX_BYTES_ENV = "EOFFICE_UPLOAD_MAX_BYTES"
MAX_EXPANDED_ENV = "EOFFICE_UPLOAD_MAX_XLSX_EXPANDED"
MAX_SECONDS_ENV = "EOFFICE_UPLOAD_MAX_SECONDS"


class UnusableInputError(ValueError):
    """A whole file cannot be used (empty, not CSV/Excel, truncated, required column missing)."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class UploadLimits:
    """The most an upload may hold: data rows, bytes, an xlsx's expanded (unzipped) size, and
    the seconds reading may take (checked after each file is parsed and validated, and after
    ordering: a step is never cut midway).

    `from_env()` reads `EOFFICE_UPLOAD_MAX_ROWS`, `EOFFICE_UPLOAD_MAX_BYTES`,
    `EOFFICE_UPLOAD_MAX_XLSX_EXPANDED` (bytes) and `EOFFICE_UPLOAD_MAX_SECONDS`, else the
    defaults here.
    """

    max_rows: int = 6_000_000
    max_bytes: int = 2_000_000_000
    max_expanded: int = 400_000_000
    max_seconds: float = 600.0

    def check_time(self, name: str, started: float, stage: str) -> None:
        """Refuse the upload when reading has run past `max_seconds` since `started`."""
        spent = time.monotonic() - started
        if spent > self.max_seconds:
            raise UnusableInputError(
                name,
                f"reading took {spent:,.1f} s by the end of {stage}, longer than the "
                f"{self.max_seconds:,.0f} s an upload may take (setting {MAX_SECONDS_ENV}); "
                "split it into smaller extracts",
            )

    @classmethod
    def from_env(cls) -> UploadLimits:
        """The limits in force: the environment's, else the defaults."""
        default = cls()

        def read(env: str, fallback: int) -> int:
            text = os.environ.get(env, "").replace(",", "").replace("_", "").strip()
            return int(text) if text else fallback

        return cls(
            max_rows=read(MAX_ROWS_ENV, default.max_rows),
            max_bytes=read(MAX_BYTES_ENV, default.max_bytes),
            max_expanded=read(MAX_EXPANDED_ENV, default.max_expanded),
            max_seconds=read(MAX_SECONDS_ENV, int(default.max_seconds)),
        )


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
        return (
            f"read {self.rows_read:,} rows: {self.rows_accepted:,} accepted, "
            f"{self.rows_rejected:,} rejected, {self.duplicates_dropped:,} duplicates dropped"
        )


@dataclass
class ReadResult:
    """Canonical events (+ `source`, `line`), the validation report and the rejected rows.

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


def normalise_header(name: object) -> str:
    """Header text as matched against aliases: case-, space-, dot- and underscore-insensitive."""
    text = str(name).replace("_", " ").replace(".", " ").lower()
    return " ".join(text.split())


def _normalise_value(text: str) -> str:
    return " ".join(text.replace("_", " ").lower().split())


_HEADER_LOOKUP = {
    normalise_header(alias): canonical
    for canonical, aliases in HEADER_ALIASES.items()
    for alias in aliases
}


def canonical_header(name: object) -> str | None:
    """The canonical column a file's header names (`Sent By` → `from_user`), else None."""
    return _HEADER_LOOKUP.get(normalise_header(name))


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
    An XES log (`.xes`, `.xes.gz`, recognised by its bytes) is read through `analytics.outputs.xes`,
    its keys named by `xes_mapping` (`xes.load_mapping`) where they are not the defaults.
    Raises UnusableInputError naming the first file that cannot be used at all.
    """
    levels = levels or LevelTable.default()
    read_at = datetime.now(UTC) if read_at is None else read_at
    report = ValidationReport()
    frames, rejected = [], []
    touched: set[tuple[str, str]] = set()
    started = time.monotonic()
    for source in sources:
        name, data = _opened(source, limits)
        report.files.append(name)
        raw, lines = _load_table(name, data, limits, xes_mapping)
        del data  # a large extract's bytes are not needed once parsed
        if limits is not None:
            limits.check_time(name, started, "parsing")
        if limits is not None and report.rows_read + len(raw) > limits.max_rows:
            raise UnusableInputError(
                name,
                f"the upload has more than {limits.max_rows:,} data rows, the most one upload "
                f"may hold (setting {MAX_ROWS_ENV}); split it into smaller extracts",
            )
        _require_given_once(name, raw, state, department)
        events, issues, warnings, bad_rows = _validate(
            name, raw, lines, state, department, read_at, touched
        )
        report.rows_read += len(raw)
        del raw  # the cells as read are not needed once validated
        if limits is not None:
            limits.check_time(name, started, "validation")
        report.rows_accepted += len(events)
        report.rows_rejected += len(bad_rows)
        report.rejected.extend(issues)
        report.warnings.extend(warnings)
        frames.append(events)
        rejected.append(bad_rows)
    events = _concat(frames) if frames else empty_events()
    events[_READ] = np.arange(len(events), dtype=np.int64)
    ordered = order_events(events)
    if may_repeat(ordered):  # only then is the exact (and slower) search worth it
        duplicated = events.duplicated(subset=list(DEDUP_KEY), keep="first").to_numpy()
        report.duplicates_dropped = int(duplicated.sum())
        if report.duplicates_dropped:
            ordered = order_events(events[~duplicated])
    del events
    if limits is not None and report.files:
        limits.check_time(report.files[-1], started, "ordering")
    read_order = ordered.pop(_READ).to_numpy()
    events = ordered
    report.unknown_designations = _unknown_designations(events, levels)
    report.files_without_created = _files_without_created(events)
    report.broken_chains = broken_chains(events)
    rejected_rows = (
        pd.concat(rejected, ignore_index=True)
        if rejected
        else pd.DataFrame(columns=["file", "line", "column", "reason", "raw"])
    )
    return ReadResult(events, report, rejected_rows, sorted(touched), read_order)


_READ = "_read_order"


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
            raise UnusableInputError(
                name,
                f"missing required column {c} (tried: {', '.join(HEADER_ALIASES[c])}), and no "
                f"{c} was given for the whole upload: give it with --{c} on the command line, "
                f"or in the upload form's {c.capitalize()} field",
            )


def columns_found(source: Source, limits: UploadLimits | None = None) -> dict[str, str]:
    """The canonical columns a file has, each with the file's own header for it (e.g.
    `{"timestamp": "Sent On", ...}`): what an upload form asks for before validating (a
    file without a `state` column needs the state given). Raises UnusableInputError like
    `read_logs` for a file that cannot be used at all."""
    name, data = _opened(source, limits)
    raw, _ = _load_table(name, data, limits)
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
            raise UnusableInputError(str(source), f"cannot be read ({exc.strerror})") from exc
    if most is not None and len(data) > most:
        raise UnusableInputError(
            name,
            f"the file is larger than {most:,} bytes, the most one upload may hold "
            f"(setting {MAX_BYTES_ENV}); split it into smaller extracts",
        )
    return name, data


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


# --- from bytes to a raw table of strings -------------------------------------------------

_BOM = b"\xef\xbb\xbf"
_TIME_COLUMNS = ("timestamp", "received_at")
_HEAD_BYTES = 200_000
_READ_WHOLE_BELOW = 8 << 20
"""Files smaller than this are read into memory whole; larger ones stream from disk."""


def _load_table(
    name: str,
    data: bytes | Path,
    limits: UploadLimits | None = None,
    xes_mapping: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Cells under canonical column names, and each row's spreadsheet line number.

    Text cells are stripped (categorical) strings; Excel date cells stay datetimes; empty rows
    are dropped.
    """
    if isinstance(data, Path):
        with data.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
        if head[:4] == b"PK\x03\x04":
            data = data.read_bytes()
    else:
        head = data[:_HEAD_BYTES]
    if isinstance(data, bytes) and (not data or data.isspace()):
        raise UnusableInputError(name, "the file is empty")
    if xes.is_xes(head):
        raw, lines = _xes_table(name, data, limits, xes_mapping)
    elif head[:4] == b"PK\x03\x04":
        raw, lines = _excel_table(name, bytes(data), limits)
    elif head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnusableInputError(name, "old .xls workbooks are not read; save it as .xlsx or CSV")
    else:
        raw, lines = _csv_table(name, data, head)
    filled = np.zeros(len(raw), dtype=bool)
    for c in raw.columns:
        filled |= _as_text(raw[c]).ne("").to_numpy()
    raw, lines = raw[filled].reset_index(drop=True), lines[filled]
    if raw.empty:
        raise UnusableInputError(name, "the header has no rows under it")
    return raw, lines


def _xes_table(
    name: str,
    data: bytes | Path,
    limits: UploadLimits | None = None,
    mapping: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """An XES log (`.xes`, `.xes.gz`) as raw cells (`analytics.outputs.xes.read_table`); a row's
    "line" is the event's number in the file."""
    data = data.read_bytes() if isinstance(data, Path) else data
    if limits is not None and data[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
            expanded = len(unzipped.read(limits.max_expanded + 1))
        if expanded > limits.max_expanded:
            raise UnusableInputError(
                name,
                f"the XES log expands to more than {limits.max_expanded:,} bytes, the most one "
                f"upload may (setting {MAX_EXPANDED_ENV}); split it",
            )
    try:
        raw = xes.read_table(name, data, mapping)
    except ValueError as exc:
        raise UnusableInputError(name, str(exc)) from exc
    missing = [c for c in REQUIRED_HEADERS if c not in raw.columns]
    if missing:
        raise UnusableInputError(
            name,
            "missing required column "
            + "; ".join(
                f"{c} (tried XES keys: {', '.join(xes.keys_for(c, mapping))})" for c in missing
            )
            + "; name the key with an XES mapping file",
        )
    return raw, np.arange(1, len(raw) + 1)


def _excel_table(
    name: str, data: bytes, limits: UploadLimits | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise UnusableInputError(name, "a zip archive that is not an Excel workbook")
            expanded = sum(info.file_size for info in archive.infolist())
            if limits is not None and expanded > limits.max_expanded:
                raise UnusableInputError(
                    name,
                    f"the workbook expands to {expanded:,} bytes, more than the "
                    f"{limits.max_expanded:,} one upload may (setting {MAX_EXPANDED_ENV}); "
                    "save it as CSV or split it",
                )
            bad = archive.testzip()
        if bad is not None:
            raise UnusableInputError(name, f"the workbook is damaged ({bad} is corrupt)")
        grid = pd.read_excel(
            io.BytesIO(data), sheet_name=0, header=None, dtype=object, engine="calamine"
        )
    except UnusableInputError:
        raise
    except Exception as exc:
        raise UnusableInputError(name, f"the workbook is truncated or damaged ({exc})") from exc
    if grid.empty:
        raise UnusableInputError(name, "the workbook's first sheet is empty")
    header_at = _find_header(name, grid.head(HEADER_SEARCH_ROWS).to_numpy().tolist())
    header = [_cell_text(v) for v in grid.iloc[header_at]]
    body = grid.iloc[header_at + 1 :]
    lines = body.index.to_numpy() + 1
    body = body.set_axis(range(len(body.columns)), axis=1).reset_index(drop=True)
    raw = _with_header(name, body, header)
    for c in raw.columns:
        if c not in _TIME_COLUMNS:
            raw[c] = _map_unique(raw[c], _cell_text).astype("str")
    return raw, lines


def _csv_table(name: str, data: bytes | Path, head: bytes) -> tuple[pd.DataFrame, np.ndarray]:
    if head[:65536].count(b"\x00") * 100 > len(head[:65536]):  # binary, or UTF-16
        raise UnusableInputError(name, "the bytes are neither CSV text nor an Excel workbook")
    head_bytes = head.removeprefix(_BOM)
    if isinstance(data, Path) or len(data) > len(head):
        head_bytes = head_bytes[: head_bytes.rfind(b"\n") + 1]
    head = _decode(name, head_bytes).splitlines()[: HEADER_SEARCH_ROWS + 5]
    best: tuple[int, str, int] | None = None
    for delimiter in (",", ";", "\t", "|"):
        rows = list(csv.reader(head, delimiter=delimiter))
        scores = [_header_score(r) for r in rows[:HEADER_SEARCH_ROWS]]
        if scores and max(scores) > (best[0] if best else 0):
            best = (max(scores), delimiter, scores.index(max(scores)))
    if best is None or best[0] < 2:
        _find_header(name, [next(csv.reader([line]), []) for line in head])
    assert best is not None
    _, delimiter, header_at = best
    header = next(csv.reader([head[header_at]], delimiter=delimiter))
    fast = _csv_fast(name, data, header, delimiter, header_at)
    if fast is not None:
        return fast
    body = data.read_bytes() if isinstance(data, Path) else data
    text = _decode(name, body.removeprefix(_BOM))
    fast = _csv_fast(name, text.encode("utf-8"), header, delimiter, header_at)
    return fast if fast is not None else _csv_rows(name, text, header, delimiter, header_at)


def _csv_fast(
    name: str, data: bytes | Path, header: list[str], delimiter: str, header_at: int
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Arrow's parser for well-formed UTF-8 (from memory or straight from disk), reading only
    the known columns, text dictionary-encoded; None when the file needs the careful reader.

    Blank lines are read as empty rows, so row numbers stay line numbers.
    """
    source = str(data) if isinstance(data, Path) else pa.BufferReader(data)
    names = [f"c{i}" for i in range(len(header))]
    chosen = _chosen(name, header)
    types = {
        names[p]: pa.string() if c in _TIME_COLUMNS else pa.dictionary(pa.int32(), pa.string())
        for c, p in chosen.items()
    }
    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=header_at + 1, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=list(types),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    rows = len(table)
    columns = {c: table.column(names[p]) for c, p in chosen.items()}
    del table  # each column's Arrow buffers go as soon as it is converted
    frame = {}
    for c, p in chosen.items():
        column = columns.pop(c)
        if c in _TIME_COLUMNS:
            frame[p] = pd.Series(pc.utf8_trim_whitespace(column), dtype="str")
        else:
            frame[p] = _stripped(column.to_pandas())
        del column
    raw = _with_header(name, pd.DataFrame(frame), header)
    return raw, np.arange(rows) + header_at + 2


def _csv_rows(
    name: str, text: str, header: list[str], delimiter: str, header_at: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """The careful reader: every record, ragged rows padded, line numbers kept exact."""
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    width = len(header)
    body, lines, ragged = [], [], []
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            ragged.append(number)
        body.append([cell.strip() for cell in (row + [""] * width)[:width]])
        lines.append(number)
    frame = pd.DataFrame(body, columns=range(width), dtype="str")
    raw = _with_header(name, frame, header)
    raw.attrs["ragged"] = ragged
    return raw, np.array(lines, dtype=np.int64)


def _decode(name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; anything else is not CSV text.

    A file that is not valid UTF-8 but holds UTF-8 text (a multi-byte character) is mostly
    UTF-8 with some stray bytes: it is read as UTF-8 with each invalid byte as U+FFFD, and
    validation rejects the rows holding one (naming the line) rather than reading the whole
    file as Windows-1252 and changing every other row's text.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8-sig", errors="replace")
    if not lenient.replace(_NOT_UTF8, "").isascii():
        return lenient
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnusableInputError(
            name, "the bytes are neither CSV text (UTF-8 or Windows-1252) nor an Excel workbook"
        ) from exc
    if sum(ch < " " and ch not in "\r\n\t" for ch in text[:65536]) * 100 > len(text[:65536]):
        raise UnusableInputError(name, "the bytes are neither CSV text nor an Excel workbook")
    return text


def _map_categories(values: pd.Series, fn: Callable[[str], str | None]) -> pd.Series:
    """A categorical with fn applied once per category (None → NA); equal results merge."""
    values = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    mapped = pd.Index([fn(c) for c in values.cat.categories], dtype=object)
    codes, uniques = pd.factorize(mapped)
    new_codes = np.r_[codes, -1][values.cat.codes.to_numpy()]
    categories = pd.Index(uniques, dtype="str") if len(uniques) else pd.Index([], dtype="str")
    return pd.Series(pd.Categorical.from_codes(new_codes, categories), index=values.index)


def _stripped(values: pd.Series) -> pd.Series:
    """A categorical of text with its categories stripped of surrounding spaces."""
    categories = values.cat.categories
    stripped = categories.str.strip()
    if stripped.equals(categories):
        return values
    if stripped.is_unique:
        return values.cat.rename_categories(stripped)
    return _map_categories(values, str.strip)


def _text_cells(values: pd.Series) -> pd.Series:
    """Text cells as a categorical (every reader has already made them stripped text)."""
    return values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")


def _blank_as_missing(values: pd.Series) -> pd.Series:
    """Blank text cells as NA."""
    if "" not in values.cat.categories:
        return values
    return values.cat.remove_categories([""])


def _map_unique(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """`values.map(fn)`, calling fn once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.array([fn(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index)


def _header_score(row: Sequence[object]) -> int:
    return len({canonical_header(c) for c in row} - {None})


def _find_header(name: str, rows: list[list[object]]) -> int:
    scores = [_header_score(r) for r in rows]
    if scores and max(scores) >= 2:
        return scores.index(max(scores))
    tried = "; ".join(f"{c} ({', '.join(HEADER_ALIASES[c])})" for c in REQUIRED_HEADERS)
    raise UnusableInputError(
        name, f"no header row found in the first {HEADER_SEARCH_ROWS} rows; looked for {tried}"
    )


def _chosen(name: str, header: Sequence[object]) -> dict[str, int]:
    """Position of each canonical field in the header; UnusableInputError when a required
    one is missing or two columns name the same field (ambiguous: which one holds it?)."""
    chosen: dict[str, int] = {}
    for position, cell in enumerate(header):
        canonical = canonical_header(cell)
        if canonical and canonical in chosen:
            first = str(header[chosen[canonical]]).strip()
            raise UnusableInputError(
                name,
                f"columns '{first}' and '{str(cell).strip()}' both name {canonical}: ambiguous, "
                "so nothing is read; remove or rename one of them",
            )
        if canonical:
            chosen[canonical] = position
    missing = [c for c in REQUIRED_HEADERS if c not in chosen]
    if missing:
        tried = "; ".join(f"{c} (tried: {', '.join(HEADER_ALIASES[c])})" for c in missing)
        raise UnusableInputError(name, f"missing required column {tried}")
    return chosen


def _with_header(name: str, body: pd.DataFrame, header: list[object]) -> pd.DataFrame:
    """Name body columns by their canonical field; unknown and repeated columns are dropped."""
    chosen = _chosen(name, header)
    raw = pd.DataFrame({c: body[p] for c, p in chosen.items()})
    raw.attrs["header"] = {c: str(header[p]) for c, p in chosen.items()}
    return raw


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value).strip()


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
    text = _as_text(values)
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


def _validate(
    name: str,
    raw: pd.DataFrame,
    lines: np.ndarray,
    state: str | None,
    department: str | None,
    read_at: datetime,
    touched: set[tuple[str, str]],
) -> tuple[pd.DataFrame, list[dict[str, Any]], list[dict[str, Any]], pd.DataFrame]:
    headers = raw.attrs.get("header", {})
    n = len(raw)
    blank = pd.Series(pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [""]), index=raw.index)
    given = {"state": state, "department": department}
    values = {
        c: _text_cells(raw[c]) if c in raw else blank
        for c in EVENT_COLUMNS
        if c not in _TIME_COLUMNS
    }
    for c in GIVEN_ONCE:
        if given[c]:
            fill = str(given[c]).strip()
            values[c] = _map_categories(values[c], lambda v, fill=fill: v or fill)
    pairs = pd.DataFrame({"s": values["state"], "d": values["department"]}).drop_duplicates()
    touched.update((str(s), str(d)) for s, d in pairs.itertuples(index=False) if str(s) and str(d))
    for c in ("from_designation", "to_designation"):
        values[c] = _map_categories(values[c], lambda d: " ".join(d.split()))
    action_raw = values["action"]
    action = _map_categories(action_raw, lambda a: _ACTION_LOOKUP.get(_normalise_value(a)))
    type_raw = values["file_type"]
    file_type = _map_categories(
        type_raw, lambda t: _FILE_TYPE_LOOKUP.get(_normalise_value(t), "electronic")
    )
    ts_raw = raw["timestamp"]
    timestamp = parse_timestamps(ts_raw)
    received_raw = raw.get("received_at", pd.Series("", index=raw.index, dtype="str"))
    received_at = parse_timestamps(received_raw)

    def shown(c: str) -> str:
        return headers.get(c, c)

    def quoted(cells: pd.Series, why: str) -> Callable[[np.ndarray], list[str]]:
        return lambda hit: [f"'{printable(v)}' {why}" for v in cells.to_numpy()[hit]]

    def needs(c: str) -> Callable[[np.ndarray], list[str]]:
        return lambda hit: [
            f"{shown(c)} is blank; a '{a}' event needs it" for a in action.to_numpy()[hit]
        ]

    issues: list[tuple[pd.Series, str, str | Callable[[np.ndarray], list[str]]]] = []
    for c in ("state", "department", "file_id"):
        extra = " (no such column, and none given for the upload)" if c in GIVEN_ONCE else ""
        issues.append((values[c].eq(""), c, f"{shown(c)} is blank{extra}"))
    issues.append((action_raw.eq(""), "action", f"{shown('action')} is blank"))
    issues.append(
        (
            action_raw.ne("") & action.isna(),
            "action",
            quoted(
                action_raw,
                "is not a known action (created, moved, parked, closed, reopened or an alias "
                "of one)",
            ),
        )
    )
    ts_text = _as_text(ts_raw)
    issues.append((ts_text.eq(""), "timestamp", f"{shown('timestamp')} is blank"))
    issues.append(
        (
            ts_text.ne("") & timestamp.isna(),
            "timestamp",
            quoted(ts_text, "is not a readable date and time"),
        )
    )
    latest = pd.Timestamp(read_at).tz_convert(IST) + CLOCK_DRIFT
    moment = f"{pd.Timestamp(read_at).tz_convert(IST):%d-%b-%Y %H:%M} IST"
    drift = f"{CLOCK_DRIFT.seconds // 60} minutes"
    issues.append(
        (
            timestamp.gt(latest),
            "timestamp",
            lambda hit: [
                f"timestamp is in the future: '{printable(v)}' is after the moment the extract "
                f"was read ({moment}) plus {drift} of clock drift"
                for v in ts_text.to_numpy()[hit]
            ],
        )
    )
    for c, cells in raw.items():
        if c in _TIME_COLUMNS:  # such a cell is no readable time: rejected or warned above
            continue
        text_cells = _as_text(cells)
        if not _has(text_cells, _SUSPECT).any():  # one pass over the column, usually clean
            continue
        for pattern, why in (
            (_CONTROL, "holds a control character, which no cell may"),
            (_NOT_UTF8, _NOT_UTF8_REASON),
        ):
            hit = _has(text_cells, pattern)
            if hit.any():
                issues.append((hit, str(c), quoted(text_cells, why)))
    needs_to = action.isin(["created", "reopened", "moved"])
    needs_from = action.isin(["moved", "parked", "closed"])
    issues.append((needs_to & values["to_user"].eq(""), "to_user", needs("to_user")))
    issues.append((needs_from & values["from_user"].eq(""), "from_user", needs("from_user")))
    ragged = raw.attrs.get("ragged", {})
    if ragged:
        mask = pd.Series(np.isin(lines, list(ragged)), index=raw.index)
        issues.append((mask, "", "the row has more values than the header has columns"))

    bad = np.zeros(n, dtype=bool)
    entries: list[tuple[int, int, str, str]] = []
    for order, (mask, col, reason) in enumerate(issues):
        hit = mask.fillna(False).to_numpy(dtype=bool)
        if not hit.any():
            continue
        bad |= hit
        reasons = reason(hit) if callable(reason) else [reason] * int(hit.sum())
        for pos, why in zip(np.flatnonzero(hit), reasons, strict=True):
            entries.append((int(lines[pos]), order, col, str(why)))
    entries.sort()
    rejected = [
        {"line": ln, "column": c, "header": headers.get(c, ""), "reason": r, "file": name}
        for ln, _, c, r in entries
    ]

    warn_mask = (_as_text(received_raw).ne("") & received_at.isna() & action.eq("moved")).to_numpy(
        dtype=bool
    )
    warnings = [
        {
            "line": int(lines[p]),
            "column": "received_at",
            "header": headers.get("received_at", ""),
            "reason": f"'{printable(_cell_text(received_raw.iloc[p]))}' is not a readable "
            "date and time; "
            "left empty",
            "file": name,
        }
        for p in np.flatnonzero(warn_mask)
    ]
    known_types = [t for t in type_raw.cat.categories if _normalise_value(t) in _FILE_TYPE_LOOKUP]
    type_bad = (type_raw.ne("") & ~type_raw.isin(known_types)).to_numpy(dtype=bool)
    warnings += [
        {
            "line": int(lines[p]),
            "column": "file_type",
            "header": headers.get("file_type", ""),
            "reason": f"'{printable(type_raw.iloc[p])}' is not a known file type; counted as "
            "electronic",
            "file": name,
        }
        for p in np.flatnonzero(type_bad)
    ]
    warnings.sort(key=lambda w: (w["line"], w["column"]))

    good = ~bad
    events = pd.DataFrame(
        {c: v if c in ("from_user", "to_user") else _blank_as_missing(v) for c, v in values.items()}
    )
    events["action"] = action
    events["file_type"] = file_type
    events["timestamp"] = timestamp
    events["received_at"] = received_at.where(action.eq("moved"))
    events["source"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [name])
    events["line"] = lines
    events = events[[*EVENT_COLUMNS, "source", "line"]]
    if not good.all():
        events = events[good].reset_index(drop=True)

    bad_pos = np.flatnonzero(~good)
    reasons_by_line: dict[int, list[tuple[str, str]]] = {}
    for entry in rejected:
        reasons_by_line.setdefault(entry["line"], []).append((entry["column"], entry["reason"]))
    original = raw.iloc[bad_pos]
    rejected_rows = pd.DataFrame(
        {
            "file": name,
            "line": lines[bad_pos].astype(np.int64),
            "column": [", ".join(c for c, _ in reasons_by_line[int(lines[p])]) for p in bad_pos],
            "reason": ["; ".join(r for _, r in reasons_by_line[int(lines[p])]) for p in bad_pos],
            "raw": [
                {headers.get(c, c): printable(_cell_text(v)) for c, v in row.items()}
                for _, row in original.iterrows()
            ],
        }
    )
    assert len(events) + len(rejected_rows) == n
    return events, rejected, warnings, rejected_rows


def printable(text: object) -> str:
    """Text with each control character (tab, CR and LF apart) shown as `\\xNN`, so a
    message or stored cell never carries one (PostgreSQL refuses NUL in text)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


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


def _as_text(values: pd.Series) -> pd.Series:
    """Cells as stripped text (Excel cells of any type included)."""
    return _map_unique(values, _cell_text).astype("str") if values.dtype == object else values


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
