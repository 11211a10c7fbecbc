"""promo.reduce, the one Ibis reduction, against the pandas oracle: on the sample data, on edge cases,
on DuckDB over Parquet and on PostgreSQL; and the analysis gives the same result from each.

PostgreSQL: the tests marked ``postgres`` use the server in ``$KPI_POSTGRES_URL`` or start one on
127.0.0.1 with ``scripts/start-postgres.sh``; they skip, saying why, when no server can be started.
"""
from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from oracles.promo import daily_sums as oracle

from kpi_analysis import backend, config, data, engine, promo
from kpi_analysis.core.checks import CaseVariantWarning
from tests.same import RTOL, same_result, same_value

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SCHEDULE = SAMPLE / "promotions.csv"
PG_PREFIX = f"kpi_promo_test_{os.getpid()}_"  # this run's tables on the PostgreSQL server


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def sales():
    return data.load("sales", SAMPLE / "sales.csv")


@pytest.fixture(scope="module")
def duck_sales(tmp_path_factory, sales):
    """The sample sales as hive-partitioned Parquet, read as a checked Ibis table on DuckDB."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    folder = tmp_path_factory.mktemp("parquet") / "sales"
    part = sales.assign(year=sales["date"].dt.year)
    ds.write_dataset(pa.Table.from_pandas(part, preserve_index=False), folder, format="parquet",
                     partitioning=["year"], partitioning_flavor="hive")
    table = backend.source("sales", folder, con=backend.connect())
    assert backend.check(table, "sales") == []
    return table


@pytest.fixture(scope="module")
def pg_sales(postgres_url, sales):
    """The sample sales uploaded to PostgreSQL, as a canonical Ibis table checked in PostgreSQL."""
    con = backend.connect(postgres_url)
    name = PG_PREFIX + "sales"

    def drop():  # Ibis 12 + sqlglot 30 write an empty DROP TABLE: use SQL
        with con.raw_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE'):
            pass

    drop()
    con.create_table(name, sales)
    table = backend.source("sales", query=name, con=con)
    assert backend.check(table, "sales") == []
    yield table
    drop()


# --------------------------------------------------------------------------------- comparison helpers
def same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Counts and keys exact, sums within 1e-9 relative."""
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    assert a["rows"].dtype == b["rows"].dtype == "int64" and (a["rows"] == b["rows"]).all()
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=RTOL)


def analyze(d):
    return promo.analyze(d, schedule=pd.read_csv(SCHEDULE), baseline="2026-01")


@pytest.fixture(scope="module")
def from_rows(sales):
    return analyze(sales)


# ------------------------------------------------------------------------ the sample data, in-process
def test_reduce_equals_the_oracle_on_the_sample(sales):
    got = promo.reduce(sales)
    assert list(got.columns) == ["location", "date", "revenue", "orders", "rows"]
    assert len(got) == sales.groupby(["location", "date"]).ngroups and got["rows"].sum() == len(sales)
    same_frame(oracle(sales), got)


def test_rows_and_reduced_table_give_the_same_result(sales, from_rows):
    same_result(from_rows, analyze(promo.reduce(sales)))


# --------------------------------------------------------------------------------------- edge cases
def _transactions():
    """Transaction-level rows: several per location-day, times of day, text dates, a blank day."""
    return pd.DataFrame({
        "date": ["2026-01-01 09:15", "2026-01-01 18:40", "2026-01-02 08:00", "2026-01-02 12:00",
                 "2026-01-03 10:00", "2026-01-01 00:00"],
        "location": ["Huế", "Huế", "Huế", "Huế", "Huế", "Đà Nẵng"],
        "revenue": [10.5, 20.25, np.nan, np.nan, 7.0, 1e9 + 0.5],
        "orders": [1, 2, 3, np.nan, 1, 4],
    })


@pytest.mark.parametrize("outcome", [("revenue", "orders"), "revenue", ["orders"]], ids=str)
def test_reduce_equals_the_oracle_on_edge_cases(outcome):
    rows = _transactions()
    got = promo.reduce(rows, outcome=outcome)
    same_frame(oracle(rows, outcome=outcome), got)


def test_edge_case_sums_by_hand():
    got = promo.reduce(_transactions()).set_index(["location", "date"])
    hue = got.loc["Huế"]
    assert hue["rows"].tolist() == [2, 2, 1]  # two sales on 1 and 2 January
    assert hue["revenue"].iloc[0] == 30.75 and math.isnan(hue["revenue"].iloc[1])  # every row blank: NaN
    assert hue["orders"].tolist() == [3.0, 3.0, 1.0]  # a blank beside a number is skipped
    assert got.loc[("Đà Nẵng", pd.Timestamp("2026-01-01")), "revenue"] == 1e9 + 0.5


def test_other_column_names_and_time_zones():
    rows = pd.DataFrame({"day": pd.to_datetime(["2026-01-01 23:30", "2026-01-02 00:10"]).tz_localize("Asia/Ho_Chi_Minh"),
                         "store": ["A", "A"], "revenue": [1.0, 2.0], "orders": [1, 1]})
    got = promo.reduce(rows, date="day", location="store")
    assert got["date"].tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-02")]  # local days
    same_frame(oracle(rows, date="day", location="store"), got)


def test_only_the_default_outcomes_present_are_summed():
    rows = pd.DataFrame({"date": ["2026-01-01"], "location": ["A"], "revenue": [5.0]})
    assert list(promo.reduce(rows).columns) == ["location", "date", "revenue", "rows"]
    with pytest.raises(ValueError, match=r"missing column\(s\) \['orders'\]"):
        promo.reduce(rows, outcome="orders")


def test_bad_rows_are_refused_with_the_column_named():
    rows = _transactions()
    with pytest.raises(ValueError, match=r"sales\.date must be a date .* 1 row"):
        promo.reduce(rows.assign(date=rows["date"].where(rows.index != 2, "next tuesday")))
    with pytest.raises(ValueError, match=r"sales\.date must not be blank"):
        promo.reduce(rows.assign(date=rows["date"].where(rows.index != 2, None)))
    with pytest.raises(ValueError, match=r"sales\.revenue must be numeric"):
        promo.reduce(rows.assign(revenue=rows["revenue"].astype(object).where(rows.index != 0, "1.234,5")))
    with pytest.raises(ValueError, match=r"'location': did you mean \['locaton'\]"):
        promo.reduce(rows.rename(columns={"location": "locaton"}))


def test_case_variants_warn_for_rows_and_engine_tables():
    from kpi_analysis.core.reduction import as_table

    rows = pd.DataFrame({"date": ["2026-01-01"] * 3, "location": ["Huế", "huế", "Huế"], "revenue": [1.0, 2.0, 3.0]})
    for d in (rows, as_table(rows.assign(date=pd.to_datetime(rows["date"])))):
        with pytest.warns(CaseVariantWarning, match=r"sales\.location .* 'Huế' \(2\) / 'huế' \(1\)"):
            got = promo.reduce(d)
        assert got["location"].tolist() == ["Huế", "huế"]  # kept apart, as the data say


def test_blank_dates_in_an_engine_table_are_refused():
    from kpi_analysis.core.reduction import as_table

    t = as_table(pd.DataFrame({"date": pd.to_datetime(["2026-01-01", None]), "location": ["A", "A"],
                               "revenue": [1.0, 2.0]}))
    with pytest.raises(ValueError, match=r"sales\.date must not be blank: 1 row"):
        promo.reduce(t)


# ----------------------------------------------------------------------------- the old name, engines
def test_daily_sums_is_a_deprecated_alias(sales):
    with pytest.warns(DeprecationWarning, match=r"daily_sums\(\) is now promo\.reduce\(\)"):
        old = promo.daily_sums(sales)
    same_frame(promo.reduce(sales), old)
    with pytest.warns(DeprecationWarning) as caught:
        promo.daily_sums(sales=sales.head(3), outcome="revenue")
    ours = [w for w in caught if "daily_sums" in str(w.message)]
    assert [str(w.message)[:30] for w in ours] == ["daily_sums(): sales= is now da", "promo.daily_sums() is now prom"]
    assert {w.filename for w in ours} == {__file__}  # the warnings point at the caller


def test_engine_reduce_runs_the_package_reduction(sales):
    same_frame(promo.reduce(sales), engine.reduce("promo", sales))


def test_duckdb_on_parquet_gives_the_same_reduction_and_result(sales, duck_sales, from_rows):
    got = promo.reduce(duck_sales)
    same_frame(oracle(sales), got)
    result = analyze(got)
    same_result(from_rows, result)
    same_result(result, analyze(duck_sales))  # the analysis reduces an engine table itself


def test_mde_from_an_engine_table(sales, duck_sales):
    kw = {"locations": ["Hà Nội - Cầu Giấy", "Hà Nội - Đống Đa"], "days": 28, "simulate": False,
          "history": ("2023-11-01", "2026-01-31")}
    same_value(promo.mde(sales, **kw).headline(), promo.mde(duck_sales, **kw).headline())


def test_workbook_reduce(tmp_path, sales):
    (tmp_path / "workbook.yml").write_text(
        "data:\n"
        f"  dir: {tmp_path}\n"
        "  tables:\n"
        f"    sales: {{path: {SAMPLE / 'sales.csv'}}}\n", encoding="utf-8")
    wb = config.open_workbook(tmp_path / "workbook.yml")
    same_frame(oracle(sales), promo.reduce(wb.table("sales")))
    same_frame(oracle(sales, outcome="revenue"), promo.reduce(wb.table("sales"), outcome="revenue"))


@pytest.mark.postgres
def test_postgres_gives_the_same_reduction_and_result(sales, pg_sales, from_rows):
    got = promo.reduce(pg_sales)
    same_frame(oracle(sales), got)
    same_result(from_rows, analyze(got))


@pytest.mark.postgres
def test_sql_query_on_postgres(sales, pg_sales):
    con = pg_sales._find_backend()
    query = f'SELECT * FROM "{PG_PREFIX}sales" WHERE location = \'Hà Nội - Cầu Giấy\''
    got = promo.reduce(backend.source("sales", query=query, con=con), outcome=["revenue"])
    same_frame(oracle(sales.query("location == 'Hà Nội - Cầu Giấy'"), outcome=["revenue"]), got)


@pytest.mark.postgres
def test_edge_cases_on_postgres(postgres_url):
    con = backend.connect(postgres_url)
    rows = _transactions().assign(date=lambda d: pd.to_datetime(d["date"]))
    name = PG_PREFIX + "transactions"
    with con.raw_sql(f'DROP TABLE IF EXISTS "{name}"'):
        pass
    con.create_table(name, rows)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", CaseVariantWarning)
            got = promo.reduce(con.table(name))
        same_frame(oracle(rows), got)
    finally:
        with con.raw_sql(f'DROP TABLE IF EXISTS "{name}"'):
            pass


def test_estimators_take_an_ibis_table():
    from kpi_analysis.core.reduction import as_table

    d = pd.DataFrame({"y": [10, 11, 10, 14, 9, 10, 9, 10.5], "treated": [1, 1, 1, 1, 0, 0, 0, 0],
                      "post": [0, 0, 1, 1] * 2})
    same_value(promo.did(d, outcome="y", treated="treated", post="post").headline(),
               promo.did(as_table(d), outcome="y", treated="treated", post="post").headline())
    c = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "period": [1, 2] * 4,
                      "treated": [1, 0, 1, 0, 0, 1, 0, 1], "y": [12.0, 9, 14, 10, 8, 13, 10, 12]})
    kw = {"outcome": "y", "unit": "unit", "period": "period", "treated": "treated"}
    assert promo.crossover(as_table(c), **kw).estimate == promo.crossover(c, **kw).estimate == 3.5
