"""Who may see what: a user's scope, applied wherever data is read."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Scope:
    """The states and (state, department) pairs a user may read; None means every one.

    A grant of a whole state puts the state in `states`; a grant of one department puts the
    pair in `departments`. `see_names` allows officer names and user IDs to be shown.
    """

    states: frozenset[str] | None = None
    departments: frozenset[tuple[str, str]] = frozenset()
    see_names: bool = True

    @classmethod
    def everything(cls) -> Scope:
        """Every state and department, names shown (national viewer, admin, demo)."""
        return cls()

    @property
    def unrestricted(self) -> bool:
        """True when the scope is every state."""
        return self.states is None

    def allows(self, state: str, department: str | None = None) -> bool:
        """True when the scope includes this state (and department, if given)."""
        if self.states is None or state in self.states:
            return True
        if department is None:
            return any(s == state for s, _ in self.departments)
        return (state, department) in self.departments

    def filter(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Only the rows of `frame` (with `state` and `department` columns) inside the scope."""
        if self.states is None:
            return frame
        keep = frame["state"].isin(self.states)
        if self.departments:
            pairs = pd.MultiIndex.from_arrays([frame["state"], frame["department"]])
            keep |= pairs.isin(list(self.departments))
        return frame[keep]
