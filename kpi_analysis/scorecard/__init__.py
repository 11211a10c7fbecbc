"""The KPI scorecard (a package; see :mod:`kpi_analysis.scorecard.api`)."""
from .api import (ALL, KPIS, REDUCED_COLUMNS, STATUSES, TABLES, Scorecard, build, check_catalogue, kpi_name,
                  period_label, sparkline, sparklines, status, to_html, totals)
from .api import _period_of  # noqa: F401  (widgets; given a public name in the next commit)

__all__ = ["ALL", "KPIS", "REDUCED_COLUMNS", "STATUSES", "TABLES", "Scorecard", "build", "check_catalogue",
           "sparkline", "sparklines", "status", "to_html", "totals"]
