"""Thin cached access to the store and to `analytics.views` (no metric logic here).

The store is one `st.cache_resource` per database URL. The full analysis of a scope is built
once per store version (`st.cache_resource`: it is large and read-only, so it is shared, not
copied), and every table a page asks for is a `st.cache_data` entry keyed on the store
version, the scope and the filters, so a new upload (a new version) invalidates everything.
Every read takes the `Scope` the page passes down; without the names permission the events
are pseudonymised before the analysis, and the cache key includes the pseudonym key's digest.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from analytics import views
from analytics.access import Scope, pseudonymise
from analytics.auth import SignedInUser, visible_uploads
from analytics.metrics import analyse
from analytics.store import Store, default_url, open_store
from analytics.views import Filters, Prepared

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


def store() -> Store:
    """The store named by `EOFFICE_DB_URL` (default: the embedded SQLite file)."""
    return _store(default_url())


def version() -> str:
    """The store's data version (changes with every upload)."""
    return store().version()


@st.cache_resource(
    show_spinner="Analysing the stored movement logs…", max_entries=2, hash_funcs=_HASH
)
def _prepared(url: str, data_version: str, scope: Scope) -> Prepared | None:
    s = _store(url)
    events = s.load_events(states=views.scope_states(scope))
    if events.empty:
        return None
    # Without the names permission every page shows pseudonyms (metrics only compare users
    # for equality, so the figures are unchanged); no key and no permission shows nothing.
    events = pseudonymise(events, scope)
    analysis = views.scoped(analyse(events, levels=s.levels()), scope)
    if analysis.facts.empty:
        return None
    return views.warm(views.prepare(analysis), "days")  # working days: on first use


def prepared(scope: Scope) -> Prepared | None:
    """The scope's analysis, prepared for filtering (None when it holds no data)."""
    return _prepared(default_url(), version(), scope)


def _cached(fn):
    """A `st.cache_data` wrapper keyed on (store version, scope, filters, arguments)."""
    return st.cache_data(show_spinner=False, max_entries=64, hash_funcs=_HASH)(fn)


@_cached
def _choices(url: str, data_version: str, scope: Scope) -> dict:
    p = _prepared(url, data_version, scope)
    if p is None:
        return {"states": [], "departments": {}, "file_types": [], "first": None, "last": None}
    facts = p.facts
    departments = {
        state: sorted(group["department"].unique().tolist())
        for state, group in facts.groupby("state", sort=True)
    }
    ts = p.analysis.events["timestamp"]
    return {
        "states": sorted(departments),
        "departments": departments,
        "file_types": sorted(facts["file_type"].dropna().unique().tolist()),
        "first": ts.min().tz_convert("Asia/Kolkata").date(),
        "last": ts.max().tz_convert("Asia/Kolkata").date(),
        "as_of": p.analysis.as_of,
    }


def choices(scope: Scope) -> dict:
    """Filter options: states, departments per state, file types, first and last dates, T."""
    return _choices(default_url(), version(), scope)


@_cached
def _overview(url: str, v: str, scope: Scope, filters: Filters) -> tuple[dict, pd.DataFrame]:
    p = _prepared(url, v, scope)
    return views.overview_figures(p, filters), views.movement_trend(p, filters)


def overview(scope: Scope, filters: Filters) -> tuple[dict, pd.DataFrame]:
    """Overview cards and the monthly creation vs movement trend."""
    return _overview(default_url(), version(), scope, filters)


@_cached
def _states(url: str, v: str, scope: Scope, filters: Filters) -> pd.DataFrame:
    return views.states_compared(_prepared(url, v, scope), filters)


def states(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Each state's figures side by side, with its T."""
    return _states(default_url(), version(), scope, filters)


@_cached
def _summary(url: str, v: str, scope: Scope, filters: Filters) -> pd.DataFrame:
    return views.state_figures(_prepared(url, v, scope), filters, by=("state", "department"))


def summary(scope: Scope, filters: Filters) -> pd.DataFrame:
    """The overview figures per state and department."""
    return _summary(default_url(), version(), scope, filters)


@_cached
def _turnaround(
    url: str, v: str, scope: Scope, filters: Filters, duration: str, by_state: bool
) -> pd.DataFrame:
    return views.turnaround(_prepared(url, v, scope), filters, duration, by_state)


def turnaround(scope: Scope, filters: Filters, duration: str, by_state: bool) -> pd.DataFrame:
    """Turnaround per level (per state and level when `by_state`)."""
    return _turnaround(default_url(), version(), scope, filters, duration, by_state)


@_cached
def _waiting(url: str, v: str, scope: Scope, filters: Filters, duration: str) -> pd.DataFrame:
    return views.waiting_vs_processing(_prepared(url, v, scope), filters, duration)


def waiting(scope: Scope, filters: Filters, duration: str) -> pd.DataFrame:
    """Waiting vs processing per level."""
    return _waiting(default_url(), version(), scope, filters, duration)


@_cached
def _flow(url: str, v: str, scope: Scope, filters: Filters, duration: str) -> pd.DataFrame:
    return views.level_flow(_prepared(url, v, scope), filters, duration)


def flow(scope: Scope, filters: Filters, duration: str) -> pd.DataFrame:
    """Level-to-level movements with counts and median times."""
    return _flow(default_url(), version(), scope, filters, duration)


@_cached
def _pendency(
    url: str, v: str, scope: Scope, filters: Filters, duration: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    p = _prepared(url, v, scope)
    return (
        views.pendency_table(p, filters, duration),
        views.longest_pending(p, filters, 100, duration),
        views.parked_files(p, filters),
    )


def pendency(
    scope: Scope, filters: Filters, duration: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The pendency table, the longest-pending files and the parked files."""
    return _pendency(default_url(), version(), scope, filters, duration)


@_cached
def _find(url: str, v: str, scope: Scope, query: str) -> pd.DataFrame:
    p = _prepared(url, v, scope)
    return views.find_files(p.facts, query)


def find_files(scope: Scope, query: str) -> pd.DataFrame:
    """Files in the scope whose file number or computer number contains `query`."""
    return _find(default_url(), version(), scope, query)


@_cached
def _journey(url: str, v: str, scope: Scope, file_key: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    p = _prepared(url, v, scope)
    return views.file_journey(p.analysis, file_key), views.file_events(p.analysis, file_key)


def journey(scope: Scope, file_key: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One file's stints and events."""
    return _journey(default_url(), version(), scope, file_key)


@_cached
def _level_names(url: str, v: str) -> dict[int, str]:
    return _store(url).levels().level_names()


def level_names() -> dict[int, str]:
    """Level number → name of the hierarchy table in force."""
    return _level_names(default_url(), version())


def uploads(user: SignedInUser) -> pd.DataFrame:
    """Upload history the user may see: its own uploads and those whose rows lie in its
    scope (`analytics.auth.visible_uploads`)."""
    return visible_uploads(store().uploads(), user)


def rejected_rows(upload_id: int) -> pd.DataFrame:
    """The rows an upload rejected."""
    return store().rejected_rows(upload_id)
