"""The explorers (kpi_analysis.widgets) on the sample data, without a browser.

Each explorer is built, one control is changed the way the notebook user would, and the view (an
``HTML`` widget of escaped text and tables plus an ``Image`` widget of PNG bytes) must change
accordingly, while nothing is printed or displayed outside the widget and no pyplot figure is
opened. The JupyterLab side (CSS classes, no message in the log console) is in tests/browser.
"""
from __future__ import annotations

import contextlib
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

ipywidgets = pytest.importorskip("ipywidgets")
from IPython.utils.capture import capture_output

from kpi_analysis import feasibility, i18n, promo, widgets

PNG = b"\x89PNG"
SCORECARD_TABLES = ("leads", "sales", "nps_responses", "marketing_spend", "competitor_prices",
                    "client_activity", "employee_survey", "kpi_targets")


@contextlib.contextmanager
def contained():
    """Whatever runs inside must stay in the widgets: no print, no display, no pyplot figure."""
    before = plt.get_fignums()
    with capture_output() as cap:
        yield
    assert cap.outputs == [], f"displayed outside the widget: {cap.outputs}"
    assert cap.stdout == "" and cap.stderr == "", f"printed outside the widget: {cap.stdout!r} {cap.stderr!r}"
    assert plt.get_fignums() == before, "a pyplot figure was opened (or left open)"


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def control(box, description: str):
    found = [c for c in walk(box) if getattr(c, "description", None) == description]
    assert len(found) == 1, f"{len(found)} control(s) described {description!r}"
    return found[0]


def check_box(box, name: str) -> None:
    """The explorer convention the browser tests rely on: classes, an HTML + Image view, no Output."""
    assert {"kpi-explorer", f"kpi-explorer-{name}"} <= set(box._dom_classes)
    assert isinstance(box.html, ipywidgets.HTML) and isinstance(box.image, ipywidgets.Image)
    assert box.html in box.children and box.image in box.children
    assert not [c for c in walk(box) if isinstance(c, ipywidgets.Output)]


def drawn(box) -> tuple[str, bytes]:
    return box.html.value + box.detail.value, box.image.value


# ----------------------------------------------------------------------------------------------- NPS
def test_nps_explorer_switches_segments_inside_its_box(sample_table):
    responses = sample_table("nps_responses")
    with contained():
        box = widgets.nps_explorer(responses, locale="vi")
        text0, png0 = drawn(box)
        control(box, "Phân nhóm").value = ("product",)
        control(box, "Phương pháp").value = "wald"
    check_box(box, "nps")
    assert "Miền Trung" in text0 and png0[:4] == PNG
    text, png = drawn(box)
    assert list(box.result.by) == ["product"] and box.result.method == "wald"
    assert "Phân bón" in text and "Hạt giống" in text and "Miền Trung" not in text
    assert png[:4] == PNG and png != png0
    with contained():
        control(box, "Phân nhóm").value = ()
    assert box.result is None and "Không có dữ liệu" in box.html.value
    assert box.image.value == b"" and box.image.layout.display == "none"


# --------------------------------------------------------------------------------------- feasibility
@pytest.fixture(scope="module")
def revenue_q1(sample_table):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # model-fitting notes on a short history are not the subject
        return feasibility.assess(sample_table("leads"), 0.20, "2027-Q1", n_paths=300, backtest_origins=0,
                                  as_of="2026-10")


def test_feasibility_explorer_moves_p_hit_inside_its_box(revenue_q1):
    with contained():
        box = widgets.feasibility_explorer(revenue_q1, locale="en")
        text0, png0 = drawn(box)
        control(box, "Target growth").value = -0.1
    check_box(box, "feasibility")
    expected = revenue_q1.retarget(-0.1)
    assert box.result.p_hit == expected.p_hit != revenue_q1.p_hit
    text, png = drawn(box)
    growth, p_hit = i18n.percent(-0.1, "en", signed=True), i18n.percent(expected.p_hit, "en", digits=0)
    assert f"({growth})" in text and f"P(hit) {p_hit}" in text and text != text0
    assert png[:4] == PNG and png0[:4] == PNG and png != png0
    with contained():
        control(box, "Chart").value = False  # the line stays, the chart goes
    assert "P(hit)" in box.html.value and box.image.value == b"" and box.image.layout.display == "none"


# ---------------------------------------------------------------------------------------------- reps
def test_rep_explorer_shows_the_chosen_rep_inside_its_box(sample_table):
    with contained():
        box = widgets.rep_explorer(sample_table("leads"), locale="en")
        text0, png0 = drawn(box)
        control(box, "Reps").value = ("Lê Hoàng Cường",)
        text1, png1 = drawn(box)
        control(box, "Chart").value = "funnel"
    check_box(box, "reps")
    assert "Vũ Ngọc Hà" in text0 and "Lê Hoàng Cường" in text0
    assert "Lê Hoàng Cường" in text1 and "Vũ Ngọc Hà" not in text1 and "Nguyễn Văn An" not in text1
    assert set(box.result.table["rep"]) >= {"Lê Hoàng Cường", "Vũ Ngọc Hà"}  # the team is still compared
    text2, png2 = drawn(box)
    assert text2 == text1 and len({png0, png1, png2}) == 3 and png2[:4] == PNG


# ----------------------------------------------------------------------------------------- scorecard
def test_scorecard_explorer_switches_to_quarters_with_one_redraw(sample_table):
    tables = {name: sample_table(name) for name in SCORECARD_TABLES}
    with contained():
        box = widgets.scorecard_explorer(tables, period="2026-10", locale="en")
        text0, png0 = drawn(box)
        redraws = []
        box.html.observe(lambda change: redraws.append(change["new"]), names="value")
        control(box, "Periods").value = "Q"
    check_box(box, "scorecard")
    assert box.result.period == "2026-Q4" and control(box, "Report").value == "2026-Q4"
    assert len(redraws) == 1, "a new period length redraws once, not once per control it resets"
    text, png = drawn(box)
    assert "Q4" in text and text != text0 and png[:4] == PNG and png != png0
    kpi = control(box, "KPI")
    with contained():
        kpi.value = "nps"
    assert box.image.value not in (png, b"") and box.html.value == redraws[-1]  # the card is unchanged


# --------------------------------------------------------------------------------------------- promo
def test_promo_explorer_switches_outcome_inside_its_box(sample_table):
    sales, schedule = sample_table("sales"), sample_table("promotions")
    with contained():
        box = widgets.promo_explorer(sales, schedule, locale="en")
        text0, png0 = drawn(box)
        control(box, "Outcome").value = "orders"
    check_box(box, "promo")
    assert isinstance(box.result, promo.PromoResult) and box.result.outcome == "orders"
    text, png = drawn(box)
    assert "orders" in text and text != text0 and png[:4] == PNG and png != png0


# ------------------------------------------------------------------------------------------ the helper
def _toy(draw, locale="en"):
    pick = ipywidgets.Dropdown(options=["a", "b", "c"], value="a", description="Pick")
    return pick, widgets.explorer("toy", [pick], [pick], lambda: draw(pick.value), locale=locale)


def test_helper_keeps_errors_warnings_and_prints_in_the_view():
    def draw(value):
        if value == "b":
            raise ValueError("b is not allowed")
        if value == "c":
            raise RuntimeError("a bug")
        warnings.warn("careful", RuntimeWarning, stacklevel=1)
        print("chatty <library>")
        table = pd.DataFrame({"who": ["<x>", None], "rate": [0.25, float("nan")],
                              "n": pd.array([3, None], dtype="Int64")})
        return value, ["First line\nsecond <line>", widgets.table_view(table, 2)]

    with contained():
        pick, box = _toy(draw)
    check_box(box, "toy")
    html = box.html.value
    assert box.result == "a" and "<p>second &lt;line&gt;</p>" in html and "&lt;x&gt;" in html
    assert "<td>0.25</td>" in html and html.count("<td>–</td>") == 3  # NaN, None and pd.NA alike
    assert "RuntimeWarning: careful" in html and "chatty &lt;library&gt;" in html
    with contained():
        pick.value = "b"  # a choice the analysis rejects: said in words
    assert box.result is None and "Cannot analyse this choice: b is not allowed" in box.html.value
    with contained():
        pick.value = "c"  # a bug: its traceback is shown in the explorer, not sent to the log console
    assert box.result is None and "RuntimeError" in box.html.value and "a bug" in box.html.value
    with pytest.raises(RuntimeError, match="a bug"):
        box.update()  # called directly, it raises


def test_helper_first_draw_raises_a_bug_and_hold_redraws_once():
    with pytest.raises(RuntimeError):
        _toy(lambda value: (_ for _ in ()).throw(RuntimeError("broken")))
    calls = []
    pick, box = _toy(lambda value: (calls.append(value), (value, [value]))[1])
    with box.hold():
        pick.value = "b"
        pick.value = "c"
    assert calls == ["a", "c"] and box.result == "c"
    # a handler resetting other controls (as the scorecard's period length does) redraws once, and
    # its own failure is shown in the view too
    length = ipywidgets.Dropdown(options=["short", "long", "broken"], value="short")

    def reset(change):
        if change["new"] == "broken":
            raise KeyError("no such period length")
        pick.value = "a"
        pick.value = "b"

    box.on(length, reset)
    with contained():
        length.value = "long"
    assert calls == ["a", "c", "b"] and box.result == "b"
    with contained():
        length.value = "broken"
    assert box.result is None and "KeyError" in box.html.value and "no such period length" in box.html.value
