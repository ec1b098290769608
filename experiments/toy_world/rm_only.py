"""Retrain only the RM on a saved run (``run_toy.py --save-dir``): compare RM settings on the same samples.

    .venv/bin/python experiments/toy_world/rm_only.py /tmp/toyv2_s0 --epochs 6 --negs 7
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402
from run_toy import check_diagnostics, diagnostics  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--negs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    data, tok, model = H.load_saved_run(a.run_dir)
    test = [H.Item(**t) for t in data["test"]]
    rm_items = [H.Item(**t) for t in data["rm_items"]]
    groups = H.build_groups([t.question for t in rm_items], data["rm_samples"], [t.gold for t in rm_items],
                            negs=a.negs, seed=a.seed)
    res = H.rm_on_saved_run(model, tok, data, groups, epochs=a.epochs, lr=a.lr, seed=a.seed)
    rewards = res.pop("rewards")
    res["diagnostics"] = diagnostics(test, data["samples"], rewards)
    res["check_diagnostics"] = check_diagnostics(test, data["samples"], rewards)
    print(json.dumps({"args": vars(a), **res}, indent=1))


if __name__ == "__main__":
    main()
