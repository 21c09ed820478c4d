"""The Process page (dashboard/pages/process.py) on the store preloaded with the sample: its
figures equal those computed independently from the sample CSV, filters change them, officers
are pseudonyms without the names permission, and the XES download is audited."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET

import pandas as pd
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import Accounts
from analytics.access.scope import Scope
from analytics.figures.metrics import Analysis
from analytics.figures.registry import OVER_LEVELS_LIMIT
from analytics.figures.views import Filters
from analytics.store.store import open_store
from dashboard import data
from dashboard import format as fmt
from tests.dashboard.conftest import frames, metrics, run_page, signed_in_as


def _routes(analysis: Analysis, states: tuple[str, ...] = ()) -> pd.Series:
    """Files per route from the sample's stints: levels in order, a run at one level once."""
    s = analysis.stints
    if states:
        s = s[s["state"].isin(states)]
    level = s["level"].astype("Float64")
    text = level.map(lambda v: "?" if pd.isna(v) else str(int(v))).astype(str)
    frame = pd.DataFrame({"file": s["file_key"].to_numpy(), "level": text.to_numpy()})
    repeat = frame["file"].eq(frame["file"].shift()) & frame["level"].eq(frame["level"].shift())
    frame = frame[~repeat.to_numpy()]
    route = frame.groupby("file", sort=False)["level"].agg(" → ".join)
    return route.value_counts()


def test_process_page_shows_the_samples_routes(app: AppTest, expected: Analysis):
    at = run_page(app, "process")
    want = _routes(expected)
    cards = metrics(at)
    assert cards["Files"] == fmt.indian(int(want.sum()))
    assert cards["Distinct routes"] == fmt.indian(len(want))
    assert cards["Files on the commonest route"] == fmt.percent(want.iloc[0] / want.sum())
    over = f"Files on routes over {OVER_LEVELS_LIMIT} levels"
    assert cards[over] == fmt.indian(int(expected.facts["over_4_levels"].sum()))
    shown = frames(at)[0]
    got = dict(zip(shown["Route (levels in order)"], shown["Files"], strict=True))
    assert got == {r: fmt.indian(n) for r, n in want.items()}


def test_choosing_a_route_lists_its_files(app: AppTest, expected: Analysis):
    at = run_page(app, "process")
    want = _routes(expected)
    top = want.index[0]
    at.selectbox(key="route-files").set_value(top).run()
    assert not at.exception
    listed = frames(at)[1]
    assert len(listed) == want.iloc[0]
    assert any(f"{fmt.indian(int(want.iloc[0]))} files took" in m.value for m in at.markdown)


def test_a_state_filter_narrows_the_routes(app: AppTest, expected: Analysis):
    at = run_page(app, "process")
    at.sidebar.multiselect(key="state").set_value(["Manipur"]).run()
    want = _routes(expected, ("Manipur",))
    assert metrics(at)["Files"] == fmt.indian(int(want.sum()))
    assert metrics(at)["Distinct routes"] == fmt.indian(len(want))


def test_officers_are_pseudonyms_without_the_names_permission(app: AppTest, store_url: str):
    signed_in_as(app, store_url, "viewer@manipur.gov.in", "viewer", "Manipur")
    at = run_page(app, "process")
    tables = frames(at)
    through = next(t for t in tables if "Handed to them" in t.columns)
    pairs = next(t for t in tables if "From officer" in t.columns)
    assert len(through)
    assert len(pairs)
    assert through["Holder"].str.startswith("P-").all()
    assert pairs["From officer"].str.startswith("P-").all()
    assert pairs["To officer"].str.startswith("P-").all()
    assert set(through["State"]) == {"Manipur"}


def test_the_xes_log_holds_the_scope_only(store_url: str):
    """(The button, its audit and pseudonyms: tests/e2e/test_outputs.py, in a browser.)"""
    with open_store(store_url) as store:
        key = Accounts(store).pseudonym_key()
    scope = Scope(states=frozenset({"Tripura"}), see_names=False, pseudonym_key=key)
    blob, traces = data.xes_log(scope, Filters())
    root = ET.fromstring(gzip.decompress(blob))
    ns = "{http://www.xes-standard.org/}"
    states = {a.get("value") for t in root.iter(f"{ns}trace") for a in t if a.get("key") == "state"}
    assert states == {"Tripura"}
    assert traces == len(list(root.iter(f"{ns}trace")))
