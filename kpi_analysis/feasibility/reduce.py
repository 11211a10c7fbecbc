"""The one reduction of the feasibility analysis, written once in Ibis: lead rows -> monthly drivers.

A pandas frame runs in the embedded DuckDB (``core.reduction.as_table``); an Ibis table, such as
``Workbook.table("leads")``, runs where it lives (DuckDB on Parquet, PostgreSQL, ...). Only one row
per (created month, closed month) pair comes back; the months are filled in pandas.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..core.checks import require_columns
from ..core.columns import LEAD_STATUSES

__all__ = ["monthly_drivers", "reduce"]

COLUMNS = ["month", "leads", "closed", "won", "revenue", "conversion", "deal_size", "win_rate", "complete"]


def reduce(data, *, created: str = "created_at", closed: str = "closed_at", status: str = "status",
           value: str = "deal_value") -> pd.DataFrame:
    """Reduce lead rows to one row per month: leads, closed, won, revenue and the three drivers.

    Parameters
    ----------
    data : pandas.DataFrame or Ibis table
        The canonical ``leads`` table (one row per lead): a pandas frame, or an Ibis table such as
        ``Workbook.table("leads")`` (reduced in its own engine).
    created, closed, status, value : str
        Column names of the creation time, close time, status (``won``/``lost``/``open``) and the
        deal value (VND, set for won leads).

    Returns
    -------
    pandas.DataFrame
        One row per calendar month from the first to the last month in the data, columns:
        ``month`` (first day), ``leads`` (leads **created** that month), ``closed`` (leads won or lost
        with ``closed_at`` in the month), ``won`` (won deals **closed** that month), ``revenue`` (sum
        of their deal values), ``conversion = won / leads``, ``deal_size = revenue / won``,
        ``win_rate = won / closed`` and ``complete`` (False for a last month the data do not cover
        to its end, and for warm-up months at the start: those that begin before the data have run
        for the 95th percentile of the time to close, whose closes miss leads created before the data).
        :func:`~kpi_analysis.feasibility.assess` leaves incomplete months at either end out of the
        history and counts them.

    Notes
    -----
    Attribution: revenue and wins count in the month the deal closed (that is how revenue is
    booked and reported), new leads in the month they were created (that is the lead KPI). So
    ``conversion`` is a *throughput* rate (deals won this month per lead created this month),
    not the eventual win rate of the month's cohort, and the identity
    ``revenue = leads x conversion x deal_size`` holds exactly for every month with at least one
    win (``deal_size`` is NaN without wins, ``conversion`` NaN without leads). With a lead-to-close
    lag of weeks, the throughput rate tracks the cohort rate; a growing business makes it slightly
    lower. Open leads count in ``leads`` only. The 95th percentile of the time to close is the
    linear-interpolation quantile (SQL ``PERCENTILE_CONT``, numpy's default).

    Examples
    --------
    >>> leads = pd.DataFrame({
    ...     "created_at": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-03", "2026-02-10"]),
    ...     "closed_at": pd.to_datetime(["2026-01-25", "2026-02-05", "2026-02-20", None]),
    ...     "status": ["won", "lost", "won", "open"], "deal_value": [100.0, None, 300.0, None]})
    >>> t = reduce(leads)
    >>> t[["leads", "won", "revenue", "conversion", "deal_size"]].to_dict("list")
    {'leads': [2, 2], 'won': [1, 1], 'revenue': [100.0, 300.0], 'conversion': [0.5, 0.5], \
'deal_size': [100.0, 300.0]}
    """
    from ..core.reduction import as_table, require

    columns = [created, closed, status, value]
    if isinstance(data, pd.DataFrame):
        require_columns(data, table="leads", columns=columns)
        data = _engine_frame(data, created=created, closed=closed, status=status, value=value)
    t = as_table(data, "leads")
    require(t, "leads", columns)
    bounds = _check_and_bound(t, created=created, closed=closed, status=status, value=value)
    cells = _month_cells(t, created=created, closed=closed, status=status, value=value)
    return _monthly_table(cells, bounds)


def monthly_drivers(leads, **kwargs) -> pd.DataFrame:
    """Deprecated name of :func:`reduce` (``feasibility.monthly_drivers(leads)`` -> ``feasibility.reduce(leads)``).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = monthly_drivers(pd.DataFrame({"created_at": pd.to_datetime(["2026-01-05"]),
    ...                                       "closed_at": pd.NaT, "status": ["open"], "deal_value": None}))
    >>> print(caught[0].message)
    feasibility.monthly_drivers() is now feasibility.reduce(); the old name stops working in the next release.
    """
    warnings.warn("feasibility.monthly_drivers() is now feasibility.reduce(); the old name stops working in the "
                  "next release.", DeprecationWarning, stacklevel=2)
    return reduce(leads, **kwargs)


def _engine_frame(frame: pd.DataFrame, *, created: str, closed: str, status: str, value: str) -> pd.DataFrame:
    """The four columns the reduction reads, with dates as datetimes and the value as a number
    (text that is not a number becomes missing, and is refused below for won leads).

    Times are floored to the microsecond, the engines' resolution: a floor never moves a time into
    another month, and changes a time to close by less than a microsecond.
    """
    out = frame[list(dict.fromkeys([created, closed, status, value]))].copy()
    out.attrs = {}
    for c in (created, closed):
        if not pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = pd.to_datetime(out[c])
        out[c] = out[c].dt.floor("us").astype(out[c].dtype.name.replace("[ns", "[us"))
    if not pd.api.types.is_numeric_dtype(out[value]) or pd.api.types.is_bool_dtype(out[value]):
        out[value] = pd.to_numeric(out[value], errors="coerce")
    return out


def _check_and_bound(t, *, created: str, closed: str, status: str, value: str) -> pd.Series:
    """One scan: the broken rules (raised, naming the column and a few values) and the data's bounds."""
    from ..core.reduction import count_if, if_then

    done = t[status].isin(["won", "lost"])
    won = t[status] == "won"
    rules = [  # (column, rule, rows that break it), in the order they are reported
        (status, f"must be one of {list(LEAD_STATUSES)}", t[status].isnull() | ~t[status].isin(list(LEAD_STATUSES))),
        (created, "must be a date", t[created].isnull()),
        (closed, "must be set for won/lost leads", done & t[closed].isnull()),
        (value, "must be a number >= 0 for won leads", won & (t[value].isnull() | (t[value] < 0))),
    ]
    lag = (t[closed].epoch_seconds().cast("float64") - t[created].epoch_seconds().cast("float64")) / 86400
    lag = if_then(done & t[closed].notnull(), lag)
    bounds = t.aggregate(first=t[created].min(), last_created=t[created].max(), last_closed=t[closed].max(),
                         n=t.count(), lag95=lag.quantile(0.95),
                         **{f"bad{i}": count_if(cond) for i, (_, _, cond) in enumerate(rules)}).execute().iloc[0]
    for i, (column, rule, cond) in enumerate(rules):
        n_bad = int(bounds[f"bad{i}"] or 0)
        if n_bad:
            shown = t.filter(cond).select(column).limit(5).execute()[column].tolist()
            raise ValueError(f"leads.{column} {rule}: {n_bad} row(s) do not, e.g. "
                             f"{', '.join(repr(_plain(v)) for v in shown)}.")
    if not int(bounds["n"]):
        raise ValueError("leads: no rows to reduce.")
    return bounds


def _plain(v):
    """A fetched value as the user wrote it (None for SQL NULL, plain numbers)."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    return v.item() if isinstance(v, np.generic) else v


def _month_cells(t, *, created: str, closed: str, status: str, value: str) -> pd.DataFrame:
    """Leads, wins and revenue per (created month, closed month of won/lost leads): the one grouped scan."""
    from ..core.reduction import as_timestamps, count_if, fetch, if_then

    done = t[status].isin(["won", "lost"])
    won = t[status] == "won"
    shut = done & t[closed].notnull()
    cells = fetch(t.group_by(cm=t[created].truncate("M"), km=if_then(shut, t[closed].truncate("M"))).aggregate(
        leads=t.count(), won=count_if(won & t[closed].notnull()),
        revenue=if_then(won & t[closed].notnull(), t[value].cast("float64")).sum()))
    cells["cm"], cells["km"] = as_timestamps(cells["cm"]), as_timestamps(cells["km"])
    for c in ("leads", "won"):
        cells[c] = pd.to_numeric(cells[c]).astype("int64")
    cells["revenue"] = pd.to_numeric(cells["revenue"]).astype(float)
    return cells


def _monthly_table(cells: pd.DataFrame, bounds: pd.Series) -> pd.DataFrame:
    """Both marginals of the cells on the full month range, the three drivers and the ``complete`` flag."""
    by_created = cells.groupby("cm")["leads"].sum()
    shut = cells.dropna(subset=["km"])
    by_closed = shut.groupby("km").agg(closed=("leads", "sum"), won=("won", "sum"),
                                       revenue=("revenue", lambda v: v.sum(min_count=1)))
    last = bounds["last_created"] if pd.isna(bounds["last_closed"]) else max(bounds["last_created"],
                                                                               bounds["last_closed"])
    last = pd.Timestamp(last)
    first = pd.Timestamp(bounds["first"])
    months = pd.date_range(first.to_period("M").to_timestamp(), last.to_period("M").to_timestamp(), freq="MS")
    out = pd.DataFrame({"month": months})
    out["leads"] = pd.to_numeric(by_created).reindex(months, fill_value=0).to_numpy().astype("int64")
    out["closed"] = pd.to_numeric(by_closed["closed"]).reindex(months, fill_value=0).to_numpy().astype("int64")
    out["won"] = pd.to_numeric(by_closed["won"]).reindex(months, fill_value=0).to_numpy().astype("int64")
    out["revenue"] = (pd.to_numeric(by_closed["revenue"]).fillna(0.0).reindex(months, fill_value=0.0)
                      .to_numpy().astype(float))
    out["conversion"] = out["won"] / out["leads"].where(out["leads"] > 0)
    out["deal_size"] = out["revenue"] / out["won"].where(out["won"] > 0)
    out["win_rate"] = out["won"] / out["closed"].where(out["closed"] > 0)
    month_end = (months + pd.offsets.MonthEnd(0)).normalize()
    # Warm-up: a month's closes include leads created before it; until the data have run for the
    # usual time to close (95th percentile), some of those leads predate the data and are missing.
    lag95 = 0.0 if pd.isna(bounds["lag95"]) else float(bounds["lag95"])
    warm_until = first.normalize() + pd.Timedelta(days=lag95)
    out["complete"] = np.asarray((month_end <= last.normalize()) & (months >= warm_until))
    return out[COLUMNS]
