"""Benchmark: the project's `eoffice-analytics` against three straightforward peers.

    python bench/run.py [--sizes 20000,250000,1000000] [--pg-url URL]

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

A step whose command fails is printed as FAILED with the end of its stderr; the run goes on.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH = ROOT / "bench"
PEERS = ("pandas", "polars", "duckdb")
TIME = Path("/usr/bin/time")
LATER_FILES = 20_000
LATER_SEED = 8
LATER_START = "2025-01-01"  # the generator's default window is 2024-01-01 + 12 months


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


def timed(size: int, name: str, cmd: list[str], timeout: float | None = None) -> Step:
    """Run cmd as a whole process; wall seconds and peak RSS from /usr/bin/time -v (or, without
    it, from wait4's rusage of the child)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    step = Step(size, name, ok=False, command=cmd)
    if TIME.exists():
        try:
            proc = subprocess.run(
                [str(TIME), "-v", *cmd],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            step.error = f"timed out after {timeout} s"
            return step
        except OSError as exc:
            step.error = str(exc)
            return step
        own, _, stats = proc.stderr.partition("\tCommand being timed:")
        step.wall_s, step.peak_mb = _parse_time_v(stats)
        step.ok = proc.returncode == 0
        if not step.ok:
            lines = own.strip().splitlines()
            by_time = [ln for ln in lines if re.match(r"Command (exited|terminated)", ln)]
            rest = [ln for ln in lines if ln not in by_time]
            step.error = "\n".join(by_time + rest) or f"exit status {proc.returncode}"
        return step
    # Fallback without /usr/bin/time: same figures from the kernel's rusage of the child.
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
    except OSError as exc:
        step.error = str(exc)
        return step
    stderr_text = proc.stderr.read() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    step.wall_s = time.perf_counter() - start
    step.peak_mb = usage.ru_maxrss / 1024
    step.ok = proc.returncode == 0
    if not step.ok:
        step.error = stderr_text.strip() or f"exit status {proc.returncode}"
    return step


def tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.splitlines()[-lines:])


def report_step(step: Step) -> Step:
    """Print one step as it finishes."""
    if step.ok:
        wall = f"{step.wall_s:.2f} s" if step.wall_s is not None else "?"
        peak = f"{step.peak_mb:.0f} MB" if step.peak_mb is not None else "?"
        print(f"  {step.step:<22} {wall:>10} {peak:>10}  {step.check}", flush=True)
    else:
        print(f"  {step.step:<22} FAILED: {' '.join(step.command)}", flush=True)
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
    print(f"generating {path.relative_to(ROOT)} ...", flush=True)
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


def dashboard_calls(size: int, db_url: str) -> Step | None:
    """HOOK: the dashboard's data calls for one filter change, against a full store.

    Runs `python -m bench.dashboard_calls --db URL` when that module exists (whoever writes the
    dashboard provides it: it should make the data calls one filter change triggers and exit
    0); otherwise prints "not available" and returns None."""
    if importlib.util.find_spec("bench.dashboard_calls") is None:
        print(f"  {'dashboard calls':<22} not available (no bench/dashboard_calls.py)")
        return None
    cmd = [sys.executable, "-m", "bench.dashboard_calls", "--db", db_url]
    return report_step(timed(size, "dashboard calls", cmd))


# --------------------------------------------------------------------------- one size


def run_size(size: int, args: argparse.Namespace) -> list[Step]:
    # Imported here so that this process stays small: without /usr/bin/time the peak memory
    # of a step comes from wait4, whose figure never drops below the forking parent's size.
    from bench.compare import compare_dirs

    work = args.work
    log = work / f"{size}.csv"
    print(f"\n== {size:,} files ==", flush=True)
    if not generate(log, size, 7):
        return [Step(size, "generate", ok=False, error="generator failed")]
    steps: list[Step] = []
    cli = cli_command()

    report_dir = work / str(size) / "report"
    shutil.rmtree(report_dir, ignore_errors=True)
    report = report_step(
        timed(size, "report", [*cli, "report", str(log), "--out", str(report_dir)], args.timeout)
    )
    steps.append(report)

    for peer in args.peers:
        out = work / str(size) / f"peer_{peer}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, str(BENCH / f"peer_{peer}.py"), str(log), str(out)]
        step = timed(size, f"peer_{peer}", cmd, args.timeout)
        if step.ok and report.ok:
            problems = compare_dirs(report_dir, out)
            step.check = "equal to report" if not problems else "MISMATCH"
            if problems:
                print(f"\n  !!! MISMATCH: peer_{peer} vs report at {size:,} files !!!")
                for line in problems[:20]:
                    print(f"  !!!   {line}")
        steps.append(report_step(step))

    if args.skip_ingest:
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
            timed(size, f"ingest {kind}", [*cli, "ingest", str(log), "--db", url], args.timeout)
        )
        steps.append(full)
        if full.ok and have_later:
            cmd = [*cli, "ingest", str(later), "--db", url]
            steps.append(report_step(timed(size, f"ingest later {kind}", cmd, args.timeout)))
        if full.ok:
            step = dashboard_calls(size, url)
            if step is not None:
                step.step = f"dashboard calls {kind}"
                steps.append(step)
    return steps


def print_table(steps: list[Step]) -> None:
    print("\n| size | step | wall s | peak MB | vs fastest peer | check |")
    print("|---:|---|---:|---:|---:|---|")
    for size in sorted({s.size for s in steps}):
        rows = [s for s in steps if s.size == size]
        peers = [s.wall_s for s in rows if s.step.startswith("peer_") and s.ok and s.wall_s]
        fastest = min(peers) if peers else None
        for s in rows:
            if not s.ok:
                print(f"| {size:,} | {s.step} | FAILED | | | {tail(s.error, 1)[:80]} |")
                continue
            ratio = ""
            if fastest and s.wall_s and (s.step == "report" or s.step.startswith("peer_")):
                ratio = f"{s.wall_s / fastest:.2f}"
            wall = f"{s.wall_s:.2f}" if s.wall_s is not None else ""
            peak = f"{s.peak_mb:.0f}" if s.peak_mb is not None else ""
            print(f"| {size:,} | {s.step} | {wall} | {peak} | {ratio} | {s.check} |")


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
    args = parser.parse_args(argv)
    args.work = args.work.resolve()
    args.peers = [p for p in args.peers.split(",") if p]
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    if not TIME.exists():
        print(
            "note: /usr/bin/time is not installed (apt-get install time); measuring wall time and "
            "peak memory from the child's rusage instead"
        )
    steps: list[Step] = []
    for size in sizes:
        steps.extend(run_size(size, args))
    print_table(steps)
    results = args.work / "results.json"
    results.write_text(json.dumps([asdict(s) for s in steps], indent=2) + "\n")
    print(f"\n(results also in {results})")
    mismatches = [s for s in steps if s.check == "MISMATCH"]
    if mismatches:
        print(f"!!! {len(mismatches)} peer(s) disagree with the project's report: see above")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
