"""`ist_days`, the one rule for an instant's IST calendar day (used by the snapshots, the
views and process mining), against an independent route: converting to IST and reading the
date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from analytics.log.calendar import ist_days
from analytics.schema import IST


def test_the_ist_day_turns_at_ist_midnight_not_utc():
    moments = pd.Series(
        pd.to_datetime(
            ["2024-03-04 18:29:59", "2024-03-04 18:30:00", None, "1970-01-01 00:00:00"], utc=True
        )
    )
    days = ist_days(moments)
    epoch = date(1970, 1, 1)
    assert days[0] == (date(2024, 3, 4) - epoch).days  # 23:59:59 IST on the 4th
    assert days[1] == (date(2024, 3, 5) - epoch).days  # 00:00 IST on the 5th
    assert np.isnan(days[2])
    assert days[3] == 0  # 05:30 IST on 1-Jan-1970


@given(
    st.lists(
        st.datetimes(min_value=pd.Timestamp("1950-01-01").to_pydatetime(),
                     max_value=pd.Timestamp("2100-01-01").to_pydatetime()),
        min_size=1,
        max_size=20,
    )
)  # fmt: skip
def test_ist_days_equals_the_date_read_in_ist(naive_utc):
    moments = pd.Series(pd.to_datetime(naive_utc).tz_localize("UTC"))
    expected = [(m.astimezone(IST).date() - date(1970, 1, 1)).days for m in moments]
    assert ist_days(moments).tolist() == expected
