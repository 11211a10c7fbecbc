"""Chain-scale location tests: synthetic control and time-based regression (issue 16).

Reference cases read in place from <reference data>/external (skipped when absent):
- GeoLift walkthrough (GeoLift_Test.csv, chicago and portland treated on 2021-04-01..15): ATT 155.556
  per city-day, incremental 4,667, lift 5.42%, scaled L2 0.1636, top weights cincinnati 0.2272, miami
  0.2028, baton rouge 0.1335, minneapolis 0.0900, dallas 0.0739; ridge-augmented ATT 156.805, lift 5.5%;
  iid conformal p about 0.01-0.016, moving-block 0.048 (|residual|) / 0.019 (squared). The default
  here is moving-block with the statistic |mean residual| (the test of the average effect, whose
  inverted interval exists): p = 12/105 = 0.114 on this data; see HANDOFF / the synthetic module.
- matched_markets TBR (pre 2015-01-05..02-15, test 02-16..03-15, spend 50,000): slope 0.9997001,
  incremental response 147,337.122, iROAS 2.946742, one-sided 90% lower bound 2.826194, lift 0.17396.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import promo

GEO_PRE, GEO_POST = ("2021-01-01", "2021-03-31"), ("2021-04-01", "2021-04-15")
MM_PRE, MM_POST = ("2015-01-05", "2015-02-15"), ("2015-02-16", "2015-03-15")


@pytest.fixture(scope="module")
def geolift(reference_dir):
    path = reference_dir / "external" / "geolift_walkthrough" / "GeoLift_Test.csv"
    if not path.exists():
        pytest.skip("external reference data not present")
    return pd.read_csv(path).rename(columns={"Y": "revenue"})


@pytest.fixture(scope="module")
def matched_markets(reference_dir):
    folder = reference_dir / "external" / "matched_markets_tbr"
    if not (folder / "salesandcost.csv").exists():
        pytest.skip("external reference data not present")
    sales = pd.read_csv(folder / "salesandcost.csv").rename(columns={"geo": "location", "sales": "revenue"})
    groups = pd.read_csv(folder / "geoassignment.csv")
    return sales, groups


def test_geolift_walkthrough_reproduced(geolift):
    r = promo.synthetic_control(geolift, treated=["chicago", "portland"], pre=GEO_PRE, post=GEO_POST)
    assert r.estimate == pytest.approx(155.556, abs=0.01)
    assert r.total == pytest.approx(4667, abs=1)
    assert r.lift == pytest.approx(0.0542, abs=0.0005)
    assert r.l2 == pytest.approx(909.489, abs=0.01)
    assert r.scaled_l2 == pytest.approx(0.1636, abs=0.0001)
    top = r.weights.head(5).round(4).to_dict()
    assert top == {"cincinnati": 0.2272, "miami": 0.2028, "baton rouge": 0.1335, "minneapolis": 0.09,
                   "dallas": 0.0739}
    # the default: moving-block conformal on |mean residual|; p and interval from the one test
    assert r.p_value == pytest.approx(12 / 105) and r.min_p == pytest.approx(1 / 105)
    assert r.ci_low < 0 < r.ci_high and r.ci_low < r.estimate < r.ci_high
    # GeoLift's statistic (mean |residual|) with moving blocks: the README's 0.048, below 0.05
    gl = promo.synthetic_control(geolift, treated=["chicago", "portland"], pre=GEO_PRE, post=GEO_POST,
                                 statistic="abs")
    assert gl.p_value == pytest.approx(5 / 105) and gl.p_value < 0.05
    assert "ci_empty" in gl.notes  # no constant effect fits: that test rejects every value near the estimate


def test_geolift_inference_options_and_ridge(geolift):
    iid = promo.synthetic_control(geolift, treated=["chicago", "portland"], pre=GEO_PRE, post=GEO_POST,
                                  inference="iid", statistic="abs")
    assert 0.005 <= iid.p_value <= 0.02 and iid.seed == promo.SEED  # GeoLift 0.01, a replication 0.0155
    squared = promo.synthetic_control(geolift, treated=["chicago", "portland"], pre=GEO_PRE, post=GEO_POST,
                                      statistic="squared")
    assert squared.p_value == pytest.approx(0.019, abs=0.001)
    ridge = promo.synthetic_control(geolift, treated=["chicago", "portland"], pre=GEO_PRE, post=GEO_POST,
                                    augment="ridge")
    assert ridge.estimate == pytest.approx(156.805, abs=0.01)
    assert ridge.total == pytest.approx(4704, abs=1)
    assert round(ridge.lift, 3) == 0.055


def test_geolift_through_analyze_headline_and_robustness_agree(geolift):
    both = ("2021-04-01", "2021-04-15")
    r = promo.analyze(geolift, schedule={"chicago": both, "portland": both}, baseline=GEO_PRE)
    assert r.design == "synthetic" and r.design_rule["method"] == "auto" and r.design_rule["n_controls"] == 38
    assert r.estimate == pytest.approx(155.556, abs=0.01) and r.lift == pytest.approx(0.0542, abs=0.0005)
    assert r.total == pytest.approx(4667, abs=1) and r.p_value == pytest.approx(12 / 105)
    h = r.headline()
    assert {c["design"] for c in h["robustness"]} == {"did", "tbr"}
    # a robustness check with another verdict is said next to the headline, never silently
    disagree = [c for c in r.robustness if c["disagrees"]]
    assert disagree == [c for c in r.robustness if c["significant"] != r.significant]
    assert h["robustness_disagree"] == bool(disagree)
    for locale in ("en", "vi"):
        text = r.summary(locale)
        lines = text.splitlines()
        if disagree:
            assert lines[2].startswith("Caution" if locale == "en" else "Lưu ý")
        assert ("synthetic control" if locale == "en" else "đối chứng tổng hợp") in text


def test_matched_markets_tbr_reproduced(matched_markets):
    sales, groups = matched_markets
    treated = groups.loc[groups["geo.group"] == 2, "geo"].astype(str).tolist()
    control = groups.loc[groups["geo.group"] == 1, "geo"].astype(str).tolist()
    r = promo.time_based_regression(sales, treated=treated, controls=control, pre=MM_PRE, post=MM_POST,
                                    spend=50_000, inference="t")  # matched_markets' own interval
    assert r.slope == pytest.approx(0.9997001, abs=1e-7)
    assert r.cumulative == pytest.approx(147337.122, abs=0.01)
    assert r.iroas == pytest.approx(2.946742, abs=1e-6)
    assert r.lower_bound(0.90) / 50_000 == pytest.approx(2.826194, abs=1e-6)
    assert r.lift == pytest.approx(0.17396, abs=1e-5)
    assert r.cumulative_ci_low > 0 and r.p_value < 0.001
    ar1 = promo.time_based_regression(sales, treated=treated, controls=control, pre=MM_PRE, post=MM_POST,
                                      spend=50_000)  # the default: AR(1) residuals, a wider interval
    assert ar1.cumulative == pytest.approx(r.cumulative) and ar1.t_scale > r.t_scale
    assert ar1.p_value == 1 / (promo.tbr.N_BOOT + 1)  # no draw as extreme: the smallest p the bootstrap gives
    assert ar1.seed == promo.tbr.SEED and len(ar1.t_draws) == promo.tbr.N_BOOT
    assert ar1.lower_bound(0.90) == pytest.approx(
        ar1.cumulative - np.quantile(ar1.t_draws, 0.90) * ar1.t_scale)  # the same draws as p and interval
    assert ar1.cumulative_ci_low < ar1.lower_bound(0.90) < ar1.cumulative


def test_tbr_bootstrap_of_t_is_one_procedure_and_calibrated():
    """The default TBR inference: the t statistic's distribution by a sieve bootstrap under the fitted AR(1).
    Independent residuals: its critical value is the t quantile's (within bootstrap error). AR(1) residuals
    (rho 0.6, 99 baseline days): the plain AR(1) t test over-rejects, the bootstrap holds 5% (A/A), and a
    planted effect is found; p, interval and the one-sided bound come from the same draws."""
    from scipy import stats as st
    from scipy.signal import lfilter

    from kpi_analysis.promo.tbr import tbr_fit
    rng = np.random.default_rng(12)
    x = 1000 + rng.normal(0, 40, 120).cumsum() / 4
    post = np.arange(120) >= 99
    white = tbr_fit(0.5 * x + rng.normal(0, 10, 120), x, post, n_boot=9999)
    assert white["critical"] == pytest.approx(st.t.ppf(0.975, white["df"]), abs=0.08)
    # A/A on AR(1) residuals: count rejections of the bootstrap and of the plain AR(1) t (same statistic)
    boot = plain = 0
    for i in range(400):
        e = rng.normal(0, 1, 120)
        e[0] /= 0.8  # stationary start: sd 1 / sqrt(1 - 0.6^2)
        f = tbr_fit(0.5 * x + 10 * lfilter([1.0], [1.0, -0.6], e), x, post, n_boot=499, seed=i)
        boot += f["p_value"] <= 0.05
        plain += 2 * st.t.sf(abs(f["cumulative"]) / f["scale"], f["df"]) <= 0.05
    assert boot / 400 <= 0.075 and boot < plain  # 5% +/- 2.2 points (Monte Carlo, 400 tests)
    planted = tbr_fit(0.5 * x + 10 * lfilter([1.0], [1.0, -0.6], rng.normal(0, 1, 120)) + 40 * post, x, post)
    assert planted["p_value"] < 0.01 and planted["cumulative"] == pytest.approx(40 * 21, rel=0.35)
    y = 0.5 * x + 10 * lfilter([1.0], [1.0, -0.6], rng.normal(0, 1, 120))
    again = tbr_fit(y, x, post, seed=3)
    assert np.array_equal(again["draws"], tbr_fit(y, x, post, seed=3)["draws"])  # seeded: the same answer
    # p below 1 - confidence exactly when the interval leaves out 0
    for f in (planted, again):
        assert (f["p_value"] < 0.05) == (abs(f["cumulative"]) > f["critical"] * f["scale"])


def test_matched_markets_one_headline_and_synthetic_agrees(matched_markets):
    sales, groups = matched_markets
    sched = pd.DataFrame({"location": groups["geo"].astype(str), "start": MM_POST[0], "end": MM_POST[1],
                          "group": groups["geo.group"]})
    sales = sales.loc[pd.to_datetime(sales["date"]) <= MM_POST[1]]
    r = promo.analyze(sales, schedule=sched, baseline=MM_PRE, spend=50_000)
    assert r.design == "tbr" and r.design_rule["groups"]
    assert r.total == pytest.approx(147337.122, abs=0.01) and r.lift == pytest.approx(0.17396, abs=1e-5)
    assert r.significant
    synth = {c["design"]: c for c in r.robustness}["synthetic"]
    assert synth["estimate"] > 0 and synth["significant"]  # same sign and significance
    assert not r.headline()["robustness_disagree"]


# ------------------------------------------------------------------------- generated chain of stores

def chain(n_stores: int = 30, days: int = 120, promo_days: int = 21, treated=("S00",), lift: float = 0.0,
          seed: int = 7) -> pd.DataFrame:
    """Stores of very different sizes sharing a weekly pattern and a common trend, with AR(1) noise;
    ``lift`` (fraction) is added to the treated stores over the last ``promo_days`` days."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2026-01-01", periods=days)
    week = 1 + 0.25 * np.sin(2 * np.pi * dates.day_of_week / 7)
    common = np.cumsum(rng.normal(0, 0.01, days))
    sizes = np.exp(rng.uniform(np.log(50), np.log(5000), n_stores))
    rows = []
    for i in range(n_stores):
        e = np.zeros(days)
        shocks = rng.normal(0, 0.03, days)
        for t in range(days):
            e[t] = 0.6 * (e[t - 1] if t else 0) + shocks[t]
        y = sizes[i] * week * np.exp(common + e)
        name = f"S{i:02d}"
        if name in treated:
            y = y * np.where(np.arange(days) >= days - promo_days, 1 + lift, 1)
        rows.append(pd.DataFrame({"location": name, "date": dates, "revenue": y}))
    # the first treated store is made a mix of controls so a synthetic control exists for it
    out = pd.concat(rows, ignore_index=True)
    return out


def _periods(days=120, promo_days=21):
    dates = pd.date_range("2026-01-01", periods=days)
    return ((str(dates[0].date()), str(dates[-promo_days - 1].date())),
            (str(dates[-promo_days].date()), str(dates[-1].date())))


def test_planted_effect_recovered_by_each_estimator():
    pre, post = _periods()
    data = chain(lift=0.15, treated=("S00", "S01", "S02"))
    sc = promo.synthetic_control(data, treated=["S00", "S01", "S02"], pre=pre, post=post)
    assert sc.lift == pytest.approx(0.15, abs=0.05) and sc.p_value < 0.05
    tbr = promo.time_based_regression(data, treated=["S00", "S01", "S02"],
                                      controls=[f"S{i:02d}" for i in range(3, 30)], pre=pre, post=post)
    assert tbr.lift == pytest.approx(0.15, abs=0.05) and tbr.ci_low > 0
    sched = {s: post for s in ("S00", "S01", "S02")}
    r = promo.analyze(data, schedule=sched, baseline=pre, robustness=False)
    assert r.design == "synthetic" and r.lift == pytest.approx(0.15, abs=0.05)


def test_no_effect_is_not_found_and_p_is_honest():
    pre, post = _periods()
    data = chain(lift=0.0, treated=("S00", "S01", "S02"), seed=11)
    sc = promo.synthetic_control(data, treated=["S00", "S01", "S02"], pre=pre, post=post)
    assert abs(sc.lift) < 0.05 and 0 < sc.p_value <= 1


def test_one_treated_location_against_three_controls_says_the_smallest_p():
    pre, post = _periods()
    data = chain(n_stores=4, lift=0.1)
    r = promo.analyze(data, schedule={"S00": post}, baseline=pre)
    assert r.design == "did"
    assert "few_assignments" in r.notes
    text = r.summary("en")
    assert "cannot give p below 0.25 (1/4)" in text
    assert "1/4" in r.summary("vi")


def test_design_rule_and_override():
    pre, post = _periods()
    data = chain(n_stores=10, lift=0.1)
    assert promo.analyze(data, schedule={"S00": post}, baseline=pre, robustness=False).design == "synthetic"
    wide = promo.analyze(data, schedule={"S00": post}, baseline=pre, robustness=False, did_max_controls=20)
    assert wide.design == "did" and "at most 20" in wide.summary("en")
    forced = promo.analyze(data, schedule={"S00": post}, baseline=pre, method="tbr", robustness=False)
    assert forced.design == "tbr" and forced.design_rule["method"] == "tbr"
    assert "as asked" in forced.summary("en")


def test_bad_input_is_refused_clearly():
    pre, post = _periods()
    data = chain(n_stores=8)
    with pytest.raises(ValueError, match=r"treated: 1 location\(s\) not in sales.location: \['S99'\]"):
        promo.synthetic_control(data, treated=["S99"], pre=pre, post=post)
    with pytest.raises(ValueError, match="at least 14 baseline days"):
        promo.synthetic_control(data, treated=["S00"], pre=("2026-04-01", "2026-04-09"), post=post)
    with pytest.raises(ValueError, match="at least 14 baseline days"):
        promo.time_based_regression(data, treated=["S00"], controls=["S01"], pre=("2026-04-01", "2026-04-09"),
                                    post=post)
    with pytest.raises(ValueError, match="schedule.location"):
        promo.analyze(data, schedule={"S99": post}, baseline=pre)
    holes = data.drop(data.index[(data["location"] == "S03") & (data["date"] == "2026-02-03")])
    with pytest.raises(ValueError, match=r"1 location-day\(s\) are missing, e.g. \[\('2026-02-03', 'S03'\)\]"):
        promo.synthetic_control(holes, treated=["S00"], pre=pre, post=post)
    with pytest.raises(ValueError, match="scale='log' does not apply"):
        promo.analyze(data, schedule={"S00": post}, baseline=pre, scale="log", method="synthetic")


def test_simplex_weights_match_scipy_on_a_small_problem():
    from scipy.optimize import minimize

    from kpi_analysis.promo.synthetic import simplex_weights
    rng = np.random.default_rng(3)
    X = rng.normal(0, 1, (40, 6))
    y = X @ np.array([0.5, 0.3, 0.2, 0, 0, 0]) + rng.normal(0, 0.3, 40)
    w = simplex_weights(y, X)
    ref = minimize(lambda v: ((y - X @ v) ** 2).sum(), np.full(6, 1 / 6), method="SLSQP", bounds=[(0, 1)] * 6,
                   constraints=[{"type": "eq", "fun": lambda v: v.sum() - 1}], options={"ftol": 1e-12})
    assert np.allclose(w, ref.x, atol=1e-4)


# ---------------------------------------------------------------------------- kpi-report end to end

def _write_chain(folder, n_stores: int, treated: tuple) -> tuple[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    pre, post = _periods()
    d = chain(n_stores=n_stores, treated=treated, lift=0.12, seed=5)
    d["revenue"] = (d["revenue"] * 1000).round(0)
    d["orders"] = (d["revenue"] / 250_000).round(0).astype(int)
    d.assign(date=d["date"].dt.strftime("%Y-%m-%d"))[["date", "location", "revenue", "orders"]].to_csv(
        folder / "sales.csv", index=False)
    pd.DataFrame({"location": list(treated), "start": post[0], "end": post[1]}).to_csv(folder / "promotions.csv",
                                                                                    index=False)
    return f"{pre[0]}..{pre[1]}", post[1][:7]


def _run_page(tmp_path, n_stores, treated, locale):
    import json
    import re
    from pathlib import Path

    from click.testing import CliRunner

    from kpi_analysis import cli
    root = Path(__file__).resolve().parents[1]
    baseline, period = _write_chain(tmp_path / "data", n_stores, treated)
    res = CliRunner().invoke(cli.cli, ["run", "--config", str(root / "workbook.yml"), "--data", str(tmp_path / "data"),
                                       "--out", str(tmp_path / "out"), "--period", period, "--only",
                                       "03_location_ab_test", "--locale", locale, "-p", "baseline", baseline],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    folder = tmp_path / "out" / period
    entry = next(e for e in json.loads((folder / "manifest.json").read_text())["notebooks"]
                 if e["name"].startswith("03"))
    page = (folder / "03_location_ab_test.html").read_text(encoding="utf-8")
    return entry["headline"], [re.sub("<[^>]+>", "", p) for p in re.findall(r"<p>(.*?)</p>", page)]


@pytest.mark.slow
def test_one_treated_against_three_controls_through_kpi_report(tmp_path):
    head, lines = _run_page(tmp_path, 4, ("S00",), "en")
    assert head["promo_design"] == "did" and head["promo_test"]["design_rule"]["n_controls"] == 3
    assert any("cannot give p below 0.25 (1/4)" in line for line in lines)
    # the power of the design that ran: randomization over 4 assignments can never detect anything
    assert any(line.startswith("This test could not detect any lift: with difference-in-differences over so few "
                               "stores, randomization cannot give a p-value below 0.05") for line in lines)
    assert head["promo_mde"] is None  # infinite: no lift is detectable


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en", "vi"])
def test_many_locations_page_headline_checks_and_manifest_agree(tmp_path, locale):
    head, lines = _run_page(tmp_path, 30, ("S00", "S01", "S02"), locale)
    test = head["promo_test"]
    assert head["promo_design"] == test["design"] == "synthetic"
    assert head["promo_lift"] == test["lift"] and head["promo_p_value"] == test["p_value"]
    assert lines[0] == head["answer"]
    assert {c["design"] for c in test["robustness"]} == {"did", "tbr"}
    assert head["promo_robustness_disagree"] == any(c["disagrees"] for c in test["robustness"])
    caution = "Caution" if locale == "en" else "Lưu ý"
    assert any(line.startswith(caution) for line in lines[:3]) == head["promo_robustness_disagree"]
    assert any(line.startswith("Robustness checks" if locale == "en" else "Kiểm tra độ vững") for line in lines)
    # the power of the synthetic control that ran, on its own stores and days
    power = "The test of S00, S01 and S02 (synthetic control)" if locale == "en" else \
        "Phép thử tại S00, S01 và S02 (đối chứng tổng hợp)"
    assert any(line.startswith(power) for line in lines) and 0 < head["promo_mde"] < 0.5


@pytest.mark.slow
def test_a_schedule_in_day_first_dates_is_read_as_the_job_says(tmp_path):
    """A schedule whose dates read both ways (01/04/2026 .. 12/04/2026) is refused with the parameter to
    set, and read day first when the job sets schedule_dayfirst."""
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from kpi_analysis import cli
    root = Path(__file__).resolve().parents[1]
    _write_chain(tmp_path / "data", 4, ("S00",))
    (tmp_path / "data" / "promotions.csv").write_text("location,start,end\nS00,01/04/2026,12/04/2026\n",
                                                      encoding="utf-8")

    def run(*extra):
        return CliRunner().invoke(cli.cli, ["run", "--config", str(root / "workbook.yml"), "--data",
                                            str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--period",
                                            "2026-04", "--only", "03_location_ab_test", "-p", "baseline",
                                            "2026-01-01..2026-03-31", *extra], catch_exceptions=False)

    refused = run()
    assert refused.exit_code != 0
    assert "schedule_dayfirst" in refused.output and "'01/04/2026' is 2026-04-01" in refused.output
    res = run("-p", "schedule_dayfirst", "true")
    assert res.exit_code == 0, res.output
    entry = next(e for e in json.loads((tmp_path / "out" / "2026-04" / "manifest.json").read_text())["notebooks"]
                 if e["name"].startswith("03"))
    assert entry["headline"]["promo_test"]["treated_days"] == 12  # 1-12 April, not 4 January to 4 December
