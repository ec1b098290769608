"""``acemath rm data|train|score``: build RM groups, train a reward model, score samples offline."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="rm_command", required=True, metavar="{data,train,score}")

    d = sub.add_parser("data", help="graded samples -> balanced RM groups {id, prompt, responses, labels}")
    d.add_argument("graded", help="graded samples (JSONL/Parquet with question, responses, correct)")
    d.add_argument("-o", "--out", required=True, help="output groups JSONL")
    d.add_argument("--per-problem", type=int, default=6, help="responses per group (paper: 6)")
    d.add_argument("--strategy", choices=("random", "score-sorted"), default="random")
    d.add_argument("--top-k", type=int, default=14, help="score-sorted: draw from the top-k positives and "
                   "bottom-k negatives (paper: 14)")
    d.add_argument("--scores", help="JSONL {id, rewards} from an existing RM (else the rows' `rewards`)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--pairs", help="also write chosen/rejected pairs {id, prompt, chosen, rejected} here")

    t = sub.add_parser("train", help="train a reward model on groups (listwise Bradley-Terry by default)")
    t.add_argument("--model", help="SFT/instruct checkpoint (folder or hub id)")
    t.add_argument("--data", help="groups JSONL from `acemath rm data`")
    t.add_argument("--loss", choices=("listwise", "pairwise", "ce", "mse"))
    t.add_argument("--out", help="output folder (HF model + tokenizer + run.json)")
    # nargs="+" (as in `acemath sft`): `--config FILE key=value ...` keeps the overrides with the file
    t.add_argument("--config", nargs="+", metavar="FILE [key=value]",
                   help="YAML file with any train setting (see docs/reward.md), optionally followed by overrides")
    t.add_argument("--epochs", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--batch-size", type=int, help="groups per step (pairs per step for pairwise)")
    t.add_argument("--max-length", type=int)
    t.add_argument("--seed", type=int)
    t.add_argument("overrides", nargs="*", metavar="key=value", help="any train setting, e.g. warmup_steps=10")

    s = sub.add_parser("score", help="add `rewards` to every sample row (resumable, sharded)")
    s.add_argument("samples", help="samples JSONL/Parquet with question (or prompt) and responses")
    s.add_argument("-o", "--out", required=True, help="scored JSONL (rerun the same command to resume)")
    s.add_argument("--rm", required=True, help="trained reward model folder (or hub id)")
    s.add_argument("--batch-size", type=int, default=16)
    s.add_argument("--max-length", type=int, default=2048, help="longer inputs keep their last tokens (counted)")
    s.add_argument("--shard", help="i/N: score rows whose position p has p %% N == i (0-based)")
    s.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: cuda if available)")
    s.add_argument("--dtype", help="e.g. bfloat16")
    s.add_argument("--no-system", action="store_true", help="render without the AceMath-RM system prompt")


def run(args: argparse.Namespace) -> int:
    return {"data": _run_data, "train": _run_train, "score": _run_score}[args.rm_command](args)


def _run_data(args: argparse.Namespace) -> int:
    from acemath.io import iter_rows, write_jsonl, write_run_json
    from acemath.reward.data import build_groups, groups_to_pairs, load_scores_file

    scores = load_scores_file(args.scores) if args.scores else None
    groups, stats = build_groups(iter_rows(args.graded), per_problem=args.per_problem, strategy=args.strategy,
                                 top_k=args.top_k, seed=args.seed, scores_by_id=scores, path=args.graded)
    write_jsonl(args.out, groups)
    if args.pairs:
        write_jsonl(args.pairs, groups_to_pairs(groups))
    config = {k: v for k, v in vars(args).items() if k != "rm_command"}
    write_run_json(Path(args.out).parent, "acemath rm data", config, counts=stats.to_dict())
    print(stats.summary())
    print(f"wrote {len(groups)} groups to {args.out}")
    return 0


def build_train_config(args: argparse.Namespace) -> Any:
    """Defaults <- --config YAML <- explicit flags <- key=value overrides (later wins), via acemath.config."""
    from acemath.reward.train import load_train_config

    path, *after_file = args.config or [None]
    flags = {"model": args.model, "data": args.data, "loss": args.loss, "out": args.out, "epochs": args.epochs,
             "lr": args.lr, "batch_size": args.batch_size, "max_length": args.max_length, "seed": args.seed}
    return load_train_config(path, [*after_file, *args.overrides], flags)


def _run_train(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from acemath.io import write_run_json
    from acemath.reward.train import train_reward_model

    cfg = build_train_config(args)
    result = train_reward_model(cfg)
    write_run_json(cfg.out, "acemath rm train", asdict(cfg), result=result.to_dict())
    print(f"trained {result.steps} steps ({result.epochs} epochs, {result.examples} examples, "
          f"{result.sequences_scored} sequences scored) in {result.seconds:.1f}s; final loss {result.final_loss:.4f}, "
          f"in-group top-1 {result.train_top1:.3f}; truncated inputs {result.truncated}; saved to {cfg.out}")
    return 0


def _run_score(args: argparse.Namespace) -> int:
    from acemath.io import write_run_json
    from acemath.reward.model import RM_SYSTEM_PROMPT
    from acemath.reward.score import RewardScorer, parse_shard, score_file

    shard = parse_shard(args.shard)
    scorer = RewardScorer(args.rm, batch_size=args.batch_size, max_length=args.max_length, device=args.device,
                          dtype=args.dtype, system=None if args.no_system else RM_SYSTEM_PROMPT)
    counts = score_file(args.samples, args.out, scorer, shard=shard)
    config = {k: v for k, v in vars(args).items() if k != "rm_command"}
    out_dir = Path(args.out).parent
    write_run_json(out_dir, "acemath rm score", config, counts=counts)
    print(json.dumps(counts))
    if counts["truncated"]:
        print(f"warning: {counts['truncated']} inputs were longer than --max-length {args.max_length} "
              "and kept only their last tokens")
    return 0
