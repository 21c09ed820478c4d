"""Change against the previous period (the Overview cards), on a log worked by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.figures.metrics import analyse
from analytics.figures.registry import verdict
from analytics.figures.views import Filters, comparison, figures_at, overview_change, prepare
from analytics.log.reading import read_logs
from tests.conftest import ev

# Manipur / Finance. T is the last event, 25-Mar-2024 10:00 (a Monday).
# F1 (e-file): created to A (Assistant, level 1) 01-Mar, sent to B (Section Officer, 2) on
#   Sat 02-Mar, to C (Under Secretary, 3) on Wed 20-Mar: pending with C at T.
# F2 (e-file): created to A on 06-Mar 09:00, parked by A on 07-Mar.
# F3 (paper): created to A on Tue 20-Feb, sent to B on Wed 21-Feb, closed on 25-Mar.
LOG = [
    *(
        {**r, "file_id": "F1", "file_type": "electronic"}
        for r in (
            ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
            ev("moved", "A", "B", "Assistant", "Section Officer", "2024-03-02 10:00"),
            ev("moved", "B", "C", "Section Officer", "Under Secretary", "2024-03-20 10:00"),
        )
    ),
    *(
        {**r, "file_id": "F2", "file_type": "electronic"}
        for r in (
            ev("created", "", "A", "", "Assistant", "2024-03-06 09:00"),
            ev("parked", "A", "", "Assistant", "", "2024-03-07 10:00"),
        )
    ),
    *(
        {**r, "file_id": "F3", "file_type": "physical"}
        for r in (
            ev("created", "", "A", "", "Assistant", "2024-02-20 10:00"),
            ev("moved", "A", "B", "Assistant", "Section Officer", "2024-02-21 10:00"),
            ev("closed", "B", "", "Section Officer", "", "2024-03-25 10:00"),
        )
    ),
]


@pytest.fixture
def prepared(write_log):
    return prepare(analyse(read_logs([write_log(LOG)]).events))


def test_a_chosen_period_compares_with_the_same_length_just_before():
    chosen = Filters(start=date(2024, 3, 16), end=date(2024, 3, 25))
    cmp = comparison(chosen, date(2024, 2, 20), date(2024, 3, 25))
    assert cmp.now == (date(2024, 3, 16), date(2024, 3, 25))
    assert cmp.then == (date(2024, 3, 6), date(2024, 3, 15))  # ten days before
    assert not cmp.by_month
    open_end = comparison(Filters(start=date(2024, 3, 16)), date(2024, 2, 20), date(2024, 3, 25))
    assert open_end.then == cmp.then  # an open end is the data's last day


def test_no_period_compares_the_latest_month_with_the_one_before():
    cmp = comparison(Filters(), date(2024, 2, 20), date(2024, 3, 25))
    assert cmp.now == (date(2024, 3, 1), date(2024, 3, 25))
    assert cmp.then == (date(2024, 2, 1), date(2024, 2, 29))
    assert cmp.by_month


def test_figures_ten_days_before_t_worked_by_hand(prepared):
    # At 15-Mar 10:00: F1 with B since Sat 02-Mar (9 working days and 10 hours: over 7), F3
    # with B since Wed 21-Feb (over 7), F2 parked; F1 and F3 have seen levels {1, 2} and
    # holders {A, B}.
    then = figures_at(prepared, Filters(), pd.DateOffset(days=10))
    assert then == {
        "pending": 2,
        "pending_over_7_working_days": 2,
        "parked": 1,
        "mean_levels_pending": 2.0,
        "mean_holders_pending": 2.0,
        "files_over_4_levels": 0,
    }
    # At T: F1 with C since Wed 20-Mar (3 working days), levels {1, 2, 3}, holders {A, B, C}.
    assert figures_at(prepared, Filters()) == {
        "pending": 1,
        "pending_over_7_working_days": 0,
        "parked": 1,
        "mean_levels_pending": 3.0,
        "mean_holders_pending": 3.0,
        "files_over_4_levels": 0,
    }


def test_overview_change_with_a_period(prepared):
    chosen = Filters(start=date(2024, 3, 16), end=date(2024, 3, 25))
    _, table = overview_change(prepared, chosen, date(2024, 2, 20), date(2024, 3, 25))
    got = table.set_index("figure")
    # 16–25 Mar: nothing created, one movement (F1 to C); 06–15 Mar: F2 created, no movement.
    assert got.loc["files_created", ["now", "then", "change"]].tolist() == [0, 1, -1]
    assert got.loc["movements", ["now", "then", "change"]].tolist() == [1, 0, 1]
    assert got.loc["efile_share", "then"] == 1.0
    assert pd.isna(got.loc["efile_share", "now"])  # nothing created: no share
    assert got.loc["pending", ["now", "then", "change"]].tolist() == [1, 2, -1]
    assert got.loc["pending_over_7_working_days", "change"] == -2
    assert got.loc["mean_levels_pending", "change"] == 1.0
    assert verdict("pending", -1) == "better"
    assert verdict("mean_levels_pending", 1.0) == "worse"
    assert verdict("movement_ratio", 0.5) == "worse"  # more movements per file is not good news
    assert verdict("efile_share", 0.1) == "better"
    assert verdict("movements", 1) == "up"  # neither direction is better in itself
    assert verdict("parked", 0) == "no change"
    assert verdict("movement_ratio", None) == "no comparison"


def test_overview_change_without_a_period(prepared):
    _, table = overview_change(prepared, Filters(), date(2024, 2, 20), date(2024, 3, 25))
    got = table.set_index("figure")
    # March: F1 and F2 created, two moves (F1); February: F3 created, one move.
    assert got.loc["files_created", ["now", "then"]].tolist() == [2, 1]
    assert got.loc["movements", ["now", "then"]].tolist() == [2, 1]
    assert got.loc["movement_ratio", ["now", "then"]].tolist() == [1.0, 1.0]
    assert got.loc["efile_share", ["now", "then"]].tolist() == [1.0, 0.0]
    # 25-Feb 10:00 (a month before T): only F3, with B since Wed 21-Feb (2.6 working days).
    assert got.loc["pending", ["now", "then"]].tolist() == [1, 1]
    assert got.loc["pending_over_7_working_days", "then"] == 0
    assert got.loc["parked", ["now", "then"]].tolist() == [1, 0]
