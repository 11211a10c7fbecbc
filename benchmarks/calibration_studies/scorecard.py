"""Calibration of the scorecard's change tests and KPI intervals (``kpi_analysis.scorecard.stats``).

The scorecard judges the change of a rate, a mean score or an NPS between two periods by a test of
the two periods' samples (score test for two proportions, Welch t-test from the sufficient
statistics, z-test on two adjusted-Wald NPS estimates) and shows each such KPI with an interval
(Wilson for shares, t for mean scores, adjusted Wald for NPS and eNPS). Each study draws the
reduced table's counts of one KPI for two periods from the same process (A/A: nothing changed) and
calls the scorecard's own functions, :func:`~kpi_analysis.scorecard.stats.change_pvalue` and
:func:`~kpi_analysis.scorecard.stats.interval`, as :func:`kpi_analysis.scorecard.build` does.

Sizes follow the sample workbook (2026-10): 234 existing clients at 56% engagement, 481 leads 85%
contacted in time, employee surveys of ~50 answers with the sample's score distribution, 360 NPS
answers a month; and the smallest samples the scorecard still tests and shows an interval for
(``scorecard.spec.MIN_N``: 30 answers for shares and NPS, 10 for mean scores). A replicate costs about
a millisecond (the NPS z-test about 2 ms), so every study runs 20,000 replicates (Monte Carlo
half-width about 0.3 points at 5% and at 95%).

Why shares need 30 answers: by exact enumeration over the binomial, at 10 answers a period the score
test rejects 2-4% at nominal 5% (p from 0.2 to 0.85) and the Wilson interval covers 97-98%; at 20-30
answers the test rejects 4.3-5.3% and Wilson covers 95.6-97.8%, at 30 within 95.7-96.5%.

A replicate whose test or interval is undefined (no variation: every answer the same in both periods,
or both shares 0% or 100%) gives no answer; it is counted under ``skipped`` with that reason, not as a
rejection or a hit. The scorecard then shows "-" with a note (``no_variation``); the edge case is
checked in tests/test_scorecard_stats.py (ten answers of 4 gave the interval (4.0, 4.0), and p = 0
against ten answers of 5). Not a study here: a team of ten answering 8 (85%) or 9 (15%), true mean
8.15, is all 8s in 20% of waves, so the old t interval covered 81%; without those waves the t interval
over-covers (about 99.8%, exact) at such a tiny, two-valued sample, which no target here allows for.
"""
from __future__ import annotations

import math

import numpy as np
from calibration import Study

REPLICATES = 20_000
#: employee scores 0-10 of the sample's survey (2025-2026), rounded
SURVEY = {3: 0.01, 4: 0.04, 5: 0.115, 6: 0.20, 7: 0.275, 8: 0.185, 9: 0.125, 10: 0.05}
#: customer NPS answers of the sample: detractors, passives, promoters
CUSTOMERS = (0.22, 0.30, 0.48)
#: an unhappy team's eNPS answers (the sample's eNPS is about -40)
TEAM = (0.50, 0.35, 0.15)


def _stats():
    from kpi_analysis.scorecard import stats

    return stats


def _share_counts(rng, n: int, p: float) -> dict:
    return {"numerator": float(rng.binomial(n, p)), "denominator": float(n)}


def _score_counts(rng, n: int, dist: dict) -> dict:
    values = np.array(list(dist), dtype=float)
    probs = np.array(list(dist.values()), dtype=float)
    x = rng.choice(values, size=n, p=probs / probs.sum())
    return {"numerator": float(x.sum()), "denominator": float(n), "sum_sq": float((x * x).sum())}


def _nps_counts(rng, n: int, probs) -> dict:
    d, pa, pr = rng.multinomial(n, probs)
    return {"detractors": float(d), "passives": float(pa), "promoters": float(pr), "denominator": float(n),
            "numerator": float(pr - d)}


def _truth(kind: str, param) -> float:
    if kind == "share":
        return float(param)
    if kind == "score":
        probs = np.array(list(param.values()), dtype=float)
        return float(np.dot(np.array(list(param), dtype=float), probs / probs.sum()))
    return 100.0 * (param[2] - param[0])


def _draw(kind: str):
    return {"share": _share_counts, "score": _score_counts, "nps": _nps_counts}[kind]


_METHOD = {"share": "proportion", "score": "mean", "nps": "nps"}


def size_study(kind: str, n_now: int, n_before: int, param):
    """A/A: two periods drawn from the same process; rejections at two-sided 5%."""
    def run(replicates: int, seed: int) -> dict:
        stats, draw = _stats(), _draw(kind)
        rng = np.random.default_rng(seed)
        hits = answered = 0
        skipped = 0
        for _ in range(replicates):
            now, before = draw(rng, n_now, param), draw(rng, n_before, param)
            p = stats.change_pvalue(now, before, method=_METHOD[kind])
            if p is None or math.isnan(p):
                skipped += 1
                continue
            answered += 1
            hits += p < 0.05
        return {"hits": hits, "n": answered, "skipped": {"no_variation": skipped} if skipped else {}}
    return run


def coverage_study(kind: str, n: int, param):
    """How often the 95% interval of one period's KPI holds the true value."""
    truth = _truth(kind, param)

    def run(replicates: int, seed: int) -> dict:
        stats, draw = _stats(), _draw(kind)
        rng = np.random.default_rng(seed)
        hits = answered = 0
        skipped = 0
        for _ in range(replicates):
            lo, hi = stats.interval(draw(rng, n, param), method=_METHOD[kind], confidence=0.95)
            if math.isnan(lo) or math.isnan(hi):
                skipped += 1
                continue
            answered += 1
            hits += lo <= truth <= hi
        return {"hits": hits, "n": answered, "truth": truth,
                "skipped": {"no_variation": skipped} if skipped else {}}
    return run


def _noted(run, note: str):
    """``run`` with ``note`` added to its output (the harness prints it under the table)."""
    if not note:
        return run
    return lambda replicates, seed: {**run(replicates, seed), "note": note}


def _size(name, dgp, kind, n_now, n_before, param, note=""):
    return Study("scorecard", name, "size", dgp, _noted(size_study(kind, n_now, n_before, param), note),
                 replicates=REPLICATES)


def _coverage(name, dgp, kind, n, param, note=""):
    return Study("scorecard", name, "coverage", dgp, _noted(coverage_study(kind, n, param), note), nominal=0.95,
                 target=(0.93, 0.97), replicates=REPLICATES)


STUDIES = [
    # ---- change tests, A/A (nothing changed): rejection rate at nominal 5% -------------------------------
    _size("share change, engagement (score test)",
          "A/A: active clients ~ Binomial(234, 0.56) in both periods (client engagement of the sample)",
          "share", 234, 234, 0.56),
    _size("share change, contacted in time (score test)",
          "A/A: leads contacted in time ~ Binomial(481, 0.85) and Binomial(455, 0.85)",
          "share", 481, 455, 0.85),
    _size("share change, 30 vs 30 (score test)",
          "A/A: Binomial(30, 0.6) in both periods (the smallest share the scorecard tests)",
          "share", 30, 30, 0.6),
    _size("mean-score change, survey (Welch t)",
          "A/A: 53 and 50 employee scores 0-10 drawn from the sample's score distribution (mean 6.9)",
          "score", 53, 50, SURVEY),
    _size("mean-score change, 10 vs 10 (Welch t)",
          "A/A: 10 and 10 employee scores from the sample's distribution (a small team)",
          "score", 10, 10, SURVEY),
    _size("NPS change, month (adjusted-Wald z)",
          "A/A: 360 and 340 customer answers, multinomial (22% detractors, 30% passives, 48% promoters)",
          "nps", 360, 340, CUSTOMERS),
    _size("eNPS change, 30 vs 30 (adjusted-Wald z)",
          "A/A: 30 and 30 employee answers, multinomial (50% detractors, 35% passives, 15% promoters)",
          "nps", 30, 30, TEAM),
    # ---- intervals: coverage of the true KPI ------------------------------------------------------------
    _coverage("share interval, engagement (Wilson)",
              "Binomial(234, 0.56): 95% Wilson interval of the share", "share", 234, 0.56),
    _coverage("share interval, 30 answers (Wilson)",
              "Binomial(30, 0.6): 95% Wilson interval of the share (the smallest share with an interval)",
              "share", 30, 0.6),
    _coverage("mean-score interval, survey (t)",
              "53 employee scores from the sample's distribution: 95% t interval of the mean", "score", 53, SURVEY),
    _coverage("mean-score interval, 10 answers (t)",
              "10 employee scores from the sample's distribution: 95% t interval of the mean", "score", 10, SURVEY),
    _coverage("NPS interval, month (adjusted Wald)",
              "360 customer answers (22/30/48%): 95% adjusted-Wald interval of NPS", "nps", 360, CUSTOMERS),
    _coverage("eNPS interval, 30 answers (adjusted Wald)",
              "30 employee answers (50/35/15%): 95% adjusted-Wald interval of eNPS", "nps", 30, TEAM),
]
