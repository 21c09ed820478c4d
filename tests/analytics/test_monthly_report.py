"""`eoffice-analytics monthly` on the committed sample, checked against `report --db`.

The PDF is read back with pypdf. Every figure it prints is compared with the same figure
worked out from the five tables `report --db --state S --as-of M --from --to` writes for that
month (M = the month's last instant, earlier than every sample state's T of 31-Dec-2024):
sums over departments and levels, e-file share and mean levels weighted back from the
per-department rows, and pending over 7 working days as pending minus the 0–7 day bucket of
`report --db --working-days` (the first age edge is the 7-working-day norm). The pages are
rendered to PNG with pdftoppm into test-artifacts/monthly/ for a person to look at.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from analytics import fmt
from analytics.access.accounts import Accounts
from analytics.cli.main import EXIT_REFUSED, main
from analytics.figures.registry import AGE_BUCKETS, AGE_EDGES, CSMOP_WORKING_DAYS, FIGURES
from analytics.outputs.report import describe_level_table, level_table_line
from analytics.store.store import open_store

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "sample_events.csv"
ARTIFACTS = ROOT / "test-artifacts" / "monthly"
MONTHS = {"2024-09": ("2024-09-01", "2024-09-30"), "2024-08": ("2024-08-01", "2024-08-31")}
PASSWORD = "a long test password"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("monthly") / "store.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        assert store.uploads.ingest([SAMPLE], by="tests").status == "stored"
        assert (store.latest_by_state() > pd.Timestamp("2024-10-01", tz="Asia/Kolkata")).all()
    return path


@pytest.fixture
def url(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "store.sqlite"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def _report_db(url: str, out: Path, month: str, *extra: str) -> dict[str, pd.DataFrame]:
    """The tables `report --db` writes for the month, as of its last instant."""
    start, end = MONTHS[month]
    as_of = f"{end}T23:59:59.999999+05:30"
    argv = ["report", "--db", url, "--out", str(out), "--as-of", as_of, "--from", start,
            "--to", end, *extra]  # fmt: skip
    assert main(argv) == 0
    return {
        name: pd.read_csv(out / f"{name}.csv", keep_default_na=True)
        for name in ("summary", "pendency", "level_turnaround")
    }


def expected(url: str, tmp: Path, month: str, *extra: str) -> dict[str, object]:
    """Every figure of the monthly report for the selection, from `report --db`'s tables."""
    cal = _report_db(url, tmp / f"{month}-days", month, *extra)
    work = _report_db(url, tmp / f"{month}-working", month, "--working-days", *extra)
    assert AGE_EDGES[0] == CSMOP_WORKING_DAYS  # so 0–7 working days is "not over 7"
    s, p, w = cal["summary"], cal["pendency"], work["pendency"]
    created, moves, pending = s["files_created"].sum(), s["movements"].sum(), p["pending"].sum()
    weighted = s.dropna(subset=["mean_levels_pending"])
    figures = {
        "files_created": created,
        "movements": moves,
        "movement_ratio": moves / created if created else None,
        "efile_share": (s["efile_share"].fillna(0) * s["files_created"]).sum() / created,
        "pending": pending,
        "pending_over_7_working_days": (w["pending"] - w["age_0_7"]).sum(),
        "parked": s["parked"].sum(),
        "mean_levels_pending": (weighted["mean_levels_pending"] * weighted["pending"]).sum()
        / weighted["pending"].sum(),
        "files_over_4_levels": s["files_over_4_levels"].sum(),
    }
    return {
        "figures": figures,
        "buckets": {b: p[b].sum() for b in AGE_BUCKETS},
        "turnaround": cal["level_turnaround"],
        "over_7_by_department": (w["pending"] - w["age_0_7"]).groupby(w["department"]).sum(),
        "summary": s,
        "pendency_working": w,
    }


def pdf_lines(path: Path) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, [line.strip() for line in text.splitlines() if line.strip()]


def row_after(lines: list[str], heading: str, label: str, n: int) -> list[str]:
    """The n cells printed after the row label `label` in the table under `heading`."""
    at = lines.index(label, lines.index(heading))
    return lines[at + 1 : at + 1 + n]


def render(pdf: Path, name: str) -> list[Path]:
    """The PDF's pages as PNG files in test-artifacts/monthly/ (pdftoppm)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        message = "pdftoppm (poppler-utils) is not installed: .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run([tool, "-r", "80", "-png", str(pdf), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def test_every_figure_of_a_states_pdf_equals_report_db(url: str, tmp_path: Path) -> None:
    pdf = tmp_path / "manipur.pdf"
    argv = ["monthly", "--month", "2024-09", "--state", "Manipur", "--db", url, "--out", str(pdf)]
    assert main(argv) == 0
    reader, lines = pdf_lines(pdf)
    now = expected(url, tmp_path, "2024-09", "--state", "Manipur")
    before = expected(url, tmp_path, "2024-08", "--state", "Manipur")

    heading = "Figures for September 2024"
    for name, value in now["figures"].items():
        entry = FIGURES[name]
        cells = row_after(lines, heading, entry.label, 3)
        assert cells[:2] == [
            fmt.figure(entry, value),
            fmt.figure(entry, before["figures"][name]),
        ], name
    assert row_after(lines, heading, "Files created", 3)[2].startswith(("+", "−", "0"))

    buckets = "Pending files by age (with their present holder)"
    for b in AGE_BUCKETS:
        cells = row_after(lines, buckets, FIGURES[b].label, 2)
        assert cells == [fmt.indian(now["buckets"][b]), fmt.indian(before["buckets"][b])], b
    assert sum(now["buckets"].values()) == now["figures"]["pending"]

    turnaround = "Turnaround per level (stints ended in the month)"
    names = open_store(url).levels.current().level_names()
    for r in now["turnaround"].itertuples(index=False):
        label = fmt.level(r.level, names)
        cells = row_after(lines, turnaround, label, 3)
        assert cells == [fmt.indian(r.stints), fmt.days(r.median_days), fmt.days(r.p90_days)]

    # the departments named as improved / slipped carry report --db's per-department figures
    movers = "Departments that improved or slipped most (pending over 7 working days)"
    for dept, value in now["over_7_by_department"].items():
        if dept in lines[lines.index(movers) :]:
            cells = row_after(lines, movers, dept, 2)
            assert cells == [fmt.indian(before["over_7_by_department"].get(dept, 0)),
                             fmt.indian(value)]  # fmt: skip

    with open_store(url) as store:
        uploaded = fmt.day(
            store.uploads.history()["uploaded_at"].iloc[0]
        )  # the sample's one upload
        version = store.levels.version_info()
    cover = f"Scope: Manipur · T: 30-Sep-2024 23:59 IST · data uploaded: {uploaded} · "
    assert lines[1].startswith(cover)
    # the level table behind the figures is named (issue 16), as report --db names it
    assert level_table_line(describe_level_table(version)) in " ".join(lines[1:4])
    pages = render(pdf, "manipur-2024-09")
    assert len(pages) == len(reader.pages) >= 2


def test_national_edition_puts_states_side_by_side_and_darpg_apart(url: str, tmp_path: Path):
    pdf = tmp_path / "national.pdf"
    assert main(["monthly", "--month", "2024-09", "--db", url, "--out", str(pdf)]) == 0
    _, lines = pdf_lines(pdf)
    now = expected(url, tmp_path, "2024-09")
    s = now["summary"]
    w = now["pendency_working"]
    side = lines.index("States side by side")
    central = lines.index("Central secretariat (apart)")
    states = sorted(set(s["state"]) - {"DARPG"})
    for state in states:
        mine = s[s["state"].eq(state)]
        cells = row_after(lines, "States side by side", state, 9)
        assert lines.index(state, side) < central
        assert cells[0] == fmt.indian(mine["files_created"].sum()), state
        assert cells[1] == fmt.indian(mine["movements"].sum()), state
        assert cells[4] == fmt.indian(mine["pending"].sum()), state
        over = w[w["state"].eq(state)]
        assert cells[5] == fmt.indian((over["pending"] - over["age_0_7"]).sum()), state
        assert cells[8] == fmt.indian(mine["files_over_4_levels"].sum()), state
    darpg = row_after(lines, "Central secretariat (apart)", "DARPG", 9)
    assert darpg[0] == fmt.indian(s.loc[s["state"].eq("DARPG"), "files_created"].sum())
    head = row_after(lines, "Figures for September 2024", "Files created", 1)
    assert head == [fmt.indian(s.loc[s["state"].isin(states), "files_created"].sum())]
    render(pdf, "national-2024-09")


def test_a_month_without_data_writes_nothing(url: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "none.pdf"
    argv = ["monthly", "--month", "2025-03", "--state", "Manipur", "--db", url, "--out", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "error: no data for March 2025 in Manipur" in err
    assert "nothing was written" in err
    assert not out.exists()
    assert not list(tmp_path.glob("none.pdf*"))


def test_a_reader_gets_its_scope_pseudonymised_and_the_export_audited(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    with open_store(url) as store:
        Accounts(store).users.add("viewer@manipur.gov.in", "viewer", state="Manipur",
                                 password=PASSWORD, by="test")  # fmt: skip
    monkeypatch.setenv("EOFFICE_PASSWORD", PASSWORD)
    out = tmp_path / "mine.xlsx"
    user = ["--user", "viewer@manipur.gov.in"]
    assert main(["monthly", "--month", "2024-09", "--db", url, "--out", str(out), *user]) == 0
    import openpyxl

    book = openpyxl.load_workbook(out)
    assert book["States"]["A3"].value == "Manipur"
    assert book["States"].max_row == 3  # heading, column names, Manipur alone
    t = book["States"]["B3"]  # the month's T: its last instant, to the second, in IST
    assert t.value == pd.Timestamp("2024-09-30 23:59:59").to_pydatetime()
    assert t.number_format == "dd-mmm-yyyy hh:mm"
    holders = [r[4].value for r in book["Longest pending"].iter_rows(min_row=3)]
    assert len(holders) == 10
    assert all(h.startswith("P-") for h in holders)
    with open_store(url) as store:
        log = Accounts(store).audit.read()
    exports = log[log["action"].eq("export")]
    assert exports["target"].tolist()[0] == "monthly report 2024-09 Manipur"
    assert exports["outcome"].tolist()[0] == "ok"

    refused = tmp_path / "assam.pdf"
    argv = ["monthly", "--month", "2024-09", "--state", "Assam", "--db", url, "--out", str(refused)]
    assert main([*argv, *user]) == EXIT_REFUSED
    assert "lies outside what you may read" in capsys.readouterr().err
    assert not refused.exists()
