"""Metric rules of metrics.md on tiny logs whose figures are worked out by hand in each test."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.figures.metrics import analyse, compute_report
from analytics.figures.views import Filters, prepare, waiting_vs_processing
from analytics.log.calendar import WorkCalendar
from analytics.log.ordering import order_events
from analytics.log.reading import read_logs
from tests.conftest import WORKED_EXAMPLE, ev

T_WORKED = "2024-03-10 10:00"


def tables(write_log, rows, **kw):
    return compute_report(read_logs([write_log(rows)]).events, **kw)


def row(frame: pd.DataFrame, **match) -> pd.Series:
    hit = frame
    for k, v in match.items():
        hit = hit[hit[k].isna()] if v is None else hit[hit[k] == v]
    assert len(hit) == 1, f"expected one row for {match}, got {len(hit)}"
    return hit.iloc[0]


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]])
def test_worked_example_every_table(write_log, order):
    t = tables(write_log, [WORKED_EXAMPLE[i] for i in order], as_of=T_WORKED)
    lt = t["level_turnaround"]
    assert lt["level"].tolist() == [1, 2, 3]
    assert lt["stints"].tolist() == [1, 2, 1]
    assert lt["median_days"].tolist() == pytest.approx([1.0, 0.375, 2.25])
    assert lt["mean_days"].tolist() == pytest.approx([1.0, 0.375, 2.25])
    # level 2 stints are 0 and 0.75 days: p90 = 0 + 0.9 * 0.75
    assert lt["p90_days"].tolist() == pytest.approx([1.0, 0.675, 2.25])
    p = t["pendency"]
    assert len(p) == 1
    assert (p.loc[0, "level"], p.loc[0, "pending"], p.loc[0, "age_0_7"]) == (5, 1, 1)
    f = row(t["files"], file_id="F1")
    assert (f.movements, f.levels_traversed, f.holders, f.returns) == (4, 4, 4, 1)
    assert not f.over_4_levels
    assert f.status == "pending"
    assert f.created_at == pd.Timestamp("2024-03-01 10:00", tz="Asia/Kolkata")
    m = row(t["movement_ratio"], month="2024-03")
    assert (m.files_created, m.movements, m.movement_ratio) == (1, 4, 4.0)
    s = row(t["summary"], department="Finance")
    assert (s.pending, s.parked, s.mean_levels_pending, s.mean_holders_pending) == (1, 0, 4.0, 4.0)


def test_worked_example_pending_age_is_five_days(write_log):
    a = analyse(read_logs([write_log(WORKED_EXAMPLE)]).events, as_of=T_WORKED)
    assert a.facts.loc[0, "age_days"] == pytest.approx(5.0)
    assert a.facts.loc[0, "holder"] == "D"


def test_default_as_of_is_each_states_latest_event(write_log):
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
        ev("created", "", "X", "", "Assistant", "2024-03-01 10:00", state="Assam", file_id="G"),
        # Assam's extract runs 10 days later; Manipur's files must not age by it
        ev("moved", "Y", "Z", "", "", "2024-03-11 10:00", state="Assam", file_id="H"),
        ev("moved", "A", "B", "Assistant", "Section Officer", "2024-03-03 10:00"),
    ]
    a = analyse(read_logs([write_log(rows)]).events)
    assert a.as_of["Manipur"] == pd.Timestamp("2024-03-03 10:00", tz="Asia/Kolkata")
    assert a.as_of["Assam"] == pd.Timestamp("2024-03-11 10:00", tz="Asia/Kolkata")
    ages = a.facts.set_index(["state", "file_id"])["age_days"]
    assert ages[("Manipur", "F1")] == 0.0
    assert ages[("Assam", "G")] == pytest.approx(10.0)


def test_as_of_before_end_of_log_ignores_later_events(write_log):
    rows = [
        *WORKED_EXAMPLE,
        ev("closed", "D", "", "Director", "", "2024-03-20 10:00"),
    ]
    t = tables(write_log, rows, as_of="2024-03-04 12:00")
    f = row(t["files"], file_id="F1")
    # as of 03-04 12:00 the file is with C since 03-02 10:00, two moves made
    assert (f.status, f.movements, f.levels_traversed) == ("pending", 2, 3)
    p = row(t["pendency"], level=3)
    assert p.pending == 1
    lt = t["level_turnaround"]
    assert lt["level"].tolist() == [1, 2]  # C's stint is still open
    after = tables(write_log, rows)
    f = row(after["files"], file_id="F1")
    assert f.status == "closed"
    assert f.closed_at == pd.Timestamp("2024-03-20 10:00", tz="Asia/Kolkata")
    assert f.disposal_days == pytest.approx(19.0)
    assert after["pendency"].empty


def test_parked_counts_at_senders_level_and_reopened_restarts_age(write_log):
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
        ev("moved", "A", "B", "Assistant", "Under Secretary", "2024-03-02 10:00"),
        ev("parked", "B", "", "Under Secretary", "", "2024-03-03 10:00"),
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00", file_id="F2"),
        ev("parked", "A", "", "Assistant", "", "2024-03-02 10:00", file_id="F2"),
        ev("reopened", "", "A", "", "Assistant", "2024-03-06 10:00", file_id="F2"),
    ]
    a = analyse(read_logs([write_log(rows)]).events, as_of="2024-03-16 10:00")
    p = a.tables["pendency"]
    parked = row(p, level=3)
    assert (parked.parked, parked.pending) == (1, 0)
    reopened = row(p, level=1)
    # F2 pending again since 03-06 10:00: 10 days at T → age_8_15
    assert (reopened.pending, reopened.age_8_15, reopened.parked) == (1, 1, 0)
    s = row(a.tables["summary"], department="Finance")
    assert (s.pending, s.parked) == (1, 1)
    # ended stints: F1 A 1 day (level 1), B 1 day (level 3); F2 A 1 day (level 1)
    lt = a.tables["level_turnaround"]
    assert row(lt, level=1).stints == 2
    assert row(lt, level=3).stints == 1


def test_broken_chain_ends_the_stint_and_is_counted(write_log):
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
        ev("moved", "X", "B", "Assistant", "Section Officer", "2024-03-03 10:00"),
    ]
    result = read_logs([write_log(rows)])
    assert result.report.broken_chains == 1
    lt = compute_report(result.events)["level_turnaround"]
    assert row(lt, level=1).median_days == pytest.approx(2.0)


def test_unmapped_designations_kept_and_sorted_last(write_log):
    rows = [
        ev("created", "", "A", "", "Consultant", "2024-03-01 10:00"),
        ev("moved", "A", "B", "Consultant", "Section  officer ", "2024-03-02 10:00"),
        ev("moved", "B", "C", "Section Officer", "Consultant", "2024-03-02 16:00"),
        ev("moved", "C", "D", "Consultant", "OSD", "2024-03-03 10:00"),
    ]
    result = read_logs([write_log(rows)])
    assert result.report.unknown_designations == {"Consultant": 4, "OSD": 1}
    lt = compute_report(result.events)["level_turnaround"]
    assert lt["level"].isna().tolist() == [False, True]
    assert row(lt, level=2).median_days == pytest.approx(0.25)
    unmapped = lt.iloc[-1]
    # Consultant stints: A 1 day, C 0.75 day
    assert unmapped.stints == 2
    assert unmapped.mean_days == pytest.approx(0.875)
    f = compute_report(result.events)["files"].iloc[0]
    assert (f.levels_traversed, f.holders, f.returns) == (1, 4, 0)


def test_file_without_created_event(write_log):
    rows = [
        ev("moved", "A", "B", "Assistant", "Section Officer", "2024-03-02 10:00"),
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00", file_id="F2", file_type="p"),
    ]
    result = read_logs([write_log(rows)])
    assert result.report.files_without_created == 1
    t = compute_report(result.events)
    assert pd.isna(row(t["files"], file_id="F1").created_at)
    s = t["summary"].iloc[0]
    # only F2 was created, and it is physical
    assert (s.files_created, s.movements, s.movement_ratio, s.efile_share) == (1, 1, 1.0, 0.0)


def test_movement_ratio_by_ist_month_and_empty_when_nothing_created(write_log):
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-31T19:00:00Z"),  # 00:30 on 1 Apr IST
        ev("moved", "A", "B", "", "", "2024-03-30 10:00", file_id="F0"),
        ev("moved", "B", "C", "", "", "2024-04-02 10:00"),
        ev("moved", "C", "D", "", "", "2024-04-03 10:00"),
    ]
    m = tables(write_log, rows)["movement_ratio"]
    assert m["month"].tolist() == ["2024-03", "2024-04"]
    march, april = m.iloc[0], m.iloc[1]
    assert (march.files_created, march.movements) == (0, 1)
    assert pd.isna(march.movement_ratio)
    assert (april.files_created, april.movements, april.movement_ratio) == (1, 2, 2.0)


def test_p90_interpolates_between_order_statistics(write_log):
    durations = [1, 2, 3, 4, 10]
    rows = []
    for i, d in enumerate(durations):
        rows.append(ev("created", "", "A", "", "Assistant", "2024-01-01 00:00", file_id=f"F{i}"))
        rows.append(
            ev("moved", "A", "B", "Assistant", "", f"2024-01-{1 + d:02d} 00:00", file_id=f"F{i}")
        )
    lt = tables(write_log, rows)["level_turnaround"]
    r = row(lt, level=1)
    # (n-1)·0.9 = 3.6: x[3] + 0.6·(x[4] − x[3]) = 4 + 0.6·6
    assert r.p90_days == pytest.approx(7.6)
    assert r.median_days == pytest.approx(3.0)
    assert r.mean_days == pytest.approx(4.0)


def test_pendency_age_bucket_edges(write_log):
    ages = {"F7": 7.0, "F7b": 7.0001, "F15": 15.0, "F30": 30.0, "F60": 60.0, "F61": 61.0}
    t = pd.Timestamp("2024-06-01 00:00")
    rows = [
        ev("created", "", "A", "", "Assistant", str(t - pd.Timedelta(days=d)), file_id=f)
        for f, d in ages.items()
    ]
    p = tables(write_log, rows, as_of=str(t))["pendency"].iloc[0]
    assert (p.age_0_7, p.age_8_15, p.age_16_30, p.age_31_60, p.age_over_60) == (1, 2, 1, 1, 1)
    assert p.pending == 6


def test_same_time_movements_follow_the_chain(write_log):
    rows = [
        ev("moved", "C", "D", "", "", "2024-03-02 10:00"),
        ev("moved", "B", "C", "", "", "2024-03-02 10:00"),
        ev("created", "", "A", "", "", "2024-03-02 10:00"),
        ev("moved", "A", "B", "", "", "2024-03-02 10:00"),
    ]
    ordered = order_events(read_logs([write_log(rows)]).events)
    pairs = list(zip(ordered["from_user"], ordered["to_user"], strict=True))
    # created sorts before moved at the same time; moves then follow holders A→B→C→D
    assert pairs == [("", "A"), ("A", "B"), ("B", "C"), ("C", "D")]
    f = compute_report(ordered)["files"].iloc[0]
    assert f.status == "pending"


def test_equal_time_order_of_actions(write_log):
    rows = [
        ev("closed", "B", "", "", "", "2024-03-02 10:00"),
        ev("moved", "A", "B", "", "", "2024-03-02 10:00"),
        ev("parked", "A", "", "", "", "2024-03-01 10:00"),
        ev("reopened", "", "A", "", "", "2024-03-01 10:00"),
        ev("created", "", "A", "", "", "2024-03-01 10:00"),
    ]
    ordered = order_events(read_logs([write_log(rows)]).events)
    assert ordered["action"].tolist() == ["created", "reopened", "parked", "moved", "closed"]


def test_working_days_across_weekend_and_holiday(write_log):
    # Fri 2024-03-01 16:00 → Mon 03-04 10:00 is 0.75 working days; Sat 10:00 → Mon 10:00 is 10/24
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-01 16:00"),
        ev("moved", "A", "B", "Assistant", "", "2024-03-04 10:00"),
        ev("created", "", "A", "", "Section Officer", "2024-03-02 10:00", file_id="F2"),
        ev("moved", "A", "B", "Section Officer", "", "2024-03-04 10:00", file_id="F2"),
        # Manipur holiday on Tue 03-05: Mon 10:00 → Wed 10:00 counts Mon 14h + Wed 10h = 1 day
        ev("created", "", "A", "", "Under Secretary", "2024-03-04 10:00", file_id="F3"),
        ev("moved", "A", "B", "Under Secretary", "", "2024-03-06 10:00", file_id="F3"),
    ]
    calendar = WorkCalendar(holidays={"Manipur": [pd.Timestamp("2024-03-05").date()]})
    lt = tables(write_log, rows, calendar=calendar, working_days=True)["level_turnaround"]
    assert row(lt, level=1).median_days == pytest.approx(0.75)
    assert row(lt, level=2).median_days == pytest.approx(10 / 24)
    assert row(lt, level=3).median_days == pytest.approx(1.0)
    calendar_days = tables(write_log, rows, calendar=calendar)["level_turnaround"]
    assert row(calendar_days, level=1).median_days == pytest.approx(2.75)
    assert row(calendar_days, level=3).median_days == pytest.approx(2.0)


def test_stint_over_seven_working_days_is_flagged(write_log):
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-04 10:00"),  # Monday
        ev("moved", "A", "B", "Assistant", "", "2024-03-13 10:00"),  # 7 working days later
        ev("moved", "B", "C", "", "", "2024-03-22 10:00"),  # 7 working days + ... Wed→Fri
    ]
    stints = analyse(read_logs([write_log(rows)]).events).stints
    assert stints["working_days"].iloc[:2].tolist() == pytest.approx([7.0, 7.0])
    assert stints["over_7_working_days"].tolist() == [False, False, False]
    rows[2] = ev("moved", "B", "C", "", "", "2024-03-22 10:01")
    stints = analyse(read_logs([write_log(rows)]).events).stints
    assert stints["over_7_working_days"].tolist() == [False, True, False]


def test_waiting_and_processing_split(write_log):
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
        ev(
            "moved",
            "A",
            "B",
            "Assistant",
            "Section Officer",
            "2024-03-02 10:00",
            received_at="2024-03-02 16:00",
        ),
        ev("moved", "B", "C", "Section Officer", "", "2024-03-03 10:00"),
    ]
    a = analyse(read_logs([write_log(rows)]).events)
    wp = waiting_vs_processing(prepare(a), Filters())
    r = row(wp, level=2)
    assert (r.median_waiting_days, r.median_processing_days) == pytest.approx((0.25, 0.75))
    assert 1 not in wp["level"].tolist()  # no received_at on the created stint


def test_returns_and_over_four_levels(write_log):
    designations = ["Assistant", "Section Officer", "Under Secretary", "Deputy Secretary"]
    designations += ["Director", "Section Officer"]
    rows = [ev("created", "", "U0", "", designations[0], "2024-03-01 10:00")]
    for i in range(1, len(designations)):
        rows.append(
            ev(
                "moved",
                f"U{i - 1}",
                f"U{i}",
                designations[i - 1],
                designations[i],
                f"2024-03-0{1 + i} 10:00",
            )
        )
    f = tables(write_log, rows)["files"].iloc[0]
    assert (f.levels_traversed, f.holders, f.returns, f.movements) == (5, 6, 1, 5)
    assert f.over_4_levels
    s = tables(write_log, rows)["summary"].iloc[0]
    assert s.files_over_4_levels == 1


def test_department_of_a_file_is_its_first_events(write_log):
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00", department="Home"),
        ev("moved", "A", "B", "", "", "2024-03-02 10:00", department="Finance"),
    ]
    t = tables(write_log, rows)
    assert t["movement_ratio"]["department"].unique().tolist() == ["Home"]
    assert t["summary"]["department"].tolist() == ["Home"]


def test_an_empty_log_gives_each_table_empty_with_its_columns():
    from analytics.log.reading import empty_events
    from analytics.schema import REPORT_COLUMNS

    tables = compute_report(empty_events())
    assert set(tables) == set(REPORT_COLUMNS)
    for name, columns in REPORT_COLUMNS.items():
        assert tables[name].empty
        assert list(tables[name].columns) == list(columns)
