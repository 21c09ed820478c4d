"""Flow: how files move between levels, with returns downward shown apart."""

from __future__ import annotations

import streamlit as st

from analytics.figures.registry import GLOSSARY
from dashboard import charts, components, data
from dashboard import format as fmt
from dashboard.i18n import N_, _

scope, filters, unit, unit_label, label = components.level_page(
    _("Flow between levels"),
    _(
        "Every movement from one level to another: how many, and how long the sender had held "
        "the file before sending it. Returns (to a lower level) are shown apart."
    ),
)

flow = data.flow(scope, filters, unit)
if flow.empty:
    st.info(_("No movements in this selection."))
    st.stop()
flow = flow.assign(from_label=flow["from_level"].map(label), to_label=flow["to_level"].map(label))
total = int(flow["movements"].sum())
returns = flow[flow["direction"].eq("down")]
upward = flow[flow["direction"].isin(["up", "same"])]
unmapped = flow[flow["direction"].eq("")]
components.cards(
    [
        (_("Movements"), fmt.indian(total), _("`moved` events in the selection.")),
        (
            _("Upward or same level"),
            fmt.indian(int(upward["movements"].sum())),
            _("Movements to a higher level or to a colleague at the same level."),
        ),
        (
            _("Returns (downward)"),
            fmt.indian(int(returns["movements"].sum())),
            _("Movements to a lower level: the returns of the per-file figures."),
        ),
        (
            _("Unmapped designation"),
            fmt.indian(int(unmapped["movements"].sum())),
            _("Sender or receiver has a designation the level table does not know.")
            + " "
            + _(GLOSSARY["unmapped"]),
        ),
    ],
    per_row=4,
)
tab_up, tab_down, tab_matrix = st.tabs([_("Upward flow"), _("Returns downward"), _("Matrix")])
with tab_up:
    components.chart(charts.flow_sankey(upward), "flow_upward", "sankey-up")
with tab_down:
    components.chart(
        charts.flow_matrix(
            returns, "movements", _("Returns: movements to a lower level"), "Oranges"
        ),
        "flow_returns",
        "returns",
    )
with tab_matrix:
    components.chart(
        charts.flow_matrix(flow, "movements", _("Movements, from level → to level"), "Blues"),
        "flow_matrix_counts",
        "matrix-count",
    )
    components.chart(
        charts.flow_matrix(
            flow,
            "median_days",
            _("Median {unit} with the sender before the move").format(unit=unit_label),
            "Purples",
        ),
        "flow_matrix_times",
        "matrix-time",
    )

DIRECTIONS = {
    "up": N_("Up"),
    "same": N_("Same level"),
    "down": N_("Return (down)"),
    "": N_("Unmapped"),
}
raw = flow.drop(columns=["from_label", "to_label"])
st.markdown(_("**Every level-to-level pair** (median time in {unit})").format(unit=unit_label))
components.table(
    fmt.labelled(
        fmt.table(
            raw,
            {
                "from_level": label,
                "to_level": label,
                "movements": fmt.indian,
                "median_days": lambda v: fmt.age(v, unit_label),
                "direction": lambda d: _(DIRECTIONS[d]) if d in DIRECTIONS else d,
            },
        )
    ).rename(
        columns={
            fmt.heading("median_days"): _("Median time with sender ({unit})").format(
                unit=unit_label
            )
        }
    ),
    raw,
    f"level_flow_{unit}",
    "flow-table",
)
