"""Reports as PDF: ``kpi_analysis.pdf.html_to_pdf`` (what ``kpi-report run --pdf`` calls).

Checked on the PDF itself (read back with pypdf): A4 pages, "page / pages" in every footer, every
section heading of the HTML present, figures embedded, and no text placed beyond the right edge of
the paper (a cut-off table). The argument checks need no browser; the rest do.
"""
from __future__ import annotations

import base64
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _browser import notebook_paths, runner_prints_pdf

from kpi_analysis import pdf

A4_POINTS = (595.3, 841.9)


@dataclass
class PdfPage:
    width: float
    height: float
    text: str
    runs: list  # (text, x, y) of each text run, in points from the bottom-left corner
    images: int


def read_pdf(path: Path) -> list[PdfPage]:
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(path).pages:
        runs = []

        def visit(text, cm, tm, font, size, runs=runs):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                runs.append((text, x, y))

        text = page.extract_text(visitor_text=visit)
        pages.append(PdfPage(float(page.mediabox.width), float(page.mediabox.height), text, runs,
                             len(page.images)))
    return pages


def squash(text: str) -> str:
    """Text compared without spacing, case or Unicode composition differences (PDF text extraction)."""
    return re.sub(r"[\s\u200b]+", "", unicodedata.normalize("NFC", text)).casefold()


class _Outline(HTMLParser):
    """Headings (h1-h3), table header cells and images of an HTML page."""

    def __init__(self):
        super().__init__()
        self.headings: list[str] = []
        self.columns: list[str] = []
        self.images: set[str] = set()
        self._in: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "th"):
            self._in, self._buf = tag, []
        elif tag == "img":
            self.images.add(dict(attrs).get("src", "")[-200:])

    def handle_endtag(self, tag):
        if tag == self._in:
            text = " ".join("".join(self._buf).split()).rstrip("¶").strip()
            if text:
                (self.columns if tag == "th" else self.headings).append(text)
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._buf.append(data)


def outline(html: Path) -> _Outline:
    parser = _Outline()
    parser.feed(html.read_text(encoding="utf-8"))
    return parser


def check_printed(pdf_path: Path, *, headings=(), images: int = 0, name: str = "") -> list[PdfPage]:
    pages = read_pdf(pdf_path)
    assert pages, f"{name}: empty PDF"
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        # Chromium rounds the paper to whole CSS pixels: 595.9 x 842.9 pt for A4's 595.3 x 841.9.
        assert abs(page.width - A4_POINTS[0]) < 2 and abs(page.height - A4_POINTS[1]) < 2, (
            f"{name}: page {number} is {page.width:.1f} x {page.height:.1f} pt, not A4")
        assert re.search(rf"(?<!\d){number}\s*/\s*{total}(?!\d)", page.text), (
            f"{name}: page {number} has no '{number} / {total}' page number in its footer")
        beyond = [(t, round(x)) for t, x, _ in page.runs if x > page.width - 1 or x < 0]
        assert not beyond, f"{name}: page {number} has text off the paper (cut off): {beyond[:5]}"
    whole = squash("".join(p.text for p in pages))
    missing = [h for h in headings if squash(h) not in whole]
    assert not missing, f"{name}: sections missing from the PDF: {missing}"
    embedded = sum(p.images for p in pages)
    assert embedded >= images, f"{name}: {images} figure(s) in the page, {embedded} in the PDF"
    return pages


# ------------------------------------------------------------------------------ arguments, no browser
def test_find_chromium_reports_missing_executable():
    assert pdf.find_chromium("/nonexistent/chromium") is None


def test_html_to_pdf_rejects_bad_arguments(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<h1>x</h1>", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="no HTML file"):
        pdf.html_to_pdf(tmp_path / "missing.html", tmp_path / "out.pdf")
    with pytest.raises(ValueError, match="paper must be one of"):
        pdf.html_to_pdf(page, tmp_path / "out.pdf", paper="A3")
    with pytest.raises(ValueError, match="timeout"):
        pdf.html_to_pdf(page, tmp_path / "out.pdf", timeout=0)
    with pytest.raises(RuntimeError, match="install-browser.sh"):
        pdf.html_to_pdf(page, tmp_path / "out.pdf", executable_path=tmp_path / "no-chromium")
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".*.part"))


# --------------------------------------------------------------------------------- with a browser
def _png(width_in: float, height_in: float) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=100)
    fig.add_subplot().plot([0, 1, 2], [2, 0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.mark.browser
def test_wide_tables_and_figures_fit_the_page(chromium_executable, tmp_path):
    columns = [f"cột_{i:02d}_doanh_thu" for i in range(30)]
    rows = "".join("<tr>" + "".join(f"<td>{r * 1000 + i:,}</td>" for i in range(30)) + "</tr>"
                   for r in range(120))
    sections = [f"Phần {i}: Miền Trung" for i in range(1, 4)]
    html = tmp_path / "wide.html"
    html.write_text(
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Báo cáo thử</title>'
        '<script src="https://cdn.invalid/require.js"></script></head><body>'
        f"<h1>{sections[0]}</h1><table><thead><tr>"
        + "".join(f"<th>{c}</th>" for c in columns) + f"</tr></thead><tbody>{rows}</tbody></table>"
        f'<h2>{sections[1]}</h2><img src="{_png(24, 4)}" alt="wide chart">'
        f'<h2>{sections[2]}</h2><p>{"Nội dung. " * 400}</p></body></html>', encoding="utf-8")
    out = pdf.html_to_pdf(html, tmp_path / "wide.pdf", executable_path=chromium_executable)
    assert out == tmp_path / "wide.pdf"
    pages = check_printed(out, headings=sections, images=1, name="wide.html")
    assert len(pages) >= 2  # 120 rows: the table breaks across pages, the footer numbers them
    text = squash("".join(p.text for p in pages))
    assert all(squash(c) in text for c in columns), "a column of the wide table is missing from the PDF"
    assert squash("119,029") in text  # the last cell of the last row
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.browser
@pytest.mark.parametrize("page", ["index"] + [p.stem for p in notebook_paths()])
def test_report_page_prints_with_every_section(page, report_dir, chromium_executable, tmp_path, artifacts):
    html = report_dir / f"{page}.html"
    assert html.is_file(), f"the report has no {html.name}"
    structure = outline(html)
    out = pdf.html_to_pdf(html, tmp_path / f"{page}.pdf", executable_path=chromium_executable)
    pages = check_printed(out, headings=structure.headings, images=len(structure.images), name=html.name)
    printed = squash("".join(p.text for p in pages))
    cut = [c for c in structure.columns if squash(c) not in printed]
    assert not cut, f"{html.name}: table column(s) cut off in the PDF: {cut[:10]}"
    (artifacts / f"report-{page}.pdf").write_bytes(out.read_bytes())


@pytest.mark.browser
def test_runner_prints_every_page_to_pdf(report_dir):
    """``kpi-report run --pdf``: a PDF beside each HTML page of the report, with every section."""
    if not runner_prints_pdf():
        pytest.skip("kpi-report run has no --pdf option (the runner does not print PDFs yet)")
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["notebooks"]
    entries = list(entries.values()) if isinstance(entries, dict) else entries
    pages = {"index.html": report_dir / "index.pdf"}
    for entry in entries:
        html = entry["outputs"]["html"]
        pages[html] = report_dir / (entry["outputs"].get("pdf") or Path(html).with_suffix(".pdf").name)
    missing = [str(p.name) for p in pages.values() if not p.is_file()]
    assert not missing, f"kpi-report run --pdf wrote no {missing} in {report_dir}"
    for html, printed in pages.items():
        structure = outline(report_dir / html)
        check_printed(printed, headings=structure.headings, images=len(structure.images), name=printed.name)
