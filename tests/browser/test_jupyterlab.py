"""The analyst's view: each notebook opened in a real JupyterLab, run from the Run menu, explored.

For each notebook in ``notebooks/`` (a copy in a temporary JupyterLab root, with the project's
sample data and config injected as parameters, so the originals are never opened or saved): open
it, choose Run > Run All Cells, wait for the kernel to finish, then check that no cell shows an
error and every widget rendered; then, in the explorer section, change a dropdown or a slider the
way a person does and check that the table or chart below it changes accordingly.

Explorer convention (``kpi_analysis/widgets.py``): every explorer is one container widget carrying
the CSS classes ``kpi-explorer`` and ``kpi-explorer-<name>`` (``box.add_class(...)``); its controls
are ordinary ipywidgets (``Dropdown``, ``Select``/``SelectMultiple``, ``ToggleButtons``, sliders) with
a ``description``; what they drive is drawn below them inside the same container (an ``HTML`` widget
of text and tables and an ``Image`` widget of the figure; no ``Output`` widget). The notebooks listed
in ``EXPLORE`` must show their explorer's classes; a notebook not listed falls back to any
``kpi-explorer``, then to the first cell output holding controls above an HTML, Image or Output widget.
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

    ``control``: ``"choice"`` (a ``Dropdown``, ``Select`` or ``SelectMultiple``), ``"toggle"``
    (``ToggleButtons``) or ``"slider"`` (any ipywidgets slider). ``label``: a regex matched against
    the control's description (None: the first control of that kind). ``choose``: a regex for the
    option to pick (None: the first option not selected; a multiple selection becomes just that
    option). ``steps``: keyboard steps to move a slider (negative: to the left). After the change
    the explorer's text must match ``expect`` and not match ``absent``; ``value`` is a regex whose
    first group (e.g. the P(hit) figure) must read differently before and after.
    """

    explorer: str
    control: str
    label: str | None = None
    choose: str | None = None
    steps: int = 10
    expect: str | None = None
    absent: str | None = None
    value: str | None = None


# One interaction per notebook (by file-name prefix), written against kpi_analysis/widgets.py in
# both locales; notebooks not listed get the generic check (change the first choice control, else
# the first slider, of their first explorer; what is drawn below must change).
EXPLORE = {
    # Lower the target growth by 15 points: P(hit) must move.
    "01": Explore("feasibility", "slider", label=r"^(Target growth|Tăng trưởng mục tiêu)$", steps=-15,
                  value=r"(?:P\(hit\)|xác suất đạt)\s*([-+−]?[\d.,]+\s*%)"),
    # Show one rep only: the table keeps that rep and drops the others.
    "02": Explore("reps", "choice", label=r"^(Reps|Nhân viên)$", choose=r"^Lê Hoàng Cường$",
                  expect=r"Lê Hoàng Cường", absent=r"Vũ Ngọc Hà|Nguyễn Văn An"),
    # Switch the outcome from revenue to orders.
    "03": Explore("promo", "choice", label=r"^(Outcome|Chỉ tiêu)$", choose=r"^orders$",
                  expect=r"(?i)orders|đơn hàng"),
    # Segment by product instead of region: the table switches from regions to products.
    "04": Explore("nps", "choice", label=r"^(Segments|Phân nhóm)$", choose=r"^product$",
                  expect=r"Phân bón|Thức ăn chăn nuôi|Hạt giống", absent=r"Miền Trung|Tây Nguyên"),
    # Quarters instead of months: the scorecard is redrawn for a quarter.
    "05": Explore("scorecard", "choice", label=r"^(Periods|Chu kỳ)$", choose=r"^(quarters|quý)$",
                  expect=r"(?i)\bQ[1-4]\b|quý"),
    # Two weeks instead of four: the smallest detectable lift of the best pair must grow.
    "06": Explore("design", "slider", label=r"^(Days|Số ngày)$", steps=-2,
                  value=r"(?:power is|độ mạnh \d+\s*% là)\s*([\d.,]+\s*%)"),
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
    value_before = _value(spec, _drawn_text(explorer))
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
        _full_screenshot(page, artifacts, f"lab-{executed.name}-explorer-after")
    text = _drawn_text(explorer)
    errors = [o for c in page.evaluate(_CELLS) for o in c["outputs"] if o["type"] == "error"]
    shown = re.search(r"Traceback|\b\w+(Error|Exception)\b:.*", text)
    assert not errors and not shown, (f"{executed.name}: changing the explorer raised "
                                      f"{errors[:2] or shown.group(0)[:500]}")
    what = f"{executed.name}: after setting the {kind} to {changed_to!r}, the explorer"
    # Output a callback sends outside the explorer is not shown below the controls: JupyterLab puts
    # it in the log console, whose status-bar item then appears. Explorers draw into their own HTML
    # and Image widgets, so nothing may land there.
    logged = page.locator(".jp-LogConsoleStatusItem:not(.lm-mod-hidden)")
    assert not logged.count(), (f"{what} sent {logged.first.inner_text()!r} message(s) outside itself "
                                "(shown in JupyterLab's log console, not below the controls)")
    if spec and spec.expect:
        assert re.search(spec.expect, text), f"{what} should show /{spec.expect}/; it shows:\n{text[:800]}"
    if spec and spec.absent:
        found = re.search(spec.absent, text)
        assert not found, f"{what} still shows {found.group(0)!r}:\n{text[:800]}"
    if spec and spec.value:
        after = _value(spec, text)
        assert value_before is not None and after is not None, (
            f"{what}: /{spec.value}/ not found (before: {value_before!r}, after: {after!r}):\n{text[:800]}")
        assert after != value_before, f"{what} still reads {after!r}"


def _drawn_text(explorer) -> str:
    """The text of what the controls draw (HTML and Output widgets), not of the controls themselves."""
    text = explorer.evaluate("""el => Array.from(el.querySelectorAll('.widget-output, .widget-html, .widget-htmlmath'))
        .filter(n => !n.parentElement.closest('.widget-output, .widget-html, .widget-htmlmath'))
        .map(n => n.innerText).join('\\n')""")
    return text.replace("\xa0", " ")


def _value(spec: Explore | None, text: str) -> str | None:
    if not (spec and spec.value):
        return None
    found = re.search(spec.value, text)
    return found.group(1) if found else None


def _find_explorer(page, spec: Explore | None, name: str):
    # A notebook listed in EXPLORE: its explorer's own classes, nothing else. Any other notebook:
    # any explorer, else the first cell output holding controls above a view (HTML, Image, Output).
    if spec:
        found = page.locator(f".kpi-explorer.kpi-explorer-{spec.explorer}")
        assert found.count(), (f"{name}: no explorer with CSS classes 'kpi-explorer kpi-explorer-{spec.explorer}' "
                               f"rendered (kpi_analysis.widgets gives every explorer them)")
        return found.first
    generic = ".jp-OutputArea-output:has(.widget-html, .widget-image, .widget-output):has(select, .widget-slider)"
    for css in (".kpi-explorer", generic):
        found = page.locator(css)
        if found.count():
            return found.first
    raise AssertionError(f"{name}: no explorer rendered (expected a widget with CSS class 'kpi-explorer' "
                         "from kpi_analysis.widgets, or at least controls above an HTML, Image or Output widget)")


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
        description = " ".join(controls.nth(i).locator(".widget-label").inner_text().split())
        if re.search(label, description):
            return controls.nth(i)
    descriptions = controls.locator(".widget-label").all_inner_texts()
    raise AssertionError(f"no control described /{label}/ among {descriptions}")


def _change_choice(explorer, spec: Explore | None) -> str:
    box = _control(explorer, _CONTROLS["choice"], spec.label if spec else None)
    select = box.locator("select")
    # ipywidgets shows option labels with no-break spaces: compare them as plain text.
    options = [" ".join(o.split()) for o in select.locator("option").all_inner_texts()]
    current = [" ".join(o.split()) for o in
               select.evaluate("s => Array.from(s.selectedOptions).map(o => o.text)")]
    if spec and spec.choose:
        match = [i for i, o in enumerate(options) if re.search(spec.choose, o)]
        assert match, f"control offers {options}, none matching /{spec.choose}/"
        assert current != [options[match[0]]], f"control already shows {current}: nothing to change"
        index = match[0]
    else:
        others = [i for i, o in enumerate(options) if o not in current]
        assert others, f"control offers only {options}"
        index = others[0]
    select.select_option(index=index)
    return options[index]


def _change_toggle(explorer, spec: Explore | None) -> str:
    box = _control(explorer, _CONTROLS["toggle"], spec.label if spec else None)
    buttons = box.locator("button")
    labels = [" ".join(b.split()) for b in buttons.all_inner_texts()]
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
    steps = spec.steps if spec else 10
    handle.focus()
    for _ in range(abs(steps)):
        handle.press("ArrowRight" if steps > 0 else "ArrowLeft")
    after = readout.inner_text()
    if after == before:  # already at that end: go the other way
        for _ in range(abs(steps)):
            handle.press("ArrowLeft" if steps > 0 else "ArrowRight")
        after = readout.inner_text()
    assert after != before, f"slider did not move (readout {before!r})"
    return after
