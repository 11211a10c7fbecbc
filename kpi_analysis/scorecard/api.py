"""The KPI scorecard: every sales KPI for a period against its target, grouped by perspective.

The page a manager opens first (issue 8). For a reporting period (week, month or quarter) each KPI is
computed from the canonical tables, compared with the previous period and with the same period last
year, judged against its target (green / amber / red within a tolerance, respecting the KPI's
direction), and its change is flagged only when it is larger than the KPI's usual period-to-period
variation. KPIs are grouped by the Balanced Scorecard's four perspectives (financial, customer,
internal process, learning and growth).

Two steps, as everywhere in the package:

1. :func:`totals` reduces the canonical tables to a small tidy table of per-period KPI totals
   (one row per KPI x period x breakdown group, with the counts and sums each KPI needs);
2. :func:`build` reads either the tables or that reduced table and returns a :class:`Scorecard`.

KPI ids (used in ``kpi_targets.kpi`` and in the ``targets`` section of ``workbook.yml``):

=======================  ==========================================================  ==========
kpi                      definition                                                   unit
=======================  ==========================================================  ==========
new_leads                leads created in the period                                  count
leads_contacted_share    share of those leads first contacted within ``contact_days`` share
cac                      marketing spend / leads won (closed as won) in the period   money
revenue                  sum of ``sales.revenue``                                     money
orders                   sum of ``sales.orders``                                      count
price_index              mean over products of mean(our_price / competitor_price)    ratio
client_engagement        share of existing clients with an activity in the period    share
clients_at_risk          clients silent for > ``risk_days`` (not yet ``lost_days``)   count
employee_satisfaction    mean employee score (0-10)                                   score
enps                     employee NPS: % scoring 9-10 minus % scoring 0-6             points
nps                      customer NPS from ``nps_responses``                          points
=======================  ==========================================================  ==========
"""
from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import i18n
from ..core.checks import check_choice, check_confidence, require_columns, warn_case_variants
from ..core.columns import DIRECTIONS, PERSPECTIVES
from ..core.results import ResultMixin, jsonable
from ..core.stats import adjust_pvalues

__all__ = ["ALL", "KPIS", "REDUCED_COLUMNS", "STATUSES", "TABLES", "Scorecard", "build", "check_catalogue",
           "sparkline", "sparklines", "status", "to_html", "totals"]

# kpi id -> (unit, default direction, default perspective, how monthly targets combine into a longer
# period, how a change is judged, tables it needs). Direction and perspective defaults are only used
# when neither kpi_targets nor the config sets them (the catalogue check then lists them as missing).
_SPEC = {
    "new_leads": ("count", "higher_is_better", "customer", "sum", "sd", ("leads",)),
    "leads_contacted_share": ("share", "higher_is_better", "internal", "mean", "proportion", ("leads",)),
    "cac": ("money", "lower_is_better", "financial", "mean", "sd", ("leads", "marketing_spend")),
    "revenue": ("money", "higher_is_better", "financial", "sum", "sd", ("sales",)),
    "orders": ("count", "higher_is_better", "financial", "sum", "sd", ("sales",)),
    "price_index": ("ratio", "lower_is_better", "customer", "mean", "sd", ("competitor_prices",)),
    "client_engagement": ("share", "higher_is_better", "customer", "mean", "proportion",
                          ("client_activity",)),
    "clients_at_risk": ("count", "lower_is_better", "customer", "last", "sd", ("client_activity",)),
    "employee_satisfaction": ("score", "higher_is_better", "learning", "mean", "mean",
                              ("employee_survey",)),
    "enps": ("points", "higher_is_better", "learning", "mean", "nps", ("employee_survey",)),
    "nps": ("points", "higher_is_better", "customer", "mean", "nps", ("nps_responses",)),
}
KPIS = tuple(_SPEC)
TABLES = ("leads", "marketing_spend", "sales", "competitor_prices", "client_activity", "employee_survey",
          "nps_responses", "kpi_targets")  # every table the scorecard reads; each one is optional
STATUSES = ("green", "amber", "red", "no_target", "no_data")
REDUCED_COLUMNS = ["kpi", "period", "by", "group", "value", "numerator", "denominator", "sum_sq",
                   "detractors", "passives", "promoters", "excluded"]
ALL = "all"  # `by` and `group` of the overall (not broken down) rows
_KEY_COLUMNS = {"leads": ["source"], "marketing_spend": ["channel"], "sales": ["location"],
                "competitor_prices": ["product"], "employee_survey": ["team"], "nps_responses": ["region"]}
_SURVEY_KPIS = ("employee_satisfaction", "enps")
# rows a KPI leaves out -> the reason recorded in ``Scorecard.excluded`` (eNPS shares the survey's)
_EXCLUDED = {"leads_contacted_share": "leads whose contact window is still open",
             "employee_satisfaction": "blank employee scores", "nps": "blank NPS scores"}
_EXCLUDED_KEYS = {"leads whose contact window is still open": "excl_contact_window",
                  "blank employee scores": "excl_blank_employee", "blank NPS scores": "excl_blank_nps"}
_FREQS = {"M": "M", "Q": "Q", "W": "W-SUN"}
_PER_YEAR = {"M": 12, "Q": 4, "W": 52}
_DEFAULTS = {"tolerance": 0.05, "contact_days": 3, "risk_days": 60, "lost_days": 120, "change_sd": 2.0,
             "history": 24,
             "min_history": 6, "survey_max_age_days": 92, "sparkline_periods": 12}
_PALETTE = {"green": "#2e7d32", "amber": "#e6a100", "red": "#c62828", "no_target": "#757575",
            "no_data": "#bdbdbd"}

_t = i18n.catalog("scorecard", {
    "kpi_new_leads": {"en": "New leads", "vi": "Khách hàng tiềm năng mới"},
    "kpi_leads_contacted_share": {"en": "Leads contacted within {days} days",
                                  "vi": "Khách tiềm năng được liên hệ trong {days} ngày"},
    "kpi_cac": {"en": "Client acquisition cost", "vi": "Chi phí có được khách hàng (CAC)"},
    "kpi_revenue": {"en": "Revenue", "vi": "Doanh thu"},
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
    "status_red": {"en": "off target", "vi": "không đạt mục tiêu"},
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
    "week": {"en": "week of {date}", "vi": "tuần từ {date}"},
    "headline": {"en": "KPI scorecard for {period}: {n} KPIs; {green} on target, {amber} near target, "
                       "{red} off target, {no_target} without a target.",
                 "vi": "Bảng điểm KPI {period}: {n} chỉ số; {green} đạt mục tiêu, {amber} gần mục tiêu, "
                       "{red} không đạt, {no_target} chưa có mục tiêu."},
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
    "status_changed": {"en": "{kpi} is now {status} (was {was}): {value} against a target of {target}.",
                       "vi": "{kpi} hiện {status} (trước đó {was}): {value} so với mục tiêu {target}."},
    "status_red_line": {"en": "{kpi} is off target: {value} against {target} ({direction}).",
                        "vi": "{kpi} không đạt mục tiêu: {value} so với {target} ({direction})."},
    "nothing_changed": {"en": "No KPI moved beyond its usual period-to-period variation.",
                        "vi": "Không chỉ số nào thay đổi vượt mức dao động thông thường."},
    "note_missing_table": {"en": "{kpis} not shown: the table {table} is missing.",
                           "vi": "Không hiển thị {kpis}: thiếu bảng {table}."},
    "note_missing_column": {"en": "{kpis} not shown: {table} has no column {column}.",
                            "vi": "Không hiển thị {kpis}: bảng {table} không có cột {column}."},
    "note_not_in_totals": {"en": "{kpis} not shown: the KPI totals have no rows for them.",
                           "vi": "Không hiển thị {kpis}: bảng tổng hợp KPI không có dòng nào cho chúng."},
    "note_no_value": {"en": "{kpi}: no data for {period}.", "vi": "{kpi}: không có dữ liệu cho {period}."},
    "note_carried": {"en": "{kpi}: latest survey is from {source}; its value is shown for {period}.",
                     "vi": "{kpi}: khảo sát gần nhất là {source}; giá trị đó được dùng cho {period}."},
    "note_incomplete": {"en": "{table} ends on {date}, before the end of {period}: {kpis} cover part "
                              "of the period, so their change is not judged.",
                        "vi": "Dữ liệu {table} kết thúc ngày {date}, trước khi hết {period}: {kpis} chỉ "
                              "tính một phần kỳ nên chưa đánh giá mức thay đổi."},
    "note_short_history": {"en": "{kpi}: fewer than {n} past changes, so its change is not judged.",
                           "vi": "{kpi}: chưa đủ {n} lần thay đổi trong quá khứ nên chưa đánh giá "
                                 "mức thay đổi."},
    "note_small": {"en": "{kpi}: small sample ({n}), interval not shown.",
                   "vi": "{kpi}: mẫu nhỏ ({n}), không hiển thị khoảng tin cậy."},
    "note_direction": {"en": "{kpi}: direction not set; assumed {direction}.",
                       "vi": "{kpi}: chưa đặt chiều mong muốn; tạm coi là {direction}."},
    "note_target_derived": {"en": "Targets for {period} derived from {how}: {kpis}.",
                            "vi": "Mục tiêu kỳ {period} suy ra từ {how}: {kpis}."},
    "note_unknown_kpi": {"en": "Targets name KPI(s) the scorecard does not compute: {kpis}.",
                         "vi": "Mục tiêu có KPI mà bảng điểm không tính: {kpis}."},
    "note_unmapped": {"en": "CAC by channel: lead source(s) {sources} have no marketing-spend channel; "
                            "their won clients count in the overall CAC only.",
                      "vi": "CAC theo kênh: nguồn khách {sources} không có kênh chi phí marketing; khách "
                            "chốt được từ các nguồn này chỉ tính vào CAC chung."},
    "catalogue_ok": {"en": "Every KPI has an owner, a target, a direction, a period and a perspective.",
                     "vi": "Mọi KPI đều có người phụ trách, mục tiêu, chiều mong muốn, chu kỳ và "
                           "khía cạnh."},
    "catalogue_missing": {"en": "{kpi} lacks: {fields}.", "vi": "{kpi} còn thiếu: {fields}."},
    "excl_contact_window": {"en": "{n} lead(s) whose contact window was still open",
                            "vi": "{n} khách tiềm năng chưa hết thời hạn liên hệ"},
    "excl_blank_nps": {"en": "{n} blank NPS answer(s)", "vi": "{n} câu trả lời NPS để trống"},
    "excl_blank_employee": {"en": "{n} blank employee score(s)",
                            "vi": "{n} điểm khảo sát nhân viên để trống"},
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
    "pp": {"en": "pp", "vi": "điểm %"},
    "derived_months": {"en": "the monthly targets", "vi": "các mục tiêu tháng"},
    "derived_coarser": {"en": "the target of {period}", "vi": "mục tiêu của {period}"},
    "derived_config": {"en": "the config", "vi": "tệp cấu hình"},
})


# --------------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------------

def _freq(freq: str) -> str:
    check_choice(freq, name="freq", options=list(_FREQS))
    return _FREQS[freq]


def _period_of(period: str, freq: str) -> pd.Period:
    """The reporting period: "2026-10" is October (M), Q4 2026 (Q), or the last full week of October (W)."""
    if not isinstance(period, str):
        raise TypeError(f"period must be a string such as '2026-10'; got {period!r}.")
    import re
    forms = {"M": r"\d{4}-\d{2}", "Q": r"\d{4}-\d{2}|\d{4}-?Q[1-4]",
             "W": r"\d{4}-\d{2}|\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?"}
    if not re.fullmatch(forms[freq], period.strip()):
        raise ValueError(f"period {period!r} is not a {freq} period: use YYYY-MM (e.g. '2026-10')"
                         + {"M": ".", "Q": " or YYYYQn ('2026Q4').",
                            "W": " or a day in the week ('2026-10-26')."}[freq])
    try:
        if freq == "W" and len(period) == 7:  # a month given for a weekly report: its last full week
            month_end = pd.Period(period, "M").end_time.normalize()
            week = pd.Period(month_end, _FREQS["W"])
            return week if week.end_time.normalize() <= month_end else week - 1
        if freq == "Q" and "-Q" in period:
            period = period.replace("-", "")
        return pd.Period(period, _FREQS[freq])
    except (ValueError, TypeError) as err:
        raise ValueError(f"period {period!r} is not a {freq} period (e.g. '2026-10'): {err}") from None


def period_label(p: pd.Period, locale: str = "en") -> str:
    """'October 2026' / 'Q4 2026' / 'week of Oct 26, 2026' in the locale."""
    kind = p.freqstr[0]
    if kind == "M":
        return i18n.month(p.start_time, locale)
    if kind == "Q":
        return _t("quarter", locale, q=p.quarter, year=p.year)
    return _t("week", locale, date=i18n.date(p.start_time, locale))


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))


def _f(x) -> float:
    return float("nan") if _nan(x) else float(x)


def kpi_name(kpi: str, locale: str = "en", *, contact_days: int = 3, risk_days: int = 60) -> str:
    """The KPI's display name in ``locale`` (unknown ids are shown as they are)."""
    if kpi not in _SPEC:
        return kpi
    return _t(f"kpi_{kpi}", locale, days=contact_days if kpi == "leads_contacted_share" else risk_days)


def _fmt_value(value, unit: str, locale: str, currency: str) -> str:
    if _nan(value):
        return "–"
    if unit == "count":
        return i18n.number(value, locale)
    if unit == "share":
        return i18n.percent(value, locale)
    if unit == "money":
        return i18n.money(value, locale, currency=currency)
    if unit == "ratio":
        return i18n.number(value, locale, digits=3)
    if unit == "score":
        return i18n.number(value, locale, digits=2)
    return i18n.points(value, locale)


def _fmt_change(change, previous, unit: str, locale: str) -> str:
    """Relative change for totals and money, absolute change for rates, scores and points."""
    if _nan(change):
        return "–"
    if unit in ("count", "money"):
        if _nan(previous) or previous == 0:
            return "–"
        return i18n.percent(change / abs(previous), locale, signed=True)
    if unit == "share":
        return i18n.points(change * 100, locale) + " " + _t("pp", locale)
    if unit in ("ratio", "score"):
        digits = 3 if unit == "ratio" else 2
        shown = round(float(change), digits)  # no sign on a change that rounds to zero
        return ("+" if shown > 0 else "−" if shown < 0 else "") + i18n.number(abs(shown), locale, digits=digits)
    return i18n.points(change, locale)


# --------------------------------------------------------------------------------------------------
# status
# --------------------------------------------------------------------------------------------------

def status(value, target, direction: str = "higher_is_better", tolerance: float = 0.05) -> str:
    """Traffic-light status of one KPI value against its target.

    Parameters
    ----------
    value, target : float
        The KPI value and its target (NaN/None: "no_data" / "no_target").
    direction : {"higher_is_better", "lower_is_better"}
    tolerance : float, default 0.05
        Width of the amber band as a fraction of ``|target|``; when the target is 0 the band is
        ``tolerance`` in the KPI's own unit.

    Returns
    -------
    str
        "green" when the value meets the target (``>=`` for higher-is-better, ``<=`` otherwise),
        "amber" when it misses by no more than the band (boundary included), "red" beyond it,
        "no_target" without a target, "no_data" without a value.

    Examples
    --------
    >>> status(96, 100), status(94, 100), status(104, 100, "lower_is_better")
    ('amber', 'red', 'amber')
    """
    check_choice(direction, name="direction", options=DIRECTIONS)
    if not isinstance(tolerance, (int, float)) or tolerance < 0:
        raise ValueError(f"tolerance must be a fraction >= 0 (e.g. 0.05); got {tolerance!r}.")
    if _nan(value):
        return "no_data"
    if _nan(target):
        return "no_target"
    value, target = float(value), float(target)
    band = tolerance * abs(target) if target != 0 else float(tolerance)
    eps = 1e-9 * max(1.0, abs(target))  # 95.00000000000001 is still 95
    shortfall = (target - value) if direction == "higher_is_better" else (value - target)
    if shortfall <= eps:
        return "green"
    return "amber" if shortfall <= band + eps else "red"


# --------------------------------------------------------------------------------------------------
# reduction: tables -> per-period KPI totals
# --------------------------------------------------------------------------------------------------

def _rows(kpi, period, by, group, value, numerator=np.nan, denominator=np.nan, **extra) -> pd.DataFrame:
    out = pd.DataFrame({"kpi": kpi, "period": pd.Series(period).astype(str).to_numpy(), "by": by,
                        "group": pd.Series(group).astype(str).to_numpy() if not isinstance(group, str)
                        else group, "value": np.asarray(value, dtype=float),
                        "numerator": np.asarray(numerator, dtype=float),
                        "denominator": np.asarray(denominator, dtype=float)})
    for col in ("sum_sq", "detractors", "passives", "promoters", "excluded"):
        out[col] = np.asarray(extra.get(col, np.nan), dtype=float) if col in extra else np.nan
    if "excluded" not in extra:
        out["excluded"] = 0.0
    return out


def _full_range(periods: pd.Series, freq: str, upto: pd.Period | None = None) -> pd.PeriodIndex:
    lo, hi = periods.min(), periods.max()
    if upto is not None and upto > hi:
        hi = upto
    return pd.period_range(lo, hi, freq=freq)


def _leads_totals(leads, freq, contact_days, notes):
    require_columns(leads, table="leads", columns=["created_at", "source", "status", "closed_at"])
    out = []
    created = leads["created_at"].dt.to_period(freq)
    rng = _full_range(created.dropna(), freq)
    by_src = (leads.assign(_p=created).groupby(["_p", "source"], observed=True).size()
              .unstack(fill_value=0).reindex(rng, fill_value=0).stack())
    by_src.index.names = ["_p", "source"]
    tot = by_src.groupby(level=0).sum()
    out.append(_rows("new_leads", tot.index, ALL, ALL, tot.to_numpy(), tot.to_numpy(), 1.0))
    out.append(_rows("new_leads", by_src.index.get_level_values(0), "source",
                     by_src.index.get_level_values(1), by_src.to_numpy(), by_src.to_numpy(), 1.0))
    if "first_contact_at" in leads.columns:
        # A lead counts once its contact window is over: leads created less than `contact_days` before
        # the data's as-of date (latest timestamp in the table) are excluded, counted, and not judged.
        as_of = pd.concat([leads[c] for c in ("created_at", "closed_at", "first_contact_at")]).max()
        window = pd.Timedelta(days=contact_days)
        eligible = leads["created_at"] + window <= as_of
        delay = leads["first_contact_at"] - leads["created_at"]
        from ..core.checks import reject_rows
        reject_rows(leads, delay < pd.Timedelta(0), table="leads", column="first_contact_at",
                    rule="must not be before created_at")
        contacted = (delay <= window).fillna(False) & eligible
        g = pd.DataFrame({"_p": created, "eligible": eligible.astype(int), "contacted": contacted.astype(int),
                          "excluded": (~eligible).astype(int)}).groupby("_p").sum().reindex(rng, fill_value=0)
        share = g["contacted"] / g["eligible"].where(g["eligible"] > 0)
        out.append(_rows("leads_contacted_share", g.index, ALL, ALL, share, g["contacted"], g["eligible"],
                         excluded=g["excluded"]))
    else:
        notes.append(("note_missing_column", {"kpis": ["leads_contacted_share"], "table": "leads",
                                              "column": "first_contact_at"}))
    return out


def _spend_periods(spend, freq):
    """Monthly spend rows labelled with their period ``_p``; weeks get each month's spend spread
    evenly over its days (spend is only known per month)."""
    if freq == "W-SUN":
        days = spend.loc[spend.index.repeat(spend["month"].dt.days_in_month)].copy()
        days["day"] = days["month"] + pd.to_timedelta(days.groupby(level=0).cumcount(), unit="D")
        days["spend"] = days["spend"] / days["month"].dt.days_in_month
        return days.assign(_p=days["day"].dt.to_period(freq))
    return spend.assign(_p=spend["month"].dt.to_period(freq))


def _cac_totals(leads, spend, freq, channel_map):
    require_columns(spend, table="marketing_spend", columns=["month", "channel", "spend"])
    won = leads[(leads["status"] == "won") & leads["closed_at"].notna()]
    wp = won["closed_at"].dt.to_period(freq)
    sp = _spend_periods(spend, freq)
    rng = _full_range(pd.concat([wp, sp["_p"]]).dropna(), freq)
    spend_p = sp.groupby("_p")["spend"].sum().reindex(rng, fill_value=0.0)
    won_p = wp.value_counts().reindex(rng, fill_value=0)
    out = [_rows("cac", rng, ALL, ALL, spend_p / won_p.where(won_p > 0), spend_p, won_p)]
    cmap = dict(channel_map or {})
    channel = won["source"].map(lambda s: cmap.get(s, s))
    sc = sp.groupby(["_p", "channel"], observed=True)["spend"].sum()
    wc = pd.DataFrame({"_p": wp, "channel": channel}).groupby(["_p", "channel"]).size()
    channels = sorted(set(sp["channel"]))
    idx = pd.MultiIndex.from_product([rng, channels], names=["_p", "channel"])
    sc, wc = sc.reindex(idx, fill_value=0.0), wc.reindex(idx, fill_value=0)
    out.append(_rows("cac", idx.get_level_values(0), "channel", idx.get_level_values(1),
                     sc / wc.where(wc > 0), sc, wc))
    unmapped = sorted(set(channel) - set(channels))
    return out, unmapped


def _sales_totals(sales, freq, notes=None):
    require_columns(sales, table="sales", columns=["date", "location", "revenue"])
    kpis = ["revenue", "orders"] if "orders" in sales.columns else ["revenue"]
    if "orders" not in sales.columns and notes is not None:  # an optional column: its KPI shows no data
        notes.append(("note_missing_column", {"kpis": ["orders"], "table": "sales", "column": "orders"}))
    p = sales["date"].dt.to_period(freq)
    rng = _full_range(p.dropna(), freq)
    out = []
    g = sales.assign(_p=p).groupby(["_p", "location"], observed=True)[kpis].sum()
    tot = g.groupby(level=0).sum().reindex(rng, fill_value=0)
    for kpi in kpis:
        out.append(_rows(kpi, tot.index, ALL, ALL, tot[kpi], tot[kpi], 1.0))
        out.append(_rows(kpi, g.index.get_level_values(0), "location", g.index.get_level_values(1),
                         g[kpi], g[kpi], 1.0))
    return out


def _price_totals(prices, freq):
    require_columns(prices, table="competitor_prices",
                    columns=["date", "product", "our_price", "competitor_price"])
    bad = ~(prices["competitor_price"] > 0)
    if bad.any():
        from ..core.checks import reject_rows
        reject_rows(prices, bad, table="competitor_prices", column="competitor_price", rule="must be > 0")
    ratio = prices["our_price"] / prices["competitor_price"]
    g = (pd.DataFrame({"_p": prices["date"].dt.to_period(freq), "product": prices["product"], "r": ratio})
         .groupby(["_p", "product"], observed=True)["r"].agg(["sum", "count"]))
    g["mean"] = g["sum"] / g["count"]
    tot = g.groupby(level=0)["mean"].agg(["sum", "count"])
    return [_rows("price_index", tot.index, ALL, ALL, tot["sum"] / tot["count"], tot["sum"], tot["count"]),
            _rows("price_index", g.index.get_level_values(0), "product", g.index.get_level_values(1),
                  g["mean"], g["sum"], g["count"])]


def _client_totals(activity, freq, risk_days, lost_days):
    require_columns(activity, table="client_activity", columns=["client_id", "date"])
    act = activity[["client_id", "date"]].dropna()
    p = act["date"].dt.to_period(freq)
    rng = _full_range(p, freq)
    # periods x clients: last activity up to the end of each period (carried forward), and before it
    last_in = act.assign(_p=p).groupby(["_p", "client_id"])["date"].max().unstack().reindex(rng)
    active = last_in.notna()
    last_upto = last_in.ffill()
    last_before = last_upto.shift(1)
    starts = pd.Series([q.start_time for q in rng], index=rng)
    ends = pd.Series([q.end_time.normalize() for q in rng], index=rng)
    gap_start = (-last_before.sub(starts, axis=0)).apply(lambda col: col.dt.days)  # silent days at start
    gap_end = (-last_upto.sub(ends, axis=0)).apply(lambda col: col.dt.days)  # silent days at the end
    existing = gap_start <= lost_days  # seen before the period and not lapsed
    n_existing = existing.sum(axis=1)
    n_active = (active & existing).sum(axis=1)
    live = gap_end <= lost_days
    at_risk = (live & (gap_end > risk_days)).sum(axis=1)
    return [_rows("client_engagement", rng, ALL, ALL, n_active / n_existing.where(n_existing > 0),
                  n_active, n_existing),
            _rows("clients_at_risk", rng, ALL, ALL, at_risk, at_risk, live.sum(axis=1))]


def _counts(scores: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"detractors": (scores <= 6).astype(int),
                         "passives": scores.between(7, 8).astype(int),
                         "promoters": (scores >= 9).astype(int)})


def _survey_totals(survey, freq):
    require_columns(survey, table="employee_survey", columns=["date", "team", "score"])
    s = survey[["date", "team", "score"]].copy()
    blank = s["score"].isna()
    s["_p"] = s["date"].dt.to_period(freq)
    excl = blank.groupby(s["_p"]).sum()
    s = s[~blank]
    sc = s["score"].astype(float)
    parts = pd.concat([s[["_p", "team"]], pd.DataFrame({"n": 1, "sum": sc, "sum_sq": sc ** 2}), _counts(sc)],
                      axis=1)
    out = []
    for by, keys in ((ALL, ["_p"]), ("team", ["_p", "team"])):
        g = parts.groupby(keys, observed=True)[["n", "sum", "sum_sq", "detractors", "passives",
                                                "promoters"]].sum()
        per = g.index if by == ALL else g.index.get_level_values(0)
        grp = ALL if by == ALL else g.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == ALL else 0.0
        out.append(_rows("employee_satisfaction", per, by, grp, g["sum"] / g["n"], g["sum"], g["n"],
                         sum_sq=g["sum_sq"], excluded=ex))
        out.append(_rows("enps", per, by, grp, 100 * (g["promoters"] - g["detractors"]) / g["n"],
                         g["promoters"] - g["detractors"], g["n"], detractors=g["detractors"],
                         passives=g["passives"], promoters=g["promoters"], excluded=ex))
    return out


def _nps_totals(responses, freq):
    require_columns(responses, table="nps_responses", columns=["responded_at", "score", "region"])
    r = responses[["responded_at", "score", "region"]].copy()
    r["_p"] = r["responded_at"].dt.to_period(freq)
    blank = r["score"].isna()
    excl = blank.groupby(r["_p"]).sum()
    r = r[~blank]
    sc = r["score"].astype(float)
    parts = pd.concat([r[["_p", "region"]], pd.DataFrame({"n": 1}, index=r.index), _counts(sc)], axis=1)
    rng = _full_range(r["_p"], freq)
    out = []
    for by, keys in ((ALL, ["_p"]), ("region", ["_p", "region"])):
        g = parts.groupby(keys, observed=True)[["n", "detractors", "passives", "promoters"]].sum()
        if by == ALL:
            g = g.reindex(rng, fill_value=0)
        per = g.index if by == ALL else g.index.get_level_values(0)
        grp = ALL if by == ALL else g.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == ALL else 0.0
        value = 100 * (g["promoters"] - g["detractors"]) / g["n"].where(g["n"] > 0)
        out.append(_rows("nps", per, by, grp, value,
                         g["promoters"] - g["detractors"], g["n"], detractors=g["detractors"],
                         passives=g["passives"], promoters=g["promoters"], excluded=ex))
    return out


def _resolve_settings(config, **given) -> dict:
    """Explicit keyword > ``config["analyses"]["scorecard"]`` > built-in default."""
    cfg = {}
    if config:
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a dict (the workbook settings); got {type(config).__name__}.")
        cfg = dict(((config.get("analyses") or {}).get("scorecard")) or {})
    out = dict(_DEFAULTS)
    out["channel_map"] = {}
    out["kpis"] = list(KPIS)
    for key, value in cfg.items():
        if key not in out:
            from ..core.checks import closest
            raise ValueError(f"analyses.scorecard.{key}: unknown setting; did you mean "
                             f"{closest(key, out)}? Settings: {sorted(out)}.")
        out[key] = value
    out.update({k: v for k, v in given.items() if v is not None})
    for key in ("contact_days", "risk_days", "lost_days", "history", "min_history", "sparkline_periods"):
        if not isinstance(out[key], (int, np.integer)) or isinstance(out[key], bool) or out[key] < 1:
            raise ValueError(f"{key} must be a whole number >= 1; got {out[key]!r}.")
    for key in ("change_sd", "survey_max_age_days"):
        if isinstance(out[key], bool) or not isinstance(out[key], (int, float)) or out[key] <= 0:
            raise ValueError(f"{key} must be a positive number; got {out[key]!r}.")
    if not isinstance(out["channel_map"], Mapping):
        raise TypeError(f"channel_map must map lead sources to spend channels; got {out['channel_map']!r}.")
    unknown = [k for k in out["kpis"] if k not in _SPEC]
    if unknown:
        from ..core.checks import closest
        raise ValueError(f"kpis: unknown KPI id(s) {unknown}; did you mean "
                         f"{[closest(k, KPIS) for k in unknown]}? The ids are {list(KPIS)}.")
    return out


def totals(tables: Mapping[str, pd.DataFrame | None], *, freq: str = "M", contact_days: int | None = None,
           risk_days: int | None = None, lost_days: int | None = None,
           channel_map: Mapping[str, str] | None = None, config: Mapping | None = None,
           notes: list | None = None) -> pd.DataFrame:
    """Reduce the canonical tables to per-period KPI totals (the scorecard's sufficient statistics).

    Parameters
    ----------
    tables : dict of str -> DataFrame
        Canonical tables by name (``leads``, ``sales``, ``marketing_spend``, ``competitor_prices``,
        ``client_activity``, ``employee_survey``, ``nps_responses``). Missing or ``None`` tables are
        skipped: their KPIs get no rows.
    freq : {"M", "Q", "W"}, default "M"
        Period length: month, quarter, or week (Monday to Sunday).
    contact_days : int, default 3
        A lead counts as contacted when ``first_contact_at - created_at <= contact_days`` days.
    risk_days : int, default 60
        A client is at risk when their last activity is more than ``risk_days`` before the period end.
    lost_days : int, default 120
        A client silent for more than ``lost_days`` has lapsed: no longer an existing client (out of
        the engagement denominator) and no longer counted as at risk (they are lost, not at risk).
    channel_map : dict, optional
        Lead ``source`` -> ``marketing_spend.channel`` for CAC by channel. Sources not named keep
        their own name, so when the two tables share names (the sample data) no map is needed.
    config : dict, optional
        Workbook settings; ``analyses.scorecard`` supplies the defaults above.

    Returns
    -------
    DataFrame with columns ``REDUCED_COLUMNS``, one row per kpi x period x breakdown group:

    - ``kpi``: KPI id; ``period``: the period as text ("2026-10", "2026Q4", "2026-10-26/2026-11-01");
    - ``by``, ``group``: the breakdown ("source", "channel", "location", "product", "team",
      "region") and its value; ``"all"``/``"all"`` for the KPI itself;
    - ``value``: the KPI; ``numerator`` and ``denominator`` its parts. Counts and money (new_leads,
      revenue, orders): the total and 1. clients_at_risk: clients at risk and clients known by the
      period end. Shares: clients/leads with the event and those eligible. cac: spend and won leads.
      price_index: sum of product indexes and number of products (per product: sum of price ratios
      and observations). employee_satisfaction: sum of scores and answers; ``sum_sq`` the sum of
      squared scores. enps/nps: promoters - detractors and answers, with the three counts in
      ``detractors``, ``passives``, ``promoters`` (value in points);
    - ``excluded``: rows left out of that period's KPI (blank scores; leads whose contact window
      had not closed by the data's last date).

    Notes
    -----
    Every column is a plain group key or a count/sum, so the reduction can be written in SQL.
    Won leads count in the period of ``closed_at``; new leads in the period of ``created_at``.
    Existing clients in a period: seen before the period starts and silent for at most ``lost_days``
    at its start. ``client_engagement``: existing clients with an activity in the period / existing
    clients. ``clients_at_risk``: clients whose last activity is more than ``risk_days`` and at most
    ``lost_days`` before the period end (its denominator: clients silent for at most ``lost_days``).
    Monthly marketing spend is spread evenly over the days of the month for weekly periods.

    Examples
    --------
    >>> sales = pd.DataFrame({"date": pd.to_datetime(["2026-09-30", "2026-10-01", "2026-10-02"]),
    ...                       "location": ["A", "A", "B"], "revenue": [10.0, 20.0, 5.0], "orders": [1, 2, 1]})
    >>> t = totals({"sales": sales})
    >>> t.query("kpi == 'revenue' and by == 'all'")[["period", "value"]].to_dict("records")
    [{'period': '2026-09', 'value': 10.0}, {'period': '2026-10', 'value': 25.0}]
    """
    fr = _freq(freq)
    settings = _resolve_settings(config, contact_days=contact_days, risk_days=risk_days, lost_days=lost_days,
                                 channel_map=channel_map)
    if not isinstance(tables, Mapping):
        raise TypeError("tables must be a dict of canonical table name -> DataFrame; "
                        f"got {type(tables).__name__}.")
    notes = [] if notes is None else notes
    parts: list[pd.DataFrame] = []
    for name, keys in _KEY_COLUMNS.items():  # "Miền Trung" and "miền trung" would be two groups: say so
        if isinstance(tables.get(name), pd.DataFrame):
            warn_case_variants(tables[name], keys, table=name)
    leads = tables.get("leads")
    if leads is not None:
        parts += _leads_totals(leads, fr, settings["contact_days"], notes)
        if tables.get("marketing_spend") is not None:
            cac, unmapped = _cac_totals(leads, tables["marketing_spend"], fr, settings["channel_map"])
            parts += cac
            if unmapped:
                notes.append(("note_unmapped", {"sources": unmapped}))
    if tables.get("sales") is not None:
        parts += _sales_totals(tables["sales"], fr, notes)
    if tables.get("competitor_prices") is not None:
        parts += _price_totals(tables["competitor_prices"], fr)
    if tables.get("client_activity") is not None:
        parts += _client_totals(tables["client_activity"], fr, settings["risk_days"], settings["lost_days"])
    if tables.get("employee_survey") is not None:
        parts += _survey_totals(tables["employee_survey"], fr)
    if tables.get("nps_responses") is not None:
        parts += _nps_totals(tables["nps_responses"], fr)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("kpi", "period", "by", "group") else float)
                             for c in REDUCED_COLUMNS})
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)[REDUCED_COLUMNS]
    for col in ("kpi", "period", "by", "group"):
        out[col] = out[col].astype("str")
    return out.sort_values(["kpi", "by", "group", "period"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# targets and the KPI catalogue
# --------------------------------------------------------------------------------------------------

def _config_targets(config) -> dict[str, dict]:
    """``targets:`` of workbook.yml as {kpi: {target, direction, perspective, owner, period}}.

    Accepted shapes: ``{kpi: number}`` or ``{kpi: {target: number | {YYYY-MM: number}, direction: ...,
    perspective: ..., owner: ..., period: monthly}}``.
    """
    raw = (config or {}).get("targets") or {}
    if not isinstance(raw, Mapping):
        raise TypeError(f"targets: expected a mapping of KPI id -> target settings; got {raw!r}.")
    out = {}
    for kpi, spec in raw.items():
        if kpi == "tolerance":  # the workbook-wide amber band, not a KPI
            continue
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            spec = {"target": float(spec)}
        if not isinstance(spec, Mapping):
            raise TypeError(f"targets.{kpi}: expected a number or a mapping with target, direction, "
                             f"perspective, owner, period; got {spec!r}.")
        allowed = {"target", "direction", "perspective", "owner", "period", "tolerance"}
        if extra := set(spec) - allowed:
            raise ValueError(f"targets.{kpi}: unknown key(s) {sorted(extra)}; allowed {sorted(allowed)}.")
        if spec.get("direction") is not None:
            check_choice(spec["direction"], name=f"targets.{kpi}.direction", options=DIRECTIONS)
        if spec.get("perspective") is not None:
            check_choice(spec["perspective"], name=f"targets.{kpi}.perspective", options=PERSPECTIVES)
        out[str(kpi)] = dict(spec)
    return out


def _targets_table(targets) -> pd.DataFrame | None:
    if targets is None:
        return None
    require_columns(targets, table="kpi_targets", columns=["kpi", "period", "target", "direction",
                                                           "perspective", "owner"])
    from ..core.checks import reject_rows
    t = targets.copy()
    t["period"] = t["period"].astype("str").str.strip()
    reject_rows(t, ~t["period"].str.match(r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"), table="kpi_targets",
                column="period", rule="must be YYYY-MM, YYYY-Qn or YYYY")
    reject_rows(t, t["direction"].notna() & ~t["direction"].isin(DIRECTIONS), table="kpi_targets",
                column="direction", rule=f"must be one of {list(DIRECTIONS)}")
    reject_rows(t, t["perspective"].notna() & ~t["perspective"].isin(PERSPECTIVES), table="kpi_targets",
                column="perspective", rule=f"must be one of {list(PERSPECTIVES)}")
    reject_rows(t, t.duplicated(["kpi", "period"], keep=False), table="kpi_targets", column="period",
                rule="must have one target per kpi and period")
    return t


def _table_period(s: str) -> pd.Period:
    if "-Q" in s:
        return pd.Period(s.replace("-", ""), "Q")
    return pd.Period(s, "M" if len(s) == 7 else "Y")


def _target_book(table: pd.DataFrame | None) -> dict[str, list[tuple]]:
    """kpi -> [(period, target, start, end)] parsed once from kpi_targets."""
    book: dict[str, list[tuple]] = {}
    if table is None:
        return book
    for kpi, s, v in zip(table["kpi"], table["period"], table["target"]):
        if pd.notna(v):
            q = _table_period(s)
            book.setdefault(str(kpi), []).append((q, float(v), q.start_time, q.end_time))
    return book


def _target_for(kpi: str, p: pd.Period, book: dict, cfg: dict) -> tuple[float, str]:
    """Target of ``kpi`` for period ``p`` and where it came from ("table", "months", "coarser", "config")."""
    rule = _SPEC[kpi][3] if kpi in _SPEC else "mean"
    per = book.get(kpi) or []
    if per:
        kind = p.freqstr[0]
        for q, v, _, _ in per:  # exact period
            if q.freqstr[0] == kind and q == p:
                return v, "table"
        p_start, p_end = p.start_time, p.end_time
        if kind in ("Q", "Y"):
            inside = {q: v for q, v, s, e in per if q.freqstr[0] == "M" and s >= p_start and e <= p_end}
            months = pd.period_range(p_start, p_end, freq="M")
            if all(m in inside for m in months):
                vals = [inside[m] for m in months]
                if rule == "sum":
                    return float(sum(vals)), "months"
                return (vals[-1] if rule == "last" else float(np.mean(vals))), "months"
        # a coarser target covering the period (or the month holding most of a week)
        mid = p_start + (p_end - p_start) / 2
        covering = [(q, v, s, e) for q, v, s, e in per if s <= mid <= e and (e - s) > (p_end - p_start)]
        if covering:
            q, v, s, e = min(covering, key=lambda c: c[3] - c[2])
            if rule == "sum":
                v = v * ((p_end - p_start) / (e - s))
            return float(v), "coarser:" + str(q)
    spec = cfg.get(kpi) or {}
    target = spec.get("target")
    if isinstance(target, Mapping):
        target = target.get(str(p), target.get(p.strftime("%Y-%m")) if p.freqstr[0] == "M" else None)
    if target is not None and not _nan(target):
        return float(target), "config"
    return float("nan"), ""


def _meta(kpi: str, table: pd.DataFrame | None, cfg: dict, p: pd.Period) -> dict:
    """Owner, direction, perspective, review period of a KPI: kpi_targets first, then the config."""
    out = {"owner": None, "direction": None, "perspective": None, "period": None}
    if table is not None:
        rows = table[table["kpi"] == kpi]
        if len(rows):
            rows = rows.assign(_k=[_table_period(s).end_time for s in rows["period"]]).sort_values("_k")
            now = rows[[(_table_period(s).start_time <= p.end_time) for s in rows["period"]]]
            rows = now if len(now) else rows
            for key in ("owner", "direction", "perspective"):
                vals = rows[key].dropna()
                vals = vals[vals.astype(str).str.strip() != ""]
                if len(vals):
                    out[key] = str(vals.iloc[-1])
            kinds = {"M": "monthly", "Q": "quarterly", "Y": "yearly"}
            out["period"] = kinds[_table_period(rows["period"].iloc[-1]).freqstr[0]]
    spec = cfg.get(kpi) or {}
    for key, value in out.items():
        if value is None and spec.get(key) not in (None, ""):
            out[key] = str(spec[key])
    return out


def check_catalogue(targets: pd.DataFrame | None = None, config: Mapping | None = None, *,
                    period: str = "", freq: str = "M", kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """Check that every KPI has an owner, a target, a direction, a review period and a perspective.

    The source article's advice: a KPI must be specific, measurable, owned and tied to an objective.
    The KPIs checked are those the scorecard computes (``kpis``) plus every KPI named in
    ``kpi_targets`` or in the config's ``targets`` section.

    Parameters
    ----------
    targets : DataFrame, optional
        The ``kpi_targets`` table.
    config : dict, optional
        Workbook settings with an optional ``targets`` section.
    period : str, optional
        Reporting period ("2026-10"): "target" means a target for that period. Empty: any target.
    freq : {"M", "Q", "W"}, default "M"
    kpis : list of str, optional
        KPI ids the scorecard computes (default: all of them).

    Returns
    -------
    DataFrame with one row per KPI: ``kpi``, ``owner``, ``target``, ``direction``, ``period``,
    ``perspective`` (None where missing), ``known`` (the scorecard computes it), ``missing`` (the
    missing fields, comma-separated, "" when none) and ``complete``.

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": ["revenue"], "period": ["2026-10"], "target": [100.0],
    ...                   "direction": ["higher_is_better"], "perspective": ["financial"], "owner": ["Lan"]})
    >>> c = check_catalogue(t, {"targets": {"nps": {"target": 30}}}, period="2026-10",
    ...                     kpis=["revenue", "nps"])
    >>> c[["kpi", "missing"]].to_dict("records")
    [{'kpi': 'revenue', 'missing': ''}, {'kpi': 'nps', 'missing': 'owner, direction, period, perspective'}]
    """
    fr = _freq(freq)
    table = _targets_table(targets)
    cfg = _config_targets(config)
    kpis = list(KPIS if kpis is None else kpis)
    names = list(dict.fromkeys(kpis + ([] if table is None else list(dict.fromkeys(table["kpi"])))
                               + list(cfg)))
    p = _period_of(period, freq) if period else None
    book = _target_book(table)
    rows = []
    for kpi in names:
        meta = _meta(kpi, table, cfg, p if p is not None else pd.Period("2100-01", fr))
        if p is not None:
            target, _ = _target_for(kpi, p, book, cfg)
        else:
            has = (table is not None and (table["kpi"] == kpi).any()) or (cfg.get(kpi) or {}).get("target") \
                is not None
            target = 1.0 if has else float("nan")
        row = {"kpi": kpi, "owner": meta["owner"], "target": None if _nan(target) else float(target),
               "direction": meta["direction"], "period": meta["period"], "perspective": meta["perspective"],
               "known": kpi in _SPEC}
        missing = [f for f in ("owner", "target", "direction", "period", "perspective") if row[f] is None]
        row["missing"] = ", ".join(missing)
        row["complete"] = not missing
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# the scorecard
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class Scorecard(ResultMixin):
    """The KPI scorecard of one period.

    Fields: ``period`` (text), ``freq``, ``previous`` and ``last_year`` (the comparison periods),
    counts of KPIs by status (``n_green``, ``n_amber``, ``n_red``, ``n_no_target``, ``n_no_data``), ``n_flagged``
    (changes beyond usual variation), ``method``, ``confidence``, ``adjust``, ``excluded`` (rows
    left out, by reason), ``notes`` (``(key, values)`` pairs rendered in the summary's locale),
    ``currency``, and the tables below.

    ``table``: one row per KPI, grouped by perspective: ``kpi``, ``perspective``, ``unit``, ``value``,
    ``ci_low``, ``ci_high``, ``n``, ``previous``, ``last_year``, ``change`` (value - previous),
    ``change_pct``, ``yoy_change``, ``yoy_pct``, ``target``, ``target_source``, ``direction``,
    ``tolerance``, ``status``, ``status_previous``, ``owner``, ``change_method`` ("sd", "proportion",
    "mean", "nps"), ``threshold`` (k x SD of past changes), ``n_changes`` (how many past changes
    gave that SD), ``p_value``, ``p_adj``, ``flagged``,
    ``source_period`` (the survey wave a carried survey KPI comes from).
    ``history``: the last ``sparkline_periods`` periods of every KPI (``kpi``, ``period``,
    ``value``, ``target``, ``status``). ``details``: breakdown tables by name. ``catalogue``: the
    output of :func:`check_catalogue`. ``totals``: the reduced table the scorecard was built from.
    """

    period: str
    freq: str
    previous: str
    last_year: str
    n_green: int
    n_amber: int
    n_red: int
    n_no_target: int
    n_no_data: int
    n_flagged: int
    method: str
    confidence: float
    adjust: str
    currency: str
    table: pd.DataFrame = field(repr=False)
    history: pd.DataFrame = field(repr=False)
    details: dict = field(repr=False)
    catalogue: pd.DataFrame = field(repr=False)
    totals: pd.DataFrame = field(repr=False)
    excluded: dict = field(default_factory=dict)
    notes: tuple = ()
    settings: dict = field(default_factory=dict, repr=False)

    # -- words ------------------------------------------------------------------------------------
    def _p(self, text: str) -> pd.Period:
        return pd.Period(text, _FREQS[self.freq])

    def kpi_name(self, kpi: str, locale: str = "en") -> str:
        return kpi_name(kpi, locale, contact_days=self.settings.get("contact_days", 3),
                        risk_days=self.settings.get("risk_days", 60))

    def period_label(self, locale: str = "en", which: str = "period") -> str:
        return period_label(self._p(getattr(self, which)), locale)

    def note_lines(self, locale: str = "en") -> list[str]:
        """The notes as sentences in ``locale``."""
        out = []
        for key, values in self.notes:
            v = dict(values)
            if "kpis" in v:
                v["kpis"] = ", ".join(self.kpi_name(k, locale) for k in v["kpis"])
            if "kpi" in v:
                v["kpi"] = self.kpi_name(v["kpi"], locale)
            for pk in ("period", "source"):
                if pk in v and isinstance(v[pk], str):
                    v[pk] = period_label(self._p(v[pk]), locale)
            if "date" in v:
                v["date"] = i18n.date(v["date"], locale)
            if "sources" in v:
                v["sources"] = ", ".join(v["sources"])
            if "direction" in v:
                v["direction"] = _t(v["direction"], locale)
            if "how" in v:
                how = v["how"]
                coarse = how.split(":", 1)[-1]
                coarse = i18n.month(coarse, locale) if len(coarse) == 7 else coarse
                v["how"] = (_t("derived_months", locale) if how == "months" else _t("derived_config", locale)
                            if how == "config" else _t("derived_coarser", locale, period=coarse))
            out.append(_t(key, locale, **v))
        return out

    def what_changed(self, locale: str = "en") -> list[str]:
        """Plain sentences: changes beyond usual variation, then status changes, then red KPIs."""
        i18n.check_locale(locale)
        lines = []
        t = self.table
        prev_label = self.period_label(locale, "previous")
        for r in t[t["flagged"]].itertuples():
            if r.change_method == "sd":
                why = _t("why_sd", locale, k=i18n.number(self.settings.get("change_sd", 2), locale, digits=0),
                         n=int(r.n_changes))
            else:
                why = _t("why_test", locale, test=_t(f"test_{r.change_method}", locale),
                         p=i18n.number(r.p_adj, locale, digits=3))
            good = (r.change > 0) == (r.direction == "higher_is_better")
            lines.append(_t("moved", locale, kpi=self.kpi_name(r.kpi, locale),
                            verb=_t("rose" if r.change > 0 else "fell", locale),
                            previous=_fmt_value(r.previous, r.unit, locale, self.currency),
                            value=_fmt_value(r.value, r.unit, locale, self.currency),
                            change=_fmt_change(r.change, r.previous, r.unit, locale), period_prev=prev_label,
                            why=why, judgement=_t("better" if good else "worse", locale)))
        colour = ("green", "amber", "red")
        for r in t.itertuples():
            if r.status in colour and r.status_previous in colour and r.status != r.status_previous:
                lines.append(_t("status_changed", locale, kpi=self.kpi_name(r.kpi, locale),
                                status=_t(f"status_{r.status}", locale), was=_t(f"status_{r.status_previous}",
                                                                                 locale),
                                value=_fmt_value(r.value, r.unit, locale, self.currency),
                                target=_fmt_value(r.target, r.unit, locale, self.currency)))
            elif r.status == "red":
                lines.append(_t("status_red_line", locale, kpi=self.kpi_name(r.kpi, locale),
                                value=_fmt_value(r.value, r.unit, locale, self.currency),
                                target=_fmt_value(r.target, r.unit, locale, self.currency),
                                direction=_t(r.direction, locale)))
        if not t["flagged"].any():
            lines.insert(0, _t("nothing_changed", locale))
        return lines

    def summary(self, locale: str = "en") -> str:
        i18n.check_locale(locale)
        head = _t("headline", locale, period=self.period_label(locale), n=len(self.table), green=self.n_green,
                  amber=self.n_amber, red=self.n_red, no_target=self.n_no_target)
        if self.n_no_data:
            head += " " + _t("headline_no_data", locale, n=self.n_no_data, kpis=", ".join(
                self.kpi_name(k, locale) for k in self.table.loc[self.table["status"] == "no_data", "kpi"]))
        lines = [head] + ["- " + s for s in self.what_changed(locale)]
        missing = self.catalogue[~self.catalogue["complete"]]
        for r in missing.itertuples():
            fields = ", ".join(_t(f"field_{f.strip()}", locale) for f in r.missing.split(","))
            lines.append(_t("catalogue_missing", locale, kpi=self.kpi_name(r.kpi, locale), fields=fields))
        lines += self.note_lines(locale)
        if self.excluded:
            items = "; ".join(_t(_EXCLUDED_KEYS[k], locale, n=v) for k, v in self.excluded.items())
            lines.append(i18n.text("common", "excluded", locale, items=items))
        method = _t("method", locale, tol=i18n.percent(self.settings.get("tolerance_default", 0.05), locale),
                    k=i18n.number(self.settings.get("change_sd", 2), locale),
                    conf=i18n.percent(self.confidence, locale, digits=0))
        lines.append(i18n.text("common", "method", locale, method=method))
        return "\n".join(lines)

    # -- numbers ----------------------------------------------------------------------------------
    def headline(self) -> dict:
        kpis = {}
        for r in self.table.itertuples():
            kpis[r.kpi] = {"value": r.value, "target": r.target, "status": r.status, "previous": r.previous,
                           "last_year": r.last_year, "change": r.change, "flagged": bool(r.flagged),
                           "perspective": r.perspective}
        return jsonable({"period": self.period, "freq": self.freq, "n_green": self.n_green,
                         "n_amber": self.n_amber, "n_red": self.n_red, "n_no_target": self.n_no_target,
                         "n_no_data": self.n_no_data, "n_flagged": self.n_flagged, "kpis": kpis, "excluded": self.excluded,
                         "method": self.method})

    def records(self) -> dict:
        """Flat headline numbers for the report manifest: ``<kpi>`` (value), ``<kpi>_status``,
        ``<kpi>_target``, plus ``scorecard`` (the counts by status)."""
        out = {}
        for r in self.table.itertuples():
            out[r.kpi] = r.value
            out[f"{r.kpi}_status"] = r.status
            out[f"{r.kpi}_target"] = r.target
        out["scorecard"] = {"period": self.period, "green": self.n_green, "amber": self.n_amber,
                            "red": self.n_red, "no_target": self.n_no_target, "no_data": self.n_no_data,
                            "flagged": self.n_flagged}
        return jsonable(out)

    def plot(self, ax=None, *, locale: str = "en", clip: float = 0.5):
        """Each KPI's gap to its target, as a fraction of the target, signed so that right is better.

        Bars are coloured by status and clipped at ``±clip`` (eNPS against a target of +10 can be
        -500%); the shaded band is the amber tolerance; each bar is labelled with the KPI's value.
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import PercentFormatter

        ax = plt.gca() if ax is None else ax
        t = self.table[self.table["target"].notna() & self.table["value"].notna()].iloc[::-1]
        sign = np.where(t["direction"] == "higher_is_better", 1.0, -1.0)
        scale = t["target"].abs().where(t["target"] != 0, 1.0)
        gap = sign * (t["value"] - t["target"]) / scale
        shown = gap.clip(-clip, clip)
        y = np.arange(len(t))
        ax.barh(y, shown, color=[_PALETTE[s] for s in t["status"]])
        tol = self.settings.get("tolerance_default", 0.05)
        ax.axvspan(-tol, 0, color=_PALETTE["amber"], alpha=0.15, lw=0)
        ax.axvline(0, color="black", lw=1)
        for yi, g, r in zip(y, shown, t.itertuples()):
            ax.text(g + (0.01 if g >= 0 else -0.01), yi, _fmt_value(r.value, r.unit, locale, self.currency),
                    va="center", ha="left" if g >= 0 else "right", fontsize=7)
        ax.set_yticks(y, [self.kpi_name(k, locale) for k in t["kpi"]])
        ax.set_xlim(-clip * 1.6, clip * 1.6)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set(title=_t("plot_title", locale), xlabel=_t("plot_xlabel", locale))
        return ax

    def _repr_html_(self) -> str:
        return to_html(self, "en")


def _tolerance_for(kpi: str, given, config, cfg_targets: dict) -> float:
    """Amber band of ``kpi``: argument > ``targets.<kpi>.tolerance`` > ``analyses.scorecard.tolerance``
    > ``targets.tolerance`` > 0.05 (each may be a number or a per-KPI mapping)."""
    def pick(x):
        return x.get(kpi) if isinstance(x, Mapping) else x
    analyses = ((config or {}).get("analyses") or {}).get("scorecard") or {}
    section = (config or {}).get("targets") or {}
    candidates = (("tolerance", pick(given)),
                  (f"targets.{kpi}.tolerance", (cfg_targets.get(kpi) or {}).get("tolerance")),
                  ("analyses.scorecard.tolerance", pick(analyses.get("tolerance"))),
                  ("targets.tolerance",
                   pick(section.get("tolerance")) if isinstance(section, Mapping) else None))
    for name, cand in candidates:
        if cand is not None:
            if isinstance(cand, bool) or not isinstance(cand, (int, float)) or cand < 0:
                raise ValueError(f"{name} must be a fraction >= 0 (e.g. 0.05); got {cand!r}.")
            return float(cand)
    return float(_DEFAULTS["tolerance"])


def _series(reduced: pd.DataFrame, kpi: str, fr: str) -> pd.DataFrame:
    rows = reduced[(reduced["kpi"] == kpi) & (reduced["by"] == ALL)].copy()
    rows.index = pd.PeriodIndex([pd.Period(s, fr) for s in rows["period"]], freq=fr)
    return rows.sort_index()


def _carry(rows: pd.DataFrame, rng: pd.PeriodIndex, max_age_days: int) -> pd.DataFrame:
    """Survey KPIs: a period without answers shows the latest wave no older than ``max_age_days``."""
    out = rows.reindex(rng)
    src = pd.Series([str(q) if q in rows.index else None for q in rng], index=rng, dtype=object)
    for q in rng:
        if q in rows.index:
            continue
        earlier = [w for w in rows.index if w < q
                   and (q.end_time - w.end_time) <= pd.Timedelta(days=max_age_days)]
        if earlier:
            out.loc[q] = rows.loc[max(earlier)]
            src[q] = str(max(earlier))
    out["source_period"] = src
    return out


def _ci(kpi: str, row, confidence: float) -> tuple[float, float]:
    from scipy import stats
    n = _f(row["denominator"])
    if _nan(n) or n <= 0:
        return float("nan"), float("nan")
    method = _SPEC[kpi][4]
    if method == "proportion":
        from statsmodels.stats.proportion import proportion_confint
        lo, hi = proportion_confint(int(row["numerator"]), int(n), alpha=1 - confidence, method="wilson")
        return float(lo), float(hi)
    if method == "mean":
        if n < 2:
            return float("nan"), float("nan")
        mean = row["numerator"] / n
        var = (row["sum_sq"] - n * mean ** 2) / (n - 1)
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * math.sqrt(max(var, 0.0) / n)
        return float(mean - half), float(mean + half)
    if method == "nps":
        est = _nps(row, confidence)
        return float(est.ci_low), float(est.ci_high)
    return float("nan"), float("nan")


def _nps(row, confidence):
    from .. import nps
    return nps.from_counts(int(row["detractors"]), int(row["passives"]), int(row["promoters"]),
                           method="adjusted_wald", confidence=confidence)


def _test_change(kpi: str, now, before) -> float:
    """Two-sided p-value of the change between two periods' samples (rates, means, NPS)."""
    from scipy import stats
    n1, n0 = _f(now["denominator"]), _f(before["denominator"])
    if _nan(n1) or _nan(n0) or n1 < 2 or n0 < 2:
        return float("nan")
    method = _SPEC[kpi][4]
    if method == "proportion":
        import warnings

        from statsmodels.stats.proportion import test_proportions_2indep
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            # statsmodels also computes the ratio and odds ratio, which divide by zero at 0% or 100%
            warnings.simplefilter("ignore", RuntimeWarning)
            res = test_proportions_2indep(int(now["numerator"]), int(n1), int(before["numerator"]), int(n0),
                                          method="score", compare="diff", alternative="two-sided")
        return float(res.pvalue)
    if method == "mean":
        def msd(r, n):
            m = r["numerator"] / n
            return m, math.sqrt(max((r["sum_sq"] - n * m * m) / (n - 1), 0.0))
        m1, s1 = msd(now, n1)
        m0, s0 = msd(before, n0)
        if s1 == 0 and s0 == 0:
            return 0.0 if m1 != m0 else 1.0
        return float(stats.ttest_ind_from_stats(m1, s1, n1, m0, s0, n0, equal_var=False).pvalue)
    from .. import nps
    # two independent adjusted-Wald estimates compared with the NPS module's z-test
    return float(nps.compare(_nps(now, 0.95), _nps(before, 0.95)).p_value)


def _detail(reduced, kpi, by, p, prev, ly, fr):
    rows = reduced[(reduced["kpi"] == kpi) & (reduced["by"] == by)]
    if not len(rows):
        return None
    wide = rows.pivot(index="group", columns="period", values="value")

    def get(q):
        return wide[str(q)] if str(q) in wide.columns else pd.Series(np.nan, index=wide.index)
    d = pd.DataFrame({"group": wide.index.astype(str), "value": get(p).to_numpy(),
                      "previous": get(prev).to_numpy(), "last_year": get(ly).to_numpy()})
    d["change"] = d["value"] - d["previous"]
    d["change_pct"] = d["change"] / d["previous"].abs().where(d["previous"] != 0)
    d["yoy_pct"] = (d["value"] - d["last_year"]) / d["last_year"].abs().where(d["last_year"] != 0)
    keep = d["value"].notna() | d["previous"].notna()
    if kpi == "cac":  # a channel with spend but no won client has no CAC: show its spend and wins
        now = rows[rows["period"] == str(p)].set_index("group")
        d["spend"] = now["numerator"].reindex(d["group"]).to_numpy()
        d["won"] = now["denominator"].reindex(d["group"]).to_numpy()
        keep |= d["spend"].fillna(0) > 0
    d = d[keep]
    return d.rename(columns={"group": by}).reset_index(drop=True)


def build(data, *, period: str, freq: str = "M", targets: pd.DataFrame | None = None,
          config: Mapping | None = None, kpis: Sequence[str] | None = None,
          tolerance: float | Mapping[str, float] | None = None, contact_days: int | None = None,
          risk_days: int | None = None, lost_days: int | None = None,
          channel_map: Mapping[str, str] | None = None, change_sd: float | None = None,
          history: int | None = None, confidence: float = 0.95,
          adjust: str = "holm", currency: str | None = None) -> Scorecard:
    """The KPI scorecard of one period: value, target, status, change and trend of every KPI.

    Parameters
    ----------
    data : dict of str -> DataFrame, or DataFrame
        The canonical tables by name (a missing or ``None`` table drops its KPIs with a note; a
        ``kpi_targets`` entry is used as ``targets``), or the reduced table from :func:`totals`
        (detected by its columns).
    period : str
        Reporting period: "2026-10" (month; the quarter holding it for ``freq="Q"``; its last full
        week for ``freq="W"``), or "2026Q4", "2026-10-26/2026-11-01".
    freq : {"M", "Q", "W"}, default "M"
    targets : DataFrame, optional
        The ``kpi_targets`` table (kpi, period, target, direction, perspective, owner). Targets for a
        quarter are combined from its months (sum for totals, mean for rates, last for stocks);
        weeks take their month's target (totals pro rata by days).
    config : dict, optional
        Workbook settings: ``targets`` (per KPI: target, direction, perspective, owner, period,
        tolerance; used where ``kpi_targets`` is silent) and ``analyses.scorecard`` (defaults for the
        keyword arguments here, plus ``kpis`` and ``survey_max_age_days``); ``currency``.
    kpis : list of str, optional
        KPI ids to show (default: all of ``KPIS``).
    tolerance : float or dict, default 0.05
        Amber band as a fraction of the target (per KPI with a dict); see :func:`status`.
    contact_days, risk_days, lost_days, channel_map
        See :func:`totals` (defaults 3, 60, 120 and none).
    change_sd : float, default 2.0
        A total (count, money, price index) moved beyond its usual variation when
        ``|change| > change_sd x SD`` of its previous period-to-period changes.
    history : int, default 24
        How many previous changes give that SD (at least 6 are needed, else the change is not judged).
    confidence : float, default 0.95
        Confidence of the KPI intervals and of the change tests.
    adjust : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
        Correction across the change tests of the rate, mean and NPS KPIs of one scorecard.
    currency : str, optional
        Currency of money KPIs (default: the config's, else "VND").

    Returns
    -------
    Scorecard
        See :class:`Scorecard` for the fields and the ``table``, ``history``, ``details``,
        ``catalogue`` and ``totals`` tables.

    Notes
    -----
    *Status* compares the period's value with its target; amber means missing by no more than the
    tolerance. *Change* is value minus the previous period's value. Totals vary for reasons no
    sampling model captures (seasonality, campaigns), so their change is judged against their own
    history: flagged when beyond ``change_sd`` standard deviations of the last ``history`` changes.
    Rates, means and NPS come from samples, so their change is judged by a test of the two periods'
    samples (score test for two proportions, Welch t-test from the sufficient statistics, z-test on
    the difference of two adjusted-Wald NPS estimates), Holm-adjusted across those KPIs. The
    engagement test treats the two periods as independent samples although many clients are in
    both, which makes it conservative. Intervals: Wilson for shares, t for mean scores, adjusted
    Wald for NPS and eNPS (``kpi_analysis.nps.from_counts``). Employee surveys are periodic: a
    month without a survey shows the latest survey no older than ``survey_max_age_days`` (92).

    Examples
    --------
    >>> sales = pd.DataFrame({"date": pd.date_range("2026-08-01", "2026-10-31", freq="D"),
    ...                       "location": "A", "revenue": 10.0, "orders": 1})
    >>> sc = build({"sales": sales}, period="2026-10", config={"targets": {"revenue": 300}})
    >>> {k: v for k, v in sc.records().items() if k.startswith("revenue")}
    {'revenue': 310.0, 'revenue_status': 'green', 'revenue_target': 300.0}
    """
    fr = _freq(freq)
    confidence = check_confidence(confidence)
    check_choice(adjust, name="adjust", options=["holm", "fdr_bh", "bonferroni", "none"])
    settings = _resolve_settings(config, contact_days=contact_days, risk_days=risk_days,
                                 lost_days=lost_days, channel_map=channel_map, change_sd=change_sd,
                                 history=history,
                                 kpis=None if kpis is None else list(kpis))
    currency = currency or (config or {}).get("currency") or "VND"
    p = _period_of(period, freq)
    prev, ly = p - 1, p - _PER_YEAR[freq]
    notes: list[tuple[str, dict]] = []
    excluded: dict[str, int] = {}
    partial: set[str] = set()  # KPIs whose data ends before the period does
    derived: dict[str, list] = {}  # how a target was derived -> KPIs
    cfg_targets = _config_targets(config)

    # 1. the per-period KPI totals
    if isinstance(data, pd.DataFrame):
        if {"kpi", "period", "by", "group", "value"} <= set(data.columns):
            require_columns(data, table="kpi totals", columns=REDUCED_COLUMNS)
            reduced = data
            present = set(reduced.loc[reduced["by"] == ALL, "kpi"])
            absent = [k for k in settings["kpis"] if k not in present]
            if absent:
                notes.append(("note_not_in_totals", {"kpis": absent}))
        else:
            raise ValueError("data: expected a dict of canonical tables or the KPI totals from "
                             f"scorecard.totals() (columns {REDUCED_COLUMNS}); "
                             f"got columns {list(data.columns)}.")
        tables = {}
    elif isinstance(data, Mapping):
        tables = dict(data)
        if targets is None and tables.get("kpi_targets") is not None:
            targets = tables["kpi_targets"]
        for table in ("leads", "marketing_spend", "sales", "competitor_prices", "client_activity",
                      "employee_survey", "nps_responses"):
            if tables.get(table) is None:
                lost = [k for k in settings["kpis"] if table in _SPEC[k][5]]
                if lost:
                    notes.append(("note_missing_table", {"kpis": lost, "table": table}))
        reduced = totals(tables, freq=freq, contact_days=settings["contact_days"],
                         risk_days=settings["risk_days"],
                         lost_days=settings["lost_days"],
                         channel_map=settings["channel_map"], notes=notes)
        for table, col in (("sales", "date"), ("leads", "created_at"), ("client_activity", "date")):
            t = tables.get(table)
            if t is not None and len(t) and t[col].max() < p.end_time.normalize():
                affected = [k for k in settings["kpis"] if table in _SPEC[k][5]]
                partial.update(affected)
                notes.append(("note_incomplete", {"table": table, "date": t[col].max(), "period": str(p),
                                                  "kpis": affected}))
    else:
        raise TypeError("data must be a dict of canonical tables or the KPI totals DataFrame; "
                        f"got {type(data).__name__}.")
    table_t = _targets_table(targets)
    book = _target_book(table_t)
    if table_t is not None:
        unknown = sorted(set(table_t["kpi"]) - set(_SPEC))
        if unknown:
            notes.append(("note_unknown_kpi", {"kpis": unknown}))

    # 2. each KPI: value, comparisons, interval, change judgement, target and status
    n_spark = settings["sparkline_periods"]
    rows, hist = [], []
    for kpi in settings["kpis"]:
        raw = _series(reduced, kpi, fr)
        unit, d_dir, d_persp, _, method, _ = _SPEC[kpi]
        if not len(raw):  # a missing table or column: the KPI stays on the card as "no data", with why
            meta = _meta(kpi, table_t, cfg_targets, p)
            target, _ = _target_for(kpi, p, book, cfg_targets)
            rows.append({"kpi": kpi, "perspective": meta["perspective"] or d_persp, "unit": unit,
                         "value": float("nan"), "target": target, "direction": meta["direction"] or d_dir,
                         "status": "no_data", "status_previous": "no_data", "owner": meta["owner"],
                         "change_method": method, "no_data_reason": _no_data_reason(kpi, notes)})
            continue
        rng = pd.period_range(min(raw.index.min(), p - n_spark), max(raw.index.max(), p), freq=fr)
        if kpi in _SURVEY_KPIS:
            s = _carry(raw, rng, settings["survey_max_age_days"])
        else:
            s = raw.reindex(rng)
            s["source_period"] = [str(q) if q in raw.index else None for q in rng]
        meta = _meta(kpi, table_t, cfg_targets, p)
        direction = meta["direction"]
        if direction is None:
            direction = d_dir
            notes.append(("note_direction", {"kpi": kpi, "direction": d_dir}))
        tol = _tolerance_for(kpi, tolerance, config, cfg_targets)
        cur, before, year = s.loc[p], s.loc[prev], (s.loc[ly] if ly in s.index else None)
        value = _f(cur["value"])
        if _nan(value):
            notes.append(("note_no_value", {"kpi": kpi, "period": str(p)}))
        src = cur["source_period"]
        if kpi in _SURVEY_KPIS and isinstance(src, str) and src != str(p):
            notes.append(("note_carried", {"kpi": kpi, "source": src, "period": str(p)}))
        excl = int(_f(cur["excluded"]) or 0) if not _nan(cur["excluded"]) else 0
        if excl:
            reason = _EXCLUDED.get(kpi)
            if reason:
                excluded[reason] = excluded.get(reason, 0) + excl
        n = _f(cur["denominator"]) if unit not in ("count", "money") or kpi == "cac" else float("nan")
        ci_low, ci_high = (_ci(kpi, cur, confidence) if method != "sd" and not _nan(value)
                           else (np.nan, np.nan))
        if method in ("proportion", "mean", "nps") and not _nan(n) and n < (30 if method == "nps" else 10):
            notes.append(("note_small", {"kpi": kpi, "n": int(n)}))
            ci_low, ci_high = float("nan"), float("nan")
        previous = _f(before["value"])
        change = value - previous
        last_year = _f(year["value"]) if year is not None else float("nan")
        threshold, p_value, n_changes = float("nan"), float("nan"), 0
        if method == "sd":
            past = s["value"].loc[:prev].diff().dropna().iloc[-settings["history"]:]
            n_changes = len(past)
            if n_changes >= settings["min_history"]:
                threshold = float(settings["change_sd"] * past.std(ddof=1))
            elif not _nan(change):
                notes.append(("note_short_history", {"kpi": kpi, "n": settings["min_history"]}))
        elif not _nan(change) and cur["source_period"] != before["source_period"]:
            p_value = _test_change(kpi, cur, before)
        # targets and status, this period and the one before
        target, how = _target_for(kpi, p, book, cfg_targets)
        if how and how != "table":
            derived.setdefault(how, []).append(kpi)
        target_prev, _ = _target_for(kpi, prev, book, cfg_targets)
        st = status(value, target, direction, tol)
        rows.append({"kpi": kpi, "perspective": meta["perspective"] or d_persp, "unit": unit, "value": value,
                     "ci_low": ci_low, "ci_high": ci_high, "n": n, "previous": previous,
                     "last_year": last_year,
                     "change": change, "change_pct": change / abs(previous) if previous else float("nan"),
                     "yoy_change": value - last_year,
                     "yoy_pct": (value - last_year) / abs(last_year) if last_year else float("nan"),
                     "target": target, "target_source": how or None, "direction": direction, "tolerance": tol,
                     "status": st, "status_previous": status(previous, target_prev, direction, tol),
                     "owner": meta["owner"], "change_method": method, "threshold": threshold,
                     "n_changes": n_changes, "p_value": p_value, "source_period": src})
        for q in pd.period_range(p - (n_spark - 1), p, freq=fr):
            v = _f(s.loc[q, "value"]) if q in s.index else float("nan")
            tq, _ = _target_for(kpi, q, book, cfg_targets)
            hist.append({"kpi": kpi, "period": str(q), "value": v, "target": tq,
                         "status": status(v, tq, direction, tol)})
    notes += [("note_target_derived", {"kpis": ks, "period": str(p), "how": how})
              for how, ks in derived.items()]
    if all(r["status"] == "no_data" for r in rows):
        raise ValueError("scorecard: no KPI could be computed: every table it needs is missing or empty "
                         f"(KPIs asked: {settings['kpis']}).")
    t = pd.DataFrame(rows)
    # 3. change flags: tests adjusted together, totals against their own history
    tested = t["p_value"].notna()
    t["p_adj"] = np.nan
    if tested.any():
        t.loc[tested, "p_adj"] = adjust_pvalues(t.loc[tested, "p_value"].to_numpy(), adjust)
    t["flagged"] = ((t["change_method"] == "sd") & (t["change"].abs() > t["threshold"])) | \
                   ((t["change_method"] != "sd") & (t["p_adj"] < 1 - confidence))
    t["flagged"] = t["flagged"].fillna(False).astype(bool) & ~t["kpi"].isin(partial)
    order = {k: i for i, k in enumerate(PERSPECTIVES)}
    t = t.sort_values("perspective", key=lambda s: s.map(order).fillna(99), kind="stable")
    t = t.reset_index(drop=True)

    # 4. breakdowns, catalogue
    details = {}
    for name, kpi, by in (("new_leads_by_source", "new_leads", "source"),
                          ("cac_by_channel", "cac", "channel"),
                          ("revenue_by_location", "revenue", "location"),
                          ("orders_by_location", "orders", "location"),
                          ("price_index_by_product", "price_index", "product"),
                          ("nps_by_region", "nps", "region")):
        if kpi in settings["kpis"] and (d := _detail(reduced, kpi, by, p, prev, ly, fr)) is not None:
            details[name] = d
    if "revenue_by_location" in details:
        d = details["revenue_by_location"]
        d["rank"] = d["value"].rank(ascending=False, method="min").astype("Int64")
        d["rank_previous"] = d["previous"].rank(ascending=False, method="min").astype("Int64")
        details["revenue_by_location"] = d.sort_values("rank").reset_index(drop=True)
    if "price_index_by_product" in details:  # where the price position moved beyond its usual variation
        d = details["price_index_by_product"]
        sd = []
        per_product = reduced[(reduced["kpi"] == "price_index") & (reduced["by"] == "product")]
        for prod in d["product"]:
            r = per_product[per_product["group"] == prod]
            r = pd.Series(r["value"].to_numpy(),
                          index=pd.PeriodIndex([pd.Period(s, fr) for s in r["period"]]))
            r = r.sort_index()
            r = r.reindex(pd.period_range(r.index.min(), max(r.index.max(), p), freq=fr))
            past = r.loc[:prev].diff().dropna().iloc[-settings["history"]:]
            enough = len(past) >= settings["min_history"]
            sd.append(settings["change_sd"] * past.std(ddof=1) if enough else np.nan)
        d["threshold"] = sd
        d["flagged"] = (d["change"].abs() > d["threshold"]).fillna(False)
    team = _team_detail(reduced, p, settings["survey_max_age_days"], fr, confidence)
    if team is not None and any(k in settings["kpis"] for k in _SURVEY_KPIS):
        details["employee_by_team"] = team
    catalogue = check_catalogue(table_t, config, period=period, freq=freq, kpis=settings["kpis"])
    counts = t["status"].value_counts()
    settings = dict(settings, tolerance_default=_tolerance_for("", tolerance, config, {}))
    method = (f"status vs target with relative tolerance; change: {settings['change_sd']} SD of the last "
              f"{settings['history']} changes (totals), score/Welch/NPS z-tests with {adjust} adjustment "
              "(rates, means, NPS); Wilson / t / adjusted-Wald intervals")
    return Scorecard(period=str(p), freq=freq, previous=str(prev), last_year=str(ly),
                     n_green=int(counts.get("green", 0)), n_amber=int(counts.get("amber", 0)),
                     n_red=int(counts.get("red", 0)), n_no_target=int(counts.get("no_target", 0)),
                     n_no_data=int(counts.get("no_data", 0)),
                     n_flagged=int(t["flagged"].sum()), method=method, confidence=confidence, adjust=adjust,
                     currency=currency, table=t, history=pd.DataFrame(hist), details=details,
                     catalogue=catalogue, totals=reduced, excluded=excluded, notes=tuple(notes),
                     settings=settings)


def _no_data_reason(kpi: str, notes) -> str:
    """Why a KPI has no value, as a note code: its table or column is missing, or its table has no rows."""
    for code, values in notes:
        if code in ("note_missing_table", "note_missing_column", "note_not_in_totals") \
                and kpi in values.get("kpis", []):
            return code.removeprefix("note_")
    return "no_rows"


def _team_detail(reduced, p, max_age_days, fr, confidence):
    rows = reduced[(reduced["kpi"].isin(_SURVEY_KPIS)) & (reduced["by"] == "team")]
    if not len(rows):
        return None
    waves = sorted({pd.Period(s, fr) for s in rows["period"]})
    ok = [w for w in waves if w <= p and (p.end_time - w.end_time) <= pd.Timedelta(days=max_age_days)]
    if not ok:
        return None
    w = str(max(ok))
    sat = rows[(rows["kpi"] == "employee_satisfaction") & (rows["period"] == w)].set_index("group")
    en = rows[(rows["kpi"] == "enps") & (rows["period"] == w)].set_index("group")
    out = []
    for team in sat.index:
        r, e = sat.loc[team], en.loc[team]
        lo, hi = _ci("employee_satisfaction", r, confidence) if r["denominator"] >= 2 else (np.nan, np.nan)
        elo, ehi = _ci("enps", e, confidence) if e["denominator"] >= 10 else (np.nan, np.nan)
        out.append({"team": team, "survey": w, "n": int(r["denominator"]), "mean": r["value"], "ci_low": lo,
                    "ci_high": hi, "enps": e["value"], "enps_ci_low": elo, "enps_ci_high": ehi})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------------
# layout: sparklines and the HTML page
# --------------------------------------------------------------------------------------------------

def sparkline(result: Scorecard, kpi: str, ax=None, *, locale: str = "en", **kwargs):
    """The last periods of one KPI as a small line, its target dashed, the current point coloured.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> sales = pd.DataFrame({"date": pd.date_range("2026-08-01", "2026-10-31", freq="D"),
    ...                       "location": "A", "revenue": 10.0, "orders": 1})
    >>> ax = sparkline(build({"sales": sales}, period="2026-10"), "revenue")
    """
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    h = result.history[result.history["kpi"] == kpi]
    if kpi not in set(result.table["kpi"]):
        raise ValueError(f"kpi must be one of {list(result.table['kpi'])}; got {kpi!r}.")
    if not len(h):  # a KPI without data keeps its place on the card, saying so
        ax.text(0.5, 0.5, _t("status_no_data", locale), ha="center", va="center", transform=ax.transAxes,
                color=_PALETTE["no_data"], fontsize=8)
        ax.set_title(result.kpi_name(kpi, locale), fontsize=8, loc="left")
        ax.set_axis_off()
        return ax
    x = np.arange(len(h))
    ax.plot(x, h["value"].to_numpy(), color=kwargs.pop("color", "#37474f"), lw=kwargs.pop("lw", 1.5),
            **kwargs)
    if h["target"].notna().any():
        ax.plot(x, h["target"].to_numpy(), color="#9e9e9e", lw=1, ls="--")
    last = h.iloc[-1]
    ax.scatter([x[-1]], [last["value"]], color=_PALETTE[last["status"]], zorder=3, s=25)
    row = result.table.set_index("kpi").loc[kpi]
    import textwrap
    name = textwrap.shorten(result.kpi_name(kpi, locale), 34, placeholder="…")
    ax.set_title(f"{name}\n{_fmt_value(row['value'], row['unit'], locale, result.currency)}", fontsize=8,
                 loc="left")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax


def sparklines(result: Scorecard, *, locale: str = "en", ncols: int = 4, width: float = 2.6,
               height: float = 1.3):
    """A compact grid of every KPI's sparkline; returns the new matplotlib Figure (not shown or saved)."""
    import matplotlib.pyplot as plt

    kpis = list(result.table["kpi"])
    nrows = max(1, math.ceil(len(kpis) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for ax, kpi in zip(axes.flat, kpis):
        sparkline(result, kpi, ax, locale=locale)
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


def to_html(result: Scorecard, locale: str = "en") -> str:
    """The scorecard page as self-contained HTML: what changed, then one table per perspective.

    Every KPI shows value, target, status, change against the previous period and the same period
    last year (a change beyond usual variation is marked ⚑ and coloured green if better, red if
    worse), and an inline SVG sparkline of the last periods (no files, no network); numbers and dates
    are formatted for ``locale`` and the result's currency; all data-derived text (owners, names in
    notes) is escaped.

    Examples
    --------
    >>> sales = pd.DataFrame({"date": pd.date_range("2026-08-01", "2026-10-31", freq="D"),
    ...                       "location": "A", "revenue": 10.0, "orders": 1})
    >>> page = to_html(build({"sales": sales}, period="2026-10"), "vi")
    >>> "Doanh thu" in page and "<svg" in page
    True
    """
    i18n.check_locale(locale)
    if not isinstance(result, Scorecard):
        raise TypeError(f"result must be a Scorecard from scorecard.build(); got {type(result).__name__}.")
    e = html.escape
    t = result.table
    cur = result.currency
    parts = ["<div class='kpi-scorecard'>",
             f"<h2>{e(_t('title', locale, period=result.period_label(locale)))}</h2>",
             f"<p>{e(result.summary(locale).splitlines()[0])}</p>",
             f"<h3>{e(_t('what_changed', locale))}</h3><ul>"]
    parts += [f"<li>{e(s)}</li>" for s in result.what_changed(locale)]
    parts.append("</ul>")
    head = (f"<tr><th>{e(_t('col_kpi', locale))}</th><th>{e(_t('col_value', locale))}</th>"
            f"<th>{e(_t('col_target', locale))}</th><th>{e(_t('col_status', locale))}</th>"
            f"<th>{e(_t('col_change', locale, period=result.period_label(locale, 'previous')))}</th>"
            f"<th>{e(_t('col_change', locale, period=result.period_label(locale, 'last_year')))}</th>"
            f"<th>{e(_t('col_trend', locale, n=result.settings.get('sparkline_periods', 12)))}</th>"
            f"<th>{e(_t('col_owner', locale))}</th></tr>")
    for persp in list(PERSPECTIVES) + sorted(set(t["perspective"]) - set(PERSPECTIVES)):
        block = t[t["perspective"] == persp]
        if not len(block):
            continue
        title = _t(f"persp_{persp}", locale) if persp in PERSPECTIVES else persp
        parts.append(f"<h3>{e(title)}</h3><table class='kpi-table'>{head}")
        for r in block.itertuples():
            h = result.history[result.history["kpi"] == r.kpi]
            colour = _PALETTE.get(r.status, "#757575")
            better = (r.change > 0) == (r.direction == "higher_is_better")
            change_style = (f" style='color:{_PALETTE['green' if better else 'red']};font-weight:bold'"
                            if r.flagged else "")
            flag = " ⚑" if r.flagged else ""
            parts.append(
                "<tr>"
                f"<td>{e(result.kpi_name(r.kpi, locale))}</td>"
                f"<td>{e(_fmt_value(r.value, r.unit, locale, cur))}</td>"
                f"<td>{e(_fmt_value(r.target, r.unit, locale, cur))}</td>"
                f"<td><span style='color:{colour};font-weight:bold'>●</span> "
                f"{e(_t('status_' + r.status, locale))}</td>"
                f"<td{change_style}>{e(_fmt_change(r.change, r.previous, r.unit, locale) + flag)}</td>"
                f"<td>{e(_fmt_change(r.yoy_change, r.last_year, r.unit, locale))}</td>"
                f"<td>{_svg_sparkline(h['value'].tolist(), h['target'].tolist(), colour)}</td>"
                f"<td>{e('–' if _nan(r.owner) else str(r.owner))}</td></tr>")
        parts.append("</table>")
    missing = result.catalogue[~result.catalogue["complete"]]
    parts.append(f"<h3>{e(_t('catalogue', locale))}</h3><ul>")
    if not len(missing):
        parts.append(f"<li>{e(_t('catalogue_ok', locale))}</li>")
    for r in missing.itertuples():
        fields = ", ".join(_t(f"field_{f.strip()}", locale) for f in r.missing.split(","))
        line = _t("catalogue_missing", locale, kpi=result.kpi_name(r.kpi, locale), fields=fields)
        parts.append(f"<li>{e(line)}</li>")
    parts.append("</ul>")
    notes = result.note_lines(locale)
    if notes:
        parts.append(f"<h3>{e(_t('notes', locale))}</h3><ul>" + "".join(f"<li>{e(s)}</li>" for s in notes)
                     + "</ul>")
    parts.append("</div>")
    return "".join(parts)
