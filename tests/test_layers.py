"""The layout shows the architecture: the packages of `analytics/` form layers, and a module
imports (at module level, at run time) only from its own layer or the ones below it. The
few imports that go up are listed here, each with its reason; a new one fails this test.
`dashboard/` sits above all of them and nothing in `analytics/` imports it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("log", "figures", "store", "access", "outputs", "cli")
"""Lowest first. `schema.py` and `fmt.py` (names and formats) and the figures registry
(declarations) are shared by every layer."""
SHARED = {"analytics.schema", "analytics.fmt", "analytics.figures.registry", "analytics"}
UPWARD = {
    # A selection (`Filters`) carries the reader's `Scope`, a plain value object.
    ("analytics.figures.views", "analytics.access.scope"),
    # The monthly report reads its two months from the store inside the reader's scope and
    # names the level table the way `report` does.
    ("analytics.figures.monthly", "analytics.access.scope"),
    ("analytics.figures.monthly", "analytics.outputs.report"),
    # The accounts' tables are part of the one database schema (one Alembic history).
    ("analytics.store.alert_models", "analytics.access.models"),
    # The audit log is written one way (`access.audit.write_row`, fields capped, actions from
    # one enum); a level-table change writes its row in the change's own transaction.
    ("analytics.store.levels", "analytics.access.audit"),
    ("analytics.store.proposals", "analytics.access.audit"),
}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if module in SHARED or len(parts) < 3:
        return None
    return LAYERS.index(parts[1])


def _imports(path: Path) -> set[str]:
    """Modules of `analytics` imported at module level outside `if TYPE_CHECKING:`."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "analytics" or node.module in {f"analytics.{x}" for x in LAYERS}:
                found |= {f"{node.module}.{a.name}" for a in node.names}
            elif node.module.startswith("analytics."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("analytics")}
    return found


def _analytics_modules() -> list[Path]:
    return [p for p in sorted((ROOT / "analytics").rglob("*.py")) if "migrations" not in p.parts]


def test_every_package_of_analytics_is_a_known_layer():
    packages = {p.name for p in (ROOT / "analytics").iterdir() if (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


def test_imports_go_down_the_layers_but_for_the_listed_ones():
    upward = set()
    for path in _analytics_modules():
        here = _module(path)
        mine = _layer(here)
        for target in _imports(path):
            theirs = _layer(target)
            if mine is not None and theirs is not None and theirs > mine:
                upward.add((here, target))
    assert sorted(upward - UPWARD) == []
    assert sorted(UPWARD - upward) == [], "a listed exception is gone: strike it from UPWARD"


def test_nothing_in_analytics_imports_the_dashboard_or_streamlit():
    bad = [
        f"{_module(p)} → {name}"
        for p in _analytics_modules()
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
        if name.split(".")[0] in {"dashboard", "streamlit"}
    ]
    assert bad == []


def test_every_import_in_the_code_resolves_even_inside_functions():
    """Imports made inside functions (to keep start-up light, or to break a cycle) run only
    when the function does: each one's module and names must exist, so a module moved or a
    name taken away fails here rather than on a page in front of a reader."""
    import importlib

    missing = []
    for top in ("analytics", "dashboard", "bench"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                if node.module.split(".")[0] not in ("analytics", "dashboard"):
                    continue
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if hasattr(module, alias.name):
                        continue
                    try:
                        importlib.import_module(f"{node.module}.{alias.name}")
                    except ModuleNotFoundError:
                        missing.append(f"{_module(path)}:{node.lineno} {node.module}.{alias.name}")
    assert missing == []
