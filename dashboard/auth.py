"""Sign-in for the dashboard: SSO (`st.login`), local accounts, and the read-only demo.

The app calls `require_sign_in()` once at the top of every run (before `st.navigation`): it
returns the `SignedInUser` or shows the sign-in page and stops the run. The user's read scope
is put in `st.session_state["eoffice_scope"]` (what `dashboard.components.current_scope`
reads) and the user in `st.session_state["eoffice_user"]`; both are re-resolved from the store
on every run, so a revoked grant or a disabled account takes effect at the next click.

- **SSO**: when `.streamlit/secrets.toml` has an `[auth]` section (OpenID Connect, see
  docs/access.md), a "Sign in with single sign-on" button calls `st.login()`. The identity's
  e-mail must belong to an active user in the store; anyone else is refused (and audited).
- **Local accounts**: an e-mail and password form (argon2 hashes, lock-out; `analytics.access.sign_in`).
- **Demo**: with `EOFFICE_DEMO=1` (the README's first command on the embedded sample store)
  and no account in the store, everyone reads everything, read-only, under a "Demo mode"
  banner. Once any account exists the demo is off and sign-in is required.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st
from streamlit.errors import StreamlitAPIException

from analytics.access.accounts import Accounts
from analytics.access.audit import Action
from analytics.access.scope import Scope
from analytics.access.sign_in import SignInRefused, demo_enabled
from analytics.access.users import SignedInUser
from analytics.store.engine import default_url
from dashboard import data, sessions
from dashboard import format as fmt
from dashboard.i18n import N_, _

USER_KEY = "eoffice_user"
SCOPE_KEY = "eoffice_scope"
_SIGNED_KEY = "eoffice_signed_in"  # (email, method) of the session's sign-in
_ERROR_KEY = "eoffice_auth_error"
_SSO_SEEN_KEY = "eoffice_sso_seen"  # the SSO e-mail already handled (audited once a session)
_KEPT_KEY = "eoffice_kept_session"  # id of the kept session (sessions.py) this tab runs under


@st.cache_resource(show_spinner=False)
def _accounts(url: str) -> Accounts:
    return Accounts(data.store(url))  # the pages' store: one per process


def accounts() -> Accounts:
    """Accounts on the store named by `EOFFICE_DB_URL` (default: the embedded SQLite)."""
    return _accounts(default_url())


def sso_providers() -> list[str | None]:
    """The `st.login` providers configured in secrets.toml (None = the unnamed `[auth]`)."""
    try:
        auth = st.secrets.get("auth")
    except (FileNotFoundError, StreamlitAPIException):  # no secrets.toml at all
        return []
    if not auth:
        return []
    auth = dict(auth)
    found: list[str | None] = [None] if "client_id" in auth else []
    found += sorted(
        name for name, value in auth.items() if hasattr(value, "get") and value.get("client_id")
    )
    return found


def _sso_identity() -> dict[str, Any] | None:
    """The signed-in SSO identity's claims, or None."""
    if st.user.get("is_logged_in") is not True:
        return None
    return {k: st.user.get(k) for k in ("email", "name", "email_verified")}


def _remember(user: SignedInUser) -> SignedInUser:
    st.session_state[_SIGNED_KEY] = (user.email, user.method)
    st.session_state[USER_KEY] = user
    st.session_state[SCOPE_KEY] = user.scope
    return user


def _forget() -> None:
    for key in (_SIGNED_KEY, USER_KEY, SCOPE_KEY, _KEPT_KEY):
        st.session_state.pop(key, None)
    st.session_state[SCOPE_KEY] = Scope.nothing()


def current_user() -> SignedInUser | None:
    """The signed-in user of this session (re-resolved from the store), else None."""
    acc = accounts()
    if demo_enabled():
        try:
            return _remember(acc.sign_in.demo())
        except SignInRefused as exc:
            st.session_state[_ERROR_KEY] = str(exc)
    signed = st.session_state.get(_SIGNED_KEY)
    identity = _sso_identity()
    if signed is not None:
        email, method = signed
        if method == "demo":
            _forget()
            return None
        if method == "sso" and (identity is None or (identity.get("email") or "").lower() != email):
            _forget()  # signed out of the identity provider meanwhile
            return None
        kept_id = st.session_state.get(_KEPT_KEY)
        if kept_id is not None and not acc.sessions.live(kept_id):
            _forget()  # signed out in another tab, or the kept session expired
            st.session_state[_ERROR_KEY] = N_("you have been signed out")
            return None
        user = acc.users.get(email, method)
        if user is None:
            _forget()
            st.session_state[_ERROR_KEY] = N_("your account is no longer active")
            return None
        return _remember(user)
    kept = _resume_kept_session(acc)
    if kept is not None:
        return kept
    if identity is not None and sso_providers():
        email = identity.get("email")
        if st.session_state.get(_SSO_SEEN_KEY) == email:
            return None  # refused already this session; not audited on every rerun
        st.session_state[_SSO_SEEN_KEY] = email
        try:
            verified = identity.get("email_verified")  # only a JSON true vouches
            user = acc.sign_in.sso(
                email, identity.get("name"), verified=None if verified is None else verified is True
            )
        except SignInRefused as exc:
            st.session_state[_ERROR_KEY] = str(exc)
            return None
        return _remember(user)
    return None


def _source() -> str:
    """Where a sign-in comes from, for the per-source throttle: the browser's address as
    Streamlit sees it (`local` for this machine; behind a reverse proxy, the proxy's)."""
    address = st.context.ip_address
    return f"web:{address if isinstance(address, str) and address else 'local'}"


def _resume_kept_session(acc: Accounts) -> SignedInUser | None:
    """The user of this browser's kept sign-in cookie (a reload, a new tab), re-resolved from
    the store; audited once per Streamlit session as a `sign_in` with method `session`."""
    token = st.context.cookies.get(sessions.COOKIE) if sessions.routes_served() else None
    if not token:
        return None
    found = acc.sessions.resume(token)
    if found is None:
        return None
    session_id, user = found
    acc.audit.write(user.email, Action.SIGN_IN, "ok", user.email, {"method": "session"})
    st.session_state[_KEPT_KEY] = session_id
    return _remember(user)


def _keep(user: SignedInUser) -> None:
    """Keep a password sign-in across reloads and tabs: hand the browser a one-time code
    for the cookie route (dashboard/sessions.py), which sets the cookie and returns here."""
    if not sessions.routes_served():
        st.rerun()
    session_id, code = accounts().sessions.start(user)
    st.session_state[_KEPT_KEY] = session_id
    query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
    # st.context.url is the page's address without its query; on the default page it has no
    # path at all (only scheme, host and port), which must still come back as "/", not "".
    back = (urlsplit(st.context.url or "").path or "/") + (f"?{query}" if query else "")
    _redirect(f"{sessions.SESSION_ROUTE}?{urlencode({'code': code, 'next': back})}")


def _redirect(url: str) -> None:
    """Send the browser to `url` on this server (what `st.login` does to reach its route)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    context = get_script_run_ctx()
    if context is None:
        return
    message = ForwardMsg()
    message.auth_redirect.url = url
    context.enqueue(message)
    st.stop()


def require_sign_in() -> SignedInUser:
    """The signed-in user; otherwise show the sign-in page and stop this run."""
    user = current_user()
    if user is not None:
        return user
    st.session_state[SCOPE_KEY] = Scope.nothing()
    _sign_in_page()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def _sign_in_page() -> None:
    st.title(_("Sign in"))
    st.caption(
        _("e-Office file movement analytics: you see the states and departments granted to you.")
    )
    error = st.session_state.pop(_ERROR_KEY, None)
    if error:
        st.error(_(error))

    providers = sso_providers()
    identity = _sso_identity()
    for provider in providers:
        label = _("Sign in with single sign-on") + (f" ({provider})" if provider else "")
        if st.button(label, key=f"eoffice_sso_{provider or 'default'}", type="primary"):
            st.session_state.pop(_SSO_SEEN_KEY, None)
            if provider:
                st.login(provider)
            else:
                st.login()
    if (
        identity is not None
        and providers
        and st.button(_("Sign out of single sign-on"), key="eoffice_sso_logout")
    ):
        st.session_state.pop(_SSO_SEEN_KEY, None)
        st.logout()
    if providers:
        st.divider()
        st.caption(_("Or with a local account:"))
    with st.form("eoffice_sign_in"):
        email = st.text_input(_("E-mail"), key="eoffice_sign_in_email")
        password = st.text_input(_("Password"), type="password", key="eoffice_sign_in_password")
        submitted = st.form_submit_button(_("Sign in"), type="primary")
    if submitted:
        try:
            user = accounts().sign_in.password(email or "", password or "", source=_source())
        except SignInRefused as exc:
            st.error(str(exc))
        else:
            _remember(user)
            _keep(user)
    if not accounts().users.exist():
        st.info(
            _(
                "No account exists yet. An administrator creates the first one on the server: "
                "`eoffice-analytics users add you@example.gov.in --role admin --password-stdin`."
            )
        )


def sign_out(user: SignedInUser) -> None:
    """End the session's sign-in (and the SSO cookie for SSO users, the kept session's
    cookie for local accounts)."""
    accounts().sign_in.sign_out(user, st.session_state.get(_KEPT_KEY))
    _forget()
    st.session_state.pop(_SSO_SEEN_KEY, None)
    if user.method == "sso":
        st.logout()
    elif sessions.routes_served():
        _redirect(sessions.SIGN_OUT_ROUTE)
    else:
        st.rerun()


def show_account(user: SignedInUser) -> None:
    """The sidebar's account box: who is signed in, the demo banner, and Sign out."""
    with st.sidebar:
        if user.is_demo:
            st.warning(
                _(
                    "**Demo mode**: a read-only view of the sample data. Sign-in is off until an "
                    "account is created; nothing can be uploaded or changed."
                ),
                icon=":material/visibility:",
            )
            return
        roles = ", ".join(sorted(user.roles)) or _("no role yet")
        # st.text: the name and e-mail come from the store or the identity provider, so they
        # are shown as text, never as Markdown (no link, image or emphasis can form).
        st.text(_("Signed in as {user} · {roles}").format(user=fmt.shown(user.label), roles=roles))
        if not user.can_read:
            st.warning(_("You have no grant to read any state yet; ask an administrator."))
        if st.button(_("Sign out"), key="eoffice_sign_out", icon=":material/logout:"):
            sign_out(user)


def signed_in_user() -> SignedInUser | None:
    """The user `require_sign_in` resolved in this session (for pages), else None."""
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, SignedInUser) else None
