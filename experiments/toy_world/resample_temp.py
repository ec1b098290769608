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
from transformers import AutoTokenizer, Qwen2ForCausalLM

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
    d = Path(a.run_dir)
    data = json.loads((d / "samples.json").read_text())
    tok = AutoTokenizer.from_pretrained(d / "policy")
    model = Qwen2ForCausalLM.from_pretrained(d / "policy")
    model.eval()
    test = [H.Item(**t) for t in data["test"]]
    rm_items = [H.Item(**t) for t in data["rm_items"]]
    t0 = time.time()
    samples = H.generate(model, tok, [t.question for t in test], n=8, temperature=a.temp, seed=a.seed)
    rm_samples = H.generate(model, tok, [t.question for t in rm_items], n=8, temperature=a.temp, seed=a.seed + 1)
    t_sample = time.time() - t0
    groups = H.build_groups([t.question for t in rm_items], rm_samples, [t.gold for t in rm_items], seed=a.seed)
    rm = H.RM(model)
    t0 = time.time()
    rl = H.train_rm(rm, tok, groups, epochs=a.epochs, seed=a.seed)
    t_train = time.time() - t0
    rewards = H.score(rm, tok, [t.question for t in test], samples)
    res = {"args": vars(a), "groups": len(groups), "sample_s": round(t_sample, 1), "rm_train_s": round(t_train, 1),
           "rm_loss": [round(rl[0], 3), round(sum(rl[-10:]) / 10, 3)]}
    for tag in sorted({t.tag for t in test}) + ["all"]:
        idx = [i for i, t in enumerate(test) if tag in ("all", t.tag)]
        m = H.metrics([data["greedy"][i] for i in idx], [samples[i] for i in idx], [rewards[i] for i in idx],
                      [test[i].gold for i in idx])
        res[tag] = {k: round(v, 3) for k, v in m.items()}
    res["diagnostics"] = diagnostics(test, samples, rewards)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
