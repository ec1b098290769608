"""E19 probe: how fast does a tiny RM learn the dial's check when a dial state is one token instead of two digits?

The library's dial counts mod 31, so a state like 23 is two tokens ('2', '3': the tiny tokenizer splits digits as
Qwen's does), and the RM's check compares two two-token numbers. The letter dial counts mod 26 and shows a state as
one capital letter (key 1 moves 7 letters on, key 2 triples the place, A = 0), so the check compares two tokens.

No policy sampling: a short SFT on correct traces gives the RM its backbone; RM groups are 1 correct trace + 3
teacher slips (one key flipped, followed honestly, closing sentence still names the target) over the training
questions; the RM is scored on the same kind of groups for held-out questions every ``--eval-every`` steps.

    .venv/bin/python experiments/toy_world/check_probe.py --variant digits
    .venv/bin/python experiments/toy_world/check_probe.py --variant letters
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402

from acemath.tiny.factory import PAD  # noqa: E402

VARIANTS = {"digits": (31, 7, 2, "doubles"), "letters": (26, 7, 3, "triples")}
PRESSES = (2, 3, 4)


def make_world(variant: str):
    mod, add, mul, word = VARIANTS[variant]

    def show(v: int) -> str:
        return chr(ord("A") + v) if variant == "letters" else str(v)

    def press(v: int, k: int) -> int:
        return (v + add) % mod if k == 1 else (v * mul) % mod

    def trace(s: int, keys) -> list[int]:
        out = [s]
        for k in keys:
            out.append(press(out[-1], k))
        return out

    def question(s: int, t: int, n: int) -> str:
        return f"Which {n} presses turn the dial's {show(s)} into {show(t)}? Key 1 adds {add}, key 2 {word}, mod {mod}."

    def render(s: int, t: int, keys) -> str:
        shown = trace(s, keys)
        p = "".join(map(str, keys))
        lines = [f"Keys {p[:i + 1]}: {show(shown[i])} -> {show(shown[i + 1])}." for i in range(len(keys))]
        lines.append(f"So keys {p} take the dial from {show(s)} to {show(t)}.")
        lines.append(f"The answer is \\boxed{{{p}}}.")
        return "\n".join(lines)

    problems = []
    for n in PRESSES:
        ends: dict[tuple[int, int], list[tuple[int, ...]]] = {}
        for s in range(mod):
            for keys in itertools.product((1, 2), repeat=n):
                ends.setdefault((s, trace(s, keys)[-1]), []).append(keys)
        for (s, t), ks in sorted(ends.items()):
            if len(ks) == 1:
                problems.append((s, t, ks[0]))
    return problems, question, render


def groups_for(problems, question, render, rng: random.Random, repeats: int):
    out = []
    for _ in range(repeats):
        for s, t, keys in problems:
            slips = set()
            for i in range(len(keys)):
                k = list(keys)
                k[i] = 3 - k[i]
                slips.add(tuple(k))
            slips = sorted(slips)
            rng.shuffle(slips)
            out.append((question(s, t, len(keys)), [render(s, t, keys)] + [render(s, t, k) for k in slips[:3]]))
    return out


@torch.no_grad()
def held_out_accuracy(rm, tok, groups) -> tuple[float, float]:
    """(pairwise accuracy, top-1) of the RM on groups whose first response is the correct one."""
    rm.eval()
    scores = H.score(rm, tok, [q for q, _ in groups], [rs for _, rs in groups])
    rm.train()
    pair = H.pairwise_accuracy([[True] + [False] * (len(s) - 1) for s in scores], scores)
    top1 = sum(max(range(len(s)), key=lambda i: s[i]) == 0 for s in scores) / len(scores)
    return pair, round(top1, 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", choices=sorted(VARIANTS), required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sft-steps", type=int, default=300)
    ap.add_argument("--rm-steps", type=int, default=800)
    ap.add_argument("--repeats", type=int, default=6)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    torch.set_num_threads(2)
    problems, question, render = make_world(args.variant)
    rng = random.Random(args.seed)
    rng.shuffle(problems)
    n_test = len(problems) // 5
    test, train = problems[:n_test], problems[n_test:]
    print(f"{args.variant}: {len(problems)} questions, {len(train)} train / {len(test)} held out", flush=True)
    items = [H.Item(question(s, t, len(k)), render(s, t, k), "".join(map(str, k))) for s, t, k in train]
    tok = H.make_tokenizer([i.question + "\n" + i.solution for i in items])
    print("tokens:", tok.tokenize(items[0].solution)[:12], flush=True)
    model = H.new_model(tok, seed=args.seed)
    t0 = time.time()
    H.sft(model, tok, items, args.sft_steps, lr=3e-3, seed=args.seed, log_every=100)
    t_sft = time.time() - t0
    train_groups = groups_for(train, question, render, rng, args.repeats)
    test_groups = groups_for(test, question, render, random.Random(1), 1)
    rm = H.RM(model)
    pad = tok.convert_tokens_to_ids(PAD)
    enc = [[H.rm_encode(tok, q, r) for r in rs] for q, rs in train_groups]
    opt = torch.optim.AdamW(rm.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    order: list[int] = []
    curve = []
    losses: list[float] = []
    t0 = time.time()
    rm.train()
    for step in range(1, args.rm_steps + 1):
        if len(order) < 8:
            perm = list(range(len(enc)))
            rng.shuffle(perm)
            order += perm
        idx, order = order[:8], order[8:]
        loss = H.group_loss(rm, [enc[i] for i in idx], pad)
        for g in opt.param_groups:
            g["lr"] = H.lr_at(step - 1, args.rm_steps, args.lr)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(rm.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if step % args.eval_every == 0:
            pair, top1 = held_out_accuracy(rm, tok, test_groups)
            row = {"step": step, "loss": round(sum(losses[-50:]) / len(losses[-50:]), 3), "held_out_pairwise": pair,
                   "held_out_top1": top1, "s": round(time.time() - t0, 1)}
            curve.append(row)
            print(json.dumps(row), flush=True)
    print(json.dumps({"variant": args.variant, "sft_s": round(t_sft, 1), "uniform_loss": round(math.log(4), 3),
                      "curve": curve}))


if __name__ == "__main__":
    main()
