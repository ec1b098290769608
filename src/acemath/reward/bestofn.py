"""rm@k, majority@k and pass@k with the AceMath-RewardBench protocol (PAPER.md section 6.5).

Protocol: for each seed, draw ``k`` of a problem's ``n`` candidates uniformly **without
replacement** (``numpy.random.default_rng(seed)``, problems in file order); rm@k counts the problem
solved when the highest-reward candidate of the draw is correct (ties: the candidate that comes first
in the original list, i.e. Qwen's "first max"); majority@k takes the most frequent extracted answer
of the draw (ties: the answer seen first in the original order) and scores that answer's first
candidate; pass@k counts any correct candidate. The score is the mean over problems, averaged over
seeds. A problem with ``n <= k`` candidates uses all of them (every seed gives the same draw).

:func:`rm_at_k_expected` is the exact expectation of rm@k over all size-k subsets: with candidates
ranked by ``(-reward, index)``, the candidate at rank ``j`` (0-based) is the pick exactly when it is
drawn and the other ``k-1`` come from the ``n-1-j`` candidates ranked below it, so

    P(pick = rank j) = C(n-1-j, k-1) / C(n, k)     and     E[rm@k] = sum_j P_j * correct_j.

If ``acemath.metrics`` (the metrics engineer's module) provides the same functions, prefer those;
this module is the one place the reward code computes them (``best_of_k_over_seeds``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

import numpy as np


@dataclass(frozen=True)
class Candidates:
    """One problem's candidates: correctness, rewards and (for majority vote) extracted answers."""

    correct: Sequence[bool]
    rewards: Sequence[float] | None = None
    preds: Sequence[str | None] | None = None


def _rm_pick(idx: np.ndarray, rewards: np.ndarray) -> int:
    sub = np.sort(idx)
    return int(sub[int(np.argmax(rewards[sub]))])  # argmax returns the first max


def _maj_pick(idx: np.ndarray, preds: Sequence[str | None]) -> int | None:
    sub = np.sort(idx)
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for i in sub:
        p = preds[int(i)]
        if p is None or p == "":
            continue
        counts[p] = counts.get(p, 0) + 1
        first.setdefault(p, int(i))
    if not counts:
        return None
    best = max(counts, key=lambda a: (counts[a], -first[a]))
    return first[best]


def best_of_k_over_seeds(problems: Sequence[Candidates], k: int = 8, seeds: int | Sequence[int] = 100
                         ) -> dict[str, float | None]:
    """Mean over seeds of rm@k / maj@k / pass@k (each a mean over problems), as fractions in [0, 1].

    ``rm@k`` is None when any problem lacks rewards; ``maj@k`` is None when any lacks preds.
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not problems:
        return {"rm@k": None, "maj@k": None, "pass@k": None, "k": k, "seeds": len(seed_list), "problems": 0}
    has_rm = all(p.rewards is not None for p in problems)
    has_maj = all(p.preds is not None for p in problems)
    rm_tot = maj_tot = pass_tot = 0.0
    arrays = [(np.asarray(p.correct, dtype=bool),
               np.asarray(p.rewards, dtype=float) if p.rewards is not None else None) for p in problems]
    for seed in seed_list:
        rng = np.random.default_rng(seed)
        rm_hits = maj_hits = pass_hits = 0
        for p, (corr, rew) in zip(problems, arrays, strict=True):
            n = len(corr)
            idx = np.arange(n) if n <= k else rng.choice(n, size=k, replace=False)
            pass_hits += bool(corr[idx].any())
            if has_rm:
                rm_hits += bool(corr[_rm_pick(idx, rew)])
            if has_maj:
                pick = _maj_pick(idx, p.preds)  # type: ignore[arg-type]
                maj_hits += pick is not None and bool(corr[pick])
        rm_tot += rm_hits / len(problems)
        maj_tot += maj_hits / len(problems)
        pass_tot += pass_hits / len(problems)
    s = len(seed_list)
    return {"rm@k": rm_tot / s if has_rm else None, "maj@k": maj_tot / s if has_maj else None,
            "pass@k": pass_tot / s, "k": k, "seeds": s, "problems": len(problems)}


def rm_at_k_expected(problems: Sequence[Candidates], k: int = 8) -> float:
    """Exact E[rm@k] over uniformly drawn size-k subsets (hypergeometric), mean over problems."""
    total = 0.0
    for p in problems:
        n = len(p.correct)
        if p.rewards is None:
            raise ValueError("rm_at_k_expected needs rewards for every problem")
        order = sorted(range(n), key=lambda i: (-float(p.rewards[i]), i))  # type: ignore[index]
        kk = min(k, n)
        denom = comb(n, kk)
        total += sum(comb(n - 1 - j, kk - 1) / denom * bool(p.correct[i]) for j, i in enumerate(order))
    return total / len(problems) if problems else float("nan")


def rm_at_k_std_error(problems: Sequence[Candidates], k: int = 8, seeds: int = 100) -> float:
    """Standard error of the seed-mean rm@k (problems drawn independently): sqrt(sum p(1-p)) / (P sqrt(S))."""
    var = 0.0
    for p in problems:
        e = rm_at_k_expected([p], k)
        var += e * (1 - e)
    return float(np.sqrt(var) / (len(problems) * np.sqrt(seeds))) if problems else float("nan")
