"""The monthly e-Office report: a month's figures beside the month before's, with commentary.

Pure computation (the PDF and workbook are written by `analytics.outputs.monthly_pdf`). Every
figure is a registry figure (`analytics.figures.registry`) computed by the functions the dashboard
and `report --db` use: `metrics.analyse` cut at the month's T, then `views` over it with the
month as the date range, so the report, `report --db --from --to --as-of` and the dashboard
agree. For each state, T is the month's last instant (IST) or the state's own T (its latest
stored event), whichever is earlier; activity (files created, movements, e-file share,
turnaround) counts the month's events, pendency is the snapshot at that T.

Without a state it is the national edition: the states side by side, and the central
secretariat (`CENTRAL_SECRETARIAT`) apart from them and from the headline, which is over the
states only.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analytics import fmt
from analytics.access.scope import Scope, load_scoped
from analytics.figures import views
from analytics.figures.metrics import analyse
from analytics.figures.registry import AGE_BUCKETS, FIGURES, OVERVIEW, figure
from analytics.i18n import N_
from analytics.log.calendar import WorkCalendar
from analytics.log.hierarchy import LevelTable
from analytics.log.ordering import order_events
from analytics.outputs.report import describe_level_table
from analytics.schema import IST

if TYPE_CHECKING:
    from analytics.store.store import Store

CENTRAL_SECRETARIAT = ("DARPG",)
"""The `state` values that are the central secretariat (the Government of India's own
e-Office rows), shown apart in the national edition."""
HEADLINE = tuple(name for name in OVERVIEW if name != "mean_holders_pending")
"""The figures of the report's first table, in the registry's order."""
LONGEST = 10
"""How many of the longest-pending files the report lists."""
MOVERS = 3
"""How many levels and departments are named as having improved or slipped most."""
DEPARTMENT_FIGURE = "pending_over_7_working_days"
"""The figure departments are ranked on (improved / slipped)."""
LEVEL_FIGURE = "median_days"
"""The figure levels are ranked on (improved / slipped): median turnaround."""
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class NoDataError(ValueError):
    """The month has no data in the reader's selection: no report is made."""


@dataclass(frozen=True)
class Remark:
    """One sentence of the commentary as a code (a key of `REMARKS`) and its parameters, put
    into words by the output in the reader's language. Parameters: `figure` (a registry
    name), its values `before`, `now`, `best_value`, `worst_value` (numbers, formatted as the
    figure reads), `previous_month` (`YYYY-MM`), `level` (a level's number) and names from
    the data (`name`, `best`, `worst`)."""

    code: str
    params: dict[str, Any]


REMARKS: dict[str, str] = {
    "no_figure_now": N_("{figure}: no figure this month ({before} in {previous_month})."),
    "no_figure_before": N_("{figure} was {now} (no figure for {previous_month})."),
    "unchanged": N_("{figure} was unchanged at {now}."),
    "rose": N_("{figure} rose from {before} to {now}."),
    "rose_improvement": N_("{figure} rose from {before} to {now}, an improvement."),
    "rose_slip": N_("{figure} rose from {before} to {now}, a slip."),
    "fell": N_("{figure} fell from {before} to {now}."),
    "fell_improvement": N_("{figure} fell from {before} to {now}, an improvement."),
    "fell_slip": N_("{figure} fell from {before} to {now}, a slip."),
    "department_improved": N_(
        "The department that improved most: {name} ({figure_lower} {before} in "
        "{previous_month}, {now} now)."
    ),
    "department_slipped": N_(
        "The department that slipped most: {name} ({figure_lower} {before} in "
        "{previous_month}, {now} now)."
    ),
    "level_improved": N_(
        "The level that improved most: {name} ({figure_lower} {before} in {previous_month}, "
        "{now} now)."
    ),
    "level_slipped": N_(
        "The level that slipped most: {name} ({figure_lower} {before} in {previous_month}, "
        "{now} now)."
    ),
    "state_extremes": N_("{figure}: best {best} ({best_value}), last {worst} ({worst_value})."),
}
"""The commentary's sentences in English, each a message id of the language catalogues
(`analytics.i18n`); `{figure_lower}` is the figure's label inside a sentence."""


@dataclass(frozen=True)
class Period:
    """One calendar month (IST): its first and last day and its last instant."""

    month: str
    start: date
    end: date

    @property
    def last_instant(self) -> pd.Timestamp:
        """The month's last microsecond in IST (the events' resolution)."""
        return pd.Timestamp(self.end, tz=IST) + pd.Timedelta(days=1) - pd.Timedelta(1, "us")

    @property
    def title(self) -> str:
        """`September 2024`."""
        return fmt.month(self.start)

    @property
    def short(self) -> str:
        """`Sep-2024`."""
        return fmt.month(self.start, short=True)

    def before(self) -> Period:
        """The month before."""
        first = self.start.replace(day=1)
        prev = (pd.Timestamp(first) - pd.Timedelta(days=1)).date()
        return period(f"{prev.year:04d}-{prev.month:02d}")


def period(month: str) -> Period:
    """The month `YYYY-MM` (ValueError naming the text otherwise)."""
    found = _MONTH.match(str(month))
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"month {month!r} is not a month YYYY-MM (for example 2024-09)")
    year, number = int(found.group(1)), int(found.group(2))
    last = _calendar.monthrange(year, number)[1]
    return Period(f"{year:04d}-{number:02d}", date(year, number, 1), date(year, number, last))


@dataclass
class MonthFigures:
    """Every figure of one month for the selection (the report's or the month before's)."""

    period: Period
    as_of: pd.Series
    """Each state's T for this month: the month's last instant or the state's T if earlier."""
    headline: dict[str, float | None]
    per_state: pd.DataFrame
    """state, then the `HEADLINE` figures (national edition: every state, central included)."""
    per_department: pd.DataFrame
    """state, department, then the `HEADLINE` figures."""
    buckets: dict[str, int]
    """Pending files by age bucket (calendar days, `AGE_BUCKETS`)."""
    turnaround: pd.DataFrame
    """level, stints, median_days, p90_days over stints ended in the month."""
    longest: pd.DataFrame
    """The `LONGEST` pending files that waited longest with their present holder (names as
    stored: `MonthlyReport` holds them pseudonymised for the reader)."""
    events_in_month: int


@dataclass
class MonthlyReport:
    """The monthly report of a selection: this month, the month before, and the words."""

    month: MonthFigures
    previous: MonthFigures
    scope_words: str
    state: str | None
    department: str | None
    level_names: dict[int, str]
    uploads: pd.DataFrame
    """state, uploaded_at (IST) of each stored upload holding the selection's data."""
    version: str
    names_shown: bool
    states: list[str] = field(default_factory=list)
    """The states of the national edition's side-by-side table (central secretariat apart)."""
    central: list[str] = field(default_factory=list)
    level_table: dict[str, object] = field(default_factory=describe_level_table)
    """The level table behind the figures (`report.describe_level_table`; worded in the
    reader's language by `report.level_table_line`)."""

    @property
    def national(self) -> bool:
        """True for the edition without a state."""
        return self.state is None

    def headline_table(self) -> pd.DataFrame:
        """figure, label, value, previous, change (value − previous) per `HEADLINE` figure."""
        rows = []
        for name in HEADLINE:
            now, before = self.month.headline.get(name), self.previous.headline.get(name)
            rows.append(
                {
                    "figure": name,
                    "label": FIGURES[name].label,
                    "value": now,
                    "previous": before,
                    "change": None if now is None or before is None else now - before,
                }
            )
        return pd.DataFrame(rows)

    def buckets_table(self) -> pd.DataFrame:
        """figure, label, value, previous, change for each pendency age bucket."""
        return pd.DataFrame(
            [
                {
                    "figure": b,
                    "label": FIGURES[b].label,
                    "value": self.month.buckets[b],
                    "previous": self.previous.buckets[b],
                    "change": self.month.buckets[b] - self.previous.buckets[b],
                }
                for b in AGE_BUCKETS
            ]
        )

    def turnaround_table(self) -> pd.DataFrame:
        """level, level_name, stints, median_days, p90_days, and the month before's."""
        now = self.month.turnaround
        before = self.previous.turnaround.rename(
            columns={c: f"previous_{c}" for c in ("stints", "median_days", "p90_days")}
        )
        out = now.merge(before, on="level", how="outer").sort_values("level", na_position="last")
        out["level_name"] = [fmt.level(v, self.level_names) for v in out["level"]]
        cols = ["level", "level_name", "stints", "median_days", "p90_days"]
        return out[[*cols, *(f"previous_{c}" for c in cols[2:])]].reset_index(drop=True)

    def states_table(self, central: bool = False) -> pd.DataFrame:
        """The national edition's states side by side (or the central secretariat): state,
        T, then each `HEADLINE` figure this month."""
        chosen = self.central if central else self.states
        frame = self.month.per_state
        out = frame[frame["state"].isin(chosen)].copy()
        out.insert(1, "as_of", out["state"].map(self.month.as_of))
        return out.reset_index(drop=True)

    def department_movers(self) -> pd.DataFrame:
        """The departments that improved or slipped most on `DEPARTMENT_FIGURE`."""
        keys = ["state", "department"]
        now, before = self.month.per_department, self.previous.per_department
        if self.central:  # the national edition ranks the states' departments only
            now = now[~now["state"].isin(self.central)]
            before = before[~before["state"].isin(self.central)]
        return movers(now, before, keys, DEPARTMENT_FIGURE).assign(
            name=lambda f: _unit_names(f, self.national)
        )

    def level_movers(self) -> pd.DataFrame:
        """The levels that improved or slipped most on `LEVEL_FIGURE` (median turnaround)."""
        out = movers(self.month.turnaround, self.previous.turnaround, ["level"], LEVEL_FIGURE)
        return out.assign(name=[fmt.level(v, self.level_names) for v in out["level"]])

    def rows(self) -> int:
        """How many table rows the report holds (for the export's audit)."""
        tables = (self.headline_table(), self.buckets_table(), self.turnaround_table(),
                  self.month.longest, self.department_movers(), self.level_movers())  # fmt: skip
        extra = len(self.states) + len(self.central) if self.national else 0
        return sum(len(t) for t in tables) + extra

    def commentary(self) -> list[Remark]:
        """Every sentence of the report's commentary, generated from its figures, as codes
        and parameters (`Remark`; the output words them in the reader's language)."""
        prev = self.previous.period.month
        remarks = [
            sentence(name, self.previous.headline.get(name), self.month.headline.get(name), prev)
            for name in HEADLINE
        ]
        for kind, frame in (
            ("department", self.department_movers()),
            ("level", self.level_movers()),
        ):
            for verdict in ("improved", "slipped"):
                top = frame[frame["verdict"].eq(verdict)].head(1)
                if len(top):
                    row = top.iloc[0]
                    named = {"level": row["level"]} if kind == "level" else {"name": row["name"]}
                    remarks.append(
                        Remark(
                            f"{kind}_{verdict}",
                            {"figure": row["figure"], "before": row["previous"],
                             "now": row["value"], "previous_month": prev, **named},
                        )
                    )  # fmt: skip
        if self.national and len(self.states) > 1:
            remarks += _state_extremes(self.states_table())
        return [r for r in remarks if r is not None]


def sentence(
    name: str, before: float | None, now: float | None, previous_month: str
) -> Remark | None:
    """One figure's change (`previous_month` `YYYY-MM`): "Pending over 7 working days fell
    from 812 to 640, an improvement." is `fell_improvement` (direction from the registry;
    None when neither month has the figure)."""
    entry = figure(name)
    params = {"figure": name, "before": before, "now": now, "previous_month": previous_month}
    if now is None and before is None:
        return None
    if now is None:
        return Remark("no_figure_now", params)
    if before is None:
        return Remark("no_figure_before", params)
    if fmt.figure(entry, now) == fmt.figure(entry, before):  # too small to show: unchanged
        return Remark("unchanged", params)
    rose = now > before
    code = "rose" if rose else "fell"
    if entry.higher_is_better is not None:
        code += "_improvement" if rose == entry.higher_is_better else "_slip"
    return Remark(code, params)


def movers(
    now: pd.DataFrame, before: pd.DataFrame, keys: list[str], name: str, n: int = MOVERS
) -> pd.DataFrame:
    """The `n` groups (by `keys`) whose figure `name` improved most and the `n` that slipped
    most between `before` and `now` (direction from the registry; groups present in both).

    Columns: keys, figure, previous, value, change, verdict (improved / slipped), ordered
    improved first, each by the size of the change.
    """
    better_high = FIGURES[name].higher_is_better
    both = now[[*keys, name]].merge(before[[*keys, name]], on=keys, suffixes=("", "_before"))
    both = both.dropna(subset=[name, f"{name}_before"])
    out = both[keys].copy()
    out["figure"] = name
    out["previous"] = both[f"{name}_before"].astype("float64")
    out["value"] = both[name].astype("float64")
    out["change"] = out["value"] - out["previous"]
    gain = out["change"] if better_high else -out["change"]
    shown_same = np.array(
        [
            fmt.figure(name, a) == fmt.figure(name, b)
            for a, b in zip(out["previous"], out["value"], strict=True)
        ],
        dtype=bool,
    )  # a change too small to show is no change
    gain = gain.mask(shown_same, 0.0)
    out["verdict"] = np.select([gain > 0, gain < 0], ["improved", "slipped"], "")
    out["_size"] = gain.abs()
    improved = out[out["verdict"].eq("improved")].nlargest(n, "_size", keep="first")
    slipped = out[out["verdict"].eq("slipped")].nlargest(n, "_size", keep="first")
    return pd.concat([improved, slipped]).drop(columns="_size").reset_index(drop=True)


def _unit_names(frame: pd.DataFrame, national: bool) -> list[str]:
    if national:
        return [f"{s} / {d}" for s, d in zip(frame["state"], frame["department"], strict=True)]
    return frame["department"].astype(str).tolist()


def _state_extremes(states: pd.DataFrame) -> list[Remark]:
    """Which state is best and which worst on each headline figure that has a direction."""
    out = []
    for name in ("movement_ratio", "efile_share", "pending_over_7_working_days"):
        entry = FIGURES[name]
        known = states.dropna(subset=[name])
        if len(known) < 2 or entry.higher_is_better is None:
            continue
        ordered = known.sort_values([name, "state"], ascending=[not entry.higher_is_better, True])
        best, worst = ordered.iloc[0], ordered.iloc[-1]
        out.append(
            Remark(
                "state_extremes",
                {"figure": name, "best": best["state"], "best_value": best[name],
                 "worst": worst["state"], "worst_value": worst[name]},
            )
        )  # fmt: skip
    return out


# --- computing ------------------------------------------------------------------------------


def month_as_of(latest: pd.Series, month: Period) -> pd.Series:
    """Each state's T for `month`: the month's last instant, or the state's T (`latest`, its
    latest stored event) if earlier."""
    t = latest.copy()
    cut = pd.Series(month.last_instant, index=t.index).dt.as_unit("us")
    return t.where(t.lt(cut), cut).rename("timestamp")


def month_figures(
    prepared: views.Prepared,
    month: Period,
    filters: views.Filters,
    *,
    headline_states: tuple[str, ...] | None = None,
    ended: views.Prepared | None = None,
) -> MonthFigures:
    """The month's figures of `prepared`, the data as of the month's T (`month_as_of`), for
    the selection `filters` (scope, states, departments; its date range is set to the month).

    `headline_states` narrows the headline (the national edition's: the states without the
    central secretariat). `ended`: the same data as of a later T, if at hand: the stints
    ended in the month are the same in it, so turnaround reads it (one sort for both months).
    """
    chosen = replace(filters, start=month.start, end=month.end)
    head = chosen if headline_states is None else replace(chosen, states=headline_states)
    headline = views.overview_figures(prepared, head)
    per_state = views.state_figures(prepared, chosen, by=("state",))
    per_department = views.state_figures(prepared, chosen, by=("state", "department"))
    pendency = views.pendency_table(prepared, head)
    buckets = {b: int(pendency[b].sum()) for b in AGE_BUCKETS}
    turnaround = views.turnaround(ended or prepared, head, by_state=False)
    longest = views.longest_pending(prepared, head, n=LONGEST)
    act = prepared.activity
    keep = views.file_mask(act, replace(head, file_types=()))
    keep &= _in_month(act, month)
    return MonthFigures(
        period=month,
        as_of=prepared.analysis.as_of,
        headline={k: headline.get(k) for k in HEADLINE},
        per_state=per_state[["state", *HEADLINE]],
        per_department=per_department[["state", "department", *HEADLINE]],
        buckets=buckets,
        turnaround=turnaround[["level", "stints", "median_days", "p90_days"]],
        longest=longest,
        events_in_month=int(act["events"].to_numpy()[keep].sum()),
    )


def _in_month(activity: pd.DataFrame, month: Period) -> np.ndarray:
    """Per daily activity row: its day is in `month`."""
    day = activity["day"].to_numpy()
    return (day >= views.day_number(month.start)) & (day <= views.day_number(month.end))


def build(
    events: pd.DataFrame,
    latest: pd.Series,
    month: str,
    *,
    scope: Scope | None = None,
    state: str | None = None,
    department: str | None = None,
    levels: LevelTable | None = None,
    calendar: WorkCalendar | None = None,
    uploads: pd.DataFrame | None = None,
) -> MonthlyReport:
    """The monthly report of `events` (ordered or not) for `month` (`YYYY-MM`), each month
    analysed from the events (`analyse` cut at its T).

    `latest`: each state's T over ALL its stored events (`Store.latest_by_state`). The scope
    and the state / department select as `report --db` does; the 10 longest-pending files'
    holders are pseudonymised unless the scope may see names. Raises `NoDataError` when the
    selection has no event in the month.
    """
    scope = scope or Scope.everything()
    levels = levels or LevelTable.default()
    ordered = _states_read(events, scope, state, scope_words(scope, state, department))
    present = states_of(ordered)

    def at(instants: list[pd.Series]) -> list[views.Prepared]:
        return [
            views.prepare(analyse(ordered, as_of=t, levels=levels, calendar=calendar))
            for t in instants
        ]

    def span() -> tuple[pd.Timestamp, pd.Timestamp]:
        return ordered["timestamp"].min(), ordered["timestamp"].max()

    return _report(
        at, span, present, latest.reindex(present), month, scope, state, department, levels,
        uploads,
    )  # fmt: skip


def _report(
    at: Callable[[list[pd.Series]], list[views.Prepared]],
    span: Callable[[], tuple[pd.Timestamp, pd.Timestamp]],
    present: list[str],
    latest: pd.Series,
    month: str,
    scope: Scope,
    state: str | None,
    department: str | None,
    levels: LevelTable,
    uploads: pd.DataFrame | None,
    ended: views.Prepared | None = None,
) -> MonthlyReport:
    """The report from `at` (the selection's data as of each of a list of T per state: the
    month's and the month before's), `span` (its first
    and last event, for the message when the month has no data) and `present` (the states
    it holds, sorted; `latest`: their T); `ended`: see `month_figures`."""
    this = period(month)
    words = scope_words(scope, state, department)
    filters = views.Filters(
        states=(state,) if state else (),
        departments=(department,) if department else (),
        scope=scope,
    )
    central = [s for s in present if s in CENTRAL_SECRETARIAT] if state is None else []
    states = [s for s in present if s not in central] if state is None else [state]
    headline_states = tuple(states) if state is None and central else None
    before_month = this.before()
    prepared, earlier = at([month_as_of(latest, this), month_as_of(latest, before_month)])
    kw = {"headline_states": headline_states, "ended": ended}
    now = month_figures(prepared, this, filters, **kw)
    if now.events_in_month == 0 and not (
        central and _central_has(prepared, this, central, filters)
    ):
        first, last = (t.tz_convert(IST) for t in span())
        raise NoDataError(
            f"no data for {this.title} in {words}: its events run from {fmt.day(first)} to "
            f"{fmt.day(last)}; nothing was written"
        )
    del prepared
    before = month_figures(earlier, before_month, filters, **kw)
    protected = scope.protect(now.longest) if not scope.see_names else now.longest
    now.longest = protected.reset_index(drop=True)
    used = uploads if uploads is not None else pd.DataFrame(columns=["state", "uploaded_at"])
    return MonthlyReport(
        month=now,
        previous=before,
        scope_words=words,
        state=state,
        department=department,
        level_names=levels.level_names(),
        uploads=used,
        version=software_version(),
        names_shown=scope.see_names,
        states=states if state is None else [],
        central=central,
    )


def _states_read(events: pd.DataFrame, scope: Scope, state: str | None, words: str) -> pd.DataFrame:
    """The events of the states the report reads (`state`, else the scope's), in log order
    (a subset of an ordered log stays in log order); `NoDataError` when there are none."""
    visible = scope.visible_states()
    if state is not None or visible is not None:  # only the states read (T, cover line)
        wanted = {state} if state is not None else set(visible or ())
        keep = events["state"].isin(wanted).to_numpy()
        if not keep.all():
            events = events[keep].reset_index(drop=True)
    if events.empty:
        raise NoDataError(f"no data for {words}: the store holds no events in your scope")
    return events if "file_key" in events else order_events(events)


def states_of(events: pd.DataFrame) -> list[str]:
    """The states a log holds, sorted (from the distinct values, not row by row)."""
    return sorted(str(s) for s in pd.unique(events["state"].dropna()))


def _central_has(
    prepared: views.Prepared, month: Period, central: list[str], filters: views.Filters
) -> bool:
    """Whether the central secretariat's states have an event of the selection in the month."""
    act = prepared.activity
    keep = _in_month(act, month) & act["state"].isin(central).to_numpy()
    return bool((keep & views.file_mask(act, filters)).any())


def scope_words(scope: Scope, state: str | None = None, department: str | None = None) -> str:
    """The selection in words: "Manipur / Finance", "All states", or the reader's scope."""
    if state:
        return " / ".join(x for x in (state, department) if x)
    if department:
        return f"every state's {department} department"
    if scope.unrestricted:
        return "All states"
    parts = sorted(scope.states or ()) + sorted(f"{s} / {d}" for s, d in scope.departments)
    return ", ".join(parts) or "nothing"


def export_name(report: MonthlyReport) -> str:
    """What the audit log calls the export: `monthly report 2024-09 Manipur / Finance`."""
    return f"monthly report {report.month.period.month} {report.scope_words}"


def software_version() -> str:
    """`eoffice-analytics 0.1.0` (the installed package's version)."""
    try:
        return f"eoffice-analytics {metadata.version('eoffice-analytics')}"
    except metadata.PackageNotFoundError:
        return "eoffice-analytics (version unknown)"


# --- from the store -------------------------------------------------------------------------


def from_store(
    store: Store,
    month: str,
    *,
    scope: Scope | None = None,
    state: str | None = None,
    department: str | None = None,
    levels: LevelTable | None = None,
    calendar: WorkCalendar | None = None,
) -> MonthlyReport:
    """The monthly report read from a `Store` within `scope`, the way `report --db` reads:
    the scope applied to what is read, T each whole state's.

    With the store's level table and the default calendar (what the upload derived its
    snapshots with) each month is read from the states' snapshots as of the month's T
    (`Store.load_prepared_at`); otherwise from the events, analysed (`build`).
    """
    scope = scope or Scope.everything()
    period(month)  # a malformed month is refused before anything is read
    table = describe_level_table(store.levels.version_info()) if levels is None else None
    if levels is None and calendar is None:
        built = _from_snapshots(store, month, scope, state, department)
    else:
        events = load_scoped(
            store,
            scope,
            "events",
            states=[state] if state else None,
            departments=[department] if department else None,
            protect=False,
        )
        present = states_of(events)
        latest = store.latest_by_state(present) if present else pd.Series(dtype="object")
        built = build(
            events,
            latest,
            month,
            scope=scope,
            state=state,
            department=department,
            levels=levels or store.levels.current(),
            calendar=calendar,
            uploads=_uploads_of(store, present, scope, department),
        )
    if table is not None:
        built.level_table = table
    return built


def _from_snapshots(
    store: Store, month: str, scope: Scope, state: str | None, department: str | None
) -> MonthlyReport:
    """The report of the states' snapshots, each month's data as of its T (see `from_store`)."""
    visible = scope.visible_states()
    read = [state] if state else (None if visible is None else sorted(visible))
    words = scope_words(scope, state, department)
    selection = views.Filters(
        states=(state,) if state else (),
        departments=(department,) if department else (),
        scope=scope,
    )
    this = period(month)
    months = (this, this.before())
    whole, at_months = (
        store.load_prepared_at(lambda t: [month_as_of(t, m) for m in months], states=read)
        if read != []
        else (None, [])
    )
    if whole is None or not (keep := views.file_mask(whole.facts, selection)).any():
        raise NoDataError(f"no data for {words}: the store holds no events in your scope")
    present = states_of(whole.facts[keep])
    act = whole.activity
    days = act["day"].to_numpy()[views.file_mask(act, selection)]
    latest = whole.analysis.as_of.reindex(present)

    def at(instants: list[pd.Series]) -> list[views.Prepared]:
        """The months' data read above: as of `month_as_of` of the same T, the same instants."""
        return at_months

    def span() -> tuple[pd.Timestamp, pd.Timestamp]:
        first, last = (
            pd.Timestamp(int(d), unit="D").tz_localize(IST) for d in (days.min(), days.max())
        )
        return first, last

    return _report(
        at, span, present, latest, month, scope, state, department, store.levels.current(),
        _uploads_of(store, present, scope, department), ended=whole,
    )  # fmt: skip


def _uploads_of(
    store: Store, states: list[str], scope: Scope, department: str | None
) -> pd.DataFrame:
    """state, uploaded_at of each stored upload with rows of the selection (its touched
    (state, department) pairs inside the scope and the selection)."""
    history = store.uploads.history()
    rows = []
    for at, touched, status in zip(
        history["uploaded_at"], history["touched"], history["status"], strict=True
    ):
        if status != "stored":
            continue
        for s, d in touched:
            if s in states and scope.allows(s, d) and department in (None, d):
                rows.append({"state": s, "uploaded_at": at})
    frame = pd.DataFrame(rows, columns=["state", "uploaded_at"])
    return frame.drop_duplicates().reset_index(drop=True)
