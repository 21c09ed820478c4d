"""`eoffice-analytics`: report tables from extracts or from the store, and uploads into it.

`ingest` and `report --db` run as a signed-in user (`--user EMAIL` or `EOFFICE_USER`; the
password from `EOFFICE_PASSWORD`, else asked for) and go through that user's scope, the same
way the dashboard does (docs/access.md). Only while the store has no account at all (first
setup, the demo) do they run without `--user`, unscoped. `report` on LOG files needs no user.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analytics import fmt
from analytics.access.accounts import Accounts
from analytics.access.audit import Action
from analytics.access.level_keeper import levels_command
from analytics.access.level_keeper import register_cli as register_levels_cli
from analytics.access.scope import Scope, describe_scope, load_scoped
from analytics.access.sign_in import cli_actor, command_actor
from analytics.access.users import AuthError, SignedInUser
from analytics.cli import users as users_cli
from analytics.figures.metrics import analyse
from analytics.figures.overdue import Rule
from analytics.figures.registry import CSMOP_WORKING_DAYS, ESCALATION_WORKING_DAYS
from analytics.figures.views import Filters, file_mask, report_tables
from analytics.log.calendar import WorkCalendar
from analytics.log.hierarchy import LevelTable, LevelTableError
from analytics.log.reading import UnusableInputError, parse_moment, read_logs
from analytics.outputs import digest, xes
from analytics.outputs.digest import AlertError
from analytics.outputs.monthly_pdf import FORMATS
from analytics.outputs.report import (
    describe_level_table,
    format_moment,
    level_table_line,
    write_report,
)

if TYPE_CHECKING:
    from analytics.store.store import Store

EXIT_UNUSABLE = 1
EXIT_REFUSED = 3
"""Exit status when sign-in or the user's scope refuses the command."""
USER_ENV = "EOFFICE_USER"
PASSWORD_ENV = "EOFFICE_PASSWORD"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eoffice-analytics", description="e-Office file-movement analytics"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    report = sub.add_parser("report", help="write the five report tables and validation.json")
    report.add_argument("logs", nargs="*", type=Path, metavar="LOG", help="CSV or .xlsx extracts")
    report.add_argument("--out", required=True, type=Path, help="folder for the tables")
    report.add_argument("--db", help="read the events from this store URL instead of LOG files")
    report.add_argument(
        "--as-of",
        help="T, read like a log's timestamps: '2024-03-10 10:00', '10/03/2024 10:00' (day "
        "first), '10-Mar-2024', ISO with an offset; IST unless an offset is given",
    )
    report.add_argument("--levels", type=Path, help="replacement level table (CSV or YAML)")
    report.add_argument(
        "--state",
        help="LOG files: the state of rows that name none; --db: only this state",
    )
    report.add_argument(
        "--department",
        help="LOG files: the department of rows that name none; --db: only this department's "
        "files (T stays the whole state's)",
    )
    report.add_argument("--file-type", help="only files of this type (electronic or physical)")
    report.add_argument(
        "--from", dest="start", help="activity from this IST day (YYYY-MM-DD), included"
    )
    report.add_argument("--to", dest="end", help="activity up to this IST day, included")
    report.add_argument(
        "--working-days", action="store_true", help="turnaround and pendency age in working days"
    )
    report.add_argument("--holidays", type=Path, help="CSV state,date of holidays")
    report.add_argument(
        "--weekmask", default="1111100", help="working days Mon..Sun (default 1111100)"
    )
    _user_option(report, "with --db: read as this user, inside the user's scope")
    _xes_mapping_option(report)

    monthly = sub.add_parser(
        "monthly", help="the monthly report (PDF or Excel) of a state, or the national edition"
    )
    monthly.add_argument("--month", required=True, help="the month, YYYY-MM (e.g. 2024-09)")
    monthly.add_argument("--state", help="only this state (without it: the national edition)")
    monthly.add_argument("--department", help="only this department's files")
    monthly.add_argument("--db", help="store URL (default: EOFFICE_DB_URL or the embedded SQLite)")
    monthly.add_argument(
        "--format", choices=FORMATS, help="pdf or xlsx (default: the --out file's suffix, else pdf)"
    )
    monthly.add_argument("--out", required=True, type=Path, help="the file to write")
    _user_option(monthly, "read as this user, inside the user's scope")

    ingest = sub.add_parser("ingest", help="load extracts into the store (one transaction each)")
    ingest.add_argument("logs", nargs="+", type=Path, metavar="LOG")
    ingest.add_argument("--db", help="store URL (default: EOFFICE_DB_URL or the embedded SQLite)")
    ingest.add_argument("--state")
    ingest.add_argument("--department")
    ingest.add_argument(
        "--by", help="who uploads (recorded with the upload; only while the store has no account)"
    )
    _user_option(ingest, "upload as this user (a nodal officer): rows outside its scope refused")
    _xes_mapping_option(ingest)

    export = sub.add_parser(
        "export-xes", help="write the stored events as an XES 1.0 log, one trace per file"
    )
    export.add_argument("--out", required=True, type=Path, help="FILE.xes or FILE.xes.gz")
    export.add_argument("--db", help="store URL (default: EOFFICE_DB_URL or the embedded SQLite)")
    export.add_argument("--state", help="only this state")
    export.add_argument("--department", help="only this department's files")
    _user_option(export, "export as this user: only its scope, names as it may see them")
    users_cli.register(sub, _user_option)  # `users ...`: analytics/cli/users.py
    register_levels_cli(sub, _user_option)  # `levels ...`: analytics/access/level_keeper.py
    _alerts_parser(sub)
    return parser


def _alerts_parser(sub: argparse._SubParsersAction) -> None:
    alerts = sub.add_parser(
        "alerts",
        help="overdue files: send each opted-in account its digest, or keep the rules",
        description="Run `alerts --send` daily (cron or a systemd timer): each account that "
        "chose daily or weekly gets one digest of the overdue files in its scope, once.",
    )
    alerts.add_argument("--db", help="store URL (default: EOFFICE_DB_URL or the embedded SQLite)")
    what = alerts.add_mutually_exclusive_group(required=True)
    what.add_argument("--send", action="store_true", help="send today's digests (each once)")
    what.add_argument("--rules", action="store_true", help="print the stored rules")
    what.add_argument("--set-rule", action="store_true", help="add or replace a rule")
    what.add_argument("--remove-rule", action="store_true", help="remove a rule")
    alerts.add_argument(
        "--dry-run", action="store_true", help="with --send: print the digests, send nothing"
    )
    alerts.add_argument(
        "--account", action="append", default=[], metavar="EMAIL", help="only these accounts"
    )
    alerts.add_argument("--state", help="rule: this state only (default: any)")
    alerts.add_argument("--level", type=int, help="rule: this level only (default: any)")
    alerts.add_argument("--file-type", help="rule: this file type only (default: any)")
    alerts.add_argument("--limit", type=float, help="rule: working days before a file is overdue")
    alerts.add_argument(
        "--escalate-after",
        type=float,
        default=ESCALATION_WORKING_DAYS,
        help=f"rule: more working days before escalation (default {ESCALATION_WORKING_DAYS})",
    )
    alerts.add_argument(
        "--operator",
        action="store_true",
        help="run as the host's operator, without an account (audited as operator)",
    )
    _user_option(alerts, "once accounts exist: sign in as this admin (or give --operator)")


def _xes_mapping_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--xes-mapping",
        type=Path,
        metavar="FILE",
        help="for .xes / .xes.gz logs: YAML or JSON naming the XES keys of columns "
        "(e.g. 'to_user: org:resource'); see README",
    )


def _user_option(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument(
        "--user",
        metavar="EMAIL",
        default=os.environ.get(USER_ENV) or None,
        help=f"{text} (default: {USER_ENV}; password from {PASSWORD_ENV}, else asked for)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "report":
            return _report(args)
        if args.command == "monthly":
            return _monthly(args)
        if args.command == "users":
            return users_cli.users_command(args, run_as)
        if args.command == "alerts":
            return _alerts(args)
        if args.command == "levels":
            return levels_command(args, run_as)
        if args.command == "export-xes":
            return _export_xes(args)
        return _ingest(args)
    except UnusableInputError as exc:
        print(f"error: {exc.file}: {exc.reason}", file=sys.stderr)
        return EXIT_UNUSABLE
    except AuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except AlertError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (LevelTableError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE


def _report(args: argparse.Namespace) -> int:
    given_t = parse_moment(args.as_of) if args.as_of is not None else None
    calendar = (
        WorkCalendar.from_file(args.holidays, args.weekmask)
        if args.holidays
        else WorkCalendar(weekmask=args.weekmask)
    )
    levels = LevelTable.from_file(args.levels) if args.levels else None
    level_table = describe_level_table(file=args.levels) if args.levels else None
    accounts, user, report = None, None, None
    scope = Scope.everything()
    with ExitStack() as opened:
        if args.db:
            if args.logs:
                raise ValueError("give LOG files or --db, not both")
            from analytics.store.store import open_store

            store = opened.enter_context(open_store(args.db))
            accounts, user, scope = _reader(store, args)
            if levels is None:
                level_table = describe_level_table(store.level_version_info())
            # The scope is applied where the data is read (the selection below); T is each
            # WHOLE state's (metrics.md) whatever part of it the user may read. Figures use
            # the stored IDs: the tables name no person, so they are the same for every reader.
            states = [args.state] if args.state else scope.visible_states()
            if given_t is None and levels is None:
                # T and levels as the upload derived them: read the snapshots, not the events
                analysis = store.load_report_analysis(
                    states=None if states is None else sorted(states),
                    calendar=calendar,
                    working_days=args.working_days,
                )
            else:
                events = load_scoped(
                    store,
                    scope,
                    "events",
                    states=[args.state] if args.state else None,
                    departments=[args.department] if args.department else None,
                    protect=False,
                )
                analysis = None
                if not events.empty:
                    as_of = given_t
                    if as_of is None:
                        as_of = store.latest_by_state(sorted(set(events["state"].astype(str))))
                    analysis = analyse(
                        events,
                        as_of=as_of,
                        levels=levels or store.levels(),
                        calendar=calendar,
                        working_days=args.working_days,
                    )
            selection = _selection(args, scope, by_place=True)
            in_scope = replace(selection, file_types=(), start=None, end=None)
            if analysis is None or not file_mask(analysis.facts, in_scope).any():
                raise ValueError("the store holds no events for this report (in your scope)")
        else:
            if not args.logs:
                raise ValueError("give at least one LOG file, or --db")
            levels = levels or LevelTable.default()
            level_table = level_table or describe_level_table()
            result = read_logs(
                args.logs,
                state=args.state,
                department=args.department,
                levels=levels,
                xes_mapping=_xes_mapping(args),
            )
            report = result.report
            analysis = analyse(
                result.events,
                as_of=given_t,
                levels=levels,
                calendar=calendar,
                working_days=args.working_days,
            )
            selection = _selection(args, scope, by_place=False)
        tables = report_tables(analysis, selection)
        write_report(tables, report, args.out, as_of=analysis.as_of, level_table=level_table)
        if accounts is not None and user is not None:
            for name, table in tables.items():
                accounts.guard.record_export(user, f"report {name}.csv", len(table), "csv")
    if report is not None:
        print(report.summary_line())
    print(_as_of_line(analysis.as_of, given_t))
    print(level_table_line(level_table))
    print(f"wrote {len(tables)} tables to {args.out}")
    return 0


def _monthly(args: argparse.Namespace) -> int:
    """Write the monthly report of `--month` for the user's scope (and `--state`,
    `--department`): the export is audited before the file is written; a month without data
    writes nothing."""
    from analytics.figures import monthly
    from analytics.outputs.monthly_pdf import pdf_bytes, xlsx_bytes
    from analytics.store.store import open_store

    kind = args.format or ("xlsx" if args.out.suffix.lower() == ".xlsx" else "pdf")
    monthly.period(args.month)
    with open_store(args.db) as store:
        accounts, user, scope = _reader(store, args)
        report = monthly.from_store(
            store, args.month, scope=scope, state=args.state, department=args.department
        )
        data = pdf_bytes(report) if kind == "pdf" else xlsx_bytes(report)
        if user is not None:  # audited (and re-checked) before anything is written
            accounts.guard.record_export(user, monthly.export_name(report), report.rows(), kind)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".part")
    partial.write_bytes(data)
    partial.replace(args.out)
    print(f"wrote the {report.month.period.title} report of {report.scope_words} to {args.out}")
    return 0


def _as_of_line(per_state_t: pd.Series, given: pd.Timestamp | None) -> str:
    """The T used, in IST, for people: the one given, or each state's (latest event's)."""
    if given is not None:
        return f"as of {format_moment(given)} IST"
    if per_state_t.empty:
        return "as of: no event was accepted, so no state has a T"
    per_state = "; ".join(f"{state} {format_moment(t)}" for state, t in per_state_t.items())
    return f"as of each state's latest event (IST): {per_state}"


def _selection(args: argparse.Namespace, scope: Scope, by_place: bool) -> Filters:
    """The report's selection: the user's scope and the filters asked for, as the dashboard
    applies them (`analytics.figures.views.Filters`); `--state` / `--department` select only from the
    store (`by_place`), for LOG files they name the rows' state and department."""

    def day(text: str | None, option: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"{option}: {text!r} is not a date YYYY-MM-DD") from None

    return Filters(
        states=(args.state,) if args.state and by_place else (),
        departments=(args.department,) if args.department and by_place else (),
        file_types=(args.file_type,) if args.file_type else (),
        start=day(args.start, "--from"),
        end=day(args.end, "--to"),
        scope=scope,
    )


def _xes_mapping(args: argparse.Namespace) -> dict | None:
    return xes.load_mapping(args.xes_mapping) if args.xes_mapping else None


def _export_xes(args: argparse.Namespace) -> int:
    """`export-xes`: the stored events the user may read, as XES (audited as an export)."""
    from analytics.store.store import open_store

    name = args.out.name
    if not name.endswith((".xes", ".xes.gz")):
        raise ValueError(f"--out: {name} should end in .xes or .xes.gz")
    with open_store(args.db) as store:
        accounts, user, scope = _reader(store, args)
        events = xes.export_events(
            store,
            scope,
            states=[args.state] if args.state else None,
            departments=[args.department] if args.department else None,
        )
        if events.empty:
            raise ValueError("the store holds no events for this export (in your scope)")
        traces = xes.write_xes(events, args.out, remarks=scope.see_names)
        if user is not None:
            accounts.guard.record_export(user, f"export-xes {name}", traces, "xes")
    print(f"wrote {traces:,} traces, {len(events):,} events to {args.out}")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from analytics.store.store import open_store

    mapping = _xes_mapping(args)
    with open_store(args.db) as store:
        accounts, user = run_as(store, args.user)
        if user is not None and args.by:
            raise ValueError("--by is for a store without accounts; --user names the uploader")
        for log in args.logs:
            if user is None:
                result = store.ingest(
                    [log],
                    state=args.state,
                    department=args.department,
                    by=args.by,
                    xes_mapping=mapping,
                )
            else:  # the dashboard's Upload page does the same
                result = accounts.guard.ingest_as(
                    user,
                    [log],
                    state=args.state,
                    department=args.department,
                    xes_mapping=mapping,
                )
            print(f"{log}: {result.describe()}")
    return 0


def _alerts(args: argparse.Namespace) -> int:
    """`alerts --send [--dry-run]`, `--rules`, `--set-rule`, `--remove-rule`: as the host's
    operator or an admin once the store has accounts (a dry run prints every digest)."""
    from analytics.store.alerts import AlertBook
    from analytics.store.store import open_store

    with open_store(args.db) as store:
        accounts = Accounts(store)
        flag = next(f for f in ("send", "rules", "set_rule", "remove_rule") if getattr(args, f))
        actor, _ = command_actor(accounts, args, run_as, "alerts", "--" + flag.replace("_", "-"))
        book = AlertBook(accounts)
        if args.rules:
            for rule in book.rules():
                print(
                    f"{rule.describe()}: overdue after {fmt.indian(rule.limit_days, 1)} working "
                    f"days, escalated after {fmt.indian(rule.escalate_after_days, 1)} more"
                )
            print(
                f"every other file: {CSMOP_WORKING_DAYS} working days, escalated after "
                f"{ESCALATION_WORKING_DAYS} more (CSMOP)"
            )
            return 0
        if args.set_rule or args.remove_rule:
            if args.remove_rule:
                if not book.remove_rule(args.state, args.level, args.file_type, by=actor):
                    print("error: no such rule", file=sys.stderr)
                    return EXIT_UNUSABLE
                print("rule removed")
                return 0
            if args.limit is None:
                raise ValueError("--set-rule needs --limit (working days)")
            rule = Rule(args.state, args.level, args.file_type, args.limit, args.escalate_after)
            book.set_rule(rule, by=actor)
            print(f"rule set: {rule.describe()}")
            return 0
        result = digest.send(store, dry_run=args.dry_run, accounts_only=args.account, actor=actor)
        done = "would send" if args.dry_run else "sent"
        count = len(result.planned) if args.dry_run else len(result.sent)
        print(f"{done} {fmt.indian(count)} digest{'s' if count != 1 else ''}")
    return 0


def _reader(store: Store, args: argparse.Namespace) -> tuple[Accounts, SignedInUser | None, Scope]:
    """The reader of a command that reads the store (`--user`, see `run_as`) and the scope it
    reads: its `--state` / `--department` checked against its grants (refused and audited
    outside them); everything while the store has no account."""
    accounts, user = run_as(store, args.user)
    if user is None:
        return accounts, None, Scope.everything()
    _check_request(accounts, user, args.state, args.department)
    return accounts, user, user.scope


def run_as(store: Store, email: str | None) -> tuple[Accounts, SignedInUser | None]:
    """The store's accounts and the user a command runs as, signed in with its password.

    None (the operator, unscoped) only while the store has no account; once one exists a
    command without a user is refused. The sign-in is the dashboard's, audited with method
    `cli` and counted under its own source `cli:<os user>` (a lock-out from failures in a
    browser does not stop the command line); a refused sign-in raises `SignInRefused`.
    """
    accounts = Accounts(store)
    if not email:
        if accounts.users.exist():
            raise AuthError(
                "this store has user accounts, so this command runs as one: give --user EMAIL "
                f"(or set {USER_ENV}); the password is read from {PASSWORD_ENV} or asked for"
            )
        return accounts, None
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = getpass.getpass(f"password for {email}: ")
    return accounts, accounts.sign_in.password(email, password, method="cli", source=cli_actor())


def _check_request(
    accounts: Accounts, user: SignedInUser, state: str | None, department: str | None
) -> None:
    """Refuse (audited) a report that asks for nothing but rows outside the user's scope."""
    scope = user.scope
    asked = " / ".join(x for x in (state, department) if x)
    if not user.can_read:
        reason = "no grant to read any state"
    elif scope.unrestricted or not asked:
        return
    elif state and not scope.allows(state, department):
        reason = f"{asked} lies outside what you may read ({describe_scope(scope)})"
    elif not state and not any(scope.allows(s, department) for s in scope.visible_states() or ()):
        reason = f"department {department} lies outside what you may read ({describe_scope(scope)})"
    else:
        return
    accounts.audit.write(user.email, Action.EXPORT, "refused", "report", {"reason": reason})
    raise AuthError(f"refused: {reason}; nothing was written")


if __name__ == "__main__":
    raise SystemExit(main())
