"""NPS analysis: published reference cases, independent computations, planted effects, policies, bad input.

Reference cases (from /work/shared/reference-data/README.md):
- tests of the R package ``NPS`` (B. Rocks): Wald NPS and SE for counts (1, 2, 3), (1, 0, 1), (0, 1, 1),
  (1, 1, 1) (detractors, passives, promoters);
- MeasuringU, "Sample size estimation for NPS confidence intervals": p = d = 1/3, +/-5 points, 95%,
  adjusted Wald n = z^2 s^2 / E^2 - 3 = 1022;
- Holm and Benjamini-Hochberg adjustments of p = (0.01, 0.04, 0.03, 0.005) worked by hand.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from kpi_analysis import i18n, nps
from kpi_analysis.core.results import excluded, note
from kpi_analysis.core.stats import adjust_pvalues
from kpi_analysis.nps.stats import dm_negloglik, intervals

SEED = 20261028


def _rows_from_counts(counts_by_group: dict, *, column: str = "region") -> pd.DataFrame:
    """Answers 3 / 7 / 10 for (detractors, passives, promoters) per group."""
    parts = []
    for group, (d, p, r) in counts_by_group.items():
        parts.append(pd.DataFrame({column: group, "score": [3] * d + [7] * p + [10] * r}))
    return pd.concat(parts, ignore_index=True)


def _simulate(rng, n, nps_points, passives=0.3):
    pro = (1 - passives + nps_points / 100) / 2
    det = 1 - passives - pro
    return rng.multinomial(n, [det, passives, pro])


# --------------------------------------------------------------------------------------------------
# published reference cases


@pytest.mark.parametrize(("counts", "expected_nps", "expected_se"), [
    ((1, 2, 3), 33.33, 30.4),
    ((1, 0, 1), 0.0, 70.7),
    ((0, 1, 1), 50.0, 35.4),
    ((1, 1, 1), 0.0, 47.1),
])
def test_wald_reproduces_rocks_nps_package(counts, expected_nps, expected_se):
    est = nps.from_counts(*counts, method="wald")
    assert est.nps == pytest.approx(expected_nps, abs=0.005)
    assert est.se == pytest.approx(expected_se, abs=0.05)
    assert est.n == sum(counts)
    z = norm.ppf(0.975)
    lo, hi = est.nps - z * est.se, est.nps + z * est.se
    assert est.ci_low == pytest.approx(max(lo, -100)) and est.ci_high == pytest.approx(min(hi, 100))


def test_variance_of_one_answer_is_five_ninths_for_rocks_case():
    est = nps.from_counts(1, 2, 3, method="wald")
    assert (est.se / 100) ** 2 * est.n == pytest.approx(5 / 9)


def test_sample_size_reproduces_measuringu_1022():
    assert nps.sample_size(5, promoters=1 / 3, detractors=1 / 3, confidence=0.95) == 1022
    # and the formula behind it: z^2 s^2 / E^2 - 3 with s^2 = p + d - (p - d)^2
    z = norm.ppf(0.975)
    assert nps.sample_size(5) == math.ceil(z ** 2 * (2 / 3) / 0.05 ** 2 - 3)
    assert nps.sample_size(5, method="wald") == math.ceil(z ** 2 * (2 / 3) / 0.05 ** 2)
    # an interval from that many answers has the promised half-width
    n = nps.sample_size(5)
    est = nps.from_counts(round(n / 3), n - 2 * round(n / 3), round(n / 3))
    assert (est.ci_high - est.ci_low) / 2 == pytest.approx(5, abs=0.02)


def test_holm_and_bh_reproduce_hand_worked_adjustment():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(adjust_pvalues(p, "fdr_bh"), [0.02, 0.04, 0.04, 0.02])


# --------------------------------------------------------------------------------------------------
# independent computations


def test_wald_equals_mean_and_se_of_plus_minus_one_scores():
    rng = np.random.default_rng(SEED)
    scores = rng.integers(0, 11, 757)
    x = np.select([scores <= 6, scores <= 8], [-1.0, 0.0], 1.0)
    est = nps.estimate(scores, method="wald", confidence=0.9)
    assert est.nps == pytest.approx(100 * x.mean())
    assert est.se == pytest.approx(100 * x.std(ddof=0) / math.sqrt(len(x)))
    z = norm.ppf(0.95)
    assert est.ci_low == pytest.approx(100 * (x.mean() - z * x.std(ddof=0) / math.sqrt(len(x))))
    # statsmodels' z interval of the mean (ddof=1) agrees to within the n/(n-1) factor
    from statsmodels.stats.weightstats import DescrStatsW
    lo, hi = DescrStatsW(x).zconfint_mean(alpha=0.1)
    assert est.ci_low == pytest.approx(100 * lo, abs=0.05)
    assert est.ci_high == pytest.approx(100 * hi, abs=0.05)


def test_adjusted_wald_by_hand():
    # (1, 2, 3) + (0.75, 1.5, 0.75) = (1.75, 3.5, 3.75), n = 9
    p, d = 3.75 / 9, 1.75 / 9
    centre, se = p - d, math.sqrt((p + d - (p - d) ** 2) / 9)
    z = norm.ppf(0.975)
    est = nps.from_counts(1, 2, 3)
    assert est.nps == pytest.approx(100 / 3)  # the observed score is reported
    assert est.se == pytest.approx(100 * se)
    assert est.ci_low == pytest.approx(100 * (centre - z * se))
    assert est.ci_high == pytest.approx(100 * (centre + z * se))
    assert est.method == "adjusted_wald" and est.notes == (note("small_sample", min_n=30),)


def test_two_sample_wald_agrees_with_statsmodels_ztest():
    rng = np.random.default_rng(SEED)
    a = rng.choice([-1.0, 0.0, 1.0], 3000, p=[0.2, 0.3, 0.5])
    b = rng.choice([-1.0, 0.0, 1.0], 2500, p=[0.25, 0.3, 0.45])
    to_scores = {-1.0: 3, 0.0: 7, 1.0: 10}
    ea = nps.estimate(pd.Series(a).map(to_scores), method="wald")
    eb = nps.estimate(pd.Series(b).map(to_scores), method="wald")
    res = nps.compare(ea, eb)
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW
    z, p = CompareMeans(DescrStatsW(a), DescrStatsW(b)).ztest_ind(usevar="unequal")
    assert res.difference == pytest.approx(100 * (a.mean() - b.mean()))
    assert res.statistic == pytest.approx(z, rel=1e-3)
    assert res.p_value == pytest.approx(p, rel=5e-3)
    # the interval and the p-value come from the same z: p < 0.05 exactly when 0 is outside the CI
    assert (res.p_value < 0.05) == (res.ci_low > 0 or res.ci_high < 0)


def test_adjusted_wald_difference_by_hand():
    # Lewis & Sauro: each group gets (0.75, 1.5, 0.75); se of the difference adds the two variances
    def parts(d, p, r):
        n = d + p + r + 3
        pp, dd = (r + 0.75) / n, (d + 0.75) / n
        return pp - dd, math.sqrt((pp + dd - (pp - dd) ** 2) / n)
    ca, sa = parts(30, 20, 50)
    cb, sb = parts(45, 25, 30)
    se = math.hypot(sa, sb)
    res = nps.compare(nps.from_counts(30, 20, 50), nps.from_counts(45, 25, 30))
    assert res.difference == pytest.approx(20 - (-15))
    assert res.se == pytest.approx(100 * se)
    assert res.statistic == pytest.approx((ca - cb) / se)
    assert res.p_value == pytest.approx(2 * norm.sf(abs(ca - cb) / se))
    assert res.ci_low == pytest.approx(100 * (ca - cb - norm.ppf(0.975) * se))
    assert res.significant


def test_dirichlet_multinomial_likelihood_matches_scipy():
    from scipy.special import gammaln
    from scipy.stats import dirichlet_multinomial
    x = np.array([[3.0, 5, 9], [10, 2, 4], [0, 1, 7]])
    n = x.sum(axis=1)
    coef = (gammaln(n + 1) - gammaln(x + 1).sum(axis=1)).sum()  # the multinomial coefficient we omit
    for alpha in ([1.0, 2.0, 3.0], [0.3, 0.5, 9.0], [40.0, 20.0, 60.0]):
        ours = -dm_negloglik(np.log(alpha), x)[0]
        theirs = dirichlet_multinomial.logpmf(x, alpha, n).sum()
        assert ours + coef == pytest.approx(theirs)


# --------------------------------------------------------------------------------------------------
# coverage and planted effects


def test_adjusted_wald_coverage_near_nominal_and_wald_undercovers_small_samples():
    rng = np.random.default_rng(SEED)
    truth = np.array([0.15, 0.25, 0.60])
    reps, n = 600, 15
    draws = rng.multinomial(n, truth, size=reps)
    true_nps = 100 * (truth[2] - truth[0])
    cov = {}
    for method in ("adjusted_wald", "wald"):
        r = intervals(draws.astype(float), method=method, confidence=0.95, seed=SEED, n_boot=200)
        cov[method] = np.mean((r["ci_low"] <= true_nps) & (true_nps <= r["ci_high"]))
    # measured: adjusted Wald ~0.95, Wald ~0.90 at n = 15 (Rocks 2016 reports the same pattern)
    assert 0.92 <= cov["adjusted_wald"] <= 0.985
    assert cov["wald"] < cov["adjusted_wald"]


def test_segment_recovers_planted_low_segment_only():
    rng = np.random.default_rng(SEED)
    groups = {"A": _simulate(rng, 2000, 30), "B": _simulate(rng, 2500, 30), "C": _simulate(rng, 600, 5),
              "D": _simulate(rng, 1200, 30), "E": _simulate(rng, 20, 30)}
    res = nps.segment(_rows_from_counts(groups), by="region")
    t = res.table.set_index("region")
    assert res.significant_below == ["C"] and res.significant_above == []
    assert t.loc["E", "small_sample"] and math.isnan(t.loc["E", "p_value"])
    assert t.loc["C", "difference"] < -15
    # the p-values are adjusted across the four tested segments (E is not tested)
    tested = t["p_value"].notna()
    from statsmodels.stats.multitest import multipletests
    np.testing.assert_allclose(t.loc[tested, "p_adj"],
                               multipletests(t.loc[tested, "p_value"].to_numpy(), method="holm")[1])


def test_reference_rest_makes_big_segments_look_above_when_one_is_very_low():
    # with one segment 30 points down, "the rest" of each other segment contains it: with plain
    # one-vs-rest tests the others look "above the rest"; the step-down "typical" reference does not
    rng = np.random.default_rng(SEED)
    c = {"A": _simulate(rng, 5000, 30), "B": _simulate(rng, 5000, 30), "C": _simulate(rng, 5000, 30),
         "D": _simulate(rng, 5000, 0)}
    table = pd.DataFrame([[k, *v] for k, v in c.items()], columns=["region", *nps.COUNT_COLUMNS])
    rest = nps.segment(table, by="region", reference="rest")
    typical = nps.segment(table, by="region")
    assert rest.significant_below == ["D"] and len(rest.significant_above) >= 2
    assert typical.significant_below == ["D"] and typical.significant_above == []
    t = typical.table.set_index("region")
    assert t.loc["D", "n_rest"] == 15000 and t.loc["A", "n_rest"] == 10000


def test_segment_combinations_and_impact():
    rows = _rows_from_counts({"A": (10, 20, 70), "B": (40, 30, 30)})
    rows["product"] = np.tile(["x", "y"], len(rows) // 2)
    res = nps.segment(rows, by=["region", "product"], min_n=10)
    assert list(res.table["segment"]) == ["A / x", "A / y", "B / x", "B / y"]
    one = nps.segment(rows, by="region")
    t = one.table.set_index("region")
    # impact: overall NPS minus NPS without the segment
    overall = (100 - 50) / 200 * 100
    assert t.loc["A", "impact"] == pytest.approx(overall - (-10))
    assert t.loc["B", "impact"] == pytest.approx(overall - 60)
    assert "too_few_segments" in one.notes


def test_empirical_bayes_prior_recovers_concentration_and_shrinking_helps():
    rng = np.random.default_rng(SEED)
    alpha_true = np.array([20.0, 30.0, 50.0])  # worth 100 answers
    k = 60
    theta = rng.dirichlet(alpha_true, size=k)
    n = rng.integers(10, 120, size=k)
    x = np.array([rng.multinomial(m, t) for m, t in zip(n, theta)])
    prior = nps.fit_prior(x)
    assert 40 < prior["strength"] < 250
    np.testing.assert_allclose(prior["mean"], alpha_true / alpha_true.sum(), atol=0.05)
    table = pd.DataFrame(x, columns=nps.COUNT_COLUMNS).assign(segment=[f"s{i:02d}" for i in range(k)])
    res = nps.segment(table, by="segment", min_n=5)
    truth = 100 * (theta[:, 2] - theta[:, 0])
    mse_raw = np.mean((res.table["nps"] - truth) ** 2)
    mse_shrunk = np.mean((res.table["nps_shrunk"] - truth) ** 2)
    assert mse_shrunk < 0.8 * mse_raw
    assert (res.table["shrunk_low"] <= res.table["nps_shrunk"]).all()
    assert (res.table["nps_shrunk"] <= res.table["shrunk_high"]).all()


def test_prior_without_between_segment_variation_shrinks_to_pool():
    rng = np.random.default_rng(SEED)
    x = rng.multinomial(400, [0.2, 0.3, 0.5], size=8)
    prior = nps.fit_prior(x)
    table = pd.DataFrame(x, columns=nps.COUNT_COLUMNS).assign(segment=list("abcdefgh"))
    res = nps.segment(table, by="segment")
    pooled = 100 * (x[:, 2].sum() - x[:, 0].sum()) / x.sum()
    assert prior["strength"] > 2000
    np.testing.assert_allclose(res.table["nps_shrunk"], pooled, atol=1.5)


def test_trend_flags_planted_jump_only():
    rng = np.random.default_rng(SEED)
    months = pd.period_range("2026-01", "2026-10", freq="M")
    parts = []
    for i, m in enumerate(months):
        c = _simulate(rng, 1500, 45 if i == len(months) - 1 else 25)
        days = rng.integers(0, m.days_in_month, c.sum())
        parts.append(pd.DataFrame({"responded_at": m.start_time + pd.to_timedelta(days, "D"),
                                   "score": [2] * c[0] + [8] * c[1] + [9] * c[2]}))
    res = nps.trend(pd.concat(parts, ignore_index=True), freq="M")
    t = res.table
    assert len(t) == 10 and t["significant"].tolist() == [False] * 9 + [True]
    assert res.latest_significant and res.latest_change == pytest.approx(t["change"].iloc[-1])
    assert 12 < res.latest_change < 28
    assert res.latest_period == "2026-10-01"
    # the change's interval and p-value agree
    last = t.iloc[-1]
    assert last["change_low"] > 0 and last["p_value"] < 0.05


def test_trend_quarters_end_with_reported_month_and_gaps_are_shown():
    dates = ["2026-02-10", "2026-03-01", "2026-09-15", "2026-10-31"]
    rows = pd.DataFrame({"responded_at": pd.to_datetime(dates), "score": [9, 3, 10, 7]})
    res = nps.trend(rows, freq="Q", end="2026-10", min_n=1)
    assert res.freq == "Q-OCT"
    assert [str(p.date()) for p in res.table["period"]] == ["2026-02-01", "2026-05-01", "2026-08-01"]
    assert res.table["n"].tolist() == [2, 0, 2]
    assert "no_answers" in res.table["notes"].iloc[1]
    with pytest.raises(ValueError, match="freq"):
        nps.trend(rows, freq="fortnight")


# --------------------------------------------------------------------------------------------------
# the reduction and the policies


@pytest.fixture
def responses():
    return pd.DataFrame({
        "response_id": [f"R{i}" for i in range(10)],
        "customer_id": ["K1", "K1", "K2", "K3", "K3", "K4", "K5", "K6", "K7", "K8"],
        "responded_at": pd.to_datetime(["2026-01-05", "2026-03-05", "2026-01-20", "2026-02-01",
                                        "2026-02-20", "2026-03-03", "2026-03-10", "2026-03-15",
                                        "2026-03-20", "2026-03-25"]),
        "score": pd.array([2, 9, 10, None, 6, 8, 10, 0, 9, 7], dtype="Int64"),
        "region": ["Miền Bắc"] * 5 + ["Miền Trung"] * 5,
        "product": ["Phân bón", "Hạt giống"] * 5,
        "customer_since": pd.to_datetime(["2025-12-20", "2025-12-20", "2024-01-01", "2025-01-01",
                                          "2025-01-01", "2026-02-01", "2023-05-01", "2025-01-01",
                                          "2026-03-01", "2022-01-01"]),
    })


def test_counts_table_shape_and_blank_policy(responses):
    t = nps.reduce(responses, by="region")
    assert list(t.columns) == ["region", "detractors", "passives", "promoters", "n", "blank", "non_numeric",
                               "superseded", "early_excluded"]
    north = t.set_index("region").loc["Miền Bắc"]
    assert north[["detractors", "passives", "promoters", "blank"]].tolist() == [2, 0, 2, 1]
    assert t.attrs["excluded"] == (excluded("blank_score", 1),)
    with pytest.raises(ValueError, match=r"nps_responses\.score must hold a score .*1 row\(s\).*row 3"):
        nps.reduce(responses, by="region", blank="fail")


def test_non_numeric_answers_follow_blank_policy_and_bad_scores_fail():
    rows = pd.DataFrame({"score": ["9", " ", "n/a", "7", "10"], "region": ["A"] * 5})
    t = nps.reduce(rows, by="region")
    assert t[["promoters", "passives", "blank", "non_numeric"]].iloc[0].tolist() == [2, 1, 1, 1]
    est = nps.estimate(rows["score"])
    assert est.excluded == (excluded("blank_score", 1), excluded("non_numeric_score", 1)) and est.n == 3
    with pytest.raises(ValueError, match=r"score must be between 0 and 10: 1 row\(s\).*row 1: 11"):
        nps.estimate([9, 11, 3])
    with pytest.raises(ValueError, match=r"must be a whole number: 1 row\(s\).*7\.5"):
        nps.segment(pd.DataFrame({"score": [9, 7.5], "region": ["A", "B"]}), by="region")
    with pytest.raises(ValueError, match="must hold a score"):
        nps.estimate(["9", "abc"], blank="fail")


def test_latest_answer_per_customer(responses):
    t = nps.reduce(responses, by="region", latest_only=True)
    north = t.set_index("region").loc["Miền Bắc"]
    # K1 answered 2 then 9 (keep 9); K3 answered blank then 6 (keep 6); K2 once
    assert north[["detractors", "promoters", "superseded", "blank"]].tolist() == [1, 2, 1, 1]
    # per period: K1's January and March answers are both kept
    per_month = nps.reduce(responses, freq="M", latest_only=True)
    assert per_month["superseded"].sum() == 0


def test_survey_timing_policy(responses):
    keep = nps.segment(responses, by="region", min_n=1)
    excl = nps.segment(responses, by="region", early="exclude", min_n=1)
    sep = nps.segment(responses, by="region", early="separate", min_n=1)
    # early (< 90 days): R0 (16 days), R1 (75), R5 (33), R8 (19)
    assert keep.overall.n == 9 and excl.overall.n == 5
    assert excl.excluded == (excluded("blank_score", 1), excluded("early_answer", 4, days=90))
    assert sep.overall.n == 5 and sep.early.n == 4 and sep.early.nps == pytest.approx(25.0)
    assert "reported separately" in sep.summary()
    bands = nps.reduce(responses, by="tenure_band")
    assert bands["tenure_band"].astype(str).tolist()[0] == "0-89"
    assert bands.set_index("tenure_band")["n"].loc["0-89"] == 4
    t180 = nps.segment(responses, by="region", early="exclude", early_days=30, min_n=1)
    assert t180.excluded.as_dict()["early_answer"] == 2


def test_segment_and_trend_accept_the_counts_table(responses):
    rows = pd.concat([responses] * 10, ignore_index=True)
    from_rows = nps.segment(rows, by="region")
    from_counts = nps.segment(nps.reduce(rows, by=["region", "product"], freq="M"), by="region")
    cols = ["n", "nps", "ci_low", "ci_high", "p_value", "nps_shrunk"]
    pd.testing.assert_frame_equal(from_rows.table[cols], from_counts.table[cols])
    assert from_counts.excluded == from_rows.excluded == (excluded("blank_score", 10),)
    tr_rows = nps.trend(rows, freq="M", min_n=5)
    tr_counts = nps.trend(nps.reduce(rows, by="region", freq="M"), freq="M", min_n=5)
    pd.testing.assert_frame_equal(tr_rows.table, tr_counts.table)
    with pytest.raises(ValueError, match="already a counts table"):
        nps.segment(nps.reduce(rows, by="region"), by="region", latest_only=True)
    with pytest.raises(ValueError, match=r"nps counts: missing column\(s\) \['product'\]"):
        nps.segment(nps.reduce(rows, by="region"), by="product")


def test_period_range_counts_rows_outside(responses):
    res = nps.segment(responses, by="region", start="2026-02", end="2026-03", min_n=1)
    assert res.excluded.as_dict()["outside_period"] == 2
    assert res.overall.n == 7


def test_notes_and_exclusions_are_codes_worded_in_both_languages(responses):
    res = nps.segment(responses, by="region", early="exclude", min_n=1)
    assert res.excluded == (excluded("blank_score", 1), excluded("early_answer", 4, days=90))
    assert res.headline()["excluded"] == {"blank_score": 1, "early_answer": 4}  # the recorded form
    assert "Excluded: 1 blank score(s); 4 answer(s) given within 90 days of becoming a customer." in res.summary()
    assert ("Đã loại: 1 điểm để trống; 4 câu trả lời trong vòng 90 ngày kể từ khi trở thành khách hàng."
            in res.summary("vi"))
    est = nps.from_counts(0, 0, 12, method="wald", min_n=20)
    assert est.notes == (note("small_sample", min_n=20), note("zero_variance"))
    assert est.headline()["notes"] == ["small_sample", "zero_variance"]
    assert "Notes: fewer than 20 answers: read with care; all answers fall in one category" in est.summary()
    assert "Ghi chú: dưới 20 câu trả lời" in est.summary("vi")
    cmp = nps.compare(nps.from_counts(1, 2, 3, min_n=10), nps.from_counts(2, 2, 2, min_n=10))
    assert cmp.notes == (note("small_sample", min_n=10),) and "fewer than 10 answers" in cmp.summary()


def test_earlier_forms_warn_and_give_the_same_result(responses):
    res = nps.segment(responses, by="region", early="exclude", min_n=1)
    with pytest.warns(DeprecationWarning, match=r"excluded\.as_dict\(\)"):
        assert res.excluded.get("early_answer") == 4 and res.excluded.get("outside_period", 0) == 0
    with pytest.warns(DeprecationWarning, match=r"excluded\.as_dict\(\)"):
        assert res.excluded["blank_score"] == 1
    assert "blank_score" in res.excluded and "outside_period" not in res.excluded  # asking by code is current
    with pytest.warns(DeprecationWarning, match="responses= is now data="):
        old = nps.tenure_band(responses=responses)
    pd.testing.assert_series_equal(old, nps.tenure_band(responses))
    x = np.array([[10, 20, 30], [12, 18, 30], [30, 20, 10], [9, 21, 31]])
    with pytest.warns(DeprecationWarning, match="counts_table= is now data="):
        old = nps.fit_prior(counts_table=x)
    assert old == nps.fit_prior(x)
    with pytest.warns(DeprecationWarning, match=r"nps\.counts\(\) is now nps\.reduce\(\)"):
        old = nps.counts(responses, by="region", latest_only=True)
    pd.testing.assert_frame_equal(old, nps.reduce(responses, by="region", latest_only=True))


def test_what_if():
    res = nps.what_if(nps.from_counts(30, 30, 40), share=0.5, to="passive")
    assert (res.nps, res.nps_if, res.gain) == pytest.approx((10.0, 25.0, 15.0))
    rows = _rows_from_counts({"A": (40, 30, 30), "B": (10, 30, 60)})
    seg = nps.what_if(rows, by="region", share=0.2, to="promoter").table.set_index("region")
    # 20% of A's 40 detractors become promoters: +16 net promoters out of 200 answers = +8 points
    assert seg.loc["A", "gain"] == pytest.approx(8.0) and seg.loc["B", "gain"] == pytest.approx(2.0)
    assert seg.loc["A", "nps_if"] == pytest.approx(-10 + 16)
    with pytest.raises(ValueError, match="share"):
        nps.what_if(rows, share=20)


# --------------------------------------------------------------------------------------------------
# methods, results, edge cases


def test_bootstrap_is_seeded_recorded_and_close_to_wald_for_large_n():
    rng = np.random.default_rng(SEED)
    scores = rng.choice([3, 7, 10], 2000, p=[0.2, 0.3, 0.5])
    a = nps.estimate(scores, method="bootstrap")
    b = nps.estimate(scores, method="bootstrap")
    w = nps.estimate(scores, method="wald")
    assert a == b and a.seed == SEED and a.n_boot == nps.DEFAULT_N_BOOT
    assert a.ci_low == pytest.approx(w.ci_low, abs=0.8) and a.ci_high == pytest.approx(w.ci_high, abs=0.8)
    assert nps.estimate(scores, method="bootstrap", seed=1).ci_low != a.ci_low
    assert w.seed is None
    cmp = nps.compare(a, nps.estimate(scores[:500], method="bootstrap"))
    assert cmp.seed == SEED and 0 <= cmp.p_value <= 1
    seg = nps.segment(_rows_from_counts({"A": (50, 50, 100), "B": (100, 50, 50), "C": (60, 60, 80)}),
                      by="region", method="bootstrap", n_boot=500)
    assert seg.significant_below == ["B"] and seg.n_boot == 500


def test_degenerate_samples_are_flagged_not_hidden():
    w = nps.from_counts(0, 0, 12, method="wald")
    assert math.isnan(w.ci_low) and "zero_variance" in w.notes and w.nps == 100
    a = nps.from_counts(0, 0, 12)
    assert a.ci_high == 100 and "ci_clipped" in a.notes and a.ci_low > 0
    empty = nps.from_counts(0, 0, 0)
    assert math.isnan(empty.nps) and "no_answers" in empty.notes
    cmp = nps.compare(nps.from_counts(0, 0, 5, method="wald"), nps.from_counts(0, 0, 9, method="wald"))
    assert math.isnan(cmp.p_value) and not cmp.significant
    with pytest.raises(ValueError, match="different methods"):
        nps.compare(nps.from_counts(1, 2, 3), nps.from_counts(1, 2, 3, method="wald"))


def test_results_are_json_safe_and_speak_both_languages():
    rows = _rows_from_counts({"A": (30, 30, 60), "B": (60, 30, 30), "C": (2, 3, 5)})
    res = nps.segment(rows, by="region")
    for obj in (res, res.overall, nps.compare(res.overall, nps.from_counts(5, 5, 5)),
                nps.what_if(rows, by="region")):
        json.dumps(obj.headline(), allow_nan=False)
        assert obj.summary("en") and obj.summary("vi") != obj.summary("en")
        assert "<p>" in obj._repr_html_()
    vi = res.summary("vi")
    assert "Thấp hơn" in vi and "Quá ít câu trả lời" in vi and "C (10)" in vi
    assert res.headline()["significant_below"] == ["B"]
    catalog = i18n.catalogs()["nps"]
    assert all(set(v) == {"en", "vi"} for v in catalog.values())


def test_plots_draw_on_given_axes():
    rows = _rows_from_counts({"A": (30, 30, 60), "B": (60, 30, 30), "C": (20, 30, 25)})
    rows["responded_at"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(len(rows)) % 300, "D")
    res = nps.segment(rows, by="region")
    fig, axes = plt.subplots(2, 3)
    try:
        assert res.plot(ax=axes[0, 0]) is axes[0, 0]
        assert res.plot(ax=axes[0, 1], kind="distribution", locale="vi") is axes[0, 1]
        assert len(axes[0, 1].patches) == 9
        assert nps.trend(rows, freq="M").plot(ax=axes[0, 2]) is axes[0, 2]
        assert res.overall.plot(ax=axes[1, 0]) is axes[1, 0]
        assert nps.what_if(rows, by="region").plot(ax=axes[1, 1]) is axes[1, 1]
        assert axes[0, 0].get_xlabel() == "NPS (points)"
    finally:
        plt.close(fig)


def test_bad_arguments_raise_clear_errors():
    rows = _rows_from_counts({"A": (3, 3, 3)})
    with pytest.raises(ValueError, match="method must be one of"):
        nps.estimate([9, 9], method="exact")
    with pytest.raises(ValueError, match="confidence must be a fraction"):
        nps.estimate([9, 9], confidence=95)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['regoin'\].*did you mean \['region'\]"):
        nps.segment(rows, by="regoin")
    with pytest.raises(ValueError, match="adjust must be one of"):
        nps.segment(rows, by="region", adjust="sidak")
    with pytest.raises(ValueError, match="early must be one of"):
        nps.reduce(rows, early="later")
    with pytest.raises(ValueError, match="must not be blank"):
        nps.segment(pd.DataFrame({"region": ["A", None], "score": [9, 9]}), by="region")
    with pytest.raises(ValueError, match="must not be after responded_at"):
        nps.reduce(pd.DataFrame({"score": [9], "responded_at": ["2026-01-01"],
                                 "customer_since": ["2026-02-01"]}), by="tenure_band")
    with pytest.raises(ValueError, match="whole number"):
        nps.from_counts(1.5, 2, 3)
    with pytest.raises(ValueError, match="margin"):
        nps.sample_size(0)
    with pytest.raises(TypeError, match="DataFrame"):
        nps.segment([1, 2, 3])


def test_categorize():
    cats = nps.categorize(pd.Series([0, 6, 7, 8, 9, 10, None], name="score"))
    assert cats.tolist()[:6] == ["detractor", "detractor", "passive", "passive", "promoter", "promoter"]
    assert pd.isna(cats.iloc[6]) and list(cats.cat.categories) == list(nps.CATEGORIES)


def test_explorer_builds_and_redraws(responses, capsys):
    from kpi_analysis import widgets
    rows = pd.concat([responses] * 5, ignore_index=True)
    box = widgets.nps_explorer(rows, locale="vi", min_n=5)
    seg, controls = box.children[0].children
    assert set(seg.options) >= {"region", "product", "tenure_band"}
    seg.value = ("region", "tenure_band")
    controls.children[0].value = "wald"
    controls.children[1].value = 0.9
    box.children[1].value = ("2026-02", "2026-03")
    assert "NPS chung" in box.html.value and box.image.value[:4] == b"\x89PNG"  # drawn in the widget
    assert box.result.method == "wald" and box.result.confidence == 0.9
    assert capsys.readouterr().out == ""  # nothing printed outside it
    assert plt.get_fignums() == []  # no figure left open in pyplot


# --------------------------------------------------------------------------------------------------
# the sample data set (skips until data/sample/nps_responses.csv exists)


@pytest.fixture
def sample_responses(sample_table):
    return sample_table("nps_responses")  # skips while the sample data is absent


def test_sample_only_the_planted_low_region_is_flagged(sample_responses):
    res = nps.segment(sample_responses, by="region")
    assert res.significant_below == ["Miền Trung"]
    assert res.significant_above == []
    t = res.table.set_index("region")
    assert t.loc["Miền Trung", "p_adj"] < 0.001 and t.loc["Miền Trung", "difference"] < -12
    assert res.excluded.get("blank_score", 0) > 0
    # the same holds for each customer's latest answer only
    latest = nps.segment(sample_responses, by="region", latest_only=True)
    assert latest.significant_below == ["Miền Trung"] and latest.significant_above == []


def test_sample_early_tenure_answers_score_lower(sample_responses):
    bands = nps.segment(sample_responses, by="tenure_band")
    t = bands.table.set_index("tenure_band")
    assert bands.significant_below == ["0-89"]
    assert t.loc["0-89", "nps_rest"] - t.loc["0-89", "nps"] > 10
    sep = nps.segment(sample_responses, by="region", early="separate")
    assert sep.overall.nps - sep.early.nps > 10


def test_sample_recent_improvement_is_visible(sample_responses):
    q = nps.trend(sample_responses, freq="Q", end="2026-10")
    t = q.table
    assert q.freq == "Q-OCT" and str(t["period"].iloc[-1].date()) == "2026-08-01"
    # the last quarter (Aug-Oct 2026) is the best of the series and above the quarter before
    assert t["nps"].iloc[-1] == t["nps"].max() and q.latest_change > 3
    # and the quarters since the planted change (July 2026) sit above the year before them
    recent = nps.estimate(sample_responses.loc[sample_responses["responded_at"] >= "2026-07-01", "score"])
    before = nps.estimate(sample_responses.loc[sample_responses["responded_at"].between(
        "2025-07-01", "2026-06-30 23:59"), "score"])
    cmp = nps.compare(recent, before)
    assert cmp.difference > 4 and cmp.significant


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en", "vi"])
def test_notebook_runs_on_the_sample_data_and_records_headlines(sample_table, tmp_path, locale):
    import papermill as pm
    ROOT = Path(__file__).resolve().parents[1]

    from kpi_analysis.record import read_records

    sample_table("nps_responses")  # skips while the sample data is absent
    out = tmp_path / f"04_{locale}.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "04_nps_segmentation.ipynb"), str(out),
                        kernel_name="python3", parameters={"locale": locale}, cwd=str(ROOT / "notebooks"),
                        progress_bar=False)
    rec = read_records(out)
    assert rec["nps_significant_below"] == ["Miền Trung"] and rec["nps_significant_above"] == []
    # the headline is October 2026's 360 answers (the scorecard's October NPS), not every answer since 2023
    assert rec["nps"] == pytest.approx(100 * (201 - 50) / 360) and rec["nps_answers"] == 360
    assert rec["nps_ci"][0] < rec["nps"] < rec["nps_ci"][1]
    bands = rec["nps_by_tenure_band"]
    assert bands["0-89"] < min(v for k, v in bands.items() if k != "0-89")
    # a monthly report's trend is monthly and ends with the report's month (a flat October after the July step)
    assert rec["nps_trend"]["latest_period"] == "2026-10-01" and rec["nps_trend"]["freq"] == "M"
    assert rec["nps_trend"]["latest_nps"] == rec["nps"] and not rec["nps_trend"]["latest_significant"]
    assert rec["nps_responses_for_5_points"] == 1022
    assert rec["nps_segments"]["excluded"]["blank_score"] > 0
    text = out.read_text(encoding="utf-8")
    headline = {"en": "Significantly below the rest after Holm adjustment: Miền Trung",
                "vi": "Thấp hơn phần còn lại có ý nghĩa thống kê sau hiệu chỉnh Holm: Miền Trung"}
    assert headline[locale] in text  # the headline follows the locale


def test_sample_last_quarter_improvement_is_flagged(sample_table):
    # planted: +15 points from July 2026 (data/sample/README.md); the quarterly trend must flag it
    t = nps.trend(sample_table("nps_responses"), freq="Q", end="2026-09").table
    last = t.iloc[-1]
    assert bool(last["significant"]) and last["change_low"] > 0
    assert not t.iloc[:-1]["significant"].fillna(False).astype(bool).any()
