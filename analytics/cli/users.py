"""`eoffice-analytics users ...`: accounts and their scoped grants on the command line.

Once the store has accounts the command needs an admin's sign-in (`--user`) or the host
operator's `--operator` (`analytics.access.sign_in.command_actor`); every change is made
through `Accounts`, which audits it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from analytics.access.accounts import Accounts
from analytics.access.audit import Action
from analytics.access.models import ROLES
from analytics.access.sign_in import CommandSignIn, command_actor
from analytics.access.users import AuthError, normalise_email
from analytics.cli.common import STORE_HELP

NAMES_DONE = {"allow": "names allowed", "deny": "names denied"}
"""What `users names allow|deny` prints once done."""


def register(
    subparsers: Any, user_option: Callable[[argparse.ArgumentParser, str], None] | None = None
) -> None:
    """Add the `users` command (add, grant, revoke, list, ...) to the CLI's subparsers;
    `user_option` adds the command line's `--user` option (analytics/cli/main.py)."""
    users = subparsers.add_parser("users", help="manage accounts and their scoped grants")
    users.add_argument("--db", help=STORE_HELP)
    if user_option is not None:
        user_option(users, "once accounts exist: sign in as this admin to run the command")
    users.add_argument(
        "--operator",
        action="store_true",
        help="run as the host's operator, without an account (for whoever can open the store: "
        "write access to the SQLite file, or the database's credentials); audited as operator",
    )
    sub = users.add_subparsers(dest="users_command", required=True)

    def scoped(p: argparse.ArgumentParser, role_required: bool = True) -> None:
        p.add_argument("email")
        p.add_argument("--role", choices=ROLES, required=role_required)
        p.add_argument("--state", help="state of the grant (viewer, nodal_officer)")
        p.add_argument("--department", help="department within --state (default: all)")

    add = sub.add_parser("add", help="create a user (the first admin too)")
    scoped(add)
    add.add_argument("--name", help="display name")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read a local password from standard input (else SSO sign-in only)",
    )
    add.add_argument("--see-names", action="store_true", help="may see officer names and user IDs")
    scoped(sub.add_parser("grant", help="give a user a role over a state/department"))
    scoped(sub.add_parser("revoke", help="remove one of a user's grants"))
    sub.add_parser("list", help="every user with grants and status")
    passwd = sub.add_parser("passwd", help="set a local password (read from standard input)")
    passwd.add_argument("email")
    passwd.add_argument("--remove", action="store_true", help="remove it (SSO only)")
    names = sub.add_parser("names", help="allow or deny officer names and user IDs")
    names.add_argument("email")
    names.add_argument("setting", choices=tuple(NAMES_DONE))
    unlock = sub.add_parser("unlock", help="end a lock-out")
    unlock.add_argument("email")
    for verb in ("disable", "enable"):
        sub.add_parser(verb, help=f"{verb} a user").add_argument("email")
    alerts = sub.add_parser("alerts", help="the account's overdue digest: daily, weekly or off")
    alerts.add_argument("email")
    alerts.add_argument("setting", choices=("daily", "weekly", "off"))
    audit = sub.add_parser("audit", help="show the newest audit rows")
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--action")


def users_command(args: argparse.Namespace, sign_in: CommandSignIn | None = None) -> int:
    """Run `eoffice-analytics users ...`; returns the exit status. Once the store has
    accounts the command needs an admin's sign-in (`sign_in`) or `--operator`
    (`command_actor`); a refusal raises `CommandRefused`."""
    from analytics.store.store import open_store

    store = open_store(args.db)
    accounts = Accounts(store)
    try:
        by, _ = command_actor(accounts, args, sign_in, "users", args.users_command)
    except AuthError:
        store.close()
        raise
    try:
        return _run(accounts, args, by)
    except AuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _run(accounts: Accounts, args: argparse.Namespace, by: str) -> int:
    """One `users` subcommand run by `by`; prints what was done."""
    cmd, users = args.users_command, accounts.users
    scoped = cmd in ("add", "grant", "revoke")
    where = {"state": args.state, "department": args.department} if scoped else {}
    if cmd == "add":
        password = _read_password() if args.password_stdin else None
        users.add(
            args.email,
            args.role,
            **where,
            password=password,
            name=args.name,
            see_names=args.see_names,
            by=by,
        )
        how = "password and SSO" if password else "SSO only"
        print(f"added {normalise_email(args.email)} ({args.role}; sign-in: {how})")
    elif cmd == "grant":
        done = users.grant(args.email, args.role, **where, by=by)
        print(Action.GRANT.done if done else "already granted")
    elif cmd == "revoke":
        if not users.revoke(args.email, args.role, **where, by=by):
            print("no such grant", file=sys.stderr)
            return 1
        print(Action.REVOKE.done)
    elif cmd == "list":
        frame = users.table()
        if frame.empty:
            print("no users yet: add the first admin with `users add EMAIL --role admin`")
        else:
            print(frame.to_string(index=False))
    elif cmd == "passwd":
        users.set_password(args.email, None if args.remove else _read_password(), by=by)
        print((Action.PASSWORD_REMOVED if args.remove else Action.PASSWORD_SET).done)
    elif cmd == "names":
        users.set_see_names(args.email, args.setting == "allow", by=by)
        print(NAMES_DONE[args.setting])
    elif cmd == "unlock":
        users.unlock(args.email, by=by)
        print(Action.UNLOCK.done)
    elif cmd in ("disable", "enable"):
        users.set_active(args.email, cmd == "enable", by=by)
        print((Action.USER_ENABLE if cmd == "enable" else Action.USER_DISABLE).done)
    elif cmd == "alerts":
        from analytics.access.alerts import AlertBook  # (it imports the accounts)

        AlertBook(accounts).set_frequency(args.email, args.setting, by=by)
        print(f"overdue digest for {normalise_email(args.email)}: {args.setting}")
    elif cmd == "audit":
        print(accounts.audit.read(limit=args.limit, action=args.action).to_string(index=False))
    return 0


def _read_password() -> str:
    """One line from standard input (no echo when it is a terminal)."""
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise AuthError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")
