"""Checking the data of an assessment: every accepted input to one monthly series the models can use.

:func:`~kpi_analysis.feasibility.assess` takes lead rows (pandas or Ibis, reduced by
:func:`~kpi_analysis.feasibility.reduce`), the reduced monthly drivers table, any ``month``/``value``
table or a monthly Series. :func:`history_series` turns each into a monthly Series (and the drivers
table when there is one); :func:`prepare` cuts it at the report month, keeps the last unbroken
stretch and decides the scale and the seasonality. Rows left out are counted as
``core.results.excluded`` codes, the reasons recorded as ``core.results.note`` codes.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..core.checks import reject_rows, require_columns
from ..core.periods import parse_period
from ..core.results import excluded, note
from .reduce import reduce
from .results import Prepared
from .stats import MIN_MONTHS, SEASON

__all__ = ["complete_drivers", "driver_input", "history_series", "is_drivers", "is_leads", "is_table",
           "monthly_drivers_by_month", "prepare", "to_month"]

LEAD_COLUMNS = {"created_at", "closed_at", "status", "deal_value"}
DRIVER_COLUMNS = {"month", "leads", "won", "revenue"}


def is_table(data) -> bool:
    """An Ibis table (or anything that executes to a frame), without importing Ibis."""
    return hasattr(data, "execute") and hasattr(data, "columns") and not isinstance(data, pd.DataFrame)


def is_leads(data) -> bool:
    return LEAD_COLUMNS <= set(data.columns)


def is_drivers(data) -> bool:
    return DRIVER_COLUMNS <= set(data.columns)


def complete_drivers(drivers: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Drop incomplete months at either end of a drivers table (``complete`` column, if any):
    (kept rows, first kept position, end position)."""
    if "complete" not in drivers.columns or len(drivers) == 0:
        return drivers, 0, len(drivers)
    ok = drivers["complete"].astype(bool).to_numpy()
    if not ok.any():
        raise ValueError("drivers.complete: no month is complete (the data cover less than the time to "
                         "close a deal); nothing to analyse.")
    first, end = int(np.argmax(ok)), len(ok) - int(np.argmax(ok[::-1]))
    return drivers.iloc[first:end], first, end


def to_month(values, *, table: str, column: str) -> pd.DatetimeIndex:
    """Month starts of dates, months ("2026-10") or monthly periods; refuses what is not a month."""
    if isinstance(values, pd.PeriodIndex):
        return values.to_timestamp(how="start")
    s = pd.Series(values)
    if isinstance(s.dtype, pd.PeriodDtype):
        return pd.DatetimeIndex(s.dt.to_timestamp(how="start"))
    parsed = pd.to_datetime(s.astype(str) if s.dtype == object or pd.api.types.is_string_dtype(s) else s,
                            errors="coerce")
    bad = parsed.isna()
    if bad.any():
        frame = pd.DataFrame({column: s.to_numpy()})
        reject_rows(frame, pd.Series(bad.to_numpy()), table=table, column=column, rule="must be a month")
    return pd.DatetimeIndex(parsed.dt.to_period("M").dt.to_timestamp())


def _series_history(history: pd.Series, kpi: str | None) -> tuple[pd.Series, str]:
    idx = history.index
    if not isinstance(idx, (pd.DatetimeIndex, pd.PeriodIndex)):
        raise TypeError("history: a Series needs a monthly DatetimeIndex or PeriodIndex; got "
                        f"{type(idx).__name__}. Pass a DataFrame with 'month' and 'value' instead.")
    months = to_month(idx, table="history", column="index")
    y = pd.Series(pd.to_numeric(history, errors="coerce").to_numpy(dtype=float), index=months)
    return y, kpi or (str(history.name) if history.name is not None else "value")


def history_series(data, *, month: str, value: str | None, kpi: str | None):
    """Every accepted input as (monthly Series, KPI name, drivers table or None, excluded, notes)."""
    exclusions: list[dict] = []
    notes: list[dict] = []
    drivers = None
    if is_table(data):  # an Ibis table: lead rows are reduced where they live, anything else is small
        data = reduce(data) if is_leads(data) else data.execute()
    if isinstance(data, pd.Series):
        y, name = _series_history(data, kpi)
    elif isinstance(data, pd.DataFrame):
        history = reduce(data) if is_leads(data) else data
        trim = is_drivers(history)
        if trim:
            value = value or "revenue"
            history = history.sort_values("month", ignore_index=True)
        value = value or "value"
        require_columns(history, table="history", columns=[month, value])
        months = to_month(history[month], table="history", column=month)
        vals = pd.to_numeric(history[value], errors="coerce")
        reject_rows(history, vals.isna() & history[value].notna(), table="history", column=value,
                    rule="must be numeric")
        y = pd.Series(vals.to_numpy(dtype=float), index=months)
        name = kpi or value
        if trim:
            kept, first, end = complete_drivers(history)
            drivers = kept.copy() if value == "revenue" else None  # the tree explains revenue only
            if first or end < len(y):
                cut = [m.strftime("%Y-%m") for m in list(months[:first]) + list(months[end:])]
                notes.append(note("note_incomplete", months=", ".join(cut)))
                exclusions.append(excluded("incomplete_months", len(cut), months=", ".join(cut)))
                y = y.iloc[first:end]
    else:
        raise TypeError(f"history must be a DataFrame (month/value, monthly drivers or lead rows), an Ibis table "
                        f"or a monthly Series; got {type(data).__name__}.")
    if y.index.duplicated().any():
        dup = y.index[y.index.duplicated()].strftime("%Y-%m").tolist()[:5]
        raise ValueError(f"history.{month} must have one row per month (sum first): "
                         f"{int(y.index.duplicated().sum())} duplicate month(s), e.g. {dup}.")
    return y.sort_index(), name, drivers, exclusions, notes


def driver_input(drivers) -> pd.DataFrame:
    """The ``drivers=`` argument (lead rows, pandas or Ibis, or the reduced table) as the complete months
    of the monthly drivers table."""
    if is_table(drivers):
        drivers = reduce(drivers) if is_leads(drivers) else drivers.execute()
    if not isinstance(drivers, pd.DataFrame):
        raise TypeError(f"drivers must be lead rows or a reduced drivers table; got {type(drivers).__name__}.")
    drv = reduce(drivers) if is_leads(drivers) else drivers
    require_columns(drv, table="drivers", columns=["month", "leads", "won", "revenue"])
    return complete_drivers(drv)[0]


def monthly_drivers_by_month(drivers: pd.DataFrame | None, last: pd.Timestamp) -> pd.DataFrame | None:
    """The drivers table indexed by month start, sorted, up to the last month of the history used."""
    if drivers is None:
        return None
    d = drivers.copy()
    d["month"] = to_month(d["month"], table="drivers", column="month")
    d = d.set_index("month").sort_index()
    return d[d.index <= last]


def prepare(y: pd.Series, period: str | None, exclusions: list, notes: list) -> Prepared:
    """Cut the series at the report month ``period``, keep its last unbroken stretch, choose the scale
    (log unless a value is zero or negative) and the seasonality (two full seasons or more).

    Appends to ``exclusions`` and ``notes``; warns (UserWarning) for gaps, short and non-positive histories.
    """
    from .present import note_text

    if period:
        p = parse_period(period)
        if p.kind == "week":
            raise ValueError(f"period (the report period) must be a month 'YYYY-MM', a quarter 'YYYY-Qn' or a "
                             f"year 'YYYY' (targets are not set for weeks); got {period!r}.")
        last = p.end.to_period("M").to_timestamp()  # the period's last month
        after = y.index > last
        if after.any():
            exclusions.append(excluded("after_period", int(after.sum()), period=p.text))
            y = y[~after]
    y = y.loc[y.first_valid_index():y.last_valid_index()] if y.notna().any() else y.iloc[:0]
    if len(y) == 0:
        raise ValueError("history: no months with a value to analyse.")
    y = y.reindex(pd.date_range(y.index[0], y.index[-1], freq="MS"))
    missing = y.index[y.isna()]
    if len(missing):
        keep_from = missing[-1] + pd.DateOffset(months=1)
        before = y.index < keep_from
        exclusions.append(excluded("before_gap", int(y[before].notna().sum())))
        notes.append(note("note_gap", examples=", ".join(missing.strftime("%Y-%m")[:3]),
                          n=int((~before).sum()), start=keep_from.strftime("%Y-%m")))
        y = y[~before]
    if len(y) < MIN_MONTHS:
        raise ValueError(f"history: only {len(y)} consecutive month(s) with a value; at least {MIN_MONTHS} "
                         "are needed to forecast (more than 24 to model seasonality).")
    nonpos = y <= 0
    if nonpos.any():
        notes.append(note("note_nonpositive", n=int(nonpos.sum()),
                          examples=", ".join(y.index[nonpos].strftime("%Y-%m")[:3])))
    seasonal = len(y) >= 2 * SEASON
    if not seasonal:
        notes.append(note("note_short", n=len(y)))
    for n in notes:
        if n["code"] in ("note_gap", "note_nonpositive", "note_short"):
            warnings.warn(note_text(n, "en"), UserWarning, stacklevel=4)
    y.index.freq = "MS"
    return Prepared(y=y.astype(float), log=not nonpos.any(), seasonal=seasonal)
