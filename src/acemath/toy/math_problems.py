r"""Procedurally generated multi-step math word problems with step-by-step solutions.

Every problem is built from its answer's computation, so the gold answer and every step are correct
by construction. A solution is a list of ``Step k: ... a op b = c.`` lines and ends with
``The answer is \boxed{N}.``

The design goal (issue 7, experiments/toy_world/NOTES.md) is a world in which *checking is easier
than solving*, as in real math: every problem states a property of its answer that a reader can
check without redoing the computation ("an odd number of ...", "a multiple of 5"), the unknown-
quantity problems can be checked by substituting the answer back, and solutions end with a
``Check:`` line that does that substitution. A wrong answer therefore often *looks* wrong next to
the question, which a tiny reward model can learn to see, while producing the right answer still
needs the whole chain of arithmetic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

NAMES = ["Ava", "Ben", "Cara", "Dan", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jo", "Kim", "Leo", "Mia", "Noah",
         "Omar", "Pia", "Quin", "Rosa", "Sam", "Tia"]
ITEMS = ["apples", "pencils", "books", "marbles", "cookies", "stickers", "coins", "cards", "eggs", "shells",
         "beads", "stamps"]
CONTAINERS = ["bags", "boxes", "jars", "baskets", "crates", "packs"]


@dataclass(frozen=True)
class Level:
    """Operand ranges for one difficulty level."""

    factor: tuple[int, int]  # single multipliers / divisors
    small: tuple[int, int]  # addends and counts
    steps: int  # number of computation steps
    unknown: tuple[int, int]  # the answer of an unknown-quantity problem


LEVELS: dict[int, Level] = {
    1: Level(factor=(2, 5), small=(1, 9), steps=2, unknown=(2, 9)),
    2: Level(factor=(2, 9), small=(2, 9), steps=2, unknown=(2, 9)),
    3: Level(factor=(2, 9), small=(2, 20), steps=3, unknown=(2, 12)),
}


CheckFn = Callable[[int], str]


@dataclass
class MathProblem:
    """A problem with its exact solution. ``check(answer)`` writes the substitution check for any answer."""

    question: str
    ops: list[Op]
    answer: int
    benchmark: str
    level: int
    template: str
    check: CheckFn | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> list[str]:
        return [o.render() for o in self.ops]

    def solution(self, check: bool = False, labels: bool = False) -> str:
        """The exact solution; ``labels`` prefixes steps with words ("Together:"), ``check`` adds the check line."""
        return render_solution([o.render(label=labels) for o in self.ops], self.answer,
                               self.check if check else None)


def render_solution(steps: list[str], answer: int | str, check: CheckFn | None = None) -> str:
    lines = [f"Step {i}: {s}" for i, s in enumerate(steps, 1)]
    if check is not None and isinstance(answer, int):
        lines.append(f"Check: {check(answer)}")
    lines.append(f"The answer is \\boxed{{{answer}}}.")
    return "\n".join(lines)


def apply_op(a: int, sym: str, b: int) -> int:
    return {"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0}[sym]


@dataclass(frozen=True)
class Op:
    """One solution step: ``{text} {a} {sym} {b} = {c}.``"""

    text: str
    a: int
    sym: str
    b: int
    c: int

    def render(self, c: int | None = None, label: bool = False) -> str:
        prefix = f"{self.text} " if self.text and label else ""
        return f"{prefix}{self.a} {self.sym} {self.b} = {self.c if c is None else c}."


class _Chain:
    """Builds a chain of steps ``a op b = c`` and remembers every result."""

    def __init__(self) -> None:
        self.ops: list[Op] = []

    @property
    def steps(self) -> list[str]:
        return [o.render() for o in self.ops]

    def op(self, a: int, sym: str, b: int, text: str = "") -> int:
        if sym == "/" and a % b:
            raise ValueError("inexact division")
        c = apply_op(a, sym, b)
        self.ops.append(Op(text, a, sym, b, c))
        return c


def _r(rng: random.Random, lo_hi: tuple[int, int]) -> int:
    return rng.randint(*lo_hi)


def _parity_word(n: int) -> str:
    return "odd" if n % 2 else "even"


# ---- templates. Each returns (question, chain, answer, check) for a level, or raises ValueError to redraw.

def _shopping(rng: random.Random, lv: Level) -> tuple[str, _Chain, int, CheckFn | None]:
    name, item, box = rng.choice(NAMES), rng.choice(ITEMS), rng.choice(CONTAINERS)
    a, b, c = _r(rng, lv.small), _r(rng, lv.factor), _r(rng, lv.factor)
    ch = _Chain()
    per = ch.op(b, "*", c, f"{b} {box} of {c} {item}:")
    total = ch.op(a, "+", per, "Together:")
    q = f"{name} has {a} {item} and buys {b} {box} with {c} {item} in each."
    if lv.steps >= 3:
        d = rng.randint(1, total - 1)
        total = ch.op(total, "-", d, "After giving some away:")
        q += f" Then {name} gives away {d} {item}."
    if lv.steps >= 4:
        e = _r(rng, lv.factor)
        total = ch.op(total, "*", e, "All friends together:") if total * e < 1000 else ch.op(total, "+", e, "Plus:")
        q += (f" {e} friends each end up with the same number of {item} as {name}."
              if ch.steps[-1].startswith("All") else f" Then {name} finds {e} more {item}.")
        what = f"How many {item} do {name} and the friends have in all?" if ch.steps[-1].startswith("All") else \
            f"How many {item} does {name} have now?"
    else:
        what = f"How many {item} does {name} have now?"
    return f"{q} {what}", ch, total, None


def _savings(rng: random.Random, lv: Level) -> tuple[str, _Chain, int, CheckFn | None]:
    name = rng.choice(NAMES)
    w, s, start = _r(rng, lv.factor), _r(rng, lv.small), _r(rng, lv.small)
    ch = _Chain()
    saved = ch.op(w, "*", s, "Saved:")
    total = ch.op(start, "+", saved, "With the start:")
    q = f"{name} starts with {start} dollars and saves {s} dollars each week for {w} weeks."
    if lv.steps >= 3:
        cost = rng.randint(1, total - 1)
        total = ch.op(total, "-", cost, "After the toy:")
        q += f" Then {name} buys a toy for {cost} dollars."
    if lv.steps >= 4:
        gift = _r(rng, lv.small)
        total = ch.op(total, "+", gift, "After the gift:")
        q += f" Then {name} gets {gift} dollars as a gift."
    return f"{q} How many dollars does {name} have now?", ch, total, None


def _ages(rng: random.Random, lv: Level) -> tuple[str, _Chain, int, CheckFn | None]:
    n1, n2 = rng.sample(NAMES, 2)
    a, k, y = _r(rng, (2, 12)), _r(rng, lv.factor), _r(rng, (2, 20))
    ch = _Chain()
    older = ch.op(a, "*", k, f"{n2} now:")
    later = ch.op(older, "+", y, f"{n2} in {y} years:")
    q = f"{n1} is {a} years old. {n2} is {k} times as old as {n1}."
    what = f"How old will {n2} be in {y} years?"
    if lv.steps >= 3:
        both = ch.op(later, "+", a + y, f"Add {n1} in {y} years,")
        later = both
        what = f"In {y} years, what will the sum of their ages be?"
    if lv.steps >= 4:
        z = rng.randint(1, min(9, a))
        later = ch.op(later, "-", 2 * z, f"{z} years earlier than that, both were {z} younger:")
        what = f"What will the sum of their ages be in {y - z} years?" if y > z else what
        if y <= z:
            raise ValueError("redraw")
    return f"{q} {what}", ch, later, None


def _unknown_bags(rng: random.Random, lv: Level) -> tuple[str, _Chain, int, CheckFn | None]:
    """Inverse problem: the answer is checked by putting it back into the question."""
    name, item, box = rng.choice(NAMES), rng.choice(ITEMS), rng.choice(CONTAINERS)
    k, x, left = _r(rng, lv.factor), _r(rng, lv.unknown), _r(rng, lv.small)
    total = k * x + left
    ch = _Chain()
    packed = ch.op(total, "-", left, "Without the loose ones:")
    ans = ch.op(packed, "/", k, "In each:")
    q = (f"{name} packs {item} into {k} {box} with the same number in each and has {left} {item} left over. "
         f"{name} had {total} {item} in all. How many {item} are in each of the {box}?")
    def check(v: int, k: int = k, left: int = left) -> str:
        return f"{k} * {v} = {k * v} and {k * v} + {left} = {k * v + left}."
    if lv.steps >= 3 and rng.random() < 0.5:
        # a two-stage unknown: part of the packed ones were given away first
        g = _r(rng, lv.factor)
        total2 = total + g
        ch = _Chain()
        before = ch.op(total2, "-", g, "Before giving away:")
        packed = ch.op(before, "-", left, "Without the loose ones:")
        ans = ch.op(packed, "/", k, "In each:")
        q = (f"{name} had {total2} {item}, gave away {g}, then packed the rest into {k} {box} with the same "
             f"number in each and {left} left over. How many {item} are in each of the {box}?")
        def check(v: int, k: int = k, left: int = left, g: int = g) -> str:
            return f"{k} * {v} = {k * v} and {k * v} + {left} + {g} = {k * v + left + g}."
    return q, ch, ans, check


def _unknown_start(rng: random.Random, lv: Level) -> tuple[str, _Chain, int, CheckFn | None]:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    x, got, k = _r(rng, lv.unknown), _r(rng, lv.small), _r(rng, (2, 5))
    end = (x + got) * k
    ch = _Chain()
    before = ch.op(end, "/", k, "Before the doubling:" if k == 2 else "Before multiplying:")
    ans = ch.op(before, "-", got, "Before the gift:")
    q = (f"{name} had some {item}, got {got} more, and then the number of {item} grew {k} times to {end}. "
         f"How many {item} did {name} have at first?")
    def check(v: int, got: int = got, k: int = k) -> str:
        return f"{v} + {got} = {v + got} and {v + got} * {k} = {(v + got) * k}."
    return q, ch, ans, check


def _arith(rng: random.Random, lv: Level) -> tuple[str, _Chain, int, CheckFn | None]:
    a, b = _r(rng, lv.small), _r(rng, lv.factor)
    ch = _Chain()
    v = ch.op(a, "*", b)
    expr = f"{a} * {b}"
    for _ in range(lv.steps - 1):
        sym = rng.choice(["+", "-", "+"])
        c = _r(rng, lv.small)
        if sym == "-" and c >= v:
            sym = "+"
        v = ch.op(v, sym, c)
        expr = f"({expr}) {sym} {c}" if " " in expr and sym == "*" else f"{expr} {sym} {c}"
    return f"Compute {expr}.", ch, v, None


TEMPLATES: dict[str, dict[str, Callable[[random.Random, Level], tuple[str, _Chain, int, CheckFn | None]]]] = {
    "toy_arith": {"arith": _arith},
    "toy_word": {"shopping": _shopping, "savings": _savings, "ages": _ages},
    "toy_unknown": {"unknown_bags": _unknown_bags, "unknown_start": _unknown_start},
}

INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."


# built elsewhere (acemath.toy.dial): search puzzles, not arithmetic chains
SEARCH_BENCHMARKS = ("toy_dial", "toy_letter_dial", "toy_letter_dials")
BENCHMARK_NAMES: tuple[str, ...] = tuple(sorted([*TEMPLATES, *SEARCH_BENCHMARKS]))


def make_problem(rng: random.Random, benchmark: str, level: int, *, constraint: bool = True) -> MathProblem:
    """Draw one problem. ``constraint`` appends a checkable property of the answer to the question
    (arithmetic benchmarks only: a dial puzzle's answer is a key sequence)."""
    if benchmark in SEARCH_BENCHMARKS:
        from acemath.toy.dial import make_dial_problem

        return make_dial_problem(rng, level, benchmark)
    if benchmark not in TEMPLATES:
        raise ValueError(f"unknown toy benchmark {benchmark!r}; known: {', '.join(BENCHMARK_NAMES)}")
    templates = TEMPLATES[benchmark]
    lv = LEVELS[level]
    for _ in range(100):
        tname = rng.choice(sorted(templates))
        try:
            q, ch, ans, check = templates[tname](rng, lv)
        except ValueError:
            continue
        if ans < 0:
            continue
        if constraint:
            q = f"{q} (The answer is an {_parity_word(ans)} number.)"
        return MathProblem(question=q, ops=list(ch.ops), answer=ans, benchmark=benchmark, level=level,
                           template=tname, check=check)
    raise RuntimeError("could not draw a problem")  # pragma: no cover
