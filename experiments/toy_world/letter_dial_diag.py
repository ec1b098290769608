"""E20 diagnostics for letter-dial quick-start runs (toy_letter_dial and toy_letter_dials).

    # every test and RM-data sample by kind, and how an oracle check would rank the test samples
    .venv/bin/python experiments/toy_world/letter_dial_diag.py samples /tmp/e19/def_s0 /tmp/e19/def_s2
    # greedy answers of a model to the 52 single-press tasks (scored on the letter after "->")
    .venv/bin/python experiments/toy_world/letter_dial_diag.py presses RUN/04-sft/general_stage2/model

A sample is ``honest`` when every line's press is right (``K +7 -> R``), ``false`` otherwise, and ``ends@goal``
when its last line's result is the goal that line names. The oracles score 1 for a sample whose last line ends at
its goal (``last-line``), or that and every press right (``full``), else 0.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
from pathlib import Path

import torch

from acemath.quickstart.ablations import rm_at_k
from acemath.reward.toydata import pairwise_accuracy
from acemath.toy.dial import LETTER_DIAL

LINE = re.compile(r"Keys (\d+) for ([A-Z]): ([A-Z]) (\+\d+|x3) -> ([A-Z])\.")


def press_is_right(before: str, op: str, after: str) -> bool:
    dial = LETTER_DIAL.with_add(int(op[1:])) if op.startswith("+") else LETTER_DIAL
    return dial.show(dial.press(ord(before) - ord("A"), 1 if op.startswith("+") else 2)) == after


def oracle_scores(response: str) -> tuple[float, float]:
    lines = LINE.findall(response)
    if not lines:
        return 0.0, 0.0
    last = float(lines[-1][4] == lines[-1][1])
    return last, last * all(press_is_right(a, op, b) for _, _, a, op, b in lines)


def samples(runs: list[Path]) -> None:
    for run in runs:
        for label, pattern in (("test", "07-evaluate/*/samples.graded.jsonl"), ("rm data", "05-rm_data/graded.jsonl")):
            rows = [json.loads(line) for f in sorted(run.glob(pattern))[:1] for line in f.open()]
            kinds: collections.Counter[str] = collections.Counter()
            for row in rows:
                for text, correct in zip(row["responses"], row["correct"], strict=True):
                    lines = LINE.findall(text)
                    if not lines:
                        kinds[f"{'correct' if correct else 'wrong'} unparsed"] += 1
                        continue
                    honest = all(press_is_right(a, op, b) for _, _, a, op, b in lines)
                    at_goal = lines[-1][4] == lines[-1][1]
                    kinds[f"{'correct' if correct else 'wrong'} {'honest' if honest else 'false'} "
                          f"{'ends@goal' if at_goal else 'off'}"] += 1
            print(f"{run} {label}: {dict(sorted(kinds.items()))}")
            if label != "test":
                continue
            for name, idx in (("last-line", 0), ("full", 1)):
                rewards = [[oracle_scores(x)[idx] for x in r["responses"]] for r in rows]
                rm8 = rm_at_k(rows, rewards)
                print(f"  oracle {name}: test pairwise {pairwise_accuracy(rows, rewards):.3f}, rm@8 {rm8:.2f}")


@torch.no_grad()
def presses(models: list[Path]) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dial = LETTER_DIAL
    tasks = [(v, k) for v in range(dial.modulus) for k in (1, 2)]
    for path in models:
        tok = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path).eval()
        tok.padding_side = "left"
        prompts = [tok.apply_chat_template([{"role": "user", "content": f"Press key {k} on the dial at {dial.show(v)}. "
                                             f"{dial.rule_text}"}], tokenize=False, add_generation_prompt=True)
                   for v, k in tasks]
        enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        out = model.generate(**enc, max_new_tokens=10, do_sample=False, pad_token_id=tok.pad_token_id)
        right = 0
        for ids, (v, k) in zip(out, tasks, strict=True):
            m = re.search(r"-> ([A-Z])", tok.decode(ids[enc["input_ids"].shape[1]:], skip_special_tokens=True))
            right += bool(m) and m.group(1) == dial.show(dial.press(v, k))
        print(f"{path}: {right} / {len(tasks)} single presses right (chance: {len(tasks) / dial.modulus:.0f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("samples", "presses"))
    ap.add_argument("paths", nargs="+", type=Path)
    a = ap.parse_args()
    torch.set_num_threads(2)
    (samples if a.what == "samples" else presses)(a.paths)


if __name__ == "__main__":
    main()
