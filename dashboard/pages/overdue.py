"""Overdue: pending files past their limit (CSMOP's 7 working days unless a rule sets another),
per holder and level, since when, escalated or not, each with a link to its journey."""

from __future__ import annotations

import streamlit as st

from analytics.figures.overdue import OVERDUE_COLUMNS
from analytics.figures.registry import FIGURES
from dashboard import components, data
from dashboard import format as fmt
from dashboard.i18n import _

scope = components.data_page(
    _("Overdue"),
    _(
        "Pending files that have been with their present holder longer than their limit, in "
        "working days (Monday–Friday outside the state's holidays), as of each state's T; past "
        "the limit by the escalation days, a file is escalated to the next level's holder."
    ),
)
filters = components.filters()
label = components.level_label(data.level_names())
components.heading(filters, scope)
if filters.has_range:
    st.caption(_("Overdue files are a snapshot as of T: the period filter does not change them."))

files, holders = data.overdue(scope, filters)
components.cards(
    [
        (_(FIGURES["overdue"].label), fmt.indian(len(files)), _(FIGURES["overdue"].help)),
        (
            _(FIGURES["escalated"].label),
            fmt.indian(int(files["escalated"].sum())),
            _(FIGURES["escalated"].help),
        ),
        (_("Holders with overdue files"), fmt.indian(len(holders)), _("Officers holding them.")),
    ]
)
if files.empty:
    st.info(_("No file in this selection is past its limit."))
    st.stop()


# Columns of the download not shown on screen (a page's bare string would be drawn).
HIDDEN = ("subject", "file_type", "escalate_after_days", "escalate_to_level")


def _working(value: object) -> str:
    return fmt.days(value, 1, "working days")


st.markdown("**" + _("Per holder and level") + "**")
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
    ).rename(
        columns={
            fmt.heading("oldest_since"): _("Held since (oldest)"),
            fmt.heading("longest"): _("Longest held"),
        }
    ),
    holders,
    "overdue_per_holder",
    "overdue-holders",
)

st.markdown(_("**Overdue files** (oldest first within each holder)"))
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
        "escalated": lambda v: _("Yes") if v else _("No"),
        "escalated_since": fmt.moment,
    },
)
display = display.rename(
    columns={
        "journey": _("Journey"),
        "age_working_days": _("Held (working days)"),
        "limit_days": _("Limit"),
        "overdue_since": _("Overdue since"),
        "escalated": _("Escalated"),
        "escalated_since": _("Escalated since"),
        "escalate_to_user": _("Escalate to"),
        "escalate_to_designation": _("Escalate to (designation)"),
    }
)
components.table(
    fmt.labelled(display),
    files.drop(columns=["file_key"]),
    "overdue_files",
    "overdue-files",
    links={_("Journey"): _("Open journey")},
)
