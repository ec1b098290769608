"""Procedural math word problems with computable answers, and contaminated copies of test questions.

Used by the curation benchmark (a million generated prompts), the tests (a clean set for the
false-positive rate, edited test questions for recall) and the toy curation run: :func:`solve`
recomputes the answer of any problem made here, including number-changed ("in-breadth") and
"Then multiply the result by k." ("in-depth") variants, so a scripted teacher can answer evolved
prompts it has never seen.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

NAMES = ["Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kemi", "Luis",
         "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Ximena",
         "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dmitri"]
ITEMS = ["apple", "marble", "pencil", "sticker", "book", "cookie", "shell", "coin", "stamp", "card", "balloon",
         "orange", "ribbon", "button", "candle", "notebook", "flower", "toy car", "puzzle", "cupcake", "kite",
         "lemon", "crayon", "bead", "seashell", "comic", "magnet", "badge", "muffin", "plum"]
CONTEXTS = ["", "", "", "On a sunny morning, ", "At the school fair, ", "During the holidays, ", "At the market, ",
            "After lunch, ", "On Saturday, ", "In a small town, ", "For a class project, ", "Last week, "]
N = r"(\d+)"


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    make: Callable[[random.Random], dict[str, int]]
    answer: Callable[[dict[str, int]], int]


def _r(lo: int, hi: int) -> Callable[[random.Random], int]:
    return lambda rng: rng.randint(lo, hi)


def _div(rng: random.Random) -> dict[str, int]:
    b = rng.randint(2, 12)
    return {"a": b * rng.randint(2, 40), "b": b}


def _lin(rng: random.Random) -> dict[str, int]:
    a, k, b = rng.randint(2, 15), rng.randint(1, 30), rng.randint(1, 99)
    return {"a": a, "b": b, "c": a * k + b}


def _change(rng: random.Random) -> dict[str, int]:
    a, b = rng.randint(1, 20), rng.randint(1, 9)
    return {"a": a, "b": b, "c": a * b + rng.randint(0, 50)}


TEMPLATES: list[Template] = [
    Template("buy_more", "{name} has {a} {item}s and buys {b} more. How many {item}s does {name} have now?",
             lambda r: {"a": _r(2, 500)(r), "b": _r(2, 500)(r)}, lambda v: v["a"] + v["b"]),
    Template("give_away", "{name} had {a} {item}s and gave {b} of them to a friend. How many {item}s are left?",
             lambda r: (lambda b: {"a": b + r.randint(1, 400), "b": b})(r.randint(1, 300)), lambda v: v["a"] - v["b"]),
    Template("boxes", "A box holds {a} {item}s. How many {item}s are there in {b} boxes?",
             lambda r: {"a": _r(2, 60)(r), "b": _r(2, 60)(r)}, lambda v: v["a"] * v["b"]),
    Template("share", "{name} shares {a} {item}s equally among {b} friends. How many {item}s does each friend get?",
             _div, lambda v: v["a"] // v["b"]),
    Template("area", "A rectangle has a length of {a} cm and a width of {b} cm. What is its area in square centimeters?",
             lambda r: {"a": _r(2, 99)(r), "b": _r(2, 99)(r)}, lambda v: v["a"] * v["b"]),
    Template("perimeter", "A rectangular garden is {a} meters long and {b} meters wide. What is its perimeter in meters?",
             lambda r: {"a": _r(2, 250)(r), "b": _r(2, 250)(r)}, lambda v: 2 * (v["a"] + v["b"])),
    Template("sum3", "What is the sum of {a}, {b} and {c}?",
             lambda r: {"a": _r(1, 999)(r), "b": _r(1, 999)(r), "c": _r(1, 999)(r)}, lambda v: v["a"] + v["b"] + v["c"]),
    Template("distance", "A train travels at {a} kilometers per hour for {b} hours. How many kilometers does it travel?",
             lambda r: {"a": _r(20, 300)(r), "b": _r(1, 12)(r)}, lambda v: v["a"] * v["b"]),
    Template("wages", "{name} earns {a} dollars per hour and works {b} hours a week. How many dollars does {name} earn in {c} weeks?",
             lambda r: {"a": _r(8, 60)(r), "b": _r(5, 40)(r), "c": _r(2, 8)(r)}, lambda v: v["a"] * v["b"] * v["c"]),
    Template("linear", "Find the value of x if {a}x + {b} = {c}.", _lin, lambda v: (v["c"] - v["b"]) // v["a"]),
    Template("percent", "What is {a} percent of {b}?",
             lambda r: {"a": _r(1, 99)(r), "b": 100 * _r(1, 50)(r)}, lambda v: v["a"] * v["b"] // 100),
    Template("change", "A shop sells {item}s for {a} dollars each. {name} buys {b} {item}s and pays with a {c}-dollar bill. "
             "How many dollars of change does {name} get?", _change, lambda v: v["c"] - v["a"] * v["b"]),
    Template("remainder", "What is the remainder when {a} is divided by {b}?",
             lambda r: {"a": _r(50, 9999)(r), "b": _r(3, 97)(r)}, lambda v: v["a"] % v["b"]),
    Template("minutes", "How many minutes are there in {a} hours and {b} minutes?",
             lambda r: {"a": _r(1, 48)(r), "b": _r(1, 59)(r)}, lambda v: 60 * v["a"] + v["b"]),
    Template("legs", "A farm has {a} chickens and {b} cows. How many legs do the animals have in total?",
             lambda r: {"a": _r(1, 200)(r), "b": _r(1, 200)(r)}, lambda v: 2 * v["a"] + 4 * v["b"]),
    Template("pages", "{name} reads {a} pages of a book every day. How many pages does {name} read in {b} days?",
             lambda r: {"a": _r(3, 90)(r), "b": _r(2, 60)(r)}, lambda v: v["a"] * v["b"]),
]

DEPTH_SUFFIX = "Then multiply the result by {k}."
_DEPTH_RE = re.compile(r"\s*Then multiply the result by (\d+)\.\s*$")


def _pattern(t: Template) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", t.text)
    seen: set[str] = set()
    out = []
    for p in parts:
        if p in ("{a}", "{b}", "{c}"):
            key = p[1:-1]
            out.append(rf"(?P<{key}>\d+)" if key not in seen else rf"(?P={key})")
            seen.add(key)
        elif p == "{name}":
            out.append(r"(?P<name>[A-Z][a-z]+)" if "name" not in seen else r"(?P=name)")
            seen.add("name")
        elif p == "{item}":
            out.append(r"(?P<item>[a-z ]+?)" if "item" not in seen else r"(?P=item)")
            seen.add("item")
        else:
            out.append(re.escape(p))
    return re.compile("^" + "".join(out) + "$")


_PATTERNS = [(t, _pattern(t)) for t in TEMPLATES]


@dataclass(frozen=True)
class WordProblem:
    question: str
    answer: str
    template: str


def make_problem(rng: random.Random) -> WordProblem:
    t = rng.choice(TEMPLATES)
    v = t.make(rng)
    text = t.text.format(name=rng.choice(NAMES), item=rng.choice(ITEMS), **v)
    ctx = rng.choice(CONTEXTS)
    if ctx and not text.startswith(tuple(NAMES)):
        text = text[0].lower() + text[1:]
    return WordProblem(ctx + text, str(t.answer(v)), t.name)


def solve(question: str) -> WordProblem | None:
    """Recompute the answer of a generated problem (or an evolved variant); None if not one of ours."""
    q = question.strip()
    k = 1
    m = _DEPTH_RE.search(q)
    if m:
        k = int(m.group(1))
        q = q[: m.start()].rstrip()
    for ctx in CONTEXTS:
        if ctx and q.startswith(ctx):
            q = q[len(ctx):]
            q = q[0].upper() + q[1:]
            break
    for t, pat in _PATTERNS:
        mm = pat.match(q)
        if mm:
            v = {key: int(val) for key, val in mm.groupdict().items() if key in ("a", "b", "c") and val is not None}
            return WordProblem(question, str(t.answer(v) * k), t.name)
    return None


def solution_text(p: WordProblem) -> str:
    """A short worked solution ending in the boxed answer (what a correct teacher writes)."""
    return (f"We need to answer: {p.question}\nWorking through the quantities step by step gives "
            f"{p.answer}.\nTherefore, the final answer is $\\boxed{{{p.answer}}}$.")


PREFIXES = ["Problem: ", "Question: ", "Solve: ", "Q: ", "Please solve this problem. ", "Exercise 3. ",
            "Here is a math question: ", "Answer the following. "]
SUFFIXES = [" Show your work.", " Explain your reasoning.", " Give the final answer.", " (5 points)",
            " Answer briefly.", " Justify your answer."]
EDITS = ("verbatim", "lower", "upper", "no_punct", "extra_punct", "whitespace", "prefix", "suffix", "prefix_suffix")


def contaminate(question: str, rng: random.Random, kind: str | None = None) -> tuple[str, str]:
    """A lightly edited copy of a test question: case, punctuation, whitespace, added prefix/suffix."""
    kind = kind or rng.choice(EDITS)
    q = question
    if kind == "lower":
        q = q.lower()
    elif kind == "upper":
        q = q.upper()
    elif kind == "no_punct":
        q = re.sub(r"[.,;:!?](?=\s|$)", "", q)
    elif kind == "extra_punct":
        q = re.sub(r" ", lambda _: rng.choice([" ", " ", ", ", " - "]), q)
    elif kind == "whitespace":
        q = re.sub(r"\s+", lambda _: rng.choice(["  ", "\n", " \t ", " "]), q)
    elif kind == "prefix":
        q = rng.choice(PREFIXES) + q
    elif kind == "suffix":
        q = q + rng.choice(SUFFIXES)
    elif kind == "prefix_suffix":
        q = rng.choice(PREFIXES) + q + rng.choice(SUFFIXES)
    elif kind != "verbatim":
        raise ValueError(f"unknown edit {kind!r}")
    return q, kind
