"""Reward-model training groups from graded samples (PAPER.md sections 6.1-6.2).

Input rows (docs/architecture.md): ``question`` (or ``prompt``), ``responses: [str]``,
``correct: [bool]`` and optionally ``rewards: [float]`` (an existing RM's scores) and ``id``.

Output rows: ``{id, prompt, responses, labels}`` where ``prompt`` is the question text (the RM chat
format adds the system prompt at training/scoring time) and ``labels`` are 1 (correct) / 0 (wrong).

Selection per problem, with ``per_problem = n`` (paper: 6):

* Problems whose candidates are all correct or all wrong are dropped (counted separately).
* Balanced target: ``n // 2`` positives and ``n - n // 2`` negatives.
* **Short side**: when one side has fewer candidates than its target, all of them are taken and the
  other side fills the remaining slots (so a group is still ``n`` responses when the problem has at
  least ``n`` candidates). Every kept group has at least one positive and one negative. A problem with
  fewer than ``n`` candidates in total gives a smaller group (all its candidates).
* ``random``: the chosen positives/negatives are a uniform random draw from each pool.
* ``score-sorted`` (the paper's "reward score-sorted sampling", k = 14): positives are drawn at random
  from the ``top_k`` highest-scored positives, negatives from the ``bottom_k`` lowest-scored
  negatives, by an existing RM's scores. When a pool within the top/bottom-k is too small for the
  target, the fill rule above applies to the restricted pools.

Randomness comes from ``seed`` and the problem id, so a row's group does not depend on its position
in the file (sharded or reordered inputs give the same groups).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from acemath.errors import InputError

STRATEGIES = ("random", "score-sorted")


@dataclass
class GroupStats:
    problems_in: int = 0
    dropped_all_correct: int = 0
    dropped_all_wrong: int = 0
    dropped_empty: int = 0
    groups_out: int = 0
    responses_out: int = 0
    pos_neg_counts: dict[str, int] = field(default_factory=dict)  # "3+3" -> number of groups

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def add_draw(self, other: GroupStats) -> GroupStats:
        """These counts plus another draw of groups from the same problems: groups add up, problem counts stay."""
        counts = dict(self.pos_neg_counts)
        for k, v in other.pos_neg_counts.items():
            counts[k] = counts.get(k, 0) + v
        return replace(self, groups_out=self.groups_out + other.groups_out,
                       responses_out=self.responses_out + other.responses_out, pos_neg_counts=counts)

    def summary(self) -> str:
        comp = ", ".join(f"{k}: {v}" for k, v in sorted(self.pos_neg_counts.items()))
        return (f"problems in {self.problems_in}; dropped all-correct {self.dropped_all_correct}, "
                f"all-wrong {self.dropped_all_wrong}, empty {self.dropped_empty}; groups out {self.groups_out} "
                f"({self.responses_out} responses); pos+neg per group: {comp or '-'}")


def _rng_for(seed: int, key: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def split_counts(n_pos: int, n_neg: int, per_problem: int) -> tuple[int, int]:
    """How many positives and negatives to keep (balanced; the short side is filled from the other)."""
    want_pos = per_problem // 2
    want_neg = per_problem - want_pos
    take_pos, take_neg = min(n_pos, want_pos), min(n_neg, want_neg)
    spare = per_problem - take_pos - take_neg
    if spare > 0:
        extra_pos = min(n_pos - take_pos, spare)
        take_pos += extra_pos
        spare -= extra_pos
        take_neg += min(n_neg - take_neg, spare)
    return take_pos, take_neg


def select_group(correct: Sequence[bool], *, per_problem: int = 6, strategy: str = "random",
                 scores: Sequence[float] | None = None, top_k: int = 14,
                 rng: random.Random | None = None) -> list[int] | None:
    """Indices of the responses kept for one problem (positives first), or None if it is dropped."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")
    rng = rng or random.Random(0)
    pos = [i for i, c in enumerate(correct) if c]
    neg = [i for i, c in enumerate(correct) if not c]
    if not pos or not neg:
        return None
    if strategy == "score-sorted":
        if scores is None:
            raise ValueError("score-sorted sampling needs scores")
        # Stable sorts: equal scores keep their original order.
        pos = sorted(pos, key=lambda i: -scores[i])[:top_k]
        neg = sorted(neg, key=lambda i: scores[i])[:top_k]
    take_pos, take_neg = split_counts(len(pos), len(neg), per_problem)
    chosen_pos = sorted(rng.sample(pos, take_pos))
    chosen_neg = sorted(rng.sample(neg, take_neg))
    return chosen_pos + chosen_neg


def _row_scores(row: Mapping[str, Any], scores_by_id: Mapping[str, Sequence[float]] | None,
                key: str, *, path: str | None, line: int | None, n: int) -> list[float] | None:
    scores = None
    if scores_by_id is not None and key in scores_by_id:
        scores = scores_by_id[key]
    elif row.get("rewards") is not None:
        scores = row["rewards"]
    if scores is None:
        return None
    if not isinstance(scores, list) or len(scores) != n:
        raise InputError(f"expected {n} reward scores, got {len(scores) if isinstance(scores, list) else scores!r}",
                         path=path, line=line, field="rewards")
    return [float(s) for s in scores]


def build_groups(rows: Iterable[tuple[int, Mapping[str, Any]]], *, per_problem: int = 6, strategy: str = "random",
                 top_k: int = 14, seed: int = 0, scores_by_id: Mapping[str, Sequence[float]] | None = None,
                 path: str | None = None) -> tuple[list[dict[str, Any]], GroupStats]:
    """Turn graded rows ``(line, row)`` into RM groups; return the groups and the counts."""
    if per_problem < 2:
        raise ValueError("per_problem must be at least 2 (one positive and one negative)")
    stats = GroupStats()
    out: list[dict[str, Any]] = []
    for line, row in rows:
        stats.problems_in += 1
        question = row.get("question", row.get("prompt"))
        if not isinstance(question, str):
            raise InputError("missing required field (question or prompt)", path=path, line=line, field="question")
        responses = row.get("responses")
        correct = row.get("correct")
        if not isinstance(responses, list):
            raise InputError("expected a list of responses", path=path, line=line, field="responses")
        if not isinstance(correct, list) or len(correct) != len(responses):
            raise InputError(f"expected {len(responses)} booleans (run `acemath grade` first)",
                             path=path, line=line, field="correct")
        key = str(row.get("id", line))
        if not responses:
            stats.dropped_empty += 1
            continue
        labels = [bool(c) for c in correct]
        if all(labels):
            stats.dropped_all_correct += 1
            continue
        if not any(labels):
            stats.dropped_all_wrong += 1
            continue
        scores = None
        if strategy == "score-sorted":
            scores = _row_scores(row, scores_by_id, key, path=path, line=line, n=len(responses))
            if scores is None:
                raise InputError("score-sorted sampling needs `rewards` in the row or a --scores file entry",
                                 path=path, line=line, field="rewards")
        idx = select_group(labels, per_problem=per_problem, strategy=strategy, scores=scores, top_k=top_k,
                           rng=_rng_for(seed, key))
        assert idx is not None
        group = {"id": key, "prompt": question, "responses": [responses[i] for i in idx],
                 "labels": [int(labels[i]) for i in idx]}
        n_pos = sum(group["labels"])
        comp = f"{n_pos}+{len(idx) - n_pos}"
        stats.pos_neg_counts[comp] = stats.pos_neg_counts.get(comp, 0) + 1
        stats.groups_out += 1
        stats.responses_out += len(idx)
        out.append(group)
    return out, stats


def load_scores_file(path: str) -> dict[str, list[float]]:
    """``--scores FILE``: JSONL rows ``{id, rewards}`` (e.g. the output of ``acemath rm score``)."""
    from acemath.io import iter_rows, require

    scores: dict[str, list[float]] = {}
    for line, row in iter_rows(path):
        key = str(require(row, "id", path=path, line=line))
        scores[key] = [float(x) for x in require(row, "rewards", path=path, line=line, types=list)]
    return scores


def validate_group(row: Mapping[str, Any], *, path: str | None = None, line: int | None = None) -> None:
    """Raise InputError unless ``row`` is a usable group (responses and 0/1 labels of equal length)."""
    for name in ("prompt", "responses", "labels"):
        if name not in row:
            raise InputError("missing required field", path=path, line=line, field=name)
    if not isinstance(row["responses"], list) or not all(isinstance(r, str) for r in row["responses"]):
        raise InputError("expected a list of strings", path=path, line=line, field="responses")
    labels = row["labels"]
    if not isinstance(labels, list) or len(labels) != len(row["responses"]):
        raise InputError("expected one label per response", path=path, line=line, field="labels")
    if any(x not in (0, 1, True, False) for x in labels):
        raise InputError("labels must be 0/1", path=path, line=line, field="labels")


def groups_to_pairs(groups: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every positive x negative combination of each group as ``{id, prompt, chosen, rejected}``."""
    pairs = []
    for g in groups:
        pos = [r for r, y in zip(g["responses"], g["labels"], strict=True) if y]
        neg = [r for r, y in zip(g["responses"], g["labels"], strict=True) if not y]
        for i, c in enumerate(pos):
            for j, r in enumerate(neg):
                pairs.append({"id": f"{g.get('id', '')}:{i}:{j}", "prompt": g["prompt"], "chosen": c, "rejected": r})
    return pairs


def pairs_to_groups(pairs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Merge ``{prompt, chosen, rejected}`` pairs into groups per prompt (duplicates removed, order kept)."""
    by_prompt: dict[str, dict[str, Any]] = {}
    for p in pairs:
        g = by_prompt.setdefault(p["prompt"], {"id": str(len(by_prompt)), "prompt": p["prompt"],
                                               "responses": [], "labels": []})
        for text, label in ((p["chosen"], 1), (p["rejected"], 0)):
            if text not in g["responses"]:
                g["responses"].append(text)
                g["labels"].append(label)
    return list(by_prompt.values())
