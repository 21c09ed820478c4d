"""The monthly report's figures (analytics/figures/monthly.py) on a log whose figures are worked by hand.

Manipur / Finance, three files (default level table: Assistant 1, Section Officer 2, Under
Secretary 3, Director 5):
- F1 (electronic): created to A on 05-Aug 10:00, A→B 06-Aug 10:00, B→C 02-Sep 10:00,
  C→D 15-Oct 10:00 (the state's T).
- F2 (electronic): created to A 10-Sep 10:00, A→B 11-Sep 10:00, closed by B 12-Sep 10:00.
- F3 (physical): created to A 20-Sep 10:00, still with A.
- Assam / Home, one file H1 created 03-Sep (another state, for the national edition), and
  DARPG / AR one file G1 created 04-Sep (the central secretariat).

September, as of 30-Sep 23:59:59.999999 IST (before Manipur's T): files created 2 (F2, F3),
movements 2 (F1 B→C, F2 A→B), ratio 1.0, e-file share 1 of 2 = 50.0%; pending F1 (with C since
02-Sep: 28.6 days, 20 working days) and F3 (with A since 20-Sep: 10.6 days, 6.6 working days)
= 2, over 7 working days 1 (F1); age buckets 16–30: 1 (F1), 8–15: 1 (F3); levels so far F1 3,
F3 1: mean 2.00. Turnaround (stints ended in September): level 1 F2's A stint 1 day; level 2
F1's B stint 27 days and F2's B stint 1 day: median 14.0.
August, as of 31-Aug: created 1, movements 1, pending 1 (F1 with B, 25.6 days), over 7 working
days 1, mean levels 2.00.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.access.scope import Scope
from analytics.figures import monthly
from analytics.figures.metrics import as_of_by_state
from analytics.figures.monthly import Remark
from analytics.log.reading import read_logs
from analytics.outputs.monthly_pdf import commentary, remark_text
from tests.conftest import ev

MN = {"state": "Manipur", "department": "Finance"}
ROWS = [
    {**MN, "file_id": "F1", "file_type": "electronic", **e}
    for e in (
        ev("created", "", "A", "", "Assistant", "2024-08-05 10:00"),
        ev("moved", "A", "B", "Assistant", "Section Officer", "2024-08-06 10:00"),
        ev("moved", "B", "C", "Section Officer", "Under Secretary", "2024-09-02 10:00"),
        ev("moved", "C", "D", "Under Secretary", "Director", "2024-10-15 10:00"),
    )
] + [
    {**MN, "file_id": "F2", "file_type": "electronic", **e}
    for e in (
        ev("created", "", "A", "", "Assistant", "2024-09-10 10:00"),
        ev("moved", "A", "B", "Assistant", "Section Officer", "2024-09-11 10:00"),
        ev("closed", "B", "", "Section Officer", "", "2024-09-12 10:00"),
    )
] + [
    {**MN, "file_id": "F3", "file_type": "physical", **ev("created", "", "A", "", "Assistant",
                                                          "2024-09-20 10:00")},
    {"state": "Assam", "department": "Home", "file_id": "H1", "file_type": "electronic",
     **ev("created", "", "E", "", "Assistant", "2024-09-03 10:00")},
    {"state": "DARPG", "department": "AR", "file_id": "G1", "file_type": "electronic",
     **ev("created", "", "G", "", "Assistant", "2024-09-04 10:00")},
]  # fmt: skip


@pytest.fixture
def events(write_log):
    return read_logs([write_log(ROWS)]).events


def _latest(events: pd.DataFrame) -> pd.Series:
    return as_of_by_state(events)


def test_state_edition_figures_worked_by_hand(events):
    report = monthly.build(events, _latest(events), "2024-09", state="Manipur")
    head = report.headline_table().set_index("figure")
    assert head.loc["files_created", ["value", "previous"]].tolist() == [2, 1]
    assert head.loc["movements", ["value", "previous"]].tolist() == [2, 1]
    assert head.loc["movement_ratio", "value"] == pytest.approx(1.0)
    assert head.loc["efile_share", "value"] == pytest.approx(0.5)
    assert head.loc["efile_share", "previous"] == pytest.approx(1.0)
    assert head.loc["pending", ["value", "previous"]].tolist() == [2, 1]
    assert head.loc["pending_over_7_working_days", ["value", "previous"]].tolist() == [1, 1]
    assert head.loc["parked", "value"] == 0
    assert head.loc["mean_levels_pending", "value"] == pytest.approx(2.0)
    assert head.loc["files_over_4_levels", "value"] == 0
    assert head.loc["pending", "change"] == 1
    buckets = report.buckets_table().set_index("figure")["value"].to_dict()
    assert buckets == {"age_0_7": 0, "age_8_15": 1, "age_16_30": 1, "age_31_60": 0,
                       "age_over_60": 0}  # fmt: skip
    turn = report.turnaround_table().set_index("level")
    assert turn.loc[1, "median_days"] == pytest.approx(1.0)
    assert turn.loc[2, "median_days"] == pytest.approx(14.0)
    assert turn.loc[2, "stints"] == 2
    # T: the month's last instant, before Manipur's own T (15-Oct)
    assert report.month.as_of["Manipur"] == pd.Timestamp("2024-09-30 23:59:59.999999+05:30")
    assert report.previous.as_of["Manipur"] == pd.Timestamp("2024-08-31 23:59:59.999999+05:30")
    assert report.month.longest["file_id"].tolist() == ["F1", "F3"]


def test_commentary_is_generated_with_the_registry_direction(events):
    report = monthly.build(events, _latest(events), "2024-09", state="Manipur")
    remarks = report.commentary()  # codes and numbers: the figures stay figures
    assert (
        Remark(
            "rose_slip", {"figure": "pending", "before": 1, "now": 2, "previous_month": "2024-08"}
        )
        in remarks
    )
    lines = commentary(report)
    assert "Pending at T rose from 1 to 2, a slip." in lines
    assert "Files created rose from 1 to 2." in lines  # no direction: no judgement
    assert "e-File share fell from 100.0% to 50.0%, a slip." in lines
    assert "Mean distinct levels, pending files was unchanged at 2.00." in lines
    said = monthly.sentence("pending_over_7_working_days", 812, 640, "2024-08")
    assert said == Remark(
        "fell_improvement",
        {"figure": "pending_over_7_working_days", "before": 812, "now": 640,
         "previous_month": "2024-08"},
    )  # fmt: skip
    assert remark_text(said) == "Pending over 7 working days fell from 812 to 640, an improvement."
    # in Hindi: the catalogue's sentence, the label in Hindi, the same figures
    assert remark_text(said, "hi") == "7 कार्य दिवस से अधिक समय से लंबित: 812 से घटकर 640, स्थिति सुधरी।"
    level = Remark("level_slipped", {"figure": "median_days", "before": 0.5, "now": 1.75,
                                     "previous_month": "2024-08", "level": 9})  # fmt: skip
    assert remark_text(level, "en", {9: "Minister"}) == (
        "The level that slipped most: 9 · Minister (median 0.5 days in Aug-2024, 1.8 days now)."
    )
    assert remark_text(level, "hi", {9: "Minister"}) == (
        "सबसे अधिक पिछड़ा स्तर: 9 · Minister (माध्यिका अगस्त-2024 में 0.5 दिन, अब 1.8 दिन)।"
    )


def test_t_is_the_states_own_when_earlier_than_the_months_end(events):
    report = monthly.build(events, _latest(events), "2024-10", state="Manipur")
    assert report.month.as_of["Manipur"] == pd.Timestamp("2024-10-15 10:00+05:30")
    head = report.headline_table().set_index("figure")
    assert head.loc["movements", "value"] == 1


def test_a_month_without_data_is_refused(events):
    with pytest.raises(monthly.NoDataError, match="no data for November 2024 in Manipur"):
        monthly.build(events, _latest(events), "2024-11", state="Manipur")
    with pytest.raises(ValueError, match="not a month YYYY-MM"):
        monthly.period("2024-13")


def test_national_edition_keeps_the_central_secretariat_apart(events):
    report = monthly.build(events, _latest(events), "2024-09")
    assert report.states == ["Assam", "Manipur"]
    assert report.central == ["DARPG"]
    head = report.headline_table().set_index("figure")
    assert head.loc["files_created", "value"] == 3  # F2, F3, H1: not DARPG's G1
    assert report.states_table()["state"].tolist() == ["Assam", "Manipur"]
    central = report.states_table(central=True)
    assert central["state"].tolist() == ["DARPG"]
    assert central["files_created"].tolist() == [1]


def test_longest_pending_holders_are_pseudonymised_without_names(events):
    scope = Scope(states=frozenset({"Manipur"}), see_names=False, pseudonym_key=b"k" * 32)
    report = monthly.build(events, _latest(events), "2024-09", state="Manipur", scope=scope)
    holders = report.month.longest["holder"].tolist()
    assert len(holders) == 2
    assert all(h.startswith("P-") for h in holders)
    assert "C" not in holders
