"""Time the dashboard's data calls for filter changes on a given store.

    python -m bench.dashboard_calls --db sqlite:////tmp/g250k.sqlite

First load (once per store version): read the events, `analyse`, `views.prepare`. Then, for
each of a few filter changes, the calls the pages make (overview cards and trend, states
compared, turnaround per level and per state, waiting vs processing, level flow, pendency
and longest-pending files) with nothing cached, exactly what `dashboard/data.py` runs on a
cache miss. Prints one line per step and the worst filter change in seconds.
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from datetime import date
from pathlib import Path

from analytics import views
from analytics.access import Scope
from analytics.metrics import analyse
from analytics.store import open_store
from analytics.views import Filters


def page_calls(prepared: views.Prepared, filters: Filters) -> None:
    """Every data call of the analytics pages for one filter setting (calendar days)."""
    views.overview_figures(prepared, filters)
    views.movement_trend(prepared, filters)
    views.states_compared(prepared, filters)
    views.state_figures(prepared, filters, by=("state", "department"))
    views.turnaround(prepared, filters, "days", by_state=False)
    views.turnaround(prepared, filters, "days", by_state=True)
    views.waiting_vs_processing(prepared, filters, "days")
    views.level_flow(prepared, filters, "days")
    views.pendency_table(prepared, filters, "days")
    views.longest_pending(prepared, filters, 100, "days")
    views.parked_files(prepared, filters)


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
    scope = Scope.everything()
    kept = Path(args.keep_analysis) if args.keep_analysis else None
    if kept is not None and kept.exists():
        with kept.open("rb") as f:
            analysis = pickle.load(f)
    else:
        t = time.perf_counter()
        events = store.load_events(states=views.scope_states(scope))
        results["first_load_read_events_s"] = time.perf_counter() - t
        t = time.perf_counter()
        analysis = views.scoped(analyse(events, levels=store.levels()), scope)
        del events
        results["first_load_analyse_s"] = time.perf_counter() - t
        if kept is not None:
            with kept.open("wb") as f:
                pickle.dump(analysis, f, protocol=pickle.HIGHEST_PROTOCOL)
    t = time.perf_counter()
    prepared = views.prepare(analysis)
    page_calls(prepared, Filters())  # builds the memoised sort orders of calendar days
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
    for name, filters in changes.items():
        t = time.perf_counter()
        page_calls(prepared, filters)
        results[f"filter_change_{name}_s"] = time.perf_counter() - t
    worst = max(v for k, v in results.items() if k.startswith("filter_change_"))
    results["filter_change_worst_s"] = worst
    print(f"store: {store.url}; files: {len(analysis.facts):,}; events: {len(analysis.events):,}")
    for key, value in results.items():
        print(f"{key:45s} {value:8.3f}")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
