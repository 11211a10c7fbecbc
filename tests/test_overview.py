"""The index as the month at a glance, built from a manifest: tiles, what is off target, look next."""
from __future__ import annotations

from pathlib import Path

from kpi_analysis import overview, report

ROOT = Path(__file__).resolve().parents[1]


def _kpi(kpi, name, value_text, status, perspective, target_text="–", reason=""):
    return {"kpi": kpi, "name": name, "value_text": value_text, "status": status, "status_name": status,
            "perspective": perspective, "target_text": target_text, "reason": reason or f"{value_text}: {status}"}


MANIFEST = {
    "period": "2026-10", "status": "ok", "locale": "en", "started_at": "2026-11-02T06:15:00+00:00",
    "finished_at": "2026-11-02T06:15:30+00:00", "duration_s": 30.0, "company": {"name": "<b>Minh Phát</b>"},
    "notebooks": [
        {"name": "02_rep_conversion", "title": "Reps", "status": "ok", "duration_s": 5.0,
         "outputs": {"html": "02_rep_conversion.html", "ipynb": "02_rep_conversion.ipynb"},
         "headline": {"answer": "9 reps; team conversion 22.5%.", "team_conversion": 0.225,
                      "reps_persistent_under": ["Lê Hoàng Cường"], "reps_short_term_dip": [],
                      "rep_comparison": {"n_reps": 9}}},
        {"name": "05_kpi_scorecard", "title": "Scorecard", "status": "ok", "duration_s": 5.0,
         "outputs": {"html": "05_kpi_scorecard.html", "ipynb": "05_kpi_scorecard.ipynb"},
         "headline": {"answer": "11 KPIs; 4 off target.", "client_engagement": 0.56,
                      "client_engagement_status": "red", "scorecard": {"period": "2026-10"},
                      "scorecard_kpis": [
                          _kpi("client_engagement", "Existing clients active", "56.0%", "red", "customer", "60.0%",
                               "56.0% against a target of 60.0%: off target"),
                          _kpi("revenue", "Shop sales", "VND 12.19 bn", "amber", "financial", "VND 12.55 bn"),
                          _kpi("enps", "Employee NPS <eNPS>", "−43.4", "red", "learning", "+10.0")]}},
    ],
}


def test_off_target_kpis_are_named_first_with_their_reason():
    html = report.render_index(MANIFEST, locale="en")
    glance = html[html.index("At a glance"):html.index("Look next")]
    assert "Off target: Existing clients active (56.0% against a target of 60.0%); Employee NPS" in glance
    assert "Near target: Shop sales." in glance
    assert glance.index("Financial") < glance.index("Customer") < glance.index("Learning and growth")
    assert 'class="tile red" id="kpi-client_engagement"' in glance and "target 60.0%" in glance


def test_look_next_links_each_finding_to_its_page():
    items = overview.findings(MANIFEST, "en")
    assert [i["href"] for i in items] == ["05_kpi_scorecard.html", "05_kpi_scorecard.html", "02_rep_conversion.html"]
    assert items[2]["text"] == "Converting below the team for several periods: Lê Hoàng Cường"


def test_recorded_numbers_are_labelled_and_formatted_in_the_report_language():
    rows = dict(overview.record_items(MANIFEST["notebooks"][0]["headline"], "vi"))
    assert rows["Tỷ lệ chuyển đổi của cả nhóm"] == "22,5%"
    assert "rep_comparison" not in " ".join(rows) and "answer" not in rows
    card = dict(overview.record_items(MANIFEST["notebooks"][1]["headline"], "en"))
    assert "client engagement" not in card  # a scorecard KPI is in its tile, not repeated


def test_everything_is_escaped_and_vietnamese_throughout():
    html = report.render_index(MANIFEST, locale="vi")
    assert "<b>Minh Phát</b>" not in html and "&lt;b&gt;Minh Phát&lt;/b&gt;" in html
    assert "Employee NPS &lt;eNPS&gt;" in html
    for words in ("Tổng quan", "Cần xem tiếp", "Chưa đạt mục tiêu:", "Tài chính", "Kết luận của từng phân tích"):
        assert words in html
    assert "<script" not in html


def test_the_nps_tile_links_to_what_customers_say():
    import copy

    manifest = copy.deepcopy(MANIFEST)
    card = manifest["notebooks"][1]["headline"]["scorecard_kpis"]
    card.append(_kpi("nps", "Customer NPS", "+41.9", "no_target", "customer"))
    html = report.render_index(manifest, locale="vi")
    assert "Khách hàng nói gì" not in html  # no NPS page with comments in this report: no link
    manifest["notebooks"].append({"name": "04_nps_segmentation", "title": "NPS", "status": "ok",
                                  "outputs": {"html": "04_nps_segmentation.html"},
                                  "headline": {"nps": 41.9, "nps_comments": {"n_comments": 640}}})
    html = report.render_index(manifest, locale="vi")
    tile = html[html.index('id="kpi-nps"'):]
    tile = tile[:tile.index("</div></div>") + 12]
    assert '<a href="04_nps_segmentation.html#customers-say">Khách hàng nói gì</a>' in tile


def test_the_comment_section_has_the_anchor_the_index_links_to():
    import nbformat

    from kpi_analysis.overview import CUSTOMERS_SAY

    nb = nbformat.read(ROOT / "notebooks" / "04_nps_segmentation.ipynb", as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "markdown"]  # not run: the headings alone
    headings = [c for c in nb.cells if c.cell_type == "markdown" and f'id="{CUSTOMERS_SAY}"' in c.source]
    assert len(headings) == 2  # the English and the Vietnamese heading
    for locale in ("en", "vi"):
        assert f'id="{CUSTOMERS_SAY}"' in report.render_html(nb, title="NPS", locale=locale, period="2026-10")
