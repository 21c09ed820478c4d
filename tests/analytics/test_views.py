"""The dashboard's aggregates (analytics/figures/views.py) on logs whose figures are worked by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.access.scope import Scope
from analytics.figures.metrics import analyse, level_turnaround, movement_ratio, pendency
from analytics.figures.views import (
    Filters,
    file_journey,
    filter_analysis,
    find_files,
    level_flow,
    longest_pending,
    movement_trend,
    overview_figures,
    pendency_by,
    pendency_table,
    prepare,
    report_tables,
    states_compared,
    turnaround,
    waiting_vs_processing,
)
from analytics.log.reading import read_logs
from tests.conftest import WORKED_EXAMPLE, ev

T = "2024-03-10 10:00"
# A second file, in Assam / Home, physical: created to E (Assistant) on 03-04 10:00, sent to F
# (Section Officer) on 03-06 10:00 (opened 03-06 16:00), returned to E on 03-07 10:00.
ASSAM = [
    {**r, "state": "Assam", "department": "Home", "file_id": "H1", "file_type": "physical"}
    for r in (
        ev("created", "", "E", "", "Assistant", "2024-03-04 10:00"),
        ev(
            "moved",
            "E",
            "F",
            "Assistant",
            "Section Officer",
            "2024-03-06 10:00",
            received_at="2024-03-06 16:00",
        ),
        ev("moved", "F", "E", "Section Officer", "Assistant", "2024-03-07 10:00"),
    )
]


SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "sample_events.csv"


@pytest.fixture(scope="module")
def sample_analysis():
    """The committed sample, analysed (default T per state)."""
    return analyse(read_logs([SAMPLE]).events)


@pytest.fixture
def prepared(write_log):
    events = read_logs([write_log(WORKED_EXAMPLE + ASSAM)]).events
    return prepare(analyse(events, as_of=T))


def test_turnaround_per_state_and_level_worked_example(prepared):
    got = turnaround(prepared, Filters(states=("Manipur",)))
    # Stints: A L1 1 day; B L2 0; C L3 2.25; B L2 0.75; D L5 open (not counted).
    want = pd.DataFrame(
        {
            "state": ["Manipur"] * 3,
            "level": pd.array([1, 2, 3], dtype="Int64"),
            "stints": [1, 2, 1],
            "median_days": [1.0, 0.375, 2.25],
            "mean_days": [1.0, 0.375, 2.25],
            "p90_days": [1.0, 0.675, 2.25],
            "p10_days": [1.0, 0.075, 2.25],
            "q1_days": [1.0, 0.1875, 2.25],
            "q3_days": [1.0, 0.5625, 2.25],
        }
    )
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_turnaround_pooled_over_states(prepared):
    got = turnaround(prepared, Filters(), by_state=False)
    # Level 1: A 1.0 and E 2.0 (03-04 → 03-06); level 2: 0, 0.75 and F 1.0.
    want = pd.DataFrame(
        {
            "level": pd.array([1, 2, 3], dtype="Int64"),
            "stints": [2, 3, 1],
            "median_days": [1.5, 0.75, 2.25],
            "mean_days": [1.5, 1.75 / 3, 2.25],
            "p90_days": [1.9, 0.95, 2.25],
        }
    )
    pd.testing.assert_frame_equal(got[list(want.columns)], want, check_dtype=False)


def test_turnaround_date_range_counts_stints_by_their_end(prepared):
    got = turnaround(prepared, Filters(states=("Manipur",), start=date(2024, 3, 3)))
    # Ended on or after 03-03: C (L3, ended 03-04) and the second B (L2, ended 03-05).
    assert got["level"].tolist() == [2, 3]
    assert got["median_days"].tolist() == [0.75, 2.25]


def test_turnaround_working_days(prepared):
    got = turnaround(prepared, Filters(states=("Manipur",)), "working_days")
    # 2024-03-01 is a Friday: A (Fri 10:00 → Sat 10:00) holds 14/24 working day; C (Sat 03-02
    # 10:00 → Mon 03-04 16:00) 16/24; B (Mon 16:00 → Tue 10:00) 8/24 + 10/24.
    assert got["median_days"].tolist() == pytest.approx([14 / 24, 0.375, 16 / 24])


def test_fast_turnaround_equals_metrics_on_the_sample(sample_analysis):
    p = prepare(sample_analysis)
    for filters in (
        Filters(),
        Filters(states=("Manipur", "Assam"), file_types=("electronic",)),
        Filters(departments=("Finance",), start=date(2024, 3, 1), end=date(2024, 6, 30)),
    ):
        for unit in ("days", "working_days"):
            got = turnaround(p, filters, unit)
            want = level_turnaround(filter_analysis(sample_analysis, filters).stints, unit)
            pd.testing.assert_frame_equal(got[list(want.columns)], want, check_dtype=False)


def test_waiting_vs_processing(prepared):
    got = waiting_vs_processing(prepared, Filters(states=("Assam",)))
    # Only F's stint has a receipt time: waits 0.25 day (10:00 → 16:00), processes 0.75.
    want = pd.DataFrame(
        {
            "level": pd.array([2], dtype="Int64"),
            "stints": [1],
            "median_waiting_days": [0.25],
            "median_processing_days": [0.75],
            "mean_waiting_days": [0.25],
            "mean_processing_days": [0.75],
        }
    )
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_level_flow_counts_median_sender_time_and_returns(prepared):
    got = level_flow(prepared, Filters(states=("Manipur",)))
    # Moves: A→B (1→2, A held 1 day), B→C (2→3, 0), C→B (3→2, 2.25: a return), B→D (2→5, 0.75).
    want = pd.DataFrame(
        {
            "from_level": pd.array([1, 2, 2, 3], dtype="Int64"),
            "to_level": pd.array([2, 3, 5, 2], dtype="Int64"),
            "movements": [1, 1, 1, 1],
            "median_days": [1.0, 0.0, 0.75, 2.25],
            "direction": ["up", "up", "up", "down"],
        }
    )
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    both = level_flow(prepared, Filters())
    one_two = both[both["from_level"].eq(1) & both["to_level"].eq(2)].iloc[0]
    # Manipur's A→B (1 day) and Assam's E→F (2 days): 2 moves, median 1.5.
    assert (one_two["movements"], one_two["median_days"]) == (2, 1.5)


def test_movement_trend_and_filters(prepared):
    got = movement_trend(prepared, Filters())
    want = pd.DataFrame(
        {"month": ["2024-03"], "files_created": [2], "movements": [6], "movement_ratio": [3.0]}
    )
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    physical = movement_trend(prepared, Filters(file_types=("physical",)))
    assert physical[["files_created", "movements"]].iloc[0].tolist() == [1, 2]
    late = movement_trend(prepared, Filters(states=("Manipur",), start=date(2024, 3, 3)))
    assert late[["files_created", "movements"]].iloc[0].tolist() == [0, 2]
    assert np.isnan(late["movement_ratio"].iloc[0])


def test_overview_figures(prepared):
    got = overview_figures(prepared, Filters(states=("Manipur",)))
    # D has held the file since Tue 03-05 10:00; T is Sun 03-10 10:00: 5 days, 3 14/24
    # working days, so not over 7. Levels 1, 2, 3, 5 → 4 levels, holders A, B, C, D → 4.
    assert got == {
        "files_created": 1,
        "movements": 4,
        "movement_ratio": 4.0,
        "efile_share": 1.0,
        "pending": 1,
        "pending_over_7_working_days": 0,
        "parked": 0,
        "mean_levels_pending": 4.0,
        "mean_holders_pending": 4.0,
        "files_over_4_levels": 0,
    }
    both = overview_figures(prepared, Filters())
    # Assam's file is pending with E since 03-07 10:00 (levels 1, 2 → 2): means (4 + 2) / 2.
    assert (both["files_created"], both["efile_share"], both["mean_levels_pending"]) == (
        2,
        0.5,
        3.0,
    )


def test_states_compared_has_each_state_with_its_t(write_log):
    events = read_logs([write_log(WORKED_EXAMPLE + ASSAM)]).events
    got = states_compared(prepare(analyse(events)), Filters())
    assert got["state"].tolist() == ["Assam", "Manipur"]
    assert got["as_of"].tolist() == [
        pd.Timestamp("2024-03-07 10:00", tz="Asia/Kolkata"),
        pd.Timestamp("2024-03-05 10:00", tz="Asia/Kolkata"),
    ]
    assert got["movements"].tolist() == [2, 4]


def test_pendency_views(prepared):
    table = pendency_table(prepared, Filters())
    want = pd.DataFrame(
        {
            "state": ["Assam", "Manipur"],
            "department": ["Home", "Finance"],
            "level": pd.array([1, 5], dtype="Int64"),
            "pending": [1, 1],
            "age_0_7": [1, 1],
            "age_8_15": [0, 0],
            "age_16_30": [0, 0],
            "age_31_60": [0, 0],
            "age_over_60": [0, 0],
            "parked": [0, 0],
        }
    )
    pd.testing.assert_frame_equal(table, want, check_dtype=False)
    by_level = pendency_by(table, "level")
    assert by_level["level"].tolist() == [1, 5]
    top = longest_pending(prepared, Filters(), n=1)
    # Manipur's file: 5.0 days with D; Assam's: 3.0 days with E.
    assert (top.loc[0, "file_id"], top.loc[0, "holder"], top.loc[0, "age_days"]) == ("F1", "D", 5.0)
    assert top.loc[0, "designation"] == "Director"


def test_filter_analysis_matches_metric_tables(prepared):
    cut = filter_analysis(prepared.analysis, Filters(file_types=("physical",)))
    assert cut.facts["file_id"].tolist() == ["H1"]
    assert movement_ratio(cut.events)["movements"].tolist() == [2]
    assert pendency(cut.facts)["level"].tolist() == [1]


def test_find_files_and_journey(prepared):
    facts = prepared.facts
    assert find_files(facts, "h1")["file_id"].tolist() == ["H1"]
    assert find_files(facts, "  ").empty
    key = int(find_files(facts, "F1")["file_key"].iloc[0])
    journey = file_journey(prepared.analysis, key)
    assert journey["holder"].tolist() == ["A", "B", "C", "B", "D"]
    assert journey["days"].tolist()[:4] == [1.0, 0.0, 2.25, 0.75]
    assert pd.isna(journey["days"].iloc[4])
    assert journey["end_action"].tolist()[:4] == ["moved"] * 4


def test_the_scope_is_a_mask_like_the_filters(prepared):
    """One unscoped analysis serves every reader: a scope selects like a state filter, and
    the report tables of the scoped selection are the metric tables of the scope's files."""
    scope = Scope(states=frozenset({"Assam"}))
    inside = Filters(scope=scope)
    assert inside.selects_files
    assert not Filters(scope=Scope.everything()).selects_files
    assert overview_figures(prepared, inside) == overview_figures(
        prepared, Filters(states=("Assam",))
    )
    assert turnaround(prepared, inside)["state"].unique().tolist() == ["Assam"]
    assert level_flow(prepared, inside)["movements"].sum() == 2
    tables = report_tables(prepared.analysis, inside)
    assert tables["files"]["file_id"].tolist() == ["H1"]
    assert set(tables["level_turnaround"]["state"]) == {"Assam"}
    # A department grant of another state adds that department only.
    pair = Scope(states=frozenset(), departments=frozenset({("Manipur", "Finance")}))
    assert report_tables(prepared.analysis, Filters(scope=pair))["files"]["file_id"].tolist() == [
        "F1"
    ]
    assert overview_figures(prepared, Filters(scope=Scope.nothing()))["files_created"] == 0


def test_empty_selection_gives_zero_counts(prepared):
    nobody = Filters(states=("Sikkim",))
    figures = overview_figures(prepared, nobody)
    assert (figures["files_created"], figures["pending"]) == (0, 0)
    assert figures["movement_ratio"] is None
    assert turnaround(prepared, nobody).empty
    assert level_flow(prepared, nobody).empty
