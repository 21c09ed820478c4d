"""The facade in `analytics/__init__.py`: every public name resolves to the object its home
module defines, unknown names fail as for any module, and importing the package loads none
of the heavy modules."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import analytics


@pytest.mark.parametrize("name", analytics.__all__)
def test_each_public_name_is_its_home_modules_object(name: str) -> None:
    home = importlib.import_module(analytics._HOMES[name])
    assert getattr(analytics, name) is getattr(home, name)


def test_an_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        analytics.nothing_here  # noqa: B018


def test_importing_the_package_loads_no_heavy_module() -> None:
    code = "import sys, analytics; print(sorted(m for m in ('pandas', 'sqlalchemy', 'analytics.store.store') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_all_lists_exactly_the_names_with_a_home() -> None:
    assert sorted(analytics.__all__) == sorted(analytics._HOMES)
