"""Where the store lives and its schema: database URLs, engines (SQLite: WAL, foreign keys,
busy timeout), the Alembic migrations in `analytics/store/migrations/`, and the writer lock.

Writers are serialised: every writing transaction (`writing`) starts by bumping the
`store_state` counter (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the row lock of that UPDATE,
held to commit), so two uploads at once never compute a file's stints from two different
pasts. Readers never wait.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import make_url

from analytics.store.models import StoreState

ENV_URL = "EOFFICE_DB_URL"
BUSY_TIMEOUT_S = 600
"""How long a SQLite writer waits for another upload to commit before giving up."""


def project_root() -> Path:
    """The project checkout (holds pyproject.toml), else the current folder when installed."""
    root = Path(__file__).resolve().parents[2]  # analytics/store/engine.py → the checkout
    return root if (root / "pyproject.toml").exists() else Path.cwd()


def default_url() -> str:
    """`EOFFICE_DB_URL` when set, else the SQLite file `data/eoffice.sqlite` of the project."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    return f"sqlite:///{project_root() / 'data' / 'eoffice.sqlite'}"


def normalise_url(url: str) -> str:
    """`postgresql://` / `postgres://` as the psycopg driver's URL; other URLs unchanged."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for the URL, configured for the store (SQLite: WAL, foreign keys, timeout)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise ValueError(
        f"unsupported database URL {parsed.render_as_string()}: use sqlite or postgresql"
    )


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-262144")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction that holds the store's writer lock until it ends."""
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            conn.execute(
                text("UPDATE store_state SET data_version = data_version + 1 WHERE id = 1")
            )
            yield conn


# --- migrations -----------------------------------------------------------------------------


def alembic_config() -> Any:
    """The Alembic configuration of the store's migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    location = str(Path(__file__).resolve().parent / "migrations").replace("%", "%%")
    config.set_main_option("script_location", location)
    return config


def head_revision() -> str | None:
    """The newest migration's revision."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (None: no schema yet)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (a no-op when it is there already)."""
    from alembic import command

    head = head_revision()
    with engine.connect() as conn:
        current = current_revision(conn)
        conn.rollback()
    if current == head and _has_state_row(engine):
        return
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(74201)"))
            if current_revision(conn) != head:
                config = alembic_config()
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
            exists = conn.execute(select(StoreState.id).where(StoreState.id == 1)).first()
            if exists is None:
                conn.execute(
                    insert(StoreState).values(id=1, store_id=str(uuid.uuid4()), data_version=0)
                )


def _has_state_row(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(StoreState.id).where(StoreState.id == 1)).first() is not None
