"""Run the reductions where the data lives: one Ibis expression per analysis, any Ibis backend.

Every analysis starts with a reduction (rows -> a small table of sufficient statistics) written in
pandas beside it (:func:`kpi_analysis.nps.counts`, :func:`kpi_analysis.reps.counts`,
:func:`kpi_analysis.promo.daily_sums`, :func:`kpi_analysis.feasibility.monthly_drivers`,
:func:`kpi_analysis.scorecard.totals`). This module writes the same reductions once as Ibis
expressions, so they run

- on DuckDB (embedded, the default) over CSV files, Parquet files, partitioned Parquet folders and
  DuckDB database files, and
- on any Ibis backend given a connection URL (``postgres://...``, ``snowflake://...``, ...), chosen
  by ``data.connection`` in ``workbook.yml``.

Only the reduced table comes back to Python: no row of a database table or Parquet file is pulled
into memory. :func:`nps_counts`, :func:`rep_counts`, :func:`daily_sums`, :func:`monthly_drivers` and
:func:`kpi_totals` each return a pandas DataFrame equal to the pandas reduction's (same columns,
dtypes, order; sums equal up to floating-point summation order), so the analyses accept it
unchanged; :func:`reduce` picks one by analysis name and ``Workbook.reduce`` runs it on the
workbook's own tables. :func:`check` runs the data contract of ``schema.py`` in the engine on the whole
table (one aggregate query counts the violations of every rule) and shows a few offending rows.

Differences from the pandas reductions, by design
    - ``nps_counts(latest_only=True)``: among answers of one customer with the *same* timestamp,
      pandas keeps the later row of the file; a database has no row order, so the largest
      ``response_id`` is kept.
    - Non-numeric scores cannot exist after :func:`check` (they are contract violations), so
      ``non_numeric`` is always 0.
    - Text cells are trimmed of spaces with SQL ``TRIM``; ``data.load`` (Python's ``str.strip``) also
      trims tabs and newlines, so a key padded with a tab groups apart in the engine.

Examples
--------
>>> import pandas as pd
>>> sales = pd.DataFrame({"date": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-02"]),
...                       "location": ["A", "A", "A"], "revenue": [1.0, 2.0, 5.0], "orders": [1, 1, 2]})
>>> daily_sums(sales)[["date", "revenue", "rows"]].to_dict("list")["revenue"]
[3.0, 5.0]
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "DUCKDB_SUFFIXES",
    "REDUCTIONS",
    "TABLES_NEEDED",
    "check",
    "connect",
    "daily_sums",
    "kpi_totals",
    "load",
    "monthly_drivers",
    "nps_counts",
    "reduce",
    "rep_counts",
    "source",
]

DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")
EXAMPLES = 5
_NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
_DATE = r"^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?\s*$"


# --------------------------------------------------------------------------------------------------
# connections and sources
# --------------------------------------------------------------------------------------------------

def connect(connection=None):
    """An Ibis backend: embedded DuckDB for ``None``/"" /"duckdb://", else ``ibis.connect(connection)``.

    ``connection`` may also be a backend already connected (returned as is).
    """
    import ibis

    if connection is None or connection == "" or connection == "duckdb://":
        return ibis.duckdb.connect(**duckdb_settings())
    if not isinstance(connection, str):
        if hasattr(connection, "execute") and hasattr(connection, "table"):
            return connection
        raise TypeError(f"connection must be a URL string such as 'postgres://user@host/db' or an Ibis "
                        f"backend; got {type(connection).__name__}.")
    try:
        return ibis.connect(connection)
    except Exception as err:  # any driver's error: its message says what is wrong (host, auth, extra)
        raise ValueError(f"data.connection: cannot connect to {_redact(connection)!r}: {err}") from err


def duckdb_settings() -> dict:
    """Settings of the embedded DuckDB: a memory cap so the Python process stays small on any input.

    DuckDB spills aggregations and joins that outgrow ``memory_limit`` to ``temp_directory``. The cap
    is ``$KPI_DUCKDB_MEMORY_LIMIT`` (default "1GB"; the rest of the process, pandas and the statistics,
    needs a few hundred MB more); the spill folder is a per-user folder in the system temp directory.
    """
    import os
    import tempfile

    spill = Path(tempfile.gettempdir()) / f"kpi-workbook-duckdb-{os.getuid() if hasattr(os, 'getuid') else 0}"
    return {"memory_limit": os.environ.get("KPI_DUCKDB_MEMORY_LIMIT", "1GB"), "temp_directory": str(spill)}


def _redact(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def source(table: str, path=None, *, query: str | None = None, con=None,
           mapping: Mapping[str, str] | None = None, values: Mapping[str, Mapping] | None = None,
           sheet=None, options=None):
    """The canonical ``table`` as an Ibis expression (renamed, labels mapped, typed), not yet run.

    Parameters
    ----------
    table : str
        Canonical table name (``leads``, ``sales``, ``nps_responses``, ...).
    path : str, Path or pandas.DataFrame, optional
        CSV file, Parquet file, folder of Parquet files (partitioned datasets, read recursively),
        DuckDB database file (``.duckdb``/``.ddb``/``.db``; the table is ``query`` or ``table``),
        Excel file (read by pandas: Excel files are small), or an in-memory DataFrame.
    query : str, optional
        A table name or a SQL ``SELECT`` on ``con`` (or on the DuckDB file given as ``path``).
    con : Ibis backend or URL, optional
        Where ``query`` runs. Files are always read by an embedded DuckDB.
    mapping, values : dict, optional
        Client column -> canonical column, and per canonical column client label -> canonical value
        (the ``columns`` and ``values`` keys of a table in ``workbook.yml``).
    options : kpi_analysis.formats.ReadOptions, optional
        How a CSV or Excel file is written (encoding, separator, decimal mark, date order).

    CSV and Excel files are read and validated by :func:`kpi_analysis.data.load` (which detects and
    refuses ambiguous decimal marks, date orders and encodings) and handed to the engine as an
    in-memory table: a client export is read one way whatever runs the reductions. Large data
    belongs in Parquet, a DuckDB file or a database, which are read where they are.

    Returns
    -------
    ibis.Table
        Canonical columns (typed; values that do not parse are NULL and reported by :func:`check`)
        plus the raw columns ``_raw_<name>`` that :func:`check` needs.
    """
    if isinstance(path, (str, Path)) and Path(path).suffix.lower() in _PANDAS_READ:
        import ibis

        from . import data

        frame = data.load(table, path, mapping, values=values, options=options, sheet=sheet)
        frame.attrs = {}
        return canonical(ibis.memtable(frame), table)
    raw = _raw(table, path, query=query, con=con, sheet=sheet)
    return canonical(raw, table, mapping=mapping, values=values)


_PANDAS_READ = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")


def _raw(table, path, *, query, con, sheet):
    import ibis
    import pandas as pd

    if isinstance(path, pd.DataFrame):
        return ibis.memtable(path)
    if path is None:
        if not query:
            raise ValueError(f"{table}: give a path, a DataFrame or a query.")
        backend = connect(con)
        return _query(backend, query)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"data file not found: {p}")
    suffix = p.suffix.lower()
    if suffix in DUCKDB_SUFFIXES:
        backend = ibis.duckdb.connect(str(p), read_only=True, **duckdb_settings())
        return _query(backend, query or table)
    backend = con if (con is not None and not isinstance(con, str) and con.name == "duckdb") else connect(None)
    if p.is_dir():
        files = sorted(str(f) for f in p.rglob("*.parquet"))
        if not files:
            raise FileNotFoundError(f"{table}: the folder {p} holds no .parquet files.")
        return backend.read_parquet(str(p / "**" / "*.parquet"), hive_partitioning=True)
    if suffix in (".parquet", ".pq"):
        return backend.read_parquet(str(p))
    raise ValueError(f"{p}: unsupported file type {suffix!r}; use CSV, Parquet (file or folder), Excel or "
                     f"a DuckDB file ({', '.join(DUCKDB_SUFFIXES)}).")


def _query(backend, query: str):
    q = query.strip()
    if re.fullmatch(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?", q):
        if "." in q:
            schema_name, name = q.split(".", 1)
            return backend.table(name, database=schema_name)
        return backend.table(q)
    # A query becomes a temporary view, read as a table. Ibis 12's backend.sql() fails with DuckDB
    # 2.0 (it calls the removed fetch_arrow_table) and with sqlglot 30 on PostgreSQL (it emits an
    # empty "DROP VIEW IF EXISTS"); a temporary view works on both, and on read-only DuckDB files.
    import hashlib

    view = "_kpi_query_" + hashlib.sha1(q.encode()).hexdigest()[:12]
    statement = f'CREATE OR REPLACE TEMPORARY VIEW "{view}" AS {q}'
    name = getattr(backend, "name", "")
    if name == "duckdb":
        backend.con.execute(statement)
    elif name == "postgres":
        with backend.raw_sql(statement):
            pass
    else:
        return backend.sql(q)
    return backend.table(view)


def _backend_name(expr) -> str:
    from ibis.common.exceptions import IbisError

    try:
        return expr._find_backend(use_default=True).name
    except (AttributeError, IbisError):  # several backends in one expression: let Ibis raise when run
        return "duckdb"


def canonical(raw, table: str, *, mapping=None, values=None):
    """Rename, map labels and type the columns of an Ibis table per the data contract."""
    import ibis
    import ibis.expr.datatypes as dt
    import pandas as pd

    from . import schema as _schema

    _schema.check_table(table)
    mapping = dict(mapping or {})
    wanted = _schema.columns(table)
    from ._validate import DataValidationError, closest
    bad_targets = [v for v in mapping.values() if v not in wanted]
    if bad_targets:
        raise DataValidationError(f"{table}: the column mapping points at {bad_targets}, which are not columns "
                                  f"of {table}; its columns are {wanted}.")
    present = list(raw.columns)
    renames = {canon: client for client, canon in mapping.items() if client in present and client != canon}
    t = raw.rename(renames) if renames else raw
    missing = [c for c in _schema.columns(table, optional=False) if c not in t.columns]
    if missing:
        hints = "; ".join(f"{c!r}" + (f": did you mean {closest(c, present)}?" if closest(c, present) else "")
                          for c in missing)
        raise DataValidationError(f"{table}: missing column(s): {hints}. The source has {present}.",
                                  [{"column": c, "rule": "missing column"} for c in missing])
    duck = _backend_name(t) == "duckdb"
    out = {}
    for name, spec in _schema.TABLES[table].items():
        if name not in t.columns:
            continue
        col = t[name]
        if values and name in values:
            from .formats import normalize_text

            text = _normalize_text(col.cast("string"), backend=_backend_name(t))
            labels = normalize_text(pd.Series(list(values[name]), dtype=object)).tolist()
            col = text.substitute(dict(zip(labels, values[name].values(), strict=True)), else_=text)
        typ = col.type()
        out[f"_raw_{name}"] = col
        if spec.kind == "str":
            text = col if typ.is_string() else col.cast("string")
            out[name] = _normalize_text(text, backend=_backend_name(t), collapse=not spec.free_text).nullif("")
        elif spec.kind in ("datetime", "month"):
            if typ.is_timestamp():
                v = col.cast(dt.Timestamp()) if typ.timezone else col
            elif typ.is_date():
                v = col.cast("timestamp")
            elif typ.is_string():
                s = _trim(col)
                v = s.try_cast("timestamp") if duck else ibis.ifelse(s.re_search(_DATE), s.cast("timestamp"),
                                                                      ibis.null("timestamp"))
            else:
                v = col.cast("timestamp")
            out[name] = v.truncate("M") if spec.kind == "month" else v
        else:
            if typ.is_floating():  # NaN is a missing value, as in pandas (Parquet written from numpy has NaN)
                v = ibis.ifelse(col.isnan(), ibis.null("float64"), col.cast("float64"))
            elif typ.is_numeric():
                v = col.cast("float64")
            else:
                # text numbers in a database or Parquet file must be plain ("1234.5"): a decimal comma or
                # grouping marks fail the check ("must be a number") instead of being read a wrong way
                s = _trim(col.cast("string"))
                v = ibis.ifelse(s.re_search(_NUMBER), s.cast("float64"), ibis.null("float64"))
            if spec.kind == "int":
                out[f"_num_{name}"] = v  # before rounding: "1.5 orders" is reported, not rounded away
                v = v.round().cast("int64")
            out[name] = v
    extra = [c for c in t.columns if c not in out]
    return t.select(*[t[c] for c in extra], **out)


_TRIM = None
_NFC: dict = {}


def _normalize_text(x, *, backend: str, collapse: bool = True):
    """Text keys as :func:`kpi_analysis.formats.normalize_text` makes them: Unicode NFC, whitespace
    runs collapsed, trimmed. NFC is the backend's own function (DuckDB ``nfc_normalize``,
    PostgreSQL ``normalize``, whose default form is NFC)."""
    import ibis

    name = {"duckdb": "nfc_normalize", "postgres": "normalize"}.get(backend)
    if name is not None:
        if name not in _NFC:
            @ibis.udf.scalar.builtin(name=name)
            def nfc(value: str) -> str:  # the backend's own NFC normalisation
                ...
            _NFC[name] = nfc
        x = _NFC[name](x)
    if collapse:
        x = x.re_replace(r"\s+", " ")
    return _trim(x)


def _trim(x):
    """SQL ``TRIM(x)``: leading and trailing spaces removed.

    Ibis's ``strip()`` trims a set of whitespace characters, which DuckDB runs about 3x slower than
    the one-argument ``TRIM``; text cells padded with tabs or newlines (rather than spaces) are
    therefore not trimmed in the engine, where ``data.load`` (Python's ``str.strip``) would trim them.
    """
    global _TRIM
    if _TRIM is None:
        import ibis

        @ibis.udf.scalar.builtin(name="trim")
        def trim(value: str) -> str:  # the backend's own TRIM
            ...

        _TRIM = trim
    return _TRIM(x)


def _canon_cols(t) -> list[str]:
    return [c for c in t.columns if not c.startswith(("_raw_", "_num_"))]


def _table_for(data, table: str):
    """An Ibis table from a DataFrame (validated canonical frame), a path, or an Ibis table."""
    import ibis
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return ibis.memtable(data)
    if isinstance(data, (str, Path)):
        return source(table, data)
    return data


# --------------------------------------------------------------------------------------------------
# the data contract, checked in the engine
# --------------------------------------------------------------------------------------------------

def _rule_exprs(t, table: str) -> list[tuple[str, str, Any, str]]:
    """(column, rule, bad-row boolean expression, kind) for every row-wise rule of ``table``."""
    import ibis

    from . import schema as _schema

    out = []
    for name, spec in _schema.TABLES[table].items():
        if name not in t.columns:
            continue
        col = t[name]
        raw = t[f"_raw_{name}"]
        if raw.type().is_floating():
            raw_blank = raw.isnull() | raw.isnan()
        elif raw.type().is_string():
            raw_blank = raw.isnull() | (_trim(raw) == "")
        else:
            raw_blank = raw.isnull()
        if spec.kind in ("datetime", "month", "float", "int"):
            rule = {"datetime": "must be a date (YYYY-MM-DD)", "month": "must be a month (YYYY-MM)"}.get(
                spec.kind, "must be a number")
            numeric = t[f"_num_{name}"] if spec.kind == "int" else col
            unparsed = numeric.isnull() & ~raw_blank
            out.append((name, rule, unparsed, "raw"))
            if spec.kind == "int":
                out.append((name, "must be a whole number", numeric.notnull() & (numeric % 1 != 0), "raw"))
        if not spec.nullable:
            out.append((name, "must not be blank", raw_blank, "raw"))
        if spec.isin is not None:
            out.append((name, f"must be one of {list(spec.isin)}", col.notnull() & ~col.isin(list(spec.isin)), ""))
        num = t[f"_num_{name}"] if spec.kind == "int" else col
        if spec.ge is not None:
            out.append((name, f"must be >= {spec.ge:g}", num.notnull() & (num < spec.ge), ""))
        if spec.gt is not None:
            out.append((name, f"must be > {spec.gt:g}", num.notnull() & (num <= spec.gt), ""))
        if spec.le is not None:
            out.append((name, f"must be <= {spec.le:g}", num.notnull() & (num > spec.le), ""))
        if spec.integer:
            out.append((name, "must be a whole number", num.notnull() & (num % 1 != 0), ""))
        if name == "period" and table == "kpi_targets":
            out.append((name, "must look like 2026-10, 2026-Q4 or 2026",
                        col.notnull() & ~col.re_search(_schema.PERIOD_PATTERN), ""))
    # cross-column rules of schema.RULES, written once more as expressions (same names and columns)
    cols = set(t.columns)
    if table == "leads":
        st, cl, cr = t.status, t.closed_at, t.created_at
        out += [("closed_at", "must be set when status is won or lost", st.isin(["won", "lost"]) & cl.isnull(), ""),
                ("closed_at", "must be empty while status is open", (st == "open") & cl.notnull(), ""),
                ("closed_at", "must not be before created_at", cl.notnull() & cr.notnull() & (cl < cr), ""),
                ("deal_value", "must be set when status is won", (st == "won") & t.deal_value.isnull(), "")]
        if "first_contact_at" in cols:
            fc = t.first_contact_at
            out.append(("first_contact_at", "must not be before created_at",
                        fc.notnull() & cr.notnull() & (fc < cr), ""))
    if table == "nps_responses":
        out.append(("customer_since", "must not be after responded_at",
                    t.customer_since.notnull() & t.responded_at.notnull() & (t.customer_since > t.responded_at), ""))
    del ibis
    return out


_ID_COLUMNS = {"leads": "lead_id", "nps_responses": "response_id"}


def _duplicate_rules(table: str) -> list[tuple[str, str, list[str]]]:
    from . import schema as _schema

    out = [(name, "must be unique", [name]) for name, spec in _schema.TABLES[table].items() if spec.unique]
    if table == "sales":
        out.append(("date", "must have one row per location and day", ["location", "date"]))
    if table == "kpi_targets":
        out.append(("period", "must have one target per kpi and period", ["kpi", "period"]))
    return out


def check(t, table: str, *, source_name=None, raise_error: bool = True) -> list[dict]:
    """Check the data contract of ``table`` on the whole Ibis table ``t`` (from :func:`source`) in the engine.

    One aggregate query counts the rows breaking each rule; duplicates are counted with one
    ``GROUP BY`` per uniqueness rule; up to five offending values per broken rule are fetched.
    Raises :class:`kpi_analysis._validate.DataValidationError` (the message format of
    :func:`kpi_analysis.data.load`) unless ``raise_error=False``; returns the problems found.
    """
    import ibis

    from ._validate import DataValidationError
    from .data import format_problems

    if not any(c.startswith("_raw_") for c in t.columns):
        raise TypeError("check: pass the table returned by engine.source(...), which keeps the raw columns.")
    rules = _rule_exprs(t, table)
    counts = {}
    if rules:
        agg = t.aggregate(**{f"r{i}": _cnt(bad) for i, (_, _, bad, _) in enumerate(rules)})
        row = agg.execute().iloc[0]
        counts = {i: int(row[f"r{i}"] or 0) for i in range(len(rules))}
    problems: list[dict] = []
    unparsed_cols = set()
    for i, (column, rule, bad, kind) in enumerate(rules):
        n = counts.get(i, 0)
        if not n:
            continue
        if rule == "must not be blank" and column in unparsed_cols:
            continue
        if kind == "raw" and rule != "must not be blank":  # a value that did not parse is not "blank" too
            unparsed_cols.add(column)
        shown = t[f"_raw_{column}"] if kind == "raw" else t[column]
        key = _ID_COLUMNS.get(table)
        cols = {"v": shown, **({"k": t[f"_raw_{key}"]} if key and f"_raw_{key}" in t.columns else {})}
        sample = t.filter(bad).select(**cols).limit(EXAMPLES).execute()
        ids = sample["k"].tolist() if "k" in sample.columns else [None] * len(sample)
        # a SQL table has no row numbers: the row is named by its id ("row L000123: 'wonn'") when it has one
        problems.append({"column": column, "rule": rule, "count": n,
                         "examples": [(None if k is None else str(k), _show(v))
                                      for k, v in zip(ids, sample["v"].tolist(), strict=True)]})
    for column, rule, keys in _duplicate_rules(table):
        if not all(k in t.columns for k in keys):
            continue
        g = t.filter(ibis.and_(*[t[k].notnull() for k in keys])).group_by(keys).aggregate(n=ibis._.count())
        dup = g.filter(g.n > 1)
        n = dup.n.sum().execute()
        if n and int(n):
            sample = dup.order_by(keys).limit(EXAMPLES).execute()
            problems.append({"column": column, "rule": rule, "count": int(n),
                             "examples": [(None, _show(v)) for v in sample[column].tolist()]})
    if problems and raise_error:
        raise DataValidationError(format_problems(table, problems, source=source_name), problems)
    return problems


def _show(v):
    from .data import show_value

    return show_value(v)


def load(table: str, path=None, *, query=None, con=None, mapping=None, values=None, sheet=None):
    """Validate ``table`` in the engine, then fetch it as the canonical pandas frame of ``data.load``.

    For SQL tables and queries (and DuckDB files) in notebooks that want the rows; analyses on large
    data should use :func:`reduce` instead, which fetches only the reduced table.
    """
    from . import data

    t = source(table, path, query=query, con=con, mapping=mapping, values=values, sheet=sheet)
    check(t, table, source_name=path if path is not None and not hasattr(path, "columns") else query)
    frame = t.select(*_canon_cols(t)).execute()
    return data.load(table, frame=frame)


# --------------------------------------------------------------------------------------------------
# period helpers (pandas Period semantics in SQL)
# --------------------------------------------------------------------------------------------------

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


def _period_start(ts, alias: str):
    """Start (timestamp, midnight) of the pandas period ``alias`` holding each ``ts``."""
    import ibis

    a = alias.upper()
    if a in ("M", "MS", "ME"):
        return ts.truncate("M")
    if a in ("D",):
        return ts.truncate("D")
    if a == "Y" or a.startswith("Y-DEC") or a == "A":
        return ts.truncate("Y")
    if a.startswith("Q"):
        end = _MONTHS.index(a.split("-")[1]) + 1 if "-" in a else 12
        m = ts.year().cast("int64") * 12 + ts.month().cast("int64") - 1
        first = end % 12  # 0-based month index that starts a quarter
        q0 = m - ((m - first) % 3)
        return ibis.date((q0 // 12).cast("int32"), (q0 % 12 + 1).cast("int32"), 1).cast("timestamp")
    if a.startswith("W"):
        end = _DAYS.index(a.split("-")[1]) if "-" in a else 6
        first = (end + 1) % 7
        dow = ts.day_of_week.index().cast("int64")  # Monday = 0
        back = (dow - first + 7) % 7
        day = ts.truncate("D")
        if first == 0:
            return ts.truncate("W")
        return day - back.as_interval("D")
    raise ValueError(f"unsupported period alias {alias!r}")


def _period_strings(starts, alias: str):
    """pandas Period strings ("2026-10", "2026Q4", "2026-10-26/2026-11-01") of period start dates."""
    import pandas as pd

    return pd.PeriodIndex(pd.DatetimeIndex(starts), freq=alias).astype(str)


def _fetch(expr):
    """Execute and return a pandas frame with a fresh RangeIndex."""
    return expr.execute().reset_index(drop=True)


def _as_str(series):
    return series.astype("str")


def _as_ts(series):
    import pandas as pd

    s = pd.to_datetime(series)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert(None)
    return s.astype("datetime64[ns]")


# --------------------------------------------------------------------------------------------------
# nps: answers -> detractor / passive / promoter counts
# --------------------------------------------------------------------------------------------------

def nps_counts(responses, *, by=None, freq: str | None = None, score: str = "score", date: str = "responded_at",
               customer: str = "customer_id", since: str = "customer_since", blank: str = "exclude",
               latest_only: bool = False, early_days: int = 90, early: str = "keep", start=None, end=None,
               bands: Sequence[int] | None = None, id_column: str = "response_id"):
    """:func:`kpi_analysis.nps.counts` in the engine (same parameters, same output and ``attrs``).

    ``responses`` is an Ibis table (e.g. from :func:`source`), a path, or a pandas DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"region": ["A", "A", "B", "B"], "score": [10, 3, 8, None]})
    >>> nps_counts(rows, by="region")[["region", "detractors", "passives", "promoters", "blank"]]
      region  detractors  passives  promoters  blank
    0      A           1         0          1      0
    1      B           0         1          0      1
    """
    import ibis
    import numpy as np
    import pandas as pd

    from . import nps
    from ._validate import check_choice

    bands = nps.TENURE_BANDS if bands is None else bands
    keys = nps._as_list(by)
    check_choice(early, name="early", options=nps.EARLY_POLICIES)
    check_choice(blank, name="blank", options=nps.BLANK_POLICIES)
    early_days = nps._check_int(early_days, name="early_days", minimum=0)
    t = _table_for(responses, "nps_responses")
    cols = set(t.columns)
    derive_band = "tenure_band" in keys and "tenure_band" not in cols
    needed = nps._needed_columns(keys, score=score, date=date, customer=customer, since=since, freq=freq,
                                 start=start, end=end, latest_only=latest_only, early=early,
                                 derive_band=derive_band)
    _require(t, "nps_responses", needed)
    for k in ("period", "early", *nps.COUNT_COLUMNS, "n", *nps.EXCLUSION_COLUMNS):
        if k in keys:
            raise ValueError(f"by: {k!r} is a column name the counts table uses itself; rename it.")

    excluded: dict[str, int] = {}
    lo, hi = nps._month_bounds(start, end)
    if lo is not None or hi is not None:
        keep = ibis.literal(True)
        if lo is not None:
            keep = keep & (t[date] >= lo.to_pydatetime())
        if hi is not None:
            keep = keep & (t[date] <= hi.to_pydatetime())
        n_out = int(t.aggregate(n=_cnt(~keep)).execute()["n"].iloc[0] or 0)
        excluded["outside_period"] = n_out
        t = t.filter(keep)

    sc = t[score].cast("float64")
    mut: dict[str, Any] = {}
    labels = None
    if derive_band:
        edges = [int(b) for b in bands]
        labels = [f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)] + [f"{edges[-1]}+"]
        d, s = t[date], t[since]
        case = ibis.cases(*[(d < s + ibis.interval(days=b), lab) for b, lab in zip(edges[1:], labels[:-1])],
                          else_=labels[-1])
        mut["tenure_band"] = case
    scored = sc.notnull()
    blank_flag = sc.isnull()
    if blank == "fail":
        n_blank = int(t.aggregate(n=_cnt(blank_flag)).execute()["n"].iloc[0] or 0)
        if n_blank:
            raise ValueError(f"nps_responses.{score} must hold a score (blank=\"fail\"; use blank=\"exclude\" "
                             f"to count and exclude them): {n_blank} row(s) do not.")
    early_ex = ibis.literal(False)
    group_keys = list(keys)
    if freq is not None:
        mut["period"] = _period_start(t[date], nps._freq_alias(freq, end))
        group_keys.append("period")
    if early != "keep":
        is_early = t[date] < t[since] + ibis.interval(days=early_days)
        if early == "exclude":
            early_ex = is_early & scored
            scored = scored & ~early_ex
        else:
            mut["early"] = is_early
            group_keys.append("early")
    t = t.mutate(_scored=scored, _blank=blank_flag, _early_ex=early_ex, _cat=ibis.cases(
        (sc <= 6, 0), (sc <= 8, 1), else_=2), **mut)
    superseded = ibis.literal(False)
    if latest_only:
        part = [t[customer]] + ([t["period"]] if freq is not None else [])
        order = [ibis.desc(t[date])] + ([ibis.desc(t[id_column])] if id_column in t.columns else [])
        # rank among the scored answers of the customer (period): non-scored rows get their own partition
        w = ibis.window(group_by=part + [t["_scored"]], order_by=order)
        t = t.mutate(_rank=ibis.row_number().over(w))
        superseded = t["_scored"] & (t["_rank"] > 0)
        t = t.mutate(_sup=superseded)
        t = t.mutate(_scored=t["_scored"] & ~t["_sup"])
    else:
        t = t.mutate(_sup=ibis.literal(False))
    s = t["_scored"]
    metrics = {
        "detractors": _cnt(s & (t["_cat"] == 0)),
        "passives": _cnt(s & (t["_cat"] == 1)),
        "promoters": _cnt(s & (t["_cat"] == 2)),
        "blank": _cnt(t["_blank"]),
        "superseded": _cnt(t["_sup"]),
        "early_excluded": _cnt(t["_early_ex"]),
    }
    if group_keys:
        out = _fetch(t.group_by(group_keys).aggregate(**metrics))
    else:
        out = _fetch(t.aggregate(**metrics))
    for k in ("detractors", "passives", "promoters", "blank", "superseded", "early_excluded"):
        out[k] = pd.to_numeric(out[k]).fillna(0).astype("int64")
    out["non_numeric"] = np.zeros(len(out), dtype="int64")
    for k in keys:
        if k == "tenure_band" and labels is not None:
            out[k] = pd.Categorical(out[k], categories=labels, ordered=True)
        elif out[k].dtype == object or pd.api.types.is_string_dtype(out[k]):
            out[k] = _as_str(out[k])
    if "period" in out.columns:  # through pandas Periods: the same dtype (resolution) as nps.counts
        out["period"] = _as_ts(out["period"]).dt.to_period(nps._freq_alias(freq, end)).dt.start_time
    if "early" in out.columns:
        out["early"] = out["early"].astype(bool)
    if group_keys:
        out = out.sort_values(group_keys, kind="stable").reset_index(drop=True)
    out.insert(len(group_keys) + 3, "n", out[nps.COUNT_COLUMNS].sum(axis=1).astype("int64"))
    order = [*group_keys, *nps.COUNT_COLUMNS, "n", *nps.EXCLUSION_COLUMNS]
    out = out[order]
    for col, reason in nps.EXCLUSION_COLUMNS.items():
        excluded[reason] = int(out[col].sum())
    out.attrs["excluded"] = {k: v for k, v in excluded.items() if v}
    out.attrs["early_days"] = early_days
    return out


def _require(t, table: str, columns) -> None:
    missing = [c for c in dict.fromkeys(columns) if c not in t.columns]
    if missing:
        from ._validate import closest
        have = _canon_cols(t)
        hints = "; ".join(f"{m!r}: did you mean {closest(m, have)}?" for m in missing if closest(m, have))
        raise ValueError(f"{table}: missing column(s) {missing}; it has {have}." + (f" {hints}" if hints else ""))


# --------------------------------------------------------------------------------------------------
# reps: leads -> closed / won per rep x stratum x period
# --------------------------------------------------------------------------------------------------

def rep_counts(leads, *, rep: str = "rep", strata="source", period: str | None = "M", date: str = "created_at",
               maturity_days: int = 60, as_of=None):
    """:func:`kpi_analysis.reps.counts` in the engine (same parameters and output).

    Examples
    --------
    >>> import pandas as pd
    >>> leads = pd.DataFrame({
    ...     "rep": ["An", "An", "Bình"], "source": ["Website"] * 3,
    ...     "created_at": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-03"]),
    ...     "status": ["won", "lost", "open"],
    ...     "closed_at": pd.to_datetime(["2026-01-30", "2026-02-10", None])})
    >>> rep_counts(leads, as_of="2026-02-28")[["rep", "period", "closed", "won", "open_excluded"]]
        rep   period  closed  won  open_excluded
    0    An  2026-01       2    1              0
    1  Bình  2026-02       0    0              1
    """
    import ibis
    import numpy as np
    import pandas as pd

    from . import reps
    from ._validate import check_choice

    strata_cols = reps._strata_list(strata)
    if period is not None:
        check_choice(period, name="period", options=reps._PERIODS)
    if not isinstance(maturity_days, (int, np.integer)) or isinstance(maturity_days, bool) or maturity_days < 0:
        raise ValueError(f"maturity_days must be a whole number of days >= 0; got {maturity_days!r}.")
    t = _table_for(leads, "leads")
    _require(t, "leads", [rep, *strata_cols, date, "status"])
    when = t[date]
    if as_of is None:
        aggs = {"a": when.max()}
        if "closed_at" in t.columns:
            aggs["b"] = t["closed_at"].max()
        row = t.aggregate(**aggs).execute().iloc[0]
        stamps = [pd.Timestamp(v) for v in row.tolist() if not pd.isna(v)]
        as_of = max(stamps) if stamps else pd.Timestamp("1970-01-01")
    as_of = pd.Timestamp(as_of)
    cutoff = (as_of - pd.Timedelta(days=int(maturity_days))).to_pydatetime()
    is_open = t["status"] == "open"
    young = is_open & (when > cutoff)  # (as_of - created).days < maturity_days
    if strata_cols:
        label = t[strata_cols[0]].cast("string")
        for c in strata_cols[1:]:
            label = label.concat(" / ", t[c].cast("string"))
    else:
        label = ibis.literal(reps._ALL)
    per = _period_start(when, period) if period else ibis.literal(pd.Timestamp("1970-01-01").to_pydatetime())
    g = t.mutate(_rep=_trim(t[rep].cast("string")), _stratum=label, _period=per,
                 _young=young, _open=is_open, _won=t["status"] == "won")
    out = _fetch(g.group_by(["_rep", "_stratum", "_period"]).aggregate(
        closed=_cnt(~g["_young"]), won=_cnt(g["_won"]),
        stale_open=_cnt(g["_open"] & ~g["_young"]),
        open_excluded=_cnt(g["_young"])))
    res = pd.DataFrame({
        "rep": _as_str(out["_rep"]), "stratum": _as_str(out["_stratum"]),
        "period": (pd.Series(_period_strings(_as_ts(out["_period"]), period), dtype="str")
                   if period else pd.Series([reps._ALL] * len(out), dtype="str")),
    })
    for c in ("closed", "won", "stale_open", "open_excluded"):
        res[c] = pd.to_numeric(out[c]).fillna(0).astype("int64")
    return res.sort_values(["rep", "stratum", "period"], kind="stable").reset_index(drop=True)[reps.COUNT_COLUMNS]


# --------------------------------------------------------------------------------------------------
# promo: sales -> daily sums per location
# --------------------------------------------------------------------------------------------------

def daily_sums(sales, *, outcome=("revenue", "orders"), date: str = "date", location: str = "location"):
    """:func:`kpi_analysis.promo.daily_sums` in the engine (same parameters and output)."""
    import pandas as pd

    from . import promo

    t = _table_for(sales, "sales")
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    if isinstance(outcome, str) or tuple(outcomes) != tuple(promo.OUTCOMES):
        _require(t, "sales", [date, location, *outcomes])
    else:
        _require(t, "sales", [date, location])
        outcomes = [c for c in outcomes if c in t.columns]
        if not outcomes:
            _require(t, "sales", ["revenue"])
    g = t.mutate(_location=t[location].cast("string"), _date=t[date].cast("timestamp").truncate("D"))
    out = _fetch(g.group_by(["_location", "_date"]).aggregate(
        rows=g.count(), **{c: g[c].cast("float64").sum() for c in outcomes}))
    res = pd.DataFrame({"location": _as_str(out["_location"]), "date": _as_ts(out["_date"])})
    for c in outcomes:
        res[c] = pd.to_numeric(out[c]).astype(float)
    res["rows"] = pd.to_numeric(out["rows"]).astype("int64")
    return res.sort_values(["location", "date"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# feasibility: leads -> monthly drivers
# --------------------------------------------------------------------------------------------------

def monthly_drivers(leads, *, created: str = "created_at", closed: str = "closed_at", status: str = "status",
                    value: str = "deal_value"):
    """:func:`kpi_analysis.feasibility.monthly_drivers` in the engine (same parameters and output)."""
    import numpy as np
    import pandas as pd

    t = _table_for(leads, "leads")
    _require(t, "leads", [created, closed, status, value])
    done = t[status].isin(["won", "lost"])
    won = t[status] == "won"
    lag = (t[closed].epoch_seconds().cast("float64") - t[created].epoch_seconds().cast("float64")) / 86400
    lag = ibis_if(done & t[closed].notnull(), lag)
    bounds = t.aggregate(first=t[created].min(), last_created=t[created].max(), last_closed=t[closed].max(),
                         n=t.count(), lag95=lag.quantile(0.95)).execute().iloc[0]
    if not int(bounds["n"]):
        raise ValueError("leads: no rows to reduce.")
    # one scan: (created month, closed month of won/lost leads) pairs, then both marginals in pandas
    cells = _fetch(t.group_by(cm=t[created].truncate("M"),
                              km=ibis_if(done & t[closed].notnull(), t[closed].truncate("M"))).aggregate(
        leads=t.count(), won=_cnt(won & t[closed].notnull()),
        revenue=ibis_if(won & t[closed].notnull(), t[value].cast("float64")).sum()))
    cells["cm"], cells["km"] = _as_ts(cells["cm"]), _as_ts(cells["km"])
    for c in ("leads", "won"):
        cells[c] = pd.to_numeric(cells[c]).astype("int64")
    cells["revenue"] = pd.to_numeric(cells["revenue"]).astype(float)
    by_created = cells.groupby("cm")["leads"].sum().rename_axis("m").reset_index()
    shut = cells.dropna(subset=["km"])
    by_closed = shut.groupby("km").agg(closed=("leads", "sum"), won=("won", "sum"),
                                       revenue=("revenue", lambda v: v.sum(min_count=1)))
    by_closed = by_closed.rename_axis("m").reset_index()
    last = bounds["last_created"] if pd.isna(bounds["last_closed"]) else max(bounds["last_created"],
                                                                               bounds["last_closed"])
    last = pd.Timestamp(last)
    first = pd.Timestamp(bounds["first"]).to_period("M").to_timestamp()
    months = pd.date_range(first, last.to_period("M").to_timestamp(), freq="MS")
    out = pd.DataFrame({"month": months})
    bc = by_created.assign(m=_as_ts(by_created["m"])).set_index("m")
    bl = by_closed.assign(m=_as_ts(by_closed["m"])).set_index("m")
    out["leads"] = pd.to_numeric(bc["leads"]).reindex(months, fill_value=0).to_numpy().astype("int64")
    out["closed"] = pd.to_numeric(bl["closed"]).reindex(months, fill_value=0).to_numpy().astype("int64")
    out["won"] = pd.to_numeric(bl["won"]).reindex(months, fill_value=0).to_numpy().astype("int64")
    out["revenue"] = (pd.to_numeric(bl["revenue"]).fillna(0.0).reindex(months, fill_value=0.0)
                      .to_numpy().astype(float))
    out["conversion"] = out["won"] / out["leads"].where(out["leads"] > 0)
    out["deal_size"] = out["revenue"] / out["won"].where(out["won"] > 0)
    out["win_rate"] = out["won"] / out["closed"].where(out["closed"] > 0)
    month_end = (months + pd.offsets.MonthEnd(0)).normalize()
    # warm-up: until the data have run for the 95th percentile of the time to close, a month's closes
    # miss leads created before the data start (as feasibility.monthly_drivers)
    lag95 = 0.0 if pd.isna(bounds["lag95"]) else float(bounds["lag95"])
    warm_until = pd.Timestamp(bounds["first"]).normalize() + pd.Timedelta(days=lag95)
    out["complete"] = np.asarray((month_end <= last.normalize()) & (months >= warm_until))
    return out


def _cnt(cond):
    """Number of rows where ``cond`` holds (NULL counts as false): ``COUNT(*) FILTER (WHERE cond)``.

    Portable (DuckDB, PostgreSQL, ...) and about 3x faster in DuckDB than ``SUM(CASE WHEN ...)``.
    """
    import ibis

    return ibis._.count(where=cond)


def ibis_if(cond, value):
    """``value`` where ``cond`` holds, NULL elsewhere (sums skip it)."""
    import ibis

    return ibis.ifelse(cond, value, ibis.null(value.type()))


# --------------------------------------------------------------------------------------------------
# scorecard: canonical tables -> per-period KPI totals
# --------------------------------------------------------------------------------------------------

def kpi_totals(tables: Mapping[str, Any], *, freq: str = "M", contact_days: int | None = None,
               risk_days: int | None = None, lost_days: int | None = None,
               channel_map: Mapping[str, str] | None = None, config: Mapping | None = None,
               notes: list | None = None):
    """:func:`kpi_analysis.scorecard.totals` in the engine (same parameters and output).

    ``tables`` maps canonical table names to Ibis tables, paths or DataFrames. Every table is
    aggregated in the engine to at most one row per period x group (client activity: per client and
    period); the KPI arithmetic then runs on those few rows exactly as the pandas reduction does.
    """
    import pandas as pd

    from . import scorecard as sc

    fr = sc._freq(freq)
    settings = sc._resolve_settings(config, contact_days=contact_days, risk_days=risk_days, lost_days=lost_days,
                                    channel_map=channel_map)
    if not isinstance(tables, Mapping):
        raise TypeError("tables must be a dict of canonical table name -> table; "
                        f"got {type(tables).__name__}.")
    notes = [] if notes is None else notes
    t = {k: _table_for(v, k) for k, v in tables.items() if v is not None}
    parts: list = []
    if "leads" in t:
        lead_parts, wins = _leads_totals(t["leads"], fr, settings["contact_days"], notes)
        parts += lead_parts
        if "marketing_spend" in t:
            cac, unmapped = _cac_totals(wins, t["marketing_spend"], fr, settings["channel_map"])
            parts += cac
            if unmapped:
                notes.append(("note_unmapped", {"sources": unmapped}))
    if "sales" in t:
        parts += _sales_totals(t["sales"], fr, notes)
    if "competitor_prices" in t:
        parts += _price_totals(t["competitor_prices"], fr)
    if "client_activity" in t:
        parts += _client_totals(t["client_activity"], fr, settings["risk_days"], settings["lost_days"])
    if "employee_survey" in t:
        parts += _survey_totals(t["employee_survey"], fr)
    if "nps_responses" in t:
        parts += _nps_totals(t["nps_responses"], fr)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("kpi", "period", "by", "group") else float)
                             for c in sc.REDUCED_COLUMNS})
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)[sc.REDUCED_COLUMNS]
    for col in ("kpi", "period", "by", "group"):
        out[col] = out[col].astype("str")
    return out.sort_values(["kpi", "by", "group", "period"], kind="stable").reset_index(drop=True)


def _periods(starts, fr):
    import pandas as pd

    return pd.PeriodIndex(pd.DatetimeIndex(_as_ts(pd.Series(starts))), freq=fr)


def _leads_totals(t, fr, contact_days, notes):
    """(KPI rows, wins per closed period x source for the CAC) from one grouped scan of the leads."""
    import ibis
    import pandas as pd

    from . import scorecard as sc

    _require(t, "leads", ["created_at", "source", "status", "closed_at"])
    t = t.filter(t.created_at.notnull())
    contact = "first_contact_at" in t.columns
    metrics = {"n": t.count()}
    if contact:
        row = t.aggregate(a=t.created_at.max(), b=t.closed_at.max(), c=t.first_contact_at.max()).execute().iloc[0]
        as_of = max(pd.Timestamp(v) for v in row.tolist() if not pd.isna(v))
        window = pd.Timedelta(days=contact_days)
        eligible = t.created_at <= (as_of - window).to_pydatetime()
        contacted = t.first_contact_at.notnull() & (t.first_contact_at <= t.created_at + ibis.interval(
            days=contact_days)) & eligible
        metrics.update(eligible=_cnt(eligible), contacted=_cnt(contacted), excluded=_cnt(~eligible))
    # one scan of the leads for three KPIs: cells of created period x source x closed period of won
    # leads (NULL for the others), holding new leads, contact counts and wins; summed in pandas below
    won = (t.status == "won") & t.closed_at.notnull()
    metrics["won"] = _cnt(won)
    cells = _fetch(t.group_by(p=_period_start(t.created_at, fr), source=t.source,
                              wp=ibis_if(won, _period_start(t.closed_at, fr))).aggregate(**metrics))
    cells["source"] = _as_str(cells["source"])
    for c in [k for k in metrics if k != "n"] + ["n"]:
        cells[c] = pd.to_numeric(cells[c]).astype("int64")
    wins = cells.loc[cells["wp"].notna() & (cells["won"] > 0), ["wp", "source", "won"]]
    g = cells.groupby(["p", "source"], sort=True)[list(metrics)].sum().reset_index()
    out = []
    if not len(g):
        return out, wins
    per = _periods(g["p"], fr)
    s = pd.Series(pd.to_numeric(g["n"]).to_numpy(), index=pd.MultiIndex.from_arrays(
        [per, _as_str(g["source"])], names=["_p", "source"]))
    rng = sc._full_range(pd.Series(per), fr)
    by_src = s.unstack(fill_value=0).reindex(rng, fill_value=0).stack()
    by_src.index.names = ["_p", "source"]
    tot = by_src.groupby(level=0).sum()
    out.append(sc._rows("new_leads", tot.index, sc.ALL, sc.ALL, tot.to_numpy(), tot.to_numpy(), 1.0))
    out.append(sc._rows("new_leads", by_src.index.get_level_values(0), "source",
                        by_src.index.get_level_values(1), by_src.to_numpy(), by_src.to_numpy(), 1.0))
    if contact:
        c = g[["eligible", "contacted", "excluded"]].apply(pd.to_numeric).astype("int64")
        c = c.groupby(pd.Series(per, index=g.index)).sum().reindex(rng, fill_value=0)
        share = c["contacted"] / c["eligible"].where(c["eligible"] > 0)
        out.append(sc._rows("leads_contacted_share", c.index, sc.ALL, sc.ALL, share, c["contacted"], c["eligible"],
                            excluded=c["excluded"]))
    else:
        notes.append(("note_missing_column", {"kpis": ["leads_contacted_share"], "table": "leads",
                                              "column": "first_contact_at"}))
    return out, wins


def _cac_totals(wins, spend, fr, channel_map):
    import pandas as pd

    from . import scorecard as sc

    _require(spend, "marketing_spend", ["month", "channel", "spend"])
    w = wins.groupby(["wp", "source"], sort=True)["won"].sum().reset_index().rename(columns={"wp": "p", "won": "n"})
    w["_p"] = _periods(w["p"], fr)
    w["source"] = _as_str(w["source"])
    w["n"] = pd.to_numeric(w["n"]).astype("int64")
    sp_m = _fetch(spend.group_by(month=spend.month.truncate("M"), channel=spend.channel).aggregate(
        spend=spend.spend.cast("float64").sum()))
    sp_m["month"] = _as_ts(sp_m["month"])
    sp_m["channel"] = _as_str(sp_m["channel"])
    sp_m["spend"] = pd.to_numeric(sp_m["spend"]).astype(float)
    sp = sc._spend_periods(sp_m, fr)  # the monthly totals are small: spread them as the pandas code does
    rng = sc._full_range(pd.concat([pd.Series(w["_p"]), sp["_p"]]).dropna(), fr)
    spend_p = sp.groupby("_p")["spend"].sum().reindex(rng, fill_value=0.0)
    won_p = w.groupby("_p")["n"].sum().reindex(rng, fill_value=0)
    out = [sc._rows("cac", rng, sc.ALL, sc.ALL, spend_p / won_p.where(won_p > 0), spend_p, won_p)]
    cmap = dict(channel_map or {})
    w["channel"] = w["source"].map(lambda s: cmap.get(s, s))
    scn = sp.groupby(["_p", "channel"], observed=True)["spend"].sum()
    wc = w.groupby(["_p", "channel"])["n"].sum()
    channels = sorted(set(sp["channel"]))
    idx = pd.MultiIndex.from_product([rng, channels], names=["_p", "channel"])
    scn, wc = scn.reindex(idx, fill_value=0.0), wc.reindex(idx, fill_value=0)
    out.append(sc._rows("cac", idx.get_level_values(0), "channel", idx.get_level_values(1),
                        scn / wc.where(wc > 0), scn, wc))
    unmapped = sorted(set(w["channel"]) - set(channels))
    return out, unmapped


def _sales_totals(t, fr, notes):
    import pandas as pd

    from . import scorecard as sc

    _require(t, "sales", ["date", "location", "revenue"])
    kpis = ["revenue", "orders"] if "orders" in t.columns else ["revenue"]
    if "orders" not in t.columns:  # an optional column: its KPI shows no data
        notes.append(("note_missing_column", {"kpis": ["orders"], "table": "sales", "column": "orders"}))
    t = t.filter(t.date.notnull())
    sums = {"revenue": t.revenue.cast("float64").sum(), **({"orders": t.orders.sum()} if "orders" in kpis else {})}
    g = _fetch(t.group_by(p=_period_start(t.date, fr), location=t.location).aggregate(**sums))
    per = _periods(g["p"], fr)
    g.index = pd.MultiIndex.from_arrays([per, _as_str(g["location"])], names=["_p", "location"])
    g = g[kpis].apply(pd.to_numeric).sort_index()
    g["revenue"] = g["revenue"].astype(float)
    if "orders" in kpis:
        g["orders"] = g["orders"].astype("int64")
    rng = sc._full_range(pd.Series(per), fr)
    tot = g.groupby(level=0).sum().reindex(rng, fill_value=0)
    out = []
    for kpi in kpis:
        out.append(sc._rows(kpi, tot.index, sc.ALL, sc.ALL, tot[kpi], tot[kpi], 1.0))
        out.append(sc._rows(kpi, g.index.get_level_values(0), "location", g.index.get_level_values(1),
                            g[kpi], g[kpi], 1.0))
    return out


def _price_totals(t, fr):
    import pandas as pd

    from . import scorecard as sc

    _require(t, "competitor_prices", ["date", "product", "our_price", "competitor_price"])
    bad = int(t.aggregate(n=_cnt(~(t.competitor_price > 0))).execute()["n"].iloc[0] or 0)
    if bad:
        raise ValueError(f"competitor_prices.competitor_price must be > 0: {bad} row(s) do not.")
    ratio = t.our_price.cast("float64") / t.competitor_price.cast("float64")
    g = _fetch(t.group_by(p=_period_start(t.date, fr), product=t["product"]).aggregate(
        sum=ratio.sum(), count=ratio.count()))
    g.index = pd.MultiIndex.from_arrays([_periods(g["p"], fr), _as_str(g["product"])], names=["_p", "product"])
    g = g[["sum", "count"]].apply(pd.to_numeric).sort_index()
    g["count"] = g["count"].astype("int64")
    g["mean"] = g["sum"] / g["count"]
    tot = g.groupby(level=0)["mean"].agg(["sum", "count"])
    return [sc._rows("price_index", tot.index, sc.ALL, sc.ALL, tot["sum"] / tot["count"], tot["sum"], tot["count"]),
            sc._rows("price_index", g.index.get_level_values(0), "product", g.index.get_level_values(1),
                     g["mean"], g["sum"], g["count"])]


def _client_totals(t, fr, risk_days, lost_days):
    """Engagement and clients at risk, with the carried-forward 'last activity' computed in the engine."""
    import ibis
    import pandas as pd

    from . import scorecard as sc

    _require(t, "client_activity", ["client_id", "date"])
    act = t.filter(t.client_id.notnull() & t.date.notnull())
    last = act.group_by(client=act.client_id, p=_period_start(act.date, fr)).aggregate(last=act.date.max())
    b = last.aggregate(lo=last.p.min(), hi=last.p.max()).execute().iloc[0]
    if pd.isna(b["lo"]):
        return []
    rng = pd.period_range(pd.Timestamp(b["lo"]).to_period(fr), pd.Timestamp(b["hi"]).to_period(fr), freq=fr)
    frame = pd.DataFrame({"q": [q.start_time for q in rng],
                          "q_end": [q.end_time.normalize() for q in rng]})
    periods = ibis.memtable(frame)
    j = periods.cross_join(last).filter(lambda x: x.p <= x.q)
    per_client = j.group_by(["q", "q_end", "client"]).aggregate(
        last_upto=j["last"].max(),
        last_before=ibis_if(j.p < j.q, j["last"]).max(),
        active=ibis.ifelse(j.p == j.q, 1, 0).max())
    pc = per_client
    # gap in whole days, floored (pandas .dt.days): floor(x) <= L  <=>  x < L + 1 day
    existing = pc.last_before.notnull() & (pc.last_before > pc.q - ibis.interval(days=lost_days + 1))
    live = pc.last_upto > pc.q_end - ibis.interval(days=lost_days + 1)
    risky = pc.last_upto <= pc.q_end - ibis.interval(days=risk_days + 1)
    agg = _fetch(pc.group_by("q").aggregate(
        n_existing=_cnt(existing),
        n_active=_cnt(existing & (pc.active == 1)),
        at_risk=_cnt(live & risky),
        live=_cnt(live)))
    agg.index = _periods(agg["q"], fr)
    agg = agg[["n_existing", "n_active", "at_risk", "live"]].apply(pd.to_numeric).reindex(rng, fill_value=0)
    agg = agg.astype("int64")
    return [sc._rows("client_engagement", rng, sc.ALL, sc.ALL,
                     agg["n_active"] / agg["n_existing"].where(agg["n_existing"] > 0),
                     agg["n_active"], agg["n_existing"]),
            sc._rows("clients_at_risk", rng, sc.ALL, sc.ALL, agg["at_risk"], agg["at_risk"], agg["live"])]


def _score_aggs(t, score_col, with_moments: bool):
    s = t[score_col].cast("float64")
    ok = s.notnull()
    out = {"n": _cnt(ok), "detractors": _cnt(ok & (s <= 6)), "passives": _cnt(ok & (s >= 7) & (s <= 8)),
           "promoters": _cnt(ok & (s >= 9)), "blank": _cnt(~ok)}
    if with_moments:
        out["sum"] = s.sum()
        out["sum_sq"] = (s * s).sum()
    return out


def _survey_totals(t, fr):
    import pandas as pd

    from . import scorecard as sc

    _require(t, "employee_survey", ["date", "team", "score"])
    g = _fetch(t.group_by(p=_period_start(t.date, fr), team=t.team).aggregate(**_score_aggs(t, "score", True)))
    g["_p"] = _periods(g["p"], fr)
    g["team"] = _as_str(g["team"])
    cols = ["n", "sum", "sum_sq", "detractors", "passives", "promoters", "blank"]
    g[cols] = g[cols].apply(pd.to_numeric)
    for c in ("n", "detractors", "passives", "promoters", "blank"):
        g[c] = g[c].astype("int64")
    g["sum"] = g["sum"].fillna(0.0)
    g["sum_sq"] = g["sum_sq"].fillna(0.0)
    excl = g.groupby("_p")["blank"].sum()
    g = g[g["n"] > 0]
    out = []
    for by, keys in ((sc.ALL, ["_p"]), ("team", ["_p", "team"])):
        a = g.groupby(keys, observed=True)[["n", "sum", "sum_sq", "detractors", "passives", "promoters"]].sum()
        per = a.index if by == sc.ALL else a.index.get_level_values(0)
        grp = sc.ALL if by == sc.ALL else a.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == sc.ALL else 0.0
        out.append(sc._rows("employee_satisfaction", per, by, grp, a["sum"] / a["n"], a["sum"], a["n"],
                            sum_sq=a["sum_sq"], excluded=ex))
        out.append(sc._rows("enps", per, by, grp, 100 * (a["promoters"] - a["detractors"]) / a["n"],
                            a["promoters"] - a["detractors"], a["n"], detractors=a["detractors"],
                            passives=a["passives"], promoters=a["promoters"], excluded=ex))
    return out


def _nps_totals(t, fr):
    import pandas as pd

    from . import scorecard as sc

    _require(t, "nps_responses", ["responded_at", "score", "region"])
    g = _fetch(t.group_by(p=_period_start(t.responded_at, fr), region=t.region).aggregate(
        **_score_aggs(t, "score", False)))
    g["_p"] = _periods(g["p"], fr)
    g["region"] = _as_str(g["region"])
    for c in ("n", "detractors", "passives", "promoters", "blank"):
        g[c] = pd.to_numeric(g[c]).astype("int64")
    excl = g.groupby("_p")["blank"].sum()
    g = g[g["n"] > 0]
    rng = sc._full_range(pd.Series(g["_p"]), fr)
    out = []
    for by, keys in ((sc.ALL, ["_p"]), ("region", ["_p", "region"])):
        a = g.groupby(keys, observed=True)[["n", "detractors", "passives", "promoters"]].sum()
        if by == sc.ALL:
            a = a.reindex(rng, fill_value=0)
        per = a.index if by == sc.ALL else a.index.get_level_values(0)
        grp = sc.ALL if by == sc.ALL else a.index.get_level_values(1)
        ex = excl.reindex(per).fillna(0).to_numpy() if by == sc.ALL else 0.0
        out.append(sc._rows("nps", per, by, grp, 100 * (a["promoters"] - a["detractors"]) / a["n"].where(a["n"] > 0),
                            a["promoters"] - a["detractors"], a["n"], detractors=a["detractors"],
                            passives=a["passives"], promoters=a["promoters"], excluded=ex))
    return out


# --------------------------------------------------------------------------------------------------
# one entry point per analysis
# --------------------------------------------------------------------------------------------------

REDUCTIONS = {"nps": nps_counts, "reps": rep_counts, "promo": daily_sums, "feasibility": monthly_drivers,
              "scorecard": kpi_totals}
#: canonical tables each reduction reads
TABLES_NEEDED = {"nps": ("nps_responses",), "reps": ("leads",), "promo": ("sales",), "feasibility": ("leads",),
                 "scorecard": ("leads", "marketing_spend", "sales", "competitor_prices", "client_activity",
                               "employee_survey", "nps_responses")}


def reduce(name: str, data, **kwargs):
    """Run the reduction of analysis ``name`` ({"nps", "reps", "promo", "feasibility", "scorecard"}).

    ``data`` is the table (Ibis table, path or DataFrame), or for ``"scorecard"`` a dict of them.
    Keyword arguments are those of the pandas reduction.
    """
    from ._validate import check_choice

    check_choice(name, name="name", options=list(REDUCTIONS))
    return REDUCTIONS[name](data, **kwargs)


# --------------------------------------------------------------------------------------------------
# the hook used by config.Workbook (load, has, reduce)
# --------------------------------------------------------------------------------------------------

def workbook_query(wb, table: str) -> str | None:
    """The SQL table name or query ``table`` is read from in workbook ``wb``, or None for plain files.

    A table spec with ``query:`` (a table name or a ``SELECT``) runs on ``data.connection`` (or on
    the DuckDB file named by its ``path``); with ``data.connection`` set, a table without a file is
    read from the table of the same name; a DuckDB file as ``path`` reads the table of that name.
    """
    spec = wb.table_spec(table)
    if spec.get("query"):
        return str(spec["query"])
    connection = (wb.settings.get("data") or {}).get("connection")
    path = spec.get("path")
    if path and Path(path).suffix.lower() in DUCKDB_SUFFIXES:
        return table
    if connection and not path and wb.source_path(table) is None:
        return table
    return None


def _wb_connection(wb, kind: str):
    key = ("_engine_connection", kind)
    if key not in wb._cache:
        wb._cache[key] = connect(None if kind == "duckdb" else (wb.settings.get("data") or {}).get("connection"))
    return wb._cache[key]


def workbook_table(wb, table: str):
    """``table`` of workbook ``wb`` as a canonical Ibis table, checked once in the engine (then cached)."""
    key = ("_engine_table", table)
    if key in wb._cache:
        return wb._cache[key]
    spec = wb.table_spec(table)
    query = workbook_query(wb, table)
    path = None
    if spec.get("path") and Path(spec["path"]).suffix.lower() in DUCKDB_SUFFIXES:
        path = Path(spec["path"]) if Path(spec["path"]).is_absolute() else wb.data_dir / spec["path"]
        con = None
    elif query is not None:
        con = _wb_connection(wb, "sql")
    else:
        path = wb.source_path(table)
        if path is None:
            where = spec.get("path") or f"{wb.data_dir}/{table}.csv|.parquet|.xlsx or a folder {table}/"
            raise FileNotFoundError(f"{table}: no data file found (looked for {where}).")
        con = _wb_connection(wb, "duckdb")
    t = source(table, path, query=query, con=con, mapping=spec.get("columns"), values=spec.get("values"),
               sheet=spec.get("sheet"), options=wb.read_options(table))
    check(t, table, source_name=path if path is not None else query)
    wb._cache[key] = t
    return t


def date_coverage(wb, table: str, column: str):
    """:class:`kpi_analysis.coverage.TableCoverage` of a table where it lives (first and last day and
    the number of distinct days: one aggregate query)."""
    import pandas as pd

    from .coverage import from_range

    t = workbook_table(wb, table)
    day = t[column].truncate("D")
    row = t.aggregate(first=day.min(), last=day.max(), days=day.nunique()).execute().iloc[0]
    if pd.isna(row["first"]):
        return None
    return from_range(table, pd.Timestamp(row["first"]), pd.Timestamp(row["last"]), int(row["days"]))


def workbook_load(wb, table: str):
    """The validated canonical pandas frame of a SQL-backed ``table`` (checked in the engine first)."""
    from . import data

    t = workbook_table(wb, table)
    return data.load(table, frame=t.select(*_canon_cols(t)).execute())


def workbook_reduce(wb, name: str, **kwargs):
    """:func:`reduce` on the workbook's tables (the scorecard gets every table the workbook has)."""
    from ._validate import check_choice

    check_choice(name, name="name", options=list(REDUCTIONS))
    needed = TABLES_NEEDED[name]
    if name == "scorecard":
        kwargs.setdefault("config", wb.settings)
        data = {t: workbook_table(wb, t) for t in needed if wb.has(t)}
    else:
        data = workbook_table(wb, needed[0])
    return REDUCTIONS[name](data, **kwargs)
