"""Words and pictures of the rep comparison: the en/vi catalogue, note and exclusion sentences, charts.

Results carry notes and exclusions as codes (``{"code": "empty_period", "period": [...]}``); this module
words them in the reader's language (catalogues ``reps.notes`` and ``reps.excluded``) and draws the
charts. Nothing here computes a statistic.
"""
from __future__ import annotations

import math

import numpy as np

from .. import i18n
from ..core.periods import period_label as report_period_label
from .reduce import ALL, label_period, period_sort_key
from .stats import CLASSES

__all__ = ["draw_funnel", "excluded_text", "funnel_summary", "note_text", "period_label",
           "plot_comparison", "plot_funnel", "rule", "summary", "verdicts"]

_t = i18n.catalog("reps", {
    "class_persistent_under": {"en": "persistent under-performer",
                               "vi": "kém hơn nhóm một cách bền vững"},
    "class_short_term_dip": {"en": "short-term dip", "vi": "sụt giảm ngắn hạn"},
    "class_within_range": {"en": "within range", "vi": "trong phạm vi bình thường"},
    "class_persistent_over": {"en": "persistent over-performer", "vi": "tốt hơn nhóm một cách bền vững"},
    "class_significant_under": {"en": "below the team (too few periods to judge persistence)",
                                "vi": "thấp hơn nhóm (quá ít kỳ để đánh giá tính bền vững)"},
    "class_significant_over": {"en": "above the team (too few periods to judge persistence)",
                               "vi": "cao hơn nhóm (quá ít kỳ để đánh giá tính bền vững)"},
    "class_too_few": {"en": "too few leads to judge", "vi": "quá ít khách hàng tiềm năng để đánh giá"},
    "adjust_holm": {"en": "Holm", "vi": "Holm"},
    "adjust_fdr_bh": {"en": "Benjamini-Hochberg", "vi": "Benjamini-Hochberg"},
    "adjust_bonferroni": {"en": "Bonferroni", "vi": "Bonferroni"},
    "adjust_none": {"en": "no", "vi": "không"},
    "unit_M": {"en": "months", "vi": "tháng"},
    "unit_Q": {"en": "quarters", "vi": "quý"},
    "unit_W": {"en": "weeks", "vi": "tuần"},
    "week": {"en": "week {week} of {year}", "vi": "tuần {week}/{year}"},
    "unit_all": {"en": "periods", "vi": "kỳ"},
    "headline": {
        "en": "{n_reps} reps, {closed} closed leads created {start} to {end}; team conversion {rate}.",
        "vi": "{n_reps} nhân viên kinh doanh, {closed} khách hàng tiềm năng đã kết thúc (thành công hoặc thất bại; tạo từ {start} "
              "đến {end}); tỷ lệ chuyển đổi của cả nhóm {rate}."},
    "tally": {"en": "Persistent under-performers: {under}. Short-term dips: {dip}. Persistent "
                    "over-performers: {over}. Too few leads to judge: {few}.",
              "vi": "Kém hơn nhóm bền vững: {under}. Sụt giảm ngắn hạn: {dip}. Tốt hơn nhóm bền vững: "
                    "{over}. Quá ít khách hàng tiềm năng để đánh giá: {few}."},
    "nobody": {"en": "none", "vi": "không có"},
    "tally_unjudged": {"en": "Significantly below the team, too few periods to judge persistence: {under}. "
                             "Significantly above: {over}.",
                       "vi": "Thấp hơn nhóm có ý nghĩa thống kê nhưng quá ít kỳ để đánh giá tính bền vững: "
                             "{under}. Cao hơn nhóm có ý nghĩa thống kê: {over}."},
    "raw_test": {"en": "Raw conversion differs between reps (chi-square {stat} on {df} df, p {p}), "
                       "before any adjustment for lead mix.",
                 "vi": "Tỷ lệ chuyển đổi thô khác nhau giữa các nhân viên (khi bình phương {stat}, "
                       "{df} bậc tự do, p {p}), khi chưa điều chỉnh theo cơ cấu nguồn khách."},
    "raw_test_none": {"en": "Raw conversion does not differ clearly between reps (chi-square {stat} on "
                            "{df} df, p {p}).",
                      "vi": "Tỷ lệ chuyển đổi thô không khác nhau rõ rệt giữa các nhân viên (khi bình "
                            "phương {stat}, {df} bậc tự do, p {p})."},
    "verdict": {"en": "{rep}: {label}. {gap} {persistence}",
                "vi": "{rep}: {label}. {gap} {persistence}"},
    "test": {"en": "observed/expected {oe}, {ci}, p {p_raw}, both from one Cochran-Mantel-Haenszel test "
                   "against the rest of the team; {adjusted}",
             "vi": "thực tế/kỳ vọng {oe}, {ci}, giá trị p {p_raw}, cả hai từ cùng một kiểm định "
                   "Cochran-Mantel-Haenszel so với phần còn lại của nhóm; {adjusted}"},
    "adjusted_p": {"en": "p adjusted for the {n} reps compared ({adjust}) {p}",
                   "vi": "giá trị p đã hiệu chỉnh cho {n} nhân viên được so sánh ({adjust}) {p}"},
    "adjusted_p_none": {"en": "no adjustment for the {n} reps compared",
                        "vi": "không hiệu chỉnh cho {n} nhân viên được so sánh"},
    "gap_remains": {
        "en": "The gap remains after adjusting for lead mix: {rate} won against {expected} the team "
              "wins on the same leads ({test}).",
        "vi": "Khoảng cách vẫn còn sau khi điều chỉnh theo cơ cấu nguồn khách: chuyển đổi {rate} so với "
              "{expected} mà cả nhóm đạt được trên cùng loại khách ({test})."},
    "mix_explains": {
        "en": "Lead mix explains the gap: the raw rate {rate} is below the team's {team} (adjusted p "
              "{raw_p}), but the team wins only {expected} on the same leads ({test}).",
        "vi": "Cơ cấu nguồn khách giải thích khoảng cách: tỷ lệ thô {rate} thấp hơn mức {team} của cả "
              "nhóm (giá trị p đã hiệu chỉnh {raw_p}), nhưng trên cùng loại khách cả nhóm cũng chỉ đạt "
              "{expected} ({test})."},
    "mix_explains_high": {
        "en": "Lead mix explains the gap: the raw rate {rate} is above the team's {team} (adjusted p "
              "{raw_p}), but the team also wins {expected} on the same leads ({test}).",
        "vi": "Cơ cấu nguồn khách giải thích khoảng cách: tỷ lệ thô {rate} cao hơn mức {team} của cả "
              "nhóm (giá trị p đã hiệu chỉnh {raw_p}), nhưng trên cùng loại khách cả nhóm cũng đạt "
              "{expected} ({test})."},
    "mix_partly": {
        "en": "Lead mix explains less than half of the gap: the raw rate {rate} differs from the team's {team} "
              "by {raw_gap} points (adjusted p {raw_p}); on the same leads the team wins {expected}, so "
              "{gap} points remain, no longer clear after adjusting for lead mix ({test}).",
        "vi": "Cơ cấu nguồn khách giải thích chưa đến một nửa khoảng cách: tỷ lệ thô {rate} chênh {raw_gap} "
              "điểm so với mức {team} của cả nhóm (giá trị p đã hiệu chỉnh {raw_p}); trên cùng loại khách "
              "cả nhóm đạt {expected}, nên còn {gap} điểm, không còn rõ rệt sau khi điều chỉnh theo cơ cấu "
              "nguồn khách ({test})."},
    "no_gap": {
        "en": "No clear gap, raw or after adjusting for lead mix: {rate} won against {expected} the team "
              "wins on the same leads ({test}).",
        "vi": "Không có khoảng cách rõ rệt, cả trước và sau khi điều chỉnh theo cơ cấu nguồn khách: "
              "chuyển đổi {rate} so với {expected} của cả nhóm trên cùng loại khách ({test})."},
    "few": {"en": "Only {n} closed leads (at least {min} needed); shrunk estimate {shrunk} ({ci}).",
            "vi": "Chỉ có {n} khách hàng tiềm năng đã kết thúc (cần ít nhất {min}); ước lượng hiệu chỉnh cho nhóm ít dữ liệu {shrunk} "
                  "({ci})."},
    "persist_under": {"en": "Below the team in {k} of {m} {unit}; probability of being below the team "
                            "rate {prob}.",
                      "vi": "Thấp hơn nhóm trong {k}/{m} {unit}; xác suất thấp hơn tỷ lệ của nhóm {prob}."},
    "persist_over": {"en": "Above the team in {k} of {m} {unit}; probability of being below the team "
                           "rate {prob}.",
                     "vi": "Cao hơn nhóm trong {k}/{m} {unit}; xác suất thấp hơn tỷ lệ của nhóm {prob}."},
    "dip": {"en": "A short-term dip in {period} (observed/expected {oe}, z = {z}); below the team in "
                  "{k} of {m} {unit} overall.",
            "vi": "Sụt giảm ngắn hạn trong {period} (thực tế/kỳ vọng {oe}, z = {z}); tính chung thấp hơn "
                  "nhóm trong {k}/{m} {unit}."},
    "within": {"en": "Below the team in {k} of {m} {unit}; probability of being below the team rate "
                     "{prob}.",
               "vi": "Thấp hơn nhóm trong {k}/{m} {unit}; xác suất thấp hơn tỷ lệ của nhóm {prob}."},
    "rule": {
        "en": "Rule: too few to judge with fewer than {min} closed leads; persistent under- (over-) "
              "performer when the mix-adjusted Cochran-Mantel-Haenszel test is significant after {adjust} "
              "adjustment (p < {alpha}) and the rep is below (above) the team in at least {share} of the "
              "{unit} with closed leads, at least {min_periods} of them (with fewer, a significant gap is "
              "reported without judging persistence); short-term dip when a single period falls below the {dip} lower "
              "limit (z < {zdip}) without a persistent gap; otherwise within range.",
        "vi": "Quy tắc: quá ít để đánh giá khi có dưới {min} khách hàng tiềm năng đã kết thúc; kém (tốt) hơn "
              "nhóm bền vững khi kiểm định Cochran-Mantel-Haenszel đã điều chỉnh cơ cấu nguồn khách có ý "
              "nghĩa sau hiệu chỉnh {adjust} (p < {alpha}) và nhân viên thấp (cao) hơn nhóm trong ít nhất "
              "{share} số {unit} có khách đã kết thúc, và ít nhất {min_periods} {unit} như vậy (nếu ít hơn, khoảng cách "
              "có ý nghĩa được nêu mà không đánh giá tính bền vững); sụt giảm ngắn hạn khi một kỳ rơi xuống dưới giới hạn "
              "dưới {dip} (z < {zdip}) mà không có khoảng cách bền vững; còn lại là trong phạm vi bình "
              "thường."},
    "method": {
        "en": "conversion = won / closed leads; Wilson intervals; expected wins from the team's rate in "
              "each {strata} x period cell (indirect standardization); Cochran-Mantel-Haenszel test of each "
              "rep against the rest of the team, inverted for the interval of observed/expected (the "
              "interval leaves out 1 exactly when p < {alpha}); "
              "{adjust} adjustment across reps; beta-binomial empirical-Bayes shrinkage of the "
              "mix-adjusted rate",
        "vi": "tỷ lệ chuyển đổi = số thắng / số khách hàng tiềm năng đã kết thúc; khoảng Wilson; số thắng kỳ "
              "vọng theo tỷ lệ của cả nhóm trong từng ô {strata} x kỳ (chuẩn hóa gián tiếp); kiểm định "
              "Cochran-Mantel-Haenszel từng nhân viên so với phần còn lại của nhóm, đảo ngược để có khoảng "
              "tin cậy của tỷ số thực tế/kỳ vọng (khoảng này loại trừ 1 đúng khi p < {alpha}); hiệu chỉnh "
              "{adjust} giữa các nhân viên; hiệu chỉnh cho nhóm ít dữ liệu bằng Bayes thực nghiệm "
              "beta-nhị thức cho tỷ lệ đã điều chỉnh"},
    "stale": {"en": "{n} lead(s) still open after {days} days were counted as not won.",
              "vi": "{n} khách hàng tiềm năng vẫn mở sau {days} ngày được tính là không thắng."},
    # charts
    "axis_conversion": {"en": "conversion", "vi": "tỷ lệ chuyển đổi"},
    "axis_closed": {"en": "closed leads", "vi": "khách hàng tiềm năng đã kết thúc"},
    "axis_rep": {"en": "rep", "vi": "nhân viên"},
    "axis_period": {"en": "period", "vi": "kỳ"},
    "legend_raw": {"en": "raw (Wilson CI)", "vi": "thô (khoảng tin cậy Wilson)"},
    "legend_adjusted": {"en": "mix-adjusted (O/E x team)", "vi": "đã điều chỉnh (thực tế/kỳ vọng x nhóm)"},
    "legend_shrunk": {"en": "shrunk (credible interval)", "vi": "hiệu chỉnh cho nhóm ít dữ liệu (khoảng tin cậy Bayes)"},
    "legend_team": {"en": "team rate", "vi": "tỷ lệ của nhóm"},
    "title_intervals": {"en": "Conversion per rep: raw, mix-adjusted and shrunk",
                        "vi": "Tỷ lệ chuyển đổi theo nhân viên: thô, đã điều chỉnh và hiệu chỉnh cho nhóm ít dữ liệu"},
    "title_funnel": {"en": "Mix-adjusted conversion against closed leads (funnel plot)",
                     "vi": "Tỷ lệ chuyển đổi đã điều chỉnh theo số khách đã kết thúc (biểu đồ phễu)"},
    "title_heatmap": {"en": "Mix-adjusted gap to the team (percentage points)",
                      "vi": "Chênh lệch với nhóm sau điều chỉnh (điểm phần trăm)"},
    "colorbar_gap": {"en": "gap (points)", "vi": "chênh lệch (điểm)"},
    "limit": {"en": "{level} limits", "vi": "giới hạn {level}"},
    "limit_adjusted": {"en": "{level} limits, overdispersion-adjusted",
                       "vi": "giới hạn {level}, đã điều chỉnh phân tán quá mức"},
    "axis_rate": {"en": "rate", "vi": "tỷ lệ"},
    "axis_trials": {"en": "trials", "vi": "số lần thử"},
    "title_funnel_generic": {"en": "Funnel plot", "vi": "Biểu đồ phễu"},
    # funnel
    "funnel_headline": {
        "en": "{n} units around a target rate of {target}: {out95} outside the 95% limits and {out998} "
              "outside the 99.8% limits.",
        "vi": "{n} đơn vị quanh tỷ lệ mục tiêu {target}: {out95} nằm ngoài giới hạn 95% và {out998} nằm "
              "ngoài giới hạn 99,8%."},
    "funnel_over": {
        "en": "The rates vary more than chance allows (dispersion factor phi = {phi}, p {p}); with the "
              "additive random-effects adjustment (tau = {tau} points) {out95} lie outside the 95% and "
              "{out998} outside the 99.8% limits.",
        "vi": "Các tỷ lệ dao động nhiều hơn mức ngẫu nhiên (hệ số phân tán phi = {phi}, p {p}); sau "
              "điều chỉnh hiệu ứng ngẫu nhiên cộng (tau = {tau} điểm) còn {out95} nằm ngoài giới hạn 95% "
              "và {out998} ngoài giới hạn 99,8%."},
    "funnel_not_over": {
        "en": "No overdispersion beyond chance (phi = {phi}, p {p}): the unadjusted limits apply.",
        "vi": "Không có phân tán quá mức ngẫu nhiên (phi = {phi}, p {p}): dùng giới hạn chưa điều chỉnh."},
    "funnel_method": {
        "en": "{limits} binomial limits around the pooled rate; Winsorised ({w}) z-scores for the "
              "dispersion factor and DerSimonian-Laird tau^2 (Spiegelhalter 2005)",
        "vi": "giới hạn nhị thức {limits} quanh tỷ lệ gộp; điểm z Winsor hóa ({w}) cho hệ số phân tán "
              "và tau^2 DerSimonian-Laird (Spiegelhalter 2005)"},
    "limits_exact": {"en": "exact", "vi": "chính xác"},
    "limits_normal": {"en": "normal-approximation", "vi": "xấp xỉ chuẩn"},
})

#: Sentences of the note codes (``note(code, **values)``) of every result of this package.
_notes = i18n.catalog("reps.notes", {
    "single_rep": {"en": "Only one rep: there is no team to compare with.",
                   "vi": "Chỉ có một nhân viên: không có nhóm để so sánh."},
    "no_closed": {"en": "{rep} has no closed leads in the window.",
                  "vi": "{rep} không có khách hàng tiềm năng nào đã kết thúc trong khoảng thời gian này."},
    "single_rep_stratum": {
        "en": "{stratum} is worked by {rep} alone: it carries no comparison.",
        "vi": "{stratum} chỉ do {rep} phụ trách: nhóm này không dùng để so sánh được."},
    "empty_period": {"en": "No closed leads in: {period}.",
                     "vi": "Không có khách hàng tiềm năng nào đã kết thúc trong: {period}."},
    "prior_flat": {"en": "The reps' mix-adjusted rates vary no more than chance: every shrunk rate "
                         "equals the team rate.",
                   "vi": "Tỷ lệ đã điều chỉnh của các nhân viên không dao động quá mức ngẫu nhiên: "
                         "mọi tỷ lệ đã hiệu chỉnh cho nhóm ít dữ liệu bằng tỷ lệ của nhóm."},
    "prior_unfit": {"en": "Fewer than 3 reps with closed leads: no shrinkage prior fitted.",
                    "vi": "Ít hơn 3 nhân viên có khách đã kết thúc: không ước lượng được phân phối tiên "
                          "nghiệm để hiệu chỉnh cho nhóm ít dữ liệu."},
    "inconsistent": {"en": "{rep} differs significantly overall but not consistently across periods.",
                     "vi": "{rep} khác biệt có ý nghĩa tính chung nhưng không nhất quán giữa các kỳ."},
    "few_periods": {"en": "Not enough periods to judge persistence: {periods} with a comparison, at least "
                          "{min_periods} needed.",
                    "vi": "Không đủ kỳ để đánh giá tính bền vững: {periods} kỳ có so sánh, cần ít nhất "
                          "{min_periods}."},
    "week_window": {
        "en": "{week}: {closed} closed leads ({won} won), too few to compare reps on one week's leads; the "
              "comparison reads the trailing {weeks} weeks ({start} to {end}) and follows the gap week by "
              "week, with the week's own leads beside it.",
        "vi": "{week}: {closed} khách hàng tiềm năng đã kết thúc ({won} thành công), quá ít để so sánh các "
              "nhân viên chỉ trên một tuần; phép so sánh dùng {weeks} tuần gần nhất ({start} đến {end}) và "
              "theo dõi khoảng cách từng tuần, kèm số khách hàng tiềm năng của chính tuần đó."},
    # funnel
    "few_units": {"en": "Fewer than 3 units: no dispersion factor.",
                  "vi": "Ít hơn 3 đơn vị: không tính được hệ số phân tán."},
    "degenerate_target": {"en": "The pooled rate is 0 or 1: no limits.",
                          "vi": "Tỷ lệ gộp bằng 0 hoặc 1: không có giới hạn."},
})
#: Labels of the exclusion codes (``excluded(code, n, **values)``).
_excluded = i18n.catalog("reps.excluded", {
    "open_too_young": {"en": "open leads younger than {days} days", "vi": "khách còn mở, tạo chưa đủ {days} ngày"},
    "outside_window": {"en": "leads outside the analysis window", "vi": "khách ngoài khoảng thời gian phân tích"},
    "no_trials": {"en": "units with no trials", "vi": "đơn vị không có lần thử nào"},
})

_fmt_p = i18n.p_value  # '= 0.034' or '< 0.001' (read after 'p')
_ci_text = i18n.ci


def _fmt_ratio(x, locale) -> str:
    return i18n.number(x, locale, digits=2)


# ------------------------------------------------------------------------------------ codes in words
def period_label(label: str, locale: str) -> str:
    """A period label in words: months as 'October 2026' / 'tháng 10/2026'; others as they are.

    >>> period_label("2026-10", "vi"), period_label("2026Q4", "en")
    ('tháng 10/2026', '2026Q4')
    >>> period_label("2026-W43", "en"), period_label("2026-W43", "vi")
    ('week 43 of 2026', 'tuần 43/2026')
    """
    if label == ALL:
        return label
    try:
        per = label_period(label)
    except (ValueError, TypeError):
        return label
    if per.freqstr.startswith("M"):
        return i18n.month(per.start_time.strftime("%Y-%m"), locale)
    if per.freqstr.startswith("W"):
        iso = per.start_time.isocalendar()
        return _t("week", locale, week=iso.week, year=iso.year)
    return label


def note_text(note: dict, locale: str = "en") -> str:
    """The sentence of a note code.

    >>> note_text({"code": "no_closed", "rep": "An"})
    'An has no closed leads in the window.'
    >>> note_text({"code": "empty_period", "period": ["2026-02"]}, "vi")
    'Không có khách hàng tiềm năng nào đã kết thúc trong: tháng 2/2026.'
    """
    values = {k: v for k, v in note.items() if k != "code"}
    if "period" in values:
        values["period"] = ", ".join(period_label(p, locale) for p in values["period"])
    if note["code"] == "week_window":
        values["week"] = report_period_label(values["week"], locale)
        values["start"] = i18n.date(_period_start(values["start"]), locale)
        values["end"] = i18n.date(_period_end(values["end"]), locale)
        values["closed"], values["won"] = i18n.number(values["closed"], locale), i18n.number(values["won"], locale)
    return _notes(note["code"], locale, **values)


def _period_start(label: str):
    return label_period(label).start_time


def _period_end(label: str):
    return label_period(label).end_time.normalize()


def excluded_text(item: dict, locale: str = "en") -> str:
    """The label of an exclusion code.

    >>> excluded_text({"code": "open_too_young", "n": 12, "days": 60})
    'open leads younger than 60 days'
    """
    return _excluded(item["code"], locale, **{k: v for k, v in item.items() if k not in ("code", "n")})


# ------------------------------------------------------------------------------------------- funnel
def funnel_summary(res, locale: str = "en") -> str:
    """Sentences of a :class:`~kpi_analysis.reps.FunnelResult`."""
    i18n.check_locale(locale)
    if any(n.get("code") == "degenerate_target" for n in res.notes):
        return _notes("degenerate_target", locale)
    lines = [_t("funnel_headline", locale, n=res.n_units, target=i18n.percent(res.target, locale),
                out95=res.outside_95, out998=res.outside_998)]
    if np.isfinite(res.phi):
        key = "funnel_over" if res.overdispersed else "funnel_not_over"
        lines.append(_t(key, locale, phi=i18n.number(res.phi, locale, digits=2),
                        p=_fmt_p(res.overdispersion_p, locale),
                        tau=i18n.number(math.sqrt(res.tau2) * 100, locale, digits=1),
                        out95=res.outside_95_adjusted, out998=res.outside_998_adjusted))
    else:
        lines.append(_notes("few_units", locale))
    lines.append(i18n.text("common", "method", locale, method=_t(
        "funnel_method", locale, limits=_t(f"limits_{res.limits}", locale),
        w=i18n.percent(res.winsorize, locale, digits=0))))
    return "\n".join(lines)


def draw_funnel(ax, res, x, y, names, flagged, *, adjusted: bool, locale: str, label_outliers: bool = True,
                **kwargs):
    """The team line, the 95% and 99.8% limits (and the adjusted ones), the units, outliers labelled."""
    top = max(float(np.nanmax(x)) * 1.08, 10.0)
    grid = np.unique(np.round(np.geomspace(max(1.0, float(np.nanmin(x)) * 0.5), top, 200)))
    ax.axhline(res.target, color="0.3", lw=1, label=_t("legend_team", locale))
    for level, style in ((0.95, "--"), (0.998, ":")):
        lo, hi = res.limits_at(grid, level)
        name = _t("limit", locale, level=i18n.percent(level, locale, digits=1 if level > 0.99 else 0))
        ax.plot(grid, lo, style, color="0.45", lw=1, label=name)
        ax.plot(grid, hi, style, color="0.45", lw=1)
        if adjusted and res.tau2 > 0:
            lo, hi = res.limits_at(grid, level, adjusted=True)
            name = _t("limit_adjusted", locale, level=i18n.percent(level, locale,
                                                                   digits=1 if level > 0.99 else 0))
            ax.plot(grid, lo, style, color="tab:red", lw=1, label=name)
            ax.plot(grid, hi, style, color="tab:red", lw=1)
    kwargs.setdefault("zorder", 3)
    ax.scatter(x, y, **kwargs)
    if label_outliers:
        for xi, yi, name, flag in zip(x, y, names, np.asarray(flagged, bool), strict=True):
            if flag:
                ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_funnel(res, ax, *, locale: str, adjusted: bool, label_outliers: bool, **kwargs):
    """A funnel result on ``ax`` with generic axis labels (rate against trials)."""
    t = res.table
    draw_funnel(ax, res, t["trials"].to_numpy(float), t["rate"].to_numpy(float),
                t["label"].astype(str).tolist(), t["outside_998_adjusted" if adjusted else "outside_998"],
                adjusted=adjusted, locale=locale, label_outliers=label_outliers, **kwargs)
    ax.set(xlabel=_t("axis_trials", locale), ylabel=_t("axis_rate", locale),
           title=_t("title_funnel_generic", locale))
    return ax


# ------------------------------------------------------------------------------------------ compare
def rule(res, locale: str = "en") -> str:
    """The classification rule of a :class:`~kpi_analysis.reps.RepComparison`, in words."""
    from scipy.stats import norm

    unit = _t(f"unit_{res.period or 'all'}", locale)
    return _t("rule", locale, min=res.min_leads, adjust=_t(f"adjust_{res.adjust}", locale),
              alpha=i18n.number(1 - res.confidence, locale, digits=2),
              share=i18n.percent(res.persist_share, locale, digits=0), unit=unit, min_periods=res.min_periods,
              dip=i18n.percent(res.dip_level, locale, digits=1),
              zdip=i18n.number(-norm.ppf(0.5 + res.dip_level / 2), locale, digits=2))


def _persistence(res, row, unit: str, locale: str) -> str:
    pct = lambda x: i18n.percent(x, locale)
    if row.periods < res.min_periods:
        return _notes("few_periods", locale, periods=row.periods, min_periods=res.min_periods)
    k_m = {"m": row.periods, "unit": unit, "prob": pct(row.p_below_team)}
    if row.classification == "persistent_under":
        return _t("persist_under", locale, k=row.periods_below, **k_m)
    if row.classification == "persistent_over":
        return _t("persist_over", locale, k=row.periods_above, **k_m)
    if row.classification == "short_term_dip":
        return _t("dip", locale, period=period_label(row.worst_period, locale), oe=_fmt_ratio(row.worst_oe, locale),
                  z=i18n.number(row.worst_z, locale, digits=1), k=row.periods_below, m=row.periods, unit=unit)
    return _t("within", locale, k=row.periods_below, **k_m)


def _gap(res, row, locale: str) -> str:
    pct = lambda x: i18n.percent(x, locale)
    if row.classification == "too_few":
        return _t("few", locale, n=row.closed, min=res.min_leads, shrunk=pct(row.shrunk),
                  ci=_ci_text(row.shrunk_low, row.shrunk_high, res.confidence, locale,
                              lambda x, loc: i18n.percent(x, loc)))
    ci = _ci_text(row.oe_low, row.oe_high, res.confidence, locale, _fmt_ratio)
    n_tested = int(res.table["p_value"].notna().sum())
    adjusted = (_t("adjusted_p_none", locale, n=n_tested) if res.adjust == "none" else
                _t("adjusted_p", locale, n=n_tested, adjust=_t(f"adjust_{res.adjust}", locale),
                   p=_fmt_p(row.p_adj, locale)))
    test = _t("test", locale, oe=_fmt_ratio(row.oe, locale), ci=ci, p_raw=_fmt_p(row.p_value, locale),
              adjusted=adjusted)
    gap_points = lambda x: i18n.number(abs(x) * 100, locale, digits=1)
    common = {"rate": pct(row.conversion), "expected": pct(row.expected_conversion), "test": test,
              "team": pct(res.team_conversion), "raw_p": _fmt_p(row.raw_p_adj, locale),
              "gap": gap_points(row.gap), "raw_gap": gap_points(row.raw_gap)}
    key = {"gap_remains": "gap_remains", "no_gap": "no_gap", "mix_partly": "mix_partly",
           "mix_explains": "mix_explains" if row.conversion < res.team_conversion
           else "mix_explains_high"}[row.verdict]
    return _t(key, locale, **common)


def verdicts(res, locale: str = "en") -> dict[str, str]:
    """One plain-language sentence group per rep: classification, gap after mix, persistence."""
    i18n.check_locale(locale)
    unit = _t(f"unit_{res.period or 'all'}", locale)
    out = {}
    for row in res.table.itertuples(index=False):
        label = _t(f"class_{row.classification}", locale)
        persistence = "" if row.classification == "too_few" else _persistence(res, row, unit, locale)
        out[row.rep] = _t("verdict", locale, rep=row.rep, label=label, gap=_gap(res, row, locale),
                          persistence=persistence).strip()
    return out


def summary(res, locale: str = "en") -> str:
    """The sentences of a :class:`~kpi_analysis.reps.RepComparison`: headline, tally, raw test, one
    verdict per rep, the rule, notes, exclusions and the method."""
    i18n.check_locale(locale)
    lines = [_t("headline", locale, n_reps=res.n_reps, closed=i18n.number(res.closed, locale),
                start=period_label(res.start, locale), end=period_label(res.end, locale),
                rate=i18n.percent(res.team_conversion, locale))]
    # the week's own leads come first; each rep's "not enough periods" is said in its verdict
    lines.extend(note_text(n, locale) for n in res.notes if n.get("code") == "week_window")
    shown = ("week_window", "few_periods")
    names = {c: ", ".join(res.table.loc[res.table["classification"] == c, "rep"]) or _t("nobody", locale)
             for c in CLASSES}
    lines.append(_t("tally", locale, under=names["persistent_under"], dip=names["short_term_dip"],
                    over=names["persistent_over"], few=names["too_few"]))
    if res.table["classification"].isin(["significant_under", "significant_over"]).any():
        lines.append(_t("tally_unjudged", locale, under=names["significant_under"], over=names["significant_over"]))
    if np.isfinite(res.p_value):
        key = "raw_test" if res.p_value < 1 - res.confidence else "raw_test_none"
        lines.append(_t(key, locale, stat=i18n.number(res.statistic, locale, digits=1), df=res.df,
                        p=_fmt_p(res.p_value, locale)))
    lines.extend(verdicts(res, locale).values())
    lines.append(rule(res, locale))
    lines.extend(note_text(note, locale) for note in res.notes if note.get("code") not in shown)
    if res.stale_open:
        lines.append(_t("stale", locale, n=res.stale_open, days=res.maturity_days))
    if res.excluded:
        items = "; ".join(f"{excluded_text(item, locale)}: {i18n.number(item['n'], locale)}" for item in res.excluded)
        lines.append(i18n.text("common", "excluded", locale, items=items))
    lines.append(i18n.text("common", "method", locale, method=_t(
        "method", locale, strata=res.counts.attrs.get("strata_name", "stratum"),
        adjust=_t(f"adjust_{res.adjust}", locale), alpha=i18n.number(1 - res.confidence, locale, digits=2))))
    return "\n".join(lines)


def plot_comparison(res, ax, *, kind: str, locale: str, **kwargs):
    """Draw ``kind`` ("intervals", "funnel", "heatmap") of a rep comparison on ``ax``."""
    if kind == "intervals":
        return _plot_intervals(res, ax, locale, **kwargs)
    if kind == "heatmap":
        return _plot_heatmap(res, ax, locale, **kwargs)
    if res.funnel is None:
        return ax
    f = res.funnel
    t = f.table
    draw_funnel(ax, f, t["trials"].to_numpy(float), t["rate"].to_numpy(float), t["label"].astype(str).tolist(),
                t["outside_95_adjusted"] if f.overdispersed else t["outside_95"],
                adjusted=f.overdispersed, locale=locale, **kwargs)
    ax.set(xlabel=_t("axis_closed", locale), ylabel=_t("axis_conversion", locale),
           title=_t("title_funnel", locale))
    return ax


def _plot_intervals(res, ax, locale, **kwargs):
    t = res.table.sort_values("shrunk", na_position="first").reset_index(drop=True)
    y = np.arange(len(t))
    series = [
        ("conversion", "ci_low", "ci_high", -0.22, "0.5", "o", "legend_raw"),
        ("adjusted_conversion", "adjusted_low", "adjusted_high", 0.0, "tab:blue", "s", "legend_adjusted"),
        ("shrunk", "shrunk_low", "shrunk_high", 0.22, "tab:orange", "D", "legend_shrunk"),
    ]
    for col, lo, hi, dy, color, marker, key in series:
        est = t[col].to_numpy(float)
        err = np.vstack([est - t[lo].to_numpy(float), t[hi].to_numpy(float) - est])
        ax.errorbar(est, y + dy, xerr=np.abs(np.nan_to_num(err)), fmt=marker, color=color, ms=4, capsize=2,
                    lw=1, label=_t(key, locale), **kwargs)
    ax.axvline(res.team_conversion, color="0.3", lw=1, ls="--", label=_t("legend_team", locale))
    ax.set_yticks(y, t["rep"].tolist())
    ax.set(xlabel=_t("axis_conversion", locale), title=_t("title_intervals", locale))
    ax.xaxis.set_major_formatter(_percent_formatter(locale))
    ax.legend(fontsize=8, loc="best")
    return ax


def _percent_formatter(locale):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: i18n.percent(v, locale, digits=0))


def _plot_heatmap(res, ax, locale, **kwargs):
    grid = res.by_period.pivot(index="rep", columns="period", values="gap") * 100
    grid = grid.reindex(columns=sorted(grid.columns, key=period_sort_key))
    values = np.ma.masked_invalid(grid.to_numpy(float))
    limit = float(np.abs(values).max()) if values.count() else 1.0
    kwargs.setdefault("cmap", "RdBu")
    mesh = ax.pcolormesh(values, vmin=-limit, vmax=limit, **kwargs)
    ax.figure.colorbar(mesh, ax=ax, label=_t("colorbar_gap", locale))
    if grid.shape[1] <= 12:
        for (i, j), v in np.ndenumerate(grid.to_numpy(float)):
            if np.isfinite(v):
                ax.text(j + 0.5, i + 0.5, f"{round(v)}", ha="center", va="center", fontsize=7)
    ax.set_xticks(np.arange(grid.shape[1]) + 0.5, [str(c) for c in grid.columns], rotation=90)
    ax.set_yticks(np.arange(grid.shape[0]) + 0.5, grid.index.tolist())
    ax.invert_yaxis()
    ax.set(xlabel=_t("axis_period", locale), ylabel=_t("axis_rep", locale), title=_t("title_heatmap", locale))
    return ax
