"""The manager's view: a generated report opened from disk, offline, in a real browser.

``kpi-report run`` writes the report for ``PERIOD`` into a temporary folder (fixture ``report_dir``);
each page (``index.html`` and every notebook's HTML) is then opened from the file system with every
request that is not a local file blocked, and checked the way a reader would notice problems: console
errors, requests that try to leave the machine (a CDN script, a web font), figures that do not load
or are too small to read, tables that are empty, show raw ``nan`` or overflow the page, links from
the index that lead nowhere. A full-page screenshot of each page goes to the artifact folder.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from _browser import notebook_paths, screenshot

pytestmark = pytest.mark.browser

MIN_FIGURE_WIDTH = 320  # CSS px: a chart drawn narrower than this is too small to read on a laptop
MIN_TABLE_FONT = 10  # CSS px
RAW_MISSING = {"nan", "NaN", "<NA>", "NaT", "None", "inf", "-inf"}

_PAGE_FACTS = """(RAW) => {
  const vw = document.documentElement.clientWidth;
  // A wide table is fine on screen inside a box the reader can scroll sideways; not when clipped.
  const scrollBox = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX;
      if (o !== 'visible') return ['auto', 'scroll'].includes(o);
    }
    return false;
  };
  const figures = Array.from(document.images).map(img => {
    const r = img.getBoundingClientRect();
    return {src: img.src.slice(0, 60), complete: img.complete, natural: img.naturalWidth,
            naturalHeight: img.naturalHeight, width: r.width, height: r.height,
            left: r.left + window.scrollX, right: r.right + window.scrollX,
            visible: getComputedStyle(img).visibility !== 'hidden' && getComputedStyle(img).display !== 'none'};
  });
  const tables = Array.from(document.querySelectorAll('table')).map(t => {
    const r = t.getBoundingClientRect();
    const cells = Array.from(t.querySelectorAll('td, th')).map(c => c.innerText.trim());
    const heads = Array.from(t.querySelectorAll('thead tr:last-child th')).map(c => c.innerText.trim());
    const raw = new Set();
    for (const tr of t.querySelectorAll('tbody tr')) {
      Array.from(tr.children).forEach((c, i) => {
        if (RAW.includes(c.innerText.trim())) raw.add(heads[i] || `column ${i + 1}`);
      });
    }
    const body = t.querySelector('tbody tr td, tr td');
    return {rows: t.querySelectorAll('tr').length, cells: cells.slice(0, 400), raw: Array.from(raw),
            heads: heads.slice(0, 12),
            width: r.width, right: r.right + window.scrollX,
            font: body ? parseFloat(getComputedStyle(body).fontSize) : null,
            clipped: Array.from(t.querySelectorAll('td, th')).filter(c => c.scrollWidth > c.clientWidth + 2
                       && getComputedStyle(c).overflow === 'hidden').length,
            scrollable: scrollBox(t)};
  });
  return {title: document.title, lang: document.documentElement.lang, viewport: vw,
          scrollWidth: document.documentElement.scrollWidth,
          headings: Array.from(document.querySelectorAll('h1, h2, h3')).map(h => h.innerText.trim()),
          figures, tables,
          text: document.body.innerText.length,
          links: Array.from(document.querySelectorAll('a[href]')).map(a => ({href: a.getAttribute('href'),
                                                                         url: a.href, text: a.innerText.trim()}))};
}"""


def _manifest(report_dir: Path) -> dict:
    return json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))


def _entries(report_dir: Path) -> list[dict]:
    notebooks = _manifest(report_dir)["notebooks"]
    return list(notebooks.values()) if isinstance(notebooks, dict) else list(notebooks)


def _open(watched, path: Path):
    page = watched.page
    response = page.goto(path.resolve().as_uri(), wait_until="load")
    assert response is None or response.ok, f"{path.name}: could not be opened ({response and response.status})"
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=30_000)
    return page.evaluate(_PAGE_FACTS, sorted(RAW_MISSING))


def _check_page(name: str, watched, facts: dict) -> list[str]:
    problems = []
    if watched.blocked:
        problems.append(f"tried to reach the network (blocked): {sorted(set(watched.blocked))[:5]}")
    if watched.console_errors:
        problems.append(f"console errors: {watched.console_errors[:5]}")
    if watched.page_errors:
        problems.append(f"script errors: {watched.page_errors[:5]}")
    failed = [f for f in watched.failed if not any(b in f for b in watched.blocked)]
    if failed:
        problems.append(f"requests failed: {failed[:5]}")
    if not facts["title"]:
        problems.append("page has no <title>")
    if facts["scrollWidth"] > facts["viewport"] + 1:
        problems.append(f"content overflows the window sideways ({facts['scrollWidth']} px in a "
                        f"{facts['viewport']} px window)")
    for fig in facts["figures"]:
        if not (fig["complete"] and fig["natural"] > 0):
            problems.append(f"figure does not load: {fig['src']}...")
        elif not fig["visible"] or fig["height"] <= 0:
            problems.append(f"figure is hidden: {fig['src']}...")
        elif fig["natural"] >= MIN_FIGURE_WIDTH and fig["width"] < MIN_FIGURE_WIDTH:
            problems.append(f"figure drawn {fig['width']:.0f} px wide (of {fig['natural']} px): too small "
                            f"to read: {fig['src']}...")
        elif fig["right"] > facts["viewport"] + 1:
            problems.append(f"figure cut off at the right edge: {fig['src']}...")
    for i, table in enumerate(facts["tables"]):
        if table["rows"] == 0 or not any(table["cells"]):
            problems.append(f"table {i} is empty")
        if table["font"] is not None and table["font"] < MIN_TABLE_FONT:
            problems.append(f"table {i} text is {table['font']} px: too small to read")
        if table["right"] > facts["viewport"] + 1 and not table["scrollable"]:
            problems.append(f"table {i} runs off the page ({table['width']:.0f} px wide)")
        if table["clipped"]:
            problems.append(f"table {i} hides the text of {table['clipped']} cell(s)")
    return [f"{name}: {p}" for p in problems]


def test_report_ran_completely(report_dir):
    manifest = _manifest(report_dir)
    failed = {e["name"]: e.get("error") for e in _entries(report_dir) if e.get("status") != "ok"}
    assert not failed, f"notebooks failed in the report run: {json.dumps(failed, ensure_ascii=False)[:2000]}"
    assert manifest.get("status") == "ok"


def test_index_page_offline(report_dir, offline_page, artifacts):
    facts = _open(offline_page, report_dir / "index.html")
    screenshot(offline_page.page, artifacts, "report-index")
    problems = _check_page("index.html", offline_page, facts)
    assert not problems, "\n".join(problems)
    assert facts["lang"], "index.html: <html> has no lang attribute (screen readers, hyphenation)"
    assert facts["text"] > 0


def test_index_links_work(report_dir, offline_page, artifacts):
    page = offline_page.page
    facts = _open(offline_page, report_dir / "index.html")
    local = [link for link in facts["links"] if urlparse(link["url"]).scheme == "file"]
    outside = [link["href"] for link in facts["links"]
               if urlparse(link["url"]).scheme not in ("file", "mailto") and not link["href"].startswith("#")]
    assert not outside, f"index.html links outside the report: {outside}"
    broken = [link["href"] for link in local if not Path(unquote(urlparse(link["url"]).path)).exists()]
    assert not broken, f"index.html links to missing files: {broken}"
    # Every notebook's page is linked, and following the link (a click, as a reader does) opens it.
    for entry in _entries(report_dir):
        html = entry["outputs"]["html"]
        link = page.locator(f'a[href="{html}"]').first
        assert link.count(), f"index.html has no link to {html} ({entry['name']})"
        link.click()
        page.wait_for_load_state("load")
        assert Path(unquote(urlparse(page.url).path)).name == Path(html).name
        title = page.title()
        assert title, f"{html}: opened from the index but has no title"
        back = page.locator('a[href$="index.html"]')
        if back.count():  # the notebook pages link back to the index
            back.first.click()
            page.wait_for_load_state("load")
            assert page.url.endswith("index.html")
        else:
            page.go_back()
            page.wait_for_load_state("load")
    assert not offline_page.blocked, f"following the index links reached out: {offline_page.blocked[:5]}"
    assert not offline_page.console_errors, offline_page.console_errors[:5]


@pytest.mark.parametrize("name", [p.stem for p in notebook_paths()])
def test_notebook_page_offline(name, report_dir, offline_page, artifacts):
    entries = {e["name"]: e for e in _entries(report_dir)}
    assert name in entries, f"the report has no entry for notebook {name} (it has {sorted(entries)})"
    html = report_dir / entries[name]["outputs"]["html"]
    assert html.is_file(), f"{name}: {html} missing"
    facts = _open(offline_page, html)
    screenshot(offline_page.page, artifacts, f"report-{name}")
    problems = _check_page(html.name, offline_page, facts)
    assert not problems, "\n".join(problems)
    assert facts["headings"], f"{html.name}: no headings (h1-h3): the reader cannot find the sections"
    assert facts["figures"] or facts["tables"], f"{html.name}: neither a figure nor a table"
    source = html.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=\"(https?:)?//", source), f"{html.name} loads a remote script"
    assert "Traceback" not in offline_page.page.inner_text("body"), f"{html.name} shows a traceback"


# Missing values in report tables are shown as "–", never as NaN / <NA> / None.
@pytest.mark.parametrize("name", [p.stem for p in notebook_paths()])
def test_notebook_tables_show_no_raw_missing_values(name, report_dir, offline_page):
    entries = {e["name"]: e for e in _entries(report_dir)}
    assert name in entries, f"the report has no entry for notebook {name}"
    facts = _open(offline_page, report_dir / entries[name]["outputs"]["html"])
    problems = [f"table {i} (columns {t['heads']}) shows raw missing-value markers in column(s) "
                f"{t['raw']} (format missing values, e.g. as '–')"
                for i, t in enumerate(facts["tables"]) if t["raw"]]
    assert not problems, f"{name}.html: " + "\n".join(problems)
