"""The one reduction: answers -> detractor / passive / promoter counts per segment (and period).

Written once, in Ibis (:mod:`kpi_analysis.core.reduction`). A pandas frame is checked here (scores,
dates, segment columns: one sentence per problem naming the rows) and goes through
:func:`~kpi_analysis.core.reduction.as_table` into the embedded DuckDB; an Ibis table (such as
``Workbook.table("nps_responses")``) is reduced where it lives, with the same rules counted in the
same query. Only the counts come back.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.checks import check_choice, reject_rows, require_columns, warn_case_variants
from ..core.deprecation import renamed
from ..core.results import excluded as excluded_item
from .checks import as_list, band_labels, check_int, month_bounds, parse_scores, tenure_days
from .constants import (
    BLANK_POLICIES,
    COUNT_COLUMNS,
    EARLY_POLICIES,
    EXCLUSION_COLUMNS,
    POLICY_DEFAULTS,
    TABLE,
    TENURE_BANDS,
)
from .results import Codes

__all__ = ["is_counts", "needed_columns", "reduce", "reduced_table"]

_SCORE, _NON_NUMERIC, _ROW = "_nps_score", "_nps_non_numeric", "_nps_row"
_METRICS = [*COUNT_COLUMNS, *EXCLUSION_COLUMNS]


@renamed(responses="data")
def reduce(data, *, by=None, freq: str | None = None, score: str = "score", date: str = "responded_at",
           customer: str = "customer_id", since: str = "customer_since", blank: str = "exclude",
           latest_only: bool = False, early_days: int = 90, early: str = "keep", start=None, end=None,
           bands: Sequence[int] = TENURE_BANDS, id_column: str = "response_id") -> pd.DataFrame:
    """Reduce answers to detractor / passive / promoter counts per segment (and period).

    This is the only step that reads rows; every statistic runs on its output. It runs in the
    engine: a pandas frame in the embedded DuckDB, an Ibis table where it lives (DuckDB, Parquet,
    PostgreSQL, ...); only the counts come back.

    Parameters
    ----------
    data : pandas.DataFrame or ibis.Table
        Rows of the canonical ``nps_responses`` table (``Workbook.table("nps_responses")`` gives the
        checked Ibis table).
    by : str or list of str, optional
        Segment columns. ``"tenure_band"`` is derived from ``date`` and ``since`` when the table has
        no such column (see :func:`kpi_analysis.nps.tenure_band`).
    freq : {"W", "M", "Q", "Y"} or an anchored pandas alias such as "Q-OCT", optional
        Adds a ``period`` key (start date of each week / month / quarter of ``date``). ``"Q"`` with an
        ``end`` month gives quarters that end with that month (``core.periods.freq_alias``).
    score, date, customer, since : str
        Column names (canonical defaults).
    blank : {"exclude", "fail"}, default "exclude"
        Blank or non-numeric answers are counted (``blank``, ``non_numeric`` columns) and excluded, or
        raise. Scores outside 0-10 or not whole numbers always raise.
    latest_only : bool, default False
        Keep only each customer's latest scored answer (per period when ``freq`` is given, so a
        customer counts once per period); earlier ones are counted in ``superseded``.
    early_days : int, default 90
        Answers given fewer than this many days after ``customer_since`` are "early".
    early : {"keep", "exclude", "separate"}, default "keep"
        Keep early answers, exclude them (counted in ``early_excluded``), or add a boolean key
        column ``early`` so analyses report them separately.
    start, end : str, optional
        First and last month ("YYYY-MM") or day ("YYYY-MM-DD") of ``date`` to keep; rows outside are
        counted in ``attrs["excluded"]`` (code ``outside_period``).
    bands : sequence of int
        Tenure band edges in days when ``"tenure_band"`` is derived.
    id_column : str, default "response_id"
        Breaks ties of ``latest_only`` in an Ibis table (the largest id wins among answers of one
        customer with the same timestamp); in a pandas frame the later row wins, as it always has.

    Returns
    -------
    pandas.DataFrame
        One row per key combination: the ``by`` columns, ``period`` (Timestamp, with ``freq``),
        ``early`` (with ``early="separate"``), then ``detractors``, ``passives``, ``promoters``, ``n``
        (their sum, the answers used), ``blank``, ``non_numeric``, ``superseded``, ``early_excluded``
        (answers each policy set aside). ``attrs["excluded"]`` lists the exclusions as codes with
        counts (``core.results.excluded``) and ``attrs["early_days"]`` records the threshold.

    Notes
    -----
    Order of the policies: blank / non-numeric answers are set aside first, then early answers
    (when excluded), then earlier answers of the same customer (``latest_only``), so a customer whose
    latest answer is blank is represented by their latest scored answer.

    Examples
    --------
    >>> rows = pd.DataFrame({"region": ["A", "A", "B", "B"], "score": [10, 3, 8, None]})
    >>> reduce(rows, by="region")[["region", "detractors", "passives", "promoters", "blank"]]
      region  detractors  passives  promoters  blank
    0      A           1         0          1      0
    1      B           0         1          0      1
    >>> reduce(rows, by="region").attrs["excluded"]
    ({'code': 'blank_score', 'n': 1},)
    """
    from ..core.periods import freq_alias
    from ..core.reduction import as_table, fetch, require

    keys = as_list(by)
    check_choice(early, name="early", options=EARLY_POLICIES)
    check_choice(blank, name="blank", options=BLANK_POLICIES)
    early_days = check_int(early_days, name="early_days", minimum=0)
    if not isinstance(latest_only, (bool, np.bool_)):
        raise TypeError(f"latest_only must be True or False; got {latest_only!r}.")
    for k in ("period", "early", *COUNT_COLUMNS, "n", *EXCLUSION_COLUMNS):
        if k in keys:
            raise ValueError(f"by: {k!r} is a column name the counts table uses itself; rename it.")
    alias = freq_alias(freq, anchor=end) if freq is not None else None
    lo, hi = month_bounds(start, end)
    cols = {"score": score, "date": date, "customer": customer, "since": since}
    policy = {"blank": blank, "latest_only": bool(latest_only), "early": early, "early_days": early_days,
              "lo": lo, "hi": hi}
    rows = data if isinstance(data, pd.DataFrame) else as_table(data, TABLE)
    derive_band = "tenure_band" in keys and "tenure_band" not in rows.columns
    labels = band_labels(bands) if derive_band else None
    needed = needed_columns(keys, freq=freq, derive_band=derive_band, **cols, **policy)
    if isinstance(rows, pd.DataFrame):  # checked here, the later row wins a latest_only tie
        t, dtypes = _from_frame(rows, keys, needed, derive_band=derive_band, **cols, **policy)
        order, rules = _ROW, False
    else:  # checked by the same query, the largest id wins a latest_only tie
        require(rows, TABLE, needed)
        t, dtypes = _typed_in_engine(rows, score), {}
        order, rules = (id_column if id_column in rows.columns else None), True
    t, expr, checks = _expression(t, keys, alias=alias, bands=bands if derive_band else None, labels=labels,
                                  order=order, needed=needed if rules else None, **cols, **policy)
    out = fetch(expr)
    _raise_on_broken_rules(t, out, checks, id_column=id_column)
    return _finish(out, keys, alias=alias, labels=labels, dtypes=dtypes, early=early, early_days=early_days,
                   bounded=lo is not None or hi is not None)


def needed_columns(keys, *, score, date, customer, since, freq, latest_only, early, derive_band, lo=None,
                   hi=None, **_) -> list[str]:
    """The response columns a reduction with these settings reads."""
    needed = [score] + [k for k in keys if not (k == "tenure_band" and derive_band)]
    if freq is not None or lo is not None or hi is not None or latest_only:
        needed.append(date)
    if latest_only:
        needed.append(customer)
    if early != "keep" or derive_band:
        needed += [date, since]
    return list(dict.fromkeys(needed))


# --------------------------------------------------------------------------------------------------
# the rows, typed: a pandas frame checked in pandas, an Ibis table typed in the engine


def _from_frame(frame: pd.DataFrame, keys, needed, *, score, date, since, blank, lo, hi, early, derive_band,
                latest_only, **_):
    """Check pandas rows (the messages name row labels) and hand their typed columns to the engine.

    Only rows inside ``start``/``end`` are checked, as only they are counted.
    """
    from ..core.reduction import as_table

    require_columns(frame, table=TABLE, columns=needed)
    warn_case_variants(frame, keys, table=TABLE)
    # row labels identify answers in error messages
    df = frame[needed].copy() if frame.index.is_unique else frame[needed].reset_index(drop=True)
    dtypes = {k: frame[k].dtype for k in keys if k in frame.columns}
    if date in needed:
        parsed = pd.to_datetime(df[date], errors="coerce")
        reject_rows(df, parsed.isna(), table=TABLE, column=date, rule="must be a date")
        df[date] = parsed
    inside = pd.Series(True, index=df.index)
    if lo is not None:
        inside &= df[date] >= lo
    if hi is not None:
        inside &= df[date] <= hi
    rows = df.loc[inside]
    if derive_band:
        tenure_days(rows, date=date, since=since)
    for k in keys:
        if k in rows.columns:
            reject_rows(rows, rows[k].isna(), table=TABLE, column=k, rule="must not be blank (segment column)")
    num, _, non_numeric = parse_scores(rows[score], blank=blank, column=score, frame=rows)
    if early != "keep":
        tenure_days(rows, date=date, since=since)
    if since in needed:
        df[since] = pd.to_datetime(df[since], errors="coerce")
    df[_SCORE] = num.reindex(df.index)
    df[_NON_NUMERIC] = non_numeric.reindex(df.index, fill_value=False).astype(bool)
    if latest_only:
        df[_ROW] = np.arange(len(df), dtype="int64")
    if score not in keys:
        df = df.drop(columns=[score])
    return as_table(df.reset_index(drop=True)), dtypes


def _typed_in_engine(t, score: str):
    """An Ibis table with the score as float (NULL when blank or not a number) and a non-numeric flag."""
    import ibis

    col = t[score]
    typ = col.type()
    if typ.is_string():
        text = col.strip()
        number = text.re_search(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
        value = ibis.ifelse(number, text.cast("float64"), ibis.null("float64"))
        non_numeric = col.notnull() & (text != "") & ~number
    elif typ.is_floating():  # NaN is a blank answer, as in pandas
        value = ibis.ifelse(col.isnan(), ibis.null("float64"), col.cast("float64"))
        non_numeric = ibis.literal(False)
    else:
        value, non_numeric = col.cast("float64"), ibis.literal(False)
    return t.mutate(**{_SCORE: value, _NON_NUMERIC: non_numeric})


# --------------------------------------------------------------------------------------------------
# the expression


def _expression(t, keys, *, alias, bands, labels, order, needed, score, date, customer, since, blank,
                latest_only, early, early_days, lo, hi):
    """(the table with the flags, the grouped aggregate of the counts, the rule checks it counts along).

    Rows outside ``start``/``end`` are not filtered out but counted apart (``_outside``), so the one
    query also gives their number; groups holding only such rows are dropped after the fetch.
    """
    import ibis

    from ..core.reduction import count_if, period_start

    inside = ibis.literal(True)
    if lo is not None:
        inside = inside & (t[date] >= lo.to_pydatetime(warn=False))
    if hi is not None:  # up to the last nanosecond of ``end``: before the next day's first instant
        inside = inside & (t[date] < (hi + pd.Timedelta(1, "ns")).to_pydatetime(warn=False))
    sc = t[_SCORE]
    mut, group_keys = {}, list(keys)
    if bands is not None:
        d, s = t[date], t[since]
        mut["tenure_band"] = ibis.cases(*[(d < s + ibis.interval(days=int(b)), lab)
                                          for b, lab in zip(bands[1:], labels[:-1], strict=True)],
                                        else_=labels[-1])
    if alias is not None:
        mut["period"] = period_start(t[date], alias)
        group_keys.append("period")
    scored = sc.notnull() & inside
    early_ex = ibis.literal(False)
    if early != "keep":
        is_early = t[date] < t[since] + ibis.interval(days=early_days)
        if early == "exclude":
            early_ex = is_early & scored
            scored = scored & ~early_ex
        else:
            mut["early"] = is_early
            group_keys.append("early")
    t = t.mutate(_nps_scored=scored, _nps_blank=sc.isnull() & ~t[_NON_NUMERIC] & inside,
                 _nps_nonnum=t[_NON_NUMERIC] & inside, _nps_early=early_ex, _nps_inside=inside,
                 _nps_cat=ibis.cases((sc <= 6, 0), (sc <= 8, 1), else_=2), **mut)
    t = _mark_superseded(t, customer=customer, date=date, order=order, per_period=alias is not None,
                         latest_only=latest_only)
    s, cat = t["_nps_scored"], t["_nps_cat"]
    metrics = {"detractors": count_if(s & (cat == 0)), "passives": count_if(s & (cat == 1)),
               "promoters": count_if(s & (cat == 2)), "blank": count_if(t["_nps_blank"]),
               "non_numeric": count_if(t["_nps_nonnum"]), "superseded": count_if(t["_nps_sup"]),
               "early_excluded": count_if(t["_nps_early"]), "_inside": count_if(t["_nps_inside"]),
               "_outside": count_if(~t["_nps_inside"])}
    checks = [] if needed is None else _rules(t, keys, needed, score=score, date=date, since=since, blank=blank,
                                              tenure=bands is not None or early != "keep")
    metrics.update({f"_rule{i}": count_if(bad) for i, (_, _, bad) in enumerate(checks)})
    expr = t.group_by(group_keys).aggregate(**metrics) if group_keys else t.aggregate(**metrics)
    return t, expr, checks


def _mark_superseded(t, *, customer, date, order, per_period, latest_only):
    """``_nps_sup``: a scored answer followed by a later scored answer of the same customer (and period)."""
    import ibis

    if not latest_only:
        return t.mutate(_nps_sup=ibis.literal(False))
    part = [t[customer]] + ([t["period"]] if per_period else [])
    by = [ibis.desc(t[date])] + ([ibis.desc(t[order])] if order is not None else [])
    # rank among the scored answers of the customer (period): unscored rows get partitions of their own
    w = ibis.window(group_by=part + [t["_nps_scored"]], order_by=by)
    t = t.mutate(_nps_rank=ibis.row_number().over(w))
    sup = t["_nps_scored"] & (t["_nps_rank"] > 0)
    return t.mutate(_nps_sup=sup, _nps_scored=t["_nps_scored"] & ~sup)


def _rules(t, keys, needed, *, score, date, since, blank, tenure) -> list[tuple[str, str, object]]:
    """(column, rule, rows breaking it) in an Ibis table: the checks pandas rows get in :func:`_from_frame`."""
    sc, inside = t[_SCORE], t["_nps_inside"]
    rules = [(date, "must be a date", t[date].isnull())] if date in needed else []
    if tenure:
        rules += [(since, "must be a date", inside & t[since].isnull()),
                  (since, f"must not be after {date}", inside & (t[since] > t[date]))]
    rules += [(k, "must not be blank (segment column)", inside & t[k].isnull()) for k in keys if k in needed]
    if blank == "fail":
        rules.append((score, 'must hold a score (blank="fail"; use blank="exclude" to count and exclude them)',
                      inside & (sc.isnull() | t[_NON_NUMERIC])))
    rules += [(score, "must be between 0 and 10", inside & sc.notnull() & ((sc < 0) | (sc > 10))),
              (score, "must be a whole number", inside & sc.notnull() & (sc % 1 != 0))]
    return rules


def _raise_on_broken_rules(t, out: pd.DataFrame, checks, *, id_column: str, examples: int = 5) -> None:
    """Raise for the first rule some rows break, naming how many and a few of them (by id when there is one)."""
    from ..core.reduction import fetch

    for i, (column, rule, bad) in enumerate(checks):
        n = int(pd.to_numeric(out[f"_rule{i}"]).fillna(0).sum())
        if not n:
            continue
        shown = {"v": t[column], **({"k": t[id_column]} if id_column in t.columns else {})}
        sample = fetch(t.filter(bad).select(**shown).limit(examples))
        ids = sample["k"].tolist() if "k" in sample.columns else [None] * len(sample)
        items = ", ".join(f"{v!r}" if k is None else f"row {k}: {v!r}" for k, v in zip(ids, sample["v"].tolist(),
                                                                                       strict=True))
        raise ValueError(f"{TABLE}.{column} {rule}: {n} row(s) do not, e.g. {items}.")


def _finish(out: pd.DataFrame, keys, *, alias, labels, dtypes, early, early_days, bounded) -> pd.DataFrame:
    """The fetched aggregate as the counts table: typed, sorted, with ``n`` and the exclusions in ``attrs``."""
    from ..core.reduction import as_str, as_timestamps

    group_keys = keys + (["period"] if alias is not None else []) + (["early"] if early == "separate" else [])
    n_outside = int(pd.to_numeric(out["_outside"]).fillna(0).sum())
    if group_keys:  # groups of rows outside start/end only
        out = out.loc[pd.to_numeric(out["_inside"]).fillna(0) > 0].reset_index(drop=True)
    for k in _METRICS:
        out[k] = pd.to_numeric(out[k]).fillna(0).astype("int64")
    for k in keys:
        if k == "tenure_band" and labels is not None:
            out[k] = pd.Categorical(out[k], categories=labels, ordered=True)
        elif out[k].dtype == object or pd.api.types.is_string_dtype(out[k]):
            out[k] = as_str(out[k])
        if k in dtypes and not (dtypes[k] == object or pd.api.types.is_string_dtype(dtypes[k])):
            out[k] = out[k].astype(dtypes[k])  # a pandas frame's category, number or date key keeps its dtype
    if alias is not None:  # through pandas Periods: the dtype (resolution) pandas gives period starts
        out["period"] = as_timestamps(out["period"]).dt.to_period(alias).dt.start_time
    if early == "separate":
        out["early"] = out["early"].astype(bool)
    if group_keys:
        out = out.sort_values(group_keys, kind="stable").reset_index(drop=True)
    out.insert(len(group_keys) + 3, "n", out[COUNT_COLUMNS].sum(axis=1).astype("int64"))
    out = out[[*group_keys, *COUNT_COLUMNS, "n", *EXCLUSION_COLUMNS]]
    items = [excluded_item("outside_period", n_outside)] if bounded and n_outside else []
    for column, code in EXCLUSION_COLUMNS.items():
        if n := int(out[column].sum()):
            items.append(excluded_item(code, n, days=early_days) if code == "early_answer"
                         else excluded_item(code, n))
    out.attrs = {"excluded": Codes(items), "early_days": early_days}
    return out


# --------------------------------------------------------------------------------------------------
# what the analyses take: rows (reduced here) or a counts table


def is_counts(data) -> bool:
    """True for a counts table (a pandas frame with ``detractors``, ``passives``, ``promoters``)."""
    return isinstance(data, pd.DataFrame) and all(c in data.columns for c in COUNT_COLUMNS)


def reduced_table(data, *, keys: list[str], freq: str | None, policies: dict, analysis: str
                  ) -> tuple[pd.DataFrame, Codes, int]:
    """Rows (pandas or Ibis) or a counts table -> (counts table, exclusions, early_days).

    Rows are reduced by :func:`reduce` with ``policies`` (None means the default); a counts table is
    checked, and only ``start``/``end`` apply to it (on its ``period``).
    """
    given = {k: v for k, v in policies.items() if v is not None}
    if is_counts(data):
        changed = [k for k, v in given.items() if k not in ("start", "end") and v != POLICY_DEFAULTS[k]]
        if changed:
            raise ValueError(f"{analysis}: {changed} apply when reducing rows, but data is already a counts "
                             "table; pass them to nps.reduce(...) instead.")
        table = check_counts_table(data, keys=list(keys) + (["period"] if freq is not None else []))
        days = int(data.attrs.get("early_days", 90))
        excluded = excluded_from(table, early_days=days)
        if given.get("start") or given.get("end"):
            table, outside = _within(table, given.get("start"), given.get("end"))
            if outside:
                excluded = excluded.plus(excluded_item("outside_period", outside))
        return table, excluded, days
    if not (isinstance(data, pd.DataFrame) or (hasattr(data, "execute") and hasattr(data, "columns"))):
        raise TypeError(f"{analysis}: data must be a pandas DataFrame or an Ibis table of {TABLE} rows, or a "
                        f"counts table ({COUNT_COLUMNS}); got {type(data).__name__}.")
    kw = {**POLICY_DEFAULTS, **given}
    table = reduce(data, by=keys, freq=freq, **kw)
    return table, table.attrs["excluded"], kw["early_days"]


def check_counts_table(table: pd.DataFrame, *, keys: Sequence[str]) -> pd.DataFrame:
    """A counts table with whole counts >= 0, every exclusion column (0 when absent) and ``n``."""
    name = "nps counts"
    require_columns(table, table=name, columns=[*COUNT_COLUMNS, *keys])
    t = table.copy()
    for c in COUNT_COLUMNS + [c for c in EXCLUSION_COLUMNS if c in t.columns]:
        v = pd.to_numeric(t[c], errors="coerce")
        reject_rows(t, v.isna() | (v < 0) | (v % 1 != 0), table=name, column=c,
                    rule="must be a whole number >= 0")
        t[c] = v.astype("int64")
    for c in EXCLUSION_COLUMNS:
        if c not in t.columns:
            t[c] = 0
    t["n"] = t[COUNT_COLUMNS].sum(axis=1).astype("int64")
    return t


def excluded_from(table: pd.DataFrame, *, early_days: int = 90) -> Codes:
    """The exclusions of a counts table: those in ``attrs`` (e.g. ``outside_period``), the policy
    columns summed over its rows."""
    items = {e["code"]: dict(e) for e in Codes.of(table.attrs.get("excluded", ()))}
    for column, code in EXCLUSION_COLUMNS.items():
        n = int(table[column].sum()) if column in table.columns else items.get(code, {}).get("n", 0)
        extra = {"days": early_days} if code == "early_answer" else {}
        items[code] = {**items.get(code, {}), **excluded_item(code, n, **extra)}
    return Codes(e for e in items.values() if e["n"])


def _within(table: pd.DataFrame, start, end) -> tuple[pd.DataFrame, int]:
    """The rows of a counts table whose ``period`` lies in ``start``/``end``, and the answers left out."""
    require_columns(table, table="nps counts", columns=["period"])
    lo, hi = month_bounds(start, end)
    per = pd.to_datetime(table["period"])
    keep = pd.Series(True, index=table.index)
    if lo is not None:
        keep &= per >= lo
    if hi is not None:
        keep &= per <= hi
    return table.loc[keep], int(table.loc[~keep, "n"].sum())
