"""What customers say, in their own words: terms, two-word phrases and verbatims per segment and category.

:func:`comments` reads the ``comment`` column of ``nps_responses``; :func:`term_differences` is its
statistics (counts in, numbers out), testable on a hand-made table; :class:`NPSComments` the result.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence, require_columns
from ..core.results import ResultMixin, excluded, jsonable, note
from ..core.stats import adjust_pvalues
from . import present, text
from .checks import as_list, check_int, iso_day, month_bounds, parse_scores
from .constants import ADJUSTS, CATEGORIES, DEFAULT_SEED, TABLE
from .results import Codes

__all__ = ["NPSComments", "comments", "term_differences"]

_LABEL = "segment"


def term_differences(counts: pd.DataFrame, *, confidence: float = 0.95, adjust: str = "holm",
                     family=None) -> pd.DataFrame:
    """How much more (or less) often a group's comments use a term than the other comments do.

    Parameters
    ----------
    counts : pandas.DataFrame
        One row per group and term with ``mentions`` (the group's comments that use the term),
        ``comments`` (the group's comments), ``mentions_all`` and ``comments_all`` (the same over every
        comment, the group's included); other columns (the group's keys, the term) are kept.
    confidence : float, default 0.95
        Level of the interval of the difference and of the test.
    adjust : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
        Correction of the p-values for testing many terms, within each ``family``.
    family : str or list of str, optional
        Columns whose rows form one family of tests (a group's terms); None: the whole table.

    Returns
    -------
    pandas.DataFrame
        ``counts`` with ``share`` (mentions / comments), ``share_rest`` (the other comments' share),
        ``difference`` (share - share_rest, a fraction), ``ci_low``, ``ci_high`` (interval of the
        difference), ``statistic`` (z), ``p_value``, ``p_adj``, ``significant`` and ``direction``
        ("more" / "less" when significant, else ""). A group holding every comment has nothing to be
        compared with: NaN.

    Notes
    -----
    The Agresti-Caffo test and interval for the difference of two proportions: one comment using the
    term and one not using it are added to each side, and the Wald statistic and interval are taken
    on those counts (``statsmodels.stats.proportion.test_proportions_2indep`` and
    ``confint_proportions_2indep`` with ``method="agresti-caffo"``, one procedure for both). A share of
    comments is what a manager reads ("51% of Miền Trung's detractors mention it against none of the
    others"), and a long comment repeating a word counts once.

    Chosen over the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008),
    measured on this code's simulations (4,000 draws each): with a prior worth 10 comments its
    interval covered 76% for a term used by half of a 30-comment group and 2% of the others (the prior
    pulls small groups towards the overall share); with a prior worth 2 comments a term used by half
    of one group and by no other comment got z = 1.7, not significant, because the zero count's
    variance dominates. The Agresti-Caffo interval covered 93.5-96% over the same cases, and its test
    rejected 1.4-5.5% of A/A draws at nominal 5% (conservative for rare terms in small groups). The
    score (Miettinen-Nurminen) interval was not used: statsmodels inverts it row by row and fails on
    some counts.

    Calibration (``benchmarks/calibration_studies/nps_comments.py``, 20,000 draws each, at the sample's
    group sizes): A/A rejection 4.8-5.3% for a 20% word (57 to 1,308 comments), 3.4% for a 5% word in
    57 comments and 3.7% in a 20-comment group (conservative); coverage 94.2-96.6%, 94.2% for a planted
    theme (half of 57 comments against 2% of the others). Across 40 words with nothing to find, Holm
    flags a word as used more often in 0.6% (57 comments) and 1.1% (561) of draws; a word used *less*
    often is flagged far more easily in a small group (11% of draws for 57 comments: a group that
    never uses a common word gets a tiny Wald standard error), so "less" is kept in ``direction`` but
    never worded as a finding.

    Which terms are tested must not depend on the group's own count (testing only the terms a group
    used at least 3 times rejected 19% of A/A draws for a 5% term in a 20-comment group):
    :func:`comments` tests every term used often enough over all comments, in every group.

    References
    ----------
    Agresti, A., & Caffo, B. (2000). Simple and effective confidence intervals for proportions and
    differences of proportions result from adding two successes and two failures. The American
    Statistician, 54(4), 280-288.

    Examples
    --------
    >>> t = pd.DataFrame({"mentions": [12], "comments": [40], "mentions_all": [20], "comments_all": [400]})
    >>> out = term_differences(t)
    >>> [round(float(out[c][0]), 3) for c in ("share", "share_rest", "difference", "statistic")]
    [0.3, 0.022, 0.278, 3.965]
    """
    import warnings

    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

    check_choice(adjust, name="adjust", options=ADJUSTS)
    confidence = check_confidence(confidence)
    require_columns(counts, table="term counts", columns=["mentions", "comments", "mentions_all", "comments_all"])
    out = counts.copy()
    k, n = out["mentions"].to_numpy("float64"), out["comments"].to_numpy("float64")
    k_all, n_all = out["mentions_all"].to_numpy("float64"), out["comments_all"].to_numpy("float64")
    bad = (k < 0) | (k > n) | (k > k_all) | (n > n_all) | (k_all - k > n_all - n) | (n <= 0)
    if bad.any():
        raise ValueError(f"term counts: 0 <= mentions <= comments > 0, and mentions and comments within their "
                         f"totals, are required; {int(bad.sum())} row(s) break it, e.g. "
                         f"{out.loc[bad].head(3).to_dict('records')}.")
    k_rest, n_rest = k_all - k, n_all - n
    ok = n_rest > 0  # a group holding every comment has nothing to be compared with
    z, p, lo, hi = (np.full(len(out), np.nan) for _ in range(4))
    if ok.any():
        args = (k[ok], n[ok], k_rest[ok], n_rest[ok])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # statsmodels' ratio and odds ratio of a 0 share
            test = test_proportions_2indep(*args, method="agresti-caffo", compare="diff")
            ci = confint_proportions_2indep(*args, method="agresti-caffo", compare="diff", alpha=1 - confidence)
        z[ok], p[ok] = np.asarray(test.statistic, dtype="float64"), np.asarray(test.pvalue, dtype="float64")
        lo[ok], hi[ok] = np.asarray(ci[0], dtype="float64"), np.asarray(ci[1], dtype="float64")
    out["share"] = k / n
    out["share_rest"] = np.where(ok, k_rest / np.maximum(n_rest, 1), np.nan)
    out["difference"] = out["share"] - out["share_rest"]
    out["ci_low"], out["ci_high"], out["statistic"], out["p_value"] = lo, hi, z, p
    p_adj = np.full(len(out), np.nan)
    groups = [np.arange(len(out))] if not family else \
        [np.asarray(ix) for ix in out.reset_index(drop=True).groupby(as_list(family), sort=False, dropna=False).indices.values()]
    for ix in groups:
        p_adj[ix] = adjust_pvalues(p[ix], method=adjust)  # NaN stays NaN, outside the family
    out["p_adj"] = p_adj
    out["significant"] = np.nan_to_num(p_adj, nan=1.0) < 1 - confidence
    out["direction"] = np.where(out["significant"], np.where(out["statistic"] > 0, "more", "less"), "")
    return out


def _rows_of(table: pd.DataFrame, segment: str, category: str | None) -> pd.DataFrame:
    """The rows of one segment and, optionally, one category of a per-group table."""
    if not len(table):
        return table
    keep = table["segment"] == str(segment)
    if category is not None:
        check_choice(category, name="category", options=CATEGORIES)
        keep &= table["category"] == category
    return table.loc[keep].reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class NPSComments(ResultMixin):
    """Comments per segment and category: how many, their most frequent terms and the terms that stand
    out against the other comments, and a few typical verbatims.

    ``cells``: one row per segment and category: the ``by`` columns, ``segment`` (label; "" without
    ``by``), ``category`` ("detractor" / "passive" / "promoter"), ``answers`` (scored answers),
    ``comments`` (of them, with a comment), ``small_sample`` (fewer than ``min_comments`` comments).
    ``terms``: every term tested (used in at least ``min_mentions`` comments overall) in every group, with the
    columns of :func:`term_differences` (``phrase``, ``kind`` "word" / "phrase", ``mentions``,
    ``comments``, ``share``, ``share_rest``, ``difference``, ``ci_low``, ``ci_high``,
    ``statistic``, ``p_value``, ``p_adj``, ``significant``, ``direction``) and ``rank`` (by share in its
    group). ``table``: per group the ``top`` terms by share and every term used significantly more
    often than in the other comments. ``verbatims``: per group up to ``n_verbatims`` comments with
    ``score``, ``comment`` (cleaned, cut at ``max_chars``) and ``typicality`` (cosine of the comment's
    terms with the group's term shares); never an identifier; empty when verbatims are off.
    """
    cells: pd.DataFrame
    terms: pd.DataFrame
    verbatims: pd.DataFrame
    by: tuple
    n_answers: int
    n_comments: int
    top: int
    min_mentions: int
    min_comments: int
    n_verbatims: int
    show_verbatims: bool
    max_chars: int
    confidence: float
    adjust: str
    seed: int
    segmenter: str
    excluded: Codes = field(default_factory=Codes)
    notes: Codes = field(default_factory=Codes)
    start: str | None = None
    end: str | None = None

    @property
    def table(self) -> pd.DataFrame:
        t = self.terms
        if not len(t):
            return t
        shown = (t["rank"].fillna(self.top + 1) <= self.top) | ((t["direction"] == "more") & ~t["covered"])
        return t.loc[shown].reset_index(drop=True)

    @property
    def standing_out(self) -> pd.DataFrame:
        """The terms used significantly more often by a group than by the other comments, the largest
        difference in share first."""
        t = self.terms
        if not len(t):
            return t
        return t.loc[(t["direction"] == "more") & ~t["covered"]].sort_values(["segment", "category", "difference"],
                                                           ascending=[True, True, False]).reset_index(drop=True)

    def terms_of(self, segment: str = "", category: str | None = None) -> pd.DataFrame:
        """The shown terms of one segment (its label, "" without ``by``) and, optionally, one category."""
        return _rows_of(self.table, segment, category)

    def verbatims_of(self, segment: str = "", category: str | None = None) -> pd.DataFrame:
        """The verbatims of one segment and, optionally, one category (empty when verbatims are off)."""
        return _rows_of(self.verbatims, segment, category)

    def headline(self) -> dict:
        """Counts and terms per group (no comment text: verbatims stay out of manifests)."""
        groups = {}
        for _, c in self.cells.iterrows():
            key = f"{c['segment']} / {c['category']}" if self.by else c["category"]
            mine = self.terms.loc[(self.terms["segment"] == c["segment"]) & (self.terms["category"] == c["category"])] \
                if len(self.terms) else self.terms
            groups[key] = {"comments": int(c["comments"]),
                           "top_terms": mine.loc[mine["rank"].fillna(4) <= 3, "phrase"].tolist() if len(mine) else [],
                           "standing_out": mine.loc[(mine["direction"] == "more") & ~mine["covered"]].sort_values(
                               "difference", ascending=False)["phrase"].tolist() if len(mine) else []}
        return jsonable({
            "n_answers": self.n_answers, "n_comments": self.n_comments, "by": list(self.by), "groups": groups,
            "verbatims": self.show_verbatims, "confidence": self.confidence,
            "adjust": self.adjust, "seed": self.seed, "segmenter": self.segmenter, "start": self.start,
            "end": self.end, "excluded": Codes.of(self.excluded).as_dict(), "notes": Codes.of(self.notes).codes(),
        })

    def summary(self, locale: str = "en") -> str:
        return present.comments_summary(self, locale)

    def about(self, segment: str = "", locale: str = "en", *, category: str | None = None, k: int = 3) -> str:
        """What one segment's customers say: its standing-out and most frequent terms per category and up
        to ``k`` verbatims of ``category`` (its detractors' by default), as sentences."""
        return present.comments_about(self, segment, locale, category=category, k=k)

    def plot(self, ax=None, locale: str = "en", *, segment: str = "", category: str = "detractor", **kwargs):
        """The group's top terms: their share of the group's comments beside their share of the others."""
        return present.plot_terms(self, ax=ax, locale=locale, segment=segment, category=category, **kwargs)

    def _repr_html_(self) -> str:
        return present.comments_html(self, "en")


def _empty_terms(keys) -> pd.DataFrame:
    cols = [*keys, "segment", "category", "phrase", "kind", "mentions", "comments", "mentions_all", "comments_all",
            "share", "share_rest", "difference", "ci_low", "ci_high", "statistic", "p_value",
            "p_adj", "significant", "direction", "covered", "rank"]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


def _empty_verbatims(keys) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object")
                         for c in [*keys, "segment", "category", "score", "comment", "typicality"]})


def _rows(data, columns: list[str]) -> pd.DataFrame:
    """The needed columns as pandas rows (an Ibis table is executed: segmenting text needs Python)."""
    if isinstance(data, pd.DataFrame):
        require_columns(data, table=TABLE, columns=columns)
        return data[columns]
    if hasattr(data, "to_pandas") and hasattr(data, "columns"):
        require_columns(pd.DataFrame(columns=list(data.columns)), table=TABLE, columns=columns)
        return data.select(*columns).to_pandas()
    raise TypeError(f"nps.comments: data must be a DataFrame or an Ibis table of {TABLE}; got {type(data).__name__}.")


def comments(data, *, by=None, score: str = "score", comment: str = "comment", date: str = "responded_at",
             start=None, end=None, top: int = 10, min_mentions: int = 3, min_comments: int = 20,
             confidence: float = 0.95, adjust: str = "holm",
             verbatims: bool = True, n_verbatims: int = 3, max_chars: int = 300,
             seed: int = DEFAULT_SEED) -> NPSComments:
    """What customers say, in their own words, per segment and category (promoters, passives, detractors).

    Parameters
    ----------
    data : pandas.DataFrame or Ibis table
        Rows of ``nps_responses`` with ``score`` and, normally, ``comment``. Without a ``comment``
        column, or with every comment blank, the result holds no terms and its summary says only that
        there are no comments.
    by : str or list of str, optional
        Segment columns (``"region"``; ``"tenure_band"`` is derived from the dates when absent). None:
        one group per category.
    score, comment, date : str
        Columns of the 0-10 answer, the free-text comment and the answer's date (read only with
        ``start``/``end``).
    start, end : str, optional
        Read answers from ``start`` to ``end`` ("YYYY-MM" or "YYYY-MM-DD", both included).
    top : int, default 10
        Terms shown per group (by share of the group's comments), besides those that stand out.
    min_mentions : int, default 3
        A term used by at least this many comments (over all groups) is tested in every group; rarer
        terms are not listed.
    min_comments : int, default 20
        Groups with fewer comments are flagged ``small_sample`` (their terms are still listed).
    confidence : float, default 0.95
        Level of the intervals and of the tests; a term stands out when its adjusted p-value is below
        ``1 - confidence`` and it is used more often than in the other comments.
    adjust : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
        Correction across the terms tested within each group.
    verbatims : bool, default True
        Show comments word for word; False (the workbook setting ``analyses.nps.verbatims: false``)
        keeps the terms and shows no comment text. Verbatims never carry ``customer_id`` or any other
        identifier: only the segment, the category, the score and the text.
    n_verbatims : int, default 3
        Verbatims per group: the most typical comments (highest cosine between the comment's terms and
        the group's term shares, distinct texts), ties broken by a shuffle seeded with ``seed``; never
        the longest or the most recent.
    max_chars : int, default 300
        Longer comments are cut at a word boundary with an ellipsis (noted); terms come from the cut text.
    seed : int, default 20261028
        Seed of the tie-breaking shuffle, recorded.

    Returns
    -------
    NPSComments
        See :class:`NPSComments` for ``cells``, ``terms``, ``table`` and ``verbatims``.

    Notes
    -----
    Text is normalised to NFC (comments typed in NFD are the same words), whitespace collapsed, and
    Vietnamese segmented into words by underthesea (see :mod:`kpi_analysis.nps.text`: offline, the
    model ships in the package; no download at run time). Stop words of both languages
    (``kpi_analysis/nps/stopwords.txt``) are dropped, negations kept. Each comment counts once per term.
    Each group's share of comments using a term is compared with the share among all other comments
    (every other segment and category) by :func:`term_differences`, so a term that marks the detractors
    of one region stands out even though the region is small. Blank and non-numeric scores are counted
    and excluded (their comments have no category).

    Examples
    --------
    >>> rows = pd.DataFrame({"score": [2, 3, 9, 10], "comment": ["Slow delivery", "slow delivery!",
    ...                      "Friendly staff", None]})
    >>> res = comments(rows, min_mentions=1)
    >>> res.n_comments, res.terms_of(category="detractor")["phrase"].tolist()
    (3, ['slow delivery'])
    """
    keys = as_list(by)
    if _LABEL in keys or "category" in keys:
        raise ValueError(f"nps.comments: by must not name 'segment' or 'category' (the result uses them); got {keys}.")
    check_choice(adjust, name="adjust", options=ADJUSTS)
    confidence = check_confidence(confidence)
    top = check_int(top, name="top", minimum=1)
    min_mentions = check_int(min_mentions, name="min_mentions", minimum=1)
    min_comments = check_int(min_comments, name="min_comments", minimum=1)
    n_verbatims = check_int(n_verbatims, name="n_verbatims", minimum=0)
    max_chars = check_int(max_chars, name="max_chars", minimum=20)
    seed = check_int(seed, name="seed", minimum=0)
    if not isinstance(verbatims, (bool, np.bool_)):
        raise TypeError(f"verbatims must be True or False; got {verbatims!r}.")
    verbatims = bool(verbatims)
    lo, hi = month_bounds(start, end)

    derived = "tenure_band" in keys
    columns = list(dict.fromkeys([score, *[k for k in keys if k != "tenure_band"]]))
    cols_have = list(data.columns)
    if derived and "tenure_band" in cols_have:
        columns.append("tenure_band")
        derived = False
    if derived or lo is not None or hi is not None:
        columns.append(date)
    if derived:
        columns.append("customer_since")
    has_comment = comment in cols_have
    if has_comment:
        columns.append(comment)
    rows = _rows(data, list(dict.fromkeys(columns)))
    if derived:
        from .api import tenure_band

        rows = rows.assign(tenure_band=tenure_band(rows, date=date))
    if lo is not None or hi is not None:
        when = pd.to_datetime(rows[date], errors="coerce")
        inside = pd.Series(True, index=rows.index)
        if lo is not None:
            inside &= when >= lo
        if hi is not None:
            inside &= when <= hi
        rows = rows.loc[inside.fillna(False)]
    num, is_blank, non_numeric = parse_scores(rows[score], blank="exclude", column=score, frame=rows)
    out_codes = [excluded("blank_score", int(is_blank.sum())), excluded("non_numeric_score", int(non_numeric.sum()))]
    scored = rows.loc[num.notna().to_numpy()].copy()
    s = num.loc[num.notna()].to_numpy()
    scored["category"] = pd.Categorical(np.select([s <= 6, s <= 8], ["detractor", "passive"], "promoter"),
                                        categories=list(CATEGORIES))
    scored["_score"] = s
    scored[_LABEL] = _labels(scored, keys)
    notes: list[dict] = []

    # clean each distinct text once (NFC, whitespace, cut); a blank comment is no comment
    raw = scored[comment] if has_comment else pd.Series("", index=scored.index)
    raw = raw.astype("object").where(raw.notna(), "")
    distinct = pd.unique(raw.to_numpy())
    cleaned = {r: text.clean(r, max_chars) for r in distinct}
    scored["_text"] = raw.map(lambda r: cleaned[r][0])
    cut = int(raw.map(lambda r: cleaned[r][1]).sum())
    if cut:
        notes.append(note("long_comments_cut", n=cut, max_chars=max_chars))
    cells = (scored.groupby([*keys, _LABEL, "category"], observed=True, sort=True, dropna=False)
             .agg(answers=("_score", "size"), comments=("_text", lambda t: int((t != "").sum())))
             .reset_index())
    commented = scored.loc[scored["_text"] != ""]
    n_comments = len(commented)
    settings = {"by": tuple(keys), "n_answers": len(scored), "n_comments": n_comments, "top": top, "min_mentions": min_mentions,
                    "min_comments": min_comments, "n_verbatims": n_verbatims, "show_verbatims": verbatims, "max_chars": max_chars,
                    "confidence": confidence, "adjust": adjust, "seed": seed, "segmenter": _segmenter_name(),
                    "excluded": Codes(e for e in out_codes if e["n"]), "start": iso_day(lo), "end": iso_day(hi)}
    cells["comments"] = cells["comments"].astype("int64")
    cells["answers"] = cells["answers"].astype("int64")
    cells["small_sample"] = cells["comments"] < min_comments
    cells = cells.loc[cells["answers"] > 0].reset_index(drop=True)
    if n_comments == 0:
        return NPSComments(cells=cells, terms=_empty_terms(keys), verbatims=_empty_verbatims(keys),
                           notes=Codes([note("no_comments")]), **settings)

    # terms of each distinct cleaned text, then mentions per group: (group, text) counts x the text's terms
    found = {t: text.terms(t) for t in pd.unique(commented["_text"].to_numpy())}
    per_text = commented.groupby([_LABEL, "category", "_text"], observed=True, sort=False).size().rename("n").reset_index()
    records = [(g, c, term, kind, n) for g, c, t, n in per_text.itertuples(index=False, name=None)
               for kind, group in zip(("word", "phrase"), found[t], strict=True) for term in group]
    mentions = pd.DataFrame(records, columns=[_LABEL, "category", "phrase", "kind", "mentions"]).astype({"category": str})
    mentions = mentions.groupby([_LABEL, "category", "phrase", "kind"], observed=True, sort=False)["mentions"].sum()
    totals = mentions.groupby(["phrase", "kind"], sort=False).sum()
    vocab = totals.loc[totals >= min_mentions]
    if len(vocab):
        # every term used often enough overall is tested in every group (never chosen by the group's own
        # count, which would bias the test), a group that never uses it included
        groups = cells.loc[cells["comments"] > 0, [_LABEL, "category"]].astype({"category": str})
        grid = groups.merge(vocab.rename("mentions_all").reset_index(), how="cross")
        grid = grid.join(mentions, on=[_LABEL, "category", "phrase", "kind"])
        grid["mentions"] = grid["mentions"].fillna(0).astype("int64")
        grid = grid.join(cells.assign(category=cells["category"].astype(str)).set_index([_LABEL, "category"])["comments"],
                         on=[_LABEL, "category"])
        grid["comments_all"] = n_comments
        terms = term_differences(grid, confidence=confidence, adjust=adjust, family=[_LABEL, "category"])
        terms = terms.sort_values([_LABEL, "category", "share", "mentions", "phrase"],
                                  ascending=[True, True, False, False, True], key=_category_order)
        terms["covered"] = _covered(terms, found)
        ranked = ~terms["covered"] & (terms["mentions"] > 0)
        terms["rank"] = ranked.groupby([terms[_LABEL], terms["category"]], sort=False).cumsum()
        terms["rank"] = terms["rank"].where(ranked, pd.NA).astype("Int64")
        if keys:
            terms = terms.join(cells.drop_duplicates(_LABEL).set_index(_LABEL)[keys], on=_LABEL)
        terms = terms[[*keys, *[c for c in terms.columns if c not in keys]]].reset_index(drop=True)
    else:
        terms = _empty_terms(keys)
    if (cells["small_sample"] & (cells["comments"] > 0)).any():
        notes.append(note("few_comments", n=int((cells["small_sample"] & (cells["comments"] > 0)).sum()),
                          min_comments=min_comments))
    if verbatims and n_verbatims:
        verb = _verbatims(commented, found, keys=keys, k=n_verbatims, seed=seed)
    else:
        verb = _empty_verbatims(keys)
        if not verbatims:
            notes.append(note("verbatims_off"))
    return NPSComments(cells=cells, terms=terms, verbatims=verb, notes=Codes(notes), **settings)


def _labels(rows: pd.DataFrame, keys) -> pd.Series:
    """Segment labels as :func:`kpi_analysis.nps.present.segment_label` writes them ("Miền Bắc / Phân bón")."""
    if not keys:
        return pd.Series("", index=rows.index, dtype="object")
    parts = [rows[k].astype("object").where(rows[k].notna(), "–").astype(str) for k in keys]
    label = parts[0]
    for part in parts[1:]:
        label = label + " / " + part
    return label


def _covered(terms: pd.DataFrame, found: dict) -> np.ndarray:
    """Whether a word of a group is always used inside one of the group's phrases (same mentions): then
    the phrase says it, and the word is not listed again ("nhân viên" beside "nhân viên nhiệt tình")."""
    parts = {}
    for words, phrases in found.values():
        for ph in phrases:
            if ph not in parts:
                parts[ph] = next(((ph[:i], ph[i + 1:]) for i, ch in enumerate(ph) if ch == " "
                                  and ph[:i] in words and ph[i + 1:] in words), ())
    inside: dict[tuple, set] = {}
    for g, c, ph, kind, m in terms[[_LABEL, "category", "phrase", "kind", "mentions"]].itertuples(index=False):
        if kind == "phrase":
            for w in parts.get(ph, ()):
                inside.setdefault((g, c, w), set()).add(int(m))
    return np.array([kind == "word" and int(m) in inside.get((g, c, ph), ())
                     for g, c, ph, kind, m in terms[[_LABEL, "category", "phrase", "kind", "mentions"]]
                     .itertuples(index=False)], dtype=bool)


def _category_order(col: pd.Series) -> pd.Series:
    if col.name == "category":
        return col.map({c: i for i, c in enumerate(CATEGORIES)})
    return col


def _segmenter_name() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"underthesea {version('underthesea')}"
    except PackageNotFoundError:
        return "underthesea"


def _verbatims(commented: pd.DataFrame, found: dict, *, keys, k: int, seed: int) -> pd.DataFrame:
    """Up to ``k`` distinct, most typical comments per group (cosine of the comment's terms with the
    group's term shares), ties broken by a shuffle seeded with ``seed``."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(commented))
    rows = commented.iloc[order]
    out = []
    for (label, category), g in rows.groupby([_LABEL, "category"], observed=True, sort=True):
        texts = g["_text"].to_numpy()
        counts: dict[str, int] = {}
        for t in texts:
            for term in found[t][0] | found[t][1]:
                counts[term] = counts.get(term, 0) + 1
        norm = math.sqrt(sum((c / len(texts)) ** 2 for c in counts.values())) or 1.0
        seen: set[str] = set()
        scored = []
        for pos, (t, sc) in enumerate(zip(texts, g["_score"].to_numpy(), strict=True)):
            key = t.casefold()
            if key in seen:
                continue
            seen.add(key)
            mine = found[t][0] | found[t][1]
            cos = sum(counts[m] / len(texts) for m in mine) / (math.sqrt(len(mine)) * norm) if mine else 0.0
            scored.append((-cos, pos, t, sc))
        scored.sort(key=lambda item: (item[0], item[1]))
        for neg, pos, t, sc in scored[:k]:
            row = g.iloc[pos]
            out.append({**{c: row[c] for c in keys}, _LABEL: label, "category": str(category), "score": int(sc),
                        "comment": t, "typicality": -neg})
    return pd.DataFrame(out) if out else _empty_verbatims(keys)
