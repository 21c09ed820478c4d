"""`eoffice-analytics`: report tables from extracts or from the store, and uploads into it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from analytics.auth import register_cli as register_users_cli
from analytics.auth import users_command
from analytics.calendar import WorkCalendar
from analytics.hierarchy import LevelTable, LevelTableError
from analytics.metrics import compute_report
from analytics.reading import UnusableInputError, read_logs
from analytics.report import write_report

EXIT_UNUSABLE = 1


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
        "--as-of", help="T as 'YYYY-MM-DD HH:MM:SS' (IST unless an offset is given)"
    )
    report.add_argument("--levels", type=Path, help="replacement level table (CSV or YAML)")
    report.add_argument("--state", help="state of every row, when the extract has no such column")
    report.add_argument("--department", help="department of every row, likewise")
    report.add_argument(
        "--working-days", action="store_true", help="turnaround and pendency age in working days"
    )
    report.add_argument("--holidays", type=Path, help="CSV state,date of holidays")
    report.add_argument(
        "--weekmask", default="1111100", help="working days Mon..Sun (default 1111100)"
    )

    ingest = sub.add_parser("ingest", help="load extracts into the store (one transaction each)")
    ingest.add_argument("logs", nargs="+", type=Path, metavar="LOG")
    ingest.add_argument("--db", help="store URL (default: EOFFICE_DB_URL or the embedded SQLite)")
    ingest.add_argument("--state")
    ingest.add_argument("--department")
    ingest.add_argument("--by", help="who uploads (recorded with the upload)")
    register_users_cli(sub)  # `users ...`: accounts and grants (analytics/auth.py)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "report":
            return _report(args)
        if args.command == "users":
            return users_command(args)
        return _ingest(args)
    except UnusableInputError as exc:
        print(f"error: {exc.file}: {exc.reason}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (LevelTableError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE


def _report(args: argparse.Namespace) -> int:
    calendar = (
        WorkCalendar.from_file(args.holidays, args.weekmask)
        if args.holidays
        else WorkCalendar(weekmask=args.weekmask)
    )
    levels = LevelTable.from_file(args.levels) if args.levels else None
    if args.db:
        if args.logs:
            raise ValueError("give LOG files or --db, not both")
        from analytics.store import open_store

        with open_store(args.db) as store:
            levels = levels or store.levels()
            events = store.load_events(
                states=[args.state] if args.state else None,
                departments=[args.department] if args.department else None,
            )
        report = None
    else:
        if not args.logs:
            raise ValueError("give at least one LOG file, or --db")
        levels = levels or LevelTable.default()
        result = read_logs(args.logs, state=args.state, department=args.department, levels=levels)
        events, report = result.events, result.report
    tables = compute_report(
        events, as_of=args.as_of, levels=levels, calendar=calendar, working_days=args.working_days
    )
    write_report(tables, report, args.out)
    if report is not None:
        print(report.summary_line())
    print(f"wrote {len(tables)} tables to {args.out}")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from analytics.store import open_store

    with open_store(args.db) as store:
        for log in args.logs:
            result = store.ingest([log], state=args.state, department=args.department, by=args.by)
            print(f"{log}: {result.describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
