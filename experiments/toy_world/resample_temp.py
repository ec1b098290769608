"""E6: the same saved policy (``run_toy.py --save-dir``), sampled at another temperature: test and RM
samples are redrawn at ``--temp``, the listwise RM retrained, metrics recomputed (greedy is unchanged).

    .venv/bin/python experiments/toy_world/resample_temp.py /tmp/toyv5_s0 --seed 0 --temp 0.7
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--temp", type=float, default=0.7)
    ap.add_argument("--epochs", type=int, default=4)
    a = ap.parse_args()
    torch.set_num_threads(1)
    data, tok, model = H.load_saved_run(a.run_dir)
    test = [H.Item(**t) for t in data["test"]]
    rm_items = [H.Item(**t) for t in data["rm_items"]]
    t0 = time.time()
    samples = H.generate(model, tok, [t.question for t in test], n=8, temperature=a.temp, seed=a.seed)
    rm_samples = H.generate(model, tok, [t.question for t in rm_items], n=8, temperature=a.temp, seed=a.seed + 1)
    t_sample = time.time() - t0
    groups = H.build_groups([t.question for t in rm_items], rm_samples, [t.gold for t in rm_items], seed=a.seed)
    # greedy is unchanged; the redrawn samples replace the saved ones
    res = {"args": vars(a), "sample_s": round(t_sample, 1),
           **H.rm_on_saved_run(model, tok, {**data, "samples": samples}, groups, epochs=a.epochs, lr=1e-3,
                               seed=a.seed)}
    rewards = res.pop("rewards")
    res["diagnostics"] = diagnostics(test, samples, rewards)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
