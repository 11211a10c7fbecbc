"""The rep comparison's statistics: counts in, numbers out.

Every function takes closed and won counts (the reduced table of :func:`kpi_analysis.reps.reduce`, or
arrays of them) and returns numbers, so each can be checked on a hand-made table. statsmodels and
scipy do the work; what they lack (a beta-binomial prior fitted across reps, Spiegelhalter's
interpolated funnel limits, the Breslow-Day test at an odds ratio of exactly 1) is written here and
says why.

Examples
--------
>>> import pandas as pd
>>> cells = pd.DataFrame({"rep": ["A", "A", "B", "B"], "stratum": ["x", "y", "x", "y"],
...                       "period": "all", "closed": [10, 30, 30, 10], "won": [5, 3, 15, 1]})
>>> per_rep = standardize(cells, ["stratum"])  # B wins twice as often, on leads the team wins twice as often
>>> per_rep["won"].tolist(), per_rep["expected"].tolist()
([8, 16], [8.0, 16.0])
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ..core.stats import adjust_pvalues

__all__ = ["CLASSES", "VERDICTS", "breslow_day_at_one", "by_period", "classify", "cmh", "cmh_per_rep", "cmh_score",
           "conditional_moments", "dense", "equal_rates",
           "exact_limits", "exact_quantile", "expected_wins", "fit_beta_binomial", "normal_limits",
           "oe_interval", "overdispersion", "period_summary", "rate_columns", "raw_p_values",
           "rep_tables", "shrink", "standardize", "wilson"]

#: Classification codes of :func:`kpi_analysis.reps.compare`, from worst to best. ``significant_under`` /
#: ``significant_over``: a significant gap over fewer periods than persistence needs (``min_periods``).
CLASSES = ("persistent_under", "significant_under", "short_term_dip", "within_range", "significant_over",
           "persistent_over", "too_few")
#: Verdicts on the lead mix: the gap remains after it, the mix explains it, the gap is no longer clear
#: after it but the mix explains less than half of it, no gap either way, too few leads.
VERDICTS = ("gap_remains", "mix_explains", "mix_partly", "no_gap", "too_few")
_NAN = float("nan")


# ------------------------------------------------------------------------------ indirect standardization
def expected_wins(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``cells`` with ``team_rate`` (the whole team's won / closed in each cell of ``keys``) and
    ``expected`` (closed x that rate; 0 in a cell nobody closed)."""
    team = cells.groupby(keys, observed=True)[["closed", "won"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (team["won"] / team["closed"]).rename("team_rate")
    out = cells.join(rate, on=keys)
    out["expected"] = out["closed"] * out["team_rate"].fillna(0.0)
    return out


def standardize(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Closed, won and expected wins per rep (indirect standardization by the cells of ``keys``);
    rows sorted by rep."""
    return expected_wins(cells, keys).groupby("rep", observed=True, sort=True)[["closed", "won", "expected"]].sum()


def rate_columns(per_rep: pd.DataFrame, team_rate: float, confidence: float) -> pd.DataFrame:
    """One row per rep: counts, raw ``conversion`` (Wilson CI), ``expected_conversion``, ``oe``,
    ``adjusted_conversion`` (oe x team rate), ``gap`` (adjusted minus team rate) and ``raw_gap`` (raw
    minus team rate), as fractions. The interval of ``oe`` comes with the test (:func:`oe_interval`)."""
    t = per_rep.reset_index()
    n, w, e = t["closed"].to_numpy(float), t["won"].to_numpy(float), t["expected"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t["conversion"] = np.where(n > 0, w / n, np.nan)
        t["ci_low"], t["ci_high"] = wilson(w, n, confidence)
        t["expected_conversion"] = np.where(n > 0, e / n, np.nan)
        t["oe"] = np.where(e > 0, w / e, np.nan)
        t["adjusted_conversion"] = t["oe"] * team_rate
        t["gap"] = np.where(n > 0, (w - e) / n, np.nan)
        t["raw_gap"] = t["conversion"] - team_rate
    return t


def oe_interval(t: pd.DataFrame, team_rate: float) -> None:
    """``oe_low``/``oe_high`` (and ``adjusted_low``/``adjusted_high`` = those x the team rate) from the
    CMH score interval of :func:`cmh_per_rep`: the rep's expected wins at each end of the odds-ratio
    interval, over the expected wins at the team's rates.

    The cells without a comparison (no one else closed a lead there, or nobody or everybody won)
    have observed = expected at the team's rates whatever the odds ratio, so they add the same amount
    to the numerator and the denominator; the informative cells' expected wins at an odds ratio of 1
    are the team-rate expectation (n1 m1 / N). So the ratio runs from the interval's lower end through
    1 (odds ratio 1) to its upper end, is O/E at the conditional ML odds ratio, and leaves out 1 exactly
    when the CMH test rejects: the observed/expected interval is the CMH test's own."""
    e = t["expected"].to_numpy(float)
    fixed = e - t["informative_expected"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for end in ("low", "high"):
            ratio = (fixed + t[f"expected_{end}"].to_numpy(float)) / e
            t[f"oe_{end}"] = np.where(e > 0, ratio, np.nan)
            t[f"adjusted_{end}"] = t[f"oe_{end}"] * team_rate


def wilson(won, n, confidence: float):
    """Wilson interval of won / n (statsmodels); NaN where n = 0.

    >>> [np.round(b, 3).tolist() for b in wilson([8, 0], [40, 0], 0.95)]
    [[0.105, nan], [0.348, nan]]
    """
    from statsmodels.stats.proportion import proportion_confint

    won, n = np.asarray(won, float), np.asarray(n, float)
    low, high = np.full(n.shape, np.nan), np.full(n.shape, np.nan)
    ok = n > 0
    if ok.any():
        low[ok], high[ok] = proportion_confint(won[ok], n[ok], alpha=1 - confidence, method="wilson")
    return low, high


# ------------------------------------------------------------------------------------ raw rates
def raw_p_values(n: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Score test of each rep's raw rate against the rest of the team (NaN when not testable).

    >>> raw_p_values(np.array([40.0, 40, 40]), np.array([8.0, 16, 12])).round(3).tolist()
    [0.092, 0.092, 1.0]
    """
    from statsmodels.stats.proportion import test_proportions_2indep

    n_total, w_total = n.sum(), w.sum()
    raw_p = np.full(len(n), np.nan)
    for i in range(len(n)):
        n_rest, w_rest = n_total - n[i], w_total - w[i]
        if n[i] > 0 and n_rest > 0 and 0 < w[i] + w_rest < n[i] + n_rest:
            with warnings.catch_warnings():  # a rep with all wins: the odds ratio it reports is inf
                warnings.simplefilter("ignore", RuntimeWarning)
                raw_p[i] = float(test_proportions_2indep(w[i], n[i], w_rest, n_rest, method="score").pvalue)
    return raw_p


def equal_rates(n: np.ndarray, w: np.ndarray) -> tuple[float, float, int]:
    """Chi-square test that every rep with closed leads has the same raw rate: (statistic, p, df).

    >>> stat, p, df = equal_rates(np.array([86.0, 93, 136, 82]), np.array([83.0, 90, 129, 70]))
    >>> round(stat, 1), round(p, 4), df  # R's prop.test(smokers, patients)
    (12.6, 0.0056, 3)
    """
    from statsmodels.stats.proportion import proportions_chisquare

    has = n > 0
    if has.sum() >= 2 and 0 < w.sum() < n.sum():
        chi, chi_p = proportions_chisquare(w[has], n[has])[:2]
        return float(chi), float(chi_p), int(has.sum() - 1)
    return _NAN, _NAN, 0


# ------------------------------------------------------------------------- Cochran-Mantel-Haenszel
def dense(cells: pd.DataFrame, keys: list[str]):
    """Closed and won counts as dense rep x cell arrays (cells = unique combinations of ``keys``):
    (rep names, cell index, closed, won)."""
    grid = cells.groupby(["rep", *keys], observed=True)[["closed", "won"]].sum()
    closed = grid["closed"].unstack(keys, fill_value=0)
    won = grid["won"].unstack(keys, fill_value=0).reindex_like(closed).fillna(0)
    return closed.index.tolist(), closed.columns, closed.to_numpy(float), won.to_numpy(float)


def rep_tables(closed: np.ndarray, won: np.ndarray, i: int, columns=None) -> np.ndarray:
    """2 x 2 x K tables (rows: rep ``i`` / rest of the team; columns: won / not won) over the cells
    (optionally only ``columns``) that carry information: both rows and both columns non-empty.

    >>> closed, won = np.array([[30.0, 10, 5], [20, 40, 0]]), np.array([[18.0, 2, 1], [12, 8, 0]])
    >>> rep_tables(closed, won, 0).shape  # the third cell has no one to compare with
    (2, 2, 2)
    """
    if columns is not None:
        closed, won = closed[:, columns], won[:, columns]
    n1, a = closed[i], won[i]
    n2, c = closed.sum(0) - n1, won.sum(0) - a
    wins, losses = a + c, (n1 - a) + (n2 - c)
    informative = (n1 > 0) & (n2 > 0) & (wins > 0) & (losses > 0)
    return np.stack([np.stack([a, n1 - a]), np.stack([c, n2 - c])])[:, :, informative]


def cmh(tables: np.ndarray, confidence: float, *, correction: bool, homogeneity: bool = True) -> dict:
    """CMH test (statsmodels ``StratifiedTable``) with the MH odds ratio, its CI and the Breslow-Day p.

    ``z`` is the signed square root of the uncorrected statistic (sign: observed minus expected wins).

    Examples
    --------
    Agresti's two clinics (each with an odds ratio of 1):

    >>> tables = rep_tables(np.array([[30.0, 10], [20, 40]]), np.array([[18.0, 2], [12, 8]]), 0)
    >>> res = cmh(tables, 0.95, correction=True)
    >>> round(res["mh_or"], 3), round(res["z"], 3), round(res["homogeneity_p"], 3)
    (1.0, 0.0, 1.0)
    """
    nan = _NAN
    out = {"statistic": nan, "p_value": nan, "z": nan, "mh_or": nan, "mh_or_low": nan, "mh_or_high": nan,
           "homogeneity_p": nan}
    if tables.shape[-1] == 0:
        return out
    from statsmodels.stats.contingency_tables import StratifiedTable

    a = tables[0, 0]
    n1, m1, tot = tables[0].sum(0), tables[:, 0].sum(0), tables.sum((0, 1))
    diff = float((a - n1 * m1 / tot).sum())  # sign of the MH score: observed minus expected wins
    with np.errstate(divide="ignore", invalid="ignore"):
        st = StratifiedTable(tables)
        test = st.test_null_odds(correction=correction)
        out.update(statistic=float(test.statistic), p_value=float(test.pvalue))
        out["z"] = math.copysign(math.sqrt(float(st.test_null_odds(correction=False).statistic)), diff) \
            if diff != 0 else 0.0
        mh = float(st.oddsratio_pooled)
        out["mh_or"] = mh
        if np.isfinite(mh) and mh > 0:
            low, high = st.oddsratio_pooled_confint(alpha=1 - confidence)
            out.update(mh_or_low=float(low), mh_or_high=float(high))
        if homogeneity and tables.shape[-1] >= 2:
            out["homogeneity_p"] = float(st.test_equal_odds().pvalue)
            if not np.isfinite(out["homogeneity_p"]) and mh == 1.0:
                out["homogeneity_p"] = breslow_day_at_one(tables)
    # keep a 0 or infinite MH odds ratio (a rep with no wins / no losses); other non-finite values -> NaN
    return {k: float(v) if (k == "mh_or" or np.isfinite(v)) else nan for k, v in out.items()}


def conditional_moments(tables: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each stratum's top-left cell given its margins, when the odds ratio of every
    stratum is ``exp(beta)`` (Fisher's noncentral hypergeometric distribution); ``beta = -inf`` /
    ``+inf`` give the bottom / top of the support (variance 0).

    Written out (log-sum-exp over the support of every stratum at once) because the inverted test
    evaluates it at many odds ratios; scipy's ``nchypergeom_fisher`` gives the same moments one
    stratum at a time (checked in tests/test_reps.py). At ``beta = 0`` they are the hypergeometric
    moments of the Cochran-Mantel-Haenszel test: n1 m1 / N and n1 n2 m1 m2 / (N^2 (N - 1)).

    >>> tables = np.array([[[18.0, 2], [12, 8]], [[12, 8], [8, 32]]]).transpose(1, 2, 0)
    >>> [np.round(m, 3).tolist() for m in conditional_moments(tables, 0.0)]
    [[15.0, 6.667], [1.923, 3.013]]
    """
    return _moments(*_support(tables), beta)


def _moments(support: np.ndarray, logw: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    if np.isneginf(beta) or np.isposinf(beta):
        edge = np.where(np.isfinite(logw), support, np.nan)
        pick = np.nanmin(edge, axis=1) if beta < 0 else np.nanmax(edge, axis=1)
        return pick, np.zeros(len(pick))
    lw = logw + beta * support
    lw = lw - lw.max(axis=1, keepdims=True)
    w = np.exp(lw)
    w /= w.sum(axis=1, keepdims=True)
    mean = (w * support).sum(axis=1)
    var = (w * (support - mean[:, None]) ** 2).sum(axis=1)
    return mean, var


def _support(tables: np.ndarray):
    """The support of each stratum's top-left cell (padded rows) and its log hypergeometric weights
    (-inf off the support)."""
    from scipy.special import gammaln

    n1, n2 = tables[0].sum(0), tables[1].sum(0)
    m1 = tables[:, 0].sum(0)
    lo, hi = np.maximum(0, m1 - n2), np.minimum(n1, m1)
    width = int((hi - lo).max()) + 1 if len(lo) else 1
    x = lo[:, None] + np.arange(width)[None, :]
    valid = x <= hi[:, None]
    xs = np.where(valid, x, lo[:, None])
    lc = lambda n, k: gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
    logw = lc(n1[:, None], xs) + lc(n2[:, None], m1[:, None] - xs)
    return xs, np.where(valid, logw, -np.inf)


def cmh_score(tables: np.ndarray, confidence: float) -> dict:
    """The continuity-corrected Cochran-Mantel-Haenszel test and the interval that inverts it.

    The test of a common odds ratio psi = exp(beta) between the rep (row 0) and the rest of the team
    (row 1) over the strata: X2(beta) = (max(|sum a - sum E_beta a| - 1/2, 0))^2 / sum Var_beta a, with
    the conditional (noncentral hypergeometric) moments of each stratum's won count ``a`` given its
    margins, referred to chi-square on 1 df. At beta = 0 it is the usual CMH statistic (as R's
    ``mantelhaen.test(correct=TRUE)``, statsmodels ``StratifiedTable.test_null_odds(correction=True)``),
    whose p-value is ``p_value``. The interval is every psi the same test does not reject at
    1 - ``confidence`` (a score interval, Cornfield-style; Agresti 2013, section 6.3.5), so it leaves out
    psi = 1 exactly when ``p_value`` < 1 - ``confidence``: one procedure for the p-value and the
    interval. Its centre, where sum a = sum E_beta a, is the conditional maximum-likelihood odds ratio.

    Returns ``statistic``, ``p_value``, ``or`` (conditional ML odds ratio), ``or_low``, ``or_high`` and
    ``expected_at`` = (sum of E_beta a at the lower bound, at beta = 0, at the upper bound), from which
    the observed/expected interval follows (E at beta = 0 is the team-rate expectation n1 m1 / N).
    NaN without informative strata.

    Examples
    --------
    UCB admissions, women against men (R: X-squared = 1.4269, p = 0.2323):

    >>> tables = np.array([[[89, 19], [512, 313]], [[17, 8], [353, 207]], [[202, 391], [120, 205]],
    ...                    [[131, 244], [138, 279]], [[94, 299], [53, 138]], [[24, 317], [22, 351]]],
    ...                   float).transpose(1, 2, 0)
    >>> res = cmh_score(tables, 0.95)
    >>> round(res["statistic"], 4), round(res["p_value"], 4), res["or_low"] < 1 < res["or_high"]
    (1.4269, 0.2323, True)
    """
    from scipy.optimize import brentq
    from scipy.stats import chi2

    nan = _NAN
    out = {"statistic": nan, "p_value": nan, "or": nan, "or_low": nan, "or_high": nan,
           "expected_at": (nan, nan, nan)}
    if tables.shape[-1] == 0:
        return out
    observed = float(tables[0, 0].sum())
    crit = float(chi2.ppf(confidence, 1))
    support = _support(tables)

    def diff(beta):
        return observed - float(_moments(*support, beta)[0].sum())

    def stat(beta):
        mean, var = _moments(*support, beta)
        v = float(var.sum())
        d = max(abs(observed - float(mean.sum())) - 0.5, 0.0)
        return d * d / v if v > 0 else (0.0 if d == 0 else math.inf)

    # diff falls from >= 0 (beta = -inf) to <= 0 (+inf); a centre beyond the searched scale is taken as its end
    low_end, high_end = diff(-_BETA_MAX), diff(_BETA_MAX)
    centre = (-math.inf if low_end <= 0 else math.inf if high_end >= 0
              else brentq(diff, -_BETA_MAX, _BETA_MAX, xtol=1e-10))
    x0 = stat(0.0)
    bounds = [_score_bound(stat, centre, x0, crit, side) for side in (-1, 1)]
    expected = [float(_moments(*support, b)[0].sum()) for b in (bounds[0], 0.0, bounds[1])]
    out.update(statistic=x0, p_value=float(chi2.sf(x0, 1)), expected_at=tuple(expected))
    out["or"], out["or_low"], out["or_high"] = (math.exp(b) for b in (centre, *bounds))
    return out


_BETA_MAX = 30.0  # |log odds ratio| searched (odds ratios from 1e-13 to 1e13)
_STEP = 0.25


def _score_bound(stat, centre: float, x0: float, crit: float, side: int) -> float:
    """The end of the acceptance region {beta: stat(beta) <= crit} on ``side`` (-1 lower, +1 upper) of
    ``centre``. beta = 0 is a fixed point of the search, so the region holds 0 exactly when
    stat(0) <= crit, whatever the shape of stat far from the centre."""
    from scipy.optimize import brentq

    f = lambda b: stat(b) - crit
    zero_here = side * (0.0 - centre) > 0
    if zero_here and x0 > crit:
        # 0 is rejected: the bound lies between 0 and the nearest accepted point towards the centre
        inner = 0.0
        while True:
            inner -= side * _STEP
            if side * (inner - centre) <= 0:
                inner = centre  # finite here: an infinite centre is never passed
                break
            if f(inner) <= 0:
                break
            if abs(inner) >= _BETA_MAX:
                return inner  # nothing accepted within the searched scale
        return brentq(f, inner, 0.0, xtol=1e-10)
    start = 0.0 if zero_here else centre
    if not np.isfinite(start):
        return start  # the centre is at the end of the scale: so is the bound on its side
    b = start
    while abs(b) < _BETA_MAX:
        nxt = b + side * _STEP
        if f(nxt) > 0:
            return brentq(f, b, nxt, xtol=1e-10)
        b = nxt
    return side * math.inf


def breslow_day_at_one(tables: np.ndarray) -> float:
    """Breslow-Day test when the MH odds ratio is exactly 1.

    statsmodels solves a quadratic whose leading coefficient is 1 - OR and returns NaN at OR = 1;
    there the fitted cell is simply n1 m1 / N (the quadratic degenerates to a linear equation).

    >>> round(breslow_day_at_one(np.array([[[18.0, 2], [12, 8]], [[12, 8], [8, 32]]])), 3)
    1.0
    """
    from scipy.stats import chi2

    n1, m1, tot = tables[0].sum(0), tables[:, 0].sum(0), tables.sum((0, 1))
    e11 = n1 * m1 / tot
    e12, e21 = n1 - e11, m1 - e11
    e22 = tot - n1 - m1 + e11
    var = 1 / (1 / e11 + 1 / e12 + 1 / e21 + 1 / e22)
    stat = float((((tables[0, 0] - e11) ** 2) / var).sum())
    return float(chi2.sf(stat, tables.shape[-1] - 1))


def cmh_per_rep(cells: pd.DataFrame, keys: list[str], names: list[str], confidence: float,
                adjust: str) -> pd.DataFrame:
    """Each rep against the rest of the team over its informative cells: the continuity-corrected CMH
    test and the odds-ratio interval that inverts it (:func:`cmh_score`), the Mantel-Haenszel odds ratio
    with its Robins-Breslow-Greenland interval and the Breslow-Day p (:func:`cmh`), and ``p_adj``
    across reps; one row per name, in order. ``informative_expected``, ``expected_low`` and
    ``expected_high`` are the rep's expected wins in its informative cells at an odds ratio of 1 and at
    the two ends of the interval (the observed/expected interval follows from them)."""
    reps_, _, closed, won = dense(cells, keys)
    rows = []
    for name in names:
        tables = rep_tables(closed, won, reps_.index(name))
        row = cmh(tables, confidence, correction=True)
        score = cmh_score(tables, confidence)
        low, at_one, high = score.pop("expected_at")
        row.update(statistic=score["statistic"], p_value=score["p_value"], cond_or=score["or"],
                   cond_or_low=score["or_low"], cond_or_high=score["or_high"], informative_expected=at_one,
                   expected_low=low, expected_high=high)
        rows.append(row)
    out = pd.DataFrame(rows).drop(columns=["z"])
    out["p_adj"] = adjust_pvalues(out["p_value"].to_numpy(float), adjust)
    return out


# ------------------------------------------------------------------------------------ shrinkage
def fit_beta_binomial(k: np.ndarray, n: np.ndarray):
    """Maximum-likelihood beta-binomial prior for counts ``k`` of ``n``: (alpha, beta, flat).

    Written by hand because neither scipy nor statsmodels fits a beta-binomial *prior* across units
    (scipy only has its pmf); ``k`` may be non-integer (mix-adjusted wins), so the likelihood is
    written with ``betaln``, which equals ``scipy.stats.betabinom.logpmf`` up to a constant in
    (a, b). ``flat`` means the fit ran to the upper bound of a + b: the units vary no more than
    binomial chance and every shrunk rate is the pooled rate.

    Examples
    --------
    >>> a, b, flat = fit_beta_binomial(np.array([10.0, 30, 50]), np.array([100.0, 100, 100]))
    >>> round(a / (a + b), 2), flat
    (0.3, False)
    """
    from scipy.optimize import minimize
    from scipy.special import betaln, expit, logit

    pooled = float(k.sum() / n.sum())
    pooled = min(max(pooled, 1e-6), 1 - 1e-6)
    upper = math.log(1e7)

    def nll(x):
        mu, s = expit(x[0]), math.exp(x[1])
        a, b = mu * s, (1 - mu) * s
        return -float(np.sum(betaln(k + a, n - k + b) - betaln(a, b)))

    best = None
    for start in (math.log(2.0), math.log(20.0), math.log(200.0)):
        res = minimize(nll, x0=[logit(pooled), start], method="L-BFGS-B",
                       bounds=[(-15, 15), (math.log(1e-3), upper)])
        if best is None or res.fun < best.fun:
            best = res
    mu, s = float(expit(best.x[0])), float(math.exp(best.x[1]))
    # the likelihood of binomial-only variation rises towards a + b = infinity so slowly that the
    # optimiser may stop short of the bound: compare with the bound itself
    flat = best.x[1] >= upper - 1e-3 or nll([logit(pooled), upper]) <= best.fun + 1e-6
    if flat:
        s = math.exp(upper)
    if flat:  # the likelihood is flat in mu's last digits out there; its limit is the pooled rate
        mu = float(k.sum() / n.sum())
    return mu * s, (1 - mu) * s, bool(flat)


def shrink(adj_wins: np.ndarray, n: np.ndarray, prior: tuple[float, float], team_rate: float,
           confidence: float) -> dict[str, np.ndarray]:
    """Posterior mean (``shrunk``), equal-tailed credible interval and P(rate < team rate) per rep under
    the beta ``prior``; NaN columns when the prior is NaN (not fitted).

    >>> out = shrink(np.array([8.0, 16]), np.array([40.0, 40]), (6.0, 18.0), 0.3, 0.95)
    >>> out["shrunk"].round(3).tolist()  # (6 + 8) / 64, (6 + 16) / 64
    [0.219, 0.344]
    """
    a0, b0 = prior
    if not (np.isfinite(a0) and np.isfinite(b0)):
        return {col: np.nan for col in ("shrunk", "shrunk_low", "shrunk_high", "p_below_team")}
    from scipy.stats import beta as beta_dist

    alpha = 1 - confidence
    pa, pb = a0 + adj_wins, b0 + n - adj_wins
    return {"shrunk": pa / (pa + pb), "shrunk_low": beta_dist.ppf(alpha / 2, pa, pb),
            "shrunk_high": beta_dist.ppf(1 - alpha / 2, pa, pb), "p_below_team": beta_dist.cdf(team_rate, pa, pb)}


# ---------------------------------------------------------------------------------- persistence
def by_period(cells: pd.DataFrame, names: list[str], periods: list[str], confidence: float,
              dip_level: float) -> pd.DataFrame:
    """The gap rep x period, always within the period's own team rates: ``closed``, ``won``,
    ``expected``, ``oe``, ``gap``, ``z`` (signed MH score against the rest of the team), ``below`` /
    ``above`` (beyond the 95% limits) and ``dip`` (below the ``dip_level`` limit)."""
    from scipy.stats import norm

    pkeys = ["stratum", "period"]
    pc = expected_wins(cells, pkeys)
    bp = pc.groupby(["rep", "period"], observed=True)[["closed", "won", "expected"]].sum()
    full = pd.MultiIndex.from_product([names, periods], names=["rep", "period"])
    bp = bp.reindex(full, fill_value=0).reset_index()
    z95, zdip = norm.ppf(0.5 + 0.95 / 2), norm.ppf(0.5 + dip_level / 2)
    names_p, cols_p, closed_p, won_p = dense(cells, pkeys)
    period_of = np.asarray(cols_p.get_level_values("period"))
    zs = []
    for name, per in zip(bp["rep"], bp["period"], strict=True):
        i, sel = names_p.index(name), period_of == per
        if closed_p[i, sel].sum() == 0:
            zs.append(np.nan)
            continue
        zs.append(cmh(rep_tables(closed_p, won_p, i, sel), confidence, correction=False, homogeneity=False)["z"])
    bp["z"] = zs
    with np.errstate(divide="ignore", invalid="ignore"):
        bp["oe"] = np.where(bp["expected"] > 0, bp["won"] / bp["expected"], np.nan)
        bp["gap"] = np.where(bp["closed"] > 0, (bp["won"] - bp["expected"]) / bp["closed"], np.nan)
    bp["below"], bp["above"], bp["dip"] = bp["z"] < -z95, bp["z"] > z95, bp["z"] < -zdip
    return bp[["rep", "period", "closed", "won", "expected", "oe", "gap", "z", "below", "above", "dip"]]


def period_summary(bp: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per rep (in order): periods with a z, periods below / above the team, the worst period (lowest
    z) with its z and O/E, and whether any period dipped."""
    rows = []
    for name in names:
        sub = bp[(bp["rep"] == name) & bp["z"].notna()]
        worst = sub.loc[sub["z"].idxmin()] if len(sub) else None
        rows.append({"periods": len(sub), "periods_below": int((sub["z"] < 0).sum()),
                     "periods_above": int((sub["z"] > 0).sum()),
                     "worst_period": None if worst is None else str(worst["period"]),
                     "worst_z": _NAN if worst is None else float(worst["z"]),
                     "worst_oe": _NAN if worst is None else float(worst["oe"]),
                     "any_dip": bool(sub["dip"].any())})
    return pd.DataFrame(rows)


def classify(t: pd.DataFrame, any_dip, *, min_n: int, persist_share: float, alpha: float, min_periods: int = 3):
    """Classification (:data:`CLASSES`), verdict (:data:`VERDICTS`), "significant but not consistent"
    flag and "too few periods to judge persistence" flag per row of ``t`` (columns ``closed``,
    ``significant``, ``oe``, ``periods``, ``periods_below``, ``periods_above``, ``raw_p_adj``, ``gap``,
    ``raw_gap``).

    Persistence needs ``min_periods`` periods with a comparison: with fewer, a significant gap is
    ``significant_under``/``significant_over`` (one period out of one is no evidence of persistence).
    The verdict "mix_explains" needs all three: the raw test significant, the mix-adjusted test not,
    and the mix-adjusted gap, in the raw gap's direction, under half the raw gap; when the first two
    hold but the adjusted gap is at least half the raw one, the verdict is "mix_partly".

    >>> t = pd.DataFrame({"closed": [400, 400], "significant": [False, False], "oe": [1.18, 1.02],
    ...                   "periods": [12, 12], "periods_below": [3, 6], "periods_above": [9, 6],
    ...                   "raw_p_adj": [0.01, 0.01], "gap": [0.041, 0.004], "raw_gap": [0.054, 0.054]})
    >>> classify(t, [False, False], min_n=30, persist_share=2 / 3, alpha=0.05)[1]
    ['mix_partly', 'mix_explains']
    """
    classes, verdicts, inconsistent, few_periods = [], [], [], []
    for row, dipped in zip(t.itertuples(index=False), any_dip, strict=True):
        if row.closed < min_n:
            classes.append("too_few")
            verdicts.append("too_few")
            inconsistent.append(False)
            few_periods.append(False)
            continue
        sig = bool(row.significant)
        m = int(row.periods)
        few = m < min_periods
        if sig and few:
            cls = "significant_under" if row.oe < 1 else "significant_over"
        elif sig and row.oe < 1 and row.periods_below / m >= persist_share:
            cls = "persistent_under"
        elif sig and row.oe > 1 and row.periods_above / m >= persist_share:
            cls = "persistent_over"
        elif dipped:
            cls = "short_term_dip"
        else:
            cls = "within_range"
        inconsistent.append(sig and cls in ("short_term_dip", "within_range"))
        few_periods.append(few)
        classes.append(cls)
        verdicts.append(_verdict(row, sig, alpha))
    return classes, verdicts, inconsistent, few_periods


def _verdict(row, sig: bool, alpha: float) -> str:
    if sig:
        return "gap_remains"
    if not (np.isfinite(row.raw_p_adj) and row.raw_p_adj < alpha):
        return "no_gap"
    direction = math.copysign(1.0, row.raw_gap)
    explained = np.isfinite(row.gap) and direction * row.gap < 0.5 * abs(row.raw_gap)
    return "mix_explains" if explained else "mix_partly"


# ----------------------------------------------------------------------------------------- funnel
def normal_limits(target: float, trials: np.ndarray, level: float, tau2: float):
    """target +/- z sqrt(target (1 - target) / n + tau2), clipped to [0, 1].

    >>> [np.round(b, 3).tolist() for b in normal_limits(0.2, np.array([50.0, 500]), 0.95, 0.0)]
    [[0.089, 0.165], [0.311, 0.235]]
    """
    from scipy.stats import norm

    z = norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(target * (1 - target) / trials + tau2)
    return np.clip(target - z * se, 0, 1), np.clip(target + z * se, 0, 1)


def exact_quantile(target: float, n: np.ndarray, prob: float) -> np.ndarray:
    """Spiegelhalter (2005, appendix A.1.1) interpolated binomial quantile, as a rate.

    r is the smallest count with P(R <= r) >= prob; the limit is (r - alpha) / n with
    alpha = [P(R <= r) - prob] / [P(R <= r) - P(R <= r - 1)], which makes the limit a smooth curve
    in n. scipy gives the binomial cdf/ppf; the interpolation itself has no library implementation.
    """
    from scipy.stats import binom

    n = np.asarray(n, float)
    out = np.full(n.shape, np.nan)
    ok = n > 0
    ni = np.round(n[ok])
    r = binom.ppf(prob, ni, target)
    f_r, f_r1 = binom.cdf(r, ni, target), binom.cdf(r - 1, ni, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(f_r > f_r1, (f_r - prob) / (f_r - f_r1), 0.0)
    out[ok] = np.clip((r - alpha) / ni, 0, 1)
    return out


def exact_limits(target: float, trials: np.ndarray, level: float):
    """Two-sided exact (interpolated binomial) limits at ``level``.

    >>> [np.round(b, 3).tolist() for b in exact_limits(0.2, np.array([50.0, 500]), 0.95)]
    [[0.084, 0.164], [0.307, 0.235]]
    """
    tail = (1 - level) / 2
    return exact_quantile(target, trials, tail), exact_quantile(target, trials, 1 - tail)


def overdispersion(z: np.ndarray, s2: np.ndarray, winsorize: float):
    """Winsorised z-scores, dispersion factor phi, its chi-square p and the DerSimonian-Laird tau^2.

    phi is the mean squared z after Winsorising ``winsorize`` at each end; ``len(z) * phi`` is about
    chi-square on ``len(z) - 1`` df without overdispersion; tau^2 = (I phi - (I - 1)) / (sum w -
    sum w^2 / sum w), w = 1 / s2, floored at 0. Fewer than 3 units: NaN and tau^2 = 0.

    >>> zw, phi, p, tau2 = overdispersion(np.array([-2.5, -0.5, 0.1, 0.4, 3.0]), np.full(5, 0.001), 0.1)
    >>> zw.round(2).tolist(), round(phi, 2), round(p, 3)
    ([-1.7, -0.5, 0.1, 0.4, 1.96], 1.43, 0.128)
    """
    units = len(z)
    if units < 3:
        return np.full(units, _NAN), _NAN, _NAN, 0.0
    from scipy.stats import chi2

    lo, hi = np.quantile(z, [winsorize, 1 - winsorize])
    zw = np.clip(z, lo, hi)
    phi = float(np.mean(zw ** 2))
    p_over = float(chi2.sf(units * phi, units - 1))
    w = 1 / s2
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    return zw, phi, p_over, tau2
