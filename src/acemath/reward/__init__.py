"""Reward models: training groups, listwise Bradley-Terry training, offline scoring, rm@k, RM benchmarks.

Heavy imports (torch, transformers) happen only when the scoring/training names are used.
"""

from __future__ import annotations

from typing import Any

from acemath.reward.bestofn import Candidates, best_of_k_over_seeds, rm_at_k_expected
from acemath.reward.data import GroupStats, build_groups, groups_to_pairs, pairs_to_groups

__all__ = ["Candidates", "GroupStats", "RewardScorer", "best_of_k_over_seeds", "build_groups", "groups_to_pairs",
           "pairs_to_groups", "rm_at_k_expected", "score_rows"]


def __getattr__(name: str) -> Any:
    if name in ("RewardScorer", "score_rows"):
        from acemath.reward import score

        return getattr(score, name)
    raise AttributeError(name)
