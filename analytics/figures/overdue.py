"""Overdue files and their escalation: CSMOP's 7-working-day rule, followed up (docs/alerts.md).

Pure and vectorised, over per-file facts (`metrics.file_facts`, or the facts the dashboard
serves): a pending file is **overdue** when the working days since it reached its present
holder (`since` to its state's T, in the `WorkCalendar` given) exceed its **limit**, and
**escalated** when they exceed the limit plus its **escalation** days. The next level's
holder of the file's department is named as the one to tell.

Limits come from `Rule`s (kept in the store: `analytics.access.alerts`). A rule names any of a
state, a level and a file type (None: any) and gives `limit_days` and `escalate_after_days`.
When several rules match a file the most specific wins, by a fixed weight per named field:
state 4, level 2, file type 1 (so state+level+type > state+level > state+type > state >
level+type > level > type > the rule naming nothing). Two rules cannot name the same fields
with the same values, so exactly one rule wins. Without any rule, the limit is
`CSMOP_WORKING_DAYS` and the escalation `ESCALATION_WORKING_DAYS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.figures.metrics import by_state
from analytics.figures.registry import CSMOP_WORKING_DAYS, ESCALATION_WORKING_DAYS
from analytics.fmt import indian
from analytics.i18n import gettext, ngettext
from analytics.log.calendar import WorkCalendar
from analytics.schema import EVENT_COLUMNS

WEIGHTS = {"state": 4, "level": 2, "file_type": 1}
"""How much each field a rule names counts towards its precedence (higher wins)."""

OVERDUE_COLUMNS = (
    *EVENT_COLUMNS[:6],  # state, department, file_id, file_number, subject, file_type
    "holder",
    "designation",
    "level",
    "since",
    "age_working_days",
    "limit_days",
    "overdue_since",
    "escalate_after_days",
    "escalated",
    "escalated_since",
    "escalate_to_user",
    "escalate_to_designation",
    "escalate_to_level",
)
"""The columns of `overdue` (plus `file_key` when the facts have it)."""


@dataclass(frozen=True)
class Rule:
    """A limit for the pending files of a state, a level and a file type (None: any)."""

    state: str | None = None
    level: int | None = None
    file_type: str | None = None
    limit_days: float = CSMOP_WORKING_DAYS
    escalate_after_days: float = ESCALATION_WORKING_DAYS

    def __post_init__(self) -> None:
        for name in ("limit_days", "escalate_after_days"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
                raise ValueError(f"rule {self.describe()}: {name} must be 0 or more working days")
        if self.level is not None and (int(self.level) != self.level or self.level < 1):
            raise ValueError(f"rule {self.describe()}: level must be a whole number from 1 up")

    @property
    def specificity(self) -> int:
        """The rule's precedence (`WEIGHTS` of the fields it names)."""
        return sum(w for f, w in WEIGHTS.items() if getattr(self, f) is not None)

    @property
    def key(self) -> tuple[str | None, int | None, str | None]:
        """What the rule applies to: (state, level, file type)."""
        return (self.state, self.level, self.file_type)

    def describe(self) -> str:
        """E.g. `Manipur, level 3, electronic files` or `every file`."""
        parts = [
            self.state or "",
            f"level {self.level}" if self.level is not None else "",
            f"{self.file_type} files" if self.file_type else "",
        ]
        return ", ".join(p for p in parts if p) or "every file"


def check_rules(rules: Sequence[Rule]) -> None:
    """Refuse two rules for the same state, level and file type (ValueError naming them)."""
    seen: set[tuple[str | None, int | None, str | None]] = set()
    for rule in rules:
        if rule.key in seen:
            raise ValueError(f"two rules for {rule.describe()}: keep one")
        seen.add(rule.key)


def limits(files: pd.DataFrame, rules: Sequence[Rule] = ()) -> pd.DataFrame:
    """Per row of `files` (state, level, file_type): the winning rule's `limit_days`,
    `escalate_after_days` and `rule` (its description)."""
    check_rules(rules)
    n = len(files)
    limit = np.full(n, float(CSMOP_WORKING_DAYS))
    escalate = np.full(n, float(ESCALATION_WORKING_DAYS))
    which = np.full(n, "default (CSMOP)", dtype=object)
    state = files["state"].astype("str").to_numpy()
    level = pd.to_numeric(files["level"], errors="coerce").to_numpy(dtype="float64")
    ftype = files["file_type"].astype("str").to_numpy()
    for rule in sorted(rules, key=lambda r: r.specificity):  # the most specific is set last
        hit = np.ones(n, dtype=bool)
        if rule.state is not None:
            hit &= state == rule.state
        if rule.level is not None:
            hit &= level == rule.level
        if rule.file_type is not None:
            hit &= ftype == rule.file_type
        limit[hit] = rule.limit_days
        escalate[hit] = rule.escalate_after_days
        which[hit] = rule.describe()
    return pd.DataFrame(
        {"limit_days": limit, "escalate_after_days": escalate, "rule": which}, index=files.index
    )


def overdue(
    facts: pd.DataFrame,
    as_of: pd.Series,
    rules: Sequence[Rule] = (),
    calendar: WorkCalendar | None = None,
) -> pd.DataFrame:
    """The overdue pending files at each state's T (`as_of`, indexed by state), one row each.

    Ages are working days of `calendar` (default: Monday–Friday, no holidays) from `since` to
    T. `overdue_since` is the moment the age passed the limit, `escalated_since` the moment it
    passed limit + escalation (NaT while not escalated). `escalate_to_*` name the next level's
    holder of the file's state and department (`next_level_holders`), also for files not yet
    escalated (who would be told). Sorted by state, department, level, holder and age (oldest
    first). Columns: `OVERDUE_COLUMNS` (and `file_key` when the facts have it).
    """
    calendar = calendar or WorkCalendar()
    pending = facts[facts["status"].eq("pending").to_numpy() & facts["since"].notna().to_numpy()]
    pending = pending.reset_index(drop=True)
    t = by_state(pending["state"], as_of)
    start = calendar.position(pending["since"], pending["state"])
    age = calendar.position(t, pending["state"]) - start
    rule = limits(pending, rules)
    late = age > rule["limit_days"].to_numpy()
    keep = ["file_key", *OVERDUE_COLUMNS[:10]] if "file_key" in pending else OVERDUE_COLUMNS[:10]
    out = pending.loc[late, [c for c in keep if c in pending]].copy()
    for c in OVERDUE_COLUMNS[:10]:
        if c not in out:
            out[c] = pd.NA
    start, age, rule = start[late], age[late], rule[late]
    out["level"] = out["level"].astype("Int64")
    out["age_working_days"] = age
    out["limit_days"] = rule["limit_days"].to_numpy()
    out["rule"] = rule["rule"].to_numpy()
    out["overdue_since"] = calendar.moment_at(start + out["limit_days"].to_numpy(), out["state"])
    out["escalate_after_days"] = rule["escalate_after_days"].to_numpy()
    bar = out["limit_days"].to_numpy() + out["escalate_after_days"].to_numpy()
    out["escalated"] = age > bar
    out["escalated_since"] = calendar.moment_at(
        np.where(out["escalated"].to_numpy(), start + bar, np.nan), out["state"]
    )
    nxt = next_level_holders(facts, out)
    for c in ("user", "designation", "level"):
        out[f"escalate_to_{c}"] = nxt[c].to_numpy()
    out["escalate_to_level"] = out["escalate_to_level"].astype("Int64")
    out = out.sort_values(
        ["state", "department", "level", "holder", "age_working_days"],
        ascending=[True, True, True, True, False],
        na_position="last",
        kind="stable",
    )
    columns = ["file_key"] if "file_key" in out else []
    return out[[*columns, *OVERDUE_COLUMNS, "rule"]].reset_index(drop=True)


def next_level_holders(facts: pd.DataFrame, files: pd.DataFrame) -> pd.DataFrame:
    """For each row of `files` (state, department, level): the next level's holder of that
    department, as `user`, `designation` and `level` (empty where none is known).

    The next level is the lowest level above the file's at which a pending file of the same
    state and department is held at T; its holder is the one of those files who received
    one most recently (`since`; ties by holder ID). An unmapped level has no next level.
    """
    held = facts[facts["status"].eq("pending").to_numpy() & facts["level"].notna().to_numpy()]
    held = held[["state", "department", "level", "holder", "designation", "since"]].copy()
    held["level"] = held["level"].astype("int64")
    held = held.sort_values(["since", "holder"], ascending=[False, True], kind="stable")
    top = held.drop_duplicates(["state", "department", "level"], keep="first")
    asked = pd.DataFrame(
        {
            "state": files["state"].astype("str").to_numpy(),
            "department": files["department"].astype("str").to_numpy(),
            "level": pd.to_numeric(files["level"], errors="coerce").to_numpy(dtype="float64"),
            "row": np.arange(len(files)),
        }
    )
    empty = pd.DataFrame(
        {"user": pd.NA, "designation": pd.NA, "level": pd.NA}, index=np.arange(len(files))
    ).astype({"user": "object", "designation": "object", "level": "Float64"})
    mapped = asked[asked["level"].notna()]
    if mapped.empty or top.empty:
        return empty
    top = pd.DataFrame(
        {
            "state": top["state"].astype("str").to_numpy(),
            "department": top["department"].astype("str").to_numpy(),
            "level": top["level"].to_numpy(dtype="float64"),
            "next_level": top["level"].to_numpy(dtype="float64"),
            "user": top["holder"].astype("str").to_numpy(),
            "designation": top["designation"].astype("object").to_numpy(),
        }
    ).sort_values("level", kind="stable")
    found = pd.merge_asof(
        mapped.sort_values("level", kind="stable"),
        top,
        on="level",
        by=["state", "department"],
        direction="forward",
        allow_exact_matches=False,  # the next level is strictly above
    ).set_index("row")
    out = empty.copy()
    hit = found[found["next_level"].notna()]
    out.loc[hit.index, "user"] = hit["user"].to_numpy()
    out.loc[hit.index, "designation"] = hit["designation"].to_numpy()
    out.loc[hit.index, "level"] = hit["next_level"].to_numpy()
    return out


def whole_days(age: float) -> int:
    """Working days as said to people: whole days completed (19.6 → 19)."""
    return int(np.floor(age + 1e-9))


def _who(
    designation: object, user: object, names: dict[int, str], level: object, lang: str = "en"
) -> str:
    title = "" if pd.isna(designation) else str(designation).strip()
    if not title and not pd.isna(level):
        title = names.get(int(level), f"{gettext('Level', lang)} {int(level)}")
    who = "" if pd.isna(user) else str(user)
    return " ".join(p for p in (title, who) if p) or gettext("an unknown holder", lang)


def wording(
    frame: pd.DataFrame, level_names: dict[int, str] | None = None, lang: str = "en"
) -> pd.Series:
    """Per overdue row: `with Under Secretary mn.fin.us1 for 19 working days`, and for an
    escalated one `; escalated to Deputy Secretary mn.fin.ds1` (or `; escalated, no holder
    above known`), in `lang`. Give the frame as it will be shown (pseudonymised where it
    must be)."""
    names = level_names or {}
    said = []
    for row in frame.itertuples(index=False):
        n = whole_days(row.age_working_days)
        who = _who(row.designation, row.holder, names, row.level, lang)
        text = ngettext(
            "with {who} for {n} working day", "with {who} for {n} working days", n, lang
        ).format(who=who, n=indian(n))
        if row.escalated:
            if pd.isna(row.escalate_to_user):
                text += gettext("; escalated, no holder above known", lang)
            else:
                to = _who(
                    row.escalate_to_designation,
                    row.escalate_to_user,
                    names,
                    row.escalate_to_level,
                    lang,
                )
                text += gettext("; escalated to {to}", lang).format(to=to)
        said.append(text)
    return pd.Series(said, index=frame.index, dtype="object")


def per_holder(frame: pd.DataFrame) -> pd.DataFrame:
    """Overdue files per state, department, level and holder: `overdue`, `escalated`, the
    oldest `since` and the longest age (working days), most overdue first."""
    if frame.empty:
        return pd.DataFrame(
            columns=[
                "state",
                "department",
                "level",
                "holder",
                "designation",
                "overdue",
                "escalated",
                "oldest_since",
                "max_age_working_days",
            ]
        )
    g = frame.groupby(["state", "department", "level", "holder"], dropna=False, sort=True)
    out = g.agg(
        designation=("designation", "first"),
        overdue=("file_id", "size"),
        escalated=("escalated", "sum"),
        oldest_since=("since", "min"),
        max_age_working_days=("age_working_days", "max"),
    ).reset_index()
    out["escalated"] = out["escalated"].astype(np.int64)
    return out.sort_values(
        ["overdue", "max_age_working_days"], ascending=False, kind="stable"
    ).reset_index(drop=True)
