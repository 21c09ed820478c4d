"""The `report` command end to end: files written, columns, exit statuses, nothing on failure."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from analytics.cli.main import main
from analytics.schema import REPORT_COLUMNS
from tests.conftest import WORKED_EXAMPLE, ev

KEYS = {
    "rows_read",
    "rows_accepted",
    "rows_rejected",
    "duplicates_dropped",
    "rejected",
    "warnings",
    "unknown_designations",
    "broken_chains",
    "files_without_created",
}


def read(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_report_writes_five_tables_and_validation(write_log, tmp_path, capsys):
    out = tmp_path / "out"
    bad = ev("moved", "A", "", "", "", "2024-03-05 11:00")
    code = main(
        [
            "report",
            str(write_log([*WORKED_EXAMPLE, bad])),
            "--out",
            str(out),
            "--as-of",
            "2024-03-10 10:00",
        ]
    )
    assert code == 0
    assert "read 6 rows: 5 accepted, 1 rejected, 0 duplicates dropped" in capsys.readouterr().out
    for name, columns in REPORT_COLUMNS.items():
        with open(out / f"{name}.csv", newline="") as fh:
            assert next(csv.reader(fh)) == list(columns)
    assert read(out / "level_turnaround.csv")[1] == {
        "state": "Manipur",
        "level": "2",
        "stints": "2",
        "median_days": "0.375",
        "mean_days": "0.375",
        "p90_days": "0.675",
    }
    f = read(out / "files.csv")[0]
    assert (f["created_at"], f["closed_at"], f["over_4_levels"]) == (
        "2024-03-01 10:00:00",
        "",
        "false",
    )
    report = json.loads((out / "validation.json").read_text())
    assert set(report) >= KEYS
    assert report["rejected"] == [
        {
            "line": 7,
            "column": "to_user",
            "header": "to_user",  # the file's own header for the column
            "reason": "to_user is blank; a 'moved' event needs it",
            "file": report["files"][0],
        }
    ]


def test_several_logs_read_as_one(write_log, tmp_path):
    out = tmp_path / "out"
    first = write_log(WORKED_EXAMPLE[:3])
    second = write_log(WORKED_EXAMPLE[2:])
    assert main(["report", str(first), str(second), "--out", str(out)]) == 0
    report = json.loads((out / "validation.json").read_text())
    assert report["duplicates_dropped"] == 1
    assert read(out / "movement_ratio.csv")[0]["movements"] == "4"


def test_unusable_file_writes_nothing_and_exits_non_zero(write_log, tmp_path):
    out = tmp_path / "out"
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli.main",
            "report",
            str(write_log(WORKED_EXAMPLE)),
            str(empty),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "empty.csv" in proc.stderr
    assert "the file is empty" in proc.stderr
    assert not out.exists()


def test_report_with_state_given_and_working_days(tmp_path):
    log = tmp_path / "e.csv"
    log.write_text(
        "Computer No.,Action,Sent By,Sent To,Sender Designation,Receiver Designation,Sent On\n"
        "9,create,,A,,Assistant,01-03-2024 04:00 PM\n"
        "9,forwarded,A,B,Assistant,Director,04/03/2024 10:00\n"
    )
    out = tmp_path / "out"
    code = main(
        [
            "report",
            str(log),
            "--out",
            str(out),
            "--state",
            "Assam",
            "--department",
            "Home",
            "--working-days",
        ]
    )
    assert code == 0
    row = read(out / "level_turnaround.csv")[0]
    assert (row["state"], row["level"], row["median_days"]) == ("Assam", "1", "0.75")
