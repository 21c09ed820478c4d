"""The log's order (log-format.md, "Order"): events sorted per file, same-time events along
the chain of holders, and the checks that rely on that order (repeats, broken chains).

Reading orders what it reads with these rules and the figures build stints on the same
order; both import them from here. `encode_text` (text columns as sorted categoricals) is
the encoding the order and the figures compute on.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from analytics.schema import ACTION_RANK, PAIRED_COLUMNS, STINT_ACTIONS, TEXT_COLUMNS

_NOBODY = ""
_NO_CODE = -9
"""A category code no row has (a blank holder that no event names)."""


# --- text as categories ---------------------------------------------------------------------


def encode_text(events: pd.DataFrame) -> pd.DataFrame:
    """The events with every text column as a categorical of sorted categories.

    Sorted categories make code order the text order; each pair of `PAIRED_COLUMNS` shares its
    categories, so codes compare across the pair. Already-encoded columns cost nothing.
    """
    out = events.copy(deep=False)
    for c in (*TEXT_COLUMNS, "source"):
        if c in out:
            out[c] = _as_category(out[c])
    for a, b in PAIRED_COLUMNS:
        if a in out and b in out:
            ca, cb = out[a].cat.categories, out[b].cat.categories
            if not ca.equals(cb):
                union = ca.union(cb)
                out[a] = out[a].cat.set_categories(union)
                out[b] = out[b].cat.set_categories(union)
    return out


def _as_category(values: pd.Series) -> pd.Series:
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype("category")
    categories = values.cat.categories
    if categories.is_monotonic_increasing:
        return values
    return values.cat.reorder_categories(categories.sort_values())


def category_codes(values: pd.Series) -> np.ndarray:
    """A categorical's codes as a NumPy array (-1 where missing)."""
    return values.cat.codes.to_numpy()


def _code_of(values: pd.Series, text: str) -> int:
    categories = values.cat.categories
    return int(categories.get_loc(text)) if text in categories else _NO_CODE


# --- order ----------------------------------------------------------------------------------


def order_events(events: pd.DataFrame) -> pd.DataFrame:
    """Each file's events in log order (log-format.md, "Order"), with `file_key` and `seq`.

    Rows sort by file, timestamp and action rank; same-time events of one action follow the
    chain of holders. Input row order is the read order that breaks remaining ties.
    """
    _require(events, ("state", "file_id", "action", "from_user", "to_user", "timestamp"))
    df = encode_text(events).reset_index(drop=True)
    state_codes = category_codes(df["state"]).astype(np.int64) + 1
    file_codes = category_codes(df["file_id"]).astype(np.int64) + 1
    key = state_codes * (int(file_codes.max(initial=0)) + 1) + file_codes
    ts = df["timestamp"].dt.as_unit("us").array.asi8
    actions = df["action"].cat.categories
    rank = np.array([ACTION_RANK[a] for a in actions], dtype=np.int64)[category_codes(df["action"])]
    order = np.lexsort((np.arange(len(df)), rank, ts, key))
    order = _follow_chains(order, key, ts, rank, df)
    if not (order == np.arange(len(order))).all():
        df = df.iloc[order].reset_index(drop=True)
    key = key[order]
    starts = np.r_[True, key[1:] != key[:-1]] if len(key) else np.array([], dtype=bool)
    df["file_key"] = np.cumsum(starts) - 1
    first_pos = np.flatnonzero(starts)
    df["seq"] = np.arange(len(df)) - np.repeat(first_pos, np.diff(np.r_[first_pos, len(df)]))
    return df


def _follow_chains(
    order: np.ndarray, key: np.ndarray, ts: np.ndarray, rank: np.ndarray, df: pd.DataFrame
) -> np.ndarray:
    """Reorder runs of same-file, same-time, same-action events along the chain of holders."""
    k, t, r = key[order], ts[order], rank[order]
    same = (k[1:] == k[:-1]) & (t[1:] == t[:-1]) & (r[1:] == r[:-1])
    if not same.any():
        return order
    order = order.copy()
    starts_stint = np.array([a in STINT_ACTIONS for a in df["action"].cat.categories])
    is_parked = np.array([a == "parked" for a in df["action"].cat.categories])
    action = category_codes(df["action"])
    from_user = category_codes(df["from_user"])
    to_user = category_codes(df["to_user"])
    nobody = _code_of(df["from_user"], _NOBODY)
    edges = np.diff(np.r_[0, same.astype(np.int8), 0])
    run_starts, run_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) + 1
    for start, end in zip(run_starts, run_ends, strict=True):  # only tied runs: rare
        holder = nobody
        if start > 0 and k[start - 1] == k[start]:
            prev = order[start - 1]
            if starts_stint[action[prev]]:
                holder = to_user[prev]
            elif is_parked[action[prev]]:
                holder = from_user[prev]
        order[start:end] = _chain(order[start:end], holder, from_user, to_user)
    return order


def _chain(rows: np.ndarray, holder: int, from_user: np.ndarray, to_user: np.ndarray) -> list[int]:
    """One tied run in chain order (log-format.md): repeatedly the first row left (in the
    order given) sent by the holder, else the first row left; the holder becomes its receiver.

    Linear: a queue of rows per sender and one cursor over all rows, each skipping rows
    already taken, so every row is looked at a bounded number of times.
    """
    by_sender: dict[int, deque[int]] = {}
    for i, row in enumerate(rows):
        by_sender.setdefault(int(from_user[row]), deque()).append(i)
    taken = np.zeros(len(rows), dtype=bool)
    cursor = 0
    chained: list[int] = []
    for _ in range(len(rows)):
        queue = by_sender.get(int(holder))
        while queue and taken[queue[0]]:
            queue.popleft()
        if queue:
            pick = queue.popleft()
        else:
            while taken[cursor]:
                cursor += 1
            pick = cursor
        taken[pick] = True
        chained.append(int(rows[pick]))
        holder = to_user[rows[pick]]
    return chained


def _require(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"events table lacks column(s): {', '.join(missing)}")


# --- checks on the order -------------------------------------------------------------------


def may_repeat(ordered: pd.DataFrame) -> bool:
    """Whether an ordered log may hold events equal on the de-duplication key.

    Such events share file, timestamp and action, so they sit in one run of ties; False is
    certain, True means "look": it checks the sender and holder within the runs only.
    """
    key = ordered["file_key"].to_numpy()
    ts = ordered["timestamp"].array.asi8
    action = category_codes(ordered["action"])
    same = (key[1:] == key[:-1]) & (ts[1:] == ts[:-1]) & (action[1:] == action[:-1])
    if not same.any():
        return False
    rows = np.flatnonzero(np.r_[same, False] | np.r_[False, same])
    tied = pd.DataFrame(
        {
            "key": key[rows],
            "ts": ts[rows],
            "action": action[rows],
            "from": category_codes(ordered["from_user"])[rows],
            "to": category_codes(ordered["to_user"])[rows],
        }
    )
    return bool(tied.duplicated().any())


def broken_chains(events: pd.DataFrame) -> int:
    """How many stints end with an event their holder did not send (ordered events)."""
    events = encode_text(events)
    is_stint = events["action"].isin(STINT_ACTIONS).to_numpy()
    return int((chain_breaks(events, has_next(events)) & is_stint).sum())


def has_next(events: pd.DataFrame) -> np.ndarray:
    """Per event of an ordered log: the same file has a later event."""
    key = events["file_key"].to_numpy()
    return np.r_[key[1:] == key[:-1], False] if len(key) else np.array([], dtype=bool)


def chain_breaks(events: pd.DataFrame, followed: np.ndarray) -> np.ndarray:
    """Per event: the file's next event is sent by someone other than this event's to_user."""
    next_from = np.r_[category_codes(events["from_user"])[1:], _NO_CODE]
    return followed & (next_from != category_codes(events["to_user"]))
