"""`levels` commands through the real command line, per role, on SQLite and PostgreSQL.

The store (tests/auth/conftest.py) holds one file in each of Manipur / Finance (holders
Ibomcha A, B, C), Manipur / Home (Tomba A, B, C) and Assam / Health (Bora A, B, C); each
file's holders are an Assistant (1), a Section Officer (2) and an Under Secretary (3).
"""

from __future__ import annotations

import getpass
from pathlib import Path

import pandas as pd
import pytest

from analytics.access.accounts import Accounts
from analytics.cli.main import EXIT_REFUSED, EXIT_UNUSABLE, main
from analytics.log.hierarchy import LevelTable
from tests.auth.conftest import PASSWORD

NON_ADMINS = [
    "nodal.mf@manipur.gov.in",
    "viewer.mn@manipur.gov.in",
    "viewer.ah@assam.gov.in",
    "darpg@gov.in",
    "nobody@gov.in",
]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("EOFFICE_USER", raising=False)
    monkeypatch.setenv("EOFFICE_PASSWORD", PASSWORD)
    return monkeypatch


@pytest.fixture
def us4(tmp_path: Path) -> Path:
    """A table: the default with Under Secretary at level 4."""
    path = tmp_path / "us4.csv"
    path.write_text(
        LevelTable.default()
        .with_rows(LevelTable.from_text("designation,level\nUnder Secretary,4\n"))
        .to_text(),
        encoding="utf-8",
    )
    return path


def run(accounts: Accounts, who: str | None, *argv: str) -> int:
    user = [] if who is None else ["--user", who]
    return main(["levels", "--db", accounts.store.url, *user, *argv])


def c_levels(accounts: Accounts) -> dict[str, int]:
    """The level of each file's third holder (the Under Secretary)."""
    stints = accounts.store.load_stints()
    third = stints[stints["holder"].str.endswith(" C")]
    return dict(zip(third["holder"], third["level"].astype(int), strict=True))


@pytest.mark.parametrize("who", NON_ADMINS)
@pytest.mark.parametrize("command", ["import", "restore", "approve"])
def test_only_an_admin_changes_the_table(
    accounts: Accounts,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    us4: Path,
    who: str,
    command: str,
) -> None:
    number = accounts.store.proposals.propose(
        "Manipur", LevelTable.from_text("designation,level\nUnder Secretary,4\n"), by="x"
    )
    argv = {"import": [str(us4)], "restore": ["0"], "approve": [str(number)]}[command]
    assert run(accounts, who, command, *argv) == EXIT_REFUSED
    assert "only an admin may" in capsys.readouterr().err
    assert accounts.store.levels.version() == 0
    assert set(c_levels(accounts).values()) == {3}
    entry = accounts.audit.read(action="levels", limit=1).iloc[0]
    assert (entry["actor"], entry["outcome"]) == (who, "refused")


def test_without_a_sign_in_levels_commands_are_refused(
    accounts: Accounts, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(accounts, None, "show") == EXIT_REFUSED
    assert "`levels` commands need a sign-in" in capsys.readouterr().err


def test_a_nodal_officer_proposes_for_own_state_and_an_admin_approves(
    accounts: Accounts,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    rows = tmp_path / "proposal.csv"
    rows.write_text("designation,level\nUnder Secretary,4\n", encoding="utf-8")
    nodal = "nodal.mf@manipur.gov.in"
    assert run(accounts, nodal, "propose", str(rows), "--state", "Assam") == EXIT_REFUSED
    assert "needs a nodal-officer grant there" in capsys.readouterr().err
    assert run(
        accounts, "viewer.mn@manipur.gov.in", "propose", str(rows), "--state", "Manipur"
    ) == (EXIT_REFUSED)
    assert accounts.store.proposals.listing().empty

    assert run(accounts, nodal, "propose", str(rows), "--state", "Manipur", "--note", "GAD") == 0
    assert "proposal 1 for Manipur is waiting for an admin" in capsys.readouterr().out
    assert accounts.store.levels.version() == 0  # nothing applied yet
    # The Assam reader does not see Manipur's proposal; the admin does.
    assert run(accounts, "viewer.ah@assam.gov.in", "proposals") == 0
    assert capsys.readouterr().out == ""
    assert run(accounts, "admin@gov.in", "proposals", "--status", "pending") == 0
    assert "1\tpending\tManipur\tnodal.mf@manipur.gov.in\tUnder Secretary → 4" in (
        capsys.readouterr().out
    )

    assert run(accounts, "admin@gov.in", "approve", "1") == 0
    assert "approved: level table version 1" in capsys.readouterr().out
    assert c_levels(accounts) == {"Ibomcha C": 4, "Tomba C": 4, "Bora C": 3}
    version = accounts.store.levels.history().iloc[0]
    assert (version["created_by"], version["kind"], version["proposal_id"]) == (
        "admin@gov.in",
        "proposal",
        1,
    )
    outcomes = accounts.audit.read(action="levels")["outcome"].tolist()
    assert outcomes[:2] == ["ok", "ok"]  # approve (the version), then the proposals listing
    assert "proposed" in outcomes

    # Per-state rows are shown only to readers of that state.
    assert run(accounts, "viewer.ah@assam.gov.in", "show") == 0
    assert "Manipur" not in capsys.readouterr().out
    assert run(accounts, "viewer.mn@manipur.gov.in", "show") == 0
    assert "Manipur Under Secretary" in " ".join(capsys.readouterr().out.split())


def test_admin_import_export_history_restore(
    accounts: Accounts,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    us4: Path,
    tmp_path: Path,
) -> None:
    admin = "admin@gov.in"
    assert run(accounts, admin, "preview", str(us4)) == 0
    out = capsys.readouterr().out
    assert "stints changing level: 3" in out
    assert accounts.store.levels.version() == 0
    assert run(accounts, admin, "import", str(us4), "--note", "GAD order 12") == 0
    assert c_levels(accounts) == {"Ibomcha C": 4, "Tomba C": 4, "Bora C": 4}
    for name in ("out.csv", "out.yaml"):
        assert run(accounts, admin, "export", str(tmp_path / name)) == 0
        again = LevelTable.from_file(tmp_path / name).to_frame()
        pd.testing.assert_frame_equal(again, accounts.store.levels.current().to_frame())
    assert len(accounts.audit.read(action="export")) == 2
    assert run(accounts, admin, "restore", "0") == 0
    assert set(c_levels(accounts).values()) == {3}
    assert run(accounts, admin, "history") == 0
    out = capsys.readouterr().out
    assert "GAD order 12" in out
    assert "restore of version 0" in out


def test_the_operator_changes_the_table_audited_as_operator(
    accounts: Accounts, cli_env: pytest.MonkeyPatch, us4: Path
) -> None:
    assert main(["levels", "--db", accounts.store.url, "--operator", "import", str(us4)]) == 0
    actor = f"operator:{getpass.getuser()}"
    assert accounts.store.levels.history().iloc[0]["created_by"] == actor
    assert accounts.audit.read(action="operator").iloc[0]["target"] == "levels import"


def test_a_bad_table_names_row_and_reason_and_applies_nothing(
    accounts: Accounts,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("designation,level,state\nClerk,1,\nPeon,1,Sikkim\n", encoding="utf-8")
    assert run(accounts, "admin@gov.in", "import", str(bad)) == EXIT_UNUSABLE
    assert "row 2 (Peon): state 'Sikkim' is not a state of this store" in capsys.readouterr().err
    assert accounts.store.levels.version() == 0


def test_report_states_the_level_table_version_behind_its_figures(
    accounts: Accounts,
    cli_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    us4: Path,
    tmp_path: Path,
) -> None:
    import json

    admin = "admin@gov.in"
    db = ["report", "--db", accounts.store.url, "--user", admin]
    assert main([*db, "--out", str(tmp_path / "v0")]) == 0
    assert "level table: the built-in default (version 0)" in capsys.readouterr().out
    doc = json.loads((tmp_path / "v0" / "validation.json").read_text(encoding="utf-8"))
    assert doc["level_table"] == {"source": "built-in default", "version": 0}

    assert run(accounts, admin, "import", str(us4)) == 0
    assert main([*db, "--out", str(tmp_path / "v1")]) == 0
    assert "level table: version 1 of the store" in capsys.readouterr().out
    doc = json.loads((tmp_path / "v1" / "validation.json").read_text(encoding="utf-8"))
    assert doc["level_table"]["version"] == 1
    assert doc["level_table"]["created_by"] == admin
    turnaround = pd.read_csv(tmp_path / "v1" / "level_turnaround.csv")
    assert sorted(turnaround["level"].unique().tolist()) == [1, 2]  # C's stints are open
    pending = pd.read_csv(tmp_path / "v1" / "pendency.csv")
    assert set(pending["level"]) == {4}  # each file pending at its Under Secretary, now 4

    assert main([*db, "--levels", str(us4), "--out", str(tmp_path / "f")]) == 0
    doc = json.loads((tmp_path / "f" / "validation.json").read_text(encoding="utf-8"))
    assert doc["level_table"] == {"source": "file", "file": str(us4)}
