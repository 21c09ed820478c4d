"""The store on both engines: schema, round trips, idempotent and overlapping uploads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from analytics.figures.metrics import (
    build_stints,
    compute_report,
    decode_text,
    map_levels,
)
from analytics.log.hierarchy import LevelTable
from analytics.log.ordering import order_events
from analytics.log.reading import read_logs
from analytics.outputs.report import export_frame
from analytics.schema import EVENT_COLUMNS, IST
from analytics.store.engine import default_url, head_revision
from analytics.store.store import Store, open_store
from tests.conftest import HEADER, WORKED_EXAMPLE, csv_text, ev
from tests.store.conftest import assert_same_snapshot, snapshot


def as_source(name: str, rows: list[dict]) -> tuple[str, bytes]:
    return name, csv_text(rows).encode()


def assert_reports_equal(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    assert got.keys() == want.keys()
    for name, table in want.items():
        pd.testing.assert_frame_equal(got[name], table, check_exact=True, obj=name)


def stints_from_scratch(events: pd.DataFrame, levels: LevelTable | None = None) -> pd.DataFrame:
    """The independent route: build_stints over the whole log read from files."""
    stints = build_stints(map_levels(order_events(events), levels or LevelTable.default()))
    return stints.drop(columns="file_key").sort_values(["state", "file_id", "seq"])


def stored_stints(store: Store) -> pd.DataFrame:
    return store.load_stints()


def compare_stints(store: Store, events: pd.DataFrame, levels: LevelTable | None = None):
    want = decode_text(stints_from_scratch(events, levels)).reset_index(drop=True)
    got = store.load_stints()[list(want.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_dtype=False)


# --- schema and engine ------------------------------------------------------------------------


def test_new_database_is_migrated_to_head_and_matches_the_models(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from analytics.store.models import Base

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert context.get_current_revision() == head_revision()
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []
    names = set(inspect(store.engine).get_table_names())
    assert {"uploads", "rejected_rows", "events", "levels", "stints", "file_facts"} <= names
    assert store.counts() == dict.fromkeys(
        ("uploads", "rejected_rows", "events", "stints", "file_facts"), 0
    )


def test_reopening_keeps_data_and_version(store_url: str) -> None:
    first = open_store(store_url)
    first.uploads.ingest([as_source("a.csv", WORKED_EXAMPLE)])
    version = first.version()
    first.close()
    again = open_store(store_url)
    assert again.version() == version
    assert again.counts()["events"] == 5
    again.close()


def test_default_url_is_env_or_project_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EOFFICE_DB_URL", "postgresql+psycopg://u@h/db")
    assert default_url() == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("EOFFICE_DB_URL")
    root = Path(__file__).resolve().parents[2]
    assert default_url() == f"sqlite:///{root / 'data' / 'eoffice.sqlite'}"


def test_sqlite_folder_created_wal_foreign_keys_and_timeout(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "x.sqlite"
    store = open_store(f"sqlite:///{path}")
    assert path.exists()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 60_000
    store.close()


# --- round trips --------------------------------------------------------------------------------


def test_events_round_trip_exactly_as_ist_with_microseconds(store: Store) -> None:
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-05T14:07:00.123456+05:30"),
        ev("moved", "A", "B", "Assistant", "Director", "2024-03-05 14:07:00.654321"),
        ev("moved", "B", "C", "Director", "Secretary", "2024-03-06T08:37:00Z"),
        ev(
            "moved",
            "C",
            "D",
            "Secretary",
            "Clerk",
            "07-03-2024 02:07 PM",
            received_at="2024-03-07T23:59:59.999999+00:00",
        ),
        ev("closed", "D", "", "Clerk", "", "2024-03-08"),
    ]
    read = read_logs([as_source("t.csv", rows)]).events
    store.uploads.ingest([as_source("t.csv", rows)])
    got = store.load_events()
    assert list(got.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    assert got["timestamp"].dtype == pd.DatetimeTZDtype("us", IST)
    assert got["received_at"].dtype == pd.DatetimeTZDtype("us", IST)
    want = order_events(read)
    cols = [*EVENT_COLUMNS, "source", "line", "seq"]
    pd.testing.assert_frame_equal(got[cols], want[cols], check_exact=True)
    stamps = got["timestamp"].tolist()
    assert stamps[0] == pd.Timestamp("2024-03-05 14:07:00.123456", tz=IST)
    assert stamps[1] == pd.Timestamp("2024-03-05 14:07:00.654321", tz=IST)
    assert stamps[2] == pd.Timestamp("2024-03-06 14:07:00", tz=IST)
    assert got["received_at"].iloc[3] == pd.Timestamp("2024-03-08 05:29:59.999999", tz=IST)
    assert got["from_user"].iloc[0] == ""
    assert got["to_user"].iloc[4] == ""
    # UTC inside: what the database holds for 14:07:00.123456 IST is 08:37:00.123456 UTC.
    with store.engine.connect() as conn:
        held = conn.execute(text("SELECT MIN(timestamp) FROM events")).scalar()
    held = pd.Timestamp(held)
    held = held.tz_localize("UTC") if held.tzinfo is None else held
    assert held == pd.Timestamp("2024-03-05 08:37:00.123456", tz="UTC")


def test_formula_cells_are_stored_unchanged_and_neutralised_on_export(store: Store) -> None:
    rows = [
        ev("created", "", "@admin", "", "Assistant", "2024-03-01 10:00")
        | {"subject": '=HYPERLINK("http://x","y")', "remarks": "+91 98765", "file_id": "-F9"},
        ev("moved", "@admin", "B", "Assistant", "Director", "2024-03-02 10:00")
        | {"file_id": "-F9", "remarks": "-1", "file_number": "@SUM(A1)"},
    ]
    header = (*HEADER, "file_number", "subject", "remarks")
    store.uploads.ingest([("f.csv", csv_text(rows, header=header).encode())])
    got = store.load_events()
    assert got["subject"].iloc[0] == '=HYPERLINK("http://x","y")'
    assert got["remarks"].tolist() == ["+91 98765", "-1"]
    assert got["file_id"].tolist() == ["-F9", "-F9"]
    assert got["to_user"].iloc[0] == "@admin"
    safe = export_frame(got)
    assert safe["subject"].iloc[0] == '\'=HYPERLINK("http://x","y")'
    assert safe["remarks"].tolist() == ["'+91 98765", "'-1"]
    assert safe["file_number"].iloc[1] == "'@SUM(A1)"
    assert safe["to_user"].iloc[0] == "'@admin"
    assert safe["state"].iloc[0] == "Manipur"
    pd.testing.assert_frame_equal(store.load_events(), got)  # stored values untouched


# --- idempotence and overlap --------------------------------------------------------------------

# Extract A holds the worked example's first four events and file F2 with a gap; extract B
# overlaps A (three events already stored) and brings B→D for F1 and X→Y for F2, which falls
# BETWEEN F2's two stored events, so F2's stints must be re-ordered and recomputed.
F2 = {"file_id": "F2"}
A_ROWS = [
    *WORKED_EXAMPLE[:4],
    ev("created", "", "X", "", "Assistant", "2024-03-01 09:00") | F2,
    ev("moved", "Y", "Z", "Section Officer", "Under Secretary", "2024-03-04 09:00") | F2,
]
B_ROWS = [
    *WORKED_EXAMPLE[2:5],
    ev("moved", "X", "Y", "Assistant", "Section Officer", "2024-03-03 09:00") | F2,
    ev("moved", "Y", "Z", "Section Officer", "Under Secretary", "2024-03-04 09:00") | F2,
]


def test_same_extract_twice_is_a_duplicate_file_and_changes_nothing(store: Store) -> None:
    first = store.uploads.ingest([as_source("a.csv", A_ROWS)], by="nodal")
    assert (first.status, first.events_new, first.events_already_stored) == ("stored", 6, 0)
    before = snapshot(store)
    again = store.uploads.ingest([as_source("renamed.csv", A_ROWS)], by="someone else")
    assert again.status == "duplicate_file"
    assert again.duplicate_of == first.upload_id
    assert "nothing changed" in again.describe()
    assert_same_snapshot(before, snapshot(store))


def test_same_bytes_with_other_state_given_is_a_new_upload(store: Store) -> None:
    rows = [{k: v for k, v in r.items() if k != "state"} for r in WORKED_EXAMPLE]
    header = tuple(h for h in csv_text([]).splitlines()[0].split(",") if h != "state")
    data = csv_text(rows, header=header).encode()
    one = store.uploads.ingest([("x.csv", data)], state="Manipur")
    two = store.uploads.ingest([("x.csv", data)], state="Assam")
    assert (one.status, two.status) == ("stored", "stored")
    assert sorted(store.load_events()["state"].unique()) == ["Assam", "Manipur"]


def test_overlapping_extracts_give_the_figures_of_their_union(store: Store) -> None:
    a = store.uploads.ingest([as_source("a.csv", A_ROWS)])
    b = store.uploads.ingest([as_source("b.csv", B_ROWS)])
    assert (a.events_new, a.events_already_stored) == (6, 0)
    assert (b.events_new, b.events_already_stored) == (2, 3)
    assert store.counts()["events"] == 8
    union = read_logs([as_source("a.csv", A_ROWS), as_source("b.csv", B_ROWS)]).events
    got = compute_report(store.load_events())
    assert_reports_equal(got, compute_report(union))
    compare_stints(store, union)

    # By hand (T = 2024-03-05 10:00, Manipur's latest event):
    turnaround = got["level_turnaround"].set_index("level")
    assert turnaround.loc[1, "stints"] == 2  # A 1 day (F1), X 2 days (F2)
    assert turnaround.loc[1, "median_days"] == pytest.approx(1.5)
    assert turnaround.loc[2, "stints"] == 3  # B 0 and 0.75 (F1), Y 1 day (F2)
    assert turnaround.loc[2, "median_days"] == pytest.approx(0.75)
    assert turnaround.loc[2, "mean_days"] == pytest.approx(1.75 / 3)
    assert turnaround.loc[3, "stints"] == 1
    assert turnaround.loc[3, "median_days"] == pytest.approx(2.25)
    pend = got["pendency"].set_index("level")
    assert pend.loc[5, "age_0_7"] == 1
    assert pend.loc[3, "age_0_7"] == 1
    stints = store.load_stints().set_index(["file_id", "seq"])
    f2 = stints.loc["F2"]
    assert f2["holder"].tolist() == ["X", "Y", "Z"]
    assert f2["broken"].tolist() == [False, False, False]
    days = (f2["end"] - f2["start"]).dt.total_seconds() / 86400
    assert days.iloc[:2].tolist() == [2.0, 1.0]
    facts = store.load_file_facts().set_index("file_id")
    assert facts.loc["F1", "n_events"] == 5
    assert facts.loc["F2", "n_events"] == 3
    assert facts.loc["F1", "holder"] == "D"
    assert facts.loc["F1", "level"] == 5
    assert facts.loc["F2", "movements"] == 2
    assert facts.loc["F2", "levels_traversed"] == 3


def test_stints_after_first_extract_alone_show_the_gap_as_broken(store: Store) -> None:
    store.uploads.ingest([as_source("a.csv", A_ROWS)])
    f2 = store.load_stints().set_index("file_id").loc["F2"]
    assert f2["holder"].tolist() == ["X", "Z"]
    assert f2["broken"].tolist() == [True, False]


def test_incremental_uploads_equal_a_from_scratch_recompute(store: Store) -> None:
    # Three extracts cut from one log by overlapping time windows, uploaded out of order.
    log = []
    for n in range(12):
        fid = {"file_id": f"K{n}", "department": ("Finance", "Home")[n % 2]}
        log += [
            ev("created", "", "a", "", "Assistant", f"2024-03-{1 + n:02d} 10:00") | fid,
            ev("moved", "a", "b", "Assistant", "Section Officer", f"2024-03-{2 + n:02d} 10:00")
            | fid,
            ev("moved", "b", "c", "Section Officer", "Director", f"2024-03-{2 + n:02d} 10:00")
            | fid,
            ev("parked", "c", "", "Director", "", f"2024-03-{3 + n:02d} 11:00") | fid,
            ev("reopened", "", "c", "", "Director", f"2024-03-{4 + n:02d} 12:00") | fid,
            ev("moved", "c", "a", "Director", "Assistant", f"2024-03-{5 + n:02d} 12:00") | fid,
            ev("closed", "a", "", "Assistant", "", f"2024-03-{6 + n:02d} 09:30") | fid,
        ]

    def window(lo: str, hi: str) -> list[dict]:
        return [r for r in log if lo <= r["timestamp"][:10] <= hi]

    extracts = [
        as_source("mid.csv", window("2024-03-08", "2024-03-14")),
        as_source("early.csv", window("2024-03-01", "2024-03-09")),
        as_source("late.csv", window("2024-03-13", "2024-03-31")),
    ]
    for extract in extracts:
        store.uploads.ingest([extract])
    everything = read_logs(extracts).events
    assert store.counts()["events"] == len(log) == len(everything)
    compare_stints(store, everything)
    assert_reports_equal(compute_report(store.load_events()), compute_report(everything))
    facts = store.load_file_facts()
    assert (facts["status"] == "closed").all()
    assert facts["n_events"].tolist() == [7] * 12
    # Department filter selects files by their department.
    home = store.load_events(departments=["Home"])
    assert sorted(home["file_id"].unique()) == sorted(f"K{n}" for n in range(1, 12, 2))
    assert len(store.load_stints(states=["Assam"])) == 0


def test_replacing_the_level_table_recomputes_levels(store: Store) -> None:
    store.uploads.ingest([as_source("a.csv", A_ROWS)])
    store.uploads.ingest([as_source("b.csv", B_ROWS)])
    before = store.version()
    table = LevelTable(
        pd.DataFrame(
            {
                "designation": ["Assistant", "Section Officer", "Director"],
                "level": [1, 2, 3],
                "level_name": ["Desk", "Section", "Top"],
            }
        )
    )
    store.levels.set(table)
    assert store.version() != before
    pd.testing.assert_frame_equal(store.levels.current().to_frame(), table.to_frame())
    union = read_logs([as_source("a.csv", A_ROWS), as_source("b.csv", B_ROWS)]).events
    compare_stints(store, union, table)
    facts = store.load_file_facts().set_index("file_id")
    assert facts.loc["F1", "level"] == 3  # D, Director, is level 3 now
    assert facts.loc["F1", "levels_traversed"] == 3  # Under Secretary is unmapped now
    assert pd.isna(facts.loc["F2", "level"])
    assert_reports_equal(
        compute_report(store.load_events(), levels=store.levels.current()),
        compute_report(union, levels=table),
    )


def test_preview_writes_nothing(store: Store) -> None:
    before = snapshot(store)
    result = store.uploads.preview([as_source("a.csv", A_ROWS)])
    assert result.report.rows_accepted == 6
    assert_same_snapshot(before, snapshot(store))


def test_upload_history_records_who_when_and_counts(store: Store) -> None:
    store.uploads.ingest([as_source("a.csv", A_ROWS)], by="nodal.manipur")
    store.uploads.ingest([as_source("b.csv", B_ROWS)], by="nodal.manipur")
    uploads = store.uploads.history()
    assert uploads["file_name"].tolist() == ["a.csv", "b.csv"]
    assert uploads["uploaded_by"].tolist() == ["nodal.manipur"] * 2
    assert uploads["status"].tolist() == ["stored", "stored"]
    assert uploads["events_new"].tolist() == [6, 2]
    assert uploads["events_already_stored"].tolist() == [0, 3]
    assert uploads["uploaded_at"].dt.tz == IST
    age = pd.Timestamp.now(tz=IST) - uploads["uploaded_at"].iloc[0]
    assert pd.Timedelta(0) <= age < pd.Timedelta(minutes=5)
    assert uploads["report"].iloc[1]["rows_read"] == 5
    assert len(uploads["sha256"].iloc[0]) == 64


def test_env_url_is_used_by_open_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EOFFICE_DB_URL", store_url)
    store = open_store()
    assert store.url == make_url(store_url).render_as_string(hide_password=True)
    store.close()


def test_no_streamlit_in_analytics() -> None:
    root = Path(__file__).resolve().parents[2] / "analytics"
    for path in root.rglob("*.py"):
        assert "streamlit" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize(
    ("ci", "outcome"), [("1", "1 passed, 1 error"), (None, "1 passed, 1 skipped")]
)
def test_postgres_runs_fail_in_ci_without_a_server(ci: str | None, outcome: str) -> None:
    """Never a silent skip in CI: without EOFFICE_TEST_PG_URL the postgres run fails there."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "EOFFICE_TEST_PG_URL")}
    if ci:
        env["CI"] = ci
    test = "tests/store/test_store.py::test_reopening_keeps_data_and_version"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", test, "-q", "-p", "no:cacheprovider"],
        check=False,
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert outcome in run.stdout, run.stdout[-2000:]
    assert "EOFFICE_TEST_PG_URL is not set" in run.stdout
    assert (run.returncode != 0) == bool(ci)


def test_compare_says_what_an_upload_would_add_without_writing(store: Store) -> None:
    store.uploads.ingest([as_source("a.csv", A_ROWS)])
    before = snapshot(store)
    preview = store.uploads.preview([as_source("b.csv", B_ROWS)])
    counts = store.uploads.compare(preview.events)
    assert counts == {
        "events_new": 2,
        "events_already_stored": 3,
        "files_touched": 2,
        "files_new": 0,
    }
    assert_same_snapshot(before, snapshot(store))
    assert store.uploads.ingest([as_source("b.csv", B_ROWS)]).events_new == counts["events_new"]
