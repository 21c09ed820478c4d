"""Alembic environment of the store: runs on the connection `analytics.store.engine.upgrade`
hands over.

`analytics.store.store.open_store` upgrades every database it opens to head, so deployments never
run Alembic by hand. For development (`alembic -c analytics/store/alembic.ini revision
--autogenerate -m ...`) the URL comes from `-x url=...`, else `EOFFICE_DB_URL`, else the
default SQLite file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from analytics.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Upgrade on the given connection, or on one made from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from analytics.store.engine import default_url

    url = context.get_x_argument(as_dictionary=True).get("url") or default_url()
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
