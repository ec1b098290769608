"""Toy candidate sets for RM tests and benchmarks (CPU-NOTES section 6).

Each problem is a short chain of additions written like the tiny policy's outputs
(``Step k: a + b = c``, then ``The answer is \\boxed{N}.``). A correct candidate boxes the last
step's result; a wrong one boxes a different number, so wrongness is *visible inside the response*
(the boxed number disagrees with the last computed step). That is the signal CPU-NOTES found a
tiny RM learns within a minute; real arithmetic verification is not learnable at this scale.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import Any


def _chain(rng: random.Random, steps: int, max_term: int) -> tuple[str, list[str], int]:
    a = rng.randint(1, max_term)
    lines, total, terms = [], a, [a]
    for k in range(steps):
        b = rng.randint(1, max_term)
        terms.append(b)
        lines.append(f"Step {k + 1}: {total} + {b} = {total + b}.")
        total += b
    question = "What is " + " + ".join(str(t) for t in terms) + "?"
    return question, lines, total


def toy_problem(rng: random.Random, *, n: int = 8, p_correct: float = 0.5, steps: int = 2,
                max_term: int = 9) -> dict[str, Any]:
    """One graded sample row: ``question``, ``gold``, ``responses``, ``correct`` (n candidates).

    A wrong candidate boxes another number drawn uniformly from the range every total can take. Totals
    cluster in the middle of that range, so the boxed number alone carries a weak prior (a ranking by
    the boxed value only reaches about 0.66 pairwise accuracy for one step of terms up to 30); beating
    that needs the agreement with the last step, which is what the RM tests check.
    """
    question, lines, total = _chain(rng, steps, max_term)
    responses, correct = [], []
    body = "\n".join(lines)
    for _ in range(n):
        ok = rng.random() < p_correct
        boxed = total if ok else rng.choice([v for v in range(steps + 1, (steps + 1) * max_term + 1) if v != total])
        responses.append(f"{body}\nThe answer is \\boxed{{{boxed}}}.")
        correct.append(ok)
    return {"question": question, "gold": str(total), "responses": responses, "correct": correct}


def toy_samples(num_problems: int, *, seed: int = 0, n: int = 8, p_correct: float = 0.5,
                steps: int = 2, max_term: int = 9) -> list[dict[str, Any]]:
    """``num_problems`` graded rows with ids ``toy-<seed>-<i>``."""
    rng = random.Random(seed)
    rows = []
    for i in range(num_problems):
        row = toy_problem(rng, n=n, p_correct=p_correct, steps=steps, max_term=max_term)
        rows.append({"id": f"toy-{seed}-{i}", "benchmark": "toy", **row})
    return rows


def heldout_split(pool: list[dict[str, Any]], *, train: int, test: int, every: int = 4
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split by *question*: every ``every``-th distinct question (sorted) is held out. Returns the first
    ``train`` rows of the other questions and the first ``test`` held-out rows that have both a right and
    a wrong candidate."""
    questions = sorted({r["question"] for r in pool})
    held = set(questions[::every])
    train_rows = [r for r in pool if r["question"] not in held][:train]
    test_rows = [r for r in pool if r["question"] in held and 0 < sum(r["correct"]) < len(r["correct"])][:test]
    return train_rows, test_rows


def pairwise_accuracy(rows: list[dict[str, Any]], rewards: list[list[float]]) -> float:
    """Share of (right, wrong) candidate pairs within a problem where the right one scores higher (ties: half)."""
    wins = total = 0.0
    for row, r in zip(rows, rewards, strict=True):
        for a, ca in zip(r, row["correct"], strict=True):
            for b, cb in zip(r, row["correct"], strict=True):
                if ca and not cb:
                    wins += 1.0 if a > b else 0.5 if a == b else 0.0
                    total += 1
    return wins / total if total else float("nan")


_BOXED_INT = re.compile(r"\\boxed\{(\d+)\}")


def boxed_value_scores(train_rows: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[list[float]]:
    """A baseline scorer that sees only the boxed number: the odds that a candidate boxing ``v`` is right,
    counted on ``train_rows`` (add-one smoothed). An RM that checks the box against the last step must
    beat it, not only chance (wrong numbers are uniform over the range, right ones cluster mid-range)."""
    right: Counter[int] = Counter()
    wrong: Counter[int] = Counter()

    def value(resp: str) -> int:
        found = _BOXED_INT.findall(resp)
        return int(found[-1]) if found else -1

    for row in train_rows:
        for resp, ok in zip(row["responses"], row["correct"], strict=True):
            (right if ok else wrong)[value(resp)] += 1
    return [[(right[value(x)] + 1) / (wrong[value(x)] + 1) for x in row["responses"]] for row in rows]
