"""The report's index page as the month at a glance, from its manifest.

What a manager reads first: the KPI tiles by Balanced Scorecard perspective with their status colour
and the reason (value against target), the KPIs off target and those whose status changed named
first, each analysis's answer with its verdict, and "look next": the off-target KPIs and the
significant findings (a rep, a segment, a promotion), each linked to its page. Then the notebooks,
and every recorded number, labelled in the report's language and folded. Offline, no script, in
Vietnamese or English, readable on a phone.

The page is built only from ``manifest.json``: the scorecard's ``scorecard_kpis`` record (value, unit,
target, status, perspective and the formatted reason of every KPI) and the notebooks' recorded
headlines. :func:`kpi_analysis.report.render_index` calls :func:`render_index`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import i18n

__all__ = ["findings", "kpi_tiles", "record_items", "render_index"]

PERSPECTIVES = ("financial", "customer", "internal", "learning")

_t = i18n.catalog("overview", {
    "customers_say": {"en": "What customers say", "vi": "Khách hàng nói gì"},
    "glance": {"en": "At a glance", "vi": "Tổng quan"},
    "look_next": {"en": "Look next", "vi": "Cần xem tiếp"},
    "answers": {"en": "What each analysis found", "vi": "Kết luận của từng phân tích"},
    "pages": {"en": "Detailed reports", "vi": "Báo cáo chi tiết"},
    "off_target_lead": {"en": "Off target: {items}.", "vi": "Chưa đạt mục tiêu: {items}."},
    "near_target_lead": {"en": "Near target: {items}.", "vi": "Gần mục tiêu: {items}."},
    "all_on_target": {"en": "Every KPI with a target is on target.",
                      "vi": "Mọi KPI có mục tiêu đều đạt mục tiêu."},
    "perspective_financial": {"en": "Financial", "vi": "Tài chính"},
    "perspective_customer": {"en": "Customer", "vi": "Khách hàng"},
    "perspective_internal": {"en": "Internal process", "vi": "Quy trình nội bộ"},
    "perspective_learning": {"en": "Learning and growth", "vi": "Học hỏi và phát triển"},
    "find_kpi": {"en": "{kpi} is off target ({reason})", "vi": "{kpi} chưa đạt mục tiêu ({reason})"},
    "find_segment_low": {"en": "NPS significantly below the rest: {items}",
                         "vi": "NPS thấp hơn hẳn phần còn lại: {items}"},
    "find_segment_high": {"en": "NPS significantly above the rest: {items}",
                          "vi": "NPS cao hơn hẳn phần còn lại: {items}"},
    "find_rep_under": {"en": "Converting below the team for several periods: {items}",
                       "vi": "Tỷ lệ chuyển đổi thấp hơn cả nhóm trong nhiều kỳ: {items}"},
    "find_rep_over": {"en": "Converting above the team for several periods: {items}",
                      "vi": "Tỷ lệ chuyển đổi cao hơn cả nhóm trong nhiều kỳ: {items}"},
    "find_rep_dip": {"en": "A recent dip in conversion: {items}", "vi": "Tỷ lệ chuyển đổi vừa giảm: {items}"},
    "find_promo": {"en": "The promotion changed sales by {lift} (p {p})",
                   "vi": "Khuyến mãi làm doanh số thay đổi {lift} (p {p})"},
    "nothing_next": {"en": "Nothing stands out this period.", "vi": "Kỳ này không có điểm nào nổi bật."},
    "numbers": {"en": "All recorded numbers ({n})", "vi": "Tất cả số liệu đã ghi ({n})"},
    "other": {"en": "other", "vi": "khác"},
    "target": {"en": "target {value}", "vi": "mục tiêu {value}"},
    "against": {"en": "{value} against a target of {target}", "vi": "{value} so với mục tiêu {target}"},
})

# Recorded names -> (label key, unit) for "all recorded numbers": labels in both languages, values by unit.
_LABELS = i18n.catalog("overview.records", {
    "p_hit": {"en": "P(hit the target)", "vi": "Xác suất đạt mục tiêu"},
    "p_hit_modest": {"en": "P(hit the +5% target)", "vi": "Xác suất đạt mục tiêu +5%"},
    "verdict": {"en": "Verdict", "vi": "Kết luận"},
    "verdict_modest": {"en": "Verdict, +5% target", "vi": "Kết luận, mục tiêu +5%"},
    "won_value_actual": {"en": "Won deal value, report period", "vi": "Giá trị hợp đồng thành công, kỳ báo cáo"},
    "team_conversion": {"en": "Team conversion", "vi": "Tỷ lệ chuyển đổi của cả nhóm"},
    "funnel_phi": {"en": "Overdispersion (phi)", "vi": "Độ phân tán vượt mức (phi)"},
    "reps_persistent_under": {"en": "Reps persistently below", "vi": "Nhân viên thấp hơn kéo dài"},
    "reps_persistent_over": {"en": "Reps persistently above", "vi": "Nhân viên cao hơn kéo dài"},
    "reps_short_term_dip": {"en": "Reps with a recent dip", "vi": "Nhân viên vừa giảm"},
    "reps_within_range": {"en": "Reps within the usual range", "vi": "Nhân viên trong mức bình thường"},
    "reps_too_few": {"en": "Reps with too few leads", "vi": "Nhân viên có quá ít khách tiềm năng"},
    "reps_significant_under": {"en": "Reps below, too few periods to judge persistence",
                               "vi": "Nhân viên thấp hơn, quá ít kỳ để đánh giá tính bền vững"},
    "reps_significant_over": {"en": "Reps above, too few periods to judge persistence",
                              "vi": "Nhân viên cao hơn, quá ít kỳ để đánh giá tính bền vững"},
    "reps_mix_explains": {"en": "Gap explained by the lead mix", "vi": "Chênh lệch do cơ cấu nguồn khách"},
    "promo_lift": {"en": "Promotion lift", "vi": "Mức tăng nhờ khuyến mãi"},
    "promo_lift_ci": {"en": "Promotion lift, 95% interval", "vi": "Mức tăng, khoảng tin cậy 95%"},
    "promo_p_value": {"en": "Promotion p-value", "vi": "Giá trị p của khuyến mãi"},
    "promo_incremental_total": {"en": "Incremental sales", "vi": "Doanh số tăng thêm"},
    "promo_comparable": {"en": "Stores comparable before", "vi": "Các cửa hàng tương đồng trước đó"},
    "promo_mde": {"en": "Smallest detectable lift", "vi": "Mức tăng nhỏ nhất phát hiện được"},
    "promo_days_needed": {"en": "Days needed", "vi": "Số ngày cần"},
    "promo_design": {"en": "Test design", "vi": "Thiết kế thử nghiệm"},
    "promo_robustness_disagree": {"en": "A robustness check disagrees", "vi": "Có phép kiểm tra độ vững cho kết luận khác"},
    "nps": {"en": "Customer NPS", "vi": "NPS khách hàng"},
    "nps_ci": {"en": "NPS, 95% interval", "vi": "NPS, khoảng tin cậy 95%"},
    "nps_answers": {"en": "NPS answers", "vi": "Số câu trả lời NPS"},
    "nps_significant_below": {"en": "Segments below", "vi": "Phân khúc thấp hơn"},
    "nps_significant_above": {"en": "Segments above", "vi": "Phân khúc cao hơn"},
    "nps_latest_change": {"en": "Latest change", "vi": "Thay đổi gần nhất"},
    "nps_what_if_gain": {"en": "Gain if 10% of detractors became passives", "vi": "Mức tăng nếu 10% người phản đối thành trung lập"},
    "nps_responses_for_5_points": {"en": "Answers for a ±5-point interval", "vi": "Số câu trả lời cần cho khoảng ±5 điểm"},
})
_UNITS = {"p_hit": "share", "p_hit_modest": "share", "won_value_actual": "money", "team_conversion": "share",
          "promo_lift": "share", "promo_lift_ci": "share", "promo_mde": "share", "promo_p_value": "ratio",
          "promo_incremental_total": "money", "promo_days_needed": "count", "nps": "points", "nps_ci": "points",
          "nps_answers": "count", "nps_latest_change": "points", "nps_what_if_gain": "points",
          "nps_responses_for_5_points": "count", "funnel_phi": "ratio"}


#: the NPS page's "what customers say" section (an anchor in notebook 04's heading in both languages)
CUSTOMERS_SAY = "customers-say"


def _kpis(manifest: Mapping) -> list[dict]:
    for entry in manifest.get("notebooks", []):
        kpis = (entry.get("headline") or {}).get("scorecard_kpis")
        if kpis:
            comments = _comments_page(manifest)
            return [dict(k, page=entry.get("outputs", {}).get("html"),
                         **({"comments": comments} if comments and k.get("kpi") == "nps" else {})) for k in kpis]
    return []


def _comments_page(manifest: Mapping) -> str | None:
    """The link to the NPS page's comment section, when the report has an NPS page that analysed comments."""
    for entry in manifest.get("notebooks", []):
        html = (entry.get("outputs") or {}).get("html")
        if html and entry.get("status") == "ok" and "nps_comments" in (entry.get("headline") or {}):
            return f"{html}#{CUSTOMERS_SAY}"
    return None


def kpi_tiles(manifest: Mapping, locale: str = "en") -> list[dict]:
    """The scorecard's KPIs as tiles grouped by perspective: ``[{"name", "tiles": [...]}, ...]``."""
    groups: dict[str, list] = {}
    for k in _kpis(manifest):
        k["target_line"] = _t("target", locale, value=k["target_text"]) if k.get("target_text") not in (None, "", "–") \
            else ""
        if k.get("comments"):
            k["comments_text"] = _t("customers_say", locale)
        groups.setdefault(k.get("perspective") or "other", []).append(k)
    order = [p for p in PERSPECTIVES if p in groups] + [p for p in groups if p not in PERSPECTIVES]
    out = []
    for p in order:
        name = _t(f"perspective_{p}", locale) if p in PERSPECTIVES else _t("other", locale)
        out.append({"name": name, "tiles": groups[p]})
    return out


def _against(k: Mapping, locale: str) -> str:
    """'56.0% against a target of 60.0%': the value and its target, without repeating the status the
    sentence already names (the recorded ``reason`` ends with it)."""
    if k.get("value_text") and k.get("target_text") not in (None, "", "–"):
        return _t("against", locale, value=k["value_text"], target=k["target_text"])
    return k.get("reason", "")


def _names(values) -> str:
    return ", ".join(str(v) for v in values)


def findings(manifest: Mapping, locale: str = "en") -> list[dict]:
    """"Look next": the off-target KPIs, then the significant findings of the analyses, each with
    the page it is on (``{"text", "href"}``)."""
    out = [{"text": _t("find_kpi", locale, kpi=k["name"], reason=_against(k, locale)), "href": k.get("page")}
           for k in _kpis(manifest) if k.get("status") == "red"]
    for entry in manifest.get("notebooks", []):
        head, href = entry.get("headline") or {}, (entry.get("outputs") or {}).get("html")
        for key, msg in (("nps_significant_below", "find_segment_low"), ("nps_significant_above", "find_segment_high"),
                         ("reps_persistent_under", "find_rep_under"), ("reps_persistent_over", "find_rep_over"),
                         ("reps_short_term_dip", "find_rep_dip")):
            if head.get(key):
                out.append({"text": _t(msg, locale, items=_names(head[key])), "href": href})
        p = head.get("promo_p_value")
        if isinstance(p, (int, float)) and p < 0.05 and isinstance(head.get("promo_lift"), (int, float)):
            out.append({"text": _t("find_promo", locale, lift=i18n.percent(head["promo_lift"], locale, signed=True),
                                   p=i18n.p_value(p, locale)), "href": href})
    return out


def _lead(manifest: Mapping, locale: str) -> list[str]:
    kpis = _kpis(manifest)
    if not kpis:
        return []
    red = [f"{k['name']} ({_against(k, locale)})" for k in kpis if k.get("status") == "red"]
    amber = [k["name"] for k in kpis if k.get("status") == "amber"]
    lines = []
    if red:
        lines.append(_t("off_target_lead", locale, items="; ".join(red)))
    if amber:
        lines.append(_t("near_target_lead", locale, items=", ".join(amber)))
    if not red and not amber:
        lines.append(_t("all_on_target", locale))
    return lines


def _value_text(name: str, value: Any, locale: str) -> str:
    unit = _UNITS.get(name)
    if isinstance(value, bool):
        return str(i18n.value_label("", value, locale))
    if isinstance(value, list):
        if unit and all(isinstance(v, (int, float)) for v in value):
            return " – ".join(i18n.value(v, unit, locale) for v in value)
        return ", ".join(str(i18n.value_label(name, v, locale)) for v in value) or "–"
    if isinstance(value, (int, float)) and unit:
        return i18n.value(value, unit, locale)
    if isinstance(value, str):
        return str(i18n.value_label(name, value, locale))
    if isinstance(value, (int, float)):
        digits = 0 if abs(value) >= 100 or isinstance(value, int) else 2
        return i18n.number(value, locale, digits=digits)
    return "–" if value is None else str(value)


def record_items(headline: Mapping, locale: str = "en") -> list[tuple[str, str]]:
    """(label, value) pairs of a notebook's plain recorded numbers, labelled and formatted for ``locale``.

    Results recorded whole (dicts such as ``nps_segments``) and the scorecard's per-KPI records are
    shown on their pages and in the tiles, not here.
    """
    catalog = i18n.catalogs().get("overview.records", {})
    out = []
    for name, value in headline.items():
        if name == "answer" or isinstance(value, dict) or name in ("scorecard_kpis",):
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            continue
        if name.endswith(("_status", "_target")) or _is_scorecard_value(name, headline):
            continue  # a scorecard KPI: its tile shows it
        label = catalog[name][locale] if name in catalog else name.replace("_", " ")
        out.append((label, _value_text(name, value, locale)))
    return out


def _is_scorecard_value(name: str, headline: Mapping) -> bool:
    return f"{name}_status" in headline


def render_index(manifest: Mapping, *, locale: str = "en", base: Mapping) -> str:
    """The index page: ``base`` holds what the runner's own template needs (title, company, logo,
    overall status, notebooks, links, previous report); this adds the month at a glance."""
    from pathlib import Path

    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
                             autoescape=True, keep_trailing_newline=True)
    notebooks = []
    for nb, entry in zip(base["notebooks"], manifest.get("notebooks", []), strict=True):
        notebooks.append({**nb, "numbers": record_items(entry.get("headline") or {}, locale)})
    return env.get_template("index.html.j2").render(
        **{**base, "notebooks": notebooks}, lang=locale, lead=_lead(manifest, locale),
        perspectives=kpi_tiles(manifest, locale), findings=findings(manifest, locale),
        t=lambda key, **kw: _t(key, locale, **kw))
