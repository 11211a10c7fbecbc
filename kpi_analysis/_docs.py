"""Shared parameter descriptions, pasted into docstrings so the same words mean the same thing."""

data = """data : pandas.DataFrame
    A canonical table (see ``kpi_analysis.schema``) or its reduced form."""
confidence = """confidence : float, default 0.95
    Two-sided confidence level of every interval, as a fraction."""
adjust = """adjust : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
    Multiple-testing correction across the family of tests (statsmodels ``multipletests``)."""
seed = """seed : int, default 20261028
    Seed of every random step; recorded in the result so reports are reproducible."""
ax = """ax : matplotlib.axes.Axes, optional
    Axes to draw on; the current axes by default."""
locale = """locale : {"en", "vi"}, default "en"
    Language of the sentences and number formats."""
