"""Every page renders on a store preloaded with the sample and shows what analytics computes.

Expected figures come from `analyse(read_logs(sample))` (the `expected` fixture), never from
what a page printed.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from streamlit.testing.v1 import AppTest

from analytics.figures.metrics import Analysis, level_turnaround
from analytics.figures.registry import CSMOP_WORKING_DAYS
from dashboard import format as fmt
from tests.dashboard.conftest import APP, TIMEOUT, frames, metrics, run_page


def _cards(facts: pd.DataFrame, summary: pd.DataFrame) -> dict[str, str]:
    pending = facts["status"].eq("pending")
    created = summary["files_created"].sum()
    movements = summary["movements"].sum()
    with_created = facts["created_at"].notna()
    return {
        "Files created": fmt.indian(created),
        "Movements": fmt.indian(movements),
        "Movements per file created": fmt.ratio(movements / created),
        "e-File share": fmt.percent(
            (facts["file_type"].eq("electronic") & with_created).sum() / with_created.sum()
        ),
        "Pending at T": fmt.indian(pending.sum()),
        "Pending over 7 working days": fmt.indian(
            (pending & facts["age_working_days"].gt(CSMOP_WORKING_DAYS)).sum()
        ),
        "Parked": fmt.indian(facts["status"].eq("parked").sum()),
        "Mean distinct levels, pending files": fmt.indian(
            facts.loc[pending, "levels_traversed"].mean(), 2
        ),
        "Mean holders, pending files": fmt.indian(facts.loc[pending, "holders"].mean(), 2),
        "Files over 4 levels": fmt.indian(facts["over_4_levels"].sum()),
    }


def test_overview_shows_the_sample_figures(app: AppTest, expected: Analysis):
    at = run_page(app, "overview")
    want = _cards(expected.facts, expected.tables["summary"])
    assert metrics(at) == want
    assert want["Files created"] == "2,389"  # the sample's 2,400 files, 11 begin mid-life
    trend = frames(at)[0]
    assert len(trend) == 12  # months of 2024


def test_overview_filters_change_the_figures(app: AppTest, expected: Analysis):
    at = run_page(app, "overview")
    at.sidebar.multiselect(key="state").set_value(["Manipur"]).run()
    facts = expected.facts[expected.facts["state"].eq("Manipur")]
    summary = expected.tables["summary"]
    assert metrics(at) == _cards(facts, summary[summary["state"].eq("Manipur")])
    at.sidebar.multiselect(key="department").set_value(["Finance"]).run()
    keep = facts["department"].eq("Finance")
    manipur_finance = summary[summary["state"].eq("Manipur") & summary["department"].eq("Finance")]
    assert metrics(at) == _cards(facts[keep], manipur_finance)


def test_query_params_reproduce_a_view(app: AppTest, expected: Analysis):
    app.query_params["state"] = ["Assam", "Tripura"]
    app.query_params["file_type"] = "Physical file"  # bound widgets put labels in the URL
    at = run_page(app, "overview")
    facts = expected.facts
    chosen = facts[facts["state"].isin(["Assam", "Tripura"]) & facts["file_type"].eq("physical")]
    events = expected.events
    created = events["action"].eq("created") & events["file_key"].isin(chosen["file_key"])
    assert metrics(at)["Files created"] == fmt.indian(created.sum())
    assert metrics(at)["Pending at T"] == fmt.indian(chosen["status"].eq("pending").sum())


def test_date_range_counts_activity_in_the_period(app: AppTest, expected: Analysis):
    at = run_page(app, "overview")
    at.sidebar.date_input(key="dates").set_value((date(2024, 3, 1), date(2024, 3, 31))).run()
    ratio = expected.tables["movement_ratio"]
    march = ratio[ratio["month"].eq("2024-03")]
    assert metrics(at)["Files created"] == fmt.indian(march["files_created"].sum())
    assert metrics(at)["Movements"] == fmt.indian(march["movements"].sum())


def test_states_page_ranks_and_opens_a_state(app: AppTest, expected: Analysis):
    at = run_page(app, "states")
    table = frames(at)[-1]  # all figures, by state
    summary = expected.tables["summary"].groupby("state")[["files_created", "movements"]].sum()
    assert table["State"].tolist() == summary.index.tolist()
    assert table["Movements"].tolist() == [fmt.indian(v) for v in summary["movements"]]
    assert table["As of (T)"].tolist() == [fmt.moment(t) for t in expected.as_of]
    at.selectbox(key="open_state").set_value("Manipur").run()
    at.button(key="open_state_button").click().run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert at.sidebar.multiselect(key="state").value == ["Manipur"]
    manipur = expected.tables["summary"]
    manipur = manipur[manipur["state"].eq("Manipur")]
    assert metrics(at)["Files created"] == fmt.indian(manipur["files_created"].sum())


def test_hierarchy_page_shows_turnaround_per_level(app: AppTest, expected: Analysis):
    at = run_page(app, "hierarchy")
    pooled, per_state = frames(at)[0], frames(at)[1]
    want = level_turnaround(expected.stints.assign(state="all"), "days")
    assert pooled["Stints"].tolist() == [fmt.indian(v) for v in want["stints"]]
    assert pooled["Median"].tolist() == [fmt.age(v) for v in want["median_days"]]
    report = expected.tables["level_turnaround"]
    assert per_state["90th percentile"].tolist() == [fmt.age(v) for v in report["p90_days"]]
    at.segmented_control(key="unit").set_value("working_days").run()
    working = level_turnaround(expected.stints.assign(state="all"), "working_days")
    assert frames(at)[0]["Median"].tolist() == [
        fmt.age(v, "working days") for v in working["median_days"]
    ]


def test_flow_page_counts_movements_and_returns(app: AppTest, expected: Analysis):
    at = run_page(app, "flow")
    cards = metrics(at)
    assert cards["Movements"] == fmt.indian(expected.events["action"].eq("moved").sum())
    assert cards["Returns (downward)"] == fmt.indian(expected.facts["returns"].sum())
    at.sidebar.multiselect(key="state").set_value(["Sikkim"]).run()
    sikkim = expected.facts[expected.facts["state"].eq("Sikkim")]
    assert metrics(at)["Returns (downward)"] == fmt.indian(sikkim["returns"].sum())


def test_pendency_page_buckets_and_longest_pending(app: AppTest, expected: Analysis):
    at = run_page(app, "pendency")
    table = expected.tables["pendency"]
    cards = metrics(at)
    assert cards["Pending at T"] == fmt.indian(table["pending"].sum())
    assert cards["Parked"] == fmt.indian(table["parked"].sum())
    assert cards["Pending over 60 days"] == fmt.indian(table["age_over_60"].sum())
    longest = frames(at)[0]
    pending = expected.facts[expected.facts["status"].eq("pending")]
    oldest = pending.nlargest(1, "age_days").iloc[0]
    assert longest["Computer no."].iloc[0] == oldest["file_id"]
    assert longest["Holder"].iloc[0] == oldest["holder"]
    assert longest["Designation"].iloc[0] == oldest["designation"]
    assert "0–7 days" in frames(at)[1].columns
    assert not any(c.startswith("age_") for c in frames(at)[1].columns)


def test_file_journey_finds_a_file_by_number(app: AppTest, expected: Analysis):
    fact = expected.facts[expected.facts["file_id"].eq("MN-FIN-000010")].iloc[0]
    app.query_params["file"] = fact["file_number"]
    at = run_page(app, "journey")
    assert metrics(at)["Movements"] == fmt.indian(fact["movements"])
    stints = expected.stints[expected.stints["file_key"].eq(fact["file_key"])]
    journey = frames(at)[0]
    assert journey["Holder"].tolist() == stints["holder"].tolist()
    assert journey["Time held"].iloc[0] == fmt.age(stints["days"].iloc[0])
    at.text_input(key="file").set_value("no-such-file").run()
    assert any("No file in your scope" in w.value for w in at.warning)


def test_every_page_on_an_empty_store_says_so(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    monkeypatch.setenv("EOFFICE_DB_URL", url)
    monkeypatch.setenv("EOFFICE_DEMO", "1")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("No movement logs" in i.value for i in at.info)
    for page in ("states", "officers", "hierarchy", "flow", "pendency", "journey", "upload"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
