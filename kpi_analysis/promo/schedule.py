"""Who ran the promotion when: the schedule as a tidy table, and periods as (first day, last day).

Examples
--------
>>> [str(d.date()) for d in period_bounds("2026-Q1", what="baseline")]
['2026-01-01', '2026-03-31']
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..core.checks import closest, reject_rows, require_columns
from ..core.periods import parse_period
from .reduce import location_names, to_dates

__all__ = ["check_known", "dayfirst_option", "ended_in", "parse_schedule", "period_bounds", "schedule_tests"]

_FORMS = "a period ('2026-02', '2026-Q1', '2026-W05', '2026') or a (start, end) pair of ISO dates"


def period_bounds(value, *, what: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day (midnight) of a report period (``"2026-02"``, ``"2026-Q1"``, ...) or of a
    ``(start, end)`` pair of dates (inclusive); ``what`` names the argument in errors.

    Examples
    --------
    >>> [str(d.date()) for d in period_bounds(("2026-02-03", "2026-02-09"), what="history")]
    ['2026-02-03', '2026-02-09']
    """
    if isinstance(value, str):
        try:
            p = parse_period(value)
        except (ValueError, TypeError):
            raise ValueError(f"{what}: {value!r} is not {_FORMS}.") from None
        return p.start, p.end
    if isinstance(value, (tuple, list)) and len(value) == 2:
        try:
            start, end = pd.Timestamp(value[0]).normalize(), pd.Timestamp(value[1]).normalize()
        except (ValueError, TypeError):
            raise ValueError(f"{what}: {value!r} is not a pair of ISO dates.") from None
        if end < start:
            raise ValueError(f"{what}: the period {value!r} is empty (end before start).")
        return start, end
    raise ValueError(f"{what}: {value!r} is not {_FORMS}.")


#: where a schedule's date order is set: the schedule is read by the notebooks, not through workbook.yml's tables
DAYFIRST_SETTING = ("the schedule's date order (the parameter schedule_dayfirst of notebooks 03 and 06 and of "
                    "their jobs in workbook.yml; dayfirst= of promo.parse_schedule)")


def dayfirst_option(value) -> bool | None:
    """A ``schedule_dayfirst`` parameter as :func:`parse_schedule` takes it: ``""``/``None`` read the
    order from the file, ``"true"``/``"false"`` (or a bool, as YAML gives it) set it.

    >>> dayfirst_option(""), dayfirst_option("true"), dayfirst_option(False)
    (None, True, False)
    """
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    options = {"": None, "auto": None, "true": True, "yes": True, "false": False, "no": False}
    if text not in options:
        raise ValueError(f"schedule_dayfirst must be true (01/02/2026 is 1 February), false (2 January) or "
                         f"empty (read the order from the file); got {value!r}.")
    return options[text]


def parse_schedule(schedule, *, location: str = "location", dayfirst: bool | None = None) -> pd.DataFrame:
    """The promotion schedule as a tidy table: ``location``, ``start``, ``end`` (inclusive dates), and
    ``test`` and ``group`` when the table has them (which test a row is in; treatment or control).

    Parameters
    ----------
    schedule : pandas.DataFrame or dict
        A table with columns ``location``, ``start``, ``end`` (ISO dates, as in
        ``data/sample/promotions.csv``), or a dict ``{location: "2026-02"}`` /
        ``{location: ("2026-02-01", "2026-02-28")}`` / ``{location: [period, ...]}``. A period is a
        month, quarter, ISO week or year (``"2026-02"``, ``"2026-Q1"``, ``"2026-W05"``, ``"2026"``).
    location : str
        Name of the location column in a table.
    dayfirst : bool, optional
        Numeric dates (01/02/2026) are day first (True) or month first (False). By default the
        order is read from the start and end columns together (a cell like 28/02/2026 settles it);
        dates that read both ways with different meanings are refused, naming this option.

    Returns
    -------
    pandas.DataFrame
        One row per promotion period, sorted by start.

    Raises
    ------
    ValueError
        Empty periods (end before start), unparseable dates, or overlapping periods at one location.

    Examples
    --------
    >>> parse_schedule({"A": "2026-02", "B": "2026-03"})["end"].dt.strftime("%Y-%m-%d").tolist()
    ['2026-02-28', '2026-03-31']
    """
    if isinstance(schedule, Mapping):
        table = _from_mapping(schedule)
    elif isinstance(schedule, pd.DataFrame):
        from ..formats import date_order

        require_columns(schedule, table="schedule", columns=[location, "start", "end"])
        # one order for both columns: an end date like 28/02/2026 tells how the start dates read
        order = date_order({"start": schedule["start"], "end": schedule["end"]}, dayfirst=dayfirst,
                           table="schedule", setting=DAYFIRST_SETTING)
        table = pd.DataFrame({"location": schedule[location],
                              "start": to_dates(schedule["start"], table="schedule", column="start", order=order),
                              "end": to_dates(schedule["end"], table="schedule", column="end", order=order)})
        for label in ("test", "group"):  # kept as given: which test a row is in, and TBR's groups
            if label in schedule.columns:
                table[label] = schedule[label].astype(str).to_numpy()
        reject_rows(table, table["end"] < table["start"], table="schedule", column="end",
                    rule="must not be before start (empty period)")
    else:
        raise TypeError(f"schedule: expected a DataFrame with columns location, start, end or a dict; "
                        f"got {type(schedule).__name__}.")
    if table.empty:
        raise ValueError("schedule: no promotion periods given.")
    table["location"] = location_names(table["location"]).to_numpy()  # as the sales hold them
    table = table.sort_values(["start", "location"], ignore_index=True)
    _refuse_overlaps(table)
    return table


def _from_mapping(schedule: Mapping) -> pd.DataFrame:
    rows = []
    for loc, periods in schedule.items():
        many = isinstance(periods, list) and periods and not isinstance(periods[0], str)
        for p in (periods if many else [periods]):
            start, end = period_bounds(p, what=f"schedule[{loc!r}]")
            rows.append({"location": str(loc), "start": start, "end": end})
    return pd.DataFrame(rows, columns=["location", "start", "end"])


def _refuse_overlaps(table: pd.DataFrame) -> None:
    for loc, grp in table.groupby("location", sort=False):
        grp = grp.sort_values("start")
        overlap = grp["start"].to_numpy()[1:] <= grp["end"].to_numpy()[:-1]
        if overlap.any():
            raise ValueError(f"schedule.start must not fall inside an earlier period of the same location: "
                             f"{int(overlap.sum())} period(s) at {loc!r} overlap, e.g. "
                             f"{grp.iloc[int(np.argmax(overlap)) + 1][['start', 'end']].astype(str).to_dict()}.")


def check_known(names, known, *, what: str) -> None:
    """Refuse location names that are not in the data, with the closest names as hints.

    Examples
    --------
    >>> try:
    ...     check_known(["Ha Noi"], ["Hà Nội", "Huế"], what="controls")
    ... except ValueError as err:
    ...     print(str(err).split("; ")[1])
    closest names {'Ha Noi': ['Hà Nội']}
    """
    unknown = [n for n in names if n not in known]
    if unknown:
        hints = {u: closest(u, known) for u in unknown}
        raise ValueError(f"{what}: {len(unknown)} location(s) not in sales.location: {unknown}; "
                         f"closest names {hints}; the data has {known}.")


def schedule_tests(schedule, *, dayfirst: bool | None = None) -> pd.DataFrame:
    """The promotion tests in a schedule: one row per test, numbered in time order.

    A test is a run of promotion periods that overlap or follow each other without a gap (a
    two-store swap, February at A then March at B, is one test); a schedule table with a ``test``
    column groups its rows by that column instead. ``dayfirst`` as :func:`parse_schedule`.

    Returns
    -------
    pandas.DataFrame
        ``test`` (1, 2, ... in order of start, or the schedule's own label), ``locations`` (tuple, in
        order of start), ``start``, ``end`` (first and last promotion day) and ``periods`` (the
        schedule rows of the test).

    Examples
    --------
    >>> sched = pd.DataFrame({"location": ["A", "B", "A", "B"],
    ...                       "start": ["2026-02-01", "2026-03-01", "2026-06-01", "2026-07-01"],
    ...                       "end": ["2026-02-28", "2026-03-31", "2026-06-30", "2026-07-31"]})
    >>> schedule_tests(sched)[["test", "end"]].astype(str).values.tolist()
    [['1', '2026-03-31'], ['2', '2026-07-31']]
    """
    table = parse_schedule(schedule, dayfirst=dayfirst)
    if "test" not in table.columns:
        # a new test starts when a period begins after every earlier period has ended (a gap of a day or more)
        reach = table["end"].cummax().shift(1)
        new = table["start"] > reach + pd.Timedelta(days=1)
        new.iloc[0] = True
        table = table.assign(test=new.cumsum().astype(int))
    out = table.groupby("test", sort=False).agg(
        locations=("location", lambda x: tuple(dict.fromkeys(x))), start=("start", "min"),
        end=("end", "max"), periods=("location", "size")).reset_index()
    return out.sort_values(["start", "end"], ignore_index=True)


def ended_in(schedule, period) -> pd.DataFrame:
    """The promotion tests (:func:`schedule_tests`) whose last promotion day falls in ``period``.

    ``period`` is a report period (``"2026-03"``, ``"2026-Q1"``, ``"2026-W13"``, ``"2026"``) or a
    ``(start, end)`` pair of dates. A monthly report lists the tests that ended that month, so a
    test is reported once, when its result is complete. An empty table when none ended in it.

    Examples
    --------
    >>> sched = {"A": "2026-02", "B": "2026-03"}
    >>> len(ended_in(sched, "2026-03")), len(ended_in(sched, "2026-02"))
    (1, 0)
    """
    start, end = period_bounds(period, what="period")
    tests = schedule_tests(schedule)
    return tests.loc[tests["end"].between(start, end)].reset_index(drop=True)
