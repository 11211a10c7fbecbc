"""Did the promotion at location A work? Location A/B tests with two to a few dozen stores.

Three public analyses and their building blocks:

- :func:`analyze` runs the location promotion test end to end (:func:`analyze_period`: the tests
  that ended in a report period, each through :func:`analyze`): it reduces the sales rows to daily
  sums per location (:func:`reduce`), checks the schedule and the baseline (:func:`prechecks`),
  chooses the design and turns the estimate into a lift in %, in currency per location-day and in
  total, all from one interval and one p-value;
- :func:`crossover` is the AB/BA crossover (Senn 2002) on any panel, :func:`did` difference-in-
  differences with honest inference for few units;
- :func:`synthetic_control` (many controls, conformal inference) and :func:`time_based_regression`
  (a treatment group against a control group, as matched_markets) for chain-scale tests;
- :func:`mde` gives the minimum detectable lift for a planned two-store test and the days needed for
  a given lift; :func:`design` ranks which stores should run the next test and for how long.

The package is split by job: ``reduce`` (the one reduction, in Ibis), ``schedule``, ``stats``
(arrays in, numbers out), ``estimators`` (crossover, DiD, baseline checks on a panel), ``designs``
(the designs ``analyze`` chooses from), ``api`` (``analyze``), ``power`` (``mde``), ``planning``
(``design``), ``results``
(frozen result objects carrying numbers and codes) and ``present`` (en/vi words and charts).

Examples
--------
>>> from kpi_analysis import promo
>>> promo.parse_schedule({"A": "2026-02", "B": "2026-03"})["location"].tolist()
['A', 'B']
"""
from .api import analyze, analyze_period
from .estimators import SCALES, SEED, crossover, did, prechecks
from .planning import DesignResult, design
from .power import mde
from .present import plot_effect
from .reduce import OUTCOMES, daily_sums, reduce
from .results import (
    CrossoverResult,
    DiDResult,
    Exclusions,
    MDEResult,
    Notes,
    PeriodTests,
    PreCheck,
    PromoResult,
)
from .schedule import ended_in, parse_schedule, schedule_tests
from .synthetic import SyntheticControlResult, synthetic_control
from .tbr import TBRResult, time_based_regression

__all__ = [
    "OUTCOMES",
    "SCALES",
    "SEED",
    "CrossoverResult",
    "DesignResult",
    "DiDResult",
    "Exclusions",
    "MDEResult",
    "Notes",
    "PeriodTests",
    "PreCheck",
    "PromoResult",
    "SyntheticControlResult",
    "TBRResult",
    "analyze",
    "analyze_period",
    "crossover",
    "daily_sums",
    "design",
    "did",
    "ended_in",
    "mde",
    "parse_schedule",
    "plot_effect",
    "prechecks",
    "reduce",
    "schedule_tests",
    "synthetic_control",
    "time_based_regression",
]
