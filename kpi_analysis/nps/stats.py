"""The NPS statistics: counts in, numbers out (no rows), vectorised over rows of (detractors, passives,
promoters) counts.

Each function takes a ``(k, 3)`` array of counts and returns arrays in points (-100..100) unless said
otherwise, so it can be checked on hand-made tables.

References
----------
Rocks, B. (2016). Interval estimation for the "Net Promoter Score". The American Statistician,
70(4), 365-372.
Lewis, J. R., & Sauro, J. How to statistically compare two Net Promoter Scores. MeasuringU.
Minka, T. P. (2000). Estimating a Dirichlet distribution. Technical report, MIT.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..core.deprecation import renamed
from ..core.stats import adjust_pvalues
from .constants import COUNT_COLUMNS, PSEUDO_COUNTS

__all__ = ["difference", "dm_negloglik", "fit_prior", "intervals", "point", "shrink", "vs_reference", "wald_parts",
           "z_value"]

_MAX_LOG_ALPHA = math.log(1e6)


def z_value(confidence: float) -> float:
    """The two-sided normal quantile of ``confidence`` (1.96 for 0.95)."""
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))


def point(c: np.ndarray) -> np.ndarray:
    """NPS as a fraction (-1..1) per row of counts; NaN where a row has no answers.

    >>> point(np.array([[1, 2, 3], [0, 0, 0]])).round(3).tolist()
    [0.333, nan]
    """
    c = np.asarray(c, dtype="float64")
    n = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (c[:, 2] - c[:, 0]) / np.where(n > 0, n, 1), np.nan)


def wald_parts(c: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Centre and SE (fractions) of the Wald / adjusted Wald interval.

    Written by hand: no maintained Python library implements the trinomial NPS variance
    ``p + d - (p - d)^2`` (Rocks 2016) or its pseudo-count adjustment.
    """
    c = np.asarray(c, dtype="float64")
    if method == "adjusted_wald":
        c = c + np.asarray(PSEUDO_COUNTS)
    n = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(n > 0, n, 1)
        pro, det = c[:, 2] / safe, c[:, 0] / safe
        centre = pro - det
        var1 = np.clip(pro + det - centre ** 2, 0, None)
        se = np.sqrt(var1 / safe)
    bad = n <= 0
    return np.where(bad, np.nan, centre), np.where(bad, np.nan, se)


def _rng(seed: int, salt: int, row: np.ndarray) -> np.random.Generator:
    # seeded by the counts themselves, so results do not depend on row order or segment labels
    return np.random.default_rng([int(seed), int(salt), *(int(x) for x in row)])


def _boot_draws(c: np.ndarray, seed: int, n_boot: int, salt: int) -> list[np.ndarray | None]:
    """Multinomial bootstrap draws of NPS (fractions) per row; None where n == 0."""
    out = []
    for row in c:
        n = int(row.sum())
        if n == 0:
            out.append(None)
            continue
        draws = _rng(seed, salt, row).multinomial(n, row / n, size=n_boot)
        out.append((draws[:, 2] - draws[:, 0]) / n)
    return out


def intervals(c: np.ndarray, *, method: str, confidence: float, seed: int, n_boot: int) -> dict:
    """NPS, SE and interval per row of counts, in points, with clip / zero-variance / widened flags.

    Returns ``nps``, ``se``, ``ci_low``, ``ci_high`` (clipped to -100..100), ``clipped`` (the formula
    went past the bounds), ``zero_variance`` (every answer in one category, so the Wald and bootstrap
    intervals are undefined: NaN), ``widened`` (the interval was stretched to hold the observed NPS),
    ``n``. A row without answers has no estimate and no interval: NaN everywhere, whatever the method
    (the adjusted Wald pseudo-counts alone would give 0 with -80..+80).

    The adjusted Wald interval is centred on the pseudo-count adjusted score, pulled towards 0; with
    very few answers all in one category (1 promoter at 95%; up to 7 at 80%) it can end before the
    observed score. An interval that does not hold its own estimate reads as a contradiction, so it
    is stretched to the observed score and flagged (``widened``); its coverage can only rise.

    >>> r = intervals(np.array([[1.0, 2, 3]]), method="wald", confidence=0.95, seed=1, n_boot=100)
    >>> round(float(r["nps"][0]), 2), round(float(r["se"][0]), 1)
    (33.33, 30.4)
    >>> r = intervals(np.array([[0.0, 0, 1], [0, 0, 0]]), method="adjusted_wald", confidence=0.95, seed=1,
    ...               n_boot=100)
    >>> r["ci_low"].round(1).tolist(), r["ci_high"].round(1).tolist(), r["widened"].tolist()
    ([-48.5, nan], [100.0, nan], [True, False])
    """
    c = np.asarray(c, dtype="float64")
    n = c.sum(axis=1)
    est = point(c)
    zero_var = (n > 0) & (c.max(axis=1) == n)  # every answer in one category
    if method == "bootstrap":
        alpha = 1 - confidence
        draws = _boot_draws(c, seed, n_boot, salt=0)
        se = np.array([np.std(d, ddof=1) if d is not None else np.nan for d in draws])
        lo = np.array([np.quantile(d, alpha / 2) if d is not None else np.nan for d in draws])
        hi = np.array([np.quantile(d, 1 - alpha / 2) if d is not None else np.nan for d in draws])
        undefined = zero_var
    else:
        centre, se = wald_parts(c, method)
        z = z_value(confidence)
        lo, hi = centre - z * se, centre + z * se
        undefined = zero_var if method == "wald" else np.zeros(len(c), dtype=bool)
    zero_variance = undefined & (n > 0)
    undefined = undefined | (n == 0)
    lo, hi = np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi)
    se = np.where(undefined, np.nan, se)
    with np.errstate(invalid="ignore"):
        widened = (lo > est) | (hi < est)  # False where either is NaN
    lo, hi = np.where(lo > est, est, lo), np.where(hi < est, est, hi)
    clipped = (lo < -1) | (hi > 1)
    return {"nps": est * 100, "se": se * 100, "ci_low": np.clip(lo, -1, 1) * 100,
            "ci_high": np.clip(hi, -1, 1) * 100, "clipped": clipped, "zero_variance": zero_variance,
            "widened": widened, "n": n}


def difference(ca: np.ndarray, cb: np.ndarray, *, method: str, confidence: float, seed: int,
               n_boot: int) -> dict:
    """Test of NPS(a) - NPS(b) for independent samples, row by row, in points.

    Wald / adjusted Wald: the difference of the (adjusted) centres over sqrt(se_a^2 + se_b^2), each
    group with its own pseudo-counts (Lewis & Sauro, MeasuringU); the interval and the two-sided
    p-value come from the same z statistic. Bootstrap: independent multinomial resamples of each
    group; percentile interval of the differences and the p-value that inverts it.

    Returns ``difference`` (observed), ``se``, ``ci_low``, ``ci_high`` (clipped to -200..200),
    ``statistic`` (z; NaN for bootstrap), ``p_value``, ``clipped``.
    """
    from scipy.stats import norm

    ca, cb = np.asarray(ca, dtype="float64"), np.asarray(cb, dtype="float64")
    raw = (point(ca) - point(cb)) * 100
    empty = (ca.sum(axis=1) == 0) | (cb.sum(axis=1) == 0)
    if method == "bootstrap":
        se, lo, hi, p = _boot_difference(ca, cb, confidence=confidence, seed=seed, n_boot=n_boot)
        stat = np.full(len(ca), np.nan)
    else:
        a_c, a_se = wald_parts(ca, method)
        b_c, b_se = wald_parts(cb, method)
        centre, se = a_c - b_c, np.hypot(a_se, b_se)
        z = z_value(confidence)
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.where(se > 0, centre / np.where(se > 0, se, 1), np.nan)
        p = 2 * norm.sf(np.abs(stat))
        se = np.where(se > 0, se, np.nan)
        lo, hi = centre - z * se, centre + z * se
    for arr in (se, lo, hi, p, stat):
        arr[empty] = np.nan
    clipped = (lo < -2) | (hi > 2)
    return {"difference": raw, "se": se * 100, "ci_low": np.clip(lo, -2, 2) * 100,
            "ci_high": np.clip(hi, -2, 2) * 100, "statistic": stat, "p_value": p, "clipped": clipped}


def _boot_difference(ca, cb, *, confidence, seed, n_boot):
    """(se, ci_low, ci_high, p) of the bootstrap difference, as fractions; NaN where undefined."""
    alpha = 1 - confidence
    da, db = _boot_draws(ca, seed, n_boot, salt=1), _boot_draws(cb, seed, n_boot, salt=2)
    se, lo, hi, p = (np.full(len(ca), np.nan) for _ in range(4))
    for i, (x, y) in enumerate(zip(da, db)):
        if x is None or y is None:
            continue
        diff = x - y
        if np.ptp(diff) == 0:
            continue
        se[i] = np.std(diff, ddof=1)
        lo[i], hi[i] = np.quantile(diff, [alpha / 2, 1 - alpha / 2])
        below, above = np.sum(diff <= 0), np.sum(diff >= 0)
        p[i] = min(1.0, 2 * (min(below, above) + 1) / (n_boot + 1))
    return se, lo, hi, p


def vs_reference(c: np.ndarray, *, reference, method, confidence, adjust, min_n, seed, n_boot) -> dict:
    """Test each segment against its comparison group; with ``reference="typical"``, step down.

    "typical": the most significant segment (smallest p) is set aside from everybody's comparison
    group and the tests are repeated, until no further segment is significant (or fewer than two
    segments would remain). One very different segment then does not make the others look "above
    the rest" merely because the rest contains it. Hand-written: a step-down outlier search over
    segments is not in statsmodels; each step's tests are the two-sample NPS test and the family is
    adjusted with ``multipletests`` at every step.

    Returns ``diff`` (see :func:`difference`), ``ref`` (the comparison groups' counts), ``small``,
    ``p``, ``p_adj`` (NaN for small segments, left out of the family) and ``significant``.
    """
    k = len(c)
    n = c.sum(axis=1)
    flagged = np.zeros(k, dtype=bool)
    while True:
        pool = c[~flagged].sum(axis=0)
        ref = pool - np.where(flagged[:, None], 0.0, c)
        diff = difference(c, ref, method=method, confidence=confidence, seed=seed, n_boot=n_boot)
        small = (n < min_n) | (ref.sum(axis=1) < min_n)
        p = np.where(small, np.nan, diff["p_value"])
        p_adj = adjust_pvalues(p, adjust)
        significant = np.isfinite(p_adj) & (p_adj < 1 - confidence)
        new = significant & ~flagged
        if reference == "rest" or not new.any() or (~flagged).sum() - 1 < 2:
            break
        flagged[np.flatnonzero(new)[np.argmin(p[new])]] = True
    return {"diff": diff, "ref": ref, "small": small, "p": p, "p_adj": p_adj, "significant": significant}


# ---------------------------------------------------------------------------------------------------
# empirical Bayes shrinkage


def dm_negloglik(log_alpha: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative Dirichlet-multinomial log-likelihood (without the multinomial coefficient) and its
    gradient with respect to log alpha."""
    from scipy.special import digamma, gammaln

    alpha = np.exp(log_alpha)
    a0 = alpha.sum()
    n = x.sum(axis=1)
    ll = gammaln(a0) - gammaln(n + a0) + (gammaln(x + alpha) - gammaln(alpha)).sum(axis=1)
    grad = (digamma(a0) - digamma(n + a0))[:, None] + digamma(x + alpha) - digamma(alpha)
    return -float(ll.sum()), -(grad.sum(axis=0) * alpha)


@renamed(counts_table="data")
def fit_prior(data) -> dict:
    """Fit a Dirichlet prior to per-segment (detractor, passive, promoter) counts by marginal likelihood.

    Parameters
    ----------
    data : pandas.DataFrame or array of shape (k, 3)
        One row per segment with ``detractors``, ``passives``, ``promoters`` (k >= 3). (Called
        ``counts_table`` before; that name still works, with a ``DeprecationWarning``.)

    Returns
    -------
    dict
        ``alpha`` (three Dirichlet parameters), ``strength`` (their sum: how many answers the prior is
        worth), ``mean`` (prior shares), ``loglik`` and ``boundary`` (True when the segments vary no
        more than sampling noise, so the prior is as strong as allowed and shrinks fully to the pool).

    Notes
    -----
    Empirical Bayes with a Dirichlet-multinomial model (Minka 2000): segment i's category shares
    are drawn from Dirichlet(alpha) and its counts are multinomial given them. alpha maximises the
    marginal likelihood sum_i [log G(A) - log G(n_i + A) + sum_k (log G(x_ik + a_k) - log G(a_k))]
    (A = sum a_k) with scipy's bounded TNC on log alpha (analytic gradient). Written by hand because no
    maintained Python library fits a Dirichlet-multinomial; the likelihood is checked against
    ``scipy.stats.dirichlet_multinomial``.

    Examples
    --------
    >>> prior = fit_prior([[10, 20, 30], [12, 18, 30], [30, 20, 10], [9, 21, 31]])
    >>> prior["strength"] > 0
    True
    """
    from scipy.optimize import minimize

    x = (data[COUNT_COLUMNS].to_numpy(dtype="float64") if isinstance(data, pd.DataFrame)
         else np.asarray(data, dtype="float64"))
    x = x[x.sum(axis=1) > 0]
    x = x[np.lexsort(x.T[::-1])]  # a fixed row order: the fit must not depend on how segments are listed
    if x.ndim != 2 or x.shape[1] != 3 or len(x) < 3:
        raise ValueError("fit_prior needs counts for at least 3 segments with answers (k x 3).")
    pooled = (x.sum(axis=0) + 0.5) / (x.sum() + 1.5)
    best = None
    for strength in (5.0, 100.0, 5000.0):
        # TNC with the analytic gradient: L-BFGS-B reaches the same optimum but was ~10x slower here
        res = minimize(dm_negloglik, np.log(pooled * strength), args=(x,), jac=True, method="TNC",
                       bounds=[(-8.0, _MAX_LOG_ALPHA)] * 3)
        if best is None or res.fun < best.fun:
            best = res
    # as the prior strength grows the Dirichlet-multinomial tends to one multinomial with the pooled
    # shares: when that limit fits as well, the segments vary no more than sampling noise
    share = x.sum(axis=0) / x.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ll_pooled = float(np.sum(np.where(x > 0, x * np.log(np.where(share > 0, share, 1)), 0.0)))
    boundary = bool(ll_pooled >= -best.fun - 0.01)
    alpha = share * math.exp(_MAX_LOG_ALPHA) if boundary else np.exp(best.x)
    if boundary:
        alpha = np.maximum(alpha, math.exp(-8.0))
    return {"alpha": [float(a) for a in alpha], "strength": float(alpha.sum()),
            "mean": [float(a) for a in alpha / alpha.sum()], "loglik": float(max(-best.fun, ll_pooled)),
            "boundary": boundary}


def shrink(c: np.ndarray, alpha: np.ndarray, confidence: float, seed: int, draws: int = 4000) -> dict:
    """Posterior mean and equal-tailed credible interval of NPS per segment (points).

    Returns ``nps_shrunk``, ``shrunk_low``, ``shrunk_high``; the interval's draws are seeded by each
    segment's counts.
    """
    post = c + alpha
    a0 = post.sum(axis=1)
    mean = (post[:, 2] - post[:, 0]) / a0
    lo, hi = np.empty(len(c)), np.empty(len(c))
    q = [(1 - confidence) / 2, (1 + confidence) / 2]
    for i, row in enumerate(post):
        theta = _rng(seed, 3, c[i]).dirichlet(row, size=draws)  # seeded by the segment's counts
        lo[i], hi[i] = np.quantile(theta[:, 2] - theta[:, 0], q)
    return {"nps_shrunk": mean * 100, "shrunk_low": lo * 100, "shrunk_high": hi * 100}
