"""The data layer's engine side (kpi_analysis.backend): sources on DuckDB, Parquet, DuckDB files and
PostgreSQL become the same canonical tables, the data contract is checked in the engine, and workbook
tables run the analyses' reductions where they live.

Each analysis's own reduction is compared with its pandas oracle in ``tests/test_<analysis>_reduce.py``.
PostgreSQL: the ``postgres_url`` fixture (tests/conftest.py).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import backend, config, data, engine, reps
from kpi_analysis.core.checks import DataValidationError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TABLES = ["leads", "sales", "nps_responses", "marketing_spend", "competitor_prices", "client_activity",
          "employee_survey", "kpi_targets"]
PG_PREFIX = f"kpi_backend_{os.getpid()}_"  # this run's tables on the PostgreSQL server
RTOL = 1e-9  # sums may differ in the last bits: the engine adds in another order


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def rows():
    return {t: data.load(t, SAMPLE / f"{t}.csv") for t in TABLES + ["kpi_targets"]}


@pytest.fixture(scope="module")
def parquet(tmp_path_factory, rows):
    """The sample tables as Parquet: leads and nps as folders of several files, sales hive-partitioned."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    root = tmp_path_factory.mktemp("parquet")
    out = {}
    for t in TABLES:
        frame = rows[t]
        if t in ("leads", "nps_responses"):
            folder = root / t
            folder.mkdir()
            for i, chunk in enumerate(np.array_split(np.arange(len(frame)), 3)):
                pq.write_table(pa.Table.from_pandas(frame.iloc[chunk], preserve_index=False),
                               folder / f"part-{i}.parquet")
            out[t] = folder
        elif t == "sales":
            folder = root / t
            part = frame.assign(year=frame["date"].dt.year)
            ds.write_dataset(pa.Table.from_pandas(part, preserve_index=False), folder, format="parquet",
                             partitioning=["year"], partitioning_flavor="hive")
            out[t] = folder
        else:
            out[t] = root / f"{t}.parquet"
            frame.to_parquet(out[t], index=False)
    return out


@pytest.fixture(scope="module")
def duck(parquet):
    """Canonical Ibis tables on DuckDB over the Parquet files, checked against the data contract."""
    con = backend.connect()
    tables = {t: backend.source(t, p, con=con) for t, p in parquet.items()}
    for t, expr in tables.items():
        assert backend.check(expr, t) == []
    return tables


@pytest.fixture(scope="module")
def pg(postgres_url, rows):
    """The sample tables uploaded to PostgreSQL, as canonical Ibis tables checked in PostgreSQL."""
    con = backend.connect(postgres_url)
    prefix = PG_PREFIX

    def drop():
        for t in TABLES:  # Ibis 12 + sqlglot 30 write an empty DROP TABLE: use SQL
            with con.raw_sql(f'DROP TABLE IF EXISTS "{prefix}{t}" CASCADE'):
                pass

    drop()
    for t in TABLES:
        con.create_table(prefix + t, rows[t])
    tables = {t: backend.source(t, query=prefix + t, con=con) for t in TABLES}
    for t, expr in tables.items():
        assert backend.check(expr, t) == []
    yield tables
    drop()


# --------------------------------------------------------------------------------- comparison helpers
def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False,
                                  rtol=RTOL)


def _fetched(table, name: str) -> pd.DataFrame:
    """A canonical Ibis table fetched as the pandas loader's frame, in a stable row order."""
    key = {"leads": "lead_id", "nps_responses": "response_id"}.get(name)
    from kpi_analysis import schema

    frame = data.load(name, frame=table.select(*[c for c in schema.columns(name) if c in table.columns]).execute())
    cols = [key] if key else list(frame.columns)
    return frame.sort_values(cols, kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("name", TABLES)
def test_duckdb_on_parquet_gives_the_canonical_tables(name, rows, duck):
    expected = _fetched_rows(rows[name], name)
    same_frame(expected, _fetched(duck[name], name))


@pytest.mark.postgres
@pytest.mark.parametrize("name", TABLES)
def test_postgres_gives_the_canonical_tables(name, rows, pg):
    same_frame(_fetched_rows(rows[name], name), _fetched(pg[name], name))


def _fetched_rows(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    key = {"leads": "lead_id", "nps_responses": "response_id"}.get(name)
    cols = [key] if key else list(frame.columns)
    return frame.sort_values(cols, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------- the contract, in the engine
def test_check_counts_every_broken_rule_in_the_engine():
    raw = pd.read_csv(SAMPLE / "leads.csv", dtype=str).head(200)
    raw.loc[3, "status"] = "wonn"
    raw.loc[4, "lead_id"] = raw.loc[5, "lead_id"]
    raw.loc[[6, 9], "created_at"] = "not a date"
    raw.loc[7, "deal_value"] = "-5"
    problems = backend.check(backend.source("leads", raw), "leads", raise_error=False)
    found = {(p["column"], p["rule"]): p["count"] for p in problems}
    assert found[("status", "must be one of ['won', 'lost', 'open']")] == 1
    assert found[("lead_id", "must be unique")] == 2
    assert found[("created_at", "must be a date (YYYY-MM-DD)")] == 2
    assert found[("deal_value", "must be >= 0")] == 1
    assert ("created_at", "must not be blank") not in found  # unparsed is reported once, not as blank
    with pytest.raises(DataValidationError, match=r"leads\.status must be one of .*1 row\(s\) do not, e\.g\. row L\d+: 'wonn'"):
        backend.check(backend.source("leads", raw), "leads")
    # the pandas loader finds the same problems
    with pytest.raises(DataValidationError) as err:
        data.load("leads", frame=raw)
    assert {(p["column"], p["rule"]): p["count"] for p in err.value.problems} == found


def test_check_on_parquet_folder_samples_rows(tmp_path, rows):
    bad = rows["sales"].copy()
    bad.loc[10, "revenue"] = -1.0
    bad = pd.concat([bad, bad.iloc[[20]]], ignore_index=True)  # a duplicate location-day
    folder = tmp_path / "sales"
    folder.mkdir()
    bad.iloc[:3000].to_parquet(folder / "a.parquet", index=False)
    bad.iloc[3000:].to_parquet(folder / "b.parquet", index=False)
    with pytest.raises(DataValidationError) as err:
        backend.check(backend.source("sales", folder), "sales", source_name=folder)
    text = str(err.value)
    assert "sales.revenue must be >= 0: 1 row(s) do not, e.g. -1.0" in text
    assert "sales.date must have one row per location and day: 2 row(s)" in text


def test_missing_column_is_named_with_a_hint():
    frame = pd.DataFrame({"date": ["2026-01-01"], "locaton": ["A"], "revenue": [1.0], "orders": [1]})
    with pytest.raises(DataValidationError, match=r"'location': did you mean \['locaton'\]"):
        backend.source("sales", frame)


def test_csv_through_the_engine_loads_like_pandas(rows):
    got = backend.load("sales", SAMPLE / "sales.csv")
    same_frame(rows["sales"], got)


# --------------------------------------------------------------- the workbook: config and DuckDB files
def test_workbook_table_and_duckdb_file(tmp_path, rows):
    import ibis

    db = tmp_path / "crm.duckdb"
    con = ibis.duckdb.connect(str(db))
    con.con.execute(f"CREATE TABLE crm_leads AS SELECT * FROM read_csv('{SAMPLE / 'leads.csv'}', all_varchar=true)")
    con.disconnect()
    (tmp_path / "workbook.yml").write_text(
        "data:\n"
        f"  dir: {tmp_path}\n"
        "  tables:\n"
        "    leads: {path: crm.duckdb, query: \"SELECT * FROM crm_leads WHERE status <> 'x'\"}\n"
        f"    sales: {{path: {SAMPLE / 'sales.csv'}}}\n", encoding="utf-8")
    wb = config.open_workbook(tmp_path / "workbook.yml")
    assert wb.has("leads") and wb.has("sales") and not wb.has("nps_responses")
    same_frame(reps.reduce(rows["leads"]), reps.reduce(wb.table("leads")))
    same_frame(rows["leads"], wb.load("leads"))


def test_the_former_engine_names_still_work_with_a_warning(rows):
    with pytest.warns(DeprecationWarning, match="kpi_analysis.engine.rep_counts is now kpi_analysis.reps.reduce"):
        old = engine.rep_counts
    same_frame(old(rows["leads"]), reps.reduce(rows["leads"]))
    with pytest.warns(DeprecationWarning, match=r"engine.reduce\('reps', ...\) is now kpi_analysis.reps.reduce"):
        same_frame(engine.reduce("reps", rows["leads"]), reps.reduce(rows["leads"]))
    with pytest.raises(ValueError, match="name must be one of"):
        engine.reduce("churn", pd.DataFrame())
