"""The scorecard's one reduction: canonical tables -> per-period KPI totals, written once in Ibis.

Each table is aggregated where it lives (a pandas frame in the embedded DuckDB, a workbook table in
DuckDB, PostgreSQL or another Ibis backend) to at most one row per period x group (client activity:
per client and period, with the carried-forward last activity computed in the engine); the KPI
arithmetic then runs on those few rows in pandas.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..core.checks import warn_case_variants
from ..core.deprecation import renamed
from ..core.reduction import as_str, as_table, as_timestamps, count_if, fetch, if_then, period_start, require
from ..core.results import note
from .spec import ALL, KEY_COLUMNS, REDUCED_COLUMNS, pandas_freq, resolve_settings

__all__ = ["reduce", "totals"]

#: the tables the reduction reads, in the order it reads them
READS = ("leads", "marketing_spend", "sales", "competitor_prices", "client_activity", "employee_survey",
         "nps_responses")


def reduce(data: Mapping[str, Any], *, freq: str = "M", contact_days: int | None = None,
           risk_days: int | None = None, lost_days: int | None = None,
           channel_map: Mapping[str, str] | None = None, config: Mapping | None = None,
           notes: list | None = None) -> pd.DataFrame:
    """Reduce the canonical tables to per-period KPI totals (the scorecard's sufficient statistics).

    Parameters
    ----------
    data : dict of str -> DataFrame or Ibis table
        Canonical tables by name (``leads``, ``sales``, ``marketing_spend``, ``competitor_prices``,
        ``client_activity``, ``employee_survey``, ``nps_responses``): pandas frames, Ibis tables such
        as ``Workbook.table(name)`` (reduced where they live) or file paths. Missing or ``None``
        tables are skipped: their KPIs get no rows. Other entries (``kpi_targets``) are ignored.
    freq : {"M", "Q", "W", "Y"}, default "M"
        Period length: month, quarter, week (Monday to Sunday, as ISO weeks) or year.
    contact_days : int, default 3
        A lead counts as contacted when ``first_contact_at - created_at <= contact_days`` days.
    risk_days : int, default 60
        A client is at risk when their last activity is more than ``risk_days`` before the period end.
    lost_days : int, default 120
        A client silent for more than ``lost_days`` has lapsed: no longer an existing client (out of
        the engagement denominator) and no longer counted as at risk (they are lost, not at risk).
    channel_map : dict, optional
        Lead ``source`` -> ``marketing_spend.channel`` for CAC by channel. Sources not named keep
        their own name, so when the two tables share names (the sample data) no map is needed.
    config : dict, optional
        Workbook settings; ``analyses.scorecard`` supplies the defaults above.
    notes : list, optional
        Receives the notes of the reduction as codes (``core.results.note``): ``missing_column``
        (``leads.first_contact_at``, ``sales.orders``) and ``unmapped`` (lead sources without a
        spend channel).

    Returns
    -------
    DataFrame with columns ``REDUCED_COLUMNS``, one row per kpi x period x breakdown group:

    - ``kpi``: KPI id; ``period``: the period as pandas writes it ("2026-10", "2026Q4",
      "2026-10-26/2026-11-01", "2026"; ``scorecard.period_text`` gives "2026-Q4", "2026-W44");
    - ``by``, ``group``: the breakdown ("source", "channel", "location", "product", "team",
      "region") and its value; ``"all"``/``"all"`` for the KPI itself;
    - ``value``: the KPI; ``numerator`` and ``denominator`` its parts. Counts and money (new_leads,
      revenue, orders): the total and 1. clients_at_risk: clients at risk and clients known by the
      period end. Shares: clients/leads with the event and those eligible. cac: spend and won leads.
      price_index: sum of product indexes and number of products (per product: sum of price ratios
      and observations). employee_satisfaction: sum of scores and answers; ``sum_sq`` the sum of
      squared scores. enps/nps: promoters - detractors and answers, with the three counts in
      ``detractors``, ``passives``, ``promoters`` (value in points);
    - ``excluded``: rows left out of that period's KPI (blank scores; leads whose contact window
      had not closed by the data's last date).

    Notes
    -----
    Won leads count in the period of ``closed_at``; new leads in the period of ``created_at``.
    Existing clients in a period: seen before the period starts and silent for at most ``lost_days``
    at its start. ``client_engagement``: existing clients with an activity in the period / existing
    clients. ``clients_at_risk``: clients whose last activity is more than ``risk_days`` and at most
    ``lost_days`` before the period end (its denominator: clients silent for at most ``lost_days``).
    Monthly marketing spend is spread evenly over the days of the month for weekly periods.

    Examples
    --------
    >>> sales = pd.DataFrame({"date": pd.to_datetime(["2026-09-30", "2026-10-01", "2026-10-02"]),
    ...                       "location": ["A", "A", "B"], "revenue": [10.0, 20.0, 5.0], "orders": [1, 2, 1]})
    >>> t = reduce({"sales": sales})
    >>> t.query("kpi == 'revenue' and by == 'all'")[["period", "value"]].to_dict("records")
    [{'period': '2026-09', 'value': 10.0}, {'period': '2026-10', 'value': 25.0}]
    """
    fr = pandas_freq(freq)
    settings = resolve_settings(config, contact_days=contact_days, risk_days=risk_days, lost_days=lost_days,
                                channel_map=channel_map)
    if not isinstance(data, Mapping):
        raise TypeError("data must be a dict of canonical table name -> table (DataFrame or Ibis table); "
                        f"got {type(data).__name__}.")
    notes = [] if notes is None else notes
    for name, keys in KEY_COLUMNS.items():  # "Miền Trung" and "miền trung" would be two groups: say so
        if isinstance(data.get(name), pd.DataFrame):
            warn_case_variants(data[name], keys, table=name)
    t = {k: as_table(data[k], k) for k in READS if data.get(k) is not None}
    parts: list[pd.DataFrame] = []
    if "leads" in t:
        lead_parts, wins = _leads_totals(t["leads"], fr, settings["contact_days"], notes)
        parts += lead_parts
        if "marketing_spend" in t:
            cac, unmapped = _cac_totals(wins, t["marketing_spend"], fr, settings["channel_map"])
            parts += cac
            if unmapped:
                notes.append(note("unmapped", sources=unmapped))
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
    return _assemble(parts)


@renamed(tables="data")
def totals(data, **kwargs) -> pd.DataFrame:
    """Deprecated alias of :func:`reduce` (``scorecard.totals`` is now ``scorecard.reduce``).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     t = totals({})
    >>> print(caught[0].message)
    totals() is now reduce(); the old name stops working in the next release.
    """
    warnings.warn("totals() is now reduce(); the old name stops working in the next release.",
                  DeprecationWarning, stacklevel=3)  # past the renamed() wrapper
    return reduce(data, **kwargs)


def _assemble(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The reduced table: every part in ``REDUCED_COLUMNS`` order, sorted by kpi, breakdown, group, period."""
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("kpi", "period", "by", "group") else float)
                             for c in REDUCED_COLUMNS})
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)[REDUCED_COLUMNS]
    for col in ("kpi", "period", "by", "group"):
        out[col] = out[col].astype("str")
    return out.sort_values(["kpi", "by", "group", "period"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# small helpers: rows of the reduced table, period ranges
# --------------------------------------------------------------------------------------------------

def _rows(kpi, period, by, group, value, numerator=np.nan, denominator=np.nan, **extra) -> pd.DataFrame:
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


def _full_range(periods: pd.Series, fr: str) -> pd.PeriodIndex:
    return pd.period_range(periods.min(), periods.max(), freq=fr)


def _periods(starts, fr):
    return pd.PeriodIndex(pd.DatetimeIndex(as_timestamps(pd.Series(starts))), freq=fr)


def _reject(t, bad, *, table: str, column: str, rule: str) -> None:
    """Raise naming ``table.column``, the rule, how many rows break it and a few of their values."""
    n = int(t.aggregate(n=count_if(bad)).execute()["n"].iloc[0] or 0)
    if n:
        shown = ", ".join(repr(v) for v in fetch(t.filter(bad).select(column).limit(5))[column].tolist())
        raise ValueError(f"{table}.{column} {rule}: {n} row(s) do not, e.g. {shown}.")


def _spend_periods(spend, fr):
    """Monthly spend rows labelled with their period ``_p``; weeks get each month's spend spread
    evenly over its days (spend is only known per month)."""
    if fr == "W-SUN":
        days = spend.loc[spend.index.repeat(spend["month"].dt.days_in_month)].copy()
        days["day"] = days["month"] + pd.to_timedelta(days.groupby(level=0).cumcount(), unit="D")
        days["spend"] = days["spend"] / days["month"].dt.days_in_month
        return days.assign(_p=days["day"].dt.to_period(fr))
    return spend.assign(_p=spend["month"].dt.to_period(fr))


# --------------------------------------------------------------------------------------------------
# one function per table
# --------------------------------------------------------------------------------------------------

def _leads_totals(t, fr, contact_days, notes):
    """(KPI rows, wins per closed period x source for the CAC) from one grouped scan of the leads."""
    import ibis

    require(t, "leads", ["created_at", "source", "status", "closed_at"])
    t = t.filter(t.created_at.notnull())
    contact = "first_contact_at" in t.columns
    metrics = {"n": t.count()}
    if contact:
        _reject(t, t.first_contact_at < t.created_at, table="leads", column="first_contact_at",
                rule="must not be before created_at")
        row = t.aggregate(a=t.created_at.max(), b=t.closed_at.max(), c=t.first_contact_at.max()).execute().iloc[0]
        stamps = [pd.Timestamp(v) for v in row.tolist() if not pd.isna(v)]
        # A lead counts once its contact window is over: leads created less than `contact_days` before
        # the data's as-of date (latest timestamp in the table) are excluded, counted, and not judged.
        eligible = (t.created_at <= (max(stamps) - pd.Timedelta(days=contact_days)).to_pydatetime()
                    if stamps else ibis.literal(False))
        contacted = t.first_contact_at.notnull() & (t.first_contact_at <= t.created_at + ibis.interval(
            days=contact_days)) & eligible
        metrics.update(eligible=count_if(eligible), contacted=count_if(contacted), excluded=count_if(~eligible))
    # one scan of the leads for three KPIs: cells of created period x source x closed period of won
    # leads (NULL for the others), holding new leads, contact counts and wins; summed in pandas below
    won = (t.status == "won") & t.closed_at.notnull()
    metrics["won"] = count_if(won)
    cells = fetch(t.group_by(p=period_start(t.created_at, fr), source=t.source,
                             wp=if_then(won, period_start(t.closed_at, fr))).aggregate(**metrics))
    cells["source"] = as_str(cells["source"])
    for c in [k for k in metrics if k != "n"] + ["n"]:
        cells[c] = pd.to_numeric(cells[c]).astype("int64")
    wins = cells.loc[cells["wp"].notna() & (cells["won"] > 0), ["wp", "source", "won"]]
    g = cells.groupby(["p", "source"], sort=True)[list(metrics)].sum().reset_index()
    out = []
    if not len(g):
        return out, wins
    per = _periods(g["p"], fr)
    s = pd.Series(pd.to_numeric(g["n"]).to_numpy(), index=pd.MultiIndex.from_arrays(
        [per, as_str(g["source"])], names=["_p", "source"]))
    rng = _full_range(pd.Series(per), fr)
    by_src = s.unstack(fill_value=0).reindex(rng, fill_value=0).stack()
    by_src.index.names = ["_p", "source"]
    tot = by_src.groupby(level=0).sum()
    out.append(_rows("new_leads", tot.index, ALL, ALL, tot.to_numpy(), tot.to_numpy(), 1.0))
    out.append(_rows("new_leads", by_src.index.get_level_values(0), "source",
                     by_src.index.get_level_values(1), by_src.to_numpy(), by_src.to_numpy(), 1.0))
    if contact:
        c = g[["eligible", "contacted", "excluded"]].apply(pd.to_numeric).astype("int64")
        c = c.groupby(pd.Series(per, index=g.index)).sum().reindex(rng, fill_value=0)
        share = c["contacted"] / c["eligible"].where(c["eligible"] > 0)
        out.append(_rows("leads_contacted_share", c.index, ALL, ALL, share, c["contacted"], c["eligible"],
                         excluded=c["excluded"]))
    else:
        notes.append(note("missing_column", kpis=["leads_contacted_share"], table="leads",
                          column="first_contact_at"))
    return out, wins


def _cac_totals(wins, spend, fr, channel_map):
    require(spend, "marketing_spend", ["month", "channel", "spend"])
    w = wins.groupby(["wp", "source"], sort=True)["won"].sum().reset_index().rename(columns={"wp": "p", "won": "n"})
    w["_p"] = _periods(w["p"], fr)
    w["source"] = as_str(w["source"])
    w["n"] = pd.to_numeric(w["n"]).astype("int64")
    sp_m = fetch(spend.group_by(month=spend.month.truncate("M"), channel=spend.channel).aggregate(
        spend=spend.spend.cast("float64").sum()))
    sp_m["month"] = as_timestamps(sp_m["month"])
    sp_m["channel"] = as_str(sp_m["channel"])
    sp_m["spend"] = pd.to_numeric(sp_m["spend"]).astype(float)
    sp = _spend_periods(sp_m, fr)  # the monthly totals are small: spread over weeks in pandas
    rng = _full_range(pd.concat([pd.Series(w["_p"]), sp["_p"]]).dropna(), fr)
    spend_p = sp.groupby("_p")["spend"].sum().reindex(rng, fill_value=0.0)
    won_p = w.groupby("_p")["n"].sum().reindex(rng, fill_value=0)
    out = [_rows("cac", rng, ALL, ALL, spend_p / won_p.where(won_p > 0), spend_p, won_p)]
    cmap = dict(channel_map or {})
    w["channel"] = w["source"].map(lambda s: cmap.get(s, s))
    scn = sp.groupby(["_p", "channel"], observed=True)["spend"].sum()
    wc = w.groupby(["_p", "channel"])["n"].sum()
    channels = sorted(set(sp["channel"]))
    idx = pd.MultiIndex.from_product([rng, channels], names=["_p", "channel"])
    scn, wc = scn.reindex(idx, fill_value=0.0), wc.reindex(idx, fill_value=0)
    out.append(_rows("cac", idx.get_level_values(0), "channel", idx.get_level_values(1),
                     scn / wc.where(wc > 0), scn, wc))
    unmapped = sorted(set(w["channel"]) - set(channels))
    return out, unmapped


def _sales_totals(t, fr, notes):
    require(t, "sales", ["date", "location", "revenue"])
    kpis = ["revenue", "orders"] if "orders" in t.columns else ["revenue"]
    if "orders" not in t.columns:  # an optional column: its KPI shows no data
        notes.append(note("missing_column", kpis=["orders"], table="sales", column="orders"))
    t = t.filter(t.date.notnull())
    sums = {"revenue": t.revenue.cast("float64").sum(), **({"orders": t.orders.sum()} if "orders" in kpis else {})}
    g = fetch(t.group_by(p=period_start(t.date, fr), location=t.location).aggregate(**sums))
    per = _periods(g["p"], fr)
    g.index = pd.MultiIndex.from_arrays([per, as_str(g["location"])], names=["_p", "location"])
    g = g[kpis].apply(pd.to_numeric).sort_index()
    g["revenue"] = g["revenue"].astype(float)
    if "orders" in kpis:
        g["orders"] = g["orders"].astype("int64")
    rng = _full_range(pd.Series(per), fr)
    tot = g.groupby(level=0).sum().reindex(rng, fill_value=0)
    out = []
    for kpi in kpis:
        out.append(_rows(kpi, tot.index, ALL, ALL, tot[kpi], tot[kpi], 1.0))
        out.append(_rows(kpi, g.index.get_level_values(0), "location", g.index.get_level_values(1),
                         g[kpi], g[kpi], 1.0))
    return out


def _price_totals(t, fr):
    require(t, "competitor_prices", ["date", "product", "our_price", "competitor_price"])
    _reject(t, ~(t.competitor_price > 0).fill_null(False), table="competitor_prices", column="competitor_price",
            rule="must be > 0")
    ratio = t.our_price.cast("float64") / t.competitor_price.cast("float64")
    g = fetch(t.group_by(p=period_start(t.date, fr), product=t["product"]).aggregate(
        sum=ratio.sum(), count=ratio.count()))
    g.index = pd.MultiIndex.from_arrays([_periods(g["p"], fr), as_str(g["product"])], names=["_p", "product"])
    g = g[["sum", "count"]].apply(pd.to_numeric).sort_index()
    g["count"] = g["count"].astype("int64")
    g["mean"] = g["sum"] / g["count"]
    tot = g.groupby(level=0)["mean"].agg(["sum", "count"])
    return [_rows("price_index", tot.index, ALL, ALL, tot["sum"] / tot["count"], tot["sum"], tot["count"]),
            _rows("price_index", g.index.get_level_values(0), "product", g.index.get_level_values(1),
                  g["mean"], g["sum"], g["count"])]


def _client_totals(t, fr, risk_days, lost_days):
    """Engagement and clients at risk, with the carried-forward 'last activity' computed in the engine."""
    import ibis

    require(t, "client_activity", ["client_id", "date"])
    act = t.filter(t.client_id.notnull() & t.date.notnull())
    last = act.group_by(client=act.client_id, p=period_start(act.date, fr)).aggregate(last=act.date.max())
    b = last.aggregate(lo=last.p.min(), hi=last.p.max()).execute().iloc[0]
    if pd.isna(b["lo"]):
        return []
    rng = pd.period_range(pd.Timestamp(b["lo"]).to_period(fr), pd.Timestamp(b["hi"]).to_period(fr), freq=fr)
    frame = pd.DataFrame({"q": [q.start_time for q in rng],
                          "q_end": [q.end_time.normalize() for q in rng]})
    periods = ibis.memtable(frame)
    j = periods.cross_join(last).filter(lambda x: x.p <= x.q)
    pc = j.group_by(["q", "q_end", "client"]).aggregate(
        last_upto=j["last"].max(),
        last_before=if_then(j.p < j.q, j["last"]).max(),
        active=ibis.ifelse(j.p == j.q, 1, 0).max())
    # gap in whole days, floored (pandas .dt.days): floor(x) <= L  <=>  x < L + 1 day
    existing = pc.last_before.notnull() & (pc.last_before > pc.q - ibis.interval(days=lost_days + 1))
    live = pc.last_upto > pc.q_end - ibis.interval(days=lost_days + 1)
    risky = pc.last_upto <= pc.q_end - ibis.interval(days=risk_days + 1)
    agg = fetch(pc.group_by("q").aggregate(
        n_existing=count_if(existing),
        n_active=count_if(existing & (pc.active == 1)),
        at_risk=count_if(live & risky),
        live=count_if(live)))
    agg.index = _periods(agg["q"], fr)
    agg = agg[["n_existing", "n_active", "at_risk", "live"]].apply(pd.to_numeric).reindex(rng, fill_value=0)
    agg = agg.astype("int64")
    return [_rows("client_engagement", rng, ALL, ALL,
                  agg["n_active"] / agg["n_existing"].where(agg["n_existing"] > 0),
                  agg["n_active"], agg["n_existing"]),
            _rows("clients_at_risk", rng, ALL, ALL, agg["at_risk"], agg["at_risk"], agg["live"])]


def _score_aggs(t, score_col, with_moments: bool):
    s = t[score_col].cast("float64")
    ok = s.notnull()
    out = {"n": count_if(ok), "detractors": count_if(ok & (s <= 6)), "passives": count_if(ok & (s >= 7) & (s <= 8)),
           "promoters": count_if(ok & (s >= 9)), "blank": count_if(~ok)}
    if with_moments:
        out["sum"] = s.sum()
        out["sum_sq"] = (s * s).sum()
    return out


def _survey_totals(t, fr):
    require(t, "employee_survey", ["date", "team", "score"])
    g = fetch(t.group_by(p=period_start(t.date, fr), team=t.team).aggregate(**_score_aggs(t, "score", True)))
    g["_p"] = _periods(g["p"], fr)
    g["team"] = as_str(g["team"])
    cols = ["n", "sum", "sum_sq", "detractors", "passives", "promoters", "blank"]
    g[cols] = g[cols].apply(pd.to_numeric)
    for c in ("n", "detractors", "passives", "promoters", "blank"):
        g[c] = g[c].astype("int64")
    g["sum"] = g["sum"].fillna(0.0)
    g["sum_sq"] = g["sum_sq"].fillna(0.0)
    excl = g.groupby("_p")["blank"].sum()
    g = g[g["n"] > 0]
    out = []
    for by, keys in ((ALL, ["_p"]), ("team", ["_p", "team"])):
        a = g.groupby(keys, observed=True)[["n", "sum", "sum_sq", "detractors", "passives", "promoters"]].sum()
        per = a.index if by == ALL else a.index.get_level_values(0)
        grp = ALL if by == ALL else a.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == ALL else 0.0
        out.append(_rows("employee_satisfaction", per, by, grp, a["sum"] / a["n"], a["sum"], a["n"],
                         sum_sq=a["sum_sq"], excluded=ex))
        out.append(_rows("enps", per, by, grp, 100 * (a["promoters"] - a["detractors"]) / a["n"],
                         a["promoters"] - a["detractors"], a["n"], detractors=a["detractors"],
                         passives=a["passives"], promoters=a["promoters"], excluded=ex))
    return out


def _nps_totals(t, fr):
    require(t, "nps_responses", ["responded_at", "score", "region"])
    g = fetch(t.group_by(p=period_start(t.responded_at, fr), region=t.region).aggregate(
        **_score_aggs(t, "score", False)))
    g["_p"] = _periods(g["p"], fr)
    g["region"] = as_str(g["region"])
    for c in ("n", "detractors", "passives", "promoters", "blank"):
        g[c] = pd.to_numeric(g[c]).astype("int64")
    excl = g.groupby("_p")["blank"].sum()
    g = g[g["n"] > 0]
    rng = _full_range(pd.Series(g["_p"]), fr)
    out = []
    for by, keys in ((ALL, ["_p"]), ("region", ["_p", "region"])):
        a = g.groupby(keys, observed=True)[["n", "detractors", "passives", "promoters"]].sum()
        if by == ALL:
            a = a.reindex(rng, fill_value=0)
        per = a.index if by == ALL else a.index.get_level_values(0)
        grp = ALL if by == ALL else a.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == ALL else 0.0
        out.append(_rows("nps", per, by, grp, 100 * (a["promoters"] - a["detractors"]) / a["n"].where(a["n"] > 0),
                         a["promoters"] - a["detractors"], a["n"], detractors=a["detractors"],
                         passives=a["passives"], promoters=a["promoters"], excluded=ex))
    return out
