"""`eoffice-analytics export-xes`: the stored events the reader may read, as an XES 1.0 log
(one trace per file), audited as an export."""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.cli.common import STORE_HELP, reader, user_option
from analytics.outputs import xes


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `export-xes` command."""
    export = sub.add_parser(
        "export-xes", help="write the stored events as an XES 1.0 log, one trace per file"
    )
    export.set_defaults(run=run)
    export.add_argument("--out", required=True, type=Path, help="FILE.xes or FILE.xes.gz")
    export.add_argument("--db", help=STORE_HELP)
    export.add_argument("--state", help="only this state")
    export.add_argument("--department", help="only this department's files")
    user_option(export, "export as this user: only its scope, names as it may see them")


def run(args: argparse.Namespace) -> int:
    """`export-xes`: the stored events the user may read, as XES (audited as an export)."""
    from analytics.store.store import open_store

    name = args.out.name
    if not name.endswith((".xes", ".xes.gz")):
        raise ValueError(f"--out: {name} should end in .xes or .xes.gz")
    with open_store(args.db) as store:
        accounts, user, scope = reader(store, args)
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
