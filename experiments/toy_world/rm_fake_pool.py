"""E10: can the RM learn to catch a faked check line from cheap minimal-pair data of a scripted pool model?

A 'faking' pool model slips once (the library's slip model, propagated) and then writes the check line it
expects: the correct check's shape with its own answer put in and the remaining numbers copied, so the
check contains a false equation, as the tiny policy's own wrong samples do. Trains the RM on
(exact solution, 3 faked ones) groups and scores a saved run's policy samples.

    .venv/bin/python experiments/toy_world/rm_fake_pool.py /tmp/e8_s0 --groups 3000 --epochs 1
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import torch
from transformers import AutoTokenizer, Qwen2ForCausalLM

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402
from run_toy import check_diagnostics  # noqa: E402

from acemath.toy import ToyWorldConfig, build_world  # noqa: E402
from acemath.toy.math_problems import render_solution  # noqa: E402
from acemath.toy.teachers import corrupt  # noqa: E402
from acemath.toy.world import EVAL_SYSTEM  # noqa: E402


def faked(p, rng: random.Random) -> str:
    steps, wrong = corrupt(p, rng)
    check = p.check(p.answer)
    # put the wrong answer where the right one stands in the check, keep every other number (copied)
    fake = re.sub(rf"(?<!\d){p.answer}(?!\d)", str(wrong), check, count=1)
    return render_solution(steps, wrong) .replace("The answer", f"Check: {fake}\nThe answer")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--groups", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    d = Path(a.run_dir)
    data = json.loads((d / "samples.json").read_text())
    tok = AutoTokenizer.from_pretrained(d / "policy")
    model = Qwen2ForCausalLM.from_pretrained(d / "policy")
    world = build_world(ToyWorldConfig(seed=a.seed + 1000, n_math_train=a.groups, n_general=0, n_test_per_benchmark=1,
                                       constraint=False, check_lines=True, benchmarks=("toy_unknown",)))
    rng = random.Random(a.seed)
    groups = []
    for p in world.train:
        q = f"{p.question} {EVAL_SYSTEM}"
        groups.append((q, [p.solution(check=True)] + [faked(p, rng) for _ in range(3)]))
    print(groups[0][1][0], "\n--\n", groups[0][1][1], flush=True)
    rm = H.RM(model)
    t0 = time.time()
    rl = H.train_rm(rm, tok, groups, epochs=a.epochs, lr=a.lr, seed=a.seed, log_every=50)
    t_train = time.time() - t0
    test = [H.Item(**t) for t in data["test"]]
    rewards = H.score(rm, tok, [t.question for t in test], data["samples"])
    m = H.metrics(data["greedy"], data["samples"], rewards, [t.gold for t in test])
    print(json.dumps({"groups": len(groups), "rm_train_s": round(t_train, 1),
                      "rm_loss": [round(rl[0], 3), round(sum(rl[-20:]) / 20, 3)],
                      "metrics": {k: round(v, 3) for k, v in m.items()},
                      "check": check_diagnostics(test, data["samples"], rewards)}, indent=1))


if __name__ == "__main__":
    main()
