"""Shared helpers: tiny hand-built logs written as real CSV files."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

PG_ENV = "EOFFICE_TEST_PG_URL"

HEADER = (
    "state",
    "department",
    "file_id",
    "file_type",
    "action",
    "from_user",
    "to_user",
    "from_designation",
    "to_designation",
    "timestamp",
    "received_at",
)


def pseudonym(user_id: str, key: bytes, state: str, department: str) -> str:
    """The pseudonym of a user ID in a file of `state` / `department`, worked out here as
    docs/security.md specifies it: `P-` and 10 base32 characters of HMAC-SHA256 of the
    trimmed ID, keyed by HMAC(HMAC(deployment key, "state\\0" state), "department\\0"
    department)."""
    state_key = hmac.new(key, b"state\x00" + state.encode(), hashlib.sha256).digest()
    unit = hmac.new(state_key, b"department\x00" + department.encode(), hashlib.sha256).digest()
    digest = hmac.new(unit, user_id.strip().encode(), hashlib.sha256).digest()
    return "P-" + base64.b32encode(digest)[:10].decode("ascii")


def level_history(store, admin: str, nodal: str) -> int:
    """Give a store (holding the sample) a level-table history: version 1 imported by `admin`
    (the first designation Manipur leaves unmapped, at level 2), a proposal by `nodal` of level
    3 approved (version 2) and one of level 4 waiting. Returns the approved proposal's number."""
    import pandas as pd

    from analytics.log.hierarchy import LevelTable

    unmapped = store.levels.unmapped(states=["Manipur"])["designation"].tolist()
    row = pd.DataFrame([{"designation": unmapped[0], "level": 2}])
    store.levels.apply(store.levels.current().with_rows(LevelTable(row)), by=admin, kind="import")
    first = store.proposals.propose("Manipur", LevelTable(row.assign(level=3)), by=nodal)
    store.proposals.decide(first, approve=True, by=admin)
    store.proposals.propose("Manipur", LevelTable(row.assign(level=4)), by=nodal)
    return first


def csv_text(rows: list[dict[str, str]], header: tuple[str, ...] = HEADER) -> str:
    """CSV text of rows (dicts; missing keys blank; state/department/file default)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        full = {"state": "Manipur", "department": "Finance", "file_id": "F1"} | row
        writer.writerow({k: full.get(k, "") for k in header})
    return buffer.getvalue()


def ev(action: str, frm: str, to: str, fd: str, td: str, ts: str, **extra: str) -> dict[str, str]:
    """One event row: action, from_user, to_user, their designations, timestamp."""
    return {
        "action": action,
        "from_user": frm,
        "to_user": to,
        "from_designation": fd,
        "to_designation": td,
        "timestamp": ts,
        **extra,
    }


WORKED_EXAMPLE = [
    ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
    ev("moved", "A", "B", "Assistant", "Section Officer", "2024-03-02 10:00"),
    ev("moved", "B", "C", "Section Officer", "Under Secretary", "2024-03-02 10:00"),
    ev("moved", "C", "B", "Under Secretary", "Section Officer", "2024-03-04 16:00"),
    ev("moved", "B", "D", "Section Officer", "Director", "2024-03-05 10:00"),
]


@pytest.fixture
def write_log(tmp_path: Path):
    """Write rows to a CSV file under tmp_path and return its path."""
    counter = iter(range(10_000))

    def write(rows: list[dict[str, str]], name: str | None = None, **kw) -> Path:
        path = tmp_path / (name or f"log{next(counter)}.csv")
        path.write_text(csv_text(rows, **kw), encoding="utf-8")
        return path

    return write


def _pg_admin(url: str):
    import psycopg

    parsed = make_url(url).set(drivername="postgresql")
    return psycopg.connect(parsed.render_as_string(hide_password=False), autocommit=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a brand-new, empty database on each engine: a temp SQLite file, and a database
    of its own (dropped afterwards) on the PostgreSQL server named by `EOFFICE_TEST_PG_URL`
    (`source .ci/postgres.sh` starts one). Without that variable the postgres runs FAIL when
    `CI` is set, and are skipped with the reason only on a developer's machine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    base = os.environ.get(PG_ENV, "").strip()
    if not base:
        message = f"{PG_ENV} is not set: start a server with `source .ci/postgres.sh`"
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
