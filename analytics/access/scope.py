"""Who may see what: a user's scope, applied wherever data is read.

A `Scope` is resolved from the user's grants (`analytics.access.accounts.resolve`). Everything that reads
the store for a person goes through it:

- `query_args(scope, states=..., departments=...)` turns a scope (and the filters a page or a
  query parameter asked for) into the `states=` / `departments=` arguments of
  `Store.load_events` / `load_stints` / `load_file_facts` — one call per argument set, because
  a scope may mix whole states with single departments of other states. A filter outside the
  scope simply selects nothing.
- `load_scoped(store, scope, "events" | "stints" | "file_facts", ...)` runs those calls.
- `scope.filter(frame)` keeps only rows inside the scope of any frame with `state` and
  `department` columns; `scope.protect(frame)` filters and pseudonymises.
- `pseudonymise(frame, scope)` replaces officer names / user IDs by a stable keyed pseudonym
  (HMAC-SHA256 of the ID with a key derived from the deployment's key per state and
  department, `unit_key`) unless the scope may see names. Only what is shown or exported is
  pseudonymised; every figure is computed on the stored IDs, the same for every reader.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from analytics.store.store import Store

PERSON_COLUMNS = frozenset(
    {
        "from_user",
        "to_user",
        "holder",
        "user",
        "user_id",
        "officer",
        "officer_name",
        "from_name",
        "to_name",
        "holder_name",
    }
)
"""Columns that name a person (officer name or user ID); `*_user` columns count too."""
PSEUDONYM_PREFIX = "P-"


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

    def with_key(self, key: bytes | None) -> Scope:
        """The same scope with the deployment's pseudonym key."""
        return replace(self, pseudonym_key=key)

    def protect(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`filter` (when the frame has state/department) and then `pseudonymise`."""
        if {"state", "department"} <= set(frame.columns):
            frame = self.filter(frame)
        elif "state" in frame.columns and self.states is not None:
            visible = self.visible_states() or frozenset()
            frame = frame[frame["state"].isin(visible)]
        return pseudonymise(frame, self)


# --- turning a scope into store queries -----------------------------------------------------


def clamp(
    scope: Scope,
    states: Sequence[str] | None = None,
    departments: Sequence[str] | None = None,
) -> tuple[list[str] | None, list[str]]:
    """The requested states kept inside the scope, and the requested states refused.

    `(None, [])` means "every state the scope allows" (no state filter was asked for).
    """
    if states is None:
        return None, []
    visible = scope.visible_states()
    if visible is None:
        return list(states), []
    kept = [s for s in states if s in visible]
    refused = [s for s in states if s not in visible]
    if departments is not None:
        wanted = set(departments)
        kept = [
            s
            for s in kept
            if s in (scope.states or ()) or any((s, d) in scope.departments for d in wanted)
        ]
    return kept, refused


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


# --- pseudonyms -----------------------------------------------------------------------------


def person_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` that name a person."""
    return [
        c
        for c in frame.columns
        if isinstance(c, str) and (c in PERSON_COLUMNS or c.endswith("_user"))
    ]


def unit_key(key: bytes, state: str, department: str) -> bytes:
    """The pseudonym key of one state's department, derived from the deployment's key.

    First a key per state, HMAC-SHA256(deployment key, state); from it a key per department
    of that state. A holder therefore has a different pseudonym in each (state, department),
    so rows uploaded for one department (where the uploader may name anybody) never reveal
    the pseudonym the same person has in another department or state (docs/security.md).
    """
    state_key = hmac.new(key, b"state\x00" + state.encode("utf-8"), hashlib.sha256).digest()
    unit = b"department\x00" + department.encode("utf-8")
    return hmac.new(state_key, unit, hashlib.sha256).digest()


def pseudonym(user_id: str, key: bytes, state: str, department: str) -> str:
    """A stable pseudonym of a user ID as it appears in a file of `state` / `department`:
    `P-` and 10 characters of a keyed HMAC-SHA256 (IDs differing in any way, case included,
    get different pseudonyms, as the figures count them apart)."""
    return _hidden(unit_key(key, state, department), user_id)


def _hidden(unit: bytes, user_id: str) -> str:
    digest = hmac.new(unit, str(user_id).strip().encode("utf-8"), hashlib.sha256).digest()
    return PSEUDONYM_PREFIX + base64.b32encode(digest)[:10].decode("ascii")


def pseudonymise(
    frame: pd.DataFrame,
    scope: Scope,
    key: bytes | None = None,
    *,
    state: str | None = None,
    department: str | None = None,
) -> pd.DataFrame:
    """A copy of `frame` with person columns replaced by pseudonyms unless `scope.see_names`.

    For what is shown or exported only: figures are computed on the stored IDs, so they are
    the same for every reader. Each row's pseudonyms are those of its file's state and
    department (the frame's `state` / `department` columns, else the `state` / `department`
    given for the whole frame). Blank and missing values stay as they are; designations are
    kept. The key is `key`, else `scope.pseudonym_key`; without either (and without the names
    permission) this refuses rather than show names.
    """
    if scope.see_names:
        return frame
    columns = person_columns(frame)
    if not columns:
        return frame
    key = key or scope.pseudonym_key
    if not key:
        raise PermissionError("no pseudonym key: names cannot be hidden, so nothing is shown")
    states = _unit_column(frame, "state", state)
    departments = _unit_column(frame, "department", department)
    out = frame.copy()
    units: dict[tuple[str, str], bytes] = {}
    for column in columns:
        col = out[column]
        values = col.astype(object).to_numpy()
        text = col.astype("string").str.strip()
        named = text.str.len().gt(0).fillna(False).to_numpy(dtype=bool)
        if not named.any():
            continue
        triples = pd.MultiIndex.from_arrays([states[named], departments[named], values[named]])
        codes, uniques = pd.factorize(triples)
        hidden = []
        for s, d, v in uniques:
            unit = units.get((s, d))
            if unit is None:
                unit = units[(s, d)] = unit_key(key, s, d)
            hidden.append(_hidden(unit, v))
        values = values.copy()
        values[named] = np.asarray(hidden, dtype=object)[codes]
        if isinstance(col.dtype, pd.CategoricalDtype):
            out[column] = pd.Series(pd.Categorical(values), index=col.index, name=col.name)
        else:
            out[column] = pd.Series(values, index=col.index, name=col.name).astype(col.dtype)
    return out


def _unit_column(frame: pd.DataFrame, column: str, given: str | None) -> np.ndarray:
    """The frame's `column` as text per row, else `given` for every row."""
    if column in frame.columns:
        return frame[column].astype(object).fillna("").astype(str).to_numpy()
    if given is None:
        raise ValueError(
            f"pseudonyms depend on each row's {column}: the frame has no {column} column "
            "and none was given"
        )
    return np.full(len(frame), given, dtype=object)


def protect_rejected(
    rows: pd.DataFrame, scope: Scope, *, state: str | None = None, department: str | None = None
) -> pd.DataFrame:
    """An upload's rejected rows (`Store.uploads.rejected_rows`: file, line, column, reason, raw) as
    the scope may see them: without the names permission each cell of `raw` under a person
    column (the file's own header, e.g. `Sent By`, read through the header aliases) becomes
    its pseudonym, and so does each such name where a reason quotes it ('name').

    A row's pseudonyms are those of its state and department (`pseudonymise`): the row's own
    state / department cells, else the `state` / `department` given for the upload."""
    if scope.see_names or rows.empty:
        return rows
    from analytics.log.formats import canonical_header  # (only needed here)

    raws = [raw if isinstance(raw, dict) else {} for raw in rows["raw"]]
    canonical = {h: canonical_header(h) or str(h) for raw in raws for h in raw}
    person = set(person_columns(pd.DataFrame(columns=sorted(set(canonical.values())))))
    headers = [h for h in canonical if canonical[h] in person]
    if not headers:
        return rows

    def unit(raw: dict, column: str, given: str | None) -> str:
        cell = next((v for h, v in raw.items() if canonical[h] == column), None)
        return cell.strip() if isinstance(cell, str) and cell.strip() else (given or "")

    cells = pd.DataFrame(
        [
            (i, h, raw[h], unit(raw, "state", state), unit(raw, "department", department))
            for i, raw in enumerate(raws)
            for h in headers
            if h in raw
        ],
        columns=["row", "header", "user", "state", "department"],
    )
    hidden = pseudonymise(cells, scope)["user"].tolist()
    swaps: list[dict[str, str]] = [{} for _ in raws]
    for (i, _, real), fake in zip(
        cells[["row", "header", "user"]].itertuples(index=False), hidden, strict=True
    ):
        if isinstance(real, str) and real.strip():
            swaps[i][real] = fake
    protected, reasons = [], []
    for raw, reason, swap in zip(raws, rows["reason"], swaps, strict=True):
        protected.append({h: swap.get(v, v) if h in headers else v for h, v in raw.items()})
        for real, fake in swap.items():  # reasons quote a cell as 'text' (or "text")
            for q in "'\"":
                reason = (
                    reason.replace(q + real + q, q + fake + q)
                    if isinstance(reason, str)
                    else reason
                )
        reasons.append(reason)
    return rows.assign(raw=protected, reason=reasons)
