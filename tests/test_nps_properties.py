"""Property tests (hypothesis) for the NPS statistics.

- NPS and its interval stay within [-100, 100] for every method and any counts;
- relabelling (renaming and reordering) segments does not change any segment's results;
- adjusted-Wald intervals are never wider than needed to stay inside [-100, 100] for n >= 1: the
  reported interval is exactly the formula's interval intersected with [-100, 100], and a clipped
  interval says so (note ``ci_clipped``);
- Wald NPS and SE are the mean and standard error of the +1/0/-1 scores.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from kpi_analysis import nps

COUNT = st.integers(min_value=0, max_value=400)
CONFIDENCE = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.999])
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(d=COUNT, p=COUNT, r=COUNT, confidence=CONFIDENCE,
       method=st.sampled_from(["adjusted_wald", "wald", "bootstrap"]))
def test_nps_and_interval_within_bounds(d, p, r, confidence, method):
    est = nps.from_counts(d, p, r, method=method, confidence=confidence, n_boot=200)
    if d + p + r == 0:
        assert math.isnan(est.nps) and "no_answers" in est.notes
        return
    assert -100 <= est.nps <= 100
    if not math.isnan(est.ci_low):
        assert -100 <= est.ci_low <= est.ci_high <= 100
    else:  # only a collapsed (single-category) sample has no Wald / bootstrap interval
        assert method != "adjusted_wald" and max(d, p, r) == d + p + r and "zero_variance" in est.notes


@FAST
@given(d=COUNT, p=COUNT, r=COUNT, confidence=CONFIDENCE)
def test_adjusted_wald_interval_is_never_wider_than_the_bounds_need(d, p, r, confidence):
    n = d + p + r
    if n == 0:
        return
    est = nps.from_counts(d, p, r, confidence=confidence)
    # the unclipped adjusted-Wald interval, computed here independently
    a_n = n + 3
    pro, det = (r + 0.75) / a_n, (d + 0.75) / a_n
    centre = pro - det
    half = norm.ppf(0.5 + confidence / 2) * math.sqrt((pro + det - centre ** 2) / a_n)
    lo, hi = 100 * (centre - half), 100 * (centre + half)
    observed = 100 * (r - d) / n
    # stretched to the observed score when the adjusted centre leaves it outside (1 answer at 95%)
    assert ("ci_widened" in est.notes) == (observed < lo or observed > hi)
    lo, hi = min(lo, observed), max(hi, observed)
    assert est.ci_low == pytest.approx(max(lo, -100.0), abs=1e-9)
    assert est.ci_high == pytest.approx(min(hi, 100.0), abs=1e-9)
    assert ("ci_clipped" in est.notes) == (lo < -100 or hi > 100)
    assert est.ci_low < est.ci_high  # never a zero-width interval, even for 1 answer
    assert est.ci_low <= est.nps <= est.ci_high  # the interval holds its estimate


@FAST
@given(scores=st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=300))
def test_wald_is_mean_and_se_of_plus_minus_one_scores(scores):
    x = np.select([np.array(scores) <= 6, np.array(scores) <= 8], [-1.0, 0.0], 1.0)
    est = nps.estimate(scores, method="wald")
    assert est.nps == pytest.approx(100 * x.mean(), abs=1e-9)
    if x.min() != x.max():
        assert est.se == pytest.approx(100 * x.std(ddof=0) / math.sqrt(len(x)), abs=1e-9)


segments = st.lists(st.tuples(st.integers(0, 150), st.integers(0, 150), st.integers(1, 150)),
                    min_size=2, max_size=7)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=segments, perm_seed=st.integers(0, 2 ** 16), reference=st.sampled_from(["typical", "rest"]),
       adjust=st.sampled_from(["holm", "fdr_bh"]))
def test_relabelling_segments_does_not_change_results(counts, perm_seed, reference, adjust):
    k = len(counts)
    table = pd.DataFrame(counts, columns=nps.COUNT_COLUMNS).assign(region=[f"seg{i}" for i in range(k)])
    order = np.random.default_rng(perm_seed).permutation(k)
    renamed = table.iloc[order].assign(region=[f"Nhóm {chr(90 - i)}" for i in range(k)])
    mapping = dict(zip(table["region"].iloc[order], renamed["region"]))
    a = nps.segment(table, by="region", min_n=5, reference=reference, adjust=adjust).table
    b = nps.segment(renamed, by="region", min_n=5, reference=reference, adjust=adjust).table
    a = a.assign(region=a["region"].map(mapping)).set_index("region").sort_index()
    b = b.set_index("region").sort_index()
    cols = ["n", "nps", "ci_low", "ci_high", "nps_rest", "difference", "p_value", "p_adj", "significant",
            "direction", "small_sample", "impact", "nps_shrunk", "shrunk_low", "shrunk_high"]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_exact=False, rtol=1e-6, atol=1e-6)
