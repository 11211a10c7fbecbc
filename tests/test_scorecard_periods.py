"""The scorecard answers for any report period (week, month, quarter, year): the period text says its kind,
the KPIs of that period equal hand computations on the sample data, targets are aggregated by the rules
(sum, mean or last; weeks pro rata by days, also across two months), a partial quarter or year published on
purpose gets pro-rated targets and says so, and the notebook run by ``kpi-report run --period ...`` publishes
the numbers the analysis gives when called directly."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import nps, scorecard
from kpi_analysis.core.periods import parse_period

NAMES = ["leads", "sales", "nps_responses", "marketing_spend", "competitor_prices", "client_activity",
         "employee_survey", "kpi_targets"]


@pytest.fixture(scope="module")
def tables(sample_table):
    return {n: sample_table(n) for n in NAMES}


def _row(card, kpi):
    return card.table.set_index("kpi").loc[kpi]


def _days(series, period):
    p = parse_period(period)
    return (series >= p.start) & (series < p.end + pd.Timedelta(days=1))


def _nps(scores) -> float:
    s = pd.Series(scores, dtype="Float64").dropna()
    return 100 * ((s >= 9).sum() - (s <= 6).sum()) / len(s)


def _table_target(targets, kpi, periods) -> list[float]:
    t = targets.set_index(["kpi", "period"])["target"]
    return [float(t.loc[(kpi, p)]) for p in periods]


# --------------------------------------------------------------------------------------------------
# each kind of period on the sample data, against hand computations
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("period, previous, last_year", [
    ("2026-W43", "2026-W42", "2025-W43"), ("2026-Q3", "2026-Q2", "2025-Q3"), ("2025", "2024", "2024"),
    ("2026-10", "2026-09", "2025-10")])
def test_each_kind_of_period_equals_the_sums_of_its_days(tables, period, previous, last_year):
    card = scorecard.build(tables, period=period, nps_min_n=1)  # the period's own answers, however few
    assert (card.period, card.previous, card.last_year) == (period, previous, last_year)
    assert card.freq == parse_period(period).freq
    sales, leads, answers = tables["sales"], tables["leads"], tables["nps_responses"]
    revenue = _row(card, "revenue")
    assert revenue["value"] == pytest.approx(sales.loc[_days(sales["date"], period), "revenue"].sum(), rel=1e-12)
    assert revenue["previous"] == pytest.approx(sales.loc[_days(sales["date"], previous), "revenue"].sum(), rel=1e-12)
    assert revenue["last_year"] == pytest.approx(sales.loc[_days(sales["date"], last_year), "revenue"].sum(),
                                                 rel=1e-12)
    assert _row(card, "orders")["value"] == sales.loc[_days(sales["date"], period), "orders"].sum()
    assert _row(card, "new_leads")["value"] == _days(leads["created_at"], period).sum()
    nps = _row(card, "nps")
    scores = answers.loc[_days(answers["responded_at"], period), "score"]
    assert nps["value"] == pytest.approx(_nps(scores)) and nps["n"] == scores.notna().sum()


def test_a_week_runs_monday_to_sunday_and_is_compared_with_the_same_iso_week_a_year_before(tables):
    card = scorecard.build(tables, period="2026-W43")
    assert str(parse_period("2026-W43").start.date()) == "2026-10-19"  # Monday
    sales = tables["sales"]
    week = sales[(sales["date"] >= "2026-10-19") & (sales["date"] <= "2026-10-25")]
    assert _row(card, "revenue")["value"] == pytest.approx(week["revenue"].sum(), rel=1e-12)
    before = sales[(sales["date"] >= "2025-10-20") & (sales["date"] <= "2025-10-26")]  # 2025-W43
    assert _row(card, "revenue")["last_year"] == pytest.approx(before["revenue"].sum(), rel=1e-12)
    assert set(card.history["period"]) >= {"2026-W43", "2026-W32"}  # the last 12 weeks, in the same spelling


def test_quarter_targets_from_the_sample_months(tables):
    card = scorecard.build(tables, period="2026-Q3")
    months = ["2026-07", "2026-08", "2026-09"]
    t = tables["kpi_targets"]
    r = _row(card, "revenue")
    assert r["target"] == pytest.approx(sum(_table_target(t, "revenue", months)))  # totals add up
    assert r["target_source"] == "months"
    assert _row(card, "nps")["target"] == pytest.approx(np.mean(_table_target(t, "nps", months)))  # rates average
    assert _row(card, "clients_at_risk")["target"] == _table_target(t, "clients_at_risk", ["2026-09"])[0]  # last


def test_a_year_without_twelve_monthly_targets_has_no_target(tables):
    card = scorecard.build(tables, period="2025")  # the sample's targets start in November 2025
    assert card.table["target"].isna().all() and (card.table["status"] == "no_target").all()


# --------------------------------------------------------------------------------------------------
# target rules on hand-made target books
# --------------------------------------------------------------------------------------------------

def _targets(rows):
    return pd.DataFrame([(k, p, v, "higher_is_better" if k != "clients_at_risk" else "lower_is_better",
                          "financial", "X") for k, p, v in rows],
                        columns=["kpi", "period", "target", "direction", "perspective", "owner"])


def _reduced(kpi, freq, periods, values):
    return pd.DataFrame({"kpi": kpi, "period": [str(pd.Period(p, scorecard.spec.pandas_freq(freq))) for p in periods],
                         "by": "all", "group": "all", "value": values, "numerator": values, "denominator": 1.0,
                         "sum_sq": np.nan, "detractors": np.nan, "passives": np.nan, "promoters": np.nan,
                         "excluded": 0.0})


def test_year_targets_combine_twelve_months_by_the_kpis_rule():
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    book = _targets([("revenue", m, 100.0 + i, ) for i, m in enumerate(months)]
                    + [("client_engagement", m, 0.5 + i / 100) for i, m in enumerate(months)]
                    + [("clients_at_risk", m, 40.0 - i) for i, m in enumerate(months)])
    data = pd.concat([_reduced(k, "Y", ["2024", "2025"], [1.0, 2.0])
                      for k in ("revenue", "client_engagement", "clients_at_risk")])
    card = scorecard.build(data, period="2025", targets=book)
    assert _row(card, "revenue")["target"] == pytest.approx(sum(100.0 + i for i in range(12)))
    assert _row(card, "client_engagement")["target"] == pytest.approx(np.mean([0.5 + i / 100 for i in range(12)]))
    assert _row(card, "clients_at_risk")["target"] == 29.0  # December's


def test_monthly_targets_in_the_config_combine_like_the_tables():
    data = _reduced("revenue", "Q", ["2026-04", "2026-07"], [1.0, 2.0])
    config = {"targets": {"revenue": {"target": {"2026-07": 100, "2026-08": 200, "2026-09": 300}}}}
    card = scorecard.build(data, period="2026-Q3", config=config)
    assert _row(card, "revenue")["target"] == 600.0 and _row(card, "revenue")["target_source"] == "months"
    month = scorecard.build(_reduced("revenue", "M", ["2026-07", "2026-08"], [1.0, 2.0]), period="2026-08",
                            config=config)
    assert _row(month, "revenue")["target"] == 200.0 and _row(month, "revenue")["target_source"] == "config"
    with pytest.raises(ValueError, match=r"targets.revenue.target: targets are set for months, quarters or years"):
        scorecard.build(data, period="2026-Q3", config={"targets": {"revenue": {"target": {"2026-W30": 5}}}})


def test_a_week_across_two_months_takes_each_months_days():
    # 2026-W40 runs Monday 28 September to Sunday 4 October: three days of September, four of October
    book = _targets([("revenue", "2026-09", 300.0), ("revenue", "2026-10", 620.0),
                     ("client_engagement", "2026-09", 0.5), ("client_engagement", "2026-10", 0.7),
                     ("clients_at_risk", "2026-09", 40.0), ("clients_at_risk", "2026-10", 30.0)])
    weeks = ["2026-09-21", "2026-09-28"]
    data = pd.concat([_reduced(k, "W", weeks, [1.0, 2.0]) for k in ("revenue", "client_engagement", "clients_at_risk")])
    card = scorecard.build(data, period="2026-W40", targets=book)
    assert _row(card, "revenue")["target"] == pytest.approx(300 * 3 / 30 + 620 * 4 / 31)  # totals pro rata by days
    assert _row(card, "client_engagement")["target"] == pytest.approx((3 * 0.5 + 4 * 0.7) / 7)  # day-weighted
    assert _row(card, "clients_at_risk")["target"] == 30.0  # a stock: the target of the week's last day
    assert _row(card, "revenue")["target_source"] == "coarser:2026-09,2026-10"
    assert any("September 2026 and October 2026" in s for s in card.note_lines("en"))
    inside = scorecard.build(data, period="2026-W39", targets=book)  # 21-27 September: September's share only
    assert _row(inside, "revenue")["target"] == pytest.approx(300 * 7 / 30)


def test_partial_quarter_prorates_targets_only_when_published_partial(tables):
    t = tables["kpi_targets"]
    full = scorecard.build(tables, period="2026-Q4")  # the sample ends on 31 October
    assert _row(full, "revenue")["target"] == pytest.approx(sum(_table_target(t, "revenue",
                                                                               ["2026-10", "2026-11", "2026-12"])))
    assert not any(n["code"] == "target_prorated" for n in full.notes)
    part = scorecard.build(tables, period="2026-Q4", allow_partial=True)
    r = _row(part, "revenue")
    assert r["target"] == pytest.approx(_table_target(t, "revenue", ["2026-10"])[0])  # October's days only
    assert r["target_source"] == "prorated:2026-10"
    assert _row(part, "nps")["target"] == _row(full, "nps")["target"]  # NPS answers are not checked for coverage
    noted = [n for n in part.notes if n["code"] == "target_prorated"]
    assert noted and noted[0]["days"] == 31 and noted[0]["total"] == 92 and "revenue" in noted[0]["kpis"]
    assert "pro-rated to the 31 of its 92 days that the data cover" in part.summary("en")
    assert "theo tỷ lệ 31 trên 92 ngày có dữ liệu" in part.summary("vi")
    month = scorecard.build(tables, period="2026-10", allow_partial=True)  # a complete period: nothing changes
    assert _row(month, "revenue")["target"] == _table_target(t, "revenue", ["2026-10"])[0]


def test_partial_quarter_to_mid_november_takes_half_of_november():
    sales = pd.DataFrame({"date": pd.date_range("2026-07-01", "2026-11-15"), "location": "A", "revenue": 10.0,
                          "orders": 1})
    book = _targets([("revenue", m, v) for m, v in (("2026-10", 310.0), ("2026-11", 300.0), ("2026-12", 310.0))]
                    + [("orders", "2026-Q4", 92.0)])
    card = scorecard.build({"sales": sales}, period="2026-Q4", targets=book, allow_partial=True)
    assert _row(card, "revenue")["target"] == pytest.approx(310 + 300 * 15 / 30)
    assert _row(card, "orders")["target"] == pytest.approx(92 * 46 / 92)  # a quarter's own target, pro rata
    assert _row(card, "revenue")["status"] == "green"  # 460 against 460: on target, as the covered days go
    year = scorecard.build({"sales": sales}, period="2026", targets=book, allow_partial=True)
    assert np.isnan(_row(year, "revenue")["target"])  # no target for January to September: none to pro-rate


# --------------------------------------------------------------------------------------------------
# the deprecated freq=, and totals of the wrong period length
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("freq, same_as", [("Q", "2026-Q4"), ("W", "2026-W43"), ("M", "2026-10"), ("Y", "2026")])
def test_freq_is_deprecated_and_keeps_its_meaning(tables, freq, same_as):
    with pytest.warns(DeprecationWarning, match=r"freq= is deprecated"):
        old = scorecard.build(tables, period="2026-10", freq=freq, kpis=["revenue", "nps"])
    new = scorecard.build(tables, period=same_as, kpis=["revenue", "nps"])
    assert old.period == same_as
    pd.testing.assert_frame_equal(old.table, new.table)


def test_new_period_forms_need_no_freq_and_warn_nothing(tables):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for period in ("2026-W43", "2026-Q3", "2026", "2026-10"):
            scorecard.build(tables, period=period, kpis=["revenue"])
            scorecard.check_catalogue(tables["kpi_targets"], period=period)
    assert not [w for w in caught if "freq=" in str(w.message)]


def test_totals_of_another_period_length_are_refused():
    monthly = _reduced("revenue", "M", ["2026-09", "2026-10"], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"not quarters; the quarter 2026-Q4 needs totals reduced by quarter"):
        scorecard.build(monthly, period="2026-Q4")


# --------------------------------------------------------------------------------------------------
# the notebook through the runner, for each kind of period
# --------------------------------------------------------------------------------------------------

def _published(root, tmp_path, period, *extra):
    from kpi_analysis import report

    result = report.run(root / "workbook.yml", period=period, only=["05_kpi_scorecard"], out_dir=tmp_path,
                        allow_partial=bool(extra))
    assert result.exit_code == 0
    manifest = json.loads((tmp_path / period / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["notebooks"] if e["name"] == "05_kpi_scorecard")
    assert entry["status"] == "ok", entry.get("error")
    assert entry["parameters"]["period"] == period
    return entry, (tmp_path / period / "05_kpi_scorecard.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("period", ["2026-W43", "2026-Q3", "2025"])
def test_report_run_publishes_the_analysis_numbers_for_each_kind_of_period(root, tmp_path, tables, period):
    from kpi_analysis import config

    wb = config.open_workbook(root / "workbook.yml")
    direct = scorecard.build(tables, period=period, config=wb.settings, currency=wb.currency, allow_partial=True)
    entry, page = _published(root, tmp_path, period)
    head = entry["headline"]
    assert head["scorecard"]["period"] == period
    for r in direct.table.itertuples():
        if np.isnan(r.value):
            assert head[r.kpi] is None
        else:
            assert head[r.kpi] == pytest.approx(r.value, rel=1e-12)
        assert head[f"{r.kpi}_status"] == r.status
    assert entry["concepts"][f"shop_sales@{period}"] == pytest.approx(_row(direct, "revenue")["value"], rel=1e-12)
    assert entry["concepts"][f"nps@{period}"] == pytest.approx(_row(direct, "nps")["value"], rel=1e-12)
    kpis = {k["kpi"]: k for k in head["scorecard_kpis"]}
    assert kpis["revenue"]["name"] == "Shop sales" and kpis["revenue"]["concept"] == f"shop_sales@{period}"
    assert direct.period_label("en") in page


@pytest.mark.slow
def test_report_run_of_a_partial_quarter_says_its_targets_are_prorated(root, tmp_path):
    entry, page = _published(root, tmp_path, "2026-Q4", "--allow-partial")
    kpis = {k["kpi"]: k for k in entry["headline"]["scorecard_kpis"]}
    october = _table_target(pd.read_csv(root / "data" / "sample" / "kpi_targets.csv"), "revenue", ["2026-10"])[0]
    assert kpis["revenue"]["target"] == pytest.approx(october)
    assert "pro-rated to the 31 of its 92 days that the data cover" in page


@pytest.mark.parametrize("period", ["2026-W43", "2026-10", "2026-Q3"])
def test_nps_is_the_nps_pages_number_for_every_kind_of_period(tables, period):
    """One concept, one value on the report: under 100 answers a week or month shows the trailing window's
    NPS, exactly as nps.for_period (the NPS page), and the notes say which days it covers."""
    card = scorecard.build(tables, period=period)
    page = nps.for_period(tables["nps_responses"], period=period)
    row = _row(card, "nps")
    assert row["value"] == pytest.approx(page.nps, rel=1e-12) and row["n"] == page.n
    trailing = [n for n in card.notes if n.get("code") == "nps_trailing"]
    assert bool(trailing) == (page.window == "trailing")
    if trailing:
        assert trailing[0]["n_period"] == page.period_n and trailing[0]["n"] == page.n
        assert np.isnan(row["p_value"])  # two overlapping windows: their change is not tested
        en, vi = " ".join(card.note_lines("en")), " ".join(card.note_lines("vi"))
        assert f"{page.period_n} answers" in en and "như trên trang NPS" in vi


def test_nps_min_n_is_a_setting(tables):
    own = scorecard.build(tables, period="2026-W43", nps_min_n=1)
    answers = tables["nps_responses"]
    week = answers.loc[_days(answers["responded_at"], "2026-W43"), "score"]
    assert _row(own, "nps")["value"] == pytest.approx(_nps(week))
    with pytest.raises(ValueError, match="nps_min_n must be a whole number"):
        scorecard.build(tables, period="2026-W43", nps_min_n=0)
