"""Is a KPI target realistic, too easy or out of reach, and which lever would have to move?

One question, one function: :func:`assess` takes the monthly history of a KPI and a target for a
month, a quarter or a year, simulates the target period from two model families, and returns the
probability of hitting the target (per model and combined, with the range across models), how well
past forecast intervals were calibrated, a verdict band, where the target sits among the KPI's past
year-on-year growths, the growth each revenue driver would need (revenue = leads x conversion x
average deal value) and a SMART check of the target.

The reduction step is :func:`~kpi_analysis.feasibility.reduce` (lead rows -> one row per month with
leads, closed, won, revenue, conversion and deal size); :func:`assess` accepts the lead rows (pandas
or Ibis), that reduced table, any ``month``/``value`` table or a monthly Series.
"""
from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import pandas as pd

from ..core.checks import check_choice, require_columns
from ..core.columns import PERSPECTIVES
from ..core.deprecation import keyword_only, renamed
from ..core.periods import parse_period as parse_report_period
from ..core.results import note
from . import history as hist
from . import models as mdl
from . import stats
from .results import Feasibility, Question, Simulation
from .stats import BASES, DEFAULT_BANDS, DIRECTIONS, MODELS, SEASON, SEED

__all__ = ["assess", "coming_period", "default_target_period", "evaluate", "lookup_perspective", "parse_period"]

EMPTY_BACKTEST = ["model", "origin", "horizon", "kind", "actual", "low", "high", "log_score", "inside"]


# --------------------------------------------------------------------------------------------- periods
def parse_period(period: str) -> tuple[pd.Timestamp, int, str]:
    """Deprecated: a target period as (first month, number of months, kind).

    Use :func:`kpi_analysis.core.periods.parse_period` (``p.start``, ``p.months``, ``p.kind``); this
    view accepts a month ``"2026-11"``, a quarter ``"2026-Q4"`` (or ``"2026Q4"``) and a year ``"2027"``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     start, months, kind = parse_period("2026-Q4")
    >>> str(start.date()), months, kind
    ('2026-10-01', 3, 'quarter')
    """
    warnings.warn("feasibility.parse_period() is replaced by kpi_analysis.core.periods.parse_period() (its "
                  ".start, .months and .kind); the old function stops working in the next release.",
                  DeprecationWarning, stacklevel=2)
    p = _target_period(period)
    return p.start, p.months, p.kind


def _target_period(period):
    """A month, quarter or year (a target is not set for a week)."""
    p = parse_report_period(period)
    if p.kind == "week":
        raise ValueError(f"period must look like '2026-11' (month), '2026-Q4' (quarter) or '2027' (year); "
                         f"got {period!r}.")
    return p


@renamed(as_of="period")
def default_target_period(period: str, kind: str = "quarter") -> str:
    """The next full month, quarter or year after the report month ``period`` (what a manager plans next).

    Examples
    --------
    >>> default_target_period("2026-10"), default_target_period("2026-10", "month"), \
default_target_period("2026-12", "year")
    ('2027-Q1', '2026-11', '2027')
    """
    check_choice(kind, name="kind", options=["month", "quarter", "year"])
    p = _target_period(period)
    if p.kind != "month":
        raise ValueError(f"period must be a month 'YYYY-MM'; got {period!r}.")
    start = p.start
    nxt = start + pd.DateOffset(months=1)
    if kind == "month":
        return f"{nxt.year}-{nxt.month:02d}"
    if kind == "quarter":
        q = (start.month - 1) // 3 + 1  # the quarter after the one `period` falls in
        year, q = (start.year + 1, 1) if q == 4 else (start.year, q + 1)
        return f"{year}-Q{q}"
    return str(start.year + 1)


def coming_period(period: str) -> str:
    """The period a report for ``period`` assesses targets for: the next one of the same kind, a month
    after a month, a quarter after a quarter, a year after a year. Targets are not set for weeks, so a
    week is refused (a weekly report leaves the feasibility page out, with the note ``note_weekly``).

    Examples
    --------
    >>> coming_period("2026-10"), coming_period("2026-Q4"), coming_period("2026")
    ('2026-11', '2027-Q1', '2027')
    """
    p = parse_report_period(period)
    if p.kind == "week":
        from .present import note_text

        raise ValueError(f"period {p.text!r}: " + note_text(note("note_weekly"), "en"))
    return p.shift(1).text


@keyword_only("kpi")
@renamed(kpi_targets="data")
def lookup_perspective(data: pd.DataFrame | None, *, kpi: str) -> str:
    """The Balanced Scorecard perspective of ``kpi`` in the ``kpi_targets`` table ``data`` ("" if absent).

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": ["revenue", "nps"], "perspective": ["financial", "customer"]})
    >>> lookup_perspective(t, kpi="revenue"), lookup_perspective(t, kpi="cac"), lookup_perspective(None, kpi="x")
    ('financial', '', '')
    """
    if data is None or len(data) == 0:
        return ""
    require_columns(data, table="kpi_targets", columns=["kpi", "perspective"])
    hit = data.loc[data["kpi"].astype(str) == str(kpi), "perspective"].dropna()
    return str(hit.iloc[0]) if len(hit) else ""


# ------------------------------------------------------------------------------------------- assess
def _target_period_keyword(func):
    """``period=`` without ``target_period=`` is the earlier spelling of the target period.

    Until this release ``assess(history, target, period, *, as_of=...)`` called the target period
    ``period`` and the report month ``as_of``; now they are ``target_period`` and ``period``. The
    target period is required, so a call that names ``period=`` but no ``target_period`` (by keyword
    or in the third position) can only be the earlier form: its ``period`` is moved to
    ``target_period`` (and its ``as_of``, if any, becomes ``period`` by the ``renamed`` rule).
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if "period" in kwargs and "target_period" not in kwargs:
            warnings.warn(f"{func.__name__}(): period= without target_period= is the earlier spelling of the target "
                          "period: pass target_period=... (period= now names the report month, formerly as_of=); "
                          "the old form stops working in the next release.", DeprecationWarning, stacklevel=3)
            kwargs["target_period"] = kwargs.pop("period")
        return func(*args, **kwargs)
    return wrapper


@keyword_only("target", "target_period")
@_target_period_keyword
@renamed(history="data", as_of="period", confidence="interval")
def assess(data, *, target: float, target_period: str, period: str | None = None,
           basis: str = "same_period_last_year", direction: str = "higher_is_better", month: str = "month",
           value: str | None = None, kpi: str | None = None, drivers=None, models=MODELS, n_paths: int = 2000,
           interval: float = 0.80, bands=DEFAULT_BANDS, backtest_origins: int = 6, scope: str = "",
           perspective: str = "", max_horizon: int = 12, currency: str | None = None,
           seed: int = SEED) -> Feasibility:
    """Probability of hitting a KPI target, how far to trust it, and what each driver would need.

    Parameters
    ----------
    data : pandas.DataFrame, Ibis table or pandas.Series
        Monthly KPI history: a table with ``month`` and ``value`` columns, a Series with a monthly
        DatetimeIndex/PeriodIndex, the :func:`~kpi_analysis.feasibility.reduce` table (value
        ``revenue`` by default) or the canonical ``leads`` rows, pandas or Ibis (reduced with
        :func:`~kpi_analysis.feasibility.reduce`, an Ibis table where it lives). Given leads or the
        drivers table, the driver tree is computed too. (Formerly ``history``.)
    target : float
        The target: an absolute total for the period (``basis="absolute"``) or a growth fraction
        (0.20 = +20%) over the baseline.
    target_period : str
        Period the target is set for: a month ``"2026-11"``, a quarter ``"2026-Q4"`` or a year
        ``"2027"``. Months of the period already in the history count with their actual values.
        (Formerly ``period``, the third positional argument.)
    period : str, optional
        The report period: a month ``"YYYY-MM"``, a quarter ``"YYYY-Qn"`` or a year ``"YYYY"``, whose last
        month is the last month of history to use; later months are excluded (and counted). Default:
        every month of the history. A week is refused (targets are not set for weeks; see
        :func:`coming_period`). (Formerly ``as_of``, a month.)
    basis : {"same_period_last_year", "last_12_months", "absolute"}, default "same_period_last_year"
        What a growth target is measured against: the same months one year earlier (simulated
        jointly with the target period if they are not all observed yet), or the last 12 months of
        history scaled to the period's length (a quarter gets 3/12 of the LTM total).
    direction : {"higher_is_better", "lower_is_better"}, default "higher_is_better"
        Hit means total >= target, or total <= target for cost-like KPIs.
    month, value : str
        Column names in a ``month``/``value`` table; ``value`` defaults to ``revenue`` for the
        drivers/leads tables and ``value`` otherwise.
    kpi : str, optional
        Name of the KPI for sentences and the SMART check (default: the value column's name).
    drivers : pandas.DataFrame or Ibis table, optional
        Lead rows or the reduced drivers table for the driver tree when ``data`` is a plain revenue series.
    models : sequence of {"ets", "sarima_boot"}, default both
        Model families: ``"ets"`` is statsmodels ``ETSModel`` (additive error, additive trend,
        additive seasonality) on the log scale, simulated by statsmodels with Gaussian errors whose
        variance is the degrees-of-freedom corrected SSE / (n - k) rather than the ML SSE / n;
        ``"sarima_boot"`` is an AR(1) with drift on the 12-month log differences, i.e.
        SARIMA(1,0,0)(0,1,0)12, fitted by statsmodels, simulated with bootstrapped residuals and
        parameter draws. Without two full seasons both drop the seasonal part (ETS(A,A,N),
        ARIMA(1,1,0)); with zero or negative values both work on the original scale.
    n_paths : int, default 2000
        Simulated paths per model (the Monte Carlo SE of P(hit) is at most 0.5/sqrt(n_paths)).
    interval : float, default 0.80
        Level of the forecast interval and of the backtest coverage check. (Formerly ``confidence``.)
    bands : tuple of three floats, default (0.2, 0.5, 0.9)
        Verdict thresholds: P > 0.9 too easy (missed opportunity), 0.5-0.9 realistic stretch,
        0.2-0.5 aggressive, < 0.2 unrealistic.
    backtest_origins : int, default 6
        Rolling forecast origins in the backtest (0 skips it).
    scope, perspective : str
        For the SMART check: the scope of the target (e.g. "whole company") and its Balanced
        Scorecard perspective (see :func:`lookup_perspective`).
    max_horizon : int, default 12
        Months ahead within which the SMART check calls the period forecastable.
    currency : str, optional
        Format values as money in this currency (e.g. "VND") in sentences.
    seed : int, default 20261028
        Seed of every random step; recorded in the result so reports are reproducible.

    Returns
    -------
    Feasibility
        Fields: ``p_hit`` (combined), ``p_hit_low``/``p_hit_high`` (range across models),
        ``verdict`` (``too_easy``/``realistic``/``aggressive``/``unrealistic``), ``target`` (absolute),
        ``baseline``, ``target_growth`` (vs the same period last year), ``forecast_median``/``_mean``/
        ``_low``/``_high`` (pooled paths, ``interval`` level, stored as ``confidence``), ``period``
        (the target period), ``growth_percentile`` (share of past year-on-year changes of rolling
        totals as long as the period that are below the target's growth) with ``n_growth_history``,
        ``coverage``/``coverage_month``/``n_backtest`` (backtest), ``excluded`` and ``notes`` (codes,
        worded by ``summary(locale)``), ``seed``. ``.table``: one row per model (``model``, ``p_hit``,
        ``median``, ``low``, ``high``, ``coverage``, ``coverage_month``). ``.drivers``: one row per
        driver (``driver``, ``baseline``, ``needed_alone``, ``needed_shared``, ``percentile_alone``,
        ``percentile_shared``, ``past_median``, ``past_max``, ``n_past``). ``.smart``: criterion,
        status (``pass``/``warn``/``fail``), reason (see ``smart_table(locale)``). ``.backtest``: every
        backtest interval. ``retarget(target)`` re-scores another target from the cached paths.

    Notes
    -----
    Period totals are sums of simulated monthly paths, never sums of interval bounds (errors are
    correlated across months; Hyndman & Athanasopoulos 2021, section 13.5). Monthly values are
    simulated from the month after the last month of data to the end of the period; months of the
    period already observed add their actuals. The combined P(hit) averages the models with equal
    weight; the backtest refits both models at the last ``backtest_origins`` origins and reports
    how often the ``interval`` of the same-length total (and of each month) held the actual.
    Driver requirements compare the target period with the same months a year earlier: growth g
    needed by one driver alone is g; shared equally each needs (1 + g)^(1/3) - 1.

    Earlier call forms keep working for one release, with a DeprecationWarning: the target and the
    target period by position (``assess(history, 0.2, "2027-Q1")``), ``history=``, ``as_of=`` (now
    ``period``) and ``confidence=`` (now ``interval``). ``period=`` given *without*
    ``target_period`` is read the earlier way, as the target period (the new form always names
    ``target_period``, so the two cannot be confused).

    References
    ----------
    Hyndman, R. J., & Athanasopoulos, G. (2021). Forecasting: Principles and Practice (3rd ed.),
    OTexts, sections 5.5 (bootstrapped residuals), 8.7 (ETS) and 13.5 (aggregates).
    Davison, A. C., & Hinkley, D. V. (1997). Bootstrap Methods and their Application. Cambridge
    University Press, section 6.2.3 (rescaled residuals).
    Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis and review.
    International Journal of Forecasting, 16(4), 437-450 (rolling-origin evaluation).

    Examples
    --------
    >>> months = pd.date_range("2023-01-01", periods=36, freq="MS")
    >>> season = 1 + 0.2 * np.sin(2 * np.pi * np.arange(36) / 12)
    >>> y = pd.Series(100 * season * 1.01 ** np.arange(36), index=months, name="revenue")
    >>> r = assess(y, target=0.5, target_period="2026-Q1", n_paths=200, backtest_origins=0)
    >>> r.verdict, round(r.p_hit, 2)
    ('unrealistic', 0.0)
    """
    # 1. arguments
    models, bands, interval, tp = _check_arguments(
        target=target, target_period=target_period, basis=basis, direction=direction, models=models,
        n_paths=n_paths, interval=interval, bands=bands, perspective=perspective)
    # 2. data (lead rows are reduced here, through feasibility.reduce)
    y, name, drv, exclusions, notes = hist.history_series(data, month=month, value=value, kpi=kpi)
    if drivers is not None:
        drv = hist.driver_input(drivers)
    prep = hist.prepare(y, period, exclusions, notes)
    question = Question(kpi=name, target_period=target_period, start=tp.start, months=tp.months,
                        end=tp.start + pd.DateOffset(months=tp.months - 1), direction=direction,
                        interval=interval, bands=bands, seed=seed, n_paths=int(n_paths), scope=scope,
                        perspective=perspective, max_horizon=max_horizon, currency=currency)
    _check_period_in_reach(question, prep)
    # 3. simulate the paths and the backtest once; 4.-5. score the target and build the result
    simulation = _simulate(question, prep, models, backtest_origins=backtest_origins, drivers=drv,
                           exclusions=exclusions, notes=notes)
    return evaluate(question, simulation, target=float(target), basis=basis)


def _check_arguments(*, target, target_period, basis, direction, models, n_paths, interval, bands, perspective):
    """Every argument checked before any data is read: (models, bands, interval, target period)."""
    check_choice(basis, name="basis", options=BASES)
    check_choice(direction, name="direction", options=DIRECTIONS)
    if not isinstance(interval, (int, float)) or isinstance(interval, bool) or not 0 < float(interval) < 1:
        raise ValueError(f"interval (the forecast interval level, formerly confidence) must be a fraction between "
                         f"0 and 1 (e.g. 0.80); got {interval!r}.")
    models = tuple(models)
    if not models:
        raise ValueError(f"models must name at least one of {list(MODELS)}.")
    for m in models:
        check_choice(m, name="models", options=MODELS)
    if len(set(models)) != len(models):
        raise ValueError(f"models must not repeat a model; got {list(models)}.")
    bands = tuple(float(b) for b in bands)
    if len(bands) != 3 or not 0 < bands[0] < bands[1] < bands[2] < 1:
        raise ValueError(f"bands must be three increasing fractions between 0 and 1; got {bands!r}.")
    if not isinstance(n_paths, (int, np.integer)) or n_paths < 100:
        raise ValueError(f"n_paths must be an integer >= 100; got {n_paths!r}.")
    if not isinstance(target, (int, float, np.integer, np.floating)) or not math.isfinite(float(target)):
        raise TypeError(f"target must be a finite number; got {target!r}.")
    if perspective:
        check_choice(perspective, name="perspective", options=PERSPECTIVES)
    _check_target(float(target), basis)
    return models, bands, float(interval), _target_period(target_period)


def _check_target(target: float, basis: str) -> None:
    if basis != "absolute" and target <= -1:
        raise ValueError(f"target: a growth target must be above -1 (-100%); got {target!r}.")
    if basis != "absolute" and abs(target) > 10:
        raise ValueError(f"target={target!r} with basis={basis!r} means {target:.0%} growth; pass "
                         "basis='absolute' for a total, or a fraction such as 0.2 for +20%.")


def _check_period_in_reach(question: Question, prep) -> None:
    last = prep.y.index[-1]
    if question.end <= last:
        raise ValueError(f"target_period {question.target_period!r} is already fully observed (data run to "
                         f"{last:%Y-%m}): compare the actual with the target instead of forecasting it.")
    if question.start < prep.y.index[0]:
        raise ValueError(f"target_period {question.target_period!r} starts before the usable history "
                         f"({prep.y.index[0]:%Y-%m}).")


def _simulate(question: Question, prep, models: tuple, *, backtest_origins: int, drivers, exclusions: list,
              notes: list) -> Simulation:
    """The paths of every model over the months to the end of the target period, and the backtest."""
    last = prep.y.index[-1]
    horizon = stats.months_between(last, question.end)
    sim_seq, bt_seq = np.random.SeedSequence(question.seed).spawn(2)
    paths, bad = mdl.simulate(prep, models, horizon, question.n_paths, sim_seq.spawn(len(models)))
    keys = tuple(mdl.model_key(m, prep.seasonal) for m in models)
    notes = [*notes, *(note("note_convergence", model=mdl.model_key(m, prep.seasonal)) for m in bad)]
    future = pd.date_range(last + pd.DateOffset(months=1), periods=horizon, freq="MS")
    tail = stats.months_between(max(question.start, future[0]) - pd.DateOffset(months=1), question.end)
    if backtest_origins > 0:
        bt = mdl.backtest(prep, models, h=horizon, tail=tail, n_origins=int(backtest_origins),
                          n_paths=min(question.n_paths, 500), level=question.interval, seed_seq=bt_seq)
    else:
        bt = pd.DataFrame(columns=EMPTY_BACKTEST)
    weights = mdl.weights_from_backtest(bt, models)
    if len(models) > 1 and not (bt["kind"] == "total").any():
        notes.append(note("note_equal_weights"))
    z = np.log(prep.y.to_numpy()) if prep.log else prep.y.to_numpy()
    if np.ptp(z) == 0:
        notes.append(note("note_flat", n=len(prep.y)))
    return Simulation(prepared=prep, paths=paths, future=future, models=models, model_keys=keys, backtest=bt,
                      horizon=horizon, last=last, drivers=hist.monthly_drivers_by_month(drivers, last),
                      excluded=tuple(exclusions), notes=tuple(notes), weights=weights)


# ------------------------------------------------------------------------------------------ scoring
def evaluate(question: Question, simulation: Simulation, *, target: float, basis: str) -> Feasibility:
    """Score ``target`` against the simulated paths (everything after the simulation; fast).

    :meth:`Feasibility.retarget` calls this with the result's ``question`` and ``simulation``.
    """
    check_choice(basis, name="basis", options=BASES)
    q, sim = question, simulation
    notes = list(sim.notes)
    _check_target(target, basis)
    s = _score(q, sim, target=target, basis=basis, notes=notes)
    p_by = {m: stats.p_hit_from_paths(s["totals"][m], s["targets"][m], direction=q.direction) for m in sim.paths}
    w = sim.weights or {m: 1 / len(sim.paths) for m in sim.paths}
    p_hit = float(sum(w[m] * p_by[m] for m in sim.paths))
    qlo, qhi = (1 - q.interval) / 2, 1 - (1 - q.interval) / 2
    f_lo, f_med, f_hi = mdl.mixture_quantiles(s["totals"], w, [qlo, 0.5, qhi])
    verdict = stats.verdict(p_hit, q.bands)  # on P(hit) rounded to 0.01 (about its Monte Carlo SE)
    ly_mean = s["ly_mean"]
    target_growth = target if basis == "same_period_last_year" else (
        s["target_abs"] / ly_mean - 1 if np.isfinite(ly_mean) and ly_mean > 0 else math.nan)
    # where the growth sits among past year-on-year changes of same-length rolling totals
    past = stats.rolling_yoy(sim.prepared.y, q.months)
    g_pct = stats.percentile(past.to_numpy(), target_growth)
    if q.direction == "lower_is_better" and np.isfinite(g_pct):
        g_pct = 1 - g_pct  # share of past changes that were *better* (lower) than the target asks
    table, bt = _model_table(sim, s["totals"], p_by, qlo, qhi)
    combined = bt[(bt["model"] == "combined") & (bt["kind"] == "total")] if len(bt) else bt
    n_bt = len(combined)
    if 0 < n_bt < stats.MIN_CALIBRATION_FORECASTS:
        notes.append(note("note_backtest_few", n=n_bt))
    drivers = stats.driver_table(sim.drivers, start=q.start, months=q.months, growth=target_growth,
                                 ly_known=s["ly_known"])
    if drivers is None and sim.drivers is not None:
        notes.append(note("note_no_drivers"))
    smart = stats.smart_check(kpi=q.kpi, scope=q.scope, perspective=q.perspective, target_period=q.target_period,
                              n_months=len(sim.prepared.y), basis=basis, baseline=s["baseline"], p_hit=p_hit,
                              verdict=verdict, horizon=sim.horizon, max_horizon=q.max_horizon)
    log = "log scale" if sim.prepared.log else "original scale"
    weighting = "backtest-weighted combination" if n_bt else "equal-weight combination"
    method = (f"simulated paths with parameter uncertainty summed over the period ({'; '.join(sim.model_keys)}; "
              f"{log}); {weighting}; rolling-origin backtest")
    month_rows = bt[(bt["kind"] == "month") & (bt["model"] != "combined")] if len(bt) else bt
    return Feasibility(
        kpi=q.kpi, period=q.target_period, basis=basis, target_input=float(target), target=s["target_abs"],
        baseline=float(s["baseline"]), target_growth=float(target_growth), direction=q.direction, p_hit=p_hit,
        p_hit_low=float(min(p_by.values())), p_hit_high=float(max(p_by.values())), verdict=verdict,
        forecast_median=float(f_med), forecast_mean=float(sum(w[m] * np.mean(s["totals"][m]) for m in sim.paths)),
        forecast_low=float(f_lo), forecast_high=float(f_hi),
        observed_months=int(s["n_obs"]), observed_value=float(s["obs_val"]) if s["n_obs"] else 0.0,
        horizon=sim.horizon, growth_percentile=g_pct, n_growth_history=len(past),
        coverage=float(combined["inside"].mean()) if n_bt else math.nan,
        coverage_month=float(month_rows["inside"].mean()) if len(month_rows) else math.nan,
        calibration=stats.calibration(float(combined["inside"].mean()), n_bt, q.interval) if n_bt else "calib_none",
        weights={k: float(w[m]) for m, k in zip(sim.models, sim.model_keys, strict=True)},
        n_backtest=n_bt, method=method, confidence=q.interval, seed=int(q.seed), n_paths=q.n_paths,
        bands=q.bands, last_month=f"{sim.last:%Y-%m}", scope=q.scope, perspective=q.perspective,
        currency=q.currency, excluded=sim.excluded, notes=tuple(notes), table=table, drivers=drivers,
        smart=smart, backtest=bt, question=q, simulation=sim, totals=s["totals"], targets=s["targets"],
        past_growth=past)


def _score(q: Question, sim: Simulation, *, target: float, basis: str, notes: list) -> dict:
    """Per model: the simulated period totals and the target each path must reach; the baseline."""
    y = sim.prepared.y
    ly_start = q.start - pd.DateOffset(months=SEASON)
    totals, ly = {}, {}
    for m, pth in sim.paths.items():
        totals[m], n_obs, obs_val, _ = stats.window_sum(y, pth, sim.future, q.start, q.months)
        ly[m], _, _, ly_future = stats.window_sum(y, pth, sim.future, ly_start, q.months)
    ly_mean = float(np.mean(np.concatenate(list(ly.values()))))
    ly_known = ly_future == 0 and np.isfinite(ly_mean)
    if basis == "absolute":
        targets = {m: np.full(len(t), target) for m, t in totals.items()}
        baseline = ly_mean if ly_known else math.nan
    elif basis == "same_period_last_year":
        if not np.isfinite(ly_mean):
            raise ValueError(f"basis='same_period_last_year': the history does not reach back to "
                             f"{ly_start:%Y-%m}; use basis='last_12_months' or an absolute target.")
        if ly_future:
            notes.append(note("note_baseline_forecast"))
        targets = {m: (1 + target) * ly[m] for m in totals}
        baseline = ly_mean
    else:
        if len(y) < 12:
            raise ValueError("basis='last_12_months' needs 12 months of history.")
        baseline = float(y.iloc[-12:].sum()) * q.months / 12
        targets = {m: np.full(len(t), (1 + target) * baseline) for m, t in totals.items()}
    if basis != "absolute" and baseline <= 0:
        raise ValueError(f"a growth target needs a positive baseline; the baseline is {baseline:g}.")
    return {"totals": totals, "targets": targets, "baseline": baseline, "ly_mean": ly_mean, "ly_known": ly_known,
            "n_obs": n_obs, "obs_val": obs_val,
            "target_abs": float(np.mean(np.concatenate(list(targets.values()))))}


def _model_table(sim: Simulation, totals: dict, p_by: dict, qlo: float, qhi: float):
    """One row per model: P(hit), the period total's median, mean and interval, backtest coverage."""
    bt = sim.backtest
    rows = []
    for m, key in zip(sim.models, sim.model_keys, strict=True):
        b = bt[bt["model"] == m] if len(bt) else bt
        rows.append({"model": key, "weight": float((sim.weights or {}).get(m, 1 / len(sim.models))),
                     "p_hit": p_by[m], "median": float(np.median(totals[m])),
                     "mean": float(np.mean(totals[m])), "low": float(np.quantile(totals[m], qlo)),
                     "high": float(np.quantile(totals[m], qhi)),
                     "coverage": float(b.loc[b["kind"] == "total", "inside"].mean()) if len(b) else math.nan,
                     "coverage_month": float(b.loc[b["kind"] == "month", "inside"].mean()) if len(b) else math.nan,
                     "n_backtest": int((b["kind"] == "total").sum()) if len(b) else 0})
    return pd.DataFrame(rows), bt
