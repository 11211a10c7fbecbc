"""Edge cases of the scorecard's statistics: a sample without variation gets no test and no interval (not
p = 0 and the interval (4.0, 4.0)); small samples get neither (the sizes the calibration study supports); a
zero target's amber band is stated in the KPI's own unit in the config; and the calibration studies run."""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import scorecard
from kpi_analysis.scorecard import stats

FOURS = {"numerator": 40.0, "denominator": 10, "sum_sq": 160.0}  # ten employees who all answer 4
FIVES = {"numerator": 50.0, "denominator": 10, "sum_sq": 250.0}


def _row(card, kpi):
    return card.table.set_index("kpi").loc[kpi]


def _codes(card):
    return [n["code"] for n in card.notes]


def _survey_series(waves):
    """The reduced rows of employee satisfaction, one monthly wave each: (n, [scores])."""
    rows = []
    for i, scores in enumerate(waves):
        x = np.asarray(scores, dtype=float)
        rows.append({"kpi": "employee_satisfaction", "period": str(pd.Period("2026-01", "M") + i), "by": "all",
                     "group": "all", "value": x.mean(), "numerator": x.sum(), "denominator": float(len(x)),
                     "sum_sq": float((x * x).sum()), "detractors": np.nan, "passives": np.nan, "promoters": np.nan,
                     "excluded": 0.0})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# no variation: no test, no interval, a note
# --------------------------------------------------------------------------------------------------

def test_two_flat_surveys_have_no_change_test():
    assert math.isnan(stats.change_pvalue(FOURS, FIVES, method="mean"))  # was 0.0
    assert math.isnan(stats.change_pvalue(FOURS, FOURS, method="mean"))  # was 1.0
    assert stats.no_variation(FOURS, method="mean") and not stats.no_variation(
        {"numerator": 41.0, "denominator": 10, "sum_sq": 171.0}, method="mean")
    # one flat period and one that varies: Welch's test is defined (its variance comes from the other)
    p = stats.change_pvalue(FOURS, {"numerator": 55.0, "denominator": 10, "sum_sq": 325.0}, method="mean")
    assert 0 < p < 1


def test_a_flat_survey_has_no_interval():
    lo, hi = stats.interval(FOURS, method="mean")
    assert math.isnan(lo) and math.isnan(hi)  # was (4.0, 4.0)


def test_flat_shares_in_both_periods_have_no_test_but_keep_their_wilson_interval():
    none = {"numerator": 0, "denominator": 50}
    assert math.isnan(stats.change_pvalue(none, {"numerator": 0, "denominator": 60}, method="proportion"))
    assert stats.change_pvalue(none, {"numerator": 60, "denominator": 60}, method="proportion") < 1e-6
    lo, hi = stats.interval(none, method="proportion")
    assert lo == 0.0 and hi == pytest.approx(0.0713, abs=1e-4)  # bounded by 0, not 6.9e-18


def test_scorecard_says_why_a_flat_survey_has_no_interval_or_test():
    card = scorecard.build(_survey_series([[4] * 10, [5] * 10]), period="2026-02")
    r = _row(card, "employee_satisfaction")
    assert r["value"] == 5.0 and np.isnan(r["ci_low"]) and np.isnan(r["p_value"]) and not r["flagged"]
    assert {"no_variation", "no_variation_change"} <= set(_codes(card))
    lines = card.note_lines("en")
    assert any("every answer in February 2026 is the same (5.00 of 10)" in s for s in lines)
    assert any("do not vary within February 2026 nor within January 2026" in s for s in lines)
    assert any("mọi câu trả lời trong tháng 2/2026 đều như nhau" in s for s in card.note_lines("vi"))


def test_a_survey_that_varies_keeps_its_test_and_interval():
    rng = np.random.default_rng(20261028)
    card = scorecard.build(_survey_series([rng.integers(3, 11, 40), rng.integers(3, 11, 40)]), period="2026-02")
    r = _row(card, "employee_satisfaction")
    assert not np.isnan(r["ci_low"]) and 0 < r["p_value"] < 1


# --------------------------------------------------------------------------------------------------
# small samples: no interval and no change test below spec.MIN_N
# --------------------------------------------------------------------------------------------------

def _shares(counts):
    rows = [{"kpi": "client_engagement", "period": str(pd.Period("2026-01", "M") + i), "by": "all", "group": "all",
             "value": k / n, "numerator": float(k), "denominator": float(n), "sum_sq": np.nan, "detractors": np.nan,
             "passives": np.nan, "promoters": np.nan, "excluded": 0.0} for i, (k, n) in enumerate(counts)]
    return pd.DataFrame(rows)


def test_small_shares_get_no_interval_and_no_test():
    assert scorecard.spec.MIN_N == {"proportion": 30, "mean": 10, "nps": 30}
    card = scorecard.build(_shares([(5, 20), (15, 20)]), period="2026-02")  # 25% -> 75% of 20 clients
    r = _row(card, "client_engagement")
    assert np.isnan(r["ci_low"]) and np.isnan(r["p_value"]) and not r["flagged"]
    assert any(n["code"] == "small" and n["min_n"] == 30 for n in card.notes)
    before = scorecard.build(_shares([(5, 20), (30, 40)]), period="2026-02")  # only the previous period is small
    r = _row(before, "client_engagement")
    assert not np.isnan(r["ci_low"]) and np.isnan(r["p_value"])
    assert any("January 2026 has a small sample (20, fewer than 30)" in s for s in before.note_lines("en"))
    big = scorecard.build(_shares([(15, 60), (45, 60)]), period="2026-02")
    assert bool(_row(big, "client_engagement")["flagged"])


# --------------------------------------------------------------------------------------------------
# a zero target: the amber band in the KPI's own unit, from the config
# --------------------------------------------------------------------------------------------------

def _enps(value_counts):
    d, pa, pr = value_counts
    n = d + pa + pr
    return pd.DataFrame([{"kpi": "enps", "period": p, "by": "all", "group": "all", "value": 100 * (pr - d) / n,
                          "numerator": float(pr - d), "denominator": float(n), "sum_sq": np.nan, "detractors": float(d),
                          "passives": float(pa), "promoters": float(pr), "excluded": 0.0}
                         for p in ("2026-09", "2026-10")])


def test_zero_target_tolerance_is_not_a_fraction_of_zero():
    assert stats.status(-0.04, 0, tolerance=0.05) == "red"  # was amber: 0.05 read as 0.05 points
    assert stats.status(-3, 0, zero_band=5) == "amber" and stats.status(-6, 0, zero_band=5) == "red"
    assert stats.status(0.01, 0, direction="lower_is_better", zero_band=0.02) == "amber"
    with pytest.raises(ValueError, match="zero_band must be a number >= 0 in the KPI's unit"):
        stats.status(-3, 0, zero_band=-1)


def test_zero_target_band_comes_from_the_config_in_the_kpis_unit():
    data = _enps((41, 40, 39))  # eNPS -1.7 against a target of 0
    plain = scorecard.build(data, period="2026-10", config={"targets": {"enps": {"target": 0}}})
    assert _row(plain, "enps")["status"] == "red"
    assert "zero_target" in _codes(plain)
    assert any("targets.enps.zero_band" in s for s in plain.note_lines("en"))
    banded = scorecard.build(data, period="2026-10", config={"targets": {"enps": {"target": 0, "zero_band": 5}}})
    assert _row(banded, "enps")["status"] == "amber" and "zero_target" not in _codes(banded)
    with pytest.raises(ValueError, match=r"targets.enps.zero_band must be a number >= 0 in the KPI's own unit"):
        scorecard.build(data, period="2026-10", config={"targets": {"enps": {"target": 0, "zero_band": "5"}}})


# --------------------------------------------------------------------------------------------------
# the calibration studies run (small replicate counts, wide bounds; the full run is benchmarks/calibration.py)
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def studies(root):
    sys.path.insert(0, str(Path(root) / "benchmarks"))
    from calibration_studies import scorecard as module

    return module.STUDIES


def test_calibration_studies_cover_each_change_test_and_interval(studies):
    names = " ".join(s.name for s in studies)
    for what in ("share change", "mean-score change", "NPS change", "share interval", "mean-score interval",
                 "NPS interval"):
        assert what in names
    assert all(s.replicates >= 2000 for s in studies)
    assert {s.measure for s in studies} == {"size", "coverage"}


@pytest.mark.slow
def test_calibration_studies_are_near_nominal_on_a_few_replicates(studies):
    for study in studies:
        out = study.run(400, 20261028)
        rate = out["hits"] / out["n"]
        if study.measure == "size":
            assert 0.01 <= rate <= 0.10, (study.name, rate)
        else:
            assert 0.90 <= rate <= 0.99, (study.name, rate)
