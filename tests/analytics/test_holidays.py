"""Holiday lists (`--holidays`): dates read unambiguously, year first or day first, never month
first; an unreadable, ambiguous or timed date refuses the list, naming its line (issue 12, 2)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analytics.cli.main import main
from analytics.log.calendar import WorkCalendar
from tests.conftest import ev

# Monday 04-Mar-2024 10:00 to a Deputy Secretary, Wednesday 06-Mar 10:00 to a Director. With
# Tuesday 05-Mar a holiday the Deputy Secretary held it 14/24 (Mon) + 0 (Tue) + 10/24 (Wed) =
# 1.0 working day; without it (or with the holiday read as 3 May) 2.0.
ASSAM = [
    ev("created", "", "A", "", "Deputy Secretary", "2024-03-04 10:00", state="Assam"),
    ev("moved", "A", "B", "Deputy Secretary", "Director", "2024-03-06 10:00", state="Assam"),
]
FIFTH_OF_MARCH = [
    "2024-03-05",
    "2024-3-5",
    "2024/03/05",
    "05-03-2024",
    "5-3-2024",
    "05/03/2024",
    "5/3/2024",
    "05.03.2024",
    "05-Mar-2024",
    "5-mar-2024",
    "2024-03-05 00:00",
]


def turnaround(write_log, tmp_path: Path, holidays: str) -> dict[str, str]:
    listing = tmp_path / "holidays.csv"
    listing.write_text(holidays, encoding="utf-8")
    out = tmp_path / "out"
    log = write_log(ASSAM)
    code = main(
        ["report", str(log), "--out", str(out), "--working-days", "--holidays", str(listing)]
    )
    assert code == 0
    with open(out / "level_turnaround.csv", newline="") as fh:
        rows = {r["level"]: r for r in csv.DictReader(fh)}
    return rows["4"]


@pytest.mark.parametrize("written", FIFTH_OF_MARCH)
def test_every_accepted_form_of_the_fifth_of_march(write_log, tmp_path, written):
    row = turnaround(write_log, tmp_path, f"state,date\nAssam,{written}\n")
    assert (row["state"], row["stints"], row["median_days"]) == ("Assam", "1", "1.0")


def test_year_first_is_never_read_as_year_day_month(write_log, tmp_path):
    # 2024-05-03 is 3 May: it must not make 5 March a holiday.
    row = turnaround(write_log, tmp_path, "state,date\nAssam,2024-05-03\n")
    assert row["median_days"] == "2.0"


def test_another_states_holiday_does_not_count(write_log, tmp_path):
    row = turnaround(write_log, tmp_path, "state,date\nManipur,2024-03-05\n")
    assert row["median_days"] == "2.0"


def test_the_calendar_holds_the_dates_as_written(tmp_path):
    listing = tmp_path / "h.csv"
    listing.write_text(
        "State , Date\nAssam,2024-03-05\n\nAssam,12-01-2024\nManipur,01/12/2024\n",
        encoding="utf-8",
    )
    calendar = WorkCalendar.from_file(listing)
    assert {s: [d.isoformat() for d in days] for s, days in calendar.holidays.items()} == {
        "Assam": ["2024-03-05", "2024-01-12"],
        "Manipur": ["2024-12-01"],
    }


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("03/25/2024", "'03/25/2024' is not a readable date"),  # month first
        ("12-25-2024", "'12-25-2024' is not a readable date"),  # month first
        ("Mar 5 2024", "'Mar 5 2024' is not a readable date"),
        ("05-03-24", "'05-03-24' is ambiguous"),
        ("5/3/24", "'5/3/24' is ambiguous"),
        ("2024-13-05", "'2024-13-05' is not a readable date"),
        ("31-02-2024", "'31-02-2024' is not a readable date"),
        ("2024-03-05 10:00", "'2024-03-05 10:00' has a time of day"),
        ("", "date is blank"),
    ],
)
def test_unreadable_or_ambiguous_dates_refuse_the_list_naming_the_line(
    write_log, tmp_path, capsys, written, reason
):
    listing = tmp_path / "holidays.csv"
    listing.write_text(f"state,date\nAssam,2024-03-05\nAssam,{written}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: .*" + reason.replace("(", r"\(")):
        WorkCalendar.from_file(listing)
    out = tmp_path / "out"
    log = write_log(ASSAM)
    args = ["report", str(log), "--out", str(out), "--working-days", "--holidays", str(listing)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "holidays.csv: line 3: " in err
    assert reason in err
    assert not out.exists()


def test_a_blank_state_refuses_the_list(tmp_path):
    listing = tmp_path / "h.csv"
    listing.write_text("state,date\n,2024-03-05\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: state is blank"):
        WorkCalendar.from_file(listing)
