"""The promo calibration studies run and give sane rates on a few replicates (the real run: make bench;
committed results in benchmarks/calibration_results/promo.json)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from calibration import evaluate, load_studies

STUDIES = {s.name: s for s in load_studies(["promo"])}


def test_every_study_says_what_process_it_draws_from():
    assert len(STUDIES) == 7
    for s in STUDIES.values():
        assert s.analysis == "promo" and s.measure in ("size", "coverage") and "AR(1)" in s.dgp, s.name


@pytest.mark.parametrize("name", ["crossover A/A, rho 0.85", "crossover interval, rho 0.7, effect +10",
                                  pytest.param("DiD A/A, 8 locations, rho 0.7", marks=pytest.mark.slow)])
def test_a_quick_run_gives_a_sane_rate(name):
    study = STUDIES[name]
    row = evaluate(study, 10 if name.startswith("DiD") else 60, 1)
    assert row["n"] > 0 and row["mc_low"] <= row["rate"] <= row["mc_high"]
    if study.measure == "size":
        assert row["rate"] < 0.25
    else:
        assert row["rate"] > 0.8


def test_committed_results_meet_the_crossover_targets():
    import json
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "calibration_results" / "promo.json"
    rows = {r["name"]: r for r in json.loads(path.read_text(encoding="utf-8"))}
    assert set(rows) == set(STUDIES)
    for name, r in rows.items():
        assert r["n"] >= (2000 if name.startswith("crossover") else 500), name
        if name.startswith("crossover"):
            assert 0.035 <= r["rate"] <= 0.065 if r["measure"] == "size" else 0.93 <= r["rate"] <= 0.97, name
