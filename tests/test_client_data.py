"""Client exports are read right or refused: decimal commas, dd/mm dates, NFD text, encodings, Excel.

Every file here is written by the test the way a Vietnamese CRM, POS or Excel export writes it, and
each test asserts the exact value read, or the error with its table, column and the option to set.
"""
from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from kpi_analysis import cli, config, data, nps
from kpi_analysis.core.checks import CaseVariantWarning, DataValidationError
from kpi_analysis.formats import FormatError

SALES_HEADER = "date;location;revenue;orders\n"
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows software writes it: base letters precomposed, tones combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out.append(base + "".join(c for c in parts if c in TONE_MARKS))
    return "".join(out).encode("cp1258")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------------------------
# numbers
# ------------------------------------------------------------------------------------------------

def test_semicolon_separator_and_decimal_comma_are_read_as_written(tmp_path):
    f = write(tmp_path / "pos.csv", SALES_HEADER + "2026-01-08;A;51651,0;3\n2026-01-09;A;1.234,5;4\n"
                                                   "2026-01-10;A;1.234;2\n2026-01-11;A;12;1\n")
    sales = data.load("sales", f)
    # the decimal comma of line 2 decides the file's convention: "1.234" is then one thousand two hundred
    assert sales["revenue"].tolist() == [51651.0, 1234.5, 1234.0, 12.0]
    assert sales.attrs["read"]["separator"] == ";" and sales.attrs["read"]["decimal"] == ","


def test_dot_decimal_files_keep_reading_as_before(tmp_path):
    f = write(tmp_path / "s.csv", "date,location,revenue,orders\n2026-01-08,A,51651.0,3\n2026-01-09,A,\"1,234.5\",4\n")
    assert data.load("sales", f)["revenue"].tolist() == [51651.0, 1234.5]


def test_numbers_that_read_two_ways_are_refused_with_the_option_to_set(tmp_path):
    f = write(tmp_path / "pos.csv", SALES_HEADER + "2026-01-08;A;1.234;3\n2026-01-09;A;2.500;4\n")
    with pytest.raises(FormatError) as err:
        data.load("sales", f)
    message = str(err.value)
    assert err.value.option == "decimal" and err.value.table == "sales" and err.value.column == "revenue"
    assert "sales (" in message and "revenue line 2: '1.234'" in message and "revenue line 3: '2.500'" in message
    assert 'decimal: ","' in message and "data.tables.sales" in message
    assert data.load("sales", f, decimal=",")["revenue"].tolist() == [1234.0, 2500.0]
    assert data.load("sales", f, decimal=".")["revenue"].tolist() == [1.234, 2.5]


def test_a_file_mixing_decimal_conventions_is_refused(tmp_path):
    f = write(tmp_path / "s.csv", SALES_HEADER + "2026-01-08;A;51651,0;3\n2026-01-09;A;1234.56;4\n")
    with pytest.raises(FormatError, match="two conventions") as err:
        data.load("sales", f)
    assert "revenue line 3: '1234.56'" in str(err.value) and "revenue line 2: '51651,0'" in str(err.value)


def test_with_the_decimal_declared_other_numbers_are_row_errors(tmp_path):
    f = write(tmp_path / "s.csv", SALES_HEADER + "2026-01-08;A;51651,0;3\n2026-01-09;A;1234.56;4\n")
    with pytest.raises(DataValidationError) as err:
        data.load("sales", f, decimal=",")
    assert "sales.revenue must be a number (decimal comma, e.g. 1.234,5): 1 row(s) do not, e.g. line 3: " \
           "'1234.56'" in str(err.value)


# ------------------------------------------------------------------------------------------------
# dates
# ------------------------------------------------------------------------------------------------

def test_day_first_dates_are_read_day_first(tmp_path):
    f = write(tmp_path / "s.csv", SALES_HEADER + "08/01/2026;A;1;3\n13/01/2026;A;2;4\n14/01/2026 10:30;B;2;4\n")
    sales = data.load("sales", f)
    assert sales["date"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2026-01-08 00:00", "2026-01-13 00:00",
                                                                    "2026-01-14 10:30"]
    assert sales.attrs["read"]["date_order"] == "dmy"


def test_dates_that_read_two_ways_are_refused_naming_dayfirst(tmp_path):
    f = write(tmp_path / "s.csv", SALES_HEADER + "08/01/2026;A;1;3\n09/01/2026;A;2;4\n")
    with pytest.raises(FormatError) as err:
        data.load("sales", f)
    assert err.value.option == "dayfirst" and err.value.column == "date"
    assert "date line 2: '08/01/2026'" in str(err.value) and "`dayfirst: true`" in str(err.value)
    assert "2026-01-08" in str(err.value) and "2026-08-01" in str(err.value)
    assert data.load("sales", f, dayfirst=True)["date"].dt.month.tolist() == [1, 1]
    assert data.load("sales", f, dayfirst=False)["date"].dt.month.tolist() == [8, 9]
    assert data.load("sales", f, date_format="%d/%m/%Y")["date"].dt.day.tolist() == [8, 9]


def test_a_column_half_day_first_half_month_first_is_refused(tmp_path):
    f = write(tmp_path / "s.csv", SALES_HEADER + "13/01/2026;A;1;3\n01/14/2026;A;2;4\n")
    with pytest.raises(FormatError, match="two orders") as err:
        data.load("sales", f)
    assert "date line 2: '13/01/2026'" in str(err.value) and "date line 3: '01/14/2026'" in str(err.value)


def test_with_the_order_declared_impossible_dates_are_row_errors(tmp_path):
    f = write(tmp_path / "s.csv", SALES_HEADER + "13/01/2026;A;1;3\n01/14/2026;A;2;4\n")
    with pytest.raises(DataValidationError) as err:
        data.load("sales", f, dayfirst=True)
    assert "sales.date must be a date (dd/mm/yyyy or YYYY-MM-DD): 1 row(s) do not, e.g. line 3: '01/14/2026'" \
        in str(err.value)


# ------------------------------------------------------------------------------------------------
# text keys
# ------------------------------------------------------------------------------------------------

def test_nfc_nfd_and_whitespace_spellings_become_one_key(tmp_path):
    nfd = unicodedata.normalize("NFD", "Miền Trung")
    assert nfd != "Miền Trung"
    f = write(tmp_path / "s.csv", SALES_HEADER + f"2026-01-08;Miền Trung;1;3\n2026-01-09;{nfd};2;4\n"
                                                 "2026-01-10;Miền  Trung ;2;4\n2026-01-11;miền trung;2;4\n")
    sales = data.load("sales", f)
    assert sales["location"].tolist() == ["Miền Trung"] * 3 + ["miền trung"]
    assert sales.attrs["case_variants"] == {"location": [{"values": ["Miền Trung", "miền trung"], "counts": [3, 1]}]}


def test_case_variants_are_listed_by_validate_and_warned_by_the_analyses(tmp_path):
    rows = pd.DataFrame({"response_id": [f"R{i}" for i in range(6)], "customer_id": [f"K{i}" for i in range(6)],
                         "responded_at": ["2026-10-01"] * 6, "score": ["9", "3", "10", "7", "8", "2"],
                         "region": ["Miền Trung", "Miền Trung", "miền trung", "Miền Nam", "Miền Nam", "Miền Nam"],
                         "product": ["P"] * 6, "customer_since": ["2025-01-01"] * 6})
    rows.to_csv(tmp_path / "nps_responses.csv", index=False)
    result = CliRunner().invoke(cli.cli, ["validate", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "warning: nps_responses.region has spellings that differ only by case: 'Miền Trung' (2 rows) / " \
           "'miền trung' (1 rows)" in result.output
    assert "values: {region: {'miền trung': 'Miền Trung'}}" in result.output
    responses = data.load("nps_responses", tmp_path / "nps_responses.csv")
    with pytest.warns(CaseVariantWarning, match="nps_responses.region has values that differ only by case"):
        nps.counts(responses, by="region")


def test_a_values_mapping_written_in_nfd_merges_the_variants(tmp_path):
    f = write(tmp_path / "s.csv", SALES_HEADER + "2026-01-08;Miền Trung;1;3\n2026-01-09;miền trung;2;4\n")
    mapping = {"location": {unicodedata.normalize("NFD", "miền  trung"): "Miền Trung"}}
    sales = data.load("sales", f, values=mapping)
    assert sales["location"].tolist() == ["Miền Trung", "Miền Trung"] and sales.attrs["case_variants"] == {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", CaseVariantWarning)
        from kpi_analysis import promo
        promo.daily_sums(sales)


# ------------------------------------------------------------------------------------------------
# encodings, Excel, empty files
# ------------------------------------------------------------------------------------------------

VI_SALES = SALES_HEADER + "08/01/2026;Hà Nội - Cầu Giấy;51651,0;3\n13/01/2026;Miền Trung;1.234,5;4\n"


def test_utf16_with_a_byte_order_mark_needs_no_option(tmp_path):
    f = write(tmp_path / "s.csv", VI_SALES, "utf-16")
    sales = data.load("sales", f)
    assert sales["location"].tolist() == ["Hà Nội - Cầu Giấy", "Miền Trung"]
    assert sales["revenue"].tolist() == [51651.0, 1234.5]


def test_windows_1258_is_refused_naming_the_encoding_option_then_read(tmp_path):
    f = tmp_path / "s.csv"
    f.write_bytes(cp1258(VI_SALES))
    with pytest.raises(FormatError) as err:
        data.load("sales", f)
    assert err.value.option == "encoding" and "cp1258" in str(err.value) and "`encoding:" in str(err.value)
    sales = data.load("sales", f, encoding="cp1258")
    assert sales["location"].tolist() == ["Hà Nội - Cầu Giấy", "Miền Trung"]  # decoded to NFC


def test_excel_export_with_text_numbers_and_dates(tmp_path):
    rows = pd.DataFrame({"Ngày": ["08/01/2026", "13/01/2026"], "Cửa hàng": ["Hà Nội", "Hà Nội"],
                         "Doanh thu": ["51.651,5", 1234.5], "Số đơn": [3, 4]})
    rows.to_excel(tmp_path / "pos.xlsx", sheet_name="Doanh số", index=False)
    sales = data.load("sales", tmp_path / "pos.xlsx", {"Ngày": "date", "Cửa hàng": "location",
                                                       "Doanh thu": "revenue", "Số đơn": "orders"},
                      sheet="Doanh số")
    assert sales["revenue"].tolist() == [51651.5, 1234.5]
    assert sales["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-08", "2026-01-13"]


def test_header_only_and_empty_files_name_the_table_and_file(tmp_path):
    header = write(tmp_path / "h.csv", "date,location,revenue,orders\n")
    with pytest.raises(DataValidationError, match=r"sales \(.*h\.csv\): the table has column names but no rows"):
        data.load("sales", header)
    empty = write(tmp_path / "e.csv", "")
    with pytest.raises(DataValidationError, match=r"sales \(.*e\.csv\): the file is empty \(0 bytes\)"):
        data.load("sales", empty)


def test_line_numbers_are_as_an_editor_shows_them(tmp_path):
    # a quoted line break and a blank line shift the lines: the message names the editor's line
    f = write(tmp_path / "s.csv", 'date,location,revenue,orders\n2026-01-01,"Kho\nHà Nội",1,1\n\n'
                                  "2026-01-02,A,abc,1\n")
    with pytest.raises(DataValidationError) as err:
        data.load("sales", f)
    assert "sales.revenue must be a number: 1 row(s) do not, e.g. line 5: 'abc'." in str(err.value)


def test_errors_in_the_report_language(tmp_path):
    f = write(tmp_path / "s.csv", "date,location,revenue,orders\n2026-01-01,A,abc,1\n")
    with pytest.raises(DataValidationError) as err:
        data.load("sales", f, locale="vi")
    assert "phát hiện 1 lỗi" in str(err.value) and "sales.revenue phải là số: 1 dòng không đạt, ví dụ dòng 2" \
        in str(err.value)
    g = write(tmp_path / "g.csv", SALES_HEADER + "08/01/2026;A;1;3\n09/01/2026;A;2;4\n")
    with pytest.raises(FormatError, match="có ngày đọc được hai cách: date dòng 2"):
        data.load("sales", g, locale="vi")


# ------------------------------------------------------------------------------------------------
# the workbook: options in workbook.yml, missing sources, optional columns, currency
# ------------------------------------------------------------------------------------------------

def _config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_reading_options_in_workbook_yml(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "doanh_so.csv").write_bytes(cp1258(
        "Ngày;Cửa hàng;Doanh thu\n08/01/2026;Hà Nội;1.234\n09/01/2026;Hà Nội;2.500\n"))
    cfg = _config(tmp_path / "workbook.yml", """
data:
  dir: data
  tables:
    sales:
      path: doanh_so.csv
      encoding: cp1258
      separator: ";"
      decimal: ","
      dayfirst: true
      columns: {"Ngày": date, "Cửa hàng": location, "Doanh thu": revenue}
""")
    sales = config.open_workbook(cfg).load("sales")
    assert sales["revenue"].tolist() == [1234.0, 2500.0] and sales["date"].dt.day.tolist() == [8, 9]
    assert "orders" not in sales.columns  # optional: a POS export without order counts is fine


def test_bad_reading_options_and_currency_are_config_errors(tmp_path):
    cfg = _config(tmp_path / "workbook.yml", """
currency: VNĐ
data:
  dir: .
  tables:
    sales: {decimal: ";", encoding: "klingon", dayfirst: "yes"}
""")
    with pytest.raises(config.ConfigError) as err:
        config.load(cfg)
    message = str(err.value)
    assert "data.tables.sales.decimal: must be '.' or ','" in message
    assert "unknown encoding 'klingon'" in message
    assert "data.tables.sales.dayfirst: expected bool" in message
    assert "currency: 'VNĐ' is not an ISO 4217 currency code" in message and "did you mean 'VND'?" in message


def test_missing_configured_sources_fail_validate_and_run_before_anything_runs(tmp_path):
    (tmp_path / "data").mkdir()
    cfg = _config(tmp_path / "workbook.yml", "data:\n  dir: data\n  tables:\n    leads: {path: crm.csv}\n")
    result = CliRunner().invoke(cli.cli, ["validate", "--config", str(cfg)])
    assert result.exit_code == 2 and "data.tables.leads.path:" in result.output and "crm.csv does not exist" \
        in result.output
    gone = _config(tmp_path / "other.yml", "data:\n  dir: no-such-folder\n")
    result = CliRunner().invoke(cli.cli, ["validate", "--config", str(gone)])
    assert result.exit_code == 2 and "no-such-folder" in result.output and "does not exist" in result.output
    result = CliRunner().invoke(cli.cli, ["run", "--config", str(gone), "--period", "2026-10"])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not (tmp_path / "reports").exists()


def test_validate_reports_a_header_only_table_as_a_problem(tmp_path):
    (tmp_path / "sales.csv").write_text("date,location,revenue,orders\n", encoding="utf-8")
    result = CliRunner().invoke(cli.cli, ["validate", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "sales: PROBLEM" in result.output and "no rows" in result.output


def test_validate_shows_how_each_file_was_read(tmp_path):
    write(tmp_path / "sales.csv", VI_SALES)
    result = CliRunner().invoke(cli.cli, ["validate", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "separator ';', decimal ',', dates dd/mm/yyyy" in result.output


def test_engine_reads_a_client_csv_the_way_data_load_does(tmp_path):
    write(tmp_path / "sales.csv", VI_SALES)
    wb = config.open_workbook(None, data_dir=tmp_path)
    from kpi_analysis import promo

    daily = promo.reduce(wb.table("sales"), outcome="revenue")
    assert daily["revenue"].tolist() == [51651.0, 1234.5]
    assert sorted(daily["date"].dt.day) == [8, 13]


def test_engine_refuses_text_numbers_with_a_decimal_comma(tmp_path):
    from kpi_analysis import backend

    frame = pd.DataFrame({"date": ["2026-01-08"], "location": ["A"], "revenue": ["1.234,5"], "orders": ["3"]})
    frame.to_parquet(tmp_path / "sales.parquet")
    with pytest.raises(DataValidationError, match="sales.revenue must be a number"):
        backend.load("sales", tmp_path / "sales.parquet")
