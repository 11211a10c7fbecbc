"""The analyst's view: each notebook opened in a real JupyterLab, run from the Run menu, explored.

For each notebook in ``notebooks/`` (a copy in a temporary JupyterLab root, with the project's
sample data and config injected as parameters, so the originals are never opened or saved): open
it, choose Run > Run All Cells, wait for the kernel to finish, then check that no cell shows an
error and every widget rendered; then, in the explorer section, change a dropdown or a slider the
way a person does and check that the table or chart below it changes accordingly.

Explorer convention (``kpi_analysis/widgets.py``): every explorer is one container widget carrying
the CSS classes ``kpi-explorer`` and ``kpi-explorer-<name>`` (``box.add_class(...)``); its controls
are ordinary ipywidgets (``Dropdown``, ``Select``/``SelectMultiple``, ``ToggleButtons``, sliders) with
a ``description``; what they drive is drawn below them inside the same container (an ``Output``
widget). Without the classes the first cell output holding controls and an ``Output`` is used.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest
from _browser import LOCAL_SCHEMES, notebook_paths, screenshot, watch

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 600_000  # a whole notebook, run cell by cell in the browser
CHANGE_TIMEOUT_MS = 60_000  # an explorer redrawing after one widget change


@dataclass(frozen=True)
class Explore:
    """What to change in a notebook's explorer and what must follow.

    ``control`` is ``"choice"`` (a ``Dropdown``, ``Select`` or ``SelectMultiple``), ``"toggle"``
    (``ToggleButtons``) or ``"slider"`` (any ipywidgets slider); ``label`` a regex matched against the
    control's description (None: the first control of that kind); ``choose`` a regex for the option
    to pick (None: the first option not selected; a multiple selection becomes just that option); ``slider_steps`` how many keyboard steps to move a slider;
    ``expect`` a regex the explorer's text must match after the change.
    """

    explorer: str
    control: str
    label: str | None = None
    choose: str | None = None
    slider_steps: int = 10
    expect: str | None = None


# One interaction per notebook (by file-name prefix); notebooks not listed get the generic check
# (change the first choice control, else the first slider, of their first explorer; the output
# must change).
EXPLORE = {
    "01": Explore("feasibility", "slider", label=r"(?i)target|mục tiêu", slider_steps=15,
                  expect=r"(?i)P\(hit\)|probability|xác suất"),
    "02": Explore("reps", "choice", label=r"(?i)rep|nhân viên"),
    "03": Explore("promo", "choice", label=r"(?i)outcome|metric|chỉ số"),
    "04": Explore("nps", "choice", label=r"(?i)segment|phân nhóm|phân khúc", choose=r"^product$",
                  expect=r"Phân bón|Thức ăn chăn nuôi|Hạt giống"),
    "05": Explore("scorecard", "choice", label=r"(?i)perspective|period|kpi|góc nhìn|kỳ"),
}

_CONTROLS = {  # what each kind of control looks like in the page (ipywidgets 8)
    "choice": ".widget-dropdown, .widget-select",
    "toggle": ".widget-toggle-buttons",
    "slider": ".widget-slider",
}

_APP_READY = """(name) => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  if (!w || !w.context || !w.context.path.endsWith(name) || !w.sessionContext) return false;
  const s = w.sessionContext.session;
  const k = s && s.kernel;
  return w.sessionContext.isReady && !!k && k.connectionStatus === 'connected' && k.status === 'idle'
    && w.content.widgets.length > 0;
}"""

_RUN_FINISHED = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session.kernel;
  const prompts = Array.from(w.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
      .map(p => p.textContent);
  const started = prompts.some(t => /\\[(\\d+|\\*)\\]/.test(t));
  return started && k.status === 'idle' && !prompts.some(t => t.includes('*'));
}"""

_KERNEL_IDLE = """() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'"""

_CELLS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  return w.content.widgets.map((c, i) => ({
    index: i, type: c.model.type,
    count: c.model.type === 'code' ? c.model.executionCount : null,
    source: c.model.sharedModel.getSource(),
    outputs: c.model.type === 'code' ? c.model.outputs.toJSON().map(o => ({
      type: o.output_type, ename: o.ename || null, evalue: o.evalue || null, name: o.name || null,
      text: o.output_type === 'stream' ? String(o.text).slice(0, 300) : null,
      mimes: o.data ? Object.keys(o.data) : []})) : [],
  }));
}"""


@dataclass
class Executed:
    name: str
    watched: object
    cells: list
    seconds: float


@pytest.fixture(scope="module", params=[p.name for p in notebook_paths()])
def executed(request, browser, jupyter_lab, artifacts):
    """The notebook ``request.param`` opened in JupyterLab and run with Run > Run All Cells."""
    name = request.param
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
    watched = watch(context, allowed_prefixes=(jupyter_lab.url.replace("http:", "ws:"),
                                               jupyter_lab.url + "/") + LOCAL_SCHEMES)
    page = watched.page
    page.set_default_timeout(30_000)
    page.goto(jupyter_lab.notebook_url(f"notebooks/{name}"))
    page.wait_for_function(_APP_READY, arg=name, timeout=120_000)
    started = time.monotonic()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(_RUN_FINISHED, timeout=RUN_TIMEOUT_MS, polling=500)
    seconds = time.monotonic() - started
    _settle_widgets(page)
    _full_screenshot(page, artifacts, f"lab-{name}")
    yield Executed(name, watched, page.evaluate(_CELLS), seconds)
    # Leave the kernel and the copy alone; the server (and its temp root) goes at session end.
    context.close()


def _settle_widgets(page, timeout_s: float = 20) -> None:
    # Widget views render asynchronously after the kernel is idle; give them a moment to appear.
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not page.get_by_text("Loading widget...", exact=False).count():
            return
        time.sleep(0.25)


def _full_screenshot(page, artifacts, name: str) -> None:
    # JupyterLab scrolls inside the notebook panel, not the page: grow the window to the notebook's
    # height so the screenshot shows every cell, then restore it.
    height = page.evaluate("""() => {
      const w = window.jupyterapp.shell.currentWidget;
      const outer = w.node.querySelector('.jp-WindowedPanel-outer') || w.content.node;
      return outer.scrollHeight;
    }""")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 200, 1000), 16000)})
    time.sleep(0.5)
    screenshot(page, artifacts, name)
    page.set_viewport_size(size)


def test_notebook_runs_in_jupyterlab_without_errors(executed):
    code = [c for c in executed.cells if c["type"] == "code"]
    assert code, f"{executed.name}: no code cells found in JupyterLab"
    errors = [f"cell {c['index']}: {o['ename']}: {o['evalue']}\n  source: {c['source'][:200]!r}"
              for c in code for o in c["outputs"] if o["type"] == "error"]
    assert not errors, f"{executed.name} shows errors in JupyterLab:\n" + "\n".join(errors)
    not_run = [c["index"] for c in code if c["source"].strip() and c["count"] is None]
    assert not not_run, f"{executed.name}: cells {not_run} were not executed by Run All Cells"
    page = executed.watched.page
    broken = page.locator(".jp-OutputArea-output").filter(
        has_text=re.compile(r"Error displaying widget|Loading widget\.\.\.|Failed to display|"
                            r"model not found|Javascript Error"))
    assert broken.count() == 0, (f"{executed.name}: widget(s) did not render: "
                                 f"{broken.all_inner_texts()[:3]}")
    assert not executed.watched.page_errors, f"{executed.name}: page errors {executed.watched.page_errors}"
    assert not executed.watched.blocked, (f"{executed.name}: JupyterLab tried to reach the network: "
                                          f"{executed.watched.blocked[:5]}")


def test_explorer_responds_to_widgets(executed, artifacts):
    page = executed.watched.page
    spec = EXPLORE.get(executed.name[:2])
    explorer = _find_explorer(page, spec, executed.name)
    explorer.scroll_into_view_if_needed()
    if spec:
        kind = spec.control
    else:
        kind = "choice" if explorer.locator(_CONTROLS["choice"]).count() else "slider"
    before = _snapshot(explorer)
    changed_to = {"choice": _change_choice, "toggle": _change_toggle, "slider": _change_slider}[kind](
        explorer, spec)
    try:
        page.wait_for_function(
            """([el, before]) => {
                 const imgs = Array.from(el.querySelectorAll('img')).map(i => i.src.length + ':' + i.src.slice(-64));
                 const text = Array.from(el.querySelectorAll('.widget-output, .widget-html, .widget-htmlmath, table'))
                     .map(n => n.innerText).join('\\n');
                 return text + '|' + imgs.join(',') !== before;
               }""",
            arg=[explorer.element_handle(), before], timeout=CHANGE_TIMEOUT_MS, polling=250)
        # The first change seen may be a partial redraw: wait until the kernel is done with it.
        page.wait_for_function(_KERNEL_IDLE, timeout=CHANGE_TIMEOUT_MS, polling=250)
        time.sleep(0.5)
        page.wait_for_function(_KERNEL_IDLE, timeout=CHANGE_TIMEOUT_MS, polling=250)
    finally:
        explorer.scroll_into_view_if_needed()
        screenshot(page, artifacts, f"lab-{executed.name}-explorer-after")
    text = explorer.inner_text()
    errors = [o for c in page.evaluate(_CELLS) for o in c["outputs"] if o["type"] == "error"]
    shown = re.search(r"Traceback|\b\w+(Error|Exception)\b:.*", text)
    assert not errors and not shown, (f"{executed.name}: changing the explorer raised "
                                      f"{errors[:2] or shown.group(0)[:500]}")
    if spec and spec.expect:
        assert re.search(spec.expect, text), (
            f"{executed.name}: after setting {kind} to {changed_to!r}, the explorer should show "
            f"/{spec.expect}/; it shows:\n{text[:800]}")


def _find_explorer(page, spec: Explore | None, name: str):
    # The explorer's own class, else any explorer, else (no class yet) the first cell output
    # holding interactive widgets with an Output area: the explorer section in every notebook.
    candidates = ([f".kpi-explorer-{spec.explorer}"] if spec else []) + [
        ".kpi-explorer", ".jp-OutputArea-output:has(.widget-output):has(select, .widget-slider)"]
    for css in candidates:
        found = page.locator(css)
        if found.count():
            return found.first
    raise AssertionError(
        f"{name}: no explorer rendered (expected a widget with CSS classes 'kpi-explorer'"
        + (f" and 'kpi-explorer-{spec.explorer}'" if spec else "")
        + " from kpi_analysis.widgets, or at least controls above an Output widget)")


def _snapshot(explorer) -> str:
    return explorer.evaluate("""el => {
        const imgs = Array.from(el.querySelectorAll('img')).map(i => i.src.length + ':' + i.src.slice(-64));
        const text = Array.from(el.querySelectorAll('.widget-output, .widget-html, .widget-htmlmath, table'))
            .map(n => n.innerText).join('\\n');
        return text + '|' + imgs.join(',');
    }""")


def _control(explorer, css: str, label: str | None):
    controls = explorer.locator(css)
    assert controls.count() > 0, f"explorer has no control matching {css!r}"
    if label is None:
        return controls.first
    for i in range(controls.count()):
        description = controls.nth(i).locator(".widget-label").inner_text().strip()
        if re.search(label, description):
            return controls.nth(i)
    descriptions = controls.locator(".widget-label").all_inner_texts()
    raise AssertionError(f"no control described /{label}/ among {descriptions}")


def _change_choice(explorer, spec: Explore | None) -> str:
    box = _control(explorer, _CONTROLS["choice"], spec.label if spec else None)
    select = box.locator("select")
    options = [o.strip() for o in select.locator("option").all_inner_texts()]
    current = select.evaluate("s => Array.from(s.selectedOptions).map(o => o.text.trim())")
    if spec and spec.choose:
        match = [o for o in options if re.search(spec.choose, o)]
        assert match, f"control offers {options}, none matching /{spec.choose}/"
        assert current != [match[0]], f"control already shows {current}: nothing to change"
        wanted = match[0]
    else:
        others = [o for o in options if o not in current]
        assert others, f"control offers only {options}"
        wanted = others[0]
    select.select_option(label=wanted)
    return wanted


def _change_toggle(explorer, spec: Explore | None) -> str:
    box = _control(explorer, _CONTROLS["toggle"], spec.label if spec else None)
    buttons = box.locator("button")
    labels = [b.strip() for b in buttons.all_inner_texts()]
    for i, label in enumerate(labels):
        active = "mod-active" in (buttons.nth(i).get_attribute("class") or "")
        if not active and (not (spec and spec.choose) or re.search(spec.choose, label)):
            buttons.nth(i).click()
            return label
    raise AssertionError(f"no other toggle button to press among {labels}")


def _change_slider(explorer, spec: Explore | None) -> str:
    box = _control(explorer, _CONTROLS["slider"], spec.label if spec else None)
    handle = box.locator(".noUi-handle").first
    readout = box.locator(".widget-readout").first
    before = readout.inner_text()
    handle.focus()
    key = "ArrowRight"
    for _ in range(spec.slider_steps if spec else 10):
        handle.press(key)
    after = readout.inner_text()
    if after == before:  # already at the maximum: go the other way
        for _ in range(spec.slider_steps if spec else 10):
            handle.press("ArrowLeft")
        after = readout.inner_text()
    assert after != before, f"slider did not move (readout {before!r})"
    return after
