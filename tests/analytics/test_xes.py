"""XES out and in (analytics/outputs/xes.py, analytics/log/xes.py): read back by PM4Py (a test extra), imported again by
`report` with the same five tables, other keys through a mapping file, bad XES refused."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pandas as pd
import pytest

from analytics.cli.main import main
from analytics.figures.metrics import file_departments, map_levels
from analytics.log import xes as xes_in
from analytics.log.formats import UnusableInputError
from analytics.log.hierarchy import LevelTable
from analytics.log.reading import read_logs
from analytics.outputs import xes
from analytics.schema import REPORT_COLUMNS
from tests.conftest import HEADER, WORKED_EXAMPLE

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "sample_events.csv"


def _export(events: pd.DataFrame, path: Path, **kw) -> int:
    events = map_levels(events, LevelTable.default())
    events["department"] = file_departments(events)
    return xes.write_xes(events, path, **kw)


@pytest.fixture(scope="module")
def sample_xes(tmp_path_factory):
    events = read_logs([SAMPLE]).events
    path = tmp_path_factory.mktemp("xes") / "sample.xes.gz"
    traces = _export(events, path)
    return events, path, traces


def test_pm4py_reads_the_same_traces_events_and_timestamps(sample_xes):
    import pm4py  # a test extra only (AGPL): never imported by the package

    events, path, traces = sample_xes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pm4py suggests an optional faster reader
        log = pm4py.read_xes(str(path), return_legacy_log_object=False)
    n_files = events.groupby(["state", "file_id"], observed=True).ngroups
    assert traces == n_files
    assert log["case:concept:name"].nunique() == n_files
    assert len(log) == len(events)
    want = pd.DataFrame(
        {
            "case": events["state"].astype(str) + "/" + events["file_id"].astype(str),
            "action": events["action"].astype(str),
            "when": events["timestamp"].dt.tz_convert("UTC"),
            "to_user": events["to_user"].astype(str),
        }
    )
    got = pd.DataFrame(
        {
            "case": log["case:concept:name"].astype(str),
            "action": log["concept:name"].astype(str),
            "when": pd.to_datetime(log["time:timestamp"], utc=True).dt.as_unit("us"),
            "to_user": log["to_user"].fillna("").astype(str),
        }
    )
    # each trace's events, in order
    for frame in (want, got):
        frame["n"] = frame.groupby("case").cumcount()
    key = ["case", "n"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        want.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    # the holder is the org:resource; its level the org:role
    moved = log[log["concept:name"].eq("moved")]
    assert moved["org:resource"].equals(moved["to_user"])
    assert set(log["org:role"].dropna().unique()) <= {str(n) for n in range(1, 10)}


def _tables(out: Path) -> dict[str, str]:
    return {name: (out / f"{name}.csv").read_text(encoding="utf-8") for name in REPORT_COLUMNS}


def test_importing_the_export_gives_the_same_five_report_tables(sample_xes, tmp_path):
    _, path, _ = sample_xes
    assert main(["report", str(SAMPLE), "--out", str(tmp_path / "csv")]) == 0
    assert main(["report", str(path), "--out", str(tmp_path / "xes")]) == 0
    assert _tables(tmp_path / "xes") == _tables(tmp_path / "csv")
    # the plain (not gzipped) form reads the same
    plain = tmp_path / "sample.xes"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    assert main(["report", str(plain), "--out", str(tmp_path / "plain")]) == 0
    assert _tables(tmp_path / "plain") == _tables(tmp_path / "csv")


def test_text_survives_the_round_trip(write_log, tmp_path):
    rows = [
        {**WORKED_EXAMPLE[0], "remarks": 'a & b < c > "d"\nline two\tend', "subject": "R&D <x>"},
        *WORKED_EXAMPLE[1:],
    ]
    events = read_logs([write_log(rows, header=(*HEADER, "remarks", "subject"))]).events
    path = tmp_path / "t.xes"
    _export(events, path)
    back = read_logs([path]).events
    assert back["remarks"].astype(str).iloc[0] == 'a & b < c > "d"\nline two\tend'
    assert back["subject"].astype(str).iloc[0] == "R&D <x>"
    cols = ["action", "from_user", "to_user", "from_designation", "to_designation", "timestamp"]
    pd.testing.assert_frame_equal(
        back[cols].astype(str), events[cols].astype(str), check_categorical=False
    )
    # without the names permission remarks (free text that may name people) are left out
    _export(events, tmp_path / "bare.xes", remarks=False)
    assert "remarks" not in (tmp_path / "bare.xes").read_text(encoding="utf-8")


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <trace>
    <string key="concept:name" value="case-7"/>
    <string key="dept" value="Finance"/>
    <event>
      <string key="concept:name" value="Register"/>
      <string key="org:resource" value="alice"/>
      <string key="role" value="Assistant"/>
      <date key="time:timestamp" value="2024-03-01T04:30:00.000Z"/>
    </event>
    <event>
      <string key="concept:name" value="Forward"/>
      <string key="org:resource" value="bob"/>
      <string key="role" value="Section Officer"/>
      <date key="time:timestamp" value="2024-03-02T10:00:00+05:30"/>
    </event>
    <event>
      <string key="concept:name" value="Archive"/>
      <string key="role" value="Section Officer"/>
      <date key="time:timestamp" value="2024-03-03T10:00:00+05:30"/>
    </event>
  </trace>
</log>
"""


def test_a_mapping_file_names_other_keys(tmp_path):
    log = tmp_path / "foreign.xes"
    log.write_text(FOREIGN, encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "department: dept\nto_designation: role\n"
        "actions: {Register: created, Forward: moved, Archive: closed}\n",
        encoding="utf-8",
    )
    result = read_logs([log], state="Manipur", xes_mapping=xes_in.load_mapping(mapping))
    assert result.report.rows_rejected == 0
    e = result.events
    assert e["file_id"].astype(str).tolist() == ["case-7"] * 3
    assert e["department"].astype(str).tolist() == ["Finance"] * 3
    assert e["action"].astype(str).tolist() == ["created", "moved", "closed"]
    # the sender is the previous event's holder; closing keeps no holder
    assert e["from_user"].astype(str).tolist() == ["", "alice", "bob"]
    assert e["to_user"].astype(str).tolist() == ["alice", "bob", ""]
    assert e["timestamp"].dt.strftime("%d-%m %H:%M").tolist() == [
        "01-03 10:00",
        "02-03 10:00",
        "03-03 10:00",
    ]
    # without the mapping the actions are unknown and the department missing: said, row by row
    plain = read_logs([log], state="Manipur", department="Home")
    assert plain.report.rows_rejected == 3
    assert "Register" in plain.report.rejected[0]["reason"]


def test_a_mapping_file_with_an_unknown_column_is_refused(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("holder_name: org:resource\n", encoding="utf-8")
    with pytest.raises(xes_in.MappingError, match=r"unknown column.*holder_name"):
        xes_in.load_mapping(mapping)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('<?xml version="1.0"?><log xes.version="1.0"><trace><event>', "not a readable XES"),
        ('<?xml version="1.0"?><log xes.version="1.0"></log>', "holds no event"),
    ],
)
def test_unusable_xes_is_refused_whole(tmp_path, text, reason):
    path = tmp_path / "bad.xes"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnusableInputError, match=reason):
        read_logs([path])


def test_a_log_without_a_holder_key_names_the_keys_tried(tmp_path):
    path = tmp_path / "nobody.xes"
    path.write_text(FOREIGN.replace("org:resource", "who"), encoding="utf-8")
    with pytest.raises(
        UnusableInputError, match=r"to_user \(tried XES keys: to_user, org:resource"
    ):
        read_logs([path], state="Manipur", department="Finance")


def test_rows_rejected_name_the_event(tmp_path):
    path = tmp_path / "late.xes"
    path.write_text(FOREIGN.replace("2024-03-02T10:00:00+05:30", "yesterday"), encoding="utf-8")
    mapping = {"actions": {"Register": "created", "Forward": "moved", "Archive": "closed"}}
    result = read_logs([path], state="Manipur", department="Finance", xes_mapping=mapping)
    assert [r["line"] for r in result.report.rejected] == [2]
    assert result.report.rejected[0]["column"] == "timestamp"


def test_the_worked_example_exports_by_hand(write_log, tmp_path):
    events = read_logs([write_log(WORKED_EXAMPLE)]).events
    path = tmp_path / "w.xes"
    assert _export(events, path) == 1
    text = path.read_text(encoding="utf-8")
    assert text.count("<trace>") == 1
    assert text.count("<event>") == 5
    assert '<string key="concept:name" value="Manipur/F1"/>' in text
    # the third move: C (Under Secretary, level 3) holds the file, from 02-Mar 10:00 IST
    assert (
        '<string key="concept:name" value="moved"/>'
        '<date key="time:timestamp" value="2024-03-02T10:00:00.000000+05:30"/>'
        '<string key="org:resource" value="C"/><string key="org:role" value="3"/>'
    ) in text
    for name, _, uri in xes.EXTENSIONS:
        assert f'<extension name="{name}"' in text
        assert uri in text


def test_ingest_accepts_xes(tmp_path, sample_xes):
    _, path, _ = sample_xes
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert main(["ingest", str(path), "--db", db]) == 0
    assert main(["report", "--db", db, "--out", str(tmp_path / "db")]) == 0
    assert main(["report", str(SAMPLE), "--out", str(tmp_path / "csv")]) == 0
    assert _tables(tmp_path / "db") == _tables(tmp_path / "csv")


def test_entity_expansion_and_external_entities_are_refused(tmp_path):
    laughs = "".join(
        f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" if i else "ha"}'
        + (f"&l{i - 1};" * 9 if i else "")
        + '">'
        for i in range(10)
    )
    bomb = tmp_path / "bomb.xes"
    bomb.write_text(
        f'<?xml version="1.0"?><!DOCTYPE log [{laughs}]><log><trace><event>'
        '<string key="concept:name" value="&l9;"/></event></trace></log>',
        encoding="utf-8",
    )
    with pytest.raises(UnusableInputError, match="not a readable XES"):
        read_logs([bomb], state="Manipur", department="Finance")
    outside = tmp_path / "outside.xes"
    outside.write_text(
        '<?xml version="1.0"?><!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        '<log><trace><event><string key="to_user" value="&x;"/></event></trace></log>',
        encoding="utf-8",
    )
    with pytest.raises(UnusableInputError, match="not a readable XES"):
        read_logs([outside], state="Manipur", department="Finance")


def test_writing_in_small_blocks_gives_the_same_file(write_log, tmp_path, monkeypatch):
    events = read_logs([write_log(LOG_3)]).events
    _export(events, tmp_path / "whole.xes")
    monkeypatch.setattr(xes, "BLOCK_EVENTS", 2)  # blocks of whole traces, here one each
    _export(events, tmp_path / "blocks.xes")
    whole = (tmp_path / "whole.xes").read_text(encoding="utf-8")
    assert (tmp_path / "blocks.xes").read_text(encoding="utf-8") == whole
    assert whole.count("<trace>") == 3


LOG_3 = [
    {**row, "file_id": fid}
    for fid in ("F1", "F2", "F3")
    for row in WORKED_EXAMPLE[: 2 + int(fid[1])]
]


def test_ingest_reads_a_foreign_log_through_a_mapping_file(tmp_path, capsys):
    log = tmp_path / "foreign.xes.gz"
    log.write_bytes(gzip.compress(FOREIGN.encode("utf-8")))
    mapping = tmp_path / "map.json"
    mapping.write_text(
        '{"department": "dept", "to_designation": ["role"], '
        '"actions": {"Register": "created", "Forward": "moved", "Archive": "closed"}}',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'f.sqlite'}"
    argv = ["ingest", str(log), "--db", db, "--state", "Manipur", "--xes-mapping", str(mapping)]
    assert main(argv) == 0
    assert "3 accepted, 0 rejected" in capsys.readouterr().out
    assert main(["report", "--db", db, "--out", str(tmp_path / "out")]) == 0
    files = (tmp_path / "out" / "files.csv").read_text(encoding="utf-8").splitlines()
    assert files[1].startswith(
        "Manipur,case-7,Finance,2024-03-01 10:00:00,2024-03-03 10:00:00,closed,1,"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("who: org:resource\n", encoding="utf-8")
    assert main([*argv[:-1], str(bad)]) == 1
    assert "unknown column(s) who" in capsys.readouterr().err
