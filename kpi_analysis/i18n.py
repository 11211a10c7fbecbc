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


def date(value, locale: str = DEFAULT_LOCALE, *, format: str = "medium") -> str:
    """A date in the locale's style: 'Oct 31, 2026' / '31 thg 10, 2026'."""
    if value is None or (not isinstance(value, str) and _nan_date(value)):
        return "–"
    from babel.dates import format_date
    import pandas as pd
    return format_date(pd.Timestamp(value).date(), format=format, locale=_babel(locale))


def _nan_date(value) -> bool:
    import pandas as pd
    return bool(pd.isna(value)) if not isinstance(value, (_dt.date,)) else False


def month(value, locale: str = DEFAULT_LOCALE) -> str:
    """A month label: 'October 2026' / 'tháng 10 năm 2026'."""
    from babel.dates import format_skeleton
    import pandas as pd
    return format_skeleton("yMMMM", pd.Timestamp(str(value)).to_pydatetime(), locale=_babel(locale))


_t = catalog("common", {
    "method": {"en": "Method: {method}.", "vi": "Phương pháp: {method}."},
    "excluded": {"en": "Excluded: {items}.", "vi": "Đã loại: {items}."},
    "small_sample": {"en": "small sample", "vi": "mẫu nhỏ"},
    "significant": {"en": "significant", "vi": "có ý nghĩa thống kê"},
    "not_significant": {"en": "not significant", "vi": "không có ý nghĩa thống kê"},
    "ci": {"en": "{level} CI {low} to {high}", "vi": "KTC {level} từ {low} đến {high}"},
    "no_data": {"en": "No data.", "vi": "Không có dữ liệu."},
})
