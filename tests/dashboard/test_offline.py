"""Every asset the dashboard shows is served by the app itself (issue 12, item 12): an
offline network must not break it. The browser side (no request leaves 127.0.0.1 while every
page is visited) is tests/e2e/test_links.py.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dashboard import navigation

ROOT = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
URL = re.compile(r"https?://([A-Za-z0-9][A-Za-z0-9.-]*)", re.IGNORECASE)  # a URL's host


def _app_files() -> list[Path]:
    """The app's code, config and assets: dashboard/ and .streamlit/ (secrets excluded)."""
    files = [p for p in (ROOT / "dashboard").rglob("*") if p.is_file()]
    files += [p for p in (ROOT / ".streamlit").glob("*") if p.name != "secrets.toml"]
    return [p for p in files if "__pycache__" not in p.parts]


def test_no_app_file_names_an_outside_host():
    found = []
    for path in _app_files():
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [
            (str(path.relative_to(ROOT)), host)
            for host in URL.findall(text)
            if host.lower() not in LOCAL_HOSTS
        ]
    assert found == []
    assert (ROOT / ".streamlit" / "config.toml") in _app_files()  # the scan saw the config


def test_the_page_icon_is_a_file_of_the_app():
    icon = navigation.PAGE_ICON
    assert icon.is_file()
    assert icon.resolve().is_relative_to(ROOT / "dashboard")
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_page_config_asks_streamlit_for_an_icon_by_name():
    """A `:material/...:` or emoji `page_icon` makes the browser fetch the icon from Google's
    font servers or a CDN; only a file (or an image) is served by the app."""
    named, calls = [], 0
    for path in (ROOT / "dashboard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "set_page_config":
                calls += 1
                named += [
                    (path.name, kw.value.value)
                    for kw in node.keywords
                    if kw.arg == "page_icon"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                ]
    assert calls >= 1
    assert named == []
