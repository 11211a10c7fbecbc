"""Which stores should run the next promotion test, and for how long, to see the lift we hope for?

:func:`design` ranks candidate sets of promoted stores by the smallest lift the test could detect
(minimum detectable effect, MDE) and says how many days each would need for a target lift, with the
design :func:`~kpi_analysis.promo.analyze` would use on that test.

How it works (as GeoLift's market selection and power analysis, on this package's designs):

1. **Candidates.** Every set of ``n_treated`` stores when there are at most ``max_candidates`` of them.
   Otherwise a greedy search by fit: every store is first scored alone (its analytic MDE as the only
   promoted store against all the others, by synthetic control), and the candidates are the sets of the
   best ``m`` stores, ``m`` the largest with ``C(m, n_treated) <= max_candidates`` (deterministic: the
   same data give the same ranking). ``candidates=`` evaluates given sets instead.
2. **Design** by the rule of ``analyze``: two stores swapping (crossover) when ``n_treated`` is 2 and
   the chain has no more than ``did_max_controls`` other stores (the seed's two-shop test); otherwise
   the other stores are the controls: difference-in-differences with randomization inference for at
   most ``did_max_controls`` of them, synthetic control for more. ``method=`` forces one.
3. **Analytic ranking.** Crossover: the MDE of :func:`~kpi_analysis.promo.mde` (the AR(1) long-run
   variance of the two stores' daily gap, Bloom 1995). Synthetic control and DiD: the gap between the
   promoted stores' mean and their comparison (the simplex-weighted controls, or the controls' mean)
   over the history; the test rejects when a ``days``-long window's mean gap exceeds the (1 - alpha)
   quantile of all such windows, so the MDE is the smallest lift whose shifted windows exceed it in a
   ``power`` share of them. DiD with randomization over ``C(N, k)`` assignments cannot go below
   ``1 / C(N, k)``: when that is above alpha, the MDE is infinite and the row says so.
4. **Simulation** (the ``n_simulated`` best by the analytic MDE): the lift is injected into past windows
   of history (the promoted stores multiplied by ``1 + lift`` on the window's days, all earlier days
   the baseline, later days unused), the same estimator and inference as ``analyze`` re-run, and the
   detections (p below alpha, effect positive) counted. Synthetic control and DiD: the power curve over
   a grid of lifts gives the reported MDE (interpolated where it crosses ``power``); the crossover's
   analytic MDE is calibrated, and the simulation reports its power at that MDE, as ``promo.mde``.

Hand-written: GeoLift's market selection is R only and no Python library ranks test designs on these
estimators.

Examples
--------
>>> rng = np.random.default_rng(4)
>>> days = pd.date_range("2025-01-01", periods=240)
>>> sales = pd.DataFrame([(f"S{i}", d, 100 * (1 + i) + rng.normal(0, 5)) for i in range(4) for d in days],
...                      columns=["location", "date", "revenue"])
>>> plan = design(sales, n_treated=2, days=21, n_simulated=0)
>>> len(plan.table), plan.table["design"].unique().tolist()
(6, ['crossover'])
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence
from ..core.results import ResultMixin, code_counts, codes, excluded, jsonable, note
from . import present_design, stats
from .estimators import SEED
from .power import mde as crossover_mde
from .reduce import as_daily, location_names
from .results import Exclusions, Notes
from .schedule import check_known, period_bounds
from .synthetic import MIN_PRE_DAYS, effect_and_p, simplex_weights

__all__ = ["DESIGN_METHODS", "MDE_SOURCES", "DesignResult", "design", "history_needed", "promotion_free"]

DESIGN_METHODS = ("auto", "crossover", "did", "synthetic")
#: the simulated lifts, as multiples of the analytic MDE (extended while the power stays short)
LIFT_GRID = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
LIFT_GRID_MORE = (3.0, 4.0, 6.0)


@dataclass(frozen=True, eq=False)
class DesignResult(ResultMixin):
    """Candidate promotion tests ranked by what they could detect (see :func:`design`)."""

    n_treated: int
    days: int  # planned promotion days (per period, for a crossover)
    lift: float  # the hoped-for lift behind power_at_lift and days_needed
    power: float
    confidence: float
    history_days: int
    n_locations: int
    n_candidates: int  # evaluated
    n_possible: int  # sets of n_treated stores there are
    n_simulated: int
    n_windows: int  # history windows per simulated lift
    outcome: str
    currency: str
    seed: int
    method: str
    given: bool  # the candidates were named (candidates=), not searched
    table: pd.DataFrame = field(repr=False)  # one row per candidate, best first
    curves: pd.DataFrame = field(repr=False)  # locations, lift, power (the simulated candidates)
    excluded: Exclusions = field(default_factory=Exclusions)
    notes: Notes = field(default_factory=Notes)

    @property
    def best(self) -> pd.Series:
        """The first row of :attr:`table`."""
        return self.table.iloc[0]

    def headline(self) -> dict:
        keys = ["n_treated", "days", "lift", "power", "confidence", "history_days", "n_locations", "n_candidates",
                "n_possible", "n_simulated", "n_windows", "outcome", "seed", "method", "given"]
        best = self.table.iloc[0]
        return jsonable({k: getattr(self, k) for k in keys}
                        | {"best": {"locations": list(best["locations"]), "design": best["design"],
                                    "mde": best["mde"], "power_at_lift": best["power_at_lift"],
                                    "days_needed": best["days_needed"]},
                           "excluded": code_counts(self.excluded), "notes": codes(self.notes)})

    def summary(self, locale: str = "en") -> str:
        return present_design.design_summary(self, locale)

    def plot(self, ax=None, *, locale: str = "en"):
        return present_design.plot_design(self, ax, locale=locale)


def design(data, *, n_treated: int = 2, days: int = 28, lift: float = 0.05, history=None,
           candidates: Sequence[Sequence[str]] | None = None, controls: Sequence[str] | None = None,
           method: str = "auto", power: float = 0.8, confidence: float = 0.95, max_candidates: int = 200,
           n_simulated: int = 5, n_windows: int = 20, did_max_controls: int = 5, outcome: str = "revenue",
           currency: str = "VND", seed: int = SEED, date: str = "date",
           location: str = "location") -> DesignResult:
    """Rank candidate promotion tests: which stores, and how many days to see ``lift``.

    Parameters
    ----------
    data : pandas.DataFrame or Ibis table
        Sales rows or their :func:`~kpi_analysis.promo.reduce`: a promotion-free history of the stores.
    n_treated : int, default 2
        Stores that will run the promotion.
    days : int, default 28
        Planned promotion days (each of the two periods, for a crossover).
    lift : float, default 0.05
        The lift hoped for: ``power_at_lift`` and ``days_needed`` answer for it.
    history : str or (start, end), optional
        The promotion-free history to learn from (default: every day in ``data``).
    candidates : list of lists of str, optional
        Evaluate these sets of stores (e.g. the two the manager has in mind) instead of searching.
    controls : list of str, optional
        The stores that may serve as controls (default: every store not in the candidate set).
    method : {"auto", "crossover", "did", "synthetic"}, default "auto"
        The design rule of the module notes, or one design for every candidate.
    power, confidence : float
        Target power and the confidence level of the planned test.
    max_candidates : int, default 200
        The most candidate sets evaluated; with more, the greedy search of the module notes.
    n_simulated : int, default 5
        Best candidates (by the analytic MDE) whose power is simulated on history.
    n_windows : int, default 20
        History windows per simulated lift.
    did_max_controls : int, default 5
        The design rule's threshold, as in ``analyze``.
    outcome, currency : str
        The outcome column and its currency (for the words).
    seed : int
        Recorded with the result, as every analysis's seed (the search and the simulations here are
        deterministic: evenly spaced windows, no random draws).

    Returns
    -------
    DesignResult
        ``.table``: one row per candidate, best first: ``locations``, ``design``, ``mde`` (fraction),
        ``mde_source`` (one of :data:`MDE_SOURCES`), ``power_at_lift``, ``days_needed`` (for ``lift``), ``scaled_l2`` (synthetic
        control: the history fit against equal weights, as GeoLift), ``correlation`` (the promoted
        stores' mean against their comparison), ``level`` (mean outcome per promoted store-day),
        ``simulated_power`` and ``false_positive`` (detection rates at the MDE and with no lift);
        ``.curves``: the power curves of the simulated candidates (``locations``, ``lift``, ``power``;
        a crossover's is the analytic curve its simulation checks).

    Raises
    ------
    ValueError
        Too little history for ``days`` (the message says how much is needed), fewer stores than
        ``n_treated + 1``, a lift that is not positive, an unknown store.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> days = pd.date_range("2025-01-01", periods=200)
    >>> sales = pd.DataFrame([(f"S{i}", d, 100 + rng.normal(0, 2 + 3 * i)) for i in range(3) for d in days],
    ...                      columns=["location", "date", "revenue"])
    >>> r = design(sales, n_treated=2, days=21, n_simulated=0)
    >>> r.table.iloc[0]["locations"], r.table.iloc[0]["design"]  # the two steadiest stores swap
    (('S0', 'S1'), 'crossover')
    """
    confidence = check_confidence(confidence)
    _check_arguments(n_treated=n_treated, days=days, lift=lift, power=power, method=method,
                     max_candidates=max_candidates, n_simulated=n_simulated, n_windows=n_windows)
    wide, dropped = _history_table(data, history=history, outcome=outcome, date=date, location=location)
    names = list(wide.columns)
    if candidates is not None:  # the names as the data holds them (NFC, trimmed): typed names match
        candidates = [tuple(location_names(list(c))) for c in candidates]
    if controls is not None:
        controls = list(location_names([controls] if isinstance(controls, str) else list(controls)))
    named = [str(x) for c in (candidates or []) for x in c] + [str(x) for x in (controls or [])]
    check_known(sorted(set(named)), sorted(set(names) | _dropped_names(dropped)), what="locations")
    _refuse_dropped(named, dropped, outcome=outcome)
    sets, n_possible, searched = _candidate_sets(wide, n_treated=n_treated, candidates=candidates,
                                                 controls=controls, max_candidates=max_candidates,
                                                 power=power, confidence=confidence)
    plans = []
    for treated in sets:
        ctrl = [x for x in (controls or names) if x not in treated]
        if not ctrl:
            raise ValueError(f"candidates: {list(treated)} leaves no store as a control; "
                             f"design needs at least {len(treated) + 1} stores.")
        plans.append((list(treated), ctrl, _choose(method, len(treated), len(ctrl), did_max_controls)))
        if plans[-1][2] == "did" and _did_on_log(wide[list(treated) + ctrl]):
            _refuse_log_zeros(wide, list(treated) + ctrl, outcome=outcome)
    longest = max(plans, key=lambda p: history_needed(days, p[2]))[2]
    need = history_needed(days, longest)
    if len(wide) < need:
        why = (f"a baseline and two periods of {days} days" if longest == "crossover" else
               f"a baseline of {_min_baseline(days)} days before each simulated {days}-day window")
        raise ValueError(f"history: {len(wide)} day(s) with every store observed; a {days}-day test needs at least "
                         f"{need} days of promotion-free history ({why}). Shorten days= or give a longer history.")
    rows, gaps = [], []
    for treated, ctrl, chosen in plans:
        row, gap = _analytic(wide, treated, ctrl, chosen, days=days, lift=lift, power=power, confidence=confidence)
        rows.append(row)
        gaps.append(gap)
    table = pd.DataFrame(rows)
    table["gap"] = gaps
    table["scale"] = 1.0
    table = table.sort_values(["mde", "days_needed"], kind="stable", ignore_index=True)
    curves, ratios = [], []
    table["simulated"] = False
    for i in range(min(n_simulated, len(table))):
        row = table.iloc[i]
        if not math.isfinite(row["mde"]):
            continue
        sim = _simulate(wide, row, days=days, lift=lift, power=power, confidence=confidence, n_windows=n_windows)
        if row["design"] != "crossover" and math.isfinite(sim["row"]["mde"]) and row["mde"] > 0:
            ratios.append(sim["row"]["mde"] / row["mde"])
        for k, v in sim["row"].items():
            table.at[i, k] = v
        table.at[i, "simulated"] = True
        curves.append(sim["curve"])
    if ratios:  # the window approximation is optimistic (in-sample fit): scale the rest by the simulations
        ratio = float(np.median(ratios))
        for i in np.flatnonzero(~table["simulated"].to_numpy() & (table["design"] != "crossover").to_numpy()
                                & np.isfinite(table["mde"].to_numpy())):
            row = table.iloc[i]
            answers = _window_answers(row["gap"], row["level"], days=days, lift=lift, power=power,
                                      confidence=confidence, scale=ratio)
            for k, v in answers.items():
                table.at[i, k] = v
            table.at[i, "mde_source"] = "analytic_scaled"
            table.at[i, "scale"] = ratio
    # the simulated candidates first: their MDE is measured, the others' estimated
    table = table.sort_values(["simulated", "mde", "days_needed"], ascending=[False, True, True], kind="stable",
                              ignore_index=True)
    notes = [note("candidates_searched", n=len(sets), of=n_possible, stores=searched)] if searched else []
    if not np.isfinite(table["mde"]).any():
        notes.append(note("nothing_detectable"))
    method_text = ", ".join(sorted(table["design"].unique()))
    return DesignResult(
        n_treated=int(n_treated if candidates is None else max(len(s) for s in sets)), days=int(days),
        lift=float(lift), power=float(power), confidence=confidence, history_days=len(wide), n_locations=len(names),
        n_candidates=len(sets), n_possible=n_possible, n_simulated=len(curves), n_windows=int(n_windows),
        outcome=outcome, currency=currency, seed=int(seed), method=method_text, given=candidates is not None,
        table=table[_COLUMNS], curves=pd.concat(curves, ignore_index=True) if curves else
        pd.DataFrame(columns=["locations", "lift", "power"]), excluded=Exclusions(dropped), notes=Notes(notes))


_COLUMNS = ["locations", "design", "mde", "mde_source", "power_at_lift", "days_needed", "scaled_l2", "correlation",
            "level", "simulated_power", "false_positive", "windows", "scale", "assignments", "controls"]
#: how a row's MDE was found (worded by present_design): the analytic approximation; the crossover's
#: analytic MDE checked by simulation; the simulated power curve; the analytic approximation scaled by the
#: simulated candidates' median ratio; none, because randomization over the assignments cannot reach alpha
MDE_SOURCES = ("analytic", "analytic_checked", "simulated", "analytic_scaled", "randomization_floor")


def _check_arguments(*, n_treated, days, lift, power, method, max_candidates, n_simulated, n_windows) -> None:
    check_choice(method, name="method", options=DESIGN_METHODS)
    for name, value, low in (("n_treated", n_treated, 1), ("days", days, 2), ("max_candidates", max_candidates, 1),
                             ("n_simulated", n_simulated, 0), ("n_windows", n_windows, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be a whole number >= {low}; got {value!r}.")
    if not isinstance(lift, (int, float)) or not lift > 0:
        raise ValueError(f"lift must be a positive fraction (e.g. 0.05 for +5%); got {lift!r}. A test is planned "
                         "to detect a rise; a fall is detected by the same two-sided test.")
    if not 0 < power < 1:
        raise ValueError(f"power must be a fraction between 0 and 1 (e.g. 0.8); got {power!r}.")


def _min_baseline(days: int) -> int:
    return max(MIN_PRE_DAYS, 2 * days)


def history_needed(days: int, design: str) -> int:
    """Days of promotion-free history :func:`design` needs to plan a ``days``-long test of ``design``:
    a crossover a baseline and two periods (``promo.mde``'s rule: 4 x days); the others a baseline of
    at least ``max(14, 2 x days)`` days before each simulated window, and the window.

    Examples
    --------
    >>> history_needed(28, "crossover"), history_needed(15, "synthetic")
    (112, 46)
    """
    return 4 * days if design == "crossover" else _min_baseline(days) + days + 1


def _history_table(data, *, history, outcome, date, location) -> tuple[pd.DataFrame, list]:
    """Days x stores of the history; a store missing any day is left out (counted), not filled."""
    daily = as_daily(data, outcome=outcome, date=date, location=location)
    if daily.empty:
        raise ValueError("sales: the table has no rows; a test is planned from the stores' sales history.")
    if history is not None:
        h0, h1 = period_bounds(history, what="history")
        first, last = daily["date"].min(), daily["date"].max()
        daily = daily.loc[daily["date"].between(h0, h1)]
        if daily.empty:
            raise ValueError(f"history: no sales rows from {h0.date()} to {h1.date()}; the sales run from "
                             f"{first.date()} to {last.date()}.")
    wide = daily.pivot_table(index="date", columns="location", values=outcome, aggfunc="sum")
    wide = wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="D"))
    gaps = [c for c in wide.columns if wide[c].isna().any()]
    dropped = []
    if gaps:
        dropped.append(excluded("incomplete_locations", int(wide[gaps].isna().sum().sum()), locations=len(gaps),
                                names=tuple(gaps)))
        wide = wide.drop(columns=gaps)
    if wide.empty or wide.shape[1] == 0:
        raise ValueError(f"sales.{outcome}: every store misses some day of the history; shorten history= to days "
                         "every store has.")
    # a store that sold nothing on any day (closed, or not yet open) has no level to take a lift of
    if silent := [c for c in wide.columns if not (wide[c] > 0).any()]:
        dropped.append(excluded("silent_locations", len(silent) * len(wide), locations=len(silent),
                                names=tuple(silent)))
        wide = wide.drop(columns=silent)
    return wide.astype(float), dropped


def _dropped_names(dropped: list, code: str | None = None) -> set:
    return {n for d in dropped if code in (None, d["code"]) for n in d.get("names", ())}


def _refuse_dropped(named: list, dropped: list, *, outcome: str) -> None:
    """A store named in ``candidates=`` or ``controls=`` that the history table left out is an error."""
    why = {"incomplete_locations": "miss some day of the history, so a test on them cannot be planned from it; "
                                   "shorten history= or fill the days",
           "silent_locations": f"have no {outcome} above zero on any day of the history, so a lift on them has "
                               "nothing to be a fraction of; leave them out or choose another history="}
    for code, reason in why.items():
        if bad := sorted({x for x in named if x in _dropped_names(dropped, code)}):
            raise ValueError(f"locations: {bad} {reason}.")


def _did_on_log(stores: pd.DataFrame) -> bool:
    """``analyze``'s scale rule for DiD: the log when the largest mean is over 3x the smallest."""
    means = stores.mean(axis=0)
    return bool(means.min() > 0 and means.max() > 3 * means.min())


def _refuse_log_zeros(wide: pd.DataFrame, stores: list, *, outcome: str) -> None:
    """A DiD on the log scale (as ``analyze`` chooses it) needs every day above zero: name the first ones."""
    sub = wide[stores]
    bad = sub.le(0).stack()
    bad = bad[bad]
    if len(bad):
        shown = ", ".join(f"{loc} on {day.date()}" for day, loc in bad.index[:5])
        raise ValueError(f"sales.{outcome} must be above zero on every day for a DiD on the log scale (the stores' "
                         f"mean sales differ more than 3x, as analyze's scale rule): {len(bad)} store-day(s) are "
                         f"not, e.g. {shown}. Plan with method='synthetic', leave those stores out of candidates= "
                         "and controls=, or choose a history= without those days.")


def _candidate_sets(wide, *, n_treated, candidates, controls, max_candidates, power, confidence):
    """The treated sets to evaluate, how many there are in all, and how many stores the greedy search
    kept (0: every set, or the given ones)."""
    names = list(wide.columns)
    if candidates is not None:
        sets = [tuple(str(x) for x in c) for c in candidates]
        for s in sets:
            if len(s) == 0 or len(set(s)) != len(s):
                raise ValueError(f"candidates: each set names one or more different stores; got {list(s)}.")
        return sets, len(sets), 0
    pool = [x for x in names if controls is None or x not in controls]
    n_ctrl = len(controls) if controls is not None else len(names) - n_treated
    if len(pool) < n_treated or n_ctrl < 1:
        raise ValueError(f"design: {len(names)} store(s) with a complete history; {n_treated} promoted store(s) "
                         f"and at least one control need {n_treated + 1}.")
    n_possible = math.comb(len(pool), n_treated)
    if n_possible <= max_candidates:
        return list(itertools.combinations(pool, n_treated)), n_possible, 0
    m = n_treated
    while math.comb(m + 1, n_treated) <= max_candidates:
        m += 1
    score = {}
    for x in pool:  # each store alone against all the others: the greedy search's order
        ctrl = [c for c in (controls or names) if c != x]
        y, comp, _ = _comparison(wide, [x], ctrl, "synthetic")
        u = y - comp
        score[x] = window_mde(u - u.mean(), 7, power=power, confidence=confidence) / float(y.mean())
    best = sorted(pool, key=lambda x: (score[x], x))[:m]
    return list(itertools.combinations(best, n_treated)), n_possible, m


def _choose(method: str, n_treated: int, n_controls: int, did_max_controls: int) -> str:
    if method != "auto":
        if method == "crossover" and n_treated != 2:
            raise ValueError(f"method='crossover' swaps two stores; got {n_treated} promoted store(s).")
        return method
    if n_treated == 2 and n_controls <= did_max_controls:
        return "crossover"
    return "did" if n_controls <= did_max_controls else "synthetic"


def _comparison(wide: pd.DataFrame, treated: list, ctrl: list, chosen: str) -> tuple[np.ndarray, np.ndarray, float]:
    """The promoted mean, its comparison series and the scaled L2 of the fit (synthetic control only)."""
    y = wide[treated].mean(axis=1).to_numpy(float)
    X = wide[ctrl].to_numpy(float)
    if chosen != "synthetic":
        return y, X.mean(axis=1), math.nan
    Xd, yd = X - X.mean(axis=0), y - y.mean()
    w = simplex_weights(yd, Xd)
    l2, l2_equal = np.linalg.norm(yd - Xd @ w), np.linalg.norm(yd - Xd.mean(axis=1))
    return y, y.mean() + Xd @ w, float(l2 / l2_equal) if l2_equal > 0 else math.nan


def window_means(u: np.ndarray, length: int) -> np.ndarray:
    """Means of every run of ``length`` consecutive values.

    Examples
    --------
    >>> window_means(np.arange(5.0), 2).tolist()
    [0.5, 1.5, 2.5, 3.5]
    """
    c = np.concatenate([[0.0], np.cumsum(u)])
    return (c[length:] - c[:-length]) / length


def window_mde(u: np.ndarray, length: int, *, power: float, confidence: float) -> float:
    """Smallest shift ``d`` of the window means that exceeds their (1 - alpha) quantile in a
    ``power`` share of the windows: the empirical MDE of a test on the mean gap, in ``u``'s units.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(window_mde(rng.normal(0, 1, 20000), 1, power=0.8, confidence=0.95), 1)  # z 0.975 + z 0.8
    2.8
    """
    m = window_means(u, length)
    crit = float(np.quantile(np.abs(m), confidence))
    return crit + float(np.quantile(-m, power))  # m + d > crit in a `power` share: d = crit - q_{1-power}(m)


def _analytic(wide, treated, ctrl, chosen, *, days, lift, power, confidence) -> tuple[dict, np.ndarray | None]:
    """The candidate's row by the analytic approximation, and its demeaned daily gap (None for a crossover)."""
    y, comp, scaled_l2 = _comparison(wide, treated, ctrl, chosen)
    level = float(y.mean())
    row = {"locations": tuple(treated), "design": chosen, "controls": tuple(ctrl), "scaled_l2": scaled_l2,
           "correlation": float(np.corrcoef(y, comp)[0, 1]) if np.std(y) > 0 and np.std(comp) > 0 else math.nan,
           "level": level, "simulated_power": math.nan, "false_positive": math.nan, "windows": 0,
           "assignments": math.nan}
    if chosen == "crossover":
        r = _crossover(wide, treated, days=days, lift=lift, power=power, confidence=confidence)
        power_at = float(np.interp(lift, r.table["lift"], r.table["power"]))
        return row | {"mde": r.mde, "mde_source": "analytic", "power_at_lift": power_at,
                      "days_needed": float(r.days_needed)}, None
    u = y - comp
    u = u - u.mean()
    if chosen == "did":
        n_assign = math.comb(len(treated) + len(ctrl), len(treated))
        if 1 / n_assign > 1 - confidence:  # randomization over so few assignments cannot reach alpha
            return row | {"mde": math.inf, "mde_source": "randomization_floor", "power_at_lift": 0.0,
                          "days_needed": math.nan, "assignments": n_assign}, u
    return row | {"mde_source": "analytic"} | _window_answers(u, level, days=days, lift=lift, power=power,
                                                                confidence=confidence), u


def _crossover(wide, treated, *, days, lift, power, confidence):
    """``promo.mde`` of two stores swapping, on the history table (analytic only)."""
    long = wide[treated].rename_axis("date").reset_index().melt("date", var_name="location", value_name="v")
    return crossover_mde(long, locations=treated, days=days, lift=lift, power=power, confidence=confidence,
                         outcome="v", simulate=False)


def _window_answers(u, level, *, days, lift, power, confidence, scale: float = 1.0) -> dict:
    """MDE, power at ``lift`` and days needed from the windows of the gap ``u``; ``scale`` multiplies
    every detectable lift (the simulated over the analytic MDE)."""
    m = window_means(u, days)
    crit = float(np.quantile(np.abs(m), confidence))
    need = next((L for L in range(2, len(u) // 3 + 1)
                 if scale * window_mde(u, L, power=power, confidence=confidence) / level <= lift), math.nan)
    return {"mde": scale * window_mde(u, days, power=power, confidence=confidence) / level,
            "power_at_lift": float(np.mean(m + lift / scale * level > crit)), "days_needed": float(need)}


def _windows(T: int, days: int, n_windows: int) -> np.ndarray:
    """Start days of the simulated test windows: evenly spread over the history, each with at least
    the minimum baseline before it, the last ending on the last day (deterministic)."""
    first = _min_baseline(days)
    return np.unique(np.linspace(first, T - days, n_windows).round().astype(int))


def _detect_synthetic(y, X, start, days, lift) -> tuple[float, float]:
    y = y[:start + days].copy()
    y[start:] *= 1 + lift
    post = np.zeros(len(y), bool)
    post[start:] = True
    return effect_and_p(y, X[:start + days], ~post, post)


def _did_assignments(n: int, k: int) -> np.ndarray:
    """Every assignment of k promoted among n stores, as the contrast rows of the DiD estimate."""
    rows = []
    for s in itertools.combinations(range(n), k):
        r = np.full(n, -1.0 / (n - k))
        r[list(s)] = 1.0 / k
        rows.append(r)
    return np.array(rows)


def _detect_did(Y, start, days, lift, k, contrasts, log: bool) -> tuple[float, float]:
    # locations x (post mean - baseline mean) on the analysis scale: with location and day effects on a
    # balanced panel, the DiD estimate of any assignment is a contrast of these (exact randomization)
    Y = Y[:start + days].copy()
    Y[start:, :k] *= 1 + lift
    if log:
        Y = np.log(Y)
    d = Y[start:].mean(axis=0) - Y[:start].mean(axis=0)
    est = contrasts @ d
    return float(est[0]), float(np.mean(np.abs(est) >= abs(est[0]) - 1e-12 * max(abs(est[0]), 1.0)))


def _hit(estimate: float, p: float, alpha: float) -> bool:
    """A detection: significant, in the direction of the injected lift."""
    return p <= alpha and estimate > 0


def _simulate(wide, row, *, days, lift, power, confidence, n_windows) -> dict:
    treated, ctrl, chosen = list(row["locations"]), list(row["controls"]), row["design"]
    alpha = 1 - confidence
    if chosen == "crossover":
        a, b = (wide[x].to_numpy(float) for x in treated)
        hit, false, used = stats.simulate_power(a, b, wide.index, days=days, lift=row["mde"], scale="level",
                                                dow_adjust=True, confidence=confidence, n_windows=n_windows)
        # the calibrated analytic curve; the simulation's check at the MDE is in the table
        table = _crossover(wide, treated, days=days, lift=lift, power=power, confidence=confidence).table
        curve = pd.DataFrame({"locations": [tuple(treated)] * len(table), "lift": table["lift"],
                              "power": table["power"]})
        return {"row": {"simulated_power": hit, "false_positive": false, "mde_source": "analytic_checked",
                        "windows": used}, "curve": curve}
    starts = _windows(len(wide), days, n_windows)
    if chosen == "synthetic":
        y, X = wide[treated].mean(axis=1).to_numpy(float), wide[ctrl].to_numpy(float)

        def detected(lift_):
            return np.mean([_hit(*_detect_synthetic(y, X, s, days, lift_), alpha) for s in starts])
    else:
        Y = wide[treated + ctrl].to_numpy(float)
        contrasts = _did_assignments(Y.shape[1], len(treated))
        log = _did_on_log(wide[treated + ctrl])

        def detected(lift_):
            return np.mean([_hit(*_detect_did(Y, s, days, lift_, len(treated), contrasts, log), alpha)
                            for s in starts])
    m0 = row["mde"]
    lifts, powers = [0.0], [float(detected(0.0))]
    for mult in LIFT_GRID + LIFT_GRID_MORE:
        if mult in LIFT_GRID_MORE and powers[-1] >= power:
            break
        lifts.append(m0 * mult)
        powers.append(float(detected(m0 * mult)))
    mde_sim = _crossing(np.array(lifts), np.array(powers), power)
    power_at = float(detected(lift))
    scale = mde_sim / m0 if math.isfinite(mde_sim) and m0 > 0 else math.nan
    need = row["days_needed"]
    if math.isfinite(scale):  # the analytic days, with every detectable lift scaled as the simulation says
        need = _window_answers(row["gap"], row["level"], days=days, lift=lift, power=power, confidence=confidence,
                               scale=scale)["days_needed"]
    curve = pd.DataFrame({"locations": [tuple(treated)] * len(lifts), "lift": lifts, "power": powers})
    return {"row": {"mde": mde_sim, "mde_source": "simulated", "windows": len(starts),
                    "power_at_lift": power_at, "days_needed": need,
                    "simulated_power": float(np.interp(mde_sim, lifts, np.maximum.accumulate(powers)))
                    if math.isfinite(mde_sim) else max(powers), "false_positive": powers[0]}, "curve": curve}


def _crossing(lifts: np.ndarray, powers: np.ndarray, target: float) -> float:
    """The lift at which the (running-maximum) power curve first reaches ``target``, interpolated."""
    order = np.argsort(lifts)
    lifts, powers = lifts[order], np.maximum.accumulate(powers[order])
    above = np.flatnonzero(powers >= target)
    if not len(above):
        return math.inf
    j = int(above[0])
    if j == 0:
        return float(lifts[0])
    x0, x1, p0, p1 = lifts[j - 1], lifts[j], powers[j - 1], powers[j]
    return float(x0 + (target - p0) * (x1 - x0) / (p1 - p0)) if p1 > p0 else float(x1)


def promotion_free(schedule, first, last) -> tuple[str, str]:
    """The longest run of days from ``first`` to ``last`` with no scheduled promotion, as ISO dates: the
    history a new test is planned from (promotion days would inflate the noise it measures).

    Examples
    --------
    >>> from kpi_analysis.promo import parse_schedule
    >>> promotion_free(parse_schedule({"A": "2026-02", "B": "2026-03"}), "2025-06-01", "2026-10-31")
    ('2025-06-01', '2026-01-31')
    """
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    busy = sorted((max(s, first), min(e, last)) for s, e in zip(schedule["start"], schedule["end"])
                  if s <= last and e >= first)
    runs, cursor = [], first
    for s, e in busy:
        if s > cursor:
            runs.append((cursor, s - pd.Timedelta(days=1)))
        cursor = max(cursor, e + pd.Timedelta(days=1))
    if cursor <= last:
        runs.append((cursor, last))
    if not runs:
        raise ValueError(f"history: every day from {first.date()} to {last.date()} has a scheduled promotion; "
                         "give history= explicitly.")
    start, end = max(runs, key=lambda r: (r[1] - r[0], r[1]))
    return str(start.date()), str(end.date())
