"""Shared fixtures: the project root, the bundled sample data, the published reference data."""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # tests never open windows

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "sample"
REFERENCE_DIR = Path(os.environ.get("KPI_REFERENCE_DIR", ROOT.parent / "shared" / "reference-data"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_table():
    """``sample_table("leads")``: a validated sample table, read once per test session."""
    from kpi_analysis import data

    cache: dict = {}

    def get(name: str):
        path = SAMPLE_DIR / f"{name}.csv"
        if not path.exists():
            pytest.skip(f"sample table {path} not generated yet")
        if name not in cache:
            cache[name] = data.load(name, path) if name != "promotions" else data.read(path)
        return cache[name].copy()

    return get


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The published reference cases (shared/reference-data); tests that need them skip without it."""
    if not REFERENCE_DIR.exists():
        pytest.skip(f"reference data not found at {REFERENCE_DIR}")
    return REFERENCE_DIR
