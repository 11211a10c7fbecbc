"""The NPS reduction (Ibis, ``kpi_analysis.nps.reduce``) equals the pandas oracle (``tests/oracles/nps.py``)
on the sample data and on edge cases, on pandas rows (the embedded DuckDB), on DuckDB over Parquet and on
PostgreSQL; and the analyses give the same results from rows, from the reduced table and from Ibis tables.

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

from kpi_analysis import backend, data, engine, nps
from kpi_analysis.core.results import excluded
from tests.oracles import nps as oracle
from tests.same import same_frame, same_result

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TABLE = "nps_responses"
PG_PREFIX = f"kpi_nps_test_{os.getpid()}_"  # this run's tables on the PostgreSQL server

OPTIONS = [
    {},
    {"by": "region"},
    {"by": ["region", "product"], "freq": "M"},
    {"by": "tenure_band", "freq": "Q", "end": "2026-10"},
    {"by": ["region", "product", "tenure_band"], "freq": "M", "end": "2026-10", "early": "separate"},
    {"by": "region", "latest_only": True, "early": "separate", "freq": "W"},
    {"by": "region", "latest_only": True, "freq": "Q", "start": "2025-01", "end": "2026-10"},
    {"by": "region", "early": "exclude", "start": "2025-01", "end": "2026-06"},
    {"by": "product", "early": "exclude", "early_days": 30, "latest_only": True},
    {"freq": "Q", "start": "2024-11", "end": "2026-10"},
    {"freq": "Y", "by": "tenure_band", "bands": (0, 30, 365)},
    {"by": "region", "start": "2026-03-15", "end": "2026-09-30"},
]


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def rows():
    return data.load(TABLE, SAMPLE / f"{TABLE}.csv")


@pytest.fixture(scope="module")
def duck(tmp_path_factory, rows):
    """The sample answers as a folder of three Parquet files, a canonical Ibis table on DuckDB, checked."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("parquet") / TABLE
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(rows)), 3)):
        pq.write_table(pa.Table.from_pandas(rows.iloc[chunk], preserve_index=False), folder / f"part-{i}.parquet")
    t = backend.source(TABLE, folder, con=backend.connect())
    assert backend.check(t, TABLE) == []
    return t


@pytest.fixture(scope="module")
def pg(postgres_url, rows):
    """The sample answers uploaded to PostgreSQL, as a canonical Ibis table checked in PostgreSQL."""
    con = backend.connect(postgres_url)
    name = PG_PREFIX + TABLE

    def drop():  # Ibis 12 + sqlglot 30 write an empty DROP TABLE: use SQL
        with con.raw_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE'):
            pass

    drop()
    con.create_table(name, rows)
    t = backend.source(TABLE, query=name, con=con)
    assert backend.check(t, TABLE) == []
    yield t
    drop()


# --------------------------------------------------------------------------------- comparison helpers
def same_reduction(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Same counts (exact), keys and dtypes; the same exclusions (the oracle's {code: n}) and threshold."""
    same_frame(expected, got)
    for c in ("detractors", "passives", "promoters", "n", "blank", "non_numeric", "superseded", "early_excluded"):
        assert got[c].tolist() == expected[c].tolist(), c
    assert got.attrs["excluded"].as_dict() == expected.attrs["excluded"]
    assert got.attrs["early_days"] == expected.attrs["early_days"]


ANALYSES = {
    # name: (analysis, the reduction it needs, policies that apply to rows only)
    "segment": (lambda d, **kw: nps.segment(d, by="region", **kw), {"by": "region"}, {}),
    "segment_tenure_latest": (lambda d, **kw: nps.segment(d, by="tenure_band", **kw),
                              {"by": "tenure_band", "latest_only": True}, {"latest_only": True}),
    "trend": (lambda d, **kw: nps.trend(d, freq="Q", end="2026-10", start="2024-11", **kw),
              {"freq": "Q", "end": "2026-10", "start": "2024-11"}, {}),
    "what_if": (lambda d, **kw: nps.what_if(d, by="region", share=0.2, **kw), {"by": "region"}, {}),
}


# ------------------------------------------------------------------------ the sample data, three ways
@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
def test_reduce_on_pandas_rows_equals_the_oracle(kwargs, rows):
    same_reduction(oracle.counts(rows, **kwargs), nps.reduce(rows, **kwargs))


@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
def test_reduce_on_duckdb_parquet_equals_the_oracle(kwargs, rows, duck):
    same_reduction(oracle.counts(rows, **kwargs), nps.reduce(duck, **kwargs))


@pytest.mark.postgres
@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
def test_reduce_on_postgres_equals_the_oracle(kwargs, rows, pg):
    same_reduction(oracle.counts(rows, **kwargs), nps.reduce(pg, **kwargs))


@pytest.mark.parametrize("name", list(ANALYSES))
def test_analyses_agree_from_rows_reduced_table_and_duckdb(name, rows, duck):
    analysis, kwargs, policies = ANALYSES[name]
    from_rows = analysis(rows, **policies)
    same_result(from_rows, analysis(nps.reduce(rows, **kwargs)))
    same_result(from_rows, analysis(duck, **policies))  # an Ibis table is reduced where it lives
    same_result(from_rows, analysis(nps.reduce(duck, **kwargs)))


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(ANALYSES))
def test_analyses_agree_on_postgres(name, rows, pg):
    analysis, kwargs, policies = ANALYSES[name]
    from_rows = analysis(rows, **policies)
    same_result(from_rows, analysis(pg, **policies))
    same_result(from_rows, analysis(nps.reduce(pg, **kwargs)))


def test_planted_effect_survives_the_engine(duck):
    """Miền Trung (planted ~22 points lower) is the one region flagged, from the engine's counts."""
    res = nps.segment(nps.reduce(duck, by="region"), by="region")
    flagged = res.table.loc[res.table["significant"].astype(bool)]
    assert flagged["region"].tolist() == ["Miền Trung"]
    assert (flagged["nps"] - res.overall.nps).iloc[0] < -10


def test_sample_has_no_latest_only_ties(rows):
    """No customer answered twice at the same instant, so the pandas and engine tie-breaks never differ here."""
    scored = rows.loc[rows["score"].notna()]
    assert not scored.duplicated(["customer_id", "responded_at"]).any()


def test_engine_entry_points_run_this_reduction(rows):
    same_frame(nps.reduce(rows, by="region", freq="M"), engine.reduce("nps", rows, by="region", freq="M"))


# --------------------------------------------------------------------------------------- edge cases
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
    got = nps.reduce(responses, by="region", latest_only=True, early="exclude")
    # A: c1's earlier 3 is superseded by 9, c2 gives 7; B: blank, 10, and 6 given 10 days in (early)
    assert got[["region", "detractors", "passives", "promoters", "blank", "superseded", "early_excluded"]] \
        .values.tolist() == [["A", 0, 1, 1, 0, 1, 0], ["B", 0, 0, 1, 1, 0, 1]]
    assert got.attrs["excluded"] == (excluded("blank_score", 1), excluded("superseded_answer", 1),
                                     excluded("early_answer", 1, days=90))
    same_reduction(oracle.counts(responses, by="region", latest_only=True, early="exclude"), got)
    same_reduction(oracle.counts(responses, by="region", latest_only=True, early="exclude"),
                   nps.reduce(backend.source(TABLE, responses), by="region", latest_only=True, early="exclude"))


EDGE_ROWS = pd.DataFrame({
    "response_id": [f"R{i:02d}" for i in range(12)],
    "customer_id": ["K1", "K1", "K1", "K2", "K2", "K3", "K4", "K4", "K5", "K6", "K7", "K7"],
    "responded_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:00", "2026-02-01", "2026-03-31 23:59:59",
                                    "2026-04-01", "2026-04-02", "2026-06-30 12:00", "2026-06-30 12:00",
                                    "2026-07-01", "2026-12-31", "2027-01-01", "2027-01-02"], format="ISO8601"),
    "score": ["9", "3", " ", "10", "n/a", "7", "0", "10", "8", None, "6", "9"],
    "region": pd.Categorical(["Nam", "Nam", "Nam", "Bắc", "Bắc", "Nam", "Bắc", "Bắc", "Trung", "Trung", "Nam",
                              "Bắc"], categories=["Nam", "Trung", "Bắc"]),
    "customer_since": pd.to_datetime(["2025-12-01"] * 3 + ["2025-01-01"] * 2 + ["2026-03-20"] + ["2024-01-01"] * 2
                                     + ["2026-06-01", "2020-01-01", "2026-12-01", "2026-12-01"]),
}, index=[5, 3, 1, 7, 9, 11, 0, 2, 4, 6, 8, 10])  # labels in no order: the row order decides ties

EDGE_OPTIONS = [
    {"by": "region"},
    {"by": "region", "freq": "M"},
    {"by": ["region", "tenure_band"], "freq": "W"},
    {"by": "region", "latest_only": True},
    {"by": "region", "latest_only": True, "freq": "Q", "end": "2026-12"},
    {"by": "region", "early": "exclude", "early_days": 30, "latest_only": True},
    {"by": "tenure_band", "early": "separate", "start": "2026-02", "end": "2026-06"},
    {"freq": "Y", "start": "2026-03-31", "end": "2026-03-31"},
    {"by": "region", "start": "2030-01"},  # every row outside the range: no groups
    {"start": "2030-01"},  # ... and one row of zeros without keys
]


@pytest.mark.parametrize("kwargs", EDGE_OPTIONS, ids=str)
def test_edge_cases_equal_the_oracle(kwargs):
    """Text scores (blank, not a number), a category key, unordered row labels, same-instant answers,
    the last second of a month, empty results."""
    same_reduction(oracle.counts(EDGE_ROWS, **kwargs), nps.reduce(EDGE_ROWS, **kwargs))


def test_duplicate_row_labels_are_counted_as_rows():
    twice = pd.concat([EDGE_ROWS, EDGE_ROWS])
    same_reduction(oracle.counts(twice, by="region", latest_only=True), nps.reduce(twice, by="region",
                                                                                   latest_only=True))


def test_latest_only_ties_pandas_keeps_the_later_row_the_engine_the_largest_id():
    """The documented difference: K1 answered 9 (R00) and 3 (R01) at the same instant."""
    from_pandas = nps.reduce(EDGE_ROWS, by="region", latest_only=True).set_index("region")
    assert from_pandas.loc["Nam", ["detractors", "promoters"]].tolist() == [1, 0]  # R01's 3 (the later row)
    reversed_ids = EDGE_ROWS.assign(response_id=EDGE_ROWS["response_id"].iloc[::-1].to_numpy())
    for frame, kept in ((EDGE_ROWS, [1, 0]), (reversed_ids, [0, 1])):  # the largest id: R01's 3, then R00's 9
        table = backend.source(TABLE, frame.assign(score=pd.to_numeric(frame["score"], errors="coerce")))
        got = nps.reduce(table, by="region", latest_only=True).set_index("region")
        assert got.loc["Nam", ["detractors", "promoters"]].tolist() == kept


def test_text_scores_in_an_ibis_table_are_read_like_pandas():
    import ibis

    text = EDGE_ROWS.assign(region=EDGE_ROWS["region"].astype(str))
    got = nps.reduce(ibis.memtable(text.reset_index(drop=True)), by="region")
    expected = oracle.counts(text, by="region")
    same_reduction(expected, got)
    assert got["non_numeric"].sum() == 1 and got["blank"].sum() == 2


# ------------------------------------------------------------------------- rules, pandas and engine
def test_engine_counts_broken_rules_and_names_rows_by_id():
    import ibis

    bad = EDGE_ROWS.assign(score=pd.to_numeric(EDGE_ROWS["score"], errors="coerce"), region=EDGE_ROWS["region"]
                           .astype(str)).reset_index(drop=True)
    bad.loc[3, "score"] = 11
    with pytest.raises(ValueError, match=r"nps_responses\.score must be between 0 and 10: 1 row\(s\) do not, "
                                         r"e\.g\. row R03: 11\.0"):
        nps.reduce(ibis.memtable(bad), by="region")
    # rows outside start/end are not counted, so not checked either
    assert nps.reduce(ibis.memtable(bad), by="region", start="2026-04")["n"].sum() == 6
    with pytest.raises(ValueError, match=r"score must hold a score \(blank=\"fail\".*2 row\(s\)"):
        nps.reduce(ibis.memtable(bad), start="2026-04", blank="fail")
    late = bad.assign(customer_since=bad["customer_since"].where(bad.index != 5, pd.Timestamp("2027-01-01")))
    with pytest.raises(ValueError, match=r"customer_since must not be after responded_at: 1 row\(s\).*R05"):
        nps.reduce(ibis.memtable(late), by="tenure_band")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['regoin'\].*did you mean \['region'\]"):
        nps.reduce(ibis.memtable(bad), by="regoin")


def test_pandas_rows_are_checked_with_row_labels():
    bad = EDGE_ROWS.copy()
    bad.loc[7, "score"] = "7.5"
    with pytest.raises(ValueError, match=r"score must be a whole number: 1 row\(s\) do not, e\.g\. row 7: '7\.5'"):
        nps.reduce(bad)
    assert nps.reduce(bad, start="2026-04")["n"].sum() == 6  # row 7 answered in March: outside, not checked
    with pytest.raises(ValueError, match="bands must be increasing"):
        nps.reduce(EDGE_ROWS, by="tenure_band", bands=(10, 5))
    with pytest.raises(ValueError, match="freq must be one of"):
        nps.reduce(EDGE_ROWS, freq="fortnight")


# ------------------------------------------------------------------------------ the earlier names
def test_counts_is_a_deprecated_name_of_reduce(rows):
    with pytest.warns(DeprecationWarning, match=r"nps\.counts\(\) is now nps\.reduce\(\)"):
        old = nps.counts(rows, by="region", freq="M")
    same_frame(nps.reduce(rows, by="region", freq="M"), old)
    with pytest.warns(DeprecationWarning, match="responses= is now data="):
        old = nps.reduce(responses=rows, by="region")
    same_frame(nps.reduce(rows, by="region"), old)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nps.reduce(rows, by="region")  # the new form does not warn
    assert not [w for w in caught if "next release" in str(w.message)]
