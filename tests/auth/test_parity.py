"""Parity: every figure of the registry reads the same on the dashboard, in `report --db --user`
and in `report` on the files, for 6 filter sets × 3 readers, on SQLite and PostgreSQL.

The store holds the committed sample's Manipur, Sikkim and Mizoram rows. The readers are a
national viewer, a Manipur viewer and a Manipur / Home viewer, none with the names permission.
For each (reader, filter set):
- the dashboard's data: what `dashboard/data.py` returns (and, where it has no wrapper, the
  `analytics.figures.views` function it calls with `Filters.within(scope)`);
- `report --db STORE --user EMAIL` with the filters as options;
- `report LOG` on a CSV holding only the rows the reader and the filters select, written here
  by plain row selection, with `--as-of` the whole state's latest timestamp when the selection
  is part of a state (so T is the state's, found independently of the code under test).
Where the filters ask for something outside the reader's scope, `report --db` refuses and the
dashboard shows nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from analytics.access.accounts import Accounts
from analytics.cli.main import EXIT_REFUSED, main
from analytics.figures import views
from analytics.figures.registry import DASHBOARD_ONLY, FIGURES, in_table
from analytics.figures.views import Filters
from analytics.schema import REPORT_KEYS
from analytics.store.store import open_store
from dashboard import data
from tests.auth.conftest import PASSWORD

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "sample_events.csv"
STATES = ("Manipur", "Sikkim", "Mizoram")
READERS = {
    "national": ("darpg@gov.in", "national_viewer", None, None),
    "manipur": ("secy@manipur.gov.in", "viewer", "Manipur", None),
    "manipur_home": ("home@manipur.gov.in", "viewer", "Manipur", "Home"),
}
FILTER_SETS = {
    "none": Filters(),
    "state": Filters(states=("Manipur",)),
    "state_department": Filters(states=("Manipur",), departments=("Finance",)),
    "date_range": Filters(start=date(2024, 4, 1), end=date(2024, 6, 30)),
    "file_type": Filters(file_types=("physical",)),
    "combination": Filters(
        states=("Manipur",),
        file_types=("electronic",),
        start=date(2024, 3, 1),
        end=date(2024, 9, 30),
    ),
}


@dataclass
class World:
    """The seeded store, its accounts, the sample rows it holds and a folder to write in."""

    url: str
    accounts: Accounts
    rows: list[dict[str, str]]
    header: list[str]
    tmp: Path
    monkeypatch: pytest.MonkeyPatch


@pytest.fixture
def world(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or ())
        rows = [r for r in reader if r["state"] in STATES]
    log = tmp_path / "three_states.csv"
    _write(log, header, rows)
    store = open_store(store_url)
    assert store.uploads.ingest([log], by="test").status == "stored"
    accounts = Accounts(store)
    for email, role, state, department in READERS.values():
        accounts.users.add(email, role, state=state, department=department, password=PASSWORD)
    monkeypatch.setenv("EOFFICE_DB_URL", store_url)
    monkeypatch.setenv("EOFFICE_PASSWORD", PASSWORD)
    monkeypatch.delenv("EOFFICE_USER", raising=False)
    try:
        yield World(store_url, accounts, rows, header, tmp_path, monkeypatch)
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        store.close()


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _options(filters: Filters) -> list[str]:
    """The filters as `report` options (state and department: `report --db` only)."""
    out = []
    if filters.file_types:
        out += ["--file-type", filters.file_types[0]]
    if filters.start:
        out += ["--from", filters.start.isoformat()]
    if filters.end:
        out += ["--to", filters.end.isoformat()]
    return out


def _place(filters: Filters) -> list[str]:
    out = ["--state", filters.states[0]] if filters.states else []
    return out + (["--department", filters.departments[0]] if filters.departments else [])


def _selected(world: World, reader: str, filters: Filters) -> tuple[list[dict[str, str]], bool]:
    """The rows of the files a reader with these filters sees, by plain selection, and
    whether that is part of a state only (some departments of it)."""
    _, _, state, department = READERS[reader]
    states = set(STATES)
    if state:
        states &= {state}
    if filters.states:
        states &= set(filters.states)
    departments = None
    if department:
        departments = {department}
    if filters.departments:
        departments = set(filters.departments) & (departments or set(filters.departments))
    rows = [
        r
        for r in world.rows
        if r["state"] in states and (departments is None or r["department"] in departments)
    ]
    return rows, departments is not None


def _table(frame: pd.DataFrame, name: str, columns: list[str]) -> pd.DataFrame:
    """Keys as text (an unmapped level as ''), figures as floats, sorted by the keys."""
    keys = list(REPORT_KEYS[name])
    out = pd.DataFrame(index=frame.index)
    for k in keys:
        col = frame[k]
        if k == "level":
            col = pd.array(pd.to_numeric(col.replace("", None)), dtype="Int64").astype("string")
        out[k] = pd.Series(col, index=frame.index).astype("string").fillna("")
    for c in columns:
        out[c] = pd.to_numeric(frame[c].replace("", None), errors="raise").astype("float64")
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def _same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    assert a.columns.tolist() == b.columns.tolist(), what
    assert len(a) == len(b), f"{what}: {len(a)} rows vs {len(b)}"
    for c in a.columns:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if a[c].dtype == "float64":
            same = np.isclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True)
        else:
            same = x == y
        assert same.all(), f"{what}, {c}: {x[~same][:3]} vs {y[~same][:3]}"


def _dashboard(reader: str, filters: Filters) -> dict[str, pd.DataFrame]:
    """The dashboard's data for the reader's scope and the filters, as report tables."""
    email = READERS[reader][0]
    accounts = Accounts(data.store())
    scope = accounts.sign_in.password(email, PASSWORD).scope
    prepared = data.prepared(scope)
    assert prepared is not None
    inside = filters.within(scope)
    pendency, _, _ = data.pendency(scope, filters, "days")
    turnaround = data.turnaround(scope, filters, "days", True)
    return {
        "movement_ratio": views.movement_trend(prepared, inside, by=("state", "department")),
        "level_turnaround": turnaround,
        "pendency": pendency,
        "files": views.filtered_facts(prepared, inside),
        "summary": data.summary(scope, filters),
    }


def _over_7(pendency_working_days: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Pending over 7 working days per state and department of the summary, from a
    working-days pendency table: pending minus those in the first bucket (≤ 7); 0 where the
    pendency table has no row (nothing pending or parked)."""
    frame = pendency_working_days.copy()
    for c in ("pending", "age_0_7"):
        frame[c] = pd.to_numeric(frame[c])
    frame["pending_over_7_working_days"] = frame["pending"] - frame["age_0_7"]
    per = frame.groupby(["state", "department"])["pending_over_7_working_days"].sum()
    keys = pd.MultiIndex.from_frame(summary[["state", "department"]])
    return per.reindex(keys, fill_value=0).reset_index()


def test_every_figure_is_the_same_on_every_path(world: World) -> None:
    compared: set[str] = set()
    for reader in READERS:
        email = READERS[reader][0]
        for set_name, filters in FILTER_SETS.items():
            what = f"{reader} × {set_name}"
            rows, part_of_state = _selected(world, reader, filters)
            db_out = world.tmp / f"db-{reader}-{set_name}"
            argv = ["report", "--db", world.url, "--out", str(db_out), "--user", email]
            status = main([*argv, *_place(filters), *_options(filters)])
            if not rows:  # the filters ask for what the reader may not read
                assert status == EXIT_REFUSED, what
                shown = _dashboard(reader, filters)
                assert all(t.empty for t in shown.values()), what
                continue
            assert status == 0, what

            log = world.tmp / f"rows-{reader}-{set_name}.csv"
            _write(log, world.header, rows)
            log_argv = ["report", str(log), *_options(filters)]
            if part_of_state:  # T stays the whole state's
                (state,) = {r["state"] for r in rows}
                t = max(r["timestamp"] for r in world.rows if r["state"] == state)
                log_argv += ["--as-of", t]
            log_out, log_wd = world.tmp / f"log-{reader}-{set_name}", world.tmp / f"wd-{reader}"
            assert main([*log_argv, "--out", str(log_out)]) == 0, what
            assert main([*log_argv, "--working-days", "--out", str(log_wd)]) == 0, what

            shown = _dashboard(reader, filters)
            for name in REPORT_KEYS:
                columns = [f.name for f in in_table(name)]
                db = _table(_read(db_out, name), name, columns)
                files = _table(_read(log_out, name), name, columns)
                dash = _table(shown[name], name, columns)
                assert len(files), f"{what}: {name} is empty"
                _same(db, files, f"{what}: {name}, report --db vs report")
                _same(dash, files, f"{what}: {name}, dashboard vs report")
                compared |= set(columns)
            over_7 = _over_7(_read(log_wd, "pendency"), _read(log_out, "summary"))
            column = ["pending_over_7_working_days"]
            _same(
                _table(shown["summary"], "summary", column),
                _table(over_7, "summary", column),
                f"{what}: pending over 7 working days, dashboard vs report --working-days",
            )
            compared |= set(column)
    assert compared == set(FIGURES) - set(DASHBOARD_ONLY)
