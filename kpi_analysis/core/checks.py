"""Argument and data checks shared by every analysis.

Every check raises one ``ValueError``/``TypeError`` sentence that names ``table.column``, the rule,
how many rows break it and a few examples, so a user can fix the source file without a debugger.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import pandas as pd


class DataValidationError(ValueError):
    """Raised when a table breaks its data contract; ``problems`` lists every failure found."""

    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message)
        self.problems = problems or []


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates that look most like ``name`` (for "did you mean" hints)."""
    cands = [str(c) for c in candidates]
    hits = difflib.get_close_matches(str(name), cands, n=n, cutoff=0.5)
    if not hits:  # case/diacritics-insensitive second chance: "Doanh thu" vs "doanh_thu"
        low = {c.lower().replace(" ", "_"): c for c in cands}
        hits = [low[h] for h in difflib.get_close_matches(str(name).lower().replace(" ", "_"),
                                                          list(low), n=n, cutoff=0.5)]
    return hits


def require_columns(data: pd.DataFrame, *, table: str, columns: Sequence[str]) -> None:
    """Raise naming every missing column of ``table`` and the closest existing names."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{table}: expected a pandas DataFrame, got {type(data).__name__}.")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        hints = "; ".join(f"{m!r}: did you mean {closest(m, data.columns)}?" for m in missing
                          if closest(m, data.columns))
        raise ValueError(f"{table}: missing column(s) {missing}; it has {list(map(str, data.columns))}."
                         + (f" {hints}" if hints else ""))


def reject_rows(data: pd.DataFrame, bad: pd.Series, *, table: str, column: str, rule: str,
                examples: int = 5) -> None:
    """Raise when any row is flagged ``bad``, naming table.column, the rule and a few rows."""
    bad = pd.Series(bad, index=data.index).fillna(False).astype(bool)
    if bad.any():
        sample = data.loc[bad, column].head(examples)
        shown = ", ".join(f"row {i}: {v!r}" for i, v in sample.items())
        raise ValueError(f"{table}.{column} {rule}: {int(bad.sum())} row(s) do not, e.g. {shown}.")


def check_choice(value, *, name: str, options: Sequence) -> None:
    """Raise when an argument is not one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}; got {value!r}.")


def check_confidence(confidence: float) -> float:
    """Confidence levels are fractions strictly between 0 and 1 (0.95, not 95)."""
    if not isinstance(confidence, (int, float)) or not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must be a fraction between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    return float(confidence)


def check_not_empty(data: pd.DataFrame, *, table: str, what: str = "rows") -> None:
    if len(data) == 0:
        raise ValueError(f"{table}: no {what} to analyse (the table is empty after filtering).")


class CaseVariantWarning(UserWarning):
    """A grouping column holds spellings that differ only by case; the analysis keeps them apart."""


def warn_case_variants(data: pd.DataFrame, columns: Iterable[str], *, table: str) -> list[dict]:
    """Warn (and return them) when values of ``columns`` differ only by case ("Miền Trung" / "miền trung").

    They are grouped apart, as the data says; a ``values:`` mapping in workbook.yml merges them.
    """
    import warnings

    from ..formats import case_variants

    found = []
    for column in dict.fromkeys(columns):
        if column not in data.columns or not (pd.api.types.is_string_dtype(data[column])
                                              or pd.api.types.is_object_dtype(data[column])):
            continue
        for group in case_variants(data[column]):
            found.append({"column": column, **group})
            spelled = " / ".join(f"{v!r} ({n})" for v, n in zip(group["values"], group["counts"], strict=True))
            warnings.warn(f"{table}.{column} has values that differ only by case: {spelled}; they are analysed as "
                          f"different groups. Merge them with a `values:` mapping under data.tables.{table} in "
                          "workbook.yml.", CaseVariantWarning, stacklevel=3)
    return found
