"""Store fixtures: every store test runs on SQLite and on PostgreSQL (`store_url` in
tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from analytics.store.store import Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An opened store on a fresh database."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


def snapshot(store: Store) -> dict[str, object]:
    """Everything a figure could come from, for before/after comparisons."""
    from analytics.figures.metrics import compute_report

    events = store.load_events()
    uploads = store.uploads.history()
    served = store.load_prepared()
    return {
        "served": None
        if served is None
        else {
            "as_of": served.analysis.as_of,
            **{k: getattr(served, k) for k in ("facts", "activity", "stints", "movements")},
        },
        "version": store.version(),
        "counts": store.counts(),
        "events": events,
        "stints": store.load_stints(),
        "facts": store.load_file_facts(),
        "uploads": uploads,
        "report": compute_report(events) if len(events) else {},
    }


def assert_same_snapshot(before: dict[str, object], after: dict[str, object]) -> None:
    """Two snapshots agree exactly, table by table."""
    assert before["version"] == after["version"]
    assert before["counts"] == after["counts"]
    for key in ("events", "stints", "facts", "uploads"):
        pd.testing.assert_frame_equal(before[key], after[key], check_exact=True)
    assert (before["served"] is None) == (after["served"] is None)
    if before["served"] is not None:
        pd.testing.assert_series_equal(before["served"]["as_of"], after["served"]["as_of"])
        for key in ("facts", "activity", "stints", "movements"):
            pd.testing.assert_frame_equal(
                before["served"][key], after["served"][key], check_exact=True
            )
    assert before["report"].keys() == after["report"].keys()
    for name, table in before["report"].items():
        pd.testing.assert_frame_equal(table, after["report"][name], check_exact=True)
