r"""Scripted generation backends: deterministic teachers and policies with known error rates.

They implement :class:`acemath.generation.base.Generator`, so every stage that samples from a model
(curation's ``evolve``/``respond``, evaluation, RM data) can run without weights, in tests, demos and
the quick-start's toy world, and the effect of a filter can be measured against a known truth.

* :class:`ScriptedTeacher` answers a prompt whose reference solution it can look up or compute
  (``solve(question) -> (solution_text, answer) | None``). Each sample is wrong with probability
  ``error_rate`` (a plausible solution whose final ``\boxed{}`` holds a perturbed answer), and can
  also be truncated, degenerate (a looping tail) or unboxed at given rates. Every draw is
  deterministic per ``(teacher seed, params.seed, question, sample index)``: not per batch position,
  so resumed and sharded runs see the same samples. With ``temperature == 0`` all ``n`` samples of
  a prompt are the same draw, as greedy decoding would give.
* :class:`ScriptedEvolver` answers the evolution templates of PAPER.md 3.2 (recognised by their
  wording): in-breadth changes every number of the given question, in-depth appends
  "Then multiply the result by k.", add-constraints appends a constraint sentence. A rate of
  over-long (> 300 words) outputs exercises the length filter.

``Completion.extra["scripted"]`` records the outcome drawn (``correct``, ``wrong``, ``no_answer``,
``repeat``, ``truncated``, ``unknown``) and ``extra["reference"]`` the true answer, so tests can
measure error rates before and after filtering.

Example::

    from acemath.generation.scripted import ScriptedTeacher
    from acemath.generation.base import SamplingParams
    teacher = ScriptedTeacher.from_mapping({"What is 2+3?": ("2+3=5.", "5")}, error_rate=0.2, seed=1)
    [[c]] = teacher.generate(["What is 2+3?"], SamplingParams(temperature=0.7))
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from pathlib import Path

from acemath.generation.base import Completion, Prompt, SamplingParams

BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
Solver = Callable[[str], "tuple[str, str] | None"]
WrongFn = Callable[[str, str, random.Random], "tuple[str, str]"]

_WS = re.compile(r"\s+")


def _norm(q: str) -> str:
    return _WS.sub(" ", q).strip().lower()


def question_of(prompt: Prompt) -> str:
    """The question inside a prompt: the last user turn of a chat, without the ``\\boxed{}`` instruction."""
    if isinstance(prompt, str):
        text = prompt
    else:
        users = [m.get("content", "") for m in prompt if m.get("role") == "user"]
        text = users[-1] if users else (prompt[-1].get("content", "") if prompt else "")
    text = text.replace(BOXED_INSTRUCTION, "")
    return text.strip()


def draw_seed(*parts: object) -> int:
    """A stable 64-bit seed from any parts (blake2b, not Python's salted ``hash``)."""
    data = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def perturb_answer(answer: str, rng: random.Random) -> str:
    """A plausible wrong answer: integers and fractions move by a random non-zero offset (one of 40),
    decimals scale, anything else gets a ``+ k`` term. Never equal to ``answer``."""
    a = answer.strip()
    offset = rng.choice([d for d in range(-20, 21) if d])
    if re.fullmatch(r"-?\d+", a):
        return str(int(a) + offset)
    if re.fullmatch(r"-?\d+/\d+", a):
        fr = Fraction(a)
        return str(fr + Fraction(offset, fr.denominator))
    if re.fullmatch(r"-?\d*\.\d+", a):
        return f"{float(a) * (1 + offset / 100):.4g}"
    return f"{a} + {abs(offset)}"


def wrong_solution(solution: str, answer: str, rng: random.Random) -> tuple[str, str]:
    """Default wrong solution: the same reasoning text with a perturbed answer in its last ``\\boxed{}``."""
    wrong = perturb_answer(answer, rng)
    i = solution.rfind("\\boxed{")
    if i < 0:
        return f"{solution}\nSo the final answer is $\\boxed{{{wrong}}}$.", wrong
    j, depth = i + len("\\boxed{"), 1
    while j < len(solution) and depth:
        depth += {"{": 1, "}": -1}.get(solution[j], 0)
        j += 1
    return solution[:i] + "\\boxed{" + wrong + "}" + solution[j:], wrong


def _boxed_solution(solution: str, answer: str) -> str:
    return solution if "\\boxed{" in solution else f"{solution}\nSo the final answer is $\\boxed{{{answer}}}$."


class ScriptedTeacher:
    """A teacher with a known error rate (see the module docstring)."""

    def __init__(self, solve: Solver, *, error_rate: float = 0.0, name: str = "scripted-teacher", seed: int = 0,
                 wrong: WrongFn | None = None, no_answer_rate: float = 0.0, repeat_rate: float = 0.0,
                 truncate_rate: float = 0.0) -> None:
        for label, rate in (("error_rate", error_rate), ("no_answer_rate", no_answer_rate),
                            ("repeat_rate", repeat_rate), ("truncate_rate", truncate_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{label} must be in [0, 1], got {rate}")
        if no_answer_rate + repeat_rate + truncate_rate > 1.0:
            raise ValueError("no_answer_rate + repeat_rate + truncate_rate must be at most 1")
        self.solve = solve
        self.error_rate = error_rate
        self.name = name
        self.seed = seed
        self.wrong = wrong or wrong_solution
        self.no_answer_rate = no_answer_rate
        self.repeat_rate = repeat_rate
        self.truncate_rate = truncate_rate

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, tuple[str, str]], **kw: object) -> ScriptedTeacher:
        """A teacher that looks questions up (case and whitespace do not matter)."""
        table = {_norm(q): v for q, v in mapping.items()}
        return cls(lambda q: table.get(_norm(q)), **kw)  # type: ignore[arg-type]

    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        out = []
        for prompt in prompts:
            q = question_of(prompt)
            out.append([self._sample(q, 0 if params.greedy else k, params) for k in range(params.n)])
        return out

    def _sample(self, question: str, k: int, params: SamplingParams) -> Completion:
        rng = random.Random(draw_seed(self.name, self.seed, params.seed, question, k))
        ref = self.solve(question)
        if ref is None:
            text = "I could not work out this problem."
            return Completion(text, "stop", len(text.split()), {"scripted": "unknown", "reference": None})
        solution, answer = ref
        u = rng.random()
        wrong = rng.random() < self.error_rate
        text, given = self.wrong(solution, answer, rng) if wrong else (_boxed_solution(solution, answer), answer)
        outcome = "wrong" if wrong else "correct"
        finish = "stop"
        if u < self.truncate_rate:
            words = text.split()
            text, outcome, finish = " ".join(words[: max(1, len(words) // 2)]), "truncated", "length"
        elif u < self.truncate_rate + self.repeat_rate:
            loop = " Let me check this again: " + " ".join(text.split()[:6])
            text, outcome, finish = text.split("\\boxed")[0] + loop * 60, "repeat", "length"
        elif u < self.truncate_rate + self.repeat_rate + self.no_answer_rate:
            text, outcome = re.sub(r"\$?\\boxed\{[^{}]*\}\$?", given, text), "no_answer"
        return Completion(text, finish, len(text.split()),
                          {"scripted": outcome, "reference": answer, "given": given})

    def close(self) -> None:
        return None


_GIVEN_RE = re.compile(r"#Given MATH Question#:\s*(.*?)\s*#Created MATH Question#:", re.S)
_NUM_RE = re.compile(r"\d+")


def breadth_variant(question: str, rng: random.Random) -> str:
    """Every number replaced by a different one of the same number of digits."""
    def swap(m: re.Match[str]) -> str:
        s = m.group(0)
        lo = 10 ** (len(s) - 1) if len(s) > 1 else 2
        hi = 10 ** len(s) - 1
        v = rng.randint(lo, max(lo, hi))
        return str(v if str(v) != s or lo == hi else v + 1 if v < hi else v - 1)
    return _NUM_RE.sub(swap, question)


def depth_variant(question: str, rng: random.Random) -> str:
    return f"{question.rstrip()} Then multiply the result by {rng.randint(2, 9)}."


def constraints_variant(question: str, rng: random.Random) -> str:
    return f"{question.rstrip()} The answer must also be a prime number greater than {rng.randint(10, 99)}."


class ScriptedEvolver:
    """Answers the PAPER.md 3.2 evolution templates deterministically (see the module docstring)."""

    def __init__(self, *, name: str = "scripted-evolver", seed: int = 0, long_rate: float = 0.0,
                 breadth: Callable[[str, random.Random], str] = breadth_variant,
                 depth: Callable[[str, random.Random], str] = depth_variant) -> None:
        self.name = name
        self.seed = seed
        self.long_rate = long_rate
        self.breadth = breadth
        self.depth = depth

    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        out = []
        for prompt in prompts:
            text = question_of(prompt)
            m = _GIVEN_RE.search(text)
            given = m.group(1) if m else text
            if "introducing additional constraints" in text:
                kind, fn = "constraints", constraints_variant
            elif "more complex and challenging" in text:
                kind, fn = "depth", self.depth
            else:
                kind, fn = "breadth", self.breadth
            row = []
            for k in range(params.n):
                rng = random.Random(draw_seed(self.name, self.seed, params.seed, text, 0 if params.greedy else k))
                new = fn(given, rng)
                if rng.random() < self.long_rate:
                    new = new + " Consider also the following background." + " It is a long story." * 80
                row.append(Completion(new, "stop", len(new.split()), {"scripted": kind}))
            out.append(row)
        return out

    def close(self) -> None:
        return None


def make_scripted(model: str, **kw: object) -> ScriptedTeacher | ScriptedEvolver:
    """Factory for ``get_generator("scripted", model, ...)``.

    ``model`` is ``evolver``; ``wordproblems`` (computes the answer of any
    :mod:`acemath.curation.synthetic` problem); or a JSONL/Parquet file of rows with a question
    (``question``/``problem``/``prompt``), ``answer`` and optional ``solution``. Keyword arguments go to
    the class (``error_rate``, ``seed``, ``name``, ...).
    """
    if model == "evolver":
        return ScriptedEvolver(**kw)  # type: ignore[arg-type]
    if model == "wordproblems":
        from acemath.curation.synthetic import solution_text, solve

        def solve_wp(q: str) -> tuple[str, str] | None:
            p = solve(q)
            return None if p is None else (solution_text(p), p.answer)

        return ScriptedTeacher(solve_wp, **{"name": "scripted-wordproblems", **kw})  # type: ignore[arg-type]
    from acemath.errors import InputError
    from acemath.io import iter_rows

    path = Path(model)
    if not path.exists():
        raise InputError("scripted model must be 'evolver', 'wordproblems' or a JSONL/Parquet file of "
                         "question + answer (+ solution) rows", path=model)
    table: dict[str, tuple[str, str]] = {}
    for line, row in iter_rows(path):
        q = row.get("question") or row.get("problem") or row.get("prompt")
        if not isinstance(q, str) or row.get("answer") is None:
            raise InputError("needs a question and an answer", path=model, line=line, field="answer")
        ans = str(row["answer"])
        table[q] = (str(row.get("solution") or f"The answer is $\\boxed{{{ans}}}$."), ans)
    return ScriptedTeacher.from_mapping(table, **{"name": f"scripted:{path.name}", **kw})
