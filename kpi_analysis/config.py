"""``workbook.yml``: where the data is, how the client's columns map, locale, targets, report jobs.

A config may ``extends:`` a base file (paths relative to the file that names them); the client's
file overrides the base key by key (mappings merge, lists and values replace). Every key is checked:
an unknown or misspelled key, or a value of the wrong kind, raises one :class:`ConfigError` naming
the key path and suggesting the closest valid key.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema as _schema
from .core.checks import closest
from .formats import ReadOptions

ANY = object()  # a mapping whose keys are free (table names are checked separately)

# The shape of a valid config: nested dicts of key -> type (or a nested shape).
SHAPE: dict[str, Any] = {
    "extends": (str, type(None)),
    "company": {"name": str, "logo": (str, type(None))},
    "locale": str,
    "currency": str,
    "data": {
        "dir": str,
        "connection": (str, type(None)),
        # settings of a spark:// connection (kpi_analysis.backend.spark_connect)
        "spark": {"conf": ANY, "app_name": str, "log_level": str},
        "tables": ANY,
    },
    "targets": ANY,
    "analyses": ANY,
    "report": {
        "notebooks_dir": str,
        "output_dir": str,
        "cell_timeout": int,
        "start_timeout": int,
        "notebook_timeout": int,
        "kernel": str,
        "jobs": list,
        "pdf": bool,
        "allow_partial": bool,
        "keep": {"week": (int, type(None)), "month": (int, type(None)), "quarter": (int, type(None)),
                 "year": (int, type(None)), "failed": (int, type(None))},
    },
}
TABLE_KEYS = {"path": str, "sheet": (str, int), "columns": dict, "values": dict, "query": str,
              # how the file is written (kpi_analysis.formats.ReadOptions); detected when absent
              "encoding": str, "separator": str, "decimal": str, "thousands": str, "date_format": str,
              "dayfirst": bool}
JOB_KEYS = {"name": str, "notebook": str, "parameters": dict}
#: the settings an analysis reads from ``analyses.<name>`` (checked; analyses not listed here take any mapping)
ANALYSIS_KEYS = {
    # verbatims: false shows no comment word for word on the NPS page (words and phrases stay)
    "nps": {"verbatims": bool},
}

DEFAULTS: dict[str, Any] = {
    "extends": None,
    "company": {"name": "", "logo": None},
    "locale": "en",
    "currency": "VND",
    "data": {"dir": "data/sample", "connection": None, "tables": {}},
    "targets": {},
    "analyses": {},
    "report": {"notebooks_dir": "notebooks", "output_dir": "reports", "cell_timeout": 600,
               "start_timeout": 120, "notebook_timeout": 3600, "kernel": "python3", "jobs": [], "pdf": False,
               "allow_partial": False},
}
FILE_TYPES = (".csv", ".parquet", ".xlsx")
ROW_FILES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")  # read row by row in Python (client exports)


class ConfigError(ValueError):
    """A workbook config that does not follow the documented shape."""


def _currencies() -> list[str]:
    from babel.numbers import list_currencies

    return sorted(list_currencies())


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d")).encode("ascii", "ignore").decode()


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code that Babel (CLDR) can format ("VND", "USD")."""
    return isinstance(code, str) and code in set(_currencies())


def merge(base: Mapping, override: Mapping) -> dict:
    """Deep-merge ``override`` into ``base``: mappings merge key by key, anything else replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_yaml(path: Path) -> dict:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    try:
        loaded = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, got {type(loaded).__name__}.")
    return loaded


def _layers(path: Path, seen: tuple = ()) -> list[tuple[Path, dict]]:
    path = path.resolve()
    if path in seen:
        raise ConfigError(f"{path}: 'extends' loops back to a file already read: {[str(p) for p in seen]}.")
    raw = _read_yaml(path)
    parent = raw.get("extends")
    layers = _layers((path.parent / parent), seen + (path,)) if parent else []
    return layers + [(path, raw)]


def load(path: str | Path | None = None) -> dict:
    """Read, layer and check a workbook config; ``None`` or "" gives the defaults.

    Relative paths in ``data.dir``, ``data.tables.*.path``, ``report.*_dir`` and ``company.logo``
    are resolved against the directory of the file that set them.
    """
    cfg = copy.deepcopy(DEFAULTS)
    if not path:
        cfg["_base_dir"] = str(Path.cwd())
        return cfg
    for layer_path, raw in _layers(Path(path)):
        check(raw, source=layer_path)
        cfg = merge(cfg, _resolve_paths(raw, layer_path.parent))
        if "dir" in (raw.get("data") or {}):
            cfg["_data_dir_set"] = str(layer_path)  # a data.dir someone wrote down must exist
    cfg["_base_dir"] = str(Path(path).resolve().parent)
    cfg["_path"] = str(Path(path).resolve())
    return cfg


def _resolve_paths(raw: dict, base: Path) -> dict:
    raw = copy.deepcopy(raw)

    def absolute(p):
        return str((base / p).resolve()) if p and not Path(p).is_absolute() else p

    data = raw.get("data") or {}
    if "dir" in data:
        data["dir"] = absolute(data["dir"])
    for spec in (data.get("tables") or {}).values():
        if isinstance(spec, dict) and spec.get("path") and "dir" in data:
            spec["path"] = str(Path(data["dir"]) / spec["path"]) if not Path(spec["path"]).is_absolute() \
                else spec["path"]
    report = raw.get("report") or {}
    for key in ("notebooks_dir", "output_dir"):
        if report.get(key):
            report[key] = absolute(report[key])
    company = raw.get("company") or {}
    if company.get("logo"):
        company["logo"] = absolute(company["logo"])
    return raw


def check(raw: Mapping, *, source: Any = "workbook.yml") -> None:
    """Raise one ConfigError listing every unknown key or wrongly typed value in ``raw``."""
    problems: list[str] = []
    _check_shape(raw, SHAPE, "", problems)
    tables = ((raw.get("data") or {}).get("tables") or {})
    if isinstance(tables, Mapping):
        for name, spec in tables.items():
            if name not in _schema.TABLES:
                hint = closest(name, _schema.TABLES)
                problems.append(f"data.tables.{name}: unknown table" + (f"; did you mean {hint}?" if hint
                                else f"; the tables are {list(_schema.TABLES)}"))
                continue
            if isinstance(spec, str):
                continue  # shorthand: `leads: leads.csv`
            if not isinstance(spec, Mapping):
                problems.append(f"data.tables.{name}: expected a mapping or a file name, got {spec!r}")
                continue
            _check_shape(spec, TABLE_KEYS, f"data.tables.{name}.", problems)
            problems += ReadOptions.from_spec(
                {k: v for k, v in spec.items() if k in ReadOptions.names() and isinstance(v, TABLE_KEYS.get(k, object))}
            ).check(name)
            wanted = _schema.columns(name)
            for client, canonical in (spec.get("columns") or {}).items():
                if canonical not in wanted:
                    hint = closest(str(canonical), wanted)
                    problems.append(f"data.tables.{name}.columns: {client!r} maps to {canonical!r}, not a "
                                    f"column of {name}" + (f"; did you mean {hint}?" if hint else
                                                           f"; its columns are {wanted}"))
            for column in (spec.get("values") or {}):
                if column not in wanted:
                    problems.append(f"data.tables.{name}.values: {column!r} is not a column of {name}; "
                                    f"its columns are {wanted}")
    analyses = raw.get("analyses") or {}
    if isinstance(analyses, Mapping):
        for name, shape in ANALYSIS_KEYS.items():
            if analyses.get(name) is not None:
                _check_shape(analyses[name], shape, f"analyses.{name}.", problems)
    problems += _connection_problems(raw.get("data") or {})
    jobs = ((raw.get("report") or {}).get("jobs") or [])
    for i, job in enumerate(jobs if isinstance(jobs, list) else []):
        if not isinstance(job, Mapping) or "notebook" not in job:
            problems.append(f"report.jobs[{i}]: each job needs at least 'notebook: NAME.ipynb', got {job!r}")
            continue
        _check_shape(job, JOB_KEYS, f"report.jobs[{i}].", problems)
    locale = raw.get("locale")
    if locale is not None and locale not in ("en", "vi"):
        problems.append(f"locale: must be 'en' or 'vi', got {locale!r}")
    currency = raw.get("currency")
    if isinstance(currency, str) and not is_currency(currency):
        hint = closest(_ascii(currency).upper(), _currencies())
        problems.append(f"currency: {currency!r} is not an ISO 4217 currency code (e.g. VND, USD, EUR)"
                        + (f"; did you mean {hint[0]!r}?" if hint else ""))
    if problems:
        raise ConfigError(f"{source}: {len(problems)} problem(s):\n- " + "\n- ".join(problems))


def _connection_problems(data: Mapping) -> list[str]:
    """A ``spark://`` connection names a Spark master; ``data.spark`` goes with a Spark connection."""
    if not isinstance(data, Mapping):
        return []
    from . import backend

    connection = data.get("connection")
    spark = isinstance(connection, str) and backend.is_spark(connection)
    out = []
    if spark:
        try:
            backend.spark_master(connection)
        except ValueError as err:
            out.append(str(err))
    if data.get("spark") is not None and not spark:
        out.append("data.spark: Spark settings need a Spark connection (data.connection: spark://local[2] or "
                   f"spark://HOST:7077); data.connection is {connection!r}")
    return out


def _check_shape(raw: Mapping, shape: Mapping, prefix: str, problems: list[str]) -> None:
    if not isinstance(raw, Mapping):
        problems.append(f"{prefix.rstrip('.') or 'top level'}: expected a mapping, got {raw!r}")
        return
    for key, value in raw.items():
        if key not in shape:
            hint = closest(str(key), shape)
            problems.append(f"{prefix}{key}: unknown key" + (f"; did you mean {hint[0]!r}?" if hint
                            else f"; valid keys are {list(shape)}"))
            continue
        expected = shape[key]
        if expected is ANY:
            if value is not None and not isinstance(value, Mapping):
                problems.append(f"{prefix}{key}: expected a mapping, got {value!r}")
        elif isinstance(expected, dict):
            if value is not None:
                _check_shape(value, expected, f"{prefix}{key}.", problems)
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            kinds = expected if isinstance(expected, tuple) else (expected,)
            names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            problems.append(f"{prefix}{key}: expected {names}, got {value!r}")


@dataclass
class Workbook:
    """A loaded config plus where its tables are: what a notebook needs to load data.

    Examples
    --------
    >>> wb = open_workbook(None, data_dir="data/sample")   # doctest: +SKIP
    >>> leads = wb.load("leads")                           # doctest: +SKIP
    """
    settings: dict
    data_dir: Path
    locale: str
    currency: str
    _cache: dict = field(default_factory=dict, repr=False)

    def table_spec(self, table: str) -> dict:
        _schema.check_table(table)
        spec = (self.settings["data"].get("tables") or {}).get(table) or {}
        return {"path": spec} if isinstance(spec, str) else dict(spec)

    def missing_sources(self, *, data_dir_given: bool = False) -> list[str]:
        """Configured places that do not exist: the data folder (when set in a config or with
        ``--data``) and every table ``path:``. A table that is not configured and has no file is
        not missing, it is left out (:meth:`has` is False)."""
        out = []
        if (data_dir_given or self.settings.get("_data_dir_set")) and not self.data_dir.is_dir():
            how = "--data" if data_dir_given else f"data.dir in {self.settings['_data_dir_set']}"
            out.append(f"data folder {self.data_dir} ({how}) does not exist")
        for table in _schema.TABLES:
            path = self.table_spec(table).get("path")
            if not path:
                continue
            p = Path(path) if Path(path).is_absolute() else self.data_dir / path
            if not p.exists():
                out.append(f"data.tables.{table}.path: {p} does not exist")
        return out

    def date_coverage(self, table: str, column: str):
        """:class:`kpi_analysis.coverage.TableCoverage` of ``table`` by its ``column`` of dates.

        Files are loaded as the notebooks load them (validated, cached); database and Parquet tables
        are asked for the first and last day and the number of distinct days where they are.
        """
        from . import coverage

        path = self.source_path(table)
        if self._engine_query(table) is None and path is not None and path.is_file() \
                and path.suffix.lower() in ROW_FILES:
            return coverage.table_coverage(self.load(table)[column], table)
        from . import backend

        return backend.date_coverage(self, table, column)

    def read_options(self, table: str) -> ReadOptions:
        """How ``table``'s file is written, as configured (undeclared conventions are detected)."""
        return ReadOptions.from_spec(self.table_spec(table))

    def source_path(self, table: str) -> Path | None:
        """The file (or Parquet folder) the table is read from, or None when there is none."""
        spec = self.table_spec(table)
        if spec.get("path"):
            p = Path(spec["path"])
            p = p if p.is_absolute() else self.data_dir / p
            return p if p.exists() else None
        for suffix in FILE_TYPES:
            candidate = self.data_dir / f"{table}{suffix}"
            if candidate.exists():
                return candidate
        folder = self.data_dir / table
        return folder if folder.is_dir() else None

    def source_paths(self) -> dict[str, Path]:
        """Every canonical table that has a source, with its path (for fingerprints)."""
        return {t: p for t in _schema.TABLES if (p := self.source_path(t)) is not None}

    def has(self, table: str) -> bool:
        return self.source_path(table) is not None or self._engine_query(table) is not None

    def _engine_query(self, table: str) -> str | None:
        """The SQL table or query the table comes from (``data.connection``, a DuckDB file), else None."""
        from . import backend

        return backend.workbook_query(self, table)

    def table(self, table: str):
        """``table`` as an Ibis table where it lives (DuckDB over Parquet or a DuckDB file, PostgreSQL,
        ...; client CSV and Excel exports read by :func:`kpi_analysis.data.load`), its data contract
        checked in the engine once. Every analysis takes it as it takes a pandas frame, and runs
        its reduction there: only the reduced rows come back."""
        from . import backend

        return backend.workbook_table(self, table)

    def load(self, table: str):
        """The validated canonical ``table`` (read once, then cached)."""
        from . import data

        if table not in self._cache and self._engine_query(table) is not None:
            from . import backend  # SQL tables and queries: validated in the engine, then fetched

            self._cache[table] = backend.workbook_load(self, table)
        if table not in self._cache:
            path = self.source_path(table)
            if path is None:
                spec = self.table_spec(table)
                where = spec.get("path") or f"{self.data_dir}/{table}.csv|.parquet|.xlsx"
                raise FileNotFoundError(f"{table}: no data file found (looked for {where}).")
            spec = self.table_spec(table)
            self._cache[table] = data.load(table, path, spec.get("columns"), values=spec.get("values"),
                                           options=self.read_options(table), locale=self.locale)
        return self._cache[table]

    def validate_all(self) -> dict[str, str]:
        """Validate every table that has a source: {table: "ok" or the full problem message}."""
        return {t: ("ok" if c["ok"] else c["message"]) for t, c in self.check_tables().items()}

    def check_tables(self) -> dict[str, dict]:
        """Validate every table the workbook has, as ``kpi-report validate`` shows it.

        Returns {table: {"ok", "message" (the problems, in the workbook's locale), "source", "rows",
        "read" (the conventions the file was read with), "case_variants" (key spellings that differ
        only by case)}}; tables neither configured nor present are not listed (see :meth:`has`).
        """
        out = {}
        for table in _schema.TABLES:
            if not self.has(table):
                continue
            where = self.source_path(table) or self._engine_query(table)
            self._cache.pop(table, None)
            try:
                frame = self.load(table)
            except (ValueError, FileNotFoundError, OSError) as err:
                out[table] = {"ok": False, "message": str(err), "source": str(where), "rows": None,
                              "read": {}, "case_variants": {}}
                continue
            out[table] = {"ok": True, "message": "", "source": str(where), "rows": len(frame),
                          "read": dict(frame.attrs.get("read") or {}),
                          "case_variants": dict(frame.attrs.get("case_variants") or {})}
        return out

    def analysis_settings(self, name: str) -> dict:
        return dict((self.settings.get("analyses") or {}).get(name) or {})

    @property
    def show_verbatims(self) -> bool:
        """Whether pages may show customers' comments word for word (``analyses.nps.verbatims``, default true)."""
        return bool(self.analysis_settings("nps").get("verbatims", True))


def open_workbook(config_path: str | Path | None = None, *, data_dir: str | Path | None = None,
                  locale: str = "") -> Workbook:
    """Load ``config_path`` (defaults when empty) and point it at ``data_dir`` (overrides ``data.dir``).

    ``locale`` overrides the config's locale when not empty.
    """
    settings = load(config_path)
    if data_dir:
        base = Path(data_dir).resolve()
        tables = settings["data"].get("tables") or {}
        for spec in tables.values():  # table paths follow the data dir given on the command line
            if isinstance(spec, dict) and spec.get("path"):
                spec["path"] = str(base / Path(spec["path"]).name)
    else:
        base = Path(settings["data"]["dir"])
        if not base.is_absolute():
            base = Path(settings["_base_dir"]) / base
    locale = locale or settings["locale"]
    if locale not in ("en", "vi"):
        raise ConfigError(f"locale must be 'en' or 'vi', got {locale!r}.")
    wb = Workbook(settings=settings, data_dir=base, locale=locale, currency=settings["currency"])
    missing = wb.missing_sources(data_dir_given=bool(data_dir))
    if missing:
        raise ConfigError(f"{settings.get('_path') or 'workbook config'}: {len(missing)} configured data "
                          "source(s) do not exist:\n- " + "\n- ".join(missing))
    return wb
