"""The level table of the store: the mapping in force, its versions and history, applying or
restoring a table (every derived row recomputed with it, in one transaction), previews and
the designations no level maps (`Store.levels`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, text

from analytics.access.audit import Action, write_row
from analytics.figures.level_preview import LevelPreview
from analytics.figures.level_preview import preview as levels_preview
from analytics.log.hierarchy import LevelTable, LevelTableError, normalise_designation
from analytics.schema import IST
from analytics.store import sql
from analytics.store.derived import rebuild
from analytics.store.engine import writing
from analytics.store.models import LevelVersion, StoreState
from analytics.store.reads import Reads

HISTORY_COLUMNS = [
    "version",
    "created_at",
    "created_by",
    "kind",
    "note",
    "restored_from",
    "proposal_id",
    "rows",
    "added",
    "removed",
    "changed",
    "in_force",
]


class Levels:
    """The level table of one store's database (`store.levels`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def current(self) -> LevelTable:
        """The hierarchy mapping in force (the default table until one is set)."""
        with self.engine.connect() as conn:
            return sql.level_table(conn)

    def set(self, table: LevelTable) -> None:
        """Replace the mapping in force and recompute every derived row that depends on it
        (a new version, made by `system`: see `apply`)."""
        self.apply(table, by="system")

    def version(self) -> int:
        """The level-table version in force (0: the built-in default, no version made yet)."""
        with self.engine.connect() as conn:
            return version_in_force(conn)

    def version_info(self) -> dict[str, Any]:
        """The version in force for people and reports: version (0: the built-in default),
        created_at (IST, None for the default), created_by, kind."""
        with self.engine.connect() as conn:
            version = version_in_force(conn)
            row = conn.execute(
                select(LevelVersion.created_at, LevelVersion.created_by, LevelVersion.kind).where(
                    LevelVersion.id == version
                )
            ).first()
        if row is None:
            return {"version": 0, "created_at": None, "created_by": None, "kind": "default"}
        return {
            "version": version,
            "created_at": pd.Timestamp(row.created_at).tz_convert(IST),
            "created_by": row.created_by,
            "kind": row.kind,
        }

    def known_states(self) -> list[str]:
        """States a per-state level row may name: those of stored events or of grants."""
        with self.engine.connect() as conn:
            return known_states(conn)

    def check(self, table: LevelTable) -> None:
        """Refuse (`LevelTableError`, naming the row) a table the store cannot take: no rows,
        or a per-state row of a state the store does not know (`known_states`)."""
        with self.engine.connect() as conn:
            check(conn, table)

    def apply(
        self,
        table: LevelTable,
        *,
        by: str,
        kind: str = "import",
        note: str | None = None,
        restored_from: int | None = None,
    ) -> int:
        """Make `table` the mapping in force as a new version, in ONE transaction: the
        version row, the `levels` rows, every derived row (stints, file facts, snapshots)
        recomputed with it, and the audit row (who, when, what changed). Refused
        (`LevelTableError`, nothing written) by `check`, or when the table changes
        nothing against the one in force. Returns the new version."""
        with writing(self.engine) as conn:
            return apply_in(conn, table, by, kind, note, restored_from, None)

    def restore(self, version: int, *, by: str, note: str | None = None) -> int:
        """Make an earlier version's rows the mapping in force again, as a new version
        (`apply`); version 0 is the built-in default table."""
        table = self.at_version(version)
        return self.apply(
            table,
            by=by,
            kind="restore",
            note=note or f"restore of version {version}",
            restored_from=version,
        )

    def preview(self, table: LevelTable, *, states: Sequence[str] | None = None) -> LevelPreview:
        """What applying `table` would change (nothing is written): stints changing level,
        designations becoming unmapped (or mapped), and per state before and after of
        turnaround per level, pendency per level, mean distinct levels of pending files
        and files over 4 levels (`analytics.figures.level_preview.preview`). Refused like
        `apply`."""
        self.check(table)
        current = self.current()
        found = levels_preview(Reads(self.engine).load_events(states=states), current, table)
        old = self.unmapped(states=states, table=current)
        new = self.unmapped(states=states, table=table)
        found.newly_unmapped = new[
            ~new["designation"].str.lower().isin(set(old["designation"].str.lower()))
        ].reset_index(drop=True)
        found.newly_mapped = old[
            ~old["designation"].str.lower().isin(set(new["designation"].str.lower()))
        ].reset_index(drop=True)
        return found

    def at_version(self, version: int) -> LevelTable:
        """The rows of one version (0: the built-in default table)."""
        if version == 0:
            return LevelTable.default()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(LevelVersion.rows).where(LevelVersion.id == version)
            ).scalar()
        if rows is None:
            raise LevelTableError(f"there is no level-table version {version}")
        return LevelTable.from_records(rows)

    def history(self) -> pd.DataFrame:
        """Every version, newest first: version, created_at (IST), created_by, kind, note,
        restored_from, proposal_id, rows, added, removed, changed, in_force."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(LevelVersion.__table__).order_by(LevelVersion.id.desc())
            ).all()
            current = version_in_force(conn)
            records = [_history_record(v, current) for v in found]
        frame = pd.DataFrame(records, columns=HISTORY_COLUMNS)
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(IST)
        return frame

    def unmapped(
        self, *, states: Sequence[str] | None = None, table: LevelTable | None = None
    ) -> pd.DataFrame:
        """Designations of stored events that `table` (default: the one in force) does not
        map, one row each (matched as the table matches them): designation (its commonest
        spelling), events (naming it on either side; both sides count once), states, and
        events_by_state ({state: events}); most events first."""
        where, params = sql.filters("e", states, None)
        kinds = {"state": "text", "from": "text", "to": "text", "n": "int"}
        with self.engine.connect() as conn:
            query = (
                "SELECT e.state, e.from_designation, e.to_designation, COUNT(*) FROM events e"
                + (" WHERE " + where.format(p=sql.placeholder(conn.dialect.name)) if where else "")
                + " GROUP BY e.state, e.from_designation, e.to_designation"
            )
            groups = sql.query(conn, query, params, kinds)
            table = table or sql.level_table(conn)
        return _unmapped(groups, table)


def _history_record(v: Any, current: int) -> dict[str, Any]:
    """One `history` row from a `level_versions` row."""
    return {
        "version": v.id,
        "created_at": v.created_at,
        "created_by": v.created_by,
        "kind": v.kind,
        "note": v.note,
        "restored_from": v.restored_from,
        "proposal_id": v.proposal_id,
        "rows": len(v.rows),
        **{
            k: len(v.changes.get(k) or [])
            if isinstance(v.changes.get(k), list)
            else int(v.changes.get(k) or 0)
            for k in ("added", "removed", "changed")
        },
        "in_force": v.id == current,
    }


# --- on a connection (inside the caller's transaction) --------------------------------------


def version_in_force(conn: Connection) -> int:
    """The level-table version in force (0: the built-in default)."""
    return int(
        conn.execute(select(StoreState.levels_version).where(StoreState.id == 1)).scalar_one()
    )


def known_states(conn: Connection) -> list[str]:
    """States of stored events or of grants, sorted."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT state FROM events UNION "
            "SELECT DISTINCT state FROM grants WHERE state <> ''"
        )
    )
    return sorted(str(r[0]) for r in rows)


def check(conn: Connection, table: LevelTable) -> None:
    """`Levels.check` on the caller's connection."""
    frame = table.to_frame()
    if frame.empty:
        raise LevelTableError("the level table has no rows; nothing was applied")
    known = set(known_states(conn))
    unknown = frame["state"].notna() & ~frame["state"].isin(known)
    if unknown.any():
        row = int(unknown.to_numpy().argmax())
        shown = ", ".join(sorted(known)) or "none yet"
        raise LevelTableError(
            f"level table row {row + 1} ({frame['designation'].iloc[row]}): state "
            f"{frame['state'].iloc[row]!r} is not a state of this store (known: {shown}); "
            "nothing was applied"
        )


def apply_in(
    conn: Connection,
    table: LevelTable,
    by: str,
    kind: str,
    note: str | None,
    restored_from: int | None,
    proposal_id: int | None,
) -> int:
    """`Levels.apply` in the caller's (writing) transaction; returns the new version."""
    check(conn, table)
    previous = version_in_force(conn)
    changes = sql.level_table(conn).changes(table)
    if not any(changes.values()):
        raise LevelTableError(
            f"the table is the one in force (version {previous}): nothing was applied"
        )
    now = datetime.now(UTC)
    origin = {
        "kind": kind,
        "note": note,
        "restored_from": restored_from,
        "proposal_id": proposal_id,
    }
    version = _new_version(conn, table, by, now, origin, changes)
    rebuild(conn, sql.level_table(conn))
    write_row(
        conn,
        by,
        Action.LEVELS,
        "ok",
        f"levels version {version}",
        {
            "kind": kind,
            "version_before": previous,
            "restored_from": restored_from,
            "proposal_id": proposal_id,
            "note": note,
            **{k: len(v) for k, v in changes.items()},
            "changes": {k: v[:20] for k, v in changes.items()},
        },
        now,
    )
    return int(version)


def _new_version(
    conn: Connection,
    table: LevelTable,
    by: str,
    now: datetime,
    origin: dict[str, Any],
    changes: dict[str, Any],
) -> int:
    """The version row (`origin`: kind, note, restored_from, proposal_id), `table` as the
    `levels` rows and the version in force; returns the version."""
    version = conn.execute(
        insert(LevelVersion)
        .values(created_at=now, created_by=by, **origin, rows=table.records(), changes=changes)
        .returning(LevelVersion.id)
    ).scalar_one()
    conn.execute(text("DELETE FROM levels"))
    conn.execute(
        text(
            "INSERT INTO levels (state, designation, level, level_name) "
            "VALUES (:state, :designation, :level, :level_name)"
        ),
        table.records(),
    )
    conn.execute(text("UPDATE store_state SET levels_version = :v WHERE id = 1"), {"v": version})
    return int(version)


def _unmapped(groups: pd.DataFrame, table: LevelTable) -> pd.DataFrame:
    """`Levels.unmapped` from (state, from, to, n) event groups."""
    columns = ["designation", "events", "states", "events_by_state"]
    sides = []
    for side in ("from", "to"):
        part = pd.DataFrame(
            {
                "group": np.arange(len(groups)),
                "state": groups["state"].astype("string"),
                "designation": groups[side]
                .astype("string")
                .str.strip()
                .str.replace(r"\s+", " ", regex=True),
                "n": groups["n"].to_numpy(),
            }
        )
        sides.append(part[part["designation"].notna() & part["designation"].ne("")])
    named = pd.concat(sides, ignore_index=True)
    if named.empty:
        return pd.DataFrame(columns=columns)
    named["level"] = table.lookup(named["state"], named["designation"])
    named = named[named["level"].isna().to_numpy()]
    named["key"] = normalise_designation(named["designation"])
    named = named.drop_duplicates(["group", "key"])  # an event naming it twice counts once
    if named.empty:
        return pd.DataFrame(columns=columns)
    spelling = (
        named.groupby(["key", "designation"], sort=True)["n"]
        .sum()
        .reset_index()
        .sort_values(["key", "n"], ascending=[True, False], kind="stable")
        .drop_duplicates("key")
        .set_index("key")["designation"]
    )
    per_state = named.groupby(["key", "state"], sort=True)["n"].sum()
    rows = []
    for key, counts in per_state.groupby(level=0, sort=True):
        by_state = {str(s): int(n) for (_, s), n in counts.items()}
        rows.append(
            {
                "designation": str(spelling[key]),
                "events": int(sum(by_state.values())),
                "states": sorted(by_state),
                "events_by_state": by_state,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["events", "designation"], ascending=[False, True]).reset_index(
        drop=True
    )
