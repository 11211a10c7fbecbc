"""Fixtures for the browser suite: headless Chromium, a throw-away JupyterLab, a generated report.

The browser is Debian's ``chromium`` (``scripts/install-browser.sh``), driven by the Python
``playwright`` package through ``executable_path``; no browser is downloaded. Without a Chromium
every browser test skips with one clear message; with one, a browser that fails to start is an error.

Screenshots of every page visited go to ``tests/browser/artifacts/`` (git-ignored), or to
``$KPI_BROWSER_ARTIFACTS``.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from _browser import (
    ARTIFACTS,
    LOCAL_SCHEMES,
    NOTEBOOKS,
    PERIOD,
    ROOT,
    Lab,
    free_port,
    lab_notebook_copy,
    notebook_paths,
    runner_prints_pdf,
    watch,
    write_json,
)

from kpi_analysis import pdf


# --------------------------------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def chromium_executable() -> str:
    found = pdf.find_chromium()
    if found is None:
        pytest.skip("browser tests need Chromium and none was found (looked at $KPI_CHROMIUM, "
                    "/usr/bin/chromium and PATH); install it with scripts/install-browser.sh "
                    "(Debian's 'chromium' package)")
    return found


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_executable, args=list(pdf.CHROMIUM_ARGS))
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The screenshot folder, emptied of the previous run's screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in [*ARTIFACTS.glob("*.png"), *ARTIFACTS.glob("*.pdf")]:
        old.unlink()
    return ARTIFACTS


@pytest.fixture()
def offline_page(browser):
    """A page that may load only local files (``file:``/``data:``): a report opened from disk offline."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    yield watch(context, allowed_prefixes=LOCAL_SCHEMES)
    context.close()


# ------------------------------------------------------------------------------------------ JupyterLab
@pytest.fixture(scope="session")
def jupyter_lab(chromium_executable, tmp_path_factory):
    """JupyterLab from the project's environment on a loopback port with a one-off token.

    Config, runtime, data, settings, workspace, IPython and matplotlib folders are all temporary,
    so the run neither reads nor writes the user's ``~/.jupyter`` or ``~/.local/share/jupyter``.
    Notebooks are served from a temporary root holding copies (see :func:`lab_notebook_copy`).
    """
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    (root / "notebooks").mkdir(parents=True)
    for path in notebook_paths():
        lab_notebook_copy(path, root / "notebooks")
    dirs = {name: base / name for name in ("config", "runtime", "data", "settings", "workspaces",
                                           "ipython", "mpl")}
    for d in dirs.values():
        d.mkdir()
    settings = dirs["settings"]
    # Every cell stays in the page (no virtual scrolling), and no news/update check reaches out.
    write_json(settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
               {"windowingMode": "none"})
    write_json(settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
               {"fetchNews": "false", "checkForUpdates": False})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.update({
        "JUPYTER_CONFIG_DIR": str(dirs["config"]), "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]), "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]), "IPYTHONDIR": str(dirs["ipython"]),
        "MPLCONFIGDIR": str(dirs["mpl"]), "JUPYTER_PLATFORM_DIRS": "1", "PYTHONUNBUFFERED": "1",
    })
    port, token = free_port(), secrets.token_hex(16)
    log = base / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", "--allow-root", "--ServerApp.terminals_enabled=False",
           f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--ServerApp.allow_remote_access=False",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.news_url=", "--LabApp.expose_app_in_browser=True"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within 90 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield Lab(url=url, token=token, root=root, log=log)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------- report
@pytest.fixture(scope="session")
def report_dir(chromium_executable, tmp_path_factory) -> Path:
    """A report for ``PERIOD`` generated by the real runner (``kpi-report run``) into a temp folder."""
    if not notebook_paths():
        pytest.fail("no notebooks in notebooks/: nothing to report on")
    out = tmp_path_factory.mktemp("reports")
    cmd = [sys.executable, "-m", "kpi_analysis.cli", "run", "--period", PERIOD, "--out", str(out)]
    if NOTEBOOKS.resolve() != (ROOT / "notebooks").resolve():  # $KPI_BROWSER_NOTEBOOKS: report on those
        config = out.parent / f"{out.name}-workbook.yml"
        config.write_text(f"extends: {json.dumps(str(ROOT / 'workbook.yml'))}\n"
                          f"report:\n  notebooks_dir: {json.dumps(str(NOTEBOOKS))}\n", encoding="utf-8")
        cmd += ["--config", str(config)]
    if runner_prints_pdf():
        cmd.append("--pdf")
    started = time.monotonic()
    done = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True, timeout=1500,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    elapsed = time.monotonic() - started
    folder = out / PERIOD if (out / PERIOD / "index.html").is_file() else out
    if not (folder / "index.html").is_file():
        pytest.fail(f"`kpi-report run` wrote no index.html under {out} (exit {done.returncode}, "
                    f"{elapsed:.0f} s):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    (folder / ".runner-output.txt").write_text(
        f"exit {done.returncode} after {elapsed:.1f} s\n{done.stdout}\n{done.stderr}", encoding="utf-8")
    return folder


