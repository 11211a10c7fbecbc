"""The scheduled report runner behind ``kpi-report run``.

One run executes every report notebook with papermill for one month and writes, into
``reports/<period>/``:

* ``<job>.ipynb``: the executed notebook (code, outputs, the error of a failed cell);
* ``<job>.html``: the same notebook rendered without code cells, self-contained (CSS and PNG
  figures embedded, no script or stylesheet from the network), data-derived text escaped;
* ``index.html``: every notebook with its status, duration and headline numbers;
* ``manifest.json``: per notebook the status, error (failing cell, exception), duration, parameters,
  headline numbers (read back with :func:`kpi_analysis.record.read_records`), package versions and
  the sha256 fingerprint of every input file.

Safety rules (see "Scheduled reports" in README.md):

* parameters are checked against each notebook's ``parameters`` cell before anything runs;
* the run is built in a hidden folder beside the target and moved into place only when every
  notebook succeeded, so ``reports/<period>/`` always holds a complete, successful report;
* the build folder has its ``manifest.json`` and ``index.html`` from the start (status ``running``),
  rewritten as each notebook starts and finishes, so an attempt that fails, is interrupted or is
  killed says how far it got (the next run marks a killed one ``killed``);
* a run with a failed notebook, an interrupted run and a run whose output folder cannot be written
  (disk full, read-only, vanished) are kept as ``reports/<period>.failed-<UTC time>/`` when possible,
  and the earlier complete report (if any) stays untouched; the exit code says what happened
  (:data:`EXIT_CODES`);
* worker processes and their kernels end with the runner, even when it is killed outright.

Extension points: ``run(..., postprocess=[...])`` calls each hook with the build folder and the
manifest before the folder is moved into place (a PDF printer writes its files there, so they are
swapped in atomically with the rest); :func:`render_html` renders one executed notebook.
"""
from __future__ import annotations

import ast
import base64
import contextlib
import datetime as _dt
import errno
import json
import logging
import math
import mimetypes
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import i18n
from .core.checks import closest

__all__ = [
    "COMMON_PARAMETERS",
    "EXIT_CODES",
    "EXIT_COVERAGE",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_USAGE",
    "CoverageRefused",
    "Interrupted",
    "Job",
    "OutputError",
    "Parameter",
    "ParameterError",
    "ReportError",
    "RunResult",
    "check_columns",
    "check_parameters",
    "data_coverage",
    "error_line",
    "last_complete_month",
    "last_complete_period",
    "notebook_parameters",
    "notebook_requirements",
    "notebook_title",
    "output_fault",
    "package_versions",
    "parse_cli_value",
    "partial_notice",
    "period_lock",
    "plan_jobs",
    "render_html",
    "render_index",
    "resolve_parameters",
    "run",
    "skip_reason",
    "skip_text",
    "swap_into_place",
    "sweep_stale_builds",
    "write_atomic",
    "write_outputs",
]

#: Parameters every report notebook declares; the runner sets them (the brief's notebook contract).
COMMON_PARAMETERS = ("period", "data_dir", "config_path", "locale")
#: Of those, the ones only the runner sets (``--period``, ``--data``, ``--config``), never a job.
RUNNER_PARAMETERS = ("period", "data_dir", "config_path")

EXIT_OK = 0           # every notebook ran; reports/<period>/ holds the new report
EXIT_FAILED = 1       # at least one notebook failed; kept as <period>.failed-<time>/, old report intact
EXIT_USAGE = 2        # bad command line, config, parameter or data: nothing was executed
EXIT_LOCKED = 3       # another run for the same period and output folder is still going
EXIT_COVERAGE = 4     # the data do not cover the period: nothing was executed
EXIT_OUTPUT = 5       # the output folder cannot be written (disk full, read-only, vanished)
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C / SIGTERM; the attempt is kept as a failed folder
EXIT_CODES = {
    EXIT_OK: "every notebook ran; the report is in place",
    EXIT_FAILED: "a notebook failed; the attempt is kept as <period>.failed-<time>/, any earlier report stays",
    EXIT_USAGE: "usage, config, parameter or data validation error; nothing was executed",
    EXIT_LOCKED: "another run for this period is in progress",
    EXIT_COVERAGE: "the period is not covered by the data; nothing was executed",
    EXIT_OUTPUT: "the output folder cannot be written (disk full, read-only or vanished); any earlier report is unchanged",
    EXIT_INTERRUPTED: "interrupted; the attempt is kept as <period>.failed-<time>/",
}

#: Inline matplotlib in the kernel renders PNG through Agg without a display, and, unlike a bare
#: ``MPLBACKEND=Agg`` inherited from cron or CI, puts figures into the cell outputs.
KERNEL_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYTHONHASHSEED": "0",  # same set/dict-of-str order in every run: identical reports
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # silences a debugger warning in every kernel's stderr
}
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]  # no kernel log noise (TCP warning, interrupts) on our stderr
KERNEL_STARTS = 2  # attempts to start a notebook's kernel before it counts as failed

PACKAGES = ("kpi-workbook", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "pandera",
            "Babel", "papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client",
            "ipywidgets", "pyarrow", "openpyxl", "PyYAML", "duckdb", "ibis-framework")

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")  # use with fullmatch: "$" would let "2026-10\n" through
_TEMPLATES = Path(__file__).with_name("templates")
_RECORD_MIME = "application/vnd.kpi-workbook.record+json"
_WIDGET_MIMES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

_t = i18n.catalog("report", {
    "title": {"en": "KPI report {period}", "vi": "Báo cáo KPI {period}"},
    "generated": {"en": "Generated {when} (UTC) in {duration}.", "vi": "Tạo lúc {when} (UTC), mất {duration}."},
    "started": {"en": "Started {when} (UTC).", "vi": "Bắt đầu lúc {when} (UTC)."},
    "status_ok": {"en": "complete", "vi": "hoàn tất"},
    "status_skipped": {"en": "skipped", "vi": "bỏ qua"},
    "previous_report": {"en": "Previous report: {period}", "vi": "Báo cáo kỳ trước: {period}"},
    "archive_link": {"en": "All reports", "vi": "Tất cả các báo cáo"},
    "changed_status": {"en": "{kpi}: {now} (was {was})", "vi": "{kpi}: {now} (trước đó: {was})"},
    "no_status_change": {"en": "No KPI changed status since {period}.",
                         "vi": "Không KPI nào đổi trạng thái so với {period}."},
    "skip_missing_tables": {"en": "No data for it: the table(s) {tables} are not in the workbook.",
                            "vi": "Không có dữ liệu: workbook không có bảng {tables}."},
    "skip_missing_file": {"en": "No data for it: the file {file} is not in the data folder.",
                          "vi": "Không có dữ liệu: thư mục dữ liệu không có tệp {file}."},
    "skip_no_test_ended": {"en": "No promotion test ended in {period} (the last one in {file} ended on {last}).",
                           "vi": "Không có thử nghiệm khuyến mãi nào kết thúc trong {period} (thử nghiệm gần nhất "
                                 "trong {file} kết thúc ngày {last})."},
    "skip_period_week": {"en": "Not in a weekly report: targets are set for months, quarters and years.",
                         "vi": "Không có trong báo cáo tuần: mục tiêu được đặt theo tháng, quý và năm."},
    "skip_period_month": {"en": "Not in a monthly report.", "vi": "Không có trong báo cáo tháng."},
    "skip_period_quarter": {"en": "Not in a quarterly report.", "vi": "Không có trong báo cáo quý."},
    "skip_period_year": {"en": "Not in a yearly report.", "vi": "Không có trong báo cáo năm."},
    "notice_partial": {"en": "Partial data, published on purpose (--allow-partial): {tables} do not cover "
                             "{period} completely.",
                       "vi": "Dữ liệu chưa đủ, được phát hành có chủ ý (--allow-partial): {tables} chưa bao "
                             "phủ trọn {period}."},
    "notice_table_until": {"en": "{table} (data to {last})", "vi": "{table} (dữ liệu đến {last})"},
    "notice_missing": {"en": "Not in the workbook: {tables}.", "vi": "Không có trong workbook: {tables}."},
    "status_failed": {"en": "failed", "vi": "lỗi"},
    "status_pending": {"en": "not started yet", "vi": "chưa chạy"},
    "status_running": {"en": "running", "vi": "đang chạy"},
    "status_not_finished": {"en": "did not finish", "vi": "chưa chạy xong"},
    "overall_running": {"en": "This report is being built: {done} of {n} notebooks finished so far. This page is "
                               "rewritten as the run goes on.",
                        "vi": "Báo cáo đang được tạo: {done} trên {n} báo cáo chi tiết đã chạy xong. Trang này được cập "
                              "nhật trong khi chạy."},
    "overall_stopped": {"en": "This run did not finish: {reason}. {done} of {n} notebooks finished. This attempt is "
                              "kept for inspection; an earlier complete report for {period}, if there is one, is "
                              "unchanged.",
                        "vi": "Lần chạy này không hoàn tất: {reason}. {done} trên {n} báo cáo chi tiết đã chạy xong. Lần "
                              "chạy này được giữ lại để kiểm tra; báo cáo hoàn chỉnh trước đó của {period} (nếu "
                              "có) không bị thay đổi."},
    # why a run stopped (manifest "reason.code"); the output-folder ones also end the CLI's message
    "reason_no_space": {"en": "no space left on device", "vi": "hết dung lượng đĩa"},
    "reason_disk_quota": {"en": "disk quota exceeded", "vi": "vượt hạn mức dung lượng đĩa"},
    "reason_read_only": {"en": "read-only file system", "vi": "hệ thống tệp chỉ cho phép đọc"},
    "reason_permission_denied": {"en": "permission denied", "vi": "không có quyền ghi"},
    "reason_folder_vanished": {"en": "the output folder disappeared", "vi": "thư mục đầu ra đã biến mất"},
    "reason_write_error": {"en": "the output could not be written ({detail})",
                           "vi": "không ghi được kết quả ({detail})"},
    "reason_sigterm": {"en": "stopped by SIGTERM", "vi": "bị dừng bằng tín hiệu SIGTERM"},
    "reason_interrupted": {"en": "interrupted (Ctrl-C)", "vi": "bị ngắt (Ctrl-C)"},
    "reason_killed": {"en": "the runner was killed before it finished", "vi": "tiến trình chạy báo cáo bị dừng "
                                                                              "đột ngột trước khi xong"},
    "reason_error": {"en": "the runner stopped with an error ({detail})",
                     "vi": "tiến trình chạy báo cáo dừng vì lỗi ({detail})"},
    "overall_ok": {"en": "All {n} notebooks ran.", "vi": "Cả {n} báo cáo chi tiết đều chạy xong."},
    "overall_ok_skipped": {"en": "{ran} of {n} notebooks ran; {skipped} had nothing to report for this period "
                                 "(the reason is in the list below).",
                           "vi": "{ran} trên {n} báo cáo chi tiết đã chạy; {skipped} báo cáo không có gì để báo cáo "
                                 "trong kỳ này (lý do ở danh sách bên dưới)."},
    "overall_failed": {"en": "{failed} of {n} notebooks failed. This attempt is kept for inspection; an "
                                 "earlier complete report for {period}, if there is one, is unchanged.",
                       "vi": "{failed} trên {n} báo cáo chi tiết bị lỗi. Lần chạy này được giữ lại để kiểm tra; "
                             "báo cáo hoàn chỉnh trước đó của {period} (nếu có) không bị thay đổi."},
    "col_notebook": {"en": "Notebook", "vi": "Báo cáo chi tiết"},
    "col_status": {"en": "Status", "vi": "Trạng thái"},
    "col_duration": {"en": "Duration", "vi": "Thời gian chạy"},
    "col_headline": {"en": "Headline numbers", "vi": "Số liệu chính"},
    "col_answer": {"en": "Answer", "vi": "Câu trả lời"},
    "all_numbers": {"en": "All recorded numbers ({n})", "vi": "Tất cả số liệu đã ghi ({n})"},
    "seconds": {"en": "{s} s", "vi": "{s} giây"},
    "failed_at": {"en": "Failed at cell {cell}: {error}", "vi": "Lỗi tại ô {cell}: {error}"},
    "failed_stage": {"en": "Failed ({stage}): {error}", "vi": "Lỗi ({stage}): {error}"},
    "notebook_link": {"en": "notebook (.ipynb)", "vi": "tệp Jupyter (.ipynb)"},
    "manifest_link": {"en": "Machine-readable manifest", "vi": "Số liệu dạng JSON"},
    "back": {"en": "All reports for {period}", "vi": "Tất cả báo cáo của {period}"},
    "banner_failed": {"en": "This notebook did not finish. {error}",
                      "vi": "Báo cáo chi tiết này không chạy xong. {error}"},
    "table_rows": {"en": "table, {n} rows", "vi": "bảng, {n} dòng"},
    "more_items": {"en": "… {n} more", "vi": "… thêm {n}"},
    "none": {"en": "none recorded", "vi": "không có"},
    "carried": {"en": "from an earlier run ({when})", "vi": "từ lần chạy trước ({when})"},
    "logo_alt": {"en": "Company logo", "vi": "Logo công ty"},
})


class ReportError(Exception):
    """A problem found before anything ran (config, parameters, data, paths): exit code 2."""
    exit_code = EXIT_USAGE


class ParameterError(ReportError, ValueError):
    """A job or command-line parameter the notebook does not accept (name, type or value)."""


class ReportLocked(ReportError):
    """Another run holds the lock for this period and output folder."""
    exit_code = EXIT_LOCKED


class OutputError(ReportError):
    """The output folder cannot be written (disk full, read-only, vanished): exit code 5.

    Raised by :func:`run` after the workers are stopped; the message names the folder, the reason,
    where the attempt was kept (if anywhere) and that any earlier report is unchanged.
    """
    exit_code = EXIT_OUTPUT


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM (exit code 130); ``str()`` says where the attempt is kept.

    A ``KeyboardInterrupt``, so code that catches ``Exception`` still lets it through. The CLI's
    SIGTERM handler raises it with ``signal_name="SIGTERM"`` so the manifest can say which it was.
    """
    exit_code = EXIT_INTERRUPTED

    def __init__(self, message: str = "", *, signal_name: str = "SIGINT", kept: Path | None = None):
        super().__init__(message)
        self.signal_name, self.kept = signal_name, kept


class _WriteFailed(Exception):
    """Writing into the output folder failed for a reason of the folder, not of a notebook.

    ``code`` is one of the ``reason_*`` codes above; picklable, so a worker can send it back.
    """

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code, detail)
        self.code, self.detail = code, detail

    @property
    def reason(self) -> dict:
        return {"code": self.code, "detail": self.detail}


_FAULT_CODES = {errno.ENOSPC: "no_space", errno.EDQUOT: "disk_quota", errno.EROFS: "read_only",
                errno.EACCES: "permission_denied", errno.EPERM: "permission_denied"}


def output_fault(err: OSError, folder: Path) -> _WriteFailed | None:
    """The output-folder fault ``err`` is, or None when it is some other error (a notebook's, an input's)."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return _WriteFailed(_FAULT_CODES[err.errno], str(err))
    # EACCES/EPERM only count for our own files: reading an input or a notebook can be denied too.
    ours = err.filename is None or _inside(err.filename, folder)
    if err.errno in (errno.EACCES, errno.EPERM) and ours:
        return _WriteFailed(_FAULT_CODES[err.errno], str(err))
    if err.errno in (None, errno.ENOENT, errno.ENOTDIR) and not folder.is_dir():
        return _WriteFailed("folder_vanished", str(err))  # papermill's own message for it has no errno
    if err.errno in (errno.ENOENT, errno.ENOTDIR) and ours:
        return _WriteFailed("write_error", str(err))
    return None


def _inside(path: str | os.PathLike, folder: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(folder))
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def _writing(folder: Path):
    """Turn an output-folder fault while writing into ``folder`` into :class:`_WriteFailed`."""
    try:
        yield
    except OSError as err:
        fault = output_fault(err, folder)
        if fault is None:
            raise
        raise fault from err


# ----------------------------------------------------------------------------------------------
# Parameters: what a notebook accepts, and checking what we pass
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    """One assignment in a notebook's ``parameters`` cell."""
    name: str
    type: str      # the annotation or type comment ("str", "list[str]", "int | None"), or inferred
    default: str   # the source text of the default value
    help: str

    @property
    def accepts(self) -> str:
        """What values the parameter accepts, in words (used in error messages and ``params``)."""
        return _describe(_type_node(self.type))


def notebook_parameters(notebook: str | os.PathLike) -> dict[str, Parameter]:
    """The parameters a notebook declares in its cell tagged ``parameters``, by name.

    Names, annotations, defaults and help come from papermill's inspection; a parameter
    without an annotation gets the type of its literal default (``x = 0.5`` is a float), and
    assignments papermill's line pattern misses (``x: str | None = None``, values over several
    lines) are read from the cell's syntax tree.

    Raises
    ------
    ReportError
        The file is missing or not a notebook, or it has no cell tagged ``parameters``.
    """
    import nbformat

    path = Path(notebook)
    if not path.is_file():
        raise ReportError(f"notebook not found: {path}")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # noqa: BLE001 - nbformat raises several kinds for a file that is not a notebook
        raise ReportError(f"{path}: not a readable notebook ({err}).") from None
    cell = next((c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        raise ReportError(f"{path.name}: no cell tagged 'parameters'; the runner cannot pass the period "
                          f"and data paths to it (tag the cell holding {', '.join(COMMON_PARAMETERS)}).")
    found: dict[str, Parameter] = {}
    # papermill's own Python inspection (what ``papermill.inspect_notebook`` runs), called on the cell
    # so that a notebook without a kernelspec can still be checked: the runner names the kernel itself.
    from papermill.translators import PythonTranslator

    with _quiet_papermill():
        inspected = PythonTranslator.inspect(cell)
    for p in inspected:
        type_name = p.inferred_type_name
        if type_name in ("None", "", None):
            type_name = _literal_type(p.default)
        found[p.name] = Parameter(p.name, type_name, p.default, p.help or "")
    assigned = _assignments(cell.source)
    for name, (annotation, default, help_text) in assigned.items():
        if name not in found:
            found[name] = Parameter(name, annotation or _literal_type(default), default, help_text)
    order = {name: i for i, name in enumerate(assigned)}  # the cell's own order
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))


def _assignments(source: str) -> dict[str, tuple[str, str, str]]:
    # papermill's regex reads one line per parameter; the syntax tree catches the rest.
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    lines = source.splitlines()
    out = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names, annotation, value = [node.target.id], ast.unparse(node.annotation), node.value
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            names, annotation, value = [t.id for t in node.targets], "", node.value
        else:
            continue
        last = lines[node.end_lineno - 1] if node.end_lineno else ""
        comment = last.split("#", 1)[1].strip() if "#" in last[node.end_col_offset or 0:] else ""
        for name in names:
            out[name] = (annotation, ast.unparse(value), comment)
    return out


def _literal_type(default: str) -> str:
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError, TypeError):
        return "any"
    if value is None:
        return "any"
    if isinstance(value, tuple):
        return "list"
    return type(value).__name__ if isinstance(value, (str, bool, int, float, list, dict)) else "any"


# A parsed type: ("any",), ("none",), ("str",), ("int",), ("float",), ("bool",), ("dict",),
# ("list", elem), ("choice", (values...)), ("union", (nodes...)).
_SIMPLE = {"str": ("str",), "int": ("int",), "float": ("float",), "bool": ("bool",), "dict": ("dict",),
           "Dict": ("dict",), "Mapping": ("dict",), "list": ("list", ("any",)), "List": ("list", ("any",)),
           "tuple": ("list", ("any",)), "Sequence": ("list", ("any",)), "NoneType": ("none",),
           "Any": ("any",), "object": ("any",), "any": ("any",)}


def _type_node(type_name: str) -> tuple:
    try:
        expr = ast.parse(type_name.strip(), mode="eval").body
    except SyntaxError:
        return ("any",)
    return _node(expr)


def _node(expr: ast.AST) -> tuple:
    if isinstance(expr, ast.Constant) and expr.value is None:
        return ("none",)
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):  # "list[str]" as a string
        return _type_node(expr.value)
    if isinstance(expr, ast.Name):
        return _SIMPLE.get(expr.id, ("any",))
    if isinstance(expr, ast.Attribute):  # typing.List -> List
        return _SIMPLE.get(expr.attr, ("any",))
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        return _union(_node(expr.left), _node(expr.right))
    if isinstance(expr, ast.Subscript):
        head = expr.value.attr if isinstance(expr.value, ast.Attribute) else getattr(expr.value, "id", "")
        args = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if head == "Optional":
            return _union(_node(args[0]), ("none",))
        if head == "Union":
            out = _node(args[0])
            for a in args[1:]:
                out = _union(out, _node(a))
            return out
        if head == "Literal":
            values = tuple(a.value for a in args if isinstance(a, ast.Constant))
            return ("choice", values)
        if head in ("list", "List", "Sequence", "tuple", "Tuple"):
            elems = [a for a in args if not (isinstance(a, ast.Constant) and a.value is Ellipsis)]
            return ("list", _node(elems[0]) if len(elems) == 1 else ("any",))
        if head in ("dict", "Dict", "Mapping"):
            return ("dict",)
    return ("any",)


def _union(a: tuple, b: tuple) -> tuple:
    items = (a[1] if a[0] == "union" else (a,)) + (b[1] if b[0] == "union" else (b,))
    return ("union", items)


def _describe(node: tuple) -> str:
    kind = node[0]
    if kind == "any":
        return "any plain JSON value"
    if kind == "none":
        return "null"
    if kind == "list":
        return "a list" + ("" if node[1] == ("any",) else f" of {_describe(node[1])}")
    if kind == "choice":
        return "one of " + ", ".join(json.dumps(v, ensure_ascii=False) for v in node[1])
    if kind == "union":
        return " or ".join(_describe(n) for n in node[1])
    return {"str": "str", "int": "int", "float": "float", "bool": "bool", "dict": "a mapping"}[kind]


def _accepts(node: tuple, value: Any) -> bool:
    kind = node[0]
    if kind == "any":
        return True
    if kind == "none":
        return value is None
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "dict":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list) and all(_accepts(node[1], v) for v in value)
    if kind == "choice":
        return any(value == v and type(value) is type(v) for v in node[1])
    if kind == "union":
        return any(_accepts(n, value) for n in node[1])
    return False


def _conform(node: tuple, value: Any) -> Any:
    """An accepted value in the declared type's own form (an int given for a float becomes a float)."""
    if node[0] == "float" and isinstance(value, int):
        return float(value)
    if node[0] == "list":
        return [_conform(node[1], v) for v in value]
    if node[0] == "union" and not any(n[0] == "int" for n in node[1]) and isinstance(value, int) \
            and not isinstance(value, bool) and any(n[0] == "float" for n in node[1]):
        return float(value)
    return value


_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def parse_cli_value(text: str, type_name: str) -> Any:
    """A ``-p NAME VALUE`` string as the value the parameter's declared type asks for.

    A ``str`` parameter takes the text as is (``-p code 007`` stays ``"007"``, unlike papermill's
    own YAML parsing); ``int``/``float`` parse the number; ``bool`` takes true/false/yes/no/1/0;
    lists and mappings are JSON (``-p by '["region", "product"]'``); an undeclared type takes JSON
    when the text is JSON and the text otherwise.

    Raises
    ------
    ValueError
        The text is not a value of that type.

    Examples
    --------
    >>> parse_cli_value("007", "str"), parse_cli_value("007", "int"), parse_cli_value("yes", "bool")
    ('007', 7, True)
    >>> parse_cli_value('["a", "b"]', "list[str]")
    ['a', 'b']
    """
    node = _type_node(type_name)
    value = _parse_as(node, text)
    if value is _NOPE or not _accepts(node, value):
        raise ValueError(f"{text!r} is not {_describe(node)}")
    return _conform(node, value)


_NOPE = object()


def _parse_as(node: tuple, text: str) -> Any:
    kind = node[0]
    if kind == "str":
        return text
    if kind == "none":
        return None if text.strip().lower() in ("null", "none", "") else _NOPE
    if kind == "int":
        return int(text) if re.fullmatch(r"\s*[+-]?\d+\s*", text) else _NOPE
    if kind == "float":
        try:
            value = float(text)
        except ValueError:
            return _NOPE
        return value if math.isfinite(value) else _NOPE
    if kind == "bool":
        low = text.strip().lower()
        return True if low in _TRUE else False if low in _FALSE else _NOPE
    if kind == "choice":
        for v in node[1]:
            parsed = _parse_as((type(v).__name__,) if isinstance(v, (str, int, float, bool)) else ("any",), text)
            if parsed == v and type(parsed) is type(v):
                return v
        return _NOPE
    if kind == "union":
        members = sorted(node[1], key=lambda n: n[0] == "str")  # str last: "3" for int | str is 3
        if ("none",) in members and text.strip().lower() in ("null", "none"):
            return None
        for member in members:
            if member == ("none",):
                continue
            parsed = _parse_as(member, text)
            if parsed is not _NOPE and _accepts(member, parsed):
                return parsed
        return _NOPE
    try:  # list, dict, any: JSON
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return text if kind == "any" else _NOPE


def _plain(value: Any) -> Any:
    """A config value as plain JSON: dates -> ISO strings, numpy scalars -> Python, paths -> str."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    return value


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def check_parameters(job: str, declared: Mapping[str, Parameter], values: Mapping[str, Any], *,
                     notebook: str = "") -> tuple[dict[str, Any], list[str]]:
    """Check ``values`` against a notebook's declared parameters (``job`` names it in messages).

    Returns the cleaned values (plain JSON, in the declared type's form) and the list of problems,
    each one sentence naming the notebook, the parameter and what it accepts. Strings in
    ``values`` wrapped as :class:`CliText` are parsed for the declared type first.

    Examples
    --------
    >>> declared = {"share": Parameter("share", "float", "0.5", "target share")}
    >>> check_parameters("demo", declared, {"share": 1})
    ({'share': 1.0}, [])
    >>> check_parameters("demo", declared, {"shares": 0.4})[1]
    ["notebook demo: unknown parameter 'shares'; did you mean 'share'? It accepts: share (float)."]
    """
    label = notebook or job
    clean: dict[str, Any] = {}
    problems: list[str] = []
    accepted = ", ".join(f"{p.name} ({p.accepts})" for p in declared.values())
    for name, raw in values.items():
        if name not in declared:
            hint = closest(name, declared)
            problems.append(f"notebook {label}: unknown parameter {name!r}"
                            + (f"; did you mean {hint[0]!r}?" if hint else ".")
                            + f" It accepts: {accepted}.")
            continue
        spec = declared[name]
        node = _type_node(spec.type)
        if isinstance(raw, CliText):
            try:
                clean[name] = parse_cli_value(str(raw), spec.type)
            except ValueError:
                problems.append(f"notebook {label}: parameter {name!r} must be {spec.accepts}"
                                f"{_default_note(spec)}; got {str(raw)!r} on the command line.")
            continue
        value = _plain(raw)
        if not _json_safe(value):
            problems.append(f"notebook {label}: parameter {name!r} must be a plain JSON value "
                            f"({spec.accepts}); got {raw!r} ({type(raw).__name__}).")
        elif not _accepts(node, value):
            problems.append(f"notebook {label}: parameter {name!r} must be {spec.accepts}"
                            f"{_default_note(spec)}; got {value!r} ({type(value).__name__}).")
        else:
            clean[name] = _conform(node, value)
    return clean, problems


def _default_note(spec: Parameter) -> str:
    parts = [f"default {spec.default}"] + ([spec.help] if spec.help else [])
    return " (" + ": ".join(parts) + ")"


class CliText(str):
    """A parameter value typed on the command line: parsed for the notebook's declared type."""


# ----------------------------------------------------------------------------------------------
# Jobs
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """One notebook execution in a report: output files are named after ``name``."""
    name: str
    notebook: Path
    parameters: dict = field(default_factory=dict)


def plan_jobs(settings: Mapping, *, only: Sequence[str] | None = None) -> list[Job]:
    """The report jobs of a loaded config: ``report.jobs`` or, when empty, every notebook.

    ``only`` keeps the jobs with those names (a job's name defaults to its notebook's file stem).
    """
    report = settings.get("report") or {}
    nb_dir = Path(report.get("notebooks_dir") or "notebooks")
    if not nb_dir.is_absolute():
        nb_dir = Path(settings.get("_base_dir") or ".") / nb_dir
    specs = report.get("jobs") or []
    if specs:
        jobs = []
        for spec in specs:
            path = Path(spec["notebook"])
            path = path if path.is_absolute() else nb_dir / path
            if path.suffix != ".ipynb":
                path = path.with_name(path.name + ".ipynb")
            jobs.append(Job(str(spec.get("name") or path.stem), path, dict(spec.get("parameters") or {})))
    else:
        if not nb_dir.is_dir():
            raise ReportError(f"notebooks folder not found: {nb_dir} (report.notebooks_dir in the config).")
        jobs = [Job(p.stem, p, {}) for p in sorted(nb_dir.glob("*.ipynb"))]
        if not jobs:
            raise ReportError(f"no notebooks (*.ipynb) in {nb_dir}.")
    names = [j.name for j in jobs]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        raise ReportError(f"report.jobs: job names must be unique (they name the output files); "
                          f"repeated: {dupes}. Give each job a 'name'.")
    bad = [n for n in names if not re.fullmatch(r"[\w.-]+", n) or n in ("index", "manifest")]
    if bad:
        raise ReportError(f"report.jobs: job names become file names: use letters, digits, '_', '-', '.' "
                          f"and not 'index'/'manifest'; got {bad}.")
    if only:
        unknown = [n for n in only if n not in names]
        if unknown:
            named = [f"{u!r}" + (f" (did you mean {' or '.join(hint)}?)" if (hint := _suggest_jobs(u, names)) else "")
                     for u in unknown]
            raise ReportError(f"--only: no job named {', '.join(named)}; the jobs are {names}.")
        jobs = [j for j in jobs if j.name in only]
    return jobs


def _suggest_jobs(name: str, names: Sequence[str]) -> list[str]:
    """Jobs whose name contains ``name`` ("nps" -> 04_nps_segmentation), else the closest spellings.

    Job names carry a number prefix and a long tail, which difflib's ratio punishes: a user typing
    the word they remember is better served by a substring match.
    """
    return [n for n in names if name.lower() in n.lower()] or closest(name, names)


def resolve_parameters(jobs: Sequence[Job], *, common: Mapping[str, Any],
                       overrides: Mapping[str, Any] | None = None,
                       optional: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The checked parameters of every job, or one :class:`ParameterError` listing every problem.

    Order of precedence: ``common`` (period, data_dir, config_path, locale: set by the runner)
    and ``optional`` (what the runner knows, such as ``allow_partial``, passed only to notebooks that
    declare it) < the job's own ``parameters`` < ``overrides``. An override ``"NAME"`` applies to every job whose
    notebook declares NAME (and must be declared by at least one); ``"JOB:NAME"`` to that job only.
    Override values that are :class:`CliText` are parsed for each notebook's declared type.
    """
    overrides = dict(overrides or {})
    problems: list[str] = []
    out: dict[str, dict[str, Any]] = {}
    declared_by_job = {}
    for job in jobs:
        try:
            declared_by_job[job.name] = notebook_parameters(job.notebook)
        except ReportError as err:
            problems.append(f"job {job.name}: {err}")
    names = {j.name for j in jobs}
    for key in overrides:
        if key.split(":")[-1] in RUNNER_PARAMETERS:
            problems.append(f"-p {key}: {key.split(':')[-1]} is set by the runner; use --period, --data "
                            f"or --config instead.")
        elif ":" in key:
            job_name, name = key.split(":", 1)
            if job_name not in names:
                problems.append(f"-p {key}: no job named {job_name!r} in this run; the jobs are {sorted(names)}.")
        elif declared_by_job and not any(key in d for d in declared_by_job.values()):
            hints = closest(key, {n for d in declared_by_job.values() for n in d})
            problems.append(f"-p {key}: no notebook in this run declares a parameter {key!r}"
                            + (f"; did you mean {hints[0]!r}?" if hints else "."))
    for job in jobs:
        declared = declared_by_job.get(job.name)
        if declared is None:
            continue
        label = job.notebook.name if job.name == job.notebook.stem else f"{job.notebook.name} (job {job.name})"
        missing = [p for p in COMMON_PARAMETERS if p not in declared]
        if missing:
            problems.append(f"notebook {label}: its parameters cell lacks {missing}; every report notebook "
                            f"declares {list(COMMON_PARAMETERS)} so the runner can pass the period and data.")
            continue
        fixed = [p for p in RUNNER_PARAMETERS if p in job.parameters]
        if fixed:
            problems.append(f"job {job.name}: {fixed} are set by the runner (--period, --data, --config), "
                            f"not by a job's parameters.")
        values = dict(common)
        values.update({k: v for k, v in (optional or {}).items() if k in declared})
        values.update({k: v for k, v in job.parameters.items() if k not in RUNNER_PARAMETERS})
        for key, value in overrides.items():
            if key.split(":")[-1] in RUNNER_PARAMETERS:
                continue
            if ":" in key:
                job_name, name = key.split(":", 1)
                if job_name == job.name:
                    values[name] = value
            elif key in declared:
                values[key] = value
        clean, found = check_parameters(job.name, declared, values, notebook=label)
        problems += found
        out[job.name] = clean
    if problems:
        raise ParameterError(f"{len(problems)} parameter problem(s), nothing was run:\n- " + "\n- ".join(problems))
    return out


# ----------------------------------------------------------------------------------------------
# The period and the data: coverage, notebooks without data
# ----------------------------------------------------------------------------------------------

def data_coverage(workbook) -> dict:
    """Coverage (:class:`kpi_analysis.coverage.TableCoverage`) of every event table the workbook has.

    A table that does not load (a data error) is left out here: its notebooks fail with the
    table's own message, and the rest of the report still runs.
    """
    from . import coverage

    out = {}
    for table, column in coverage.EVENT_DATES.items():
        if workbook.has(table):
            try:
                out[table] = workbook.date_coverage(table, column)
            except (ValueError, FileNotFoundError, OSError):
                continue
    return out


def last_complete_period(workbook, kind: str = "month") -> str:
    """The period a run without ``--period`` reports on: the latest period of ``kind`` ("week",
    "month", "quarter", "year") the daily event tables cover to its end
    (:func:`kpi_analysis.coverage.last_complete_period`).

    The latest, not the earliest: when one table's export is late, the run refuses that period
    (exit code 4, naming the table) instead of quietly publishing an older one again.
    """
    from . import coverage

    found = coverage.last_complete_period(data_coverage(workbook), kind)
    if found is None:
        raise ReportError("cannot tell the last complete period: no event table (leads, sales, nps_responses, "
                          "client_activity, competitor_prices) has dates; pass --period.")
    return found


def last_complete_month(workbook) -> str:
    """:func:`last_complete_period` for months."""
    return last_complete_period(workbook, "month")


class CoverageRefused(ReportError):
    """The data do not cover the period and no partial report was asked for: exit code 4."""
    exit_code = EXIT_COVERAGE


def notebook_requirements(notebook: str | os.PathLike) -> dict:
    """What a notebook needs to have data, from ``metadata.kpi_workbook.requires``.

    Keys: ``tables`` (every one needed), ``any_table`` (at least one), ``file_parameters`` (parameters
    naming a file in the data folder, e.g. the promotion schedule), ``ended_in_period`` (parameters naming
    a promotion schedule: the page is about the tests that ended in the report's period, and is skipped
    when none did), ``period_kinds`` (the report periods it answers for, e.g.
    ``["month", "quarter", "year"]``: the feasibility page has nothing to say in a weekly report). A
    notebook without them needs nothing.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    return dict((nb.metadata.get("kpi_workbook") or {}).get("requires") or {})


def skip_reason(requires: Mapping, workbook, parameters: Mapping) -> dict | None:
    """Why a notebook has no data to run on (``{"code": "missing_tables" | "missing_file", ...}``), or None."""
    missing = [t for t in requires.get("tables", []) if not workbook.has(t)]
    if missing:
        return {"code": "missing_tables", "tables": missing}
    anyof = requires.get("any_table") or []
    if anyof and not any(workbook.has(t) for t in anyof):
        return {"code": "missing_tables", "tables": list(anyof)}
    for name in requires.get("file_parameters", []):
        value = parameters.get(name)
        if value and not (Path(workbook.data_dir) / str(value)).exists():
            return {"code": "missing_file", "file": str(Path(workbook.data_dir) / str(value))}
    for name in requires.get("ended_in_period", []):
        if parameters.get(name) and (why := no_test_ended(Path(workbook.data_dir) / str(parameters[name]),
                                                          parameters.get("period"),
                                                          dayfirst=parameters.get("schedule_dayfirst"))):
            return why
    kinds = requires.get("period_kinds") or []
    if kinds and parameters.get("period"):
        from .core.periods import parse_period

        kind = parse_period(str(parameters["period"])).kind
        if kind not in kinds:
            return {"code": "period_kind", "kind": kind, "kinds": list(kinds)}
    return None


def no_test_ended(path: Path, period: str | None, *, dayfirst=None) -> dict | None:
    """``{"code": "no_test_ended", ...}`` when no promotion test of the schedule at ``path`` ends inside
    ``period`` (tests as :func:`kpi_analysis.promo.schedule_tests` tells them apart, its dates read with
    the job's ``schedule_dayfirst``); None when one does, or when the schedule cannot be read (the
    notebook then says why)."""
    from . import data, promo
    from .core.periods import parse_period

    if not period:
        return None
    try:
        tests = promo.schedule_tests(data.read(path), dayfirst=promo.schedule.dayfirst_option(dayfirst))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    p = parse_period(period)
    if tests["end"].between(p.start, p.end).any():
        return None
    return {"code": "no_test_ended", "file": path.name, "period": str(p), "last": str(tests["end"].max().date())}


# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------

def page_cells(nb) -> Any:
    """A copy of an executed notebook for the manager's HTML: without record outputs (they are in the
    index and manifest), widget views (they need a live kernel), stderr streams (warnings) and the
    widget state (which would make nbconvert add a script from a CDN), and without the sections left
    showing nothing (:func:`_without_empty_sections`)."""
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if _RECORD_MIME in data or any(m in data for m in _WIDGET_MIMES):
                continue
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            kept.append(out)
        cell.outputs = kept
    nb.cells = _without_empty_sections(nb.cells)
    return nb


def _without_empty_sections(cells: list) -> list:
    """The cells without the sections that show nothing in a static page.

    A section runs from a markdown heading to the next one. When it has code and none of its code
    cells has an output left (an explorer that needs a live kernel, the cell that records headline
    numbers), a reader of the HTML would see a heading over nothing: its markdown goes too. The
    notebook itself keeps every section for JupyterLab.
    """
    def heading(cell) -> bool:
        return cell.cell_type == "markdown" and cell.source.lstrip().startswith("#")

    # a section starts at a heading that does not follow another: the lang-en and lang-vi headings of
    # one section stand next to each other
    starts = [i for i, c in enumerate(cells) if heading(c) and not (i and heading(cells[i - 1]))]
    if not starts:
        return cells
    drop = set()
    for k, (a, b) in enumerate(zip(starts, starts[1:] + [len(cells)], strict=True)):
        if k == 0:
            continue  # the title and the question always stay
        code = [c for c in cells[a:b] if c.cell_type == "code"]
        if code and not any(c.get("outputs") for c in code):
            drop.update(range(a, b))
    return [c for i, c in enumerate(cells) if i not in drop]


def _other_languages(locale: str) -> set[str]:
    """Cell tags of the narrative written for the other report languages (``lang-en``, ``lang-vi``)."""
    return {f"lang-{loc}" for loc in i18n.LOCALES if loc != locale}


def notebook_title(nb, fallback: str, locale: str = "en") -> str:
    """The notebook's title: ``metadata.title``, else the first heading of its narrative in ``locale``
    (markdown cells tagged ``lang-xx`` for another language are skipped)."""
    if nb.metadata.get("title"):
        return str(nb.metadata["title"])
    skip = _other_languages(locale)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not skip.intersection(cell.get("metadata", {}).get("tags", [])):
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip() or fallback
    return fallback


def render_html(nb, *, title: str, locale: str = "en", period: str = "", error: str = "",
                company: str = "", index_href: str = "index.html", notice: str = "") -> str:
    """An executed notebook (nbformat node) as one self-contained HTML page without code.

    Code cells' inputs and prompts are hidden; markdown and outputs stay, with figures as embedded
    PNG and the CSS inlined. No ``<script>`` or stylesheet is loaded from the network (the stock
    template's require.js, MathJax, Mermaid and widget scripts are left out). ``error`` shows a
    banner at the top of a failed notebook; ``notice`` one for a report published on purpose with
    partial data (which tables, up to when). Text is escaped by nbconvert (text outputs), by pandas
    (HTML tables) and here (title, banner, company).

    Bilingual narrative: markdown cells tagged ``lang-en`` / ``lang-vi`` are kept only for
    ``locale`` (nbconvert's ``TagRemovePreprocessor`` drops the other languages' cells); untagged
    cells are kept. The page's ``<html lang>`` is ``locale``.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="kpi_report", extra_template_basedirs=[str(_TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            language_code=locale, log=_QUIET)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=_other_languages(locale)),
                                   enabled=True)
    resources = {
        "metadata": {"name": title},
        "kpi": {
            "title": title, "lang": locale, "company": company, "period": _period_label(period, locale),
            "back": _t("back", locale, period=_period_label(period, locale)) if period else "",
            "index_href": index_href,
            "banner": _t("banner_failed", locale, error=error) if error else "",
            "notice": notice,
        },
    }
    nb = page_cells(nb)
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def _period_label(period: str, locale: str) -> str:
    """'2026-10' -> 'October 2026' / 'tháng 10/2026'; weeks, quarters and years in words too."""
    if period and _PERIOD.fullmatch(str(period)):
        return i18n.month(period, locale)
    from .core.periods import period_label

    try:
        return period_label(period, locale) if period else ""
    except (TypeError, ValueError):
        return str(period)


def when_text(stamp: str, locale: str) -> str:
    """An ISO UTC time stamp as the locale's date and a 24-hour time: 'Nov 28, 2026 13:05'."""
    if not stamp:
        return ""
    try:
        moment = _dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    return f"{i18n.date(moment.date(), locale)} {moment:%H:%M}"


def _fmt_scalar(value: Any, locale: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(i18n.value_label("", value, locale))
    if isinstance(value, int):
        return i18n.number(value, locale)
    if isinstance(value, float):
        mag = abs(value)
        digits = 0 if mag >= 100 else 2 if mag >= 1 else 3
        return i18n.number(value, locale, digits=digits)
    return str(value)


def _headline_value(key: str, value: Any, locale: str) -> str:
    """A headline value for the index: coded words (``amber``, ``realistic``) in ``locale``."""
    if isinstance(value, str):
        last = key.rsplit(".", 1)[-1]
        for column in dict.fromkeys((last, last.rsplit("_", 1)[-1], last.split("_", 1)[0])):
            label = i18n.value_label(column, value, locale)
            if label != value:
                return str(label)
    return _fmt_scalar(value, locale)


#: Free-text fields of a headline (a result's method description, in English) are left to the
#: notebook page and the manifest: the index shows numbers and coded verdicts, in the report's language.
_INDEX_SKIPS = ("method",)
#: Notebook states of a build that has not finished (``not_finished``: the run stopped first).
_UNFINISHED = ("pending", "running", "not_finished")


def _headline_items(headline: Mapping, locale: str, *, limit: int = 8) -> list[tuple[str, str]]:
    """(label, text) pairs for the index: scalars as is, dicts flattened one level, tables counted."""
    items: list[tuple[str, str]] = []
    for name, value in headline.items():
        if name in _INDEX_SKIPS:
            continue
        if isinstance(value, dict):
            scalars = [(k, v) for k, v in value.items() if not isinstance(v, (dict, list)) and k not in _INDEX_SKIPS]
            for k, v in scalars[:limit]:
                items.append((f"{name}.{k}", _headline_value(f"{name}.{k}", v, locale)))
            if len(scalars) > limit:
                items.append((name, _t("more_items", locale, n=len(scalars) - limit)))
        elif isinstance(value, list):
            if value and all(isinstance(v, dict) for v in value):
                items.append((name, _t("table_rows", locale, n=len(value))))
            else:
                shown = ", ".join(_fmt_scalar(v, locale) for v in value[:limit])
                extra = f" {_t('more_items', locale, n=len(value) - limit)}" if len(value) > limit else ""
                items.append((name, shown + extra))
        else:
            items.append((name, _headline_value(name, value, locale)))
    return items


def _logo_data_uri(path: str | None) -> str:
    if not path or not Path(path).is_file():
        return ""
    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if not mime.startswith("image/"):
        return ""
    return f"data:{mime};base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def render_index(manifest: Mapping, *, locale: str = "en") -> str:
    """The report's ``index.html``: the month at a glance (:mod:`kpi_analysis.overview`), then one row
    per notebook with its status and answer, and every recorded number folded below it.

    Every piece of text is escaped (Jinja autoescape), so a rep called ``<script>`` stays text.
    """
    from . import overview

    notebooks = []
    for entry in manifest["notebooks"]:
        error = entry.get("error") or {}
        unfinished = entry["status"] in _UNFINISHED
        if entry["status"] == "ok":
            status_text, detail = _t("status_ok", locale), ""
        elif entry["status"] == "skipped":
            status_text, detail = _t("status_skipped", locale), skip_text(entry.get("skip") or {}, locale)
        elif unfinished:
            status_text, detail = _t(f"status_{entry['status']}", locale), ""
        else:
            status_text = _t("status_failed", locale)
            detail = error_line(error, locale)
        notebooks.append({
            "name": entry["name"], "title": entry.get("title") or entry["name"], "status": entry["status"],
            "status_text": status_text, "detail": detail,
            "duration": "–" if unfinished else
            _t("seconds", locale, s=i18n.number(entry.get("duration_s") or 0, locale, digits=1)),
            "html": entry["outputs"].get("html"), "ipynb": entry["outputs"].get("ipynb"),
            # a notebook's one-sentence answer (recorded as "answer") leads; the numbers fold below it
            "answer": (entry.get("headline") or {}).get("answer") or "",
            "headline": _headline_items({k: v for k, v in (entry.get("headline") or {}).items()
                                         if k != "answer"}, locale),
            "carried": _t("carried", locale, when=when_text(entry.get("started_at", ""), locale))
            if entry.get("carried_over") else "",
        })
    failed = sum(e["status"] not in ("ok", "skipped", *_UNFINISHED) for e in manifest["notebooks"])
    done = sum(e["status"] not in _UNFINISHED for e in manifest["notebooks"])
    n = len(manifest["notebooks"])
    period = _period_label(manifest["period"], locale)
    status, reason = manifest.get("status"), manifest.get("reason")
    if status == "running":
        overall, look = _t("overall_running", locale, done=done, n=n), "running"
    elif reason:  # interrupted, killed, or the output folder could not be written
        overall = _t("overall_stopped", locale, reason=_reason_text(reason, locale), done=done, n=n, period=period)
        look = "failed"
    elif failed:
        overall, look = _t("overall_failed", locale, failed=failed, n=n, period=period), "failed"
    elif skipped := sum(e["status"] == "skipped" for e in manifest["notebooks"]):
        overall, look = _t("overall_ok_skipped", locale, ran=n - skipped, n=n, skipped=skipped), "ok"
    else:
        overall, look = _t("overall_ok", locale, n=n), "ok"
    company = manifest.get("company") or {}
    if manifest.get("finished_at"):
        generated = _t("generated", locale, when=when_text(manifest["finished_at"], locale),
                       duration=_t("seconds", locale, s=i18n.number(manifest["duration_s"], locale, digits=1)))
    elif manifest.get("started_at"):  # still running, or killed: only the start is known
        generated = _t("started", locale, when=when_text(manifest["started_at"], locale))
    else:
        generated = ""
    base = {
        "title": _t("title", locale, period=period),
        "company": company.get("name") or "", "logo": _logo_data_uri(company.get("logo")),
        "logo_alt": _t("logo_alt", locale),
        "generated": generated, "overall": overall, "look": look, "notebooks": notebooks,
        "notice": partial_notice(manifest.get("coverage"), locale),
        "previous": _previous_view(manifest, locale), "archive_link": _t("archive_link", locale),
        "cols": {k: _t(f"col_{k}", locale) for k in ("notebook", "status", "duration", "answer")},
        "all_numbers": lambda n: _t("all_numbers", locale, n=n),
        "none_text": _t("none", locale), "notebook_link": _t("notebook_link", locale),
        "manifest_link": _t("manifest_link", locale),
    }
    return overview.render_index(manifest, locale=locale, base=base)


def _previous_view(manifest: Mapping, locale: str) -> dict | None:
    """The link to the previous report of the same kind and what changed since: KPIs whose status moved."""
    previous = manifest.get("previous")
    if not previous:
        return None
    from . import archive

    now, before = archive.key_kpis(manifest), previous.get("kpis") or {}
    changes = []
    for kpi, cur in now.items():
        old = before.get(kpi) or {}
        if cur.get("status") and old.get("status") and cur["status"] != old["status"]:
            changes.append(_t("changed_status", locale, kpi=archive.kpi_label(kpi, locale),
                              now=i18n.value_label("status", cur["status"], locale),
                              was=i18n.value_label("status", old["status"], locale)))
    label = _period_label(previous["period"], locale)
    return {"href": previous["href"], "text": _t("previous_report", locale, period=label),
            "changes": changes or [_t("no_status_change", locale, period=label)]}


def skip_text(skip: Mapping, locale: str) -> str:
    """Why a notebook was skipped, in words (``{"code": "missing_tables", "tables": [...]}``)."""
    if skip.get("code") == "missing_file":
        return _t("skip_missing_file", locale, file=skip.get("file", ""))
    if skip.get("code") == "no_test_ended":
        return _t("skip_no_test_ended", locale, file=skip.get("file", ""),
                  period=_period_label(skip.get("period", ""), locale),
                  last=i18n.date(skip.get("last", ""), locale))
    if skip.get("code") == "period_kind":
        return _t(f"skip_period_{skip.get('kind')}", locale)
    return _t("skip_missing_tables", locale, tables=", ".join(skip.get("tables") or []))


def partial_notice(coverage: Mapping | None, locale: str) -> str:
    """The sentence every page of a partial report carries: which tables do not cover the period."""
    if not coverage or not coverage.get("partial"):
        return ""
    tables = coverage.get("tables") or {}
    items = ", ".join(_t("notice_table_until", locale, table=t, last=i18n.date((tables.get(t) or {}).get("last"), locale))
                      if tables.get(t) else t for t in coverage["partial"])
    text = _t("notice_partial", locale, tables=items, period=_period_label(coverage["period"], locale))
    if coverage.get("missing"):
        text += " " + _t("notice_missing", locale, tables=", ".join(coverage["missing"]))
    return text


def _reason_text(reason: Mapping, locale: str) -> str:
    """Why a run stopped, in words: ``{"code": "no_space", "detail": ...}`` -> "no space left on device"."""
    code, detail = reason.get("code") or "error", reason.get("detail") or ""
    try:
        return _t(f"reason_{code}", locale, detail=detail)
    except KeyError:  # a code from a newer version of the runner
        return _t("reason_error", locale, detail=detail or code)


def error_line(error: Mapping, locale: str) -> str:
    evalue = (error.get("evalue") or "").strip().split("\n")[0]  # a timeout's message runs on with the code
    text = f"{error.get('ename') or ''}: {evalue}".strip(": ")
    if error.get("cell_index") is not None:
        return _t("failed_at", locale, cell=error["cell_index"], error=text)
    return _t("failed_stage", locale, stage=error.get("stage", "?"), error=text)


# ----------------------------------------------------------------------------------------------
# Executing one notebook (runs in the main process or in a worker process)
# ----------------------------------------------------------------------------------------------

# nbconvert warns about every figure without alt text; the run reports problems its own way.
_QUIET = logging.getLogger("kpi_analysis.report.nbconvert")
_QUIET.setLevel(logging.ERROR)


@contextlib.contextmanager
def _quiet_papermill():
    # papermill warns "Passed unknown parameter" whenever its one-line pattern cannot read a
    # parameter (e.g. a help comment containing "="); parameters are checked here beforehand.
    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _kernel_environment():
    saved = {k: os.environ.get(k) for k in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _failing_cell(executed, source) -> dict:
    """Where an executed notebook stopped: index and id in the *source* notebook, and the cell's code."""
    def started_not_finished(cell) -> bool:
        # A cell timeout leaves no error output and papermill marks every cell "completed"; the
        # timed-out cell is the one the kernel began (execute_input) but never answered.
        execution = cell.get("metadata", {}).get("execution", {})
        return "iopub.execute_input" in execution and "shell.execute_reply" not in execution

    code = [c for c in executed.cells if c.cell_type == "code"]
    for cell in code:
        errored = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if errored or status in ("failed", "running") or started_not_finished(cell):
            ids = [c.get("id") for c in source.cells]
            index = ids.index(cell.get("id")) if cell.get("id") in ids else None
            err = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), {})
            return {"cell_index": index, "cell_id": cell.get("id"), "execution_count": cell.get("execution_count"),
                    "cell_source": cell.source[:500], "ename": err.get("ename"), "evalue": err.get("evalue"),
                    "traceback": _ANSI.sub("", "\n".join(err.get("traceback", [])))[-4000:] or None}
    return {}


def execute_job(task: Mapping[str, Any]) -> dict:
    """Execute and render one notebook; returns its manifest entry. Never raises for a notebook error.

    ``task`` keys: name, notebook, build_dir, parameters, kernel, cell_timeout, start_timeout,
    locale, period, company. Top level and picklable so ``--jobs N`` can run it in worker processes.
    A fault of the build folder itself (disk full, read-only, vanished) is not the notebook's: it is
    raised (as ``_WriteFailed``) for the runner to stop the run, instead of being recorded as a failure.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from .record import read_concepts, read_records

    name, source_path = task["name"], Path(task["notebook"])
    build = Path(task["build_dir"])
    ipynb, page = build / f"{name}.ipynb", build / f"{name}.html"
    started, t0 = _now(), time.perf_counter()
    error: dict | None = None
    with _kernel_environment(), _quiet_papermill():
        # a kernel that never ran a cell (its port taken by another process between the choice and the
        # bind, a slow machine) is started once more before the notebook counts as failed
        for starts in range(1, KERNEL_STARTS + 1):  # the count is recorded
            error = None
            ipynb.unlink(missing_ok=True)  # what a cell ran is read from this attempt's notebook only
            try:
                papermill.execute_notebook(
                    str(source_path), str(ipynb), parameters=dict(task["parameters"]),
                    kernel_name=task["kernel"], start_timeout=task["start_timeout"],
                    execution_timeout=task["cell_timeout"], cwd=str(source_path.parent),
                    progress_bar=False, log_output=False, request_save_on_cell_execute=True,
                    extra_arguments=list(KERNEL_ARGS))
            except PapermillExecutionError as err:
                error = {"stage": "execute", "ename": err.ename, "evalue": err.evalue}
            except Exception as err:  # kernel start timeout, cell timeout, dead kernel: all end the notebook
                # papermill saves the notebook after every cell: a full or read-only disk shows up here,
                # and reading back the half-written file would only add a NotJSONError.
                fault = output_fault(err, build) if isinstance(err, OSError) else None
                if fault is not None:
                    raise fault from err
                error = {"stage": "execute" if _a_cell_ran(ipynb) else "kernel",
                         "ename": type(err).__name__, "evalue": str(err).strip()}
            if error is None or error["stage"] != "kernel":
                break
    duration = time.perf_counter() - t0
    source = nbformat.read(source_path, as_version=4)
    executed = nbformat.read(ipynb, as_version=4) if ipynb.exists() else source
    for cell in executed.cells:  # papermill gives its injected cell a random id: make reruns identical
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    with _writing(build):
        nbformat.write(executed, ipynb)  # also when the kernel never started: the notebook as it would have run
    if error is not None:
        where = _failing_cell(executed, source) if executed is not source else {}
        error = {**where, **{k: v for k, v in error.items() if v is not None or k not in where}}
        error.setdefault("cell_index", None)
    title = notebook_title(source, name, task["locale"])
    headline: dict = {}
    concepts: dict = {}
    try:
        headline = read_records(dict(executed))
        concepts = read_concepts(dict(executed))
    except (KeyError, TypeError, ValueError) as err:
        error = error or {"stage": "records", "cell_index": None, "ename": type(err).__name__, "evalue": str(err)}
    html = None
    try:
        banner = error_line(error, task["locale"]) if error else ""
        html = render_html(executed, title=title, locale=task["locale"], period=task["period"],
                           error=banner, company=task.get("company") or "", notice=task.get("notice") or "")
    except Exception as err:  # noqa: BLE001 - a notebook whose outputs nbconvert cannot render still gets reported
        error = error or {"stage": "render", "cell_index": None, "ename": type(err).__name__, "evalue": str(err)}
    if html is not None:
        with _writing(build):
            page.write_text(html, encoding="utf-8")
    language = executed.metadata.get("language_info", {})
    return {
        "name": name, "notebook": str(source_path), "title": title,
        "status": "ok" if error is None else "failed", "error": error,
        "started_at": started, "duration_s": round(duration, 3),
        "parameters": dict(task["parameters"]), "headline": headline, "concepts": concepts,
        "outputs": {"ipynb": ipynb.name, "html": page.name if page.exists() else None},
        "kernel": {"name": task["kernel"], "language_version": language.get("version"), "starts": starts},
    }


def _a_cell_ran(ipynb: Path) -> bool:
    """Whether papermill's output notebook shows any cell started (else the kernel never ran one)."""
    import nbformat

    try:
        nb = nbformat.read(ipynb, as_version=4)
    except (OSError, ValueError):
        return False
    return any(c.get("metadata", {}).get("papermill", {}).get("status", "pending") != "pending"
               or c.get("execution_count") for c in nb.cells if c.get("cell_type") == "code")


# ----------------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------------

def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages a report depends on (``None`` when not installed)."""
    from importlib import metadata

    out: dict[str, str | None] = {"python": sys.version.split()[0]}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _fingerprints(paths: Mapping[str, Path]) -> dict[str, dict]:
    from .data import fingerprint

    out = {}
    for key, path in paths.items():
        path = Path(path)
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
        out[key] = {"path": str(path), "sha256": fingerprint(path), "bytes": size}
    return out


_DATA_SUFFIXES = (".csv", ".parquet", ".xlsx", ".xls", ".json", ".tsv")


def check_columns(wb) -> list[str]:
    """Column-mapping problems of every table read from a file, one message per table.

    Reads only each file's header (with the table's reading options, or its detected encoding and
    separator) and applies the config's ``columns`` mapping, so a missing or misspelled column, or a
    file that cannot be decoded, is reported before any notebook runs, with the closest names the
    client's file has (the full row-by-row validation is ``kpi-report validate``, and each notebook's load).
    """
    from . import data as _data

    problems = []
    for table, path in wb.source_paths().items():
        spec = wb.table_spec(table)
        try:
            header = _data.read_header(Path(path), options=wb.read_options(table), table=table, locale=wb.locale)
            _data.rename(header, table, spec.get("columns"))
        except (ValueError, KeyError, OSError) as err:
            problems.append(str(err))
    return problems


def _input_files(wb) -> dict[str, Path]:
    """Every file a notebook may read: the tables' sources, other data files in the data folder
    (e.g. ``promotions.csv``), keyed ``data:<table>`` / ``data:<file name>``."""
    sources = {f"data:{t}": Path(p) for t, p in sorted(wb.source_paths().items())}
    covered = {p.resolve() for p in sources.values()}
    data_dir = Path(wb.data_dir)
    if data_dir.is_dir():
        for path in sorted(data_dir.iterdir()):
            if path.is_file() and path.suffix.lower() in _DATA_SUFFIXES and path.resolve() not in covered:
                sources[f"data:{path.name}"] = path
    return sources


@dataclass
class RunResult:
    """What ``run`` did: ``status`` "ok"/"failed", where the report ended up, and its manifest."""
    status: str
    exit_code: int
    report_dir: Path
    manifest: dict
    failed: list[str] = field(default_factory=list)
    target: Path | None = None  # reports/<period>/ (holds the new report only when status is "ok")


@contextlib.contextmanager
def period_lock(out_root: Path, period: str):
    try:
        import fcntl
    except ImportError:  # no advisory locks (Windows): runs for one period must not overlap
        yield
        return
    path = out_root / f".{period}.lock"
    with _writing(out_root):  # a read-only output folder is found here, first
        fh = open(path, "a+")  # noqa: SIM115 - closed by the with below
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReportLocked(f"another kpi-report run for {period} is writing to {out_root} "
                               f"(lock {path}); try again when it has finished.") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _stamp() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _unique(path: Path) -> Path:
    candidate, i = path, 1
    while candidate.exists():
        candidate, i = path.with_name(f"{path.name}-{i}"), i + 1
    return candidate


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def swap_into_place(build: Path, target: Path) -> None:
    """Make ``build`` the new ``target``; the old target, if any, is removed afterwards."""
    if not target.exists():
        os.rename(build, target)  # atomic
        return
    if _exchange(build, target):  # one atomic step: readers see the old or the new report
        shutil.rmtree(build)  # now holds the previous report
        return
    previous = _unique(target.with_name(f".{target.name}.previous-{_stamp()}"))
    os.rename(target, previous)  # the only moment without a report: between these two renames
    try:
        os.rename(build, target)
    except OSError:
        os.rename(previous, target)
        raise
    shutil.rmtree(previous)


def sweep_stale_builds(out_root: Path, period: str, *, locale: str = "en") -> list[Path]:
    # Under the lock no other run of this period is building: a leftover folder is a crashed run.
    kept = []
    for stale in sorted(out_root.glob(f".{period}.building-*")):
        dest = _unique(out_root / f"{period}.failed-{stale.name.split('building-', 1)[1].split('-')[0]}-crashed")
        os.rename(stale, dest)
        _mark_killed(dest, period, locale=locale)
        kept.append(dest)
    return kept


def _mark_killed(folder: Path, period: str, *, locale: str) -> None:
    """Rewrite the manifest and index of a build whose runner died without a word (SIGKILL, power cut).

    Its manifest still says ``running``; from now on it says ``killed``, with the notebooks that
    were running or pending marked as not finished. A manifest with a final status is left alone.
    """
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # killed before its first manifest was written
        manifest = {}
    if not isinstance(manifest, dict) or manifest.get("status") not in (None, "running"):
        return
    manifest = {"period": period, "started_at": None, "locale": locale, "company": {}, "notebooks": [],
                **manifest}
    _stop_manifest(manifest, "killed", {"code": "killed", "detail": f"found by the run of {_now()}"})
    manifest["finished_at"] = manifest["duration_s"] = None  # when it died is not known
    write_outputs(folder, manifest)


def run(config_path: str | os.PathLike | None = "workbook.yml", *, period: str | None = None,
        data_dir: str | os.PathLike | None = None, out_dir: str | os.PathLike | None = None,
        only: Sequence[str] | None = None, jobs: int = 1, locale: str | None = None,
        overrides: Mapping[str, Any] | None = None, cell_timeout: int | None = None,
        start_timeout: int | None = None, kernel: str | None = None,
        on_start: Callable[[str], None] | None = None, on_finish: Callable[[dict], None] | None = None,
        on_plan: Callable[[str, list], None] | None = None,
        postprocess: Sequence[Callable[[Path, dict], None]] = (), allow_partial: bool | None = None,
        cadence: str | None = None) -> RunResult:
    """Run the report notebooks for one month into ``<out_dir>/<period>/``.

    Parameters
    ----------
    config_path : path, default "workbook.yml"
        The workbook config (``extends:`` layering is done by ``config.load``).
    period : str, optional
        The report period: "2026-10" (month), "2026-W43" (ISO week), "2026-Q3" (quarter) or "2026"
        (year); default: the last complete period of kind ``cadence`` in the data
        (:func:`last_complete_period`).
    cadence : {"week", "month", "quarter", "year"}, optional
        The kind of period reported when ``period`` is not given (default "month").
    data_dir, out_dir : path, optional
        Override ``data.dir`` and ``report.output_dir`` of the config.
    only : list of str, optional
        Run only these jobs; the other notebooks of an existing complete report are kept as they are.
    jobs : int, default 1
        Notebooks executed at once, each in its own worker process when more than 1.
    locale : {"en", "vi"}, optional
        Report language; default the config's ``locale``. Passed to every notebook.
    overrides : mapping, optional
        ``{"NAME": value}`` for every notebook declaring NAME, ``{"JOB:NAME": value}`` for one job;
        :class:`CliText` values are parsed for each notebook's declared type.
    cell_timeout, start_timeout, kernel
        Override ``report.cell_timeout`` (seconds per cell), ``report.start_timeout`` (seconds for the
        kernel to start) and ``report.kernel`` (kernel name, passed to papermill explicitly).
    on_start, on_finish, on_plan : callable, optional
        Progress callbacks: job name when it starts (sequential runs only), its manifest entry when
        it finishes, and ``(period, jobs)`` once the plan is checked.
    postprocess : sequence of callable, optional
        Each is called as ``hook(build_dir, manifest)`` after the notebooks, index and manifest are
        written and before the folder is moved into place (e.g. printing PDFs next to the HTML).
        A hook that raises fails the run like a notebook does.
    allow_partial : bool, optional
        Publish a period that some event table does not cover completely (default: the config's
        ``report.allow_partial``, else False). The index, every page and the manifest then say which
        tables are partial or missing. Without it such a period raises :class:`CoverageRefused`.

    Notebooks whose data the workbook does not have (``metadata.kpi_workbook.requires``: a table
    not configured and not present, the promotion schedule file) are skipped with the reason and the
    rest of the report is published.

    Returns
    -------
    RunResult
        ``exit_code`` 0 when every notebook ran (the report is at ``target``), 1 when any failed (the
        attempt is at ``report_dir`` = ``<period>.failed-<UTC time>``, any earlier report untouched).

    Raises
    ------
    ReportError
        Config, data, period or parameter problems found before anything ran (exit code 2),
        :class:`ReportLocked` (exit code 3), or :class:`CoverageRefused` (exit code 4: the data do
        not cover the period).
    OutputError
        The output folder cannot be written: disk full, read-only, permission denied or vanished
        (exit code 5). The notebooks still running are stopped; the attempt is kept as
        ``<period>.failed-<UTC time>/`` with a manifest saying why, when the disk allows; the message
        says where it is (or that nothing could be kept), and any earlier report is unchanged.
    Interrupted
        Ctrl-C or SIGTERM (exit code 130): the notebooks are stopped with their kernels and the attempt
        is kept with status ``interrupted``. A ``KeyboardInterrupt``; ``str()`` says where it is.
    """
    from . import config as _config

    if jobs < 1:
        raise ReportError(f"--jobs must be at least 1; got {jobs}.")
    from .core.periods import KINDS, parse_period

    if cadence is not None and cadence not in KINDS:
        raise ReportError(f"--cadence must be one of {list(KINDS)}; got {cadence!r}.")
    if period is not None:
        try:
            parsed = parse_period(period)
        except (TypeError, ValueError) as err:
            raise ReportError(f"--period: {err}") from None
        if cadence is not None and parsed.kind != cadence:
            raise ReportError(f"--period {period} is a {parsed.kind}, not a {cadence} (--cadence {cadence}).")
        period = str(parsed)
    if locale not in (None, "") and locale not in i18n.LOCALES:
        raise ReportError(f"--locale must be one of {list(i18n.LOCALES)}; got {locale!r}.")
    config_file = Path(config_path).resolve() if config_path else None
    try:
        wb = _config.open_workbook(config_file, data_dir=data_dir, locale=locale or "")
    except (ValueError, FileNotFoundError) as err:
        raise ReportError(str(err)) from None
    settings = wb.settings
    report = settings.get("report") or {}
    mapping_problems = check_columns(wb)
    if mapping_problems:  # a wrong column mapping would fail every notebook: say so once, run nothing
        raise ReportError(f"{len(mapping_problems)} table(s) do not match the column mapping of the config, "
                          f"nothing was run (check with `kpi-report validate`):\n- " + "\n- ".join(mapping_problems))
    from . import coverage as _coverage

    covered = data_coverage(wb)
    if period is None:
        period = last_complete_period(wb, cadence or "month")
    allow = bool(report.get("allow_partial")) if allow_partial is None else bool(allow_partial)
    try:
        period_coverage = _coverage.check_period(covered, period, allow_partial=allow, locale=wb.locale,
                                                 missing=[t for t in _coverage.EVENT_DATES if not wb.has(t)])
    except _coverage.CoverageError as err:
        raise CoverageRefused(str(err)) from None
    every_job = [j.name for j in plan_jobs(settings)]  # the report's order, also for kept notebooks
    plan = plan_jobs(settings, only=only)
    common = {"period": period, "data_dir": str(Path(wb.data_dir).resolve()),
              "config_path": str(config_file) if config_file else "", "locale": wb.locale}
    overrides = dict(overrides or {})
    if "locale" in overrides:
        raise ParameterError("-p locale: use --locale (it also sets the language of the index page).")
    if locale:  # an explicit --locale beats a job's own locale parameter
        overrides = {"locale": locale, **overrides}
    params = resolve_parameters(plan, common=common, overrides=overrides, optional={"allow_partial": allow})
    skips = {j.name: why for j in plan
             if (why := skip_reason(notebook_requirements(j.notebook), wb, _with_defaults(j, params[j.name])))}
    if skips and len(skips) == len(plan):
        raise ReportError("nothing to run: every notebook needs data the workbook does not have:\n- "
                          + "\n- ".join(f"{name}: {skip_text(why, 'en')}" for name, why in skips.items()))
    notice = partial_notice(period_coverage.to_dict(), wb.locale)
    if on_plan:
        on_plan(period, [j.name for j in plan])

    out_root = Path(out_dir) if out_dir else Path(report.get("output_dir") or "reports")
    if not out_root.is_absolute():
        out_root = (Path(settings.get("_base_dir") or ".") / out_root) if not out_dir else out_root.resolve()
    if out_root.exists() and not out_root.is_dir():
        raise ReportError(f"the output folder {out_root} is a file (report.output_dir in the config, or --out).")
    target = out_root / period
    previous = _previous_link(out_root, period)
    sources = _input_files(wb)
    if config_file:
        sources["config"] = config_file
    versions = package_versions()
    company = settings.get("company") or {}
    kernel_name = kernel or report.get("kernel") or "python3"
    try:
        with _writing(Path(out_root.anchor)):  # the fault may be a parent's: mkdir creates missing parents too
            out_root.mkdir(parents=True, exist_ok=True)
        with period_lock(out_root, period):
            with _writing(out_root):
                sweep_stale_builds(out_root, period, locale=wb.locale)
                build = out_root / f".{period}.building-{_stamp()}-{os.getpid()}"
                build.mkdir()
            started, t0 = _now(), time.perf_counter()
            manifest = {
                "period": period, "status": "running", "reason": None, "started_at": started, "finished_at": None,
                "duration_s": 0.0, "jobs": jobs, "locale": wb.locale,
                "config": str(config_file) if config_file else None, "data_dir": common["data_dir"],
                "company": {"name": company.get("name") or "", "logo": company.get("logo")},
                "packages": versions, "inputs": {}, "notes": [],
                "coverage": period_coverage.to_dict(), "previous": previous,
                "notebooks": [_pending_entry(j, params[j.name], kernel_name, skips.get(j.name)) for j in plan],
            }

            def save() -> None:  # the build says how far it got, whatever happens next
                manifest["duration_s"] = round(time.perf_counter() - t0, 3)
                write_outputs(build, manifest)

            def job_started(name: str) -> None:
                entry = next(e for e in manifest["notebooks"] if e["name"] == name)
                entry.update(status="running", started_at=_now())
                save()
                if on_start:
                    on_start(name)

            def job_finished(entry: dict) -> None:
                manifest["notebooks"] = [entry if e["name"] == entry["name"] else e for e in manifest["notebooks"]]
                save()
                if on_finish:
                    on_finish(entry)

            try:
                save()
                inputs = manifest["inputs"] = _fingerprints(sources)
                tasks = [{"name": j.name, "notebook": str(j.notebook), "build_dir": str(build),
                          "parameters": params[j.name], "kernel": kernel_name,
                          "cell_timeout": int(cell_timeout or report.get("cell_timeout") or 600),
                          "start_timeout": int(start_timeout or report.get("start_timeout") or 120),
                          "notebook_timeout": int(report.get("notebook_timeout") or 3600),
                          "locale": wb.locale, "period": period, "company": company.get("name") or "",
                          "notice": notice}
                         for j in plan if j.name not in skips]
                entries = _execute_all(tasks, jobs=jobs, on_start=job_started, on_finish=job_finished,
                                       extra=lambda task: {"packages": versions, "inputs": {
                                           **inputs, "notebook": _fingerprints({"notebook": task["notebook"]})["notebook"]}})
                after = _fingerprints(sources)
                notes = [f"{key} changed while the report ran (sha256 {inputs[key]['sha256'][:12]} -> "
                         f"{after[key]['sha256'][:12]}); re-run for a consistent report."
                         for key in inputs if after.get(key, {}).get("sha256") != inputs[key]["sha256"]]
                entries += [e for e in manifest["notebooks"] if e["status"] == "skipped"]
                entries.sort(key=lambda e: every_job.index(e["name"]))
                if only and (target / "manifest.json").is_file():
                    with _writing(build):
                        entries = _carry_over(target, build, entries, order=every_job)
                manifest = {
                    "period": period,
                    "status": "ok" if all(e["status"] in ("ok", "skipped") for e in entries) else "failed",
                    "reason": None, "started_at": started, "finished_at": _now(),
                    "duration_s": round(time.perf_counter() - t0, 3), "jobs": jobs, "locale": wb.locale,
                    "config": str(config_file) if config_file else None, "data_dir": common["data_dir"],
                    "company": {"name": company.get("name") or "", "logo": company.get("logo")},
                    "packages": versions, "inputs": inputs, "notes": notes,
                    "coverage": period_coverage.to_dict(), "previous": previous, "notebooks": entries,
                }
                write_outputs(build, manifest)
                for hook in postprocess:
                    try:
                        with _writing(build):
                            hook(build, manifest)
                    except _WriteFailed:
                        raise
                    except Exception as err:  # noqa: BLE001 - the report is incomplete without the hook's output
                        manifest["status"] = "failed"
                        manifest["notes"].append(f"post-processing {getattr(hook, '__name__', hook)!s} failed: "
                                                 f"{type(err).__name__}: {err}")
                        write_outputs(build, manifest)
                failed = [e["name"] for e in manifest["notebooks"] if e["status"] not in ("ok", "skipped")]
                with _writing(build):
                    if manifest["status"] == "ok":
                        swap_into_place(build, target)
                        result = RunResult("ok", EXIT_OK, target, manifest, [], target)
                    else:
                        kept = _unique(out_root / f"{period}.failed-{_stamp()}")
                        os.rename(build, kept)
                        result = RunResult("failed", EXIT_FAILED, kept, manifest, failed, target)
                _refresh_archive(out_root, settings, wb.locale, published=result.status == "ok", notes=manifest["notes"])
                return result
            # Never touch the target from here on: keep what was built, saying why it stopped.
            except _WriteFailed as fault:  # the workers are stopped already (_execute_all)
                kept, problem = _keep_attempt(build, manifest, "failed", fault.reason)
                raise OutputError(f"cannot write the report for {period} to {out_root}: "
                                  f"{_reason_text(fault.reason, 'en')}; "
                                  f"{_outcome(kept, problem, build, target)}.") from None
            except KeyboardInterrupt as err:
                signal_name = getattr(err, "signal_name", "SIGINT")
                reason = {"code": "sigterm" if signal_name == "SIGTERM" else "interrupted", "detail": signal_name}
                kept, problem = _keep_attempt(build, manifest, "interrupted", reason)
                raise Interrupted(f"{_reason_text(reason, 'en')}; {_outcome(kept, problem, build, target)}.",
                                  signal_name=signal_name, kept=kept) from None
            except BaseException as err:  # a crash: keep the attempt, show the error as it is
                _keep_attempt(build, manifest, "failed", {"code": "error", "detail": f"{type(err).__name__}: {err}"})
                raise
    except _WriteFailed as fault:  # before the build folder existed
        raise OutputError(f"cannot write the report for {period} to {out_root}: {_reason_text(fault.reason, 'en')}; "
                          f"nothing was written{_unchanged(target)}.") from None


def _previous_link(out_root: Path, period: str) -> dict | None:
    """The previous published report of the same kind: where it is and its key numbers, for the link
    and the "what changed" list of this report's index."""
    from . import archive

    found = archive.previous_report(out_root, period)
    if found is None:
        return None
    return {"period": found["period"], "href": f"../{found['folder'].name}/index.html",
            "kpis": archive.key_kpis(found["manifest"])}


def _refresh_archive(out_root: Path, settings: Mapping, locale: str, *, published: bool, notes: list) -> None:
    """Apply ``report.keep`` (after a published run only) and rebuild ``<out_root>/index.html``.

    The report itself is already in place: a problem here is a note, not a failed run.
    """
    from . import archive

    try:
        if published:
            archive.apply_retention(out_root, (settings.get("report") or {}).get("keep"))
        company = (settings.get("company") or {}).get("name") or ""
        archive.write_archive(out_root, locale=locale, company=company)
    except (OSError, ValueError) as err:
        notes.append(f"the archive page {out_root / 'index.html'} was not updated: {err}")


def _with_defaults(job: Job, values: Mapping) -> dict:
    """The values a notebook will run with: its declared defaults, then what the run passes."""
    out = {}
    for name, spec in notebook_parameters(job.notebook).items():
        with contextlib.suppress(ValueError, SyntaxError):
            out[name] = ast.literal_eval(spec.default)
    return {**out, **values}


def _pending_entry(job: Job, parameters: dict, kernel: str, skip: dict | None = None) -> dict:
    """A notebook's manifest entry before it has run (replaced by ``execute_job``'s when it finishes);
    a notebook without data is ``skipped`` from the start, with the reason in ``skip``."""
    return {"name": job.name, "notebook": str(job.notebook), "title": job.name,
            "status": "skipped" if skip else "pending", "skip": skip,
            "error": None, "started_at": None, "duration_s": None, "parameters": parameters, "headline": {},
            "outputs": {"ipynb": None, "html": None}, "kernel": {"name": kernel}}


def _stop_manifest(manifest: dict, status: str, reason: dict) -> None:
    """Give a build's manifest its final ``status`` and ``reason``; unfinished notebooks say so."""
    for entry in manifest["notebooks"]:
        if entry["status"] in ("pending", "running"):
            entry["status"] = "not_finished"
    now = _dt.datetime.now(_dt.UTC)
    manifest.update(status=status, reason=reason, finished_at=now.isoformat(timespec="seconds"))
    with contextlib.suppress(TypeError, ValueError):
        manifest["duration_s"] = round((now - _dt.datetime.fromisoformat(manifest["started_at"])).total_seconds(), 3)


def _keep_attempt(build: Path, manifest: dict, status: str, reason: dict) -> tuple[Path | None, dict | None]:
    """Mark a stopped build's manifest and index, and move the build aside as ``<period>.failed-<time>/``.

    Returns where the attempt is (``None`` when the folder vanished; ``build`` itself when it could
    not be renamed) and, when its manifest could not be written, the reason.
    """
    if not build.is_dir():
        return None, None
    problem = None
    _stop_manifest(manifest, status, reason)
    try:
        write_outputs(build, manifest)
    except _WriteFailed as fault:  # e.g. still no space: the folder is kept all the same
        problem = fault.reason
    except Exception as err:  # noqa: BLE001 - a stopped run is reported whatever else goes wrong
        problem = {"code": "error", "detail": f"{type(err).__name__}: {err}"}
    kept = _unique(build.parent / f"{manifest['period']}.failed-{_stamp()}")
    try:
        os.rename(build, kept)
    except OSError:
        return build, problem
    return kept, problem


def _outcome(kept: Path | None, problem: dict | None, build: Path, target: Path) -> str:
    """Where a stopped run left its attempt, for the one-line message."""
    if kept is None:
        text = "nothing could be kept"
    else:
        text = f"this attempt is {'left' if kept == build else 'kept'} in {kept}"
        if problem:
            text += f", but its manifest could not be updated ({_reason_text(problem, 'en')})"
    return text + _unchanged(target)


def _unchanged(target: Path) -> str:
    return f"; the earlier report in {target} is unchanged" if target.is_dir() else ""


def write_outputs(build: Path, manifest: dict) -> None:
    """Write ``manifest.json`` and ``index.html``, each replaced in one step: never half a file."""
    text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    page = render_index(manifest, locale=manifest["locale"])
    with _writing(build):
        write_atomic(build / "manifest.json", text)
        write_atomic(build / "index.html", page)


def write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _carry_over(target: Path, build: Path, entries: list[dict], *, order: list[str]) -> list[dict]:
    """For ``--only`` runs: copy the other notebooks of the existing complete report into the build."""
    previous = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    ran = {e["name"] for e in entries}
    carried = []
    for old in previous.get("notebooks", []):
        if old["name"] in ran:
            continue
        for fname in target.glob(f"{old['name']}.*"):
            if fname.is_file():
                shutil.copy2(fname, build / fname.name)
        carried.append({**old, "carried_over": True})
    merged = carried + entries  # report order; notebooks no longer among the jobs go last
    merged.sort(key=lambda e: order.index(e["name"]) if e["name"] in order else len(order))
    return merged


#: How worker processes start: a fresh interpreter, no inherited threads or locks. (Tests that
#: inject faults into a worker by patching this module use "fork", so the patch reaches the worker.)
_START_METHOD = "spawn"


def _execute_all(tasks: list[dict], *, jobs: int, on_start, on_finish, extra) -> list[dict]:
    """Run every task in its own worker process, at most ``jobs`` at once, each under a wall-clock limit.

    A worker per notebook (also with ``jobs=1``) is what makes the limit enforceable: papermill and
    nbclient can wait forever on a kernel reply that never comes (papermill #711, nbclient #312);
    the cell timeout does not cover those waits. A notebook over ``notebook_timeout`` seconds is
    stopped with its kernel and reported as failed; the others go on.

    Workers end with the runner, even when it is killed outright (see :func:`_worker_setup`). Their
    kernels' connection files live in a scratch folder of this run, removed at the end; an output
    fault reported by a worker stops every worker and is raised as ``_WriteFailed``.
    """
    import multiprocessing
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context(_START_METHOD)
    scratch = tempfile.mkdtemp(prefix="kpi-report-")
    pending, running, entries = list(tasks), {}, []
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                task = {**pending.pop(0), "scratch": scratch, "runner_pid": os.getpid()}
                if on_start:
                    on_start(task["name"])
                receive, send = ctx.Pipe(duplex=False)
                process = ctx.Process(target=_worker, args=(task, send), daemon=True)
                process.start()
                send.close()
                running[task["name"]] = (process, receive, task, time.monotonic())
            ready = wait([r[1] for r in running.values()], timeout=1.0)
            for name, (process, receive, task, t0) in list(running.items()):
                entry = None
                if receive in ready:
                    try:
                        entry = receive.recv()
                    except EOFError:  # the worker died without a word (out of memory, killed)
                        process.join(5)
                        entry = _failed_entry(task, "worker", "WorkerDied",
                                              f"the worker process ended with exit code {process.exitcode}")
                elif time.monotonic() - t0 > task.get("notebook_timeout", math.inf):
                    _stop_process_tree(process)
                    entry = _failed_entry(task, "timeout", "NotebookTimeout",
                                          f"the notebook did not finish within {task['notebook_timeout']} s "
                                          "(report.notebook_timeout); it was stopped with its kernel")
                if entry is None:
                    continue
                process.join(10)
                receive.close()
                del running[name]
                if "output_fault" in entry:  # not this notebook's failure: the report cannot be written
                    raise _WriteFailed(**entry["output_fault"])
                entry = {**entry, **extra(task)}
                entries.append(entry)
                if on_finish:
                    on_finish(entry)
    except BaseException:  # interrupted, or the output cannot be written: stop the notebooks and kernels now
        for process, *_ in running.values():
            _stop_process_tree(process)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return entries


def _worker(task: dict, send) -> None:
    runtime = _worker_setup(task)
    try:
        try:
            entry = execute_job(task)
        except _WriteFailed as fault:
            entry = {"name": task["name"], "output_fault": {"code": fault.code, "detail": fault.detail}}
        except BaseException as err:  # noqa: BLE001 - report it to the parent instead of dying silently
            entry = _failed_entry(task, "worker", type(err).__name__, str(err))
        send.send(entry)
        send.close()
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _worker_setup(task: dict) -> Path:
    """Make this worker end, with its kernel, when the runner ends; returns its kernel runtime folder.

    The runner may be killed outright (SIGKILL, out of memory), with no chance to stop anything:
    the operating system then sends this worker SIGTERM (Linux ``PR_SET_PDEATHSIG``; elsewhere a
    thread watches the parent), and the handler kills the Jupyter kernel's process tree, removes the
    connection files and exits. The kernel's own parent poller (ipykernel, ``JPY_PARENT_PID``) is a second line:
    it exits within a second of its worker. Connection files: jupyter_client writes them with
    ``tempfile.mkstemp`` when no file is named, so this worker's temp folder decides where they go.
    """
    import psutil  # imported now: the signal handler must not import

    scratch = task["scratch"]
    runtime = Path(tempfile.mkdtemp(prefix=f"{task['name']}-", dir=scratch))
    tempfile.tempdir = str(runtime)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)

    def stop(signum, frame):
        for proc in psutil.Process().children(recursive=True):  # the kernel and whatever it started
            with contextlib.suppress(psutil.Error):
                proc.kill()
        shutil.rmtree(runtime, ignore_errors=True)
        with contextlib.suppress(OSError):  # the last worker out removes the run's scratch folder
            os.rmdir(scratch)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    _end_with_parent(task["runner_pid"])
    return runtime


def _end_with_parent(parent: int) -> None:
    """Get SIGTERM when process ``parent`` dies (it must be this process's parent)."""
    armed = False
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            pr_set_pdeathsig = 1
            armed = ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if not armed:
        import threading

        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, name="kpi-report-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # it died before the signal was armed
        os.kill(os.getpid(), signal.SIGTERM)


def _failed_entry(task: dict, stage: str, ename: str, evalue: str) -> dict:
    ipynb = Path(task["build_dir"]) / f"{task['name']}.ipynb"
    return {"name": task["name"], "notebook": task["notebook"], "title": task["name"],
            "status": "failed", "started_at": _now(), "duration_s": 0.0,
            "error": {"stage": stage, "cell_index": None, "ename": ename, "evalue": evalue},
            "parameters": task["parameters"], "headline": {},
            "outputs": {"ipynb": ipynb.name if ipynb.exists() else None, "html": None},
            "kernel": {"name": task["kernel"]}}


def _stop_process_tree(process) -> None:
    """Kill a worker and every process it started (its kernel runs in a session of its own)."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    for proc in [*children]:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    process.kill()
    process.join(10)
