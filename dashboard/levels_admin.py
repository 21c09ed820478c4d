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

PENDING_KEY = "levels_pending"
"""Session key: the table waiting for "Apply" ({"csv", "source", "restore"})."""
MESSAGE_KEY = "admin_message"


def _done(message: str) -> None:
    st.session_state.pop(PENDING_KEY, None)
    st.session_state.pop("levels_editor", None)  # edits were of the table replaced
    st.session_state[MESSAGE_KEY] = message
    st.rerun()


def _rows_for_display(table: LevelTable) -> pd.DataFrame:
    frame = table.to_frame()
    return pd.DataFrame(
        {
            "State": frame["state"].fillna("every state"),
            "Designation": frame["designation"],
            "Level": frame["level"].astype(int),
            "Level name": frame["level_name"].fillna(""),
        }
    )


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
            f"Table in force: version {info['version']}, made {fmt.moment(info['created_at'])} "
            f"by {fmt.plain(str(info['created_by']))}. Figures on every page use it."
        )
    else:
        st.caption("Table in force: the built-in table (version 0). Figures on every page use it.")
    table = keeper.table()
    _in_force(table, keeper)
    _unmapped(keeper)
    _pending(keeper)
    _proposals(keeper)
    _history(keeper)


def _in_force(table: LevelTable, keeper: LevelKeeper) -> None:
    st.subheader("Table in force")
    st.caption(
        "General rows apply to every state; a row with a state overrides them there. "
        "Edit, add or remove rows below, then preview the change."
    )
    edited = st.data_editor(
        _rows_for_display(table).replace({"State": {"every state": ""}}),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key="levels_editor",
        column_config={
            "State": st.column_config.TextColumn(help="Empty: every state"),
            "Level": st.column_config.NumberColumn(min_value=1, max_value=9, step=1),
        },
    )
    left, mid, right, _ = st.columns([1, 1, 1, 2])
    if left.button("Preview the edits", key="levels_preview_edits"):
        try:
            frame = edited.rename(
                columns={
                    "State": "state",
                    "Designation": "designation",
                    "Level": "level",
                    "Level name": "level_name",
                }
            )
            _set_pending(LevelTable(frame), "edits")
        except LevelTableError as exc:
            st.error(str(exc))
    for column, yaml_format, name in ((mid, False, "csv"), (right, True, "yaml")):
        column.download_button(
            f"Export ({name.upper()})",
            lambda y=yaml_format: _export(keeper, y),
            file_name=f"level_table.{name}",
            mime="text/csv" if name == "csv" else "application/yaml",
            key=f"levels_export_{name}",
            on_click="ignore",
            icon=":material/download:",
        )
    upload = st.file_uploader(
        "Import a table (CSV `designation,level[,level_name][,state]`, or YAML)",
        type=["csv", "yaml", "yml"],
        key="levels_import",
    )
    if upload is not None and st.button("Preview the imported table", key="levels_preview_file"):
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
    st.subheader("Designations the table does not map")
    found = keeper.unmapped()
    if found.empty:
        st.success("Every designation in the store is mapped.")
        return
    shown = pd.DataFrame(
        {
            "Designation": found["designation"],
            "Events": [fmt.indian(n) for n in found["events"]],
            "States": [
                ", ".join(f"{s} ({fmt.indian(n)})" for s, n in d.items())
                for d in found["events_by_state"]
            ],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    with st.form("levels_map_one"):
        st.markdown("**Map one**: a new version at once, derived figures rebuilt.")
        left, mid, right = st.columns(3)
        designation = left.selectbox("Designation", found["designation"].tolist())
        states = found.set_index("designation").loc[designation, "states"]
        level = mid.number_input("Level", min_value=1, max_value=9, value=3, step=1)
        where = right.selectbox("For", ["every state", *states])
        if st.form_submit_button("Map", type="primary"):
            version = keeper.map_designation(
                designation, int(level), state=None if where == "every state" else where
            )
            _done(f"Mapped {designation} to level {int(level)} ({where}): version {version}.")


def _pending(keeper: LevelKeeper) -> None:
    pending = st.session_state.get(PENDING_KEY)
    if not pending:
        return
    st.subheader("Preview before applying")
    try:
        table = LevelTable.from_text(pending["csv"])
        found = keeper.preview(table)
    except LevelTableError as exc:
        st.error(f"Not applied: {fmt.plain(str(exc))}")
        if st.button("Discard", key="levels_discard_bad"):
            _done("Discarded the change.")
        return
    st.caption(f"From: {fmt.plain(pending['source'])}. Nothing is changed until you apply.")
    _show_preview(found, table.level_names())
    note = st.text_input("Note (why; kept with the version)", key="levels_note")
    left, right, _ = st.columns([2, 1, 3])
    if left.button("Apply as a new version", type="primary", key="levels_apply"):
        if pending.get("proposal") is not None:
            version = keeper.decide(int(pending["proposal"]), approve=True)
        elif pending.get("restore") is not None:
            version = keeper.restore(int(pending["restore"]), note=note or None)
        else:
            version = keeper.apply(table, note=note or None)
        _done(f"Applied: level table version {version} is in force.")
    if right.button("Discard", key="levels_discard"):
        _done("Discarded the change.")


def _show_preview(found: LevelPreview, names: dict[int, str]) -> None:
    cols = st.columns(3)
    cols[0].metric("Stints changing level", fmt.indian(found.stints_changed), border=True)
    cols[1].metric(
        "Designations becoming unmapped", fmt.indian(len(found.newly_unmapped)), border=True
    )
    cols[2].metric("Designations becoming mapped", fmt.indian(len(found.newly_mapped)), border=True)
    if not found.newly_unmapped.empty:
        st.warning(
            "Would become unmapped: "
            + ", ".join(
                f"{fmt.plain(d)} ({fmt.indian(n)} events)"
                for d, n in zip(
                    found.newly_unmapped["designation"],
                    found.newly_unmapped["events"],
                    strict=True,
                )
            )
        )
    moved = found.stints.rename(columns={"changed": "stints_changed"})
    per_state = found.states.merge(moved, on="state", how="left")
    _before_after(
        "Per state, before → after",
        per_state,
        ["mean_levels_pending", "files_over_4_levels"],
        {"Stints changing level": [_count(v) for v in per_state["stints_changed"]]},
    )
    for title, frame, figures in (
        ("Turnaround per level", found.turnaround, ["stints", "median_days"]),
        ("Pendency per level", found.pendency, ["pending"]),
    ):
        changed = frame[frame["changed"]]
        levels = {"Level": [fmt.level(v, names) for v in changed["level"]]}
        _before_after(f"{title} (rows that change)", changed, figures, levels)


def _before_after(
    title: str, frame: pd.DataFrame, figures: list[str], extra: dict[str, list[str]]
) -> None:
    """A table of `before → after` per state for registry figures, after `extra` columns."""
    st.markdown(f"**{title}**")
    columns = {"State": frame["state"], **extra}
    columns |= {fmt.LABELS[name]: _arrows(frame, name) for name in figures}
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
    st.subheader("Proposals from nodal officers")
    if found.empty:
        st.caption("No proposal is waiting.")
        return
    for p in found.itertuples(index=False):
        rows = "; ".join(f"{r['designation']} → {r['level']}" for r in p.rows)
        st.markdown(
            f"**{p.id}.** {fmt.plain(p.state)}, by {fmt.plain(p.proposed_by)} on "
            f"{fmt.moment(p.proposed_at)}: {fmt.plain(rows)}"
            + (f" — {fmt.plain(p.note)}" if p.note else "")
        )
        left, mid, right, _ = st.columns([1, 1, 1, 3])
        if left.button("Preview", key=f"levels_proposal_preview_{p.id}"):
            merged = keeper.store.levels.current().with_rows(LevelTable.from_records(list(p.rows)))
            _set_pending(merged, f"proposal {p.id} (applying it approves it)", proposal=int(p.id))
        if mid.button("Approve", key=f"levels_approve_{p.id}", type="primary"):
            version = keeper.decide(int(p.id), approve=True)
            _done(f"Approved proposal {p.id}: level table version {version}.")
        if right.button("Reject", key=f"levels_reject_{p.id}"):
            keeper.decide(int(p.id), approve=False)
            _done(f"Rejected proposal {p.id}.")


def _history(keeper: LevelKeeper) -> None:
    st.subheader("History")
    found = keeper.history()
    if found.empty:
        st.caption("No version yet: the built-in table is in force.")
        return
    shown = found.assign(
        created_at=[fmt.moment(v) for v in found["created_at"]],
        restored_from=[fmt.shown("" if pd.isna(v) else int(v)) for v in found["restored_from"]],
        proposal_id=[fmt.shown("" if pd.isna(v) else int(v)) for v in found["proposal_id"]],
        note=found["note"].fillna(""),
    )
    st.dataframe(fmt.labelled(shown), hide_index=True, width="stretch")
    left, right, _ = st.columns([1, 1, 3])
    choices = [0, *sorted(found["version"].tolist())]
    version = left.selectbox(
        "Version to restore",
        choices,
        format_func=lambda v: "0 (built-in)" if v == 0 else str(v),
        key="levels_restore_choice",
    )
    if right.button("Preview the restore", key="levels_preview_restore"):
        _set_pending(keeper.store.levels.at_version(int(version)), f"version {version}", version)


def propose_section(keeper: LevelKeeper) -> None:
    """For nodal officers (on Upload): propose a level for a designation of their own state;
    an admin approves it (Administration → Levels) before it changes any figure."""
    user = keeper.user
    if user is None or user.is_demo or not user.can_upload:
        return
    states = sorted(user.upload_scope.visible_states() or ())
    if not states:
        return
    st.subheader("Propose a level for a designation")
    st.caption(
        "The level table maps designations to hierarchy levels. Propose a level for a "
        "designation of your state; an administrator approves it before any figure changes."
    )
    message = st.session_state.pop("levels_proposed", None)
    if message:
        st.success(message)
    state = st.selectbox("State", states, key="levels_propose_state")
    found = keeper.store.levels.unmapped(states=[state])
    if not found.empty:
        st.caption(
            "Unmapped here: "
            + ", ".join(
                f"{fmt.plain(d)} ({fmt.indian(n)} events)"
                for d, n in zip(found["designation"], found["events"], strict=True)
            )
        )
    with st.form("levels_propose", clear_on_submit=True):
        left, mid = st.columns(2)
        designation = left.selectbox(
            "Designation",
            found["designation"].tolist(),
            index=None,
            accept_new_options=True,
            placeholder="Choose or type a designation",
        )
        level = mid.number_input("Level", min_value=1, max_value=9, value=3, step=1)
        note = st.text_input("Note for the administrator (optional)")
        if st.form_submit_button("Propose"):
            if not designation:
                st.error("Choose or type a designation.")
                return
            row = pd.DataFrame([{"designation": designation, "level": int(level)}])
            try:
                number = keeper.propose(state, LevelTable(row), note=note or None)
            except LevelTableError as exc:
                st.error(fmt.plain(str(exc)))
                return
            st.session_state["levels_proposed"] = (
                f"Proposal {number}: {designation} → level {int(level)} in {state}, waiting "
                "for an administrator."
            )
            st.rerun()
    mine = keeper.proposals()
    mine = mine[mine["proposed_by"].eq(user.email)]
    if not mine.empty:
        st.dataframe(
            pd.DataFrame(
                {
                    "Proposal": mine["id"],
                    "State": mine["state"],
                    "Rows": [
                        "; ".join(f"{r['designation']} → {r['level']}" for r in rows)
                        for rows in mine["rows"]
                    ],
                    "Status": mine["status"],
                    "Proposed": [fmt.moment(v) for v in mine["proposed_at"]],
                }
            ),
            hide_index=True,
            width="stretch",
        )
