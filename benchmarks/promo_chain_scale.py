"""Synthetic control at chain scale: the weight fit on 2,000 control locations x 3 years of days.

    PYTHONPATH=. .venv/bin/python benchmarks/promo_chain_scale.py [--controls 2000] [--days 1095]

Prints the seconds of (1) the simplex weight fit on the baseline (the issue's target: a few seconds),
(2) one conformal p-value (a refit on every day plus the cyclic shifts). The reduction of the sales
rows to daily sums is the promotion analysis's existing ``promo.reduce`` (see reduction_layer.py).
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def chain(rng, stores: int, days: int, *, smallest: float = 50, largest: float = 5000) -> np.ndarray:
    """Days x stores of daily sales: sizes log-uniform, a weekly pattern (+-25%), a shared random walk
    (1% a day) and 5% noise per store-day."""
    t = np.arange(days)
    week = 1 + 0.25 * np.sin(2 * np.pi * (t % 7) / 7)
    common = np.cumsum(rng.normal(0, 0.01, days))
    sizes = np.exp(rng.uniform(np.log(smallest), np.log(largest), stores))
    return sizes[None, :] * week[:, None] * np.exp(common[:, None] + rng.normal(0, 0.05, (days, stores)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controls", type=int, default=2000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--promo-days", type=int, default=28)
    args = parser.parse_args()
    from kpi_analysis.promo.synthetic import conformal_p, simplex_weights

    rng = np.random.default_rng(20261028)
    n, days = args.controls, args.days
    t = np.arange(days)
    X = chain(rng, n, days)
    y = X[:, :5].mean(axis=1) + rng.normal(0, 5, days)
    post = t >= days - args.promo_days
    pre = ~post
    t0 = time.perf_counter()
    w = simplex_weights(y[pre] - y[pre].mean(), X[pre] - X[pre].mean(axis=0))
    fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    p = conformal_p(y, X, post, 0.0)
    conf = time.perf_counter() - t0
    print(f"weight fit, {n} controls x {int(pre.sum())} baseline days: {fit:.2f} s ({int((w > 1e-6).sum())} "
          f"non-zero weights)")
    print(f"one conformal p-value (refit on {days} days + {days} cyclic shifts): {conf:.2f} s (p = {p:.3f})")


if __name__ == "__main__":
    main()
