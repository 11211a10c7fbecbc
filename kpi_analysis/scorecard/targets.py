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
from ..core.periods import parse_period
from .spec import DEFAULTS, KPIS, SPEC, is_missing, pandas_freq, period_of, period_text

__all__ = ["Target", "TargetBook", "catalogue_of", "check_catalogue", "config_targets", "targets_table", "tolerance_for",
           "zero_band_for"]


class Target(NamedTuple):
    """A KPI's target for one period: ``value`` (NaN without one), ``how`` it was found ("table", "months",
    "coarser", "prorated", "config", "" for none), ``of`` (the target periods it was taken from, comma-separated
    canonical texts) and, for "prorated", the ``days`` of the period the data cover out of ``total`` days."""
    value: float
    how: str = ""
    of: str | None = None
    days: int | None = None
    total: int | None = None

    @property
    def source(self) -> str | None:
        """The table's ``target_source``: "table", "months", "config", "coarser:<periods>",
        "prorated:<periods>" or None."""
        if not self.how:
            return None
        return f"{self.how}:{self.of}" if self.how in ("coarser", "prorated") else self.how


def config_targets(config) -> dict[str, dict]:
    """``targets:`` of workbook.yml as {kpi: {target, direction, perspective, owner, period, tolerance, zero_band}}.

    Accepted shapes: ``{kpi: number}`` or ``{kpi: {target: number | {period: number}, direction: ...,
    perspective: ..., owner: ..., period: monthly, tolerance: 0.05, zero_band: 5}}``. Periods of a target
    mapping are written as report periods ("2026-10", "2026-Q4", "2026"); ``zero_band`` is the amber band for a
    target of 0, in the KPI's own unit (see :func:`~kpi_analysis.scorecard.stats.status`).

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
        allowed = {"target", "direction", "perspective", "owner", "period", "tolerance", "zero_band"}
        if extra := set(spec) - allowed:
            raise ValueError(f"targets.{kpi}: unknown key(s) {sorted(extra)}; allowed {sorted(allowed)}.")
        if spec.get("direction") is not None:
            check_choice(spec["direction"], name=f"targets.{kpi}.direction", options=DIRECTIONS)
        if spec.get("perspective") is not None:
            check_choice(spec["perspective"], name=f"targets.{kpi}.perspective", options=PERSPECTIVES)
        band = spec.get("zero_band")
        if band is not None and (isinstance(band, bool) or not isinstance(band, (int, float)) or band < 0):
            raise ValueError(f"targets.{kpi}.zero_band must be a number >= 0 in the KPI's own unit (the amber band "
                             f"when the target is 0, e.g. 5 NPS points or 0.02 for a share); got {band!r}.")
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


class _Entry(NamedTuple):
    """One target as set: its period, value, first and last day, the text it is named by and where it is set
    ("table": ``kpi_targets``, "config": workbook.yml)."""
    period: pd.Period
    value: float
    start: pd.Timestamp
    end: pd.Timestamp
    text: str
    source: str = "table"


def _entry(q: pd.Period, value: float, source: str = "table") -> _Entry:
    return _Entry(q, float(value), q.start_time.normalize(), q.end_time.normalize(), period_text(q), source)


def _days(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return int((end - start).days) + 1


@dataclass(frozen=True, eq=False)
class TargetBook:
    """Targets and KPI metadata from ``kpi_targets`` (checked, or None) and the config's ``targets``."""
    table: pd.DataFrame | None
    config: dict
    periods: dict = field(default_factory=dict)  # kpi -> [_Entry], kpi_targets first, then the config's periods

    @classmethod
    def read(cls, targets: pd.DataFrame | None, config: Mapping | None) -> TargetBook:
        """Check and parse ``kpi_targets`` and the config's ``targets`` once."""
        table = targets_table(targets)
        cfg = config_targets(config)
        book: dict[str, list[_Entry]] = {}
        if table is not None:
            for kpi, s, v in zip(table["kpi"], table["period"], table["target"], strict=True):
                if pd.notna(v):
                    book.setdefault(str(kpi), []).append(_entry(_table_period(s), v))
        for kpi, spec in cfg.items():  # {period: value} in the config: where kpi_targets has no row for it
            if isinstance(spec.get("target"), Mapping):
                have = {e.text for e in book.get(kpi, [])}
                for text, v in spec["target"].items():
                    try:
                        q = parse_period(str(text))
                    except (TypeError, ValueError) as err:
                        raise ValueError(f"targets.{kpi}.target: {err}") from None
                    if q.kind == "week":
                        raise ValueError(f"targets.{kpi}.target: targets are set for months, quarters or years; "
                                         f"got the week {text!r}.")
                    if v is not None and not is_missing(v) and q.text not in have:
                        book.setdefault(kpi, []).append(_entry(q.to_pandas(), float(v), "config"))
        return cls(table=table, config=cfg, periods=book)

    def unknown_kpis(self) -> list[str]:
        """KPI ids in ``kpi_targets`` the scorecard does not compute."""
        return [] if self.table is None else sorted(set(self.table["kpi"]) - set(SPEC))

    def target(self, kpi: str, p: pd.Period, *, until: pd.Timestamp | None = None) -> Target:
        """Target of ``kpi`` for period ``p`` (a pandas ``Period`` of a week, month, quarter or year).

        In order: the target set for ``p`` itself; for a quarter or a year, its months' targets combined
        (sum for totals, mean for rates, last for stocks); else the targets covering every day of ``p``,
        finest first, pro rata by days (a week that spans two months takes each month's share of its
        days: totals add the months' daily shares, rates take the day-weighted mean, stocks the target
        of the last day); else the config's number.

        ``until`` (a day inside a quarter or a year): the data end that day, before the period does, and
        a partial report was asked for. The target then covers the days up to ``until`` only: a total's
        target is pro-rated to those days, a rate's is the mean over them, a stock's that of the last of
        them (how "prorated", with ``days`` and ``total``). Without ``until`` no target is pro-rated.
        """
        rule = SPEC[kpi].combine if kpi in SPEC else "mean"
        per = self.periods.get(kpi) or []
        start, end = p.start_time.normalize(), p.end_time.normalize()
        cut = end if until is None else min(end, max(start, pd.Timestamp(until).normalize()))
        partial = cut < end
        if per:
            kind = p.freqstr[0]
            exact = [e for e in per if e.period.freqstr[0] == kind and e.period == p]
            if exact and not partial:
                return Target(exact[0].value, exact[0].source)
            if exact:  # a quarter's or a year's own target, for the days the data cover
                v = exact[0].value * (_days(start, cut) / _days(start, end) if rule == "sum" else 1.0)
                return Target(float(v), "prorated", exact[0].text, _days(start, cut), _days(start, end))
            if kind in ("Q", "Y"):
                months = {e.period: e for e in per if e.period.freqstr[0] == "M" and start <= e.start and e.end <= end}
                if all(m in months for m in pd.period_range(start, end, freq="M")):
                    if not partial:
                        vals = [months[m].value for m in sorted(months)]
                        if rule == "sum":
                            return Target(float(sum(vals)), "months")
                        return Target(vals[-1] if rule == "last" else float(np.mean(vals)), "months")
                    got = self._by_days([months[m] for m in sorted(months)], start, cut, rule)
                    if got is not None:
                        return Target(got[0], "prorated", got[1], _days(start, cut), _days(start, end))
            got = self._by_days(per, start, cut, rule)
            if got is not None:
                if partial:
                    return Target(got[0], "prorated", got[1], _days(start, cut), _days(start, end))
                return Target(got[0], "coarser", got[1])
        target = (self.config.get(kpi) or {}).get("target")
        if target is not None and not isinstance(target, Mapping) and not is_missing(target):
            return Target(float(target), "config")
        return Target(float("nan"))

    @staticmethod
    def _by_days(entries: list[_Entry], start: pd.Timestamp, end: pd.Timestamp, rule: str):
        """(target, the periods it comes from) over the days ``start``..``end``, each day taking the finest target
        that covers it (a month before its quarter), pro rata by days; None when a day has no target."""
        days = pd.date_range(start, end, freq="D")
        finest = sorted((e for e in entries if e.start <= end and e.end >= start),
                        key=lambda e: (e.end - e.start, e.start))
        if not len(days) or not finest:
            return None
        owner = np.full(len(days), -1)
        for i, e in enumerate(finest):
            owner[(owner < 0) & (days >= e.start) & (days <= e.end)] = i
        if (owner < 0).any():
            return None
        used = sorted(set(owner.tolist()), key=lambda i: finest[i].start)
        counts = {i: int((owner == i).sum()) for i in used}
        if rule == "sum":
            value = sum(finest[i].value * counts[i] / _days(finest[i].start, finest[i].end) for i in used)
        elif rule == "last":
            value = finest[owner[-1]].value
        else:
            value = sum(finest[i].value * counts[i] for i in used) / len(days)
        return float(value), ",".join(finest[i].text for i in used)

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


def zero_band_for(kpi: str, cfg_targets: dict) -> float | None:
    """Amber band of ``kpi`` for a target of 0, in the KPI's own unit: ``targets.<kpi>.zero_band`` (None: no
    amber band, a miss of a zero target is red and the scorecard notes how to set one).

    >>> zero_band_for("enps", {"enps": {"target": 0, "zero_band": 5}}), zero_band_for("nps", {})
    (5.0, None)
    """
    band = (cfg_targets.get(kpi) or {}).get("zero_band")
    return None if band is None else float(band)


@renamed(targets="data")
@keyword_only("config")
def check_catalogue(data: pd.DataFrame | None = None, *, config: Mapping | None = None, period: str = "",
                    kpis: Sequence[str] | None = None, freq: str | None = None) -> pd.DataFrame:
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
        Report period ("2026-10", "2026-W43", "2026-Q3", "2026"): "target" means a target for that
        period. Empty: any target.
    kpis : list of str, optional
        KPI ids the scorecard computes (default: all of them).
    freq : {"M", "Q", "W", "Y"}, optional
        Deprecated, as in :func:`~kpi_analysis.scorecard.build`: the period says its kind.

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
    if freq is not None:
        import warnings

        pandas_freq(freq)
        warnings.warn("check_catalogue(): freq= is deprecated: the period says its kind ('2026-10', '2026-W43', "
                      "'2026-Q3', '2026'); freq= stops working in the next release.", DeprecationWarning,
                      stacklevel=4)  # past the renamed() and keyword_only() wrappers
    p = None
    if period:
        p = (period_of(period, freq) if freq is not None else parse_period(period).to_pandas())
    book = TargetBook.read(data, config)
    return catalogue_of(book, period=p, fr=pandas_freq(freq or (parse_period(period).freq if period else "M")),
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
