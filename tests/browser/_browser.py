"""Helpers shared by the browser tests (fixtures live in conftest.py)."""
from __future__ import annotations

import functools
import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The notebooks under test (another folder of notebooks can be checked the same way).
NOTEBOOKS = Path(os.environ.get("KPI_BROWSER_NOTEBOOKS") or ROOT / "notebooks")
ARTIFACTS = Path(os.environ.get("KPI_BROWSER_ARTIFACTS") or Path(__file__).with_name("artifacts"))
PERIOD = "2026-03"  # the sample's promotion test ends in March: every page of the report runs
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def notebook_paths() -> list[Path]:
    """The notebooks shipped in ``notebooks/`` (the suite is parametrized over whatever exists)."""
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith("."))


@functools.cache
def runner_prints_pdf() -> bool:
    """Whether ``kpi-report run`` offers ``--pdf`` (printing each page with ``kpi_analysis.pdf``)."""
    done = subprocess.run([sys.executable, "-m", "kpi_analysis.cli", "run", "--help"], check=False,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    return "--pdf" in done.stdout


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120]


@dataclass
class Watched:
    """A page plus everything it did that a test may want to assert about."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def watch(context, *, allowed_prefixes: tuple[str, ...]) -> Watched:
    """Open a page in ``context`` that records console errors and blocks requests off the machine.

    Every request whose URL does not start with one of ``allowed_prefixes`` is aborted and listed
    in ``.blocked``: the test then fails on it, so "no request leaves the machine" is checked, not
    assumed.
    """

    def route(r):
        if r.request.url.startswith(allowed_prefixes):
            r.continue_()
        else:
            watched.blocked.append(r.request.url)
            r.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    watched = Watched(page)
    page.on("console", lambda m: watched.console_errors.append(f"{m.text} @ {m.location}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: watched.failed.append(f"{r.url}: {r.failure}"))
    return watched


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, relative: str) -> str:
        return f"{self.url}/lab/tree/{relative}?token={self.token}&reset"


def lab_notebook_copy(source: Path, folder: Path) -> Path:
    """Copy ``source`` into ``folder`` with absolute data/config paths injected as parameters.

    The copy gets papermill's "injected-parameters" cell (exactly what the report runner does), so
    the notebook reads the project's sample data and config from a temporary folder; the original
    in ``notebooks/`` is never opened by JupyterLab and so can never be saved over.
    """
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(source))
    wanted = {"period": PERIOD, "data_dir": str(ROOT / "data" / "sample"),
              "config_path": str(ROOT / "workbook.yml")}
    declared = _declared_parameters(nb)
    params = {k: v for k, v in wanted.items() if k in declared}
    if params:
        nb = parameterize_notebook(nb, params, report_mode=False)
    target = folder / source.name
    nbformat.write(nb, target)
    return target


def _declared_parameters(nb) -> set[str]:
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return set(re.findall(r"^([A-Za-z_]\w*)\s*(?::[^=]*)?=", cell.source, flags=re.MULTILINE))
    return set()


def screenshot(page, artifacts: Path, name: str) -> Path:
    path = artifacts / f"{slug(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
