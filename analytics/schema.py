"""Names shared by every layer: canonical event columns, actions, time zone, report columns."""

from __future__ import annotations

from datetime import timedelta, timezone
from enum import StrEnum

from analytics.figures.registry import AGE_BUCKETS, TABLE_KEYS

IST = timezone(timedelta(hours=5, minutes=30), "IST")


class Duration(StrEnum):
    """How a duration is counted (metrics.md, Durations): calendar days, or IST working days.

    The value is the suffix of the columns that hold it: `Duration.WORKING_DAYS.column("age")`
    is `age_working_days`."""

    DAYS = "days"
    WORKING_DAYS = "working_days"

    @classmethod
    def of(cls, working_days: bool) -> Duration:
        """WORKING_DAYS when `working_days`, else DAYS."""
        return cls.WORKING_DAYS if working_days else cls.DAYS

    def column(self, stem: str) -> str:
        """The column of `stem` counted this way (`age` → `age_days` / `age_working_days`)."""
        return f"{stem}_{self.value}"


ACTIONS = ("created", "reopened", "moved", "parked", "closed")
"""Canonical actions, in the order they sort at equal timestamps."""
ACTION_RANK = {action: rank for rank, action in enumerate(ACTIONS)}
STINT_ACTIONS = ("created", "moved", "reopened")
"""Actions that start a stint (the file is with `to_user` afterwards)."""

EVENT_COLUMNS = (
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
"""The canonical events table of log-format.md. `timestamp`/`received_at` are tz-aware (IST);
text columns are strings, missing values are NA; `from_user`/`to_user` are trimmed and never
NA after reading (a blank user is the empty string, so it can take part in a unique key)."""

TEXT_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in ("timestamp", "received_at"))
"""The events table's text columns; the analytics keep them as categoricals (`encode_text`)."""
PAIRED_COLUMNS = (("from_user", "to_user"), ("from_designation", "to_designation"))
"""Column pairs that share their categories, so a sender can be compared with a holder."""

SOURCE_COLUMNS = ("source", "line")
"""Where an event was read: file name and spreadsheet line."""

DEDUP_KEY = ("state", "file_id", "action", "from_user", "to_user", "timestamp")

REQUIRED_COLUMNS = ("state", "department", "file_id", "action", "from_user", "to_user", "timestamp")

REPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "movement_ratio": (
        "state",
        "department",
        "month",
        "files_created",
        "movements",
        "movement_ratio",
    ),
    "level_turnaround": ("state", "level", "stints", "median_days", "mean_days", "p90_days"),
    "pendency": (
        "state",
        "department",
        "level",
        "pending",
        *AGE_BUCKETS,
        "parked",
    ),
    "files": (
        "state",
        "file_id",
        "department",
        "created_at",
        "closed_at",
        "status",
        "movements",
        "levels_traversed",
        "holders",
        "returns",
        "disposal_days",
        "over_4_levels",
    ),
    "summary": (
        "state",
        "department",
        "files_created",
        "movements",
        "movement_ratio",
        "efile_share",
        "pending",
        "parked",
        "mean_levels_pending",
        "mean_holders_pending",
        "files_over_4_levels",
    ),
}
REPORT_KEYS = TABLE_KEYS
"""The key columns of each report table (the figures registry holds them)."""
