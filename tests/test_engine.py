"""The engine's reductions equal the pandas ones, and every analysis gives identical results from rows,
from its reduced table, from DuckDB on Parquet and from PostgreSQL.

PostgreSQL: the tests marked ``postgres`` use the server in ``$KPI_POSTGRES_URL`` or start one on
127.0.0.1 with ``scripts/start-postgres.sh`` (which installs Debian's postgresql when missing); they
skip, saying why, only when no server can be installed or started.
"""
from __future__ import annotations

import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import backend, config, data, engine, feasibility, nps, promo, scorecard
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


@pytest.fixture(scope="session")
def postgres_url():
    url = os.environ.get("KPI_POSTGRES_URL")
    if url:
        return url
    script = ROOT / "scripts" / "start-postgres.sh"
    try:
        done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        pytest.skip(f"PostgreSQL could not be started by {script.name}: {err}")
    if done.returncode != 0 or not done.stdout.strip():
        tail = "\n".join(done.stderr.strip().splitlines()[-8:])
        pytest.skip(f"PostgreSQL could not be installed or started by {script.name} "
                    f"(exit {done.returncode}):\n{tail}")
    return done.stdout.strip().splitlines()[-1]


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
SCHEDULE = SAMPLE / "promotions.csv"


def _nps(d):
    return nps.segment(d, by="region")


def _nps_trend(d):
    return nps.trend(d, freq="Q", end="2026-10")


def _promo(d):
    return promo.analyze(d, pd.read_csv(SCHEDULE), baseline="2026-01")


def _feasibility(d):
    return feasibility.assess(d, 0.2, "2026-Q4", as_of="2026-09", n_paths=400, backtest_origins=0)


def _scorecard(d, targets):
    return scorecard.build(d, period="2026-10", targets=targets)


CASES = {
    # name: (pandas reduction, engine reduction, keyword arguments, analysis on rows or reduced table)
    "nps_segment": (nps.counts, engine.nps_counts, {"by": "region"}, _nps),
    "nps_trend": (nps.counts, engine.nps_counts, {"freq": "Q", "end": "2026-10"}, _nps_trend),
    "promo": (promo.daily_sums, engine.daily_sums, {}, _promo),
    "feasibility": (feasibility.monthly_drivers, engine.monthly_drivers, {}, _feasibility),
}
TABLE_OF = {"nps_segment": "nps_responses", "nps_trend": "nps_responses", "promo": "sales",
            "feasibility": "leads"}


@pytest.fixture(scope="module")
def from_reduced(rows):
    out = {name: analysis(reduce_pandas(rows[TABLE_OF[name]], **kwargs))
           for name, (reduce_pandas, _, kwargs, analysis) in CASES.items()}
    out["scorecard"] = _scorecard(scorecard.totals({t: rows[t] for t in TABLES}), rows["kpi_targets"])
    return out


@pytest.fixture(scope="module")
def from_rows(rows):
    out = {name: analysis(rows[TABLE_OF[name]]) for name, (_, _, _, analysis) in CASES.items()}
    out["scorecard"] = _scorecard({t: rows[t] for t in TABLES}, rows["kpi_targets"])
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


def test_scorecard_from_rows_totals_and_duckdb(rows, duck, from_rows, from_reduced):
    totals = scorecard.totals({t: rows[t] for t in TABLES})
    same_result(from_rows["scorecard"], from_reduced["scorecard"], words=False)
    got = engine.kpi_totals(duck)
    same_frame(totals, got)
    result = _scorecard(got, rows["kpi_targets"])
    same_result(from_rows["scorecard"], result, words=False)
    same_result(from_reduced["scorecard"], result)


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


@pytest.mark.postgres
def test_postgres_scorecard_totals(rows, pg, from_rows, from_reduced):
    got = engine.kpi_totals(pg)
    same_frame(scorecard.totals({t: rows[t] for t in TABLES}), got)
    result = _scorecard(got, rows["kpi_targets"])
    same_result(from_rows["scorecard"], result, words=False)
    same_result(from_reduced["scorecard"], result)


# -------------------------------------------------------------- reduction options, both engines
NPS_OPTIONS = [
    {"by": ["region", "product"], "freq": "M"},
    {"by": "tenure_band", "freq": "Q", "end": "2026-10"},
    {"by": "region", "latest_only": True, "early": "separate", "freq": "W"},
    {"by": "region", "early": "exclude", "start": "2025-01", "end": "2026-06"},
    {},
]


@pytest.mark.parametrize("kwargs", NPS_OPTIONS, ids=str)
def test_nps_counts_options_on_duckdb(kwargs, rows, duck):
    expected = nps.counts(rows["nps_responses"], **kwargs)
    got = engine.nps_counts(duck["nps_responses"], **kwargs)
    same_frame(expected, got)
    assert got.attrs == expected.attrs


@pytest.mark.parametrize("freq", ["Q", "W"])
def test_scorecard_totals_other_frequencies_on_duckdb(freq, rows, duck):
    same_frame(scorecard.totals({t: rows[t] for t in TABLES}, freq=freq), engine.kpi_totals(duck, freq=freq))


@pytest.mark.postgres
@pytest.mark.parametrize("kwargs", NPS_OPTIONS[:3], ids=str)
def test_nps_counts_options_on_postgres(kwargs, rows, pg):
    same_frame(nps.counts(rows["nps_responses"], **kwargs), engine.nps_counts(pg["nps_responses"], **kwargs))


@pytest.mark.postgres
def test_sql_query_on_postgres(pg, rows):
    con = pg["sales"]._find_backend()
    table = PG_PREFIX + "sales"
    query = f'SELECT * FROM "{table}" WHERE location = \'Hà Nội - Cầu Giấy\''
    got = engine.daily_sums(backend.source("sales", query=query, con=con))
    same_frame(promo.daily_sums(rows["sales"].query("location == 'Hà Nội - Cầu Giấy'")), got)


# -------------------------------------------------------------------- a planted reduction by hand
def test_hand_made_rows_give_hand_counted_reductions():
    responses = pd.DataFrame({
        "response_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
        "customer_id": ["c1", "c1", "c2", "c3", "c4", "c5"],
        "responded_at": pd.to_datetime(["2026-01-05", "2026-02-10", "2026-02-11", "2026-02-12", "2026-03-01",
                                        "2026-03-02"]),
        "score": [3.0, 9.0, 7.0, None, 10.0, 6.0],
        "region": ["A", "A", "A", "B", "B", "B"],
        "customer_since": pd.to_datetime(["2025-01-01"] * 5 + ["2026-02-20"]),
    })
    got = engine.nps_counts(responses, by="region", latest_only=True, early="exclude")
    # A: c1's earlier 3 is superseded by 9, c2 gives 7; B: blank, 10, and 6 given 10 days in (early)
    assert got[["region", "detractors", "passives", "promoters", "blank", "superseded", "early_excluded"]] \
        .values.tolist() == [["A", 0, 1, 1, 0, 1, 0], ["B", 0, 0, 1, 1, 0, 1]]
    same_frame(nps.counts(responses, by="region", latest_only=True, early="exclude"), got)


def test_planted_effect_survives_the_engine(duck):
    """Miền Trung (planted ~22 points lower) is the one region flagged, from the engine's counts."""
    res = nps.segment(engine.nps_counts(duck["nps_responses"], by="region"), by="region")
    flagged = res.table.loc[res.table["significant"].astype(bool)]
    assert flagged["region"].tolist() == ["Miền Trung"]
    assert (flagged["nps"] - res.overall.nps).iloc[0] < -10


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
    same_frame(promo.daily_sums(rows["sales"]), wb.reduce("promo"))
    same_frame(rows["leads"], wb.load("leads"))


@pytest.mark.postgres
def test_workbook_connection_setting(tmp_path, postgres_url, pg, rows):
    table = PG_PREFIX + "leads"
    (tmp_path / "workbook.yml").write_text(
        "data:\n"
        f"  connection: {postgres_url}\n"
        "  tables:\n"
        f"    leads: {{query: {table}}}\n", encoding="utf-8")
    wb = config.open_workbook(tmp_path / "workbook.yml")
    assert wb.has("leads")
    same_frame(feasibility.monthly_drivers(rows["leads"]), wb.reduce("feasibility"))


def test_unknown_reduction_is_named():
    with pytest.raises(ValueError, match="name must be one of"):
        engine.reduce("churn", pd.DataFrame())
