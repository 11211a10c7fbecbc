"""The promotion explorer (widgets.promo_explorer): builds, redraws, and reports bad choices in words."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from kpi_analysis import promo, widgets

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def daily():
    if not (SAMPLE / "sales.csv").exists():
        pytest.skip("sample data not generated")
    return promo.reduce(pd.read_csv(SAMPLE / "sales.csv", parse_dates=["date"]))


def test_promo_explorer_redraws_and_reports_errors(daily):
    schedule = pd.read_csv(SAMPLE / "promotions.csv")
    box = widgets.promo_explorer(daily, schedule, baseline="2026-01", locale="vi")
    first = box.result
    assert isinstance(first, promo.PromoResult) and first.design == "crossover"
    text, image = box.html, box.image
    assert "Khuyến mãi" in text.value and image.value[:4] == b"\x89PNG"
    washout = box.children[0].children[1].children[2]
    washout.value = 3  # a control change re-runs the analysis
    assert box.result is not first and box.result.excluded["washout"] == 12
    pick_locs = box.children[0].children[0]
    pick_locs.value = (pick_locs.options[0],)  # one location: no comparison possible
    assert box.result is None and "Không phân tích được" in text.value and image.value == b""


def test_design_explorer_follows_its_controls(daily):
    history = daily.loc[daily["date"] < "2026-02-01"]
    box = widgets.design_explorer(history, locale="en", n_simulated=1, n_windows=6)
    first = box.result
    assert isinstance(first, promo.DesignResult) and first.n_treated == 2 and first.table["design"].eq("crossover").all()
    assert "Best candidate" in box.html.value and box.image.value[:4] == b"\x89PNG"
    pick_n, pick_days = box.children[0].children
    pick_days.value = 14  # a shorter test: a larger detectable lift for the same best pair
    assert box.result.days == 14 and box.result.table["mde"].min() > first.table["mde"].min()
    pick_n.value = 1  # one store against five: DiD with 6 assignments cannot reach p < 0.05
    assert box.result.table["design"].eq("did").all() and "randomization cannot" in box.html.value
    pick_method = box.children[1].children[1]
    pick_method.value = "crossover"  # one store cannot swap: refused in words, nothing shown
    assert box.result is None and "swaps two stores" in box.html.value
