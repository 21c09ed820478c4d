"""The repository stands alone: no tracked file points outside it (to the specs' folder beside
the repository, which users do not have), and every relative link in its Markdown resolves."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = "../" + "shared"  # spelled apart so this file does not match itself
SPEC_FOLDER = "shared/" + "spec"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def tracked() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    return [ROOT / n.decode() for n in names if n]


def texts() -> dict[Path, str]:
    out = {}
    for path in tracked():
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary (workbooks, images)
        out[path] = data.decode("utf-8", errors="replace")
    return out


def test_no_tracked_file_links_outside_the_repository():
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path, text in texts().items()
        for n, line in enumerate(text.splitlines(), start=1)
        if OUTSIDE in line or SPEC_FOLDER in line
    ]
    assert found == []


def test_every_relative_markdown_link_resolves():
    broken = []
    for path, text in texts().items():
        if path.suffix != ".md":
            continue
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            file = (path.parent / target.split("#")[0]).resolve()
            if not file.exists():
                broken.append(f"{path.relative_to(ROOT)} → {target}")
    assert broken == []


def test_the_project_documents_its_own_rules():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in ("docs/metrics.md", "docs/log-format.md"):
        assert (ROOT / doc).is_file()
        assert f"]({doc})" in readme


def test_the_readme_layout_table_names_every_module():
    """Each module of `analytics/` and `dashboard/` is named in the README's layout table (in
    its own row, or as `name.py` in its folder's row; a page as the row's `pages/`), and every
    `name.py` a folder's row names exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `([\w/.]+)` \| (.*) \|$", table, flags=re.MULTILINE))

    def named(relative: Path) -> bool:
        if str(relative) in rows:
            return True
        for folder in (relative.parent, relative.parent.parent):
            text = rows.get(f"{folder}/", "")
            if f"`{relative.relative_to(folder)}`" in text or f"`{relative.parent.name}/`" in text:
                return True
        return False

    modules = [
        path.relative_to(ROOT)
        for package in ("analytics", "dashboard")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        and (path.name != "__init__.py" or path.parent == ROOT / "analytics")
    ]
    assert [str(m) for m in modules if not named(m)] == []
    ghosts = [
        f"{folder}{name}"
        for folder, text in rows.items()
        if folder.endswith("/")
        for name in re.findall(r"`([\w/]+\.py)`", text)
        if not (ROOT / folder / name).exists()
    ]
    assert ghosts == []


def test_the_benchmark_figures_are_kept_in_one_place():
    """The benchmark's run table and its targets table appear in bench/README.md only; the
    README and docs/ link to them instead of keeping copies that drift apart."""
    rows = re.compile(r"^\| (targets?|issue \d+ target|[\d,]+ \| (report|peer_|ingest|dashboard))")
    holders = sorted(
        str(path.relative_to(ROOT))
        for path, text in texts().items()
        if path.suffix == ".md" and any(rows.match(line) for line in text.splitlines())
    )
    assert holders == ["bench/README.md"]


def test_the_readme_python_example_runs(monkeypatch):
    """The README's example of the public API runs as written, from the repository's root."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    monkeypatch.chdir(ROOT)
    scope: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 (the README's own example)
    assert set(scope["tables"]) == {
        "movement_ratio",
        "level_turnaround",
        "pendency",
        "files",
        "summary",
    }
