"""E10 / E12: RM data from a scripted pool instead of the policy, scored on a saved run's policy samples.

    .venv/bin/python experiments/toy_world/rm_pool.py /tmp/e8_s0 --negatives fake --groups 3000      # E10
    .venv/bin/python experiments/toy_world/rm_pool.py /tmp/e11_0.4 --negatives verdict --groups 3000  # E12

Each group is (a correct solution, 3 wrong ones) for a fresh toy_unknown problem:
* ``fake``: the wrong ones slip once (the library's slip model, propagated) and then write the check
  they expect: the correct check with their own answer put in and every other number copied, so the
  check holds a false equation, as the tiny policy's own wrong samples do (E8);
* ``verdict``: the positive is a search-style trace (E11); the wrong ones start off by 1-2, check
  honestly, and accept the failing check anyway, as the E11 policy's wrong samples mostly do.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402
from run_toy import check_diagnostics, off_answer, search_trace  # noqa: E402

from acemath.toy import ToyWorldConfig, build_world  # noqa: E402
from acemath.toy.math_problems import render_solution  # noqa: E402
from acemath.toy.teachers import corrupt  # noqa: E402
from acemath.toy.world import EVAL_SYSTEM  # noqa: E402


def faked_check(p, rng: random.Random) -> str:
    steps, wrong = corrupt(p, rng)
    fake = re.sub(rf"(?<!\d){p.answer}(?!\d)", str(wrong), p.check(p.answer), count=1)
    return render_solution(steps, wrong).replace("The answer", f"Check: {fake}\nThe answer")


def verdict_slip(p, rng: random.Random) -> str:
    lines, v = off_answer(p, rng)
    lines += [f"Check {v}: {p.check(v).rstrip('.')}, correct.", f"The answer is \\boxed{{{v}}}."]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--negatives", choices=["fake", "verdict"], required=True)
    ap.add_argument("--groups", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    data, tok, model = H.load_saved_run(a.run_dir)
    world = build_world(ToyWorldConfig(seed=a.seed + 1000, n_math_train=a.groups, n_general=0, n_test_per_benchmark=1,
                                       constraint=False, check_lines=True, benchmarks=("toy_unknown",)))
    rng = random.Random(a.seed)
    groups = []
    for p in world.train:
        if a.negatives == "fake":
            rs = [p.solution(check=True)] + [faked_check(p, rng) for _ in range(3)]
        else:
            rs = [search_trace(p, rng, 0.4)] + [verdict_slip(p, rng) for _ in range(3)]
        groups.append((f"{p.question} {EVAL_SYSTEM}", rs))
    res = H.rm_on_saved_run(model, tok, data, groups, epochs=a.epochs, lr=a.lr, seed=a.seed)
    test = [H.Item(**t) for t in data["test"]]
    res["check_diagnostics"] = check_diagnostics(test, data["samples"], res.pop("rewards"))
    print(json.dumps({"args": vars(a), **res}, indent=1))


if __name__ == "__main__":
    main()
