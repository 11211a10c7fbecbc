"""Words and pictures of the location tests: the en/vi catalogues, summaries and charts.

The result objects (:mod:`~kpi_analysis.promo.results`) carry numbers and codes; this module turns
them into sentences in the reader's language and draws them. Notes and exclusions are worded from
the catalogues ``promo.notes`` and ``promo.excluded`` (one English and one Vietnamese sentence per
code); everything else from ``promo``.

Examples
--------
>>> excluded_sentences([{"code": "washout", "n": 12}], "en")
['12 location-day(s) right after a switch were left out (washout).']
>>> note_sentences([{"code": "few_assignments", "n": 4, "units": 4, "p_min": 0.25}], "en")
['With 4 locations the randomization test has only 4 possible assignments of the promotion, so it cannot give p below 0.25 (1/4).']
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import i18n
from ..core.checks import check_choice
from ..core.deprecation import keyword_only
from . import present_chain

__all__ = ["crossover_summary", "did_summary", "excluded_sentences", "fmt_value", "mde_summary",
           "note_sentences", "outcome_label", "period_summary", "plot_crossover", "plot_did", "plot_effect",
           "plot_mde", "plot_period", "plot_precheck", "precheck_summary", "promo_method", "promo_summary",
           "words"]

OUTCOMES = ("revenue", "orders")

words = i18n.catalog("promo", {
    "headline": {
        "en": "The promotion changed {outcome} by {lift} ({ci}); that is {per_day} per location-day "
              "and {total} in total over {days} promotion location-days (p {p}).",
        "vi": "Khuyến mãi làm {outcome} thay đổi {lift} ({ci}); tức là {per_day} mỗi điểm bán mỗi ngày "
              "và tổng cộng {total} trong {days} ngày-điểm bán có khuyến mãi (p {p}).",
    },
    "verdict_up": {"en": "The lift is statistically significant at the {level} level.",
                   "vi": "Mức tăng có ý nghĩa thống kê ở mức {level}."},
    "verdict_down": {"en": "The promotion lowered {outcome}; the fall is statistically significant at "
                           "the {level} level.",
                     "vi": "Khuyến mãi làm giảm {outcome}; mức giảm có ý nghĩa thống kê ở mức {level}."},
    "verdict_none": {"en": "The data cannot tell the lift apart from zero: the interval includes no effect.",
                     "vi": "Dữ liệu chưa phân biệt được mức tăng với 0: khoảng tin cậy chứa giá trị không "
                           "có hiệu quả."},
    "verdict_nan": {"en": "Too little data for an interval.",
                    "vi": "Quá ít dữ liệu để tính khoảng tin cậy."},
    "method_crossover": {"en": "AB/BA crossover on the daily difference between {a} and {b}",
                         "vi": "thiết kế chéo AB/BA trên chênh lệch hằng ngày giữa {a} và {b}"},
    "method_did": {"en": "difference-in-differences of {n_treated} promotion location(s) against "
                         "{n_control} control location(s)",
                   "vi": "khác biệt kép giữa {n_treated} điểm bán có khuyến mãi và {n_control} điểm bán "
                         "đối chứng"},
    "carryover": {"en": "Carryover / store-by-period check: p {p} ({verdict}).",
                  "vi": "Kiểm tra hiệu ứng kéo dài / tương tác điểm bán - kỳ: p {p} ({verdict})."},
    "carryover_ok": {"en": "no sign of carryover", "vi": "không thấy hiệu ứng kéo dài"},
    "carryover_bad": {"en": "the stores' gap changed beyond the promotion: read the effect with care",
                      "vi": "chênh lệch giữa hai điểm bán thay đổi ngoài tác động của khuyến mãi: cần thận "
                            "trọng khi đọc kết quả"},
    "pre_ok": {"en": "Baseline check: the locations moved together (correlation {corr}, scaled "
                     "difference {mape} on average, placebo p {placebo_p}).",
               "vi": "Kiểm tra kỳ gốc: các điểm bán biến động cùng nhau (tương quan {corr}, chênh lệch sau "
                     "chuẩn hóa trung bình {mape}, kiểm tra bằng khuyến mãi giả định p {placebo_p})."},
    "pre_warn": {"en": "Warning: the locations were not comparable in the baseline ({reasons}); the "
                       "estimate may reflect their differences rather than the promotion.",
                 "vi": "Cảnh báo: các điểm bán không tương đồng trong kỳ gốc ({reasons}); ước lượng có thể "
                       "phản ánh khác biệt giữa chúng chứ không phải khuyến mãi."},
    "pre_unconfirmed": {"en": "Note: the baseline is too short or noisy to confirm that the trends "
                              "were parallel (equivalence test p {p}).",
                        "vi": "Lưu ý: kỳ gốc quá ngắn hoặc quá nhiễu để khẳng định xu hướng song song "
                              "(kiểm định tương đương p {p})."},
    "reason_correlation": {"en": "low correlation", "vi": "tương quan thấp"},
    "reason_mape": {"en": "large scaled difference", "vi": "chênh lệch lớn sau chuẩn hóa"},
    "reason_trend": {"en": "diverging trends", "vi": "xu hướng tách rời"},
    "reason_placebo": {"en": "an effect where there was no promotion (placebo)",
                       "vi": "có 'hiệu quả' ở nơi không có khuyến mãi (kiểm tra bằng khuyến mãi giả định)"},
    "seed": {"en": "seed {seed}", "vi": "hạt giống ngẫu nhiên {seed}"},
    "inference_hac": {"en": "Newey-West (HAC, {lags} lags) standard errors with a t distribution on "
                            "{df} degrees of freedom",
                      "vi": "sai số chuẩn Newey-West (HAC, trễ {lags}) với phân phối t, {df} bậc tự do"},
    "inference_block_bootstrap": {"en": "moving-block bootstrap standard errors (block {lags} days, "
                                        "{n_boot} resamples) with a t distribution on {df} degrees of freedom",
                                  "vi": "sai số chuẩn bootstrap khối trượt (khối {lags} ngày, {n_boot} lần "
                                        "lấy mẫu) với phân phối t, {df} bậc tự do"},
    "inference_randomization": {"en": "randomization inference over {n_assign} assignments of the "
                                      "promotion to locations, interval by inverting the same test",
                                "vi": "suy luận hoán vị trên {n_assign} cách gán khuyến mãi cho các điểm "
                                      "bán, khoảng tin cậy bằng cách đảo ngược cùng kiểm định"},
    "inference_ar1": {"en": "feasible GLS with AR(1) errors, the p-value and interval from an AR(1) "
                            "bootstrap of its t statistic ({n_boot} resamples)",
                      "vi": "hồi quy có tính đến tự tương quan (GLS) với sai số AR(1), giá trị p và khoảng tin "
                            "cậy từ bootstrap AR(1) của thống kê t ({n_boot} lần lấy mẫu)"},
    "method_classic": {"en": "AB/BA crossover, two-sample t test on the period differences (Senn 2002)",
                       "vi": "thiết kế chéo AB/BA, kiểm định t hai mẫu trên chênh lệch giữa hai kỳ (Senn 2002)"},
    "method_crossover_units": {"en": "AB/BA crossover on the daily difference between {a} and {b}; {inference}",
                               "vi": "thiết kế chéo AB/BA trên chênh lệch hằng ngày giữa {a} và {b}; {inference}"},
    "method_did_generic": {"en": "difference-in-differences ({n} rows, {units} units); {inference}",
                           "vi": "khác biệt kép ({n} dòng, {units} đơn vị); {inference}"},
    "method_mde": {"en": "analytic minimum detectable effect from the long-run variance of the daily "
                         "difference (AR(1) model) over {days} days of history",
                   "vi": "hiệu quả tối thiểu phát hiện được, tính giải tích từ phương sai dài hạn của chênh "
                         "lệch hằng ngày (mô hình AR(1)) trên {days} ngày dữ liệu lịch sử"},
    "inference_cluster": {"en": "cluster-robust (CR1) standard errors with t on {df} degrees of freedom",
                          "vi": "sai số chuẩn vững theo cụm (CR1) với phân phối t, {df} bậc tự do"},
    "inference_ols": {"en": "conventional OLS standard errors", "vi": "sai số chuẩn OLS thông thường"},
    "mde_headline": {"en": "With {days} days per promotion period, the smallest lift this test would "
                           "detect with {power} power is {mde} ({mde_money} per location-day).",
                     "vi": "Với {days} ngày cho mỗi kỳ khuyến mãi, mức tăng nhỏ nhất phép thử này phát hiện "
                           "được với độ mạnh {power} là {mde} ({mde_money} mỗi điểm bán mỗi ngày)."},
    "mde_days": {"en": "To detect a lift of {lift}, run each period for about {days} days.",
                 "vi": "Để phát hiện mức tăng {lift}, mỗi kỳ cần chạy khoảng {days} ngày."},
    "mde_sim": {"en": "Check by simulation on {n} windows of history: a lift of {mde} was detected "
                      "{hit} of the time, a zero lift {false} of the time.",
                "vi": "Kiểm tra bằng mô phỏng trên {n} cửa sổ dữ liệu lịch sử: mức tăng {mde} được phát "
                      "hiện {hit} số lần, mức tăng 0 bị báo nhầm {false} số lần."},
    "effect_crossover": {"en": "Crossover effect: {estimate} (SE {se}, {ci}, p {p}).",
                         "vi": "Hiệu quả (thiết kế chéo): {estimate} (SE {se}, {ci}, p {p})."},
    "effect_did": {"en": "Difference-in-differences: {estimate} (SE {se}, {ci}, p {p}), n = {n}.",
                   "vi": "Khác biệt kép: {estimate} (SE {se}, {ci}, p {p}), n = {n}."},
    "title_observed": {"en": "Observed {outcome}", "vi": "{outcome} thực tế"},
    "title_effect": {"en": "Estimated daily effect", "vi": "Hiệu quả ước lượng theo ngày"},
    "title_cumulative": {"en": "Cumulative incremental {outcome}", "vi": "{outcome} tăng thêm lũy kế"},
    "label_baseline": {"en": "baseline", "vi": "kỳ gốc"},
    "label_promo": {"en": "promotion: {location}", "vi": "khuyến mãi: {location}"},
    "label_date": {"en": "date", "vi": "ngày"},
    "label_power": {"en": "power", "vi": "độ mạnh"},
    "label_lift": {"en": "lift", "vi": "mức tăng"},
    "title_power": {"en": "Power by lift ({days} days per period)",
                    "vi": "Độ mạnh theo mức tăng ({days} ngày mỗi kỳ)"},
    "period_test": {"en": "Promotion test {i} of {n} ended in {period}: {locations}, {start} to {end}.",
                    "vi": "Phép thử khuyến mãi {i}/{n} kết thúc trong {period}: {locations}, từ {start} đến "
                          "{end}."},
    "outcome_revenue": {"en": "revenue", "vi": "doanh thu"},
    "outcome_orders": {"en": "orders", "vi": "số đơn hàng"},
})

NOTES = i18n.catalog("promo.notes", {
    "missing_days": {"en": "Some location-days are missing from the data; they were left out, not filled.",
                     "vi": "Một số ngày-điểm bán thiếu trong dữ liệu; chúng đã bị bỏ qua, không được điền."},
    "not_comparable": {"en": "The locations were not comparable in the baseline; the estimate may reflect "
                             "their differences rather than the promotion.",
                       "vi": "Các điểm bán không tương đồng trong kỳ gốc; ước lượng có thể phản ánh khác biệt "
                             "giữa chúng chứ không phải khuyến mãi."},
    "trend_unconfirmed": {"en": "The baseline is too short or noisy to confirm that the trends were "
                                "parallel.",
                          "vi": "Kỳ gốc quá ngắn hoặc quá nhiễu để khẳng định xu hướng song song."},
    "few_clusters": {"en": "Only {n} clusters: with fewer than about 50, cluster-robust standard errors are "
                           "approximate; randomization inference is exact.",
                     "vi": "Chỉ có {n} cụm: khi ít hơn khoảng 50 cụm, sai số chuẩn vững theo cụm chỉ là xấp xỉ; "
                           "suy luận hoán vị là chính xác."},
    "few_assignments": {"en": "With {units} locations the randomization test has only {n} possible assignments "
                              "of the promotion, so it cannot give p below {p_min} (1/{n}).",
                        "vi": "Với {units} điểm bán, kiểm định hoán vị chỉ có {n} cách gán khuyến mãi, nên "
                              "không thể cho giá trị p nhỏ hơn {p_min} (1/{n})."},
    "ci_unbounded": {"en": "With only {n} possible assignments the interval is unbounded on at least one side "
                           "(a lift's lower bound is then shown as -100%).",
                     "vi": "Chỉ với {n} cách gán có thể, khoảng tin cậy không bị chặn ở ít nhất một phía (khi "
                           "đó cận dưới của mức tăng được ghi là -100%)."},
    "hac_oversized": {"en": "Newey-West (HAC) standard errors are too small for a few months of daily sales: "
                            "in simulated tests without any effect this option called about 15% significant "
                            "at 5%. Its p-value is too optimistic; the default (AR(1) with a bootstrap) is "
                            "calibrated.",
                      "vi": "Sai số chuẩn Newey-West (HAC) quá nhỏ với vài tháng doanh số hằng ngày: trong các "
                            "phép thử mô phỏng không có hiệu quả, tùy chọn này báo có ý nghĩa khoảng 15% số lần "
                            "ở mức 5%. Giá trị p của nó quá lạc quan; phương pháp mặc định (AR(1) với "
                            "bootstrap) đã được hiệu chỉnh."},
    "no_variation": {"en": "The baseline check could not be computed: {series} did not vary in the baseline "
                           "(a flat series), so correlation, drift and placebo are not defined.",
                     "vi": "Không tính được phần kiểm tra kỳ gốc: {series} không biến động trong kỳ gốc (chuỗi "
                           "không đổi), nên tương quan, độ trôi và kiểm tra bằng khuyến mãi giả định không xác "
                           "định."},
    "prechecks_skipped": {"en": "The baseline checks were skipped: the baseline has {n} day(s) with both "
                                "series observed and the checks need at least 8; the crossover estimate does "
                                "not depend on them.",
                          "vi": "Đã bỏ qua phần kiểm tra kỳ gốc: kỳ gốc chỉ có {n} ngày có đủ dữ liệu cả hai "
                                "chuỗi, trong khi cần ít nhất 8 ngày; ước lượng của thiết kế chéo không phụ "
                                "thuộc vào phần kiểm tra này."},
    "no_test_ended": {"en": "No promotion test ended in {period}: there is no promotion test to report for this "
                            "period.",
                      "vi": "Không có phép thử khuyến mãi nào kết thúc trong {period}: kỳ này không có phép thử "
                            "khuyến mãi để báo cáo."},
})

EXCLUDED = i18n.catalog("promo.excluded", {
    "missing_days": {"en": "{n} location-day(s) missing from the data were left out, not filled.",
                     "vi": "{n} ngày-điểm bán thiếu trong dữ liệu đã bị bỏ qua, không được điền."},
    "blank_outcome": {"en": "{n} location-day(s) with a blank outcome were left out.",
                      "vi": "{n} ngày-điểm bán có chỉ tiêu để trống đã bị loại."},
    "outside_periods": {"en": "{n} location-day(s) outside the baseline and promotion periods were not used.",
                        "vi": "{n} ngày-điểm bán nằm ngoài kỳ gốc và các kỳ khuyến mãi không được dùng."},
    "washout": {"en": "{n} location-day(s) right after a switch were left out (washout).",
                "vi": "{n} ngày-điểm bán ngay sau mỗi lần chuyển đổi đã bị loại (giai đoạn loại bỏ)."},
    "after_own_promotion": {"en": "{n} location-day(s) of promoted locations after their own promotion were "
                                  "left out (carryover risk).",
                            "vi": "{n} ngày-điểm bán của các điểm có khuyến mãi sau khi khuyến mãi của chính "
                                  "chúng kết thúc đã bị loại (nguy cơ hiệu ứng kéo dài)."},
    "blank_rows": {"en": "{n} row(s) with a blank value were left out.",
                   "vi": "{n} dòng có giá trị để trống đã bị loại."},
    "incomplete_subjects": {"en": "{n} subject(s) without both periods were left out.",
                            "vi": "{n} đối tượng không có đủ hai kỳ đã bị loại."},
    "unpaired_days": {"en": "{n} day(s) with one unit missing were left out.",
                      "vi": "{n} ngày thiếu dữ liệu của một đơn vị đã bị loại."},
})

fmt_p = i18n.p_value  # '= 0.034' or '< 0.001' (read after 'p')


# ------------------------------------------------------------------------------------------ pieces

def outcome_label(outcome: str, locale: str) -> str:
    """The outcome's name in ``locale`` ("revenue" -> "doanh thu"); other columns keep their name.

    Examples
    --------
    >>> outcome_label("revenue", "vi"), outcome_label("visits", "vi")
    ('doanh thu', 'visits')
    """
    return words(f"outcome_{outcome}", locale) if outcome in OUTCOMES else outcome


def fmt_value(x: float, locale: str, outcome: str, currency: str, digits: int = 0) -> str:
    """Revenue as money in ``currency``, any other outcome as a number with one decimal.

    Examples
    --------
    >>> fmt_value(1234567, "en", "revenue", "VND"), fmt_value(12.34, "vi", "orders", "VND")
    ('VND 1,234,567', '12,3')
    """
    if outcome == "revenue":
        return i18n.money(x, locale, currency=currency, digits=digits)
    return i18n.number(x, locale, digits=1)


def _value(v, locale: str):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, np.integer)):
        return i18n.number(v, locale)
    if isinstance(v, (float, np.floating)):  # up to 3 decimals, trailing zeros dropped: 0.25, 0.167
        text = i18n.number(float(v), locale, digits=3)
        sep = i18n.number(0.5, locale, digits=1)[1]
        return text.rstrip("0").rstrip(sep) if sep in text else text
    return v


def _values(item: dict, locale: str) -> dict:
    return {k: _value(v, locale) for k, v in item.items() if k != "code"}


def note_sentences(notes: Iterable[dict], locale: str = "en", *,
                   only: Sequence[str] | None = None) -> list[str]:
    """One sentence per note (``{"code": ..., **values}``), in ``locale``; ``only`` keeps those codes.

    Examples
    --------
    >>> notes = [{"code": "trend_unconfirmed"}, {"code": "few_clusters", "n": 6}]
    >>> note_sentences(notes, "en", only=["few_clusters"])[0][:40]
    'Only 6 clusters: with fewer than about 5'
    """
    return [NOTES(n["code"], locale, **_values(n, locale)) for n in notes
            if only is None or n["code"] in only]


def excluded_sentences(excluded: Iterable[dict], locale: str = "en", *,
                       only: Sequence[str] | None = None) -> list[str]:
    """One sentence per exclusion (``{"code": ..., "n": ...}``), in ``locale``; ``only`` keeps those codes.

    Examples
    --------
    >>> excluded_sentences([{"code": "missing_days", "n": 1234}], "vi")
    ['1.234 ngày-điểm bán thiếu trong dữ liệu đã bị bỏ qua, không được điền.']
    """
    return [EXCLUDED(e["code"], locale, **_values(e, locale)) for e in excluded
            if e.get("n") and (only is None or e["code"] in only)]


def _method_line(method: str, locale: str) -> str:
    return i18n.text("common", "method", locale, method=method)


def _inference_words(name: str, locale: str, **values) -> str:
    return words(f"inference_{name}", locale, **values)


#: notes a PromoResult's summary words elsewhere: the baseline checks' own lines, the exclusions
WORDED_ELSEWHERE = ("missing_days", "not_comparable", "trend_unconfirmed", "no_variation")


# --------------------------------------------------------------------------------------- summaries

def precheck_summary(pc, locale: str = "en") -> str:
    """The baseline check in words: comparable (with the numbers) or a warning naming the reasons.

    Examples
    --------
    >>> from kpi_analysis import promo
    >>> days = pd.date_range("2026-01-01", periods=28)
    >>> a = pd.Series(100 + np.random.default_rng(1).normal(0, 3, 28), index=days)
    >>> print(precheck_summary(promo.prechecks(a, a / 2 + 1), "en"))  # doctest: +NORMALIZE_WHITESPACE
    Baseline check: the locations moved together (correlation 1.00, scaled difference 0.0% on average,
    placebo p = 0.307).
    """
    if not pc.computable:
        return "\n".join(note_sentences(pc.notes, locale))
    lines = []
    if pc.comparable:
        lines.append(words("pre_ok", locale, corr=i18n.number(pc.correlation, locale, digits=2),
                           mape=i18n.percent(pc.mape, locale), placebo_p=fmt_p(pc.placebo_p, locale)))
    else:
        reasons = ", ".join(words(f"reason_{r}", locale) for r in pc.reasons)
        lines.append(words("pre_warn", locale, reasons=reasons))
    if not pc.trend_confirmed:
        lines.append(words("pre_unconfirmed", locale, p=fmt_p(pc.equivalence_p, locale)))
    return "\n".join(lines)


def _carryover_line(carryover_p: float, confidence: float, locale: str) -> list[str]:
    if not np.isfinite(carryover_p):
        return []
    ok = carryover_p >= 1 - confidence
    return [words("carryover", locale, p=fmt_p(carryover_p, locale),
                  verdict=words("carryover_ok" if ok else "carryover_bad", locale))]


def crossover_summary(r, locale: str = "en") -> str:
    """A :class:`~kpi_analysis.promo.results.CrossoverResult` in words.

    Examples
    --------
    >>> from kpi_analysis import promo
    >>> d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "period": [1, 2] * 4,
    ...                   "treated": [1, 0, 1, 0, 0, 1, 0, 1], "y": [12, 9, 14, 10, 8, 13, 10, 12]})
    >>> r = promo.crossover(d, outcome="y", unit="unit", period="period", treated="treated")
    >>> print(crossover_summary(r))
    Crossover effect: 3.50 (SE 0.79, 95% CI 0.10 to 6.90, p = 0.047).
    Carryover / store-by-period check: p = 0.592 (no sign of carryover).
    Method: AB/BA crossover, two-sample t test on the period differences (Senn 2002).
    """
    ci = i18n.ci(r.ci_low, r.ci_high, r.confidence, locale, lambda x, loc: i18n.number(x, loc, digits=2))
    lines = [words("effect_crossover", locale, estimate=i18n.number(r.estimate, locale, digits=2),
                   se=i18n.number(r.se, locale, digits=2), ci=ci, p=fmt_p(r.p_value, locale))]
    lines += _carryover_line(r.carryover_p, r.confidence, locale)
    lines += note_sentences(r.notes, locale)
    lines += excluded_sentences(r.excluded, locale)
    if r.design == "classic":
        method = words("method_classic", locale)
    else:
        method = words("method_crossover_units", locale, a=r.units[0], b=r.units[1],
                       inference=_inference_words(r.inference, locale, lags=r.lags, df=int(r.df),
                                                  n_boot=i18n.number(r.table.attrs.get("n_boot", 0), locale)))
    lines.append(_method_line(method, locale))
    return "\n".join(lines)


def did_summary(r, locale: str = "en") -> str:
    """A :class:`~kpi_analysis.promo.results.DiDResult` in words.

    Examples
    --------
    >>> from kpi_analysis import promo
    >>> d = pd.DataFrame({"y": [10, 11, 10, 14, 9, 10, 9, 10.5],
    ...                   "treated": [1, 1, 1, 1, 0, 0, 0, 0], "post": [0, 0, 1, 1] * 2})
    >>> print(did_summary(promo.did(d, outcome="y", treated="treated", post="post"), "vi"))
    Khác biệt kép: 1,2500 (SE 2,2500, khoảng tin cậy 95% từ -4,9970 đến 7,4970, p = 0,608), n = 8.
    Phương pháp: khác biệt kép (8 dòng, 0 đơn vị); sai số chuẩn OLS thông thường.
    """
    ci = i18n.ci(r.ci_low, r.ci_high, r.confidence, locale, lambda x, loc: i18n.number(x, loc, digits=4))
    inference = _inference_words(r.inference, locale, df=int(r.df) if np.isfinite(r.df) else "–",
                                 n_assign=i18n.number(r.n_assignments, locale))
    return "\n".join([
        words("effect_did", locale, estimate=i18n.number(r.estimate, locale, digits=4),
              se=i18n.number(r.se, locale, digits=4), ci=ci, p=fmt_p(r.p_value, locale),
              n=i18n.number(r.n, locale)),
        *note_sentences(r.notes, locale),
        *excluded_sentences(r.excluded, locale),
        _method_line(words("method_did_generic", locale, n=i18n.number(r.n, locale), units=r.n_units,
                           inference=inference), locale)])


def _verdict(r, locale: str, name: str) -> str:
    if not np.isfinite(r.p_value):
        return words("verdict_nan", locale)
    if r.significant:
        return words("verdict_up" if r.estimate > 0 else "verdict_down", locale,
                     level=i18n.percent(r.confidence, locale, digits=0), outcome=name)
    return words("verdict_none", locale)


def promo_summary(r, locale: str = "en") -> str:
    """A :class:`~kpi_analysis.promo.results.PromoResult` in words: lift, verdict, checks, method.

    Examples
    --------
    >>> from kpi_analysis import promo
    >>> days = pd.date_range("2026-01-01", "2026-03-31")
    >>> rng = np.random.default_rng(3)
    >>> a = 100 + rng.normal(0, 4, 90) + np.where(days.month == 2, 12, 0)
    >>> b = 100 + rng.normal(0, 4, 90) + np.where(days.month == 3, 12, 0)
    >>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 90 + ["B"] * 90,
    ...                       "revenue": np.concatenate([a, b])})
    >>> r = promo.analyze(sales, schedule={"A": "2026-02", "B": "2026-03"}, baseline="2026-01")
    >>> print(promo_summary(r, "en").splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    The promotion changed revenue by +12.0% (95% CI +10.5% to +13.5%); that is VND 12 per location-day
    and VND 707 in total over 59 promotion location-days (p = 0.001).
    """
    i18n.check_locale(locale)
    name = outcome_label(r.outcome, locale)
    ci = i18n.ci(r.lift_ci_low, r.lift_ci_high, r.confidence, locale,
                 lambda x, loc: i18n.percent(x, loc, signed=True))
    lines = [words("headline", locale, outcome=name, lift=i18n.percent(r.lift, locale, signed=True),
                   ci=ci, per_day=fmt_value(r.estimate, locale, r.outcome, r.currency),
                   total=fmt_value(r.total, locale, r.outcome, r.currency),
                   days=i18n.number(r.treated_days, locale), p=fmt_p(r.p_value, locale)),
             _verdict(r, locale, name)]
    lines += present_chain.robustness_sentences(r, locale)  # a different verdict is said next to the headline
    if r.design == "crossover":
        lines += _carryover_line(r.carryover_p, r.confidence, locale)
    lines += [precheck_summary(pc, locale) for pc in r.prechecks]
    # the baseline checks word not_comparable / trend_unconfirmed; the design's own exclusions
    # (outside the periods, washout, after the own promotion) are part of the method
    lines += excluded_sentences(r.excluded, locale, only=("missing_days", "blank_outcome"))
    if r.design == "synthetic":
        lines.append(present_chain.fit_sentence(r.model, locale, outcome=r.outcome, currency=r.currency))
    if r.design == "tbr" and np.isfinite(r.model.iroas):
        lines.append(present_chain.iroas_sentence(r.model, locale))
    lines += excluded_sentences(r.excluded, locale, only=("incomplete_controls",))
    if r.design_rule:
        rule = r.design_rule
        lines.append(present_chain.design_rule_sentence(
            r.design, n_controls=rule["n_controls"], threshold=rule["did_max_controls"], locale=locale,
            forced="" if rule["method"] == "auto" else rule["method"]))
    lines += note_sentences([x for x in r.notes if x["code"] not in WORDED_ELSEWHERE], locale)
    lines.append(_method_line(promo_method(r, locale), locale))
    return "\n".join(lines)


def promo_method(r, locale: str = "en") -> str:
    """The design and the inference of a :class:`~kpi_analysis.promo.results.PromoResult` in words.

    Examples
    --------
    >>> from kpi_analysis import promo
    >>> days = pd.date_range("2026-01-01", "2026-03-31")
    >>> rng = np.random.default_rng(3)
    >>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 90 + ["B"] * 90,
    ...                       "revenue": 100 + rng.normal(0, 4, 180)})
    >>> r = promo.analyze(sales, schedule={"A": "2026-02", "B": "2026-03"}, baseline="2026-01")
    >>> promo_method(r, "vi")  # doctest: +NORMALIZE_WHITESPACE
    'thiết kế chéo AB/BA trên chênh lệch hằng ngày giữa A và B; hồi quy có tính đến tự tương quan
    (GLS) với sai số AR(1), giá trị p và khoảng tin cậy từ bootstrap AR(1) của thống kê t (999 lần lấy
    mẫu); hạt giống ngẫu nhiên 20261028'
    """
    m = r.model
    if r.design in ("synthetic", "tbr"):
        return present_chain.method_words(m, r.design, locale)
    if r.design == "crossover":
        a, b = r.treated_locations
        design = words("method_crossover", locale, a=a, b=b)
        inf = _inference_words(m.inference, locale, lags=m.lags, df=int(m.df),
                               n_boot=i18n.number(r.table.attrs.get("n_boot", 0), locale))
    else:
        design = words("method_did", locale, n_treated=len(r.treated_locations),
                       n_control=len(r.locations) - len(r.treated_locations))
        inf = _inference_words(m.inference, locale, n_assign=i18n.number(m.n_assignments, locale),
                               df=int(m.df) if np.isfinite(m.df) else "–")
    text = f"{design}; {inf}"
    if r.seed is not None:
        text += "; " + words("seed", locale, seed=r.seed)
    return text


def mde_summary(r, locale: str = "en") -> str:
    """An :class:`~kpi_analysis.promo.results.MDEResult` in words.

    Examples
    --------
    >>> from kpi_analysis import promo
    >>> days = pd.date_range("2025-01-01", periods=200)
    >>> rng = np.random.default_rng(0)
    >>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 200 + ["B"] * 200,
    ...                       "revenue": 100 + rng.normal(0, 5, 400)})
    >>> power = promo.mde(sales, locations=["A", "B"], simulate=False)
    >>> print(mde_summary(power, "en"))  # doctest: +NORMALIZE_WHITESPACE
    With 28 days per promotion period, the smallest lift this test would detect with 80% power is 2.9%
    (VND 3 per location-day).
    To detect a lift of 10%, run each period for about 6 days.
    Method: analytic minimum detectable effect from the long-run variance of the daily difference (AR(1)
    model) over 200 days of history.
    """
    lines = [words("mde_headline", locale, days=i18n.number(r.days, locale),
                   power=i18n.percent(r.power, locale, digits=0), mde=i18n.percent(r.mde, locale),
                   mde_money=fmt_value(r.mde_per_day, locale, r.outcome, r.currency)),
             words("mde_days", locale, lift=i18n.percent(r.lift, locale, digits=0),
                   days=i18n.number(r.days_needed, locale))]
    if r.n_windows:
        lines.append(words("mde_sim", locale, n=i18n.number(r.n_windows, locale),
                           mde=i18n.percent(r.mde, locale),
                           hit=i18n.percent(r.simulated_power, locale, digits=0),
                           false=i18n.percent(r.simulated_false_positive, locale, digits=0)))
    lines += excluded_sentences(r.excluded, locale)
    lines.append(_method_line(words("method_mde", locale, days=i18n.number(r.history_days, locale)), locale))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- charts

def plot_precheck(pc, ax=None, *, locale: str = "en"):
    """The daily scaled difference of each treated series in the baseline.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kpi_analysis import promo
    >>> days = pd.date_range("2026-01-01", periods=28)
    >>> a = pd.Series(100 + np.random.default_rng(1).normal(0, 3, 28), index=days)
    >>> plot_precheck(promo.prechecks(a, a / 2 + 1), locale="vi").get_xlabel()
    'ngày'
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt
    ax = plt.gca() if ax is None else ax
    for label, grp in pc.table.groupby("treated", sort=False):
        ax.plot(grp["date"], grp["scaled_difference"], marker=".", label=str(label))
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xlabel=words("label_date", locale), ylabel="(treated - scaled control) / level")
    ax.legend()
    return ax


def plot_crossover(r, ax=None, *, locale: str = "en"):
    """The crossover effect with its interval.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kpi_analysis import promo
    >>> d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "period": [1, 2] * 4,
    ...                   "treated": [1, 0, 1, 0, 0, 1, 0, 1], "y": [12, 9, 14, 10, 8, 13, 10, 12]})
    >>> r = promo.crossover(d, outcome="y", unit="unit", period="period", treated="treated")
    >>> plot_crossover(r).get_xlabel()
    'Estimated daily effect'
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt
    ax = plt.gca() if ax is None else ax
    ax.errorbar([r.estimate], [0], xerr=[[r.estimate - r.ci_low], [r.ci_high - r.estimate]], fmt="o",
                capsize=4)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set(yticks=[], xlabel=words("title_effect", locale))
    return ax


def plot_did(r, ax=None, *, locale: str = "en"):
    """Every coefficient of the DiD regression with its interval.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kpi_analysis import promo
    >>> d = pd.DataFrame({"y": [10, 11, 10, 14, 9, 10, 9, 10.5],
    ...                   "treated": [1, 1, 1, 1, 0, 0, 0, 0], "post": [0, 0, 1, 1] * 2})
    >>> ax = plot_did(promo.did(d, outcome="y", treated="treated", post="post"))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['treated:post', 'const', 'treated', 'post']
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt
    ax = plt.gca() if ax is None else ax
    t = r.table
    ax.errorbar(t["estimate"], range(len(t)),
                xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]], fmt="o", capsize=4)
    ax.set_yticks(range(len(t)), t["term"])
    ax.axvline(0, color="grey", lw=0.8)
    return ax


def plot_mde(r, ax=None, *, locale: str = "en", **kwargs):
    """The power curve of a planned test, with the target power and the MDE marked.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kpi_analysis import promo
    >>> days = pd.date_range("2025-01-01", periods=200)
    >>> rng = np.random.default_rng(0)
    >>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 200 + ["B"] * 200,
    ...                       "revenue": 100 + rng.normal(0, 5, 400)})
    >>> plot_mde(promo.mde(sales, locations=["A", "B"], simulate=False), locale="vi").get_title()
    'Độ mạnh theo mức tăng (28 ngày mỗi kỳ)'
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt
    ax = plt.gca() if ax is None else ax
    ax.plot(r.table["lift"], r.table["power"], **kwargs)
    ax.axhline(r.power, color="grey", lw=0.8, ls="--")
    ax.axvline(r.mde, color="C3", lw=0.8, ls="--")
    ax.xaxis.set_major_formatter(lambda x, _: i18n.percent(x, locale, digits=0))
    ax.set(xlabel=words("label_lift", locale), ylabel=words("label_power", locale), ylim=(0, 1.02),
           title=words("title_power", locale, days=r.days))
    return ax


PANELS = ("observed", "effect", "cumulative")


@keyword_only("ax")
def plot_effect(result, *, ax=None, locale: str = "en", panels: Sequence[str] = PANELS, **kwargs):
    """The three panels analysts know from CausalImpact, for a :class:`~kpi_analysis.promo.PromoResult`.

    Parameters
    ----------
    result : PromoResult
    ax : matplotlib Axes or sequence of Axes, optional
        One Axes per panel; a new figure with one row per panel by default.
    locale : {"en", "vi"}
    panels : sequence of {"observed", "effect", "cumulative"}
        The observed daily outcome per location with the baseline and promotion periods shaded; the
        estimated daily effect with its band; the cumulative incremental outcome.
    **kwargs
        Passed to the line plots.

    Returns
    -------
    numpy.ndarray of Axes (or the single Axes when one panel is drawn)

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from kpi_analysis import promo
    >>> days = pd.date_range("2026-01-01", "2026-03-31")
    >>> rng = np.random.default_rng(3)
    >>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 90 + ["B"] * 90,
    ...                       "revenue": 100 + rng.normal(0, 4, 180)})
    >>> r = promo.analyze(sales, schedule={"A": "2026-02", "B": "2026-03"}, baseline="2026-01")
    >>> [a.get_title() for a in plot_effect(r, locale="vi")]
    ['doanh thu thực tế', 'Hiệu quả ước lượng theo ngày', 'doanh thu tăng thêm lũy kế']
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt
    i18n.check_locale(locale)
    panels = list(panels)
    for p in panels:
        check_choice(p, name="panels", options=PANELS)
    if ax is None:
        _, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(9, 2.6 * len(panels)), squeeze=False)
        axes = axes[:, 0]
    else:
        axes = np.atleast_1d(ax)
        if len(axes) != len(panels):
            raise ValueError(f"ax: {len(axes)} Axes given for {len(panels)} panel(s) {panels}.")
    draw = {"observed": _observed_panel, "effect": _effect_panel, "cumulative": _cumulative_panel}
    for a, panel in zip(axes, panels, strict=True):
        draw[panel](result, a, locale, **kwargs)
    axes[-1].set_xlabel(words("label_date", locale))
    return axes[0] if len(axes) == 1 else axes


def _effect_days(result) -> pd.DataFrame:
    return result.daily.drop_duplicates("date").dropna(subset=["effect"]).sort_values("date")


def _observed_panel(result, a, locale: str, **kwargs) -> None:
    import matplotlib.pyplot as plt
    d = result.daily
    for loc, grp in d.groupby("location", sort=False):
        a.plot(grp["date"], grp["observed"], lw=1, label=str(loc), **kwargs)
    a.axvspan(pd.Timestamp(result.baseline[0]), pd.Timestamp(result.baseline[1]) + pd.Timedelta(days=1),
              color="grey", alpha=0.12, label=words("label_baseline", locale))
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1"])
    order = list(dict.fromkeys(d["location"]))
    for r in result.schedule.itertuples():
        c = colors[order.index(r.location) % len(colors)] if r.location in order else "C3"
        a.axvspan(r.start, r.end + pd.Timedelta(days=1), color=c, alpha=0.12,
                  label=words("label_promo", locale, location=r.location))
    a.set_title(words("title_observed", locale, outcome=outcome_label(result.outcome, locale)))
    a.legend(fontsize="small", ncol=2)


def _effect_panel(result, a, locale: str, **kwargs) -> None:
    eff = _effect_days(result)
    a.plot(eff["date"], eff["effect"], marker=".", lw=1, **kwargs)
    a.fill_between(eff["date"], eff["effect_low"], eff["effect_high"], alpha=0.2)
    a.axhline(0, color="grey", lw=0.8)
    a.axhline(result.estimate, color="C3", lw=1, ls="--")
    a.set_title(words("title_effect", locale))


def _cumulative_panel(result, a, locale: str, **kwargs) -> None:
    eff = _effect_days(result)
    n_days = eff["date"].nunique()
    k = np.arange(1, n_days + 1)
    a.plot(eff["date"], eff["cumulative"], **kwargs)
    # the band grows with the number of promotion days at the headline interval's half-widths
    per_loc_day = len(eff) and result.treated_days / max(n_days, 1)
    a.fill_between(eff["date"], eff["cumulative"] - k * per_loc_day * (result.estimate - result.ci_low),
                   eff["cumulative"] + k * per_loc_day * (result.ci_high - result.estimate), alpha=0.2)
    a.axhline(0, color="grey", lw=0.8)
    a.set_title(words("title_cumulative", locale, outcome=outcome_label(result.outcome, locale)))


# ------------------------------------------------------------------------------------ report periods

def _period_text(period: str, locale: str) -> str:
    from ..core.periods import parse_period, period_label
    try:
        return period_label(parse_period(period), locale)
    except (ValueError, TypeError):
        return str(period)


def period_summary(r, locale: str = "en") -> str:
    """A :class:`~kpi_analysis.promo.results.PeriodTests` in words: each test that ended in the period
    (a line naming it, then its summary), or the sentence saying none did.

    Examples
    --------
    >>> from kpi_analysis import promo
    >>> days = pd.date_range("2026-01-01", "2026-03-31")
    >>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 90 + ["B"] * 90,
    ...                       "revenue": 100 + np.random.default_rng(3).normal(0, 4, 180)})
    >>> none = promo.analyze_period(sales, schedule={"A": "2026-02", "B": "2026-03"}, period="2026-10")
    >>> print(period_summary(none, "en"))
    No promotion test ended in October 2026: there is no promotion test to report for this period.
    """
    i18n.check_locale(locale)
    label = _period_text(r.period, locale)
    if not r.results:
        return NOTES("no_test_ended", locale, period=label)
    lines = []
    for i, (t, res) in enumerate(zip(r.tests.itertuples(), r.results, strict=True), start=1):
        lines.append(words("period_test", locale, i=i, n=len(r.results), period=label,
                           locations=", ".join(t.locations), start=i18n.date(t.start, locale),
                           end=i18n.date(t.end, locale)))
        lines.append(res.summary(locale))
    return "\n".join(lines)


def plot_period(r, ax=None, *, locale: str = "en", **kwargs):
    """The three panels of the first test that ended in the period; with none, an empty Axes saying so."""
    import matplotlib.pyplot as plt
    if r.results:
        return plot_effect(r.results[0], ax=ax, locale=locale, **kwargs)
    ax = plt.gca() if ax is None else ax
    ax.text(0.5, 0.5, NOTES("no_test_ended", locale, period=_period_text(r.period, locale)), ha="center",
            va="center", wrap=True, transform=ax.transAxes)
    ax.set_axis_off()
    return ax
