"""Calibration of the feasibility forecasts (``kpi_analysis.feasibility.assess`` with its defaults).

Each replicate draws a monthly history from a known process, ending October 2026, and asks what the
report asks: the total of the next full quarter, 2027-Q1 (two to five months ahead), with the default
model set, 6 backtest origins and the backtest's weights. The future months are drawn from the same
process.

- ``coverage``: how often the 80% interval of the period total (``forecast_low`` to ``forecast_high``)
  holds the actual total; target 72-88%.
- ``reliability``: P(hit) for growth targets of -20% to +45% vs the same quarter a year before
  (:data:`GROWTHS`, re-scored on the same paths with ``retarget``), against whether the actual total hit
  them, by decile of the predicted P(hit), pooled over the four processes; target: every decile within
  0.1 of its observed hit rate.

The processes (the statistics issue): log random walks with drift 0.01 and monthly SD 0.06 with 14, 20
and 32 months of history; and 48 months of a seasonal AR on the log scale: drift 0.005 a month, a fixed
seasonal pattern of amplitude 0.2, and noise (1 - 0.5 B)(1 - 0.5 B^12) x_t = e_t with SD 0.05.

A replicate refits both models at the 6 backtest origins and for the forecast (14 fits); the seasonal
fits (32 and 48 months) take about a second each, so the studies run few replicates on a shared 2-core
machine (the counts are in the results; the Monte Carlo intervals say what that costs). Replicates run
in two worker processes.
"""
from __future__ import annotations

import math
import warnings
from functools import cache

import numpy as np
from calibration import Study

GROWTHS = (-0.2, -0.1, 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45)
PROCESSES = {
    "rw14": ("log random walk, drift 0.01, monthly SD 0.06, 14 months of history", 14),
    "rw20": ("log random walk, drift 0.01, monthly SD 0.06, 20 months of history", 20),
    "rw32": ("log random walk, drift 0.01, monthly SD 0.06, 32 months of history", 32),
    "sar48": (("seasonal AR, 48 months of history: log scale, drift 0.005, seasonal amplitude 0.2, "
               "(1 - 0.5 B)(1 - 0.5 B^12) x = e, SD 0.05"), 48),
}
REPLICATES = {"rw14": 200, "rw20": 200, "rw32": 120, "sar48": 120}
FUTURE = 5  # 2026-11 .. 2027-03: the quarter is the last three
WORKERS = 2


def _draw(process: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` months of history and :data:`FUTURE` more, on the original scale."""
    total = n + FUTURE
    if process.startswith("rw"):
        return np.exp(math.log(1000) + np.cumsum(rng.normal(0.01, 0.06, total)))
    burn = 120
    e = rng.normal(0, 0.05, total + burn)
    x = np.zeros(total + burn)
    for t in range(13, total + burn):  # x_t = 0.5 x_{t-1} + 0.5 x_{t-12} - 0.25 x_{t-13} + e_t
        x[t] = 0.5 * x[t - 1] + 0.5 * x[t - 12] - 0.25 * x[t - 13] + e[t]
    t = np.arange(total)
    month = (np.arange(total) + 10 - n) % 12  # calendar month of each value (history ends in October)
    return np.exp(math.log(1000) + 0.005 * t + 0.2 * np.sin(2 * np.pi * month / 12) + x[burn:])


def _one(args) -> dict:
    process, seed = args
    import pandas as pd

    from kpi_analysis import feasibility as feas

    n = PROCESSES[process][1]
    rng = np.random.default_rng(seed)
    v = _draw(process, n, rng)
    y = pd.Series(v[:n], index=pd.date_range(end="2026-10-01", periods=n, freq="MS"), name="kpi")
    actual = float(v[n + 2:n + 5].sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = feas.assess(y, target=0.0, target_period="2027-Q1", n_paths=1000)
    pairs = []
    for g in GROWTHS:
        rr = r.retarget(g)
        pairs.append((rr.p_hit, bool(actual >= rr.target * (1 - 1e-12))))
    return {"inside": bool(r.forecast_low <= actual <= r.forecast_high), "pairs": pairs,
            "weight_ets": float(r.weights[next(iter(r.weights))]), "calibration": r.calibration}


@cache
def _runs(process: str, replicates: int, seed: int) -> tuple:
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence([seed, len(process)]).spawn(replicates)]
    jobs = [(process, s) for s in seeds]
    if WORKERS > 1 and replicates > 4:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(WORKERS) as pool:
            return tuple(pool.map(_one, jobs, chunksize=1))
    return tuple(_one(j) for j in jobs)


def _coverage(process: str):
    def run(replicates: int, seed: int) -> dict:
        runs = _runs(process, replicates, seed)
        verdicts = {}
        for x in runs:
            verdicts[x["calibration"]] = verdicts.get(x["calibration"], 0) + 1
        return {"hits": sum(x["inside"] for x in runs), "n": len(runs),
                "mean_weight_ets": round(float(np.mean([x["weight_ets"] for x in runs])), 3),
                "backtest_verdicts": verdicts}
    return run


def deciles(pairs) -> list[dict]:
    """Predicted P(hit) against the observed hit rate in ten bins of the prediction (0-10%, ..., 90-100%)."""
    p = np.array([a for a, _ in pairs], dtype=float)
    hit = np.array([b for _, b in pairs], dtype=float)
    out = []
    for k in range(10):
        m = (p >= k / 10) & ((p < (k + 1) / 10) if k < 9 else (p <= 1))
        out.append({"decile": k, "predicted": float(p[m].mean()) if m.any() else math.nan,
                    "observed": float(hit[m].mean()) if m.any() else math.nan, "n": int(m.sum())})
    return out


def _reliability(replicates: int | None, seed: int) -> dict:
    pairs = []
    for process in PROCESSES:
        count = replicates if replicates and replicates != REPLICATES["rw14"] else REPLICATES[process]
        for x in _runs(process, count, seed):
            pairs += x["pairs"]
    return {"deciles": deciles(pairs), "pairs": len(pairs)}


STUDIES = [
    *(Study("feasibility", f"80% interval of a quarter's total, {name}", "coverage", dgp, _coverage(name),
            nominal=0.80, target=(0.72, 0.88), replicates=REPLICATES[name])
      for name, (dgp, _) in PROCESSES.items()),
    Study("feasibility", "P(hit) reliability by decile, the four processes pooled", "reliability",
          "the four processes above; growth targets -20% to +45% vs the same quarter last year", _reliability,
          nominal=math.nan, target=(0.0, 0.10), replicates=REPLICATES["rw14"]),
]
