"""The data contract: every table accepts the sample data and rejects each broken rule clearly."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from kpi_analysis import data, schema
from kpi_analysis.core.checks import DataValidationError

TABLES = schema.table_names()


@pytest.mark.parametrize("table", TABLES)
def test_sample_data_is_valid(table, sample_table):
    df = sample_table(table)
    assert len(df) > 0
    assert list(df.columns[: len(schema.columns(table, optional=False))]) == \
        [c for c in schema.columns(table) if c in df.columns][: len(schema.columns(table, optional=False))]


def _raw(sample_dir, table, n=40):
    return data.read(sample_dir / f"{table}.csv").head(n).copy()


# (table, column, how to break it, words the message must contain)
BREAKS = [
    ("leads", "lead_id", lambda d: d.assign(lead_id=d["lead_id"].where(d.index != 3, d["lead_id"][2])), "must be unique"),
    ("leads", "created_at", lambda d: d.assign(created_at=d["created_at"].where(d.index != 1, "31/31/2026")),
     "must be a date"),
    ("leads", "rep", lambda d: d.assign(rep=d["rep"].where(d.index != 4, None)), "must not be blank"),
    ("leads", "status", lambda d: d.assign(status=d["status"].where(d.index != 5, "thắng")), "must be one of"),
    ("leads", "closed_at", lambda d: d.assign(closed_at=d["closed_at"].where(d["status"] == "open", None)),
     "must be set when status is won or lost"),
    ("leads", "closed_at", lambda d: d.assign(closed_at="2020-01-01"), "must not be before created_at"),
    ("leads", "deal_value", lambda d: d.assign(deal_value=np.where(d["status"] == "won", "-5", d["deal_value"])),
     "must be >= 0"),
    ("leads", "deal_value", lambda d: d.assign(deal_value=None), "must be set when status is won"),
    ("sales", "revenue", lambda d: d.assign(revenue=d["revenue"].where(d.index != 2, "abc")), "must be a number"),
    ("sales", "orders", lambda d: d.assign(orders=d["orders"].where(d.index != 2, "-1")), "must be >= 0"),
    ("sales", "orders", lambda d: d.assign(orders=d["orders"].where(d.index != 2, "2.5")), "must be a whole number"),
    ("sales", "date", lambda d: pd.concat([d, d.head(2)], ignore_index=True), "one row per location and day"),
    ("nps_responses", "score", lambda d: d.assign(score=d["score"].where(d.index != 1, "11")), "must be <= 10"),
    ("nps_responses", "score", lambda d: d.assign(score=d["score"].where(d.index != 1, "7.5")), "whole number"),
    ("nps_responses", "customer_since", lambda d: d.assign(customer_since="2099-01-01"),
     "must not be after responded_at"),
    ("marketing_spend", "month", lambda d: d.assign(month=d["month"].where(d.index != 0, "tháng 13")),
     "must be a month"),
    ("competitor_prices", "our_price", lambda d: d.assign(our_price="0"), "must be > 0"),
    ("employee_survey", "score", lambda d: d.assign(score=d["score"].where(d.index != 0, "-1")), "must be >= 0"),
    ("kpi_targets", "direction", lambda d: d.assign(direction="up"), "must be one of"),
    ("kpi_targets", "perspective", lambda d: d.assign(perspective="sales"), "must be one of"),
    ("kpi_targets", "period", lambda d: d.assign(period=d["period"].where(d.index != 0, "Oct 2026")),
     "must look like 2026-10"),
    ("client_activity", "client_id", lambda d: d.assign(client_id=None), "must not be blank"),
]


@pytest.mark.parametrize("table,column,brk,words", BREAKS, ids=[f"{b[0]}.{b[1]}:{b[3]}" for b in BREAKS])
def test_each_rule_is_enforced_with_a_clear_message(sample_dir, table, column, brk, words):
    if not (sample_dir / f"{table}.csv").exists():
        pytest.skip("sample data missing")
    broken = brk(_raw(sample_dir, table))
    with pytest.raises(DataValidationError) as err:
        data.load(table, frame=broken)
    message = str(err.value)
    assert message.startswith(f"{table}:")
    line = next((ln for ln in message.splitlines() if ln.startswith(f"- {table}.{column} ") and words in ln), None)
    assert line is not None, message
    assert re.search(r"\d+ row\(s\) do not", line) and "row " in line  # count and example rows named


def test_all_problems_reported_at_once(sample_dir):
    d = _raw(sample_dir, "sales")
    d.loc[1, "revenue"] = "-3"
    d.loc[2, "orders"] = "x"
    d.loc[3, "location"] = None
    with pytest.raises(DataValidationError) as err:
        data.load("sales", frame=d)
    assert len(err.value.problems) == 3
    assert {p["column"] for p in err.value.problems} == {"revenue", "orders", "location"}


def test_examples_are_capped_at_five(sample_dir):
    d = _raw(sample_dir, "sales", n=30).assign(revenue="-1")
    with pytest.raises(DataValidationError) as err:
        data.load("sales", frame=d)
    (problem,) = err.value.problems
    assert problem["count"] == 30 and len(problem["examples"]) == 5


def test_missing_column_names_closest_client_columns():
    frame = pd.DataFrame({"Ngay": ["2026-10-01"], "Cua hang": ["A"], "Doanh thu": ["1"], "So don": ["1"]})
    mapping = {"Ngày": "date", "Cua hang": "location", "Doanh thu": "revenue", "So don": "orders"}
    with pytest.raises(DataValidationError) as err:
        data.load("sales", frame=frame, mapping=mapping)
    msg = str(err.value)
    assert "'date'" in msg and "'Ngày'" in msg and "did you mean ['Ngay']" in msg


def test_mapping_to_a_non_column_is_rejected():
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(DataValidationError, match="not columns of sales"):
        data.load("sales", frame=frame, mapping={"a": "revenu"})


def test_mapping_and_value_mapping(sample_dir):
    raw = _raw(sample_dir, "leads")
    client = raw.rename(columns={"lead_id": "Mã", "rep": "Nhân viên", "status": "Trạng thái"})
    client["Trạng thái"] = client["Trạng thái"].map({"won": "Thành công", "lost": "Thất bại", "open": "Đang xử lý"})
    got = data.load("leads", frame=client, mapping={"Mã": "lead_id", "Nhân viên": "rep", "Trạng thái": "status"},
                    values={"status": {"Thành công": "won", "Thất bại": "lost", "Đang xử lý": "open"}})
    want = data.load("leads", frame=raw)
    pd.testing.assert_frame_equal(got, want)


def test_csv_parquet_excel_give_equal_frames(sample_dir, tmp_path):
    for table in ("leads", "nps_responses", "sales"):
        csv = data.load(table, sample_dir / f"{table}.csv").head(300)
        raw = data.read(sample_dir / f"{table}.csv").head(300)
        raw.to_csv(tmp_path / "t.csv", index=False)
        typed = csv.copy()
        typed.to_parquet(tmp_path / "t.parquet")
        typed.to_excel(tmp_path / "t.xlsx", index=False)
        from_csv = data.load(table, tmp_path / "t.csv")
        pd.testing.assert_frame_equal(from_csv, csv)
        pd.testing.assert_frame_equal(data.load(table, tmp_path / "t.parquet"), csv, check_dtype=True)
        pd.testing.assert_frame_equal(data.load(table, tmp_path / "t.xlsx"), csv, check_dtype=True)


def test_vietnamese_text_round_trips(tmp_path):
    names = ["Nguyễn Văn An", "Đặng Quốc Huy", "Hà Nội - Cầu Giấy", "Thành phố Hồ Chí Minh"]
    frame = pd.DataFrame({"date": ["2026-10-01"] * 4, "location": names, "revenue": ["1"] * 4, "orders": ["1"] * 4})
    for suffix in (".csv", ".xlsx", ".parquet"):
        path = tmp_path / f"s{suffix}"
        {".csv": frame.to_csv, ".xlsx": frame.to_excel, ".parquet": frame.to_parquet}[suffix](path, **(
            {} if suffix == ".parquet" else {"index": False}))
        assert data.load("sales", path)["location"].tolist() == names


def test_unknown_table_and_file_type(tmp_path):
    with pytest.raises(ValueError, match="unknown table 'lead'"):
        data.load("lead", frame=pd.DataFrame())
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ValueError, match="unsupported file type"):
        data.load("sales", tmp_path / "x.json")
    with pytest.raises(FileNotFoundError):
        data.load("sales", tmp_path / "missing.csv")


def test_blank_nps_score_is_kept_as_missing(sample_table):
    scores = sample_table("nps_responses")["score"]
    assert scores.isna().sum() > 0 and scores.dropna().between(0, 10).all()


def test_fingerprint_changes_with_content(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("x\n1\n")
    a = data.fingerprint(p)
    p.write_text("x\n2\n")
    assert a != data.fingerprint(p) and len(a) == 64
