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
MIN_LEVEL, MAX_LEVEL = 1, 9
"""The levels a table may give (log-format.md, "Hierarchy levels")."""


class LevelTableError(ValueError):
    """The mapping table is unusable (bad columns, a level outside 1–9, a duplicate
    designation, an unknown state); the message names the row (counted from 1, the header
    not counted) and the reason."""


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

    def records(self) -> list[dict[str, object]]:
        """The rows as plain dicts (state None = every state), e.g. for JSON."""
        return [
            {
                "state": None if pd.isna(r.state) else str(r.state),
                "designation": str(r.designation),
                "level": int(r.level),
                "level_name": None if pd.isna(r.level_name) else str(r.level_name),
            }
            for r in self.frame.itertuples(index=False)
        ]

    @classmethod
    def from_records(cls, rows: list[dict[str, object]]) -> LevelTable:
        """The table of `records()` rows."""
        return cls(pd.DataFrame(list(rows), columns=list(TABLE_COLUMNS)))

    def to_text(self, *, yaml_format: bool = False) -> str:
        """The table as CSV `designation,level,level_name,state` (what `from_text` reads), or
        YAML `{levels: [...]}`."""
        rows = self.records()
        if yaml_format:
            plain = [{k: v for k, v in r.items() if v is not None} for r in rows]
            return yaml.safe_dump({"levels": plain}, sort_keys=False, allow_unicode=True)
        frame = pd.DataFrame(rows, columns=["designation", "level", "level_name", "state"])
        return frame.to_csv(index=False, lineterminator="\n")

    def with_rows(self, other: LevelTable) -> LevelTable:
        """This table with `other`'s rows added, each replacing a row of the same state and
        designation (how a proposal or a one-click mapping is applied)."""
        mine, theirs = self.frame, other.frame

        def keys(frame: pd.DataFrame) -> pd.Series:
            return frame["state"].fillna("") + "\x00" + normalise_designation(frame["designation"])

        kept = mine[~keys(mine).isin(set(keys(theirs))).to_numpy()]
        return LevelTable(pd.concat([kept, theirs], ignore_index=True))

    def changes(self, new: LevelTable) -> dict[str, list[dict[str, object]]]:
        """What `new` adds, removes and changes against this table, by (state, designation)."""

        def keyed(table: LevelTable) -> dict[tuple[str, str], dict[str, object]]:
            keys = normalise_designation(table.frame["designation"]).tolist()
            return {
                (r["state"] or "", key): r for r, key in zip(table.records(), keys, strict=True)
            }

        old, now = keyed(self), keyed(new)
        return {
            "added": [now[k] for k in now if k not in old],
            "removed": [old[k] for k in old if k not in now],
            "changed": [
                {**now[k], "level_before": old[k]["level"]}
                for k in now
                if k in old
                and (now[k]["level"], now[k]["level_name"])
                != (old[k]["level"], old[k]["level_name"])
            ],
        }

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
    blank = out["designation"].isna() | out["designation"].eq("")
    if blank.any():
        row = int(blank.to_numpy().argmax())
        raise LevelTableError(f"level table row {row + 1}: the designation is blank")
    levels = pd.to_numeric(out["level"].astype("string").str.strip(), errors="coerce")
    bad = levels.isna() | (levels != levels.round()) | (levels < MIN_LEVEL) | (levels > MAX_LEVEL)
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise LevelTableError(
            f"level table row {row + 1} ({out['designation'].iloc[row]}): level "
            f"{frame['level'].iloc[row]!r} is not a whole number from {MIN_LEVEL} to {MAX_LEVEL}"
        )
    out["level"] = levels.astype("int64")
    key = pd.DataFrame(
        {"s": out["state"].fillna(""), "d": normalise_designation(out["designation"])}
    )
    dup = key.duplicated(keep="first")
    if dup.any():
        row = int(dup.to_numpy().argmax())
        first = int(key.iloc[:row].eq(key.iloc[row]).all(axis=1).to_numpy().argmax())
        where = "every state" if pd.isna(out["state"].iloc[row]) else out["state"].iloc[row]
        raise LevelTableError(
            f"level table row {row + 1}: designation {out['designation'].iloc[row]!r} is "
            f"listed twice for {where} (first at row {first + 1})"
        )
    return out.reset_index(drop=True)
