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
from dashboard import auth, components, format, levels_admin
from dashboard.i18n import N_, _, fixed

USER_COLUMNS = {
    "email": N_("E-mail"),
    "name": N_("Display name"),
    "grants": N_("Grants"),
    "see_names": N_("May see names"),
    "local_password": N_("Local password"),
    "active": N_("Active"),
    "locked_until": N_("Locked until"),
    "last_sign_in_at": N_("Last sign-in"),
}
AUDIT_COLUMNS = {
    "at": N_("When"),
    "actor": N_("By"),
    "action": N_("Action"),
    "outcome": N_("Outcome"),
    "target": N_("Target"),
    "details": N_("Details"),
}
AUDIT_LABELS = {
    Action.SIGN_IN: N_("Sign-ins"),
    Action.LOCKOUT: N_("Lock-outs"),
    Action.SIGN_OUT: N_("Sign-outs"),
    Action.UPLOAD: N_("Uploads"),
    Action.EXPORT: N_("Exports"),
    Action.USER_ADD: N_("Users added"),
    Action.GRANT: N_("Roles granted"),
    Action.REVOKE: N_("Roles revoked"),
    Action.NAMES_PERMISSION: N_("Names permission"),
    Action.UNLOCK: N_("Unlocks"),
    Action.USER_DISABLE: N_("Users disabled"),
    Action.USER_ENABLE: N_("Users enabled"),
    Action.PASSWORD_SET: N_("Passwords set"),
    Action.PASSWORD_REMOVED: N_("Passwords removed"),
    Action.USERS: N_("User changes"),
    Action.OPERATOR: N_("Operator commands"),
    Action.LEVELS: N_("Level table"),
    Action.ALERTS: N_("Alert commands"),
    Action.ALERT_RULE: N_("Alert rules set"),
    Action.ALERT_RULE_REMOVED: N_("Alert rules removed"),
    Action.ALERT_PREFERENCE: N_("Alert choices"),
    Action.ALERT_DIGEST: N_("Digests sent"),
    Action.ADMIN_PAGE: N_("Administration page visits"),
}
AUDIT_OUTCOMES = {
    "ok": N_("done"),
    "refused": N_("refused"),
    "failed": N_("failed"),
    "dry_run": N_("trial run"),
    "proposed": N_("proposed"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}
# (AUDIT_OUTCOMES: the outcomes the code writes, as the table says them; any other is shown
# as stored. AUDIT_LABELS: how the filter names each audit action, one per `audit.Action` member. A
# comment, not a docstring: Streamlit's magic would show a bare string on the page.)


def _grant_words(grant) -> str:
    """A grant as `viewer: Manipur / Finance` (every state, in the reader's language)."""
    return grant.describe(_("every state"))


components.ensure_navigation()  # the app's sidebar (filters kept in the URL) on this page too

# Seconds after the audit CSV is made before unreferenced media files are dropped (a comment,
# not a docstring: Streamlit's magic would show a bare string on the page).
MEDIA_PURGE_ENV = "EOFFICE_MEDIA_PURGE_SECONDS"

user = auth.require_sign_in()
acc = auth.accounts()

st.title(_("Administration"))
if not user.is_admin:
    acc.audit.write(user.email, Action.ADMIN_PAGE, "refused", None, {"reason": "not an admin"})
    st.error(_("This page is for administrators only."))
    st.stop()

st.caption(
    _(
        "Users, their roles over states and departments, the designation-to-level table, and "
        "the audit log. Times in IST. Changes take effect at the user's next click."
    )
)
users_tab, grants_tab, levels_tab, audit_tab = st.tabs(
    [_("Users"), _("Grants"), _("Levels"), _("Audit log")]
)


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
    frame = acc.users.table(_("every state"))
    shown_users = frame.assign(
        name=frame["name"].fillna(""),
        locked_until=[format.moment(v) for v in frame["locked_until"]],  # IST, page's language
        last_sign_in_at=[format.moment(v) for v in frame["last_sign_in_at"]],
    )
    st.dataframe(format.headed(shown_users, USER_COLUMNS), hide_index=True, width="stretch")
    emails = frame["email"].tolist()

    with st.form("admin_add_user", clear_on_submit=True):
        st.header(_("Add a user"))
        left, right = st.columns(2)
        email = left.text_input(_("E-mail"), key="admin_add_email")
        name = right.text_input(_("Display name"), key="admin_add_name")
        role = left.selectbox(_("Role"), ROLES, index=2, key="admin_add_role")
        state = right.text_input(_("State (viewer, nodal officer)"), key="admin_add_state")
        department = left.text_input(_("Department (optional)"), key="admin_add_department")
        password = right.text_input(
            _("Initial password (optional; empty = SSO only)"),
            type="password",
            key="admin_add_password",
        )
        see_names = st.checkbox(_("May see officer names and user IDs"), key="admin_add_names")
        if st.form_submit_button(_("Add user")):
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
                _done(_("Added {email}.").format(email=email.strip().lower()))

    if emails:
        st.header(_("Change a user"))
        who = st.selectbox(_("User"), emails, key="admin_change_user")
        row = frame.set_index("email").loc[who]
        cols = st.columns(4)
        if cols[0].button(_("Unlock"), key="admin_unlock", disabled=pd.isna(row["locked_until"])):
            acc.users.unlock(who, by=user.email)
            _done(_("Unlocked {email}.").format(email=who))
        verb, done = (
            (_("Disable"), _("Disabled {email}."))
            if row["active"]
            else (_("Enable"), _("Enabled {email}."))
        )
        if cols[1].button(verb, key="admin_toggle_active", disabled=who == user.email):
            acc.users.set_active(who, not row["active"], by=user.email)
            _done(done.format(email=who))
        names_verb, names_done = (
            (_("Deny names"), _("Denied names for {email}."))
            if row["see_names"]
            else (_("Allow names"), _("Allowed names for {email}."))
        )
        if cols[2].button(names_verb, key="admin_toggle_names"):
            acc.users.set_see_names(who, not row["see_names"], by=user.email)
            _done(names_done.format(email=who))

with grants_tab:
    if not emails:
        st.info(_("No users yet."))
    else:
        who = st.selectbox(_("User"), emails, key="admin_grant_user")
        grants = acc.users.grants_of(who)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "role": g.role,
                        "state": g.state or _("every state"),
                        "department": g.department or _("all"),
                    }
                    for g in grants
                ],
                columns=["role", "state", "department"],
            ).rename(
                columns={"role": _("Role"), "state": _("State"), "department": _("Department")}
            ),
            hide_index=True,
            width="stretch",
        )
        with st.form("admin_grant"):
            st.header(_("Grant a role"))
            left, mid, right = st.columns(3)
            role = left.selectbox(_("Role"), ROLES, index=2, key="admin_grant_role")
            state = mid.text_input(_("State"), key="admin_grant_state")
            department = right.text_input(_("Department (optional)"), key="admin_grant_department")
            if st.form_submit_button(_("Grant")):
                try:
                    added = acc.users.grant(
                        who, role, state=state or None, department=department or None, by=user.email
                    )
                except AuthError as exc:
                    st.error(str(exc))
                else:
                    _done(
                        _("Granted {role} to {email}.").format(role=role, email=who)
                        if added
                        else _("That grant exists already.")
                    )
        if grants:
            st.header(_("Revoke a grant"))
            choice = st.selectbox(
                _("Grant"),
                range(len(grants)),
                format_func=fixed(lambda i: _grant_words(grants[i])),
                key="admin_revoke_choice",
            )
            if st.button(_("Revoke"), key="admin_revoke", type="primary"):
                g = grants[choice]
                acc.users.revoke(who, g.role, state=g.state, department=g.department, by=user.email)
                _done(_("Revoked {grant} from {email}.").format(grant=g.describe(), email=who))

with levels_tab:
    levels_admin.levels_tab(LevelKeeper(acc, user, user.email))

with audit_tab:
    action = st.selectbox(
        _("Action"),
        ["all", *(a.value for a in Action)],  # every action the code can write (audit.Action)
        format_func=fixed(lambda a: _("all") if a == "all" else _(AUDIT_LABELS[Action(a)])),
        key="admin_audit_action",
    )
    log = acc.audit.read(limit=2000, action=None if action == "all" else action)
    shown = log.assign(
        at=log["at"].map(lambda t: f"{format.day(t)} {t:%H:%M:%S}"),  # IST, page's language
        action=[format.word(a, AUDIT_LABELS) for a in log["action"]],  # (Action is a StrEnum)
        outcome=[format.word(o, AUDIT_OUTCOMES) for o in log["outcome"]],
        details=log["details"].map(lambda d: "" if d is None else str(d)),
    )
    st.dataframe(
        format.headed(shown.drop(columns="id"), AUDIT_COLUMNS), hide_index=True, width="stretch"
    )

    def audit_csv() -> bytes:
        """Made at the click, after re-checking the admin against the store (audited)."""
        acc.guard.record_export(user, "audit_log", len(log), "csv")
        _purge_media_soon()
        return csv_bytes(log.drop(columns="id").assign(details=shown["details"]))

    st.download_button(
        _("Download the audit log (CSV)"),
        audit_csv,
        file_name="audit_log.csv",
        mime="text/csv",
        key="admin_audit_download",
        on_click="ignore",
    )
