#!/usr/bin/env python
"""Screenshots of the sample report for the README: the index in English on a laptop (1280 px),
the index in Vietnamese on a phone (390 px) and the scorecard page in English (1280 px).

Runs ``kpi-report run`` on the bundled sample for ``--period`` once per language into a temporary
folder (or uses the report folders given with ``--report-en`` / ``--report-vi``), opens the pages from
disk in headless Chromium (Debian's ``chromium``, see ``scripts/install-browser.sh``) with every
request off the machine blocked, and writes PNGs to ``docs/screenshots/``::

    python scripts/screenshots.py                      # the sample's 2026-10 report
    python scripts/screenshots.py --report-en reports/2026-10

Each shot is the first screen a reader sees (the window, not the whole page), saved as an optimised
PNG; the script says the size of each and fails if one is over ``--max-kb``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (file name, language, page, window width, window height)
SHOTS = (
    ("index-en-1280.png", "en", "index", 1280, 900),
    ("index-vi-390.png", "vi", "index", 390, 844),
    ("scorecard-en-1280.png", "en", "05_kpi_scorecard", 1280, 900),
)


def run_report(locale: str, period: str, out: Path) -> Path:
    """``kpi-report run`` of the sample for ``period`` in ``locale``; returns the report folder."""
    cmd = [sys.executable, "-m", "kpi_analysis.cli", "run", "--period", period, "--out", str(out),
           "--locale", locale]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                                      os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    folder = out / period
    if done.returncode != 0 or not (folder / "index.html").is_file():
        sys.exit(f"screenshots: `kpi-report run --locale {locale}` failed (exit {done.returncode}):\n"
                 f"{done.stdout[-1500:]}\n{done.stderr[-2500:]}")
    return folder


def page_path(folder: Path, page: str) -> Path:
    if page == "index":
        return folder / "index.html"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    entry = next((e for e in manifest["notebooks"] if e["name"] == page), None)
    if entry is None or not (entry.get("outputs") or {}).get("html"):
        sys.exit(f"screenshots: the report in {folder} has no page for {page}.")
    return folder / entry["outputs"]["html"]


def shoot(folders: dict[str, Path], out: Path, *, max_kb: int) -> list[Path]:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from kpi_analysis import pdf

    chromium = pdf.find_chromium()
    if chromium is None:
        sys.exit("screenshots: no Chromium found; install it with scripts/install-browser.sh.")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=list(pdf.CHROMIUM_ARGS))
        try:
            for name, locale, page_name, width, height in SHOTS:
                context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                              service_workers="block", locale="vi-VN" if locale == "vi" else "en-US")
                context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                              else r.abort("blockedbyclient"))
                page = context.new_page()
                page.goto(page_path(folders[locale], page_name).resolve().as_uri(), wait_until="load")
                page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=30_000)
                target = out / name
                page.screenshot(path=str(target), full_page=False)
                context.close()
                Image.open(target).save(target, optimize=True)
                size_kb = target.stat().st_size / 1024
                print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
                      f"{width}x{height}, {size_kb:.0f} KB")
                if size_kb > max_kb:
                    sys.exit(f"screenshots: {target.name} is {size_kb:.0f} KB, over {max_kb} KB.")
                written.append(target)
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--period", default="2026-10", help="report period of the sample (default 2026-10)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNGs")
    ap.add_argument("--report-en", type=Path, help="an English report folder to use instead of running one")
    ap.add_argument("--report-vi", type=Path, help="a Vietnamese report folder to use instead of running one")
    ap.add_argument("--max-kb", type=int, default=300, help="largest PNG allowed, in KB (default 300)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kpi-screenshots-") as tmp:
        folders = {}
        for locale, given in (("en", args.report_en), ("vi", args.report_vi)):
            folders[locale] = given if given is not None else run_report(locale, args.period, Path(tmp) / locale)
        shoot(folders, args.out, max_kb=args.max_kb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
