"""The pandas reduction of the NPS analysis, kept as a test oracle for the Ibis ``kpi_analysis.nps.reduce``.

This is how ``nps.counts`` reduced rows before the reduction was written once in Ibis: answers ->
detractor / passive / promoter counts per segment (and period), with the answers each policy set
aside. It reads valid rows only (the package checks rows; the oracle counts them) and returns the
exclusions in ``attrs["excluded"]`` as ``{code: n}``.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

COUNT_COLUMNS = ["detractors", "passives", "promoters"]
EXCLUSION_COLUMNS = {"blank": "blank_score", "non_numeric": "non_numeric_score",
                     "superseded": "superseded_answer", "early_excluded": "early_answer"}
FREQS = {"W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}


def freq_alias(freq: str, end) -> str:
    """pandas period alias of ``freq``; quarters end with the month of ``end`` when it is given."""
    f = freq.upper()
    if f == "Q" and end is not None:
        return "Q-" + pd.Timestamp(str(end)[:7] + "-01").strftime("%b").upper()
    return FREQS.get(f, f)


def month_bounds(start, end):
    lo = pd.Timestamp(str(start)) if start not in (None, "") else None
    hi = None
    if end not in (None, ""):
        e = str(end)
        hi = (pd.Period(e, freq="M").end_time if len(e) == 7 else
              pd.Timestamp(e) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns"))
    return lo, hi


def parse_scores(scores: pd.Series):
    """(scores as float with NaN, blank mask, non-numeric mask)."""
    s = pd.Series(scores)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return pd.to_numeric(s).astype("float64"), s.isna(), pd.Series(False, index=s.index)
    text = s.astype("str").str.strip()
    blank = s.isna() | (text == "")
    num = pd.to_numeric(text.where(~blank), errors="coerce").astype("float64")
    return num, blank, ~blank & num.isna()


def tenure_band(days: pd.Series, bands) -> pd.Series:
    edges = [int(b) for b in bands]
    labels = [f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)] + [f"{edges[-1]}+"]
    cut = pd.cut(days, bins=edges + [np.inf], right=False, labels=labels)
    return pd.Series(pd.Categorical(cut, categories=labels, ordered=True), index=days.index)


def counts(responses: pd.DataFrame, *, by=None, freq=None, score="score", date="responded_at",
           customer="customer_id", since="customer_since", latest_only=False, early_days=90, early="keep",
           start=None, end=None, bands=(0, 90, 180, 365, 730)) -> pd.DataFrame:
    """Counts per key combination, as ``nps.counts`` gave them (pandas, row by row)."""
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    df = responses.copy() if responses.index.is_unique else responses.reset_index(drop=True)
    excluded = {}
    if date in df.columns:
        df[date] = pd.to_datetime(df[date])
    if since in df.columns:
        df[since] = pd.to_datetime(df[since])
    lo, hi = month_bounds(start, end)
    if lo is not None or hi is not None:
        keep = pd.Series(True, index=df.index)
        if lo is not None:
            keep &= df[date] >= lo
        if hi is not None:
            keep &= df[date] <= hi
        excluded["outside_period"] = int((~keep).sum())
        df = df.loc[keep]
    if "tenure_band" in keys and "tenure_band" not in df.columns:
        df["tenure_band"] = tenure_band((df[date] - df[since]).dt.days, bands)

    num, is_blank, non_numeric = parse_scores(df[score])
    df["_cat"] = np.select([num <= 6, num <= 8], [0, 1], default=2)
    df["_blank"] = is_blank.to_numpy()
    df["_non_numeric"] = non_numeric.to_numpy()
    df["_scored"] = num.notna().to_numpy()
    df["_superseded"] = False
    df["_early_excluded"] = False
    group_keys = list(keys)
    if freq is not None:
        df["period"] = df[date].dt.to_period(freq_alias(freq, end)).dt.start_time
        group_keys.append("period")
    if early != "keep":
        is_early = ((df[date] - df[since]).dt.days < early_days).to_numpy()
        if early == "exclude":
            df["_early_excluded"] = is_early & df["_scored"].to_numpy()
            df["_scored"] = df["_scored"] & ~df["_early_excluded"]
        else:
            df["early"] = is_early
            group_keys.append("early")
    if latest_only:
        scored = df.loc[df["_scored"]]
        per = [customer] + (["period"] if freq is not None else [])
        # the latest answer by date; ties broken by row order (the later row wins)
        order = scored.assign(_row=np.arange(len(scored))).sort_values([date, "_row"])
        latest = order.groupby(per, observed=True, sort=False).tail(1).index
        sup = df["_scored"] & ~df.index.isin(latest)
        df["_superseded"] = sup
        df["_scored"] = df["_scored"] & ~sup

    flags = pd.DataFrame({
        "detractors": df["_scored"] & (df["_cat"] == 0),
        "passives": df["_scored"] & (df["_cat"] == 1),
        "promoters": df["_scored"] & (df["_cat"] == 2),
        "blank": df["_blank"], "non_numeric": df["_non_numeric"],
        "superseded": df["_superseded"], "early_excluded": df["_early_excluded"],
    }, index=df.index).astype("int64")
    if group_keys:
        out = flags.groupby([df[k] for k in group_keys], observed=True, sort=True).sum().reset_index()
    else:
        out = flags.sum().to_frame().T
    out.insert(len(group_keys) + 3, "n", out[COUNT_COLUMNS].sum(axis=1))
    for c in [*COUNT_COLUMNS, "n", *EXCLUSION_COLUMNS]:
        out[c] = out[c].astype("int64")
    for col, reason in EXCLUSION_COLUMNS.items():
        excluded[reason] = int(out[col].sum())
    out.attrs["excluded"] = {k: v for k, v in excluded.items() if v}
    out.attrs["early_days"] = early_days
    return out
