"""Retrain only the RM on a saved run (``run_toy.py --save-dir``): compare RM settings on the same samples.

    .venv/bin/python experiments/toy_world/rm_only.py /tmp/toyv2_s0 --epochs 6 --negs 7
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from transformers import AutoTokenizer, Qwen2ForCausalLM

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
    d = Path(a.run_dir)
    data = json.loads((d / "samples.json").read_text())
    tok = AutoTokenizer.from_pretrained(d / "policy")
    model = Qwen2ForCausalLM.from_pretrained(d / "policy")
    test = [H.Item(**t) for t in data["test"]]
    rm_items = [H.Item(**t) for t in data["rm_items"]]
    groups = H.build_groups([t.question for t in rm_items], data["rm_samples"], [t.gold for t in rm_items],
                            negs=a.negs, seed=a.seed)
    rm = H.RM(model)
    t0 = time.time()
    rl = H.train_rm(rm, tok, groups, epochs=a.epochs, lr=a.lr, seed=a.seed)
    t_train = time.time() - t0
    rewards = H.score(rm, tok, [t.question for t in test], data["samples"])
    res = {"args": vars(a), "groups": len(groups), "rm_train_s": round(t_train, 1),
           "rm_loss": [round(rl[0], 3), round(sum(rl[-10:]) / 10, 3)]}
    for tag in sorted({t.tag for t in test}) + ["all"]:
        idx = [i for i, t in enumerate(test) if tag in ("all", t.tag)]
        m = H.metrics([data["greedy"][i] for i in idx], [data["samples"][i] for i in idx],
                      [rewards[i] for i in idx], [test[i].gold for i in idx])
        res[tag] = {k: round(v, 3) for k, v in m.items()}
    res["diagnostics"] = diagnostics(test, data["samples"], rewards)
    res["check_diagnostics"] = check_diagnostics(test, data["samples"], rewards)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
