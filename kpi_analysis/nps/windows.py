"""The NPS of a report period, and the windows of answers a report reads: :func:`for_period`, :func:`trailing_window`.

A report answers for one period ("2026-10", "2026-W43", "2026-Q3", "2026"). Its NPS headline is the
period's own answers; when the period has fewer than ``min_period_n`` (100) answers, too few for a
figure of its own, it is the trailing 3 months' answers (13 weeks' for a week), and the sentence
names that window beside the period's own count. Analyses that need more answers for power (the
segment comparison) read a longer trailing window and name it in their sentences too.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.results import note
from .api import make_estimate
from .checks import check_common, check_int
from .constants import (
    COUNT_COLUMNS,
    DEFAULT_N_BOOT,
    DEFAULT_SEED,
    MIN_PERIOD_N,
    TRAILING_MONTHS,
    TRAILING_WEEKS,
)
from .reduce import reduced_table
from .results import Codes, NPSPeriod

__all__ = ["for_period", "trailing_window"]


def trailing_window(period, *, months: int = TRAILING_MONTHS, weeks: int | None = TRAILING_WEEKS
                    ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the trailing window that ends with ``period``'s last day.

    Parameters
    ----------
    period : str
        The report period: "2026-10" (month), "2026-W43" (ISO week), "2026-Q3" (quarter), "2026" (year).
    months : int, default 3
        Length of the window in calendar months (for a week too when ``weeks`` is None).
    weeks : int or None, default 13
        Length of the window in ISO weeks when the period is a week.

    Returns
    -------
    (pandas.Timestamp, pandas.Timestamp)
        The first and the last day. A period longer than the window is its own window (a quarter
        for 3 months, a year for 12).

    Examples
    --------
    >>> [str(d.date()) for d in trailing_window("2026-10")]
    ['2026-08-01', '2026-10-31']
    >>> [str(d.date()) for d in trailing_window("2026-W43")]
    ['2026-07-27', '2026-10-25']
    >>> [str(d.date()) for d in trailing_window("2026-W43", months=12, weeks=None)]
    ['2025-10-26', '2026-10-25']
    >>> [str(d.date()) for d in trailing_window("2026-Q3")]
    ['2026-07-01', '2026-09-30']
    """
    from ..core.periods import parse_period

    p = parse_period(period)
    months = check_int(months, name="months", minimum=1)
    if p.kind == "week" and weeks is not None:
        start = p.start - pd.Timedelta(weeks=check_int(weeks, name="weeks", minimum=1) - 1)
    else:
        start = p.end + pd.Timedelta(days=1) - pd.DateOffset(months=months)
    return min(start, p.start), p.end


def _counts(data, start, end, policies: dict) -> tuple[np.ndarray, Codes]:
    """(detractors, passives, promoters) of the answers from ``start`` to ``end`` (days), and their exclusions
    (answers outside the window are not an exclusion here: they belong to other periods)."""
    given = {**policies, "start": str(start.date()), "end": str(end.date())}
    table, excluded, _ = reduced_table(data, keys=[], freq=None, policies=given, analysis="for_period")
    if "early" in table.columns:  # early="separate": the established customers' answers
        table = table.loc[~table["early"].astype(bool)]
    c = table[COUNT_COLUMNS].sum(axis=0).to_numpy(dtype="float64") if len(table) else np.zeros(3)
    return c, Codes(e for e in excluded if e["code"] != "outside_period")


def for_period(data, *, period, min_period_n: int = MIN_PERIOD_N, method: str = "adjusted_wald", confidence: float = 0.95,
               min_n: int = 30, seed: int = DEFAULT_SEED, n_boot: int = DEFAULT_N_BOOT, score=None, date=None,
               customer=None, since=None, blank=None, latest_only=None, early_days=None,
               early=None) -> NPSPeriod:
    """The NPS of a report period: its own answers, or the trailing 3 months' (13 weeks') when it has too few.

    Parameters
    ----------
    data : pandas.DataFrame or ibis.Table
        Rows of ``nps_responses`` (pandas or Ibis), or a counts table from :func:`reduce` with a daily
        ``period`` column.
    period : str
        The report period: "2026-10" (month), "2026-W43" (ISO week), "2026-Q3" (quarter), "2026" (year).
    min_period_n : int, default 100
        A period with fewer answers gets the trailing window's NPS instead (3 months ending with the
        period; 13 weeks for a week). A quarter or a year is already that long: below this many answers
        it keeps its own NPS with the note ``few_period_answers``, as does a trailing window that still
        has too few.
    method, confidence, min_n, seed, n_boot
        As in :func:`from_counts`.
    score, date, customer, since, blank, latest_only, early_days, early
        Reduction policies (see :func:`reduce`); by default every scored answer dated in the window
        counts, as in the scorecard's NPS.

    Returns
    -------
    NPSPeriod
        ``nps``, ``ci_low``, ``ci_high``, ``n`` of the headline (``estimate``), ``period_n`` (the period's
        own answers), ``window`` ("period" or "trailing"), ``window_start``, ``window_end``, the period's
        own estimate (``period_estimate``), ``notes`` and ``excluded`` (codes).

    Examples
    --------
    >>> rows = pd.DataFrame({"responded_at": pd.to_datetime(["2026-08-10"] * 80 + ["2026-10-20"] * 40),
    ...                      "score": [10, 9, 7, 3] * 30})
    >>> res = for_period(rows, period="2026-10")
    >>> res.window, res.period_n, res.n, res.window_start
    ('trailing', 40, 120, '2026-08-01')
    >>> print(res.summary())  # doctest: +NORMALIZE_WHITESPACE
    October 2026: 40 answers, too few for an NPS of their own (fewer than 100); over the trailing 3 months
    (Aug 1, 2026 to Oct 31, 2026) NPS +25.0 (95% CI +9.8 to +39.0; 120 answers; adjusted Wald interval
    (Rocks 2016)).
    """
    from ..core.periods import parse_period

    p = parse_period(period)
    confidence, seed, n_boot, min_n = check_common(method, confidence, seed, n_boot, min_n)
    min_period_n = check_int(min_period_n, name="min_period_n", minimum=1)
    policies = {"score": score, "date": date, "customer": customer, "since": since, "blank": blank,
                "latest_only": latest_only, "early_days": early_days, "early": early}
    settings = {"method": method, "confidence": confidence, "seed": seed, "n_boot": n_boot, "min_n": min_n}
    c, excluded = _counts(data, p.start, p.end, policies)
    own = make_estimate(c, excluded=excluded, **settings)
    start, end = trailing_window(p)
    headline, window, notes = own, "period", []
    if own.n < min_period_n and start < p.start:
        wc, w_excluded = _counts(data, start, end, policies)
        headline, window = make_estimate(wc, excluded=w_excluded, **settings), "trailing"
    else:
        start = p.start
    if 0 < headline.n < min_period_n:
        notes.append(note("few_period_answers", min_period_n=min_period_n))
    return NPSPeriod(period=p.text, kind=p.kind, start=str(p.start.date()), end=str(p.end.date()),
                     period_n=own.n, window=window, window_start=str(start.date()), window_end=str(end.date()),
                     min_period_n=min_period_n, estimate=headline, period_estimate=own, notes=Codes(notes),
                     excluded=headline.excluded)
