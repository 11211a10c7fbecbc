"""Reading a source file into a validated canonical table.

``load(table, path, mapping=...)`` reads CSV, Parquet or Excel, renames the client's columns to the
canonical ones, maps the client's labels (``values``), reads numbers and dates in the convention the
file is written in (declared, or detected and refused when ambiguous: :mod:`kpi_analysis.formats`),
normalises text keys (Unicode NFC, whitespace), and validates every rule of ``schema.py`` at once.
Problems are raised together in one :class:`DataValidationError` that names the table, the file, each
column, the rule, how many rows break it and up to five of them with their line numbers as an editor
shows them (the header is line 1), in the report's language.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from . import formats, i18n
from . import schema as _schema
from .core.checks import DataValidationError, closest
from .formats import ReadOptions

__all__ = ["READERS", "DataValidationError", "ReadOptions", "case_variants", "coerce", "fingerprint",
           "format_problems", "load", "map_values", "normalize_keys", "read", "read_header", "rename", "rule_text",
           "show_value", "validate_rules"]

READERS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel"}
EXAMPLES = 5

_t = i18n.catalog("data", {
    "problems": {"en": "{where}: {n} problem(s) found:", "vi": "{where}: phát hiện {n} lỗi:"},
    "problem": {"en": "- {table}.{column} {rule}: {count} row(s) do not{examples}.",
                "vi": "- {table}.{column} {rule}: {count} dòng không đạt{examples}."},
    "eg": {"en": ", e.g. {items}", "vi": ", ví dụ {items}"},
    "line": {"en": "line {n}", "vi": "dòng {n}"},
    "row": {"en": "row {n}", "vi": "hàng {n}"},
    "empty_file": {"en": "{where}: the file is empty ({size} bytes); export the table again, or remove it "
                         "(and its entry under data.tables in workbook.yml) to leave the table out.",
                   "vi": "{where}: tệp rỗng ({size} byte); hãy xuất lại bảng, hoặc xoá tệp (và mục của nó trong "
                         "data.tables của workbook.yml) để bỏ bảng này ra."},
    "no_rows": {"en": "{where}: the table has column names but no rows; export it again, or remove it (and its "
                      "entry under data.tables in workbook.yml) to leave the table out.",
                "vi": "{where}: bảng có tên cột nhưng không có dòng dữ liệu nào; hãy xuất lại, hoặc xoá tệp (và "
                      "mục của nó trong data.tables của workbook.yml) để bỏ bảng này ra."},
    "not_found": {"en": "data file not found: {path}", "vi": "không tìm thấy tệp dữ liệu: {path}"},
    "unreadable": {"en": "{where}: the file cannot be read as {kind}: {error}",
                   "vi": "{where}: không đọc được tệp dạng {kind}: {error}"},
})

# Rule texts of schema.py (English, as problems carry them) and their Vietnamese wording.
_RULES_VI = {
    "must not be blank": "không được để trống",
    "must be unique": "phải là duy nhất",
    "must be a number": "phải là số",
    "must be a whole number": "phải là số nguyên",
    "must be set when status is won or lost": "phải có khi trạng thái là won hoặc lost",
    "must be empty while status is open": "phải để trống khi trạng thái là open",
    "must not be before created_at": "không được trước created_at",
    "must be set when status is won": "phải có khi trạng thái là won",
    "must have one row per location and day": "mỗi địa điểm và ngày chỉ được có một dòng",
    "must not be after responded_at": "không được sau responded_at",
    "must have one target per kpi and period": "mỗi KPI và kỳ chỉ được có một chỉ tiêu",
    "must look like 2026-10, 2026-Q4 or 2026": "phải có dạng 2026-10, 2026-Q4 hoặc 2026",
}
_RULE_PATTERNS_VI = [
    (r"must be a date \((.*)\)", "phải là ngày ({0})"),
    (r"must be a month \((.*)\)", "phải là tháng ({0})"),
    (r"must be a number \((.*)\)", "phải là số ({0})"),
    (r"must be one of (.*)", "phải là một trong {0}"),
    (r"must be >= (.*)", "phải >= {0}"),
    (r"must be > (.*)", "phải > {0}"),
    (r"must be <= (.*)", "phải <= {0}"),
    (r"must not be blank \((.*)\)", "không được để trống ({0})"),
]


def rule_text(rule: str, locale: str = "en") -> str:
    """A rule of the data contract in ``locale`` (rules travel in English inside problems)."""
    if i18n.check_locale(locale) == "en":
        return rule
    if rule in _RULES_VI:
        return _RULES_VI[rule]
    for pattern, template in _RULE_PATTERNS_VI:
        if m := re.fullmatch(pattern, rule):
            return template.format(*m.groups())
    return rule


# ------------------------------------------------------------------------------------------------
# Reading a file as it is
# ------------------------------------------------------------------------------------------------

def _kind(path: Path) -> str | None:
    return "parquet" if path.is_dir() else READERS.get(path.suffix.lower())


def read(path: str | Path, *, sheet: str | int | None = None, options: ReadOptions | None = None,
         table: str | None = None, locale: str = "en", **option_values) -> pd.DataFrame:
    """Read a CSV, Parquet file or folder, or Excel sheet as it is (no renaming, no validation).

    CSV cells are read as text so that types are decided by the data contract, not guessed per file:
    the same table gives the same frame from CSV, Parquet or Excel. The encoding and the separator
    come from ``options`` (or the keyword arguments ``encoding=``, ``separator=``) or are detected
    (:func:`kpi_analysis.formats.decode`, :func:`~kpi_analysis.formats.sniff_separator`), refused
    when they cannot be told. ``frame.attrs["source"]`` records what was read and how.
    """
    options = _options(options, sheet=sheet, **option_values)
    path = Path(path)
    where = f"{table} ({path})" if table else str(path)
    if not path.exists():
        raise FileNotFoundError(_t("not_found", locale, path=path))
    kind = _kind(path)
    if kind is None:
        raise ValueError(f"{path}: unsupported file type {path.suffix!r}; use one of {sorted(READERS)} "
                         "or a folder of Parquet files.")
    source = {"path": str(path), "kind": kind}
    if path.is_file() and path.stat().st_size == 0:
        raise DataValidationError(_t("empty_file", locale, where=where, size=0))
    if kind == "csv":
        frame, used = _read_csv(path, options, table=table, locale=locale)
        source.update(used)
    elif kind == "parquet":
        frame = pd.read_parquet(path)
    else:
        try:
            frame = pd.read_excel(path, sheet_name=0 if options.sheet is None else options.sheet, dtype=object)
        except ValueError as err:  # an unknown sheet name: openpyxl's message names the sheets
            raise DataValidationError(_t("unreadable", locale, where=where, kind="Excel", error=err)) from None
        source["sheet"] = options.sheet
    frame.attrs["source"] = source
    return frame


def read_header(path: str | Path, *, options: ReadOptions | None = None, table: str | None = None,
                locale: str = "en") -> pd.DataFrame:
    """An empty frame with the (normalised) column names of a CSV, Parquet (file or folder) or Excel source.

    CSV headers are decoded and split as :func:`read` would (encoding and separator from ``options``
    or detected from the first megabyte), so a file that :func:`load` refuses is refused here too.
    """
    import io

    options = options or ReadOptions()
    path = Path(path)
    kind = _kind(path)
    if kind == "csv" and path.is_file():
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
        if len(head) == 1 << 20:
            head = head[: head.rfind(b"\n") + 1] or head  # whole lines: no character cut in half
        text, _ = formats.decode(head, encoding=options.encoding, table=table, source=path, locale=locale)
        sep = options.separator or formats.sniff_separator(text, table=table, source=path, locale=locale)
        try:
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, nrows=0)
        except pd.errors.EmptyDataError:
            raise DataValidationError(_t("empty_file", locale, where=f"{table} ({path})", size=path.stat().st_size)) \
                from None
    elif kind == "excel":
        frame = pd.read_excel(path, sheet_name=0 if options.sheet is None else options.sheet, nrows=0)
    elif kind == "parquet":
        import pyarrow.parquet as pq

        frame = pd.DataFrame(columns=pq.ParquetDataset(path).schema.names)
    else:
        frame = read(path, options=options, table=table, locale=locale)  # the reader's own message
    return _normalize_header(frame)


def _options(options: ReadOptions | None, **values) -> ReadOptions:
    given = {k: v for k, v in values.items() if v is not None}
    unknown = set(given) - set(ReadOptions.names())
    if unknown:
        raise TypeError(f"unknown reading option(s) {sorted(unknown)}; the options are {list(ReadOptions.names())}.")
    if options is None:
        return ReadOptions(**given)
    from dataclasses import replace

    return replace(options, **given)


def _read_csv(path: Path, options: ReadOptions, *, table, locale) -> tuple[pd.DataFrame, dict]:
    import io

    raw = path.read_bytes()
    where = f"{table} ({path})" if table else str(path)
    text, encoding = formats.decode(raw, encoding=options.encoding, table=table, source=path, locale=locale)
    if not text.strip():
        raise DataValidationError(_t("empty_file", locale, where=where, size=len(raw)))
    sep = options.separator or formats.sniff_separator(text, table=table, source=path, locale=locale)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataValidationError(_t("unreadable", locale, where=where, kind="CSV", error=err)) from None
    return frame, {"encoding": encoding, "separator": sep}


def _line_numbers(source: Mapping | None):
    """index -> line number as an editor shows it (header = line 1), or None for in-memory frames.

    CSV records can span lines (quoted line breaks) and pandas skips blank lines, so the lines are
    counted with the csv module; only called when there is a problem to report.
    """
    if not source or source.get("kind") not in ("csv", "excel"):
        return None
    if source["kind"] == "excel":
        return lambda i: int(i) + 2
    import csv
    import io

    text = Path(source["path"]).read_bytes().decode(source["encoding"]).removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=source["separator"])
    starts, end = [], 0
    for row in reader:
        start, end = end + 1, reader.line_num
        if row:
            starts.append(start)
    data_starts = starts[1:]
    return lambda i: data_starts[int(i)] if 0 <= int(i) < len(data_starts) else int(i) + 2


# ------------------------------------------------------------------------------------------------
# Loading: rename, map labels, read values, validate
# ------------------------------------------------------------------------------------------------

def load(table: str, path: str | Path | None = None, mapping: Mapping[str, str] | None = None, *,
         values: Mapping[str, Mapping] | None = None, sheet: str | int | None = None,
         frame: pd.DataFrame | None = None, options: ReadOptions | None = None, locale: str = "en",
         **option_values) -> pd.DataFrame:
    """Read ``path`` (or take ``frame``) as the canonical ``table``, validated.

    Parameters
    ----------
    table : {"leads", "sales", "nps_responses", "marketing_spend", "competitor_prices",
             "client_activity", "employee_survey", "kpi_targets"}
    path : str or Path
        CSV, Parquet (file or folder) or Excel file.
    mapping : dict, optional
        Client column name -> canonical column name, e.g. ``{"Nhân viên": "rep"}``.
    values : dict, optional
        Canonical column -> {client label: canonical value}, e.g.
        ``{"status": {"Thành công": "won", "Thất bại": "lost", "Đang xử lý": "open"}}``. Labels are
        matched after Unicode NFC and whitespace normalisation, so a label typed in NFD matches.
    sheet : str or int, optional
        Excel sheet (the first by default).
    frame : DataFrame, optional
        Validate an in-memory frame instead of reading a file.
    options : ReadOptions, optional
        How the file is written; the keyword arguments ``encoding``, ``separator``, ``decimal``,
        ``thousands``, ``date_format`` and ``dayfirst`` set the same. Undeclared conventions are
        detected from the whole file and refused when ambiguous (:class:`formats.FormatError`).
    locale : {"en", "vi"}, default "en"
        Language of the error messages.

    Returns
    -------
    DataFrame with the canonical columns (optional ones when present), in schema order, then any
    extra columns of the source untouched. ``attrs["read"]`` records the conventions used
    (encoding, separator, decimal mark, date order) and ``attrs["case_variants"]`` the keys that
    differ only by case (see :func:`case_variants`).

    Examples
    --------
    >>> rows = pd.DataFrame({"Ngày": ["08/10/2026", "13/10/2026"], "Cửa hàng": ["Hà Nội", "Hà  Nội "],
    ...                      "Doanh thu": ["1.500.000,5", "2.000"], "Số đơn": ["12", "3"]})
    >>> sales = load("sales", frame=rows, mapping={"Ngày": "date", "Cửa hàng": "location",
    ...                                            "Doanh thu": "revenue", "Số đơn": "orders"})
    >>> sales["revenue"].tolist(), sales["date"].dt.day.tolist(), sales["location"].unique().tolist()
    ([1500000.5, 2000.0], [8, 13], ['Hà Nội'])
    """
    _schema.check_table(table)
    options = _options(options, sheet=sheet, **option_values)
    if frame is None:
        if path is None:
            raise ValueError(f"{table}: give a file path or a frame to load.")
        frame = read(path, options=options, table=table, locale=locale)
    # line numbers only for a file read here: a frame passed in may have been filtered or re-indexed
    source = frame.attrs.get("source") if path is not None else None
    where = f"{table} ({path})" if path is not None else table
    if len(frame) == 0:
        raise DataValidationError(_t("no_rows", locale, where=where),
                                  [{"column": None, "rule": "must have rows", "count": 0, "examples": []}])
    df = rename(_normalize_header(frame), table, mapping)
    df = normalize_keys(df, table)
    df = map_values(df, table, values)
    lines = _lazy_lines(source)
    df, problems, used = coerce(df, table, options=options, source=path, lines=lines, locale=locale)
    unparsed = {p["column"] for p in problems}
    # a value that did not parse is already reported; do not report it again as "blank"
    problems += [p for p in validate_rules(df, table)
                 if not (p["rule"] == "must not be blank" and p["column"] in unparsed)]
    if problems:
        raise DataValidationError(format_problems(table, problems, source=path, lines=lines, locale=locale),
                                  problems)
    order = [c for c in _schema.columns(table) if c in df.columns]
    out = df[order + [c for c in df.columns if c not in order]].reset_index(drop=True)
    out.attrs = {"read": {**{k: v for k, v in (source or {}).items() if k != "path"}, **used},
                 "case_variants": case_variants(out, table)}
    return out


def _lazy_lines(source):
    cache = {}

    def line(i):
        if "f" not in cache:
            cache["f"] = _line_numbers(source)
        return None if cache["f"] is None else cache["f"](i)
    return line if source else None


def _normalize_header(frame: pd.DataFrame) -> pd.DataFrame:
    # "Ngày" in an NFD or Windows-1258 header is the "Ngày" the mapping names in workbook.yml
    names = [formats.normalize_text(pd.Series([c])).iloc[0] if isinstance(c, str) else c for c in frame.columns]
    return frame.set_axis(names, axis=1) if names != list(frame.columns) else frame


def _normalize_mapping(mapping: Mapping[str, str] | None) -> dict | None:
    if not mapping:
        return mapping
    return {formats.normalize_text(pd.Series([k])).iloc[0] if isinstance(k, str) else k: v
            for k, v in mapping.items()}


def rename(frame: pd.DataFrame, table: str, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Apply the client -> canonical column mapping and check every required column is there.

    Client names are compared in Unicode NFC with whitespace collapsed (:func:`formats.normalize_text`),
    on both sides.
    """
    mapping = dict(_normalize_mapping(mapping) or {})
    wanted = _schema.columns(table)
    bad_targets = [v for v in mapping.values() if v not in wanted]
    if bad_targets:
        raise DataValidationError(
            f"{table}: the column mapping points at {bad_targets}, which are not columns of {table}; "
            f"its columns are {wanted}.")
    absent = [k for k in mapping if k not in frame.columns and k not in wanted]
    df = frame.rename(columns={k: v for k, v in mapping.items() if k in frame.columns})
    missing = [c for c in _schema.columns(table, optional=False) if c not in df.columns]
    # an optional column the mapping says the file has, but it does not: as wrong as a required one
    missing += [v for k, v in mapping.items() if k in absent and v not in df.columns and v not in missing]
    absent = [k for k in absent if mapping[k] not in missing]
    if missing or absent:
        client_for = {v: k for k, v in mapping.items()}
        lines = []
        for col in missing:
            asked = client_for.get(col)
            name = asked if asked else col
            hint = closest(name, frame.columns)
            where = f"mapped from {asked!r}, which the file does not have" if asked else "not in the file"
            lines.append(f"{col!r} ({where})" + (f": did you mean {hint}?" if hint else ""))
        message = f"{table}: missing column(s): " + "; ".join(lines) if lines else ""
        if absent and not lines:
            message = (f"{table}: the mapping names column(s) {absent} that the file does not have; "
                       f"closest: {[closest(a, frame.columns) for a in absent]}")
        end = " " if message.endswith("?") else ". "  # no "?." after a did-you-mean
        raise DataValidationError(message + f"{end}The file has {list(map(str, frame.columns))}.",
                                  [{"column": c, "rule": "missing column"} for c in missing])
    return df


def normalize_keys(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Text columns in Unicode NFC, whitespace runs collapsed (free text keeps its line breaks), trimmed."""
    df = df.copy()
    for name, spec in _schema.TABLES[table].items():
        if spec.kind != "str" or name not in df.columns:
            continue
        col = df[name]
        if pd.api.types.is_string_dtype(col) and not pd.api.types.is_object_dtype(col):  # CSV text: all strings
            df[name] = formats.normalize_text(col, collapse=not spec.free_text).astype(col.dtype)
            continue
        text = col.map(lambda v: isinstance(v, str))
        if text.any():
            df[name] = col.where(~text, formats.normalize_text(col.where(text), collapse=not spec.free_text)
                                 .astype(object))
    return df


def map_values(df: pd.DataFrame, table: str, values: Mapping[str, Mapping] | None) -> pd.DataFrame:
    """Replace client labels (e.g. "Thành công") by canonical values (e.g. "won") column by column.

    Labels are compared after the same normalisation as the data (NFC, whitespace), so a label
    written in NFD in workbook.yml matches its NFC spelling in the file.
    """
    if not values:
        return df
    df = df.copy()
    for column, table_map in values.items():
        if column not in df.columns:
            raise DataValidationError(f"{table}: value mapping given for column {column!r}, "
                                      f"which is not in the table; it has {list(df.columns)}.")
        keys = formats.normalize_text(pd.Series(list(table_map), dtype=object)).tolist()
        lookup = dict(zip(keys, table_map.values(), strict=True))
        text = df[column].astype("string")
        text = formats.normalize_text(text)
        df[column] = text.map(lambda v, lookup=lookup: lookup.get(v, v) if pd.notna(v) else v).astype(object)
    return df


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype("string").str.strip().eq("").fillna(True)


def coerce(df: pd.DataFrame, table: str, *, options: ReadOptions | None = None, source=None, lines=None,
           locale: str = "en") -> tuple[pd.DataFrame, list[dict], dict]:
    """Give every canonical column its type; values that do not parse become problems, not NaN.

    Returns the typed frame, the problems and the conventions used (``decimal``, ``thousands``,
    ``date_order``), which apply to the whole table: one export is written one way.
    """
    options = options or ReadOptions()
    spec_of = _schema.TABLES[table]
    present = {n: s for n, s in spec_of.items() if n in df.columns}
    numbers = {n: df[n] for n, s in present.items() if s.kind in ("float", "int")}
    dates = {n: df[n] for n, s in present.items() if s.kind in ("datetime", "month")}
    decimal, thousands = formats.number_convention(numbers, decimal=options.decimal, thousands=options.thousands,
                                                   table=table, source=source, lines=lines, locale=locale)
    order = formats.date_order(dates, dayfirst=options.dayfirst, date_format=options.date_format, table=table,
                               source=source, lines=lines, locale=locale)
    df = df.copy()
    problems: list[dict] = []
    for name, spec in present.items():
        raw = df[name]
        blank = _blank(raw)
        if spec.kind == "str":
            df[name] = _as_text(raw, blank)
            continue
        if spec.kind in ("datetime", "month"):
            out = formats.parse_dates(raw, order=order, date_format=options.date_format)
            rule = ("must be a date" if spec.kind == "datetime" else "must be a month") + _date_hint(order, options)
            if spec.kind == "month":
                out = out.dt.to_period("M").dt.to_timestamp()
        else:
            out = formats.parse_numbers(raw, decimal=decimal, thousands=thousands)
            rule = "must be a number" + (" (decimal comma, e.g. 1.234,5)" if decimal == "," else "")
            if spec.kind == "int":
                whole = out.isna() | (out % 1 == 0)
                if (~whole).any():
                    problems.append(_problem(df, ~whole, name, "must be a whole number"))
        unparsed = out.isna() & ~blank
        if unparsed.any():
            problems.append(_problem(df, unparsed, name, rule))
        if spec.kind == "int":
            out = out.round().astype("Int64") if out.isna().any() else out.round().astype("int64")
        elif spec.kind == "float":
            out = out.astype("float64")
        df[name] = out
    used = {"decimal": decimal if numbers else None, "thousands": thousands, "date_order": order}
    return df, problems, {k: v for k, v in used.items() if v is not None}


def _date_hint(order: str | None, options: ReadOptions) -> str:
    return {None: " (YYYY-MM-DD)", "dmy": " (dd/mm/yyyy or YYYY-MM-DD)", "mdy": " (mm/dd/yyyy or YYYY-MM-DD)",
            "format": f" ({options.date_format})"}[order]


def _as_text(raw: pd.Series, blank: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(raw) and not pd.api.types.is_object_dtype(raw):  # already text (CSV)
        return raw.str.strip().where(~blank).astype("str")

    # Excel hands back numbers for id columns ("1001" becomes 1001, or 1001.0): print whole floats
    # without ".0" so ids from Excel equal ids from CSV.
    def text(v):
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()
    out = raw.map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else text(v))
    return out.where(~blank).astype("str")


def _problem(df: pd.DataFrame, bad: pd.Series, column: str, rule: str) -> dict:
    rows = df.loc[bad, column].head(EXAMPLES)
    return {"column": column, "rule": rule, "count": int(bad.sum()),
            "examples": [(int(i) if isinstance(i, int) else str(i), show_value(v)) for i, v in rows.items()]}


def show_value(v):
    """A cell as it is shown in a problem message (plain Python value, timestamps as ISO text)."""
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return None
    return v.item() if hasattr(v, "item") else v


def validate_rules(df: pd.DataFrame, table: str) -> list[dict]:
    """Run the pandera schema lazily and turn its failure cases into problems (one per column+rule)."""
    import pandera.pandas as pa

    problems = []
    for rule in _schema.RULES.get(table, []):
        if rule.column in df.columns and all(c in df.columns for c in rule.columns):
            ok = pd.Series(rule.check(df), index=df.index).fillna(False).astype(bool)
            if (~ok).any():
                problems.append(_problem(df, ~ok, rule.column, rule.name))
    try:
        _schema.schema(table).validate(df, lazy=True)
        return problems
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        column = _column_of(column, check)
        idx = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int).unique()
        rule = _rule_text(str(check))
        if rule.startswith("column_in_dataframe"):
            continue  # handled by rename(): missing columns are reported with suggestions
        if len(idx):
            bad = pd.Series(df.index.isin(idx), index=df.index)
            problems.append(_problem(df, bad, column, rule))
        else:
            problems.append({"column": column, "rule": rule, "count": len(group),
                             "examples": [(None, show_value(v)) for v in group["failure_case"].head(EXAMPLES)]})
    return problems


def _column_of(column, check) -> str:
    if isinstance(column, str) and column and column != "nan":
        return column
    return str(check).split(":", 1)[0]  # wide checks are named "column: rule"


def _rule_text(check: str) -> str:
    if check == "not_nullable":
        return "must not be blank"
    if check == "field_uniqueness":
        return "must be unique"
    if ":" in check and not check.startswith(("greater", "less", "isin", "str_matches")):
        return check.split(":", 1)[1].strip()
    return check


def format_problems(table: str, problems: list[dict], source=None, *, lines=None, locale: str = "en") -> str:
    """One readable message listing every problem: table.column, rule, count, example rows.

    Examples are named by their line in the file (``lines``: index -> line) when the table was read
    from a file, by their row (or id) otherwise.
    """
    where = f"{table} ({source})" if source is not None else table
    out = [_t("problems", locale, where=where, n=len(problems))]
    for p in problems:
        items = []
        for i, v in p["examples"]:
            if i is None:
                items.append(repr(v))
                continue
            line = lines(i) if lines is not None and isinstance(i, int) else None
            label = _t("line", locale, n=line) if line is not None else _t("row", locale, n=i)
            items.append(f"{label}: {v!r}")
        shown = _t("eg", locale, items=", ".join(items)) if items else ""
        out.append(_t("problem", locale, table=table, column=p["column"], rule=rule_text(p["rule"], locale),
                      count=p["count"], examples=shown))
    return "\n".join(out)


def case_variants(df: pd.DataFrame, table: str) -> dict[str, list[dict]]:
    """Key columns whose values differ only by case ("Miền Trung" / "miền trung"), with row counts.

    They stay apart (the data may mean them apart); merge them with a ``values:`` mapping under the
    table in workbook.yml.
    """
    out = {}
    for name, spec in _schema.TABLES[table].items():
        if spec.kind == "str" and spec.key and name in df.columns:
            found = formats.case_variants(df[name])
            if found:
                out[name] = found
    return out


def fingerprint(path: str | Path) -> str:
    """sha256 of a file (or of every file in a folder, in name order): records exactly what was read."""
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()
