"""Net Promoter Score with honest uncertainty (the package; see :mod:`kpi_analysis.nps.api`)."""
from .api import *  # noqa: F403
from .api import __all__  # noqa: F401
