"""Words and pictures of the feasibility analysis: the en/vi catalogues, sentences, tables and plots.

Results carry codes (notes, exclusions, SMART reasons, verdicts); this module words them in the
reader's language (``"en"``, ``"vi"``). The catalogues are ``feasibility`` (sentences and labels),
``feasibility.notes`` and ``feasibility.excluded``.

Examples
--------
>>> period_label("2027-Q1", "vi"), verdict_label("realistic", "en")
('Quý 1/2027', 'realistic stretch')
>>> note_text({"code": "note_backtest_few", "n": 4}, "en")
'The backtest has only 4 forecasts: its coverage is a rough guide.'
"""
from __future__ import annotations

import html as html_lib
import math

import numpy as np
import pandas as pd

from .. import i18n
from ..core.periods import parse_period
from ..core.results import html_table
from .stats import CALIBRATION_TOLERANCE, DRIVERS, SEASON, calibration, driver_series, hit, verdict

__all__ = ["MODEL_SHORT", "driver_table", "excluded_text", "format_value", "html", "kpi_label", "note_text",
           "period_label", "plot", "scenario_name", "smart_table", "summary", "text", "verdict_label",
           "verdict_sentence"]

#: sentences and labels, by key (``text(key, locale, **values)``)
text = i18n.catalog("feasibility", {
    "verdict_line": {
        "en": "Verdict: {verdict} — a {p} chance that {kpi} reaches {target} in {period} "
              "(the models range from {low} to {high}).",
        "vi": "Kết luận: {verdict} — xác suất {kpi} đạt {target} trong {period} là {p} "
              "(các mô hình từ {low} đến {high}).",
    },
    "scenario": {"en": "Scenario: {name}.", "vi": "Kịch bản: {name}."},
    "scenario_target": {"en": "target {growth} vs the same period last year",
                        "vi": "mục tiêu {growth} so với cùng kỳ năm trước"},
    "target": {
        "en": "Target for {period}: {target} ({basis}); forecast median {median} "
              "({level} range {low} to {high}).",
        "vi": "Mục tiêu cho {period}: {target} ({basis}); trung vị dự báo {median} "
              "(khoảng {level} từ {low} đến {high}).",
    },
    "basis_absolute": {"en": "absolute value", "vi": "giá trị tuyệt đối"},
    "basis_same_period_last_year": {"en": "{growth} vs the same period last year, {baseline}",
                                    "vi": "{growth} so với cùng kỳ năm trước, {baseline}"},
    "basis_last_12_months": {"en": "{growth} vs the last 12 months, {baseline} for a period this long",
                             "vi": "{growth} so với 12 tháng gần nhất, {baseline} cho kỳ dài tương ứng"},
    "observed_part": {"en": "{months} month(s) of the period are already known: {value}.",
                      "vi": "{months} tháng của kỳ đã có số liệu thực tế: {value}."},
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
    "calibration": {"en": "Backtest ({n} past forecast origins): past {level} intervals of the combined "
                          "forecast of the period total held the actual {cov} of the time (single months, "
                          "each model: {cov_month}); {judgement}",
                    "vi": "Kiểm định lùi ({n} mốc dự báo trong quá khứ): khoảng {level} của dự báo kết hợp "
                          "cho tổng kỳ trước đây chứa giá trị thực tế {cov} số lần (từng tháng, từng mô hình: "
                          "{cov_month}); {judgement}"},
    "calib_good": {"en": "within {tol} points of the nominal level, so P(hit) can be used as stated.",
                   "vi": "cách mức danh nghĩa không quá {tol} điểm %, nên có thể dùng xác suất đạt như đã nêu."},
    "calib_unknown": {"en": "too few past forecasts to confirm that P(hit) can be used as stated (it is "
                            "confirmed within {tol} points of the nominal level): read it as a rough guide.",
                      "vi": "quá ít dự báo trong quá khứ để xác nhận có thể dùng xác suất đạt như đã nêu (cần "
                            "cách mức danh nghĩa không quá {tol} điểm %): chỉ nên xem là con số tham khảo."},
    "calib_narrow": {"en": "more than {tol} points below the nominal level: the intervals were too narrow, so "
                           "P(hit) is overconfident (too close to 0 or 1) and cannot be used as stated.",
                     "vi": "thấp hơn mức danh nghĩa quá {tol} điểm %: khoảng dự báo quá hẹp, nên xác suất đạt "
                           "có phần quá chắc chắn (quá gần 0 hoặc 1) và không thể dùng như đã nêu."},
    "calib_wide": {"en": "more than {tol} points above the nominal level: the intervals were too wide, so "
                         "P(hit) may be too cautious (too close to 50%) and cannot be used as stated.",
                   "vi": "cao hơn mức danh nghĩa quá {tol} điểm %: khoảng dự báo quá rộng, nên xác suất đạt "
                         "có thể quá thận trọng (quá gần 50%) và không thể dùng như đã nêu."},
    "model_narrow": {"en": "{model}: past {level} intervals held the actual only {cov} of the time, so its "
                           "P(hit) is overconfident.",
                     "vi": "{model}: khoảng {level} trước đây chỉ chứa giá trị thực tế {cov} số lần, nên xác "
                           "suất đạt của mô hình này có phần quá chắc chắn."},
    "calib_none": {"en": "Backtest not possible: the history is too short.",
                   "vi": "Không thể kiểm định lùi: chuỗi dữ liệu quá ngắn."},
    "drivers": {"en": "Won deal value = leads x conversion x average deal value: moving alone, one lever would need "
                      "{alone}; shared equally, each needs {shared}. Share of past year-on-year changes at "
                      "least that large (alone / shared): {levers}.",
                "vi": "Giá trị hợp đồng thành công = số khách hàng tiềm năng x tỷ lệ chuyển đổi x giá trị đơn "
                      "trung bình: nếu chỉ một yếu tố thay đổi, "
                      "nó cần {alone}; nếu chia đều, mỗi yếu tố cần {shared}. Tỷ lệ số lần thay đổi so với "
                      "cùng kỳ trước đây đạt ít nhất mức đó (đơn lẻ / chia đều): {levers}."},
    "lever": {"en": "{driver} {alone} / {shared}", "vi": "{driver} {alone} / {shared}"},
    "driver_leads": {"en": "leads", "vi": "số khách hàng tiềm năng"},
    "driver_conversion": {"en": "conversion", "vi": "tỷ lệ chuyển đổi"},
    "driver_deal_size": {"en": "deal size", "vi": "giá trị đơn trung bình"},
    "driver_revenue": {"en": "won deal value", "vi": "giá trị hợp đồng thành công"},
    "method": {"en": "Method: {n_paths} simulated paths per model ({models}) with parameter uncertainty, "
                     "summed over the target period; combined P(hit) = weighted average of the models "
                     "(weights {weights}, {weighting}); seed {seed}.",
               "vi": "Phương pháp: {n_paths} đường mô phỏng cho mỗi mô hình ({models}) có tính đến sai số của "
                     "tham số, cộng dồn trong kỳ mục tiêu; xác suất chung = trung bình có trọng số của các mô "
                     "hình (trọng số {weights}, {weighting}); seed {seed}."},
    "weighting_backtest": {"en": "from the backtest's log scores", "vi": "theo điểm log của kiểm định lùi"},
    "weighting_equal": {"en": "equal: no backtest", "vi": "bằng nhau: không có kiểm định lùi"},
    "model_ets": {"en": "exponential smoothing ETS(A,Ad,A), damped trend",
                  "vi": "san bằng mũ ETS(A,Ad,A), xu hướng tắt dần"},
    "model_ets_ns": {"en": "exponential smoothing ETS(A,Ad,N), damped trend, no seasonality",
                     "vi": "san bằng mũ ETS(A,Ad,N), xu hướng tắt dần, không mùa vụ"},
    "model_sarima_boot": {"en": "seasonal ARIMA(1,0,0)(0,1,0)12 with drift and bootstrapped residuals",
                          "vi": "ARIMA mùa vụ (1,0,0)(0,1,0)12 có xu hướng, phần dư bootstrap"},
    "model_arima_boot": {"en": "ARIMA(1,1,0) with drift and bootstrapped residuals, no seasonality",
                         "vi": "ARIMA(1,1,0) có xu hướng, phần dư bootstrap, không mùa vụ"},
    "scale_log": {"en": "log scale", "vi": "thang log"},
    "scale_raw": {"en": "original scale", "vi": "thang gốc"},
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
                        "vi": "chưa gắn với khía cạnh nào của Thẻ điểm cân bằng (BSC) trong cấu hình"},
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
    "kpi_revenue": {"en": "won deal value", "vi": "giá trị hợp đồng thành công"},
    "kpi_won_value": {"en": "won deal value", "vi": "giá trị hợp đồng thành công"},
    "kpi_shop_sales": {"en": "shop sales", "vi": "doanh số cửa hàng"},
    "kpi_leads": {"en": "new leads", "vi": "số khách hàng tiềm năng mới"},
    "kpi_new_leads": {"en": "new leads", "vi": "số khách hàng tiềm năng mới"},
    "kpi_won": {"en": "deals won", "vi": "số đơn thành công"},
    "kpi_orders": {"en": "orders", "vi": "số đơn hàng"},
    "year": {"en": "{year}", "vi": "năm {year}"},
    "ax_month": {"en": "Month", "vi": "Tháng"},
    "ax_total": {"en": "{kpi} total for {period}", "vi": "Tổng {kpi} của {period}"},
    "ax_density": {"en": "Share of simulated paths", "vi": "Tỷ lệ đường mô phỏng"},
    "ax_monthly": {"en": "{kpi} per month", "vi": "{kpi} mỗi tháng"},
    "ax_unit": {"en": "{label} ({unit})", "vi": "{label} ({unit})"},
    "title_scenario": {"en": "Scenario: {name}", "vi": "Kịch bản: {name}"},
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

#: the notes a result can carry, by code
_note = i18n.catalog("feasibility.notes", {
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
    "note_equal_weights": {"en": "No backtest: the models are weighted equally.",
                           "vi": "Không có kiểm định lùi: các mô hình có trọng số bằng nhau."},
    "note_flat": {"en": "The {n} months of history do not vary at all: the forecast is flat and certain, so "
                        "P(hit) is 0% or 100% by construction; set the target by judgement.",
                  "vi": "{n} tháng dữ liệu hoàn toàn không thay đổi: dự báo đi ngang và chắc chắn, nên xác suất "
                        "đạt chỉ có thể là 0% hoặc 100%; hãy đặt mục tiêu theo đánh giá thực tế."},
    "note_weekly": {"en": "A weekly report does not assess targets: targets are set for months, quarters and "
                          "years, so this page is left out of weekly reports.",
                    "vi": "Báo cáo tuần không đánh giá mục tiêu: mục tiêu được đặt theo tháng, quý và năm, nên "
                          "trang này không có trong báo cáo tuần."},
})

#: the rows a result can leave out, by code (``n`` is always given)
_excluded = i18n.catalog("feasibility.excluded", {
    "incomplete_months": {"en": "{n} incomplete month(s) at the start or end of the data ({months})",
                          "vi": "{n} tháng chưa đủ dữ liệu ở đầu hoặc cuối dữ liệu ({months})"},
    "after_period": {"en": "{n} month(s) after the report month {period}",
                     "vi": "{n} tháng sau tháng báo cáo {period}"},
    "before_gap": {"en": "{n} month(s) before a gap in the history",
                   "vi": "{n} tháng trước một khoảng trống trong chuỗi dữ liệu"},
})

#: short model names for legends
MODEL_SHORT = {"ets": "ETS", "ets_ns": "ETS", "sarima_boot": "SARIMA-boot", "arima_boot": "ARIMA-boot"}


# ------------------------------------------------------------------------------------------ labels
def period_label(period: str, locale: str) -> str:
    """A target period in words: "November 2026" / "tháng 11/2026", "Q1 2027" / "Quý 1/2027", "2027" / "năm 2027"."""
    p = parse_period(period)
    if p.kind == "month":
        return i18n.month(p.start, locale)
    if p.kind == "quarter":
        return text("quarter", locale, q=(p.start.month - 1) // 3 + 1, year=p.start.year)
    return text("year", locale, year=p.start.year)


def kpi_label(name: str, locale: str) -> str:
    """Known KPI ids in words: "revenue" of the lead table is the won deal value ("giá trị hợp đồng thành
    công", the glossary's ``won_value``), never "Revenue", which the scorecard uses for shop sales; any
    other name as given."""
    try:
        return text(f"kpi_{name}", locale)
    except KeyError:
        return name


def verdict_label(code: str, locale: str) -> str:
    """A verdict code ("realistic", ...) in words."""
    return text(f"verdict_{code}", locale)


def note_text(item: dict, locale: str) -> str:
    """A note (``{"code": ..., **values}``) as a sentence; a ``model`` value is named in words."""
    values = {k: (text(f"model_{v}", locale) if k == "model" else v) for k, v in item.items() if k != "code"}
    return _note(item["code"], locale, **values)


def excluded_text(item: dict, locale: str) -> str:
    """An exclusion (``{"code": ..., "n": ..., **values}``) as a phrase."""
    return _excluded(item["code"], locale, **{k: v for k, v in item.items() if k != "code"})


def format_value(value: float, locale: str, *, currency: str | None = None) -> str:
    """A KPI value as sentences show it: money in ``currency`` with the managers' short scales ("VND 9.08 bn",
    "9,08 tỷ ₫"), else a number (whole from 100 up)."""
    if currency:
        return i18n.money_short(value, locale, currency=currency)
    return i18n.number(value, locale, digits=0 if abs(value) >= 100 else 2)


# ------------------------------------------------------------------------------------------ tables
def smart_table(r, locale: str = "en") -> pd.DataFrame:
    """The SMART check of result ``r`` with criterion names, statuses and reasons in ``locale``."""
    i18n.check_locale(locale)
    rows = []
    for row in r.smart.itertuples(index=False):
        values = dict(row.values)
        if "verdict" in values:
            values["verdict"] = verdict_label(values["verdict"], locale)
        if "perspective" in values:
            values["perspective"] = text(f"persp_{values['perspective']}", locale)
        if "p" in values:
            values["p"] = i18n.percent(values["p"], locale, digits=0)
        if "baseline" in values:
            values["baseline"] = format_value(values["baseline"], locale, currency=r.currency)
        if "period" in values:
            values["period"] = period_label(values["period"], locale)
        if "kpi" in values:
            values["kpi"] = kpi_label(values["kpi"], locale)
        rows.append({"criterion": text(f"smart_{row.criterion}", locale),
                     "status": text(f"status_{row.status}", locale),
                     "reason": text(row.reason_key, locale, **values)})
    return pd.DataFrame(rows)


def driver_table(r, locale: str = "en") -> pd.DataFrame | None:
    """The driver table of result ``r`` with translated driver names (numbers unchanged)."""
    if r.drivers is None:
        return None
    out = r.drivers.copy()
    out["driver"] = [text(f"driver_{d}", locale) for d in out["driver"]]
    return out


# ----------------------------------------------------------------------------------------- summary
def summary(r, locale: str = "en", *, scenario: str | bool | None = None) -> str:
    """The sentences of result ``r`` in ``locale``, the verdict first: the verdict sentence, target and
    forecast, calibration, growth percentile, drivers, SMART check, notes and method. ``scenario`` labels
    a second target on the same paths: a name, or True to name it by its target ("Scenario: target +5%
    vs the same period last year.")."""
    i18n.check_locale(locale)
    lines = [verdict_sentence(r, locale), _target_sentence(r, locale)]
    if scenario is not None and scenario is not False:
        lines.insert(0, text("scenario", locale, name=scenario_name(r, locale) if scenario is True else scenario))
    if r.observed_months:
        lines.append(text("observed_part", locale, months=r.observed_months,
                          value=format_value(r.observed_value, locale, currency=r.currency)))
    lines.extend(_p_hit_sentences(r, locale))
    lines.extend(_history_sentences(r, locale))
    st = smart_table(r, locale)
    lines.append(text("smart_header", locale,
                      items=", ".join(f"{c} {s}" for c, s in zip(st["criterion"], st["status"], strict=True))))
    lines.extend(note_text(n, locale) for n in r.notes)
    models = "; ".join(text(f"model_{m}", locale) for m in r.simulation.model_keys)
    weights = ", ".join(f"{MODEL_SHORT[k]} {i18n.percent(w, locale, digits=0)}" for k, w in (r.weights or {}).items())
    lines.append(text("method", locale, n_paths=i18n.number(r.n_paths, locale), models=models, seed=r.seed,
                      weights=weights, weighting=text("weighting_backtest" if r.n_backtest else "weighting_equal",
                                                      locale)))
    return "\n".join(lines)


def verdict_sentence(r, locale: str = "en") -> str:
    """The answer in one sentence, verdict first: "Verdict: realistic stretch — a 62% chance that won deal
    value reaches VND 9.08 bn in Q1 2027 (the models range from 55% to 70%)."."""
    fmt = lambda v: format_value(v, locale, currency=r.currency)
    return text("verdict_line", locale, verdict=verdict_label(r.verdict, locale), p=_pct(r.p_hit, locale, 0),
                kpi=kpi_label(r.kpi, locale), target=fmt(r.target), period=period_label(r.period, locale),
                low=_pct(r.p_hit_low, locale, 0), high=_pct(r.p_hit_high, locale, 0))


def scenario_name(r, locale: str = "en") -> str:
    """A target named for a scenario label: "target +5% vs the same period last year" (or its value)."""
    if r.basis == "same_period_last_year":
        return text("scenario_target", locale, growth=i18n.percent(r.target_input, locale, signed=True))
    return format_value(r.target, locale, currency=r.currency)


def _pct(x, locale, digits=1):
    return i18n.percent(x, locale, digits=digits)


def _target_sentence(r, locale: str) -> str:
    fmt = lambda v: format_value(v, locale, currency=r.currency)
    if r.basis == "absolute":
        basis = text("basis_absolute", locale)
    else:
        basis = text(f"basis_{r.basis}", locale, growth=i18n.percent(r.target_input, locale, signed=True),
                     baseline=fmt(r.baseline))
    return text("target", locale, period=period_label(r.period, locale),
                target=fmt(r.target), basis=basis, median=fmt(r.forecast_median),
                level=i18n.percent(r.confidence, locale, digits=0), low=fmt(r.forecast_low),
                high=fmt(r.forecast_high))


def _p_hit_sentences(r, locale: str) -> list[str]:
    lines = []
    if verdict(r.p_hit_low, r.bands) != verdict(r.p_hit_high, r.bands):
        lines.append(text("p_hit_spread", locale))
    lvl = i18n.percent(r.confidence, locale, digits=0)
    for row in r.table.itertuples(index=False):
        if row.n_backtest and calibration(row.coverage, row.n_backtest, r.confidence) == "calib_narrow" \
                and row.weight >= 0.05:
            lines.append(text("model_narrow", locale, model=MODEL_SHORT[row.model],
                              cov=_pct(row.coverage, locale, 0), level=lvl))
    return lines


def _history_sentences(r, locale: str) -> list[str]:
    """Where the growth sits among past changes, the backtest's calibration and the drivers."""
    lines = []
    if not math.isnan(r.growth_percentile):
        growth_max = float(r.past_growth.max()) if len(r.past_growth) else math.nan
        lines.append(text("percentile", locale, growth=i18n.percent(r.target_growth, locale, signed=True),
                          pct=_pct(r.growth_percentile, locale, 0), n=r.n_growth_history,
                          months=r.question.months, max=i18n.percent(growth_max, locale, signed=True)))
    if r.n_backtest:
        tol = i18n.number(CALIBRATION_TOLERANCE * 100, locale, digits=0)
        lines.append(text("calibration", locale, n=r.n_backtest,
                          level=i18n.percent(r.confidence, locale, digits=0), cov=_pct(r.coverage, locale, 0),
                          cov_month=_pct(r.coverage_month, locale, 0),
                          judgement=text(r.calibration, locale, tol=tol)))
    else:
        lines.append(text("calib_none", locale))
    if r.drivers is not None:
        d = r.drivers.set_index("driver")
        levers = "; ".join(text("lever", locale, driver=text(f"driver_{k}", locale),
                                alone=_pct(d.loc[k, "share_alone"], locale, 0),
                                shared=_pct(d.loc[k, "share_shared"], locale, 0)) for k in DRIVERS)
        lines.append(text("drivers", locale, alone=i18n.percent(d.loc["leads", "needed_alone"], locale, signed=True),
                          shared=i18n.percent(d.loc["leads", "needed_shared"], locale, digits=2, signed=True),
                          levers=levers))
    return lines


def html(r) -> str:
    """The compact HTML view of result ``r``: the summary, the model table, the drivers and the SMART check."""
    paras = "".join(f"<p>{html_lib.escape(s)}</p>" for s in summary(r).split("\n"))
    out = f"<div class='kpi-result'>{paras}{html_table(r.table)}"
    if r.drivers is not None:
        out += html_table(r.drivers)
    return out + html_table(smart_table(r)) + "</div>"


# -------------------------------------------------------------------------------------------- plots
def plot(r, ax, *, kind: str = "fan", locale: str = "en", months_shown: int = 24, **kwargs):
    """Draw result ``r`` on ``ax``: ``kind`` = "fan", "totals" or "drivers" (see ``Feasibility.plot``)."""
    if kind == "fan":
        return plot_fan(r, ax, locale, months_shown=months_shown, **kwargs)
    return {"totals": plot_totals, "drivers": plot_drivers}[kind](r, ax, locale, **kwargs)


def plot_fan(r, ax, locale: str, *, months_shown: int = 24, **kwargs):
    """History, the forecast fan (interval and 50% bands, median) and the target as a monthly average."""
    sim, q_ = r.simulation, r.question
    y = sim.prepared.y.iloc[-months_shown:]
    pooled = np.concatenate(list(sim.paths.values()))
    lvl = r.confidence
    q = np.quantile(pooled, [(1 - lvl) / 2, 0.25, 0.5, 0.75, 1 - (1 - lvl) / 2], axis=0)
    color = kwargs.pop("color", "C0")
    ax.plot(y.index, y.to_numpy(), color="0.2", marker="o", ms=3, label=text("lbl_history", locale), **kwargs)
    xs = sim.future.insert(0, y.index[-1])
    join = lambda row: np.r_[y.iloc[-1], row]
    ax.fill_between(xs, join(q[0]), join(q[4]), color=color, alpha=0.18,
                    label=text("lbl_band", locale, level=i18n.percent(lvl, locale, digits=0)))
    ax.fill_between(xs, join(q[1]), join(q[3]), color=color, alpha=0.30,
                    label=text("lbl_band", locale, level=i18n.percent(0.5, locale, digits=0)))
    ax.plot(xs, join(q[2]), color=color, lw=2, label=text("lbl_median", locale))
    half = pd.Timedelta(days=15)  # points sit on month starts: the period spans half a month either side
    start, end = q_.start - half, q_.end + half
    ax.axvspan(start, end, color="C3", alpha=0.06)
    ax.hlines(r.target / q_.months, start, end, color="C3", lw=2, ls="--", label=text("lbl_target", locale))
    _tidy(ax, "y", r, locale)
    kpi = kpi_label(r.kpi, locale)
    ax.set(title=text("title_fan", locale, kpi=kpi[:1].upper() + kpi[1:]), xlabel=text("ax_month", locale),
           ylabel=_with_unit(text("ax_monthly", locale, kpi=kpi), r, locale))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0)
    return ax


def _tidy(ax, axis: str, r, locale: str) -> None:
    """The KPI's axis in its unit (money in short scales, no offset text) through ``i18n.tidy_axis``."""
    i18n.tidy_axis(ax, axis, unit="money" if r.currency else "number", locale=locale, currency=r.currency or "VND")


def _with_unit(label: str, r, locale: str) -> str:
    """An axis label with the currency, if the KPI is money: "won deal value per month (VND)"."""
    return text("ax_unit", locale, label=label, unit=r.currency) if r.currency else label


def plot_totals(r, ax, locale: str, *, title: str | None = None, **kwargs):
    """The simulated period totals (each model's paths weighted by its weight in the combination), the
    hits shaded, one outline per model, and the target; ``title`` names a scenario (default: "Simulated
    totals for <period>")."""
    weights = r.simulation.weights or {m: 1 / len(r.totals) for m in r.totals}
    pooled = np.concatenate(list(r.totals.values()))
    tgt = np.concatenate(list(r.targets.values()))
    w = np.concatenate([np.full(len(t), weights[m] / len(t)) for m, t in r.totals.items()])
    bins = np.histogram_bin_edges(pooled, bins=kwargs.pop("bins", 50))
    hits = hit(pooled, tgt, r.direction)
    ax.hist(pooled[~hits], bins=bins, weights=w[~hits], color="0.7", **kwargs)
    ax.hist(pooled[hits], bins=bins, weights=w[hits], color="C2",
            label=text("lbl_hit", locale, p=i18n.percent(r.p_hit, locale, digits=0)), **kwargs)
    keys = dict(zip(r.simulation.models, r.simulation.model_keys, strict=True))
    for i, (m, t) in enumerate(r.totals.items()):
        share = float(np.mean(hit(t, r.targets[m], r.direction)))
        ax.hist(t, bins=bins, weights=np.full(len(t), weights[m] / len(t)), histtype="step", color=f"C{i}",
                label=f"{MODEL_SHORT[keys[m]]} {i18n.percent(share, locale, digits=0)}")
    ax.axvline(r.target, color="C3", ls="--", lw=2, label=text("lbl_target_line", locale))
    _tidy(ax, "x", r, locale)
    i18n.tidy_axis(ax, "y", unit="share", locale=locale)
    ax.tick_params(axis="x", labelrotation=20)
    label = period_label(r.period, locale)
    ax.set(title=title or text("title_totals", locale, period=label), ylabel=text("ax_density", locale),
           xlabel=_with_unit(text("ax_total", locale, kpi=kpi_label(r.kpi, locale), period=label), r, locale))
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return ax


def plot_drivers(r, ax, locale: str, **kwargs):
    """Each driver's past year-on-year changes (dots) against the growth it needs alone and shared."""
    if r.drivers is None:
        ax.text(0.5, 0.5, i18n.text("common", "no_data", locale), ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    series = driver_series(r.simulation.drivers, r.question.months)
    names = [*DRIVERS, "revenue"]
    for i, k in enumerate(names):
        past = (series[k] / series[k].shift(SEASON) - 1).dropna()
        jitter = np.linspace(-0.15, 0.15, len(past)) if len(past) > 1 else np.zeros(len(past))
        ax.scatter(past.to_numpy(), i + jitter, s=12, color="0.6",
                   label=text("lbl_past", locale) if i == 0 else None, **kwargs)
    t = r.drivers.set_index("driver").loc[names]
    ax.scatter(t["needed_alone"], range(len(names)), marker="D", s=60, color="C3", zorder=3,
               label=text("lbl_alone", locale))
    ax.scatter(t["needed_shared"][:3], range(3), marker="o", s=60, color="C1", zorder=3,
               label=text("lbl_shared", locale))
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(range(len(names)), [text(f"driver_{k}", locale) for k in names])
    i18n.tidy_axis(ax, "x", unit="percent", locale=locale)
    ax.set(title=text("title_drivers", locale), xlabel=text("ax_growth", locale))
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return ax
