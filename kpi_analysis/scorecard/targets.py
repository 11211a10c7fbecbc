"""Targets and the KPI catalogue: where each KPI's target, owner, direction and perspective come from.

``kpi_targets`` (one row per KPI and month, quarter or year) comes first, then the ``targets``
section of ``workbook.yml``. A :class:`TargetBook` holds both, parsed once, and answers "the target
of this KPI for this period" (:meth:`TargetBook.target`), combining monthly targets into a quarter
or taking a coarser target for a week.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.checks import check_choice, reject_rows, require_columns
from ..core.columns import DIRECTIONS, PERSPECTIVES
from ..core.deprecation import keyword_only, renamed
from .spec import DEFAULTS, KPIS, SPEC, is_missing, pandas_freq, period_of

__all__ = ["Target", "TargetBook", "catalogue_of", "check_catalogue", "config_targets", "targets_table", "tolerance_for"]


class Target(NamedTuple):
    """A KPI's target for one period: ``value`` (NaN without one), ``how`` it was found ("table",
    "months", "coarser", "config", "" for none) and ``of`` (the coarser period it was taken from)."""
    value: float
    how: str = ""
    of: str | None = None

    @property
    def source(self) -> str | None:
        """The table's ``target_source``: "table", "months", "config", "coarser:<period>" or None."""
        if not self.how:
            return None
        return f"coarser:{self.of}" if self.how == "coarser" else self.how


def config_targets(config) -> dict[str, dict]:
    """``targets:`` of workbook.yml as {kpi: {target, direction, perspective, owner, period, tolerance}}.

    Accepted shapes: ``{kpi: number}`` or ``{kpi: {target: number | {YYYY-MM: number}, direction: ...,
    perspective: ..., owner: ..., period: monthly}}``.

    Examples
    --------
    >>> config_targets({"targets": {"revenue": 300, "tolerance": 0.1}})
    {'revenue': {'target': 300.0}}
    """
    raw = (config or {}).get("targets") or {}
    if not isinstance(raw, Mapping):
        raise TypeError(f"targets: expected a mapping of KPI id -> target settings; got {raw!r}.")
    out = {}
    for kpi, spec in raw.items():
        if kpi == "tolerance":  # the workbook-wide amber band, not a KPI
            continue
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            spec = {"target": float(spec)}
        if not isinstance(spec, Mapping):
            raise TypeError(f"targets.{kpi}: expected a number or a mapping with target, direction, "
                            f"perspective, owner, period; got {spec!r}.")
        allowed = {"target", "direction", "perspective", "owner", "period", "tolerance"}
        if extra := set(spec) - allowed:
            raise ValueError(f"targets.{kpi}: unknown key(s) {sorted(extra)}; allowed {sorted(allowed)}.")
        if spec.get("direction") is not None:
            check_choice(spec["direction"], name=f"targets.{kpi}.direction", options=DIRECTIONS)
        if spec.get("perspective") is not None:
            check_choice(spec["perspective"], name=f"targets.{kpi}.perspective", options=PERSPECTIVES)
        out[str(kpi)] = dict(spec)
    return out


def targets_table(targets: pd.DataFrame | None) -> pd.DataFrame | None:
    """The ``kpi_targets`` table checked (periods YYYY-MM, YYYY-Qn or YYYY; known directions and
    perspectives; one target per KPI and period), with its periods as trimmed text."""
    if targets is None:
        return None
    require_columns(targets, table="kpi_targets", columns=["kpi", "period", "target", "direction",
                                                           "perspective", "owner"])
    t = targets.copy()
    t["period"] = t["period"].astype("str").str.strip()
    reject_rows(t, ~t["period"].str.match(r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"), table="kpi_targets",
                column="period", rule="must be YYYY-MM, YYYY-Qn or YYYY")
    reject_rows(t, t["direction"].notna() & ~t["direction"].isin(DIRECTIONS), table="kpi_targets",
                column="direction", rule=f"must be one of {list(DIRECTIONS)}")
    reject_rows(t, t["perspective"].notna() & ~t["perspective"].isin(PERSPECTIVES), table="kpi_targets",
                column="perspective", rule=f"must be one of {list(PERSPECTIVES)}")
    reject_rows(t, t.duplicated(["kpi", "period"], keep=False), table="kpi_targets", column="period",
                rule="must have one target per kpi and period")
    return t


def _table_period(s: str) -> pd.Period:
    if "-Q" in s:
        return pd.Period(s.replace("-", ""), "Q")
    return pd.Period(s, "M" if len(s) == 7 else "Y")


@dataclass(frozen=True, eq=False)
class TargetBook:
    """Targets and KPI metadata from ``kpi_targets`` (checked, or None) and the config's ``targets``."""
    table: pd.DataFrame | None
    config: dict
    periods: dict = field(default_factory=dict)  # kpi -> [(period, target, start, end)]

    @classmethod
    def read(cls, targets: pd.DataFrame | None, config: Mapping | None) -> TargetBook:
        """Check and parse ``kpi_targets`` and the config's ``targets`` once."""
        table = targets_table(targets)
        book: dict[str, list[tuple]] = {}
        if table is not None:
            for kpi, s, v in zip(table["kpi"], table["period"], table["target"], strict=True):
                if pd.notna(v):
                    q = _table_period(s)
                    book.setdefault(str(kpi), []).append((q, float(v), q.start_time, q.end_time))
        return cls(table=table, config=config_targets(config), periods=book)

    def unknown_kpis(self) -> list[str]:
        """KPI ids in ``kpi_targets`` the scorecard does not compute."""
        return [] if self.table is None else sorted(set(self.table["kpi"]) - set(SPEC))

    def target(self, kpi: str, p: pd.Period) -> Target:
        """Target of ``kpi`` for period ``p``: the table's own, the months of a quarter or year combined
        (sum for totals, mean for rates, last for stocks), a coarser target covering the period (a
        week's month; totals pro rata by days), else the config's."""
        rule = SPEC[kpi].combine if kpi in SPEC else "mean"
        per = self.periods.get(kpi) or []
        if per:
            kind = p.freqstr[0]
            for q, v, _, _ in per:  # exact period
                if q.freqstr[0] == kind and q == p:
                    return Target(v, "table")
            p_start, p_end = p.start_time, p.end_time
            if kind in ("Q", "Y"):
                inside = {q: v for q, v, s, e in per if q.freqstr[0] == "M" and s >= p_start and e <= p_end}
                months = pd.period_range(p_start, p_end, freq="M")
                if all(m in inside for m in months):
                    vals = [inside[m] for m in months]
                    if rule == "sum":
                        return Target(float(sum(vals)), "months")
                    return Target(vals[-1] if rule == "last" else float(np.mean(vals)), "months")
            # a coarser target covering the period (or the month holding most of a week)
            mid = p_start + (p_end - p_start) / 2
            covering = [(q, v, s, e) for q, v, s, e in per if s <= mid <= e and (e - s) > (p_end - p_start)]
            if covering:
                q, v, s, e = min(covering, key=lambda c: c[3] - c[2])
                if rule == "sum":
                    v = v * ((p_end - p_start) / (e - s))
                return Target(float(v), "coarser", str(q))
        target = (self.config.get(kpi) or {}).get("target")
        if isinstance(target, Mapping):
            target = target.get(str(p), target.get(p.strftime("%Y-%m")) if p.freqstr[0] == "M" else None)
        if target is not None and not is_missing(target):
            return Target(float(target), "config")
        return Target(float("nan"))

    def meta(self, kpi: str, p: pd.Period) -> dict:
        """Owner, direction, perspective, review period of a KPI: kpi_targets first, then the config."""
        out = {"owner": None, "direction": None, "perspective": None, "period": None}
        table = self.table
        if table is not None:
            rows = table[table["kpi"] == kpi]
            if len(rows):
                rows = rows.assign(_k=[_table_period(s).end_time for s in rows["period"]]).sort_values("_k")
                now = rows[[(_table_period(s).start_time <= p.end_time) for s in rows["period"]]]
                rows = now if len(now) else rows
                for key in ("owner", "direction", "perspective"):
                    vals = rows[key].dropna()
                    vals = vals[vals.astype(str).str.strip() != ""]
                    if len(vals):
                        out[key] = str(vals.iloc[-1])
                kinds = {"M": "monthly", "Q": "quarterly", "Y": "yearly"}
                out["period"] = kinds[_table_period(rows["period"].iloc[-1]).freqstr[0]]
        spec = self.config.get(kpi) or {}
        for key, value in out.items():
            if value is None and spec.get(key) not in (None, ""):
                out[key] = str(spec[key])
        return out


def tolerance_for(kpi: str, given, config, cfg_targets: dict) -> float:
    """Amber band of ``kpi``: argument > ``targets.<kpi>.tolerance`` > ``analyses.scorecard.tolerance``
    > ``targets.tolerance`` > 0.05 (each may be a number or a per-KPI mapping).

    Examples
    --------
    >>> tolerance_for("nps", {"nps": 0.2}, None, {}), tolerance_for("nps", None, {"targets": {"tolerance": 0.1}}, {})
    (0.2, 0.1)
    """
    def pick(x):
        return x.get(kpi) if isinstance(x, Mapping) else x
    analyses = ((config or {}).get("analyses") or {}).get("scorecard") or {}
    section = (config or {}).get("targets") or {}
    candidates = (("tolerance", pick(given)),
                  (f"targets.{kpi}.tolerance", (cfg_targets.get(kpi) or {}).get("tolerance")),
                  ("analyses.scorecard.tolerance", pick(analyses.get("tolerance"))),
                  ("targets.tolerance",
                   pick(section.get("tolerance")) if isinstance(section, Mapping) else None))
    for name, cand in candidates:
        if cand is not None:
            if isinstance(cand, bool) or not isinstance(cand, (int, float)) or cand < 0:
                raise ValueError(f"{name} must be a fraction >= 0 (e.g. 0.05); got {cand!r}.")
            return float(cand)
    return float(DEFAULTS["tolerance"])


@renamed(targets="data")
@keyword_only("config")
def check_catalogue(data: pd.DataFrame | None = None, *, config: Mapping | None = None, period: str = "",
                    freq: str = "M", kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """Check that every KPI has an owner, a target, a direction, a review period and a perspective.

    The source article's advice: a KPI must be specific, measurable, owned and tied to an objective.
    The KPIs checked are those the scorecard computes (``kpis``) plus every KPI named in
    ``kpi_targets`` or in the config's ``targets`` section.

    Parameters
    ----------
    data : DataFrame, optional
        The ``kpi_targets`` table (formerly ``targets=``).
    config : dict, optional
        Workbook settings with an optional ``targets`` section.
    period : str, optional
        Reporting period ("2026-10"): "target" means a target for that period. Empty: any target.
    freq : {"M", "Q", "W"}, default "M"
    kpis : list of str, optional
        KPI ids the scorecard computes (default: all of them).

    Returns
    -------
    DataFrame with one row per KPI: ``kpi``, ``owner``, ``target``, ``direction``, ``period``,
    ``perspective`` (None where missing), ``known`` (the scorecard computes it), ``missing`` (the
    missing fields, comma-separated, "" when none) and ``complete``.

    Examples
    --------
    >>> t = pd.DataFrame({"kpi": ["revenue"], "period": ["2026-10"], "target": [100.0],
    ...                   "direction": ["higher_is_better"], "perspective": ["financial"], "owner": ["Lan"]})
    >>> c = check_catalogue(t, config={"targets": {"nps": {"target": 30}}}, period="2026-10",
    ...                     kpis=["revenue", "nps"])
    >>> c[["kpi", "missing"]].to_dict("records")
    [{'kpi': 'revenue', 'missing': ''}, {'kpi': 'nps', 'missing': 'owner, direction, period, perspective'}]
    """
    fr = pandas_freq(freq)
    book = TargetBook.read(data, config)
    return catalogue_of(book, period=period_of(period, freq) if period else None, fr=fr,
                        kpis=list(KPIS if kpis is None else kpis))


def catalogue_of(book: TargetBook, *, period: pd.Period | None, fr: str, kpis: list[str]) -> pd.DataFrame:
    """:func:`check_catalogue` on a :class:`TargetBook` already read (``period`` None: any target)."""
    table, cfg = book.table, book.config
    names = list(dict.fromkeys(kpis + ([] if table is None else list(dict.fromkeys(table["kpi"])))
                               + list(cfg)))
    rows = []
    for kpi in names:
        meta = book.meta(kpi, period if period is not None else pd.Period("2100-01", fr))
        if period is not None:
            target = book.target(kpi, period).value
        else:
            has = (table is not None and (table["kpi"] == kpi).any()) or (cfg.get(kpi) or {}).get("target") \
                is not None
            target = 1.0 if has else float("nan")
        row = {"kpi": kpi, "owner": meta["owner"], "target": None if is_missing(target) else float(target),
               "direction": meta["direction"], "period": meta["period"], "perspective": meta["perspective"],
               "known": kpi in SPEC}
        missing = [f for f in ("owner", "target", "direction", "period", "perspective") if row[f] is None]
        row["missing"] = ", ".join(missing)
        row["complete"] = not missing
        rows.append(row)
    return pd.DataFrame(rows)
