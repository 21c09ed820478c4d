"""Every audit row's action comes from `analytics.access.audit.Action` (the admin page's
filter lists its members): no audit call in the code passes a bare string as the action."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analytics.access.audit import Action

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted(p for top in ("analytics", "dashboard", "bench") for p in (ROOT / top).rglob("*.py")),
    ROOT / "tasks.py",
]
ACTION_ARG = {"write": 1, "write_in": 2, "write_row": 2}
"""Position of the action among an audit call's arguments."""


def audit_calls(tree: ast.AST) -> list[ast.Call]:
    """Calls of `<...>.audit.write(...)`, `<...>.audit.write_in(...)` and `write_row(...)`."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "write_row") or (
            isinstance(func, ast.Attribute)
            and func.attr in ("write", "write_in")
            and (
                (isinstance(func.value, ast.Attribute) and func.value.attr == "audit")
                or (isinstance(func.value, ast.Name) and func.value.id in ("audit", "log"))
            )
        ):
            found.append(node)
    return found


def action_of(call: ast.Call) -> ast.expr | None:
    name = call.func.id if isinstance(call.func, ast.Name) else call.func.attr
    keyword = next((k.value for k in call.keywords if k.arg == "action"), None)
    if keyword is not None:
        return keyword
    index = ACTION_ARG[name]
    return call.args[index] if len(call.args) > index else None


def test_no_audit_call_passes_a_bare_string() -> None:
    bare, calls = [], 0
    for path in SOURCES:
        for call in audit_calls(ast.parse(path.read_text(encoding="utf-8"))):
            calls += 1
            action = action_of(call)
            if action is None or isinstance(action, ast.Constant | ast.JoinedStr):
                bare.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert calls >= 30  # the scan sees the audit calls (sign-in, users, uploads, alerts, ...)
    assert bare == []


def test_the_scan_catches_a_bare_string() -> None:
    """The check above can fail: a call with a literal action is reported."""
    source = 'accounts.audit.write(who, "export", "ok")\nself.audit.write_in(conn, who, "x", "ok")'
    calls = audit_calls(ast.parse(source))
    assert [isinstance(action_of(c), ast.Constant) for c in calls] == [True, True]


def test_every_action_has_its_own_word_and_past_tense() -> None:
    values = [a.value for a in Action]
    assert len(set(values)) == len(values)
    assert Action("password_removed").done == "password removed"
    assert Action.USER_DISABLE.done == "disabled"
    assert Action.GRANT.done == "granted"
    with pytest.raises(ValueError, match="denyed"):
        Action("denyed")
