"""ipywidgets explorers used by the notebooks.

Each explorer takes a validated canonical table, builds its controls and draws once; moving a control
redraws. Every explorer is assembled by one private helper, :func:`_explorer`: a ``VBox`` carrying the
CSS classes ``kpi-explorer`` and ``kpi-explorer-<name>``, holding the explorer's controls and below
them its view, an ``ipywidgets.HTML`` (sentences and tables, escaped), an ``ipywidgets.Image`` (the
figure as PNG bytes) and a second ``HTML`` for what follows the figure.

No ``Output`` widget and no ``display()``: a redraw only sets widget values, so nothing a callback
produces can land outside the explorer (JupyterLab's log console), and a batch run (papermill /
nbclient) only stores widget state, with no output-capture messages to wait for. Figures are
``matplotlib.figure.Figure`` objects with their own Agg canvas, never registered with pyplot: nothing
is left open, nothing is shown twice. Building an explorer in a batch run draws once and writes
nothing to disk.
"""
from __future__ import annotations

from . import i18n as _i18n  # light: Babel loads only when a number is formatted

_t_common = _i18n.catalog("widgets", {
    "error": {"en": "Cannot analyse this choice: {error}", "vi": "Không phân tích được lựa chọn này: {error}"},
    "failed": {"en": "The explorer failed on this choice ({error}); details:",
               "vi": "Trình khám phá gặp lỗi với lựa chọn này ({error}); chi tiết:"},
    "messages": {"en": "Messages while computing:", "vi": "Thông báo trong lúc tính toán:"},
})


# ------------------------------------------------------------------------------------------ the helper
class _Markup(str):
    """HTML the package built and escaped itself: put into the view as it is."""

    __slots__ = ()


def _figure(width: float, height: float, nrows: int = 1, ncols: int = 1, **subplots):
    """A new figure outside pyplot (nothing to close, never shown by the inline backend) and its Axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)  # a canvas of its own: tight_layout and seaborn ask it for a renderer
    return fig, fig.subplots(nrows, ncols, **subplots)


def _png(fig) -> bytes:
    import io
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "tight_layout not applied": the figure still draws
        fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _table_html(table, digits: int = 3) -> str:
    """The table as escaped HTML: floats to ``digits`` decimals, every kind of missing value as "–".

    Trailing zeros are trimmed per column the way pandas shows floats (down to one decimal).
    """
    import math
    import numbers

    import pandas as pd

    from .core.results import html_table

    def cell(v) -> str:
        if v is None or v is pd.NA or v is pd.NaT:
            return "–"
        if isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral):
            return "–" if math.isnan(v) else f"{float(v):.{digits}f}"
        return str(v)

    def trim(column: list[str]) -> list[str]:
        numbers_ = [c for c in column if c != "–"]
        if not numbers_ or not all("." in c and c.replace("-", "", 1).replace(".", "", 1).isdigit()
                                   for c in numbers_):
            return column
        while all(c.endswith("0") and not c.endswith(".0") for c in numbers_):
            column = [c if c == "–" else c[:-1] for c in column]
            numbers_ = [c[:-1] for c in numbers_]
        return column

    shown = table.reset_index(drop=True).astype(object)
    shown = pd.DataFrame({c: trim([cell(v) for v in shown[c]]) for c in shown.columns}, columns=shown.columns,
                         dtype=object)  # strings: html_table escapes them
    return html_table(shown, max_rows=max(len(shown), 1))


def _to_html(parts) -> str:
    import pandas as pd

    out = []
    for part in parts:
        if isinstance(part, _Markup):
            out.append(str(part))
        elif isinstance(part, str):
            out += [f"<p>{_escape(line)}</p>" for line in part.split("\n") if line.strip()]
        elif isinstance(part, pd.DataFrame):
            out.append(_table_html(part))
        else:
            raise TypeError(f"explorer view: cannot show a {type(part).__name__}.")
    return f"<div class='kpi-explorer-view jp-RenderedHTMLCommon'>{''.join(out)}</div>" if out else ""


def _escape(text) -> str:
    import html

    return html.escape(str(text))


def table_view(table, digits: int = 3) -> _Markup:
    """``table`` as a view part, floats shown with ``digits`` decimals."""
    return _Markup(_table_html(table, digits))


def explorer(name: str, rows: list, controls: list, draw, *, locale: str):
    """Assemble an explorer: ``rows`` of controls above the view, redrawn when a control changes.

    Parameters
    ----------
    name : str
        Short name: the box gets the CSS classes ``kpi-explorer`` and ``kpi-explorer-<name>``.
    rows : list of widgets
        The explorer's control rows, shown in this order above the view.
    controls : list of widgets
        Controls whose ``value`` change redraws.
    draw : callable () -> (result, parts)
        Computes for the current control values. ``parts`` is a list shown in order: ``str``
        (sentences, one paragraph per line, escaped), ``_Markup`` (package-built HTML),
        ``table_view(df, digits)`` and at most one matplotlib ``Figure`` (from :func:`_figure`; parts
        after it go below it). A ``ValueError`` / ``TypeError`` (a choice the analysis rejects) is
        shown as a sentence, with ``.result`` None.
    locale : {"en", "vi"}
        Language of the helper's own sentences.

    Returns
    -------
    ipywidgets.VBox
        ``.update()`` redraws (and raises what ``draw`` raises beyond a rejected choice);
        ``.result`` holds the last result; ``.hold()`` is a context manager that defers redraws
        while several controls are set, then redraws once; ``.on(control, handler)`` runs a handler
        (resetting other controls) under ``hold``; ``.html``, ``.image`` and ``.detail`` are the
        view widgets. The first draw happens here. A redraw triggered by a control never raises:
        its error is shown in the view.
    """
    import contextlib
    import io
    import traceback
    import warnings

    import ipywidgets as w
    from matplotlib.figure import Figure

    html_w = w.HTML()
    image = w.Image(format="png", layout=w.Layout(max_width="100%", display="none"))
    detail = w.HTML()
    box = w.VBox([*rows, html_w, image, detail])
    box.add_class("kpi-explorer")
    box.add_class(f"kpi-explorer-{name}")
    box.html, box.image, box.detail, box.result = html_w, image, detail, None
    holding: list = []

    def show(result, parts) -> None:
        figures = [i for i, p in enumerate(parts) if isinstance(p, Figure)]
        if len(figures) > 1:
            raise TypeError(f"explorer {name}: draw() returned {len(figures)} figures; one at most.")
        cut = figures[0] if figures else len(parts)
        after = parts[cut + 1:] if figures else []
        png = _png(parts[cut]) if figures else b""
        box.result = result
        html_w.value = _to_html(parts[:cut])
        image.value = png
        image.layout.display = None if png else "none"
        detail.value = _to_html(after)

    def update(*_) -> None:
        # Warnings and prints of the computation are shown in the view: from a widget callback they
        # would otherwise go to the kernel's output stream, which JupyterLab puts in the log console.
        printed = io.StringIO()
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(printed), \
                contextlib.redirect_stderr(printed):
            try:
                result, parts = draw()
            except (ValueError, TypeError) as err:
                result, parts = None, [_t_common("error", locale, error=err)]
        notes = list(dict.fromkeys([f"{c.category.__name__}: {c.message}" for c in caught]
                                   + printed.getvalue().splitlines()))
        notes = [n for n in notes if n.strip()]
        if notes:
            parts = [*parts, _Markup(f"<details><summary>{_escape(_t_common('messages', locale))}</summary>"
                                     f"<pre>{_escape(chr(10).join(notes))}</pre></details>")]
        show(result, parts)

    def failed(err) -> None:
        # From a widget callback an exception would be logged to the log console; say it here.
        if isinstance(err, (ValueError, TypeError)):
            show(None, [_t_common("error", locale, error=err)])
        else:
            show(None, [_t_common("failed", locale, error=type(err).__name__),
                        _Markup(f"<pre>{_escape(traceback.format_exc())}</pre>")])

    def on_change(_change=None) -> None:
        if holding:
            return
        try:
            update()
        except Exception as err:  # noqa: BLE001 - shown in the explorer, not lost in the log console
            failed(err)

    @contextlib.contextmanager
    def hold():
        holding.append(True)
        try:
            yield box
        finally:
            holding.pop()
        if not holding:
            on_change()

    def on(control, handler) -> None:
        """Run ``handler(change)`` when ``control`` changes (e.g. to reset other controls), then redraw once."""
        def run(change) -> None:
            try:
                with hold():
                    handler(change)
            except Exception as err:  # noqa: BLE001 - as in on_change
                failed(err)

        control.observe(run, names="value")

    for control in controls:
        control.observe(on_change, names="value")
    box.update, box.hold, box.on = update, hold, on
    update()
    return box



# ------------------------------------------------------------------------------------------------ NPS
_t_nps = _i18n.catalog("widgets_nps", {
    "segments": {"en": "Segments", "vi": "Phân nhóm"},
    "period": {"en": "Months", "vi": "Tháng"},
    "method": {"en": "Method", "vi": "Phương pháp"},
    "confidence": {"en": "Confidence", "vi": "Độ tin cậy"},
})


def nps_explorer(responses, *, segment_columns=None, by=("region",), locale: str = "en",
                 method: str = "adjusted_wald", confidence: float = 0.95, min_n: int = 30, start=None, end=None):
    """Explore NPS by segment: choose segment columns, a month range, the method and the confidence.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated ``nps_responses`` rows.
    segment_columns : list of str, optional
        Columns offered as segments; by default ``region``, ``product``, ``tenure_band`` (derived)
        and any other text column with 2-30 distinct values.
    by : sequence of str, default ("region",)
        Segment columns selected at start.
    locale : {"en", "vi"}, default "en"
        Language of the summary and chart labels.
    method, confidence, min_n
        Starting values of the controls (see ``nps.segment``).
    start, end : str, optional
        A report's window: the month range starts at ``start``'s month, and answers after ``end``
        (a day, "2026-10-25", or a month) are left out, so the explorer never reads past the report
        period. The summary's first sentence names the answers' dates.

    Returns
    -------
    ipywidgets.VBox
        CSS classes ``kpi-explorer kpi-explorer-nps``: the controls, then the summary and the segment
        table (``.html``) and two charts (``.image``: NPS with intervals; the detractor / passive /
        promoter bar). ``.update()`` redraws; ``.result`` holds the current ``nps.segment`` result.
    """
    import ipywidgets as w
    import pandas as pd

    from . import i18n, nps

    i18n.check_locale(locale)
    if segment_columns is None:
        skip = {"response_id", "customer_id", "comment", "score"}
        segment_columns = [c for c in ("region", "product") if c in responses.columns]
        segment_columns += [c for c in responses.columns
                            if c not in skip and c not in segment_columns
                            and (pd.api.types.is_string_dtype(responses[c]) or
                                 isinstance(responses[c].dtype, pd.CategoricalDtype))
                            and 2 <= responses[c].nunique() <= 30]
        if {"responded_at", "customer_since"} <= set(responses.columns):
            segment_columns.append("tenure_band")
    answered = pd.to_datetime(responses["responded_at"])
    last_day = None
    if end not in (None, ""):
        last_day = pd.Timestamp(str(end)) if len(str(end)) > 7 else pd.Period(str(end), freq="M").end_time.normalize()
        responses = responses.loc[answered < last_day + pd.Timedelta(days=1)]
        answered = answered.loc[responses.index]
    months = sorted(answered.dt.to_period("M").astype(str).unique())
    first = months.index(str(start)[:7]) if start not in (None, "") and str(start)[:7] in months else 0
    labels = {k: _t_nps(k, locale) for k in ("segments", "period", "method", "confidence")}
    seg = w.SelectMultiple(options=list(segment_columns), value=tuple(b for b in by if b in segment_columns)
                           or tuple(segment_columns[:1]), description=labels["segments"], rows=4)
    period = w.SelectionRangeSlider(options=months, index=(first, len(months) - 1), description=labels["period"],
                                    layout=w.Layout(width="95%"), continuous_update=False)
    meth = w.Dropdown(options=list(nps.METHODS), value=method, description=labels["method"])
    conf = w.SelectionSlider(options=[0.8, 0.9, 0.95, 0.99], value=confidence, description=labels["confidence"],
                             continuous_update=False)

    def draw():
        if not seg.value:
            return None, [i18n.text("common", "no_data", locale)]
        last = period.value[1]  # the last month, or the report's last day inside it
        if last_day is not None and last_day.strftime("%Y-%m") == last:
            last = str(last_day.date())
        res = nps.segment(responses, by=list(seg.value), method=meth.value, confidence=conf.value,
                          min_n=min_n, start=period.value[0], end=last)
        fig, axes = _figure(12, 1.5 + 0.35 * len(res.table), 1, 2)
        res.plot(ax=axes[0], locale=locale)
        res.plot(ax=axes[1], kind="distribution", locale=locale)
        shown = res.table[[*res.by, "n", "nps", "ci_low", "ci_high", "nps_shrunk", "p_adj", "direction",
                           "small_sample"]]
        return res, [res.summary(locale), table_view(shown, 2), fig]

    return explorer("nps", [w.HBox([seg, w.VBox([meth, conf])]), period], [seg, period, meth, conf], draw,
                     locale=locale)


# ---------------------------------------------------------------------------------------- feasibility
_t_feas = _i18n.catalog("widgets_feasibility", {
    "growth": {"en": "Target growth", "vi": "Tăng trưởng mục tiêu"},
    "chart": {"en": "Chart", "vi": "Biểu đồ"},
    "live": {"en": "{period}: target {target} ({growth}) → P(hit) {p} (models {low} to {high}): {verdict}",
             "vi": "{period}: mục tiêu {target} ({growth}) → xác suất đạt {p} (các mô hình {low} đến {high}): "
                   "{verdict}"},
})


def feasibility_explorer(result, *, period: str | None = None, locale: str = "en",
                         growth_range: tuple = (-0.2, 0.6), step: float = 0.01, **assess_kwargs):
    """Move the target growth and watch P(hit) and the verdict change, without refitting.

    Parameters
    ----------
    result : kpi_analysis.feasibility.Feasibility or monthly history
        A finished assessment (its simulated paths are reused, so the slider is instant), or a
        history accepted by ``feasibility.assess`` (then ``period`` is required and the models are
        fitted once, with ``assess_kwargs``).
    period : str, optional
        Target period when ``result`` is a history.
    locale : {"en", "vi"}, default "en"
        Language of the line and the chart.
    growth_range : (float, float), default (-0.2, 0.6)
        Slider range of the growth (fractions) over the baseline (the result's basis, or the same
        period last year when the result holds an absolute target).
    step : float, default 0.01
        Slider step.

    Returns
    -------
    ipywidgets.VBox
        CSS classes ``kpi-explorer kpi-explorer-feasibility``: a slider, a live line (``.html``:
        target, P(hit), range across models, verdict) and the chart of the simulated totals with the
        hit region shaded (``.image``); ``.update()`` redraws, ``.result`` holds the assessment for
        the current slider value.
    """
    import math

    import ipywidgets as w

    from . import feasibility, i18n
    from .feasibility import present

    i18n.check_locale(locale)
    if not isinstance(result, feasibility.Feasibility):
        if period is None:
            raise ValueError("feasibility_explorer: pass period= (e.g. '2027-Q1') with a history.")
        growth0 = assess_kwargs.pop("target", 0.2)
        result = feasibility.assess(result, target=growth0, target_period=period, **assess_kwargs)
    basis = result.basis if result.basis != "absolute" else "same_period_last_year"
    start = result.target_input if result.basis != "absolute" else result.target_growth
    lo, hi = float(growth_range[0]), float(growth_range[1])
    start = 0.0 if math.isnan(start) else min(max(float(start), lo), hi)
    slider = w.FloatSlider(value=start, min=lo, max=hi, step=step, description=_t_feas("growth", locale),
                           readout_format="+.0%", continuous_update=True, layout=w.Layout(width="60%"),
                           style={"description_width": "initial"})
    chart = w.Checkbox(value=True, description=_t_feas("chart", locale))

    def pct(x):
        return i18n.percent(x, locale, digits=0)

    def draw():
        res = result.retarget(float(slider.value), basis=basis)
        line = _t_feas("live", locale, period=present.period_label(res.period, locale),
                       target=res.format_value(res.target, locale),
                       growth=i18n.percent(slider.value, locale, signed=True),
                       p=pct(res.p_hit), low=pct(res.p_hit_low), high=pct(res.p_hit_high),
                       verdict=present.verdict_label(res.verdict, locale))
        parts = [_Markup(f"<p><b>{_escape(line)}</b></p>")]
        if chart.value:
            fig, ax = _figure(8, 3.5)
            res.plot(ax=ax, kind="totals", locale=locale)
            parts.append(fig)
        return res, parts

    return explorer("feasibility", [w.HBox([slider, chart])], [slider, chart], draw, locale=locale)


# ----------------------------------------------------------------------------------------------- reps
_t_reps = _i18n.catalog("widgets_reps", {
    "period": {"en": "Months", "vi": "Tháng"},
    "sources": {"en": "Sources", "vi": "Nguồn khách"},
    "reps": {"en": "Reps", "vi": "Nhân viên"},
    "confidence": {"en": "Confidence", "vi": "Độ tin cậy"},
    "chart": {"en": "Chart", "vi": "Biểu đồ"},
    "chart_intervals": {"en": "rates per rep", "vi": "tỷ lệ theo nhân viên"},
    "chart_funnel": {"en": "funnel plot", "vi": "biểu đồ phễu"},
    "chart_heatmap": {"en": "gap by period", "vi": "chênh lệch theo kỳ"},
})


def rep_explorer(leads, *, locale: str = "en", confidence: float = 0.95, chart: str = "intervals",
                 **compare_kwargs):
    """Explore rep conversion: choose the period range, the lead sources, the reps shown, the confidence.

    Parameters
    ----------
    leads : pandas.DataFrame
        Validated ``leads`` rows, or their reduction by ``reps.reduce`` (reduced once either way, so
        moving a control only re-runs the statistics).
    locale : {"en", "vi"}, default "en"
        Language of the verdicts and chart labels.
    confidence : float, default 0.95
        Starting confidence level.
    chart : {"intervals", "funnel", "heatmap"}, default "intervals"
        Starting chart.
    **compare_kwargs
        Passed to ``reps.reduce`` (``rep``, ``strata``, ``freq``, ``date``, ``maturity_days``,
        ``as_of``) and ``reps.compare`` (``adjust``, ``min_n``, ``persist_share``, ``dip_level``,
        ``within_period``).

    Returns
    -------
    ipywidgets.VBox
        CSS classes ``kpi-explorer kpi-explorer-reps``: the controls, then the verdicts of the chosen
        reps and their table (``.html``) and the chart (``.image``). The team comparison always uses
        every rep; "Reps" only chooses whose rows are shown. ``.update()`` redraws; ``.result`` holds
        the current ``RepComparison``.
    """
    import ipywidgets as w

    from . import i18n, reps

    i18n.check_locale(locale)
    count_keys = ("rep", "strata", "freq", "period", "date", "maturity_days", "as_of")  # period: freq's old name
    count_kwargs = {k: compare_kwargs.pop(k) for k in count_keys if k in compare_kwargs}
    cells = leads if reps.is_reduced(leads) else reps.reduce(leads, **count_kwargs)
    periods = sorted(cells["period"].unique(), key=reps.period_sort_key)
    order = {p: i for i, p in enumerate(periods)}
    start = max(0, len(periods) - 12)  # the default analysis window: the last 12 months
    labels = {k: _t_reps(k, locale) for k in ("period", "sources", "reps", "confidence", "chart")}
    period = w.SelectionRangeSlider(options=periods, index=(start, len(periods) - 1),
                                    description=labels["period"], layout=w.Layout(width="95%"),
                                    continuous_update=False)
    sources = sorted(cells["stratum"].unique())
    src = w.SelectMultiple(options=sources, value=tuple(sources), description=labels["sources"], rows=5)
    names = sorted(cells["rep"].unique())
    who = w.SelectMultiple(options=names, value=tuple(names), description=labels["reps"], rows=6)
    conf = w.SelectionSlider(options=[0.8, 0.9, 0.95, 0.99], value=confidence,
                             description=labels["confidence"], continuous_update=False)
    kind = w.Dropdown(options=[(_t_reps(f"chart_{k}", locale), k) for k in ("intervals", "funnel", "heatmap")],
                      value=chart, description=labels["chart"])
    cols = ["rep", "closed", "conversion", "expected_conversion", "oe", "oe_low", "oe_high", "p_adj", "shrunk",
            "p_below_team", "classification"]

    def draw():
        first, last = period.value
        chosen = cells[cells["stratum"].isin(src.value)
                       & cells["period"].map(order).between(order[first], order[last])]
        if not len(chosen) or not who.value:
            return None, [i18n.text("common", "no_data", locale)]
        # the chosen range is the window (weeks=: weekly counts answer for their last week over that many)
        res = reps.compare(chosen, period=last, window=None, weeks=order[last] - order[first] + 1,
                           confidence=conf.value, **compare_kwargs)
        verdicts = res.verdicts(locale)
        shown = res.table[res.table["rep"].isin(who.value)]
        fig, ax = _figure(9, 1.8 + 0.4 * max(len(shown), 4))
        res.plot(ax=ax, kind=kind.value, locale=locale)
        return res, [*(verdicts[n] for n in who.value if n in verdicts), table_view(shown[cols], 3), fig]

    return explorer("reps", [w.HBox([src, who, w.VBox([conf, kind])]), period], [period, src, who, conf, kind],
                     draw, locale=locale)


# ------------------------------------------------------------------------------------------ scorecard
_t_sc = _i18n.catalog("widgets_scorecard", {
    "freq": {"en": "Periods", "vi": "Chu kỳ"},
    "freq_M": {"en": "months", "vi": "tháng"},
    "freq_Q": {"en": "quarters", "vi": "quý"},
    "freq_W": {"en": "weeks", "vi": "tuần"},
    "freq_Y": {"en": "years", "vi": "năm"},
    "period": {"en": "Report", "vi": "Kỳ báo cáo"},
    "kpi": {"en": "KPI", "vi": "Chỉ số"},
    "tolerance": {"en": "Tolerance", "vi": "Dung sai"},
})


def scorecard_explorer(data, *, period: str, targets=None, config=None, locale: str = "en",
                       tolerance: float = 0.05, freq: str | None = None, **options):
    """Explore the KPI scorecard: switch weeks / months / quarters / years, the period, the tolerance and a KPI.

    Parameters
    ----------
    data : dict of str -> DataFrame, or DataFrame
        The canonical tables by name (DataFrames or Ibis tables), or the KPI totals from
        ``scorecard.reduce`` (then the period length is fixed to that of ``period``).
    period : str
        Period shown first, which says its kind: "2026-10", "2026-W43", "2026-Q3" or "2026".
    targets : DataFrame, optional
        ``kpi_targets`` (taken from ``data["kpi_targets"]`` when not given).
    config : dict, optional
        Workbook settings (``targets``, ``analyses.scorecard``).
    locale : {"en", "vi"}, default "en"
    tolerance : float, default 0.05
        Starting amber band (fraction of the target).
    freq : {"M", "Q", "W", "Y"}, optional
        Deprecated, as in ``scorecard.build``: a month with "Q" starts on the quarter holding it, with
        "W" on its last full week.
    **options
        Passed to ``scorecard.reduce`` and ``scorecard.build`` (``contact_days``, ``risk_days``,
        ``lost_days``, ``channel_map``, ``change_sd``, ``history``, ``confidence``, ``adjust``).

    Returns
    -------
    ipywidgets.VBox
        CSS classes ``kpi-explorer kpi-explorer-scorecard``: the controls, then the scorecard page
        (``.html``), the chosen KPI's last periods (``.image``) and its breakdown (``.detail``). KPI
        totals are computed once per period length and cached. ``.update()`` redraws; ``.result``
        holds the current ``Scorecard``.
    """
    import warnings

    import ipywidgets as w
    import pandas as pd

    from . import i18n, scorecard
    from .core.periods import parse_period

    i18n.check_locale(locale)
    if freq is not None:
        warnings.warn("scorecard_explorer(): freq= is deprecated: the period says its kind ('2026-10', '2026-W43', "
                      "'2026-Q3', '2026'); freq= stops working in the next release.", DeprecationWarning, stacklevel=2)
        period = str(parse_period(scorecard.period_of(period, freq)))
    first = parse_period(period)
    tables = None if isinstance(data, pd.DataFrame) else dict(data)
    if targets is None and tables is not None:
        targets = tables.get("kpi_targets")
    reduce_keys = ("contact_days", "risk_days", "lost_days", "channel_map")
    reduce_opts = {k: options[k] for k in reduce_keys if k in options}
    build_opts = {k: v for k, v in options.items() if k not in reduce_keys}
    cache: dict = {}

    def totals(fr):
        if tables is None:
            return data
        if fr not in cache:
            cache[fr] = scorecard.reduce(tables, freq=fr, config=config, **reduce_opts)
        return cache[fr]

    def periods(fr):  # (label, canonical text) of every period in the totals, oldest first
        t = totals(fr)
        found = sorted({scorecard.as_period(s, fr) for s in t.loc[t["by"] == scorecard.ALL, "period"]})
        return [(scorecard.period_label(p, locale), scorecard.period_text(p)) for p in found]

    def start_for(fr, options_):
        values = [v for _, v in options_]
        want = first if first.freq == fr else None
        if want is None:  # another length: the period of that length holding the last day of the first one
            from .core.periods import KINDS, period_of

            kind = {f: k for k, f in KINDS.items()}[fr]
            want = period_of(first.end, kind)
        return want.text if want.text in values else values[-1]

    opts = periods(first.freq)
    freq_w = w.Dropdown(options=[(_t_sc(f"freq_{f}", locale), f) for f in ("W", "M", "Q", "Y")], value=first.freq,
                        description=_t_sc("freq", locale), disabled=tables is None)
    period_w = w.Dropdown(options=opts, value=start_for(first.freq, opts), description=_t_sc("period", locale))
    tol_w = w.FloatSlider(value=tolerance, min=0.0, max=0.3, step=0.01, readout_format=".0%",
                          description=_t_sc("tolerance", locale), continuous_update=False)
    kpi_w = w.Dropdown(options=[(scorecard.kpi_name(k, locale), k) for k in scorecard.KPIS],
                       description=_t_sc("kpi", locale))

    def draw():
        card = scorecard.build(totals(freq_w.value), period=period_w.value, targets=targets, config=config,
                               tolerance=tol_w.value, **build_opts)
        parts = [_Markup(scorecard.to_html(card, locale=locale))]
        if kpi_w.value not in set(card.table["kpi"]):
            return card, [*parts, i18n.text("common", "no_data", locale)]
        fig, ax = _figure(8, 2.6)
        scorecard.sparkline(card, kpi=kpi_w.value, ax=ax, locale=locale)
        details = [part for name, t in scorecard.breakdown_tables(card, locale).items()
                   if name.startswith(kpi_w.value + "_") for part in (t.caption, table_view(t.frame))]
        return card, [*parts, fig, *details]

    def on_freq(change):  # new options, then the period: redrawn once, after both
        new = periods(change["new"])
        period_w.options = new
        period_w.value = start_for(change["new"], new)

    box = explorer("scorecard", [w.HBox([freq_w, period_w]), w.HBox([tol_w, kpi_w])], [period_w, tol_w, kpi_w],
                    draw, locale=locale)
    box.on(freq_w, on_freq)
    return box


# ---------------------------------------------------------------------------------------------- promo
_t_promo = _i18n.catalog("widgets_promo", {
    "locations": {"en": "Locations", "vi": "Điểm bán"},
    "controls": {"en": "Controls", "vi": "Điểm bán đối chứng"},
    "outcome": {"en": "Outcome", "vi": "Chỉ tiêu"},
    "baseline": {"en": "Baseline", "vi": "Kỳ gốc"},
    "promotion": {"en": "Promotion at {location}", "vi": "Khuyến mãi tại {location}"},
    "washout": {"en": "Washout days", "vi": "Số ngày loại bỏ"},
    "method": {"en": "Design", "vi": "Thiết kế"},
    "scale": {"en": "Scale", "vi": "Thang đo"},
})


def promo_explorer(sales, schedule, *, baseline: str = "2026-01", locale: str = "en",
                   outcome: str = "revenue", **analyze_kwargs):
    """Explore the location promotion test: promoted and control locations, periods, outcome, washout,
    design and scale.

    Parameters
    ----------
    sales : pandas.DataFrame
        Validated ``sales`` rows or their ``promo.reduce``.
    schedule : pandas.DataFrame or dict
        The promotion schedule (see ``promo.parse_schedule``); each promoted location gets a month
        picker starting at its scheduled month (periods are whole months in the explorer).
    baseline : str, default "2026-01"
        Starting baseline month.
    locale : {"en", "vi"}, default "en"
    outcome : str, default "revenue"
    **analyze_kwargs
        Passed on to ``promo.analyze`` (e.g. ``confidence``).

    Returns
    -------
    ipywidgets.VBox
        CSS classes ``kpi-explorer kpi-explorer-promo``: the controls, then the summary (``.html``)
        and the three-panel chart (``.image``); ``.update()`` redraws and ``.result`` holds the
        current ``PromoResult`` (None when the choice is invalid, in which case the error sentence
        is shown instead).
    """
    import ipywidgets as w

    from . import i18n, promo

    i18n.check_locale(locale)
    sched = promo.parse_schedule(schedule)
    daily = promo.reduce(sales) if "rows" not in sales.columns else sales
    months = sorted(daily["date"].dt.to_period("M").astype(str).unique())
    locs = sorted(daily["location"].unique())
    outcomes = [c for c in daily.columns if c not in ("location", "date", "rows")]
    promoted = list(dict.fromkeys(sched["location"]))
    first_month = {loc: sched.loc[sched["location"] == loc, "start"].min().strftime("%Y-%m") for loc in promoted}
    pick_locs = w.SelectMultiple(options=locs, value=tuple(promoted), rows=min(6, len(locs)),
                                 description=_t_promo("locations", locale))
    pick_outcome = w.Dropdown(options=outcomes, value=outcome if outcome in outcomes else outcomes[0],
                              description=_t_promo("outcome", locale))
    pick_base = w.Dropdown(options=months, value=baseline if baseline in months else months[0],
                           description=_t_promo("baseline", locale))
    pick_promo = {loc: w.Dropdown(options=months, value=first_month[loc] if first_month[loc] in months
                                  else months[-1], description=_t_promo("promotion", locale, location=loc),
                                  style={"description_width": "initial"}) for loc in promoted}
    washout = w.IntSlider(value=0, min=0, max=14, description=_t_promo("washout", locale),
                          continuous_update=False)
    others = [x for x in locs if x not in promoted]
    pick_ctrl = w.SelectMultiple(options=others, value=tuple(others), rows=min(6, max(len(others), 1)),
                                 description=_t_promo("controls", locale))
    design = w.Dropdown(options=list(promo.api.METHODS), value="auto", description=_t_promo("method", locale))
    scale = w.Dropdown(options=["auto", *promo.SCALES], value="auto", description=_t_promo("scale", locale))

    def draw():
        chosen = list(pick_locs.value)
        plan = {loc: pick_promo[loc].value for loc in promoted if loc in chosen}
        ctrl = list(pick_ctrl.value)  # all ticked: the controls are the other chosen locations, as the design says
        named = len(ctrl) != len(others)
        res = promo.analyze(daily, schedule=plan, baseline=pick_base.value, outcome=pick_outcome.value,
                            method=design.value, locations=chosen + [c for c in ctrl if c not in chosen] if named
                            else chosen, controls=ctrl if named else None,
                            washout_days=int(washout.value), scale=scale.value,
                            **({"robustness": False} | analyze_kwargs))
        fig, axes = _figure(10, 8, 3, 1, sharex=True)
        res.plot(ax=axes, locale=locale)
        return res, [res.summary(locale), fig]

    rows = [w.HBox([pick_locs, w.VBox([pick_outcome, pick_base, washout]), pick_ctrl]), w.HBox([design, scale]),
            w.VBox(list(pick_promo.values()))]
    return explorer("promo", rows, [pick_locs, pick_outcome, pick_base, washout, pick_ctrl, design, scale,
                                     *pick_promo.values()], draw, locale=locale)


# --------------------------------------------------------------------------------------- test design
_t_design = _i18n.catalog("widgets_design", {
    "n_treated": {"en": "Promoted stores", "vi": "Số điểm bán khuyến mãi"},
    "days": {"en": "Days", "vi": "Số ngày"},
    "lift": {"en": "Hoped-for lift", "vi": "Mức tăng mong muốn"},
    "method": {"en": "Design", "vi": "Thiết kế"},
})


def design_explorer(sales, *, locale: str = "en", n_treated: int = 2, days: int = 28, lift: float = 0.05,
                    **design_kwargs):
    """Explore a planned promotion test: the number of promoted stores, the days and the hoped-for lift.

    Parameters
    ----------
    sales : pandas.DataFrame
        Validated ``sales`` rows or their ``promo.reduce``: the promotion-free history.
    locale : {"en", "vi"}, default "en"
    n_treated, days, lift
        Starting values of the controls (as ``promo.design``).
    **design_kwargs
        Passed on to ``promo.design`` (e.g. ``history``, ``outcome``, ``n_simulated``).

    Returns
    -------
    ipywidgets.VBox
        CSS classes ``kpi-explorer kpi-explorer-design``: the controls, then the summary and the ten best
        candidates (``.html``) and their power curves (``.image``); ``.result`` holds the current
        ``DesignResult`` (None when the choice is rejected, whose sentence is shown instead).
    """
    import ipywidgets as w

    from . import i18n, promo
    from .promo import present_design

    i18n.check_locale(locale)
    daily = promo.reduce(sales) if "rows" not in sales.columns else sales
    n_locs = int(daily["location"].nunique())
    pick_n = w.IntSlider(value=min(n_treated, max(n_locs - 1, 1)), min=1, max=max(n_locs - 1, 1),
                         description=_t_design("n_treated", locale), continuous_update=False,
                         style={"description_width": "initial"})
    pick_days = w.IntSlider(value=days, min=7, max=91, step=7, description=_t_design("days", locale),
                            continuous_update=False)
    pick_lift = w.FloatSlider(value=lift, min=0.01, max=0.30, step=0.01, readout_format=".0%",
                              description=_t_design("lift", locale), continuous_update=False,
                              style={"description_width": "initial"})
    pick_method = w.Dropdown(options=list(promo.planning.DESIGN_METHODS), value="auto",
                             description=_t_design("method", locale))

    def draw():
        res = promo.design(daily, n_treated=int(pick_n.value), days=int(pick_days.value),
                           lift=float(pick_lift.value), method=pick_method.value, **design_kwargs)
        parts = [res.summary(locale), table_view(present_design.design_table(res, locale))]
        if len(res.curves):
            fig, ax = _figure(7, 3.5)
            res.plot(ax=ax, locale=locale)
            parts.append(fig)
        return res, parts

    rows = [w.HBox([pick_n, pick_days]), w.HBox([pick_lift, pick_method])]
    return explorer("design", rows, [pick_n, pick_days, pick_lift, pick_method], draw, locale=locale)
