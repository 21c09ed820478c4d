"""Working-day calendar: elapsed time counted only on IST working days (metrics.md, Durations)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
        """Holidays from a CSV with columns `state,date` (date as YYYY-MM-DD or DD-MM-YYYY)."""
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.columns = [c.strip().lower() for c in frame.columns]
        if not {"state", "date"} <= set(frame.columns):
            raise ValueError(f"{path}: holiday list needs the columns state,date")
        days = pd.to_datetime(frame["date"].str.strip(), format="mixed", dayfirst=True).dt.date
        holidays: dict[str, list[date]] = {}
        for state, day in zip(frame["state"].str.strip(), days, strict=True):
            holidays.setdefault(state, []).append(day)
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
        if self.holidays:
            codes, names = pd.factorize(state[valid])
            groups: Iterable[tuple[Any, Any]] = enumerate(np.asarray(names, dtype=object))
        else:
            groups = [(None, None)]
        for code, name in groups:
            mask = slice(None) if code is None else codes == code
            holidays = np.array(self.holidays.get(name, ()), dtype="datetime64[D]")
            d = days[mask]
            whole = np.busday_count(_EPOCH, d, weekmask=self.weekmask, holidays=holidays)
            on = np.is_busday(d, weekmask=self.weekmask, holidays=holidays)
            out[mask] = whole + np.where(on, frac[mask], 0.0)
        result[valid] = out
        return result


def elapsed_days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Exact elapsed days between two tz-aware series (NaN where either is NaT)."""
    return (end - start).dt.total_seconds() / SECONDS_PER_DAY
