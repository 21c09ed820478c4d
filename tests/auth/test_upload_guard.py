"""Uploads guarded against taking over other departments' files, against reading a file twice,
against bytes a database refuses, and seen in the right users' upload history.

The store holds MF-1 (Manipur / Finance), MH-1 (Manipur / Home) and AH-1 (Assam / Health),
each created on 01-Mar-2024 10:00 and moved on 02-Mar and 04-Mar (tests/auth/conftest.py).
Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from analytics.access.accounts import Accounts
from analytics.access.authorise import UploadRefused, visible_uploads
from analytics.cli.main import EXIT_REFUSED, main
from analytics.log.formats import UnusableInputError
from analytics.store.store import Store
from tests.auth.conftest import ASSAM_HEALTH, MANIPUR_FINANCE, PASSWORD, as_source, sign_in
from tests.conftest import HEADER, csv_text, ev

NODAL_MF = "nodal.mf@manipur.gov.in"
MF = {"state": "Manipur", "department": "Finance"}


def _row(action: str, frm: str, to: str, ts: str, file_id: str, **over: str) -> dict:
    return ev(action, frm, to, "", "", ts, **(MF | {"file_id": file_id} | over))


# A Manipur / Finance officer's rows naming Manipur / Finance, but for MH-1, a Home file.
HIJACKS = {
    "earlier created": _row("created", "", "Hijacker", "2024-02-01 10:00", "MH-1"),
    "same-moment created": _row("created", "", "Hijacker", "2024-03-01 10:00", "MH-1"),
    "later closed": _row("closed", "Tomba C", "", "2024-03-20 10:00", "MH-1"),
    "later moved": _row("moved", "Tomba C", "Hijacker", "2024-03-20 10:00", "MH-1"),
    "later parked": _row("parked", "Tomba C", "", "2024-03-20 10:00", "MH-1"),
    "later reopened": _row("reopened", "", "Hijacker", "2024-03-20 10:00", "MH-1"),
}
OWN = [_row("moved", "Ibomcha C", "Ibomcha D", "2024-03-06 10:00", "MF-1")]


def _facts(store: Store) -> dict[str, tuple[str, str, int]]:
    facts = store.load_file_facts()
    return {
        r.file_id: (r.department, r.status, int(r.n_events)) for r in facts.itertuples(index=False)
    }


@pytest.mark.parametrize("case", sorted(HIJACKS))
def test_a_row_for_another_departments_file_refuses_the_upload(
    store: Store, accounts: Accounts, case: str
) -> None:
    nodal = sign_in(accounts, NODAL_MF)
    before = (store.version(), store.counts(), _facts(store))
    with pytest.raises(UploadRefused) as info:
        accounts.guard.ingest_as(nodal, [as_source("hijack.csv", [*OWN, HIJACKS[case]])])
    message = str(info.value)
    assert "file MH-1" in message
    assert "Manipur / Home" in message  # the department the store holds
    assert "nothing was stored" in message
    assert (store.version(), store.counts(), _facts(store)) == before
    assert _facts(store)["MH-1"] == ("Home", "pending", 3)
    entry = accounts.audit.read(action="upload").iloc[0]
    assert (entry["outcome"], entry["target"]) == ("refused", "hijack.csv")
    assert entry["details"]["refused"][0]["file_id"] == "MH-1"
    # its own file alone loads
    assert accounts.guard.ingest_as(nodal, [as_source("own.csv", OWN)]).events_new == 1


def test_the_department_given_for_the_upload_cannot_take_a_file_either(
    store: Store, accounts: Accounts
) -> None:
    nodal = sign_in(accounts, NODAL_MF)
    header = tuple(c for c in HEADER if c != "department")
    data = csv_text([HIJACKS["later closed"]], header=header).encode()
    with pytest.raises(UploadRefused, match=r"file MH-1 .*Manipur / Home"):
        accounts.guard.ingest_as(nodal, [("x.csv", data)], department="Finance")
    assert _facts(store)["MH-1"] == ("Home", "pending", 3)


def test_a_row_that_would_change_a_files_department_is_refused_even_inside_the_scope(
    store: Store, accounts: Accounts
) -> None:
    """A nodal officer of all Manipur may add to MH-1, but not make it a Finance file."""
    accounts.users.add("nodal.mn@manipur.gov.in", "nodal_officer", state="Manipur", by="t")
    accounts.users.set_password("nodal.mn@manipur.gov.in", PASSWORD, by="t")
    nodal = sign_in(accounts, "nodal.mn@manipur.gov.in")
    earlier = HIJACKS["earlier created"]
    with pytest.raises(UploadRefused, match=r"file MH-1 \(1 row dated at or before"):
        accounts.guard.ingest_as(nodal, [as_source("earlier.csv", [earlier])])
    assert _facts(store)["MH-1"] == ("Home", "pending", 3)
    # a later row naming another department leaves the file's department as it is: allowed
    later = HIJACKS["later closed"]
    assert accounts.guard.ingest_as(nodal, [as_source("later.csv", [later])]).events_new == 1
    assert _facts(store)["MH-1"] == ("Home", "closed", 4)


def test_cli_ingest_refuses_a_hijack_naming_the_file_and_department(
    store: Store,
    accounts: Accounts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = tmp_path / "hijack.csv"
    log.write_text(csv_text([HIJACKS["earlier created"]]), encoding="utf-8")
    monkeypatch.setenv("EOFFICE_PASSWORD", PASSWORD)
    before = store.counts()
    code = main(["ingest", str(log), "--db", store.url, "--user", NODAL_MF])
    err = capsys.readouterr().err
    assert code == EXIT_REFUSED
    assert "file MH-1" in err
    assert "Manipur / Home" in err
    assert store.counts() == before


def test_a_pipe_is_read_once_and_what_was_checked_is_what_is_stored(
    store: Store,
    accounts: Accounts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A named pipe gives a good Finance file on its first read and Assam rows on a second."""
    fifo = tmp_path / "extract.csv"
    os.mkfifo(fifo)
    good = csv_text(OWN).encode()
    assam = csv_text([{**ASSAM_HEALTH[0], "file_id": "AH-9"}]).encode()
    opened = []

    def serve() -> None:
        for payload in (good, assam):
            deadline = time.monotonic() + (30 if not opened else 3)
            while True:
                try:
                    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                    break
                except OSError:  # no reader yet
                    if time.monotonic() > deadline:
                        return
                    time.sleep(0.01)
            os.set_blocking(fd, True)
            opened.append(payload)
            os.write(fd, payload)
            os.close(fd)
            time.sleep(0.2)

    writer = threading.Thread(target=serve, daemon=True)
    writer.start()
    monkeypatch.setenv("EOFFICE_PASSWORD", PASSWORD)
    code = main(["ingest", str(fifo), "--db", store.url, "--user", NODAL_MF])
    writer.join(10)
    assert code == 0, capsys.readouterr().err
    assert opened == [good]  # read once
    events = store.load_events()
    assert "AH-9" not in set(events["file_id"])
    assert (
        store.uploads.history().iloc[-1]["sha256"] == __import__("hashlib").sha256(good).hexdigest()
    )


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1f"])
def test_control_characters_are_rejected_per_row_on_both_engines(
    store: Store, accounts: Accounts, char: str
) -> None:
    nodal = sign_in(accounts, NODAL_MF)
    bad = _row("moved", "Ibomcha D", "Ibomcha E", "2024-03-07 10:00", "MF-1", remarks=f"a{char}b")
    late = _row("moved", "Ibomcha E", "Ibomcha F", f"2024-03-08{char}10:00", "MF-1")
    odd = _row("moved", "Ibomcha C", "Ibomcha X", "2024-03-06 11:00", "MF-1")
    odd["received_at"] = f"so{char}on"  # unreadable: a warning, left empty, event kept
    data = csv_text([*OWN, bad, late, odd], header=(*HEADER, "remarks")).encode()
    result = accounts.guard.ingest_as(nodal, [("nul.csv", data)])
    assert (result.status, result.events_new, result.rows_rejected) == ("stored", 2, 2)
    rejected = store.uploads.rejected_rows(result.upload_id)
    assert rejected["line"].tolist() == [3, 4]
    assert rejected["column"].tolist() == ["remarks", "timestamp"]
    assert "control character" in rejected["reason"].iloc[0]
    escaped = f"\\x{ord(char):02x}"
    assert rejected["raw"].iloc[0]["remarks"] == f"a{escaped}b"
    assert escaped in rejected["reason"].iloc[1]
    [warning] = store.uploads.history().iloc[-1]["report"]["warnings"]
    assert (warning["line"], warning["column"]) == (5, "received_at")
    assert f"so{escaped}on" in warning["reason"]
    stored = store.load_events()
    assert char not in "".join(stored["remarks"].dropna())
    assert stored.loc[stored["to_user"].eq("Ibomcha X"), "received_at"].isna().all()


def test_a_failed_upload_leaves_an_audit_row(
    store: Store, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodal = sign_in(accounts, NODAL_MF)
    before = store.counts()
    monkeypatch.setenv("EOFFICE_STORE_TEST_HOOK", "events:fail")
    with pytest.raises(RuntimeError, match="injected failure"):
        accounts.guard.ingest_as(nodal, [as_source("own.csv", OWN)])
    monkeypatch.delenv("EOFFICE_STORE_TEST_HOOK")
    assert store.counts() == before
    entry = accounts.audit.read(action="upload").iloc[0]
    assert (entry["outcome"], entry["target"]) == ("failed", "own.csv")
    assert "InjectedFailure" in entry["details"]["error"]


def test_an_unusable_or_oversized_upload_is_audited(
    store: Store, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodal = sign_in(accounts, NODAL_MF)
    monkeypatch.setenv("EOFFICE_UPLOAD_MAX_ROWS", "1")
    two = [*OWN, _row("moved", "Ibomcha D", "Ibomcha E", "2024-03-07 10:00", "MF-1")]
    with pytest.raises(UnusableInputError, match="more than 1 data rows"):
        accounts.guard.ingest_as(nodal, [as_source("big.csv", two)])
    entry = accounts.audit.read(action="upload").iloc[0]
    assert entry["outcome"] == "unusable"
    assert "EOFFICE_UPLOAD_MAX_ROWS" in entry["details"]["reason"]
    assert store.uploads.history().iloc[-1]["status"] == "unusable"


def test_future_rows_are_rejected_naming_the_line(store: Store, accounts: Accounts) -> None:
    nodal = sign_in(accounts, NODAL_MF)
    future = _row("moved", "Ibomcha C", "Ibomcha D", "2099-12-31 10:00", "MF-1")
    result = accounts.guard.ingest_as(nodal, [as_source("future.csv", [future])])
    assert (result.events_new, result.rows_rejected) == (0, 1)
    entry = result.report["rejected"][0]
    assert entry["line"] == 2
    assert entry["reason"].startswith("timestamp is in the future")


def _visible(accounts: Accounts, email: str) -> list[str]:
    user = accounts.users.get(email)
    return visible_uploads(accounts.store.uploads.history(), user)["file_name"].tolist()


def test_upload_history_shows_uploads_to_whoever_covers_their_rows(
    store: Store, accounts: Accounts
) -> None:
    nodal = sign_in(accounts, NODAL_MF)
    accounts.guard.ingest_as(nodal, [as_source("named-in-file.csv", OWN)])  # no state given
    header = tuple(c for c in (*HEADER, "file_number") if c not in ("state", "department"))
    more = [_row("moved", "Ibomcha D", "Ibomcha E", "2024-03-07 10:00", "MF-1")]
    data = csv_text(more, header=header).encode()
    accounts.guard.ingest_as(
        nodal, [("given.csv", data)], state="  Manipur ", department=" Finance "
    )
    history = store.uploads.history()
    assert history.iloc[-1]["state_given"] == "Manipur"  # stripped
    assert history.iloc[-1]["department_given"] == "Finance"
    assert history.iloc[-1]["touched"] == [("Manipur", "Finance")]
    assert history.iloc[0]["touched"] == [
        ("Assam", "Health"),
        ("Manipur", "Finance"),
        ("Manipur", "Home"),
    ]
    mine = ["named-in-file.csv", "given.csv"]
    assert _visible(accounts, NODAL_MF) == mine
    assert _visible(accounts, "viewer.mn@manipur.gov.in") == mine
    assert _visible(accounts, "viewer.ah@assam.gov.in") == []
    assert _visible(accounts, "admin@gov.in") == ["seed.csv", *mine]
    assert _visible(accounts, "darpg@gov.in") == ["seed.csv", *mine]
    assert _visible(accounts, "nobody@gov.in") == []


def test_a_refused_or_unusable_upload_is_seen_by_its_uploader(
    store: Store, accounts: Accounts
) -> None:
    nodal = sign_in(accounts, NODAL_MF)
    with pytest.raises(UnusableInputError):
        accounts.guard.ingest_as(nodal, [("empty.csv", b"")], state="Manipur")
    assert _visible(accounts, NODAL_MF) == ["empty.csv"]
    assert _visible(accounts, "viewer.mn@manipur.gov.in") == ["empty.csv"]  # by state given
    assert _visible(accounts, "viewer.ah@assam.gov.in") == []
    assert isinstance(store.uploads.history()["touched"].iloc[-1], list)
    assert pd.isna(store.uploads.history()["department_given"].iloc[-1])
    assert MANIPUR_FINANCE  # the seed's Finance file is what the officer's scope holds


def test_the_preview_check_consults_the_store_only_inside_the_scope(
    store: Store, accounts: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check_upload` (the Upload page's preview): another scope's rows are refused without
    a look at the store; rows inside the scope are checked against the files it holds."""
    nodal = sign_in(accounts, NODAL_MF)
    read = store.uploads.preview([as_source("assam.csv", ASSAM_HEALTH)])
    asked = []
    real = store.uploads.stored_files
    monkeypatch.setattr(store.uploads, "stored_files", lambda ev: asked.append(len(ev)) or real(ev))
    [refused] = accounts.guard.check_upload(nodal, read.events)
    assert (refused.state, refused.department, refused.rows, refused.file_id) == (
        "Assam",
        "Health",
        3,
        "",
    )
    assert asked == []
    for user in ("viewer.mn@manipur.gov.in", "admin@gov.in", "nobody@gov.in"):
        assert accounts.guard.check_upload(sign_in(accounts, user), read.events)
    assert asked == []
    hijack = store.uploads.preview([as_source("h.csv", [HIJACKS["later closed"]])])
    [refused] = accounts.guard.check_upload(nodal, hijack.events)
    assert (refused.state, refused.department, refused.file_id, refused.why) == (
        "Manipur",
        "Home",
        "MH-1",
        "held",
    )
    assert asked == [1]
    assert (
        accounts.guard.check_upload(nodal, store.uploads.preview([as_source("o.csv", OWN)]).events)
        == []
    )
