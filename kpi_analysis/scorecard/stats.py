"""The scorecard's statistics: counts in, numbers out (testable on hand-made rows of the reduced table).

- :func:`status`: a value against its target (green / amber / red), respecting the KPI's direction;
- :func:`interval`: the interval of one period's KPI from its counts (Wilson, t, adjusted Wald);
- :func:`change_pvalue`: the test of a change between two periods' samples (score, Welch, NPS z);
- :func:`no_variation`: whether a period's sample has no spread (every answer the same), so that a t
  interval or a test has nothing to go on;
- :func:`sd_threshold`: how large a change of a total must be to be news (k x SD of past changes).

``counts`` is one row of the reduced table (``numerator``, ``denominator``, ``sum_sq``,
``detractors``, ``passives``, ``promoters``), as a dict or a pandas Series.

Examples
--------
>>> lo, hi = interval({"numerator": 60, "denominator": 200}, method="proportion")
>>> round(lo, 3), round(hi, 3)
(0.241, 0.367)
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..core.checks import check_choice
from ..core.columns import DIRECTIONS
from ..core.deprecation import keyword_only
from .spec import is_missing, to_float

__all__ = ["change_pvalue", "interval", "no_variation", "nps_estimate", "sd_threshold", "status"]

METHODS = ("sd", "proportion", "mean", "nps")


@keyword_only("direction", "tolerance", positional=2)
def status(value, target, *, direction: str = "higher_is_better", tolerance: float = 0.05,
           zero_band: float | None = None) -> str:
    """Traffic-light status of one KPI value against its target.

    Parameters
    ----------
    value, target : float
        The KPI value and its target (NaN/None: "no_data" / "no_target").
    direction : {"higher_is_better", "lower_is_better"}
    tolerance : float, default 0.05
        Width of the amber band as a fraction of ``|target|``.
    zero_band : float, optional
        Width of the amber band when the target is 0, in the KPI's own unit (NPS points, a share as a
        fraction, money): a fraction of 0 is no band, and ``tolerance`` is not a number of points.
        Without it a zero target has no amber band: a miss is red. The scorecard reads it from
        ``targets.<kpi>.zero_band`` in workbook.yml.

    Returns
    -------
    str
        "green" when the value meets the target (``>=`` for higher-is-better, ``<=`` otherwise),
        "amber" when it misses by no more than the band (boundary included), "red" beyond it,
        "no_target" without a target, "no_data" without a value.

    Examples
    --------
    >>> status(96, 100), status(94, 100), status(104, 100, direction="lower_is_better")
    ('amber', 'red', 'amber')
    >>> status(-3, 0), status(-3, 0, zero_band=5)  # eNPS -3 against a target of 0 (points)
    ('red', 'amber')
    """
    check_choice(direction, name="direction", options=DIRECTIONS)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance < 0:
        raise ValueError(f"tolerance must be a fraction >= 0 (e.g. 0.05); got {tolerance!r}.")
    if zero_band is not None and (isinstance(zero_band, bool) or not isinstance(zero_band, (int, float))
                                  or zero_band < 0 or math.isnan(zero_band)):
        raise ValueError(f"zero_band must be a number >= 0 in the KPI's unit (e.g. 5 NPS points); got {zero_band!r}.")
    if is_missing(value):
        return "no_data"
    if is_missing(target):
        return "no_target"
    value, target = float(value), float(target)
    band = tolerance * abs(target) if target != 0 else float(zero_band or 0.0)
    eps = 1e-9 * max(1.0, abs(target))  # 95.00000000000001 is still 95
    shortfall = (target - value) if direction == "higher_is_better" else (value - target)
    if shortfall <= eps:
        return "green"
    return "amber" if shortfall <= band + eps else "red"


def nps_estimate(counts: Mapping, *, confidence: float = 0.95):
    """The adjusted-Wald NPS (or eNPS) of one period's counts (:func:`kpi_analysis.nps.from_counts`).

    Examples
    --------
    >>> round(nps_estimate({"detractors": 10, "passives": 10, "promoters": 15}).nps, 1)
    14.3
    """
    from .. import nps

    return nps.from_counts(int(counts["detractors"]), int(counts["passives"]), int(counts["promoters"]),
                           method="adjusted_wald", confidence=confidence)


def no_variation(counts: Mapping, *, method: str) -> bool:
    """Whether one period's sample has no spread: every score the same (means), all or none with the event
    (shares). NPS is never flat here: its adjusted-Wald estimate adds pseudo-answers of each kind.

    Examples
    --------
    >>> no_variation({"numerator": 40.0, "denominator": 10, "sum_sq": 160.0}, method="mean")  # ten 4s
    True
    >>> no_variation({"numerator": 0, "denominator": 50}, method="proportion")
    True
    """
    check_choice(method, name="method", options=METHODS)
    n = to_float(counts["denominator"])
    if is_missing(n) or n <= 0:
        return False
    if method == "mean":
        total, sq = to_float(counts["numerator"]), to_float(counts["sum_sq"])
        return not is_missing(sq) and (sq - total * total / n) <= 1e-9 * max(1.0, sq)
    if method == "proportion":
        k = to_float(counts["numerator"])
        return k == 0 or k == n
    return False


def interval(counts: Mapping, *, method: str, confidence: float = 0.95) -> tuple[float, float]:
    """Interval of one period's KPI from its counts: Wilson (shares), t (mean scores), adjusted Wald (NPS).

    Parameters
    ----------
    counts : dict or Series
        One row of the reduced table.
    method : {"proportion", "mean", "nps", "sd"}
        How the KPI is judged (``SPEC[kpi].change``); totals ("sd") have no sampling interval.
    confidence : float, default 0.95

    Returns
    -------
    (float, float)
        Lower and upper bound; NaN without a denominator, and for a mean from fewer than 2 answers or
        from answers that are all the same (:func:`no_variation`): a t interval of width 0 would claim
        the mean is known exactly. A share of 0 (or all) of n has the Wilson bound 0 (or 1) exactly.

    Examples
    --------
    >>> lo, hi = interval({"numerator": 35.0, "denominator": 5, "sum_sq": 255.0}, method="mean")
    >>> round(lo, 2), round(hi, 2)
    (5.04, 8.96)
    """
    from scipy import stats

    check_choice(method, name="method", options=METHODS)
    n = to_float(counts["denominator"])
    if is_missing(n) or n <= 0:
        return float("nan"), float("nan")
    if method == "proportion":
        from statsmodels.stats.proportion import proportion_confint
        k = int(counts["numerator"])
        lo, hi = proportion_confint(k, int(n), alpha=1 - confidence, method="wilson")
        # Wilson's bound at 0 of n (n of n) is exactly 0 (1); statsmodels' arithmetic leaves 7e-18
        return (0.0 if k == 0 else float(lo)), (1.0 if k == int(n) else float(hi))
    if method == "mean":
        if n < 2 or no_variation(counts, method="mean"):
            return float("nan"), float("nan")
        mean = counts["numerator"] / n
        var = (counts["sum_sq"] - n * mean ** 2) / (n - 1)
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * math.sqrt(max(var, 0.0) / n)
        return float(mean - half), float(mean + half)
    if method == "nps":
        est = nps_estimate(counts, confidence=confidence)
        return float(est.ci_low), float(est.ci_high)
    return float("nan"), float("nan")


def change_pvalue(now: Mapping, before: Mapping, *, method: str) -> float:
    """Two-sided p-value of the change between two periods' samples (rates, means, NPS).

    Score test for two proportions, Welch t-test from the sufficient statistics, or the z-test of
    two independent adjusted-Wald NPS estimates (:func:`kpi_analysis.nps.compare`). NaN when either
    period has fewer than 2 observations, and when neither period varies (:func:`no_variation`: every
    score the same, or both shares 0% or both 100%): the test has no variance to judge by, and two
    flat surveys of 4s and 5s are not "p = 0".

    Examples
    --------
    >>> p = change_pvalue({"numerator": 120, "denominator": 200}, {"numerator": 60, "denominator": 200},
    ...                   method="proportion")
    >>> p < 1e-6
    True
    """
    from scipy import stats

    check_choice(method, name="method", options=METHODS[1:])
    n1, n0 = to_float(now["denominator"]), to_float(before["denominator"])
    if is_missing(n1) or is_missing(n0) or n1 < 2 or n0 < 2:
        return float("nan")
    flat = no_variation(now, method=method) and no_variation(before, method=method)
    if flat and (method == "mean" or to_float(now["numerator"]) / n1 == to_float(before["numerator"]) / n0):
        return float("nan")  # both periods all 4s (or both 0%): no variance to test a change by
    if method == "proportion":
        import warnings

        from statsmodels.stats.proportion import test_proportions_2indep
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            # statsmodels also computes the ratio and odds ratio, which divide by zero at 0% or 100%
            warnings.simplefilter("ignore", RuntimeWarning)
            res = test_proportions_2indep(int(now["numerator"]), int(n1), int(before["numerator"]), int(n0),
                                          method="score", compare="diff", alternative="two-sided")
        return float(res.pvalue)
    if method == "mean":
        def msd(r, n):
            m = r["numerator"] / n
            return m, math.sqrt(max((r["sum_sq"] - n * m * m) / (n - 1), 0.0))
        m1, s1 = msd(now, n1)
        m0, s0 = msd(before, n0)
        return float(stats.ttest_ind_from_stats(m1, s1, n1, m0, s0, n0, equal_var=False).pvalue)
    from .. import nps

    # two independent adjusted-Wald estimates compared with the NPS module's z-test
    return float(nps.compare(nps_estimate(now), nps_estimate(before)).p_value)


def sd_threshold(values, *, history: int = 24, min_history: int = 6, change_sd: float = 2.0) -> tuple[float, int]:
    """How large a change of a total must be to be news: ``change_sd`` x SD of its past changes.

    Parameters
    ----------
    values : sequence of float
        The total's values up to the previous period, oldest first (NaN for a period without data).
    history : int, default 24
        How many of the latest period-to-period changes give the SD.
    min_history : int, default 6
        Fewer changes than this: no threshold (NaN), the change is not judged.
    change_sd : float, default 2.0

    Returns
    -------
    (float, int)
        The threshold (NaN when too few changes) and the number of changes it comes from.

    Examples
    --------
    >>> threshold, n_changes = sd_threshold([10, 12, 11, 13, 12, 14, 13, 15])
    >>> round(threshold, 3), n_changes
    (3.207, 7)
    """
    past = pd.Series(np.asarray(values, dtype=float)).diff().dropna().iloc[-history:]
    if len(past) < min_history:
        return float("nan"), len(past)
    return float(change_sd * past.std(ddof=1)), len(past)
