"""Closed-form estimators over one problem's n samples: pass@k (unbiased) and the exact rm@k expectation.

Both are expectations over drawing k of the n samples uniformly *without replacement*, which is the
AceMath protocol (PAPER.md section 6.5): the seeded sampling in :mod:`acemath.metrics.protocol`
converges to these numbers, and tests compare the two.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from math import comb

import numpy as np

from acemath.metrics.selection import reward_order


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``n`` samples of which ``c`` are correct: ``1 - C(n-c, k) / C(n, k)``.

    Computed in the numerically stable product form of Chen et al. (2021, "Evaluating Large Language
    Models Trained on Code"): ``C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)``, which never
    forms the huge binomials. When fewer than ``k`` samples are wrong, every draw holds a correct one.
    """
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got n={n}, k={k}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1, dtype=np.float64)))


@functools.lru_cache(maxsize=1024)
def winner_probabilities(n: int, k: int) -> np.ndarray:
    """``P(the best of k drawn is the sample at rank r)`` for ranks ``r = 0..n-1`` (0 = best).

    The sample at rank ``r`` wins exactly when it is drawn and the other ``k - 1`` drawn samples all
    come from the ``n - 1 - r`` samples ranked below it: ``C(n-1-r, k-1) / C(n, k)``. Exact integer
    binomials, one float division each.
    """
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got n={n}, k={k}")
    total = comb(n, k)
    probs = np.array([comb(n - 1 - r, k - 1) / total for r in range(n)], dtype=np.float64)
    probs.flags.writeable = False  # cached: shared between callers
    return probs


def rm_at_k_expected(rewards: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray, k: int) -> float:
    """Exact expected rm@k of one problem: the chance that the best-rewarded of k drawn samples is correct.

    Ties in reward are broken by the lower sample index (see :func:`acemath.metrics.selection.best_of`),
    which makes the ranking a total order, so the hypergeometric formula of
    :func:`winner_probabilities` is exact with ties too.
    """
    r = np.asarray(rewards, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    if r.shape != ok.shape or r.ndim != 1:
        raise ValueError(f"rewards and correct must be 1-D of the same length, got {r.shape} and {ok.shape}")
    order = reward_order(r)  # order[rank] = sample index
    probs = winner_probabilities(len(r), k)
    return float(np.sum(probs * ok[order]))


def pass_at_k_expected(correct: Sequence[bool] | np.ndarray, k: int) -> float:
    """pass@k of one problem from its correctness labels (the unbiased estimator)."""
    ok = np.asarray(correct, dtype=bool)
    return pass_at_k(len(ok), int(ok.sum()), k)
