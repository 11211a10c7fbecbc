"""Is a KPI target realistic, too easy or out of reach, and which lever would have to move?

:func:`assess` takes the monthly history of a KPI (or the lead rows, pandas or Ibis) and a target
for a month, a quarter or a year, and returns a :class:`Feasibility`: the probability of hitting
the target per model and combined, the backtest's calibration, a verdict band, where the target sits
among past year-on-year growths, what each revenue driver would need, and a SMART check.

The package, split by job:

- :mod:`.reduce`: the one reduction, lead rows -> monthly drivers, in Ibis (:func:`reduce`);
- :mod:`.history`: every accepted input checked and turned into the monthly series the models use;
- :mod:`.models`: the two model families simulated as sample paths, and the rolling-origin backtest;
- :mod:`.stats`: scoring a target against the paths (P(hit), verdict, percentiles, drivers, SMART);
- :mod:`.results`: the frozen objects (:class:`Feasibility` and what it carries);
- :mod:`.present`: the en/vi sentences, tables and plots;
- :mod:`.api`: the public functions.
"""
from .api import assess, coming_period, default_target_period, lookup_perspective, parse_period
from .reduce import monthly_drivers, reduce
from .results import Feasibility
from .stats import BASES, DEFAULT_BANDS, DIRECTIONS, DRIVERS, MODELS, SEED, VERDICTS, p_hit_from_paths

__all__ = [
    "BASES",
    "DEFAULT_BANDS",
    "DIRECTIONS",
    "DRIVERS",
    "MODELS",
    "SEED",
    "VERDICTS",
    "Feasibility",
    "assess",
    "coming_period",
    "default_target_period",
    "lookup_perspective",
    "monthly_drivers",
    "p_hit_from_paths",
    "parse_period",
    "reduce",
]
