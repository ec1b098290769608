"""``grade`` / ``answers_equivalent``: the public grading verbs and the :class:`Verdict` they return.

Grading is pure and deterministic: the verdict depends only on (response, gold, benchmark,
choices, meta). Results are cached per process on the extracted/normalised pair. Every call is
bounded by ``timeout`` seconds: in-process work is guarded by input-size limits, and symbolic work
runs in a worker process that is killed when the budget runs out (status ``"timeout"``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from acemath.grading.equivalence import Ctx, GradeTimeout, equivalent
from acemath.grading.extract import extract_answer, letter_of
from acemath.grading.normalize import normalize

STATUSES = ("ok", "no_answer", "timeout", "error")
# Benchmarks whose decimal golds are rounded values: a prediction agreeing to the gold's precision is right.
ROUNDED_GOLD_BENCHMARKS = frozenset({"minerva_math", "college_math", "olympiadbench"})
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Verdict:
    """``correct``; ``pred`` the extracted final answer (None if none); ``status`` in :data:`STATUSES`."""

    correct: bool
    pred: str | None
    status: str
    detail: str | None = None


def grade(response: str, gold: str, benchmark: str | None = None, *, choices: list[str] | None = None,
          meta: Mapping[str, Any] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Verdict:
    """Grade one response against the gold answer of its problem."""
    try:
        pred = extract_answer(response, benchmark, choices)
    except Exception as exc:  # never let one odd response stop a run
        return Verdict(False, None, "error", f"extract: {type(exc).__name__}")
    if pred is None:
        return Verdict(False, None, "no_answer")
    meta = meta or {}
    unit = meta.get("unit") or None
    multi = bool(meta.get("is_multiple_answer"))
    answers = meta.get("answers")
    if isinstance(answers, list) and len(answers) > 1:
        gold = ", ".join(str(a) for a in answers)
    ch = tuple(str(c) for c in choices) if choices else None
    correct, status = _cached(pred, str(gold), benchmark or "", ch, str(unit) if unit else None, multi, timeout)
    return Verdict(correct, pred, status)


_CACHE: dict[tuple[Any, ...], tuple[bool, str]] = {}
CACHE_SIZE = 200_000


def _cached(pred: str, gold: str, benchmark: str, choices: tuple[str, ...] | None, unit: str | None,
            multi: bool, timeout: float) -> tuple[bool, str]:
    """Verdicts cached on the extracted pair; timeouts are not kept (a larger budget should retry)."""
    key = (pred, gold, benchmark, choices, unit, multi)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    result = _decide(pred, gold, benchmark, choices, unit, multi, timeout)
    if result[1] != "timeout":
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = result
    return result


def _decide(pred: str, gold: str, benchmark: str, choices: tuple[str, ...] | None, unit: str | None,
            multi: bool, timeout: float) -> tuple[bool, str]:
    g = gold.strip()
    if choices:
        gl = letter_of(g, list(choices)) if len(g) > 1 else g.upper()
        return pred == gl, "ok"
    gn = normalize(g)
    if re.fullmatch(r"\(?[A-E]\)?", gn):  # a letter gold without the options (GaoKao, MATH's "\text{(C)}")
        letter = letter_of(pred, ["", "", "", "", ""])
        if letter is not None:
            return letter == gn.strip("()"), "ok"
    ctx = Ctx(deadline=time.monotonic() + timeout, rounded_gold=benchmark in ROUNDED_GOLD_BENCHMARKS)
    try:
        return equivalent(pred, g, ctx, unit=unit), "ok"
    except GradeTimeout:
        return False, "timeout"
    except RecursionError:
        return False, "error"


def answers_equivalent(a: str, b: str, *, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Symmetric equivalence of two extracted answers (maj@k vote groups, teacher cross-checks).

    Symmetric by construction: the pair is put in a canonical order before comparing, and rounded
    values get no tolerance (neither side is a reference). A timeout counts as "not equivalent".
    """
    if a is None or b is None:
        return False
    x, y = sorted((str(a), str(b)), key=lambda s: (normalize(s), s))
    correct, _ = _pair(x, y, timeout)
    return correct


@lru_cache(maxsize=200_000)
def _pair(x: str, y: str, timeout: float) -> tuple[bool, str]:
    ctx = Ctx(deadline=time.monotonic() + timeout, rounded_gold=False)
    try:
        return equivalent(x, y, ctx), "ok"
    except GradeTimeout:
        return False, "timeout"
    except RecursionError:
        return False, "error"


def clear_cache() -> None:
    """Forget cached verdicts (used by benchmarks to time real work)."""
    _CACHE.clear()
    _pair.cache_clear()
    normalize.cache_clear()
    from acemath.grading.numbers import parse_number

    parse_number.cache_clear()
