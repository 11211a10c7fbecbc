"""``kpi-report``: run the report notebooks, inspect their parameters, validate data, make sample data.

Exit codes (every subcommand; :data:`kpi_analysis.report.EXIT_CODES`): 0 success; 1 a notebook
failed (``run``); 2 usage, config, parameter or data problem (nothing was executed); 3 another run
for the same period is in progress; 4 the data do not cover the period (nothing was executed);
5 the output folder cannot be written (disk full, read-only or vanished); 130 interrupted (Ctrl-C or
SIGTERM). Whatever happens, an earlier report in ``reports/<period>/`` is left as it was, and the
message is one plain line on stderr. See "Scheduled reports" in README.md.

New subcommands are plain click commands added to :data:`cli` (``@cli.command()``); shared options
(``--config``, ``--data``) come from :func:`config_option` and :func:`data_option`.
"""
from __future__ import annotations

import datetime as _dt
import json
import signal
import sys
from pathlib import Path

import click

from . import report as _report

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def config_option(f):
    return click.option("--config", "config_path", default="workbook.yml", show_default=True,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="Workbook config (may 'extends:' a base file).")(f)


def data_option(f):
    return click.option("--data", "data_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
                        help="Folder with the data tables (overrides data.dir of the config).")(f)


def _fail(err: Exception) -> None:
    click.echo(f"kpi-report: error: {err}", err=True)
    sys.exit(getattr(err, "exit_code", _report.EXIT_USAGE))


def _config_or_none(path: Path) -> Path | None:
    # The default workbook.yml is optional (package defaults apply); a config named explicitly must exist.
    if path.exists():
        return path
    if str(path) == "workbook.yml":
        return None
    raise _report.ReportError(f"config file not found: {path}")


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="kpi-workbook", prog_name="kpi-report")
def cli():
    """Sales KPI workbook: scheduled reports from the parameterized notebooks.

    \b
    Exit codes: 0 ok; 1 a notebook failed; 2 usage/config/parameter/data error (nothing ran);
    3 another run for the same period is in progress; 4 the data do not cover the period;
    5 the output folder cannot be written (disk full, read-only, vanished); 130 interrupted.
    An earlier report for the period is never changed by a run that did not succeed.
    """


# ----------------------------------------------------------------------------------------------
# run
# ----------------------------------------------------------------------------------------------

class Progress:
    """One line per notebook as it finishes; a live "running" line on a terminal, log lines otherwise."""

    def __init__(self, stream=None, tty: bool | None = None, jobs: int = 1):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.jobs, self.total, self.done, self.period = jobs, 0, 0, ""

    def _log(self, text: str) -> None:
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.stream.write(f"{stamp} kpi-report {self.period} {text}\n")
        self.stream.flush()

    def plan(self, period: str, names: list[str]) -> None:
        self.period, self.total = period, len(names)
        how = f"{self.jobs} at a time" if self.jobs > 1 else "one at a time"
        if self.tty:
            click.echo(f"kpi-report {period}: {self.total} notebook(s), {how}", file=self.stream)
        else:
            self._log(f"plan: {self.total} notebook(s), {how}: {', '.join(names)}")

    def start(self, name: str) -> None:
        if self.tty:
            self.stream.write(f"\r\x1b[K  … {name}")
            self.stream.flush()
        else:
            self._log(f"start {name}")

    def finish(self, entry: dict) -> None:
        self.done += 1
        ok = entry["status"] == "ok"
        detail = "" if ok else "  " + _report.error_line(entry.get("error") or {}, "en")
        if self.tty:
            mark = click.style("✓", fg="green") if ok else click.style("✗ failed", fg="red")
            self.stream.write(f"\r\x1b[K[{self.done}/{self.total}] {mark} {entry['name']}  "
                              f"{entry['duration_s']:.1f} s{detail}\n")
            self.stream.flush()
        else:
            self._log(f"{'ok' if ok else 'FAILED'} {entry['name']} {entry['duration_s']:.1f} s{detail}")


def _parse_parameters(pairs) -> dict:
    out = {}
    for name, value in pairs:
        if not name or name.startswith("-"):
            raise click.BadParameter(f"expected -p NAME VALUE, got name {name!r}", param_hint="-p")
        out[name] = _report.CliText(value)
    return out


@cli.command(context_settings=CONTEXT)
@click.option("--period", default=None,
              help="Period to report: 2026-10 (month), 2026-W43 (ISO week), 2026-Q3 (quarter) or 2026 (year). "
                   "Default: the last complete period of --cadence in the data.")
@click.option("--cadence", default=None, type=click.Choice(["week", "month", "quarter", "year"]),
              help="Kind of period reported when --period is not given (default: month).")
@config_option
@click.option("--only", default=None, help="Comma-separated job names to run; the report's other notebooks are kept.")
@data_option
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: report.output_dir of the config, 'reports').")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(min=1),
              help="Notebooks run at once, each in its own process.")
@click.option("--locale", default=None, type=click.Choice(["en", "vi"]),
              help="Report language (default: the config's locale).")
@click.option("-p", "--parameter", "parameters", multiple=True, type=(str, str), metavar="NAME VALUE",
              help="Set a notebook parameter (every notebook declaring NAME); JOB:NAME for one job. "
                   "Checked against the notebook's declared type.")
@click.option("--cell-timeout", default=None, type=click.IntRange(min=1), help="Seconds per cell (default: config, 600).")
@click.option("--start-timeout", default=None, type=click.IntRange(min=1),
              help="Seconds for a kernel to start (default: config, 120).")
@click.option("--kernel", default=None, help="Jupyter kernel name (default: config, python3).")
@click.option("--pdf/--no-pdf", "pdf", default=None,
              help="Also print every HTML page to PDF (A4) with headless Chromium (default: config report.pdf).")
@click.option("--allow-partial", "allow_partial", is_flag=True, default=None,
              help="Publish a period the data do not cover completely; every page says which tables are "
                   "partial (default: config report.allow_partial; without it such a period exits 4).")
def run(period, cadence, config_path, only, data_dir, out_dir, jobs, locale, parameters, cell_timeout,
        start_timeout, kernel, pdf, allow_partial):
    """Execute the report notebooks for one period (week, month, quarter or year) into OUT/<period>/.

    Writes each notebook executed (.ipynb) and as code-free HTML, index.html and manifest.json.
    The report is built beside the target and moved into place only when every notebook ran; a run
    with a failure, an interrupted run (exit 130) and a run that cannot write its output folder
    (exit 5) are kept as <period>.failed-<UTC time>/ and an earlier report stays as it was.
    """
    progress = Progress(jobs=jobs)
    try:
        if pdf is None:
            from . import config as _config
            try:
                pdf = bool(_config.load(_config_or_none(config_path))["report"].get("pdf"))
            except _config.ConfigError as err:
                raise _report.ReportError(str(err)) from None
        result = _report.run(
            _config_or_none(config_path), period=period, data_dir=data_dir, out_dir=out_dir,
            only=[s.strip() for s in only.split(",") if s.strip()] if only else None, jobs=jobs,
            locale=locale, overrides=_parse_parameters(parameters), cell_timeout=cell_timeout,
            start_timeout=start_timeout, kernel=kernel, on_plan=progress.plan, on_start=progress.start,
            on_finish=progress.finish, postprocess=[print_pdfs] if pdf else (), allow_partial=allow_partial,
            cadence=cadence)
    except _report.ReportError as err:
        _fail(err)
    except KeyboardInterrupt as err:  # run() says where the attempt is; before the build nothing was written
        how = "stopped by SIGTERM" if getattr(err, "signal_name", "") == "SIGTERM" else "interrupted (Ctrl-C)"
        message = str(err) or f"{how}; nothing was written."
        click.echo(("\n" if progress.tty else "") + f"kpi-report: {message}", err=True)  # past a "^C"
        sys.exit(_report.EXIT_INTERRUPTED)
    for note in result.manifest.get("notes", []):
        click.echo(f"kpi-report: note: {note}", err=True)
    if notice := _report.partial_notice(result.manifest.get("coverage"), "en"):
        click.echo(f"kpi-report: note: {notice}", err=True)
    for entry in result.manifest.get("notebooks", []):
        if entry["status"] == "skipped":
            click.echo(f"kpi-report: note: {entry['name']} skipped: {_report.skip_text(entry['skip'], 'en')}", err=True)
    if result.status == "ok":
        click.echo(f"kpi-report: report written to {result.report_dir}", err=True)
    else:
        keep = (f"; the earlier report in {result.target} is unchanged" if result.target and result.target.exists()
                else "")
        what = (f"{len(result.failed)} notebook(s) failed ({', '.join(result.failed)})" if result.failed
                else "post-processing failed")
        click.echo(f"kpi-report: {what}; this attempt is kept in {result.report_dir}{keep}.", err=True)
    click.echo(str(result.report_dir))
    sys.exit(result.exit_code)


def print_pdfs(build: Path, manifest: dict) -> None:
    """Post-processing hook of ``run --pdf``: every page of the report (index and notebooks) as PDF.

    Runs before the report is moved into place, so a report is never published without its PDFs;
    a page that cannot be printed fails the run (kept as a .failed- folder) with the reason.
    """
    from . import pdf as _pdf

    if _pdf.find_chromium() is None:
        raise RuntimeError("--pdf needs Chromium (Debian package 'chromium'; see scripts/install-browser.sh).")
    written = []
    for page in sorted(build.glob("*.html")):
        written.append(_pdf.html_to_pdf(page, page.with_suffix(".pdf")).name)
    manifest["pdf"] = written
    _report.write_outputs(build, manifest)


@cli.command("new", context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--client", default="", help="Client name for the report header (default: the folder name).")
@click.option("--locale", default="vi", show_default=True, type=click.Choice(["en", "vi"]),
              help="Report language of the new workbook.")
@click.option("--currency", default="VND", show_default=True, help="ISO 4217 currency code of the amounts.")
def new(directory, client, locale, currency):
    """Create a client workbook in DIRECTORY: config, notebooks, data/ and a README.

    It runs as soon as the client's tables are in DIRECTORY/data (named leads.csv, sales.xlsx, ...
    or mapped in workbook.yml): `kpi-report validate --config DIRECTORY/workbook.yml`, then
    `kpi-report run --config DIRECTORY/workbook.yml`.
    """
    from . import scaffold

    try:
        cfg = scaffold.new_workbook(directory, client=client, locale=locale, currency=currency)
    except (FileExistsError, FileNotFoundError, ValueError) as err:
        _fail(err)
    click.echo(f"kpi-report: new workbook in {cfg.parent}; put the data in {cfg.parent / 'data'} "
               f"and edit {cfg}.", err=True)
    click.echo(str(cfg))


# ----------------------------------------------------------------------------------------------
# params, validate, sample-data
# ----------------------------------------------------------------------------------------------

def _find_notebook(name: str, config_path: Path) -> Path:
    path = Path(name)
    if path.is_file():
        return path
    from . import config as _config

    try:
        settings = _config.load(_config_or_none(config_path))
        jobs = {j.name: j.notebook for j in _report.plan_jobs(settings)}
    except (ValueError, _report.ReportError):
        jobs = {}
    stem = path.name.removesuffix(".ipynb")
    if stem in jobs:
        return jobs[stem]
    choices = sorted(jobs)
    raise _report.ReportError(f"no notebook {name!r}" + (f"; the report's notebooks are {choices}" if choices else ""))


@cli.command(context_settings=CONTEXT)
@click.argument("notebook")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def params(notebook, config_path, as_json):
    """List a notebook's parameters: name, type, default and help.

    NOTEBOOK is a path or the name of a report job / notebook in the config's notebooks folder.
    """
    try:
        path = _find_notebook(notebook, config_path)
        found = _report.notebook_parameters(path)
    except _report.ReportError as err:
        _fail(err)
    if as_json:
        click.echo(json.dumps([{"name": p.name, "type": p.type, "accepts": p.accepts, "default": p.default,
                                "help": p.help, "set_by_runner": p.name in _report.COMMON_PARAMETERS}
                               for p in found.values()], indent=2, ensure_ascii=False))
        return
    rows = [(p.name, p.type, p.default, p.help + ("  [set by the runner]" if p.name in _report.COMMON_PARAMETERS
                                                  else "")) for p in found.values()]
    head = ("name", "type", "default", "help")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(3)]
    click.echo(f"{path.name}:")
    for r in [head] + rows:
        click.echo("  " + "  ".join(str(r[i]).ljust(widths[i]) for i in range(3)) + "  " + r[3])


@cli.command(context_settings=CONTEXT)
@config_option
@data_option
@click.option("--locale", default=None, type=click.Choice(["en", "vi"]), help="Locale to check the config with.")
def validate(config_path, data_dir, locale):
    """Check every data table against the config's mapping and the report jobs' parameters.

    Prints every problem found (not only the first) and exits 2 when there is any.
    """
    from . import config as _config

    try:
        cfg = _config_or_none(config_path)
        wb = _config.open_workbook(cfg, data_dir=data_dir, locale=locale or "")
    except (ValueError, FileNotFoundError, _report.ReportError) as err:
        _fail(err)
    problems = 0
    click.echo(f"data: {wb.data_dir}")
    results = wb.check_tables()
    for table, res in results.items():
        if not res["ok"]:
            problems += 1
            click.echo(f"  {table}: PROBLEM\n" + "\n".join("    " + line for line in str(res["message"]).splitlines()))
            continue
        read = _describe_read(res["read"])
        click.echo(f"  {table}: ok ({res['source']}, {res['rows']:,} rows{'; ' + read if read else ''})")
        for column, groups in res["case_variants"].items():
            for g in groups:
                spelled = " / ".join(f"{v!r} ({n} rows)" for v, n in zip(g["values"], g["counts"], strict=True))
                merge = ", ".join(f"{v!r}: {g['values'][0]!r}" for v in g["values"][1:])
                click.echo(f"    warning: {table}.{column} has spellings that differ only by case: {spelled}; "
                           f"they count as different values. To merge them add under data.tables.{table}: "
                           f"values: {{{column}: {{{merge}}}}}")
    from . import schema as _schema

    absent = [t for t in _schema.table_names() if t not in results]
    if absent:
        click.echo(f"  left out (not configured, no file): {', '.join(absent)}")
    from . import coverage as _coverage

    covered = {t: wb.date_coverage(t, col) for t, col in _coverage.EVENT_DATES.items() if results.get(t, {}).get("ok")}
    if covered:
        spans = ", ".join(f"{t} {c.first_complete}..{c.last_complete}" for t, c in covered.items() if c is not None)
        click.echo(f"complete months: {spans}")
        complete = [c.last_complete for c in covered.values() if c is not None]
        if complete and min(complete) != max(complete):
            click.echo(f"  note: the event tables end in different months; a report for {max(complete)} needs "
                       f"--allow-partial until every table covers it")
    try:
        jobs = _report.plan_jobs(wb.settings)
        common = {"period": "2000-01", "data_dir": str(wb.data_dir), "config_path": str(cfg or ""),
                  "locale": wb.locale}
        _report.resolve_parameters(jobs, common=common)
        click.echo(f"report jobs: {len(jobs)} notebook(s), parameters ok")
    except _report.ReportError as err:
        problems += 1
        click.echo("report jobs: PROBLEM\n" + "\n".join("    " + line for line in str(err).splitlines()))
    if problems:
        click.echo(f"{problems} problem(s) found.", err=True)
        sys.exit(_report.EXIT_USAGE)
    click.echo("no problems found.")


@cli.command("sample-data", context_settings=CONTEXT)
@click.option("--seed", default=20261028, show_default=True, type=int, help="Random seed of the generator.")
@click.option("--out", "out_dir", default="data/sample", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write the tables to.")
def sample_data(seed, out_dir):
    """Write the seeded sample data set (every canonical table, with planted effects) to OUT."""
    from . import sample

    try:
        written = sample.write_sample(out_dir, seed=seed)
    except (ValueError, OSError) as err:
        _fail(err)
    click.echo(f"sample data (seed {seed}) written to {out_dir}")
    if isinstance(written, (dict, list, tuple)):
        for item in (written.values() if isinstance(written, dict) else written):
            click.echo(f"  {item}")


def _describe_read(read: dict) -> str:
    """How a file was read, in a few words: "utf-8, separator ';', decimal ',', dates dd/mm/yyyy"."""
    parts = []
    if read.get("encoding"):
        parts.append(read["encoding"])
    if read.get("separator"):
        parts.append(f"separator {read['separator']!r}")
    if read.get("decimal"):
        parts.append(f"decimal {read['decimal']!r}")
    order = {"dmy": "dd/mm/yyyy", "mdy": "mm/dd/yyyy", "format": "date_format"}.get(read.get("date_order"))
    if order:
        parts.append(f"dates {order}")
    return ", ".join(parts)


def _sigterm(signum, frame):  # cron/Airflow stop a task with SIGTERM: clean up like Ctrl-C
    # A second SIGTERM must not cut short the clean-up that writes the manifest saying "interrupted".
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _report.Interrupted(signal_name="SIGTERM")


def main(argv=None) -> None:
    """Entry point of the ``kpi-report`` console script."""
    try:
        signal.signal(signal.SIGTERM, _sigterm)
    except ValueError:  # not in the main thread (embedded use): leave signals alone
        pass
    cli.main(args=argv, prog_name="kpi-report")


if __name__ == "__main__":  # python -m kpi_analysis.cli
    main()
