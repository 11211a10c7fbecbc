"""The two forecast model families, simulated as sample paths, and the rolling-origin backtest.

- ``"ets"``: statsmodels ``ETSModel`` ETS(A,A,A) (ETS(A,A,N) without two seasons), Gaussian innovations
  with the degrees-of-freedom corrected variance;
- ``"sarima_boot"``: an AR(1) with drift on the 12-month differences, SARIMA(1,0,0)(0,1,0)12
  (ARIMA(1,1,0) without two seasons), fitted by statsmodels and simulated with bootstrapped residuals
  and parameter draws.

statsmodels and scipy are imported inside the functions that fit.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from .results import Prepared
from .stats import MIN_MONTHS, SEASON

__all__ = ["SIMULATORS", "backtest", "model_key", "simulate", "simulate_arboot", "simulate_ets"]


def model_key(model: str, seasonal: bool) -> str:
    """The variant fitted: the family itself with two seasons, its non-seasonal form without.

    >>> model_key("ets", True), model_key("sarima_boot", False)
    ('ets', 'arima_boot')
    """
    if seasonal:
        return model
    return {"ets": "ets_ns", "sarima_boot": "arima_boot"}[model]


def simulate_ets(z: np.ndarray, seasonal: bool, h: int, n: int, rng: np.random.Generator):
    """ETS(A,A,A) (or A,A,N) fitted by statsmodels; Gaussian innovations simulated by statsmodels."""
    from scipy import stats
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    kw = {"error": "add", "trend": "add", "damped_trend": False}
    if seasonal:
        kw.update(seasonal="add", seasonal_periods=SEASON)
    converged = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = ETSModel(z, **kw).fit(disp=False)
        # statsmodels simulates with the ML variance SSE/n; with ~17 parameters (12 initial seasonal
        # states) on 2-3 years of data that is far too small. Use the degrees-of-freedom corrected
        # SSE/(n - k), the usual unbiased residual variance.
        k = int(getattr(fit, "df_model", len(fit.params)))
        sigma = math.sqrt(float(fit.sse) / max(len(z) - k, 4))
        sims = fit.simulate(nsimulations=h, anchor="end", repetitions=n, rng=rng,
                            random_errors=stats.norm(scale=sigma))
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        converged = False
    return np.asarray(sims, dtype=float).reshape(h, n).T, converged


def simulate_arboot(z: np.ndarray, seasonal: bool, h: int, n: int, rng: np.random.Generator):
    """AR(1) with drift on the lag-s differences (s = 12, or 1 without seasonality), bootstrapped.

    statsmodels fits the AR(1) (``ARIMA(d, order=(1, 0, 0), trend="c")``); its ``simulate`` takes
    one shock matrix per call, so the residual-bootstrap recursion over thousands of paths is
    written here (vectorised). Parameter uncertainty: (mean, phi) are drawn per path from their
    estimated normal sampling distribution; shocks are resampled from the fitted residuals.
    """
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.arima.model import ARIMA
    s = SEASON if seasonal else 1
    d = z[s:] - z[:-s]
    converged = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = ARIMA(d, order=(1, 0, 0), trend="c").fit()
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        converged = False
    params = np.asarray(fit.params, dtype=float)  # const (the mean), ar.L1, sigma2
    cov = np.asarray(fit.cov_params(), dtype=float)[:2, :2]
    resid = np.asarray(fit.resid, dtype=float)[1:]  # the first residual carries the initial state
    # Fitted residuals are smaller than the innovations (2 mean parameters were fitted to them):
    # centre and rescale by sqrt(m / (m - 2)) (Davison & Hinkley 1997, section 6.2.3).
    resid = (resid - resid.mean()) * math.sqrt(len(resid) / max(len(resid) - 2, 1))
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
        cov = np.zeros((2, 2))
    draws = rng.multivariate_normal(params[:2], cov, size=n, method="svd")
    mu, phi = draws[:, 0], np.clip(draws[:, 1], -0.98, 0.98)
    shocks = rng.choice(resid, size=(n, h), replace=True)
    zz = np.empty((n, len(z) + h))
    zz[:, :len(z)] = z
    prev = np.full(n, d[-1])
    for j in range(h):
        t = len(z) + j
        dj = mu + phi * (prev - mu) + shocks[:, j]
        zz[:, t] = zz[:, t - s] + dj
        prev = dj
    return zz[:, len(z):], converged


SIMULATORS = {"ets": simulate_ets, "sarima_boot": simulate_arboot}


def simulate(prep: Prepared, models, h: int, n: int, seeds) -> tuple[dict, list]:
    """Paths (n x h, original units) per model, and the names of models that did not converge."""
    z = np.log(prep.y.to_numpy()) if prep.log else prep.y.to_numpy()
    out, bad = {}, []
    for model, ss in zip(models, seeds):
        paths, ok = SIMULATORS[model](z, prep.seasonal, h, n, np.random.default_rng(ss))
        out[model] = np.exp(paths) if prep.log else paths
        if not ok:
            bad.append(model)
    return out, bad


def backtest(prep: Prepared, models, *, h: int, tail: int, n_origins: int, n_paths: int,
             level: float, seed_seq) -> pd.DataFrame:
    """Rolling-origin backtest: fit on the first o months, forecast h months, check the intervals."""
    n = len(prep.y)
    min_train = 2 * SEASON if prep.seasonal else MIN_MONTHS
    h = min(h, n - min_train)
    if h < 1:
        return pd.DataFrame(columns=["model", "origin", "horizon", "kind", "actual", "low", "high", "inside"])
    tail = min(tail, h)
    origins = list(range(max(min_train, n - h - n_origins + 1), n - h + 1))
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    seeds = seed_seq.spawn(len(origins))
    for o, ss in zip(origins, seeds):
        sub = Prepared(y=prep.y.iloc[:o], log=prep.log, seasonal=prep.seasonal)
        sims, _ = simulate(sub, models, h, n_paths, ss.spawn(len(models)))
        actual = prep.y.iloc[o:o + h].to_numpy()
        origin = prep.y.index[o - 1].strftime("%Y-%m")
        for model, paths in sims.items():
            lo, hi = np.quantile(paths, [lo_q, hi_q], axis=0)
            for j in range(h):
                rows.append((model, origin, j + 1, "month", actual[j], lo[j], hi[j]))
            tot = paths[:, h - tail:].sum(axis=1)
            tlo, thi = np.quantile(tot, [lo_q, hi_q])
            rows.append((model, origin, h, "total", actual[h - tail:].sum(), tlo, thi))
    bt = pd.DataFrame(rows, columns=["model", "origin", "horizon", "kind", "actual", "low", "high"])
    bt["inside"] = (bt["actual"] >= bt["low"]) & (bt["actual"] <= bt["high"])
    return bt
