"""The rep comparison's one reduction: lead rows in, closed and won leads per rep x stratum x period out.

Written once, in Ibis (``docs/design.md``): a pandas frame goes through the embedded DuckDB, a
workbook table (:meth:`kpi_analysis.config.Workbook.table`) is reduced where it lives (DuckDB over
Parquet, PostgreSQL, ...), and only the reduced rows come back. Everything the statistics need is
in those rows (:data:`COUNT_COLUMNS`), so :func:`kpi_analysis.reps.compare` takes either.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.checks import check_choice, reject_rows, require_columns, warn_case_variants
from ..core.columns import LEAD_STATUSES
from ..core.deprecation import renamed
from ..core.periods import parse_period, period_of
from ..core.reduction import (
    as_str,
    as_table,
    as_timestamps,
    count_if,
    fetch,
    period_start,
    period_strings,
    require,
    trim,
)

__all__ = ["ALL", "COUNT_COLUMNS", "FREQS", "check_reduced", "check_rows", "is_reduced", "label_period",
           "period_sort_key", "reduce", "strata_list"]

#: Columns of the reduced table made by :func:`reduce` (and accepted by :func:`kpi_analysis.reps.compare`).
COUNT_COLUMNS = ["rep", "stratum", "period", "closed", "won", "stale_open", "open_excluded"]
#: Frequencies the leads can be cut into: months, quarters or ISO weeks (Monday to Sunday) of their
#: creation date.
FREQS = ("M", "Q", "W")
#: Stratum / period label when there is no stratification / no period breakdown.
ALL = "all"
_KEYS = ["rep", "stratum", "period"]
_COUNTS = ["closed", "won", "stale_open", "open_excluded"]
_EPOCH = pd.Timestamp("1970-01-01")


@renamed(period="freq")
def reduce(data, *, rep: str = "rep", strata: str | Sequence[str] | None = "source", freq: str | None = "M",
           date: str = "created_at", maturity_days: int = 60, as_of=None) -> pd.DataFrame:
    """Reduce lead rows to closed and won counts per rep x stratum x period (the sufficient statistics).

    Parameters
    ----------
    data : pandas.DataFrame or Ibis table
        The canonical ``leads`` table (needs ``status`` and the ``rep``, ``strata`` and ``date`` columns;
        ``closed_at`` is used, when present, to find the snapshot date). An Ibis table (e.g.
        ``Workbook.table("leads")``) is reduced in its own engine.
    rep : str, default "rep"
        Column naming the sales rep.
    strata : str or list of str or None, default "source"
        Column(s) describing the lead mix (lead source; e.g. ``["source", "segment"]``). Several
        columns are joined into one stratum label ``"a / b"``; None means no mix adjustment.
    freq : {"M", "Q", "W"} or None, default "M"
        Periods the leads' ``date`` (their cohort) is cut into: months, quarters or ISO weeks (Monday
        to Sunday, labelled "2026-W43"); None puts all leads in one. (Earlier ``period=``.)
    date : str, default "created_at"
        Date column that places a lead in a period.
    maturity_days : int, default 60
        Open leads created fewer than this many days before ``as_of`` are still in play: they are
        excluded (counted in ``open_excluded``). Older open leads are counted as closed without a win
        (``stale_open``), so slow pipelines are not mistaken for high conversion.
    as_of : date-like, optional
        The snapshot date; the latest ``created_at``/``closed_at`` in the table by default.

    Returns
    -------
    pandas.DataFrame
        One row per rep x stratum x period that has any lead, sorted, with columns
        ``rep`` (str), ``stratum`` (str), ``period`` (str "YYYY-MM", "YYYYQn", "YYYY-Www" or
        "all"), ``closed``
        (won + lost + stale open, the denominator), ``won``, ``stale_open`` (open past maturity, included
        in ``closed``) and ``open_excluded`` (young open leads, not in ``closed``).

    Notes
    -----
    A lead is young when ``(as_of - date).days < maturity_days``, i.e. ``date > as_of - maturity_days``
    (whole days, as pandas counts them). Rep names are trimmed of spaces.

    Examples
    --------
    >>> leads = pd.DataFrame({
    ...     "rep": ["An", "An", "Bình"], "source": ["Website"] * 3,
    ...     "created_at": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-03"]),
    ...     "status": ["won", "lost", "open"],
    ...     "closed_at": pd.to_datetime(["2026-01-30", "2026-02-10", None])})
    >>> reduce(leads, as_of="2026-02-28")[["rep", "period", "closed", "won", "open_excluded"]]
        rep   period  closed  won  open_excluded
    0    An  2026-01       2    1              0
    1  Bình  2026-02       0    0              1
    """
    strata_cols = strata_list(strata)
    if freq is not None:
        check_choice(freq, name="freq", options=FREQS)
    if not isinstance(maturity_days, (int, np.integer)) or isinstance(maturity_days, bool) or maturity_days < 0:
        raise ValueError(f"maturity_days must be a whole number of days >= 0; got {maturity_days!r}.")
    if isinstance(data, pd.DataFrame):
        check_rows(data, rep=rep, strata=strata_cols, date=date)
    t = as_table(data, "leads")
    as_of = _check_engine_rows(t, rep=rep, strata=strata_cols, date=date, as_of=as_of)
    cutoff = (as_of - pd.Timedelta(days=int(maturity_days))).to_pydatetime()
    return _tidy(fetch(_expression(t, rep=rep, strata=strata_cols, freq=freq, date=date, cutoff=cutoff)), freq)


def check_rows(leads: pd.DataFrame, *, rep: str, strata: list[str], date: str) -> None:
    """The lead rows' contract, checked in pandas with row examples: statuses, names, strata, dates."""
    require_columns(leads, table="leads", columns=[rep, *strata, date, "status"])
    warn_case_variants(leads, [rep, *strata], table="leads")
    reject_rows(leads, ~leads["status"].isin(LEAD_STATUSES), table="leads", column="status",
                rule=f"must be one of {list(LEAD_STATUSES)}")
    reject_rows(leads, leads[rep].isna() | (leads[rep].astype(str).str.strip() == ""), table="leads",
                column=rep, rule="must name a rep (not blank)")
    for col in strata:
        reject_rows(leads, leads[col].isna(), table="leads", column=col, rule="must not be blank")
    when = leads[date]
    if not pd.api.types.is_datetime64_any_dtype(when):
        raise TypeError(f"leads.{date} must be a datetime column; got dtype {when.dtype} "
                        f"(parse it with pandas.to_datetime or load it with kpi_analysis.data.load).")
    reject_rows(leads, when.isna(), table="leads", column=date, rule="must be a date (not blank)")


def _temporal(t, column: str) -> bool:
    typ = t[column].type()
    return typ.is_timestamp() or typ.is_date()


def _check_engine_rows(t, *, rep: str, strata: list[str], date: str, as_of) -> pd.Timestamp:
    """The same contract in the engine (one scan, counts only), and the snapshot date."""
    require(t, "leads", [rep, *strata, date, "status"])
    if not _temporal(t, date):
        raise TypeError(f"leads.{date} must be a datetime column; got type {t[date].type()} "
                        f"(parse it with pandas.to_datetime or load it with kpi_analysis.data.load).")
    checks = {"status": ~t["status"].isin(list(LEAD_STATUSES)) | t["status"].isnull(),
              rep: t[rep].isnull() | (trim(t[rep].cast("string")) == ""),
              date: t[date].isnull(), **{c: t[c].isnull() for c in strata}}
    aggs = {f"bad_{i}": count_if(cond) for i, cond in enumerate(checks.values())}
    aggs["last_a"] = t[date].max()
    if "closed_at" in t.columns and _temporal(t, "closed_at"):
        aggs["last_b"] = t["closed_at"].max()
    row = t.aggregate(**aggs).execute().iloc[0]
    rules = {"status": f"must be one of {list(LEAD_STATUSES)}", rep: "must name a rep (not blank)",
             date: "must be a date (not blank)"}
    for i, column in enumerate(checks):
        bad = int(row[f"bad_{i}"] or 0)
        if bad:
            raise ValueError(f"leads.{column} {rules.get(column, 'must not be blank')}: {bad} row(s) do not.")
    if as_of is None:
        stamps = [pd.Timestamp(row[k]) for k in ("last_a", "last_b") if k in row.index and not pd.isna(row[k])]
        return max(stamps) if stamps else _EPOCH
    return pd.Timestamp(as_of)


def _expression(t, *, rep: str, strata: list[str], freq: str | None, date: str, cutoff):
    """The grouped counts as one Ibis expression (``COUNT(*) FILTER`` per column)."""
    import ibis

    when = t[date]
    is_open = t["status"] == "open"
    young = is_open & (when > cutoff)  # (as_of - created).days < maturity_days
    if strata:
        label = t[strata[0]].cast("string")
        for c in strata[1:]:
            label = label.concat(" / ", t[c].cast("string"))
    else:
        label = ibis.literal(ALL)
    per = period_start(when, freq) if freq else ibis.literal(_EPOCH.to_pydatetime())
    g = t.mutate(_rep=trim(t[rep].cast("string")), _stratum=label, _period=per,
                 _young=young, _open=is_open, _won=t["status"] == "won")
    return g.group_by(["_rep", "_stratum", "_period"]).aggregate(
        closed=count_if(~g["_young"]), won=count_if(g["_won"]),
        stale_open=count_if(g["_open"] & ~g["_young"]),
        open_excluded=count_if(g["_young"]))


def _tidy(out: pd.DataFrame, freq: str | None) -> pd.DataFrame:
    """The fetched groups as the documented table: text keys, period labels, int64 counts, sorted."""
    if freq == "W":
        labels = [str(period_of(d, "week")) for d in as_timestamps(out["_period"])]
    elif freq:
        labels = period_strings(as_timestamps(out["_period"]), freq)
    else:
        labels = [ALL] * len(out)
    res = pd.DataFrame({"rep": as_str(out["_rep"]), "stratum": as_str(out["_stratum"]),
                        "period": pd.Series(labels, dtype="str")})
    for c in _COUNTS:
        res[c] = pd.to_numeric(out[c]).fillna(0).astype("int64")
    return res.sort_values(_KEYS, kind="stable").reset_index(drop=True)[COUNT_COLUMNS]


def strata_list(strata) -> list[str]:
    """``strata`` as a list of column names (None: no stratification).

    >>> strata_list("source"), strata_list(["source", "segment"]), strata_list(None)
    (['source'], ['source', 'segment'], [])
    """
    if strata is None:
        return []
    if isinstance(strata, str):
        return [strata]
    if isinstance(strata, Sequence) and all(isinstance(s, str) for s in strata):
        return list(strata)
    raise TypeError(f"strata must be a column name, a list of column names or None; got {strata!r}.")


def is_reduced(data) -> bool:
    """Whether ``data`` is already a reduced table (pandas or Ibis): it has the count columns and no
    ``status``.

    >>> is_reduced(pd.DataFrame(columns=COUNT_COLUMNS)), is_reduced(pd.DataFrame(columns=["rep", "status"]))
    (True, False)
    """
    columns = getattr(data, "columns", None)
    if columns is None or not (isinstance(data, pd.DataFrame) or hasattr(data, "execute")):
        return False
    return "status" not in columns and {"rep", "stratum", "period", "closed", "won"}.issubset(columns)


def check_reduced(table: pd.DataFrame) -> pd.DataFrame:
    """A reduced table checked and made canonical: whole non-negative counts, won <= closed, one row per
    rep x stratum x period (duplicates summed: a reduction done in pieces is still a reduction)."""
    require_columns(table, table="counts", columns=["rep", "stratum", "period", "closed", "won"])
    t = table.copy()
    for col in ("stale_open", "open_excluded"):
        if col not in t.columns:
            t[col] = 0
    for col in _COUNTS:
        num = pd.to_numeric(t[col], errors="coerce")
        reject_rows(t, num.isna() | (num < 0) | (num != np.floor(num)), table="counts", column=col,
                    rule="must be a whole number >= 0")
        t[col] = num.astype("int64")
    reject_rows(t, t["won"] > t["closed"], table="counts", column="won", rule="must not exceed closed")
    for col in _KEYS:
        reject_rows(t, t[col].isna(), table="counts", column=col, rule="must not be blank")
        t[col] = t[col].astype(str)
    return t.groupby(_KEYS, sort=True, observed=True)[_COUNTS].sum().reset_index()


def label_period(label: str) -> pd.Period:
    """A period label of the reduced table as a pandas ``Period``: "2026-10" (month), "2026Q4"
    (quarter), "2026-W43" (ISO week, as ``W-SUN``). pandas' own parser is not used for weeks: it
    reads most "2026-10-05/2026-10-11" texts as minutes.

    >>> label_period("2026-W43").start_time.date(), label_period("2026Q4").freqstr
    (datetime.date(2026, 10, 19), 'Q-DEC')
    """
    if isinstance(label, str) and len(label) == 8 and label[4:6] == "-W":
        return parse_period(label).to_pandas()
    return pd.Period(label)


def period_sort_key(label: str):
    """Sort key of a period label ("2026-10", "2026Q4", "2026-W43"): its first day; other labels ("all")
    last.

    >>> sorted(["2026-10", "all", "2025-12"], key=period_sort_key)
    ['2025-12', '2026-10', 'all']
    """
    try:
        return label_period(label).start_time
    except (ValueError, TypeError):
        return pd.Timestamp.max
