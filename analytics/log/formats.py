"""Reading one extract's bytes (CSV, Excel, XES) into a raw table of cells under canonical
column names, with each row's line in the file; and the upload limits and the error for a
file that cannot be used at all.

Nothing here judges a row: that is `analytics.log.rules`. Text cells come out stripped
(categorical where the parser allows), Excel date cells stay datetimes, empty rows are dropped.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analytics.log import xes

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


REQUIRED_HEADERS = ("file_id", "action", "from_user", "to_user", "timestamp")
GIVEN_ONCE = ("state", "department")
"""Columns a file may lack when the upload gives their value once for every row."""
TIME_COLUMNS = ("timestamp", "received_at")
HEADER_SEARCH_ROWS = 30
NOT_UTF8 = "\ufffd"
"""What an invalid byte of a mostly-UTF-8 file decodes to (its row is rejected)."""
MAX_ROWS_ENV = "EOFFICE_UPLOAD_MAX_ROWS"
MAX_BYTES_ENV = "EOFFICE_UPLOAD_MAX_BYTES"
MAX_EXPANDED_ENV = "EOFFICE_UPLOAD_MAX_XLSX_EXPANDED"
MAX_SECONDS_ENV = "EOFFICE_UPLOAD_MAX_SECONDS"
_BOM = b"\xef\xbb\xbf"
_HEAD_BYTES = 200_000


UNUSABLE: dict[str, str] = {
    "empty_file": "the file is empty",
    "old_xls": "old .xls workbooks are not read; save it as .xlsx or CSV",
    "no_rows": "the header has no rows under it",
    "not_tabular": "the bytes are neither CSV text nor an Excel workbook",
    "not_text": "the bytes are neither CSV text (UTF-8 or Windows-1252) nor an Excel workbook",
    "zip_not_workbook": "a zip archive that is not an Excel workbook",
    "workbook_corrupt": "the workbook is damaged ({part} is corrupt)",
    "workbook_damaged": "the workbook is truncated or damaged ({error})",
    "sheet_empty": "the workbook's first sheet is empty",
    "no_header": "no header row found in the first {rows} rows; looked for {tried}",
    "ambiguous_columns": (
        "columns '{first}' and '{second}' both name {column}: ambiguous, so nothing is read; "
        "remove or rename one of them"
    ),
    "missing_column": "missing required column {column} (tried: {aliases})",
    "missing_columns": "missing required columns {columns}; the headers tried: {aliases}",
    "missing_given": (
        "missing required column {column} (tried: {tried}), and no {column} was given for the "
        "whole upload: give it with --{column} on the command line, or choose it in the upload "
        "form"
    ),
    "cannot_read": "cannot be read ({error})",
}
"""Why a whole file is unusable, per code: the English template of the most common reasons
(`analytics.log.rules.MESSAGES` holds them too, so the dashboard translates them and reads a
stored one back). Reasons that quote an upload limit and its setting stay English only."""


class UnusableInputError(ValueError):
    """A whole file cannot be used (empty, not CSV/Excel, truncated, required column missing).

    `code` and `params` name the reason in `UNUSABLE` when it has a template ("" otherwise)."""

    def __init__(self, file: str, reason: str, code: str = "", **params: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason
        self.code = code
        self.params = params

    @classmethod
    def coded(cls, file: str, code: str, **params: object) -> UnusableInputError:
        """The error of `file` for a reason of `UNUSABLE`, its text made from the template."""
        text = {k: str(v) for k, v in params.items()}
        return cls(file, UNUSABLE[code].format(**text), code, **text)


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


def normalise_header(name: object) -> str:
    """Header text as matched against aliases: case-, space-, dot- and underscore-insensitive."""
    text = str(name).replace("_", " ").replace(".", " ").lower()
    return " ".join(text.split())


_HEADER_LOOKUP = {
    normalise_header(alias): canonical
    for canonical, aliases in HEADER_ALIASES.items()
    for alias in aliases
}


def canonical_header(name: object) -> str | None:
    """The canonical column a file's header names (`Sent By` → `from_user`), else None."""
    return _HEADER_LOOKUP.get(normalise_header(name))


# --- from bytes to a raw table of cells --------------------------------------------------


def load_table(
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
        raise UnusableInputError.coded(name, "empty_file")
    if xes.is_xes(head):
        raw, lines = _xes_table(name, data, limits, xes_mapping)
    elif head[:4] == b"PK\x03\x04":
        raw, lines = _excel_table(name, bytes(data), limits)
    elif head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnusableInputError.coded(name, "old_xls")
    else:
        raw, lines = _csv_table(name, data, head)
    filled = np.zeros(len(raw), dtype=bool)
    for c in raw.columns:
        filled |= as_text(raw[c]).ne("").to_numpy()
    raw, lines = raw[filled].reset_index(drop=True), lines[filled]
    if raw.empty:
        raise UnusableInputError.coded(name, "no_rows")
    return raw, lines


def _xes_table(
    name: str,
    data: bytes | Path,
    limits: UploadLimits | None = None,
    mapping: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """An XES log (`.xes`, `.xes.gz`) as raw cells (`analytics.log.xes.read_table`); a row's
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
                raise UnusableInputError.coded(name, "zip_not_workbook")
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
            raise UnusableInputError.coded(name, "workbook_corrupt", part=bad)
        grid = pd.read_excel(
            io.BytesIO(data), sheet_name=0, header=None, dtype=object, engine="calamine"
        )
    except UnusableInputError:
        raise
    except Exception as exc:
        raise UnusableInputError.coded(name, "workbook_damaged", error=exc) from exc
    if grid.empty:
        raise UnusableInputError.coded(name, "sheet_empty")
    header_at = _find_header(name, grid.head(HEADER_SEARCH_ROWS).to_numpy().tolist())
    header = [cell_text(v) for v in grid.iloc[header_at]]
    body = grid.iloc[header_at + 1 :]
    lines = body.index.to_numpy() + 1
    body = body.set_axis(range(len(body.columns)), axis=1).reset_index(drop=True)
    raw = _with_header(name, body, header)
    for c in raw.columns:
        if c not in TIME_COLUMNS:
            raw[c] = map_unique(raw[c], cell_text).astype("str")
    return raw, lines


def _csv_table(name: str, data: bytes | Path, head: bytes) -> tuple[pd.DataFrame, np.ndarray]:
    if head[:65536].count(b"\x00") * 100 > len(head[:65536]):  # binary, or UTF-16
        raise UnusableInputError.coded(name, "not_tabular")
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
        names[p]: pa.string() if c in TIME_COLUMNS else pa.dictionary(pa.int32(), pa.string())
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
        if c in TIME_COLUMNS:
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
    if not lenient.replace(NOT_UTF8, "").isascii():
        return lenient
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnusableInputError.coded(name, "not_text") from exc
    if sum(ch < " " and ch not in "\r\n\t" for ch in text[:65536]) * 100 > len(text[:65536]):
        raise UnusableInputError.coded(name, "not_tabular")
    return text


# --- cells ---------------------------------------------------------------------------------


def map_categories(values: pd.Series, fn: Callable[[str], str | None]) -> pd.Series:
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
    return map_categories(values, str.strip)


def map_unique(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """`values.map(fn)`, calling fn once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.array([fn(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index)


# --- the header row --------------------------------------------------------------------------


def _header_score(row: Sequence[object]) -> int:
    return len({canonical_header(c) for c in row} - {None})


def _find_header(name: str, rows: list[list[object]]) -> int:
    scores = [_header_score(r) for r in rows]
    if scores and max(scores) >= 2:
        return scores.index(max(scores))
    tried = "; ".join(f"{c} ({', '.join(HEADER_ALIASES[c])})" for c in REQUIRED_HEADERS)
    raise UnusableInputError.coded(name, "no_header", rows=HEADER_SEARCH_ROWS, tried=tried)


def _chosen(name: str, header: Sequence[object]) -> dict[str, int]:
    """Position of each canonical field in the header; UnusableInputError when a required
    one is missing or two columns name the same field (ambiguous: which one holds it?)."""
    chosen: dict[str, int] = {}
    for position, cell in enumerate(header):
        canonical = canonical_header(cell)
        if canonical and canonical in chosen:
            first = str(header[chosen[canonical]]).strip()
            raise UnusableInputError.coded(
                name, "ambiguous_columns", first=first, second=str(cell).strip(), column=canonical
            )
        if canonical:
            chosen[canonical] = position
    missing = [c for c in REQUIRED_HEADERS if c not in chosen]
    if len(missing) == 1:
        aliases = ", ".join(HEADER_ALIASES[missing[0]])
        raise UnusableInputError.coded(name, "missing_column", column=missing[0], aliases=aliases)
    if missing:
        aliases = "; ".join(f"{c}: {', '.join(HEADER_ALIASES[c])}" for c in missing)
        raise UnusableInputError.coded(
            name, "missing_columns", columns=", ".join(missing), aliases=aliases
        )
    return chosen


def _with_header(name: str, body: pd.DataFrame, header: list[object]) -> pd.DataFrame:
    """Name body columns by their canonical field; unknown and repeated columns are dropped."""
    chosen = _chosen(name, header)
    raw = pd.DataFrame({c: body[p] for c, p in chosen.items()})
    raw.attrs["header"] = {c: str(header[p]) for c, p in chosen.items()}
    return raw


def cell_text(value: object) -> str:
    """One cell as stripped text: blank for an empty cell, whole floats without ".0", dates
    in ISO form."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value).strip()


def as_text(values: pd.Series) -> pd.Series:
    """Cells as stripped text (Excel cells of any type included)."""
    return map_unique(values, cell_text).astype("str") if values.dtype == object else values
