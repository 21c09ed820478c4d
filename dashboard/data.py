"""Thin cached access to the store and to `analytics.figures.views` (no metric logic here).

The store is one `st.cache_resource` per database URL. What the pages show is derived at
upload: every state's snapshot (`analytics/store/snapshots.py`) is read once per store version,
unscoped (`Store.load_prepared`, an `st.cache_resource`: it is large and read-only, so it is
shared, not copied): every reader, whatever its scope, is served from that one copy, so T is
each whole state's and no figure depends on who reads it. No page re-reads raw events or
re-runs the analysis; the file journey reads its one file's events from the store. Every table a page asks for is a
`st.cache_data` entry keyed on the store version, the scope and the filters; the scope is a
mask applied with the filters (`Filters.within`). Names are pseudonymised only in what is
shown (holders of pending and parked files, a file's journey), after the figures, for readers
without the names permission; those entries' keys include the pseudonym key's digest.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os

import pandas as pd
import streamlit as st

from analytics.access.accounts import Accounts
from analytics.access.alerts import AlertBook
from analytics.access.authorise import visible_uploads
from analytics.access.pseudonyms import protect_rejected, pseudonymise
from analytics.access.scope import Scope
from analytics.access.users import SignedInUser
from analytics.figures import mining, views
from analytics.figures import overdue as alerts
from analytics.figures.metrics import analyse
from analytics.figures.overdue import Rule
from analytics.figures.views import Filters, Prepared
from analytics.outputs import xes
from analytics.outputs.digest import HOLIDAYS_ENV, holiday_calendar
from analytics.schema import Duration
from analytics.store import snapshots
from analytics.store.engine import default_url
from analytics.store.store import Store, open_store

_HASH = {Filters: repr, Scope: lambda s: repr(_scope_key(s))}


def _scope_key(scope: Scope) -> tuple:
    """What a cached result depends on: the states, departments, names permission and (for
    pseudonyms) a digest of the pseudonym key, so a changed key never serves old pseudonyms."""
    states = None if scope.states is None else tuple(sorted(scope.states))
    key = None
    if not scope.see_names:
        key = hashlib.sha256(scope.pseudonym_key or b"").hexdigest()
    return (states, tuple(sorted(scope.departments)), scope.see_names, key)


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return open_store(url)


def store(url: str | None = None) -> Store:
    """The process's one store at `url` (default: `EOFFICE_DB_URL`, else the embedded SQLite
    file), shared by the pages, the accounts (`auth.accounts`) and the sign-in routes."""
    return _store(url or default_url())


def version() -> str:
    """The store's data version (changes with every upload)."""
    return store().version()


@st.cache_resource(show_spinner="Reading the prepared figures…", max_entries=2)
def _prepared(url: str, data_version: str) -> Prepared | None:
    """The whole store's snapshots, once per version for every reader (two entries: the
    version being replaced keeps serving until the new one is read). Stints, movements and
    their sorted rows are built when a page first needs them (the Overview needs none)."""
    return _store(url).load_prepared()


def _cached(fn):
    """A `st.cache_data` wrapper keyed on (store version, scope, filters, arguments)."""
    return st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_HASH)(fn)


@_cached
def _in_scope(url: str, data_version: str, scope: Scope) -> bool:
    p = _prepared(url, data_version)
    return p is not None and bool(scope.mask(p.facts).any())


def prepared(scope: Scope) -> Prepared | None:
    """The store's analysis, prepared for filtering (None when the scope holds no data).

    It is every reader's one copy: pages pass the scope down with the filters."""
    url, v = default_url(), version()
    return _prepared(url, v) if _in_scope(url, v, scope) else None


@_cached
def _choices(url: str, data_version: str, scope: Scope) -> dict:
    p = _prepared(url, data_version)
    facts = None if p is None else p.facts[scope.mask(p.facts)]
    if facts is None or facts.empty:
        return {"states": [], "departments": {}, "file_types": [], "first": None, "last": None}
    departments = {
        state: sorted(group["department"].unique().tolist())
        for state, group in facts.groupby("state", sort=True)
    }
    as_of = p.analysis.as_of[p.analysis.as_of.index.isin(departments)]
    first, last = snapshots.date_span(p.activity[scope.mask(p.activity)], as_of)
    return {
        "states": sorted(departments),
        "departments": departments,
        "file_types": sorted(facts["file_type"].dropna().unique().tolist()),
        "first": first,
        "last": last,
        "as_of": as_of,
    }


def choices(scope: Scope) -> dict:
    """Filter options: states, departments per state, file types, first and last dates, T."""
    return _choices(default_url(), version(), scope)


@_cached
def _overview(url: str, v: str, scope: Scope, filters: Filters) -> tuple[dict, pd.DataFrame]:
    p, filters = _prepared(url, v), filters.within(scope)
    return views.overview_figures(p, filters), views.movement_trend(p, filters)


def overview(scope: Scope, filters: Filters) -> tuple[dict, pd.DataFrame]:
    """Overview cards and the monthly creation vs movement trend."""
    return _overview(default_url(), version(), scope, filters)


@_cached
def _change(
    url: str, v: str, scope: Scope, filters: Filters
) -> tuple[views.Comparison, pd.DataFrame]:
    options = _choices(url, v, scope)
    return views.overview_change(
        _prepared(url, v), filters.within(scope), options["first"], options["last"]
    )


def overview_change(scope: Scope, filters: Filters) -> tuple[views.Comparison, pd.DataFrame]:
    """Each Overview figure now, in the period before (or the previous month) and the change."""
    return _change(default_url(), version(), scope, filters)


@_cached
def _states(url: str, v: str, scope: Scope, filters: Filters, duration: Duration) -> pd.DataFrame:
    return views.states_compared(_prepared(url, v), filters.within(scope), duration)


def states(scope: Scope, filters: Filters, duration: Duration = Duration.DAYS) -> pd.DataFrame:
    """Each state's figures and rates side by side, with its T and group."""
    return _states(default_url(), version(), scope, filters, duration)


@_cached
def _summary(url: str, v: str, scope: Scope, filters: Filters) -> pd.DataFrame:
    return views.state_figures(_prepared(url, v), filters.within(scope), by=("state", "department"))


def summary(scope: Scope, filters: Filters) -> pd.DataFrame:
    """The overview figures per state and department."""
    return _summary(default_url(), version(), scope, filters)


@_cached
def _turnaround(
    url: str, v: str, scope: Scope, filters: Filters, duration: Duration, by_state: bool
) -> pd.DataFrame:
    return views.turnaround(_prepared(url, v), filters.within(scope), duration, by_state)


def turnaround(scope: Scope, filters: Filters, duration: Duration, by_state: bool) -> pd.DataFrame:
    """Turnaround per level (per state and level when `by_state`)."""
    return _turnaround(default_url(), version(), scope, filters, duration, by_state)


@_cached
def _waiting(url: str, v: str, scope: Scope, filters: Filters, duration: Duration) -> pd.DataFrame:
    return views.waiting_vs_processing(_prepared(url, v), filters.within(scope), duration)


def waiting(scope: Scope, filters: Filters, duration: Duration) -> pd.DataFrame:
    """Waiting vs processing per level."""
    return _waiting(default_url(), version(), scope, filters, duration)


@_cached
def _flow(url: str, v: str, scope: Scope, filters: Filters, duration: Duration) -> pd.DataFrame:
    return views.level_flow(_prepared(url, v), filters.within(scope), duration)


def flow(scope: Scope, filters: Filters, duration: Duration) -> pd.DataFrame:
    """Level-to-level movements with counts and median times."""
    return _flow(default_url(), version(), scope, filters, duration)


@_cached
def _pendency(
    url: str, v: str, scope: Scope, filters: Filters, duration: Duration
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    p, filters = _prepared(url, v), filters.within(scope)
    return (
        views.pendency_table(p, filters, duration),
        pseudonymise(views.longest_pending(p, filters, 100, duration), scope),
        pseudonymise(views.parked_files(p, filters), scope),
    )


def pendency(
    scope: Scope, filters: Filters, duration: Duration
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The pendency table, the longest-pending files and the parked files."""
    return _pendency(default_url(), version(), scope, filters, duration)


@_cached
def _overdue_all(url: str, v: str, rules: tuple[Rule, ...], holidays: str) -> pd.DataFrame:
    p = _prepared(url, v)
    return alerts.overdue(p.facts, p.analysis.as_of, rules, holiday_calendar())


@_cached
def _overdue(
    url: str, v: str, scope: Scope, filters: Filters, rules: tuple[Rule, ...], holidays: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    p, found = _prepared(url, v), _overdue_all(url, v, rules, holidays)
    mine = found[views.file_keep(p, filters.within(scope))[found["file_key"].to_numpy()]]
    return pseudonymise(mine, scope), pseudonymise(alerts.per_holder(mine), scope)


def overdue(scope: Scope, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overdue files of the selection (`alerts.overdue` with the stored rules and the
    holidays of `EOFFICE_HOLIDAYS`), and their counts per holder, pseudonymised as needed."""
    rules = tuple(AlertBook(Accounts(store())).rules())
    holidays = os.environ.get(HOLIDAYS_ENV, "").strip()
    return _overdue(default_url(), version(), scope, filters, rules, holidays)


@_cached
def _officers(url: str, v: str, scope: Scope, filters: Filters, duration: Duration) -> pd.DataFrame:
    return views.officers(_prepared(url, v), filters.within(scope), duration)


def officers(scope: Scope, filters: Filters, duration: Duration) -> pd.DataFrame:
    """Per officer: files held now, the oldest, over 7 working days, time held, returns; the
    holders as the reader may see them (pseudonyms without the names permission)."""
    return pseudonymise(_officers(default_url(), version(), scope, filters, duration), scope)


@_cached
def _officer_files(
    url: str, v: str, scope: Scope, filters: Filters, shown: tuple, which: str, duration: Duration
) -> pd.DataFrame:
    table = _officers(url, v, scope, filters, duration)
    seen = pseudonymise(table, scope)
    state, department, holder = shown
    row = seen.index[
        seen["state"].eq(state) & seen["department"].eq(department) & seen["holder"].eq(holder)
    ]
    if not len(row):
        return views.officer_files(_prepared(url, v), filters.within(scope), ("", "", ""), which)
    officer = tuple(table.loc[row[0], ["state", "department", "holder"]])
    return views.officer_files(_prepared(url, v), filters.within(scope), officer, which, duration)


def officer_files(
    scope: Scope, filters: Filters, shown: tuple[str, str, str], which: str, duration: Duration
) -> pd.DataFrame:
    """The files behind one count of one officer, named as `officers` shows them (the stored
    ID is found again here and never leaves the server)."""
    return _officer_files(default_url(), version(), scope, filters, shown, which, duration)


@_cached
def _find(url: str, v: str, scope: Scope, query: str) -> pd.DataFrame:
    facts = _prepared(url, v).facts
    return pseudonymise(views.find_files(facts[scope.mask(facts)], query), scope)


def find_files(scope: Scope, query: str) -> pd.DataFrame:
    """Files in the scope whose file number or computer number contains `query`."""
    return _find(default_url(), version(), scope, query)


@_cached
def _journey(url: str, v: str, scope: Scope, file_key: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    p = _prepared(url, v)
    fact = p.facts[p.facts["file_key"].eq(file_key)]
    if fact.empty or not scope.mask(fact).all():  # a file outside the scope shows nothing
        empty = views.file_journey(p.analysis, -1), views.file_events(p.analysis, -1)
        return empty
    where = {"state": fact["state"].iloc[0], "department": fact["department"].iloc[0]}
    s = _store(url)
    one = analyse(
        s.load_file_events(where["state"], str(fact["file_id"].iloc[0])), levels=s.levels.current()
    )
    return (
        pseudonymise(views.file_journey(one, 0), scope, **where),
        pseudonymise(views.file_events(one, 0), scope, **where),
    )


def journey(scope: Scope, file_key: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One file's stints and events."""
    return _journey(default_url(), version(), scope, file_key)


@_cached
def _level_names(url: str, v: str) -> dict[int, str]:
    return _store(url).levels.current().level_names()


def level_names() -> dict[int, str]:
    """Level number → name of the hierarchy table in force."""
    return _level_names(default_url(), version())


@_cached
def _level_table(url: str, v: str) -> dict:
    return _store(url).levels.version_info()


def level_table() -> dict:
    """The level-table version in force (`Store.levels.version_info`)."""
    return _level_table(default_url(), version())


def uploads(user: SignedInUser) -> pd.DataFrame:
    """Upload history the user may see: its own uploads and those whose rows lie in its
    scope (`analytics.access.authorise.visible_uploads`)."""
    return visible_uploads(store().uploads.history(), user)


def rejected_rows(scope: Scope, upload_id: int) -> pd.DataFrame:
    """The rows an upload rejected, as the scope may see them (names as pseudonyms without
    the names permission, in the cells and in the reasons; keyed by each row's state and
    department, else the ones given for the upload)."""
    given = store().uploads.history().set_index("id")
    state, department = (
        (given.loc[upload_id, c] if upload_id in given.index else None)
        for c in ("state_given", "department_given")
    )
    return protect_rejected(
        store().uploads.rejected_rows(upload_id),
        scope,
        state=state if isinstance(state, str) else None,
        department=department if isinstance(department, str) else None,
    )


# --- process mining (analytics/figures/mining.py) -------------------------------------------------

TOP_OFFICERS = 500
"""How many officer pairs and pass-through officers the Process page lists (most first)."""


@_cached
def _routes(url: str, v: str, scope: Scope, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    p, filters = _prepared(url, v), filters.within(scope)
    return (
        mining.routes(p, filters),
        mining.routes(p, filters, by=("state", "department"), top=5),
    )


def routes(scope: Scope, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every route of the selection, and the top five per state and department."""
    return _routes(default_url(), version(), scope, filters)


@_cached
def _route_files(url: str, v: str, scope: Scope, filters: Filters, route: str) -> pd.DataFrame:
    return mining.route_files(_prepared(url, v), filters.within(scope), route)


def route_files(scope: Scope, filters: Filters, route: str) -> pd.DataFrame:
    """The selected files that took `route`."""
    return _route_files(default_url(), version(), scope, filters, route)


@_cached
def _process_map(url: str, v: str, scope: Scope, filters: Filters) -> pd.DataFrame:
    return mining.process_map(_prepared(url, v), filters.within(scope))


def process_map(scope: Scope, filters: Filters) -> pd.DataFrame:
    """The directly-follows edges between levels, the slowest marked."""
    return _process_map(default_url(), version(), scope, filters)


@_cached
def _handovers(
    url: str, v: str, scope: Scope, filters: Filters
) -> tuple[pd.DataFrame, pd.DataFrame]:
    p, filters = _prepared(url, v), filters.within(scope)
    pairs = mining.handovers(p, filters, top=TOP_OFFICERS)
    through = mining.pass_through(p, filters, top=TOP_OFFICERS)
    return pseudonymise(pairs, scope), pseudonymise(through, scope)


def handovers(scope: Scope, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The busiest officer-to-officer handovers and the officers most files pass through
    (`TOP_OFFICERS` each), names as the reader may see them."""
    return _handovers(default_url(), version(), scope, filters)


@_cached
def _rework(url: str, v: str, scope: Scope, filters: Filters) -> tuple:
    return mining.rework(_prepared(url, v), filters.within(scope))


def rework(scope: Scope, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Re-entries per level, files per number of re-entries, and the totals."""
    return _rework(default_url(), version(), scope, filters)


def xes_log(scope: Scope, filters: Filters) -> tuple[bytes, int]:
    """The stored events of the files in the reader's scope and the state and department
    filters, as gzipped XES (names as the reader may see them), and the number of traces.
    Read from the store when asked (a download), never per page view."""
    events = xes.export_events(
        store(),
        scope,
        states=list(filters.states) or None,
        departments=list(filters.departments) or None,
    )
    if events.empty:
        return b"", 0
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as zipped:
        traces = xes.write_xes(events, zipped, remarks=scope.see_names)
    return buffer.getvalue(), traces
