"""Process mining over stints: routes (variants), the process map, handovers and rework.

Terms (docs/metrics.md, "Process mining"):

- a file's **route** is the sequence of levels of its stints in log order, from its first
  stint to now (or to its closing), with a run of stints at one level counted once (a file
  passed between two officers of one level stays at that level); an unmapped level is `?`.
  A route **skips levels** when it goes up by more than one level in one step; it is **over
  the limit** when it passes through more distinct levels than the registry's
  `OVER_LEVELS_LIMIT` (the files table's `over_4_levels`, per file).
- a **handover** is a `moved` event: its sender passes the file to its receiver (the holder
  of the stint it starts), from the sender's level to the receiver's. Its delay is the time
  the sender had held the file before sending it (as on the Flow page); the process map's
  edges are the handovers per pair of levels, `views.level_flow`.
- **rework**: the file comes back to a level it had left (a level seen earlier on its route,
  after at least one other level in between). Each such arrival is one re-entry.

Everything is derived once per prepared copy (`mined`, kept in `Prepared`'s memo) as arrays
per file and per handover; a filter change only masks them and groups the rest.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.figures.metrics import Analysis
from analytics.figures.registry import OVER_LEVELS_LIMIT
from analytics.figures.views import Filters, Prepared, _in_range, file_keep, level_flow
from analytics.log.calendar import elapsed_days, ist_days
from analytics.schema import STINT_ACTIONS

UNMAPPED = "?"
"""How an unmapped level reads in a route."""
ARROW = " → "
SOURCE_COLUMNS = (
    "file_key",
    "start_action",
    "sender",
    "holder",
    "from_level",
    "level",
    "start",
    "end_action",
)
"""The stint columns mining reads (file then log order)."""


# --- the stints mining reads ----------------------------------------------------------------


def stints_of(analysis: Analysis) -> pd.DataFrame:
    """The mining columns of an analysis's stints: each stint with the action that started it
    and that event's sender and sender level (`SOURCE_COLUMNS`)."""
    events, stints = analysis.events, analysis.stints
    starts = events["action"].isin(STINT_ACTIONS).to_numpy()
    if int(starts.sum()) != len(stints):
        raise ValueError("the analysis's stints do not match its events")
    return pd.DataFrame(
        {
            "file_key": stints["file_key"].to_numpy(dtype=np.int64),
            "start_action": events["action"].array[starts],
            "sender": events["from_user"].array[starts],
            "holder": stints["holder"].array,
            "from_level": pd.array(events["from_level"].to_numpy()[starts], dtype="Int64"),
            "level": pd.array(stints["level"], dtype="Int64"),
            "start": stints["start"].array,
            "end_action": stints["end_action"].array,
        }
    )


def source(prepared: Prepared) -> pd.DataFrame:
    """The stints mining reads: the snapshots' (`Served.mining_stints`), else the analysis's."""
    build = getattr(prepared, "mining_stints", None)
    return build() if build is not None else stints_of(prepared.analysis)


# --- derived once ---------------------------------------------------------------------------


@dataclass
class Mined:
    """Routes per file, handovers and re-entries as arrays (built once per prepared copy)."""

    officers: np.ndarray
    """Officer IDs; `sender` / `receiver` are positions in it."""
    routes: pd.DataFrame
    """Per route code: route (text), steps, levels, skips_levels, over_limit."""
    file_route: np.ndarray
    """Per file_key: its route code (-1: no stint)."""
    handovers: pd.DataFrame
    """Per `moved` event: file_key, sender, receiver (int32), down (to a lower level; False
    when either level is unmapped), days (the sender's time before sending; NaN when
    unknown), day (IST, int32)."""
    reentries: pd.DataFrame
    """Per re-entry: file_key (int32), level (float32), day (IST day of the return); in
    level then file order."""


_DERIVING = threading.Lock()


def mined(prepared: Prepared) -> Mined:
    """The prepared copy's mining arrays, derived on first use (once, whoever asks first:
    readers at the same moment wait for it) and kept."""
    key = ("mining",)
    if key not in prepared._memo:
        with _DERIVING:
            if key not in prepared._memo:
                prepared._memo[key] = derive(source(prepared), prepared.n_keys)
    return prepared._memo[key]


def derive(stints: pd.DataFrame, n_keys: int) -> Mined:
    """Routes, handovers and re-entries of stints in file then log order (`SOURCE_COLUMNS`)."""
    fk = stints["file_key"].to_numpy(dtype=np.int64)
    level = stints["level"].to_numpy(dtype="float64", na_value=np.nan)
    start = stints["start"].reset_index(drop=True)
    if start.dt.tz is None:
        start = start.dt.tz_localize("UTC")
    same_file = np.r_[False, fk[1:] == fk[:-1]]

    # routes: runs of one level collapsed
    prev_level = np.r_[np.nan, level[:-1]]
    same_level = (prev_level == level) | (np.isnan(prev_level) & np.isnan(level))
    kept = np.flatnonzero(~(same_file & same_level))
    r_fk, r_level = fk[kept], level[kept]
    r_day = ist_days(start.iloc[kept])
    routes, file_route = _routes(r_fk, r_level, n_keys)

    # rework: an arrival at a level the file had been at before (mapped levels only)
    mapped = ~np.isnan(r_level)
    seen = pd.DataFrame({"f": r_fk[mapped], "l": r_level[mapped]}).duplicated().to_numpy()
    back = np.flatnonzero(mapped)[seen]
    back = back[np.lexsort((r_fk[back], r_level[back]))]  # level then file: `rework` counts
    reentries = pd.DataFrame(
        {
            "file_key": r_fk[back].astype(np.int32),
            "level": r_level[back].astype(np.float32),  # levels are small integers: exact
            "day": r_day[back].astype(np.int32),  # a stint always has its start
        }
    )

    # handovers: every stint started by a `moved` event
    officers, codes = _officers(stints["sender"], stints["holder"])
    sender_codes, holder_codes = codes
    moved = stints["start_action"].eq("moved").to_numpy(dtype=bool, na_value=False)
    # the sender's stint is the one just before, when the move ended it (views._movements)
    ended_by_move = pd.Series(stints["end_action"]).eq("moved")
    ended_by_move = ended_by_move.to_numpy(dtype=bool, na_value=False)
    prev_ends_here = same_file & np.r_[False, ended_by_move[:-1]]
    held = elapsed_days(start.shift(1), start).to_numpy(dtype="float64")
    days = np.where(prev_ends_here, held, np.nan)
    at = np.flatnonzero(moved)
    from_level = stints["from_level"].to_numpy(dtype="float64", na_value=np.nan)
    handovers = pd.DataFrame(  # narrow types: held once per copy
        {
            "file_key": fk[at].astype(np.int32),
            "sender": sender_codes[at].astype(np.int32),
            "receiver": holder_codes[at].astype(np.int32),
            "down": level[at] < from_level[at],  # NaN (unmapped) compares False
            "days": days[at],
            "day": ist_days(start.iloc[at]).astype(np.int32),
        }
    )
    return Mined(officers, routes, file_route, handovers, reentries)


def _officers(*columns: pd.Series) -> tuple[np.ndarray, list[np.ndarray]]:
    """One sorted list of officer IDs over the columns, and each column as positions in it
    (categoricals by their categories: no string per row)."""
    series = [pd.Series(c) for c in columns]
    if all(isinstance(c.dtype, pd.CategoricalDtype) for c in series):
        names = series[0].cat.categories
        for c in series[1:]:
            names = names.union(c.cat.categories)
        names = names.astype(object)
        blank = names.get_loc("") if "" in names else None
        if blank is None:
            names = pd.Index(["", *names], dtype=object).sort_values()
        parts = []
        for c in series:
            lookup = names.get_indexer(c.cat.categories.astype(object))
            codes = c.cat.codes.to_numpy().astype(np.int64)
            parts.append(np.where(codes < 0, names.get_loc(""), lookup[codes.clip(0)]))
        return np.asarray(names, dtype=object), parts
    values = [c.astype(object).fillna("").to_numpy() for c in series]
    codes, found = pd.factorize(np.concatenate(values), sort=True)
    parts = np.split(codes.astype(np.int64), np.cumsum([len(v) for v in values])[:-1])
    return np.asarray(found, dtype=object), parts


def _routes(fk: np.ndarray, level: np.ndarray, n_keys: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Per route its text and flags, and per file_key its route code, from the collapsed
    (file_key, level) rows. Codes follow the routes' order by levels (unmapped first)."""
    file_route = np.full(n_keys, -1, dtype=np.int64)
    columns = {"route": [], "steps": [], "levels": [], "skips_levels": [], "over_limit": []}
    if not len(fk):
        return pd.DataFrame(columns).astype({"steps": np.int64, "levels": np.int64}), file_route
    distinct = np.unique(level[~np.isnan(level)])
    code = np.searchsorted(distinct, level).clip(0, max(len(distinct) - 1, 0))
    mapped = ~np.isnan(level)
    # one character per level (U+0100 + its rank; U+0001 unmapped): a route is a string
    chars = np.where(mapped, code + 0x100, 1).astype(np.uint32)
    text = chars.tobytes().decode("utf-32-le")
    starts = np.flatnonzero(np.r_[True, fk[1:] != fk[:-1]])
    ends = np.r_[starts[1:], len(fk)]
    per_file = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    route_code, keys = pd.factorize(pd.Series(per_file, dtype=object), sort=True)
    file_route[fk[starts]] = route_code

    # per file, vectorised: distinct mapped levels, an upward step over one level
    same_file = np.r_[False, fk[1:] == fk[:-1]]
    rise = np.r_[np.nan, np.diff(level)]
    skips = same_file & (rise > 1)  # NaN (an unmapped side) compares False
    file_of = np.cumsum(~same_file) - 1
    skip_file = np.bincount(file_of, weights=skips, minlength=len(starts)) > 0
    pairs = pd.DataFrame({"f": file_of[mapped], "l": code[mapped]}).drop_duplicates()
    levels_file = np.bincount(pairs["f"].to_numpy(), minlength=len(starts))
    first_file = pd.Series(np.arange(len(starts))).groupby(route_code).first().to_numpy()

    names = {0x100 + i: f"{int(v)}{ARROW}" for i, v in enumerate(distinct)}
    names[1] = f"{UNMAPPED}{ARROW}"
    routes = pd.DataFrame(
        {
            "route": [k.translate(names)[: -len(ARROW)] for k in keys],
            "steps": np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys)),
            "levels": levels_file[first_file].astype(np.int64),
            "skips_levels": skip_file[first_file],
        }
    )
    routes["over_limit"] = routes["levels"].gt(OVER_LEVELS_LIMIT)
    return routes, file_route


# --- what a filter change asks ----------------------------------------------------------------


def _facts_by_key(prepared: Prepared, columns: list[str]) -> pd.DataFrame:
    """The facts' `columns` indexed by file_key, one row per key (memoised)."""
    key = ("mining_facts", *columns)
    if key not in prepared._memo:
        facts = prepared.facts
        out = facts[columns].copy()
        out.index = facts["file_key"].to_numpy()
        prepared._memo[key] = out.reindex(np.arange(prepared.n_keys))
    return prepared._memo[key]


def selected_files(prepared: Prepared, filters: Filters) -> np.ndarray:
    """Per file_key: the file is selected for routes (scope, state, department and type
    filters; with a date range, created in it) and has a route."""
    keep = file_keep(prepared, filters) & (mined(prepared).file_route >= 0)
    if filters.has_range:
        created = _facts_by_key(prepared, ["created_day"])["created_day"].to_numpy()
        keep &= _in_range(created, filters) & ~np.isnan(created)
    return keep


def routes(
    prepared: Prepared, filters: Filters, by: tuple[str, ...] = (), top: int | None = None
) -> pd.DataFrame:
    """Per route (and `by` columns: state, department) of the selected files: files, share
    (of the group's files), closed, median and p90 days to disposal (closed files), steps,
    levels, skips_levels, over_limit; most files first (`top` per group)."""
    m = mined(prepared)
    keep = selected_files(prepared, filters)
    facts = _facts_by_key(prepared, ["status", "disposal_days"])
    place_of, places = _groupings(prepared, by)
    keys = np.flatnonzero(keep)
    frame = pd.DataFrame(
        {
            "place": place_of[keys],
            "route_code": m.file_route[keys],
            "closed": _closed(prepared)[keys],
            "disposal_days": facts["disposal_days"].to_numpy(dtype="float64")[keys],
        }
    )
    g = frame.groupby(["place", "route_code"], sort=False)
    out = pd.DataFrame(
        {
            "files": g.size(),
            "closed": g["closed"].sum(),
            "median_disposal_days": g["disposal_days"].median(),
            "p90_disposal_days": g["disposal_days"].quantile(0.9),
        }
    ).reset_index()
    out["share"] = out["files"] / out.groupby("place")["files"].transform("sum")
    out = out.join(m.routes, on="route_code")
    for c in by:
        out[c] = places[c].to_numpy()[out["place"].to_numpy()]
    # most files first; ties in the routes' order by levels (codes follow it)
    out = out.sort_values(
        [*by, "files", "route_code"], ascending=[True] * len(by) + [False, True], kind="stable"
    )
    if top is not None:
        out = out.groupby("place", sort=False).head(top)
    columns = [*by, "route", "files", "share", "closed", "median_disposal_days"]
    columns += ["p90_disposal_days", "steps", "levels", "skips_levels", "over_limit"]
    out["closed"] = out["closed"].astype(np.int64)
    return out[columns].reset_index(drop=True)


def _closed(prepared: Prepared) -> np.ndarray:
    """Per file_key: the file is closed (memoised)."""
    key = ("mining_closed",)
    if key not in prepared._memo:
        status = _facts_by_key(prepared, ["status"])["status"]
        prepared._memo[key] = status.eq("closed").to_numpy(dtype=bool, na_value=False)
    return prepared._memo[key]


def _groupings(prepared: Prepared, by: tuple[str, ...]) -> tuple[np.ndarray, pd.DataFrame]:
    """Per file_key the code of its `by` values (one code for all when `by` is empty), and
    each code's values (memoised)."""
    key = ("mining_groups", *by)
    if key not in prepared._memo:
        if not by:
            codes, found = np.zeros(prepared.n_keys, dtype=np.int64), pd.DataFrame(index=[0])
        else:
            facts = _facts_by_key(prepared, list(by)).fillna("")
            if len(by) == 1:
                codes, uniques = pd.factorize(facts[by[0]])
                found = pd.DataFrame({by[0]: np.asarray(uniques)})
            else:
                pairs = pd.MultiIndex.from_frame(facts[list(by)])
                codes, uniques = pd.factorize(pairs)
                found = pd.DataFrame({c: uniques.get_level_values(i) for i, c in enumerate(by)})
        prepared._memo[key] = (np.asarray(codes, dtype=np.int64), found)
    return prepared._memo[key]


def route_files(prepared: Prepared, filters: Filters, route: str) -> pd.DataFrame:
    """The selected files that took `route` (its text, as `routes` gives it): their facts."""
    m = mined(prepared)
    found = np.flatnonzero(m.routes["route"].to_numpy() == route)
    keep = selected_files(prepared, filters)
    if len(found):
        keep &= m.file_route == found[0]
    else:
        keep[:] = False
    facts = prepared.facts
    rows = facts[keep[facts["file_key"].to_numpy()]]
    columns = ["state", "department", "file_id", "file_number", "status", "created_at"]
    columns += ["closed_at", "disposal_days", "movements", "levels_traversed", "returns"]
    return rows[columns].sort_values(["state", "file_id"]).reset_index(drop=True)


def process_map(prepared: Prepared, filters: Filters, slowest: int = 3) -> pd.DataFrame:
    """The directly-follows graph of levels: `views.level_flow`'s edges (movements and median
    days with the sender) with `slowest` marking the `slowest` edges by median time."""
    edges = level_flow(prepared, filters)
    edges["slowest"] = False
    timed = edges["median_days"].notna()
    if timed.any():
        ranked = edges.loc[timed, "median_days"].sort_values(ascending=False, kind="stable")
        edges.loc[ranked.index[:slowest], "slowest"] = True
    return edges


def _places(prepared: Prepared) -> tuple[np.ndarray, pd.DataFrame]:
    """Per file_key the code of its (state, department), and each code's pair (memoised)."""
    return _groupings(prepared, ("state", "department"))


def _handover_keys(prepared: Prepared) -> dict[str, np.ndarray]:
    """What the officer views read per handover (memoised): `n` (officers) and `down` (a
    move to a lower level). Their grouping keys are worked out when sorting (`_key`)."""
    key = ("mining_keys",)
    if key not in prepared._memo:
        m = mined(prepared)
        h = m.handovers
        prepared._memo[key] = {
            "n": np.array([max(len(m.officers), 1)], dtype=np.int64),
            "down": h["down"].to_numpy(),
        }
    return prepared._memo[key]


def _key(prepared: Prepared, name: str) -> np.ndarray:
    """Per handover the integer key the officer views group by: `pair` (place, sender,
    receiver), `sent` (place, sender) or `got` (place, receiver)."""
    h = mined(prepared).handovers
    n = _handover_keys(prepared)["n"][0]
    place_of, _ = _places(prepared)
    place = place_of[h["file_key"].to_numpy()]
    sender = h["sender"].to_numpy().astype(np.int64)
    receiver = h["receiver"].to_numpy().astype(np.int64)
    if name == "pair":
        return (place * n + sender) * n + receiver
    return place * n + (sender if name == "sent" else receiver)


def _order(prepared: Prepared, name: str, second: str) -> dict[str, np.ndarray]:
    """Handover rows sorted by the `name` key, then by `second` (days: NaN last; or
    file_key), memoised: `order` (the rows, int32), `group` (per sorted row its key's
    position in `keys`, int32) and `keys` (the distinct keys, ascending). A filter change
    then keeps rows in that order with a mask."""
    key = ("mining_order", name, second)
    if key not in prepared._memo:
        h = mined(prepared).handovers
        grouping = _key(prepared, name)
        order = np.lexsort((h[second].to_numpy(), grouping))
        grouping = grouping[order]
        new = np.r_[True, grouping[1:] != grouping[:-1]] if len(grouping) else np.array([], bool)
        prepared._memo[key] = {
            "order": order.astype(np.int32),
            "group": (np.cumsum(new) - 1).astype(np.int32),
            "keys": grouping[new],
        }
    return prepared._memo[key]


def _groups(
    prepared: Prepared, filters: Filters, name: str, second: str = "days"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The selected handovers in `_order(name, second)`: their rows, each group's key, start
    and size (groups of equal `name` key)."""
    sort = _order(prepared, name, second)
    h = mined(prepared).handovers
    keep = file_keep(prepared, filters)[h["file_key"].to_numpy()]
    if filters.has_range:
        keep &= _in_range(h["day"].to_numpy(), filters)
    kept = keep[sort["order"]]
    rows, group = sort["order"][kept], sort["group"][kept]
    starts = (
        np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.array([], int)
    )
    sizes = np.diff(np.r_[starts, len(group)])
    return rows, sort["keys"][group[starts]], starts, sizes


def _medians(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each group's median of `values` (sorted within groups, NaN last; NaN when none)."""
    if not len(starts):
        return np.array([], dtype="float64")
    valid = np.add.reduceat((~np.isnan(values)).astype(np.int64), starts)
    lo = starts + np.maximum(valid - 1, 0) // 2
    hi = starts + valid // 2  # (a group without values: its first row, then NaN below)
    out = (values[lo] + values[hi]) / 2
    return np.where(valid > 0, out, np.nan)


def _sums(flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
    if not len(starts):
        return np.array([], dtype=np.int64)
    return np.add.reduceat(flags.astype(np.int64), starts)


def handovers(prepared: Prepared, filters: Filters, top: int | None = None) -> pd.DataFrame:
    """Who passes files to whom: per state, department (the file's), sender and receiver:
    handovers, returns (those to a lower level), median days the sender had held the file;
    most handovers first (the `top` busiest). Names are officer IDs: pseudonymise before
    showing."""
    m = mined(prepared)
    _, places = _places(prepared)
    keys = _handover_keys(prepared)
    n = keys["n"][0]
    rows, group, starts, sizes = _groups(prepared, filters, "pair")
    days = m.handovers["days"].to_numpy()[rows]
    out = pd.DataFrame(
        {
            "key": group,
            "handovers": sizes.astype(np.int64),
            "returns": _sums(keys["down"][rows], starts),
            "median_days": _medians(days, starts, sizes),
        }
    )
    # most first; ties by state, department, sender, receiver (codes follow that order)
    out = out.sort_values(["handovers", "key"], ascending=[False, True], kind="stable")
    if top is not None:
        out = out.head(top)
    rest, receiver = np.divmod(out["key"].to_numpy(), n)
    place, sender = np.divmod(rest, n)
    at = places.iloc[place]
    result = pd.DataFrame(
        {
            "state": at["state"].to_numpy(),
            "department": at["department"].to_numpy(),
            "from_user": m.officers[sender],
            "to_user": m.officers[receiver],
            "handovers": out["handovers"].to_numpy(dtype=np.int64),
            "returns": out["returns"].to_numpy(dtype=np.int64),
            "median_days": out["median_days"].to_numpy(),
        }
    )
    return result.sort_values(
        ["handovers", "state", "department", "from_user", "to_user"],
        ascending=[False, True, True, True, True],
        kind="stable",
    ).reset_index(drop=True)


def pass_through(prepared: Prepared, filters: Filters, top: int | None = None) -> pd.DataFrame:
    """The officers through whom most files pass: per state, department and officer, files
    received (distinct files handed to them), handovers received and sent, returns sent (to a
    lower level) and the median days they held a file before passing it on."""
    m = mined(prepared)
    _, places = _places(prepared)
    keys = _handover_keys(prepared)
    n = keys["n"][0]
    fk = m.handovers["file_key"].to_numpy()
    rows, got, starts, sizes = _groups(prepared, filters, "got", "file_key")
    files = fk[rows]
    new_file = np.r_[True, files[1:] != files[:-1]] if len(files) else np.array([], bool)
    new_file[starts] = True
    received = pd.DataFrame(
        {"files": _sums(new_file, starts), "received": sizes.astype(np.int64)}, index=got
    )
    rows, sent_key, starts, sizes = _groups(prepared, filters, "sent")
    sent = pd.DataFrame(
        {
            "sent": sizes.astype(np.int64),
            "returns": _sums(keys["down"][rows], starts),
            "median_days_held": _medians(m.handovers["days"].to_numpy()[rows], starts, sizes),
        },
        index=sent_key,
    )
    out = received.join(sent, how="outer").rename_axis("key").reset_index()
    for c in ("files", "received", "sent", "returns"):
        out[c] = out[c].fillna(0).astype(np.int64)
    place, officer = np.divmod(out["key"].to_numpy(), n)
    at = places.iloc[place]
    out["state"] = at["state"].to_numpy()
    out["department"] = at["department"].to_numpy()
    out["holder"] = m.officers[officer]
    out = out.sort_values(
        ["files", "received", "holder", "state", "department"],
        ascending=[False, False, True, True, True],
        kind="stable",
    )
    if top is not None:
        out = out.head(top)
    columns = ["state", "department", "holder", "files", "received", "sent", "returns"]
    return out[[*columns, "median_days_held"]].reset_index(drop=True)


def rework(prepared: Prepared, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Files that came back to a level they had left.

    Returns (per level: re_entries, files; per number of re-entries: files; totals: files
    (selected files with a route), files_with_rework, re_entries, share). Re-entries count
    when the return's day is in the date range; files by the file filters.
    """
    m = mined(prepared)
    r = m.reentries
    by_file = file_keep(prepared, filters)
    fk = r["file_key"].to_numpy()
    keep = by_file[fk]
    if filters.has_range:
        keep &= _in_range(r["day"].to_numpy(), filters)
    # per level: the kept returns, and the distinct files among them (the rows are in level
    # then file order: a file counts at its first kept row of a level)
    level, file_of = r["level"].to_numpy()[keep], fk[keep]
    new_level = np.ones(len(level), dtype=bool)
    new_level[1:] = level[1:] != level[:-1]
    first = new_level.copy()
    first[1:] |= file_of[1:] != file_of[:-1]
    starts = np.flatnonzero(new_level)
    by_level = pd.DataFrame(
        {
            "level": pd.array(level[starts].astype(np.int64), dtype="Int64"),
            "re_entries": np.diff(np.r_[starts, len(level)]).astype(np.int64),
            "files": _sums(first, starts),
        }
    )
    per_file = np.bincount(fk[keep], minlength=prepared.n_keys)
    per_file = per_file[per_file > 0]  # returns of each file with any
    often = np.bincount(per_file)  # files per number of returns
    times = np.flatnonzero(often)
    how_often = pd.DataFrame({"re_entries": times.astype(np.int64), "files": often[times]})
    with_rework = len(per_file)
    considered = int((by_file & (m.file_route >= 0)).sum())
    totals = {
        "files": considered,
        "files_with_rework": with_rework,
        "re_entries": int(keep.sum()),
        "share": with_rework / considered if considered else None,
    }
    return by_level, how_often, totals


def warm(prepared: Prepared) -> Prepared:
    """Build now what the Process page's first filter change would: the mining arrays and
    the handovers' sorted orders (`views.warm` does the same for the other pages)."""
    mined(prepared)
    for name, second in (("pair", "days"), ("sent", "days"), ("got", "file_key")):
        _order(prepared, name, second)
    return prepared
