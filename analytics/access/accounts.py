"""Accounts: the access-control parts on one store's database (docs/access.md).

`Accounts(store)` builds them on the store's own database (tables of
`analytics.access.models`) and holds them together:

- `accounts.users` (`analytics.access.users.Users`): accounts and their scoped grants, and
  the `SignedInUser` an active account resolves to (its read `Scope` and upload scope,
  resolved from its grants on every request: a revoked grant takes effect at once);
- `accounts.sign_in` (`analytics.access.sign_in.SignIn`): single sign-on (the identity's
  e-mail, vouched for by the provider, must belong to an active user), a local password
  (argon2id; failures counted per e-mail and source, `analytics.access.throttle`), the
  read-only demo, sign-out;
- `accounts.sessions` (`analytics.access.sessions.WebSessions`): a dashboard sign-in kept
  across reloads by a cookie;
- `accounts.guard` (`analytics.access.authorise.Guard`): uploads refused for rows outside a
  nodal officer's states/departments, exports re-checked at the moment they are made;
- `accounts.audit` (`analytics.access.audit.AuditLog`): every sign-in, failed sign-in,
  lock-out, upload, user or grant change and export, in UTC;
- `accounts.pseudonym_key()` (`analytics.access.pseudonyms.PseudonymKey`): the deployment's
  key for officers' pseudonyms.

There is no default account and no default password: the first admin is made with
`eoffice-analytics users add EMAIL --role admin --password-stdin` (or without a password, to
sign in only by SSO; analytics/cli/users.py). After that, `users` commands need an admin's
sign-in or the host operator's `--operator`.
"""

from __future__ import annotations

from analytics.access.audit import AuditLog
from analytics.access.authorise import Guard
from analytics.access.pseudonyms import PseudonymKey
from analytics.access.sessions import WebSessions
from analytics.access.sign_in import SignIn
from analytics.access.users import Users
from analytics.store.store import Store


class Accounts:
    """The access-control parts on the store's database, sharing its engine and audit log."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine
        self.audit = AuditLog(self.engine)
        self.pseudonym_key = PseudonymKey(self.engine)
        self.users = Users(self.engine, self.audit, self.pseudonym_key)
        self.sessions = WebSessions(self.engine, self.users)
        self.sign_in = SignIn(self.users, self.audit, self.sessions)
        self.guard = Guard(store, self.users, self.audit)
