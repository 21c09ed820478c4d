"""Reading the store back: its data version, the stored events, stints and per-file facts,
each state's latest event, the dashboard's and the report's figures from the snapshots, and
row counts. Plain reads: they never wait for a writer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from sqlalchemy import Engine, select, text

from analytics.figures.metrics import Analysis
from analytics.figures.views import Prepared
from analytics.log.calendar import WorkCalendar
from analytics.log.ordering import order_events
from analytics.schema import EVENT_COLUMNS
from analytics.store import snapshots, sql
from analytics.store.derived import snapshot_rows
from analytics.store.models import StoreState
from analytics.store.values import FACT_DB_COLUMNS, STINT_DB_COLUMNS


class Reads:
    """The reading side of a store's database (`Store` is one)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    def version(self) -> str:
        """A token that changes whenever stored data changes (key a cache on it)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(StoreState.store_id, StoreState.data_version).where(StoreState.id == 1)
            ).one()
        return f"{row.store_id}:{row.data_version}"

    def load_prepared(self, *, states: Sequence[str] | None = None) -> Prepared | None:
        """What the dashboard serves, read from the states' snapshots (None: no file stored):
        equal to `views.prepare(analyse(self.load_events(states=states), levels=...))`."""
        with self.engine.connect() as conn:
            return snapshots.assemble(snapshot_rows(conn, states))

    def load_prepared_at(
        self,
        instants: Callable[[pd.Series], Sequence[pd.Series]],
        *,
        states: Sequence[str] | None = None,
    ) -> tuple[Prepared | None, list[Prepared]]:
        """`load_prepared`, and the same as of each instant `instants` gives from the states'
        T (an instant per state: a day's last microsecond in IST, or at or after the state's
        T), the snapshots read once: each equal to `views.prepare(analyse(self.load_events(
        states=states), as_of=instant, levels=...))` (`snapshots.assemble_at`)."""
        with self.engine.connect() as conn:
            rows = snapshot_rows(conn, states)
        return snapshots.assemble_at(rows, instants)

    def load_report_analysis(
        self,
        *,
        states: Sequence[str] | None = None,
        calendar: WorkCalendar | None = None,
        working_days: bool = False,
    ) -> Analysis | None:
        """What `report --db` tabulates, read from the states' snapshots (None: no file
        stored): equal, for the report tables, to `analyse` of their events with the store's
        level table and each state's T (`snapshots.report_analysis`)."""
        with self.engine.connect() as conn:
            rows = snapshot_rows(conn, states)
        return snapshots.report_analysis(rows, calendar or WorkCalendar(), working_days)

    def load_file_events(self, state: str, file_id: str) -> pd.DataFrame:
        """One file's stored events in log order (as `load_events` gives them)."""
        with self.engine.connect() as conn:
            events = sql.fetch_events(
                conn, where="e.state = {p} AND e.file_id = {p}", params=[state, file_id]
            )
        events = events[[*EVENT_COLUMNS, "source", "line", "upload_id"]]
        return order_events(events)

    def load_events(
        self, *, states: Sequence[str] | None = None, departments: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Stored events in log order (`order_events`): canonical columns + source, line,
        upload_id, file_key, seq. `departments` selects files by the file's department."""
        where, params = sql.filters("e", states, departments)
        with self.engine.connect() as conn:
            events = sql.fetch_events(conn, where=where, params=params)
        events = events[[*EVENT_COLUMNS, "source", "line", "upload_id"]]
        return order_events(events)  # rows come in the order read: the tie-break

    def latest_by_state(self, states: Sequence[str] | None = None) -> pd.Series:
        """Each state's latest event time over ALL its stored events (metrics.md's default T),
        whatever part of the state a reader may see; indexed by state, in IST."""
        where, params = sql.filters("e", states, None)
        latest = 'MAX(e."timestamp")'
        if self.dialect == "postgresql":
            latest = f"to_char({latest} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        query = f"SELECT e.state, {latest} FROM events e"
        if where:
            query += " WHERE " + where.format(p=sql.placeholder(self.dialect))
        query += " GROUP BY e.state ORDER BY e.state"
        with self.engine.connect() as conn:
            frame = sql.query(conn, query, params, {"state": "text", "timestamp": "ts"})
        return frame.set_index("state")["timestamp"]

    def load_stints(
        self, *, states: Sequence[str] | None = None, departments: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Derived stints (as `build_stints` gives them), by state, file_id and seq."""
        return self._load_table(
            "stints", STINT_DB_COLUMNS, ("state", "file_id", "seq"), states, departments
        )

    def load_file_facts(
        self, *, states: Sequence[str] | None = None, departments: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Derived per-file facts, as each file stands at the end of its stored log."""
        return self._load_table(
            "file_facts", FACT_DB_COLUMNS, ("state", "file_id"), states, departments
        )

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (for checks and the CLI)."""
        with self.engine.connect() as conn:
            return {
                t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())
                for t in ("uploads", "rejected_rows", "events", "stints", "file_facts")
            }

    def _load_table(
        self,
        table: str,
        kinds: dict[str, str],
        order: tuple[str, ...],
        states: Sequence[str] | None,
        departments: Sequence[str] | None,
    ) -> pd.DataFrame:
        where, params = sql.filters("x", states, departments)
        query = f"SELECT {sql.select_list(self.dialect, 'x', kinds)} FROM {table} x"
        if where:
            query += " WHERE " + where.format(p=sql.placeholder(self.dialect))
        query += " ORDER BY " + ", ".join(f'x."{c}"' for c in order)
        with self.engine.connect() as conn:
            return sql.query(conn, query, params, kinds)
