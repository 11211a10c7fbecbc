"""The public functions of the rep comparison: :func:`compare` and :func:`funnel`.

Each runs the same steps in order: check the arguments, check the data (reducing lead rows with the
one Ibis reduction, :func:`kpi_analysis.reps.reduce`), compute (:mod:`kpi_analysis.reps.stats`) and
build the frozen result (:mod:`kpi_analysis.reps.results`).
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence, check_not_empty, reject_rows
from ..core.periods import TRAILING_WEEKS, parse_period
from ..core.reduction import fetch
from ..core.results import excluded, note
from ..core.stats import adjust_pvalues
from . import stats
from .reduce import ALL, check_reduced, is_reduced, label_period, reduce, strata_list
from .results import FunnelResult, RepComparison

__all__ = ["compare", "counts", "funnel"]

_ADJUST = ("holm", "fdr_bh", "bonferroni", "none")
_COLUMNS = ["rep", "closed", "won", "conversion", "ci_low", "ci_high", "expected", "expected_conversion",
            "oe", "oe_low", "oe_high", "adjusted_conversion", "adjusted_low", "adjusted_high", "gap", "raw_gap",
            "raw_p_value", "raw_p_adj", "cond_or", "cond_or_low", "cond_or_high", "statistic", "p_value",
            "p_adj", "significant", "mh_or", "mh_or_low", "mh_or_high", "homogeneity_p", "shrunk",
            "shrunk_low", "shrunk_high", "p_below_team", "periods", "periods_below", "periods_above",
            "worst_period", "worst_z", "worst_oe", "period_closed", "period_won", "classification", "verdict"]
#: periods with a comparison that persistence needs (fewer: "not enough periods to judge persistence")
MIN_PERIODS = 3


# ------------------------------------------------------------------------------------ earlier names
def counts(data, **kwargs) -> pd.DataFrame:
    """Deprecated: the earlier name of :func:`kpi_analysis.reps.reduce` (same arguments, same table).

    Examples
    --------
    >>> import warnings
    >>> leads = pd.DataFrame({"rep": ["An"], "source": ["Website"], "status": ["won"],
    ...                       "created_at": pd.to_datetime(["2026-01-05"])})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     counts(leads)["won"].tolist()
    [1]
    """
    warnings.warn("reps.counts() is now reps.reduce(); the old name stops working in the next release.",
                  DeprecationWarning, stacklevel=2)
    return reduce(data, **kwargs)


def _is_frequency(value) -> bool:
    """The earlier ``period=`` held a frequency ("M", "Q", None); a report period starts with its year."""
    return value is None or (isinstance(value, str) and value[:1].isalpha())


def _earlier_names(func):
    """compare()'s earlier argument names keep working for one release, with a DeprecationWarning.

    ``period=`` was the frequency and is now the report period (the earlier ``end=``), so one name
    changes meaning: a frequency value ("M", "Q", None) or an ``end=`` beside it marks the earlier use.
    Written here rather than with ``core.deprecation.renamed`` because of that, and so the warnings
    point at the caller's line.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if "period" in kwargs and "freq" not in kwargs and ("end" in kwargs or _is_frequency(kwargs["period"])):
            warnings.warn(f"{func.__name__}(): period= for the frequency ('M', 'Q' or None) is now freq=; period= "
                          "names the report period (the earlier end=). The old use stops working in the next "
                          "release.", DeprecationWarning, stacklevel=2)
            kwargs["freq"] = kwargs.pop("period")
        for old, new in (("end", "period"), ("min_leads", "min_n")):
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{func.__name__}(): got both {old}= (the old name) and {new}=; use {new}=.")
                warnings.warn(f"{func.__name__}(): {old}= is now {new}=; the old name stops working in the next "
                              "release.", DeprecationWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
        return func(*args, **kwargs)
    return wrapper


# ------------------------------------------------------------------------------------------ compare
@_earlier_names
def compare(data, *, rep: str = "rep", strata: str | Sequence[str] | None = "source", freq: str | None = "M",
            date: str = "created_at", maturity_days: int = 60, as_of=None, period=None, window: int | None = 12,
            weeks: int = TRAILING_WEEKS, within_period: bool = True, confidence: float = 0.95, adjust: str = "holm",
            min_n: int = 30, persist_share: float = 2 / 3, dip_level: float = 0.998,
            min_periods: int = MIN_PERIODS) -> RepComparison:
    """Who converts differently from the team once their lead mix is accounted for, and is it persistent?

    Parameters
    ----------
    data : pandas.DataFrame or Ibis table
        The canonical ``leads`` table (pandas, or an Ibis table such as ``Workbook.table("leads")``,
        reduced where it lives), or its reduction by :func:`~kpi_analysis.reps.reduce` (detected by its
        columns ``rep``, ``stratum``, ``period``, ``closed``, ``won``; then ``rep``, ``strata``,
        ``freq``, ``date``, ``maturity_days`` and ``as_of`` were already applied).
    rep, strata, freq, date, maturity_days, as_of
        Passed to :func:`~kpi_analysis.reps.reduce` for lead rows; ``freq`` ("M" or "Q", default "M";
        earlier ``period=``) is the length of the periods the gap is followed over.
    period : str, optional
        The period the comparison answers for (earlier ``end=``): the window ends with its last month
        ("2026-10"; "2026-Q3" ends in September), or with the quarter holding it when ``freq="Q"``.
        An ISO week ("2026-W43") has too few closed leads for a comparison of its own: the window is
        then the trailing ``weeks`` weeks ending with it, followed week by week (lead rows are reduced
        by week; reduced counts must be by week, ``reduce(freq="W")``), with the note ``week_window``
        and the week's own counts beside (``period_closed``/``period_won``). The latest period in the
        data by default.
    window : int or None, default 12
        Months analysed, ending with ``period`` (12: a year, long enough to tell persistent from short
        gaps, short enough to reflect the current team). None uses every period.
    weeks : int, default 13
        Weeks analysed when ``period`` is an ISO week (13, as the NPS page's trailing window).
    within_period : bool, default True
        Compare each rep with the team within the same stratum *and* period (removes seasonality,
        the team's trend and the recent-leads effect from the comparison); False pools periods.
    confidence : float, default 0.95
        Level of every interval; also 1 - the significance level of the adjusted tests.
    adjust : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
        Multiple-testing correction across reps (statsmodels ``multipletests``).
    min_n : int, default 30
        Reps with fewer closed leads in the window are "too few to judge" (they still get a shrunk
        rate). Earlier ``min_leads=``.
    persist_share : float, default 2/3
        Share of the rep's periods that must lie on the same side of the team for a significant gap to
        count as persistent.
    min_periods : int, default 3
        Periods with a comparison that persistence needs; with fewer, a significant gap is
        "significant_under"/"significant_over" with the note ``few_periods`` ("not enough periods to
        judge persistence"), never "persistent" on one period out of one.
    dip_level : float, default 0.998
        Two-sided level of the per-period lower limit whose breach marks a short-term dip (the funnel
        plot's outer limit: with 12 periods and ~10 reps a chance breach is rare).

    Returns
    -------
    RepComparison
        ``.table`` (one row per rep): ``rep``, ``closed``, ``won``, ``conversion`` and its Wilson
        ``ci_low``/``ci_high``; ``expected`` wins and ``expected_conversion`` (the team's rate on the
        rep's leads), ``oe`` (observed / expected) with ``oe_low``/``oe_high`` (the interval of the CMH
        test, see Notes), ``adjusted_conversion`` (oe x team rate) with ``adjusted_low``/``adjusted_high``,
        ``gap`` (adjusted minus team rate) and ``raw_gap`` (raw minus team rate), fractions;
        ``raw_p_value``/``raw_p_adj`` (score test of the raw rate against the rest of the team);
        ``cond_or`` (conditional ML odds ratio against the rest of the team) with ``cond_or_low``/
        ``cond_or_high``, ``statistic`` (CMH chi-square, continuity-corrected), ``p_value`` (its
        unadjusted p), ``p_adj`` (adjusted across reps by ``adjust``), ``significant`` (``p_adj`` below
        1 - ``confidence``); ``mh_or`` with its Robins-Breslow-Greenland ``mh_or_low``/``mh_or_high``
        and ``homogeneity_p`` (Breslow-Day: is the gap the same across cells?), descriptive;
        ``shrunk`` with credible ``shrunk_low``/``shrunk_high`` and ``p_below_team``; ``periods``,
        ``periods_below``, ``periods_above``, ``worst_period``, ``worst_z``, ``worst_oe``;
        ``period_closed``/``period_won`` (the report period's own leads: the last period of the
        window); ``classification`` (one of :data:`~kpi_analysis.reps.CLASSES`) and ``verdict`` (one of
        :data:`~kpi_analysis.reps.VERDICTS`). ``.by_period``: ``rep``, ``period``, ``closed``, ``won``,
        ``expected``, ``oe``, ``gap``, ``z`` (signed Mantel-Haenszel score against the rest of the team in that period),
        ``below``, ``above`` (beyond the 95% limits), ``dip`` (below the ``dip_level`` limit).
        ``notes`` and ``excluded`` are codes (``outside_window``, ``open_too_young`` with ``days``).

    Notes
    -----
    Expected wins sum, over the rep's cells (stratum x period), closed leads x the whole team's rate in
    that cell (indirect standardization; the team's O/E is 1 by construction). The CMH test and the
    Mantel-Haenszel odds ratio compare the rep with the rest of the team over the cells where both
    have closed leads; cells worked by one rep only carry no comparison and are left out of the test.
    The p-value of the verdict is the continuity-corrected CMH test (as R's ``mantelhaen.test``),
    and the interval of the gap is that same test inverted (:func:`kpi_analysis.reps.stats.cmh_score`):
    every common odds ratio psi against the rest of the team that the corrected CMH score test of
    "odds ratio = psi" (noncentral hypergeometric moments of each cell) does not reject, mapped to
    observed/expected through the rep's expected wins at psi (Cornfield 1956; Agresti 2013, 6.3.5).
    So ``oe_low``/``oe_high`` leave out 1 exactly when ``p_value`` < 1 - ``confidence``; ``p_adj``
    is stated apart as the adjusted p. Lead mix explains a gap ("mix_explains") when the raw test is
    significant after adjustment, the mix-adjusted test is not, and the mix-adjusted gap is under
    half the raw gap; with a larger adjusted gap the verdict is "mix_partly". The MH odds ratio and
    its Robins-Breslow-Greenland interval are kept as a description (R's reference values). The
    shrunk rate is the posterior mean of a beta-binomial model fitted by maximum likelihood to the
    mix-adjusted wins (oe x team rate x closed) of every rep; ``p_below_team`` is the posterior
    probability that the rep's mix-adjusted rate is below the team rate. Reproduces R's ``mantelhaen.test(UCBAdmissions)`` and ``prop.test`` examples
    (see tests/test_reps.py).

    References
    ----------
    Mantel, N., & Haenszel, W. (1959). Statistical aspects of the analysis of data from retrospective
    studies of disease. Journal of the National Cancer Institute, 22(4), 719-748.
    Cornfield, J. (1956). A statistical problem arising from retrospective studies. Proceedings of
    the Third Berkeley Symposium on Mathematical Statistics and Probability, 4, 135-148.
    Agresti, A. (2013). Categorical Data Analysis (3rd ed.), section 6.3. Wiley.
    Breslow, N. E., & Day, N. E. (1987). Statistical Methods in Cancer Research, Vol. II. IARC.
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    Statistics in Medicine, 24(8), 1185-1202.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "rep": ["An", "An", "Bình", "Bình", "Cường", "Cường"],
    ...     "stratum": ["Giới thiệu", "Gọi điện lạnh"] * 3, "period": "2026-10",
    ...     "closed": [80, 20, 20, 80, 50, 50], "won": [36, 1, 9, 5, 22, 3]})
    >>> res = compare(table, min_n=30)
    >>> res.table[["rep", "conversion", "oe"]].round(2)
         rep  conversion    oe
    0     An        0.37  1.00
    1   Bình        0.14  1.02
    2  Cường        0.25  0.99
    >>> res.table["verdict"].tolist()
    ['mix_explains', 'mix_explains', 'no_gap']
    """
    confidence = _check_arguments(confidence=confidence, adjust=adjust, dip_level=dip_level,
                                  persist_share=persist_share, min_n=min_n, window=window)
    for name, value in (("weeks", weeks), ("min_periods", min_periods)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
    week = _week(period)
    cells, strata_name = _reduced(data, rep=rep, strata=strata, freq="W" if week else freq, date=date,
                                  maturity_days=maturity_days, as_of=as_of)
    win = _window(cells, period=period, window=window, weeks=int(weeks), week=week)
    cells = win.cells
    keys = ["stratum", "period"] if within_period else ["stratum"]
    t, team_rate, raw_test = _mix_adjusted(cells, keys, confidence, adjust)
    names = t["rep"].tolist()
    notes = _data_notes(cells, t, win.periods)
    own = _own_counts(t, cells, win.periods[-1])
    if week is not None:
        notes.insert(0, note("week_window", week=week.text, weeks=int(weeks), closed=own[0], won=own[1],
                             start=win.periods[0], end=win.periods[-1]))
    adj_wins, prior = _shrinkage(t, team_rate, confidence, notes)
    t, bp, any_dip = _persistence(t, cells, names, win.periods, confidence, dip_level)
    _classify(t, any_dip, min_n=min_n, persist_share=persist_share, alpha=1 - confidence, notes=notes,
              min_periods=int(min_periods))
    t = t[_COLUMNS]
    t["closed"], t["won"] = t["closed"].astype("int64"), t["won"].astype("int64")
    cells = cells.copy()
    cells.attrs["strata_name"] = strata_name
    return RepComparison(
        table=t, by_period=bp, counts=cells, funnel=_team_funnel(t, adj_wins, team_rate),
        team_conversion=float(team_rate), n_reps=len(names), closed=int(t["closed"].sum()),
        won=int(t["won"].sum()), start=win.periods[0], end=win.periods[-1], period=win.freq,
        statistic=raw_test[0], p_value=raw_test[1], df=raw_test[2], prior_alpha=float(prior[0]),
        prior_beta=float(prior[1]), min_leads=int(min_n), persist_share=float(persist_share),
        dip_level=float(dip_level), within_period=bool(within_period), confidence=confidence, adjust=adjust,
        method=("Wilson CI; indirect standardization by " + " x ".join(keys) + " "
                "CMH test vs rest of team (continuity-corrected) and its inverted interval; " + adjust
                + " across reps; "
                "beta-binomial empirical Bayes (ML) on mix-adjusted wins"),
        maturity_days=int(maturity_days), stale_open=int(cells["stale_open"].sum()),
        excluded=_exclusions(win.outside, cells, maturity_days), notes=tuple(notes),
        report_period=None if week is None else week.text, report_closed=own[0], report_won=own[1],
        min_periods=int(min_periods))


def _check_arguments(*, confidence, adjust, dip_level, persist_share, min_n, window) -> float:
    confidence = check_confidence(confidence)
    check_choice(adjust, name="adjust", options=_ADJUST)
    for name, value in (("dip_level", dip_level), ("persist_share", persist_share)):
        if not isinstance(value, (int, float)) or not 0 < float(value) <= 1 or (name == "dip_level" and value >= 1):
            raise ValueError(f"{name} must be a fraction between 0 and 1; got {value!r}.")
    if not isinstance(min_n, (int, np.integer)) or isinstance(min_n, bool) or min_n < 1:
        raise ValueError(f"min_n must be a whole number >= 1; got {min_n!r}.")
    if window is not None and (not isinstance(window, (int, np.integer)) or isinstance(window, bool)
                               or window < 1):
        raise ValueError(f"window must be a whole number of months >= 1 or None; got {window!r}.")
    return confidence


def _reduced(data, *, rep, strata, freq, date, maturity_days, as_of) -> tuple[pd.DataFrame, str]:
    """The reduced counts (checked) and the name of the strata for the method sentence."""
    if is_reduced(data):
        cells = check_reduced(data if isinstance(data, pd.DataFrame) else fetch(data))
        strata_name = "stratum"
    else:
        cells = reduce(data, rep=rep, strata=strata, freq=freq, date=date, maturity_days=maturity_days,
                       as_of=as_of)
        strata_name = " / ".join(strata_list(strata)) or "all"
    check_not_empty(cells, table="leads", what="leads")
    return cells, strata_name


def _week(period):
    """The report period when it is an ISO week (a :class:`~kpi_analysis.core.periods.ReportPeriod`),
    else None (months, quarters, years, dates and timestamps of the earlier ``end=``)."""
    if period is None:
        return None
    try:
        p = parse_period(period)
    except (TypeError, ValueError):
        return None
    return p if p.kind == "week" else None


def _own_counts(t: pd.DataFrame, cells: pd.DataFrame, last: str) -> tuple[int, int]:
    """``period_closed``/``period_won`` per rep (added to ``t``): the report period's own leads; and
    the team's (closed, won) in it."""
    own = cells[cells["period"] == last].groupby("rep", observed=True)[["closed", "won"]].sum()
    own = own.reindex(t["rep"], fill_value=0)
    t["period_closed"], t["period_won"] = own["closed"].to_numpy("int64"), own["won"].to_numpy("int64")
    return int(own["closed"].sum()), int(own["won"].sum())


class _Window(NamedTuple):
    cells: pd.DataFrame  # the counts inside the window
    freq: str | None  # "M", "Q", "W" or None (no period breakdown)
    periods: list[str]  # every period of the window, with or without leads
    outside: int  # closed and young open leads left out


def _window(cells: pd.DataFrame, *, period, window, weeks: int = TRAILING_WEEKS, week=None) -> _Window:
    """Keep the ``window`` months ending with ``period`` (whole quarters for quarterly counts), or the
    ``weeks`` weeks ending with it for weekly counts (a report period that is a week needs them)."""
    freq = _label_freq(cells["period"].unique())
    if week is not None and freq != "W":
        raise ValueError(f"counts.period: the comparison for the week {week.text} reads the trailing {weeks} "
                         f"weeks and needs counts by ISO week (reps.reduce(leads, freq='W')); these counts are "
                         f"by {'month' if freq == 'M' else 'quarter' if freq == 'Q' else 'no period'}, e.g. "
                         f"{sorted(cells['period'].unique())[:3]}.")
    if freq is None:
        return _Window(cells, None, [ALL], 0)
    starts = cells["period"].map(lambda p: label_period(p).start_time)
    if freq == "W":
        return _week_window(cells, starts, period=period, weeks=weeks)
    last = _last_month(period, freq) if period else pd.Period(starts.max(), freq="M")
    first = (last - (window - 1)) if window else pd.Period(starts.min(), freq="M")
    inside = (starts >= first.start_time) & (starts <= last.end_time)
    outside = int(cells.loc[~inside, ["closed", "open_excluded"]].sum().sum())
    if freq == "M":
        periods = [str(p) for p in pd.period_range(first, last, freq="M")]
    else:
        periods = [str(p) for p in pd.period_range(pd.Period(first.start_time, freq="Q"),
                                                   pd.Period(last.start_time, freq="Q"), freq="Q")]
    cells = cells[inside].reset_index(drop=True)
    if not len(cells):
        raise ValueError(f"leads: no leads in the analysis window {periods[0]} .. {periods[-1]}.")
    return _Window(cells, freq, periods, outside)


def _week_window(cells: pd.DataFrame, starts: pd.Series, *, period, weeks: int) -> _Window:
    """The ``weeks`` ISO weeks ending with the week of ``period`` (the week holding its last day; the
    latest week in the counts by default)."""
    end = parse_period(period).end if period else starts.max()
    last = pd.Period(end, freq="W-SUN")
    first = last - (weeks - 1)
    inside = (starts >= first.start_time) & (starts <= last.end_time)
    outside = int(cells.loc[~inside, ["closed", "open_excluded"]].sum().sum())
    periods = [parse_period(p).text for p in pd.period_range(first, last, freq="W-SUN")]
    cells = cells[inside].reset_index(drop=True)
    if not len(cells):
        raise ValueError(f"leads: no leads in the analysis window {periods[0]} .. {periods[-1]}.")
    return _Window(cells, "W", periods, outside)


def _label_freq(labels) -> str | None:
    """"M", "Q" or "W" from the counts' period labels; None for the single "all" period."""
    freqs = set()
    for label in labels:
        if label == ALL:
            return None
        try:
            freqs.add(label_period(label).freqstr[0])
        except (ValueError, TypeError):
            raise ValueError(f"counts.period must be 'YYYY-MM', 'YYYYQn', an ISO week 'YYYY-Www' or 'all'; "
                             f"got {label!r}.") from None
    if len(freqs) > 1:
        raise ValueError(f"counts.period mixes period lengths {sorted(freqs)}: use one.")
    return freqs.pop() if freqs else None


def _last_month(period, freq: str) -> pd.Period:
    """The last month of the window: the month ``period`` ends in (``core.periods.parse_period``), or
    the last month of its quarter for quarterly counts. A date or Timestamp (earlier ``end=`` forms)
    gives its month."""
    try:
        month = pd.Period(parse_period(period).end, freq="M")
    except (TypeError, ValueError) as err:
        try:
            month = pd.Period(period, freq="M")
        except (TypeError, ValueError):
            raise err from None
    if freq == "Q":
        month = pd.Period(month.asfreq("Q").end_time, freq="M")
    return month


def _exclusions(outside: int, cells: pd.DataFrame, maturity_days: int) -> tuple:
    out = []
    if outside:
        out.append(excluded("outside_window", outside))
    open_n = int(cells["open_excluded"].sum())
    if open_n:
        out.append(excluded("open_too_young", open_n, days=int(maturity_days)))
    return tuple(out)


def _data_notes(cells: pd.DataFrame, t: pd.DataFrame, periods: list[str]) -> list[dict]:
    """What the data leave out of the comparison: a lone rep, reps or strata without a comparison,
    periods without closed leads."""
    notes = []
    names = t["rep"].tolist()
    if len(names) == 1:
        notes.append(note("single_rep"))
    notes += [note("no_closed", rep=name) for name, n in zip(names, t["closed"], strict=True) if n == 0]
    if len(names) > 1:
        reps_per_stratum = cells[cells["closed"] > 0].groupby("stratum", observed=True)["rep"].unique()
        notes += [note("single_rep_stratum", stratum=stratum, rep=who[0])
                  for stratum, who in reps_per_stratum.items() if len(who) == 1 and stratum != ALL]
    closed_per_period = cells.groupby("period", observed=True)["closed"].sum()
    empty = [p for p in periods if closed_per_period.get(p, 0) == 0]
    if empty:
        notes.append(note("empty_period", period=empty))
    return notes


def _mix_adjusted(cells: pd.DataFrame, keys: list[str], confidence: float, adjust: str):
    """Per-rep rates, raw tests and the CMH test against the rest of the team: (table, team rate,
    (chi-square, p, df) of equal raw rates)."""
    per_rep = stats.standardize(cells, keys)
    n_total, w_total = int(per_rep["closed"].sum()), int(per_rep["won"].sum())
    team_rate = w_total / n_total if n_total else float("nan")
    t = stats.rate_columns(per_rep, team_rate, confidence)
    n, w = t["closed"].to_numpy(float), t["won"].to_numpy(float)
    raw_p = stats.raw_p_values(n, w)
    t["raw_p_value"], t["raw_p_adj"] = raw_p, adjust_pvalues(raw_p, adjust)
    raw_test = stats.equal_rates(n, w)
    t = pd.concat([t, stats.cmh_per_rep(cells, keys, t["rep"].tolist(), confidence, adjust)], axis=1)
    stats.oe_interval(t, team_rate)
    t["significant"] = t["p_adj"] < 1 - confidence
    return t, team_rate, raw_test


def _shrinkage(t: pd.DataFrame, team_rate: float, confidence: float, notes: list[dict]):
    """Empirical Bayes: a beta-binomial prior over the reps' mix-adjusted wins; the shrunk columns are
    added to ``t``. Returns (mix-adjusted wins, (alpha, beta))."""
    n, w = t["closed"].to_numpy(float), t["won"].to_numpy(float)
    has = n > 0
    adj_wins = np.clip(np.nan_to_num(t["oe"].to_numpy(float)) * team_rate * n, 0, n)
    if has.sum() >= 3 and 0 < w.sum() < n.sum():
        a0, b0, flat = stats.fit_beta_binomial(adj_wins[has], n[has])
        if flat:
            notes.append(note("prior_flat"))
    else:
        a0 = b0 = float("nan")
        notes.append(note("prior_unfit"))
    for column, values in stats.shrink(adj_wins, n, (a0, b0), team_rate, confidence).items():
        t[column] = values
    return adj_wins, (a0, b0)


def _persistence(t, cells, names, periods, confidence, dip_level):
    """The gap period by period and its per-rep summary (added to ``t``)."""
    bp = stats.by_period(cells, names, periods, confidence, dip_level)
    per_rep = stats.period_summary(bp, names)
    t = pd.concat([t, per_rep.drop(columns=["any_dip"])], axis=1)
    return t, bp, per_rep["any_dip"].tolist()


def _classify(t, any_dip, *, min_n, persist_share, alpha, notes, min_periods) -> None:
    """Classification and verdict columns; a note for each significant gap that is not consistent, and
    for each rep whose persistence cannot be judged on so few periods."""
    classes, verdicts, inconsistent, few = stats.classify(t, any_dip, min_n=min_n, persist_share=persist_share,
                                                          alpha=alpha, min_periods=min_periods)
    notes += [note("inconsistent", rep=name) for name, flag in zip(t["rep"], inconsistent, strict=True) if flag]
    notes += [note("few_periods", rep=name, periods=int(m), min_periods=min_periods)
              for name, m, flag in zip(t["rep"], t["periods"], few, strict=True) if flag]
    t["classification"], t["verdict"] = classes, verdicts


def _team_funnel(t: pd.DataFrame, adj_wins: np.ndarray, team_rate: float) -> FunnelResult | None:
    """The funnel of the mix-adjusted wins of the reps with closed leads (None when it has no limits)."""
    n = t["closed"].to_numpy(float)
    has = n > 0
    if has.any() and 0 < team_rate < 1:
        return funnel(adj_wins[has], n[has], labels=t.loc[has, "rep"].tolist())
    return None


# ------------------------------------------------------------------------------------------- funnel
def funnel(events, trials, labels=None, *, target: float | None = None, limits: str = "exact",
           winsorize: float = 0.1, overdispersion: str = "auto") -> FunnelResult:
    """Funnel-plot control limits (95% and 99.8%) with Spiegelhalter's overdispersion adjustment.

    Parameters
    ----------
    events, trials : array-like
        Events (wins; may be non-integer, e.g. mix-adjusted wins) and trials (closed leads, whole
        numbers) per unit. Units with no trials are excluded and counted (code ``no_trials``).
    labels : array-like, optional
        Unit names (reps, locations, lead sources); 0, 1, 2, ... by default.
    target : float, optional
        Rate the limits centre on; the pooled rate sum(events) / sum(trials) by default.
    limits : {"exact", "normal"}, default "exact"
        Unadjusted limits from interpolated binomial quantiles (right for small units) or the
        normal approximation target +/- z sqrt(target (1 - target) / n).
    winsorize : float, default 0.1
        Share of z-scores Winsorised at each end before phi is estimated (Spiegelhalter: 10%);
        0 gives the plain Pearson estimate.
    overdispersion : {"auto", "additive", "none"}, default "auto"
        "auto" adds the random-effects variance tau^2 when the chi-square test of ``n_units * phi`` on
        ``n_units - 1`` df rejects at 5%; "additive" always adds it; "none" never does.

    Returns
    -------
    FunnelResult
        ``.table`` columns: ``label``, ``events``, ``trials``, ``rate``, ``z`` (against the binomial
        SE), ``z_winsorised``, ``z_adjusted`` (against sqrt(SE^2 + tau^2)), ``lower_95``, ``upper_95``,
        ``lower_998``, ``upper_998`` (unadjusted), ``lower_95_adjusted`` ... ``upper_998_adjusted``,
        and booleans ``outside_95``, ``outside_998``, ``outside_95_adjusted``, ``outside_998_adjusted``.

    Notes
    -----
    z_i = (y_i - target) / s_i with s_i^2 = target (1 - target) / n_i. The dispersion factor is
    phi = mean of the squared z-scores after Winsorising the top and bottom 10%; under no
    overdispersion ``n_units * phi`` is roughly chi-square on ``n_units - 1`` df. The additive
    random-effects variance is tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2,
    floored at 0 (DerSimonian-Laird), and the adjusted limits are target +/- z sqrt(s_i^2 + tau^2).
    Winsorising makes phi robust to a few true outliers but also scales it down: for normal z-scores
    the 10% Winsorised mean square is about 0.68 times the true dispersion (use ``winsorize=0`` for
    the unbiased Pearson estimate when no outliers are expected). Exact limits are checked against
    scipy's binomial quantiles; for large n they meet the normal approximation.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    Statistics in Medicine, 24(8), 1185-1202.
    Spiegelhalter, D. J. (2005). Handling over-dispersion of performance indicators.
    Quality and Safety in Health Care, 14(5), 347-351.

    Examples
    --------
    >>> res = funnel([30, 12, 45, 8], [100, 60, 150, 80], labels=["An", "Bình", "Cường", "Dung"])
    >>> round(res.target, 3), res.outside_95
    (0.244, 1)
    >>> res.table.loc[res.table["outside_95"], "label"].tolist()
    ['Dung']
    """
    check_choice(limits, name="limits", options=("exact", "normal"))
    check_choice(overdispersion, name="overdispersion", options=("auto", "additive", "none"))
    if not isinstance(winsorize, (int, float)) or not 0 <= winsorize < 0.5:
        raise ValueError(f"winsorize must be a share between 0 and 0.5 (e.g. 0.1); got {winsorize!r}.")
    t, dropped = _funnel_units(events, trials, labels)
    target = _funnel_target(t, target)
    n = t["trials"].to_numpy(float)
    y = t["events"].to_numpy(float) / n
    t["rate"] = y
    method = f"{limits} binomial limits; Winsorised z-scores ({winsorize:.0%}); DerSimonian-Laird tau2"
    common = {"limits": limits, "winsorize": float(winsorize), "method": method, "excluded": dropped}
    if target in (0.0, 1.0):
        return _degenerate_funnel(t, target, common)
    s2 = target * (1 - target) / n
    z = (y - target) / np.sqrt(s2)
    t["z"] = z
    t["z_winsorised"], phi, p_over, tau2_dl = stats.overdispersion(z, s2, winsorize)
    notes = (note("few_units"),) if len(t) < 3 else ()
    over = bool(np.isfinite(p_over) and p_over < 0.05)
    tau2 = float(tau2_dl) if overdispersion == "additive" or (overdispersion == "auto" and over) else 0.0
    t["z_adjusted"] = (y - target) / np.sqrt(s2 + tau2)
    _funnel_limits(t, target, n, y, limits=limits, tau2=tau2)
    return FunnelResult(
        table=t, target=target, phi=phi, overdispersion_p=p_over, overdispersed=over, tau2=tau2,
        n_units=len(t), outside_95=int(t["outside_95"].sum()), outside_998=int(t["outside_998"].sum()),
        outside_95_adjusted=int(t["outside_95_adjusted"].sum()),
        outside_998_adjusted=int(t["outside_998_adjusted"].sum()), notes=notes, **common)


def _funnel_units(events, trials, labels) -> tuple[pd.DataFrame, tuple]:
    """The units as a checked table (those with trials) and the exclusion of the others."""
    ev = np.asarray(pd.to_numeric(pd.Series(np.asarray(events).ravel()), errors="coerce"), float)
    tr = np.asarray(pd.to_numeric(pd.Series(np.asarray(trials).ravel()), errors="coerce"), float)
    if len(ev) != len(tr):
        raise ValueError(f"funnel: events has {len(ev)} values but trials has {len(tr)}.")
    labels = list(range(len(ev))) if labels is None else list(np.asarray(labels).ravel())
    if len(labels) != len(ev):
        raise ValueError(f"funnel: labels has {len(labels)} values but events has {len(ev)}.")
    frame = pd.DataFrame({"label": labels, "events": ev, "trials": tr})
    reject_rows(frame, ~np.isfinite(tr) | (tr < 0) | (tr != np.floor(tr)), table="funnel", column="trials",
                rule="must be whole numbers >= 0")
    reject_rows(frame, ~np.isfinite(ev) | (ev < 0) | (ev > tr), table="funnel", column="events",
                rule="must be numbers between 0 and trials")
    dropped = (excluded("no_trials", int((tr == 0).sum())),) if (tr == 0).any() else ()
    t = frame[frame["trials"] > 0].reset_index(drop=True)
    check_not_empty(t, table="funnel", what="units with trials")
    return t, dropped


def _funnel_target(t: pd.DataFrame, target) -> float:
    if target is None:
        return float(t["events"].sum() / t["trials"].sum())
    if not 0 <= float(target) <= 1:
        raise ValueError(f"target must be a rate between 0 and 1; got {target!r}.")
    return float(target)


def _funnel_limits(t: pd.DataFrame, target: float, n, y, *, limits: str, tau2: float) -> None:
    """The 95% and 99.8% limits, unadjusted and adjusted, and who lies outside them."""
    for level, tag in ((0.95, "95"), (0.998, "998")):
        if limits == "exact":
            lo_, hi_ = stats.exact_limits(target, n, level)
        else:
            lo_, hi_ = stats.normal_limits(target, n, level, 0)
        t[f"lower_{tag}"], t[f"upper_{tag}"] = lo_, hi_
        alo, ahi = stats.normal_limits(target, n, level, tau2) if tau2 > 0 else (lo_, hi_)
        t[f"lower_{tag}_adjusted"], t[f"upper_{tag}_adjusted"] = alo, ahi
    for tag in ("95", "998"):
        t[f"outside_{tag}"] = (y < t[f"lower_{tag}"]) | (y > t[f"upper_{tag}"])
        t[f"outside_{tag}_adjusted"] = (y < t[f"lower_{tag}_adjusted"]) | (y > t[f"upper_{tag}_adjusted"])


def _degenerate_funnel(t: pd.DataFrame, target: float, common: dict) -> FunnelResult:
    """A pooled rate of 0 or 1 has no limits: NaN z-scores and limits, nobody outside."""
    nan = float("nan")
    for col in ("z", "z_winsorised", "z_adjusted", "lower_95", "upper_95", "lower_998", "upper_998",
                "lower_95_adjusted", "upper_95_adjusted", "lower_998_adjusted", "upper_998_adjusted"):
        t[col] = nan
    for col in ("outside_95", "outside_998", "outside_95_adjusted", "outside_998_adjusted"):
        t[col] = False
    return FunnelResult(table=t, target=target, phi=nan, overdispersion_p=nan, overdispersed=False, tau2=0.0,
                        n_units=len(t), outside_95=0, outside_998=0, outside_95_adjusted=0, outside_998_adjusted=0,
                        notes=(note("degenerate_target"),), **common)
