"""What a signed-in reader is refused through the dashboard (AppTest, as an attacker would try).

A viewer for Manipur asks for Assam by URL and searches an Assam file number; expected figures
come from `analyse(read_logs(sample))` restricted to Manipur, never from what a page printed.
"""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from analytics.access import PSEUDONYM_PREFIX
from analytics.metrics import Analysis
from dashboard import format as fmt
from tests.dashboard.conftest import frames, metrics, run_page, signed_in_as
from tests.dashboard.test_pages import _cards

VIEWER = "secy@manipur.gov.in"


def _viewer(app: AppTest, store_url: str) -> AppTest:
    return signed_in_as(app, store_url, VIEWER, "viewer", "Manipur")


def _states_shown(at: AppTest) -> set[str]:
    shown: set[str] = set()
    for frame in frames(at):
        for column in ("State", "state"):
            if column in frame.columns:
                shown |= set(frame[column].dropna().astype(str))
    return shown


def test_viewer_asking_for_another_state_by_url_sees_only_their_own(
    app: AppTest, store_url: str, expected: Analysis
):
    at = _viewer(app, store_url)
    at.query_params["state"] = "Assam"
    at = run_page(at, "overview")
    facts = expected.facts[expected.facts["state"].eq("Manipur")]
    summary = expected.tables["summary"]
    assert metrics(at) == _cards(facts, summary[summary["state"].eq("Manipur")])
    assert at.sidebar.multiselect(key="state").options == ["Manipur"]
    for page in ("states", "pendency"):
        at.query_params["state"] = "Assam"
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        assert "Assam" not in _states_shown(at), page


def test_viewer_searching_an_assam_file_finds_nothing(
    app: AppTest, store_url: str, expected: Analysis
):
    assam = expected.facts[expected.facts["state"].eq("Assam")].iloc[0]
    at = _viewer(app, store_url)
    at.query_params["file"] = assam["file_number"]
    at = run_page(at, "journey")
    assert any("No file in your scope" in w.value for w in at.warning)
    at.text_input(key="file").set_value(assam["file_id"]).run()
    assert any("No file in your scope" in w.value for w in at.warning)
    assert not at.metric


def test_viewer_without_the_names_permission_sees_pseudonyms(
    app: AppTest, store_url: str, expected: Analysis
):
    fact = expected.facts[expected.facts["state"].eq("Manipur")].iloc[0]
    at = _viewer(app, store_url)
    at.query_params["file"] = fact["file_id"]
    at = run_page(at, "journey")
    journey = frames(at)[0]
    holders = pd.Series(journey["Holder"]).dropna()
    assert len(holders)
    assert holders.str.startswith(PSEUDONYM_PREFIX).all()
    stints = expected.stints[expected.stints["file_key"].eq(fact["file_key"])]
    assert not set(holders) & set(stints["holder"].dropna())
    assert metrics(at)["Movements"] == fmt.indian(fact["movements"])  # figures unchanged


def test_signed_out_visitor_sees_the_sign_in_page_only(app: AppTest, store_url: str):
    signed_in_as(app, store_url, VIEWER, "viewer", "Manipur")
    app.user = {"is_logged_in": False}
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Sign in"
    assert not at.metric


def test_administration_is_in_the_navigation_for_admins(app: AppTest, store_url: str):
    at = signed_in_as(app, store_url, "admin@gov.in", "admin")
    at = run_page(at, "admin")
    assert at.title[-1].value == "Administration"
    assert not at.error
    assert "admin@gov.in" in set(at.dataframe[0].value["email"])


def test_a_download_is_audited_when_its_file_is_made():
    from dashboard.components import _lazy

    made: list[str] = []
    download = _lazy(lambda: b"rows", audit=(made.append, "csv"))
    assert made == []  # nothing is recorded for showing the button
    assert download() == b"rows"
    assert made == ["csv"]
