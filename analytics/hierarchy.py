"""Hierarchy levels: designation → level mapping (log-format.md, "Hierarchy levels")."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

DEFAULT_LEVELS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "Dealing hand",
        (
            "Assistant Section Officer",
            "Assistant",
            "Dealing Assistant",
            "Dealing Hand",
            "Upper Division Clerk",
            "Lower Division Clerk",
            "Clerk",
            "Upper Division Assistant",
            "Lower Division Assistant",
            "Junior Administrative Assistant",
            "Senior Administrative Assistant",
            "Secretariat Assistant",
        ),
    ),
    (2, "Section Officer", ("Section Officer", "Desk Officer", "Superintendent")),
    (3, "Under Secretary", ("Under Secretary", "Assistant Secretary")),
    (4, "Deputy Secretary", ("Deputy Secretary", "Deputy Director")),
    (5, "Director", ("Director", "Joint Director")),
    (6, "Joint Secretary", ("Joint Secretary",)),
    (7, "Additional Secretary", ("Additional Secretary", "Special Secretary")),
    (
        8,
        "Secretary",
        (
            "Secretary",
            "Commissioner & Secretary",
            "Principal Secretary",
            "Additional Chief Secretary",
        ),
    ),
    (9, "Chief Secretary / Minister", ("Chief Secretary", "Minister")),
)

TABLE_COLUMNS = ("state", "designation", "level", "level_name")


class LevelTableError(ValueError):
    """The mapping table is unusable (bad columns, non-integer level, duplicate designation)."""


def normalise_designation(values: pd.Series) -> pd.Series:
    """Lower-case, trim and collapse inner runs of spaces, as designations are matched."""
    return values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.lower()


@dataclass(frozen=True)
class LevelTable:
    """Designation → level, with optional per-state rows that override the general ones."""

    frame: pd.DataFrame

    def __post_init__(self) -> None:
        frame = _clean(self.frame)
        object.__setattr__(self, "frame", frame)

    @classmethod
    def default(cls) -> LevelTable:
        """The default table of log-format.md."""
        rows = [
            (None, designation, level, name)
            for level, name, designations in DEFAULT_LEVELS
            for designation in designations
        ]
        return cls(pd.DataFrame(rows, columns=list(TABLE_COLUMNS)))

    @classmethod
    def from_file(cls, path: str | Path) -> LevelTable:
        """Read a replacement table: CSV `designation,level[,level_name][,state]` or YAML."""
        path = Path(path)
        return cls.from_text(path.read_text(encoding="utf-8-sig"), yaml_format=_is_yaml(path))

    @classmethod
    def from_text(cls, text: str, *, yaml_format: bool = False) -> LevelTable:
        """Parse a table from CSV text, or YAML (a list of rows, or `{levels: [...]}`)."""
        if yaml_format:
            data = yaml.safe_load(text)
            if isinstance(data, dict):
                data = data.get("levels")
            if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
                raise LevelTableError("YAML level table must be a list of {designation, level}")
            frame = pd.DataFrame(data)
        else:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        return cls(frame)

    def to_frame(self) -> pd.DataFrame:
        """The table as rows: state (NA = every state), designation, level, level_name."""
        return self.frame.copy()

    def level_names(self) -> dict[int, str]:
        """Level number → its name (the first name given for it)."""
        named = self.frame.dropna(subset=["level_name"]).drop_duplicates("level")
        names = dict(zip(named["level"].astype(int), named["level_name"], strict=True))
        return {int(level): names.get(int(level), f"Level {level}") for level in self.levels()}

    def levels(self) -> list[int]:
        """The level numbers the table defines, ascending."""
        return sorted(int(v) for v in self.frame["level"].unique())

    def lookup(self, states: pd.Series, designations: pd.Series) -> pd.Series:
        """Level (nullable Int64) of each designation in its state; NA when unknown or blank.

        Works on the distinct (state, designation) pairs, so it costs little on long logs.
        """
        frame = self.frame.assign(_key=normalise_designation(self.frame["designation"]))
        general = frame[frame["state"].isna()].set_index("_key")["level"]
        specific = frame[frame["state"].notna()]
        d_codes, d_uniques = _factorize(designations)
        if specific.empty:
            pair_codes = d_codes
            u_states = pd.Series(pd.NA, index=range(len(d_uniques)), dtype="string")
            u_designations = pd.Series(d_uniques, dtype="string")
        else:
            s_codes, s_uniques = _factorize(states)
            width = len(d_uniques) + 1
            pair_codes, pairs = pd.factorize(s_codes.astype(np.int64) * width + d_codes + 1)
            u_states = pd.Series(
                np.asarray(s_uniques, dtype=object)[pairs // width], dtype="string"
            )
            u_designations = pd.Series(
                np.r_[np.asarray(d_uniques, dtype=object), [pd.NA]][pairs % width - 1],
                dtype="string",
            )
        keys = normalise_designation(u_designations)
        levels = keys.map(general).astype("Int64")
        if not specific.empty:
            spec = specific.set_index([specific["state"], specific["_key"]])["level"]
            override = spec.reindex(pd.MultiIndex.from_arrays([u_states, keys])).to_numpy()
            levels = pd.Series(override, index=levels.index).astype("Int64").fillna(levels)
        looked = pd.array(np.r_[levels.to_numpy(dtype=object), [pd.NA]], dtype="Int64")
        return pd.Series(looked[pair_codes], index=designations.index)


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for NA) and distinct values as an object array; categoricals by their codes."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(values)
    else:
        codes, uniques = pd.factorize(values.astype("string"))
    return codes, np.asarray(uniques, dtype=object)


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in {".yaml", ".yml"}


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    missing = {"designation", "level"} - set(frame.columns)
    if missing:
        raise LevelTableError(
            "level table needs the columns designation and level; missing: "
            + ", ".join(sorted(missing))
        )
    out = pd.DataFrame(
        {
            "state": frame.get("state"),
            "designation": frame["designation"],
            "level": frame["level"],
            "level_name": frame.get("level_name"),
        }
    )
    out["state"] = out["state"].astype("string").str.strip().replace("", pd.NA)
    out["designation"] = (
        out["designation"].astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    )
    out["level_name"] = out["level_name"].astype("string").str.strip().replace("", pd.NA)
    if out["designation"].isna().any() or (out["designation"] == "").any():
        raise LevelTableError("level table has a row with a blank designation")
    levels = pd.to_numeric(out["level"].astype("string").str.strip(), errors="coerce")
    bad = levels.isna() | (levels != levels.round()) | (levels < 1)
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise LevelTableError(
            f"level table row {row + 2}: level {frame['level'].iloc[row]!r} "
            "is not a whole number from 1 up"
        )
    out["level"] = levels.astype("int64")
    key = pd.DataFrame(
        {"s": out["state"].fillna(""), "d": normalise_designation(out["designation"])}
    )
    dup = key.duplicated(keep=False)
    if dup.any():
        names = sorted(set(out.loc[dup, "designation"]))
        raise LevelTableError("designation listed twice in the level table: " + ", ".join(names))
    return out.reset_index(drop=True)
