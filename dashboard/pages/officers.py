"""Officers: who holds what, how long they keep files, and what they send back down."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.figures.registry import CSMOP_WORKING_DAYS, FIGURES
from analytics.figures.views import OFFICER_LISTS
from dashboard import components, data
from dashboard import format as fmt
from dashboard.i18n import _, fixed

scope, filters, unit, unit_label, label = components.level_page(
    _("Officers"),
    _(
        "Who holds the files: per officer, the files pending with them at T, the oldest of "
        "them, those over the {limit}-working-day rule, how long they keep a file, and what "
        "they send back down. Choose an officer to list the files behind a count."
    ).format(limit=CSMOP_WORKING_DAYS),
)
table = data.officers(scope, filters, unit)
if table.empty:
    st.info(_("No officer holds or handled a file in this selection."))
    st.stop()

LISTS = {name: _(FIGURES[name].label) for name in OFFICER_LISTS}
SORT_BY = (
    "held_now",
    "oldest_age_days",
    "held_over_7_working_days",
    "median_days_held",
    "files_returned",
)
SORTS = {name: _(FIGURES[name].label) for name in SORT_BY}

left, middle, right = st.columns(3)
levels = sorted(table["level"].dropna().unique().tolist())
chosen_levels = left.multiselect(
    _("Level"),
    levels,
    format_func=fixed(label),
    key="officer_level",
    bind="query-params",
    placeholder=_("All levels"),
)
departments = sorted(table["department"].unique().tolist())
chosen_departments = middle.multiselect(
    _("Department"),
    departments,
    key="officer_department",
    bind="query-params",
    placeholder=_("All departments"),
    help=_("Narrows this table only; the sidebar's department filter narrows every page."),
)
sort_by = right.selectbox(
    _("Sort by (largest first)"),
    list(SORTS),
    format_func=SORTS.get,
    key="officer_sort",
    bind="query-params",
)
shown = table
if chosen_levels:
    shown = shown[shown["level"].isin(chosen_levels)]
if chosen_departments:
    shown = shown[shown["department"].isin(chosen_departments)]
shown = shown.sort_values(sort_by, ascending=False, na_position="last", kind="stable")
shown = shown.reset_index(drop=True)


def officer_name(row: pd.Series) -> str:
    """How an officer is named in the choice below: holder · department, state."""
    return f"{row['holder']} · {row['department']}, {row['state']}"


names = [officer_name(row) for _i, row in shown.iterrows()]
OFFICER_KEY = "officer"


def _pick_from_table() -> None:
    """A row chosen in the table opens that officer's files below."""
    rows = st.session_state["officers-table"].selection.rows
    if rows:
        st.session_state[OFFICER_KEY] = names[rows[0]]
        st.session_state["officer_list"] = "held_now"


def _age(v: object) -> str:
    return fmt.age(v, unit_label)


formats = {
    "level": label,
    "held_now": fmt.indian,
    "oldest_age_days": _age,
    "held_over_7_working_days": fmt.indian,
    "stints_ended": fmt.indian,
    "median_days_held": _age,
    "files_returned": fmt.indian,
}
st.markdown(
    _(
        "**{count} officers** (ages and times in {unit}; choose a row to list the files behind "
        "its counts)"
    ).format(count=fmt.indian(len(shown)), unit=unit_label)
)
st.dataframe(
    fmt.shown_frame(fmt.labelled(fmt.table(shown, formats))),
    hide_index=True,
    width="stretch",
    on_select=_pick_from_table,
    selection_mode="single-row",
    key="officers-table",
)
components.downloads(shown, f"officers_{unit}", "officers-downloads")

st.markdown("**" + _("The files behind a count") + "**")
left, right = st.columns([2, 3])
officer = left.selectbox(
    _("Officer"),
    names,
    index=None,
    key=OFFICER_KEY,
    bind="query-params",
    placeholder=_("Choose an officer (or a row above)"),
)
which = right.segmented_control(
    _("Which files"),
    list(LISTS),
    format_func=LISTS.get,
    default="held_now",
    key="officer_list",
    bind="query-params",
)
if officer is None:
    st.caption(_("Choose an officer to see their files; each file opens its journey."))
    st.stop()
row = shown.iloc[names.index(officer)]
which = which or "held_now"
files = data.officer_files(
    scope, filters, (row["state"], row["department"], row["holder"]), which, unit
)
st.markdown(
    _("**{list}: {count} files** of {holder} ({department}, {state})").format(
        list=LISTS[which],
        count=fmt.indian(len(files)),
        holder=fmt.plain(row["holder"]),
        department=fmt.plain(row["department"]),
        state=fmt.plain(row["state"]),
    )
)
journey = files.assign(journey="journey?file=" + files["file_id"].astype(str))
columns = ["journey", "file_id", "file_number", "subject", "level", "since", "age_days"]
if which == "files_returned":
    columns = ["journey", "file_id", "file_number", "subject"]
st.dataframe(
    fmt.shown_frame(
        fmt.labelled(
            fmt.table(journey[columns], {"level": label, "since": fmt.moment, "age_days": _age})
        )
    ),
    hide_index=True,
    width="stretch",
    column_config={
        fmt.heading("journey"): st.column_config.LinkColumn(
            fmt.heading("journey"), display_text=_("Open")
        )
    },
)

components.downloads(files, f"officer_files_{which}_{unit}", "officer-files-downloads")
