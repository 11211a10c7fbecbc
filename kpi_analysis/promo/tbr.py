"""Time-based regression (TBR): a treatment group of locations against a control group.

:func:`time_based_regression` follows Kerman, Wang & Vaver (2017) as in Google's matched_markets
project: the treatment group's daily total is regressed on the control group's daily total in the
baseline (OLS with an intercept, statsmodels), the fit predicts the treatment group's counterfactual in
the promotion period, and the cumulative effect is the sum of the daily gaps. Its distribution is a t
on the regression's residual degrees of freedom with variance ``T * sigma^2`` (the test-period noise)
plus ``T^2 * xbar' V xbar`` (the uncertainty of the fitted intercept and slope; ``xbar`` the mean
design row of the test period, ``V`` the parameter covariance). The p-value and the interval come from
that one t distribution (``inference="t"``, matched_markets' choice, which takes the daily residuals
as independent). Daily sales are autocorrelated, and then that interval is too narrow (on the chains
of ``benchmarks/calibration_studies/promo_chain.py`` its A/A rejection rate is about 30% at 5%); the
default ``inference="ar1"`` estimates the residuals' lag-1 autocorrelation ``rho`` in the baseline
(with Kendall's bias correction ``+ (1 + 3 rho) / n``) and
uses the variance of a sum of ``T`` AR(1) terms, ``sigma^2 (T + 2 sum_k (T - k) rho^k)``, for the
test-period noise, scaling the parameter term by the same factor. Because ``rho`` is estimated with
error, that t statistic is not t distributed (about 7% of A/A tests rejected at 5% with pure AR(1)
residuals): its distribution comes from a sieve bootstrap under the fitted AR(1) model, each draw
refitted as the data were (regression and ``rho``), and the p-value and the interval both come from
those draws (bootstrap-t, as the crossover's ``stats.ar1_bootstrap``).
With a ``spend``, the incremental return on ad spend (iROAS) is the
cumulative effect over the spend, with the same interval scaled.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> x = 1000 + rng.normal(0, 30, 70)
>>> y = 2 * x + rng.normal(0, 10, 70) + np.r_[np.zeros(56), np.full(14, 100.0)]
>>> post = np.r_[np.zeros(56, bool), np.ones(14, bool)]
>>> fit = tbr_fit(y, x, post)
>>> bool(abs(fit["cumulative"] - 1400) < 200), fit["p_value"] < 0.01
(True, True)
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence, require_columns
from ..core.results import ResultMixin, code_counts, codes, excluded, jsonable
from . import present_chain
from .estimators import SEED
from .results import Exclusions, Notes
from .schedule import check_known, period_bounds
from .stats import ar1_errors, bootstrap_t

__all__ = ["TBR_INFERENCE", "TBRResult", "tbr_fit", "tbr_from_arrays", "time_based_regression"]

MIN_PRE_DAYS = 14
N_BOOT = 999  # as analyze's n_boot (the crossover's bootstrap of t)


TBR_INFERENCE = ("ar1", "t")


def tbr_fit(y: np.ndarray, x: np.ndarray, post: np.ndarray, *, inference: str = "ar1", confidence: float = 0.95,
            n_boot: int = N_BOOT, seed: int = SEED) -> dict:
    """The TBR fit on arrays: ``y`` treatment total, ``x`` control total per day, ``post`` the promotion
    days (the others are the baseline). Returns the coefficients, the daily counterfactual, the
    cumulative effect with its scale, the two-sided p-value and the ``critical`` value of ``|t|`` at
    ``confidence`` (the interval is ``cumulative +/- critical * scale``); ``inference`` as
    :func:`time_based_regression`. With ``"ar1"``, ``draws`` holds the bootstrap draws of ``t``."""
    import statsmodels.api as sm  # here, not at import: statsmodels takes most of a second to import
    from scipy import stats

    y, x, post = np.asarray(y, float), np.asarray(x, float), np.asarray(post, bool)
    pre = ~post
    model = sm.OLS(y[pre], sm.add_constant(x[pre], has_constant="add")).fit()
    design = sm.add_constant(x, has_constant="add")
    cf = design @ model.params
    T = int(post.sum())
    xbar = design[post].mean(axis=0)
    lever = T ** 2 * float(xbar @ np.linalg.pinv(design[pre].T @ design[pre]) @ xbar)  # parameter term / sigma^2
    cum = float((y[post] - cf[post]).sum())
    factor, rho, df, draws = 1.0, math.nan, float(model.df_resid), None
    if inference == "ar1":
        u = np.asarray(model.resid)
        rho = float(_rho(u))
        factor = float(_ar1_factor(rho, T))
    scale = math.sqrt(max(factor * (lever + T) * float(model.scale), 0.0))
    if not scale > 0:
        p, critical = math.nan, math.nan
    elif inference == "ar1":
        draws = _t_draws(np.asarray(model.resid), rho, design, post, lever, n_boot=n_boot, seed=seed)
        p, critical = bootstrap_t(cum / scale, draws, confidence)
    else:
        p = float(2 * stats.t.sf(abs(cum) / scale, df))
        critical = float(stats.t.ppf(0.5 + confidence / 2, df))
    return {"intercept": float(model.params[0]), "slope": float(model.params[1]), "counterfactual": cf,
            "cumulative": cum, "scale": scale, "df": df, "p_value": p, "critical": critical, "draws": draws,
            "sigma": math.sqrt(model.scale), "r2": float(model.rsquared), "rho": rho}


def _rho(U: np.ndarray) -> np.ndarray:
    """Lag-1 autocorrelation of each column of residuals, with Kendall's small-sample bias correction."""
    U = np.asarray(U, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = np.nan_to_num(np.sum(U[1:] * U[:-1], axis=0) / np.sum(U ** 2, axis=0))
    return np.clip(r1 + (1 + 3 * r1) / len(U), -0.99, 0.99)


def _ar1_factor(rho, T: int) -> np.ndarray:
    """Variance of a sum of ``T`` AR(1) terms over ``T sigma^2``."""
    k = np.arange(1, T)
    return 1 + 2 * np.sum((T - k) * np.asarray(rho, float)[..., None] ** k, axis=-1) / T


def _t_draws(resid, rho, design, post, lever, *, n_boot: int, seed: int) -> np.ndarray:
    # The AR(1) t statistic is not t distributed in a 100-day baseline: rho is estimated with error, and
    # the variance factor is convex in rho, so the plain t test rejected about 7% of A/A tests at 5% (pure
    # AR(1) residuals, rho 0.6). The same statistic is recomputed on AR(1) error series with the fitted
    # rho (sieve bootstrap, as the crossover's stats.ar1_bootstrap), each with its own OLS fit and rho.
    # Under the null the treatment total is the fit plus errors, so the errors alone give t*.
    pre = ~post
    E = ar1_errors(resid, rho, n_boot=n_boot, seed=seed, length=len(post))
    D = design[pre]
    beta = np.linalg.lstsq(D, E[pre], rcond=None)[0]  # 2 x B
    res = E[pre] - D @ beta
    s2 = np.sum(res ** 2, axis=0) / (len(D) - 2)
    T = int(post.sum())
    cum = E[post].sum(axis=0) - T * (design[post].mean(axis=0) @ beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        return cum / np.sqrt(_ar1_factor(_rho(res), T) * (lever + T) * s2)


@dataclass(frozen=True, eq=False)
class TBRResult(ResultMixin):
    """Time-based regression estimate (see :func:`time_based_regression`)."""

    cumulative: float  # incremental outcome over the promotion period, treatment group total
    cumulative_ci_low: float
    cumulative_ci_high: float
    p_value: float
    estimate: float  # per treatment location-day
    ci_low: float
    ci_high: float
    lift: float  # cumulative / counterfactual total
    lift_ci_low: float
    lift_ci_high: float
    counterfactual_total: float
    intercept: float
    slope: float
    sigma: float
    r2: float
    rho: float  # lag-1 autocorrelation of the baseline residuals (NaN with inference="t")
    df: float
    t_scale: float
    spend: float
    iroas: float
    iroas_ci_low: float
    iroas_ci_high: float
    pre_days: int
    post_days: int
    n_treated: int
    n_controls: int
    method: str
    inference: str
    confidence: float
    treated: tuple
    controls: tuple
    table: pd.DataFrame = field(repr=False)  # date, period, treatment, control, counterfactual, effect
    notes: Notes = field(default_factory=Notes)
    excluded: Exclusions = field(default_factory=Exclusions)
    t_draws: np.ndarray | None = field(default=None, repr=False)  # bootstrap draws of t (inference "ar1")
    seed: int | None = None  # of the bootstrap (None with inference="t")

    def lower_bound(self, level: float = 0.90) -> float:
        """One-sided lower bound of the cumulative effect at ``level`` (matched_markets' report), from the
        same distribution of ``t`` as the interval and the p-value."""
        from scipy import stats

        level = check_confidence(level)
        if self.t_draws is not None:
            return self.cumulative - float(np.quantile(self.t_draws[np.isfinite(self.t_draws)], level)) * self.t_scale
        return self.cumulative + stats.t.ppf(1 - level, self.df) * self.t_scale

    def headline(self) -> dict:
        keys = ["cumulative", "cumulative_ci_low", "cumulative_ci_high", "p_value", "estimate", "ci_low",
                "ci_high", "lift", "lift_ci_low", "lift_ci_high", "counterfactual_total", "intercept", "slope",
                "sigma", "r2", "rho", "df", "spend", "iroas", "iroas_ci_low", "iroas_ci_high", "pre_days", "post_days",
                "n_treated", "n_controls", "method", "inference", "confidence"]
        return jsonable({k: getattr(self, k) for k in keys}
                        | {"treated": list(self.treated), "excluded": code_counts(self.excluded),
                           "notes": codes(self.notes)})

    def summary(self, locale: str = "en") -> str:
        return present_chain.tbr_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en"):
        return present_chain.plot_tbr(self, ax, locale=locale)


def time_based_regression(data, *, treated: Sequence[str], controls: Sequence[str], pre, post,
                          outcome: str = "revenue", spend: float | None = None, inference: str = "ar1",
                          confidence: float = 0.95, n_boot: int = N_BOOT, seed: int = SEED, date: str = "date",
                          location: str = "location") -> TBRResult:
    """Time-based regression of the treatment group's total on the control group's total.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per location and day: ``location``, ``date``, ``outcome`` (daily sums).
    treated, controls : list of str
        The treatment and control groups (locations).
    pre, post : str or (start, end)
        The baseline (the regression is fitted on it) and the promotion period.
    outcome : str, default "revenue"
    spend : float, optional
        Spend on the promotion (same currency as the outcome) for the incremental return on ad spend.
    inference : {"ar1", "t"}, default "ar1"
        ``"t"``: matched_markets' t interval (independent daily residuals); ``"ar1"``: the variance of
        AR(1) residuals, the t statistic's distribution by a bootstrap (see the module notes).
    n_boot, seed : int
        Bootstrap draws and their seed (``"ar1"``; the seed is recorded in the result).
    confidence : float, default 0.95
        Two-sided level of every interval; :meth:`TBRResult.lower_bound` gives one-sided bounds.

    Returns
    -------
    TBRResult
        ``cumulative`` effect with its interval and p-value (one t distribution), per location-day
        ``estimate``, ``lift``, ``slope``/``intercept``, ``iroas`` when ``spend`` is given.

    Raises
    ------
    ValueError
        A location missing from ``data``, an empty group, overlapping periods, days missing or a
        baseline shorter than 14 days.

    Examples
    --------
    >>> days = pd.date_range("2026-01-01", periods=70)
    >>> rng = np.random.default_rng(4)
    >>> rows = [(f"L{i}", d, 100 + 5 * i + rng.normal(0, 3) + (20 if i < 3 and k >= 56 else 0))
    ...         for i in range(6) for k, d in enumerate(days)]
    >>> data = pd.DataFrame(rows, columns=["location", "date", "revenue"])
    >>> r = time_based_regression(data, treated=["L0", "L1", "L2"], controls=["L3", "L4", "L5"],
    ...                           pre=("2026-01-01", "2026-02-25"), post=("2026-02-26", "2026-03-11"))
    >>> bool(r.ci_low < 20 < r.ci_high), bool(r.p_value < 0.01)
    (True, True)
    """
    confidence = check_confidence(confidence)
    check_choice(inference, name="inference", options=TBR_INFERENCE)
    require_columns(data, table="sales", columns=[location, date, outcome])
    treated = [str(x) for x in ([treated] if isinstance(treated, str) else treated)]
    controls = [str(x) for x in ([controls] if isinstance(controls, str) else controls)]
    if not treated or not controls:
        raise ValueError(f"time-based regression needs a treatment and a control group; got treated={treated}, "
                         f"controls={controls}.")
    if clash := [x for x in controls if x in treated]:
        raise ValueError(f"controls: {clash} are also in the treatment group.")
    d = data[[location, date, outcome]].copy()
    d[location] = d[location].astype(str)
    d[date] = pd.to_datetime(d[date]).dt.normalize()
    known = sorted(d[location].unique())
    check_known(treated, known, what="treated")
    check_known(controls, known, what="controls")
    p0, p1 = period_bounds(pre, what="pre (baseline)")
    q0, q1 = period_bounds(post, what="post (promotion period)")
    if q0 <= p1 and p0 <= q1:
        raise ValueError(f"time-based regression: the baseline {p0.date()}..{p1.date()} overlaps the promotion "
                         f"period {q0.date()}..{q1.date()}.")
    d = d.loc[d[location].isin(treated + controls) & (d[date].between(p0, p1) | d[date].between(q0, q1))]
    wide = d.pivot_table(index=date, columns=location, values=outcome, aggfunc="sum")
    wide = wide.reindex(columns=treated + controls)
    empty = [loc for loc in treated + controls if wide[loc].isna().all()]
    if empty:
        raise ValueError(f"sales.location: {empty[:3]} have no rows in the baseline or promotion period "
                         f"({p0.date()}..{p1.date()}, {q0.date()}..{q1.date()}).")
    # the group totals sum the location-days present (as matched_markets); the missing ones are counted
    n_missing = int(wide.isna().sum().sum())
    idx = wide.index
    post_mask = np.asarray((idx >= q0) & (idx <= q1))
    pre_days = int((~post_mask).sum())
    if pre_days < MIN_PRE_DAYS:
        raise ValueError(f"pre (baseline) {p0.date()}..{p1.date()}: {pre_days} day(s) with sales; time-based "
                         f"regression needs at least {MIN_PRE_DAYS} baseline days.")
    if not post_mask.any():
        raise ValueError(f"post (promotion period) {q0.date()}..{q1.date()}: no sales rows in this period.")
    y = wide[treated].sum(axis=1).to_numpy(float)
    x = wide[controls].sum(axis=1).to_numpy(float)
    r = tbr_from_arrays(y, x, post_mask, idx, treated=treated, controls=controls, spend=spend,
                        inference=inference, confidence=confidence, n_boot=n_boot, seed=seed)
    if n_missing:
        r = dataclasses.replace(r, excluded=Exclusions([excluded("missing_days", n_missing)]))
    return r


def tbr_from_arrays(y, x, post_mask, dates, *, treated, controls, spend=None, inference="ar1",
                    confidence=0.95, n_boot: int = N_BOOT, seed: int = SEED) -> TBRResult:
    """:func:`time_based_regression` on the group totals per day (``y`` treatment, ``x`` control)."""
    fit = tbr_fit(y, x, post_mask, inference=inference, confidence=confidence, n_boot=n_boot, seed=seed)
    q = fit["critical"]
    cum, sd = fit["cumulative"], fit["scale"]
    lo, hi = cum - q * sd, cum + q * sd
    T, n_tr = int(post_mask.sum()), len(treated)
    cf_total = float(fit["counterfactual"][post_mask].sum())
    observed = float(y[post_mask].sum())

    def lift(c):
        base = observed - c
        return c / base if base > 0 else math.inf

    spend_v = float(spend) if spend is not None else math.nan
    if spend is not None and not (math.isfinite(spend_v) and spend_v > 0):
        raise ValueError(f"spend must be a positive amount; got {spend!r}.")
    table = pd.DataFrame({"date": dates, "period": np.where(post_mask, "promotion", "baseline"), "treatment": y,
                          "control": x, "counterfactual": fit["counterfactual"],
                          "effect": y - fit["counterfactual"]})
    return TBRResult(
        cumulative=cum, cumulative_ci_low=lo, cumulative_ci_high=hi, p_value=fit["p_value"],
        estimate=cum / (T * n_tr), ci_low=lo / (T * n_tr), ci_high=hi / (T * n_tr), lift=lift(cum),
        lift_ci_low=lift(lo), lift_ci_high=lift(hi), counterfactual_total=cf_total, intercept=fit["intercept"],
        slope=fit["slope"], sigma=fit["sigma"], r2=fit["r2"], rho=fit["rho"], df=fit["df"], t_scale=sd, spend=spend_v,
        iroas=cum / spend_v, iroas_ci_low=lo / spend_v, iroas_ci_high=hi / spend_v,
        pre_days=int((~post_mask).sum()), post_days=T, n_treated=n_tr, n_controls=len(controls),
        method="time-based regression of the treatment group total on the control group total",
        inference=(f"bootstrap of t with AR(1) residuals (rho {fit['rho']:.2f}, {n_boot} draws)"
                   if inference == "ar1" else f"t on {int(fit['df'])} degrees of freedom (Kerman et al. 2017)"),
        confidence=confidence, treated=tuple(treated), controls=tuple(controls), table=table,
        t_draws=fit["draws"], seed=seed if inference == "ar1" else None)
