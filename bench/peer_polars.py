"""Peer implementation in plain polars: the five report tables of metrics.md from one CSV.

Usage: python bench/peer_polars.py IN.csv OUTDIR [--as-of 'YYYY-MM-DD HH:MM:SS']

Straightforward analyst code, independent of the `analytics` package: reads one canonical
CSV (IST timestamps without offset, canonical actions), calendar days, default level table.
"""

from __future__ import annotations

import argparse
import csv
import math
from datetime import datetime
from pathlib import Path

import polars as pl

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


DAY_US = 86_400_000_000.0


def holder_after(action: str, from_user: str, to_user: str) -> str | None:
    """Who has the file after an event (log-format.md's rule of thumb)."""
    if action == "parked":
        return from_user
    if action == "closed":
        return None
    return to_user


def chain_order(events: list[tuple]) -> list[int]:
    """Rows of one file's events, given as (ts, rank, row, action, from, to) sorted by
    (ts, rank, row), in log order: same-time same-action groups follow the chain."""
    out: list[int] = []
    holder = None
    i, n = 0, len(events)
    while i < n:
        j = i
        while j < n and events[j][:2] == events[i][:2]:
            j += 1
        group = list(events[i:j])
        while group:
            k = next((k for k, e in enumerate(group) if e[4] == holder), 0)
            event = group.pop(k)
            out.append(event[2])
            holder = event[5]
        holder = holder_after(event[3], event[4], event[5])
        i = j
    return out


def level_expr(column: str) -> pl.Expr:
    return (
        pl.col(column)
        .str.strip_chars()
        .str.replace_all(r"\s+", " ")
        .str.to_lowercase()
        .replace_strict(LEVEL_OF, default=None, return_dtype=pl.Int64)
    )


def days(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds() / DAY_US


def read_events(path: str) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema=False, empty_string_is_null=False)
    df = df.with_columns(
        pl.col("from_user").str.strip_chars(),
        pl.col("to_user").str.strip_chars(),
        ts=pl.col("timestamp").str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us"),
        row=pl.int_range(pl.len(), dtype=pl.Int64),
    )
    return df.unique(
        subset=["state", "file_id", "action", "from_user", "to_user", "ts"],
        keep="first",
        maintain_order=True,
    )


def order_events(df: pl.DataFrame) -> pl.DataFrame:
    df = df.with_columns(rank=pl.col("action").replace_strict(RANK, return_dtype=pl.Int64))
    df = df.sort(["state", "file_id", "ts", "rank", "row"])
    new_file = (pl.col("state") != pl.col("state").shift(1)) | (
        pl.col("file_id") != pl.col("file_id").shift(1)
    )
    df = df.with_columns(fid=new_file.fill_null(True).cast(pl.Int64).cum_sum())
    df = df.with_columns(seq=pl.int_range(pl.len(), dtype=pl.Int64).over("fid"))
    multi = df.filter(pl.len().over(["fid", "ts", "rank"]) > 1)["fid"].unique()
    if len(multi):
        sub = df.filter(pl.col("fid").is_in(multi.implode())).select(
            "fid", "ts", "rank", "row", "action", "from_user", "to_user"
        )
        rows: list[int] = []
        seqs: list[int] = []
        for grp in sub.partition_by("fid", maintain_order=True):
            order = chain_order(grp.drop("fid").rows())
            rows.extend(order)
            seqs.extend(range(len(order)))
        fix = pl.DataFrame(
            {"row": rows, "new_seq": seqs}, schema={"row": pl.Int64, "new_seq": pl.Int64}
        )
        df = (
            df.join(fix, on="row", how="left")
            .with_columns(seq=pl.coalesce("new_seq", "seq"))
            .drop("new_seq")
            .sort(["fid", "seq"])
        )
    return df


def compute(df: pl.DataFrame, as_of: datetime | None) -> dict[str, pl.DataFrame]:
    if as_of is not None:
        df = df.filter(pl.col("ts") <= as_of)
        t_of_state = df.select(pl.col("state").unique()).with_columns(
            T=pl.lit(as_of, dtype=pl.Datetime("us"))
        )
    else:
        t_of_state = df.group_by("state").agg(T=pl.col("ts").max())
    df = order_events(df)
    is_stint = pl.col("action").is_in(STINT_ACTIONS)
    df = df.with_columns(
        department=pl.col("department").first().over("fid"),
        next_ts=pl.col("ts").shift(-1).over("fid"),
        from_level=level_expr("from_designation"),
        to_level=level_expr("to_designation"),
        created=(pl.col("action") == "created").cast(pl.Int64),
        moved=(pl.col("action") == "moved").cast(pl.Int64),
    )

    mr = (
        df.group_by("state", "department", month=pl.col("ts").dt.strftime("%Y-%m"))
        .agg(files_created=pl.col("created").sum(), movements=pl.col("moved").sum())
        .with_columns(
            movement_ratio=pl.when(pl.col("files_created") > 0).then(
                pl.col("movements") / pl.col("files_created")
            )
        )
        .sort("state", "department", "month")
    )

    lt = (
        df.filter(is_stint & pl.col("next_ts").is_not_null())
        .with_columns(days=days(pl.col("next_ts") - pl.col("ts")), level=pl.col("to_level"))
        .group_by("state", "level")
        .agg(
            stints=pl.len(),
            median_days=pl.col("days").median(),
            mean_days=pl.col("days").mean(),
            p90_days=pl.col("days").quantile(0.9, interpolation="linear"),
        )
        .sort("state", "level", nulls_last=True)
    )

    action = pl.col("action")
    files = (
        df.group_by("fid")
        .agg(
            state=pl.col("state").first(),
            file_id=pl.col("file_id").first(),
            department=pl.col("department").first(),
            last_action=action.last(),
            last_ts=pl.col("ts").last(),
            last_to_level=pl.col("to_level").last(),
            last_from_level=pl.col("from_level").last(),
            created_at=pl.col("ts").filter(action == "created").first(),
            first_type=pl.col("file_type").filter(action == "created").first(),
            last_closed=pl.col("ts").filter(action == "closed").max(),
            movements=pl.col("moved").sum(),
            levels_traversed=pl.col("to_level")
            .filter(is_stint & pl.col("to_level").is_not_null())
            .n_unique(),
            holders=pl.col("to_user").filter(is_stint).n_unique(),
            returns=(
                (action == "moved")
                & pl.col("from_level").is_not_null()
                & pl.col("to_level").is_not_null()
                & (pl.col("to_level") < pl.col("from_level"))
            ).sum(),
        )
        .join(t_of_state, on="state", how="left")
    )
    status = (
        pl.when(pl.col("last_action") == "parked")
        .then(pl.lit("parked"))
        .when(pl.col("last_action") == "closed")
        .then(pl.lit("closed"))
        .otherwise(pl.lit("pending"))
    )
    files = files.with_columns(status=status).with_columns(
        closed_at=pl.when(pl.col("status") == "closed").then(pl.col("last_closed")),
        level=pl.when(pl.col("status") == "parked")
        .then(pl.col("last_from_level"))
        .otherwise(pl.col("last_to_level")),
        age=days(pl.col("T") - pl.col("last_ts")),
        electronic=pl.col("first_type")
        .str.strip_chars()
        .str.to_lowercase()
        .replace({"": "electronic", **FILE_TYPES})
        == "electronic",
        over_4_levels=pl.col("levels_traversed") > 4,
        levels_traversed=pl.col("levels_traversed").cast(pl.Int64),
        holders=pl.col("holders").cast(pl.Int64),
        returns=pl.col("returns").cast(pl.Int64),
    )
    files = files.with_columns(disposal_days=days(pl.col("closed_at") - pl.col("created_at"))).sort(
        "state", "file_id"
    )

    age = pl.col("age")
    pending = pl.col("status") == "pending"
    buckets = {
        "age_0_7": age <= 7,
        "age_8_15": (age > 7) & (age <= 15),
        "age_16_30": (age > 15) & (age <= 30),
        "age_31_60": (age > 30) & (age <= 60),
        "age_over_60": age > 60,
    }
    pe = (
        files.filter(pl.col("status") != "closed")
        .group_by("state", "department", "level")
        .agg(
            pending=pending.sum().cast(pl.Int64),
            **{name: (cond & pending).sum().cast(pl.Int64) for name, cond in buckets.items()},
            parked=(pl.col("status") == "parked").sum().cast(pl.Int64),
        )
        .sort("state", "department", "level", nulls_last=True)
    )

    ev = df.group_by("state", "department").agg(
        files_created=pl.col("created").sum(), movements=pl.col("moved").sum()
    )
    has_created = pl.col("created_at").is_not_null()
    fs = files.group_by("state", "department").agg(
        n_created=has_created.sum(),
        n_electronic=(has_created & pl.col("electronic")).sum(),
        pending=pending.sum().cast(pl.Int64),
        parked=(pl.col("status") == "parked").sum().cast(pl.Int64),
        mean_levels_pending=pl.col("levels_traversed").filter(pending).mean(),
        mean_holders_pending=pl.col("holders").filter(pending).mean(),
        files_over_4_levels=pl.col("over_4_levels").sum().cast(pl.Int64),
    )
    sm = (
        ev.join(fs, on=["state", "department"], how="left")
        .with_columns(
            movement_ratio=pl.when(pl.col("files_created") > 0).then(
                pl.col("movements") / pl.col("files_created")
            ),
            efile_share=pl.when(pl.col("n_created") > 0).then(
                pl.col("n_electronic") / pl.col("n_created")
            ),
        )
        .sort("state", "department")
    )
    return {
        "movement_ratio": mr,
        "level_turnaround": lt,
        "pendency": pe,
        "files": files,
        "summary": sm,
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


def write(tables: dict[str, pl.DataFrame], out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, columns in COLUMNS.items():
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            for row in tables[name].select(columns).iter_rows():
                writer.writerow([fmt(v) for v in row])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("log")
    parser.add_argument("out")
    parser.add_argument("--as-of", help="one T for all states, 'YYYY-MM-DD HH:MM:SS' IST")
    args = parser.parse_args()
    as_of = datetime.fromisoformat(args.as_of) if args.as_of else None
    write(compute(read_events(args.log), as_of), args.out)


if __name__ == "__main__":
    main()
