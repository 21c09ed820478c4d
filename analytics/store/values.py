"""Values in and out of the database: the stored tables' column kinds, and pandas columns to
DBAPI values / PostgreSQL COPY csv and back (query results in the canonical dtypes)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analytics.schema import EVENT_COLUMNS, IST

# Column kinds of the bulk paths: text, int, float, bool, ts (UTC moment).
EVENT_DB_COLUMNS: dict[str, str] = {
    "upload_id": "int",
    **{c: "text" for c in EVENT_COLUMNS},
    "timestamp": "ts",
    "received_at": "ts",
    "source": "text",
    "line": "int",
    "read_pos": "int",
}
EVENT_DB_COLUMNS = {
    c: EVENT_DB_COLUMNS[c] for c in ("upload_id", *EVENT_COLUMNS, "source", "line", "read_pos")
}
STINT_DB_COLUMNS: dict[str, str] = {
    "state": "text",
    "file_id": "text",
    "seq": "int",
    "department": "text",
    "holder": "text",
    "designation": "text",
    "level": "int",
    "start": "ts",
    "end": "ts",
    "received_at": "ts",
    "end_action": "text",
    "broken": "bool",
}
FACT_DB_COLUMNS: dict[str, str] = {
    "state": "text",
    "file_id": "text",
    "department": "text",
    "file_number": "text",
    "subject": "text",
    "file_type": "text",
    "first_event_at": "ts",
    "last_event_at": "ts",
    "last_action": "text",
    "status": "text",
    "created_at": "ts",
    "closed_at": "ts",
    "n_events": "int",
    "movements": "int",
    "levels_traversed": "int",
    "holders": "int",
    "returns": "int",
    "disposal_days": "float",
    "over_4_levels": "bool",
    "holder": "text",
    "designation": "text",
    "level": "int",
    "since": "ts",
}


def ts_text(values: pd.Series) -> np.ndarray:
    """UTC moments as `YYYY-MM-DD HH:MM:SS.ffffff` (object array, None for NaT)."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        values = pd.to_datetime(values, utc=True)
    utc = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    missing = np.isnat(utc)
    text_ = np.datetime_as_string(utc, unit="us").astype("U26")
    codes = text_.view(np.uint32).reshape(len(text_), 26)
    codes[:, 10] = ord(" ")
    out = text_.astype(object)
    out[missing] = None
    return out


def db_values(values: pd.Series, kind: str, dialect: str) -> list[Any]:
    """A column as Python values for the DBAPI (None for missing)."""
    if kind == "ts":
        return ts_text(values).tolist()
    if kind == "int":
        return pd.array(values, dtype="Int64").to_numpy(dtype=object, na_value=None).tolist()
    if kind == "float":
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        return [None if np.isnan(v) else v for v in arr.tolist()]
    if kind == "bool":
        return values.astype(bool).tolist()
    return values.to_numpy(dtype=object, na_value=None).tolist()


def csv_bytes(frame: pd.DataFrame, kinds: dict[str, str]) -> bytes:
    """Rows as PostgreSQL COPY csv: NULL unquoted-empty, every value quoted."""
    arrays = {}
    for c, kind in kinds.items():
        col = frame[c]
        if kind == "ts":
            txt = ts_text(col)
            arrays[c] = pa.array([None if v is None else v + "+00" for v in txt], pa.string())
        elif kind == "int":
            arrays[c] = pa.array(pd.array(col, dtype="Int64"), pa.int64())
        elif kind == "float":
            arrays[c] = pa.array(col.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True)
        elif kind == "bool":
            arrays[c] = pa.array(col.astype(bool).to_numpy(), pa.bool_())
        else:
            arrays[c] = pa.array(col.astype(object).where(col.notna(), None), pa.string())
    table = pa.table(arrays)
    sink = io.BytesIO()
    pacsv.write_csv(
        table,
        sink,
        write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
    )
    return sink.getvalue()


def csv_arrays(data: bytes, names: list[str]) -> dict[str, pa.ChunkedArray]:
    """COPY csv output as string columns (unquoted empty = NULL, quoted "" = '')."""
    if not data:
        return {c: pa.chunked_array([], pa.string()) for c in names}
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return {c: table.column(c) for c in names}


ARROW_IN = {
    "text": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.int64(),
    "ts": pa.string(),
}
"""Arrow types the SQLite values are gathered into (booleans come back as 0/1)."""


def typed(columns: dict[str, Any], kinds: dict[str, str]) -> pd.DataFrame:
    """Query columns (Arrow arrays: SQLite values or COPY text) in the canonical dtypes."""
    out = {}
    for c, kind in kinds.items():
        arr = columns[c]
        if kind == "ts":
            stamps = pc.cast(arr, pa.timestamp("us"))  # `YYYY-MM-DD HH:MM:SS.ffffff`, UTC
            series = pd.Series(stamps.to_numpy(zero_copy_only=False), dtype="datetime64[us]")
            out[c] = series.dt.tz_localize("UTC").dt.tz_convert(IST)
        elif kind in ("int", "bool"):
            arr = pc.cast(arr, pa.int64())
            if kind == "bool":
                out[c] = pd.Series(arr.to_numpy(zero_copy_only=False) != 0)
            elif c == "level" or arr.null_count:
                values = arr.to_numpy(zero_copy_only=False)
                out[c] = pd.Series(
                    pd.array(values, dtype="Int64") if len(arr) else [], dtype="Int64"
                )
            else:
                out[c] = pd.Series(arr.to_numpy(zero_copy_only=False), dtype="int64")
        elif kind == "float":
            values = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
            out[c] = pd.Series(values, dtype="float64")
        else:
            out[c] = pd.Series(arr, dtype="str")
    return pd.DataFrame(out)


def typed_empty(kinds: dict[str, str]) -> pd.DataFrame:
    """No rows, in the canonical dtypes of `kinds`."""
    return typed({c: pa.array([], ARROW_IN[k]) for c, k in kinds.items()}, kinds)
