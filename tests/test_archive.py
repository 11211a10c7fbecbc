"""Report cadences and the archive: weeks, quarters and years as periods; every report in one place.

The runner side of the cadences, on the small throwaway workbook (its notebooks do not care which
kind of period they get); what each analysis answers for a week, a quarter or a year is tested with
the analyses and the real notebooks.
"""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from test_report import SAMPLE, make_notebook, make_workbook

from kpi_analysis import archive, cli, report

CARD_CELLS = [
    'sales = wb.load("sales")',
    ('import pandas as pd\n'
     'from kpi_analysis.core.periods import parse_period\n'
     'p = parse_period(period)\n'
     'total = float(sales.loc[(sales["date"] >= p.start) & (sales["date"] <= p.end), "revenue"].sum())'),
    ('record("answer", f"Shop sales {total:,.0f} in {period}.")\n'
     'record("scorecard", {"period": period})\n'
     'record("revenue", total); record("revenue_status", "green" if total > 5e8 else "red")'),
]


@pytest.fixture()
def workbook(tmp_path):
    """The throwaway workbook with one scorecard-like notebook, on the whole sample (Nov 2023 - Oct 2026)."""
    cfg = make_workbook(tmp_path, jobs_yaml="  jobs: [{notebook: card.ipynb}]")
    make_notebook(tmp_path / "notebooks" / "card.ipynb", CARD_CELLS)
    for table in ("leads", "sales", "nps_responses"):
        shutil.copy(SAMPLE / f"{table}.csv", tmp_path / "data" / f"{table}.csv")
    return cfg


def _run(cfg, *args):
    return CliRunner().invoke(cli.cli, ["run", "--config", str(cfg), *args])


@pytest.mark.slow
def test_week_quarter_and_year_periods_and_the_archive_lists_them(workbook, tmp_path):
    for period in ("2026-W43", "2026-10", "2026-Q3"):
        result = _run(workbook, "--period", period)
        assert result.exit_code == 0, result.output
    out = tmp_path / "reports"
    assert {p.name for p in out.iterdir() if p.is_dir()} >= {"2026-W43", "2026-10", "2026-Q3"}
    week = json.loads((out / "2026-W43" / "manifest.json").read_text(encoding="utf-8"))
    assert week["period"] == "2026-W43" and week["notebooks"][0]["parameters"]["period"] == "2026-W43"
    answer = week["notebooks"][0]["headline"]["answer"]
    assert answer.startswith("Shop sales ") and answer.endswith(" in 2026-W43.")
    page = (out / "index.html").read_text(encoding="utf-8")
    for href in ("2026-W43/index.html", "2026-10/index.html", "2026-Q3/index.html"):
        assert f'href="{href}"' in page
    assert "week 43 of 2026" in page and "Q3 2026" in page and "October 2026" in page
    assert "Key KPIs, last 1 monthly reports" in page and "Shop sales" in page
    assert page.index("2026-W43/index.html") < page.index("2026-Q3/index.html")  # newest first


@pytest.mark.slow
def test_year_beyond_the_data_exits_4_and_allow_partial_publishes_it_marked_partial(workbook, tmp_path):
    refused = _run(workbook, "--period", "2026")
    assert refused.exit_code == 4 and "does not cover 2026" in refused.stderr
    result = _run(workbook, "--period", "2026", "--allow-partial")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "reports" / "2026" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["coverage"]["partial"] and "2026" in manifest["coverage"]["period"]
    archive_page = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "published, partial data" in archive_page


@pytest.mark.slow
def test_cadence_picks_the_last_complete_period_of_its_kind(workbook, tmp_path):
    result = _run(workbook, "--cadence", "week")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "2026-W43").is_dir()  # the data end on Saturday 31 October: W44 is not complete
    assert _run(workbook, "--cadence", "quarter").exit_code == 0
    assert (tmp_path / "reports" / "2026-Q3").is_dir()


def test_failed_runs_are_listed_apart_and_never_as_published(workbook, tmp_path):
    make_notebook(tmp_path / "notebooks" / "card.ipynb", ["raise RuntimeError('boom')"])
    assert _run(workbook, "--period", "2026-09").exit_code == 1
    published, failed = archive.list_reports(tmp_path / "reports")
    assert published == [] and [f["period"] for f in failed] == ["2026-09"]
    page = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Failed builds (not published)" in page and "No report yet." in page


@pytest.mark.slow
def test_each_report_links_to_the_previous_one_of_its_kind(workbook, tmp_path):
    assert _run(workbook, "--period", "2026-09").exit_code == 0
    assert _run(workbook, "--period", "2026-W43").exit_code == 0
    assert _run(workbook, "--period", "2026-10").exit_code == 0
    october = json.loads((tmp_path / "reports" / "2026-10" / "manifest.json").read_text(encoding="utf-8"))
    assert october["previous"]["period"] == "2026-09"  # the week in between is another kind
    index = (tmp_path / "reports" / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert 'href="../2026-09/index.html"' in index and "Previous report: September 2026" in index
    assert 'href="../index.html"' in index


@pytest.mark.slow
def test_retention_keeps_what_report_keep_says_after_a_successful_run_only(workbook, tmp_path):
    text = workbook.read_text(encoding="utf-8") + "  keep: {month: 2, failed: 1}\n"
    workbook.write_text(text, encoding="utf-8")
    for period in ("2026-08", "2026-09", "2026-W42"):
        assert _run(workbook, "--period", period).exit_code == 0
    card = tmp_path / "notebooks" / "card.ipynb"
    good = card.read_bytes()
    make_notebook(card, ["raise RuntimeError('boom')"])
    assert _run(workbook, "--period", "2026-10").exit_code == 1
    assert _run(workbook, "--period", "2026-10").exit_code == 1
    out = tmp_path / "reports"
    assert len(list(out.glob("2026-10.failed-*"))) == 2  # a failed run removes nothing
    assert (out / "2026-08").is_dir()
    card.write_bytes(good)
    assert _run(workbook, "--period", "2026-10").exit_code == 0
    names = {p.name for p in out.iterdir() if p.is_dir()}
    assert {"2026-09", "2026-10", "2026-W42"} <= names and "2026-08" not in names  # two months, every week
    assert len(list(out.glob("2026-10.failed-*"))) == 1


def test_bad_keep_settings_are_config_errors(workbook):
    workbook.write_text(workbook.read_text(encoding="utf-8") + "  keep: {months: 2}\n", encoding="utf-8")
    result = _run(workbook, "--period", "2026-10")
    assert result.exit_code == 2 and "report.keep.months: unknown key; did you mean 'month'?" in result.stderr


def test_the_period_parser_is_one_public_function():
    from kpi_analysis.core.periods import parse_period

    assert [str(parse_period(p)) for p in ("2026-10", "2026q3", "2026-W43", "2025")] == \
        ["2026-10", "2026-Q3", "2026-W43", "2025"]
    assert report.last_complete_month is not None and callable(report.last_complete_period)
