"""Who may see what: a user's scope, applied wherever data is read.

A `Scope` is resolved from the user's grants (`analytics.access.users.resolve`). Everything that reads
the store for a person goes through it:

- `query_args(scope, states=..., departments=...)` turns a scope (and the filters a page or a
  query parameter asked for) into the `states=` / `departments=` arguments of
  `Store.load_events` / `load_stints` / `load_file_facts` — one call per argument set, because
  a scope may mix whole states with single departments of other states. A filter outside the
  scope simply selects nothing.
- `load_scoped(store, scope, "events" | "stints" | "file_facts", ...)` runs those calls.
- `scope.filter(frame)` keeps only rows inside the scope of any frame with `state` and
  `department` columns; `scope.protect(frame)` filters and pseudonymises
  (`analytics.access.pseudonyms`).
- `describe_scope(scope)` says a scope in words, for messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from analytics.access.pseudonyms import pseudonymise

if TYPE_CHECKING:
    from analytics.store.store import Store


@dataclass(frozen=True)
class Scope:
    """The states and (state, department) pairs a user may read; None means every one.

    A grant of a whole state puts the state in `states`; a grant of one department puts the
    pair in `departments`. `see_names` allows officer names and user IDs to be shown;
    without it, `protect` / `pseudonymise` replace them using `pseudonym_key`.
    """

    states: frozenset[str] | None = None
    departments: frozenset[tuple[str, str]] = frozenset()
    see_names: bool = True
    pseudonym_key: bytes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def everything(cls) -> Scope:
        """Every state and department, names shown (national viewer, admin, demo)."""
        return cls()

    @classmethod
    def nothing(cls) -> Scope:
        """No state at all (a signed-in user without any reading grant)."""
        return cls(states=frozenset(), departments=frozenset(), see_names=False)

    @property
    def unrestricted(self) -> bool:
        """True when the scope is every state."""
        return self.states is None

    @property
    def empty(self) -> bool:
        """True when the scope includes no state and no department."""
        return self.states is not None and not self.states and not self.departments

    def visible_states(self) -> frozenset[str] | None:
        """States with at least something visible (None: every state)."""
        if self.states is None:
            return None
        return self.states | {s for s, _ in self.departments}

    def allows(self, state: str, department: str | None = None) -> bool:
        """True when the scope includes this state (and department, if given).

        Without a department: True when anything of the state is visible.
        """
        if self.states is None or state in self.states:
            return True
        if department is None:
            return any(s == state for s, _ in self.departments)
        return (state, department) in self.departments

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Per row of `frame` (with `state` and `department` columns): inside the scope."""
        if self.states is None:
            return np.ones(len(frame), dtype=bool)
        keep = frame["state"].isin(self.states).to_numpy().copy()
        if self.departments:
            pairs = pd.MultiIndex.from_arrays([frame["state"], frame["department"]])
            keep |= pairs.isin(list(self.departments))
        return keep

    def filter(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Only the rows of `frame` (with `state` and `department` columns) inside the scope."""
        if self.states is None:
            return frame
        return frame[self.mask(frame)]

    def protect(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`filter` (when the frame has state/department) and then `pseudonymise`."""
        if {"state", "department"} <= set(frame.columns):
            frame = self.filter(frame)
        elif "state" in frame.columns and self.states is not None:
            visible = self.visible_states() or frozenset()
            frame = frame[frame["state"].isin(visible)]
        return pseudonymise(frame, self)


# --- turning a scope into store queries -----------------------------------------------------


def query_args(
    scope: Scope,
    states: Sequence[str] | None = None,
    departments: Sequence[str] | None = None,
) -> list[dict[str, list[str] | None]]:
    """`states=` / `departments=` argument sets whose union is (request ∩ scope).

    Each dict is one call of `Store.load_events` (or stints, file facts). The sets select
    disjoint states. An empty request result is one call selecting nothing (`states=[]`), so
    the caller still gets a typed empty frame.
    """
    want_states = None if states is None else set(states)
    want_depts = None if departments is None else set(departments)
    dept_arg = None if want_depts is None else sorted(want_depts)
    if scope.states is None:
        return [
            {
                "states": None if want_states is None else sorted(want_states),
                "departments": dept_arg,
            }
        ]
    calls: list[dict[str, list[str] | None]] = []
    whole = set(scope.states) if want_states is None else set(scope.states) & want_states
    if whole:
        calls.append({"states": sorted(whole), "departments": dept_arg})
    by_state: dict[str, set[str]] = {}
    for state, dept in scope.departments:
        if state in scope.states:
            continue  # the whole state is visible already
        if want_states is not None and state not in want_states:
            continue
        if want_depts is not None and dept not in want_depts:
            continue
        by_state.setdefault(state, set()).add(dept)
    for state in sorted(by_state):
        calls.append({"states": [state], "departments": sorted(by_state[state])})
    return calls or [{"states": [], "departments": None}]


def load_scoped(
    store: Store,
    scope: Scope,
    table: Literal["events", "stints", "file_facts"] = "events",
    *,
    states: Sequence[str] | None = None,
    departments: Sequence[str] | None = None,
    protect: bool = True,
) -> pd.DataFrame:
    """Rows of a store table inside the scope (and the filters asked for), pseudonymised.

    `departments` select files by the file's department, as the store does. With
    `protect=False` names are left as stored (for computing figures, never for display).
    """
    loader = {
        "events": store.load_events,
        "stints": store.load_stints,
        "file_facts": store.load_file_facts,
    }[table]
    parts = [loader(**args) for args in query_args(scope, states, departments)]
    frame = parts[0] if len(parts) == 1 else _combine(parts, table)
    visible = scope.visible_states()
    if visible is not None:  # belt and braces: never a row of a state outside the scope
        frame = frame[frame["state"].isin(visible)].reset_index(drop=True)
    return pseudonymise(frame, scope) if protect else frame


def _combine(parts: list[pd.DataFrame], table: str) -> pd.DataFrame:
    """Concatenate per-state parts; events get `file_key` / `seq` renumbered in log order."""
    parts = [p for p in parts if len(p)] or parts[:1]
    frame = pd.concat(parts, ignore_index=True)
    if table != "events" or frame.empty:
        return frame
    frame = frame.sort_values(["state", "file_id"], kind="stable").reset_index(drop=True)
    new_file = (frame["state"] != frame["state"].shift()) | (
        frame["file_id"] != frame["file_id"].shift()
    )
    frame["file_key"] = new_file.cumsum() - 1
    frame["seq"] = frame.groupby("file_key").cumcount()
    return frame


def describe_scope(scope: Scope) -> str:
    """A scope for people: `every state`, or its states and `state / department` pairs."""
    if scope.states is None:
        return "every state"
    parts = sorted(scope.states) + [f"{s} / {d}" for s, d in sorted(scope.departments)]
    return ", ".join(parts) if parts else "none"
