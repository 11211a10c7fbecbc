"""The rep comparison's reduction in plain pandas: the oracle the Ibis reduction is tested against.

This is the reduction ``kpi_analysis.reps.counts`` ran in pandas before the one Ibis reduction
(``kpi_analysis.reps.reduce``) replaced it, without the data checks (the package does those).
"""
from __future__ import annotations

import pandas as pd

COUNT_COLUMNS = ["rep", "stratum", "period", "closed", "won", "stale_open", "open_excluded"]
ALL = "all"


def counts(leads: pd.DataFrame, *, rep="rep", strata="source", freq="M", date="created_at", maturity_days=60,
           as_of=None) -> pd.DataFrame:
    """Closed and won leads per rep x stratum x period, as ``kpi_analysis.reps.reduce`` documents them."""
    strata_cols = [] if strata is None else [strata] if isinstance(strata, str) else list(strata)
    when = leads[date]
    if as_of is None:
        stamps = [when.max()]
        if "closed_at" in leads.columns and pd.api.types.is_datetime64_any_dtype(leads["closed_at"]):
            stamps.append(leads["closed_at"].max())
        stamps = [s for s in stamps if not pd.isna(s)]
        as_of = max(stamps) if stamps else pd.Timestamp("1970-01-01")
    as_of = pd.Timestamp(as_of)
    age_days = (as_of - when).dt.days
    status = leads["status"].astype(str)
    is_open = status == "open"
    young = is_open & (age_days < maturity_days)
    if strata_cols:
        stratum = leads[strata_cols[0]].astype(str)
        for col in strata_cols[1:]:
            stratum = stratum + " / " + leads[col].astype(str)
    else:
        stratum = pd.Series(ALL, index=leads.index)
    frame = pd.DataFrame({
        "rep": leads[rep].astype(str).str.strip(),
        "stratum": stratum,
        "period": (when.dt.to_period(freq).astype(str) if freq else ALL),
        "closed": (~young).astype("int64"),
        "won": (status == "won").astype("int64"),
        "stale_open": (is_open & ~young).astype("int64"),
        "open_excluded": young.astype("int64"),
    })
    out = (frame.groupby(["rep", "stratum", "period"], observed=True, sort=True)
           [["closed", "won", "stale_open", "open_excluded"]].sum().reset_index())
    for col in ("rep", "stratum", "period"):
        out[col] = out[col].astype(str)
    return out[COUNT_COLUMNS]
