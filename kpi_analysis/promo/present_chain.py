"""Words and pictures of the chain-scale designs: synthetic control and time-based regression.

Registers its sentences in the ``promo`` catalogues (``promo.chain`` for the design words,
``promo.notes`` for its note codes) and words the robustness checks that
:func:`~kpi_analysis.promo.analyze` runs beside the headline design.

Examples
--------
>>> design_rule_sentence("synthetic", n_controls=38, threshold=5, locale="en")[:62]
'Design: synthetic control, because the promoted location(s) ar'
"""
from __future__ import annotations

import math

from .. import i18n

__all__ = ["CHAIN_NOTES", "design_name", "design_rule_sentence", "fit_table", "method_words", "plot_synthetic",
           "plot_tbr", "robustness_sentences", "robustness_table", "synthetic_summary", "tbr_summary"]

words = i18n.catalog("promo.chain", {
    "design_crossover": {"en": "crossover", "vi": "thiết kế chéo"},
    "design_did": {"en": "difference-in-differences", "vi": "khác biệt kép"},
    "design_synthetic": {"en": "synthetic control", "vi": "đối chứng tổng hợp"},
    "design_tbr": {"en": "time-based regression", "vi": "hồi quy theo thời gian"},
    "rule_crossover": {"en": "Design: crossover, because two locations swapped the promotion.",
                       "vi": "Thiết kế: thiết kế chéo, vì hai điểm bán đổi lượt chạy khuyến mãi."},
    "rule_did": {"en": "Design: difference-in-differences, because the promoted location(s) are compared "
                       "with {n} control location(s) (at most {threshold}).",
                 "vi": "Thiết kế: khác biệt kép, vì các điểm bán có khuyến mãi được so với {n} điểm bán đối "
                       "chứng (tối đa {threshold})."},
    "rule_synthetic": {"en": "Design: synthetic control, because the promoted location(s) are compared with "
                             "{n} control locations (more than {threshold}).",
                       "vi": "Thiết kế: đối chứng tổng hợp, vì các điểm bán có khuyến mãi được so với {n} "
                             "điểm bán đối chứng (nhiều hơn {threshold})."},
    "rule_tbr": {"en": "Design: time-based regression, because the schedule names a treatment group and a "
                       "control group.",
                 "vi": "Thiết kế: hồi quy theo thời gian, vì lịch khuyến mãi chia nhóm khuyến mãi và nhóm "
                       "đối chứng."},
    "power_short_history": {"en": "The power calculation is skipped: the promotion-free history before the test has "
                                  "{days} days, and this test length needs {needed}.",
                            "vi": "Bỏ qua phép tính độ mạnh: lịch sử không khuyến mãi trước phép thử có {days} ngày, "
                                  "trong khi độ dài phép thử này cần {needed} ngày."},
    "rule_forced": {"en": "Design: {design}, as asked (method = {method}).",
                    "vi": "Thiết kế: {design}, theo yêu cầu (method = {method})."},
    "method_synthetic": {"en": "synthetic control of {n_treated} promoted location(s) from {n_control} "
                               "control location(s), weights fitted on {pre_days} baseline days",
                         "vi": "đối chứng tổng hợp cho {n_treated} điểm bán có khuyến mãi từ {n_control} điểm "
                               "bán đối chứng, trọng số ước lượng trên {pre_days} ngày kỳ gốc"},
    "method_tbr": {"en": "time-based regression of the treatment group total ({n_treated} location(s)) on "
                         "the control group total ({n_control} location(s)) over {pre_days} baseline days",
                   "vi": "hồi quy theo thời gian của tổng nhóm khuyến mãi ({n_treated} điểm bán) theo tổng "
                         "nhóm đối chứng ({n_control} điểm bán) trên {pre_days} ngày kỳ gốc"},
    "inference_block": {"en": "conformal inference with moving-block (cyclic) permutations of the {days} "
                              "days, interval by inverting the same test",
                        "vi": "suy luận conformal với hoán vị khối (vòng) trên {days} ngày, khoảng tin cậy "
                              "bằng cách đảo ngược cùng kiểm định"},
    "inference_iid": {"en": "conformal inference with {n} random permutations of the days, interval by "
                            "inverting the same test",
                      "vi": "suy luận conformal với {n} hoán vị ngẫu nhiên các ngày, khoảng tin cậy bằng cách "
                            "đảo ngược cùng kiểm định"},
    "inference_t": {"en": "t distribution on {df} degrees of freedom for the cumulative effect",
                    "vi": "phân phối t với {df} bậc tự do cho hiệu quả cộng dồn"},
    "inference_t_ar1": {"en": "the variance of autocorrelated (AR(1), rho {rho}) daily residuals, and the t statistic's "
                              "distribution from {n} bootstrap series of such residuals, each refitted (p-value and "
                              "interval from the same draws)",
                        "vi": "phương sai của sai số hằng ngày tự tương quan (AR(1), rho {rho}), và phân phối của "
                              "thống kê t lấy từ {n} chuỗi bootstrap của các sai số đó, mỗi chuỗi được ước lượng lại "
                              "(giá trị p và khoảng tin cậy từ cùng các lần rút)"},
    "ridge": {"en": " (ridge-augmented)", "vi": " (bổ sung hồi quy ridge)"},
    "sc_fit": {"en": "Baseline fit: the synthetic control misses the promoted location(s) by {rmse} per "
                     "location-day on average (scaled L2 {scaled}: {improve} better than equal weights). "
                     "Largest weights: {top}.",
               "vi": "Độ khớp kỳ gốc: đối chứng tổng hợp lệch so với các điểm bán có khuyến mãi trung bình "
                     "{rmse} mỗi điểm bán mỗi ngày (L2 chuẩn hóa {scaled}: tốt hơn {improve} so với trọng số "
                     "bằng nhau). Trọng số lớn nhất: {top}."},
    "sc_headline": {"en": "Synthetic control: {estimate} per promoted location-day ({ci}), lift {lift}, "
                          "{total} in total (p {p}).",
                    "vi": "Đối chứng tổng hợp: {estimate} mỗi điểm bán có khuyến mãi mỗi ngày ({ci}), mức "
                          "tăng {lift}, tổng cộng {total} (p {p})."},
    "tbr_headline": {"en": "Time-based regression: {total} in total over the promotion period ({ci}), lift "
                           "{lift} (p {p}); slope {slope}.",
                     "vi": "Hồi quy theo thời gian: tổng cộng {total} trong kỳ khuyến mãi ({ci}), mức tăng "
                           "{lift} (p {p}); hệ số góc {slope}."},
    "iroas": {"en": "Incremental return on spend: {iroas} per unit spent ({ci}).",
              "vi": "Doanh thu tăng thêm trên mỗi đơn vị chi phí: {iroas} ({ci})."},
    "robust_head": {"en": "Robustness checks (other designs on the same data): {items}.",
                    "vi": "Kiểm tra độ vững (các thiết kế khác trên cùng dữ liệu): {items}."},
    "robust_item": {"en": "{design} {lift} ({ci}, p {p})",
                    "vi": "{design} {lift} ({ci}, p {p})"},
    "robust_disagree": {"en": "Caution: the {design} check reaches a different verdict ({verdict}); the "
                              "headline is the {headline} result, chosen by the design rule.",
                        "vi": "Lưu ý: kiểm tra bằng {design} cho kết luận khác ({verdict}); kết quả chính là "
                              "của {headline}, được chọn theo quy tắc thiết kế."},
    "verdict_up": {"en": "a significant rise", "vi": "tăng có ý nghĩa thống kê"},
    "verdict_down": {"en": "a significant fall", "vi": "giảm có ý nghĩa thống kê"},
    "verdict_none": {"en": "no significant effect", "vi": "không có hiệu quả có ý nghĩa thống kê"},
    "col_design": {"en": "Design", "vi": "Thiết kế"},
    "col_lift": {"en": "Lift", "vi": "Mức tăng"},
    "col_interval": {"en": "{level} interval of the lift", "vi": "Khoảng tin cậy {level} của mức tăng"},
    "col_p": {"en": "p-value", "vi": "Giá trị p"},
    "col_verdict": {"en": "Verdict", "vi": "Kết luận"},
    "col_differs": {"en": "Differs from the answer", "vi": "Khác câu trả lời"},
    "col_location": {"en": "Control location", "vi": "Điểm bán đối chứng"},
    "col_weight": {"en": "Weight", "vi": "Trọng số"},
    "col_date": {"en": "Day", "vi": "Ngày"},
    "col_treatment": {"en": "Treatment group", "vi": "Nhóm khuyến mãi"},
    "col_control": {"en": "Control group", "vi": "Nhóm đối chứng"},
    "col_counterfactual": {"en": "Without the promotion (estimated)", "vi": "Nếu không khuyến mãi (ước lượng)"},
    "col_effect": {"en": "Effect", "vi": "Hiệu quả"},
    "yes": {"en": "yes", "vi": "có"},
    "no": {"en": "no", "vi": "không"},
    "title_synthetic": {"en": "Promoted locations and their synthetic control",
                        "vi": "Các điểm bán có khuyến mãi và đối chứng tổng hợp"},
    "title_tbr": {"en": "Treatment group and its prediction from the control group",
                  "vi": "Nhóm khuyến mãi và dự báo từ nhóm đối chứng"},
    "label_observed": {"en": "observed", "vi": "thực tế"},
    "label_counterfactual": {"en": "without the promotion (estimated)",
                             "vi": "nếu không khuyến mãi (ước lượng)"},
})

NOTES = i18n.catalog("promo.notes", {
    "min_p_above_alpha": {"en": "With {days} days the conformal test cannot give a p-value below {min_p}: "
                                "too few days to reach significance.",
                          "vi": "Với {days} ngày, kiểm định conformal không thể cho giá trị p nhỏ hơn {min_p}: "
                                "quá ít ngày để đạt ý nghĩa thống kê."},
    "ci_empty": {"en": "No constant daily effect fits the promotion days (the conformal test rejects every value "
                       "near the estimate): the effect varied from day to day, so no interval is given; the "
                       "p-value tests no effect on any day.",
                 "vi": "Không có hiệu quả hằng ngày cố định nào khớp với các ngày khuyến mãi (kiểm định conformal "
                       "bác bỏ mọi giá trị gần ước lượng): hiệu quả thay đổi theo ngày, nên không đưa ra khoảng "
                       "tin cậy; giá trị p là của phép kiểm định cho rằng không ngày nào có hiệu quả."},
    "poor_synthetic_fit": {"en": "The synthetic control follows the promoted locations poorly in the baseline "
                                 "(scaled L2 {scaled_l2}); read the estimate with care.",
                           "vi": "Đối chứng tổng hợp bám kém các điểm bán có khuyến mãi trong kỳ gốc (L2 chuẩn "
                                 "hóa {scaled_l2}); cần thận trọng khi đọc ước lượng."},
    "min_p_design": {"en": "With {n} location series the randomization test allows {n_assign} assignments, so "
                           "its p-value cannot go below {min_p}.",
                     "vi": "Với {n} chuỗi điểm bán, kiểm định hoán vị chỉ có {n_assign} cách gán, nên giá trị p "
                           "không thể nhỏ hơn {min_p}."},
    "robustness_failed": {"en": "The {design} robustness check could not run: {reason}",
                          "vi": "Không chạy được kiểm tra độ vững bằng {design}: {reason}"},
    "power_not_applicable": {"en": "The power calculation covers the crossover, difference-in-differences and "
                                   "synthetic control; it is skipped for the {design} design.",
                             "vi": "Phép tính độ mạnh áp dụng cho thiết kế chéo, khác biệt kép và đối chứng tổng "
                                   "hợp; bỏ qua với thiết kế {design}."},
    "log_scale_auto": {"en": "The locations differ in size (largest baseline mean {ratio} times the smallest), so "
                             "difference-in-differences is on the log scale.",
                       "vi": "Các điểm bán khác nhau về quy mô (trung bình kỳ gốc lớn nhất gấp {ratio} lần nhỏ "
                             "nhất), nên khác biệt kép dùng thang log."},
})

EXCLUDED = i18n.catalog("promo.excluded", {
    "incomplete_controls": {"en": "{locations} control location(s) missing some day were left out of the synthetic "
                                  "control ({n} location-days).",
                            "vi": "{locations} điểm bán đối chứng thiếu dữ liệu một số ngày đã bị loại khỏi đối "
                                  "chứng tổng hợp ({n} ngày-điểm bán)."},
})

fmt_p = i18n.p_value

#: the note codes of this module that the promotion summary words
CHAIN_NOTES = ("min_p_above_alpha", "poor_synthetic_fit", "ci_empty", "log_scale_auto")


def design_name(design: str, locale: str) -> str:
    return words(f"design_{design}", locale)


def design_rule_sentence(design: str, *, n_controls: int, threshold: int, locale: str, forced: str = "") -> str:
    """Why the headline design was chosen, in words."""
    if forced:
        return words("rule_forced", locale, design=design_name(design, locale), method=forced)
    return words(f"rule_{design}", locale, n=i18n.number(n_controls, locale), threshold=threshold)


def _money(x, locale, outcome, currency):
    from .present import fmt_value
    return fmt_value(x, locale, outcome, currency)


def _pct_ci(lo, hi, confidence, locale):
    return i18n.ci(lo, hi, confidence, locale, lambda x, loc: i18n.percent(x, loc, signed=True))


def method_words(model, design: str, locale: str) -> str:
    """The design and inference of a synthetic-control or TBR model in words."""
    if design == "synthetic":
        text = words("method_synthetic", locale, n_treated=model.n_treated, n_control=model.n_controls,
                     pre_days=model.pre_days)
        if model.augment == "ridge":
            text += words("ridge", locale)
        days = model.pre_days + model.post_days
        inf = (words("inference_block", locale, days=days) if model.inference.startswith("conformal, moving")
               else words("inference_iid", locale, n=i18n.number(round(1 / model.min_p) - 1, locale)))
        return f"{text}; {inf}"
    text = words("method_tbr", locale, n_treated=model.n_treated, n_control=model.n_controls,
                 pre_days=model.pre_days)
    if math.isfinite(model.rho):
        return f"{text}; " + words("inference_t_ar1", locale, rho=i18n.number(model.rho, locale, digits=2),
                                   n=i18n.number(len(model.t_draws) if model.t_draws is not None else 0, locale))
    return f"{text}; {words('inference_t', locale, df=int(model.df))}"


def fit_sentence(model, locale: str, *, outcome: str = "revenue", currency: str = "VND") -> str:
    """The synthetic control's baseline fit and its largest weights."""
    top = model.table.head(5)
    names = ", ".join(f"{loc} {i18n.number(w, locale, digits=3)}" for loc, w in zip(top["location"], top["weight"],
                                                                                     strict=True))
    scaled = model.scaled_l2
    return words("sc_fit", locale, rmse=_money(model.pre_rmse, locale, outcome, currency),
                 scaled=i18n.number(scaled, locale, digits=3),
                 improve=i18n.percent(1 - scaled, locale) if math.isfinite(scaled) else "–", top=names)


def synthetic_summary(r, locale: str = "en", *, outcome: str = "revenue", currency: str = "VND") -> str:
    """A :class:`~kpi_analysis.promo.synthetic.SyntheticControlResult` in words."""
    from .present import note_sentences
    i18n.check_locale(locale)
    ci = i18n.ci(r.ci_low, r.ci_high, r.confidence, locale, lambda x, loc: _money(x, loc, outcome, currency))
    lines = [words("sc_headline", locale, estimate=_money(r.estimate, locale, outcome, currency), ci=ci,
                   lift=i18n.percent(r.lift, locale, signed=True), total=_money(r.total, locale, outcome, currency),
                   p=fmt_p(r.p_value, locale)),
             fit_sentence(r, locale, outcome=outcome, currency=currency)]
    lines += note_sentences(r.notes, locale)
    lines.append(i18n.text("common", "method", locale, method=method_words(r, "synthetic", locale)))
    return "\n".join(lines)


def tbr_summary(r, locale: str = "en", *, outcome: str = "revenue", currency: str = "VND") -> str:
    """A :class:`~kpi_analysis.promo.tbr.TBRResult` in words."""
    i18n.check_locale(locale)
    ci = i18n.ci(r.cumulative_ci_low, r.cumulative_ci_high, r.confidence, locale,
                 lambda x, loc: _money(x, loc, outcome, currency))
    lines = [words("tbr_headline", locale, total=_money(r.cumulative, locale, outcome, currency), ci=ci,
                   lift=i18n.percent(r.lift, locale, signed=True), p=fmt_p(r.p_value, locale),
                   slope=i18n.number(r.slope, locale, digits=4))]
    if math.isfinite(r.iroas):
        lines.append(iroas_sentence(r, locale))
    lines.append(i18n.text("common", "method", locale, method=method_words(r, "tbr", locale)))
    return "\n".join(lines)


def iroas_sentence(r, locale: str) -> str:
    ci = i18n.ci(r.iroas_ci_low, r.iroas_ci_high, r.confidence, locale,
                 lambda x, loc: i18n.number(x, loc, digits=2))
    return words("iroas", locale, iroas=i18n.number(r.iroas, locale, digits=2), ci=ci)


def robustness_sentences(result, locale: str) -> list[str]:
    """A caution per robustness check whose verdict differs from the headline's (first: it belongs next
    to the headline), then the checks in one sentence, then the checks that could not run."""
    from .present import note_sentences
    items = [c for c in result.robustness if "note" not in c]
    failed = note_sentences([c["note"] for c in result.robustness if "note" in c], locale)
    if not items:
        return failed
    parts = [words("robust_item", locale, design=design_name(c["design"], locale),
                   lift=i18n.percent(c["lift"], locale, signed=True),
                   ci=_pct_ci(c["lift_ci_low"], c["lift_ci_high"], result.confidence, locale),
                   p=fmt_p(c["p_value"], locale)) for c in items]
    lines = [words("robust_disagree", locale, design=design_name(c["design"], locale),
                   verdict=words(f"verdict_{c['verdict']}", locale), headline=design_name(result.design, locale))
             for c in items if c.get("disagrees")]
    return lines + [words("robust_head", locale, items="; ".join(parts))] + failed


def robustness_table(result, locale: str):
    """The robustness checks as a table with headers and values in ``locale`` (strings)."""
    import pandas as pd
    rows = [{words("col_design", locale): design_name(c["design"], locale),
             words("col_lift", locale): i18n.percent(c["lift"], locale, signed=True),
             words("col_interval", locale, level=i18n.percent(result.confidence, locale, digits=0)):
                 _pct_ci(c["lift_ci_low"], c["lift_ci_high"], result.confidence, locale),
             words("col_p", locale): fmt_p(c["p_value"], locale).lstrip("= "),
             words("col_verdict", locale): words(f"verdict_{c['verdict']}", locale),
             words("col_differs", locale): words("yes" if c["disagrees"] else "no", locale)}
            for c in result.robustness if "note" not in c]
    return pd.DataFrame(rows)


def fit_table(model, locale: str, *, rows: int = 10):
    """The synthetic control's largest weights, or the TBR's daily series, with headers in ``locale``."""
    if hasattr(model, "weights"):
        t = model.table.head(rows)
        return t.rename(columns={"location": words("col_location", locale), "weight": words("col_weight", locale)})
    t = model.table.loc[model.table["period"] == "promotion"].drop(columns="period").head(rows)
    return t.rename(columns={k: words(f"col_{k}", locale)
                             for k in ("date", "treatment", "control", "counterfactual", "effect")})


def _dates_axis(ax, locale):
    from .present import words as promo_words
    ax.set_xlabel(promo_words("label_date", locale))
    for label in ax.get_xticklabels():
        label.set_rotation(30)


def _plot_against(d, observed: str, title: str, ax, locale: str):
    """Observed against counterfactual by day, the promotion period shaded: both chain-scale designs."""
    import matplotlib.pyplot as plt
    ax = plt.gca() if ax is None else ax
    ax.plot(d["date"], d[observed], color="C0", label=words("label_observed", locale))
    ax.plot(d["date"], d["counterfactual"], color="C1", ls="--", label=words("label_counterfactual", locale))
    on = d.loc[d["period"] == "promotion", "date"]
    if len(on):
        ax.axvspan(on.min(), on.max(), color="C2", alpha=0.12)
    ax.set_title(words(title, locale))
    ax.legend(loc="best", fontsize="small")
    _dates_axis(ax, locale)
    return ax


def plot_synthetic(r, ax=None, *, locale: str = "en"):
    """Observed mean of the promoted locations and its synthetic control, promotion period shaded."""
    return _plot_against(r.daily, "observed", "title_synthetic", ax, locale)


def plot_tbr(r, ax=None, *, locale: str = "en"):
    """Treatment group total and its prediction from the control group, promotion period shaded."""
    return _plot_against(r.table, "treatment", "title_tbr", ax, locale)
