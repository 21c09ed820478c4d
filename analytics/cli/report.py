"""`eoffice-analytics report`: the five report tables and validation.json, from LOG files or
from the store (`--db`, inside the reader's scope)."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analytics.access.scope import Scope, load_scoped
from analytics.cli.common import reader, user_option, xes_mapping, xes_mapping_option
from analytics.figures.metrics import Analysis, analyse
from analytics.figures.views import Filters, file_mask, report_tables
from analytics.log.calendar import WorkCalendar
from analytics.log.hierarchy import LevelTable
from analytics.log.reading import ValidationReport, parse_moment, read_logs
from analytics.outputs.report import (
    describe_level_table,
    format_moment,
    level_table_line,
    write_report,
)

if TYPE_CHECKING:
    from analytics.store.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `report` command."""
    report = sub.add_parser("report", help="write the five report tables and validation.json")
    report.set_defaults(run=run)
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
    user_option(report, "with --db: read as this user, inside the user's scope")
    xes_mapping_option(report)


def run(args: argparse.Namespace) -> int:
    """Write the tables; print the validation summary, T and the level table used."""
    given_t = parse_moment(args.as_of) if args.as_of is not None else None
    calendar = (
        WorkCalendar.from_file(args.holidays, args.weekmask)
        if args.holidays
        else WorkCalendar(weekmask=args.weekmask)
    )
    levels = LevelTable.from_file(args.levels) if args.levels else None
    level_table = describe_level_table(file=args.levels) if args.levels else None
    report: ValidationReport | None = None
    with ExitStack() as opened:
        if args.db:
            if args.logs:
                raise ValueError("give LOG files or --db, not both")
            from analytics.store.store import open_store

            store = opened.enter_context(open_store(args.db))
            accounts, user, scope = reader(store, args)
            if levels is None:
                level_table = describe_level_table(store.levels.version_info())
            analysis = _from_store(store, args, scope, given_t, levels, calendar)
            selection = _selection(args, scope, by_place=True)
            in_scope = replace(selection, file_types=(), start=None, end=None)
            if analysis is None or not file_mask(analysis.facts, in_scope).any():
                raise ValueError("the store holds no events for this report (in your scope)")
        else:
            if not args.logs:
                raise ValueError("give at least one LOG file, or --db")
            accounts, user = None, None
            levels = levels or LevelTable.default()
            level_table = level_table or describe_level_table()
            report, analysis = _from_logs(args, given_t, levels, calendar)
            selection = _selection(args, Scope.everything(), by_place=False)
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


def _from_store(
    store: Store,
    args: argparse.Namespace,
    scope: Scope,
    given_t: pd.Timestamp | None,
    levels: LevelTable | None,
    calendar: WorkCalendar,
) -> Analysis | None:
    """The analysis of the stored events the reader may read (None when there are none).

    The scope is applied where the data is read; T is each WHOLE state's (metrics.md) whatever
    part of it the user may read. Figures use the stored IDs: the tables name no person, so
    they are the same for every reader. Without `--as-of` and `--levels` the snapshots the
    upload derived are read, not the events."""
    states = [args.state] if args.state else scope.visible_states()
    if given_t is None and levels is None:
        return store.load_report_analysis(
            states=None if states is None else sorted(states),
            calendar=calendar,
            working_days=args.working_days,
        )
    events = load_scoped(
        store,
        scope,
        "events",
        states=[args.state] if args.state else None,
        departments=[args.department] if args.department else None,
        protect=False,
    )
    if events.empty:
        return None
    as_of = given_t
    if as_of is None:
        as_of = store.latest_by_state(sorted(set(events["state"].astype(str))))
    return analyse(
        events,
        as_of=as_of,
        levels=levels or store.levels.current(),
        calendar=calendar,
        working_days=args.working_days,
    )


def _from_logs(
    args: argparse.Namespace,
    given_t: pd.Timestamp | None,
    levels: LevelTable,
    calendar: WorkCalendar,
) -> tuple[ValidationReport, Analysis]:
    """The LOG files read and analysed, with their validation report."""
    result = read_logs(
        args.logs,
        state=args.state,
        department=args.department,
        levels=levels,
        xes_mapping=xes_mapping(args),
    )
    analysis = analyse(
        result.events,
        as_of=given_t,
        levels=levels,
        calendar=calendar,
        working_days=args.working_days,
    )
    return result.report, analysis


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
