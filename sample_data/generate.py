"""Deterministic generator of synthetic e-Office file-movement logs.

Writes the canonical CSV of ``docs/log-format.md`` (or an e-Office-style Excel report)
for the eight North-Eastern states and DARPG. Everything is vectorised with numpy and written
in chunks of files, so a million files (~15 million events) stream in bounded memory, and a
given seed always gives the same bytes.

    python -m sample_data.generate --files 3000 --seed 2024 --out sample_data/sample_events.csv
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import pandas as pd
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

CANONICAL_COLUMNS: tuple[str, ...] = (
    "state",
    "department",
    "file_id",
    "file_number",
    "subject",
    "file_type",
    "action",
    "from_user",
    "to_user",
    "from_designation",
    "to_designation",
    "timestamp",
    "received_at",
    "remarks",
)

#: The default level table of log-format.md (level -> designations).
DEFAULT_LEVEL_TABLE: dict[int, tuple[str, ...]] = {
    1: (
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
    2: ("Section Officer", "Desk Officer", "Superintendent"),
    3: ("Under Secretary", "Assistant Secretary"),
    4: ("Deputy Secretary", "Deputy Director"),
    5: ("Director", "Joint Director"),
    6: ("Joint Secretary",),
    7: ("Additional Secretary", "Special Secretary"),
    8: (
        "Secretary",
        "Commissioner & Secretary",
        "Principal Secretary",
        "Additional Chief Secretary",
    ),
    9: ("Chief Secretary", "Minister"),
}

#: Designations the default table does not know; they appear on a small share of rows.
UNKNOWN_DESIGNATIONS: tuple[str, ...] = ("Data Entry Operator", "Consultant", "OSD")


def normalise_designation(name: str) -> str:
    """Trim, collapse inner runs of spaces and case-fold, as the level table matches."""
    return " ".join(name.split()).casefold()


_LEVEL_BY_DESIGNATION = {
    normalise_designation(d): level for level, ds in DEFAULT_LEVEL_TABLE.items() for d in ds
}


def designation_level(name: str | None) -> int | None:
    """Level of a designation in the default table, or None when unmapped."""
    if not name:
        return None
    return _LEVEL_BY_DESIGNATION.get(normalise_designation(name))


@dataclass(frozen=True)
class Department:
    """A department: code used in ids, display name, and its file-number subject head."""

    code: str
    name: str
    head: int
    weight: float


@dataclass(frozen=True)
class StateSpec:
    """One e-Office instance: a state or a central body."""

    name: str
    code: str
    weight: float
    mean_moves: float
    physical_share: float
    departments: tuple[str, ...]
    places: tuple[str, ...]
    secretary: str


DEPARTMENTS: dict[str, Department] = {
    d.code: d
    for d in (
        Department("FIN", "Finance", 12011, 1.4),
        Department("HOME", "Home", 14011, 1.3),
        Department("HFW", "Health & Family Welfare", 16011, 1.2),
        Department("EDU", "Education", 18011, 1.2),
        Department("PWD", "Public Works", 20011, 1.0),
        Department("REV", "Revenue", 22011, 1.0),
        Department("PLG", "Planning", 24011, 0.7),
        Department("PAR", "Personnel & Administrative Reforms", 26011, 0.7),
        Department("AGR", "Agriculture", 28011, 0.7),
        Department("IT", "Information Technology", 30011, 0.6),
        Department("AR", "Administrative Reforms", 11013, 1.2),
        Department("PG", "Public Grievances", 11015, 1.2),
        Department("EGOV", "e-Governance", 11017, 1.0),
        Department("EST", "Establishment", 11019, 0.8),
    )
}

_NE = (
    "Arunachal Pradesh",
    "Assam",
    "Manipur",
    "Meghalaya",
    "Mizoram",
    "Nagaland",
    "Sikkim",
    "Tripura",
)

# mean_moves: Arunachal Pradesh ~26 movements per file, Mizoram ~10 (published figures).
STATES: tuple[StateSpec, ...] = (
    StateSpec(
        "Arunachal Pradesh",
        "AR",
        0.16,
        25.0,
        0.06,
        ("FIN", "HOME", "HFW", "EDU", "PWD", "REV", "PLG"),
        ("Papum Pare", "Itanagar Capital Complex", "Tawang", "West Siang", "Lohit"),
        "Commissioner & Secretary",
    ),
    StateSpec(
        "Assam",
        "AS",
        0.22,
        17.0,
        0.09,
        ("FIN", "HOME", "HFW", "EDU", "PWD", "REV", "PAR", "AGR", "IT"),
        ("Kamrup Metropolitan", "Dibrugarh", "Cachar", "Jorhat", "Nagaon", "Barpeta"),
        "Commissioner & Secretary",
    ),
    StateSpec(
        "Manipur",
        "MN",
        0.12,
        22.0,
        0.07,
        ("FIN", "HOME", "HFW", "EDU", "PWD", "REV", "IT"),
        ("Imphal West", "Imphal East", "Thoubal", "Churachandpur", "Ukhrul", "Bishnupur"),
        "Commissioner & Secretary",
    ),
    StateSpec(
        "Meghalaya",
        "ML",
        0.10,
        14.0,
        0.08,
        ("FIN", "HOME", "HFW", "EDU", "PWD", "REV"),
        ("East Khasi Hills", "West Garo Hills", "West Jaintia Hills", "Ri-Bhoi"),
        "Principal Secretary",
    ),
    StateSpec(
        "Mizoram",
        "MZ",
        0.06,
        10.0,
        0.08,
        ("FIN", "HOME", "HFW", "EDU", "PWD"),
        ("Aizawl", "Lunglei", "Champhai", "Kolasib"),
        "Secretary",
    ),
    StateSpec(
        "Nagaland",
        "NL",
        0.08,
        13.0,
        0.08,
        ("FIN", "HOME", "HFW", "EDU", "PWD", "REV"),
        ("Kohima", "Dimapur", "Mokokchung", "Tuensang"),
        "Principal Secretary",
    ),
    StateSpec(
        "Sikkim",
        "SK",
        0.06,
        12.0,
        0.06,
        ("FIN", "HOME", "HFW", "EDU", "REV"),
        ("Gangtok", "Namchi", "Gyalshing", "Mangan"),
        "Secretary",
    ),
    StateSpec(
        "Tripura",
        "TR",
        0.12,
        16.0,
        0.07,
        ("FIN", "HOME", "HFW", "EDU", "PWD", "REV", "AGR"),
        ("West Tripura", "Gomati", "Dhalai", "Unakoti"),
        "Principal Secretary",
    ),
    StateSpec(
        "DARPG",
        "DARPG",
        0.08,
        19.0,
        0.05,
        ("AR", "PG", "EGOV", "EST"),
        _NE,
        "Secretary",
    ),
)

SUBJECTS: tuple[str, ...] = (
    "Sanction of funds",
    "Release of grant-in-aid",
    "Revised estimates",
    "Court case W.P.(C) No. 412",
    "RTI application",
    "Purchase of office equipment",
    "Transfer and posting of staff",
    "Leave application",
    "Pension case",
    "Repair of office building",
    "Audit para reply",
    "Assembly question",
    "Re-appropriation of funds",
    "Compassionate appointment",
    "Tender for road works",
    "Procurement of medicines",
    "Scholarship disbursement",
    "Land acquisition",
    "Service matter, promotion",
    'Reply to "urgent" reference',
    "Vigilance clearance",
    "Training on e-Office",
    "Grievance petition (CPGRAMS)",
    "ई-ऑफिस प्रशिक्षण कार्यक्रम",
)

# (text, weight). A few start with = + - @ (formula-injection test material); some carry
# commas, quotes or Hindi text.
REMARKS: tuple[tuple[str, float], ...] = (
    ("Put up for kind perusal", 20),
    ("Approved", 15),
    ("Please examine and put up", 15),
    ("May kindly see", 12),
    ("Seen", 10),
    ("Discussed. Please process", 8),
    ("Returned for clarification", 6),
    ("कृपया आवश्यक कार्रवाई करें", 5),
    ("अनुमोदित", 4),
    ("Please check the figures, and resubmit", 4),
    ('Marked "urgent" by DS', 3),
    ("Approved, as proposed", 4),
    ("=SUM(A1:A10)", 0.4),
    ("+91 98620 12345 called about this file", 0.4),
    ("-do-", 0.6),
    ("@DS (Fin) for comments", 0.4),
    ('=HYPERLINK("http://example.invalid","open")', 0.2),
)

ACTIONS: tuple[str, ...] = ("created", "moved", "parked", "closed", "reopened")
_CREATED, _MOVED, _PARKED, _CLOSED, _REOPENED = range(5)

# Users of one state+department: 6 dealing hands, 3 section officers, 2 under and 2 deputy
# secretaries, one officer at each level from 5 to 9, then the unknown designations.
_NUSERS = np.array([1, 6, 3, 2, 2, 1, 1, 1, 1, 1], dtype=np.int64)
_LEVEL_OFFSET = np.array([0, 0, 6, 9, 11, 13, 14, 15, 16, 17], dtype=np.int64)
_DEO, _CONSULTANT, _OSD = 18, 19, 20
_USERS_PER_PAIR = 21
_LEVEL_ABBR = ("", "da", "so", "us", "ds", "dir", "js", "addl", "secy", "min")
_STINT_FACTOR = np.array([1.0, 1.0, 0.7, 0.9, 1.0, 1.2, 1.3, 1.5, 1.8, 2.5])

WORK_SECONDS_PER_DAY = 9 * 3600  # 09:30 to 18:30 IST
_DAY_OPENS = 9 * 3600 + 30 * 60
_HOLIDAYS = {(1, 26), (8, 15), (10, 2)}
FILES_PER_CHUNK = 25_000
EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate: how many files, from which seed, over which window and offices."""

    n_files: int
    seed: int
    start: dt.date = dt.date(2024, 1, 1)
    months: int = 12
    states: tuple[str, ...] | None = None
    departments: tuple[str, ...] | None = None
    id_start: int = 1


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return (
        dt.date(day.year + y, m + 1, 1) if day.day == 1 else dt.date(day.year + y, m + 1, day.day)
    )


def window_end(config: GeneratorConfig) -> dt.date:
    """First day after the log's window."""
    return _add_months(config.start, config.months)


def working_days(start: dt.date, end: dt.date) -> np.ndarray:
    """Working days in [start, end): Mon-Fri and the 1st/3rd/5th Saturdays, minus holidays."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D"), dtype="datetime64[D]")
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    dom = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    saturday_on = (weekday == 5) & (((dom - 1) // 7) % 2 == 0)
    holiday = np.zeros(len(days), dtype=bool)
    for mo, d in _HOLIDAYS:
        holiday |= (month == mo) & (dom == d)
    return days[((weekday < 5) | saturday_on) & ~holiday]


@dataclass(frozen=True)
class _Pair:
    state: int
    dept: str


_PAIRS: tuple[_Pair, ...] = tuple(_Pair(i, d) for i, s in enumerate(STATES) for d in s.departments)
_PAIR_STATE = np.array([p.state for p in _PAIRS])
"""Each pair's state (index into `STATES`)."""


def _user_tables() -> tuple[pa.Array, pa.Array]:
    """User ids and designations for every state+department, indexed pair * 21 + local."""
    names: list[str] = []
    desigs: list[str] = []
    for p, pair in enumerate(_PAIRS):
        st = STATES[pair.state]
        prefix = f"{st.code.lower()}.{pair.dept.lower()}."
        for level in range(1, 10):
            for slot in range(int(_NUSERS[level])):
                names.append(f"{prefix}{_LEVEL_ABBR[level]}{slot + 1}")
                desigs.append(_designation(st, p, level, slot))
        names += [prefix + "deo1", prefix + "cons1", prefix + "osd1"]
        desigs += list(UNKNOWN_DESIGNATIONS)
    return pa.array(names, pa.string()), pa.array(desigs, pa.string())


def _designation(st: StateSpec, pair: int, level: int, slot: int) -> str:
    if level == 1:
        choices = (
            "Assistant Section Officer",
            "Upper Division Clerk",
            "Lower Division Clerk",
            "Dealing Assistant",
            "Assistant",
            "Senior Administrative Assistant",
        )
        return choices[slot]
    if level == 8:
        return st.secretary
    if level == 9:
        return "Minister"
    name = DEFAULT_LEVEL_TABLE[level][(slot + pair) % len(DEFAULT_LEVEL_TABLE[level][:3])]
    # A couple of spelling variants real exports carry (they match after normalisation).
    if st.code == "TR" and name == "Under Secretary":
        return "Under secretary"
    if st.code == "NL" and name == "Deputy Secretary":
        return "Deputy  Secretary"
    return name


_USER_NAMES, _USER_DESIGS = _user_tables()


def _selected_pairs(config: GeneratorConfig) -> np.ndarray:
    states = set(config.states) if config.states else None
    depts = set(config.departments) if config.departments else None
    known_states = {s.name for s in STATES}
    if states and not states <= known_states:
        raise ValueError(f"unknown state(s): {sorted(states - known_states)}")
    known_depts = {d.name for d in DEPARTMENTS.values()}
    if depts and not depts <= known_depts:
        raise ValueError(f"unknown department(s): {sorted(depts - known_depts)}")
    out = [
        i
        for i, p in enumerate(_PAIRS)
        if (states is None or STATES[p.state].name in states)
        and (depts is None or DEPARTMENTS[p.dept].name in depts)
    ]
    if not out:
        raise ValueError("no state has the selected department(s)")
    return np.array(out, dtype=np.int64)


@dataclass
class _Plan:
    """Per-file attributes, sorted by creation time.

    Times are in working seconds from the start of the window (`WORK_SECONDS_PER_DAY` per
    working day); levels are those of the default level table.
    """

    pair: np.ndarray
    """Index into `_PAIRS`: the file's state and department."""
    number: np.ndarray
    """The file's number within its state and department (in creation order)."""
    created_at: np.ndarray
    has_created: np.ndarray
    """False for a file already alive when the extract began (no `created` event)."""
    moves: np.ndarray
    decision_level: np.ndarray
    """The level that decides the file: below it files mostly go up, at or above it down."""
    first_level: np.ndarray
    parks: np.ndarray
    reopens: np.ndarray
    closes: np.ndarray
    moves_before_park: np.ndarray
    """How many moves happen before the file is parked (all of them when it is not)."""
    chained_move: np.ndarray
    """A move made at the same moment as the one before it (A->B, B->C), else -1."""
    physical: np.ndarray
    level_slots: np.ndarray
    """Which officer of levels 1-4 (columns) handles the file at that level."""
    unknown_designation: np.ndarray
    """Whether the file passes a Data Entry Operator, a Consultant, an OSD (columns)."""
    subject: np.ndarray
    place: np.ndarray
    file_head: np.ndarray
    serial: np.ndarray
    letter: np.ndarray


def _pair_weights(pairs: np.ndarray) -> np.ndarray:
    """Each selected state+department's share of files: the state's weight split among its
    departments by their weights."""
    weights = []
    for i in pairs:
        state, dept = STATES[_PAIRS[i].state], DEPARTMENTS[_PAIRS[i].dept]
        state_depts = sum(DEPARTMENTS[d].weight for d in state.departments)
        weights.append(state.weight * dept.weight / state_depts)
    return np.array(weights)


def _draw_lifecycle(
    rng: np.random.Generator, pair: np.ndarray, total_w: int
) -> dict[str, np.ndarray]:
    """When each file is created, how often it moves, where it starts and tops out, and
    whether it is parked, reopened or closed (the draws, in the order the seed fixes)."""
    n = len(pair)
    state = _PAIR_STATE[pair]
    mean_moves = np.array([s.mean_moves for s in STATES])[state] * 1.12
    has_created = rng.random(n) >= 0.005
    created_at = rng.integers(0, total_w, size=n)
    # Files without a created event were already alive when the extract began.
    created_at = np.where(has_created, created_at, created_at // 8)
    shape = 2.5
    moves = rng.negative_binomial(shape, shape / (shape + mean_moves)).astype(np.int64)
    moves = np.where(has_created, moves, np.maximum(moves, 1))  # seen mid-life: moved once
    levels = np.arange(2, 10)
    decision_level = rng.choice(levels, size=n, p=[0.08, 0.22, 0.22, 0.16, 0.1, 0.1, 0.08, 0.04])
    first_level = np.where(
        has_created,
        rng.choice([1, 2, 3], size=n, p=[0.85, 0.1, 0.05]),
        rng.integers(1, 6, size=n),
    )
    fate = rng.random(n)
    closes = fate < 0.55
    parks = (fate >= 0.55) & (fate < 0.67)
    reopens = parks & (rng.random(n) < 0.45)
    closes |= reopens & (rng.random(n) < 0.6)
    before_park = np.where(parks, np.floor(rng.random(n) * (moves + 1)).astype(np.int64), moves)
    moves = np.where(parks & ~reopens, before_park, moves)
    chained_move = 2 + np.floor(rng.random(n) * np.maximum(moves - 1, 0)).astype(np.int64)
    chained = (rng.random(n) < 0.002) & (moves >= 2) & ~(parks & (chained_move == before_park + 1))
    return {
        "created_at": created_at,
        "has_created": has_created,
        "moves": moves,
        "decision_level": decision_level,
        "first_level": first_level,
        "parks": parks,
        "reopens": reopens,
        "closes": closes,
        "moves_before_park": before_park,
        "chained_move": np.where(chained, chained_move, -1),
    }


def _draw_details(rng: np.random.Generator, pair: np.ndarray) -> dict[str, np.ndarray]:
    """Each file's type, officers, unknown designations, subject and file-number parts."""
    n = len(pair)
    state = _PAIR_STATE[pair]
    physical = rng.random(n) < np.array([s.physical_share for s in STATES])[state]
    level_slots = np.stack(
        [rng.integers(0, int(_NUSERS[level]), size=n) for level in range(1, 5)], axis=1
    )
    unknown = rng.random((n, 3)) < np.array([0.03, 0.02, 0.02])  # DEO, Consultant, OSD
    subject = rng.integers(0, len(SUBJECTS), size=n)
    place = rng.integers(0, 6, size=n)
    heads = np.array([DEPARTMENTS[p.dept].head for p in _PAIRS])[pair]
    return {
        "physical": physical,
        "level_slots": level_slots,
        "unknown_designation": unknown,
        "subject": subject,
        "place": place,
        "file_head": heads + rng.choice([0, 2, 4, 7], size=n),
        "serial": rng.integers(1, 120, size=n),
        "letter": rng.integers(0, 4, size=n),
    }


def _numbers(pair: np.ndarray, id_start: int) -> np.ndarray:
    """Files numbered from `id_start` within each state+department, in the order given."""
    by_pair = np.argsort(pair, kind="stable")
    sorted_pair = pair[by_pair]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_pair)) + 1]
    counts = np.diff(np.r_[first, len(pair)])
    rank = np.arange(len(pair)) - np.repeat(first, counts)
    number = np.empty(len(pair), dtype=np.int64)
    number[by_pair] = rank + id_start
    return number


def _plan(config: GeneratorConfig, total_w: int) -> _Plan:
    """Every file's attributes, drawn from the seed, in creation order."""
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 0]))
    pairs = _selected_pairs(config)
    weights = _pair_weights(pairs)
    pair = pairs[rng.choice(len(pairs), size=config.n_files, p=weights / weights.sum())]
    fields = {"pair": pair, **_draw_lifecycle(rng, pair, total_w), **_draw_details(rng, pair)}
    order = np.argsort(fields["created_at"], kind="stable")
    fields = {key: values[order] for key, values in fields.items()}
    return _Plan(number=_numbers(fields["pair"], config.id_start), **fields)


def _walk(rng: np.random.Generator, s0: np.ndarray, top: np.ndarray, k_max: int):
    """Hierarchy levels and lateral flags after each move (column 0: before the first)."""
    n = len(s0)
    levels = np.empty((n, k_max + 1), dtype=np.int64)
    alt = np.zeros((n, k_max + 1), dtype=np.int64)
    levels[:, 0] = s0
    draws = rng.random((k_max, n))
    for k in range(k_max):
        cur = levels[:, k]
        u = draws[k]
        # Below the file's decision level: mostly one level up, some skips, some returns.
        up = np.where(
            u < 0.66,
            cur + 1,
            np.where(u < 0.74, cur + 2, np.where(u < 0.84, cur - 1, np.where(u < 0.93, 1, cur))),
        )
        # At or above it: the decision comes back down, sometimes escalates.
        down = np.where(
            u < 0.45,
            cur - 1,
            np.where(u < 0.75, 1, np.where(u < 0.85, cur - 2, np.where(u < 0.93, cur + 1, cur))),
        )
        nxt = np.clip(np.where(cur < top, up, down), 1, 9)
        same = nxt == cur
        single = same & (cur >= 5)  # one officer at that level: hand it down instead
        nxt = np.where(single, cur - 1, nxt)
        same &= ~single
        levels[:, k + 1] = nxt
        alt[:, k + 1] = np.where(same, 1 - alt[:, k], 0)
    return levels, alt


def _users(plan: _Plan, files: np.ndarray, level: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """The user (index into `_USER_NAMES`) holding each of `files` at `level`: the file's own
    officer of that level, the next one when `alt` (a lateral move), or an officer of unknown
    designation where the file passes one."""
    level = np.clip(level, 1, 9)
    slot = np.where(level <= 4, plan.level_slots[files, np.clip(level - 1, 0, 3)], 0)
    local = _LEVEL_OFFSET[level] + (slot + alt) % _NUSERS[level]
    unknown = plan.unknown_designation[files]
    base = alt == 0
    local = np.where((level == 1) & base & unknown[:, 0], _DEO, local)
    local = np.where((level == 3) & base & unknown[:, 1], _CONSULTANT, local)
    local = np.where((level == 4) & base & unknown[:, 2], _OSD, local)
    return plan.pair[files] * _USERS_PER_PAIR + local


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return np.exp(rng.normal(np.log(median), sigma, size=n))


def _take(values: pa.Array, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    indices = pa.array(idx, pa.int64(), mask=None if valid is None else ~valid)
    return pc.take(values, indices)


@dataclass
class _Events:
    """A chunk's events before the extract's end cuts them off. Per event: its file (position
    in the chunk), its position in the file, its action, its move number (moved events) and
    the steps of the file's walk (`_walk`) at which its sender and receiver stand (-1: none).
    Per file: its first event and its number of events."""

    file: np.ndarray
    in_plan: np.ndarray
    """The event's file as an index into the plan."""
    position: np.ndarray
    action: np.ndarray
    move: np.ndarray
    sender_step: np.ndarray
    receiver_step: np.ndarray
    first: np.ndarray
    count: np.ndarray


def _events(plan: _Plan, lo: int, hi: int) -> _Events:
    """The events of files [lo, hi), each file's in order: created (when it has one), the
    moves before a park, the park and reopening, the remaining moves, and the closing."""
    files = slice(lo, hi)
    has_created = plan.has_created[files].astype(np.int64)
    parks = plan.parks[files].astype(np.int64)
    reopens = plan.reopens[files].astype(np.int64)
    closes = plan.closes[files].astype(np.int64)
    moves, before_park = plan.moves[files], plan.moves_before_park[files]
    count = has_created + moves + parks + reopens + closes
    first = np.cumsum(count) - count
    file = np.repeat(np.arange(len(count)), count)
    position = np.arange(len(file)) - first[file]
    after_created = position - has_created[file]
    park_at, last_move = before_park[file], moves[file]
    created = after_created < 0
    moved_before_park = ~created & (after_created < park_at)
    parked = (parks[file] == 1) & (after_created == park_at)
    reopened = (reopens[file] == 1) & (after_created == park_at + 1)
    after_park = after_created - parks[file] - reopens[file]
    moved_after_park = (
        ~created & ~moved_before_park & ~parked & ~reopened & (after_park < last_move)
    )
    moved = moved_before_park | moved_after_park
    action = np.full(len(file), _CLOSED)
    action[created] = _CREATED
    action[moved] = _MOVED
    action[parked] = _PARKED
    action[reopened] = _REOPENED
    move = np.where(moved_before_park, after_created + 1, after_park + 1)
    # A closing comes after the last move; parking and reopening at the step the park fell.
    sender_step = np.select(
        [created, moved, parked | reopened], [-1, move - 1, park_at], default=last_move
    )
    receiver_step = np.select([created, moved, reopened], [0, move, park_at], default=-1)
    return _Events(
        file, file + lo, position, action, move, sender_step, receiver_step, first, count
    )


def _event_times(
    rng: np.random.Generator,
    plan: _Plan,
    events: _Events,
    sender_level: np.ndarray,
    total_w: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each event's moment, when its receiver opened the file, and whether that is known
    (moves only), in working seconds from the window's start."""
    n = len(events.file)
    in_plan = events.in_plan
    moved = events.action == _MOVED
    # Working seconds between consecutive events of a file.
    factor = _STINT_FACTOR[np.clip(sender_level, 1, 9)] * np.where(plan.physical[in_plan], 1.5, 1.0)
    stint = _lognormal(rng, 3 * 3600, 1.3, n) * factor
    stint *= np.where(rng.random(n) < 0.04, 12.0, 1.0)
    away = _lognormal(rng, 15 * WORK_SECONDS_PER_DAY, 0.8, n)  # parked until reopened
    gap = np.maximum(np.where(events.action == _REOPENED, away, stint), 60.0).astype(np.int64)
    gap[events.position == 0] = 0
    gap[moved & (events.move == plan.chained_move[in_plan])] = 0  # A->B, B->C at one time
    elapsed = np.cumsum(gap)
    at = plan.created_at[in_plan] + elapsed - elapsed[events.first][events.file]

    # Received: when the receiver opened it, between sending and the next event.
    last = events.position == events.count[events.file] - 1
    next_gap = np.where(last, stint.astype(np.int64), np.r_[gap[1:], 0])
    received = at + np.floor(rng.uniform(0.02, 0.7, n) * next_gap).astype(np.int64)
    next_kept = ~last & (np.r_[at[1:], 0] < total_w)
    has_received = (
        moved
        & (rng.random(n) < 0.93)
        & (next_kept | (received < total_w - 2 * WORK_SECONDS_PER_DAY))
    )
    return at, received, has_received


def _moments(at: np.ndarray, day_open: np.ndarray, total_w: int) -> np.ndarray:
    """Working seconds from the window's start as moments (seconds), the last one kept
    inside the window."""
    at = np.minimum(at, total_w - 1)
    return (day_open[at // WORK_SECONDS_PER_DAY] + at % WORK_SECONDS_PER_DAY).astype(
        "datetime64[s]"
    )


_STATE_NAMES = pa.array([s.name for s in STATES])
_STATE_CODES = pa.array([s.code for s in STATES])
_DEPT_NAMES = pa.array([DEPARTMENTS[p.dept].name for p in _PAIRS])
_DEPT_CODES = pa.array([p.dept for p in _PAIRS])
_PLACES = pa.array([place for s in STATES for place in (s.places * 6)[:6]])
"""Six places per state (a state's own repeated when it has fewer), indexed state * 6 + i."""


def _file_texts(
    plan: _Plan, files: np.ndarray, day_open: np.ndarray
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Each file's id (`AS-FIN-000012`), file number (`FIN-12013/45/2024-B`) and subject."""
    pair = plan.pair[files]
    state = _PAIR_STATE[pair]
    file_id = pc.binary_join_element_wise(
        _take(_STATE_CODES, state),
        _take(_DEPT_CODES, pair),
        pc.utf8_lpad(pc.cast(pa.array(plan.number[files]), pa.string()), 6, "0"),
        "-",
    )
    day = plan.created_at[files] // WORK_SECONDS_PER_DAY
    year = day_open[day].astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
    file_number = pc.binary_join_element_wise(
        _take(_DEPT_CODES, pair),
        "-",
        pc.cast(pa.array(plan.file_head[files]), pa.string()),
        "/",
        pc.cast(pa.array(plan.serial[files]), pa.string()),
        "/",
        pc.cast(pa.array(year), pa.string()),
        "-",
        _take(pa.array(list("ABCD")), plan.letter[files]),
        "",
    )
    subject = pc.binary_join_element_wise(
        _take(pa.array(SUBJECTS), plan.subject[files]),
        _take(_PLACES, state * 6 + plan.place[files]),
        " - ",
    )
    return file_id, file_number, subject


def _chunk(
    plan: _Plan, lo: int, hi: int, rng: np.random.Generator, day_open: np.ndarray, total_w: int
) -> pa.Table:
    """Events of files [lo, hi) in canonical columns, file by file, in time order."""
    most_moves = int(plan.moves[lo:hi].max()) if hi > lo else 0
    levels, alt = _walk(rng, plan.first_level[lo:hi], plan.decision_level[lo:hi], most_moves)
    events = _events(plan, lo, hi)
    has_sender, has_receiver = events.sender_step >= 0, events.receiver_step >= 0
    sent_at = np.maximum(events.sender_step, 0)
    received_at = np.maximum(events.receiver_step, 0)
    sender_level = levels[events.file, sent_at]
    sender = _users(plan, events.in_plan, sender_level, alt[events.file, sent_at])
    receiver = _users(
        plan, events.in_plan, levels[events.file, received_at], alt[events.file, received_at]
    )
    at, received, has_received = _event_times(rng, plan, events, sender_level, total_w)
    remark_weights = np.array([w for _, w in REMARKS])
    n = len(events.file)
    has_remark = (events.action != _CREATED) & (rng.random(n) < 0.08)
    remark = rng.choice(len(REMARKS), size=n, p=remark_weights / remark_weights.sum())

    kept = np.flatnonzero(at < total_w)  # the extract ends: later events have not happened yet
    file, in_plan = events.file[kept], events.in_plan[kept]
    sender, receiver = sender[kept], receiver[kept]
    has_sender, has_receiver = has_sender[kept], has_receiver[kept]
    file_id, file_number, subject = _file_texts(plan, np.arange(lo, hi), day_open)
    return pa.table(
        {
            "state": _take(_STATE_NAMES, _PAIR_STATE[plan.pair[in_plan]]),
            "department": _take(_DEPT_NAMES, plan.pair[in_plan]),
            "file_id": pc.take(file_id, pa.array(file)),
            "file_number": pc.take(file_number, pa.array(file)),
            "subject": pc.take(subject, pa.array(file)),
            "file_type": _take(
                pa.array(["electronic", "physical"]), plan.physical[in_plan].astype(int)
            ),
            "action": _take(pa.array(ACTIONS), events.action[kept]),
            "from_user": _take(_USER_NAMES, sender, has_sender),
            "to_user": _take(_USER_NAMES, receiver, has_receiver),
            "from_designation": _take(_USER_DESIGS, sender, has_sender),
            "to_designation": _take(_USER_DESIGS, receiver, has_receiver),
            "timestamp": pc.cast(pa.array(_moments(at[kept], day_open, total_w)), pa.string()),
            "received_at": pc.cast(
                pa.array(_moments(received[kept], day_open, total_w), mask=~has_received[kept]),
                pa.string(),
            ),
            "remarks": _take(pa.array([r for r, _ in REMARKS]), remark[kept], has_remark[kept]),
        }
    )


def iter_event_tables(config: GeneratorConfig) -> Iterator[pa.Table]:
    """Yield the log as Arrow tables of canonical string columns, one per chunk of files."""
    if config.n_files < 0 or config.months < 1:
        raise ValueError("--files must be >= 0 and --months >= 1")
    days = working_days(config.start, window_end(config))
    day_open = days.astype("datetime64[s]").astype(np.int64) + _DAY_OPENS
    total_w = len(days) * WORK_SECONDS_PER_DAY
    plan = _plan(config, total_w)
    for c, lo in enumerate(range(0, config.n_files, FILES_PER_CHUNK)):
        hi = min(lo + FILES_PER_CHUNK, config.n_files)
        rng = np.random.default_rng(np.random.SeedSequence([config.seed, 1, c]))
        yield _chunk(plan, lo, hi, rng, day_open, total_w)


def generate_dataframe(config: GeneratorConfig) -> pd.DataFrame:
    """The whole log as one pandas DataFrame of strings (small runs only)."""
    import pandas as pd

    tables = list(iter_event_tables(config))
    if not tables:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in CANONICAL_COLUMNS})
    return pa.concat_tables(tables).to_pandas(types_mapper=None)


def _csv_field(col: pa.Array) -> pa.Array:
    """Quote a string column the way RFC 4180 needs (only where it must)."""
    needs = pc.match_substring_regex(col, '[,"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, col)


# Every other column is built from names, codes, digits and dates checked below, so only
# these can hold a comma, a quote or a line break.
_FREE_TEXT_COLUMNS = ("subject", "remarks")
_VOCABULARY = [
    *_USER_NAMES.to_pylist(),
    *_USER_DESIGS.to_pylist(),
    *(s.name for s in STATES),
    *(s.code for s in STATES),
    *(d.name for d in DEPARTMENTS.values()),
    *(d.code for d in DEPARTMENTS.values()),
    *ACTIONS,
]
assert not any(ch in v for v in _VOCABULARY for ch in ',"\r\n'), "vocabulary needs quoting"


def write_csv(config: GeneratorConfig, out: Path) -> int:
    """Write the canonical CSV in chunks; return the number of events written."""
    rows = 0
    with open(out, "wb") as fh:
        fh.write((",".join(CANONICAL_COLUMNS) + "\n").encode())
        for table in iter_event_tables(config):
            cols = [
                _csv_field(table[c].combine_chunks())
                if c in _FREE_TEXT_COLUMNS
                else table[c].combine_chunks()
                for c in CANONICAL_COLUMNS
            ]
            line = pc.binary_join_element_wise(
                *cols, ",", null_handling="replace", null_replacement=""
            )
            line = pc.binary_join_element_wise(line, "", "\n")
            if isinstance(line, pa.ChunkedArray):
                line = line.combine_chunks()
            if len(line) == 0:
                continue
            offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)
            lo, hi = offsets[line.offset], offsets[line.offset + len(line)]
            fh.write(memoryview(line.buffers()[2])[lo:hi])
            rows += len(line)
    return rows


# --- e-Office style Excel report ------------------------------------------------------------

_XLSX_HEADERS = {
    "file_id": "Computer No.",
    "file_number": "File No.",
    "subject": "Subject",
    "file_type": "File Type",
    "action": "Action",
    "from_user": "Sent By",
    "from_designation": "Sender Designation",
    "to_user": "Sent To",
    "to_designation": "Receiver Designation",
    "timestamp": "Sent On",
    "received_at": "Received On",
    "remarks": "Remarks",
    "state": "State",
    "department": "Department",
}


_TITLE_ROWS = 5
"""Rows above the header: title, office, period, generation time, a blank row."""
_TIME_FIELDS = ("timestamp", "received_at")


@dataclass(frozen=True)
class _Offices:
    """The states and departments an extract covers, and whether it is one state's (then
    the report has no State column) or one department's (nor a Department column)."""

    states: list[str]
    departments: list[str]
    one_state: bool
    one_department: bool

    @classmethod
    def of(cls, config: GeneratorConfig, df: pd.DataFrame) -> _Offices:
        """The offices of the generated rows (of the selection when there are none)."""
        states = df["state"].unique().tolist() if len(df) else list(config.states or [])
        depts = df["department"].unique().tolist() if len(df) else list(config.departments or [])
        one_state = len(set(config.states or states)) == 1 and len(states) <= 1
        one_dept = one_state and len(set(config.departments or depts)) == 1 and len(depts) <= 1
        return cls(states, depts, one_state, one_dept)

    def title(self) -> str:
        """The report's second title row, naming the office."""
        if self.one_department and self.departments and self.states:
            return f"Department: {self.departments[0]}, Government of {self.states[0]}"
        if self.one_state and self.states:
            return f"e-Office instance: {self.states[0]}"
        return "e-Office instances: " + ", ".join(self.states)

    def fields(self, rng: np.random.Generator) -> list[str]:
        """The report's columns in a shuffled order, State / Department only when needed."""
        fields = [c for c in CANONICAL_COLUMNS if not (c == "state" and self.one_state)]
        fields = [c for c in fields if not (c == "department" and self.one_department)]
        return [fields[i] for i in rng.permutation(len(fields))]


def _printed_actions(df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Actions as e-Office prints them: aliases, and returns downward as "Returned" or
    "Sent Back"."""
    import pandas as pd

    designations = df[["from_designation", "to_designation"]].fillna("").to_numpy().ravel()
    level = {d: designation_level(d) for d in pd.unique(designations)}
    from_level = df["from_designation"].fillna("").map(level)
    to_level = df["to_designation"].fillna("").map(level)
    downward = (from_level.notna() & to_level.notna() & (to_level < from_level)).to_numpy()
    draw = rng.random(len(df))
    action = df["action"].to_numpy(dtype=object).copy()
    moved = action == "moved"
    action[moved] = np.where(
        draw[moved] < 0.6, "Forwarded", np.where(draw[moved] < 0.85, "Marked", "Sent")
    )
    action[moved & downward] = np.where(draw[moved & downward] < 0.5, "Returned", "Sent Back")
    for canon, aliases in (
        ("created", ("Create", "File Created")),
        ("parked", ("Park", "Parked File")),
        ("closed", ("Disposed", "Close")),
        ("reopened", ("Reopen", "Re-opened")),
    ):
        chosen = df["action"].to_numpy() == canon
        action[chosen] = np.where(draw[chosen] < 0.7, aliases[0], aliases[1])
    return action


def _printed_file_types(df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """File types as printed: "E" / "P", or for a fifth of the files "efile" / "physical file"."""
    import pandas as pd

    codes, uniques = pd.factorize(df["file_id"])
    long_form = (rng.random(len(uniques)) < 0.2)[codes] if len(df) else np.zeros(0, dtype=bool)
    physical = df["file_type"].to_numpy() == "physical"
    return np.where(
        long_form,
        np.where(physical, "physical file", "efile"),
        np.where(physical, "P", "E"),
    )


def _write_moment(
    ws: Worksheet, row: int, col: int, moment: dt.datetime, style: int, fmt: Format
) -> None:
    """A date and time as e-Office prints it: an Excel date cell (3 in 10), else day-first
    text in one of three forms (`style`: a draw from 0 to 9)."""
    if style < 3:
        ws.write_datetime(row, col, moment, fmt)
    elif style < 7:
        ws.write_string(row, col, f"{moment:%d/%m/%Y %H:%M}")
    elif style < 9:
        ws.write_string(row, col, f"{moment:%d-%b-%Y %H:%M}")
    else:
        ws.write_string(row, col, f"{moment:%d-%m-%Y %I:%M %p}")


def _write_rows(
    ws: Worksheet,
    df: pd.DataFrame,
    fields: list[str],
    printed: dict[str, np.ndarray],
    date_style: np.ndarray,
    date_fmt: Format,
) -> None:
    """The events under the header, a serial number first; times to the minute."""
    import pandas as pd

    cols = {c: printed[c] if c in printed else df[c].to_numpy(dtype=object) for c in fields}
    for c in _TIME_FIELDS:
        if c in cols:
            cols[c] = pd.to_datetime(df[c]).dt.floor("min").to_numpy()
    for i in range(len(df)):
        row = _TITLE_ROWS + 1 + i
        ws.write_number(row, 0, i + 1)
        for col, c in enumerate(fields, start=1):
            value = cols[c][i]
            if c in _TIME_FIELDS:
                if not pd.isna(value):
                    moment = pd.Timestamp(value).to_pydatetime()
                    _write_moment(
                        ws, row, col, moment, date_style[i, _TIME_FIELDS.index(c)], date_fmt
                    )
            elif value is not None and not (isinstance(value, float) and np.isnan(value)):
                ws.write_string(row, col, str(value))


def write_xlsx_eoffice(config: GeneratorConfig, out: Path) -> int:
    """Write an e-Office-style report workbook; return the number of events written.

    Title rows and a blank row sit above the header; headers are real-export aliases in a
    shuffled order with an extra ``Sl. No.`` column; actions, file types and dates use the
    forms e-Office prints (day-first strings and real Excel date cells, to the minute).
    ``State``/``Department`` columns appear only when the extract spans several of them.
    """
    import xlsxwriter

    df = generate_dataframe(config)
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 2]))
    n = len(df)
    offices = _Offices.of(config, df)
    if n + _TITLE_ROWS + 1 > EXCEL_MAX_ROWS:
        raise ValueError(f"{n} events do not fit in one worksheet; use --format csv")
    fields = offices.fields(rng)
    printed = {"action": _printed_actions(df, rng), "file_type": _printed_file_types(df, rng)}
    date_style = rng.integers(0, 10, size=(n, 2))
    created_at = dt.datetime.combine(window_end(config), dt.time(10, 0))

    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False})
    wb.set_properties(
        {"title": "e-Office File Movement Report", "author": "e-Office", "created": created_at}
    )
    ws = wb.add_worksheet("File Movement")
    bold = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    end = window_end(config) - dt.timedelta(days=1)
    ws.write_string(0, 0, "e-Office File Movement Report", bold)
    ws.write_string(1, 0, offices.title())
    ws.write_string(2, 0, f"Period: {config.start:%d/%m/%Y} to {end:%d/%m/%Y}")
    ws.write_string(3, 0, f"Generated on: {created_at:%d/%m/%Y %H:%M}")
    header = ["Sl. No.", *(_XLSX_HEADERS[c] for c in fields)]
    for col, name in enumerate(header):
        ws.write_string(_TITLE_ROWS, col, name, bold)
    _write_rows(ws, df, fields, printed, date_style, date_fmt)
    ws.set_column(0, len(header) - 1, 18)
    wb.close()
    return n


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(
        prog="python -m sample_data.generate",
        description="Generate a deterministic synthetic e-Office movement log.",
    )
    ap.add_argument("--files", type=int, required=True, help="number of files")
    ap.add_argument("--seed", type=int, required=True, help="random seed")
    ap.add_argument("--out", type=Path, required=True, help="output path")
    ap.add_argument("--format", choices=("csv", "xlsx-eoffice"), default="csv")
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 1, 1))
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--state", action="append", help="only this state (repeatable)")
    ap.add_argument("--department", action="append", help="only this department (repeatable)")
    ap.add_argument("--id-start", type=int, default=1, help="first file number per department")
    args = ap.parse_args(argv)
    config = GeneratorConfig(
        n_files=args.files,
        seed=args.seed,
        start=args.start,
        months=args.months,
        states=tuple(args.state) if args.state else None,
        departments=tuple(args.department) if args.department else None,
        id_start=args.id_start,
    )
    try:
        _selected_pairs(config)  # unknown names fail before anything is written
        if config.n_files < 0 or config.months < 1:
            raise ValueError("--files must be >= 0 and --months >= 1")
        if args.format == "csv":
            rows = write_csv(config, args.out)
        else:
            rows = write_xlsx_eoffice(config, args.out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {rows} events of {config.n_files} files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
