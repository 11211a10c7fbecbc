"""Calibration of the NPS analysis's default intervals and tests (``kpi_analysis.nps``).

Every study calls the public functions a report calls, with their defaults (adjusted Wald, Rocks
2016; Holm; ``reference="typical"``; ``min_n=30``), on counts drawn from a known process:

- ``from_counts``: does the 95% interval of one NPS hold the true NPS 95% of the time?
- ``compare``: two groups drawn from the same process (A/A): how often is the difference called
  significant at 5%? With a true difference, how often does its interval hold it?
- ``segment``: regions drawn from the same process (A/A): how often is any region flagged
  (Holm-adjusted, step-down "typical" reference: the family-wise rate)? How often does a 30-answer
  region's own test reject? With one region truly low, how often does its interval hold the true gap?
- ``trend``: 13 months (or 13 weeks) from one process: how often is any change flagged after Holm, and
  how often is the latest change alone called significant?

The processes are what a sales manager's NPS page meets. Answer shares (detractors, passives,
promoters) follow the sample workbook's regions over the 12 months to 2026-10: ``typical`` (0.20,
0.30, 0.50; NPS +30, as Miền Bắc, Miền Nam, Tây Nguyên), ``low`` (0.29, 0.31, 0.40; NPS +11, as
Miền Trung) and ``high`` (0.10, 0.30, 0.60; NPS +50, a good month). Sizes: 10 answers (a small region
in a week: shown, flagged as below ``min_n``), 30 (``min_n``, the smallest segment tested; Miền Trung
in a month), 100 (the fewest answers a period's headline uses on their own), 360 (a month of the
sample), regions of a month (140, 130, 55, 30 answers) and of 12 months (1,650, 1,580, 550, 330), 13
months of 350 answers and 13 weeks of 75.

Segment studies call ``nps.segment(..., shrink=False)``: the empirical-Bayes shrinkage sits beside the
test and does not change it, and leaving it out makes a replicate ten times cheaper.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from calibration import Study

#: detractors, passives, promoters
PROFILES = {"typical": (0.20, 0.30, 0.50), "low": (0.29, 0.31, 0.40), "high": (0.10, 0.30, 0.60)}
#: the vectorised studies cost well under a millisecond a replicate: many replicates, small Monte Carlo error
CHEAP = 20_000
#: segment and trend replicates cost 15-40 ms each (pandas around each call): 4,000 keeps a run near 20 minutes
COSTLY = 4_000
MONTH_REGIONS = (140, 130, 55, 30)
YEAR_REGIONS = (1650, 1580, 550, 330)


def _nps():
    from kpi_analysis import nps

    return nps


def _truth(profile) -> float:
    d, _, p = PROFILES[profile]
    return 100 * (p - d)


def _shares(profile) -> str:
    d, pa, p = PROFILES[profile]
    return f"{profile} shares (detractors {d:.2f}, passives {pa:.2f}, promoters {p:.2f}; NPS {_truth(profile):+.0f})"


def _draw(rng, n: int, profile: str) -> np.ndarray:
    return rng.multinomial(n, PROFILES[profile])


def estimate_coverage(n: int, profile: str) -> Study:
    def run(replicates: int, seed: int) -> dict:
        nps, rng, truth = _nps(), np.random.default_rng([seed, n, len(profile)]), _truth(profile)
        hits, skipped = 0, 0
        draws = rng.multinomial(n, PROFILES[profile], size=replicates)
        for d, pa, p in draws:
            est = nps.from_counts(int(d), int(pa), int(p))
            hits += est.ci_low <= truth <= est.ci_high
        return {"hits": hits, "n": replicates - skipped}

    return Study("nps", f"from_counts interval, n={n}, {profile}", "coverage",
                 f"{n} answers with {_shares(profile)}; nps.from_counts, adjusted Wald 95% interval; hit when it "
                 "holds the true NPS", run, nominal=0.95, target=(0.93, 0.97), replicates=CHEAP)


def compare_size(n_a: int, n_b: int, profile: str) -> Study:
    def run(replicates: int, seed: int) -> dict:
        nps, rng = _nps(), np.random.default_rng([seed, n_a, n_b, len(profile)])
        hits = 0
        for _ in range(replicates):
            a, b = _draw(rng, n_a, profile), _draw(rng, n_b, profile)
            hits += nps.compare(nps.from_counts(*map(int, a)), nps.from_counts(*map(int, b))).significant
        return {"hits": hits, "n": replicates}

    return Study("nps", f"compare A/A, n={n_a} vs {n_b}, {profile}", "size",
                 f"two independent groups of {n_a} and {n_b} answers, both with {_shares(profile)}; nps.compare "
                 "(z test on the adjusted-Wald difference, Lewis & Sauro); rejection at p < 0.05", run,
                 replicates=CHEAP)


def compare_coverage(n_a: int, profile_a: str, n_b: int, profile_b: str) -> Study:
    def run(replicates: int, seed: int) -> dict:
        nps, rng = _nps(), np.random.default_rng([seed, n_a, n_b, 7])
        truth = _truth(profile_a) - _truth(profile_b)
        hits = 0
        for _ in range(replicates):
            a, b = _draw(rng, n_a, profile_a), _draw(rng, n_b, profile_b)
            cmp = nps.compare(nps.from_counts(*map(int, a)), nps.from_counts(*map(int, b)))
            hits += cmp.ci_low <= truth <= cmp.ci_high
        return {"hits": hits, "n": replicates}

    return Study("nps", f"compare interval, n={n_a} {profile_a} vs {n_b} {profile_b}", "coverage",
                 f"{n_a} answers with {_shares(profile_a)} against {n_b} with {_shares(profile_b)}; the 95% "
                 f"interval of nps.compare's difference; hit when it holds the true "
                 f"{_truth(profile_a) - _truth(profile_b):+.0f} points", run, nominal=0.95, target=(0.93, 0.97),
                 replicates=CHEAP)


def _segment_table(rng, sizes, profiles) -> pd.DataFrame:
    rows = [_draw(rng, n, prof) for n, prof in zip(sizes, profiles, strict=True)]
    return pd.DataFrame(rows, columns=["detractors", "passives", "promoters"]).assign(
        segment=[f"R{i}" for i in range(len(sizes))])


def segment_any_flagged(sizes, profile: str) -> Study:
    def run(replicates: int, seed: int) -> dict:
        nps, rng = _nps(), np.random.default_rng([seed, *sizes])
        hits = 0
        for _ in range(replicates):
            res = nps.segment(_segment_table(rng, sizes, [profile] * len(sizes)), by="segment", shrink=False)
            hits += bool(res.table["significant"].any())
        return {"hits": hits, "n": replicates}

    return Study("nps", f"segment A/A, any region flagged, sizes {'/'.join(map(str, sizes))}", "size",
                 f"{len(sizes)} regions of {', '.join(map(str, sizes))} answers, all with {_shares(profile)}; "
                 "nps.segment defaults (each region against the typical regions, Holm across regions, min_n 30); "
                 "rejection when any region is flagged (the family-wise rate Holm holds at 5%)", run,
                 replicates=COSTLY)


def segment_small_region(sizes, profile: str) -> Study:
    def run(replicates: int, seed: int) -> dict:
        nps, rng = _nps(), np.random.default_rng([seed, *sizes, 1])
        hits = 0
        for _ in range(replicates):
            res = nps.segment(_segment_table(rng, sizes, [profile] * len(sizes)), by="segment", shrink=False,
                              reference="rest", adjust="none")
            hits += bool(res.table["p_value"].iloc[-1] < 0.05)
        return {"hits": hits, "n": replicates,
                "note": "10,000 replicates (about 30 ms each): at 4,000 the Monte Carlo interval (5.2-6.7%) was too "
                        "wide to tell 5% from 6.5%. The same two-sample test on these 10,000 draws, vectorised "
                        "(kpi_analysis.nps.stats.difference), also rejects 5.6%; on 200,000 fresh draws it rejects "
                        "5.1%."}

    return Study("nps", f"segment A/A, the {sizes[-1]}-answer region's own test", "size",
                 f"{len(sizes)} regions of {', '.join(map(str, sizes))} answers, all with {_shares(profile)}; the "
                 f"{sizes[-1]}-answer region against all the others (nps.segment's two-sample test before any "
                 "adjustment); rejection at p < 0.05", run, replicates=10_000)


def segment_low_coverage(sizes) -> Study:
    def run(replicates: int, seed: int) -> dict:
        nps, rng = _nps(), np.random.default_rng([seed, *sizes, 2])
        truth = _truth("low") - _truth("typical")
        profiles = ["typical"] * (len(sizes) - 1) + ["low"]
        hits = 0
        for _ in range(replicates):
            t = nps.segment(_segment_table(rng, sizes, profiles), by="segment", shrink=False).table.iloc[-1]
            hits += t["diff_low"] <= truth <= t["diff_high"]
        return {"hits": hits, "n": replicates}

    return Study("nps", f"segment interval of a low region, sizes {'/'.join(map(str, sizes))}", "coverage",
                 f"{len(sizes)} regions of {', '.join(map(str, sizes))} answers; the last with {_shares('low')}, "
                 f"the others with {_shares('typical')}; nps.segment defaults; hit when the low region's "
                 f"95% difference interval holds the true {_truth('low') - _truth('typical'):+.0f} points", run,
                 nominal=0.95, target=(0.93, 0.97), replicates=COSTLY)


def _trend_table(rng, periods: int, n: int, profile: str, freq: str) -> pd.DataFrame:
    start = pd.Timestamp("2025-10-01") if freq == "M" else pd.Timestamp("2026-07-27")
    index = pd.period_range(start, periods=periods, freq="M" if freq == "M" else "W-SUN").start_time
    rows = rng.multinomial(n, PROFILES[profile], size=periods)
    return pd.DataFrame(rows, columns=["detractors", "passives", "promoters"]).assign(period=index)


def trend_any_flagged(periods: int, n: int, profile: str, freq: str) -> Study:
    unit = {"M": "months", "W": "weeks"}[freq]

    def run(replicates: int, seed: int) -> dict:
        nps, rng = _nps(), np.random.default_rng([seed, periods, n, 3])
        hits = 0
        for _ in range(replicates):
            res = nps.trend(_trend_table(rng, periods, n, profile, freq), freq=freq)
            hits += bool(res.table["significant"].any())
        return {"hits": hits, "n": replicates}

    return Study("nps", f"trend A/A, any change flagged, {periods} {unit} of {n}", "size",
                 f"{periods} {unit} of {n} answers each, all with {_shares(profile)}; nps.trend defaults (each "
                 f"change from the previous period tested, Holm across the {periods - 1} changes); rejection when "
                 "any change is flagged", run, replicates=COSTLY)


def trend_latest_change(periods: int, n: int, profile: str, freq: str) -> Study:
    unit = {"M": "months", "W": "weeks"}[freq]

    def run(replicates: int, seed: int) -> dict:
        nps, rng = _nps(), np.random.default_rng([seed, periods, n, 4])
        hits = 0
        for _ in range(replicates):
            res = nps.trend(_trend_table(rng, periods, n, profile, freq), freq=freq)
            hits += bool(res.latest_p_value < 0.05)
        return {"hits": hits, "n": replicates}

    return Study("nps", f"trend A/A, latest change alone, {unit} of {n}", "size",
                 f"{periods} {unit} of {n} answers each, all with {_shares(profile)}; the latest period's change "
                 "from the one before (nps.trend's test before adjustment); rejection at p < 0.05", run,
                 replicates=COSTLY)


STUDIES = [
    *[estimate_coverage(n, profile) for n in (10, 30, 100, 360) for profile in ("typical", "low", "high")],
    compare_size(30, 30, "typical"),
    compare_size(100, 100, "typical"),
    compare_size(30, 330, "typical"),
    compare_size(30, 330, "low"),
    compare_size(360, 360, "high"),
    compare_coverage(30, "low", 330, "typical"),
    compare_coverage(100, "low", 300, "typical"),
    segment_any_flagged(MONTH_REGIONS, "typical"),
    segment_any_flagged(YEAR_REGIONS, "typical"),
    segment_small_region(MONTH_REGIONS, "typical"),
    segment_low_coverage(MONTH_REGIONS),
    segment_low_coverage(YEAR_REGIONS),
    trend_any_flagged(13, 350, "typical", "M"),
    trend_any_flagged(13, 75, "typical", "W"),
    trend_latest_change(13, 75, "typical", "W"),
]
