#!/usr/bin/env python3
"""Project tasks that need only Python on a fresh machine.

    python3 tasks.py dashboard   # the dashboard on the embedded SQLite store, sample preloaded
    python3 tasks.py test        # lint and the whole test suite
    python3 tasks.py bench       # the benchmark (bench/README.md)

Each task first makes `.venv` with the project and its test extras (again whenever
pyproject.toml changes), so nothing needs installing by hand.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
EXIT_REFUSED = 3  # analytics.cli.main.EXIT_REFUSED (tasks.py runs before the project is installed)


def ensure_env() -> Path:
    """Create .venv and install the project with its test extras, once per pyproject.toml."""
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / ".installed"
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    if not stamp.exists() or stamp.read_text() != want:
        run([PYTHON, "-m", "pip", "install", "-q", "--upgrade", "pip"])
        run([PYTHON, "-m", "pip", "install", "-q", "-e", ".[test]"])
        stamp.write_text(want)
    return PYTHON


def run(cmd: list[object]) -> None:
    """Run a command from the project root; stop with its status if it fails."""
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT)
    if code:
        sys.exit(code)


def dashboard(args: list[str]) -> None:
    """Load the sample into the default store (a no-op once loaded) and start Streamlit in demo
    mode (docs/access.md: read-only until an account exists, then everyone signs in)."""
    python = ensure_env()
    load = [python, "-m", "analytics.cli.main", "ingest", SAMPLE, "--by", "sample-data"]
    code = subprocess.call([str(c) for c in load], cwd=ROOT)
    if code == EXIT_REFUSED:  # the store has accounts: no demo, and loading needs a --user
        print("the store has accounts: the sample is not loaded again; sign in to the dashboard")
    elif code:
        sys.exit(code)
    os.chdir(ROOT)
    os.environ["EOFFICE_DEMO"] = "1"  # read-only, no sign-in, while the store has no account
    os.execv(python, [python, "-m", "streamlit", "run", "dashboard/server.py", *args])


def test(args: list[str]) -> None:
    """ruff (lint and format) and pytest; extra arguments go to pytest."""
    python = ensure_env()
    run([python, "-m", "ruff", "check", "."])
    run([python, "-m", "ruff", "format", "--check", "."])
    run([python, "-m", "pytest", *args])


def bench(args: list[str]) -> None:
    """The benchmark of bench/README.md."""
    python = ensure_env()
    run([python, "bench/run.py", *args])


TASKS = {"dashboard": dashboard, "test": test, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python3 tasks.py {{{','.join(TASKS)}}} [args...]")
    TASKS[sys.argv[1]](sys.argv[2:])
