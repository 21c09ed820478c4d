"""Validation rules as coded issues (analytics.log.rules): for each rule a hand-made bad row
gives the expected code, column and params, its English reason is the one written here by
hand, and every code of MESSAGES is produced by some row below."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from analytics.log.formats import UNUSABLE
from analytics.log.reading import ReadResult, read_logs
from analytics.log.rules import MESSAGES, coded, message

ROW_MESSAGES = {c: t for c, t in MESSAGES.items() if c not in UNUSABLE}
"""The rows' reasons (MESSAGES also holds a whole file's, `UNUSABLE`: test_reading.py)."""
READ_AT = datetime(2024, 3, 10, 4, 30, tzinfo=UTC)  # 10-Mar-2024 10:00 IST
HEADER = (
    "State,Department,Computer No.,File Type,Action,Sent By,Sent To,Sent On,Received On,Remarks"
)
GOOD = "Manipur,Finance,F1,,Created,,A,2024-03-01 10:00,,"
"""A row every rule accepts (line 2); each case's row is line 3."""


@dataclass(frozen=True)
class Case:
    row: str
    code: str
    column: str
    params: dict
    reason: str
    warning: bool = False


CASES = [
    Case(
        "Manipur,Finance,,,Moved,A,B,2024-03-02 10:00,,",
        "missing_value",
        "file_id",
        {"header": "Computer No."},
        "Computer No. is blank",
    ),
    Case(
        ",Finance,F1,,Moved,A,B,2024-03-02 10:00,,",
        "missing_given_once",
        "state",
        {"header": "State"},
        "State is blank (no such column, and none given for the upload)",
    ),
    Case(
        "Manipur,,F1,,Moved,A,B,2024-03-02 10:00,,",
        "missing_given_once",
        "department",
        {"header": "Department"},
        "Department is blank (no such column, and none given for the upload)",
    ),
    Case(
        "Manipur,Finance,F1,,,A,B,2024-03-02 10:00,,",
        "missing_value",
        "action",
        {"header": "Action"},
        "Action is blank",
    ),
    Case(
        "Manipur,Finance,F1,,Teleported,A,B,2024-03-02 10:00,,",
        "unknown_action",
        "action",
        {"value": "Teleported"},
        "'Teleported' is not a known action (created, moved, parked, closed, reopened or an "
        "alias of one)",
    ),
    Case(
        "Manipur,Finance,F1,,Moved,A,B,,,",
        "missing_value",
        "timestamp",
        {"header": "Sent On"},
        "Sent On is blank",
    ),
    Case(
        "Manipur,Finance,F1,,Moved,A,B,32/13/2024 10:00,,",
        "unreadable_timestamp",
        "timestamp",
        {"value": "32/13/2024 10:00"},
        "'32/13/2024 10:00' is not a readable date and time",
    ),
    Case(
        "Manipur,Finance,F1,,Moved,A,B,2024-03-10 10:16,,",
        "future_timestamp",
        "timestamp",
        {"value": "2024-03-10 10:16", "read_at": "10-Mar-2024 10:00", "minutes": 15},
        "timestamp is in the future: '2024-03-10 10:16' is after the moment the extract was "
        "read (10-Mar-2024 10:00 IST) plus 15 minutes of clock drift",
    ),
    Case(
        "Manipur,Finance,F1,,Moved,A,B,2024-03-02 10:00,,bell\x07",
        "control_character",
        "remarks",
        {"value": "bell\\x07"},
        "'bell\\x07' holds a control character, which no cell may",
    ),
    Case(
        "Manipur,Finance,F1,,Moved,A,B,2024-03-02 10:00,,caf\udce9",  # a lone cp1252 byte
        "not_utf8",
        "remarks",
        {"value": "caf\ufffd"},
        "'caf\ufffd' holds bytes that are not UTF-8 in a file that is otherwise UTF-8 (a "
        "Windows-1252 character?); save the file as UTF-8",
    ),
    Case(
        "Manipur,Finance,F1,,Moved,A,,2024-03-02 10:00,,",
        "missing_for_action",
        "to_user",
        {"header": "Sent To", "action": "moved"},
        "Sent To is blank; a 'moved' event needs it",
    ),
    Case(
        "Manipur,Finance,F1,,Closed,,,2024-03-02 10:00,,",
        "missing_for_action",
        "from_user",
        {"header": "Sent By", "action": "closed"},
        "Sent By is blank; a 'closed' event needs it",
    ),
    Case(
        "Manipur,Finance,F1,,Moved,A,B,2024-03-02 10:00,,,surplus",
        "too_many_values",
        "",
        {},
        "the row has more values than the header has columns",
    ),
    Case(
        "Manipur,Finance,F1,,Moved,A,B,2024-03-02 10:00,soon,",
        "unreadable_received_at",
        "received_at",
        {"value": "soon"},
        "'soon' is not a readable date and time; left empty",
        warning=True,
    ),
    Case(
        "Manipur,Finance,F1,Scroll,Moved,A,B,2024-03-02 10:00,,",
        "unknown_file_type",
        "file_type",
        {"value": "Scroll"},
        "'Scroll' is not a known file type; counted as electronic",
        warning=True,
    ),
]


def read(row: str) -> ReadResult:
    # The second line holds a multi-byte character so the file is UTF-8 with stray bytes.
    text = "\n".join([HEADER, GOOD.replace(",,A,", ",,Ānand,"), row]) + "\n"
    data = text.encode("utf-8", errors="surrogateescape")
    return read_logs([("x.csv", data)], read_at=READ_AT)


def found(result: ReadResult) -> list[dict]:
    """Every coded issue of a read: rejected rows' and warnings'."""
    rejected = [i for issues in result.rejected_rows["issues"] for i in issues]
    return rejected + result.warning_issues


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.code}-{c.column}")
def test_each_rule_gives_its_code_column_and_params(case: Case) -> None:
    result = read(case.row)
    want = {"code": case.code, "column": case.column, "params": case.params}
    assert found(result) == [want]
    assert message(case.code, case.params) == case.reason
    if case.warning:
        assert result.rejected_rows.empty
        assert [(w["line"], w["reason"]) for w in result.report.warnings] == [(3, case.reason)]
    else:
        [rejected] = result.rejected_rows.to_dict("records")
        assert (rejected["line"], rejected["column"], rejected["reason"]) == (
            3,
            case.column,
            case.reason,
        )
        assert result.report.warnings == []


def test_a_row_with_several_issues_lists_them_in_rule_order() -> None:
    result = read("Manipur,Finance,,,Teleported,A,B,yesterday,,")
    [rejected] = result.rejected_rows.to_dict("records")
    assert [i["code"] for i in rejected["issues"]] == [
        "missing_value",
        "unknown_action",
        "unreadable_timestamp",
    ]
    assert rejected["column"] == "file_id, action, timestamp"
    assert rejected["reason"] == (
        "Computer No. is blank; 'Teleported' is not a known action (created, moved, parked, "
        "closed, reopened or an alias of one); 'yesterday' is not a readable date and time"
    )


def test_the_summary_line_is_the_read_summary_message() -> None:
    result = read("Manipur,Finance,F1,,Moved,A,,2024-03-02 10:00,,")
    assert result.report.counts() == {
        "rows_read": 2,
        "rows_accepted": 1,
        "rows_rejected": 1,
        "duplicates_dropped": 0,
    }
    assert result.report.summary_line() == (
        "read 2 rows: 1 accepted, 1 rejected, 0 duplicates dropped"
    )


def test_every_message_code_is_produced_and_every_produced_code_has_a_message() -> None:
    produced = {"read_summary"}  # the summary line, tested above
    for case in CASES:
        produced |= {i["code"] for i in found(read(case.row))}
    assert produced == set(MESSAGES) - set(UNUSABLE)  # a whole file's: test_reading.py


def test_a_stored_english_reason_reads_back_as_its_code_and_params():
    """A stored upload keeps each rejected row's English reason: `coded` gives back the code
    and params behind it (so the dashboard can show it in Hindi), for every row template."""
    values = {"header": "To designation", "action": "moved", "value": "31/02/2024 (x)",
              "read_at": "05-Mar-2024 10:00", "minutes": "15"}  # fmt: skip
    tried = 0
    for code, template in ROW_MESSAGES.items():
        if code == "read_summary":  # not a row's reason (its numbers carry a format)
            assert coded(template) is None
            continue
        params = {k: v for k, v in values.items() if "{" + k + "}" in template}
        assert coded(message(code, params)) == (code, params), code
        tried += 1
    assert tried == len(ROW_MESSAGES) - 1
    assert coded("To designation is blank; and something else") is None
