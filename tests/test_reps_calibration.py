"""The rep comparison's calibration studies run and give sane rates on a few replicates (the real run:
make bench, results in benchmarks/calibration_results/reps.json)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from calibration import evaluate, load_studies

STUDIES = {s.name: s for s in load_studies(["reps"])}


def test_every_study_says_what_process_it_draws_from():
    assert len(STUDIES) >= 4
    for s in STUDIES.values():
        assert s.analysis == "reps" and s.measure in ("size", "coverage") and "10 reps x 12 months" in s.dgp, s.name


@pytest.mark.parametrize("name", ["compare A/A, one rep's CMH test, 40 leads a month",
                                  "compare interval of a rep's gap, odds ratio 0.6, 40 leads a month",
                                  pytest.param("compare A/A, any of 10 reps flagged (Holm), 40 leads a month",
                                               marks=pytest.mark.slow)])
def test_a_quick_run_gives_a_sane_rate(name):
    study = STUDIES[name]
    row = evaluate(study, 40 if "Holm" in name else 300, 1)
    assert row["n"] > 0 and row["mc_low"] <= row["rate"] <= row["mc_high"]
    if study.measure == "size":
        assert row["rate"] < 0.2
        assert row.get("interval_p_disagreements", 0) == 0
    else:
        assert row["rate"] > 0.85
