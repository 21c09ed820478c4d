"""Writing the report tables: CSV text as metrics.md fixes it (IST times, integer levels)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analytics.reading import ValidationReport
from analytics.schema import IST, REPORT_COLUMNS

FORMULA_PREFIXES = ("=", "+", "-", "@")


def format_timestamps(values: pd.Series) -> pd.Series:
    """`YYYY-MM-DD HH:MM:SS` in IST, with a fraction of a second only where present; '' for NaT."""
    local = values.dt.tz_convert(IST)
    text = local.dt.strftime("%Y-%m-%d %H:%M:%S")
    micro = local.dt.microsecond
    frac = pd.Series("", index=text.index, dtype="str")
    has_frac = micro.fillna(0).ne(0)
    frac[has_frac] = micro[has_frac].map(lambda us: f".{int(us):06d}".rstrip("0"))
    return (text + frac).fillna("")


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Prefix text cells that a spreadsheet would run as a formula (= + - @) with a quote."""
    text = values.astype("string")
    risky = text.str.startswith(FORMULA_PREFIXES).fillna(False)
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
    return out


def write_table(table: pd.DataFrame, path: Path) -> None:
    """One report table as a CSV file."""
    export_frame(table).to_csv(path, index=False, lineterminator="\n")


def format_moment(moment: pd.Timestamp) -> str:
    """One moment for people: `10-Mar-2024 10:00` in IST (seconds only when not zero)."""
    local = pd.Timestamp(moment).tz_convert(IST)
    return local.strftime("%d-%b-%Y %H:%M" + (":%S" if local.second else ""))


def write_report(
    tables: dict[str, pd.DataFrame],
    report: ValidationReport | None,
    out_dir: str | Path,
    *,
    as_of: pd.Series | None = None,
) -> list[Path]:
    """Write the five tables and validation.json into out_dir.

    validation.json holds the validation report (when reading gave one) and `as_of`: each
    state's T as `YYYY-MM-DD HH:MM:SS` IST. Without either, no validation.json is written.
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
    if document:
        path = out / "validation.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written
