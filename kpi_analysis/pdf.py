"""Print an HTML report page to PDF with headless Chromium (``kpi-report run --pdf``).

The page is opened from the file system with every request that would leave the machine blocked
(a report must not need the network), laid out for print (A4 portrait, page numbers in the footer,
figures scaled to the page width, tables too wide for the page shrunk to fit instead of being cut
off, no table row, figure or heading split across a page break where avoidable) and printed by
Chromium itself, so the PDF looks like the page a manager opens in a browser.

The browser is the system Chromium (Debian's ``chromium`` package, ``scripts/install-browser.sh``
installs it), driven through the Python ``playwright`` package; no browser is downloaded.
``KPI_CHROMIUM`` names another Chromium/Chrome executable.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import threading
from pathlib import Path

__all__ = ["CHROMIUM_ARGS", "find_chromium", "html_to_pdf"]

#: Command-line switches for headless Chromium on a locked-down machine: no sandbox (root in CI),
#: no GPU, and none of Chromium's own background connections (updates, sync, QUIC probes), which a
#: closed network refuses and which would otherwise count as requests leaving the machine.
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)

_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# A4 is 210 mm wide; the printable width in CSS pixels (96 per inch) decides when a table is "too wide".
_PAPER_WIDTH_MM = {"A4": 210.0, "Letter": 215.9}
_MARGIN_MM = {"top": 12.0, "right": 12.0, "bottom": 16.0, "left": 12.0}

_PRINT_CSS = """
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
img, svg, canvas, video { max-width: 100% !important; height: auto !important; }
img, svg, canvas, figure, pre, tr, .jp-RenderedImage, .output_png, .kpi-figure {
  break-inside: avoid; page-break-inside: avoid;
}
thead { display: table-header-group; }
h1, h2, h3, h4, h5, h6, caption { break-after: avoid; page-break-after: avoid; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
"""

# Fit every table or preformatted block wider than its container, so that nothing is cut off at
# the right page edge (Chromium drops what lies beyond the paper): first let its header cells wrap
# after the underscores of long column names, then shrink it with CSS zoom. Narrower elements are
# left alone.
_FIT_WIDE_JS = r"""
(width) => {
  let shrunk = 0;
  for (const el of document.querySelectorAll('table, pre')) {
    if (el.parentElement && el.parentElement.closest('table, pre')) continue;  // fit the outer one
    const avail = Math.min(width, (el.parentElement || document.body).clientWidth || width);
    if (el.scrollWidth <= avail + 1) continue;
    if (el.tagName === 'TABLE') {  // snake_case column names may break after '_' (zero-width space)
      for (const th of el.querySelectorAll('th')) {
        th.style.whiteSpace = 'normal';
        const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          n.textContent = n.textContent.replace(/([_\/])(?=\S)/g, '$1\u200b');
        }
      }
    }
    const need = el.scrollWidth;
    if (need > avail + 1) {
      el.style.zoom = String(Math.max(avail / need, 0.2));
      shrunk += 1;
    }
  }
  return shrunk;
}
"""

_FOOTER = (
    '<div style="width:100%; font-size:8px; color:#555; padding:0 12mm; '
    'font-family: DejaVu Sans, Arial, sans-serif; display:flex; justify-content:space-between;">'
    '<span class="title"></span><span><span class="pageNumber"></span> / '
    '<span class="totalPages"></span></span></div>'
)


def find_chromium(executable_path: str | os.PathLike | None = None) -> str | None:
    """The Chromium executable to use, or ``None`` when there is none.

    Looks at ``executable_path``, then ``$KPI_CHROMIUM``, then the usual system locations and
    ``PATH`` (``chromium``, ``chromium-browser``, ``google-chrome``).

    Examples
    --------
    >>> find_chromium("/nonexistent/chromium") is None
    True
    """
    if executable_path is not None:
        path = Path(executable_path)
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    env = os.environ.get("KPI_CHROMIUM")
    if env:
        return find_chromium(env)
    for candidate in _CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike, *, paper: str = "A4",
                timeout: float = 60.0, executable_path: str | os.PathLike | None = None) -> Path:
    """Print the HTML file ``html_path`` to ``pdf_path`` with headless Chromium.

    Parameters
    ----------
    html_path : str or path-like
        An HTML file on disk (a report page); images and styles it links must be local files or
        ``data:`` URIs: requests to the network are blocked.
    pdf_path : str or path-like
        Where to write the PDF. It is written to a temporary file beside it first and moved into
        place when complete, so a failed print never leaves a half-written PDF.
    paper : {"A4", "Letter"}, default "A4"
        Paper size (portrait). Margins are 12 mm, 16 mm at the bottom for the page-number footer.
    timeout : float, default 60.0
        Seconds allowed for loading the page and for printing it.
    executable_path : str or path-like, optional
        The Chromium executable; default: :func:`find_chromium`.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    FileNotFoundError
        ``html_path`` does not exist.
    ValueError
        ``paper`` or ``timeout`` is not allowed.
    RuntimeError
        No Chromium found (install Debian's ``chromium``: ``scripts/install-browser.sh``) or the
        ``playwright`` package is missing.

    Notes
    -----
    Layout for print: the print media type is emulated and figures are limited to the page width.
    A table wider than the page first lets its header cells wrap (after ``_`` in column names); a table or preformatted block
    still too wide is then shrunk with CSS ``zoom`` (never below 20 %). Rows, figures and headings
    avoid page breaks inside or right after them. The
    footer shows the page title and "page / pages".

    Examples
    --------
    >>> html_to_pdf("reports/2026-10/index.html", "reports/2026-10/index.pdf")  # doctest: +SKIP
    PosixPath('reports/2026-10/index.pdf')
    """
    source = Path(html_path)
    target = Path(pdf_path)
    if paper not in _PAPER_WIDTH_MM:
        raise ValueError(f"html_to_pdf: paper must be one of {sorted(_PAPER_WIDTH_MM)}; got {paper!r}.")
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"html_to_pdf: timeout must be a positive number of seconds; got {timeout!r}.")
    if not source.is_file():
        raise FileNotFoundError(f"html_to_pdf: no HTML file at {str(source)!r}.")
    browser = find_chromium(executable_path)
    if browser is None:
        where = executable_path or os.environ.get("KPI_CHROMIUM") or " or ".join(_CANDIDATES)
        raise RuntimeError(
            f"html_to_pdf: no Chromium executable found (looked for {where}); install Debian's "
            "chromium with scripts/install-browser.sh or set KPI_CHROMIUM to a Chromium/Chrome binary.")
    try:
        import playwright.sync_api  # noqa: F401  (checked here for a clear message)
    except ImportError:
        raise RuntimeError("html_to_pdf: the 'playwright' Python package is needed to print PDFs "
                           "(pip install playwright; no browser download is needed).") from None

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    job = lambda: _print(source.resolve(), partial, browser=browser, paper=paper,
                         timeout_ms=timeout * 1000)
    try:
        _run_outside_event_loop(job)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _run_outside_event_loop(job):
    # Playwright's sync API refuses to run inside a running asyncio loop (a Jupyter kernel has one),
    # so in that case print from a worker thread.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return job()
    box: dict = {}

    def work():
        try:
            box["value"] = job()
        except BaseException as exc:  # noqa: BLE001 (re-raised in the caller's thread)
            box["error"] = exc

    worker = threading.Thread(target=work, name="kpi-html-to-pdf")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _print(source: Path, partial: Path, *, browser: str, paper: str, timeout_ms: float) -> None:
    from playwright.sync_api import sync_playwright

    printable_mm = _PAPER_WIDTH_MM[paper] - _MARGIN_MM["left"] - _MARGIN_MM["right"]
    width_px = int(printable_mm / 25.4 * 96)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser, args=list(CHROMIUM_ARGS),
                                     timeout=timeout_ms)
        try:
            context = chromium.new_context(viewport={"width": width_px, "height": 1100})
            context.route("**/*", _local_only)
            page = context.new_page()
            page.set_default_timeout(timeout_ms)
            page.emulate_media(media="print")
            page.goto(source.as_uri(), wait_until="load")
            page.add_style_tag(content=_PRINT_CSS)
            page.wait_for_function(
                "Array.from(document.images).every(i => i.complete)", timeout=timeout_ms)
            page.evaluate(_FIT_WIDE_JS, width_px)
            page.pdf(path=str(partial), format=paper, print_background=True,
                     display_header_footer=True, header_template="<span></span>",
                     footer_template=_FOOTER,
                     margin={k: f"{v}mm" for k, v in _MARGIN_MM.items()})
        finally:
            chromium.close()


def _local_only(route) -> None:
    # Reports must not depend on the network: anything that is not a local file or inline data fails.
    if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort("blockedbyclient")
