"""A nodal officer proposes a level for a designation of their state on the Upload page; the
proposal waits for an admin and changes nothing until then (issue 16)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from analytics.store.store import open_store
from tests.dashboard.conftest import run_page, signed_in_as


def test_a_nodal_officer_proposes_for_own_state_only(nodal_app: AppTest, store_url: str):
    with open_store(store_url) as store:
        unmapped = store.levels.unmapped(states=["Manipur"])
    first = unmapped["designation"].iloc[0]
    at = run_page(nodal_app, "upload")
    assert at.selectbox(key="levels_propose_state").options == ["Manipur"]  # own state only
    assert any(first in c.value for c in at.caption)  # the state's unmapped designations
    form = next(s for s in at.selectbox if s.label == "Designation")
    form.set_value(first)
    next(n for n in at.number_input if n.label == "Level").set_value(4)
    next(b for b in at.button if b.label == "Propose").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Proposal 1:" in s.value for s in at.success)
    with open_store(store_url) as store:
        found = store.proposals.listing()
        assert found["status"].tolist() == ["pending"]
        assert found["proposed_by"].tolist() == ["nodal@manipur.gov.in"]
        assert found["rows"].iloc[0] == [
            {"state": "Manipur", "designation": first, "level": 4, "level_name": None}
        ]
        assert store.levels.version() == 0  # nothing applied before an admin approves


def test_a_viewer_is_offered_no_proposal(app: AppTest, store_url: str):
    at = signed_in_as(app, store_url, "viewer@manipur.gov.in", "viewer", "Manipur")
    at = run_page(at, "upload")
    assert not [s for s in at.selectbox if s.key == "levels_propose_state"]
    assert not [b for b in at.button if b.label == "Propose"]
