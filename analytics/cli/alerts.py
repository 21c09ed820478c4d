"""`eoffice-analytics alerts`: send each opted-in account its overdue digest (once), or keep
the overdue rules; as the host's operator or an admin."""

from __future__ import annotations

import argparse
import sys

from analytics import fmt
from analytics.access.accounts import Accounts
from analytics.access.sign_in import command_actor
from analytics.cli.common import EXIT_UNUSABLE, STORE_HELP, run_as, user_option
from analytics.figures.overdue import Rule
from analytics.figures.registry import CSMOP_WORKING_DAYS, ESCALATION_WORKING_DAYS
from analytics.outputs import digest


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `alerts` command."""
    alerts = sub.add_parser(
        "alerts",
        help="overdue files: send each opted-in account its digest, or keep the rules",
        description="Run `alerts --send` daily (cron or a systemd timer): each account that "
        "chose daily or weekly gets one digest of the overdue files in its scope, once.",
    )
    alerts.set_defaults(run=run)
    alerts.add_argument("--db", help=STORE_HELP)
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
    user_option(alerts, "once accounts exist: sign in as this admin (or give --operator)")


def run(args: argparse.Namespace) -> int:
    """`alerts --send [--dry-run]`, `--rules`, `--set-rule`, `--remove-rule`: as the host's
    operator or an admin once the store has accounts (a dry run prints every digest)."""
    from analytics.access.alerts import AlertBook
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
