"""Allowed values of the canonical tables' coded columns (see ``schema.py`` for every rule)."""

LEAD_STATUSES = ("won", "lost", "open")
DIRECTIONS = ("higher_is_better", "lower_is_better")
PERSPECTIVES = ("financial", "customer", "internal", "learning")
