"""`eoffice-analytics ingest` then `report --db` writes the same tables as `report` on the files."""

from __future__ import annotations

from pathlib import Path

from analytics.cli.main import main
from analytics.schema import REPORT_COLUMNS
from analytics.store.store import open_store

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def overlapping_halves(tmp_path: Path) -> tuple[Path, Path]:
    """The committed sample cut into two extracts that share a fifth of their rows."""
    header, *rows = (SAMPLES / "sample_events.csv").read_text(encoding="utf-8").splitlines()
    cut, overlap = len(rows) // 2, len(rows) // 10
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("\n".join([header, *rows[: cut + overlap]]) + "\n", encoding="utf-8")
    second.write_text("\n".join([header, *rows[cut - overlap :]]) + "\n", encoding="utf-8")
    return first, second


def test_report_from_the_store_equals_report_from_the_files(
    store_url: str, tmp_path: Path, capsys
) -> None:
    first, second = overlapping_halves(tmp_path)
    xlsx = SAMPLES / "manipur_finance_eoffice.xlsx"
    assert main(["ingest", str(first), str(second), "--db", store_url, "--by", "ci"]) == 0
    given = ["--state", "Manipur", "--department", "Finance"]
    assert main(["ingest", str(xlsx), "--db", store_url, *given]) == 0
    assert main(["ingest", str(first), "--db", store_url]) == 0  # the same bytes again
    printed = capsys.readouterr().out
    assert "already uploaded as upload 1" in printed

    from_db, from_files = tmp_path / "db", tmp_path / "files"
    assert main(["report", "--db", store_url, "--out", str(from_db)]) == 0
    assert (
        main(["report", str(first), str(second), str(xlsx), *given, "--out", str(from_files)]) == 0
    )
    for name in REPORT_COLUMNS:
        db_text = (from_db / f"{name}.csv").read_text(encoding="utf-8")
        files_text = (from_files / f"{name}.csv").read_text(encoding="utf-8")
        assert db_text == files_text, name
        assert db_text.count("\n") > 1, name

    store = open_store(store_url)
    lines = (SAMPLES / "sample_events.csv").read_text(encoding="utf-8").count("\n") - 1
    uploads = store.uploads.history()
    assert uploads["status"].tolist() == ["stored", "stored", "stored"]
    # The overlap is counted once: first + second = the whole sample, and the xlsx is apart.
    assert uploads["events_new"].iloc[0] + uploads["events_new"].iloc[1] == lines
    assert uploads["events_already_stored"].iloc[1] == 2 * (lines // 10)
    assert store.counts()["events"] == lines + uploads["events_new"].iloc[2]
    store.close()


REPORT_OPTIONS = {
    "working days with holidays and a six-day week": [
        "--working-days",
        "--holidays",
        "HOLIDAYS",
        "--weekmask",
        "1111110",
    ],
    "a given T": ["--as-of", "2024-03-31 18:00:00"],
    "a level table given": ["--levels", "LEVELS"],
    "a selection": ["--file-type", "physical", "--from", "2024-02-01", "--to", "2024-03-15"],
}


def test_report_from_the_store_equals_the_files_whatever_the_options(
    store_url: str, tmp_path: Path
) -> None:
    """`report --db` reads the upload's derived data unless T or the level table is given;
    either way, and with another working-day calendar, it writes what `report` on the same
    extract writes."""
    holidays, levels = tmp_path / "holidays.csv", tmp_path / "levels.csv"
    holidays.write_text(
        "state,date\nAssam,2024-01-26\nAssam,2024-03-25\nManipur,15-02-2024\n", encoding="utf-8"
    )
    levels.write_text(
        "designation,level\nAssistant,2\nSuperintendent,2\nUnder Secretary,5\n", encoding="utf-8"
    )
    sample = SAMPLES / "sample_events.csv"
    assert main(["ingest", str(sample), "--db", store_url]) == 0
    files = {"HOLIDAYS": str(holidays), "LEVELS": str(levels)}
    for what, options in REPORT_OPTIONS.items():
        options = [files.get(o, o) for o in options]
        from_db, from_files = tmp_path / f"db-{what}", tmp_path / f"files-{what}"
        assert main(["report", "--db", store_url, *options, "--out", str(from_db)]) == 0
        assert main(["report", str(sample), *options, "--out", str(from_files)]) == 0
        for name in REPORT_COLUMNS:
            db_text = (from_db / f"{name}.csv").read_text(encoding="utf-8")
            assert db_text == (from_files / f"{name}.csv").read_text(encoding="utf-8"), (what, name)
            assert db_text.count("\n") > 1, (what, name)
