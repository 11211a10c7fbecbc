"""The NPS calibration studies run and give sane rates on a few replicates (the real run: make bench)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from calibration import evaluate, load_studies

STUDIES = {s.name: s for s in load_studies(["nps"])}


def test_every_study_says_what_process_it_draws_from():
    assert len(STUDIES) >= 20
    for s in STUDIES.values():
        assert s.analysis == "nps" and s.measure in ("size", "coverage") and "answers" in s.dgp, s.name


@pytest.mark.parametrize("name", ["from_counts interval, n=30, typical", "compare A/A, n=30 vs 330, typical",
                                  pytest.param("segment A/A, any region flagged, sizes 140/130/55/30",
                                               marks=pytest.mark.slow),
                                  pytest.param("trend A/A, latest change alone, weeks of 75", marks=pytest.mark.slow)])
def test_a_quick_run_gives_a_sane_rate(name):
    study = STUDIES[name]
    row = evaluate(study, 60 if study.name.startswith(("segment", "trend")) else 600, 1)
    assert row["n"] > 0 and row["mc_low"] <= row["rate"] <= row["mc_high"]
    if study.measure == "size":
        assert row["rate"] < 0.2
    else:
        assert row["rate"] > 0.85
