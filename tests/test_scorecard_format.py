"""Every value the scorecard shows is formatted by its unit (56.0%, 6.55 of 10, 124 leads, 0.99, changes of
shares in percentage points, money in short scales), in both languages, without rounding that changes a
status's meaning; shop sales are named as such; and the records carry what the report's index needs."""
from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from kpi_analysis import archive, scorecard
from kpi_analysis.scorecard import present

NAMES = ["leads", "sales", "nps_responses", "marketing_spend", "competitor_prices", "client_activity",
         "employee_survey", "kpi_targets"]


@pytest.fixture(scope="module")
def card(sample_table):
    return scorecard.build({n: sample_table(n) for n in NAMES}, period="2026-10")


def _texts(display_table) -> list[str]:
    return [str(v) for v in display_table.frame.to_numpy().ravel()]


def _detail(card, locale):
    return present.detail_table(card, locale).frame.set_index(present.detail_table(card, locale).frame.columns[0])


# --------------------------------------------------------------------------------------------------
# the manager's report: 56.0% vs 60%, 6.55 of 10, 124 leads
# --------------------------------------------------------------------------------------------------

def test_scorecard_values_formatted_by_unit(card):
    en, vi = _detail(card, "en"), _detail(card, "vi")
    active = en.loc["Existing clients active"]
    assert (active["Value"], active["Target"], active["Status"]) == ("56.0%", "60.0%", "off target")
    assert active["Change vs previous period"] == "−1.6 pp"
    staff = en.loc["Employee satisfaction (0-10)"]
    assert (staff["Value"], staff["Target"]) == ("6.55 of 10", "7.50 of 10")
    assert vi.loc["Mức hài lòng của nhân viên (0-10)", "Giá trị"] == "6,55/10"
    assert en.loc["Price index (ours / competitors')", "Value"] == "0.99"
    assert en.loc["Shop sales", "Value"] == "VND 12.19 bn" and vi.loc["Doanh số cửa hàng", "Giá trị"] == "12,19 tỷ ₫"
    assert en.loc["New leads", "Value"] == "527" and vi.loc["Khách hàng tiềm năng mới", "Giá trị"] == "527"
    by_source = present.breakdown_tables(card, "vi")["new_leads_by_source"].frame.set_index("Nguồn khách hàng tiềm năng")
    assert by_source.loc["Giới thiệu", "Giá trị"] == "124"  # never "124,000" (a decimal in Vietnamese)
    page_en, page_vi = scorecard.to_html(card, locale="en"), scorecard.to_html(card, locale="vi")
    assert "56.0%" in page_en and "6.55 of 10" in page_en and "VND 12.19 bn" in page_en
    assert "56,0%" in page_vi and "6,55/10" in page_vi and "12,19 tỷ ₫" in page_vi
    summary = card.summary("en")
    assert "56.0% against a target of 60.0%" in summary and "6.55 of 10 against 7.50 of 10" in summary


def test_no_raw_fractions_whole_counts_with_decimals_or_negative_zero(card):
    shown = []
    for locale in ("en", "vi"):
        shown += _texts(present.detail_table(card, locale))
        for t in present.breakdown_tables(card, locale).values():
            shown += _texts(t)
        shown += _texts(present.totals_table(card, locale))
        shown += card.summary(locale).split("\n")
    text = "\n".join(shown)
    assert not re.search(r"(?<![\d.,])[-−]0(?![\d.,])", text), "a change shown as -0"
    assert not re.search(r"[-−]0[.,]0+(?!\d)", text), "a change shown as -0.0"
    assert not re.search(r"\b\d{1,3}[.,]000\b(?! ?[₫%])", "\n".join(_texts(present.breakdown_tables(card, "vi")
                                                                            ["new_leads_by_source"])))
    assert "-0.027" not in text and "0.56" not in text.replace("0.56%", "")


def test_rounding_never_hides_a_miss():
    assert present.fmt_pair(0.5598, 0.6, "share", "en", "VND") == ("56.0%", "60.0%")
    assert present.fmt_pair(0.59958, 0.6, "share", "en", "VND") == ("59.96%", "60.00%")
    assert present.fmt_pair(7.4999, 7.5, "score", "en", "VND") == ("7.4999 of 10", "7.5000 of 10")
    assert present.fmt_pair(12187768000, 12190000000, "money", "vi", "VND") == ("12.187.768.000 ₫", "12.190.000.000 ₫")
    assert present.fmt_pair(0.6, 0.6, "share", "en", "VND") == ("60.0%", "60.0%")
    data = pd.DataFrame({"kpi": "client_engagement", "period": ["2026-09", "2026-10"], "by": "all", "group": "all",
                         "value": [0.61, 0.59958], "numerator": [61.0, 599.58], "denominator": [100.0, 1000.0],
                         "sum_sq": float("nan"), "detractors": float("nan"), "passives": float("nan"),
                         "promoters": float("nan"), "excluded": 0.0})
    card = scorecard.build(data, period="2026-10", kpis=["client_engagement"], tolerance=0.0,
                           config={"targets": {"client_engagement": 0.6}})
    assert card.table["status"].item() == "red"
    assert "59.96% against a target of 60.00%" in card.summary("en")
    assert "59.96%" in scorecard.to_html(card, locale="en")


def test_changes_by_unit():
    assert present.fmt_change(-0.027, 0.6, "share", "en") == "−2.7 pp"
    assert present.fmt_change(-0.027, 0.6, "share", "vi") == "−2,7 điểm %"
    assert present.fmt_change(-0.0004, 0.6, "share", "en") == "0 pp"
    assert present.fmt_change(3.0, 121.0, "count", "en") == "+3 (+2.5%)"
    assert present.fmt_change(1.04e9, 11.15e9, "money", "en") == "+VND 1.04 bn (+9.3%)"
    assert present.fmt_change(-0.0003, 0.99, "ratio", "en") == "0.00"


def test_plots_and_sparklines_label_values_by_unit(card):
    fig, ax = plt.subplots()
    card.plot(ax=ax, locale="vi")
    labels = {t.get_text() for t in ax.texts}
    assert {"56,0%", "6,55/10", "12,19 tỷ ₫"} <= labels
    fig.canvas.draw()
    assert all(re.fullmatch(r"[−-]?\d+%", t.get_text()) for t in ax.get_xticklabels() if t.get_text())
    grid = scorecard.sparklines(card, locale="en")
    titles = {a.get_title(loc="left") for a in grid.axes}
    assert any(t.endswith("\n56.0%") for t in titles) and any(t.endswith("\nVND 12.19 bn") for t in titles)
    plt.close("all")


# --------------------------------------------------------------------------------------------------
# names and records
# --------------------------------------------------------------------------------------------------

def test_shop_sales_is_named_as_such_and_keeps_its_id(card):
    assert scorecard.kpi_name("revenue", "en") == "Shop sales"
    assert scorecard.kpi_name("revenue", "vi") == "Doanh số cửa hàng"
    assert "revenue" in set(card.table["kpi"])
    assert "Shop sales by location" in {t.caption for t in present.breakdown_tables(card, "en").values()}


def test_records_carry_each_kpi_for_the_index_and_keep_the_archive_names(card):
    rec = card.records("en")
    json.dumps(rec, allow_nan=False)
    for kpi in archive.KEY_KPIS:
        assert kpi in rec and f"{kpi}_status" in rec
    tiles = {t["kpi"]: t for t in rec["scorecard_kpis"]}
    assert list(tiles) == list(card.table["kpi"])
    engagement = tiles["client_engagement"]
    assert engagement["unit"] == "share" and engagement["perspective"] == "customer"
    assert engagement["value"] == pytest.approx(rec["client_engagement"]) and engagement["target"] == 0.6
    assert engagement["status"] == "red" and engagement["reason"] == "56.0% against a target of 60.0%: off target"
    assert tiles["revenue"]["concept"] == "shop_sales@2026-10" and tiles["revenue"]["name"] == "Shop sales"
    vi = {t["kpi"]: t for t in card.records("vi")["scorecard_kpis"]}
    assert vi["employee_satisfaction"]["reason"] == "6,55/10 so với mục tiêu 7,50/10: chưa đạt mục tiêu"
    manifest = {"notebooks": [{"name": "05_kpi_scorecard", "headline": rec}]}
    assert archive.key_kpis(manifest)["revenue"] == {"value": rec["revenue"], "status": rec["revenue_status"]}


def test_concepts_name_each_kpi_for_its_period(card):
    concepts = card.concepts()
    assert concepts["revenue"] == "shop_sales@2026-10" and concepts["nps"] == "nps@2026-10"
    assert set(concepts.values()) == {f"{c}@2026-10" for c in (
        "shop_sales", "new_leads", "nps", "cac", "client_engagement", "employee_satisfaction", "enps", "price_index",
        "clients_at_risk", "orders", "leads_contacted_share")}
