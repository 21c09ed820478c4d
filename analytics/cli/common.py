"""What every command shares: exit statuses, the `--user` and `--xes-mapping` options, and
signing in as the user a command runs as (`run_as`, `reader`)."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.access.accounts import Accounts
from analytics.access.audit import Action
from analytics.access.scope import Scope, describe_scope
from analytics.access.sign_in import cli_actor
from analytics.access.users import AuthError, SignedInUser
from analytics.log import xes

if TYPE_CHECKING:
    from analytics.store.store import Store

EXIT_UNUSABLE = 1
EXIT_REFUSED = 3
"""Exit status when sign-in or the user's scope refuses the command."""
USER_ENV = "EOFFICE_USER"
PASSWORD_ENV = "EOFFICE_PASSWORD"
STORE_HELP = "store URL (default: EOFFICE_DB_URL or the embedded SQLite)"


def user_option(parser: argparse.ArgumentParser, text: str) -> None:
    """Add `--user EMAIL` (default `EOFFICE_USER`) with `text` saying what it is for."""
    parser.add_argument(
        "--user",
        metavar="EMAIL",
        default=os.environ.get(USER_ENV) or None,
        help=f"{text} (default: {USER_ENV}; password from {PASSWORD_ENV}, else asked for)",
    )


def xes_mapping_option(parser: argparse.ArgumentParser) -> None:
    """Add `--xes-mapping FILE`, for commands that read `.xes` logs."""
    parser.add_argument(
        "--xes-mapping",
        type=Path,
        metavar="FILE",
        help="for .xes / .xes.gz logs: YAML or JSON naming the XES keys of columns "
        "(e.g. 'to_user: org:resource'); see README",
    )


def xes_mapping(args: argparse.Namespace) -> dict | None:
    """The `--xes-mapping` file, read (None when not given)."""
    return xes.load_mapping(args.xes_mapping) if args.xes_mapping else None


def reader(store: Store, args: argparse.Namespace) -> tuple[Accounts, SignedInUser | None, Scope]:
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
