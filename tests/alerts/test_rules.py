"""Overdue files and escalation (issue 15, part 1) on the hand-worked log of tests/alerts/log.py."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from analytics.figures.metrics import analyse
from analytics.figures.overdue import Rule, limits, overdue, per_holder, wording
from analytics.log.reading import read_logs
from tests.alerts.log import CALENDAR, DEFAULT, ROWS, RULES, WITH_RULES, ist


@pytest.fixture
def analysis(write_log):
    events = read_logs([write_log(ROWS)]).events
    return analyse(events, calendar=CALENDAR)


def _by_file(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {row.file_id: row for _, row in frame.iterrows()}


def test_default_rule_seven_and_seven_with_holidays(analysis):
    assert str(analysis.as_of["Manipur"]) == "2024-03-29 10:00:00+05:30"
    found = overdue(analysis.facts, analysis.as_of, calendar=CALENDAR)
    rows = _by_file(found)
    assert set(rows) == set(DEFAULT)  # F3 (2.0), F5 (4.0), parked F7, closed F9 are not
    for file_id, (age, since, escalated_since, to) in DEFAULT.items():
        row = rows[file_id]
        assert math.isclose(row.age_working_days, age, abs_tol=1e-9), file_id
        assert (row.limit_days, row.escalate_after_days) == (7, 7)
        assert row.overdue_since == ist(since), file_id
        assert row.escalated == (escalated_since is not None), file_id
        if escalated_since is None:
            assert pd.isna(row.escalated_since)
        else:
            assert row.escalated_since == ist(escalated_since), file_id
        got = (row.escalate_to_user, row.escalate_to_designation, row.escalate_to_level)
        assert tuple(None if pd.isna(v) else v for v in got) == to, file_id
    assert int(found["escalated"].sum()) == 2


def test_without_holidays_the_ages_change(analysis):
    # The same log with no holiday list: F1 gains Tue 05 and Mon 25 (21.0), and F3 is still 2.0.
    from analytics.log.calendar import WorkCalendar

    found = _by_file(overdue(analysis.facts, analysis.as_of, calendar=WorkCalendar()))
    assert math.isclose(found["F1"].age_working_days, 21.0)
    assert math.isclose(found["A1"].age_working_days, 9.0)


def test_the_more_specific_rule_wins(analysis):
    found = overdue(analysis.facts, analysis.as_of, RULES, CALENDAR)
    rows = _by_file(found)
    assert set(rows) == set(WITH_RULES)  # F4: the Manipur rule (10) beats level 2 (5)
    for file_id, (age, since, escalated_since) in WITH_RULES.items():
        row = rows[file_id]
        assert math.isclose(row.age_working_days, age, abs_tol=1e-9), file_id
        assert row.overdue_since == ist(since), file_id
        assert row.escalated == (escalated_since is not None), file_id
        if escalated_since is not None:
            assert row.escalated_since == ist(escalated_since), file_id
    assert rows["F5"].rule == "Manipur, level 2, physical files"
    assert (rows["F5"].escalate_to_user, rows["F5"].escalate_to_level) == ("mn.fin.us1", 3)
    assert rows["A1"].rule == "level 2"
    assert rows["F1"].rule == "Manipur"


def test_precedence_is_a_total_order():
    files = pd.DataFrame(
        {"state": ["Manipur"] * 2, "level": [2, 3], "file_type": ["physical", "physical"]}
    )
    rules = [
        Rule(file_type="physical", limit_days=1),
        Rule(level=2, limit_days=2),
        Rule(level=2, file_type="physical", limit_days=3),
        Rule(state="Manipur", limit_days=4),
        Rule(limit_days=9),
    ]
    got = limits(files, rules)
    # level 2 physical: state (4) beats level+type (3); level 3: state (4) beats type (1)
    assert got["limit_days"].tolist() == [4, 4]
    got = limits(files, [r for r in rules if r.state is None])
    assert got["limit_days"].tolist() == [3, 1]
    assert limits(files, [Rule(limit_days=9)])["limit_days"].tolist() == [9, 9]
    with pytest.raises(ValueError, match="two rules for level 2"):
        limits(files, [Rule(level=2), Rule(level=2, limit_days=3)])
    with pytest.raises(ValueError, match="limit_days must be 0 or more"):
        Rule(limit_days=-1)


def test_wording_and_per_holder(analysis):
    found = overdue(analysis.facts, analysis.as_of, calendar=CALENDAR)
    said = dict(zip(found["file_id"], wording(found), strict=True))
    assert said["F1"] == (
        "with Under Secretary mn.fin.us1 for 19 working days; "
        "escalated to Deputy Secretary mn.fin.ds2"
    )
    assert said["F2"] == "with Deputy Secretary mn.fin.ds1 for 7 working days"
    assert said["F6"] == (
        "with Under Secretary mn.hlt.us1 for 19 working days; escalated, no holder above known"
    )
    holders = per_holder(found)
    manipur = holders[holders["state"].eq("Manipur")].set_index("holder")
    assert manipur.loc["mn.fin.us1", "overdue"] == 1
    assert manipur.loc["mn.fin.us1", "escalated"] == 1
    assert manipur.loc["mn.fin.so1", "overdue"] == 1  # F4 only; F5 is 4.0 working days
    assert len(holders) == 5


def test_no_pending_file_no_row(analysis):
    facts = analysis.facts[analysis.facts["status"].ne("pending")]
    assert overdue(facts, analysis.as_of, calendar=CALENDAR).empty


def test_log_on_disk_is_read_as_written(tmp_path: Path, write_log):
    # The holiday list as a file reads to the same calendar.
    from analytics.log.calendar import WorkCalendar
    from tests.alerts.log import HOLIDAYS_CSV

    listing = tmp_path / "holidays.csv"
    listing.write_text(HOLIDAYS_CSV, encoding="utf-8")
    calendar = WorkCalendar.from_file(listing)
    assert {k: sorted(v) for k, v in calendar.holidays.items()} == {
        k: sorted(v) for k, v in CALENDAR.holidays.items()
    }
