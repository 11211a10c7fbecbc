"""The feasibility calibration studies run and give sane figures on a few replicates (the real run:
benchmarks/calibration.py --only feasibility; results in benchmarks/calibration_results/feasibility.json)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from calibration import evaluate, load_studies
from calibration_studies import feasibility as study_module

STUDIES = {s.name: s for s in load_studies(["feasibility"])}


def test_every_process_of_the_issue_is_studied():
    names = " | ".join(STUDIES)
    dgps = " | ".join(s.dgp for s in STUDIES.values())
    for months in (14, 20, 32):
        assert f"{months} months of history" in dgps
    assert "48 months" in dgps and "drift 0.01, monthly SD 0.06" in dgps
    assert "reliability" in names
    for s in STUDIES.values():
        if s.measure == "coverage":
            assert s.nominal == 0.80 and s.target == (0.72, 0.88)


def test_deciles_on_hand_made_pairs():
    pairs = [(0.05, False)] * 19 + [(0.05, True)] + [(0.95, True)] * 9 + [(0.95, False)]
    d = {x["decile"]: x for x in study_module.deciles(pairs)}
    assert d[0]["n"] == 20 and d[0]["observed"] == pytest.approx(0.05) and d[0]["predicted"] == pytest.approx(0.05)
    assert d[9]["n"] == 10 and d[9]["observed"] == pytest.approx(0.9)
    assert np.isnan(d[5]["predicted"]) and d[5]["n"] == 0


@pytest.mark.slow
def test_a_quick_run_gives_a_sane_coverage():
    study = STUDIES["80% interval of a quarter's total, rw20"]
    row = evaluate(study, 4, 1)  # 4 replicates, one process (wide bounds: at least 2 of 4 inside)
    assert row["n"] == 4 and row["hits"] >= 2 and row["mc_low"] <= row["rate"] <= row["mc_high"]


def test_committed_results_say_how_many_replicates():
    path = ROOT / "benchmarks" / "calibration_results" / "feasibility.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert {r["name"] for r in rows} == set(STUDIES)
    for r in rows:
        if r["measure"] == "coverage":
            assert r["n"] >= 20 and 0.5 <= r["rate"] <= 1.0  # a coverage, counted over its replicates
        else:
            assert sum(d["n"] for d in r["deciles"]) >= 100
