"""Is this sales rep really converting worse, or did they just get worse leads?

Three public steps, in the order the analysis runs:

* :func:`reduce` reduces lead rows to a small tidy table ``rep x stratum x period`` of closed and
  won leads (the sufficient statistics; the only step that touches rows, written once in Ibis so it
  runs where the data live);
* :func:`compare` compares every rep with the rest of the team on the same lead mix (indirect
  standardization, Cochran-Mantel-Haenszel), adjusts the p-values across reps, shrinks the rates
  (empirical Bayes, beta-binomial), follows the gap period by period and classifies each rep;
* :func:`funnel` draws funnel-plot control limits around a team rate with Spiegelhalter's (2005)
  overdispersion adjustment, for any events/trials (reps, locations, lead sources).

The package is split by job: :mod:`~kpi_analysis.reps.reduce` (the reduction),
:mod:`~kpi_analysis.reps.stats` (counts in, numbers out), :mod:`~kpi_analysis.reps.results` (the
frozen results), :mod:`~kpi_analysis.reps.present` (en/vi words and charts) and
:mod:`~kpi_analysis.reps.api` (the public functions). ``counts`` is the earlier name of
:func:`reduce` (deprecated).
"""
from __future__ import annotations

from .api import compare, counts, funnel
from .reduce import COUNT_COLUMNS, is_reduced, period_sort_key, reduce
from .results import FunnelResult, RepComparison
from .stats import CLASSES, VERDICTS

__all__ = ["CLASSES", "COUNT_COLUMNS", "VERDICTS", "FunnelResult", "RepComparison", "compare", "counts",
           "funnel", "is_reduced", "period_sort_key", "reduce"]
