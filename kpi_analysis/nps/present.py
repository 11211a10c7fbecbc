"""Words and pictures of the NPS results: the en/vi catalogues, note and exclusion sentences, plots.

Results carry notes and exclusions as codes with values (``core.results.note`` / ``excluded``);
the catalogues ``nps.notes`` and ``nps.excluded`` word each code in English and Vietnamese. Plots draw
on the axes they are given (or ``plt.gca()``) and change no global matplotlib state.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import i18n
from ..core.checks import check_choice
from .constants import CATEGORIES, COUNT_COLUMNS, TRAILING_MONTHS, TRAILING_WEEKS

__all__ = ["comments_about", "comments_html", "comments_summary", "comparison_summary", "estimate_line",
           "estimate_summary", "excluded_line", "method_text", "notes_line", "period_label", "period_summary",
           "plot_comparison", "plot_distribution", "plot_estimate", "plot_segments", "plot_terms", "plot_trend",
           "plot_whatif", "segment_label", "segments_summary", "trend_summary", "whatif_summary", "window_words"]

_t = i18n.catalog("nps", {
    "overall": {"en": "Overall NPS {nps} ({ci}; {n} answers; {method}).",
                "vi": "NPS chung {nps} ({ci}; {n} câu trả lời; {method})."},
    "overall_in": {"en": "{window}: overall NPS {nps} ({ci}; {n} answers; {method}).",
                   "vi": "{window}: NPS chung {nps} ({ci}; {n} câu trả lời; {method})."},
    "window_both": {"en": "Answers from {start} to {end}", "vi": "Câu trả lời từ {start} đến {end}"},
    "window_from": {"en": "Answers from {start} on", "vi": "Câu trả lời từ {start} trở đi"},
    "window_to": {"en": "Answers up to {end}", "vi": "Câu trả lời đến hết {end}"},
    "estimate": {"en": "NPS {nps} ({ci}; {n} answers; {method}).",
                 "vi": "NPS {nps} ({ci}; {n} câu trả lời; {method})."},
    "method_adjusted_wald": {"en": "adjusted Wald interval (Rocks 2016)",
                             "vi": "khoảng tin cậy Wald hiệu chỉnh (Rocks 2016)"},
    "method_wald": {"en": "Wald interval", "vi": "khoảng tin cậy Wald"},
    "method_bootstrap": {"en": "bootstrap percentile interval ({n_boot} resamples, seed {seed})",
                         "vi": "khoảng tin cậy bootstrap phân vị ({n_boot} lần lấy mẫu lại, seed {seed})"},
    "adjust_holm": {"en": "Holm", "vi": "Holm"},
    "adjust_fdr_bh": {"en": "Benjamini-Hochberg", "vi": "Benjamini-Hochberg"},
    "adjust_bonferroni": {"en": "Bonferroni", "vi": "Bonferroni"},
    "adjust_none": {"en": "no", "vi": "không"},
    "seg_below": {"en": "Significantly below the rest after {adjust} adjustment: {items}.",
                  "vi": "Thấp hơn phần còn lại có ý nghĩa thống kê sau hiệu chỉnh {adjust}: {items}."},
    "seg_above": {"en": "Significantly above the rest after {adjust} adjustment: {items}.",
                  "vi": "Cao hơn phần còn lại có ý nghĩa thống kê sau hiệu chỉnh {adjust}: {items}."},
    "seg_none": {"en": "No segment differs significantly from the rest after {adjust} adjustment "
                       "({k} segments tested).",
                 "vi": "Không nhóm nào khác biệt có ý nghĩa thống kê so với phần còn lại sau hiệu chỉnh "
                       "{adjust} ({k} nhóm được kiểm định)."},
    "seg_item_rest": {"en": "{segment} (NPS {nps} vs {rest} for the rest, adjusted p {p})",
                      "vi": "{segment} (NPS {nps} so với {rest} ở phần còn lại, p hiệu chỉnh {p})"},
    "seg_item_typical": {"en": "{segment} (NPS {nps} vs {rest} for the typical segments, adjusted p {p})",
                         "vi": "{segment} (NPS {nps} so với {rest} ở các nhóm điển hình, p hiệu chỉnh {p})"},
    "seg_small": {"en": "Too few answers to judge (fewer than {min_n}): {items}.",
                  "vi": "Quá ít câu trả lời để đánh giá (dưới {min_n}): {items}."},
    "seg_impact": {"en": "Largest drag on the total: without {segment} the overall NPS would be {value} "
                         "({delta} points).",
                   "vi": "Nhóm kéo NPS chung xuống nhiều nhất: nếu bỏ {segment}, NPS chung sẽ là {value} "
                         "({delta} điểm)."},
    "seg_shrink": {"en": "Shrunken estimates (empirical Bayes, Dirichlet-multinomial prior worth {strength} "
                         "answers) sit beside the raw ones; they matter most for small segments.",
                   "vi": "Ước lượng co rút (Bayes thực nghiệm, tiên nghiệm Dirichlet-đa thức tương đương "
                         "{strength} câu trả lời) nằm cạnh ước lượng thô; quan trọng nhất với nhóm nhỏ."},
    "early_separate": {"en": "Answers given within {days} days of becoming a customer are reported "
                             "separately: NPS {nps} ({ci}; {n} answers).",
                       "vi": "Câu trả lời trong vòng {days} ngày kể từ khi trở thành khách hàng được báo cáo "
                             "riêng: NPS {nps} ({ci}; {n} câu trả lời)."},
    "trend_latest": {"en": "{period}: NPS {nps} ({ci}; {n} answers); change from {previous}: {change} "
                           "points ({change_ci}; p {p}; after {adjust} adjustment for {k} changes p {p_adj}: "
                           "{verdict}).",
                     "vi": "{period}: NPS {nps} ({ci}; {n} câu trả lời); thay đổi so với {previous}: "
                           "{change} điểm ({change_ci}; p {p}; "
                           "sau hiệu chỉnh {adjust} cho {k} thay đổi p {p_adj}: "
                           "{verdict})."},
    "trend_first": {"en": "{period}: NPS {nps} ({ci}; {n} answers); no earlier period to compare with.",
                    "vi": "{period}: NPS {nps} ({ci}; {n} câu trả lời); không có kỳ trước để so sánh."},
    "trend_sig": {"en": "Significant period-to-period changes after {adjust} adjustment ({k} changes "
                        "tested): {items}.",
                  "vi": "Các thay đổi giữa hai kỳ liên tiếp có ý nghĩa thống kê sau hiệu chỉnh {adjust} "
                        "({k} thay đổi được kiểm định): {items}."},
    "trend_sig_none": {"en": "No period-to-period change is significant after {adjust} adjustment "
                             "({k} changes tested).",
                       "vi": "Không có thay đổi nào giữa hai kỳ liên tiếp có ý nghĩa thống kê sau hiệu chỉnh "
                             "{adjust} ({k} thay đổi được kiểm định)."},
    "period_own": {"en": "{period}: NPS {nps} ({ci}; {n} answers; {method}).",
                   "vi": "{period}: NPS {nps} ({ci}; {n} câu trả lời; {method})."},
    "period_trailing": {"en": "{period}: {period_n} answers, too few for an NPS of their own (fewer than {min_n}); "
                              "over the trailing {length} ({start} to {end}) NPS {nps} ({ci}; {n} answers; "
                              "{method}).",
                        "vi": "{period}: {period_n} câu trả lời, quá ít để tính NPS riêng (dưới {min_n}); trong "
                              "{length} gần nhất ({start} đến {end}) NPS {nps} ({ci}; {n} câu trả lời; "
                              "{method})."},
    "length_months": {"en": "{k} months", "vi": "{k} tháng"},
    "week_of": {"en": "week of {date}", "vi": "tuần từ {date}"},
    "length_weeks": {"en": "{k} weeks", "vi": "{k} tuần"},
    "compare": {"en": "Difference {diff} NPS points ({ci}; p {p}; {verdict}; {method}).",
                "vi": "Chênh lệch {diff} điểm NPS ({ci}; p {p}; {verdict}; {method})."},
    "whatif": {"en": "If {share} of detractors became {to}, the NPS would move from {nps} to {nps_if} "
                     "({gain} points).",
               "vi": "Nếu {share} người phản đối trở thành {to}, NPS sẽ thay đổi từ {nps} thành {nps_if} "
                     "({gain} điểm)."},
    "whatif_in": {"en": "{window}: if {share} of detractors became {to}, the NPS would move from {nps} to "
                        "{nps_if} ({gain} points).",
                  "vi": "{window}: nếu {share} người phản đối trở thành {to}, NPS sẽ thay đổi từ {nps} thành "
                        "{nps_if} ({gain} điểm)."},
    "whatif_largest": {"en": "For the same share won back, {segment} would move the total most ({gain} points) "
                             "because it has the most detractors ({d} of {total}): the gain follows a segment's "
                             "size, not how low its score is, so it does not say where acting would pay.",
                       "vi": "Với cùng một tỷ lệ được giành lại, {segment} làm NPS chung tăng nhiều nhất ({gain} "
                             "điểm) vì có nhiều người phản đối nhất ({d} trên {total}): mức tăng theo quy mô của "
                             "nhóm, không theo điểm thấp đến đâu, nên không cho biết tác động vào đâu sẽ hiệu quả."},
    "whatif_low_one": {"en": "{items} is significantly below the other segments: the one to understand; the same "
                             "share won back there adds less to the total only because it has fewer detractors.",
                       "vi": "{items} thấp hơn các nhóm khác có ý nghĩa thống kê: đó là nhóm cần tìm hiểu; giành "
                             "lại cùng tỷ lệ ở đó làm NPS chung tăng ít hơn chỉ vì nhóm có ít người phản đối hơn."},
    "whatif_low_many": {"en": "{items} are significantly below the other segments: the ones to understand; the "
                              "same share won back there adds less to the total only because they have fewer "
                              "detractors.",
                        "vi": "{items} thấp hơn các nhóm khác có ý nghĩa thống kê: đó là các nhóm cần tìm hiểu; "
                              "giành lại cùng tỷ lệ ở đó làm NPS chung tăng ít hơn chỉ vì các nhóm này có ít "
                              "người phản đối hơn."},
    "whatif_low_top": {"en": "{segment} is also significantly below the other segments (NPS {nps}): the one to "
                             "understand.",
                       "vi": "{segment} cũng thấp hơn các nhóm khác có ý nghĩa thống kê (NPS {nps}): đó là nhóm "
                             "cần tìm hiểu."},
    "whatif_low_item": {"en": "{segment} (NPS {nps}; {gain} points to the total)",
                        "vi": "{segment} (NPS {nps}; {gain} điểm cho NPS chung)"},
    "whatif_low_none": {"en": "No segment is significantly below the others ({adjust} adjustment), so the "
                              "answers point to no segment to understand first.",
                        "vi": "Không nhóm nào thấp hơn các nhóm khác có ý nghĩa thống kê (hiệu chỉnh {adjust}), "
                              "nên các câu trả lời không chỉ ra nhóm nào cần tìm hiểu trước."},
    "whatif_untested": {"en": "Which segment to understand first is a different question: a segment significantly "
                              "below the others in the segment comparison, whatever its size.",
                        "vi": "Nên tìm hiểu nhóm nào trước là câu hỏi khác: nhóm thấp hơn các nhóm khác có ý "
                              "nghĩa thống kê trong phần so sánh phân khúc, dù lớn hay nhỏ."},
    "to_passive": {"en": "passives", "vi": "người trung lập"},
    "to_promoter": {"en": "promoters", "vi": "người ủng hộ"},
    "notes": {"en": "Notes: {items}.", "vi": "Ghi chú: {items}."},
    "label_nps": {"en": "NPS (points)", "vi": "NPS (điểm)"},
    "label_share": {"en": "share of answers", "vi": "tỷ lệ câu trả lời"},
    "label_difference": {"en": "difference (NPS points)", "vi": "chênh lệch (điểm NPS)"},
    "label_gain": {"en": "gain in overall NPS (points)", "vi": "mức tăng NPS chung (điểm)"},
    "label_period": {"en": "period", "vi": "kỳ"},
    "label_tenure": {"en": "days as a customer when answering", "vi": "số ngày là khách hàng khi trả lời"},
    "detractor": {"en": "detractors (0-6)", "vi": "người phản đối (0-6)"},
    "passive": {"en": "passives (7-8)", "vi": "người trung lập (7-8)"},
    "promoter": {"en": "promoters (9-10)", "vi": "người ủng hộ (9-10)"},
    "raw": {"en": "raw", "vi": "thô"},
    "shrunk": {"en": "shrunken (empirical Bayes)", "vi": "co rút (Bayes thực nghiệm)"},
    "overall_line": {"en": "overall", "vi": "chung"},
    "title_segments": {"en": "NPS by {by}", "vi": "NPS theo {by}"},
    "title_distribution": {"en": "Answers by category, by {by}", "vi": "Cơ cấu câu trả lời theo {by}"},
    "title_trend": {"en": "NPS over time", "vi": "NPS theo thời gian"},
    "title_whatif": {"en": "Gain if {share} of a segment's detractors became {to}",
                     "vi": "Mức tăng nếu {share} người phản đối của một nhóm trở thành {to}"},
})
#: a sentence for every note code a result can carry (values such as ``min_n`` come with the note)
_note = i18n.catalog("nps.notes", {
    "small_sample": {"en": "fewer than {min_n} answers: read with care",
                     "vi": "dưới {min_n} câu trả lời: cần thận trọng khi đọc"},
    "ci_clipped": {"en": "interval clipped to the possible range",
                   "vi": "khoảng tin cậy đã được cắt về phạm vi có thể"},
    "ci_widened": {"en": "interval stretched to include the observed score (very few answers)",
                   "vi": "khoảng tin cậy được nới rộng để chứa điểm quan sát được (rất ít câu trả lời)"},
    "zero_variance": {"en": "all answers fall in one category, so this interval is undefined "
                            "(the adjusted Wald method handles this case)",
                      "vi": "mọi câu trả lời thuộc cùng một loại nên khoảng tin cậy này không xác định "
                            "(phương pháp Wald hiệu chỉnh xử lý được trường hợp này)"},
    "no_answers": {"en": "no answers", "vi": "không có câu trả lời"},
    "few_period_answers": {"en": "fewer than {min_period_n} answers, the fewest a period's NPS should rest on: "
                                 "read with care",
                           "vi": "dưới {min_period_n} câu trả lời, mức tối thiểu cho NPS của một kỳ: cần thận "
                                 "trọng khi đọc"},
    "no_between_variation": {"en": "segments differ no more than chance would make them: shrunken "
                                   "estimates equal the overall NPS",
                             "vi": "các nhóm không khác nhau hơn mức ngẫu nhiên: ước lượng co rút "
                                   "bằng NPS chung"},
    "too_few_segments": {"en": "fewer than 3 segments: no shrinkage",
                         "vi": "ít hơn 3 nhóm: không co rút"},
    # nps.comments
    "no_comments": {"en": "no comments", "vi": "không có nhận xét"},
    "long_comments_cut": {"en": "{n} comment(s) longer than {max_chars} characters cut with an ellipsis",
                          "vi": "{n} nhận xét dài hơn {max_chars} ký tự được cắt bớt, có dấu ba chấm"},
    "few_comments": {"en": "{n} group(s) with fewer than {min_comments} comments: read their words with care",
                     "vi": "{n} nhóm có dưới {min_comments} nhận xét: cần thận trọng khi đọc các từ của nhóm"},
    "verbatims_off": {"en": "verbatims are turned off in the workbook settings (analyses.nps.verbatims); words "
                            "and phrases are shown",
                      "vi": "trích dẫn nguyên văn đã tắt trong thiết lập sổ làm việc (analyses.nps.verbatims); "
                            "các từ và cụm từ vẫn được hiển thị"},
})
#: a sentence for every exclusion code (``n`` answers, and ``days`` for early answers)
_excluded = i18n.catalog("nps.excluded", {
    "blank_score": {"en": "{n} blank score(s)", "vi": "{n} điểm để trống"},
    "non_numeric_score": {"en": "{n} non-numeric score(s)", "vi": "{n} điểm không phải số"},
    "superseded_answer": {"en": "{n} earlier answer(s) of customers who answered again",
                          "vi": "{n} câu trả lời cũ của khách hàng đã trả lời lại"},
    "early_answer": {"en": "{n} answer(s) given within {days} days of becoming a customer",
                     "vi": "{n} câu trả lời trong vòng {days} ngày kể từ khi trở thành khách hàng"},
    "outside_period": {"en": "{n} answer(s) dated outside the window read",
                       "vi": "{n} câu trả lời nằm ngoài khoảng thời gian được đọc"},
})


# ---------------------------------------------------------------------------------------------------
# sentences


def segment_label(row: pd.Series, by) -> str:
    """A segment's label: its values of the ``by`` columns joined by " / " ("Miền Bắc / Phân bón")."""
    return " / ".join(str(row[b]) for b in by)


def method_text(method: str, locale: str, *, n_boot: int | None = None, seed: int | None = None) -> str:
    """The interval method in words ("adjusted Wald interval (Rocks 2016)", ...)."""
    return _t(f"method_{method}", locale, n_boot=i18n.number(n_boot or 0, locale), seed=seed)


def notes_line(notes, locale: str) -> str:
    """"Notes: a; b." for notes given as codes with values, or "" when there are none."""
    if not notes:
        return ""
    return _t("notes", locale, items="; ".join(_note(n["code"], locale, **n) for n in notes))


def excluded_line(excluded, locale: str) -> str:
    """"Excluded: 12 blank score(s); ..." for exclusions given as codes with counts, or ""."""
    items = [_excluded(e["code"], locale, **{**e, "n": i18n.number(e["n"], locale)}) for e in excluded if e["n"]]
    return i18n.text("common", "excluded", locale, items="; ".join(items)) if items else ""


def estimate_line(est, locale: str, key: str = "estimate") -> str:
    """"NPS +26.2 (95% CI ...; 12,267 answers; adjusted Wald interval ...)." for an estimate."""
    return _t(key, locale, nps=i18n.points(est.nps, locale),
              ci=i18n.ci(est.ci_low, est.ci_high, est.confidence, locale), n=i18n.number(est.n, locale),
              method=method_text(est.method, locale, n_boot=est.n_boot, seed=est.seed))


def _period_words(period: str, locale: str) -> str:
    from ..core.periods import period_label as report_period_label

    label = report_period_label(period, locale)
    return label[:1].upper() + label[1:]


def period_summary(res, locale: str) -> str:
    """The report period's NPS: its own answers, or, beside their count, the trailing window's; then the
    notes and the exclusions."""
    est = res.estimate
    values = {"period": _period_words(res.period, locale), "nps": i18n.points(est.nps, locale),
              "ci": i18n.ci(est.ci_low, est.ci_high, est.confidence, locale), "n": i18n.number(est.n, locale),
              "method": method_text(est.method, locale, n_boot=est.n_boot, seed=est.seed)}
    if res.window == "trailing":
        length = (_t("length_weeks", locale, k=TRAILING_WEEKS) if res.kind == "week"
                  else _t("length_months", locale, k=TRAILING_MONTHS))
        line = _t("period_trailing", locale, period_n=i18n.number(res.period_n, locale), min_n=res.min_period_n,
                  length=length, start=i18n.date(res.window_start, locale), end=i18n.date(res.window_end, locale),
                  **values)
    else:
        line = _t("period_own", locale, **values)
    lines = [line, notes_line([*res.notes, *est.notes], locale), excluded_line(res.excluded, locale)]
    return "\n".join(text for text in lines if text)


def estimate_summary(est, locale: str) -> str:
    lines = [estimate_line(est, locale), notes_line(est.notes, locale), excluded_line(est.excluded, locale)]
    return "\n".join(line for line in lines if line)


def comparison_summary(cmp, locale: str) -> str:
    verdict = i18n.text("common", "significant" if cmp.significant else "not_significant", locale)
    line = _t("compare", locale, diff=i18n.points(cmp.difference, locale),
              ci=i18n.ci(cmp.ci_low, cmp.ci_high, cmp.confidence, locale),
              p=i18n.p_value(cmp.p_value, locale), verdict=verdict,
              method=method_text(cmp.method, locale, n_boot=cmp.n_boot, seed=cmp.seed))
    notes = notes_line(cmp.notes, locale)
    return line + ("\n" + notes if notes else "")


def _segment_items(res, rows: pd.DataFrame, locale: str) -> str:
    return "; ".join(_t(f"seg_item_{res.reference}", locale, segment=r["segment"], nps=i18n.points(r["nps"], locale),
                        rest=i18n.points(r["nps_rest"], locale), p=i18n.p_value(r["p_adj"], locale))
                     for _, r in rows.iterrows())


def window_words(start, end, locale: str) -> str:
    """"Answers from 1 Nov 2025 to 31 Oct 2026" (or from / up to one date); "" without either."""
    if start and end:
        return _t("window_both", locale, start=i18n.date(start, locale), end=i18n.date(end, locale))
    if start:
        return _t("window_from", locale, start=i18n.date(start, locale))
    if end:
        return _t("window_to", locale, end=i18n.date(end, locale))
    return ""


def segments_summary(res, locale: str) -> str:
    """The overall NPS (naming the answers' dates when bounded), the segments found below / above the
    others, the small ones, the largest drag on the total, the shrinkage, the early answers, the notes
    and the exclusions."""
    t = res.table
    adjust = _t(f"adjust_{res.adjust}", locale)
    window = window_words(res.start, res.end, locale)
    if window:
        o = res.overall
        lines = [_t("overall_in", locale, window=window, nps=i18n.points(o.nps, locale),
                    ci=i18n.ci(o.ci_low, o.ci_high, o.confidence, locale), n=i18n.number(o.n, locale),
                    method=method_text(o.method, locale, n_boot=o.n_boot, seed=o.seed))]
    else:
        lines = [estimate_line(res.overall, locale, key="overall")]
    below = t.loc[t["significant"] & (t["direction"] == "below")].sort_values("difference")
    above = t.loc[t["significant"] & (t["direction"] == "above")].sort_values("difference", ascending=False)
    if len(below):
        lines.append(_t("seg_below", locale, adjust=adjust, items=_segment_items(res, below, locale)))
    if len(above):
        lines.append(_t("seg_above", locale, adjust=adjust, items=_segment_items(res, above, locale)))
    if not len(below) and not len(above):
        lines.append(_t("seg_none", locale, adjust=adjust, k=int(t["p_value"].notna().sum())))
    small = t.loc[t["small_sample"]]
    if len(small):
        lines.append(_t("seg_small", locale, min_n=res.min_n,
                        items=", ".join(f"{s} ({int(n)})" for s, n in zip(small["segment"], small["n"]))))
    if len(t) > 1 and (t["impact"] < 0).any():
        r = t.loc[t["impact"].idxmin()]
        lines.append(_t("seg_impact", locale, segment=r["segment"],
                        value=i18n.points(res.overall.nps - r["impact"], locale),
                        delta=i18n.points(-r["impact"], locale)))
    if res.prior and not res.prior.get("boundary"):
        lines.append(_t("seg_shrink", locale, strength=i18n.number(res.prior["strength"], locale)))
    if res.early is not None:
        e = res.early
        lines.append(_t("early_separate", locale, days=res.early_days, nps=i18n.points(e.nps, locale),
                        ci=i18n.ci(e.ci_low, e.ci_high, e.confidence, locale), n=i18n.number(e.n, locale)))
    lines += [notes_line(res.notes, locale), excluded_line(res.excluded, locale)]
    return "\n".join(line for line in lines if line)


def period_label(freq: str, period, locale: str) -> str:
    """A trend period in words: its month, its first and last month (quarters), "week of" its first day
    (weeks) or its first day."""
    ts = pd.Timestamp(period)
    if freq.startswith("M"):
        return i18n.month(ts, locale)
    if freq.startswith("Q"):
        end = pd.Period(ts, freq=freq).end_time
        return f"{i18n.month(ts, locale)} – {i18n.month(end.normalize(), locale)}"
    if freq.startswith("W"):
        return _t("week_of", locale, date=i18n.date(ts, locale))
    return i18n.date(ts, locale)


def trend_summary(res, locale: str) -> str:
    """The latest period and its change, the significant changes, the method and the exclusions."""
    t = res.table
    last = t.iloc[-1]
    label = period_label(res.freq, last["period"], locale)
    label = label[:1].upper() + label[1:]  # it starts the sentence
    ci = i18n.ci(last["ci_low"], last["ci_high"], res.confidence, locale)
    k = int(t["p_value"].notna().sum())
    adjust = _t(f"adjust_{res.adjust}", locale)
    if len(t) > 1 and np.isfinite(last["change"]):
        verdict = i18n.text("common", "significant" if last["significant"] else "not_significant", locale)
        lines = [_t("trend_latest", locale, period=label, nps=i18n.points(last["nps"], locale), ci=ci,
                    n=i18n.number(last["n"], locale), previous=period_label(res.freq, t["period"].iloc[-2], locale),
                    change=i18n.points(last["change"], locale),
                    change_ci=i18n.ci(last["change_low"], last["change_high"], res.confidence, locale),
                    p=i18n.p_value(last["p_value"], locale), p_adj=i18n.p_value(last["p_adj"], locale),
                    verdict=verdict, adjust=adjust, k=k)]
    else:
        lines = [_t("trend_first", locale, period=label, nps=i18n.points(last["nps"], locale), ci=ci,
                    n=i18n.number(last["n"], locale))]
    # the latest period's own notes (too few answers, none at all, ...) right after its sentence
    lines.append(notes_line([{"code": c, "min_n": res.min_n} for c in str(last["notes"]).split(",") if c], locale))
    sig = t.loc[t["significant"]]
    if len(sig):
        lines.append(_t("trend_sig", locale, adjust=adjust, k=k, items="; ".join(
            f"{period_label(res.freq, r['period'], locale)} ({i18n.points(r['change'], locale)})"
            for _, r in sig.iterrows())))
    elif k:
        lines.append(_t("trend_sig_none", locale, adjust=adjust, k=k))
    lines.append(i18n.text("common", "method", locale,
                           method=method_text(res.method, locale, n_boot=res.n_boot, seed=res.seed)))
    lines.append(excluded_line(res.excluded, locale))
    return "\n".join(line for line in lines if line)


def whatif_summary(res, locale: str, segments=None) -> str:
    """What the arithmetic says: the total if a share of detractors changed; which segment moves the total
    most for the same share (the one with the most detractors: a matter of size); and, apart from it, the
    segments significantly below the others (from ``segments``, an :class:`NPSSegments` by the same
    columns), the ones to understand. No sentence recommends where to act: the counts cannot say what
    winning detractors back would take in each segment."""
    values = {"share": i18n.percent(res.share, locale, digits=0), "to": _t(f"to_{res.to}", locale),
              "nps": i18n.points(res.nps, locale), "nps_if": i18n.points(res.nps_if, locale),
              "gain": i18n.points(res.gain, locale)}
    window = window_words(res.start, res.end, locale)
    lines = [_t("whatif_in", locale, window=window, **values) if window else _t("whatif", locale, **values)]
    t = res.table
    if len(t) > 1 and t["detractors"].sum() > 0:
        top = t.loc[t["gain"].idxmax()]
        lines.append(_t("whatif_largest", locale, segment=top["segment"], gain=i18n.points(top["gain"], locale),
                        d=i18n.number(top["detractors"], locale), total=i18n.number(t["detractors"].sum(), locale)))
        if segments is None:
            lines.append(_t("whatif_untested", locale))
        else:
            below = [str(b) for b in segments.significant_below]
            gains = dict(zip(t["segment"].astype(str), t["gain"], strict=True))
            nps_of = dict(zip(segments.table["segment"].astype(str), segments.table["nps"], strict=True))
            if str(top["segment"]) in below:
                lines.append(_t("whatif_low_top", locale, segment=top["segment"],
                                nps=i18n.points(nps_of[str(top["segment"])], locale)))
            others = [b for b in below if b != str(top["segment"])]
            if others:
                items = "; ".join(_t("whatif_low_item", locale, segment=b, nps=i18n.points(nps_of[b], locale),
                                     gain=i18n.points(gains.get(b, float("nan")), locale)) for b in others)
                lines.append(_t("whatif_low_one" if len(others) == 1 else "whatif_low_many", locale, items=items))
            if not below:
                lines.append(_t("whatif_low_none", locale, adjust=_t(f"adjust_{segments.adjust}", locale)))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# charts (drawn on the given axes; no global matplotlib state)


def _axes(ax):
    import matplotlib.pyplot as plt

    return plt.gca() if ax is None else ax


def plot_estimate(est, ax=None, locale: str = "en"):
    """The NPS as a point with its interval whiskers on a -100..100 axis."""
    ax = _axes(ax)
    if np.isfinite(est.ci_low):
        ax.errorbar(est.nps, 0, xerr=[[est.nps - est.ci_low], [est.ci_high - est.nps]], fmt="o", capsize=4)
    else:
        ax.plot(est.nps, 0, "o")
    ax.axvline(0, color="0.7", lw=0.8)
    ax.set(xlim=(-100, 100), yticks=[], xlabel=_t("label_nps", locale))
    return ax


def plot_comparison(cmp, ax=None, locale: str = "en"):
    """The difference with its interval, against a dashed zero line."""
    ax = _axes(ax)
    if np.isfinite(cmp.ci_low):
        err = [[max(cmp.difference - cmp.ci_low, 0)], [max(cmp.ci_high - cmp.difference, 0)]]
        ax.errorbar(cmp.difference, 0, xerr=err, fmt="o", capsize=4)
    else:
        ax.plot(cmp.difference, 0, "o")
    ax.axvline(0, color="0.5", lw=0.8, ls="--")
    ax.set(yticks=[], xlabel=_t("label_difference", locale))
    return ax


def plot_distribution(table: pd.DataFrame, *, label: str = "segment", ax=None, locale: str = "en",
                      title: str | None = None, **kwargs):
    """Diverging stacked bar: detractors left of zero, passives centred on it, promoters right."""
    ax = _axes(ax)
    t = table.loc[table["n"] > 0]
    n = t["n"].to_numpy(dtype="float64")
    d, p, r = (t[c].to_numpy(dtype="float64") / n for c in COUNT_COLUMNS)
    y = np.arange(len(t))
    colors = kwargs.pop("colors", ("#d7301f", "#bdbdbd", "#2b8cbe"))
    ax.barh(y, -d, left=-p / 2, color=colors[0], label=_t("detractor", locale), **kwargs)
    ax.barh(y, p, left=-p / 2, color=colors[1], label=_t("passive", locale), **kwargs)
    ax.barh(y, r, left=p / 2, color=colors[2], label=_t("promoter", locale), **kwargs)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, t[label].astype(str).tolist())
    ax.set_ylim(len(t) - 0.5, -0.5)  # first segment on top
    ax.set_xlim(-1, 1)
    ax.xaxis.set_major_formatter(lambda v, _: i18n.percent(abs(v), locale, digits=0))
    ax.set(xlabel=_t("label_share", locale), title=title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(t) > 6 else -0.2), ncol=3,
              fontsize="small", frameon=False)
    return ax


def plot_segments(res, ax=None, kind: str = "nps", locale: str = "en", **kwargs):
    """``kind="nps"``: NPS per segment with interval whiskers (and the shrunken estimate);
    ``kind="distribution"``: diverging stacked bar of detractor / passive / promoter shares."""
    check_choice(kind, name="kind", options=("nps", "distribution"))
    by = " × ".join(i18n.column_label(b, locale) for b in res.by)  # "Vùng", not the column id "region"
    if kind == "distribution":
        return plot_distribution(res.table, label="segment", ax=ax, locale=locale,
                                 title=_t("title_distribution", locale, by=by), **kwargs)
    ax = _axes(ax)
    t = res.table
    y = np.arange(len(t))
    lo = np.clip(t["nps"] - t["ci_low"], 0, None).fillna(0)
    hi = np.clip(t["ci_high"] - t["nps"], 0, None).fillna(0)
    colors = np.where(t["direction"] == "below", "#d7301f", np.where(t["direction"] == "above", "#2b8cbe", "0.35"))
    for i in range(len(t)):
        ax.errorbar(t["nps"].iloc[i], y[i], xerr=[[lo.iloc[i]], [hi.iloc[i]]], fmt="o", capsize=3,
                    color=colors[i], alpha=0.5 if t["small_sample"].iloc[i] else 1.0,
                    label=_t("raw", locale) if i == 0 else None, **kwargs)
    if "nps_shrunk" in t and t["nps_shrunk"].notna().any():
        ax.plot(t["nps_shrunk"], y + 0.2, "D", ms=4, color="darkorange", label=_t("shrunk", locale))
    ax.axvline(res.overall.nps, color="0.5", ls="--", lw=1, label=_t("overall_line", locale))
    ax.set_yticks(y, t["segment"].astype(str).tolist())
    ax.set_ylim(len(t) - 0.5, -0.5)  # first segment on top
    ax.set(xlabel=_t("label_nps", locale), title=_t("title_segments", locale, by=by))
    ax.legend(fontsize="small", frameon=False)
    return ax


def plot_trend(res, ax=None, locale: str = "en", **kwargs):
    """The NPS line with its interval band; significant changes are marked."""
    ax = _axes(ax)
    t = res.table
    x = pd.to_datetime(t["period"])
    line, = ax.plot(x, t["nps"], marker="o", **kwargs)
    ax.fill_between(x, t["ci_low"], t["ci_high"], color=line.get_color(), alpha=0.2, lw=0)
    sig = t["significant"].to_numpy(dtype=bool)
    if sig.any():
        ax.plot(x[sig], t.loc[sig, "nps"], "*", ms=14, color="crimson", zorder=3)
    ax.axhline(0, color="0.7", lw=0.8)
    ax.tick_params(axis="x", labelrotation=30)
    ax.set(ylabel=_t("label_nps", locale), xlabel=_t("label_period", locale), title=_t("title_trend", locale))
    return ax


def plot_whatif(res, ax=None, locale: str = "en", **kwargs):
    """The gain in overall NPS per segment, as horizontal bars."""
    ax = _axes(ax)
    t = res.table.sort_values("gain")
    ax.barh(t["segment"].astype(str), t["gain"], **kwargs)
    ax.set(xlabel=_t("label_gain", locale),
           title=_t("title_whatif", locale, share=i18n.percent(res.share, locale, digits=0),
                    to=_t(f"to_{res.to}", locale)))
    return ax


# ---------------------------------------------------------------------------------------------------
# what customers say (nps.comments)

_c = i18n.catalog("nps.comments", {
    "none": {"en": "No comments.", "vi": "Không có nhận xét."},
    "count": {"en": "{n} of {answers} answers have a comment ({share}).",
              "vi": "{n} trên {answers} câu trả lời có nhận xét ({share})."},
    "count_in": {"en": "{window}: {n} of {answers} answers have a comment ({share}).",
                 "vi": "{window}: {n} trên {answers} câu trả lời có nhận xét ({share})."},
    "stand_out": {"en": "{who} ({k} comments) use far more often than the other comments: {items}.",
                  "vi": "{who} ({k} nhận xét) dùng nhiều hơn hẳn các nhận xét khác: {items}."},
    "stand_out_none": {"en": "No word or phrase is used significantly more often by one group than by the other "
                             "comments ({adjust} adjustment within each group).",
                       "vi": "Không từ hoặc cụm từ nào được một nhóm dùng nhiều hơn các nhận xét khác có ý nghĩa "
                             "thống kê (hiệu chỉnh {adjust} trong từng nhóm)."},
    "item_vs": {"en": "“{term}” ({share} of them vs {rest})", "vi": "“{term}” ({share} so với {rest})"},
    "item": {"en": "“{term}” ({share})", "vi": "“{term}” ({share})"},
    "frequent": {"en": "{who} ({k} comments), most frequent: {items}.",
                 "vi": "{who} ({k} nhận xét), thường gặp nhất: {items}."},
    "group_none": {"en": "{who}: no comments.", "vi": "{who}: không có nhận xét."},
    "verbatims": {"en": "In their own words ({who}):", "vi": "Nguyên văn ({who}):"},
    "verbatim": {"en": "“{text}” (score {score})", "vi": "“{text}” (điểm {score})"},
    "verbatims_none": {"en": "No verbatims for {who}.", "vi": "Không có trích dẫn nguyên văn cho {who}."},
    "method": {"en": "share of comments using each word or two-word phrase against all the other comments, "
                     "Agresti-Caffo test of the difference, {adjust} adjustment within each group; Vietnamese "
                     "words segmented by {segmenter}",
               "vi": "tỷ lệ nhận xét dùng mỗi từ hoặc cụm hai từ so với mọi nhận xét khác, kiểm định Agresti-Caffo "
                     "cho chênh lệch, hiệu chỉnh {adjust} trong từng nhóm; tách từ tiếng Việt bằng {segmenter}"},
    "segment_of": {"en": "{segment}, {category}", "vi": "{segment}, {category}"},
    "label_share": {"en": "share of comments", "vi": "tỷ lệ nhận xét"},
    "this_group": {"en": "this group", "vi": "nhóm này"},
    "other_comments": {"en": "other comments", "vi": "các nhận xét khác"},
})


def _who(segment: str, category: str, locale: str) -> str:
    words = _t(category, locale)
    who = _c("segment_of", locale, segment=segment, category=words) if segment else words
    return who[:1].upper() + who[1:]


def _pct(x, locale: str) -> str:
    return i18n.percent(x, locale, digits=0 if x >= 0.1 or x == 0 else 1)


def _group_terms(res, segment: str, category: str) -> pd.DataFrame:
    t = res.terms
    if not len(t):
        return t
    return t.loc[(t["segment"] == segment) & (t["category"] == category)]


def _stand_out_items(mine: pd.DataFrame, locale: str, k: int = 3) -> str:
    best = mine.loc[(mine["direction"] == "more") & ~mine["covered"]].sort_values("difference", ascending=False).head(k)
    return ", ".join(_c("item_vs", locale, term=r["phrase"], share=_pct(r["share"], locale),
                        rest=_pct(r["share_rest"], locale)) for _, r in best.iterrows())


def _frequent_items(mine: pd.DataFrame, locale: str, k: int = 3) -> str:
    return ", ".join(_c("item", locale, term=r["phrase"], share=_pct(r["share"], locale))
                     for _, r in mine.loc[~mine["covered"]].sort_values("rank").head(k).iterrows())


def comments_summary(res, locale: str) -> str:
    """How many answers have a comment; per group, the words and phrases used far more often than in the
    other comments (and, without segments, each category's most frequent ones); the method; notes. With
    no comment at all: "No comments." and nothing else."""
    if "no_comments" in res.notes:
        return _c("none", locale)
    values = {"n": i18n.number(res.n_comments, locale), "answers": i18n.number(res.n_answers, locale),
                  "share": i18n.percent(res.n_comments / max(res.n_answers, 1), locale, digits=0)}
    window = window_words(res.start, res.end, locale)
    lines = [_c("count_in", locale, window=window, **values) if window else _c("count", locale, **values)]
    found = False
    for _, cell in res.cells.iterrows():
        mine = _group_terms(res, cell["segment"], str(cell["category"]))
        if len(mine) and ((mine["direction"] == "more") & ~mine["covered"]).any():
            found = True
            lines.append(_c("stand_out", locale, who=_who(cell["segment"], str(cell["category"]), locale),
                            k=i18n.number(cell["comments"], locale), items=_stand_out_items(mine, locale)))
    if not found:
        lines.append(_c("stand_out_none", locale, adjust=_t(f"adjust_{res.adjust}", locale)))
    if not res.by:
        for _, cell in res.cells.iterrows():
            mine = _group_terms(res, cell["segment"], str(cell["category"]))
            if len(mine):
                lines.append(_c("frequent", locale, who=_who("", str(cell["category"]), locale),
                                k=i18n.number(cell["comments"], locale), items=_frequent_items(mine, locale)))
    lines.append(i18n.text("common", "method", locale, method=_c(
        "method", locale, adjust=_t(f"adjust_{res.adjust}", locale),
        segmenter=res.segmenter)))
    lines += [notes_line(res.notes, locale), excluded_line(res.excluded, locale)]
    return "\n".join(line for line in lines if line)


def comments_about(res, segment: str, locale: str, *, category: str | None = None, k: int = 3) -> str:
    """One segment's words per category (standing out first, then the most frequent) and up to ``k``
    verbatims of ``category`` (the detractors' when None), one per line (each line is escaped where shown)."""
    if "no_comments" in res.notes:
        return _c("none", locale)
    segment = str(segment)
    category = category or "detractor"
    check_choice(category, name="category", options=CATEGORIES)
    lines = []
    for cat in CATEGORIES:
        cell = res.cells.loc[(res.cells["segment"] == segment) & (res.cells["category"].astype(str) == cat)]
        who = _who(segment, cat, locale)
        if not len(cell) or int(cell["comments"].iloc[0]) == 0:
            lines.append(_c("group_none", locale, who=who))
            continue
        mine = _group_terms(res, segment, cat)
        n = i18n.number(cell["comments"].iloc[0], locale)
        if len(mine) and ((mine["direction"] == "more") & ~mine["covered"]).any():
            lines.append(_c("stand_out", locale, who=who, k=n, items=_stand_out_items(mine, locale)))
        if len(mine):
            lines.append(_c("frequent", locale, who=who, k=n, items=_frequent_items(mine, locale)))
    who = _who(segment, category, locale)
    if not res.show_verbatims:
        lines.append(notes_line([{"code": "verbatims_off"}], locale))
    else:
        v = res.verbatims
        v = v.loc[(v["segment"] == segment) & (v["category"] == category)].head(k) if len(v) else v
        if len(v):
            lines.append(_c("verbatims", locale, who=who))
            lines += [_c("verbatim", locale, text=r["comment"], score=int(r["score"])) for _, r in v.iterrows()]
        else:
            lines.append(_c("verbatims_none", locale, who=who))
    return "\n".join(line for line in lines if line)


def comments_html(res, locale: str) -> str:
    """The summary, the shown words and phrases, and the verbatims; every comment and label escaped."""
    import html

    from ..core.results import html_table

    paras = "".join(f"<p>{html.escape(line)}</p>" for line in comments_summary(res, locale).split("\n"))
    if "no_comments" in res.notes:
        return f"<div class='kpi-result'>{paras}</div>"
    columns = [*res.by, "category", "phrase", "kind", "mentions", "comments", "share", "share_rest", "difference",
               "p_adj", "direction"]
    body = html_table(res.table[[c for c in columns if c in res.table.columns]], locale=locale)
    quotes = ""
    if len(res.verbatims):
        items = "".join(
            f"<li>{html.escape(_who(r['segment'], r['category'], locale))}: "
            f"<q>{html.escape(r['comment'])}</q> ({html.escape(str(int(r['score'])))})</li>"
            for _, r in res.verbatims.iterrows())
        quotes = f"<ul class='kpi-verbatims'>{items}</ul>"
    return f"<div class='kpi-result'>{paras}{body}{quotes}</div>"


def plot_terms(res, ax=None, locale: str = "en", *, segment: str = "", category: str = "detractor", top: int = 10,
               **kwargs):
    """A group's most frequent words and phrases: their share of the group's comments (bars) beside their
    share of the other comments (dots)."""
    ax = _axes(ax)
    mine = _group_terms(res, str(segment), category)
    mine = mine.loc[~mine["covered"]].sort_values("rank").head(top) if len(mine) else mine
    y = np.arange(len(mine))
    ax.barh(y, mine["share"] if len(mine) else [], label=_c("this_group", locale), **kwargs)
    if len(mine):
        ax.plot(mine["share_rest"], y, "o", color="0.2", label=_c("other_comments", locale))
        ax.set_yticks(y, [("★ " if d == "more" else "") + str(p) for p, d in zip(mine["phrase"], mine["direction"])])
        ax.set_ylim(len(mine) - 0.5, -0.5)
        ax.legend(fontsize="small", frameon=False)
    ax.xaxis.set_major_formatter(lambda v, _: i18n.percent(v, locale, digits=0))
    ax.set(xlabel=_c("label_share", locale), title=_who(str(segment), category, locale))
    return ax
