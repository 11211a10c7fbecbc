"""workbook.yml: defaults, layering, and a clear message for every wrong key or value."""
from __future__ import annotations

import textwrap

import pytest

from kpi_analysis import config


def _write(path, text):
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_project_config_loads_and_finds_every_table(root):
    wb = config.open_workbook(root / "workbook.yml")
    assert wb.locale == "en" and wb.currency == "VND"
    assert set(wb.source_paths()) >= {"leads", "sales", "nps_responses", "kpi_targets"}
    assert len(wb.load("sales")) > 1000
    assert all(v == "ok" for v in wb.validate_all().values())


def test_defaults_without_a_file(sample_dir):
    wb = config.open_workbook(None, data_dir=sample_dir, locale="vi")
    assert wb.locale == "vi" and wb.has("leads") and wb.has("client_activity")


def test_unknown_keys_are_named_with_a_suggestion(tmp_path):
    p = _write(tmp_path / "w.yml", """
        locale: vi
        curency: VND
        report:
          cell_timeout: "ten"
          jobz: []
        data:
          tables:
            lead: {path: x.csv}
            sales: {path: s.csv, colums: {}}
            leads: {path: l.csv, columns: {"Nhân viên": repp}}
    """)
    with pytest.raises(config.ConfigError) as err:
        config.load(p)
    msg = str(err.value)
    assert "curency: unknown key; did you mean 'currency'?" in msg
    assert "report.cell_timeout: expected int, got 'ten'" in msg
    assert "report.jobz: unknown key; did you mean 'jobs'?" in msg
    assert "data.tables.lead: unknown table; did you mean ['leads']?" in msg
    assert "data.tables.sales.colums: unknown key; did you mean 'columns'?" in msg
    assert "'Nhân viên' maps to 'repp', not a column of leads; did you mean ['rep']?" in msg
    assert msg.count("\n- ") == 6


def test_bad_locale(tmp_path):
    with pytest.raises(config.ConfigError, match="locale: must be 'en' or 'vi'"):
        config.load(_write(tmp_path / "w.yml", "locale: fr\n"))
    with pytest.raises(config.ConfigError, match="locale must be"):
        config.open_workbook(None, locale="fr")


def test_layering_overrides_key_by_key(tmp_path, sample_dir):
    _write(tmp_path / "base.yml", f"""
        locale: en
        currency: VND
        data:
          dir: {sample_dir}
          tables:
            sales: {{path: sales.csv}}
        report: {{cell_timeout: 300, kernel: python3}}
    """)
    client = tmp_path / "client"
    client.mkdir()
    _write(client / "workbook.yml", """
        extends: ../base.yml
        locale: vi
        company: {name: "Công ty Hưng Thịnh"}
        report: {cell_timeout: 900}
    """)
    cfg = config.load(client / "workbook.yml")
    assert cfg["locale"] == "vi" and cfg["currency"] == "VND"
    assert cfg["report"] == {**config.DEFAULTS["report"], "cell_timeout": 900, "kernel": "python3"}
    assert cfg["company"]["name"] == "Công ty Hưng Thịnh"
    wb = config.open_workbook(client / "workbook.yml")
    assert wb.source_path("sales") == sample_dir / "sales.csv"


def test_extends_loop_is_an_error(tmp_path):
    _write(tmp_path / "a.yml", "extends: b.yml\n")
    _write(tmp_path / "b.yml", "extends: a.yml\n")
    with pytest.raises(config.ConfigError, match="loops back"):
        config.load(tmp_path / "a.yml")


def test_missing_table_file_is_a_clear_error(tmp_path):
    wb = config.open_workbook(None, data_dir=tmp_path)
    assert not wb.has("leads")
    with pytest.raises(FileNotFoundError, match="leads: no data file found"):
        wb.load("leads")


def test_client_mapping_through_the_config(tmp_path, sample_dir):
    import pandas as pd

    raw = pd.read_csv(sample_dir / "leads.csv", dtype=str).head(50)
    raw = raw.rename(columns={"rep": "Nhân viên", "status": "Kết quả"})
    raw["Kết quả"] = raw["Kết quả"].map({"won": "Thành công", "lost": "Thất bại", "open": "Đang xử lý"})
    raw.to_excel(tmp_path / "crm.xlsx", sheet_name="Leads", index=False)
    _write(tmp_path / "workbook.yml", """
        data:
          dir: .
          tables:
            leads:
              path: crm.xlsx
              sheet: Leads
              columns: {"Nhân viên": rep, "Kết quả": status}
              values: {status: {"Thành công": won, "Thất bại": lost, "Đang xử lý": open}}
    """)
    leads = config.open_workbook(tmp_path / "workbook.yml").load("leads")
    assert set(leads["status"]) <= {"won", "lost", "open"} and "rep" in leads
