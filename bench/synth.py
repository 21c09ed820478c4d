"""A small synthetic e-Office log in canonical form, for the peer tests and as a stand-in when
`sample_data.generate` is not available.

Usage: python bench/synth.py --files N --seed S --out PATH [--moves 15] [--shuffle]

It deliberately contains the awkward cases of log-format.md: same-time chains written out of
order, `created` and `moved` at one instant, exact duplicates, files without a `created` event,
parked / reopened / closed files, a department that changes mid-file, unknown and blank
designations, designations with odd case and spacing, fractions of a second and file types
given by alias or left blank.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

HEADER = [
    "state",
    "department",
    "file_id",
    "file_number",
    "subject",
    "file_type",
    "action",
    "from_user",
    "to_user",
    "from_designation",
    "to_designation",
    "timestamp",
    "received_at",
    "remarks",
]
STATES = {
    "Manipur": ["Finance", "Home", "Health", "Education", "IT"],
    "Assam": ["Administrative Reforms", "Finance", "Revenue", "Transport"],
    "DARPG": ["Establishment", "e-Governance"],
}
DESIGNATIONS = [
    ("Assistant", 10),
    ("Upper Division Clerk", 4),
    ("Dealing Hand", 3),
    ("Section Officer", 8),
    ("section  officer", 1),
    ("Superintendent", 2),
    ("Under Secretary", 6),
    ("Deputy Secretary", 4),
    ("Director", 3),
    ("Joint Secretary", 2),
    ("Additional Secretary", 1),
    ("Commissioner & Secretary", 1),
    ("Principal Secretary", 1),
    ("Minister", 1),
    ("Consultant", 1),
    ("Programmer", 1),
    ("", 1),
]
FILE_TYPES = [("electronic", 85), ("physical", 10), ("", 3), ("e", 1), ("Physical File", 1)]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


def _stamp(moment: datetime) -> str:
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text


def file_events(
    rng: random.Random, state: str, file_no: int, moves: float, start: datetime, users: dict
) -> list[list[str]]:
    """The rows of one file's life (row order already scrambled where it must not matter)."""
    department = rng.choice(STATES[state])
    file_id = f"{state[:3].upper()}-{file_no:07d}"
    file_type = _pick(rng, FILE_TYPES)
    pool = users[state, department]
    when = start + timedelta(seconds=rng.randrange(0, 60 * 86400))
    rows: list[list[str]] = []

    def emit(action: str, frm: str, to: str, moment: datetime, dept: str | None = None) -> None:
        rows.append(
            [
                state,
                dept or department,
                file_id,
                f"{department[:3].upper()}-{file_no}/2024",
                "subject",
                file_type,
                action,
                frm,
                to,
                pool.get(frm, ""),
                pool.get(to, ""),
                _stamp(moment),
                "",
                "",
            ]
        )

    names = list(pool)
    holder = rng.choice(names)
    if rng.random() < 0.95:
        emit("created", "", holder, when)
    else:
        first = rng.choice(names)
        emit("moved", first, holder, when)
    n_moves = max(0, int(rng.gauss(moves, moves / 3)))
    parked_with = None
    done = 0
    while done < n_moves:
        step = rng.random()
        if step < 0.03:
            when += timedelta(seconds=0)  # same instant as the previous event
        elif step < 0.05:
            when += timedelta(days=rng.randrange(20, 90))
        else:
            when += timedelta(seconds=int(rng.expovariate(1 / 86400)) + 1)
        if rng.random() < 0.01:
            when += timedelta(microseconds=250_000)
        if parked_with is not None:
            emit("reopened", "", parked_with, when)
            holder, parked_with = parked_with, None
            continue
        if rng.random() < 0.02:
            emit("parked", holder, "", when)
            parked_with = holder
            continue
        if rng.random() < 0.04:  # a same-time chain of 2-3 moves, written in scrambled order
            chain = []
            for _ in range(rng.choice((2, 3))):
                nxt = rng.choice(names)
                chain.append(("moved", holder, nxt))
                holder = nxt
            rng.shuffle(chain)
            for action, frm, to in chain:
                emit(action, frm, to, when)
            done += len(chain)
            continue
        nxt = rng.choice(names)
        dept = rng.choice(STATES[state]) if rng.random() < 0.005 else None
        emit("moved", holder, nxt, when, dept)
        holder = nxt
        done += 1
    end = rng.random()
    if parked_with is None and end < 0.5:
        when += timedelta(seconds=int(rng.expovariate(1 / 86400)))
        emit("closed", holder, "", when)
        if rng.random() < 0.03:
            when += timedelta(days=3)
            emit("reopened", "", holder, when)
    elif parked_with is None and end < 0.6:
        when += timedelta(seconds=int(rng.expovariate(1 / 86400)))
        emit("parked", holder, "", when)
    for _ in range(len(rows) // 50 + (rng.random() < 0.02)):
        rows.append(list(rng.choice(rows)))  # an exact duplicate
    return rows


def make_users(rng: random.Random) -> dict:
    users = {}
    for state, departments in STATES.items():
        for department in departments:
            pool = {}
            for k in range(30):
                pool[f"{state[:2]}.{department[:4]}.u{k}"] = _pick(rng, DESIGNATIONS)
            users[state, department] = pool
    return users


def write_log(
    path: str | Path,
    files: int,
    seed: int,
    moves: float = 15,
    start: datetime = datetime(2024, 1, 1, 9, 30),
    shuffle: bool = False,
) -> Path:
    """Write a synthetic log of `files` files to path and return it."""
    rng = random.Random(seed)
    users = make_users(rng)
    states = list(STATES)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        buffered: list[list[str]] = []
        for n in range(files):
            state = states[n % len(states)] if n % 7 else "Manipur"
            buffered.extend(file_events(rng, state, n, moves, start, users))
            if len(buffered) > 200_000 or n == files - 1:
                if shuffle:
                    rng.shuffle(buffered)
                writer.writerows(buffered)
                buffered = []
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True)
    parser.add_argument("--moves", type=float, default=15)
    parser.add_argument("--shuffle", action="store_true", help="scramble the row order")
    args = parser.parse_args()
    write_log(args.out, args.files, args.seed, args.moves, shuffle=args.shuffle)


if __name__ == "__main__":
    main()
