"""NPS per week, month or quarter and the change from one period to the next: :func:`trend` and its steps."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_not_empty
from ..core.results import excluded as excluded_item
from ..core.stats import adjust_pvalues
from . import stats
from .api import plain
from .checks import check_common, check_int
from .constants import ADJUSTS, COUNT_COLUMNS, DEFAULT_N_BOOT, DEFAULT_SEED, TABLE
from .reduce import reduced_table
from .results import NPSTrend

__all__ = ["trend"]


def _period_counts(table: pd.DataFrame, alias: str, first=None, last=None) -> pd.DataFrame:
    """Counts per period, empty periods inside the range filled with zeros (a gap shows, it is not bridged).

    The range runs from the first to the last period with answers, or from ``first`` to ``last`` (the
    periods holding those days) when given: a report's trend ends with the report's period, answered or not.
    """
    grouped = table.groupby(pd.to_datetime(table["period"]), sort=True)[COUNT_COLUMNS].sum()
    check_not_empty(grouped, table=TABLE, what="scored answers")
    lo = pd.Period(first, freq=alias) if first is not None else pd.Period(grouped.index.min(), freq=alias)
    hi = pd.Period(last, freq=alias) if last is not None else pd.Period(grouped.index.max(), freq=alias)
    full = pd.period_range(lo, hi, freq=alias).start_time
    return grouped.reindex(full, fill_value=0)


#: periods a report's trend shows by default, by the report period's kind
REPORT_TREND = {"week": ("W", 13), "month": ("M", 13), "quarter": ("Q", 8), "year": ("Q", 8)}


def _report_range(period, freq, periods) -> tuple[str, str, str]:
    """(freq, start, end) of a report's trend: ``periods`` periods of ``freq`` ending with ``period``'s last day."""
    from ..core.periods import freq_alias, parse_period

    p = parse_period(period)
    default_freq, default_periods = REPORT_TREND[p.kind]
    freq = default_freq if freq is None else freq
    periods = default_periods if periods is None else check_int(periods, name="periods", minimum=1)
    last = pd.Period(p.end, freq=freq_alias(freq, anchor=str(p.end.date())))
    first = (last - (periods - 1)).start_time.normalize()
    return freq, str(first.date()), str(p.end.date())


def _trend_table(grouped: pd.DataFrame, *, adjust, min_n, **settings) -> pd.DataFrame:
    """NPS per period and each change from the previous period, tested and adjusted."""
    c = grouped.to_numpy(dtype="float64")
    single = stats.intervals(c, **settings)
    n = c.sum(axis=1)
    tab = pd.DataFrame({"period": grouped.index, "n": n.astype("int64"),
                        "detractors": c[:, 0].astype("int64"), "passives": c[:, 1].astype("int64"),
                        "promoters": c[:, 2].astype("int64"), "nps": single["nps"], "se": single["se"],
                        "ci_low": single["ci_low"], "ci_high": single["ci_high"]})
    change = {k: np.full(len(c), np.nan) for k in ("change", "change_low", "change_high", "statistic", "p_value")}
    small = n < min_n
    if len(c) > 1:
        d = stats.difference(c[1:], c[:-1], **settings)
        testable = ~(small[1:] | small[:-1])
        change["change"][1:] = d["difference"]
        for src, dst in (("ci_low", "change_low"), ("ci_high", "change_high"), ("statistic", "statistic"),
                         ("p_value", "p_value")):
            change[dst][1:] = np.where(testable, d[src], np.nan)
    tab = tab.assign(**change)
    tab["p_adj"] = adjust_pvalues(tab["p_value"].to_numpy(), adjust)
    tab["significant"] = np.isfinite(tab["p_adj"]) & (tab["p_adj"] < 1 - settings["confidence"])
    tab["small_sample"] = small
    tab["notes"] = [",".join(code for code, flag in (("no_answers", m == 0), ("small_sample", 0 < m < min_n),
                                                      ("zero_variance", z), ("ci_clipped", cl),
                                                      ("ci_widened", w)) if flag)
                    for m, z, cl, w in zip(n, single["zero_variance"], single["clipped"], single["widened"],
                                           strict=True)]
    return tab


def trend(data, *, freq: str | None = None, period=None, periods: int | None = None,
          method: str = "adjusted_wald", confidence: float = 0.95,
          adjust: str = "holm", min_n: int = 30, seed: int = DEFAULT_SEED, n_boot: int = DEFAULT_N_BOOT,
          score=None, date=None, customer=None, since=None, blank=None, latest_only=None,
          early_days=None, early=None, start=None, end=None) -> NPSTrend:
    """NPS per week, month or quarter, and whether it changed from the previous period.

    Parameters
    ----------
    data : pandas.DataFrame or ibis.Table
        Rows of ``nps_responses`` (pandas or Ibis), or the output of :func:`reduce` with a ``period``
        column (other key columns are summed over).
    freq : {"W", "M", "Q", "Y"} or an anchored alias such as "Q-OCT", optional
        Period length: "M" by default; with ``period``, the report period's kind: weeks for a week,
        months for a month, quarters for a quarter or a year. ``"Q"`` with ``end="2026-10"`` (or
        ``period="2026-10"``) gives quarters ending with the reported month.
    period : str, optional
        The report period ("2026-10", "2026-W43", "2026-Q3", "2026"): the trend ends with its last day,
        shows ``periods`` periods and its last row is the period holding that day (NaN when it has no
        answers). Not with ``start`` / ``end``.
    periods : int, optional
        With ``period``: how many periods to show, ending with it (13 weeks, 13 months or 8 quarters by
        default).
    method, confidence, min_n, seed, n_boot
        As in :func:`segment`.
    adjust : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
        Correction across all the period-to-period changes in the table; narrow the window with
        ``start`` to focus the family on recent periods.
    score, date, customer, since, blank, latest_only, early_days, early, start, end
        Reduction policies (see :func:`reduce`). With ``early="separate"`` the trend uses the
        established customers' answers only.

    Returns
    -------
    NPSTrend
        ``table`` (one row per period), the latest period's NPS, change, its p-value, the p-value
        adjusted across the changes in the table, and the flag (adjusted p < 1 - confidence).

    Notes
    -----
    Each change is NPS(t) - NPS(t-1) tested with :func:`compare`'s procedure, treating the periods
    as independent samples (a customer answering in both makes it slightly conservative when
    answers are positively correlated). Periods with fewer than ``min_n`` answers on either side are
    not tested. Empty periods inside the range appear with n = 0 and NaN.

    Examples
    --------
    >>> rows = pd.DataFrame({"responded_at": pd.to_datetime(["2026-09-05"] * 40 + ["2026-10-05"] * 40),
    ...                      "score": [3, 8, 9, 10] * 10 + [9, 10, 10, 8] * 10})
    >>> res = trend(rows, freq="M")
    >>> res.table[["period", "nps", "change"]].round({"nps": 1, "change": 1})
          period   nps  change
    0 2026-09-01  25.0     NaN
    1 2026-10-01  75.0    50.0
    >>> weekly = trend(rows, period="2026-W43", periods=4).table  # weeks, up to the report's week
    >>> [(str(p.date()), n) for p, n in zip(weekly["period"], weekly["n"])]
    [('2026-09-28', 0), ('2026-10-05', 40), ('2026-10-12', 0), ('2026-10-19', 0)]
    """
    from ..core.periods import freq_alias

    check_choice(adjust, name="adjust", options=ADJUSTS)
    confidence, seed, n_boot, min_n = check_common(method, confidence, seed, n_boot, min_n)
    if period is not None:
        if start is not None or end is not None:
            raise ValueError("trend: give period (the report period) or start / end, not both.")
        freq, start, end = _report_range(period, freq, periods)
    elif periods is not None:
        raise ValueError("trend: periods counts back from a report period; give period as well.")
    freq = "M" if freq is None else freq
    alias = freq_alias(freq, anchor=end)
    policies = {"score": score, "date": date, "customer": customer, "since": since, "blank": blank,
                "latest_only": latest_only, "early_days": early_days, "early": early, "start": start, "end": end}
    table, excluded, days = reduced_table(data, keys=[], freq=freq, policies=policies, analysis="trend")
    if "early" in table.columns:  # the established customers' answers only
        is_early = table["early"].astype(bool)
        if early_n := int(table.loc[is_early, "n"].sum()):
            excluded = excluded.plus(excluded_item("early_answer", early_n, days=days))
        table = table.loc[~is_early]
    settings = {"method": method, "confidence": confidence, "seed": seed, "n_boot": n_boot}
    bounds = (start, end) if period is not None else (None, None)
    tab = _trend_table(_period_counts(table, alias, *bounds), adjust=adjust, min_n=min_n, **settings)
    last = tab.iloc[-1]
    return NPSTrend(table=tab, freq=alias, method=method, confidence=confidence, adjust=adjust, min_n=min_n,
                    seed=seed, n_boot=n_boot if method == "bootstrap" else None,
                    latest_period=str(pd.Timestamp(last["period"]).date()), latest_nps=plain(last["nps"]),
                    latest_change=plain(last["change"]), latest_p_value=plain(last["p_value"]),
                    latest_p_adj=plain(last["p_adj"]), latest_significant=bool(last["significant"]),
                    excluded=excluded, early_days=days)
