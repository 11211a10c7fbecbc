"""Committed notebooks carry no outputs, keep their kernelspec and have a `parameters` cell."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tracked_notebooks():
    try:
        out = subprocess.run(["git", "ls-files", "notebooks/*.ipynb"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        out = []
    return sorted(set(out) | {str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb")})


NOTEBOOKS = _tracked_notebooks()
COMMON = {"period", "data_dir", "config_path", "locale"}


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_is_stripped_and_parameterized(path):
    nb = json.loads((ROOT / path).read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3", "papermill needs the kernelspec"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    dirty = [i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count")]
    assert dirty == [], f"{path}: code cells {dirty} store outputs; run nbstripout"
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1, f"{path}: needs exactly one cell tagged 'parameters'"
    source = "".join(params[0]["source"])
    for name in COMMON:
        assert f"{name}:" in source, f"{path}: the parameters cell lacks the common parameter {name!r}"


def test_there_are_six_notebooks():
    names = {p.split("/")[-1] for p in NOTEBOOKS}
    assert names == {"01_kpi_feasibility.ipynb", "02_rep_conversion.ipynb", "03_location_ab_test.ipynb",
                     "04_nps_segmentation.ipynb", "05_kpi_scorecard.ipynb", "06_test_design.ipynb"}
