"""The benchmark harness (bench/run.py): the memory cap, the target table, Indian grouping."""

from __future__ import annotations

import sys

import pytest

from bench.run import Step, indian, targets, timed

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the cap reads /proc")


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (999, "999"), (1000, "1,000"), (123456, "1,23,456"), (10_000_000, "1,00,00,000")],
)
def test_indian(value, text):
    assert indian(value) == text


def test_a_step_over_the_memory_cap_is_killed_and_says_so():
    hog = "import time\nx = bytearray(400 * 2**20)\nx[::4096] = b'x' * len(x[::4096])\n"
    hog += "time.sleep(30)"
    step = timed(1, "hog", [sys.executable, "-c", hog], timeout=20, mem_cap_gb=0.2)
    assert not step.ok
    assert step.oom
    assert "out of memory (cap 0.2 GB)" in step.error


def test_a_step_under_the_cap_runs_and_is_measured():
    step = timed(1, "small", [sys.executable, "-c", "print('{\"x_s\": 1.5}')"], mem_cap_gb=4)
    assert step.ok
    assert not step.oom
    assert step.wall_s is not None
    assert step.peak_mb is not None
    assert step.figures == {"x_s": 1.5}


def _step(size, name, wall, peak, ok=True, figures=None):
    return Step(size, name, ok=ok, wall_s=wall, peak_mb=peak, figures=figures or {})


def test_targets_take_the_fastest_peer_that_finished():
    steps = [
        _step(250_000, "report", 20.0, 1600),
        _step(250_000, "peer_pandas", None, None, ok=False),  # killed: does not count
        _step(250_000, "peer_polars", 18.0, 4500),
        _step(250_000, "peer_duckdb", 25.0, 4600),
        _step(1_000_000, "report", 70.0, 9000),
        _step(250_000, "ingest sqlite", 130.0, 2800),
        _step(250_000, "ingest later sqlite", 5.0, 600),
        _step(
            250_000,
            "dashboard calls sqlite",
            50.0,
            5000,
            figures={
                "filter_change_worst_one_page_s": 0.3,
                "first_load_read_snapshots_s": 1.5,
                "first_load_overview_calls_s": 0.5,
                "process_to_overview_s": 3.5,
            },
        ),
    ]
    rows = {label: (text, met) for label, text, met in targets(steps, [20_000, 250_000])}
    ratio = next(v for k, v in rows.items() if "fastest peer" in k)
    assert ratio == ("20.0 s = 1.11× peer_polars (18.0 s)", True)
    assert next(v for k, v in rows.items() if "10,00,000" in k)[1] is False  # 9,000 MB > 8 GB
    assert next(v for k, v in rows.items() if k.startswith("`ingest`"))[1] is False
    assert next(v for k, v in rows.items() if "filter change" in k)[1] is True
    assert next(v for k, v in rows.items() if "first load" in k) == (
        "2.0 s (open, read snapshots, Overview's calls); process peak 5,000 MB",
        None,
    )
    assert next(v for k, v in rows.items() if "shows the Overview" in k) == (
        "3.5 s from the process's start",
        False,
    )
