"""The NPS of a report period (month, ISO week, quarter, year): one number per concept, windows named.

From the manager's-report and report-cadence issues: the page's headline NPS is the period's answers
(the scorecard's number for the period); with fewer than 100 answers it is the trailing 3 months (13
weeks for a week), named in the sentence beside the period's own count, in English and Vietnamese.
"""
from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import nps

ROOT = Path(__file__).resolve().parents[1]


def _answers(spec) -> pd.DataFrame:
    """Rows from {(first day, last day): (detractors, passives, promoters)}, spread evenly over the days."""
    frames = []
    for (first, last), (d, p, r) in spec.items():
        scores = [3] * d + [7] * p + [10] * r
        days = pd.date_range(first, last, freq="D")
        when = days[np.arange(len(scores)) % len(days)] + pd.Timedelta(hours=15)
        frames.append(pd.DataFrame({"responded_at": when, "score": scores}))
    out = pd.concat(frames, ignore_index=True)
    return out.assign(region=np.where(np.arange(len(out)) % 3 == 0, "A", "B"))


# --------------------------------------------------------------------------------------------------
# windows


@pytest.mark.parametrize(("period", "first", "last"), [
    ("2026-10", "2026-08-01", "2026-10-31"),
    ("2026-W43", "2026-07-27", "2026-10-25"),
    ("2026-W01", "2025-10-06", "2026-01-04"),
    ("2026-Q3", "2026-07-01", "2026-09-30"),
    ("2026", "2026-01-01", "2026-12-31"),
])
def test_trailing_window_is_three_months_or_thirteen_weeks_ending_with_the_period(period, first, last):
    assert [str(d.date()) for d in nps.trailing_window(period)] == [first, last]


def test_a_longer_window_for_segments_ends_with_the_period_too():
    assert [str(d.date()) for d in nps.trailing_window("2026-10", months=12)] == ["2025-11-01", "2026-10-31"]
    assert [str(d.date()) for d in nps.trailing_window("2026-Q3", months=12)] == ["2025-10-01", "2026-09-30"]
    assert [str(d.date()) for d in nps.trailing_window("2026-W43", months=12, weeks=None)] == \
        ["2025-10-26", "2026-10-25"]


# --------------------------------------------------------------------------------------------------
# the period's NPS


def test_a_period_with_enough_answers_is_headlined_by_its_own_answers():
    rows = _answers({("2026-09-01", "2026-09-30"): (50, 50, 100), ("2026-10-01", "2026-10-31"): (30, 30, 60)})
    res = nps.for_period(rows, period="2026-10")
    direct = nps.estimate(rows.loc[rows["responded_at"] >= "2026-10-01", "score"])
    assert res.window == "period" and res.n == res.period_n == 120
    assert (res.nps, res.ci_low, res.ci_high) == (direct.nps, direct.ci_low, direct.ci_high)
    assert res.summary() == "October 2026: " + direct.summary()
    assert res.summary("vi").startswith("Tháng 10/2026: NPS +25,0")


def test_a_week_with_few_answers_uses_the_trailing_thirteen_weeks_named_in_both_languages():
    # 9 answers in week 43: never shown as a weekly NPS of its own
    rows = _answers({("2026-06-01", "2026-07-26"): (40, 40, 40), ("2026-07-27", "2026-10-18"): (30, 60, 110),
                     ("2026-10-19", "2026-10-25"): (1, 2, 6)})
    res = nps.for_period(rows, period="2026-W43")
    inside = rows.loc[rows["responded_at"].between("2026-07-27", "2026-10-25 23:59")]
    direct = nps.estimate(inside["score"])
    assert res.window == "trailing" and res.period_n == 9 and res.n == 209
    assert (res.window_start, res.window_end) == ("2026-07-27", "2026-10-25")
    assert (res.nps, res.ci_low, res.ci_high) == (direct.nps, direct.ci_low, direct.ci_high)
    en, vi = res.summary("en"), res.summary("vi")
    assert en.startswith("Week 43 of 2026 (Oct 19, 2026 to Oct 25, 2026): 9 answers, too few for an NPS of their "
                         "own (fewer than 100); over the trailing 13 weeks (Jul 27, 2026 to Oct 25, 2026) NPS ")
    assert vi.startswith("Tuần 43/2026 (19/10/2026 đến 25/10/2026): 9 câu trả lời, quá ít để tính NPS "
                         "riêng (dưới 100); trong 13 tuần gần nhất (27/07/2026 đến 25/10/2026) NPS ")
    assert f"{res.n:,} answers" in en and "+55.6" not in en  # the week's own NPS is not shown
    head = res.headline()
    assert head["nps"] == res.nps and head["period_n"] == 9 and head["window"] == "trailing"
    json.dumps(head, allow_nan=False)


def test_a_month_with_few_answers_uses_the_trailing_three_months():
    rows = _answers({("2026-08-01", "2026-09-30"): (40, 60, 100), ("2026-10-01", "2026-10-31"): (10, 20, 30)})
    res = nps.for_period(rows, period="2026-10")
    assert res.window == "trailing" and res.period_n == 60 and res.n == 260
    assert "over the trailing 3 months (Aug 1, 2026 to Oct 31, 2026)" in res.summary()
    assert "trong 3 tháng gần nhất (01/08/2026 đến 31/10/2026)" in res.summary("vi")


def test_a_quarter_with_few_answers_keeps_its_own_answers_and_says_so():
    rows = _answers({("2026-07-01", "2026-09-30"): (20, 20, 40)})
    res = nps.for_period(rows, period="2026-Q3")
    assert res.window == "period" and res.n == res.period_n == 80
    assert "few_period_answers" in res.notes
    assert "fewer than 100 answers" in res.summary() and "dưới 100 câu trả lời" in res.summary("vi")


def test_a_period_without_answers_has_no_number():
    rows = _answers({("2026-01-01", "2026-03-31"): (20, 20, 40)})
    res = nps.for_period(rows, period="2026-W43")
    assert res.period_n == 0 and res.n == 0 and math.isnan(res.nps) and math.isnan(res.ci_low)
    assert "no answers" in res.summary()


def test_the_headline_agrees_with_the_scorecard_on_the_sample(sample_table):
    """The scorecard's NPS for October 2026 and for Q3 2026 counts the same answers as the NPS page."""
    from kpi_analysis import scorecard

    responses = sample_table("nps_responses")
    for freq, period, label in (("M", "2026-10", "2026-10"), ("Q", "2026-Q3", "2026Q3"),
                                ("W", "2026-W43", "2026-10-19/2026-10-25")):
        t = scorecard.reduce({"nps_responses": responses}, freq=freq)
        row = t.loc[(t["kpi"] == "nps") & (t["by"] == scorecard.ALL) & (t["period"].astype(str) == label)].iloc[0]
        res = nps.for_period(responses, period=period)
        own = res.period_estimate
        assert (own.n, own.nps) == (int(row["denominator"]), pytest.approx(row["value"], abs=1e-9)), period
        if res.period_n >= 100:
            assert res.nps == own.nps
    assert nps.for_period(responses, period="2026-10").nps == pytest.approx(41.944, abs=1e-3)  # "+41.9"


# --------------------------------------------------------------------------------------------------
# sentences that read another window name it


def test_segment_and_what_if_sentences_name_their_window():
    rows = _answers({("2025-11-01", "2026-10-31"): (60, 60, 120)})
    seg = nps.segment(rows, by="region", start="2025-11-01", end="2026-10-31")
    assert seg.summary().startswith("Answers from Nov 1, 2025 to Oct 31, 2026: overall NPS +25.0")
    assert seg.summary("vi").startswith("Câu trả lời từ 01/11/2025 đến 31/10/2026: NPS chung +25,0")
    assert (seg.start, seg.end) == ("2025-11-01", "2026-10-31") and seg.headline()["start"] == "2025-11-01"
    w = nps.what_if(rows, by="region", start="2025-11-01", end="2026-10-31")
    assert w.summary().startswith("Answers from Nov 1, 2025 to Oct 31, 2026: if 10% of detractors became")
    assert nps.segment(rows, by="region").summary().startswith("Overall NPS")  # unbounded: as before


def test_the_trend_follows_the_report_kind_and_ends_with_the_period():
    rows = _answers({("2025-06-01", "2026-10-25"): (300, 300, 600)})
    for period, freq, count, last in (("2026-W43", "W-SUN", 13, "2026-10-19"), ("2026-10", "M", 13, "2026-10-01"),
                                      ("2026-Q3", "Q-SEP", 8, "2026-07-01"), ("2026", "Q-DEC", 8, "2026-10-01")):
        t = nps.trend(rows, period=period)
        assert t.freq == freq and len(t.table) == count and str(t.table["period"].iloc[-1].date()) == last, period
    weekly = nps.trend(rows, period="2026-W43")
    assert weekly.summary().startswith("Week of Oct 19, 2026: NPS")
    assert weekly.summary("vi").startswith("Tuần từ 19/10/2026: NPS")
    empty = nps.trend(rows, period="2026-W45", periods=4).table  # the report's week has no answers yet
    assert str(empty["period"].iloc[-1].date()) == "2026-11-02" and empty["n"].iloc[-1] == 0
    assert math.isnan(empty["nps"].iloc[-1])
    with pytest.raises(ValueError, match="not both"):
        nps.trend(rows, period="2026-10", start="2026-01")


# --------------------------------------------------------------------------------------------------
# the notebook through the runner, for a week and a quarter


def _run(tmp_path, period, locale="en"):
    from kpi_analysis import report

    res = report.run(ROOT / "workbook.yml", period=period, only=["04_nps_segmentation"], locale=locale,
                     out_dir=tmp_path / f"{period}-{locale}")
    assert res.status == "ok", res.manifest["notebooks"]
    entry = res.manifest["notebooks"][0]
    return entry, (res.report_dir / entry["outputs"]["html"]).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("period", ["2026-W43", "2026-Q3"])
def test_the_notebook_records_what_nps_gives_on_the_same_answers(tmp_path, sample_table, period):
    from kpi_analysis import report
    from kpi_analysis.core.results import jsonable

    responses = sample_table("nps_responses")
    entry, page = _run(tmp_path, period)
    declared = report.notebook_parameters(ROOT / "notebooks" / "04_nps_segmentation.ipynb")
    assert "window" not in declared  # the "every answer ever" headline is gone
    p = {name: ast.literal_eval(spec.default) for name, spec in declared.items()} | entry["parameters"]
    settings = {"method": p["method"], "confidence": p["confidence"], "min_n": p["min_n"], "seed": p["seed"]}
    policies = {"early_days": p["early_days"], "early": p["early"], "latest_only": p["latest_only"]}
    head = nps.for_period(responses, period=period, min_period_n=p["min_period_n"], **settings, **policies)
    rec = entry["headline"]
    assert rec["nps"] == head.nps and entry["concepts"] == {f"nps@{period}": head.nps}
    assert rec["nps_answers"] == head.n and rec["nps_period_answers"] == head.period_n
    assert rec["nps_headline"] == jsonable(head.headline())
    assert rec["answer"] == head.summary("en").split("\n")[0]
    start, end = (str(d.date()) for d in nps.trailing_window(period, months=p["segment_months"], weeks=None))
    seg = nps.segment(responses, by=p["segment_by"], adjust=p["adjust"], reference=p["reference"], start=start,
                      end=end, **settings, **policies)
    assert rec["nps_segments"] == jsonable(seg.headline())
    trend = nps.trend(responses, period=period, adjust=p["adjust"], **settings, **policies)
    assert rec["nps_trend"] == jsonable(trend.headline())
    if period == "2026-W43":
        assert head.window == "trailing" and head.period_n < 100
        assert "67 answers, too few for an NPS of their own" in page
        assert "over the trailing 13 weeks (Jul 27, 2026 to Oct 25, 2026)" in page
        assert trend.freq == "W-SUN"
    else:
        assert head.window == "period" and rec["answer"].startswith("Q3 2026: NPS +42.2")
        assert trend.freq == "Q-SEP"
    assert "Answers from " in page  # the segment window is named


@pytest.mark.slow
def test_the_weekly_page_names_its_trailing_window_in_vietnamese(tmp_path):
    entry, page = _run(tmp_path, "2026-W43", locale="vi")
    assert entry["headline"]["answer"].startswith("Tuần 43/2026 (19/10/2026 đến 25/10/2026): 67 câu trả "
                                                  "lời, quá ít để tính NPS riêng (dưới 100); trong 13 tuần gần nhất "
                                                  "(27/07/2026 đến 25/10/2026) NPS +42,0")
    assert "Câu trả lời từ 26/10/2025 đến 25/10/2026" in page
