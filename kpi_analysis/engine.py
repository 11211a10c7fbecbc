"""Deprecated: the names of the former engine module, for one release.

Each analysis now holds its one reduction (``nps.reduce``, ``reps.reduce``, ``promo.reduce``,
``feasibility.reduce``, ``scorecard.reduce``), which takes a pandas frame or an Ibis table such as
``Workbook.table(name)`` and runs where the data lives; the engine's connections, sources and
contract check are :mod:`kpi_analysis.backend`. Every name here still works and says where it went.

Examples
--------
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     from kpi_analysis import engine
...     f = engine.daily_sums
>>> str(caught[-1].message)
'kpi_analysis.engine.daily_sums is now kpi_analysis.promo.reduce; the old name stops working in the next release.'
"""
from __future__ import annotations

import importlib
import warnings

#: old name -> (module, new name)
MOVED = {
    "nps_counts": ("nps", "reduce"),
    "rep_counts": ("reps", "reduce"),
    "daily_sums": ("promo", "reduce"),
    "monthly_drivers": ("feasibility", "reduce"),
    "kpi_totals": ("scorecard", "reduce"),
    "connect": ("backend", "connect"),
    "source": ("backend", "source"),
    "canonical": ("backend", "canonical"),
    "check": ("backend", "check"),
    "load": ("backend", "load"),
    "duckdb_settings": ("backend", "duckdb_settings"),
    "DUCKDB_SUFFIXES": ("backend", "DUCKDB_SUFFIXES"),
}
#: analysis name -> the module holding its reduction (for :func:`reduce`)
ANALYSES = ("nps", "reps", "promo", "feasibility", "scorecard")

__all__ = sorted([*MOVED, "reduce"])  # noqa: PLE0605 (built from MOVED, so the shim lists what it forwards)


def __getattr__(name: str):
    if name not in MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, new = MOVED[name]
    warnings.warn(f"kpi_analysis.engine.{name} is now kpi_analysis.{module}.{new}; the old name stops working in the "
                  "next release.", DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(f"kpi_analysis.{module}"), new)


def reduce(name: str, data, **kwargs):
    """Deprecated: ``engine.reduce("nps", data, ...)`` is ``nps.reduce(data, ...)``."""
    if name not in ANALYSES:
        raise ValueError(f"name must be one of {list(ANALYSES)}; got {name!r}.")
    warnings.warn(f"kpi_analysis.engine.reduce({name!r}, ...) is now kpi_analysis.{name}.reduce(...); the old form "
                  "stops working in the next release.", DeprecationWarning, stacklevel=2)
    return importlib.import_module(f"kpi_analysis.{name}").reduce(data, **kwargs)
