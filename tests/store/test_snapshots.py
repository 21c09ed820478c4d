"""The dashboard's data read from the per-state snapshots equals today's route (every event
read back, `analyse`, `views.prepare`), after every kind of upload, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from analytics.access.scope import Scope
from analytics.figures import mining, views
from analytics.figures.metrics import analyse
from analytics.log.hierarchy import LevelTable
from analytics.log.reading import read_logs
from analytics.store import snapshots
from analytics.store.store import Store, open_store
from tests.conftest import WORKED_EXAMPLE, csv_text, ev

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
FIGURE_CALLS = {
    "overview": lambda p, f: views.overview_figures(p, f),
    "trend": lambda p, f: views.movement_trend(p, f),
    "summary": lambda p, f: views.state_figures(p, f, by=("state", "department")),
    "states": lambda p, f: views.states_compared(p, f),
    "turnaround": lambda p, f: views.turnaround(p, f, "days", by_state=True),
    "turnaround_wd": lambda p, f: views.turnaround(p, f, "working_days", by_state=False),
    "waiting": lambda p, f: views.waiting_vs_processing(p, f, "working_days"),
    "flow": lambda p, f: views.level_flow(p, f, "days"),
    "pendency": lambda p, f: views.pendency_table(p, f, "working_days"),
    "longest": lambda p, f: views.longest_pending(p, f, 20, "days"),
    "parked": lambda p, f: views.parked_files(p, f),
    "officers": lambda p, f: views.officers(p, f, "working_days"),
    "routes": lambda p, f: mining.routes(p, f, by=("state", "department")),
    "route_files": lambda p, f: mining.route_files(p, f, "1 → 2"),
    "process_map": lambda p, f: mining.process_map(p, f),
    "handovers": lambda p, f: mining.handovers(p, f),
    "pass_through": lambda p, f: mining.pass_through(p, f),
    "rework_levels": lambda p, f: mining.rework(p, f)[0],
    "rework_counts": lambda p, f: mining.rework(p, f)[1],
    "rework": lambda p, f: mining.rework(p, f)[2],
}


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as their values (category lists depend on what else was loaded)."""
    out = frame.copy()
    for c, col in out.items():
        if isinstance(col.dtype, pd.CategoricalDtype):
            out[c] = col.astype("str")
    return out


def today(store: Store, states: list[str] | None = None) -> views.Prepared:
    """The dashboard's data as it was built before snapshots: every event, analysed."""
    events = store.load_events(states=states)
    return views.prepare(analyse(events, levels=store.levels.current()))


def assert_served_equals_today(store: Store, states: list[str] | None = None) -> None:
    """The snapshots' Prepared equals today's, frame by frame and figure by figure."""
    want = today(store, states)
    got = store.load_prepared(states=states)
    assert isinstance(got, snapshots.Served)
    assert got.n_keys == want.n_keys
    pd.testing.assert_series_equal(got.analysis.as_of, want.analysis.as_of)
    for name in ("facts", "activity", "stints", "movements"):
        pd.testing.assert_frame_equal(
            _plain(getattr(got, name)), _plain(getattr(want, name)), check_exact=True, obj=name
        )
    states_seen = sorted(want.analysis.as_of.index)
    filters = [
        views.Filters(),
        views.Filters(states=(states_seen[0],)),
        views.Filters(departments=("Finance",), file_types=("electronic",)),
        views.Filters(
            start=pd.Timestamp("2024-03-02").date(), end=pd.Timestamp("2024-03-20").date()
        ),
    ]
    for f in filters:
        for name, call in FIGURE_CALLS.items():
            a, b = call(got, f), call(want, f)
            if isinstance(a, dict):
                assert a == b, (name, f)
            else:
                pd.testing.assert_frame_equal(_plain(a), _plain(b), check_exact=True, obj=name)


def ingest_rows(store: Store, rows: list[dict[str, str]], name: str) -> None:
    result = store.uploads.ingest([(name, csv_text(rows).encode())], by="tests")
    assert result.status == "stored", result.describe()


# Every file status and awkward case, in two states (Manipur's T 2024-03-20 10:00).
F = {"file_id": "F-PEND"}
STATUS_LOG: list[dict[str, str]] = [
    # the worked example of metrics.md: pending at level 5, a same-time chain, a return
    *[r | {"file_id": "F-WORKED", "file_type": "electronic"} for r in WORKED_EXAMPLE],
    # pending, with receipt times (waiting vs processing)
    ev("created", "", "A", "", "Assistant", "2024-03-08 10:00", received_at="2024-03-08 11:00")
    | F
    | {"file_type": "physical"},
    ev("moved", "A", "B", "Assistant", "Section Officer", "2024-03-09 16:00") | F,
    # parked by its holder
    ev("created", "", "A", "", "Assistant", "2024-03-01 09:00") | {"file_id": "F-PARK"},
    ev("moved", "A", "C", "Assistant", "Under Secretary", "2024-03-03 09:00")
    | {"file_id": "F-PARK"},
    ev("parked", "C", "", "Under Secretary", "", "2024-03-05 12:00") | {"file_id": "F-PARK"},
    # closed
    ev("created", "", "A", "", "Assistant", "2024-02-01 10:00") | {"file_id": "F-CLOSED"},
    ev("moved", "A", "D", "Assistant", "Director", "2024-02-03 10:00") | {"file_id": "F-CLOSED"},
    ev("closed", "D", "", "Director", "", "2024-02-10 10:00") | {"file_id": "F-CLOSED"},
    # closed, reopened and moved on: pending again
    ev("created", "", "A", "", "Assistant", "2024-01-05 10:00") | {"file_id": "F-REOPEN"},
    ev("closed", "A", "", "Assistant", "", "2024-01-20 10:00") | {"file_id": "F-REOPEN"},
    ev("reopened", "", "A", "", "Assistant", "2024-03-01 10:00") | {"file_id": "F-REOPEN"},
    ev("moved", "A", "E", "Assistant", "Joint Secretary", "2024-03-02 10:00")
    | {"file_id": "F-REOPEN"},
    # no `created` event, another department, an unknown designation
    ev("moved", "X", "Y", "Assistant", "Chief Whip", "2024-03-04 10:00")
    | {"file_id": "F-NOCREATE", "department": "Home"},
    ev("moved", "Y", "Z", "Chief Whip", "Section Officer", "2024-03-06 10:00")
    | {"file_id": "F-NOCREATE", "department": "Home"},
    # a broken chain: the next sender is not the holder
    ev("created", "", "A", "", "Assistant", "2024-03-10 10:00") | {"file_id": "F-BROKEN"},
    ev("moved", "Q", "B", "Assistant", "Section Officer", "2024-03-12 10:00")
    | {"file_id": "F-BROKEN"},
    ev("moved", "B", "C", "Section Officer", "Under Secretary", "2024-03-20 10:00")
    | {"file_id": "F-BROKEN"},
    # Assam: its own T (2024-03-15 18:00), a pending and a parked file
    ev("created", "", "H", "", "Assistant", "2024-02-20 10:00")
    | {"state": "Assam", "department": "Health", "file_id": "A-1"},
    ev("moved", "H", "I", "Assistant", "Deputy Secretary", "2024-02-25 15:30")
    | {"state": "Assam", "department": "Health", "file_id": "A-1"},
    ev("created", "", "J", "", "Assistant", "2024-03-01 10:00")
    | {"state": "Assam", "department": "Finance", "file_id": "A-2", "file_type": "electronic"},
    ev("parked", "J", "", "Assistant", "", "2024-03-15 18:00")
    | {"state": "Assam", "department": "Finance", "file_id": "A-2"},
]


def test_sample_read_from_snapshots_equals_every_event_analysed(store: Store) -> None:
    result = store.uploads.ingest([SAMPLE], by="tests")
    assert result.status == "stored"
    assert_served_equals_today(store)
    # and equal to the sample analysed straight from the CSV, independently of the store
    direct = views.prepare(analyse(read_logs([SAMPLE]).events))
    served = store.load_prepared()
    for name in ("facts", "activity", "stints", "movements"):
        pd.testing.assert_frame_equal(
            _plain(getattr(served, name)), _plain(getattr(direct, name)), check_exact=True
        )
    # one state alone (national = the union of the states' snapshots)
    assert_served_equals_today(store, states=["Manipur"])


def test_every_status_in_one_upload(store: Store) -> None:
    ingest_rows(store, STATUS_LOG, "all.csv")
    assert_served_equals_today(store)
    facts = store.load_prepared().facts.set_index("file_id")
    assert facts["status"].to_dict() == {
        "A-1": "pending",
        "A-2": "parked",
        "F-BROKEN": "pending",
        "F-CLOSED": "closed",
        "F-NOCREATE": "pending",
        "F-PARK": "parked",
        "F-PEND": "pending",
        "F-REOPEN": "pending",
        "F-WORKED": "pending",
    }
    # ages against each state's own T: the worked example's file waits 15 days at Manipur's
    # T (2024-03-20 10:00), A-1 in Assam 19 days 2.5 hours (since 2024-02-25 15:30, a leap year; T 2024-03-15 18:00)
    assert facts.loc["F-WORKED", "age_days"] == 15.0
    assert facts.loc["A-1", "age_days"] == pytest.approx(19 + 2.5 / 24, abs=1e-12)


def test_overlapping_uploads_in_sequence(store: Store) -> None:
    """Three extracts overlapping each other (every file's rows cut at different places):
    after each upload the snapshots equal today's route, and the last equals the whole log."""
    n = len(STATUS_LOG)
    extracts = [STATUS_LOG[: n // 2], STATUS_LOG[n // 3 : 3 * n // 4], STATUS_LOG[n // 2 :]]
    for i, rows in enumerate(extracts):
        ingest_rows(store, rows, f"part{i}.csv")
        assert_served_equals_today(store)
    whole = views.prepare(analyse(read_logs([("all.csv", csv_text(STATUS_LOG).encode())]).events))
    served = store.load_prepared()
    for name in ("facts", "activity", "stints", "movements"):
        pd.testing.assert_frame_equal(
            _plain(getattr(served, name)), _plain(getattr(whole, name)), check_exact=True
        )


def test_a_later_event_moves_t_and_ages_untouched_files(store: Store) -> None:
    ingest_rows(store, STATUS_LOG, "all.csv")
    before = store.load_prepared().facts.set_index("file_id")["age_days"]
    # A new Manipur file ten days after Manipur's T: every pending Manipur file ages ten days,
    # though the upload did not touch them; Assam's files keep their age.
    later = [ev("created", "", "N", "", "Assistant", "2024-03-30 10:00") | {"file_id": "F-NEW"}]
    ingest_rows(store, later, "later.csv")
    assert_served_equals_today(store)
    after = store.load_prepared().facts.set_index("file_id")["age_days"]
    assert after["F-WORKED"] == before["F-WORKED"] + 10
    assert after["A-1"] == before["A-1"]
    assert after["F-NEW"] == 0.0


def test_set_levels_rebuilds_the_snapshots(store: Store) -> None:
    ingest_rows(store, STATUS_LOG, "all.csv")
    rows = [*LevelTable.default().to_frame().to_dict("records")]
    table = pd.DataFrame(rows)
    # Chief Whip gets a level, and Director moves up to 7 in Manipur only.
    extra = pd.DataFrame(
        [
            {"designation": "Chief Whip", "level": 4, "level_name": "Whip", "state": None},
            {"designation": "Director", "level": 7, "level_name": "Dir", "state": "Manipur"},
        ]
    )
    store.levels.set(LevelTable(pd.concat([table, extra], ignore_index=True)))
    assert_served_equals_today(store)
    facts = store.load_prepared().facts.set_index("file_id")
    assert facts.loc["F-WORKED", "level"] == 7
    assert facts.loc["F-NOCREATE", "levels_traversed"] == 2  # Whip (4) and Section Officer


def test_the_dashboard_data_comes_from_the_snapshots_not_the_events(store: Store) -> None:
    """With the events table emptied behind the store's back, the snapshots still serve the
    same data: nothing reads raw events to build it."""
    ingest_rows(store, STATUS_LOG, "all.csv")
    want = today(store)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM events"))
    got = store.load_prepared()
    for name in ("facts", "activity", "stints", "movements"):
        pd.testing.assert_frame_equal(
            _plain(getattr(got, name)), _plain(getattr(want, name)), check_exact=True
        )


def test_a_store_without_snapshots_gets_them_on_opening(store_url: str) -> None:
    """A store made before snapshots existed (none stored, format 0) is given them once, when
    it is opened."""
    with open_store(store_url) as store:
        ingest_rows(store, STATUS_LOG, "all.csv")
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM snapshots"))
            conn.execute(text("UPDATE store_state SET snapshot_format = 0"))
        assert store.load_prepared() is None
    with open_store(store_url) as store:
        assert_served_equals_today(store)


def test_one_files_events_for_the_journey(store: Store) -> None:
    ingest_rows(store, STATUS_LOG, "all.csv")
    events = store.load_file_events("Manipur", "F-WORKED")
    assert events["action"].tolist() == ["created", "moved", "moved", "moved", "moved"]
    assert events["to_user"].tolist() == ["A", "B", "C", "B", "D"]  # the chain's order
    assert store.load_file_events("Manipur", "NO-SUCH").empty


def test_a_scope_sees_its_files_with_its_states_t(store: Store) -> None:
    """An Assam / Finance reader, served from the one shared copy with its scope as a mask:
    Assam's files of Finance only, with Assam's T."""
    ingest_rows(store, STATUS_LOG, "all.csv")
    served = store.load_prepared()
    scope = Scope(states=frozenset(), departments=frozenset({("Assam", "Finance")}))
    filters = views.Filters().within(scope)
    figures = views.overview_figures(served, filters)
    assert (figures["parked"], figures["pending"], figures["files_created"]) == (1, 0, 1)
    states = views.states_compared(served, filters)
    assert states["state"].tolist() == ["Assam"]
    assert states["as_of"].tolist() == [pd.Timestamp("2024-03-15 18:00", tz="Asia/Kolkata")]
    assert views.level_flow(served, filters).empty  # A-2 was never moved
