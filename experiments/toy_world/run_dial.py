"""E16: dial puzzles, fixed one-step rules (easy to learn and to check) with a search for the key sequence.

A dial counts mod 31; key 1 adds 7 and key 2 doubles. The keys are the same in every question, so each press
is a lookup in a fixed two-row table that a tiny model learns like a bigram. The question asks which ``k``
presses take the dial from a start number to a goal; only problems with exactly one such sequence are kept.
Choosing the first key needs a search over all ``2**k`` sequences; checking a written trace needs only the
per-press lookups and a comparison of its last number with the goal.

Formats: plain (a, b), ``--restate`` (a closing sentence naming the start and goal; c, f, g), ``--meet`` (half the
presses forwards, half backwards from the goal; d), ``--library`` (the ``toy_dial`` benchmark's own text; h, i
with the text of the time), ``--cumulative`` (every line names the keys so far; j, now the library's text),
``--turn`` (j with the closing sentence in the question's words; k).
E16e (the goal "a multiple of 10") is not here: it has only 93 distinct questions.

    .venv/bin/python experiments/toy_world/run_dial.py --restate --steps 1000 --n-rm 3000 --rm-epochs 6 --n-test 40
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402
from dial_diag import kinds as library_kinds  # noqa: E402

from acemath.toy.dial import ADD, MODULUS, PRESSES, make_dial_problem, press, run  # noqa: E402
from acemath.toy.world import EVAL_SYSTEM  # noqa: E402

LINE = re.compile(r"Press (\d+): (\d+) -> (\d+)\.")
CUM = re.compile(r"Keys (\d+): (\d+) -> (\d+)\.")
SO = re.compile(r"(?:take the dial from|turn the dial's) (\d+) (?:to|into) (\d+)\.")
FWD = re.compile(r"Forward from (\d+): (.*)\.")
BACK = re.compile(r"Back from (\d+): (.*)\.")
PAIR_F = re.compile(r"key (\d+) gives (\d+)")
PAIR_B = re.compile(r"key (\d+) from (\d+)")


def meet_solution(start: int, goal: int, keys: list[int]) -> str:
    f = (len(keys) + 1) // 2
    shown = run(start, keys)
    fwd = ", ".join(f"key {k} gives {shown[i + 1]}" for i, k in enumerate(keys[:f]))
    back = ", ".join(f"key {keys[i]} from {shown[i]}" for i in range(len(keys) - 1, f - 1, -1))
    return (f"Forward from {start}: {fwd}.\nBack from {goal}: {back}.\n"
            f"Both reach {shown[f]}, so the presses are {', '.join(map(str, keys))}.")


def cumulative_solution(start: int, goal: int, keys: list[int], closing: str = "take") -> str:
    """Each line names every key pressed so far, so the closing sentence and the box copy the last line.

    ``closing``: "take" ("So keys 211 take the dial from S to T.") or "turn" ("So keys 211 turn the dial's S
    into T.", the question's own words, so that copying T from the question is the natural continuation)."""
    shown = run(start, keys)
    lines = [f"Keys {''.join(map(str, keys[:i + 1]))}: {shown[i]} -> {shown[i + 1]}." for i in range(len(keys))]
    gold = "".join(map(str, keys))
    lines.append(f"So keys {gold} take the dial from {start} to {goal}." if closing == "take"
                 else f"So keys {gold} turn the dial's {start} into {goal}.")
    return "\n".join(lines) + f"\nThe answer is \\boxed{{{gold}}}."


def dial_problem(rng: random.Random, level: int, fmt: str) -> tuple[str, str, str, dict]:
    """(question, solution, gold, meta) in format ``fmt``: plain, restate, meet, library or cumulative."""
    if fmt in ("library", "cumulative", "turn"):
        p = make_dial_problem(rng, level)
        sol = p.solution() if fmt == "library" else cumulative_solution(
            p.start, p.target, p.keys, "turn" if fmt == "turn" else "take")
        return p.question, sol, str(p.answer), {"start": p.start, "goal": p.target}
    p = make_dial_problem(rng, level)
    start, goal, keys, n = p.start, p.target, p.keys, len(p.keys)
    q = (f"A dial shows the numbers 0 to {MODULUS - 1}. Key 1 adds {ADD} and key 2 doubles; past {MODULUS - 1} the "
         f"dial goes round again. The dial shows {start}. Which {n} presses make it show {goal}?")
    gold = "".join(map(str, keys))
    meta = {"start": start, "goal": goal}
    if fmt == "meet":
        return q, meet_solution(start, goal, keys) + f"\nThe answer is \\boxed{{{gold}}}.", gold, meta
    shown = run(start, keys)
    lines = [f"Press {k}: {a} -> {b}." for k, a, b in zip(keys, shown[:-1], shown[1:], strict=True)]
    if fmt == "restate":
        lines.append(f"So presses {', '.join(map(str, keys))} take the dial from {start} to {goal}.")
    return q, "\n".join(lines) + f"\nThe answer is \\boxed{{{gold}}}.", gold, meta


def false_steps(start: int, steps: list[tuple[int, int, int]]) -> bool:
    """Any press whose result is not the table's, or that does not start where the last one ended."""
    x = start
    for k, a, b in steps:
        if k not in (1, 2) or a != x or press(a, k) != b:
            return True
        x = b
    return False


def trace_kinds(meta: dict, s: str) -> set[str]:
    """Plain and restate formats: a false press, an end off the goal, a box other than the pressed keys, a closing
    sentence whose goal differs from the last line."""
    steps = [(int(k), int(a), int(b)) for k, a, b in LINE.findall(s)]
    out = set()
    if false_steps(meta["start"], steps):
        out.add("false_press")
    if not steps or steps[-1][2] != meta["goal"]:
        out.add("ends_off_goal")
    if H.last_box(s) != "".join(str(k) for k, _, _ in steps):
        out.add("box_differs")
    so = SO.findall(s)
    if so and steps and int(so[-1][1]) != steps[-1][2]:
        out.add("restated_end_differs")
    if so and (int(so[-1][0]), int(so[-1][1])) != (meta["start"], meta["goal"]):
        out.add("restated_misquotes_question")
    return out


def cumulative_kinds(meta: dict, s: str) -> set[str]:
    """Cumulative format: a key prefix that is not the previous one plus a key, then the restate kinds."""
    rows = CUM.findall(s)
    out = set()
    prev = ""
    for keys, _, _ in rows:
        if keys[:-1] != prev:
            out.add("prefix_broken")
        prev = keys
    steps = [(int(k[-1]), int(a), int(b)) for k, a, b in rows]
    flat = "\n".join(f"Press {k}: {a} -> {b}." for k, a, b in steps) + "\n" + s
    return out | trace_kinds(meta, flat)


def meet_kinds(meta: dict, s: str) -> set[str]:
    """Meet format: halves that do not meet, a false press, a miscopied start or goal, a box other than the list."""
    fw, bk = FWD.search(s), BACK.search(s)
    if not fw or not bk:
        return {"no_meet"}
    f = [(int(k), int(x)) for k, x in PAIR_F.findall(fw.group(2))]
    b = [(int(k), int(x)) for k, x in PAIR_B.findall(bk.group(2))]
    out = set()
    if not f or not b or f[-1][1] != b[-1][1]:
        out.add("no_meet")
    if int(fw.group(1)) != meta["start"] or int(bk.group(1)) != meta["goal"]:
        out.add("start_or_goal_miscopied")
    x = int(fw.group(1))
    for k, y in f:
        out |= {"false_press"} if k not in (1, 2) or press(x, k) != y else set()
        x = y
    y = int(bk.group(1))
    for k, x in b:
        out |= {"false_press"} if k not in (1, 2) or press(x, k) != y else set()
        y = x
    lst = re.search(r"presses are ([\d, ]+)\.", s)
    if not lst or H.last_box(s) != lst.group(1).replace(", ", ""):
        out.add("box_differs_from_list")
    return out


def main() -> None:
    ap = H.experiment_args(lr=3e-3, out="/tmp/dial_run.json")
    fmt = ap.add_mutually_exclusive_group()
    fmt.add_argument("--restate", dest="fmt", action="store_const", const="restate")
    fmt.add_argument("--meet", dest="fmt", action="store_const", const="meet")
    fmt.add_argument("--library", dest="fmt", action="store_const", const="library",
                     help="toy_dial's question and solution text")
    fmt.add_argument("--cumulative", dest="fmt", action="store_const", const="cumulative",
                     help="toy_dial's question; each solution line names all keys pressed so far")
    fmt.add_argument("--turn", dest="fmt", action="store_const", const="turn",
                     help="--cumulative with the closing sentence in the question's words")
    a = ap.parse_args()
    a.fmt = a.fmt or "plain"
    torch.set_num_threads(a.threads)
    t0 = time.time()
    test_raw, train_raw = H.draw_split(lambda rng, lv: dial_problem(rng, lv, a.fmt), "dial", a.seed, list(PRESSES),
                                       list(PRESSES), a.n_test, a.n_train)
    train = [H.to_item(t, EVAL_SYSTEM) for t in train_raw]
    print(train[0].question, "\n", train[0].solution, flush=True)
    rm_items, train = train[-a.n_rm:], train[:-a.n_rm]
    test = [H.to_item(t, EVAL_SYSTEM) for t in test_raw]
    out = H.policy_and_rm([f"user\n{t.question}\nassistant\n{t.solution}" for t in train[:3000]], train, test,
                          rm_items, steps=a.steps, lr=a.lr, seed=a.seed, layers=a.layers, temperature=a.temp,
                          rm_epochs=a.rm_epochs, rm_lr=a.rm_lr, max_new=120)
    res: dict = {"args": vars(a), **{k: out[k] for k in ("groups", "sft_loss_end", "rm_loss")}}
    res.update(H.metrics_by_tag(test, out["greedy"], out["samples"], out["rewards"]))
    metas = [t[4] for t in test_raw]
    if a.fmt == "library":
        def kinds(i, s):
            return library_kinds(test_raw[i][1], s, H.last_box(s))
    else:
        def kinds(i, s):
            return {"meet": meet_kinds, "cumulative": cumulative_kinds, "turn": cumulative_kinds}.get(a.fmt, trace_kinds)(metas[i], s)
    graded = [[H.correct(x, t.gold) for x in ss] for t, ss in zip(test, out["samples"], strict=True)]
    res["diagnostics"] = H.kinds_report(graded, out["samples"], out["rewards"], kinds)
    res["times"] = {**out["times"], "total": round(time.time() - t0, 1)}
    print(json.dumps(res, indent=1))
    Path(a.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
