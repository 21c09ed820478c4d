"""Time the dashboard's data calls for filter changes on a given store.

    python -m bench.dashboard_calls --db sqlite:////tmp/g250k.sqlite

First load (once per store version): read the events, `analyse`, `views.prepare`. Then, for
each of a few filter changes, the data calls of every analytics page (`PAGES`) with nothing
cached, exactly what `dashboard/data.py` runs on a cache miss. Prints seconds per step: for
each change the total over all pages and its slowest page, then the worst of each. A page
only runs its own calls, so the time a reader waits after a filter change is the one-page
figure.
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from analytics import views
from analytics.metrics import analyse
from analytics.store import open_store
from analytics.views import Filters

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


def main(argv: list[str] | None = None) -> int:
    """Run the timing and print the results (and a JSON line with `--json`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="store URL, e.g. sqlite:////tmp/g.sqlite")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--keep-analysis",
        metavar="PATH",
        help="pickle the first load's analysis here and reuse it on later runs (for profiling)",
    )
    args = parser.parse_args(argv)

    results: dict[str, float] = {}
    store = open_store(args.db)
    kept = Path(args.keep_analysis) if args.keep_analysis else None
    if kept is not None and kept.exists():
        with kept.open("rb") as f:
            analysis = pickle.load(f)
    else:
        t = time.perf_counter()
        events = store.load_events()  # unscoped, once for every reader
        results["first_load_read_events_s"] = time.perf_counter() - t
        t = time.perf_counter()
        analysis = analyse(events, levels=store.levels())
        del events
        results["first_load_analyse_s"] = time.perf_counter() - t
        if kept is not None:
            with kept.open("wb") as f:
                pickle.dump(analysis, f, protocol=pickle.HIGHEST_PROTOCOL)
    t = time.perf_counter()
    prepared = views.warm(views.prepare(analysis), "days")  # as dashboard/data.py does
    results["first_load_prepare_s"] = time.perf_counter() - t

    states = sorted(analysis.as_of.index)
    departments = sorted(analysis.facts["department"].unique())
    first = analysis.events["timestamp"].min().date()
    last = analysis.events["timestamp"].max().date()
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
    print(f"store: {store.url}; files: {len(analysis.facts):,}; events: {len(analysis.events):,}")
    for key, value in results.items():
        print(f"{key:60s} {value:8.3f}")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
