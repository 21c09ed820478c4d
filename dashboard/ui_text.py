"""Finds UI text the dashboard shows without `_()`: the check behind the catalogue test.

It reads each module's syntax tree (no import, no run) and looks at every call of a Streamlit
element or widget (`UI_CALLS`: st.title, st.caption, .button, .selectbox, .metric ...): a text
argument that is a string literal with a letter in it, or an f-string with a letter in its
literal parts, was not passed through `_()` (a wrapped one is a `_(...)` call, not a literal).
The arguments checked are the first one (the label or body) and the keywords a reader sees
(`LABEL_KEYWORDS`), and each literal in the list given to `st.tabs`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

UI_CALLS = frozenset(
    {
        "title",
        "header",
        "subheader",
        "caption",
        "markdown",
        "text",
        "info",
        "success",
        "warning",
        "error",
        "toast",
        "button",
        "download_button",
        "form_submit_button",
        "link_button",
        "page_link",
        "selectbox",
        "multiselect",
        "radio",
        "segmented_control",
        "pills",
        "text_input",
        "text_area",
        "number_input",
        "date_input",
        "file_uploader",
        "checkbox",
        "toggle",
        "slider",
        "expander",
        "metric",
        "spinner",
        "tabs",
        "Page",
        "TextColumn",
        "NumberColumn",
        "LinkColumn",
    }
)
LABEL_KEYWORDS = frozenset(
    {"label", "help", "placeholder", "title", "display_text", "delta_description", "caption"}
)
UNTRANSLATED = frozenset({"Language / भाषा"})
"""Literals shown as they are on purpose: the language switch names itself in both."""


def _has_letter(text: str) -> bool:
    return any(c.isascii() and c.isalpha() for c in text)


def _bare(node: ast.AST) -> bool:
    """A literal a reader would see untranslated."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _has_letter(node.value) and node.value not in UNTRANSLATED
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _has_letter(str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _bare(node.left) or _bare(node.right)
    return False


def _name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def unwrapped(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each bare UI literal in `source`."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or _name(node.func) not in UI_CALLS:
            continue
        if _name(node.func) in {"Page", "page_link"}:  # the first argument is the page's path
            candidates = [k.value for k in node.keywords if k.arg in LABEL_KEYWORDS]

        else:
            candidates = [
                *node.args[:1],
                *(k.value for k in node.keywords if k.arg in LABEL_KEYWORDS),
            ]
        if _name(node.func) == "tabs" and node.args and isinstance(node.args[0], ast.List):
            candidates = list(node.args[0].elts)
        for arg in candidates:
            if _bare(arg):
                yield arg.lineno, ast.get_source_segment(source, arg) or ""


def scan(root: Path) -> list[tuple[str, int, str]]:
    """Every bare UI literal under `root` (a folder of modules): (file, line, text)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for line, text in unwrapped(path.read_text(encoding="utf-8")):
            found.append((str(path.relative_to(root.parent)), line, text))
    return found
