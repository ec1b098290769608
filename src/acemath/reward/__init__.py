"""Reward models: training groups, listwise Bradley-Terry training, offline scoring, RM benchmarks.

rm@k / maj@k / pass@k and the exact rm@k expectation live in :mod:`acemath.metrics` (one implementation
of the AceMath protocol); :mod:`acemath.reward.rewardbench` feeds candidate sets to it.
Heavy imports (torch, transformers) happen only when the scoring/training names are used.
"""

from __future__ import annotations

from typing import Any

from acemath.reward.data import GroupStats, build_groups, groups_to_pairs, pairs_to_groups

__all__ = ["GroupStats", "RewardScorer", "build_groups", "groups_to_pairs", "pairs_to_groups", "score_rows"]


def __getattr__(name: str) -> Any:
    if name in ("RewardScorer", "score_rows"):
        from acemath.reward import score

        return getattr(score, name)
    raise AttributeError(name)
