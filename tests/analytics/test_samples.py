"""`report` on the committed samples equals an independent route: the plain peer scripts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analytics.cli.main import main
from analytics.log.reading import read_logs
from analytics.outputs.report import format_timestamps
from bench.compare import compare_dirs

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"


def peer(name: str, log: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"peer_{name}.py"), str(log), str(out)],
        check=True,
        capture_output=True,
    )
    return out


@pytest.mark.parametrize("name", ["pandas", "duckdb"])
def test_sample_csv_report_equals_peer(tmp_path, name):
    log = SAMPLES / "sample_events.csv"
    assert main(["report", str(log), "--out", str(tmp_path / "project")]) == 0
    expected = peer(name, log, tmp_path / name)
    assert compare_dirs(expected, tmp_path / "project") == []


def test_eoffice_xlsx_report_equals_peer_on_its_canonical_form(tmp_path):
    """The xlsx (aliases, title rows, day-first dates) gives the tables of its canonical CSV."""
    xlsx = SAMPLES / "manipur_finance_eoffice.xlsx"
    args = ["--state", "Manipur", "--department", "Finance"]
    assert main(["report", str(xlsx), "--out", str(tmp_path / "project"), *args]) == 0
    events = read_logs([xlsx], state="Manipur", department="Finance").events
    canonical = events.drop(columns=["source", "line"])
    for c in ("timestamp", "received_at"):
        canonical[c] = format_timestamps(canonical[c])
    canonical.to_csv(tmp_path / "canonical.csv", index=False)
    expected = peer("pandas", tmp_path / "canonical.csv", tmp_path / "peer")
    assert compare_dirs(expected, tmp_path / "project") == []
