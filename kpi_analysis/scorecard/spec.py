"""What the scorecard knows about its KPIs, its settings and its periods (no data, no words).

Every other module of the package reads its constants and rules from here: the KPI catalogue
(:data:`SPEC`), the names of the tables it reads, the columns of the reduced table, the settings and
their defaults (:func:`resolve_settings`), and the reporting period (:func:`period_of`).

Examples
--------
>>> str(period_of("2026-10", "M")), str(period_of("2026-10", "Q")), str(period_of("2026-10", "W"))
('2026-10', '2026Q4', '2026-10-19/2026-10-25')
>>> SPEC["cac"].unit, SPEC["cac"].direction, SPEC["cac"].change
('money', 'lower_is_better', 'sd')
>>> CONCEPTS["revenue"], period_text(pd.Period("2026-10-19", "W-SUN"))
('shop_sales', '2026-W43')
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.checks import check_choice, closest
from ..core.periods import freq_alias, parse_period
from ..nps.constants import MIN_PERIOD_N

__all__ = ["ALL", "CONCEPTS", "DEFAULTS", "FREQS", "KEY_COLUMNS", "KPIS", "MIN_N", "PER_YEAR", "REDUCED_COLUMNS",
           "SPEC", "STATUSES", "SURVEY_KPIS", "TABLES", "KpiSpec", "as_period", "is_missing", "pandas_freq",
           "period_of", "period_text", "resolve_settings", "to_float"]


class KpiSpec(NamedTuple):
    """One KPI: its unit, default direction and perspective (used only when neither ``kpi_targets`` nor
    the config sets them), how monthly targets combine into a longer period ("sum", "mean", "last"),
    how a change is judged ("sd", "proportion", "mean", "nps") and the tables it needs."""
    unit: str
    direction: str
    perspective: str
    combine: str
    change: str
    tables: tuple


SPEC = {
    "new_leads": KpiSpec("count", "higher_is_better", "customer", "sum", "sd", ("leads",)),
    "leads_contacted_share": KpiSpec("share", "higher_is_better", "internal", "mean", "proportion", ("leads",)),
    "cac": KpiSpec("money", "lower_is_better", "financial", "mean", "sd", ("leads", "marketing_spend")),
    "revenue": KpiSpec("money", "higher_is_better", "financial", "sum", "sd", ("sales",)),
    "orders": KpiSpec("count", "higher_is_better", "financial", "sum", "sd", ("sales",)),
    "price_index": KpiSpec("ratio", "lower_is_better", "customer", "mean", "sd", ("competitor_prices",)),
    "client_engagement": KpiSpec("share", "higher_is_better", "customer", "mean", "proportion",
                                 ("client_activity",)),
    "clients_at_risk": KpiSpec("count", "lower_is_better", "customer", "last", "sd", ("client_activity",)),
    "employee_satisfaction": KpiSpec("score", "higher_is_better", "learning", "mean", "mean",
                                     ("employee_survey",)),
    "enps": KpiSpec("points", "higher_is_better", "learning", "mean", "nps", ("employee_survey",)),
    "nps": KpiSpec("points", "higher_is_better", "customer", "mean", "nps", ("nps_responses",)),
}
KPIS = tuple(SPEC)
#: KPI id -> the concept it measures, for ``record(..., concept=concept_id(concept, period))``: the same concept
#: for the same period must have the same value in every notebook (``revenue`` is the shops' sales, not the
#: value of won deals)
CONCEPTS = {"new_leads": "new_leads", "leads_contacted_share": "leads_contacted_share", "cac": "cac",
            "revenue": "shop_sales", "orders": "orders", "price_index": "price_index",
            "client_engagement": "client_engagement", "clients_at_risk": "clients_at_risk",
            "employee_satisfaction": "employee_satisfaction", "enps": "enps", "nps": "nps"}
#: smallest sample (answers, clients, leads) of a period that gets an interval and a change test, by how the KPI is
#: judged: below it the score test and the Wilson interval of a share are too discrete (at 10 answers the test
#: rejects 2-4% at nominal 5% and Wilson covers 97-98%; benchmarks/calibration_studies/scorecard.py)
MIN_N = {"proportion": 30, "mean": 10, "nps": 30}
TABLES = ("leads", "marketing_spend", "sales", "competitor_prices", "client_activity", "employee_survey",
          "nps_responses", "kpi_targets")  # every table the scorecard reads; each one is optional
STATUSES = ("green", "amber", "red", "no_target", "no_data")
REDUCED_COLUMNS = ["kpi", "period", "by", "group", "value", "numerator", "denominator", "sum_sq",
                   "detractors", "passives", "promoters", "excluded"]
ALL = "all"  # `by` and `group` of the overall (not broken down) rows
#: grouping columns of each table (checked for values that differ only by case)
KEY_COLUMNS = {"leads": ["source"], "marketing_spend": ["channel"], "sales": ["location"],
               "competitor_prices": ["product"], "employee_survey": ["team"], "nps_responses": ["region"]}
SURVEY_KPIS = ("employee_satisfaction", "enps")
FREQS = ("M", "Q", "W", "Y")
PER_YEAR = {"M": 12, "Q": 4, "W": 52, "Y": 1}
DEFAULTS = {"tolerance": 0.05, "contact_days": 3, "risk_days": 60, "lost_days": 120, "change_sd": 2.0,
            "history": 24, "min_history": 6, "survey_max_age_days": 92, "sparkline_periods": 12,
            "nps_min_n": MIN_PERIOD_N}


def is_missing(x) -> bool:
    """None, NaN, NaT or pd.NA.

    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NaT), is_missing(0.0)
    (True, True, True, False)
    """
    return x is None or (isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))


def to_float(x) -> float:
    """``x`` as a float, NaN when missing.

    >>> to_float(3), to_float(None)
    (3.0, nan)
    """
    return float("nan") if is_missing(x) else float(x)


def pandas_freq(freq: str) -> str:
    """The pandas period alias of a scorecard frequency {"M", "Q", "W", "Y"} (weeks Monday to Sunday, as ISO
    weeks).

    >>> pandas_freq("M"), pandas_freq("Q"), pandas_freq("W"), pandas_freq("Y")
    ('M', 'Q-DEC', 'W-SUN', 'Y-DEC')
    """
    check_choice(freq, name="freq", options=list(FREQS))
    return freq_alias(freq)


def as_period(text: str, freq: str) -> pd.Period:
    """A period of the reduced table ("2026-10", "2026Q4", "2026-10-26/2026-11-01") as a pandas Period.

    >>> as_period("2026Q4", "Q").start_time.date(), as_period("2026-10-26/2026-11-01", "W").end_time.date()
    (datetime.date(2026, 10, 1), datetime.date(2026, 11, 1))
    """
    return pd.Period(text, pandas_freq(freq))


def period_text(p, freq: str | None = None) -> str:
    """The canonical text of a period ("2026-10", "2026-W43", "2026-Q3", "2026"), from a pandas ``Period``, a
    report period, its text, or a period of the reduced table ("2026Q3", "2026-10-19/2026-10-25" with ``freq``).

    >>> period_text(pd.Period("2026Q3", "Q-DEC")), period_text("2026-10-19/2026-10-25", "W")
    ('2026-Q3', '2026-W43')
    """
    if isinstance(p, str) and freq is not None:
        try:
            return parse_period(p).text
        except ValueError:
            p = as_period(p, freq)
    return parse_period(p).text


def period_of(period: str, freq: str = "M") -> pd.Period:
    """The reporting period of the deprecated ``build(period=..., freq=...)`` form: "2026-10" is October (M),
    Q4 2026 (Q), or the last full week of October (W).

    Besides a month, a quarter accepts "2026Q4" / "2026-Q4" and a week any day in it ("2026-10-26")
    or its span ("2026-10-26/2026-11-01"). The period text alone now says its kind
    (:func:`kpi_analysis.core.periods.parse_period`: "2026-10", "2026-W43", "2026-Q3", "2026").

    Examples
    --------
    >>> period_of("2026-Q3", "Q"), period_of("2026-10-28", "W")
    (Period('2026Q3', 'Q-DEC'), Period('2026-10-26/2026-11-01', 'W-SUN'))
    """
    fr = pandas_freq(freq)
    if not isinstance(period, str):
        raise TypeError(f"period must be a string such as '2026-10'; got {period!r}.")
    forms = {"M": r"\d{4}-\d{2}", "Q": r"\d{4}-\d{2}|\d{4}-?Q[1-4]",
             "W": r"\d{4}-\d{2}|\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?", "Y": r"\d{4}(-\d{2})?"}
    if not re.fullmatch(forms[freq], period.strip()):
        raise ValueError(f"period {period!r} is not a {freq} period: use YYYY-MM (e.g. '2026-10')"
                         + {"M": ".", "Q": " or YYYYQn ('2026Q4').",
                            "W": " or a day in the week ('2026-10-26').", "Y": " or YYYY ('2026')."}[freq])
    try:
        if freq == "W" and len(period) == 7:  # a month given for a weekly report: its last full week
            month_end = pd.Period(period, "M").end_time.normalize()
            week = pd.Period(month_end, fr)
            return week if week.end_time.normalize() <= month_end else week - 1
        if freq == "Q" and "-Q" in period:
            period = period.replace("-", "")
        if freq == "Y":
            period = period[:4]
        return pd.Period(period, fr)
    except (ValueError, TypeError) as err:
        raise ValueError(f"period {period!r} is not a {freq} period (e.g. '2026-10'): {err}") from None


def resolve_settings(config, **given) -> dict:
    """The scorecard's settings: explicit keyword > ``config["analyses"]["scorecard"]`` > built-in default.

    Examples
    --------
    >>> s = resolve_settings({"analyses": {"scorecard": {"risk_days": 45}}}, contact_days=5)
    >>> s["contact_days"], s["risk_days"], s["lost_days"]
    (5, 45, 120)
    """
    cfg = {}
    if config:
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a dict (the workbook settings); got {type(config).__name__}.")
        cfg = dict(((config.get("analyses") or {}).get("scorecard")) or {})
    out = dict(DEFAULTS)
    out["channel_map"] = {}
    out["kpis"] = list(KPIS)
    for key, value in cfg.items():
        if key not in out:
            raise ValueError(f"analyses.scorecard.{key}: unknown setting; did you mean "
                             f"{closest(key, out)}? Settings: {sorted(out)}.")
        out[key] = value
    out.update({k: v for k, v in given.items() if v is not None})
    for key in ("contact_days", "risk_days", "lost_days", "history", "min_history", "sparkline_periods",
                "nps_min_n"):
        if not isinstance(out[key], (int, np.integer)) or isinstance(out[key], bool) or out[key] < 1:
            raise ValueError(f"{key} must be a whole number >= 1; got {out[key]!r}.")
    for key in ("change_sd", "survey_max_age_days"):
        if isinstance(out[key], bool) or not isinstance(out[key], (int, float)) or out[key] <= 0:
            raise ValueError(f"{key} must be a positive number; got {out[key]!r}.")
    if not isinstance(out["channel_map"], Mapping):
        raise TypeError(f"channel_map must map lead sources to spend channels; got {out['channel_map']!r}.")
    unknown = [k for k in out["kpis"] if k not in SPEC]
    if unknown:
        raise ValueError(f"kpis: unknown KPI id(s) {unknown}; did you mean "
                         f"{[closest(k, KPIS) for k in unknown]}? The ids are {list(KPIS)}.")
    return out
