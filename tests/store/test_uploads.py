"""All-or-nothing uploads: bad input, injected failures, a killed process, two at once."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from analytics.figures.metrics import compute_report
from analytics.log.formats import UnusableInputError
from analytics.log.reading import read_logs
from analytics.store.hooks import HOOK_ENV, InjectedFailure
from analytics.store.store import Store, open_store
from tests.conftest import HEADER, WORKED_EXAMPLE, csv_text, ev
from tests.store.conftest import assert_same_snapshot, snapshot
from tests.store.logs import chain_rows, write_big_log

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import sys, time, pathlib
from analytics.store.store import open_store
url, go, *paths = sys.argv[1:]
store = open_store(url)
print("READY", flush=True)
while go != "-" and not pathlib.Path(go).exists():
    time.sleep(0.005)
result = store.uploads.ingest(paths, by="worker")
print("RESULT", result.status, result.events_new, result.events_already_stored, flush=True)
"""


def start_worker(url: str, paths: list[Path], go: str = "-", hook: str | None = None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(HOOK_ENV, None)
    if hook:
        env[HOOK_ENV] = hook
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, go, *map(str, paths)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def wait_for_line(proc: subprocess.Popen, prefix: str, timeout: float = 120) -> str:
    """Read the worker's stdout until a line starts with prefix (fail on exit or timeout)."""
    found: list[str] = []

    def reader() -> None:
        for line in proc.stdout:
            if line.startswith(prefix):
                found.append(line.strip())
                return

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(timeout)
    if not found:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"worker never printed {prefix!r} (exit {proc.returncode}): {err[-3000:]}")
    return found[0]


def good_store(store: Store) -> None:
    """A store that already holds something, so 'unchanged' means more than 'empty'."""
    store.uploads.ingest([("seed.csv", csv_text(WORKED_EXAMPLE[:3]).encode())], by="seed")


# --- bad input ----------------------------------------------------------------------------------


def xlsx_bytes(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    frame = pd.read_csv(io.StringIO(csv_text(rows)), dtype=str, keep_default_na=False)
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


UNUSABLE = {
    "empty": ("empty.csv", b"", "empty"),
    "header_only": ("header.csv", csv_text([]).encode(), "no rows"),
    "missing_column": (
        "nocol.csv",
        csv_text(WORKED_EXAMPLE, header=tuple(h for h in HEADER if h != "timestamp")).encode(),
        "missing required column timestamp",
    ),
    "not_csv": ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "neither"),
    "truncated_xlsx": ("cut.xlsx", xlsx_bytes(WORKED_EXAMPLE)[:700], "truncated or damaged"),
}


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_unusable_file_is_recorded_and_stores_nothing(store: Store, case: str) -> None:
    name, data, words = UNUSABLE[case]
    good_store(store)
    before = snapshot(store)
    with pytest.raises(UnusableInputError) as caught:
        store.uploads.ingest([(name, data)], by="nodal")
    assert caught.value.file == name
    assert words in caught.value.reason
    after = snapshot(store)
    for key in ("events", "stints", "facts"):
        pd.testing.assert_frame_equal(before[key], after[key], check_exact=True)
    assert after["counts"]["events"] == before["counts"]["events"]
    assert after["counts"]["rejected_rows"] == 0
    uploads = store.uploads.history()
    last = uploads.iloc[-1]
    assert (last["status"], last["file_name"], last["events_new"]) == ("unusable", name, 0)
    assert words in last["message"]
    assert name in last["message"]
    assert last["id"] == caught.value.upload_id


def test_bad_rows_are_rejected_alone_and_good_rows_stored(store: Store) -> None:
    header = (*HEADER, "remarks")
    rows = [
        *WORKED_EXAMPLE[:2],
        ev("moved", "B", "C", "Section Officer", "Under Secretary", "31/02/2024 10:00"),
        ev("moved", "B", "C", "Section Officer", "Under Secretary", "2024-03-02 10:00")
        | {"remarks": "=cmd|' /C calc'!A0"},
        ev("moved", "C", "B", "Under Secretary", "Section Officer", "2024-03-04 16:00")
        | {"remarks": "@SUM(1+1)"},
        ev("teleported", "B", "D", "", "", "2024-03-05 10:00"),
    ]
    result = store.uploads.ingest([("mixed.csv", csv_text(rows, header=header).encode())])
    assert (result.status, result.rows_read, result.rows_accepted) == ("stored", 6, 4)
    assert result.rows_rejected == 2
    assert result.events_new == 4
    rejected = store.uploads.rejected_rows(result.upload_id)
    assert rejected["line"].tolist() == [4, 7]
    assert rejected["column"].tolist() == ["timestamp", "action"]
    assert "'31/02/2024 10:00' is not a readable date and time" in rejected["reason"].iloc[0]
    assert "'teleported' is not a known action" in rejected["reason"].iloc[1]
    assert rejected["raw"].iloc[0]["timestamp"] == "31/02/2024 10:00"
    assert rejected["raw"].iloc[1]["action"] == "teleported"
    events = store.load_events()
    assert len(events) == 4
    assert events["remarks"].dropna().tolist() == ["=cmd|' /C calc'!A0", "@SUM(1+1)"]
    stored = store.uploads.history().iloc[-1]["report"]
    assert stored["rows_rejected"] == 2
    assert stored["rejected_total"] == 2


def test_a_file_whose_rows_are_all_rejected_stores_the_upload_only(store: Store) -> None:
    rows = [ev("moved", "A", "", "", "", "2024-03-05 10:00")]
    result = store.uploads.ingest([("bad.csv", csv_text(rows).encode())])
    assert (result.status, result.rows_rejected, result.events_new) == ("stored", 1, 0)
    assert store.counts()["events"] == 0
    assert store.counts()["rejected_rows"] == 1


# --- failures inside the transaction ------------------------------------------------------------


@pytest.mark.parametrize("stage", ["events", "derived", "snapshots"])
def test_upload_failing_midway_rolls_back_completely(
    store: Store, stage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_store(store)
    before = snapshot(store)
    monkeypatch.setenv(HOOK_ENV, f"{stage}:fail")
    bigger = [*WORKED_EXAMPLE, ev("moved", "D", "E", "Director", "Secretary", "2024-03-06 10:00")]
    bad_row = ev("moved", "", "", "", "", "x")
    with pytest.raises(InjectedFailure):
        store.uploads.ingest([("more.csv", csv_text([*bigger, bad_row]).encode())])
    assert_same_snapshot(before, snapshot(store))
    monkeypatch.delenv(HOOK_ENV)
    # The same file goes in afterwards: the failed attempt left no trace, not even its hash.
    result = store.uploads.ingest([("more.csv", csv_text([*bigger, bad_row]).encode())])
    assert (result.status, result.events_new, result.events_already_stored) == ("stored", 3, 3)


@pytest.mark.parametrize("stage", ["derived", "snapshots"])
def test_killed_midway_upload_leaves_the_store_unchanged(
    store_url: str, tmp_path: Path, stage: str
) -> None:
    store = open_store(store_url)
    good_store(store)
    # A big log touching the seeded file too, so the kill lands after stored derived rows
    # were deleted and new events inserted.
    log = tmp_path / "big.csv"
    rows = write_big_log(log, files=3000)
    with log.open("a", encoding="utf-8") as fh:
        tail = csv_text(WORKED_EXAMPLE[2:]).split("\n", 1)[1]
        fh.write(tail)
    before = snapshot(store)
    worker = start_worker(store_url, [log], hook=f"{stage}:pause")
    wait_for_line(worker, f"EOFFICE_STORE_HOOK {stage}", timeout=300)
    # The worker now sits inside its open transaction with the events written.
    os.kill(worker.pid, signal.SIGKILL)
    worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    store.close()
    reopened = open_store(store_url)
    assert_same_snapshot(before, snapshot(reopened))
    # And the store still takes the upload afterwards (the lock died with the process).
    result = reopened.uploads.ingest([log])
    assert result.events_new == rows + 2
    reopened.close()


def test_two_uploads_at_once_lose_nothing_and_duplicate_nothing(
    store_url: str, tmp_path: Path
) -> None:
    store = open_store(store_url)
    good_store(store)
    # Two extracts sharing 200 files' events, each with 600 files of its own, plus the
    # seeded file's continuation in both.
    shared = [r for n in range(200) for r in chain_rows(f"S{n:04d}", 1 + n % 28, 5)]
    only_a = [r for n in range(600) for r in chain_rows(f"A{n:04d}", 1 + n % 28, 4)]
    only_b = [r for n in range(600) for r in chain_rows(f"B{n:04d}", 1 + n % 28, 7)]
    seeded = WORKED_EXAMPLE[2:]
    a_rows, b_rows = [*only_a, *shared, *seeded], [*shared, *seeded, *only_b]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(csv_text(a_rows), encoding="utf-8")
    b.write_text(csv_text(b_rows), encoding="utf-8")
    go = tmp_path / "go"
    workers = [start_worker(store_url, [p], go=str(go)) for p in (a, b)]
    for w in workers:
        wait_for_line(w, "READY")
    go.touch()
    results = [wait_for_line(w, "RESULT", timeout=300).split() for w in workers]
    for w in workers:
        _, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
    new = [int(r[2]) for r in results]
    already = [int(r[3]) for r in results]
    # By hand: seeded store holds 3 events; the union adds 200*6 + 600*5 + 600*8 + 2.
    union_new = 200 * 6 + 600 * 5 + 600 * 8 + 2
    assert sum(new) == union_new
    assert new[0] + already[0] == len(a_rows)
    assert new[1] + already[1] == len(b_rows)
    assert store.counts()["events"] == 3 + union_new
    everything = read_logs([("seed.csv", csv_text(WORKED_EXAMPLE[:3]).encode()), a, b]).events
    got = compute_report(store.load_events())
    want = compute_report(everything)
    for name, table in want.items():
        pd.testing.assert_frame_equal(got[name], table, check_exact=True, obj=name)
    stints = store.load_stints()
    assert len(stints) == len(stints.drop_duplicates(["state", "file_id", "seq"]))
    assert stints["file_id"].nunique() == 1 + 200 + 600 + 600
    facts = store.load_file_facts().set_index("file_id")
    assert facts.loc["F1", "n_events"] == 5
    assert (facts.loc[facts.index.str.startswith("S"), "n_events"] == 6).all()
    store.close()


def test_one_shared_store_times_each_upload_on_its_own(store_url: str) -> None:
    """Two threads upload through ONE `Store` at once (as dashboard sessions do): each result
    counts its own events and carries its own phase timings, which fit inside that call."""
    store = open_store(store_url)
    logs = {
        name: [r for n in range(150) for r in chain_rows(f"{name}{n:04d}", 1 + n % 28, 4)]
        for name in ("A", "B")
    }
    results: dict[str, tuple[float, object]] = {}

    def upload(name: str) -> None:
        started = time.perf_counter()
        result = store.uploads.ingest([(f"{name}.csv", csv_text(logs[name]).encode())])
        results[name] = (time.perf_counter() - started, result)

    threads = [threading.Thread(target=upload, args=(name,)) for name in logs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    phases = {"read", "lock", "existing", "insert_events", "derive", "insert_derived"}
    phases |= {"snapshots", "commit"}
    for name, (wall, result) in results.items():
        assert result.status == "stored"
        assert result.events_new == len(logs[name]) == 150 * 5  # created + 4 moves a file
        assert set(result.timings) == phases
        assert min(result.timings.values()) >= 0
        assert sum(result.timings.values()) <= wall
    assert len(results) == 2
    store.close()
