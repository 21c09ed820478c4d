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

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.access.accounts import Accounts
from analytics.access.audit import Action
from analytics.access.scope import Scope, describe_scope
from analytics.access.sign_in import CommandSignIn, command_actor
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
        table = self.store.levels()
        states = self._states()
        if states is None:
            return table
        frame = table.to_frame()
        keep = frame["state"].isna() | frame["state"].isin(states)
        return LevelTable(frame[keep.to_numpy()])

    def version(self) -> int:
        """The version in force."""
        return self.store.levels_version()

    def unmapped(self) -> pd.DataFrame:
        """Unmapped designations of the user's states (`Store.unmapped_designations`)."""
        self._need_read("list unmapped designations")
        return self.store.unmapped_designations(states=self._states())

    def history(self) -> pd.DataFrame:
        """Every version, newest first (`Store.level_history`)."""
        self._need_read("show the level-table history")
        return self.store.level_history()

    def proposals(self, status: str | None = None) -> pd.DataFrame:
        """Proposals of the user's states (every one for an admin)."""
        self._need_read("list level proposals")
        found = self.store.level_proposals(status)
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
        return self.store.preview_levels(table, states=self._states())

    def apply(self, table: LevelTable, *, note: str | None = None, kind: str = "import") -> int:
        """Make `table` the table in force (admins): a new version (`Store.apply_levels`)."""
        self._need_admin("change the level table")
        return self.store.apply_levels(table, by=self.actor, kind=kind, note=note)

    def map_designation(self, designation: str, level: int, *, state: str | None = None) -> int:
        """Add (or replace) one row, for every state or one state (admins): a new version."""
        row = pd.DataFrame([{"state": state, "designation": designation, "level": level}])
        table = self.store.levels().with_rows(LevelTable(row))
        where = state or "every state"
        return self.apply(table, note=f"{designation} → level {level} ({where})", kind="edit")

    def restore(self, version: int, *, note: str | None = None) -> int:
        """Make an earlier version's rows the table in force again (admins): a new version."""
        self._need_admin("restore a level-table version")
        return self.store.restore_levels(version, by=self.actor, note=note)

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
        return self.store.propose_levels(state, table, by=self.actor, note=note)

    def decide(self, number: int, *, approve: bool) -> int | None:
        """Approve (a new version) or reject a pending proposal (admins)."""
        self._need_admin("approve or reject level proposals")
        return self.store.decide_proposal(number, approve=approve, by=self.actor)


# --- command line: `eoffice-analytics levels ...` -------------------------------------------


def register_cli(
    subparsers: argparse._SubParsersAction,
    user_option: Callable[[argparse.ArgumentParser, str], None],
) -> None:
    """Add the `levels` command to the CLI's subparsers (analytics/cli/main.py)."""
    levels = subparsers.add_parser("levels", help="the designation-to-level table, by version")
    levels.add_argument("--db", help="store URL (default: EOFFICE_DB_URL or the embedded SQLite)")
    user_option(levels, "once accounts exist: sign in as this user (admins change the table)")
    levels.add_argument(
        "--operator",
        action="store_true",
        help="run as the host's operator, without an account (audited as operator)",
    )
    sub = levels.add_subparsers(dest="levels_command", required=True)
    sub.add_parser("show", help="the table in force (general and per-state rows)")
    sub.add_parser("unmapped", help="designations in the store the table does not map")
    for verb, text in (
        ("import", "make FILE (CSV or YAML) the table in force, as a new version"),
        ("preview", "what FILE would change, writing nothing"),
        ("export", "write the table in force to FILE (.csv, .yaml or .yml)"),
    ):
        p = sub.add_parser(verb, help=text)
        p.add_argument("file", type=Path, metavar="FILE")
        if verb == "import":
            p.add_argument("--note", help="why (kept with the version)")
    sub.add_parser("history", help="every version, newest first")
    restore = sub.add_parser("restore", help="make an earlier version the table in force")
    restore.add_argument("version", type=int, metavar="VERSION")
    restore.add_argument("--note")
    propose = sub.add_parser("propose", help="propose FILE's rows for one state (nodal officers)")
    propose.add_argument("file", type=Path, metavar="FILE")
    propose.add_argument("--state", required=True, help="the state the rows are for")
    propose.add_argument("--note")
    proposals = sub.add_parser("proposals", help="proposals, newest first")
    proposals.add_argument("--status", choices=("pending", "approved", "rejected"))
    for verb in ("approve", "reject"):
        sub.add_parser(verb, help=f"{verb} a pending proposal (admins)").add_argument(
            "id", type=int, metavar="ID"
        )


def levels_command(args: argparse.Namespace, sign_in: CommandSignIn) -> int:
    """Run `eoffice-analytics levels ...`; returns the exit status (refusals raise)."""
    from analytics.store.store import open_store

    cmd = args.levels_command
    with open_store(args.db) as store:
        accounts = Accounts(store)
        actor, user = command_actor(accounts, args, sign_in, "levels", cmd, need_admin=False)
        keeper = LevelKeeper(accounts, user, actor)
        if cmd in ("show", "unmapped", "history", "proposals"):
            _read(keeper, args)
        else:
            _write(keeper, args)
    return 0


def _read(keeper: LevelKeeper, args: argparse.Namespace) -> None:
    """`levels show|unmapped|history|proposals`, audited (with the rows found) first."""
    cmd = args.levels_command
    found = {
        "show": lambda: keeper.table().to_frame(),
        "unmapped": keeper.unmapped,
        "history": keeper.history,
        "proposals": lambda: keeper.proposals(args.status),
    }[cmd]()
    details = {"rows": len(found)}
    keeper.accounts.audit.write(keeper.actor, Action.LEVELS, "ok", f"levels {cmd}", details)
    if cmd == "show":
        print(f"level table version {keeper.version()} ({_describe_version(keeper.version())})")
        print(found.fillna("").to_string(index=False))
    elif cmd == "unmapped":
        if found.empty:
            print("every designation in the store is mapped")
        for r in found.itertuples(index=False):
            states = ", ".join(f"{s} {n:,}" for s, n in r.events_by_state.items())
            print(f"{r.designation}\t{r.events:,} events\t{states}")
    elif cmd == "history":
        shown = found.assign(created_at=found["created_at"].dt.strftime("%d-%b-%Y %H:%M"))
        print(
            "no version yet: the built-in default table is in force"
            if found.empty
            else shown.to_string(index=False)
        )
    else:
        for r in found.itertuples(index=False):
            rows = "; ".join(f"{x['designation']} → {x['level']}" for x in r.rows)
            print(f"{r.id}\t{r.status}\t{r.state}\t{r.proposed_by}\t{rows}")


def _write(keeper: LevelKeeper, args: argparse.Namespace) -> None:
    """`levels export|preview|import|restore|propose|approve|reject`."""
    cmd = args.levels_command
    if cmd == "export":
        yaml_format = args.file.suffix.lower() in {".yaml", ".yml"}
        args.file.write_text(keeper.export(yaml_format=yaml_format), encoding="utf-8")
        print(f"wrote level table version {keeper.version()} to {args.file}")
    elif cmd == "preview":
        print(describe_preview(keeper.preview(LevelTable.from_file(args.file))))
    elif cmd == "import":
        version = keeper.apply(LevelTable.from_file(args.file), note=args.note)
        print(f"applied {args.file} as level table version {version}")
    elif cmd == "restore":
        version = keeper.restore(args.version, note=args.note)
        print(f"restored version {args.version} as level table version {version}")
    elif cmd == "propose":
        number = keeper.propose(args.state, LevelTable.from_file(args.file), note=args.note)
        print(f"proposal {number} for {args.state.strip()} is waiting for an admin")
    elif cmd in ("approve", "reject"):
        version = keeper.decide(args.id, approve=cmd == "approve")
        print(
            f"proposal {args.id} approved: level table version {version}"
            if version is not None
            else f"proposal {args.id} rejected"
        )


def _describe_version(version: int) -> str:
    return "the built-in default" if version == 0 else "kept in the store"


def describe_preview(found: LevelPreview) -> str:
    """A preview for people (the command line)."""
    lines = [f"stints changing level: {found.stints_changed:,}"]
    for r in found.stints.itertuples(index=False):
        lines.append(f"  {r.state}: {int(r.changed):,} of {int(r.stints):,}")
    for label, frame in (
        ("become unmapped", found.newly_unmapped),
        ("become mapped", found.newly_mapped),
    ):
        names = ", ".join(
            f"{d} ({n:,} events)"
            for d, n in zip(frame.get("designation", []), frame.get("events", []), strict=True)
        )
        lines.append(f"designations that {label}: {names or 'none'}")
    lines.append("per state, before → after:")
    for r in found.states.itertuples(index=False):
        lines.append(
            f"  {r.state}: mean distinct levels of pending files "
            f"{_num(r.mean_levels_pending_before)} → {_num(r.mean_levels_pending_after)}; "
            f"files over 4 levels {r.files_over_4_levels_before:,} → "
            f"{r.files_over_4_levels_after:,}"
        )
    changed = found.turnaround[found.turnaround["changed"]]
    for r in changed.itertuples(index=False):
        lines.append(
            f"  {r.state} level {_level(r.level)}: turnaround stints {r.stints_before:,} → "
            f"{r.stints_after:,}, median days {_num(r.median_days_before)} → "
            f"{_num(r.median_days_after)}"
        )
    for r in found.pendency[found.pendency["changed"]].itertuples(index=False):
        lines.append(
            f"  {r.state} level {_level(r.level)}: pending files {r.pending_before:,} → "
            f"{r.pending_after:,}"
        )
    return "\n".join(lines)


def _num(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.2f}"


def _level(value: object) -> str:
    return "unmapped" if pd.isna(value) else str(int(value))
