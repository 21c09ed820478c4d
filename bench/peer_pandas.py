"""Peer implementation in plain pandas: the five report tables of metrics.md from one CSV.

Usage: python bench/peer_pandas.py IN.csv OUTDIR [--as-of 'YYYY-MM-DD HH:MM:SS']

Straightforward analyst code, independent of the `analytics` package: reads one canonical
CSV (IST timestamps without offset, canonical actions), calendar days, default level table.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

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


def level_of(designation: str) -> float:
    """Level of a designation (NaN when unmapped): case-insensitive, trimmed, spaces collapsed."""
    key = re.sub(r"\s+", " ", designation.strip()).lower()
    return float(LEVEL_OF.get(key, np.nan))


def map_levels(values: pd.Series) -> pd.Series:
    table = {value: level_of(value) for value in pd.unique(values)}
    return values.map(table).astype("float64")


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


def read_events(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["from_user"] = df["from_user"].str.strip()
    df["to_user"] = df["to_user"].str.strip()
    df["ts"] = pd.to_datetime(df["timestamp"], format="ISO8601")
    df["row"] = np.arange(len(df))
    return df.drop_duplicates(
        subset=["state", "file_id", "action", "from_user", "to_user", "ts"], keep="first"
    )


def order_events(df: pd.DataFrame) -> pd.DataFrame:
    df = df.assign(rank=df["action"].map(RANK))
    df = df.sort_values(["state", "file_id", "ts", "rank", "row"]).reset_index(drop=True)
    df["fid"] = df.groupby(["state", "file_id"], sort=False).ngroup()
    df["seq"] = df.groupby("fid", sort=False).cumcount()
    multi = df.duplicated(["fid", "ts", "rank"], keep=False)
    if multi.any():
        sel = df["fid"].isin(df.loc[multi, "fid"].unique())
        sub = df.loc[sel, ["fid", "ts", "rank", "row", "action", "from_user", "to_user"]]
        new_seq = pd.Series(0, index=sub.index)
        for _, grp in sub.groupby("fid", sort=False):
            order = chain_order(
                list(
                    zip(
                        grp["ts"],
                        grp["rank"],
                        grp["row"],
                        grp["action"],
                        grp["from_user"],
                        grp["to_user"],
                        strict=True,
                    )
                )
            )
            position = {row: k for k, row in enumerate(order)}
            new_seq.loc[grp.index] = grp["row"].map(position).to_numpy()
        df.loc[sel, "seq"] = new_seq
        df = df.sort_values(["fid", "seq"]).reset_index(drop=True)
    return df


def compute(df: pd.DataFrame, as_of: pd.Timestamp | None) -> dict[str, pd.DataFrame]:
    if as_of is not None:
        df = df[df["ts"] <= as_of]
        t_of_state = pd.Series(as_of, index=pd.unique(df["state"]))
    else:
        t_of_state = df.groupby("state")["ts"].max()
    df = order_events(df)
    by_file = df.groupby("fid", sort=False)
    df["department"] = by_file["department"].transform("first")
    df["next_ts"] = by_file["ts"].shift(-1)
    df["from_level"] = map_levels(df["from_designation"])
    df["to_level"] = map_levels(df["to_designation"])
    df["is_created"] = df["action"].eq("created").astype(int)
    df["is_moved"] = df["action"].eq("moved").astype(int)

    # movement_ratio
    mr = (
        df.assign(year=df["ts"].dt.year, mon=df["ts"].dt.month)
        .groupby(["state", "department", "year", "mon"], as_index=False)[["is_created", "is_moved"]]
        .sum()
        .rename(columns={"is_created": "files_created", "is_moved": "movements"})
    )
    mr["month"] = [f"{y:04d}-{m:02d}" for y, m in zip(mr["year"], mr["mon"], strict=True)]
    mr["movement_ratio"] = (mr["movements"] / mr["files_created"]).where(mr["files_created"] > 0)
    mr = mr.sort_values(["state", "department", "month"])

    # level_turnaround
    stints = df[df["action"].isin(STINT_ACTIONS)].copy()
    stints["level"] = stints["to_level"]
    ended = stints[stints["next_ts"].notna()].copy()
    ended["days"] = (ended["next_ts"] - ended["ts"]).dt.total_seconds() / DAY
    lt = (
        ended.groupby(["state", "level"], dropna=False)["days"]
        .agg(
            stints="count",
            median_days="median",
            mean_days="mean",
            p90_days=lambda x: np.percentile(x.to_numpy(), 90),
        )
        .reset_index()
        .sort_values(["state", "level"], na_position="last")
    )

    # per file
    last = by_file.tail(1).set_index("fid")
    files = last[["state", "file_id", "department"]].copy()
    files["status"] = np.where(
        last["action"] == "parked",
        "parked",
        np.where(last["action"] == "closed", "closed", "pending"),
    )
    created = df[df["action"] == "created"].groupby("fid").first()
    files["created_at"] = created["ts"]
    files["first_type"] = (
        created["file_type"].str.strip().str.lower().replace({"": "electronic"}).replace(FILE_TYPES)
    )
    closed_at = df[df["action"] == "closed"].groupby("fid")["ts"].max()
    files["closed_at"] = closed_at.where(files["status"].loc[closed_at.index] == "closed")
    files["movements"] = by_file["is_moved"].sum()
    files["levels_traversed"] = (
        stints.dropna(subset=["to_level"]).groupby("fid")["to_level"].nunique()
    )
    files["holders"] = stints.groupby("fid")["to_user"].nunique()
    returns = df[
        df["action"].eq("moved")
        & df["from_level"].notna()
        & df["to_level"].notna()
        & (df["to_level"] < df["from_level"])
    ]
    files["returns"] = returns.groupby("fid").size()
    for col in ("levels_traversed", "holders", "returns"):
        files[col] = files[col].fillna(0).astype(int)
    files["disposal_days"] = (files["closed_at"] - files["created_at"]).dt.total_seconds() / DAY
    files["over_4_levels"] = files["levels_traversed"] > 4
    files["T"] = files["state"].map(t_of_state)
    files["age"] = (files["T"] - last["ts"]).dt.total_seconds() / DAY
    files["level"] = np.where(files["status"] == "parked", last["from_level"], last["to_level"])

    # pendency
    pend = files[files["status"] != "closed"].copy()
    is_pending = pend["status"] == "pending"
    age = pend["age"]
    buckets = {
        "age_0_7": age <= 7,
        "age_8_15": (age > 7) & (age <= 15),
        "age_16_30": (age > 15) & (age <= 30),
        "age_31_60": (age > 30) & (age <= 60),
        "age_over_60": age > 60,
    }
    for name, mask in buckets.items():
        pend[name] = (mask & is_pending).astype(int)
    pend["parked"] = (~is_pending).astype(int)
    pend["pending"] = is_pending.astype(int)
    pe = (
        pend.groupby(["state", "department", "level"], dropna=False)[
            ["pending", *buckets, "parked"]
        ]
        .sum()
        .reset_index()
        .sort_values(["state", "department", "level"], na_position="last")
    )

    # summary
    ev = df.groupby(["state", "department"])[["is_created", "is_moved"]].sum()
    sm = ev.rename(columns={"is_created": "files_created", "is_moved": "movements"})
    sm["movement_ratio"] = (sm["movements"] / sm["files_created"]).where(sm["files_created"] > 0)
    fg = files.assign(
        has_created=files["created_at"].notna(),
        electronic=files["first_type"].eq("electronic") & files["created_at"].notna(),
        pending=files["status"].eq("pending"),
        parked=files["status"].eq("parked"),
        lv_p=files["levels_traversed"].where(files["status"] == "pending"),
        ho_p=files["holders"].where(files["status"] == "pending"),
    ).groupby(["state", "department"])
    sm["efile_share"] = fg["electronic"].sum() / fg["has_created"].sum().replace(0, np.nan)
    sm["pending"] = fg["pending"].sum()
    sm["parked"] = fg["parked"].sum()
    sm["mean_levels_pending"] = fg["lv_p"].mean()
    sm["mean_holders_pending"] = fg["ho_p"].mean()
    sm["files_over_4_levels"] = fg["over_4_levels"].sum()
    sm = sm.reset_index().sort_values(["state", "department"])

    files = files.sort_values(["state", "file_id"])
    return {
        "movement_ratio": mr,
        "level_turnaround": lt,
        "pendency": pe,
        "files": files,
        "summary": sm,
    }


def fmt(value: object) -> str:
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + f".{value.microsecond:06d}".rstrip("0") if value.microsecond else text
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


INT_COLUMNS = {"level"}


def write(tables: dict[str, pd.DataFrame], out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, columns in COLUMNS.items():
        table = tables[name][columns].copy()
        if "level" in table:
            table["level"] = table["level"].astype("Int64")
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            for row in table.astype(object).itertuples(index=False, name=None):
                writer.writerow([fmt(v) for v in row])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("log")
    parser.add_argument("out")
    parser.add_argument("--as-of", help="one T for all states, 'YYYY-MM-DD HH:MM:SS' IST")
    args = parser.parse_args()
    as_of = pd.Timestamp(args.as_of) if args.as_of else None
    write(compute(read_events(args.log), as_of), args.out)


if __name__ == "__main__":
    main()
