"""Renamed arguments and old positional forms keep working for one release, with a DeprecationWarning.

The analyses share one vocabulary (``docs/design.md``): ``data`` is the only positional argument,
the rest keyword-only, and one name per idea (``by``, ``freq``, ``period``, ``target_period``,
``confidence``, ...). Code written against the earlier names still runs, told what to change.

Examples
--------
>>> import warnings
>>> @renamed(end="period")
... @keyword_only("target")
... def f(data, *, target=0, period=None):
...     return data, target, period
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     f(1, 2, end="2026-10")
(1, 2, '2026-10')
>>> for w in caught:
...     print(w.message)
f(): end= is now period=; the old name stops working in the next release.
f(): pass target as a keyword (target=...); positional use stops working in the next release.
"""
from __future__ import annotations

import functools
import sys
import warnings

__all__ = ["keyword_only", "renamed"]


def _caller_level() -> int:
    """``stacklevel`` that points a warning at the user's call, past every stacked deprecation wrapper
    (and any other decorator frames of this package that forward the call)."""
    level, frame = 2, sys._getframe(2)
    while frame is not None and frame.f_code.co_filename == __file__:
        level += 1
        frame = frame.f_back
    return level


def renamed(**old_to_new: str):
    """Accept ``old=`` for an argument now called ``new=`` (both at once is an error)."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}(): got both {old}= (the old name) and {new}=; use {new}=.")
                    warnings.warn(f"{func.__name__}(): {old}= is now {new}=; the old name stops working in the next "
                                  "release.", DeprecationWarning, stacklevel=_caller_level())
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)
        return wrapper
    return decorate


def keyword_only(*names: str, positional: int = 1):
    """Accept the arguments ``names``, now keyword-only, in their old positions after the first
    ``positional`` ones (``data``)."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if len(args) > positional:
                extra = args[positional:]
                if len(extra) > len(names):
                    raise TypeError(f"{func.__name__}() takes {positional} positional argument(s) and the keywords "
                                    f"{list(names)}; got {len(args)} positional.")
                for name, value in zip(names, extra, strict=False):
                    if name in kwargs:
                        raise TypeError(f"{func.__name__}(): got {name} both by position and as {name}=.")
                    kwargs[name] = value
                shown = ", ".join(f"{n}=..." for n in names[:len(extra)])
                warnings.warn(f"{func.__name__}(): pass {', '.join(names[:len(extra)])} as a keyword ({shown}); "
                              "positional use stops working in the next release.", DeprecationWarning,
                              stacklevel=_caller_level())
                args = args[:positional]
            return func(*args, **kwargs)
        return wrapper
    return decorate
