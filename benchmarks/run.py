"""Scale and speed: every analysis end to end through the engine on large Parquet data, against the
one-pass limit (one DuckDB scan of the same files grouped the same way), measured in the same run.

    make bench                              # = .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --scale 0.02 --no-report   # a quick smoke run

1. Generates (once; kept while the sizes and seed match) into ``benchmarks/data/`` (git-ignored), as
   folders of Parquet files written chunk by chunk with vectorised numpy, so generation stays small:
   10 million leads, 2,000 locations x 3 years of daily sales, 2 million NPS answers, and the
   scorecard's other tables (1 million client activities, spend, prices, survey, targets).
2. Runs each measurement in a fresh Python process (so its peak RSS is its own): the baseline scan,
   the engine's contract check of the table, and the analysis end to end (Parquet -> Ibis reduction in
   DuckDB -> the reduced table in pandas -> the statistics -> the result object).
3. Times ``import kpi_analysis`` in fresh interpreters and the report runner (``kpi-report run
   --jobs 2``, i.e. ``make report``) on the sample data.
4. Writes ``benchmarks/RESULTS.md``: the machine, the table, and the targets met or missed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SEED = 20261028
START, END = "2023-11-01", "2026-10-31"
PERIOD = "2026-10"
CHUNK = 1_000_000
SIZES = {"leads": 10_000_000, "locations": 2_000, "nps_responses": 2_000_000, "client_activity": 1_000_000}

SOURCES = ["Giới thiệu", "Website", "Hội chợ", "Gọi điện lạnh"]
SOURCE_SHARE = [0.2, 0.35, 0.15, 0.3]
SOURCE_RATE = [0.45, 0.25, 0.15, 0.06]
SEGMENTS = ["Doanh nghiệp lớn", "Doanh nghiệp vừa và nhỏ", "Hộ kinh doanh"]
REGIONS = ["Miền Bắc", "Miền Trung", "Miền Nam", "Tây Nguyên"]
PRODUCTS = ["Phân bón", "Thức ăn chăn nuôi", "Hạt giống"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = ["Văn An", "Thị Bình", "Hoàng Cường", "Thu Dung", "Minh Đức", "Ngọc Hà", "Quốc Huy", "Thị Lan"]
PROMO = [("Hà Nội - Cầu Giấy", "2026-02-01", "2026-02-28"), ("Hà Nội - Đống Đa", "2026-03-01", "2026-03-31")]
GIB = 1024 ** 3


# ------------------------------------------------------------------------------------------- data
def _dict_array(codes, labels):
    import numpy as np
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(labels, pa.string()))


def _ts(values_ns):
    import pyarrow as pa

    return pa.array(values_ns.astype("datetime64[ns]"), pa.timestamp("us"))


def _write(table, folder: Path, i: int):
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / f"part-{i:03d}.parquet", compression="zstd")


def generate(scale: float) -> dict:
    """Write every table under DATA; returns the manifest (sizes, seed)."""
    import numpy as np
    import pyarrow as pa

    sizes = {k: max(int(v * scale), 10) for k, v in SIZES.items()}
    rng = np.random.default_rng(SEED)
    t0, t1 = np.datetime64(START, "s").astype(np.int64), np.datetime64(END + "T23:59:59", "s").astype(np.int64)
    as_of = t1
    reps = [f"{f} {g}" for f in FAMILY for g in GIVEN][:40]
    rep_effect = rng.normal(0, 0.3, len(reps))
    rep_effect[2] = np.log(0.45)  # one persistently weaker rep (odds ratio 0.45), as in the sample data
    # leads
    n, i = sizes["leads"], 0
    while n > 0:
        m = min(CHUNK, n)
        created = rng.integers(t0, t1, m)
        rep = rng.integers(0, len(reps), m)
        src = rng.choice(len(SOURCES), m, p=SOURCE_SHARE)
        seg = rng.integers(0, len(SEGMENTS), m)
        base = np.log(np.array(SOURCE_RATE) / (1 - np.array(SOURCE_RATE)))[src] + rep_effect[rep]
        won = rng.random(m) < 1 / (1 + np.exp(-base))
        lag = (rng.exponential(14, m) * 86400).astype(np.int64) + 3600
        closed = created + lag
        is_open = closed > as_of
        status = np.where(is_open, 2, np.where(won, 0, 1))
        value = np.where((status == 0), rng.lognormal(np.log(6e7), 0.6, m), np.nan)
        contact = created + (rng.exponential(1.2, m) * 86400).astype(np.int64)
        ids = np.char.add("L", (np.arange(m) + i * CHUNK).astype("U9"))
        table = pa.table({
            "lead_id": pa.array(ids, pa.string()),
            "created_at": _ts(created * 10**9),
            "rep": _dict_array(rep, reps), "source": _dict_array(src, SOURCES),
            "segment": _dict_array(seg, SEGMENTS), "status": _dict_array(status, ["won", "lost", "open"]),
            "closed_at": pa.array(np.where(is_open, np.datetime64("NaT"), (closed * 10**9).astype("datetime64[ns]")),
                                  pa.timestamp("us")),
            "deal_value": pa.array(value, pa.float64(), from_pandas=True),
            "first_contact_at": _ts(contact * 10**9),
        })
        _write(table, DATA / "leads", i)
        n, i = n - m, i + 1
    # sales: locations x days, in blocks of locations
    days = np.arange(np.datetime64(START), np.datetime64(END) + 1)
    dow = (days.astype(np.int64) + 3) % 7  # Monday = 0
    doy = (days - days.astype("datetime64[Y]")).astype(np.int64)
    season = (1 + 0.15 * (dow >= 5)) * (1 + 0.1 * np.sin(2 * np.pi * doy / 365.25))
    names = [p[0] for p in PROMO] + [f"Cửa hàng {k:04d}" for k in range(sizes["locations"] - len(PROMO))]
    block = max(1, CHUNK // len(days))
    for b, lo in enumerate(range(0, len(names), block)):
        locs = np.arange(lo, min(lo + block, len(names)))
        level = rng.lognormal(np.log(5e7), 0.4, len(locs))
        level[locs < len(PROMO)] = 5e7
        noise = rng.normal(0, 0.08, (len(locs), len(days)))
        rev = level[:, None] * season[None, :] * np.exp(noise)
        for k, (_, start, end) in enumerate(PROMO):
            inside = (days >= np.datetime64(start)) & (days <= np.datetime64(end))
            rev[locs == k] *= np.where(inside, 1.12, 1.0)
        orders = rng.poisson(rev / 4e5)
        table = pa.table({
            "date": _ts(np.tile(days.astype("datetime64[ns]"), len(locs)).astype(np.int64)),
            "location": _dict_array(np.repeat(locs, len(days)), names),
            "revenue": pa.array(np.round(rev.ravel(), -3)), "orders": pa.array(orders.ravel().astype(np.int64)),
        })
        _write(table, DATA / "sales", b)
    # nps
    n, i = sizes["nps_responses"], 0
    customers = max(sizes["nps_responses"] // 4, 10)
    while n > 0:
        m = min(CHUNK, n)
        when = rng.integers(t0, t1, m)
        region = rng.choice(len(REGIONS), m, p=[0.4, 0.08, 0.4, 0.12])
        tenure = rng.integers(0, 1500, m)
        shift = np.where(region == 1, -2.0, 0.0) + np.where(tenure < 90, -1.2, 0.0)
        score = np.clip(np.round(rng.normal(7.6 + shift, 2.0)), 0, 10)
        score = np.where(rng.random(m) < 0.01, np.nan, score)
        since = (when // 86400 - tenure) * 86400
        table = pa.table({
            "response_id": pa.array(np.char.add("R", (np.arange(m) + i * CHUNK).astype("U9")), pa.string()),
            "customer_id": pa.array(np.char.add("KH", rng.integers(0, customers, m).astype("U8")), pa.string()),
            "responded_at": _ts(when * 10**9), "score": pa.array(score, pa.float64(), from_pandas=True),
            "region": _dict_array(region, REGIONS), "product": _dict_array(rng.integers(0, 3, m), PRODUCTS),
            "customer_since": _ts(since * 10**9),
        })
        _write(table, DATA / "nps_responses", i)
        n, i = n - m, i + 1
    # client activity
    n, i = sizes["client_activity"], 0
    clients = max(sizes["client_activity"] // 50, 10)
    while n > 0:
        m = min(CHUNK, n)
        day = rng.integers(t0 // 86400, t1 // 86400, m) * 86400
        table = pa.table({
            "client_id": pa.array(np.char.add("KH", rng.integers(0, clients, m).astype("U8")), pa.string()),
            "date": _ts(day * 10**9),
            "activity_type": _dict_array(rng.integers(0, 4, m), ["đơn hàng", "gọi điện", "thăm khách hàng", "email"]),
        })
        _write(table, DATA / "client_activity", i)
        n, i = n - m, i + 1
    # the small tables
    import pandas as pd

    months = pd.date_range(START, END, freq="MS")
    pd.DataFrame([{"month": mo, "channel": s, "spend": float(rng.integers(50, 300)) * 1e6}
                  for mo in months for s in SOURCES]).to_parquet(DATA / "marketing_spend.parquet", index=False)
    weeks = pd.date_range(START, END, freq="W-MON")
    pd.DataFrame([{"date": w, "product": p, "our_price": 100.0 + k, "competitor": c,
                   "competitor_price": float(100 + k + rng.normal(0, 3))}
                  for w in weeks for k, p in enumerate(PRODUCTS) for c in ("Đối thủ A", "Đối thủ B")]) \
        .to_parquet(DATA / "competitor_prices.parquet", index=False)
    quarters = pd.date_range(START, END, freq="QS")
    pd.DataFrame([{"employee_id": f"NV{t:02d}{e:02d}", "date": q, "team": f"Nhóm {t}",
                   "score": float(rng.integers(4, 11))}
                  for q in quarters for t in range(10) for e in range(20)]) \
        .to_parquet(DATA / "employee_survey.parquet", index=False)
    shutil.copy(ROOT / "data" / "sample" / "kpi_targets.csv", DATA / "kpi_targets.csv")
    pd.DataFrame(PROMO, columns=["location", "start", "end"]).to_csv(DATA / "promotions.csv", index=False)
    manifest = {"seed": SEED, "sizes": sizes, "sales_rows": len(names) * len(days)}
    (DATA / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


# ---------------------------------------------------------------------------------- measurements
def _glob(table: str) -> str:
    p = DATA / table
    return str(p / "*.parquet") if p.is_dir() else str(DATA / f"{table}.parquet")


BASELINE_SQL = {
    # one scan of the same Parquet grouped the same way as the engine's reduction
    "nps": "SELECT region, count(*) FILTER (score <= 6), count(*) FILTER (score > 6 AND score <= 8), "
           "count(*) FILTER (score > 8), count(*) FILTER (score IS NULL) FROM read_parquet('{nps_responses}') "
           "GROUP BY region",
    "reps": "SELECT rep, source, date_trunc('month', created_at), "
            "count(*) FILTER (status <> 'open' OR created_at <= TIMESTAMP '{as_of}' - INTERVAL 60 DAY), "
            "count(*) FILTER (status = 'won') FROM read_parquet('{leads}') GROUP BY ALL",
    "promo": "SELECT location, date_trunc('day', date), sum(revenue), sum(orders), count(*) "
             "FROM read_parquet('{sales}') GROUP BY ALL",
    "feasibility": "SELECT date_trunc('month', created_at) AS cm, date_trunc('month', closed_at) AS km, count(*), "
                   "count(*) FILTER (status = 'won'), sum(deal_value) FILTER (status = 'won') "
                   "FROM read_parquet('{leads}') GROUP BY GROUPING SETS ((cm), (km))",
    "scorecard": [
        ("SELECT date_trunc('month', created_at), source, count(*), count(*) FILTER (status = 'won'), "
         "count(*) FILTER (first_contact_at <= created_at + INTERVAL 3 DAY) FROM read_parquet('{leads}') "
         "GROUP BY ALL"),
        "SELECT date_trunc('month', date), location, sum(revenue), sum(orders) FROM read_parquet('{sales}') GROUP BY ALL",
        ("SELECT date_trunc('month', responded_at), region, count(*) FILTER (score <= 6), "
         "count(*) FILTER (score > 8), count(*) FROM read_parquet('{nps_responses}') GROUP BY ALL"),
        "SELECT client_id, date_trunc('month', date), max(date) FROM read_parquet('{client_activity}') GROUP BY ALL",
        "SELECT date_trunc('month', month), channel, sum(spend) FROM read_parquet('{marketing_spend}') GROUP BY ALL",
        ("SELECT date_trunc('month', date), product, sum(our_price / competitor_price) "
         "FROM read_parquet('{competitor_prices}') GROUP BY ALL"),
        "SELECT date_trunc('month', date), team, avg(score) FROM read_parquet('{employee_survey}') GROUP BY ALL",
    ],
}
TABLE_OF = {"nps": "nps_responses", "reps": "leads", "promo": "sales", "feasibility": "leads"}


def measure_baseline(name: str) -> dict:
    import duckdb

    con = duckdb.connect()
    paths = {t: _glob(t) for t in ("leads", "sales", "nps_responses", "client_activity", "marketing_spend",
                                   "competitor_prices", "employee_survey")}
    start = time.perf_counter()
    rows = 0
    queries = BASELINE_SQL[name]
    for sql in [queries] if isinstance(queries, str) else queries:
        rows += len(con.execute(sql.format(as_of=END + " 23:59:59", **paths)).df())  # to pandas, as the engine
    return {"seconds": time.perf_counter() - start, "groups": rows}


def measure_check(name: str) -> dict:
    from kpi_analysis import backend

    tables = (["leads", "sales", "nps_responses", "client_activity"] if name == "scorecard" else [TABLE_OF[name]])
    con = backend.connect()
    start = time.perf_counter()
    for t in tables:
        backend.check(backend.source(t, DATA / t, con=con), t)
    return {"seconds": time.perf_counter() - start}


def scorecard_tables(con) -> dict:
    """The scorecard's tables on the bench Parquet, as sources of the connection ``con``."""
    from kpi_analysis import backend

    return {t: backend.source(t, DATA / t if (DATA / t).is_dir() else DATA / f"{t}.parquet", con=con)
            for t in ("leads", "sales", "nps_responses", "client_activity", "marketing_spend",
                      "competitor_prices", "employee_survey")}


def measure_analysis(name: str) -> dict:
    import pandas as pd

    from kpi_analysis import backend, feasibility, nps, promo, reps, scorecard

    con = backend.connect()  # the session's connection (and the Ibis backend import): set up once, like the baseline's
    start = time.perf_counter()
    if name == "scorecard":
        tables = scorecard_tables(con)
    else:
        table = backend.source(TABLE_OF[name], DATA / TABLE_OF[name], con=con)
    if name == "nps":
        reduced = nps.reduce(table, by="region")
        mid = time.perf_counter()
        result = nps.segment(reduced, by="region")
    elif name == "reps":
        reduced = reps.reduce(table)
        mid = time.perf_counter()
        result = reps.compare(reduced)
    elif name == "promo":
        reduced = promo.reduce(table)
        mid = time.perf_counter()
        result = promo.analyze(reduced, pd.read_csv(DATA / "promotions.csv"), baseline="2026-01")
    elif name == "feasibility":
        reduced = feasibility.reduce(table)
        mid = time.perf_counter()
        result = feasibility.assess(reduced, target=0.2, target_period="2026-Q4", period="2026-09")
    else:
        reduced = scorecard.reduce(tables)
        mid = time.perf_counter()
        targets = pd.read_csv(DATA / "kpi_targets.csv")
        from kpi_analysis import data
        result = scorecard.build(reduced, period=PERIOD, targets=data.load("kpi_targets", frame=targets))
    result.headline()
    end = time.perf_counter()
    return {"seconds": end - start, "reduce_seconds": mid - start, "stats_seconds": end - mid,
            "reduced_rows": len(reduced)}


def measure_spark(name: str) -> dict:
    """The analysis's reduction run by Spark in local mode on the same Parquet (``spark://local[2]``): the
    session start apart, then the reduction to a pandas table (what the statistics would take)."""
    import pandas as pd

    from kpi_analysis import backend, feasibility, nps, promo, reps, scorecard

    start = time.perf_counter()
    con = backend.connect("spark://local[2]")
    started = time.perf_counter()
    if name == "scorecard":
        tables = scorecard_tables(con)
        reduced = scorecard.reduce(tables)
    else:
        table = backend.source(TABLE_OF[name], DATA / TABLE_OF[name], con=con)
        reduce = {"nps": lambda t: nps.reduce(t, by="region"), "reps": reps.reduce, "promo": promo.reduce,
                  "feasibility": feasibility.reduce}[name]
        reduced = reduce(table)
    end = time.perf_counter()
    assert isinstance(reduced, pd.DataFrame)
    return {"seconds": end - started, "session_seconds": started - start, "reduced_rows": len(reduced)}


def spark_ready() -> str:
    """'' when PySpark and a Java 17/21 are there, else why the Spark column is not measured."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (pip install -e '.[spark]')"
    if not os.environ.get("JAVA_HOME") and not shutil.which("java"):
        return "no Java (export JAVA_HOME=\"$(bash scripts/install-java.sh)\")"
    return ""


def child(kind: str, name: str) -> None:
    """Run one measurement in this (fresh) process and print it as JSON with the peak RSS."""
    fn = {"baseline": measure_baseline, "check": measure_check, "analysis": measure_analysis,
          "spark": measure_spark}[kind]
    out = fn(name)
    out["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    out["children_peak_rss"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print("RESULT " + json.dumps(out))


def run_child(*args, timeout=1800) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{' '.join(args)} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def import_time(statement: str = "import kpi_analysis", repeats: int = 5) -> list[float]:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 cwd=ROOT).stdout) for _ in range(repeats)]


def report_time(timeout: int = 300) -> dict:
    exe = Path(sys.executable).with_name("kpi-report")
    if not exe.exists() or not (ROOT / "notebooks").is_dir():
        return {"status": "skipped: kpi-report or notebooks/ not found"}
    out = OUT / "report"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    # a small wrapper process runs the command, so that its RUSAGE_CHILDREN covers the report alone
    wrap = ("import json, resource, subprocess, sys; r = subprocess.run(sys.argv[1:]).returncode; "
            "print('RESULT ' + json.dumps([r, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024]))")
    start = time.perf_counter()
    # its own process group, so a runner that hangs can be stopped with everything it started
    proc = subprocess.Popen([sys.executable, "-c", wrap, str(exe), "run", "--jobs", "2", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            stdout, stderr = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
        timed_out = True
    seconds = time.perf_counter() - start
    line = [x for x in stdout.splitlines() if x.startswith("RESULT ")]
    code, peak = json.loads(line[-1][7:]) if line else (proc.returncode, 0)
    notebooks = len(list(out.rglob("*.ipynb")))
    if timed_out:
        status = f"stopped after {timeout} s (hung or far too slow); notebooks written: {notebooks}"
    else:
        status = "ok" if code == 0 else f"exit {code}: {stderr.strip().splitlines()[-1:]}"
    return {"status": status, "seconds": seconds, "notebooks": notebooks, "children_peak_rss": peak}


# ------------------------------------------------------------------------------------------ machine
def machine() -> dict:
    import duckdb
    import ibis
    import numpy as np
    import pandas as pd
    import psutil
    import pyarrow

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu, "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / GIB, 1), "os": platform.platform(),
        "python": platform.python_version(), "pandas": pd.__version__, "numpy": np.__version__,
        "duckdb": duckdb.__version__, "ibis": ibis.__version__, "pyarrow": pyarrow.__version__,
        "load_average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


# ---------------------------------------------------------------------------------------- the run
def _gib(x: float) -> str:
    return f"{x / GIB:.2f}"


def write_results(info, manifest, gen, rows, imports, report, total, spark_why="") -> str:
    sz = manifest["sizes"]
    lines = [
        "# Benchmark results",
        "",
        (f"Written by `make bench` (`benchmarks/run.py`) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"total run time {total / 60:.1f} min."),
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}; {info['logical_cores']} logical cores ({info['usable_cores']} usable)",
        f"- RAM: {info['ram_gib']} GiB; {info['os']}",
        (f"- Python {info['python']}, pandas {info['pandas']}, numpy {info['numpy']}, DuckDB {info['duckdb']}, "
        f"Ibis {info['ibis']}, pyarrow {info['pyarrow']}"),
        (f"- Load average when the run started: {info['load_average']} (other work on the machine slows every "
        "figure alike; ratios to the baseline measured in the same run are the comparable numbers)"),
        "",
        f"## Data (Parquet, `benchmarks/data/`, seed {manifest['seed']})",
        "",
        (f"- leads: {sz['leads']:,} rows; sales: {sz['locations']:,} locations x {manifest['sales_rows'] // sz['locations']:,} "
        f"days = {manifest['sales_rows']:,} rows; nps_responses: {sz['nps_responses']:,} rows; "
        f"client_activity: {sz['client_activity']:,} rows; plus spend, prices, survey, targets"),
        f"- generation: {gen}",
        "",
        "## Analyses end to end through the engine",
        "",
        ("Each cell is measured in a fresh Python process. *Baseline*: one DuckDB scan of the same Parquet "
        "grouped the same way (the practical limit). *Analysis*: Parquet -> Ibis reduction run by DuckDB -> "
        "reduced table -> statistics -> result (reduction and statistics shown apart). *Check*: the data "
        "contract on the whole table in the engine (once per table and session; `Workbook.table` caches it). "
        "The embedded DuckDB runs with `memory_limit` 1 GB (`$KPI_DUCKDB_MEMORY_LIMIT`) and spills beyond it, "
        "so the process stays small whatever the input size. *Spark reduction*: the same Ibis reduction run by "
        "Spark in local mode (`spark://local[2]`, 2 cores) on the same Parquet, to the reduced pandas table; "
        "the Spark session's start is timed apart (below)."),
        "",
        ("| analysis | reduced rows | baseline s | analysis s | of which reduction s | of which statistics s "
        "| analysis / baseline | reduction / baseline | check s | peak RSS baseline GiB | peak RSS analysis GiB "
        "| peak RSS check GiB | Spark reduction s |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    missed = []
    for name, r in rows.items():
        b, a, c = r["baseline"], r["analysis"], r["check"]
        spark_cell = f"{r['spark']['seconds']:.2f}" if "spark" in r else "n/a"
        ratio = a["seconds"] / b["seconds"]
        red_ratio = a["reduce_seconds"] / b["seconds"]
        lines.append(f"| {name} | {a['reduced_rows']:,} | {b['seconds']:.2f} | {a['seconds']:.2f} | "
                     f"{a['reduce_seconds']:.2f} | {a['stats_seconds']:.2f} | {ratio:.1f}x | {red_ratio:.1f}x | "
                     f"{c['seconds']:.2f} | {_gib(b['peak_rss'])} | {_gib(a['peak_rss'])} | {_gib(c['peak_rss'])} | "
                     f"{spark_cell} |")
        if ratio > 3:
            why = (f"the statistics alone take {a['stats_seconds']:.1f} s, a cost that does not grow with the "
                   f"data (reduction: {red_ratio:.1f}x the baseline)" if red_ratio <= 3 else
                   f"the reduction itself takes {red_ratio:.1f}x the baseline")
            missed.append(f"- **{name}: {ratio:.1f}x the one-scan baseline (target 3x)**: {why}.")
        peak = max(a["peak_rss"], c["peak_rss"])
        if peak >= 2 * GIB:
            missed.append(f"- **{name}: peak RSS {_gib(peak)} GiB (target < 2 GiB)**.")
    imp, imp_all, imp_pd = sorted(imports[0]), sorted(imports[1]), sorted(imports[2])
    lines += ["", "## Import and report", "",
              (f"- `import kpi_analysis` in a fresh interpreter: median {statistics.median(imp):.3f} s, "
              f"min {imp[0]:.3f} s, max {imp[-1]:.3f} s over {len(imp)} runs (target < 1 s; submodules load "
              "on first use)."),
              (f"- for comparison, `from kpi_analysis import backend, config, data, feasibility, nps, promo, reps, "
              f"scorecard` (pandas and the analysis modules, not their lazy statsmodels/matplotlib imports): "
              f"median {statistics.median(imp_all):.2f} s over {len(imp_all)} runs; `import pandas` alone: median "
              f"{statistics.median(imp_pd):.2f} s ({statistics.median(imp_all) / statistics.median(imp_pd):.1f}x; "
              "target < 2x).")]
    if statistics.median(imp) >= 1:
        missed.append(f"- **import: {statistics.median(imp):.2f} s (target < 1 s)**.")
    if statistics.median(imp_all) >= 2 * statistics.median(imp_pd):
        missed.append(f"- **importing the five analyses: {statistics.median(imp_all):.2f} s, "
                      f"{statistics.median(imp_all) / statistics.median(imp_pd):.1f}x importing pandas (target < 2x)**.")
    sessions = [r["spark"]["session_seconds"] for r in rows.values() if "spark" in r]
    if sessions:
        lines.append(f"- Spark session start (local[2], fresh process each): median {statistics.median(sessions):.1f} s "
                     f"over {len(sessions)} runs (once per report run; not in the reduction column).")
    elif spark_why:
        lines.append(f"- Spark column not measured: {spark_why}.")
    if "seconds" in report:
        lines.append(f"- `make report` equivalent (`kpi-report run --jobs 2` on the sample data, into "
                     f"`benchmarks/out/report`): {report['seconds']:.1f} s, {report['notebooks']} notebook files, "
                     f"status {report['status']}; peak RSS of the largest process it started "
                     f"{_gib(report['children_peak_rss']) if report['children_peak_rss'] else 'not measured'} "
                     "GiB (target < 25 s).")
        if report["seconds"] >= 25 or report["status"] != "ok":
            missed.append(f"- **report: {report['seconds']:.1f} s, status {report['status']} (target: under 25 s, status ok)**.")
    else:
        lines.append(f"- report: {report['status']}.")
    lines += ["", "## Targets", ""]
    lines += missed or [("All targets met: every analysis within 3x the one-scan baseline, peak RSS < 2 GiB, "
                        "import < 1 s and < 2x pandas, report < 25 s.")]
    lines += ["", "Targets are measured here, never asserted in tests.", ""]
    text = "\n".join(lines)
    RESULTS.write_text(text, encoding="utf-8")
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes (1.0 = 10M leads)")
    ap.add_argument("--regenerate", action="store_true", help="rewrite benchmarks/data even if it matches")
    ap.add_argument("--no-report", action="store_true", help="skip timing the report runner")
    ap.add_argument("--report-timeout", type=int, default=300, help="seconds before the report run is stopped")
    ap.add_argument("--no-spark", action="store_true", help="skip the Spark column")
    ap.add_argument("--only", default="", help="comma-separated analyses (nps,reps,promo,feasibility,scorecard)")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "NAME"), help=argparse.SUPPRESS)
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    if args.generate_only:
        start = time.perf_counter()
        manifest = generate(args.scale)
        print("RESULT " + json.dumps({"seconds": time.perf_counter() - start, "manifest": manifest,
                                      "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
        return 0
    t_start = time.perf_counter()
    info = machine()
    wanted = {k: max(int(v * args.scale), 10) for k, v in SIZES.items()}
    manifest_file = DATA / "manifest.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else None
    if args.regenerate or not manifest or manifest.get("sizes") != wanted or manifest.get("seed") != SEED:
        shutil.rmtree(DATA, ignore_errors=True)
        DATA.mkdir(parents=True)
        print(f"generating {wanted} into {DATA} ...", flush=True)
        g = run_child("--generate-only", "--scale", str(args.scale), timeout=3600)
        manifest = g["manifest"]
        gen = f"{g['seconds']:.0f} s, peak RSS {_gib(g['peak_rss'])} GiB (this run)"
    else:
        gen = "reused from an earlier run (same sizes and seed)"
    names = [n for n in ("nps", "reps", "promo", "feasibility", "scorecard")
             if not args.only or n in args.only.split(",")]
    spark_why = "skipped (--no-spark)" if args.no_spark else spark_ready()
    rows = {}
    for name in names:
        r = {}
        for kind in ("baseline", "analysis", "check"):
            print(f"{name}: {kind} ...", flush=True)
            r[kind] = run_child("--child", kind, name)
            print(f"  {r[kind]['seconds']:.2f} s, peak RSS {_gib(r[kind]['peak_rss'])} GiB", flush=True)
        if not spark_why:
            print(f"{name}: spark ...", flush=True)
            r["spark"] = run_child("--child", "spark", name)
            print(f"  {r['spark']['seconds']:.2f} s (session {r['spark']['session_seconds']:.1f} s)", flush=True)
        rows[name] = r
    imports = import_time()
    imports_all = import_time("from kpi_analysis import backend, config, data, feasibility, nps, promo, reps, "
                              "scorecard", repeats=3)
    imports_pandas = import_time("import pandas", repeats=3)
    report = {"status": "skipped (--no-report)"} if args.no_report else report_time(args.report_timeout)
    text = write_results(info, manifest, gen, rows, (imports, imports_all, imports_pandas), report,
                         time.perf_counter() - t_start, spark_why)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
