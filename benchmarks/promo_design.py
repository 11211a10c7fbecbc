"""Planning a promotion test: promo.design over 40 stores x 2 years of days, pairs of stores.

    PYTHONPATH=. .venv/bin/python benchmarks/promo_design.py [--stores 40] [--days 730]

Prints the seconds of promo.design with its defaults (all 780 pairs would be ranked; 200 are sampled,
the best 5 simulated on 20 history windows); the issue's target is under a minute on 2 cores.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from promo_chain_scale import chain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=40)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--promo-days", type=int, default=28)
    args = parser.parse_args()
    from kpi_analysis import promo

    n, days = args.stores, args.days
    Y = chain(np.random.default_rng(20261203), n, days, smallest=500)
    dates = pd.date_range("2024-01-01", periods=days)
    sales = pd.DataFrame({"location": np.repeat([f"S{i:02d}" for i in range(n)], days),
                          "date": np.tile(dates, n), "revenue": Y.T.ravel()})
    t0 = time.perf_counter()
    plan = promo.design(sales, n_treated=2, days=args.promo_days)
    seconds = time.perf_counter() - t0
    best = plan.table.iloc[0]
    print(f"promo.design: {n} stores x {days} days, {plan.n_candidates} of {plan.n_possible} pairs, "
          f"{plan.n_simulated} simulated: {seconds:.1f} s (target < 60 s); best {best['locations']} "
          f"MDE {best['mde']:.2%} ({best['mde_source']})")


if __name__ == "__main__":
    main()
