"""Who may read and change the level table, for the command line and the dashboard alike.

`LevelKeeper(accounts, user, actor)` wraps the store's level-table methods with the roles
of docs/access.md: anyone who may read sees the general rows and the per-state rows of the
states in their scope, the unmapped designations of those states, the history and the
proposals of those states; only an admin (or the host's operator, or anyone while the store
has no account: `user` None) applies, imports, restores and decides proposals; a nodal
officer proposes rows for a state of their nodal grants. A refusal is audited (`levels`,
`refused`) and raised as `LevelsRefused`; every change is audited by the store in its own
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.access.accounts import Accounts
from analytics.access.audit import Action
from analytics.access.scope import Scope, describe_scope
from analytics.access.users import AuthError, SignedInUser
from analytics.figures.level_preview import LevelPreview
from analytics.log.hierarchy import LevelTable
from analytics.store.store import Store


class LevelsRefused(AuthError):
    """A level-table request the user may not make (already audited)."""


@dataclass
class LevelKeeper:
    """The level table as one user (None: operator / first setup) may see and change it."""

    accounts: Accounts
    user: SignedInUser | None
    actor: str

    @property
    def store(self) -> Store:
        """The store."""
        return self.accounts.store

    @property
    def scope(self) -> Scope:
        """What the user may read (everything for the operator)."""
        return Scope.everything() if self.user is None else self.user.scope

    @property
    def is_admin(self) -> bool:
        """May change the table."""
        return self.user is None or self.user.is_admin

    def _states(self) -> list[str] | None:
        visible = self.scope.visible_states()
        return None if visible is None else sorted(visible)

    def _refuse(self, what: str, reason: str) -> LevelsRefused:
        self.accounts.audit.write(self.actor, Action.LEVELS, "refused", what, {"reason": reason})
        return LevelsRefused(f"refused: {reason}; nothing was changed")

    def _need_read(self, what: str) -> None:
        if self.user is not None and not self.user.can_read:
            raise self._refuse(what, "no grant to read any state")

    def _need_admin(self, what: str) -> None:
        if not self.is_admin:
            raise self._refuse(what, f"only an admin may {what}; you may propose rows instead")

    # -- reading -------------------------------------------------------------------------------

    def table(self) -> LevelTable:
        """The table in force: general rows and the per-state rows of the user's states."""
        self._need_read("show the level table")
        table = self.store.levels.current()
        states = self._states()
        if states is None:
            return table
        frame = table.to_frame()
        keep = frame["state"].isna() | frame["state"].isin(states)
        return LevelTable(frame[keep.to_numpy()])

    def version(self) -> int:
        """The version in force."""
        return self.store.levels.version()

    def unmapped(self) -> pd.DataFrame:
        """Unmapped designations of the user's states (`Store.levels.unmapped`)."""
        self._need_read("list unmapped designations")
        return self.store.levels.unmapped(states=self._states())

    def history(self) -> pd.DataFrame:
        """Every version, newest first (`Store.levels.history`)."""
        self._need_read("show the level-table history")
        return self.store.levels.history()

    def proposals(self, status: str | None = None) -> pd.DataFrame:
        """Proposals of the user's states (every one for an admin)."""
        self._need_read("list level proposals")
        found = self.store.proposals.listing(status)
        states = self._states()
        return found if states is None else found[found["state"].isin(states)]

    def export(self, *, yaml_format: bool = False) -> str:
        """The table in force as the user may see it, as CSV or YAML text (audited export)."""
        table = self.table()
        what = "level table (" + ("yaml" if yaml_format else "csv") + ")"
        rows = len(table.to_frame())
        if self.user is None:
            self.accounts.audit.write(self.actor, Action.EXPORT, "ok", what, {"rows": rows})
        else:
            self.accounts.guard.record_export(
                self.user, what, rows, "yaml" if yaml_format else "csv"
            )
        return table.to_text(yaml_format=yaml_format)

    # -- changing ------------------------------------------------------------------------------

    def preview(self, table: LevelTable) -> LevelPreview:
        """What `table` would change, over the user's states (admins and nodal officers)."""
        if not self.is_admin and not (self.user is not None and self.user.can_upload):
            raise self._refuse(
                "preview a level table", "previews are for admins and nodal officers"
            )
        return self.store.levels.preview(table, states=self._states())

    def apply(self, table: LevelTable, *, note: str | None = None, kind: str = "import") -> int:
        """Make `table` the table in force (admins): a new version (`Store.levels.apply`)."""
        self._need_admin("change the level table")
        return self.store.levels.apply(table, by=self.actor, kind=kind, note=note)

    def map_designation(self, designation: str, level: int, *, state: str | None = None) -> int:
        """Add (or replace) one row, for every state or one state (admins): a new version."""
        row = pd.DataFrame([{"state": state, "designation": designation, "level": level}])
        table = self.store.levels.current().with_rows(LevelTable(row))
        where = state or "every state"
        return self.apply(table, note=f"{designation} → level {level} ({where})", kind="edit")

    def restore(self, version: int, *, note: str | None = None) -> int:
        """Make an earlier version's rows the table in force again (admins): a new version."""
        self._need_admin("restore a level-table version")
        return self.store.levels.restore(version, by=self.actor, note=note)

    def propose(self, state: str, table: LevelTable, *, note: str | None = None) -> int:
        """Propose rows for one state (a nodal officer of that state, or an admin)."""
        state = state.strip()
        allowed = self.is_admin or (
            self.user is not None and not self.user.is_demo and self.user.upload_scope.allows(state)
        )
        if not allowed:
            mine = "none" if self.user is None else describe_scope(self.user.upload_scope)
            raise self._refuse(
                f"propose level rows for {state}",
                f"a proposal for {state} needs a nodal-officer grant there (yours: {mine})",
            )
        return self.store.proposals.propose(state, table, by=self.actor, note=note)

    def decide(self, number: int, *, approve: bool) -> int | None:
        """Approve (a new version) or reject a pending proposal (admins)."""
        self._need_admin("approve or reject level proposals")
        return self.store.proposals.decide(number, approve=approve, by=self.actor)


# --- command line: `eoffice-analytics levels ...` -------------------------------------------
