"""What a new level table would change, before it is applied (docs/levels.md).

`preview(events, before, after)` analyses the same events with both tables through the one
engine (`metrics.analyse`, `metrics.report_tables`, `views.state_figures`) and sets the
figures side by side per state: stints whose level changes, turnaround per level, pendency
per level, mean distinct levels of pending files and files over 4 levels, the rows that change
most first. The store adds
the designations that become unmapped (`Store.levels.preview`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.figures import metrics, views
from analytics.log.hierarchy import LevelTable


@dataclass
class LevelPreview:
    """Before and after, per state, of applying a new level table."""

    stints: pd.DataFrame
    """Per state: stints, changed (stints whose level changes)."""
    turnaround: pd.DataFrame
    """Per state and level: stints_before/after, median_days_before/after."""
    pendency: pd.DataFrame
    """Per state and level: pending_before/after (pending files held at that level)."""
    states: pd.DataFrame
    """Per state: mean_levels_pending_before/after, files_over_4_levels_before/after."""
    changes: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    """The table's rows added, removed and changed (`LevelTable.changes`)."""
    newly_unmapped: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Designations mapped now that the new table leaves unmapped (with events, states)."""
    newly_mapped: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Designations unmapped now that the new table maps."""

    @property
    def stints_changed(self) -> int:
        """How many stints change level, over every state."""
        return int(self.stints["changed"].sum()) if not self.stints.empty else 0


def preview(events: pd.DataFrame, before: LevelTable, after: LevelTable) -> LevelPreview:
    """Analyse `events` (whole states, each at its own T) with both tables, side by side."""
    old = metrics.analyse(events, levels=before)
    new = metrics.analyse(events, levels=after)
    a, b = old.stints["level"], new.stints["level"]
    changed = ~(a.eq(b).fillna(False) | (a.isna() & b.isna()))
    stints = (
        pd.DataFrame({"state": old.stints["state"].astype(str), "changed": changed.to_numpy()})
        .groupby("state", sort=True)["changed"]
        .agg(stints="size", changed="sum")
        .reset_index()
    )
    return LevelPreview(
        stints=stints,
        turnaround=_side_by_side(
            metrics.level_turnaround(old.stints),
            metrics.level_turnaround(new.stints),
            ["state", "level"],
            ["stints", "median_days"],
        ),
        pendency=_side_by_side(
            _pending_per_level(old),
            _pending_per_level(new),
            ["state", "level"],
            ["pending"],
        ),
        states=_side_by_side(
            _state_figures(old),
            _state_figures(new),
            ["state"],
            ["mean_levels_pending", "files_over_4_levels"],
        ),
        changes=before.changes(after),
    )


def _pending_per_level(analysis: metrics.Analysis) -> pd.DataFrame:
    table = metrics.pendency(analysis.facts)
    return table.groupby(["state", "level"], dropna=False, sort=True)["pending"].sum().reset_index()


def _state_figures(analysis: metrics.Analysis) -> pd.DataFrame:
    return views.state_figures(views.prepare(analysis), views.Filters(), by=("state",))


def _side_by_side(
    old: pd.DataFrame, new: pd.DataFrame, keys: list[str], values: list[str]
) -> pd.DataFrame:
    """`values` of both frames on `keys` as `<value>_before` / `<value>_after` (counts of a
    key present on one side only are 0 on the other): rows that change first, those that
    change most (summed absolute differences) foremost."""
    both = old[keys + values].merge(
        new[keys + values], on=keys, how="outer", suffixes=("_before", "_after")
    )
    for v in values:
        if pd.api.types.is_integer_dtype(old[v]) or v in ("stints", "pending"):
            for side in ("_before", "_after"):
                both[v + side] = both[v + side].fillna(0).astype(np.int64)
    differs = np.zeros(len(both), dtype=bool)
    size = np.zeros(len(both))
    for v in values:
        x, y = both[v + "_before"], both[v + "_after"]
        differs |= ~(x.eq(y).fillna(False) | (x.isna() & y.isna())).to_numpy()
        size += np.abs(y.astype("float64").fillna(0) - x.astype("float64").fillna(0)).to_numpy()
    both["changed"] = differs
    both["_size"] = size
    if "level" in both:
        both["level"] = both["level"].astype("Int64")
    both = both.sort_values(
        ["changed", "_size", *keys],
        ascending=[False, False, *[True] * len(keys)],
        na_position="last",
        kind="stable",
    )
    return both.drop(columns="_size").reset_index(drop=True)
