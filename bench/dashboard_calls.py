"""Time the dashboard's data calls on a given store: the first Overview, then filter changes.

    python -m bench.dashboard_calls --db sqlite:////tmp/g250k.sqlite [--also-events]

First load (once per store version), as `dashboard/data.py` does it: open the store, read
every state's snapshot (`Store.load_prepared`) and compute the Overview's data; the figure
`process_to_overview_s` counts from the process's start (imports included), i.e. what a
freshly started dashboard process needs to show the Overview after an upload. Then the
stints and movements the other pages need (built on first use) and their sorted rows. Then,
for each of a few filter changes, the data calls of every analytics page (`PAGES`) with
nothing cached. Prints seconds per step: for each change the total over all pages and its
slowest page, then the worst of each. A page only runs its own calls, so the time a reader
waits after a filter change is the one-page figure. Last, every page as three readers of
different scopes (national, one state, one department of another state) and the process's
resident memory. `--also-events` first times the route before snapshots (read every event,
`analyse`, `views.prepare`) for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from analytics.access.scope import Scope
from analytics.figures import mining, views
from analytics.figures.metrics import analyse
from analytics.figures.views import Filters
from analytics.store import snapshots
from analytics.store.store import open_store

PAGES: dict[str, list[Callable[[views.Prepared, Filters], object]]] = {
    "overview": [
        views.overview_figures,
        views.movement_trend,
        lambda p, f: views.state_figures(p, f, by=("state", "department")),
    ],
    "states": [views.states_compared],
    "hierarchy": [
        lambda p, f: views.turnaround(p, f, "days", by_state=False),
        lambda p, f: views.turnaround(p, f, "days", by_state=True),
        lambda p, f: views.waiting_vs_processing(p, f, "days"),
    ],
    "flow": [lambda p, f: views.level_flow(p, f, "days")],
    "pendency": [
        lambda p, f: views.pendency_table(p, f, "days"),
        lambda p, f: views.longest_pending(p, f, 100, "days"),
        views.parked_files,
    ],
    "process": [
        mining.routes,
        lambda p, f: mining.routes(p, f, by=("state", "department"), top=5),
        mining.process_map,
        lambda p, f: mining.handovers(p, f, top=500),
        lambda p, f: mining.pass_through(p, f, top=500),
        mining.rework,
    ],
}
"""The data calls each analytics page makes on a filter change (calendar days)."""


def page_calls(prepared: views.Prepared, filters: Filters) -> dict[str, float]:
    """Run every page's data calls for one filter setting; seconds per page."""
    spent = {}
    for page, calls in PAGES.items():
        t = time.perf_counter()
        for call in calls:
            call(prepared, filters)
        spent[page] = time.perf_counter() - t
    return spent


def process_age() -> float:
    """Seconds since this process started (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    started = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19]) / ticks
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - started


def rss_mb() -> float:
    """The process's resident memory now (MB)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _events_route(url: str, results: dict[str, float]) -> None:
    """The route before snapshots: every event read, analysed and prepared."""
    store = open_store(url)
    t = time.perf_counter()
    events = store.load_events()
    results["events_route_read_events_s"] = time.perf_counter() - t
    t = time.perf_counter()
    old = views.prepare(analyse(events, levels=store.levels.current()))
    del events
    results["events_route_analyse_prepare_s"] = time.perf_counter() - t
    del old
    store.close()


def _first_load(prepared: views.Prepared, results: dict[str, float], fresh: bool) -> None:
    """The Overview's calls (and, in a `fresh` process, its age by then), then what other
    pages build on first use."""
    t = time.perf_counter()
    views.overview_figures(prepared, Filters())
    views.movement_trend(prepared, Filters())
    views.state_figures(prepared, Filters(), by=("state", "department"))
    results["first_load_overview_calls_s"] = time.perf_counter() - t
    if fresh:
        results["process_to_overview_s"] = process_age()
    results["rss_after_overview_mb"] = rss_mb()
    t = time.perf_counter()
    prepared.stints  # noqa: B018  (built on first use)
    results["first_use_stints_movements_s"] = time.perf_counter() - t
    t = time.perf_counter()
    views.warm(prepared, "days")
    results["first_use_sorted_rows_s"] = time.perf_counter() - t
    t = time.perf_counter()
    mining.warm(prepared)
    results["first_use_mining_s"] = time.perf_counter() - t


def _filter_changes(prepared: views.Prepared, results: dict[str, float]) -> None:
    """Five filter changes, every page's calls each time."""
    analysis = prepared.analysis
    states = sorted(analysis.as_of.index)
    departments = sorted(prepared.facts["department"].unique())
    first, last = snapshots.date_span(prepared.activity, analysis.as_of)
    middle = date.fromordinal((first.toordinal() + last.toordinal()) // 2)
    changes = {
        "one_state": Filters(states=(states[0],)),
        "two_states_electronic": Filters(states=tuple(states[:2]), file_types=("electronic",)),
        "department_all_states": Filters(departments=(departments[0],)),
        "date_range_all_states": Filters(start=first, end=middle),
        "everything_back": Filters(),
    }
    worst_page = 0.0
    for name, filters in changes.items():
        spent = page_calls(prepared, filters)
        slowest = max(spent, key=spent.get)
        results[f"filter_change_{name}_all_pages_s"] = sum(spent.values())
        results[f"filter_change_{name}_slowest_page_{slowest}_s"] = spent[slowest]
        worst_page = max(worst_page, spent[slowest])
    results["filter_change_worst_all_pages_s"] = max(
        v for k, v in results.items() if k.endswith("_all_pages_s")
    )
    results["filter_change_worst_one_page_s"] = worst_page


def _three_readers(prepared: views.Prepared, results: dict[str, float]) -> None:
    """Three readers of different scopes, every page, from the one shared copy."""
    states = sorted(prepared.analysis.as_of.index)
    other = states[1] if len(states) > 1 else states[0]
    dept = min(prepared.facts.loc[prepared.facts["state"].eq(other), "department"].unique())
    readers = {
        "national": Scope.everything(),
        "one_state": Scope(states=frozenset({states[0]}), see_names=False, pseudonym_key=b"k"),
        "one_department": Scope(
            states=frozenset(), departments=frozenset({(other, dept)}), see_names=True
        ),
    }
    for name, scope in readers.items():
        t = time.perf_counter()
        spent = page_calls(prepared, Filters().within(scope))  # the scope is a mask
        results[f"reader_{name}_first_visit_all_pages_s"] = time.perf_counter() - t
        results[f"reader_{name}_slowest_page_s"] = max(spent.values())
    results["rss_after_three_readers_mb"] = rss_mb()


def main(argv: list[str] | None = None) -> int:
    """Run the timing and print the results (and a JSON line with `--json`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="store URL, e.g. sqlite:////tmp/g.sqlite")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--also-events",
        action="store_true",
        help="first time the route before snapshots: every event read, analysed, prepared",
    )
    args = parser.parse_args(argv)

    results: dict[str, float] = {}
    if args.also_events:
        _events_route(args.db, results)
    t = time.perf_counter()
    store = open_store(args.db)
    results["first_load_open_store_s"] = time.perf_counter() - t
    t = time.perf_counter()
    prepared = store.load_prepared()
    results["first_load_read_snapshots_s"] = time.perf_counter() - t
    _first_load(prepared, results, fresh=not args.also_events)
    _filter_changes(prepared, results)
    _three_readers(prepared, results)
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"store: {store.url}; files: {len(prepared.facts):,}; stints: {len(prepared.stints):,}")
    for key, value in results.items():
        print(f"{key:60s} {value:8.3f}")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
