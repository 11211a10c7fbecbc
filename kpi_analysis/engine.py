"""The analyses' reductions in Ibis, until each analysis package holds its own (``<analysis>/reduce.py``).

Transitional: every reduction here moves into its analysis package; this module then goes.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from .core.reduction import as_str as _as_str
from .core.reduction import as_table as _table_for
from .core.reduction import as_timestamps as _as_ts
from .core.reduction import count_if as _cnt
from .core.reduction import fetch as _fetch
from .core.reduction import if_then as ibis_if
from .core.reduction import period_start as _period_start
from .core.reduction import require as _require

# --------------------------------------------------------------------------------------------------
# nps: answers -> detractor / passive / promoter counts
# --------------------------------------------------------------------------------------------------

def nps_counts(responses, *, by=None, freq: str | None = None, score: str = "score", date: str = "responded_at",
               customer: str = "customer_id", since: str = "customer_since", blank: str = "exclude",
               latest_only: bool = False, early_days: int = 90, early: str = "keep", start=None, end=None,
               bands: Sequence[int] | None = None, id_column: str = "response_id"):
    """:func:`kpi_analysis.nps.counts` in the engine (same parameters, same output and ``attrs``).

    ``responses`` is an Ibis table (e.g. from :func:`source`), a path, or a pandas DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"region": ["A", "A", "B", "B"], "score": [10, 3, 8, None]})
    >>> nps_counts(rows, by="region")[["region", "detractors", "passives", "promoters", "blank"]]
      region  detractors  passives  promoters  blank
    0      A           1         0          1      0
    1      B           0         1          0      1
    """
    import ibis
    import numpy as np
    import pandas as pd

    from . import nps
    from .core.checks import check_choice

    bands = nps.TENURE_BANDS if bands is None else bands
    keys = nps._as_list(by)
    check_choice(early, name="early", options=nps.EARLY_POLICIES)
    check_choice(blank, name="blank", options=nps.BLANK_POLICIES)
    early_days = nps._check_int(early_days, name="early_days", minimum=0)
    t = _table_for(responses, "nps_responses")
    cols = set(t.columns)
    derive_band = "tenure_band" in keys and "tenure_band" not in cols
    needed = nps._needed_columns(keys, score=score, date=date, customer=customer, since=since, freq=freq,
                                 start=start, end=end, latest_only=latest_only, early=early,
                                 derive_band=derive_band)
    _require(t, "nps_responses", needed)
    for k in ("period", "early", *nps.COUNT_COLUMNS, "n", *nps.EXCLUSION_COLUMNS):
        if k in keys:
            raise ValueError(f"by: {k!r} is a column name the counts table uses itself; rename it.")

    excluded: dict[str, int] = {}
    lo, hi = nps._month_bounds(start, end)
    if lo is not None or hi is not None:
        keep = ibis.literal(True)
        if lo is not None:
            keep = keep & (t[date] >= lo.to_pydatetime())
        if hi is not None:
            keep = keep & (t[date] <= hi.to_pydatetime())
        n_out = int(t.aggregate(n=_cnt(~keep)).execute()["n"].iloc[0] or 0)
        excluded["outside_period"] = n_out
        t = t.filter(keep)

    sc = t[score].cast("float64")
    mut: dict[str, Any] = {}
    labels = None
    if derive_band:
        edges = [int(b) for b in bands]
        labels = [f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)] + [f"{edges[-1]}+"]
        d, s = t[date], t[since]
        case = ibis.cases(*[(d < s + ibis.interval(days=b), lab) for b, lab in zip(edges[1:], labels[:-1])],
                          else_=labels[-1])
        mut["tenure_band"] = case
    scored = sc.notnull()
    blank_flag = sc.isnull()
    if blank == "fail":
        n_blank = int(t.aggregate(n=_cnt(blank_flag)).execute()["n"].iloc[0] or 0)
        if n_blank:
            raise ValueError(f"nps_responses.{score} must hold a score (blank=\"fail\"; use blank=\"exclude\" "
                             f"to count and exclude them): {n_blank} row(s) do not.")
    early_ex = ibis.literal(False)
    group_keys = list(keys)
    if freq is not None:
        mut["period"] = _period_start(t[date], nps._freq_alias(freq, end))
        group_keys.append("period")
    if early != "keep":
        is_early = t[date] < t[since] + ibis.interval(days=early_days)
        if early == "exclude":
            early_ex = is_early & scored
            scored = scored & ~early_ex
        else:
            mut["early"] = is_early
            group_keys.append("early")
    t = t.mutate(_scored=scored, _blank=blank_flag, _early_ex=early_ex, _cat=ibis.cases(
        (sc <= 6, 0), (sc <= 8, 1), else_=2), **mut)
    superseded = ibis.literal(False)
    if latest_only:
        part = [t[customer]] + ([t["period"]] if freq is not None else [])
        order = [ibis.desc(t[date])] + ([ibis.desc(t[id_column])] if id_column in t.columns else [])
        # rank among the scored answers of the customer (period): non-scored rows get their own partition
        w = ibis.window(group_by=part + [t["_scored"]], order_by=order)
        t = t.mutate(_rank=ibis.row_number().over(w))
        superseded = t["_scored"] & (t["_rank"] > 0)
        t = t.mutate(_sup=superseded)
        t = t.mutate(_scored=t["_scored"] & ~t["_sup"])
    else:
        t = t.mutate(_sup=ibis.literal(False))
    s = t["_scored"]
    metrics = {
        "detractors": _cnt(s & (t["_cat"] == 0)),
        "passives": _cnt(s & (t["_cat"] == 1)),
        "promoters": _cnt(s & (t["_cat"] == 2)),
        "blank": _cnt(t["_blank"]),
        "superseded": _cnt(t["_sup"]),
        "early_excluded": _cnt(t["_early_ex"]),
    }
    if group_keys:
        out = _fetch(t.group_by(group_keys).aggregate(**metrics))
    else:
        out = _fetch(t.aggregate(**metrics))
    for k in ("detractors", "passives", "promoters", "blank", "superseded", "early_excluded"):
        out[k] = pd.to_numeric(out[k]).fillna(0).astype("int64")
    out["non_numeric"] = np.zeros(len(out), dtype="int64")
    for k in keys:
        if k == "tenure_band" and labels is not None:
            out[k] = pd.Categorical(out[k], categories=labels, ordered=True)
        elif out[k].dtype == object or pd.api.types.is_string_dtype(out[k]):
            out[k] = _as_str(out[k])
    if "period" in out.columns:  # through pandas Periods: the same dtype (resolution) as nps.counts
        out["period"] = _as_ts(out["period"]).dt.to_period(nps._freq_alias(freq, end)).dt.start_time
    if "early" in out.columns:
        out["early"] = out["early"].astype(bool)
    if group_keys:
        out = out.sort_values(group_keys, kind="stable").reset_index(drop=True)
    out.insert(len(group_keys) + 3, "n", out[nps.COUNT_COLUMNS].sum(axis=1).astype("int64"))
    order = [*group_keys, *nps.COUNT_COLUMNS, "n", *nps.EXCLUSION_COLUMNS]
    out = out[order]
    for col, reason in nps.EXCLUSION_COLUMNS.items():
        excluded[reason] = int(out[col].sum())
    out.attrs["excluded"] = {k: v for k, v in excluded.items() if v}
    out.attrs["early_days"] = early_days
    return out


# --------------------------------------------------------------------------------------------------
# reps: the reduction lives in kpi_analysis/reps/reduce.py
# --------------------------------------------------------------------------------------------------

def _reps_reduce(data, **kwargs):
    """:func:`kpi_analysis.reps.reduce` (imported when first used)."""
    from .reps import reduce

    return reduce(data, **kwargs)


# --------------------------------------------------------------------------------------------------
# promo: sales -> daily sums per location
# --------------------------------------------------------------------------------------------------

def daily_sums(sales, *, outcome=("revenue", "orders"), date: str = "date", location: str = "location"):
    """:func:`kpi_analysis.promo.daily_sums` in the engine (same parameters and output)."""
    import pandas as pd

    from . import promo

    t = _table_for(sales, "sales")
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    if isinstance(outcome, str) or tuple(outcomes) != tuple(promo.OUTCOMES):
        _require(t, "sales", [date, location, *outcomes])
    else:
        _require(t, "sales", [date, location])
        outcomes = [c for c in outcomes if c in t.columns]
        if not outcomes:
            _require(t, "sales", ["revenue"])
    g = t.mutate(_location=t[location].cast("string"), _date=t[date].cast("timestamp").truncate("D"))
    out = _fetch(g.group_by(["_location", "_date"]).aggregate(
        rows=g.count(), **{c: g[c].cast("float64").sum() for c in outcomes}))
    res = pd.DataFrame({"location": _as_str(out["_location"]), "date": _as_ts(out["_date"])})
    for c in outcomes:
        res[c] = pd.to_numeric(out[c]).astype(float)
    res["rows"] = pd.to_numeric(out["rows"]).astype("int64")
    return res.sort_values(["location", "date"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# feasibility: leads -> monthly drivers
# --------------------------------------------------------------------------------------------------

def monthly_drivers(leads, *, created: str = "created_at", closed: str = "closed_at", status: str = "status",
                    value: str = "deal_value"):
    """:func:`kpi_analysis.feasibility.monthly_drivers` in the engine (same parameters and output)."""
    import numpy as np
    import pandas as pd

    t = _table_for(leads, "leads")
    _require(t, "leads", [created, closed, status, value])
    done = t[status].isin(["won", "lost"])
    won = t[status] == "won"
    lag = (t[closed].epoch_seconds().cast("float64") - t[created].epoch_seconds().cast("float64")) / 86400
    lag = ibis_if(done & t[closed].notnull(), lag)
    bounds = t.aggregate(first=t[created].min(), last_created=t[created].max(), last_closed=t[closed].max(),
                         n=t.count(), lag95=lag.quantile(0.95)).execute().iloc[0]
    if not int(bounds["n"]):
        raise ValueError("leads: no rows to reduce.")
    # one scan: (created month, closed month of won/lost leads) pairs, then both marginals in pandas
    cells = _fetch(t.group_by(cm=t[created].truncate("M"),
                              km=ibis_if(done & t[closed].notnull(), t[closed].truncate("M"))).aggregate(
        leads=t.count(), won=_cnt(won & t[closed].notnull()),
        revenue=ibis_if(won & t[closed].notnull(), t[value].cast("float64")).sum()))
    cells["cm"], cells["km"] = _as_ts(cells["cm"]), _as_ts(cells["km"])
    for c in ("leads", "won"):
        cells[c] = pd.to_numeric(cells[c]).astype("int64")
    cells["revenue"] = pd.to_numeric(cells["revenue"]).astype(float)
    by_created = cells.groupby("cm")["leads"].sum().rename_axis("m").reset_index()
    shut = cells.dropna(subset=["km"])
    by_closed = shut.groupby("km").agg(closed=("leads", "sum"), won=("won", "sum"),
                                       revenue=("revenue", lambda v: v.sum(min_count=1)))
    by_closed = by_closed.rename_axis("m").reset_index()
    last = bounds["last_created"] if pd.isna(bounds["last_closed"]) else max(bounds["last_created"],
                                                                               bounds["last_closed"])
    last = pd.Timestamp(last)
    first = pd.Timestamp(bounds["first"]).to_period("M").to_timestamp()
    months = pd.date_range(first, last.to_period("M").to_timestamp(), freq="MS")
    out = pd.DataFrame({"month": months})
    bc = by_created.assign(m=_as_ts(by_created["m"])).set_index("m")
    bl = by_closed.assign(m=_as_ts(by_closed["m"])).set_index("m")
    out["leads"] = pd.to_numeric(bc["leads"]).reindex(months, fill_value=0).to_numpy().astype("int64")
    out["closed"] = pd.to_numeric(bl["closed"]).reindex(months, fill_value=0).to_numpy().astype("int64")
    out["won"] = pd.to_numeric(bl["won"]).reindex(months, fill_value=0).to_numpy().astype("int64")
    out["revenue"] = (pd.to_numeric(bl["revenue"]).fillna(0.0).reindex(months, fill_value=0.0)
                      .to_numpy().astype(float))
    out["conversion"] = out["won"] / out["leads"].where(out["leads"] > 0)
    out["deal_size"] = out["revenue"] / out["won"].where(out["won"] > 0)
    out["win_rate"] = out["won"] / out["closed"].where(out["closed"] > 0)
    month_end = (months + pd.offsets.MonthEnd(0)).normalize()
    # warm-up: until the data have run for the 95th percentile of the time to close, a month's closes
    # miss leads created before the data start (as feasibility.monthly_drivers)
    lag95 = 0.0 if pd.isna(bounds["lag95"]) else float(bounds["lag95"])
    warm_until = pd.Timestamp(bounds["first"]).normalize() + pd.Timedelta(days=lag95)
    out["complete"] = np.asarray((month_end <= last.normalize()) & (months >= warm_until))
    return out


# --------------------------------------------------------------------------------------------------
# scorecard: canonical tables -> per-period KPI totals
# --------------------------------------------------------------------------------------------------

def kpi_totals(tables: Mapping[str, Any], *, freq: str = "M", contact_days: int | None = None,
               risk_days: int | None = None, lost_days: int | None = None,
               channel_map: Mapping[str, str] | None = None, config: Mapping | None = None,
               notes: list | None = None):
    """:func:`kpi_analysis.scorecard.totals` in the engine (same parameters and output).

    ``tables`` maps canonical table names to Ibis tables, paths or DataFrames. Every table is
    aggregated in the engine to at most one row per period x group (client activity: per client and
    period); the KPI arithmetic then runs on those few rows exactly as the pandas reduction does.
    """
    import pandas as pd

    from . import scorecard as sc

    fr = sc._freq(freq)
    settings = sc._resolve_settings(config, contact_days=contact_days, risk_days=risk_days, lost_days=lost_days,
                                    channel_map=channel_map)
    if not isinstance(tables, Mapping):
        raise TypeError("tables must be a dict of canonical table name -> table; "
                        f"got {type(tables).__name__}.")
    notes = [] if notes is None else notes
    t = {k: _table_for(v, k) for k, v in tables.items() if v is not None}
    parts: list = []
    if "leads" in t:
        lead_parts, wins = _leads_totals(t["leads"], fr, settings["contact_days"], notes)
        parts += lead_parts
        if "marketing_spend" in t:
            cac, unmapped = _cac_totals(wins, t["marketing_spend"], fr, settings["channel_map"])
            parts += cac
            if unmapped:
                notes.append(("note_unmapped", {"sources": unmapped}))
    if "sales" in t:
        parts += _sales_totals(t["sales"], fr, notes)
    if "competitor_prices" in t:
        parts += _price_totals(t["competitor_prices"], fr)
    if "client_activity" in t:
        parts += _client_totals(t["client_activity"], fr, settings["risk_days"], settings["lost_days"])
    if "employee_survey" in t:
        parts += _survey_totals(t["employee_survey"], fr)
    if "nps_responses" in t:
        parts += _nps_totals(t["nps_responses"], fr)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("kpi", "period", "by", "group") else float)
                             for c in sc.REDUCED_COLUMNS})
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)[sc.REDUCED_COLUMNS]
    for col in ("kpi", "period", "by", "group"):
        out[col] = out[col].astype("str")
    return out.sort_values(["kpi", "by", "group", "period"], kind="stable").reset_index(drop=True)


def _periods(starts, fr):
    import pandas as pd

    return pd.PeriodIndex(pd.DatetimeIndex(_as_ts(pd.Series(starts))), freq=fr)


def _leads_totals(t, fr, contact_days, notes):
    """(KPI rows, wins per closed period x source for the CAC) from one grouped scan of the leads."""
    import ibis
    import pandas as pd

    from . import scorecard as sc

    _require(t, "leads", ["created_at", "source", "status", "closed_at"])
    t = t.filter(t.created_at.notnull())
    contact = "first_contact_at" in t.columns
    metrics = {"n": t.count()}
    if contact:
        row = t.aggregate(a=t.created_at.max(), b=t.closed_at.max(), c=t.first_contact_at.max()).execute().iloc[0]
        as_of = max(pd.Timestamp(v) for v in row.tolist() if not pd.isna(v))
        window = pd.Timedelta(days=contact_days)
        eligible = t.created_at <= (as_of - window).to_pydatetime()
        contacted = t.first_contact_at.notnull() & (t.first_contact_at <= t.created_at + ibis.interval(
            days=contact_days)) & eligible
        metrics.update(eligible=_cnt(eligible), contacted=_cnt(contacted), excluded=_cnt(~eligible))
    # one scan of the leads for three KPIs: cells of created period x source x closed period of won
    # leads (NULL for the others), holding new leads, contact counts and wins; summed in pandas below
    won = (t.status == "won") & t.closed_at.notnull()
    metrics["won"] = _cnt(won)
    cells = _fetch(t.group_by(p=_period_start(t.created_at, fr), source=t.source,
                              wp=ibis_if(won, _period_start(t.closed_at, fr))).aggregate(**metrics))
    cells["source"] = _as_str(cells["source"])
    for c in [k for k in metrics if k != "n"] + ["n"]:
        cells[c] = pd.to_numeric(cells[c]).astype("int64")
    wins = cells.loc[cells["wp"].notna() & (cells["won"] > 0), ["wp", "source", "won"]]
    g = cells.groupby(["p", "source"], sort=True)[list(metrics)].sum().reset_index()
    out = []
    if not len(g):
        return out, wins
    per = _periods(g["p"], fr)
    s = pd.Series(pd.to_numeric(g["n"]).to_numpy(), index=pd.MultiIndex.from_arrays(
        [per, _as_str(g["source"])], names=["_p", "source"]))
    rng = sc._full_range(pd.Series(per), fr)
    by_src = s.unstack(fill_value=0).reindex(rng, fill_value=0).stack()
    by_src.index.names = ["_p", "source"]
    tot = by_src.groupby(level=0).sum()
    out.append(sc._rows("new_leads", tot.index, sc.ALL, sc.ALL, tot.to_numpy(), tot.to_numpy(), 1.0))
    out.append(sc._rows("new_leads", by_src.index.get_level_values(0), "source",
                        by_src.index.get_level_values(1), by_src.to_numpy(), by_src.to_numpy(), 1.0))
    if contact:
        c = g[["eligible", "contacted", "excluded"]].apply(pd.to_numeric).astype("int64")
        c = c.groupby(pd.Series(per, index=g.index)).sum().reindex(rng, fill_value=0)
        share = c["contacted"] / c["eligible"].where(c["eligible"] > 0)
        out.append(sc._rows("leads_contacted_share", c.index, sc.ALL, sc.ALL, share, c["contacted"], c["eligible"],
                            excluded=c["excluded"]))
    else:
        notes.append(("note_missing_column", {"kpis": ["leads_contacted_share"], "table": "leads",
                                              "column": "first_contact_at"}))
    return out, wins


def _cac_totals(wins, spend, fr, channel_map):
    import pandas as pd

    from . import scorecard as sc

    _require(spend, "marketing_spend", ["month", "channel", "spend"])
    w = wins.groupby(["wp", "source"], sort=True)["won"].sum().reset_index().rename(columns={"wp": "p", "won": "n"})
    w["_p"] = _periods(w["p"], fr)
    w["source"] = _as_str(w["source"])
    w["n"] = pd.to_numeric(w["n"]).astype("int64")
    sp_m = _fetch(spend.group_by(month=spend.month.truncate("M"), channel=spend.channel).aggregate(
        spend=spend.spend.cast("float64").sum()))
    sp_m["month"] = _as_ts(sp_m["month"])
    sp_m["channel"] = _as_str(sp_m["channel"])
    sp_m["spend"] = pd.to_numeric(sp_m["spend"]).astype(float)
    sp = sc._spend_periods(sp_m, fr)  # the monthly totals are small: spread them as the pandas code does
    rng = sc._full_range(pd.concat([pd.Series(w["_p"]), sp["_p"]]).dropna(), fr)
    spend_p = sp.groupby("_p")["spend"].sum().reindex(rng, fill_value=0.0)
    won_p = w.groupby("_p")["n"].sum().reindex(rng, fill_value=0)
    out = [sc._rows("cac", rng, sc.ALL, sc.ALL, spend_p / won_p.where(won_p > 0), spend_p, won_p)]
    cmap = dict(channel_map or {})
    w["channel"] = w["source"].map(lambda s: cmap.get(s, s))
    scn = sp.groupby(["_p", "channel"], observed=True)["spend"].sum()
    wc = w.groupby(["_p", "channel"])["n"].sum()
    channels = sorted(set(sp["channel"]))
    idx = pd.MultiIndex.from_product([rng, channels], names=["_p", "channel"])
    scn, wc = scn.reindex(idx, fill_value=0.0), wc.reindex(idx, fill_value=0)
    out.append(sc._rows("cac", idx.get_level_values(0), "channel", idx.get_level_values(1),
                        scn / wc.where(wc > 0), scn, wc))
    unmapped = sorted(set(w["channel"]) - set(channels))
    return out, unmapped


def _sales_totals(t, fr, notes):
    import pandas as pd

    from . import scorecard as sc

    _require(t, "sales", ["date", "location", "revenue"])
    kpis = ["revenue", "orders"] if "orders" in t.columns else ["revenue"]
    if "orders" not in t.columns:  # an optional column: its KPI shows no data
        notes.append(("note_missing_column", {"kpis": ["orders"], "table": "sales", "column": "orders"}))
    t = t.filter(t.date.notnull())
    sums = {"revenue": t.revenue.cast("float64").sum(), **({"orders": t.orders.sum()} if "orders" in kpis else {})}
    g = _fetch(t.group_by(p=_period_start(t.date, fr), location=t.location).aggregate(**sums))
    per = _periods(g["p"], fr)
    g.index = pd.MultiIndex.from_arrays([per, _as_str(g["location"])], names=["_p", "location"])
    g = g[kpis].apply(pd.to_numeric).sort_index()
    g["revenue"] = g["revenue"].astype(float)
    if "orders" in kpis:
        g["orders"] = g["orders"].astype("int64")
    rng = sc._full_range(pd.Series(per), fr)
    tot = g.groupby(level=0).sum().reindex(rng, fill_value=0)
    out = []
    for kpi in kpis:
        out.append(sc._rows(kpi, tot.index, sc.ALL, sc.ALL, tot[kpi], tot[kpi], 1.0))
        out.append(sc._rows(kpi, g.index.get_level_values(0), "location", g.index.get_level_values(1),
                            g[kpi], g[kpi], 1.0))
    return out


def _price_totals(t, fr):
    import pandas as pd

    from . import scorecard as sc

    _require(t, "competitor_prices", ["date", "product", "our_price", "competitor_price"])
    bad = int(t.aggregate(n=_cnt(~(t.competitor_price > 0))).execute()["n"].iloc[0] or 0)
    if bad:
        raise ValueError(f"competitor_prices.competitor_price must be > 0: {bad} row(s) do not.")
    ratio = t.our_price.cast("float64") / t.competitor_price.cast("float64")
    g = _fetch(t.group_by(p=_period_start(t.date, fr), product=t["product"]).aggregate(
        sum=ratio.sum(), count=ratio.count()))
    g.index = pd.MultiIndex.from_arrays([_periods(g["p"], fr), _as_str(g["product"])], names=["_p", "product"])
    g = g[["sum", "count"]].apply(pd.to_numeric).sort_index()
    g["count"] = g["count"].astype("int64")
    g["mean"] = g["sum"] / g["count"]
    tot = g.groupby(level=0)["mean"].agg(["sum", "count"])
    return [sc._rows("price_index", tot.index, sc.ALL, sc.ALL, tot["sum"] / tot["count"], tot["sum"], tot["count"]),
            sc._rows("price_index", g.index.get_level_values(0), "product", g.index.get_level_values(1),
                     g["mean"], g["sum"], g["count"])]


def _client_totals(t, fr, risk_days, lost_days):
    """Engagement and clients at risk, with the carried-forward 'last activity' computed in the engine."""
    import ibis
    import pandas as pd

    from . import scorecard as sc

    _require(t, "client_activity", ["client_id", "date"])
    act = t.filter(t.client_id.notnull() & t.date.notnull())
    last = act.group_by(client=act.client_id, p=_period_start(act.date, fr)).aggregate(last=act.date.max())
    b = last.aggregate(lo=last.p.min(), hi=last.p.max()).execute().iloc[0]
    if pd.isna(b["lo"]):
        return []
    rng = pd.period_range(pd.Timestamp(b["lo"]).to_period(fr), pd.Timestamp(b["hi"]).to_period(fr), freq=fr)
    frame = pd.DataFrame({"q": [q.start_time for q in rng],
                          "q_end": [q.end_time.normalize() for q in rng]})
    periods = ibis.memtable(frame)
    j = periods.cross_join(last).filter(lambda x: x.p <= x.q)
    per_client = j.group_by(["q", "q_end", "client"]).aggregate(
        last_upto=j["last"].max(),
        last_before=ibis_if(j.p < j.q, j["last"]).max(),
        active=ibis.ifelse(j.p == j.q, 1, 0).max())
    pc = per_client
    # gap in whole days, floored (pandas .dt.days): floor(x) <= L  <=>  x < L + 1 day
    existing = pc.last_before.notnull() & (pc.last_before > pc.q - ibis.interval(days=lost_days + 1))
    live = pc.last_upto > pc.q_end - ibis.interval(days=lost_days + 1)
    risky = pc.last_upto <= pc.q_end - ibis.interval(days=risk_days + 1)
    agg = _fetch(pc.group_by("q").aggregate(
        n_existing=_cnt(existing),
        n_active=_cnt(existing & (pc.active == 1)),
        at_risk=_cnt(live & risky),
        live=_cnt(live)))
    agg.index = _periods(agg["q"], fr)
    agg = agg[["n_existing", "n_active", "at_risk", "live"]].apply(pd.to_numeric).reindex(rng, fill_value=0)
    agg = agg.astype("int64")
    return [sc._rows("client_engagement", rng, sc.ALL, sc.ALL,
                     agg["n_active"] / agg["n_existing"].where(agg["n_existing"] > 0),
                     agg["n_active"], agg["n_existing"]),
            sc._rows("clients_at_risk", rng, sc.ALL, sc.ALL, agg["at_risk"], agg["at_risk"], agg["live"])]


def _score_aggs(t, score_col, with_moments: bool):
    s = t[score_col].cast("float64")
    ok = s.notnull()
    out = {"n": _cnt(ok), "detractors": _cnt(ok & (s <= 6)), "passives": _cnt(ok & (s >= 7) & (s <= 8)),
           "promoters": _cnt(ok & (s >= 9)), "blank": _cnt(~ok)}
    if with_moments:
        out["sum"] = s.sum()
        out["sum_sq"] = (s * s).sum()
    return out


def _survey_totals(t, fr):
    import pandas as pd

    from . import scorecard as sc

    _require(t, "employee_survey", ["date", "team", "score"])
    g = _fetch(t.group_by(p=_period_start(t.date, fr), team=t.team).aggregate(**_score_aggs(t, "score", True)))
    g["_p"] = _periods(g["p"], fr)
    g["team"] = _as_str(g["team"])
    cols = ["n", "sum", "sum_sq", "detractors", "passives", "promoters", "blank"]
    g[cols] = g[cols].apply(pd.to_numeric)
    for c in ("n", "detractors", "passives", "promoters", "blank"):
        g[c] = g[c].astype("int64")
    g["sum"] = g["sum"].fillna(0.0)
    g["sum_sq"] = g["sum_sq"].fillna(0.0)
    excl = g.groupby("_p")["blank"].sum()
    g = g[g["n"] > 0]
    out = []
    for by, keys in ((sc.ALL, ["_p"]), ("team", ["_p", "team"])):
        a = g.groupby(keys, observed=True)[["n", "sum", "sum_sq", "detractors", "passives", "promoters"]].sum()
        per = a.index if by == sc.ALL else a.index.get_level_values(0)
        grp = sc.ALL if by == sc.ALL else a.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == sc.ALL else 0.0
        out.append(sc._rows("employee_satisfaction", per, by, grp, a["sum"] / a["n"], a["sum"], a["n"],
                            sum_sq=a["sum_sq"], excluded=ex))
        out.append(sc._rows("enps", per, by, grp, 100 * (a["promoters"] - a["detractors"]) / a["n"],
                            a["promoters"] - a["detractors"], a["n"], detractors=a["detractors"],
                            passives=a["passives"], promoters=a["promoters"], excluded=ex))
    return out


def _nps_totals(t, fr):
    import pandas as pd

    from . import scorecard as sc

    _require(t, "nps_responses", ["responded_at", "score", "region"])
    g = _fetch(t.group_by(p=_period_start(t.responded_at, fr), region=t.region).aggregate(
        **_score_aggs(t, "score", False)))
    g["_p"] = _periods(g["p"], fr)
    g["region"] = _as_str(g["region"])
    for c in ("n", "detractors", "passives", "promoters", "blank"):
        g[c] = pd.to_numeric(g[c]).astype("int64")
    excl = g.groupby("_p")["blank"].sum()
    g = g[g["n"] > 0]
    rng = sc._full_range(pd.Series(g["_p"]), fr)
    out = []
    for by, keys in ((sc.ALL, ["_p"]), ("region", ["_p", "region"])):
        a = g.groupby(keys, observed=True)[["n", "detractors", "passives", "promoters"]].sum()
        if by == sc.ALL:
            a = a.reindex(rng, fill_value=0)
        per = a.index if by == sc.ALL else a.index.get_level_values(0)
        grp = sc.ALL if by == sc.ALL else a.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == sc.ALL else 0.0
        out.append(sc._rows("nps", per, by, grp, 100 * (a["promoters"] - a["detractors"]) / a["n"].where(a["n"] > 0),
                            a["promoters"] - a["detractors"], a["n"], detractors=a["detractors"],
                            passives=a["passives"], promoters=a["promoters"], excluded=ex))
    return out


# --------------------------------------------------------------------------------------------------
# one entry point per analysis
# --------------------------------------------------------------------------------------------------

REDUCTIONS = {"nps": nps_counts, "reps": _reps_reduce, "promo": daily_sums, "feasibility": monthly_drivers,
              "scorecard": kpi_totals}
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
