"""Property tests: row order, repeated rows and overlapping extracts change no table."""

from __future__ import annotations

import random

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.figures.metrics import compute_report
from analytics.log.reading import read_logs
from tests.conftest import csv_text, ev

DESIGNATIONS = ["Assistant", "Section Officer", "Under Secretary", "Director", "Consultant", ""]
BASE = pd.Timestamp("2024-01-01 09:00")


@st.composite
def logs(draw) -> list[dict[str, str]]:
    """Random but well-defined logs: same-time moves always form an unambiguous chain."""
    rows = []
    for f in range(draw(st.integers(1, 4))):
        state = draw(st.sampled_from(["Manipur", "Assam"]))
        department = draw(st.sampled_from(["Finance", "Home"]))
        users = [f"u{i}" for i in range(8)]
        desig = {u: draw(st.sampled_from(DESIGNATIONS)) for u in users}
        t = BASE + pd.Timedelta(hours=draw(st.integers(0, 24 * 60)))
        holder = draw(st.sampled_from(users))
        extra = {"state": state, "department": department, "file_id": f"F{f}"}
        # a file's first same-time moves start from nobody: read order decides, so no ties
        tie_group: set[str] = set(users)
        started = draw(st.booleans())
        if started:
            rows.append(ev("created", "", holder, "", desig[holder], str(t), **extra))
            tie_group = {holder}
        for _ in range(draw(st.integers(0, 8))):
            kind = draw(st.sampled_from(["moved"] * 6 + ["tie", "parked", "reopened", "broken"]))
            if kind == "tie":
                fresh = [u for u in users if u not in tie_group]
                if not fresh:
                    continue
                to = draw(st.sampled_from(fresh))
                rows.append(ev("moved", holder, to, desig[holder], desig[to], str(t), **extra))
                tie_group.add(to)
                holder = to
                continue
            t += pd.Timedelta(minutes=draw(st.integers(1, 60 * 24 * 20)))
            to = draw(st.sampled_from(users))
            sender = draw(st.sampled_from(users)) if kind == "broken" else holder
            action = "moved" if kind == "broken" else kind
            if action == "parked":
                rows.append(ev("parked", holder, "", desig[holder], "", str(t), **extra))
            elif action == "reopened":
                rows.append(ev("reopened", "", to, "", desig[to], str(t), **extra))
                holder = to
            else:
                rows.append(ev("moved", sender, to, desig[sender], desig[to], str(t), **extra))
                holder = to
            # later same-time moves must leave one reading of the chain: not from a file's first
            # event, a self-move or a broken move (the spec then falls back to read order)
            if not started or (action == "moved" and (kind == "broken" or sender == to)):
                tie_group = set(users)
            elif action != "moved":
                tie_group = {holder}
            else:
                tie_group = {sender, to}
            started = True
        if draw(st.booleans()):
            t += pd.Timedelta(hours=5)
            rows.append(ev("closed", holder, "", desig[holder], "", str(t), **extra))
    if not rows:
        rows.append(ev("created", "", "u0", "", "Assistant", str(BASE)))
    return rows


def report_of(tmp_path, *parts: list[dict[str, str]], as_of=None) -> dict[str, pd.DataFrame]:
    paths = []
    for i, part in enumerate(parts):
        path = tmp_path / f"part{i}.csv"
        path.write_text(csv_text(part))
        paths.append(path)
    return compute_report(read_logs(paths).events, as_of=as_of)


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name, table in a.items():
        pd.testing.assert_frame_equal(table, b[name], check_exact=False, rtol=1e-12)


SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(rows=logs(), seed=st.integers(0, 10_000))
def test_shuffling_rows_changes_no_table(tmp_path, rows, seed):
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    assert_same(report_of(tmp_path, rows), report_of(tmp_path, shuffled))


@SETTINGS
@given(rows=logs(), picks=st.lists(st.integers(0, 1000), max_size=10))
def test_duplicating_rows_changes_no_table(tmp_path, rows, picks):
    doubled = rows + [rows[p % len(rows)] for p in picks]
    assert_same(report_of(tmp_path, rows), report_of(tmp_path, doubled))


@SETTINGS
@given(rows=logs(), cut=st.tuples(st.integers(0, 100), st.integers(0, 100)))
def test_overlapping_extracts_change_no_table(tmp_path, rows, cut):
    i, j = sorted(c % (len(rows) + 1) for c in cut)
    first, second = rows[: max(j, 1)], rows[min(i, len(rows) - 1) :]
    as_of = "2024-12-31 00:00"
    assert_same(
        report_of(tmp_path, rows, as_of=as_of), report_of(tmp_path, second, first, as_of=as_of)
    )
