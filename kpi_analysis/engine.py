"""The analyses' reductions in Ibis, until each analysis package holds its own (``<analysis>/reduce.py``).

Transitional: every reduction here moves into its analysis package; this module then goes.
"""
from __future__ import annotations

from .core.reduction import as_str as _as_str
from .core.reduction import as_table as _table_for
from .core.reduction import as_timestamps as _as_ts
from .core.reduction import count_if as _cnt
from .core.reduction import fetch as _fetch
from .core.reduction import period_start as _period_start
from .core.reduction import period_strings as _period_strings
from .core.reduction import require as _require
from .core.reduction import trim as _trim

# --------------------------------------------------------------------------------------------------
# nps: the reduction lives in kpi_analysis/nps/reduce.py
# --------------------------------------------------------------------------------------------------

def _nps_reduce(data, **kwargs):
    """:func:`kpi_analysis.nps.reduce` (imported when first used)."""
    from .nps import reduce

    return reduce(data, **kwargs)


# --------------------------------------------------------------------------------------------------
# reps: leads -> closed / won per rep x stratum x period
# --------------------------------------------------------------------------------------------------

def rep_counts(leads, *, rep: str = "rep", strata="source", period: str | None = "M", date: str = "created_at",
               maturity_days: int = 60, as_of=None):
    """:func:`kpi_analysis.reps.counts` in the engine (same parameters and output).

    Examples
    --------
    >>> import pandas as pd
    >>> leads = pd.DataFrame({
    ...     "rep": ["An", "An", "Bình"], "source": ["Website"] * 3,
    ...     "created_at": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-03"]),
    ...     "status": ["won", "lost", "open"],
    ...     "closed_at": pd.to_datetime(["2026-01-30", "2026-02-10", None])})
    >>> rep_counts(leads, as_of="2026-02-28")[["rep", "period", "closed", "won", "open_excluded"]]
        rep   period  closed  won  open_excluded
    0    An  2026-01       2    1              0
    1  Bình  2026-02       0    0              1
    """
    import ibis
    import numpy as np
    import pandas as pd

    from . import reps
    from .core.checks import check_choice

    strata_cols = reps._strata_list(strata)
    if period is not None:
        check_choice(period, name="period", options=reps._PERIODS)
    if not isinstance(maturity_days, (int, np.integer)) or isinstance(maturity_days, bool) or maturity_days < 0:
        raise ValueError(f"maturity_days must be a whole number of days >= 0; got {maturity_days!r}.")
    t = _table_for(leads, "leads")
    _require(t, "leads", [rep, *strata_cols, date, "status"])
    when = t[date]
    if as_of is None:
        aggs = {"a": when.max()}
        if "closed_at" in t.columns:
            aggs["b"] = t["closed_at"].max()
        row = t.aggregate(**aggs).execute().iloc[0]
        stamps = [pd.Timestamp(v) for v in row.tolist() if not pd.isna(v)]
        as_of = max(stamps) if stamps else pd.Timestamp("1970-01-01")
    as_of = pd.Timestamp(as_of)
    cutoff = (as_of - pd.Timedelta(days=int(maturity_days))).to_pydatetime()
    is_open = t["status"] == "open"
    young = is_open & (when > cutoff)  # (as_of - created).days < maturity_days
    if strata_cols:
        label = t[strata_cols[0]].cast("string")
        for c in strata_cols[1:]:
            label = label.concat(" / ", t[c].cast("string"))
    else:
        label = ibis.literal(reps._ALL)
    per = _period_start(when, period) if period else ibis.literal(pd.Timestamp("1970-01-01").to_pydatetime())
    g = t.mutate(_rep=_trim(t[rep].cast("string")), _stratum=label, _period=per,
                 _young=young, _open=is_open, _won=t["status"] == "won")
    out = _fetch(g.group_by(["_rep", "_stratum", "_period"]).aggregate(
        closed=_cnt(~g["_young"]), won=_cnt(g["_won"]),
        stale_open=_cnt(g["_open"] & ~g["_young"]),
        open_excluded=_cnt(g["_young"])))
    res = pd.DataFrame({
        "rep": _as_str(out["_rep"]), "stratum": _as_str(out["_stratum"]),
        "period": (pd.Series(_period_strings(_as_ts(out["_period"]), period), dtype="str")
                   if period else pd.Series([reps._ALL] * len(out), dtype="str")),
    })
    for c in ("closed", "won", "stale_open", "open_excluded"):
        res[c] = pd.to_numeric(out[c]).fillna(0).astype("int64")
    return res.sort_values(["rep", "stratum", "period"], kind="stable").reset_index(drop=True)[reps.COUNT_COLUMNS]


# --------------------------------------------------------------------------------------------------
# promo: sales -> daily sums per location (kpi_analysis.promo.reduce)
# --------------------------------------------------------------------------------------------------

def _promo_reduce(sales, **kwargs):
    """:func:`kpi_analysis.promo.reduce` (imported when first used)."""
    from .promo import reduce

    return reduce(sales, **kwargs)


# --------------------------------------------------------------------------------------------------
# feasibility: in kpi_analysis/feasibility/reduce.py (feasibility.reduce)
# --------------------------------------------------------------------------------------------------

def _feasibility_reduce(data, **kwargs):
    from .feasibility import reduce as feasibility_reduce

    return feasibility_reduce(data, **kwargs)


# --------------------------------------------------------------------------------------------------
# scorecard: canonical tables -> per-period KPI totals (kpi_analysis/scorecard/reduce.py)
# --------------------------------------------------------------------------------------------------

def _scorecard_reduce(data, **kwargs):
    """:func:`kpi_analysis.scorecard.reduce`, imported on first use."""
    from .scorecard import reduce

    return reduce(data, **kwargs)


# --------------------------------------------------------------------------------------------------
# one entry point per analysis
# --------------------------------------------------------------------------------------------------

REDUCTIONS = {"nps": _nps_reduce, "reps": rep_counts, "promo": _promo_reduce, "feasibility": _feasibility_reduce,
              "scorecard": _scorecard_reduce}
#: canonical tables each reduction reads
TABLES_NEEDED = {"nps": ("nps_responses",), "reps": ("leads",), "promo": ("sales",), "feasibility": ("leads",),
                 "scorecard": ("leads", "marketing_spend", "sales", "competitor_prices", "client_activity",
                               "employee_survey", "nps_responses")}


def reduce(name: str, data, **kwargs):
    """Run the reduction of analysis ``name`` ({"nps", "reps", "promo", "feasibility", "scorecard"}).

    ``data`` is the table (Ibis table, path or DataFrame), or for ``"scorecard"`` a dict of them.
    Keyword arguments are those of the pandas reduction.
    """
    from .core.checks import check_choice

    check_choice(name, name="name", options=list(REDUCTIONS))
    return REDUCTIONS[name](data, **kwargs)


def workbook_reduce(wb, name: str, **kwargs):
    """:func:`reduce` on the workbook's tables (the scorecard gets every table the workbook has)."""
    from .core.checks import check_choice

    check_choice(name, name="name", options=list(REDUCTIONS))
    needed = TABLES_NEEDED[name]
    if name == "scorecard":
        kwargs.setdefault("config", wb.settings)
        data = {t: wb.table(t) for t in needed if wb.has(t)}
    else:
        data = wb.table(needed[0])
    return REDUCTIONS[name](data, **kwargs)
