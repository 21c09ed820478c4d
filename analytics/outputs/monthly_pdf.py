"""The monthly report as a PDF (A4, charts drawn as vectors) or a formatted Excel workbook,
in the reader's language (`lang`: English or Hindi, from the catalogues of `analytics.i18n`).

Pure Python, offline: the PDF is drawn by reportlab with the DejaVu Sans font matplotlib
ships for Latin text and the shipped Noto Sans Devanagari (dashboard/static/fonts) for
Devanagari, both embedded; Devanagari is shaped by HarfBuzz (`uharfbuzz`, reportlab's
`shaping`), so conjuncts and vowel signs join as they should (फ़ाइलें, कार्य). Charts are
drawn by reportlab itself, their words as shaped paragraphs. Figures read as everywhere else
(`analytics.fmt`: Indian grouping, 30-Sep-2024 or 30-सितंबर-2024, IST); every label comes
from the figures registry, translated. Text from the data is drawn as text only: bidi
controls dropped, never read as markup (PDF) or run as a formula (Excel, `report.neutralise`).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd

from analytics import fmt
from analytics.figures.monthly import HEADLINE, REMARKS, MonthlyReport, Remark, period
from analytics.figures.registry import FIGURES
from analytics.i18n import N_, known, translator
from analytics.outputs.report import level_table_line, neutralise
from analytics.schema import IST

FORMATS = ("pdf", "xlsx")
_FONT, _BOLD = "DejaVuSans", "DejaVuSans-Bold"
_DEVA, _DEVA_BOLD = "NotoSansDevanagari", "NotoSansDevanagari-Bold"
FONTS_DIR = Path(__file__).resolve().parents[2] / "dashboard" / "static" / "fonts"
"""The shipped Noto Sans Devanagari (Regular, Bold; SIL Open Font License)."""
_DEVANAGARI = re.compile("[\u0900-\u097f\ua8e0-\ua8ff]")
_NAVY, _GREY, _LIGHT = "#1f3b5c", "#5b6b7b", "#eef2f6"
_THIS, _BEFORE = "#1f77b4", "#b0bec5"


# --- words shared by both formats -----------------------------------------------------------


def change_text(name: str, change: float | None, lang: str = "en") -> str:
    """A change of a figure, signed, as the figure reads: +4, −27, −2.3, +4.5 pts, +0.5 days
    (in Hindi +4.5 प्रतिशत अंक, +0.5 दिन)."""
    if change is None or fmt.missing(change) or pd.isna(change):
        return fmt.DASH
    _ = translator(lang)
    entry = FIGURES[name]
    size = abs(float(change))
    if entry.kind == "share":
        text = _("{points} pts").format(points=fmt.indian(100 * size, 1))
    else:
        text = fmt.figure(entry, size, lang)
    if not any(ch in "123456789" for ch in text):  # rounds to nothing: no sign
        return text
    return ("+" if change > 0 else "−") + text


def _month(month: str, lang: str, short: bool = True) -> str:
    """`2024-08` as the report says it: Aug-2024 (अगस्त-2024)."""
    return fmt.month(period(month).start, lang, short=short)


def remark_text(remark: Remark, lang: str = "en", level_names: dict[int, str] | None = None) -> str:
    """One sentence of the commentary in `lang`: its English template (`REMARKS`) translated,
    filled in with its figures formatted as they read, months and names."""
    _ = translator(lang)
    params = remark.params
    entry = FIGURES[params["figure"]]
    label = _(entry.label)
    words: dict[str, Any] = {
        "figure": label,
        "figure_lower": label.lower() if lang == "en" else label,
    }
    for key in ("before", "now", "best_value", "worst_value"):
        if key in params:
            words[key] = fmt.figure(entry, params[key], lang)
    if "previous_month" in params:
        words["previous_month"] = _month(params["previous_month"], lang)
    for key in ("name", "best", "worst"):
        if key in params:
            words[key] = fmt.shown(params[key])
    if "level" in params:
        words["name"] = fmt.level(params["level"], level_names or {}, lang)
    return _(REMARKS[remark.code]).format(**words)


def commentary(report: MonthlyReport, lang: str = "en") -> list[str]:
    """The report's commentary (`MonthlyReport.commentary`) in `lang`."""
    return [remark_text(r, lang, report.level_names) for r in report.commentary()]


def _scope(report: MonthlyReport, lang: str) -> str:
    """The selection in words: names as they are, the few words of `scope_words` translated."""
    _ = translator(lang)
    words = report.scope_words
    if words in (N_("All states"), N_("nothing")):
        return _(words)
    if report.department and not report.state:
        return _("every state's {department} department").format(department=report.department)
    return fmt.shown(words)


def cover_line(report: MonthlyReport, lang: str = "en") -> str:
    """Scope, T, the data's upload dates, the software version and the level table, in one
    line."""
    _ = translator(lang)
    t = report.month.as_of
    if len(t) and (t == t.iloc[0]).all():
        as_of = fmt.moment(t.iloc[0], lang)
    else:
        as_of = "; ".join(f"{s} {fmt.moment(v, lang)}" for s, v in t.items())
    uploads = sorted({fmt.day(v) for v in report.uploads["uploaded_at"]}, key=_day_key)
    days = [fmt.day(pd.Timestamp(d).date(), lang) for d in uploads]
    uploaded = (
        ", ".join(days)
        if len(days) <= 4
        else _("{first} to {last}").format(first=days[0], last=days[-1])
    )
    reader = _("names shown") if report.names_shown else _("officers pseudonymised")
    return _(
        "Scope: {scope} · T: {as_of} · data uploaded: {uploaded} · {version} · {level_table} · "
        "{reader}"
    ).format(
        scope=_scope(report, lang), as_of=as_of, uploaded=uploaded or fmt.DASH,
        version=report.version, level_table=level_table_line(report.level_table, lang),
        reader=reader,
    )  # fmt: skip


def _day_key(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def title(report: MonthlyReport, lang: str = "en") -> str:
    """`Monthly e-Office report: Manipur, September 2024`."""
    _ = translator(lang)
    where = _("National edition") if report.national else _scope(report, lang)
    month = fmt.month(report.month.period.start, lang)
    return _("Monthly e-Office report: {where}, {month}").format(where=where, month=month)


def _headline_rows(report: MonthlyReport, lang: str) -> list[list[str]]:
    _ = translator(lang)
    rows = []
    for r in report.headline_table().itertuples(index=False):
        rows.append(
            [
                _(r.label),
                fmt.figure(r.figure, r.value, lang),
                fmt.figure(r.figure, r.previous, lang),
                change_text(r.figure, r.change, lang),
            ]
        )
    return rows


def _bucket_rows(report: MonthlyReport, lang: str) -> list[list[str]]:
    _ = translator(lang)
    return [
        [_(r.label), fmt.indian(r.value), fmt.indian(r.previous),
         change_text(r.figure, r.change, lang)]
        for r in report.buckets_table().itertuples(index=False)
    ]  # fmt: skip


def _level_name(level: Any, report: MonthlyReport, lang: str) -> str:
    return fmt.level(level, report.level_names, lang)


def _turnaround_rows(report: MonthlyReport, lang: str) -> list[list[str]]:
    rows = []
    for r in report.turnaround_table().itertuples(index=False):
        rows.append(
            [
                _level_name(r.level, report, lang),
                fmt.indian(r.stints),
                fmt.days(r.median_days, lang=lang),
                fmt.days(r.p90_days, lang=lang),
                fmt.days(r.previous_median_days, lang=lang),
                fmt.days(r.previous_p90_days, lang=lang),
            ]
        )
    return rows


def _longest_rows(report: MonthlyReport, lang: str) -> list[list[str]]:
    rows = []
    for r in report.month.longest.itertuples(index=False):
        where = f"{r.state} / {r.department}" if report.national else r.department
        rows.append(
            [
                fmt.shown(r.file_number) or fmt.shown(r.file_id),
                fmt.shown(where),
                fmt.shown(r.holder),
                fmt.shown(r.designation),
                fmt.day(r.since, lang),
                fmt.days(r.age_days, lang=lang),
            ]
        )
    return rows


VERDICTS = {"improved": N_("Improved"), "slipped": N_("Slipped")}
"""The movers' verdicts as the report's tables write them."""


def _mover_rows(frame: pd.DataFrame, lang: str, names: list[str] | None = None) -> list[list[str]]:
    _ = translator(lang)
    shown = names if names is not None else [fmt.shown(n) for n in frame["name"]]
    return [
        [
            _(VERDICTS[r.verdict]),
            name,
            fmt.figure(r.figure, r.previous, lang),
            fmt.figure(r.figure, r.value, lang),
            change_text(r.figure, r.change, lang),
        ]
        for r, name in zip(frame.itertuples(index=False), shown, strict=True)
    ]


def _state_rows(frame: pd.DataFrame, lang: str) -> list[list[str]]:
    return [
        [fmt.shown(r["state"]), *(fmt.figure(n, r[n], lang) for n in HEADLINE)]
        for _, r in frame.iterrows()
    ]


Section = tuple[str, list[str], list[list[str]], int, str]
"""A table of the report: heading, column headings, rows of text, how many leading columns
are words (the others are figures, right-aligned), and the key of the chart that follows it
in `charts` ('' for none)."""


def _sections(report: MonthlyReport, lang: str = "en") -> list[Section]:
    """Every table of the report, in its order."""
    _ = translator(lang)
    this = fmt.month(report.month.period.start, lang, short=True)
    before = fmt.month(report.previous.period.start, lang, short=True)
    month = fmt.month(report.month.period.start, lang)
    worst = _(FIGURES["pending_over_7_working_days"].label)
    worst = worst.lower() if lang == "en" else worst
    levels = report.level_movers()
    level_names = [_level_name(v, report, lang) for v in levels["level"]]
    sections: list[Section] = [
        (_("Figures for {month}").format(month=month), [_("Figure"), this, before, _("Change")],
         _headline_rows(report, lang), 1, ""),
        (_(AGES), [_("Age"), this, before, _("Change")], _bucket_rows(report, lang), 1, AGES),
        (_(TURNAROUND),
         [_("Level"), _("Stints"), _("Median"), _("90th percentile"),
          _("Median {month}").format(month=before),
          _("90th percentile {month}").format(month=before)],
         _turnaround_rows(report, lang), 1, TURNAROUND),
        (_("The {n} longest-pending files").format(n=len(report.month.longest)),
         [_("File no."), _("State / Department") if report.national else _("Department"),
          _("Holder"), _("Designation"), _("With holder since"), _("Age")],
         _longest_rows(report, lang), 4, ""),
        (_("Departments that improved or slipped most ({figure})").format(figure=worst),
         ["", _("Department"), before, this, _("Change")],
         _mover_rows(report.department_movers(), lang), 2, ""),
        (_("Levels that improved or slipped most (median turnaround)"),
         ["", _("Level"), before, this, _("Change")], _mover_rows(levels, lang, level_names), 2,
         ""),
    ]  # fmt: skip
    if report.national:
        heads = [_("State"), *(_(FIGURES[n].label) for n in HEADLINE)]
        states = _state_rows(report.states_table(), lang)
        sections.insert(1, (_(STATES), heads, states, 1, STATES))
        if report.central:
            central = report.states_table(central=True)
            heading = _("Central secretariat (apart)")
            sections.insert(2, (heading, heads, _state_rows(central, lang), 1, ""))
    return sections


AGES = N_("Pending files by age (with their present holder)")
TURNAROUND = N_("Turnaround per level (stints ended in the month)")
STATES = N_("States side by side")
"""The headings of the sections a chart follows."""


# --- charts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A paired bar chart (this month beside the month before) to be drawn in the PDF: its
    words are shaped paragraphs, like the rest of the report's text."""

    title: str
    labels: list[str]
    now: list[float]
    before: list[float]
    names: tuple[str, str]
    """The two months' names (this, before), for the legend."""
    value_text: Callable[[float], str]


def _ticks(top: float) -> list[float]:
    """About four round steps from 0 to at least `top` (1, 2, 2.5 or 5 times a power of ten)."""
    if not top > 0:
        return [0.0, 1.0]
    rough = top / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def charts(report: MonthlyReport, lang: str = "en") -> dict[str, Chart]:
    """The report's charts, each under the heading of the section it follows."""
    _ = translator(lang)
    names = (
        fmt.month(report.month.period.start, lang, short=True),
        fmt.month(report.previous.period.start, lang, short=True),
    )
    buckets = report.buckets_table()
    out = {
        AGES: Chart(
            _("Pending files by age with their present holder"),
            [_(v) for v in buckets["label"]], buckets["value"].tolist(),
            buckets["previous"].tolist(), names, fmt.indian,
        )
    }  # fmt: skip
    turn = report.turnaround_table()
    if len(turn):
        full = [_level_name(v, report, lang) for v in turn["level"]]
        labels = [n.split(" · ")[-1] if len(turn) <= 5 else n.split(" · ")[0] for n in full]
        out[TURNAROUND] = Chart(
            _("Median days at each level (stints ended in the month)"), labels,
            turn["median_days"].tolist(), turn["previous_median_days"].tolist(), names,
            lambda v: fmt.indian(v, 1),
        )  # fmt: skip
    if report.national and len(report.states):
        states = report.states_table()
        name = "pending_over_7_working_days"
        prev = report.previous.per_state.set_index("state")[name].reindex(states["state"])
        out[STATES] = Chart(
            _("{figure}, by state").format(figure=_(FIGURES[name].label)),
            [fmt.shown(s) for s in states["state"]], states[name].tolist(), prev.tolist(),
            names, fmt.indian,
        )  # fmt: skip
    return out


def _bars(chart: Chart, width: float, styles: _Styles) -> Any:
    """`chart` as a reportlab flowable: bars and axis drawn on the canvas, every word a
    paragraph (shaped when it holds Devanagari)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Flowable

    label_style = ParagraphStyle("chart_label", parent=styles.cell, fontSize=6.5, leading=7.5,
                                 alignment=TA_CENTER)  # fmt: skip
    value_style = ParagraphStyle("chart_value", parent=label_style, fontSize=6)
    tick_style = ParagraphStyle("chart_tick", parent=label_style, alignment=2)  # right
    height = width * 2.6 / 6.8
    values = [v for v in (*chart.now, *chart.before) if not fmt.missing(v) and not pd.isna(v)]
    ticks = _ticks(max(values, default=0.0))

    class Bars(Flowable):
        def wrap(self, *_args: Any) -> tuple[float, float]:
            return width, height

        def _text(self, text: str, style: Any, x: float, y: float, w: float) -> None:
            """A paragraph `w` wide whose top is at `y`, from `x`."""
            para = _para(text, style)
            _, h = para.wrap(w, height)
            para.drawOn(self.canv, x, y - h)

        def draw(self) -> None:
            c = self.canv
            left, bottom, top = 34.0, 26.0, height - 22.0
            plot = width - left - 4
            self._text(chart.title, styles.small_bold, 0, height, width * 0.7)
            for i, (name, colour) in enumerate(zip(chart.names, (_THIS, _BEFORE), strict=True)):
                x = width - 150 + 75 * (1 - i)  # the month before first, as the bars
                c.setFillColor(colors.HexColor(colour))
                c.rect(x, height - 9, 8, 6, stroke=0, fill=1)
                self._text(name, styles.cell, x + 11, height - 1.5, 62)
            scale = (top - bottom) / (ticks[-1] or 1)
            c.setLineWidth(0.3)
            for t in ticks:
                y = bottom + t * scale
                c.setStrokeColor(colors.HexColor("#d0d7de"))
                c.line(left, y, left + plot, y)
                self._text(fmt.indian(t, 0 if t == int(t) else 1), tick_style, 0, y + 4, left - 4)
            slot = plot / max(len(chart.labels), 1)
            bar = slot * 0.36
            for i, label in enumerate(chart.labels):
                x0 = left + i * slot + slot / 2
                for value, colour, x in ((chart.before[i], _BEFORE, x0 - bar),
                                         (chart.now[i], _THIS, x0)):  # fmt: skip
                    if fmt.missing(value) or pd.isna(value):
                        continue
                    c.setFillColor(colors.HexColor(colour))
                    c.rect(x, bottom, bar, float(value) * scale, stroke=0, fill=1)
                    if colour == _THIS:
                        y = bottom + float(value) * scale + 8
                        self._text(chart.value_text(value), value_style, x - bar, y, 3 * bar)
                self._text(label, label_style, x0 - slot / 2, bottom - 2, slot)
            c.setStrokeColor(colors.HexColor(_GREY))
            c.line(left, bottom, left + plot, bottom)

    return Bars()


# --- PDF ------------------------------------------------------------------------------------


def _fonts() -> None:
    from matplotlib import get_data_path
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    class Unshaped(TTFont):
        """A font reportlab does not shape (DejaVu, for Latin text): in a shaped paragraph
        every word is shaped (`ttfonts.shapeFragWord`, which leaves a word whose font has no
        `hbFont` as it is), and DejaVu's discretionary ligatures would join Latin letters
        (st → ﬆ)."""

        def hbFont(self, fontSize: float = 10) -> Any:
            raise AttributeError("Latin words are not shaped")

    if _DEVA in pdfmetrics.getRegisteredFontNames():
        return
    ttf = Path(get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(Unshaped(_FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(Unshaped(_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(_FONT, normal=_FONT, bold=_BOLD)
    pdfmetrics.registerFont(TTFont(_DEVA_BOLD, str(FONTS_DIR / "NotoSansDevanagari-Bold.ttf")))
    pdfmetrics.registerFont(TTFont(_DEVA, str(FONTS_DIR / "NotoSansDevanagari-Regular.ttf")))


def _runs(word: str, covered: Any) -> list[tuple[bool, str]]:
    """`word` cut where it passes between characters Noto Sans Devanagari has (`covered`)
    and those it lacks (Latin letters): (in Noto, text) pairs."""
    runs: list[tuple[bool, str]] = []
    for ch in word:
        inside = ord(ch) in covered
        if runs and runs[-1][0] == inside:
            runs[-1] = (inside, runs[-1][1] + ch)
        else:
            runs.append((inside, ch))
    return runs


def _para(text: str, style: Any) -> Any:
    """`text` (data or words) as a paragraph, never read as markup. With Devanagari in it,
    the paragraph is shaped (HarfBuzz) and each word holding Devanagari is set in Noto Sans
    Devanagari, the others in the style's DejaVu (never shaped). reportlab shapes a word
    (text between spaces) in one font, so a Hindi word is in Noto whole (Noto has the digits
    and punctuation it carries: 05-मार्च-2024, लंबित,); the rare word that also holds Latin
    letters (IST।) is cut into its runs by a space."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import Paragraph

    words = fmt.shown(text).split(" ")
    if not any(_DEVANAGARI.search(w) for w in words):
        return Paragraph(escape(" ".join(words)), style)
    bold = style.fontName == _BOLD
    deva = _DEVA_BOLD if bold else _DEVA
    covered = pdfmetrics.getFont(deva).face.charToGlyph

    def run(inside: bool, part: str) -> str:
        return f'<font name="{deva}">{escape(part)}</font>' if inside else escape(part)

    marked = []
    for word in words:
        runs = _runs(word, covered) if _DEVANAGARI.search(word) else [(False, word)]
        marked.append(" ".join(run(inside, part) for inside, part in runs if part))
    return Paragraph(" ".join(marked), ParagraphStyle(f"{style.name}_shaped", parent=style,
                                                      shaping=1))  # fmt: skip


@dataclass(frozen=True)
class _Styles:
    """The PDF's paragraph styles."""

    body: Any
    small: Any
    small_bold: Any
    h1: Any
    h2: Any
    cell: Any
    cell_right: Any
    head: Any
    head_right: Any
    head_small: Any
    head_small_right: Any


def _styles() -> _Styles:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=_FONT, fontSize=8.5, leading=11)
    cell = ParagraphStyle("cell", parent=body, fontSize=7, leading=8.5)
    head = ParagraphStyle("head", parent=cell, fontName=_BOLD, fontSize=6.5, leading=8)
    head_small = ParagraphStyle("head_small", parent=head, fontSize=6, leading=7.5)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5,
                           textColor=colors.HexColor(_GREY))  # fmt: skip
    return _Styles(
        body=body,
        small=small,
        small_bold=ParagraphStyle("small_bold", parent=small, fontName=_BOLD, fontSize=8,
                                  textColor=colors.black),
        h1=ParagraphStyle("h1", parent=body, fontName=_BOLD, fontSize=15, leading=19,
                          textColor=colors.HexColor(_NAVY)),
        h2=ParagraphStyle("h2", parent=body, fontName=_BOLD, fontSize=10.5, leading=14,
                          spaceBefore=8, spaceAfter=3, textColor=colors.HexColor(_NAVY)),
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        head=head,
        head_right=ParagraphStyle("head_right", parent=head, alignment=TA_RIGHT),
        head_small=head_small,
        head_small_right=ParagraphStyle("head_small_right", parent=head_small,
                                        alignment=TA_RIGHT),
    )  # fmt: skip


_TABLE_STYLE = [
    ("FONT", (0, 0), (-1, -1), _FONT, 7.5),
    ("FONT", (0, 0), (-1, 0), _BOLD, 7.5),
    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]
"""The tables' style, but for the colours (`_section_table` adds them)."""


def _section_table(
    columns: list[str], rows: list[list[str]], words: int, styles: _Styles, width: float
) -> Any:
    """One section's table: the first `words` columns text (left), the rest figures (right)."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    wide = words == 1 and len(columns) > 6  # the states side by side: smaller headings
    left, right = (
        (styles.head_small, styles.head_small_right) if wide else (styles.head, styles.head_right)
    )
    data = [
        [_para(c, left if i < words else right) for i, c in enumerate(columns)],
        *([_para(v, styles.cell if i < words else styles.cell_right)
           for i, v in enumerate(r)] for r in rows),
    ]  # fmt: skip
    if not rows:
        data.append([fmt.DASH] * len(columns))
    weights = [(2.4 if words < 3 else 1.8) if i < words else 1.0 for i in range(len(columns))]
    if wide:
        weights[0] = 1.6
    table = Table(data, colWidths=[width * w / sum(weights) for w in weights], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                *_TABLE_STYLE,
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(_LIGHT)),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor(_NAVY)),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
            ]
        )
    )
    return table


def _story(report: MonthlyReport, generated: pd.Timestamp, width: float, lang: str) -> list[Any]:
    """What the PDF shows, in order: title, cover line, commentary, each section's table and
    the chart that goes with it."""
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Spacer

    _ = translator(lang)
    styles = _styles()
    story: list[Any] = [
        _para(title(report, lang), styles.h1),
        Spacer(1, 2 * mm),
        _para(cover_line(report, lang), styles.small),
        _para(_("Generated {moment}. Pendency as of each state's T above (the month's last "
                "instant, or the state's latest upload if earlier); activity counts the "
                "month's events.").format(moment=fmt.moment(generated, lang)), styles.small),
        _para(_("Summary"), styles.h2),
        *(_para("• " + line, styles.body) for line in commentary(report, lang)),
    ]  # fmt: skip
    drawn = charts(report, lang)
    for heading, columns, rows, words, key in _sections(report, lang):
        table = _section_table(columns, rows, words, styles, width)
        story.append(KeepTogether([_para(heading, styles.h2), table]))
        if key in drawn:
            story += [Spacer(1, 3 * mm), _bars(drawn[key], width, styles)]
    return story


def _numbered_canvas(footer: str, lang: str) -> type:
    """A reportlab canvas that writes `footer` and `Page n of N` on each page once the page
    count is known (as paragraphs: shaped when in Hindi)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdfcanvas

    _ = translator(lang)
    left = ParagraphStyle("footer", fontName=_FONT, fontSize=7, leading=8.5,
                          textColor=colors.HexColor(_GREY))  # fmt: skip
    right = ParagraphStyle("footer_right", parent=left, alignment=TA_RIGHT)
    width = A4[0] - 30 * mm

    class Numbered(pdfcanvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                page = _("Page {n} of {total}").format(n=self._pageNumber, total=len(self._pages))
                for text, chosen, w, x in (
                    (fmt.shown(footer)[:120], left, width * 0.8, 15 * mm),
                    (page, right, width * 0.2, 15 * mm + width * 0.8),
                ):
                    para = _para(text, chosen)
                    para.wrap(w, 20 * mm)
                    para.drawOn(self, x, 8 * mm)
                super().showPage()
            super().save()

    return Numbered


def pdf_bytes(
    report: MonthlyReport, generated: pd.Timestamp | None = None, lang: str = "en"
) -> bytes:
    """The report as an A4 PDF in `lang` (en, hi): title, cover line, commentary, tables and
    charts, numbered pages (`Page 2 of 4`)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    lang = known(lang)
    _fonts()
    story = _story(report, generated or pd.Timestamp.now(tz=IST), A4[0] - 30 * mm, lang)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
        bottomMargin=16 * mm, title=title(report, lang), author=report.version,
        subject=cover_line(report, lang), lang=lang, invariant=True,
    )  # fmt: skip
    footer = f"{title(report, lang)} · {report.version}"
    doc.build(story, canvasmaker=_numbered_canvas(footer, lang))
    return buffer.getvalue()


# --- Excel ----------------------------------------------------------------------------------


class _Book:
    """An xlsxwriter workbook with the report's formats: numbers as numbers (Indian grouping,
    %, days), dates as dates (dd-mmm-yyyy), text never a formula or link (`neutralise`)."""

    def __init__(self, buffer: io.BytesIO) -> None:
        import xlsxwriter

        options = {"strings_to_formulas": False, "strings_to_urls": False,
                   "strings_to_numbers": False, "in_memory": True}  # fmt: skip
        self.book = book = xlsxwriter.Workbook(buffer, options)
        self.bold = book.add_format({"bold": True, "font_color": _NAVY})
        self.head = book.add_format(
            {"bold": True, "bg_color": _LIGHT, "bottom": 1, "text_wrap": True}
        )
        self.title = book.add_format({"bold": True, "font_size": 14, "font_color": _NAVY})
        self.number = {
            "count": book.add_format({"num_format": INDIAN_EXCEL}),
            "ratio": book.add_format({"num_format": "0.0"}),
            "share": book.add_format({"num_format": "0.0%"}),
            "mean": book.add_format({"num_format": "0.00"}),
            "days": book.add_format({"num_format": "0.0"}),
        }
        self.when = book.add_format({"num_format": "dd-mmm-yyyy hh:mm"})

    @staticmethod
    def text(value: Any) -> str:
        return neutralise(fmt.shown(value))

    def put(self, sheet: Any, row: int, col: int, value: Any, kind: str | None = None) -> None:
        """One cell; `kind` "k" takes (value, figure name) and the figure's own kind."""
        if kind == "k":
            value, kind = value[0], FIGURES[value[1]].kind
        if value is None or fmt.missing(value) or (not isinstance(value, str) and pd.isna(value)):
            sheet.write_blank(row, col, None)
        elif isinstance(value, pd.Timestamp):
            moment = value.tz_convert(IST).tz_localize(None).floor("s").to_pydatetime()
            sheet.write_datetime(row, col, moment, self.when)
        elif kind is not None:
            sheet.write_number(row, col, float(value), self.number[kind])
        else:
            sheet.write_string(row, col, self.text(value))

    def table(self, name: str, heading: str, columns: list[tuple[str, str | None]],
              rows: list[list[Any]], top: Sequence[str] = ()) -> None:  # fmt: skip
        """A sheet: the `top` lines, the heading, the column labels, then the rows."""
        sheet = self.book.add_worksheet(name)
        r = 0
        for line in top:
            sheet.write_string(r, 0, self.text(line), self.title if r == 0 else None)
            r += 1
        sheet.write_string(r, 0, self.text(heading), self.bold)
        r += 1
        for c, (label, _) in enumerate(columns):
            sheet.write_string(r, c, self.text(label), self.head)
        for values in rows:
            r += 1
            for c, (value, (_, kind)) in enumerate(zip(values, columns, strict=True)):
                self.put(sheet, r, c, value, kind)
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, len(columns), 15)
        sheet.freeze_panes(len(top) + 2, 1)


def xlsx_bytes(report: MonthlyReport, lang: str = "en") -> bytes:
    """The report's tables in a formatted workbook in `lang`, a sheet each (see `_Book`)."""
    lang = known(lang)
    _ = translator(lang)
    buffer = io.BytesIO()
    book = _Book(buffer)
    this = fmt.month(report.month.period.start, lang, short=True)
    before = fmt.month(report.previous.period.start, lang, short=True)
    month = fmt.month(report.month.period.start, lang)
    head_table = report.headline_table()
    book.table(
        _("Summary"), _("Figures for {month}").format(month=month),
        [(_("Figure"), None), (this, "k"), (before, "k"), (_("Change"), "k")],
        [[_(r.label), (r.value, r.figure), (r.previous, r.figure), (r.change, r.figure)]
         for r in head_table.itertuples(index=False)],
        top=[title(report, lang), cover_line(report, lang), *commentary(report, lang), ""],
    )  # fmt: skip
    buckets = report.buckets_table()
    book.table(_("Age buckets"), _(AGES),
               [(_("Age"), None), (this, "count"), (before, "count"), (_("Change"), "count")],
               [[_(r.label), r.value, r.previous, r.change]
                for r in buckets.itertuples(index=False)])  # fmt: skip
    turn = report.turnaround_table()
    book.table(_("Turnaround"), _("Turnaround per level (days; stints ended in the month)"),
               [(_("Level"), None), (_("Stints"), "count"), (_("Median"), "days"),
                (_("90th percentile"), "days"), (_("Median {month}").format(month=before), "days"),
                (_("90th percentile {month}").format(month=before), "days")],
               [[_level_name(r.level, report, lang), r.stints, r.median_days, r.p90_days,
                 r.previous_median_days, r.previous_p90_days]
                for r in turn.itertuples(index=False)])  # fmt: skip
    longest = report.month.longest
    book.table(_("Longest pending"),
               _("The {n} longest-pending files").format(n=len(longest)),
               [(_("State"), None), (_("Department"), None), (_("Computer no."), None),
                (_("File no."), None), (_("Holder"), None), (_("Designation"), None),
                (_("With holder since"), None), (_("Age (days)"), "days")],
               [[r.state, r.department, r.file_id, r.file_number, r.holder, r.designation,
                 r.since, r.age_days] for r in longest.itertuples(index=False)])  # fmt: skip
    departments, levels = report.department_movers(), report.level_movers()
    movers = pd.concat([departments.assign(kind=_("Department")),
                        levels.assign(kind=_("Level"))])  # fmt: skip
    names = [*(fmt.shown(n) for n in departments["name"]),
             *(_level_name(v, report, lang) for v in levels["level"])]  # fmt: skip
    book.table(_("Movers"), _("Levels and departments that improved or slipped most"),
               [(_("Kind"), None), (_("Name"), None), (_("Figure"), None), (_("Verdict"), None),
                (before, "k"), (this, "k"), (_("Change"), "k")],
               [[r.kind, name, _(FIGURES[r.figure].label), _(VERDICTS[r.verdict]),
                 (r.previous, r.figure), (r.value, r.figure), (r.change, r.figure)]
                for r, name in zip(movers.itertuples(index=False), names, strict=True)])  # fmt: skip
    if report.national:
        cols = [(_("State"), None), ("T", None),
                *((_(FIGURES[n].label), FIGURES[n].kind) for n in HEADLINE)]  # fmt: skip
        for name, central in ((N_("States"), False), (N_("Central secretariat"), True)):
            frame = report.states_table(central=central)
            book.table(_(name), f"{_(name)}, {month}", cols,
                       frame[["state", "as_of", *HEADLINE]].to_numpy(dtype=object).tolist())  # fmt: skip
    book.book.close()
    return buffer.getvalue()


INDIAN_EXCEL = "[>=10000000]##\\,##\\,##\\,##0;[>=100000]##\\,##\\,##0;##,##0"
"""Excel's number format for Indian grouping (12,34,567) of whole numbers."""
