"""The engine's reductions equal the pandas ones, and every analysis gives identical results from rows,
from its reduced table, from DuckDB on Parquet and from PostgreSQL.

PostgreSQL: the tests marked ``postgres`` use the server in ``$KPI_POSTGRES_URL`` or start one on
127.0.0.1 with ``scripts/start-postgres.sh`` (which installs Debian's postgresql when missing); they
skip, saying why, only when no server can be installed or started.
"""
from __future__ import annotations

import math
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
          "employee_survey"]
PG_PREFIX = f"kpi_test_{os.getpid()}_"  # this run's tables on the PostgreSQL server
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


def same_value(a, b, path="") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys differ"
        for k in a:
            same_value(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            same_value(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-9), \
            f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def same_result(a, b, *, words: bool = True) -> None:
    """Same headline numbers and detail table; with ``words`` also the same summary in both locales.

    From rows and from a reduced table an analysis may word its method differently (e.g. reps names
    the stratum column it was given: "source" from rows, "stratum" from a counts table), so rows are
    compared on numbers; two reduced tables must give the very same text.
    """
    same_value(a.headline(), b.headline())
    same_frame(a.table, b.table)
    if words:
        for locale in ("en", "vi"):
            assert a.summary(locale) == b.summary(locale)


# ---------------------------------------------------------------------------- the five analyses


def _reps(d):
    return reps.compare(d)




CASES = {
    # name: (pandas reduction, engine reduction, keyword arguments, analysis on rows or reduced table)
    "reps": (reps.counts, engine.rep_counts, {}, _reps),
}
TABLE_OF = {"reps": "leads"}


@pytest.fixture(scope="module")
def from_reduced(rows):
    out = {name: analysis(reduce_pandas(rows[TABLE_OF[name]], **kwargs))
           for name, (reduce_pandas, _, kwargs, analysis) in CASES.items()}
    return out


@pytest.fixture(scope="module")
def from_rows(rows):
    out = {name: analysis(rows[TABLE_OF[name]]) for name, (_, _, _, analysis) in CASES.items()}
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_rows_and_reduced_table_give_the_same_result(name, rows, from_rows):
    reduce_pandas, _, kwargs, analysis = CASES[name]
    reduced = reduce_pandas(rows[TABLE_OF[name]], **kwargs)
    same_result(from_rows[name], analysis(reduced), words=False)


@pytest.mark.parametrize("name", list(CASES))
def test_duckdb_on_parquet_gives_the_same_reduction_and_result(name, rows, duck, from_rows, from_reduced):
    reduce_pandas, reduce_engine, kwargs, analysis = CASES[name]
    table = TABLE_OF[name]
    expected = reduce_pandas(rows[table], **kwargs)
    got = reduce_engine(duck[table], **kwargs)
    same_frame(expected, got)
    assert got.attrs == expected.attrs
    result = analysis(got)
    same_result(from_rows[name], result, words=False)
    same_result(from_reduced[name], result)


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(CASES))
def test_postgres_gives_the_same_reduction_and_result(name, rows, pg, from_rows, from_reduced):
    reduce_pandas, reduce_engine, kwargs, analysis = CASES[name]
    table = TABLE_OF[name]
    got = reduce_engine(pg[table], **kwargs)
    same_frame(reduce_pandas(rows[table], **kwargs), got)
    result = analysis(got)
    same_result(from_rows[name], result, words=False)
    same_result(from_reduced[name], result)


# -------------------------------------------------------------- reduction options, both engines
REP_OPTIONS = [{"strata": ["source", "segment"], "period": "Q"},
               {"strata": None, "period": None, "maturity_days": 30},
               {"as_of": "2026-06-30"}]


@pytest.mark.parametrize("kwargs", REP_OPTIONS, ids=str)
def test_rep_counts_options_on_duckdb(kwargs, rows, duck):
    same_frame(reps.counts(rows["leads"], **kwargs), engine.rep_counts(duck["leads"], **kwargs))




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
def test_workbook_reduce_and_duckdb_file(tmp_path, rows):
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
    same_frame(reps.counts(rows["leads"]), wb.reduce("reps"))
    same_frame(rows["leads"], wb.load("leads"))


def test_unknown_reduction_is_named():
    with pytest.raises(ValueError, match="name must be one of"):
        engine.reduce("churn", pd.DataFrame())
