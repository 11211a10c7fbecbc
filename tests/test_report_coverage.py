"""The runner and the data it reports on: months the data do not cover, tables a client does not have.

A monthly job that runs before the export lands must not publish the month as complete; a client
with only some tables gets the notebooks that have data and a note for the others.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from test_report import SALES_CELLS, make_notebook, make_workbook  # the small workbook (Aug-Oct 2026)

from kpi_analysis import cli, report


def _requires(notebook, requires: dict) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["metadata"]["kpi_workbook"] = {"requires": requires}
    notebook.write_text(json.dumps(nb), encoding="utf-8")


def test_a_month_after_the_data_exits_4_naming_each_table_and_runs_nothing(tmp_path):
    cfg = make_workbook(tmp_path)
    result = CliRunner().invoke(cli.cli, ["run", "--config", str(cfg), "--period", "2027-06"])
    assert result.exit_code == 4, result.output
    assert "the data does not cover 2027-06" in result.stderr
    assert "leads runs from 2026-08-01 to 2026-10-31 (complete months 2026-08 to 2026-10)" in result.stderr
    assert "--allow-partial" in result.stderr
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").glob("2027-06*"))


def test_a_month_before_the_data_is_refused_too(tmp_path):
    cfg = make_workbook(tmp_path)
    result = CliRunner().invoke(cli.cli, ["run", "--config", str(cfg), "--period", "2026-07"])
    assert result.exit_code == 4 and "does not cover 2026-07" in result.stderr


@pytest.mark.slow
def test_allow_partial_publishes_and_every_page_says_which_tables_are_partial(tmp_path):
    cfg = make_workbook(tmp_path)
    sales = pd.read_csv(tmp_path / "data" / "sales.csv", dtype=str, keep_default_na=False)
    sales[sales["date"] <= "2026-10-20"].to_csv(tmp_path / "data" / "sales.csv", index=False)
    refused = CliRunner().invoke(cli.cli, ["run", "--config", str(cfg), "--period", "2026-10"])
    assert refused.exit_code == 4 and "sales runs from 2026-09-01 to 2026-10-20" in refused.stderr
    result = report.run(cfg, period="2026-10", only=["a_sales", "c_nps"], allow_partial=True)
    assert result.status == "ok"
    coverage = result.manifest["coverage"]
    assert coverage["partial"] == ["sales"] and "leads" in coverage["complete"]
    assert coverage["tables"]["sales"]["last"] == "2026-10-20"
    on_disk = json.loads((result.report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["coverage"]["partial"] == ["sales"]
    notice = "Partial data, published on purpose (--allow-partial): sales (data to Oct 20, 2026)"
    assert notice in (result.report_dir / "index.html").read_text(encoding="utf-8")
    for page in ("a_sales.html", "c_nps.html"):
        assert notice in (result.report_dir / page).read_text(encoding="utf-8")


@pytest.mark.slow
def test_allow_partial_from_the_config(tmp_path):
    cfg = make_workbook(tmp_path, jobs_yaml="  jobs: [{notebook: c_nps.ipynb}]\n  allow_partial: true")
    result = report.run(cfg, period="2026-11")
    assert result.status == "ok" and set(result.manifest["coverage"]["partial"]) == {"leads", "sales",
                                                                                     "nps_responses"}


@pytest.mark.slow
def test_notebooks_without_their_table_are_skipped_and_the_rest_is_published(tmp_path):
    cfg = make_workbook(tmp_path)
    _requires(tmp_path / "notebooks" / "a_sales.ipynb", {"tables": ["sales"]})
    _requires(tmp_path / "notebooks" / "c_nps.ipynb", {"tables": ["nps_responses"]})
    (tmp_path / "data" / "nps_responses.csv").unlink()
    # the table was configured in workbook.yml: a configured file that is gone is an error, not a skip
    gone = CliRunner().invoke(cli.cli, ["run", "--config", str(cfg), "--period", "2026-10"])
    assert gone.exit_code == 2 and "data.tables.nps_responses.path" in gone.stderr
    text = cfg.read_text(encoding="utf-8").replace("    nps_responses: {path: nps_responses.csv}\n", "")
    cfg.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli.cli, ["run", "--config", str(cfg), "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "c_nps skipped: No data for it: the table(s) nps_responses are not in the workbook." in result.stderr
    manifest = json.loads((tmp_path / "reports" / "2026-10" / "manifest.json").read_text(encoding="utf-8"))
    status = {e["name"]: e["status"] for e in manifest["notebooks"]}
    assert status == {"a_sales": "ok", "b_leads": "ok", "c_nps": "skipped"}
    assert manifest["coverage"]["missing"] == ["nps_responses", "client_activity", "competitor_prices"]
    index = (tmp_path / "reports" / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "skipped" in index and "nps_responses are not in the workbook" in index
    # the headline counts what ran: a skipped page is not said to have run
    assert "2 of 3 notebooks ran; 1 had nothing to report for this period" in index
    assert "All 3 notebooks ran" not in index


def test_a_missing_schedule_file_skips_the_promotion_notebook(tmp_path):
    cfg = make_workbook(tmp_path)
    nb = make_notebook(tmp_path / "notebooks" / "a_sales.ipynb", SALES_CELLS,
                       extra_params='schedule_file: str = "promotions.csv"  # promotion schedule in data_dir\n')
    _requires(nb, {"tables": ["sales"], "file_parameters": ["schedule_file"]})
    result = report.run(cfg, period="2026-10", only=["a_sales", "b_leads"])
    entry = {e["name"]: e for e in result.manifest["notebooks"]}
    assert entry["a_sales"]["status"] == "skipped" and entry["a_sales"]["skip"]["code"] == "missing_file"
    assert entry["b_leads"]["status"] == "ok" and result.status == "ok"
