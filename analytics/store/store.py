"""The store: every accepted event with where it came from, in SQLite or PostgreSQL.

`open_store(url)` opens (and creates or upgrades, `analytics/store/engine.py`) a database and
returns a `Store`. The `Store` holds the engine; it reads (`analytics/store/reads.py`:
events, stints, facts, the snapshots the dashboard serves) and has one part per kind of
change, each writing in its own transactions under the store's writer lock
(`engine.writing`):

- `store.uploads` (`uploads.py`): uploads, all-or-nothing, with their derived rows and
  snapshots (`derived.py`); upload history and rejected rows;
- `store.levels` (`levels.py`): the level table in force, its versions and previews;
- `store.proposals` (`proposals.py`): proposed level rows and their decision.

A `Store` keeps no per-call state: one instance is shared by every thread of a process.
"""

from __future__ import annotations

import weakref
from typing import Self

from sqlalchemy import Engine

from analytics.store.derived import ensure_snapshots
from analytics.store.engine import default_url, make_engine, normalise_url, upgrade
from analytics.store.levels import Levels
from analytics.store.proposals import Proposals
from analytics.store.reads import Reads
from analytics.store.uploads import Uploads


class Store(Reads):
    """Uploads in, events / stints / per-file facts out. Thread-safe; one per process is enough."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.levels = Levels(engine)
        self.proposals = Proposals(engine)
        self.uploads = Uploads(engine, self.levels)
        # Close pooled connections when the store is dropped without close() (or at exit).
        self._finalizer = weakref.finalize(self, engine.dispose)

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the connections."""
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str | None = None) -> Store:
    """Open the store at `url` (default: `default_url()`), creating or upgrading its schema."""
    url = normalise_url(url or default_url())
    engine = make_engine(url)
    upgrade(engine)
    store = Store(engine)
    ensure_snapshots(engine)
    return store
