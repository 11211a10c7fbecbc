"""Net Promoter Score with honest uncertainty: per segment, over time, and what would move it.

Customers answer "how likely are you to recommend us?" from 0 to 10: 9-10 are promoters, 7-8
passives, 0-6 detractors, and NPS = % promoters - % detractors (points, -100..100). Promoters and
detractors come from the same answers, so they are not independent: the variance of one answer's
+1/0/-1 score is ``p + d - (p - d)^2`` (Rocks 2016), and formulas that add the two proportions'
variances give intervals that are too narrow.

Flow: rows of ``nps_responses`` -> :func:`counts` (the reduction: detractors / passives / promoters per
segment and period, plus the answers each policy excluded) -> :func:`segment`, :func:`trend`,
:func:`what_if`, which accept either the rows or that counts table.

Methods (``method=``)
    ``"adjusted_wald"`` (default): add pseudo-counts (0.75, 1.5, 0.75) and use the variance above with
    n + 3 (Rocks 2016); the interval stays sensible for small n and all-promoter samples.
    ``"wald"``: the same formula on the raw counts (the R package ``NPS``).
    ``"bootstrap"``: multinomial (percentile) bootstrap with a fixed ``seed``.

References
----------
Rocks, B. (2016). Interval estimation for the "Net Promoter Score". The American Statistician,
70(4), 365-372.
Lewis, J. R., & Sauro, J. How to statistically compare two Net Promoter Scores. MeasuringU.
Minka, T. P. (2000). Estimating a Dirichlet distribution. Technical report, MIT.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .. import i18n
from ..core.checks import (
    check_choice,
    check_confidence,
    check_not_empty,
    reject_rows,
    require_columns,
    warn_case_variants,
)
from ..core.results import ResultMixin, jsonable
from ..core.stats import adjust_pvalues

__all__ = [
    "CATEGORIES",
    "COUNT_COLUMNS",
    "DEFAULT_SEED",
    "METHODS",
    "PSEUDO_COUNTS",
    "TENURE_BANDS",
    "NPSComparison",
    "NPSEstimate",
    "NPSSegments",
    "NPSTrend",
    "NPSWhatIf",
    "categorize",
    "compare",
    "counts",
    "estimate",
    "fit_prior",
    "from_counts",
    "sample_size",
    "segment",
    "tenure_band",
    "trend",
    "what_if",
]

TABLE = "nps_responses"
METHODS = ("adjusted_wald", "wald", "bootstrap")
ADJUSTS = ("holm", "fdr_bh", "bonferroni", "none")
BLANK_POLICIES = ("exclude", "fail")
EARLY_POLICIES = ("keep", "exclude", "separate")
CATEGORIES = ("detractor", "passive", "promoter")
COUNT_COLUMNS = ["detractors", "passives", "promoters"]
#: per-key counts of answers each policy set aside (always present in :func:`counts` output)
EXCLUSION_COLUMNS = {"blank": "blank_score", "non_numeric": "non_numeric_score",
                     "superseded": "superseded_answer", "early_excluded": "early_answer"}
PSEUDO_COUNTS = (0.75, 1.5, 0.75)  # Rocks (2016): detractors, passives, promoters
DEFAULT_SEED = 20261028
DEFAULT_N_BOOT = 2000
#: tenure band edges in days since ``customer_since`` (labels "0-89", "90-179", ..., "730+")
TENURE_BANDS = (0, 90, 180, 365, 730)
FREQS = {"W": "W-SUN", "M": "M", "Q": "Q-DEC"}

_t = i18n.catalog("nps", {
    "overall": {"en": "Overall NPS {nps} ({ci}; {n} answers; {method}).",
                "vi": "NPS chung {nps} ({ci}; {n} câu trả lời; {method})."},
    "estimate": {"en": "NPS {nps} ({ci}; {n} answers; {method}).",
                 "vi": "NPS {nps} ({ci}; {n} câu trả lời; {method})."},
    "method_adjusted_wald": {"en": "adjusted Wald interval (Rocks 2016)",
                             "vi": "khoảng tin cậy Wald hiệu chỉnh (Rocks 2016)"},
    "method_wald": {"en": "Wald interval", "vi": "khoảng tin cậy Wald"},
    "method_bootstrap": {"en": "bootstrap percentile interval ({n_boot} resamples, seed {seed})",
                         "vi": "khoảng tin cậy bootstrap phân vị ({n_boot} lần lấy mẫu lại, seed {seed})"},
    "adjust_holm": {"en": "Holm", "vi": "Holm"},
    "adjust_fdr_bh": {"en": "Benjamini-Hochberg", "vi": "Benjamini-Hochberg"},
    "adjust_bonferroni": {"en": "Bonferroni", "vi": "Bonferroni"},
    "adjust_none": {"en": "no", "vi": "không"},
    "seg_below": {"en": "Significantly below the rest after {adjust} adjustment: {items}.",
                  "vi": "Thấp hơn phần còn lại có ý nghĩa thống kê sau hiệu chỉnh {adjust}: {items}."},
    "seg_above": {"en": "Significantly above the rest after {adjust} adjustment: {items}.",
                  "vi": "Cao hơn phần còn lại có ý nghĩa thống kê sau hiệu chỉnh {adjust}: {items}."},
    "seg_none": {"en": "No segment differs significantly from the rest after {adjust} adjustment "
                       "({k} segments tested).",
                 "vi": "Không nhóm nào khác biệt có ý nghĩa thống kê so với phần còn lại sau hiệu chỉnh "
                       "{adjust} ({k} nhóm được kiểm định)."},
    "seg_item_rest": {"en": "{segment} (NPS {nps} vs {rest} for the rest, adjusted p {p})",
                      "vi": "{segment} (NPS {nps} so với {rest} ở phần còn lại, p hiệu chỉnh {p})"},
    "seg_item_typical": {"en": "{segment} (NPS {nps} vs {rest} for the typical segments, adjusted p {p})",
                         "vi": "{segment} (NPS {nps} so với {rest} ở các nhóm điển hình, p hiệu chỉnh {p})"},
    "seg_small": {"en": "Too few answers to judge (fewer than {min_n}): {items}.",
                  "vi": "Quá ít câu trả lời để đánh giá (dưới {min_n}): {items}."},
    "seg_impact": {"en": "Largest drag on the total: without {segment} the overall NPS would be {value} "
                         "({delta} points).",
                   "vi": "Nhóm kéo NPS chung xuống nhiều nhất: nếu bỏ {segment}, NPS chung sẽ là {value} "
                         "({delta} điểm)."},
    "seg_shrink": {"en": "Shrunken estimates (empirical Bayes, Dirichlet-multinomial prior worth {strength} "
                         "answers) sit beside the raw ones; they matter most for small segments.",
                   "vi": "Ước lượng co rút (Bayes thực nghiệm, tiên nghiệm Dirichlet-đa thức tương đương "
                         "{strength} câu trả lời) nằm cạnh ước lượng thô; quan trọng nhất với nhóm nhỏ."},
    "early_separate": {"en": "Answers given within {days} days of becoming a customer are reported "
                             "separately: NPS {nps} ({ci}; {n} answers).",
                       "vi": "Câu trả lời trong vòng {days} ngày kể từ khi trở thành khách hàng được báo cáo "
                             "riêng: NPS {nps} ({ci}; {n} câu trả lời)."},
    "trend_latest": {"en": "{period}: NPS {nps} ({ci}; {n} answers); change from {previous}: {change} "
                           "points ({change_ci}; p {p}; after {adjust} adjustment for {k} changes p {p_adj}: "
                           "{verdict}).",
                     "vi": "{period}: NPS {nps} ({ci}; {n} câu trả lời); thay đổi so với {previous}: "
                           "{change} điểm ({change_ci}; p {p}; "
                           "sau hiệu chỉnh {adjust} cho {k} thay đổi p {p_adj}: "
                           "{verdict})."},
    "trend_first": {"en": "{period}: NPS {nps} ({ci}; {n} answers); no earlier period to compare with.",
                    "vi": "{period}: NPS {nps} ({ci}; {n} câu trả lời); không có kỳ trước để so sánh."},
    "trend_sig": {"en": "Significant period-to-period changes after {adjust} adjustment ({k} changes "
                        "tested): {items}.",
                  "vi": "Các thay đổi giữa hai kỳ liên tiếp có ý nghĩa thống kê sau hiệu chỉnh {adjust} "
                        "({k} thay đổi được kiểm định): {items}."},
    "trend_sig_none": {"en": "No period-to-period change is significant after {adjust} adjustment "
                             "({k} changes tested).",
                       "vi": "Không có thay đổi nào giữa hai kỳ liên tiếp có ý nghĩa thống kê sau hiệu chỉnh "
                             "{adjust} ({k} thay đổi được kiểm định)."},
    "compare": {"en": "Difference {diff} NPS points ({ci}; p {p}; {verdict}; {method}).",
                "vi": "Chênh lệch {diff} điểm NPS ({ci}; p {p}; {verdict}; {method})."},
    "whatif": {"en": "If {share} of detractors became {to}, the NPS would move from {nps} to {nps_if} "
                     "({gain} points).",
               "vi": "Nếu {share} người phản đối trở thành {to}, NPS sẽ thay đổi từ {nps} thành {nps_if} "
                     "({gain} điểm)."},
    "whatif_best": {"en": "Acting on {segment} alone would add the most: {gain} points to the total.",
                    "vi": "Tác động riêng vào {segment} sẽ mang lại nhiều nhất: {gain} điểm cho NPS chung."},
    "to_passive": {"en": "passives", "vi": "người trung lập"},
    "to_promoter": {"en": "promoters", "vi": "người ủng hộ"},
    "reason_blank_score": {"en": "{n} blank score(s)", "vi": "{n} điểm để trống"},
    "reason_non_numeric_score": {"en": "{n} non-numeric score(s)", "vi": "{n} điểm không phải số"},
    "reason_superseded_answer": {"en": "{n} earlier answer(s) of customers who answered again",
                                 "vi": "{n} câu trả lời cũ của khách hàng đã trả lời lại"},
    "reason_early_answer": {"en": "{n} answer(s) given within {days} days of becoming a customer",
                            "vi": "{n} câu trả lời trong vòng {days} ngày kể từ khi trở thành khách hàng"},
    "reason_outside_period": {"en": "{n} answer(s) outside the period range",
                              "vi": "{n} câu trả lời ngoài khoảng thời gian"},
    "note_small_sample": {"en": "fewer than {min_n} answers: read with care",
                          "vi": "dưới {min_n} câu trả lời: cần thận trọng khi đọc"},
    "note_ci_clipped": {"en": "interval clipped to the possible range",
                        "vi": "khoảng tin cậy đã được cắt về phạm vi có thể"},
    "note_zero_variance": {"en": "all answers fall in one category, so this interval is undefined "
                                 "(the adjusted Wald method handles this case)",
                           "vi": "mọi câu trả lời thuộc cùng một loại nên khoảng tin cậy này không xác định "
                                 "(phương pháp Wald hiệu chỉnh xử lý được trường hợp này)"},
    "note_no_answers": {"en": "no answers", "vi": "không có câu trả lời"},
    "note_no_between_variation": {"en": "segments differ no more than chance would make them: shrunken "
                                        "estimates equal the overall NPS",
                                  "vi": "các nhóm không khác nhau hơn mức ngẫu nhiên: ước lượng co rút "
                                        "bằng NPS chung"},
    "note_too_few_segments": {"en": "fewer than 3 segments: no shrinkage",
                              "vi": "ít hơn 3 nhóm: không co rút"},
    "notes": {"en": "Notes: {items}.", "vi": "Ghi chú: {items}."},
    "label_nps": {"en": "NPS (points)", "vi": "NPS (điểm)"},
    "label_share": {"en": "share of answers", "vi": "tỷ lệ câu trả lời"},
    "label_difference": {"en": "difference (NPS points)", "vi": "chênh lệch (điểm NPS)"},
    "label_gain": {"en": "gain in overall NPS (points)", "vi": "mức tăng NPS chung (điểm)"},
    "label_period": {"en": "period", "vi": "kỳ"},
    "label_tenure": {"en": "days as a customer when answering", "vi": "số ngày là khách hàng khi trả lời"},
    "detractor": {"en": "detractors (0-6)", "vi": "người phản đối (0-6)"},
    "passive": {"en": "passives (7-8)", "vi": "người trung lập (7-8)"},
    "promoter": {"en": "promoters (9-10)", "vi": "người ủng hộ (9-10)"},
    "raw": {"en": "raw", "vi": "thô"},
    "shrunk": {"en": "shrunken (empirical Bayes)", "vi": "co rút (Bayes thực nghiệm)"},
    "overall_line": {"en": "overall", "vi": "chung"},
    "title_segments": {"en": "NPS by {by}", "vi": "NPS theo {by}"},
    "title_distribution": {"en": "Answers by category, by {by}", "vi": "Cơ cấu câu trả lời theo {by}"},
    "title_trend": {"en": "NPS over time", "vi": "NPS theo thời gian"},
    "title_whatif": {"en": "Gain if {share} of a segment's detractors became {to}",
                     "vi": "Mức tăng nếu {share} người phản đối của một nhóm trở thành {to}"},
})


# ---------------------------------------------------------------------------------------------------
# small helpers


_p = i18n.p_value  # '= 0.034' or '< 0.001' (read after 'p')


_ci_text = i18n.ci  # bounds in signed points


def _method_text(method: str, locale: str, *, n_boot: int | None = None, seed: int | None = None) -> str:
    return _t(f"method_{method}", locale, n_boot=i18n.number(n_boot or 0, locale), seed=seed)


def _note_text(code: str, locale: str, **values) -> str:
    return _t(f"note_{code}", locale, **values)


def _excluded_text(excluded: dict, locale: str, *, days: int | None = None) -> str:
    items = [_t(f"reason_{k}", locale, n=i18n.number(v, locale), days=days)
             for k, v in excluded.items() if v]
    return i18n.text("common", "excluded", locale, items="; ".join(items)) if items else ""


def _f(x) -> float:
    """A plain Python float (NaN stays NaN)."""
    return float(x) if x is not None else float("nan")


def _as_list(by) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, Iterable):
        out = list(by)
        if not all(isinstance(b, str) for b in out):
            raise TypeError(f"by must be a column name or a list of column names; got {by!r}.")
        return out
    raise TypeError(f"by must be a column name or a list of column names; got {by!r}.")


def _check_method(method: str) -> None:
    check_choice(method, name="method", options=METHODS)


def _check_int(value, *, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _z(confidence: float) -> float:
    from scipy.stats import norm
    return float(norm.ppf(0.5 + confidence / 2))


def _segment_label(row: pd.Series, by: Sequence[str]) -> str:
    return " / ".join(str(row[b]) for b in by)


# ---------------------------------------------------------------------------------------------------
# scores -> categories


def _parse_scores(scores: pd.Series, *, blank: str, table: str = TABLE, column: str = "score",
                  frame: pd.DataFrame | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(numeric scores as float with NaN, blank mask, non-numeric mask); raise on out-of-range values."""
    check_choice(blank, name="blank", options=BLANK_POLICIES)
    s = pd.Series(scores)
    if pd.api.types.is_bool_dtype(s.dtype):
        raise TypeError(f"{table}.{column}: scores must be numbers 0-10, got booleans.")
    if pd.api.types.is_numeric_dtype(s.dtype):
        num = pd.to_numeric(s, errors="coerce").astype("float64")
        is_blank = s.isna().to_numpy()
        non_numeric = np.zeros(len(s), dtype=bool)
    else:
        text = s.astype("str").str.strip()
        is_blank = (s.isna() | (text == "")).to_numpy()
        num = pd.to_numeric(text.where(~is_blank), errors="coerce").astype("float64")
        non_numeric = (~is_blank) & num.isna().to_numpy()
    is_blank = pd.Series(is_blank, index=s.index)
    non_numeric = pd.Series(non_numeric, index=s.index)
    shown = frame if frame is not None else pd.DataFrame({column: s})
    if blank == "fail":
        reject_rows(shown, is_blank | non_numeric, table=table, column=column,
                    rule='must hold a score (blank="fail"; use blank="exclude" to count and exclude them)')
    finite = num.notna()
    reject_rows(shown, finite & ((num < 0) | (num > 10)), table=table, column=column,
                rule="must be between 0 and 10")
    reject_rows(shown, finite & (num % 1 != 0), table=table, column=column, rule="must be a whole number")
    return num, is_blank, non_numeric


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
    s = scores if isinstance(scores, pd.Series) else pd.Series(list(scores) if not isinstance(
        scores, np.ndarray) else scores)
    num, _, _ = _parse_scores(s, blank=blank, column=str(s.name or "score"))
    codes = np.select([num <= 6, num <= 8, num <= 10], [0, 1, 2], default=-1)
    codes = np.where(num.isna().to_numpy(), -1, codes)
    return pd.Series(pd.Categorical.from_codes(codes, categories=list(CATEGORIES)), index=s.index,
                     name=s.name)


def tenure_band(responses: pd.DataFrame, *, bands: Sequence[int] = TENURE_BANDS,
                date: str = "responded_at", since: str = "customer_since") -> pd.Series:
    """Days between ``customer_since`` and the answer, binned into ordered bands.

    Parameters
    ----------
    responses : pandas.DataFrame
        Rows of ``nps_responses`` with the ``date`` and ``since`` columns.
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
    days = _tenure_days(responses, date=date, since=since)
    edges = [int(b) for b in bands]
    if not edges or edges[0] != 0 or any(b >= c for b, c in itertools.pairwise(edges)):
        raise ValueError(f"bands must be increasing whole days starting at 0; got {list(bands)!r}.")
    labels = [f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)] + [f"{edges[-1]}+"]
    cut = pd.cut(days, bins=edges + [np.inf], right=False, labels=labels)
    return pd.Series(pd.Categorical(cut, categories=labels, ordered=True), index=responses.index,
                     name="tenure_band")


def _tenure_days(responses: pd.DataFrame, *, date: str, since: str) -> pd.Series:
    require_columns(responses, table=TABLE, columns=[date, since])
    answered = pd.to_datetime(responses[date], errors="coerce")
    start = pd.to_datetime(responses[since], errors="coerce")
    reject_rows(responses, answered.isna(), table=TABLE, column=date, rule="must be a date")
    reject_rows(responses, start.isna(), table=TABLE, column=since, rule="must be a date")
    days = (answered - start).dt.days
    reject_rows(responses, days < 0, table=TABLE, column=since, rule=f"must not be after {date}")
    return days


# ---------------------------------------------------------------------------------------------------
# the reduction: rows -> counts


def _freq_alias(freq: str, end) -> str:
    if not isinstance(freq, str):
        raise TypeError(f"freq must be a string such as 'W', 'M', 'Q' or 'Q-OCT'; got {freq!r}.")
    f = freq.upper()
    if f == "Q" and end is not None:
        # quarters that end with the reported month: 2026-10 -> Aug-Oct, May-Jul, ...
        return "Q-" + pd.Timestamp(str(end)).strftime("%b").upper()
    if f in FREQS:
        return FREQS[f]
    if f.startswith(("Q-", "W-")):
        try:
            pd.Period("2026-01-01", freq=f)
        except (ValueError, TypeError) as err:
            raise ValueError(f"freq {freq!r} is not a pandas period alias ({err}).") from None
        return f
    raise ValueError(f"freq must be one of ['W', 'M', 'Q'] or an anchored 'Q-OCT'/'W-SUN'; got {freq!r}.")


def _month_bounds(start, end) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    lo = pd.Timestamp(str(start)) if start not in (None, "") else None
    hi = None
    if end not in (None, ""):
        e = str(end)
        # "YYYY-MM" means the whole month; a full date means up to the end of that day
        hi = (pd.Period(e, freq="M").end_time if len(e) == 7 else
              pd.Timestamp(e) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns"))
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"start {start!r} is after end {end!r}.")
    return lo, hi


def _needed_columns(keys, *, score, date, customer, since, freq, start, end, latest_only, early,
                    derive_band) -> list[str]:
    """The response columns a count request reads (shared with the engine's reduction)."""
    needed = [score] + [k for k in keys if not (k == "tenure_band" and derive_band)]
    if freq is not None or start not in (None, "") or end not in (None, "") or latest_only:
        needed.append(date)
    if latest_only:
        needed.append(customer)
    if early != "keep" or derive_band:
        needed += [date, since]
    return list(dict.fromkeys(needed))


def counts(responses: pd.DataFrame, *, by=None, freq: str | None = None, score: str = "score",
           date: str = "responded_at", customer: str = "customer_id", since: str = "customer_since",
           blank: str = "exclude", latest_only: bool = False, early_days: int = 90,
           early: str = "keep", start=None, end=None,
           bands: Sequence[int] = TENURE_BANDS) -> pd.DataFrame:
    """Reduce answers to detractor / passive / promoter counts per segment (and period).

    This is the only step that reads rows; every statistic runs on its output. The output is a tidy,
    plain table (group keys + integer counts) that a SQL engine can produce as well.

    Parameters
    ----------
    responses : pandas.DataFrame
        Rows of the canonical ``nps_responses`` table.
    by : str or list of str, optional
        Segment columns. ``"tenure_band"`` is derived from ``date`` and ``since`` when the table has
        no such column (see :func:`tenure_band`).
    freq : {"W", "M", "Q"} or a pandas anchored alias such as "Q-OCT", optional
        Adds a ``period`` key (start date of each week / month / quarter of ``date``). ``"Q"`` with an
        ``end`` month gives quarters that end with that month.
    score, date, customer, since : str
        Column names (canonical defaults).
    blank : {"exclude", "fail"}, default "exclude"
        Blank or non-numeric answers are counted (``blank``, ``non_numeric`` columns) and excluded, or
        raise. Scores outside 0-10 or not whole numbers always raise.
    latest_only : bool, default False
        Keep only each customer's latest scored answer (per period when ``freq`` is given, so a
        customer counts once per period); earlier ones are counted in ``superseded``.
    early_days : int, default 90
        Answers given fewer than this many days after ``customer_since`` are "early".
    early : {"keep", "exclude", "separate"}, default "keep"
        Keep early answers, exclude them (counted in ``early_excluded``), or add a boolean key
        column ``early`` so analyses report them separately.
    start, end : str, optional
        First and last month ("YYYY-MM") or day ("YYYY-MM-DD") of ``date`` to keep; rows outside are
        counted in ``.attrs["excluded"]["outside_period"]``.
    bands : sequence of int
        Tenure band edges in days when ``"tenure_band"`` is derived.

    Returns
    -------
    pandas.DataFrame
        One row per key combination: the ``by`` columns, ``period`` (Timestamp, with ``freq``),
        ``early`` (with ``early="separate"``), then ``detractors``, ``passives``, ``promoters``, ``n``
        (their sum, the answers used), ``blank``, ``non_numeric``, ``superseded``, ``early_excluded``
        (answers each policy set aside). ``attrs["excluded"]`` totals the exclusions by reason and
        ``attrs["early_days"]`` records the threshold.

    Notes
    -----
    Order of the policies: blank / non-numeric answers are set aside first, then early answers
    (when excluded), then earlier answers of the same customer (``latest_only``), so a customer whose
    latest answer is blank is represented by their latest scored answer.

    Examples
    --------
    >>> rows = pd.DataFrame({"region": ["A", "A", "B", "B"], "score": [10, 3, 8, None]})
    >>> counts(rows, by="region")[["region", "detractors", "passives", "promoters", "blank"]]
      region  detractors  passives  promoters  blank
    0      A           1         0          1      0
    1      B           0         1          0      1
    """
    keys = _as_list(by)
    check_choice(early, name="early", options=EARLY_POLICIES)
    early_days = _check_int(early_days, name="early_days", minimum=0)
    if not isinstance(latest_only, (bool, np.bool_)):
        raise TypeError(f"latest_only must be True or False; got {latest_only!r}.")
    derive_band = "tenure_band" in keys and "tenure_band" not in responses.columns if isinstance(
        responses, pd.DataFrame) else False
    needed = _needed_columns(keys, score=score, date=date, customer=customer, since=since, freq=freq,
                             start=start, end=end, latest_only=latest_only, early=early, derive_band=derive_band)
    require_columns(responses, table=TABLE, columns=needed)
    warn_case_variants(responses, keys, table=TABLE)
    for k in ("period", "early", *COUNT_COLUMNS, "n", *EXCLUSION_COLUMNS):
        if k in keys:
            raise ValueError(f"by: {k!r} is a column name the counts table uses itself; rename it.")

    # row labels identify answers below (latest per customer); error messages quote them
    df = responses.copy() if responses.index.is_unique else responses.reset_index(drop=True)
    excluded: dict[str, int] = {}
    if date in needed:
        parsed = pd.to_datetime(df[date], errors="coerce")
        reject_rows(df, parsed.isna(), table=TABLE, column=date, rule="must be a date")
        df[date] = parsed
    lo, hi = _month_bounds(start, end)
    if lo is not None or hi is not None:
        keep = pd.Series(True, index=df.index)
        if lo is not None:
            keep &= df[date] >= lo
        if hi is not None:
            keep &= df[date] <= hi
        excluded["outside_period"] = int((~keep).sum())
        df = df.loc[keep]

    if derive_band:
        df["tenure_band"] = tenure_band(df, bands=bands, date=date, since=since)
    for k in keys:
        reject_rows(df, df[k].isna(), table=TABLE, column=k, rule="must not be blank (segment column)")

    num, is_blank, non_numeric = _parse_scores(df[score], blank=blank, column=score, frame=df)
    df["_cat"] = np.select([num <= 6, num <= 8], [0, 1], default=2)
    df["_blank"] = is_blank.to_numpy()
    df["_non_numeric"] = non_numeric.to_numpy()
    df["_scored"] = num.notna().to_numpy()
    df["_superseded"] = False
    df["_early_excluded"] = False
    group_keys = list(keys)
    if freq is not None:
        df["period"] = df[date].dt.to_period(_freq_alias(freq, end)).dt.start_time
        group_keys.append("period")
    if early != "keep":
        is_early = (_tenure_days(df, date=date, since=since) < early_days).to_numpy()
        if early == "exclude":
            df["_early_excluded"] = is_early & df["_scored"].to_numpy()
            df["_scored"] = df["_scored"] & ~df["_early_excluded"]
        else:
            df["early"] = is_early
            group_keys.append("early")
    if latest_only:
        scored = df.loc[df["_scored"]]
        per = [customer] + (["period"] if freq is not None else [])
        # the latest answer by date; ties broken by row order (the later row wins)
        order = scored.assign(_row=np.arange(len(scored))).sort_values([date, "_row"])
        latest = order.groupby(per, observed=True, sort=False).tail(1).index
        sup = df["_scored"] & ~df.index.isin(latest)
        df["_superseded"] = sup
        df["_scored"] = df["_scored"] & ~sup

    flags = pd.DataFrame({
        "detractors": df["_scored"] & (df["_cat"] == 0),
        "passives": df["_scored"] & (df["_cat"] == 1),
        "promoters": df["_scored"] & (df["_cat"] == 2),
        "blank": df["_blank"], "non_numeric": df["_non_numeric"],
        "superseded": df["_superseded"], "early_excluded": df["_early_excluded"],
    }, index=df.index).astype("int64")
    if group_keys:
        out = flags.groupby([df[k] for k in group_keys], observed=True, sort=True).sum().reset_index()
    else:
        out = flags.sum().to_frame().T
    out.insert(len(group_keys) + 3, "n", out[COUNT_COLUMNS].sum(axis=1))
    for c in [*COUNT_COLUMNS, "n", *EXCLUSION_COLUMNS]:
        out[c] = out[c].astype("int64")
    for col, reason in EXCLUSION_COLUMNS.items():
        excluded[reason] = int(out[col].sum())
    out.attrs["excluded"] = {k: v for k, v in excluded.items() if v}
    out.attrs["early_days"] = early_days
    return out


def _is_counts(data) -> bool:
    return isinstance(data, pd.DataFrame) and all(c in data.columns for c in COUNT_COLUMNS)


def _check_counts_table(table: pd.DataFrame, *, keys: Sequence[str]) -> pd.DataFrame:
    name = "nps counts"
    require_columns(table, table=name, columns=[*COUNT_COLUMNS, *keys])
    t = table.copy()
    for c in COUNT_COLUMNS + [c for c in EXCLUSION_COLUMNS if c in t.columns]:
        v = pd.to_numeric(t[c], errors="coerce")
        reject_rows(t, v.isna() | (v < 0) | (v % 1 != 0), table=name, column=c,
                    rule="must be a whole number >= 0")
        t[c] = v.astype("int64")
    for c in EXCLUSION_COLUMNS:
        if c not in t.columns:
            t[c] = 0
    t["n"] = t[COUNT_COLUMNS].sum(axis=1).astype("int64")
    return t


def _excluded_from(table: pd.DataFrame) -> dict[str, int]:
    out = dict(table.attrs.get("excluded", {}))
    for col, reason in EXCLUSION_COLUMNS.items():
        out[reason] = int(table[col].sum()) if col in table.columns else out.get(reason, 0)
    return {k: int(v) for k, v in out.items() if v}


_POLICY_DEFAULTS = {"score": "score", "date": "responded_at", "customer": "customer_id",
                    "since": "customer_since", "blank": "exclude", "latest_only": False,
                    "early_days": 90, "early": "keep", "start": None, "end": None}


def _reduce(data, *, keys: list[str], freq: str | None, policies: dict, analysis: str) -> tuple[
        pd.DataFrame, dict, int]:
    """Rows or a counts table -> (counts table, excluded, early_days)."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{analysis}: data must be a pandas DataFrame of {TABLE} rows or of counts "
                        f"({COUNT_COLUMNS}); got {type(data).__name__}.")
    given = {k: v for k, v in policies.items() if v is not None}
    if _is_counts(data):
        changed = [k for k, v in given.items() if k not in ("start", "end") and v != _POLICY_DEFAULTS[k]]
        if changed:
            raise ValueError(f"{analysis}: {changed} apply when reducing rows, but data is already a counts "
                             "table; pass them to nps.counts(...) instead.")
        need = list(keys) + (["period"] if freq is not None else [])
        table = _check_counts_table(data, keys=need)
        excluded = _excluded_from(table)
        if given.get("start") or given.get("end"):
            require_columns(table, table="nps counts", columns=["period"])
            lo, hi = _month_bounds(given.get("start"), given.get("end"))
            keep = pd.Series(True, index=table.index)
            per = pd.to_datetime(table["period"])
            keep &= per >= lo if lo is not None else True
            keep &= per <= hi if hi is not None else True
            dropped = int(table.loc[~keep, "n"].sum())
            if dropped:
                excluded["outside_period"] = excluded.get("outside_period", 0) + dropped
            table = table.loc[keep]
        return table, excluded, int(data.attrs.get("early_days", 90))
    kw = {**_POLICY_DEFAULTS, **given}
    table = counts(data, by=keys, freq=freq, **kw)
    return table, dict(table.attrs["excluded"]), kw["early_days"]


# ---------------------------------------------------------------------------------------------------
# the statistics (vectorised over rows of counts)


def _as_counts(d, p, r) -> np.ndarray:
    c = np.column_stack([np.atleast_1d(np.asarray(x, dtype="float64")) for x in (d, p, r)])
    return c


def _point(c: np.ndarray) -> np.ndarray:
    n = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (c[:, 2] - c[:, 0]) / np.where(n > 0, n, 1), np.nan)


def _wald_parts(c: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Centre and SE (fractions) of the Wald / adjusted Wald interval.

    Written by hand: no maintained Python library implements the trinomial NPS variance
    ``p + d - (p - d)^2`` (Rocks 2016) or its pseudo-count adjustment.
    """
    if method == "adjusted_wald":
        c = c + np.asarray(PSEUDO_COUNTS)
    n = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(n > 0, n, 1)
        pro, det = c[:, 2] / safe, c[:, 0] / safe
        centre = pro - det
        var1 = np.clip(pro + det - centre ** 2, 0, None)
        se = np.sqrt(var1 / safe)
    bad = n <= 0
    return np.where(bad, np.nan, centre), np.where(bad, np.nan, se)


def _rng(seed: int, salt: int, row: np.ndarray) -> np.random.Generator:
    # seeded by the counts themselves, so results do not depend on row order or segment labels
    return np.random.default_rng([int(seed), int(salt), *(int(x) for x in row)])


def _boot_draws(c: np.ndarray, seed: int, n_boot: int, salt: int) -> list[np.ndarray | None]:
    """Multinomial bootstrap draws of NPS (fractions) per row; None where n == 0."""
    out = []
    for row in c:
        n = int(row.sum())
        if n == 0:
            out.append(None)
            continue
        draws = _rng(seed, salt, row).multinomial(n, row / n, size=n_boot)
        out.append((draws[:, 2] - draws[:, 0]) / n)
    return out


def _single(c: np.ndarray, *, method: str, confidence: float, seed: int, n_boot: int) -> dict:
    """NPS, SE and interval per row of counts, in points, with clip / zero-variance flags."""
    n = c.sum(axis=1)
    est = _point(c)
    zero_var = (n > 0) & (c.max(axis=1) == n)  # every answer in one category
    if method == "bootstrap":
        alpha = 1 - confidence
        draws = _boot_draws(c, seed, n_boot, salt=0)
        se = np.array([np.std(d, ddof=1) if d is not None else np.nan for d in draws])
        lo = np.array([np.quantile(d, alpha / 2) if d is not None else np.nan for d in draws])
        hi = np.array([np.quantile(d, 1 - alpha / 2) if d is not None else np.nan for d in draws])
        undefined = zero_var
    else:
        centre, se = _wald_parts(c, method)
        z = _z(confidence)
        lo, hi = centre - z * se, centre + z * se
        undefined = zero_var if method == "wald" else np.zeros(len(c), dtype=bool)
    lo, hi = np.where(undefined, np.nan, lo), np.where(undefined, np.nan, hi)
    se = np.where(undefined, np.nan, se)
    clipped = (lo < -1) | (hi > 1)
    return {"nps": est * 100, "se": se * 100, "ci_low": np.clip(lo, -1, 1) * 100,
            "ci_high": np.clip(hi, -1, 1) * 100, "clipped": clipped, "zero_variance": undefined & (n > 0),
            "n": n}


def _difference(ca: np.ndarray, cb: np.ndarray, *, method: str, confidence: float, seed: int,
                n_boot: int) -> dict:
    """Test of NPS(a) - NPS(b) for independent samples, row by row, in points.

    Wald / adjusted Wald: the difference of the (adjusted) centres over sqrt(se_a^2 + se_b^2), each
    group with its own pseudo-counts (Lewis & Sauro, MeasuringU); the interval and the two-sided
    p-value come from the same z statistic. Bootstrap: independent multinomial resamples of each
    group; percentile interval of the differences and the p-value that inverts it.
    """
    from scipy.stats import norm

    raw = (_point(ca) - _point(cb)) * 100
    na, nb = ca.sum(axis=1), cb.sum(axis=1)
    empty = (na == 0) | (nb == 0)
    if method == "bootstrap":
        alpha = 1 - confidence
        da, db = _boot_draws(ca, seed, n_boot, salt=1), _boot_draws(cb, seed, n_boot, salt=2)
        se, lo, hi, p = (np.full(len(ca), np.nan) for _ in range(4))
        for i, (x, y) in enumerate(zip(da, db)):
            if x is None or y is None:
                continue
            diff = x - y
            if np.ptp(diff) == 0:
                continue
            se[i] = np.std(diff, ddof=1)
            lo[i], hi[i] = np.quantile(diff, [alpha / 2, 1 - alpha / 2])
            below, above = np.sum(diff <= 0), np.sum(diff >= 0)
            p[i] = min(1.0, 2 * (min(below, above) + 1) / (n_boot + 1))
        stat = np.full(len(ca), np.nan)
    else:
        a_c, a_se = _wald_parts(ca, method)
        b_c, b_se = _wald_parts(cb, method)
        centre, se = a_c - b_c, np.hypot(a_se, b_se)
        z = _z(confidence)
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.where(se > 0, centre / np.where(se > 0, se, 1), np.nan)
        p = 2 * norm.sf(np.abs(stat))
        se = np.where(se > 0, se, np.nan)
        lo, hi = centre - z * se, centre + z * se
    for arr in (se, lo, hi, p, stat):
        arr[empty] = np.nan
    clipped = (lo < -2) | (hi > 2)
    return {"difference": raw, "se": se * 100, "ci_low": np.clip(lo, -2, 2) * 100,
            "ci_high": np.clip(hi, -2, 2) * 100, "statistic": stat, "p_value": p, "clipped": clipped}


_adjust = adjust_pvalues  # NaN (small segments, not tested) stays NaN


# ---------------------------------------------------------------------------------------------------
# results


def _estimate_summary(est, locale: str, key: str = "estimate") -> str:
    line = _t(key, locale, nps=i18n.points(est.nps, locale),
              ci=_ci_text(est.ci_low, est.ci_high, est.confidence, locale), n=i18n.number(est.n, locale),
              method=_method_text(est.method, locale, n_boot=est.n_boot, seed=est.seed))
    return line


@dataclass(frozen=True)
class NPSEstimate(ResultMixin):
    """One Net Promoter Score with its interval (points, -100..100).

    ``nps`` is the observed score (% promoters - % detractors). For ``adjusted_wald`` the interval
    and ``se`` come from the pseudo-count adjusted proportions, so the interval is centred slightly
    towards 0 from ``nps``. ``notes`` holds codes: ``small_sample``, ``ci_clipped``,
    ``zero_variance``, ``no_answers``.
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
    excluded: dict = field(default_factory=dict)
    notes: tuple = ()

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in self.headline().items() if not isinstance(v, (dict, list))}])

    @property
    def counts(self) -> np.ndarray:
        return np.array([self.detractors, self.passives, self.promoters], dtype="float64")

    def headline(self) -> dict:
        out = asdict(self)
        out["notes"] = list(self.notes)
        return jsonable(out)

    def summary(self, locale: str = "en") -> str:
        lines = [_estimate_summary(self, locale)]
        if self.notes:
            lines.append(_t("notes", locale, items="; ".join(
                _note_text(c, locale, min_n=self.min_n) for c in self.notes)))
        if ex := _excluded_text(self.excluded, locale):
            lines.append(ex)
        return "\n".join(lines)

    def plot(self, ax=None, locale: str = "en"):
        import matplotlib.pyplot as plt
        ax = plt.gca() if ax is None else ax
        if np.isfinite(self.ci_low):
            ax.errorbar(self.nps, 0, xerr=[[self.nps - self.ci_low], [self.ci_high - self.nps]], fmt="o",
                        capsize=4)
        else:
            ax.plot(self.nps, 0, "o")
        ax.axvline(0, color="0.7", lw=0.8)
        ax.set(xlim=(-100, 100), yticks=[], xlabel=_t("label_nps", locale))
        return ax


def _make_estimate(c: np.ndarray, *, method, confidence, seed, n_boot, min_n, excluded=None) -> NPSEstimate:
    r = _single(c.reshape(1, 3), method=method, confidence=confidence, seed=seed, n_boot=n_boot)
    n = int(c.sum())
    notes = []
    if n == 0:
        notes.append("no_answers")
    elif n < min_n:
        notes.append("small_sample")
    if r["zero_variance"][0]:
        notes.append("zero_variance")
    if r["clipped"][0]:
        notes.append("ci_clipped")
    random = method == "bootstrap"
    return NPSEstimate(nps=_f(r["nps"][0]), se=_f(r["se"][0]), ci_low=_f(r["ci_low"][0]),
                       ci_high=_f(r["ci_high"][0]), n=n, detractors=int(c[0]), passives=int(c[1]),
                       promoters=int(c[2]), method=method, confidence=confidence, min_n=min_n,
                       seed=seed if random else None, n_boot=n_boot if random else None,
                       excluded=dict(excluded or {}), notes=tuple(notes))


def _check_common(method, confidence, seed, n_boot, min_n=30):
    _check_method(method)
    confidence = check_confidence(confidence)
    seed = _check_int(seed, name="seed", minimum=0)
    n_boot = _check_int(n_boot, name="n_boot", minimum=100)
    min_n = _check_int(min_n, name="min_n", minimum=1)
    return confidence, seed, n_boot, min_n


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
        ``confidence``, ``notes``.

    Notes
    -----
    Wald: with p, d the promoter and detractor shares, SE = sqrt((p + d - (p - d)^2) / n); the
    interval is NPS +/- z SE. Adjusted Wald adds (0.75, 1.5, 0.75) to the counts first and uses
    n + 3. Checked against the tests of the R package ``NPS`` (Rocks): counts (1, 2, 3) give NPS 33.3
    and SE 30.4. When every answer falls in one category, the Wald and bootstrap intervals collapse
    to a point: they are reported as NaN with the note ``zero_variance`` rather than as a zero-width
    interval.

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score". The American Statistician,
    70(4), 365-372.

    Examples
    --------
    >>> est = from_counts(1, 2, 3, method="wald")
    >>> round(est.nps, 2), round(est.se, 1)
    (33.33, 30.4)
    >>> round(from_counts(20, 30, 50).ci_low, 1)
    14.1
    """
    confidence, seed, n_boot, min_n = _check_common(method, confidence, seed, n_boot, min_n)
    values = []
    for name, v in (("detractors", detractors), ("passives", passives), ("promoters", promoters)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float, np.floating)) or not (
                np.isfinite(v) and v >= 0 and float(v) == int(v)):
            raise ValueError(f"{name} must be a whole number >= 0; got {v!r}.")
        values.append(int(v))
    return _make_estimate(np.array(values, dtype="float64"), method=method, confidence=confidence,
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
        See :func:`from_counts`; ``excluded`` counts ``blank_score`` and ``non_numeric_score``.

    Examples
    --------
    >>> est = estimate([10, 9, 9, 8, 7, 3, None])
    >>> round(est.nps, 1), est.n, est.excluded
    (33.3, 6, {'blank_score': 1})
    """
    confidence, seed, n_boot, min_n = _check_common(method, confidence, seed, n_boot, min_n)
    cats = categorize(scores, blank=blank)
    s = scores if isinstance(scores, pd.Series) else pd.Series(list(scores) if not isinstance(
        scores, np.ndarray) else scores)
    _, is_blank, non_numeric = _parse_scores(s, blank=blank, column=str(s.name or "score"))
    c = cats.value_counts().reindex(list(CATEGORIES), fill_value=0).to_numpy(dtype="float64")
    excluded = {"blank_score": int(is_blank.sum()), "non_numeric_score": int(non_numeric.sum())}
    return _make_estimate(c, method=method, confidence=confidence, seed=seed, n_boot=n_boot, min_n=min_n,
                          excluded={k: v for k, v in excluded.items() if v})


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
    notes: tuple = ()

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in self.headline().items() if not isinstance(v, (dict, list))}])

    def headline(self) -> dict:
        out = asdict(self)
        out["notes"] = list(self.notes)
        return jsonable(out)

    def summary(self, locale: str = "en") -> str:
        verdict = i18n.text("common", "significant" if self.significant else "not_significant", locale)
        line = _t("compare", locale, diff=i18n.points(self.difference, locale),
                  ci=_ci_text(self.ci_low, self.ci_high, self.confidence, locale),
                  p=_p(self.p_value, locale), verdict=verdict,
                  method=_method_text(self.method, locale, n_boot=self.n_boot, seed=self.seed))
        if self.notes:
            line += "\n" + _t("notes", locale, items="; ".join(_note_text(c, locale, min_n=30)
                                                               for c in self.notes))
        return line

    def plot(self, ax=None, locale: str = "en"):
        import matplotlib.pyplot as plt
        ax = plt.gca() if ax is None else ax
        if np.isfinite(self.ci_low):
            err = [[max(self.difference - self.ci_low, 0)], [max(self.ci_high - self.difference, 0)]]
            ax.errorbar(self.difference, 0, xerr=err, fmt="o", capsize=4)
        else:
            ax.plot(self.difference, 0, "o")
        ax.axvline(0, color="0.5", lw=0.8, ls="--")
        ax.set(yticks=[], xlabel=_t("label_difference", locale))
        return ax


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
    r = _difference(a.counts.reshape(1, 3), b.counts.reshape(1, 3), method=a.method, confidence=confidence,
                    seed=seed, n_boot=n_boot)
    notes = []
    if min(a.n, b.n) < min(a.min_n, b.min_n):
        notes.append("small_sample")
    if not np.isfinite(r["p_value"][0]) and min(a.n, b.n) > 0:
        notes.append("zero_variance")
    if r["clipped"][0]:
        notes.append("ci_clipped")
    p = _f(r["p_value"][0])
    random = a.method == "bootstrap"
    return NPSComparison(difference=_f(r["difference"][0]), se=_f(r["se"][0]), ci_low=_f(r["ci_low"][0]),
                         ci_high=_f(r["ci_high"][0]), statistic=_f(r["statistic"][0]), p_value=p,
                         significant=bool(np.isfinite(p) and p < 1 - confidence), nps_a=a.nps, nps_b=b.nps,
                         n_a=a.n, n_b=b.n, method=a.method, confidence=confidence,
                         seed=seed if random else None, n_boot=n_boot if random else None,
                         notes=tuple(notes))


# ---------------------------------------------------------------------------------------------------
# empirical Bayes shrinkage


def _dm_negloglik(log_alpha: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative Dirichlet-multinomial log-likelihood (without the multinomial coefficient) and its
    gradient with respect to log alpha."""
    from scipy.special import digamma, gammaln
    alpha = np.exp(log_alpha)
    a0 = alpha.sum()
    n = x.sum(axis=1)
    ll = gammaln(a0) - gammaln(n + a0) + (gammaln(x + alpha) - gammaln(alpha)).sum(axis=1)
    grad = (digamma(a0) - digamma(n + a0))[:, None] + digamma(x + alpha) - digamma(alpha)
    return -float(ll.sum()), -(grad.sum(axis=0) * alpha)


_MAX_LOG_ALPHA = math.log(1e6)


def fit_prior(counts_table) -> dict:
    """Fit a Dirichlet prior to per-segment (detractor, passive, promoter) counts by marginal likelihood.

    Parameters
    ----------
    counts_table : pandas.DataFrame or array of shape (k, 3)
        One row per segment with ``detractors``, ``passives``, ``promoters`` (k >= 3).

    Returns
    -------
    dict
        ``alpha`` (three Dirichlet parameters), ``strength`` (their sum: how many answers the prior is
        worth), ``mean`` (prior shares), ``loglik`` and ``boundary`` (True when the segments vary no
        more than sampling noise, so the prior is as strong as allowed and shrinks fully to the pool).

    Notes
    -----
    Empirical Bayes with a Dirichlet-multinomial model (Minka 2000): segment i's category shares
    are drawn from Dirichlet(alpha) and its counts are multinomial given them. alpha maximises the
    marginal likelihood sum_i [log G(A) - log G(n_i + A) + sum_k (log G(x_ik + a_k) - log G(a_k))]
    (A = sum a_k) with scipy's bounded TNC on log alpha (analytic gradient). Written by hand because no
    maintained Python
    library fits a Dirichlet-multinomial; the likelihood is checked against
    ``scipy.stats.dirichlet_multinomial``.

    Examples
    --------
    >>> prior = fit_prior([[10, 20, 30], [12, 18, 30], [30, 20, 10], [9, 21, 31]])
    >>> prior["strength"] > 0
    True
    """
    from scipy.optimize import minimize

    x = (counts_table[COUNT_COLUMNS].to_numpy(dtype="float64") if isinstance(counts_table, pd.DataFrame)
         else np.asarray(counts_table, dtype="float64"))
    x = x[x.sum(axis=1) > 0]
    x = x[np.lexsort(x.T[::-1])]  # a fixed row order: the fit must not depend on how segments are listed
    if x.ndim != 2 or x.shape[1] != 3 or len(x) < 3:
        raise ValueError("fit_prior needs counts for at least 3 segments with answers (k x 3).")
    pooled = (x.sum(axis=0) + 0.5) / (x.sum() + 1.5)
    best = None
    for strength in (5.0, 100.0, 5000.0):
        # TNC with the analytic gradient: L-BFGS-B reaches the same optimum but was ~10x slower here
        res = minimize(_dm_negloglik, np.log(pooled * strength), args=(x,), jac=True, method="TNC",
                       bounds=[(-8.0, _MAX_LOG_ALPHA)] * 3)
        if best is None or res.fun < best.fun:
            best = res
    # as the prior strength grows the Dirichlet-multinomial tends to one multinomial with the pooled
    # shares: when that limit fits as well, the segments vary no more than sampling noise
    share = x.sum(axis=0) / x.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ll_pooled = float(np.sum(np.where(x > 0, x * np.log(np.where(share > 0, share, 1)), 0.0)))
    boundary = bool(ll_pooled >= -best.fun - 0.01)
    alpha = share * math.exp(_MAX_LOG_ALPHA) if boundary else np.exp(best.x)
    if boundary:
        alpha = np.maximum(alpha, math.exp(-8.0))
    return {"alpha": [float(a) for a in alpha], "strength": float(alpha.sum()),
            "mean": [float(a) for a in alpha / alpha.sum()], "loglik": float(max(-best.fun, ll_pooled)),
            "boundary": boundary}


def _shrink(c: np.ndarray, alpha: np.ndarray, confidence: float, seed: int, draws: int = 4000) -> dict:
    """Posterior mean and equal-tailed credible interval of NPS per segment (points)."""
    post = c + alpha
    a0 = post.sum(axis=1)
    mean = (post[:, 2] - post[:, 0]) / a0
    lo, hi = np.empty(len(c)), np.empty(len(c))
    q = [(1 - confidence) / 2, (1 + confidence) / 2]
    for i, row in enumerate(post):
        theta = _rng(seed, 3, c[i]).dirichlet(row, size=draws)  # seeded by the segment's counts
        lo[i], hi[i] = np.quantile(theta[:, 2] - theta[:, 0], q)
    return {"nps_shrunk": mean * 100, "shrunk_low": lo * 100, "shrunk_high": hi * 100}


# ---------------------------------------------------------------------------------------------------
# segments


@dataclass(frozen=True, eq=False)
class NPSSegments(ResultMixin):
    """NPS per segment, each tested against the rest of the respondents.

    ``table`` columns: the ``by`` columns, ``segment`` (label), ``n``, ``detractors``, ``passives``,
    ``promoters``, ``share`` (of all answers), ``nps``, ``se``, ``ci_low``, ``ci_high`` (points),
    ``n_rest``, ``nps_rest`` (the comparison group, see ``reference``), ``difference`` (segment - rest),
    ``diff_low``, ``diff_high``, ``statistic``,
    ``p_value``, ``p_adj``, ``significant``, ``direction`` ("below" / "above" / ""),
    ``small_sample``, ``impact`` (overall NPS minus the overall NPS without the segment, points),
    ``nps_shrunk``, ``shrunk_low``, ``shrunk_high`` (empirical Bayes, points), ``notes``.
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
    excluded: dict
    notes: tuple
    early: NPSEstimate | None = None
    early_table: pd.DataFrame | None = None
    early_days: int = 90

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
            "excluded": self.excluded,
            "early_nps": None if self.early is None else self.early.nps,
            "notes": list(self.notes),
        })

    def summary(self, locale: str = "en") -> str:
        t = self.table
        adjust = _t(f"adjust_{self.adjust}", locale)
        lines = [_estimate_summary(self.overall, locale, key="overall")]

        def items(rows):
            return "; ".join(_t(f"seg_item_{self.reference}", locale, segment=r["segment"],
                                nps=i18n.points(r["nps"], locale),
                                rest=i18n.points(r["nps_rest"], locale), p=_p(r["p_adj"], locale))
                             for _, r in rows.iterrows())
        below = t.loc[t["significant"] & (t["direction"] == "below")].sort_values("difference")
        above = t.loc[t["significant"] & (t["direction"] == "above")].sort_values("difference",
                                                                                 ascending=False)
        if len(below):
            lines.append(_t("seg_below", locale, adjust=adjust, items=items(below)))
        if len(above):
            lines.append(_t("seg_above", locale, adjust=adjust, items=items(above)))
        if not len(below) and not len(above):
            lines.append(_t("seg_none", locale, adjust=adjust, k=int(t["p_value"].notna().sum())))
        small = t.loc[t["small_sample"]]
        if len(small):
            lines.append(_t("seg_small", locale, min_n=self.min_n,
                            items=", ".join(f"{s} ({int(n)})" for s, n in zip(small["segment"], small["n"]))))
        if len(t) > 1 and (t["impact"] < 0).any():
            r = t.loc[t["impact"].idxmin()]
            lines.append(_t("seg_impact", locale, segment=r["segment"],
                            value=i18n.points(self.overall.nps - r["impact"], locale),
                            delta=i18n.points(-r["impact"], locale)))
        if self.prior and not self.prior.get("boundary"):
            lines.append(_t("seg_shrink", locale, strength=i18n.number(self.prior["strength"], locale)))
        if self.early is not None:
            e = self.early
            lines.append(_t("early_separate", locale, days=self.early_days, nps=i18n.points(e.nps, locale),
                            ci=_ci_text(e.ci_low, e.ci_high, e.confidence, locale),
                            n=i18n.number(e.n, locale)))
        if self.notes:
            lines.append(_t("notes", locale, items="; ".join(_note_text(c, locale, min_n=self.min_n)
                                                             for c in self.notes)))
        if ex := _excluded_text(self.excluded, locale, days=self.early_days):
            lines.append(ex)
        return "\n".join(lines)

    def plot(self, ax=None, kind: str = "nps", locale: str = "en", **kwargs):
        """``kind="nps"``: NPS per segment with interval whiskers (and the shrunken estimate);
        ``kind="distribution"``: diverging stacked bar of detractor / passive / promoter shares."""
        check_choice(kind, name="kind", options=("nps", "distribution"))
        if kind == "distribution":
            return _plot_distribution(self.table, label="segment", ax=ax, locale=locale,
                                      title=_t("title_distribution", locale,
                                               by=" × ".join(i18n.column_label(b, locale) for b in self.by)),
                                      **kwargs)
        return _plot_segments(self, ax=ax, locale=locale, **kwargs)


def _vs_reference(c: np.ndarray, *, reference, method, confidence, adjust, min_n, seed, n_boot) -> dict:
    """Test each segment against its comparison group; with ``reference="typical"``, step down.

    "typical": the most significant segment (smallest p) is set aside from everybody's comparison
    group and the tests are repeated, until no further segment is significant (or fewer than two
    segments would remain). One very different segment then does not make the others look "above
    the rest" merely because the rest contains it. Hand-written: a step-down outlier search over
    segments is not in statsmodels; each step's tests are the two-sample NPS test and the family is
    adjusted with ``multipletests`` at every step.
    """
    k = len(c)
    n = c.sum(axis=1)
    flagged = np.zeros(k, dtype=bool)
    while True:
        pool = c[~flagged].sum(axis=0)
        ref = pool - np.where(flagged[:, None], 0.0, c)
        diff = _difference(c, ref, method=method, confidence=confidence, seed=seed, n_boot=n_boot)
        small = (n < min_n) | (ref.sum(axis=1) < min_n)
        p = np.where(small, np.nan, diff["p_value"])
        p_adj = _adjust(p, adjust)
        significant = np.isfinite(p_adj) & (p_adj < 1 - confidence)
        new = significant & ~flagged
        if reference == "rest" or not new.any() or (~flagged).sum() - 1 < 2:
            break
        flagged[np.flatnonzero(new)[np.argmin(p[new])]] = True
    return {"diff": diff, "ref": ref, "small": small, "p": p, "p_adj": p_adj, "significant": significant}


def _segment_table(c: np.ndarray, *, reference, method, confidence, adjust, min_n, seed, n_boot) -> tuple[
        pd.DataFrame, NPSEstimate]:
    total = c.sum(axis=0)
    rest = total - c
    single = _single(c, method=method, confidence=confidence, seed=seed, n_boot=n_boot)
    v = _vs_reference(c, reference=reference, method=method, confidence=confidence, adjust=adjust,
                      min_n=min_n, seed=seed, n_boot=n_boot)
    diff, small, significant = v["diff"], v["small"], v["significant"]
    n = c.sum(axis=1)
    overall_nps = _point(total.reshape(1, 3))[0] * 100
    tab = pd.DataFrame({
        "n": n.astype("int64"), "detractors": c[:, 0].astype("int64"), "passives": c[:, 1].astype("int64"),
        "promoters": c[:, 2].astype("int64"), "share": n / max(total.sum(), 1),
        "nps": single["nps"], "se": single["se"], "ci_low": single["ci_low"], "ci_high": single["ci_high"],
        "n_rest": v["ref"].sum(axis=1).astype("int64"), "nps_rest": _point(v["ref"]) * 100,
        "difference": diff["difference"], "diff_low": np.where(small, np.nan, diff["ci_low"]),
        "diff_high": np.where(small, np.nan, diff["ci_high"]),
        "statistic": np.where(small, np.nan, diff["statistic"]), "p_value": v["p"], "p_adj": v["p_adj"],
        "significant": significant,
        "direction": np.where(significant, np.where(diff["difference"] < 0, "below", "above"), ""),
        "small_sample": small, "impact": overall_nps - _point(rest) * 100,
    })
    notes = []
    for i in range(len(c)):
        codes = [code for code, flag in (("small_sample", small[i]),
                                         ("zero_variance", single["zero_variance"][i]),
                                         ("ci_clipped", single["clipped"][i])) if flag]
        notes.append(",".join(codes))
    tab["notes"] = notes
    overall = _make_estimate(total, method=method, confidence=confidence, seed=seed, n_boot=n_boot,
                             min_n=min_n)
    return tab, overall


def segment(data, *, by="region", method: str = "adjusted_wald", confidence: float = 0.95,
            adjust: str = "holm", reference: str = "typical", min_n: int = 30, shrink: bool = True,
            seed: int = DEFAULT_SEED,
            n_boot: int = DEFAULT_N_BOOT, score=None, date=None, customer=None, since=None, blank=None,
            latest_only=None, early_days=None, early=None, start=None, end=None) -> NPSSegments:
    """NPS per segment, each against the rest of the respondents, with adjusted p-values.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of ``nps_responses``, or the output of :func:`counts` (detected by its ``detractors``,
        ``passives``, ``promoters`` columns; a ``period`` column is summed over).
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
        Reduction policies passed to :func:`counts` when ``data`` holds rows (defaults there); with a
        counts table only ``start``/``end`` apply (on its ``period``).

    Returns
    -------
    NPSSegments
        ``overall`` (NPSEstimate of all answers used), ``table`` (see :class:`NPSSegments`), ``prior``,
        ``excluded``, ``notes``; with ``early="separate"`` also ``early`` and ``early_table``.

    Notes
    -----
    Each segment is compared with its comparison group (``n_rest``, ``nps_rest``; two independent
    groups) by :func:`compare`'s procedure, so ``diff_low``/``diff_high`` and ``p_value`` agree. ``impact``
    is what the segment
    does to the total: overall NPS minus the NPS of all answers outside the segment.

    Examples
    --------
    >>> rows = pd.DataFrame({"region": ["A"] * 60 + ["B"] * 60 + ["C"] * 60,
    ...                      "score": [10, 9, 3] * 20 + [10, 8, 7] * 20 + [2, 3, 9] * 20})
    >>> res = segment(rows, by="region")
    >>> res.table["nps"].round(1).tolist(), res.significant_below
    ([33.3, 33.3, -33.3], ['C'])
    """
    keys = _as_list(by)
    if not keys:
        raise ValueError("segment: by must name at least one column.")
    if "segment" in keys and len(keys) > 1:
        raise ValueError("segment: a column named 'segment' can only be used on its own (the table uses "
                         "'segment' for the combined label); rename it.")
    check_choice(adjust, name="adjust", options=ADJUSTS)
    check_choice(reference, name="reference", options=("typical", "rest"))
    confidence, seed, n_boot, min_n = _check_common(method, confidence, seed, n_boot, min_n)
    policies = {"score": score, "date": date, "customer": customer, "since": since, "blank": blank,
                "latest_only": latest_only, "early_days": early_days, "early": early, "start": start,
                "end": end}
    table, excluded, days = _reduce(data, keys=keys, freq=None, policies=policies, analysis="segment")
    early_est, early_table = None, None
    if "early" in table.columns:
        is_early = table["early"].astype(bool)
        early_rows = table.loc[is_early]
        table = table.loc[~is_early]
        ec = early_rows.groupby(keys, observed=True, sort=True)[COUNT_COLUMNS].sum()
        e_single = _single(ec.to_numpy(dtype="float64"), method=method, confidence=confidence, seed=seed,
                           n_boot=n_boot) if len(ec) else None
        early_table = ec.reset_index()
        if e_single is not None:
            early_table["n"] = ec.sum(axis=1).to_numpy()
            for k in ("nps", "ci_low", "ci_high"):
                early_table[k] = e_single[k]
        early_est = _make_estimate(ec.sum(axis=0).to_numpy(dtype="float64") if len(ec) else np.zeros(3),
                                   method=method, confidence=confidence, seed=seed, n_boot=n_boot,
                                   min_n=min_n)
    grouped = table.groupby(keys, observed=True, sort=True)[COUNT_COLUMNS].sum()
    grouped = grouped.loc[grouped.sum(axis=1) > 0]
    check_not_empty(grouped, table=TABLE, what="scored answers")
    c = grouped.to_numpy(dtype="float64")
    tab, overall = _segment_table(c, reference=reference, method=method, confidence=confidence,
                                  adjust=adjust, min_n=min_n, seed=seed, n_boot=n_boot)
    index = grouped.index.to_frame(index=False)
    tab = pd.concat([index, tab], axis=1)
    if keys != ["segment"]:  # a single key named "segment" is its own label
        tab.insert(len(keys), "segment", [_segment_label(r, keys) for _, r in index.iterrows()])
    notes, prior = [], {}
    if shrink:
        if len(c) >= 3:
            prior = fit_prior(c)
            tab = tab.assign(**_shrink(c, np.asarray(prior["alpha"]), confidence, seed))
            if prior["boundary"]:
                notes.append("no_between_variation")
        else:
            notes.append("too_few_segments")
            tab = tab.assign(nps_shrunk=np.nan, shrunk_low=np.nan, shrunk_high=np.nan)
    overall = dataclasses.replace(overall, excluded=excluded)
    return NPSSegments(table=tab, overall=overall, by=tuple(keys), method=method, confidence=confidence,
                       adjust=adjust, reference=reference, min_n=min_n, seed=seed,
                       n_boot=n_boot if method == "bootstrap" else None,
                       prior=prior, excluded=excluded, notes=tuple(notes), early=early_est,
                       early_table=early_table, early_days=days)


# ---------------------------------------------------------------------------------------------------
# trend


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
    excluded: dict
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
            "significant_changes": {self._label(p, "en"): ch for p, ch in zip(sig["period"], sig["change"])},
            "method": self.method, "confidence": self.confidence, "adjust": self.adjust,
            "excluded": self.excluded,
        })

    def _label(self, period, locale: str) -> str:
        ts = pd.Timestamp(period)
        if self.freq.startswith("M"):
            return i18n.month(ts, locale)
        if self.freq.startswith("Q"):
            end = (pd.Period(ts, freq=self.freq).end_time)
            return f"{i18n.month(ts, locale)} – {i18n.month(end.normalize(), locale)}"
        return i18n.date(ts, locale)

    def summary(self, locale: str = "en") -> str:
        t = self.table
        last = t.iloc[-1]
        label = self._label(last["period"], locale)
        ci = _ci_text(last["ci_low"], last["ci_high"], self.confidence, locale)
        if len(t) > 1 and np.isfinite(last["change"]):
            verdict = i18n.text("common", "significant" if last["significant"] else "not_significant", locale)
            lines = [_t("trend_latest", locale, period=label, nps=i18n.points(last["nps"], locale), ci=ci,
                        n=i18n.number(last["n"], locale), previous=self._label(t["period"].iloc[-2], locale),
                        change=i18n.points(last["change"], locale),
                        change_ci=_ci_text(last["change_low"], last["change_high"], self.confidence, locale),
                        p=_p(last["p_value"], locale), p_adj=_p(last["p_adj"], locale), verdict=verdict,
                        adjust=_t(f"adjust_{self.adjust}", locale), k=int(t["p_value"].notna().sum()))]
        else:
            lines = [_t("trend_first", locale, period=label, nps=i18n.points(last["nps"], locale), ci=ci,
                        n=i18n.number(last["n"], locale))]
        k = int(t["p_value"].notna().sum())
        adjust = _t(f"adjust_{self.adjust}", locale)
        sig = t.loc[t["significant"]]
        if len(sig):
            lines.append(_t("trend_sig", locale, adjust=adjust, k=k, items="; ".join(
                f"{self._label(r['period'], locale)} ({i18n.points(r['change'], locale)})"
                for _, r in sig.iterrows())))
        elif k:
            lines.append(_t("trend_sig_none", locale, adjust=adjust, k=k))
        lines.append(i18n.text("common", "method", locale,
                               method=_method_text(self.method, locale, n_boot=self.n_boot, seed=self.seed)))
        if ex := _excluded_text(self.excluded, locale, days=self.early_days):
            lines.append(ex)
        return "\n".join(lines)

    def plot(self, ax=None, locale: str = "en", **kwargs):
        """The NPS line with its interval band; significant changes are marked."""
        import matplotlib.pyplot as plt
        ax = plt.gca() if ax is None else ax
        t = self.table
        x = pd.to_datetime(t["period"])
        line, = ax.plot(x, t["nps"], marker="o", **kwargs)
        ax.fill_between(x, t["ci_low"], t["ci_high"], color=line.get_color(), alpha=0.2, lw=0)
        sig = t["significant"].to_numpy(dtype=bool)
        if sig.any():
            ax.plot(x[sig], t.loc[sig, "nps"], "*", ms=14, color="crimson", zorder=3)
        ax.axhline(0, color="0.7", lw=0.8)
        ax.tick_params(axis="x", labelrotation=30)
        ax.set(ylabel=_t("label_nps", locale), xlabel=_t("label_period", locale), title=_t("title_trend",
                                                                                           locale))
        return ax


def trend(data, *, freq: str = "M", method: str = "adjusted_wald", confidence: float = 0.95,
          adjust: str = "holm", min_n: int = 30, seed: int = DEFAULT_SEED, n_boot: int = DEFAULT_N_BOOT,
          score=None, date=None, customer=None, since=None, blank=None, latest_only=None,
          early_days=None, early=None, start=None, end=None) -> NPSTrend:
    """NPS per week, month or quarter, and whether it changed from the previous period.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of ``nps_responses``, or the output of :func:`counts` with a ``period`` column (other key
        columns are summed over).
    freq : {"W", "M", "Q"} or an anchored alias such as "Q-OCT", default "M"
        Period length. ``"Q"`` with ``end="2026-10"`` gives quarters ending with the reported month.
    method, confidence, min_n, seed, n_boot
        As in :func:`segment`.
    adjust : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
        Correction across all the period-to-period changes in the table; narrow the window with
        ``start`` to focus the family on recent periods.
    score, date, customer, since, blank, latest_only, early_days, early, start, end
        Reduction policies (see :func:`counts`). With ``early="separate"`` the trend uses the
        established customers' answers only.

    Returns
    -------
    NPSTrend
        ``table`` (one row per period), the latest period's NPS, change, its p-value, the p-value
        adjusted across the changes in the table, and the flag (adjusted p < 1 - confidence).

    Notes
    -----
    Each change is NPS(t) - NPS(t-1) tested with :func:`compare`'s procedure, treating the periods
    as independent samples (a customer answering in both makes it slightly conservative when
    answers are positively correlated). Periods with fewer than ``min_n`` answers on either side are
    not tested. Empty periods inside the range appear with n = 0 and NaN.

    Examples
    --------
    >>> rows = pd.DataFrame({"responded_at": pd.to_datetime(["2026-09-05"] * 40 + ["2026-10-05"] * 40),
    ...                      "score": [3, 8, 9, 10] * 10 + [9, 10, 10, 8] * 10})
    >>> res = trend(rows, freq="M")
    >>> res.table[["period", "nps", "change"]].round({"nps": 1, "change": 1})
          period   nps  change
    0 2026-09-01  25.0     NaN
    1 2026-10-01  75.0    50.0
    """
    check_choice(adjust, name="adjust", options=ADJUSTS)
    confidence, seed, n_boot, min_n = _check_common(method, confidence, seed, n_boot, min_n)
    alias = _freq_alias(freq, end)
    policies = {"score": score, "date": date, "customer": customer, "since": since, "blank": blank,
                "latest_only": latest_only, "early_days": early_days, "early": early, "start": start,
                "end": end}
    table, excluded, days = _reduce(data, keys=[], freq=freq, policies=policies, analysis="trend")
    if "early" in table.columns:
        early_n = int(table.loc[table["early"].astype(bool), "n"].sum())
        if early_n:
            excluded["early_answer"] = excluded.get("early_answer", 0) + early_n
        table = table.loc[~table["early"].astype(bool)]
    grouped = table.groupby(pd.to_datetime(table["period"]), sort=True)[COUNT_COLUMNS].sum()
    check_not_empty(grouped, table=TABLE, what="scored answers")
    # fill empty periods so a gap is visible rather than silently bridged
    full = pd.period_range(grouped.index.min(), grouped.index.max(), freq=alias).start_time
    grouped = grouped.reindex(full, fill_value=0)
    c = grouped.to_numpy(dtype="float64")
    single = _single(c, method=method, confidence=confidence, seed=seed, n_boot=n_boot)
    n = c.sum(axis=1)
    tab = pd.DataFrame({"period": grouped.index, "n": n.astype("int64"),
                        "detractors": c[:, 0].astype("int64"), "passives": c[:, 1].astype("int64"),
                        "promoters": c[:, 2].astype("int64"), "nps": single["nps"], "se": single["se"],
                        "ci_low": single["ci_low"], "ci_high": single["ci_high"]})
    change = {k: np.full(len(c), np.nan) for k in ("change", "change_low", "change_high", "statistic",
                                                   "p_value")}
    small = n < min_n
    if len(c) > 1:
        d = _difference(c[1:], c[:-1], method=method, confidence=confidence, seed=seed, n_boot=n_boot)
        testable = ~(small[1:] | small[:-1])
        change["change"][1:] = d["difference"]
        for src, dst in (("ci_low", "change_low"), ("ci_high", "change_high"), ("statistic", "statistic"),
                         ("p_value", "p_value")):
            change[dst][1:] = np.where(testable, d[src], np.nan)
    tab = tab.assign(**change)
    tab["p_adj"] = _adjust(tab["p_value"].to_numpy(), adjust)
    tab["significant"] = np.isfinite(tab["p_adj"]) & (tab["p_adj"] < 1 - confidence)
    tab["small_sample"] = small
    tab["notes"] = [",".join(code for code, flag in (("no_answers", m == 0), ("small_sample", 0 < m < min_n),
                                                      ("zero_variance", z), ("ci_clipped", cl)) if flag)
                    for m, z, cl in zip(n, single["zero_variance"], single["clipped"])]
    last = tab.iloc[-1]
    return NPSTrend(table=tab, freq=alias, method=method, confidence=confidence, adjust=adjust, min_n=min_n,
                    seed=seed, n_boot=n_boot if method == "bootstrap" else None,
                    latest_period=str(pd.Timestamp(last["period"]).date()), latest_nps=_f(last["nps"]),
                    latest_change=_f(last["change"]), latest_p_value=_f(last["p_value"]),
                    latest_p_adj=_f(last["p_adj"]),
                    latest_significant=bool(last["significant"]), excluded=excluded, early_days=days)


# ---------------------------------------------------------------------------------------------------
# what-if and sample size


@dataclass(frozen=True, eq=False)
class NPSWhatIf(ResultMixin):
    """The NPS if a share of detractors changed their answer, overall and segment by segment.

    ``table`` columns: the ``by`` columns, ``segment``, ``n``, ``detractors``, ``nps`` (segment now),
    ``nps_if`` (segment after the change), ``impact`` (overall NPS minus the NPS without the segment),
    ``total_if`` (overall NPS if only this segment's detractors changed), ``gain`` (total_if - overall).
    """
    nps: float
    nps_if: float
    gain: float
    share: float
    to: str
    n: int
    by: tuple
    table: pd.DataFrame

    def headline(self) -> dict:
        return jsonable({"nps": self.nps, "nps_if": self.nps_if, "gain": self.gain, "share": self.share,
                         "to": self.to, "n": self.n, "by": list(self.by),
                         "gain_by_segment": dict(zip(self.table["segment"], self.table["gain"].round(2)))
                         if len(self.table) else {}})

    def summary(self, locale: str = "en") -> str:
        lines = [_t("whatif", locale, share=i18n.percent(self.share, locale, digits=0),
                    to=_t(f"to_{self.to}", locale), nps=i18n.points(self.nps, locale),
                    nps_if=i18n.points(self.nps_if, locale), gain=i18n.points(self.gain, locale))]
        if len(self.table) > 1:
            best = self.table.loc[self.table["gain"].idxmax()]
            lines.append(_t("whatif_best", locale, segment=best["segment"],
                            gain=i18n.points(best["gain"], locale)))
        return "\n".join(lines)

    def plot(self, ax=None, locale: str = "en", **kwargs):
        import matplotlib.pyplot as plt
        ax = plt.gca() if ax is None else ax
        t = self.table.sort_values("gain")
        ax.barh(t["segment"].astype(str), t["gain"], **kwargs)
        ax.set(xlabel=_t("label_gain", locale),
               title=_t("title_whatif", locale, share=i18n.percent(self.share, locale, digits=0),
                        to=_t(f"to_{self.to}", locale)))
        return ax


def what_if(data, *, share: float = 0.1, to: str = "passive", by=None, **policies) -> NPSWhatIf:
    """What the NPS would be if ``share`` of detractors became passives or promoters.

    Parameters
    ----------
    data : pandas.DataFrame or NPSEstimate
        Rows of ``nps_responses``, the output of :func:`counts`, or one estimate (overall only).
    share : float, default 0.1
        Fraction of detractors (0-1) that change their answer.
    to : {"passive", "promoter"}, default "passive"
        What they become.
    by : str or list of str, optional
        Segment column(s): the table then shows, per segment, the overall gain if only that segment's
        detractors changed, beside its ``impact`` on the total.
    **policies
        Reduction policies for rows (see :func:`counts`).

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
    keys = _as_list(by)
    if isinstance(data, NPSEstimate):
        if keys:
            raise ValueError("what_if: by needs rows or a counts table, not a single NPSEstimate.")
        grouped = pd.DataFrame([data.counts], columns=COUNT_COLUMNS)
    else:
        unknown = sorted(set(policies) - set(_POLICY_DEFAULTS))
        if unknown:
            raise TypeError(f"what_if: unknown argument(s) {unknown}.")
        table, _, _ = _reduce(data, keys=keys, freq=None, policies=policies, analysis="what_if")
        if "early" in table.columns:
            table = table.loc[~table["early"].astype(bool)]
        grouped = (table.groupby(keys, observed=True, sort=True)[COUNT_COLUMNS].sum() if keys
                   else table[COUNT_COLUMNS].sum().to_frame().T)
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
        rest = total - c
        tab = grouped.index.to_frame(index=False)
        if keys != ["segment"]:
            tab["segment"] = [_segment_label(r, keys) for _, r in tab.iterrows()]
        tab["n"] = seg_n.astype("int64")
        tab["detractors"] = c[:, 0].astype("int64")
        tab["nps"] = _point(c) * 100
        tab["nps_if"] = tab["nps"] + weight * share * c[:, 0] / np.where(seg_n > 0, seg_n, 1) * 100
        tab["impact"] = nps_now - _point(rest) * 100
        tab["gain"] = weight * share * c[:, 0] / n * 100
        tab["total_if"] = nps_now + tab["gain"]
    return NPSWhatIf(nps=nps_now, nps_if=float(nps_if), gain=float(nps_if - nps_now), share=share, to=to,
                     n=int(n), by=tuple(keys), table=tab)


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
    n = _z(confidence) ** 2 * s2 / (margin / 100) ** 2 - (3 if method == "adjusted_wald" else 0)
    return max(1, math.ceil(n - 1e-9))


# ---------------------------------------------------------------------------------------------------
# charts (drawn on the given axes; no global matplotlib state)


def _plot_distribution(table: pd.DataFrame, *, label: str = "segment", ax=None, locale: str = "en",
                       title: str | None = None, **kwargs):
    """Diverging stacked bar: detractors left of zero, passives centred on it, promoters right."""
    import matplotlib.pyplot as plt
    ax = plt.gca() if ax is None else ax
    t = table.loc[table["n"] > 0]
    n = t["n"].to_numpy(dtype="float64")
    d, p, r = (t[c].to_numpy(dtype="float64") / n for c in COUNT_COLUMNS)
    y = np.arange(len(t))
    colors = kwargs.pop("colors", ("#d7301f", "#bdbdbd", "#2b8cbe"))
    ax.barh(y, -d, left=-p / 2, color=colors[0], label=_t("detractor", locale), **kwargs)
    ax.barh(y, p, left=-p / 2, color=colors[1], label=_t("passive", locale), **kwargs)
    ax.barh(y, r, left=p / 2, color=colors[2], label=_t("promoter", locale), **kwargs)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, t[label].astype(str).tolist())
    ax.set_ylim(len(t) - 0.5, -0.5)  # first segment on top
    ax.set_xlim(-1, 1)
    ax.xaxis.set_major_formatter(lambda v, _: i18n.percent(abs(v), locale, digits=0))
    ax.set(xlabel=_t("label_share", locale), title=title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(t) > 6 else -0.2), ncol=3,
              fontsize="small", frameon=False)
    return ax


def _plot_segments(res: NPSSegments, *, ax=None, locale: str = "en", **kwargs):
    import matplotlib.pyplot as plt
    ax = plt.gca() if ax is None else ax
    t = res.table
    y = np.arange(len(t))
    lo = np.clip(t["nps"] - t["ci_low"], 0, None).fillna(0)
    hi = np.clip(t["ci_high"] - t["nps"], 0, None).fillna(0)
    colors = np.where(t["direction"] == "below", "#d7301f", np.where(t["direction"] == "above",
                                                                     "#2b8cbe", "0.35"))
    for i in range(len(t)):
        ax.errorbar(t["nps"].iloc[i], y[i], xerr=[[lo.iloc[i]], [hi.iloc[i]]], fmt="o", capsize=3,
                    color=colors[i], alpha=0.5 if t["small_sample"].iloc[i] else 1.0,
                    label=_t("raw", locale) if i == 0 else None, **kwargs)
    if "nps_shrunk" in t and t["nps_shrunk"].notna().any():
        ax.plot(t["nps_shrunk"], y + 0.2, "D", ms=4, color="darkorange", label=_t("shrunk", locale))
    ax.axvline(res.overall.nps, color="0.5", ls="--", lw=1, label=_t("overall_line", locale))
    ax.set_yticks(y, t["segment"].astype(str).tolist())
    ax.set_ylim(len(t) - 0.5, -0.5)  # first segment on top
    by = " × ".join(i18n.column_label(b, locale) for b in res.by)  # "Vùng", not the column id "region"
    ax.set(xlabel=_t("label_nps", locale), title=_t("title_segments", locale, by=by))
    ax.legend(fontsize="small", frameon=False)
    return ax

