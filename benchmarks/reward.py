"""Listwise vs pairwise RM training time on the same groups, and RM scoring throughput.

    .venv/bin/python benchmarks/reward.py [--size s] [--groups 64] [--threads 1]

The paper (PAPER.md 6.4) reports ~3.7x more training time for pairwise Bradley-Terry than listwise with
6 responses per problem. With k positives and m negatives, listwise scores k+m sequences per group and
pairwise 2km (3+3: 6 vs 18, i.e. 3x the sequences); wall time follows the sequence count.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="s", help="tiny model size (xs, s, m, l)")
    ap.add_argument("--groups", type=int, default=64, help="groups of 3 positives + 3 negatives")
    ap.add_argument("--batch-size", type=int, default=8, help="groups per step (pairwise: pairs per step)")
    ap.add_argument("--score-rows", type=int, default=200, help="rows x 8 responses for the scoring figure")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from acemath.io import write_jsonl
    from acemath.reward.data import build_groups
    from acemath.reward.model import ForwardCounter
    from acemath.reward.score import RewardScorer
    from acemath.reward.toydata import toy_samples
    from acemath.reward.train import RMTrainConfig, train_reward_model
    from acemath.tiny import build_tiny_model

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_tiny_model(Path(tmp) / "model", args.size, seed=0)
        rows = toy_samples(args.groups, seed=0, n=6)
        for r in rows:
            r["correct"] = [True] * 3 + [False] * 3
        groups, _ = build_groups(enumerate(rows, 1), per_problem=6)
        data = Path(tmp) / "groups.jsonl"
        write_jsonl(data, groups)
        out: dict[str, dict[str, float]] = {}
        for loss in ("listwise", "pairwise"):
            counter = ForwardCounter()
            cfg = RMTrainConfig(model=str(model_dir), data=str(data), loss=loss, epochs=1, lr=1e-3,
                                batch_size=args.batch_size, max_length=256, save=False, cpu=True)
            res = train_reward_model(cfg, counter=counter, quiet=True)
            out[loss] = {"seconds_per_epoch": res.seconds, "sequences": counter.sequences, "steps": res.steps}
        ratio = out["pairwise"]["seconds_per_epoch"] / out["listwise"]["seconds_per_epoch"]

        scorer = RewardScorer(str(model_dir), batch_size=32, max_length=256)
        samples = toy_samples(args.score_rows, seed=1, n=8)
        t0 = time.perf_counter()
        scorer.score_rows(samples)
        secs = time.perf_counter() - t0
        n = sum(len(r["responses"]) for r in samples)
    report = {"size": args.size, "groups": args.groups, "threads": args.threads, "train": out,
              "pairwise_over_listwise_time": ratio,
              "scoring": {"responses": n, "seconds": secs, "responses_per_second": n / secs}}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
