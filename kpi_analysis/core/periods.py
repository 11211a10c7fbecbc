"""Report periods and frequencies: one parser, one set of labels, for every analysis and the runner.

A *report period* is the stretch of time a report or an analysis answers for, written as text:
``"2026-10"`` (month), ``"2026-Q3"`` (quarter), ``"2026-W43"`` (ISO week, Monday to Sunday),
``"2026"`` (year). :func:`parse_period` turns it into a :class:`ReportPeriod` (kind, first and
last day). A *frequency* (``freq``) is the length of the periods a series is cut into: ``"W"``,
``"M"``, ``"Q"``, ``"Y"`` (:func:`freq_alias` gives the pandas alias).

Examples
--------
>>> p = parse_period("2026-Q3")
>>> p.kind, str(p.start.date()), str(p.end.date()), p.months
('quarter', '2026-07-01', '2026-09-30', 3)
>>> parse_period("2026-W43").start.strftime("%a %Y-%m-%d")
'Mon 2026-10-19'
>>> str(parse_period("2026-10").previous()), str(parse_period("2026-10").last_year())
('2026-09', '2025-10')
>>> period_label(parse_period("2026-10"), "vi")
'tháng 10/2026'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .. import i18n

__all__ = ["FREQS", "KINDS", "TRAILING_MONTHS", "TRAILING_WEEKS", "ReportPeriod", "freq_alias", "parse_period",
           "period_label", "period_of"]

#: frequency -> pandas period alias (weeks run Monday to Sunday, as ISO weeks do)
FREQS = {"W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}
#: period kind -> its frequency
KINDS = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}
#: A week or month too thin for a figure of its own is read over the trailing window ending with it: 13
#: ISO weeks, or 3 months (the NPS page, the scorecard's NPS and the weekly rep comparison all use it)
TRAILING_WEEKS = 13
TRAILING_MONTHS = 3

_t = i18n.catalog("periods", {
    "quarter": {"en": "Q{q} {year}", "vi": "quý {q}/{year}"},
    "year": {"en": "{year}", "vi": "năm {year}"},
    "week": {"en": "week {week} of {year} ({start} to {end})",
             "vi": "tuần {week}/{year} ({start} đến {end})"},
    "month": {"en": "{month} {year}", "vi": "tháng {month}/{year}"},
})
_FORMS = ("'2026-10' (month), '2026-Q3' (quarter), '2026-W43' (ISO week) or '2026' (year)")


@dataclass(frozen=True)
class ReportPeriod:
    """One report period: ``kind`` ("week", "month", "quarter", "year"), ``start`` (its first day) and
    ``end`` (its last day, midnight), and ``text`` (the canonical spelling, e.g. "2026-Q3")."""
    kind: str
    start: pd.Timestamp
    end: pd.Timestamp
    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def freq(self) -> str:
        return KINDS[self.kind]

    @property
    def months(self) -> int | None:
        """Calendar months in the period (None for a week)."""
        return {"month": 1, "quarter": 3, "year": 12}.get(self.kind)

    @property
    def days(self) -> int:
        return int((self.end - self.start).days) + 1

    def to_pandas(self) -> pd.Period:
        """The same period as a pandas ``Period`` (weeks ``W-SUN``)."""
        return pd.Period(self.start, FREQS[self.freq])

    def shift(self, n: int) -> ReportPeriod:
        """The period ``n`` periods of the same kind later (earlier for negative ``n``)."""
        return _from_pandas(self.to_pandas() + n)

    def previous(self) -> ReportPeriod:
        return self.shift(-1)

    def last_year(self) -> ReportPeriod:
        """The same period a year earlier (for weeks: the ISO week with the same number)."""
        if self.kind == "week":
            iso = self.start.isocalendar()
            return parse_period(f"{iso.year - 1}-W{min(iso.week, _iso_weeks(iso.year - 1)):02d}")
        return self.shift(-{"month": 12, "quarter": 4, "year": 1}[self.kind])

    def contains(self, when) -> bool:
        t = pd.Timestamp(when)
        return self.start <= t < self.end + pd.Timedelta(days=1)


def _iso_weeks(year: int) -> int:
    return pd.Timestamp(year=year, month=12, day=28).isocalendar().week


def _from_pandas(p: pd.Period) -> ReportPeriod:
    f = p.freqstr.split("-")[0]
    start, end = p.start_time.normalize(), p.end_time.normalize()
    if f.startswith("W"):
        iso = start.isocalendar()
        return ReportPeriod("week", start, end, f"{iso.year}-W{iso.week:02d}")
    if f.startswith("Q"):
        return ReportPeriod("quarter", start, end, f"{p.year}-Q{p.quarter}")
    if f.startswith(("Y", "A")):
        return ReportPeriod("year", start, end, f"{p.year}")
    return ReportPeriod("month", start, end, f"{p.year}-{p.month:02d}")


def period_of(day, kind: str) -> ReportPeriod:
    """The period of ``kind`` ("week", "month", "quarter", "year") that holds ``day``.

    >>> str(period_of("2026-10-21", "week")), str(period_of("2026-10-21", "quarter"))
    ('2026-W43', '2026-Q4')
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}; got {kind!r}.")
    return _from_pandas(pd.Period(pd.Timestamp(day), FREQS[KINDS[kind]]))


def parse_period(period) -> ReportPeriod:
    """A report period from its text: ``"2026-10"``, ``"2026-Q3"`` (or ``"2026Q3"``), ``"2026-W43"``, ``"2026"``.

    A :class:`ReportPeriod` or a pandas ``Period`` is accepted as it is. Anything else is refused
    naming the accepted forms; the text must match exactly (a trailing newline is not a period).
    """
    if isinstance(period, ReportPeriod):
        return period
    if isinstance(period, pd.Period):
        return _from_pandas(period)
    if not isinstance(period, str):
        raise TypeError(f"period must be text such as {_FORMS}; got {period!r}.")
    text = period.strip().upper() if period == period.strip() else period
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        if not 1 <= int(m[2]) <= 12:
            raise ValueError(f"period {period!r}: the month must be 01-12.")
        return _from_pandas(pd.Period(text, "M"))
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", text):
        return _from_pandas(pd.Period(f"{m[1]}Q{m[2]}", "Q-DEC"))
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
        year, week = int(m[1]), int(m[2])
        if not 1 <= week <= _iso_weeks(year):
            raise ValueError(f"period {period!r}: {year} has ISO weeks 01-{_iso_weeks(year)}.")
        start = pd.Timestamp.fromisocalendar(year, week, 1)
        return ReportPeriod("week", start, start + pd.Timedelta(days=6), f"{year}-W{week:02d}")
    if re.fullmatch(r"\d{4}", text):
        return _from_pandas(pd.Period(text, "Y-DEC"))
    raise ValueError(f"period must look like {_FORMS}; got {period!r}.")


def freq_alias(freq: str, *, anchor=None) -> str:
    """The pandas period alias of a frequency ``"W"``, ``"M"``, ``"Q"``, ``"Y"`` (anchored aliases such as
    ``"Q-OCT"``, ``"W-SUN"`` pass through). ``anchor`` (a month) ends quarters with that month:
    ``freq_alias("Q", anchor="2026-10")`` is ``"Q-OCT"``, so the last quarter ends with the report month.
    """
    if not isinstance(freq, str):
        raise TypeError(f"freq must be text such as 'W', 'M', 'Q', 'Y' or 'Q-OCT'; got {freq!r}.")
    f = freq.upper()
    if f == "Q" and anchor not in (None, ""):
        return "Q-" + pd.Timestamp(str(anchor)[:7] + "-01").strftime("%b").upper()
    if f in FREQS:
        return FREQS[f]
    if f.startswith(("Q-", "W-", "Y-")):
        try:
            pd.Period("2026-01-01", freq=f)
        except (ValueError, TypeError) as err:
            raise ValueError(f"freq {freq!r} is not a pandas period alias ({err}).") from None
        return f
    raise ValueError(f"freq must be one of {list(FREQS)} or an anchored alias such as 'Q-OCT'; got {freq!r}.")


def period_label(period, locale: str = "en") -> str:
    """A period in words: 'October 2026' / 'tháng 10/2026', 'Q3 2026' / 'quý 3/2026', 'week 43 of 2026 (…)'."""
    p = parse_period(period)
    if p.kind == "month":
        # English names the month, Vietnamese numbers it ("tháng 10/2026", as Vietnamese managers write it)
        name = p.start.strftime("%B") if i18n.check_locale(locale) == "en" else str(p.start.month)
        return _t("month", locale, month=name, year=p.start.year)
    if p.kind == "quarter":
        return _t("quarter", locale, q=(p.start.month - 1) // 3 + 1, year=p.start.year)
    if p.kind == "year":
        return _t("year", locale, year=p.start.year)
    iso = p.start.isocalendar()
    return _t("week", locale, week=iso.week, year=iso.year, start=i18n.date(p.start, locale),
              end=i18n.date(p.end, locale))
