"""The dashboard's pages and how the app runs them (used by app.py, and by a page opened
before app.py ever ran in the process: see `components.ensure_navigation`)."""

from __future__ import annotations

import uuid
from pathlib import Path

import streamlit as st
from streamlit.logger import get_logger

from analytics.access.users import SignedInUser
from dashboard import auth, components, i18n
from dashboard.i18n import _

PAGE_ICON = Path(__file__).resolve().parent / "assets" / "icon.png"
"""The browser tab's icon, served by the app itself (a `:material/...:` or emoji icon makes
the browser fetch it from Google's or a CDN's servers, which fails on an offline network)."""
FILTERED_PAGES = ("", "states", "officers", "hierarchy", "flow", "pendency", "process", "overdue")
"""URL paths of the pages the sidebar filters apply to ("" is the Overview, the default)."""

LOG = get_logger("eoffice.dashboard")
SAFE_OPTIONS = {"client.showErrorDetails": "none", "client.disableDataExport": True}
"""Options the app must run with wherever it is started from (.streamlit/config.toml sets
them too): no traceback or exception text in the browser, and no CSV download or clipboard
copy of tables by Streamlit itself (that bypasses formula neutralising and the audit log)."""
FAILED = i18n.N_(
    "Something went wrong while showing this page, so it stopped here. The error was logged "
    "with reference {ref}: try again, or give the reference to your administrator."
)


def pages(user: SignedInUser | None) -> dict[str, list]:
    """The navigation: analytics pages for everyone, the upload page for nodal officers, and
    Administration, shown to admins only (the page checks the role on every run)."""
    found = {
        _("Analytics"): [
            st.Page(
                "pages/overview.py", title=_("Overview"), icon=":material/dashboard:", default=True
            ),
            st.Page("pages/states.py", title=_("States"), icon=":material/map:"),
            st.Page("pages/officers.py", title=_("Officers"), icon=":material/badge:"),
            st.Page("pages/hierarchy.py", title=_("Hierarchy"), icon=":material/stairs:"),
            st.Page("pages/flow.py", title=_("Flow"), icon=":material/swap_vert:"),
            st.Page("pages/pendency.py", title=_("Pendency"), icon=":material/hourglass_top:"),
            st.Page("pages/process.py", title=_("Process"), icon=":material/account_tree:"),
            st.Page("pages/overdue.py", title=_("Overdue"), icon=":material/alarm:"),
            st.Page("pages/journey.py", title=_("File journey"), icon=":material/route:"),
        ],
        _("Account"): [
            st.Page("pages/alert_settings.py", title=_("Alert settings"), icon=":material/mail:"),
        ],
        _("Nodal officers"): [
            st.Page("pages/upload.py", title=_("Upload"), icon=":material/upload_file:"),
        ],
    }
    # Always routable, so an admin's deep link to /admin works even before the sign-in
    # resolved, and a non-admin's visit is refused and audited by the page itself; listed
    # in the navigation for admins only.
    found[_("Administration")] = [
        st.Page(
            "pages/admin.py",
            title=_("Administration"),
            icon=":material/manage_accounts:",
            visibility="visible" if user is not None and user.is_admin else "hidden",
        ),
    ]
    return found


def run() -> None:
    """Configure the page, require sign-in (or the demo), and run the page the URL names.

    Any error of a page ends in a short message with a reference (and the log has the
    traceback under it): a reader never sees a traceback, server path or exception text.
    """
    _lock_down()
    try:
        _run()
    except Exception:  # st.stop / st.rerun are not Exceptions: they pass through
        ref = uuid.uuid4().hex[:8]
        LOG.exception("page failed, reference %s", ref)
        st.error(_(FAILED).format(ref=ref), icon=":material/error:")


def _lock_down() -> None:
    """Make sure of `SAFE_OPTIONS`; when one had to be set, run again so the browser gets it
    (Streamlit sends these options at the start of each run)."""
    changed = False
    for option, value in SAFE_OPTIONS.items():
        if st.get_option(option) != value:
            st.set_option(option, value)
            changed = True
    if changed:
        st.rerun()


def _run() -> None:
    user = auth.current_user()
    if user is not None:
        i18n.restore(user.email)
    i18n.language_switch()
    st.set_page_config(
        page_title=_("e-Office file movement analytics"),
        page_icon=PAGE_ICON,
        layout="wide",
    )
    if user is None:
        # Resolve the page the URL names (navigation hidden) before the sign-in form, so the
        # rerun after signing in runs that page, not the default one.
        st.navigation(pages(None), position="hidden")
        user = auth.require_sign_in()  # the sign-in page; stops the run until signed in
    auth.show_account(user)

    page = st.navigation(pages(user))
    components.sidebar_filters(user.scope, applies=page.url_path in FILTERED_PAGES)
    components.glossary()
    page.run()
