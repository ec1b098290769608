"""Diagnose a quick-start run's toy_dial samples: how wrong samples look and how the RM ranks them.

    .venv/bin/python experiments/toy_world/dial_diag.py runs/quickstart
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from acemath.toy.dial import press

LINE = re.compile(r"Press (\d+): (\d+) -> (\d+)\.")
CLOSE = re.compile(r"So presses ([\d, ]+) take the dial from (\d+) to (\d+)\.")
ASK = re.compile(r"(?:from|dial's) (\d+) (?:to|into) (\d+)\?")


def kinds(question: str, response: str, pred: str | None) -> set[str]:
    """What is visibly wrong in one response (empty: nothing a reader can see)."""
    start, target = map(int, ASK.search(question).groups())
    lines = [(int(k), int(a), int(b)) for k, a, b in LINE.findall(response)]
    close = CLOSE.search(response)
    out = set()
    if not lines or not close:
        return {"malformed"}
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


def main(run_dir: str) -> None:
    from harness import kinds_report

    path = Path(run_dir) / "07-evaluate" / "toy_dial" / "samples.graded.jsonl"
    rows = [json.loads(line) for line in path.open()]
    preds = [row["preds"] for row in rows]

    def sample_kinds(i: int, response: str) -> set[str]:
        return kinds(rows[i]["question"], response, preds[i][rows[i]["responses"].index(response)])

    print(json.dumps(kinds_report([r["correct"] for r in rows], [r["responses"] for r in rows],
                                  [r["rewards"] for r in rows], sample_kinds), indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
