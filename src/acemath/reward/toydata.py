"""Toy candidate sets for RM tests and benchmarks (CPU-NOTES section 6).

Each problem is a short chain of additions written like the tiny policy's outputs
(``Step k: a + b = c``, then ``The answer is \\boxed{N}.``). A correct candidate boxes the last
step's result; a wrong one boxes a different number, so wrongness is *visible inside the response*
(the boxed number disagrees with the last computed step). That is the signal CPU-NOTES found a
tiny RM learns within a minute; real arithmetic verification is not learnable at this scale.
"""

from __future__ import annotations

import random
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

    A wrong candidate boxes another number drawn uniformly from the range every total can take, so
    the boxed number alone (its size, its digit count) says nothing about correctness: only its
    agreement with the last step does.
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
