"""Experiment 1: does a checkable property of the answer make rm@8 beat greedy?

One policy is trained on a mix of problems with and without the parity statement ("(The answer is an
odd number.)") and with a ``Check:`` line on the unknown-quantity problems; metrics are then split by
subset, so one run measures both arms. Also measures how often a wrong sample is *visibly* wrong
(parity contradicts the question; the check line's last number differs from the question's total).
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

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402

from acemath.toy.math_problems import INSTRUCTION, make_problem  # noqa: E402

BENCH = ["toy_arith", "toy_word", "toy_unknown"]


def draw(rng, n, constraint_frac):
    out = []
    for i in range(n):
        b, lvl = BENCH[i % 3], 1 + (i // 3) % 3
        c = rng.random() < constraint_frac
        p = make_problem(rng, b, lvl, constraint=c)
        out.append((p, c))
    return out


def to_item(p, c):
    return H.Item(question=f"{p.question} {INSTRUCTION}", solution=p.solution(), gold=str(p.answer),
                  tag=f"{p.benchmark}|{'c' if c else 'n'}")


def visible(resp: str, item: H.Item) -> dict[str, bool]:
    pred = H.last_box(resp)
    out = {}
    if "odd number" in item.question or "even number" in item.question:
        want = 1 if "odd number" in item.question else 0
        out["parity_violated"] = pred is not None and pred.isdigit() and int(pred) % 2 != want
    m = re.search(r"Check: .*= (\d+)\.", resp)
    if item.tag.startswith("toy_unknown"):
        total = re.findall(r"(\d+)", item.question.split(". How")[0])
        out["check_mismatch"] = bool(m) and m.group(1) not in total
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-train", type=int, default=20000)
    ap.add_argument("--n-test", type=int, default=300)
    ap.add_argument("--n-rm", type=int, default=600)
    ap.add_argument("--rm-epochs", type=int, default=3)
    ap.add_argument("--temp", type=float, default=1.0)
    ap.add_argument("--out", default="/tmp/toy_exp1.json")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    rng = random.Random(a.seed)
    test = [to_item(*x) for x in draw(random.Random(10_000 + a.seed), a.n_test, 0.5)]
    test_q = {t.question for t in test}
    train = [to_item(*x) for x in draw(rng, a.n_train, 0.5)]
    train = [t for t in train if t.question not in test_q]
    rmq = [to_item(*x) for x in draw(random.Random(20_000 + a.seed), a.n_rm, 0.5)]
    tok = H.make_tokenizer([f"user\n{t.question}\nassistant\n{t.solution}" for t in train[:3000]])
    model = H.new_model(tok, seed=a.seed)
    print(f"data+tok {time.time() - t0:.1f}s vocab {len(tok)}", flush=True)
    t1 = time.time()
    H.sft(model, tok, train, a.steps, seed=a.seed, log_every=200)
    print(f"sft {a.steps} steps {time.time() - t1:.1f}s", flush=True)
    t1 = time.time()
    greedy = [g[0] for g in H.generate(model, tok, [t.question for t in test], n=1)]
    samples = H.generate(model, tok, [t.question for t in test], n=8, temperature=a.temp, seed=a.seed)
    rm_samples = H.generate(model, tok, [t.question for t in rmq], n=8, temperature=a.temp, seed=a.seed + 1)
    print(f"sampling {time.time() - t1:.1f}s", flush=True)
    groups = H.build_groups([t.question for t in rmq], rm_samples, [t.gold for t in rmq], seed=a.seed)
    print(f"rm groups {len(groups)}", flush=True)
    res: dict = {"args": vars(a)}
    # visibility of wrong samples
    vis: dict[str, list[int]] = {}
    for t, ss in zip(test, samples, strict=True):
        for s in ss:
            if H.correct(s, t.gold):
                continue
            for k, v in visible(s, t).items():
                vis.setdefault(k, [0, 0])
                vis[k][0] += v
                vis[k][1] += 1
    res["visible_among_wrong"] = {k: f"{x}/{n}" for k, (x, n) in vis.items()}
    untrained = None
    rm = H.RM(model)
    t1 = time.time()
    losses = H.train_rm(rm, tok, groups, epochs=a.rm_epochs, seed=a.seed, log_every=50)
    print(f"rm train {time.time() - t1:.1f}s loss {losses[0]:.3f}->{sum(losses[-10:]) / 10:.3f}", flush=True)
    rewards = H.score(rm, tok, [t.question for t in test], samples)
    del untrained
    for tag in sorted({t.tag for t in test}) + ["all", "c", "n"]:
        idx = [i for i, t in enumerate(test) if tag == "all" or t.tag == tag or t.tag.endswith("|" + tag)]
        res[tag] = {k: round(v, 3) for k, v in H.metrics([greedy[i] for i in idx], [samples[i] for i in idx],
                                                          [rewards[i] for i in idx],
                                                          [test[i].gold for i in idx]).items()}
        res[tag]["n"] = len(idx)
    res["total_s"] = round(time.time() - t0, 1)
    print(json.dumps(res, indent=1))
    Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
