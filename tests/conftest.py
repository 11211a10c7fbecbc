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
def postgres_url() -> str:
    """A PostgreSQL server for the engine tests: ``$KPI_POSTGRES_URL``, else one started by
    ``scripts/start-postgres.sh`` (which installs Debian's postgresql when missing).

    Outside CI the tests skip, saying why, when no server can be installed or started; under
    ``CI=true`` they fail instead, so a green CI run always means the PostgreSQL engine was tested.
    """
    import subprocess

    url = os.environ.get("KPI_POSTGRES_URL")
    if url:
        return url
    script = ROOT / "scripts" / "start-postgres.sh"
    unavailable = pytest.fail if os.environ.get("CI", "").lower() == "true" else pytest.skip
    try:
        done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        unavailable(f"PostgreSQL could not be started by {script.name}: {err}")
    if done.returncode != 0 or not done.stdout.strip():
        tail = "\n".join(done.stderr.strip().splitlines()[-8:])
        unavailable(f"PostgreSQL could not be installed or started by {script.name} (exit {done.returncode}):\n{tail}")
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The published reference cases (shared/reference-data); tests that need them skip without it."""
    if not REFERENCE_DIR.exists():
        pytest.skip(f"reference data not found at {REFERENCE_DIR}")
    return REFERENCE_DIR
