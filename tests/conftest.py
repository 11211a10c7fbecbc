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


#: the test session's Spark: local mode on 2 cores, small and quiet (backend.spark_settings adds the rest)
SPARK_URL = "spark://local[2]"
SPARK_CONF = {"spark.driver.memory": "1g", "spark.sql.shuffle.partitions": "2"}


@pytest.fixture(scope="session")
def spark():
    """A local Spark session (``local[2]``) as an Ibis PySpark backend, one per test session.

    Needs the ``spark`` extra (PySpark; ``pip install -e '.[spark]'``, which ``.ci/run`` does) and Java
    17 or 21: ``$JAVA_HOME``, else the one ``scripts/install-java.sh`` finds or installs (Debian's
    default-jre-headless). Outside CI the tests skip, saying why, when either is missing or Spark
    cannot start; under ``CI=true`` they fail instead, so a green CI run always means Spark was tested.
    """
    import subprocess
    import time

    unavailable = pytest.fail if os.environ.get("CI", "").lower() == "true" else pytest.skip
    try:
        import pyspark  # noqa: F401
    except ImportError as err:
        unavailable(f"PySpark is not installed ({err}): pip install -e '.[spark]' (.ci/run does)")
    if not os.environ.get("JAVA_HOME"):
        script = ROOT / "scripts" / "install-java.sh"
        try:
            done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=900, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            unavailable(f"Java for Spark could not be found or installed by {script.name}: {err}")
        if done.returncode != 0 or not done.stdout.strip():
            tail = "\n".join(done.stderr.strip().splitlines()[-8:])
            unavailable(f"Java for Spark could not be found or installed by {script.name} (exit {done.returncode}):\n{tail}")
        os.environ["JAVA_HOME"] = done.stdout.strip().splitlines()[-1]
    from kpi_analysis import backend

    started = time.perf_counter()
    try:
        con = backend.connect(SPARK_URL, spark={"conf": SPARK_CONF, "app_name": "kpi-workbook-tests"})
        con.raw_sql("SELECT 1").collect()
    except Exception as err:  # noqa: BLE001 - whatever stops the JVM, the message says it
        unavailable(f"Spark could not start in local mode: {err}")
    con.started_in = time.perf_counter() - started  # shown by test_spark's session test
    yield con
    con.disconnect()


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The published reference cases (shared/reference-data); tests that need them skip without it."""
    if not REFERENCE_DIR.exists():
        pytest.skip(f"reference data not found at {REFERENCE_DIR}")
    return REFERENCE_DIR
