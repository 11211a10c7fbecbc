"""kpi-workbook: the analyses behind the sales KPI notebooks and reports.

Submodules are imported on first use (``kpi_analysis.nps`` etc.) so that ``import kpi_analysis``
stays fast: pandas, statsmodels and matplotlib load only when an analysis needs them.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "config", "data", "feasibility", "i18n", "nps", "plots", "promo", "record", "reps",
    "report", "sample", "schema", "scorecard", "widgets", "engine", "pdf", "scaffold",
}
__all__ = sorted(_SUBMODULES)


def __getattr__(name: str):
    # PEP 562 lazy submodules: `from kpi_analysis import nps` and `kpi_analysis.nps` both work.
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
