"""The one reduction of the location tests: sales rows -> one row per location and day.

Written once, in Ibis (``core.reduction``): a pandas frame is checked here (dates, numbers, case
variants of the location names) and goes through ``ibis.memtable`` into the embedded DuckDB; an
Ibis table (``Workbook.table("sales")`` on DuckDB, Parquet or PostgreSQL) is reduced where it lives.
Only the daily sums come back.

Examples
--------
>>> rows = pd.DataFrame({"date": ["2026-01-01", "2026-01-01", "2026-01-02"],
...                      "location": ["A", "A", "A"], "revenue": [1.0, 2.0, 5.0]})
>>> reduce(rows, outcome="revenue")[["date", "revenue", "rows"]].to_dict("list")["revenue"]
[3.0, 5.0]
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.checks import reject_rows, require_columns, warn_case_variants
from ..core.deprecation import renamed

__all__ = ["OUTCOMES", "as_daily", "daily_sums", "location_names", "reduce", "to_dates"]

OUTCOMES = ("revenue", "orders")


def reduce(data, *, outcome: str | Sequence[str] = OUTCOMES, date: str = "date",
           location: str = "location") -> pd.DataFrame:
    """Reduce sales rows to one row per location and day: the sum of each outcome and the row count.

    Parameters
    ----------
    data : pandas.DataFrame or Ibis table
        Sales rows (the canonical ``sales`` table has one per location-day; transaction-level rows
        are summed). An Ibis table (e.g. ``Workbook.table("sales")``) is reduced in its own engine.
    outcome : str or list of str, default ("revenue", "orders")
        Numeric columns to sum; columns in the default that are absent are skipped.
    date, location : str
        Column names of the day (datetime or ISO text; the time of day is dropped) and the location.

    Returns
    -------
    pandas.DataFrame
        Columns ``location`` (str), ``date`` (datetime64, midnight), one column per outcome (sum,
        NaN when every row of the day is blank) and ``rows`` (rows summed). Sorted by location and
        date. Days without rows are absent: :func:`~kpi_analysis.promo.analyze` counts them as missing.

    Raises
    ------
    ValueError
        A missing column, a date that is blank or not a date, an outcome that is not a number.

    Notes
    -----
    Location names that differ only by case ("Hà Nội" / "hà nội") are kept apart, with a
    ``CaseVariantWarning``; a ``values:`` mapping in workbook.yml merges them.

    Examples
    --------
    >>> rows = pd.DataFrame({"date": ["2026-01-01 09:30", "2026-01-01 18:00", "2026-01-01 12:00"],
    ...                      "location": ["A", "A", "B"], "revenue": [1.0, 2.0, 5.0], "orders": [1, 1, 2]})
    >>> reduce(rows)
      location       date  revenue  orders  rows
    0        A 2026-01-01      3.0     2.0     2
    1        B 2026-01-01      5.0     2.0     1
    """
    from ..core.reduction import as_table, require

    keys = [date, location]
    if isinstance(data, pd.DataFrame):
        outcomes = _outcomes(outcome, data.columns, keys,
                             lambda cols: require_columns(data, table="sales", columns=cols))
        t = as_table(_checked_rows(data, outcomes, date=date, location=location))
        date, location = "date", "location"
    else:
        t = as_table(data, "sales")
        outcomes = _outcomes(outcome, t.columns, keys, lambda cols: require(t, "sales", cols))
    out = _daily(t, outcomes, date=date, location=location)
    if not isinstance(data, pd.DataFrame):
        _check_engine_result(out, date=date, location=location)
    return out


@renamed(sales="data")
def daily_sums(data, **kwargs) -> pd.DataFrame:
    """Deprecated alias of :func:`reduce` (the one reduction's name in every analysis).

    Examples
    --------
    >>> import warnings
    >>> rows = pd.DataFrame({"date": ["2026-01-01"], "location": ["A"], "revenue": [1.0]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     daily_sums(rows, outcome="revenue")["rows"].tolist()
    [1]
    """
    warnings.warn("promo.daily_sums() is now promo.reduce(); the old name stops working in the next release.",
                  DeprecationWarning, stacklevel=3)  # the caller, past the `renamed` wrapper
    return reduce(data, **kwargs)


def _outcomes(outcome, columns, keys: list[str], require) -> list[str]:
    """The outcome columns to sum: all named, or those of the default ("revenue", "orders") present;
    ``require`` refuses the missing ones together with missing ``keys``."""
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    if isinstance(outcome, str) or tuple(outcomes) != OUTCOMES:
        require([*keys, *outcomes])
        return outcomes
    require(keys)
    present = [c for c in outcomes if c in columns]
    if not present:
        require(["revenue"])
    return present


def location_names(values) -> pd.Series:
    """Location names as keys: text, Unicode NFC, inner whitespace collapsed, ends trimmed (as the data
    layer loads them), so a name typed in NFD (macOS) matches the same name in the sales.

    Examples
    --------
    >>> import unicodedata
    >>> location_names([unicodedata.normalize("NFD", "Hà Nội "), 7]).tolist() == ["Hà Nội", "7"]
    True
    """
    from ..formats import normalize_text

    return normalize_text(pd.Series(values, dtype="object").astype(str)).astype(object)


def _checked_rows(sales: pd.DataFrame, outcomes: list[str], *, date: str, location: str) -> pd.DataFrame:
    """Check pandas rows (dates, numbers, case variants) and give them canonical columns for the engine."""
    warn_case_variants(sales, [location], table="sales")
    frame = pd.DataFrame({"location": location_names(sales[location]).to_numpy(),
                          "date": to_dates(sales[date], table="sales", column=date)})
    for col in outcomes:
        values = pd.to_numeric(sales[col], errors="coerce")
        reject_rows(sales, values.isna() & sales[col].notna(), table="sales", column=col,
                    rule="must be numeric")
        frame[col] = values.astype(float)
    return frame


def _daily(t, outcomes: list[str], *, date: str, location: str) -> pd.DataFrame:
    """The reduction itself: one Ibis expression, run where ``t`` lives."""
    from ..core.reduction import as_str, as_timestamps, fetch

    g = t.mutate(_location=t[location].cast("string"), _date=t[date].cast("timestamp").truncate("D"))
    out = fetch(g.group_by(["_location", "_date"]).aggregate(
        rows=g.count(), **{c: g[c].cast("float64").sum() for c in outcomes}))
    res = pd.DataFrame({"location": as_str(out["_location"]), "date": as_timestamps(out["_date"])})
    for c in outcomes:
        res[c] = pd.to_numeric(out[c]).astype(float)
    res["rows"] = pd.to_numeric(out["rows"]).astype("int64")
    return res.sort_values(["location", "date"], kind="stable").reset_index(drop=True)


def _check_engine_result(out: pd.DataFrame, *, date: str, location: str) -> None:
    """Blank dates and case variants of an engine table, read off the reduced rows (no second scan)."""
    from ..formats import case_variants

    blank = out["date"].isna()
    if blank.any():
        n = int(out.loc[blank, "rows"].sum())
        raise ValueError(f"sales.{date} must not be blank: {n} row(s) do not.")
    per_location = out.groupby("location", sort=True)["rows"].sum()
    if case_variants(pd.Series(per_location.index)):  # rare: rebuild the row counts only then
        names = pd.Series(pd.Categorical.from_codes(np.repeat(np.arange(len(per_location)), per_location),
                                                    categories=per_location.index))
        warn_case_variants(pd.DataFrame({location: names.astype(str)}), [location], table="sales")


def to_dates(values: pd.Series, *, table: str, column: str, order: str | None = None) -> pd.Series:
    """Dates at midnight (``datetime64[ns]``, time zone dropped); blank or unreadable ones are refused.

    Text dates are read by the data layer's rules (:func:`kpi_analysis.formats.parse_dates`): ISO dates
    as they are, numeric ones (01/02/2026) in ``order`` ("dmy" or "mdy"), else in the order the column
    itself shows; a column whose dates read both ways is refused, naming the option, never guessed.

    Examples
    --------
    >>> dates = pd.Series(["2026-02-01 08:00", "2026-02-03 10:00"])
    >>> to_dates(dates, table="schedule", column="start").tolist()
    [Timestamp('2026-02-01 00:00:00'), Timestamp('2026-02-03 00:00:00')]
    >>> to_dates(pd.Series(["13/02/2026", "01/03/2026"]), table="schedule", column="start").tolist()
    [Timestamp('2026-02-13 00:00:00'), Timestamp('2026-03-01 00:00:00')]
    >>> to_dates(pd.Series(["2026-02-01", "soon"]), table="schedule", column="start")
    Traceback (most recent call last):
    ...
    ValueError: schedule.start must be a date (ISO YYYY-MM-DD): 1 row(s) do not, e.g. row 1: 'soon'.
    """
    from ..formats import date_order, parse_dates

    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
    else:
        if order is None:
            order = date_order({column: values}, table=table)
        parsed = parse_dates(values, order=order)
    bad = parsed.isna() & values.notna()
    if bad.any():
        reject_rows(pd.DataFrame({column: values}), bad, table=table, column=column,
                    rule="must be a date (ISO YYYY-MM-DD)")
    reject_rows(pd.DataFrame({column: values}), parsed.isna(), table=table, column=column,
                rule="must not be blank")
    return parsed.dt.normalize().astype("datetime64[ns]")


def as_daily(data, *, outcome: str, date: str = "date", location: str = "location") -> pd.DataFrame:
    """The daily sums of ``outcome`` from rows (pandas or Ibis) or from :func:`reduce`'s table.

    A table with a ``rows`` column is taken as already reduced: it must have one row per location
    and day. Anything else is reduced with :func:`reduce`.

    Examples
    --------
    >>> daily = pd.DataFrame({"location": ["A", "A"], "date": ["2026-01-02", "2026-01-01"],
    ...                       "revenue": [5.0, 3.0], "rows": [1, 2]})
    >>> as_daily(daily, outcome="revenue")["revenue"].tolist()
    [3.0, 5.0]
    """
    if not isinstance(data, pd.DataFrame):
        from ..core.reduction import as_table, fetch, require

        t = as_table(data, "sales")
        require(t, "sales", [date, location, outcome])
        if "rows" not in t.columns:
            return reduce(t, outcome=outcome, date=date, location=location)
        data = fetch(t)  # already reduced: small
    require_columns(data, table="sales", columns=[date, location, outcome])
    if "rows" not in data.columns:
        return reduce(data, outcome=outcome, date=date, location=location)
    reduced = data.rename(columns={date: "date", location: "location"})
    reduced = reduced.assign(date=to_dates(reduced["date"], table="sales", column=date),
                             location=location_names(reduced["location"]).to_numpy())
    dup = reduced.duplicated(["location", "date"], keep=False)
    reject_rows(reduced, dup, table="sales (daily sums)", column="date",
                rule="must have one row per location and day")
    reduced[outcome] = pd.to_numeric(reduced[outcome], errors="coerce").astype(float)
    return reduced[["location", "date", outcome, "rows"]].sort_values(["location", "date"], ignore_index=True)
