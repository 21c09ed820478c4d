"""`eoffice-analytics monthly`: the monthly report of a state, or the national edition, as PDF
or Excel, for the reader's scope."""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.cli.common import STORE_HELP, reader, user_option
from analytics.i18n import LANGUAGES
from analytics.outputs.monthly_pdf import FORMATS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `monthly` command."""
    monthly = sub.add_parser(
        "monthly", help="the monthly report (PDF or Excel) of a state, or the national edition"
    )
    monthly.set_defaults(run=run)
    monthly.add_argument("--month", required=True, help="the month, YYYY-MM (e.g. 2024-09)")
    monthly.add_argument("--state", help="only this state (without it: the national edition)")
    monthly.add_argument("--department", help="only this department's files")
    monthly.add_argument("--db", help=STORE_HELP)
    monthly.add_argument(
        "--format", choices=FORMATS, help="pdf or xlsx (default: the --out file's suffix, else pdf)"
    )
    monthly.add_argument("--out", required=True, type=Path, help="the file to write")
    monthly.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        help="the report's language, en or hi (default: the --user's language as last chosen "
        "on the dashboard, else en)",
    )
    user_option(monthly, "read as this user, inside the user's scope")


def run(args: argparse.Namespace) -> int:
    """Write the monthly report of `--month` for the user's scope (and `--state`,
    `--department`) in the reader's language (`--lang`, else the user's remembered one, else
    English): the export is audited before the file is written; a month without data writes
    nothing."""
    from analytics.figures import monthly
    from analytics.outputs.monthly_pdf import pdf_bytes, xlsx_bytes
    from analytics.store.store import open_store

    kind = args.format or ("xlsx" if args.out.suffix.lower() == ".xlsx" else "pdf")
    monthly.period(args.month)
    with open_store(args.db) as store:
        accounts, user, scope = reader(store, args)
        report = monthly.from_store(
            store, args.month, scope=scope, state=args.state, department=args.department
        )
        lang = args.lang or (user and accounts.users.language_of(user.email)) or "en"
        data = pdf_bytes(report, lang=lang) if kind == "pdf" else xlsx_bytes(report, lang=lang)
        if user is not None:  # audited (and re-checked) before anything is written
            accounts.guard.record_export(user, monthly.export_name(report), report.rows(), kind)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(args.out.name + ".part")
    partial.write_bytes(data)
    partial.replace(args.out)
    print(f"wrote the {report.month.period.title} report of {report.scope_words} to {args.out}")
    return 0
