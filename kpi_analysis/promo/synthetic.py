"""Synthetic control for one or more promoted locations against many controls.

:func:`synthetic_control` weighs the control locations so that their weighted sum follows the promoted
locations' mean in the baseline, and reads the promotion's effect off the gap in the promotion period.

The estimator (as GeoLift's ``model="none"``, i.e. Abadie's synthetic control with unit fixed effects):
``y`` is the mean of the promoted locations per day; every series is demeaned by its own baseline mean;
non-negative weights summing to one minimise the baseline squared error of demeaned ``y`` against the
demeaned controls; the counterfactual is ``y``'s baseline mean plus the weighted demeaned controls.
The effect is the mean post-period gap (ATT per promoted location-day); the lift divides it by the mean
counterfactual; the total multiplies it by the promotion location-days. ``augment="ridge"`` adds the
ridge correction of Ben-Michael, Feller & Rothstein (2021) to the weights, with the penalty chosen by
leave-one-period-out cross-validation and the one-standard-error rule.

Inference (one procedure for the p-value and the interval): conformal inference over time
(Chernozhukov, Wüthrich & Zhu 2021). Under the null of a constant effect ``theta``, the promotion days
are lowered by ``theta``, the weights are refitted on every day, and a statistic of the promotion-day
residuals ``u`` is compared with the same statistic on rearranged residuals:

- ``"block"`` (default): the T cyclic shifts of the residual series (moving blocks), which keep the
  day-to-day persistence of daily sales; the smallest possible p-value is 1/T;
- ``"iid"``: random permutations of the days (GeoLift's choice; its size is too large on
  autocorrelated sales, kept as a cross-check).

The statistic: ``"mean"`` (default) ``|mean(u)|``, the test of the average effect, the estimand;
``"abs"`` ``mean(|u|)`` and ``"squared"`` ``mean(u^2)`` (Chernozhukov et al.'s q = 1, 2; GeoLift's
p-value is ``"abs"`` with iid permutations) test "no effect on any day" against any departure, so they
also reject when the effect varies from day to day, and their inverted interval can be empty.
The interval is every ``theta`` the test does not reject (test inversion), so the p-value and the
interval never disagree. Hand-written: no maintained Python library fits simplex-constrained synthetic
control with conformal inference; the simplex least squares is SciPy's NNLS with a heavily weighted
sum-to-one row (exact to rounding), the ridge step is linear algebra.

Examples
--------
>>> rng = np.random.default_rng(1)
>>> X = rng.normal(0, 1, (60, 5)).cumsum(axis=0) + 50
>>> y = X[:, :2].mean(axis=1) + rng.normal(0, 0.2, 60)
>>> w = simplex_weights(y[:40] - y[:40].mean(), X[:40] - X[:40].mean(axis=0))
>>> round(float(w.sum()), 6), bool((w >= 0).all()), bool(w[:2].sum() > 0.8)
(1.0, True, True)
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence, require_columns
from ..core.results import ResultMixin, code_counts, codes, jsonable, note
from . import present_chain
from .estimators import SEED
from .results import Exclusions, Notes
from .schedule import check_known, period_bounds

__all__ = ["AUGMENT", "SC_INFERENCE", "STATISTICS", "SyntheticControlResult", "conformal_p", "effect_and_p",
           "simplex_weights", "synthetic_control", "synthetic_from_arrays"]

SC_INFERENCE = ("block", "iid")
STATISTICS = ("mean", "abs", "squared")
AUGMENT = ("none", "ridge")
MIN_PRE_DAYS = 14


def simplex_weights(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Non-negative weights summing to one that minimise ``||y - X w||^2``.

    SciPy's NNLS (an exact active-set method) on ``X`` with one extra row ``M * 1'`` and target ``M``:
    with ``M`` large the row forces ``sum(w) = 1`` to rounding; the weights are then renormalised.
    """
    from scipy.optimize import nnls  # here, not at import: the package imports fast

    y, X = np.asarray(y, float), np.asarray(X, float)
    if X.shape[1] == 1:
        return np.ones(1)
    big = 1e4 * max(float(np.sqrt(np.mean(X ** 2))), 1e-12) * math.sqrt(len(y))
    A = np.vstack([X, np.full(X.shape[1], big)])
    b = np.append(y, big)
    w, _ = nnls(A, b, maxiter=max(50 * X.shape[1], 1000))
    total = w.sum()
    return w / total if total > 0 else np.full(X.shape[1], 1 / X.shape[1])


def _ridge_lambda(Xc: np.ndarray, xc: np.ndarray) -> float:
    """Ridge penalty by leave-one-period-out cross-validation with the one-standard-error rule
    (as augsynth: 21 values from the largest squared singular value down by 1e-8)."""
    T0 = Xc.shape[1]
    lam_max = float(np.linalg.svd(Xc, compute_uv=False)[0] ** 2)
    lambdas = lam_max * np.logspace(0, -8, 21)
    errors = np.zeros((T0 - 1, len(lambdas)))
    for i in range(T0 - 1):
        keep = np.arange(T0) != i
        Xk, xk = Xc[:, keep], xc[keep]
        w = simplex_weights(xk, Xk.T)
        resid = xk - Xk.T @ w
        G = Xk.T @ Xk
        for j, lam in enumerate(lambdas):
            w_aug = w + Xk @ np.linalg.solve(G + lam * np.eye(len(G)), resid)
            errors[i, j] = (xc[i] - Xc[:, i] @ w_aug) ** 2
    mean, se = errors.mean(axis=0), errors.std(axis=0, ddof=1) / math.sqrt(T0 - 1)
    best = int(np.argmin(mean))
    within = np.flatnonzero(mean <= mean[best] + se[best])
    return float(lambdas[within.min()])  # lambdas run from large to small: the largest within 1 SE


def _fit(y: np.ndarray, X: np.ndarray, fit_rows: np.ndarray, augment: str, lam: float | None = None):
    """Weights fitted on ``fit_rows`` (demeaned by those rows' means) and the counterfactual of every
    row; with ``augment="ridge"`` the weights get the ridge correction (penalty ``lam`` or by CV)."""
    y_mean, X_mean = y[fit_rows].mean(), X[fit_rows].mean(axis=0)
    yd, Xd = y[fit_rows] - y_mean, X[fit_rows] - X_mean
    w = simplex_weights(yd, Xd)
    if augment == "ridge":
        centre = Xd.mean(axis=1)  # centre every period by the control mean, as augsynth
        Xc, xc = (Xd - centre[:, None]).T, yd - centre
        if lam is None:
            lam = _ridge_lambda(Xc, xc)
        G = Xc.T @ Xc
        w = w + Xc @ np.linalg.solve(G + lam * np.eye(len(G)), xc - Xc.T @ w)
    return w, y_mean + (X - X_mean) @ w, lam


def _stat(windows: np.ndarray, statistic: str) -> np.ndarray:
    """The statistic of each row of residual windows."""
    if statistic == "mean":
        return np.abs(windows.mean(axis=-1))
    return (np.abs(windows) if statistic == "abs" else windows ** 2).mean(axis=-1)


def conformal_p(y: np.ndarray, X: np.ndarray, post: np.ndarray, theta: float, *, scheme: str = "block",
                statistic: str = "mean", augment: str = "none", lam: float | None = None,
                perms: np.ndarray | None = None) -> float:
    """Conformal p-value of the null "the promotion added ``theta`` per day" (Chernozhukov et al. 2021).

    The promotion days of ``y`` are lowered by ``theta``, the weights refitted on all days, and the
    ``statistic`` of the promotion-day residuals compared with its value under every cyclic shift
    of the residuals (``scheme="block"``) or under the rows of ``perms`` (``"iid"``).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> X = 100 + rng.normal(0, 5, (80, 6))
    >>> y = X[:, :3].mean(axis=1) + rng.normal(0, 1, 80) + np.r_[np.zeros(70), np.full(10, 20.0)]
    >>> post = np.r_[np.zeros(70, bool), np.ones(10, bool)]
    >>> conformal_p(y, X, post, 0.0) < 0.05, conformal_p(y, X, post, 20.0) > 0.05
    (True, True)
    """
    y0 = y - theta * post
    _, cf, _ = _fit(y0, X, np.ones(len(y), bool), augment, lam)
    u = y0 - cf
    s0 = float(_stat(u[post], statistic))
    if scheme == "block":
        idx = np.flatnonzero(post)
        T = len(u)
        stats = _stat(u[(idx[None, :] + np.arange(T)[:, None]) % T], statistic)
    else:
        stats = np.append(_stat(u[perms][:, post], statistic), s0)
    return float(np.mean(stats >= s0 - 1e-12 * max(abs(s0), 1.0)))


def effect_and_p(y: np.ndarray, X: np.ndarray, pre: np.ndarray, post: np.ndarray, *,
                 augment: str = "none") -> tuple[float, float]:
    """The estimate (ATT per promoted location-day, weights fitted on ``pre``) and the default
    conformal p-value of :func:`synthetic_control`, without the interval: what a power simulation
    needs from each injected window.

    Examples
    --------
    >>> rng = np.random.default_rng(6)
    >>> X = 50 + rng.normal(0, 2, (60, 4))
    >>> post = np.arange(60) >= 50
    >>> att, p = effect_and_p(X[:, :2].mean(axis=1) + 10.0 * post, X, ~post, post)
    >>> bool(8 < att < 12), p < 0.05
    (True, True)
    """
    _, cf, lam = _fit(y, X, pre, augment)
    att = float((y - cf)[post].mean())
    return att, conformal_p(y, X, post, 0.0, augment=augment, lam=lam)


def _invert(pfun, estimate: float, step: float, alpha: float, *, iters: int = 40) -> tuple[float, float]:
    """The interval {theta: p(theta) > alpha} around ``estimate`` (bounds by bracketing and bisection)."""
    def bound(direction: int) -> float:
        inside, k = estimate, step
        outside = estimate + direction * k
        for _ in range(60):
            if pfun(outside) <= alpha:
                break
            inside, k = outside, k * 2
            outside = estimate + direction * k
        else:
            return direction * math.inf
        for _ in range(iters):
            mid = (inside + outside) / 2
            if pfun(mid) > alpha:
                inside = mid
            else:
                outside = mid
            if abs(outside - inside) <= 1e-7 * max(abs(estimate), step):
                break
        return (inside + outside) / 2
    return bound(-1), bound(1)


@dataclass(frozen=True, eq=False)
class SyntheticControlResult(ResultMixin):
    """Synthetic control estimate (see :func:`synthetic_control`). Effects in outcome units."""

    estimate: float  # ATT: incremental outcome per promoted location-day
    ci_low: float
    ci_high: float
    p_value: float
    lift: float  # estimate / mean counterfactual of the promotion days
    lift_ci_low: float
    lift_ci_high: float
    total: float  # estimate x promotion days x promoted locations
    total_ci_low: float
    total_ci_high: float
    counterfactual_per_day: float  # mean counterfactual per promoted location-day
    l2: float  # baseline residual norm of the demeaned fit
    scaled_l2: float  # l2 / the same with equal weights
    pre_rmse: float  # baseline root mean squared gap, outcome units per location-day
    pre_days: int
    post_days: int
    n_treated: int
    n_controls: int
    min_p: float  # smallest p-value the inference can give
    augment: str
    ridge_lambda: float
    statistic: str
    method: str
    inference: str
    confidence: float
    seed: int | None
    treated: tuple
    table: pd.DataFrame = field(repr=False)  # weights: location, weight (sorted, largest first)
    daily: pd.DataFrame = field(repr=False)  # date, period, observed, counterfactual, gap
    notes: Notes = field(default_factory=Notes)
    excluded: Exclusions = field(default_factory=Exclusions)

    @property
    def weights(self) -> pd.Series:
        return self.table.set_index("location")["weight"]

    def headline(self) -> dict:
        keys = ["estimate", "ci_low", "ci_high", "p_value", "lift", "lift_ci_low", "lift_ci_high", "total",
                "total_ci_low", "total_ci_high", "counterfactual_per_day", "l2", "scaled_l2", "pre_rmse",
                "pre_days", "post_days", "n_treated", "n_controls", "min_p", "augment", "ridge_lambda", "statistic",
                "method", "inference", "confidence", "seed"]
        top = self.table.head(5)
        return jsonable({k: getattr(self, k) for k in keys}
                        | {"treated": list(self.treated),
                           "top_weights": dict(zip(top["location"], top["weight"].round(4), strict=True)),
                           "excluded": code_counts(self.excluded), "notes": codes(self.notes)})

    def summary(self, locale: str = "en") -> str:
        return present_chain.synthetic_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en"):
        return present_chain.plot_synthetic(self, ax, locale=locale)


def synthetic_control(data, *, treated: Sequence[str] | str, pre, post, outcome: str = "revenue",
                      controls: Sequence[str] | None = None, augment: str = "none", inference: str = "block",
                      statistic: str = "mean", n_perm: int = 999, confidence: float = 0.95, seed: int = SEED,
                      date: str = "date", location: str = "location") -> SyntheticControlResult:
    """Synthetic control: the promoted locations against a weighted sum of many controls.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per location and day (daily sums, as :func:`~kpi_analysis.promo.reduce` gives):
        ``location``, ``date``, ``outcome``.
    treated : str or list of str
        The promoted location(s); their daily mean is compared.
    pre, post : str or (start, end)
        The baseline (weights are fitted on it) and the promotion period: a month, quarter, ISO week,
        year or a pair of ISO dates.
    outcome : str, default "revenue"
    controls : list of str, optional
        Control locations (default: every other location in ``data``).
    augment : {"none", "ridge"}, default "none"
        ``"ridge"``: ridge-augmented synthetic control (Ben-Michael et al. 2021).
    inference : {"block", "iid"}, default "block"
        Conformal inference with cyclic-shift (moving-block) or iid permutations of the days.
    statistic : {"mean", "abs", "squared"}, default "mean"
        The conformal test's statistic of the promotion-day residuals: ``|mean(u)|`` (the average
        effect), ``mean(|u|)`` or ``mean(u^2)`` (any departure; see the module notes).
    n_perm : int, default 999
        Random permutations for ``inference="iid"``.
    confidence : float, default 0.95
    seed : int
        Seed of the iid permutations (recorded; ``None`` in the result for block inference).
    date, location : str
        Column names.

    Returns
    -------
    SyntheticControlResult
        ``estimate`` (ATT per promoted location-day) with ``ci_low``/``ci_high`` and ``p_value`` from
        one conformal test, ``lift`` and ``total`` with their intervals, the fit (``l2``, ``scaled_l2``,
        ``pre_rmse``), ``min_p``; ``.table``: the weights; ``.daily``: observed and counterfactual.

    Raises
    ------
    ValueError
        A treated or control location missing from ``data``, days missing in the window, a baseline
        shorter than 14 days, or periods that overlap.

    Examples
    --------
    >>> days = pd.date_range("2026-01-01", periods=70)
    >>> rng = np.random.default_rng(5)
    >>> base = {f"c{i}": 100 + 10 * i + rng.normal(0, 3, 70).cumsum() * 0.3 for i in range(8)}
    >>> base["T"] = (base["c1"] + base["c4"]) / 2 + rng.normal(0, 1, 70) + np.r_[np.zeros(56), np.full(14, 15.0)]
    >>> d = pd.DataFrame([(k, day, v) for k, s in base.items() for day, v in zip(days, s)],
    ...                  columns=["location", "date", "revenue"])
    >>> r = synthetic_control(d, treated="T", pre=("2026-01-01", "2026-02-25"), post=("2026-02-26", "2026-03-11"))
    >>> r.ci_low < 15 < r.ci_high, r.p_value < 0.05
    (True, True)
    """
    confidence = check_confidence(confidence)
    check_choice(augment, name="augment", options=AUGMENT)
    check_choice(inference, name="inference", options=SC_INFERENCE)
    check_choice(statistic, name="statistic", options=STATISTICS)
    require_columns(data, table="sales", columns=[location, date, outcome])
    treated = [str(treated)] if isinstance(treated, str) else [str(x) for x in treated]
    wide, pre_mask, post_mask, ctrl = _wide(data, treated=treated, controls=controls, pre=pre, post=post,
                                            outcome=outcome, date=date, location=location)
    y = wide[treated].mean(axis=1).to_numpy(float)
    X = wide[ctrl].to_numpy(float)
    rows = pre_mask | post_mask
    dates = wide.index[rows]
    y, X, pre_mask, post_mask = y[rows], X[rows], pre_mask[rows], post_mask[rows]
    return synthetic_from_arrays(y, X, pre_mask, post_mask, dates=dates, treated=treated, ctrl=ctrl, augment=augment,
                     inference=inference, statistic=statistic, n_perm=n_perm, confidence=confidence, seed=seed)


def _wide(data: pd.DataFrame, *, treated, controls, pre, post, outcome, date, location):
    """The location x day table of the window, with clear errors for what would break the fit."""
    d = data[[location, date, outcome]].copy()
    d[location] = d[location].astype(str)
    d[date] = pd.to_datetime(d[date]).dt.normalize()
    known = sorted(d[location].unique())
    check_known(treated, known, what="treated")
    if controls is None:
        ctrl = [x for x in known if x not in treated]
    else:
        ctrl = [str(controls)] if isinstance(controls, str) else [str(x) for x in controls]
        check_known(ctrl, known, what="controls")
        if clash := [x for x in ctrl if x in treated]:
            raise ValueError(f"controls: {clash} are also treated; a control must not run the promotion.")
    if not ctrl:
        raise ValueError("synthetic control: no control locations left; name controls= or add locations.")
    p0, p1 = period_bounds(pre, what="pre (baseline)")
    q0, q1 = period_bounds(post, what="post (promotion period)")
    if q0 <= p1 and p0 <= q1:
        raise ValueError(f"synthetic control: the baseline {p0.date()}..{p1.date()} overlaps the promotion "
                         f"period {q0.date()}..{q1.date()}.")
    d = d.loc[d[location].isin(treated + ctrl) & (d[date].between(p0, p1) | d[date].between(q0, q1))]
    wide = d.pivot_table(index=date, columns=location, values=outcome, aggfunc="sum")
    for loc in treated + ctrl:
        if loc not in wide.columns:
            raise ValueError(f"sales.location: {loc!r} has no rows in the baseline or promotion period "
                             f"({p0.date()}..{p1.date()}, {q0.date()}..{q1.date()}).")
    wide = wide.reindex(columns=treated + ctrl)
    idx = wide.index
    pre_mask, post_mask = np.asarray(idx <= p1) & np.asarray(idx >= p0), np.asarray(idx >= q0) & np.asarray(idx <= q1)
    missing = wide.isna()
    if missing.any().any():
        bad = missing.stack()
        bad = bad[bad]
        raise ValueError(f"sales.{outcome}: synthetic control needs every location on every day of the baseline "
                         f"and promotion period; {len(bad)} location-day(s) are missing, e.g. "
                         f"{[(str(d_.date()), loc) for d_, loc in bad.index[:3]]} (date, location). Leave those "
                         "locations out (controls=) or shorten the periods.")
    expected = len(pd.date_range(p0, p1)) + len(pd.date_range(q0, q1))
    if pre_mask.sum() < MIN_PRE_DAYS:
        raise ValueError(f"pre (baseline) {p0.date()}..{p1.date()}: {int(pre_mask.sum())} day(s) with sales; "
                         f"synthetic control needs at least {MIN_PRE_DAYS} baseline days to fit the weights.")
    if not post_mask.any():
        raise ValueError(f"post (promotion period) {q0.date()}..{q1.date()}: no sales rows in this period.")
    if len(idx) < expected:
        # whole days absent for every location: the time series has a hole
        raise ValueError(f"sales.date: {expected - len(idx)} day(s) of the baseline and promotion period have "
                         "no sales rows at all; synthetic control needs consecutive days.")
    return wide, pre_mask, post_mask, ctrl


def synthetic_from_arrays(y, X, pre_mask, post_mask, *, dates, treated, ctrl, augment="none", inference="block",
                          statistic="mean", n_perm=999, confidence=0.95, seed=SEED) -> SyntheticControlResult:
    """:func:`synthetic_control` on arrays: ``y`` the promoted locations' mean per day, ``X`` the controls
    (days x locations), the baseline and promotion-day masks, the dates and the names."""
    w, cf, lam = _fit(y, X, pre_mask, augment)
    gap = y - cf
    att = float(gap[post_mask].mean())
    cf_post = float(cf[post_mask].mean())
    Xd = X[pre_mask] - X[pre_mask].mean(axis=0)
    yd = y[pre_mask] - y[pre_mask].mean()
    l2 = float(np.linalg.norm(yd - Xd @ w))
    l2_equal = float(np.linalg.norm(yd - Xd.mean(axis=1)))
    T = len(y)
    perms = None
    if inference == "iid":
        rng = np.random.default_rng(seed)
        perms = np.array([rng.permutation(T) for _ in range(n_perm)])
    alpha = 1 - confidence

    def pfun(theta: float) -> float:
        return conformal_p(y, X, post_mask, theta, scheme=inference, statistic=statistic, augment=augment, lam=lam, perms=perms)

    p = pfun(0.0)
    min_p = 1 / T if inference == "block" else 1 / (n_perm + 1)
    step = max(float(np.std(gap[pre_mask], ddof=1)), 1e-9 * max(abs(att), 1.0))
    notes = []
    if min_p > alpha:
        lo, hi = -math.inf, math.inf
    elif pfun(att) <= alpha:  # no constant effect fits the promotion days: the interval is empty
        lo, hi = math.nan, math.nan
        notes.append(note("ci_empty"))
    else:
        lo, hi = _invert(pfun, att, step, alpha)
    n_post, n_tr = int(post_mask.sum()), len(treated)

    def lift(e):  # the effect over its counterfactual: observed mean minus the effect
        if not math.isfinite(e):
            return e
        base = cf_post + att - e
        return e / base if base > 0 else math.inf
    if min_p > alpha:
        notes.append(note("min_p_above_alpha", min_p=min_p, days=T))
    if l2_equal > 0 and l2 / l2_equal > 0.5:
        notes.append(note("poor_synthetic_fit", scaled_l2=l2 / l2_equal))
    weights = pd.DataFrame({"location": ctrl, "weight": w}).sort_values("weight", ascending=False,
                                                                       ignore_index=True)
    daily = pd.DataFrame({"date": dates, "period": np.where(post_mask, "promotion", "baseline"),
                          "observed": y, "counterfactual": cf, "gap": gap})
    name = "synthetic control" + (" (ridge-augmented)" if augment == "ridge" else "")
    inf_name = {"block": "conformal, moving-block (cyclic) permutations",
                "iid": "conformal, iid permutations"}[inference]
    return SyntheticControlResult(
        estimate=att, ci_low=float(lo), ci_high=float(hi), p_value=p, lift=float(lift(att)),
        lift_ci_low=float(lift(lo)), lift_ci_high=float(lift(hi)),
        total=att * n_post * n_tr, total_ci_low=lo * n_post * n_tr, total_ci_high=hi * n_post * n_tr,
        counterfactual_per_day=cf_post, l2=l2, scaled_l2=l2 / l2_equal if l2_equal > 0 else math.nan,
        pre_rmse=float(np.sqrt(np.mean(gap[pre_mask] ** 2))), pre_days=int(pre_mask.sum()), post_days=n_post,
        n_treated=n_tr, n_controls=len(ctrl), min_p=float(min_p), augment=augment,
        ridge_lambda=float(lam) if lam is not None else math.nan, statistic=statistic, method=name, inference=inf_name,
        confidence=confidence, seed=seed if inference == "iid" else None, treated=tuple(treated),
        table=weights, daily=daily, notes=Notes(notes))
