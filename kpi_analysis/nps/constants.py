"""The NPS analysis's fixed values: categories, methods, policies, column names of the counts table."""
from __future__ import annotations

from ..core.periods import TRAILING_MONTHS, TRAILING_WEEKS

__all__ = ["ADJUSTS", "BLANK_POLICIES", "CATEGORIES", "COUNT_COLUMNS", "DEFAULT_N_BOOT", "DEFAULT_SEED",
           "EARLY_POLICIES", "EXCLUSION_COLUMNS", "METHODS", "MIN_PERIOD_N", "POLICY_DEFAULTS", "PSEUDO_COUNTS",
           "REFERENCES", "TABLE", "TENURE_BANDS", "TRAILING_MONTHS", "TRAILING_WEEKS"]

#: the canonical table the analysis reads
TABLE = "nps_responses"
#: interval and test methods
METHODS = ("adjusted_wald", "wald", "bootstrap")
#: multiple-testing corrections (statsmodels ``multipletests`` names, or none)
ADJUSTS = ("holm", "fdr_bh", "bonferroni", "none")
#: what each segment is compared with
REFERENCES = ("typical", "rest")
BLANK_POLICIES = ("exclude", "fail")
EARLY_POLICIES = ("keep", "exclude", "separate")
CATEGORIES = ("detractor", "passive", "promoter")
COUNT_COLUMNS = ["detractors", "passives", "promoters"]
#: column of the counts table -> exclusion code (answers each policy set aside)
EXCLUSION_COLUMNS = {"blank": "blank_score", "non_numeric": "non_numeric_score",
                     "superseded": "superseded_answer", "early_excluded": "early_answer"}
#: Rocks (2016): pseudo-counts added to detractors, passives, promoters by the adjusted Wald interval
PSEUDO_COUNTS = (0.75, 1.5, 0.75)
DEFAULT_SEED = 20261028
DEFAULT_N_BOOT = 2000
#: tenure band edges in days since ``customer_since`` (labels "0-89", "90-179", ..., "730+")
TENURE_BANDS = (0, 90, 180, 365, 730)
#: the reduction's policies and their defaults (what :func:`kpi_analysis.nps.reduce` takes besides ``by``/``freq``)
POLICY_DEFAULTS = {"score": "score", "date": "responded_at", "customer": "customer_id",
                   "since": "customer_since", "blank": "exclude", "latest_only": False,
                   "early_days": 90, "early": "keep", "start": None, "end": None}
#: a report period with fewer answers has no NPS of its own: the trailing window's is shown (nps.for_period and the
#: scorecard's NPS line, so both pages show one number)
MIN_PERIOD_N = 100
