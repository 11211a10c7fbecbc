"""Did the promotion at location A work? :func:`analyze`, the location test end to end.

The steps, each a function: check the arguments; check the data and reduce it to daily sums
(:func:`~kpi_analysis.promo.reduce`); check the schedule against the data and choose the design
(:mod:`~kpi_analysis.promo.designs`); label the analysed location-days; check the baseline
(:func:`~kpi_analysis.promo.prechecks`); fit the design (crossover or difference-in-differences);
turn the estimate into a lift in %, in outcome units per location-day and in total, all from one
interval and one p-value; build the :class:`~kpi_analysis.promo.PromoResult`.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence, reject_rows
from ..core.deprecation import keyword_only, renamed
from ..core.results import excluded, note
from . import stats
from .designs import DESIGNS, Fit, Panel, choose_design, is_swap, shares_one_period
from .estimators import SCALES, SEED, prechecks
from .reduce import as_daily, location_names
from .results import Exclusions, Notes, PeriodTests, PromoResult
from .schedule import check_known, ended_in, parse_schedule, period_bounds

__all__ = ["METHODS", "analyze", "analyze_period"]

METHODS = ("auto", *DESIGNS)
INFERENCE = tuple(dict.fromkeys(i for d in DESIGNS.values() for i in d.inference))
#: days with both series observed the baseline checks need (:func:`~kpi_analysis.promo.prechecks`)
MIN_BASELINE_DAYS = 8


@dataclass(frozen=True)
class Plan:
    """The test as scheduled: the promotion periods, the baseline's first and last day, the design,
    the promoted locations (schedule order) and every location analysed."""
    schedule: pd.DataFrame
    baseline: tuple
    design: str
    promoted: list
    used: list
    rule: dict = dataclasses.field(default_factory=dict)

    @property
    def controls(self) -> list:
        return [x for x in self.used if x not in self.promoted]


@keyword_only("schedule")
@renamed(sales="data")
def analyze(data, *, schedule, baseline, outcome: str = "revenue", method: str = "auto",
            locations: Sequence[str] | None = None, controls: Sequence[str] | str | None = None,
            washout_days: int = 0, dow_adjust: bool = True, scale: str = "auto", inference: str = "auto",
            lags: int | None = None, n_boot: int = 999, equivalence_margin: float = 0.10,
            confidence: float = 0.95, seed: int = SEED, currency: str = "VND", date: str = "date",
            location: str = "location", augment: str = "none", spend: float | None = None,
            did_max_controls: int = 5, robustness: bool = True) -> PromoResult:
    """Did the promotion work? The location test end to end, with pre-checks and an honest interval.

    Parameters
    ----------
    data : pandas.DataFrame or Ibis table
        The canonical ``sales`` rows (pandas, or an Ibis table such as ``Workbook.table("sales")``,
        reduced where it lives) or their :func:`~kpi_analysis.promo.reduce` (detected by the ``rows``
        column). Earlier name: ``sales``.
    schedule : pandas.DataFrame or dict
        Which location ran the promotion when: columns ``location``, ``start``, ``end`` (ISO dates,
        as ``data/sample/promotions.csv``) or a dict (see :func:`~kpi_analysis.promo.parse_schedule`).
        Keyword-only; passing it second, by position, still works for one release, with a warning.
    baseline : str or (start, end)
        The comparison period without any promotion, e.g. ``"2026-01"`` (a month, quarter, ISO week
        or year, or a pair of ISO dates).
    outcome : str, default "revenue"
        Column to analyse (``"revenue"``, ``"orders"`` or any numeric column).
    method : {"auto", "crossover", "did", "synthetic", "tbr"}, default "auto"
        ``"crossover"``: two locations swapping the promotion (AB/BA). ``"did"``: promotion location(s)
        against controls. ``"synthetic"``: synthetic control (weights on many controls).
        ``"tbr"``: time-based regression of a treatment group on a control group. The rule of
        ``"auto"`` (stated on the page): two locations in two non-overlapping periods and no
        ``controls`` named -> crossover; a schedule with a ``group`` column (``treatment`` /
        ``control``, or 2 / 1 as matched_markets) -> TBR; promoted location(s) against at most
        ``did_max_controls`` controls -> DiD with randomization inference; against more -> synthetic
        control.
    locations : list of str, optional
        Restrict the analysis to these locations (default: all in the data for DiD, the two
        scheduled ones for the crossover).
    controls : list of str or "all", optional
        Control locations for DiD (default all unscheduled locations).
    washout_days : int, default 0
        Days left out after each switch (the start of every promotion period).
    dow_adjust : bool, default True
        Adjust for day of week (crossover: day-of-week effects in the difference; DiD: location x
        day-of-week effects).
    scale : {"auto", "level", "log"}, default "auto"
        Estimate the effect on the outcome itself or on its log (multiplicative lift). ``"auto"``: the
        level, except DiD on locations whose largest baseline mean is over 3x the smallest (log).
        Synthetic control and TBR stay on the level (their weights or slope absorb size).
    inference : {"auto", "ar1", "hac", "block_bootstrap", "randomization", "cluster", "block", "iid", "t"}
        Crossover: ``"ar1"`` (default), ``"hac"`` or ``"block_bootstrap"`` (see
        :func:`~kpi_analysis.promo.crossover`);
        DiD: ``"randomization"`` (default) or ``"cluster"``; synthetic control: conformal ``"block"``
        (moving-block permutations, default) or ``"iid"``; TBR: ``"ar1"`` (default, AR(1) residuals) or
        ``"t"`` (matched_markets' independent residuals).
    lags : int, optional
        HAC lags / bootstrap block length (Newey-West rule by default).
    n_boot : int, default 999
        Bootstrap draws of the AR(1) t statistic (crossover and time-based regression), with ``seed``.
    equivalence_margin : float, default 0.10
        Margin of the baseline trend equivalence test (see :func:`~kpi_analysis.promo.prechecks`).
    confidence : float, default 0.95
    seed : int, default 20261028
        Seed of the bootstrap or sampled randomization (recorded when used).
    currency : str, default "VND"
    date, location : str
        Column names in ``data``.
    augment : {"none", "ridge"}, default "none"
        Synthetic control: ridge augmentation (Ben-Michael et al. 2021).
    spend : float, optional
        TBR: the promotion's spend, for the incremental return on spend.
    did_max_controls : int, default 5
        The design rule's threshold between DiD and synthetic control.
    robustness : bool, default True
        Also run the other designs that apply to the schedule; ``.robustness`` lists them and the
        summary says when one reaches a different verdict.

    Returns
    -------
    PromoResult
        ``estimate`` (incremental outcome per promotion location-day), ``ci_low``/``ci_high``,
        ``p_value``, ``lift`` (fraction) with ``lift_ci_low``/``lift_ci_high``, ``total`` with its
        interval, ``treated_days``, pre-check fields (``comparable``, ``trend_confirmed``,
        ``pre_correlation``, ``pre_mape``, ``placebo_p``, ``equivalence_p``), ``carryover_p``
        (crossover), ``method``, ``seed``, ``excluded`` (codes with counts: ``blank_outcome``,
        ``outside_periods``, ``missing_days``, ``washout``, ``after_own_promotion``) and ``notes`` (codes:
        ``missing_days``, ``not_comparable``, ``trend_unconfirmed`` and the model's). ``.table``:
        the estimated contrasts; ``.daily``: per date the observed series, the daily effect and its
        band (the chart's data); ``.model``: the underlying crossover / DiD result.

    Notes
    -----
    One procedure gives one interval and one p-value for the effect on the analysis scale; the lift
    and the totals are monotone transformations of it, so they never disagree with the p-value.
    With ``scale="level"`` the lift divides the effect by the counterfactual mean of the promotion
    location-days (observed mean minus effect); the total multiplies the per-day effect by the
    analysed promotion location-days (washout days excluded). Missing location-days are counted and
    left out, never filled. In DiD a promoted location's days after its own promotion are left out
    (carryover), as are days outside the baseline and promotion periods.

    Examples
    --------
    >>> days = pd.date_range("2026-01-01", "2026-03-31")
    >>> rng = np.random.default_rng(3)
    >>> a = 100 + rng.normal(0, 4, len(days)) + np.where(days.month == 2, 12, 0)
    >>> b = 100 + rng.normal(0, 4, len(days)) + np.where(days.month == 3, 12, 0)
    >>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 90 + ["B"] * 90,
    ...                       "revenue": np.concatenate([a, b])})
    >>> r = analyze(sales, schedule={"A": "2026-02", "B": "2026-03"}, baseline="2026-01")
    >>> r.design, r.lift_ci_low < 0.12 < r.lift_ci_high
    ('crossover', True)
    """
    confidence = _check_arguments(method=method, scale=scale, inference=inference, washout_days=washout_days,
                                  confidence=confidence)
    check_choice(augment, name="augment", options=("none", "ridge"))
    daily, dropped = _check_data(data, outcome=outcome, date=date, location=location)
    plan = _plan(daily, schedule, baseline=baseline, method=method, locations=locations, controls=controls,
                 inference=inference, did_max_controls=did_max_controls)
    scale, scale_notes = _scale(daily, plan, scale, outcome=outcome)
    panel = _label_days(daily, plan, outcome=outcome, washout_days=washout_days, scale=scale, dropped=dropped)
    panel.notes.extend(scale_notes)
    pre = _baseline_checks(panel, plan, outcome=outcome, confidence=confidence, margin=equivalence_margin)
    design = DESIGNS[plan.design]
    extra = {"synthetic": {"augment": augment}, "tbr": {"spend": spend}}.get(plan.design, {})
    fit = design.fit(panel, outcome=outcome, scale=scale, dow_adjust=dow_adjust,
                     inference=design.default_inference if inference == "auto" else inference, lags=lags,
                     n_boot=n_boot, confidence=confidence, seed=seed, **extra)
    checks: tuple = ()
    if robustness:
        settings = {"outcome": outcome, "washout_days": washout_days, "dow_adjust": dow_adjust, "lags": lags,
                    "n_boot": n_boot, "equivalence_margin": equivalence_margin, "confidence": confidence,
                    "seed": seed, "currency": currency, "augment": augment, "spend": spend, "robustness": False}
        checks = _robustness(daily, plan, baseline=baseline, locations=locations, controls=controls,
                             settings=settings)
    result = _build_result(plan, panel, pre, fit, outcome=outcome, scale=scale, confidence=confidence,
                           n_boot=n_boot, washout_days=washout_days, dow_adjust=dow_adjust, currency=currency)
    return dataclasses.replace(result, robustness=_with_verdicts(result, checks), design_rule=plan.rule)


def _scale(daily: pd.DataFrame, plan: Plan, scale: str, *, outcome: str) -> tuple[str, list]:
    """The analysis scale: ``"auto"`` is the level, except DiD on locations of very different size
    (largest baseline mean over 3x the smallest: log); synthetic control and TBR refuse the log."""
    if plan.design in ("synthetic", "tbr"):
        if scale == "log":
            raise ValueError(f"scale='log' does not apply to the {plan.design} design: its weights or slope "
                             "already absorb the locations' size; use scale='level' or 'auto'.")
        return "level", []
    if scale != "auto":
        return scale, []
    if plan.design != "did":
        return "level", []
    b0, b1 = plan.baseline
    base = daily.loc[daily["location"].isin(plan.used) & daily["date"].between(b0, b1)]
    means = base.groupby("location")[outcome].mean()
    if len(means) >= 2 and means.min() > 0 and means.max() > 3 * means.min():
        return "log", [note("log_scale_auto", ratio=round(float(means.max() / means.min()), 1))]
    return "level", []


def _applicable(plan: Plan, name: str, n_unscheduled: int) -> bool:
    """Whether a design can run as a robustness check on this schedule."""
    if name == "crossover":
        return is_swap(plan.schedule)
    if name == "did":
        return n_unscheduled >= 1
    return shares_one_period(plan.schedule) and n_unscheduled >= 2


def _robustness(daily, plan: Plan, *, baseline, locations, controls, settings) -> tuple:
    """The other applicable designs on the same data, as dicts of their headline numbers (a design
    that cannot run on these data gives ``{"design": ..., "note": note("robustness_failed", ...)}``)."""
    n_unscheduled = len(plan.controls) if plan.design != "crossover" else len(
        [x for x in daily["location"].unique() if x not in plan.promoted])
    out = []
    for name in DESIGNS:
        if name == plan.design or not _applicable(plan, name, n_unscheduled):
            continue
        try:  # the schedule as analysed (a control group is passed as controls)
            r = analyze(daily, schedule=plan.schedule, baseline=baseline, method=name, locations=locations,
                        controls=None if name == "crossover" else (controls or plan.controls or None), **settings)
        except ValueError as err:
            out.append({"design": name, "note": note("robustness_failed", design=name, reason=str(err)[:300])})
            continue
        out.append({"design": name, "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high,
                    "p_value": r.p_value, "lift": r.lift, "lift_ci_low": r.lift_ci_low,
                    "lift_ci_high": r.lift_ci_high, "total": r.total, "significant": r.significant,
                    "scale": r.scale, "method": r.method, "inference": r.inference})
    return tuple(out)


def _verdict(significant: bool, estimate: float) -> str:
    return "none" if not significant else ("up" if estimate > 0 else "down")


def _with_verdicts(result: PromoResult, checks: tuple) -> tuple:
    """Each check with its verdict ("up", "down", "none") and whether it differs from the headline's."""
    head = _verdict(result.significant, result.estimate)
    out = []
    for c in checks:
        if "note" in c:
            out.append(c)
            continue
        v = _verdict(c["significant"], c["estimate"]) if math.isfinite(c["p_value"]) else "none"
        out.append(c | {"verdict": v, "disagrees": v != head})
    return tuple(out)


def _check_arguments(*, method, scale, inference, washout_days, confidence) -> float:
    confidence = check_confidence(confidence)
    check_choice(method, name="method", options=METHODS)
    check_choice(scale, name="scale", options=("auto", *SCALES))
    check_choice(inference, name="inference", options=INFERENCE)
    if not isinstance(washout_days, (int, np.integer)) or washout_days < 0:
        raise ValueError(f"washout_days must be a non-negative whole number of days; got {washout_days!r}.")
    return confidence


def _check_data(data, *, outcome: str, date: str, location: str) -> tuple[pd.DataFrame, list]:
    """The daily sums of ``outcome`` (reduced here when ``data`` are rows); negative sums refused,
    blank ones left out and counted."""
    daily = as_daily(data, outcome=outcome, date=date, location=location)
    reject_rows(daily, daily[outcome] < 0, table="sales", column=outcome, rule="must not be negative")
    blank = daily[outcome].isna()
    dropped = []
    if blank.any():
        dropped.append(excluded("blank_outcome", blank.sum()))
        daily = daily.loc[~blank]
    return daily, dropped


def _groups(schedule, controls):
    """A schedule with a ``group`` column: its treatment rows, and its control group as ``controls``."""
    if not (isinstance(schedule, pd.DataFrame) and "group" in schedule.columns):
        return schedule, controls, False
    g = schedule["group"].astype(str).str.strip().str.lower()
    bad = ~g.isin(["treatment", "control", "2", "1"])
    reject_rows(schedule, bad, table="schedule", column="group",
                rule="must be 'treatment' or 'control' (or 2 / 1 as matched_markets)")
    is_ctrl = g.isin(["control", "1"])
    if controls is not None:
        raise ValueError("schedule: it names a control group (column group); do not also pass controls=.")
    ctrl = schedule.loc[is_ctrl, "location"].astype(str).tolist()
    if not ctrl:
        raise ValueError("schedule.group: no location is in the control group.")
    return schedule.loc[~is_ctrl].drop(columns="group"), ctrl, True


def _plan(daily: pd.DataFrame, schedule, *, baseline, method, locations, controls, inference,
          did_max_controls: int = 5) -> Plan:
    """Check the schedule and the baseline against the data, choose the design and its locations."""
    schedule, controls, grouped = _groups(schedule, controls)
    sched = parse_schedule(schedule)
    b_start, b_end = period_bounds(baseline, what="baseline")
    known = sorted(daily["location"].unique())
    if locations is not None:
        locations = [str(x) for x in ([locations] if isinstance(locations, str) else locations)]
        check_known(locations, known, what="locations")
        sched = sched.loc[sched["location"].isin(locations)].reset_index(drop=True)
        if sched.empty:
            raise ValueError(f"schedule: none of the chosen locations {locations} ran a promotion.")
    check_known(list(sched["location"].unique()), known, what="schedule.location")
    overlaps = (sched["start"] <= b_end) & (sched["end"] >= b_start)
    if overlaps.any():
        raise ValueError(f"baseline {b_start.date()}..{b_end.date()} overlaps {int(overlaps.sum())} "
                         f"promotion period(s), e.g. {sched.loc[overlaps].astype(str).iloc[0].to_dict()}.")
    promoted = list(dict.fromkeys(sched["location"]))
    pool = locations if locations is not None else known
    n_ctrl = len(_controls(controls, promoted, pool, known)) if any(x not in promoted for x in pool) or \
        controls is not None else 0
    name = choose_design(method, sched, controls=controls, n_controls=n_ctrl, grouped=grouped,
                         did_max_controls=did_max_controls)
    design = DESIGNS[name]
    used = promoted + (_controls(controls, promoted, locations if locations is not None else known, known)
                       if design.uses_controls else [])
    if len(used) < 2:
        raise ValueError(f"sales.location: at least two locations are needed; got {used}.")
    if inference not in design.inference:
        raise ValueError(f"inference={inference!r} does not apply to the {name} design; use one of "
                         f"{list(design.inference)}.")
    rule = {"method": method, "design": name, "did_max_controls": int(did_max_controls),
            "n_controls": len(used) - len(promoted), "groups": bool(grouped)}
    return Plan(schedule=sched, baseline=(b_start, b_end), design=name, promoted=promoted, used=used, rule=rule)


def _controls(controls, promoted: list, pool: list, known: list) -> list:
    """The control locations: those named, or every unscheduled location of ``pool``."""
    if controls is None or (isinstance(controls, str) and controls == "all"):
        ctrl = [x for x in pool if x not in promoted]
    else:
        ctrl = list(location_names([controls] if isinstance(controls, str) else list(controls)))
        check_known(ctrl, known, what="controls")
        clash = [x for x in ctrl if x in promoted]
        if clash:
            raise ValueError(f"controls: {clash} ran a promotion in the schedule; a control must not.")
    if not ctrl:
        raise ValueError("did: no control locations (every location ran the promotion); name "
                         "controls= or use method='crossover'.")
    return ctrl


def _day_labels(plan: Plan) -> tuple[list, pd.Series]:
    """The analysed windows (baseline, promo1, promo2, ...) and each day's label (the first window wins)."""
    b_start, b_end = plan.baseline
    windows = [("baseline", b_start, b_end)] + [(f"promo{i + 1}", r.start, r.end)
                                                for i, r in enumerate(plan.schedule.itertuples())]
    label = pd.Series(dtype=object)
    for name, s, e in windows:
        label = pd.concat([label, pd.Series(name, index=pd.date_range(s, e, freq="D"))])
    return windows, label[~label.index.duplicated(keep="first")].sort_index()


def _label_days(daily: pd.DataFrame, plan: Plan, *, outcome, washout_days, scale, dropped) -> Panel:
    """The location-days analysed: inside the windows, labelled by period and treatment, the washout
    left out; days outside, missing or washed out are counted."""
    windows, label = _day_labels(plan)
    dropped, notes = list(dropped), []
    sub = daily.loc[daily["location"].isin(plan.used)]
    outside = ~sub["date"].isin(label.index)
    if outside.any():
        dropped.append(excluded("outside_periods", outside.sum()))
    sub = sub.loc[~outside].copy()
    _refuse_empty_periods(sub, plan, windows)
    grid = pd.MultiIndex.from_product([plan.used, label.index], names=["location", "date"])
    missing = grid.difference(pd.MultiIndex.from_frame(sub[["location", "date"]]))
    if len(missing):
        dropped.append(excluded("missing_days", len(missing)))
        notes.append(note("missing_days"))
    sub["period"] = label.reindex(sub["date"]).to_numpy()
    sub["treated"] = 0
    periods: dict = {}
    for r in plan.schedule.itertuples():
        sub.loc[(sub["location"] == r.location) & sub["date"].between(r.start, r.end), "treated"] = 1
        periods.setdefault(r.location, []).append((r.start, r.end))
    if washout_days:
        wash = pd.Series(False, index=sub.index)
        for r in plan.schedule.itertuples():
            wash |= sub["date"].between(r.start, r.start + pd.Timedelta(days=washout_days - 1))
        if wash.any():
            dropped.append(excluded("washout", wash.sum()))
        sub = sub.loc[~wash]
    if scale == "log":
        reject_rows(sub, sub[outcome] <= 0, table="sales", column=outcome,
                    rule="must be positive for scale='log' (use scale='level')")
    return Panel(rows=sub, promoted_periods=periods, dropped=dropped, notes=notes)


def _refuse_empty_periods(sub: pd.DataFrame, plan: Plan, windows: list) -> None:
    for name, s, e in windows:
        if sub.loc[(sub["date"] >= s) & (sub["date"] <= e)].empty:
            what = "baseline" if name == "baseline" else f"schedule period {s.date()}..{e.date()}"
            raise ValueError(f"{what}: no sales rows in this period for {plan.used} (empty period).")
    for _, r in plan.schedule.iterrows():
        have = sub.loc[(sub["location"] == r["location"]) & sub["date"].between(r["start"], r["end"])]
        if have.empty:
            raise ValueError(f"schedule: {r['location']!r} has no sales rows during its promotion "
                             f"{r['start'].date()}..{r['end'].date()}.")


def _baseline_checks(panel: Panel, plan: Plan, *, outcome, confidence, margin) -> tuple:
    """The design's baseline comparisons (:func:`~kpi_analysis.promo.prechecks`); notes when they fail."""
    rows = panel.rows
    base = rows.loc[rows["period"] == "baseline"].pivot(index="date", columns="location", values=outcome)
    pairs = DESIGNS[plan.design].baseline_pairs(base, plan.promoted, plan.controls)
    if not DESIGNS[plan.design].needs_baseline:  # the checks inform, the estimate does not use them
        short = [pd.concat([t, c], axis=1).dropna().shape[0] for _, t, c in pairs]
        if min(short, default=0) < MIN_BASELINE_DAYS:
            panel.notes.append(note("prechecks_skipped", n=min(short, default=0)))
            return ()
    pre = tuple(prechecks(treated, control, confidence=confidence, margin=margin, label=label)
                for label, treated, control in pairs)
    for p in pre:
        panel.notes.extend(p.notes)
    computed = [p for p in pre if p.computable]
    if any(not p.comparable for p in computed):
        panel.notes.append(note("not_comparable"))
    if any(not p.trend_confirmed for p in computed):
        panel.notes.append(note("trend_unconfirmed"))
    return pre


def _worst(pre: tuple, attr: str, fn) -> float:
    vals = [getattr(p, attr) for p in pre]
    return float(fn(vals)) if vals else math.nan


def _build_result(plan: Plan, panel: Panel, pre: tuple, fit: Fit, *, outcome, scale, confidence, n_boot,
                  washout_days, dow_adjust, currency) -> PromoResult:
    """The lift in %, per location-day and in total (all from the model's one interval), and the result."""
    model, n_days = fit.model, fit.treated_days
    per_day, lift = stats.lift_from_effect([model.estimate, model.ci_low, model.ci_high], fit.mean_treated,
                                           scale)
    lift = np.where(np.isnan(per_day), np.nan, lift)  # an empty interval (synthetic control) stays empty
    table = model.table.copy()
    table.attrs["n_boot"] = n_boot
    observed = panel.rows.pivot_table(index="date", columns="location", values=outcome, aggfunc="sum")
    obs_long = observed.reset_index().melt(id_vars="date", var_name="location", value_name="observed")
    b_start, b_end = plan.baseline
    return PromoResult(
        design=plan.design, outcome=outcome, estimate=float(per_day[0]), ci_low=float(per_day[1]),
        ci_high=float(per_day[2]), p_value=float(model.p_value), lift=float(lift[0]),
        lift_ci_low=float(lift[1]), lift_ci_high=float(lift[2]), total=float(per_day[0] * n_days),
        total_ci_low=float(per_day[1] * n_days), total_ci_high=float(per_day[2] * n_days),
        treated_days=n_days, counterfactual_per_day=float(fit.mean_treated - per_day[0]),
        significant=bool(np.isfinite(model.p_value) and model.p_value < 1 - confidence),
        carryover_p=fit.carryover_p, comparable=bool(pre) and all(p.comparable for p in pre),
        trend_confirmed=bool(pre) and all(p.trend_confirmed for p in pre),
        pre_correlation=_worst(pre, "correlation", min), pre_mape=_worst(pre, "mape", max),
        placebo_p=_worst(pre, "placebo_p", min), equivalence_p=_worst(pre, "equivalence_p", max),
        method=model.method, inference=model.inference, scale=scale, confidence=confidence,
        seed=fit.seed, washout_days=int(washout_days), dow_adjust=bool(dow_adjust), currency=currency,
        locations=tuple(plan.used), treated_locations=tuple(plan.promoted),
        baseline=(b_start.date().isoformat(), b_end.date().isoformat()), table=table,
        daily=obs_long.merge(fit.effects, on="date", how="left"), schedule=plan.schedule, prechecks=pre,
        model=model, excluded=Exclusions([*panel.dropped, *fit.dropped]),
        notes=Notes([*panel.notes, *fit.notes]))


#: days of baseline before a test's first promotion day when analyze_period is given no baseline
PERIOD_BASELINE_DAYS = 28


def analyze_period(data, *, schedule, period, baseline=None, **kwargs) -> PeriodTests:
    """The promotion tests that ended in a report period, each analysed by :func:`analyze`.

    A report for October answers for the tests whose last promotion day falls in October (a test's
    result is complete once it has ended, and each test is then reported once); a period in which
    no test ended gives a result that says so, not an error.

    Parameters
    ----------
    data : pandas.DataFrame or Ibis table
        As for :func:`analyze`.
    schedule : pandas.DataFrame or dict
        The whole promotion schedule (see :func:`~kpi_analysis.promo.parse_schedule`); it is split
        into tests by :func:`~kpi_analysis.promo.schedule_tests` (periods that overlap or follow each
        other without a gap form one test, or the schedule's ``test`` column).
    period : str or (start, end)
        The report period: ``"2026-03"``, ``"2026-Q1"``, ``"2026-W13"``, ``"2026"`` (the runner's
        ``period`` parameter) or a pair of ISO dates.
    baseline : str or (start, end), optional
        The baseline of every test; by default the 28 days (four whole weeks) before each test's
        first promotion day.
    **kwargs
        Passed to :func:`analyze` (``outcome``, ``method``, ``inference``, ``confidence``, ``seed``...).

    Returns
    -------
    PeriodTests
        ``period``, ``start``, ``end``, ``tests`` (the tests that ended in it: ``test``,
        ``locations``, ``start``, ``end``, ``periods``), ``results`` (one
        :class:`~kpi_analysis.promo.PromoResult` per test), ``n_tests`` and ``notes``
        (``no_test_ended`` when none did); ``.table`` has one row per test with its lift, interval
        and p-value.

    Examples
    --------
    >>> days = pd.date_range("2026-01-01", "2026-03-31")
    >>> rng = np.random.default_rng(3)
    >>> a = 100 + rng.normal(0, 4, 90) + np.where(days.month == 2, 12, 0)
    >>> b = 100 + rng.normal(0, 4, 90) + np.where(days.month == 3, 12, 0)
    >>> sales = pd.DataFrame({"date": np.tile(days, 2), "location": ["A"] * 90 + ["B"] * 90,
    ...                       "revenue": np.concatenate([a, b])})
    >>> march = analyze_period(sales, schedule={"A": "2026-02", "B": "2026-03"}, period="2026-03")
    >>> march.n_tests, march.results[0].design, march.results[0].baseline
    (1, 'crossover', ('2026-01-04', '2026-01-31'))
    >>> analyze_period(sales, schedule={"A": "2026-02", "B": "2026-03"}, period="2026-02").notes.codes()
    ['no_test_ended']
    """
    p_start, p_end = period_bounds(period, what="period")
    sched = parse_schedule(schedule)
    ended = ended_in(schedule, period)
    results = []
    for t in ended.itertuples():
        rows = sched.loc[(sched["start"] >= t.start) & (sched["end"] <= t.end)
                         & sched["location"].isin(t.locations)].reset_index(drop=True)
        b = baseline if baseline is not None else (
            (t.start - pd.Timedelta(days=PERIOD_BASELINE_DAYS)).date().isoformat(),
            (t.start - pd.Timedelta(days=1)).date().isoformat())
        results.append(analyze(data, schedule=rows, baseline=b, **kwargs))
    label = period if isinstance(period, str) else f"{p_start.date()}..{p_end.date()}"
    notes = Notes([] if results else [note("no_test_ended", period=label)])
    return PeriodTests(period=label, start=p_start.date().isoformat(), end=p_end.date().isoformat(),
                       tests=ended, results=tuple(results), notes=notes)
