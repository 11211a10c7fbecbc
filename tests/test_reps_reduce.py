"""reps.reduce (the one Ibis reduction) against the pandas oracle, on pandas, DuckDB over Parquet and
PostgreSQL; the comparison from rows, from the reduced table and from an engine table; the earlier
argument names.

PostgreSQL: the tests marked ``postgres`` use the server in ``$KPI_POSTGRES_URL`` or start one with
``scripts/start-postgres.sh``; they skip, saying why, only when no server can be installed or started.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from oracles.reps import counts as oracle

from kpi_analysis import backend, config, data, reps
from tests import same as compare
from tests.same import same_frame

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PG_PREFIX = f"kpi_reps_test_{os.getpid()}_"  # this run's tables on the PostgreSQL server
OPTIONS = [{}, {"strata": ["source", "segment"], "freq": "Q"}, {"strata": None, "freq": None, "maturity_days": 30},
           {"as_of": "2026-06-30"}, {"maturity_days": 0}, {"strata": "segment", "as_of": "2026-10-31"}]


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def leads():
    path = SAMPLE / "leads.csv"
    if not path.exists():
        pytest.skip(f"sample table {path} not generated yet")
    return data.load("leads", path)


@pytest.fixture(scope="module")
def parquet(tmp_path_factory, leads):
    """The sample leads as a folder of three Parquet files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("parquet") / "leads"
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(leads)), 3)):
        pq.write_table(pa.Table.from_pandas(leads.iloc[chunk], preserve_index=False), folder / f"part-{i}.parquet")
    return folder


@pytest.fixture(scope="module")
def duck(parquet):
    """The canonical leads as an Ibis table on DuckDB over the Parquet files, checked in the engine."""
    table = backend.source("leads", parquet, con=backend.connect())
    assert backend.check(table, "leads") == []
    return table


@pytest.fixture(scope="module")
def pg(postgres_url, leads):
    """The sample leads uploaded to PostgreSQL, as a canonical Ibis table checked in PostgreSQL."""
    con = backend.connect(postgres_url)
    name = PG_PREFIX + "leads"

    def drop():  # Ibis 12 + sqlglot 30 write an empty DROP TABLE: use SQL
        with con.raw_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE'):
            pass

    drop()
    con.create_table(name, leads)
    table = backend.source("leads", query=name, con=con)
    assert backend.check(table, "leads") == []
    yield table
    drop()


# --------------------------------------------------------------------------------- comparison helpers
def same_result(a, b, *, words: bool = True) -> None:
    """Same headline numbers and detail tables; with ``words`` also the same summary in both locales
    (from rows the method names the strata column, from a reduced table "stratum")."""
    compare.same_result(a, b, words=words, frames=("table", "by_period"))


def quiet(func, *args, **kwargs):
    """Call with the earlier names, returning (result, deprecation messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, [str(w.message) for w in caught
                 if issubclass(w.category, DeprecationWarning) and "next release" in str(w.message)]


# --------------------------------------------------------------------------- the reduction, 3 engines
@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
def test_reduce_of_a_frame_equals_the_oracle(kwargs, leads):
    got = reps.reduce(leads, **kwargs)
    same_frame(oracle(leads, **kwargs), got)
    assert list(got.columns) == reps.COUNT_COLUMNS
    assert got["closed"].sum() + got["open_excluded"].sum() == len(leads)


@pytest.mark.parametrize("kwargs", OPTIONS[:4], ids=str)
def test_reduce_on_duckdb_parquet_equals_the_oracle(kwargs, leads, duck):
    same_frame(oracle(leads, **kwargs), reps.reduce(duck, **kwargs))


@pytest.mark.postgres
@pytest.mark.parametrize("kwargs", OPTIONS[:4], ids=str)
def test_reduce_on_postgres_equals_the_oracle(kwargs, leads, pg):
    same_frame(oracle(leads, **kwargs), reps.reduce(pg, **kwargs))


def test_workbook_reduce_on_a_duckdb_file(tmp_path, leads):
    import ibis

    db = tmp_path / "crm.duckdb"
    con = ibis.duckdb.connect(str(db))
    con.con.execute(f"CREATE TABLE crm_leads AS SELECT * FROM read_csv('{SAMPLE / 'leads.csv'}', all_varchar=true)")
    con.disconnect()
    (tmp_path / "workbook.yml").write_text(
        "data:\n"
        f"  dir: {tmp_path}\n"
        "  tables:\n"
        "    leads: {path: crm.duckdb, query: \"SELECT * FROM crm_leads WHERE status <> 'x'\"}\n", encoding="utf-8")
    wb = config.open_workbook(tmp_path / "workbook.yml")
    same_frame(oracle(leads), reps.reduce(wb.table("leads")))
    same_frame(oracle(leads), reps.reduce(wb.table("leads")))


# ------------------------------------------------------------------------------------ edge cases by hand
def _rows(**columns):
    n = len(next(iter(columns.values()), [None]))
    base = {"rep": ["An"] * n, "source": ["Website"] * n, "status": ["won"] * n,
            "created_at": pd.to_datetime(["2026-01-05"] * n)}
    return pd.DataFrame({**base, **columns})


def test_maturity_boundary_counts_whole_days():
    # as_of 2026-03-01, maturity 60: ages in whole days 59, 59 (59 days 23:59) are young; 60 is stale
    # (counted closed, not won)
    rows = _rows(rep=["An", "An", "An"], status=["open", "open", "open"],
                 created_at=pd.to_datetime(["2026-01-01 00:00", "2025-12-31 00:01", "2025-12-31 00:00"]))
    got = reps.reduce(rows, as_of="2026-03-01", maturity_days=60)
    assert got[["closed", "won", "stale_open", "open_excluded"]].sum().tolist() == [1, 0, 1, 2]
    same_frame(oracle(rows, as_of="2026-03-01", maturity_days=60), got)


def test_labels_names_and_snapshot_date_by_hand():
    rows = _rows(rep=[" An ", "An", "Bình"], source=["Web", "Web", "Hội chợ"], segment=["SME", "SME", "Lớn"],
                 status=["won", "open", "lost"],
                 created_at=pd.to_datetime(["2026-01-05", "2026-03-20", "2026-02-10"]),
                 closed_at=pd.to_datetime(["2026-01-20", None, "2026-04-30"]))
    got = reps.reduce(rows, strata=["source", "segment"], freq="Q")
    # as_of is the latest closed_at (2026-04-30): the open lead is 41 days old, young
    assert got.values.tolist() == [["An", "Web / SME", "2026Q1", 1, 1, 0, 1],
                                   ["Bình", "Hội chợ / Lớn", "2026Q1", 1, 0, 0, 0]]
    same_frame(oracle(rows, strata=["source", "segment"], freq="Q"), got)
    no_strata = reps.reduce(rows.drop(columns="closed_at"), strata=None, freq=None)
    assert no_strata[["rep", "stratum", "period", "closed", "open_excluded"]].values.tolist() == [
        ["An", "all", "all", 1, 1], ["Bình", "all", "all", 1, 0]]  # as_of: the latest created_at


def test_a_rep_with_only_young_leads_keeps_a_row():
    rows = _rows(rep=["An", "Bình"], status=["won", "open"], created_at=pd.to_datetime(["2026-01-05", "2026-01-06"]))
    got = reps.reduce(rows)
    assert got[["rep", "closed", "open_excluded"]].values.tolist() == [["An", 1, 0], ["Bình", 0, 1]]


def test_engine_tables_are_checked_in_the_engine():
    import ibis

    rows = _rows(rep=["An", "Bình", "Cường"], status=["won", "pending", "lost"])
    with pytest.raises(ValueError, match=r"leads\.status must be one of .*: 1 row\(s\) do not"):
        reps.reduce(ibis.memtable(rows))
    with pytest.raises(ValueError, match=r"leads\.status must be one of .*1 row\(s\) do not, e\.g\. row 1: 'pending'"):
        reps.reduce(rows)  # pandas rows name the row
    with pytest.raises(TypeError, match=r"leads\.created_at must be a datetime"):
        reps.reduce(ibis.memtable(_rows(created_at=["2026-01-05"])))
    with pytest.raises(ValueError, match=r"leads: missing column\(s\) \['source'\]"):
        reps.reduce(ibis.memtable(_rows().drop(columns="source")))


# ---------------------------------------------------------------------- the comparison, every input
@pytest.fixture(scope="module")
def from_rows(leads):
    return reps.compare(leads, period="2026-10")


def test_rows_reduced_table_and_engine_tables_give_the_same_comparison(leads, duck, from_rows):
    import ibis

    reduced = reps.reduce(leads)
    from_reduced = reps.compare(reduced, period="2026-10")
    same_result(from_rows, from_reduced, words=False)
    same_result(from_rows, reps.compare(duck, period="2026-10"))  # rows in the engine: the same words
    same_result(from_reduced, reps.compare(reps.reduce(duck), period="2026-10"))
    same_result(from_reduced, reps.compare(ibis.memtable(reduced), period="2026-10"))  # a reduced Ibis table


@pytest.mark.postgres
def test_postgres_gives_the_same_comparison(pg, from_rows):
    same_result(from_rows, reps.compare(pg, period="2026-10"))


def test_the_report_period_may_be_any_period_form(leads):
    month = reps.compare(leads, period="2026-09")
    for same in ("2026-Q3", pd.Period("2026-09", "M"), pd.Timestamp("2026-09-15")):
        same_result(month, reps.compare(leads, period=same))
    quarter = reps.compare(leads, freq="Q", period="2026-Q4")
    same_result(quarter, reps.compare(leads, freq="Q", period="2026-11"))
    assert (quarter.start, quarter.end) == ("2026Q1", "2026Q4")  # 12 months ending with Q4
    with pytest.raises(ValueError, match="period must look like"):
        reps.compare(leads, period="2026-13x")


# --------------------------------------------------------------------------------- the earlier names
def test_counts_is_a_deprecated_alias_of_reduce(leads):
    got, messages = quiet(reps.counts, leads, strata=None, period="Q")
    same_frame(reps.reduce(leads, strata=None, freq="Q"), got)
    assert any("reps.counts() is now reps.reduce()" in m for m in messages)
    assert any("period= is now freq=" in m for m in messages)


def test_compare_earlier_names_warn_and_give_the_same_result(leads):
    new = reps.compare(leads, freq="Q", period="2026-10", min_n=50)
    old, messages = quiet(reps.compare, leads, period="Q", end="2026-10", min_leads=50)
    same_result(new, old)
    assert len(messages) == 3 and "period= for the frequency" in messages[0]
    assert "end= is now period=" in messages[1] and "min_leads= is now min_n=" in messages[2]
    pooled, messages = quiet(reps.compare, leads, period=None)
    same_result(reps.compare(leads, freq=None), pooled)
    assert pooled.period is None and len(messages) == 1
    monthly, messages = quiet(reps.compare, leads, period="M", end="2026-09")
    same_result(reps.compare(leads, period="2026-09"), monthly)
    _, messages = quiet(reps.compare, leads, period="2026-10")
    assert messages == []  # a report period is the new name, no warning
    with pytest.raises(TypeError, match="got both min_leads= .* and min_n="):
        reps.compare(leads, min_leads=10, min_n=10)


def test_the_explorer_takes_the_new_and_the_old_names(leads):
    pytest.importorskip("ipywidgets")
    from kpi_analysis import widgets

    reduced = reps.reduce(leads)
    box = widgets.rep_explorer(reduced, min_n=50)
    assert box.result.min_leads == 50
    old, messages = quiet(widgets.rep_explorer, leads, period="Q", min_leads=50)
    assert old.result.period == "Q" and old.result.min_leads == 50
    assert messages == ["rep_explorer(): period= is now freq=; the old name stops working in the next release."
                        .replace("rep_explorer", "reduce")]
    assert "min_leads= is now min_n=" in old.html.value + old.detail.value  # the view shows it
