"""File journey: find a file and follow it holder by holder."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.figures.registry import FIGURES, GLOSSARY, OVER_LEVELS_LIMIT
from dashboard import charts, components, data
from dashboard import format as fmt
from dashboard.i18n import N_, _, fixed

scope = components.data_page(
    _("File journey"),
    _(
        "Find a file by its file number or computer number and follow it stint by stint: who "
        "held it, at which level, and for how long."
    ),
)
names = data.level_names()
label = components.level_label(names)

query = st.text_input(
    _("File number or computer number"),
    key="file",
    bind="query-params",
    placeholder=_("e.g. {example}").format(example="FIN-12011/3/2024-B, MN-FIN-000123"),
)
if not query.strip():
    st.info(_("Type all or part of a file number or computer number."))
    st.stop()
found = data.find_files(scope, query)
if found.empty:
    st.warning(_("No file in your scope matches “{query}”.").format(query=fmt.plain(query)))
    st.stop()


def _describe(i: int) -> str:
    row = found.iloc[i]
    number = row["file_number"] if isinstance(row["file_number"], str) else "—"
    return fmt.shown(f"{row['file_id']} · {number} · {row['state']}, {row['department']}")


choice = 0
if len(found) > 1:
    st.caption(_("{count} files match (first 50 shown).").format(count=fmt.indian(len(found))))
    choice = st.selectbox(_("Choose the file"), range(len(found)), format_func=fixed(_describe))
fact = found.iloc[choice]
journey, events = data.journey(scope, int(fact["file_key"]))

number = fact["file_number"] if isinstance(fact["file_number"], str) else _("no file number")
st.header(f"{fmt.plain(fact['file_id'])} · {fmt.plain(number)}")
where_held = f"{fmt.plain(fact['state'])}, {fmt.plain(fact['department'])}"
if isinstance(fact["subject"], str):
    st.markdown(f"*{fmt.plain(fact['subject'])}* — {where_held}")
else:
    st.markdown(where_held)
status = str(fact["status"]).capitalize()
STATUSES = {"Pending": N_("Pending"), "Parked": N_("Parked"), "Closed": N_("Closed")}
holder = fact["holder"] if isinstance(fact["holder"], str) else "—"
where = fact["designation"] if isinstance(fact["designation"], str) else _("no designation")
components.cards(
    [
        (
            _("Status at T"),
            _(STATUSES.get(status, status)),
            _("Pending, parked or closed as of the state's T."),
        ),
        (_("Created"), fmt.day(fact["created_at"]), _("Its first `created` event.")),
        (
            (
                (
                    _("With ({designation})")
                    if status == "Pending"
                    else _("Parked by ({designation})")
                ).format(designation=fmt.plain(where)),
                fmt.plain(holder),
                _("Who holds the file at T (for a parked file: who parked it)."),
            )
            if status in {"Pending", "Parked"}
            else (_("Closed on"), fmt.day(fact["closed_at"]), _("Its latest `closed` event."))
        ),
        (_("Movements"), fmt.indian(fact["movements"]), _("`moved` events.")),
        (
            _(FIGURES["levels_traversed"].label),
            fmt.indian(fact["levels_traversed"]),
            (
                f"{_(FIGURES['levels_traversed'].help)} "
                + _("Over {limit} breaches CSMOP's norm.").format(limit=OVER_LEVELS_LIMIT)
                + f" {_(GLOSSARY['CSMOP'])}"
            ),
        ),
        (_(FIGURES["returns"].label), fmt.indian(fact["returns"]), _(FIGURES["returns"].help)),
    ]
)

as_of = data.choices(scope)["as_of"].get(fact["state"])
finish = journey["end"].fillna(as_of) if as_of is not None else journey["end"]
timeline = pd.DataFrame(
    {
        "label": [
            f"{h} · {d if isinstance(d, str) else _('no designation')}"
            for h, d in zip(journey["holder"], journey["designation"], strict=True)
        ],
        "start": journey["start"],
        "finish": finish,
        "held": [fmt.age(v) for v in (finish - journey["start"]).dt.total_seconds() / 86400],
        "when": [
            f"{fmt.moment(a)} → {fmt.moment(b)}"
            for a, b in zip(journey["start"], finish, strict=True)
        ],
        "colour_key": ["open" if pd.isna(e) else "ended" for e in journey["end"]],
    }
)
components.chart(charts.journey_timeline(timeline), f"journey_{fact['file_id']}", "timeline")

ENDED_BY = {
    "moved": N_("Sent on"),
    "parked": N_("Parked"),
    "closed": N_("Closed"),
    "": N_("Still with holder"),
}
# end_action is categorical (moved, parked, closed); an open stint has none.
display = journey.assign(end_action=journey["end_action"].astype("string").fillna(""))
st.markdown(_("**Stint by stint** (time held in calendar and working days)"))
st.caption(f"{_(GLOSSARY['stint'])} {_(GLOSSARY['broken chain'])}")
components.table(
    fmt.labelled(
        fmt.table(
            display.drop(columns=["seq"]),
            {
                "level": label,
                "start": fmt.moment,
                "end": fmt.moment,
                "received_at": fmt.moment,
                "days": fmt.age,
                "working_days": lambda v: fmt.age(v, "working days"),
                "end_action": lambda v: _(ENDED_BY[v]) if v in ENDED_BY else v,
                "broken": lambda v: _("Yes") if v else "",
            },
        )
    ).rename(
        columns={
            fmt.heading("start"): _("Received (sent to holder)"),
            fmt.heading("end"): _("Left holder"),
            fmt.heading("received_at"): _("Opened by holder"),
            fmt.heading("days"): _("Time held"),
            fmt.heading("working_days"): _("Working days held"),
            fmt.heading("end_action"): _("Ended by"),
            fmt.heading("broken"): _("Chain broken"),
        }
    ),
    journey,
    f"journey_{fact['file_id']}",
    "journey-table",
)
with st.expander(_("Every event of the file")):
    components.table(
        fmt.labelled(
            fmt.table(
                events.drop(columns=["seq"]), {"timestamp": fmt.moment, "received_at": fmt.moment}
            )
        ),
        events,
        f"events_{fact['file_id']}",
        "events-table",
    )
