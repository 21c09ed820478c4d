"""The monthly report in Hindi (issue 18): the PDF and the workbook follow the reader's language.

The Hindi PDF is made from the same report as the English one and read back with pypdf: its
headings and commentary are the Hindi written here by hand, and every number it prints is the
English edition's. Shaped Devanagari cannot always be read back letter for letter: a glyph
HarfBuzz made of several letters (a conjunct such as ष्ट्र, the reph of र्य, a vowel sign drawn
before its consonant) has no one character to give back, so pypdf drops it or gives a
private-use character. A line read back
is therefore checked as "the expected Hindi, minus such glyphs": its other characters (digits,
Latin letters, punctuation) equal the expected ones in order, and its Devanagari letters are
the expected ones in order with at most half missing. The pages are rendered to PNG in
test-artifacts/monthly/ for a person to look at the shaping (see README).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from analytics.access.accounts import Accounts
from analytics.cli.main import main
from analytics.figures import monthly
from analytics.figures.metrics import as_of_by_state
from analytics.log.reading import read_logs
from analytics.outputs.monthly_pdf import pdf_bytes, xlsx_bytes
from analytics.store.store import open_store
from tests.analytics.test_monthly_report import (
    PASSWORD,
    SAMPLE,
    render,
    template,  # noqa: F401  (the sample's store)
)

DEVANAGARI = re.compile("[\u0900-\u097f]")
UNREADABLE = re.compile("[\ue000-\uf8ff\uffff]")
"""What pypdf gives for a shaped glyph without a character of its own (private use)."""
NUMBER = re.compile(r"\d+(?:,\d+)*(?:\.\d+)?%?")
GENERATED = pd.Timestamp("2024-10-05 10:00", tz="Asia/Kolkata")


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return read_logs([SAMPLE]).events


def _lines(pdf: bytes) -> tuple[list[str], list[str]]:
    """The PDF's lines of text, spaces made single: the pages' bodies, and their footers
    (each page's last two lines: the title with the version, then the page number)."""
    body, footers = [], []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        lines = [line for line in lines if line]
        assert "eoffice-analytics" in lines[-2]
        body += lines[:-2]
        footers += lines[-2:]
    return body, footers


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(ch in letters for ch in short)


def read_back_as(expected: str, line: str) -> bool:
    """True when `line` (read from the PDF) is `expected` as shaped text reads back (see the
    module docstring): spaces ignored, फ़ and फ़ (one character or two) the same."""
    want = unicodedata.normalize("NFD", "".join(expected.split()))
    got = unicodedata.normalize("NFD", UNREADABLE.sub("", "".join(line.split())))
    other = [ch for ch in want if not DEVANAGARI.match(ch)]
    if other != [ch for ch in got if not DEVANAGARI.match(ch)]:
        return False
    deva_want = "".join(ch for ch in want if DEVANAGARI.match(ch))
    deva_got = "".join(ch for ch in got if DEVANAGARI.match(ch))
    return _is_subsequence(deva_got, deva_want) and 2 * len(deva_got) >= len(deva_want)


def _found(expected: str, lines: list[str]) -> bool:
    return any(read_back_as(expected, line) for line in lines)


def test_the_read_back_check_fails_on_other_text():
    """The check above accepts the dropped glyphs and nothing else (so the tests can fail)."""
    assert read_back_as("7 कार्य दिवस से अधिक", "7 काय दवस से अधक")
    assert not read_back_as("7 कार्य दिवस से अधिक", "8 काय दवस से अधक")  # a figure changed
    assert not read_back_as("स्थिति सुधरी", "स्थिति बिगड़ी")  # another word
    assert not read_back_as("सारांश", "Summary")
    assert not read_back_as("मासिक रिपोर्ट", "मा")  # too much missing


@pytest.mark.parametrize(("state", "title"), [
    ("Manipur", "मासिक ई-ऑफ़िस रिपोर्ट: Manipur, सितंबर 2024"),
    (None, "मासिक ई-ऑफ़िस रिपोर्ट: राष्ट्रीय संस्करण, सितंबर 2024"),
])  # fmt: skip
def test_hindi_pdf_says_the_english_editions_figures_in_hindi(events, state, title):
    report = monthly.build(events, as_of_by_state(events), "2024-09", state=state)
    english, english_footers = _lines(pdf_bytes(report, GENERATED, lang="en"))
    hindi_pdf = pdf_bytes(report, GENERATED, lang="hi")
    hindi, footers = _lines(hindi_pdf)

    # every number of the English edition, and no other, in the Hindi one ...
    def numbers(lines: list[str]) -> list[str]:
        return [n for line in lines for n in NUMBER.findall(line)]

    assert Counter(numbers(hindi)) == Counter(numbers(english))
    # ... and the tables' in the same order (from the first table to the end)
    start_en = english.index("Figures for September 2024")
    start_hi = next(i for i, line in enumerate(hindi) if read_back_as("सितंबर 2024 के आँकड़े", line))
    assert numbers(hindi[start_hi:]) == numbers(english[start_en:])

    # the headings and the words, in Hindi as written here
    assert read_back_as(title, hindi[0])
    for heading in ("सारांश", "आयु के अनुसार लंबित फ़ाइलें (वर्तमान धारक के पास)",
                    "प्रति स्तर निपटान समय (माह में समाप्त पड़ाव)", "आँकड़ा", "परिवर्तन", "सितंबर-2024", "अगस्त-2024"):  # fmt: skip
        assert _found(heading, hindi), heading
    pages = len(footers) // 2
    assert english_footers[1] == f"Page 1 of {len(english_footers) // 2}"
    for n in range(1, pages + 1):
        # पृष्ठ n / N: its conjunct ष्ठ is one glyph, so only पृ reads back
        assert re.fullmatch(rf"पृ\S* {n} / {pages}", footers[2 * n - 1])
        assert read_back_as(title + " · " + monthly.software_version(), footers[2 * n - 2])
    cover = next(line for line in hindi if line.startswith("दायरा"))
    assert read_back_as("T: 30-सितंबर-2024 23:59 IST", cover.split(" · ")[1])
    # the level table behind the figures, named in Hindi (the cover line wraps: its parts)
    start = hindi.index(cover)
    parts = " ".join(hindi[start : start + 4]).split(" · ")
    assert any(read_back_as("स्तर तालिका: अंतर्निहित तालिका (संस्करण 0)", p) for p in parts), parts
    # each commentary sentence, its figures taken from the English edition
    sentences = {
        r"Pending at T rose from (\S+) to (\S+), a slip\.": "T पर लंबित: {} से बढ़कर {}, स्थिति बिगड़ी।",
        r"Movements fell from (\S+) to (\S+)\.": "संचलन: {} से घटकर {}।",
        r"Movements rose from (\S+) to (\S+)\.": "संचलन: {} से बढ़कर {}।",
        r"Pending over 7 working days rose from (\S+) to (\S+), a slip\.":
            "7 कार्य दिवस से अधिक समय से लंबित: {} से बढ़कर {}, स्थिति बिगड़ी।",
    }  # fmt: skip
    said = 0
    for pattern, hindi_sentence in sentences.items():
        for line in english:
            found = re.fullmatch("• " + pattern, line)
            if found:
                assert _found("• " + hindi_sentence.format(*found.groups()), hindi), line
                said += 1
    assert said >= 3
    # no English sentence or heading of the report is left
    text = " ".join(hindi)
    for word in ("rose", "fell", "Summary", "Figures for", "Page", "Change", "Median", "improved",
                 "Turnaround", "pseudonymised", "names shown", "National", "level table",
                 "built-in", "version"):  # fmt: skip
        assert word not in text, word

    images = render_bytes(hindi_pdf, f"hi-{(state or 'national').lower()}-2024-09")
    assert len(images) == pages


def render_bytes(pdf: bytes, name: str) -> list[Path]:
    """The PDF's pages as PNG files in test-artifacts/monthly/ (`name-1.png` ...)."""
    path = Path(__file__).resolve().parents[2] / "test-artifacts" / "monthly" / f"{name}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    return render(path, name)


def test_hindi_workbook_has_the_english_numbers_under_hindi_headings(events):
    report = monthly.build(events, as_of_by_state(events), "2024-09", state="Manipur")
    english = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report)))
    hindi = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report, lang="hi")))
    assert hindi.sheetnames[:5] == ["सारांश", "आयु-वर्ग", "निपटान समय", "सबसे लंबे समय से लंबित",
                                    "उतार-चढ़ाव"]  # fmt: skip
    for en_sheet, hi_sheet in zip(english, hindi, strict=True):
        for en_row, hi_row in zip(en_sheet.iter_rows(), hi_sheet.iter_rows(), strict=True):
            for en_cell, hi_cell in zip(en_row, hi_row, strict=True):
                if isinstance(en_cell.value, int | float):
                    assert hi_cell.value == en_cell.value
                    assert hi_cell.number_format == en_cell.number_format
    summary = hindi["सारांश"]
    rows = {r[0].value: [c.value for c in r[1:4]] for r in summary.iter_rows() if r[0].value}
    english_rows = {r[0].value: [c.value for c in r[1:4]] for r in english["Summary"].iter_rows()}
    assert rows["T पर लंबित"] == english_rows["Pending at T"]
    assert summary["A1"].value == "मासिक ई-ऑफ़िस रिपोर्ट: Manipur, सितंबर 2024"


def test_the_command_writes_the_readers_language(
    template: Path,  # noqa: F811  (the fixture)
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--lang hi`; without it the user's remembered language; without a user English."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    (tmp_path / "store.sqlite").write_bytes(template.read_bytes())
    base = ["monthly", "--month", "2024-09", "--state", "Manipur", "--db", url]

    def first_line(name: str, *extra: str) -> str:
        out = tmp_path / name
        assert main([*base, "--out", str(out), *extra]) == 0
        return PdfReader(out).pages[0].extract_text().splitlines()[0]

    assert first_line("plain.pdf") == "Monthly e-Office report: Manipur, September 2024"
    assert read_back_as("मासिक ई-ऑफ़िस रिपोर्ट: Manipur, सितंबर 2024",
                        first_line("asked.pdf", "--lang", "hi"))  # fmt: skip
    with open_store(url) as store:
        users = Accounts(store).users
        users.add("secy@manipur.gov.in", "viewer", state="Manipur", password=PASSWORD, by="t")
        users.set_language("secy@manipur.gov.in", "hi")
    monkeypatch.setenv("EOFFICE_PASSWORD", PASSWORD)
    user = ("--user", "secy@manipur.gov.in")
    assert read_back_as("मासिक ई-ऑफ़िस रिपोर्ट: Manipur, सितंबर 2024",
                        first_line("remembered.pdf", *user))  # fmt: skip
    assert first_line("overridden.pdf", *user, "--lang", "en").startswith("Monthly e-Office")
