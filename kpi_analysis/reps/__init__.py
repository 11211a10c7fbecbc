"""Is this sales rep really converting worse, or did they just get worse leads? (See :mod:`.api`.)

Transitional: the module moved into this package unchanged; the split into reduce, stats, results and
present follows.
"""
from .api import (  # noqa: F401 - the engine, the widgets and the tests use these until the split
    _ALL,
    _PERIODS,
    CLASSES,
    COUNT_COLUMNS,
    FunnelResult,
    RepComparison,
    _adjust,
    _fit_beta_binomial,
    _is_counts,
    _period_sort_key,
    _strata_list,
    compare,
    counts,
    funnel,
)

__all__ = ["CLASSES", "COUNT_COLUMNS", "FunnelResult", "RepComparison", "compare", "counts", "funnel"]
