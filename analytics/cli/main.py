"""`eoffice-analytics`: report tables from extracts or from the store, and uploads into it.

Each command is a module of this package with `register(subparsers)` (its options, and its
`run` as the parser's default) and `run(args) -> int`. `ingest` and `report --db` run as a
signed-in user (`--user EMAIL` or `EOFFICE_USER`; the password from `EOFFICE_PASSWORD`, else
asked for) and go through that user's scope, the same way the dashboard does
(docs/access.md). Only while the store has no account at all (first setup, the demo) do they
run without `--user`, unscoped. `report` on LOG files needs no user.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import partial

from analytics.access.users import AuthError
from analytics.cli import alerts, export_xes, ingest, levels, monthly, report, users
from analytics.cli.common import EXIT_REFUSED, EXIT_UNUSABLE, run_as, user_option
from analytics.log.formats import UnusableInputError
from analytics.log.hierarchy import LevelTableError
from analytics.outputs.digest import AlertError

__all__ = ["EXIT_REFUSED", "EXIT_UNUSABLE", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eoffice-analytics", description="e-Office file-movement analytics"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (report, monthly, ingest, export_xes):
        command.register(sub)
    users.register(sub, user_option)  # `users ...`: accounts and grants
    sub.choices["users"].set_defaults(run=partial(users.users_command, sign_in=run_as))
    levels.register(sub)
    alerts.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except UnusableInputError as exc:
        print(f"error: {exc.file}: {exc.reason}", file=sys.stderr)
        return EXIT_UNUSABLE
    except AuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except (AlertError, LevelTableError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    raise SystemExit(main())
