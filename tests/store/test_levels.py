"""The level table as versions in the store, on SQLite and PostgreSQL.

The log below is small enough to work by hand. "US(ARC)" is a designation the default table
does not know. Its stints (holder, file, seq, hand-worked length):

- Manipur F1: A Assistant 01-Mar 10:00 → 02-Mar 10:00 (1 day); B US(ARC) 02-Mar 10:00 →
  04-Mar 10:00 (2 days); C Director open since 04-Mar 10:00.
- Manipur F2: D Assistant 01-Mar 10:00 → 03-Mar 10:00 (2 days); E US(ARC) open since 03-Mar.
- Manipur F4: G Assistant 2 h, H Section Officer 2 h, I US(ARC) 01-Mar 14:00 → 02-Mar 14:00
  (1 day), J Deputy Secretary 1 day, K Director open since 03-Mar 14:00.
- Assam F3: P Assistant 1 day; Q US(ARC) 02-Mar 10:00 → 05-Mar 10:00 (3 days); R Section
  Officer open.

Events naming US(ARC): F1 2, F2 1, F4 2 (Manipur 5), F3 2 (Assam 2): 7 in all.
Mapping US(ARC) to level 3 for every state moves exactly the stints B, E, I and Q from
unmapped to 3. Levels traversed then: F1 {1,3,5} = 3 (was 2), F2 {1,3} = 2 (was 1), F4
{1,2,3,4,5} = 5 (was 4: now over 4 levels), F3 {1,2,3} = 3 (was 2). Mean distinct levels of
Manipur's pending files: (2+1+4)/3 = 7/3 before, (3+2+5)/3 = 10/3 after; Assam 2 → 3.
Turnaround of level 3 in Manipur: B 2 days, I 1 day → 2 stints, median 1.5 days; before
they were the unmapped row. A Manipur-only mapping moves B, E and I but not Q.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.access.accounts import Accounts
from analytics.figures import views
from analytics.figures.metrics import compute_report
from analytics.log.hierarchy import LevelTable, LevelTableError
from analytics.store.store import Store, open_store
from tests.conftest import csv_text, ev

ARC = "US(ARC)"


def _file(state: str, file_id: str, rows: list[dict]) -> list[dict]:
    department = "Finance" if state == "Manipur" else "Health"
    return [r | {"state": state, "department": department, "file_id": file_id} for r in rows]


LOG = (
    _file(
        "Manipur",
        "F1",
        [
            ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
            ev("moved", "A", "B", "Assistant", ARC, "2024-03-02 10:00"),
            ev("moved", "B", "C", ARC, "Director", "2024-03-04 10:00"),
        ],
    )
    + _file(
        "Manipur",
        "F2",
        [
            ev("created", "", "D", "", "Assistant", "2024-03-01 10:00"),
            ev("moved", "D", "E", "Assistant", "us(arc) ", "2024-03-03 10:00"),
        ],
    )
    + _file(
        "Manipur",
        "F4",
        [
            ev("created", "", "G", "", "Assistant", "2024-03-01 10:00"),
            ev("moved", "G", "H", "Assistant", "Section Officer", "2024-03-01 12:00"),
            ev("moved", "H", "I", "Section Officer", ARC, "2024-03-01 14:00"),
            ev("moved", "I", "J", ARC, "Deputy Secretary", "2024-03-02 14:00"),
            ev("moved", "J", "K", "Deputy Secretary", "Director", "2024-03-03 14:00"),
        ],
    )
    + _file(
        "Assam",
        "F3",
        [
            ev("created", "", "P", "", "Assistant", "2024-03-01 10:00"),
            ev("moved", "P", "Q", "Assistant", ARC, "2024-03-02 10:00"),
            ev("moved", "Q", "R", ARC, "Section Officer", "2024-03-05 10:00"),
        ],
    )
)


def with_arc(state: str | None = None, level: int = 3) -> LevelTable:
    """The default table plus US(ARC) at `level` (for one state, or every state)."""
    row = pd.DataFrame([{"state": state, "designation": ARC, "level": level}])
    return LevelTable.default().with_rows(LevelTable(row))


@pytest.fixture
def store(store_url: str):
    opened = open_store(store_url)
    opened.uploads.ingest([("log.csv", csv_text(LOG).encode())])
    try:
        yield opened
    finally:
        opened.close()


def stint_levels(store: Store) -> dict[str, object]:
    """Stored stints' levels by holder (every holder above holds one stint)."""
    stints = store.load_stints()
    return {
        h: (None if pd.isna(v) else int(v))
        for h, v in zip(stints["holder"], stints["level"], strict=True)
    }


def figures(store: Store) -> dict[str, pd.DataFrame]:
    """What the dashboard and `report --db` show: served per-state figures, stored rows, and
    the report tables computed with the table in force."""
    served = store.load_prepared()
    return {
        "state_figures": views.state_figures(served, views.Filters(), by=("state",)),
        "stints": store.load_stints(),
        "facts": store.load_file_facts(),
        **compute_report(store.load_events(), levels=store.levels.current()),
    }


def assert_same_figures(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    assert got.keys() == want.keys()
    for name, table in want.items():
        pd.testing.assert_frame_equal(got[name], table, check_exact=True, obj=name)


def test_unmapped_designations_with_events_and_states(store: Store) -> None:
    unmapped = store.levels.unmapped()
    assert unmapped["designation"].tolist() == [ARC]
    assert unmapped["events"].tolist() == [7]
    assert unmapped["states"].tolist() == [["Assam", "Manipur"]]
    assert unmapped["events_by_state"].tolist() == [{"Assam": 2, "Manipur": 5}]
    only = store.levels.unmapped(states=["Assam"])
    assert only["events"].tolist() == [2]


def test_mapping_an_unknown_designation_moves_exactly_its_stints(store: Store) -> None:
    before = stint_levels(store)
    assert store.levels.version() == 0
    version = store.levels.apply(with_arc(), by="admin@x.in", note="US(ARC) is level 3")
    assert version == 1
    assert store.levels.version() == 1
    after = stint_levels(store)
    moved = {h for h in before if before[h] != after[h]}
    assert moved == {"B", "E", "I", "Q"}
    assert {after[h] for h in moved} == {3}
    assert {before[h] for h in moved} == {None}
    assert store.levels.unmapped().empty

    facts = store.load_file_facts().set_index("file_id")
    assert facts["levels_traversed"].to_dict() == {"F1": 3, "F2": 2, "F3": 3, "F4": 5}
    assert facts["over_4_levels"].to_dict() == {"F1": False, "F2": False, "F3": False, "F4": True}
    assert facts.loc["F2", "level"] == 3  # E, pending at US(ARC)

    shown = figures(store)
    per_state = shown["state_figures"].set_index("state")
    assert per_state.loc["Manipur", "mean_levels_pending"] == pytest.approx(10 / 3)
    assert per_state.loc["Assam", "mean_levels_pending"] == 3
    assert per_state.loc["Manipur", "files_over_4_levels"] == 1
    turnaround = shown["level_turnaround"]
    manipur3 = turnaround[turnaround["state"].eq("Manipur") & turnaround["level"].eq(3)]
    assert manipur3[["stints", "median_days"]].to_numpy().tolist() == [[2, 1.5]]
    assert turnaround[turnaround["state"].eq("Manipur")]["level"].notna().all()


def test_a_per_state_row_moves_only_that_states_stints(store: Store) -> None:
    before = stint_levels(store)
    store.levels.apply(with_arc("Manipur"), by="admin@x.in")
    after = stint_levels(store)
    assert {h for h in before if before[h] != after[h]} == {"B", "E", "I"}
    assert after["Q"] is None
    left = store.levels.unmapped()
    assert left["events_by_state"].tolist() == [{"Assam": 2}]


def test_restore_gives_back_the_earlier_figures_exactly(store: Store) -> None:
    default = figures(store)
    store.levels.apply(with_arc(), by="admin@x.in")
    mapped = figures(store)
    store.levels.apply(with_arc(level=4), by="admin@x.in")
    assert not figures(store)["stints"].equals(mapped["stints"])

    assert store.levels.restore(1, by="admin@x.in") == 3
    assert_same_figures(figures(store), mapped)
    assert store.levels.restore(0, by="admin@x.in") == 4  # the built-in default
    assert_same_figures(figures(store), default)

    history = store.levels.history()
    assert history["version"].tolist() == [4, 3, 2, 1]
    assert history["kind"].tolist() == ["restore", "restore", "import", "import"]
    assert history["restored_from"].tolist()[:2] == [0, 1]
    assert history["in_force"].tolist() == [True, False, False, False]
    assert history.loc[history["version"].eq(2), "changed"].item() == 1  # US(ARC) 3 → 4


def test_a_level_changes_audit_row_is_capped_like_every_other(store: Store) -> None:
    """A level table's note is the admin's own text: in the audit row it is cut at 512
    characters and marked, as every audit field is (the store once wrote it whole)."""
    note = "n" * 2000
    store.levels.apply(with_arc(), by="admin@x.in", note=note)
    row = Accounts(store).audit.read(action="levels").iloc[0]
    kept = row["details"]["note"]
    assert kept == "n" * 512 + "…[1,488 more characters cut]"
    assert row["target"] == "levels version 1"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("Clerk", "10", "")], r"row 1 \(Clerk\): level '10' is not a whole number from 1 to 9"),
        ([("Clerk", "1", ""), ("Peon", "0", "")], r"row 2 \(Peon\): level '0'"),
        (
            [("Clerk", "1", "Manipur"), ("Typist", "1", ""), (" clerk ", "2", "Manipur")],
            r"row 3: designation 'clerk' is listed twice for Manipur \(first at row 1\)",
        ),
        ([("Clerk", "1", "Goa")], r"row 1 \(Clerk\): state 'Goa' is not a state of this store"),
    ],
)
def test_bad_tables_are_refused_and_nothing_is_applied(
    store: Store, rows: list[tuple[str, str, str]], message: str
) -> None:
    text = "designation,level,state\n" + "".join(f"{d},{lv},{s}\n" for d, lv, s in rows)
    before = figures(store)
    with pytest.raises(LevelTableError, match=message):
        store.levels.apply(LevelTable.from_text(text), by="admin@x.in")
    assert store.levels.version() == 0
    assert store.levels.history().empty
    assert_same_figures(figures(store), before)


def test_the_same_designation_in_two_states_is_no_duplicate(store: Store) -> None:
    text = "designation,level,state\nUS(ARC),3,Manipur\nUS(ARC),4,Assam\nAssistant,1,\n"
    store.levels.apply(LevelTable.from_text(text), by="admin@x.in")
    assert stint_levels(store)["Q"] == 4
    assert stint_levels(store)["B"] == 3


def test_apply_is_all_or_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    before = figures(store)
    monkeypatch.setenv("EOFFICE_STORE_TEST_HOOK", "snapshots:fail")
    with pytest.raises(RuntimeError, match="injected failure"):
        store.levels.apply(with_arc(), by="admin@x.in")
    monkeypatch.delenv("EOFFICE_STORE_TEST_HOOK")
    assert store.levels.version() == 0
    assert store.levels.history().empty
    assert store.levels.current().to_frame().equals(LevelTable.default().to_frame())
    assert_same_figures(figures(store), before)
    assert Accounts(store).audit.read(action="levels").empty


def test_apply_is_audited_with_who_and_what_changed(store: Store) -> None:
    store.levels.apply(with_arc(), by="admin@x.in", note="US(ARC) is level 3")
    log = Accounts(store).audit.read(action="levels")
    assert len(log) == 1
    row = log.iloc[0]
    assert (row["actor"], row["outcome"], row["target"]) == ("admin@x.in", "ok", "levels version 1")
    assert row["details"]["added"] == 1
    assert row["details"]["version_before"] == 0
    assert row["details"]["changes"]["added"] == [
        {"state": None, "designation": ARC, "level": 3, "level_name": None}
    ]
    assert row["details"]["note"] == "US(ARC) is level 3"


def test_a_proposal_applies_only_when_approved(store: Store) -> None:
    number = store.proposals.propose(
        "Manipur", LevelTable.from_text("designation,level\nUS(ARC),3\n"), by="nodal@x.in"
    )
    assert store.levels.version() == 0
    assert stint_levels(store)["B"] is None
    pending = store.proposals.listing("pending")
    assert pending["id"].tolist() == [number]
    assert pending["rows"].iloc[0][0]["state"] == "Manipur"
    version = store.proposals.decide(number, approve=True, by="admin@x.in")
    assert version == 1
    levels = stint_levels(store)
    assert (levels["B"], levels["E"], levels["I"], levels["Q"]) == (3, 3, 3, None)
    with pytest.raises(LevelTableError, match="approved already"):
        store.proposals.decide(number, approve=False, by="admin@x.in")
    with pytest.raises(LevelTableError, match="this proposal is for Manipur"):
        store.proposals.propose(
            "Manipur", LevelTable.from_text("designation,level,state\nX,3,Assam\n"), by="n@x.in"
        )


# --- preview ------------------------------------------------------------------------------


def test_preview_before_and_after_per_state_as_worked_by_hand(store: Store) -> None:
    before = figures(store)
    found = store.levels.preview(with_arc())
    assert found.stints_changed == 4
    assert found.stints.set_index("state").to_dict("index") == {
        "Assam": {"stints": 3, "changed": 1},
        "Manipur": {"stints": 10, "changed": 3},
    }
    assert found.newly_mapped["designation"].tolist() == [ARC]
    assert found.newly_mapped["events"].tolist() == [7]
    assert found.newly_unmapped.empty

    turn = found.turnaround.set_index(["state", "level"])
    assert turn.loc[("Manipur", 3), ["stints_before", "stints_after"]].tolist() == [0, 2]
    assert turn.loc[("Manipur", 3), "median_days_after"] == 1.5
    assert turn.loc[("Assam", 3), "median_days_after"] == 3.0
    unmapped = found.turnaround[found.turnaround["level"].isna()].set_index("state")
    assert unmapped.loc["Manipur", ["stints_before", "stints_after"]].tolist() == [2, 0]
    assert unmapped.loc["Manipur", "median_days_before"] == 1.5
    assert not turn.loc[("Manipur", 1), "changed"]

    pend = found.pendency
    manipur = pend[pend["state"].eq("Manipur")].set_index("level")
    assert manipur.loc[3, ["pending_before", "pending_after"]].tolist() == [0, 1]
    assert manipur.loc[5, ["pending_before", "pending_after"]].tolist() == [2, 2]
    na_row = pend[pend["state"].eq("Manipur") & pend["level"].isna()]
    assert na_row[["pending_before", "pending_after"]].to_numpy().tolist() == [[1, 0]]

    states = found.states.set_index("state")
    assert states.loc["Manipur", "mean_levels_pending_before"] == pytest.approx(7 / 3)
    assert states.loc["Manipur", "mean_levels_pending_after"] == pytest.approx(10 / 3)
    assert states.loc[
        "Manipur", ["files_over_4_levels_before", "files_over_4_levels_after"]
    ].tolist() == [0, 1]
    assert states.loc["Assam", "mean_levels_pending_after"] == 3
    assert found.changes["added"][0]["designation"] == ARC

    assert store.levels.version() == 0  # nothing written
    assert_same_figures(figures(store), before)


def test_preview_names_designations_that_become_unmapped(store: Store) -> None:
    frame = LevelTable.default().to_frame()
    table = LevelTable(frame[frame["designation"].ne("Director")])
    found = store.levels.preview(table)
    assert found.newly_unmapped["designation"].tolist() == ["Director"]
    assert found.newly_unmapped["events_by_state"].tolist() == [{"Manipur": 2}]
    assert found.stints_changed == 2  # C and K
    with pytest.raises(LevelTableError, match="state 'Goa'"):
        store.levels.preview(LevelTable.from_text("designation,level,state\nX,1,Goa\n"))


def test_a_table_set_before_versions_becomes_version_1(store_url: str) -> None:
    """Migration 0006 on a store at 0005 whose `levels` table holds rows: they are kept as
    version 1 (kind initial), in force; a store without rows starts at version 0."""
    from alembic import command
    from sqlalchemy import text

    from analytics.store.engine import alembic_config, make_engine

    engine = make_engine(store_url)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
        conn.execute(
            text("INSERT INTO store_state (id, store_id, data_version) VALUES (1, 'x', 0)")
        )
        conn.execute(
            text(
                "INSERT INTO levels (state, designation, level, level_name) VALUES "
                "(NULL, 'Clerk', 1, 'Desk'), ('Manipur', 'US(ARC)', 3, NULL)"
            )
        )
    engine.dispose()
    with open_store(store_url) as opened:
        assert opened.levels.version() == 1
        history = opened.levels.history()
        assert history[["version", "kind", "rows", "in_force"]].to_numpy().tolist() == [
            [1, "initial", 2, True]
        ]
        kept = opened.levels.at_version(1).to_frame()
        pd.testing.assert_frame_equal(kept, opened.levels.current().to_frame())
        assert kept["designation"].tolist() == ["Clerk", "US(ARC)"]
        # the next version numbers on from it (the sequence moved on PostgreSQL too)
        assert opened.levels.apply(with_arc(), by="admin@x.in") == 2


def test_preview_puts_the_rows_that_change_most_first(store: Store) -> None:
    """Mapping US(ARC) to 3: Assam's level-3 and unmapped turnaround rows each change by 1
    stint and 3 median days (4 in all), Manipur's by 2 stints and 1.5 days (3.5); ties in
    state and level order (unmapped last); unchanged rows come last."""
    turn = store.levels.preview(with_arc()).turnaround
    assert turn["changed"].tolist() == [True] * 4 + [False] * (len(turn) - 4)
    first = list(zip(turn["state"], turn["level"].astype("object").fillna(0), strict=True))[:4]
    assert first == [("Assam", 3), ("Assam", 0), ("Manipur", 3), ("Manipur", 0)]


def test_a_table_equal_to_the_one_in_force_makes_no_version(store: Store) -> None:
    with pytest.raises(LevelTableError, match=r"the one in force \(version 0\)"):
        store.levels.apply(LevelTable.default(), by="admin@x.in")
    store.levels.apply(with_arc(), by="admin@x.in")
    shuffled = with_arc().to_frame().iloc[::-1]  # the same rows in another order
    with pytest.raises(LevelTableError, match=r"version 1\): nothing was applied"):
        store.levels.apply(LevelTable(shuffled), by="admin@x.in")
    assert store.levels.history()["version"].tolist() == [1]
