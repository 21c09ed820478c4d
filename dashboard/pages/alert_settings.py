"""Alert settings: the signed-in account's own overdue digest by e-mail (daily, weekly, off)."""

from __future__ import annotations

import streamlit as st

from analytics.access.alerts import AlertBook
from dashboard import auth, components
from dashboard import format as fmt
from dashboard.i18n import N_, _, fixed

CHOICES = {
    "off": N_("Off"),
    "daily": N_("Daily"),
    "weekly": N_("Weekly (the first run of each week)"),
}

components.header(
    _("Alert settings"),
    _(
        "Choose whether you get the e-mail digest of the overdue files in your scope, and how "
        "often. It goes to your account's e-mail address."
    ),
)
user = auth.require_sign_in()
if user.is_demo:
    st.info(_("The demo has no account to send a digest to: sign in to choose."))
    st.stop()
book = AlertBook(auth.accounts())
current = book.frequency(user.email)
st.text(_("Digest for {email}: {choice}").format(email=user.email, choice=_(CHOICES[current])))
choice = st.radio(
    _("Overdue digest"),
    list(CHOICES),
    index=list(CHOICES).index(current),
    format_func=fixed(lambda c: _(CHOICES[c])),
    key="alert-frequency",
)
if st.button(_("Save"), key="alert-save", type="primary"):
    book.set_frequency(user.email, choice, by=user.email)
    st.success(_("Saved: {choice}.").format(choice=fmt.plain(_(CHOICES[choice]))))
if not user.see_names:
    st.caption(_("Officers are named by pseudonyms in your digest, as on the dashboard."))
