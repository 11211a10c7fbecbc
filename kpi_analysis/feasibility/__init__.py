"""Is a KPI target realistic, too easy or out of reach, and which lever would have to move?"""
from .api import *  # noqa: F403
from .api import __all__  # noqa: F401
