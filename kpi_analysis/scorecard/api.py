"""The scorecard's public function :func:`build`, in named steps.

check arguments -> check data and reduce (:func:`~kpi_analysis.scorecard.reduce.reduce`) -> read the
target book -> one row per KPI (value, comparisons, interval, change judgement, target, status) ->
change flags -> breakdowns -> catalogue -> build the :class:`~kpi_analysis.scorecard.results.Scorecard`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.checks import check_choice, check_confidence, require_columns
from ..core.columns import PERSPECTIVES
from ..core.periods import TRAILING_MONTHS, TRAILING_WEEKS, ReportPeriod, parse_period
from ..core.results import excluded, note
from ..core.stats import adjust_pvalues
from .reduce import READS, reduce
from .results import Scorecard
from .spec import (
    ALL,
    MIN_N,
    REDUCED_COLUMNS,
    SPEC,
    SURVEY_KPIS,
    as_period,
    is_missing,
    pandas_freq,
    period_of,
    period_text,
    resolve_settings,
    to_float,
)
from .stats import change_pvalue, interval, no_variation, sd_threshold, status
from .targets import TargetBook, catalogue_of, tolerance_for, zero_band_for

__all__ = ["build"]

#: breakdown tables: name -> (kpi, by)
DETAILS = {"new_leads_by_source": ("new_leads", "source"), "cac_by_channel": ("cac", "channel"),
           "revenue_by_location": ("revenue", "location"), "orders_by_location": ("orders", "location"),
           "price_index_by_product": ("price_index", "product"), "nps_by_region": ("nps", "region")}
#: table -> the date column whose last value says whether the data cover the whole period
COVERAGE = (("sales", "date"), ("leads", "created_at"), ("client_activity", "date"))


@dataclass(frozen=True)
class _Plan:
    """The arguments of one :func:`build`, checked: periods, settings and the judgement rules."""
    rp: ReportPeriod
    freq: str
    fr: str
    p: pd.Period
    prev: pd.Period
    ly: pd.Period
    settings: dict
    config: Mapping | None
    tolerance: float | Mapping | None
    confidence: float
    adjust: str
    currency: str
    allow_partial: bool


def build(data, *, period: str, targets: pd.DataFrame | None = None,
          config: Mapping | None = None, kpis: Sequence[str] | None = None,
          tolerance: float | Mapping[str, float] | None = None, contact_days: int | None = None,
          risk_days: int | None = None, lost_days: int | None = None,
          channel_map: Mapping[str, str] | None = None, change_sd: float | None = None,
          history: int | None = None, confidence: float = 0.95,
          adjust: str = "holm", currency: str | None = None, allow_partial: bool = False,
          nps_min_n: int | None = None, freq: str | None = None) -> Scorecard:
    """The KPI scorecard of one period (a week, month, quarter or year): value, target, status, change and
    trend of every KPI.

    Parameters
    ----------
    data : dict of str -> DataFrame or Ibis table, or DataFrame
        The canonical tables by name (pandas frames or Ibis tables such as ``Workbook.table(name)``,
        reduced where they live; a missing or ``None`` table drops its KPIs with a note; a
        ``kpi_targets`` entry is used as ``targets``), or the reduced table from :func:`reduce`
        (detected by its columns; a pandas frame or an Ibis table).
    period : str
        The report period, which says its kind (:func:`kpi_analysis.core.periods.parse_period`):
        "2026-10" (month), "2026-W43" (ISO week, Monday to Sunday), "2026-Q3" (quarter), "2026" (year).
        It is compared with the previous period of the same kind and the same period a year before
        (for a week: the ISO week with the same number).
    targets : DataFrame, optional
        The ``kpi_targets`` table (kpi, period, target, direction, perspective, owner). A quarter or a
        year without its own target combines its months' targets (sum for totals, mean for rates, last
        for stocks); a period inside a longer target (a week in a month, a month in a quarter) takes
        it pro rata by days, and a week that spans two months takes each month's days
        (:meth:`TargetBook.target <kpi_analysis.scorecard.targets.TargetBook.target>`).
    config : dict, optional
        Workbook settings: ``targets`` (per KPI: target, direction, perspective, owner, period,
        tolerance, zero_band; used where ``kpi_targets`` is silent) and ``analyses.scorecard``
        (defaults for the keyword arguments here, plus ``kpis`` and ``survey_max_age_days``);
        ``currency``. ``targets.<kpi>.zero_band`` is the amber band of a KPI whose target is 0, in the
        KPI's own unit (5 for NPS points, 0.02 for a share): a fraction of a zero target is no band.
    kpis : list of str, optional
        KPI ids to show (default: all of ``KPIS``).
    tolerance : float or dict, default 0.05
        Amber band as a fraction of the target (per KPI with a dict); see :func:`status`.
    contact_days, risk_days, lost_days, channel_map
        See :func:`reduce` (defaults 3, 60, 120 and none).
    change_sd : float, default 2.0
        A total (count, money, price index) moved beyond its usual variation when
        ``|change| > change_sd x SD`` of its previous period-to-period changes.
    history : int, default 24
        How many previous changes give that SD (at least 6 are needed, else the change is not judged).
    confidence : float, default 0.95
        Confidence of the KPI intervals and of the change tests.
    adjust : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
        Correction across the change tests of the rate, mean and NPS KPIs of one scorecard.
    currency : str, optional
        Currency of money KPIs (default: the config's, else "VND").
    allow_partial : bool, default False
        The period is published before the data reach its end (``kpi-report run --allow-partial``).
        A quarter's or a year's targets are then pro-rated to the days the data cover (a KPI whose
        table ends on 31 October is held to October's share of its fourth-quarter target), and the
        notes say so. Without it targets are never pro-rated; either way the change of a KPI whose data
        end early is not judged.
    nps_min_n : int, default 100
        A week or a month with fewer NPS answers shows the NPS of the trailing 13 weeks (3 months) ending
        with it, as the NPS page does, and says so in the notes; its change is then not tested (two
        trailing windows share most of their answers).
    freq : {"M", "Q", "W", "Y"}, optional
        Deprecated: the period says its kind. ``period="2026-10", freq="Q"`` still means the quarter
        holding October and ``freq="W"`` its last full week, with a ``DeprecationWarning``, for one release.

    Returns
    -------
    Scorecard
        See :class:`Scorecard` for the fields and the ``table``, ``history``, ``details``,
        ``catalogue`` and ``totals`` tables.

    Notes
    -----
    *Status* compares the period's value with its target; amber means missing by no more than the
    tolerance. *Change* is value minus the previous period's value. Totals vary for reasons no
    sampling model captures (seasonality, campaigns), so their change is judged against their own
    history: flagged when beyond ``change_sd`` standard deviations of the last ``history`` changes.
    Rates, means and NPS come from samples, so their change is judged by a test of the two periods'
    samples (score test for two proportions, Welch t-test from the sufficient statistics, z-test on
    the difference of two adjusted-Wald NPS estimates), Holm-adjusted across those KPIs. The
    engagement test treats the two periods as independent samples although many clients are in
    both, which makes it conservative. Intervals: Wilson for shares, t for mean scores, adjusted
    Wald for NPS and eNPS (``kpi_analysis.nps.from_counts``). A period with fewer answers than
    ``spec.MIN_N`` (30 for shares and NPS, 10 for mean scores) gets neither an interval nor a change
    test, and a sample without variation (every score the same) neither a t interval nor a test: a
    note says so. Calibrated by simulation in ``benchmarks/calibration_studies/scorecard.py``.
    Employee surveys are periodic: a period without a survey shows the latest survey no older than
    ``survey_max_age_days`` (92).

    Examples
    --------
    >>> sales = pd.DataFrame({"date": pd.date_range("2026-08-01", "2026-10-31", freq="D"),
    ...                       "location": "A", "revenue": 10.0, "orders": 1})
    >>> sc = build({"sales": sales}, period="2026-10", config={"targets": {"revenue": 300}})
    >>> {k: v for k, v in sc.records().items() if k.startswith("revenue")}
    {'revenue': 310.0, 'revenue_status': 'green', 'revenue_target': 300.0}
    """
    if freq is not None:
        import warnings

        pandas_freq(freq)  # an unknown frequency is an error, not a deprecation
        warnings.warn("build(): freq= is deprecated: the period says its kind ('2026-10', '2026-W43', '2026-Q3', "
                      "'2026'); freq= stops working in the next release.", DeprecationWarning, stacklevel=2)
    plan = _check_arguments(period=period, freq=freq, config=config, kpis=kpis, tolerance=tolerance,
                            contact_days=contact_days, risk_days=risk_days, lost_days=lost_days,
                            channel_map=channel_map, change_sd=change_sd, history=history,
                            nps_min_n=nps_min_n, confidence=confidence, adjust=adjust, currency=currency,
                            allow_partial=allow_partial)
    notes: list[dict] = []
    reduced, targets, partial = _reduce_data(data, plan, targets, notes)
    book = _read_targets(targets, config, notes)
    rows, hist, dropped, derived = [], [], [], {}
    for kpi in plan.settings["kpis"]:
        row, periods = _kpi_row(kpi, reduced, book, plan, notes, dropped, derived, partial)
        rows.append(row)
        hist += periods
    for (how, of, days, total), ks in derived.items():
        if how == "prorated":
            notes.append(note("target_prorated", kpis=ks, period=plan.rp.text, of=of, days=days, total=total))
        else:
            notes.append(note("target_derived", kpis=ks, period=plan.rp.text, how=how, **({"of": of} if of else {})))
    if all(r["status"] == "no_data" for r in rows):
        raise ValueError("scorecard: no KPI could be computed: every table it needs is missing or empty "
                         f"(KPIs asked: {plan.settings['kpis']}).")
    table = _flag_changes(pd.DataFrame(rows), plan, partial)
    details = _breakdowns(reduced, plan)
    catalogue = catalogue_of(book, period=plan.p, fr=plan.fr, kpis=plan.settings["kpis"])
    return _result(plan, table, pd.DataFrame(hist), details, catalogue, reduced, dropped, notes)


# --------------------------------------------------------------------------------------------------
# 1. arguments
# --------------------------------------------------------------------------------------------------

def report_period(period, freq: str | None = None) -> ReportPeriod:
    """The report period of ``build(period=..., freq=...)``: ``period`` alone says its kind; the deprecated
    ``freq`` keeps its old meaning (a month with "Q": the quarter holding it; with "W": its last full week).

    >>> str(report_period("2026-W43")), str(report_period("2026"))
    ('2026-W43', '2026')
    """
    if freq is None:
        return parse_period(period)
    return parse_period(period_of(period, freq))


def _check_arguments(*, period, freq, config, kpis, tolerance, confidence, adjust, currency, allow_partial,
                     **given) -> _Plan:
    rp = report_period(period, freq)
    confidence = check_confidence(confidence)
    check_choice(adjust, name="adjust", options=["holm", "fdr_bh", "bonferroni", "none"])
    if not isinstance(allow_partial, (bool, np.bool_)):
        raise TypeError(f"allow_partial must be True or False; got {allow_partial!r}.")
    settings = resolve_settings(config, kpis=None if kpis is None else list(kpis), **given)
    return _Plan(rp=rp, freq=rp.freq, fr=pandas_freq(rp.freq), p=rp.to_pandas(), prev=rp.previous().to_pandas(),
                 ly=rp.last_year().to_pandas(), settings=settings, config=config, tolerance=tolerance,
                 confidence=confidence, adjust=adjust, currency=currency or (config or {}).get("currency") or "VND",
                 allow_partial=bool(allow_partial))


# --------------------------------------------------------------------------------------------------
# 2. data: the reduced table (given, or reduced from the tables), and what the data do not cover
# --------------------------------------------------------------------------------------------------

def _reduce_data(data, plan: _Plan, targets, notes: list) -> tuple[pd.DataFrame, pd.DataFrame | None, dict]:
    """(reduced table, kpi_targets, {KPI whose data end before the period does: the data's last day})."""
    kpis = plan.settings["kpis"]
    if isinstance(data, Mapping):
        tables = dict(data)
        if targets is None and tables.get("kpi_targets") is not None:
            targets = tables["kpi_targets"]
        for table in READS:
            if tables.get(table) is None and (lost := [k for k in kpis if table in SPEC[k].tables]):
                notes.append(note("missing_table", kpis=lost, table=table))
        s = plan.settings
        reduced = reduce(tables, freq=plan.freq, contact_days=s["contact_days"], risk_days=s["risk_days"],
                         lost_days=s["lost_days"], channel_map=s["channel_map"], notes=notes)
        return reduced, targets, _partial(tables, plan, notes)
    if hasattr(data, "execute") and hasattr(data, "columns") and not isinstance(data, pd.DataFrame):
        data = data.execute()  # an Ibis table of KPI totals: small, fetched as it is
    if not isinstance(data, pd.DataFrame):
        raise TypeError("data must be a dict of canonical tables or the KPI totals DataFrame; "
                        f"got {type(data).__name__}.")
    if not {"kpi", "period", "by", "group", "value"} <= set(data.columns):
        raise ValueError("data: expected a dict of canonical tables or the KPI totals from "
                         f"scorecard.reduce() (columns {REDUCED_COLUMNS}); got columns {list(data.columns)}.")
    require_columns(data, table="kpi totals", columns=REDUCED_COLUMNS)
    _check_period_length(data, plan)
    present = set(data.loc[data["by"] == ALL, "kpi"])
    if absent := [k for k in kpis if k not in present]:
        notes.append(note("not_in_totals", kpis=absent))
    return data, targets, {}


def _check_period_length(data: pd.DataFrame, plan: _Plan) -> None:
    """KPI totals reduced by months cannot answer for a quarter: their period texts must be of the report's kind."""
    texts = data["period"].dropna().astype(str).unique()[:50]

    def fits(text):
        try:
            return str(pd.Period(text, plan.fr)) == text
        except (ValueError, TypeError):
            return False
    if len(texts) and not all(fits(t) for t in texts):
        kinds = {"W": "week", "M": "month", "Q": "quarter", "Y": "year"}
        raise ValueError(f"data: the KPI totals have periods such as {texts[0]!r}, not {kinds[plan.freq]}s; the "
                         f"{kinds[plan.freq]} {plan.rp} needs totals reduced by {kinds[plan.freq]}: "
                         f"scorecard.reduce(tables, freq={plan.freq!r}).")


def _last_day(table, name: str, column: str):
    """Latest value of ``column`` (None for an empty table): pandas as it is, anything else in Ibis."""
    if isinstance(table, pd.DataFrame):
        return table[column].max() if len(table) else None
    from ..core.reduction import as_table

    t = as_table(table, name)
    last = t[column].max().execute()
    return None if is_missing(last) else pd.Timestamp(last)


def _partial(tables: Mapping, plan: _Plan, notes: list) -> dict:
    """{KPI whose table ends before the period does: that table's last day} (noted; their change is not
    judged, and with ``allow_partial`` a quarter's or year's target is pro-rated to the days covered)."""
    partial: dict[str, pd.Timestamp] = {}
    for table, col in COVERAGE:
        t = tables.get(table)
        if t is None:
            continue
        last = _last_day(t, table, col)
        if last is not None and last.normalize() < plan.rp.end:
            affected = [k for k in plan.settings["kpis"] if table in SPEC[k].tables]
            for k in affected:
                partial[k] = min(partial.get(k, last.normalize()), last.normalize())
            notes.append(note("incomplete", table=table, date=last, period=plan.rp.text, kpis=affected))
    return partial


# --------------------------------------------------------------------------------------------------
# 3. the target book
# --------------------------------------------------------------------------------------------------

def _read_targets(targets, config, notes: list) -> TargetBook:
    book = TargetBook.read(targets, config)
    if unknown := book.unknown_kpis():
        notes.append(note("unknown_kpi", kpis=unknown))
    return book


# --------------------------------------------------------------------------------------------------
# 4. one KPI: value, comparisons, interval, change judgement, target and status
# --------------------------------------------------------------------------------------------------

def _series(reduced: pd.DataFrame, kpi: str, freq: str) -> pd.DataFrame:
    rows = reduced[(reduced["kpi"] == kpi) & (reduced["by"] == ALL)].copy()
    rows.index = pd.PeriodIndex([as_period(s, freq) for s in rows["period"]], freq=pandas_freq(freq))
    return rows.sort_index()


def _carry(rows: pd.DataFrame, rng: pd.PeriodIndex, max_age_days: int) -> pd.DataFrame:
    """Survey KPIs: a period without answers shows the latest wave no older than ``max_age_days``."""
    out = rows.reindex(rng)
    src = pd.Series([period_text(q) if q in rows.index else None for q in rng], index=rng, dtype=object)
    for q in rng:
        if q in rows.index:
            continue
        earlier = [w for w in rows.index if w < q
                   and (q.end_time - w.end_time) <= pd.Timedelta(days=max_age_days)]
        if earlier:
            out.loc[q] = rows.loc[max(earlier)]
            src[q] = period_text(max(earlier))
    out["source_period"] = src
    return out


def _kpi_periods(raw: pd.DataFrame, kpi: str, plan: _Plan) -> pd.DataFrame:
    """The KPI's rows over every period from the sparkline's first to the report's (survey waves carried)."""
    n_spark = plan.settings["sparkline_periods"]
    rng = pd.period_range(min(raw.index.min(), plan.p - n_spark), max(raw.index.max(), plan.p), freq=plan.fr)
    if kpi in SURVEY_KPIS:
        return _carry(raw, rng, plan.settings["survey_max_age_days"])
    s = raw.reindex(rng)
    s["source_period"] = [period_text(q) if q in raw.index else None for q in rng]
    return s


def _no_data_reason(kpi: str, notes: list) -> str:
    """Why a KPI has no value, as a code: its table or column is missing, or its table has no rows."""
    for item in notes:
        if item["code"] in ("missing_table", "missing_column", "not_in_totals") and kpi in item.get("kpis", []):
            return item["code"]
    return "no_rows"


def _exclusion(kpi: str, n: int) -> dict | None:
    """Rows a KPI left out, as a code (eNPS shares the survey's, counted once under satisfaction)."""
    if kpi == "leads_contacted_share":
        return excluded("contact_window", n, kpi=kpi)
    if kpi == "employee_satisfaction":
        return excluded("blank_employee", n, kpi=kpi)
    if kpi == "nps":
        return excluded("blank_nps", n, kpi=kpi)
    return None


def _small(counts, method: str) -> bool:
    """Fewer answers than the KPI's ``MIN_N``: no interval and no change test."""
    n = to_float(counts["denominator"])
    return method in MIN_N and not is_missing(n) and n < MIN_N[method]


def _sample_interval(kpi: str, cur, value: float, plan: _Plan, notes: list) -> tuple[float, float, float]:
    """(n, ci_low, ci_high) of a KPI that comes from a sample; small samples and samples without variation
    get no interval, a note."""
    spec = SPEC[kpi]
    n = to_float(cur["denominator"]) if spec.unit not in ("count", "money") or kpi == "cac" else float("nan")
    if spec.change == "sd" or is_missing(value):
        return n, float("nan"), float("nan")
    if _small(cur, spec.change):
        notes.append(note("small", kpi=kpi, n=int(n), min_n=MIN_N[spec.change]))
        return n, float("nan"), float("nan")
    if no_variation(cur, method=spec.change) and spec.change == "mean":
        notes.append(note("no_variation", kpi=kpi, period=cur["source_period"] or plan.rp.text, value=value))
        return n, float("nan"), float("nan")
    ci_low, ci_high = interval(cur, method=spec.change, confidence=plan.confidence)
    return n, ci_low, ci_high


def _judge_change(kpi: str, s: pd.DataFrame, cur, before, change: float, plan: _Plan,
                  notes: list) -> tuple[float, float, int]:
    """(threshold, p_value, n_changes): totals against their own history, samples by a test (not with a small
    sample in either period, nor when neither period varies: NaN and a note)."""
    method = SPEC[kpi].change
    threshold, p_value, n_changes = float("nan"), float("nan"), 0
    if method == "sd":
        st = plan.settings
        threshold, n_changes = sd_threshold(s["value"].loc[:plan.prev], history=st["history"],
                                            min_history=st["min_history"], change_sd=st["change_sd"])
        if n_changes < st["min_history"] and not is_missing(change):
            notes.append(note("short_history", kpi=kpi, n=st["min_history"]))
    elif not is_missing(change) and cur["source_period"] != before["source_period"]:
        if _small(cur, method):
            return threshold, p_value, n_changes  # noted with the interval
        if _small(before, method):
            notes.append(note("small_previous", kpi=kpi, n=int(to_float(before["denominator"])),
                              min_n=MIN_N[method], period=before["source_period"] or period_text(plan.prev)))
            return threshold, p_value, n_changes
        p_value = change_pvalue(cur, before, method=method)
        if is_missing(p_value) and no_variation(cur, method=method) and no_variation(before, method=method):
            notes.append(note("no_variation_change", kpi=kpi, period=cur["source_period"] or plan.rp.text,
                              previous=before["source_period"] or period_text(plan.prev)))
    return threshold, p_value, n_changes


NPS_TRAILING = {"week": TRAILING_WEEKS, "month": TRAILING_MONTHS}  # periods in the window, ending with the report's own


def _trailing_nps(kpi: str, s: pd.DataFrame, plan: _Plan):
    """For NPS with fewer than ``nps_min_n`` answers (default 100) in a week or a month: (this window, the
    previous window, a note).

    The NPS page reads the trailing 13 weeks (3 months) then, and names it; the scorecard shows the same
    number, so one concept has one value on the report.
    """
    if kpi != "nps" or plan.rp.kind not in NPS_TRAILING:
        return None
    own = to_float(s.loc[plan.p, "denominator"])
    min_n = plan.settings["nps_min_n"]
    if not is_missing(own) and own >= min_n:
        return None
    k = NPS_TRAILING[plan.rp.kind]

    def window(q):
        rows = s.loc[q - (k - 1):q]
        counts = rows[["detractors", "passives", "promoters", "excluded"]].fillna(0).sum()
        n = counts["detractors"] + counts["passives"] + counts["promoters"]
        out = s.loc[q].copy()
        out[["detractors", "passives", "promoters", "excluded"]] = counts
        out["numerator"], out["denominator"] = counts["promoters"] - counts["detractors"], n
        out["value"] = 100 * out["numerator"] / n if n else float("nan")
        out["source_period"] = f"{period_text(q - (k - 1))}..{period_text(q)}"
        return out

    cur = window(plan.p)
    first, last = parse_period(period_text(plan.p - (k - 1))), parse_period(period_text(plan.p))
    return cur, window(plan.prev), note("nps_trailing", kpi=kpi, n_period=0 if is_missing(own) else int(own),
                                         n=int(cur["denominator"]), start=str(first.start.date()),
                                         end=str(last.end.date()), min_n=min_n)


def _kpi_row(kpi: str, reduced: pd.DataFrame, book: TargetBook, plan: _Plan, notes: list, dropped: list,
             derived: dict, partial: dict) -> tuple[dict, list[dict]]:
    """The KPI's row of ``Scorecard.table`` and its rows of ``Scorecard.history``."""
    spec, p = SPEC[kpi], plan.p
    raw = _series(reduced, kpi, plan.freq)
    meta = book.meta(kpi, p)
    # a quarter or a year published before its data are complete: targets for the days the data cover
    until = partial.get(kpi) if plan.allow_partial and plan.rp.kind in ("quarter", "year") else None
    if not len(raw):  # a missing table or column: the KPI stays on the card as "no data", with why
        return {"kpi": kpi, "perspective": meta["perspective"] or spec.perspective, "unit": spec.unit,
                "value": float("nan"), "target": book.target(kpi, p, until=until).value,
                "direction": meta["direction"] or spec.direction, "status": "no_data",
                "status_previous": "no_data", "owner": meta["owner"], "change_method": spec.change,
                "no_data_reason": _no_data_reason(kpi, notes)}, []
    s = _kpi_periods(raw, kpi, plan)
    direction = meta["direction"]
    if direction is None:
        direction = spec.direction
        notes.append(note("direction", kpi=kpi, direction=spec.direction))
    tol = tolerance_for(kpi, plan.tolerance, plan.config, book.config)
    band = zero_band_for(kpi, book.config)
    cur, before = s.loc[p], s.loc[plan.prev]
    if (trailing := _trailing_nps(kpi, s, plan)) is not None:
        cur, before, window = trailing
        notes.append(window)
    value = to_float(cur["value"])
    if is_missing(value):
        notes.append(note("no_value", kpi=kpi, period=plan.rp.text))
    src = cur["source_period"]
    if kpi in SURVEY_KPIS and isinstance(src, str) and src != plan.rp.text:
        notes.append(note("carried", kpi=kpi, source=src, period=plan.rp.text))
    if (n_out := 0 if is_missing(cur["excluded"]) else int(cur["excluded"])) and (e := _exclusion(kpi, n_out)):
        dropped.append(e)
    n, ci_low, ci_high = _sample_interval(kpi, cur, value, plan, notes)
    previous = to_float(before["value"])
    last_year = to_float(s.loc[plan.ly, "value"]) if plan.ly in s.index else float("nan")
    change = value - previous
    if trailing is None:
        threshold, p_value, n_changes = _judge_change(kpi, s, cur, before, change, plan, notes)
    else:  # two trailing windows share most of their answers: no test of their difference
        threshold, p_value, n_changes = float("nan"), float("nan"), 0
    target = book.target(kpi, p, until=until)
    if target.how and target.how != "table":
        derived.setdefault((target.how, target.of, target.days, target.total), []).append(kpi)
    if target.value == 0 and band is None:
        notes.append(note("zero_target", kpi=kpi))
    target_prev = book.target(kpi, plan.prev).value
    row = {"kpi": kpi, "perspective": meta["perspective"] or spec.perspective, "unit": spec.unit, "value": value,
           "ci_low": ci_low, "ci_high": ci_high, "n": n, "previous": previous, "last_year": last_year,
           "change": change, "change_pct": change / abs(previous) if previous else float("nan"),
           "yoy_change": value - last_year,
           "yoy_pct": (value - last_year) / abs(last_year) if last_year else float("nan"),
           "target": target.value, "target_source": target.source, "direction": direction, "tolerance": tol,
           "status": status(value, target.value, direction=direction, tolerance=tol, zero_band=band),
           "status_previous": status(previous, target_prev, direction=direction, tolerance=tol, zero_band=band),
           "owner": meta["owner"], "change_method": spec.change, "threshold": threshold,
           "n_changes": n_changes, "p_value": p_value, "source_period": src}
    hist = []
    for q in pd.period_range(p - (plan.settings["sparkline_periods"] - 1), p, freq=plan.fr):
        v = to_float(s.loc[q, "value"]) if q in s.index else float("nan")
        tq = book.target(kpi, q, until=until if q == p else None).value
        hist.append({"kpi": kpi, "period": period_text(q), "value": v, "target": tq,
                     "status": status(v, tq, direction=direction, tolerance=tol, zero_band=band)})
    return row, hist


# --------------------------------------------------------------------------------------------------
# 5. change flags
# --------------------------------------------------------------------------------------------------

def _flag_changes(t: pd.DataFrame, plan: _Plan, partial) -> pd.DataFrame:
    """Tests adjusted together, totals against their own history; partial periods are not judged.
    The rows are then ordered by perspective."""
    tested = t["p_value"].notna()
    t["p_adj"] = np.nan
    if tested.any():
        t.loc[tested, "p_adj"] = adjust_pvalues(t.loc[tested, "p_value"].to_numpy(), plan.adjust)
    t["flagged"] = ((t["change_method"] == "sd") & (t["change"].abs() > t["threshold"])) | \
                   ((t["change_method"] != "sd") & (t["p_adj"] < 1 - plan.confidence))
    t["flagged"] = t["flagged"].fillna(False).astype(bool) & ~t["kpi"].isin(list(partial))
    order = {k: i for i, k in enumerate(PERSPECTIVES)}
    t = t.sort_values("perspective", key=lambda s: s.map(order).fillna(99), kind="stable")
    return t.reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# 6. breakdowns
# --------------------------------------------------------------------------------------------------

def _detail(reduced: pd.DataFrame, kpi: str, by: str, plan: _Plan) -> pd.DataFrame | None:
    rows = reduced[(reduced["kpi"] == kpi) & (reduced["by"] == by)]
    if not len(rows):
        return None
    wide = rows.pivot(index="group", columns="period", values="value")

    def get(q):
        return wide[str(q)] if str(q) in wide.columns else pd.Series(np.nan, index=wide.index)
    d = pd.DataFrame({"group": wide.index.astype(str), "value": get(plan.p).to_numpy(),
                      "previous": get(plan.prev).to_numpy(), "last_year": get(plan.ly).to_numpy()})
    d["change"] = d["value"] - d["previous"]
    d["change_pct"] = d["change"] / d["previous"].abs().where(d["previous"] != 0)
    d["yoy_pct"] = (d["value"] - d["last_year"]) / d["last_year"].abs().where(d["last_year"] != 0)
    keep = d["value"].notna() | d["previous"].notna()
    if kpi == "cac":  # a channel with spend but no won client has no CAC: show its spend and wins
        now = rows[rows["period"] == str(plan.p)].set_index("group")
        d["spend"] = now["numerator"].reindex(d["group"]).to_numpy()
        d["won"] = now["denominator"].reindex(d["group"]).to_numpy()
        keep |= d["spend"].fillna(0) > 0
    d = d[keep]
    return d.rename(columns={"group": by}).reset_index(drop=True)


def _product_thresholds(d: pd.DataFrame, reduced: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    """Price index by product: flagged where it moved beyond its usual variation."""
    st = plan.settings
    per_product = reduced[(reduced["kpi"] == "price_index") & (reduced["by"] == "product")]
    sd = []
    for prod in d["product"]:
        r = per_product[per_product["group"] == prod]
        r = pd.Series(r["value"].to_numpy(), index=pd.PeriodIndex([as_period(s, plan.freq) for s in r["period"]]))
        r = r.sort_index()
        r = r.reindex(pd.period_range(r.index.min(), max(r.index.max(), plan.p), freq=plan.fr))
        threshold, _ = sd_threshold(r.loc[:plan.prev], history=st["history"], min_history=st["min_history"],
                                    change_sd=st["change_sd"])
        sd.append(threshold)
    d["threshold"] = sd
    d["flagged"] = (d["change"].abs() > d["threshold"]).fillna(False)
    return d


def _team_detail(reduced: pd.DataFrame, plan: _Plan) -> pd.DataFrame | None:
    """Employee satisfaction and eNPS by team, from the latest survey wave no older than the limit."""
    rows = reduced[(reduced["kpi"].isin(SURVEY_KPIS)) & (reduced["by"] == "team")]
    if not len(rows):
        return None
    p, max_age_days = plan.p, plan.settings["survey_max_age_days"]
    waves = sorted({as_period(s, plan.freq) for s in rows["period"]})
    ok = [w for w in waves if w <= p and (p.end_time - w.end_time) <= pd.Timedelta(days=max_age_days)]
    if not ok:
        return None
    w = str(max(ok))
    sat = rows[(rows["kpi"] == "employee_satisfaction") & (rows["period"] == w)].set_index("group")
    en = rows[(rows["kpi"] == "enps") & (rows["period"] == w)].set_index("group")
    w = period_text(max(ok))
    out = []
    for team in sat.index:
        r, e = sat.loc[team], en.loc[team]
        lo, hi = (interval(r, method="mean", confidence=plan.confidence) if r["denominator"] >= 2
                  else (np.nan, np.nan))
        elo, ehi = (interval(e, method="nps", confidence=plan.confidence) if e["denominator"] >= 10
                    else (np.nan, np.nan))
        out.append({"team": team, "survey": w, "n": int(r["denominator"]), "mean": r["value"], "ci_low": lo,
                    "ci_high": hi, "enps": e["value"], "enps_ci_low": elo, "enps_ci_high": ehi})
    return pd.DataFrame(out)


def _breakdowns(reduced: pd.DataFrame, plan: _Plan) -> dict[str, pd.DataFrame]:
    kpis = plan.settings["kpis"]
    details = {}
    for name, (kpi, by) in DETAILS.items():
        if kpi in kpis and (d := _detail(reduced, kpi, by, plan)) is not None:
            details[name] = d
    if "revenue_by_location" in details:
        d = details["revenue_by_location"]
        d["rank"] = d["value"].rank(ascending=False, method="min").astype("Int64")
        d["rank_previous"] = d["previous"].rank(ascending=False, method="min").astype("Int64")
        details["revenue_by_location"] = d.sort_values("rank").reset_index(drop=True)
    if "price_index_by_product" in details:
        details["price_index_by_product"] = _product_thresholds(details["price_index_by_product"], reduced, plan)
    team = _team_detail(reduced, plan)
    if team is not None and any(k in kpis for k in SURVEY_KPIS):
        details["employee_by_team"] = team
    return details


# --------------------------------------------------------------------------------------------------
# 7. the result
# --------------------------------------------------------------------------------------------------

def _result(plan: _Plan, t: pd.DataFrame, hist: pd.DataFrame, details: dict, catalogue: pd.DataFrame,
            reduced: pd.DataFrame, dropped: list, notes: list) -> Scorecard:
    counts = t["status"].value_counts()
    settings = dict(plan.settings, tolerance_default=tolerance_for("", plan.tolerance, plan.config, {}),
                    allow_partial=plan.allow_partial)
    method = (f"status vs target with relative tolerance; change: {settings['change_sd']} SD of the last "
              f"{settings['history']} changes (totals), score/Welch/NPS z-tests with {plan.adjust} adjustment "
              "(rates, means, NPS); Wilson / t / adjusted-Wald intervals")
    return Scorecard(period=plan.rp.text, freq=plan.freq, previous=period_text(plan.prev),
                     last_year=period_text(plan.ly),
                     n_green=int(counts.get("green", 0)), n_amber=int(counts.get("amber", 0)),
                     n_red=int(counts.get("red", 0)), n_no_target=int(counts.get("no_target", 0)),
                     n_no_data=int(counts.get("no_data", 0)), n_flagged=int(t["flagged"].sum()), method=method,
                     confidence=plan.confidence, adjust=plan.adjust, currency=plan.currency, table=t,
                     history=hist, details=details, catalogue=catalogue, totals=reduced, excluded=tuple(dropped),
                     notes=tuple(notes), settings=settings)
