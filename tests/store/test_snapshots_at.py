"""The snapshots read as of an earlier instant (what the monthly report reads for each month's
end) equal every event analysed as of that instant, and the facts they give are worked out by
hand for each awkward case: parked, closed, parked then closed, reopened, no `created`, a file
created after the instant, pending between two events, a state whose T is earlier."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.figures import monthly, views
from analytics.figures.metrics import analyse
from analytics.store.store import Store
from tests.conftest import ev
from tests.store.test_snapshots import FIGURE_CALLS, STATUS_LOG, _plain, ingest_rows

IST = "Asia/Kolkata"
PC = {"file_id": "F-PC"}
LOG = [
    *STATUS_LOG,
    # parked, then closed while parked: two events that start no stint, one after the other
    ev("created", "", "A", "", "Assistant", "2024-03-01 10:00") | PC,
    ev("parked", "A", "", "Assistant", "", "2024-03-02 10:00") | PC,
    ev("closed", "A", "", "Assistant", "", "2024-03-06 10:00") | PC,
]
MANIPUR_T = pd.Timestamp("2024-03-20 10:00", tz=IST)
ASSAM_T = pd.Timestamp("2024-03-15 18:00", tz=IST)


def day_end(day: str) -> pd.Timestamp:
    """The day's last microsecond in IST."""
    return pd.Timestamp(day, tz=IST) + pd.Timedelta(days=1) - pd.Timedelta(1, "us")


def instants(manipur: pd.Timestamp, assam: pd.Timestamp) -> pd.Series:
    return pd.Series([assam, manipur], index=pd.Index(["Assam", "Manipur"], name="state"))


def analysed_at(store: Store, as_of: pd.Series) -> views.Prepared:
    """The independent route: every stored event, analysed as of the instants."""
    events = store.load_events()
    return views.prepare(analyse(events, as_of=as_of, levels=store.levels.current()))


def assert_equal_at(store: Store, as_of: pd.Series) -> views.Prepared:
    """The snapshots as of `as_of` equal the events analysed as of it, frame by frame and
    figure by figure (the month of each instant as the date range)."""
    _, (got,) = store.load_prepared_at(lambda t: [as_of])
    want = analysed_at(store, as_of)
    assert got is not None
    pd.testing.assert_series_equal(got.analysis.as_of, want.analysis.as_of, check_names=False)
    for name in ("facts", "activity", "stints", "movements"):
        a, b = _plain(getattr(got, name)), _plain(getattr(want, name))
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    first = as_of.min().tz_convert(IST).date().replace(day=1)
    for f in (
        views.Filters(),
        views.Filters(states=("Manipur",), start=first, end=as_of.max().date()),
        views.Filters(departments=("Finance",), start=first, end=date(2024, 3, 31)),
    ):
        for name, call in FIGURE_CALLS.items():
            if name.startswith(("route", "process", "handovers", "pass", "rework")):
                continue  # process mining reads the stints at T (`mining_stints`)
            a, b = call(got, f), call(want, f)
            if isinstance(a, dict):
                assert a == b, (name, f)
            else:
                pd.testing.assert_frame_equal(_plain(a), _plain(b), check_exact=True, obj=name)
    return got


@pytest.mark.parametrize(
    ("manipur", "assam"),
    [
        (day_end("2024-03-04"), ASSAM_T),  # Manipur between events, Assam at its own T
        (day_end("2024-03-05"), day_end("2024-02-29")),
        (day_end("2024-02-15"), day_end("2024-03-31")),  # Assam after its T
        (MANIPUR_T, ASSAM_T),  # at T: the snapshots as they are
    ],
)
def test_as_of_an_instant_equals_the_events_analysed(store: Store, manipur, assam) -> None:
    ingest_rows(store, LOG, "all.csv")
    assert_equal_at(store, instants(manipur, assam))


def test_the_facts_as_of_an_instant_worked_by_hand(store: Store) -> None:
    ingest_rows(store, LOG, "all.csv")
    x = day_end("2024-03-04")
    _, (got,) = store.load_prepared_at(lambda t: [instants(x, ASSAM_T)])
    assert got is not None
    facts = got.facts.set_index("file_id")
    # created after the instant: not there yet (F-PEND 03-08, F-BROKEN 03-10)
    assert sorted(facts.index) == [
        "A-1", "A-2", "F-CLOSED", "F-NOCREATE", "F-PARK", "F-PC", "F-REOPEN", "F-WORKED",
    ]  # fmt: skip
    # F-PARK between its move (03-03 09:00) and its parking (03-05): pending with C
    park = facts.loc["F-PARK"]
    assert (park["status"], park["holder"], park["designation"]) == (
        "pending", "C", "Under Secretary",
    )  # fmt: skip
    assert (park["level"], park["movements"], park["levels_traversed"]) == (3, 1, 2)
    assert park["since"] == pd.Timestamp("2024-03-03 09:00", tz=IST)
    assert park["age_days"] == pytest.approx(1 + 15 / 24, abs=1e-9)  # to 03-04 24:00
    # F-PC: parked (03-02) then closed (03-06): parked by A, at A's level, since 03-02 10:00
    pc = facts.loc["F-PC"]
    assert (pc["status"], pc["holder"], pc["level"], pc["last_action"]) == (
        "parked", "A", 1, "parked",
    )  # fmt: skip
    assert pc["since"] == pd.Timestamp("2024-03-02 10:00", tz=IST)
    assert pd.isna(pc["age_days"])
    assert pd.isna(pc["closed_at"])
    # F-CLOSED: closed on 02-10 after 9 days
    closed = facts.loc["F-CLOSED"]
    assert (closed["status"], closed["disposal_days"]) == ("closed", 9.0)
    assert closed["closed_at"] == pd.Timestamp("2024-02-10 10:00", tz=IST)
    assert pd.isna(closed["holder"])
    # F-REOPEN: closed 01-20, reopened 03-01 by A, moved to E (Joint Secretary) 03-02
    reopen = facts.loc["F-REOPEN"]
    assert (reopen["status"], reopen["holder"], reopen["holders"]) == ("pending", "E", 2)
    assert (reopen["movements"], reopen["levels_traversed"]) == (1, 2)
    assert pd.isna(reopen["closed_at"])  # closed before, but pending now
    # F-NOCREATE: moved on 03-04 10:00 only (its next move is 03-06); no `created` event
    nocreate = facts.loc["F-NOCREATE"]
    assert (nocreate["status"], nocreate["holder"], nocreate["movements"]) == ("pending", "Y", 1)
    assert pd.isna(nocreate["created_at"])
    assert pd.isna(nocreate["level"])
    assert nocreate["levels_traversed"] == 0
    # Assam as of its own T: A-2 parked at T (03-15 18:00)
    assert facts.loc["A-2", "status"] == "parked"
    assert facts.loc["A-1", "age_days"] == pytest.approx(19 + 2.5 / 24, abs=1e-9)
    # F-PC closed once the instant passes 03-06 10:00
    _, (later,) = store.load_prepared_at(lambda t: [instants(day_end("2024-03-06"), ASSAM_T)])
    assert later is not None
    pc = later.facts.set_index("file_id").loc["F-PC"]
    assert (pc["status"], pc["disposal_days"]) == ("closed", 5.0)
    assert pd.isna(pc["holder"])


def test_an_instant_inside_a_day_before_t_is_refused(store: Store) -> None:
    """Daily activity cannot be cut inside a day: only a day's end, or T and later."""
    ingest_rows(store, LOG, "all.csv")
    noon = instants(pd.Timestamp("2024-03-04 12:00", tz=IST), ASSAM_T)
    with pytest.raises(ValueError, match="last microsecond of an IST day"):
        store.load_prepared_at(lambda t: [noon])


@pytest.mark.parametrize("back", [None, pd.DateOffset(days=10), pd.DateOffset(months=1)])
def test_the_overview_figures_a_period_before_t_are_the_cards_as_of_then(store: Store, back):
    """The Overview's change compares the cards at T with the same figures a period earlier
    (`views.figures_at`): from the snapshots they equal the cards of every event analysed as
    of then, with the same rules (a file parked then closed is closed, not parked)."""
    ingest_rows(store, LOG, "all.csv")
    served = store.load_prepared()
    assert served is not None
    as_of = served.analysis.as_of
    then = as_of if back is None else (as_of.dt.tz_localize(None) - back).dt.tz_localize(IST)
    cards = views.overview_figures(analysed_at(store, then), views.Filters())
    for prepared in (served, analysed_at(store, as_of)):
        got = views.figures_at(prepared, views.Filters(), back)
        assert got == {k: cards[k] for k in got}
    if back is None:  # at T: F-PARK and A-2 parked; F-PC was parked, then closed
        assert views.figures_at(served, views.Filters())["parked"] == 2


@pytest.mark.parametrize("state", ["Manipur", None])
@pytest.mark.parametrize("month", ["2024-02", "2024-03"])
def test_the_monthly_report_from_the_snapshots_equals_it_from_the_events(
    store: Store, month: str, state: str | None
) -> None:
    """`monthly.from_store` (the snapshots as of each month's end) against `monthly.build`
    (every event analysed as of it), table by table. Manipur's T (03-20 10:00) is earlier
    than March's end, so March is as of T there."""
    ingest_rows(store, LOG, "all.csv")
    got = monthly.from_store(store, month, state=state)
    events = store.load_events()
    levels = store.levels.current()
    want = monthly.build(events, store.latest_by_state(), month, state=state, levels=levels)
    for table in ("headline_table", "buckets_table", "turnaround_table", "department_movers"):
        pd.testing.assert_frame_equal(getattr(got, table)(), getattr(want, table)(), obj=table)
    pd.testing.assert_frame_equal(got.level_movers(), want.level_movers())
    for side in ("month", "previous"):
        a, b = getattr(got, side), getattr(want, side)
        pd.testing.assert_frame_equal(_plain(a.longest), _plain(b.longest), check_dtype=False)
        pd.testing.assert_frame_equal(a.per_department, b.per_department)
        assert a.events_in_month == b.events_in_month
        assert a.as_of.to_dict() == b.as_of.to_dict()
    assert (got.states, got.central) == (want.states, want.central)
    if (month, state) == ("2024-03", "Manipur"):
        # as of Manipur's T: F-WORKED, F-PEND, F-REOPEN, F-NOCREATE, F-BROKEN pending;
        # F-PARK parked; F-CLOSED and F-PC (parked, then closed) closed. Created in March:
        # F-WORKED, F-PEND, F-PARK, F-BROKEN, F-PC. At February's end only F-CLOSED (created
        # 02-01, closed 02-10) and F-REOPEN (closed 01-20) existed: nothing pending.
        now, before = got.month.headline, got.previous.headline
        assert (now["pending"], now["parked"], now["files_created"]) == (5, 1, 5)
        assert (before["pending"], before["parked"], before["files_created"]) == (0, 0, 1)
        assert got.month.as_of["Manipur"] == MANIPUR_T
