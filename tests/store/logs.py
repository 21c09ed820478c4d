"""Small logs for the store tests, built by hand or by a plain loop."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import HEADER, csv_text, ev

DESIGNATIONS = ("Assistant", "Section Officer", "Under Secretary", "Deputy Secretary", "Director")


def chain_rows(file_id: str, start_day: int, hops: int, state: str = "Manipur") -> list[dict]:
    """created → A, then `hops` movements up the first five levels and back, one a day."""
    rows = [
        ev("created", "", "u0", "", DESIGNATIONS[0], f"2024-03-{start_day:02d} 10:00:00")
        | {"file_id": file_id, "state": state}
    ]
    for hop in range(1, hops + 1):
        a, b = (hop - 1) % 5, hop % 5
        rows.append(
            ev(
                "moved",
                f"u{a}",
                f"u{b}",
                DESIGNATIONS[a],
                DESIGNATIONS[b],
                f"2024-03-{start_day:02d} {10 + hop % 8:02d}:{hop % 60:02d}:00",
            )
            | {"file_id": file_id, "state": state}
        )
    return rows


def write_big_log(path: Path, files: int, hops: int = 6) -> int:
    """A CSV of `files` files with a created event and `hops` movements each; returns rows."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(HEADER), lineterminator="\n")
        writer.writeheader()
        for n in range(files):
            for row in chain_rows(f"BIG-{n:06d}", 1 + n % 28, hops):
                full = {"state": "Manipur", "department": "Finance"} | row
                writer.writerow({k: full.get(k, "") for k in HEADER})
                rows += 1
    return rows


__all__ = ["chain_rows", "csv_text", "ev", "write_big_log"]
