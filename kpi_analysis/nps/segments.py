"""NPS per segment, each against the typical (or all the other) segments, with adjusted p-values and
empirical-Bayes shrinkage: :func:`segment` and its steps."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_not_empty
from ..core.results import note
from . import stats
from .api import make_estimate
from .checks import as_list, check_common, iso_day, month_bounds
from .constants import ADJUSTS, COUNT_COLUMNS, DEFAULT_N_BOOT, DEFAULT_SEED, REFERENCES, TABLE
from .present import segment_label
from .reduce import reduced_table
from .results import Codes, NPSSegments

__all__ = ["segment"]


def _segment_keys(by) -> list[str]:
    keys = as_list(by)
    if not keys:
        raise ValueError("segment: by must name at least one column.")
    if "segment" in keys and len(keys) > 1:
        raise ValueError("segment: a column named 'segment' can only be used on its own (the table uses "
                         "'segment' for the combined label); rename it.")
    return keys


def _split_early(table: pd.DataFrame, keys, *, min_n, **settings):
    """(established customers' counts, NPSEstimate of the early answers, their table) with
    ``early="separate"``; (table, None, None) otherwise."""
    if "early" not in table.columns:
        return table, None, None
    is_early = table["early"].astype(bool)
    ec = table.loc[is_early].groupby(keys, observed=True, sort=True)[COUNT_COLUMNS].sum()
    early_table = ec.reset_index()
    if len(ec):
        single = stats.intervals(ec.to_numpy(dtype="float64"), **settings)
        early_table["n"] = ec.sum(axis=1).to_numpy()
        for k in ("nps", "ci_low", "ci_high"):
            early_table[k] = single[k]
    total = ec.sum(axis=0).to_numpy(dtype="float64") if len(ec) else np.zeros(3)
    return table.loc[~is_early], make_estimate(total, min_n=min_n, **settings), early_table


def _segment_table(c: np.ndarray, *, reference, adjust, min_n, **settings) -> pd.DataFrame:
    """The numbers of every segment (counts in rows of ``c``) against its comparison group."""
    total = c.sum(axis=0)
    single = stats.intervals(c, **settings)
    v = stats.vs_reference(c, reference=reference, adjust=adjust, min_n=min_n, **settings)
    diff, small, significant = v["diff"], v["small"], v["significant"]
    n = c.sum(axis=1)
    tab = pd.DataFrame({
        "n": n.astype("int64"), "detractors": c[:, 0].astype("int64"), "passives": c[:, 1].astype("int64"),
        "promoters": c[:, 2].astype("int64"), "share": n / max(total.sum(), 1),
        "nps": single["nps"], "se": single["se"], "ci_low": single["ci_low"], "ci_high": single["ci_high"],
        "n_rest": v["ref"].sum(axis=1).astype("int64"), "nps_rest": stats.point(v["ref"]) * 100,
        "difference": diff["difference"], "diff_low": np.where(small, np.nan, diff["ci_low"]),
        "diff_high": np.where(small, np.nan, diff["ci_high"]),
        "statistic": np.where(small, np.nan, diff["statistic"]), "p_value": v["p"], "p_adj": v["p_adj"],
        "significant": significant,
        "direction": np.where(significant, np.where(diff["difference"] < 0, "below", "above"), ""),
        "small_sample": small,
        "impact": stats.point(total.reshape(1, 3))[0] * 100 - stats.point(total - c) * 100,
    })
    tab["notes"] = [",".join(code for code, flag in (("small_sample", s), ("zero_variance", z), ("ci_clipped", cl),
                                                      ("ci_widened", w)) if flag)
                    for s, z, cl, w in zip(small, single["zero_variance"], single["clipped"], single["widened"],
                                           strict=True)]
    return tab


def _shrinkage(tab: pd.DataFrame, c: np.ndarray, *, confidence, seed) -> tuple[pd.DataFrame, dict, list]:
    """The table with the empirical-Bayes columns, the fitted prior and the notes it leads to."""
    if len(c) < 3:
        return tab.assign(nps_shrunk=np.nan, shrunk_low=np.nan, shrunk_high=np.nan), {}, [note("too_few_segments")]
    prior = stats.fit_prior(c)
    tab = tab.assign(**stats.shrink(c, np.asarray(prior["alpha"]), confidence, seed))
    return tab, prior, [note("no_between_variation")] if prior["boundary"] else []


def segment(data, *, by="region", method: str = "adjusted_wald", confidence: float = 0.95,
            adjust: str = "holm", reference: str = "typical", min_n: int = 30, shrink: bool = True,
            seed: int = DEFAULT_SEED, n_boot: int = DEFAULT_N_BOOT, score=None, date=None, customer=None,
            since=None, blank=None, latest_only=None, early_days=None, early=None, start=None,
            end=None) -> NPSSegments:
    """NPS per segment, each against the rest of the respondents, with adjusted p-values.

    Parameters
    ----------
    data : pandas.DataFrame or ibis.Table
        Rows of ``nps_responses`` (a pandas frame, or an Ibis table such as
        ``Workbook.table("nps_responses")``, reduced where it lives), or the output of :func:`reduce`
        (detected by its ``detractors``, ``passives``, ``promoters`` columns; a ``period`` column is
        summed over).
    by : str or list of str, default "region"
        Segment column(s); several columns give their combinations. ``"tenure_band"`` is derived.
    method : {"adjusted_wald", "wald", "bootstrap"}, default "adjusted_wald"
        Interval and test method (see :func:`from_counts` and :func:`compare`).
    confidence : float, default 0.95
        Two-sided confidence level; a segment is significant when its adjusted p < 1 - confidence.
    adjust : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
        Correction across the segments tested (statsmodels ``multipletests``).
    reference : {"typical", "rest"}, default "typical"
        Whom each segment is compared with. ``"rest"``: every other respondent. ``"typical"``: the
        other respondents minus those in segments already found different, found step by step (the
        most significant first). With one very low segment, "rest" makes every large segment look
        "above the rest" because the rest contains the low one; "typical" does not.
    min_n : int, default 30
        Segments with fewer answers (or whose rest has fewer) are flagged ``small_sample`` and not
        tested (p-values NaN, left out of the adjustment family).
    shrink : bool, default True
        Add empirical-Bayes estimates (Dirichlet-multinomial prior fitted across segments, see
        :func:`fit_prior`) beside the raw ones; needs at least 3 segments.
    seed : int, default 20261028
        Seed of the bootstrap and of the credible-interval draws (recorded).
    n_boot : int, default 2000
        Bootstrap resamples.
    score, date, customer, since, blank, latest_only, early_days, early, start, end
        Reduction policies passed to :func:`reduce` when ``data`` holds rows (defaults there); with a
        counts table only ``start``/``end`` apply (on its ``period``).

    Returns
    -------
    NPSSegments
        ``overall`` (NPSEstimate of all answers used), ``table`` (see :class:`NPSSegments`), ``prior``,
        ``excluded`` and ``notes`` (codes); with ``early="separate"`` also ``early`` and ``early_table``.

    Notes
    -----
    Each segment is compared with its comparison group (``n_rest``, ``nps_rest``; two independent
    groups) by :func:`compare`'s procedure, so ``diff_low``/``diff_high`` and ``p_value`` agree.
    ``impact`` is what the segment does to the total: overall NPS minus the NPS of all answers outside
    the segment.

    Examples
    --------
    >>> rows = pd.DataFrame({"region": ["A"] * 60 + ["B"] * 60 + ["C"] * 60,
    ...                      "score": [10, 9, 3] * 20 + [10, 8, 7] * 20 + [2, 3, 9] * 20})
    >>> res = segment(rows, by="region")
    >>> res.table["nps"].round(1).tolist(), res.significant_below
    ([33.3, 33.3, -33.3], ['C'])
    """
    keys = _segment_keys(by)
    check_choice(adjust, name="adjust", options=ADJUSTS)
    check_choice(reference, name="reference", options=REFERENCES)
    confidence, seed, n_boot, min_n = check_common(method, confidence, seed, n_boot, min_n)
    settings = {"method": method, "confidence": confidence, "seed": seed, "n_boot": n_boot}
    policies = {"score": score, "date": date, "customer": customer, "since": since, "blank": blank,
                "latest_only": latest_only, "early_days": early_days, "early": early, "start": start, "end": end}
    table, excluded, days = reduced_table(data, keys=keys, freq=None, policies=policies, analysis="segment")
    table, early_est, early_table = _split_early(table, keys, min_n=min_n, **settings)
    grouped = table.groupby(keys, observed=True, sort=True)[COUNT_COLUMNS].sum()
    grouped = grouped.loc[grouped.sum(axis=1) > 0]
    check_not_empty(grouped, table=TABLE, what="scored answers")
    c = grouped.to_numpy(dtype="float64")
    tab = _segment_table(c, reference=reference, adjust=adjust, min_n=min_n, **settings)
    index = grouped.index.to_frame(index=False)
    tab = pd.concat([index, tab], axis=1)
    if keys != ["segment"]:  # a single key named "segment" is its own label
        tab.insert(len(keys), "segment", [segment_label(r, keys) for _, r in index.iterrows()])
    prior, notes = {}, []
    if shrink:
        tab, prior, notes = _shrinkage(tab, c, confidence=confidence, seed=seed)
    overall = make_estimate(c.sum(axis=0), min_n=min_n, excluded=excluded, **settings)
    lo, hi = month_bounds(start, end)
    return NPSSegments(table=tab, overall=overall, by=tuple(keys), method=method, confidence=confidence,
                       adjust=adjust, reference=reference, min_n=min_n, seed=seed,
                       n_boot=n_boot if method == "bootstrap" else None, prior=prior, excluded=excluded,
                       notes=Codes(notes), early=early_est, early_table=early_table, early_days=days,
                       start=iso_day(lo), end=iso_day(hi))
