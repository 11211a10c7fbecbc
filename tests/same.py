"""One way to say "the same answer" across engines and input forms: counts exact, floats within a relative
1e-9 (an engine adds in its own order), words identical in both report languages."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pandas as pd

RTOL = 1e-9


def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same columns, dtypes and rows in order; integer columns exact, floats within ``RTOL``."""
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False,
                                  rtol=RTOL)


def same_value(a, b, path: str = "") -> None:
    """Nested dicts, lists and numbers equal, floats within ``RTOL`` (NaN equals NaN); ``path`` names a miss."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys differ"
        for k in a:
            same_value(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_value(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-9), \
            f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def same_result(a, b, *, words: bool = True, frames: Sequence[str] = ("table",),
                html: Callable | None = None) -> None:
    """Same headline and tables (``frames``: the result's table attributes); with ``words`` the same summary,
    and with ``html`` (e.g. ``scorecard.to_html``) the same page, in English and Vietnamese."""
    same_value(a.headline(), b.headline())
    for name in frames:
        same_frame(getattr(a, name), getattr(b, name))
    if words:
        for locale in ("en", "vi"):
            assert a.summary(locale) == b.summary(locale)
            if html is not None:
                assert html(a, locale=locale) == html(b, locale=locale)
