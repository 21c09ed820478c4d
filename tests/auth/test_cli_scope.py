"""The command line runs as a signed-in user and through that user's scope (docs/access.md).

`ingest` and `report --db` with `--user` (password from `EOFFICE_PASSWORD`), per role, on
real SQLite and PostgreSQL stores holding one file in each of Manipur / Finance, Manipur /
Home and Assam / Health (tests/auth/conftest.py). Each file is created on 01-Mar-2024 and
moved twice (02-Mar, 04-Mar) through three holders, so by hand every visible (state,
department) has, for 2024-03, files_created 1, movements 2, movement_ratio 2.0, and every
file is pending with 3 holders.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import analytics.store.snapshots
from analytics.access.accounts import Accounts
from analytics.access.sign_in import SignInRefused
from analytics.cli.main import EXIT_REFUSED, main
from analytics.schema import REPORT_COLUMNS
from analytics.store.store import Store
from tests.auth.conftest import ASSAM_HEALTH, MANIPUR_FINANCE, PASSWORD, file_rows
from tests.conftest import HEADER, csv_text

ADMIN = "admin@gov.in"
NODAL_MF = "nodal.mf@manipur.gov.in"
VIEWER_MN = "viewer.mn@manipur.gov.in"
VIEWER_AH = "viewer.ah@assam.gov.in"
NATIONAL = "darpg@gov.in"
FILES = {"MF-1": ("Manipur", "Finance"), "MH-1": ("Manipur", "Home"), "AH-1": ("Assam", "Health")}
OFFICERS = [f"{who} {x}" for who in ("Ibomcha", "Tomba", "Bora") for x in "ABC"]


@dataclass
class Cli:
    """`eoffice-analytics` run in-process on the seeded store, with the accounts of conftest."""

    store: Store
    accounts: Accounts
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def run(self, argv: list[str], user: str | None, password: str = PASSWORD) -> int:
        """Run the command as `user` (None: no --user), the password from the environment."""
        self.monkeypatch.setenv("EOFFICE_PASSWORD", password)
        self.monkeypatch.delenv("EOFFICE_USER", raising=False)
        return main([*argv, *(["--user", user] if user else [])])

    def report(
        self, user: str | None, *extra: str, out: str = "out", password: str = PASSWORD
    ) -> int:
        """`report --db STORE --out TMP/out` as `user`."""
        argv = ["report", "--db", self.store.url, "--out", str(self.tmp / out), *extra]
        return self.run(argv, user, password)

    def ingest(self, log: Path, user: str | None, *extra: str) -> int:
        """`ingest LOG --db STORE` as `user`."""
        return self.run(["ingest", str(log), "--db", self.store.url, *extra], user)

    def table(self, name: str, out: str = "out") -> list[dict[str, str]]:
        """A written report table as dicts."""
        with (self.tmp / out / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    def err(self) -> str:
        """What the commands printed on standard error since the last call."""
        return self.capsys.readouterr().err

    def write(self, name: str, events: list[dict]) -> Path:
        """A CSV extract (with file numbers) on disk."""
        path = self.tmp / name
        path.write_text(csv_text(events, header=(*HEADER, "file_number")), encoding="utf-8")
        return path


@pytest.fixture
def cli(
    store: Store,
    accounts: Accounts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    """The command line on the seeded store with one account per role."""
    return Cli(store, accounts, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        (ADMIN, {"MF-1", "MH-1", "AH-1"}),
        (NATIONAL, {"MF-1", "MH-1", "AH-1"}),
        (VIEWER_MN, {"MF-1", "MH-1"}),
        (VIEWER_AH, {"AH-1"}),
        (NODAL_MF, {"MF-1"}),
    ],
)
def test_report_from_the_store_shows_each_role_exactly_its_scope(
    cli: Cli, email: str, expected: set[str]
) -> None:
    assert cli.report(email) == 0
    pairs = {FILES[f] for f in expected}
    files = cli.table("files")
    assert {r["file_id"] for r in files} == expected
    assert {
        (r["state"], r["department"], r["status"], r["movements"], r["holders"]) for r in files
    } == {(s, d, "pending", "2", "3") for s, d in pairs}
    assert {tuple(r.values()) for r in cli.table("movement_ratio")} == {
        (s, d, "2024-03", "1", "2", "2.0") for s, d in pairs
    }
    assert {
        (r["state"], r["department"], r["files_created"], r["pending"])
        for r in cli.table("summary")
    } == {(s, d, "1", "1") for s, d in pairs}
    assert {r["state"] for r in cli.table("level_turnaround")} == {s for s, _ in pairs}
    assert {r["state"] for r in cli.table("pendency")} == {s for s, _ in pairs}

    audit = cli.accounts.audit.read(actor=email)
    exports = audit[audit["action"].eq("export")]
    assert sorted(exports["target"]) == sorted(f"report {name}.csv" for name in REPORT_COLUMNS)
    assert set(exports["outcome"]) == {"ok"}
    by_table = {t: d["rows"] for t, d in zip(exports["target"], exports["details"], strict=True)}
    assert by_table["report files.csv"] == len(expected)
    assert by_table["report movement_ratio.csv"] == len(pairs)
    sign_in = audit[audit["action"].eq("sign_in")].iloc[0]
    assert (sign_in["outcome"], sign_in["details"]["method"]) == ("ok", "cli")


@pytest.mark.parametrize(
    ("email", "asked", "named"),
    [
        (VIEWER_MN, ["--state", "Assam"], "Assam"),
        (VIEWER_MN, ["--state", "Assam", "--department", "Health"], "Assam / Health"),
        (NODAL_MF, ["--department", "Home"], "department Home"),
        (VIEWER_AH, ["--state", "Assam", "--department", "Surgery"], "Assam / Surgery"),
        (NODAL_MF, ["--state", "Manipur", "--department", "Home"], "Manipur / Home"),
        ("nobody@gov.in", [], "no grant to read any state"),
    ],
)
def test_a_report_asking_outside_the_scope_is_refused_and_writes_nothing(
    cli: Cli, email: str, asked: list[str], named: str
) -> None:
    assert cli.report(email, *asked) == EXIT_REFUSED
    err = cli.err()
    assert err.startswith("error: refused: ")
    assert named in err
    assert err.count("\n") == 1  # one line, no traceback
    assert not (cli.tmp / "out").exists()
    refused = cli.accounts.audit.read(actor=email, action="export").iloc[0]
    assert refused["outcome"] == "refused"
    assert named in refused["details"]["reason"]


def test_a_filter_inside_the_scope_narrows_the_report(cli: Cli) -> None:
    assert cli.report(VIEWER_MN, "--department", "Home") == 0
    assert [r["file_id"] for r in cli.table("files")] == ["MH-1"]
    # Inside the scope but holding no event: a clear error, not a traceback.
    assert cli.report(VIEWER_MN, "--department", "Health", out="none") == 1
    assert cli.err() == "error: the store holds no events for this report (in your scope)\n"


def test_without_the_names_permission_the_report_is_the_same_and_names_nobody(cli: Cli) -> None:
    """Pseudonyms are applied only to what is shown: the analysis reads the stored IDs for
    every reader, so the tables are byte for byte the same with and without the names
    permission, and (they name no person: `holders` is a count) no officer ID reaches them."""
    seen: list[pd.DataFrame] = []
    report_analysis = analytics.store.snapshots.report_analysis

    def spy(*args: object, **kwargs: object):
        analysis = report_analysis(*args, **kwargs)
        seen.append(analysis.facts)
        return analysis

    cli.monkeypatch.setattr(analytics.store.snapshots, "report_analysis", spy)
    assert cli.report(NATIONAL, out="hidden") == 0
    cli.accounts.users.set_see_names(NATIONAL, True, by="test")
    assert cli.report(NATIONAL, out="shown") == 0

    # both reports read the upload's derived data, which holds the stored IDs
    holders = [set(f["holder"].dropna().astype(str)) for f in seen]
    assert len(holders) == 2
    assert holders[0] == holders[1]
    assert holders[0]
    assert holders[0] <= set(OFFICERS)
    for name in REPORT_COLUMNS:
        text = (cli.tmp / "hidden" / f"{name}.csv").read_text(encoding="utf-8")
        assert text == (cli.tmp / "shown" / f"{name}.csv").read_text(encoding="utf-8"), name
        assert not any(officer in text for officer in OFFICERS), name
    exports = cli.accounts.audit.read(actor=NATIONAL, action="export")
    names_shown = [d["names_shown"] for d in exports["details"]]
    assert names_shown == [True] * 5 + [False] * 5  # newest first


def test_a_nodal_officer_cannot_upload_another_states_rows(cli: Cli) -> None:
    store = cli.store
    before, uploads = store.counts(), len(store.uploads.history())
    assam_finance = file_rows("Assam", "Finance", "AF-9", "FIN/9", "Gogoi")
    own = file_rows("Manipur", "Finance", "MF-9", "FIN/9", "Ibomcha")
    for name, events in [("assam.csv", assam_finance), ("mixed.csv", own + assam_finance)]:
        assert cli.ingest(cli.write(name, events), NODAL_MF) == EXIT_REFUSED
        err = cli.err()
        assert "3 rows of Assam / Finance" in err
        assert "nothing was stored" in err
        assert "(Manipur / Finance)" in err
        assert err.count("\n") == 1
    # A state-less extract given another state is refused the same way.
    bare = cli.tmp / "bare.csv"
    bare.write_text(csv_text(own, header=("file_id", *HEADER[4:])), encoding="utf-8")
    given = ["--state", "Assam", "--department", "Finance"]
    assert cli.ingest(bare, NODAL_MF, *given) == EXIT_REFUSED
    assert "3 rows of Assam / Finance" in cli.err()
    assert store.counts() == before
    assert len(store.uploads.history()) == uploads
    refusals = cli.accounts.audit.read(actor=NODAL_MF, action="upload")
    assert list(refusals["outcome"]) == ["refused"] * 3

    assert cli.ingest(cli.write("own.csv", own), NODAL_MF) == 0
    assert "stored as upload" in cli.capsys.readouterr().out
    assert store.counts()["events"] == before["events"] + 3
    assert store.uploads.history()["uploaded_by"].iloc[-1] == NODAL_MF
    assert cli.accounts.audit.read(actor=NODAL_MF, action="upload").iloc[0]["outcome"] == "ok"


@pytest.mark.parametrize("email", [VIEWER_MN, NATIONAL, ADMIN])
def test_readers_cannot_upload_at_all(cli: Cli, email: str) -> None:
    before = cli.store.counts()
    log = cli.write("mn.csv", file_rows("Manipur", "Finance", "MF-8", "FIN/8", "Ibomcha"))
    assert cli.ingest(log, email) == EXIT_REFUSED
    assert "uploading needs a nodal-officer grant" in cli.err()
    assert cli.store.counts() == before
    assert cli.accounts.audit.read(actor=email, action="upload").iloc[0]["outcome"] == "refused"


def test_without_user_both_commands_are_refused_once_accounts_exist(cli: Cli) -> None:
    before = cli.store.counts()
    log = cli.write("mn.csv", file_rows("Manipur", "Finance", "MF-7", "FIN/7", "Ibomcha"))
    assert cli.ingest(log, None) == EXIT_REFUSED
    assert cli.report(None) == EXIT_REFUSED
    errors = cli.err().splitlines()
    assert len(errors) == 2
    assert all("this store has user accounts" in e and "--user EMAIL" in e for e in errors)
    assert cli.store.counts() == before
    assert not (cli.tmp / "out").exists()
    # `report` on LOG files reads what the operator already holds: no user needed.
    assert cli.run(["report", str(log), "--out", str(cli.tmp / "out")], None) == 0
    assert [r["file_id"] for r in cli.table("files")] == ["MF-7"]


def test_the_user_and_password_may_come_from_the_environment_or_a_prompt(cli: Cli) -> None:
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return PASSWORD

    cli.monkeypatch.setenv("EOFFICE_USER", VIEWER_AH)
    cli.monkeypatch.delenv("EOFFICE_PASSWORD", raising=False)
    cli.monkeypatch.setattr("analytics.cli.common.getpass.getpass", ask)
    assert main(["report", "--db", cli.store.url, "--out", str(cli.tmp / "out")]) == 0
    assert prompts == [f"password for {VIEWER_AH}: "]
    assert [r["file_id"] for r in cli.table("files")] == ["AH-1"]


def test_wrong_passwords_lock_the_command_line_as_its_own_source(cli: Cli) -> None:
    """The command line counts its failures under its own source (`cli:<os user>`): a
    stranger's failures on the dashboard do not lock it, its own failures do."""
    cli.monkeypatch.setenv("EOFFICE_LOCKOUT_ATTEMPTS", "3")
    for guess in ("not the password", "nor this", "nor that"):  # from a browser elsewhere
        with pytest.raises(SignInRefused):
            cli.accounts.sign_in.password(VIEWER_MN, guess, source="203.0.113.9")
    assert cli.report(VIEWER_MN, out="still-open") == 0
    assert cli.report(VIEWER_MN, password="still not it") == EXIT_REFUSED
    assert cli.err() == "error: wrong e-mail or password\n"
    assert cli.report(VIEWER_MN, password="second wrong one") == EXIT_REFUSED
    assert cli.report(VIEWER_MN, password="third wrong one") == EXIT_REFUSED
    assert "try again after" in cli.err()
    assert cli.report(VIEWER_MN) == EXIT_REFUSED  # the right password, but locked
    assert "try again after" in cli.err()
    assert not (cli.tmp / "out").exists()
    audit = cli.accounts.audit.read(actor=VIEWER_MN).iloc[::-1]  # oldest first
    cli_rows = [
        (a, o, d.get("attempt"))
        for a, o, d in audit[["action", "outcome", "details"]].to_numpy()
        if d.get("source", "").startswith("cli:")
    ]
    assert cli_rows == [
        ("sign_in", "ok", None),
        ("sign_in", "failed", 1),
        ("sign_in", "failed", 2),
        ("sign_in", "failed", 3),
        ("lockout", "ok", None),
        ("sign_in", "refused", None),
    ]

    assert cli.report("stranger@gov.in") == EXIT_REFUSED
    assert cli.err() == "error: wrong e-mail or password\n"
    unknown = cli.accounts.audit.read(actor="stranger@gov.in").iloc[0]
    assert (unknown["outcome"], unknown["details"]["reason"]) == ("failed", "unknown account")


def test_a_store_without_accounts_runs_unscoped_without_user(
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """First setup (and the README's demo): no account yet, so no --user is needed."""
    cli = Cli(store, Accounts(store), tmp_path, monkeypatch, capsys)
    log = cli.write("more.csv", ASSAM_HEALTH[:1] + MANIPUR_FINANCE[:1])
    assert cli.ingest(log, None, "--by", "setup") == 0
    assert cli.report(None) == 0
    assert {r["file_id"] for r in cli.table("files")} == set(FILES)
    assert store.uploads.history()["uploaded_by"].iloc[-1] == "setup"
    assert cli.accounts.audit.read().empty
    # A --user on a store without accounts is a failed sign-in, not a silent fallback.
    assert cli.report(VIEWER_MN, out="as-user") == EXIT_REFUSED
    assert cli.err() == "error: wrong e-mail or password\n"


def _xes_traces(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Each trace's file_id and its events' (action, from_user, to_user), by parsing the XML."""
    import gzip
    import xml.etree.ElementTree as ET

    ns = "{http://www.xes-standard.org/}"
    root = ET.fromstring(gzip.decompress(path.read_bytes()))
    out = {}
    for trace in root.iter(f"{ns}trace"):
        attrs = {a.get("key"): a.get("value") for a in trace if a.tag != f"{ns}event"}
        events = []
        for event in trace.iter(f"{ns}event"):
            e = {a.get("key"): a.get("value") for a in event}
            events.append((e["concept:name"], e.get("from_user", ""), e.get("to_user", "")))
        out[attrs["file_id"]] = events
    return out


@pytest.mark.parametrize(
    ("email", "expected"),
    [(ADMIN, {"MF-1", "MH-1", "AH-1"}), (VIEWER_MN, {"MF-1", "MH-1"}), (NODAL_MF, {"MF-1"})],
)
def test_export_xes_writes_the_scope_pseudonymised_and_audited(
    cli: Cli, email: str, expected: set[str]
) -> None:
    out = cli.tmp / "log.xes.gz"
    argv = ["export-xes", "--db", cli.store.url, "--out", str(out)]
    assert cli.run(argv, email) == 0
    traces = _xes_traces(out)
    assert set(traces) == expected
    for events in traces.values():
        assert [a for a, _, _ in events] == ["created", "moved", "moved"]
        named = {u for _, f, t in events for u in (f, t) if u}
        assert len(named) == 3
        assert all(u.startswith("P-") for u in named)  # no names permission
        assert not named & set(OFFICERS)
        # the chain survives pseudonyms: each sender is the previous receiver
        assert events[1][1] == events[0][2]
        assert events[2][1] == events[1][2]
    audit = cli.accounts.audit.read(actor=email)
    exports = audit[audit["action"].eq("export")]
    assert exports["target"].tolist() == ["export-xes log.xes.gz"]
    assert exports["details"].iloc[0]["rows"] == len(expected)  # traces
    assert exports["details"].iloc[0]["format"] == "xes"


def test_export_xes_with_the_names_permission_names_officers(cli: Cli) -> None:
    cli.accounts.users.set_see_names(VIEWER_AH, True, by="test")
    out = cli.tmp / "named.xes.gz"
    assert cli.run(["export-xes", "--db", cli.store.url, "--out", str(out)], VIEWER_AH) == 0
    assert _xes_traces(out) == {
        "AH-1": [
            ("created", "", "Bora A"),
            ("moved", "Bora A", "Bora B"),
            ("moved", "Bora B", "Bora C"),
        ]
    }


def test_export_xes_outside_the_scope_is_refused_and_writes_nothing(cli: Cli) -> None:
    out = cli.tmp / "no.xes.gz"
    argv = ["export-xes", "--db", cli.store.url, "--out", str(out), "--state", "Assam"]
    assert cli.run(argv, VIEWER_MN) == EXIT_REFUSED
    assert "Assam lies outside" in cli.err()
    assert not out.exists()
    assert cli.run(["export-xes", "--db", cli.store.url, "--out", str(out)], None) == EXIT_REFUSED
