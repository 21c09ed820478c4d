"""Working-day calendar: elapsed time counted only on IST working days (metrics.md, Durations)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.schema import IST

SECONDS_PER_DAY = 86_400.0
CSMOP_WORKING_DAYS = 7
"""CSMOP's norm: a file should not stay with one holder more than 7 working days."""


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
        out = np.full(len(start), np.nan)
        states = state.to_numpy()
        for name in pd.unique(states):
            mask = states == name
            holidays = np.array(self.holidays.get(name, ()), dtype="datetime64[D]")
            a = self._cumulative(start[mask], holidays)
            b = self._cumulative(end[mask], holidays)
            out[mask] = b - a
        return pd.Series(out, index=start.index)

    def _cumulative(self, moments: pd.Series, holidays: np.ndarray) -> np.ndarray:
        """Working days from 1970-01-01 IST to each moment (NaN for NaT)."""
        local = moments.dt.tz_convert(IST).dt.tz_localize(None)
        valid = local.notna().to_numpy()
        values = local.to_numpy(dtype="datetime64[us]")
        result = np.full(len(values), np.nan)
        if not valid.any():
            return result
        v = values[valid]
        days = v.astype("datetime64[D]")
        frac = (v - days).astype("timedelta64[us]").astype(np.int64) / (SECONDS_PER_DAY * 1e6)
        epoch = np.datetime64("1970-01-01", "D")
        whole = np.busday_count(epoch, days, weekmask=self.weekmask, holidays=holidays)
        on = np.is_busday(days, weekmask=self.weekmask, holidays=holidays)
        result[valid] = whole + np.where(on, frac, 0.0)
        return result


def elapsed_days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Exact elapsed days between two tz-aware series (NaN where either is NaT)."""
    return (end - start).dt.total_seconds() / SECONDS_PER_DAY
