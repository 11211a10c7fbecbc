"""The runner when things go wrong around the notebooks: a full, read-only or vanished output folder,
SIGTERM and SIGKILL of the runner, a malformed --period, a mistyped --only.

Faults of the disk are injected by patching the writers (``report.write_atomic`` for manifest and
index, papermill's local writer for the executed notebook, ``open`` for the lock file), never with
chmod: these tests run as root too, where a chmod'ed folder stays writable. A patch meant for the
notebook's own writer must reach the worker process, so those tests start workers with "fork".
"""
from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner
from test_report import ROOT, make_notebook, make_workbook  # the small throwaway workbook

from kpi_analysis import cli, config, report

PERIOD = "2026-10"
SLEEP_CELLS = ["import time\ntime.sleep(300)"]


def invoke(*args):
    return CliRunner().invoke(cli.cli, [str(a) for a in args], catch_exceptions=False)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def earlier_report(out: Path) -> tuple[Path, dict]:
    """A complete report of an earlier run, and its bytes, to check that no fault touches it."""
    target = out / PERIOD
    target.mkdir(parents=True)
    (target / "manifest.json").write_text('{"period": "2026-10", "status": "ok", "notebooks": []}\n')
    (target / "index.html").write_text("<p>The October report everyone has read.</p>\n")
    (target / "a_sales.html").write_bytes(b"<p>sales</p>\n")
    return target, snapshot(target)


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def only_one(paths) -> Path:
    paths = list(paths)
    assert len(paths) == 1, paths
    return paths[0]


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# ------------------------------------------------------------------------------------------------
# A full, read-only or vanished output folder: exit 5, one plain line, the earlier report untouched
# ------------------------------------------------------------------------------------------------

def test_disk_full_while_papermill_saves_the_notebook(tmp_path, monkeypatch):
    import papermill.iorw

    cfg = make_workbook(tmp_path)
    out = tmp_path / "out"
    target, before = earlier_report(out)
    monkeypatch.setattr(report, "_START_METHOD", "fork")  # the patch below must reach the worker
    monkeypatch.setattr(papermill.iorw.LocalHandler, "write", enospc)
    result = invoke("run", "--config", cfg, "--period", PERIOD, "--out", out)
    assert result.exit_code == report.EXIT_OUTPUT == 5
    kept = only_one(out.glob(f"{PERIOD}.failed-*"))
    assert last_line(result.stderr) == (
        f"kpi-report: error: cannot write the report for {PERIOD} to {out}: no space left on device; "
        f"this attempt is kept in {kept}; the earlier report in {target} is unchanged.")
    assert "NotJSONError" not in result.output and "Traceback" not in result.output
    assert snapshot(target) == before
    manifest = read_manifest(kept)
    assert manifest["status"] == "failed"
    assert manifest["reason"] == {"code": "no_space", "detail": "[Errno 28] No space left on device"}
    # the first notebook was being saved, the others never started: none of them is called failed
    assert [(e["name"], e["status"]) for e in manifest["notebooks"]] == [
        ("a_sales", "not_finished"), ("b_leads", "not_finished"), ("c_nps", "not_finished")]
    index = (kept / "index.html").read_text(encoding="utf-8")
    assert "This run did not finish: no space left on device. 0 of 3 notebooks finished." in index
    assert not list(out.glob(f".{PERIOD}.building-*"))


def test_disk_full_at_the_end_says_the_manifest_could_not_be_updated(tmp_path, monkeypatch):
    """Also the manifest lifecycle: 'running' from the start, rewritten as each notebook finishes."""
    cfg = make_workbook(tmp_path)
    out = tmp_path / "out"
    target, before = earlier_report(out)
    seen = []

    def look(kind):
        def callback(self, arg):
            build = only_one(out.glob(f".{PERIOD}.building-*"))
            manifest = read_manifest(build)
            seen.append((kind, manifest["status"], [(e["name"], e["status"]) for e in manifest["notebooks"]],
                         "being built" in (build / "index.html").read_text(encoding="utf-8")))
        return callback

    monkeypatch.setattr(cli.Progress, "start", look("start"))
    monkeypatch.setattr(cli.Progress, "finish", look("finish"))
    write = report.write_atomic

    def full_at_the_end(path, text):  # the disk fills up while the final manifest is written
        if path.name == "manifest.json" and '"finished_at": null' not in text:
            enospc()
        write(path, text)

    monkeypatch.setattr(report, "write_atomic", full_at_the_end)
    result = invoke("run", "--config", cfg, "--period", PERIOD, "--out", out, "--only", "a_sales,b_leads")
    assert result.exit_code == report.EXIT_OUTPUT
    kept = only_one(out.glob(f"{PERIOD}.failed-*"))
    assert last_line(result.stderr) == (
        f"kpi-report: error: cannot write the report for {PERIOD} to {out}: no space left on device; "
        f"this attempt is kept in {kept}, but its manifest could not be updated (no space left on device); "
        f"the earlier report in {target} is unchanged.")
    assert snapshot(target) == before
    assert seen == [
        ("start", "running", [("a_sales", "running"), ("b_leads", "pending")], True),
        ("finish", "running", [("a_sales", "ok"), ("b_leads", "pending")], True),
        ("start", "running", [("a_sales", "ok"), ("b_leads", "running")], True),
        ("finish", "running", [("a_sales", "ok"), ("b_leads", "ok")], True),
    ]
    # what the folder says is the last manifest the disk took: both notebooks ran
    assert [e["status"] for e in read_manifest(kept)["notebooks"]] == ["ok", "ok"]
    assert {"a_sales.ipynb", "a_sales.html", "b_leads.ipynb", "b_leads.html"} <= {p.name for p in kept.iterdir()}


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "no space left on device"),
                                         (errno.EROFS, "read-only file system"),
                                         (errno.EDQUOT, "disk quota exceeded")])
def test_manifest_cannot_be_written_at_all(tmp_path, monkeypatch, code, words):
    cfg = make_workbook(tmp_path)
    out = tmp_path / "out"
    target, before = earlier_report(out)

    def fail(path, text):
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(report, "write_atomic", fail)
    result = invoke("run", "--config", cfg, "--period", PERIOD, "--out", out)
    assert result.exit_code == report.EXIT_OUTPUT
    kept = only_one(out.glob(f"{PERIOD}.failed-*"))
    assert last_line(result.stderr) == (
        f"kpi-report: error: cannot write the report for {PERIOD} to {out}: {words}; this attempt is kept in "
        f"{kept}, but its manifest could not be updated ({words}); the earlier report in {target} is unchanged.")
    assert snapshot(target) == before
    assert list(kept.iterdir()) == []  # nothing ran: the first write of the build failed


def test_read_only_output_folder_writes_nothing(tmp_path, monkeypatch):
    cfg = make_workbook(tmp_path)
    out = tmp_path / "out"
    target, before = earlier_report(out)
    real_open = open

    def read_only(path, *args, **kwargs):  # the lock file is the first thing the runner creates there
        if Path(path).parent == out:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(report, "open", read_only, raising=False)
    result = invoke("run", "--config", cfg, "--period", PERIOD, "--out", out)
    assert result.exit_code == report.EXIT_OUTPUT
    assert last_line(result.stderr) == (
        f"kpi-report: error: cannot write the report for {PERIOD} to {out}: read-only file system; "
        f"nothing was written; the earlier report in {target} is unchanged.")
    assert sorted(p.name for p in out.iterdir()) == [PERIOD]
    assert snapshot(target) == before


def test_output_folder_vanishing_mid_run(tmp_path, monkeypatch):
    import shutil

    cfg = make_workbook(tmp_path)
    out = tmp_path / "out"
    earlier_report(out)
    finish = cli.Progress.finish

    def and_delete_everything(self, entry):  # someone cleans up the reports folder while a run goes on
        finish(self, entry)
        shutil.rmtree(out)

    monkeypatch.setattr(cli.Progress, "finish", and_delete_everything)
    result = invoke("run", "--config", cfg, "--period", PERIOD, "--out", out, "--only", "a_sales,b_leads")
    assert result.exit_code == report.EXIT_OUTPUT
    assert last_line(result.stderr) == (
        f"kpi-report: error: cannot write the report for {PERIOD} to {out}: the output folder disappeared; "
        f"nothing could be kept.")
    assert "Traceback" not in result.output


def test_output_faults_are_told_apart_from_other_errors(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    fault = report.output_fault
    assert fault(OSError(errno.ENOSPC, "No space left on device"), build).code == "no_space"
    assert fault(OSError(errno.EROFS, "Read-only file system", str(build / "x")), build).code == "read_only"
    assert fault(PermissionError(errno.EACCES, "Permission denied", str(build / "x")), build).code \
        == "permission_denied"
    # reading an input or starting a kernel is not the output folder's problem
    assert fault(PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "leads.csv")), build) is None
    assert fault(FileNotFoundError(errno.ENOENT, "No such file", "/usr/bin/python9"), build) is None
    assert fault(TimeoutError("Kernel didn't respond in 60 seconds"), build) is None
    # papermill's own message for a vanished folder carries no errno
    gone = fault(FileNotFoundError(f"output folder {tmp_path / 'gone'} doesn't exist."), tmp_path / "gone")
    assert gone.code == "folder_vanished"


# ------------------------------------------------------------------------------------------------
# SIGTERM and SIGKILL of the runner
# ------------------------------------------------------------------------------------------------

def _sleeping_workbook(root: Path) -> Path:
    cfg = make_workbook(root)
    for name in ("d_sleep", "e_sleep"):
        make_notebook(root / "notebooks" / f"{name}.ipynb", SLEEP_CELLS, setup=False)
    return cfg


def _start_runner(cfg: Path, out: Path, tmp: Path) -> subprocess.Popen:
    """``kpi-report run`` in a process of its own, its temp folder (kernel connection files) in ``tmp``."""
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-m", "kpi_analysis.cli", "run", "--config", str(cfg), "--period",
                             PERIOD, "--out", str(out), "--only", "d_sleep,e_sleep", "--jobs", "2"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_kernels(runner: subprocess.Popen, n: int = 2) -> list[psutil.Process]:
    """The runner's descendants once ``n`` kernels are up (workers, kernels, multiprocessing helpers)."""
    deadline = time.monotonic() + 180  # kernel start-up on a busy machine
    while time.monotonic() < deadline:
        assert runner.poll() is None, runner.communicate()
        family = psutil.Process(runner.pid).children(recursive=True)
        with_cmdlines = []
        for proc in family:
            try:
                with_cmdlines.append(" ".join(proc.cmdline()))
            except psutil.Error:
                continue
        if sum("ipykernel_launcher" in c for c in with_cmdlines) >= n:
            return family
        time.sleep(0.2)
    raise AssertionError("the kernels did not start")


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for proc in processes:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.NoSuchProcess:
            continue
    return alive


def _wait_until_gone(processes: list[psutil.Process], deadline_s: float = 10.0) -> float:
    """Seconds until none of ``processes`` runs (zombies count as gone: the init may reap late)."""
    t0 = time.monotonic()
    while _alive(processes) and time.monotonic() - t0 < deadline_s:
        time.sleep(0.05)
    return time.monotonic() - t0


def _kernel_files() -> set[Path]:
    from jupyter_core.paths import jupyter_runtime_dir

    return set(Path(jupyter_runtime_dir()).glob("kernel-*.json"))


def test_sigterm_stops_workers_and_kernels_and_keeps_the_attempt(tmp_path):
    cfg = _sleeping_workbook(tmp_path)
    out = tmp_path / "out"
    target, before = earlier_report(out)
    runtime_before = _kernel_files()
    runner = _start_runner(cfg, out, tmp_path / "tmp")
    family = _wait_for_kernels(runner)
    assert list((tmp_path / "tmp").rglob("*.json"))  # the connection files are in the run's temp folder
    runner.send_signal(signal.SIGTERM)
    _, stderr = runner.communicate(timeout=60)
    assert runner.returncode == report.EXIT_INTERRUPTED == 130
    kept = only_one(out.glob(f"{PERIOD}.failed-*"))
    assert last_line(stderr) == (f"kpi-report: stopped by SIGTERM; this attempt is kept in {kept}; "
                                 f"the earlier report in {target} is unchanged.")
    assert "Traceback" not in stderr
    manifest = read_manifest(kept)
    assert manifest["status"] == "interrupted"
    assert manifest["reason"] == {"code": "sigterm", "detail": "SIGTERM"}
    assert [(e["name"], e["status"]) for e in manifest["notebooks"]] == [
        ("d_sleep", "not_finished"), ("e_sleep", "not_finished")]
    assert "This run did not finish: stopped by SIGTERM." in (kept / "index.html").read_text(encoding="utf-8")
    assert snapshot(target) == before
    assert not list(out.glob(f".{PERIOD}.building-*"))
    assert _wait_until_gone(family) < 10 and not _alive(family)
    assert list((tmp_path / "tmp").rglob("*")) == []  # connection files and the run's scratch folder
    assert _kernel_files() <= runtime_before


def test_sigkill_takes_workers_and_kernels_along_and_the_next_run_says_killed(tmp_path):
    cfg = _sleeping_workbook(tmp_path)
    out = tmp_path / "out"
    target, before = earlier_report(out)
    runtime_before = _kernel_files()
    runner = _start_runner(cfg, out, tmp_path / "tmp")
    family = _wait_for_kernels(runner)
    workers_and_kernels = [p for p in family if "resource_tracker" not in " ".join(p.cmdline())]
    assert len(workers_and_kernels) == 4
    runner.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    runner.communicate(timeout=60)
    _wait_until_gone(family, deadline_s=10.0)
    gone_after = time.monotonic() - killed_at
    assert not _alive(family), [p.cmdline() for p in _alive(family)]
    assert gone_after < 5, f"workers and kernels took {gone_after:.1f} s to end"
    print(f"workers and kernels gone {gone_after:.2f} s after the runner's SIGKILL")
    assert list((tmp_path / "tmp").rglob("*")) == []
    assert _kernel_files() <= runtime_before
    assert snapshot(target) == before
    # the build folder says how far it got; the next run (under the lock) marks it as killed
    build = only_one(out.glob(f".{PERIOD}.building-*"))
    assert read_manifest(build)["status"] == "running"
    [crashed] = report.sweep_stale_builds(out, PERIOD, locale="en")
    assert crashed.name.startswith(f"{PERIOD}.failed-") and crashed.name.endswith("-crashed")
    manifest = read_manifest(crashed)
    assert manifest["status"] == "killed" and manifest["reason"]["code"] == "killed"
    assert [(e["name"], e["status"]) for e in manifest["notebooks"]] == [
        ("d_sleep", "not_finished"), ("e_sleep", "not_finished")]
    index = (crashed / "index.html").read_text(encoding="utf-8")
    assert "This run did not finish: the runner was killed before it finished. 0 of 2 notebooks finished." in index
    assert snapshot(target) == before


def test_a_killed_build_without_a_manifest_gets_one(tmp_path):
    stale = tmp_path / f".{PERIOD}.building-20261101T000000Z-999"
    stale.mkdir()
    [crashed] = report.sweep_stale_builds(tmp_path, PERIOD, locale="vi")
    assert crashed.name == f"{PERIOD}.failed-20261101T000000Z-crashed"
    manifest = read_manifest(crashed)
    assert manifest["status"] == "killed" and manifest["notebooks"] == [] and manifest["locale"] == "vi"
    assert "bị dừng đột ngột" in (crashed / "index.html").read_text(encoding="utf-8")
    # a build that says how it ended is left as it said
    other = tmp_path / f".{PERIOD}.building-20261102T000000Z-998"
    other.mkdir()
    (other / "manifest.json").write_text('{"status": "interrupted"}')
    [moved] = report.sweep_stale_builds(tmp_path, PERIOD)
    assert (moved / "manifest.json").read_text() == '{"status": "interrupted"}'


# ------------------------------------------------------------------------------------------------
# The command line: --period exactly a period, --only suggestions
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["2026-10\n", " 2026-10", "2026-10 ", "2026-1", "2026-10-01", "2026-W43\n"])
def test_period_must_be_exactly_a_period(tmp_path, period):
    cfg = make_workbook(tmp_path)
    result = invoke("run", "--config", cfg, "--period", period)
    assert result.exit_code == report.EXIT_USAGE
    assert last_line(result.stderr) == ("kpi-report: error: --period: period must look like '2026-10' (month), "
                                        "'2026-Q3' (quarter), '2026-W43' (ISO week) or '2026' (year); "
                                        f"got {period!r}.")
    assert not (tmp_path / "reports").exists()


def test_output_folder_that_is_a_file_is_a_usage_error(tmp_path):
    cfg = make_workbook(tmp_path)
    (tmp_path / "reports").write_text("not a folder")  # report.output_dir of the config
    result = invoke("run", "--config", cfg, "--period", PERIOD)
    assert result.exit_code == report.EXIT_USAGE
    assert last_line(result.stderr) == (f"kpi-report: error: the output folder {tmp_path / 'reports'} is a file "
                                        f"(report.output_dir in the config, or --out).")


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


def test_exit_codes_are_documented_in_the_help_and_readme():
    assert report.EXIT_CODES[report.EXIT_OUTPUT].startswith("the output folder cannot be written")
    help_text = " ".join(invoke("--help").stdout.split())
    assert "5 the output folder cannot be written" in help_text and "130 interrupted" in help_text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in report.EXIT_CODES:
        assert f"\n| {code} | " in readme, code
