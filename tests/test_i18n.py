"""Every message exists in English and Vietnamese; numbers, money and dates follow the locale."""
from __future__ import annotations

import importlib
import pkgutil
import string

import pytest

import kpi_analysis
from kpi_analysis import i18n

ENGLISH = {"the", "and", "is", "are", "of", "to", "with", "than", "not", "in", "for", "was", "this"}


def _import_all():
    for mod in pkgutil.iter_modules(kpi_analysis.__path__):
        if mod.name not in ("cli",):
            importlib.import_module(f"kpi_analysis.{mod.name}")


def test_every_message_in_every_locale_with_the_same_fields():
    _import_all()
    cats = i18n.catalogs()
    assert "common" in cats and len(cats) >= 2
    fmt = string.Formatter()
    for ns, messages in cats.items():
        for key, texts in messages.items():
            assert set(texts) >= set(i18n.LOCALES), f"{ns}.{key} lacks a language"
            fields = {loc: {f for _, f, _, _ in fmt.parse(texts[loc]) if f} for loc in i18n.LOCALES}
            assert fields["en"] == fields["vi"], f"{ns}.{key}: placeholders differ {fields}"
            # names (e.g. "Benjamini-Hochberg") may read the same; English sentences may not
            words = set(texts["en"].lower().replace(".", " ").split())
            assert texts["vi"] != texts["en"] or not words & ENGLISH, \
                f"{ns}.{key}: the Vietnamese text is the English one"


def test_a_missing_language_is_refused_at_registration():
    with pytest.raises(ValueError, match="lacks \\['vi'\\]"):
        i18n.catalog("test_only", {"hello": {"en": "Hello"}})


@pytest.mark.parametrize("locale,money,number,pct,date", [
    ("en", "VND 1,234,567", "1,234,567.89", "+12.3%", "Oct 31, 2026"),
    ("vi", "1.234.567 ₫", "1.234.567,89", "+12,3%", "31 thg 10, 2026"),
])
def test_formats(locale, money, number, pct, date):
    assert i18n.money(1234567, locale) == money
    assert i18n.number(1234567.891, locale, digits=2) == number
    assert i18n.percent(0.1234, locale, signed=True) == pct
    assert i18n.date("2026-10-31", locale) == date
    assert i18n.money(float("nan"), locale) == "–"


def test_other_currency_and_unknown_locale():
    assert i18n.money(1234.5, "en", currency="USD") == "USD 1,234.50"
    assert i18n.money(1234.5, "vi", currency="USD").startswith("1.234,50")
    with pytest.raises(ValueError, match="locale must be one of"):
        i18n.number(1, "fr")
