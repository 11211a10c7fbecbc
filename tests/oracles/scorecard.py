"""The scorecard's reduction in plain pandas: the test oracle for ``kpi_analysis.scorecard.reduce``.

This was the package's own pandas reduction (``scorecard.totals``) before the reduction was written
once, in Ibis. It stays here, unchanged in what it computes, so the Ibis reduction can be compared
with it on DuckDB and PostgreSQL. It uses pandas, numpy and public names only.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kpi_analysis.scorecard import ALL, REDUCED_COLUMNS

FREQS = {"M": "M", "Q": "Q", "W": "W-SUN", "Y": "Y-DEC"}


def totals(tables, *, freq="M", contact_days=3, risk_days=60, lost_days=120, channel_map=None, notes=None):
    """Per-period KPI totals of the canonical ``tables`` (same output as ``scorecard.reduce``).

    ``notes`` receives the same note dicts as ``scorecard.reduce`` (``missing_column``, ``unmapped``).
    """
    fr = FREQS[freq]
    notes = [] if notes is None else notes
    parts = []
    leads = tables.get("leads")
    if leads is not None:
        parts += _leads_totals(leads, fr, contact_days, notes)
        if tables.get("marketing_spend") is not None:
            cac, unmapped = _cac_totals(leads, tables["marketing_spend"], fr, channel_map)
            parts += cac
            if unmapped:
                notes.append({"code": "unmapped", "sources": unmapped})
    if tables.get("sales") is not None:
        parts += _sales_totals(tables["sales"], fr, notes)
    if tables.get("competitor_prices") is not None:
        parts += _price_totals(tables["competitor_prices"], fr)
    if tables.get("client_activity") is not None:
        parts += _client_totals(tables["client_activity"], fr, risk_days, lost_days)
    if tables.get("employee_survey") is not None:
        parts += _survey_totals(tables["employee_survey"], fr)
    if tables.get("nps_responses") is not None:
        parts += _nps_totals(tables["nps_responses"], fr)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("kpi", "period", "by", "group") else float)
                             for c in REDUCED_COLUMNS})
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)[REDUCED_COLUMNS]
    for col in ("kpi", "period", "by", "group"):
        out[col] = out[col].astype("str")
    return out.sort_values(["kpi", "by", "group", "period"], kind="stable").reset_index(drop=True)


def _rows(kpi, period, by, group, value, numerator=np.nan, denominator=np.nan, **extra):
    out = pd.DataFrame({"kpi": kpi, "period": pd.Series(period).astype(str).to_numpy(), "by": by,
                        "group": pd.Series(group).astype(str).to_numpy() if not isinstance(group, str)
                        else group, "value": np.asarray(value, dtype=float),
                        "numerator": np.asarray(numerator, dtype=float),
                        "denominator": np.asarray(denominator, dtype=float)})
    for col in ("sum_sq", "detractors", "passives", "promoters", "excluded"):
        out[col] = np.asarray(extra.get(col, np.nan), dtype=float) if col in extra else np.nan
    if "excluded" not in extra:
        out["excluded"] = 0.0
    return out


def _full_range(periods, freq):
    return pd.period_range(periods.min(), periods.max(), freq=freq)


def _leads_totals(leads, freq, contact_days, notes):
    out = []
    created = leads["created_at"].dt.to_period(freq)
    rng = _full_range(created.dropna(), freq)
    by_src = (leads.assign(_p=created).groupby(["_p", "source"], observed=True).size()
              .unstack(fill_value=0).reindex(rng, fill_value=0).stack())
    by_src.index.names = ["_p", "source"]
    tot = by_src.groupby(level=0).sum()
    out.append(_rows("new_leads", tot.index, ALL, ALL, tot.to_numpy(), tot.to_numpy(), 1.0))
    out.append(_rows("new_leads", by_src.index.get_level_values(0), "source",
                     by_src.index.get_level_values(1), by_src.to_numpy(), by_src.to_numpy(), 1.0))
    if "first_contact_at" in leads.columns:
        as_of = pd.concat([leads[c] for c in ("created_at", "closed_at", "first_contact_at")]).max()
        window = pd.Timedelta(days=contact_days)
        eligible = leads["created_at"] + window <= as_of
        delay = leads["first_contact_at"] - leads["created_at"]
        contacted = (delay <= window).fillna(False) & eligible
        g = pd.DataFrame({"_p": created, "eligible": eligible.astype(int), "contacted": contacted.astype(int),
                          "excluded": (~eligible).astype(int)}).groupby("_p").sum().reindex(rng, fill_value=0)
        share = g["contacted"] / g["eligible"].where(g["eligible"] > 0)
        out.append(_rows("leads_contacted_share", g.index, ALL, ALL, share, g["contacted"], g["eligible"],
                         excluded=g["excluded"]))
    else:
        notes.append({"code": "missing_column", "kpis": ["leads_contacted_share"], "table": "leads",
                      "column": "first_contact_at"})
    return out


def _spend_periods(spend, freq):
    if freq == "W-SUN":
        days = spend.loc[spend.index.repeat(spend["month"].dt.days_in_month)].copy()
        days["day"] = days["month"] + pd.to_timedelta(days.groupby(level=0).cumcount(), unit="D")
        days["spend"] = days["spend"] / days["month"].dt.days_in_month
        return days.assign(_p=days["day"].dt.to_period(freq))
    return spend.assign(_p=spend["month"].dt.to_period(freq))


def _cac_totals(leads, spend, freq, channel_map):
    won = leads[(leads["status"] == "won") & leads["closed_at"].notna()]
    wp = won["closed_at"].dt.to_period(freq)
    sp = _spend_periods(spend, freq)
    rng = _full_range(pd.concat([wp, sp["_p"]]).dropna(), freq)
    spend_p = sp.groupby("_p")["spend"].sum().reindex(rng, fill_value=0.0)
    won_p = wp.value_counts().reindex(rng, fill_value=0)
    out = [_rows("cac", rng, ALL, ALL, spend_p / won_p.where(won_p > 0), spend_p, won_p)]
    cmap = dict(channel_map or {})
    channel = won["source"].map(lambda s: cmap.get(s, s))
    sc = sp.groupby(["_p", "channel"], observed=True)["spend"].sum()
    wc = pd.DataFrame({"_p": wp, "channel": channel}).groupby(["_p", "channel"]).size()
    channels = sorted(set(sp["channel"]))
    idx = pd.MultiIndex.from_product([rng, channels], names=["_p", "channel"])
    sc, wc = sc.reindex(idx, fill_value=0.0), wc.reindex(idx, fill_value=0)
    out.append(_rows("cac", idx.get_level_values(0), "channel", idx.get_level_values(1),
                     sc / wc.where(wc > 0), sc, wc))
    return out, sorted(set(channel) - set(channels))


def _sales_totals(sales, freq, notes):
    kpis = ["revenue", "orders"] if "orders" in sales.columns else ["revenue"]
    if "orders" not in sales.columns:
        notes.append({"code": "missing_column", "kpis": ["orders"], "table": "sales", "column": "orders"})
    p = sales["date"].dt.to_period(freq)
    rng = _full_range(p.dropna(), freq)
    out = []
    g = sales.assign(_p=p).groupby(["_p", "location"], observed=True)[kpis].sum()
    tot = g.groupby(level=0).sum().reindex(rng, fill_value=0)
    for kpi in kpis:
        out.append(_rows(kpi, tot.index, ALL, ALL, tot[kpi], tot[kpi], 1.0))
        out.append(_rows(kpi, g.index.get_level_values(0), "location", g.index.get_level_values(1),
                         g[kpi], g[kpi], 1.0))
    return out


def _price_totals(prices, freq):
    ratio = prices["our_price"] / prices["competitor_price"]
    g = (pd.DataFrame({"_p": prices["date"].dt.to_period(freq), "product": prices["product"], "r": ratio})
         .groupby(["_p", "product"], observed=True)["r"].agg(["sum", "count"]))
    g["mean"] = g["sum"] / g["count"]
    tot = g.groupby(level=0)["mean"].agg(["sum", "count"])
    return [_rows("price_index", tot.index, ALL, ALL, tot["sum"] / tot["count"], tot["sum"], tot["count"]),
            _rows("price_index", g.index.get_level_values(0), "product", g.index.get_level_values(1),
                  g["mean"], g["sum"], g["count"])]


def _client_totals(activity, freq, risk_days, lost_days):
    act = activity[["client_id", "date"]].dropna()
    p = act["date"].dt.to_period(freq)
    rng = _full_range(p, freq)
    # periods x clients: last activity up to the end of each period (carried forward), and before it
    last_in = act.assign(_p=p).groupby(["_p", "client_id"])["date"].max().unstack().reindex(rng)
    active = last_in.notna()
    last_upto = last_in.ffill()
    last_before = last_upto.shift(1)
    starts = pd.Series([q.start_time for q in rng], index=rng)
    ends = pd.Series([q.end_time.normalize() for q in rng], index=rng)
    gap_start = (-last_before.sub(starts, axis=0)).apply(lambda col: col.dt.days)
    gap_end = (-last_upto.sub(ends, axis=0)).apply(lambda col: col.dt.days)
    existing = gap_start <= lost_days
    n_existing = existing.sum(axis=1)
    n_active = (active & existing).sum(axis=1)
    live = gap_end <= lost_days
    at_risk = (live & (gap_end > risk_days)).sum(axis=1)
    return [_rows("client_engagement", rng, ALL, ALL, n_active / n_existing.where(n_existing > 0),
                  n_active, n_existing),
            _rows("clients_at_risk", rng, ALL, ALL, at_risk, at_risk, live.sum(axis=1))]


def _counts(scores):
    return pd.DataFrame({"detractors": (scores <= 6).astype(int),
                         "passives": scores.between(7, 8).astype(int),
                         "promoters": (scores >= 9).astype(int)})


def _survey_totals(survey, freq):
    s = survey[["date", "team", "score"]].copy()
    blank = s["score"].isna()
    s["_p"] = s["date"].dt.to_period(freq)
    excl = blank.groupby(s["_p"]).sum()
    s = s[~blank]
    sc = s["score"].astype(float)
    parts = pd.concat([s[["_p", "team"]], pd.DataFrame({"n": 1, "sum": sc, "sum_sq": sc ** 2}), _counts(sc)],
                      axis=1)
    out = []
    for by, keys in ((ALL, ["_p"]), ("team", ["_p", "team"])):
        g = parts.groupby(keys, observed=True)[["n", "sum", "sum_sq", "detractors", "passives",
                                                "promoters"]].sum()
        per = g.index if by == ALL else g.index.get_level_values(0)
        grp = ALL if by == ALL else g.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == ALL else 0.0
        out.append(_rows("employee_satisfaction", per, by, grp, g["sum"] / g["n"], g["sum"], g["n"],
                         sum_sq=g["sum_sq"], excluded=ex))
        out.append(_rows("enps", per, by, grp, 100 * (g["promoters"] - g["detractors"]) / g["n"],
                         g["promoters"] - g["detractors"], g["n"], detractors=g["detractors"],
                         passives=g["passives"], promoters=g["promoters"], excluded=ex))
    return out


def _nps_totals(responses, freq):
    r = responses[["responded_at", "score", "region"]].copy()
    r["_p"] = r["responded_at"].dt.to_period(freq)
    blank = r["score"].isna()
    excl = blank.groupby(r["_p"]).sum()
    r = r[~blank]
    sc = r["score"].astype(float)
    parts = pd.concat([r[["_p", "region"]], pd.DataFrame({"n": 1}, index=r.index), _counts(sc)], axis=1)
    rng = _full_range(r["_p"], freq)
    out = []
    for by, keys in ((ALL, ["_p"]), ("region", ["_p", "region"])):
        g = parts.groupby(keys, observed=True)[["n", "detractors", "passives", "promoters"]].sum()
        if by == ALL:
            g = g.reindex(rng, fill_value=0)
        per = g.index if by == ALL else g.index.get_level_values(0)
        grp = ALL if by == ALL else g.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == ALL else 0.0
        value = 100 * (g["promoters"] - g["detractors"]) / g["n"].where(g["n"] > 0)
        out.append(_rows("nps", per, by, grp, value,
                         g["promoters"] - g["detractors"], g["n"], detractors=g["detractors"],
                         passives=g["passives"], promoters=g["promoters"], excluded=ex))
    return out
