"""``acemath generate``: sample responses for a benchmark into a resumable, shardable JSONL file.

    acemath generate --model DIR --benchmark gsm8k --data-dir ../shared/data/benchmarks --limit 50 \\
        --n 8 --temperature 0.7 --top-p 0.95 --seed 0 --max-tokens 2048 -o samples.jsonl

Kill it at any moment and rerun the same command: finished problems are kept, the rest generated.
"""

from __future__ import annotations

import argparse
import sys

from acemath.generation.run import GenerateConfig, parse_shard, run_generation


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags shared by ``generate`` and ``eval``."""
    g = parser.add_argument_group("backend")
    g.add_argument("--backend", default="hf", choices=["hf", "vllm", "openai", "scripted"])
    g.add_argument("--prompt", default="auto",
                   help="prompt preset: auto (mmlu-5shot for mmlu_stem, else cot), cot, mmlu-5shot, raw")
    g.add_argument("--batch-size", type=int, default=None,
                   help="rows (prompts x samples) per backend call (default: hf 64, vllm 4096, openai 64)")
    g.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    g.add_argument("--device", default=None, help="hf: cpu, cuda, cuda:1 (default: cuda if available)")
    g.add_argument("--dtype", default="auto", help="hf/vllm: auto, float32, bfloat16, float16")
    g.add_argument("--tokenizer", default=None, help="tokenizer path/id if not the model's")
    g.add_argument("--trust-remote-code", action="store_true",
                   help="allow the model repo's own Python code to run (off by default)")
    g.add_argument("--tensor-parallel-size", type=int, default=1, help="vllm: GPUs per model")
    g.add_argument("--base-url", default=None, help="openai: server URL ending in /v1 (or $OPENAI_BASE_URL)")
    g.add_argument("--api-key-env", default="OPENAI_API_KEY", help="openai: environment variable with the key")
    g.add_argument("--served-model", default=None, help="openai: model name on the server (default: --model)")
    g.add_argument("--concurrency", type=int, default=8, help="openai: requests in flight")
    g.add_argument("--request-timeout", type=float, default=600.0, help="openai: seconds per request")
    g.add_argument("--max-retries", type=int, default=5, help="openai: retries per request (exponential backoff)")
    g.add_argument("--retry-backoff", type=float, default=1.0, help="openai: first backoff in seconds (doubles)")


def backend_options(args: argparse.Namespace) -> dict:
    opts = {"device": args.device, "dtype": args.dtype, "tokenizer": args.tokenizer,
            "trust_remote_code": bool(args.trust_remote_code), "tensor_parallel_size": args.tensor_parallel_size,
            "base_url": args.base_url, "api_key_env": args.api_key_env, "served_model": args.served_model,
            "concurrency": args.concurrency, "timeout_s": args.request_timeout, "max_retries": args.max_retries,
            "backoff_s": args.retry_backoff, "seed": args.seed}
    if args.batch_size:
        opts["batch_size"] = args.batch_size
    return {k: v for k, v in opts.items() if v is not None}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="local model directory or hub id")
    parser.add_argument("--benchmark", required=True, help="benchmark name (see `acemath benchmarks`)")
    parser.add_argument("--data", default=None, help="JSONL/Parquet file with the problems")
    parser.add_argument("--data-dir", default=None, help="directory holding <benchmark>/test.jsonl")
    parser.add_argument("--limit", type=int, default=None, help="first N problems only")
    parser.add_argument("--n", type=int, default=1, help="samples per problem")
    parser.add_argument("--temperature", type=float, default=0.0, help="0 = greedy")
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=2048)
    parser.add_argument("--shard", default="0/1", help="i/N: generate every N-th problem starting at i")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("-o", "--out", required=True, help="output JSONL (appended; a rerun resumes)")
    add_backend_arguments(parser)


def config_from_args(args: argparse.Namespace, benchmark: str | None = None, **overrides) -> GenerateConfig:
    values = dict(model=args.model, benchmark=benchmark or args.benchmark, data=getattr(args, "data", None),
                  data_dir=args.data_dir, limit=args.limit, n=args.n, temperature=args.temperature, top_p=args.top_p,
                  seed=args.seed, max_tokens=args.max_tokens, stop=tuple(args.stop), backend=args.backend,
                  prompt=args.prompt, batch_size=args.batch_size, backend_options=backend_options(args))
    values.update(overrides)
    return GenerateConfig(**values)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args, shard=parse_shard(args.shard))
    summary = run_generation(cfg, args.out, progress=not args.no_progress)
    print(f"{summary.out}: {summary.generated} problems generated, {summary.skipped} resumed, "
          f"{summary.failed} failed; {summary.samples} samples, truncated at --max-tokens: "
          f"{summary.truncated} ({summary.truncation_rate:.1%})")
    if summary.truncation_rate > 0.05:
        print(f"warning: {summary.truncation_rate:.1%} of samples hit --max-tokens {cfg.max_tokens}; "
              "their answers are likely cut off", file=sys.stderr)
    if summary.failed:
        print(f"{summary.failed} problems failed; rerun the same command to retry them", file=sys.stderr)
        return 1
    return 0
