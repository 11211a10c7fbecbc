"""Calibration by simulation: does each default test reject 5% of the time when nothing happened, and
do its intervals cover the truth as often as they say? Run by ``make bench``; never by the tests.

    .venv/bin/python benchmarks/calibration.py                      # every study, default replicates
    .venv/bin/python benchmarks/calibration.py --only reps --replicates 400   # one analysis, quicker

Each analysis keeps its studies in ``benchmarks/calibration_studies/<analysis>.py`` as a list
``STUDIES`` of :class:`Study`: the data-generating process in words with its parameters, what is
measured (``size``: rejection rate under no effect; ``coverage``: how often the interval holds the
truth; ``reliability``: predicted probabilities against observed frequencies by decile), the target,
and a function ``run(replicates, seed) -> dict``. Results go to
``benchmarks/calibration_results/<analysis>.json`` and all of them into ``benchmarks/CALIBRATION.md``,
each with its Monte Carlo error (a Wilson 95% interval over the replicates).

Targets (the statistics issue): at nominal 5%, the 95% Monte Carlo interval of the rejection rate lies
within 3.5-6.5%; 95% intervals cover 93-97%; the feasibility forecast's 80% interval covers 72-88%; P(hit)
deciles are within 0.1 of the observed hit rate.
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDIES_DIR = ROOT / "benchmarks" / "calibration_studies"
RESULTS_DIR = ROOT / "benchmarks" / "calibration_results"
REPORT = ROOT / "benchmarks" / "CALIBRATION.md"
ANALYSES = ("nps", "nps_comments", "reps", "promo", "feasibility", "scorecard")
SEED = 20261028


@dataclass(frozen=True)
class Study:
    """One calibration study.

    ``run(replicates, seed)`` returns ``{"hits": int, "n": int}`` for ``size`` and ``coverage`` studies
    (rejections, or intervals holding the truth, out of ``n`` replicates that gave an answer) plus
    anything worth reporting (``"skipped"``: replicates without an answer, with the reason), or for
    ``reliability`` studies ``{"deciles": [{"predicted": p, "observed": f, "n": k}, ...]}``.
    """
    analysis: str
    name: str
    measure: str  # "size", "coverage" or "reliability"
    dgp: str  # the data-generating process in words, with its parameters
    run: Callable[[int, int], dict] = field(repr=False)
    nominal: float = 0.05  # nominal rejection rate or coverage
    target: tuple[float, float] = (0.035, 0.065)  # where the Monte Carlo interval must lie
    replicates: int = 2000


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson 95% interval of a proportion: the Monte Carlo error of a simulated rate."""
    if n == 0:
        return math.nan, math.nan
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def evaluate(study: Study, replicates: int | None, seed: int) -> dict:
    t0 = time.perf_counter()
    out = study.run(replicates or study.replicates, seed)
    row = {"analysis": study.analysis, "name": study.name, "measure": study.measure, "dgp": study.dgp,
           "nominal": study.nominal, "target": list(study.target), "seconds": round(time.perf_counter() - t0, 1),
           "seed": seed, **{k: v for k, v in out.items() if k not in ("hits", "n", "deciles")}}
    if study.measure == "reliability":
        deciles = out["deciles"]
        worst = max((abs(d["predicted"] - d["observed"]) for d in deciles if d["n"]), default=math.nan)
        row.update(deciles=deciles, worst_gap=worst, met=bool(worst <= study.target[1]))
        return row
    hits, n = int(out["hits"]), int(out["n"])
    lo, hi = wilson(hits, n)
    row.update(hits=hits, n=n, rate=hits / n if n else math.nan, mc_low=lo, mc_high=hi,
               met=bool(study.target[0] <= lo and hi <= study.target[1]))
    return row


def load_studies(only: list[str] | None = None) -> list[Study]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    studies = []
    for analysis in ANALYSES:
        if only and analysis not in only:
            continue
        if not (STUDIES_DIR / f"{analysis}.py").exists():
            continue
        module = importlib.import_module(f"calibration_studies.{analysis}")
        studies += list(module.STUDIES)
    return studies


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def write_report() -> str:
    """``CALIBRATION.md`` from every analysis's saved results."""
    lines = ["# Calibration by simulation", "",
             "Written by `benchmarks/calibration.py` (`make bench`) from `benchmarks/calibration_results/`. "
             "Each rate comes with its Monte Carlo 95% interval (Wilson, over the replicates); a target is met "
             "when that whole interval lies inside it. Size: rejection rate at nominal 5% when nothing "
             "happened. Coverage: how often the interval holds the truth. Reliability: predicted P(hit) "
             "against the observed hit rate, by decile.", ""]
    for analysis in ANALYSES:
        path = RESULTS_DIR / f"{analysis}.json"
        if not path.exists():
            continue
        rows = json.loads(path.read_text(encoding="utf-8"))
        lines += [f"## {analysis}", "", "| study | process | measure | replicates | rate | MC 95% | target | met |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            if r["measure"] == "reliability":
                lines.append(f"| {r['name']} | {r['dgp']} | reliability | {sum(d['n'] for d in r['deciles'])} | "
                             f"worst gap {r['worst_gap']:.3f} | – | ≤ {r['target'][1]:.2f} | "
                             f"{'yes' if r['met'] else '**no**'} |")
            else:
                lines.append(f"| {r['name']} | {r['dgp']} | {r['measure']} | {r['n']} | {_pct(r['rate'])} | "
                             f"{_pct(r['mc_low'])} to {_pct(r['mc_high'])} | {_pct(r['target'][0])} to "
                             f"{_pct(r['target'][1])} | {'yes' if r['met'] else '**no**'} |")
        for r in rows:
            if r.get("note"):
                lines.append(f"\n- {r['name']}: {r['note']}")
        lines.append("")
    text = "\n".join(lines).rstrip() + "\n"
    REPORT.write_text(text, encoding="utf-8")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=ANALYSES, help="analyses to run (default: all)")
    parser.add_argument("--replicates", type=int, default=None, help="replicates per study (default: each study's)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    by_analysis: dict[str, list[dict]] = {}
    for study in load_studies(args.only):
        row = evaluate(study, args.replicates, args.seed)
        by_analysis.setdefault(study.analysis, []).append(row)
        shown = f"worst gap {row['worst_gap']:.3f}" if study.measure == "reliability" else \
            f"{_pct(row['rate'])} ({_pct(row['mc_low'])} to {_pct(row['mc_high'])})"
        print(f"{study.analysis:12} {study.name:40} {shown}  met={row['met']}  {row['seconds']} s", flush=True)
    for analysis, rows in by_analysis.items():
        (RESULTS_DIR / f"{analysis}.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n",
                                                      encoding="utf-8")
    write_report()
    return 0 if all(r["met"] for rows in by_analysis.values() for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
