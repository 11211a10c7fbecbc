"""Calibration of the test of ``nps.comments``: a group's share of comments using a word against the others'.

Every study calls :func:`kpi_analysis.nps.term_differences` (the statistics ``nps.comments`` runs: the
Agresti-Caffo test and interval of the difference of two shares, Holm within each group) on mention
counts drawn from a known process, all replicates in one vectorised call.

Sizes follow the sample workbook's 12 months to 2026-10 (2,607 comments): Miền Trung's detractors
(57 comments) against the other 2,550, all detractors (561) against the other 2,046, promoters (1,308)
against the other 1,299; a tiny group (20 comments) for the edge. Shares: a common word (20% of
comments, as "giao hàng" or "chất lượng ổn định" in the sample), a less common one (5%), and for
coverage a planted theme (half the group against 2% of the others, as "chậm") and a moderate one
(30% against 20%).

The family-wise study draws 40 independent words per group (shares 2-30%) with nothing to find and
counts how often any is flagged as used more often after Holm (the claim the page shows). Holm bounds
that family-wise rate at 5% without aiming at it, so its target is an upper bound only (0 to 6.5%).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from calibration import Study

REPLICATES = 20_000
FAMILY_WORDS = 40


def _stats():
    from kpi_analysis import nps

    return nps


def _counts(rng, reps: int, n: int, n_rest: int, share: float, share_rest: float) -> pd.DataFrame:
    k = rng.binomial(n, share, reps)
    k_rest = rng.binomial(n_rest, share_rest, reps)
    return pd.DataFrame({"mentions": k, "comments": n, "mentions_all": k + k_rest, "comments_all": n + n_rest})


def size_study(n: int, n_rest: int, share: float):
    def run(replicates: int, seed: int) -> dict:
        rng = np.random.default_rng(seed)
        t = _counts(rng, replicates, n, n_rest, share, share)
        out = _stats().term_differences(t, adjust="none")
        ok = out["p_value"].notna()
        return {"hits": int((out.loc[ok, "p_value"] < 0.05).sum()), "n": int(ok.sum()),
                "skipped": {"no comment uses the word": int((~ok).sum())}}
    return run


def coverage_study(n: int, n_rest: int, share: float, share_rest: float):
    def run(replicates: int, seed: int) -> dict:
        rng = np.random.default_rng(seed)
        out = _stats().term_differences(_counts(rng, replicates, n, n_rest, share, share_rest), adjust="none")
        ok = out["ci_low"].notna()
        truth = share - share_rest
        held = (out["ci_low"] <= truth) & (truth <= out["ci_high"])
        return {"hits": int(held[ok].sum()), "n": int(ok.sum())}
    return run


def family_study(n: int, n_rest: int):
    shares = np.linspace(0.02, 0.30, FAMILY_WORDS)

    def run(replicates: int, seed: int) -> dict:
        rng = np.random.default_rng(seed)
        k = rng.binomial(n, shares, (replicates, FAMILY_WORDS))
        k_rest = rng.binomial(n_rest, shares, (replicates, FAMILY_WORDS))
        t = pd.DataFrame({"replicate": np.repeat(np.arange(replicates), FAMILY_WORDS), "mentions": k.ravel(),
                          "comments": n, "mentions_all": (k + k_rest).ravel(), "comments_all": n + n_rest})
        out = _stats().term_differences(t, adjust="holm", family="replicate")
        flagged = (out["direction"] == "more").groupby(out["replicate"]).any()
        either = out.groupby("replicate")["significant"].any()
        return {"hits": int(flagged.sum()), "n": len(flagged),
                "note": "the claim shown is a word used MORE often; counting words used less often too, "
                        f"{either.mean():.1%} of replicates flag one (the lower tail is liberal at Holm's small "
                        "levels when a group of few comments never uses a common word), so they are not shown "
                        "as findings"}
    return run


def _size(name, n, n_rest, share, note=""):
    dgp = (f"A/A: {share:.0%} of comments use the word in a group of {n} comments and among the other {n_rest}; "
           "Agresti-Caffo test at 5%")
    return Study("nps_comments", name, "size", dgp, _noted(size_study(n, n_rest, share), note), replicates=REPLICATES)


def _coverage(name, n, n_rest, share, share_rest):
    dgp = (f"{share:.0%} of a group's {n} comments use the word, {share_rest:.0%} of the other {n_rest}; "
           "95% Agresti-Caffo interval of the difference")
    return Study("nps_comments", name, "coverage", dgp, coverage_study(n, n_rest, share, share_rest), nominal=0.95,
                 target=(0.93, 0.97), replicates=REPLICATES)


def _noted(run, note):
    if not note:
        return run

    def with_note(replicates, seed):
        return {**run(replicates, seed), "note": note}
    return with_note


STUDIES = [
    _size("word 20%, 57 vs 2,550 comments", 57, 2550, 0.20),
    _size("word 5%, 57 vs 2,550 comments", 57, 2550, 0.05,
          "conservative: a rare word in a small group is rarely called significant when nothing differs"),
    _size("word 20%, 561 vs 2,046 comments", 561, 2046, 0.20),
    _size("word 5%, 561 vs 2,046 comments", 561, 2046, 0.05),
    _size("word 20%, 1,308 vs 1,299 comments", 1308, 1299, 0.20),
    _size("word 20%, 20 vs 2,587 comments", 20, 2587, 0.20,
          "conservative: 20 comments hold few mentions; the group is flagged as small"),
    Study("nps_comments", "any of 40 words flagged more often, Holm, 57 vs 2,550", "size",
          f"A/A: {FAMILY_WORDS} independent words (shares 2% to 30%), a group of 57 comments against 2,550; "
          "family-wise rate after Holm", family_study(57, 2550), target=(0.0, 0.065), replicates=5000),
    Study("nps_comments", "any of 40 words flagged more often, Holm, 561 vs 2,046", "size",
          f"A/A: {FAMILY_WORDS} independent words (shares 2% to 30%), a group of 561 comments against 2,046; "
          "family-wise rate after Holm", family_study(561, 2046), target=(0.0, 0.065), replicates=5000),
    _coverage("planted theme 50% vs 2%, 57 vs 2,550", 57, 2550, 0.50, 0.02),
    _coverage("30% vs 20%, 561 vs 2,046", 561, 2046, 0.30, 0.20),
    _coverage("A/A 5%, 57 vs 2,550", 57, 2550, 0.05, 0.05),
    _coverage("A/A 20%, 20 vs 2,587", 20, 2587, 0.20, 0.20),
]
