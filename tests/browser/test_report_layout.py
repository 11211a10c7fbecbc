"""The report as a manager reads it on a laptop and on a phone, in English and Vietnamese.

Each page of a generated report (the index and every notebook's HTML) is opened from disk, offline,
at 1280 px and at 390 px wide, for a report run in ``en`` and one run in ``vi``, and checked the way
a reader would notice problems: the page scrolls sideways, text runs out of its box, a heading sits
over nothing, the index does not name the KPIs that are off target. A full-page screenshot of each
goes to the artifact folder (``report-<page>-<locale>-<width>.png``).

Two report runs are shared by every test here (session fixtures): the suite's ``report_dir`` for
its own language and one more run for the other.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from _browser import LOCAL_SCHEMES, PERIOD, ROOT, notebook_paths, screenshot, watch

from kpi_analysis import i18n

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
PAGES = ["index", *(p.stem for p in notebook_paths())]

# What a reader sees go wrong, measured in the page. Text "outside its box": an element whose content
# is wider than the element (overflow visible, so the text spills over its neighbours) or that is
# clipped without a way to scroll; anything inside a box the reader can scroll sideways is fine.
_LAYOUT = """() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const describe = (el) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : ''}: ${(el.innerText || '').trim().slice(0, 60)}`;
  const spilled = [];
  for (const el of document.body.querySelectorAll('p, li, dt, dd, td, th, h1, h2, h3, h4, summary, a, span, div, pre, figcaption')) {
    const style = getComputedStyle(el);
    if (style.display === 'inline' || style.display === 'none' || el.clientWidth === 0) continue;
    if (!(el.innerText || '').trim()) continue;
    if (scrolls(el)) continue;
    if (el.scrollWidth > el.clientWidth + 2 && style.overflowX !== 'auto' && style.overflowX !== 'scroll') {
      spilled.push(describe(el) + ` (${el.scrollWidth} px in ${el.clientWidth} px)`);
    }
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 || r.left < -1) spilled.push(describe(el) + ` (outside the window: ${Math.round(r.left)}..${Math.round(r.right)} px)`);
  }
  // sections: every heading has something under it before the next heading of its level or higher
  const heads = Array.from(document.querySelectorAll('h1, h2, h3, h4')).filter(h => h.offsetParent !== null);
  const content = Array.from(document.body.querySelectorAll('p, li, table, img, svg, pre, dl, .tile, summary'))
      .filter(el => el.offsetParent !== null && !el.closest('h1, h2, h3, h4, header')
              && (el.matches('img, svg, table, .tile') || (el.innerText || '').trim()));
  const after = (a, b) => a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING;
  const empty = [];
  heads.forEach((h, i) => {
    const level = +h.tagName[1];
    const next = heads.slice(i + 1).find(o => +o.tagName[1] <= level);
    const inside = content.some(el => after(h, el) && (!next || after(el, next)));
    if (!inside) empty.push(h.innerText.trim());
  });
  return {viewport: vw, scrollWidth: document.documentElement.scrollWidth, spilled: spilled.slice(0, 12),
          empty, text: document.body.innerText,
          links: Array.from(document.querySelectorAll('a[href]')).map(a => ({href: a.getAttribute('href'), url: a.href}))};
}"""


def _run_report(locale: str, out: Path) -> Path:
    cmd = [sys.executable, "-m", "kpi_analysis.cli", "run", "--period", PERIOD, "--out", str(out), "--locale", locale]
    started = time.monotonic()
    done = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True, timeout=1500,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    folder = out / PERIOD
    if not (folder / "index.html").is_file():
        pytest.fail(f"`kpi-report run --locale {locale}` wrote no index.html (exit {done.returncode}, "
                    f"{time.monotonic() - started:.0f} s):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return folder


@pytest.fixture(scope="session")
def reports(report_dir, tmp_path_factory) -> dict[str, Path]:
    """The report of ``PERIOD`` in each language: the suite's run for its language, one more run for the other."""
    have = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8")).get("locale", "en")
    out = {have: report_dir}
    for locale in i18n.LOCALES:
        if locale not in out:
            out[locale] = _run_report(locale, tmp_path_factory.mktemp(f"reports-{locale}"))
    return out


@pytest.fixture(scope="session")
def layout_context(browser):
    contexts = {}

    def get(width: int):
        if width not in contexts:
            contexts[width] = browser.new_context(viewport={"width": width, "height": 900},
                                                  device_scale_factor=1, service_workers="block")
        return contexts[width]

    yield get
    for c in contexts.values():
        c.close()


def _page_path(folder: Path, name: str) -> Path:
    if name == "index":
        return folder / "index.html"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    entry = next((e for e in manifest["notebooks"] if e["name"] == name), None)
    assert entry is not None, f"the report has no entry for {name}"
    assert entry["status"] == "ok", f"{name} failed in the report run: {entry.get('error')}"
    return folder / entry["outputs"]["html"]


def _visit(layout_context, path: Path, width: int):
    watched = watch(layout_context(width), allowed_prefixes=LOCAL_SCHEMES)
    page = watched.page
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=30_000)
    return watched, page.evaluate(_LAYOUT)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", i18n.LOCALES)
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_its_width_with_nothing_empty(name, locale, width, reports, layout_context, artifacts):
    path = _page_path(reports[locale], name)
    watched, facts = _visit(layout_context, path, width)
    try:
        screenshot(watched.page, artifacts, f"report-{name}-{locale}-{width}")
        problems = []
        if facts["scrollWidth"] > facts["viewport"] + 1:
            problems.append(f"the page scrolls sideways ({facts['scrollWidth']} px in a {facts['viewport']} px window)")
        problems += [f"text outside its box: {s}" for s in facts["spilled"]]
        problems += [f"heading over an empty section: {h!r}" for h in facts["empty"]]
        if watched.blocked:
            problems.append(f"tried to reach the network: {watched.blocked[:3]}")
        broken = [link["href"] for link in facts["links"] if urlparse(link["url"]).scheme == "file"
                  and not Path(unquote(urlparse(link["url"]).path)).exists()]
        problems += [f"link to a missing file: {b}" for b in broken]
        assert not problems, f"{path.name} ({locale}, {width} px):\n" + "\n".join(problems)
    finally:
        watched.page.close()


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_index_names_the_off_target_kpis_and_links_them(locale, reports, layout_context):
    folder = reports[locale]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    card = next(e for e in manifest["notebooks"] if e.get("headline", {}).get("scorecard_kpis"))
    red = [k for k in card["headline"]["scorecard_kpis"] if k["status"] == "red"]
    assert red, "the sample's October has off-target KPIs (eNPS, employee satisfaction, ...): none recorded"
    watched, _ = _visit(layout_context, folder / "index.html", 390)
    try:
        page = watched.page
        lead = page.locator(".glance .lead").inner_text()
        off = i18n.term("off_target", locale)
        assert lead.lower().startswith(off.lower()), f"the index does not open with what is off target: {lead[:200]!r}"
        for k in red:
            assert k["name"] in lead, f"{k['name']} is off target but not named at the top of the index"
            tile = page.locator(f"#kpi-{k['kpi']}")
            assert tile.count() == 1 and "red" in (tile.get_attribute("class") or "")
            link = page.locator(".findings a", has_text=k["name"])
            assert link.count() >= 1, f"'look next' has no link for {k['name']}"
            assert link.first.get_attribute("href") == card["outputs"]["html"]
        assert page.locator(".glance").bounding_box()["y"] < page.locator(".findings").bounding_box()["y"]
    finally:
        page.close()


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_dates_and_terms_read_in_the_report_language(locale, reports, layout_context):
    """The Vietnamese report writes 'tháng 10/2026' and none of the glossary's rejected spellings."""
    import re

    texts = {}
    for name in PAGES:
        watched, facts = _visit(layout_context, _page_path(reports[locale], name), 1280)
        texts[name] = facts["text"]
        watched.page.close()
    month = i18n.month(PERIOD, locale)
    assert all(month in t for t in texts.values()), [n for n, t in texts.items() if month not in t]
    if locale == "vi":
        found = {name: bad for name, t in texts.items() for bad in i18n.rejected_terms()
                 if name in ("index", "05_kpi_scorecard")
                 and re.search(rf"(?<!\w){re.escape(bad)}(?!\w)", t, flags=re.IGNORECASE)}
        assert not found, f"rejected Vietnamese spellings on the page: {found}"
