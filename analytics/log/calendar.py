"""Working-day calendar: elapsed time counted only on IST working days (metrics.md, Durations)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.schema import IST

SECONDS_PER_DAY = 86_400.0
_DAY_US = 86_400_000_000
_IST_OFFSET_US = 19_800_000_000
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class WorkCalendar:
    """A weekmask (Mon..Sun, '1111100' = Monday–Friday) and holiday dates per state."""

    weekmask: str = "1111100"
    holidays: Mapping[str, Sequence[date]] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: str | Path, weekmask: str = "1111100") -> WorkCalendar:
        """Holidays from a CSV with columns `state,date` (docs/log-format.md, "Holiday lists").

        A date is read by the log's timestamp rules (`parse_timestamps`): year first
        (2024-03-05, 2024/03/05) or day first (05-03-2024, 5/3/2024, 05.03.2024, 05-Mar-2024),
        never month first. A date that is unreadable, has a two-digit year (ambiguous), or
        carries a time other than 00:00 makes the list unusable: ValueError naming the line.
        """
        from analytics.log.reading import parse_timestamps

        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
        frame.columns = [c.strip().lower() for c in frame.columns]
        if not {"state", "date"} <= set(frame.columns):
            raise ValueError(f"{path}: holiday list needs the columns state,date")
        states, texts = frame["state"].str.strip(), frame["date"].str.strip()
        lines = np.arange(len(frame)) + 2  # the header is line 1
        filled = (states != "") | (texts != "")
        states, texts, lines = states[filled], texts[filled], lines[filled.to_numpy()]
        moments = parse_timestamps(texts)
        holidays: dict[str, list[date]] = {}
        for line, state, text, moment in zip(lines, states, texts, moments, strict=True):
            problem = _holiday_problem(state, text, moment)
            if problem:
                raise ValueError(f"{path}: line {line}: {problem}")
            holidays.setdefault(state, []).append(moment.date())
        return cls(weekmask=weekmask, holidays=holidays)

    def working_days(self, start: pd.Series, end: pd.Series, state: pd.Series) -> pd.Series:
        """Working days between start and end (tz-aware), per row's state; NaN where either is NaT."""
        return pd.Series(self.position(end, state) - self.position(start, state), index=start.index)

    def position(self, moments: pd.Series, state: pd.Series) -> np.ndarray:
        """Working days from 1970-01-01 IST to each moment in its state's calendar (NaN for NaT).

        The difference of two positions is the working time between them.
        """
        micros = moments.dt.as_unit("us").array.asi8
        valid = ~moments.isna().to_numpy()
        local = micros[valid] + _IST_OFFSET_US
        days = local // _DAY_US
        frac = (local - days * _DAY_US) / _DAY_US
        days = days.astype("datetime64[D]")
        result = np.full(len(micros), np.nan)
        out = np.empty(len(local))
        for mask, holidays in self._groups(state, valid):
            d = days[mask]
            whole = np.busday_count(_EPOCH, d, weekmask=self.weekmask, holidays=holidays)
            on = np.is_busday(d, weekmask=self.weekmask, holidays=holidays)
            out[mask] = whole + np.where(on, frac[mask], 0.0)
        result[valid] = out
        return result

    def _groups(
        self, state: pd.Series, valid: np.ndarray
    ) -> Iterator[tuple[slice | np.ndarray, np.ndarray]]:
        """(mask over the valid rows, holiday dates) per state of those rows; one group for
        every row when there are no holidays."""
        if not self.holidays:
            yield slice(None), np.array([], dtype="datetime64[D]")
            return
        codes, names = pd.factorize(pd.Series(np.asarray(state, dtype=object)[valid]))
        for code, name in enumerate(np.asarray(names, dtype=object)):
            yield codes == code, np.array(self.holidays.get(name, ()), dtype="datetime64[D]")

    def moment_at(self, positions: np.ndarray, state: pd.Series) -> pd.Series:
        """The first moment (IST) at which each working-day `position` is passed: the inverse
        of `position` (NaT for NaN). A whole position falls at 00:00 of a working day, the
        moment counting resumes after it (so after a weekend, not on the Friday night)."""
        positions = np.asarray(positions, dtype="float64")
        valid = ~np.isnan(positions)
        whole = np.floor(positions[valid]).astype(np.int64)
        frac = positions[valid] - whole
        days = np.empty(len(whole), dtype="datetime64[D]")
        for mask, holidays in self._groups(state, valid):
            days[mask] = np.busday_offset(
                _EPOCH, whole[mask], roll="forward", weekmask=self.weekmask, holidays=holidays
            )
        micros = np.full(len(positions), np.iinfo(np.int64).min, dtype=np.int64)
        local = days.astype("datetime64[us]").astype(np.int64) + np.round(frac * _DAY_US)
        micros[valid] = local.astype(np.int64) - _IST_OFFSET_US
        moments = pd.to_datetime(pd.Series(micros, index=state.index), unit="us", utc=True)
        return moments.dt.tz_convert(IST)


_TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[-/.](?:\d{1,2}|[A-Za-z]{3})[-/.]\d{2}$")


def _holiday_problem(state: str, text: str, moment: pd.Timestamp) -> str | None:
    """Why a holiday row cannot be used, or None."""
    if not state:
        return "state is blank"
    if not text:
        return "date is blank"
    if _TWO_DIGIT_YEAR.match(text):
        return f"date '{text}' is ambiguous: write the year with four digits (YYYY-MM-DD or DD-MM-YYYY)"
    if pd.isna(moment):
        return f"date '{text}' is not a readable date (YYYY-MM-DD or DD-MM-YYYY, never month first)"
    if (moment.hour, moment.minute, moment.second, moment.microsecond) != (0, 0, 0, 0):
        return f"date '{text}' has a time of day; a holiday is a whole day: give the date alone"
    return None


def elapsed_days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Exact elapsed days between two tz-aware series (NaN where either is NaT)."""
    return (end - start).dt.total_seconds() / SECONDS_PER_DAY


_DAY_US = 86_400_000_000
_IST_US = 19_800_000_000


def ist_days(moments: pd.Series) -> np.ndarray:
    """Each moment's IST calendar day as days since 1970-01-01 (float, NaN for NaT).

    IST has had one fixed offset since 1945, so this is integer arithmetic on the UTC
    microseconds."""
    micros = moments.dt.as_unit("us").array.asi8
    missing = moments.isna().to_numpy()
    days = np.floor_divide(micros + _IST_US, _DAY_US).astype("float64")
    days[missing] = np.nan
    return days
