"""Bulk insert of a frame into a store table: SQLite multi-row INSERTs, PostgreSQL COPY."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection

from analytics.store.values import csv_bytes, db_values

SQLITE_CHUNK = 200_000
SQLITE_ROWS_PER_STATEMENT = 20


def bulk_insert(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    kinds: dict[str, str],
    on_conflict: str | None = None,
) -> int:
    """Insert rows fast (executemany / COPY); with `on_conflict`, skip rows already there.

    Returns the number of rows inserted.
    """
    if frame.empty:
        return 0
    names = list(kinds)
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        return _sqlite_insert(raw, table, frame[names], kinds, on_conflict is not None)
    return _copy_insert(raw, table, frame[names], kinds, on_conflict)


def _copy_insert(
    raw: Any, table: str, frame: pd.DataFrame, kinds: dict[str, str], on_conflict: str | None
) -> int:
    """PostgreSQL: COPY; with `on_conflict`, COPY into a staging table first."""
    cols = ", ".join(f'"{c}"' for c in kinds)
    data = csv_bytes(frame, kinds)
    with raw.cursor() as cursor:
        if on_conflict is None:
            with cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(data)
            return len(frame)
        staging = f"staging_{table}"
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(
            f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {staging} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(data)
        cursor.execute(
            # A fresh temporary heap is scanned in COPY order, so ids follow the read
            # order without sorting millions of rows.
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging} "
            f"ON CONFLICT ON CONSTRAINT {on_conflict} DO NOTHING"
        )
        count = cursor.rowcount
        cursor.execute(f"DROP TABLE {staging}")
        return int(count)


def _sqlite_insert(
    raw: Any, table: str, frame: pd.DataFrame, kinds: dict[str, str], skip_conflicts: bool
) -> int:
    """executemany in chunks, SQLITE_ROWS_PER_STATEMENT rows per INSERT (fewer statement
    steps per row); rows keep their order, so rowids follow it. Returns rows inserted."""
    names = list(kinds)
    width = len(names)
    cols = ", ".join(f'"{c}"' for c in names)
    one = "(" + ", ".join("?" * width) + ")"
    tail = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    per = SQLITE_ROWS_PER_STATEMENT
    many_sql = f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * per)}{tail}"
    one_sql = f"INSERT INTO {table} ({cols}) VALUES {one}{tail}"
    cursor = raw.cursor()
    count = 0
    for start in range(0, len(frame), SQLITE_CHUNK):
        part = frame.iloc[start : start + SQLITE_CHUNK]
        values = [db_values(part[c], kinds[c], "sqlite") for c in names]
        n = len(part)
        full = n // per * per
        if full:
            flat: list[Any] = [None] * (full * width)
            for i, col in enumerate(values):
                flat[i::width] = col[:full]
            step = per * width
            cursor.executemany(many_sql, (flat[k : k + step] for k in range(0, len(flat), step)))
            count += cursor.rowcount
        if full < n:
            cursor.executemany(one_sql, zip(*(col[full:] for col in values), strict=True))
            count += cursor.rowcount
    cursor.close()
    return count
