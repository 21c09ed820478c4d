"""The dashboard's pages and how the app runs them (used by app.py, and by a page opened
before app.py ever ran in the process: see `components.ensure_navigation`)."""

from __future__ import annotations

import streamlit as st

from analytics.auth import SignedInUser
from dashboard import auth


def pages(user: SignedInUser | None) -> dict[str, list]:
    """The navigation: analytics pages for everyone, the upload page for nodal officers, and
    Administration for admins only (the page checks the role again on every run)."""
    found = {
        "Analytics": [
            st.Page(
                "pages/overview.py", title="Overview", icon=":material/dashboard:", default=True
            ),
            st.Page("pages/states.py", title="States", icon=":material/map:"),
            st.Page("pages/hierarchy.py", title="Hierarchy", icon=":material/stairs:"),
            st.Page("pages/flow.py", title="Flow", icon=":material/swap_vert:"),
            st.Page("pages/pendency.py", title="Pendency", icon=":material/hourglass_top:"),
            st.Page("pages/journey.py", title="File journey", icon=":material/route:"),
        ],
        "Nodal officers": [
            st.Page("pages/upload.py", title="Upload", icon=":material/upload_file:"),
        ],
    }
    if user is not None and user.is_admin:
        found["Administration"] = [
            st.Page("pages/admin.py", title="Administration", icon=":material/manage_accounts:"),
        ]
    return found


def run() -> None:
    """Configure the page, require sign-in (or the demo), and run the page the URL names."""
    st.set_page_config(
        page_title="e-Office file movement analytics",
        page_icon=":material/folder_open:",
        layout="wide",
    )
    user = auth.current_user()
    if user is None:
        # Resolve the page the URL names (navigation hidden) before the sign-in form, so the
        # rerun after signing in runs that page, not the default one.
        st.navigation(pages(None), position="hidden")
        user = auth.require_sign_in()  # the sign-in page; stops the run until signed in
    auth.show_account(user)
    st.navigation(pages(user)).run()
