"""Time the monthly report's PDF on a large store: one state's edition and the national one.

    python -m bench.monthly --files 250000 [--state Manipur] [--month 2024-12] [--work DIR]
    python -m bench.monthly --db sqlite:////path/store.sqlite --state Manipur --month 2024-12

Without `--db` it generates a log with `sample_data.generate` (`--files` files, seed 7; with
`--state`, every file in that state, so the state edition covers all of them), caches it in
`--work` (default bench/work, git-ignored) and ingests it into a fresh SQLite store there.
Then, for the state edition (`--state`) and the national edition, it runs the whole command
`eoffice-analytics monthly ... --out FILE.pdf` as a child process (wall time and peak resident
memory, as a reader waits for it) and, in this process, the same report step by step: the
figures of both months from the snapshots (`monthly.from_store`) and drawing the PDF
(`pdf_bytes`); `--events-route` also times the route before (every event read with
`load_scoped`, then `monthly.build`) and checks its tables are the same. Targets (issue 14): a 2,50,000-file state's PDF ≤ 20 s, the national
edition ≤ 60 s. `--json` also prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from analytics.access.scope import Scope, load_scoped
from analytics.figures import monthly
from analytics.outputs.monthly_pdf import pdf_bytes
from analytics.store.store import open_store

BENCH = Path(__file__).resolve().parent
TARGETS = {"state": 20.0, "national": 60.0}


def _child(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system: what the wall time would be on an idle
    machine, less waiting) and peak resident MB of a child process (its rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _steps(url: str, month: str, state: str | None, events_route: bool) -> dict[str, float]:
    """The report's steps in this process: seconds each (CPU seconds of this process beside)."""
    out: dict[str, float] = {}
    with open_store(url) as store:
        t, c = time.perf_counter(), time.process_time()
        report = monthly.from_store(store, month, state=state)
        out["figures_s"] = time.perf_counter() - t
        out["figures_cpu_s"] = time.process_time() - c
        t = time.perf_counter()
        pdf = pdf_bytes(report)
        out["pdf_s"] = time.perf_counter() - t
        out["pdf_kb"] = len(pdf) / 1024
        if events_route:  # the route before the snapshots: every event read, analysed twice
            t, c = time.perf_counter(), time.process_time()
            events = load_scoped(
                store, Scope.everything(), "events", states=[state] if state else None,
                protect=False,
            )  # fmt: skip
            latest = store.latest_by_state(monthly.states_of(events))
            out["events_read_s"] = time.perf_counter() - t
            out["events"] = float(len(events))
            t = time.perf_counter()
            old = monthly.build(events, latest, month, state=state, levels=store.levels.current())
            out["events_figures_s"] = time.perf_counter() - t
            out["events_route_cpu_s"] = time.process_time() - c
            tables = ("headline_table", "buckets_table", "turnaround_table", "department_movers")
            same = all(getattr(old, t)().equals(getattr(report, t)()) for t in tables)
            same = same and old.month.longest.equals(report.month.longest)
            out["events_route_same_figures"] = float(same)
    return out


def main(argv: list[str] | None = None) -> int:
    """Generate and ingest if needed, then time both editions; prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=250_000, help="files to generate")
    parser.add_argument("--state", default="Manipur", help="the state edition's state")
    parser.add_argument("--month", default="2024-12", help="the report's month")
    parser.add_argument("--db", help="an existing store (skips generating and ingesting)")
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--events-route", action="store_true",
        help="also time the route before the snapshots (every event read, analysed twice)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "analytics.cli.main"]
    figures: dict[str, float] = {}
    url = args.db
    if url is None:
        args.work.mkdir(parents=True, exist_ok=True)
        name = f"monthly-{args.files}-{args.state.replace(' ', '_')}"
        log, db = args.work / f"{name}.csv", args.work / f"{name}.sqlite"
        if not log.exists():
            subprocess.run(
                [sys.executable, "-m", "sample_data.generate", "--files", str(args.files),
                 "--seed", "7", "--state", args.state, "--out", str(log)],
                check=True,
            )  # fmt: skip
        db.unlink(missing_ok=True)
        url = f"sqlite:///{db}"
        wall, cpu, mb = _child([*cli, "ingest", str(log), "--db", url])
        figures.update(ingest_s=wall, ingest_cpu_s=cpu, ingest_mb=mb)
    out = args.work / "monthly-bench.pdf"
    editions = [("state", args.state)] + ([] if args.skip_national else [("national", None)])
    for edition, state in editions:
        argv_ = [*cli, "monthly", "--month", args.month, "--db", url, "--out", str(out)]
        wall, cpu, mb = _child(argv_ + (["--state", state] if state else []))
        figures[f"{edition}_command_s"] = wall
        figures[f"{edition}_command_cpu_s"] = cpu
        figures[f"{edition}_command_mb"] = mb
        for key, value in _steps(url, args.month, state, args.events_route).items():
            figures[f"{edition}_{key}"] = value
    with open_store(url) as store:
        figures["files"] = float(store.counts()["file_facts"])
    load = os.getloadavg()[0]
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} CPUs")
    for key, value in figures.items():
        print(f"{key:32s} {value:12.2f}")
    for edition, target in TARGETS.items():
        got = figures.get(f"{edition}_command_s")
        if got is not None:
            cpu = figures[f"{edition}_command_cpu_s"]
            verdict = "met" if got <= target else "NOT met"
            print(f"{edition} edition: {got:.1f} s wall ({cpu:.1f} s CPU) against ≤ {target:.0f} s:"
                  f" {verdict}")  # fmt: skip
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
