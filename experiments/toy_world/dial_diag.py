"""Diagnose a quick-start run's toy_dial samples: how wrong samples look and how the RM ranks them, and how
often correct and wrong samples (test split and RM data) carry a trace that checks out.

    .venv/bin/python experiments/toy_world/dial_diag.py runs/quickstart

Reads both solution formats: one key per line ("Press 2: 20 -> 9.", before E16j) and the keys so far
("Keys 21: 9 -> 16.").
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from acemath.toy.dial import press

LINE = re.compile(r"(Press|Keys) (\d+): (\d+) -> (\d+)\.")
CLOSE = re.compile(r"So (?:presses|keys) ([\d, ]+) take the dial from (\d+) to (\d+)\.")
ASK = re.compile(r"(?:from|dial's) (\d+) (?:to|into) (\d+)\?")


def kinds(question: str, response: str, pred: str | None) -> set[str]:
    """What is visibly wrong in one response (empty: nothing a reader can see)."""
    start, target = map(int, ASK.search(question).groups())
    rows = [(k, a, b) for _, k, a, b in LINE.findall(response)]
    lines = [(int(k[-1]), int(a), int(b)) for k, a, b in rows]
    close = CLOSE.search(response)
    out = set()
    if not lines or not close:
        return {"malformed"}
    if "Keys" in response and (len(rows[0][0]) != 1 or any(
            rows[i + 1][0][:-1] != rows[i][0] for i in range(len(rows) - 1))):
        out.add("prefix_broken")  # a line's keys are not the previous line's plus one
    if any(k not in (1, 2) or press(a, k) != b for k, a, b in lines) or lines[0][1] != start or any(
            lines[i + 1][1] != lines[i][2] for i in range(len(lines) - 1)):
        out.add("false_line")
    if lines[-1][2] != int(close.group(3)):
        out.add("close_target_differs_from_last_line")
    if int(close.group(3)) != target or int(close.group(2)) != start:
        out.add("close_misquotes_question")
    listed = close.group(1).replace(", ", "")
    if listed != "".join(str(k) for k, _, _ in lines) or pred != listed:
        out.add("keys_disagree")  # the closing list, the presses and the box name different keys
    return out


def trace_class(question: str, response: str, pred: str | None) -> str:
    """Whether the presses reach the question's target and whether the box names the pressed keys."""
    target = int(ASK.search(question).group(2))
    rows = LINE.findall(response)
    if not rows:
        return "no presses"
    pressed = "".join(k[-1] for _, k, _, _ in rows)
    reach = "reach T" if int(rows[-1][3]) == target else "miss T"
    return f"presses {reach}, box {'=' if pred == pressed else '!='} presses"


def trace_table(questions: list[str], responses: list[list[str]], preds: list[list[str | None]],
                correct: list[list[bool]]) -> dict[str, dict[str, float]]:
    """Share of correct and of wrong samples in each ``trace_class``."""
    counts: dict[str, Counter] = {"correct": Counter(), "wrong": Counter()}
    for q, rs, ps, cs in zip(questions, responses, preds, correct, strict=True):
        for r, p, c in zip(rs, ps, cs, strict=True):
            counts["correct" if c else "wrong"][trace_class(q, r, p)] += 1
    return {side: {"n": sum(c.values()), **{k: round(v / max(1, sum(c.values())), 3) for k, v in sorted(c.items())}}
            for side, c in counts.items()}


def main(run_dir: str) -> None:
    from harness import kinds_report

    path = Path(run_dir) / "07-evaluate" / "toy_dial" / "samples.graded.jsonl"
    rows = [json.loads(line) for line in path.open()]
    preds = [row["preds"] for row in rows]

    def sample_kinds(i: int, response: str) -> set[str]:
        return kinds(rows[i]["question"], response, preds[i][rows[i]["responses"].index(response)])

    report = kinds_report([r["correct"] for r in rows], [r["responses"] for r in rows],
                          [r["rewards"] for r in rows], sample_kinds)
    report["trace_test"] = trace_table([r["question"] for r in rows], [r["responses"] for r in rows], preds,
                                       [r["correct"] for r in rows])
    graded = Path(run_dir) / "05-rm_data" / "graded.jsonl"
    if graded.exists():
        rm_rows = [json.loads(line) for line in graded.open()]
        report["trace_rm_data"] = trace_table([r["question"] for r in rm_rows], [r["responses"] for r in rm_rows],
                                              [r["preds"] for r in rm_rows], [r["correct"] for r in rm_rows])
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
