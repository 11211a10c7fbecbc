"""Where the data lives: connections, canonical tables as Ibis expressions, the data contract in the engine.

The data layer's engine side. :func:`connect` opens embedded DuckDB, Spark (``spark://local[2]``,
``spark://HOST:7077``: :func:`spark_connect`) or any Ibis backend given a URL (``postgres://...``),
chosen by ``data.connection`` in ``workbook.yml``; :func:`source` turns a file,
a DuckDB file, a table name or a query into the canonical table (renamed, labels mapped, typed) as
an Ibis expression; :func:`check` runs the data contract of ``schema.py`` on the whole table in
the engine (one aggregate query counts the violations of every rule) and shows a few offending
rows; :func:`load` fetches a checked table as the pandas frame of :func:`kpi_analysis.data.load`.
The analyses' reductions take these tables as they take pandas frames (``core.reduction``), so
only reduced rows come back to Python. This module imports no analysis.

CSV and Excel files are client exports: they are read and validated by :func:`kpi_analysis.data.load`
(decimal marks, date orders and encodings detected or refused) and handed to the engine in memory.

Differences from ``data.load``, by design
    - Text numbers in a database or Parquet file must be plain (``1234.5``); text dates ISO.
    - Non-numeric scores cannot exist after :func:`check` (they are contract violations).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .core.reduction import count_if as _cnt
from .core.reduction import trim as _trim

__all__ = ["DUCKDB_SUFFIXES", "canonical", "check", "connect", "date_coverage", "duckdb_settings", "is_spark",
           "java_home", "load", "source", "spark_connect", "spark_master", "spark_settings", "workbook_load",
           "workbook_query", "workbook_table"]

DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")
EXAMPLES = 5
_NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
_DATE = r"^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?\s*$"


# --------------------------------------------------------------------------------------------------
# connections and sources
# --------------------------------------------------------------------------------------------------

def connect(connection=None, *, spark: Mapping | None = None):
    """An Ibis backend: embedded DuckDB for ``None``/"" /"duckdb://", Spark for ``spark://...``
    (:func:`spark_connect`, with the ``data.spark`` settings ``spark``), else ``ibis.connect(connection)``.

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
    if is_spark(connection):
        return spark_connect(connection, **dict(spark or {}))
    try:
        return ibis.connect(connection)
    except Exception as err:  # any driver's error: its message says what is wrong (host, auth, extra)
        raise ValueError(f"data.connection: cannot connect to {_redact(connection)!r}: {err}") from err


# --------------------------------------------------------------------------------------------------
# Spark
# --------------------------------------------------------------------------------------------------

SPARK_SCHEME = "spark://"


def is_spark(connection) -> bool:
    """Whether ``connection`` names Spark (``spark://...``) or is an Ibis PySpark backend."""
    if isinstance(connection, str):
        return connection.strip().lower().startswith(SPARK_SCHEME)
    return getattr(connection, "name", "") == "pyspark"


def spark_master(connection: str) -> str:
    """The Spark master URL of a ``spark://`` connection.

    >>> spark_master("spark://local[2]"), spark_master("spark://spark-master:7077")
    ('local[2]', 'spark://spark-master:7077')
    >>> spark_master("spark://"), spark_master("spark://yarn"), spark_master("spark://k8s://https://k8s:6443")
    ('local[*]', 'yarn', 'k8s://https://k8s:6443')
    """
    if not is_spark(connection):
        raise ValueError(f"not a Spark connection: {connection!r} (expected spark://local[2] or "
                         f"spark://HOST:7077)")
    rest = connection.strip()[len(SPARK_SCHEME):].strip().rstrip("/")
    if not rest:
        return "local[*]"
    if re.fullmatch(r"local(\[(\*|[0-9]+)(,\s*[0-9]+)?\])?", rest) or rest in ("yarn",) \
            or rest.startswith(("k8s://", "mesos://", "local-cluster[")):
        return rest
    if re.fullmatch(r"[A-Za-z0-9_.\-]+(:[0-9]+)?(,[A-Za-z0-9_.\-]+(:[0-9]+)?)*", rest):
        return SPARK_SCHEME + rest  # a standalone cluster's master (several for high availability)
    raise ValueError(f"data.connection: {connection!r} is not a Spark master; use spark://local[2] (local "
                     f"mode, 2 cores), spark://HOST:7077 (a standalone cluster), spark://yarn or "
                     f"spark://k8s://https://HOST:PORT.")


def spark_settings(master: str) -> dict[str, str]:
    """The Spark settings the workbook starts a session with, before the ``data.spark.conf`` ones.

    Everywhere: UTC as the session time zone (timestamps are naive wall-clock times, as in pandas),
    results fetched through Arrow, no console progress bars, and ``spark.driver.memory`` from
    ``$KPI_SPARK_DRIVER_MEMORY`` (default "1g": the driver receives only reduced tables). In local
    mode (``local[N]``), where the driver is the whole engine, also: two shuffle partitions per core
    (the reductions group into small tables), no web UI, the driver bound to 127.0.0.1, Spark's log
    at ERROR, and scratch and warehouse folders in a per-user folder of the system temp directory
    (``$KPI_SPARK_DIR`` to move it; the warehouse, where tables saved in the session's own catalog
    go, is one per process and removed at its exit).
    """
    import os
    import tempfile

    out = {"spark.sql.session.timeZone": "UTC", "spark.ui.showConsoleProgress": "false",
           "spark.driver.memory": os.environ.get("KPI_SPARK_DRIVER_MEMORY", "1g"),
           # reduced tables come back to pandas through Arrow (columnar), not row by row through Py4J
           "spark.sql.execution.arrow.pyspark.enabled": "true"}
    if master.startswith("local"):
        uid = os.getuid() if hasattr(os, "getuid") else 0
        base = Path(os.environ.get("KPI_SPARK_DIR") or Path(tempfile.gettempdir()) / f"kpi-workbook-spark-{uid}")
        given = re.search(r"\[([0-9]+)", master)
        cores = int(given.group(1)) if given else os.cpu_count() or 2
        out.update({
            "spark.sql.shuffle.partitions": str(2 * cores),
            "spark.default.parallelism": str(cores),
            "spark.ui.enabled": "false",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.local.dir": str(base / "local"),
            "spark.sql.warehouse.dir": str(base / f"warehouse-{os.getpid()}"),
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={base / 'derby'} "
                                             f"-Dlog4j2.configurationFile=file:{base / 'log4j2.properties'}",
        })
    return out


_LOG4J = """\
# written by kpi_analysis.backend: Spark's own log at ERROR, on stderr
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.console.type = Console
appender.console.name = stderr
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
"""


def _local_spark_dirs(settings: Mapping[str, str]) -> None:
    """Make the local session's folders and log settings; remove its warehouse when the process exits."""
    import atexit
    import shutil

    for key in ("spark.local.dir", "spark.sql.warehouse.dir"):
        Path(settings[key]).mkdir(parents=True, exist_ok=True)
    java_options = settings.get("spark.driver.extraJavaOptions", "")
    log4j = re.search(r"-Dlog4j2\.configurationFile=file:(\S+)", java_options)
    if log4j and not Path(log4j.group(1)).exists():
        Path(log4j.group(1)).write_text(_LOG4J, encoding="utf-8")
    atexit.register(shutil.rmtree, settings["spark.sql.warehouse.dir"], ignore_errors=True)


def java_home() -> str | None:
    """The Java installation Spark will use: ``$JAVA_HOME``, else the one of ``java`` on the PATH."""
    import os
    import shutil

    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return home
    java = shutil.which("java")
    if java:
        return str(Path(java).resolve().parent.parent)
    return None


def spark_connect(connection: str = "spark://local[2]", *, conf: Mapping | None = None,
                  app_name: str = "kpi-workbook", log_level: str | None = None):
    """An Ibis PySpark backend on a Spark session for ``connection`` (``spark://local[2]``, ...).

    The session is made with :func:`spark_settings` and then ``conf`` (``data.spark.conf`` in
    workbook.yml: any Spark setting, e.g. ``spark.executor.memory``); when a session is already
    running in this process it is reused (Spark allows one per process), its settings unchanged
    except the SQL ones. ``log_level`` (default "ERROR" in local mode) quiets Spark's own log.
    Needs the ``pyspark`` package (``pip install 'kpi-workbook[spark]'``) and Java 17 or 21
    (``bash scripts/install-java.sh``).
    """
    import os

    master = spark_master(connection)
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError as err:
        raise ValueError(f"data.connection {connection!r} needs PySpark: pip install 'kpi-workbook[spark]' "
                         f"({err}).") from err
    home = java_home()
    if home is None:
        raise ValueError(f"data.connection {connection!r}: Spark needs Java 17 or 21 and none was found "
                         f"(no $JAVA_HOME, no java on the PATH): run `bash scripts/install-java.sh` and "
                         f"export JAVA_HOME as it prints.")
    os.environ.setdefault("JAVA_HOME", home)
    settings = {**spark_settings(master),
                **{str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in (conf or {}).items()}}
    if master.startswith("local"):
        _local_spark_dirs(settings)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as err:  # the JVM did not start, or the master cannot be reached
        raise ValueError(f"data.connection: cannot start Spark on {master!r} with Java in {home}: {err} "
                         f"(Spark 4.0 runs on Java 17 or 21: `bash scripts/install-java.sh` finds or installs "
                         f"one and prints its JAVA_HOME).") from err
    level = log_level or ("ERROR" if master.startswith("local") else None)
    if level:
        session.sparkContext.setLogLevel(level)
    return ibis.pyspark.connect(session)


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
        Where ``query`` runs. Parquet files are read by Spark when ``con`` is Spark (a PySpark
        backend or a ``spark://`` URL), else by an embedded DuckDB.
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
    backend = _file_backend(con)
    spark = is_spark(backend)
    if p.is_dir():
        files = sorted(p.rglob("*.parquet"))
        if not files:
            raise FileNotFoundError(f"{table}: the folder {p} holds no .parquet files.")
        if spark:  # Spark finds hive partitions (key=value folders) itself; other nestings need a recursive look-up
            nested = any(not all("=" in part for part in f.relative_to(p).parts[:-1]) for f in files)
            return _spark_parquet(backend, p, **({"recursiveFileLookup": "true"} if nested else {}))
        return backend.read_parquet(str(p / "**" / "*.parquet"), hive_partitioning=True)
    if suffix in (".parquet", ".pq"):
        return _spark_parquet(backend, p) if spark else backend.read_parquet(str(p))
    raise ValueError(f"{p}: unsupported file type {suffix!r}; use CSV, Parquet (file or folder), Excel or "
                     f"a DuckDB file ({', '.join(DUCKDB_SUFFIXES)}).")


def _spark_parquet(backend, path: Path, **options):
    """Parquet read by Spark, with the one known incompatibility explained."""
    try:
        return backend.read_parquet(str(path), **options)
    except Exception as err:
        if "TIMESTAMP(NANOS" in str(err):
            raise ValueError(
                f"{path}: Spark cannot read Parquet timestamps stored in nanoseconds (pyarrow writes "
                f"pandas' datetime64[ns] columns so by default). Write them in microseconds, e.g. frame.to_parquet(path, "
                f"coerce_timestamps='us', allow_truncated_timestamps=True), or read the folder with "
                f"DuckDB (no data.connection).") from err
        raise


def _file_backend(con):
    """Where Parquet files are read: the Spark or DuckDB backend ``con``, else an embedded DuckDB."""
    if isinstance(con, str) and is_spark(con):
        return connect(con)
    if con is not None and not isinstance(con, str) and getattr(con, "name", "") in ("duckdb", "pyspark"):
        return con
    return connect(None)


def _query(backend, query: str):
    from ibis.common.exceptions import TableNotFound

    q = query.strip()
    if re.fullmatch(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?", q):
        try:
            if "." in q:
                schema_name, name = q.split(".", 1)
                return backend.table(name, database=schema_name)
            return backend.table(q)
        except TableNotFound as err:  # a ValueError, reported as a problem of the table (kpi-report validate)
            raise ValueError(f"no table {q!r} on the {getattr(backend, 'name', 'SQL')} connection: {err}") from err
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
    from .core.checks import DataValidationError, closest
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
    spark = _backend_name(t) == "pyspark"  # ANSI mode (Spark 4's default): a bad CAST fails the query
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
                if duck:
                    v = s.try_cast("timestamp")
                else:  # Spark's TRY_CAST also takes "2026" and "2026-10": the pattern keeps the rule one rule
                    parsed = s.try_cast("timestamp") if spark else s.cast("timestamp")
                    v = ibis.ifelse(s.re_search(_DATE), parsed, ibis.null("timestamp"))
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


_NFC: dict = {}


def _normalize_text(x, *, backend: str, collapse: bool = True):
    """Text keys as :func:`kpi_analysis.formats.normalize_text` makes them: Unicode NFC, whitespace
    runs collapsed, trimmed. NFC is the backend's own function (DuckDB ``nfc_normalize``,
    PostgreSQL ``normalize``, whose default form is NFC); Spark has none, and calls ICU4J's
    ``Normalizer.compose(text, false)`` (NFC; the library ships with Spark 4) through ``reflect``,
    in the JVM: no Python on the executors."""
    if backend not in _NFC and backend in ("duckdb", "postgres", "pyspark"):
        _NFC[backend] = _nfc_function(backend)
    if backend in _NFC:
        x = _NFC[backend](x)
    if collapse:
        x = x.re_replace(r"\s+", " ")
    return _trim(x)


def _nfc_function(backend: str):
    import ibis

    if backend == "pyspark":
        @ibis.udf.scalar.builtin(name="reflect")
        def reflect(class_name: str, method_name: str, value: str, compat: bool) -> str:  # Spark's call of a static method
            ...

        def nfc(x):  # NULL passed to Java would fail the query (a NullPointerException in the task)
            return ibis.ifelse(x.notnull(), reflect("com.ibm.icu.text.Normalizer", "compose", x, False),
                               ibis.null("string"))

        return nfc

    @ibis.udf.scalar.builtin(name={"duckdb": "nfc_normalize", "postgres": "normalize"}[backend])
    def nfc(value: str) -> str:  # the backend's own NFC normalisation
        ...

    return nfc


def _canon_cols(t) -> list[str]:
    return [c for c in t.columns if not c.startswith(("_raw_", "_num_"))]


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

    from .core.checks import DataValidationError
    from .data import format_problems

    if not any(c.startswith("_raw_") for c in t.columns):
        raise TypeError("check: pass the table returned by backend.source(...), which keeps the raw columns.")
    rules = _rule_exprs(t, table)
    counts = {}
    if rules:
        agg = t.aggregate(**{f"r{i}": _cnt(bad) for i, (_, _, bad, _) in enumerate(rules)})
        row = agg.execute().iloc[0]
        counts = {i: _count(row[f"r{i}"]) for i in range(len(rules))}
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
        n = _count(dup.n.sum().execute())  # no duplicates: NULL (DuckDB: None, Spark: NaN)
        if n:
            sample = dup.order_by(keys).limit(EXAMPLES).execute()
            problems.append({"column": column, "rule": rule, "count": int(n),
                             "examples": [(None, _show(v)) for v in sample[column].tolist()]})
    if problems and raise_error:
        raise DataValidationError(format_problems(table, problems, source=source_name), problems)
    return problems


def _count(v) -> int:
    """A fetched count or sum of counts as an int; NULL (None, or NaN from Spark) is 0."""
    import pandas as pd

    return 0 if v is None or pd.isna(v) else int(v)


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
# the hooks used by config.Workbook (table, load, date_coverage)
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
        data = wb.settings.get("data") or {}
        wb._cache[key] = connect(None if kind == "duckdb" else data.get("connection"), spark=data.get("spark"))
    return wb._cache[key]


def _wb_spark(wb) -> bool:
    """Whether the workbook's engine is Spark (``data.connection: spark://...``): its Parquet files are
    then read by Spark, not by the embedded DuckDB."""
    return is_spark((wb.settings.get("data") or {}).get("connection") or "")


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
        con = _wb_connection(wb, "sql" if _wb_spark(wb) and path.suffix.lower() not in _PANDAS_READ else "duckdb")
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
