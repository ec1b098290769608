r"""Dial puzzles (``toy_dial``): a search problem whose answers can be checked against the question.

A dial counts modulo 31; key 1 adds 7 and key 2 doubles. The keys are the same in every question, so
one press is a lookup in a fixed two-row table that a tiny model learns quickly. A question asks which
``k`` presses take the dial from one number to another, and only questions with exactly one such key
sequence are kept, so the answer (the keys, e.g. ``\boxed{211}``) is unique. The solution presses the
keys one by one, each line naming every key pressed so far, and ends by saying where they take the dial::

    Which 3 presses turn the dial's 20 into 23? Key 1 adds 7, key 2 doubles, mod 31.

    Keys 2: 20 -> 9.
    Keys 21: 9 -> 16.
    Keys 211: 16 -> 23.
    So keys 211 take the dial from 20 to 23.
    The answer is \boxed{211}.

Why this family exists (experiments/toy_world/NOTES.md, E16): choosing the first key needs a search over
all ``2**k`` sequences, which a small policy cannot do in its head, so its samples try different keys;
every later line is a table lookup it gets right, so a wrong sample *honestly* ends somewhere else than
the question's target, and its closing sentence (copied from the question) then disagrees with its last
line. That disagreement is local and needs no arithmetic, which is what a tiny reward model can learn
to see: checking is easier than solving, as in real math.

Each line carries the keys so far (E16j) so that the closing sentence and the box copy the last line's
keys one line up. With one key per line ("Press 2: 20 -> 9.") a tiny policy wrote its closing keys
from its memory of similar questions instead of gathering them from the lines: half of its *correct*
samples had presses that missed the target, so "the presses reach the target" told a correct sample
from a wrong one only weakly, and the RM did not learn it.

The question puts the start and target before the fixed rule text, which is only 9 words long, so that
every 13-word window of it holds both: two dial questions share a 13-gram (a decontamination candidate)
only when they ask about the same two numbers. There are only about 600 distinct dial questions; the
training pool repeats them and dedup keeps one copy of each.

So few questions has a cost for the reward model (E17). In RM data sampled from the policy alone, each question
repeats several times, and a tiny RM memorises which answer is right for each one instead of learning the
check. Candidates from a scripted teacher (the quick-start's `rm_data` setting `teacher_samples`) show the
mismatch cleanly; with them the RM ranks unseen test questions' samples correctly about two times in three.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from acemath.toy.math_problems import MathProblem

MODULUS = 31
ADD = 7
PRESSES: dict[int, int] = {1: 2, 2: 3, 3: 4, 4: 5}  # level -> number of presses (level 4: E18, not in a recipe)
KEYS = (1, 2)


def press(value: int, key: int) -> int:
    """The dial after pressing ``key`` (1: add 7, 2: double), modulo 31."""
    if key == 1:
        return (value + ADD) % MODULUS
    if key == 2:
        return (2 * value) % MODULUS
    raise ValueError(f"unknown dial key {key}")


def run(start: int, keys: tuple[int, ...] | list[int]) -> list[int]:
    """Every number the dial shows, from ``start`` through each press."""
    shown = [start]
    for k in keys:
        shown.append(press(shown[-1], k))
    return shown


def question_text(start: int, target: int, n: int) -> str:
    return f"Which {n} presses turn the dial's {start} into {target}? Key 1 adds {ADD}, key 2 doubles, mod {MODULUS}."


def render(start: int, target: int, keys: list[int]) -> str:
    """The solution for ``keys``: one line per press naming the keys so far, the closing sentence and the box.

    The closing sentence names the question's start and target whatever the presses reach, as a solver
    that believes its answer would; for the right keys it is true.
    """
    shown = run(start, keys)
    pressed = "".join(map(str, keys))
    lines = [f"Keys {pressed[:i + 1]}: {shown[i]} -> {shown[i + 1]}." for i in range(len(keys))]
    lines.append(f"So keys {pressed} take the dial from {start} to {target}.")
    lines.append(f"The answer is \\boxed{{{pressed}}}.")
    return "\n".join(lines)


@dataclass
class DialProblem(MathProblem):
    """A dial puzzle. ``answer`` is the key sequence read as a number (keys 2, 1, 1 -> 211)."""

    keys: list[int] = field(default_factory=list)

    @property
    def start(self) -> int:
        return int(self.meta["start"])

    @property
    def target(self) -> int:
        return int(self.meta["target"])

    @property
    def steps(self) -> list[str]:
        return render(self.start, self.target, self.keys).splitlines()[:-1]

    def solution(self, check: bool = False, labels: bool = False) -> str:
        return render(self.start, self.target, self.keys)

    def wrong_solution(self, rng: random.Random) -> tuple[str, str]:
        """A teacher's slip: one key flipped, the presses then followed honestly. Because the right key
        sequence is unique, the result never reaches the target; the closing sentence still claims it."""
        keys = list(self.keys)
        i = rng.randrange(len(keys))
        keys[i] = 3 - keys[i]
        return render(self.start, self.target, keys), "".join(map(str, keys))


def make_dial_problem(rng: random.Random, level: int) -> DialProblem:
    """Draw a dial puzzle with ``PRESSES[level]`` presses and exactly one key sequence that solves it."""
    if level not in PRESSES:
        raise ValueError(f"unknown dial level {level}; known: {sorted(PRESSES)}")
    n = PRESSES[level]
    while True:
        start = rng.randrange(MODULUS)
        keys = [rng.choice(KEYS) for _ in range(n)]
        target = run(start, keys)[-1]
        if sum(run(start, ks)[-1] == target for ks in itertools.product(KEYS, repeat=n)) == 1:
            break
    meta: dict[str, Any] = {"start": start, "target": target}
    return DialProblem(question=question_text(start, target, n), ops=[], answer=int("".join(map(str, keys))),
                       benchmark="toy_dial", level=level, template="dial", meta=meta, keys=keys)
