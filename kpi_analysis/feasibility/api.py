"""Is a KPI target realistic, too easy or out of reach, and which lever would have to move?

One question, one function: :func:`assess` takes the monthly history of a KPI and a target for a
month, a quarter or a year, simulates the target period from two model families, and returns the
probability of hitting the target (per model and combined, with the range across models), how well
past forecast intervals were calibrated, a verdict band, where the target sits among the KPI's past
year-on-year growths, the growth each revenue driver would need (revenue = leads x conversion x
average deal value) and a SMART check of the target.

The reduction step is :func:`monthly_drivers` (lead rows -> one row per month with leads, closed,
won, revenue, conversion and deal size); :func:`assess` accepts the lead rows, that reduced table,
any ``month``/``value`` table or a monthly Series.
"""
from __future__ import annotations

import html
import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import i18n
from ..core.checks import check_choice, check_confidence, reject_rows, require_columns
from ..core.columns import LEAD_STATUSES, PERSPECTIVES
from ..core.results import ResultMixin, html_table, jsonable

__all__ = [
    "BASES",
    "DEFAULT_BANDS",
    "MODELS",
    "VERDICTS",
    "Feasibility",
    "assess",
    "default_target_period",
    "lookup_perspective",
    "monthly_drivers",
    "p_hit_from_paths",
    "parse_period",
]

SEED = 20261028
BASES = ("absolute", "same_period_last_year", "last_12_months")
VERDICTS = ("unrealistic", "aggressive", "realistic", "too_easy")  # low -> high P(hit)
DEFAULT_BANDS = (0.2, 0.5, 0.9)
MODELS = ("ets", "sarima_boot")
DRIVERS = ("leads", "conversion", "deal_size")
DIRECTIONS = ("higher_is_better", "lower_is_better")
_SEASON = 12
_MIN_MONTHS = 6  # below this nothing is fitted
_DRIVER_COLUMNS = ["month", "leads", "closed", "won", "revenue", "conversion", "deal_size", "win_rate",
                   "complete"]

_t = i18n.catalog("feasibility", {
    "target": {
        "en": "{kpi} target for {period}: {target} ({basis}); forecast median {median} "
              "({level} range {low} to {high}).",
        "vi": "Mục tiêu {kpi} cho {period}: {target} ({basis}); trung vị dự báo {median} "
              "(khoảng {level} từ {low} đến {high}).",
    },
    "basis_absolute": {"en": "absolute value", "vi": "giá trị tuyệt đối"},
    "basis_same_period_last_year": {"en": "{growth} vs the same period last year, {baseline}",
                                    "vi": "{growth} so với cùng kỳ năm trước, {baseline}"},
    "basis_last_12_months": {"en": "{growth} vs the last 12 months, {baseline} for a period this long",
                             "vi": "{growth} so với 12 tháng gần nhất, {baseline} cho kỳ dài tương ứng"},
    "observed_part": {"en": "{months} month(s) of the period are already known: {value}.",
                      "vi": "{months} tháng của kỳ đã có số liệu thực tế: {value}."},
    "p_hit": {"en": "Chance of hitting it: {p} (models range {low} to {high}). Verdict: {verdict}.",
              "vi": "Xác suất đạt: {p} (các mô hình từ {low} đến {high}). Kết luận: {verdict}."},
    "p_hit_spread": {"en": "The models disagree across verdict bands: read the range, not only the "
                           "combined figure.",
                     "vi": "Các mô hình cho kết luận khác nhau: hãy xem cả khoảng, không chỉ con số chung."},
    "verdict_too_easy": {"en": "too easy (missed opportunity)", "vi": "quá dễ (bỏ lỡ cơ hội)"},
    "verdict_realistic": {"en": "realistic stretch", "vi": "thử thách nhưng khả thi"},
    "verdict_aggressive": {"en": "aggressive", "vi": "tham vọng"},
    "verdict_unrealistic": {"en": "unrealistic", "vi": "không thực tế"},
    "percentile": {"en": "The growth it asks for ({growth} vs the same period last year) is above {pct} of "
                         "the {n} past year-on-year changes of {months}-month totals (largest {max}).",
                   "vi": "Mức tăng trưởng cần có ({growth} so với cùng kỳ) cao hơn {pct} trong {n} lần thay "
                         "đổi so với cùng kỳ của tổng {months} tháng trong quá khứ (cao nhất {max})."},
    "calibration": {"en": "Backtest ({n} past forecast origins x {origins} models): past {level} intervals "
                          "of the period total held the actual {cov} of the time (single months: "
                          "{cov_month}); {judgement}",
                    "vi": "Kiểm định lùi ({n} mốc dự báo trong quá khứ x {origins} mô hình): khoảng {level} "
                          "của tổng kỳ trước đây chứa giá trị thực tế {cov} số lần (từng tháng: {cov_month}); "
                          "{judgement}"},
    "calib_good": {"en": "consistent with the nominal level, so P(hit) can be used as stated.",
                   "vi": "phù hợp với mức danh nghĩa, nên có thể dùng xác suất đạt như đã nêu."},
    "calib_narrow": {"en": "intervals were too narrow, so P(hit) is overconfident (too close to 0 or 1).",
                     "vi": "khoảng dự báo quá hẹp, nên xác suất đạt có phần quá chắc chắn (quá gần 0 hoặc 1)."},
    "calib_wide": {"en": "intervals were too wide, so P(hit) is too cautious (too close to 50%).",
                   "vi": "khoảng dự báo quá rộng, nên xác suất đạt có phần quá thận trọng (quá gần 50%)."},
    "model_narrow": {"en": "{model}: past {level} intervals held the actual only {cov} of the time, so its "
                           "P(hit) is overconfident.",
                     "vi": "{model}: khoảng {level} trước đây chỉ chứa giá trị thực tế {cov} số lần, nên xác "
                           "suất đạt của mô hình này có phần quá chắc chắn."},
    "calib_none": {"en": "Backtest not possible: the history is too short.",
                   "vi": "Không thể kiểm định lùi: chuỗi dữ liệu quá ngắn."},
    "drivers": {"en": "Revenue = leads x conversion x deal size: moving alone, one lever would need "
                      "{alone}; shared equally, each needs {shared}. Share of past year-on-year changes at "
                      "least that large (alone / shared): {levers}.",
                "vi": "Doanh thu = số lead x tỷ lệ chuyển đổi x giá trị đơn: nếu chỉ một yếu tố thay đổi, "
                      "nó cần {alone}; nếu chia đều, mỗi yếu tố cần {shared}. Tỷ lệ số lần thay đổi so với "
                      "cùng kỳ trước đây đạt ít nhất mức đó (đơn lẻ / chia đều): {levers}."},
    "lever": {"en": "{driver} {alone} / {shared}", "vi": "{driver} {alone} / {shared}"},
    "driver_leads": {"en": "leads", "vi": "số lead"},
    "driver_conversion": {"en": "conversion", "vi": "tỷ lệ chuyển đổi"},
    "driver_deal_size": {"en": "deal size", "vi": "giá trị đơn trung bình"},
    "driver_revenue": {"en": "revenue", "vi": "doanh thu"},
    "method": {"en": "Method: {n_paths} simulated paths per model ({models}), summed over the target "
                     "period; combined P(hit) = equal-weight average of the models; seed {seed}.",
               "vi": "Phương pháp: {n_paths} đường mô phỏng cho mỗi mô hình ({models}), cộng dồn trong kỳ "
                     "mục tiêu; xác suất chung = trung bình đều của các mô hình; seed {seed}."},
    "model_ets": {"en": "exponential smoothing ETS(A,A,A)", "vi": "san bằng mũ ETS(A,A,A)"},
    "model_ets_ns": {"en": "exponential smoothing ETS(A,A,N), no seasonality",
                     "vi": "san bằng mũ ETS(A,A,N), không mùa vụ"},
    "model_sarima_boot": {"en": "seasonal ARIMA(1,0,0)(0,1,0)12 with drift and bootstrapped residuals",
                          "vi": "ARIMA mùa vụ (1,0,0)(0,1,0)12 có xu hướng, phần dư bootstrap"},
    "model_arima_boot": {"en": "ARIMA(1,1,0) with drift and bootstrapped residuals, no seasonality",
                         "vi": "ARIMA(1,1,0) có xu hướng, phần dư bootstrap, không mùa vụ"},
    "scale_log": {"en": "log scale", "vi": "thang log"},
    "scale_raw": {"en": "original scale", "vi": "thang gốc"},
    "note_short": {"en": "Only {n} months of usable history (fewer than two seasons): seasonality is not "
                         "modelled and a simpler trend model is used; treat P(hit) with care.",
                   "vi": "Chỉ có {n} tháng dữ liệu dùng được (ít hơn hai chu kỳ mùa vụ): không mô hình hóa "
                         "mùa vụ, dùng mô hình xu hướng đơn giản hơn; cần thận trọng với xác suất đạt."},
    "note_gap": {"en": "The history has gaps (missing or blank months, e.g. {examples}); only the {n} "
                       "consecutive months from {start} are used.",
                 "vi": "Chuỗi dữ liệu bị gián đoạn (thiếu tháng, ví dụ {examples}); chỉ dùng {n} tháng "
                       "liên tục từ {start}."},
    "note_nonpositive": {"en": "{n} month(s) are zero or negative (e.g. {examples}): models are fitted on "
                               "the original scale (additive) instead of the log scale.",
                         "vi": "{n} tháng có giá trị bằng 0 hoặc âm (ví dụ {examples}): mô hình được ước "
                               "lượng trên thang gốc (cộng tính) thay vì thang log."},
    "note_incomplete": {"en": "Incomplete months left out: {months} (the data start or end inside the "
                              "window in which deals close).",
                        "vi": "Các tháng chưa đủ dữ liệu không được dùng: {months} (dữ liệu bắt đầu hoặc "
                              "kết thúc giữa chừng thời gian chốt đơn)."},
    "note_baseline_forecast": {"en": "Part of the baseline period is still in the future: the baseline is "
                                     "simulated jointly with the target period.",
                               "vi": "Một phần kỳ gốc chưa diễn ra: kỳ gốc được mô phỏng cùng với kỳ mục tiêu."},
    "note_no_drivers": {"en": "No driver table: it needs the lead table and the same period last year "
                              "fully observed.",
                        "vi": "Không có bảng yếu tố: cần bảng lead và số liệu đầy đủ của cùng kỳ năm trước."},
    "note_convergence": {"en": "The {model} fit did not fully converge.",
                         "vi": "Mô hình {model} chưa hội tụ hoàn toàn."},
    "note_backtest_few": {"en": "The backtest has only {n} forecasts: its coverage is a rough guide.",
                          "vi": "Kiểm định lùi chỉ có {n} dự báo: tỷ lệ bao phủ chỉ mang tính tham khảo."},
    "smart_header": {"en": "SMART check: {items}.", "vi": "Kiểm tra SMART: {items}."},
    "smart_specific": {"en": "specific", "vi": "cụ thể"},
    "smart_measurable": {"en": "measurable", "vi": "đo lường được"},
    "smart_attainable": {"en": "attainable", "vi": "khả thi"},
    "smart_relevant": {"en": "relevant", "vi": "liên quan"},
    "smart_time_bound": {"en": "time-bound", "vi": "có thời hạn"},
    "status_pass": {"en": "pass", "vi": "đạt"},
    "status_warn": {"en": "warning", "vi": "cảnh báo"},
    "status_fail": {"en": "fail", "vi": "không đạt"},
    "r_specific_ok": {"en": "metric '{kpi}' and scope '{scope}' are named",
                      "vi": "đã nêu chỉ số '{kpi}' và phạm vi '{scope}'"},
    "r_specific_noscope": {"en": "metric '{kpi}' is named but not its scope (team, region, product)",
                           "vi": "đã nêu chỉ số '{kpi}' nhưng chưa nêu phạm vi (nhóm, vùng, sản phẩm)"},
    "r_specific_nokpi": {"en": "the metric is not named", "vi": "chưa nêu tên chỉ số"},
    "r_measurable_ok": {"en": "{n} months of history and a baseline of {baseline}",
                        "vi": "có {n} tháng dữ liệu và giá trị gốc {baseline}"},
    "r_measurable_short": {"en": "a baseline exists but only {n} months of history",
                           "vi": "có giá trị gốc nhưng chỉ có {n} tháng dữ liệu"},
    "r_measurable_none": {"en": "no observed baseline for the comparison period",
                          "vi": "không có giá trị gốc quan sát được cho kỳ so sánh"},
    "r_attainable": {"en": "P(hit) {p}: {verdict}", "vi": "xác suất đạt {p}: {verdict}"},
    "r_relevant_ok": {"en": "linked to the {perspective} perspective of the scorecard",
                      "vi": "gắn với khía cạnh {perspective} của thẻ điểm cân bằng"},
    "r_relevant_none": {"en": "not linked to a scorecard perspective in the config",
                        "vi": "chưa gắn với khía cạnh nào của thẻ điểm trong cấu hình"},
    "r_time_ok": {"en": "{period} ends {h} month(s) after the data",
                  "vi": "{period} kết thúc {h} tháng sau dữ liệu"},
    "r_time_far": {"en": "{period} ends {h} months after the data, beyond the {max}-month horizon "
                         "where forecasts are informative",
                   "vi": "{period} kết thúc {h} tháng sau dữ liệu, vượt quá tầm dự báo {max} tháng"},
    "persp_financial": {"en": "financial", "vi": "tài chính"},
    "persp_customer": {"en": "customer", "vi": "khách hàng"},
    "persp_internal": {"en": "internal process", "vi": "quy trình nội bộ"},
    "persp_learning": {"en": "learning and growth", "vi": "học hỏi và phát triển"},
    "quarter": {"en": "Q{q} {year}", "vi": "Quý {q}/{year}"},
    "kpi_revenue": {"en": "revenue", "vi": "doanh thu"},
    "kpi_leads": {"en": "new leads", "vi": "số lead mới"},
    "kpi_new_leads": {"en": "new leads", "vi": "số lead mới"},
    "kpi_won": {"en": "deals won", "vi": "số đơn thành công"},
    "kpi_orders": {"en": "orders", "vi": "số đơn hàng"},
    "year": {"en": "{year}", "vi": "năm {year}"},
    "ax_month": {"en": "Month", "vi": "Tháng"},
    "ax_total": {"en": "{kpi} total for {period}", "vi": "Tổng {kpi} của {period}"},
    "ax_density": {"en": "Share of simulated paths", "vi": "Tỷ lệ đường mô phỏng"},
    "ax_growth": {"en": "Year-on-year change", "vi": "Thay đổi so với cùng kỳ"},
    "lbl_history": {"en": "history", "vi": "lịch sử"},
    "lbl_median": {"en": "forecast median", "vi": "trung vị dự báo"},
    "lbl_band": {"en": "{level} band", "vi": "khoảng {level}"},
    "lbl_target": {"en": "target (monthly average)", "vi": "mục tiêu (bình quân tháng)"},
    "lbl_target_line": {"en": "target", "vi": "mục tiêu"},
    "lbl_hit": {"en": "hit: P = {p}", "vi": "đạt: P = {p}"},
    "lbl_past": {"en": "past year-on-year changes", "vi": "thay đổi so với cùng kỳ trước đây"},
    "lbl_alone": {"en": "needed alone", "vi": "cần nếu đơn lẻ"},
    "lbl_shared": {"en": "needed if shared", "vi": "cần nếu chia đều"},
    "title_fan": {"en": "{kpi}: history, forecast and target", "vi": "{kpi}: lịch sử, dự báo và mục tiêu"},
    "title_totals": {"en": "Simulated totals for {period}", "vi": "Tổng mô phỏng cho {period}"},
    "title_drivers": {"en": "Growth needed per driver vs its history",
                      "vi": "Mức tăng cần có của từng yếu tố so với lịch sử"},
})


# --------------------------------------------------------------------------------------------- periods
def parse_period(period: str) -> tuple[pd.Timestamp, int, str]:
    """Parse a target period into (first month, number of months, kind).

    Accepts a month ``"2026-11"``, a quarter ``"2026-Q4"`` (or ``"2026Q4"``) and a year ``"2027"``.

    Examples
    --------
    >>> start, months, kind = parse_period("2026-Q4")
    >>> str(start.date()), months, kind
    ('2026-10-01', 3, 'quarter')
    """
    if not isinstance(period, str):
        raise TypeError(f"period must be a string such as '2026-11', '2026-Q4' or '2027'; got {period!r}.")
    p = period.strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", p):
        year, mon = int(m[1]), int(m[2])
        if not 1 <= mon <= 12:
            raise ValueError(f"period {period!r}: month must be 01-12.")
        return pd.Timestamp(year=year, month=mon, day=1), 1, "month"
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", p):
        return pd.Timestamp(year=int(m[1]), month=3 * int(m[2]) - 2, day=1), 3, "quarter"
    if m := re.fullmatch(r"(\d{4})", p):
        return pd.Timestamp(year=int(m[1]), month=1, day=1), 12, "year"
    raise ValueError(f"period must look like '2026-11' (month), '2026-Q4' (quarter) or '2027' (year); "
                     f"got {period!r}.")


def default_target_period(as_of: str, kind: str = "quarter") -> str:
    """The next full month, quarter or year after the month ``as_of`` (what a manager plans next).

    Examples
    --------
    >>> default_target_period("2026-10"), default_target_period("2026-10", "month"), \
default_target_period("2026-12", "year")
    ('2027-Q1', '2026-11', '2027')
    """
    check_choice(kind, name="kind", options=["month", "quarter", "year"])
    start, months, _ = parse_period(as_of)
    if months != 1:
        raise ValueError(f"as_of must be a month 'YYYY-MM'; got {as_of!r}.")
    nxt = start + pd.DateOffset(months=1)
    if kind == "month":
        return f"{nxt.year}-{nxt.month:02d}"
    if kind == "quarter":
        q = (start.month - 1) // 3 + 1  # the quarter after the one `as_of` falls in
        year, q = (start.year + 1, 1) if q == 4 else (start.year, q + 1)
        return f"{year}-Q{q}"
    return str(start.year + 1)


def _period_label(period: str, locale: str) -> str:
    start, _months, kind = parse_period(period)
    if kind == "month":
        return i18n.month(start, locale)
    if kind == "quarter":
        return _t("quarter", locale, q=(start.month - 1) // 3 + 1, year=start.year)
    return _t("year", locale, year=start.year)


def _kpi_label(name: str, locale: str) -> str:
    """Known KPI ids in words ("revenue" -> "doanh thu"); any other name as given."""
    try:
        return _t(f"kpi_{name}", locale)
    except KeyError:
        return name


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


# ----------------------------------------------------------------------------------------- reduction
def monthly_drivers(leads: pd.DataFrame, *, created: str = "created_at", closed: str = "closed_at",
                    status: str = "status", value: str = "deal_value") -> pd.DataFrame:
    """Reduce lead rows to one row per month: leads, closed, won, revenue and the three drivers.

    Parameters
    ----------
    leads : pandas.DataFrame
        The canonical ``leads`` table (one row per lead).
    created, closed, status, value : str
        Column names of the creation time, close time, status (``won``/``lost``/``open``) and the
        deal value (VND, set for won leads).

    Returns
    -------
    pandas.DataFrame
        One row per calendar month from the first to the last month in the data, columns:
        ``month`` (first day), ``leads`` (leads **created** that month), ``closed`` (leads won or lost
        with ``closed_at`` in the month), ``won`` (won deals **closed** that month), ``revenue`` (sum
        of their deal values), ``conversion = won / leads``, ``deal_size = revenue / won``,
        ``win_rate = won / closed`` and ``complete`` (False for a last month the data do not cover
        to its end, and for warm-up months at the start: those that begin before the data have run
        for the 95th percentile of the time to close, whose closes miss leads created before the data).
        :func:`assess` leaves incomplete months at either end out of the history and counts them.

    Notes
    -----
    Attribution: revenue and wins count in the month the deal closed (that is how revenue is
    booked and reported), new leads in the month they were created (that is the lead KPI). So
    ``conversion`` is a *throughput* rate (deals won this month per lead created this month),
    not the eventual win rate of the month's cohort, and the identity
    ``revenue = leads x conversion x deal_size`` holds exactly for every month with at least one
    win (``deal_size`` is NaN without wins, ``conversion`` NaN without leads). With a lead-to-close
    lag of weeks, the throughput rate tracks the cohort rate; a growing business makes it slightly
    lower. Open leads count in ``leads`` only.

    Examples
    --------
    >>> leads = pd.DataFrame({
    ...     "created_at": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-03", "2026-02-10"]),
    ...     "closed_at": pd.to_datetime(["2026-01-25", "2026-02-05", "2026-02-20", None]),
    ...     "status": ["won", "lost", "won", "open"], "deal_value": [100.0, None, 300.0, None]})
    >>> t = monthly_drivers(leads)
    >>> t[["leads", "won", "revenue", "conversion", "deal_size"]].to_dict("list")
    {'leads': [2, 2], 'won': [1, 1], 'revenue': [100.0, 300.0], 'conversion': [0.5, 0.5], \
'deal_size': [100.0, 300.0]}
    """
    require_columns(leads, table="leads", columns=[created, closed, status, value])
    reject_rows(leads, ~leads[status].isin(LEAD_STATUSES), table="leads", column=status,
                rule=f"must be one of {list(LEAD_STATUSES)}")
    cr = pd.to_datetime(leads[created])
    cl = pd.to_datetime(leads[closed])
    reject_rows(leads, cr.isna(), table="leads", column=created, rule="must be a date")
    done = leads[status].isin(["won", "lost"])
    reject_rows(leads, done & cl.isna(), table="leads", column=closed, rule="must be set for won/lost leads")
    won = leads[status].eq("won")
    dv = pd.to_numeric(leads[value], errors="coerce")
    reject_rows(leads, won & (dv.isna() | (dv < 0)), table="leads", column=value,
                rule="must be a number >= 0 for won leads")
    m_created = cr.dt.to_period("M").dt.to_timestamp()
    m_closed = cl.dt.to_period("M").dt.to_timestamp()
    last = max(cr.max(), cl.max()) if cl.notna().any() else cr.max()
    months = pd.date_range(m_created.min(), pd.Timestamp(last).to_period("M").to_timestamp(), freq="MS")
    out = pd.DataFrame({"month": months})
    out["leads"] = m_created.value_counts().reindex(months, fill_value=0).to_numpy().astype("int64")
    out["closed"] = m_closed[done].value_counts().reindex(months, fill_value=0).to_numpy().astype("int64")
    out["won"] = m_closed[won].value_counts().reindex(months, fill_value=0).to_numpy().astype("int64")
    out["revenue"] = (dv[won].groupby(m_closed[won]).sum().reindex(months, fill_value=0.0)
                      .to_numpy().astype(float))
    out["conversion"] = out["won"] / out["leads"].where(out["leads"] > 0)
    out["deal_size"] = out["revenue"] / out["won"].where(out["won"] > 0)
    out["win_rate"] = out["won"] / out["closed"].where(out["closed"] > 0)
    month_end = (months + pd.offsets.MonthEnd(0)).normalize()
    # Warm-up: a month's closes include leads created before it; until the data have run for the
    # usual time to close (95th percentile), some of those leads predate the data and are missing.
    lag = ((cl - cr)[done].dt.total_seconds() / 86400).dropna()
    warm_until = cr.min().normalize() + pd.Timedelta(days=float(np.quantile(lag, 0.95)) if len(lag) else 0.0)
    out["complete"] = np.asarray((month_end <= pd.Timestamp(last).normalize()) & (months >= warm_until))
    return out


def lookup_perspective(kpi_targets: pd.DataFrame | None, kpi: str) -> str:
    """The Balanced Scorecard perspective of ``kpi`` in the ``kpi_targets`` table ("" if absent).

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": ["revenue", "nps"], "perspective": ["financial", "customer"]})
    >>> lookup_perspective(t, "revenue"), lookup_perspective(t, "cac"), lookup_perspective(None, "x")
    ('financial', '', '')
    """
    if kpi_targets is None or len(kpi_targets) == 0:
        return ""
    require_columns(kpi_targets, table="kpi_targets", columns=["kpi", "perspective"])
    hit = kpi_targets.loc[kpi_targets["kpi"].astype(str) == str(kpi), "perspective"].dropna()
    return str(hit.iloc[0]) if len(hit) else ""


def _is_leads(df: pd.DataFrame) -> bool:
    return {"created_at", "closed_at", "status", "deal_value"} <= set(df.columns)


def _is_drivers(df: pd.DataFrame) -> bool:
    return {"month", "leads", "won", "revenue"} <= set(df.columns)


def _complete_drivers(drivers: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Drop incomplete months at either end of a drivers table (``complete`` column, if any)."""
    if "complete" not in drivers.columns or len(drivers) == 0:
        return drivers, 0, len(drivers)
    ok = drivers["complete"].astype(bool).to_numpy()
    if not ok.any():
        raise ValueError("drivers.complete: no month is complete (the data cover less than the time to "
                         "close a deal); nothing to analyse.")
    first, end = int(np.argmax(ok)), len(ok) - int(np.argmax(ok[::-1]))
    return drivers.iloc[first:end], first, end


def _to_month(values, *, table: str, column: str) -> pd.DatetimeIndex:
    if isinstance(values, pd.PeriodIndex):
        return values.to_timestamp(how="start")
    s = pd.Series(values)
    if isinstance(s.dtype, pd.PeriodDtype):
        return pd.DatetimeIndex(s.dt.to_timestamp(how="start"))
    parsed = pd.to_datetime(s.astype(str) if s.dtype == object or pd.api.types.is_string_dtype(s) else s,
                            errors="coerce")
    bad = parsed.isna()
    if bad.any():
        frame = pd.DataFrame({column: s.to_numpy()})
        reject_rows(frame, pd.Series(bad.to_numpy()), table=table, column=column, rule="must be a month")
    return pd.DatetimeIndex(parsed.dt.to_period("M").dt.to_timestamp())


def _history_series(history, *, month: str, value: str | None, kpi: str | None):
    """Normalise every accepted input to (monthly Series, kpi name, drivers table or None, excluded)."""
    excluded: dict[str, int] = {}
    drivers = None
    notes: list[tuple[str, dict]] = []
    if isinstance(history, pd.Series):
        idx = history.index
        if not isinstance(idx, (pd.DatetimeIndex, pd.PeriodIndex)):
            raise TypeError("history: a Series needs a monthly DatetimeIndex or PeriodIndex; got "
                            f"{type(idx).__name__}. Pass a DataFrame with 'month' and 'value' instead.")
        months = _to_month(idx, table="history", column="index")
        y = pd.Series(pd.to_numeric(history, errors="coerce").to_numpy(dtype=float), index=months)
        name = kpi or (str(history.name) if history.name is not None else "value")
    elif isinstance(history, pd.DataFrame):
        if _is_leads(history):
            history = monthly_drivers(history)
        trim = _is_drivers(history)
        if trim:
            value = value or "revenue"
            history = history.sort_values("month", ignore_index=True)
        value = value or "value"
        require_columns(history, table="history", columns=[month, value])
        months = _to_month(history[month], table="history", column=month)
        vals = pd.to_numeric(history[value], errors="coerce")
        reject_rows(history, vals.isna() & history[value].notna(), table="history", column=value,
                    rule="must be numeric")
        y = pd.Series(vals.to_numpy(dtype=float), index=months)
        name = kpi or value
        if trim:
            kept, first, end = _complete_drivers(history)
            drivers = kept.copy() if value == "revenue" else None  # the tree explains revenue only
            if first or end < len(y):
                cut = [m.strftime("%Y-%m") for m in list(months[:first]) + list(months[end:])]
                notes.append(("note_incomplete", {"months": ", ".join(cut)}))
                excluded["incomplete months (warm-up or data end)"] = len(cut)
                y = y.iloc[first:end]
    else:
        raise TypeError(f"history must be a DataFrame (month/value, monthly drivers or lead rows) or a "
                        f"monthly Series; got {type(history).__name__}.")
    if y.index.duplicated().any():
        dup = y.index[y.index.duplicated()].strftime("%Y-%m").tolist()[:5]
        raise ValueError(f"history.{month} must have one row per month (sum first): "
                         f"{int(y.index.duplicated().sum())} duplicate month(s), e.g. {dup}.")
    return y.sort_index(), name, drivers, excluded, notes


# ------------------------------------------------------------------------------------------- models
@dataclass(frozen=True)
class _Prepared:
    y: pd.Series  # the monthly values used (contiguous, no NaN), DatetimeIndex of month starts
    log: bool
    seasonal: bool


def _prepare(y: pd.Series, as_of: str | None, excluded: dict, notes: list) -> _Prepared:
    if as_of:
        start, months, _ = parse_period(as_of)
        if months != 1:
            raise ValueError(f"as_of must be a month 'YYYY-MM'; got {as_of!r}.")
        after = y.index > start
        if after.any():
            excluded["after as_of"] = excluded.get("after as_of", 0) + int(after.sum())
            y = y[~after]
    y = y.loc[y.first_valid_index():y.last_valid_index()] if y.notna().any() else y.iloc[:0]
    if len(y) == 0:
        raise ValueError("history: no months with a value to analyse.")
    full = pd.date_range(y.index[0], y.index[-1], freq="MS")
    y = y.reindex(full)
    missing = y.index[y.isna()]
    if len(missing):
        keep_from = missing[-1] + pd.DateOffset(months=1)
        before = y.index < keep_from
        excluded["before a gap in the history"] = int(y[before].notna().sum())
        notes.append(("note_gap", {"examples": ", ".join(missing.strftime("%Y-%m")[:3]),
                                   "n": int((~before).sum()), "start": keep_from.strftime("%Y-%m")}))
        y = y[~before]
    if len(y) < _MIN_MONTHS:
        raise ValueError(f"history: only {len(y)} consecutive month(s) with a value; at least {_MIN_MONTHS} "
                         "are needed to forecast (more than 24 to model seasonality).")
    nonpos = y <= 0
    if nonpos.any():
        notes.append(("note_nonpositive", {"n": int(nonpos.sum()),
                                           "examples": ", ".join(y.index[nonpos].strftime("%Y-%m")[:3])}))
    seasonal = len(y) >= 2 * _SEASON
    if not seasonal:
        notes.append(("note_short", {"n": len(y)}))
    for key, values in notes:
        if key in ("note_gap", "note_nonpositive", "note_short"):
            warnings.warn(_t(key, "en", **values), UserWarning, stacklevel=3)
    y.index.freq = "MS"
    return _Prepared(y=y.astype(float), log=not nonpos.any(), seasonal=seasonal)


def _model_key(model: str, seasonal: bool) -> str:
    if seasonal:
        return model
    return {"ets": "ets_ns", "sarima_boot": "arima_boot"}[model]


def _simulate_ets(z: np.ndarray, seasonal: bool, h: int, n: int, rng: np.random.Generator):
    """ETS(A,A,A) (or A,A,N) fitted by statsmodels; Gaussian innovations simulated by statsmodels."""
    from scipy import stats
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    kw = {"error": "add", "trend": "add", "damped_trend": False}
    if seasonal:
        kw.update(seasonal="add", seasonal_periods=_SEASON)
    converged = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = ETSModel(z, **kw).fit(disp=False)
        # statsmodels simulates with the ML variance SSE/n; with ~17 parameters (12 initial seasonal
        # states) on 2-3 years of data that is far too small. Use the degrees-of-freedom corrected
        # SSE/(n - k), the usual unbiased residual variance.
        k = int(getattr(fit, "df_model", len(fit.params)))
        sigma = math.sqrt(float(fit.sse) / max(len(z) - k, 4))
        sims = fit.simulate(nsimulations=h, anchor="end", repetitions=n, rng=rng,
                            random_errors=stats.norm(scale=sigma))
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        converged = False
    return np.asarray(sims, dtype=float).reshape(h, n).T, converged


def _simulate_arboot(z: np.ndarray, seasonal: bool, h: int, n: int, rng: np.random.Generator):
    """AR(1) with drift on the lag-s differences (s = 12, or 1 without seasonality), bootstrapped.

    statsmodels fits the AR(1) (``ARIMA(d, order=(1, 0, 0), trend="c")``); its ``simulate`` takes
    one shock matrix per call, so the residual-bootstrap recursion over thousands of paths is
    written here (vectorised). Parameter uncertainty: (mean, phi) are drawn per path from their
    estimated normal sampling distribution; shocks are resampled from the fitted residuals.
    """
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.arima.model import ARIMA
    s = _SEASON if seasonal else 1
    d = z[s:] - z[:-s]
    converged = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = ARIMA(d, order=(1, 0, 0), trend="c").fit()
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        converged = False
    params = np.asarray(fit.params, dtype=float)  # const (the mean), ar.L1, sigma2
    cov = np.asarray(fit.cov_params(), dtype=float)[:2, :2]
    resid = np.asarray(fit.resid, dtype=float)[1:]  # the first residual carries the initial state
    # Fitted residuals are smaller than the innovations (2 mean parameters were fitted to them):
    # centre and rescale by sqrt(m / (m - 2)) (Davison & Hinkley 1997, section 6.2.3).
    resid = (resid - resid.mean()) * math.sqrt(len(resid) / max(len(resid) - 2, 1))
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
        cov = np.zeros((2, 2))
    draws = rng.multivariate_normal(params[:2], cov, size=n, method="svd")
    mu, phi = draws[:, 0], np.clip(draws[:, 1], -0.98, 0.98)
    shocks = rng.choice(resid, size=(n, h), replace=True)
    zz = np.empty((n, len(z) + h))
    zz[:, :len(z)] = z
    prev = np.full(n, d[-1])
    for j in range(h):
        t = len(z) + j
        dj = mu + phi * (prev - mu) + shocks[:, j]
        zz[:, t] = zz[:, t - s] + dj
        prev = dj
    return zz[:, len(z):], converged


_SIMULATORS = {"ets": _simulate_ets, "sarima_boot": _simulate_arboot}
_SHORT = {"ets": "ETS", "ets_ns": "ETS", "sarima_boot": "SARIMA-boot", "arima_boot": "ARIMA-boot"}


def _simulate(prep: _Prepared, models, h: int, n: int, seeds) -> tuple[dict, list]:
    """Paths (n x h, original units) per model, and the names of models that did not converge."""
    z = np.log(prep.y.to_numpy()) if prep.log else prep.y.to_numpy()
    out, bad = {}, []
    for model, ss in zip(models, seeds):
        paths, ok = _SIMULATORS[model](z, prep.seasonal, h, n, np.random.default_rng(ss))
        out[model] = np.exp(paths) if prep.log else paths
        if not ok:
            bad.append(model)
    return out, bad


def _backtest(prep: _Prepared, models, *, h: int, tail: int, n_origins: int, n_paths: int,
              level: float, seed_seq) -> pd.DataFrame:
    """Rolling-origin backtest: fit on the first o months, forecast h months, check the intervals."""
    n = len(prep.y)
    min_train = 2 * _SEASON if prep.seasonal else _MIN_MONTHS
    h = min(h, n - min_train)
    if h < 1:
        return pd.DataFrame(columns=["model", "origin", "horizon", "kind", "actual", "low", "high", "inside"])
    tail = min(tail, h)
    origins = list(range(max(min_train, n - h - n_origins + 1), n - h + 1))
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    seeds = seed_seq.spawn(len(origins))
    for o, ss in zip(origins, seeds):
        sub = _Prepared(y=prep.y.iloc[:o], log=prep.log, seasonal=prep.seasonal)
        sims, _ = _simulate(sub, models, h, n_paths, ss.spawn(len(models)))
        actual = prep.y.iloc[o:o + h].to_numpy()
        origin = prep.y.index[o - 1].strftime("%Y-%m")
        for model, paths in sims.items():
            lo, hi = np.quantile(paths, [lo_q, hi_q], axis=0)
            for j in range(h):
                rows.append((model, origin, j + 1, "month", actual[j], lo[j], hi[j]))
            tot = paths[:, h - tail:].sum(axis=1)
            tlo, thi = np.quantile(tot, [lo_q, hi_q])
            rows.append((model, origin, h, "total", actual[h - tail:].sum(), tlo, thi))
    bt = pd.DataFrame(rows, columns=["model", "origin", "horizon", "kind", "actual", "low", "high"])
    bt["inside"] = (bt["actual"] >= bt["low"]) & (bt["actual"] <= bt["high"])
    return bt


# ------------------------------------------------------------------------------------------ results
@dataclass(frozen=True, eq=False)
class Feasibility(ResultMixin):
    """Result of :func:`assess`; see its docstring for every field."""

    kpi: str
    period: str
    basis: str
    target_input: float
    target: float  # absolute target for the whole period (expected value if the baseline is simulated)
    baseline: float  # comparison value: same period last year, LTM scaled to the period, or NaN
    target_growth: float  # growth vs the same period last year the target implies (NaN if unknown)
    direction: str
    p_hit: float
    p_hit_low: float
    p_hit_high: float
    verdict: str
    forecast_median: float
    forecast_mean: float
    forecast_low: float
    forecast_high: float
    observed_months: int
    observed_value: float
    horizon: int  # months from the last month of data to the end of the period
    growth_percentile: float
    n_growth_history: int
    coverage: float  # backtest: share of period totals inside their interval (level = confidence)
    coverage_month: float
    n_backtest: int
    method: str
    confidence: float
    seed: int
    n_paths: int
    bands: tuple
    last_month: str
    scope: str = ""
    perspective: str = ""
    currency: str | None = None
    excluded: dict = field(default_factory=dict)
    notes: tuple = ()
    table: pd.DataFrame = field(default=None, repr=False)  # one row per model
    drivers: pd.DataFrame | None = field(default=None, repr=False)  # driver requirements
    smart: pd.DataFrame = field(default=None, repr=False)  # criterion, status, reason_key (+ values)
    backtest: pd.DataFrame = field(default=None, repr=False)
    _ctx: dict = field(default=None, repr=False)

    # ---- derived views
    def p_hit_at(self, target: float) -> float:
        """Combined P(hit) for another *absolute* target, from the cached paths (no refit)."""
        tot = self._ctx["totals"]
        hits = [float(np.mean(_hit(t, target, self.direction))) for t in tot.values()]
        return float(np.mean(hits))

    def retarget(self, target: float, *, basis: str | None = None) -> Feasibility:
        """The same assessment for another target, reusing the simulated paths (instant)."""
        ctx = self._ctx
        return _evaluate(ctx, target=target, basis=basis or self.basis)

    def smart_table(self, locale: str = "en") -> pd.DataFrame:
        """The SMART check with criterion names, statuses and reasons in ``locale``."""
        i18n.check_locale(locale)
        rows = []
        for r in self.smart.itertuples(index=False):
            values = dict(r.values)
            if "verdict" in values:
                values["verdict"] = _t(f"verdict_{values['verdict']}", locale)
            if "perspective" in values:
                values["perspective"] = _t(f"persp_{values['perspective']}", locale)
            if "p" in values:
                values["p"] = i18n.percent(values["p"], locale, digits=0)
            if "baseline" in values:
                values["baseline"] = self._fmt(values["baseline"], locale)
            if "period" in values:
                values["period"] = _period_label(values["period"], locale)
            if "kpi" in values:
                values["kpi"] = _kpi_label(values["kpi"], locale)
            rows.append({"criterion": _t(f"smart_{r.criterion}", locale),
                         "status": _t(f"status_{r.status}", locale),
                         "reason": _t(r.reason_key, locale, **values)})
        return pd.DataFrame(rows)

    def driver_table(self, locale: str = "en") -> pd.DataFrame | None:
        """The driver table with translated driver names (numbers unchanged, rates as fractions)."""
        if self.drivers is None:
            return None
        out = self.drivers.copy()
        out["driver"] = [_t(f"driver_{d}", locale) for d in out["driver"]]
        return out

    def _fmt(self, value, locale):
        if self.currency:
            return i18n.money(value, locale, currency=self.currency, digits=0)
        return i18n.number(value, locale, digits=0 if abs(value) >= 100 else 2)

    # ---- the contract
    def headline(self) -> dict:
        keys = ["kpi", "period", "basis", "target_input", "target", "baseline", "target_growth", "direction",
                "p_hit", "p_hit_low", "p_hit_high", "verdict", "forecast_median", "forecast_low",
                "forecast_high", "growth_percentile", "n_growth_history", "coverage", "coverage_month",
                "n_backtest", "method", "confidence", "seed", "n_paths", "last_month", "excluded"]
        out = {k: getattr(self, k) for k in keys}
        out["p_hit_by_model"] = dict(zip(self.table["model"], self.table["p_hit"]))
        out["smart"] = dict(zip(self.smart["criterion"], self.smart["status"]))
        if self.drivers is not None:
            d = self.drivers.set_index("driver")
            cols = ["baseline", "needed_alone", "needed_shared", "percentile_alone", "percentile_shared",
                    "share_alone", "share_shared", "past_median"]
            out["drivers"] = {k: {c: d.loc[k, c] for c in cols} for k in DRIVERS}
        out["notes"] = [k for k, _ in self.notes]
        return jsonable(out)

    def summary(self, locale: str = "en") -> str:
        i18n.check_locale(locale)
        pct = lambda x, d=1: i18n.percent(x, locale, digits=d)
        lvl = i18n.percent(self.confidence, locale, digits=0)
        if self.basis == "absolute":
            basis = _t("basis_absolute", locale)
        else:
            basis = _t(f"basis_{self.basis}", locale, growth=i18n.percent(self.target_input, locale, signed=True),
                       baseline=self._fmt(self.baseline, locale))
        lines = [_t("target", locale, kpi=_kpi_label(self.kpi, locale), period=_period_label(self.period, locale),
                    target=self._fmt(self.target, locale), basis=basis,
                    median=self._fmt(self.forecast_median, locale), level=lvl,
                    low=self._fmt(self.forecast_low, locale), high=self._fmt(self.forecast_high, locale))]
        if self.observed_months:
            lines.append(_t("observed_part", locale, months=self.observed_months,
                            value=self._fmt(self.observed_value, locale)))
        lines.append(_t("p_hit", locale, p=pct(self.p_hit, 0), low=pct(self.p_hit_low, 0),
                        high=pct(self.p_hit_high, 0), verdict=_t(f"verdict_{self.verdict}", locale)))
        if _verdict(self.p_hit_low, self.bands) != _verdict(self.p_hit_high, self.bands):
            lines.append(_t("p_hit_spread", locale))
        for row in self.table.itertuples(index=False):
            if row.n_backtest and _calibration(row.coverage, row.n_backtest, self.confidence) == "calib_narrow":
                lines.append(_t("model_narrow", locale, model=_SHORT[row.model], cov=pct(row.coverage, 0),
                                level=lvl))
        if not math.isnan(self.growth_percentile):
            _, months, _ = parse_period(self.period)
            lines.append(_t("percentile", locale, growth=i18n.percent(self.target_growth, locale, signed=True),
                            pct=pct(self.growth_percentile, 0), n=self.n_growth_history, months=months,
                            max=i18n.percent(self._ctx["growth_max"], locale, signed=True)))
        if self.n_backtest:
            judgement = _calibration(self.coverage, self.n_backtest, self.confidence)
            lines.append(_t("calibration", locale, n=self.n_backtest // max(1, len(self.table)),
                            origins=len(self.table), level=lvl, cov=pct(self.coverage, 0),
                            cov_month=pct(self.coverage_month, 0), judgement=_t(judgement, locale)))
        else:
            lines.append(_t("calib_none", locale))
        if self.drivers is not None:
            d = self.drivers.set_index("driver")
            levers = "; ".join(_t("lever", locale, driver=_t(f"driver_{k}", locale),
                                  alone=pct(d.loc[k, "share_alone"], 0), shared=pct(d.loc[k, "share_shared"], 0))
                               for k in DRIVERS)
            lines.append(_t("drivers", locale, alone=i18n.percent(d.loc["leads", "needed_alone"], locale,
                                                                  signed=True),
                            shared=i18n.percent(d.loc["leads", "needed_shared"], locale, digits=2, signed=True),
                            levers=levers))
        st = self.smart_table(locale)
        lines.append(_t("smart_header", locale,
                        items=", ".join(f"{c} {s}" for c, s in zip(st["criterion"], st["status"]))))
        lines.extend(_t(k, locale, **{kk: (_t(f"model_{vv}", locale) if kk == "model" else vv)
                                      for kk, vv in v.items()}) for k, v in self.notes)
        models = "; ".join(_t(f"model_{m}", locale) for m in self._ctx["model_keys"])
        lines.append(_t("method", locale, n_paths=i18n.number(self.n_paths, locale), models=models,
                        seed=self.seed))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        paras = "".join(f"<p>{html.escape(s)}</p>" for s in self.summary().split("\n"))
        out = f"<div class='kpi-result'>{paras}{html_table(self.table)}"
        if self.drivers is not None:
            out += html_table(self.drivers)
        return out + html_table(self.smart_table()) + "</div>"

    def plot(self, ax=None, *, kind: str = "fan", locale: str = "en", months_shown: int = 24, **kwargs):
        """Draw ``kind`` = ``"fan"`` (history, forecast fan, target), ``"totals"`` (simulated totals,
        P(hit) shaded) or ``"drivers"`` (growth needed per driver vs its past changes); returns ax."""
        check_choice(kind, name="kind", options=["fan", "totals", "drivers"])
        i18n.check_locale(locale)
        import matplotlib.pyplot as plt
        ax = plt.gca() if ax is None else ax
        return {"fan": _plot_fan, "totals": _plot_totals, "drivers": _plot_drivers}[kind](
            self, ax, locale, months_shown=months_shown, **kwargs)


def p_hit_from_paths(paths, target, *, direction: str = "higher_is_better") -> float:
    """Share of simulated paths whose total over the period reaches ``target``.

    Each row of ``paths`` is one simulated path of the period's months; the rows are summed first and
    the target compared with each sum. Adding up the months' interval bounds instead would be wrong:
    it ignores how errors in different months offset or reinforce each other.

    Parameters
    ----------
    paths : array_like, shape (n_paths, n_months) or (n_paths,)
        Simulated monthly values of the target period (already-observed months can be added as
        constant columns).
    target : float or array_like of shape (n_paths,)
        Target total (one per path when the baseline is itself simulated).
    direction : {"higher_is_better", "lower_is_better"}
        Hit means total >= target (or <= target).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> months = rng.normal(100 / 3, 10 / np.sqrt(3), size=(200_000, 3))  # total ~ N(100, 10)
    >>> round(p_hit_from_paths(months, 120), 3)
    0.023
    """
    check_choice(direction, name="direction", options=DIRECTIONS)
    arr = np.asarray(paths, dtype=float)
    totals = arr.sum(axis=1) if arr.ndim == 2 else arr
    if arr.ndim not in (1, 2) or len(totals) == 0 or not np.all(np.isfinite(totals)):
        raise ValueError("paths must be a non-empty (n_paths, n_months) array of finite numbers.")
    return float(np.mean(_hit(totals, np.asarray(target, dtype=float), direction)))


def _calibration(coverage: float, n: int, level: float) -> str:
    """Backtest coverage vs the nominal level: exact binomial test (two-sided, 5%).

    Backtest forecasts from neighbouring origins overlap, so the test is a guide, not a proof;
    with a handful of origins only a gross miscalibration is flagged.
    """
    from scipy.stats import binomtest
    k = round(coverage * n)
    if binomtest(k, n, level, alternative="two-sided").pvalue >= 0.05:
        return "calib_good"
    return "calib_narrow" if coverage < level else "calib_wide"


def _hit(totals: np.ndarray, target, direction: str) -> np.ndarray:
    return totals >= target if direction == "higher_is_better" else totals <= target


def _verdict(p: float, bands) -> str:
    # Banded on P(hit) rounded to two decimals, the precision the simulation supports (Monte Carlo
    # SE <= 0.5 / sqrt(paths)), so a reported "50%" is never called "aggressive".
    p = round(float(p), 2)
    lo, mid, hi = bands
    if p > hi:
        return "too_easy"
    if p >= mid:
        return "realistic"
    if p >= lo:
        return "aggressive"
    return "unrealistic"


def _rolling_yoy(x: pd.Series, window: int) -> pd.Series:
    r = x.rolling(window).sum()
    return (r / r.shift(_SEASON) - 1).dropna()


def _percentile(values: np.ndarray, x: float) -> float:
    """Share of past values strictly below ``x`` (ties count half), NaN without history.

    scipy's ``percentileofscore(kind="mean")`` computes the same share but treats 0.1 and
    1.1 - 1 as different; growth rates computed two ways need ties within rounding error.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0 or not np.isfinite(x):
        return math.nan
    tie = np.isclose(values, x, rtol=1e-9, atol=1e-12)
    return float((np.sum((values < x) & ~tie) + 0.5 * np.sum(tie)) / len(values))


# ------------------------------------------------------------------------------------------- assess
def assess(history, target: float, period: str, *, basis: str = "same_period_last_year",
           direction: str = "higher_is_better", month: str = "month", value: str | None = None,
           kpi: str | None = None, drivers: pd.DataFrame | None = None, as_of: str | None = None,
           models=MODELS, n_paths: int = 2000, confidence: float = 0.80, bands=DEFAULT_BANDS,
           backtest_origins: int = 6, scope: str = "", perspective: str = "", max_horizon: int = 12,
           currency: str | None = None, seed: int = SEED) -> Feasibility:
    """Probability of hitting a KPI target, how far to trust it, and what each driver would need.

    Parameters
    ----------
    history : pandas.DataFrame or pandas.Series
        Monthly KPI history: a table with ``month`` and ``value`` columns, a Series with a monthly
        DatetimeIndex/PeriodIndex, the :func:`monthly_drivers` table (value ``revenue`` by default)
        or the canonical ``leads`` rows (reduced with :func:`monthly_drivers`). Given leads or the
        drivers table, the driver tree is computed too.
    target : float
        The target: an absolute total for the period (``basis="absolute"``) or a growth fraction
        (0.20 = +20%) over the baseline.
    period : str
        Target period: a month ``"2026-11"``, a quarter ``"2026-Q4"`` or a year ``"2027"``. Months of
        the period already in the history count with their actual values.
    basis : {"same_period_last_year", "last_12_months", "absolute"}, default "same_period_last_year"
        What a growth target is measured against: the same months one year earlier (simulated
        jointly with the target period if they are not all observed yet), or the last 12 months of
        history scaled to the period's length (a quarter gets 3/12 of the LTM total).
    direction : {"higher_is_better", "lower_is_better"}, default "higher_is_better"
        Hit means total >= target, or total <= target for cost-like KPIs.
    month, value : str
        Column names in a ``month``/``value`` table; ``value`` defaults to ``revenue`` for the
        drivers/leads tables and ``value`` otherwise.
    kpi : str, optional
        Name of the KPI for sentences and the SMART check (default: the value column's name).
    drivers : pandas.DataFrame, optional
        Lead rows or the :func:`monthly_drivers` table for the driver tree when ``history`` is a
        plain revenue series.
    as_of : str, optional
        Last month of history to use ``"YYYY-MM"``; later months are excluded (and counted).
    models : sequence of {"ets", "sarima_boot"}, default both
        Model families: ``"ets"`` is statsmodels ``ETSModel`` (additive error, additive trend,
        additive seasonality) on the log scale, simulated by statsmodels with Gaussian errors whose
        variance is the degrees-of-freedom corrected SSE / (n - k) rather than the ML SSE / n;
        ``"sarima_boot"`` is an AR(1) with drift on the 12-month log differences, i.e.
        SARIMA(1,0,0)(0,1,0)12, fitted by statsmodels, simulated with bootstrapped residuals and
        parameter draws. Without two full seasons both drop the seasonal part (ETS(A,A,N),
        ARIMA(1,1,0)); with zero or negative values both work on the original scale.
    n_paths : int, default 2000
        Simulated paths per model (the Monte Carlo SE of P(hit) is at most 0.5/sqrt(n_paths)).
    confidence : float, default 0.80
        Level of the forecast interval and of the backtest coverage check.
    bands : tuple of three floats, default (0.2, 0.5, 0.9)
        Verdict thresholds: P > 0.9 too easy (missed opportunity), 0.5-0.9 realistic stretch,
        0.2-0.5 aggressive, < 0.2 unrealistic.
    backtest_origins : int, default 6
        Rolling forecast origins in the backtest (0 skips it).
    scope, perspective : str
        For the SMART check: the scope of the target (e.g. "whole company") and its Balanced
        Scorecard perspective (see :func:`lookup_perspective`).
    max_horizon : int, default 12
        Months ahead within which the SMART check calls the period forecastable.
    currency : str, optional
        Format values as money in this currency (e.g. "VND") in sentences.
    seed : int, default 20261028
        Seed of every random step; recorded in the result so reports are reproducible.

    Returns
    -------
    Feasibility
        Fields: ``p_hit`` (combined), ``p_hit_low``/``p_hit_high`` (range across models),
        ``verdict`` (``too_easy``/``realistic``/``aggressive``/``unrealistic``), ``target`` (absolute),
        ``baseline``, ``target_growth`` (vs the same period last year), ``forecast_median``/``_mean``/
        ``_low``/``_high`` (pooled paths, ``confidence`` interval), ``growth_percentile`` (share of past
        year-on-year changes of rolling totals as long as the period that are below the target's
        growth) with ``n_growth_history``, ``coverage``/``coverage_month``/``n_backtest`` (backtest),
        ``excluded``, ``notes``, ``seed``. ``.table``: one row per model (``model``, ``p_hit``,
        ``median``, ``low``, ``high``, ``coverage``, ``coverage_month``). ``.drivers``: one row per
        driver (``driver``, ``baseline``, ``needed_alone``, ``needed_shared``, ``percentile_alone``,
        ``percentile_shared``, ``past_median``, ``past_max``, ``n_past``). ``.smart``: criterion,
        status (``pass``/``warn``/``fail``), reason (see ``smart_table(locale)``). ``.backtest``: every
        backtest interval. ``retarget(target)`` re-scores another target from the cached paths.

    Notes
    -----
    Period totals are sums of simulated monthly paths, never sums of interval bounds (errors are
    correlated across months; Hyndman & Athanasopoulos 2021, section 13.5). Monthly values are
    simulated from the month after the last month of data to the end of the period; months of the
    period already observed add their actuals. The combined P(hit) averages the models with equal
    weight; the backtest refits both models at the last ``backtest_origins`` origins and reports
    how often the ``confidence`` interval of the same-length total (and of each month) held the
    actual. Driver requirements compare the target period with the same months a year earlier:
    growth g needed by one driver alone is g; shared equally each needs (1 + g)^(1/3) - 1.

    References
    ----------
    Hyndman, R. J., & Athanasopoulos, G. (2021). Forecasting: Principles and Practice (3rd ed.),
    OTexts, sections 5.5 (bootstrapped residuals), 8.7 (ETS) and 13.5 (aggregates).
    Davison, A. C., & Hinkley, D. V. (1997). Bootstrap Methods and their Application. Cambridge
    University Press, section 6.2.3 (rescaled residuals).
    Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis and review.
    International Journal of Forecasting, 16(4), 437-450 (rolling-origin evaluation).

    Examples
    --------
    >>> months = pd.date_range("2023-01-01", periods=36, freq="MS")
    >>> season = 1 + 0.2 * np.sin(2 * np.pi * np.arange(36) / 12)
    >>> y = pd.Series(100 * season * 1.01 ** np.arange(36), index=months, name="revenue")
    >>> r = assess(y, 0.5, "2026-Q1", n_paths=200, backtest_origins=0)
    >>> r.verdict, round(r.p_hit, 2)
    ('unrealistic', 0.0)
    """
    # 1. arguments
    check_choice(basis, name="basis", options=BASES)
    check_choice(direction, name="direction", options=DIRECTIONS)
    confidence = check_confidence(confidence)
    models = tuple(models)
    if not models:
        raise ValueError(f"models must name at least one of {list(MODELS)}.")
    for m in models:
        check_choice(m, name="models", options=MODELS)
    if len(set(models)) != len(models):
        raise ValueError(f"models must not repeat a model; got {list(models)}.")
    bands = tuple(float(b) for b in bands)
    if len(bands) != 3 or not 0 < bands[0] < bands[1] < bands[2] < 1:
        raise ValueError(f"bands must be three increasing fractions between 0 and 1; got {bands!r}.")
    if not isinstance(n_paths, (int, np.integer)) or n_paths < 100:
        raise ValueError(f"n_paths must be an integer >= 100; got {n_paths!r}.")
    if not isinstance(target, (int, float, np.integer, np.floating)) or not math.isfinite(float(target)):
        raise TypeError(f"target must be a finite number; got {target!r}.")
    if perspective:
        check_choice(perspective, name="perspective", options=PERSPECTIVES)
    _check_target(float(target), basis)
    p_start, p_months, _ = parse_period(period)

    # 2. data
    y, name, drv, excluded, notes = _history_series(history, month=month, value=value, kpi=kpi)
    if drivers is not None:
        if not isinstance(drivers, pd.DataFrame):
            raise TypeError(f"drivers must be lead rows or a monthly_drivers table; got {type(drivers).__name__}.")
        drv = monthly_drivers(drivers) if _is_leads(drivers) else drivers
        require_columns(drv, table="drivers", columns=["month", "leads", "won", "revenue"])
        drv = _complete_drivers(drv)[0]
    prep = _prepare(y, as_of, excluded, notes)
    last = prep.y.index[-1]
    p_end = p_start + pd.DateOffset(months=p_months - 1)
    if p_end <= last:
        raise ValueError(f"period {period!r} is already fully observed (data run to {last:%Y-%m}): compare "
                         "the actual with the target instead of forecasting it.")
    if p_start < prep.y.index[0]:
        raise ValueError(f"period {period!r} starts before the usable history ({prep.y.index[0]:%Y-%m}).")
    horizon = _months_between(last, p_end)

    # 3. simulate (the reduction is _history_series / monthly_drivers)
    seq = np.random.SeedSequence(seed)
    sim_seq, bt_seq = seq.spawn(2)
    paths, bad = _simulate(prep, models, horizon, int(n_paths), sim_seq.spawn(len(models)))
    keys = [_model_key(m, prep.seasonal) for m in models]
    notes.extend(("note_convergence", {"model": _model_key(m, prep.seasonal)}) for m in bad)
    future = pd.date_range(last + pd.DateOffset(months=1), periods=horizon, freq="MS")
    tail = _months_between(max(p_start, future[0]) - pd.DateOffset(months=1), p_end)
    if backtest_origins > 0:
        bt = _backtest(prep, models, h=horizon, tail=tail, n_origins=int(backtest_origins),
                       n_paths=min(int(n_paths), 500), level=confidence, seed_seq=bt_seq)
    else:
        bt = pd.DataFrame(columns=["model", "origin", "horizon", "kind", "actual", "low", "high", "inside"])
    ctx = {"prep": prep, "paths": paths, "future": future, "models": models, "model_keys": keys, "period": period,
               "p_start": p_start, "p_end": p_end, "p_months": p_months, "name": name, "drv": drv, "as_of": last,
               "direction": direction, "confidence": confidence, "bands": bands, "seed": seed, "n_paths": int(n_paths),
               "backtest": bt, "scope": scope, "perspective": perspective, "max_horizon": max_horizon,
               "currency": currency, "excluded": excluded, "notes": notes, "horizon": horizon}
    return _evaluate(ctx, target=float(target), basis=basis)


def _check_target(target: float, basis: str) -> None:
    if basis != "absolute" and target <= -1:
        raise ValueError(f"target: a growth target must be above -1 (-100%); got {target!r}.")
    if basis != "absolute" and abs(target) > 10:
        raise ValueError(f"target={target!r} with basis={basis!r} means {target:.0%} growth; pass "
                         "basis='absolute' for a total, or a fraction such as 0.2 for +20%.")


def _window_sum(prep: _Prepared, paths: np.ndarray, future: pd.DatetimeIndex, start: pd.Timestamp,
                months: int) -> tuple[np.ndarray, int, float, int]:
    """Per-path sum over ``months`` months from ``start``: (totals, observed months, observed sum, future)."""
    wanted = pd.date_range(start, periods=months, freq="MS")
    seen = wanted[wanted <= prep.y.index[-1]]
    if len(seen) and seen[0] < prep.y.index[0]:
        return np.full(paths.shape[0], np.nan), len(seen), math.nan, 0
    obs = float(prep.y.reindex(seen).sum())
    cols = [future.get_loc(m) for m in wanted[wanted > prep.y.index[-1]]]
    return obs + paths[:, cols].sum(axis=1), len(seen), obs, len(cols)


def _evaluate(ctx: dict, *, target: float, basis: str) -> Feasibility:
    """Score a target against the cached paths (everything after the simulation; fast)."""
    check_choice(basis, name="basis", options=BASES)
    prep, paths, future = ctx["prep"], ctx["paths"], ctx["future"]
    p_start, p_months, direction = ctx["p_start"], ctx["p_months"], ctx["direction"]
    notes = list(ctx["notes"])
    ly_start = p_start - pd.DateOffset(months=_SEASON)
    totals, ly = {}, {}
    for m, pth in paths.items():
        totals[m], n_obs, obs_val, _ = _window_sum(prep, pth, future, p_start, p_months)
        ly[m], _ly_obs, _, ly_future = _window_sum(prep, pth, future, ly_start, p_months)
    ly_mean = float(np.mean(np.concatenate(list(ly.values()))))
    ly_known = ly_future == 0 and np.isfinite(ly_mean)
    _check_target(target, basis)
    if basis == "absolute":
        targets = {m: np.full(len(t), target) for m, t in totals.items()}
        baseline = ly_mean if ly_known else math.nan
    elif basis == "same_period_last_year":
        if not np.isfinite(ly_mean):
            raise ValueError(f"basis='same_period_last_year': the history does not reach back to "
                             f"{ly_start:%Y-%m}; use basis='last_12_months' or an absolute target.")
        if ly_future:
            notes.append(("note_baseline_forecast", {}))
        targets = {m: (1 + target) * ly[m] for m in totals}
        baseline = ly_mean
    else:
        if len(prep.y) < 12:
            raise ValueError("basis='last_12_months' needs 12 months of history.")
        baseline = float(prep.y.iloc[-12:].sum()) * p_months / 12
        targets = {m: np.full(len(t), (1 + target) * baseline) for m, t in totals.items()}
    if basis != "absolute" and baseline <= 0:
        raise ValueError(f"a growth target needs a positive baseline; the baseline is {baseline:g}.")
    target_abs = float(np.mean(np.concatenate(list(targets.values()))))
    p_by = {m: p_hit_from_paths(totals[m], targets[m], direction=direction) for m in totals}
    p_hit = float(np.mean(list(p_by.values())))
    pooled = np.concatenate(list(totals.values()))
    lvl = ctx["confidence"]
    qlo, qhi = (1 - lvl) / 2, 1 - (1 - lvl) / 2
    verdict = _verdict(p_hit, ctx["bands"])  # on P(hit) rounded to 0.01 (about its Monte Carlo SE)
    target_growth = target if basis == "same_period_last_year" else (
        target_abs / ly_mean - 1 if np.isfinite(ly_mean) and ly_mean > 0 else math.nan)

    # where the growth sits among past year-on-year changes of same-length rolling totals
    past = _rolling_yoy(prep.y, p_months)
    g_pct = _percentile(past.to_numpy(), target_growth)
    if direction == "lower_is_better" and np.isfinite(g_pct):
        g_pct = 1 - g_pct  # share of past changes that were *better* (lower) than the target asks

    # backtest coverage per model
    bt = ctx["backtest"]
    rows = []
    for m, key in zip(ctx["models"], ctx["model_keys"]):
        b = bt[bt["model"] == m] if len(bt) else bt
        cov_t = float(b.loc[b["kind"] == "total", "inside"].mean()) if len(b) else math.nan
        cov_m = float(b.loc[b["kind"] == "month", "inside"].mean()) if len(b) else math.nan
        rows.append({"model": key, "p_hit": p_by[m], "median": float(np.median(totals[m])),
                     "mean": float(np.mean(totals[m])), "low": float(np.quantile(totals[m], qlo)),
                     "high": float(np.quantile(totals[m], qhi)), "coverage": cov_t, "coverage_month": cov_m,
                     "n_backtest": int((b["kind"] == "total").sum()) if len(b) else 0})
    table = pd.DataFrame(rows)
    n_bt = int((bt["kind"] == "total").sum()) if len(bt) else 0
    coverage = float(bt.loc[bt["kind"] == "total", "inside"].mean()) if n_bt else math.nan
    coverage_month = float(bt.loc[bt["kind"] == "month", "inside"].mean()) if n_bt else math.nan
    if 0 < n_bt < 10:
        notes.append(("note_backtest_few", {"n": n_bt}))

    drivers = _driver_table(ctx, target_growth, ly_known)
    if drivers is None and ctx["drv"] is not None:
        notes.append(("note_no_drivers", {}))
    smart = _smart(ctx, basis=basis, baseline=baseline, p_hit=p_hit, verdict=verdict)
    log = "log scale" if prep.log else "original scale"
    method = (f"simulated paths summed over the period ({'; '.join(ctx['model_keys'])}; {log}); "
              "equal-weight combination; rolling-origin backtest")
    return Feasibility(
        kpi=ctx["name"], period=ctx["period"], basis=basis, target_input=float(target), target=target_abs,
        baseline=float(baseline), target_growth=float(target_growth), direction=direction, p_hit=p_hit,
        p_hit_low=float(min(p_by.values())), p_hit_high=float(max(p_by.values())), verdict=verdict,
        forecast_median=float(np.median(pooled)), forecast_mean=float(np.mean(pooled)),
        forecast_low=float(np.quantile(pooled, qlo)), forecast_high=float(np.quantile(pooled, qhi)),
        observed_months=int(n_obs), observed_value=float(obs_val) if n_obs else 0.0, horizon=ctx["horizon"],
        growth_percentile=g_pct, n_growth_history=len(past), coverage=coverage,
        coverage_month=coverage_month, n_backtest=n_bt, method=method, confidence=lvl, seed=int(ctx["seed"]),
        n_paths=ctx["n_paths"], bands=ctx["bands"], last_month=f"{ctx['as_of']:%Y-%m}", scope=ctx["scope"],
        perspective=ctx["perspective"], currency=ctx["currency"], excluded=dict(ctx["excluded"]),
        notes=tuple(notes), table=table, drivers=drivers, smart=smart, backtest=bt,
        _ctx={**ctx, "totals": totals, "targets": targets,
              "growth_max": float(past.max()) if len(past) else math.nan, "past_growth": past})


def _driver_table(ctx: dict, growth: float, ly_known: bool) -> pd.DataFrame | None:
    """Growth each driver needs vs the same period last year, alone and shared, vs its own history."""
    drv = ctx["drv"]
    if drv is None or not ly_known or not np.isfinite(growth):
        return None
    d = drv.copy()
    d["month"] = _to_month(d["month"], table="drivers", column="month")
    d = d.set_index("month").sort_index()
    d = d[d.index <= ctx["as_of"]]
    months = ctx["p_months"]
    ly = pd.date_range(ctx["p_start"] - pd.DateOffset(months=_SEASON), periods=months, freq="MS")
    if not set(ly) <= set(d.index):
        return None
    base = d.loc[ly, ["leads", "won", "revenue"]].sum()
    if base["leads"] <= 0 or base["won"] <= 0:
        return None
    baseline = {"leads": float(base["leads"]), "conversion": float(base["won"] / base["leads"]),
                "deal_size": float(base["revenue"] / base["won"]), "revenue": float(base["revenue"])}
    roll = d[["leads", "won", "revenue"]].astype(float).rolling(months).sum()
    series = {"leads": roll["leads"], "conversion": roll["won"] / roll["leads"],
              "deal_size": roll["revenue"] / roll["won"], "revenue": roll["revenue"]}
    shared = (1 + growth) ** (1 / 3) - 1
    rows = []
    for k in (*DRIVERS, "revenue"):
        past = (series[k] / series[k].shift(_SEASON) - 1).replace([np.inf, -np.inf], np.nan).dropna()
        sh = growth if k == "revenue" else shared
        pv = past.to_numpy()
        rows.append({"driver": k, "baseline": baseline[k], "needed_alone": float(growth),
                     "percentile_alone": _percentile(pv, growth), "needed_shared": float(sh),
                     "percentile_shared": _percentile(pv, sh),
                     "share_alone": float(np.mean(pv >= growth)) if len(pv) else math.nan,
                     "share_shared": float(np.mean(pv >= sh)) if len(pv) else math.nan,
                     "past_median": float(past.median()) if len(past) else math.nan,
                     "past_max": float(past.max()) if len(past) else math.nan, "n_past": len(past)})
    return pd.DataFrame(rows)


def _smart(ctx: dict, *, basis: str, baseline: float, p_hit: float, verdict: str) -> pd.DataFrame:
    name, scope = ctx["name"], ctx["scope"]
    rows = []
    if not name or name in ("value", "None"):
        rows.append(("specific", "fail", "r_specific_nokpi", {}))
    elif scope:
        rows.append(("specific", "pass", "r_specific_ok", {"kpi": name, "scope": scope}))
    else:
        rows.append(("specific", "warn", "r_specific_noscope", {"kpi": name}))
    n = len(ctx["prep"].y)
    if not np.isfinite(baseline):
        rows.append(("measurable", "warn" if basis == "absolute" else "fail", "r_measurable_none", {}))
    elif n < 2 * _SEASON:
        rows.append(("measurable", "warn", "r_measurable_short", {"n": n}))
    else:
        rows.append(("measurable", "pass", "r_measurable_ok", {"n": n, "baseline": baseline}))
    status = {"realistic": "pass", "too_easy": "warn", "aggressive": "warn", "unrealistic": "fail"}[verdict]
    rows.append(("attainable", status, "r_attainable", {"p": p_hit, "verdict": verdict}))
    if ctx["perspective"]:
        rows.append(("relevant", "pass", "r_relevant_ok", {"perspective": ctx["perspective"]}))
    else:
        rows.append(("relevant", "warn", "r_relevant_none", {}))
    h, mx = ctx["horizon"], ctx["max_horizon"]
    if h <= mx:
        rows.append(("time_bound", "pass", "r_time_ok", {"period": ctx["period"], "h": h}))
    else:
        rows.append(("time_bound", "warn" if h <= 2 * mx else "fail", "r_time_far",
                     {"period": ctx["period"], "h": h, "max": mx}))
    return pd.DataFrame(rows, columns=["criterion", "status", "reason_key", "values"])


# -------------------------------------------------------------------------------------------- plots
def _plot_fan(r: Feasibility, ax, locale, *, months_shown=24, **kwargs):
    ctx = r._ctx
    y = ctx["prep"].y.iloc[-months_shown:]
    pooled = np.concatenate(list(ctx["paths"].values()))
    future = ctx["future"]
    lvl = r.confidence
    q = np.quantile(pooled, [(1 - lvl) / 2, 0.25, 0.5, 0.75, 1 - (1 - lvl) / 2], axis=0)
    color = kwargs.pop("color", "C0")
    ax.plot(y.index, y.to_numpy(), color="0.2", marker="o", ms=3, label=_t("lbl_history", locale), **kwargs)
    xs = future.insert(0, y.index[-1])
    join = lambda row: np.r_[y.iloc[-1], row]
    ax.fill_between(xs, join(q[0]), join(q[4]), color=color, alpha=0.18,
                    label=_t("lbl_band", locale, level=i18n.percent(lvl, locale, digits=0)))
    ax.fill_between(xs, join(q[1]), join(q[3]), color=color, alpha=0.30,
                    label=_t("lbl_band", locale, level=i18n.percent(0.5, locale, digits=0)))
    ax.plot(xs, join(q[2]), color=color, lw=2, label=_t("lbl_median", locale))
    half = pd.Timedelta(days=15)  # points sit on month starts: the period spans half a month either side
    start, end = ctx["p_start"] - half, ctx["p_end"] + half
    ax.axvspan(start, end, color="C3", alpha=0.06)
    ax.hlines(r.target / ctx["p_months"], start, end, color="C3", lw=2, ls="--", label=_t("lbl_target", locale))
    ax.yaxis.set_major_formatter(lambda v, _: i18n.number(v, locale))
    kpi = _kpi_label(r.kpi, locale)
    ax.set(title=_t("title_fan", locale, kpi=kpi[:1].upper() + kpi[1:]), xlabel=_t("ax_month", locale), ylabel=kpi)
    ax.legend(loc="upper left", fontsize="small")
    return ax


def _plot_totals(r: Feasibility, ax, locale, **kwargs):
    ctx = r._ctx
    kwargs.pop("months_shown", None)
    pooled = np.concatenate(list(ctx["totals"].values()))
    tgt = np.concatenate(list(ctx["targets"].values()))
    bins = np.histogram_bin_edges(pooled, bins=kwargs.pop("bins", 50))
    hit = _hit(pooled, tgt, r.direction)
    w = np.full(len(pooled), 1 / len(pooled))
    ax.hist(pooled[~hit], bins=bins, weights=w[~hit], color="0.7", **kwargs)
    ax.hist(pooled[hit], bins=bins, weights=w[hit], color="C2",
            label=_t("lbl_hit", locale, p=i18n.percent(r.p_hit, locale, digits=0)), **kwargs)
    for i, (m, t) in enumerate(ctx["totals"].items()):
        ax.hist(t, bins=bins, weights=np.full(len(t), 1 / len(pooled)), histtype="step", color=f"C{i}",
                label=f"{_SHORT[_model_key(m, ctx['prep'].seasonal)]} "
                      f"{i18n.percent(float(np.mean(_hit(t, ctx['targets'][m], r.direction))), locale, digits=0)}")
    ax.axvline(r.target, color="C3", ls="--", lw=2, label=_t("lbl_target_line", locale))
    ax.xaxis.set_major_formatter(lambda v, _: i18n.number(v, locale))
    ax.tick_params(axis="x", labelrotation=20)
    label = _period_label(r.period, locale)
    ax.set(title=_t("title_totals", locale, period=label), ylabel=_t("ax_density", locale),
           xlabel=_t("ax_total", locale, kpi=_kpi_label(r.kpi, locale), period=label))
    ax.legend(fontsize="small")
    return ax


def _plot_drivers(r: Feasibility, ax, locale, **kwargs):
    kwargs.pop("months_shown", None)
    if r.drivers is None:
        ax.text(0.5, 0.5, i18n.text("common", "no_data", locale), ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    ctx = r._ctx
    d = ctx["drv"].copy()
    d["month"] = _to_month(d["month"], table="drivers", column="month")
    d = d.set_index("month").sort_index()
    d = d[d.index <= ctx["as_of"]]
    roll = d[["leads", "won", "revenue"]].astype(float).rolling(ctx["p_months"]).sum()
    series = {"leads": roll["leads"], "conversion": roll["won"] / roll["leads"],
              "deal_size": roll["revenue"] / roll["won"], "revenue": roll["revenue"]}
    names = [*DRIVERS, "revenue"]
    for i, k in enumerate(names):
        past = (series[k] / series[k].shift(_SEASON) - 1).dropna()
        jitter = np.linspace(-0.15, 0.15, len(past)) if len(past) > 1 else np.zeros(len(past))
        ax.scatter(past.to_numpy(), i + jitter, s=12, color="0.6",
                   label=_t("lbl_past", locale) if i == 0 else None, **kwargs)
    t = r.drivers.set_index("driver").loc[names]
    ax.scatter(t["needed_alone"], range(len(names)), marker="D", s=60, color="C3", zorder=3,
               label=_t("lbl_alone", locale))
    ax.scatter(t["needed_shared"][:3], range(3), marker="o", s=60, color="C1", zorder=3,
               label=_t("lbl_shared", locale))
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(range(len(names)), [_t(f"driver_{k}", locale) for k in names])
    ax.xaxis.set_major_formatter(lambda v, _: i18n.percent(v, locale, digits=0))
    ax.set(title=_t("title_drivers", locale), xlabel=_t("ax_growth", locale))
    ax.legend(fontsize="small", loc="best")
    return ax
