"""Reading rules of log-format.md: forms, aliases, timestamps, rejects, duplicates, bad files."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from analytics.log import rules
from analytics.log.formats import UNUSABLE, UnusableInputError
from analytics.log.reading import parse_timestamps, read_logs
from tests.conftest import WORKED_EXAMPLE, csv_text, ev

IST = "Asia/Kolkata"


def stamp(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=IST)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 14:07:00", "2024-03-05 14:07:00"),
        ("2024-03-05T14:07:00+05:30", "2024-03-05 14:07:00"),
        ("2024-03-05T08:37:00Z", "2024-03-05 14:07:00"),
        ("2024-03-05 14:07:00.250", "2024-03-05 14:07:00.250"),
        ("2024-03-05T14:07:00.5+00:00", "2024-03-05 19:37:00.5"),
        ("05/03/2024 14:07", "2024-03-05 14:07:00"),
        ("05-03-2024 02:07 PM", "2024-03-05 14:07:00"),
        ("05-Mar-2024 14:07", "2024-03-05 14:07:00"),
        ("05-mar-2024 02:07 pm", "2024-03-05 14:07:00"),
        ("2024-03-05", "2024-03-05 00:00:00"),
        ("05/03/2024", "2024-03-05 00:00:00"),
        ("05-Mar-2024", "2024-03-05 00:00:00"),
    ],
)
def test_timestamp_forms(text, expected):
    parsed = parse_timestamps(pd.Series([text], dtype="str"))
    assert parsed.iloc[0] == stamp(expected)


def test_unreadable_timestamps_are_nat():
    parsed = parse_timestamps(pd.Series(["yesterday", "31/02/2024 10:00", ""], dtype="str"))
    assert parsed.isna().all()


def test_aliases_any_order_extra_columns_and_given_state(tmp_path):
    text = (
        "Sl. No.,Sent On,Computer No.,Action,Sent By,Sent To,Receiver Designation,Remarks\n"
        "1,01/03/2024 10:00,C-1,Create,,A,Assistant,new file\n"
        "2,02-Mar-2024 10:00,C-1,Forwarded,A,B,Section Officer,\n"
        '3,02/03/2024 16:00,C-1,MARKED,B,C,Under Secretary,=HYPERLINK("x")\n'
    )
    path = tmp_path / "eoffice.csv"
    path.write_text(text)
    result = read_logs([path], state="Manipur", department="Finance")
    e = result.events
    assert result.report.rows_accepted == 3
    assert e["action"].tolist() == ["created", "moved", "moved"]
    assert e["state"].unique().tolist() == ["Manipur"]
    assert e["file_id"].unique().tolist() == ["C-1"]
    assert e["timestamp"].tolist() == [
        stamp("2024-03-01 10:00"),
        stamp("2024-03-02 10:00"),
        stamp("2024-03-02 16:00"),
    ]
    assert e["remarks"].iloc[2] == '=HYPERLINK("x")'  # kept as text, never evaluated
    assert e["line"].tolist() == [2, 3, 4]


def test_title_rows_semicolons_bom_and_cp1252(tmp_path):
    body = (
        "e-Office File Movement Report;;\n"
        "Department: Finance – Manipur;;\n"
        "\n"
        "state;department;file_id;action;from_user;to_user;timestamp;remarks\n"
        "Manipur;Finance;F1;created;;A;2024-03-01 10:00;Café ₹ note\n"
    )
    (tmp_path / "utf8.csv").write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    (tmp_path / "win.csv").write_bytes(body.replace("₹ ", "").encode("cp1252"))
    a = read_logs([tmp_path / "utf8.csv"]).events
    b = read_logs([tmp_path / "win.csv"]).events
    assert a["remarks"].iloc[0] == "Café ₹ note"
    assert b["remarks"].iloc[0] == "Café note"
    assert a["line"].tolist() == [5]  # title rows and the blank row count as spreadsheet rows


def test_tab_separated(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text(csv_text(WORKED_EXAMPLE).replace(",", "\t"))
    assert read_logs([path]).report.rows_accepted == 5


def test_bad_rows_rejected_with_line_column_reason_and_good_rows_kept(write_log):
    rows = [
        ev("created", "", "A", "", "Assistant", "2024-03-01 10:00"),  # line 2
        ev("moved", "A", "", "", "", "2024-03-02 10:00"),  # 3: no to_user
        ev("teleported", "A", "B", "", "", "2024-03-02 10:00"),  # 4
        ev("moved", "A", "B", "", "", "32/13/2024 10:00"),  # 5
        ev("closed", "", "", "", "", "2024-03-03 10:00"),  # 6: no from_user
        ev("moved", "A", "B", "", "", "2024-03-04 10:00", file_id=""),  # 7
        ev("moved", "A", "B", "", "", "2024-03-04 11:00", received_at="soon"),  # 8: warning
    ]
    result = read_logs([write_log(rows, name="x.csv")])
    r = result.report
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (7, 2, 5)
    got = [(x["line"], x["column"]) for x in r.rejected]
    assert got == [
        (3, "to_user"),
        (4, "action"),
        (5, "timestamp"),
        (6, "from_user"),
        (7, "file_id"),
    ]
    assert "a 'moved' event needs it" in r.rejected[0]["reason"]
    assert "'teleported' is not a known action" in r.rejected[1]["reason"]
    assert "'32/13/2024 10:00' is not a readable date" in r.rejected[2]["reason"]
    assert all(x["file"] == "x.csv" for x in r.rejected)
    assert r.warnings == [
        {
            "line": 8,
            "column": "received_at",
            "header": "received_at",
            "reason": "'soon' is not a readable date and time; left empty",
            "file": "x.csv",
        }
    ]
    assert result.events["line"].tolist() == [2, 8]
    assert pd.isna(result.events["received_at"].iloc[1])
    assert result.rejected_rows["line"].tolist() == [3, 4, 5, 6, 7]
    assert result.rejected_rows["raw"].iloc[1]["action"] == "teleported"


def test_blank_state_without_given_value_is_rejected(write_log):
    result = read_logs([write_log([ev("created", "", "A", "", "", "2024-03-01", state="")])])
    assert result.report.rejected[0]["column"] == "state"
    assert "none given for the upload" in result.report.rejected[0]["reason"]


def test_duplicates_dropped_including_offset_forms(write_log):
    rows = [
        ev("created", "", "A", "", "", "2024-03-01 10:00:00"),
        ev("created", "", "A", "", "", "2024-03-01T10:00:00+05:30"),
        ev("created", "", "A ", "", "", "2024-03-01T04:30:00Z"),
        ev("created", "", "A", "", "", "2024-03-01 10:00:01"),
    ]
    result = read_logs([write_log(rows, name="a.csv"), write_log(rows[:1], name="b.csv")])
    assert result.report.duplicates_dropped == 3
    assert len(result.events) == 2
    assert result.events["line"].tolist() == [2, 5]  # the first one read is kept
    assert result.events["source"].tolist() == ["a.csv", "a.csv"]


def test_file_type_aliases_and_unknown_warned(write_log):
    rows = [
        ev("created", "", "A", "", "", "2024-03-01", file_id=f"F{i}", file_type=t)
        for i, t in enumerate(["E", "efile", "Physical File", "p", "", "paper"])
    ]
    result = read_logs([write_log(rows)])
    assert result.events["file_type"].tolist() == [
        "electronic",
        "electronic",
        "physical",
        "physical",
        "electronic",
        "electronic",
    ]
    assert [w["line"] for w in result.report.warnings] == [7]


def _xlsx(rows: list[list[object]], truncate: bool = False) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    return data[: len(data) // 2] if truncate else data


def test_excel_with_title_rows_date_cells_and_text_dates():
    data = _xlsx(
        [
            ["e-Office File Movement Report"],
            ["Generated on 10-Mar-2024"],
            [],
            ["Computer No.", "Action", "Sent By", "Sent To", "Sent On", "Receiver Designation"],
            [101, "Create", None, "A", datetime(2024, 3, 1, 10, 0), "Assistant"],
            [101, "Forwarded", "A", "B", "02-Mar-2024 10:00", "Section Officer"],
        ]
    )
    result = read_logs([("upload.xlsx", data)], state="Manipur", department="Finance")
    e = result.events
    assert e["file_id"].tolist() == ["101", "101"]
    assert e["timestamp"].tolist() == [stamp("2024-03-01 10:00"), stamp("2024-03-02 10:00")]
    assert e["line"].tolist() == [5, 6]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return buffer.getvalue()


UNUSABLE_CASES = {
    "empty_file": ("empty.csv", b"", {}),
    "no_rows": ("header.csv", b"file_id,action,from_user,to_user,timestamp\n", {}),
    "not_tabular": ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), {}),
    "not_text": ("blob.csv", bytes(range(256)) * 4, {}),
    "old_xls": ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), {}),
    "zip_not_workbook": ("notes.xlsx", _zip({"notes.txt": b"hello"}), {}),
    # a stored member whose bytes no longer match its CRC: the second part is corrupt
    "workbook_corrupt": (
        "bad.xlsx",
        _zip({"xl/workbook.xml": b"<workbook/>", "xl/sheet.xml": b"abcdef"}).replace(
            b"abcdef", b"abcdeX"
        ),
        {"part": "xl/sheet.xml"},
    ),
    "workbook_damaged": ("cut.xlsx", _xlsx([["file_id"], [1]], truncate=True), None),
    "sheet_empty": ("blank.xlsx", _xlsx([]), {}),
    "no_header": ("plain.csv", b"a,b,c\n1,2,3\n", None),
    "ambiguous_columns": (
        "twice.csv",
        b"file_id,Computer No.,action,from_user,to_user,timestamp\n1,1,created,,A,2024-03-01\n",
        {"first": "file_id", "second": "Computer No.", "column": "file_id"},
    ),
    "missing_column": (
        "nocol.csv",
        b"state,department,file_id,action,from_user,timestamp\nM,F,1,created,,2024-03-01\n",
        {"column": "to_user", "aliases": "to_user, sent to, receiver, to, marked to"},
    ),
    "missing_columns": (
        "two.csv",
        b"state,department,file_id,action,timestamp\nM,F,1,created,2024-03-01\n",
        {
            "columns": "from_user, to_user",
            "aliases": (
                "from_user: from_user, sent by, sender, from; "
                "to_user: to_user, sent to, receiver, to, marked to"
            ),
        },
    ),
}
"""Each coded reason a whole file is unusable for (`formats.UNUSABLE`), made by a real file:
its name, bytes and the params worked out by hand (None: the params hold a library's or the
header search's own words, checked through the round trip only)."""


def test_every_unusable_code_has_a_case():
    assert set(UNUSABLE_CASES) | {"missing_given", "cannot_read"} == set(UNUSABLE)


@pytest.mark.parametrize("code", list(UNUSABLE_CASES))
def test_unusable_files_name_the_file_and_a_coded_reason(code):
    """Read beside a good file: the file named, the reason's code and params, its text the
    template filled in, and that text read back (as a stored upload's message is) to the
    same code and params."""
    name, data, params = UNUSABLE_CASES[code]
    with pytest.raises(UnusableInputError) as info:
        read_logs([("good.csv", csv_text(WORKED_EXAMPLE).encode()), (name, data)])
    error = info.value
    assert (error.file, error.code) == (name, code)
    if params is not None:
        assert error.params == params
    assert error.reason == UNUSABLE[code].format(**error.params)
    assert rules.coded(error.reason) == (code, error.params)


def test_an_unreadable_path_is_unusable_with_its_reason(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(UnusableInputError) as info:
        read_logs([missing])
    assert (info.value.file, info.value.code) == (str(missing), "cannot_read")
    assert info.value.reason == "cannot be read (No such file or directory)"
    assert rules.coded(info.value.reason) == ("cannot_read", {"error": "No such file or directory"})


def test_blank_lines_between_rows_keep_spreadsheet_line_numbers(tmp_path):
    body = (
        "state,department,file_id,action,from_user,to_user,timestamp\n"  # line 1
        "Manipur,Finance,F1,created,,A,2024-03-01 10:00:00\n"  # line 2
        "\n"  # line 3
        "\r\n"  # line 4
        "Manipur,Finance,F1,moved,A,B,2024-03-02 10:00:00\n"  # line 5
        ",,,,,,\n"  # line 6: every cell empty, not a row
        "Manipur,Finance,F1,moved,B,,2024-03-03 10:00:00\n"  # line 7: to_user blank
        "\n\n"  # lines 8 and 9
    )
    (tmp_path / "gaps.csv").write_text(body, encoding="utf-8")
    result = read_logs([tmp_path / "gaps.csv"])
    assert result.events["line"].tolist() == [2, 5]
    assert [(r["line"], r["column"]) for r in result.report.rejected] == [(7, "to_user")]
    assert result.report.rows_read == 3
