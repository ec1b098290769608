"""E14: route puzzles, a toy problem family where checking is genuinely easier than solving.

A "path-star" graph (Bachmann & Nagarajan 2024, "The pitfalls of next-token prediction"): from the start
town, ``arms`` one-way roads lead off, each continuing for ``length`` towns; the question lists the roads
in a shuffled order and asks for the first stop on the way to a goal town at the end of one arm. Writing
the route forwards needs the first choice to be planned from the goal (backwards over ``length`` roads);
every later step is a one-road lookup. Checking a written route needs only lookups: does it end at the
goal, and is each road in the list?

    .venv/bin/python experiments/toy_world/run_route.py --steps 600 --n-rm 600 --out /tmp/e14.json
"""

from __future__ import annotations

import json
import random
import string
import sys
import time
from itertools import pairwise
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402

from acemath.toy.world import EVAL_SYSTEM  # noqa: E402

LEVELS = {0: (1, (4, 7)), 1: (2, (2, 3)), 2: (3, (2, 4)), 3: (4, (2, 4))}  # level -> (arms, towns per arm)
TEST_LEVELS = (1, 2, 3)  # level 0 (a single road chain: lookups only, no choice) is a training drill
LAYOUT = "shuffled"  # "shuffled": one road at a time, in a random order; "chains": each arm written out in order


def route_problem(rng: random.Random, level: int) -> tuple[str, str, str, dict]:
    arms, (lo, hi) = LEVELS[level]
    lengths = [rng.randint(lo, hi) for _ in range(arms)]
    towns = rng.sample(string.ascii_uppercase, sum(lengths) + 1)
    start, rest = towns[0], towns[1:]
    paths, k = [], 0
    for n in lengths:
        paths.append([start, *rest[k:k + n]])
        k += n
    roads = [(p[j], p[j + 1]) for p in paths for j in range(len(p) - 1)]
    if LAYOUT == "chains":
        order = paths[:]
        rng.shuffle(order)
        listing = "; ".join(" to ".join(p) for p in order)
    else:
        rng.shuffle(roads)
        listing = ", ".join(f"{b} from {a}" if LAYOUT == "from" else f"{a} to {b}" for a, b in roads)
    goal_arm = rng.randrange(arms)
    route = paths[goal_arm]
    goal = route[-1]
    q = f"Roads: {listing}. Start at {start} and drive to {goal}. Which town do you reach first?"
    hops = " to ".join(route) if LAYOUT == "chains" else ", ".join(f"{a} to {b}" for a, b in pairwise(route))
    sol = f"Route: {hops}.\nThe answer is \\boxed{{{route[1]}}}."
    return q, sol, route[1], {"goal": goal, "roads": roads, "start": start}


def route_of(text: str) -> list[str]:
    line = next((ln for ln in text.splitlines() if ln.startswith("Route:")), "")
    body = line[len("Route:"):].strip(" .")
    if LAYOUT == "chains":
        return [t.strip() for t in body.split(" to ")] if body else []
    hops = [h.strip().split(" to ") for h in body.split(",")] if body else []
    return [hops[0][0]] + [h[-1] for h in hops] if hops and hops[0] else []


def route_diagnostics(metas: list[dict], samples: list[list[str]], golds: list[str], rewards) -> dict:
    """How wrong samples look: do they end at the goal, use a road that does not exist, box a non-route town?"""
    st = {"wrong": 0, "ends_at_goal": 0, "bad_road": 0, "box_not_second": 0}
    beats = {"ends_elsewhere": [0, 0], "ends_at_goal": [0, 0]}
    for m, ss, g, rw in zip(metas, samples, golds, rewards, strict=True):
        roads = {tuple(r) for r in m["roads"]}
        good = [r for s, r in zip(ss, rw, strict=True) if H.correct(s, g)]
        for s, r in zip(ss, rw, strict=True):
            if H.correct(s, g):
                continue
            st["wrong"] += 1
            rt = route_of(s)
            at_goal = bool(rt) and rt[-1] == m["goal"]
            st["ends_at_goal"] += at_goal
            st["bad_road"] += any((a, b) not in roads for a, b in pairwise(rt))
            st["box_not_second"] += len(rt) < 2 or H.last_box(s) != rt[1]
            key = "ends_at_goal" if at_goal else "ends_elsewhere"
            for gr in good:
                beats[key][0] += gr > r
                beats[key][1] += 1
    return {**st, **{f"rm_correct_beats_{k}": round(x / max(1, n), 3) for k, (x, n) in beats.items()}}


def main() -> None:
    ap = H.experiment_args(lr=2e-3, out="/tmp/route_run.json")
    ap.add_argument("--walk-parts", type=int, default=0, help="level-0 drills per 3 route problems in SFT data")
    ap.add_argument("--layout", choices=["shuffled", "chains", "from"], default="shuffled")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    global LAYOUT
    LAYOUT = a.layout
    t0 = time.time()
    test_raw, train_raw = H.draw_split(route_problem, "route", a.seed, TEST_LEVELS,
                                       [0] * a.walk_parts + list(TEST_LEVELS), a.n_test, a.n_train)
    train = [H.to_item(t, EVAL_SYSTEM) for t in train_raw]
    print(train[0].question, "\n", train[0].solution, flush=True)
    rm_items = [t for t in train[-3 * a.n_rm:] if t.tag != "level0"][-a.n_rm:]
    rm_questions = {t.question for t in rm_items}
    train = [t for t in train if t.question not in rm_questions]
    test = [H.to_item(t, EVAL_SYSTEM) for t in test_raw]
    out = H.policy_and_rm([f"user\n{t.question}\nassistant\n{t.solution}" for t in train[:3000]], train, test,
                          rm_items, steps=a.steps, lr=a.lr, seed=a.seed, layers=a.layers, temperature=a.temp,
                          rm_epochs=a.rm_epochs, rm_lr=a.rm_lr, max_new=40)
    samples, rewards = out["samples"], out["rewards"]
    res: dict = {"args": vars(a), **{k: out[k] for k in ("groups", "sft_loss_end", "rm_loss")}}
    res.update(H.metrics_by_tag(test, out["greedy"], samples, rewards))
    res["diagnostics"] = route_diagnostics([t[4] for t in test_raw], samples, [t.gold for t in test], rewards)
    res["times"] = {**out["times"], "total": round(time.time() - t0, 1)}
    print(json.dumps(res, indent=1))
    Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
