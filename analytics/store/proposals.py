"""Proposed level-table rows for one state, pending an admin's decision (`Store.proposals`):
recorded with an audit row; approving one applies its rows as a new level-table version in
the same transaction (`levels.apply_in`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, insert, select

from analytics.access.audit import Action, write_row
from analytics.log.hierarchy import LevelTable, LevelTableError
from analytics.schema import IST
from analytics.store import sql
from analytics.store.engine import writing
from analytics.store.levels import apply_in, check
from analytics.store.models import LevelProposal

PROPOSAL_COLUMNS = [
    "id",
    "state",
    "proposed_by",
    "proposed_at",
    "note",
    "rows",
    "status",
    "decided_by",
    "decided_at",
    "version_id",
]


class Proposals:
    """Level-table proposals of one store's database (`store.proposals`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def propose(self, state: str, table: LevelTable, *, by: str, note: str | None = None) -> int:
        """Record rows proposed for one state's level table (pending an admin's decision):
        every row becomes a row of `state`; a row naming another state is refused, and so is
        an unknown state (`Levels.check`). Returns the proposal's number."""
        frame = table.to_frame()
        other = frame["state"].notna() & frame["state"].ne(state)
        if other.any():
            row = int(other.to_numpy().argmax())
            raise LevelTableError(
                f"level table row {row + 1} ({frame['designation'].iloc[row]}): names state "
                f"{frame['state'].iloc[row]!r}, but this proposal is for {state}; nothing was "
                "proposed"
            )
        proposed = LevelTable(frame.assign(state=state))
        with writing(self.engine) as conn:
            check(conn, proposed)
            number = conn.execute(
                insert(LevelProposal)
                .values(
                    state=state,
                    proposed_by=by,
                    proposed_at=datetime.now(UTC),
                    note=note,
                    rows=proposed.records(),
                    status="pending",
                )
                .returning(LevelProposal.id)
            ).scalar_one()
            write_row(
                conn,
                by,
                Action.LEVELS,
                "proposed",
                f"levels proposal {number}",
                {"state": state, "rows": proposed.records()[:20], "note": note},
            )
        return int(number)

    def listing(self, status: str | None = None) -> pd.DataFrame:
        """Proposals, newest first: id, state, proposed_by, proposed_at (IST), note, rows
        (the proposed rows as dicts), status, decided_by, decided_at (IST), version_id."""
        query = select(LevelProposal.__table__).order_by(LevelProposal.id.desc())
        if status is not None:
            query = query.where(LevelProposal.status == status)
        columns = PROPOSAL_COLUMNS
        with self.engine.connect() as conn:
            found = conn.execute(query).all()
        frame = pd.DataFrame([{c: getattr(p, c) for c in columns} for p in found], columns=columns)
        for c in ("proposed_at", "decided_at"):
            frame[c] = pd.to_datetime(frame[c], utc=True).dt.tz_convert(IST)
        return frame

    def decide(self, number: int, *, approve: bool, by: str) -> int | None:
        """Approve a pending proposal (its rows added to the table in force, replacing rows
        of the same state and designation, as a new version: `Levels.apply`, all in one
        transaction) or reject it. Returns the new version (None when rejected)."""
        with writing(self.engine) as conn:
            found = conn.execute(
                select(LevelProposal.__table__).where(LevelProposal.id == number)
            ).first()
            if found is None:
                raise LevelTableError(f"there is no level proposal {number}")
            if found.status != "pending":
                raise LevelTableError(f"level proposal {number} is {found.status} already")
            version = None
            if approve:
                table = sql.level_table(conn).with_rows(LevelTable.from_records(found.rows))
                note = f"proposal {number} by {found.proposed_by} for {found.state}"
                if found.note:
                    note += f": {found.note}"
                version = apply_in(conn, table, by, "proposal", note, None, number)
            else:
                write_row(
                    conn,
                    by,
                    Action.LEVELS,
                    "rejected",
                    f"levels proposal {number}",
                    {"state": found.state, "proposed_by": found.proposed_by},
                )
            conn.execute(
                LevelProposal.__table__.update()
                .where(LevelProposal.id == number)
                .values(
                    status="approved" if approve else "rejected",
                    decided_by=by,
                    decided_at=datetime.now(UTC),
                    version_id=version,
                )
            )
        return version
