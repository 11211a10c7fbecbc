"""The scorecard's one reduction (Ibis) equals the pandas oracle, on DuckDB and on PostgreSQL, on the
sample data and on hand-made edge cases; and the scorecard is the same from rows, from the reduced
table and from tables that live in DuckDB or PostgreSQL.

PostgreSQL: the tests marked ``postgres`` use the server in ``$KPI_POSTGRES_URL`` or start one on
127.0.0.1 with ``scripts/start-postgres.sh``; they skip, saying why, only when no server can be had.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from oracles import scorecard as oracle

from kpi_analysis import backend, data, scorecard
from kpi_analysis.scorecard import REDUCED_COLUMNS, reduce
from tests import same as compare
from tests.same import RTOL

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TABLES = ["leads", "marketing_spend", "sales", "competitor_prices", "client_activity", "employee_survey",
          "nps_responses"]
PG_PREFIX = f"kpi_sc_{os.getpid()}_"  # this run's tables on the PostgreSQL server
EXACT = ["kpi", "period", "by", "group", "detractors", "passives", "promoters", "excluded"]
FREQS = ["M", "Q", "W", "Y"]


# --------------------------------------------------------------------------------------------------
# comparison helpers
# --------------------------------------------------------------------------------------------------

def same_reduction(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Same rows in the same order; keys and counts exact, sums and ratios within 1e-9 relative."""
    assert list(got.columns) == REDUCED_COLUMNS
    a, b = expected.reset_index(drop=True), got.reset_index(drop=True)
    assert len(a) == len(b)
    for col in EXACT:
        assert a[col].tolist() == b[col].tolist() or np.array_equal(a[col], b[col], equal_nan=True), col
    counted = a["kpi"].isin(["new_leads", "orders", "client_engagement", "clients_at_risk", "enps", "nps",
                             "leads_contacted_share"]).to_numpy()
    for col in ("numerator", "denominator"):  # counts exact, sums (revenue, spend, ratios) within RTOL
        assert np.array_equal(a.loc[counted, col], b.loc[counted, col], equal_nan=True), col
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=RTOL)


# --------------------------------------------------------------------------------------------------
# fixtures: the sample tables as pandas, as Parquet in DuckDB, in PostgreSQL; hand-made edge cases
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rows():
    return {t: data.load(t, SAMPLE / f"{t}.csv") for t in TABLES + ["kpi_targets"]}


@pytest.fixture(scope="module")
def duck(tmp_path_factory, rows):
    """Canonical Ibis tables on DuckDB over Parquet files (leads and nps as folders of several files)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path_factory.mktemp("parquet")
    con = backend.connect()
    out = {}
    for t in TABLES:
        frame = rows[t]
        if t in ("leads", "nps_responses"):
            path = root / t
            path.mkdir()
            for i, chunk in enumerate(np.array_split(np.arange(len(frame)), 3)):
                pq.write_table(pa.Table.from_pandas(frame.iloc[chunk], preserve_index=False),
                               path / f"part-{i}.parquet")
        else:
            path = root / f"{t}.parquet"
            frame.to_parquet(path, index=False)
        out[t] = backend.source(t, path, con=con)
        assert backend.check(out[t], t) == []
    return out


@pytest.fixture(scope="module")
def pg_con(postgres_url):
    con = backend.connect(postgres_url)
    created: list[str] = []
    yield con, created
    for name in created:  # Ibis 12 + sqlglot 30 write an empty DROP TABLE: use SQL
        with con.raw_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE'):
            pass


def upload(pg_con, frames: dict, tag: str) -> dict:
    """The frames as PostgreSQL tables ``<prefix><tag>_<table>``, as plain Ibis tables."""
    con, created = pg_con
    out = {}
    for t, frame in frames.items():
        if frame is None:
            continue
        name = f"{PG_PREFIX}{tag}_{t}"
        with con.raw_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE'):
            pass
        con.create_table(name, frame)
        created.append(name)
        out[t] = con.table(name)
    return out


@pytest.fixture(scope="module")
def pg(pg_con, rows):
    """The sample tables uploaded to PostgreSQL, as canonical Ibis tables checked in PostgreSQL."""
    con, _ = pg_con
    uploaded = upload(pg_con, {t: rows[t] for t in TABLES}, "sample")
    tables = {t: backend.source(t, query=uploaded[t].get_name(), con=con) for t in TABLES}
    for t, expr in tables.items():
        assert backend.check(expr, t) == []
    return tables


def _frame(rows, columns, dates=()):
    df = pd.DataFrame(rows, columns=columns)
    for c in dates:
        df[c] = pd.to_datetime(df[c], format="ISO8601")
    return df


def edge_tables() -> dict:
    """Small tables with the cases a reduction gets wrong: window boundaries, gaps, blanks, lapsed clients."""
    leads = _frame([
        ("L1", "2026-07-05 09:00", "Website", "won", "2026-09-20", "2026-07-06 09:00"),
        ("L2", "2026-09-01 09:00", "Website", "won", "2026-10-10", "2026-09-04 09:00"),   # exactly 3 days
        ("L3", "2026-09-02 09:00", "Giới thiệu", "lost", "2026-10-20", "2026-09-09 09:00"),
        ("L4", "2026-10-03 09:00", "Giới thiệu", "won", "2026-10-15", None),              # never contacted
        ("L5", "2026-10-28 09:00", "Website", "open", None, None),                 # window closes at the end
        ("L6", "2026-10-30 10:00", "Hội chợ", "won", "2026-10-31 09:00", "2026-10-30 11:00"),  # still open
    ], ["lead_id", "created_at", "source", "status", "closed_at", "first_contact_at"],
        ("created_at", "closed_at", "first_contact_at"))
    spend = _frame([("2026-07-01", "Website", 90.0), ("2026-09-01", "Website", 100.0),
                    ("2026-10-01", "Website", 310.0), ("2026-10-01", "Giới thiệu", 62.0),
                    ("2026-10-01", "báo", 31.0)], ["month", "channel", "spend"], ("month",))
    sales = _frame([("2026-07-31", "A", 10.5, 1), ("2026-09-01", "A", 20.25, 2), ("2026-09-30", "B", 7.0, 1),
                    ("2026-10-01", "A", 1e9, 3), ("2026-10-31", "B", 0.1, 1)],
                   ["date", "location", "revenue", "orders"], ("date",))
    prices = _frame([("2026-09-07", "P1", 100.0, "X", 80.0), ("2026-09-07", "P1", 100.0, "Y", 120.0),
                     ("2026-10-05", "P1", 99.0, "X", 100.0), ("2026-10-05", "P2", 3.0, "X", 7.0),
                     ("2026-12-01", "P2", 5.0, "X", 5.0)],
                    ["date", "product", "our_price", "competitor", "competitor_price"], ("date",))
    activity = _frame([("C1", "2026-06-01"), ("C1", "2026-10-05"),
                       ("C2", "2026-08-31"),   # silent exactly 61 days at the end of October: at risk
                       ("C3", "2026-09-01"),   # silent exactly 60 days: not yet at risk
                       ("C4", "2026-07-03"),   # silent exactly 120 days: not lapsed, at risk
                       ("C5", "2026-07-02"),   # 121 days: lapsed
                       ("C6", "2026-10-10"), ("C6", "2026-10-20")], ["client_id", "date"], ("date",))
    survey = _frame([(f"E{i}", "2026-07-20", "T1" if i % 2 else "T2", s)
                     for i, s in enumerate([9, 10, 6, None, 7, 8, 3, 10])]
                    + [(f"F{i}", "2026-10-20", "T1", s) for i, s in enumerate([5, None, 9])],
                    ["employee_id", "date", "team", "score"], ("date",))
    nps = _frame([(f"R{i}", "2026-08-10", "Bắc", s) for i, s in enumerate([10, 9, 6, 0, 7])]
                 + [("S1", "2026-09-11", "Nam", None), ("S2", "2026-09-12", "Nam", None)]      # only blanks
                 + [(f"T{i}", "2026-10-01", "Nam" if i % 2 else "Bắc", s) for i, s in enumerate([8, 9, 2, None])],
                 ["response_id", "responded_at", "region", "score"], ("responded_at",))
    nps["score"] = nps["score"].astype("Float64")
    survey["score"] = survey["score"].astype("Float64")
    return {"leads": leads, "marketing_spend": spend, "sales": sales, "competitor_prices": prices,
            "client_activity": activity, "employee_survey": survey, "nps_responses": nps}


EDGE_OPTIONS = [{}, {"contact_days": 7, "risk_days": 30, "lost_days": 90},
                {"channel_map": {"Giới thiệu": "Giới thiệu", "Hội chợ": "báo"}}]
EDGE_IDS = ["defaults", "other_windows", "channel_map"]


# --------------------------------------------------------------------------------------------------
# the reduction: Ibis equals the oracle
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("freq", FREQS)
def test_sample_reduction_on_duckdb_equals_the_oracle(freq, rows, duck):
    expected = oracle.totals({t: rows[t] for t in TABLES}, freq=freq)
    same_reduction(expected, reduce(duck, freq=freq))
    same_reduction(expected, reduce({t: rows[t] for t in TABLES}, freq=freq))  # pandas, through DuckDB


@pytest.mark.parametrize("freq", FREQS)
@pytest.mark.parametrize("options", EDGE_OPTIONS, ids=EDGE_IDS)
def test_edge_cases_on_duckdb_equal_the_oracle(freq, options):
    tables = edge_tables()
    want_notes, got_notes = [], []
    expected = oracle.totals(tables, freq=freq, notes=want_notes, **options)
    same_reduction(expected, reduce(tables, freq=freq, notes=got_notes, **options))
    assert got_notes == want_notes


def test_edge_case_counts_by_hand():
    t = reduce(edge_tables())
    get = t.set_index(["kpi", "by", "group", "period"])
    # L5's window closes exactly at the latest timestamp (L6's close): judged, never contacted;
    # L6 is still inside its window: excluded
    share = get.loc[("leads_contacted_share", "all", "all", "2026-10")]
    assert (share["numerator"], share["denominator"], share["excluded"]) == (0, 2, 1)
    assert get.loc[("leads_contacted_share", "all", "all", "2026-09"), "numerator"] == 1  # L2: 3 days is in time
    risk = get.loc[("clients_at_risk", "all", "all", "2026-10")]
    assert (risk["numerator"], risk["denominator"]) == (2, 5)  # at risk C2, C4; live C1, C2, C3, C4, C6
    nps = get.loc[("nps", "all", "all", "2026-09")]  # a month of blank answers only
    assert nps["denominator"] == 0 and np.isnan(nps["value"]) and nps["excluded"] == 2
    cac = get.loc[("cac", "channel", "báo", "2026-10")]
    assert (cac["numerator"], cac["denominator"]) == (31.0, 0) and np.isnan(cac["value"])


def test_missing_optional_columns_are_noted_like_the_oracle():
    tables = edge_tables()
    tables["leads"] = tables["leads"].drop(columns="first_contact_at")
    tables["sales"] = tables["sales"].drop(columns="orders")
    want, got = [], []
    same_reduction(oracle.totals(tables, notes=want), reduce(tables, notes=got))
    assert got == want == [
        {"code": "missing_column", "kpis": ["leads_contacted_share"], "table": "leads", "column": "first_contact_at"},
        {"code": "unmapped", "sources": ["Hội chợ"]},
        {"code": "missing_column", "kpis": ["orders"], "table": "sales", "column": "orders"}]


def test_no_tables_give_an_empty_reduction():
    got = reduce({})
    assert list(got.columns) == REDUCED_COLUMNS and len(got) == 0


def test_bad_rows_are_named():
    tables = edge_tables()
    tables["competitor_prices"].loc[1, "competitor_price"] = 0.0
    with pytest.raises(ValueError, match=r"competitor_prices\.competitor_price must be > 0: 1 row\(s\)"):
        reduce(tables)
    with pytest.raises(TypeError, match="dict of canonical table name"):
        reduce(edge_tables()["sales"])


@pytest.mark.postgres
@pytest.mark.parametrize("freq", FREQS)
def test_sample_reduction_on_postgres_equals_the_oracle(freq, rows, pg):
    same_reduction(oracle.totals({t: rows[t] for t in TABLES}, freq=freq), reduce(pg, freq=freq))


@pytest.mark.postgres
@pytest.mark.parametrize("options", EDGE_OPTIONS, ids=EDGE_IDS)
def test_edge_cases_on_postgres_equal_the_oracle(options, pg_con):
    tables = edge_tables()
    uploaded = upload(pg_con, tables, "edge")
    for freq in FREQS:
        same_reduction(oracle.totals(tables, freq=freq, **options), reduce(uploaded, freq=freq, **options))


# --------------------------------------------------------------------------------------------------
# the scorecard: the same from rows, from the reduced table, from DuckDB and from PostgreSQL
# --------------------------------------------------------------------------------------------------

def same_result(a, b, *, words: bool = True) -> None:
    """Same headline and table; with ``words`` also the same summary and page in both locales."""
    compare.same_result(a, b, words=words, html=scorecard.to_html)


def _card(d, rows):
    return scorecard.build(d, period="2026-10", targets=rows["kpi_targets"])


@pytest.fixture(scope="module")
def from_rows(rows):
    return _card({t: rows[t] for t in TABLES}, rows)


@pytest.fixture(scope="module")
def from_reduced(rows):
    return _card(oracle.totals({t: rows[t] for t in TABLES}), rows)


def test_rows_and_reduced_table_give_the_same_scorecard(from_rows, from_reduced):
    same_result(from_rows, from_reduced, words=False)  # from rows the notes also say what the data cover


def test_duckdb_tables_give_the_same_scorecard(rows, duck, from_rows, from_reduced):
    same_result(from_rows, _card(duck, rows))  # tables in DuckDB: same notes, same words
    same_result(from_reduced, _card(reduce(duck), rows))


@pytest.mark.postgres
def test_postgres_tables_give_the_same_scorecard(rows, pg, from_rows, from_reduced):
    same_result(from_rows, _card(pg, rows))
    same_result(from_reduced, _card(reduce(pg), rows))


def test_an_ibis_table_of_kpi_totals_is_accepted(rows, from_reduced):
    import ibis

    same_result(from_reduced, _card(ibis.memtable(oracle.totals({t: rows[t] for t in TABLES})), rows))
