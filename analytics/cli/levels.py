"""`eoffice-analytics levels ...`: the designation-to-level table, by version: show, import,
preview, export, history, restore; nodal officers propose, admins approve (docs/levels.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from analytics.access.accounts import Accounts
from analytics.access.audit import Action
from analytics.access.level_keeper import LevelKeeper
from analytics.access.sign_in import command_actor
from analytics.cli.common import STORE_HELP, run_as, user_option
from analytics.figures.level_preview import LevelPreview
from analytics.log.hierarchy import LevelTable


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `levels` command."""
    levels = sub.add_parser("levels", help="the designation-to-level table, by version")
    levels.set_defaults(run=run)
    levels.add_argument("--db", help=STORE_HELP)
    user_option(levels, "once accounts exist: sign in as this user (admins change the table)")
    levels.add_argument(
        "--operator",
        action="store_true",
        help="run as the host's operator, without an account (audited as operator)",
    )
    verbs = levels.add_subparsers(dest="levels_command", required=True)
    verbs.add_parser("show", help="the table in force (general and per-state rows)")
    verbs.add_parser("unmapped", help="designations in the store the table does not map")
    for verb, text in (
        ("import", "make FILE (CSV or YAML) the table in force, as a new version"),
        ("preview", "what FILE would change, writing nothing"),
        ("export", "write the table in force to FILE (.csv, .yaml or .yml)"),
    ):
        p = verbs.add_parser(verb, help=text)
        p.add_argument("file", type=Path, metavar="FILE")
        if verb == "import":
            p.add_argument("--note", help="why (kept with the version)")
    verbs.add_parser("history", help="every version, newest first")
    restore = verbs.add_parser("restore", help="make an earlier version the table in force")
    restore.add_argument("version", type=int, metavar="VERSION")
    restore.add_argument("--note")
    propose = verbs.add_parser("propose", help="propose FILE's rows for one state (nodal officers)")
    propose.add_argument("file", type=Path, metavar="FILE")
    propose.add_argument("--state", required=True, help="the state the rows are for")
    propose.add_argument("--note")
    proposals = verbs.add_parser("proposals", help="proposals, newest first")
    proposals.add_argument("--status", choices=("pending", "approved", "rejected"))
    for verb in ("approve", "reject"):
        verbs.add_parser(verb, help=f"{verb} a pending proposal (admins)").add_argument(
            "id", type=int, metavar="ID"
        )


def run(args: argparse.Namespace) -> int:
    """Run `eoffice-analytics levels ...`; returns the exit status (refusals raise)."""
    from analytics.store.store import open_store

    cmd = args.levels_command
    with open_store(args.db) as store:
        accounts = Accounts(store)
        actor, user = command_actor(accounts, args, run_as, "levels", cmd, need_admin=False)
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
