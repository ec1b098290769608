"""``acemath metrics INPUT [INPUT ...]``: greedy pass@1, pass@k, maj@k and rm@k with the AceMath protocol.

Reads acemath sample files and Qwen2.5-Math toolkit outputs (see :mod:`acemath.metrics.loading`),
prints a table (benchmarks as columns, the unweighted average last) and optionally writes JSON or a
full report folder (report.md, metrics.json, PNG plots, run.json).
"""

from __future__ import annotations

import argparse
import inspect
import sys
from typing import Any

from acemath.errors import ConfigError, InputError
from acemath.metrics.loading import load_samples, merge_names
from acemath.metrics.protocol import DEFAULT_SEEDS, curves, evaluate, with_groups
from acemath.metrics.selection import EquivalenceFn

TIE_RULES = {
    "rm@k": "highest reward; equal rewards -> the sample with the lowest index in the file",
    "maj@k first": "most votes; equal votes -> the group whose earliest drawn member comes first in the file",
    "maj@k reward": "most votes; equal votes -> highest total reward of the drawn members, then earliest",
    "maj@k verdict": "the verdict of the winning group's earliest drawn member; samples with no answer never vote",
}


def _ks(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        ks = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise ConfigError(f"--k takes comma-separated integers like 1,8,64, got {text!r}") from None
    if not ks or ks[0] < 1:
        raise ConfigError(f"--k values must be >= 1, got {text!r}")
    return ks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="graded sample files (JSONL/Parquet): acemath rows or Qwen2.5-Math outputs")
    parser.add_argument("--benchmark", help="benchmark name for rows without a 'benchmark' field "
                        "(default: the parent folder if it is a registered benchmark, else the file name)")
    parser.add_argument("--k", help="comma-separated k values (default: 1 and 8, or 1 and n when n < 8)")
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, help="number of seeds S (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="base seed of the draws (default 0)")
    parser.add_argument("--json", metavar="OUT", help="write the metrics as JSON to this file")
    parser.add_argument("--out", metavar="DIR",
                        help="write a report folder: report.md, metrics.json, metrics.png, curves.png, run.json")
    parser.add_argument("--regrade", action="store_true",
                        help="grade every response again with acemath.grading instead of using the file's labels")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per grading/equivalence check")
    parser.add_argument("--maj-grouping", choices=("equivalence", "string"), default="equivalence",
                        help="maj@k votes over answers grouped by the grader's equivalence (default) or by "
                        "normalised string only")
    parser.add_argument("--maj-tie-break", choices=("first", "reward"), default="first",
                        help="equal votes: earliest group in the file (default) or highest total reward")


def _equivalence(args: argparse.Namespace, notes: list[str]) -> tuple[EquivalenceFn | None, str]:
    if args.maj_grouping == "string":
        return None, "normalised string"
    from acemath.metrics import grader_equivalence

    fn = grader_equivalence(args.timeout)
    if fn is None:
        notes.append("acemath.grading.answers_equivalent is not available: maj@k grouped answers by "
                     "normalised string only")
        return None, "normalised string (grader unavailable)"
    return fn, "acemath.grading.answers_equivalent"


def _grade_fn(timeout: float) -> Any:
    try:
        from acemath.grading import grade  # type: ignore[attr-defined]
    except ImportError as exc:
        raise ConfigError("--regrade needs acemath.grading.grade, which is not available") from exc

    from acemath.benchmarks import BENCHMARKS

    takes_timeout = "timeout" in inspect.signature(grade).parameters
    extra = {"timeout": timeout} if takes_timeout else {}

    def regrade(response: str, gold: str, *, benchmark: str | None = None) -> Any:
        return grade(response, gold, benchmark=benchmark if benchmark in BENCHMARKS else None, **extra)

    return regrade


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from acemath.io import write_json, write_run_json
    from acemath.metrics.report import TIE_RULES_NOTE, render_table, to_json, write_report

    if args.seeds < 1:
        raise ConfigError("--seeds must be >= 1")
    if args.seed < 0:
        raise ConfigError("--seed must be >= 0")
    ks = _ks(args.k)
    notes: list[str] = []
    loaded = load_samples(args.inputs, benchmark=args.benchmark,
                          regrade=_grade_fn(args.timeout) if args.regrade else None)
    equivalent, grouping = _equivalence(args, notes)
    metrics: dict[str, dict[str, Any]] = {}
    curve_data: dict[str, dict[str, list[float]]] = {}
    info: dict[str, Any] = {}
    for name in merge_names(loaded.problems):
        problems = loaded.problems[name]
        ns = [p.n for p in problems]
        bench_ks = ks if ks is not None else sorted({1, min(8, min(ns))})
        bench_notes: list[str] = []
        if args.maj_tie_break == "reward" and not all(p.rewards is not None for p in problems):
            raise ConfigError(f"--maj-tie-break reward needs per-sample rewards, and {name!r} has none")
        if any(p.preds is not None for p in problems) and max(ns) > 1:
            problems = with_groups(problems, equivalent)
        metrics[name] = evaluate(problems, bench_ks, seeds=args.seeds, base_seed=args.seed, equivalent=equivalent,
                                 tie_break=args.maj_tie_break, notes=bench_notes)
        notes += [f"{name}: {n}" for n in bench_notes]
        if args.out and max(ns) > 1:
            curve_data[name] = curves(problems, seeds=args.seeds, base_seed=args.seed, equivalent=equivalent,
                                      tie_break=args.maj_tie_break)
        info[name] = {"problems": len(problems), "samples_per_problem": [min(ns), max(ns)],
                      "rewards": all(p.rewards is not None for p in problems),
                      "layouts": sorted(loaded.layouts[name]), "sources": loaded.sources[name]}
        if loaded.statuses.get(name):
            info[name]["regrade_status"] = loaded.statuses[name]
        if not metrics[name]:
            notes.append(f"{name}: no metric could be computed")
    protocol = {"seeds": args.seeds, "base_seed": args.seed, "k": ks or "default (1 and min(8, n))",
                "sampling": "k of n without replacement per problem and seed; mean over problems, then over seeds",
                "std": "sample standard deviation over seeds (ddof=1)", "maj_grouping": grouping,
                "maj_tie_break": args.maj_tie_break, "tie_rules": TIE_RULES,
                "labels": "regraded with acemath.grading" if args.regrade else "as given in the files"}
    console = Console(width=max(100, 24 + 18 * (len(metrics) + 1)))
    console.print(render_table(metrics))
    console.print(TIE_RULES_NOTE, style="dim")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        write_json(args.json, to_json(metrics, protocol=protocol, info=info, notes=notes))
        console.print(f"wrote {args.json}")
    if args.out:
        paths = write_report(metrics, args.out, curves=curve_data or None, notes=notes, protocol=protocol, info=info)
        write_run_json(args.out, "metrics", vars(args))
        console.print(f"wrote {', '.join(str(p) for p in paths.values())}")
    if not any(metrics.values()):
        raise InputError("no metric could be computed from these files")
    return 0
