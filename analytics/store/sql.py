"""Per-dialect SQL of the store: placeholders, filters, select lists, typed queries (SQLite
cursor / PostgreSQL COPY), the events in the order read and the `touched` key table."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, text

from analytics.log.hierarchy import LevelTable
from analytics.store.values import (
    ARROW_IN,
    EVENT_DB_COLUMNS,
    csv_arrays,
    csv_bytes,
    typed,
    typed_empty,
)

FETCH_CHUNK = 250_000


def placeholder(dialect: str) -> str:
    """The DBAPI parameter mark of the dialect (what `{p}` in a `filters` clause becomes)."""
    return "?" if dialect == "sqlite" else "%s"


def filters(
    alias: str, states: Sequence[str] | None, departments: Sequence[str] | None
) -> tuple[str, list[Any]]:
    """A WHERE clause (marks as `{p}`) selecting rows of `alias` by state and by the file's
    department, and its parameters."""
    clauses, params = [], []
    if states is not None:
        clauses.append(f"{alias}.state IN ({', '.join(['{p}'] * len(states)) or 'NULL'})")
        params += list(states)
    if departments is not None:
        marks = ", ".join(["{p}"] * len(departments)) or "NULL"
        clauses.append(
            f"EXISTS (SELECT 1 FROM file_facts ff WHERE ff.state = {alias}.state AND "
            f"ff.file_id = {alias}.file_id AND ff.department IN ({marks}))"
        )
        params += list(departments)
    return " AND ".join(clauses), params


def select_list(dialect: str, alias: str, kinds: dict[str, str]) -> str:
    """Columns of `alias` as `query` reads them (PostgreSQL: moments as UTC text, 0/1)."""
    parts = []
    for c, kind in kinds.items():
        col = f'{alias}."{c}"'
        if kind == "ts" and dialect == "postgresql":
            col = f"to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        elif kind == "bool" and dialect == "postgresql":
            col = f"CASE WHEN {col} THEN 1 ELSE 0 END"
        parts.append(col)
    return ", ".join(parts)


def fetch_events(
    conn: Connection,
    *,
    where: str = "",
    params: Sequence[Any] = (),
    join_touched: bool = False,
) -> pd.DataFrame:
    """Events in the order read (upload, then `read_pos`), canonical dtypes, plus `id`."""
    dialect = conn.dialect.name
    kinds = {"id": "int", **EVENT_DB_COLUMNS}
    on = "e.state = t.state AND e.file_id = t.file_id"
    if not join_touched:
        source = "events e"
    elif dialect == "sqlite":  # CROSS JOIN: touched drives, events' key index probed
        source = f"touched t CROSS JOIN events e ON {on}"
    else:
        source = f"events e JOIN touched t ON {on}"
    sql = f"SELECT {select_list(dialect, 'e', kinds)} FROM {source}"
    if where:
        sql += " WHERE " + where.format(p=placeholder(dialect))
    sql += " ORDER BY e.id"  # ids follow the read order (events are inserted in it) ...
    return in_read_order(query(conn, sql, list(params), kinds))


def query(conn: Connection, sql: str, params: list[Any], kinds: dict[str, str]) -> pd.DataFrame:
    """Run `sql` and return its rows as a frame of `kinds` (SQLite in bounded chunks,
    PostgreSQL through COPY csv)."""
    names = list(kinds)
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        cursor = raw.cursor()
        cursor.execute(sql, params)
        parts = []
        while rows := cursor.fetchmany(FETCH_CHUNK):  # typed chunk by chunk: bounded memory
            columns = list(zip(*rows, strict=True))
            arrays = {
                c: pa.array(col, ARROW_IN[kinds[c]]) for c, col in zip(names, columns, strict=True)
            }
            parts.append(typed(arrays, kinds))
        cursor.close()
        if not parts:
            return typed_empty(kinds)
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    buffer = io.BytesIO()
    with raw.cursor() as cursor:
        copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"
        with cursor.copy(copy_sql, params or None) as copy:
            for chunk in copy:
                buffer.write(chunk)
    return typed(csv_arrays(buffer.getvalue(), names), kinds)


def load_touched(conn: Connection, keys: pd.DataFrame) -> None:
    """Fill the transaction's temporary `touched` table with (state, file_id) keys."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        cursor = raw.cursor()
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS touched "
            "(state TEXT NOT NULL, file_id TEXT NOT NULL, PRIMARY KEY (state, file_id))"
        )
        cursor.execute("DELETE FROM touched")
        cursor.executemany(
            "INSERT INTO touched (state, file_id) VALUES (?, ?)",
            zip(keys["state"].tolist(), keys["file_id"].tolist(), strict=True),
        )
        cursor.close()
    else:
        with raw.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS touched")
            cursor.execute(
                'CREATE TEMP TABLE touched (state text COLLATE "C" NOT NULL, '
                'file_id text COLLATE "C" NOT NULL, '
                "PRIMARY KEY (state, file_id)) ON COMMIT DROP"
            )
            with cursor.copy("COPY touched (state, file_id) FROM STDIN (FORMAT csv)") as cp:
                cp.write(csv_bytes(keys, {"state": "text", "file_id": "text"}))
            cursor.execute("ANALYZE touched")
            # Fetching and deleting the touched files' rows: index probes per touched file
            # beat hashing millions of stored rows (10-20x on a 5M-event store).
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")


def in_read_order(events: pd.DataFrame) -> pd.DataFrame:
    """Events in the order read, whose key is (upload_id, read_pos): sorted by it unless the
    rows already are (`fetch_events` reads them by id, which follows it)."""
    upload, pos = events["upload_id"].to_numpy(), events["read_pos"].to_numpy()
    if len(upload) < 2:
        return events
    ahead = (upload[1:] > upload[:-1]) | ((upload[1:] == upload[:-1]) & (pos[1:] > pos[:-1]))
    if ahead.all():
        return events
    return events.iloc[np.lexsort((pos, upload))].reset_index(drop=True)


def level_table(conn: Connection) -> LevelTable:
    """The hierarchy mapping in force (the default table until one is set)."""
    rows = conn.execute(
        text("SELECT state, designation, level, level_name FROM levels ORDER BY id")
    ).all()
    if not rows:
        return LevelTable.default()
    frame = pd.DataFrame(rows, columns=["state", "designation", "level", "level_name"])
    return LevelTable(frame)


def event_states(conn: Connection) -> list[str]:
    """The states of the stored events, sorted."""
    return sorted(r[0] for r in conn.execute(text("SELECT DISTINCT state FROM events")))
