"""Process mining (analytics/figures/mining.py): routes, process map, handovers and rework on logs
worked by hand, and on the committed sample against an independent plain loop and PM4Py."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.access.scope import Scope
from analytics.figures import mining
from analytics.figures.metrics import analyse
from analytics.figures.views import Filters, _in_range, file_keep, level_flow, prepare
from analytics.log.hierarchy import LevelTable
from analytics.log.reading import read_logs
from tests.conftest import WORKED_EXAMPLE, ev

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "sample_events.csv"
T = "2024-03-10 10:00"


def _file(state: str, department: str, file_id: str, rows: list[dict]) -> list[dict]:
    return [{**r, "state": state, "department": department, "file_id": file_id} for r in rows]


def _closed(file_id: str, created: str, moved: str, closed: str) -> list[dict]:
    """A Manipur / Finance file created to A, sent to B and closed by B."""
    rows = [
        ev("created", "", "A", "", "Assistant", created),
        ev("moved", "A", "B", "Assistant", "Section Officer", moved),
        ev("closed", "B", "", "Section Officer", "", closed),
    ]
    return _file("Manipur", "Finance", file_id, rows)


# F1 (Manipur / Finance), the worked example: A (Assistant, L1) 03-01 10:00 → B (SO, L2)
# 03-02 10:00 → C (US, L3) 03-02 10:00 → B 03-04 16:00 → D (Director, L5) 03-05 10:00, open.
# F2: A 03-01 10:00 → B 03-01 22:00, closed by B 03-03 10:00 (2 days to disposal).
# F3: A 03-02 10:00 → B 03-03 10:00, closed by B 03-06 10:00 (4 days).
# H1 (Assam / Home): E (L1) 03-04 10:00 → F (L2) 03-06 10:00 → E 03-07 10:00, open.
LOG = [
    *_file("Manipur", "Finance", "F1", WORKED_EXAMPLE),
    *_closed("F2", "2024-03-01 10:00", "2024-03-01 22:00", "2024-03-03 10:00"),
    *_closed("F3", "2024-03-02 10:00", "2024-03-03 10:00", "2024-03-06 10:00"),
    *_file(
        "Assam",
        "Home",
        "H1",
        [
            ev("created", "", "E", "", "Assistant", "2024-03-04 10:00"),
            ev("moved", "E", "F", "Assistant", "Section Officer", "2024-03-06 10:00"),
            ev("moved", "F", "E", "Section Officer", "Assistant", "2024-03-07 10:00"),
        ],
    ),
]
LONG = "1 → 2 → 3 → 2 → 5"


@pytest.fixture
def prepared(write_log):
    return prepare(analyse(read_logs([write_log(LOG)]).events, as_of=T))


def test_routes_worked_by_hand(prepared):
    got = mining.routes(prepared, Filters())
    assert got["route"].tolist() == ["1 → 2", "1 → 2 → 1", LONG]
    assert got["files"].tolist() == [2, 1, 1]
    assert got["share"].tolist() == [0.5, 0.25, 0.25]
    assert got["closed"].tolist() == [2, 0, 0]
    # disposal of F2 and F3: 2 and 4 days; median 3, p90 = 2 + 0.9 × 2
    assert got["median_disposal_days"].iloc[0] == pytest.approx(3.0)
    assert got["p90_disposal_days"].iloc[0] == pytest.approx(3.8)
    assert got["median_disposal_days"].iloc[1:].isna().all()
    assert got["steps"].tolist() == [2, 3, 5]
    assert got["levels"].tolist() == [2, 2, 4]
    # 2 → 5 goes up three levels at once; four distinct levels is not over the limit of 4
    assert got["skips_levels"].tolist() == [False, False, True]
    assert got["over_limit"].tolist() == [False, False, False]


def test_routes_per_state_and_top(prepared):
    got = mining.routes(prepared, Filters(), by=("state",), top=1)
    assert got[["state", "route", "files"]].to_numpy().tolist() == [
        ["Assam", "1 → 2 → 1", 1],
        ["Manipur", "1 → 2", 2],
    ]
    manipur = mining.routes(prepared, Filters(states=("Manipur",)))
    assert manipur["share"].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_a_date_range_selects_routes_by_creation(prepared):
    got = mining.routes(prepared, Filters(start=date(2024, 3, 4)))
    assert got["route"].tolist() == ["1 → 2 → 1"]


def test_a_routes_files(prepared):
    files = mining.route_files(prepared, Filters(), "1 → 2")
    assert files["file_id"].tolist() == ["F2", "F3"]
    assert files["disposal_days"].tolist() == [2.0, 4.0]
    assert mining.route_files(prepared, Filters(), "9 → 9").empty
    scoped = Filters(scope=Scope(states=frozenset({"Assam"})))
    assert mining.route_files(prepared, scoped, "1 → 2").empty


def test_process_map_edges_worked_by_hand(prepared):
    edges = mining.process_map(prepared, Filters(), slowest=1)
    got = {
        (int(r.from_level), int(r.to_level)): (r.movements, r.median_days, r.slowest)
        for r in edges.itertuples()
    }
    # 1→2: F1 (1 day with A), F2 (0.5), F3 (1), H1 (2) → median 1
    assert got == {
        (1, 2): (4, 1.0, False),
        (2, 1): (1, 1.0, False),
        (2, 3): (1, 0.0, False),
        (2, 5): (1, 0.75, False),
        (3, 2): (1, 2.25, True),
    }


def test_handovers_worked_by_hand(prepared):
    got = mining.handovers(prepared, Filters())
    rows = {
        (r.state, r.from_user, r.to_user): (r.handovers, r.returns, r.median_days)
        for r in got.itertuples()
    }
    assert rows == {
        ("Manipur", "A", "B"): (3, 0, 1.0),
        ("Manipur", "B", "C"): (1, 0, 0.0),
        ("Manipur", "C", "B"): (1, 1, 2.25),
        ("Manipur", "B", "D"): (1, 0, 0.75),
        ("Assam", "E", "F"): (1, 0, 2.0),
        ("Assam", "F", "E"): (1, 1, 1.0),
    }
    assert got.iloc[0][["from_user", "to_user"]].tolist() == ["A", "B"]
    ranged = mining.handovers(prepared, Filters(start=date(2024, 3, 4), end=date(2024, 3, 6)))
    assert sorted(zip(ranged["from_user"], ranged["to_user"], strict=True)) == [
        ("B", "D"),
        ("C", "B"),
        ("E", "F"),
    ]


def test_pass_through_worked_by_hand(prepared):
    got = mining.pass_through(prepared, Filters(states=("Manipur",)))
    rows = {r.holder: (r.files, r.received, r.sent, r.returns) for r in got.itertuples()}
    # B received F1 twice (from A, from C), F2 and F3; sent F1 to C and to D
    assert rows == {
        "B": (3, 4, 2, 0),
        "C": (1, 1, 1, 1),
        "D": (1, 1, 0, 0),
        "A": (0, 0, 3, 0),
    }
    assert got["holder"].tolist() == ["B", "C", "D", "A"]
    held = dict(zip(got["holder"], got["median_days_held"], strict=True))
    assert held["B"] == pytest.approx(0.375)  # 0 (to C) and 0.75 (to D)
    assert np.isnan(held["D"])


def test_rework_worked_by_hand(prepared):
    by_level, how_often, totals = mining.rework(prepared, Filters())
    # F1 came back to level 2 (03-04), H1 back to level 1 (03-07)
    assert by_level.to_numpy().tolist() == [[1, 1, 1], [2, 1, 1]]
    assert how_often.to_numpy().tolist() == [[1, 2]]
    assert totals == {"files": 4, "files_with_rework": 2, "re_entries": 2, "share": 0.5}
    _, _, manipur = mining.rework(prepared, Filters(states=("Manipur",)))
    assert manipur == {"files": 3, "files_with_rework": 1, "re_entries": 1, "share": 1 / 3}
    by_level, _, _ = mining.rework(prepared, Filters(end=date(2024, 3, 5)))
    assert by_level["level"].tolist() == [2]


def test_rework_counts_every_return(write_log):
    # L1 → L2 → L1 → L2 → L1: back at 1 twice and at 2 once; a same-level pass is no return
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
        ev("moved", "A", "A2", "Assistant", "Clerk", "2024-03-01 11:00"),
        ev("moved", "A2", "B", "Clerk", "Section Officer", "2024-03-01 12:00"),
        ev("moved", "B", "A", "Section Officer", "Assistant", "2024-03-01 13:00"),
        ev("moved", "A", "B", "Assistant", "Section Officer", "2024-03-01 14:00"),
        ev("moved", "B", "A", "Section Officer", "Assistant", "2024-03-01 15:00"),
    ]
    prepared = prepare(analyse(read_logs([write_log(rows)]).events))
    by_level, how_often, _totals = mining.rework(prepared, Filters())
    assert by_level.to_numpy().tolist() == [[1, 2, 1], [2, 1, 1]]
    assert how_often.to_numpy().tolist() == [[3, 1]]
    assert mining.routes(prepared, Filters())["route"].tolist() == ["1 → 2 → 1 → 2 → 1"]


def test_unmapped_levels_read_as_question_marks(write_log):
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
        ev("moved", "A", "X", "Assistant", "Mystery Officer", "2024-03-02 10:00"),
        ev("moved", "X", "Y", "Mystery Officer", "", "2024-03-03 10:00"),
        ev("moved", "Y", "C", "", "Under Secretary", "2024-03-04 10:00"),
    ]
    prepared = prepare(analyse(read_logs([write_log(rows)]).events))
    got = mining.routes(prepared, Filters())
    # 1 → ? → 3: the unmapped step hides whether a level was skipped
    assert got["route"].tolist() == ["1 → ? → 3"]
    assert got[["steps", "levels"]].to_numpy().tolist() == [[3, 2]]
    assert not got["skips_levels"].iloc[0]


def test_over_limit_follows_the_files_table(write_log):
    designations = ["Assistant", "Section Officer", "Under Secretary", "Deputy Secretary"]
    designations += ["Director"]
    rows = [ev("created", "", "u0", "", designations[0], "2024-03-01 10:00")]
    for i in range(1, 5):
        rows.append(
            ev(
                "moved",
                f"u{i - 1}",
                f"u{i}",
                designations[i - 1],
                designations[i],
                f"2024-03-0{i + 1}",
            )
        )
    analysis = analyse(read_logs([write_log(rows)]).events)
    got = mining.routes(prepare(analysis), Filters())
    assert got[["route", "levels", "over_limit"]].to_numpy().tolist() == [
        ["1 → 2 → 3 → 4 → 5", 5, True]
    ]
    assert bool(analysis.facts["over_4_levels"].iloc[0])


# --- the committed sample against independent computations ----------------------------------


@pytest.fixture(scope="module")
def sample():
    result = read_logs([SAMPLE])
    analysis = analyse(result.events)
    return result.events, analysis, prepare(analysis)


def _plain_walk(events: pd.DataFrame) -> tuple[dict, Counter, Counter]:
    """A plain loop over each file's events in log order: its route (levels of the holders,
    runs collapsed), the handovers (sender, receiver) and re-entries per level."""
    levels = LevelTable.default()
    level_of = dict(
        zip(
            events["to_designation"].astype(str),
            levels.lookup(events["state"], events["to_designation"]),
            strict=True,
        )
    )
    routes: dict[tuple[str, str], tuple] = {}
    handed: Counter = Counter()
    back: Counter = Counter()
    for (state, file_id), rows in events.groupby(["state", "file_id"], sort=False):
        route: list = []
        for row in rows.sort_values("seq").itertuples():
            if row.action not in ("created", "moved", "reopened"):
                continue
            level = level_of[str(row.to_designation)]
            level = None if pd.isna(level) else int(level)
            if row.action == "moved":
                handed[(state, str(row.from_user), str(row.to_user))] += 1
            if not route or route[-1] != level:
                if level is not None and level in route:
                    back[level] += 1
                route.append(level)
        routes[(state, file_id)] = tuple(route)
    return routes, handed, back


def test_sample_routes_handovers_and_rework_equal_a_plain_loop(sample):
    _events, analysis, prepared = sample
    ordered = analysis.events  # log order, as of T
    routes, handed, back = _plain_walk(ordered)
    want_routes = Counter(
        " → ".join("?" if v is None else str(v) for v in route) for route in routes.values()
    )
    got = mining.routes(prepared, Filters())
    assert dict(zip(got["route"], got["files"], strict=True)) == dict(want_routes)
    assert got["files"].sum() == len(routes)

    h = mining.handovers(prepared, Filters())
    got_handed = {
        (r.state, r.from_user, r.to_user): r.handovers
        for r in h.groupby(["state", "from_user", "to_user"], as_index=False)["handovers"]
        .sum()
        .itertuples()
    }
    assert got_handed == dict(handed)

    by_level, _, totals = mining.rework(prepared, Filters())
    assert dict(zip(by_level["level"].astype(int), by_level["re_entries"], strict=True)) == dict(
        back
    )
    assert totals["re_entries"] == sum(back.values())
    # the process map is the Flow page's level flow
    pd.testing.assert_frame_equal(
        mining.process_map(prepared, Filters()).drop(columns="slowest"),
        level_flow(prepared, Filters()),
    )


def test_sample_routes_equal_pm4py_variants(sample):
    import pm4py  # a test extra only (AGPL): never imported by the package

    _, analysis, prepared = sample
    e = analysis.events
    stint = e[e["action"].isin(["created", "moved", "reopened"])].copy()
    level = stint["to_level"].astype("Float64")
    frame = pd.DataFrame(
        {
            "case:concept:name": (stint["state"].astype(str) + "/" + stint["file_id"].astype(str)),
            "concept:name": level.map(lambda v: "?" if pd.isna(v) else str(int(v))).astype(str),
            "time:timestamp": stint["timestamp"].dt.tz_convert("UTC"),
            "order": np.arange(len(stint)),
        }
    )
    # a run of one level counts once: drop an event repeating its case's previous activity
    same = frame["case:concept:name"].eq(frame["case:concept:name"].shift()) & frame[
        "concept:name"
    ].eq(frame["concept:name"].shift())
    frame = frame[~same.to_numpy()]
    variants = pm4py.get_variants(
        frame,
        activity_key="concept:name",
        case_id_key="case:concept:name",
        timestamp_key="time:timestamp",
    )
    want = {" → ".join(k): int(v) for k, v in variants.items()}
    got = mining.routes(prepared, Filters())
    assert dict(zip(got["route"], got["files"], strict=True)) == want


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(states=("Manipur",)),
        Filters(states=("Assam", "Sikkim"), file_types=("electronic",)),
        Filters(start=date(2024, 3, 1), end=date(2024, 6, 30)),
        Filters(departments=("Finance",), start=date(2024, 7, 1)),
    ],
)
def test_sample_rework_equals_pandas_groupby_on_the_same_rows(sample, filters):
    """The array counting of `rework` (rows in level then file order) against pandas'
    groupby size / nunique / value_counts over the same kept re-entries."""
    _events, _analysis, prepared = sample
    r = mining.mined(prepared).reentries
    keep = file_keep(prepared, filters)[r["file_key"].to_numpy()]
    if filters.has_range:
        keep &= _in_range(r["day"].to_numpy(), filters)
    rows = r[keep]
    want = rows.groupby("level").agg(re_entries=("file_key", "size"), files=("file_key", "nunique"))
    per_file = rows.groupby("file_key").size()
    often = per_file.value_counts().sort_index()
    by_level, how_often, totals = mining.rework(prepared, filters)
    assert len(rows) > 0
    assert by_level["level"].tolist() == [int(v) for v in want.index]
    assert by_level["re_entries"].tolist() == want["re_entries"].tolist()
    assert by_level["files"].tolist() == want["files"].tolist()
    assert dict(zip(how_often["re_entries"], how_often["files"], strict=True)) == often.to_dict()
    assert (totals["re_entries"], totals["files_with_rework"]) == (len(rows), len(per_file))


def test_mining_arrays_are_kept_per_prepared_copy(prepared):
    first = mining.mined(prepared)
    mining.routes(prepared, Filters(states=("Assam",)))
    assert mining.mined(prepared) is first


def test_empty_selection(prepared):
    nothing = Filters(states=("Nowhere",))
    assert mining.routes(prepared, nothing).empty
    assert mining.handovers(prepared, nothing).empty
    assert mining.pass_through(prepared, nothing).empty
    by_level, how_often, totals = mining.rework(prepared, nothing)
    assert by_level.empty
    assert how_often.empty
    assert totals == {"files": 0, "files_with_rework": 0, "re_entries": 0, "share": None}


def test_per_file_routes_and_their_facts(prepared):
    m = mining.mined(prepared)
    facts = prepared.facts.set_index("file_id")
    by_file = {
        fid: m.routes["route"].iloc[m.file_route[int(facts.loc[fid, "file_key"])]]
        for fid in ("F1", "F2", "F3", "H1")
    }
    assert by_file == {"F1": LONG, "F2": "1 → 2", "F3": "1 → 2", "H1": "1 → 2 → 1"}
    paths = defaultdict(list)
    for fid, route in by_file.items():
        paths[route].append(fid)
    assert paths["1 → 2"] == ["F2", "F3"]
