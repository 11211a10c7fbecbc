"""The public functions of the NPS analysis: one estimate, two compared, what-if, sample size, categories.

Each checks its arguments, checks the data, reduces rows (pandas or Ibis) with
:func:`kpi_analysis.nps.reduce` (or takes its counts table), computes with
:mod:`kpi_analysis.nps.stats` and builds the result. :func:`~kpi_analysis.nps.segment` is in
:mod:`~kpi_analysis.nps.segments`, :func:`~kpi_analysis.nps.trend` in :mod:`~kpi_analysis.nps.trends`.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence
from ..core.deprecation import renamed
from ..core.results import excluded as excluded_item
from ..core.results import note
from . import stats
from .checks import as_list, band_labels, check_common, iso_day, month_bounds, parse_scores, tenure_days
from .constants import (
    CATEGORIES,
    COUNT_COLUMNS,
    DEFAULT_N_BOOT,
    DEFAULT_SEED,
    POLICY_DEFAULTS,
    TABLE,
    TENURE_BANDS,
)
from .present import segment_label
from .reduce import reduce, reduced_table
from .results import Codes, NPSComparison, NPSEstimate, NPSWhatIf

__all__ = ["categorize", "compare", "counts", "estimate", "from_counts", "make_estimate", "plain", "sample_size",
           "tenure_band", "what_if"]


def plain(x) -> float:
    """A plain Python float (NaN stays NaN)."""
    return float(x) if x is not None else float("nan")


def _as_series(scores) -> pd.Series:
    if isinstance(scores, pd.Series):
        return scores
    return pd.Series(scores if isinstance(scores, np.ndarray) else list(scores))


# ---------------------------------------------------------------------------------------------------
# answers -> categories, tenure bands, the deprecated name of the reduction


def categorize(scores, *, blank: str = "exclude") -> pd.Series:
    """Detractor / passive / promoter for each 0-10 answer.

    Parameters
    ----------
    scores : array-like or pandas.Series
        Answers 0-10 (numbers, or text holding numbers). Blank and non-numeric answers become
        missing (``blank="exclude"``) or raise (``blank="fail"``).
    blank : {"exclude", "fail"}, default "exclude"
        What to do with blank or non-numeric answers.

    Returns
    -------
    pandas.Series
        Categorical with categories ``detractor`` (0-6), ``passive`` (7-8), ``promoter`` (9-10), on the
        index of ``scores``; missing where the answer was blank or non-numeric.

    Raises
    ------
    ValueError
        A score outside 0-10 or not a whole number (the message names the rows).

    Examples
    --------
    >>> categorize([0, 6, 7, 8, 9, 10, None]).tolist()
    ['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter', nan]
    """
    s = _as_series(scores)
    num, _, _ = parse_scores(s, blank=blank, column=str(s.name or "score"))
    codes = np.select([num <= 6, num <= 8, num <= 10], [0, 1, 2], default=-1)
    codes = np.where(num.isna().to_numpy(), -1, codes)
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(CATEGORIES)), index=s.index, name=s.name)


@renamed(responses="data")
def tenure_band(data: pd.DataFrame, *, bands: Sequence[int] = TENURE_BANDS, date: str = "responded_at",
                since: str = "customer_since") -> pd.Series:
    """Days between ``customer_since`` and the answer, binned into ordered bands.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of ``nps_responses`` with the ``date`` and ``since`` columns (called ``responses``
        before; that name still works, with a ``DeprecationWarning``).
    bands : sequence of int, default (0, 90, 180, 365, 730)
        Left edges in days; the last band is open-ended. The default separates the first 3 months
        (the source advises surveying 3-6 months after purchase) from later answers.
    date, since : str
        Answer date and customer-since date columns.

    Returns
    -------
    pandas.Series
        Ordered categorical named ``tenure_band`` with labels ``"0-89"``, ``"90-179"``, ..., ``"730+"``
        (days).

    Examples
    --------
    >>> rows = pd.DataFrame({"responded_at": pd.to_datetime(["2026-03-01", "2026-10-01"]),
    ...                      "customer_since": pd.to_datetime(["2026-01-01", "2024-01-01"])})
    >>> tenure_band(rows).tolist()
    ['0-89', '730+']
    """
    days = tenure_days(data, date=date, since=since)
    labels = band_labels(bands)
    cut = pd.cut(days, bins=[int(b) for b in bands] + [np.inf], right=False, labels=labels)
    return pd.Series(pd.Categorical(cut, categories=labels, ordered=True), index=data.index, name="tenure_band")


def counts(*args, **kwargs) -> pd.DataFrame:
    """Deprecated name of :func:`kpi_analysis.nps.reduce` (same arguments); it stops working in the next release.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     counts(pd.DataFrame({"score": [10, 3]}))["n"].tolist()
    [2]
    """
    warnings.warn("nps.counts() is now nps.reduce() (same arguments); the old name stops working in the next "
                  "release.", DeprecationWarning, stacklevel=2)
    return reduce(*args, **kwargs)


# ---------------------------------------------------------------------------------------------------
# one estimate, two estimates


def make_estimate(c: np.ndarray, *, method, confidence, seed, n_boot, min_n, excluded=()) -> NPSEstimate:
    """The :class:`NPSEstimate` of one row of counts ``c`` (detractors, passives, promoters), with its note
    codes (``no_answers``, ``small_sample``, ``zero_variance``, ``ci_clipped``, ``ci_widened``) and
    ``excluded``."""
    r = stats.intervals(c.reshape(1, 3), method=method, confidence=confidence, seed=seed, n_boot=n_boot)
    n = int(c.sum())
    notes = []
    if n == 0:
        notes.append(note("no_answers"))
    elif n < min_n:
        notes.append(note("small_sample", min_n=min_n))
    if r["zero_variance"][0]:
        notes.append(note("zero_variance"))
    if r["clipped"][0]:
        notes.append(note("ci_clipped"))
    if r["widened"][0]:
        notes.append(note("ci_widened"))
    random = method == "bootstrap"
    return NPSEstimate(nps=plain(r["nps"][0]), se=plain(r["se"][0]), ci_low=plain(r["ci_low"][0]),
                       ci_high=plain(r["ci_high"][0]), n=n, detractors=int(c[0]), passives=int(c[1]),
                       promoters=int(c[2]), method=method, confidence=confidence, min_n=min_n,
                       seed=seed if random else None, n_boot=n_boot if random else None,
                       excluded=Codes.of(excluded), notes=Codes(notes))


def from_counts(detractors, passives, promoters, *, method: str = "adjusted_wald", confidence: float = 0.95,
                min_n: int = 30, seed: int = DEFAULT_SEED, n_boot: int = DEFAULT_N_BOOT) -> NPSEstimate:
    """NPS and its interval from the three counts.

    Parameters
    ----------
    detractors, passives, promoters : int
        Answer counts (0-6, 7-8, 9-10).
    method : {"adjusted_wald", "wald", "bootstrap"}, default "adjusted_wald"
        Interval method; adjusted Wald (Rocks 2016) has the best coverage for small samples.
    confidence : float, default 0.95
        Two-sided confidence level of the interval, as a fraction.
    min_n : int, default 30
        Below this many answers the estimate carries the note ``small_sample``.
    seed : int, default 20261028
        Seed of the bootstrap (recorded in the result when ``method="bootstrap"``).
    n_boot : int, default 2000
        Bootstrap resamples.

    Returns
    -------
    NPSEstimate
        ``nps`` (observed, points), ``se``, ``ci_low``, ``ci_high`` (points, clipped to -100..100 with
        the note ``ci_clipped`` when the formula goes past them), ``n``, the three counts, ``method``,
        ``confidence``, ``notes`` (codes).

    Notes
    -----
    Wald: with p, d the promoter and detractor shares, SE = sqrt((p + d - (p - d)^2) / n); the
    interval is NPS +/- z SE. Adjusted Wald adds (0.75, 1.5, 0.75) to the counts first and uses
    n + 3. Checked against the tests of the R package ``NPS`` (Rocks): counts (1, 2, 3) give NPS 33.3
    and SE 30.4. When every answer falls in one category, the Wald and bootstrap intervals collapse
    to a point: they are reported as NaN with the note ``zero_variance`` rather than as a zero-width
    interval. Without answers there is no estimate: NPS, SE and interval are NaN (note
    ``no_answers``). The adjusted interval is centred towards 0 from the observed score; when that
    leaves the observed score outside (a single answer, at 95%), the interval is stretched to it
    (note ``ci_widened``), so an interval always holds its estimate.

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score". The American Statistician,
    70(4), 365-372.

    Examples
    --------
    >>> est = from_counts(1, 2, 3, method="wald")
    >>> round(est.nps, 2), round(est.se, 1), est.notes.codes()
    (33.33, 30.4, ['small_sample'])
    >>> round(from_counts(20, 30, 50).ci_low, 1)
    14.1
    >>> one = from_counts(0, 0, 1)
    >>> one.nps, round(one.ci_low, 1), one.ci_high, one.notes.codes()
    (100.0, -48.5, 100.0, ['small_sample', 'ci_widened'])
    """
    confidence, seed, n_boot, min_n = check_common(method, confidence, seed, n_boot, min_n)
    values = []
    for name, v in (("detractors", detractors), ("passives", passives), ("promoters", promoters)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float, np.floating)) or not (
                np.isfinite(v) and v >= 0 and float(v) == int(v)):
            raise ValueError(f"{name} must be a whole number >= 0; got {v!r}.")
        values.append(int(v))
    return make_estimate(np.array(values, dtype="float64"), method=method, confidence=confidence,
                          seed=seed, n_boot=n_boot, min_n=min_n)


def estimate(scores, *, method: str = "adjusted_wald", confidence: float = 0.95, blank: str = "exclude",
             min_n: int = 30, seed: int = DEFAULT_SEED, n_boot: int = DEFAULT_N_BOOT) -> NPSEstimate:
    """NPS and its interval from raw 0-10 answers.

    Parameters
    ----------
    scores : array-like or pandas.Series
        Answers 0-10.
    method, confidence, min_n, seed, n_boot
        As in :func:`from_counts`.
    blank : {"exclude", "fail"}, default "exclude"
        Blank / non-numeric answers are counted in ``excluded`` and left out, or raise.

    Returns
    -------
    NPSEstimate
        See :func:`from_counts`; ``excluded`` counts the codes ``blank_score`` and ``non_numeric_score``.

    Examples
    --------
    >>> est = estimate([10, 9, 9, 8, 7, 3, None])
    >>> round(est.nps, 1), est.n, est.excluded
    (33.3, 6, ({'code': 'blank_score', 'n': 1},))
    """
    confidence, seed, n_boot, min_n = check_common(method, confidence, seed, n_boot, min_n)
    s = _as_series(scores)
    num, is_blank, non_numeric = parse_scores(s, blank=blank, column=str(s.name or "score"))
    cats = np.select([num <= 6, num <= 8], [0, 1], default=2)[num.notna().to_numpy()]
    c = np.bincount(cats, minlength=3).astype("float64")
    excluded = [excluded_item("blank_score", is_blank.sum()), excluded_item("non_numeric_score", non_numeric.sum())]
    return make_estimate(c, method=method, confidence=confidence, seed=seed, n_boot=n_boot, min_n=min_n,
                          excluded=[e for e in excluded if e["n"]])


def compare(a: NPSEstimate, b: NPSEstimate, *, confidence: float | None = None) -> NPSComparison:
    """Test whether two independent groups' NPS differ: a minus b, in points.

    Parameters
    ----------
    a, b : NPSEstimate
        Estimates made with the same ``method`` (from :func:`estimate` or :func:`from_counts`).
    confidence : float, optional
        Confidence level of the interval and the significance flag; ``a.confidence`` by default.

    Returns
    -------
    NPSComparison
        ``difference`` (observed NPS a - NPS b), ``se``, ``ci_low``, ``ci_high``, ``statistic`` (z;
        NaN for bootstrap), ``p_value`` (two-sided), ``significant`` (p < 1 - confidence), both NPS and n.

    Notes
    -----
    Wald and adjusted Wald: z = (c_a - c_b) / sqrt(se_a^2 + se_b^2) with c the (adjusted) centres; the
    interval is (c_a - c_b) +/- z_crit * se, so the p-value and the interval agree. With adjusted
    Wald each group gets the (0.75, 1.5, 0.75) pseudo-counts (Lewis & Sauro). Bootstrap: percentile
    interval of the resampled differences and the p-value that inverts it. The groups must be
    independent (different respondents).

    Examples
    --------
    >>> res = compare(from_counts(40, 30, 30), from_counts(20, 30, 50))
    >>> round(res.difference), res.significant
    (-40, True)
    """
    for name, est in (("a", a), ("b", b)):
        if not isinstance(est, NPSEstimate):
            raise TypeError(f"compare: {name} must be an NPSEstimate (from nps.estimate or nps.from_counts); "
                            f"got {type(est).__name__}.")
    if a.method != b.method:
        raise ValueError(f"compare: a and b use different methods ({a.method!r} vs {b.method!r}); "
                         "estimate both with the same method.")
    confidence = check_confidence(a.confidence if confidence is None else confidence)
    seed = a.seed if a.seed is not None else DEFAULT_SEED
    n_boot = a.n_boot or DEFAULT_N_BOOT
    r = stats.difference(a.counts.reshape(1, 3), b.counts.reshape(1, 3), method=a.method, confidence=confidence,
                         seed=seed, n_boot=n_boot)
    notes = []
    if min(a.n, b.n) < min(a.min_n, b.min_n):
        notes.append(note("small_sample", min_n=min(a.min_n, b.min_n)))
    if not np.isfinite(r["p_value"][0]) and min(a.n, b.n) > 0:
        notes.append(note("zero_variance"))
    if r["clipped"][0]:
        notes.append(note("ci_clipped"))
    p = plain(r["p_value"][0])
    random = a.method == "bootstrap"
    return NPSComparison(difference=plain(r["difference"][0]), se=plain(r["se"][0]),
                         ci_low=plain(r["ci_low"][0]), ci_high=plain(r["ci_high"][0]),
                         statistic=plain(r["statistic"][0]), p_value=p,
                         significant=bool(np.isfinite(p) and p < 1 - confidence), nps_a=a.nps, nps_b=b.nps,
                         n_a=a.n, n_b=b.n, method=a.method, confidence=confidence,
                         seed=seed if random else None, n_boot=n_boot if random else None, notes=Codes(notes))


# ---------------------------------------------------------------------------------------------------
# what-if and sample size


def _what_if_counts(data, keys, policies) -> pd.DataFrame:
    """Counts per segment (one row without ``by``) from an estimate, rows or a counts table."""
    if isinstance(data, NPSEstimate):
        if keys:
            raise ValueError("what_if: by needs rows or a counts table, not a single NPSEstimate.")
        return pd.DataFrame([data.counts], columns=COUNT_COLUMNS)
    if unknown := sorted(set(policies) - set(POLICY_DEFAULTS)):
        raise TypeError(f"what_if: unknown argument(s) {unknown}.")
    table, _, _ = reduced_table(data, keys=keys, freq=None, policies=policies, analysis="what_if")
    if "early" in table.columns:
        table = table.loc[~table["early"].astype(bool)]
    return (table.groupby(keys, observed=True, sort=True)[COUNT_COLUMNS].sum() if keys
            else table[COUNT_COLUMNS].sum().to_frame().T)


def what_if(data, *, share: float = 0.1, to: str = "passive", by=None, **policies) -> NPSWhatIf:
    """What the NPS would be if ``share`` of detractors became passives or promoters.

    Parameters
    ----------
    data : pandas.DataFrame, ibis.Table or NPSEstimate
        Rows of ``nps_responses`` (pandas or Ibis), the output of :func:`reduce`, or one estimate
        (overall only).
    share : float, default 0.1
        Fraction of detractors (0-1) that change their answer.
    to : {"passive", "promoter"}, default "passive"
        What they become.
    by : str or list of str, optional
        Segment column(s): the table then shows, per segment, the overall gain if only that segment's
        detractors changed, beside its ``impact`` on the total.
    **policies
        Reduction policies for rows (see :func:`reduce`).

    Returns
    -------
    NPSWhatIf
        ``nps`` now, ``nps_if``, ``gain`` (points) and the per-segment ``table``.

    Notes
    -----
    Arithmetic on the counts, no sampling model: moving m = share x detractors to passives raises NPS
    by 100 m / n points, to promoters by 200 m / n.

    Examples
    --------
    >>> res = what_if(from_counts(30, 30, 40), share=0.5, to="promoter")
    >>> res.nps, res.nps_if
    (10.0, 40.0)
    """
    check_choice(to, name="to", options=("passive", "promoter"))
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise ValueError(f"share must be a fraction between 0 and 1; got {share!r}.")
    share = float(share)
    keys = as_list(by)
    grouped = _what_if_counts(data, keys, policies)
    c = grouped.to_numpy(dtype="float64")
    total = c.sum(axis=0)
    n = total.sum()
    if n == 0:
        raise ValueError(f"{TABLE}: no scored answers to analyse.")
    weight = 2.0 if to == "promoter" else 1.0
    nps_now = float((total[2] - total[0]) / n * 100)
    nps_if = nps_now + weight * share * total[0] / n * 100
    tab = pd.DataFrame()
    if keys:
        seg_n = c.sum(axis=1)
        tab = grouped.index.to_frame(index=False)
        if keys != ["segment"]:
            tab["segment"] = [segment_label(r, keys) for _, r in tab.iterrows()]
        tab["n"] = seg_n.astype("int64")
        tab["detractors"] = c[:, 0].astype("int64")
        tab["nps"] = stats.point(c) * 100
        tab["nps_if"] = tab["nps"] + weight * share * c[:, 0] / np.where(seg_n > 0, seg_n, 1) * 100
        tab["impact"] = nps_now - stats.point(total - c) * 100
        tab["gain"] = weight * share * c[:, 0] / n * 100
        tab["total_if"] = nps_now + tab["gain"]
    lo, hi = month_bounds(policies.get("start"), policies.get("end"))
    return NPSWhatIf(nps=nps_now, nps_if=float(nps_if), gain=float(nps_if - nps_now), share=share, to=to,
                     n=int(n), by=tuple(keys), table=tab, start=iso_day(lo), end=iso_day(hi))


def sample_size(margin: float, *, promoters: float = 1 / 3, detractors: float = 1 / 3,
                confidence: float = 0.95, method: str = "adjusted_wald") -> int:
    """Answers needed for an NPS interval of +/- ``margin`` points.

    Parameters
    ----------
    margin : float
        Half-width of the interval, in NPS points (e.g. 5 for +/- 5).
    promoters, detractors : float, default 1/3 each
        Expected shares (a previous survey's, or 1/3 each as MeasuringU's planning value; 0.5 each is
        the worst case).
    confidence : float, default 0.95
        Two-sided confidence level.
    method : {"adjusted_wald", "wald"}, default "adjusted_wald"
        Adjusted Wald subtracts the 3 pseudo-answers the interval adds.

    Returns
    -------
    int
        n = ceil(z^2 s^2 / E^2 - 3) for adjusted Wald (ceil(z^2 s^2 / E^2) for Wald), with
        s^2 = p + d - (p - d)^2 and E = margin / 100.

    References
    ----------
    Sauro, J. & Lewis, J. R. Sample size estimation for NPS confidence intervals. MeasuringU.

    Examples
    --------
    >>> sample_size(5)
    1022
    """
    check_choice(method, name="method", options=("adjusted_wald", "wald"))
    confidence = check_confidence(confidence)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin <= 200:
        raise ValueError(f"margin must be a number of NPS points in (0, 200]; got {margin!r}.")
    for name, v in (("promoters", promoters), ("detractors", detractors)):
        if not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise ValueError(f"{name} must be a share between 0 and 1; got {v!r}.")
    if promoters + detractors > 1 + 1e-12:
        raise ValueError(f"promoters + detractors must not exceed 1; got {promoters} + {detractors}.")
    s2 = promoters + detractors - (promoters - detractors) ** 2
    n = stats.z_value(confidence) ** 2 * s2 / (margin / 100) ** 2 - (3 if method == "adjusted_wald" else 0)
    return max(1, math.ceil(n - 1e-9))
