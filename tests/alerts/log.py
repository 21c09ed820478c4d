"""The small log of the alert tests, with every figure worked out by hand.

Calendar: Monday–Friday; Manipur's holidays Tuesday 05-Mar-2024 and Monday 25-Mar-2024,
Assam none. March 2024: Fri 1, Mon 4, Mon 11, Mon 18, Mon 25, Fri 29; Thursday 29-Feb.
T: Manipur Fri 29-Mar-2024 10:00 (F9 closed), Assam Fri 15-Mar-2024 10:00 (A9 closed).

Working days held at T (Manipur, holidays skipped):
- F1 Finance, Under Secretary mn.fin.us1 since Thu 29-Feb 10:00: 14/24 (Thu) + Fri 1 +
  Mon 4, Wed 6–Fri 8 (4) + 11–15 (5) + 18–22 (5) + Tue 26–Thu 28 (3) + 10/24 = 19.0.
- F2 Finance, Deputy Secretary mn.fin.ds1 since Mon 18-Mar 11:00: 13/24 + 19–22 (4) +
  26–28 (3) + 10/24 = 7 23/24 ≈ 7.958.
- F3 Finance, Deputy Secretary mn.fin.ds2 since Wed 27-Mar 10:00: 14/24 + 1 + 10/24 = 2.0.
- F4 Finance, Section Officer mn.fin.so1, electronic, since Mon 18-Mar 10:00: 14/24 + 4 + 3
  + 10/24 = 8.0.
- F5 Finance, Section Officer mn.fin.so1, physical, since Fri 22-Mar 10:00: 14/24 + 3 +
  10/24 = 4.0.
- F6 Health, Under Secretary mn.hlt.us1 since Thu 29-Feb 10:00: 19.0 (as F1).
- F7 Finance, parked by mn.fin.us1: never overdue. F9 closed: never.
- A1 Assam Finance, Section Officer as.fin.so1 since Mon 04-Mar 10:00 to Fri 15-Mar 10:00,
  Tuesday 05-Mar a working day in Assam: 14/24 + 4 + 4 + 10/24 = 9.0.

The next level's holder of Manipur Finance: above level 2, level 3 (mn.fin.us1, F1); above
level 3, level 4, where mn.fin.ds2 received a file (27-Mar) after mn.fin.ds1 (18-Mar); above
level 4 nobody. Manipur Health has nobody above level 3.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.figures.overdue import Rule
from analytics.log.calendar import WorkCalendar
from tests.conftest import ev

HOLIDAYS_CSV = "state,date\nManipur,2024-03-05\nManipur,25-03-2024\n"
CALENDAR = WorkCalendar(holidays={"Manipur": [date(2024, 3, 5), date(2024, 3, 25)]})


def _file(
    file_id: str, made: str, holder: str, title: str, at: str, **extra: str
) -> list[dict[str, str]]:
    """A file created by `made`'s dealing hand an hour before `at`, then moved to `holder`."""
    created = str(pd.Timestamp(at) - pd.Timedelta(hours=1))[:16]
    rows = [
        ev("created", "", made, "", "Assistant", created),
        ev("moved", made, holder, "Assistant", title, at),
    ]
    return [r | {"file_id": file_id, "file_type": "electronic"} | extra for r in rows]


def _ended(file_id: str, who: str, action: str, start: str, end: str, **extra: str) -> list:
    """A file created with `who` at `start` and then closed or parked by `who` at `end`."""
    title = "Under Secretary" if action == "parked" else "Assistant"
    rows = [ev("created", "", who, "", title, start), ev(action, who, "", title, "", end)]
    return [r | {"file_id": file_id, "file_type": "electronic"} | extra for r in rows]


US, DS, SO = "Under Secretary", "Deputy Secretary", "Section Officer"
ROWS = [
    *_file("F1", "mn.fin.a1", "mn.fin.us1", US, "2024-02-29 10:00"),
    *_file("F2", "mn.fin.a1", "mn.fin.ds1", DS, "2024-03-18 11:00"),
    *_file("F3", "mn.fin.a1", "mn.fin.ds2", DS, "2024-03-27 10:00"),
    *_file("F4", "mn.fin.a1", "mn.fin.so1", SO, "2024-03-18 10:00"),
    *_file("F5", "mn.fin.a1", "mn.fin.so1", SO, "2024-03-22 10:00", file_type="physical"),
    *_file("F6", "mn.hlt.a1", "mn.hlt.us1", US, "2024-02-29 10:00", department="Health"),
    *_ended("F7", "mn.fin.us1", "parked", "2024-02-01 10:00", "2024-02-02 10:00"),
    *_ended("F9", "mn.fin.a1", "closed", "2024-03-28 10:00", "2024-03-29 10:00"),
    *_file("A1", "as.fin.a1", "as.fin.so1", SO, "2024-03-04 10:00", state="Assam"),
    *_ended("A9", "as.fin.a1", "closed", "2024-03-14 10:00", "2024-03-15 10:00", state="Assam"),
]

RULES = [
    Rule(state="Manipur", limit_days=10),
    Rule(level=2, limit_days=5),
    Rule(state="Manipur", level=2, file_type="physical", limit_days=2, escalate_after_days=1),
]
"""F4 (Manipur, level 2, electronic) matches the Manipur rule and the level-2 rule: the state
rule wins (weight 4 > 2), limit 10, so 8.0 working days are not overdue. F5 (physical) takes
the three-field rule: limit 2, escalation 1, so 4.0 > 3 is escalated. A1 (Assam, level 2):
the level-2 rule, limit 5, 9.0 < 12 not escalated."""


def ist(text: str) -> pd.Timestamp:
    """A moment written in IST."""
    return pd.Timestamp(text, tz="Asia/Kolkata")


# Without rules (7 and 7): file → (age, overdue since, escalated since or None, escalate to)
DEFAULT = {
    # +7 from Thu 29-Feb 10:00: Thu 14/24, Fri 1, Mon 4, Wed 6–Fri 8, Mon 11 = 6 14/24, +10 h
    # of Tue 12 → 12-Mar 10:00; +7 more: Tue 14/24, 13–15, 18–20 = 6 14/24 → Thu 21-Mar 10:00.
    "F1": (19.0, "2024-03-12 10:00", "2024-03-21 10:00", ("mn.fin.ds2", "Deputy Secretary", 4)),
    # +7 from Mon 18-Mar 11:00: 13/24, 19–22, (25 holiday), 26, 27 = 6 13/24 → Thu 28 11:00.
    "F2": (7 + 23 / 24, "2024-03-28 11:00", None, (None, None, None)),
    # +7 from Mon 18-Mar 10:00: 14/24, 19–22, 26, 27 = 6 14/24 → Thu 28-Mar 10:00.
    "F4": (8.0, "2024-03-28 10:00", None, ("mn.fin.us1", "Under Secretary", 3)),
    "F6": (19.0, "2024-03-12 10:00", "2024-03-21 10:00", (None, None, None)),
    # Assam, no holiday: +7 from Mon 04-Mar 10:00: 14/24, 5–8, 11, 12 = 6 14/24 → Wed 13-Mar.
    "A1": (9.0, "2024-03-13 10:00", None, (None, None, None)),
}
WITH_RULES = {
    # limit 10: +7 = 12-Mar 10:00, +3: Tue 14/24, 13, 14 → Fri 15-Mar 10:00; escalation at 17,
    # 2 working days before T: Fri 29 10/24, Thu 28, Wed 27 14/24 → Wed 27-Mar 10:00.
    "F1": (19.0, "2024-03-15 10:00", "2024-03-27 10:00"),
    # limit 2 from Fri 22-Mar 10:00: 14/24, Tue 26, +10 h → Wed 27-Mar 10:00; 3: Thu 28 10:00.
    "F5": (4.0, "2024-03-27 10:00", "2024-03-28 10:00"),
    "F6": (19.0, "2024-03-15 10:00", "2024-03-27 10:00"),
    # limit 5 from Mon 04-Mar 10:00: 14/24, 5–8, +10 h → Mon 11-Mar 10:00.
    "A1": (9.0, "2024-03-11 10:00", None),
}
