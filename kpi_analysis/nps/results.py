"""The frozen result classes of the NPS analysis, and :class:`Codes`, the notes and exclusions they carry.

Headline numbers are fields (plain floats and ints); ``table`` holds the detail; ``summary(locale)``,
``plot(ax)`` and the sentences come from :mod:`kpi_analysis.nps.present`.
"""
from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from ..core.results import ResultMixin, jsonable
from . import present

__all__ = ["Codes", "NPSComparison", "NPSEstimate", "NPSPeriod", "NPSSegments", "NPSTrend", "NPSWhatIf"]


class Codes(tuple):
    """Notes or exclusions as data: a tuple of dicts with a ``code`` and values.

    Made with :func:`kpi_analysis.core.results.note` / :func:`~kpi_analysis.core.results.excluded`,
    worded by :mod:`kpi_analysis.nps.present`. ``"blank_score" in codes`` asks by code; ``codes()`` lists
    the codes; ``as_dict()`` gives exclusions as ``{code: n}`` (the form headlines record).

    Earlier releases held exclusions as a dict ``{code: n}``; ``get(code)`` and ``codes[code]`` still
    read it that way, with a ``DeprecationWarning``, for one release.

    Examples
    --------
    >>> from kpi_analysis.core.results import excluded
    >>> ex = Codes([excluded("blank_score", 12), excluded("early_answer", 3, days=90)])
    >>> "blank_score" in ex, ex.codes(), ex.as_dict()
    (True, ['blank_score', 'early_answer'], {'blank_score': 12, 'early_answer': 3})
    """

    __slots__ = ()

    @classmethod
    def of(cls, value) -> Codes:
        """Codes from codes, a sequence of dicts, or an earlier release's ``{code: n}`` dict."""
        if isinstance(value, dict):
            return cls({"code": str(k), "n": int(v)} for k, v in value.items())
        return cls(dict(v) for v in (value or ()))

    def codes(self) -> list[str]:
        return [item["code"] for item in self]

    def as_dict(self) -> dict[str, int]:
        """``{code: n}`` of exclusions (items without a count are left out)."""
        return {item["code"]: int(item["n"]) for item in self if "n" in item}

    def plus(self, item: dict) -> Codes:
        """These codes with ``item`` added: its ``n`` is summed into an item with the same code."""
        out, found = [], False
        for old in self:
            if old["code"] == item["code"]:
                old, found = {**old, **item, "n": int(old.get("n", 0)) + int(item.get("n", 0))}, True
            out.append(old)
        return Codes(out if found else [*out, dict(item)])

    def __contains__(self, code) -> bool:
        if isinstance(code, str):
            return any(item["code"] == code for item in self)
        return tuple.__contains__(self, code)

    def get(self, code: str, default=None):
        """Deprecated: the count of exclusion ``code`` (``default`` when absent), as the old dict gave it."""
        _warn_dict_read()
        return self.as_dict().get(code, default)

    def __getitem__(self, key):
        if isinstance(key, str):
            _warn_dict_read()
            return self.as_dict()[key]
        return tuple.__getitem__(self, key)


def _warn_dict_read() -> None:
    warnings.warn("nps results: excluded is now a tuple of codes with counts; read counts with "
                  ".excluded.as_dict() (the dict form stops working in the next release).", DeprecationWarning,
                  stacklevel=3)


@dataclass(frozen=True)
class NPSEstimate(ResultMixin):
    """One Net Promoter Score with its interval (points, -100..100).

    ``nps`` is the observed score (% promoters - % detractors). For ``adjusted_wald`` the interval
    and ``se`` come from the pseudo-count adjusted proportions, so the interval is centred slightly
    towards 0 from ``nps``. ``notes`` holds codes: ``small_sample`` (with ``min_n``), ``ci_clipped``,
    ``zero_variance``, ``no_answers``; ``excluded`` the answers left out (codes with counts).
    """
    nps: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    detractors: int
    passives: int
    promoters: int
    method: str
    confidence: float
    min_n: int = 30
    seed: int | None = None
    n_boot: int | None = None
    excluded: Codes = field(default_factory=Codes)
    notes: Codes = field(default_factory=Codes)

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in self.headline().items() if not isinstance(v, (dict, list))}])

    @property
    def counts(self) -> np.ndarray:
        return np.array([self.detractors, self.passives, self.promoters], dtype="float64")

    def headline(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k not in ("excluded", "notes")}
        return jsonable({**out, "excluded": Codes.of(self.excluded).as_dict(), "notes": Codes.of(self.notes).codes()})

    def summary(self, locale: str = "en") -> str:
        return present.estimate_summary(self, locale)

    def plot(self, ax=None, locale: str = "en"):
        return present.plot_estimate(self, ax=ax, locale=locale)


@dataclass(frozen=True)
class NPSPeriod(ResultMixin):
    """The NPS of a report period: the period's own answers, or the trailing window's when it has too few.

    ``period`` ("2026-W43"), ``kind``, ``start`` and ``end`` (its first and last day, ISO dates),
    ``period_n`` (the period's own answers), ``window`` ("period": the headline is the period's own
    answers; "trailing": the trailing 3 months', 13 weeks' for a week), ``window_start``,
    ``window_end`` (the answers the headline uses), ``estimate`` (the headline :class:`NPSEstimate`),
    ``period_estimate`` (the period's own answers, kept for the detail table; not a headline when the
    window is trailing), ``notes`` (``few_period_answers``), ``excluded`` (codes).
    """
    period: str
    kind: str
    start: str
    end: str
    period_n: int
    window: str
    window_start: str
    window_end: str
    min_period_n: int
    estimate: NPSEstimate
    period_estimate: NPSEstimate
    notes: Codes = field(default_factory=Codes)
    excluded: Codes = field(default_factory=Codes)

    @property
    def nps(self) -> float:
        return self.estimate.nps

    @property
    def ci_low(self) -> float:
        return self.estimate.ci_low

    @property
    def ci_high(self) -> float:
        return self.estimate.ci_high

    @property
    def n(self) -> int:
        return self.estimate.n

    @property
    def method(self) -> str:
        return self.estimate.method

    @property
    def confidence(self) -> float:
        return self.estimate.confidence

    @property
    def table(self) -> pd.DataFrame:
        """One row for the period's own answers and, when the headline uses it, one for the trailing window."""
        rows = [("period", self.start, self.end, self.period_estimate)]
        if self.window == "trailing":
            rows.append(("trailing", self.window_start, self.window_end, self.estimate))
        return pd.DataFrame([{"window": w, "start": a, "end": b, "n": e.n, "nps": e.nps, "ci_low": e.ci_low,
                              "ci_high": e.ci_high, "headline": w == self.window} for w, a, b, e in rows])

    def headline(self) -> dict:
        return jsonable({
            "period": self.period, "nps": self.nps, "ci_low": self.ci_low, "ci_high": self.ci_high, "n": self.n,
            "period_n": self.period_n, "window": self.window, "window_start": self.window_start,
            "window_end": self.window_end, "min_period_n": self.min_period_n, "method": self.method,
            "confidence": self.confidence, "excluded": Codes.of(self.excluded).as_dict(),
            "notes": Codes.of(self.notes).codes() + Codes.of(self.estimate.notes).codes(),
        })

    def summary(self, locale: str = "en") -> str:
        return present.period_summary(self, locale)

    def plot(self, ax=None, locale: str = "en"):
        return present.plot_estimate(self.estimate, ax=ax, locale=locale)


@dataclass(frozen=True)
class NPSComparison(ResultMixin):
    """NPS(a) - NPS(b) for two independent groups of answers, in points."""
    difference: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    significant: bool
    nps_a: float
    nps_b: float
    n_a: int
    n_b: int
    method: str
    confidence: float
    seed: int | None = None
    n_boot: int | None = None
    notes: Codes = field(default_factory=Codes)

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in self.headline().items() if not isinstance(v, (dict, list))}])

    def headline(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "notes"}
        return jsonable({**out, "notes": Codes.of(self.notes).codes()})

    def summary(self, locale: str = "en") -> str:
        return present.comparison_summary(self, locale)

    def plot(self, ax=None, locale: str = "en"):
        return present.plot_comparison(self, ax=ax, locale=locale)


@dataclass(frozen=True, eq=False)
class NPSSegments(ResultMixin):
    """NPS per segment, each tested against the rest of the respondents.

    ``table`` columns: the ``by`` columns, ``segment`` (label), ``n``, ``detractors``, ``passives``,
    ``promoters``, ``share`` (of all answers), ``nps``, ``se``, ``ci_low``, ``ci_high`` (points),
    ``n_rest``, ``nps_rest`` (the comparison group, see ``reference``), ``difference`` (segment - rest),
    ``diff_low``, ``diff_high``, ``statistic``,
    ``p_value``, ``p_adj``, ``significant``, ``direction`` ("below" / "above" / ""),
    ``small_sample``, ``impact`` (overall NPS minus the overall NPS without the segment, points),
    ``nps_shrunk``, ``shrunk_low``, ``shrunk_high`` (empirical Bayes, points), ``notes`` (the segment's
    note codes, comma-separated). ``start`` and ``end`` (ISO dates, or None) bound the answers read;
    the summary's first sentence names them.
    """
    table: pd.DataFrame
    overall: NPSEstimate
    by: tuple
    method: str
    confidence: float
    adjust: str
    reference: str
    min_n: int
    seed: int
    n_boot: int | None
    prior: dict
    excluded: Codes
    notes: Codes
    early: NPSEstimate | None = None
    early_table: pd.DataFrame | None = None
    early_days: int = 90
    start: str | None = None
    end: str | None = None

    @property
    def significant_below(self) -> list[str]:
        t = self.table
        return t.loc[t["significant"] & (t["direction"] == "below"), "segment"].tolist()

    @property
    def significant_above(self) -> list[str]:
        t = self.table
        return t.loc[t["significant"] & (t["direction"] == "above"), "segment"].tolist()

    def headline(self) -> dict:
        t = self.table
        return jsonable({
            "nps": self.overall.nps, "ci_low": self.overall.ci_low, "ci_high": self.overall.ci_high,
            "n": self.overall.n, "by": list(self.by), "segments": len(t),
            "significant_below": self.significant_below, "significant_above": self.significant_above,
            "small_segments": t.loc[t["small_sample"], "segment"].tolist(),
            "nps_by_segment": dict(zip(t["segment"], t["nps"].round(2))),
            "method": self.method, "confidence": self.confidence, "adjust": self.adjust,
            "reference": self.reference, "seed": self.seed if self.method == "bootstrap" else None,
            "excluded": Codes.of(self.excluded).as_dict(),
            "early_nps": None if self.early is None else self.early.nps,
            "start": self.start, "end": self.end,
            "notes": Codes.of(self.notes).codes(),
        })

    def summary(self, locale: str = "en") -> str:
        return present.segments_summary(self, locale)

    def plot(self, ax=None, kind: str = "nps", locale: str = "en", **kwargs):
        """``kind="nps"``: NPS per segment with interval whiskers (and the shrunken estimate);
        ``kind="distribution"``: diverging stacked bar of detractor / passive / promoter shares."""
        return present.plot_segments(self, ax=ax, kind=kind, locale=locale, **kwargs)


@dataclass(frozen=True, eq=False)
class NPSTrend(ResultMixin):
    """NPS per period and the change from the previous period.

    ``table`` columns: ``period`` (start date), ``n``, the three counts, ``nps``, ``se``, ``ci_low``,
    ``ci_high``, ``change`` (vs the previous period, points), ``change_low``, ``change_high``,
    ``statistic``, ``p_value``, ``p_adj``, ``significant`` (adjusted across all changes),
    ``small_sample``, ``notes``.
    """
    table: pd.DataFrame
    freq: str
    method: str
    confidence: float
    adjust: str
    min_n: int
    seed: int
    n_boot: int | None
    latest_period: str
    latest_nps: float
    latest_change: float
    latest_p_value: float
    latest_p_adj: float
    latest_significant: bool
    excluded: Codes
    early_days: int = 90

    def headline(self) -> dict:
        t = self.table
        sig = t.loc[t["significant"]]
        return jsonable({
            "freq": self.freq, "periods": len(t), "latest_period": self.latest_period,
            "latest_nps": self.latest_nps, "latest_ci_low": t["ci_low"].iloc[-1],
            "latest_ci_high": t["ci_high"].iloc[-1], "latest_n": t["n"].iloc[-1],
            "latest_change": self.latest_change, "latest_p_value": self.latest_p_value,
            "latest_p_adj": self.latest_p_adj, "latest_significant": self.latest_significant,
            "significant_changes": {present.period_label(self.freq, p, "en"): ch
                                    for p, ch in zip(sig["period"], sig["change"])},
            "method": self.method, "confidence": self.confidence, "adjust": self.adjust,
            "excluded": Codes.of(self.excluded).as_dict(),
        })

    def summary(self, locale: str = "en") -> str:
        return present.trend_summary(self, locale)

    def plot(self, ax=None, locale: str = "en", **kwargs):
        """The NPS line with its interval band; significant changes are marked."""
        return present.plot_trend(self, ax=ax, locale=locale, **kwargs)


@dataclass(frozen=True, eq=False)
class NPSWhatIf(ResultMixin):
    """The NPS if a share of detractors changed their answer, overall and segment by segment.

    ``table`` columns: the ``by`` columns, ``segment``, ``n``, ``detractors``, ``nps`` (segment now),
    ``nps_if`` (segment after the change), ``impact`` (overall NPS minus the NPS without the segment),
    ``total_if`` (overall NPS if only this segment's detractors changed), ``gain`` (total_if - overall).
    ``start`` and ``end`` (ISO dates, or None) bound the answers read; the summary names them.
    """
    nps: float
    nps_if: float
    gain: float
    share: float
    to: str
    n: int
    by: tuple
    table: pd.DataFrame
    start: str | None = None
    end: str | None = None

    def headline(self) -> dict:
        return jsonable({"nps": self.nps, "nps_if": self.nps_if, "gain": self.gain, "share": self.share,
                         "to": self.to, "n": self.n, "by": list(self.by),
                         "gain_by_segment": dict(zip(self.table["segment"], self.table["gain"].round(2)))
                         if len(self.table) else {}, "start": self.start, "end": self.end})

    def summary(self, locale: str = "en", *, segments: NPSSegments | None = None) -> str:
        """The sentences; with ``segments`` (an :class:`NPSSegments` of the same answers by the same
        columns) they also name the segments significantly below the others: the ones to understand,
        whatever their size."""
        if segments is not None:
            if not isinstance(segments, NPSSegments):
                raise TypeError(f"segments must be an NPSSegments (from nps.segment); got {type(segments).__name__}.")
            if tuple(segments.by) != tuple(self.by) or (segments.start, segments.end) != (self.start, self.end):
                raise ValueError(f"segments must cover the same answers by the same columns as the what-if: by "
                                 f"{list(segments.by)} from {segments.start} to {segments.end}, against by "
                                 f"{list(self.by)} from {self.start} to {self.end}.")
        return present.whatif_summary(self, locale, segments=segments)

    def plot(self, ax=None, locale: str = "en", **kwargs):
        return present.plot_whatif(self, ax=ax, locale=locale, **kwargs)
