"""Charts in the workbook's units: tick labels from ``i18n.tidy_axis`` (whole percents, short money
scales), no matplotlib offset text ('1e7') and nothing cut off, in both report languages."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from kpi_analysis import i18n, scorecard

NAMES = ["leads", "sales", "marketing_spend", "competitor_prices", "client_activity", "employee_survey",
         "nps_responses", "kpi_targets"]


@pytest.fixture(scope="module")
def card(sample_table):
    return scorecard.build({n: sample_table(n) for n in NAMES}, period="2026-10")


def _shown(axis):
    """The tick labels drawn: those of ticks inside the view (matplotlib keeps one or two outside)."""
    lo, hi = sorted(axis.get_view_interval())
    return [t.label1 for t in axis.get_major_ticks()
            if t.label1.get_text() and lo - 1e-12 <= t.get_loc() <= hi + 1e-12]


def _tick_labels(axis) -> list[str]:
    return [t.get_text() for t in _shown(axis)]


def _offsets(fig) -> list[str]:
    return [ax.xaxis.get_offset_text().get_text() + ax.yaxis.get_offset_text().get_text() for ax in fig.axes
            if ax.xaxis.get_offset_text().get_text() or ax.yaxis.get_offset_text().get_text()]


def _inside(fig) -> list[str]:
    """Texts drawn (partly) outside the figure: cut off in the PNG."""
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    out = []
    for ax in fig.axes:
        for t in [ax.title, ax.xaxis.label, ax.yaxis.label, *_shown(ax.xaxis), *_shown(ax.yaxis)]:
            if t.get_visible() and t.get_text():
                b = t.get_window_extent(renderer)
                if b.x0 < box.x0 - 1 or b.x1 > box.x1 + 1 or b.y0 < box.y0 - 1 or b.y1 > box.y1 + 1:
                    out.append(t.get_text())
    return out


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_scorecard_gap_chart_has_whole_percent_ticks_and_no_offset(card, locale):
    fig, ax = plt.subplots(figsize=(8, 5))
    try:
        card.plot(ax=ax, locale=locale)
        fig.tight_layout()
        fig.canvas.draw()
        labels = _tick_labels(ax.xaxis)
        assert labels and all(s.endswith("%") for s in labels), labels
        assert all("," not in s and "." not in s for s in labels), f"whole percents only: {labels}"
        assert not _offsets(fig), _offsets(fig)
        assert not _inside(fig), f"cut off: {_inside(fig)}"
    finally:
        plt.close(fig)


def test_scorecard_sparklines_show_values_in_their_units(card):
    fig = scorecard.sparklines(card, locale="vi")
    try:
        fig.canvas.draw()
        titles = " ".join(ax.get_title(loc="left") for ax in fig.axes if ax.get_visible())
        assert "tỷ ₫" in titles and "%" in titles, titles  # shop sales in short scales, shares in percent
        assert not _offsets(fig)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("unit,values,expected", [
    ("money", (0, 1e10), ["0", "VND 2 bn", "VND 4 bn", "VND 10 bn"]),
    ("money", (0, 3e8), ["0", "VND 50 m", "VND 100 m", "VND 300 m"]),
    ("money", (0, 2.5e9), ["0", "VND 500 m", "VND 1 bn", "VND 1.5 bn", "VND 2.5 bn"]),
    ("share", (0, 0.025, 0.05), ["0%", "1%", "5%"]),
])
def test_tidy_axis_formats_ticks_without_offset(unit, values, expected):
    fig, ax = plt.subplots()
    try:
        ax.plot(list(values), list(values))
        ax.set_ylim(min(values), max(values))
        i18n.tidy_axis(ax, "y", unit=unit, locale="en")
        fig.canvas.draw()
        labels = _tick_labels(ax.yaxis)
        assert ax.yaxis.get_offset_text().get_text() == ""
        assert all(e in labels for e in expected), labels
        if unit == "share":
            assert all(s.endswith("%") and "." not in s for s in labels), labels
    finally:
        plt.close(fig)
