"""One toy-world pipeline run (plain torch): math SFT -> 8 samples on test and RM problems -> listwise RM
-> greedy / maj@8 / rm@8 / pass@8 per toy benchmark. Uses the library's ``acemath.toy.build_world``.

    .venv/bin/python experiments/toy_world/run_toy.py --seed 0 --steps 1000 --out /tmp/run.json
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

from acemath.toy import ToyWorldConfig, build_world  # noqa: E402
from acemath.toy.math_problems import apply_op  # noqa: E402
from acemath.toy.teachers import ToyTeacher  # noqa: E402
from acemath.toy.world import EVAL_SYSTEM  # noqa: E402


def diagnostics(test, samples, rewards) -> dict:
    """Wrong samples whose parity contradicts the question, and how the RM ranks them."""
    n_wrong = n_vis = 0
    beats = {"parity_wrong": [0, 0], "parity_ok_wrong": [0, 0]}
    for t, ss, rw in zip(test, samples, rewards, strict=True):
        want = 1 if "odd number" in t.question else 0 if "even number" in t.question else None
        good = [r for s, r in zip(ss, rw, strict=True) if H.correct(s, t.gold)]
        for s, r in zip(ss, rw, strict=True):
            if H.correct(s, t.gold):
                continue
            n_wrong += 1
            pred = H.last_box(s)
            vis = want is not None and pred is not None and pred.isdigit() and int(pred) % 2 != want
            n_vis += vis
            key = "parity_wrong" if vis else "parity_ok_wrong"
            for g in good:
                beats[key][0] += g > r
                beats[key][1] += 1
    return {"wrong_samples": n_wrong, "parity_violating": n_vis,
            **{f"rm_correct_beats_{k}": round(x / max(1, n), 3) for k, (x, n) in beats.items()}}


EQ = re.compile(r"(\d+) ([-+*/]) (\d+) = (\d+)")


def _false_eqs(text: str) -> tuple[int, int]:
    """(false equations, false equations whose units digit is already wrong) in ``text``."""
    n = u = 0
    for a, op, b, c in EQ.findall(text):
        a, b, c = int(a), int(b), int(c)
        true = apply_op(a, op, b) if b or op != "/" else None
        if true != c:
            n += 1
            u += true is None or (true % 10) != (c % 10)
    return n, u


def off_answer(p, rng: random.Random) -> tuple[list[str], int]:
    """The solution's step lines with the last step's result (the answer) off by 1 or 2, and that answer."""
    v = max(1, p.answer + rng.choice([-2, -1, 1, 2]))
    if v == p.answer:
        v += 1
    steps = [o.render() for o in p.ops[:-1]] + [p.ops[-1].render(v)]
    return [f"Step {i}: {t}" for i, t in enumerate(steps, 1)], v


def search_trace(p, rng: random.Random, p_off: float) -> str:
    """Solve, then check the answer against the question and step towards it until the check holds."""
    if rng.random() < p_off:
        lines, v = off_answer(p, rng)
    else:
        lines, v = [f"Step {i}: {o.render()}" for i, o in enumerate(p.ops, 1)], p.answer
    total = int(re.findall(r"\d+", p.check(p.answer))[-1])
    for _ in range(6):
        chk = p.check(v).rstrip(".")
        got = int(re.findall(r"\d+", chk)[-1])
        verdict = "correct" if got == total else "too small" if got < total else "too big"
        lines.append(f"Check {v}: {chk}, {verdict}.")
        if got == total:
            break
        v = v + 1 if got < total else v - 1
    lines.append(f"The answer is \\boxed{{{v}}}.")
    return "\n".join(lines)


def check_diagnostics(test, samples, rewards) -> dict:
    """How wrong samples look: a false equation anywhere / in the check line, its units digit, and RM ranking."""
    stats = {"wrong": 0, "false_eq": 0, "false_eq_units": 0, "check_false": 0, "check_false_units": 0}
    beats = {"visible": [0, 0], "invisible": [0, 0]}
    for t, ss, rw in zip(test, samples, rewards, strict=True):
        good = [r for s, r in zip(ss, rw, strict=True) if H.correct(s, t.gold)]
        for s, r in zip(ss, rw, strict=True):
            if H.correct(s, t.gold):
                continue
            stats["wrong"] += 1
            n, u = _false_eqs(s)
            stats["false_eq"] += n > 0
            stats["false_eq_units"] += u > 0
            chk = s.split("Check:")[-1] if "Check:" in s else ""
            cn, cu = _false_eqs(chk)
            stats["check_false"] += cn > 0
            stats["check_false_units"] += cu > 0
            key = "visible" if u > 0 else "invisible"
            for g in good:
                beats[key][0] += g > r
                beats[key][1] += 1
    return {**stats, **{f"rm_correct_beats_{k}": round(x / max(1, n), 3) for k, (x, n) in beats.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-train", type=int, default=20000)
    ap.add_argument("--n-test", type=int, default=100, help="per benchmark")
    ap.add_argument("--n-rm", type=int, default=600, help="RM training problems (drawn from the train pool)")
    ap.add_argument("--rm-epochs", type=int, default=3)
    ap.add_argument("--rm-lr", type=float, default=1e-3)
    ap.add_argument("--rm-negs", type=int, default=3)
    ap.add_argument("--temp", type=float, default=1.0)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--no-constraint", action="store_true")
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--search", type=float, default=-1.0,
                    help="SFT solutions solve, check honestly and adjust: the first answer is off by 1-2 with "
                         "this probability (E11)")
    ap.add_argument("--sft-slip", type=float, default=0.0,
                    help="SFT solutions come from a scripted teacher with this slip rate (honest check lines)")
    ap.add_argument("--levels", default="1,2,3")
    ap.add_argument("--benchmarks", default="toy_arith,toy_unknown,toy_word")
    ap.add_argument("--out", default="/tmp/toy_run.json")
    ap.add_argument("--save-dir", default="", help="save the policy, tokenizer and samples here for reuse")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    cfg = ToyWorldConfig(seed=a.seed, n_math_train=a.n_train, n_general=0, n_test_per_benchmark=a.n_test,
                         constraint=not a.no_constraint, check_lines=not a.no_check,
                         levels=tuple(int(x) for x in a.levels.split(",")),
                         benchmarks=tuple(a.benchmarks.split(",")))
    world = build_world(cfg)

    def q(p):  # the harness puts the instruction in the user turn; same information as a system turn
        return f"{p.question} {EVAL_SYSTEM}"

    teacher = ToyTeacher("sft_teacher", a.sft_slip, seed=a.seed, check_lines=cfg.check_lines).learn(world.train) \
        if a.sft_slip else None
    srng = random.Random(a.seed)

    def solve(p) -> str:
        """The SFT solution: search-style (E11), a slipping teacher's (E9), or the exact one."""
        if a.search >= 0:
            return search_trace(p, srng, a.search)
        if teacher is not None:
            return teacher.respond(p.question)
        return p.solution(check=cfg.check_lines)

    train = [H.Item(q(p), solve(p), str(p.answer), p.benchmark) for p in world.train]
    print(train[0].solution, "\n--\n", train[1].solution, flush=True)
    rm_items = train[-a.n_rm:]
    train = train[:-a.n_rm]  # RM problems are training questions the policy did not see in SFT
    test = [H.Item(q(p), p.solution(), str(p.answer), p.benchmark) for p in world.test]
    tok = H.make_tokenizer([f"user\n{t.question}\nassistant\n{t.solution}" for t in train[:3000]])
    model = H.new_model(tok, hidden=a.hidden, layers=a.layers, ffn=4 * a.hidden, seed=a.seed)
    times = {"data": round(time.time() - t0, 1)}
    t1 = time.time()
    losses = H.sft(model, tok, train, a.steps, seed=a.seed, log_every=250)
    times["sft"] = round(time.time() - t1, 1)
    t1 = time.time()
    greedy = [g[0] for g in H.generate(model, tok, [t.question for t in test], n=1, max_new=160)]
    samples = H.generate(model, tok, [t.question for t in test], n=8, temperature=a.temp, seed=a.seed, max_new=160)
    times["sample_test"] = round(time.time() - t1, 1)
    t1 = time.time()
    rm_samples = H.generate(model, tok, [t.question for t in rm_items], n=8, temperature=a.temp, seed=a.seed + 1, max_new=160)
    times["sample_rm"] = round(time.time() - t1, 1)
    if a.save_dir:
        sd = Path(a.save_dir)
        sd.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(sd / "policy")
        tok.save_pretrained(sd / "policy")
        (sd / "samples.json").write_text(json.dumps({
            "test": [vars(t) for t in test], "greedy": greedy, "samples": samples,
            "rm_items": [vars(t) for t in rm_items], "rm_samples": rm_samples}))
    groups = H.build_groups([t.question for t in rm_items], rm_samples, [t.gold for t in rm_items],
                            negs=a.rm_negs, seed=a.seed)
    print(f"times so far {times}; rm groups {len(groups)}", flush=True)
    rm = H.RM(model)
    t1 = time.time()
    rl = H.train_rm(rm, tok, groups, epochs=a.rm_epochs, lr=a.rm_lr, seed=a.seed, log_every=50)
    times["rm_train"] = round(time.time() - t1, 1)
    t1 = time.time()
    rewards = H.score(rm, tok, [t.question for t in test], samples)
    times["score"] = round(time.time() - t1, 1)
    res: dict = {"args": vars(a), "groups": len(groups), "sft_loss_end": round(sum(losses[-50:]) / 50, 3),
                 "rm_loss": H.loss_ends(rl)}
    res.update(H.metrics_by_tag(test, greedy, samples, rewards))
    times["total"] = round(time.time() - t0, 1)
    res["times"] = times
    res["diagnostics"] = diagnostics(test, samples, rewards)
    res["check_diagnostics"] = check_diagnostics(test, samples, rewards)
    print(json.dumps(res, indent=1))
    Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
