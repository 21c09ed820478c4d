"""The e-Office analytics dashboard: routing only (each page lives in dashboard/pages/)."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` from a plain checkout
    sys.path.insert(0, str(ROOT))

st.set_page_config(
    page_title="e-Office file movement analytics",
    page_icon=":material/folder_open:",
    layout="wide",
)

PAGES = {
    "Analytics": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
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

st.navigation(PAGES).run()
