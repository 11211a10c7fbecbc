"""Words and number formats per report locale (``en``, ``vi``).

Each module declares its messages once, in both languages, with :func:`catalog`::

    _t = i18n.catalog("nps", {
        "headline": {"en": "NPS {nps} ({n} answers).", "vi": "NPS {nps} ({n} câu trả lời)."},
    })
    _t("headline", locale, nps=..., n=...)

A test walks every registered catalogue and fails when a key lacks a language, so no English
leftover reaches a Vietnamese report. Numbers, money, percentages and dates go through Babel.
"""
from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping

LOCALES = ("en", "vi")
DEFAULT_LOCALE = "en"
_BABEL_LOCALE = {"en": "en_US", "vi": "vi_VN"}
_CATALOGS: dict[str, dict[str, dict[str, str]]] = {}


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {list(LOCALES)}; got {locale!r}.")
    return locale


def catalog(namespace: str, messages: Mapping[str, Mapping[str, str]]) -> Callable[..., str]:
    """Register ``messages`` (key -> {locale: template}) and return a translator for them."""
    for key, texts in messages.items():
        missing = [loc for loc in LOCALES if not texts.get(loc)]
        if missing:
            raise ValueError(f"i18n catalogue {namespace!r}: message {key!r} lacks {missing}.")
    _CATALOGS.setdefault(namespace, {}).update({k: dict(v) for k, v in messages.items()})

    def translate(key: str, locale: str = DEFAULT_LOCALE, /, **values) -> str:
        return text(namespace, key, locale, **values)

    return translate


def text(namespace: str, key: str, locale: str = DEFAULT_LOCALE, /, **values) -> str:
    """The message ``namespace.key`` in ``locale`` with ``values`` filled in."""
    check_locale(locale)
    try:
        template = _CATALOGS[namespace][key][locale]
    except KeyError:
        raise KeyError(f"i18n: no message {namespace}.{key} for locale {locale!r}.") from None
    return template.format(**values)


def catalogs() -> dict[str, dict[str, dict[str, str]]]:
    """Every registered catalogue (for the completeness test and for translators)."""
    return {ns: {k: dict(v) for k, v in msgs.items()} for ns, msgs in _CATALOGS.items()}


def _babel(locale: str) -> str:
    return _BABEL_LOCALE[check_locale(locale)]


def _nan(value) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def number(value, locale: str = DEFAULT_LOCALE, *, digits: int = 0) -> str:
    """1234567.8 -> '1,234,568' (en) / '1.234.568' (vi); NaN -> '–'."""
    if _nan(value):
        return "–"
    from babel.numbers import format_decimal
    fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(float(value), format=fmt, locale=_babel(locale))


def money(value, locale: str = DEFAULT_LOCALE, *, currency: str = "VND", digits: int | None = None) -> str:
    """1234567 VND -> 'VND 1,234,567' (en) / '1.234.567 ₫' (vi)."""
    if _nan(value):
        return "–"
    from babel.numbers import format_currency, get_currency_precision
    digits = get_currency_precision(currency) if digits is None else digits
    if locale == "en":
        # Babel's en_US pattern writes "₫1,234,567"; managers here read the ISO code before the amount.
        return f"{currency} {number(value, locale, digits=digits)}"
    return format_currency(float(value), currency, locale=_babel(locale),
                           format="#,##0" + ("." + "0" * digits if digits else "") + " ¤",
                           currency_digits=False)


def percent(value, locale: str = DEFAULT_LOCALE, *, digits: int = 1, signed: bool = False) -> str:
    """0.1234 -> '12.3%' (en) / '12,3%' (vi); ``signed`` adds '+' to gains."""
    if _nan(value):
        return "–"
    s = number(abs(float(value)) * 100, locale, digits=digits) + "%"
    if float(value) < 0:
        return "−" + s if signed else "-" + s
    return ("+" + s) if signed and float(value) > 0 else s


def points(value, locale: str = DEFAULT_LOCALE, *, digits: int = 1) -> str:
    """Signed points (NPS and other -100..100 scores): +12.3 / −4,0."""
    if _nan(value):
        return "–"
    s = number(abs(float(value)), locale, digits=digits)
    return ("+" if float(value) > 0 else "−" if float(value) < 0 else "") + s


def ci(low, high, confidence: float, locale: str = DEFAULT_LOCALE, fmt=None) -> str:
    """'95% CI +1.2 to +3.4' / 'khoảng tin cậy 95% từ +1,2 đến +3,4'; ``fmt(value, locale)`` formats the bounds
    (signed points by default)."""
    fmt = fmt or points
    return text("common", "ci", locale, level=percent(confidence, locale, digits=0),
                low=fmt(low, locale), high=fmt(high, locale))


def p_value(value, locale: str = DEFAULT_LOCALE) -> str:
    """A p-value as read after "p": '= 0.034' or '< 0.001' (en) / '= 0,034' (vi); missing -> '= –'."""
    if _nan(value):
        return "= –"
    if float(value) < 0.001:
        return "< " + number(0.001, locale, digits=3)
    return "= " + number(value, locale, digits=3)


def date(value, locale: str = DEFAULT_LOCALE, *, format: str = "medium") -> str:
    """A date as the locale writes it: 'Oct 31, 2026' (en) / '31/10/2026' (vi).

    Vietnamese managers write day/month/year in digits ("02/12/2026"); Babel's medium Vietnamese
    form ("2 thg 12, 2026") abbreviates "tháng" in a way they do not, so ``vi`` uses the glossary's
    pattern for every ``format`` but "full"/"long" (which spell the month out).

    >>> date("2026-12-02", "vi"), date("2026-12-02", "en")
    ('02/12/2026', 'Dec 2, 2026')
    """
    if value is None or (not isinstance(value, str) and _nan_date(value)):
        return "–"
    import pandas as pd
    from babel.dates import format_date
    day = pd.Timestamp(value).date()
    if check_locale(locale) == "vi" and format not in ("full", "long"):
        return format_date(day, format="dd/MM/yyyy", locale=_babel(locale))
    return format_date(day, format=format, locale=_babel(locale))


def _nan_date(value) -> bool:
    import pandas as pd
    if value is pd.NaT:  # NaT is a datetime too
        return True
    return bool(pd.isna(value)) if not isinstance(value, (_dt.date,)) else False


def month(value, locale: str = DEFAULT_LOCALE) -> str:
    """A month label: 'October 2026' / 'tháng 10/2026' (the glossary's ``month_label``).

    >>> month("2026-10", "vi"), month("2026-01-01", "en")
    ('tháng 10/2026', 'January 2026')
    """
    import pandas as pd
    from babel.dates import format_skeleton
    moment = pd.Timestamp(str(value)).to_pydatetime()
    if check_locale(locale) == "vi":  # Babel: "tháng 10 năm 2026"; managers write "tháng 10/2026"
        return _units("month", locale, month=moment.month, year=moment.year)
    return format_skeleton("yMMMM", moment, locale=_babel(locale))


_t = catalog("common", {
    "method": {"en": "Method: {method}.", "vi": "Phương pháp: {method}."},
    "excluded": {"en": "Excluded: {items}.", "vi": "Đã loại: {items}."},
    "small_sample": {"en": "small sample", "vi": "mẫu nhỏ"},
    "significant": {"en": "significant", "vi": "có ý nghĩa thống kê"},
    "not_significant": {"en": "not significant", "vi": "không có ý nghĩa thống kê"},
    "ci": {"en": "{level} CI {low} to {high}", "vi": "khoảng tin cậy {level} từ {low} đến {high}"},
    "no_data": {"en": "No data.", "vi": "Không có dữ liệu."},
})


# ----------------------------------------------------------------------------------------------
# Tables for people: column headers, coded values and numbers in the report's language
# ----------------------------------------------------------------------------------------------
# Result tables keep snake_case identifier columns (STYLE.md): code and tests rely on them. What a
# notebook or report *shows* goes through :func:`display_table`, which puts a header from the
# catalogue below over each known column, translates coded values (``within_range``, ``green``,
# booleans) and formats numbers and dates for the locale. Data-derived text (rep, location, region
# names) is shown as it is, and escaped.

_COLUMNS = {
    # canonical tables (schema.py)
    "lead_id": ("Lead ID", "Mã khách hàng tiềm năng"),
    "created_at": ("Created", "Ngày tạo"),
    "rep": ("Sales rep", "Nhân viên kinh doanh"),
    "source": ("Lead source", "Nguồn khách hàng tiềm năng"),
    "segment": ("Segment", "Phân khúc"),
    "status": ("Status", "Trạng thái"),
    "closed_at": ("Closed", "Ngày chốt"),
    "deal_value": ("Deal value", "Giá trị đơn"),
    "first_contact_at": ("First contact", "Liên hệ đầu tiên"),
    "date": ("Date", "Ngày"),
    "location": ("Location", "Điểm bán"),
    "revenue": ("Revenue", "Doanh thu"),
    "orders": ("Orders", "Số đơn hàng"),
    "response_id": ("Answer ID", "Mã câu trả lời"),
    "customer_id": ("Customer ID", "Mã khách hàng"),
    "responded_at": ("Answered", "Ngày trả lời"),
    "score": ("Score", "Điểm"),
    "region": ("Region", "Vùng"),
    "product": ("Product", "Sản phẩm"),
    "customer_since": ("Customer since", "Là khách hàng từ"),
    "comment": ("Comment", "Nhận xét"),
    # nps.comments
    "category": ("NPS category", "Nhóm NPS"),
    "phrase": ("Word or phrase", "Từ hoặc cụm từ"),
    "kind": ("Kind", "Loại"),
    "mentions": ("Comments using it", "Số nhận xét có từ này"),
    "comments": ("Comments", "Số nhận xét"),
    "share_rest": ("Share of other comments", "Tỷ lệ ở các nhận xét khác"),
    "answers": ("Answers", "Số câu trả lời"),
    "typicality": ("Typicality", "Mức tiêu biểu"),
    "month": ("Month", "Tháng"),
    "channel": ("Channel", "Kênh"),
    "spend": ("Spend", "Chi phí"),
    "our_price": ("Our price", "Giá của chúng ta"),
    "competitor": ("Competitor", "Đối thủ"),
    "competitor_price": ("Competitor price", "Giá đối thủ"),
    "client_id": ("Client ID", "Mã khách hàng"),
    "activity_type": ("Activity", "Hoạt động"),
    "employee_id": ("Employee ID", "Mã nhân viên"),
    "team": ("Team", "Nhóm"),
    "kpi": ("KPI", "Chỉ số KPI"),
    "period": ("Period", "Kỳ"),
    "target": ("Target", "Mục tiêu"),
    "direction": ("Direction", "Chiều"),
    "perspective": ("Perspective", "Khía cạnh"),
    "owner": ("Owner", "Người phụ trách"),
    # shared statistics
    "n": ("Count", "Số lượng"),
    "estimate": ("Estimate", "Ước lượng"),
    "se": ("Standard error", "Sai số chuẩn"),
    "df": ("Degrees of freedom", "Bậc tự do"),
    "statistic": ("Test statistic", "Thống kê kiểm định"),
    "p_value": ("p-value", "Giá trị p"),
    "p_adj": ("Adjusted p", "Giá trị p hiệu chỉnh"),
    "ci_low": ("CI low", "Cận dưới khoảng tin cậy"),
    "ci_high": ("CI high", "Cận trên khoảng tin cậy"),
    "significant": ("Significant", "Có ý nghĩa thống kê"),
    "mean": ("Mean", "Trung bình"),
    "median": ("Median", "Trung vị"),
    "low": ("Low", "Cận dưới"),
    "high": ("High", "Cận trên"),
    "value": ("Value", "Giá trị"),
    "change": ("Change", "Thay đổi"),
    "change_low": ("Change, CI low", "Thay đổi, cận dưới khoảng tin cậy"),
    "change_high": ("Change, CI high", "Thay đổi, cận trên khoảng tin cậy"),
    "share": ("Share", "Tỷ trọng"),
    "excluded": ("Excluded", "Đã loại"),
    "reason": ("Reason", "Lý do"),
    "reasons": ("Reasons", "Lý do"),
    # feasibility
    "leads": ("Leads", "Khách hàng tiềm năng"),
    "closed": ("Closed leads", "Đã kết thúc (thành công hoặc thất bại)"),
    "won": ("Won", "Thành công"),
    "conversion": ("Conversion", "Tỷ lệ chuyển đổi"),
    "deal_size": ("Average deal value", "Giá trị đơn trung bình"),
    "win_rate": ("Win rate", "Tỷ lệ thắng"),
    "complete": ("Complete", "Đầy đủ"),
    "model": ("Model", "Mô hình"),
    "p_hit": ("P(hit)", "Xác suất đạt"),
    "weight": ("Weight in the combination", "Trọng số khi kết hợp"),
    "won_value": ("Won deal value", "Giá trị hợp đồng thành công"),
    "coverage": ("Backtest coverage", "Độ phủ kiểm định lùi"),
    "coverage_month": ("Coverage, single months", "Độ phủ, từng tháng"),
    "n_backtest": ("Backtest forecasts", "Số dự báo kiểm định lùi"),
    "driver": ("Driver", "Yếu tố"),
    "baseline": ("Baseline", "Giá trị gốc"),
    "needed_alone": ("Growth needed alone", "Tăng trưởng cần nếu một mình"),
    "percentile_alone": ("Percentile, alone", "Phân vị, một mình"),
    "needed_shared": ("Growth needed if shared", "Tăng trưởng cần nếu chia đều"),
    "percentile_shared": ("Percentile, shared", "Phân vị, chia đều"),
    "share_alone": ("Past changes as large, alone", "Tỷ lệ thay đổi trước đây đạt mức đó, một mình"),
    "share_shared": ("Past changes as large, shared", "Tỷ lệ thay đổi trước đây đạt mức đó, chia đều"),
    "past_median": ("Median past change", "Trung vị thay đổi trước đây"),
    "past_max": ("Largest past change", "Thay đổi lớn nhất trước đây"),
    "n_past": ("Past changes", "Số thay đổi trước đây"),
    "criterion": ("Criterion", "Tiêu chí"),
    # reps
    "stratum": ("Lead group", "Nhóm khách hàng tiềm năng"),
    "stale_open": ("Open past maturity", "Còn mở quá hạn"),
    "open_excluded": ("Open, left out", "Đang mở, đã loại"),
    "expected_conversion": ("Expected conversion on the same leads",
                            "Tỷ lệ chuyển đổi kỳ vọng trên cùng loại khách hàng tiềm năng"),
    "oe": ("Observed / expected", "Thực tế / kỳ vọng"),
    "oe_low": ("Observed / expected, CI low", "Thực tế / kỳ vọng, cận dưới khoảng tin cậy"),
    "oe_high": ("Observed / expected, CI high", "Thực tế / kỳ vọng, cận trên khoảng tin cậy"),
    "period_closed": ("Closed in the period itself", "Đã kết thúc trong chính kỳ này"),
    "period_won": ("Won in the period itself", "Thành công trong chính kỳ này"),
    "shrunk": ("Shrunk conversion", "Tỷ lệ chuyển đổi (hiệu chỉnh cho nhóm ít dữ liệu)"),
    "p_below_team": ("P(below the team)", "Xác suất thấp hơn cả nhóm"),
    "periods_below": ("Periods below the team", "Số kỳ thấp hơn cả nhóm"),
    "periods_above": ("Periods above the team", "Số kỳ cao hơn cả nhóm"),
    "periods": ("Periods", "Số kỳ"),
    "classification": ("Classification", "Phân loại"),
    "verdict": ("Verdict", "Kết luận"),
    # promo
    "start": ("Start", "Bắt đầu"),
    "end": ("End", "Kết thúc"),
    "term": ("Term", "Thành phần"),
    "correlation": ("Correlation", "Hệ số tương quan"),
    "mape": ("Mean scaled difference", "Chênh lệch chuẩn hóa trung bình"),
    "level_ratio": ("Level ratio", "Tỷ lệ mức"),
    "slope": ("Drift of the gap", "Độ trôi của chênh lệch"),
    "slope_p": ("Drift p-value", "Giá trị p của độ trôi"),
    "equivalence_p": ("Equivalence test p-value", "Giá trị p kiểm định tương đương"),
    "margin": ("Equivalence margin", "Biên tương đương"),
    "placebo_estimate": ("Placebo effect", "Hiệu quả của khuyến mãi giả định"),
    "placebo_p": ("Placebo p-value", "Giá trị p, kiểm tra bằng khuyến mãi giả định"),
    "comparable": ("Comparable", "So sánh được"),
    "trend_confirmed": ("Parallel trends confirmed", "Đã xác nhận xu hướng song song"),
    "n_days": ("Days", "Số ngày"),
    # nps
    "tenure_band": ("Days as a customer", "Số ngày là khách hàng"),
    "detractors": ("Detractors", "Người phản đối"),
    "passives": ("Passives", "Người trung lập"),
    "promoters": ("Promoters", "Người ủng hộ"),
    "blank": ("Blank", "Để trống"),
    "non_numeric": ("Not a number", "Không phải số"),
    "superseded": ("Answered again later", "Đã trả lời lại sau đó"),
    "early_excluded": ("Early, left out", "Trả lời sớm, đã loại"),
    "nps": ("NPS", "NPS"),
    "nps_rest": ("NPS of the comparison group", "NPS của nhóm so sánh"),
    "difference": ("Difference", "Chênh lệch"),
    "diff_low": ("Difference, CI low", "Chênh lệch, cận dưới khoảng tin cậy"),
    "diff_high": ("Difference, CI high", "Chênh lệch, cận trên khoảng tin cậy"),
    "small_sample": ("Small sample", "Mẫu nhỏ"),
    "impact": ("Effect on the total", "Tác động lên tổng"),
    "nps_shrunk": ("Shrunk NPS", "NPS (hiệu chỉnh cho nhóm ít dữ liệu)"),
    "shrunk_low": ("Shrunk, CI low", "Đã hiệu chỉnh, cận dưới khoảng tin cậy"),
    "shrunk_high": ("Shrunk, CI high", "Đã hiệu chỉnh, cận trên khoảng tin cậy"),
    "nps_if": ("Segment NPS after the change", "NPS phân khúc sau thay đổi"),
    "gain": ("Gain in overall NPS", "Mức tăng NPS chung"),
    "total_if": ("Overall NPS after the change", "NPS chung sau thay đổi"),
    # scorecard
    "previous": ("Previous period", "Kỳ trước"),
    "last_year": ("Same period last year", "Cùng kỳ năm trước"),
    "yoy_pct": ("Change vs last year", "Thay đổi so với cùng kỳ"),
    "change_pct": ("Relative change", "Thay đổi tương đối"),
    "status_previous": ("Previous status", "Trạng thái kỳ trước"),
    "change_method": ("Change judged by", "Cách đánh giá thay đổi"),
    "threshold": ("Threshold", "Ngưỡng"),
    "flagged": ("Flagged", "Được đánh dấu"),
    "rank": ("Rank", "Thứ hạng"),
    "rank_previous": ("Previous rank", "Thứ hạng kỳ trước"),
    "survey": ("Survey", "Đợt khảo sát"),
    "enps": ("eNPS", "eNPS"),
    "enps_ci_low": ("eNPS, CI low", "eNPS, cận dưới khoảng tin cậy"),
    "enps_ci_high": ("eNPS, CI high", "eNPS, cận trên khoảng tin cậy"),
    "known": ("Computed by the scorecard", "Được bảng điểm KPI tính"),
    "missing": ("Missing", "Còn thiếu"),
    "by": ("Breakdown", "Chia theo"),
    "group": ("Group", "Nhóm"),
    "numerator": ("Numerator", "Tử số"),
    "denominator": ("Denominator", "Mẫu số"),
    "sum_sq": ("Sum of squares", "Tổng bình phương"),
    # notebook helpers
    "table": ("Table", "Bảng"),
    "rows": ("Rows", "Số dòng"),
}

# Coded values shown in tables, by column ("" = any column). Columns listed in _VALUE_ALIAS share
# another column's codes.
_VALUES = {
    "": {"True": ("yes", "có"), "False": ("no", "không")},
    "classification": {
        "persistent_under": ("persistent under-performer", "kém hơn nhóm một cách bền vững"),
        "short_term_dip": ("short-term dip", "sụt giảm ngắn hạn"),
        "within_range": ("within range", "trong phạm vi bình thường"),
        "persistent_over": ("persistent over-performer", "tốt hơn nhóm một cách bền vững"),
        "significant_under": ("below the team (too few periods to judge persistence)",
                              "thấp hơn nhóm (quá ít kỳ để đánh giá tính bền vững)"),
        "significant_over": ("above the team (too few periods to judge persistence)",
                             "cao hơn nhóm (quá ít kỳ để đánh giá tính bền vững)"),
        "too_few": ("too few leads to judge", "quá ít khách hàng tiềm năng để đánh giá"),
    },
    "verdict": {
        "gap_remains": ("gap remains after lead mix", "chênh lệch vẫn còn sau khi tính cơ cấu khách hàng"),
        "mix_explains": ("lead mix explains the gap", "cơ cấu khách hàng giải thích chênh lệch"),
        "mix_partly": ("lead mix explains less than half the gap",
                       "cơ cấu nguồn khách giải thích chưa đến một nửa chênh lệch"),
        "no_gap": ("no clear gap", "không có chênh lệch rõ ràng"),
        "too_few": ("too few leads to judge", "quá ít khách hàng tiềm năng để đánh giá"),
        "too_easy": ("too easy (missed opportunity)", "quá dễ (bỏ lỡ cơ hội)"),
        "realistic": ("realistic stretch", "thử thách nhưng khả thi"),
        "aggressive": ("aggressive", "tham vọng"), "unrealistic": ("unrealistic", "không thực tế"),
    },
    "basis": {
        "same_period_last_year": ("vs the same period last year", "so với cùng kỳ năm trước"),
        "last_12_months": ("vs the last 12 months", "so với 12 tháng gần nhất"),
        "absolute": ("absolute value", "giá trị tuyệt đối"),
    },
    "reference": {"typical": ("typical segments", "các phân khúc điển hình"), "rest": ("all the rest", "toàn bộ phần còn lại")},
    "adjust": {"holm": ("Holm", "Holm"), "fdr_bh": ("Benjamini-Hochberg", "Benjamini-Hochberg"),
               "bonferroni": ("Bonferroni", "Bonferroni"), "none": ("none", "không hiệu chỉnh")},
    "design": {
        "crossover": ("AB/BA crossover", "thiết kế chéo AB/BA"), "did": ("difference-in-differences", "khác biệt kép"),
    },
    "direction": {
        "below": ("below", "thấp hơn"), "above": ("above", "cao hơn"),
        "more": ("more often", "nhiều hơn"), "less": ("less often", "ít hơn"),
        "higher_is_better": ("higher is better", "càng cao càng tốt"),
        "lower_is_better": ("lower is better", "càng thấp càng tốt"),
    },
    "category": {
        "detractor": ("detractors", "người phản đối"), "passive": ("passives", "người trung lập"),
        "promoter": ("promoters", "người ủng hộ"),
    },
    "kind": {"word": ("word", "từ"), "phrase": ("two words", "cụm hai từ")},
    "status": {
        "green": ("on target", "đạt mục tiêu"), "amber": ("near target", "gần mục tiêu"),
        "red": ("off target", "chưa đạt mục tiêu"), "no_target": ("no target", "chưa có mục tiêu"),
        "no_data": ("no data", "không có dữ liệu"),
        "pass": ("pass", "đạt"), "warn": ("warning", "cảnh báo"), "fail": ("fail", "không đạt"),
        "won": ("won", "thành công"), "lost": ("lost", "thất bại"), "open": ("open", "đang xử lý"),
    },
    "perspective": {
        "financial": ("financial", "tài chính"), "customer": ("customer", "khách hàng"),
        "internal": ("internal process", "quy trình nội bộ"),
        "learning": ("learning and growth", "học hỏi và phát triển"),
    },
    "change_method": {
        "sd": ("spread of past changes", "độ lệch chuẩn của các thay đổi trước đây"),
        "proportion": ("score test of two proportions", "kiểm định score hai tỷ lệ"),
        "mean": ("Welch t-test", "kiểm định t Welch"),
        "nps": ("z-test on the NPS difference", "kiểm định z cho chênh lệch NPS"),
    },
    "kpi": {
        "new_leads": ("New leads", "Khách hàng tiềm năng mới"),
        "leads_contacted_share": ("Leads contacted in time", "Khách hàng tiềm năng được liên hệ kịp thời"),
        "cac": ("Client acquisition cost", "Chi phí có được khách hàng (CAC)"),
        "revenue": ("Revenue", "Doanh thu"), "orders": ("Orders", "Số đơn hàng"),
        "price_index": ("Price index (ours / competitors')", "Chỉ số giá (giá ta / giá đối thủ)"),
        "client_engagement": ("Existing clients active", "Khách hàng hiện tại có hoạt động"),
        "clients_at_risk": ("Clients at risk", "Khách hàng có nguy cơ rời bỏ"),
        "employee_satisfaction": ("Employee satisfaction (0-10)", "Mức hài lòng của nhân viên (0-10)"),
        "enps": ("Employee NPS (eNPS)", "eNPS của nhân viên"), "nps": ("Customer NPS", "NPS của khách hàng"),
        "leads": ("New leads", "Khách hàng tiềm năng mới"), "won": ("Deals won", "Số đơn thành công"),
    },
    "model": {
        "ets": ("exponential smoothing ETS(A,Ad,A), damped trend", "san bằng mũ ETS(A,Ad,A), xu hướng tắt dần"),
        "ets_ns": ("exponential smoothing ETS(A,Ad,N), damped trend", "san bằng mũ ETS(A,Ad,N), xu hướng tắt dần"),
        "sarima_boot": ("seasonal ARIMA, bootstrapped residuals", "ARIMA mùa vụ, phần dư bootstrap"),
        "arima_boot": ("ARIMA, bootstrapped residuals", "ARIMA, phần dư bootstrap"),
        "combined": ("combined", "kết hợp"),
    },
    "driver": {
        "leads": ("leads", "khách hàng tiềm năng"), "conversion": ("conversion", "tỷ lệ chuyển đổi"),
        "deal size": ("deal size", "giá trị đơn trung bình"), "deal_size": ("deal size", "giá trị đơn trung bình"),
        "revenue": ("revenue", "doanh thu"),
    },
    "term": {
        "treatment": ("promotion effect", "hiệu quả khuyến mãi"),
        "period": ("period effect", "ảnh hưởng của kỳ"),
        "carryover": ("carryover", "hiệu ứng mang sang"),
    },
    "reasons": {
        "correlation": ("low correlation", "tương quan thấp"),
        "mape": ("large scaled difference", "chênh lệch lớn sau chuẩn hóa"),
        "trend": ("diverging trends", "xu hướng tách rời"),
        "placebo": ("an effect without a promotion (placebo)", "có hiệu quả khi không khuyến mãi (kiểm tra bằng khuyến mãi giả định)"),
    },
    "missing": {
        "owner": ("owner", "người phụ trách"), "target": ("target", "mục tiêu"),
        "direction": ("direction", "chiều mong muốn"), "period": ("review period", "chu kỳ đánh giá"),
        "perspective": ("perspective", "khía cạnh"),
    },
    "period": {
        "monthly": ("monthly", "hằng tháng"), "quarterly": ("quarterly", "hằng quý"),
        "yearly": ("yearly", "hằng năm"), "weekly": ("weekly", "hằng tuần"),
    },
    "group": {"all": ("all", "tất cả")},
    "table": {
        "leads": ("leads", "khách hàng tiềm năng"), "sales": ("sales", "doanh số"),
        "nps_responses": ("NPS answers", "câu trả lời NPS"), "marketing_spend": ("marketing spend", "chi phí tiếp thị"),
        "competitor_prices": ("competitor prices", "giá đối thủ"),
        "client_activity": ("client activity", "hoạt động của khách hàng"),
        "employee_survey": ("employee survey", "khảo sát nhân viên"), "kpi_targets": ("KPI targets", "mục tiêu KPI"),
    },
}
_VALUE_ALIAS = {"status_previous": "status", "by": "group"}

# Titles for the breakdown tables notebooks show under a caption (e.g. the scorecard's details).
_CAPTIONS = {
    "new_leads_by_source": ("New leads by source", "Khách hàng tiềm năng mới theo nguồn"),
    "cac_by_channel": ("Client acquisition cost by channel", "Chi phí có được khách hàng theo kênh"),
    "revenue_by_location": ("Revenue by location", "Doanh thu theo điểm bán"),
    "orders_by_location": ("Orders by location", "Số đơn hàng theo điểm bán"),
    "price_index_by_product": ("Price index by product", "Chỉ số giá theo sản phẩm"),
    "nps_by_region": ("NPS by region", "NPS theo vùng"),
    "employee_by_team": ("Employee satisfaction and eNPS by team", "Mức hài lòng và eNPS của nhân viên theo nhóm"),
}

catalog("table_columns", {k: {"en": en, "vi": vi} for k, (en, vi) in _COLUMNS.items()})
catalog("table_values", {f"{col}.{code}": {"en": en, "vi": vi}
                         for col, codes in _VALUES.items() for code, (en, vi) in codes.items()})
catalog("table_captions", {k: {"en": en, "vi": vi} for k, (en, vi) in _CAPTIONS.items()})
_t_table = catalog("table", {
    "more_rows": {"en": "{n} more row(s) not shown.", "vi": "Còn {n} dòng không hiển thị."},
})


def column_label(name, locale: str = DEFAULT_LOCALE) -> str:
    """The header shown for a table column: 'p_adj' -> 'Adjusted p' / 'Giá trị p hiệu chỉnh'.

    A column the catalogue does not know (a client's own segment column) keeps its name.
    """
    check_locale(locale)
    key = str(name)
    return text("table_columns", key, locale) if key in _CATALOGS["table_columns"] else key


def value_label(column, value, locale: str = DEFAULT_LOCALE):
    """A coded value in words ('within_range' -> 'within range'); other values are returned unchanged."""
    check_locale(locale)
    col = _VALUE_ALIAS.get(str(column), str(column))
    codes = _CATALOGS["table_values"]
    for key in (f"{col}.{value}", f".{value}" if isinstance(value, bool) else None):
        if key is not None and key in codes:
            return codes[key][locale]
    return value


def labels(table, locale: str = DEFAULT_LOCALE):
    """``table`` with its columns renamed to the headers of ``locale`` (values untouched)."""
    return table.rename(columns=lambda c: column_label(c, locale))


class DisplayTable:
    """A table formatted for reading in one locale; shows as HTML in Jupyter and in the report.

    ``frame`` holds the formatted text (headers from :func:`column_label`, numbers, dates and coded
    values in the locale); ``data`` the rows it was made from.
    """

    def __init__(self, data, frame, *, caption: str = "", hidden: int = 0, locale: str = DEFAULT_LOCALE):
        self.data, self.frame, self.caption, self.hidden, self.locale = data, frame, caption, hidden, locale

    def _repr_html_(self) -> str:
        import html as _html

        out = self.frame.to_html(index=False, escape=True, border=0, classes="kpi-table", na_rep="–")
        if self.data is None:
            out = f"<p>{_html.escape(text('common', 'no_data', self.locale))}</p>"
        if self.caption:
            out = f"<p><strong>{_html.escape(self.caption)}</strong></p>" + out
        if self.hidden:
            out += f"<p><em>{_html.escape(_t_table('more_rows', self.locale, n=number(self.hidden, self.locale)))}</em></p>"
        return out

    def __repr__(self) -> str:
        head = f"{self.caption}\n" if self.caption else ""
        return head + self.frame.to_string(index=False)


def display_table(data, locale: str = DEFAULT_LOCALE, *, digits: int = 3, max_rows: int = 60,
                  caption: str = "") -> DisplayTable:
    """A result's table (or any DataFrame) ready to show in ``locale``.

    Parameters
    ----------
    data : DataFrame, result object or None
        A result object is shown through its ``.table``; None (e.g. a result without that detail)
        shows "No data." in the locale.
    locale : {"en", "vi"}
    digits : int, default 3
        Decimals for fractional numbers; columns whose values reach 1,000 are shown whole.
    max_rows : int, default 60
        Rows shown; the rest are counted under the table.
    caption : str, optional
        A title above the table; a known table name (e.g. "revenue_by_location") is translated.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"rep": ["An"], "p_adj": [0.01234], "classification": ["within_range"],
    ...                   "won": [1234], "small_sample": [False]})
    >>> display_table(t, "vi").frame.to_dict("records")
    [{'Nhân viên kinh doanh': 'An', 'Giá trị p hiệu chỉnh': '0,012', 'Phân loại': 'trong phạm vi bình thường', 'Thành công': '1.234', 'Mẫu nhỏ': 'không'}]
    """
    import pandas as pd

    check_locale(locale)
    if caption:
        caption = text("table_captions", caption, locale) if caption in _CATALOGS["table_captions"] else caption
    if data is None:
        return DisplayTable(None, pd.DataFrame(), caption=caption, locale=locale)
    table = data if isinstance(data, pd.DataFrame) else getattr(data, "table", data)
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"display_table: expected a DataFrame or a result with .table; got {type(data).__name__}.")
    shown = table.head(max_rows) if max_rows else table
    named = [n for n in shown.index.names if n is not None]
    shown = shown.reset_index(drop=not named)  # a named index (e.g. segments) becomes a column; row numbers go
    frame = pd.DataFrame({column_label(c, locale): _format_column(c, shown[c], locale, digits)
                          for c in shown.columns}, index=range(len(shown)))
    return DisplayTable(table, frame, caption=caption, hidden=len(table) - len(shown), locale=locale)


_MONTH_COLUMNS = {"period", "month", "survey"}


def _format_column(name, series, locale: str, digits: int):
    import pandas as pd

    values = series.tolist()
    if pd.api.types.is_bool_dtype(series.dtype):
        return [value_label(name, bool(v), locale) if not _missing(v) else "–" for v in values]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        dates = pd.to_datetime(series)
        monthly = bool(dates.dropna().dt.is_month_start.all()) and dates.notna().any()
        return ["–" if pd.isna(v) else (month(v, locale) if monthly else date(v, locale)) for v in dates]
    if pd.api.types.is_integer_dtype(series.dtype):
        return ["–" if _missing(v) else number(v, locale) for v in values]
    if pd.api.types.is_float_dtype(series.dtype):
        finite = series.dropna().abs()
        places = 0 if len(finite) and float(finite.max()) >= 1000 else digits
        return ["–" if _missing(v) else number(v, locale, digits=places) for v in values]
    return [_format_value(name, v, locale) for v in values]


def _missing(value) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _format_value(name, value, locale: str):
    import re

    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(_format_value(name, v, locale)) for v in value)
    if _missing(value):
        return "–"
    if isinstance(value, bool):
        return value_label(name, value, locale)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value, locale, digits=0 if float(value).is_integer() else 3)
    if hasattr(value, "strftime"):
        return date(value, locale)
    text_value = str(value)
    if str(name) in _MONTH_COLUMNS and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text_value):
        return month(text_value, locale)
    if str(name) == "missing" and "," in text_value:
        return ", ".join(str(value_label(name, part.strip(), locale)) for part in text_value.split(","))
    return value_label(name, text_value, locale)


def say(text: str) -> None:
    """Show plain-language sentences as paragraphs in a notebook (and in its HTML report).

    ``print`` would put them in a monospace block that does not wrap; each line becomes one escaped
    paragraph instead. Outside IPython the text is printed.
    """
    import html

    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # no IPython: a plain terminal
        print(text)
        return
    if get_ipython() is None:
        print(text)
        return
    paras = "".join(f"<p>{html.escape(line)}</p>" for line in str(text).split("\n") if line.strip())
    display(HTML(f"<div class='kpi-summary'>{paras}</div>"))


# ----------------------------------------------------------------------------------------------
# Values by their unit: one place for every page, table, chart and the index
# ----------------------------------------------------------------------------------------------
# A manager reads "12,19 tỷ ₫" and "56,0%", not "12.187.768.000 ₫" and "0.56". Babel does the digits and
# separators; its compact forms read oddly in Vietnamese ("12,19 T ₫"), so the scale words come from
# the glossary catalogue below.

UNITS = ("money", "count", "share", "percent", "points", "score", "ratio", "index", "days", "number")

_units = catalog("units", {
    "billion": {"en": "{value} bn", "vi": "{value} tỷ"},
    "million": {"en": "{value} m", "vi": "{value} tr"},
    "money_en": {"en": "{currency} {amount}", "vi": "{currency} {amount}"},
    "money_vi": {"en": "{amount} {currency}", "vi": "{amount} {currency}"},
    "score": {"en": "{value} of {top}", "vi": "{value}/{top}"},
    "days": {"en": "{value} days", "vi": "{value} ngày"},
    "pp": {"en": "{value} pp", "vi": "{value} điểm %"},
    "month": {"en": "{month}/{year}", "vi": "tháng {month}/{year}"},
})


def _scaled_digits(x: float) -> int:
    return 2 if abs(x) < 100 else 0


def money_short(value, locale: str = DEFAULT_LOCALE, *, currency: str = "VND", digits: int | str | None = None) -> str:
    """Money as managers write it: 12 187 768 000 VND -> 'VND 12.19 bn' / '12,19 tỷ ₫'; 850 000 000 ->
    'VND 850 m' / '850 tr ₫'; below a million the whole amount ('VND 350,000' / '350.000 ₫').

    >>> money_short(12187768000, "vi"), money_short(850e6, "en"), money_short(350000, "vi")
    ('12,19 tỷ ₫', 'VND 850 m', '350.000 ₫')

    ``digits`` sets the decimals of a scaled amount (default: 2 below 100, else 0); ``"trim"`` drops
    trailing zeros ('VND 2 bn', 'VND 2.5 bn'), as on a chart axis.
    """
    if _nan(value):
        return "–"
    v = float(value)
    for scale, key in ((1e9, "billion"), (1e6, "million")):
        if abs(v) >= scale:
            x = v / scale
            places = _scaled_digits(x) if digits is None or digits == "trim" else int(digits)
            if digits == "trim":  # the fewest decimals that show the amount as it is (at most the default)
                places = next(d for d in range(places + 1) if abs(round(x, d) - x) < 1e-9 * max(1.0, abs(x))
                              or d == places)
            amount = _units(key, locale, value=number(v / scale, locale, digits=places))
            break
    else:
        from babel.numbers import get_currency_precision
        amount = number(v, locale, digits=get_currency_precision(currency))
    if locale == "en":
        return _units("money_en", locale, currency=currency, amount=amount)
    from babel.numbers import get_currency_symbol
    return _units("money_vi", locale, currency=get_currency_symbol(currency, _babel(locale)), amount=amount)


def value(x, unit: str, locale: str = DEFAULT_LOCALE, *, currency: str = "VND", digits: int | None = None,
          top: float = 10) -> str:
    """A value in words and digits by its ``unit``, the same on every page.

    ``money`` (short scales), ``count`` (whole number), ``share``/``percent`` (a fraction shown as a
    percent, one decimal: 56.0% never rounds to 60%), ``points`` (signed, NPS), ``score`` (of
    ``top``: '6.55 of 10'), ``ratio``/``index`` (two decimals), ``days``, ``number``.

    >>> value(0.56, "share"), value(6.55, "score"), value(124, "count"), value(0.981, "index")
    ('56.0%', '6.55 of 10', '124', '0.98')
    >>> value(41.9, "points", "vi"), value(12187768000, "money", "vi")
    ('+41,9', '12,19 tỷ ₫')
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {list(UNITS)}; got {unit!r}.")
    if _nan(x):
        return "–"
    if unit == "money":
        return money_short(x, locale, currency=currency)
    if unit == "count":
        return number(x, locale, digits=0 if digits is None else digits)
    if unit in ("share", "percent"):
        return percent(x, locale, digits=1 if digits is None else digits)
    if unit == "points":
        return points(x, locale, digits=1 if digits is None else digits)
    if unit == "score":
        return _units("score", locale, value=number(x, locale, digits=2 if digits is None else digits),
                      top=number(top, locale))
    if unit in ("ratio", "index"):
        return number(x, locale, digits=2 if digits is None else digits)
    if unit == "days":
        return _units("days", locale, value=number(x, locale, digits=0 if digits is None else digits))
    return number(x, locale, digits=2 if digits is None else digits)


def change(x, unit: str, locale: str = DEFAULT_LOCALE, *, currency: str = "VND") -> str:
    """A change of a value of ``unit``, signed: rates in percentage points ('-2.7 pp' / '-2,7 điểm %'),
    money in short scales, counts and points signed; zero is '0', never '-0'.

    >>> change(-0.027, "share"), change(3, "count"), change(-0.0004, "points"), change(-0.027, "share", "vi")
    ('−2.7 pp', '+3', '0.0', '−2,7 điểm %')
    """
    if _nan(x):
        return "–"
    v = float(x)
    if unit in ("share", "percent"):
        shown = points(v * 100, locale, digits=1)
        return _units("pp", locale, value="0" if shown.lstrip("+−") == number(0, locale, digits=1) else shown)
    if unit == "money":
        text = money_short(abs(v), locale, currency=currency)
        return text if round(v) == 0 else ("+" if v > 0 else "−") + text
    digits = {"count": 0, "days": 0, "ratio": 2, "index": 2, "score": 2}.get(unit, 1)
    text = number(abs(v), locale, digits=digits)
    if text.strip("0.,") == "":
        return text
    return ("+" if v > 0 else "−") + text


def axis_formatter(unit: str, locale: str = DEFAULT_LOCALE, *, currency: str = "VND"):
    """A matplotlib tick formatter for values of ``unit``: no '1e7' offsets, short money scales, whole
    percents. Use with :func:`tidy_axis`."""
    from matplotlib.ticker import FuncFormatter

    if unit in ("share", "percent"):
        return FuncFormatter(lambda x, _pos: percent(x, locale, digits=0))
    if unit == "money":
        return FuncFormatter(lambda x, _pos: money_short(x, locale, currency=currency, digits="trim") if x else "0")
    return FuncFormatter(lambda x, _pos: value(x, unit if unit in UNITS else "number", locale, currency=currency,
                                                digits=0 if abs(x) >= 10 or unit == "count" else None))


def tidy_axis(ax, axis: str = "y", *, unit: str = "number", locale: str = DEFAULT_LOCALE, currency: str = "VND"):
    """Give ``ax``'s ``axis`` ("x" or "y") the unit's formatter and sensible ticks: whole percents
    (1, 2, 5 or 10 points apart), no offset text. Returns ``ax``."""
    from matplotlib.ticker import MaxNLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(axis_formatter(unit, locale, currency=currency))
    if unit in ("share", "percent"):
        target.set_major_locator(_whole_percent_locator())
    else:
        target.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    return ax


def _whole_percent_locator():  # percent ticks at whole percents only (1, 2, 5 or 10 apart)
    from matplotlib.ticker import MaxNLocator

    class WholePercent(MaxNLocator):
        def tick_values(self, vmin, vmax):
            ticks = super().tick_values(vmin * 100, vmax * 100)
            return ticks / 100

    return WholePercent(nbins=6, steps=[1, 2, 5, 10], integer=True)


# ----------------------------------------------------------------------------------------------
# The glossary: one word per concept in each language, for every page
# ----------------------------------------------------------------------------------------------

def glossary() -> dict[str, dict[str, str]]:
    """``kpi_analysis/glossary.csv`` by key: ``{"en", "vi", "note", "rejected_vi"}`` (rejected spellings,
    ``|``-separated: words a Vietnamese reader misreads, such as "đã chốt" for closed)."""
    import csv
    from functools import cache

    @cache
    def read() -> dict[str, dict[str, str]]:
        from pathlib import Path

        with open(Path(__file__).with_name("glossary.csv"), encoding="utf-8", newline="") as fh:
            return {row["key"]: row for row in csv.DictReader(fh)}

    return read()


def term(key: str, locale: str = DEFAULT_LOCALE) -> str:
    """The glossary's word for ``key`` in ``locale``: ``term("closed", "vi")`` is
    "đã kết thúc (thành công hoặc thất bại)".

    >>> term("confidence_interval", "vi")
    'khoảng tin cậy 95%'
    """
    entry = glossary().get(key)
    if entry is None:
        raise KeyError(f"glossary: no term {key!r}; the terms are {sorted(glossary())}.")
    return entry[check_locale(locale)]


def rejected_terms() -> dict[str, str]:
    """Vietnamese spellings the glossary rejects -> the term to use instead."""
    out = {}
    for entry in glossary().values():
        for bad in filter(None, (entry.get("rejected_vi") or "").split("|")):
            out[bad.strip()] = entry["vi"]
    return out
