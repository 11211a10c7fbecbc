"""The location test's statistics after the hostile review (issue 15, items 3-5) and the promotion
tests of a report period (issue 19).

Each test below failed on the code before these changes: the default crossover's A/A rejection
rate, cluster-robust inference with a handful of locations, silent notes, randomization inference
that sampled permutations (seed- and row-order-dependent) and handed holey paths to other units,
a NaN lift bound, a ZeroDivisionError on a flat baseline, a short baseline blocking a crossover,
and no way to ask for the tests that ended in a report period.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import promo, sample
from kpi_analysis.promo import stats

A, B = "Hà Nội - Cầu Giấy", "Hà Nội - Đống Đa"
DAYS = pd.date_range("2026-01-01", "2026-03-31")
WEEK = np.array([0.9, 0.85, 0.9, 0.95, 1.1, 1.25, 1.05])  # Monday .. Sunday


@pytest.fixture(scope="module")
def sales():
    path = Path(__file__).resolve().parents[1] / "data" / "sample" / "sales.csv"
    if path.exists():
        return pd.read_csv(path, parse_dates=["date"])
    return sample.generate()["sales"]


def _store(rng, rho: float, sd: float = 5.0, level: float = 100.0) -> np.ndarray:
    """A store's daily sales: weekly pattern plus stationary AR(1) noise."""
    e = np.empty(len(DAYS))
    e[0] = rng.normal(0, sd / math.sqrt(1 - rho ** 2))
    for t in range(1, len(DAYS)):
        e[t] = rho * e[t - 1] + rng.normal(0, sd)
    return level * WEEK[DAYS.day_of_week] + e


def _design():
    per = np.where(DAYS.month == 1, 0, np.where(DAYS.month == 2, 1, 2))
    X = np.column_stack([(per == k).astype(float) for k in range(3)] + [stats.dow_matrix(DAYS)])
    return per, X


def _locations(values: dict) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"date": DAYS, "location": loc, "revenue": v}) for loc, v in values.items()],
                     ignore_index=True)


# --------------------------------------------------------------------------------------------
# Item 3: the default crossover's size; cluster, HAC and the notes
# --------------------------------------------------------------------------------------------

def test_vectorised_ar1_gls_matches_statsmodels():
    import statsmodels.api as sm
    _, X = _design()
    rng = np.random.default_rng(11)
    Y = np.column_stack([_store(rng, r) - _store(rng, r) for r in (0.0, 0.5, 0.85)]) * 1e4 + 3e6
    rho = stats.ar1_rho(Y, X)
    for j in range(Y.shape[1]):
        g = sm.GLSAR(Y[:, j], X, rho=1)
        g.iterative_fit(maxiter=10)
        assert rho[j] == pytest.approx(float(np.ravel(g.rho)[0]), abs=1e-10)
        fixed = sm.GLSAR(Y[:, j], X, rho=np.array([0.6])).fit()
        beta, cov, df = stats.ar1_gls(Y[:, j], X, 0.6)
        assert beta[0] == pytest.approx(np.asarray(fixed.params), rel=1e-8)
        assert cov[0] == pytest.approx(np.asarray(fixed.cov_params()), rel=1e-8)
        assert df == fixed.df_resid


def test_default_crossover_holds_its_size_under_strong_autocorrelation():
    """A/A on two stores with a weekly pattern and AR(1) noise at rho 0.85, the same 300 data sets for
    both tests: the plain AR(1) GLS t test rejects 20 (6.7%), the bootstrap-calibrated default 15 (5.0%).
    The full calibration (2,000+ replicates per rho) is benchmarks/calibration_studies/promo.py."""
    from scipy import stats as st
    per, X = _design()
    c = np.zeros(X.shape[1])
    c[1], c[2] = 0.5, -0.5
    plain = calibrated = 0
    for s in range(300):
        rng = np.random.default_rng([s, 85])
        a, b = _store(rng, 0.85), _store(rng, 0.85)
        f = stats.ar1_fit(a - b, X, 3)
        plain += 2 * st.t.sf(abs(c @ f.params) / math.sqrt(c @ f.cov_params() @ c), f.df_resid) < 0.05
        out = stats.daily_crossover(a - b, a + b, X, per, levels=3, k1=1, k2=2, baseline=True, inference="ar1",
                                    lags=1, n_boot=999, seed=promo.SEED, confidence=0.95)
        calibrated += out["rows"][0]["p_value"] < 0.05
    assert plain >= 19  # the data sets do show the plain test's excess
    assert calibrated <= 17  # at most 5.7%


def test_bootstrap_interval_and_p_value_come_from_one_test():
    per, X = _design()
    for s in range(25):
        rng = np.random.default_rng([s, 7])
        a, b = _store(rng, 0.7), _store(rng, 0.7)
        a = a + np.where(per == 1, 3.0 * (s % 3), 0.0)  # some with an effect, some without
        out = stats.ar1_bootstrap(a - b, X, np.eye(X.shape[1])[[1]] * 0.5 - np.eye(X.shape[1])[[2]] * 0.5,
                                  levels=3, n_boot=399, seed=s, confidence=0.95)[0]
        excludes_zero = out["ci_low"] > 0 or out["ci_high"] < 0
        assert excludes_zero == (out["p_value"] < 0.05)
        assert out["ci_low"] < out["estimate"] < out["ci_high"]


def test_default_crossover_is_seeded_and_names_its_method(sales):
    r = promo.analyze(sales, schedule={A: "2026-02", B: "2026-03"}, baseline="2026-01")
    assert r.inference == "ar1" and r.seed == promo.SEED and "bootstrap" in r.model.method
    again = promo.analyze(sales, schedule={A: "2026-02", B: "2026-03"}, baseline="2026-01")
    assert again.headline() == r.headline()  # the same inputs give the same report
    assert "bootstrap AR(1) của thống kê t" in r.summary("vi")
    assert r.lift_ci_low < 0.12 < r.lift_ci_high  # the sample's planted +12% lift


def test_cluster_inference_with_few_clusters_is_refused_naming_randomization(sales):
    rng = np.random.default_rng(5)
    d = pd.DataFrame([{"unit": f"u{u}", "t": t, "treated": int(u < 2), "post": int(t >= 10),
                       "y": u + rng.normal() + 2.0 * (u < 2) * (t >= 10)} for u in range(8) for t in range(20)])
    with pytest.raises(ValueError, match="randomization") as err:
        promo.did(d, outcome="y", treated="treated", post="post", unit="unit", time="t", inference="cluster")
    assert "8" in str(err.value) and "20" in str(err.value)
    with pytest.raises(ValueError, match="inference='randomization'"):
        promo.analyze(sales, schedule={A: "2026-02", B: "2026-03"}, baseline="2026-01", method="did",
                      inference="cluster")


def test_hac_inference_carries_a_note_shown_in_the_summary(sales):
    r = promo.analyze(sales, schedule={A: "2026-02", B: "2026-03"}, baseline="2026-01", inference="hac")
    assert "hac_oversized" in r.notes and "hac_oversized" in r.headline()["notes"]
    assert "Newey-West (HAC) standard errors are too small" in r.summary()
    assert "Sai số chuẩn Newey-West (HAC) quá nhỏ" in r.summary("vi")
    assert "hac_oversized" in r.model.notes and "too small" in r.model.summary()
    default = promo.analyze(sales, schedule={A: "2026-02", B: "2026-03"}, baseline="2026-01")
    assert "hac_oversized" not in default.notes


def test_four_locations_say_the_randomization_test_cannot_go_below_a_quarter():
    rng = np.random.default_rng(8)
    base = {loc: _store(rng, 0.5, level=100 + 10 * i) for i, loc in enumerate("ABCD")}
    base["A"] = base["A"] * np.where(DAYS.month == 2, 1.1, 1.0)
    r = promo.analyze(_locations(base), schedule={"A": "2026-02"}, baseline="2026-01", method="did")
    assert r.model.n_assignments == 4 and r.p_value >= 0.25
    assert "few_assignments" in r.notes and "ci_unbounded" in r.notes
    en, vi = r.summary("en"), r.summary("vi")
    assert "With 4 locations the randomization test has only 4 possible assignments" in en
    assert "cannot give p below 0.25 (1/4)" in en and "không thể cho giá trị p nhỏ hơn 0,25 (1/4)" in vi
    assert "the interval is unbounded on at least one side" in en


def test_every_note_code_has_both_languages_and_every_summary_shows_its_notes(sales):
    from kpi_analysis import i18n
    from kpi_analysis.promo import present
    catalog = i18n.catalogs()["promo.notes"]
    fields = {"n": 4, "units": 4, "p_min": 0.25, "series": "A", "period": "2026-10", "days": 15, "min_p": 1 / 16,
              "design": "synthetic", "n_assign": 4, "ratio": 4.2, "reason": "sizes differ", "scaled_l2": 0.4}
    for code, texts in catalog.items():
        assert texts["en"].strip() and texts["vi"].strip()
        en = present.note_sentences([{"code": code, **fields}], "en")[0]
        assert "{" not in en
    r = promo.analyze(sales, schedule={A: "2026-02", B: "2026-03"}, baseline=("2026-01-25", "2026-01-31"))
    for note in r.notes:  # worded in the summary itself or in a baseline check's line
        if note["code"] not in present.WORDED_ELSEWHERE:
            assert present.note_sentences([note], "en")[0] in r.summary("en")


# --------------------------------------------------------------------------------------------
# Item 4: randomization inference over the distinct assignments of the design
# --------------------------------------------------------------------------------------------

def _ten_units(seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(10):
        a = rng.normal(10 * u, 1)
        for t in range(12):
            tr, post = int(u in (0, 3, 5, 8)), int(t >= 6)
            rows.append({"unit": f"u{u}", "t": t, "treated": tr, "post": post,
                         "y": a + 0.2 * t + 1.5 * tr * post + rng.normal()})
    return pd.DataFrame(rows)


def test_randomization_enumerates_combinations_so_p_depends_on_neither_seed_nor_row_order():
    d = _ten_units()
    kw = {"outcome": "y", "treated": "treated", "post": "post", "unit": "unit", "time": "t"}
    r1 = promo.did(d, seed=1, **kw)
    assert r1.n_assignments == math.comb(10, 4) == 210  # not perm(10, 4) = 5,040, sampled
    assert r1.seed is None and "all distinct assignments" in r1.method
    r2 = promo.did(d, seed=2, **kw)
    shuffled = promo.did(d.sample(frac=1.0, random_state=4), seed=3, **kw)
    assert r1.p_value == r2.p_value == shuffled.p_value
    assert (r1.ci_low, r1.ci_high) == (r2.ci_low, r2.ci_high) == pytest.approx((shuffled.ci_low, shuffled.ci_high))


def test_sampled_assignments_do_not_depend_on_row_order():
    d = _ten_units()
    kw = {"outcome": "y", "treated": "treated", "post": "post", "unit": "unit", "time": "t", "max_assignments": 50}
    r = promo.did(d, **kw)
    assert r.seed == promo.SEED and r.n_assignments == 50
    assert promo.did(d.sample(frac=1.0, random_state=9), **kw).p_value == r.p_value


def test_a_missing_day_does_not_create_assignments_the_design_could_not_produce():
    units, keys = np.repeat(["A", "B", "C", "D"], 10), np.tile(np.arange(10), 4)
    keep = ~((units == "A") & (keys == 7))  # A's row of day 7, inside its promotion, is missing
    units, keys = units[keep], keys[keep]
    D = ((units == "A") & (keys >= 5)).astype(float)
    designed, _ = stats.treatment_assignments(units, keys, D, paths={"A": range(5, 10)}, max_assignments=100,
                                              seed=1)
    assert len(designed) == 4
    for Dp in designed:  # whoever is promoted is promoted on every observed day of the window
        treated_units = set(units[Dp == 1])
        assert len(treated_units) == 1
        (u,) = treated_units
        window = (units == u) & (keys >= 5)
        assert (Dp[window] == 1).all() and (Dp[~window] == 0).all()
    from_data, _ = stats.treatment_assignments(units, keys, D, max_assignments=100, seed=1)
    holey = [Dp for Dp in from_data if Dp[(units == "B") & (keys == 7)].sum() == 0 and Dp[units == "B"].sum()]
    assert holey  # read from the data, B would be promoted with a hole on day 7


def test_did_in_analyze_uses_the_scheduled_promotion_days(sales):
    sched = {A: "2026-02", B: "2026-03"}
    holes = sales.drop(sales.index[(sales["location"] == A) & (sales["date"] == "2026-02-10")])
    r = promo.analyze(holes, schedule=sched, baseline="2026-01", method="did")
    assert r.excluded["missing_days"] == 1 and r.model.n_assignments == 30
    d = promo.reduce(holes)
    with pytest.raises(ValueError, match="treatment path"):  # a treated row outside the declared path
        promo.did(d.assign(t=(d["location"] == A).astype(int), post=(d["date"] >= "2026-02-01").astype(int)),
                  outcome="revenue", treated="t", post="post", unit="location", time="date",
                  paths={A: list(pd.date_range("2026-02-01", "2026-02-05"))})


# --------------------------------------------------------------------------------------------
# Item 5: edge cases that printed made-up numbers
# --------------------------------------------------------------------------------------------

def test_lift_bound_is_minus_100_percent_where_the_effect_is_unbounded():
    _, lift = stats.lift_from_effect([-math.inf, 5.0, math.inf], 100.0, "level")
    assert lift[0] == -1.0 and lift[2] == math.inf
    rng = np.random.default_rng(2)
    three = {loc: _store(rng, 0.5, level=100 + 10 * i) for i, loc in enumerate("ABC")}
    r = promo.analyze(_locations(three), schedule={"A": "2026-02"}, baseline="2026-01", method="did")
    assert r.ci_low == -math.inf and r.lift_ci_low == -1.0
    assert "-100" in r.summary() and json.dumps(r.headline())


@pytest.mark.parametrize("flat", ["treated", "control", "both"])
def test_prechecks_on_a_flat_series_say_no_variation(flat):
    days = pd.date_range("2026-01-01", periods=28)
    rng = np.random.default_rng(1)
    t = pd.Series(100.0 if flat in ("treated", "both") else 100 + rng.normal(0, 3, 28), index=days)
    c = pd.Series(50.0 if flat in ("control", "both") else 50 + rng.normal(0, 2, 28), index=days)
    pc = promo.prechecks(t, c, label="A")
    assert not pc.computable and pc.reasons == ("no_variation",) and "no_variation" in pc.notes
    assert math.isnan(pc.slope_p) and math.isnan(pc.correlation) and not pc.comparable
    assert "could not be computed" in pc.summary() and "Không tính được" in pc.summary("vi")
    assert json.dumps(pc.headline())


def test_a_flat_baseline_is_reported_not_computable_in_analyze():
    rng = np.random.default_rng(4)
    a = _store(rng, 0.5)
    a[DAYS.month == 1] = 100.0  # A did not vary in January (e.g. a placeholder export)
    b = _store(rng, 0.5)
    r = promo.analyze(_locations({"A": a, "B": b}), schedule={"A": "2026-02", "B": "2026-03"},
                      baseline="2026-01")
    assert "no_variation" in r.notes and "not_comparable" not in r.notes and not r.comparable
    assert "could not be computed" in r.summary()


def test_a_short_baseline_does_not_block_the_crossover(sales):
    r = promo.analyze(sales, schedule={A: "2026-02", B: "2026-03"}, baseline=("2026-01-27", "2026-01-31"))
    assert r.design == "crossover" and np.isfinite(r.estimate) and r.prechecks == ()
    assert "prechecks_skipped" in r.notes and not r.comparable and not r.trend_confirmed
    assert "The baseline checks were skipped: the baseline has 5 day(s)" in r.summary()
    assert "Đã bỏ qua phần kiểm tra kỳ gốc" in r.summary("vi")
    with pytest.raises(ValueError, match="at least 8"):  # DiD's estimate needs its baseline: still refused
        promo.analyze(sales, schedule={A: "2026-02", B: "2026-03"}, baseline=("2026-01-27", "2026-01-31"),
                      method="did")


# --------------------------------------------------------------------------------------------
# Issue 19: the promotion tests that ended in a report period
# --------------------------------------------------------------------------------------------

def test_schedule_is_split_into_tests():
    sched = pd.DataFrame({"location": ["A", "B", "A", "B", "C"],
                          "start": ["2026-02-01", "2026-03-01", "2026-06-01", "2026-07-01", "2026-06-15"],
                          "end": ["2026-02-28", "2026-03-31", "2026-06-30", "2026-07-31", "2026-06-20"]})
    t = promo.schedule_tests(sched)
    assert t["test"].tolist() == [1, 2] and t["locations"].tolist() == [("A", "B"), ("A", "C", "B")]
    assert t["end"].dt.strftime("%Y-%m-%d").tolist() == ["2026-03-31", "2026-07-31"]
    labelled = promo.schedule_tests(sched.assign(test=["x", "x", "y", "y", "z"]))
    assert labelled["test"].tolist() == ["x", "y", "z"] and labelled["periods"].tolist() == [2, 2, 1]
    assert len(promo.ended_in(sched, "2026-07")) == 1 and len(promo.ended_in(sched, "2026-Q2")) == 0
    assert promo.ended_in(sched, "2026").shape[0] == 2


def test_analyze_period_reports_the_tests_that_ended_in_it(sales):
    sched = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "sample" / "promotions.csv")
    march = promo.analyze_period(sales, schedule=sched, period="2026-03", baseline="2026-01")
    direct = promo.analyze(sales, schedule=sched, baseline="2026-01")
    assert march.n_tests == 1 and march.results[0].headline() == direct.headline()
    assert march.table["lift"].tolist() == [direct.lift] and march.headline()["n_tests"] == 1
    assert march.summary().startswith("Promotion test 1 of 1 ended in March 2026: " + A + ", " + B)
    assert promo.analyze_period(sales, schedule=sched, period="2026-Q1", baseline="2026-01").n_tests == 1
    own = promo.analyze_period(sales, schedule=sched, period="2026-03")  # baseline: the 28 days before
    assert own.results[0].baseline == ("2026-01-04", "2026-01-31")


@pytest.mark.parametrize("period", ["2026-10", "2026-02", "2026-W43", "2025"])
def test_a_period_without_a_test_ending_in_it_says_so(sales, period):
    sched = {A: "2026-02", B: "2026-03"}
    r = promo.analyze_period(sales, schedule=sched, period=period)
    assert r.n_tests == 0 and r.notes.codes() == ["no_test_ended"] and r.table.empty
    assert r.summary().startswith("No promotion test ended in ")
    assert r.summary("vi").startswith("Không có phép thử khuyến mãi nào kết thúc trong ")
    assert json.loads(json.dumps(r.headline()))["notes"] == ["no_test_ended"]
    if period == "2026-10":
        assert "October 2026" in r.summary() and "tháng 10/2026" in r.summary("vi")


def test_period_result_plots_either_way(sales):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sched = {A: "2026-02", B: "2026-03"}
    assert len(promo.analyze_period(sales, schedule=sched, period="2026-03").plot()) == 3
    ax = promo.analyze_period(sales, schedule=sched, period="2026-10").plot()
    assert "No promotion test ended" in ax.texts[0].get_text()
    plt.close("all")
