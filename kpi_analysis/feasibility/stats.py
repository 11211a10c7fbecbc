"""Scoring a target against simulated paths: numbers in, numbers out.

Nothing here reads rows or words a sentence: the functions take the monthly series, the simulated
paths (one row per path, one column per future month) or the monthly drivers table, and return
plain numbers and small tables, so each can be checked on hand-made inputs.

Examples
--------
>>> verdict(0.55), verdict(0.95), verdict(0.1)
('realistic', 'too_easy', 'unrealistic')
>>> round(shared_growth(0.2), 4)  # +20% shared by three multiplicative drivers
0.0627
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..core.checks import check_choice

__all__ = [
    "BASES",
    "CALIBRATION_TOLERANCE",
    "DEFAULT_BANDS",
    "DIRECTIONS",
    "DRIVERS",
    "HIT_RTOL",
    "MIN_CALIBRATION_FORECASTS",
    "MIN_MONTHS",
    "MODELS",
    "SEASON",
    "SEED",
    "VERDICTS",
    "calibration",
    "driver_series",
    "driver_table",
    "hit",
    "months_between",
    "p_hit_from_paths",
    "percentile",
    "rolling_yoy",
    "shared_growth",
    "smart_check",
    "verdict",
    "window_sum",
]

SEED = 20261028
BASES = ("absolute", "same_period_last_year", "last_12_months")
VERDICTS = ("unrealistic", "aggressive", "realistic", "too_easy")  # low -> high P(hit)
DEFAULT_BANDS = (0.2, 0.5, 0.9)
MODELS = ("ets", "sarima_boot")
DRIVERS = ("leads", "conversion", "deal_size")
DIRECTIONS = ("higher_is_better", "lower_is_better")
SEASON = 12
MIN_MONTHS = 6  # below this nothing is fitted


def months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    """Calendar months from the month of ``a`` to the month of ``b``.

    >>> months_between(pd.Timestamp("2026-10-01"), pd.Timestamp("2027-03-01"))
    5
    """
    return (b.year - a.year) * 12 + (b.month - a.month)


#: totals within this relative distance of the target count as reaching it: sums of simulated months
#: carry rounding noise of about 1e-15, and a flat history asked to stay flat must not miss by 1e-13
HIT_RTOL = 1e-9


def hit(totals: np.ndarray, target, direction: str) -> np.ndarray:
    """Which totals reach ``target``: ``>=`` (higher is better) or ``<=`` (lower is better), within
    :data:`HIT_RTOL` of the target (rounding noise is not a miss).

    >>> hit(np.array([3 * 0.1 * 1000, 299.0]), 300.0, "higher_is_better").tolist()  # 300.00000000000006
    [True, False]
    >>> bool(hit(np.array([0.1 + 0.2]), 0.3, "lower_is_better")[0])
    True
    """
    totals = np.asarray(totals, dtype=float)
    target = np.asarray(target, dtype=float)
    tol = HIT_RTOL * np.maximum(np.abs(target), 1e-300)
    return totals >= target - tol if direction == "higher_is_better" else totals <= target + tol


def p_hit_from_paths(paths, target, *, direction: str = "higher_is_better") -> float:
    """Share of simulated paths whose total over the period reaches ``target``.

    Each row of ``paths`` is one simulated path of the period's months; the rows are summed first and
    the target compared with each sum. Adding up the months' interval bounds instead would be wrong:
    it ignores how errors in different months offset or reinforce each other.

    Parameters
    ----------
    paths : array_like, shape (n_paths, n_months) or (n_paths,)
        Simulated monthly values of the target period (already-observed months can be added as
        constant columns).
    target : float or array_like of shape (n_paths,)
        Target total (one per path when the baseline is itself simulated).
    direction : {"higher_is_better", "lower_is_better"}
        Hit means total >= target (or <= target).

    Returns
    -------
    float
        The share of paths that hit, between 0 and 1.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> months = rng.normal(100 / 3, 10 / np.sqrt(3), size=(200_000, 3))  # total ~ N(100, 10)
    >>> round(p_hit_from_paths(months, 120), 3)
    0.023
    """
    check_choice(direction, name="direction", options=DIRECTIONS)
    arr = np.asarray(paths, dtype=float)
    totals = arr.sum(axis=1) if arr.ndim == 2 else arr
    if arr.ndim not in (1, 2) or len(totals) == 0 or not np.all(np.isfinite(totals)):
        raise ValueError("paths must be a non-empty (n_paths, n_months) array of finite numbers.")
    return float(np.mean(hit(totals, np.asarray(target, dtype=float), direction)))


def verdict(p: float, bands=DEFAULT_BANDS) -> str:
    """The verdict band of a P(hit): ``too_easy`` above ``bands[2]``, ``realistic`` from ``bands[1]``,
    ``aggressive`` from ``bands[0]``, ``unrealistic`` below.

    Banded on P(hit) rounded to two decimals, the precision the simulation supports (Monte Carlo
    SE <= 0.5 / sqrt(paths)), so a reported "50%" is never called "aggressive".

    >>> [verdict(p) for p in (0.9, 0.904, 0.906, 0.496, 0.494, 0.2, 0.19)]
    ['realistic', 'realistic', 'too_easy', 'realistic', 'aggressive', 'aggressive', 'unrealistic']
    """
    p = round(float(p), 2)
    lo, mid, hi = bands
    if p > hi:
        return "too_easy"
    if p >= mid:
        return "realistic"
    if p >= lo:
        return "aggressive"
    return "unrealistic"


#: how far the backtest's coverage may sit from the nominal level before P(hit) is not "as stated":
#: the calibration target of the statistics issue (80% intervals covering 72-88%)
CALIBRATION_TOLERANCE = 0.08
#: fewer past forecasts than this cannot confirm calibration, however close their coverage
MIN_CALIBRATION_FORECASTS = 5


def calibration(coverage: float, n: int, level: float) -> str:
    """Backtest coverage vs the nominal level: ``calib_good``, ``calib_unknown``, ``calib_narrow`` or
    ``calib_wide``.

    ``calib_good`` (P(hit) can be used as stated) only when the coverage is within
    :data:`CALIBRATION_TOLERANCE` of ``level`` over at least :data:`MIN_CALIBRATION_FORECASTS`
    forecasts. Outside that band P(hit) is never "as stated": the intervals were too narrow
    (``calib_narrow``) or too wide (``calib_wide``) when an exact binomial test (two-sided, 5%) of the
    hits also rejects the nominal level, and otherwise the backtest is too small to tell which
    (``calib_unknown``). A significance test alone is not enough: 3 of 6 intervals holding the actual
    at a nominal 80% passes it (p = 0.10) although half the intervals missed. Backtest forecasts from
    neighbouring origins overlap, so even the test is a guide, not a proof.

    >>> calibration(0.8, 10, 0.8), calibration(0.5, 6, 0.8), calibration(0.2, 10, 0.8), calibration(1.0, 60, 0.8)
    ('calib_good', 'calib_unknown', 'calib_narrow', 'calib_wide')
    """
    from scipy.stats import binomtest

    if not n or not np.isfinite(coverage):
        return "calib_none"
    if abs(coverage - level) <= CALIBRATION_TOLERANCE + 1e-12:
        return "calib_good" if n >= MIN_CALIBRATION_FORECASTS else "calib_unknown"
    if binomtest(round(coverage * n), n, level, alternative="two-sided").pvalue >= 0.05:
        return "calib_unknown"
    return "calib_narrow" if coverage < level else "calib_wide"


def rolling_yoy(x: pd.Series, window: int) -> pd.Series:
    """Year-on-year change of the rolling ``window``-month totals of a monthly series (NaN dropped)."""
    r = x.rolling(window).sum()
    return (r / r.shift(SEASON) - 1).dropna()


def percentile(values: np.ndarray, x: float) -> float:
    """Share of past values strictly below ``x`` (ties count half), NaN without history.

    scipy's ``percentileofscore(kind="mean")`` computes the same share but treats 0.1 and
    1.1 - 1 as different; growth rates computed two ways need ties within rounding error.

    >>> percentile(np.array([0.0, 0.1, 0.2, 0.3]), 1.1 - 1)
    0.375
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0 or not np.isfinite(x):
        return math.nan
    tie = np.isclose(values, x, rtol=1e-9, atol=1e-12)
    return float((np.sum((values < x) & ~tie) + 0.5 * np.sum(tie)) / len(values))


def shared_growth(growth: float, drivers: int = len(DRIVERS)) -> float:
    """Growth each of ``drivers`` multiplicative drivers needs when they share ``growth`` equally:
    ``(1 + growth) ** (1 / drivers) - 1``."""
    return (1 + growth) ** (1 / drivers) - 1


def window_sum(y: pd.Series, paths: np.ndarray, future: pd.DatetimeIndex, start: pd.Timestamp,
               months: int) -> tuple[np.ndarray, int, float, int]:
    """Per-path sum over ``months`` months from ``start``: (totals, observed months, observed sum, future months).

    Months up to the last month of ``y`` add their observed values; later months add the path's
    simulated values (``paths`` has one column per month of ``future``). A window starting before
    ``y`` gives NaN totals.
    """
    wanted = pd.date_range(start, periods=months, freq="MS")
    seen = wanted[wanted <= y.index[-1]]
    if len(seen) and seen[0] < y.index[0]:
        return np.full(paths.shape[0], np.nan), len(seen), math.nan, 0
    obs = float(y.reindex(seen).sum())
    cols = [future.get_loc(m) for m in wanted[wanted > y.index[-1]]]
    return obs + paths[:, cols].sum(axis=1), len(seen), obs, len(cols)


def driver_series(drivers: pd.DataFrame, months: int) -> dict[str, pd.Series]:
    """Rolling ``months``-month leads, conversion, deal size and revenue of a drivers table indexed by month."""
    roll = drivers[["leads", "won", "revenue"]].astype(float).rolling(months).sum()
    return {"leads": roll["leads"], "conversion": roll["won"] / roll["leads"],
            "deal_size": roll["revenue"] / roll["won"], "revenue": roll["revenue"]}


def driver_table(drivers: pd.DataFrame | None, *, start: pd.Timestamp, months: int, growth: float,
                 ly_known: bool) -> pd.DataFrame | None:
    """Growth each driver needs vs the same period last year, alone and shared, vs its own history.

    ``drivers`` is the monthly drivers table indexed by month (up to the last month used). None when
    there is no table, the baseline is not fully observed, the growth is unknown, or the same months
    a year before ``start`` are missing or have no leads or wins.
    """
    if drivers is None or not ly_known or not np.isfinite(growth):
        return None
    ly = pd.date_range(start - pd.DateOffset(months=SEASON), periods=months, freq="MS")
    if not set(ly) <= set(drivers.index):
        return None
    base = drivers.loc[ly, ["leads", "won", "revenue"]].sum()
    if base["leads"] <= 0 or base["won"] <= 0:
        return None
    baseline = {"leads": float(base["leads"]), "conversion": float(base["won"] / base["leads"]),
                "deal_size": float(base["revenue"] / base["won"]), "revenue": float(base["revenue"])}
    series = driver_series(drivers, months)
    shared = shared_growth(growth)
    rows = []
    for k in (*DRIVERS, "revenue"):
        past = (series[k] / series[k].shift(SEASON) - 1).replace([np.inf, -np.inf], np.nan).dropna()
        sh = growth if k == "revenue" else shared
        pv = past.to_numpy()
        rows.append({"driver": k, "baseline": baseline[k], "needed_alone": float(growth),
                     "percentile_alone": percentile(pv, growth), "needed_shared": float(sh),
                     "percentile_shared": percentile(pv, sh),
                     "share_alone": float(np.mean(pv >= growth)) if len(pv) else math.nan,
                     "share_shared": float(np.mean(pv >= sh)) if len(pv) else math.nan,
                     "past_median": float(past.median()) if len(past) else math.nan,
                     "past_max": float(past.max()) if len(past) else math.nan, "n_past": len(past)})
    return pd.DataFrame(rows)


def smart_check(*, kpi: str, scope: str, perspective: str, target_period: str, n_months: int, basis: str,
                baseline: float, p_hit: float, verdict: str, horizon: int, max_horizon: int) -> pd.DataFrame:
    """The SMART check as codes: one row per criterion with ``status`` (pass/warn/fail), ``reason_key``
    (a sentence code of the ``feasibility`` catalogue) and the ``values`` that sentence needs."""
    rows = []
    if not kpi or kpi in ("value", "None"):
        rows.append(("specific", "fail", "r_specific_nokpi", {}))
    elif scope:
        rows.append(("specific", "pass", "r_specific_ok", {"kpi": kpi, "scope": scope}))
    else:
        rows.append(("specific", "warn", "r_specific_noscope", {"kpi": kpi}))
    if not np.isfinite(baseline):
        rows.append(("measurable", "warn" if basis == "absolute" else "fail", "r_measurable_none", {}))
    elif n_months < 2 * SEASON:
        rows.append(("measurable", "warn", "r_measurable_short", {"n": n_months}))
    else:
        rows.append(("measurable", "pass", "r_measurable_ok", {"n": n_months, "baseline": baseline}))
    status = {"realistic": "pass", "too_easy": "warn", "aggressive": "warn", "unrealistic": "fail"}[verdict]
    rows.append(("attainable", status, "r_attainable", {"p": p_hit, "verdict": verdict}))
    if perspective:
        rows.append(("relevant", "pass", "r_relevant_ok", {"perspective": perspective}))
    else:
        rows.append(("relevant", "warn", "r_relevant_none", {}))
    if horizon <= max_horizon:
        rows.append(("time_bound", "pass", "r_time_ok", {"period": target_period, "h": horizon}))
    else:
        rows.append(("time_bound", "warn" if horizon <= 2 * max_horizon else "fail", "r_time_far",
                     {"period": target_period, "h": horizon, "max": max_horizon}))
    return pd.DataFrame(rows, columns=["criterion", "status", "reason_key", "values"])
