"""`--as-of` is read by the log's timestamp rules (day first, no offset = IST), in `report` and
`report --db`; the T used is printed in IST and written in validation.json (issue 12, item 3)."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from analytics.cli.main import main
from analytics.figures.metrics import compute_report
from analytics.log.reading import parse_moment, read_logs
from tests.conftest import ev

# One Assam file created 01-Mar-2024 10:00 and left with A. At T = 10-Mar-2024 10:00 IST it
# has been pending 9.0 days (bucket 8-15); read month first, 10/03 would be 3 October (216
# days, over 60) and 05/03 5 May.
LOG = [ev("created", "", "A", "", "Assistant", "2024-03-01 10:00", state="Assam")]
TENTH_OF_MARCH_10AM = [
    "2024-03-10 10:00",
    "2024-03-10 10:00:00",
    "2024-03-10T10:00:00.000",
    "2024-03-10T10:00:00+05:30",
    "2024-03-10T04:30:00Z",
    "2024-03-10 04:30:00+00:00",
    "10/03/2024 10:00",
    "10/03/2024 10:00:00",
    "10-03-2024 10:00 AM",
    "10-03-2024 10:00",
    "10-Mar-2024 10:00",
    "10.03.2024 10:00",
]
DATE_ALONE = ["2024-03-10", "10/03/2024", "10-03-2024", "10-Mar-2024", "10.03.2024"]


@pytest.mark.parametrize("typed", [*TENTH_OF_MARCH_10AM, *DATE_ALONE])
def test_parse_moment_reads_day_first_as_ist(typed):
    hour = 0 if typed in DATE_ALONE else 10
    assert parse_moment(typed) == pd.Timestamp(2024, 3, 10, hour, tz="Asia/Kolkata")


def test_the_engine_reads_a_text_t_by_the_same_rules(write_log):
    events = read_logs([write_log(LOG)]).events
    tables = compute_report(events, as_of="10/03/2024 10:00")
    assert tables["pendency"]["age_8_15"].tolist() == [1]


@pytest.mark.parametrize("typed", ["31/02/2024 10:00", "03/25/2024", "tomorrow", ""])
def test_an_unreadable_t_is_refused_and_nothing_written(write_log, tmp_path, capsys, typed):
    out = tmp_path / "out"
    assert main(["report", str(write_log(LOG)), "--out", str(out), "--as-of", typed]) == 1
    assert f"'{typed}' is not a readable date and time" in capsys.readouterr().err
    assert not out.exists()


def run_report(args, out, capsys):
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    with open(out / "pendency.csv", newline="") as fh:
        pendency = list(csv.DictReader(fh))
    validation = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    return printed, pendency, validation


def sources(kind, write_log, store_url, capsys):
    log = write_log(LOG)
    if kind == "files":
        return ["report", str(log)]
    assert main(["ingest", str(log), "--db", store_url]) == 0
    capsys.readouterr()
    return ["report", "--db", store_url]


@pytest.mark.parametrize("kind", ["files", "db"])
@pytest.mark.parametrize("typed", [*TENTH_OF_MARCH_10AM, *DATE_ALONE])
def test_report_reads_as_of_day_first(store_url, write_log, tmp_path, capsys, kind, typed):
    args = sources(kind, write_log, store_url, capsys)
    printed, pendency, validation = run_report([*args, "--as-of", typed], tmp_path / "o", capsys)
    alone = typed in DATE_ALONE
    assert ("as of 10-Mar-2024 00:00 IST" if alone else "as of 10-Mar-2024 10:00 IST") in printed
    assert validation["as_of"] == {"Assam": f"2024-03-10 {'00' if alone else '10'}:00:00"}
    assert [(r["state"], r["level"], r["pending"], r["age_8_15"]) for r in pendency] == [
        ("Assam", "1", "1", "1")
    ]
    if kind == "files":
        assert validation["rows_accepted"] == 1


@pytest.mark.parametrize("kind", ["files", "db"])
def test_default_t_is_each_states_latest_event(store_url, write_log, tmp_path, capsys, kind):
    later = ev("moved", "A", "B", "Assistant", "Director", "05/03/2024 14:07", file_id="F2")
    rows = [*LOG, ev("created", "", "A", "", "Assistant", "2024-03-01 09:00"), later]
    log = write_log(rows)
    if kind == "files":
        args = ["report", str(log)]
    else:
        assert main(["ingest", str(log), "--db", store_url]) == 0
        args = ["report", "--db", store_url]
    printed, _, validation = run_report(args, tmp_path / "o", capsys)
    assert validation["as_of"] == {"Assam": "2024-03-01 10:00:00", "Manipur": "2024-03-05 14:07:00"}
    assert (
        "as of each state's latest event (IST): Assam 01-Mar-2024 10:00; "
        "Manipur 05-Mar-2024 14:07" in printed
    )


@pytest.mark.parametrize("typed", [None, "10/03/2024 10:00"])
def test_no_accepted_event_still_reports_the_t(write_log, tmp_path, capsys, typed):
    log = write_log([ev("created", "", "A", "", "Assistant", "not a date")])
    extra = [] if typed is None else ["--as-of", typed]
    printed, pendency, validation = run_report(["report", str(log), *extra], tmp_path / "o", capsys)
    assert pendency == []
    assert validation["as_of"] == {}
    if typed is None:
        assert "as of: no event was accepted, so no state has a T" in printed
    else:
        assert "as of 10-Mar-2024 10:00 IST" in printed
