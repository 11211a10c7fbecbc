"""What every result object shares: JSON-safe headlines and a compact HTML view.

Result classes are frozen dataclasses (see STYLE.md) that mix in :class:`ResultMixin` and define
``table``, ``summary(locale)``, ``headline()`` and ``plot(ax)``.
"""
from __future__ import annotations

import datetime as _dt
import html
import math
from typing import Any

import numpy as np
import pandas as pd


def jsonable(value: Any) -> Any:
    """Turn numpy/pandas scalars, NaN, timestamps and containers into plain JSON values.

    NaN and infinities become ``None`` (JSON has no NaN); dates become ISO strings.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (str, int)):
        return value
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    return str(value)


def html_table(table: pd.DataFrame, *, max_rows: int = 30, float_format: str = "{:.3g}",
               locale: str = "en") -> str:
    """An escaped HTML table (data-derived text such as rep names is escaped by pandas)."""
    from .. import i18n

    shown = table.head(max_rows)
    out = shown.to_html(index=False, escape=True, na_rep="–", border=0, classes="kpi-table",
                        float_format=lambda x: float_format.format(x))
    if len(table) > max_rows:
        more = i18n.text("table", "more_rows", locale, n=i18n.number(len(table) - max_rows, locale))
        out += f"<p><em>{html.escape(more)}</em></p>"
    return out


class ResultMixin:
    """Default ``_repr_html_`` (summary sentences, then the detail table) and ``__repr__``."""

    def _repr_html_(self) -> str:
        summary = self.summary()  # type: ignore[attr-defined]
        paras = "".join(f"<p>{html.escape(line)}</p>" for line in summary.split("\n") if line.strip())
        return f"<div class='kpi-result'>{paras}{html_table(self.table)}</div>"  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        head = jsonable(self.headline())  # type: ignore[attr-defined]
        items = ", ".join(f"{k}={v!r}" for k, v in head.items() if not isinstance(v, (list, dict)))
        return f"{type(self).__name__}({items})"


def note(code: str, **values: Any) -> dict:
    """A note as data: ``note("small_sample", n=12)`` is ``{"code": "small_sample", "n": 12}``.

    Results carry notes and exclusions as codes with values, never as sentences; each analysis's
    ``present`` module words them in the reader's language (its catalogue ``<analysis>.notes``), and a
    test checks that every code an analysis can emit has an English and a Vietnamese sentence.

    >>> note("open_too_young", n=12, days=60)
    {'code': 'open_too_young', 'n': 12, 'days': 60}
    """
    return {"code": code, **values}


def excluded(code: str, n: int, **values: Any) -> dict:
    """Rows an analysis left out, as data: ``excluded("blank_score", 12)`` (worded by ``present``)."""
    return {"code": code, "n": int(n), **values}


def code_counts(items) -> dict[str, int]:
    """Exclusions as a headline records them: ``{code: n}`` (summed per code, in order of first appearance).

    >>> code_counts([excluded("blank_score", 12), excluded("early_answer", 3, days=90)])
    {'blank_score': 12, 'early_answer': 3}
    """
    out: dict[str, int] = {}
    for item in items or ():
        out[item["code"]] = out.get(item["code"], 0) + int(item.get("n", 0))
    return out


def codes(items) -> list[str]:
    """Notes as a headline records them: their codes, in order.

    >>> codes([note("few_units", n=3)])
    ['few_units']
    """
    return [item["code"] for item in items or ()]
