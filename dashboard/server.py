"""The dashboard with its sign-in routes: `streamlit run dashboard/server.py`.

An `st.App` serving `dashboard/app.py` plus the two routes of `dashboard/sessions.py` that
keep a local-account sign-in across reloads and tabs. (`streamlit run dashboard/app.py`
still works, but then a reload signs a local-account user out.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st

from dashboard import auth
from dashboard.sessions import ROUTES_ENV, make_routes

os.environ[ROUTES_ENV] = "1"
app = st.App(
    str(Path(__file__).with_name("app.py")),
    routes=make_routes(auth.accounts),  # the pages' accounts and store: one per process
)
