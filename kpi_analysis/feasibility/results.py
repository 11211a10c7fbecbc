"""The frozen objects of a feasibility assessment: what was asked, what was simulated, what it means.

- :class:`Prepared`: the monthly series the models are fitted to;
- :class:`Question`: the KPI, the target period and the settings of the assessment;
- :class:`Simulation`: everything fixed before a target is scored (paths, backtest, drivers, exclusions);
- :class:`Feasibility`: the result for one target (re-scored for another one with ``retarget``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.checks import check_choice
from ..core.results import ResultMixin, jsonable
from . import stats

__all__ = ["Feasibility", "Prepared", "Question", "Simulation"]


@dataclass(frozen=True, eq=False)
class Prepared:
    """The monthly values the models are fitted to: contiguous months, no NaN, month-start index."""

    y: pd.Series
    log: bool  # fitted on the log scale (every value > 0)
    seasonal: bool  # at least two seasons: the models have a seasonal part


@dataclass(frozen=True, eq=False)
class Question:
    """What an assessment asks, fixed by :func:`~kpi_analysis.feasibility.assess` before any simulation."""

    kpi: str  # name of the KPI in sentences and the SMART check
    target_period: str  # "2027-Q1", as given
    start: pd.Timestamp  # first month of the target period
    end: pd.Timestamp  # last month of the target period (its first day)
    months: int  # months in the target period
    direction: str
    interval: float  # level of the forecast interval and of the backtest coverage check
    bands: tuple  # verdict thresholds
    seed: int
    n_paths: int
    scope: str = ""
    perspective: str = ""
    max_horizon: int = 12
    currency: str | None = None


@dataclass(frozen=True, eq=False)
class Simulation:
    """Everything an assessment fixes before a target is scored; ``retarget`` reuses it as it is."""

    prepared: Prepared
    paths: Mapping[str, np.ndarray]  # model -> (n_paths, horizon) simulated months, original units
    future: pd.DatetimeIndex  # the simulated months
    models: tuple  # model families, as asked ("ets", "sarima_boot")
    model_keys: tuple  # the variants fitted ("ets" or "ets_ns", "sarima_boot" or "arima_boot")
    backtest: pd.DataFrame
    horizon: int  # months from the last month of data to the end of the target period
    last: pd.Timestamp  # last month of data used
    drivers: pd.DataFrame | None = None  # monthly drivers indexed by month, up to ``last``
    excluded: tuple = ()  # core.results.excluded(...) dicts
    notes: tuple = ()  # core.results.note(...) dicts
    weights: Mapping[str, float] | None = None  # model -> weight of the combination (from the backtest)


@dataclass(frozen=True, eq=False)
class Feasibility(ResultMixin):
    """Result of :func:`~kpi_analysis.feasibility.assess`; see its docstring for every field."""

    kpi: str
    period: str  # the target period (``target_period``); the field keeps its name for the manifest
    basis: str
    target_input: float
    target: float  # absolute target for the whole period (expected value if the baseline is simulated)
    baseline: float  # comparison value: same period last year, LTM scaled to the period, or NaN
    target_growth: float  # growth vs the same period last year the target implies (NaN if unknown)
    direction: str
    p_hit: float
    p_hit_low: float
    p_hit_high: float
    verdict: str
    forecast_median: float
    forecast_mean: float
    forecast_low: float
    forecast_high: float
    observed_months: int
    observed_value: float
    horizon: int  # months from the last month of data to the end of the period
    growth_percentile: float
    n_growth_history: int
    coverage: float  # backtest: share of period totals inside their interval (level = confidence)
    coverage_month: float
    n_backtest: int
    method: str
    confidence: float  # the forecast interval level (``interval``); the field keeps its name for the manifest
    seed: int
    n_paths: int
    bands: tuple
    last_month: str
    scope: str = ""
    perspective: str = ""
    currency: str | None = None
    calibration: str = "calib_none"  # the backtest's verdict on the combined interval (stats.calibration)
    weights: Mapping[str, float] = field(default=None)  # model variant -> weight in the combined P(hit)
    excluded: tuple = ()  # core.results.excluded(code, n, ...) dicts
    notes: tuple = ()  # core.results.note(code, ...) dicts
    table: pd.DataFrame = field(default=None, repr=False)  # one row per model
    drivers: pd.DataFrame | None = field(default=None, repr=False)  # driver requirements
    smart: pd.DataFrame = field(default=None, repr=False)  # criterion, status, reason_key, values
    backtest: pd.DataFrame = field(default=None, repr=False)
    question: Question = field(default=None, repr=False)
    simulation: Simulation = field(default=None, repr=False)
    totals: Mapping[str, np.ndarray] = field(default=None, repr=False)  # model -> simulated period totals
    targets: Mapping[str, np.ndarray] = field(default=None, repr=False)  # model -> target per path
    past_growth: pd.Series = field(default=None, repr=False)  # past year-on-year changes of period totals

    # ---- the vocabulary's names for two fields the manifest keeps
    @property
    def target_period(self) -> str:
        """The period the target is set for (the field ``period``)."""
        return self.period

    @property
    def interval(self) -> float:
        """The forecast interval level (the field ``confidence``)."""
        return self.confidence

    # ---- derived views
    def p_hit_at(self, target: float) -> float:
        """Combined P(hit) for another *absolute* target, from the cached paths (no refit)."""
        w = self.simulation.weights or {m: 1 / len(self.totals) for m in self.totals}
        return float(sum(w[m] * np.mean(stats.hit(t, target, self.direction)) for m, t in self.totals.items()))

    def retarget(self, target: float, *, basis: str | None = None) -> Feasibility:
        """The same assessment for another target, reusing the simulated paths (instant)."""
        from .api import evaluate

        return evaluate(self.question, self.simulation, target=target, basis=basis or self.basis)

    def smart_table(self, locale: str = "en") -> pd.DataFrame:
        """The SMART check with criterion names, statuses and reasons in ``locale``."""
        from .present import smart_table

        return smart_table(self, locale)

    def driver_table(self, locale: str = "en") -> pd.DataFrame | None:
        """The driver table with translated driver names (numbers unchanged, rates as fractions)."""
        from .present import driver_table

        return driver_table(self, locale)

    def format_value(self, value: float, locale: str = "en") -> str:
        """A value of the KPI as the sentences show it (money in ``currency`` if set)."""
        from .present import format_value

        return format_value(value, locale, currency=self.currency)

    # ---- the contract
    def headline(self) -> dict:
        keys = ["kpi", "period", "basis", "target_input", "target", "baseline", "target_growth", "direction",
                "p_hit", "p_hit_low", "p_hit_high", "verdict", "forecast_median", "forecast_low",
                "forecast_high", "growth_percentile", "n_growth_history", "coverage", "coverage_month",
                "n_backtest", "calibration", "method", "confidence", "seed", "n_paths", "last_month"]
        out = {k: getattr(self, k) for k in keys}
        out["excluded"] = {e["code"]: e["n"] for e in self.excluded}
        out["p_hit_by_model"] = dict(zip(self.table["model"], self.table["p_hit"], strict=True))
        out["weights"] = dict(self.weights or {})
        out["smart"] = dict(zip(self.smart["criterion"], self.smart["status"], strict=True))
        if self.drivers is not None:
            d = self.drivers.set_index("driver")
            cols = ["baseline", "needed_alone", "needed_shared", "percentile_alone", "percentile_shared",
                    "share_alone", "share_shared", "past_median"]
            out["drivers"] = {k: {c: d.loc[k, c] for c in cols} for k in stats.DRIVERS}
        out["notes"] = [n["code"] for n in self.notes]
        return jsonable(out)

    def summary(self, locale: str = "en", *, scenario: str | bool | None = None) -> str:
        """The sentences in ``locale``, the verdict first; ``scenario`` (a name, or True) labels a second
        target on the same paths."""
        from .present import summary

        return summary(self, locale, scenario=scenario)

    def _repr_html_(self) -> str:
        from .present import html

        return html(self)

    def plot(self, ax=None, *, kind: str = "fan", locale: str = "en", months_shown: int = 24, **kwargs):
        """Draw ``kind`` = ``"fan"`` (history, forecast fan, target), ``"totals"`` (simulated totals,
        P(hit) shaded) or ``"drivers"`` (growth needed per driver vs its past changes); returns ax."""
        from .. import i18n
        from .present import plot

        check_choice(kind, name="kind", options=["fan", "totals", "drivers"])
        i18n.check_locale(locale)
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        return plot(self, ax, kind=kind, locale=locale, months_shown=months_shown, **kwargs)
