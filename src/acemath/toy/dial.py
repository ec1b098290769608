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

The letter dial (``toy_letter_dial``, NOTES E19) is the same puzzle on a dial of 26 letters (key 1 adds 7, key 2
triples, A = 0), written so that a tiny policy traces it honestly and a tiny RM checks it within a few hundred
steps::

    Which 3 presses turn the dial's M into R? Key 1 adds 7, key 2 triples, mod 26.

    Keys 2 for R: M x3 -> K.
    Keys 21 for R: K +7 -> R.
    The answer is \boxed{21}.

* A letter is one token where a number up to 30 is two (the tiny tokenizer splits digits, as Qwen's does), so
  each check compares one token with one token; a probe RM learned the check on held-out questions in 400 steps
  where the number dial stalled (E19 ``check_probe.py``).
* Each line names its press next to the place it acts on (``K +7 -> R``), so the lookup reads adjacent tokens;
  without it the policy wrote the key digits at random (E19 l1).
* Each line names the goal *before* its press, so the goal is copied from the question (or the line above)
  before the line's result exists. A wrong key sequence therefore ends in a line whose goal and result differ
  two tokens apart, the local mismatch the RM learns; with the number dial's closing sentence the policy copied
  its last line's place into the sentence and the mismatch moved 40 tokens back into the question (E19 l2).
  The closing sentence is dropped: the box copies the last line's keys.

``toy_letter_dials`` (NOTES E20) draws key 1's step for each question from 3, 5, 7, 9 and 11 and states it in the
question ("Key 1 adds 9, ..."; problems keep it in ``meta["add"]``), so the benchmark has 2600 distinct questions
instead of 520, for a policy and RM that cannot memorise them all. The price is five addition tables to learn; at
the quick-start's budget the tiny policy learnt none of them.
"""

from __future__ import annotations

import itertools
import random
import string
from dataclasses import dataclass, field, replace
from typing import Any

from acemath.toy.math_problems import MathProblem

PRESSES: dict[int, int] = {1: 2, 2: 3, 3: 4, 4: 5}  # level -> number of presses (level 4: E18, not in a recipe)
KEYS = (1, 2)


@dataclass(frozen=True)
class DialRules:
    """One dial: its benchmark name, how many places it has, and what its two keys do."""

    benchmark: str
    modulus: int
    add: int  # key 1 adds this
    times: int  # key 2 multiplies by this (coprime to the modulus, so every press is a bijection)
    times_word: str
    letters: bool = False  # show a place as a capital letter (A = 0) instead of a number
    op_in_line: bool = False  # each line names its press ("K +7 -> R"), next to the place it acts on
    goal_in_line: bool = False  # each line names the target before its press ("Keys 21 for X: ..."); no closing
    adds: tuple[int, ...] = ()  # if set, each question draws key 1's step from these (and states it)

    @property
    def rule_text(self) -> str:
        """The rule sentence every question ends with: 9 words, so decontamination's 13-grams see the places."""
        return f"Key 1 adds {self.add}, key 2 {self.times_word}, mod {self.modulus}."

    def with_add(self, add: int) -> DialRules:
        return replace(self, add=add)

    def draw(self, rng: random.Random) -> DialRules:
        """The rules of one question: these, or for a dial with ``adds`` these with a key-1 step drawn from them."""
        return self.with_add(rng.choice(self.adds)) if self.adds else self

    def op(self, key: int) -> str:
        return f"+{self.add}" if key == 1 else f"x{self.times}"

    def show(self, value: int) -> str:
        return string.ascii_uppercase[value] if self.letters else str(value)

    def press(self, value: int, key: int) -> int:
        """The dial after pressing ``key`` (1: add, 2: multiply), modulo the number of places."""
        if key == 1:
            return (value + self.add) % self.modulus
        if key == 2:
            return (self.times * value) % self.modulus
        raise ValueError(f"unknown dial key {key}")

    def run(self, start: int, keys: tuple[int, ...] | list[int]) -> list[int]:
        """Every place the dial shows, from ``start`` through each press."""
        shown = [start]
        for k in keys:
            shown.append(self.press(shown[-1], k))
        return shown

    def question_text(self, start: int, target: int, n: int) -> str:
        return f"Which {n} presses turn the dial's {self.show(start)} into {self.show(target)}? {self.rule_text}"

    def render(self, start: int, target: int, keys: list[int]) -> str:
        """The solution for ``keys``: one line per press naming the keys so far, the closing sentence and the box.

        The closing sentence names the question's start and target whatever the presses reach, as a solver
        that believes its answer would; for the right keys it is true.
        """
        shown = [self.show(v) for v in self.run(start, keys)]
        pressed = "".join(map(str, keys))
        ops = [f" {self.op(k)}" if self.op_in_line else "" for k in keys]
        goal = f" for {self.show(target)}" if self.goal_in_line else ""
        lines = [f"Keys {pressed[:i + 1]}{goal}: {shown[i]}{ops[i]} -> {shown[i + 1]}." for i in range(len(keys))]
        if not self.goal_in_line:
            lines.append(f"So keys {pressed} take the dial from {self.show(start)} to {self.show(target)}.")
        lines.append(f"The answer is \\boxed{{{pressed}}}.")
        return "\n".join(lines)


NUMBER_DIAL = DialRules("toy_dial", 31, 7, 2, "doubles")
LETTER_DIAL = DialRules("toy_letter_dial", 26, 7, 3, "triples", letters=True, op_in_line=True, goal_in_line=True)
# Five letter dials in one benchmark: each question states its key-1 step (3, 5, 7, 9 or 11; every odd step has 520
# uniquely solvable questions, as step 7 has), so 2600 distinct questions instead of 520 (NOTES E20)
LETTER_DIALS = replace(LETTER_DIAL, benchmark="toy_letter_dials", adds=(3, 5, 7, 9, 11))
DIALS: dict[str, DialRules] = {d.benchmark: d for d in (NUMBER_DIAL, LETTER_DIAL, LETTER_DIALS)}
MODULUS = NUMBER_DIAL.modulus
ADD = NUMBER_DIAL.add


def press(value: int, key: int) -> int:
    """The number dial after pressing ``key`` (1: add 7, 2: double), modulo 31."""
    return NUMBER_DIAL.press(value, key)


def run(start: int, keys: tuple[int, ...] | list[int]) -> list[int]:
    """Every number the number dial shows, from ``start`` through each press."""
    return NUMBER_DIAL.run(start, keys)


def question_text(start: int, target: int, n: int) -> str:
    return NUMBER_DIAL.question_text(start, target, n)


def render(start: int, target: int, keys: list[int]) -> str:
    return NUMBER_DIAL.render(start, target, keys)


@dataclass
class DialProblem(MathProblem):
    """A dial puzzle. ``answer`` is the key sequence read as a number (keys 2, 1, 1 -> 211)."""

    keys: list[int] = field(default_factory=list)

    @property
    def rules(self) -> DialRules:
        rules = DIALS[self.benchmark]
        return rules.with_add(int(self.meta["add"])) if "add" in self.meta else rules

    @property
    def start(self) -> int:
        return int(self.meta["start"])

    @property
    def target(self) -> int:
        return int(self.meta["target"])

    @property
    def steps(self) -> list[str]:
        return self.rules.render(self.start, self.target, self.keys).splitlines()[:-1]

    def solution(self, check: bool = False, labels: bool = False) -> str:
        return self.rules.render(self.start, self.target, self.keys)

    def wrong_solution(self, rng: random.Random) -> tuple[str, str]:
        """A teacher's slip: one key flipped, the presses then followed honestly. Because the right key
        sequence is unique, the result never reaches the target; the closing sentence still claims it."""
        keys = list(self.keys)
        i = rng.randrange(len(keys))
        keys[i] = 3 - keys[i]
        return self.rules.render(self.start, self.target, keys), "".join(map(str, keys))


def make_press_task(rng: random.Random, benchmark: str) -> tuple[str, str, str]:
    """A general-SFT task ``(task, instruction, answer)``: one press on a dial, written as a solution line writes it.

    No search and no question of the benchmark: the single-step skill that the dial's solutions chain, as real
    general SFT data hold the arithmetic facts that math solutions use."""
    rules = DIALS[benchmark].draw(rng)
    value, key = rng.randrange(rules.modulus), rng.choice(KEYS)
    instruction = (f"Press key {key} on the dial at {rules.show(value)}. Key 1 adds {rules.add}, key 2 "
                   f"{rules.times_word}, mod {rules.modulus}.")
    op = f" {rules.op(key)}" if rules.op_in_line else ""
    return "dial_press", instruction, f"{rules.show(value)}{op} -> {rules.show(rules.press(value, key))}."


def make_dial_problem(rng: random.Random, level: int, benchmark: str = "toy_dial") -> DialProblem:
    """Draw a dial puzzle with ``PRESSES[level]`` presses and exactly one key sequence that solves it."""
    if level not in PRESSES:
        raise ValueError(f"unknown dial level {level}; known: {sorted(PRESSES)}")
    if benchmark not in DIALS:
        raise ValueError(f"unknown dial {benchmark!r}; known: {sorted(DIALS)}")
    rules = DIALS[benchmark].draw(rng)
    n = PRESSES[level]
    while True:
        start = rng.randrange(rules.modulus)
        keys = [rng.choice(KEYS) for _ in range(n)]
        target = rules.run(start, keys)[-1]
        if sum(rules.run(start, ks)[-1] == target for ks in itertools.product(KEYS, repeat=n)) == 1:
            break
    meta: dict[str, Any] = {"start": start, "target": target}
    if DIALS[benchmark].adds:
        meta["add"] = rules.add
    return DialProblem(question=rules.question_text(start, target, n), ops=[], answer=int("".join(map(str, keys))),
                       benchmark=benchmark, level=level, template="dial", meta=meta, keys=keys)
