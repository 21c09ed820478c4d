"""The concurrency run (bench/sessions.py) with 2 sessions, so it cannot rot: a real
`streamlit run` server, two browser sessions at once through every page, each one's Overview
cards equal to its user's `report --db --user`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import sessions
from tests.e2e.conftest import chromium

pytestmark = pytest.mark.browser


def test_two_sessions_at_once_see_their_report_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chromium()
    assert sessions.main(["--sessions", "2", "--timeout", "240", "--work", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 sessions at once, 12 page visits" in out
    assert "18 Overview cards checked, all equal" in out
