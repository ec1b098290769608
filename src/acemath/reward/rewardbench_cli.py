"""``acemath rewardbench``: judge a reward model on AceMath-RewardBench, RewardBench MATH500 or RewardMATH."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from acemath.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from acemath.reward.rewardbench import FORMATS, HUB_DEFAULTS

    parser.add_argument("--rm", help="reward model folder or hub id (acemath format: optional when the "
                        "file already has `rewards`)")
    parser.add_argument("--data", help="local file/folder or hub id (defaults: " +
                        ", ".join(f"{k}: {v}" for k, v in HUB_DEFAULTS.items()) + ")")
    parser.add_argument("--format", choices=FORMATS, default="acemath")
    parser.add_argument("--seeds", type=int, default=100, help="random draws of k candidates (paper: 100)")
    parser.add_argument("--k", type=int, default=8, help="candidates per draw (paper: 8)")
    parser.add_argument("--maj-grouping", choices=("equivalence", "string"), default="equivalence",
                        help="majority@k groups answers by the grader's equivalence (default) or by "
                        "normalised string, as `acemath metrics` does")
    parser.add_argument("--limit", type=int, help="first N problems per dataset (smoke runs)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=2048)
    parser.add_argument("--device")
    parser.add_argument("--dtype")
    parser.add_argument("--out", help="folder for report.json, report.md and run.json")


def run(args: argparse.Namespace) -> int:
    from acemath.io import write_json, write_run_json
    from acemath.reward import rewardbench as rb

    data = args.data or rb.HUB_DEFAULTS[args.format]
    score = None
    truncated = 0
    scorer = None
    if args.rm:
        from acemath.reward.score import RewardScorer

        scorer = RewardScorer(args.rm, batch_size=args.batch_size, max_length=args.max_length, device=args.device,
                              dtype=args.dtype)
        score = scorer.score
    name = Path(args.rm).name if args.rm else "precomputed rewards"
    if args.format == "acemath":
        sets = rb.load_acemath(data, limit=args.limit)
        if score is None and not all(c.rewards is not None for items in sets.values() for c in items):
            raise ConfigError("--rm is required unless every candidate set carries `rewards`")
        result = rb.evaluate_acemath(sets, score, k=args.k, seeds=args.seeds,
                                     equivalent=None if args.maj_grouping == "string" else "auto")
        text = rb.table6_markdown(result, name)
        if result["notes"]:
            text += "\n\n" + "\n".join(f"note: {n}" for n in result["notes"])
    else:
        if score is None:
            raise ConfigError(f"--rm is required for --format {args.format}")
        loader = rb.load_rewardbench_math if args.format == "rewardbench-math" else rb.load_rewardmath
        result = rb.evaluate_comparisons(loader(data, limit=args.limit), score)
        title = "RewardBench MATH500" if args.format == "rewardbench-math" else "RewardMATH MATH500"
        text = (f"| Model | {title} |\n|---|---|\n| Random | {result['random']:.2f} |\n"
                f"| {name} | {result['accuracy']:.2f} |\n\n{result['problems']} problems")
    if scorer is not None:
        truncated = scorer.truncated
        result["truncated"] = truncated
    print(text)
    if truncated:
        print(f"warning: {truncated} inputs exceeded --max-length {args.max_length} and kept their last tokens")
    if args.out:
        write_json(Path(args.out) / "report.json", result)
        (Path(args.out) / "report.md").write_text(text + "\n")
        write_run_json(args.out, "acemath rewardbench", vars(args), data=data)
    else:
        print(json.dumps({k: v for k, v in result.items() if k != "datasets"}, default=str))
    return 0
