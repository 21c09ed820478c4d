"""Scope arithmetic without a database: query arguments, filtering, uploads."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from analytics.access.authorise import Refusal, authorise_upload
from analytics.access.scope import Scope, query_args
from analytics.access.users import GrantInfo, SignedInUser, resolve

STATES = ("Assam", "Manipur", "Meghalaya")
DEPTS = ("Finance", "Home", "Health")


def test_resolve_grants() -> None:
    read, upload = resolve(
        [
            GrantInfo("viewer", "Assam"),
            GrantInfo("nodal_officer", "Manipur", "Finance"),
            GrantInfo("viewer", "Assam", "Health"),
        ],
        see_names=False,
    )
    assert read.states == {"Assam"}
    assert read.departments == {("Manipur", "Finance")}
    assert upload.states == frozenset()
    assert upload.departments == {("Manipur", "Finance")}
    national, _ = resolve([GrantInfo("national_viewer")], see_names=True)
    assert national.unrestricted
    admin, admin_upload = resolve([GrantInfo("admin")], see_names=False)
    assert admin.unrestricted
    assert admin_upload.empty


def test_query_args_shapes() -> None:
    scope = Scope(states=frozenset({"Assam"}), departments=frozenset({("Manipur", "Home")}))
    assert query_args(scope) == [
        {"states": ["Assam"], "departments": None},
        {"states": ["Manipur"], "departments": ["Home"]},
    ]
    assert query_args(scope, states=["Meghalaya"]) == [{"states": [], "departments": None}]
    assert query_args(scope, departments=["Finance"]) == [
        {"states": ["Assam"], "departments": ["Finance"]}
    ]
    assert query_args(Scope.everything(), states=["X"]) == [{"states": ["X"], "departments": None}]
    assert query_args(Scope.nothing()) == [{"states": [], "departments": None}]


scopes = st.builds(
    Scope,
    states=st.one_of(st.none(), st.frozensets(st.sampled_from(STATES))),
    departments=st.frozensets(st.tuples(st.sampled_from(STATES), st.sampled_from(DEPTS))),
)
maybe = st.one_of(st.none(), st.lists(st.sampled_from(STATES), unique=True))
maybe_d = st.one_of(st.none(), st.lists(st.sampled_from(DEPTS), unique=True))


@given(scope=scopes, states=maybe, departments=maybe_d)
def test_query_args_select_exactly_request_and_scope(scope, states, departments) -> None:
    """Simulate the store's filter on every (state, dept): the union equals the intersection."""
    selected = set()
    for args in query_args(scope, states, departments):
        for s in STATES:
            for d in DEPTS:
                if (args["states"] is None or s in args["states"]) and (
                    args["departments"] is None or d in args["departments"]
                ):
                    selected.add((s, d))
    wanted = {
        (s, d)
        for s in STATES
        for d in DEPTS
        if scope.allows(s, d)
        and (states is None or s in states)
        and (departments is None or d in departments)
    }
    assert selected == wanted


def test_filter_keeps_scope_rows_only() -> None:
    frame = pd.DataFrame(
        {"state": ["Assam", "Manipur", "Manipur"], "department": ["Health", "Home", "Finance"]}
    )
    scope = Scope(states=frozenset({"Assam"}), departments=frozenset({("Manipur", "Home")}))
    assert scope.filter(frame)["department"].tolist() == ["Health", "Home"]


def test_authorise_upload_counts_rows_per_state_and_department() -> None:
    _, upload = resolve([GrantInfo("nodal_officer", "Manipur", "Finance")], see_names=False)
    user = SignedInUser("n@gov.in", None, "password", upload_scope=upload)
    events = pd.DataFrame(
        {
            "state": ["Manipur"] * 3 + ["Assam"] * 2 + ["Manipur"],
            "department": ["Finance"] * 3 + ["Health"] * 2 + ["Home"],
        }
    )
    assert authorise_upload(user, events) == [
        Refusal("Assam", "Health", 2),
        Refusal("Manipur", "Home", 1),
    ]
    assert authorise_upload(user, events.iloc[:3]) == []
