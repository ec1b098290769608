"""E12: RM data from a scripted pool whose wrong answers come from accepting a candidate whose (honest)
check does not match the question (a verdict slip), on top of a saved search-style run (E11).

    .venv/bin/python experiments/toy_world/rm_pool_verdict.py /tmp/e11_0.4 --groups 3000 --epochs 1
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import torch
from transformers import AutoTokenizer, Qwen2ForCausalLM

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402
from run_toy import search_trace  # noqa: E402

from acemath.toy import ToyWorldConfig, build_world  # noqa: E402
from acemath.toy.world import EVAL_SYSTEM  # noqa: E402


def verdict_slip(p, rng: random.Random) -> str:
    v = max(1, p.answer + rng.choice([-2, -1, 1, 2]))
    if v == p.answer:
        v += 1
    steps = [o.render() for o in p.ops]
    steps[-1] = p.ops[-1].render(v)
    lines = [f"Step {i}: {t}" for i, t in enumerate(steps, 1)]
    lines.append(f"Check {v}: {p.check(v).rstrip('.')}, correct.")
    lines.append(f"The answer is \\boxed{{{v}}}.")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--groups", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--policy-groups", action="store_true", help="also train on the run's own policy groups")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    d = Path(a.run_dir)
    data = json.loads((d / "samples.json").read_text())
    tok = AutoTokenizer.from_pretrained(d / "policy")
    model = Qwen2ForCausalLM.from_pretrained(d / "policy")
    world = build_world(ToyWorldConfig(seed=a.seed + 1000, n_math_train=a.groups, n_general=0, n_test_per_benchmark=1,
                                       constraint=False, check_lines=True, benchmarks=("toy_unknown",)))
    rng = random.Random(a.seed)
    groups = [(f"{p.question} {EVAL_SYSTEM}", [search_trace(p, rng, 0.4)] + [verdict_slip(p, rng) for _ in range(3)])
              for p in world.train]
    if a.policy_groups:
        items = [H.Item(**t) for t in data["rm_items"]]
        groups += H.build_groups([t.question for t in items], data["rm_samples"], [t.gold for t in items])
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
                      "metrics": {k: round(v, 3) for k, v in m.items()}}, indent=1))


if __name__ == "__main__":
    main()
