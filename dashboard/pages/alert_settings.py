"""Alert settings: the signed-in account's own overdue digest by e-mail (daily, weekly, off)."""

from __future__ import annotations

import streamlit as st

from analytics.access.alerts import AlertBook
from dashboard import auth, components
from dashboard import format as fmt

CHOICES = {"off": "Off", "daily": "Daily", "weekly": "Weekly (the first run of each week)"}

components.header(
    "Alert settings",
    "Choose whether you get the e-mail digest of the overdue files in your scope, and how "
    "often. It goes to your account's e-mail address.",
)
user = auth.require_sign_in()
if user.is_demo:
    st.info("The demo has no account to send a digest to: sign in to choose.")
    st.stop()
book = AlertBook(auth.accounts())
current = book.frequency(user.email)
st.text(f"Digest for {user.email}: {CHOICES[current]}")
choice = st.radio(
    "Overdue digest",
    list(CHOICES),
    index=list(CHOICES).index(current),
    format_func=CHOICES.get,
    key="alert-frequency",
)
if st.button("Save", key="alert-save", type="primary"):
    book.set_frequency(user.email, choice, by=user.email)
    st.success(f"Saved: {fmt.plain(CHOICES[choice])}.")
if not user.see_names:
    st.caption("Officers are named by pseudonyms in your digest, as on the dashboard.")
