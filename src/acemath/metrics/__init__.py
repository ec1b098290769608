"""The paper's sampled metrics: greedy pass@1, pass@k (unbiased), maj@k (vote over equivalent answers) and
rm@k (highest reward), with the AceMath protocol (k of n without replacement, over S seeds).

Pure functions over per-problem arrays live in :mod:`.estimators`, :mod:`.selection` and
:mod:`.protocol`; tables, JSON and plots in :mod:`.report`; file layouts in :mod:`.loading`.
Everything here returns fractions in [0, 1]; the report layer shows percentages.
"""

from __future__ import annotations

from acemath.metrics.estimators import (
    pass_at_k,
    pass_at_k_expected,
    rm_at_k_expected,
    winner_probabilities,
)
from acemath.metrics.protocol import (
    DEFAULT_SEEDS,
    ProblemSamples,
    SeedStats,
    curve_ks,
    curves,
    draw_permutations,
    evaluate,
    exact_pass_at_k,
    exact_rm_at_k,
    sampled_metric,
    with_groups,
)
from acemath.metrics.selection import (
    EquivalenceFn,
    best_of,
    grader_equivalence,
    group_answers,
    majority_vote,
    normalize_answer,
    resolve_equivalence,
    reward_order,
)

__all__ = [
    "DEFAULT_SEEDS",
    "EquivalenceFn",
    "ProblemSamples",
    "SeedStats",
    "best_of",
    "curve_ks",
    "curves",
    "draw_permutations",
    "evaluate",
    "exact_pass_at_k",
    "exact_rm_at_k",
    "grader_equivalence",
    "group_answers",
    "majority_vote",
    "normalize_answer",
    "pass_at_k",
    "pass_at_k_expected",
    "resolve_equivalence",
    "reward_order",
    "rm_at_k_expected",
    "sampled_metric",
    "winner_probabilities",
    "with_groups",
]
