"""Level table: default mapping, replacement CSV/YAML, per-state rows, invalid tables."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.log.hierarchy import LevelTable, LevelTableError


def lookup(table: LevelTable, designations: list[str | None], state: str = "Manipur") -> list:
    s = pd.Series(designations, dtype="string")
    got = table.lookup(pd.Series([state] * len(s), dtype="string"), s)
    return [None if pd.isna(v) else int(v) for v in got]


def test_default_table_matches_case_and_space_insensitively():
    t = LevelTable.default()
    got = lookup(t, ["  assistant section   officer ", "COMMISSIONER & SECRETARY", "OSD", None])
    assert got == [1, 8, None, None]
    assert t.level_names()[9] == "Chief Secretary / Minister"
    assert t.levels() == list(range(1, 10))


def test_replacement_csv_replaces_entirely(tmp_path):
    path = tmp_path / "levels.csv"
    path.write_text("designation,level,level_name\nOSD,4,Officer on Special Duty\nClerk,1,\n")
    t = LevelTable.from_file(path)
    assert lookup(t, ["OSD", "Clerk", "Director"]) == [4, 1, None]


def test_yaml_with_per_state_override(tmp_path):
    path = tmp_path / "levels.yaml"
    path.write_text(
        "levels:\n"
        "  - {designation: Director, level: 5}\n"
        "  - {designation: Director, level: 6, state: Sikkim}\n"
    )
    t = LevelTable.from_file(path)
    assert lookup(t, ["Director"], state="Manipur") == [5]
    assert lookup(t, ["Director"], state="Sikkim") == [6]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("designation,level\nClerk,1\n clerk ,2\n", "listed twice"),
        ("designation,level\nClerk,one\n", "not a whole number"),
        ("designation\nClerk\n", "missing: level"),
    ],
)
def test_invalid_tables(text, message):
    with pytest.raises(LevelTableError, match=message):
        LevelTable.from_text(text)
