"""Argument checks and the row checks of answers (scores, tenure), each with one clear message.

The row checks run on pandas rows before they reach the reduction (a workbook table is checked by
its data contract, and :func:`kpi_analysis.nps.reduce` counts any breach in the engine).
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence, reject_rows, require_columns
from .constants import BLANK_POLICIES, METHODS, TABLE

__all__ = ["as_list", "band_labels", "check_common", "check_int", "iso_day", "month_bounds", "parse_scores",
           "tenure_days"]


def as_list(by) -> list[str]:
    """``by`` as a list of column names (None -> [], "region" -> ["region"])."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, Iterable):
        out = list(by)
        if all(isinstance(b, str) for b in out):
            return out
    raise TypeError(f"by must be a column name or a list of column names; got {by!r}.")


def check_int(value, *, name: str, minimum: int) -> int:
    """A whole number >= ``minimum`` (booleans refused), as a plain int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_common(method, confidence, seed, n_boot, min_n=30) -> tuple[float, int, int, int]:
    """The arguments every estimate shares: (confidence, seed, n_boot, min_n), checked."""
    check_choice(method, name="method", options=METHODS)
    confidence = check_confidence(confidence)
    seed = check_int(seed, name="seed", minimum=0)
    n_boot = check_int(n_boot, name="n_boot", minimum=100)
    min_n = check_int(min_n, name="min_n", minimum=1)
    return confidence, seed, n_boot, min_n


def month_bounds(start, end) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last instant of a ``start``/``end`` range of months ("YYYY-MM") or days ("YYYY-MM-DD").

    ``end="2026-10"`` means the whole month (up to 2026-10-31 23:59:59.999999999); a full date means
    up to the end of that day.
    """
    from ..core.periods import parse_period

    lo = pd.Timestamp(str(start)) if start not in (None, "") else None
    hi = None
    if end not in (None, ""):
        e = str(end)
        last_day = parse_period(e).end if len(e) == 7 else pd.Timestamp(e)
        hi = last_day + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"start {start!r} is after end {end!r}.")
    return lo, hi


def iso_day(when) -> str | None:
    """The ISO date of a timestamp ("2026-10-31"), None for None."""
    return None if when is None else str(pd.Timestamp(when).date())


def parse_scores(scores: pd.Series, *, blank: str, table: str = TABLE, column: str = "score",
                 frame: pd.DataFrame | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(numeric scores as float with NaN, blank mask, non-numeric mask); raise on out-of-range values.

    Text holding numbers is read as numbers; blank text is blank. ``blank="fail"`` raises on blank or
    non-numeric answers; scores outside 0-10 or not whole numbers always raise (naming the rows of
    ``frame``, or of the scores).
    """
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


def band_labels(bands: Sequence[int]) -> list[str]:
    """Labels of tenure bands with left edges ``bands`` (days): [0, 90, 180] -> ["0-89", "90-179", "180+"]."""
    edges = [int(b) for b in bands]
    if not edges or edges[0] != 0 or any(b >= c for b, c in itertools.pairwise(edges)):
        raise ValueError(f"bands must be increasing whole days starting at 0; got {list(bands)!r}.")
    return [f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)] + [f"{edges[-1]}+"]


def tenure_days(frame: pd.DataFrame, *, date: str, since: str) -> pd.Series:
    """Whole days from ``since`` to ``date`` per row; raise on missing dates or ``since`` after ``date``."""
    require_columns(frame, table=TABLE, columns=[date, since])
    answered = pd.to_datetime(frame[date], errors="coerce")
    start = pd.to_datetime(frame[since], errors="coerce")
    reject_rows(frame, answered.isna(), table=TABLE, column=date, rule="must be a date")
    reject_rows(frame, start.isna(), table=TABLE, column=since, rule="must be a date")
    days = (answered - start).dt.days
    reject_rows(frame, days < 0, table=TABLE, column=since, rule=f"must not be after {date}")
    return days
