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
    """Import every module of the package, sub-packages' too (an analysis registers its catalogues in
    its present.py, which its ``__init__`` may not import)."""
    for mod in pkgutil.walk_packages(kpi_analysis.__path__, prefix="kpi_analysis."):
        if mod.name not in ("kpi_analysis.cli",):
            importlib.import_module(mod.name)


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
    ("vi", "1.234.567 ₫", "1.234.567,89", "+12,3%", "31/10/2026"),
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


# ------------------------------------------------------------------------------------ dates and months
@pytest.mark.parametrize("locale,day,month", [
    ("en", "Dec 2, 2026", "October 2026"),
    ("vi", "02/12/2026", "tháng 10/2026"),
])
def test_dates_and_months_as_managers_write_them(locale, day, month):
    import datetime as dt

    import pandas as pd

    for value in ("2026-12-02", dt.date(2026, 12, 2), pd.Timestamp("2026-12-02 13:05")):
        assert i18n.date(value, locale) == day
    for value in ("2026-10", "2026-10-01", pd.Timestamp("2026-10-31")):
        assert i18n.month(value, locale) == month
    assert i18n.date(None, locale) == i18n.date(pd.NaT, locale) == "–"
    assert i18n.month("2026-01", "vi") == "tháng 1/2026"  # no leading zero, as written by hand
    assert i18n.date("2026-01-05", "vi") == "05/01/2026"  # day first, both padded


def test_dates_in_a_vietnamese_table_and_sentence():
    import pandas as pd

    t = pd.DataFrame({"date": pd.to_datetime(["2026-10-02", "2026-10-31"]),
                      "month": pd.to_datetime(["2026-09-01", "2026-10-01"])})
    frame = i18n.display_table(t, "vi").frame
    assert frame["Ngày"].tolist() == ["02/10/2026", "31/10/2026"]
    assert frame["Tháng"].tolist() == ["tháng 9/2026", "tháng 10/2026"]
    assert "thg" not in i18n.date("2026-10-31", "vi") + i18n.month("2026-10", "vi")


# --------------------------------------------------------------------------------- the glossary's words
def _rejected_in(text: str) -> list[str]:
    """The glossary's rejected Vietnamese spellings found in ``text`` (placeholders left out)."""
    import re

    bare = re.sub(r"\{[^{}]*\}", " ", text)
    return [bad for bad in i18n.rejected_terms()
            if re.search(rf"(?<!\w){re.escape(bad)}(?!\w)", bare, flags=re.IGNORECASE)]


def test_the_rejected_check_finds_what_it_should():
    assert _rejected_in("KTC 95% từ +1 đến +3") == ["KTC"]
    assert _rejected_in("Mở sổ tay (.ipynb)") == ["sổ tay"]
    assert _rejected_in("{stratum} chỉ do {rep} phụ trách") == []  # a placeholder is not a word shown
    assert _rejected_in("khoảng tin cậy 95%; KTCX") == []
    assert "đã chốt" in i18n.rejected_terms() and i18n.rejected_terms()["KTC"] == i18n.term("confidence_interval", "vi")


def test_no_vietnamese_message_uses_a_spelling_the_glossary_rejects():
    _import_all()
    found = {f"{ns}.{key}": (bad, texts["vi"]) for ns, messages in i18n.catalogs().items()
             for key, texts in messages.items() for bad in _rejected_in(texts["vi"])}
    assert not found, "use the glossary's words (kpi_analysis/glossary.csv): " + "\n".join(
        f"{k}: {bad!r} in {text!r}" for k, (bad, text) in sorted(found.items()))


def test_no_template_or_vietnamese_notebook_text_uses_a_rejected_spelling():
    import json
    from pathlib import Path

    root = Path(kpi_analysis.__file__).parent
    texts = {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in root.rglob("*.j2")}
    # every notebook's Vietnamese narrative (cells tagged lang-vi)
    for path in sorted((root.parent / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        texts[path.name] = "\n".join("".join(c["source"]) for c in nb["cells"]
                                     if "lang-vi" in c.get("metadata", {}).get("tags", []))
        assert texts[path.name], f"{path.name} has no Vietnamese narrative"
    found = {name: _rejected_in(text) for name, text in texts.items() if _rejected_in(text)}
    assert not found, f"rejected Vietnamese spellings: {found}"
