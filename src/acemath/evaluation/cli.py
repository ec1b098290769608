"""``acemath eval``: generate, grade and report metrics over several benchmarks in one command.

    acemath tiny-model --out tiny
    acemath eval --model tiny --benchmarks gsm8k,math500 --data-dir ../shared/data/benchmarks \\
        --limit 5 --n 4 --temperature 0.7 --top-p 0.95 --max-tokens 64 --out runs/tiny-eval

Greedy pass@1 always; with --n > 1 also pass@k and maj@k (k = n, plus --ks); rm@k with --rm MODEL.
Rerun the same command to resume an interrupted run.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from acemath.errors import ConfigError
from acemath.generation.cli import add_backend_arguments, backend_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="local model directory or hub id")
    parser.add_argument("--benchmarks", required=True, help="comma-separated benchmark names")
    parser.add_argument("--data-dir", default=None, help="directory holding <benchmark>/test.jsonl")
    parser.add_argument("--limit", type=int, default=None, help="first N problems of each benchmark")
    parser.add_argument("--n", type=int, default=1, help="samples per problem for maj@k / pass@k (1 = greedy only)")
    parser.add_argument("--temperature", type=float, default=0.7, help="for the n samples (greedy pass is T=0)")
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=2048)
    parser.add_argument("--ks", default="", help="extra k values for pass@k / maj@k, e.g. 2,4 (k = n always)")
    parser.add_argument("--metric-seeds", type=int, default=100, help="seeds of the k-of-n protocol")
    parser.add_argument("--rm", default=None, help="reward model for rm@k (acemath.reward.score)")
    parser.add_argument("--workers", type=int, default=1, help="grading processes")
    parser.add_argument("--out", default=None, help="run folder (default: runs/eval-<time>)")
    parser.add_argument("--no-progress", action="store_true")
    add_backend_arguments(parser)


def _ks(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ConfigError(f"--ks {text!r}: expected comma-separated integers") from None


def run(args: argparse.Namespace) -> int:
    from acemath.evaluation.run import EvalConfig, run_eval

    benches = [b.strip() for b in args.benchmarks.split(",") if b.strip()]
    cfg = EvalConfig(model=args.model, benchmarks=benches, data_dir=args.data_dir, limit=args.limit, n=args.n,
                     temperature=args.temperature, top_p=args.top_p, seed=args.seed, max_tokens=args.max_tokens,
                     stop=tuple(args.stop), backend=args.backend, prompt=args.prompt, batch_size=args.batch_size,
                     backend_options=backend_options(args), workers=args.workers, ks=_ks(args.ks),
                     metric_seeds=args.metric_seeds, rm=args.rm)
    out = Path(args.out or f"runs/eval-{dt.datetime.now():%Y%m%d-%H%M%S}")
    run_eval(cfg, out, progress=not args.no_progress)
    print(f"{out}: run.json, metrics.json, report.md, metrics.png and per-benchmark samples")
    return 0
