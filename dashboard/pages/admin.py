"""Administration (admins only): users, their scoped grants, the level table
(dashboard/levels_admin.py) and the audit log.

Every change is made through `analytics.access.accounts.Accounts` (its `users` part), which
writes it to the audit log with the admin's e-mail. Anyone else who opens this page (by URL
too) is refused, and the attempt is audited. The audit log's action filter offers every
`analytics.access.audit.Action`.
"""

from __future__ import annotations

import os
import threading

import pandas as pd
import streamlit as st

from analytics.access.audit import Action
from analytics.access.level_keeper import LevelKeeper
from analytics.access.models import ROLES
from analytics.access.users import AuthError
from analytics.outputs.report import csv_bytes
from dashboard import auth, components, levels_admin

components.ensure_navigation()  # the app's sidebar (filters kept in the URL) on this page too

# Seconds after the audit CSV is made before unreferenced media files are dropped (a comment,
# not a docstring: Streamlit's magic would show a bare string on the page).
MEDIA_PURGE_ENV = "EOFFICE_MEDIA_PURGE_SECONDS"

user = auth.require_sign_in()
acc = auth.accounts()

st.title("Administration")
if not user.is_admin:
    acc.audit.write(user.email, Action.ADMIN_PAGE, "refused", None, {"reason": "not an admin"})
    st.error("This page is for administrators only.")
    st.stop()

st.caption(
    "Users, their roles over states and departments, the designation-to-level table, and "
    "the audit log. Times in IST. "
    "Changes take effect at the user's next click."
)
users_tab, grants_tab, levels_tab, audit_tab = st.tabs(["Users", "Grants", "Levels", "Audit log"])


def _purge_media_soon() -> None:
    """Drop, shortly after a download, every file Streamlit's media store holds for no
    session (its own clean-up, run twice — the first marks, the second deletes — instead of
    waiting for later script runs): the audit CSV is not left fetchable at its `/media/`
    address once the browser has fetched it (docs/security.md)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return
    manager = Runtime.instance().media_file_mgr

    def purge() -> None:
        manager.remove_orphaned_files()
        manager.remove_orphaned_files()

    delay = float(os.environ.get(MEDIA_PURGE_ENV, "30") or 30)
    timer = threading.Timer(delay, purge)
    timer.daemon = True
    timer.start()


def _done(message: str) -> None:
    st.session_state["admin_message"] = message
    st.rerun()


message = st.session_state.pop("admin_message", None)
if message:
    st.success(message)

with users_tab:
    frame = acc.users.table()
    st.dataframe(frame, hide_index=True, width="stretch")
    emails = frame["email"].tolist()

    with st.form("admin_add_user", clear_on_submit=True):
        st.subheader("Add a user")
        left, right = st.columns(2)
        email = left.text_input("E-mail", key="admin_add_email")
        name = right.text_input("Display name", key="admin_add_name")
        role = left.selectbox("Role", ROLES, index=2, key="admin_add_role")
        state = right.text_input("State (viewer, nodal officer)", key="admin_add_state")
        department = left.text_input("Department (optional)", key="admin_add_department")
        password = right.text_input(
            "Initial password (optional; empty = SSO only)",
            type="password",
            key="admin_add_password",
        )
        see_names = st.checkbox("May see officer names and user IDs", key="admin_add_names")
        if st.form_submit_button("Add user"):
            try:
                acc.users.add(
                    email,
                    role,
                    state=state or None,
                    department=department or None,
                    password=password or None,
                    name=name or None,
                    see_names=see_names,
                    by=user.email,
                )
            except AuthError as exc:
                st.error(str(exc))
            else:
                _done(f"Added {email.strip().lower()}.")

    if emails:
        st.subheader("Change a user")
        who = st.selectbox("User", emails, key="admin_change_user")
        row = frame.set_index("email").loc[who]
        cols = st.columns(4)
        if cols[0].button("Unlock", key="admin_unlock", disabled=pd.isna(row["locked_until"])):
            acc.users.unlock(who, by=user.email)
            _done(f"Unlocked {who}.")
        verb = "Disable" if row["active"] else "Enable"
        if cols[1].button(verb, key="admin_toggle_active", disabled=who == user.email):
            acc.users.set_active(who, not row["active"], by=user.email)
            _done(f"{verb}d {who}.")
        names_verb = "Deny names" if row["see_names"] else "Allow names"
        if cols[2].button(names_verb, key="admin_toggle_names"):
            acc.users.set_see_names(who, not row["see_names"], by=user.email)
            _done(f"{names_verb.split()[0]}ed names for {who}.".replace("Denyed", "Denied"))

with grants_tab:
    if not emails:
        st.info("No users yet.")
    else:
        who = st.selectbox("User", emails, key="admin_grant_user")
        grants = acc.users.grants_of(who)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "role": g.role,
                        "state": g.state or "every state",
                        "department": g.department or "all",
                    }
                    for g in grants
                ],
                columns=["role", "state", "department"],
            ),
            hide_index=True,
            width="stretch",
        )
        with st.form("admin_grant"):
            st.subheader("Grant a role")
            left, mid, right = st.columns(3)
            role = left.selectbox("Role", ROLES, index=2, key="admin_grant_role")
            state = mid.text_input("State", key="admin_grant_state")
            department = right.text_input("Department (optional)", key="admin_grant_department")
            if st.form_submit_button("Grant"):
                try:
                    added = acc.users.grant(
                        who, role, state=state or None, department=department or None, by=user.email
                    )
                except AuthError as exc:
                    st.error(str(exc))
                else:
                    _done(f"Granted {role} to {who}." if added else "That grant exists already.")
        if grants:
            st.subheader("Revoke a grant")
            choice = st.selectbox(
                "Grant",
                range(len(grants)),
                format_func=lambda i: grants[i].describe(),
                key="admin_revoke_choice",
            )
            if st.button("Revoke", key="admin_revoke", type="primary"):
                g = grants[choice]
                acc.users.revoke(who, g.role, state=g.state, department=g.department, by=user.email)
                _done(f"Revoked {g.describe()} from {who}.")

with levels_tab:
    levels_admin.levels_tab(LevelKeeper(acc, user, user.email))

with audit_tab:
    action = st.selectbox(
        "Action",
        ["all", *(a.value for a in Action)],  # every action the code can write (audit.Action)
        key="admin_audit_action",
    )
    log = acc.audit.read(limit=2000, action=None if action == "all" else action)
    shown = log.assign(
        at=log["at"].dt.strftime("%d-%b-%Y %H:%M:%S"),
        details=log["details"].map(lambda d: "" if d is None else str(d)),
    )
    st.dataframe(shown.drop(columns="id"), hide_index=True, width="stretch")

    def audit_csv() -> bytes:
        """Made at the click, after re-checking the admin against the store (audited)."""
        acc.guard.record_export(user, "audit_log", len(log), "csv")
        _purge_media_soon()
        return csv_bytes(log.drop(columns="id").assign(details=shown["details"]))

    st.download_button(
        "Download the audit log (CSV)",
        audit_csv,
        file_name="audit_log.csv",
        mime="text/csv",
        key="admin_audit_download",
        on_click="ignore",
    )
