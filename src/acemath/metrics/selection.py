r"""Small pure selectors over one problem's samples: who wins rm@k and maj@k among the drawn ones.

Tie rules (deterministic, and independent of the order in which samples were drawn):

* **rm@k** -- the highest reward wins; among equal rewards the sample with the *lowest index in the
  file* wins. With ``k == n`` this is exactly the Qwen2.5-Math reference
  (``rm_score.index(max(rm_score))``).
* **maj@k** -- the answer group with the most drawn votes wins. Among groups with equal votes,
  ``tie_break="first"`` (default) picks the group whose earliest drawn member has the lowest index in
  the file (with ``k == n`` this is what ``collections.Counter.most_common`` does in the Qwen
  reference); ``tie_break="reward"`` picks the group with the highest total reward over its drawn
  members, then the earliest. The group's verdict is that of its earliest drawn member.
* Samples without an answer (``pred`` None or blank) never vote; if no drawn sample has an answer,
  maj@k counts the problem as wrong.

Answers are grouped by *equivalence*, not by string: a cheap normalised-string key first, then the
equivalence function only between representatives of different keys (so "1/2", "0.5" and
"\frac{1}{2}" vote together when the grader says they are equal).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np

EquivalenceFn = Callable[[str, str], bool]
TieBreak = Literal["first", "reward"]
AUTO: Literal["auto"] = "auto"  # use acemath.grading's equivalence when it is installed

_SPACING = re.compile(r"\\[,;:! ]|\\q?quad|\\left|\\right|\s+")
_FRAC = re.compile(r"\\[dt]frac")


@functools.lru_cache(maxsize=65536)
def normalize_answer(pred: str | None) -> str | None:
    r"""A conservative string key: two answers with the same key are certainly the same answer.

    Drops whitespace, LaTeX spacing commands, ``\left``/``\right``, surrounding ``$`` and a final
    period; ``\dfrac``/``\tfrac`` become ``\frac``. Returns None for a missing or blank answer.
    """
    if pred is None:
        return None
    key = _SPACING.sub("", str(pred))
    key = _FRAC.sub(r"\\frac", key).strip("$").rstrip(".")
    return key or None


def grader_equivalence(timeout: float = 10.0) -> EquivalenceFn | None:
    """``acemath.grading.answers_equivalent`` bound to ``timeout``, or None if grading is not installed.

    Imported lazily so that the metrics stay usable (and testable) without the grading stack.
    """
    try:
        from acemath.grading import answers_equivalent  # type: ignore[attr-defined]
    except ImportError:
        return None
    return functools.partial(answers_equivalent, timeout=timeout)


def resolve_equivalence(equivalent: EquivalenceFn | None | Literal["auto"]) -> EquivalenceFn | None:
    """``"auto"`` -> the grader's equivalence if installed, else None (normalised strings only)."""
    return grader_equivalence() if equivalent == AUTO else equivalent  # type: ignore[return-value]


def group_answers(preds: Sequence[str | None], equivalent: EquivalenceFn | None = None) -> np.ndarray:
    """Group labels for one problem's answers: equal labels vote together, ``-1`` marks "no answer".

    Labels are numbered by first occurrence. Distinct normalised keys are compared with
    ``equivalent`` (representative answer of the new key against the representative of each earlier
    group, in order; it joins the first match). ``equivalent=None`` groups by normalised string only.
    An equivalence function that raises counts as "not equivalent".
    """
    labels = np.full(len(preds), -1, dtype=np.int64)
    key_label: dict[str, int] = {}
    representatives: list[str] = []  # raw answer of each group's first member
    for i, pred in enumerate(preds):
        key = normalize_answer(pred)
        if key is None:
            continue
        if key in key_label:
            labels[i] = key_label[key]
            continue
        label = -1
        if equivalent is not None:
            for g, rep in enumerate(representatives):
                try:
                    same = bool(equivalent(str(pred), rep))
                except Exception:  # a grader failure must not sink a whole report
                    same = False
                if same:
                    label = g
                    break
        if label < 0:
            label = len(representatives)
            representatives.append(str(pred))
        key_label[key] = label
        labels[i] = label
    return labels


def reward_order(rewards: Sequence[float] | np.ndarray) -> np.ndarray:
    """Sample indices from best to worst: reward descending, then index ascending (the tie rule)."""
    r = np.asarray(rewards, dtype=np.float64)
    return np.lexsort((np.arange(len(r)), -r))


def best_of(rewards: Sequence[float] | np.ndarray, drawn: Sequence[int] | np.ndarray | None = None) -> int:
    """Index (into the full sample list) of the rm@k winner among ``drawn`` (default: all samples)."""
    r = np.asarray(rewards, dtype=np.float64)
    idx = np.arange(len(r)) if drawn is None else np.asarray(drawn, dtype=np.int64)
    if idx.size == 0:
        raise ValueError("best_of needs at least one drawn sample")
    best = np.max(r[idx])
    return int(np.min(idx[r[idx] == best]))


def majority_vote(labels: Sequence[int] | np.ndarray, drawn: Sequence[int] | np.ndarray | None = None, *,
                  rewards: Sequence[float] | np.ndarray | None = None, tie_break: TieBreak = "first") -> int | None:
    """Index of the maj@k representative among ``drawn`` (default: all), or None when no drawn sample answered.

    ``labels`` come from :func:`group_answers`. The representative is the earliest drawn member (lowest
    index) of the winning group; see the module docstring for the tie rules.
    """
    lab = np.asarray(labels, dtype=np.int64)
    idx = np.sort(np.arange(len(lab)) if drawn is None else np.asarray(drawn, dtype=np.int64))
    votes: dict[int, list[int]] = {}
    for i in idx:
        if lab[i] >= 0:
            votes.setdefault(int(lab[i]), []).append(int(i))
    if not votes:
        return None
    if tie_break == "reward" and rewards is None:
        raise ValueError("tie_break='reward' needs rewards")
    r = None if rewards is None else np.asarray(rewards, dtype=np.float64)

    def key(members: list[int]) -> tuple[float, float, int]:
        total = float(r[members].sum()) if (tie_break == "reward" and r is not None) else 0.0
        return (-len(members), -total, members[0])

    return min(votes.values(), key=key)[0]
