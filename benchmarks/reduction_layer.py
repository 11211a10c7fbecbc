"""Which layer writes the reductions once: Ibis (on DuckDB) or Narwhals (on pandas), measured.

One NPS count reduction (answers by region x month), best of five, on the sample answers and on the
same answers repeated to 2 M rows, plus each library's import time in a fresh interpreter. The
figures are quoted in docs/design.md. Run: ``.venv/bin/python benchmarks/reduction_layer.py``.
"""
from __future__ import annotations

import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def best(f, n: int = 5) -> float:
    f()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def with_ibis(d: pd.DataFrame):
    import ibis

    t = ibis.memtable(d)
    s = t.score
    return t.group_by(["region", t.responded_at.truncate("M").name("month")]).aggregate(
        detractors=(s <= 6).sum(), passives=((s >= 7) & (s <= 8)).sum(), promoters=(s >= 9).sum(),
        blank=s.isnull().sum()).execute()


def with_narwhals(d: pd.DataFrame):
    import narwhals as nw

    s = nw.col("score")
    f = nw.from_native(d, eager_only=True).with_columns(month=nw.col("responded_at").dt.truncate("1mo"))
    return f.group_by("region", "month").agg(
        detractors=(s <= 6).sum(), passives=((s >= 7) & (s <= 8)).sum(), promoters=(s >= 9).sum(),
        blank=s.is_null().sum()).to_native()


def with_pandas(d: pd.DataFrame):
    s = d["score"]
    return d.assign(month=d["responded_at"].dt.to_period("M"), det=s <= 6, pas=(s >= 7) & (s <= 8), pro=s >= 9,
                    blank=s.isna()).groupby(["region", "month"], observed=True)[["det", "pas", "pro", "blank"]].sum()


def import_time(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main() -> None:
    from kpi_analysis import data

    warnings.simplefilter("ignore")  # Narwhals warns that the pandas group-by falls back to apply
    sample = data.load("nps_responses", ROOT / "data" / "sample" / "nps_responses.csv")
    big = pd.concat([sample] * 160, ignore_index=True)
    print("| layer | sample | 2 M rows | import |")
    print("|---|---|---|---|")
    for name, f, module in (("Ibis -> DuckDB", with_ibis, "ibis"), ("Narwhals on pandas", with_narwhals, "narwhals"),
                            ("pandas", with_pandas, "pandas")):
        print(f"| {name} | {best(lambda f=f: f(sample)):.3f} s | {best(lambda f=f: f(big)):.3f} s | "
              f"{import_time(module):.2f} s |")


if __name__ == "__main__":
    main()
