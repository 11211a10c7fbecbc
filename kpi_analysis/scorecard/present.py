"""Words and pictures of the scorecard: the en/vi catalogues, sentences, plots and the HTML page.

Results carry notes and exclusions as codes (``core.results.note`` / ``excluded``); this module words
them in the reader's language (catalogues ``scorecard.notes`` and ``scorecard.excluded``), builds the
"what changed" sentences and the summary, and draws the gap chart, the sparklines and the page.
"""
from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import i18n
from ..core import periods as _periods
from ..core.columns import PERSPECTIVES
from ..core.deprecation import keyword_only
from .spec import SPEC, as_period, is_missing

__all__ = ["PALETTE", "breakdown_tables", "detail_table", "fmt_change", "fmt_pair", "fmt_value", "kpi_name",
           "kpi_records", "note_lines", "period_label", "plot_gaps", "reason", "sparkline", "sparklines", "summary",
           "to_html", "totals_table", "what_changed"]

PALETTE = {"green": "#2e7d32", "amber": "#e6a100", "red": "#c62828", "no_target": "#757575",
           "no_data": "#bdbdbd"}

words = i18n.catalog("scorecard", {
    "kpi_new_leads": {"en": "New leads", "vi": "Khách hàng tiềm năng mới"},
    "kpi_leads_contacted_share": {"en": "Leads contacted within {days} days",
                                  "vi": "Khách tiềm năng được liên hệ trong {days} ngày"},
    "kpi_cac": {"en": "Client acquisition cost", "vi": "Chi phí có được khách hàng (CAC)"},
    "kpi_revenue": {"en": "Shop sales", "vi": "Doanh số cửa hàng"},
    "kpi_orders": {"en": "Orders", "vi": "Số đơn hàng"},
    "kpi_price_index": {"en": "Price index (ours / competitors')",
                        "vi": "Chỉ số giá (giá ta / giá đối thủ)"},
    "kpi_client_engagement": {"en": "Existing clients active", "vi": "Khách hàng hiện tại có hoạt động"},
    "kpi_clients_at_risk": {"en": "Clients at risk (no contact > {days} days)",
                            "vi": "Khách hàng có nguy cơ rời bỏ (không liên hệ > {days} ngày)"},
    "kpi_employee_satisfaction": {"en": "Employee satisfaction (0-10)",
                                  "vi": "Mức hài lòng của nhân viên (0-10)"},
    "kpi_enps": {"en": "Employee NPS (eNPS)", "vi": "eNPS của nhân viên"},
    "kpi_nps": {"en": "Customer NPS", "vi": "NPS của khách hàng"},
    "persp_financial": {"en": "Financial", "vi": "Tài chính"},
    "persp_customer": {"en": "Customer", "vi": "Khách hàng"},
    "persp_internal": {"en": "Internal process", "vi": "Quy trình nội bộ"},
    "persp_learning": {"en": "Learning and growth", "vi": "Học hỏi và phát triển"},
    "status_green": {"en": "on target", "vi": "đạt mục tiêu"},
    "status_amber": {"en": "near target", "vi": "gần mục tiêu"},
    "status_red": {"en": "off target", "vi": "chưa đạt mục tiêu"},
    "status_no_target": {"en": "no target", "vi": "chưa có mục tiêu"},
    "status_no_data": {"en": "no data", "vi": "không có dữ liệu"},
    "headline_no_data": {"en": "{n} without data ({kpis}): see the notes.",
                         "vi": "{n} chỉ số không có dữ liệu ({kpis}): xem ghi chú."},
    "higher_is_better": {"en": "higher is better", "vi": "càng cao càng tốt"},
    "lower_is_better": {"en": "lower is better", "vi": "càng thấp càng tốt"},
    "col_kpi": {"en": "KPI", "vi": "Chỉ số"},
    "col_value": {"en": "Value", "vi": "Giá trị"},
    "col_target": {"en": "Target", "vi": "Mục tiêu"},
    "col_status": {"en": "Status", "vi": "Trạng thái"},
    "col_change": {"en": "vs {period}", "vi": "so với {period}"},
    "col_trend": {"en": "Last {n} periods", "vi": "{n} kỳ gần nhất"},
    "col_owner": {"en": "Owner", "vi": "Người phụ trách"},
    "title": {"en": "KPI scorecard, {period}", "vi": "Bảng điểm KPI, {period}"},
    "what_changed": {"en": "What changed", "vi": "Điều gì đã thay đổi"},
    "notes": {"en": "Notes", "vi": "Ghi chú"},
    "catalogue": {"en": "KPI catalogue check", "vi": "Kiểm tra danh mục KPI"},
    "quarter": {"en": "Q{q} {year}", "vi": "Quý {q} năm {year}"},
    "headline": {"en": "KPI scorecard for {period}: {n} KPIs; {green} on target, {amber} near target, "
                       "{red} off target, {no_target} without a target.",
                 "vi": "Bảng điểm KPI {period}: {n} chỉ số; {green} đạt mục tiêu, {amber} gần mục tiêu, "
                       "{red} chưa đạt mục tiêu, {no_target} chưa có mục tiêu."},
    "rose": {"en": "rose", "vi": "tăng"},
    "fell": {"en": "fell", "vi": "giảm"},
    "better": {"en": "an improvement", "vi": "cải thiện"},
    "worse": {"en": "a deterioration", "vi": "xấu đi"},
    "moved": {"en": "{kpi} {verb} from {previous} to {value} ({change}) compared with {period_prev}, "
                    "more than its usual variation ({why}): {judgement}.",
              "vi": "{kpi} {verb} từ {previous} thành {value} ({change}) so với {period_prev}, "
                    "vượt mức dao động thông thường ({why}): {judgement}."},
    "why_sd": {"en": "beyond {k} SD of the last {n} period-to-period changes",
               "vi": "vượt {k} độ lệch chuẩn của {n} lần thay đổi gần nhất"},
    "why_test": {"en": "{test}, adjusted p = {p}", "vi": "{test}, p hiệu chỉnh = {p}"},
    "test_proportion": {"en": "score test of two proportions", "vi": "kiểm định score hai tỷ lệ"},
    "test_mean": {"en": "Welch t-test", "vi": "kiểm định t Welch"},
    "test_nps": {"en": "z-test on the adjusted-Wald NPS difference",
                 "vi": "kiểm định z cho chênh lệch NPS (Wald hiệu chỉnh)"},
    "reason": {"en": "{value} against a target of {target}: {status}",
               "vi": "{value} so với mục tiêu {target}: {status}"},
    "reason_no_target": {"en": "{value}, no target", "vi": "{value}, chưa có mục tiêu"},
    "reason_no_data": {"en": "no data", "vi": "không có dữ liệu"},
    "col_interval": {"en": "{level} interval", "vi": "Khoảng tin cậy {level}"},
    "col_change_previous": {"en": "Change vs previous period", "vi": "Thay đổi so với kỳ trước"},
    "col_change_last_year": {"en": "Change vs same period last year", "vi": "Thay đổi so với cùng kỳ năm trước"},
    "col_enps_interval": {"en": "eNPS {level} interval", "vi": "Khoảng tin cậy {level} của eNPS"},
    "interval": {"en": "{low} to {high}", "vi": "{low} đến {high}"},
    "and": {"en": " and ", "vi": " và "},
    "cap_new_leads_by_source": {"en": "New leads by source", "vi": "Khách hàng tiềm năng mới theo nguồn"},
    "cap_cac_by_channel": {"en": "Client acquisition cost by channel", "vi": "Chi phí có được khách hàng theo kênh"},
    "cap_revenue_by_location": {"en": "Shop sales by location", "vi": "Doanh số cửa hàng theo điểm bán"},
    "cap_orders_by_location": {"en": "Orders by location", "vi": "Số đơn hàng theo điểm bán"},
    "cap_price_index_by_product": {"en": "Price index by product", "vi": "Chỉ số giá theo sản phẩm"},
    "cap_nps_by_region": {"en": "Customer NPS by region", "vi": "NPS của khách hàng theo vùng"},
    "cap_employee_by_team": {"en": "Employee satisfaction and eNPS by team",
                             "vi": "Mức hài lòng và eNPS của nhân viên theo nhóm"},
    "status_changed": {"en": "{kpi} is now {status} (was {was}): {value} against a target of {target}.",
                       "vi": "{kpi} hiện {status} (trước đó {was}): {value} so với mục tiêu {target}."},
    "status_red_line": {"en": "{kpi} is off target: {value} against {target} ({direction}).",
                        "vi": "{kpi} chưa đạt mục tiêu: {value} so với {target} ({direction})."},
    "nothing_changed": {"en": "No KPI moved beyond its usual period-to-period variation.",
                        "vi": "Không chỉ số nào thay đổi vượt mức dao động thông thường."},
    "catalogue_ok": {"en": "Every KPI has an owner, a target, a direction, a period and a perspective.",
                     "vi": "Mọi KPI đều có người phụ trách, mục tiêu, chiều mong muốn, chu kỳ và "
                           "khía cạnh."},
    "catalogue_missing": {"en": "{kpi} lacks: {fields}.", "vi": "{kpi} còn thiếu: {fields}."},
    "field_owner": {"en": "an owner", "vi": "người phụ trách"},
    "field_target": {"en": "a target for this period", "vi": "mục tiêu cho kỳ này"},
    "field_direction": {"en": "a direction", "vi": "chiều mong muốn"},
    "field_period": {"en": "a review period", "vi": "chu kỳ đánh giá"},
    "field_perspective": {"en": "a perspective", "vi": "khía cạnh"},
    "field_data": {"en": "data", "vi": "dữ liệu"},
    "method": {"en": "status: value against target, amber within {tol} of the target; change flagged when "
                     "beyond {k} SD of past changes (totals) or significant at {conf} by a test, "
                     "Holm-adjusted (rates, means, NPS)",
               "vi": "trạng thái: giá trị so với mục tiêu, vàng khi lệch không quá {tol} mục tiêu; thay "
                     "đổi được đánh dấu khi vượt {k} độ lệch chuẩn của các lần thay đổi trước (chỉ số "
                     "tổng) hoặc có ý nghĩa ở mức {conf} theo kiểm định, hiệu chỉnh Holm (tỷ lệ, trung "
                     "bình, NPS)"},
    "plot_title": {"en": "Gap to target", "vi": "Chênh lệch so với mục tiêu"},
    "plot_xlabel": {"en": "% of target (right = better)", "vi": "% mục tiêu (bên phải = tốt hơn)"},
    "plot_target": {"en": "target", "vi": "mục tiêu"},
    "derived_months": {"en": "the monthly targets", "vi": "các mục tiêu tháng"},
    "derived_coarser": {"en": "the target of {period}, pro rata by days", "vi": "mục tiêu của {period}, theo tỷ lệ số ngày"},
    "derived_coarser_many": {"en": "the targets of {periods}, each for its days",
                             "vi": "các mục tiêu của {periods}, mỗi mục tiêu cho số ngày của nó"},
    "derived_config": {"en": "the config", "vi": "tệp cấu hình"},
})

# note codes (``core.results.note(code, ...)`` on Scorecard.notes) -> sentence
note_words = i18n.catalog("scorecard.notes", {
    "missing_table": {"en": "{kpis} not shown: the table {table} is missing.",
                      "vi": "Không hiển thị {kpis}: thiếu bảng {table}."},
    "missing_column": {"en": "{kpis} not shown: {table} has no column {column}.",
                       "vi": "Không hiển thị {kpis}: bảng {table} không có cột {column}."},
    "not_in_totals": {"en": "{kpis} not shown: the KPI totals have no rows for them.",
                      "vi": "Không hiển thị {kpis}: bảng tổng hợp KPI không có dòng nào cho chúng."},
    "no_value": {"en": "{kpi}: no data for {period}.", "vi": "{kpi}: không có dữ liệu cho {period}."},
    "nps_trailing": {"en": "{kpi}: the period has {n_period} answers, too few for an NPS of its own (fewer than "
                           "{min_n}); the value is for {start} to {end} ({n} answers), as on the NPS page.",
                     "vi": "{kpi}: kỳ này có {n_period} câu trả lời, quá ít để tính NPS riêng (dưới {min_n}); giá trị "
                           "tính từ {start} đến {end} ({n} câu trả lời), như trên trang NPS."},
    "carried": {"en": "{kpi}: latest survey is from {source}; its value is shown for {period}.",
                "vi": "{kpi}: khảo sát gần nhất là {source}; giá trị đó được dùng cho {period}."},
    "incomplete": {"en": "{table} ends on {date}, before the end of {period}: {kpis} cover part "
                         "of the period, so their change is not judged.",
                   "vi": "Dữ liệu {table} kết thúc ngày {date}, trước khi hết {period}: {kpis} chỉ "
                         "tính một phần kỳ nên chưa đánh giá mức thay đổi."},
    "short_history": {"en": "{kpi}: fewer than {n} past changes, so its change is not judged.",
                      "vi": "{kpi}: chưa đủ {n} lần thay đổi trong quá khứ nên chưa đánh giá "
                            "mức thay đổi."},
    "small": {"en": "{kpi}: small sample ({n}, fewer than {min_n}), so neither an interval nor a test of its "
                    "change is shown.",
              "vi": "{kpi}: mẫu nhỏ ({n}, ít hơn {min_n}) nên không hiển thị khoảng tin cậy và không kiểm định "
                    "mức thay đổi."},
    "small_previous": {"en": "{kpi}: {period} has a small sample ({n}, fewer than {min_n}), so the change is not "
                             "tested.",
                       "vi": "{kpi}: {period} có mẫu nhỏ ({n}, ít hơn {min_n}) nên không kiểm định mức thay đổi."},
    "no_variation": {"en": "{kpi}: every answer in {period} is the same ({value}), so no interval is shown (it "
                           "would claim the value is known exactly).",
                     "vi": "{kpi}: mọi câu trả lời trong {period} đều như nhau ({value}) nên không hiển thị khoảng "
                           "tin cậy (nếu có, nó sẽ ngụ ý giá trị được biết chính xác)."},
    "no_variation_change": {"en": "{kpi}: the answers do not vary within {period} nor within {previous}, so their "
                                  "change cannot be tested.",
                            "vi": "{kpi}: các câu trả lời không dao động trong {period} lẫn {previous} nên không "
                                  "thể kiểm định mức thay đổi."},
    "zero_target": {"en": "{kpi}: the target is 0, so a tolerance in percent of it is no band: any miss is off "
                          "target. Set targets.{id}.zero_band in workbook.yml, in the KPI's own unit, for an amber band.",
                    "vi": "{kpi}: mục tiêu bằng 0 nên dung sai tính theo phần trăm của mục tiêu không tạo ra vùng "
                          "vàng: trượt bao nhiêu cũng là không đạt. Đặt targets.{id}.zero_band trong workbook.yml, "
                          "theo đơn vị của chính KPI, để có vùng vàng."},
    "target_prorated": {"en": "Published before the data cover all of {period} (--allow-partial): the targets of "
                              "{kpis} are pro-rated to the {days} of its {total} days that the data cover "
                              "(from the targets of {of}).",
                        "vi": "Phát hành khi dữ liệu chưa phủ hết {period} (--allow-partial): mục tiêu của {kpis} "
                              "được tính theo tỷ lệ {days} trên {total} ngày có dữ liệu (từ mục tiêu của {of})."},
    "direction": {"en": "{kpi}: direction not set; assumed {direction}.",
                  "vi": "{kpi}: chưa đặt chiều mong muốn; tạm coi là {direction}."},
    "target_derived": {"en": "Targets for {period} derived from {how}: {kpis}.",
                       "vi": "Mục tiêu kỳ {period} suy ra từ {how}: {kpis}."},
    "unknown_kpi": {"en": "Targets name KPI(s) the scorecard does not compute: {kpis}.",
                    "vi": "Mục tiêu có KPI mà bảng điểm không tính: {kpis}."},
    "unmapped": {"en": "CAC by channel: lead source(s) {sources} have no marketing-spend channel; "
                       "their won clients count in the overall CAC only.",
                 "vi": "CAC theo kênh: nguồn khách {sources} không có kênh chi phí marketing; khách "
                       "chốt được từ các nguồn này chỉ tính vào CAC chung."},
})

# exclusion codes (``core.results.excluded(code, n)`` on Scorecard.excluded) -> phrase
excluded_words = i18n.catalog("scorecard.excluded", {
    "contact_window": {"en": "{n} lead(s) whose contact window was still open",
                       "vi": "{n} khách tiềm năng chưa hết thời hạn liên hệ"},
    "blank_nps": {"en": "{n} blank NPS answer(s)", "vi": "{n} câu trả lời NPS để trống"},
    "blank_employee": {"en": "{n} blank employee score(s)", "vi": "{n} điểm khảo sát nhân viên để trống"},
})


# --------------------------------------------------------------------------------------------------
# names, periods, values
# --------------------------------------------------------------------------------------------------

def kpi_name(kpi: str, locale: str = "en", *, contact_days: int = 3, risk_days: int = 60) -> str:
    """The KPI's display name in ``locale`` (unknown ids are shown as they are).

    Examples
    --------
    >>> kpi_name("clients_at_risk", "en", risk_days=45), kpi_name("revenue", "vi")
    ('Clients at risk (no contact > 45 days)', 'Doanh số cửa hàng')
    """
    if kpi not in SPEC:
        return kpi
    return words(f"kpi_{kpi}", locale, days=contact_days if kpi == "leads_contacted_share" else risk_days)


def _report_period(p, freq: str | None = None) -> _periods.ReportPeriod:
    """A period given as a pandas ``Period``, a report period or text (canonical, or the reduced table's with
    ``freq``: "2026Q3", "2026-10-19/2026-10-25")."""
    if isinstance(p, str) and freq is not None:
        try:
            return _periods.parse_period(p)
        except ValueError:
            return _periods.parse_period(as_period(p, freq))
    return _periods.parse_period(p)


def period_label(p, locale: str = "en") -> str:
    """'October 2026' / 'Q4 2026' / 'week 43 of 2026 (Oct 19, 2026 to Oct 25, 2026)' / '2026' in the locale.

    ``p`` is a pandas ``Period``, a report period or its text ("2026-10", "2026-W43", "2026-Q3", "2026").

    Examples
    --------
    >>> period_label(pd.Period("2026Q4", "Q"), "vi"), period_label(pd.Period("2026-10", "M")), period_label("2025", "vi")
    ('Quý 4 năm 2026', 'October 2026', 'năm 2025')
    """
    rp = _report_period(p)
    if rp.kind == "month":
        return i18n.month(rp.start, locale)
    if rp.kind == "quarter":
        return words("quarter", locale, q=(rp.start.month - 1) // 3 + 1, year=rp.start.year)
    return _periods.period_label(rp, locale)


def fmt_value(value, unit: str, locale: str, currency: str, *, digits: int | None = None) -> str:
    """A KPI value by its unit, through :func:`kpi_analysis.i18n.value`: counts whole, shares as percents with
    one decimal, money in short scales, scores of 10, NPS points signed, ratios with two decimals; "–" when
    missing.

    >>> fmt_value(0.5598, "share", "en", "VND"), fmt_value(6.547, "score", "vi", "VND"), fmt_value(124.0, "count", "vi", "VND")
    ('56.0%', '6,55/10', '124')
    >>> fmt_value(12187768000, "money", "vi", "VND"), fmt_value(0.9873, "ratio", "en", "VND")
    ('12,19 tỷ ₫', '0.99')
    """
    if is_missing(value):
        return "–"
    return i18n.value(value, unit if unit in i18n.UNITS else "number", locale, currency=currency, digits=digits)


def fmt_pair(value, target, unit: str, locale: str, currency: str) -> tuple[str, str]:
    """A value and its target, with as many digits as it takes for two different numbers to read differently:
    56.0% against 60.0%, and 59.96% against 60.00% (never "60.0% against 60.0%, off target"). Money that reads
    the same in short scales is written out in full.

    >>> fmt_pair(0.5598, 0.6, "share", "en", "VND"), fmt_pair(0.59958, 0.6, "share", "en", "VND")
    (('56.0%', '60.0%'), ('59.96%', '60.00%'))
    >>> fmt_pair(12187768000, 12190000000, "money", "en", "VND")
    ('VND 12,187,768,000', 'VND 12,190,000,000')
    """
    v, t = fmt_value(value, unit, locale, currency), fmt_value(target, unit, locale, currency)
    if is_missing(value) or is_missing(target) or float(value) == float(target) or v != t:
        return v, t
    if unit == "money":
        return i18n.money(value, locale, currency=currency), i18n.money(target, locale, currency=currency)
    start = {"share": 1, "percent": 1, "points": 1, "score": 2, "ratio": 2, "index": 2}.get(unit, 0)
    for digits in range(start + 1, start + 7):
        v, t = (fmt_value(value, unit, locale, currency, digits=digits),
                fmt_value(target, unit, locale, currency, digits=digits))
        if v != t:
            break
    return v, t


def fmt_change(change, previous, unit: str, locale: str, currency: str = "VND", *, inline: bool = False) -> str:
    """A change by the KPI's unit (:func:`kpi_analysis.i18n.change`): shares in percentage points, scores,
    ratios and NPS points signed; totals (counts, money) also relative to the previous value (in brackets, or
    after a comma with ``inline`` for text already in brackets). Zero reads "0", never "-0".

    >>> fmt_change(50.0, 200.0, "count", "en"), fmt_change(-0.027, 0.6, "share", "en")
    ('+50 (+25.0%)', '−2.7 pp')
    >>> fmt_change(-1.2e9, 12.2e9, "money", "vi"), fmt_change(-0.0004, 41.9, "points", "en")
    ('−1,20 tỷ ₫ (−9,8%)', '0.0')
    """
    if is_missing(change):
        return "–"
    text = i18n.change(change, unit if unit in i18n.UNITS else "number", locale, currency=currency)
    if unit in ("count", "money") and not is_missing(previous) and previous != 0:
        rel = float(change) / abs(float(previous))
        shown = i18n.percent(rel, locale, signed=True)
        if shown.lstrip("+−-") == i18n.percent(0, locale):
            shown = i18n.percent(0, locale)
        text += f", {shown}" if inline else f" ({shown})"
    return text


def _name(result, kpi: str, locale: str) -> str:
    return kpi_name(kpi, locale, contact_days=result.settings.get("contact_days", 3),
                    risk_days=result.settings.get("risk_days", 60))


def _label(result, which: str, locale: str) -> str:
    return period_label(_report_period(getattr(result, which), result.freq), locale)


# --------------------------------------------------------------------------------------------------
# sentences
# --------------------------------------------------------------------------------------------------

def note_lines(result, locale: str = "en") -> list[str]:
    """The result's notes (codes with values) as sentences in ``locale``."""
    out = []
    for item in result.notes:
        v = {k: val for k, val in item.items() if k != "code"}
        if "kpis" in v:
            v["kpis"] = ", ".join(_name(result, k, locale) for k in v["kpis"])
        if "kpi" in v:
            unit = SPEC[v["kpi"]].unit if v["kpi"] in SPEC else "number"
            v["id"] = v["kpi"]
            v["kpi"] = _name(result, v["kpi"], locale)
            if "value" in v:
                v["value"] = fmt_value(v["value"], unit, locale, result.currency)
        for pk in ("period", "source", "previous"):
            if pk in v and isinstance(v[pk], str):
                v[pk] = period_label(_report_period(v[pk], result.freq), locale)
        for nk in ("n", "min_n", "days", "total", "n_period"):
            if nk in v:
                v[nk] = i18n.number(v[nk], locale)
        if "of" in v and "how" not in v:
            v["of"] = _periods_in_words(v["of"], locale)
        for dk in ("date", "start", "end"):
            if dk in v:
                v[dk] = i18n.date(v[dk], locale)
        if "sources" in v:
            v["sources"] = ", ".join(v["sources"])
        if "direction" in v:
            v["direction"] = words(v["direction"], locale)
        if "how" in v:
            v["how"] = _derived_from(v.pop("how"), v.pop("of", None), locale)
        out.append(note_words(item["code"], locale, **v))
    return out


def _periods_in_words(of: str, locale: str) -> str:
    """'2026-09,2026-10' -> 'September 2026 and October 2026'."""
    return words("and", locale).join(period_label(t.strip(), locale) for t in str(of).split(","))


def _derived_from(how: str, of: str | None, locale: str) -> str:
    if how == "months":
        return words("derived_months", locale)
    if how == "config":
        return words("derived_config", locale)
    if of and "," in of:
        return words("derived_coarser_many", locale, periods=_periods_in_words(of, locale))
    return words("derived_coarser", locale, period=_periods_in_words(of or "", locale))


def what_changed(result, locale: str = "en") -> list[str]:
    """Plain sentences: changes beyond usual variation, then status changes, then red KPIs."""
    i18n.check_locale(locale)
    lines = []
    t = result.table
    prev_label = _label(result, "previous", locale)
    cur = result.currency
    for r in t[t["flagged"]].itertuples():
        if r.change_method == "sd":
            why = words("why_sd", locale, k=i18n.number(result.settings.get("change_sd", 2), locale, digits=0),
                        n=int(r.n_changes))
        else:
            why = words("why_test", locale, test=words(f"test_{r.change_method}", locale), p=_p_text(r.p_adj, locale))
        good = (r.change > 0) == (r.direction == "higher_is_better")
        lines.append(words("moved", locale, kpi=_name(result, r.kpi, locale),
                           verb=words("rose" if r.change > 0 else "fell", locale),
                           previous=fmt_pair(r.previous, r.value, r.unit, locale, cur)[0],
                           value=fmt_pair(r.value, r.previous, r.unit, locale, cur)[0],
                           change=fmt_change(r.change, r.previous, r.unit, locale, cur, inline=True),
                           period_prev=prev_label,
                           why=why, judgement=words("better" if good else "worse", locale)))
    colour = ("green", "amber", "red")
    for r in t.itertuples():
        value, target = fmt_pair(r.value, r.target, r.unit, locale, cur)
        if r.status in colour and r.status_previous in colour and r.status != r.status_previous:
            lines.append(words("status_changed", locale, kpi=_name(result, r.kpi, locale),
                               status=words(f"status_{r.status}", locale),
                               was=words(f"status_{r.status_previous}", locale), value=value, target=target))
        elif r.status == "red":
            lines.append(words("status_red_line", locale, kpi=_name(result, r.kpi, locale), value=value,
                               target=target, direction=words(r.direction, locale)))
    if not t["flagged"].any():
        lines.insert(0, words("nothing_changed", locale))
    return lines


def _catalogue_lines(result, locale: str) -> list[str]:
    missing = result.catalogue[~result.catalogue["complete"]]
    out = []
    for r in missing.itertuples():
        fields = ", ".join(words(f"field_{f.strip()}", locale) for f in r.missing.split(","))
        out.append(words("catalogue_missing", locale, kpi=_name(result, r.kpi, locale), fields=fields))
    return out


def summary(result, locale: str = "en") -> str:
    """The headline, what changed, the catalogue gaps, the notes, the exclusions and the method."""
    i18n.check_locale(locale)
    head = words("headline", locale, period=_label(result, "period", locale), n=len(result.table),
                 green=result.n_green, amber=result.n_amber, red=result.n_red, no_target=result.n_no_target)
    if result.n_no_data:
        no_data = result.table.loc[result.table["status"] == "no_data", "kpi"]
        head += " " + words("headline_no_data", locale, n=result.n_no_data,
                            kpis=", ".join(_name(result, k, locale) for k in no_data))
    lines = [head] + ["- " + s for s in what_changed(result, locale)]
    lines += _catalogue_lines(result, locale)
    lines += note_lines(result, locale)
    if result.excluded:
        items = "; ".join(excluded_words(e["code"], locale, n=i18n.number(e["n"], locale)) for e in result.excluded)
        lines.append(i18n.text("common", "excluded", locale, items=items))
    method = words("method", locale, tol=i18n.percent(result.settings.get("tolerance_default", 0.05), locale),
                   k=i18n.number(result.settings.get("change_sd", 2), locale),
                   conf=i18n.percent(result.confidence, locale, digits=0))
    lines.append(i18n.text("common", "method", locale, method=method))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# tables and records: every number by its unit
# --------------------------------------------------------------------------------------------------

def reason(result, kpi: str, locale: str = "en") -> str:
    """Why a KPI has its status, in words: "56.0% against a target of 60.0%: off target".

    >>> import pandas as pd
    >>> from kpi_analysis.scorecard import build
    >>> sales = pd.DataFrame({"date": pd.date_range("2026-10-01", "2026-10-31"), "location": "A",
    ...                       "revenue": 4e8, "orders": 4})
    >>> reason(build({"sales": sales}, period="2026-10", config={"targets": {"orders": 140}}), "orders")
    '124 against a target of 140: off target'
    """
    r = result.table.set_index("kpi").loc[kpi]
    if r["status"] == "no_data":
        return words("reason_no_data", locale)
    value, target = fmt_pair(r["value"], r["target"], r["unit"], locale, result.currency)
    if r["status"] == "no_target":
        return words("reason_no_target", locale, value=value)
    return words("reason", locale, value=value, target=target, status=words(f"status_{r['status']}", locale))


def kpi_records(result, locale: str = "en") -> list[dict]:
    """One JSON-safe dict per KPI, in the card's order, for the report's index: ``kpi``, ``concept`` (the id
    recorded with its value, e.g. "shop_sales@2026-10"; None without a value), ``name``, ``perspective``,
    ``perspective_name``, ``unit``, ``value``, ``target``, ``status``, ``status_name``, ``direction``,
    ``value_text``, ``target_text`` (formatted by unit in ``locale``) and ``reason`` (value against target)."""
    from ..core.results import jsonable
    from ..record import concept_id
    from .spec import CONCEPTS

    out = []
    for r in result.table.itertuples():
        value, target = fmt_pair(r.value, r.target, r.unit, locale, result.currency)
        persp = r.perspective
        out.append({"kpi": r.kpi,
                    "concept": None if is_missing(r.value) else concept_id(CONCEPTS[r.kpi], result.period),
                    "name": _name(result, r.kpi, locale), "perspective": persp,
                    "perspective_name": words(f"persp_{persp}", locale) if persp in PERSPECTIVES else persp,
                    "unit": r.unit, "value": r.value, "target": r.target, "status": r.status,
                    "status_name": words(f"status_{r.status}", locale), "direction": r.direction,
                    "value_text": value, "target_text": target, "reason": reason(result, r.kpi, locale)})
    return jsonable(out)


def _p_text(p, locale: str) -> str:
    if is_missing(p):
        return "–"
    return ("< " if float(p) < 0.001 else "") + i18n.number(max(float(p), 0.001), locale, digits=3)


def _interval_text(lo, hi, unit: str, locale: str, currency: str) -> str:
    if is_missing(lo) or is_missing(hi):
        return "–"
    return words("interval", locale, low=fmt_value(lo, unit, locale, currency), high=fmt_value(hi, unit, locale, currency))


def _display(data, columns: dict, caption: str, locale: str, confidence: float = 0.95):
    """A :class:`kpi_analysis.i18n.DisplayTable` of already formatted ``columns`` ({header key: texts})."""
    def header(key):
        if key in ("interval", "change_previous", "change_last_year", "enps_interval"):
            return words(f"col_{key}", locale, level=i18n.percent(confidence, locale, digits=0))
        return i18n.column_label(key, locale)
    frame = pd.DataFrame({header(k): v for k, v in columns.items()}, index=range(len(data)))
    return i18n.DisplayTable(data, frame, caption=caption, locale=locale)


def _code(column: str, values, locale: str) -> list:
    return ["–" if is_missing(v) else i18n.value_label(column, v, locale) for v in values]


def detail_table(result, locale: str = "en"):
    """The scorecard's table for reading (:class:`kpi_analysis.i18n.DisplayTable`): one row per KPI, every
    value, interval, target and change formatted by the KPI's unit in ``locale`` (56.0%, 6.55 of 10, 124,
    VND 12.19 bn; changes of shares in percentage points), codes in words."""
    t = result.table
    cur = result.currency
    pairs = [fmt_pair(r.value, r.target, r.unit, locale, cur) for r in t.itertuples()]
    conf = result.confidence
    cols = {
        "kpi": [_name(result, k, locale) for k in t["kpi"]],
        "perspective": _code("perspective", t["perspective"], locale),
        "value": [v for v, _ in pairs],
        "interval": [_interval_text(r.ci_low, r.ci_high, r.unit, locale, cur) for r in t.itertuples()],
        "previous": [fmt_value(r.previous, r.unit, locale, cur) for r in t.itertuples()],
        "change_previous": [fmt_change(r.change, r.previous, r.unit, locale, cur) for r in t.itertuples()],
        "last_year": [fmt_value(r.last_year, r.unit, locale, cur) for r in t.itertuples()],
        "change_last_year": [fmt_change(r.yoy_change, r.last_year, r.unit, locale, cur) for r in t.itertuples()],
        "target": [tg for _, tg in pairs],
        "status": _code("status", t["status"], locale),
        "status_previous": _code("status_previous", t["status_previous"], locale),
        "change_method": _code("change_method", t["change_method"], locale),
        "threshold": [fmt_change(r.threshold, float("nan"), r.unit, locale, cur).lstrip("+")
                      for r in t.itertuples()],
        "p_adj": [_p_text(p, locale) for p in t["p_adj"]],
        "flagged": _code("flagged", [bool(f) for f in t["flagged"]], locale),
        "owner": ["–" if is_missing(o) else str(o) for o in t["owner"]],
    }
    return _display(t, cols, "", locale, conf)


def totals_table(result, locale: str = "en"):
    """The reduced table's rows of the report period (one per KPI) for reading: value by the KPI's unit, its
    numerator and denominator, rows left out."""
    from .spec import as_period, period_text

    t = result.totals
    t = t[t["by"] == "all"]
    t = t[[period_text(s, result.freq) == result.period for s in t["period"]]]

    def number(x):
        return "–" if is_missing(x) else i18n.number(x, locale, digits=0 if float(x).is_integer() else 2)
    cols = {"kpi": [_name(result, k, locale) for k in t["kpi"]],
            "period": [period_label(as_period(s, result.freq), locale) for s in t["period"]],
            "value": [fmt_value(v, SPEC[k].unit if k in SPEC else "number", locale, result.currency)
                      for k, v in zip(t["kpi"], t["value"], strict=True)],
            "numerator": [number(x) for x in t["numerator"]], "denominator": [number(x) for x in t["denominator"]],
            "excluded": [number(x) for x in t["excluded"]]}
    return _display(t, cols, "", locale)


#: breakdown table -> (KPI whose unit its values have, grouping column)
_DETAIL_KPI = {"new_leads_by_source": ("new_leads", "source"), "cac_by_channel": ("cac", "channel"),
               "revenue_by_location": ("revenue", "location"), "orders_by_location": ("orders", "location"),
               "price_index_by_product": ("price_index", "product"), "nps_by_region": ("nps", "region")}


def breakdown_tables(result, locale: str = "en") -> dict:
    """The breakdowns (``result.details``) for reading, by name: a captioned :class:`kpi_analysis.i18n.DisplayTable`
    each, values and changes formatted by the KPI's unit (spend in money, wins and ranks as counts)."""
    cur = result.currency
    out = {}
    for name, d in result.details.items():
        caption = words(f"cap_{name}", locale)
        if name == "employee_by_team":
            cols = {"team": d["team"].astype(str).tolist(),
                    "survey": [period_label(s, locale) for s in d["survey"]],
                    "n": [fmt_value(n, "count", locale, cur) for n in d["n"]],
                    "mean": [fmt_value(m, "score", locale, cur) for m in d["mean"]],
                    "interval": [_interval_text(lo, hi, "score", locale, cur) for lo, hi in zip(d["ci_low"], d["ci_high"],
                                                                                             strict=True)],
                    "enps": [fmt_value(x, "points", locale, cur) for x in d["enps"]],
                    "enps_interval": [_interval_text(lo, hi, "points", locale, cur)
                                      for lo, hi in zip(d["enps_ci_low"], d["enps_ci_high"], strict=True)]}
            out[name] = _display(d, cols, caption, locale, result.confidence)
            continue
        kpi, by = _DETAIL_KPI[name]
        unit = SPEC[kpi].unit
        cols = {by: d[by].astype(str).tolist(),
                "value": [fmt_value(v, unit, locale, cur) for v in d["value"]],
                "previous": [fmt_value(v, unit, locale, cur) for v in d["previous"]],
                "change_previous": [fmt_change(c, p, unit, locale, cur) for c, p in zip(d["change"], d["previous"],
                                                                                       strict=True)],
                "last_year": [fmt_value(v, unit, locale, cur) for v in d["last_year"]],
                "change_last_year": [fmt_change(v - ly, ly, unit, locale, cur)
                                     for v, ly in zip(d["value"], d["last_year"], strict=True)]}
        if "spend" in d:
            cols["spend"] = [fmt_value(v, "money", locale, cur) for v in d["spend"]]
            cols["won"] = [fmt_value(v, "count", locale, cur) for v in d["won"]]
        if "rank" in d:
            cols["rank"] = [fmt_value(v, "count", locale, cur) for v in d["rank"]]
            cols["rank_previous"] = [fmt_value(v, "count", locale, cur) for v in d["rank_previous"]]
        if "threshold" in d:
            cols["threshold"] = [fmt_change(v, float("nan"), unit, locale, cur).lstrip("+") for v in d["threshold"]]
            cols["flagged"] = _code("flagged", [bool(f) for f in d["flagged"]], locale)
        out[name] = _display(d, cols, caption, locale)
    return out


# --------------------------------------------------------------------------------------------------
# pictures
# --------------------------------------------------------------------------------------------------

def plot_gaps(result, ax=None, *, locale: str = "en", clip: float = 0.5):
    """Each KPI's gap to its target, as a fraction of the target, signed so that right is better
    (``Scorecard.plot``)."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    t = result.table[result.table["target"].notna() & result.table["value"].notna()].iloc[::-1]
    sign = np.where(t["direction"] == "higher_is_better", 1.0, -1.0)
    scale = t["target"].abs().where(t["target"] != 0, 1.0)
    gap = sign * (t["value"] - t["target"]) / scale
    shown = gap.clip(-clip, clip)
    y = np.arange(len(t))
    ax.barh(y, shown, color=[PALETTE[s] for s in t["status"]])
    tol = result.settings.get("tolerance_default", 0.05)
    ax.axvspan(-tol, 0, color=PALETTE["amber"], alpha=0.15, lw=0)
    ax.axvline(0, color="black", lw=1)
    for yi, g, r in zip(y, shown, t.itertuples(), strict=True):
        ax.text(g + (0.01 if g >= 0 else -0.01), yi, fmt_pair(r.value, r.target, r.unit, locale, result.currency)[0],
                va="center", ha="left" if g >= 0 else "right", fontsize=7)
    ax.set_yticks(y, [_name(result, k, locale) for k in t["kpi"]])
    ax.set_xlim(-clip * 1.6, clip * 1.6)
    i18n.tidy_axis(ax, "x", unit="percent", locale=locale)  # whole-percent ticks, no offset text
    ax.set(title=words("plot_title", locale), xlabel=words("plot_xlabel", locale))
    return ax


@keyword_only("kpi", "ax")
def sparkline(result, *, kpi: str, ax=None, locale: str = "en", **kwargs):
    """The last periods of one KPI as a small line, its target dashed, the current point coloured.

    Parameters
    ----------
    result : Scorecard
    kpi : str
        One of the KPIs on the card (``result.table["kpi"]``).
    ax : matplotlib Axes, optional
        Drawn on ``ax`` (default: the current Axes).
    locale : {"en", "vi"}, default "en"
    **kwargs
        Passed to ``ax.plot`` for the line.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from kpi_analysis.scorecard import build
    >>> sales = pd.DataFrame({"date": pd.date_range("2026-08-01", "2026-10-31", freq="D"),
    ...                       "location": "A", "revenue": 10.0, "orders": 1})
    >>> ax = sparkline(build({"sales": sales}, period="2026-10"), kpi="revenue")
    """
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    h = result.history[result.history["kpi"] == kpi]
    if kpi not in set(result.table["kpi"]):
        raise ValueError(f"kpi must be one of {list(result.table['kpi'])}; got {kpi!r}.")
    if not len(h):  # a KPI without data keeps its place on the card, saying so
        ax.text(0.5, 0.5, words("status_no_data", locale), ha="center", va="center", transform=ax.transAxes,
                color=PALETTE["no_data"], fontsize=8)
        ax.set_title(_name(result, kpi, locale), fontsize=8, loc="left")
        ax.set_axis_off()
        return ax
    x = np.arange(len(h))
    ax.plot(x, h["value"].to_numpy(), color=kwargs.pop("color", "#37474f"), lw=kwargs.pop("lw", 1.5),
            **kwargs)
    if h["target"].notna().any():
        ax.plot(x, h["target"].to_numpy(), color="#9e9e9e", lw=1, ls="--")
    last = h.iloc[-1]
    ax.scatter([x[-1]], [last["value"]], color=PALETTE[last["status"]], zorder=3, s=25)
    row = result.table.set_index("kpi").loc[kpi]
    name = textwrap.shorten(_name(result, kpi, locale), 34, placeholder="…")
    ax.set_title(f"{name}\n{fmt_value(row['value'], row['unit'], locale, result.currency)}", fontsize=8,
                 loc="left")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax


def sparklines(result, *, locale: str = "en", ncols: int = 4, width: float = 2.6, height: float = 1.3):
    """A compact grid of every KPI's sparkline; returns the new matplotlib Figure (not shown or saved).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from kpi_analysis.scorecard import build
    >>> sales = pd.DataFrame({"date": pd.date_range("2026-08-01", "2026-10-31", freq="D"),
    ...                       "location": "A", "revenue": 10.0, "orders": 1})
    >>> fig = sparklines(build({"sales": sales}, period="2026-10", kpis=["revenue", "orders"]))
    >>> sum(ax.get_visible() for ax in fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    kpis = list(result.table["kpi"])
    nrows = max(1, math.ceil(len(kpis) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        sparkline(result, kpi=kpi, ax=ax, locale=locale)
    for ax in list(axes.flat)[len(kpis):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def _svg_sparkline(values: Sequence[float], targets: Sequence[float], colour: str, width: int = 110,
                   height: int = 26) -> str:
    """An inline SVG sparkline: no image files, no network, only numbers in the markup."""
    vals = [float(v) for v in values]
    pool = [v for v in vals + [float(t) for t in targets] if not math.isnan(v)]
    if not pool:
        return ""
    lo, hi = min(pool), max(pool)
    span = (hi - lo) or 1.0
    n = max(len(vals) - 1, 1)

    def xy(i, v):
        return f"{2 + i * (width - 6) / n:.1f},{height - 3 - (v - lo) / span * (height - 6):.1f}"
    segs, cur = [], []
    for i, v in enumerate(vals):
        if math.isnan(v):
            if cur:
                segs.append(cur)
            cur = []
        else:
            cur.append(xy(i, v))
    if cur:
        segs.append(cur)
    lines = "".join(f'<polyline fill="none" stroke="#37474f" stroke-width="1.5" points="{" ".join(s)}"/>'
                    for s in segs)
    tgt = [xy(i, float(t)) for i, t in enumerate(targets) if not math.isnan(float(t))]
    if len(tgt) > 1:
        lines = (f'<polyline fill="none" stroke="#9e9e9e" stroke-width="1" stroke-dasharray="3,2" '
                 f'points="{" ".join(tgt)}"/>') + lines
    if not math.isnan(vals[-1]):
        cx, cy = xy(len(vals) - 1, vals[-1]).split(",")
        lines += f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img">{lines}</svg>')


# --------------------------------------------------------------------------------------------------
# the HTML page
# --------------------------------------------------------------------------------------------------

def _kpi_row(result, r, locale: str) -> str:
    e = html.escape
    cur = result.currency
    h = result.history[result.history["kpi"] == r.kpi]
    colour = PALETTE.get(r.status, "#757575")
    better = (r.change > 0) == (r.direction == "higher_is_better")
    change_style = (f" style='color:{PALETTE['green' if better else 'red']};font-weight:bold'"
                    if r.flagged else "")
    flag = " ⚑" if r.flagged else ""
    value, target = fmt_pair(r.value, r.target, r.unit, locale, cur)
    return ("<tr>"
            f"<td>{e(_name(result, r.kpi, locale))}</td>"
            f"<td style='white-space:nowrap'>{e(value)}</td>"
            f"<td style='white-space:nowrap'>{e(target)}</td>"
            f"<td><span style='color:{colour};font-weight:bold'>●</span> "
            f"{e(words('status_' + r.status, locale))}</td>"
            f"<td{change_style}>{e(fmt_change(r.change, r.previous, r.unit, locale, cur) + flag)}</td>"
            f"<td>{e(fmt_change(r.yoy_change, r.last_year, r.unit, locale, cur))}</td>"
            f"<td>{_svg_sparkline(h['value'].tolist(), h['target'].tolist(), colour)}</td>"
            f"<td>{e('–' if is_missing(r.owner) else str(r.owner))}</td></tr>")


@keyword_only("locale")
def to_html(result, *, locale: str = "en") -> str:
    """The scorecard page as self-contained HTML: what changed, then one table per perspective.

    Every KPI shows value, target, status, change against the previous period and the same period
    last year (a change beyond usual variation is marked ⚑ and coloured green if better, red if
    worse), and an inline SVG sparkline of the last periods (no files, no network); numbers and dates
    are formatted for ``locale`` and the result's currency; all data-derived text (owners, names in
    notes) is escaped.

    Parameters
    ----------
    result : Scorecard
    locale : {"en", "vi"}, default "en"

    Returns
    -------
    str

    Examples
    --------
    >>> from kpi_analysis.scorecard import build
    >>> sales = pd.DataFrame({"date": pd.date_range("2026-08-01", "2026-10-31", freq="D"),
    ...                       "location": "A", "revenue": 10.0, "orders": 1})
    >>> page = to_html(build({"sales": sales}, period="2026-10"), locale="vi")
    >>> "Doanh số cửa hàng" in page and "<svg" in page
    True
    """
    from .results import Scorecard

    i18n.check_locale(locale)
    if not isinstance(result, Scorecard):
        raise TypeError(f"result must be a Scorecard from scorecard.build(); got {type(result).__name__}.")
    e = html.escape
    t = result.table
    parts = ["<div class='kpi-scorecard'>",
             f"<h2>{e(words('title', locale, period=_label(result, 'period', locale)))}</h2>",
             f"<div class='kpi-summary'><p>{e(summary(result, locale).splitlines()[0])}</p></div>",
             f"<h3>{e(words('what_changed', locale))}</h3><ul>"]
    parts += [f"<li>{e(s)}</li>" for s in what_changed(result, locale)]
    parts.append("</ul>")
    head = (f"<tr><th>{e(words('col_kpi', locale))}</th><th>{e(words('col_value', locale))}</th>"
            f"<th>{e(words('col_target', locale))}</th><th>{e(words('col_status', locale))}</th>"
            f"<th>{e(words('col_change', locale, period=_label(result, 'previous', locale)))}</th>"
            f"<th>{e(words('col_change', locale, period=_label(result, 'last_year', locale)))}</th>"
            f"<th>{e(words('col_trend', locale, n=result.settings.get('sparkline_periods', 12)))}</th>"
            f"<th>{e(words('col_owner', locale))}</th></tr>")
    for persp in list(PERSPECTIVES) + sorted(set(t["perspective"]) - set(PERSPECTIVES)):
        block = t[t["perspective"] == persp]
        if not len(block):
            continue
        title = words(f"persp_{persp}", locale) if persp in PERSPECTIVES else persp
        parts.append(f"<h3>{e(title)}</h3><table class='kpi-table'>{head}")
        parts += [_kpi_row(result, r, locale) for r in block.itertuples()]
        parts.append("</table>")
    parts.append(f"<h3>{e(words('catalogue', locale))}</h3><ul>")
    gaps = _catalogue_lines(result, locale)
    parts += [f"<li>{e(s)}</li>" for s in gaps] or [f"<li>{e(words('catalogue_ok', locale))}</li>"]
    parts.append("</ul>")
    notes = note_lines(result, locale)
    if notes:
        parts.append(f"<h3>{e(words('notes', locale))}</h3><ul>" + "".join(f"<li>{e(s)}</li>" for s in notes)
                     + "</ul>")
    # the summary's last lines (exclusions, method): the page needs no second copy of the summary
    tail = summary(result, locale).splitlines()[-2 if result.excluded else -1:]
    parts += [f"<p class='kpi-method'>{e(s)}</p>" for s in tail]
    parts.append("</div>")
    return "".join(parts)
