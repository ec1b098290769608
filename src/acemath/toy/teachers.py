"""Scripted toy teachers: solution writers with a known, seeded error model.

A teacher knows the toy world's problems (it is handed them, the way a real teacher "knows" math)
and writes the step-by-step solution. With probability ``error_rate`` per response it makes one
arithmetic slip in a random step; the slip propagates through the later steps, the check line (if
any) is recomputed honestly from the wrong answer, and the boxed answer is wrong. Responses are a
pure function of (teacher seed, question, sample index), so reruns and shards agree.

The curation stage's ``ScriptedTeacher`` (``acemath.generation.scripted``) can wrap
:meth:`ToyTeacher.respond` as its response function.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from acemath.toy.dial import DialProblem
from acemath.toy.math_problems import MathProblem, Op, apply_op, render_solution


def _rng(*parts: object) -> random.Random:
    h = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8).digest()
    return random.Random(int.from_bytes(h, "little"))


def slip(value: int, rng: random.Random) -> int:
    """A plausible arithmetic slip: off by one, off by ten, or two digits swapped."""
    kinds = ["one", "ten"] + (["swap"] if value >= 10 and value % 10 and value % 10 != (value // 10) % 10 else [])
    kind = rng.choice(kinds)
    if kind == "one":
        out = value + rng.choice([-1, 1])
    elif kind == "ten":
        out = value + rng.choice([-10, 10])
    else:
        s = list(str(value))
        s[-1], s[-2] = s[-2], s[-1]
        out = int("".join(s))
    return out if out >= 0 and out != value else value + 1


def corrupt(problem: MathProblem, rng: random.Random) -> tuple[list[str], int]:
    """Steps and final answer after one slip at a random step, propagated through later steps.

    A slip that would make a later division inexact or a later value negative is redrawn (a teacher that slipped once still
    divides correctly); after a few tries the slip goes to the last step, which has no later steps.
    """
    ops: list[Op] = list(problem.ops)
    for attempt in range(8):
        k = rng.randrange(len(ops)) if attempt < 7 else len(ops) - 1
        wrong = slip(ops[k].c, rng)
        steps = [o.render() for o in ops[:k]] + [ops[k].render(wrong)]
        subst = {ops[k].c: wrong}
        value, exact = wrong, True
        for o in ops[k + 1:]:
            a, b = subst.get(o.a, o.a), o.b if o.a in subst else subst.get(o.b, o.b)
            if o.sym == "/" and (b == 0 or a % b):
                exact = False
                break
            value = apply_op(a, o.sym, b)
            if value < 0:
                exact = False
                break
            steps.append(Op(o.text, a, o.sym, b, value).render())
            subst[o.c] = value
        if exact and value >= 0:
            return steps, value
    raise AssertionError("unreachable: a slip at the last step always propagates")  # pragma: no cover


def wrong_response(problem: MathProblem, rng: random.Random, check_lines: bool = True) -> tuple[str, str]:
    """A wrong solution and its boxed answer: a dial puzzle flips one key (:meth:`DialProblem.wrong_solution`),
    an arithmetic problem makes one propagated slip (:func:`corrupt`)."""
    if isinstance(problem, DialProblem):
        return problem.wrong_solution(rng)
    steps, value = corrupt(problem, rng)
    return render_solution(steps, value, problem.check if check_lines else None), str(value)


@dataclass
class ToyTeacher:
    """A scripted teacher. ``error_rate`` is the chance that one response contains a slip."""

    name: str
    error_rate: float
    seed: int = 0
    check_lines: bool = True
    problems: dict[str, MathProblem] = field(default_factory=dict, repr=False)
    answers: dict[str, str] = field(default_factory=dict, repr=False)

    def learn(self, problems: Iterable[MathProblem], general: Iterable[tuple[str, str]] = ()) -> ToyTeacher:
        """Give the teacher the problems (and general tasks as ``(instruction, answer)``) it can answer."""
        for p in problems:
            self.problems[p.question] = p
        for q, a in general:
            self.answers[q] = a
        return self

    def knows(self, question: str) -> bool:
        return question in self.problems or question in self.answers

    def respond(self, question: str, index: int = 0) -> str:
        """The teacher's ``index``-th response to ``question`` (the bare question, no instruction)."""
        if question in self.answers:
            return self.answers[question]
        p = self.problems.get(question)
        if p is None:
            return "I do not know how to solve this problem."
        rng = _rng(self.name, self.seed, question, index)
        if rng.random() >= self.error_rate:
            return p.solution(check=self.check_lines)
        return wrong_response(p, rng, self.check_lines)[0]


def default_teachers(seed: int = 0) -> tuple[ToyTeacher, ToyTeacher]:
    """The quick-start's two teachers: a strong one (5% slips) and a weaker one (20% slips)."""
    return ToyTeacher("teacher_a", 0.05, seed), ToyTeacher("teacher_b", 0.20, seed + 1)


def scripted_teacher(problems: Iterable[MathProblem], *, name: str, error_rate: float, seed: int = 0,
                     check_lines: bool = True, general: Iterable[tuple[str, str]] = ()) -> Any:
    """An ``acemath.generation.scripted.ScriptedTeacher`` for the toy world with the toy slip model.

    Its ``solve`` looks the question up (case and whitespace do not matter); its ``wrong`` makes one
    propagated arithmetic slip (:func:`corrupt`) instead of only perturbing the boxed answer, so a wrong
    teacher response is wrong the way a real one is.
    """
    from acemath.generation.scripted import ScriptedTeacher

    by_q: dict[str, tuple[str, str]] = {}
    by_solution: dict[str, MathProblem] = {}
    for p in problems:
        sol = p.solution(check=check_lines)
        by_q[_norm(p.question)] = (sol, str(p.answer))
        by_solution[sol] = p
    for q, a in general:
        by_q[_norm(q)] = (a, a)

    def solve(question: str) -> tuple[str, str] | None:
        return by_q.get(_norm(question))

    def wrong(solution: str, answer: str, rng: random.Random) -> tuple[str, str]:
        p = by_solution.get(solution)
        if p is None:  # a general task: a wrong answer is a different word order
            words = solution.split()
            rng.shuffle(words)
            out = " ".join(words)
            return (out if out != solution else solution + " " + solution), answer
        return wrong_response(p, rng, check_lines)

    return ScriptedTeacher(solve, error_rate=error_rate, name=name, seed=seed, wrong=wrong)


def _norm(q: str) -> str:
    return " ".join(q.split()).lower()
