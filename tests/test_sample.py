"""The sample data: deterministic, and every planted effect visible in plain aggregates."""
from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import sample


def test_committed_sample_equals_a_fresh_generation(tmp_path, sample_dir):
    paths = sample.write_sample(tmp_path, seed=sample.SEED)
    for name, path in paths.items():
        committed = sample_dir / path.name
        assert committed.exists(), f"{committed} missing: run `make sample-data`"
        assert filecmp.cmp(path, committed, shallow=False), f"{name} differs from a fresh generation"


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = sample.generate(1), sample.generate(1), sample.generate(2)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["leads"]["rep"].equals(c["leads"]["rep"]) or not a["sales"]["revenue"].equals(c["sales"]["revenue"])


def _closed(leads):
    c = leads[leads["status"] != "open"].copy()
    c["won"] = c["status"] == "won"
    return c


def test_sources_convert_very_differently(sample_table):
    rate = _closed(sample_table("leads")).groupby("source")["won"].mean()
    assert rate["Giới thiệu"] > 0.38 and rate["Gọi điện lạnh"] < 0.10
    assert rate["Giới thiệu"] > rate["Website"] > rate["Hội chợ"] > rate["Gọi điện lạnh"]


def test_planted_rep_effects(sample_table):
    c = _closed(sample_table("leads"))
    raw = c.groupby("rep")["won"].mean()
    # within each source: the weak rep is below, the strong rep above, the poor-lead rep normal
    by_source = c.pivot_table(index="rep", columns="source", values="won", aggfunc="mean")
    team = c.groupby("source")["won"].mean()
    assert (by_source.loc["Lê Hoàng Cường"] < team).all()
    assert (by_source.loc["Vũ Ngọc Hà"] > team).all()
    # poor-lead rep: low raw rate, but expected wins from her mix explain it
    dung = c[c["rep"] == "Phạm Thu Dung"]
    expected = dung["source"].map(team).sum()
    assert raw["Phạm Thu Dung"] < raw.median() - 0.08
    assert abs(dung["won"].sum() / expected - 1) < 0.15
    assert (dung["source"] == "Gọi điện lạnh").mean() > 0.6
    # one bad month
    duc = c[c["rep"] == "Hoàng Minh Đức"]
    monthly = duc.groupby(duc["created_at"].dt.to_period("M"))["won"].mean()
    assert monthly[pd.Period("2026-08")] < 0.08 and monthly.drop(pd.Period("2026-08")).median() > 0.18
    # new rep with few leads
    huy = sample_table("leads").query("rep == 'Đặng Quốc Huy'")
    assert len(huy) < 25 and huy["created_at"].min() >= pd.Timestamp("2026-09-01")


def test_open_leads_are_recent(sample_table):
    leads = sample_table("leads")
    open_ = leads[leads["status"] == "open"]
    assert len(open_) > 50 and open_["created_at"].min() > pd.Timestamp("2026-07-01")


def test_revenue_is_leads_times_conversion_times_deal_size(sample_table):
    c = _closed(sample_table("leads"))
    month = c["closed_at"].dt.to_period("M")
    g = c.groupby(month).agg(closed=("won", "size"), won=("won", "sum"), revenue=("deal_value", "sum"))
    identity = g["closed"] * (g["won"] / g["closed"]) * (g["revenue"] / g["won"])
    np.testing.assert_allclose(identity, g["revenue"], rtol=1e-9)
    # yearly seasonality: December busier than February, every year
    created = sample_table("leads")["created_at"].dt.to_period("M").value_counts()
    assert created[pd.Period("2024-12")] > 1.4 * created[pd.Period("2025-02")]
    assert created[pd.Period("2025-12")] > 1.4 * created[pd.Period("2026-02")]


def test_promotion_lifts_one_location_then_the_other(sample_table):
    s = sample_table("sales")
    s["month"] = s["date"].dt.to_period("M").astype(str)
    m = s.pivot_table(index="month", columns="location", values="revenue", aggfunc="mean")
    a, b = "Hà Nội - Cầu Giấy", "Hà Nội - Đống Đa"
    jan = m.loc["2026-01", a] / m.loc["2026-01", b]
    assert abs(jan - 1) < 0.05  # similar January
    assert m.loc["2026-02", a] / m.loc["2026-02", b] > jan * 1.06  # A gains in February
    assert m.loc["2026-03", b] / m.loc["2026-03", a] > 1 / jan * 1.04  # B gains in March
    promos = sample_table("promotions")
    assert set(promos["location"]) == {a, b}
    # weekly seasonality: weekends sell more
    wd = s.groupby(s["date"].dt.day_of_week)["revenue"].mean()
    assert wd[[5, 6]].min() > wd[[0, 1, 2]].max()


def _nps(scores):
    s = scores.dropna()
    return 100 * ((s >= 9).mean() - (s <= 6).mean())


def test_planted_nps_effects(sample_table):
    r = sample_table("nps_responses")
    by_region = r.groupby("region")["score"].apply(_nps)
    others = by_region.drop("Miền Trung")
    assert by_region["Miền Trung"] < others.min() - 12
    assert others.max() - others.min() < 8
    early = (r["responded_at"] - r["customer_since"]).dt.days < 90
    assert _nps(r.loc[~early, "score"]) - _nps(r.loc[early, "score"]) > 10
    q = r.groupby(r["responded_at"].dt.to_period("Q"))["score"].apply(_nps)
    assert q[pd.Period("2026Q3")] - q[pd.Period("2026Q2")] > 5
    assert r["score"].isna().sum() > 30  # blank answers to count and exclude
    assert r["customer_id"].duplicated().any()  # some customers answer more than once


def test_secondary_tables_have_the_documented_shape(sample_table):
    assert set(sample_table("marketing_spend")["channel"]) == set(sample.CHANNEL_SPEND)
    prices = sample_table("competitor_prices")
    cut = prices[(prices["competitor"] == sample.PRICE_CUT[0]) & (prices["product"] == sample.PRICE_CUT[1])]
    idx = cut["our_price"] / cut["competitor_price"]
    assert idx[cut["date"] >= "2026-09-01"].mean() > idx[(cut["date"] >= "2026-06-01") & (cut["date"] < "2026-09-01")].mean() + 0.03
    targets = sample_table("kpi_targets")
    assert {"new_leads", "cac", "revenue", "nps", "enps"} <= set(targets["kpi"])
    assert "2026-10" in set(targets["period"])
    survey = sample_table("employee_survey")
    assert survey.groupby("team")["score"].mean().idxmin() == "Kho vận"


@pytest.mark.parametrize("table", ["leads", "sales", "nps_responses"])
def test_vietnamese_names_present(sample_table, table):
    col = {"leads": "rep", "sales": "location", "nps_responses": "region"}[table]
    assert any(any(ch in name for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
               for name in sample_table(table)[col].str.lower().unique())
