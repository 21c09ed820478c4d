"""The Officers page: its figures equal figures worked out with plain pandas over the sample CSV
(not through analytics), and a chosen officer's files are the files that officer holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.log.calendar import WorkCalendar
from analytics.schema import IST
from dashboard import format as fmt
from sample_data.generate import designation_level
from tests.dashboard.conftest import SAMPLE, frames, run_page

STARTS = ("created", "moved", "reopened")
RANK = {"created": 0, "reopened": 1, "moved": 2, "parked": 3, "closed": 4}


@pytest.fixture(scope="module")
def by_hand() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per officer, per pending file) straight from the CSV.

    A file's department is its first event's; its holder the receiver of its last event when
    that event starts a stint (created, moved, reopened: the file is pending); a stint runs
    from such an event to the file's next event; a return is a move to a lower level, sent by
    the holder of the stint the move ends.
    """
    ev = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    ev["ts"] = pd.to_datetime(ev["timestamp"]).dt.tz_localize(IST)
    ev["rank"] = ev["action"].map(RANK)
    ev["row"] = np.arange(len(ev))
    ev = ev.sort_values(["state", "file_id", "ts", "rank", "row"]).reset_index(drop=True)
    same = ev["file_id"].eq(ev["file_id"].shift(-1)) & ev["state"].eq(ev["state"].shift(-1))
    ev["dept"] = ev.groupby(["state", "file_id"])["department"].transform("first")
    ev["next_ts"] = ev["ts"].shift(-1).where(same)
    t = ev.groupby("state")["ts"].max()

    last = ev[~same]
    pending = last[last["action"].isin(STARTS)].copy()
    pending["age"] = (pending["state"].map(t) - pending["ts"]).dt.total_seconds() / 86400
    pending["wd"] = WorkCalendar().working_days(
        pending["ts"], pending["state"].map(t), pending["state"]
    )
    pending = pending.rename(columns={"to_user": "holder"})

    stints = ev[ev["action"].isin(STARTS) & ev["next_ts"].notna()]
    held = (stints["next_ts"] - stints["ts"]).dt.total_seconds() / 86400
    median = held.groupby([stints["state"], stints["dept"], stints["to_user"]]).median()

    before = ev.shift(1)
    after_stint = before["action"].isin(STARTS) & before["file_id"].eq(ev["file_id"])
    levels = {
        d: designation_level(d) for d in set(ev["from_designation"]) | set(ev["to_designation"])
    }
    lower = ev["to_designation"].map(levels).astype(float) < ev["from_designation"].map(
        levels
    ).astype(float)
    down = ev[ev["action"].eq("moved") & lower & after_stint]
    senders = before.loc[down.index, "to_user"]
    returned = down.groupby([down["state"], down["dept"], senders])["file_id"].nunique()

    g = pending.groupby(["state", "dept", "holder"])
    officers = pd.DataFrame(
        {
            "held": g.size(),
            "oldest": g["age"].max(),
            "over7": g["wd"].apply(lambda w: int((w > 7).sum())),
        }
    )
    names = ["state", "department", "holder"]
    for part in (officers, median, returned):
        part.index.names = names
    officers = officers.join(median.rename("median"), how="outer")
    officers = officers.join(returned.rename("returned"), how="outer")
    return officers, pending


def test_officers_page_figures_equal_the_sample_worked_by_hand(app: AppTest, by_hand):
    officers, _ = by_hand
    at = run_page(app, "officers")
    shown = frames(at)[0]
    got = shown.set_index(["State", "Department", "Holder"]).sort_index()
    want = officers.sort_index()
    assert len(got) == len(want) > 500
    assert list(got.index) == list(want.index)
    assert got["Files held now"].tolist() == [fmt.indian(v) for v in want["held"].fillna(0)]
    assert got["Oldest file held, age"].tolist() == [fmt.age(v) for v in want["oldest"]]
    assert got["Held over 7 working days"].tolist() == [
        fmt.indian(v) for v in want["over7"].fillna(0)
    ]
    assert got["Median time held"].tolist() == [fmt.age(v) for v in want["median"]]
    assert got["Files returned downward"].tolist() == [
        fmt.indian(v) for v in want["returned"].fillna(0)
    ]
    # sorted by files held now, largest first
    held = [int(v.replace(",", "")) for v in shown["Files held now"]]
    assert held == sorted(held, reverse=True)
    assert sum(held) == len(by_hand[1])


def test_an_officers_count_lists_their_files_with_journey_links(app: AppTest, by_hand):
    officers, pending = by_hand
    state, department, holder = officers["held"].idxmax()
    at = run_page(app, "officers")
    name = f"{holder} · {department}, {state}"
    at.selectbox(key="officer").set_value(name).run()
    assert not at.exception
    files = frames(at)[1]
    mine = pending[
        pending["state"].eq(state) & pending["dept"].eq(department) & pending["holder"].eq(holder)
    ]
    assert sorted(files["Computer no."]) == sorted(mine["file_id"])
    assert list(files["Journey"]) == [f"journey?file={f}" for f in files["Computer no."]]
    at.segmented_control(key="officer_list").set_value("held_over_7_working_days").run()
    over = frames(at)[1]
    assert sorted(over["Computer no."]) == sorted(mine.loc[mine["wd"] > 7, "file_id"])


def test_officers_filtered_by_level_and_department(app: AppTest, by_hand):
    officers, _ = by_hand
    at = run_page(app, "officers")
    at.multiselect(key="officer_department").set_value(["Finance"]).run()
    shown = frames(at)[0]
    assert set(shown["Department"]) == {"Finance"}
    assert len(shown) == int((officers.index.get_level_values("department") == "Finance").sum())
    at.multiselect(key="officer_level").set_value([1]).run()
    level_one = frames(at)[0]
    assert len(level_one)
    assert level_one["Level"].str.startswith("1 · ").all()
    assert set(level_one["Department"]) == {"Finance"}
