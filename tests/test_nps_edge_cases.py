"""NPS edge cases from the statistics issue: no answers, one answer, an empty month in a trend."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import nps


@pytest.mark.parametrize("method", ["adjusted_wald", "wald", "bootstrap"])
def test_no_answers_give_no_estimate_and_no_interval(method):
    # before: adjusted Wald gave 0 pseudo-answers an interval of -80 to +80 around NaN
    est = nps.from_counts(0, 0, 0, method=method)
    assert math.isnan(est.nps) and math.isnan(est.se)
    assert math.isnan(est.ci_low) and math.isnan(est.ci_high)
    assert est.notes.codes() == ["no_answers"]
    assert "no answers" in est.summary() and "không có câu trả lời" in est.summary("vi")


def test_an_empty_month_in_a_trend_is_a_gap_with_a_note():
    rows = pd.DataFrame({"responded_at": pd.to_datetime(["2026-08-05"] * 40 + ["2026-10-05"] * 40),
                         "score": [3, 8, 9, 10] * 20})
    t = nps.trend(rows, freq="M").table.set_index("period")
    september = t.loc[pd.Timestamp("2026-09-01")]
    assert september["n"] == 0 and september["notes"] == "no_answers"
    for column in ("nps", "se", "ci_low", "ci_high", "change", "p_value"):
        assert math.isnan(september[column]), column
    assert t["ci_low"].notna().sum() == 2


@pytest.mark.parametrize("counts", [(0, 0, 1), (1, 0, 0)])
def test_one_answer_interval_holds_the_estimate(counts):
    # before: from_counts(0, 0, 1) gave NPS +100 with an interval ending at +98.5
    est = nps.from_counts(*counts)
    assert est.ci_low <= est.nps <= est.ci_high
    assert abs(est.nps) == 100 and "ci_widened" in est.notes
    assert "stretched to include the observed score" in est.summary()
    assert "nới rộng" in est.summary("vi")


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_every_small_sample_interval_holds_its_estimate(confidence):
    for n in range(1, 16):
        for d in range(n + 1):
            for r in range(n - d + 1):
                est = nps.from_counts(d, n - d - r, r, confidence=confidence)
                assert est.ci_low <= est.nps <= est.ci_high, (d, n - d - r, r)


def test_segment_and_trend_tables_carry_the_widened_note():
    rows = pd.DataFrame({"region": ["A"] * 60 + ["B"] * 60 + ["C"],
                         "score": [10, 9, 3] * 20 + [10, 8, 7] * 20 + [10],
                         "responded_at": pd.to_datetime(["2026-09-05"] * 120 + ["2026-10-05"])})
    seg = nps.segment(rows, by="region", shrink=False).table.set_index("region")
    assert seg.loc["C", "notes"] == "small_sample,ci_widened" and seg.loc["C", "ci_high"] == 100
    tr = nps.trend(rows, freq="M").table
    assert tr["notes"].iloc[-1] == "small_sample,ci_widened"
    assert np.all(tr["ci_low"] <= tr["nps"]) and np.all(tr["nps"] <= tr["ci_high"])
