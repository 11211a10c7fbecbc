"""How small a lift could a planned two-location swap test detect, and how many days does it need?

Examples
--------
>>> days = pd.date_range("2025-01-01", periods=200)
>>> rng = np.random.default_rng(0)
>>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 200 + ["B"] * 200,
...                       "revenue": 100 + rng.normal(0, 5, 400)})
>>> mde(sales, locations=["A", "B"], days=28, simulate=False).days_needed
6
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence, reject_rows
from ..core.deprecation import renamed
from ..core.results import excluded
from . import stats
from .estimators import SCALES
from .reduce import as_daily
from .results import Exclusions, MDEResult
from .schedule import check_known, period_bounds

__all__ = ["mde"]


@renamed(sales="data")
def mde(data, *, locations: Sequence[str], days: int = 28, history=None,
        outcome: str = "revenue", lift: float = 0.10, power: float = 0.8, confidence: float = 0.95,
        scale: str = "level", dow_adjust: bool = True, simulate: bool = True,
        n_windows: int = 40, currency: str = "VND", date: str = "date",
        location: str = "location") -> MDEResult:
    """Minimum detectable lift of a planned two-location swap test, and the days needed for a lift.

    Parameters
    ----------
    data : pandas.DataFrame or Ibis table
        Sales rows (pandas or Ibis) or their :func:`~kpi_analysis.promo.reduce`, including a
        promotion-free history of both locations. Earlier name: ``sales``.
    locations : (str, str)
        The two locations that will swap the promotion.
    days : int, default 28
        Planned length of each promotion period.
    history : str or (start, end), optional
        The promotion-free history to learn the variability from (default: all days in ``data``).
    outcome : str, default "revenue"
    lift : float, default 0.10
        Target lift (fraction) for ``days_needed``.
    power : float, default 0.8
    confidence : float, default 0.95
    scale : {"level", "log"}, default "level"
    dow_adjust : bool, default True
    simulate : bool, default True
        Check the analytic answer: inject a lift equal to the MDE into windows of history (first
        location in period 1, second in period 2), re-run the crossover and count detections;
        also count false detections with no lift.
    n_windows : int, default 40
        Number of evenly spaced history windows for the check (deterministic; no seed needed).

    Returns
    -------
    MDEResult
        ``mde`` (fraction), ``mde_per_day`` (outcome units), ``days_needed`` for ``lift``,
        ``simulated_power`` and ``simulated_false_positive``; ``.table`` is the power curve
        (``lift``, ``power``, ``days_needed``).

    Notes
    -----
    The crossover estimate is half the difference of the mean daily gap ``D`` between the two
    periods, so with ``n`` days each ``Var = LRV / (2 n)`` where ``LRV`` is the long-run variance
    of ``D`` (AR(1) model ``sigma^2 / (1 - rho)^2`` after day-of-week effects, matching the
    crossover's default AR(1) inference). MDE = ``(t(1 - a/2) + t(power)) sqrt(LRV / 2n)``
    divided by the mean level per location-day (Bloom 1995's minimum detectable effect).

    References
    ----------
    Bloom, H. S. (1995). Minimum detectable effects. Evaluation Review, 19(5), 547-556.

    Examples
    --------
    >>> days = pd.date_range("2025-01-01", periods=200)
    >>> rng = np.random.default_rng(0)
    >>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 200 + ["B"] * 200,
    ...                       "revenue": 100 + rng.normal(0, 5, 400)})
    >>> r = mde(sales, locations=["A", "B"], days=28, simulate=False)
    >>> 0.02 < r.mde < 0.06
    True
    """
    confidence = check_confidence(confidence)
    locations = _check_arguments(locations=locations, days=days, lift=lift, power=power, scale=scale)
    wide, dropped = _history(data, locations=locations, history=history, outcome=outcome, scale=scale,
                             date=date, location=location)
    n_hist = len(wide)
    if n_hist < 4 * days:
        raise ValueError(f"history: {n_hist} day(s) with both locations observed; at least {4 * days} "
                         f"(four periods of {days} days) are needed.")
    vals = np.log(wide) if scale == "log" else wide
    D = (vals[locations[0]] - vals[locations[1]]).to_numpy(float)
    X = np.ones((n_hist, 1))
    if dow_adjust:
        X = np.column_stack([X, stats.dow_matrix(wide.index)])
    lrv, rho = stats.long_run_variance(D, X)
    level = float(wide.to_numpy().mean())

    def detectable(n):  # analysis-scale effect detectable with `power`
        return stats.detectable_effect(n, lrv=lrv, n_columns=X.shape[1], confidence=confidence, power=power)

    def to_fraction(effect):
        return float(np.expm1(effect)) if scale == "log" else float(effect / level)

    def from_fraction(frac):
        return float(np.log1p(frac)) if scale == "log" else float(frac * level)

    mde_frac = to_fraction(detectable(days))
    need = stats.days_needed(from_fraction(lift), detectable)
    grid = np.linspace(0, max(3 * mde_frac, lift * 1.5), 41)
    power_at = stats.power_curve([from_fraction(g) for g in grid], days, lrv=lrv, n_columns=X.shape[1],
                                 confidence=confidence)
    table = pd.DataFrame({"lift": grid, "power": power_at})
    table["days_needed"] = [
        float(stats.days_needed(from_fraction(g), detectable, growth=1.1, cap=5000, exact=False)) if g > 0
        else np.nan for g in grid]
    sim_power = sim_false = math.nan
    used = 0
    if simulate:
        sim_power, sim_false, used = stats.simulate_power(
            wide[locations[0]].to_numpy(float), wide[locations[1]].to_numpy(float), wide.index, days=days,
            lift=mde_frac, scale=scale, dow_adjust=dow_adjust, confidence=confidence, n_windows=n_windows)
    method = (f"analytic MDE from the AR(1) long-run variance of the daily difference (rho {rho:.2f}) "
              f"over {n_hist} days of history" + (f"; checked on {used} history windows" if used else ""))
    return MDEResult(mde=mde_frac, mde_per_day=float(mde_frac * level) if scale == "level"
                     else float(level * mde_frac), days=int(days), power=float(power),
                     confidence=confidence, lift=float(lift), days_needed=int(need), level=level,
                     long_run_sd=math.sqrt(lrv), history_days=int(n_hist), simulated_power=sim_power,
                     simulated_false_positive=sim_false, n_windows=int(used), outcome=outcome, scale=scale,
                     currency=currency, locations=tuple(locations), method=method, table=table,
                     excluded=Exclusions(dropped))


def _check_arguments(*, locations, days, lift, power, scale) -> list[str]:
    check_choice(scale, name="scale", options=SCALES)
    if not 0 < power < 1:
        raise ValueError(f"power must be a fraction between 0 and 1 (e.g. 0.8); got {power!r}.")
    if not isinstance(days, (int, np.integer)) or days < 2:
        raise ValueError(f"days must be a whole number of days >= 2; got {days!r}.")
    if not lift > 0:
        raise ValueError(f"lift must be a positive fraction (e.g. 0.10 for +10%); got {lift!r}.")
    locations = [str(x) for x in locations]
    if len(locations) != 2 or locations[0] == locations[1]:
        raise ValueError(f"locations: name two different locations; got {locations}.")
    return locations


def _history(data, *, locations, history, outcome, scale, date, location) -> tuple[pd.DataFrame, list]:
    """The two locations' daily outcome, one column each, on the days both were observed; missing
    location-days counted."""
    daily = as_daily(data, outcome=outcome, date=date, location=location)
    check_known(locations, sorted(daily["location"].unique()), what="locations")
    daily = daily.loc[daily["location"].isin(locations)]
    if history is not None:
        h0, h1 = period_bounds(history, what="history")
        daily = daily.loc[daily["date"].between(h0, h1)]
    wide = daily.pivot(index="date", columns="location", values=outcome)[locations]
    full = pd.date_range(wide.index.min(), wide.index.max(), freq="D")
    missing = int(len(full) * 2 - wide.notna().sum().sum())
    wide = wide.dropna()
    if scale == "log":
        reject_rows(daily, daily[outcome] <= 0, table="sales", column=outcome,
                    rule="must be positive for scale='log'")
    return wide, [excluded("missing_days", missing)] if missing else []
