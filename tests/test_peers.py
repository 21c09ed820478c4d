"""The benchmark's peer implementations (bench/peer_*.py): the worked example of metrics.md,
the chain order, the age buckets, and the three peers agreeing on generated logs."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from itertools import permutations
from pathlib import Path

import pytest

from bench.compare import compare_dirs
from bench.synth import write_log

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
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
AS_OF = "2024-03-10 10:00:00"


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


PEERS = [
    pytest.param("pandas", id="pandas"),
    pytest.param(
        "polars", id="polars", marks=pytest.mark.skipif(not _available("polars"), reason="polars")
    ),
    pytest.param(
        "duckdb", id="duckdb", marks=pytest.mark.skipif(not _available("duckdb"), reason="duckdb")
    ),
]


def run_peer(peer: str, log: Path, out: Path, *extra: str) -> Path:
    proc = subprocess.run(
        [sys.executable, str(BENCH / f"peer_{peer}.py"), str(log), str(out), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def read_table(out: Path, name: str) -> list[dict[str, str]]:
    with open(out / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def ev(state, dept, file_id, action, frm, to, fd, td, ts, file_type="electronic"):
    return {
        "state": state,
        "department": dept,
        "file_id": file_id,
        "file_type": file_type,
        "action": action,
        "from_user": frm,
        "to_user": to,
        "from_designation": fd,
        "to_designation": td,
        "timestamp": ts,
    }


def worked_rows(state: str, dept: str, file_id: str) -> list[dict[str, str]]:
    """The worked example of metrics.md, in its table's row order."""
    return [
        ev(state, dept, file_id, "created", "", "A", "", "Assistant", "2024-03-01 10:00:00"),
        ev(
            state,
            dept,
            file_id,
            "moved",
            "A",
            "B",
            "Assistant",
            "Section Officer",
            "2024-03-02 10:00:00",
        ),
        ev(
            state,
            dept,
            file_id,
            "moved",
            "B",
            "C",
            "Section Officer",
            "Under Secretary",
            "2024-03-02 10:00:00",
        ),
        ev(
            state,
            dept,
            file_id,
            "moved",
            "C",
            "B",
            "Under Secretary",
            "Section Officer",
            "2024-03-04 16:00:00",
        ),
        ev(
            state,
            dept,
            file_id,
            "moved",
            "B",
            "D",
            "Section Officer",
            "Director",
            "2024-03-05 10:00:00",
        ),
    ]


def example_log() -> list[dict[str, str]]:
    # Manipur/Finance holds the worked example alone, with rows 2 and 3 read in reverse.
    w = worked_rows("Manipur", "Finance", "F1")
    rows = [w[0], w[2], w[1], w[3], w[4]]
    # Assam/Worked: the worked example in other row orders.
    for k, order in enumerate([(4, 3, 2, 1, 0), (2, 0, 4, 1, 3), (0, 1, 2, 3, 4)]):
        w = worked_rows("Assam", "Worked", f"W{k}")
        rows += [w[i] for i in order]
    # Assam/Chain: same-time A→B, B→C, C→D in all six row orders.
    chain = [
        ("A", "B", "Assistant", "Section Officer"),
        ("B", "C", "Section Officer", "Under Secretary"),
        ("C", "D", "Under Secretary", "Director"),
    ]
    for k, order in enumerate(permutations(chain)):
        fid = f"C{k}"
        rows.append(
            ev("Assam", "Chain", fid, "created", "", "A", "", "Assistant", "2024-03-01 10:00:00")
        )
        rows += [
            ev("Assam", "Chain", fid, "moved", f, t, fd, td, "2024-03-01 11:00:00")
            for f, t, fd, td in order
        ]
    # Assam/Ages: age-bucket boundaries at T = AS_OF, a parked, a closed, an unmapped file,
    # a file moved after T, a file created after T, an exact duplicate, a physical file.
    a = "Assam", "Ages"
    rows += [
        ev(*a, "X", "created", "", "x", "", "Assistant", "2024-03-03 10:00:00"),  # 7.0 days
        ev(*a, "Y", "created", "", "y", "", "Assistant", "2024-03-03 09:59:59"),  # just over 7
        ev(*a, "Z", "created", "", "z", "", "Assistant", "2024-02-09 10:00:00"),  # 30.0 days
        ev(*a, "P", "created", "", "p", "", "Assistant", "2024-03-01 10:00:00", "physical"),
        ev(*a, "P", "moved", "p", "q", "Assistant", "Section Officer", "2024-03-02 10:00:00"),
        ev(*a, "P", "parked", "q", "", "Section Officer", "", "2024-03-03 10:00:00"),
        ev(*a, "K", "created", "", "k", "", "Assistant", "2024-03-01 10:00:00"),
        ev(*a, "K", "closed", "k", "", "Assistant", "", "2024-03-03 16:00:00"),
        ev(*a, "K", "closed", "k", "", "Assistant", "", "2024-03-03 16:00:00"),  # duplicate
        ev(*a, "U", "created", "", "u", "", "Consultant", "2024-03-01 10:00:00"),  # unmapped
        ev(*a, "L", "created", "", "l", "", " ASSISTANT ", "2024-03-01 10:00:00"),
        ev(*a, "L", "moved", "l", "m", "Assistant", "Director", "2024-03-11 10:00:00"),
        ev(*a, "N", "created", "", "n", "", "Assistant", "2024-03-12 10:00:00"),
    ]
    return rows


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module", params=PEERS)
def example(request, tmp_path_factory) -> dict[str, Path]:
    """One peer run on the example log: at T = AS_OF and at the default per-state T."""
    tmp = tmp_path_factory.mktemp(f"example_{request.param}")
    log = write_rows(tmp / "example.csv", example_log())
    return {
        "as_of": run_peer(request.param, log, tmp / "as_of", "--as-of", AS_OF),
        "default": run_peer(request.param, log, tmp / "default"),
    }


def rows_of(out: Path, name: str, **where: str) -> list[dict[str, str]]:
    return [r for r in read_table(out, name) if all(r[k] == v for k, v in where.items())]


def test_worked_example_turnaround(example):
    got = [
        (r["level"], r["stints"], r["median_days"], r["mean_days"], r["p90_days"])
        for r in rows_of(example["as_of"], "level_turnaround", state="Manipur")
    ]
    assert got == [
        ("1", "1", "1.0", "1.0", "1.0"),
        ("2", "2", "0.375", "0.375", "0.675"),
        ("3", "1", "2.25", "2.25", "2.25"),
    ]
    # The default T (Manipur's latest event) gives the same ended stints: D's is still open.
    assert rows_of(example["default"], "level_turnaround", state="Manipur") == rows_of(
        example["as_of"], "level_turnaround", state="Manipur"
    )


@pytest.mark.parametrize("when", ["as_of", "default"])
def test_worked_example_pendency(example, when):
    # At T = 2024-03-10 10:00 the file is 5.0 days at level 5; at the default T (03-05 10:00), 0.
    assert rows_of(example[when], "pendency", state="Manipur") == [
        {
            "state": "Manipur",
            "department": "Finance",
            "level": "5",
            "pending": "1",
            "age_0_7": "1",
            "age_8_15": "0",
            "age_16_30": "0",
            "age_31_60": "0",
            "age_over_60": "0",
            "parked": "0",
        }
    ]


def test_worked_example_file_month_summary(example):
    out = example["as_of"]
    assert rows_of(out, "files", state="Manipur") == [
        {
            "state": "Manipur",
            "file_id": "F1",
            "department": "Finance",
            "created_at": "2024-03-01 10:00:00",
            "closed_at": "",
            "status": "pending",
            "movements": "4",
            "levels_traversed": "4",
            "holders": "4",
            "returns": "1",
            "disposal_days": "",
            "over_4_levels": "false",
        }
    ]
    assert rows_of(out, "movement_ratio", state="Manipur") == [
        {
            "state": "Manipur",
            "department": "Finance",
            "month": "2024-03",
            "files_created": "1",
            "movements": "4",
            "movement_ratio": "4.0",
        }
    ]
    assert rows_of(out, "summary", state="Manipur") == [
        {
            "state": "Manipur",
            "department": "Finance",
            "files_created": "1",
            "movements": "4",
            "movement_ratio": "4.0",
            "efile_share": "1.0",
            "pending": "1",
            "parked": "0",
            "mean_levels_pending": "4.0",
            "mean_holders_pending": "4.0",
            "files_over_4_levels": "0",
        }
    ]


def test_row_order_does_not_matter(example):
    files = read_table(example["as_of"], "files")
    facts = ("movements", "levels_traversed", "holders", "returns", "status")
    reference = next(r for r in files if r["file_id"] == "F1")
    worked = [r for r in files if r["department"] == "Worked"]
    assert len(worked) == 3
    for row in worked:
        assert {k: row[k] for k in facts} == {k: reference[k] for k in facts}
    chain = [r for r in files if r["department"] == "Chain"]
    assert len(chain) == 6
    for row in chain:
        assert (row["levels_traversed"], row["holders"], row["returns"]) == ("4", "4", "0")
    # Every chain file ends with D (Director, level 5), and B and C hold for 0 days.
    assert rows_of(example["as_of"], "pendency", department="Chain")[0]["level"] == "5"
    assert rows_of(example["as_of"], "pendency", department="Chain")[0]["pending"] == "6"
    turnaround = {
        r["level"]: r for r in rows_of(example["as_of"], "level_turnaround", state="Assam")
    }
    # Assam level 3: C in the six chain files (0 days) and in the three worked files (2.25).
    assert turnaround["3"]["stints"] == "9"
    assert float(turnaround["3"]["median_days"]) == 0.0


def test_age_buckets_parked_closed_unmapped(example):
    assert rows_of(example["as_of"], "pendency", department="Ages") == [
        {
            "state": "Assam",
            "department": "Ages",
            "level": level,
            "pending": pending,
            "age_0_7": a,
            "age_8_15": b,
            "age_16_30": c,
            "age_31_60": "0",
            "age_over_60": "0",
            "parked": parked,
        }
        for level, pending, a, b, c, parked in [
            ("1", "4", "1", "2", "1", "0"),  # X 7.0, Y and L (moved only after T), Z 30.0
            ("2", "0", "0", "0", "0", "1"),  # P parked by its Section Officer
            ("", "1", "0", "1", "0", "0"),  # U, unmapped, last
        ]
    ]
    files = {r["file_id"]: r for r in rows_of(example["as_of"], "files", department="Ages")}
    assert "N" not in files  # created after T
    assert files["K"]["status"] == "closed"
    assert files["K"]["closed_at"] == "2024-03-03 16:00:00"
    assert files["K"]["disposal_days"] == "2.25"
    assert files["P"]["status"] == "parked"
    assert files["P"]["closed_at"] == ""
    assert files["L"]["movements"] == "0"
    assert files["U"]["levels_traversed"] == "0"
    summary = rows_of(example["as_of"], "summary", department="Ages")[0]
    # Created: X Y Z P K U L (N is after T); 6 of 7 electronic; K's duplicate close is dropped.
    assert summary["files_created"] == "7"
    assert float(summary["efile_share"]) == pytest.approx(6 / 7, rel=1e-12)
    assert summary["movement_ratio"] == "0.14285714285714285"
    assert (summary["pending"], summary["parked"]) == ("5", "1")


def test_default_t_is_per_state(example):
    # Assam's latest event is N at 03-12 10:00: X and Y are then 9 days old, Z 32, N 0, and L
    # has gone to its Director; Manipur's T stays 03-05 10:00 (tested above).
    ages = rows_of(example["default"], "pendency", department="Ages", level="1")[0]
    got = [ages[k] for k in ("pending", "age_0_7", "age_8_15", "age_16_30", "age_31_60")]
    assert got == ["4", "1", "2", "0", "1"]
    files = {r["file_id"]: r for r in rows_of(example["default"], "files", department="Ages")}
    assert files["L"]["movements"] == "1"


def _generated_logs(tmp: Path) -> list[Path]:
    logs = [write_log(tmp / "synth.csv", files=600, seed=3, moves=8, shuffle=True)]
    if (ROOT / "sample_data" / "generate.py").exists():
        out = tmp / "generated.csv"
        args = ["--files", "500", "--seed", "11", "--start", "2024-01-01", "--months", "3"]
        subprocess.run(
            [sys.executable, "-m", "sample_data.generate", *args, "--out", str(out)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        logs.append(out)
    return logs


@pytest.mark.parametrize("as_of", [None, "2024-02-15 12:00:00"], ids=["default_T", "as_of"])
def test_peers_agree_on_generated_logs(tmp_path, as_of):
    peers = [p for p in ("pandas", "polars", "duckdb") if p == "pandas" or _available(p)]
    extra = ["--as-of", as_of] if as_of else []
    for log in _generated_logs(tmp_path):
        outs = {p: run_peer(p, log, tmp_path / f"{log.stem}_{p}", *extra) for p in peers}
        assert len(read_table(outs["pandas"], "files")) > 100
        for peer in peers[1:]:
            assert compare_dirs(outs["pandas"], outs[peer]) == [], (log.name, peer)


@pytest.mark.skipif(not _available("duckdb"), reason="duckdb")
def test_duckdb_memory_limit_changes_nothing_computed(tmp_path):
    """The benchmark gives the DuckDB peer a memory_limit under its memory cap."""
    log = write_log(tmp_path / "synth.csv", files=300, seed=5, moves=6, shuffle=True)
    plain = run_peer("duckdb", log, tmp_path / "plain")
    limited = run_peer("duckdb", log, tmp_path / "limited", "--memory-limit", "200MB")
    assert compare_dirs(plain, limited) == []
