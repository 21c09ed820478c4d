"""The upload page: validation before committing, commit, history, and bad files reported.

Uploads run as the nodal officer for Manipur / Finance (`nodal_app`); the demo is refused.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import Accounts
from analytics.log.formats import UnusableInputError
from analytics.log.reading import read_logs
from analytics.store.store import open_store
from dashboard import format as fmt
from tests.conftest import HEADER, csv_text, ev
from tests.dashboard.conftest import NODAL, XLSX, frames, metrics, run_page, signed_in_as

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choose(at: AppTest, name: str, data: bytes, mime: str, state=None, department=None):
    if state is not None:
        at.selectbox(key="upload_state").set_value(state)
    if department is not None:
        at.text_input(key="upload_department").set_value(department)
    at.file_uploader[0].set_value((name, data, mime))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_upload_previews_commits_and_grows_the_overview(nodal_app: AppTest, store_url: str):
    at = run_page(nodal_app, "overview")
    before = int(metrics(at)["Files created"].replace(",", ""))
    want = read_logs([XLSX], state="Manipur", department="Finance")
    new_files = int(want.events["action"].eq("created").sum())

    at.switch_page("pages/upload.py").run()
    _choose(at, XLSX.name, XLSX.read_bytes(), XLSX_MIME, "Manipur", "Finance")
    cards = metrics(at)
    assert cards["Rows read"] == fmt.indian(want.report.rows_read)
    assert cards["Rows accepted"] == fmt.indian(want.report.rows_accepted)
    assert cards["Rows rejected"] == fmt.indian(want.report.rows_rejected)
    assert cards["Duplicates dropped"] == fmt.indian(want.report.duplicates_dropped)
    assert cards["Unknown designations"] == fmt.indian(len(want.report.unknown_designations))
    assert cards["New events"] == fmt.indian(len(want.events))  # every event is new
    assert cards["Already stored"] == "0"
    assert cards["New files"] == fmt.indian(want.events["file_id"].nunique())
    with open_store(store_url) as store:
        assert len(store.uploads.history()) == 1  # the preview stored nothing

    commit = next(b for b in at.button if b.label == "Commit to the store")
    commit.click().run()
    assert not at.exception
    assert any("stored as upload 2" in s.value for s in at.success)
    history = next(f for f in frames(at) if "Upload" in f.columns)
    assert XLSX.name in history["File"].tolist()
    assert NODAL in history["By"].tolist()

    at.switch_page("pages/overview.py").run()
    assert int(metrics(at)["Files created"].replace(",", "")) == before + new_files


def test_upload_of_the_same_file_again_changes_nothing(nodal_app: AppTest, store_url: str):
    with open_store(store_url) as store:
        store.uploads.ingest([XLSX], state="Manipur", department="Finance")
    at = run_page(nodal_app, "upload")
    _choose(at, XLSX.name, XLSX.read_bytes(), XLSX_MIME, "Manipur", "Finance")
    assert metrics(at)["New events"] == "0"
    next(b for b in at.button if b.label == "Commit to the store").click().run()
    assert any("already uploaded" in w.value for w in at.warning)


def test_upload_reports_an_unusable_file_with_its_reason(nodal_app: AppTest, store_url: str):
    data = b"PK\x03\x04 this is not really a workbook"
    with pytest.raises(UnusableInputError) as exc:
        read_logs([("broken.xlsx", data)])
    at = run_page(nodal_app, "upload")
    _choose(at, "broken.xlsx", data, XLSX_MIME)
    reason = fmt.plain(exc.value.reason)  # shown as text: Markdown marks escaped
    assert any(reason in e.value and "cannot be loaded" in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Commit to the store"]
    with open_store(store_url) as store:
        assert len(store.uploads.history()) == 1


def test_upload_lists_rejected_rows_with_line_column_and_reason(nodal_app: AppTest):
    text = csv_text(
        [
            ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
            ev("moved", "A", "B", "Assistant", "Section Officer", "not a date"),
            ev("moved", "B", "", "Section Officer", "", "2024-03-03 10:00"),
        ]
    ).encode()
    want = read_logs([("bad_rows.csv", text)]).report
    assert want.rows_rejected == 2
    at = run_page(nodal_app, "upload")
    _choose(at, "bad_rows.csv", text, "text/csv")
    assert metrics(at)["Rows rejected"] == "2"
    rejected = frames(at)[0]
    assert rejected["Line"].tolist() == [r["line"] for r in want.rejected]
    assert rejected["Column"].tolist() == [r["column"] for r in want.rejected]  # = headers
    assert rejected["Reason"].tolist() == [r["reason"] for r in want.rejected]
    assert [b for b in at.button if b.label == "Commit to the store"]


def _assam_rows() -> bytes:
    return csv_text(
        [
            ev("created", "", "A", "", "Assistant", "2024-03-01 10:00", state="Assam"),
            ev(
                "moved", "A", "B", "Assistant", "Section Officer", "2024-03-02 10:00", state="Assam"
            ),
        ]
    ).encode()


def test_nodal_officer_upload_of_another_state_is_refused(nodal_app: AppTest, store_url: str):
    at = run_page(nodal_app, "upload")
    _choose(at, "assam.csv", _assam_rows(), "text/csv")
    assert any(
        fmt.plain("Assam / Finance") in e.value and "Nothing can be committed" in e.value
        for e in at.error
    )
    assert not [b for b in at.button if b.label == "Commit to the store"]
    with open_store(store_url) as store:
        assert len(store.uploads.history()) == 1
        before = len(store.load_events())
    # the same file through the commit path itself: refused whole, the message names the rows
    from analytics.access.accounts import Accounts
    from analytics.access.authorise import UploadRefused

    with open_store(store_url) as store:
        accounts = Accounts(store)
        user = accounts.users.get(NODAL, "sso")
        with pytest.raises(UploadRefused, match="Assam / Finance"):
            accounts.guard.ingest_as(user, [("assam.csv", _assam_rows())])
        assert len(store.load_events()) == before


def test_demo_mode_refuses_uploads(app: AppTest, store_url: str):
    at = run_page(app, "upload")
    assert any("Demo mode is read-only" in w.value for w in at.warning)
    _choose(at, XLSX.name, XLSX.read_bytes(), XLSX_MIME, "Manipur", "Finance")
    assert any("Demo mode is read-only" in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Commit to the store"]
    with open_store(store_url) as store:
        assert len(store.uploads.history()) == 1


def _hijack_row() -> bytes:
    """The attack of issue 11: a Finance row created before MN-HOME-000001 (a Home file)."""
    return csv_text(
        [
            ev(
                "created",
                "",
                "mn.fin.da1",
                "",
                "Assistant",
                "2023-12-01 10:00",
                file_id="MN-HOME-000001",
            )
        ]
    ).encode()


def test_upload_page_refuses_another_departments_file_naming_it(nodal_app: AppTest, store_url: str):
    at = run_page(nodal_app, "upload")
    _choose(at, "hijack.csv", _hijack_row(), "text/csv")
    assert any(
        fmt.plain("file MN-HOME-000001") in e.value  # data in the message: shown as text
        and fmt.plain("Manipur / Home") in e.value
        and "Nothing can be committed" in e.value
        for e in at.error
    )
    assert "Already stored" not in metrics(at)
    assert not [b for b in at.button if b.label == "Commit to the store"]


@pytest.mark.parametrize(
    ("role", "state", "grant"),
    [
        ("viewer", "Assam", {}),
        ("viewer", "Manipur", {"department": "Finance"}),
        ("national_viewer", None, {}),
        ("admin", None, {}),
        (None, None, {}),
    ],
)
def test_only_uploaders_get_a_preview(app: AppTest, store_url: str, role, state, grant):
    """Stored rows of Assam, uploaded by a viewer, tell nothing about what the store holds."""
    signed_in_as(app, store_url, "reader@gov.in", role, state, **grant)
    at = run_page(app, "upload")
    with open_store(store_url) as store:
        stored = store.load_events(states=["Assam"]).head(3)
    header = ("state", "department", "file_id", "action", "from_user", "to_user", "timestamp")
    text = stored[list(header)].astype(str).to_csv(index=False).encode()
    _choose(at, "probe.csv", text, "text/csv")
    assert any("Only a nodal officer" in e.value for e in at.error)
    assert metrics(at) == {}  # no validation, no comparison with the store
    assert not [b for b in at.button if b.label == "Commit to the store"]


def test_out_of_scope_rows_are_never_compared_with_the_store(nodal_app: AppTest, store_url):
    with open_store(store_url) as store:
        stored = store.load_events(states=["Assam"]).head(3)
    header = ("state", "department", "file_id", "action", "from_user", "to_user", "timestamp")
    text = stored[list(header)].astype(str).to_csv(index=False).encode()
    at = run_page(nodal_app, "upload")
    _choose(at, "probe.csv", text, "text/csv")
    assert any("lie outside your upload scope" in e.value for e in at.error)
    assert "Already stored" not in metrics(at)


def test_preview_keeps_no_events_or_bytes_in_session_state(nodal_app: AppTest):
    at = run_page(nodal_app, "upload")
    _choose(at, XLSX.name, XLSX.read_bytes(), XLSX_MIME, "Manipur", "Finance")
    [kept] = at.session_state["upload_previews"].values()
    assert not any(
        isinstance(v, bytes | pd.DataFrame) and len(v) > 1000 for v in vars(kept).values()
    )
    assert not hasattr(kept, "events")


def test_history_shows_the_officers_uploads_where_the_file_names_the_state(
    nodal_app: AppTest, store_url: str
):
    text = csv_text([ev("created", "", "mn.fin.da1", "", "Assistant", "2024-03-01 10:00")])
    at = run_page(nodal_app, "upload")
    _choose(at, "named.csv", text.encode(), "text/csv")  # state and department in the file
    next(b for b in at.button if b.label == "Commit to the store").click().run()
    assert any("stored as upload 2" in s.value for s in at.success)
    history = next(f for f in frames(at) if "Upload" in f.columns)
    assert history["File"].tolist() == ["named.csv"]  # not the sample's all-states upload


# --- the upload flow (issue 12, item 10) -----------------------------------------------------


def _nodal(app: AppTest, url: str, email: str, *grants: tuple[str, str | None]) -> AppTest:
    """`app` signed in as a nodal officer holding one grant per (state, department)."""
    (state, department), *more = grants
    at = signed_in_as(app, url, email, "nodal_officer", state, department=department)
    with open_store(url) as store:
        for s, d in more:
            Accounts(store).users.grant(email, "nodal_officer", state=s, department=d, by="tests")
    return at


def _commit_button(at: AppTest) -> list:
    return [b for b in at.button if b.label == "Commit to the store"]


def _header_row(path: Path) -> list[str]:
    """The xlsx's header row as Excel shows it (openpyxl, not the project's reader)."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book.worksheets[0].iter_rows(min_row=1, max_row=10, values_only=True)
        return next([str(c) for c in row] for row in rows if row[0] == "Sl. No.")
    finally:
        book.close()


def test_the_xlsx_has_neither_state_nor_department_column():
    header = _header_row(XLSX)
    assert not {"State", "Department"} & set(header)
    assert "Sent On" in header


@pytest.mark.parametrize(
    ("grants", "prefilled", "asked"),
    [
        # one grant of a department: state and department filled, nothing to ask
        ([("Manipur", "Finance")], ("Manipur", "Finance"), []),
        # one grant of a whole state: the state filled, the department asked for
        ([("Manipur", None)], ("Manipur", ""), ["Department"]),
        # two departments of one state: the state filled, the department asked for
        ([("Manipur", "Finance"), ("Manipur", "Health")], ("Manipur", ""), ["Department"]),
        # two states: nothing filled, both asked for
        ([("Manipur", "Finance"), ("Assam", "Finance")], (None, ""), ["State", "Department"]),
    ],
)
def test_upload_asks_for_a_missing_state_or_department_before_validating(
    app: AppTest, store_url: str, grants, prefilled, asked
):
    at = run_page(_nodal(app, store_url, "officer@gov.in", *grants), "upload")
    assert at.selectbox(key="upload_state").value == prefilled[0]
    assert at.text_input(key="upload_department").value == prefilled[1]
    _choose(at, XLSX.name, XLSX.read_bytes(), XLSX_MIME)
    if asked:
        ask = [w.value for w in at.warning if "has no" in w.value]
        assert len(ask) == 1, [w.value for w in at.warning]
        assert all(f"**{word}**" in ask[0] for word in asked)
        assert "Rows rejected" not in metrics(at)  # nothing validated, nothing rejected
        assert not _commit_button(at)
        at.selectbox(key="upload_state").set_value("Manipur")
        at.text_input(key="upload_department").set_value("Finance").run()
    want = read_logs([XLSX], state="Manipur", department="Finance").report
    assert want.rows_rejected == 0
    assert metrics(at)["Rows rejected"] == "0"
    assert metrics(at)["Rows accepted"] == fmt.indian(want.rows_accepted)
    assert not [w for w in at.warning if "has no" in w.value]
    assert _commit_button(at)


def test_a_file_with_a_state_column_asks_only_for_the_department(app: AppTest, store_url: str):
    at = run_page(
        _nodal(app, store_url, "officer@gov.in", ("Manipur", "Finance"), ("Assam", "Finance")),
        "upload",
    )
    header = tuple(c for c in HEADER if c != "department")
    rows = [ev("created", "", "A", "", "Assistant", "2024-03-01 10:00", state="Manipur")]
    _choose(at, "no_department.csv", csv_text(rows, header).encode(), "text/csv")
    ask = next(w.value for w in at.warning if "has no" in w.value)
    assert "**Department**" in ask
    assert "**State**" not in ask
    at.text_input(key="upload_department").set_value("Finance").run()
    assert metrics(at)["Rows accepted"] == "1"


def test_after_a_commit_the_preview_and_its_button_are_gone(nodal_app: AppTest, store_url: str):
    at = run_page(nodal_app, "upload")
    _choose(at, XLSX.name, XLSX.read_bytes(), XLSX_MIME)  # state, department from the grant
    _commit_button(at)[0].click().run()
    assert not at.exception
    assert any("stored as upload 2" in s.value for s in at.success)
    assert not _commit_button(at)
    assert not [h for h in at.header if h.value.startswith("Validation of")]
    assert "Rows read" not in metrics(at)
    assert not at.file_uploader  # the committed file is not offered again
    again = next(b for b in at.button if b.label == "Load another extract")
    again.click().run()
    assert not at.exception
    assert not at.success
    assert at.file_uploader[0].value is None
    assert not _commit_button(at)
    assert at.selectbox(key="upload_state").value == "Manipur"
    with open_store(store_url) as store:
        assert len(store.uploads.history()) == 2


def _xlsx_with_bad_rows(tmp_path: Path) -> tuple[Path, list[int]]:
    """The e-Office xlsx with a blank and an unreadable `Sent On` and a blank `Sent By` on a
    movement; returns the file and the spreadsheet lines spoiled."""
    book = openpyxl.load_workbook(XLSX)
    sheet = book.worksheets[0]
    header = _header_row(XLSX)
    at = {name: header.index(name) + 1 for name in ("Sent On", "Sent By", "Action")}
    sheet.cell(row=9, column=at["Sent On"]).value = None
    sheet.cell(row=10, column=at["Sent On"]).value = "31/02/2025 10:00"
    assert sheet.cell(row=8, column=at["Action"]).value == "Marked"
    sheet.cell(row=8, column=at["Sent By"]).value = None
    path = tmp_path / "spoiled.xlsx"
    book.save(path)
    return path, [8, 9, 10]


def test_rejected_rows_are_named_by_the_files_own_headers(nodal_app: AppTest, tmp_path: Path):
    path, lines = _xlsx_with_bad_rows(tmp_path)
    at = run_page(nodal_app, "upload")
    _choose(at, path.name, path.read_bytes(), XLSX_MIME)
    assert metrics(at)["Rows rejected"] == "3"
    rejected = frames(at)[0]
    assert rejected["Line"].tolist() == lines
    assert rejected["Column"].tolist() == ["Sent By", "Sent On", "Sent On"]
    reasons = rejected["Reason"].tolist()
    assert reasons[0] == "Sent By is blank; a 'moved' event needs it"
    assert reasons[1] == "Sent On is blank"
    assert reasons[2] == "'31/02/2025 10:00' is not a readable date and time"
    # validation.json keeps the canonical column and carries the file's header beside it
    report = read_logs([path], state="Manipur", department="Finance").report
    assert [(r["column"], r["header"]) for r in report.rejected] == [
        ("from_user", "Sent By"),
        ("timestamp", "Sent On"),
        ("timestamp", "Sent On"),
    ]


def test_the_upload_widget_offers_only_what_the_reader_reads(nodal_app: AppTest):
    at = run_page(nodal_app, "upload")
    assert sorted(at.file_uploader[0].allowed_type) == [".csv", ".xlsx"]
    old_workbook = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512  # an OLE2 .xls header
    with pytest.raises(UnusableInputError, match="xls"):
        read_logs([("old.xls", old_workbook)])


def test_in_hindi_the_rejected_rows_reasons_come_from_the_rules_codes(nodal_app: AppTest):
    """The preview's reasons in Hindi: each rejected issue's code (`analytics.log.rules`)
    picks its template, translated, then filled in with the issue's own values."""
    text = csv_text(
        [
            ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),
            ev("moved", "A", "B", "Assistant", "Section Officer", "not a date"),
            ev("jumped", "B", "C", "Section Officer", "Under Secretary", "2024-03-03 10:00"),
        ]
    ).encode()
    nodal_app.query_params["lang"] = "hi"
    nodal_app.run()  # (AppTest settles a URL-bound widget on its second run)
    at = run_page(nodal_app, "upload")
    _choose(at, "bad_rows.csv", text, "text/csv")
    rejected = frames(at)[0]
    assert rejected["पंक्ति"].tolist() == [3, 4]
    reasons = [
        "'not a date' पढ़ने योग्य दिनांक और समय नहीं है",
        (
            "'jumped' कोई ज्ञात कार्रवाई नहीं है (created, moved, parked, closed, reopened या "
            "इनमें से किसी का उपनाम)"
        ),
    ]
    assert rejected["कारण"].tolist() == reasons
    # committed: the outcome, the history's status and the stored rows' reasons in Hindi too
    next(b for b in at.button if b.label == "भंडार में सहेजें").click().run()
    assert not at.exception
    assert any(
        "अपलोड 2 के रूप में सहेजा गया: 3 पंक्तियाँ पढ़ी गईं, 1 स्वीकृत, 2 अस्वीकृत"
        in m.value.replace("\\", "")  # (markdown's escapes)
        for m in at.success
    )
    history = next(f for f in frames(at) if "स्थिति" in f.columns)
    assert history["स्थिति"].tolist()[0] == "सहेजा गया"  # the newest upload first
    at.selectbox(key="history_rejects").set_value(2).run()
    stored = frames(at)[-1]  # read back from the store, which keeps the English reason
    assert list(stored.columns) == ["फ़ाइल", "पंक्ति", "स्तंभ", "कारण"]
    assert stored["कारण"].tolist() == reasons


def test_in_hindi_an_unusable_files_reason_is_translated_live_and_in_the_history(
    nodal_app: AppTest, store_url: str
):
    """A file missing a required column, in Hindi: the preview's refusal and the history's
    stored message (kept in English by the store) both give the reason from its code
    (`formats.UNUSABLE`), translated and filled in; the file's own words stay as they are."""
    data = b"state,department,file_id,action,from_user,timestamp\nManipur,Finance,1,created,,2024\n"
    with open_store(store_url) as store, pytest.raises(UnusableInputError):
        store.uploads.ingest([("nocol.csv", data)], state="Manipur", department="Finance", by=NODAL)
    reason = "आवश्यक स्तंभ to_user नहीं है (खोजे गए शीर्षक: to_user, sent to, receiver, to, marked to)"
    nodal_app.query_params["lang"] = "hi"
    nodal_app.run()  # (AppTest settles a URL-bound widget on its second run)
    at = run_page(nodal_app, "upload")
    history = next(f for f in frames(at) if "स्थिति" in f.columns)
    assert history["संदेश"].tolist()[0] == f"nocol.csv: {reason}"
    assert history["स्थिति"].tolist()[0] == "अनुपयोगी"
    _choose(at, "nocol.csv", data, "text/csv")
    shown = [e.value.replace("\\", "") for e in at.error]
    assert any(f"nocol.csv लोड नहीं हो सकती:** {reason}।" in e for e in shown), shown
