"""Shared page parts: scope, filters kept in the URL, metric cards, tables, charts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.access.authorise import ExportRefused
from analytics.access.scope import Scope
from analytics.access.users import SignedInUser
from analytics.figures import monthly
from analytics.figures.registry import GLOSSARY
from analytics.figures.views import Filters
from analytics.outputs.monthly_pdf import pdf_bytes
from analytics.outputs.report import csv_bytes, excel_bytes
from analytics.schema import Duration
from dashboard import auth, data
from dashboard import format as fmt
from dashboard.format import DASH
from dashboard.i18n import N_, _, current, fixed, ngettext, using

FILE_TYPE_LABELS = {"electronic": N_("e-File (electronic)"), "physical": N_("Physical file")}
UNITS = {Duration.DAYS: N_("Calendar days"), Duration.WORKING_DAYS: N_("Working days")}
UNIT_LABELS = {Duration.DAYS: N_("days"), Duration.WORKING_DAYS: N_("working days")}
"""Each unit's words in English (message ids: translate with `_()` where shown)."""


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
        _("No movement logs in your scope are stored yet. A nodal officer can load one on Upload.")
    )
    st.page_link("pages/upload.py", label=_("Go to Upload"), icon=":material/upload:")
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
        _(
            "These filters apply on Overview, States, Officers, Hierarchy, Flow and Pendency, "
            "not on this page; they stay in the link."
        )
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
    bar.header(_("Filters"))
    _note_refused(scope, options)
    states = bar.multiselect(
        _("State"),
        options["states"],
        key="state",
        bind="query-params",
        placeholder=_("All states"),
        on_change=_forget_refused,
    )
    departments = sorted(
        {d for s, ds in options["departments"].items() if not states or s in states for d in ds}
    )
    chosen_departments = bar.multiselect(
        _("Department"),
        departments,
        key="department",
        bind="query-params",
        placeholder=_("All departments"),
        on_change=_forget_refused,
    )
    types = bar.multiselect(
        _("File type"),
        options["file_types"],
        key="file_type",
        bind="query-params",
        format_func=fixed(lambda t: _(FILE_TYPE_LABELS.get(t, t))),
        placeholder=_("All file types"),
    )
    first, last = options["first"], options["last"]
    period: Any = ()
    if first is not None:
        period = bar.date_input(
            _("Period (activity between these dates, IST)"),
            value=(),
            min_value=first,
            max_value=last,
            format="DD/MM/YYYY",
            key="dates",
            bind="query-params",
            help=_("Counts events and stints in the period. Pendency is always as of T."),
        )
    start = period[0] if len(period) >= 1 else None
    end = period[1] if len(period) == 2 else None
    _as_of_note(options.get("as_of"), states)
    st.sidebar.caption(level_table_note())
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
    for kind in ("state", "department"):
        outside = [v for v in refused[kind] if v not in allowed[kind]]
        missing = [v for v in refused[kind] if v in allowed[kind]]
        showing = describe_scope_words(scope)
        if outside:
            st.warning(
                _(
                    "The link asks for {asked}, outside your access: not applied. Showing what "
                    "you may see ({showing})."
                ).format(asked=_named(kind, outside), showing=showing),
                icon=":material/lock:",
            )
        if missing:
            st.warning(
                _(
                    "The link asks for {asked}, which has no stored data in this selection: "
                    "not applied."
                ).format(asked=_named(kind, missing)),
                icon=":material/filter_alt_off:",
            )


def _named(kind: str, values: list[str]) -> str:
    names = ", ".join(fmt.plain(v) for v in values)
    if kind == "state":
        return ngettext("state {names}", "states {names}", len(values)).format(names=names)
    return ngettext("department {names}", "departments {names}", len(values)).format(names=names)


def _as_of_note(as_of: pd.Series | None, states: list[str]) -> None:
    if as_of is None or as_of.empty:
        return
    shown = as_of[as_of.index.isin(states)] if states else as_of
    lines = [f"- {fmt.plain(state)}: {fmt.moment(t)}" for state, t in shown.items()]
    with st.sidebar.expander(_("As of (T) per state"), expanded=bool(states)):
        st.caption(_(GLOSSARY["T"]))
        st.markdown("\n".join(lines))


def level_table_note() -> str:
    """Which designation-to-level table the figures use: its version in the store."""
    info = data.level_table()
    if not info["version"]:
        return _("Levels: the built-in level table (version 0).")
    return _("Levels: level table version {version}, made {made} by {by}.").format(
        version=info["version"],
        made=fmt.moment(info["created_at"]),
        by=fmt.plain(str(info["created_by"])),
    )


def glossary() -> None:
    """The words used here, one sentence each (the registry's `GLOSSARY`), in the sidebar."""
    with st.sidebar.expander(_("Words used here")):
        st.markdown(
            "\n".join(f"- **{_(word)}**: {fmt.plain(_(text))}" for word, text in GLOSSARY.items())
        )


def unit_choice(key: str = "unit") -> Duration:
    """Calendar or working days (Monday–Friday IST, state holidays excluded)."""
    choice = st.segmented_control(
        _("Count time in"),
        list(UNITS),
        format_func=fixed(lambda u: _(UNITS[u])),
        default=Duration.DAYS,
        key=key,
        bind="query-params",
        help=_("Working days count only Monday–Friday IST outside the state's holidays."),
    )
    return Duration(choice or Duration.DAYS)


def describe_scope_words(
    scope: Scope, states: tuple[str, ...] = (), text: Callable[[Any], str] = fmt.plain
) -> str:
    """What a reader sees of `states` (all of the scope when empty), in words: "All states",
    "Manipur", "Manipur / Finance", "Manipur, Assam / Health" (values through `text`:
    `fmt.plain` for Markdown, `fmt.shown` for a file)."""
    if scope.unrestricted:
        return ", ".join(map(text, states)) if states else _("All states")
    whole = sorted(s for s in scope.states or () if not states or s in states)
    parts = whole + [
        f"{s} / {d}" for s, d in sorted(scope.departments) if (not states or s in states)
    ]
    return ", ".join(" / ".join(map(text, p.split(" / "))) for p in parts) or _("none")


def describe(
    filters: Filters, scope: Scope | None = None, text: Callable[[Any], str] = fmt.plain
) -> str:
    """The selection in words, for the heading: the states (as far as the reader's scope
    reaches, e.g. "Manipur / Finance"), departments, file types and period (its data values
    through `text`: `fmt.plain`, Markdown-safe, unless told otherwise)."""
    parts = [describe_scope_words(scope or Scope.everything(), filters.states, text)]
    if filters.departments:
        parts.append(", ".join(map(text, filters.departments)))
    if filters.file_types:
        parts.append(", ".join(text(_(FILE_TYPE_LABELS.get(t, t))) for t in filters.file_types))
    if filters.start or filters.end:
        parts.append(
            _("{start} to {end}").format(
                start=fmt.day(filters.start) if filters.start else "…",
                end=fmt.day(filters.end) if filters.end else "…",
            )
        )
    return " · ".join(parts)


def heading(filters: Filters, scope: Scope) -> None:
    """The selection as the page's subheading, with any note on filters not applied."""
    st.header(describe(filters, scope))
    refused_note(scope)


CARDS_CSS = """<style>
div[class*="st-key-cards-"] > div[data-testid="stElementContainer"] {
  flex: 1 1 calc(100% / var(--per-row) - 1rem); min-width: 12rem;
  max-width: calc(100% / var(--per-row) - 0.25rem);
}
div[class*="st-key-cards-2-"] { --per-row: 2; }
div[class*="st-key-cards-3-"] { --per-row: 3; }
div[class*="st-key-cards-4-"] { --per-row: 4; }
div[class*="st-key-cards-"] [data-testid="stMetric"] * {
  white-space: normal !important; text-overflow: clip !important;
}
div[class*="st-key-cards-"] [data-testid="stMetric"] div { flex-wrap: wrap; }
@media (max-width: 640px) {
  div[class*="st-key-cards-"] > div[data-testid="stElementContainer"] {
    flex: 1 1 calc(50% - 0.5rem); min-width: calc(50% - 0.5rem);
    max-width: calc(50% - 0.25rem);
  }
  div[class*="st-key-cards-"] [data-testid="stMetricValue"] { font-size: 1.5rem; }
}
</style>"""
"""Cards wrap `per_row` to a line, and two to a line on a phone (Streamlit's columns would
stack them one under another)."""


def cards(items: list[tuple], per_row: int = 3) -> None:
    """Metric cards: (label, formatted value, help[, change, delta colour, what it is
    against])."""
    st.html(CARDS_CSS)
    labels = "|".join(str(item[0]) for item in items)
    digest = hashlib.sha256(labels.encode("utf-8")).hexdigest()[:10]
    box = st.container(horizontal=True, gap="small", key=f"cards-{per_row}-{digest}")
    for item in items:
        label, value, help_text, *change = item
        delta, colour, against = change if change else (None, "normal", None)
        box.metric(
            label,
            value,
            delta,
            delta_color=colour,
            delta_description=against,
            help=help_text,
            border=True,
        )


def downloads(raw: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel download buttons for `raw` (the report columns, not the display).

    The CSV is for machines: the plain column names. The Excel file is for a meeting:
    readable headers, level names, numbers as numbers, and a first block stating the scope,
    the filters, T and when it was made. Both are named for what they hold
    (`download_name`)."""
    left, right, _rest = st.columns([1, 1, 4])
    audit = _export_audit(name, len(raw))
    chosen = filters() if FILTERS_KEY in st.session_state else None
    user = auth.signed_in_user()
    scope = user.scope if user is not None else Scope.nothing()
    as_of = _as_of(scope, chosen)
    stem = download_name(name, chosen, as_of)
    left.download_button(
        _("Download CSV"),
        data=_lazy(csv_bytes, raw, audit=(audit, "csv")),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}-csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        _("Download Excel"),
        data=_lazy(
            _workbook,
            raw,
            name,
            chosen,
            scope,
            as_of,
            data.level_names(),
            current(),
            audit=(audit, "xlsx"),
        ),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}-xlsx",
        on_click="ignore",
        icon=":material/download:",
    )


def monthly_report(scope: Scope, filters: Filters, months: list[str]) -> None:
    """A month choice and the "Monthly report" download: the PDF `eoffice-analytics monthly`
    writes, for the one state chosen in the filters (and its one department, if chosen), else
    the national edition within the reader's scope. Made only when clicked, audited as an
    export (a refused export makes no file)."""
    if not months:
        return
    state = filters.states[0] if len(filters.states) == 1 else None
    department = filters.departments[0] if state and len(filters.departments) == 1 else None
    left, right, _rest = st.columns([2, 2, 3], vertical_alignment="bottom")
    month = left.selectbox(
        _("Month of the report"),
        sorted(months, reverse=True),
        format_func=fixed(lambda m: fmt.day(f"{m}-01")[3:]),
        key="monthly_month",
    )
    where = monthly.scope_words(scope, state, department)
    right.download_button(
        _("Monthly report"),
        data=monthly_pdf(auth.signed_in_user(), month, scope, state, department),
        file_name=f"eoffice-monthly-{month}-{_slug(where)}.pdf",
        mime="application/pdf",
        key="monthly-pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        help=_("The monthly report of {where} for the month chosen (PDF, A4).").format(
            where=fmt.shown(_(where))  # "All states", or the names chosen
        ),
    )


def monthly_pdf(
    user: SignedInUser | None,
    month: str,
    scope: Scope,
    state: str | None,
    department: str | None,
) -> Callable[[], bytes]:
    """The monthly report's PDF bytes in the page's language, made when asked: read from the
    store within `scope`, rendered, then the export audited (re-checking the user) before the bytes are handed out.
    (Streamlit runs it outside the page's script run: the store and accounts are taken now.)"""
    store, accounts = data.store(), auth.accounts()
    lang = current()  # the page's language, taken now: the click runs outside the page

    def make() -> bytes:
        if user is None:
            _no_user("pdf")
        report = monthly.from_store(store, month, scope=scope, state=state, department=department)
        pdf = pdf_bytes(report, lang=lang)
        accounts.guard.record_export(user, monthly.export_name(report), report.rows(), "pdf")
        return pdf

    return make


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fmt.shown(text).lower()).strip("-")


def _as_of(scope: Scope, chosen: Filters | None) -> pd.Series:
    """T of each state the download covers (of the reader's scope)."""
    as_of = data.choices(scope).get("as_of")
    if as_of is None:
        return pd.Series(dtype=object)
    if chosen is not None and chosen.states:
        as_of = as_of[as_of.index.isin(chosen.states)]
    return as_of


def download_name(name: str, chosen: Filters | None, as_of: pd.Series) -> str:
    """A file name that says what it holds: the states and departments chosen, what the
    table is, and the date it runs to (the period's end, else the latest T), e.g.
    `manipur-finance-pendency-2024-09-30`."""
    parts = [*(chosen.states if chosen else ()), *(chosen.departments if chosen else ())]
    if chosen is not None and chosen.end is not None:
        when = chosen.end.isoformat()
    elif len(as_of):
        when = as_of.max().tz_convert("Asia/Kolkata").date().isoformat()
    else:
        when = ""
    words = [_slug(p) for p in parts] or ["all"]
    return "-".join(w for w in [*words[:3], _slug(name), when] if w)


def _workbook(
    raw: pd.DataFrame,
    name: str,
    chosen: Filters | None,
    scope: Scope,
    as_of: pd.Series,
    level_names: dict[int, str],
    lang: str = "en",
) -> bytes:
    """The Excel file of `downloads` (made at the click, for the scope it was shown to, in
    the language of the page it was asked from: headers and the first block)."""
    with using(lang):
        about = [
            (_("Table"), name.replace("_", " ").capitalize()),
            (_("Scope (what you may see)"), describe_scope_words(scope, (), fmt.shown)),
            (
                _("Filters"),
                describe(chosen, scope, fmt.shown)
                if chosen is not None
                else _("The sidebar filters do not apply to this table."),
            ),
            (
                _("As of (T)"),
                "; ".join(f"{fmt.shown(s)} {fmt.moment(t)}" for s, t in as_of.items()) or DASH,
            ),
            (_("Made"), fmt.moment(pd.Timestamp.now(tz="UTC"))),
        ]
        headers = {c: fmt.heading(c) for c in raw.columns}
    return excel_bytes(raw, name, about=about, headers=headers, level_names=level_names)


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
    return lambda fmt_name: accounts.guard.record_export(user, name, rows, fmt_name)


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
    links: dict[str, str] | None = None,
    select: bool = False,
) -> list[int]:
    """A formatted table with downloads of its raw form (`links` as for `frame`); with
    `select`, a click on a row selects it and the selected row positions are returned."""
    rows = frame(display, height, links, f"{key}-rows" if select else None)
    downloads(raw, name, key)
    return rows


def journey_link(file_id: Any) -> str:
    """The File journey page's address for a file (its computer number in the link)."""
    return "journey?" + urlencode({"file": str(file_id)})


def frame(
    display: pd.DataFrame,
    height: int | None = None,
    links: dict[str, str] | None = None,
    select: str | None = None,
) -> list[int]:
    """A table on screen (text as `fmt.shown_frame`). Streamlit's own CSV download and copy
    of it are off (`client.disableDataExport`): data leaves only through `downloads`.
    `links` makes those columns (holding addresses) links that read as the text given;
    `select` (a widget key) lets a click select one row; its position is returned."""
    kwargs: dict[str, Any] = {"hide_index": True, "width": "stretch"}
    if links:
        kwargs["column_config"] = {
            c: st.column_config.LinkColumn(c, display_text=text) for c, text in links.items()
        }
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


def officers_link() -> None:
    """A link to the Officers page: who holds the files a level or pendency chart counts."""
    st.page_link(
        "pages/officers.py",
        label=_("Who holds these files: open Officers (same filters)"),
        icon=":material/badge:",
    )


class LevelPage(NamedTuple):
    """What a page read by level works with: scope, filters, duration unit and level labels."""

    scope: Scope
    filters: Filters
    unit: str
    unit_label: str
    label: Callable[[Any], str]


def data_page(title: str, intro: str) -> Scope:
    """The top of a page over the stored data: header, and the user's scope (the page stops
    with `no_data` when the scope holds no data)."""
    header(title, intro)
    scope = current_scope()
    if data.prepared(scope) is None:
        no_data()
    return scope


def level_page(title: str, intro: str) -> LevelPage:
    """The top of a page read by level: header, the user's scope (stops when it holds no
    data), the filter bar, the unit choice and the selection as a subheading."""
    scope = data_page(title, intro)
    chosen = filters()
    unit = unit_choice()
    label = level_label(data.level_names())
    heading(chosen, scope)
    return LevelPage(scope, chosen, unit, _(UNIT_LABELS[unit]), label)


def level_label(names: dict[int, str]) -> Callable[[Any], str]:
    """A formatter: level number → '3 · Under Secretary'."""
    return lambda v: fmt.level(v, names)
