"""The KPI scorecard: every sales KPI for a period against its target, grouped by perspective.

The page a manager opens first (issue 8). For a report period (a week, month, quarter or year: "2026-W43",
"2026-10", "2026-Q3", "2026") each KPI is computed from the canonical tables, compared with the previous
period of the same kind and with the same period a year before, judged against its target (green / amber / red within a tolerance, respecting the KPI's
direction), and its change is flagged only when it is larger than the KPI's usual period-to-period
variation. KPIs are grouped by the Balanced Scorecard's four perspectives (financial, customer,
internal process, learning and growth).

Two steps, as everywhere in the package:

1. :func:`reduce` reduces the canonical tables to a small tidy table of per-period KPI totals
   (one row per KPI x period x breakdown group, with the counts and sums each KPI needs), in Ibis,
   where the tables live;
2. :func:`build` reads either the tables or that reduced table and returns a :class:`Scorecard`.

The package, by job: ``spec`` (the KPI catalogue, settings, periods), ``reduce`` (the one
reduction), ``stats`` (status, intervals, change tests: counts in, numbers out), ``targets`` (the
target book and the catalogue check), ``results`` (:class:`Scorecard`), ``present`` (en/vi words,
sentences, plots, the HTML page) and ``api`` (:func:`build`).

KPI ids (used in ``kpi_targets.kpi`` and in the ``targets`` section of ``workbook.yml``):

=======================  ==========================================================  ==========
kpi                      definition                                                   unit
=======================  ==========================================================  ==========
new_leads                leads created in the period                                  count
leads_contacted_share    share of those leads first contacted within ``contact_days`` share
cac                      marketing spend / leads won (closed as won) in the period   money
revenue                  shop sales ("Shop sales"): sum of ``sales.revenue``          money
orders                   sum of ``sales.orders``                                      count
price_index              mean over products of mean(our_price / competitor_price)    ratio
client_engagement        share of existing clients with an activity in the period    share
clients_at_risk          clients silent for > ``risk_days`` (not yet ``lost_days``)   count
employee_satisfaction    mean employee score (0-10)                                   score
enps                     employee NPS: % scoring 9-10 minus % scoring 0-6             points
nps                      customer NPS from ``nps_responses``                          points
=======================  ==========================================================  ==========

A recorded value carries its concept id (:data:`CONCEPTS`: ``revenue`` is the concept ``shop_sales``,
not the value of won deals; the others keep their id), e.g. ``record("revenue", value,
concept="shop_sales@2026-10")``: :meth:`Scorecard.records` and :meth:`Scorecard.concepts`.
"""
from __future__ import annotations

from .api import build
from .present import (
    breakdown_tables,
    detail_table,
    kpi_name,
    period_label,
    sparkline,
    sparklines,
    to_html,
    totals_table,
)
from .reduce import reduce, totals
from .results import Scorecard
from .spec import ALL, CONCEPTS, KPIS, REDUCED_COLUMNS, STATUSES, TABLES, as_period, period_of, period_text
from .stats import status
from .targets import check_catalogue

__all__ = ["ALL", "CONCEPTS", "KPIS", "REDUCED_COLUMNS", "STATUSES", "TABLES", "Scorecard", "as_period",
           "breakdown_tables", "build", "check_catalogue", "detail_table", "kpi_name", "period_label", "period_of",
           "period_text", "reduce", "sparkline", "sparklines", "status", "to_html", "totals", "totals_table"]
