"""The runner when things go wrong around the notebooks: a malformed --period, a mistyped --only."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from test_report import ROOT, make_workbook  # the small throwaway workbook

from kpi_analysis import cli, config, report

PERIOD = "2026-10"


def invoke(*args):
    return CliRunner().invoke(cli.cli, [str(a) for a in args], catch_exceptions=False)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


# ------------------------------------------------------------------------------------------------
# The command line: --period exactly YYYY-MM, --only suggestions
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["2026-10\n", " 2026-10", "2026-10 ", "2026-1", "2026-10-01", "2026-00"])
def test_period_must_be_exactly_yyyy_mm(tmp_path, period):
    cfg = make_workbook(tmp_path)
    result = invoke("run", "--config", cfg, "--period", period)
    assert result.exit_code == report.EXIT_USAGE
    assert last_line(result.stderr) == (f"kpi-report: error: --period must be a month as YYYY-MM (e.g. 2026-10); "
                                        f"got {period!r}.")
    assert not (tmp_path / "reports").exists()


def test_only_suggests_jobs_containing_the_name():
    settings = config.load(ROOT / "workbook.yml")
    with pytest.raises(report.ReportError) as err:
        report.plan_jobs(settings, only=["nps"])
    assert str(err.value).startswith("--only: no job named 'nps' (did you mean 04_nps_segmentation?); the jobs are [")
    with pytest.raises(report.ReportError, match=r"'rep_conversoin' \(did you mean 02_rep_conversion\?\)"):
        report.plan_jobs(settings, only=["rep_conversoin"])  # no substring: the closest spelling


def test_only_with_unknown_names_on_the_command_line(tmp_path):
    cfg = make_workbook(tmp_path)
    result = invoke("run", "--config", cfg, "--period", PERIOD, "--only", "SALES,zzz")
    assert result.exit_code == report.EXIT_USAGE
    assert last_line(result.stderr) == ("kpi-report: error: --only: no job named 'SALES' (did you mean a_sales?), "
                                        "'zzz'; the jobs are ['a_sales', 'b_leads', 'c_nps'].")
