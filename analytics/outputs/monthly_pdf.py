"""The monthly report as a PDF (A4, charts as PNG images) or a formatted Excel workbook.

Pure Python, offline: the PDF is drawn by reportlab with the DejaVu Sans font matplotlib
ships (embedded, so any Unicode the font has prints), charts are matplotlib PNGs (no browser).
Figures read as everywhere else (`analytics.fmt`: Indian grouping, 30-Sep-2024, IST); every
label comes from the figures registry. Text from the data is drawn as text only: bidi
controls dropped, never read as markup (PDF) or run as a formula (Excel, `report.neutralise`).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd

from analytics import fmt
from analytics.figures.monthly import HEADLINE, MonthlyReport
from analytics.figures.registry import FIGURES
from analytics.outputs.report import neutralise
from analytics.schema import IST

FORMATS = ("pdf", "xlsx")
_FONT, _BOLD = "DejaVuSans", "DejaVuSans-Bold"
_NAVY, _GREY, _LIGHT = "#1f3b5c", "#5b6b7b", "#eef2f6"
_THIS, _BEFORE = "#1f77b4", "#b0bec5"


# --- words shared by both formats -----------------------------------------------------------


def change_text(name: str, change: float | None) -> str:
    """A change of a figure, signed, as the figure reads: +4, −27, −2.3, +4.5 pts, +0.5 days."""
    if change is None or fmt.missing(change) or pd.isna(change):
        return fmt.DASH
    entry = FIGURES[name]
    size = abs(float(change))
    text = f"{fmt.indian(100 * size, 1)} pts" if entry.kind == "share" else fmt.figure(entry, size)
    if not any(ch in "123456789" for ch in text):  # rounds to nothing: no sign
        return text
    return ("+" if change > 0 else "−") + text


def cover_line(report: MonthlyReport) -> str:
    """Scope, T, the data's upload dates, the software version and the level table, in one
    line."""
    t = report.month.as_of
    if len(t) and (t == t.iloc[0]).all():
        as_of = fmt.moment(t.iloc[0])
    else:
        as_of = "; ".join(f"{s} {fmt.moment(v)}" for s, v in t.items())
    days = sorted({fmt.day(v) for v in report.uploads["uploaded_at"]}, key=_day_key)
    uploaded = ", ".join(days) if len(days) <= 4 else f"{days[0]} to {days[-1]}"
    reader = "names shown" if report.names_shown else "officers pseudonymised"
    return (
        f"Scope: {fmt.shown(report.scope_words)} · T: {as_of} · data uploaded: "
        f"{uploaded or fmt.DASH} · {report.version} · {report.level_table} · {reader}"
    )


def _day_key(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def title(report: MonthlyReport) -> str:
    """`Monthly e-Office report: Manipur, September 2024`."""
    where = "National edition" if report.national else fmt.shown(report.scope_words)
    return f"Monthly e-Office report: {where}, {report.month.period.title}"


def _headline_rows(report: MonthlyReport) -> list[list[str]]:
    rows = []
    for r in report.headline_table().itertuples(index=False):
        rows.append(
            [
                r.label,
                fmt.figure(r.figure, r.value),
                fmt.figure(r.figure, r.previous),
                change_text(r.figure, r.change),
            ]
        )
    return rows


def _bucket_rows(report: MonthlyReport) -> list[list[str]]:
    return [
        [r.label, fmt.indian(r.value), fmt.indian(r.previous), change_text(r.figure, r.change)]
        for r in report.buckets_table().itertuples(index=False)
    ]


def _turnaround_rows(report: MonthlyReport) -> list[list[str]]:
    rows = []
    for r in report.turnaround_table().itertuples(index=False):
        rows.append(
            [
                r.level_name,
                fmt.indian(r.stints),
                fmt.days(r.median_days),
                fmt.days(r.p90_days),
                fmt.days(r.previous_median_days),
                fmt.days(r.previous_p90_days),
            ]
        )
    return rows


def _longest_rows(report: MonthlyReport) -> list[list[str]]:
    rows = []
    for r in report.month.longest.itertuples(index=False):
        where = f"{r.state} / {r.department}" if report.national else r.department
        rows.append(
            [
                fmt.shown(r.file_number) or fmt.shown(r.file_id),
                fmt.shown(where),
                fmt.shown(r.holder),
                fmt.shown(r.designation),
                fmt.day(r.since),
                fmt.days(r.age_days),
            ]
        )
    return rows


def _mover_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [
        [
            r.verdict.capitalize(),
            fmt.shown(r.name),
            fmt.figure(r.figure, r.previous),
            fmt.figure(r.figure, r.value),
            change_text(r.figure, r.change),
        ]
        for r in frame.itertuples(index=False)
    ]


def _state_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [
        [fmt.shown(r["state"]), *(fmt.figure(n, r[n]) for n in HEADLINE)]
        for _, r in frame.iterrows()
    ]


Section = tuple[str, list[str], list[list[str]], int]
"""A table of the report: heading, column headings, rows of text, how many leading columns
are words (the others are figures, right-aligned)."""


def _sections(report: MonthlyReport) -> list[Section]:
    """Every table of the report, in its order."""
    this, before = report.month.period.short, report.previous.period.short
    worst = FIGURES["pending_over_7_working_days"].label.lower()
    sections: list[Section] = [
        (f"Figures for {report.month.period.title}", ["Figure", this, before, "Change"],
         _headline_rows(report), 1),
        ("Pending files by age (with their present holder)", ["Age", this, before, "Change"],
         _bucket_rows(report), 1),
        ("Turnaround per level (stints ended in the month)",
         ["Level", "Stints", "Median", "90th percentile", f"Median {before}",
          f"90th percentile {before}"],
         _turnaround_rows(report), 1),
        (f"The {len(report.month.longest)} longest-pending files",
         ["File no.", "State / Department" if report.national else "Department", "Holder",
          "Designation", "With holder since", "Age"],
         _longest_rows(report), 4),
        (f"Departments that improved or slipped most ({worst})",
         ["", "Department", before, this, "Change"], _mover_rows(report.department_movers()), 2),
        ("Levels that improved or slipped most (median turnaround)",
         ["", "Level", before, this, "Change"], _mover_rows(report.level_movers()), 2),
    ]  # fmt: skip
    if report.national:
        heads = ["State", *(FIGURES[n].label for n in HEADLINE)]
        sections.insert(1, ("States side by side", heads, _state_rows(report.states_table()), 1))
        if report.central:
            central = report.states_table(central=True)
            sections.insert(2, ("Central secretariat (apart)", heads, _state_rows(central), 1))
    return sections


# --- charts ---------------------------------------------------------------------------------


def _figure(width: float, height: float) -> tuple[Any, Any]:
    """A matplotlib figure and its axes, without pyplot: no global state, no GUI backend,
    so two reports drawn at once (two dashboard readers) do not share anything."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=150)
    return fig, fig.subplots()


def _text(value: Any) -> str:
    """A data value for a chart label: `fmt.shown`, and `$` escaped so matplotlib's math
    text never reads `$...$` in the data."""
    return fmt.shown(value).replace("$", r"\$")


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()


def _paired_bars(
    labels: Sequence[str], now: Sequence[float], before: Sequence[float], names: tuple[str, str],
    title_text: str, value_text: Callable[[float], str],
) -> bytes:  # fmt: skip
    fig, ax = _figure(6.8, 2.6)
    x = range(len(labels))
    w = 0.38
    ax.bar([i - w / 2 for i in x], before, w, label=names[1], color=_BEFORE)
    bars = ax.bar([i + w / 2 for i in x], now, w, label=names[0], color=_THIS)
    for bar, v in zip(bars, now, strict=True):
        if not pd.isna(v):
            ax.annotate(value_text(v), (bar.get_x() + w / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=7)  # fmt: skip
    ax.set_xticks(list(x), [textwrap.fill(_text(v), 12) for v in labels], fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(title_text, fontsize=9, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.set_major_formatter(lambda v, _: fmt.indian(v, 0 if v == int(v) else 1))
    ax.legend(frameon=False, fontsize=7)
    return _png(fig)


def charts(report: MonthlyReport) -> list[tuple[str, bytes]]:
    """The report's charts as PNG bytes, each with a caption."""
    this, before = report.month.period.short, report.previous.period.short
    out = []
    buckets = report.buckets_table()
    out.append(
        (
            "Pending files by age",
            _paired_bars(
                buckets["label"].tolist(), buckets["value"].tolist(),
                buckets["previous"].tolist(), (this, before),
                "Pending files by age with their present holder", fmt.indian,
            ),
        )
    )  # fmt: skip
    turn = report.turnaround_table()
    if len(turn):
        labels = [fmt.shown(n).split(" · ")[-1] if len(turn) <= 5 else str(n).split(" · ")[0]
                  for n in turn["level_name"]]  # fmt: skip
        out.append(
            (
                "Median turnaround per level",
                _paired_bars(
                    labels, turn["median_days"].tolist(), turn["previous_median_days"].tolist(),
                    (this, before), "Median days at each level (stints ended in the month)",
                    lambda v: fmt.indian(v, 1),
                ),
            )
        )  # fmt: skip
    if report.national and len(report.states):
        states = report.states_table()
        name = "pending_over_7_working_days"
        prev = report.previous.per_state.set_index("state")[name].reindex(states["state"])
        out.append(
            (
                FIGURES[name].label + " by state",
                _paired_bars(
                    states["state"].tolist(), states[name].tolist(),
                    prev.tolist(), (this, before), FIGURES[name].label + ", by state", fmt.indian,
                ),
            )
        )  # fmt: skip
    return out


# --- PDF ------------------------------------------------------------------------------------


def _fonts() -> None:
    from matplotlib import get_data_path
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    ttf = Path(get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(_FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(_FONT, normal=_FONT, bold=_BOLD)


@dataclass(frozen=True)
class _Styles:
    """The PDF's paragraph styles."""

    body: Any
    small: Any
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
    return _Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5,
                             textColor=colors.HexColor(_GREY)),
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

_CHART_AFTER = {
    "Pending files by age (with their present holder)": "Pending files by age",
    "Turnaround per level (stints ended in the month)": "Median turnaround per level",
    "States side by side": "Pending over 7 working days by state",
}
"""Which chart follows which section's table."""


def _section_table(
    columns: list[str], rows: list[list[str]], words: int, styles: _Styles, width: float
) -> Any:
    """One section's table: the first `words` columns text (left), the rest figures (right)."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    wide = words == 1 and len(columns) > 6  # the states side by side: smaller headings
    left, right = (
        (styles.head_small, styles.head_small_right) if wide else (styles.head, styles.head_right)
    )
    data = [
        [Paragraph(escape(c), left if i < words else right) for i, c in enumerate(columns)],
        *([Paragraph(escape(v), styles.cell if i < words else styles.cell_right)
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


def _story(report: MonthlyReport, generated: pd.Timestamp, width: float) -> list[Any]:
    """What the PDF shows, in order: title, cover line, commentary, each section's table and
    the chart that goes with it."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, Paragraph, Spacer

    styles = _styles()

    def para(text: str, style: Any) -> Any:
        return Paragraph(escape(fmt.shown(text)), style)

    story: list[Any] = [
        para(title(report), styles.h1),
        Spacer(1, 2 * mm),
        para(cover_line(report), styles.small),
        para(f"Generated {fmt.moment(generated)}. Pendency as of each state's T above (the "
             "month's last instant, or the state's latest upload if earlier); activity counts "
             "the month's events.", styles.small),
        para("Summary", styles.h2),
        *(para("• " + line, styles.body) for line in report.commentary()),
    ]  # fmt: skip
    images = dict(charts(report))
    for heading, columns, rows, words in _sections(report):
        table = _section_table(columns, rows, words, styles, width)
        story.append(KeepTogether([para(heading, styles.h2), table]))
        chart = images.get(_CHART_AFTER.get(heading, ""))
        if chart is not None:
            img = Image(io.BytesIO(chart), width=width, height=width * 2.6 / 6.8)
            story += [Spacer(1, 2 * mm), img]
    return story


def _numbered_canvas(footer: str) -> type:
    """A reportlab canvas that writes `footer` and `Page n of N` on each page once the page
    count is known."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdfcanvas

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
                self.setFont(_FONT, 7)
                self.setFillColor(colors.HexColor(_GREY))
                self.drawString(15 * mm, 10 * mm, fmt.shown(footer)[:120])
                self.drawRightString(
                    A4[0] - 15 * mm, 10 * mm, f"Page {self._pageNumber} of {len(self._pages)}"
                )
                super().showPage()
            super().save()

    return Numbered


def pdf_bytes(report: MonthlyReport, generated: pd.Timestamp | None = None) -> bytes:
    """The report as an A4 PDF: title, cover line, commentary, tables and charts, numbered
    pages (`Page 2 of 4`)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    _fonts()
    story = _story(report, generated or pd.Timestamp.now(tz=IST), A4[0] - 30 * mm)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
        bottomMargin=16 * mm, title=title(report), author=report.version,
        subject=cover_line(report), invariant=True,
    )  # fmt: skip
    doc.build(story, canvasmaker=_numbered_canvas(f"{title(report)} · {report.version}"))
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


def xlsx_bytes(report: MonthlyReport) -> bytes:
    """The report's tables in a formatted workbook, a sheet each (see `_Book`)."""
    buffer = io.BytesIO()
    book = _Book(buffer)
    this, before = report.month.period.short, report.previous.period.short
    head_table = report.headline_table()
    book.table(
        "Summary", f"Figures for {report.month.period.title}",
        [("Figure", None), (this, "k"), (before, "k"), ("Change", "k")],
        [[r.label, (r.value, r.figure), (r.previous, r.figure), (r.change, r.figure)]
         for r in head_table.itertuples(index=False)],
        top=[title(report), cover_line(report), *report.commentary(), ""],
    )  # fmt: skip
    buckets = report.buckets_table()
    book.table("Age buckets", "Pending files by age (with their present holder)",
               [("Age", None), (this, "count"), (before, "count"), ("Change", "count")],
               buckets[["label", "value", "previous", "change"]].to_numpy(dtype=object).tolist())  # fmt: skip
    turn = report.turnaround_table()
    book.table("Turnaround", "Turnaround per level (days; stints ended in the month)",
               [("Level", None), ("Stints", "count"), ("Median", "days"),
                ("90th percentile", "days"), (f"Median {before}", "days"),
                (f"90th percentile {before}", "days")],
               turn[["level_name", "stints", "median_days", "p90_days", "previous_median_days",
                     "previous_p90_days"]].to_numpy(dtype=object).tolist())  # fmt: skip
    longest = report.month.longest
    book.table("Longest pending", f"The {len(longest)} longest-pending files",
               [("State", None), ("Department", None), ("Computer no.", None),
                ("File no.", None), ("Holder", None), ("Designation", None),
                ("With holder since", None), ("Age (days)", "days")],
               [[r.state, r.department, r.file_id, r.file_number, r.holder, r.designation,
                 r.since, r.age_days] for r in longest.itertuples(index=False)])  # fmt: skip
    movers = pd.concat([report.department_movers().assign(kind="Department"),
                        report.level_movers().assign(kind="Level")])  # fmt: skip
    book.table("Movers", "Levels and departments that improved or slipped most",
               [("Kind", None), ("Name", None), ("Figure", None), ("Verdict", None),
                (before, "k"), (this, "k"), ("Change", "k")],
               [[r.kind, r.name, FIGURES[r.figure].label, r.verdict, (r.previous, r.figure),
                 (r.value, r.figure), (r.change, r.figure)]
                for r in movers.itertuples(index=False)])  # fmt: skip
    if report.national:
        cols = [("State", None), ("T", None),
                *((FIGURES[n].label, FIGURES[n].kind) for n in HEADLINE)]  # fmt: skip
        for name, central in (("States", False), ("Central secretariat", True)):
            frame = report.states_table(central=central)
            book.table(name, name + f", {report.month.period.title}", cols,
                       frame[["state", "as_of", *HEADLINE]].to_numpy(dtype=object).tolist())  # fmt: skip
    book.book.close()
    return buffer.getvalue()


INDIAN_EXCEL = "[>=10000000]##\\,##\\,##\\,##0;[>=100000]##\\,##\\,##0;##,##0"
"""Excel's number format for Indian grouping (12,34,567) of whole numbers."""
