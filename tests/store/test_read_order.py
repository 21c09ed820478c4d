"""The store keeps the order read: after extracts are ingested one by one, `report --db` equals
`report` on the same extracts read together in the upload order, same-time ties included
(log-format.md "Order"; issue 12, item 4). Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.cli.main import main
from analytics.figures.metrics import analyse
from analytics.log.reading import read_logs
from analytics.schema import REPORT_COLUMNS
from analytics.store.store import Store
from tests.conftest import csv_text, ev

UP1 = [
    ev("created", "", "A", "", "Assistant", "2024-01-01 10:00"),
    ev("moved", "X", "Y", "Section Officer", "Under Secretary", "2024-01-03 10:00"),
    ev("moved", "A", "B", "Assistant", "Deputy Secretary", "2024-01-03 10:00"),
]
UP2 = [ev("moved", "A", "M", "Assistant", "Section Officer", "2024-01-02 10:00")]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_issue_example(store_url, write_log, tmp_path, capsys):
    up1, up2 = write_log(UP1, "up1.csv"), write_log(UP2, "up2.csv")
    for up in (up1, up2):
        assert main(["ingest", str(up), "--db", store_url]) == 0
    from_db, from_files = tmp_path / "db", tmp_path / "files"
    assert main(["report", "--db", store_url, "--out", str(from_db)]) == 0
    assert main(["report", str(up1), str(up2), "--out", str(from_files)]) == 0
    for name in REPORT_COLUMNS:
        assert read_csv(from_db / f"{name}.csv") == read_csv(from_files / f"{name}.csv"), name
    # By hand, read in order up1, up2: A from 01-01, M (A→M) from 01-02; at 01-03 the holder
    # M sends neither tied event, so the first read, X→Y (up1 line 3), comes first, then A→B:
    # the file ends with B, a Deputy Secretary (level 4), and Y (level 3) held it 0 days.
    turnaround = {
        r["level"]: (r["stints"], r["median_days"])
        for r in read_csv(from_db / "level_turnaround.csv")
    }
    assert turnaround == {"1": ("1", "1.0"), "2": ("1", "1.0"), "3": ("1", "0.0")}
    pendency = read_csv(from_db / "pendency.csv")
    assert [(r["level"], r["pending"]) for r in pendency] == [("4", "1")]


USERS = ["", "A", "B", "C", "D"]
DESIGNATIONS = ["Assistant", "Section Officer", "Under Secretary", "Director"]
ACTIONS = ["created", "moved", "moved", "moved", "parked", "closed", "reopened"]


@st.composite
def extracts(draw) -> list[list[dict[str, str]]]:
    """2-4 extracts of one or two files whose events fall on few moments, so same-time ties
    (of one action, with chains broken or ambiguous) are common; rows may repeat across
    extracts."""
    pool = []
    for _ in range(draw(st.integers(3, 12))):
        action = draw(st.sampled_from(ACTIONS))
        frm = "" if action in ("created", "reopened") else draw(st.sampled_from(USERS[1:]))
        to = "" if action in ("parked", "closed") else draw(st.sampled_from(USERS[1:]))
        day = draw(st.integers(1, 3))
        pool.append(
            ev(
                action,
                frm,
                to,
                draw(st.sampled_from(DESIGNATIONS)) if frm else "",
                draw(st.sampled_from(DESIGNATIONS)) if to else "",
                f"2024-01-0{day} 10:00",
                file_id=draw(st.sampled_from(["F1", "F1", "F1", "F2"])),
            )
        )
    count = draw(st.integers(2, 4))
    parts = [[] for _ in range(count)]
    for row in pool:
        parts[draw(st.integers(0, count - 1))].append(row)
    for part in parts:  # an overlap: a row of another extract again
        if draw(st.booleans()):
            part.insert(draw(st.integers(0, len(part))), draw(st.sampled_from(pool)))
    return [part for part in parts if part]


def test_ingested_one_by_one_equals_read_together(store: Store, tmp_path: Path):
    states = (f"S{n:04d}" for n in itertools.count())

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(extracts())
    def check(parts: list[list[dict[str, str]]]) -> None:
        state = next(states)  # each example a state of its own in the one store
        named = [
            (f"{state}-{i}.csv", csv_text([r | {"state": state} for r in part]).encode())
            for i, part in enumerate(parts)
        ]
        for one in named:
            store.uploads.ingest([one])
        together = analyse(read_logs(named).events)
        stored = analyse(store.load_events(states=[state]))
        for name in REPORT_COLUMNS:
            pd.testing.assert_frame_equal(stored.tables[name], together.tables[name], obj=name)
        # the derived rows the dashboard reads were computed in the same order
        derived = store.load_stints(states=[state])
        expected = together.stints.sort_values(["file_id", "seq"])
        assert derived["holder"].tolist() == expected["holder"].astype(str).tolist()
        assert derived["start"].tolist() == expected["start"].tolist()
        stored_facts = store.load_file_facts(states=[state]).set_index("file_id")
        facts = together.facts.set_index("file_id")
        for c in ("status", "holder", "level"):
            assert stored_facts[c].tolist() == facts[c].tolist(), c

    check()


def test_a_multi_file_upload_keeps_files_in_the_order_given(store: Store):
    # Both files hold a tie of events from no holder; only the order read can break it.
    first = ("a.csv", csv_text(UP1[1:2]).encode())
    second = ("b.csv", csv_text(UP1[2:3]).encode())
    store.uploads.ingest([second, first])
    stored = store.load_events()
    assert stored["to_user"].astype(str).tolist() == ["B", "Y"]
    assert read_logs([second, first]).events["to_user"].astype(str).tolist() == ["B", "Y"]


def test_events_stored_before_the_read_order_keep_their_stored_order(store_url):
    """Migration 0003 on a store at 0002: earlier events take their id as their position."""
    from alembic import command
    from sqlalchemy import text

    from analytics.store.engine import alembic_config, make_engine
    from analytics.store.store import open_store

    engine = make_engine(store_url)

    def moment(utc: str) -> object:  # as each engine keeps a UTC moment (analytics/store/models.py)
        value = pd.Timestamp(utc, tz="UTC").to_pydatetime()
        return value if engine.dialect.name == "postgresql" else f"{utc}:00.000000"

    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
        conn.execute(
            text(
                "INSERT INTO uploads (id, uploaded_at, file_name, sha256, rows_read, "
                "rows_accepted, rows_rejected, duplicates_dropped, events_new, "
                "events_already_stored, status) VALUES (1, :t, 'old.csv', 'x', 3, 3, 0, 0, 3, "
                "0, 'stored')"
            ),
            {"t": moment("2024-02-01 00:00")},
        )
        # stored in log order: A→B before X→Y (the order the store used to keep)
        for id_, (frm, to, when) in zip(
            (1, 2, 3),
            [("", "A", "2024-01-01"), ("A", "B", "2024-01-03"), ("X", "Y", "2024-01-03")],
            strict=True,
        ):
            conn.execute(
                text(
                    "INSERT INTO events (id, upload_id, state, department, file_id, action, "
                    "from_user, to_user, timestamp, source, line) VALUES (:id, 1, 'Manipur', "
                    "'Finance', 'F1', :action, :frm, :to, :ts, 'old.csv', :line)"
                ),
                {
                    "id": id_,
                    "action": "created" if not frm else "moved",
                    "frm": frm,
                    "to": to,
                    "ts": moment(f"{when} 04:30"),
                    "line": 5 - id_,  # lines say another order: not used for old rows
                },
            )
    engine.dispose()
    with open_store(store_url) as store:
        with store.engine.connect() as conn:
            pairs = conn.execute(text("SELECT id, read_pos FROM events ORDER BY id")).all()
        assert [tuple(p) for p in pairs] == [(1, 1), (2, 2), (3, 3)]
        assert store.load_events()["to_user"].astype(str).tolist() == ["A", "B", "Y"]
