"""Writing the report tables: CSV text as metrics.md fixes it (IST times, integer levels)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.i18n import translator
from analytics.log.reading import ValidationReport
from analytics.schema import IST, REPORT_COLUMNS

FORMULA_STARTS = "=+-@\uff1d\uff0b\uff0d\uff20{"
"""What makes a spreadsheet read a cell as a formula (OWASP's CSV-injection list: = + - @,
their full-width forms ＝ ＋ － ＠, and `{` of an array formula `{=...}`), once any leading
blanks and quotes are passed over."""
_LEADING = " \t\r\n\"'\u00a0\u3000"
"""Passed over before the first character is judged: spaces, tab, CR, LF, quotes, NBSP and
the ideographic space (a spreadsheet may trim or unquote them)."""
_RISKY = re.compile("^(?:[\t\r]|[" + re.escape(_LEADING) + "]*[" + re.escape(FORMULA_STARTS) + "])")


def format_timestamps(values: pd.Series) -> pd.Series:
    """`YYYY-MM-DD HH:MM:SS` in IST, with a fraction of a second only where present; '' for NaT."""
    local = values.dt.tz_convert(IST)
    text = local.dt.strftime("%Y-%m-%d %H:%M:%S")
    micro = local.dt.microsecond
    frac = pd.Series("", index=text.index, dtype="str")
    has_frac = micro.fillna(0).ne(0)
    frac[has_frac] = micro[has_frac].map(lambda us: f".{int(us):06d}".rstrip("0"))
    return (text + frac).fillna("")


def neutralise(text: str) -> str:
    """One text cell made safe for a spreadsheet: prefixed with `'` when a spreadsheet could
    run it as a formula (see `FORMULA_STARTS`; also any cell starting with a tab or CR)."""
    return "'" + text if _RISKY.match(text) else text


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """`neutralise` over a column of text (missing cells stay missing)."""
    text = values.astype("string")
    risky = text.str.match(_RISKY).fillna(False).astype(bool)
    return text.mask(risky, "'" + text)


def export_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A table as strings for CSV/Excel: times in IST, booleans true/false, text made safe."""
    out = pd.DataFrame(index=table.index)
    for name, col in table.items():
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = format_timestamps(col)
        elif col.dtype == bool or str(col.dtype) == "boolean":
            out[name] = col.map({True: "true", False: "false"}).astype("string").fillna("")
        elif pd.api.types.is_integer_dtype(col.dtype):
            out[name] = col.astype("Int64").astype("string").fillna("")
        elif pd.api.types.is_float_dtype(col.dtype):
            out[name] = col.map(lambda v: "" if pd.isna(v) else repr(float(v)))
        else:
            out[name] = neutralise_formulas(col).fillna("")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_text(table: pd.DataFrame) -> str:
    """A table as CSV text (`export_frame`'s cells). Rows end in CRLF as RFC 4180 has it: the
    csv module quotes a cell only for the characters of the line ending, so a bare CR inside
    a cell would otherwise start a new row there (and that row's first cell is unchecked)."""
    return export_frame(table).to_csv(index=False, lineterminator="\r\n")


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV with a BOM (so Excel reads Hindi)."""
    return csv_text(table).encode("utf-8-sig")


def excel_bytes(
    table: pd.DataFrame,
    sheet: str = "table",
    *,
    about: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    level_names: Mapping[int, str] | None = None,
) -> bytes:
    """A table as an .xlsx workbook for people: numbers as numbers, times as IST date-times
    (05-Mar-2024 14:07), text as text.

    `about` is a block of (what, value) rows written above the table (scope, filters, T, when
    it was made), then a blank row; `headers` renames columns for the header row; with
    `level_names`, a `*level` column reads "3 · Under Secretary" ("Unmapped" when empty).
    Text cells (headers and the block too) go through `neutralise`, and xlsxwriter is told
    never to turn text into a formula, a link or a number.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    options = {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "in_memory": True,
    }
    book = xlsxwriter.Workbook(buffer, options)
    ws = book.add_worksheet(re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31] or "table")
    bold = book.add_format({"bold": True})
    moment = book.add_format({"num_format": "dd-mmm-yyyy hh:mm"})
    row = 0
    for what, value in about:
        ws.write_string(row, 0, neutralise(str(what)), bold)
        ws.write_string(row, 1, neutralise(str(value)))
        row += 1
    if about:
        row += 1
    names = [str((headers or {}).get(c, c)) for c in table.columns]
    for j, name in enumerate(names):
        ws.write_string(row, j, neutralise(name), bold)
        ws.set_column(j, j, min(max(len(name) + 2, 12), 48))
    ws.freeze_panes(row + 1, 0)
    for j, (name, col) in enumerate(table.items()):
        _write_column(ws, row + 1, j, str(name), col, moment, level_names)
    book.close()
    return buffer.getvalue()


def _write_column(
    ws: Any,
    first: int,
    j: int,
    name: str,
    col: pd.Series,
    moment: Any,
    level_names: Mapping[int, str] | None,
) -> None:
    """One column's cells from row `first` down (see `excel_bytes`); missing cells blank."""
    missing = col.isna().to_numpy()
    if (
        level_names is not None
        and name.endswith("level")
        and pd.api.types.is_numeric_dtype(col.dtype)
    ):
        for i, v in enumerate(col.tolist()):
            text = "Unmapped" if missing[i] else f"{int(v)} · {level_names.get(int(v), v)}"
            ws.write_string(first + i, j, text)
    elif col.dtype == bool or str(col.dtype) == "boolean":
        for i, v in enumerate(col.tolist()):
            if not missing[i]:
                ws.write_string(first + i, j, "Yes" if v else "No")
    elif pd.api.types.is_numeric_dtype(col.dtype):
        for i, v in enumerate(col.astype("float64").tolist()):
            if not missing[i]:
                ws.write_number(first + i, j, v)
    elif isinstance(col.dtype, pd.DatetimeTZDtype):
        local = col.dt.tz_convert(IST).dt.tz_localize(None)
        for i, v in enumerate(local.tolist()):
            if not missing[i]:
                ws.write_datetime(first + i, j, v.to_pydatetime(), moment)
    else:
        for i, v in enumerate(neutralise_formulas(col).tolist()):
            if not (missing[i] or v is pd.NA):
                ws.write_string(first + i, j, str(v))


def write_table(table: pd.DataFrame, path: Path) -> None:
    """One report table as a CSV file."""
    Path(path).write_text(csv_text(table), encoding="utf-8", newline="")


def format_moment(moment: pd.Timestamp) -> str:
    """One moment for people: `10-Mar-2024 10:00` in IST (seconds only when not zero)."""
    local = pd.Timestamp(moment).tz_convert(IST)
    return local.strftime("%d-%b-%Y %H:%M" + (":%S" if local.second else ""))


def describe_level_table(
    info: dict[str, object] | None = None, file: str | Path | None = None
) -> dict[str, object]:
    """`level_table` of validation.json: the store's version in force (`info`, from
    `Store.levels.version_info`), a table read from `file`, or the built-in default."""
    if file is not None:
        return {"source": "file", "file": str(file)}
    if info is None or not info.get("version"):
        return {"source": "built-in default", "version": 0}
    made = info.get("created_at")
    return {
        "source": "store",
        "version": info["version"],
        "created_at": None if made is None else format_timestamps(pd.Series([made])).iloc[0],
        "created_by": info.get("created_by"),
    }


def level_table_line(table: dict[str, object], lang: str = "en") -> str:
    """`describe_level_table` for people: one line, in `lang`."""
    _ = translator(lang)
    if table["source"] == "file":
        return _("level table: read from {file}").format(file=table["file"])
    if table["source"] == "store":
        return _("level table: version {version} of the store (made {made} IST by {by})").format(
            version=table["version"], made=table["created_at"], by=table["created_by"]
        )
    return _("level table: the built-in default (version 0)")


def write_report(
    tables: dict[str, pd.DataFrame],
    report: ValidationReport | None,
    out_dir: str | Path,
    *,
    as_of: pd.Series | None = None,
    level_table: dict[str, object] | None = None,
) -> list[Path]:
    """Write the five tables and validation.json into out_dir.

    validation.json holds the validation report (when reading gave one), `as_of`: each
    state's T as `YYYY-MM-DD HH:MM:SS` IST, and `level_table`: which designation-to-level
    table the figures used (`describe_level_table`). Without any, no validation.json.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, columns in REPORT_COLUMNS.items():
        path = out / f"{name}.csv"
        write_table(tables[name][list(columns)], path)
        written.append(path)
    document = report.to_dict() if report is not None else {}
    if as_of is not None:
        document["as_of"] = dict(
            zip(as_of.index.astype(str), format_timestamps(as_of), strict=True)
        )
    if level_table is not None:
        document["level_table"] = level_table
    if document:
        path = out / "validation.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written
