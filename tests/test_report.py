"""The report runner: parameters, execution, failure handling, HTML, index and manifest.

Most tests run small throwaway notebooks (made here with nbformat) on a slice of the sample data, so
they are quick; one end-to-end test runs the real notebooks and skips while they do not exist.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kpi_analysis import report
from kpi_analysis.record import read_records

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
EVIL_LOCATION = '<script>alert("location")</script>'
EVIL_REP = '<script>alert("rep")</script>'
REAL_NOTEBOOKS = ["01_kpi_feasibility", "02_rep_conversion", "03_location_ab_test", "04_nps_segmentation",
                  "05_kpi_scorecard", "06_test_design"]

PARAMS = '''period: str = "2026-10"  # month reported, YYYY-MM
data_dir: str = "../data"  # folder with the canonical tables
config_path: str = "../workbook.yml"  # workbook config
locale: str = ""  # "en" or "vi"; empty = the config's locale
'''
SETUP = '''from kpi_analysis import config
from kpi_analysis.record import record
import matplotlib.pyplot as plt
wb = config.open_workbook(config_path, data_dir=data_dir, locale=locale)'''


def make_notebook(path: Path, cells: list[str], extra_params: str = "", *, setup: bool = True) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(PARAMS + extra_params)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}\nA test notebook."), params,
                *([nbformat.v4.new_code_cell(SETUP)] if setup else []),
                *[nbformat.v4.new_code_cell(c) for c in cells]]
    nbformat.write(nb, path)
    return path


SALES_CELLS = [
    'sales = wb.load("sales")',
    ('by_location = sales.groupby("location", observed=True)["revenue"].sum().sort_values()\n'
     'by_location.to_frame()'),
    'ax = by_location.plot.barh()\nplt.show()',
    'record("smallest_location", by_location.index[0]); record("revenue", float(sales["revenue"].sum()));',
]
LEADS_CELLS = [
    'leads = wb.load("leads")',
    'won = leads[leads["status"] == "won"].groupby("rep", observed=True).size()\nwon.to_frame("won")',
    'record("won", int((leads["status"] == "won").sum())); record("reps", sorted(leads["rep"].unique()));',
]
NPS_CELLS = [
    'from kpi_analysis import nps\nresponses = wb.load("nps_responses")',
    'result = nps.estimate(responses["score"], confidence=confidence)\nresult',
    'record("nps", result);',
]


def _slice_sample(data_dir: Path) -> None:
    """Three months of the sample tables, with a rep and a location named like a script."""
    data_dir.mkdir(parents=True)
    leads = pd.read_csv(SAMPLE / "leads.csv", dtype=str, keep_default_na=False)
    leads = leads[leads["created_at"] >= "2026-08-01"]
    leads.loc[leads["rep"] == "Nguyễn Văn An", "rep"] = EVIL_REP
    leads.to_csv(data_dir / "leads.csv", index=False)
    sales = pd.read_csv(SAMPLE / "sales.csv", dtype=str, keep_default_na=False)
    sales = sales[sales["date"] >= "2026-09-01"]
    sales.loc[sales["location"] == "Hải Phòng - Lê Chân", "location"] = EVIL_LOCATION
    sales.to_csv(data_dir / "sales.csv", index=False)
    responses = pd.read_csv(SAMPLE / "nps_responses.csv", dtype=str, keep_default_na=False)
    responses[responses["responded_at"] >= "2026-08-01"].to_csv(data_dir / "nps_responses.csv", index=False)


def make_workbook(root: Path, *, jobs_yaml: str = "  jobs: []") -> Path:
    """A small workbook: config, three throwaway notebooks, a slice of the sample data."""
    if not (SAMPLE / "leads.csv").exists():
        pytest.skip("sample data not generated")
    _slice_sample(root / "data")
    nbs = root / "notebooks"
    nbs.mkdir()
    make_notebook(nbs / "a_sales.ipynb", SALES_CELLS)
    make_notebook(nbs / "b_leads.ipynb", LEADS_CELLS)
    make_notebook(nbs / "c_nps.ipynb", NPS_CELLS, extra_params="confidence: float = 0.95  # CI level\n")
    (root / "workbook.yml").write_text(
        "company: {name: 'Công ty <b>Thử</b>'}\nlocale: en\ncurrency: VND\n"
        "data:\n  dir: data\n  tables:\n    leads: {path: leads.csv}\n    sales: {path: sales.csv}\n"
        "    nps_responses: {path: nps_responses.csv}\n"
        "report:\n  notebooks_dir: notebooks\n  output_dir: reports\n  cell_timeout: 120\n"
        f"  start_timeout: 120\n  kernel: python3\n{jobs_yaml}\n", encoding="utf-8")
    return root / "workbook.yml"


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """One complete run of the small workbook (no --period: the last complete month, 2026-10)."""
    root = tmp_path_factory.mktemp("wb")
    cfg = make_workbook(root)
    result = report.run(cfg)
    return root, cfg, result


def _normal_manifest(manifest: dict) -> dict:
    """A manifest without what legitimately differs between runs (times, durations, --jobs)."""
    m = json.loads(json.dumps(manifest))
    for key in ("started_at", "finished_at", "duration_s", "jobs"):
        m.pop(key)
    for entry in m["notebooks"]:
        entry.pop("started_at")
        entry.pop("duration_s")
    return m


def _normal_notebook(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["id"], c["cell_type"], c["source"], c.get("execution_count"), c.get("outputs"))
            for c in nb["cells"]]


# ------------------------------------------------------------------------------------------------
# A complete run
# ------------------------------------------------------------------------------------------------

def test_complete_run_writes_every_output(good_run):
    root, _, result = good_run
    assert result.status == "ok" and result.exit_code == report.EXIT_OK
    assert result.report_dir == root / "reports" / "2026-10"  # last complete month of the data
    names = ["a_sales", "b_leads", "c_nps"]
    files = sorted(p.name for p in result.report_dir.iterdir())
    assert files == sorted([f"{n}.{ext}" for n in names for ext in ("ipynb", "html")]
                           + ["index.html", "manifest.json"])
    assert not list((root / "reports").glob(".2026-10.building-*"))  # no build folder left behind
    manifest = json.loads((result.report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and manifest["period"] == "2026-10"
    assert [e["name"] for e in manifest["notebooks"]] == names
    for entry in manifest["notebooks"]:
        assert entry["status"] == "ok" and entry["error"] is None
        assert entry["duration_s"] > 0
        assert entry["parameters"]["period"] == "2026-10"
        assert entry["parameters"]["data_dir"] == str((root / "data").resolve())
        assert entry["parameters"]["config_path"] == str((root / "workbook.yml").resolve())
        assert entry["parameters"]["locale"] == "en"
        assert entry["packages"]["pandas"] == pd.__version__
        assert entry["headline"] == read_records(result.report_dir / entry["outputs"]["ipynb"])
    # fingerprints: sha256 of every input file, as recorded by data.fingerprint
    import hashlib

    leads_fp = manifest["notebooks"][1]["inputs"]["data:leads"]
    assert leads_fp["sha256"] == hashlib.sha256((root / "data" / "leads.csv").read_bytes()).hexdigest()
    assert set(manifest["inputs"]) == {"data:leads", "data:sales", "data:nps_responses", "config"}
    assert manifest["notebooks"][0]["inputs"]["notebook"]["path"].endswith("a_sales.ipynb")


def test_manifest_headline_equals_the_analysis_on_the_same_data(good_run):
    from kpi_analysis import config, nps
    from kpi_analysis.core.results import jsonable

    _, cfg, result = good_run
    manifest = result.manifest
    by_name = {e["name"]: e["headline"] for e in manifest["notebooks"]}
    wb = config.open_workbook(cfg)
    expected = nps.estimate(wb.load("nps_responses")["score"], confidence=0.95).headline()
    assert by_name["c_nps"]["nps"] == jsonable(expected)
    sales = wb.load("sales")
    assert by_name["a_sales"]["revenue"] == pytest.approx(float(sales["revenue"].sum()), rel=1e-12)
    leads = wb.load("leads")
    assert by_name["b_leads"]["won"] == int((leads["status"] == "won").sum())


def test_html_is_code_free_offline_and_has_png_figures(good_run):
    *_, result = good_run
    page = (result.report_dir / "a_sales.html").read_text(encoding="utf-8")
    assert "wb.load" not in page and "groupby" not in page  # no code
    assert not re.search(r"<script", page, re.IGNORECASE)  # no require.js, MathJax, widget loader: nothing to fetch
    assert not re.search(r"""<(link|img|iframe)[^>]+(src|href)=["']?https?:""", page, re.IGNORECASE)
    assert "<style" in page  # CSS embedded
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page)  # the bar chart, embedded (MPLBACKEND-proof)
    assert "recorded smallest_location" not in page  # record() outputs are for the manifest, not the reader
    index = (result.report_dir / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script", index, re.IGNORECASE)
    for name in ("a_sales", "b_leads", "c_nps"):
        assert f'href="{name}.html"' in index


def test_script_in_rep_or_location_name_is_escaped(good_run):
    _, _, result = good_run
    for page in ("a_sales.html", "b_leads.html", "index.html"):
        text = (result.report_dir / page).read_text(encoding="utf-8")
        assert "<script>alert(" not in text, page
    sales_page = (result.report_dir / "a_sales.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;location&quot;)&lt;/script&gt;" in sales_page \
        or "&lt;script&gt;alert(\"location\")&lt;/script&gt;" in sales_page
    leads_page = (result.report_dir / "b_leads.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in leads_page
    index = (result.report_dir / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;location&#34;)&lt;/script&gt;" in index  # smallest_location headline
    assert "Công ty &lt;b&gt;Thử&lt;/b&gt;" in index  # company name from the config, escaped too


def test_jobs_2_gives_the_same_report_as_jobs_1(good_run, tmp_path):
    _, cfg, first = good_run
    # two notebooks (one with a figure, one with an analysis result) in two worker processes
    second = report.run(cfg, out_dir=tmp_path / "parallel", jobs=2, only=["a_sales", "c_nps"])
    assert second.status == "ok"
    a, b = first.report_dir, second.report_dir
    same_jobs = dict(first.manifest, notebooks=[e for e in first.manifest["notebooks"] if e["name"] != "b_leads"])
    assert _normal_manifest(same_jobs) == _normal_manifest(second.manifest)
    for name in ("a_sales", "c_nps"):
        assert (a / f"{name}.html").read_bytes() == (b / f"{name}.html").read_bytes(), name
        assert _normal_notebook(a / f"{name}.ipynb") == _normal_notebook(b / f"{name}.ipynb"), name


# ------------------------------------------------------------------------------------------------
# Failures
# ------------------------------------------------------------------------------------------------

def test_broken_input_fails_only_its_notebook_and_keeps_the_previous_report(tmp_path):
    cfg = make_workbook(tmp_path)
    good = report.run(cfg, period="2026-10", only=["b_leads"])
    assert good.status == "ok"
    before = {p.name: p.read_bytes() for p in good.report_dir.iterdir()}
    # a crashed earlier attempt (killed mid-run) left its build folder behind
    stale = tmp_path / "reports" / ".2026-10.building-20261101T000000Z-999"
    stale.mkdir()
    leads = (tmp_path / "data" / "leads.csv").read_text(encoding="utf-8").splitlines()
    header, row = leads[0].split(","), leads[1].split(",")
    row[header.index("status")] = "maybe"  # not won/lost/open
    (tmp_path / "data" / "leads.csv").write_text("\n".join([leads[0], ",".join(row)] + leads[2:]) + "\n",
                                                 encoding="utf-8")
    result = report.run(cfg, period="2026-10", only=["a_sales", "b_leads"])
    assert result.status == "failed" and result.exit_code == report.EXIT_FAILED
    assert result.failed == ["b_leads"]
    status = {e["name"]: e["status"] for e in result.manifest["notebooks"]}
    assert status == {"a_sales": "ok", "b_leads": "failed"}
    error = next(e for e in result.manifest["notebooks"] if e["name"] == "b_leads")["error"]
    assert error["cell_index"] == 3  # markdown, parameters, setup, then the load cell
    assert error["cell_source"] == 'leads = wb.load("leads")'
    assert error["ename"] == "DataValidationError" and "leads.status" in error["evalue"]
    assert "maybe" in error["evalue"] and error["traceback"]
    # the earlier complete report is untouched; the attempt sits beside it, rendered, failed cell shown
    assert {p.name: p.read_bytes() for p in good.report_dir.iterdir()} == before
    assert result.report_dir.name.startswith("2026-10.failed-")
    failed_page = (result.report_dir / "b_leads.html").read_text(encoding="utf-8")
    assert "kpi-banner" in failed_page and "leads.status" in failed_page
    index = (result.report_dir / "index.html").read_text(encoding="utf-8")
    assert "Failed at cell 3: DataValidationError" in index
    on_disk = json.loads((result.report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["status"] == "failed" and on_disk["notebooks"][1]["error"]["cell_index"] == 3
    # the crashed attempt was moved aside, not deleted and not left as a hidden build folder
    assert not stale.exists()
    assert list((tmp_path / "reports").glob("2026-10.failed-20261101T000000Z-crashed"))


def test_cell_timeout_fails_the_notebook_naming_the_cell(tmp_path):
    cfg = make_workbook(tmp_path)
    make_notebook(tmp_path / "notebooks" / "d_slow.ipynb", ["x = 1", "import time\ntime.sleep(60)"], setup=False)
    result = report.run(cfg, period="2026-10", only=["d_slow"], cell_timeout=3)
    assert result.failed == ["d_slow"]
    error = result.manifest["notebooks"][0]["error"]
    assert error["cell_index"] == 3 and "time.sleep(60)" in error["cell_source"]
    assert error["ename"] == "CellTimeoutError" and "timed out" in error["evalue"]
    index = (result.report_dir / "index.html").read_text(encoding="utf-8")
    assert "Failed at cell 3: CellTimeoutError: A cell timed out while it was being executed, after 3 seconds." \
        in index
    assert not (tmp_path / "reports" / "2026-10").exists()  # never a failed run in place of a report


@pytest.mark.slow
def test_only_replaces_its_notebooks_and_keeps_the_others(tmp_path):
    cfg = make_workbook(tmp_path)
    full = report.run(cfg, period="2026-10", only=["c_nps"])
    html_before = (full.report_dir / "c_nps.html").read_bytes()
    again = report.run(cfg, period="2026-10", only=["a_sales"])
    assert again.status == "ok"
    names = [e["name"] for e in again.manifest["notebooks"]]
    assert names == ["a_sales", "c_nps"]
    carried = again.manifest["notebooks"][1]
    assert carried.get("carried_over") is True
    assert (again.report_dir / "c_nps.html").read_bytes() == html_before


# ------------------------------------------------------------------------------------------------
# Parameters: checked before anything runs
# ------------------------------------------------------------------------------------------------

def _no_run_happened(root: Path) -> bool:
    out = root / "reports"
    return not out.exists() or not [p for p in out.iterdir() if not p.name.endswith(".lock")]


def test_unknown_parameter_is_rejected_before_execution(tmp_path):
    cfg = make_workbook(tmp_path)
    with pytest.raises(report.ParameterError) as err:
        report.run(cfg, period="2026-10", overrides={"confidense": report.CliText("0.9")})
    message = str(err.value)
    assert "confidense" in message and "did you mean 'confidence'" in message
    assert _no_run_happened(tmp_path)


def test_mistyped_job_parameter_names_notebook_parameter_and_type(tmp_path):
    cfg = make_workbook(tmp_path, jobs_yaml=(
        "  jobs:\n    - {name: nps90, notebook: c_nps.ipynb, parameters: {confidence: ninety}}\n"
        "    - {notebook: b_leads.ipynb, parameters: {min_leads: 3}}"))
    with pytest.raises(report.ParameterError) as err:
        report.run(cfg, period="2026-10")
    message = str(err.value)
    assert "c_nps.ipynb (job nps90): parameter 'confidence' must be float" in message
    assert "default 0.95: CI level" in message and "'ninety'" in message
    assert "notebook b_leads.ipynb: unknown parameter 'min_leads'" in message
    assert "It accepts: period (str), data_dir (str), config_path (str), locale (str)" in message
    assert _no_run_happened(tmp_path)


def test_cli_value_is_parsed_for_each_notebooks_declared_type(tmp_path):
    nb = make_notebook(tmp_path / "n.ipynb", [], extra_params=(
        'code: str = "007"  # shop code\nn: int = 3\nshare: float = 0.5\nflag: bool = False\n'
        'by: list = ["region"]  # segment columns\nlimit: int | None = None\nx = 2.5\n'))
    declared = report.notebook_parameters(nb)
    assert declared["limit"].type == "int | None"  # read from the syntax tree (papermill's regex misses it)
    assert declared["x"].type == "float"  # from the literal default
    assert declared["by"].help == "segment columns"
    values = {k: report.CliText(v) for k, v in
              {"code": "007", "n": "007", "share": "1", "flag": "no", "by": '["region", "product"]',
               "limit": "null", "x": "3"}.items()}
    clean, problems = report.check_parameters("n", declared, values)
    assert problems == []
    assert clean == {"code": "007", "n": 7, "share": 1.0, "flag": False, "by": ["region", "product"],
                     "limit": None, "x": 3.0}
    assert type(clean["share"]) is float
    bad = {"n": report.CliText("3.5"), "flag": report.CliText("maybe"), "by": report.CliText("region")}
    _, problems = report.check_parameters("n", declared, bad)
    assert len(problems) == 3
    assert any("'flag' must be bool (default False)" in p for p in problems)


def test_config_values_must_be_plain_json():
    import datetime as dt

    import numpy as np

    declared = {"start": report.Parameter("start", "str", '""', ""),
                "n": report.Parameter("n", "int", "3", ""),
                "flag": report.Parameter("flag", "bool", "False", "")}
    clean, problems = report.check_parameters("j", declared, {"start": dt.date(2026, 2, 1), "n": np.int64(4),
                                                               "flag": np.bool_(False)})
    assert problems == [] and clean == {"start": "2026-02-01", "n": 4, "flag": False}
    assert type(clean["n"]) is int and clean["flag"] is False  # not the truthy string "False"
    _, problems = report.check_parameters("j", declared, {"n": True, "start": object()})
    assert len(problems) == 2 and any("plain JSON value" in p for p in problems)


def test_types_are_described_and_checked():
    def problems(type_name, value):
        return report.check_parameters("j", {"x": report.Parameter("x", type_name, "None", "")}, {"x": value})[1]

    assert report.Parameter("x", 'Literal["region", "product"]', '"region"', "").accepts == 'one of "region", "product"'
    assert not problems("list[str]", ["a", "b"]) and problems("list[str]", ["a", 1])
    assert not problems("Optional[float]", None) and not problems("Optional[float]", 2)
    assert problems("int", True)
    assert report.parse_cli_value("product", 'Literal["region", "product"]') == "product"
    with pytest.raises(ValueError):
        report.parse_cli_value("city", 'Literal["region", "product"]')


def test_notebook_without_common_parameters_or_parameters_cell_is_rejected(tmp_path):
    bare = nbformat.v4.new_notebook()
    bare.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(bare, tmp_path / "bare.ipynb")
    with pytest.raises(report.ReportError, match="no cell tagged 'parameters'"):
        report.notebook_parameters(tmp_path / "bare.ipynb")
    partial = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('period: str = "2026-10"')
    cell.metadata["tags"] = ["parameters"]
    partial.cells = [cell]
    nbformat.write(partial, tmp_path / "partial.ipynb")
    job = report.Job("partial", tmp_path / "partial.ipynb")
    with pytest.raises(report.ParameterError, match=r"lacks \['data_dir', 'config_path', 'locale'\]"):
        report.resolve_parameters([job], common={"period": "2026-10", "data_dir": "d", "config_path": "c",
                                                 "locale": "en"})


def test_bad_period_and_locale_are_usage_errors(tmp_path):
    cfg = make_workbook(tmp_path)
    with pytest.raises(report.ReportError, match="the month must be 01-12"):
        report.run(cfg, period="2026-13")
    with pytest.raises(report.ReportError, match="--locale"):
        report.run(cfg, period="2026-10", locale="fr")
    with pytest.raises(report.ReportError, match="no job named"):
        report.run(cfg, period="2026-10", only=["a_sale"])


def test_default_period_is_the_latest_covered_month_and_a_late_table_is_named(tmp_path):
    from kpi_analysis import config

    cfg = make_workbook(tmp_path)
    assert report.last_complete_month(config.open_workbook(cfg)) == "2026-10"
    sales = pd.read_csv(tmp_path / "data" / "sales.csv", dtype=str, keep_default_na=False)
    sales[sales["date"] <= "2026-10-30"].to_csv(tmp_path / "data" / "sales.csv", index=False)
    # still October (leads and NPS cover it): a late sales export is refused, not an older month published
    assert report.last_complete_month(config.open_workbook(cfg)) == "2026-10"
    with pytest.raises(report.CoverageRefused, match=r"sales runs from 2026-09-01 to 2026-10-30") as err:
        report.run(cfg)
    assert err.value.exit_code == report.EXIT_COVERAGE == 4
    assert not (tmp_path / "reports" / "2026-10").exists()


def test_swap_replaces_a_complete_report_in_one_step(tmp_path):
    target, build = tmp_path / "2026-10", tmp_path / ".2026-10.building-x"
    target.mkdir()
    (target / "manifest.json").write_text("old")
    build.mkdir()
    (build / "manifest.json").write_text("new")
    report.swap_into_place(build, target)
    assert (target / "manifest.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-10"]


def test_locked_period_is_refused(tmp_path):
    pytest.importorskip("fcntl")
    held, again = report.period_lock(tmp_path, "2026-10"), report.period_lock(tmp_path, "2026-10")
    with held, pytest.raises(report.ReportLocked), again:
        pass


# ------------------------------------------------------------------------------------------------
# End to end on the real notebooks
# ------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_full_report_on_the_real_notebooks(tmp_path):
    """The real notebooks on the sample data with a rep and a location named like a script tag."""
    missing = [n for n in REAL_NOTEBOOKS if not (ROOT / "notebooks" / f"{n}.ipynb").exists()]
    if missing:
        pytest.skip(f"notebooks not written yet: {missing}")
    data = tmp_path / "data"
    data.mkdir()
    for f in SAMPLE.iterdir():
        if f.suffix == ".csv":
            text = f.read_text(encoding="utf-8")
            text = text.replace("Nguyễn Văn An", EVIL_REP.replace('"', "'"))
            text = text.replace("Hải Phòng - Lê Chân", EVIL_LOCATION.replace('"', "'"))
            (data / f.name).write_text(text, encoding="utf-8")
    # March 2026: the sample's promotion test ends then, so every page runs (in October page 03 is skipped)
    result = report.run(ROOT / "workbook.yml", data_dir=data, out_dir=tmp_path / "reports", jobs=2,
                        period="2026-03")
    failures = {e["name"]: e["error"] for e in result.manifest["notebooks"] if e["status"] != "ok"}
    assert result.status == "ok", failures
    assert result.report_dir.name == "2026-03"
    assert [e["name"] for e in result.manifest["notebooks"]] == REAL_NOTEBOOKS
    for entry in result.manifest["notebooks"]:
        assert entry["headline"], f"{entry['name']} records no headline numbers"
        page = (result.report_dir / entry["outputs"]["html"]).read_text(encoding="utf-8")
        assert not re.search(r"<script", page, re.IGNORECASE), entry["name"]
        assert "<script>alert(" not in page
        assert re.search(r'src="data:image/png;base64,', page), f"{entry['name']} has no figure"
    pages = "".join(p.read_text(encoding="utf-8") for p in result.report_dir.glob("*.html"))
    assert "&lt;script&gt;alert(" in pages  # the names are shown, as text
    # the recorded rep comparison is what reps.compare gives on the same data with the same parameters
    from kpi_analysis import config, reps
    from kpi_analysis.core.results import jsonable

    entry = next(e for e in result.manifest["notebooks"] if e["name"] == "02_rep_conversion")
    declared = report.notebook_parameters(ROOT / "notebooks" / "02_rep_conversion.ipynb")
    p = {name: ast.literal_eval(spec.default) for name, spec in declared.items()} | entry["parameters"]
    leads = config.open_workbook(ROOT / "workbook.yml", data_dir=data).load("leads")
    counts = reps.counts(leads, strata=p["strata"], period=p["persistence"], maturity_days=p["maturity_days"])
    expected = reps.compare(counts, end=p["period"], window=p["window"], maturity_days=p["maturity_days"],
                            confidence=p["confidence"], adjust=p["adjust"], min_leads=p["min_leads"])
    assert entry["headline"]["rep_comparison"] == jsonable(expected.headline())
    assert EVIL_REP.replace('"', "'") in entry["headline"]["rep_comparison"]["classes"]["within_range"]


@pytest.mark.slow
def test_a_hung_notebook_is_stopped_and_the_others_still_run(tmp_path):
    import psutil

    cfg = make_workbook(tmp_path)
    make_notebook(tmp_path / "notebooks" / "b_leads.ipynb", ["import time\ntime.sleep(600)"])
    text = cfg.read_text(encoding="utf-8").replace("  cell_timeout: 120\n",
                                                   "  cell_timeout: 900\n  notebook_timeout: 45\n")
    cfg.write_text(text, encoding="utf-8")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = report.run(cfg, period="2026-10", jobs=2)
    assert result.exit_code == report.EXIT_FAILED and result.failed == ["b_leads"]
    entry = {e["name"]: e for e in result.manifest["notebooks"]}
    assert entry["b_leads"]["error"]["stage"] == "timeout"
    assert "45 s" in entry["b_leads"]["error"]["evalue"]
    assert entry["a_sales"]["status"] == entry["c_nps"]["status"] == "ok"
    left = {p.pid for p in psutil.Process().children(recursive=True)} - before
    assert not [p for p in left if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


# ------------------------------------------------------------------ promotion pages: tests ending in the period
@pytest.mark.parametrize("period, skipped", [("2026-10", True), ("2026-03", False), ("2026-02", True),
                                             ("2026-Q1", False), ("2026", False), ("2026-W13", True),
                                             ("2026-W14", False)])
def test_the_promotion_page_needs_a_test_ending_in_the_period(period, skipped):
    """The sample's test (two shops swapping in February and March) ends on 31 March 2026: reports whose
    period holds that day show it; others skip the page, saying when the last test ended."""
    why = report.no_test_ended(SAMPLE / "promotions.csv", period)
    assert (why is not None) == skipped
    if skipped:
        assert why == {"code": "no_test_ended", "file": "promotions.csv", "period": period, "last": "2026-03-31"}
        assert "No promotion test ended in" in report.skip_text(why, "en")
        assert "Không có thử nghiệm khuyến mãi nào kết thúc" in report.skip_text(why, "vi")


def test_tests_are_told_apart_by_their_test_column(tmp_path):
    schedule = tmp_path / "promotions.csv"
    schedule.write_text("test,location,start,end\nT1,A,2026-02-01,2026-02-28\nT1,B,2026-03-01,2026-03-31\n"
                        "T2,A,2026-09-01,2026-09-30\nT2,C,2026-10-01,2026-10-15\n", encoding="utf-8")
    assert report.no_test_ended(schedule, "2026-10") is None  # T2 ends on 15 October
    assert report.no_test_ended(schedule, "2026-03") is None  # T1 ends on 31 March
    assert report.no_test_ended(schedule, "2026-09")["last"] == "2026-10-15"
    requires = {"ended_in_period": ["schedule_file"]}

    class Book:
        data_dir = tmp_path

        def has(self, table):
            return True

    assert report.skip_reason(requires, Book(), {"schedule_file": "promotions.csv", "period": "2026-09"})["code"] \
        == "no_test_ended"
    assert report.skip_reason(requires, Book(), {"schedule_file": "promotions.csv", "period": "2026-10"}) is None
    # dates that read both ways follow the job's schedule_dayfirst: 01/10/2026..12/10/2026 is October day first
    schedule.write_text("location,start,end\nA,01/10/2026,12/10/2026\n", encoding="utf-8")
    day_first = {"schedule_file": "promotions.csv", "period": "2026-10", "schedule_dayfirst": "true"}
    assert report.skip_reason(requires, Book(), day_first) is None
    assert report.skip_reason(requires, Book(), day_first | {"schedule_dayfirst": False})["last"] == "2026-12-10"
    assert report.skip_reason(requires, Book(), day_first | {"schedule_dayfirst": ""}) is None  # the page says why


def test_a_kernel_that_never_ran_a_cell_is_started_once_more(tmp_path, monkeypatch):
    """A kernel whose port another process took before it bound (seen with two runs on one machine)
    never runs a cell: the notebook is started once more, and the manifest says how many starts it took."""
    import papermill

    path = make_notebook(tmp_path / "tiny.ipynb", ['from kpi_analysis.record import record\nrecord("x", 1)'],
                         setup=False)
    task = {"name": "tiny", "notebook": str(path), "build_dir": str(tmp_path / "build"), "parameters": {},
            "kernel": "python3", "cell_timeout": 60, "start_timeout": 60, "locale": "en", "period": "2026-10"}
    (tmp_path / "build").mkdir()
    real, calls = papermill.execute_notebook, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel didn't respond in 120 seconds")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    entry = report.execute_job(task)
    assert entry["status"] == "ok" and entry["kernel"]["starts"] == 2 and len(calls) == 2
    assert entry["headline"] == {"x": 1}

    def dead(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", dead)
    entry = report.execute_job(task)
    assert entry["status"] == "failed" and len(calls) == report.KERNEL_STARTS == 2
    assert entry["error"]["stage"] == "kernel" and entry["kernel"]["starts"] == 2
