"""Words and pictures of a planned promotion test (:func:`~kpi_analysis.promo.design`).

Registers its sentences in the ``promo.design`` catalogue, its note codes in ``promo.notes`` (the
summary says what they say in its own sentences) and its exclusion in ``promo.excluded``.

Examples
--------
>>> stores(("Hà Nội - Cầu Giấy", "Hà Nội - Đống Đa"), "vi")
'Hà Nội - Cầu Giấy và Hà Nội - Đống Đa'
"""
from __future__ import annotations

import math

import pandas as pd

from .. import i18n
from .present_chain import design_name

__all__ = ["design_summary", "design_table", "plot_design", "source_words", "stores"]

words = i18n.catalog("promo.design", {
    "best": {"en": "Best candidate: {stores} ({design}). In {days} days the smallest lift it would detect with "
                   "{power} power is {mde}; to detect {lift} it needs about {need} days.",
             "vi": "Phương án tốt nhất: {stores} ({design}). Trong {days} ngày, mức tăng nhỏ nhất phát hiện được "
                   "với độ mạnh {power} là {mde}; để phát hiện mức tăng {lift} cần khoảng {need} ngày."},
    "given": {"en": "The test of {stores} ({design}): in {days} days the smallest lift it would detect with {power} "
                    "power is {mde}; to detect {lift} it needs about {need} days.",
              "vi": "Phép thử tại {stores} ({design}): trong {days} ngày, mức tăng nhỏ nhất phát hiện được với độ "
                    "mạnh {power} là {mde}; để phát hiện mức tăng {lift} cần khoảng {need} ngày."},
    "given_no_days": {"en": "The test of {stores} ({design}): in {days} days the smallest lift it would detect with "
                            "{power} power is {mde}; no test length within the history reaches {lift}.",
                      "vi": "Phép thử tại {stores} ({design}): trong {days} ngày, mức tăng nhỏ nhất phát hiện được "
                            "với độ mạnh {power} là {mde}; không độ dài nào trong phạm vi lịch sử dữ liệu đạt được mức "
                            "{lift}."},
    "best_no_days": {"en": "Best candidate: {stores} ({design}). In {days} days the smallest lift it would detect "
                           "with {power} power is {mde}; no test length within the history reaches {lift}.",
                     "vi": "Phương án tốt nhất: {stores} ({design}). Trong {days} ngày, mức tăng nhỏ nhất phát "
                           "hiện được với độ mạnh {power} là {mde}; không độ dài nào trong phạm vi lịch sử dữ liệu "
                           "đạt được mức {lift}."},
    "given_nothing": {"en": "This test could not detect any lift: {reason}.",
                      "vi": "Phép thử này không thể phát hiện mức tăng nào: {reason}."},
    "nothing": {"en": "None of the {n} candidate set(s) could detect a lift: {reason}.",
                "vi": "Không phương án nào trong {n} phương án phát hiện được mức tăng: {reason}."},
    "reason_assignments": {"en": "with {design} over so few stores, randomization cannot give a p-value below "
                                 "{alpha}; add stores or use a crossover of two",
                           "vi": "với {design} trên quá ít điểm bán, phép hoán vị không thể cho giá trị p dưới "
                                 "{alpha}; hãy thêm điểm bán hoặc dùng thiết kế chéo cho hai điểm bán"},
    "reason_noise": {"en": "the stores' daily sales are too noisy for {days} days",
                     "vi": "doanh số hằng ngày của các điểm bán dao động quá mạnh so với {days} ngày"},
    "power_at_lift": {"en": "Chance to detect a true {lift} lift with this set in {days} days: {p}.",
                      "vi": "Khả năng phát hiện mức tăng thực {lift} với phương án này trong {days} ngày: {p}."},
    "searched": {"en": "{n} of {possible} possible set(s) of {k} store(s) evaluated{how}; the best {sim} checked by "
                       "injecting the lift into {windows} past windows and re-running the test.",
                 "vi": "Đã đánh giá {n} trên {possible} phương án gồm {k} điểm bán{how}; {sim} phương án tốt nhất được "
                       "kiểm tra bằng cách đưa mức tăng vào {windows} giai đoạn trong quá khứ rồi chạy lại phép thử."},
    "searched_plain": {"en": "{n} of {possible} possible set(s) of {k} store(s) evaluated{how}, by the analytic "
                             "approximation only.",
                       "vi": "Đã đánh giá {n} trên {possible} phương án gồm {k} điểm bán{how}, chỉ bằng phép tính gần "
                             "đúng."},
    "checked": {"en": "Checked by injecting the lift into {windows} past windows and re-running the test.",
                "vi": "Kiểm tra bằng cách đưa mức tăng vào {windows} giai đoạn trong quá khứ rồi chạy lại phép thử."},
    "greedy": {"en": " (the sets of the {m} stores that fit best on their own)",
               "vi": " (các tổ hợp của {m} điểm bán tự khớp tốt nhất)"},
    "false_alarm": {"en": "With no lift injected, the test flagged {fp} of the past windows (the nominal rate is "
                          "{alpha}).",
                    "vi": "Khi không đưa mức tăng vào, phép thử báo hiệu ở {fp} số giai đoạn trong quá khứ (mức danh "
                          "nghĩa là {alpha})."},
    "method": {"en": "minimum detectable lift of each candidate's design on {history} days of promotion-free "
                     "history (crossover: AR(1) long-run variance; synthetic control and difference-in-differences: "
                     "the windows of the history, then simulation with the same test as the analysis)",
               "vi": "mức tăng nhỏ nhất phát hiện được của thiết kế từng phương án trên {history} ngày lịch sử không "
                     "khuyến mãi (thiết kế chéo: phương sai dài hạn AR(1); đối chứng tổng hợp và khác biệt kép: các "
                     "giai đoạn trong lịch sử, rồi mô phỏng với cùng phép kiểm định như khi phân tích)"},
    "title": {"en": "Power by lift ({days} days)", "vi": "Độ mạnh theo mức tăng ({days} ngày)"},
    "label_lift": {"en": "true lift", "vi": "mức tăng thực"},
    "label_power": {"en": "share of windows detected", "vi": "tỷ lệ giai đoạn phát hiện được"},
    "and": {"en": "and", "vi": "và"},
    "col_locations": {"en": "stores", "vi": "điểm bán"},
    "col_design": {"en": "design", "vi": "thiết kế"},
    "col_mde": {"en": "smallest detectable lift", "vi": "mức tăng nhỏ nhất phát hiện được"},
    "col_power": {"en": "power at the hoped-for lift", "vi": "độ mạnh tại mức tăng mong muốn"},
    "col_days": {"en": "days needed", "vi": "số ngày cần"},
    "col_fit": {"en": "fit (scaled L2)", "vi": "độ khớp (L2 chuẩn hóa)"},
    "col_corr": {"en": "correlation", "vi": "tương quan"},
    "col_source": {"en": "how", "vi": "cách tính"},
    "source_analytic": {"en": "analytic approximation", "vi": "tính gần đúng"},
    "source_analytic_checked": {"en": "analytic, checked on {windows} past windows",
                                "vi": "tính theo công thức, kiểm tra trên {windows} giai đoạn trong quá khứ"},
    "source_simulated": {"en": "simulated on {windows} past windows",
                         "vi": "mô phỏng trên {windows} giai đoạn trong quá khứ"},
    "source_analytic_scaled": {"en": "approximation x {scale} (as the simulations found)",
                               "vi": "tính gần đúng x {scale} (theo kết quả mô phỏng)"},
    "source_randomization_floor": {"en": "none: only {n} assignments",
                                   "vi": "không có: chỉ {n} cách gán"},
})

i18n.catalog("promo.notes", {
    "candidates_searched": {"en": "There are too many possible sets to evaluate each: {n} were built from the "
                                  "stores that fit best on their own.",
                            "vi": "Có quá nhiều phương án để đánh giá hết: {n} phương án được lập từ các điểm bán "
                                  "tự khớp tốt nhất."},
    "nothing_detectable": {"en": "No candidate can detect a lift with this design and history.",
                           "vi": "Không phương án nào phát hiện được mức tăng với thiết kế và lịch sử này."},
})

EXCLUDED = i18n.catalog("promo.excluded", {
    "incomplete_locations": {"en": "{locations} store(s) missing some day of the history were left out of the "
                                   "candidates and controls ({n} missing store-days): {names}.",
                             "vi": "{locations} điểm bán thiếu dữ liệu một số ngày trong lịch sử đã bị loại khỏi "
                                   "các phương án và nhóm đối chứng ({n} ngày-điểm bán bị thiếu): {names}."},
    "silent_locations": {"en": "{locations} store(s) with no sales on any day of the history were left out of the "
                               "candidates and controls: {names}.",
                         "vi": "{locations} điểm bán không có doanh số ngày nào trong lịch sử đã bị loại khỏi các "
                               "phương án và nhóm đối chứng: {names}."},
})


def stores(names, locale: str) -> str:
    """The stores of a candidate set in words."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {words('and', locale)} " + names[-1]


def _pct(x, locale) -> str:
    return i18n.percent(x, locale) if math.isfinite(x) else "–"


def design_summary(r, locale: str = "en") -> str:
    """A :class:`~kpi_analysis.promo.planning.DesignResult` in words: the best set first."""
    best = r.table.iloc[0]
    lines = []
    if not math.isfinite(best["mde"]):
        reason = (words("reason_assignments", locale, design=design_name(best["design"], locale),
                        alpha=i18n.number(1 - r.confidence, locale, digits=2))
                  if best["mde_source"] == "randomization_floor" else words("reason_noise", locale, days=r.days))
        lines.append(words("given_nothing" if r.given and r.n_candidates == 1 else "nothing", locale,
                           n=i18n.number(r.n_candidates, locale), reason=reason))
    else:
        key = ("given" if r.given and r.n_candidates == 1 else "best") + ("" if math.isfinite(best["days_needed"]) else "_no_days")
        lines.append(words(key, locale, stores=stores(best["locations"], locale),
                           design=design_name(best["design"], locale), days=i18n.number(r.days, locale),
                           power=i18n.percent(r.power, locale, digits=0), mde=_pct(best["mde"], locale),
                           lift=i18n.percent(r.lift, locale, digits=0),
                           need=i18n.number(best["days_needed"], locale) if math.isfinite(best["days_needed"])
                           else "–"))
        lines.append(words("power_at_lift", locale, lift=i18n.percent(r.lift, locale, digits=0),
                           days=i18n.number(r.days, locale),
                           p=i18n.percent(best["power_at_lift"], locale, digits=0)))
    searched = next((n.get("stores") for n in r.notes if n["code"] == "candidates_searched"), 0)
    fmt = {"n": i18n.number(r.n_candidates, locale), "possible": i18n.number(r.n_possible, locale),
           "k": i18n.number(r.n_treated, locale),
           "how": words("greedy", locale, m=i18n.number(searched, locale)) if searched else ""}
    if r.n_simulated and r.given and r.n_candidates == 1:
        lines.append(words("checked", locale, windows=i18n.number(r.n_windows, locale)))
    elif r.n_simulated:
        lines.append(words("searched", locale, sim=i18n.number(r.n_simulated, locale),
                           windows=i18n.number(r.n_windows, locale), **fmt))
    else:
        lines.append(words("searched_plain", locale, **fmt))
    if r.n_simulated and math.isfinite(best["false_positive"]):
        lines.append(words("false_alarm", locale, fp=i18n.percent(best["false_positive"], locale, digits=0),
                           alpha=i18n.percent(1 - r.confidence, locale, digits=0)))
    lines += [EXCLUDED(e["code"], locale, locations=i18n.number(e["locations"], locale),
                       n=i18n.number(e["n"], locale), names=stores(e["names"], locale)) for e in r.excluded]
    lines.append(i18n.text("common", "method", locale,
                           method=words("method", locale, history=i18n.number(r.history_days, locale))))
    return "\n".join(lines)


def design_table(r, locale: str = "en", *, rows: int = 10) -> pd.DataFrame:
    """The best ``rows`` candidates with worded columns, for the page."""
    t = r.table.head(rows)
    return pd.DataFrame({
        words("col_locations", locale): [stores(x, locale) for x in t["locations"]],
        words("col_design", locale): [design_name(x, locale) for x in t["design"]],
        words("col_mde", locale): [_pct(x, locale) for x in t["mde"]],
        words("col_power", locale): [i18n.percent(x, locale, digits=0) for x in t["power_at_lift"]],
        words("col_days", locale): [i18n.number(x, locale) if math.isfinite(x) else "–" for x in t["days_needed"]],
        words("col_fit", locale): t["scaled_l2"].round(3),
        words("col_corr", locale): t["correlation"].round(3),
        words("col_source", locale): [source_words(row, locale) for _, row in t.iterrows()],
    })


def source_words(row, locale: str) -> str:
    """How a candidate's MDE was found, in words."""
    return words(f"source_{row['mde_source']}", locale, windows=i18n.number(row["windows"], locale),
                 scale=i18n.number(row["scale"], locale, digits=2),
                 n=i18n.number(row["assignments"], locale) if math.isfinite(row["assignments"]) else "–")


def plot_design(r, ax=None, *, locale: str = "en"):
    """The power curves of the best candidates (simulated; a crossover's the calibrated analytic one), with
    the target power and the hoped-for lift marked."""
    import matplotlib.pyplot as plt
    ax = plt.gca() if ax is None else ax
    for locs, c in r.curves.groupby("locations", sort=False):
        c = c.sort_values("lift")
        ax.plot(c["lift"], c["power"], marker="o" if len(c) <= 12 else None, label=stores(locs, locale))
    ax.axhline(r.power, color="grey", lw=0.8, ls="--")
    ax.axvline(r.lift, color="C3", lw=0.8, ls=":")
    ax.xaxis.set_major_formatter(lambda x, _: i18n.percent(x, locale, digits=0))
    ax.set(xlabel=words("label_lift", locale), ylabel=words("label_power", locale), ylim=(0, 1.02),
           title=words("title", locale, days=r.days))
    if len(r.curves):
        ax.legend(fontsize="small")
    return ax
