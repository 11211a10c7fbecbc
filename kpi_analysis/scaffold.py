"""``kpi-report new DIR``: a new client workbook that runs as soon as the client's data is in place.

The new folder holds a ``workbook.yml`` written for the client (locale, currency, company name, one
commented entry per table to fill in with the client's file and column names), copies of the
notebooks (the same notebooks, unchanged: everything client-specific lives in the config), an empty
``data/`` folder and a README in the client's language saying what to do next.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from . import i18n
from . import schema as _schema

PROJECT_ROOT = Path(__file__).resolve().parents[1]

_t = i18n.catalog("scaffold", {
    "readme_title": {"en": "KPI workbook for {client}", "vi": "Bộ báo cáo KPI cho {client}"},
    "readme_body": {
        "en": ("1. Put the client's exports in `data/` (CSV, Parquet or Excel).\n"
               "2. In `workbook.yml`, set each table's `path` and map the client's column names to the "
               "canonical ones under `columns` (and labels such as lead statuses under `values`).\n"
               "3. Check the data: `kpi-report validate --config workbook.yml`.\n"
               "4. Run the report: `kpi-report run --config workbook.yml --period YYYY-MM`; it is written to "
               "`reports/<period>/`.\n\nTables you do not have can be left out: the scorecard drops their KPIs "
               "with a note. The promotion test (notebook 03) also reads a promotion schedule from `data/`: "
               "`promotions.csv` (or an Excel file named with `-p schedule_file NAME`) with the columns "
               "`location`, `start`, `end` and the shop names exactly as in the sales table. "
               "The canonical tables and their columns:"),
        "vi": ("1. Đặt các tệp xuất dữ liệu của khách hàng vào `data/` (CSV, Parquet hoặc Excel).\n"
               "2. Trong `workbook.yml`, khai báo `path` của từng bảng và ánh xạ tên cột của khách hàng sang "
               "tên chuẩn trong mục `columns` (và các nhãn như trạng thái khách hàng tiềm năng trong `values`).\n"
               "3. Kiểm tra dữ liệu: `kpi-report validate --config workbook.yml`.\n"
               "4. Chạy báo cáo: `kpi-report run --config workbook.yml --period YYYY-MM`; báo cáo được ghi vào "
               "`reports/<period>/`.\n\nCó thể bỏ qua những bảng không có: bảng điểm KPI sẽ bỏ các KPI tương ứng kèm "
               "ghi chú. Phép thử khuyến mãi (báo cáo chi tiết 03) còn đọc lịch khuyến mãi trong `data/`: "
               "`promotions.csv` (hoặc một tệp Excel, khai báo bằng `-p schedule_file TÊN_TỆP`) với các cột "
               "`location`, `start`, `end` và tên cửa hàng giống hệt trong bảng doanh số. "
               "Các bảng chuẩn và cột của chúng:"),
    },
    "config_header": {
        "en": "# KPI workbook configuration for {client}. Fill in each table's file and column names.",
        "vi": "# Cấu hình bộ báo cáo KPI cho {client}. Điền tên tệp và tên cột của từng bảng.",
    },
})


def new_workbook(target: str | Path, *, client: str = "", locale: str = "vi", currency: str = "VND",
                 notebooks_dir: str | Path | None = None) -> Path:
    """Create a client workbook in ``target`` (which must not exist or be empty); returns its config path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> cfg = new_workbook(pathlib.Path(tempfile.mkdtemp()) / "acme", client="ACME")
    >>> sorted(p.name for p in cfg.parent.iterdir())
    ['README.md', 'data', 'notebooks', 'reports', 'workbook.yml']
    """
    i18n.check_locale(locale)
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} exists and is not empty; choose a new folder for the client workbook.")
    source = Path(notebooks_dir) if notebooks_dir else PROJECT_ROOT / "notebooks"
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks found in {source} to copy into the client workbook.")
    client = client or target.name
    (target / "notebooks").mkdir(parents=True)
    (target / "data").mkdir()
    (target / "reports").mkdir()
    for nb in notebooks:
        shutil.copy2(nb, target / "notebooks" / nb.name)
    config_path = target / "workbook.yml"
    config_path.write_text(_config_text(client, locale, currency), encoding="utf-8")
    (target / "README.md").write_text(_readme_text(client, locale), encoding="utf-8")
    return config_path


def _config_text(client: str, locale: str, currency: str) -> str:
    lines = [_t("config_header", locale, client=client),
             "company:", f"  name: {_yaml_str(client)}", "  logo: null",
             f"locale: {locale}", f"currency: {currency}", "", "data:", "  dir: data", "  tables:"]
    for table in _schema.table_names():
        cols = _schema.columns(table)
        lines.append(f"    # {table}:")
        lines.append(f"    #   path: {table}.xlsx")
        lines.append("    #   columns: {" + ", ".join(f'"<client name>": {c}' for c in cols[:2]) + ", ...}")
    lines += ["", "targets:", "  tolerance: 0.05", "", "analyses: {}", "", "report:",
              "  notebooks_dir: notebooks", "  output_dir: reports", "  cell_timeout: 600",
              "  start_timeout: 120", "  kernel: python3", "  jobs: []", ""]
    return "\n".join(lines)


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _readme_text(client: str, locale: str) -> str:
    rows = [f"| {r.table} | {r.column} | {r.rules} |" for r in _schema.describe().itertuples()]
    return "\n".join([f"# {_t('readme_title', locale, client=client)}", "", _t("readme_body", locale), "",
                      "| table | column | rules |", "|---|---|---|", *rows, ""])
