"""The States page ranks by rates, best first in the registry's direction, with the central
secretariat apart; every figure worked out with plain pandas over the sample CSV."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.figures.registry import FIGURES, RATES
from analytics.log.calendar import WorkCalendar
from analytics.schema import IST
from dashboard import format as fmt
from tests.dashboard.conftest import SAMPLE, frames, run_page

STARTS = ("created", "moved", "reopened")
RANK = {"created": 0, "reopened": 1, "moved": 2, "parked": 3, "closed": 4}


@pytest.fixture(scope="module")
def rates() -> pd.DataFrame:
    """Per state (DARPG included), the four rates with no period chosen."""
    ev = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    ev["ts"] = pd.to_datetime(ev["timestamp"]).dt.tz_localize(IST)
    ev["rank"] = ev["action"].map(RANK)
    ev["row"] = range(len(ev))
    ev = ev.sort_values(["state", "file_id", "ts", "rank", "row"]).reset_index(drop=True)
    same = ev["file_id"].eq(ev["file_id"].shift(-1)) & ev["state"].eq(ev["state"].shift(-1))
    t = ev.groupby("state")["ts"].max()
    last = ev[~same]
    pending = last[last["action"].isin(STARTS)]
    wd = WorkCalendar().working_days(pending["ts"], pending["state"].map(t), pending["state"])
    stints = ev[ev["action"].isin(STARTS) & same]
    held = (ev["ts"].shift(-1)[stints.index] - stints["ts"]).dt.total_seconds() / 86400
    files = last.groupby("state").size()
    n_pending = pending.groupby("state").size()
    counts = pd.crosstab(ev["state"], ev["action"])
    return pd.DataFrame(
        {
            "pending_per_100_files": 100 * n_pending / files,
            "share_pending_over_7": (wd > 7).groupby(pending["state"]).sum() / n_pending,
            "movement_ratio": counts["moved"] / counts["created"],
            "median_turnaround_days": held.groupby(stints["state"]).median(),
        }
    )


SHOWN = {
    "pending_per_100_files": fmt.ratio,
    "share_pending_over_7": fmt.percent,
    "movement_ratio": fmt.ratio,
    "median_turnaround_days": fmt.age,
}


@pytest.mark.parametrize("name", RATES)
def test_each_rate_ranks_the_better_state_first(app: AppTest, rates: pd.DataFrame, name: str):
    at = run_page(app, "states")
    at.selectbox(key="rank_by").set_value(name).run()
    assert not at.exception
    table = frames(at)[0]
    label = FIGURES[name].label
    assert "DARPG" not in set(table["State"])  # the central secretariat is not ranked
    states = rates.drop(index="DARPG")[name]
    assert FIGURES[name].higher_is_better is False  # each of these: lower is better
    best_first = states.sort_values(kind="stable")
    assert table["State"].tolist() == best_first.index.tolist()
    assert table["Rank"].tolist() == [str(r) for r in best_first.rank(method="min").astype(int)]
    assert table[label].tolist() == [SHOWN[name](v) for v in best_first]
    assert any("A lower figure is better" in c.value for c in at.caption)
    # and the all-figures table keeps DARPG, as the central secretariat
    every = frames(at)[-1].set_index("State")
    assert every.loc["DARPG", "Group"] == "Central secretariat"
    assert every.loc["DARPG", label] == SHOWN[name](rates.loc["DARPG", name])


def test_a_count_ranks_largest_first(app: AppTest):
    at = run_page(app, "states")
    at.selectbox(key="rank_by").set_value("files_created").run()
    table = frames(at)[0]
    created = [int(v.replace(",", "")) for v in table["Files created"]]
    assert created == sorted(created, reverse=True)
    assert table["Rank"].iloc[0] == "1"


def test_a_share_where_higher_is_better_ranks_highest_first(app: AppTest):
    at = run_page(app, "states")
    at.selectbox(key="rank_by").set_value("efile_share").run()
    table = frames(at)[0]
    shares = [float(v.rstrip("%")) for v in table["e-File share"]]
    assert shares == sorted(shares, reverse=True)
    assert any("A higher figure is better" in c.value for c in at.caption)
