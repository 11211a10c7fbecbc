"""Net Promoter Score with honest uncertainty: per segment, over time, and what would move it.

Customers answer "how likely are you to recommend us?" from 0 to 10: 9-10 are promoters, 7-8
passives, 0-6 detractors, and NPS = % promoters - % detractors (points, -100..100). Promoters and
detractors come from the same answers, so they are not independent: the variance of one answer's
+1/0/-1 score is ``p + d - (p - d)^2`` (Rocks 2016), and formulas that add the two proportions'
variances give intervals that are too narrow.

Flow: rows of ``nps_responses`` (a pandas frame, or an Ibis table such as
``Workbook.table("nps_responses")``) -> :func:`reduce` (the one reduction, in Ibis: detractors /
passives / promoters per segment and period, plus the answers each policy excluded) ->
:func:`segment`, :func:`trend`, :func:`what_if`, which accept the rows or that counts table.

The package, split by job: ``reduce`` (the reduction), ``stats`` (counts in, numbers out),
``results`` (the result classes), ``present`` (en/vi sentences and plots), the public functions in
``api``, ``segments`` and ``trends``, with ``checks`` and ``constants``; ``comments`` (what customers
say: words, phrases and verbatims per segment) with ``text`` (segmentation, stop words).

Methods (``method=``)
    ``"adjusted_wald"`` (default): add pseudo-counts (0.75, 1.5, 0.75) and use the variance above with
    n + 3 (Rocks 2016); the interval stays sensible for small n and all-promoter samples.
    ``"wald"``: the same formula on the raw counts (the R package ``NPS``).
    ``"bootstrap"``: multinomial (percentile) bootstrap with a fixed ``seed``.

References
----------
Rocks, B. (2016). Interval estimation for the "Net Promoter Score". The American Statistician,
70(4), 365-372.
Lewis, J. R., & Sauro, J. How to statistically compare two Net Promoter Scores. MeasuringU.
Minka, T. P. (2000). Estimating a Dirichlet distribution. Technical report, MIT.
"""
from ..core.periods import FREQS  # noqa: F401  (importable as before)
from .api import categorize, compare, counts, estimate, from_counts, sample_size, tenure_band, what_if
from .comments import NPSComments, comments, term_differences
from .constants import (  # noqa: F401  (the names outside __all__ were module constants before: importable as before)
    ADJUSTS,
    BLANK_POLICIES,
    CATEGORIES,
    COUNT_COLUMNS,
    DEFAULT_N_BOOT,
    DEFAULT_SEED,
    EARLY_POLICIES,
    EXCLUSION_COLUMNS,
    METHODS,
    PSEUDO_COUNTS,
    TABLE,
    TENURE_BANDS,
)
from .reduce import reduce
from .results import NPSComparison, NPSEstimate, NPSPeriod, NPSSegments, NPSTrend, NPSWhatIf
from .segments import segment
from .stats import fit_prior
from .trends import trend
from .windows import for_period, trailing_window

__all__ = [
    "CATEGORIES",
    "COUNT_COLUMNS",
    "DEFAULT_SEED",
    "METHODS",
    "PSEUDO_COUNTS",
    "TENURE_BANDS",
    "NPSComments",
    "NPSComparison",
    "NPSEstimate",
    "NPSPeriod",
    "NPSSegments",
    "NPSTrend",
    "NPSWhatIf",
    "categorize",
    "comments",
    "compare",
    "counts",
    "estimate",
    "fit_prior",
    "for_period",
    "from_counts",
    "reduce",
    "sample_size",
    "segment",
    "tenure_band",
    "term_differences",
    "trailing_window",
    "trend",
    "what_if",
]
