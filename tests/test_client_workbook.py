"""A client workbook end to end (issue 9): the client's own Excel exports, Vietnamese report.

The client's tables come as Excel files with their own Vietnamese column names and status labels
("Thành công" / "Thất bại" / "Đang xử lý"); ``workbook.yml`` maps them to the canonical tables. The
full report runs in Vietnamese and must read as Vietnamese: the package's summaries, money as
"1.234.567 ₫", and no English left over (no English catalogue text, no English narrative cell, no
English table header). A wrong mapping gives one message naming what is missing and the client's
closest column names, from ``kpi-report validate`` and from ``kpi-report run`` (before anything runs).
"""
from __future__ import annotations

import html
import importlib
import pkgutil
import re
import string
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import kpi_analysis
from kpi_analysis import cli, data, i18n, report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
NOTEBOOKS = ["01_kpi_feasibility", "02_rep_conversion", "03_location_ab_test", "04_nps_segmentation",
             "05_kpi_scorecard", "06_test_design"]
ANALYSIS = dict(zip(NOTEBOOKS, ["feasibility", "reps", "promo", "nps", "scorecard", "promo.design"]))

# The client's column names (canonical -> client), as a CRM or accounting export would have them.
CLIENT_COLUMNS = {
    "leads": {"lead_id": "Mã KH tiềm năng", "created_at": "Ngày tạo", "rep": "Nhân viên phụ trách",
              "source": "Nguồn khách", "segment": "Loại khách", "status": "Trạng thái",
              "closed_at": "Ngày chốt", "deal_value": "Giá trị hợp đồng (đồng)",
              "first_contact_at": "Ngày liên hệ đầu"},
    "sales": {"date": "Ngày bán", "location": "Cửa hàng", "revenue": "Doanh thu (đồng)", "orders": "Số hóa đơn"},
    "nps_responses": {"response_id": "Mã phiếu", "customer_id": "Mã khách hàng", "responded_at": "Thời điểm trả lời",
                      "score": "Điểm giới thiệu (0-10)", "region": "Miền", "product": "Ngành hàng",
                      "customer_since": "Khách hàng từ ngày", "comment": "Góp ý"},
    "marketing_spend": {"month": "Tháng", "channel": "Kênh tiếp thị", "spend": "Chi phí (đồng)"},
    "competitor_prices": {"date": "Ngày khảo sát", "product": "Sản phẩm", "our_price": "Giá bán của mình",
                          "competitor": "Đối thủ", "competitor_price": "Giá đối thủ"},
    "client_activity": {"client_id": "Mã khách", "date": "Ngày", "activity_type": "Loại hoạt động"},
    "employee_survey": {"employee_id": "Mã nhân viên", "date": "Ngày khảo sát", "team": "Bộ phận",
                        "score": "Điểm hài lòng"},
    "kpi_targets": {"kpi": "Mã KPI", "period": "Kỳ", "target": "Chỉ tiêu", "direction": "Chiều",
                    "perspective": "Khía cạnh", "owner": "Người phụ trách"},
}
STATUS_LABELS = {"won": "Thành công", "lost": "Thất bại", "open": "Đang xử lý"}
CLIENT = "Công ty TNHH Nông sản Bình Minh"


def _canonical(table: str) -> pd.DataFrame:
    return data.load(table, SAMPLE / f"{table}.csv")


def _as_client_export(table: str, rows: int | None = None) -> pd.DataFrame:
    """A sample table as the client exports it: typed cells, the client's headers and labels."""
    frame = _canonical(table).head(rows)
    if table == "leads":
        frame = frame.assign(status=frame["status"].map(STATUS_LABELS))
    frame = frame.astype({c: object for c in frame.columns if str(frame[c].dtype) == "Int64"})
    frame = frame.where(frame.notna(), None)
    return frame.rename(columns=CLIENT_COLUMNS[table])


def _new_client_workbook(root: Path, tables: list[str], *, columns=CLIENT_COLUMNS, rows: int | None = None) -> Path:
    """`kpi-report new` for the client, the exports as Excel in data/, the mapping in workbook.yml."""
    result = CliRunner().invoke(cli.cli, ["new", str(root), "--client", CLIENT, "--locale", "vi"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    cfg = Path(result.stdout.strip().splitlines()[-1])
    settings = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    assert settings["locale"] == "vi" and settings["company"]["name"] == CLIENT
    settings["data"]["tables"] = {}
    for table in tables:
        file_name = f"{table}_export.xlsx"
        _as_client_export(table, rows).to_excel(root / "data" / file_name, sheet_name="Dữ liệu", index=False)
        spec = {"path": file_name, "sheet": "Dữ liệu", "columns": {v: k for k, v in columns[table].items()}}
        if table == "leads":
            spec["values"] = {"status": {label: code for code, label in STATUS_LABELS.items()}}
        settings["data"]["tables"][table] = spec
    cfg.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cfg


def _fragments(messages: dict, locale: str) -> list[str]:
    """The static text (>= 12 characters) of each message's template in ``locale``."""
    return [" ".join(piece.split()) for texts in messages.values()
            for literal, *_ in string.Formatter().parse(texts[locale]) for piece in literal.split("\n")
            if len(piece.strip()) >= 12]


def _catalogs() -> dict:
    """Every message catalogue of the package (modules register theirs when imported; the analyses' ones
    live in their packages' present modules)."""
    for mod in pkgutil.walk_packages(kpi_analysis.__path__, prefix="kpi_analysis."):
        if mod.name != "kpi_analysis.cli":
            importlib.import_module(mod.name)
    return i18n.catalogs()


def _english_fragments() -> set[str]:
    """Static text of every English catalogue message that the Vietnamese text does not share."""
    catalogs = _catalogs()
    vietnamese = "\n".join(t["vi"] for msgs in catalogs.values() for t in msgs.values())
    out = set()
    for messages in catalogs.values():
        for texts in messages.values():
            for literal, *_ in string.Formatter().parse(texts["en"]):
                for piece in literal.split("\n"):
                    piece = " ".join(piece.split())
                    if len(piece) >= 12 and piece not in vietnamese:
                        out.add(piece)
    return out


def _page_text(page: str) -> str:
    """What a reader sees: tags, styles and entities removed, whitespace collapsed."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    page = re.sub(r"<img\b[^>]*>", " ", page, flags=re.IGNORECASE)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _narrative_segments(notebook, tag: str) -> list[str]:
    """Runs of plain text (>= 20 characters, between markdown markup) of the cells tagged ``tag``
    that the other language's cells do not share (a book title cited in both, say). ``notebook``: a path
    or a notebook (e.g. ``report.page_cells`` of an executed one: what its HTML page shows)."""
    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, (str, Path)) else notebook
    mine, others = [], []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown" and any(t.startswith("lang-") for t in tags):
            source = re.sub(r"<[^>]+>", "", cell.source)  # inline HTML (a heading's anchor) is not text
            blocks = re.split(r"\n\s*\n|\n(?=\s*(?:#|- ))", source)  # paragraphs, headings, list items
            (mine if tag in tags else others).extend(" ".join(b.split()).removeprefix("- ") for b in blocks)
    other_text = "\n".join(others)
    return [s.strip() for flat in mine for s in re.split(r"[`*_#\[\]()|]|\s-\s", flat)
            if len(s.strip()) >= 20 and s.strip() not in other_text]


@pytest.fixture(scope="module")
def client_report(tmp_path_factory):
    if not (SAMPLE / "leads.csv").exists():
        pytest.skip("sample data not generated")
    root = tmp_path_factory.mktemp("client") / "binh_minh"
    cfg = _new_client_workbook(root, list(CLIENT_COLUMNS))
    # The promotion schedule is not a canonical table: notebook 03 reads it from the data folder
    # (parameter schedule_file, CSV or Excel, columns location/start/end with the sales' location names).
    pd.read_csv(SAMPLE / "promotions.csv").to_excel(root / "data" / "lich_khuyen_mai.xlsx", index=False)
    # March 2026, when the sample's promotion test ends: every page runs
    result = CliRunner().invoke(cli.cli, ["run", "--config", str(cfg), "--period", "2026-03", "--jobs", "2",
                                          "-p", "schedule_file", "lich_khuyen_mai.xlsx"],
                                catch_exceptions=False)
    out = root / "reports" / "2026-03"
    return root, result, out


@pytest.mark.slow
def test_client_report_runs_in_vietnamese(client_report):
    _, result, out = client_report
    assert result.exit_code == 0, result.output
    pages = {name: (out / f"{name}.html").read_text(encoding="utf-8") for name in NOTEBOOKS}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in index and all('<html lang="vi">' in p for p in pages.values())
    assert "Báo cáo KPI tháng 3/2026" in index and CLIENT in index
    vi_fragments = {ns: _fragments(_catalogs()[ns], "vi") for ns in ANALYSIS.values()}
    for name, page in pages.items():
        text = _page_text(page)
        executed = nbformat.read(out / f"{name}.ipynb", as_version=4)
        shown = ["".join(o.get("data", {}).get("text/html", "")) for c in executed.cells
                 if c.cell_type == "code" for o in c.get("outputs", [])]
        summaries = [h for h in shown if "kpi-summary" in h]  # i18n.say: sentences as paragraphs
        assert summaries, f"{name}: no summary shown"
        first = " ".join(html.unescape(re.search(r"<p>(.*?)</p>", summaries[0], re.DOTALL).group(1)).split())
        assert re.search("[ạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]", first), f"{name}: {first!r}"
        assert first in text, f"{name}: the summary is not on the page"
        found = [f for f in vi_fragments[ANALYSIS[name]] if f in text]
        assert len(found) >= 2, f"{name}: too little of the {ANALYSIS[name]} Vietnamese wording: {found}"
        assert "Khuyến mãi" in text or name != "03_location_ab_test"
    everything = "\n".join(_page_text(p) for p in [*pages.values(), index])
    assert re.search(r"\b\d{1,3}(?:\.\d{3}){2,}\s₫", everything), "no amount formatted the Vietnamese way"
    assert not re.search(r"\bVND \d", everything), "an amount formatted the English way"


@pytest.mark.slow
def test_no_english_left_in_the_vietnamese_report(client_report):
    _, result, out = client_report
    assert result.exit_code == 0, result.output
    pages = {p.name: _page_text(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.html"))}
    assert len(pages) == len(NOTEBOOKS) + 1
    fragments = _english_fragments()
    assert len(fragments) > 200  # the check has teeth: every analysis' English wording
    leftovers = {name: sorted(f for f in fragments if f in text) for name, text in pages.items()}
    assert not any(leftovers.values()), {k: v for k, v in leftovers.items() if v}
    for name in NOTEBOOKS:
        english = _narrative_segments(ROOT / "notebooks" / f"{name}.ipynb", "lang-en")
        # the page leaves out sections that show nothing without a kernel (explorers): not their words
        shown = report.page_cells(nbformat.read(out / f"{name}.ipynb", as_version=4))
        vietnamese = _narrative_segments(shown, "lang-vi")
        assert len(english) >= 3 and len(vietnamese) >= 3, name
        text = pages[f"{name}.html"]
        assert [s for s in english if s in text] == [], f"{name}: English narrative in the Vietnamese report"
        assert [s for s in vietnamese if s not in text] == [], f"{name}: Vietnamese narrative missing"
    # the same check finds the English narrative when the page is rendered in English (it has teeth)
    executed = nbformat.read(out / "02_rep_conversion.ipynb", as_version=4)
    english_page = _page_text(report.render_html(executed, title="t", locale="en", period="2026-10"))
    english = _narrative_segments(report.page_cells(executed), "lang-en")
    assert len(english) >= 3 and [s for s in english if s not in english_page] == []


@pytest.mark.slow
def test_table_headers_are_translated(client_report):
    _, result, out = client_report
    assert result.exit_code == 0, result.output
    english_labels = {t["en"] for t in _catalogs()["table_columns"].values() if t["en"] != t["vi"]}
    seen = 0
    for name in NOTEBOOKS:
        page = (out / f"{name}.html").read_text(encoding="utf-8")
        headers = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", h)).split())
                   for h in re.findall(r"<th\b[^>]*>(.*?)</th>", page, flags=re.DOTALL)]
        seen += len(headers)
        raw = [h for h in headers if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", h)]
        assert raw == [], f"{name}: identifier column headers {raw}"
        assert [h for h in headers if h in english_labels] == [], name
    assert seen > 100


def test_a_wrong_mapping_is_one_message_with_the_closest_client_names(tmp_path):
    if not (SAMPLE / "leads.csv").exists():
        pytest.skip("sample data not generated")
    columns = {**CLIENT_COLUMNS, "leads": {**CLIENT_COLUMNS["leads"], "status": "Trang thai"}}  # misspelled
    cfg = _new_client_workbook(tmp_path / "wb", ["leads", "sales"], columns=columns, rows=200)
    # the file really says "Trạng thái"; and the client's sales export has no "Số hóa đơn" column
    export = tmp_path / "wb" / "data" / "sales_export.xlsx"
    pd.read_excel(export).drop(columns=["Số hóa đơn"]).to_excel(export, sheet_name="Dữ liệu", index=False)
    runner = CliRunner()
    checked = runner.invoke(cli.cli, ["validate", "--config", str(cfg)], catch_exceptions=False)
    assert checked.exit_code == report.EXIT_USAGE
    assert "leads: PROBLEM" in checked.stdout and "sales: PROBLEM" in checked.stdout
    assert "'status' (mapped from 'Trang thai', which the file does not have): did you mean ['Trạng thái']" \
        in checked.stdout
    assert "'orders' (mapped from 'Số hóa đơn', which the file does not have)" in checked.stdout
    ran = runner.invoke(cli.cli, ["run", "--config", str(cfg), "--period", "2026-10"], catch_exceptions=False)
    assert ran.exit_code == report.EXIT_USAGE
    message = ran.stderr
    assert message.count("kpi-report: error:") == 1 and "nothing was run" in message
    assert "did you mean ['Trạng thái']" in message and "'orders' (mapped from 'Số hóa đơn'" in message
    assert not (tmp_path / "wb" / "reports" / "2026-10").exists()
    assert not list((tmp_path / "wb" / "reports").glob("*.failed-*"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_report_language_keeps_only_its_own_narrative(name):
    """Every markdown cell is a lang-en / lang-vi pair; the HTML export keeps the report's language."""
    path = ROOT / "notebooks" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    tags = [[t for t in c.metadata.get("tags", []) if t.startswith("lang-")] for c in markdown]
    assert tags == [["lang-en"], ["lang-vi"]] * (len(markdown) // 2), f"{name}: cells not in en/vi pairs"
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    locale_line = next(line for line in params.source.splitlines() if line.startswith("locale:"))
    assert "=" not in locale_line.split("#", 1)[1] and "'" not in locale_line  # papermill reads its help
    for locale, other in (("en", "vi"), ("vi", "en")):
        page = _page_text(report.render_html(nb, title=name, locale=locale, period="2026-10"))
        # (the notebook has not run: its sections with code show nothing and are left out of the page)
        mine = _narrative_segments(report.page_cells(nb), f"lang-{locale}")
        theirs = _narrative_segments(path, f"lang-{other}")
        assert mine and all(s in page for s in mine), f"{name} ({locale}): its narrative is missing"
        assert not [s for s in theirs if s in page], f"{name} ({locale}): the other language's narrative shows"
    assert report.notebook_title(nb, name, "vi") != report.notebook_title(nb, name, "en")
