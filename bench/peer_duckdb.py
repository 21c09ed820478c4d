"""Peer implementation in DuckDB SQL: the five report tables of metrics.md from one CSV.

Usage: python bench/peer_duckdb.py IN.csv OUTDIR [--as-of 'YYYY-MM-DD HH:MM:SS']
                                     [--memory-limit 12GB]

Straightforward analyst code, independent of the `analytics` package: reads one canonical
CSV (IST timestamps without offset, canonical actions), calendar days, default level table.
Every figure, including the chain order of same-time events, is computed in SQL; Python only
passes parameters and writes the CSV files.
"""

from __future__ import annotations

import argparse
import csv
import math
from datetime import datetime
from pathlib import Path

import duckdb

LEVEL_TABLE = {
    1: "Assistant Section Officer, Assistant, Dealing Assistant, Dealing Hand, Upper Division "
    "Clerk, Lower Division Clerk, Clerk, Upper Division Assistant, Lower Division Assistant, "
    "Junior Administrative Assistant, Senior Administrative Assistant, Secretariat Assistant",
    2: "Section Officer, Desk Officer, Superintendent",
    3: "Under Secretary, Assistant Secretary",
    4: "Deputy Secretary, Deputy Director",
    5: "Director, Joint Director",
    6: "Joint Secretary",
    7: "Additional Secretary, Special Secretary",
    8: "Secretary, Commissioner & Secretary, Principal Secretary, Additional Chief Secretary",
    9: "Chief Secretary, Minister",
}
LEVEL_OF = {
    name.strip().lower(): level for level, names in LEVEL_TABLE.items() for name in names.split(",")
}
RANK = {"created": 0, "reopened": 1, "moved": 2, "parked": 3, "closed": 4}
STINT_ACTIONS = ["created", "moved", "reopened"]
FILE_TYPES = {
    "e": "electronic",
    "efile": "electronic",
    "p": "physical",
    "physical file": "physical",
}
DAY = 86400.0

COLUMNS = {
    "movement_ratio": [
        "state",
        "department",
        "month",
        "files_created",
        "movements",
        "movement_ratio",
    ],
    "level_turnaround": ["state", "level", "stints", "median_days", "mean_days", "p90_days"],
    "pendency": [
        "state",
        "department",
        "level",
        "pending",
        "age_0_7",
        "age_8_15",
        "age_16_30",
        "age_31_60",
        "age_over_60",
        "parked",
    ],
    "files": [
        "state",
        "file_id",
        "department",
        "created_at",
        "closed_at",
        "status",
        "movements",
        "levels_traversed",
        "holders",
        "returns",
        "disposal_days",
        "over_4_levels",
    ],
    "summary": [
        "state",
        "department",
        "files_created",
        "movements",
        "movement_ratio",
        "efile_share",
        "pending",
        "parked",
        "mean_levels_pending",
        "mean_holders_pending",
        "files_over_4_levels",
    ],
}


# Holder after the previous event w, as seen by the next same-time group (log-format.md):
# inside a group the holder is the previous event's to_user; across groups it is the rule of
# thumb (parked: from_user, closed: nobody, otherwise to_user).
PREPARE = """
CREATE TEMP TABLE levels AS
    SELECT * FROM (VALUES {level_rows}) t(designation, level);

CREATE TEMP TABLE raw AS
    SELECT * FROM read_csv($path, all_varchar = true, header = true);

CREATE TEMP TABLE dedup AS
    SELECT * FROM (
        SELECT state, file_id, department,
               coalesce(file_type, '') AS file_type,
               action,
               trim(coalesce(from_user, '')) AS from_user,
               trim(coalesce(to_user, '')) AS to_user,
               coalesce(from_designation, '') AS from_designation,
               coalesce(to_designation, '') AS to_designation,
               CAST("timestamp" AS TIMESTAMP) AS ts,
               rowid AS row
        FROM raw
    )
    QUALIFY row_number() OVER (
        PARTITION BY state, file_id, action, from_user, to_user, ts ORDER BY row) = 1;

CREATE TEMP TABLE t_of_state AS
    SELECT state, coalesce(CAST($as_of AS TIMESTAMP), max(ts)) AS t
    FROM dedup GROUP BY state;

CREATE TEMP TABLE ev AS
    SELECT d.*,
           CASE action WHEN 'created' THEN 0 WHEN 'reopened' THEN 1 WHEN 'moved' THEN 2
                       WHEN 'parked' THEN 3 WHEN 'closed' THEN 4 END AS rank
    FROM dedup d JOIN t_of_state USING (state)
    WHERE d.ts <= t_of_state.t;

CREATE TEMP TABLE chain AS
WITH RECURSIVE
    grp AS (
        SELECT state, file_id, count(*) AS n FROM ev GROUP BY state, file_id, ts, rank
    ),
    aff AS (SELECT DISTINCT state, file_id FROM grp WHERE n > 1),
    e AS (SELECT ev.* FROM ev SEMI JOIN aff USING (state, file_id)),
    walk(state, file_id, seq, ts, rank, row, action, from_user, to_user, used) AS (
        SELECT state, file_id, -1, NULL::TIMESTAMP, NULL::INTEGER, NULL::BIGINT,
               NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, []::BIGINT[]
        FROM aff
        UNION ALL
        SELECT e.state, e.file_id, w.seq + 1, e.ts, e.rank, e.row, e.action, e.from_user,
               e.to_user, list_append(w.used, e.row)
        FROM walk w
        JOIN e ON e.state = w.state AND e.file_id = w.file_id
              AND NOT list_contains(w.used, e.row)
        QUALIFY row_number() OVER (
            PARTITION BY e.state, e.file_id
            ORDER BY e.ts, e.rank,
                     (e.from_user = CASE
                         WHEN e.ts = w.ts AND e.rank = w.rank THEN w.to_user
                         WHEN w.action = 'parked' THEN w.from_user
                         WHEN w.action = 'closed' THEN NULL
                         ELSE w.to_user END) DESC NULLS LAST,
                     e.row) = 1
    )
    SELECT row, seq FROM walk WHERE seq >= 0;

CREATE TEMP TABLE o AS
    SELECT ev.state, ev.file_id,
           ev.department, ev.file_type, ev.action, ev.from_user, ev.to_user, ev.ts,
           coalesce(chain.seq, row_number() OVER f0 - 1) AS seq,
           fl.level AS from_level, tl.level AS to_level
    FROM ev
    LEFT JOIN chain USING (row)
    LEFT JOIN levels fl
        ON fl.designation = lower(regexp_replace(trim(ev.from_designation), '\\s+', ' ', 'g'))
    LEFT JOIN levels tl
        ON tl.designation = lower(regexp_replace(trim(ev.to_designation), '\\s+', ' ', 'g'))
    WINDOW f0 AS (PARTITION BY ev.state, ev.file_id ORDER BY ev.ts, ev.rank, ev.row);
"""

PREPARE_2 = """
CREATE TEMP TABLE events AS
    SELECT o.* EXCLUDE (department),
           first_value(o.department) OVER w AS department,
           lead(o.ts) OVER w AS next_ts,
           o.action IN ('created', 'moved', 'reopened') AS is_stint
    FROM o
    WINDOW w AS (PARTITION BY o.state, o.file_id ORDER BY o.seq);

CREATE TEMP TABLE files AS
WITH agg AS (
    SELECT state, file_id,
           min(ts) FILTER (WHERE action = 'created') AS created_at,
           arg_min(file_type, seq) FILTER (WHERE action = 'created') AS first_type,
           max(ts) FILTER (WHERE action = 'closed') AS last_closed,
           count(*) FILTER (WHERE action = 'moved') AS movements,
           count(DISTINCT to_level) FILTER (WHERE is_stint) AS levels_traversed,
           count(DISTINCT to_user) FILTER (WHERE is_stint) AS holders,
           count(*) FILTER (WHERE action = 'moved' AND to_level < from_level) AS returns
    FROM events GROUP BY state, file_id
),
last AS (
    SELECT state, file_id, department, ts AS last_ts,
           CASE action WHEN 'parked' THEN 'parked' WHEN 'closed' THEN 'closed'
                       ELSE 'pending' END AS status,
           CASE WHEN action = 'parked' THEN from_level ELSE to_level END AS level
    FROM events WHERE next_ts IS NULL
)
SELECT last.state, last.file_id, last.department, agg.created_at,
       CASE WHEN status = 'closed' THEN agg.last_closed END AS closed_at,
       status, agg.movements, agg.levels_traversed, agg.holders, agg.returns,
       date_diff('microsecond', agg.created_at,
                 CASE WHEN status = 'closed' THEN agg.last_closed END) / 86400e6 AS disposal_days,
       agg.levels_traversed > 4 AS over_4_levels,
       last.level,
       date_diff('microsecond', last.last_ts, t_of_state.t) / 86400e6 AS age,
       agg.created_at IS NOT NULL AS has_created,
       CASE lower(trim(agg.first_type))
           WHEN '' THEN 'electronic' WHEN 'e' THEN 'electronic' WHEN 'efile' THEN 'electronic'
           WHEN 'p' THEN 'physical' WHEN 'physical file' THEN 'physical'
           ELSE lower(trim(agg.first_type)) END = 'electronic' AS electronic
FROM last JOIN agg USING (state, file_id) JOIN t_of_state USING (state);
"""
# (`to_level < from_level` is NULL, so not counted, when either level is unmapped.)

TABLES = {
    "movement_ratio": """
        SELECT state, department, strftime(ts, '%Y-%m') AS month,
               count(*) FILTER (WHERE action = 'created') AS files_created,
               count(*) FILTER (WHERE action = 'moved') AS movements,
               CASE WHEN files_created > 0 THEN movements / files_created END AS movement_ratio
        FROM events GROUP BY ALL ORDER BY state, department, month
    """,
    "level_turnaround": """
        WITH s AS (
            SELECT state, to_level AS level,
                   date_diff('microsecond', ts, next_ts) / 86400e6 AS days
            FROM events WHERE is_stint AND next_ts IS NOT NULL
        )
        SELECT state, level, count(*) AS stints, median(days) AS median_days,
               avg(days) AS mean_days, quantile_cont(days, 0.9) AS p90_days
        FROM s GROUP BY ALL ORDER BY state, level NULLS LAST
    """,
    "pendency": """
        SELECT state, department, level,
               count(*) FILTER (WHERE status = 'pending') AS pending,
               count(*) FILTER (WHERE status = 'pending' AND age <= 7) AS age_0_7,
               count(*) FILTER (WHERE status = 'pending' AND age > 7 AND age <= 15) AS age_8_15,
               count(*) FILTER (WHERE status = 'pending' AND age > 15 AND age <= 30)
                   AS age_16_30,
               count(*) FILTER (WHERE status = 'pending' AND age > 30 AND age <= 60)
                   AS age_31_60,
               count(*) FILTER (WHERE status = 'pending' AND age > 60) AS age_over_60,
               count(*) FILTER (WHERE status = 'parked') AS parked
        FROM files WHERE status <> 'closed'
        GROUP BY ALL ORDER BY state, department, level NULLS LAST
    """,
    "files": """
        SELECT * FROM files ORDER BY state, file_id
    """,
    "summary": """
        WITH e AS (
            SELECT state, department,
                   count(*) FILTER (WHERE action = 'created') AS files_created,
                   count(*) FILTER (WHERE action = 'moved') AS movements
            FROM events GROUP BY ALL
        ),
        f AS (
            SELECT state, department,
                   count(*) FILTER (WHERE has_created) AS n_created,
                   count(*) FILTER (WHERE has_created AND electronic) AS n_electronic,
                   count(*) FILTER (WHERE status = 'pending') AS pending,
                   count(*) FILTER (WHERE status = 'parked') AS parked,
                   avg(levels_traversed) FILTER (WHERE status = 'pending')
                       AS mean_levels_pending,
                   avg(holders) FILTER (WHERE status = 'pending') AS mean_holders_pending,
                   count(*) FILTER (WHERE over_4_levels) AS files_over_4_levels
            FROM files GROUP BY ALL
        )
        SELECT state, department, files_created, movements,
               CASE WHEN files_created > 0 THEN movements / files_created END
                   AS movement_ratio,
               CASE WHEN n_created > 0 THEN n_electronic / n_created END AS efile_share,
               pending, parked, mean_levels_pending, mean_holders_pending, files_over_4_levels
        FROM e JOIN f USING (state, department)
        ORDER BY state, department
    """,
}


def fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + f".{value.microsecond:06d}".rstrip("0") if value.microsecond else text
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def run(log: str, out_dir: str, as_of: str | None, memory_limit: str | None = None) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    if memory_limit:  # DuckDB's own knob (spills to disk past it); the computation is the same
        con.execute(f"SET memory_limit = '{memory_limit}'")
    level_rows = ", ".join(
        "('{}', {})".format(name.replace("'", "''"), level) for name, level in LEVEL_OF.items()
    )
    statements = PREPARE.format(level_rows=level_rows).split(";")
    for statement in statements:
        if not statement.strip():
            continue
        params = {k: v for k, v in {"path": log, "as_of": as_of}.items() if f"${k}" in statement}
        con.execute(statement, params or None)
    con.execute(PREPARE_2)
    for name, columns in COLUMNS.items():
        result = con.execute(f"SELECT {', '.join(columns)} FROM ({TABLES[name]})")
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            while batch := result.fetchmany(100_000):
                writer.writerows([fmt(v) for v in row] for row in batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("log")
    parser.add_argument("out")
    parser.add_argument("--as-of", help="one T for all states, 'YYYY-MM-DD HH:MM:SS' IST")
    parser.add_argument(
        "--memory-limit", help="DuckDB's memory_limit, e.g. 12GB (default: DuckDB's own)"
    )
    args = parser.parse_args()
    run(args.log, args.out, args.as_of, args.memory_limit)


if __name__ == "__main__":
    main()
