"""kpi-workbook: the analyses behind the sales KPI notebooks and reports.

Submodules are imported on first use (``kpi_analysis.nps`` etc.) so that ``import kpi_analysis``
stays fast: pandas, statsmodels and matplotlib load only when an analysis needs them.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "backend", "config", "core", "coverage", "data", "engine", "feasibility", "formats", "i18n", "nps", "pdf",
    "promo", "record", "report", "reps", "sample", "scaffold", "schema", "scorecard", "widgets",
}
__all__ = ["backend", "config", "core", "coverage", "data", "engine", "feasibility", "formats", "i18n", "nps",
           "pdf", "promo", "record", "report", "reps", "sample", "scaffold", "schema", "scorecard", "widgets"]


def __getattr__(name: str):
    # PEP 562 lazy submodules: `from kpi_analysis import nps` and `kpi_analysis.nps` both work.
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
