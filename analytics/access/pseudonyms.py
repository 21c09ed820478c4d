"""Officers' names hidden behind keyed pseudonyms, and the deployment's key (docs/security.md).

`pseudonymise(frame, scope)` replaces officer names / user IDs by a stable keyed pseudonym
(HMAC-SHA256 of the ID with a key derived from the deployment's key per state and
department, `unit_key`) unless the scope may see names. Only what is shown or exported is
pseudonymised; every figure is computed on the stored IDs, the same for every reader. The
deployment's key is `EOFFICE_PSEUDONYM_KEY`, else one generated on first use and kept in the
store (`PseudonymKey`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from analytics.access.audit import writer
from analytics.access.models import AuthSetting

if TYPE_CHECKING:
    from analytics.access.scope import Scope

PSEUDONYM_KEY_ENV = "EOFFICE_PSEUDONYM_KEY"
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
    from analytics.log.formats import canonical_header  # (formats imports much; only needed here)

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


class PseudonymKey:
    """The deployment's pseudonym key: `EOFFICE_PSEUDONYM_KEY`, else the key generated on
    first use and kept in the store's `auth_settings` (call the object to get it)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._key: bytes | None = None

    def __call__(self) -> bytes:
        """The key (made and stored on first use)."""
        env = os.environ.get(PSEUDONYM_KEY_ENV, "").strip()
        if env:
            return env.encode("utf-8")
        if self._key is not None:
            return self._key
        value = self._stored(required=False)
        if value is None:
            try:
                with writer(self.engine) as conn, conn.begin():
                    conn.execute(
                        insert(AuthSetting).values(key="pseudonym_key", value=secrets.token_hex(32))
                    )
            except IntegrityError:
                pass  # another process made it first
            value = self._stored(required=True)
        self._key = bytes.fromhex(value)
        return self._key

    def _stored(self, *, required: bool) -> str | None:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(AuthSetting.value).where(AuthSetting.key == "pseudonym_key")
            )
            return found.scalar_one() if required else found.scalar()
