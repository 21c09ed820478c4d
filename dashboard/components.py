"""Shared page parts: scope, filters kept in the URL, metric cards, tables, charts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.access import Scope
from analytics.auth import ExportRefused
from analytics.report import csv_bytes, excel_bytes
from analytics.views import Filters
from dashboard import auth, data
from dashboard import format as fmt

FILE_TYPE_LABELS = {"electronic": "e-File (electronic)", "physical": "Physical file"}
UNITS = {"days": "Calendar days", "working_days": "Working days"}
UNIT_LABELS = {"days": "days", "working_days": "working days"}


def current_scope() -> Scope:
    """The signed-in reader's scope, re-resolved from the store on every run. Without a
    signed-in user (or the demo) this shows the sign-in page and stops: it fails closed."""
    return auth.require_sign_in().scope


def ensure_navigation() -> None:
    """Run the page through the app's navigation, even as a fresh server's first request.

    Streamlit treats a `pages/` folder beside the main script as a legacy multipage app until
    `st.navigation` has run once in the process, so a deep link opened first after a restart
    would run the page alone (no page config, the folder's file names as navigation). In that
    case run the app's navigation here (it runs this same page) and stop.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        from dashboard import navigation

        navigation.run()
        st.stop()


def header(title: str, intro: str) -> None:
    """The page title and one line on what it answers (first making sure of the navigation)."""
    ensure_navigation()
    st.title(title)
    st.caption(intro)


def no_data() -> None:
    """What a page shows on an empty store, then stops."""
    st.info(
        "No movement logs in your scope are stored yet. A nodal officer can load one on Upload."
    )
    st.page_link("pages/upload.py", label="Go to Upload", icon=":material/upload:")
    st.stop()


FILTERS_KEY = "eoffice_filters"
"""Session key of the filters the app drew in the sidebar for this run (`sidebar_filters`)."""
_REFUSED_KEY = "eoffice_refused_filters"


def sidebar_filters(scope: Scope, applies: bool) -> None:
    """The filter bar, drawn by the app (not by a page) on every page, so it belongs to the
    app's main script: Streamlit then keeps its query parameters across page changes, and a
    shared link, a reload or a new tab reproduces the view on every page.

    It is drawn in full on every page, also where the filters do not apply (File journey,
    Upload, Administration): the browser keeps only the query parameters of widgets on
    screen when the page changes, so a bar folded away (a collapsed expander) would drop them.
    """
    if applies:
        st.session_state[FILTERS_KEY] = filter_bar(scope)
        return
    st.session_state.pop(FILTERS_KEY, None)
    filter_bar(scope)
    st.sidebar.caption(
        "These filters apply on Overview, States, Hierarchy, Flow and Pendency, not on this "
        "page; they stay in the link."
    )


def filters() -> Filters:
    """The filters chosen in the sidebar for this run (every value when none were drawn)."""
    chosen = st.session_state.get(FILTERS_KEY)
    return chosen if isinstance(chosen, Filters) else Filters()


def filter_bar(scope: Scope, bar: Any = None) -> Filters:
    """State, department, file type and date range in the sidebar (or `bar`), kept in the URL.

    A state or department the URL asks for that the reader may not see (or that has no data)
    is not applied, and a note names it (`refused_note`).
    """
    options = data.choices(scope)
    bar = bar or st.sidebar
    bar.header("Filters")
    _note_refused(scope, options)
    states = bar.multiselect(
        "State",
        options["states"],
        key="state",
        bind="query-params",
        placeholder="All states",
        on_change=_forget_refused,
    )
    departments = sorted(
        {d for s, ds in options["departments"].items() if not states or s in states for d in ds}
    )
    chosen_departments = bar.multiselect(
        "Department",
        departments,
        key="department",
        bind="query-params",
        placeholder="All departments",
        on_change=_forget_refused,
    )
    types = bar.multiselect(
        "File type",
        options["file_types"],
        key="file_type",
        bind="query-params",
        format_func=lambda t: FILE_TYPE_LABELS.get(t, t),
        placeholder="All file types",
    )
    first, last = options["first"], options["last"]
    period: Any = ()
    if first is not None:
        period = bar.date_input(
            "Period (activity between these dates, IST)",
            value=(),
            min_value=first,
            max_value=last,
            format="DD/MM/YYYY",
            key="dates",
            bind="query-params",
            help="Counts events and stints in the period. Pendency is always as of T.",
        )
    start = period[0] if len(period) >= 1 else None
    end = period[1] if len(period) == 2 else None
    _as_of_note(options.get("as_of"), states)
    return Filters(
        states=tuple(states),
        departments=tuple(chosen_departments),
        file_types=tuple(types),
        start=start if isinstance(start, date) else None,
        end=end if isinstance(end, date) else None,
    )


def _note_refused(scope: Scope, options: dict) -> None:
    """Remember the states and departments the URL asks for that cannot be shown (read
    before the widgets drop them from the URL); kept until the reader changes those filters."""
    asked_states = st.query_params.get_all("state")
    asked_departments = st.query_params.get_all("department")
    chosen = [s for s in asked_states if s in options["states"]]
    visible = chosen or options["states"]
    known = {d for s in visible for d in options["departments"].get(s, [])}
    refused = {
        "state": [s for s in asked_states if s and s not in options["states"]],
        "department": [d for d in asked_departments if d and d not in known],
    }
    if refused["state"] or refused["department"]:
        allowed = {
            "state": [s for s in refused["state"] if scope.allows(s)],
            "department": [
                d
                for d in refused["department"]
                if any(scope.allows(s, d) for s in (chosen or asked_states or visible))
            ],
        }
        st.session_state[_REFUSED_KEY] = (refused, allowed)


def _forget_refused() -> None:
    st.session_state.pop(_REFUSED_KEY, None)


def refused_note(scope: Scope) -> None:
    """The note under a page's heading naming what the link asked for that is not shown:
    outside the reader's access, or (inside it) not in the stored data. Values are shown as
    plain text."""
    found = st.session_state.get(_REFUSED_KEY)
    if not found:
        return
    refused, allowed = found
    words = {"state": ("state", "states"), "department": ("department", "departments")}
    for kind in ("state", "department"):
        outside = [v for v in refused[kind] if v not in allowed[kind]]
        missing = [v for v in refused[kind] if v in allowed[kind]]
        showing = describe_scope_words(scope)
        if outside:
            st.warning(
                f"The link asks for {_named(words[kind], outside)}, outside your access: "
                f"not applied. Showing what you may see ({showing}).",
                icon=":material/lock:",
            )
        if missing:
            st.warning(
                f"The link asks for {_named(words[kind], missing)}, which has no stored data "
                "in this selection: not applied.",
                icon=":material/filter_alt_off:",
            )


def _named(word: tuple[str, str], values: list[str]) -> str:
    return f"{word[0] if len(values) == 1 else word[1]} " + ", ".join(fmt.plain(v) for v in values)


def _as_of_note(as_of: pd.Series | None, states: list[str]) -> None:
    if as_of is None or as_of.empty:
        return
    shown = as_of[as_of.index.isin(states)] if states else as_of
    lines = [f"- {fmt.plain(state)}: {fmt.moment(t)}" for state, t in shown.items()]
    with st.sidebar.expander("As of (T) per state", expanded=bool(states)):
        st.caption("Figures count each state's log up to its latest event, T:")
        st.markdown("\n".join(lines))


def unit_choice(key: str = "unit") -> str:
    """Calendar or working days (Monday–Friday IST, state holidays excluded)."""
    choice = st.segmented_control(
        "Count time in",
        list(UNITS),
        format_func=UNITS.get,
        default="days",
        key=key,
        bind="query-params",
        help="Working days count only Monday–Friday IST outside the state's holidays.",
    )
    return choice or "days"


def describe_scope_words(scope: Scope, states: tuple[str, ...] = ()) -> str:
    """What a reader sees of `states` (all of the scope when empty), in words: "All states",
    "Manipur", "Manipur / Finance", "Manipur, Assam / Health" (values through `fmt.plain`)."""
    if scope.unrestricted:
        return ", ".join(map(fmt.plain, states)) if states else "All states"
    whole = sorted(s for s in scope.states or () if not states or s in states)
    parts = whole + [
        f"{s} / {d}" for s, d in sorted(scope.departments) if (not states or s in states)
    ]
    return ", ".join(" / ".join(map(fmt.plain, p.split(" / "))) for p in parts) or "none"


def describe(filters: Filters, scope: Scope | None = None) -> str:
    """The selection in words, for the heading: the states (as far as the reader's scope
    reaches, e.g. "Manipur / Finance"), departments, file types and period (Markdown: its
    data values are `fmt.plain`)."""
    parts = [describe_scope_words(scope or Scope.everything(), filters.states)]
    if filters.departments:
        parts.append(", ".join(map(fmt.plain, filters.departments)))
    if filters.file_types:
        parts.append(", ".join(fmt.plain(FILE_TYPE_LABELS.get(t, t)) for t in filters.file_types))
    if filters.start or filters.end:
        parts.append(
            f"{fmt.day(filters.start) if filters.start else '…'} to "
            f"{fmt.day(filters.end) if filters.end else '…'}"
        )
    return " · ".join(parts)


def heading(filters: Filters, scope: Scope) -> None:
    """The selection as the page's subheading, with any note on filters not applied."""
    st.subheader(describe(filters, scope))
    refused_note(scope)


def cards(items: list[tuple[str, str, str]], per_row: int = 3) -> None:
    """Metric cards: (label, formatted value, help)."""
    for i in range(0, len(items), per_row):
        columns = st.columns(per_row)
        for column, (label, value, help_text) in zip(columns, items[i : i + per_row], strict=False):
            column.metric(label, value, help=help_text, border=True)


def downloads(raw: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel download buttons for `raw` (the report columns, not the display)."""
    left, right, _ = st.columns([1, 1, 4])
    audit = _export_audit(name, len(raw))
    left.download_button(
        "Download CSV",
        data=_lazy(csv_bytes, raw, audit=(audit, "csv")),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}-csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "Download Excel",
        data=_lazy(excel_bytes, raw, name, audit=(audit, "xlsx")),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}-xlsx",
        on_click="ignore",
        icon=":material/download:",
    )


def download_file(
    label: str,
    make: Callable[[], bytes],
    file_name: str,
    mime: str,
    key: str,
    rows: int,
    fmt_name: str,
) -> None:
    """One download button whose bytes `make` builds only on a click, after the export is
    checked and audited (as `downloads` does for tables)."""
    st.download_button(
        label,
        data=_lazy(make, audit=(_export_audit(file_name, rows), fmt_name)),
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def _export_audit(name: str, rows: int) -> Callable[[str], None] | None:
    """Records an export of `name` in the audit log (as docs/access.md says) for this user,
    re-checking the user against the store at that moment (`Accounts.record_export` raises,
    audited, when the account was disabled or its access changed)."""
    user = auth.signed_in_user()
    accounts = auth.accounts()
    if user is None:
        return _no_user
    return lambda fmt_name: accounts.record_export(user, name, rows, fmt_name)


def _no_user(fmt_name: str) -> None:
    raise ExportRefused("refused: nobody is signed in; nothing was exported")


def _lazy(
    fn: Callable[..., bytes],
    *args: Any,
    audit: tuple[Callable[[str], None] | None, str] | None = None,
) -> Callable[[], bytes]:
    """The file's bytes, made only when the button is clicked, after the export is checked
    and audited."""

    def make() -> bytes:
        if audit is not None and audit[0] is not None:
            audit[0](audit[1])  # raises when the export is refused: no file is made
        return fn(*args)

    return make


def table(
    display: pd.DataFrame,
    raw: pd.DataFrame,
    name: str,
    key: str,
    height: int | None = None,
    select: bool = False,
) -> list[int]:
    """A formatted table with downloads of its raw form; with `select`, a click on a row
    selects it and the selected row positions are returned."""
    rows = frame(display, height, f"{key}-rows" if select else None)
    downloads(raw, name, key)
    return rows


def frame(display: pd.DataFrame, height: int | None = None, select: str | None = None) -> list[int]:
    """A table on screen (text as `fmt.shown_frame`). Streamlit's own CSV download and copy
    of it are off (`client.disableDataExport`): data leaves only through `downloads`.
    `select` (a widget key) lets a click select one row; its position is returned."""
    kwargs: dict[str, Any] = {"hide_index": True, "width": "stretch"}
    if height:
        kwargs["height"] = height
    if select is None:
        st.dataframe(fmt.shown_frame(display), **kwargs)
        return []
    event = st.dataframe(
        fmt.shown_frame(display),
        key=select,
        on_select="rerun",
        selection_mode="single-row",
        **kwargs,
    )
    return list(event.selection.rows)


def chart(fig: go.Figure, name: str, key: str) -> None:
    """A Plotly chart in the house template; its toolbar's camera icon saves a PNG."""
    st.plotly_chart(
        fig,
        theme=None,
        key=key,
        config={
            "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
            "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        },
    )


class LevelPage(NamedTuple):
    """What a page read by level works with: scope, filters, duration unit and level labels."""

    scope: Scope
    filters: Filters
    unit: str
    unit_label: str
    label: Callable[[Any], str]


def level_page(title: str, intro: str) -> LevelPage:
    """The top of a page read by level: header, the user's scope (stops when it holds no
    data), the filter bar, the unit choice and the selection as a subheading."""
    header(title, intro)
    scope = current_scope()
    if data.prepared(scope) is None:
        no_data()
    chosen = filters()
    unit = unit_choice()
    label = level_label(data.level_names())
    heading(chosen, scope)
    return LevelPage(scope, chosen, unit, UNIT_LABELS[unit], label)


def level_label(names: dict[int, str]) -> Callable[[Any], str]:
    """A formatter: level number → '3 · Under Secretary'."""
    return lambda v: fmt.level(v, names)
