"""The rep comparison's frozen results: headline numbers as fields, detail tables, words and charts.

Words and charts come from :mod:`kpi_analysis.reps.present`; ``notes`` and ``excluded`` are codes
(``{"code": "no_closed", "rep": "An"}``, ``{"code": "outside_window", "n": 8841}``), worded there.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import check_choice
from ..core.results import ResultMixin, code_counts, codes, jsonable
from . import present, stats
from .stats import CLASSES

__all__ = ["FunnelResult", "RepComparison"]


@dataclass(frozen=True, eq=False)
class FunnelResult(ResultMixin):
    """Funnel-plot limits around a pooled rate, with Spiegelhalter's overdispersion adjustment.

    Fields: ``target`` (pooled rate, fraction), ``phi`` (dispersion factor from Winsorised z-scores),
    ``overdispersion_p`` (chi-square test of ``n_units * phi`` on ``n_units - 1`` df), ``overdispersed``,
    ``tau2`` (additive between-unit variance on the rate scale; 0 when not overdispersed), counts of
    units outside each limit, ``method``, ``limits`` ("exact"/"normal"), ``winsorize``, ``levels``,
    ``excluded`` (codes: ``no_trials``), ``notes`` (codes: ``few_units``, ``degenerate_target``);
    ``table`` has one row per unit (see :func:`kpi_analysis.reps.funnel`).
    """

    table: pd.DataFrame
    target: float
    phi: float
    overdispersion_p: float
    overdispersed: bool
    tau2: float
    n_units: int
    outside_95: int
    outside_998: int
    outside_95_adjusted: int
    outside_998_adjusted: int
    limits: str
    winsorize: float
    method: str
    levels: tuple = (0.95, 0.998)
    excluded: tuple = ()
    notes: tuple = ()

    def limits_at(self, trials, level: float = 0.95, *, adjusted: bool = False):
        """Lower and upper limits (rates) at ``trials`` (array) for a two-sided ``level``."""
        trials = np.asarray(trials, float)
        if adjusted:
            return stats.normal_limits(self.target, trials, level, self.tau2)
        if self.limits == "exact":
            return stats.exact_limits(self.target, trials, level)
        return stats.normal_limits(self.target, trials, level, 0.0)

    def headline(self) -> dict:
        keys = ("target", "phi", "overdispersion_p", "overdispersed", "tau2", "n_units", "outside_95",
                "outside_998", "outside_95_adjusted", "outside_998_adjusted", "limits", "winsorize",
                "method", "levels", "excluded", "notes")
        out = {k: getattr(self, k) for k in keys}
        out["excluded"], out["notes"] = code_counts(self.excluded), codes(self.notes)
        out["outliers_998_adjusted"] = self.table.loc[self.table["outside_998_adjusted"], "label"].tolist()
        return jsonable(out)

    def summary(self, locale: str = "en") -> str:
        return present.funnel_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en", adjusted: bool | None = None, label_outliers: bool = True,
             **kwargs):
        """Rates against trials with the 95% and 99.8% limits; units outside 99.8% are labelled.

        ``adjusted`` draws the overdispersion-adjusted limits too (default: when overdispersed).
        Extra keyword arguments go to ``ax.scatter``.
        """
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        adjusted = self.overdispersed if adjusted is None else adjusted
        return present.plot_funnel(self, ax, locale=locale, adjusted=adjusted, label_outliers=label_outliers,
                                   **kwargs)


@dataclass(frozen=True, eq=False)
class RepComparison(ResultMixin):
    """Per-rep conversion against the team on the same lead mix (see :func:`kpi_analysis.reps.compare`).

    Fields: ``team_conversion`` (won / closed over the window), ``n_reps``, ``closed``, ``won``,
    ``start``/``end`` (first and last period of the window), ``period`` (the frequency: "M", "Q", "W"
    or None), ``statistic``/``df``/``p_value`` (chi-square test that all reps have the same raw rate),
    ``prior_alpha``/``prior_beta`` (fitted beta-binomial prior of the mix-adjusted rate), the
    classification rule (``min_leads``: the ``min_n`` of :func:`~kpi_analysis.reps.compare`,
    ``persist_share``, ``dip_level``, ``min_periods``), ``confidence``, ``adjust``, ``method``,
    ``excluded`` (codes: ``outside_window``, ``open_too_young``), ``notes`` (codes);
    ``report_period`` (the ISO week asked for, compared over the trailing weeks; None otherwise),
    ``report_closed``/``report_won`` (the team's leads in the window's last period: the report
    period's own); ``table`` (one row per rep),
    ``by_period`` (rep x period) and ``counts`` (the window's reduced counts) are DataFrames;
    ``funnel`` is the :class:`FunnelResult` of the mix-adjusted rates.
    """

    table: pd.DataFrame
    by_period: pd.DataFrame
    counts: pd.DataFrame
    funnel: FunnelResult | None
    team_conversion: float
    n_reps: int
    closed: int
    won: int
    start: str
    end: str
    period: str | None
    statistic: float
    df: int
    p_value: float
    prior_alpha: float
    prior_beta: float
    min_leads: int
    persist_share: float
    dip_level: float
    within_period: bool
    confidence: float
    adjust: str
    method: str
    maturity_days: int
    stale_open: int = 0
    excluded: tuple = ()
    notes: tuple = ()
    report_period: str | None = None
    report_closed: int = 0
    report_won: int = 0
    min_periods: int = 3

    def rule(self, locale: str = "en") -> str:
        """The classification rule, in words."""
        return present.rule(self, locale)

    def verdicts(self, locale: str = "en") -> dict[str, str]:
        """One plain-language sentence group per rep: classification, gap after mix, persistence."""
        return present.verdicts(self, locale)

    def summary(self, locale: str = "en") -> str:
        return present.summary(self, locale)

    def headline(self) -> dict:
        """JSON-safe headline numbers; ``excluded`` as ``{code: rows}`` and ``notes`` as codes."""
        keep = ["rep", "classification", "verdict", "closed", "won", "conversion", "expected_conversion",
                "adjusted_conversion", "oe", "oe_low", "oe_high", "p_value", "p_adj", "shrunk", "p_below_team",
                "period_closed", "period_won"]
        return jsonable({
            "team_conversion": self.team_conversion, "n_reps": self.n_reps, "closed": self.closed,
            "won": self.won, "start": self.start, "end": self.end, "period": self.period,
            "report_period": self.report_period, "report_closed": self.report_closed,
            "report_won": self.report_won,
            "statistic": self.statistic, "df": self.df, "p_value": self.p_value,
            "classes": {c: self.table.loc[self.table["classification"] == c, "rep"].tolist() for c in CLASSES},
            "reps": self.table[keep], "rule": self.rule("en"), "confidence": self.confidence,
            "adjust": self.adjust, "method": self.method,
            "excluded": code_counts(self.excluded), "notes": codes(self.notes),
        })

    def plot(self, ax=None, *, kind: str = "intervals", locale: str = "en", **kwargs):
        """Draw ``kind``: "intervals" (raw, mix-adjusted and shrunk rate per rep), "funnel" (mix-adjusted
        rate against closed leads with 95%/99.8% limits) or "heatmap" (rep x period adjusted gap)."""
        import matplotlib.pyplot as plt

        check_choice(kind, name="kind", options=("intervals", "funnel", "heatmap"))
        ax = plt.gca() if ax is None else ax
        return present.plot_comparison(self, ax, kind=kind, locale=locale, **kwargs)
