"""promo.did on public data read in place (skipped when <reference data>/external is absent).

Card, D., & Krueger, A. B. (1994). Minimum wages and employment: a case study of the fast-food
industry in New Jersey and Pennsylvania. American Economic Review, 84(4), 772-793. Table 3: mean
full-time-equivalent employment per store, Pennsylvania 23.33 -> 21.17, New Jersey 20.44 -> 21.03,
difference-in-differences 2.76 (from the rounded means; 2.75 unrounded). Stores closed for good in
wave 2 count as zero employment, as in the paper.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

from kpi_analysis import promo


@pytest.fixture(scope="module")
def card_krueger(reference_dir):
    ck = reference_dir / "external" / "card_krueger_1994"  # KPI_REFERENCE_DIR or ../shared/reference-data
    if not (ck / "public.dat").exists():
        pytest.skip("external reference data not present")
    names = [m.group(1) for line in (ck / "codebook").read_text(encoding="latin-1").splitlines()
             if (m := re.match(r"^([A-Z_0-9]+)\s+(\d+)\s+(\d+)\s+[\d.]+\s", line))]
    d = pd.read_csv(ck / "public.dat", sep=r"\s+", header=None, na_values=".", names=names)
    fte1 = d["EMPFT"] + d["NMGRS"] + 0.5 * d["EMPPT"]
    fte2 = (d["EMPFT2"] + d["NMGRS2"] + 0.5 * d["EMPPT2"]).where(d["STATUS2"] != 3, 0.0)
    return pd.concat([pd.DataFrame({"store": d["SHEET"], "nj": d["STATE"], "post": 0, "fte": fte1}),
                      pd.DataFrame({"store": d["SHEET"], "nj": d["STATE"], "post": 1, "fte": fte2})],
                     ignore_index=True)


def test_card_krueger_table_3(card_krueger):
    means = card_krueger.groupby(["nj", "post"])["fte"].mean().round(2)
    assert means.to_dict() == {(0, 0): 23.33, (0, 1): 21.17, (1, 0): 20.44, (1, 1): 21.03}
    r = promo.did(card_krueger, outcome="fte", treated="nj", post="post")
    assert r.estimate == pytest.approx(2.75, abs=0.01)
    assert r.excluded == {"rows with a blank value": 26}  # missing FTE counted, not dropped silently
    # with store effects (the panel of stores seen twice) and store-clustered errors: same question
    panel = promo.did(card_krueger, outcome="fte", treated="nj", post="post", unit="store",
                      inference="cluster")
    assert panel.n_units > 300 and panel.ci_low < panel.estimate < panel.ci_high
