"""What a signed-in reader is refused through the dashboard (AppTest, as an attacker would try).

A viewer for Manipur asks for Assam by URL and searches an Assam file number; expected figures
come from `analyse(read_logs(sample))` restricted to Manipur, never from what a page printed.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.access.authorise import ExportRefused
from analytics.access.pseudonyms import PSEUDONYM_PREFIX
from analytics.figures.metrics import Analysis
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
    assert "admin@gov.in" in set(at.dataframe[0].value["E-mail"])


def test_a_download_is_audited_when_its_file_is_made():
    from dashboard.components import _lazy

    made: list[str] = []
    download = _lazy(lambda: b"rows", audit=(made.append, "csv"))
    assert made == []  # nothing is recorded for showing the button
    assert download() == b"rows"
    assert made == ["csv"]


# --- the scope shown (issue 12, item 9) ------------------------------------------------------

ANALYTICS = ["overview", "states", "officers", "hierarchy", "flow", "pendency", "process"]
HEALTH = "Health & Family Welfare"
ROLES = {
    # role: (role, state, department, heading without filters, (state, department) seen)
    "admin": ("admin", None, None, "All states", None),
    "national_viewer": ("national_viewer", None, None, "All states", None),
    "state_viewer": ("viewer", "Manipur", None, "Manipur", ("Manipur", None)),
    "department_viewer": (
        "viewer",
        "Manipur",
        "Finance",
        "Manipur / Finance",
        ("Manipur", "Finance"),
    ),
    "nodal_officer": (
        "nodal_officer",
        "Manipur",
        "Finance",
        "Manipur / Finance",
        ("Manipur", "Finance"),
    ),
}


def _as(app: AppTest, url: str, key: str) -> AppTest:
    role, state, department, *_ = ROLES[key]
    return signed_in_as(app, url, f"{key}@gov.in", role, state, department=department)


def _seen(facts: pd.DataFrame, key: str) -> pd.DataFrame:
    seen = ROLES[key][4]
    if seen is None:
        return facts
    keep = facts["state"].eq(seen[0])
    if seen[1]:
        keep &= facts["department"].eq(seen[1])
    return facts[keep]


def _notes(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "The link asks for" in w.value]


@pytest.mark.parametrize("key", list(ROLES))
def test_the_heading_names_the_scope_each_role_sees(
    app: AppTest, store_url: str, expected: Analysis, key: str
):
    heading = ROLES[key][3]
    at = run_page(_as(app, store_url, key), "overview")
    for page in ANALYTICS:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        assert at.header[0].value == heading, page
        assert not _notes(at), page
    at.switch_page("pages/overview.py").run()
    pending = _seen(expected.facts, key)["status"].eq("pending").sum()
    assert metrics(at)["Pending at T"] == fmt.indian(pending)
    if ROLES[key][4] is not None:  # choosing the one state keeps the department in words
        at.sidebar.multiselect(key="state").set_value(["Manipur"]).run()
        assert at.header[0].value == heading


@pytest.mark.parametrize("key", list(ROLES))
def test_a_link_to_a_state_outside_the_scope_says_so(
    app: AppTest, store_url: str, expected: Analysis, key: str
):
    at = _as(app, store_url, key)
    at.query_params["state"] = "Assam"
    at = run_page(at, "overview")
    if ROLES[key][4] is None:  # every state is theirs: the link is applied, no note
        assert at.header[0].value == "Assam"
        assert not _notes(at)
        seen = expected.facts[expected.facts["state"].eq("Assam")]
    else:
        notes = _notes(at)
        assert len(notes) == 1
        assert "state Assam, outside your access: not applied" in notes[0]
        assert f"Showing what you may see ({ROLES[key][3]})" in notes[0].replace("\\", "")
        assert at.header[0].value == ROLES[key][3]
        seen = _seen(expected.facts, key)
    assert metrics(at)["Pending at T"] == fmt.indian(seen["status"].eq("pending").sum())
    for page in ANALYTICS[1:]:  # the note stays on every page until the filter changes
        at.switch_page(f"pages/{page}.py").run()
        assert len(_notes(at)) == (ROLES[key][4] is not None), page
    if ROLES[key][4] is not None:
        at.sidebar.multiselect(key="state").set_value(["Manipur"]).run()
        assert not _notes(at)


@pytest.mark.parametrize("key", list(ROLES))
def test_a_link_to_a_department_outside_the_scope_says_so(app: AppTest, store_url: str, key: str):
    at = _as(app, store_url, key)
    at.query_params["state"] = "Manipur"
    at.query_params["department"] = HEALTH
    at = run_page(at, "pendency")
    notes = _notes(at)
    if ROLES[key][4] is None or ROLES[key][4][1] is None:  # Manipur's Health is theirs
        assert not notes
        assert at.header[0].value == f"Manipur · {fmt.plain(HEALTH)}"
    else:
        assert len(notes) == 1
        assert f"department {fmt.plain(HEALTH)}, outside your access" in notes[0]
        assert at.header[0].value == "Manipur / Finance"


def test_a_link_to_a_state_without_data_says_so(app: AppTest, store_url: str):
    at = _as(app, store_url, "admin")
    at.query_params["state"] = "Atlantis"
    at = run_page(at, "overview")
    want = "The link asks for state Atlantis, which has no stored data in this selection"
    assert _notes(at) == [f"{want}: not applied."]
    assert at.header[0].value == "All states"


def test_the_requested_value_is_shown_as_plain_text(app: AppTest, store_url: str):
    value = "**Assam** :red[x] [link](http://127.0.0.1/) `tick` <b>"
    at = _as(app, store_url, "state_viewer")
    at.query_params["state"] = value
    at = run_page(at, "overview")
    (note,) = _notes(at)
    assert f"state {fmt.plain(value)}, outside your access" in note  # escaped: no markup
    assert "**Assam**" not in note
    assert ":red[" not in note


# --- the admin page by URL, and downloads after a revoke or disable -------------------------


def _audit(store_url: str, action: str) -> pd.DataFrame:
    from analytics.access.accounts import Accounts
    from analytics.store.store import open_store

    with open_store(store_url) as store:
        return Accounts(store).audit.read(action=action)


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
    from analytics.access.accounts import Accounts
    from analytics.store.store import open_store

    with open_store(store_url) as store:
        Accounts(store).users.add("admin@gov.in", "admin", password="an admin password")
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
    from analytics.access.accounts import Accounts
    from analytics.store.store import open_store

    at = _viewer(app, store_url)
    run_page(at, "pendency")
    makers = deferred_downloads[-4:]  # the last run's buttons (CSV and Excel of two tables)
    assert makers
    assert makers[0]()  # still allowed: a file, audited ok
    assert _audit(store_url, "export").iloc[0]["outcome"] == "ok"
    with open_store(store_url) as store:
        Accounts(store).users.revoke(VIEWER, "viewer", state="Manipur")
    for make in makers:
        with pytest.raises(ExportRefused, match="access changed"):
            make()
    with open_store(store_url) as store:
        acc = Accounts(store)
        acc.users.grant(VIEWER, "viewer", state="Manipur")
        acc.users.set_active(VIEWER, False)
    for make in makers:
        with pytest.raises(ExportRefused, match="disabled or removed"):
            make()
    exports = _audit(store_url, "export")
    assert list(exports["outcome"])[: 2 * len(makers)] == ["refused"] * (2 * len(makers))
    assert (exports["actor"] == VIEWER).all()


def test_readers_of_three_scopes_share_one_read_of_the_snapshots(
    store_url: str, monkeypatch, expected: Analysis
):
    """A national viewer, a state viewer and a department viewer in one dashboard process:
    the snapshots are read once for the store version, and each sees its own figures."""
    from analytics.access.accounts import Accounts
    from analytics.store.store import Store, open_store
    from tests.dashboard.conftest import APP, SSO, TIMEOUT

    reads: list[dict] = []
    real = Store.load_prepared

    def counted(self: Store, **kw):  # the real read, counted
        reads.append(kw)
        return real(self, **kw)

    monkeypatch.setattr(Store, "load_prepared", counted)
    readers = {
        "nation@gov.in": ("national_viewer", None, {}),
        VIEWER: ("viewer", "Manipur", {}),
        "finance@assam.gov.in": ("viewer", "Assam", {"department": "Finance"}),
    }
    with open_store(store_url) as store:
        accounts = Accounts(store)
        for email, (role, state, grant) in readers.items():
            accounts.users.add(email, role, state=state, by="tests", **grant)
    files_created = {}
    for email in readers:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.user = {
            "is_logged_in": True,
            "email": email,
            "name": email.split("@")[0],
            "email_verified": True,
        }
        at.secrets["auth"] = SSO
        at = run_page(at, "overview")
        files_created[email] = metrics(at)["Files created"]
    assert len(reads) == 1
    summary = expected.tables["summary"]
    assam_finance = summary["state"].eq("Assam") & summary["department"].eq("Finance")
    assert files_created == {
        "nation@gov.in": fmt.indian(summary["files_created"].sum()),
        VIEWER: fmt.indian(summary.loc[summary["state"].eq("Manipur"), "files_created"].sum()),
        "finance@assam.gov.in": fmt.indian(summary.loc[assam_finance, "files_created"].sum()),
    }
