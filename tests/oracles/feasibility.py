"""Test oracle: the pandas reduction that ``kpi_analysis.feasibility.reduce`` replaced (lead rows ->
monthly drivers), kept only to check the Ibis reduction against. pandas and numpy only."""
from __future__ import annotations

import numpy as np
import pandas as pd


def monthly_drivers(leads: pd.DataFrame, *, created: str = "created_at", closed: str = "closed_at",
                    status: str = "status", value: str = "deal_value") -> pd.DataFrame:
    """One row per month: leads created, leads closed, won deals and revenue by month closed, the
    three drivers and the ``complete`` flag (see ``feasibility.reduce``)."""
    cr = pd.to_datetime(leads[created])
    cl = pd.to_datetime(leads[closed])
    done = leads[status].isin(["won", "lost"])
    won = leads[status].eq("won")
    dv = pd.to_numeric(leads[value], errors="coerce")
    m_created = cr.dt.to_period("M").dt.to_timestamp()
    m_closed = cl.dt.to_period("M").dt.to_timestamp()
    last = max(cr.max(), cl.max()) if cl.notna().any() else cr.max()
    months = pd.date_range(m_created.min(), pd.Timestamp(last).to_period("M").to_timestamp(), freq="MS")
    out = pd.DataFrame({"month": months})
    out["leads"] = m_created.value_counts().reindex(months, fill_value=0).to_numpy().astype("int64")
    out["closed"] = m_closed[done].value_counts().reindex(months, fill_value=0).to_numpy().astype("int64")
    out["won"] = m_closed[won].value_counts().reindex(months, fill_value=0).to_numpy().astype("int64")
    out["revenue"] = (dv[won].groupby(m_closed[won]).sum().reindex(months, fill_value=0.0)
                      .to_numpy().astype(float))
    out["conversion"] = out["won"] / out["leads"].where(out["leads"] > 0)
    out["deal_size"] = out["revenue"] / out["won"].where(out["won"] > 0)
    out["win_rate"] = out["won"] / out["closed"].where(out["closed"] > 0)
    month_end = (months + pd.offsets.MonthEnd(0)).normalize()
    lag = ((cl - cr)[done].dt.total_seconds() / 86400).dropna()
    warm_until = cr.min().normalize() + pd.Timedelta(days=float(np.quantile(lag, 0.95)) if len(lag) else 0.0)
    out["complete"] = np.asarray((month_end <= pd.Timestamp(last).normalize()) & (months >= warm_until))
    return out
