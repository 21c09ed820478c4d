"""What a signed-in reader is refused through the dashboard (AppTest, as an attacker would try).

A viewer for Manipur asks for Assam by URL and searches an Assam file number; expected figures
come from `analyse(read_logs(sample))` restricted to Manipur, never from what a page printed.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.access import PSEUDONYM_PREFIX
from analytics.auth import ExportRefused
from analytics.metrics import Analysis
from dashboard import format as fmt
from tests.dashboard.conftest import APP, TIMEOUT, frames, metrics, run_page, signed_in_as
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


# --- the admin page by URL, and downloads after a revoke or disable -------------------------


def _audit(store_url: str, action: str) -> pd.DataFrame:
    from analytics.auth import Accounts
    from analytics.store import open_store

    with open_store(store_url) as store:
        return Accounts(store).audit_log(action=action)


def test_every_non_admin_opening_admin_by_url_is_refused_and_audited(store_url: str):
    for n, (role, state) in enumerate(
        [("viewer", "Manipur"), ("nodal_officer", "Manipur"), ("national_viewer", None)]
    ):
        email = f"{role}{n}@gov.in"
        fresh = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at = run_page(signed_in_as(fresh, store_url, email, role, state), "admin")
        assert any("administrators only" in e.value for e in at.error), role
        assert not [t for t in at.tabs], role
        refused = _audit(store_url, "admin_page")
        assert (refused.iloc[0]["actor"], refused.iloc[0]["outcome"]) == (email, "refused")
    assert len(_audit(store_url, "admin_page")) == 3


def test_an_admins_deep_link_to_admin_opens_it_after_signing_in(app: AppTest, store_url: str):
    from analytics.auth import Accounts
    from analytics.store import open_store

    with open_store(store_url) as store:
        Accounts(store).add_user("admin@gov.in", "admin", password="an admin password")
    at = app
    at.switch_page("pages/admin.py").run()  # the link opened before anyone signed in
    assert not at.exception
    assert at.title[0].value == "Sign in"
    at.text_input(key="eoffice_sign_in_email").input("admin@gov.in")
    at.text_input(key="eoffice_sign_in_password").input("an admin password")
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[-1].value == "Administration"
    assert not at.error
    assert not _audit(store_url, "admin_page").shape[0]


@pytest.fixture
def deferred_downloads(monkeypatch: pytest.MonkeyPatch) -> list:
    """The file makers of the download buttons put on screen (each is what Streamlit runs
    when a browser clicks the button), recorded as Streamlit registers them."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found: list = []
    original = MediaFileManager.add_deferred

    def record(self: MediaFileManager, callable_: object, *args: object, **kwargs: object):
        found.append(callable_)
        return original(self, callable_, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return found


def test_a_download_on_screen_is_refused_after_revoke_or_disable(
    app: AppTest, store_url: str, deferred_downloads: list
):
    from analytics.auth import Accounts
    from analytics.store import open_store

    at = _viewer(app, store_url)
    run_page(at, "pendency")
    makers = deferred_downloads[-4:]  # the last run's buttons (CSV and Excel of two tables)
    assert makers
    assert makers[0]()  # still allowed: a file, audited ok
    assert _audit(store_url, "export").iloc[0]["outcome"] == "ok"
    with open_store(store_url) as store:
        Accounts(store).revoke(VIEWER, "viewer", state="Manipur")
    for make in makers:
        with pytest.raises(ExportRefused, match="access changed"):
            make()
    with open_store(store_url) as store:
        acc = Accounts(store)
        acc.grant(VIEWER, "viewer", state="Manipur")
        acc.set_active(VIEWER, False)
    for make in makers:
        with pytest.raises(ExportRefused, match="disabled or removed"):
            make()
    exports = _audit(store_url, "export")
    assert list(exports["outcome"])[: 2 * len(makers)] == ["refused"] * (2 * len(makers))
    assert (exports["actor"] == VIEWER).all()
