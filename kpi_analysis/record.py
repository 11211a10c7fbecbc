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


def record(name: str, value: Any) -> None:
    """Record a JSON-safe headline value under ``name`` (numpy scalars, NaN, dates are converted).

    Objects with a ``headline()`` method are recorded as that dict. Returns None, so a cell that
    ends with ``record(...)`` shows nothing in the report; use :func:`jsonable` to see the value.

    Examples
    --------
    >>> record("nps", 12.5) is None
    True
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"record: name must be a non-empty string; got {name!r}.")
    if hasattr(value, "headline") and callable(value.headline):
        value = value.headline()
    clean = jsonable(value)
    json.dumps(clean, allow_nan=False)  # fail here, not later in the runner
    try:
        from IPython import get_ipython
        from IPython.display import display
        if get_ipython() is not None:
            display({MIME: {"name": name, "value": clean}, "text/plain": f"recorded {name}"}, raw=True)
    except ImportError:  # outside IPython there is no notebook to carry the value
        pass


def read_records(notebook: str | Path | dict) -> dict[str, Any]:
    """All values recorded in an executed notebook (file path or nbformat dict), by name."""
    nb = notebook if isinstance(notebook, dict) else json.loads(Path(notebook).read_text(encoding="utf-8"))
    out: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            payload = output.get("data", {}).get(MIME)
            if payload is not None:
                if isinstance(payload, str):
                    payload = json.loads(payload)
                out[payload["name"]] = payload["value"]
    return out
