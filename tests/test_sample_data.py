"""The sample-log generator and the committed samples (uses only the generator, pandas, openpyxl)."""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
gen = importlib.import_module("sample_data.generate")

SAMPLES = ROOT / "sample_data"
CSV_SAMPLE = SAMPLES / "sample_events.csv"
XLSX_SAMPLE = SAMPLES / "manipur_finance_eoffice.xlsx"
CSV_ARGS = ["--files", "2400", "--seed", "2024", "--start", "2024-01-01", "--months", "12"]
XLSX_ARGS = [
    *("--files", "300", "--seed", "2025", "--start", "2025-01-01", "--months", "3"),
    *("--state", "Manipur", "--department", "Finance", "--id-start", "100001"),
    *("--format", "xlsx-eoffice"),
]
HEADER = (
    "state,department,file_id,file_number,subject,file_type,action,from_user,to_user,"
    "from_designation,to_designation,timestamp,received_at,remarks"
)
NINE = {
    "Arunachal Pradesh",
    "Assam",
    "Manipur",
    "Meghalaya",
    "Mizoram",
    "Nagaland",
    "Sikkim",
    "Tripura",
    "DARPG",
}
TS_FORMAT = "%Y-%m-%d %H:%M:%S"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _run(args: list[str], out: Path) -> Path:
    assert gen.main([*args, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def run2000(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """A 2,000-file run through the real command line."""
    out = tmp_path_factory.mktemp("gen") / "run2000.csv"
    command = [sys.executable, "-m", "sample_data.generate", "--files", "2000", "--seed", "11"]
    subprocess.run(
        [*command, "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    df = _read(out)
    df["ts"] = pd.to_datetime(df["timestamp"], format=TS_FORMAT)
    return df


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return _read(CSV_SAMPLE)


def _levels(s: pd.Series) -> pd.Series:
    return s.map(gen.designation_level).astype("Float64")


# --- determinism and the committed samples ---------------------------------------------------


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    args = ["--files", "500", "--months", "6"]
    a = _run([*args, "--seed", "5"], tmp_path / "a.csv").read_bytes()
    b = _run([*args, "--seed", "5"], tmp_path / "b.csv").read_bytes()
    c = _run([*args, "--seed", "6"], tmp_path / "c.csv").read_bytes()
    assert a == b
    assert a != c
    assert len(a) > 10_000


def test_xlsx_same_seed_same_bytes(tmp_path: Path) -> None:
    args = ["--files", "40", "--seed", "3", "--format", "xlsx-eoffice"]
    a = _run(args, tmp_path / "a.xlsx").read_bytes()
    b = _run(args, tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_committed_csv_equals_regeneration(tmp_path: Path) -> None:
    fresh = _run(CSV_ARGS, tmp_path / "fresh.csv")
    assert fresh.read_bytes() == CSV_SAMPLE.read_bytes(), "regenerate: see sample_data/README.md"
    assert CSV_SAMPLE.stat().st_size < 10_000_000


def _cells(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def test_committed_xlsx_equals_regeneration(tmp_path: Path) -> None:
    fresh = _run(XLSX_ARGS, tmp_path / "fresh.xlsx")
    assert _cells(fresh) == _cells(XLSX_SAMPLE), "regenerate: see sample_data/README.md"


def test_readme_states_the_commands() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8").replace("\\\n", " ")
    readme = " ".join(readme.split())
    for args, out in ((CSV_ARGS, CSV_SAMPLE), (XLSX_ARGS, XLSX_SAMPLE)):
        command = " ".join(
            ["python -m sample_data.generate", *args, "--out", f"sample_data/{out.name}"]
        )
        assert command in readme


# --- canonical form ---------------------------------------------------------------------------


def test_header_is_exactly_canonical() -> None:
    assert CSV_SAMPLE.read_text(encoding="utf-8").split("\n", 1)[0] == HEADER
    assert ",".join(gen.CANONICAL_COLUMNS) == HEADER


def test_every_file_appears(run2000: pd.DataFrame, sample: pd.DataFrame) -> None:
    assert run2000.groupby(["state", "file_id"]).ngroups == 2000
    assert sample.groupby(["state", "file_id"]).ngroups == 2400


def test_required_values_per_action(run2000: pd.DataFrame) -> None:
    df = run2000
    assert set(df["action"]) == {"created", "moved", "parked", "closed", "reopened"}
    for col in ("state", "department", "file_id", "timestamp"):
        assert (df[col] != "").all(), col
    moved = df[df["action"] == "moved"]
    assert (moved["from_user"] != "").all()
    assert (moved["to_user"] != "").all()
    assert (moved["from_user"] != moved["to_user"]).all()
    created = df[df["action"] == "created"]
    assert (created["from_user"] == "").all()
    assert (created["to_user"] != "").all()
    for action in ("parked", "closed"):
        rows = df[df["action"] == action]
        assert (rows["from_user"] != "").all()
        assert (rows["to_user"] == "").all()
    assert (df.loc[df["action"] == "reopened", "to_user"] != "").all()
    # A holder has one designation.
    people = pd.concat(
        [
            df[["from_user", "from_designation"]].set_axis(["user", "desig"], axis=1),
            df[["to_user", "to_designation"]].set_axis(["user", "desig"], axis=1),
        ]
    )
    people = people[people["user"] != ""]
    assert people.groupby("user")["desig"].nunique().max() == 1


def test_timestamps_parse_and_order(run2000: pd.DataFrame) -> None:
    df = run2000
    diff = df.groupby("file_id", sort=False)["ts"].diff().dt.total_seconds()
    assert (diff.dropna() >= 0).all(), "timestamps go backwards within a file"
    # Equal times only in the deliberate same-time chains A->B, B->C.
    zero = diff == 0
    assert 1 <= zero.sum() <= 0.01 * df["file_id"].nunique()
    pos = np.flatnonzero(zero.to_numpy())
    assert (df["action"].iloc[pos].to_numpy() == "moved").all()
    assert (df["action"].iloc[pos - 1].to_numpy() == "moved").all()
    assert (df["from_user"].iloc[pos].to_numpy() == df["to_user"].iloc[pos - 1].to_numpy()).all()
    assert (diff[~zero].dropna() >= 60).all(), "events less than a minute apart"
    # Office hours, mostly weekdays.
    tod = df["ts"].dt.hour * 60 + df["ts"].dt.minute
    assert tod.between(9 * 60 + 30, 18 * 60 + 29).all()
    weekday = df["ts"].dt.day_of_week
    assert (weekday <= 5).all()
    assert 0 < (weekday == 5).mean() < 0.2
    assert df["ts"].min() >= pd.Timestamp("2024-01-01")
    assert df["ts"].max() < pd.Timestamp("2025-01-01")


def test_received_at(run2000: pd.DataFrame) -> None:
    df = run2000
    has = df["received_at"] != ""
    assert (df.loc[has, "action"] == "moved").all()
    share = has[df["action"] == "moved"].mean()
    assert 0.8 < share < 1.0
    rcv = pd.to_datetime(df["received_at"].where(has), format=TS_FORMAT)
    nxt = df.groupby("file_id", sort=False)["ts"].shift(-1)
    assert (rcv[has] >= df["ts"][has]).all()
    both = has & nxt.notna()
    assert (rcv[both] <= nxt[both]).all()


# --- realism ---------------------------------------------------------------------------------


def _per_file(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby("file_id", sort=False)
    return pd.DataFrame(
        {
            "state": g["state"].first(),
            "file_type": g["file_type"].first(),
            "moves": g["action"].agg(lambda a: (a == "moved").sum()),
            "created": g["action"].agg(lambda a: (a == "created").sum()),
            "first": g["action"].first(),
            "last": g["action"].last(),
            "parked": g["action"].agg(lambda a: (a == "parked").any()),
            "reopened": g["action"].agg(lambda a: (a == "reopened").any()),
        }
    )


def test_file_identity(run2000: pd.DataFrame) -> None:
    df = run2000
    per = df.groupby(["state", "file_id"])[["department", "file_number", "subject", "file_type"]]
    assert per.nunique().to_numpy().max() == 1
    assert df["file_id"].str.fullmatch(r"[A-Z]+-[A-Z]+-\d{6}").all()
    assert df["file_number"].str.fullmatch(r"[A-Z]+-\d{5}/\d+/20\d\d-[A-D]").all()


def test_physical_share(run2000: pd.DataFrame, sample: pd.DataFrame) -> None:
    for df in (run2000, sample):
        files = _per_file(df)
        assert set(files["file_type"]) == {"electronic", "physical"}
        assert 0.05 <= (files["file_type"] == "physical").mean() <= 0.10


def test_moves_per_file(run2000: pd.DataFrame) -> None:
    files = _per_file(run2000)
    assert 10 <= files["moves"].mean() <= 25
    by_state = files.groupby("state")["moves"].mean()
    assert by_state["Arunachal Pradesh"] > by_state["Mizoram"] + 8
    assert by_state.max() - by_state.min() > 8


def test_all_nine_states_and_departments(run2000: pd.DataFrame, sample: pd.DataFrame) -> None:
    for df in (run2000, sample):
        assert set(df["state"]) == NINE
        depts = df.groupby("state")["department"].nunique()
        assert (depts >= 4).all()
    assert {"Finance", "Home", "Health & Family Welfare", "Education", "Revenue"} <= set(
        sample["department"]
    )


def test_unknown_designations(run2000: pd.DataFrame) -> None:
    desig = pd.concat([run2000["from_designation"], run2000["to_designation"]])
    desig = desig[desig != ""]
    unknown = desig[desig.map(gen.designation_level).isna()]
    assert set(unknown) == set(gen.UNKNOWN_DESIGNATIONS)
    assert 0 < len(unknown) / len(desig) < 0.05
    assert set(desig[desig.map(gen.designation_level).notna()].map(gen.designation_level)) == set(
        range(1, 10)
    )


def test_embedded_level_table() -> None:
    assert gen.designation_level("  commissioner  &  SECRETARY ") == 8
    assert gen.designation_level("Under secretary") == 3
    assert gen.designation_level("Dealing Hand") == 1
    assert gen.designation_level("Minister") == 9
    assert gen.designation_level("OSD") is None
    all_names = [
        gen.normalise_designation(d) for ds in gen.DEFAULT_LEVEL_TABLE.values() for d in ds
    ]
    assert len(all_names) == len(set(all_names))


def test_hierarchy_moves(run2000: pd.DataFrame) -> None:
    moved = run2000[run2000["action"] == "moved"]
    fl, tl = _levels(moved["from_designation"]), _levels(moved["to_designation"])
    mapped = fl.notna() & tl.notna()
    step = (tl - fl)[mapped]
    up_one, skips, returns = (step == 1).sum(), (step >= 2).sum(), (step < 0).sum()
    assert returns > 0.1 * len(step)
    assert skips > 0
    assert up_one > skips * 3
    assert up_one > returns


def test_lifecycle_events(run2000: pd.DataFrame) -> None:
    files = _per_file(run2000)
    n = len(files)
    assert files["parked"].sum() > 0.05 * n
    assert 0 < files["reopened"].sum() < files["parked"].sum()
    assert (files["last"] == "closed").mean() > 0.3
    pending = files["last"].isin(["created", "moved", "reopened"])
    assert pending.mean() > 0.2
    no_created = files["created"] == 0
    assert 1 <= no_created.sum() <= 0.02 * n
    assert (files.loc[~no_created, "first"] == "created").all()
    # Every reopen follows a park in the same file, on the holder who parked it.
    df = run2000
    reopen = np.flatnonzero((df["action"] == "reopened").to_numpy())
    assert (df["action"].iloc[reopen - 1].to_numpy() == "parked").all()
    # Pending files of all ages: last events spread over the whole year.
    last_ts = df.groupby("file_id", sort=False)["ts"].last()[pending]
    assert last_ts.dt.month.nunique() == 12


def test_remarks(sample: pd.DataFrame) -> None:
    remarks = sample["remarks"]
    assert (remarks == "").mean() > 0.8
    for first in "=+-@":
        assert (remarks.str.startswith(first)).sum() >= 1, first
    assert remarks.str.contains(",").any()
    assert remarks.str.contains('"').any()
    assert remarks.str.contains("[\u0900-\u097f]").any()  # Devanagari
    assert sample["subject"].str.contains(",").any()


# --- the e-Office style workbook -------------------------------------------------------------


def test_xlsx_layout(sample: pd.DataFrame) -> None:
    wb = openpyxl.load_workbook(XLSX_SAMPLE)
    ws = wb.worksheets[0]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if "Computer No." in r)
    assert header_at >= 2
    assert rows[0][0] == "e-Office File Movement Report"
    assert any("Manipur" in str(r[0]) and "Finance" in str(r[0]) for r in rows[:header_at])
    assert all(v is None for v in rows[header_at - 1])  # a blank row above the header
    header = [h for h in rows[header_at] if h is not None]
    expected = {
        "Sl. No.",
        "Computer No.",
        "File No.",
        "Subject",
        "File Type",
        "Action",
        "Sent By",
        "Sender Designation",
        "Sent To",
        "Receiver Designation",
        "Sent On",
        "Received On",
        "Remarks",
    }
    assert set(header) == expected  # no State or Department columns
    assert header[0] == "Sl. No."
    assert header[1:] != sorted(header[1:])
    body = pd.DataFrame(rows[header_at + 1 :], columns=list(rows[header_at]))
    files = body["Computer No."].nunique()
    assert 250 <= files <= 350
    assert set(body["File Type"]) <= {"E", "P", "efile", "physical file"}
    assert {"Forwarded", "Create", "Disposed", "Park", "Reopen"} <= set(body["Action"])
    assert not {"moved", "created", "closed"} & set(body["Action"])
    sent = body["Sent On"]
    assert sent.map(lambda v: isinstance(v, dt.datetime)).any()
    strings = sent[sent.map(lambda v: isinstance(v, str))]
    assert strings.str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d").any()
    assert strings.str.fullmatch(r"\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d").any()
    # Its files and events are new relative to the CSV sample.
    csv_ids = set(sample.loc[sample["state"] == "Manipur", "file_id"])
    assert not csv_ids & set(body["Computer No."])
    assert (body["Computer No."].str.startswith("MN-FIN-")).all()
    # Remarks that look like formulas stay text.
    remarks = body["Remarks"].dropna()
    assert remarks.map(lambda v: isinstance(v, str)).all()


def test_bad_arguments_write_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    assert gen.main(["--files", "5", "--seed", "1", "--state", "Goa", "--out", str(out)]) == 2
    assert not out.exists()
    empty = _run(["--files", "0", "--seed", "1"], tmp_path / "empty.csv")
    assert empty.read_text(encoding="utf-8") == HEADER + "\n"
