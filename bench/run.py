"""Benchmark: the project's `eoffice-analytics` against three straightforward peers.

    python bench/run.py [--sizes 20000,250000,1000000] [--pg-url URL]
                        [--ingest-sizes 20000,250000] [--mem-cap-gb G]

For each size N it generates (once, cached) `bench/work/N.csv` with
`python -m sample_data.generate --files N --seed 7`, then times each whole process with
`/usr/bin/time -v` (wall clock and peak resident memory):

- `report`: `eoffice-analytics report bench/work/N.csv --out bench/work/N/report`;
- `peer_pandas`, `peer_polars`, `peer_duckdb`: `python bench/peer_X.py` on the same log, each
  checked table by table against the project's report (a mismatch is printed loudly);
- `ingest sqlite`: `eoffice-analytics ingest` into a fresh `bench/work/N.sqlite`, then
  `ingest later sqlite`: a later month's upload (20,000 new files, seed 8) into that full store;
- the same two into PostgreSQL when `--pg-url` is given (see the README: a throw-away
  database; each size gets its own schema `eoffice_bench_N`, dropped and recreated);
- `dashboard`: the hook `dashboard_calls()` below.

The ingest steps (and the dashboard calls, which need a store) run only for the sizes in
`--ingest-sizes`. Every step runs under a memory cap (`--mem-cap-gb`, default 80 % of the
machine's RAM): a process whose resident memory passes it is killed at once and shown as
"FAILED: out of memory (cap N GB)", instead of pushing the machine into the OOM killer; the
DuckDB peer is told the same budget through its own `memory_limit`. A step whose command fails
is printed as FAILED with the end of its stderr; the run goes on. At the end: the table of
figures and the table of issue 6's targets, met or not, both in markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.compare import compare_dirs
from dashboard.format import indian

BENCH = ROOT / "bench"
PEERS = ("pandas", "polars", "duckdb")
TIME = Path("/usr/bin/time")
LATER_FILES = 20_000
LATER_SEED = 8
LATER_START = "2025-01-01"  # the generator's default window is 2024-01-01 + 12 months
POLL_S = 0.1  # how often the memory cap is checked
DUCKDB_SHARE = 0.7  # of the cap, given to DuckDB as memory_limit (it allocates a little beyond)

# Issue 6's targets (on the CI-sized machine, 2 cores).
REPORT_SIZE = 250_000
REPORT_RATIO = 1.2  # x the fastest peer's wall time
REPORT_PEAK_MB = 2_048
LARGE_SIZE = 1_000_000
LARGE_PEAK_MB = 8_192
INGEST_S = 120.0
LATER_S = 15.0
FILTER_S = 1.0


@dataclass
class Step:
    size: int
    step: str
    ok: bool
    wall_s: float | None = None
    peak_mb: float | None = None
    check: str = ""
    error: str = ""
    command: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    oom: bool = False


# --------------------------------------------------------------------------- running and timing


def cli_command() -> list[str]:
    """`eoffice-analytics`, from PATH or beside this Python (an un-activated virtualenv)."""
    found = shutil.which("eoffice-analytics")
    if found:
        return [found]
    beside = Path(sys.executable).parent / "eoffice-analytics"
    return [str(beside)] if beside.exists() else ["eoffice-analytics"]


def _parse_time_v(text: str) -> tuple[float | None, float | None]:
    wall = peak = None
    m = re.search(r"Elapsed \(wall clock\) time.*\):\s*([\d:.]+)", text)
    if m:
        seconds = 0.0
        for part in m.group(1).split(":"):
            seconds = seconds * 60 + float(part)
        wall = seconds
    m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text)
    if m:
        peak = int(m.group(1)) / 1024
    return wall, peak


def _children(pid: int) -> list[int]:
    """All descendants of pid (Linux /proc; empty elsewhere or once it has gone)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def _rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes together, in MB (from /proc/PID/statm)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    return total / 2**20


def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def timed(
    size: int,
    name: str,
    cmd: list[str],
    timeout: float | None = None,
    mem_cap_gb: float | None = None,
    cwd: Path = ROOT,
) -> Step:
    """Run cmd as a whole process; wall seconds and peak RSS from /usr/bin/time -v (or, without
    it, from wait4's rusage of the child).

    While it runs, its resident memory (with its children's) is checked every POLL_S seconds:
    past `mem_cap_gb` the command is killed (SIGKILL) and the step fails as out of memory; past
    `timeout` seconds likewise. /usr/bin/time itself is left to report the killed command."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    step = Step(size, name, ok=False, command=cmd)
    with_time = TIME.exists()
    full = [str(TIME), "-v", *cmd] if with_time else cmd
    cap_mb = mem_cap_gb * 1024 if mem_cap_gb else None
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        except OSError as exc:
            step.error = str(exc)
            return step
        killed = ""
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(POLL_S)
            if killed:
                continue
            elapsed = time.perf_counter() - start
            # Under /usr/bin/time the command is its child; without it, the process itself.
            pids = _children(proc.pid) if with_time else [proc.pid, *_children(proc.pid)]
            rss = _rss_mb(pids)
            if cap_mb and rss > cap_mb:
                killed = (
                    f"out of memory (cap {mem_cap_gb:g} GB): killed at {rss:,.0f} MB "
                    f"after {elapsed:.0f} s"
                )
                step.oom = True
                _kill(pids)
            elif timeout and elapsed > timeout:
                killed = f"timed out after {timeout:g} s"
                _kill(pids)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    step.figures = _json_figures(stdout)
    if with_time:
        own, _, stats = stderr.partition("\tCommand being timed:")
        step.wall_s, step.peak_mb = _parse_time_v(stats)
    else:
        own = stderr
        step.wall_s, step.peak_mb = wall, usage.ru_maxrss / 1024
    step.ok = proc.returncode == 0 and not killed
    if not step.ok:
        lines = own.strip().splitlines()
        by_time = [ln for ln in lines if re.match(r"Command (exited|terminated)", ln)]
        rest = [ln for ln in lines if ln not in by_time]
        step.error = "\n".join(by_time + rest) or f"exit status {proc.returncode}"
        if killed:
            step.error = f"{step.error}\n{killed}".strip()
    return step


def _json_figures(stdout: str) -> dict[str, float]:
    """The last line of stdout when it is a JSON object of numbers (bench.dashboard_calls)."""
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                return {}
            return {k: float(v) for k, v in data.items() if isinstance(v, int | float)}
    return {}


def tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.splitlines()[-lines:])


def report_step(step: Step) -> Step:
    """Print one step as it finishes."""
    if step.ok:
        wall = f"{step.wall_s:.2f} s" if step.wall_s is not None else "?"
        peak = f"{step.peak_mb:.0f} MB" if step.peak_mb is not None else "?"
        print(f"  {step.step:<26} {wall:>10} {peak:>10}  {step.check}", flush=True)
    elif step.oom:
        print(f"  {step.step:<26} FAILED: {tail(step.error, 1)}", flush=True)
    else:
        print(f"  {step.step:<26} FAILED: {' '.join(step.command)}", flush=True)
        print("    " + tail(step.error).replace("\n", "\n    "), flush=True)
    return step


# --------------------------------------------------------------------------- logs


def generate(path: Path, files: int, seed: int, *extra: str) -> bool:
    """Generate a log once; reuse it afterwards (bench/work/ is git-ignored)."""
    if path.exists() and path.stat().st_size > 0:
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial.csv")
    cmd = [sys.executable, "-m", "sample_data.generate", "--files", str(files), "--seed", str(seed)]
    cmd += [*extra, "--out", str(tmp)]
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"generating {shown} ...", flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"FAILED to generate {path}:\n{tail(proc.stderr)}", flush=True)
        tmp.unlink(missing_ok=True)
        return False
    tmp.rename(path)
    return True


# --------------------------------------------------------------------------- stores


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def pg_schema_url(pg_url: str, schema: str) -> str | None:
    """A fresh schema in the (throw-away) PostgreSQL database, and a URL whose search_path is
    it; None (after saying why) when that cannot be set up."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(pg_url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        url = sa.engine.make_url(pg_url)
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)
    except (ImportError, OSError, sa.exc.SQLAlchemyError) as exc:  # driver or connection
        print(f"  PostgreSQL not usable ({type(exc).__name__}: {exc}); skipping its steps")
        return None


# --------------------------------------------------------------------------- dashboard hook


def dashboard_calls(size: int, db_url: str, mem_cap_gb: float | None = None) -> Step | None:
    """HOOK: the dashboard's data calls for one filter change, against a full store.

    Runs `python -m bench.dashboard_calls --db URL` when that module exists (whoever writes the
    dashboard provides it: it should make the data calls one filter change triggers and exit
    0); otherwise prints "not available" and returns None. With `--json` it prints its figures
    as a last JSON line; the step keeps them (`figures`): the target is
    `filter_change_worst_one_page_s`, the slowest page's calls for one filter change (a page
    only runs its own calls), and the first load is the sum of the `first_load_*` parts."""
    if importlib.util.find_spec("bench.dashboard_calls") is None:
        print(f"  {'dashboard calls':<26} not available (no bench/dashboard_calls.py)")
        return None
    cmd = [sys.executable, "-m", "bench.dashboard_calls", "--db", db_url, "--json"]
    step = timed(size, "dashboard calls", cmd, mem_cap_gb=mem_cap_gb)
    figures = step.figures
    if "filter_change_worst_one_page_s" in figures:
        step.check = (
            f"filter change {figures['filter_change_worst_one_page_s']:.2f} s (slowest page), "
            f"first load {first_load(figures):.1f} s"
        )
    elif step.ok:
        step.check = "no filter-change figure printed"
    return step


OVERVIEW_S = 3.0
"""Issue 10: a freshly started dashboard process shows the Overview after an upload."""


def first_load(figures: dict[str, float]) -> float:
    return sum(v for k, v in figures.items() if k.startswith("first_load_"))


# --------------------------------------------------------------------------- one size


def run_size(size: int, args: argparse.Namespace) -> list[Step]:
    work = args.work
    log = work / f"{size}.csv"
    print(f"\n== {size:,} files ==", flush=True)
    if not generate(log, size, 7):
        return [Step(size, "generate", ok=False, error="generator failed")]
    steps: list[Step] = []
    cli = cli_command()

    report_dir = work / str(size) / "report"
    shutil.rmtree(report_dir, ignore_errors=True)
    cap = args.mem_cap_gb
    report_cmd = [*cli, "report", str(log), "--out", str(report_dir)]
    report = report_step(timed(size, "report", report_cmd, args.timeout, cap))
    steps.append(report)

    for peer in args.peers:
        out = work / str(size) / f"peer_{peer}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, str(BENCH / f"peer_{peer}.py"), str(log), str(out)]
        if peer == "duckdb" and cap:
            cmd += ["--memory-limit", f"{cap * DUCKDB_SHARE:.1f}GB"]
        # cwd: the work folder, where DuckDB spills (.tmp) if it needs to
        step = timed(size, f"peer_{peer}", cmd, args.timeout, cap, cwd=work)
        if step.ok and report.ok:
            problems = compare_dirs(report_dir, out)
            step.check = "equal to report" if not problems else "MISMATCH"
            if problems:
                print(f"\n  !!! MISMATCH: peer_{peer} vs report at {size:,} files !!!")
                for line in problems[:20]:
                    print(f"  !!!   {line}")
        steps.append(report_step(step))

    if args.skip_ingest or size not in args.ingest_sizes:
        print(f"  {'ingest':<26} not run at this size (--ingest-sizes)", flush=True)
        return steps
    later = work / f"later_{LATER_FILES}_{size}.csv"
    have_later = generate(
        later,
        LATER_FILES,
        LATER_SEED,
        "--start",
        LATER_START,
        "--months",
        "1",
        "--id-start",
        str(size + 1),  # new file numbers: a later month's new files, not old ids reused
    )
    stores = []
    db = work / f"{size}.sqlite"
    db.unlink(missing_ok=True)
    stores.append(("sqlite", sqlite_url(db)))
    if args.pg_url:
        url = pg_schema_url(args.pg_url, f"eoffice_bench_{size}")
        if url:
            stores.append(("postgres", url))
    for kind, url in stores:
        full = report_step(
            timed(
                size, f"ingest {kind}", [*cli, "ingest", str(log), "--db", url], args.timeout, cap
            )
        )
        steps.append(full)
        if full.ok:
            steps.append(report_db(size, kind, url, report_dir if report.ok else None, args))
        if full.ok and have_later:
            cmd = [*cli, "ingest", str(later), "--db", url]
            steps.append(report_step(timed(size, f"ingest later {kind}", cmd, args.timeout, cap)))
        if full.ok:
            step = dashboard_calls(size, url, cap)
            if step is not None:
                step.step = f"dashboard calls {kind}"
                steps.append(report_step(step))
    return steps


def report_db(
    size: int, kind: str, url: str, files_report: Path | None, args: argparse.Namespace
) -> Step:
    """`report --db` on the freshly loaded store, timed like the others and checked table by
    table against `report` on the same log (issue 10: ≤ 10 s at 2,50,000 files)."""
    out = args.work / str(size) / f"report-db-{kind}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [*cli_command(), "report", "--db", url, "--out", str(out)]
    step = timed(size, f"report --db {kind}", cmd, args.timeout, args.mem_cap_gb)
    if step.ok and files_report is not None:
        problems = compare_dirs(files_report, out)
        step.check = "equal to report" if not problems else "MISMATCH"
        for line in problems[:20]:
            print(f"  !!!   {line}")
    return report_step(step)


def fastest_peer(steps: list[Step], size: int) -> Step | None:
    """The fastest peer that finished at this size (a peer killed by the cap does not count)."""
    done = [s for s in steps if s.size == size and s.step.startswith("peer_") and s.ok]
    return min(done, key=lambda s: s.wall_s or float("inf"), default=None)


def print_table(steps: list[Step]) -> None:
    print("\n| files | step | wall s | peak MB | vs fastest peer | check |")
    print("|---:|---|---:|---:|---:|---|")
    for size in sorted({s.size for s in steps}):
        rows = [s for s in steps if s.size == size]
        fastest = fastest_peer(rows, size)
        for s in rows:
            if not s.ok:
                print(f"| {indian(size)} | {s.step} | | | | FAILED: {tail(s.error, 1)[:100]} |")
                continue
            ratio = ""
            compared = s.step == "report" or s.step.startswith("peer_")
            if compared and fastest and fastest.wall_s and s.wall_s:
                ratio = f"{s.wall_s / fastest.wall_s:.2f}"
            wall = f"{s.wall_s:.1f}" if s.wall_s is not None else ""
            peak = indian(s.peak_mb) if s.peak_mb is not None else ""
            print(f"| {indian(size)} | {s.step} | {wall} | {peak} | {ratio} | {s.check} |")


def targets(steps: list[Step], ingest_sizes: list[int]) -> list[tuple[str, str, bool | None]]:
    """Issue 6's targets: (target, what was measured, met?); met is None when not measured or
    not a target."""

    def find(size: int, name: str) -> Step | None:
        return next((s for s in steps if s.size == size and s.step == name), None)

    rows: list[tuple[str, str, bool | None]] = []
    n = indian(REPORT_SIZE)
    report = find(REPORT_SIZE, "report")
    fastest = fastest_peer(steps, REPORT_SIZE)
    label = f"`report` at {n} files: wall ≤ {REPORT_RATIO}× the fastest peer"
    if report and report.ok and fastest and report.wall_s and fastest.wall_s:
        ratio = report.wall_s / fastest.wall_s
        text = f"{report.wall_s:.1f} s = {ratio:.2f}× {fastest.step} ({fastest.wall_s:.1f} s)"
        rows.append((label, text, ratio <= REPORT_RATIO))
    elif report and report.ok:
        rows.append((label, f"{report.wall_s:.1f} s; no peer finished", None))
    else:
        rows.append((label, failed(report), None if report is None else False))
    within(
        rows,
        f"`report` at {n} files: peak ≤ {indian(REPORT_PEAK_MB)} MB",
        report,
        "peak_mb",
        REPORT_PEAK_MB,
    )
    label = f"`report` at {indian(LARGE_SIZE)} files completes within {LARGE_PEAK_MB // 1024} GB"
    within(rows, label, find(LARGE_SIZE, "report"), "peak_mb", LARGE_PEAK_MB)
    label = f"`ingest` of {n} files into a fresh SQLite store ≤ {INGEST_S:.0f} s"
    within(rows, label, find(REPORT_SIZE, "ingest sqlite"), "wall_s", INGEST_S)

    # "A full store": the largest size whose stores were filled in this run.
    filled = [s.size for s in steps if s.step.startswith("ingest ") and s.ok]
    full = max(filled, default=max(ingest_sizes, default=REPORT_SIZE))
    kinds = ["sqlite"] + (["postgres"] if any(s.step.endswith("postgres") for s in steps) else [])
    for kind in kinds:
        name = "SQLite" if kind == "sqlite" else "PostgreSQL"
        label = f"a later month's upload ({indian(LATER_FILES)} files) into the full {name} store"
        label += f" ({indian(full)} files) ≤ {LATER_S:.0f} s"
        within(rows, label, find(full, f"ingest later {kind}"), "wall_s", LATER_S)
    for kind in kinds:
        name = "SQLite" if kind == "sqlite" else "PostgreSQL"
        dash = find(full, f"dashboard calls {kind}")
        figures = dash.figures if dash else {}
        label = f"dashboard filter change, slowest page's data calls ({name}, {indian(full)} files)"
        label += f" ≤ {FILTER_S:.0f} s"
        if dash and dash.ok and "filter_change_worst_one_page_s" in figures:
            value = figures["filter_change_worst_one_page_s"]
            all_pages = figures.get("filter_change_worst_all_pages_s")
            text = f"{value:.2f} s"
            if all_pages is not None:
                text += f" (all five pages: {all_pages:.2f} s)"
            rows.append((label, text, value <= FILTER_S))
            load = f"{first_load(figures):.1f} s (open, read snapshots, Overview's calls)"
            load += f"; process peak {indian(dash.peak_mb or 0)} MB"
            label = f"dashboard first load ({name}, {indian(full)} files): not a target"
            rows.append((label, load, None))
            if "process_to_overview_s" in figures:
                value = figures["process_to_overview_s"]
                label = (
                    f"a fresh dashboard process shows the Overview ({name}, {indian(full)} files)"
                )
                label += f" ≤ {OVERVIEW_S:.0f} s"
                rows.append((label, f"{value:.1f} s from the process's start", value <= OVERVIEW_S))
        else:
            rows.append((label, failed(dash), None if dash is None else False))
    return rows


def failed(step: Step | None) -> str:
    return "not run" if step is None else f"FAILED: {tail(step.error, 1)[:80]}"


def within(
    rows: list[tuple[str, str, bool | None]],
    label: str,
    step: Step | None,
    figure: str,
    limit: float,
) -> None:
    """Add the row of a target "this step's wall_s / peak_mb within limit"."""
    value = getattr(step, figure) if step is not None and step.ok else None
    if step is None or value is None:
        rows.append((label, failed(step), None if step is None else False))
        return
    text = f"{step.wall_s or 0:.1f} s, {indian(step.peak_mb or 0)} MB"
    rows.append((label, text, value <= limit))


def print_targets(rows: list[tuple[str, str, bool | None]]) -> None:
    print("\n| issue 6 target | measured | met |")
    print("|---|---|---|")
    for label, text, met in rows:
        mark = "—" if met is None else ("**yes**" if met else "**NO**")
        print(f"| {label} | {text} | {mark} |")


def default_cap_gb() -> float | None:
    """80 % of this machine's RAM, in whole GB (None where /proc/meminfo is not there)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return float(int(int(line.split()[1]) * 0.8 / 2**20))
    except OSError:
        pass
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="20000,250000,1000000", help="files per log, comma-separated"
    )
    parser.add_argument("--pg-url", help="a throw-away PostgreSQL database (SQLAlchemy URL)")
    parser.add_argument("--peers", default=",".join(PEERS), help="which peers to run")
    parser.add_argument("--work", type=Path, default=BENCH / "work", help="logs and outputs")
    parser.add_argument("--timeout", type=float, help="seconds allowed per step")
    parser.add_argument("--skip-ingest", action="store_true", help="time report and peers only")
    parser.add_argument(
        "--ingest-sizes",
        default="20000,250000",
        help="sizes whose ingest, later upload and dashboard calls run (default 20000,250000)",
    )
    parser.add_argument(
        "--mem-cap-gb",
        type=float,
        default=default_cap_gb(),
        help="kill a step whose resident memory passes this (default: 80%% of RAM; 0: no cap)",
    )
    args = parser.parse_args(argv)
    args.ingest_sizes = [int(s.replace("_", "")) for s in args.ingest_sizes.split(",") if s]
    args.mem_cap_gb = args.mem_cap_gb or None
    args.work = args.work.resolve()
    args.peers = [p for p in args.peers.split(",") if p]
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    if not TIME.exists():
        print(
            "note: /usr/bin/time is not installed (apt-get install time); measuring wall time and "
            "peak memory from the child's rusage instead"
        )
    if args.mem_cap_gb:
        print(f"memory cap per step: {args.mem_cap_gb:g} GB resident (--mem-cap-gb)")
    steps: list[Step] = []
    for size in sizes:
        steps.extend(run_size(size, args))
    print_table(steps)
    print_targets(targets(steps, args.ingest_sizes))
    results = args.work / "results.json"
    results.write_text(json.dumps([asdict(s) for s in steps], indent=2) + "\n")
    print(f"\n(results also in {results})")
    mismatches = [s for s in steps if s.check == "MISMATCH"]
    if mismatches:
        print(f"!!! {len(mismatches)} peer(s) disagree with the project's report: see above")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
