"""Small statistical steps every analysis shares (so each exists once)."""
from __future__ import annotations

import numpy as np


def adjust_pvalues(p, method: str = "holm") -> np.ndarray:
    """Adjusted p-values over the finite entries with statsmodels ``multipletests``.

    NaN (a segment or rep too small to test) stays NaN and is not counted in the family;
    ``method="none"`` returns the p-values as they are.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, float("nan"), 0.03, 0.005]).round(2).tolist()
    [0.03, 0.06, nan, 0.06, 0.02]
    """
    import gc

    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if not ok.any():
        return out
    if method == "none":
        out[ok] = p[ok]
        return out
    # statsmodels' Holm branch calls gc.collect(), which costs 0.1-0.3 s in a full notebook
    # process; freezing the existing objects makes that collection scan almost nothing.
    gc.freeze()
    try:
        out[ok] = multipletests(p[ok], method=method)[1]
    finally:
        gc.unfreeze()
    return out
