"""The chain-scale calibration studies run and give sane rates on a few replicates (the real run:
benchmarks/calibration.py --only promo_chain)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from calibration import evaluate, load_studies

STUDIES = {s.name: s for s in load_studies(["promo_chain"])}


def test_every_study_says_what_process_it_draws_from():
    assert len(STUDIES) >= 4
    for s in STUDIES.values():
        assert s.analysis == "promo_chain" and s.measure in ("size", "coverage") and "stores" in s.dgp, s.name


@pytest.mark.parametrize("name", ["synthetic control A/A, conformal moving-block (default)",
                                  "time-based regression A/A, AR(1) residuals, bootstrap of t (default)",
                                  "synthetic control interval, lift 10%"])
def test_a_quick_run_gives_a_sane_rate(name):
    study = STUDIES[name]
    row = evaluate(study, 40 if study.measure == "coverage" else 150, 1)
    assert row["n"] > 0 and row["mc_low"] <= row["rate"] <= row["mc_high"]
    if study.measure == "size":
        assert row["rate"] < 0.15
    else:
        assert row["rate"] > 0.8


def test_the_design_study_runs_and_its_power_is_near_the_target():
    row = evaluate(STUDIES["test design: power at the reported MDE"], 30, 1)
    assert row["n"] >= 25 and 0.5 <= row["rate"] <= 0.97, row
