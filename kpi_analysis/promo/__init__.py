"""Did the promotion at location A work? (moving into a package: see ``api``)."""
from .api import *  # noqa: F403
from .api import OUTCOMES, SCALES, SEED, __all__  # noqa: F401
