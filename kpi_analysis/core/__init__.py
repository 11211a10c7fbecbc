"""What every analysis shares, each in one module under a public name.

- :mod:`~kpi_analysis.core.checks`: argument and data checks with one clear message each;
- :mod:`~kpi_analysis.core.columns`: the coded values of the canonical tables;
- :mod:`~kpi_analysis.core.periods`: report periods (month, quarter, ISO week, year) and frequencies;
- :mod:`~kpi_analysis.core.reduction`: the Ibis helpers every analysis's one reduction is written with;
- :mod:`~kpi_analysis.core.results`: what result objects share (JSON-safe headlines, notes as codes);
- :mod:`~kpi_analysis.core.stats`: statistical steps every analysis uses (p-value adjustment, ...);
- :mod:`~kpi_analysis.core.deprecation`: renamed arguments keep working for one release, with a warning.

Nothing here imports an analysis package, the runner or the widgets.
"""
