"""Curation throughput: dedup and decontamination of generated prompts against every benchmark test set.

    .venv/bin/python benchmarks/curation.py --n 1000000 --data-dir ../shared/data/benchmarks

Generates ``--n`` procedural math word problems (acemath.curation.synthetic), with 5% case/whitespace
duplicates and 0.5% lightly edited copies of real test questions mixed in, writes them as JSONL, then
times ``dedup`` (exact; ``--near`` adds MinHash LSH) and ``decontam --against all``, each in a fresh
process so that peak memory (``resource.getrusage`` max RSS) is per step. Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from pathlib import Path


def generate(path: Path, n: int, data_dir: str | None, seed: int = 0) -> dict[str, int]:
    from acemath.curation.decontam import load_test_sets
    from acemath.curation.synthetic import contaminate, make_problem

    rng = random.Random(seed)
    tests = [q for items in load_test_sets(["all"], data_dir=data_dir)[0].values() for _, q in items] if data_dir else []
    counts = {"rows": 0, "duplicates": 0, "contaminated": 0}
    recent: list[str] = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            u = rng.random()
            if u < 0.05 and recent:
                q = rng.choice(recent)
                q = rng.choice([q.upper(), q.lower(), "  " + q.replace(" ", "  ") + "\n"])
                counts["duplicates"] += 1
            elif u < 0.055 and tests:
                q, _ = contaminate(rng.choice(tests), rng)
                counts["contaminated"] += 1
            else:
                q = make_problem(rng).question
                if len(recent) < 10000:
                    recent.append(q)
                else:
                    recent[rng.randrange(10000)] = q
            fh.write(json.dumps({"id": f"g{i}", "prompt": q, "source": "generated"}) + "\n")
            counts["rows"] += 1
    return counts


def _step(kind: str, src: str, out: str, data_dir: str | None, near: bool, q: mp.Queue) -> None:
    t0 = time.perf_counter()
    extra = {}
    if kind == "dedup":
        from acemath.curation.dedup import dedup
        from acemath.curation.minhash import MinHashConfig

        rep = dedup(src, out, near=MinHashConfig() if near else None)
    else:
        from acemath.curation.decontam import build_index, decontaminate, load_test_sets

        t1 = time.perf_counter()
        sets, missing = load_test_sets(["all"], data_dir=data_dir)
        index = build_index(sets)
        extra = {"index_seconds": round(time.perf_counter() - t1, 2), "test_items": len(index.items),
                 "test_ngrams": index.num_ngrams, "missing": missing}
        rep = decontaminate(src, out, index, missing=missing)
    secs = time.perf_counter() - t0
    q.put({"step": kind, "seconds": round(secs, 1), "rows": rep["rows_in"], "prompts_per_second": round(rep["rows_in"] / secs),
           "kept": rep["kept"], "dropped": rep["dropped_by_reason"],
           "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), **extra})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1].parent / "shared/data/benchmarks"))
    ap.add_argument("--near", action="store_true", help="also time MinHash LSH near-dedup")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        src = Path(tmp) / "prompts.jsonl"
        t0 = time.perf_counter()
        counts = generate(src, args.n, args.data_dir)
        results: dict = {"n": args.n, "generated": counts, "generate_seconds": round(time.perf_counter() - t0, 1),
                         "input_mib": round(src.stat().st_size / 2**20)}
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        prev = str(src)
        for kind in ("dedup", "decontam"):
            out = str(Path(tmp) / kind)
            p = ctx.Process(target=_step, args=(kind, prev, out, args.data_dir, args.near, q))
            p.start()
            res = q.get()
            p.join()
            results[kind] = res
            prev = out
        results["total_seconds"] = round(results["dedup"]["seconds"] + results["decontam"]["seconds"], 1)
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
