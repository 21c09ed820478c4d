"""Administration → Levels: the designation-to-level table, kept by the people who know it.

Drawn by dashboard/pages/admin.py (admins only). Every read and change goes through
`analytics.access.level_keeper.LevelKeeper` (roles, audit) and so through the store (a change is a new
version, derived data rebuilt in the same transaction). A change is first a *pending* table in
the session (from the editor, an imported file, a one-click mapping or an earlier version):
its preview is shown, and "Apply" makes it the table in force.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from analytics.access.level_keeper import LevelKeeper
from analytics.figures.level_preview import LevelPreview
from analytics.log.hierarchy import LevelTable, LevelTableError
from analytics.outputs.report import neutralise_formulas
from dashboard import format as fmt
from dashboard.i18n import N_, _, fixed

PENDING_KEY = "levels_pending"
"""Session key: the table waiting for "Apply" ({"csv", "source", "restore"})."""
MESSAGE_KEY = "admin_message"


def _done(message: str) -> None:
    st.session_state.pop(PENDING_KEY, None)
    st.session_state.pop("levels_editor", None)  # edits were of the table replaced
    st.session_state[MESSAGE_KEY] = message
    st.rerun()


EDITOR_COLUMNS = {
    "state": N_("State"),
    "designation": N_("Designation"),
    "level": N_("Level"),
    "level_name": N_("Level name"),
}
"""The level table's columns as the editor heads them (in the reader's language)."""
PROPOSAL_STATUS = {
    "pending": N_("waiting"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}
"""A level proposal's status (`analytics.store.proposals`) as a reader sees it."""
VERSION_KINDS = {
    "default": N_("built-in"),
    "import": N_("imported"),
    "edit": N_("edited"),
    "restore": N_("restored"),
    "proposal": N_("proposal approved"),
}
"""How a level-table version was made (`analytics.store.levels`), as a reader sees it."""
HISTORY_COLUMNS = {
    "version": N_("Version"),
    "created_at": N_("Made"),
    "created_by": N_("By"),
    "kind": N_("How made"),
    "note": N_("Note"),
    "restored_from": N_("Restored from version"),
    "proposal_id": N_("Proposal"),
    "rows": N_("Rows"),
    "added": N_("Rows added"),
    "removed": N_("Rows removed"),
    "changed": N_("Rows changed"),
    "in_force": N_("In force"),
}
"""The history's columns (`Store.levels.history`) as the table heads them."""


def _rows_for_display(table: LevelTable) -> pd.DataFrame:
    """The table for the editor: a general row's state empty, headed in the reader's
    language (`_rows_from_display` reads it back)."""
    frame = table.to_frame()
    shown = pd.DataFrame(
        {
            "state": frame["state"].fillna(""),
            "designation": frame["designation"],
            "level": frame["level"].astype(int),
            "level_name": frame["level_name"].fillna(""),
        }
    )
    return fmt.headed(shown, EDITOR_COLUMNS)


def _rows_from_display(edited: pd.DataFrame) -> pd.DataFrame:
    """The editor's rows under the table's own column names."""
    return edited.rename(columns={_(h): c for c, h in EDITOR_COLUMNS.items()})


def _set_pending(
    table: LevelTable, source: str, restore: int | None = None, proposal: int | None = None
) -> None:
    """Make `table` the change waiting for "Apply" (a restore of version `restore`, or the
    approval of proposal `proposal`, when given)."""
    st.session_state[PENDING_KEY] = {
        "csv": table.to_text(),
        "source": source,
        "restore": restore,
        "proposal": proposal,
    }
    st.rerun()  # the preview is drawn above the proposals and the history


def levels_tab(keeper: LevelKeeper) -> None:
    """The whole Levels section."""
    info = keeper.store.levels.version_info()
    if info["version"]:
        st.caption(
            _(
                "Table in force: version {version}, made {made} by {by}. Figures on every page "
                "use it."
            ).format(
                version=info["version"],
                made=fmt.moment(info["created_at"]),
                by=fmt.plain(str(info["created_by"])),
            )
        )
    else:
        st.caption(
            _("Table in force: the built-in table (version 0). Figures on every page use it.")
        )
    table = keeper.table()
    _in_force(table, keeper)
    _unmapped(keeper)
    _pending(keeper)
    _proposals(keeper)
    _history(keeper)


def _in_force(table: LevelTable, keeper: LevelKeeper) -> None:
    st.header(_("Table in force"))
    st.caption(
        _(
            "General rows apply to every state; a row with a state overrides them there. "
            "Edit, add or remove rows below, then preview the change."
        )
    )
    edited = st.data_editor(
        _rows_for_display(table),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key="levels_editor",
        column_config={
            _("State"): st.column_config.TextColumn(help=_("Empty: every state")),
            _("Level"): st.column_config.NumberColumn(min_value=1, max_value=9, step=1),
        },
    )
    left, mid, right, _rest = st.columns([1, 1, 1, 2])
    if left.button(_("Preview the edits"), key="levels_preview_edits"):
        try:
            frame = _rows_from_display(edited)
            _set_pending(LevelTable(frame), _("edits"))
        except LevelTableError as exc:
            st.error(str(exc))
    for column, yaml_format, name in ((mid, False, "csv"), (right, True, "yaml")):
        column.download_button(
            _("Export ({format})").format(format=name.upper()),
            lambda y=yaml_format: _export(keeper, y),
            file_name=f"level_table.{name}",
            mime="text/csv" if name == "csv" else "application/yaml",
            key=f"levels_export_{name}",
            on_click="ignore",
            icon=":material/download:",
        )
    upload = st.file_uploader(
        _("Import a table (CSV `designation,level[,level_name][,state]`, or YAML)"),
        type=["csv", "yaml", "yml"],
        key="levels_import",
    )
    if upload is not None and st.button(_("Preview the imported table"), key="levels_preview_file"):
        try:
            text = upload.getvalue().decode("utf-8-sig")
            yaml_format = upload.name.lower().endswith((".yaml", ".yml"))
            _set_pending(LevelTable.from_text(text, yaml_format=yaml_format), upload.name)
        except (LevelTableError, UnicodeDecodeError, ValueError) as exc:
            st.error(f"{fmt.plain(upload.name)}: {fmt.plain(str(exc))}")


def _export(keeper: LevelKeeper, yaml_format: bool) -> bytes:
    """Made at the click (audited as an export); CSV text cells made formula-safe."""
    text = keeper.export(yaml_format=yaml_format)
    if yaml_format:
        return text.encode("utf-8")
    frame = LevelTable.from_text(text).to_frame()
    for column in ("designation", "level_name", "state"):
        frame[column] = neutralise_formulas(frame[column])
    frame = frame[["designation", "level", "level_name", "state"]]
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _unmapped(keeper: LevelKeeper) -> None:
    st.header(_("Designations the table does not map"))
    found = keeper.unmapped()
    if found.empty:
        st.success(_("Every designation in the store is mapped."))
        return
    shown = pd.DataFrame(
        {
            _("Designation"): found["designation"],
            _("Events"): [fmt.indian(n) for n in found["events"]],
            _("States"): [
                ", ".join(f"{s} ({fmt.indian(n)})" for s, n in d.items())
                for d in found["events_by_state"]
            ],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    with st.form("levels_map_one"):
        st.markdown(_("**Map one**: a new version at once, derived figures rebuilt."))
        left, mid, right = st.columns(3)
        designation = left.selectbox(_("Designation"), found["designation"].tolist())
        states = found.set_index("designation").loc[designation, "states"]
        level = mid.number_input(_("Level"), min_value=1, max_value=9, value=3, step=1)
        where = right.selectbox(
            _("For"), ["", *states], format_func=fixed(lambda s: s or _("every state"))
        )
        if st.form_submit_button(_("Map"), type="primary"):
            version = keeper.map_designation(designation, int(level), state=where or None)
            _done(
                _("Mapped {designation} to level {level} ({where}): version {version}.").format(
                    designation=designation,
                    level=int(level),
                    where=where or _("every state"),
                    version=version,
                )
            )


def _pending(keeper: LevelKeeper) -> None:
    pending = st.session_state.get(PENDING_KEY)
    if not pending:
        return
    st.header(_("Preview before applying"))
    try:
        table = LevelTable.from_text(pending["csv"])
        found = keeper.preview(table)
    except LevelTableError as exc:
        st.error(_("Not applied: {reason}").format(reason=fmt.plain(str(exc))))
        if st.button(_("Discard"), key="levels_discard_bad"):
            _done(_("Discarded the change."))
        return
    st.caption(
        _("From: {source}. Nothing is changed until you apply.").format(
            source=fmt.plain(pending["source"])
        )
    )
    _show_preview(found, table.level_names())
    note = st.text_input(_("Note (why; kept with the version)"), key="levels_note")
    left, right, _rest = st.columns([2, 1, 3])
    if left.button(_("Apply as a new version"), type="primary", key="levels_apply"):
        if pending.get("proposal") is not None:
            version = keeper.decide(int(pending["proposal"]), approve=True)
        elif pending.get("restore") is not None:
            version = keeper.restore(int(pending["restore"]), note=note or None)
        else:
            version = keeper.apply(table, note=note or None)
        _done(_("Applied: level table version {version} is in force.").format(version=version))
    if right.button(_("Discard"), key="levels_discard"):
        _done(_("Discarded the change."))


def _show_preview(found: LevelPreview, names: dict[int, str]) -> None:
    cols = st.columns(3)
    cols[0].metric(_("Stints changing level"), fmt.indian(found.stints_changed), border=True)
    cols[1].metric(
        _("Designations becoming unmapped"), fmt.indian(len(found.newly_unmapped)), border=True
    )
    cols[2].metric(
        _("Designations becoming mapped"), fmt.indian(len(found.newly_mapped)), border=True
    )
    if not found.newly_unmapped.empty:
        st.warning(
            _("Would become unmapped: {names}").format(
                names=_events_list(
                    found.newly_unmapped["designation"], found.newly_unmapped["events"]
                )
            )
        )
    moved = found.stints.rename(columns={"changed": "stints_changed"})
    per_state = found.states.merge(moved, on="state", how="left")
    _before_after(
        _("Per state, before → after"),
        per_state,
        ["mean_levels_pending", "files_over_4_levels"],
        {_("Stints changing level"): [_count(v) for v in per_state["stints_changed"]]},
    )
    for title, frame, figures in (
        (_("Turnaround per level (rows that change)"), found.turnaround, ["stints", "median_days"]),
        (_("Pendency per level (rows that change)"), found.pendency, ["pending"]),
    ):
        changed = frame[frame["changed"]]
        levels = {_("Level"): [fmt.level(v, names) for v in changed["level"]]}
        _before_after(title, changed, figures, levels)


def _events_list(designations: Any, events: Any) -> str:
    """'Steno (12 events), Clerk (3 events)': designations with their events, as plain text."""
    return ", ".join(
        _("{designation} ({count} events)").format(designation=fmt.plain(d), count=fmt.indian(n))
        for d, n in zip(designations, events, strict=True)
    )


def _before_after(
    title: str, frame: pd.DataFrame, figures: list[str], extra: dict[str, list[str]]
) -> None:
    """A table of `before → after` per state for registry figures, after `extra` columns."""
    st.markdown(f"**{title}**")
    columns = {_("State"): frame["state"], **extra}
    columns |= {fmt.heading(name): _arrows(frame, name) for name in figures}
    st.dataframe(pd.DataFrame(columns), hide_index=True, width="stretch")


def _count(value: Any) -> str:
    return fmt.indian(0 if pd.isna(value) else value)


def _arrows(frame: pd.DataFrame, name: str) -> list[str]:
    """`before → after` of a registry figure, each as the registry says it reads."""
    return [
        f"{fmt.figure(name, b)} → {fmt.figure(name, a)}"
        for b, a in zip(frame[f"{name}_before"], frame[f"{name}_after"], strict=True)
    ]


def _proposals(keeper: LevelKeeper) -> None:
    found = keeper.proposals("pending")
    st.header(_("Proposals from nodal officers"))
    if found.empty:
        st.caption(_("No proposal is waiting."))
        return
    for p in found.itertuples(index=False):
        rows = "; ".join(f"{r['designation']} → {r['level']}" for r in p.rows)
        st.markdown(
            _("**{number}.** {state}, by {by} on {when}: {rows}").format(
                number=p.id,
                state=fmt.plain(p.state),
                by=fmt.plain(p.proposed_by),
                when=fmt.moment(p.proposed_at),
                rows=fmt.plain(rows),
            )
            + (f" — {fmt.plain(p.note)}" if p.note else "")
        )
        left, mid, right, _rest = st.columns([1, 1, 1, 3])
        if left.button(_("Preview"), key=f"levels_proposal_preview_{p.id}"):
            merged = keeper.store.levels.current().with_rows(LevelTable.from_records(list(p.rows)))
            _set_pending(
                merged,
                _("proposal {number} (applying it approves it)").format(number=p.id),
                proposal=int(p.id),
            )
        if mid.button(_("Approve"), key=f"levels_approve_{p.id}", type="primary"):
            version = keeper.decide(int(p.id), approve=True)
            _done(
                _("Approved proposal {number}: level table version {version}.").format(
                    number=p.id, version=version
                )
            )
        if right.button(_("Reject"), key=f"levels_reject_{p.id}"):
            keeper.decide(int(p.id), approve=False)
            _done(_("Rejected proposal {number}.").format(number=p.id))


def _history(keeper: LevelKeeper) -> None:
    st.header(_("History"))
    found = keeper.history()
    if found.empty:
        st.caption(_("No version yet: the built-in table is in force."))
        return
    shown = found.assign(
        created_at=[fmt.moment(v) for v in found["created_at"]],
        kind=[fmt.word(v, VERSION_KINDS) for v in found["kind"]],
        restored_from=[fmt.shown("" if pd.isna(v) else int(v)) for v in found["restored_from"]],
        proposal_id=[fmt.shown("" if pd.isna(v) else int(v)) for v in found["proposal_id"]],
        note=found["note"].fillna(""),
    )
    st.dataframe(fmt.headed(shown, HISTORY_COLUMNS), hide_index=True, width="stretch")
    left, right, _rest = st.columns([1, 1, 3])
    choices = [0, *sorted(found["version"].tolist())]
    version = left.selectbox(
        _("Version to restore"),
        choices,
        format_func=fixed(lambda v: _("0 (built-in)") if v == 0 else str(v)),
        key="levels_restore_choice",
    )
    if right.button(_("Preview the restore"), key="levels_preview_restore"):
        _set_pending(
            keeper.store.levels.at_version(int(version)),
            _("version {version}").format(version=version),
            version,
        )


def propose_section(keeper: LevelKeeper) -> None:
    """For nodal officers (on Upload): propose a level for a designation of their own state;
    an admin approves it (Administration → Levels) before it changes any figure."""
    user = keeper.user
    if user is None or user.is_demo or not user.can_upload:
        return
    states = sorted(user.upload_scope.visible_states() or ())
    if not states:
        return
    st.header(_("Propose a level for a designation"))
    st.caption(
        _(
            "The level table maps designations to hierarchy levels. Propose a level for a "
            "designation of your state; an administrator approves it before any figure changes."
        )
    )
    message = st.session_state.pop("levels_proposed", None)
    if message:
        st.success(message)
    state = st.selectbox(_("State"), states, key="levels_propose_state")
    found = keeper.store.levels.unmapped(states=[state])
    if not found.empty:
        st.caption(
            _("Unmapped here: {names}").format(
                names=_events_list(found["designation"], found["events"])
            )
        )
    _proposal_form(keeper, state, found["designation"].tolist())
    _my_proposals(keeper, user.email)


def _proposal_form(keeper: LevelKeeper, state: str, unmapped: list[str]) -> None:
    """The form: a designation (an unmapped one, or typed), its level and a note."""
    with st.form("levels_propose", clear_on_submit=True):
        left, mid = st.columns(2)
        designation = left.selectbox(
            _("Designation"),
            unmapped,
            index=None,
            accept_new_options=True,
            placeholder=_("Choose or type a designation"),
        )
        level = mid.number_input(_("Level"), min_value=1, max_value=9, value=3, step=1)
        note = st.text_input(_("Note for the administrator (optional)"))
        if st.form_submit_button(_("Propose")):
            if not designation:
                st.error(_("Choose or type a designation."))
                return
            row = pd.DataFrame([{"designation": designation, "level": int(level)}])
            try:
                number = keeper.propose(state, LevelTable(row), note=note or None)
            except LevelTableError as exc:
                st.error(fmt.plain(str(exc)))
                return
            st.session_state["levels_proposed"] = _(
                "Proposal {number}: {designation} → level {level} in {state}, waiting for an "
                "administrator."
            ).format(number=number, designation=designation, level=int(level), state=state)
            st.rerun()


def _my_proposals(keeper: LevelKeeper, email: str) -> None:
    """The proposals this user has made, with their status."""
    mine = keeper.proposals()
    mine = mine[mine["proposed_by"].eq(email)]
    if not mine.empty:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Proposal"): mine["id"],
                    _("State"): mine["state"],
                    _("Rows"): [
                        "; ".join(f"{r['designation']} → {r['level']}" for r in rows)
                        for rows in mine["rows"]
                    ],
                    _("Status"): [fmt.word(v, PROPOSAL_STATUS) for v in mine["status"]],
                    _("Proposed"): [fmt.moment(v) for v in mine["proposed_at"]],
                }
            ),
            hide_index=True,
            width="stretch",
        )
