"""The reductions on Spark (Ibis's PySpark backend, local mode): the same expressions as on DuckDB and
PostgreSQL give the same reduced tables and the same analysis results, and the data contract is
checked in Spark as in DuckDB.

One local Spark session (``local[2]``) serves the whole test session (the ``spark`` fixture in
``conftest.py``: it skips outside CI, saying why, when PySpark or Java is missing, and fails under
``CI=true``). The sample tables go to Parquet once, with timestamps in microseconds (Spark cannot
read nanoseconds, pandas' default), and are read by Spark and by DuckDB from the same files.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import backend, config, data, feasibility, nps, promo, reps, scorecard
from kpi_analysis.core.checks import DataValidationError
from kpi_analysis.core.reduction import count_if
from tests.oracles import feasibility as feasibility_oracle
from tests.oracles import nps as nps_oracle
from tests.oracles import promo as promo_oracle
from tests.oracles import reps as reps_oracle
from tests.oracles import scorecard as scorecard_oracle
from tests.same import same_frame, same_result, same_value

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TABLES = ["leads", "sales", "nps_responses", "marketing_spend", "competitor_prices", "client_activity",
          "employee_survey"]

# name: (table, the analysis's reduce, the pandas oracle, options, the analysis on a reduced table)
CASES = {
    "nps": ("nps_responses", nps.reduce, nps_oracle.counts, {"by": "region", "freq": "M"},
            lambda d: nps.segment(d, by="region")),
    "nps_latest": ("nps_responses", nps.reduce, nps_oracle.counts,
                   {"by": "tenure_band", "latest_only": True, "freq": "Q", "end": "2026-10"},
                   lambda d: nps.segment(d, by="tenure_band")),
    "reps": ("leads", reps.reduce, reps_oracle.counts, {}, lambda d: reps.compare(d, period="2026-10")),
    "reps_quarters": ("leads", reps.reduce, reps_oracle.counts, {"freq": "Q", "strata": None}, None),
    "promo": ("sales", promo.reduce, promo_oracle.daily_sums, {},
              lambda d: promo.analyze(d, schedule=pd.read_csv(SAMPLE / "promotions.csv"), baseline="2026-01")),
    "feasibility": ("leads", feasibility.reduce, feasibility_oracle.monthly_drivers, {},
                    lambda d: feasibility.assess(d, target=0.2, target_period="2026-Q4", period="2026-09",
                                                 n_paths=400, backtest_origins=0)),
}


def same_attrs(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """The reduction's notes (exclusions as {code: n}, thresholds) travel with it unchanged."""
    norm = {k: (v.as_dict() if hasattr(v, "as_dict") else v) for k, v in a.attrs.items()}
    got = {k: (v.as_dict() if hasattr(v, "as_dict") else v) for k, v in b.attrs.items()}
    same_value(norm, got)


US = {"coerce_timestamps": "us", "allow_truncated_timestamps": True}  # Parquet timestamps Spark can read


def write_parquet(frame: pd.DataFrame, path) -> None:
    frame.to_parquet(path, index=False, **US)


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def rows():
    return {t: data.load(t, SAMPLE / f"{t}.csv") for t in TABLES + ["kpi_targets"]}


@pytest.fixture(scope="module")
def parquet(tmp_path_factory, rows):
    """The sample tables as Parquet: leads and nps as folders of three files, sales hive-partitioned."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    root = tmp_path_factory.mktemp("spark-parquet")
    out = {}
    for t in TABLES:
        frame = rows[t]
        if t in ("leads", "nps_responses"):
            folder = root / t
            folder.mkdir()
            for i, chunk in enumerate(np.array_split(np.arange(len(frame)), 3)):
                write_parquet(frame.iloc[chunk], folder / f"part-{i}.parquet")
            out[t] = folder
        elif t == "sales":
            folder = root / t
            table = pa.Table.from_pandas(frame.assign(year=frame["date"].dt.year), preserve_index=False)
            ds.write_dataset(table, folder, format="parquet", partitioning=["year"], partitioning_flavor="hive",
                             file_options=ds.ParquetFileFormat().make_write_options(**US))
            out[t] = folder
        else:
            out[t] = root / f"{t}.parquet"
            write_parquet(frame, out[t])
    return out


@pytest.fixture(scope="module")
def on_spark(spark, parquet):
    """Canonical Ibis tables in Spark over the Parquet files, checked against the contract in Spark."""
    tables = {t: backend.source(t, p, con=spark) for t, p in parquet.items()}
    for t, expr in tables.items():
        assert backend.check(expr, t) == [], t
    return tables


@pytest.fixture(scope="module")
def on_duck(parquet):
    con = backend.connect()
    return {t: backend.source(t, p, con=con) for t, p in parquet.items()}


@pytest.fixture(scope="module")
def from_reduced(rows):
    """Each analysis on its oracle's reduction of the pandas rows: what Spark's reduction must reproduce."""
    out = {name: analysis(oracle(rows[table], **kwargs))
           for name, (table, _, oracle, kwargs, analysis) in CASES.items() if analysis is not None}
    out["scorecard"] = scorecard_result(scorecard_oracle.totals({t: rows[t] for t in TABLES}), rows)
    return out


def scorecard_result(totals, rows):
    return scorecard.build(totals, period="2026-10", targets=rows["kpi_targets"])


# ------------------------------------------------------------------- the connection, without Spark
def test_spark_connection_strings_name_the_master():
    assert backend.spark_master("spark://local[2]") == "local[2]"
    assert backend.spark_master("spark://spark-master:7077") == "spark://spark-master:7077"
    assert backend.spark_master("SPARK://local[*]") == "local[*]"
    assert backend.is_spark("spark://local") and not backend.is_spark("postgres://u@h/db")
    with pytest.raises(ValueError, match="not a Spark master"):
        backend.spark_master("spark://local[two]")


def test_workbook_checks_the_spark_settings(tmp_path):
    (tmp_path / "bad.yml").write_text("data:\n  connection: spark://local[x]\n  spark: {conf: {a: 1}, appname: x}\n",
                                      encoding="utf-8")
    with pytest.raises(config.ConfigError) as err:
        config.load(tmp_path / "bad.yml")
    assert "not a Spark master" in str(err.value) and "data.spark.appname: unknown key" in str(err.value)
    (tmp_path / "lost.yml").write_text("data:\n  spark: {conf: {spark.executor.memory: 4g}}\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="data.spark: Spark settings need a Spark connection"):
        config.load(tmp_path / "lost.yml")


def test_local_settings_keep_spark_small_and_on_this_machine():
    local = backend.spark_settings("local[2]")
    assert local["spark.sql.session.timeZone"] == "UTC"
    assert local["spark.ui.enabled"] == "false" and local["spark.driver.bindAddress"] == "127.0.0.1"
    assert local["spark.sql.shuffle.partitions"] == "4"
    cluster = backend.spark_settings("spark://spark-master:7077")
    assert "spark.ui.enabled" not in cluster and "spark.sql.shuffle.partitions" not in cluster  # the cluster's


# ---------------------------------------------------------------------------- the session, sources
@pytest.mark.spark
def test_local_session(spark):
    session = spark._session
    assert spark.name == "pyspark" and session.version.startswith("4.0")
    assert session.sparkContext.master == "local[2]"
    assert session.conf.get("spark.sql.session.timeZone") == "UTC"
    print(f"Spark {session.version} on Java in {backend.java_home()}: session started in "
          f"{spark.started_in:.1f} s")


@pytest.mark.spark
def test_source_reads_parquet_files_folders_and_partitions(spark, parquet, rows, on_spark):
    for t in TABLES:
        assert on_spark[t].count().execute() == len(rows[t]), t
    assert "year" in on_spark["sales"].columns  # the hive partition column, kept as an extra column
    same_frame(rows["marketing_spend"], backend.load("marketing_spend", parquet["marketing_spend"], con=spark))


@pytest.mark.spark
def test_count_if_is_zero_over_no_rows(on_spark):
    t = on_spark["marketing_spend"]
    empty = t.filter(t.spend < 0)
    assert empty.aggregate(n=count_if(empty.spend > 0)).execute()["n"].tolist() == [0]


# ------------------------------------------------------------------ reductions: Spark = DuckDB = pandas
@pytest.mark.spark
@pytest.mark.parametrize("name", list(CASES))
def test_spark_gives_the_same_reduction_and_result(name, rows, on_spark, on_duck, from_reduced):
    table, reduce, oracle, kwargs, analysis = CASES[name]
    started = time.perf_counter()
    got = reduce(on_spark[table], **kwargs)
    took = time.perf_counter() - started
    same_frame(oracle(rows[table], **kwargs), got)
    on_duckdb = reduce(on_duck[table], **kwargs)
    same_frame(on_duckdb, got)
    same_attrs(on_duckdb, got)
    if analysis is not None:
        same_result(from_reduced[name], analysis(got))
    print(f"{name}: reduced in Spark in {took:.2f} s")


@pytest.mark.spark
def test_spark_scorecard_reduction(rows, on_spark, on_duck, from_reduced):
    started = time.perf_counter()
    got = scorecard.reduce(on_spark)
    took = time.perf_counter() - started
    same_frame(scorecard_oracle.totals({t: rows[t] for t in TABLES}), got)
    same_frame(scorecard.reduce(on_duck), got)
    same_result(from_reduced["scorecard"], scorecard_result(got, rows))
    print(f"scorecard: reduced in Spark in {took:.2f} s")


@pytest.mark.spark
def test_spark_analyses_take_spark_tables_directly(rows, on_spark):
    """An analysis given a Spark table reduces it in Spark and answers as from the pandas rows."""
    same_result(reps.compare(rows["leads"], period="2026-10"), reps.compare(on_spark["leads"], period="2026-10"))
    same_result(nps.segment(rows["nps_responses"], by="region"), nps.segment(on_spark["nps_responses"], by="region"))


# ------------------------------------------------------------------------ the contract, in Spark
def broken_leads() -> pd.DataFrame:
    """200 sample leads as text, with planted problems (a date that matches the pattern but does not
    exist fails Spark's ANSI cast unless it is a TRY_CAST)."""
    raw = pd.read_csv(SAMPLE / "leads.csv", dtype=str).head(200)
    raw.loc[3, "status"] = "wonn"
    raw.loc[4, "lead_id"] = raw.loc[5, "lead_id"]
    raw.loc[[6, 9], "created_at"] = "not a date"
    raw.loc[7, "deal_value"] = "-5"
    raw.loc[8, "closed_at"] = "2026-13-45"
    raw.loc[10, "deal_value"] = "1.234,5"
    return raw


@pytest.mark.spark
def test_check_reports_a_broken_file_as_duckdb_does(spark, tmp_path):
    path = tmp_path / "leads.parquet"
    broken_leads().to_parquet(path, index=False)
    on_duck = backend.check(backend.source("leads", path), "leads", raise_error=False)
    found = backend.check(backend.source("leads", path, con=spark), "leads", raise_error=False)
    assert found == on_duck
    rules = {(p["column"], p["rule"]): p["count"] for p in found}
    assert rules[("status", "must be one of ['won', 'lost', 'open']")] == 1
    assert rules[("lead_id", "must be unique")] == 2
    assert rules[("created_at", "must be a date (YYYY-MM-DD)")] == 2
    assert rules[("closed_at", "must be a date (YYYY-MM-DD)")] == 1
    assert rules[("deal_value", "must be a number")] == 1
    assert rules[("deal_value", "must be >= 0")] == 1
    with pytest.raises(DataValidationError, match=r"leads\.status must be one of .*row L\d+: 'wonn'"):
        backend.check(backend.source("leads", path, con=spark), "leads")


@pytest.mark.spark
def test_check_on_a_parquet_folder_in_spark(spark, tmp_path, rows):
    bad = rows["sales"].copy()
    bad.loc[10, "revenue"] = -1.0
    bad = pd.concat([bad, bad.iloc[[20]]], ignore_index=True)  # a duplicate location-day
    folder = tmp_path / "sales"
    folder.mkdir()
    write_parquet(bad.iloc[:3000], folder / "a.parquet")
    write_parquet(bad.iloc[3000:], folder / "b.parquet")
    with pytest.raises(DataValidationError) as err:
        backend.check(backend.source("sales", folder, con=spark), "sales", source_name=folder)
    text = str(err.value)
    assert "sales.revenue must be >= 0: 1 row(s) do not, e.g. -1.0" in text
    assert "sales.date must have one row per location and day: 2 row(s)" in text


@pytest.mark.spark
def test_text_keys_are_nfc_in_spark(spark, tmp_path):
    """Labels mapped by ``values:`` match whatever Unicode form the data use (NFC through ICU4J)."""
    frame = pd.DataFrame({"date": pd.date_range("2026-01-01", periods=4),
                          "location": ["Ha\u0300 Nội", None, "  Hà   Nội ", "Đà Nẵng"],
                          "revenue": [1.0, 2.0, 3.0, 4.0], "orders": [1, 2, 3, 4]})
    path = tmp_path / "sales.parquet"
    write_parquet(frame, path)
    values = {"location": {"Hà Nội": "HN"}}
    got = backend.source("sales", path, con=spark, values=values).location.execute().tolist()
    assert got[0] == "HN" and pd.isna(got[1]) and got[2:] == ["HN", "Đà Nẵng"]
    assert backend.source("sales", path, values=values).location.execute().tolist()[2:] == got[2:]


@pytest.mark.spark
def test_nanosecond_parquet_is_explained(spark, tmp_path, rows):
    path = tmp_path / "spend.parquet"
    rows["marketing_spend"].astype({"month": "datetime64[ns]"}).to_parquet(path, index=False)
    with pytest.raises(ValueError, match="nanoseconds .* coerce_timestamps='us'"):
        backend.source("marketing_spend", path, con=spark)


# ------------------------------------------------------------------ queries and the workbook on Spark
@pytest.mark.spark
def test_sql_query_on_spark(spark, parquet, rows):
    query = f"SELECT * FROM parquet.`{parquet['sales']}` WHERE location = 'Hà Nội - Cầu Giấy'"
    got = promo.reduce(backend.source("sales", query=query, con=spark))
    same_frame(promo_oracle.daily_sums(rows["sales"].query("location == 'Hà Nội - Cầu Giấy'")), got)


@pytest.mark.spark
def test_workbook_on_spark(spark, tmp_path, parquet, rows):
    from click.testing import CliRunner

    from kpi_analysis import cli

    (tmp_path / "workbook.yml").write_text(
        "data:\n"
        f"  dir: {tmp_path}\n"
        "  connection: spark://local[2]\n"
        "  spark: {conf: {spark.sql.shuffle.partitions: 2}}\n"
        "  tables:\n"
        f"    leads: {{path: {parquet['leads']}}}\n"
        f"    sales: {{query: \"SELECT * FROM parquet.`{parquet['sales']}`\"}}\n", encoding="utf-8")
    wb = config.open_workbook(tmp_path / "workbook.yml")
    assert wb.has("leads") and wb.has("sales")
    assert wb.table("leads")._find_backend().name == "pyspark"
    same_frame(reps_oracle.counts(rows["leads"]), reps.reduce(wb.table("leads")))
    same_frame(promo_oracle.daily_sums(rows["sales"]), promo.reduce(wb.table("sales")))
    assert wb.date_coverage("sales", "date").last_complete == "2026-10"
    done = CliRunner().invoke(cli.cli, ["validate", "--config", str(tmp_path / "workbook.yml")],
                              catch_exceptions=False)
    assert "leads: ok" in done.output and "sales: ok" in done.output, done.output
    # with a connection, a table neither configured nor a file is read from the table of its name
    assert "nps_responses: PROBLEM" in done.output and "no table 'nps_responses'" in done.output
