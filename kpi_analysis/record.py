"""``record(name, value)``: how a notebook hands its headline numbers to the report runner.

A recorded value is shown as a cell output with its own MIME type, so it travels inside the
executed notebook: the runner (and tests) read it back with :func:`read_records`. Nothing else
(no scrapbook, no side files) is needed, and a notebook run by hand records the same way.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .core.results import jsonable

MIME = "application/vnd.kpi-workbook.record+json"


def concept_id(concept: str, period) -> str:
    """The id of one concept for one period: ``concept_id("nps", "2026-10")`` is ``"nps@2026-10"``.

    Two notebooks that record the same id must record the same value: a manager never sees two NPS
    values for October on one index (the runner's tests read the manifest and check it).
    """
    if not isinstance(concept, str) or not concept or "@" in concept:
        raise ValueError(f"concept must be a name such as 'nps' or 'shop_sales'; got {concept!r}.")
    from .core.periods import parse_period

    return f"{concept}@{parse_period(period)}"


def record(name: str, value: Any, *, concept: str | None = None) -> None:
    """Record a JSON-safe headline value under ``name`` (numpy scalars, NaN, dates are converted).

    Objects with a ``headline()`` method are recorded as that dict. Returns None, so a cell that
    ends with ``record(...)`` shows nothing in the report; use :func:`jsonable` to see the value.
    ``concept`` (from :func:`concept_id`, e.g. ``"nps@2026-10"``) says which concept and period the
    value is; the manifest lists every notebook's concepts.

    Examples
    --------
    >>> record("nps", 12.5, concept=concept_id("nps", "2026-10")) is None
    True
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"record: name must be a non-empty string; got {name!r}.")
    if concept is not None and (not isinstance(concept, str) or concept.count("@") != 1):
        raise ValueError(f"record: concept must be an id such as 'nps@2026-10' (see concept_id); got {concept!r}.")
    if hasattr(value, "headline") and callable(value.headline):
        value = value.headline()
    clean = jsonable(value)
    json.dumps(clean, allow_nan=False)  # fail here, not later in the runner
    try:
        from IPython import get_ipython
        from IPython.display import display
        if get_ipython() is not None:
            payload = {"name": name, "value": clean, **({"concept": concept} if concept else {})}
            display({MIME: payload, "text/plain": f"recorded {name}"}, raw=True)
    except ImportError:  # outside IPython there is no notebook to carry the value
        pass


def _payloads(notebook: str | Path | dict):
    nb = notebook if isinstance(notebook, dict) else json.loads(Path(notebook).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            payload = output.get("data", {}).get(MIME)
            if payload is not None:
                yield json.loads(payload) if isinstance(payload, str) else payload


def read_records(notebook: str | Path | dict) -> dict[str, Any]:
    """All values recorded in an executed notebook (file path or nbformat dict), by name."""
    return {p["name"]: p["value"] for p in _payloads(notebook)}


def read_concepts(notebook: str | Path | dict) -> dict[str, Any]:
    """The values recorded with a concept id, by id (``{"nps@2026-10": 41.9}``)."""
    return {p["concept"]: p["value"] for p in _payloads(notebook) if p.get("concept")}
