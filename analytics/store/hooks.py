"""The store's test hooks (documented, for the test suite only).

The environment variable `EOFFICE_STORE_TEST_HOOK=<stage>:<what>` with stage `events` (new
events inserted, derived rows not yet), `derived` (derived rows being replaced) or
`snapshots` (the first touched state's snapshot rewritten, the others not yet) and what
`fail` (raise `InjectedFailure`) or `pause` (print `EOFFICE_STORE_HOOK <stage>` on stdout
and sleep, so a test can kill the process inside the open transaction).
"""

from __future__ import annotations

import os
import sys
import time

HOOK_ENV = "EOFFICE_STORE_TEST_HOOK"


class InjectedFailure(RuntimeError):
    """Raised by the `fail` test hook."""


def hook(stage: str) -> None:
    """The documented test hook (see the module docstring)."""
    spec = os.environ.get(HOOK_ENV, "")
    if not spec:
        return
    where, _, what = spec.partition(":")
    if where != stage:
        return
    if what == "fail":
        raise InjectedFailure(f"injected failure at stage {stage!r} ({HOOK_ENV})")
    if what == "pause":
        print(f"EOFFICE_STORE_HOOK {stage}", flush=True)
        sys.stdout.flush()
        time.sleep(3600)
