"""Store fixtures: every store test runs on SQLite (a temp file) and on PostgreSQL.

The PostgreSQL server is the one named by `EOFFICE_TEST_PG_URL` (`.ci/postgres.sh` starts one
and exports it). Each test gets a database of its own, dropped afterwards. Without that
variable the postgres runs FAIL when `CI` is set, and are skipped (with the reason shown by
`-ra`) only on a developer's machine.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from analytics.store import Store, open_store

PG_ENV = "EOFFICE_TEST_PG_URL"


def _pg_admin(url: str):
    import psycopg

    parsed = make_url(url).set(drivername="postgresql")
    dsn = parsed.render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a brand-new, empty database on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    base = os.environ.get(PG_ENV, "").strip()
    if not base:
        message = (
            f"{PG_ENV} is not set: start a server with `source .ci/postgres.sh` "
            "(the store tests must run on PostgreSQL too)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"eoffice_t_{uuid.uuid4().hex[:16]}"
    with _pg_admin(base) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with _pg_admin(base) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An opened store on a fresh database."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


def snapshot(store: Store) -> dict[str, object]:
    """Everything a figure could come from, for before/after comparisons."""
    from analytics.metrics import compute_report

    events = store.load_events()
    uploads = store.uploads()
    return {
        "version": store.version(),
        "counts": store.counts(),
        "events": events,
        "stints": store.load_stints(),
        "facts": store.load_file_facts(),
        "uploads": uploads,
        "report": compute_report(events) if len(events) else {},
    }


def assert_same_snapshot(before: dict[str, object], after: dict[str, object]) -> None:
    """Two snapshots agree exactly, table by table."""
    assert before["version"] == after["version"]
    assert before["counts"] == after["counts"]
    for key in ("events", "stints", "facts", "uploads"):
        pd.testing.assert_frame_equal(before[key], after[key], check_exact=True)
    assert before["report"].keys() == after["report"].keys()
    for name, table in before["report"].items():
        pd.testing.assert_frame_equal(table, after["report"][name], check_exact=True)
