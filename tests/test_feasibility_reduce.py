"""feasibility.reduce (Ibis) equals the pandas oracle, and assess gives the same result from lead rows,
from the reduced table, from DuckDB on Parquet and from PostgreSQL.

Counts exact, floats within 1e-9 relative. PostgreSQL: the tests marked ``postgres`` use the server in
``$KPI_POSTGRES_URL`` or start one with ``scripts/start-postgres.sh`` (skipping, saying why, when none
can be started); their tables carry a prefix unique to this run.
"""
from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from oracles.feasibility import monthly_drivers as oracle

from kpi_analysis import backend, config, data, engine, feasibility

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PG_PREFIX = f"kpi_feas_{os.getpid()}_"
RTOL = 1e-9
INTS = ["leads", "closed", "won"]


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def leads():
    return data.load("leads", SAMPLE / "leads.csv")


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
    con = backend.connect()
    table = backend.source("leads", parquet, con=con)
    assert backend.check(table, "leads") == []
    return table


def _drop(con, name):
    with con.raw_sql(f'DROP TABLE IF EXISTS "{PG_PREFIX}{name}" CASCADE'):  # Ibis 12 + sqlglot 30 write an
        pass  # empty DROP TABLE (so no overwrite=True either): use SQL


@pytest.fixture(scope="module")
def pg_con(postgres_url):
    con = backend.connect(postgres_url)
    yield con
    for name in ("leads", "edge"):
        _drop(con, name)


@pytest.fixture(scope="module")
def pg(pg_con, leads):
    """The sample leads uploaded to PostgreSQL, as the canonical Ibis table checked there."""
    _drop(pg_con, "leads")
    pg_con.create_table(PG_PREFIX + "leads", leads)
    table = backend.source("leads", query=PG_PREFIX + "leads", con=pg_con)
    assert backend.check(table, "leads") == []
    return table


def same_frame(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Counts exact, floats within 1e-9 relative, flags and months equal."""
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for c in INTS:
        assert got[c].dtype == np.int64 and got[c].tolist() == expected[c].tolist(), c
    assert got["month"].tolist() == expected["month"].tolist()
    assert got["complete"].tolist() == expected["complete"].tolist()
    pd.testing.assert_frame_equal(expected.reset_index(drop=True), got.reset_index(drop=True),
                                  check_exact=False, rtol=RTOL)


def same_result(a, b) -> None:
    """Same headline numbers, model table and sentences."""
    ha, hb = a.headline(), b.headline()
    assert ha.keys() == hb.keys()
    for k in ha:
        if isinstance(ha[k], float):
            assert math.isclose(ha[k], hb[k], rel_tol=RTOL), k
        else:
            assert ha[k] == hb[k], k
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=False, rtol=RTOL)
    for locale in ("en", "vi"):
        assert a.summary(locale) == b.summary(locale)


def assess(d):
    return feasibility.assess(d, target=0.2, target_period="2026-Q4", period="2026-09", n_paths=400,
                              backtest_origins=0)


@pytest.fixture(scope="module")
def from_reduced(leads):
    return assess(oracle(leads))


# ------------------------------------------------------------------------------- sample data, engines
def test_reduce_equals_the_oracle_on_the_sample(leads):
    same_frame(oracle(leads), feasibility.reduce(leads))


def test_reduce_on_duckdb_parquet(leads, duck):
    same_frame(oracle(leads), feasibility.reduce(duck))


def test_assess_from_rows_reduced_table_and_duckdb_agree(leads, duck, from_reduced):
    same_result(from_reduced, assess(leads))
    same_result(from_reduced, assess(feasibility.reduce(leads)))
    same_result(from_reduced, assess(duck))  # an Ibis table is reduced where it lives


def test_engine_reduce_entry_point(leads, duck):
    same_frame(oracle(leads), engine.reduce("feasibility", duck))


@pytest.mark.postgres
def test_reduce_on_postgres(leads, pg, from_reduced):
    same_frame(oracle(leads), feasibility.reduce(pg))
    same_result(from_reduced, assess(pg))


@pytest.mark.postgres
def test_workbook_connection_setting(tmp_path, postgres_url, pg, leads):
    (tmp_path / "workbook.yml").write_text(
        "data:\n"
        f"  connection: {postgres_url}\n"
        "  tables:\n"
        f"    leads: {{query: {PG_PREFIX}leads}}\n", encoding="utf-8")
    wb = config.open_workbook(tmp_path / "workbook.yml")
    assert wb.has("leads")
    same_frame(oracle(leads), feasibility.reduce(wb.table("leads")))


# ------------------------------------------------------------------------------------------ edge cases
def _rows(created, closed, status, value):
    return pd.DataFrame({"created_at": pd.to_datetime(created), "closed_at": pd.to_datetime(closed),
                         "status": status, "deal_value": pd.array(value, dtype="float64")})


EDGE = {
    # one lead, still open: one month, nothing closed, no lag (warm-up of zero days)
    "single_open": _rows(["2026-03-10"], [None], ["open"], [None]),
    # wins and losses only in a later month than any creation; a month with no leads in between
    "gap_months": _rows(["2026-01-05", "2026-01-06", "2026-03-02"], ["2026-04-20", "2026-02-01", "2026-03-30"],
                        ["won", "lost", "won"], [10.0, None, 0.0]),
    # no wins at all: revenue 0, deal size NaN
    "no_wins": _rows(["2026-01-05", "2026-02-06"], ["2026-01-20", "2026-02-21"], ["lost", "lost"], [None, None]),
    # closes at month ends and starts (boundaries), a zero deal value, sub-second times
    "boundaries": _rows(["2025-12-31 23:59:59.500", "2026-01-01 00:00:00.000", "2026-01-31 12:00:00.250"],
                        ["2026-01-01 00:00:00.750", "2026-01-31 23:59:59.000", "2026-02-01 00:00:00.000"],
                        ["won", "won", "lost"], [5.5, 0.0, None]),
}


def _planted_leads(n_months=26, seed=5):
    """Several thousand leads with lags in fractions of days, some still open at the end."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2024-01-01", periods=n_months, freq="MS")
    parts = []
    for m in months:
        n = rng.poisson(200)
        created = m + pd.to_timedelta(rng.uniform(0, 28, n), unit="D")
        closed = created + pd.to_timedelta(rng.gamma(2.0, 6.0, n), unit="D")
        won = rng.random(n) < 0.3
        parts.append(pd.DataFrame({"created_at": created, "closed_at": closed, "status": np.where(won, "won", "lost"),
                                   "deal_value": np.where(won, rng.lognormal(17, 0.4, n), np.nan)}))
    out = pd.concat(parts, ignore_index=True)
    late = out["closed_at"] > months[-1] + pd.offsets.MonthEnd(0)
    out.loc[late, ["status", "closed_at", "deal_value"]] = ["open", pd.NaT, np.nan]
    return out


EDGE["planted"] = _planted_leads()


@pytest.mark.parametrize("name", list(EDGE))
def test_reduce_equals_the_oracle_on_edge_cases(name):
    same_frame(oracle(EDGE[name]), feasibility.reduce(EDGE[name]))


def test_hand_counted_edge_case():
    t = feasibility.reduce(EDGE["gap_months"])
    assert t["month"].dt.strftime("%Y-%m").tolist() == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert t["leads"].tolist() == [2, 0, 1, 0]
    assert t["closed"].tolist() == [0, 1, 1, 1]
    assert t["won"].tolist() == [0, 0, 1, 1]
    assert t["revenue"].tolist() == [0.0, 0.0, 0.0, 10.0]
    # warm-up: the 95th percentile of the lags 26, 28 and 105 days (linear) is 97.3 days, so no month
    # before 2026-04-12 is complete; April is not over when the data end (2026-04-20)
    assert t["complete"].tolist() == [False, False, False, False]


@pytest.mark.postgres
@pytest.mark.parametrize("name", ["gap_months", "boundaries", "planted"])
def test_reduce_on_postgres_edge_cases(name, pg_con):
    rows = EDGE[name].assign(**{c: EDGE[name][c].dt.floor("us") for c in ("created_at", "closed_at")})
    _drop(pg_con, "edge")  # PostgreSQL keeps microseconds: the rows are uploaded floored to them
    pg_con.create_table(PG_PREFIX + "edge", rows)
    same_frame(oracle(rows), feasibility.reduce(pg_con.table(PG_PREFIX + "edge")))


def test_text_dates_and_numbers_are_read():
    rows = EDGE["gap_months"].astype({"created_at": str, "closed_at": str, "deal_value": str})
    rows["closed_at"] = rows["closed_at"].replace("NaT", None)
    same_frame(oracle(EDGE["gap_months"]), feasibility.reduce(rows))


# ------------------------------------------------------------------------------------------ bad rows
@pytest.mark.parametrize("change, message", [
    ({"status": ["won", "wonn", "lost"]},
     r"leads\.status must be one of \['won', 'lost', 'open'\]: 1 row\(s\) do not, e\.g\. 'wonn'"),
    ({"closed_at": pd.to_datetime([None, "2026-02-01", "2026-03-30"])},
     r"leads\.closed_at must be set for won/lost leads: 1 row"),
    ({"deal_value": [-1.0, None, None]}, r"leads\.deal_value must be a number >= 0 for won leads: 2 row"),
])
def test_bad_rows_are_named(change, message):
    rows = EDGE["gap_months"].assign(**change)
    with pytest.raises(ValueError, match=message):
        feasibility.reduce(rows)


def test_missing_column_and_empty_table():
    with pytest.raises(ValueError, match=r"leads: missing column\(s\) \['deal_value'\]"):
        feasibility.reduce(EDGE["gap_months"].drop(columns="deal_value"))
    with pytest.raises(ValueError, match="no rows"):
        feasibility.reduce(EDGE["gap_months"].iloc[:0])


# ------------------------------------------------------------------------------------------ old name
def test_monthly_drivers_is_a_deprecated_alias():
    with pytest.warns(DeprecationWarning, match=r"monthly_drivers\(\) is now feasibility\.reduce\(\)"):
        old = feasibility.monthly_drivers(EDGE["planted"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        new = feasibility.reduce(EDGE["planted"])
    assert not [w for w in caught if "feasibility" in str(w.message)]
    pd.testing.assert_frame_equal(old, new)
