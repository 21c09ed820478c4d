"""The dashboard's pages and how the app runs them (used by app.py, and by a page opened
before app.py ever ran in the process: see `components.ensure_navigation`)."""

from __future__ import annotations

import streamlit as st


def pages() -> dict[str, list]:
    """The navigation: analytics pages for everyone, the upload page for nodal officers."""
    return {
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


def run() -> None:
    """Configure the page and run the page the URL names."""
    st.set_page_config(
        page_title="e-Office file movement analytics",
        page_icon=":material/folder_open:",
        layout="wide",
    )
    st.navigation(pages()).run()
