"""The estimators on a panel: AB/BA crossover, difference-in-differences, baseline checks.

Each takes a tidy table of analysis-ready rows (one per unit x period, or per unit x day), checks
it, shapes it into arrays and hands them to :mod:`~kpi_analysis.promo.stats`:

- :func:`crossover` is the AB/BA crossover (Senn 2002) on any panel: the classic subject-level
  analysis when there are several subjects per sequence, and the two-store daily analysis (daily
  difference between the stores, AR(1) GLS, HAC or moving-block-bootstrap standard errors,
  small-sample t) when two units are observed day by day;
- :func:`did` is difference-in-differences with unit and time effects removed by demeaning (never by
  one dummy per unit, see the design notes) and inference that stays honest with few units:
  conventional OLS (textbook cases), cluster-robust CR1 with G - 1 degrees of freedom, or
  randomization inference over units with the interval from inverting the same test;
- :func:`prechecks` asks whether a treated and a control series were comparable in the baseline.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence, reject_rows, require_columns
from ..core.results import excluded, note
from . import stats
from .results import CrossoverResult, DiDResult, Exclusions, Notes, PreCheck

__all__ = ["SCALES", "SEED", "crossover", "did", "prechecks"]

SEED = 20261028
SCALES = ("level", "log")
CROSSOVER_INFERENCE = ("ar1", "hac", "block_bootstrap")
DID_INFERENCE = ("auto", "ols", "cluster", "randomization")
#: cluster-robust inference is refused below this many clusters (Cameron & Miller 2015: CR1 with few
#: clusters over-rejects; with 8 locations an A/A DiD rejected 18% at 5%), noted below FEW_CLUSTERS
MIN_CLUSTERS = 20
FEW_CLUSTERS = 50


def _as_frame(data) -> pd.DataFrame:
    """A pandas frame as it is; an Ibis table fetched (it holds analysis-ready rows, not raw sales)."""
    if isinstance(data, pd.DataFrame):
        return data
    from ..core.reduction import as_table, fetch

    return fetch(as_table(data, "data"))


# ------------------------------------------------------------------------------------------ crossover

def crossover(data, *, outcome: str, unit: str, period: str, treated: str,
              time: str | None = None, baseline=None, scale: str = "level", dow_adjust: bool = False,
              inference: str = "ar1", lags: int | None = None, n_boot: int = 999,
              confidence: float = 0.95, seed: int = SEED) -> CrossoverResult:
    """AB/BA crossover: the treatment effect from both the within-unit and the period contrast.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table: one row per unit x period (classic design) or per unit x period x time (two units
        observed day by day, e.g. two stores swapping a promotion).
    outcome, unit, period, treated : str
        Columns of the response, the subject/store, the period label and the 0/1 treatment indicator.
        Periods are ordered by their sorted labels (or by their first ``time``): the period effect is
        period 1 - period 2.
    time : str, optional
        Column of the day; required for the daily two-unit design (rows are paired by it).
    baseline : label, optional
        Period label of an untreated baseline (daily design): used for the carryover /
        unit-by-period check ``(D1 + D2) / 2 - D0``.
    scale : {"level", "log"}, default "level"
        Analyse the outcome as is or its logarithm (effect then a log ratio).
    dow_adjust : bool, default False
        Daily design: add day-of-week effects to the difference series (``time`` must be dates).
    inference : {"ar1", "hac", "block_bootstrap"}, default "ar1"
        Daily design: feasible GLS with AR(1) errors (iterated Cochrane-Orcutt, the AR coefficient
        shifted for its small-sample bias) whose t statistic is calibrated by an AR(1) residual
        bootstrap (``n_boot`` resamples, ``seed``; see :func:`~kpi_analysis.promo.stats.ar1_bootstrap`),
        or Newey-West HAC or moving-block bootstrap standard errors with a t distribution on the
        regression's residual degrees of freedom. ``"ar1"`` is the default: on two stores with a
        weekly pattern and AR(1) daily noise (90 days: baseline, two promotion months) the plain GLS t
        test rejected 6.1%, 7.1% and 8.2% of A/A tests at 5% (rho 0.5, 0.7, 0.85; 1,000 tests each),
        the bootstrap-calibrated one 4.3%, 5.3% and 5.3% (2,000 tests each, Monte Carlo error +/- 1
        point; benchmarks/calibration_results/promo.json), and its 95% interval held a planted effect
        95.7%, 95.1% and 93.9% of the time. Newey-West HAC rejected about 15% in the statistics
        review's simulation (a note says so) and the block bootstrap did no better.
    lags : int, optional
        HAC lags / bootstrap block length; the Newey-West rule ``floor(4 (n/100)^(2/9))`` by default.
    n_boot : int, default 999
        Bootstrap resamples (``inference="block_bootstrap"``).
    confidence : float, default 0.95
    seed : int, default 20261028
        Seed of the AR(1) or block bootstrap (recorded; unused by HAC).

    Returns
    -------
    CrossoverResult
        ``estimate`` (treated - untreated), ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``df``,
        ``period_effect`` (period 1 - period 2), ``carryover`` and ``carryover_p``, ``design``,
        ``method``; ``.table`` has one row per contrast (``term``, ``estimate``, ``se``, ``statistic``,
        ``p_value``, ``ci_low``, ``ci_high``), ``.daily`` (daily design) the paired days.

    Notes
    -----
    Classic design (Senn 2002, ch. 3): per subject ``d = y(period 1) - y(period 2)``; the effect is half
    the difference of the mean ``d`` between the sequences, with the pooled two-sample t test on
    ``n1 + n2 - 2`` df; the carryover test is the two-sample t test on the subjects' sums.
    Daily design: ``D_t = y(unit treated first) - y(other unit)`` (or the log ratio) is regressed on
    period indicators (and day-of-week contrasts); the effect is ``(D1 - D2) / 2``, the period effect
    ``(S1 - S2) / 2`` with ``S_t`` the sum of the two units. Checked against Senn's PEF example:
    46.61 (SE 10.78), 95% CI 22.89 to 70.33, p = 0.0012, period -15.89, carryover p = 0.86.

    References
    ----------
    Senn, S. (2002). Cross-over Trials in Clinical Research (2nd ed.). Wiley.
    Newey, W. K., & West, K. D. (1994). Automatic lag selection in covariance matrix estimation.
    Review of Economic Studies, 61(4), 631-653.

    Examples
    --------
    >>> d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "period": [1, 2] * 4,
    ...                   "treated": [1, 0, 1, 0, 0, 1, 0, 1], "y": [12, 9, 14, 10, 8, 13, 10, 12]})
    >>> round(crossover(d, outcome="y", unit="unit", period="period", treated="treated").estimate, 2)
    3.5
    """
    confidence = check_confidence(confidence)
    check_choice(scale, name="scale", options=SCALES)
    check_choice(inference, name="inference", options=CROSSOVER_INFERENCE)
    frame = _crossover_frame(_as_frame(data), outcome=outcome, unit=unit, period=period, treated=treated,
                             time=time, scale=scale)
    units = list(pd.unique(frame[unit]))
    if len(units) < 2:
        raise ValueError(f"data.{unit}: at least two units are needed for a crossover; found {len(units)}.")
    if time is not None and len(units) == 2:
        return _crossover_daily(frame, outcome=outcome, unit=unit, period=period, treated=treated,
                                time=time, baseline=baseline, scale=scale, dow_adjust=dow_adjust,
                                inference=inference, lags=lags, n_boot=n_boot, confidence=confidence,
                                seed=seed)
    return _crossover_classic(frame, outcome=outcome, unit=unit, period=period, treated=treated,
                              confidence=confidence, scale=scale)


def _crossover_frame(data: pd.DataFrame, *, outcome, unit, period, treated, time, scale) -> pd.DataFrame:
    """The needed columns, the outcome numeric (logged for ``scale="log"``), ``treated`` 0/1."""
    cols = [outcome, unit, period, treated] + ([time] if time else [])
    require_columns(data, table="data", columns=cols)
    frame = data[cols].copy()
    y = pd.to_numeric(frame[outcome], errors="coerce")
    reject_rows(frame, y.isna(), table="data", column=outcome, rule="must be a number")
    reject_rows(frame, ~frame[treated].isin([0, 1, True, False]), table="data", column=treated,
                rule="must be 0 or 1")
    if scale == "log":
        reject_rows(frame, y <= 0, table="data", column=outcome, rule="must be positive on the log scale")
        y = np.log(y)
    return frame.assign(**{outcome: y.astype(float), treated: frame[treated].astype(int)})


def _crossover_classic(frame, *, outcome, unit, period, treated, confidence, scale) -> CrossoverResult:
    dup = frame.duplicated([unit, period], keep=False)
    reject_rows(frame, dup, table="data", column=unit,
                rule="must have one row per unit and period (classic crossover; give `time` for daily data)")
    periods = sorted(pd.unique(frame[period]))
    if len(periods) != 2:
        raise ValueError(f"data.{period}: a classic AB/BA crossover has exactly two periods; found "
                         f"{len(periods)}: {periods[:5]}.")
    wide = frame.pivot(index=unit, columns=period, values=outcome)
    trt = frame.pivot(index=unit, columns=period, values=treated)
    incomplete = wide.isna().any(axis=1)
    dropped = [excluded("incomplete_subjects", incomplete.sum())] if incomplete.any() else []
    wide, trt = wide[~incomplete], trt[~incomplete]
    p1, p2 = periods
    bad = (trt[p1] + trt[p2]) != 1
    if bad.any():
        raise ValueError(f"data.{treated} must be 1 in exactly one of the two periods per unit: "
                         f"{int(bad.sum())} unit(s) do not, e.g. {list(trt.index[bad][:3])}.")
    first = trt[p1] == 1
    d = wide[p1] - wide[p2]
    s = wide[p1] + wide[p2]
    n1, n2 = int(first.sum()), int((~first).sum())
    if n1 < 1 or n2 < 1 or n1 + n2 < 3:
        raise ValueError(f"data.{unit}: a classic crossover needs subjects in both sequences and at least "
                         f"three in all; found {n1} treated first and {n2} treated second.")
    fit = stats.classic_crossover(d[first].to_numpy(), d[~first].to_numpy(), s[first].to_numpy(),
                                  s[~first].to_numpy(), confidence)
    rows = fit["rows"]
    row = rows[0]
    return CrossoverResult(
        estimate=row["estimate"], se=fit["se"], ci_low=row["ci_low"], ci_high=row["ci_high"],
        p_value=row["p_value"], df=fit["df"], statistic=row["statistic"], period_effect=rows[1]["estimate"],
        period_se=fit["se"], carryover=rows[2]["estimate"], carryover_p=fit["carryover_p"],
        n=n1 + n2, design="classic",
        method="AB/BA crossover: two-sample t test on period differences (Senn 2002)",
        inference="pooled two-sample t", lags=0, confidence=confidence, seed=None, scale=scale,
        units=(), table=pd.DataFrame(rows), excluded=Exclusions(dropped))


def _daily_layout(frame, *, unit, period, treated, time, baseline):
    """Which unit is treated in which period; the two treatment periods in time order. Refuses any
    other schedule."""
    units = list(pd.unique(frame[unit]))
    dup = frame.duplicated([unit, time], keep=False)
    reject_rows(frame, dup, table="data", column=time, rule="must have one row per unit and day")
    treat_periods = frame.loc[frame[treated] == 1].groupby(unit)[period].unique()
    if baseline is not None and (frame.loc[frame[period] == baseline, treated] == 1).any():
        raise ValueError(f"data.{treated}: the baseline period {baseline!r} must be untreated.")
    labels = [p for p in pd.unique(frame[period]) if p != baseline]
    if len(labels) != 2:
        raise ValueError(f"data.{period}: the daily crossover needs exactly two treatment periods besides "
                         f"the baseline; found {len(labels)}: {labels[:5]}.")
    order = frame.loc[frame[period].isin(labels)].groupby(period)[time].min().sort_values()
    p1, p2 = list(order.index)
    firsts = [u for u in units if list(treat_periods.get(u, [])) == [p1]]
    seconds = [u for u in units if list(treat_periods.get(u, [])) == [p2]]
    if len(firsts) != 1 or len(seconds) != 1:
        raise ValueError(f"data.{treated}: one unit must be treated in period {p1!r} only and the other in "
                         f"period {p2!r} only; got {treat_periods.to_dict()}.")
    u1, u2 = firsts[0], seconds[0]
    bad = frame[treated] != ((frame[unit] == u1) & (frame[period] == p1) |
                             (frame[unit] == u2) & (frame[period] == p2)).astype(int)
    reject_rows(frame, bad, table="data", column=treated,
                rule="must be 1 on every day of a unit's own treatment period and 0 otherwise")
    return u1, u2, p1, p2


def _paired_days(frame, *, outcome, unit, period, time, baseline, u1, u2, p1, p2):
    """The days with both units observed (wide), each day's period, the periods in model order."""
    wide = frame.pivot(index=time, columns=unit, values=outcome)
    per = frame.drop_duplicates(time).set_index(time)[period]
    per_conflict = frame.groupby(time)[period].nunique() > 1
    if per_conflict.any():
        raise ValueError(f"data.{period}: both units must be in the same period on a day; "
                         f"{int(per_conflict.sum())} day(s) differ, "
                         f"e.g. {list(per_conflict.index[per_conflict][:3])}.")
    paired = wide[[u1, u2]].dropna()
    unpaired = int(len(wide) - len(paired))
    per = per.reindex(paired.index)
    plist = ([baseline] if baseline is not None and (per == baseline).any() else []) + [p1, p2]
    counts = per.value_counts()
    for p in [p1, p2]:
        if counts.get(p, 0) < 2:
            raise ValueError(f"data.{period}: period {p!r} has {counts.get(p, 0)} day(s) with both units "
                             "observed; at least 2 are needed.")
    return paired, per, plist, unpaired


def _crossover_daily(frame, *, outcome, unit, period, treated, time, baseline, scale, dow_adjust,
                     inference, lags, n_boot, confidence, seed) -> CrossoverResult:
    u1, u2, p1, p2 = _daily_layout(frame, unit=unit, period=period, treated=treated, time=time,
                                   baseline=baseline)
    paired, per, plist, unpaired = _paired_days(frame, outcome=outcome, unit=unit, period=period, time=time,
                                                baseline=baseline, u1=u1, u2=u2, p1=p1, p2=p2)
    D = (paired[u1] - paired[u2]).to_numpy(float)
    S = (paired[u1] + paired[u2]).to_numpy(float)
    X = np.column_stack([(per == p).to_numpy(float) for p in plist])
    if dow_adjust:
        if not pd.api.types.is_datetime64_any_dtype(paired.index):
            raise TypeError(f"data.{time}: day-of-week adjustment needs dates.")
        X = np.column_stack([X, stats.dow_matrix(paired.index)])
    n = len(D)
    lags = (stats.nw_lags(n) if lags is None else int(lags)) if inference != "ar1" else 1
    k1, k2 = plist.index(p1), plist.index(p2)
    period_index = per.map({p: i for i, p in enumerate(plist)}).to_numpy()
    fit = stats.daily_crossover(D, S, X, period_index, levels=len(plist), k1=k1, k2=k2,
                                baseline=plist[0] == baseline, inference=inference, lags=lags, n_boot=n_boot,
                                seed=seed, confidence=confidence)
    rows, se, df = fit["rows"], fit["se"], fit["df"]
    table = pd.DataFrame(rows)
    table.attrs["n_boot"] = n_boot
    daily = _daily_effects(paired, per, D, X, fit["fit"].params, se, u1=u1, u2=u2, p1=p1, p2=p2, k1=k1, k2=k2,
                           levels=len(plist), dow_adjust=dow_adjust)
    r, has_carry = rows[0], len(rows) > 2
    inf_name = {"ar1": f"AR(1) feasible GLS, bootstrap-calibrated t ({n_boot} resamples)",
                "hac": f"Newey-West HAC ({lags} lags)",
                "block_bootstrap": f"moving-block bootstrap (block {lags}, {n_boot} resamples)"}[inference]
    notes = [note("hac_oversized")] if inference == "hac" else []
    return CrossoverResult(
        estimate=r["estimate"], se=se, ci_low=r["ci_low"], ci_high=r["ci_high"], p_value=r["p_value"], df=df,
        statistic=r["statistic"], period_effect=rows[1]["estimate"], period_se=rows[1]["se"],
        carryover=rows[2]["estimate"] if has_carry else math.nan,
        carryover_p=rows[2]["p_value"] if has_carry else math.nan, n=n, design="daily",
        method=f"AB/BA crossover on the daily difference, {inf_name}"
               + ("" if inference == "ar1" else f", t on {int(df)} df")
               + (", day-of-week adjusted" if dow_adjust else ""),
        inference=inference, lags=lags, confidence=confidence,
        seed=seed if inference in ("ar1", "block_bootstrap") else None, scale=scale, units=(u1, u2),
        table=table, daily=daily,
        excluded=Exclusions([excluded("unpaired_days", unpaired)] if unpaired else []), notes=Notes(notes))


def _daily_effects(paired, per, D, X, params, se, *, u1, u2, p1, p2, k1, k2, levels,
                   dow_adjust) -> pd.DataFrame:
    """Per day: both units, their difference, the gap without promotion, the effect and its sd."""
    n = len(D)
    delta = 0.5 * (params[k1] + params[k2])  # the units' gap without promotion
    fitted_dow = X[:, levels:] @ params[levels:] if dow_adjust else np.zeros(n)
    daily = pd.DataFrame({"time": paired.index, "period": per.to_numpy(), u1: paired[u1].to_numpy(),
                          u2: paired[u2].to_numpy(), "difference": D, "gap": delta + fitted_dow})
    sign = np.where(daily["period"] == p1, 1.0, np.where(daily["period"] == p2, -1.0, 0.0))
    daily["effect"] = sign * (daily["difference"] - daily["gap"])
    daily["treated_unit"] = np.where(sign > 0, str(u1), np.where(sign < 0, str(u2), ""))
    resid_sd = float(np.std(D - X @ params, ddof=X.shape[1]))
    daily["effect_sd"] = np.where(sign != 0, math.sqrt(resid_sd ** 2 + se ** 2), math.nan)
    return daily


# -------------------------------------------------------------------------- difference-in-differences

def did(data, *, outcome: str, treated: str, post: str, unit: str | None = None,
        time: str | None = None, covariates: Sequence[str] = (), inference: str = "auto",
        cluster: str | None = None, absorb: Sequence[str] = (), max_assignments: int = 2000,
        paths: Mapping | None = None, confidence: float = 0.95, seed: int = SEED) -> DiDResult:
    """Difference-in-differences: the effect of ``treated x post`` with honest standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation (unit x time for a panel, or a repeated cross-section).
    outcome : str
        Response column.
    treated, post : str
        0/1 columns; the effect is the coefficient of their product. In a panel with ``time`` the
        product may switch on at different times for different units (staggered promotions).
    unit : str, optional
        Unit column. Given: unit effects are removed by demeaning (not one dummy per unit).
        Omitted: the 2 x 2 regression ``outcome ~ treated + post + treated:post`` (Wooldridge ch. 13).
    time : str, optional
        Time column (needs ``unit``): time effects removed by demeaning too (two-way effects).
    covariates : list of str
        Extra numeric regressors (e.g. ``["age", "agesq"]``).
    inference : {"auto", "ols", "cluster", "randomization"}, default "auto"
        ``"ols"``: conventional standard errors (the textbook cases). ``"cluster"``: CR1 cluster-robust
        by ``cluster`` (default ``unit``) with t on G - 1 df; refused with fewer than 20 clusters
        (it over-rejects: 18% of A/A tests at 5% with 8 locations), noted under 50.
        ``"randomization"``: permute the treatment
        paths across units (all distinct assignments when at most ``max_assignments``, else a seeded
        random sample), p-value from the share of assignments with an effect at least as large, interval
        by inverting the same test. ``"auto"``: randomization when ``unit`` is given, OLS otherwise.
    cluster : str, optional
        Cluster column for ``inference="cluster"``.
    absorb : list of str
        Further fixed effects to remove by demeaning (e.g. unit x day-of-week).
    max_assignments : int, default 2000
        Enumerate every distinct assignment up to this many (then ``p`` depends on neither ``seed``
        nor the row order), else sample this many.
    paths : dict, optional
        The treatment paths as designed, ``{unit: [time, ...]}`` (e.g. each promoted location's
        scheduled promotion days), for randomization inference: a day missing from a treated unit's
        rows then leaves no hole in the path other units are given. Default: read from the data.
    confidence : float, default 0.95
    seed : int, default 20261028
        Seed of the sampled assignments (recorded when used).

    Returns
    -------
    DiDResult
        ``estimate``, ``se`` (the OLS or CR1 standard error; for randomization the CR1 value is shown
        for reference only), ``ci_low``, ``ci_high``, ``p_value``, ``df``, ``n``, ``n_units``,
        ``n_treated_units``, ``n_assignments``, ``method``; ``.table``: one row per coefficient.

    Notes
    -----
    Unit and time effects are removed by alternating-projection demeaning, then OLS on the demeaned
    data (Frisch-Waugh-Lovell); the degrees of freedom of the OLS variance count the absorbed effects.
    Randomization inference keeps each unit's outcomes and reassigns whole treatment paths, so it is
    exact under the sharp null of no effect whatever the number of units; with ``G`` units and one
    treated the smallest attainable p-value is ``1/G``. Checked against Wooldridge's Examples 13.3
    (-11,863.90, SE 7,456.65; with age, agesq -21,920.27, SE 6,359.75) and 13.4 (0.1906, SE 0.0685).

    References
    ----------
    Wooldridge, J. M. (2020). Introductory Econometrics (7th ed.), ch. 13. Cengage.
    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference.
    Journal of Human Resources, 50(2), 317-372.
    Conley, T. G., & Taber, C. R. (2011); Young, A. (2019). Channeling Fisher. QJE 134(2), 557-598.

    Examples
    --------
    >>> d = pd.DataFrame({"y": [10, 11, 10, 14, 9, 10, 9, 10.5],
    ...                   "treated": [1, 1, 1, 1, 0, 0, 0, 0], "post": [0, 0, 1, 1] * 2})
    >>> round(did(d, outcome="y", treated="treated", post="post").estimate, 2)
    1.25
    """
    confidence = check_confidence(confidence)
    check_choice(inference, name="inference", options=DID_INFERENCE)
    data = _as_frame(data)
    covariates = list(covariates)
    cols = [outcome, treated, post] + covariates + [c for c in (unit, time, cluster) if c] + list(absorb)
    require_columns(data, table="data", columns=list(dict.fromkeys(cols)))
    if time is not None and unit is None:
        raise ValueError("did: time effects need `unit` too (a panel); give unit= or drop time=.")
    if inference == "auto":
        inference = "randomization" if unit is not None else "ols"
    if inference in ("cluster", "randomization") and unit is None and cluster is None:
        raise ValueError(f"did: inference={inference!r} needs `unit` (or `cluster`).")
    frame, dropped = _did_frame(data, cols, numeric=[outcome, treated, post] + covariates,
                                binary=[treated, post])
    y = frame[outcome].to_numpy()
    D = (frame[treated] * frame[post]).to_numpy()
    if D.sum() == 0 or D.sum() == len(D):
        raise ValueError(f"data: {treated} x {post} must be 1 on some rows and 0 on others; it is "
                         f"{'never' if D.sum() == 0 else 'always'} 1.")
    yt, Xt, names, groups, n_fe = _did_design(frame, y, D, treated=treated, post=post, unit=unit, time=time,
                                              covariates=covariates, absorb=absorb)
    cl_col = cluster or unit
    if inference == "cluster":
        n_cl = frame[cl_col].nunique()
        if n_cl < MIN_CLUSTERS:
            raise ValueError(f"did: inference='cluster' needs at least {MIN_CLUSTERS} clusters; data.{cl_col} "
                             f"has {n_cl}. With so few, cluster-robust standard errors reject far too often "
                             "(18% of A/A tests at 5% with 8 locations); use inference='randomization' (exact "
                             "whatever the number of units).")
    fit = stats.did_ols(yt, Xt, n_fe=n_fe, inference="ols" if inference == "ols" else "cluster",
                        clusters=None if inference == "ols" else stats.factor_codes(frame[cl_col]),
                        cluster_name=cl_col, confidence=confidence)
    rows = [{"term": name, **row} for name, row in zip(names, fit["rows"], strict=True)]
    notes = ([note("few_clusters", n=fit["n_clusters"])]
             if inference == "cluster" and fit["n_clusters"] < FEW_CLUSTERS else [])
    df, n_assign, seed_used = fit["df"], 0, None
    method = {"ols": "OLS with conventional standard errors",
              "cluster": f"OLS, cluster-robust CR1 by {cl_col}, t on {int(df)} df"}.get(inference)
    if inference == "randomization":
        key = time if time is not None else post
        ri = stats.randomization_inference(
            yt, Xt, D, groups, units=frame[unit].to_numpy(), keys=frame[key].to_numpy(),
            confidence=confidence, max_assignments=max_assignments, seed=seed,
            paths=_check_paths(paths, frame, D, unit=unit, key=key))
        rows[0].update(p_value=ri["p_value"], ci_low=ri["ci_low"], ci_high=ri["ci_high"])
        n_assign, seed_used, df = ri["n_assignments"], ri["seed"], math.nan
        method = (f"randomization inference over {n_assign} assignments of treatment paths to {unit} "
                  f"({'random sample, seed ' + str(seed) if ri['sampled'] else 'all distinct assignments'}), "
                  "interval by test inversion")
        n_units = int(frame[unit].nunique())
        if not np.isfinite(ri["ci_low"]) or not np.isfinite(ri["ci_high"]):
            notes.append(note("ci_unbounded", n=n_assign))
        if n_assign < 20:
            notes.append(note("few_assignments", n=n_assign, units=n_units, p_min=1 / n_assign))
    return _did_result(frame, rows, fit, D, unit=unit, time=time, post=post, df=df, n_assign=n_assign,
                       method=method, inference=inference, confidence=confidence, seed=seed_used,
                       dropped=dropped, notes=notes)


def _check_paths(paths, frame: pd.DataFrame, D: np.ndarray, *, unit: str, key: str):
    """Design-level paths: known units, and every treated row inside its unit's path."""
    if paths is None:
        return None
    known = set(frame[unit])
    unknown = [u for u in paths if u not in known]
    if unknown:
        raise ValueError(f"paths: unit(s) {unknown[:3]} are not in data.{unit}.")
    on = pd.Series(D == 1, index=frame.index)
    sets = {u: set(days) for u, days in paths.items()}
    inside = pd.Series([t in sets.get(u, ()) for u, t in zip(frame[unit], frame[key], strict=True)],
                       index=frame.index)
    reject_rows(frame, on & ~inside, table="data", column=key,
                rule="must lie in the unit's treatment path (paths=) wherever the unit is treated")
    return {u: list(days) for u, days in paths.items()}


def _flat_series(t_: np.ndarray, c_: np.ndarray, *, label: str) -> str | None:
    """The name of the first flat series among treated, control and their scaled difference."""
    def flat(v):
        return not np.isfinite(v).all() or np.ptp(v) <= 1e-12 * max(1.0, float(np.abs(v).max()))
    if flat(t_):
        return str(label)
    if flat(c_):
        return "control"
    if t_.mean() and c_.mean() and flat(t_ / t_.mean() - c_ / c_.mean()):
        return "scaled difference"
    return None


def _not_computable(both, t_, c_, flat: str, *, label, margin, confidence) -> PreCheck:
    nan = math.nan
    table = pd.DataFrame({"treated": label, "date": both.index, "treated_value": t_, "scaled_control": nan,
                          "scaled_difference": nan, "placebo_half": 0})
    return PreCheck(correlation=nan, mape=nan, level_ratio=nan, slope=nan, slope_p=nan, equivalence_p=nan,
                    margin=float(margin), placebo_estimate=nan, placebo_p=nan, comparable=False,
                    trend_confirmed=False, reasons=("no_variation",), n_days=len(both), confidence=confidence,
                    table=table, computable=False, notes=Notes([note("no_variation", series=flat)]))


def _did_frame(data: pd.DataFrame, cols, *, numeric, binary) -> tuple[pd.DataFrame, list]:
    """The needed columns; rows with a blank number left out (counted); numbers checked, 0/1 columns too."""
    frame = data[list(dict.fromkeys(cols))].copy()
    blank = frame[numeric].isna().any(axis=1)
    dropped = [excluded("blank_rows", blank.sum())] if blank.any() else []
    frame = frame.loc[~blank]
    for c in numeric:
        v = pd.to_numeric(frame[c], errors="coerce")
        reject_rows(frame, v.isna(), table="data", column=c, rule="must be numeric")
        frame[c] = v.astype(float)
    for c in binary:
        reject_rows(frame, ~frame[c].isin([0.0, 1.0]), table="data", column=c, rule="must be 0 or 1")
    return frame, dropped


def _did_design(frame, y, D, *, treated, post, unit, time, covariates, absorb):
    """Outcome and regressors with the unit, time and absorbed effects removed (first column the
    treatment), their names, the effect groups and how many effects were absorbed."""
    if unit is None:  # the 2 x 2 regression outcome ~ treated + post + treated:post
        Xt = np.column_stack([D, np.ones(len(y)), frame[treated], frame[post], frame[covariates]])
        return y, Xt, ["treated:post", "const", treated, post] + covariates, [], 0
    groups = [stats.factor_codes(frame[unit])]
    others = covariates.copy()
    if time is not None:
        groups.append(stats.factor_codes(frame[time]))
    else:
        others = [post] + others  # treated is constant within unit (absorbed) in the usual case
        if (frame.groupby(unit)[treated].nunique() > 1).any():
            others = [treated] + others
    groups += [stats.factor_codes(frame[a].astype(str)) for a in absorb]
    W = frame[others].to_numpy() if others else np.empty((len(frame), 0))
    Z = stats.group_demean(np.column_stack([y, D, W]), groups)
    yt, Xt = Z[:, 0], Z[:, 1:]
    names = ["treated:post"] + others
    n_fe = sum(len(np.unique(g)) for g in groups) - (len(groups) - 1)
    keep = np.abs(Xt).max(axis=0) > 1e-9 * max(1.0, np.abs(Xt).max())
    keep[0] = True
    if not keep[0] or np.abs(Xt[:, 0]).max() < 1e-12:
        raise ValueError("did: the treatment indicator is fully explained by the unit and time effects.")
    return yt, Xt[:, keep], [n for n, k in zip(names, keep, strict=True) if k], groups, n_fe


def _did_result(frame, rows, fit, D, *, unit, time, post, df, n_assign, method, inference, confidence, seed,
                dropped, notes) -> DiDResult:
    resid = None
    if unit is not None:
        resid = pd.DataFrame({"unit": frame[unit].to_numpy(), "time": frame[time].to_numpy() if time else
                              frame[post].to_numpy(), "treated": D, "residual": fit["fit"].resid},
                             index=frame.index)
    r = rows[0]
    return DiDResult(estimate=r["estimate"], se=r["se"], ci_low=r["ci_low"], ci_high=r["ci_high"],
                     p_value=r["p_value"], df=float(df), statistic=r["statistic"], n=len(frame),
                     n_units=int(frame[unit].nunique()) if unit is not None else 0,
                     n_treated_units=int(frame.loc[D == 1, unit].nunique()) if unit is not None else 0,
                     n_assignments=int(n_assign), method=method, inference=inference, confidence=confidence,
                     seed=seed, table=pd.DataFrame(rows), residuals=resid, excluded=Exclusions(dropped),
                     notes=Notes(notes))


# ------------------------------------------------------------------------------------- baseline checks

def prechecks(treated: pd.Series, control: pd.Series, *, confidence: float = 0.95,
              margin: float = 0.10, min_correlation: float = 0.5, max_mape: float = 0.25,
              label: str = "treated") -> PreCheck:
    """Were the treated and control series comparable in the baseline?

    Parameters
    ----------
    treated, control : pandas.Series
        Daily outcome in the baseline, indexed by date (the control is one location or the sum of
        the controls). Days present in only one series are left out.
    confidence : float, default 0.95
        Level of the tests (each test uses ``1 - confidence``).
    margin : float, default 0.10
        Equivalence margin for the drift of the scaled difference, as a fraction of the treated level
        per 30 days. A drift ``s`` biases a February/March crossover by about ``s / 2``.
    min_correlation, max_mape : float
        Thresholds under which the series are called not comparable.

    Returns
    -------
    PreCheck
        ``correlation``, ``mape``, ``level_ratio``, ``slope`` (+ ``slope_p`` and the TOST
        ``equivalence_p``), ``placebo_estimate`` / ``placebo_p`` (a fake promotion in the second half of
        the baseline), ``comparable`` (no evidence of a difference), ``trend_confirmed`` (equivalence
        shown) and ``reasons``; ``.table`` holds the daily scaled difference. When a series or the
        scaled difference does not vary (a flat series) the checks are not defined: ``computable``
        is False, the numbers NaN, ``comparable`` and ``trend_confirmed`` False, ``reasons``
        ``("no_variation",)`` and a ``no_variation`` note names the flat series.

    Notes
    -----
    The control is scaled to the treated level, ``k = mean(treated) / mean(control)``; the scaled
    difference is ``r_t = (treated_t - k control_t) / mean(treated)``. Drift: OLS of ``r_t`` on days/30
    with Newey-West standard errors; equivalence by two one-sided t tests (Schuirmann 1987) against
    ``+/- margin``. Placebo: OLS of ``r_t`` on an indicator of the baseline's second half (HAC).

    Examples
    --------
    >>> days = pd.date_range("2026-01-01", periods=28)
    >>> rng = np.random.default_rng(1)
    >>> a = pd.Series(100 + rng.normal(0, 3, 28), index=days)
    >>> b = pd.Series(50 + 0.5 * (a.to_numpy() - 100) + rng.normal(0, 1, 28), index=days)
    >>> prechecks(a, b).comparable
    True
    """
    confidence = check_confidence(confidence)
    both = pd.concat({"t": treated, "c": control}, axis=1).dropna().sort_index()
    n = len(both)
    if n < 8:
        raise ValueError(f"baseline: {n} day(s) with both series observed; at least 8 are needed for the "
                         "pre-period checks.")
    t_, c_ = both["t"].to_numpy(float), both["c"].to_numpy(float)
    flat = _flat_series(t_, c_, label=label)
    if flat is not None:
        return _not_computable(both, t_, c_, flat, label=label, margin=margin, confidence=confidence)
    days = (both.index - both.index[0]).days.to_numpy(float) / 30.0
    out = stats.baseline_comparison(t_, c_, days, confidence=confidence, margin=margin,
                                    min_correlation=min_correlation, max_mape=max_mape)
    table = pd.DataFrame({"treated": label, "date": both.index, "treated_value": t_,
                          "scaled_control": out["k"] * c_, "scaled_difference": out["r"],
                          "placebo_half": out["half"].astype(int)})
    return PreCheck(correlation=out["correlation"], mape=out["mape"], level_ratio=out["level_ratio"],
                    slope=out["slope"], slope_p=out["slope_p"], equivalence_p=out["equivalence_p"],
                    margin=float(margin), placebo_estimate=out["placebo_estimate"],
                    placebo_p=out["placebo_p"],
                    comparable=not out["reasons"], trend_confirmed=out["trend_confirmed"],
                    reasons=out["reasons"], n_days=int(n), confidence=confidence, table=table)
