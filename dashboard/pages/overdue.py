"""Overdue: pending files past their limit (CSMOP's 7 working days unless a rule sets another),
per holder and level, since when, escalated or not, each with a link to its journey."""

from __future__ import annotations

import streamlit as st

from analytics.figures.overdue import OVERDUE_COLUMNS
from analytics.figures.registry import FIGURES
from dashboard import components, data
from dashboard import format as fmt

scope = components.data_page(
    "Overdue",
    "Pending files that have been with their present holder longer than their limit, in "
    "working days (Monday–Friday outside the state's holidays), as of each state's T; past "
    "the limit by the escalation days, a file is escalated to the next level's holder.",
)
filters = components.filters()
label = components.level_label(data.level_names())
components.heading(filters, scope)
if filters.has_range:
    st.caption("Overdue files are a snapshot as of T: the period filter does not change them.")

files, holders = data.overdue(scope, filters)
components.cards(
    [
        (FIGURES["overdue"].label, fmt.indian(len(files)), FIGURES["overdue"].help),
        (
            FIGURES["escalated"].label,
            fmt.indian(int(files["escalated"].sum())),
            FIGURES["escalated"].help,
        ),
        ("Holders with overdue files", fmt.indian(len(holders)), "Officers holding them."),
    ]
)
if files.empty:
    st.info("No file in this selection is past its limit.")
    st.stop()


# Columns of the download not shown on screen (a page's bare string would be drawn).
HIDDEN = ("subject", "file_type", "escalate_after_days", "escalate_to_level")


def _working(value: object) -> str:
    return fmt.days(value, 1, "working days")


st.markdown("**Per holder and level**")
components.table(
    fmt.labelled(
        fmt.table(
            holders.rename(columns={"max_age_working_days": "longest"}),
            {
                "level": label,
                "overdue": fmt.indian,
                "escalated": fmt.indian,
                "oldest_since": fmt.moment,
                "longest": _working,
            },
        )
    ).rename(columns={"Oldest since": "Held since (oldest)", "Longest": "Longest held"}),
    holders,
    "overdue_per_holder",
    "overdue-holders",
)

st.markdown("**Overdue files** (oldest first within each holder)")
shown = files.assign(journey=[components.journey_link(f) for f in files["file_id"]])
display = fmt.table(
    shown[["journey", *(c for c in OVERDUE_COLUMNS if c not in HIDDEN)]],
    {
        "file_number": lambda v: v if isinstance(v, str) and v else fmt.DASH,
        "level": label,
        "since": fmt.moment,
        "age_working_days": _working,
        "limit_days": _working,
        "overdue_since": fmt.moment,
        "escalated": lambda v: "Yes" if v else "No",
        "escalated_since": fmt.moment,
    },
)
display = display.rename(
    columns={
        "journey": "Journey",
        "age_working_days": "Held (working days)",
        "limit_days": "Limit",
        "overdue_since": "Overdue since",
        "escalated": "Escalated",
        "escalated_since": "Escalated since",
        "escalate_to_user": "Escalate to",
        "escalate_to_designation": "Escalate to (designation)",
    }
)
components.table(
    fmt.labelled(display),
    files.drop(columns=["file_key"]),
    "overdue_files",
    "overdue-files",
    links={"Journey": "Open journey"},
)
