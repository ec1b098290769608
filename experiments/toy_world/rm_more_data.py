"""E4: more cheap RM data. Reuse a saved ``run_toy.py`` policy, sample 8 responses for N more training-pool
problems (questions the policy was fine-tuned on, as AceMath's RM data reuses SFT prompts), and train
the listwise RM on all groups; evaluate on the saved test samples.

    .venv/bin/python experiments/toy_world/rm_more_data.py /tmp/toyv3_s0 --seed 0 --extra 1500 --epochs 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402
from run_toy import diagnostics  # noqa: E402

from acemath.toy import ToyWorldConfig, build_world  # noqa: E402
from acemath.toy.world import EVAL_SYSTEM  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--extra", type=int, default=1500)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--negs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    data, tok, model = H.load_saved_run(a.run_dir)
    world = build_world(ToyWorldConfig(seed=a.seed, n_math_train=20000, n_general=0, n_test_per_benchmark=50))
    extra = [H.Item(f"{p.question} {EVAL_SYSTEM}", p.solution(), str(p.answer), p.benchmark)
             for p in world.train[: a.extra]]
    t0 = time.time()
    extra_samples = H.generate(model, tok, [t.question for t in extra], n=8, temperature=1.0, seed=a.seed + 7)
    t_sample = time.time() - t0
    rm_items = [H.Item(**t) for t in data["rm_items"]] + extra
    rm_samples = data["rm_samples"] + extra_samples
    groups = H.build_groups([t.question for t in rm_items], rm_samples, [t.gold for t in rm_items],
                            negs=a.negs, seed=a.seed)
    res = {"args": vars(a), "sample_extra_s": round(t_sample, 1),
           **H.rm_on_saved_run(model, tok, data, groups, epochs=a.epochs, lr=a.lr, seed=a.seed)}
    test = [H.Item(**t) for t in data["test"]]
    rewards = res.pop("rewards")
    res["diagnostics"] = diagnostics(test, data["samples"], rewards)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
