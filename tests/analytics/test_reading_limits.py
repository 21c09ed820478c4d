"""Reading rules that guard uploads: future timestamps, control characters, stray
Windows-1252 bytes, ambiguous headers, size limits, and the linear chain order."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import UTC, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analytics.log.formats import UnusableInputError, UploadLimits
from analytics.log.ordering import _chain
from analytics.log.reading import read_logs
from tests.conftest import csv_text, ev

READ_AT = datetime(2024, 3, 10, 4, 30, tzinfo=UTC)  # 10:00 IST


def _csv(rows: list[dict[str, str]]) -> tuple[str, bytes]:
    return "x.csv", csv_text(rows).encode("utf-8")


@pytest.mark.parametrize(
    ("stamp", "rejected"),
    [
        ("2024-03-10 10:15", False),  # exactly the drift: accepted
        ("2024-03-10 10:15:01", True),
        ("2024-03-10T04:45:01Z", True),  # the same moment plus a second, in UTC
        ("2024-03-10T04:45:00Z", False),
        ("11/03/2024 09:00", True),  # day-first form
        ("31-Dec-2099", True),  # a date alone
        ("2024-03-09", False),
    ],
)
def test_future_timestamps_are_rejected_naming_the_line(stamp: str, rejected: bool) -> None:
    rows = [
        ev("created", "", "A", "", "", "2024-03-01 10:00"),
        ev("moved", "A", "B", "", "", stamp),
    ]
    result = read_logs([_csv(rows)], read_at=READ_AT)
    assert result.report.rows_rejected == int(rejected)
    if rejected:
        entry = result.report.rejected[0]
        assert entry["line"] == 3
        assert entry["column"] == "timestamp"
        assert entry["reason"].startswith("timestamp is in the future")
        assert stamp in entry["reason"]
        assert "10-Mar-2024 10:00 IST" in entry["reason"]


def test_future_rows_are_rejected_by_default_against_now() -> None:
    rows = [ev("created", "", "A", "", "", "2099-12-31 10:00")]
    result = read_logs([_csv(rows)])
    assert result.report.rows_rejected == 1
    assert result.report.rejected[0]["reason"].startswith("timestamp is in the future")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f"])
@pytest.mark.parametrize("column", ["file_id", "to_user", "remarks", "to_designation"])
def test_control_characters_reject_the_row(char: str, column: str) -> None:
    """Even after the first 64 KB (where the binary-file check looks), row by row."""
    filler = [ev("moved", "A", "B", "", "", "2024-03-02 10:00", remarks="x" * 200)] * 400
    bad = ev("created", "", "A", "", "", "2024-03-01 10:00", file_id="F2")
    bad[column] = f"bad{char}value"
    text = csv_text(
        [*filler, bad],
        header=(
            "state",
            "department",
            "file_id",
            "action",
            "from_user",
            "to_user",
            "to_designation",
            "timestamp",
            "remarks",
        ),
    )
    data = text.encode("utf-8")
    assert data.index(char.encode()) > 65536
    result = read_logs([("x.csv", data)], read_at=READ_AT)
    assert result.report.rows_rejected == 1
    entry = result.report.rejected[0]
    assert entry["line"] == 402
    assert entry["column"] == column
    assert "control character" in entry["reason"]
    assert char not in entry["reason"]  # shown escaped, e.g. \x00
    assert f"\\x{ord(char):02x}" in entry["reason"]
    raw = result.rejected_rows.iloc[0]["raw"]
    assert all(char not in v for v in raw.values())
    assert result.report.rows_accepted == 400


def test_tab_and_line_breaks_inside_quoted_cells_are_kept() -> None:
    text = (
        "state,department,file_id,action,from_user,to_user,timestamp,remarks\n"
        'Manipur,Finance,F1,created,,A,2024-03-01 10:00,"two\r\nlines\tand a tab"\n'
    )
    result = read_logs([("x.csv", text.encode())], read_at=READ_AT)
    assert result.report.rows_rejected == 0
    assert result.events["remarks"].iloc[0] == "two\r\nlines\tand a tab"


def test_mostly_utf8_with_one_windows_1252_byte_rejects_that_row_only() -> None:
    good = "José Müller नाम"
    head = "state,department,file_id,action,from_user,to_user,timestamp\n"
    data = (
        head.encode()
        + f"Manipur,Finance,F1,created,,{good},2024-03-01 10:00\n".encode()
        + f"Manipur,Finance,F1,moved,{good},Ren".encode()
        + b"\xe9,2024-03-02 10:00\n"
        + f"Manipur,Finance,F1,moved,Rene,{good},2024-03-03 10:00\n".encode()
    )
    assert b"Ren\xe9," in data  # one Windows-1252 byte in a UTF-8 file
    result = read_logs([("mixed.csv", data)], read_at=READ_AT)
    assert result.report.rows_accepted == 2
    assert set(result.events["to_user"].astype(str)) == {good}  # not mojibake
    [entry] = result.report.rejected
    assert entry["line"] == 3
    assert entry["column"] == "to_user"
    assert "not UTF-8" in entry["reason"]


def test_a_wholly_windows_1252_file_is_still_read_as_such() -> None:
    text = (
        "state,department,file_id,action,from_user,to_user,timestamp\n"
        "Manipur,Finance,F1,created,,José,2024-03-01 10:00\n"
    )
    result = read_logs([("win.csv", text.encode("cp1252"))], read_at=READ_AT)
    assert result.report.rows_rejected == 0
    assert result.events["to_user"].iloc[0] == "José"


@pytest.mark.parametrize(
    ("first", "second", "canonical"),
    [
        ("state", "State", "state"),
        ("to_user", "marked to", "to_user"),
        ("Sent To", "Receiver", "to_user"),
        ("file type", "type", "file_type"),
        ("remarks", "Remarks", "remarks"),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_two_columns_naming_one_field_are_refused(first, second, canonical, kind) -> None:
    header = ["state", "department", "file_id", "action", "from_user", "to_user", "timestamp"]
    header = [h for h in header if h not in (first, canonical)] + [first, second]
    row = {h: "x" for h in header} | {"action": "created", "timestamp": "2024-03-01 10:00"}
    if kind == "csv":
        data = (",".join(header) + "\n" + ",".join(row[h] for h in header) + "\n").encode()
    else:
        book = openpyxl.Workbook()
        book.active.append(header)
        book.active.append([row[h] for h in header])
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    with pytest.raises(UnusableInputError) as info:
        read_logs([(f"dup.{kind}", data)], read_at=READ_AT)
    assert f"'{first}'" in info.value.reason
    assert f"'{second}'" in info.value.reason
    assert "ambiguous" in info.value.reason


def test_row_and_byte_limits_refuse_naming_the_limit(tmp_path) -> None:
    rows = [ev("moved", "A", "B", "", "", f"2024-03-02 10:{m:02d}") for m in range(10)]
    source = _csv(rows)
    assert read_logs([source], limits=UploadLimits(max_rows=10)).report.rows_read == 10
    with pytest.raises(UnusableInputError, match=r"more than 9 data rows.*EOFFICE_UPLOAD_MAX_ROWS"):
        read_logs([source], limits=UploadLimits(max_rows=9))
    size = len(source[1])
    path = tmp_path / "x.csv"
    path.write_bytes(source[1])
    for given in (source, path):
        assert read_logs([given], limits=UploadLimits(max_bytes=size)).report.rows_read == 10
        with pytest.raises(UnusableInputError, match=f"larger than {size - 1:,} bytes.*MAX_BYTES"):
            read_logs([given], limits=UploadLimits(max_bytes=size - 1))


def test_limits_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("EOFFICE_UPLOAD_MAX_ROWS", "1,000")
    monkeypatch.setenv("EOFFICE_UPLOAD_MAX_BYTES", "5000")
    monkeypatch.setenv("EOFFICE_UPLOAD_MAX_XLSX_EXPANDED", "70_000")
    assert UploadLimits.from_env() == UploadLimits(1000, 5000, 70_000)
    monkeypatch.delenv("EOFFICE_UPLOAD_MAX_ROWS")
    assert UploadLimits.from_env().max_rows == UploadLimits().max_rows


def test_an_xlsx_that_expands_beyond_the_limit_is_refused_before_parsing() -> None:
    """A zip bomb: a few KB of workbook whose sheet unzips to megabytes."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["state", "department", "file_id", "action", "from_user", "to_user", "timestamp", "remarks"]
    )
    for i in range(2000):
        sheet.append(
            ["Manipur", "Finance", f"F{i}", "created", "", "A", "2024-03-01 10:00", "a" * 2000]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        expanded = sum(i.file_size for i in archive.infolist())
    assert expanded > 4_000_000 > 20 * len(data)
    with pytest.raises(UnusableInputError, match=f"expands to {expanded:,} bytes"):
        read_logs([("bomb.xlsx", data)], limits=UploadLimits(max_expanded=expanded - 1))
    ok = read_logs([("bomb.xlsx", data)], limits=UploadLimits(max_expanded=expanded))
    assert ok.report.rows_read == 2000


def _chain_by_the_letter(rows: list[int], holder: int, frm, to) -> list[int]:
    """log-format.md's rule, word for word (quadratic): the reference."""
    left, out = list(rows), []
    while left:
        pick = next((r for r in left if frm[r] == holder), left[0])
        left.remove(pick)
        out.append(pick)
        holder = to[pick]
    return out


@pytest.mark.parametrize("seed", range(40))
def test_linear_chain_order_equals_the_rule(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 60)
    people = rng.randint(1, 6)
    frm = np.array([rng.randrange(-1, people) for _ in range(n)])
    to = np.array([rng.randrange(-1, people) for _ in range(n)])
    rows = np.array(rng.sample(range(n), n))
    holder = rng.randrange(-1, people)
    assert _chain(rows, holder, frm, to) == _chain_by_the_letter(list(rows), holder, frm, to)


def test_many_tied_rows_order_along_the_chain() -> None:
    """5,000 movements at one moment, listed backwards, come out as the chain U0→…→U5000."""
    n = 5000
    rows = [ev("created", "", "U0", "", "", "2024-03-01 10:00")] + [
        ev("moved", f"U{i}", f"U{i + 1}", "", "", "2024-03-05 10:00") for i in reversed(range(n))
    ]
    events = read_logs([_csv(rows)], read_at=READ_AT).events
    assert events["to_user"].astype(str).tolist() == [f"U{i}" for i in range(n + 1)]
    assert pd.Series(events["seq"]).tolist() == list(range(n + 1))


def test_reading_past_the_time_limit_is_refused_naming_the_limit(monkeypatch) -> None:
    rows = [ev("moved", "A", "B", "", "", f"2024-03-02 10:{m:02d}") for m in range(10)]
    source = _csv(rows)
    with pytest.raises(
        UnusableInputError, match=r"longer than the 0 s an upload may take.*MAX_SECONDS"
    ) as info:
        read_logs([source], limits=UploadLimits(max_seconds=0))
    assert "by the end of parsing" in info.value.reason
    assert read_logs([source], limits=UploadLimits(max_seconds=60)).report.rows_read == 10
    monkeypatch.setenv("EOFFICE_UPLOAD_MAX_SECONDS", "90")
    assert UploadLimits.from_env().max_seconds == 90
