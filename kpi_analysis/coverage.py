"""Which months the data covers, and whether a report period is inside them.

A monthly job that runs before the month's export lands must not publish the month as if it were
complete. Each event table (leads, sales, NPS answers, client activity, competitor prices) covers
the months from its first date to its last *complete* month; a report period outside any of them is
refused (:class:`CoverageError`, exit code 4 of ``kpi-report``) unless a partial report is asked
for, and then the report says which tables are partial or missing.

``employee_survey`` (a survey every few months), ``marketing_spend`` (one row per month) and
``kpi_targets`` (targets may run into the future) have their own rules in the scorecard and are not
checked here.

Examples
--------
>>> import pandas as pd
>>> days = pd.Series(pd.date_range("2026-01-01", "2026-10-28"))
>>> table_coverage(days, "sales").last_complete
'2026-09'
>>> weeks = pd.Series(pd.date_range("2026-01-05", "2026-10-26", freq="7D"))
>>> table_coverage(weeks, "competitor_prices").last_complete   # weekly: the 26th is the last of October
'2026-10'
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace

import pandas as pd

from . import i18n
from .core.periods import parse_period, period_of

__all__ = ["EVENT_DATES", "CoverageError", "PeriodCoverage", "TableCoverage", "check_period", "from_range", "last_complete_period",
           "table_coverage",
           "workbook_coverage"]

#: The event tables and the date column whose range is their coverage.
EVENT_DATES = {"leads": "created_at", "sales": "date", "nps_responses": "responded_at",
               "client_activity": "date", "competitor_prices": "date"}


_t = i18n.catalog("coverage", {
    "refused": {"en": "the data does not cover {period}:", "vi": "dữ liệu chưa bao phủ {period}:"},
    "range": {"en": "{table} runs from {first} to {last} (complete months {start} to {end})",
              "vi": "{table} có dữ liệu từ {first} đến {last} (các tháng đầy đủ từ {start} đến {end})"},
    "no_dates": {"en": "{table} has no dates", "vi": "{table} không có ngày nào"},
    "how": {"en": "Run again when the data for {period} is complete, or publish a partial report on purpose with "
                  "--allow-partial (report.allow_partial in workbook.yml); it then says which tables are partial.",
            "vi": "Hãy chạy lại khi dữ liệu của {period} đã đủ, hoặc phát hành có chủ ý một báo cáo chưa đủ dữ liệu "
                  "với --allow-partial (report.allow_partial trong workbook.yml); báo cáo khi đó ghi rõ bảng nào "
                  "chưa đủ."},
})


class CoverageError(ValueError):
    """The report period is not covered by the data (``kpi-report`` exit code 4)."""
    exit_code = 4


@dataclass(frozen=True)
class TableCoverage:
    """The dates of one event table: first and last day, the usual gap between dates (``cadence_days``),
    and the first and last month it covers completely ("YYYY-MM")."""
    table: str
    first: str
    last: str
    cadence_days: int
    first_complete: str
    last_complete: str

    def covers(self, period) -> bool:
        """Whether the table covers a report period (month, quarter, ISO week or year) from end to end.

        Within one cadence of each end: daily data must reach the last day; data observed weekly
        (competitor prices) may end up to six days before it.
        """
        p = parse_period(period)
        slack = pd.Timedelta(days=self.cadence_days - 1)
        return pd.Timestamp(self.first) <= p.start + slack and pd.Timestamp(self.last) >= p.end - slack

    def last_complete_of(self, kind: str) -> str:
        """The latest period of ``kind`` ("week", "month", "quarter", "year") the table covers."""
        p = period_of(self.last, kind)
        return str(p if self.covers(p) else p.previous())


def table_coverage(dates: pd.Series, table: str) -> TableCoverage | None:
    """Coverage of one table from its dates (None when it has no date at all).

    A month is complete when the table's last date is within one ``cadence`` of the month's end:
    daily data must reach the last day; data observed weekly (competitor prices) may end up to six
    days before it. The cadence is the mean gap between distinct days, rounded, at least one day.
    """
    days = pd.to_datetime(dates, errors="coerce").dropna().dt.normalize()
    if days.empty:
        return None
    return from_range(table, days.min(), days.max(), days.nunique())


def from_range(table: str, first: pd.Timestamp, last: pd.Timestamp, distinct: int) -> TableCoverage:
    """Coverage from a table's first and last day and its number of distinct days (what a database
    answers in one query)."""
    first, last = pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()
    cadence = max(1, round((last - first).days / (distinct - 1))) if distinct > 1 else 1
    cov = TableCoverage(table, first.date().isoformat(), last.date().isoformat(), int(min(cadence, 31)), "", "")
    start = period_of(first, "month")
    start = start if cov.covers(start) else start.shift(1)
    return replace(cov, first_complete=str(start), last_complete=cov.last_complete_of("month"))


def workbook_coverage(wb) -> dict[str, TableCoverage | None]:
    """Coverage of every event table the workbook has (None for a table without dates).

    Tables read from files are loaded (and validated) as the notebooks will load them; tables in a
    database or Parquet are asked for their first and last day where they are.
    """
    out = {}
    for table, column in EVENT_DATES.items():
        if not wb.has(table):
            continue
        out[table] = wb.date_coverage(table, column)
    return out


@dataclass(frozen=True)
class PeriodCoverage:
    """How a report period is covered: tables ``complete``, ``partial`` (the period runs past their
    data or starts before it) and ``missing`` (not in the workbook), with each table's coverage."""
    period: str
    complete: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    tables: dict[str, dict] = field(default_factory=dict)

    @property
    def is_partial(self) -> bool:
        return bool(self.partial)

    def to_dict(self) -> dict:
        return asdict(self)


def check_period(coverage: Mapping[str, TableCoverage | None], period: str, *, allow_partial: bool = False,
                 missing: list[str] | None = None, locale: str = "en") -> PeriodCoverage:
    """Refuse a report ``period`` (month, quarter, ISO week or year) that an event table does not cover,
    unless ``allow_partial``.

    Raises
    ------
    CoverageError
        Naming each table whose data does not cover the period, with its date range, and the two ways
        on: wait for the data, or ``--allow-partial`` to publish a partial report on purpose.
    """
    p = parse_period(period)
    complete, partial, tables = [], [], {}
    for table, cov in coverage.items():
        tables[table] = asdict(cov) if cov is not None else None
        (complete if cov is not None and cov.covers(p) else partial).append(table)
    missing = [t for t in EVENT_DATES if t not in coverage] if missing is None else list(missing)
    result = PeriodCoverage(str(p), complete, partial, missing, tables)
    if partial and not allow_partial:
        lines = [_describe(t, coverage[t], locale) for t in partial]
        raise CoverageError(_t("refused", locale, period=p) + "\n- " + "\n- ".join(lines) + "\n"
                            + _t("how", locale, period=p))
    return result


def _describe(table: str, cov: TableCoverage | None, locale: str) -> str:
    if cov is None:
        return _t("no_dates", locale, table=table)
    return _t("range", locale, table=table, first=cov.first, last=cov.last, start=cov.first_complete,
              end=cov.last_complete)


def last_complete_period(coverage: Mapping[str, TableCoverage | None], kind: str = "month") -> str | None:
    """The latest period of ``kind`` a daily event table covers completely: what a scheduled run reports on.

    The *latest*, not the earliest: a table whose export is late (or stopped) makes the run refuse
    that period, naming the table, instead of quietly reporting an older one again. Tables observed
    less often than daily (weekly competitor prices) do not choose the period, since one Monday
    observation covers its whole week; they are still checked against it.
    """
    tables = [c for c in coverage.values() if c is not None]
    daily = [c for c in tables if c.cadence_days <= 1] or tables
    ends = [parse_period(c.last_complete_of(kind)) for c in daily]
    return str(max(ends, key=lambda p: p.start)) if ends else None
