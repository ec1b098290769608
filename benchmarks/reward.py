"""Listwise vs pairwise RM training time on the same groups, and RM scoring throughput.

    .venv/bin/python benchmarks/reward.py [--size s] [--groups 64] [--threads 1]
    .venv/bin/python benchmarks/reward.py --heldout-seeds 0,1,2,3,4,5   # the held-out learning test, per seed

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
    ap.add_argument("--batch-size", type=int, default=8, help="listwise groups per step")
    ap.add_argument("--pairwise-batch", type=int, default=None,
                    help="pairs per step for pairwise (default: 3x --batch-size, i.e. the same 48 sequences per "
                         "step as 8 groups of 6, so both runs use the same memory per step)")
    ap.add_argument("--score-rows", type=int, default=200, help="rows x 8 responses for the scoring figure")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--heldout-seeds", help="instead: rerun the recipe of the held-out learning test "
                    "(tests/test_reward_model.py) with these training seeds, e.g. 0,1,2")
    ap.add_argument("--data-seed", type=int, default=1, help="toy pool seed for --heldout-seeds (the test: 1)")
    args = ap.parse_args()
    if args.heldout_seeds:
        heldout([int(x) for x in args.heldout_seeds.split(",")], args.data_seed, args.threads)
        return

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
        pairwise_batch = args.pairwise_batch or 3 * args.batch_size
        for loss in ("listwise", "pairwise"):
            counter = ForwardCounter()
            batch = args.batch_size if loss == "listwise" else pairwise_batch
            cfg = RMTrainConfig(model=str(model_dir), data=str(data), loss=loss, epochs=1, lr=1e-3,
                                batch_size=batch, max_length=256, save=False, cpu=True)
            res = train_reward_model(cfg, counter=counter, quiet=True)
            out[loss] = {"seconds_per_epoch": res.seconds, "sequences": counter.sequences, "steps": res.steps,
                         "batch": batch}
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


def heldout(seeds: list[int], data_seed: int, threads: int) -> None:
    """The recipe of test_tiny_rm_learns_to_rank_correct_answers_on_heldout_problems, one line per seed."""
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    from acemath.io import write_jsonl
    from acemath.metrics import rm_at_k_expected
    from acemath.reward.data import build_groups
    from acemath.reward.model import load_reward_model
    from acemath.reward.score import RewardScorer
    from acemath.reward.toydata import boxed_value_scores, heldout_split, pairwise_accuracy, toy_samples
    from acemath.reward.train import RMTrainConfig, train_reward_model
    from acemath.tiny import build_tiny_model

    def quality(model: object, tok: object, rows: list[dict]) -> dict[str, float]:
        rewards = RewardScorer(model, tok, batch_size=64, max_length=128, system=None).score_rows(rows)
        rm8 = float(np.mean([rm_at_k_expected(r, row["correct"], 8) for row, r in zip(rows, rewards, strict=True)]))
        return {"pairwise_accuracy": round(pairwise_accuracy(rows, rewards), 3), "rm@8_exact": round(rm8, 3)}

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_tiny_model(Path(tmp) / "model", "xs", seed=0)
        train_rows, test_rows = heldout_split(toy_samples(5000, seed=data_seed, n=8, steps=1, max_term=30),
                                              train=2400, test=160)
        groups, _ = build_groups(enumerate(train_rows, 1), per_problem=4, seed=0)
        data = Path(tmp) / "groups.jsonl"
        write_jsonl(data, groups)
        value_only = pairwise_accuracy(test_rows, boxed_value_scores(train_rows, test_rows))
        for seed in seeds:
            untrained = quality(*load_reward_model(str(model_dir), seed=seed), test_rows)
            cfg = RMTrainConfig(model=str(model_dir), data=str(data), lr=5e-3, epochs=1, batch_size=8,
                                max_length=128, log_every=25, save=False, cpu=True, system=None, seed=seed)
            res = train_reward_model(cfg, quiet=True)
            trained = quality(res.model, load_reward_model(str(model_dir), seed=seed)[1], test_rows)
            print(json.dumps({"seed": seed, "data_seed": data_seed, "steps": res.steps,
                              "train_seconds": round(res.seconds, 1),
                              "loss": [round(res.history[0]["loss"], 3), round(res.history[-1]["loss"], 3)],
                              "boxed_value_only": round(value_only, 3), "untrained": untrained,
                              "trained": trained}), flush=True)


if __name__ == "__main__":
    main()
