"""Every report in one place: ``reports/index.html``, the link to the previous report, and retention.

After each run the runner rebuilds the archive page of its output folder: every published report
(period, kind, status, when it ran, its headline sentence), newest first, with links; a small table
of the key KPIs across the last reports of each kind; and, apart, the failed builds (never listed
as published). Each report's manifest names the previous published report of its kind
(:func:`previous_report`), which its index links to and compares with. :func:`apply_retention`
deletes what ``report.keep`` in workbook.yml no longer keeps, after a successful run only.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> published, failed = list_reports(root)
>>> published, failed
([], [])
"""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from . import i18n
from .core.periods import KINDS, parse_period, period_label

__all__ = ["DEFAULT_KEEP", "KEY_KPIS", "apply_retention", "key_kpis", "kpi_label", "list_reports", "previous_report",
           "render_archive", "write_archive"]

#: reports kept per kind (None = all) and failed builds kept; ``report.keep`` in workbook.yml overrides
DEFAULT_KEEP = {"week": None, "month": None, "quarter": None, "year": None, "failed": 10}
#: scorecard KPIs shown in the archive's trend table, in this order, when the reports recorded them
KEY_KPIS = ("revenue", "new_leads", "cac", "nps", "client_engagement", "employee_satisfaction", "price_index")
TREND_REPORTS = 6
_FAILED = re.compile(r"(?P<period>.+?)\.failed-(?P<stamp>\d{8}T\d{6}Z)")

_t = i18n.catalog("archive", {
    "title": {"en": "KPI reports", "vi": "Các báo cáo KPI"},
    "published": {"en": "Published reports", "vi": "Các báo cáo đã phát hành"},
    "failed": {"en": "Failed builds (not published)", "vi": "Các lần chạy lỗi (không phát hành)"},
    "none": {"en": "No report yet.", "vi": "Chưa có báo cáo nào."},
    "col_period": {"en": "Period", "vi": "Kỳ"},
    "col_kind": {"en": "Kind", "vi": "Loại"},
    "col_status": {"en": "Status", "vi": "Trạng thái"},
    "col_when": {"en": "Ran", "vi": "Thời điểm chạy"},
    "col_answer": {"en": "Headline", "vi": "Kết quả chính"},
    "col_kpi": {"en": "KPI", "vi": "Chỉ số"},
    "trend": {"en": "Key KPIs, last {n} {kind} reports", "vi": "Các KPI chính, {n} báo cáo {kind} gần nhất"},
    "kind_week": {"en": "weekly", "vi": "tuần"},
    "kind_month": {"en": "monthly", "vi": "tháng"},
    "kind_quarter": {"en": "quarterly", "vi": "quý"},
    "kind_year": {"en": "yearly", "vi": "năm"},
    "status_ok": {"en": "published", "vi": "đã phát hành"},
    "status_partial": {"en": "published, partial data", "vi": "đã phát hành, dữ liệu chưa đủ"},
    "status_failed": {"en": "failed", "vi": "lỗi"},
    "status_interrupted": {"en": "interrupted", "vi": "bị dừng"},
    "status_killed": {"en": "killed", "vi": "bị ngắt"},
    "status_running": {"en": "running", "vi": "đang chạy"},
    "kpi_revenue": {"en": "Shop sales", "vi": "Doanh số cửa hàng"},
    "kpi_new_leads": {"en": "New leads", "vi": "Khách hàng tiềm năng mới"},
    "kpi_cac": {"en": "Client acquisition cost", "vi": "Chi phí có được khách hàng"},
    "kpi_nps": {"en": "Customer NPS", "vi": "NPS khách hàng"},
    "kpi_client_engagement": {"en": "Existing clients active", "vi": "Khách hàng hiện hữu còn giao dịch"},
    "kpi_employee_satisfaction": {"en": "Employee satisfaction", "vi": "Mức hài lòng của nhân viên"},
    "kpi_price_index": {"en": "Price index", "vi": "Chỉ số giá"},
})


def _manifest(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _kind(text: str) -> str | None:
    try:
        return parse_period(text).kind
    except (TypeError, ValueError):
        return None


def list_reports(out_root: str | Path) -> tuple[list[dict], list[dict]]:
    """(published, failed) reports in ``out_root``, newest period first (failed: newest build first).

    Each is ``{"period", "kind", "folder", "manifest"}``. A folder counts as published when it is named
    after a period and its manifest says ``ok``; failed builds are ``<period>.failed-<time>`` folders.
    Builds still running (hidden ``.<period>.building-*`` folders) are not listed.
    """
    root = Path(out_root)
    published, failed = [], []
    if not root.is_dir():
        return published, failed
    for folder in root.iterdir():
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        if (kind := _kind(folder.name)) is not None:
            manifest = _manifest(folder)
            if manifest and manifest.get("status") == "ok":
                published.append({"period": folder.name, "kind": kind, "folder": folder, "manifest": manifest})
        elif m := _FAILED.fullmatch(folder.name):
            failed.append({"period": m["period"], "kind": _kind(m["period"]), "folder": folder,
                           "manifest": _manifest(folder) or {}, "stamp": m["stamp"]})
    published.sort(key=lambda r: (parse_period(r["period"]).end, r["kind"]), reverse=True)
    failed.sort(key=lambda r: r["stamp"], reverse=True)
    return published, failed


def previous_report(out_root: str | Path, period: str) -> dict | None:
    """The latest published report of the same kind as ``period`` that ends before it, or None."""
    this = parse_period(period)
    earlier = [r for r in list_reports(out_root)[0]
               if r["kind"] == this.kind and parse_period(r["period"]).end < this.start]
    return earlier[0] if earlier else None


def _answer(manifest: Mapping) -> str:
    """The report's headline sentence: the scorecard's answer, else the first notebook's."""
    answers = [(e.get("name", ""), (e.get("headline") or {}).get("answer")) for e in manifest.get("notebooks", [])]
    answers = [(n, a) for n, a in answers if a]
    for name, answer in answers:
        if "scorecard" in name:
            return answer
    return answers[0][1] if answers else ""


def key_kpis(manifest: Mapping) -> dict:
    """The scorecard's recorded key KPIs of one report: ``{kpi: {"value": ..., "status": ...}}``."""
    for entry in manifest.get("notebooks", []):
        head = entry.get("headline") or {}
        if "scorecard" in head:
            return {k: {"value": head.get(k), "status": head.get(f"{k}_status")} for k in KEY_KPIS if k in head}
    return {}


def kpi_label(kpi: str, locale: str = "en") -> str:
    """A key KPI's name in ``locale``."""
    return _t(f"kpi_{kpi}", locale)


def _number(value, locale: str) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    digits = 0 if abs(value) >= 100 else 2 if abs(value) >= 1 else 3
    return i18n.number(value, locale, digits=digits)


def _status(manifest: Mapping, locale: str) -> str:
    status = manifest.get("status") or "failed"
    if status == "ok" and (manifest.get("coverage") or {}).get("partial"):
        status = "partial"
    try:
        return _t(f"status_{status}", locale)
    except KeyError:
        return status


def render_archive(out_root: str | Path, *, locale: str = "en", title: str = "", company: str = "") -> str:
    """The archive page of ``out_root`` (self-contained, no script, escaped)."""
    import jinja2

    from . import report

    published, failed = list_reports(out_root)
    rows = [{"period": period_label(r["period"], locale), "href": f"{r['folder'].name}/index.html",
             "kind": _t(f"kind_{r['kind']}", locale), "status": _status(r["manifest"], locale),
             "when": report.when_text(r["manifest"].get("finished_at") or "", locale),
             "answer": _answer(r["manifest"])} for r in published]
    failures = [{"period": r["period"], "href": f"{r['folder'].name}/index.html",
                 "status": _status(r["manifest"], locale),
                 "when": report.when_text(r["manifest"].get("started_at") or "", locale)} for r in failed]
    trends = []
    for kind in KINDS:
        recent = [r for r in published if r["kind"] == kind][:TREND_REPORTS][::-1]
        values = [{k: v["value"] for k, v in key_kpis(r["manifest"]).items()} for r in recent]
        kpis = [k for k in KEY_KPIS if any(k in v for v in values)]
        if recent and kpis:
            trends.append({"title": _t("trend", locale, n=len(recent), kind=_t(f"kind_{kind}", locale)),
                           "periods": [period_label(r["period"], locale) for r in recent],
                           "rows": [(kpi_label(k, locale), [_number(v.get(k), locale) for v in values])
                                    for k in kpis]})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
                             autoescape=True, keep_trailing_newline=True)
    return env.get_template("archive.html.j2").render(
        lang=locale, title=title or _t("title", locale), company=company, rows=rows, failures=failures,
        trends=trends, t=lambda key, **kw: _t(key, locale, **kw))


def write_archive(out_root: str | Path, *, locale: str = "en", title: str = "", company: str = "") -> Path:
    """Rebuild ``out_root/index.html`` in one step (never half a page)."""
    from . import report

    path = Path(out_root) / "index.html"
    report.write_atomic(path, render_archive(out_root, locale=locale, title=title, company=company))
    return path


def apply_retention(out_root: str | Path, keep: Mapping | None = None) -> list[Path]:
    """Delete published reports beyond ``keep[kind]`` (newest kept; None keeps all) and failed builds
    beyond ``keep["failed"]``; returns what was deleted. Call after a successful run only."""
    keep = {**DEFAULT_KEEP, **dict(keep or {})}
    published, failed = list_reports(out_root)
    gone = []
    for kind in KINDS:
        limit = keep.get(kind)
        if limit is not None:
            gone += [r["folder"] for r in [r for r in published if r["kind"] == kind][int(limit):]]
    if keep.get("failed") is not None:
        gone += [r["folder"] for r in failed[int(keep["failed"]):]]
    for folder in gone:
        shutil.rmtree(folder)
    return gone
