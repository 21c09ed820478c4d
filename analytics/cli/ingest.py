"""`eoffice-analytics ingest`: load extracts into the store, one transaction each, as the
signed-in nodal officer (rows outside its scope refused, as on the Upload page)."""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.cli.common import STORE_HELP, run_as, user_option, xes_mapping, xes_mapping_option


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `ingest` command."""
    ingest = sub.add_parser("ingest", help="load extracts into the store (one transaction each)")
    ingest.set_defaults(run=run)
    ingest.add_argument("logs", nargs="+", type=Path, metavar="LOG")
    ingest.add_argument("--db", help=STORE_HELP)
    ingest.add_argument("--state")
    ingest.add_argument("--department")
    ingest.add_argument(
        "--by", help="who uploads (recorded with the upload; only while the store has no account)"
    )
    user_option(ingest, "upload as this user (a nodal officer): rows outside its scope refused")
    xes_mapping_option(ingest)


def run(args: argparse.Namespace) -> int:
    from analytics.store.store import open_store

    mapping = xes_mapping(args)
    with open_store(args.db) as store:
        accounts, user = run_as(store, args.user)
        if user is not None and args.by:
            raise ValueError("--by is for a store without accounts; --user names the uploader")
        for log in args.logs:
            if user is None:
                result = store.uploads.ingest(
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
