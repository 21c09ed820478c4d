"""Many readers at once on one real dashboard server (issue 10's concurrency run).

    python -m bench.sessions [--db URL] [--sessions 20] [--timeout 600] [--work DIR]

Makes a store from sample_data/sample_events.csv (or uses `--db URL`), adds local accounts —
state viewers of several states, department viewers and one national viewer, each with a
password — starts ONE `streamlit run dashboard/server.py` on 127.0.0.1 (as the browser tests
do), and drives N browser sessions at once: one Debian Chromium through Playwright, one
browser context per session, all in one asyncio loop. Each session signs in and visits every
analytics page (Overview, States, Hierarchy, Flow, Pendency, File journey), timing each page
from the click in the navigation until the app has settled.

It prints p50 / p95 / max page time and the server's resident memory (RSS from /proc: at the
end and its peak), and checks each session's Overview cards against that user's
`eoffice-analytics report --db URL --user EMAIL` summary.csv, totalled independently here (a
sum over its rows; ratios and means recomputed from the sums). Exit status 1 if any figure
differs or a session failed; bounded in time by `--timeout` (the whole browser phase).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from analytics.access.accounts import Accounts
from analytics.figures.registry import FIGURES
from analytics.store.store import open_store
from dashboard import format as fmt
from tests.e2e.conftest import CHROMIUM_ARGS, dashboard

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
PASSWORD = "a long concurrency-run password"
PAGES = ("Overview", "States", "Hierarchy", "Flow", "Pendency", "File journey")
BUSY = '[data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-testid="stSpinner"]'
QUIET_S = 0.5  # the app counts as settled after this long with nothing running
POLL_S = 0.1
PAGE_TIMEOUT_MS = 180_000
COUNTS = ("files_created", "movements", "pending", "parked", "files_over_4_levels")


@dataclass
class Reader:
    """One account of the run and what its session saw."""

    email: str
    role: str
    state: str | None = None
    department: str | None = None
    times: dict[str, float] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def readers(pairs: list[tuple[str, str]], n: int) -> list[Reader]:
    """N accounts: one national viewer, then state and department viewers in turn, over as
    many different states as there are."""
    states = sorted({s for s, _ in pairs})
    by_state = {s: sorted(d for t, d in pairs if t == s) for s in states}
    found = [Reader("national@bench.gov.in", "national_viewer")]
    i = 0
    while len(found) < n:
        state = states[i % len(states)]
        if i % 2 == 0:
            found.append(Reader(f"state{i}@bench.gov.in", "viewer", state))
        else:
            depts = by_state[state]
            dept = depts[(i // len(states)) % len(depts)]
            found.append(Reader(f"dept{i}@bench.gov.in", "viewer", state, dept))
        i += 1
    return found


def add_accounts(url: str, people: list[Reader]) -> None:
    """The accounts, each with the run's password."""
    with open_store(url) as store:
        accounts = Accounts(store)
        for r in people:
            accounts.users.add(
                r.email, r.role, state=r.state, department=r.department, password=PASSWORD
            )


def expected(url: str, email: str, out: Path) -> dict[str, str]:
    """The Overview cards as that user's `report --db --user` summary.csv says they read:
    counts summed over the rows, ratios and means recomputed from the sums, formatted as the
    registry formats them."""
    env = {**os.environ, "EOFFICE_PASSWORD": PASSWORD}
    argv = [sys.executable, "-m", "analytics.cli.main", "report", "--db", url, "--user", email]
    subprocess.run([*argv, "--out", str(out)], check=True, env=env, capture_output=True)
    with (out / "summary.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))

    def num(row: dict[str, str], col: str) -> float:
        return float(row[col]) if row[col] not in ("", "nan") else 0.0

    total = {c: sum(int(num(r, c)) for r in rows) for c in COUNTS}
    created, pending = total["files_created"], total["pending"]
    efiles = sum(num(r, "efile_share") * num(r, "files_created") for r in rows)
    levels = sum(num(r, "mean_levels_pending") * num(r, "pending") for r in rows)
    holders = sum(num(r, "mean_holders_pending") * num(r, "pending") for r in rows)
    figures: dict[str, float | int | None] = {
        **total,
        "movement_ratio": total["movements"] / created if created else None,
        "efile_share": efiles / created if created else None,
        "mean_levels_pending": levels / pending if pending else None,
        "mean_holders_pending": holders / pending if pending else None,
    }
    return {name: fmt.figure(name, value) for name, value in figures.items()}


def server_pid() -> int | None:
    """The streamlit child of this process (started by `dashboard()`)."""
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                if b"streamlit" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return int(pid)
            except OSError:
                continue
    return None


def cpu_s(pid: int) -> float:
    """A process's CPU time so far (user + system), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    """A process's resident memory (VmRSS, or VmHWM for the peak) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


async def settle(page) -> None:
    """Until nothing has been running for QUIET_S (the e2e helper's rule, finer grained)."""
    deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        if await page.locator(BUSY).count() == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= QUIET_S:
                return
        else:
            quiet_since = None
        await asyncio.sleep(POLL_S)
    raise TimeoutError("the app did not finish running")


async def visit(page, title: str, first: bool) -> float:
    """Open a page from the navigation; seconds until its title shows and the app settled
    (the quiet tail itself not counted)."""
    start = time.monotonic()
    if not first:
        await page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    await page.get_by_role("heading", name=title).first.wait_for(timeout=PAGE_TIMEOUT_MS)
    await settle(page)
    return time.monotonic() - start - QUIET_S


async def session(browser, base: str, reader: Reader) -> None:
    """Sign in, then every analytics page once; the Overview's cards kept."""
    context = await browser.new_context(viewport={"width": 1400, "height": 2400})
    try:
        page = await context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        await page.goto(base, timeout=PAGE_TIMEOUT_MS)
        await settle(page)
        await page.get_by_label("E-mail").fill(reader.email)
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        start = time.monotonic()
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await page.get_by_text("Signed in as").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        reader.times["sign-in"] = time.monotonic() - start
        for i, title in enumerate(PAGES):
            reader.times[title] = await visit(page, title, first=i == 0)
            if title == "Overview":
                cards = page.locator('[data-testid="stMetric"]')
                for j in range(await cards.count()):
                    card = cards.nth(j)
                    label = await card.locator('[data-testid="stMetricLabel"]').inner_text()
                    value = await card.locator('[data-testid="stMetricValue"]').inner_text()
                    reader.shown[label.strip()] = value.strip()
    except Exception as exc:  # noqa: BLE001 - reported per session, the run goes on
        reader.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        await context.close()


async def drive(base: str, people: list[Reader], timeout: float) -> None:
    """All sessions at once in one Chromium, bounded by `timeout` seconds."""
    from playwright.async_api import async_playwright

    executable = os.environ.get("EOFFICE_CHROMIUM", "/usr/bin/chromium")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            tasks = [asyncio.create_task(session(browser, base, r)) for r in people]
            _done, pending = await asyncio.wait(tasks, timeout=timeout)
            for t in pending:
                t.cancel()
            for r, t in zip(people, tasks, strict=True):
                if t in pending:
                    r.error = f"not finished within the run's {timeout:.0f} s"
        finally:
            await browser.close()


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


@dataclass
class ServerLoad:
    """What the dashboard's server process did while the sessions ran."""

    wall: float = 0.0
    cpu: float = 0.0
    rss_start: float = 0.0
    rss_end: float = 0.0
    peak: float = 0.0
    hwm: float = 0.0


def _readers(url: str | None, work: Path, sessions: int) -> tuple[str, list]:
    """The store (a new one from the sample when `url` is None) and its readers' accounts."""
    if url is None:
        url = f"sqlite:///{work / 'store.sqlite'}"
        with open_store(url) as store:
            assert store.uploads.ingest([SAMPLE], by="bench").status == "stored"
    with open_store(url) as store, store.engine.connect() as conn:
        pairs = [
            (s, d)
            for s, d in conn.execute(text("SELECT DISTINCT state, department FROM file_facts"))
        ]
    people = readers(pairs, sessions)
    add_accounts(url, people)
    return url, people


def _browse(url: str, people: list, work: Path, timeout: float) -> ServerLoad:
    """Every reader's session at once against one dashboard server, watching its memory."""
    load = ServerLoad()
    with dashboard(url, work / "streamlit.log") as base:
        pid = server_pid()
        stop = threading.Event()

        def watch() -> None:
            while pid and not stop.wait(0.2):
                load.peak = max(load.peak, rss_mb(pid))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        load.rss_start, cpu_start = (rss_mb(pid), cpu_s(pid)) if pid else (0.0, 0.0)
        t0 = time.monotonic()
        asyncio.run(drive(base, people, timeout))
        load.wall = time.monotonic() - t0
        stop.set()
        watcher.join()
        load.rss_end, load.hwm = (rss_mb(pid), rss_mb(pid, "VmHWM")) if pid else (0.0, 0.0)
        load.cpu = cpu_s(pid) - cpu_start if pid else 0.0
    return load


def _check(people: list, wanted: dict[str, dict]) -> tuple[int, int]:
    """Each session's Overview cards against its `report --db --user`: (problems, checked)."""
    failed = checked = 0
    for r in people:
        scope = (
            r.role
            if r.state is None
            else f"{r.state}" + (f" / {r.department}" if r.department else "")
        )
        if r.error:
            failed += 1
            print(f"!!! {r.email} ({scope}): session failed: {r.error}")
            continue
        for name, value in wanted[r.email].items():
            label = FIGURES[name].label
            checked += 1
            if r.shown.get(label) != value:
                failed += 1
                print(
                    f"!!! MISMATCH {r.email} ({scope}) {label}: page {r.shown.get(label)!r}, report {value!r}"
                )
    return failed, checked


def _print_times(people: list, load: ServerLoad) -> None:
    times = [t for r in people if not r.error for p, t in r.times.items() if p in PAGES]
    signins = [r.times["sign-in"] for r in people if "sign-in" in r.times]
    print(
        f"{len(people)} sessions at once, {len(times)} page visits in {load.wall:.1f} s; "
        f"server CPU {load.cpu:.1f} s of {os.cpu_count()} x {load.wall:.1f} s (the rest: "
        "Chromium, idle)"
    )
    if times:
        print(
            f"page time: p50 {statistics.median(times):.2f} s, p95 {percentile(times, 0.95):.2f} s, "
            f"max {max(times):.2f} s"
        )
        for p in PAGES:
            each = [r.times[p] for r in people if p in r.times]
            if each:
                print(f"  {p:<13} p50 {statistics.median(each):.2f} s  max {max(each):.2f} s")
    if signins:
        print(f"sign-in: p50 {statistics.median(signins):.2f} s, max {max(signins):.2f} s")
    print(
        f"server RSS: {load.rss_start:.0f} MB before, {load.rss_end:.0f} MB after, "
        f"peak {max(load.peak, load.hwm):.0f} MB (VmHWM {load.hwm:.0f} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the sessions; print the figures; 1 if any figure differs or a session failed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="an existing store (default: a new one from the sample)")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=600, help="the browser phase, seconds")
    ap.add_argument("--work", type=Path, help="folder for the store, reports and server log")
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="eoffice-sessions-"))
    work.mkdir(parents=True, exist_ok=True)
    url, people = _readers(args.db, work, args.sessions)

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        wanted = dict(
            zip(
                [r.email for r in people],
                pool.map(lambda r: expected(url, r.email, work / r.email), people),
                strict=True,
            )
        )
    print(f"reports of {len(people)} users: {time.monotonic() - t0:.1f} s")

    load = _browse(url, people, work, args.timeout)
    failed, checked = _check(people, wanted)
    _print_times(people, load)
    print(
        f"figures: {checked} Overview cards checked, all equal to report --db --user"
        if not failed
        else f"{failed} problems"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
