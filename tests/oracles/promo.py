"""The pandas reduction the promotion test used before its one Ibis reduction (kept as a test oracle).

``daily_sums(sales)`` is what ``kpi_analysis.promo.reduce`` must return: one row per location and day
with the sum of each outcome (NaN when every row of the day is blank) and the number of rows.
"""
from __future__ import annotations

import pandas as pd

OUTCOMES = ("revenue", "orders")


def daily_sums(sales: pd.DataFrame, *, outcome=OUTCOMES, date: str = "date",
               location: str = "location") -> pd.DataFrame:
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    if not isinstance(outcome, str) and tuple(outcomes) == OUTCOMES:
        outcomes = [c for c in outcomes if c in sales.columns]
    dates = pd.to_datetime(sales[date])
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    frame = pd.DataFrame({"location": sales[location].astype(str),
                          "date": dates.dt.normalize().astype("datetime64[ns]")})
    for col in outcomes:
        frame[col] = pd.to_numeric(sales[col]).astype(float)
    grouped = frame.groupby(["location", "date"], sort=True)
    out = grouped[outcomes].sum(min_count=1)
    out["rows"] = grouped.size()
    return out.reset_index()
