"""How long ``nps.comments`` takes: the sample's 7,845 comments, and 100,000 comments that are all different.

Three measurements, each in this process, best of ``--repeat`` after one warm-up call (the warm-up
loads underthesea's model, about a second, timed separately as ``first call``):

1. the sample (``data/sample/nps_responses.csv``: 7,845 comments, few distinct texts), by region;
2. ``--n`` comments (100,000 by default) joining 1-4 clauses of a bank of Vietnamese and English
   clauses with an order number and a day, so nearly every text is different while clauses repeat,
   as they do in real comments;
3. the segmentation of one clause never seen before, timed on 3,000 distinct clauses, and what it
   gives for ``--n`` comments if no clause repeated (the worst case: each distinct clause is segmented
   once, ``text.clause_words``; every timed run starts with that cache empty).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/nps_comments.py [--n 100000] [--json out.json]``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261028
REGIONS = ["Miền Bắc", "Miền Trung", "Miền Nam", "Tây Nguyên"]
CLAUSES = [
    "giao hàng nhanh", "giao hàng chậm", "nhân viên nhiệt tình", "nhân viên không báo trước", "giá hơi cao",
    "giá hợp lý so với thị trường", "chất lượng ổn định", "phân bón tốt cho lúa", "thức ăn chăn nuôi hơi đắt",
    "cần hỗ trợ kỹ thuật tốt hơn", "sẽ giới thiệu cho bạn bè", "đóng gói cẩn thận", "bao bì bị rách",
    "hàng về trễ mùa vụ", "tư vấn rất chi tiết", "gọi tổng đài không ai nghe", "hạt giống nảy mầm đều",
    "thanh toán tiện lợi", "khuyến mãi ít", "đại lý ở xa", "fast delivery", "friendly staff", "price too high",
    "not happy with the support", "good quality", "late again this month",
]


def synthetic(n: int, seed: int = SEED) -> pd.DataFrame:
    """``n`` answers whose comments join 1-4 clauses, a customer number and a day: nearly all distinct."""
    rng = np.random.default_rng(seed)
    k = rng.integers(1, 5, n)
    picks = rng.integers(0, len(CLAUSES), (n, 4))
    days = rng.integers(1, 29, n)
    texts = [", ".join(CLAUSES[j] for j in picks[i, : k[i]]).capitalize() + f" (đơn {i % 997}, ngày {days[i]})."
             for i in range(n)]
    return pd.DataFrame({"score": rng.integers(0, 11, n).astype(float),
                         "region": rng.choice(REGIONS, n, p=[0.4, 0.08, 0.4, 0.12]), "comment": texts})


def best(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic comments (default 100,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each measurement (best kept)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from kpi_analysis import nps
    from kpi_analysis.nps import text

    def cold(f):  # every timed run segments from scratch: the clause cache is emptied first
        def run():
            text.clause_words.cache_clear()
            return f()
        return run

    sample = pd.read_csv(ROOT / "data" / "sample" / "nps_responses.csv")
    t0 = time.perf_counter()
    nps.comments(sample.head(100), by="region")
    first = time.perf_counter() - t0
    out = {"first call (loads the segmenter), s": round(first, 2)}
    n_sample = int(sample["comment"].fillna("").str.strip().ne("").sum())
    out[f"sample, {n_sample:,} comments by region, s"] = round(
        best(cold(lambda: nps.comments(sample, by="region")), args.repeat), 3)
    big = synthetic(args.n)
    distinct = big["comment"].nunique()
    out[f"{args.n:,} comments ({distinct:,} distinct texts) by region, s"] = round(
        best(cold(lambda: nps.comments(big, by="region")), max(1, args.repeat - 1)), 2)
    rng = np.random.default_rng(SEED)
    clauses = list(dict.fromkeys(" ".join(CLAUSES[j] for j in rng.integers(0, len(CLAUSES), 3)) for _ in range(3000)))
    per = best(cold(lambda: [text.clause_words(c) for c in clauses]), 1) / len(clauses)
    out["segmentation of a distinct clause (3 clauses of the bank run together), ms"] = round(1000 * per, 2)
    out[f"worst case, {args.n:,} comments each a new clause (extrapolated), s"] = round(per * args.n, 0)
    for k, v in out.items():
        print(f"{k:>60}: {v}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
