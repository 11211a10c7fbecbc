"""The scorecard's result: a frozen :class:`Scorecard` (numbers and codes; words come from ``present``)."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..core.results import ResultMixin, jsonable
from . import present
from .spec import CONCEPTS, is_missing

__all__ = ["Scorecard"]


@dataclass(frozen=True, eq=False, repr=False)
class Scorecard(ResultMixin):
    """The KPI scorecard of one period.

    Fields: ``period`` (its canonical text: "2026-10", "2026-W43", "2026-Q3", "2026"), ``freq`` ("M",
    "W", "Q", "Y": the kind of period), ``previous`` and ``last_year`` (the comparison periods, same form),
    counts of KPIs by status (``n_green``, ``n_amber``, ``n_red``, ``n_no_target``, ``n_no_data``),
    ``n_flagged`` (changes beyond usual variation), ``method``, ``confidence``, ``adjust``,
    ``excluded`` (rows left out, as codes: ``{"code": "blank_nps", "n": 1, "kpi": "nps"}``; codes
    ``contact_window``, ``blank_employee``, ``blank_nps``), ``notes`` (codes with values, e.g.
    ``{"code": "small", "kpi": "cac", "n": 8}``, worded by :meth:`note_lines`), ``currency``, and the
    tables below.

    ``table``: one row per KPI, grouped by perspective: ``kpi``, ``perspective``, ``unit`` ("count",
    "share", "money", "ratio", "score", "points": how :mod:`kpi_analysis.i18n` formats it), ``value``,
    ``ci_low``, ``ci_high``, ``n``, ``previous``, ``last_year``, ``change`` (value - previous),
    ``change_pct``, ``yoy_change``, ``yoy_pct``, ``target``, ``target_source`` ("table", "months",
    "config", "coarser:<periods>" or "prorated:<periods>"), ``direction``, ``tolerance``, ``status``,
    ``status_previous``,
    ``owner``, ``change_method`` ("sd", "proportion", "mean", "nps"), ``threshold`` (k x SD of past
    changes), ``n_changes`` (how many past changes gave that SD), ``p_value``, ``p_adj``,
    ``flagged``, ``source_period`` (the survey wave a carried survey KPI comes from), and for a KPI
    without data ``no_data_reason`` ("missing_table", "missing_column", "not_in_totals", "no_rows").
    ``history``: the last ``sparkline_periods`` periods of every KPI (``kpi``, ``period``,
    ``value``, ``target``, ``status``). ``details``: breakdown tables by name. ``catalogue``: the
    output of :func:`check_catalogue`. ``totals``: the reduced table the scorecard was built from.
    """

    period: str
    freq: str
    previous: str
    last_year: str
    n_green: int
    n_amber: int
    n_red: int
    n_no_target: int
    n_no_data: int
    n_flagged: int
    method: str
    confidence: float
    adjust: str
    currency: str
    table: pd.DataFrame = field(repr=False)
    history: pd.DataFrame = field(repr=False)
    details: dict = field(repr=False)
    catalogue: pd.DataFrame = field(repr=False)
    totals: pd.DataFrame = field(repr=False)
    excluded: tuple = ()
    notes: tuple = ()
    settings: dict = field(default_factory=dict, repr=False)

    # -- words ------------------------------------------------------------------------------------
    def kpi_name(self, kpi: str, locale: str = "en") -> str:
        return present.kpi_name(kpi, locale, contact_days=self.settings.get("contact_days", 3),
                                risk_days=self.settings.get("risk_days", 60))

    def period_label(self, locale: str = "en", which: str = "period") -> str:
        """``period``, ``previous`` or ``last_year`` in words."""
        return present.period_label(getattr(self, which), locale)

    def note_lines(self, locale: str = "en") -> list[str]:
        """The notes as sentences in ``locale``."""
        return present.note_lines(self, locale)

    def what_changed(self, locale: str = "en") -> list[str]:
        """Plain sentences: changes beyond usual variation, then status changes, then red KPIs."""
        return present.what_changed(self, locale)

    def summary(self, locale: str = "en") -> str:
        return present.summary(self, locale)

    # -- numbers ----------------------------------------------------------------------------------
    def headline(self) -> dict:
        kpis = {}
        for r in self.table.itertuples():
            kpis[r.kpi] = {"value": r.value, "unit": r.unit, "target": r.target, "status": r.status,
                           "previous": r.previous, "last_year": r.last_year, "change": r.change,
                           "flagged": bool(r.flagged), "perspective": r.perspective}
        return jsonable({"period": self.period, "freq": self.freq, "n_green": self.n_green,
                         "n_amber": self.n_amber, "n_red": self.n_red, "n_no_target": self.n_no_target,
                         "n_no_data": self.n_no_data, "n_flagged": self.n_flagged, "kpis": kpis,
                         "excluded": self.excluded, "method": self.method})

    def records(self, locale: str = "en") -> dict:
        """What the notebook records for the report manifest, by record name (JSON-safe):

        - ``<kpi>`` (the value, raw: 0.56 for 56%), ``<kpi>_status``, ``<kpi>_target`` for every KPI
          (``revenue``, ``new_leads``, ``cac``, ``nps``, ... as in ``kpi_targets``; the archive's trend
          table reads them);
        - ``scorecard``: the period and the counts by status;
        - ``scorecard_kpis``: one dict per KPI in the card's order, for the index's tiles by perspective:
          value, unit, target, status, perspective, direction, their names and texts in ``locale``, and a
          short ``reason`` ("56.0% against a target of 60.0%: off target");
          see :func:`~kpi_analysis.scorecard.present.kpi_records`.

        Record each value with the concept id :meth:`concepts` gives for its name.

        Examples
        --------
        >>> import pandas as pd
        >>> from kpi_analysis.scorecard import build
        >>> sales = pd.DataFrame({"date": pd.date_range("2026-10-01", "2026-10-31"), "location": "A",
        ...                       "revenue": 4e8, "orders": 4})
        >>> sc = build({"sales": sales}, period="2026-10", kpis=["revenue"], config={"targets": {"revenue": 12e9}})
        >>> rec = sc.records()
        >>> rec["revenue"], rec["revenue_status"], rec["scorecard_kpis"][0]["reason"]
        (12400000000.0, 'green', 'VND 12.40 bn against a target of VND 12.00 bn: on target')
        >>> sc.concepts()["revenue"]
        'shop_sales@2026-10'
        """
        out = {}
        for r in self.table.itertuples():
            out[r.kpi] = r.value
            out[f"{r.kpi}_status"] = r.status
            out[f"{r.kpi}_target"] = r.target
        out["scorecard"] = {"period": self.period, "green": self.n_green, "amber": self.n_amber,
                            "red": self.n_red, "no_target": self.n_no_target, "no_data": self.n_no_data,
                            "flagged": self.n_flagged}
        out["scorecard_kpis"] = present.kpi_records(self, locale)
        return jsonable(out)

    def concepts(self) -> dict:
        """The concept id of each recorded KPI value, by record name: ``{"revenue": "shop_sales@2026-10",
        "nps": "nps@2026-10", ...}`` (``kpi_analysis.record.concept_id``); KPIs without a value have none."""
        from ..record import concept_id

        return {r.kpi: concept_id(CONCEPTS[r.kpi], self.period) for r in self.table.itertuples()
                if not is_missing(r.value)}

    def plot(self, ax=None, *, locale: str = "en", clip: float = 0.5):
        """Each KPI's gap to its target, as a fraction of the target, signed so that right is better.

        Bars are coloured by status and clipped at ``±clip`` (eNPS against a target of +10 can be
        -500%); the shaded band is the amber tolerance; each bar is labelled with the KPI's value.
        """
        return present.plot_gaps(self, ax, locale=locale, clip=clip)

    def _repr_html_(self) -> str:
        return present.to_html(self, locale="en")
