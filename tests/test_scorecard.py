"""The KPI scorecard: every KPI on small hand-made tables equals a hand computation; status colours obey
direction and tolerance; changes are flagged only beyond usual variation; missing tables give notes."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats import proportion as smp

from kpi_analysis import nps, scorecard

T = pd.Timestamp


# --------------------------------------------------------------------------------------------------
# hand-made tables (period 2026-10; previous 2026-09; same month last year 2025-10)
# --------------------------------------------------------------------------------------------------

def _leads():
    rows = [  # lead_id, created, source, status, closed, contact
        ("L1", "2026-09-05 09:00", "Website", "won", "2026-09-20", "2026-09-06 09:00"),
        ("L2", "2026-10-01 09:00", "Website", "won", "2026-10-10", "2026-10-02 09:00"),    # 1 day: contacted
        ("L3", "2026-10-02 09:00", "Giới thiệu", "lost", "2026-10-20", "2026-10-09 09:00"),  # 7 days: late
        ("L4", "2026-10-03 09:00", "Giới thiệu", "won", "2026-10-15", None),               # never contacted
        ("L5", "2026-10-30 10:00", "Website", "open", None, None),  # window still open on the last day
        ("L6", "2026-10-25 09:00", "Hội chợ", "open", None, "2026-10-26 09:00"),          # contacted
    ]
    df = pd.DataFrame(rows, columns=["lead_id", "created_at", "source", "status", "closed_at",
                                     "first_contact_at"])
    for c in ("created_at", "closed_at", "first_contact_at"):
        df[c] = pd.to_datetime(df[c])
    df["rep"] = "Nguyễn Văn An"
    df["segment"] = "Hộ kinh doanh"
    df["deal_value"] = np.where(df["status"] == "won", 1e6, np.nan)
    return df


def _spend():
    return pd.DataFrame({"month": pd.to_datetime(["2026-09-01", "2026-10-01", "2026-10-01", "2026-10-01"]),
                         "channel": ["web", "web", "referral", "fair"], "spend": [100.0, 300.0, 100.0, 50.0]})


CHANNELS = {"Website": "web", "Giới thiệu": "referral", "Hội chợ": "fair"}


def _sales():
    return pd.DataFrame({
        "date": pd.to_datetime(["2025-10-01", "2026-09-15", "2026-09-15", "2026-10-01", "2026-10-02",
                                "2026-10-01"]),
        "location": ["A", "A", "B", "A", "A", "B"],
        "revenue": [300.0, 80.0, 90.0, 100.0, 50.0, 200.0], "orders": [4, 1, 1, 2, 1, 3]})


def _prices():
    rows = [("2026-10-05", "P1", 100.0, "X", 125.0), ("2026-10-05", "P1", 100.0, "Y", 100.0),
            ("2026-10-05", "P2", 50.0, "X", 50.0), ("2026-10-12", "P2", 55.0, "X", 50.0),
            ("2026-10-19", "P2", 60.0, "X", 50.0), ("2026-09-07", "P1", 100.0, "X", 100.0)]
    df = pd.DataFrame(rows, columns=["date", "product", "our_price", "competitor", "competitor_price"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def _activity():
    rows = [("C1", "2026-08-01"), ("C1", "2026-10-05"),  # existing, active
            ("C2", "2026-08-15"),                        # existing, silent 77 days at the end: at risk
            ("C3", "2026-05-01"),                        # silent > 120 days: lapsed, neither
            ("C4", "2026-10-10"),                        # new in October: not existing
            ("C5", "2026-09-20")]                        # existing, silent 41 days: not at risk
    df = pd.DataFrame(rows, columns=["client_id", "date"])
    df["date"] = pd.to_datetime(df["date"])
    df["activity_type"] = "cuộc gọi"
    return df


OCT_SCORES = {"T1": [9, 10, 6], "T2": [7, 3, 9, 8]}
OCT_ALL = [s for team in OCT_SCORES.values() for s in team]
SEP_SCORES = [5, 6, 7, 9, 4, 8, 6]


def _survey(sep=True, reps=5):
    rows = []
    for r in range(reps):
        for team, scores in OCT_SCORES.items():
            rows += [(f"E{r}{team}{i}", "2026-10-20", team, float(s)) for i, s in enumerate(scores)]
        if sep:
            rows += [(f"S{r}{i}", "2026-09-20", "T1", float(s)) for i, s in enumerate(SEP_SCORES)]
    df = pd.DataFrame(rows, columns=["employee_id", "date", "team", "score"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def _responses():
    oct_scores = [10, 9, 8, 0, 5] * 8 + [None]  # 16 promoters, 8 passives, 16 detractors, 1 blank
    sep_scores = [10, 10, 9, 7, 2] * 8
    rows = [(f"R{i}", "2026-10-10", s) for i, s in enumerate(oct_scores)]
    rows += [(f"S{i}", "2026-09-10", s) for i, s in enumerate(sep_scores)]
    df = pd.DataFrame(rows, columns=["response_id", "responded_at", "score"])
    df["responded_at"] = pd.to_datetime(df["responded_at"])
    df["score"] = df["score"].astype("Float64")
    df["customer_id"] = df["response_id"]
    df["region"] = "Miền Bắc"
    df["product"] = "Phân bón"
    df["customer_since"] = T("2024-01-01")
    return df


def _targets():
    rows = [("revenue", "2026-10", 400.0, "higher_is_better", "financial", "Giám đốc"),
            ("cac", "2026-10", 230.0, "lower_is_better", "financial", "Giám đốc"),
            ("new_leads", "2026-10", 5.0, "higher_is_better", "customer", "Trưởng phòng"),
            ("revenue", "2026-09", 160.0, "higher_is_better", "financial", "Giám đốc")]
    return pd.DataFrame(rows, columns=["kpi", "period", "target", "direction", "perspective", "owner"])


def _tables(**drop):
    t = {"leads": _leads(), "marketing_spend": _spend(), "sales": _sales(), "competitor_prices": _prices(),
         "client_activity": _activity(), "employee_survey": _survey(), "nps_responses": _responses(),
         "kpi_targets": _targets()}
    for name in drop:
        t[name] = None
    return t


@pytest.fixture(scope="module")
def card():
    # nps_min_n=1: these hand-made tables have 40 answers a month; the month's own NPS is what is checked
    return scorecard.build(_tables(), period="2026-10", channel_map=CHANNELS, nps_min_n=1)


def _row(card, kpi):
    return card.table.set_index("kpi").loc[kpi]


def _excluded(card):
    return {e["code"]: e["n"] for e in card.excluded}


# --------------------------------------------------------------------------------------------------
# each KPI equals a hand computation
# --------------------------------------------------------------------------------------------------

def test_new_leads_and_by_source(card):
    r = _row(card, "new_leads")
    assert (r["value"], r["previous"]) == (5.0, 1.0)
    by = card.details["new_leads_by_source"].set_index("source")["value"].to_dict()
    assert by == {"Giới thiệu": 2.0, "Hội chợ": 1.0, "Website": 2.0}


def test_leads_contacted_share_counts_only_closed_contact_windows(card):
    r = _row(card, "leads_contacted_share")
    # eligible: L2, L3, L4, L6 (L5 came in 10 h before the data ends); contacted within 3 days: L2, L6
    assert r["value"] == pytest.approx(2 / 4)
    assert r["n"] == 4
    assert np.isnan(r["ci_low"])  # n = 4 < 10: small sample, interval withheld with a note
    assert any(n["code"] == "small" and n["kpi"] == "leads_contacted_share" for n in card.notes)
    assert _excluded(card)["contact_window"] == 1
    loose = scorecard.build(_tables(), period="2026-10", contact_days=7, kpis=["leads_contacted_share"])
    # a 7-day window: L3 (7 days) now counts, and L6 (5 days before the data ends) is not judged yet
    assert _row(loose, "leads_contacted_share")["value"] == pytest.approx(2 / 3)


def test_cac_overall_and_by_mapped_channel(card):
    r = _row(card, "cac")
    assert r["value"] == pytest.approx((300 + 100 + 50) / 2)  # October spend / leads won in October
    assert r["previous"] == pytest.approx(100 / 1)
    by = card.details["cac_by_channel"].set_index("channel")["value"]
    assert by["web"] == pytest.approx(300.0) and by["referral"] == pytest.approx(100.0)
    assert np.isnan(by["fair"])  # spend but nobody won: no CAC, not infinity
    fair = card.details["cac_by_channel"].set_index("channel").loc["fair"]
    assert (fair["spend"], fair["won"]) == (50.0, 0.0)


def test_cac_unmapped_source_is_noted():
    card = scorecard.build(_tables(), period="2026-10", kpis=["cac"])  # no channel map: names differ
    assert any(n["code"] == "unmapped" and n["sources"] == ["Giới thiệu", "Website"]
               for n in card.notes)
    assert _row(card, "cac")["value"] == pytest.approx(225.0)  # overall CAC does not depend on the map


def test_revenue_orders_rank_and_last_year(card):
    r = _row(card, "revenue")
    assert (r["value"], r["previous"], r["last_year"]) == (350.0, 170.0, 300.0)
    assert r["yoy_pct"] == pytest.approx(50 / 300)
    assert _row(card, "orders")["value"] == 6.0
    loc = card.details["revenue_by_location"].set_index("location")
    assert loc.loc["B", "rank"] == 1 and loc.loc["A", "rank"] == 2
    assert loc.loc["A", "rank_previous"] == 2 and loc.loc["A", "value"] == 150.0


def test_price_index_is_the_mean_of_product_means(card):
    r = _row(card, "price_index")
    p1 = np.mean([100 / 125, 100 / 100])
    p2 = np.mean([50 / 50, 55 / 50, 60 / 50])
    assert r["value"] == pytest.approx((p1 + p2) / 2)  # 1.0; the observation-weighted mean would be 1.02
    by = card.details["price_index_by_product"].set_index("product")
    assert by.loc["P1", "value"] == pytest.approx(p1) and by.loc["P1", "previous"] == pytest.approx(1.0)


def test_client_engagement_and_at_risk(card):
    e = _row(card, "client_engagement")
    assert e["value"] == pytest.approx(1 / 3)  # existing C1, C2, C5; active C1
    assert e["n"] == 3
    assert _row(card, "clients_at_risk")["value"] == 1.0  # C2 only: C3 is lapsed, not at risk


def test_employee_satisfaction_mean_and_t_interval(card):
    scores = np.array(OCT_ALL * 5, dtype=float)
    r = _row(card, "employee_satisfaction")
    assert r["value"] == pytest.approx(scores.mean())
    lo, hi = stats.t.interval(0.95, len(scores) - 1, loc=scores.mean(), scale=stats.sem(scores))
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    team = card.details["employee_by_team"].set_index("team")
    assert team.loc["T1", "mean"] == pytest.approx(25 / 3) and team.loc["T2", "n"] == 20


def test_enps_counts_promoters_minus_detractors(card):
    r = _row(card, "enps")
    # 35 answers: promoters 9, 10, 9 (x5) = 15, detractors 6, 3 (x5) = 10
    assert r["value"] == pytest.approx(100 * (15 - 10) / 35)
    ref = nps.from_counts(10, 10, 15, method="adjusted_wald", confidence=0.95)
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(ref.ci_low), pytest.approx(ref.ci_high))


def test_nps_excludes_blank_scores(card):
    r = _row(card, "nps")
    assert r["value"] == pytest.approx(0.0) and r["n"] == 40
    ref = nps.from_counts(16, 8, 16)
    assert r["ci_low"] == pytest.approx(ref.ci_low)
    assert _excluded(card)["blank_nps"] == 1
    assert r["previous"] == pytest.approx(100 * (24 - 8) / 40)


def test_reduced_table_gives_the_same_scorecard(card):
    reduced = scorecard.reduce(_tables(), channel_map=CHANNELS)
    assert list(reduced.columns) == scorecard.REDUCED_COLUMNS
    again = scorecard.build(reduced, period="2026-10", targets=_targets(), nps_min_n=1)
    cols = ["kpi", "value", "previous", "last_year", "target", "status", "ci_low", "ci_high"]
    pd.testing.assert_frame_equal(again.table[cols], card.table[cols])


def test_weekly_cac_spreads_monthly_spend_over_days():
    t = scorecard.reduce({"leads": _leads(), "marketing_spend": _spend()}, freq="W")
    week = t[(t["kpi"] == "cac") & (t["by"] == "all") & (t["period"] == "2026-10-05/2026-10-11")]
    assert week["numerator"].item() == pytest.approx(7 * 450 / 31)


def test_quarter_targets_combine_monthly_targets():
    months = pd.DataFrame({"kpi": ["revenue"] * 3 + ["client_engagement"] * 3,
                           "period": ["2026-07", "2026-08", "2026-09"] * 2,
                           "target": [100.0, 200.0, 300.0, 0.5, 0.6, 0.7],
                           "direction": "higher_is_better", "perspective": "financial", "owner": "X"})
    card = scorecard.build({"sales": _sales(), "client_activity": _activity()}, period="2026-Q3", targets=months)
    assert _row(card, "revenue")["target"] == pytest.approx(600.0)  # totals add up
    assert _row(card, "client_engagement")["target"] == pytest.approx(0.6)  # rates average
    assert _row(card, "revenue")["value"] == pytest.approx(170.0)


# --------------------------------------------------------------------------------------------------
# status: direction and tolerance
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, target, direction, tolerance, expected", [
    (100, 100, "higher_is_better", 0.05, "green"),
    (101, 100, "higher_is_better", 0.05, "green"),
    (95, 100, "higher_is_better", 0.05, "amber"),       # boundary of the band is amber
    (94.9, 100, "higher_is_better", 0.05, "red"),
    (94.9, 100, "higher_is_better", 0.10, "amber"),     # a wider tolerance turns it amber
    (99, 100, "lower_is_better", 0.05, "green"),
    (105, 100, "lower_is_better", 0.05, "amber"),
    (106, 100, "lower_is_better", 0.05, "red"),
    (-12, -10, "higher_is_better", 0.25, "amber"),      # negative targets (eNPS): band = 25% of |target|
    (-13, -10, "higher_is_better", 0.25, "red"),
    (-1, 0, "higher_is_better", 2, "red"),              # zero target: a fraction of 0 is no band
    (100, float("nan"), "higher_is_better", 0.05, "no_target"),
    (float("nan"), 100, "higher_is_better", 0.05, "no_data"),
])
def test_status_obeys_direction_and_tolerance(value, target, direction, tolerance, expected):
    assert scorecard.status(value, target, direction=direction, tolerance=tolerance) == expected


def test_status_in_the_scorecard_uses_targets_direction_and_tolerance(card):
    assert _row(card, "revenue")["status"] == "red"     # 350 vs 400: 12.5% short, band 5%
    assert _row(card, "cac")["status"] == "green"       # 225 <= 230, lower is better
    assert _row(card, "nps")["status"] == "no_target"
    assert card.n_no_target == len(card.table) - 3
    wide = scorecard.build(_tables(), period="2026-10", kpis=["revenue", "cac"], tolerance={"revenue": 0.15})
    assert _row(wide, "revenue")["status"] == "amber"
    cfg = scorecard.build(_tables(), period="2026-10", kpis=["revenue", "nps"], nps_min_n=1,
                          config={"targets": {"tolerance": 0.2, "nps": {"target": 5, "owner": "Lan"}}})
    assert _row(cfg, "revenue")["status"] == "amber"   # workbook-wide targets.tolerance
    assert _row(cfg, "nps")["target"] == 5.0 and _row(cfg, "nps")["status"] == "red"  # 0 vs 5, band 1


def test_bad_status_arguments():
    with pytest.raises(ValueError, match="direction"):
        scorecard.status(1, 1, direction="up")
    with pytest.raises(ValueError, match="tolerance"):
        scorecard.status(1, 1, direction="higher_is_better", tolerance=-0.1)


# --------------------------------------------------------------------------------------------------
# change flags: beyond usual variation only
# --------------------------------------------------------------------------------------------------

def _reduced_series(kpi, values, numerators=None, denominators=None, start="2024-05"):
    periods = pd.period_range(start, periods=len(values), freq="M").astype(str)
    return pd.DataFrame({"kpi": kpi, "period": periods, "by": "all", "group": "all", "value": values,
                         "numerator": values if numerators is None else numerators,
                         "denominator": 1.0 if denominators is None else denominators,
                         "sum_sq": np.nan, "detractors": np.nan, "passives": np.nan, "promoters": np.nan,
                         "excluded": 0.0})


def test_total_change_flagged_only_beyond_two_sd_of_past_changes():
    rng = np.random.default_rng(20261028)
    base = 1000 + rng.normal(0, 10, 30)
    past_sd = np.std(np.diff(base[:-1])[-24:], ddof=1)
    jump = base.copy()
    jump[-1] = base[-2] + 5 * past_sd  # planted: five SDs of the usual change
    small = base.copy()
    small[-1] = base[-2] + 0.5 * past_sd
    period = str(pd.Period("2024-05", "M") + 29)
    hit = scorecard.build(_reduced_series("revenue", jump), period=period)
    miss = scorecard.build(_reduced_series("revenue", small), period=period)
    assert _row(hit, "revenue")["threshold"] == pytest.approx(2 * past_sd)
    assert bool(_row(hit, "revenue")["flagged"]) and not bool(_row(miss, "revenue")["flagged"])
    assert "Shop sales rose" in hit.what_changed("en")[0]
    assert "Doanh số cửa hàng tăng" in hit.what_changed("vi")[0]
    assert "⚑" in scorecard.to_html(hit, locale="en") and "⚑" not in scorecard.to_html(miss, locale="en")


def test_stable_totals_are_rarely_flagged():
    # A/A: a stationary series has no news; the 2-SD rule should flag about 5% of periods.
    rng = np.random.default_rng(20261028)
    flags = []
    for _ in range(120):
        values = 1000 + rng.normal(0, 10, 27)
        card = scorecard.build(_reduced_series("orders", values), period="2026-07")
        flags.append(bool(_row(card, "orders")["flagged"]))
    assert 0.0 < np.mean(flags) < 0.15


def test_rate_change_uses_the_two_proportion_score_test():
    den = np.full(12, 200.0)
    num = np.r_[np.full(11, 60.0), 120.0]  # planted: 30% -> 60%
    card = scorecard.build(_reduced_series("client_engagement", num / den, num, den), period="2025-04")
    r = _row(card, "client_engagement")
    ref = smp.test_proportions_2indep(120, 200, 60, 200, method="score", compare="diff").pvalue
    assert r["p_value"] == pytest.approx(ref) and r["p_adj"] == pytest.approx(ref)  # one test: Holm = raw
    assert bool(r["flagged"])
    num2 = np.r_[np.full(11, 60.0), 64.0]
    quiet = scorecard.build(_reduced_series("client_engagement", num2 / den, num2, den), period="2025-04")
    assert not bool(_row(quiet, "client_engagement")["flagged"])


def test_share_interval_is_the_wilson_interval_by_hand():
    # 120 of 200 existing clients active: Wilson (1927) score interval, written out here
    den = np.full(12, 200.0)
    num = np.r_[np.full(11, 60.0), 120.0]
    r = _row(scorecard.build(_reduced_series("client_engagement", num / den, num, den), period="2025-04"),
             "client_engagement")
    n, p_hat, z = 200, 0.6, stats.norm.ppf(0.975)
    centre = (p_hat + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p_hat * (1 - p_hat) / n + z * z / (4 * n * n))
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(centre - half, rel=1e-12),
                                           pytest.approx(centre + half, rel=1e-12))
    assert (round(r["ci_low"], 4), round(r["ci_high"], 4)) == (0.5308, 0.6654)


def test_mean_and_nps_changes_use_welch_and_the_nps_module(card):
    sep = np.array(SEP_SCORES * 5, dtype=float)
    octo = np.array(OCT_ALL * 5, dtype=float)
    welch = stats.ttest_ind(octo, sep, equal_var=False).pvalue
    assert _row(card, "employee_satisfaction")["p_value"] == pytest.approx(welch)
    ref = nps.compare(nps.from_counts(16, 8, 16), nps.from_counts(8, 8, 24)).p_value
    assert _row(card, "nps")["p_value"] == pytest.approx(ref)
    tested = card.table.dropna(subset=["p_value"])
    from statsmodels.stats.multitest import multipletests
    assert np.allclose(tested["p_adj"], multipletests(tested["p_value"], method="holm")[1])


def test_incomplete_period_is_noted_and_not_judged(card):
    # the hand-made sales end on 2 October: the notes say so and revenue's change is not flagged
    assert any(n["code"] == "incomplete" and n["table"] == "sales" for n in card.notes)
    assert not bool(_row(card, "revenue")["flagged"])


# --------------------------------------------------------------------------------------------------
# missing tables, survey carry-forward, catalogue, layout, errors
# --------------------------------------------------------------------------------------------------

def test_missing_optional_table_shows_its_kpis_as_no_data_with_the_reason():
    card = scorecard.build(_tables(employee_survey=True, competitor_prices=True), period="2026-10",
                           channel_map=CHANNELS)
    t = card.table.set_index("kpi")
    assert set(t.index) == set(scorecard.KPIS)  # every KPI stays on the card, none silently dropped
    gone = ["employee_satisfaction", "enps", "price_index"]
    assert (t.loc[gone, "status"] == "no_data").all() and t.loc[gone, "value"].isna().all()
    assert (t.loc[gone, "no_data_reason"] == "missing_table").all()
    assert card.n_no_data == 3 and "3 without data" in card.summary("en")
    assert (t.loc[["revenue", "nps", "cac"], "status"] != "no_data").all()
    lines = card.note_lines("en")
    assert any("employee_survey" in s and "Employee NPS" in s for s in lines)
    assert any("thiếu bảng competitor_prices" in s for s in card.note_lines("vi"))


def test_missing_first_contact_column_leaves_only_that_kpi_without_data():
    t = _tables()
    t["leads"] = t["leads"].drop(columns="first_contact_at")
    card = scorecard.build(t, period="2026-10", channel_map=CHANNELS)
    row = card.table.set_index("kpi").loc["leads_contacted_share"]
    assert row["status"] == "no_data" and row["no_data_reason"] == "missing_column"
    assert card.table.set_index("kpi").loc["new_leads", "status"] != "no_data"
    assert any("first_contact_at" in s for s in card.note_lines("en"))


def test_reduced_table_without_a_kpi_is_noted():
    card = scorecard.build(_reduced_series("orders", np.arange(10.0)), period="2025-02")
    t = card.table.set_index("kpi")
    assert t.loc["orders", "value"] == 9.0 and (t.drop(index="orders")["status"] == "no_data").all()
    assert (t.drop(index="orders")["no_data_reason"] == "not_in_totals").all()
    assert any(n["code"] == "not_in_totals" and "revenue" in n["kpis"] for n in card.notes)


def test_survey_kpis_carry_the_latest_wave_forward():
    survey = _survey()
    survey = survey[survey["date"] < "2026-10-01"]  # only the September wave
    card = scorecard.build({"employee_survey": survey}, period="2026-10")
    r = _row(card, "employee_satisfaction")
    assert r["value"] == pytest.approx(np.mean(SEP_SCORES)) and r["source_period"] == "2026-09"
    assert any("latest survey is from September 2026" in s for s in card.note_lines("en"))
    assert np.isnan(r["p_value"]) and not bool(r["flagged"])  # same wave twice: no change to test


def test_catalogue_lists_what_is_missing():
    cat = scorecard.check_catalogue(_targets(), config={"targets": {"nps": {"target": 30, "owner": "Lan"}}},
                                    period="2026-10", kpis=["revenue", "nps", "orders"]).set_index("kpi")
    assert cat.loc["revenue", "complete"]
    assert cat.loc["nps", "missing"] == "direction, period, perspective"
    assert cat.loc["orders", "missing"] == "owner, target, direction, period, perspective"
    assert cat.loc["cac", "known"] and cat.loc["new_leads", "owner"] == "Trưởng phòng"


def test_html_escapes_data_and_formats_for_the_locale():
    t = _targets()
    t.loc[0, "owner"] = "<script>alert(1)</script> & Co"
    card = scorecard.build(_tables(kpi_targets=True), period="2026-10", targets=t, channel_map=CHANNELS)
    page_en, page_vi = scorecard.to_html(card, locale="en"), scorecard.to_html(card, locale="vi")
    assert "<script>" not in page_en and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page_en
    assert "VND 350" in page_en and "350 ₫" in page_vi
    assert "Tài chính" in page_vi and "Learning and growth" in page_en
    assert page_en.count("<svg") == len(card.table)
    assert "October 2026" in page_en and "tháng 10/2026" in page_vi


def test_headline_records_and_plots_are_report_ready(card):
    import matplotlib.pyplot as plt

    json.dumps(card.headline(), allow_nan=False)
    rec = card.records()
    json.dumps(rec, allow_nan=False)
    assert rec["revenue"] == 350.0 and rec["revenue_status"] == "red" and rec["nps_status"] == "no_target"
    ax = card.plot()
    assert len(ax.containers[0]) == 3  # one bar per KPI with a target
    fig = scorecard.sparklines(card, locale="vi")
    assert sum(ax.get_visible() for ax in fig.axes) == len(card.table)
    plt.close("all")
    assert "KPI scorecard for October 2026" in card.summary("en")
    assert "Bảng điểm KPI tháng 10/2026" in card.summary("vi")


@pytest.mark.parametrize("kwargs, message", [
    ({"freq": "D"}, "freq must be one of"),
    ({"period": "October"}, "period must look like"),
    ({"period": "2026-13"}, "the month must be 01-12"),
    ({"kpis": ["revnue"]}, "did you mean"),
    ({"confidence": 95}, "confidence must be a fraction"),
    ({"contact_days": 0}, "contact_days must be a whole number"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    args = {"period": "2026-10", **kwargs}
    with pytest.raises(ValueError, match=message):
        scorecard.build(_tables(), **args)


def test_bad_targets_name_the_column():
    t = _targets()
    t.loc[1, "direction"] = "down"
    with pytest.raises(ValueError, match=r"kpi_targets\.direction must be one of .* 1 row"):
        scorecard.build(_tables(), period="2026-10", targets=t)
    leads = _leads()
    leads.loc[2, "first_contact_at"] = T("2026-09-01")
    with pytest.raises(ValueError, match=r"leads\.first_contact_at must not be before created_at: 1 row"):
        scorecard.build({"leads": leads}, period="2026-10")
    with pytest.raises(TypeError, match="dict of canonical tables"):
        scorecard.build([1, 2], period="2026-10")
    with pytest.raises(ValueError, match="no KPI could be computed"):
        scorecard.build({}, period="2026-10")


# --------------------------------------------------------------------------------------------------
# the sample data: every KPI for 2026-10 with its target and status
# --------------------------------------------------------------------------------------------------

def test_sample_scorecard_has_every_kpi_target_and_status(sample_table):
    names = ["leads", "sales", "nps_responses", "marketing_spend", "competitor_prices", "client_activity",
             "employee_survey", "kpi_targets"]
    card = scorecard.build({n: sample_table(n) for n in names}, period="2026-10")
    t = card.table.set_index("kpi")
    assert set(t.index) == set(scorecard.KPIS)
    assert t["target"].notna().all() and t["status"].isin(["green", "amber", "red"]).all()
    assert card.catalogue["complete"].all()
    # revenue: sum of October's sales; new leads: October's leads, straight from the tables
    sales, leads = sample_table("sales"), sample_table("leads")
    october = sales["date"].dt.strftime("%Y-%m") == "2026-10"
    assert t.loc["revenue", "value"] == pytest.approx(sales.loc[october, "revenue"].sum())
    assert t.loc["new_leads", "value"] == (leads["created_at"].dt.strftime("%Y-%m") == "2026-10").sum()
    # planted: Phương Nam cut its NPK price 6% from September 2026, so NPK's index jumped in September
    sep = scorecard.build({"competitor_prices": sample_table("competitor_prices")}, period="2026-09")
    npk = sep.details["price_index_by_product"].set_index("product").loc["Phân bón NPK 20-20-15 (bao 50kg)"]
    assert bool(npk["flagged"]) and npk["change"] > 0.02


# --------------------------------------------------------------------------------------------------
# earlier names and positional forms: they warn and give the same result
# --------------------------------------------------------------------------------------------------

def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b)


def test_totals_is_a_deprecated_alias_of_reduce():
    new = scorecard.reduce(_tables(), channel_map=CHANNELS)
    with pytest.warns(DeprecationWarning, match=r"totals\(\) is now reduce\(\)"):
        old = scorecard.totals(_tables(), channel_map=CHANNELS)
    _same(new, old)
    with pytest.warns(DeprecationWarning, match="tables= is now data="), \
            pytest.warns(DeprecationWarning, match=r"totals\(\) is now reduce\(\)"):
        _same(new, scorecard.totals(tables=_tables(), channel_map=CHANNELS))


def test_check_catalogue_old_forms_warn():
    cfg = {"targets": {"nps": {"target": 30, "owner": "Lan"}}}
    new = scorecard.check_catalogue(_targets(), config=cfg, period="2026-10")
    with pytest.warns(DeprecationWarning, match=r"pass config as a keyword"):
        _same(new, scorecard.check_catalogue(_targets(), cfg, period="2026-10"))
    with pytest.warns(DeprecationWarning, match="targets= is now data="):
        _same(new, scorecard.check_catalogue(targets=_targets(), config=cfg, period="2026-10"))


def test_positional_options_warn_and_give_the_same_result(card):
    import matplotlib.pyplot as plt

    with pytest.warns(DeprecationWarning, match="pass direction, tolerance as a keyword"):
        assert scorecard.status(104, 100, "lower_is_better", 0.05) == "amber"
    with pytest.warns(DeprecationWarning, match="pass locale as a keyword"):
        assert scorecard.to_html(card, "vi") == scorecard.to_html(card, locale="vi")
    _, (a, b) = plt.subplots(1, 2)
    with pytest.warns(DeprecationWarning, match="pass kpi, ax as a keyword"):
        scorecard.sparkline(card, "revenue", a)
    scorecard.sparkline(card, kpi="revenue", ax=b)
    for old, new in zip(a.lines, b.lines, strict=True):
        np.testing.assert_array_equal(old.get_ydata(), new.get_ydata())
    plt.close("all")


def test_period_of_is_public_and_keeps_its_rules():
    assert str(scorecard.period_of("2026-10", "W")) == "2026-10-19/2026-10-25"  # last full week of October
    assert str(scorecard.period_of("2026-10", "Q")) == "2026Q4"
    with pytest.raises(ValueError, match="not a M period"):
        scorecard.period_of("2026-Q4", "M")
