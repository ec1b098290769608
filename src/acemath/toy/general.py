"""Procedurally generated "general" instruction tasks for the toy general-SFT stages.

Word-list tasks a tiny model can learn in a few hundred steps: copy, reverse, sort, count, uppercase,
first/last word, and joining. Each task is ``(instruction, answer)``; the answer is exact, so
general SFT can be judged by exact match.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from acemath.tiny.corpus import _WORDS

WORDS = sorted(set(_WORDS))


def _copy(ws: list[str]) -> tuple[str, str]:
    return f"Copy the words: {' '.join(ws)}", " ".join(ws)


def _reverse(ws: list[str]) -> tuple[str, str]:
    return f"Reverse the words: {' '.join(ws)}", " ".join(reversed(ws))


def _sort(ws: list[str]) -> tuple[str, str]:
    return f"Sort the words alphabetically: {' '.join(ws)}", " ".join(sorted(ws))


def _count(ws: list[str]) -> tuple[str, str]:
    return f"Count the words: {' '.join(ws)}", f"There are {len(ws)} words."


def _upper(ws: list[str]) -> tuple[str, str]:
    return f"Write the words in uppercase: {' '.join(ws)}", " ".join(w.upper() for w in ws)


def _first_last(ws: list[str]) -> tuple[str, str]:
    return (f"Name the first and the last word: {' '.join(ws)}",
            f"The first word is {ws[0]} and the last word is {ws[-1]}.")


def _join(ws: list[str]) -> tuple[str, str]:
    return f"Join the words with commas: {' '.join(ws)}", ", ".join(ws)


GENERAL_TASKS: dict[str, Callable[[list[str]], tuple[str, str]]] = {
    "copy": _copy, "reverse": _reverse, "sort": _sort, "count": _count, "uppercase": _upper,
    "first_last": _first_last, "join": _join,
}


def make_general_task(rng: random.Random, task: str | None = None, min_words: int = 3,
                      max_words: int = 7) -> tuple[str, str, str]:
    """``(task, instruction, answer)`` for a random word list."""
    name = task or rng.choice(sorted(GENERAL_TASKS))
    ws = rng.sample(WORDS, rng.randint(min_words, max_words))
    q, a = GENERAL_TASKS[name](ws)
    return name, q, a
