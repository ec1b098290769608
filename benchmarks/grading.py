"""Grading quality and throughput: acemath's grader vs Math-Verify on the labelled case table.

    .venv/bin/python benchmarks/grading.py [--repeat 3] [--workers 2] [--skip-math-verify]

Cases: tests/grading_cases/cases.txt (every benchmark's answer forms, hard negatives included).
Quality: accuracy, false positives (graded right, labelled wrong) and false negatives for both
graders. Speed: cases per second in one process with caches cleared before each pass (so every
case does real work), the ratio to Math-Verify, and acemath's throughput with a process pool.

Math-Verify runs with its defaults (``parse(response)``, ``parse("$" + gold + "$")``, ``verify``).
The "safety" family is never given to Math-Verify: its expression extractor runs SymPy's
``parse_expr`` on raw text, which would execute those payloads.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from acemath.grading import clear_cache, grade  # noqa: E402
from acemath.grading.run import grade_rows  # noqa: E402
from grading_cases.table import Case, load_cases  # noqa: E402


def ours(case: Case) -> bool:
    return grade(case.response, case.gold, case.benchmark, choices=case.choices, meta=case.meta).correct


def math_verify_grader():  # noqa: ANN201
    import logging

    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)

    def mv(case: Case) -> bool:
        try:
            gold = parse(f"${case.gold}$")
            pred = parse(case.response)
            return bool(verify(gold, pred))
        except Exception:
            return False

    return mv


def quality(name: str, fn, cases: list[Case]) -> dict[str, float]:  # noqa: ANN001
    tp = fp = fn_ = tn = 0
    for c in cases:
        got = fn(c)
        if got and c.correct:
            tp += 1
        elif got and not c.correct:
            fp += 1
        elif not got and c.correct:
            fn_ += 1
        else:
            tn += 1
    acc = (tp + tn) / len(cases)
    print(f"{name:<12} cases {len(cases)}  accuracy {acc:.2%}  false positives {fp}  false negatives {fn_}")
    return {"accuracy": acc, "fp": fp, "fn": fn_}


def speed(fn, cases: list[Case], repeat: int, clear) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(repeat):
        clear()
        t = time.perf_counter()
        for c in cases:
            fn(c)
        best = min(best, time.perf_counter() - t)
    return len(cases) / best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="timed passes; the best is reported")
    ap.add_argument("--workers", type=int, default=2, help="processes for the pooled throughput figure")
    ap.add_argument("--skip-math-verify", action="store_true")
    args = ap.parse_args()

    cases = load_cases()
    comparable = [c for c in cases if not c.family.startswith("safety")]
    print(f"{len(cases)} labelled cases ({sum(not c.correct for c in cases)} labelled wrong); "
          f"{len(comparable)} without the safety family")
    grade(r"\boxed{(x+1)^2}", "x^2+2x+1")  # start the symbolic worker outside the timed region

    quality("acemath", ours, cases)
    quality("acemath*", ours, comparable)
    mv = None if args.skip_math_verify else math_verify_grader()
    if mv is not None:
        quality("math-verify*", mv, comparable)
    print("(* = same cases for both graders: the safety family excluded)")

    def mv_clear() -> None:
        from math_verify.parser import lazy_expr_regex, lazy_latex_regex

        for f in (lazy_expr_regex, lazy_latex_regex):
            getattr(f, "cache_clear", lambda: None)()

    ours_cps = speed(ours, comparable, args.repeat, clear_cache)
    print(f"acemath      {ours_cps:8.1f} cases/s (one process, caches cleared each pass)")
    if mv is not None:
        mv_cps = speed(mv, comparable, args.repeat, mv_clear)
        print(f"math-verify  {mv_cps:8.1f} cases/s (one process)")
        print(f"speed ratio  {ours_cps / mv_cps:8.1f}x")

    rows = [{"id": str(c.line), "gold": c.gold, "responses": [c.response], "benchmark": c.benchmark,
             "choices": c.choices, "meta": c.meta} for c in comparable]
    for w in sorted({1, args.workers}):
        clear_cache()
        t = time.perf_counter()
        n = sum(1 for _ in grade_rows(rows, workers=w, chunk_size=16))
        dt = time.perf_counter() - t
        print(f"acemath grade_rows workers={w}: {n / dt:8.1f} cases/s ({n} cases, {dt:.2f}s incl. pool start)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
