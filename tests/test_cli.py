"""The ``kpi-report`` command: exit codes, messages, progress lines, params/validate/sample-data."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_report import make_workbook  # the small throwaway workbook

from kpi_analysis import cli, report


def invoke(*args: str):
    return CliRunner().invoke(cli.cli, [str(a) for a in args], catch_exceptions=False)


def _break_leads(root: Path) -> None:
    lines = (root / "data" / "leads.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("status")] = "maybe"
    (root / "data" / "leads.csv").write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n",
                                             encoding="utf-8")


def test_run_exit_codes_progress_and_output_path(tmp_path):
    cfg = make_workbook(tmp_path)
    ok = invoke("run", "--config", cfg, "--period", "2026-10", "--only", "b_leads")
    assert ok.exit_code == 0, ok.output
    target = tmp_path / "reports" / "2026-10"
    assert ok.stdout.strip().splitlines()[-1] == str(target)  # the report folder, for scripts
    log = ok.stderr.splitlines()
    assert any(line.endswith("plan: 1 notebook(s), one at a time: b_leads") for line in log)
    assert any(" ok b_leads " in line for line in log)  # one plain log line per finished notebook
    before = (target / "manifest.json").read_bytes()

    _break_leads(tmp_path)
    failed = invoke("run", "--config", cfg, "--period", "2026-10", "--only", "b_leads")
    assert failed.exit_code == report.EXIT_FAILED
    kept = Path(failed.stdout.strip().splitlines()[-1])
    assert kept.name.startswith("2026-10.failed-") and (kept / "b_leads.html").exists()
    assert "FAILED b_leads" in failed.stderr and "Failed at cell 3: DataValidationError" in failed.stderr
    assert f"the earlier report in {target} is unchanged" in failed.stderr
    assert (target / "manifest.json").read_bytes() == before


def test_run_rejects_bad_parameters_with_exit_code_2_before_running(tmp_path):
    cfg = make_workbook(tmp_path)
    result = invoke("run", "--config", cfg, "--period", "2026-10", "-p", "confidence", "high",
                    "-p", "c_nps:treshold", "1")
    assert result.exit_code == report.EXIT_USAGE
    assert "notebook c_nps.ipynb: parameter 'confidence' must be float (default 0.95: CI level); " \
           "got 'high' on the command line." in result.stderr
    assert "notebook c_nps.ipynb: unknown parameter 'treshold'" in result.stderr
    assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").glob("2026-10*"))
    runner_set = invoke("run", "--config", cfg, "--period", "2026-10", "-p", "period", "2026-09")
    assert runner_set.exit_code == report.EXIT_USAGE and "use --period" in runner_set.stderr
    unknown = invoke("run", "--config", cfg, "--period", "2026-10", "-p", "confidense", "0.9")
    assert unknown.exit_code == report.EXIT_USAGE
    assert "no notebook in this run declares a parameter 'confidense'; did you mean 'confidence'?" \
        in unknown.stderr


@pytest.mark.parametrize("args, message", [
    (["--period", "2026-13"], "the month must be 01-12"),
    (["--period", "2026-W54"], "ISO weeks 01-53"),
    (["--period", "Oct 2026"], "'2026-10' (month), '2026-Q3' (quarter), '2026-W43' (ISO week) or '2026' (year)"),
    (["--period", "2026-10", "--cadence", "week"], "is a month, not a week"),
    (["--only", "nope"], "no job named 'nope'"),
    (["--jobs", "0"], "--jobs"),
    (["--locale", "fr"], "--locale"),
])
def test_run_usage_errors_exit_2(tmp_path, args, message):
    cfg = make_workbook(tmp_path)
    result = invoke("run", "--config", cfg, *args)
    assert result.exit_code == report.EXIT_USAGE
    assert message in result.output


def test_missing_config_named_explicitly_is_an_error(tmp_path):
    result = invoke("run", "--config", tmp_path / "nope.yml", "--period", "2026-10")
    assert result.exit_code == report.EXIT_USAGE
    assert "nope.yml" in result.stderr


def test_params_lists_names_types_defaults_and_help(tmp_path):
    cfg = make_workbook(tmp_path)
    table = invoke("params", "c_nps", "--config", cfg)
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0] == "c_nps.ipynb:"
    confidence = next(line for line in lines if line.strip().startswith("confidence"))
    assert confidence.split()[:3] == ["confidence", "float", "0.95"] and confidence.endswith("CI level")
    locale = next(line for line in lines if line.strip().startswith("locale"))
    assert "empty = the config's locale" in locale  # a help text papermill's own parser cannot read
    as_json = json.loads(invoke("params", tmp_path / "notebooks" / "c_nps.ipynb", "--json").stdout)
    assert [p["name"] for p in as_json] == ["period", "data_dir", "config_path", "locale", "confidence"]
    assert as_json[4]["default"] == "0.95" and as_json[0]["set_by_runner"] is True
    missing = invoke("params", "c_npx", "--config", cfg)
    assert missing.exit_code == report.EXIT_USAGE and "c_nps" in missing.stderr


def test_validate_lists_every_problem(tmp_path):
    cfg = make_workbook(tmp_path)
    good = invoke("validate", "--config", cfg)
    assert good.exit_code == 0, good.output
    assert "leads: ok" in good.stdout and "no problems found." in good.stdout
    _break_leads(tmp_path)
    sales = tmp_path / "data" / "sales.csv"
    sales.write_text(sales.read_text(encoding="utf-8").replace("revenue", "revenu", 1), encoding="utf-8")
    bad = invoke("validate", "--config", cfg)
    assert bad.exit_code == report.EXIT_USAGE
    assert "leads: PROBLEM" in bad.stdout and "maybe" in bad.stdout
    assert "sales: PROBLEM" in bad.stdout and "revenu" in bad.stdout  # both tables, not only the first
    assert "2 problem(s) found." in bad.stderr


def test_sample_data_writes_a_valid_data_set(tmp_path):
    out = tmp_path / "sample"
    result = invoke("sample-data", "--seed", "7", "--out", out)
    assert result.exit_code == 0, result.output
    assert {"leads.csv", "sales.csv", "nps_responses.csv", "kpi_targets.csv"} <= {p.name for p in out.iterdir()}
    check = invoke("validate", "--data", out, "--config", Path(__file__).parents[1] / "workbook.yml")
    assert "leads: ok" in check.stdout and "sales: ok" in check.stdout, check.output


def test_progress_on_a_terminal_is_one_line_per_notebook():
    stream = io.StringIO()
    progress = cli.Progress(stream, tty=True, jobs=2)
    progress.plan("2026-10", ["a", "b"])
    progress.start("a")
    progress.finish({"name": "a", "status": "ok", "duration_s": 1.25})
    progress.finish({"name": "b", "status": "failed", "duration_s": 3.0,
                     "error": {"cell_index": 4, "ename": "ValueError", "evalue": "leads.status ..."}})
    lines = [line.split("\r\x1b[K")[-1] for line in stream.getvalue().split("\n")]
    assert lines[0] == "kpi-report 2026-10: 2 notebook(s), 2 at a time"
    assert lines[1].startswith("[1/2]") and lines[1].endswith("a  1.2 s")
    assert lines[2].startswith("[2/2]") and lines[2].endswith("b  3.0 s  Failed at cell 4: ValueError: leads.status ...")


def test_console_script_entry_point_and_exit_code_table():
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    assert set(report.EXIT_CODES) == {0, 1, 2, 3, 4, 5, 130}
    help_text = invoke("--help").stdout
    for code in ("0 ok", "1 a notebook failed", "2 usage/config/parameter/data error", "3 another run",
                 "4 the data do not cover the period", "5 the output folder cannot be written", "130 interrupted"):
        assert code in help_text.replace("\n", " ").replace("  ", " ")
