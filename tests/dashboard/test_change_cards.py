"""The Overview cards' change against the previous period equals plain pandas over the sample."""

from __future__ import annotations

from datetime import date

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard import format as fmt
from tests.dashboard.conftest import SAMPLE, run_page

STARTS = ("created", "moved", "reopened")


def _events() -> pd.DataFrame:
    ev = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    ev["ts"] = pd.to_datetime(ev["timestamp"])  # IST wall time
    ev["row"] = range(len(ev))
    return ev


def _count(ev: pd.DataFrame, action: str, first: str, last: str) -> int:
    day = ev["ts"].dt.normalize()
    return int((ev["action"].eq(action) & day.between(first, last)).sum())


def _status_at(ev: pd.DataFrame, back: pd.Timedelta) -> pd.Series:
    """Each file's last action at or before its state's T minus `back`."""
    moment = ev["state"].map(ev.groupby("state")["ts"].max() - back)
    seen = ev[ev["ts"] <= moment].sort_values(["state", "file_id", "ts", "row"])
    return seen.groupby(["state", "file_id"])["action"].last()


def _against(card) -> str:
    """What a card's change is against (its delta description)."""
    return card.proto.delta_description


def test_cards_say_the_change_against_the_same_length_before(app: AppTest):
    ev = _events()
    at = run_page(app, "overview")
    at.sidebar.date_input(key="dates").set_value((date(2024, 3, 1), date(2024, 3, 31))).run()
    assert not at.exception
    cards = {m.label: m for m in at.metric}
    words = "in the 31 days before"  # 30-Jan-2024 to 29-Feb-2024, just before March
    assert any("(30-Jan-2024 to 29-Feb-2024)" in c.value for c in at.caption)

    created = _count(ev, "created", "2024-03-01", "2024-03-31")
    before = _count(ev, "created", "2024-01-30", "2024-02-29")
    assert cards["Files created"].value == fmt.indian(created)
    sign = "+" if created > before else "-"
    change = f"{sign}{fmt.indian(abs(created - before))}"
    word = "up" if created > before else "down"
    assert cards["Files created"].delta == f"{change} · {word}"
    assert _against(cards["Files created"]) == f"vs {fmt.indian(before)} {words}"

    moved = _count(ev, "moved", "2024-03-01", "2024-03-31")
    moved_before = _count(ev, "moved", "2024-01-30", "2024-02-29")
    assert cards["Movements"].delta.startswith(
        f"{'+' if moved > moved_before else '-'}{fmt.indian(abs(moved - moved_before))} · "
    )
    assert _against(cards["Movements"]) == f"vs {fmt.indian(moved_before)} {words}"

    now = _status_at(ev, pd.Timedelta(0))
    then = _status_at(ev, pd.Timedelta(days=31))
    pending, pending_then = int(now.isin(STARTS).sum()), int(then.isin(STARTS).sum())
    assert cards["Pending at T"].value == fmt.indian(pending)
    assert pending > pending_then  # the sample's pendency grows through the year
    assert cards["Pending at T"].delta == f"+{fmt.indian(pending - pending_then)} · worse"
    assert _against(cards["Pending at T"]) == f"vs {fmt.indian(pending_then)} 31 days before T"
    parked, parked_then = int(now.eq("parked").sum()), int(then.eq("parked").sum())
    assert cards["Parked"].delta == f"+{fmt.indian(parked - parked_then)} · up"
    assert _against(cards["Parked"]) == f"vs {fmt.indian(parked_then)} 31 days before T"
