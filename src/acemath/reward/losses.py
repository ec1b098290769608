"""Reward-model losses over a flat batch of scored responses (PAPER.md section 6.4, Table 8).

Every loss takes ``rewards`` (one scalar per response, shape ``[N]``), ``labels`` (1 = correct,
0 = wrong, shape ``[N]``) and ``groups`` (the problem each response belongs to, shape ``[N]``), so
a batch of several problems is scored in one forward pass and the loss is assembled afterwards.

* ``listwise`` -- the AceMath-RM loss (listwise Bradley-Terry, following Qwen2.5-Math-RM)::

      L = mean over groups g of  1/(k_g (n_g - k_g)) * sum_{pos p, neg q in g} -log sigmoid(r_p - r_q)

  Each response is scored once; all k(n-k) positive-negative pairs of a group come from those scores.
* ``pairwise`` -- the same summand, but each (chosen, rejected) pair is its own example (the caller
  scores 2 sequences per pair); the loss is the mean over pairs. ``groups`` holds the pair id and
  each pair contributes exactly one positive and one negative, so this is ``listwise`` on pairs.
* ``ce`` -- binary cross entropy of ``sigmoid(r)`` against the label, mean over responses.
* ``mse`` -- ``(r - label)^2``, mean over responses (regression of the reward onto the 0/1 label).

Groups with no positive or no negative contribute nothing to ``listwise`` (the group builder drops
them anyway); a batch with no usable pair gives a zero loss that still has a gradient graph.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

LOSSES = ("listwise", "pairwise", "ce", "mse")


def listwise_bt_loss(rewards: torch.Tensor, labels: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """Mean over groups of the mean over all positive-negative pairs of ``-log sigmoid(r_pos - r_neg)``."""
    rewards = rewards.float().view(-1)
    pos = labels.view(-1) > 0.5
    groups = groups.view(-1)
    same = groups[:, None] == groups[None, :]
    pair_mask = same & pos[:, None] & ~pos[None, :]  # [i, j]: i positive, j negative, same group
    if not bool(pair_mask.any()):
        return rewards.sum() * 0.0
    margins = rewards[:, None] - rewards[None, :]
    per_pair = -F.logsigmoid(margins)
    # Each pair belongs to the group of its positive; average within a group, then over groups.
    uniq, inverse = torch.unique(groups, return_inverse=True)
    pair_group = inverse[:, None].expand_as(pair_mask)[pair_mask]
    pair_loss = per_pair[pair_mask]
    sums = torch.zeros(len(uniq), dtype=pair_loss.dtype, device=pair_loss.device).index_add(0, pair_group, pair_loss)
    counts = torch.zeros(len(uniq), dtype=pair_loss.dtype, device=pair_loss.device).index_add(
        0, pair_group, torch.ones_like(pair_loss))
    has = counts > 0
    return (sums[has] / counts[has]).mean()


def pairwise_bt_loss(rewards: torch.Tensor, labels: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """Mean over (chosen, rejected) pairs of ``-log sigmoid(r_chosen - r_rejected)``.

    ``groups`` is the pair id; with one positive and one negative per pair this equals ``listwise``.
    """
    return listwise_bt_loss(rewards, labels, groups)


def ce_loss(rewards: torch.Tensor, labels: torch.Tensor, groups: torch.Tensor | None = None) -> torch.Tensor:
    """Binary cross entropy with logits: ``mean(-y log s(r) - (1-y) log(1-s(r)))``."""
    return F.binary_cross_entropy_with_logits(rewards.float().view(-1), labels.float().view(-1))


def mse_loss(rewards: torch.Tensor, labels: torch.Tensor, groups: torch.Tensor | None = None) -> torch.Tensor:
    """``mean((r - y)^2)`` with ``y`` the 0/1 label."""
    return F.mse_loss(rewards.float().view(-1), labels.float().view(-1))


LOSS_FUNCTIONS: dict[str, Callable[..., torch.Tensor]] = {
    "listwise": listwise_bt_loss,
    "pairwise": pairwise_bt_loss,
    "ce": ce_loss,
    "mse": mse_loss,
}


def group_top1_accuracy(rewards: torch.Tensor, labels: torch.Tensor, groups: torch.Tensor) -> tuple[int, int]:
    """(hits, groups): how many groups have a correct response as their highest-scored one.

    Ties go to the first response of the group (the same rule as rm@k).
    """
    rewards = rewards.detach().float().view(-1).cpu()
    labels = labels.view(-1).cpu()
    groups = groups.view(-1).cpu()
    hits = total = 0
    for g in torch.unique(groups):
        idx = (groups == g).nonzero().view(-1)
        best = idx[int(torch.argmax(rewards[idx]))]
        hits += int(labels[best] > 0.5)
        total += 1
    return hits, total
