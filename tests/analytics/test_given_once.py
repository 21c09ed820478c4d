"""An extract with no state (or department) column and no value given for the upload is
unusable: refused whole, naming the column and the option, nothing written or stored (issue
12, item 5)."""

from __future__ import annotations

import pytest

from analytics.cli.main import main
from analytics.log.formats import UnusableInputError
from analytics.log.reading import read_logs
from analytics.store.store import open_store
from tests.conftest import WORKED_EXAMPLE, csv_text

NO_STATE = ("department", "file_id", "action", "from_user", "to_user", "timestamp")
NO_DEPARTMENT = ("state", "file_id", "action", "from_user", "to_user", "timestamp")
NEITHER = ("file_id", "action", "from_user", "to_user", "timestamp")
CASES = [
    # header, options given, the column refused
    (NO_STATE, [], "state"),
    (NO_STATE, ["--department", "Finance"], "state"),
    (NO_DEPARTMENT, [], "department"),
    (NO_DEPARTMENT, ["--state", "Manipur"], "department"),
    (NEITHER, [], "state"),
    (NEITHER, ["--state", "Manipur"], "department"),
    (NEITHER, ["--department", "Finance"], "state"),
]


def extract(tmp_path, header):
    path = tmp_path / "extract.csv"
    path.write_text(csv_text(WORKED_EXAMPLE, header=header), encoding="utf-8")
    return path


def options(given):
    pairs = dict(zip(given[::2], given[1::2], strict=True))
    return {"state": pairs.get("--state"), "department": pairs.get("--department")}


@pytest.mark.parametrize(("header", "given", "column"), CASES)
def test_reading_refuses_it(tmp_path, header, given, column):
    with pytest.raises(UnusableInputError) as caught:
        read_logs([extract(tmp_path, header)], **options(given))
    assert caught.value.file == "extract.csv"
    assert f"missing required column {column}" in caught.value.reason
    assert f"--{column}" in caught.value.reason
    assert "choose it in the upload form" in caught.value.reason
    assert (caught.value.code, caught.value.params["column"]) == ("missing_given", column)


@pytest.mark.parametrize(("header", "given", "column"), CASES)
def test_report_refuses_it_and_writes_nothing(tmp_path, capsys, header, given, column):
    out = tmp_path / "out"
    assert main(["report", str(extract(tmp_path, header)), *given, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: extract.csv: missing required column " + column)
    assert f"--{column}" in err
    assert not out.exists()


@pytest.mark.parametrize(("header", "given", "column"), CASES)
def test_ingest_refuses_it_and_stores_no_event(store_url, tmp_path, capsys, header, given, column):
    code = main(["ingest", str(extract(tmp_path, header)), *given, "--db", store_url])
    assert code == 1
    assert f"missing required column {column}" in capsys.readouterr().err
    with open_store(store_url) as store:
        assert store.counts()["events"] == 0
        uploads = store.uploads.history()
        assert uploads["status"].tolist() == ["unusable"]  # the refused attempt, on record
        assert uploads["events_new"].tolist() == [0]


def test_both_given_is_usable(tmp_path):
    read = read_logs([extract(tmp_path, NEITHER)], state="Manipur", department="Finance")
    assert read.report.rows_accepted == len(WORKED_EXAMPLE)
    assert set(read.events["state"]) == {"Manipur"}


def test_a_column_present_but_blank_still_rejects_rows_alone(write_log):
    rows = [dict(r) for r in WORKED_EXAMPLE]
    rows[1]["state"] = " "
    read = read_logs([write_log(rows)])
    assert read.report.rows_rejected == 1
    assert read.report.rejected[0]["column"] == "state"
