"""The result objects of the location tests: frozen, numbers and codes only.

Every result holds its headline numbers as plain fields, the detail as ``.table``, and what was left
out or is worth knowing as codes: ``excluded`` is an :class:`Exclusions` (a tuple of
``core.results.excluded(code, n)`` dicts) and ``notes`` a :class:`Notes` (a tuple of
``core.results.note(code, ...)`` dicts). :mod:`~kpi_analysis.promo.present` words them.

Examples
--------
>>> ex = Exclusions([{"code": "washout", "n": 12}, {"code": "outside_periods", "n": 2012}])
>>> ex["washout"], ex.get("missing_days"), "washout" in ex
(12, 0, True)
>>> Notes([{"code": "few_clusters", "n": 6}]).codes()
['few_clusters']
"""
from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from ..core.results import ResultMixin, code_counts, codes, jsonable
from . import present

__all__ = ["LEGACY_REASONS", "CrossoverResult", "DiDResult", "Exclusions", "MDEResult", "Notes", "PeriodTests",
           "PreCheck", "PromoResult"]

#: exclusion code -> the reason key results used before codes (accepted, with a DeprecationWarning,
#: for one release)
LEGACY_REASONS = {
    "blank_outcome": "blank outcome",
    "outside_periods": "outside the baseline and promotion periods",
    "missing_days": "missing location-days",
    "washout": "washout",
    "after_own_promotion": "after the location's own promotion",
    "blank_rows": "rows with a blank value",
    "incomplete_subjects": "subjects without both periods",
    "unpaired_days": "days with one unit missing",
}
_CODE_OF = {reason: code for code, reason in LEGACY_REASONS.items()}


def _code(key: str) -> str:
    """The exclusion code of ``key`` (a code, or an earlier reason key, with a warning)."""
    if key in _CODE_OF and _CODE_OF[key] != key:
        code = _CODE_OF[key]
        warnings.warn(f"excluded[{key!r}]: exclusions are codes now; use {code!r}. The old reason keys stop "
                      "working in the next release.", DeprecationWarning, stacklevel=3)
        return code
    return key


class Exclusions(tuple):
    """Rows an analysis left out: a tuple of ``{"code": ..., "n": ...}`` dicts.

    ``excluded["washout"]`` is the count for a code (``KeyError`` when absent, ``.get`` gives 0),
    ``"washout" in excluded`` asks whether a code is present, ``.counts()`` gives ``{code: n}``.
    Comparing with a dict compares those counts.
    """

    __slots__ = ()

    def __new__(cls, items: Iterable[Mapping] = ()):
        return super().__new__(cls, (dict(i) for i in items))

    def counts(self) -> dict[str, int]:
        """``{code: n}``, in the order the exclusions were made."""
        out: dict[str, int] = {}
        for item in self:
            out[item["code"]] = out.get(item["code"], 0) + int(item["n"])
        return out

    def get(self, code: str, default: int = 0) -> int:
        return self.counts().get(_code(code), default)

    def __getitem__(self, key):
        if isinstance(key, str):
            counts = self.counts()
            code = _code(key)
            if code not in counts:
                raise KeyError(key)
            return counts[code]
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        if isinstance(key, str):
            return _code(key) in self.counts()
        return super().__contains__(key)

    def __eq__(self, other) -> bool:
        if isinstance(other, Mapping):
            counts = {}
            for key, n in other.items():  # a loop, not a comprehension: the warning names the caller
                counts[_code(key)] = n
            return counts == self.counts()
        return super().__eq__(other)

    def __ne__(self, other) -> bool:
        return not self == other

    __hash__ = tuple.__hash__


class Notes(tuple):
    """What is worth knowing about a result: a tuple of ``{"code": ..., **values}`` dicts.

    ``"few_clusters" in notes`` asks whether a code is present; ``.codes()`` lists them.
    """

    __slots__ = ()

    def __new__(cls, items: Iterable[Mapping] = ()):
        first: dict[str, dict] = {}
        for item in items:  # one note per code: the first one made
            first.setdefault(item["code"], dict(item))
        return super().__new__(cls, first.values())

    def codes(self) -> list[str]:
        return [item["code"] for item in self]

    def __contains__(self, key) -> bool:
        if isinstance(key, str):
            return key in self.codes()
        return super().__contains__(key)

    __hash__ = tuple.__hash__


def _coded(excluded: Exclusions, notes: Notes) -> dict:
    return {"excluded": code_counts(excluded), "notes": codes(notes)}


@dataclass(frozen=True, eq=False)
class PreCheck(ResultMixin):
    """Baseline comparability of treated and control series (see :func:`~kpi_analysis.promo.prechecks`)."""

    correlation: float
    mape: float  # mean |treated - scaled control| / treated, as a fraction
    level_ratio: float  # baseline mean treated / control
    slope: float  # drift of the scaled difference, fraction of the level per 30 days
    slope_p: float  # test of no drift (HAC)
    equivalence_p: float  # TOST p-value of |slope| < margin
    margin: float
    placebo_estimate: float  # fake promotion in the second half of the baseline, fraction of level
    placebo_p: float
    comparable: bool  # no evidence of a difference (correlation, MAPE, drift, placebo); False if not computable
    trend_confirmed: bool  # equivalence of trends established
    reasons: tuple  # codes: "correlation", "mape", "trend", "placebo" ("no_variation" when not computable)
    n_days: int
    confidence: float
    table: pd.DataFrame = field(repr=False)
    method: str = "Pearson correlation; MAPE of the scaled difference; AR(1) GLS slope with TOST; placebo"
    computable: bool = True  # False when a series (or the scaled difference) is flat: every number NaN
    notes: Notes = field(default_factory=Notes)

    def headline(self) -> dict:
        keys = ["correlation", "mape", "level_ratio", "slope", "slope_p", "equivalence_p", "margin",
                "placebo_estimate", "placebo_p", "comparable", "trend_confirmed", "n_days", "computable"]
        return jsonable({k: getattr(self, k) for k in keys} | {"reasons": list(self.reasons),
                                                                "notes": codes(self.notes)})

    def summary(self, locale: str = "en") -> str:
        return present.precheck_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en"):
        return present.plot_precheck(self, ax, locale=locale)


@dataclass(frozen=True, eq=False)
class CrossoverResult(ResultMixin):
    """AB/BA crossover estimate (see :func:`~kpi_analysis.promo.crossover`)."""

    estimate: float  # treated - untreated, outcome units (or log units when scale="log")
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    statistic: float
    period_effect: float  # period 1 - period 2
    period_se: float
    carryover: float  # crossover: sums difference; daily: (D1 + D2) / 2 - D_baseline
    carryover_p: float
    n: int  # subjects (classic) or days with both units observed (daily)
    design: str  # "classic" or "daily"
    method: str
    inference: str
    lags: int
    confidence: float
    seed: int | None
    scale: str
    units: tuple  # (unit treated in period 1, unit treated in period 2)
    table: pd.DataFrame = field(repr=False)
    daily: pd.DataFrame | None = field(default=None, repr=False)
    excluded: Exclusions = field(default_factory=Exclusions)
    notes: Notes = field(default_factory=Notes)

    def headline(self) -> dict:
        keys = ["estimate", "se", "ci_low", "ci_high", "p_value", "df", "statistic", "period_effect",
                "period_se", "carryover", "carryover_p", "n", "design", "method", "inference", "lags",
                "confidence", "seed", "scale"]
        return jsonable({k: getattr(self, k) for k in keys} | {"units": list(self.units)}
                        | _coded(self.excluded, self.notes))

    def summary(self, locale: str = "en") -> str:
        return present.crossover_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en"):
        return present.plot_crossover(self, ax, locale=locale)


@dataclass(frozen=True, eq=False)
class DiDResult(ResultMixin):
    """Difference-in-differences estimate (see :func:`~kpi_analysis.promo.did`)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    statistic: float
    n: int
    n_units: int
    n_treated_units: int
    n_assignments: int
    method: str
    inference: str
    confidence: float
    seed: int | None
    table: pd.DataFrame = field(repr=False)
    residuals: pd.DataFrame | None = field(default=None, repr=False)
    excluded: Exclusions = field(default_factory=Exclusions)
    notes: Notes = field(default_factory=Notes)

    def headline(self) -> dict:
        keys = ["estimate", "se", "ci_low", "ci_high", "p_value", "df", "statistic", "n", "n_units",
                "n_treated_units", "n_assignments", "method", "inference", "confidence", "seed"]
        return jsonable({k: getattr(self, k) for k in keys} | _coded(self.excluded, self.notes))

    def summary(self, locale: str = "en") -> str:
        return present.did_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en"):
        return present.plot_did(self, ax, locale=locale)


@dataclass(frozen=True, eq=False)
class PromoResult(ResultMixin):
    """Location promotion test (see :func:`~kpi_analysis.promo.analyze`). Money is in the outcome's unit."""

    design: str  # "crossover" or "did"
    outcome: str
    estimate: float  # incremental outcome per promotion location-day
    ci_low: float
    ci_high: float
    p_value: float
    lift: float  # fraction: +0.12 = +12% over the counterfactual
    lift_ci_low: float
    lift_ci_high: float
    total: float  # incremental outcome over all analysed promotion location-days
    total_ci_low: float
    total_ci_high: float
    treated_days: int
    counterfactual_per_day: float
    significant: bool
    carryover_p: float
    comparable: bool
    trend_confirmed: bool
    pre_correlation: float
    pre_mape: float
    placebo_p: float
    equivalence_p: float
    method: str
    inference: str
    scale: str
    confidence: float
    seed: int | None
    washout_days: int
    dow_adjust: bool
    currency: str
    locations: tuple
    treated_locations: tuple
    baseline: tuple  # ISO start, end
    table: pd.DataFrame = field(repr=False)
    daily: pd.DataFrame = field(repr=False)
    schedule: pd.DataFrame = field(repr=False)
    prechecks: tuple = field(default=(), repr=False)
    model: object = field(default=None, repr=False)
    excluded: Exclusions = field(default_factory=Exclusions)
    notes: Notes = field(default_factory=Notes)
    robustness: tuple = field(default=(), repr=False)  # the other designs' headline numbers (dicts)
    design_rule: dict = field(default_factory=dict, repr=False)  # why the design: method asked, design, threshold

    def headline(self) -> dict:
        keys = ["design", "outcome", "estimate", "ci_low", "ci_high", "p_value", "lift", "lift_ci_low",
                "lift_ci_high", "total", "total_ci_low", "total_ci_high", "treated_days",
                "counterfactual_per_day", "significant", "carryover_p", "comparable", "trend_confirmed",
                "pre_correlation", "pre_mape", "placebo_p", "equivalence_p", "method", "inference",
                "scale", "confidence", "seed", "washout_days", "dow_adjust", "currency"]
        out = {k: getattr(self, k) for k in keys}
        out |= {"locations": list(self.locations), "treated_locations": list(self.treated_locations),
                "baseline": list(self.baseline)} | _coded(self.excluded, self.notes)
        out |= {"design_rule": self.design_rule, "robustness": [dict(c) for c in self.robustness],
                "robustness_disagree": any(c.get("disagrees") for c in self.robustness)}
        return jsonable(out)

    def summary(self, locale: str = "en") -> str:
        return present.promo_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en", **kwargs):
        """Three panels: observed series with periods shaded, daily effect with band, cumulative."""
        return present.plot_effect(self, ax=ax, locale=locale, **kwargs)


@dataclass(frozen=True, eq=False)
class MDEResult(ResultMixin):
    """Minimum detectable lift of a planned two-location crossover (see :func:`~kpi_analysis.promo.mde`)."""

    mde: float  # fraction of the level
    mde_per_day: float  # outcome units per promotion location-day
    days: int  # planned days per promotion period
    power: float
    confidence: float
    lift: float  # target lift for days_needed
    days_needed: int  # per promotion period, for `lift`
    level: float  # mean outcome per location-day in the history
    long_run_sd: float  # of the daily difference (HAC), outcome units
    history_days: int
    simulated_power: float  # detection rate of an injected lift = mde on history windows
    simulated_false_positive: float  # detection rate with no injected lift
    n_windows: int
    outcome: str
    scale: str
    currency: str
    locations: tuple
    method: str
    table: pd.DataFrame = field(repr=False)
    excluded: Exclusions = field(default_factory=Exclusions)
    notes: Notes = field(default_factory=Notes)
    seed: int | None = None

    def headline(self) -> dict:
        keys = ["mde", "mde_per_day", "days", "power", "confidence", "lift", "days_needed", "level",
                "long_run_sd", "history_days", "simulated_power", "simulated_false_positive",
                "n_windows", "outcome", "scale", "method"]
        return jsonable({k: getattr(self, k) for k in keys} | {"locations": list(self.locations)}
                        | _coded(self.excluded, self.notes))

    def summary(self, locale: str = "en") -> str:
        return present.mde_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en", **kwargs):
        return present.plot_mde(self, ax, locale=locale, **kwargs)


@dataclass(frozen=True, eq=False)
class PeriodTests(ResultMixin):
    """The promotion tests that ended in a report period (see :func:`~kpi_analysis.promo.analyze_period`)."""

    period: str  # the report period as given ("2026-03", "2026-Q1", ...)
    start: str  # ISO first and last day of the period
    end: str
    tests: pd.DataFrame = field(repr=False)  # test, locations, start, end, periods (schedule_tests)
    results: tuple = field(default=(), repr=False)  # one PromoResult per test, in the order of `tests`
    notes: Notes = field(default_factory=Notes)  # "no_test_ended" when none ended in the period

    @property
    def n_tests(self) -> int:
        return len(self.results)

    @property
    def table(self) -> pd.DataFrame:
        """One row per test: where and when, the design, the lift with its interval and the p-value."""
        rows = []
        for t, r in zip(self.tests.itertuples(), self.results, strict=True):
            rows.append({"test": t.test, "locations": ", ".join(t.locations), "start": t.start, "end": t.end,
                         "design": r.design, "lift": r.lift, "lift_ci_low": r.lift_ci_low,
                         "lift_ci_high": r.lift_ci_high, "p_value": r.p_value, "significant": r.significant})
        return pd.DataFrame(rows, columns=["test", "locations", "start", "end", "design", "lift", "lift_ci_low",
                                           "lift_ci_high", "p_value", "significant"])

    def headline(self) -> dict:
        return jsonable({"period": self.period, "start": self.start, "end": self.end, "n_tests": self.n_tests,
                         "tests": [r.headline() for r in self.results], "notes": codes(self.notes)})

    def summary(self, locale: str = "en") -> str:
        return present.period_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en", **kwargs):
        """The first test's three panels (:meth:`PromoResult.plot`); a short message when none ended."""
        return present.plot_period(self, ax, locale=locale, **kwargs)
