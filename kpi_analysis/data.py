"""Reading a source file into a validated canonical table.

``load(table, path, mapping=...)`` reads CSV, Parquet or Excel, renames the client's columns to the
canonical ones, maps the client's labels (``values``), coerces types, and validates every rule of
``schema.py`` at once. Problems are raised together in one :class:`DataValidationError` that names the
table, each column, the rule, how many rows break it and up to five of them.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from . import schema as _schema
from ._validate import DataValidationError, closest

READERS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel"}
EXAMPLES = 5


def read(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV, Parquet file or folder, or Excel sheet as it is (no renaming, no validation).

    CSV cells are read as text so that types are decided by the data contract, not guessed per file:
    the same table gives the same frame from CSV, Parquet or Excel.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file not found: {path}")
    kind = "parquet" if path.is_dir() else READERS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: unsupported file type {path.suffix!r}; use one of {sorted(READERS)} "
                         "or a folder of Parquet files.")
    if kind == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    if kind == "parquet":
        return pd.read_parquet(path)
    return pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)


def load(table: str, path: str | Path | None = None, mapping: Mapping[str, str] | None = None, *,
         values: Mapping[str, Mapping] | None = None, sheet: str | int | None = None,
         frame: pd.DataFrame | None = None) -> pd.DataFrame:
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
        ``{"status": {"Thành công": "won", "Thất bại": "lost", "Đang xử lý": "open"}}``.
    sheet : str or int, optional
        Excel sheet (the first by default).
    frame : DataFrame, optional
        Validate an in-memory frame instead of reading a file.

    Returns
    -------
    DataFrame with the canonical columns (optional ones when present), in schema order, then any
    extra columns of the source untouched.

    Examples
    --------
    >>> rows = pd.DataFrame({"Ngày": ["2026-10-01"], "Cửa hàng": ["Hà Nội"], "Doanh thu": ["1500000"],
    ...                      "Số đơn": ["12"]})
    >>> load("sales", frame=rows, mapping={"Ngày": "date", "Cửa hàng": "location",
    ...                                    "Doanh thu": "revenue", "Số đơn": "orders"})["revenue"].tolist()
    [1500000.0]
    """
    _schema._check_table(table)
    if frame is None:
        if path is None:
            raise ValueError(f"{table}: give a file path or a frame to load.")
        frame = read(path, sheet=sheet)
    df = rename(frame, table, mapping)
    df = map_values(df, table, values)
    df, problems = coerce(df, table)
    unparsed = {p["column"] for p in problems}
    # a value that did not parse is already reported; do not report it again as "blank"
    problems += [p for p in validate_rules(df, table)
                 if not (p["rule"] == "must not be blank" and p["column"] in unparsed)]
    if problems:
        raise DataValidationError(format_problems(table, problems, source=path), problems)
    order = [c for c in _schema.columns(table) if c in df.columns]
    return df[order + [c for c in df.columns if c not in order]].reset_index(drop=True)


def rename(frame: pd.DataFrame, table: str, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Apply the client -> canonical column mapping and check every required column is there."""
    mapping = dict(mapping or {})
    wanted = _schema.columns(table)
    bad_targets = [v for v in mapping.values() if v not in wanted]
    if bad_targets:
        raise DataValidationError(
            f"{table}: the column mapping points at {bad_targets}, which are not columns of {table}; "
            f"its columns are {wanted}.")
    absent = [k for k in mapping if k not in frame.columns and k not in wanted]
    df = frame.rename(columns={k: v for k, v in mapping.items() if k in frame.columns})
    missing = [c for c in _schema.columns(table, optional=False) if c not in df.columns]
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


def map_values(df: pd.DataFrame, table: str, values: Mapping[str, Mapping] | None) -> pd.DataFrame:
    """Replace client labels (e.g. "Thành công") by canonical values (e.g. "won") column by column."""
    if not values:
        return df
    df = df.copy()
    for column, table_map in values.items():
        if column not in df.columns:
            raise DataValidationError(f"{table}: value mapping given for column {column!r}, "
                                      f"which is not in the table; it has {list(df.columns)}.")
        text = df[column].astype("string").str.strip()
        df[column] = text.map(lambda v: table_map.get(v, v) if pd.notna(v) else v)
    return df


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype("string").str.strip().eq("").fillna(True)


def coerce(df: pd.DataFrame, table: str) -> tuple[pd.DataFrame, list[dict]]:
    """Give every canonical column its type; values that do not parse become problems, not NaN."""
    df = df.copy()
    problems: list[dict] = []
    for name, spec in _schema.TABLES[table].items():
        if name not in df.columns:
            continue
        raw = df[name]
        blank = _blank(raw)
        if spec.kind == "str":
            df[name] = _as_text(raw, blank)
            continue
        if spec.kind in ("datetime", "month"):
            out = _to_datetime(raw)
            rule = "must be a date (YYYY-MM-DD)" if spec.kind == "datetime" else "must be a month (YYYY-MM)"
            if spec.kind == "month":
                out = out.dt.to_period("M").dt.to_timestamp()
        else:
            out = pd.to_numeric(_numeric_text(raw), errors="coerce")
            rule = "must be a number"
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
    return df, problems


def _as_text(raw: pd.Series, blank: pd.Series) -> pd.Series:
    # Excel hands back numbers for id columns ("1001" becomes 1001, or 1001.0): print whole floats
    # without ".0" so ids from Excel equal ids from CSV.
    def text(v):
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()
    out = raw.map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else text(v))
    return out.where(~blank).astype("str")


def _numeric_text(raw: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(raw):
        return raw
    return raw.map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v)


def _to_datetime(raw: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(raw):
        out = raw
    else:
        text = raw.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
        out = pd.to_datetime(text, errors="coerce", format="mixed")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(None)
    return out.astype("datetime64[ns]")


def _problem(df: pd.DataFrame, bad: pd.Series, column: str, rule: str) -> dict:
    rows = df.loc[bad, column].head(EXAMPLES)
    return {"column": column, "rule": rule, "count": int(bad.sum()),
            "examples": [(int(i) if isinstance(i, (int,)) else str(i), _show(v)) for i, v in rows.items()]}


def _show(v):
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
                             "examples": [(None, _show(v)) for v in group["failure_case"].head(EXAMPLES)]})
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


def format_problems(table: str, problems: list[dict], source=None) -> str:
    """One readable message listing every problem: table.column, rule, count, example rows."""
    where = f" ({source})" if source is not None else ""
    lines = [f"{table}{where}: {len(problems)} problem(s) found:"]
    for p in problems:
        shown = ", ".join(f"row {i}: {v!r}" if i is not None else repr(v) for i, v in p["examples"])
        lines.append(f"- {table}.{p['column']} {p['rule']}: {p['count']} row(s) do not"
                     + (f", e.g. {shown}" if shown else "") + ".")
    return "\n".join(lines)


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
