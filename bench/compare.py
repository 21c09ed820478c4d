"""Compare two folders of report tables: same columns, same rows in the same order, same text,
numbers equal within a tight relative tolerance. Used by tests/test_peers.py and bench/run.py.

Usage: python bench/compare.py EXPECTED_DIR ACTUAL_DIR
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd

TABLES = ("movement_ratio", "level_turnaround", "pendency", "files", "summary")
REL_TOL = 1e-9
ABS_TOL = 1e-12


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _same_cell(a: str, b: str, rel_tol: float) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=rel_tol, abs_tol=ABS_TOL)


def compare_tables(
    expected: pd.DataFrame, actual: pd.DataFrame, name: str = "", rel_tol: float = REL_TOL
) -> list[str]:
    """Differences between two tables read as text (empty list when equal)."""
    problems: list[str] = []
    if list(expected.columns) != list(actual.columns):
        return [f"{name}: columns {list(actual.columns)} != expected {list(expected.columns)}"]
    if len(expected) != len(actual):
        problems.append(f"{name}: {len(actual)} rows != expected {len(expected)}")
    n = min(len(expected), len(actual))
    for column in expected.columns:
        a = expected[column].to_numpy()[:n]
        b = actual[column].to_numpy()[:n]
        differ = [i for i in (a != b).nonzero()[0] if not _same_cell(a[i], b[i], rel_tol)]
        if differ:
            shown = ", ".join(f"row {i + 2}: {a[i]!r} vs {b[i]!r}" for i in differ[:5])
            problems.append(f"{name}.{column}: {len(differ)} cells differ ({shown})")
    return problems


def compare_dirs(expected_dir: str | Path, actual_dir: str | Path) -> list[str]:
    """Differences between the five tables of two report folders (empty list when equal)."""
    problems: list[str] = []
    for name in TABLES:
        exp, act = Path(expected_dir) / f"{name}.csv", Path(actual_dir) / f"{name}.csv"
        missing = [str(p) for p in (exp, act) if not p.exists()]
        if missing:
            problems.append(f"{name}: missing {', '.join(missing)}")
            continue
        problems.extend(compare_tables(_read(exp), _read(act), name))
    return problems


def main() -> int:
    problems = compare_dirs(sys.argv[1], sys.argv[2])
    for line in problems:
        print(line)
    print("equal" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
