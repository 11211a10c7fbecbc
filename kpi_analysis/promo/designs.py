"""The designs :func:`~kpi_analysis.promo.analyze` can estimate a promotion's effect with.

A design says which locations it compares, which baseline series it checks, which inference it
offers and how it fits the labelled location-days. Each is one :class:`Design` in :data:`DESIGNS`;
:func:`choose_design` picks one for ``method="auto"``. A new design (synthetic control, a
time-based regression) is a new entry and a new clause in :func:`choose_design`.

- ``"crossover"``: two locations swapping the promotion (AB/BA), :func:`~kpi_analysis.promo.crossover`
  on the daily difference;
- ``"did"``: promoted location(s) against control locations,
  :func:`~kpi_analysis.promo.did` with location x day-of-week and day effects;
- ``"synthetic"``: promoted location(s) against a weighted sum of many controls,
  :func:`~kpi_analysis.promo.synthetic_control`;
- ``"tbr"``: a treatment group against a control group (a schedule with a ``group`` column),
  :func:`~kpi_analysis.promo.time_based_regression`.

The rule of :func:`choose_design` (``method="auto"``): two locations swapping the promotion and no
``controls`` named -> crossover; a schedule with treatment and control groups -> TBR; promoted
location(s) against at most ``did_max_controls`` (default 5) controls -> DiD with randomization
inference; against more -> synthetic control.

Examples
--------
>>> sched = pd.DataFrame({"location": ["A", "B"], "start": pd.to_datetime(["2026-02-01", "2026-03-01"]),
...                       "end": pd.to_datetime(["2026-02-28", "2026-03-31"])})
>>> choose_design("auto", sched, controls=None), choose_design("auto", sched, controls=["C"])
('crossover', 'did')
>>> DESIGNS["did"].inference
('auto', 'randomization', 'cluster')
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.results import excluded
from .estimators import crossover, did
from .synthetic import MIN_PRE_DAYS, simplex_weights, synthetic_from_arrays
from .tbr import time_based_regression

__all__ = ["DESIGNS", "Design", "Fit", "Panel", "choose_design", "is_swap", "shares_one_period"]


@dataclass
class Panel:
    """The analysed location-days: ``rows`` (location, date, the outcome, ``period`` = "baseline" or
    "promo1", "promo2", ..., ``treated`` 0/1), each promoted location's periods, and what was left
    out on the way (exclusion and note dicts)."""
    rows: pd.DataFrame
    promoted_periods: dict
    dropped: list = field(default_factory=list)
    notes: list = field(default_factory=list)


@dataclass(frozen=True)
class Fit:
    """What a design's fit hands to the lift and the result: the model (a crossover or DiD result),
    the promotion location-days analysed and their mean outcome, the carryover p-value (NaN when the
    design has none), the daily effect for the chart, the seed used, and further exclusions and notes."""
    model: object
    treated_days: int
    mean_treated: float
    carryover_p: float
    effects: pd.DataFrame
    seed: int | None
    dropped: tuple = ()
    notes: tuple = ()


@dataclass(frozen=True)
class Design:
    """One way to estimate the promotion effect.

    ``inference``: the accepted values of ``analyze(inference=)``, ``"auto"`` first, meaning
    ``default_inference``. ``uses_controls``: the design compares with unscheduled locations.
    ``baseline_pairs(base, promoted, controls)``: the (label, treated series, control series) the
    baseline checks compare. ``fit(panel, *, outcome, scale, dow_adjust, inference, lags, n_boot,
    confidence, seed)``: the estimate, as a :class:`Fit`. ``needs_baseline``: the estimate uses the
    baseline (DiD's pre-period); a design that does not (the crossover, whose baseline only serves
    the checks and the carryover test) runs with a baseline too short for the checks, which are then
    skipped with a note.
    """
    name: str
    inference: tuple
    default_inference: str
    uses_controls: bool
    baseline_pairs: Callable
    fit: Callable
    needs_baseline: bool = True


def is_swap(schedule: pd.DataFrame) -> bool:
    """Two locations with one promotion period each, the second starting after the first ended.

    Examples
    --------
    >>> from kpi_analysis.promo import parse_schedule
    >>> swap, same_month = {"A": "2026-02", "B": "2026-03"}, {"A": "2026-02", "B": "2026-02"}
    >>> is_swap(parse_schedule(swap)), is_swap(parse_schedule(same_month))
    (True, False)
    """
    return (schedule["location"].nunique() == 2 and len(schedule) == 2
            and bool(schedule["start"].iloc[1] > schedule["end"].iloc[0]))


def shares_one_period(schedule: pd.DataFrame) -> bool:
    """Every promoted location has one promotion period, the same for all."""
    return (schedule["location"].is_unique and schedule["start"].nunique() == 1
            and schedule["end"].nunique() == 1)


def choose_design(method: str, schedule: pd.DataFrame, *, controls, n_controls: int | None = None,
                  grouped: bool = False, did_max_controls: int = 5) -> str:
    """The design for ``method``. ``"auto"``: the crossover when the schedule is a swap of two
    locations and no ``controls`` are named; time-based regression when the schedule names treatment
    and control groups (``grouped``); otherwise difference-in-differences with at most
    ``did_max_controls`` control locations (``n_controls``) and synthetic control with more.

    Examples
    --------
    >>> from kpi_analysis.promo import parse_schedule
    >>> choose_design("auto", parse_schedule({"A": "2026-02", "B": "2026-02"}), controls=None)
    'did'
    """
    swap = is_swap(schedule)
    if method == "auto":
        if grouped:
            return "tbr"
        if swap and controls is None:
            return "crossover"
        return "synthetic" if n_controls is not None and n_controls > did_max_controls else "did"
    if method in ("synthetic", "tbr") and not shares_one_period(schedule):
        raise ValueError(f"method={method!r} needs every promoted location to run the promotion over the same "
                         f"single period; the schedule has {len(schedule)} period(s): "
                         f"{schedule.astype(str).to_dict('records')[:3]}. Use method='did'.")
    if method == "crossover" and not swap:
        promoted = list(dict.fromkeys(schedule["location"]))
        raise ValueError("method='crossover' needs exactly two locations with one promotion period each, "
                         f"not overlapping; the schedule has {len(schedule)} period(s) at {promoted}.")
    return method


# ------------------------------------------------------------------------------------------ crossover

def _crossover_pairs(base: pd.DataFrame, promoted: list, controls: list) -> list:
    # one check: the location promoted first against the other (the swap is symmetric)
    return [(promoted[0], base.get(promoted[0]), base.get(promoted[1]))]


def _fit_crossover(panel: Panel, *, outcome, scale, dow_adjust, inference, lags, n_boot, confidence,
                   seed) -> Fit:
    model = crossover(panel.rows, outcome=outcome, unit="location", period="period", treated="treated",
                      time="date", baseline="baseline", scale=scale, dow_adjust=dow_adjust,
                      inference=inference, lags=lags, n_boot=n_boot, confidence=confidence, seed=seed)
    on = model.daily.loc[model.daily["treated_unit"] != ""]
    vals = np.array([row[row["treated_unit"]] for _, row in on.iterrows()], float)
    return Fit(model=model, treated_days=int(model.daily["treated_unit"].ne("").sum()),
               mean_treated=float(np.mean(np.exp(vals) if scale == "log" else vals)),
               carryover_p=float(model.carryover_p), effects=_crossover_effects(model, scale),
               seed=model.seed, notes=tuple(model.notes))


def _crossover_effects(model, scale: str) -> pd.DataFrame:
    """The daily effect of the treated store with its band, in outcome units."""
    from scipy import stats
    d = model.daily
    q = stats.t.ppf(0.5 + model.confidence / 2, model.df)
    rows = d.loc[d["treated_unit"] != ""]
    treated_value = np.array([r[r["treated_unit"]] for _, r in rows.iterrows()], float)
    e, sd = rows["effect"].to_numpy(float), rows["effect_sd"].to_numpy(float)
    if scale == "log":
        lvl = np.exp(treated_value)

        def conv(x):
            return lvl * (-np.expm1(-x))
    else:
        def conv(x):
            return x
    return _effects_frame(rows["time"], conv(e), conv(e - q * sd), conv(e + q * sd))


# --------------------------------------------------------------------------- difference-in-differences

def _did_pairs(base: pd.DataFrame, promoted: list, controls: list) -> list:
    # each promoted location against the sum of the controls (days with every control observed)
    control = base[controls].sum(axis=1, min_count=len(controls))
    return [(loc, base.get(loc), control) for loc in promoted]


def _fit_did(panel: Panel, *, outcome, scale, dow_adjust, inference, lags, n_boot, confidence, seed) -> Fit:
    rows = panel.rows
    promoted = list(panel.promoted_periods)
    rows = rows.assign(promoted=rows["location"].isin(promoted).astype(int))
    after = pd.Series(False, index=rows.index)
    for loc, spans in panel.promoted_periods.items():  # carryover risk: a location after its own promotion
        last_end = max(e for _, e in spans)
        after |= (rows["location"] == loc) & (rows["date"] > last_end)
    dropped = (excluded("after_own_promotion", after.sum()),) if after.any() else ()
    rows = rows.loc[~after]
    y = np.log(rows[outcome]) if scale == "log" else rows[outcome]
    rows = rows.assign(_y=y, _dow=rows["location"] + "|" + rows["date"].dt.day_of_week.astype(str))
    # the promotion days as scheduled (design level): a missing day is not a hole in the path
    paths = {loc: [d for s, e in spans for d in pd.date_range(s, e, freq="D")]
             for loc, spans in panel.promoted_periods.items()}
    model = did(rows, outcome="_y", treated="promoted", post="treated", unit="location", time="date",
                absorb=["_dow"] if dow_adjust else [], inference=inference, paths=paths,
                confidence=confidence, seed=seed)
    on = rows.loc[rows["treated"] == 1]
    return Fit(model=model, treated_days=len(on), mean_treated=float(on[outcome].mean()),
               carryover_p=math.nan, effects=_did_effects(model, rows, outcome, scale, confidence),
               seed=model.seed, dropped=dropped, notes=tuple(model.notes))


def _did_effects(model, rows: pd.DataFrame, outcome: str, scale: str, confidence: float) -> pd.DataFrame:
    """The daily effect summed over the promoted locations, with a normal band, in outcome units."""
    from scipy import stats
    r = model.residuals
    on = r["treated"] == 1
    sigma = float(np.std(r["residual"], ddof=1))
    q = stats.norm.ppf(0.5 + confidence / 2)
    e = model.estimate + r.loc[on, "residual"].to_numpy()
    sd = math.sqrt(sigma ** 2 + model.se ** 2)
    if scale == "log":
        lvl = rows.loc[r.index[on], outcome].to_numpy(float)

        def conv(x):
            return lvl * (-np.expm1(-x))
    else:
        def conv(x):
            return x
    frame = pd.DataFrame({"date": r.loc[on, "time"].to_numpy(), "effect": conv(e),
                          "effect_low": conv(e - q * sd), "effect_high": conv(e + q * sd)})
    frame = frame.groupby("date", as_index=False).sum()
    return _effects_frame(frame["date"], frame["effect"].to_numpy(), frame["effect_low"].to_numpy(),
                          frame["effect_high"].to_numpy())


def _effects_frame(dates, effect, low, high) -> pd.DataFrame:
    frame = pd.DataFrame({"date": pd.to_datetime(np.asarray(dates)), "effect": effect,
                          "effect_low": low, "effect_high": high}).sort_values("date", ignore_index=True)
    frame["cumulative"] = frame["effect"].cumsum()
    return frame


# -------------------------------------------------------------------- synthetic control and TBR

def _synthetic_pairs(base: pd.DataFrame, promoted: list, controls: list) -> list:
    # the promoted mean against its synthetic control fitted on the baseline
    full = base[promoted + controls].dropna()
    y = full[promoted].mean(axis=1)
    if len(full) < 2:
        return [("synthetic", y, y)]
    X = full[controls].to_numpy(float)
    w = simplex_weights(y.to_numpy() - y.mean(), X - X.mean(axis=0))
    synth = pd.Series(y.mean() + (X - X.mean(axis=0)) @ w, index=full.index)
    return [("synthetic", y, synth)]


def _tbr_pairs(base: pd.DataFrame, promoted: list, controls: list) -> list:
    return [("treatment group", base[promoted].sum(axis=1, min_count=len(promoted)),
             base[controls].sum(axis=1, min_count=len(controls)))]


def _chain_data(panel: Panel, outcome: str) -> tuple[pd.DataFrame, tuple, tuple, list, list]:
    rows = panel.rows
    promoted = list(panel.promoted_periods)
    controls = [x for x in rows["location"].unique() if x not in promoted]
    base = rows.loc[rows["period"] == "baseline", "date"]
    on = rows.loc[rows["treated"] == 1, "date"]
    if base.nunique() < MIN_PRE_DAYS:
        raise ValueError(f"baseline: {base.nunique()} day(s) with sales; synthetic control and time-based "
                         f"regression need at least {MIN_PRE_DAYS} baseline days.")
    pre = (str(base.min().date()), str(base.max().date()))
    post = (str(on.min().date()), str(on.max().date()))
    return rows[["location", "date", outcome]], pre, post, promoted, controls


def _fit_synthetic(panel: Panel, *, outcome, scale, dow_adjust, inference, lags, n_boot, confidence, seed,
                   augment: str = "none") -> Fit:
    data, _, _, promoted, controls = _chain_data(panel, outcome)
    wide = data.pivot_table(index="date", columns="location", values=outcome, aggfunc="sum")
    wide = wide.reindex(columns=promoted + controls)
    dropped = []
    gaps = [c for c in controls if wide[c].isna().any()]
    if gaps:  # a control missing on some day cannot carry weight on that day: it is left out
        dropped.append(excluded("incomplete_controls", int(wide[gaps].notna().sum().sum()), locations=len(gaps)))
        controls = [c for c in controls if c not in gaps]
    if not controls:
        raise ValueError("synthetic control: every control location misses some day of the baseline or promotion "
                         "period; use method='did' or 'tbr'.")
    on = panel.rows.groupby("date")["treated"].max().reindex(wide.index).to_numpy() == 1
    # the promoted locations' mean per location: days a promoted location misses count as left out (its
    # row is absent from the sum), as the group totals of time-based regression
    y = wide[promoted].sum(axis=1).to_numpy(float) / len(promoted)
    model = synthetic_from_arrays(y, wide[controls].to_numpy(float), ~on, on, dates=wide.index, treated=promoted,
                                  ctrl=controls, augment=augment, inference=inference, n_perm=n_boot,
                                  confidence=confidence, seed=seed)
    d = model.daily.loc[model.daily["period"] == "promotion"]
    n_tr = len(promoted)
    eff = d["gap"].to_numpy() * n_tr
    return Fit(model=model, treated_days=model.post_days * n_tr,
               mean_treated=float(d["observed"].mean()), carryover_p=math.nan,
               effects=_effects_frame(d["date"], eff, np.full(len(d), np.nan), np.full(len(d), np.nan)),
               seed=model.seed, dropped=tuple(dropped), notes=tuple(model.notes))


def _fit_tbr(panel: Panel, *, outcome, scale, dow_adjust, inference, lags, n_boot, confidence, seed,
             spend=None) -> Fit:
    data, pre, post, promoted, controls = _chain_data(panel, outcome)
    model = time_based_regression(data, treated=promoted, controls=controls, pre=pre, post=post, outcome=outcome,
                                  spend=spend, inference=inference, confidence=confidence, n_boot=n_boot, seed=seed)
    d = model.table.loc[model.table["period"] == "promotion"]
    return Fit(model=model, treated_days=model.post_days * model.n_treated,
               mean_treated=float(d["treatment"].sum() / (model.post_days * model.n_treated)),
               carryover_p=math.nan,
               effects=_effects_frame(d["date"], d["effect"].to_numpy(), np.full(len(d), np.nan),
                                      np.full(len(d), np.nan)),
               seed=model.seed, notes=tuple(model.notes))  # missing location-days: counted with the panel


DESIGNS: dict[str, Design] = {
    "crossover": Design("crossover", inference=("auto", "ar1", "hac", "block_bootstrap"),
                        default_inference="ar1", uses_controls=False, baseline_pairs=_crossover_pairs,
                        fit=_fit_crossover, needs_baseline=False),
    "did": Design("did", inference=("auto", "randomization", "cluster"), default_inference="randomization",
                  uses_controls=True, baseline_pairs=_did_pairs, fit=_fit_did),
    "synthetic": Design("synthetic", inference=("auto", "block", "iid"), default_inference="block",
                        uses_controls=True, baseline_pairs=_synthetic_pairs, fit=_fit_synthetic),
    "tbr": Design("tbr", inference=("auto", "ar1", "t"), default_inference="ar1", uses_controls=True,
                  baseline_pairs=_tbr_pairs, fit=_fit_tbr),
}
