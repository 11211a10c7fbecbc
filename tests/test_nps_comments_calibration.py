"""The calibration studies of nps.comments' word test run and give sane rates on a few replicates (the real
run: benchmarks/calibration.py --only nps_comments)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from calibration import evaluate, load_studies

STUDIES = {s.name: s for s in load_studies(["nps_comments"])}


def test_every_study_says_what_process_it_draws_from():
    assert len(STUDIES) >= 10
    for s in STUDIES.values():
        assert s.analysis == "nps_comments" and s.measure in ("size", "coverage") and "comments" in s.dgp, s.name


@pytest.mark.parametrize("name", ["word 20%, 57 vs 2,550 comments", "any of 40 words flagged more often, Holm, 57 vs 2,550",
                                  "planted theme 50% vs 2%, 57 vs 2,550"])
def test_a_quick_run_gives_a_sane_rate(name):
    study = STUDIES[name]
    row = evaluate(study, 800, 1)
    assert row["n"] > 0 and row["mc_low"] <= row["rate"] <= row["mc_high"]
    if study.measure == "size":
        assert row["rate"] < 0.1
    else:
        assert 0.88 < row["rate"] < 0.99
