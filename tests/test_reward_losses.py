"""RM losses against values derived by hand (PAPER.md section 6.4, Table 8).

Notation: -log sigmoid(x) = log(1 + e^-x), so -log s(1) = log(1 + e^-1) = 0.313262,
-log s(-1) = log(1 + e) = 1.313262, -log s(0) = ln 2 = 0.693147, -log s(-ln 3) = log(1 + 3) = ln 4 = 1.386294.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from acemath.reward.losses import (  # noqa: E402
    ce_loss,
    group_top1_accuracy,
    listwise_bt_loss,
    mse_loss,
    pairwise_bt_loss,
)

LN3 = math.log(3.0)
A, B, C, D = math.log1p(math.exp(-1)), math.log1p(math.e), math.log(2.0), math.log(4.0)


def _t(x):
    return torch.tensor(x, dtype=torch.float)


def test_listwise_is_mean_over_groups_of_mean_over_pairs():
    """Group 0: positives r=2, r=0; negative r=1 -> pairs (2-1), (0-1) -> (A + B) / 2 = 0.813262.
    Group 1: positive r=0; negatives r=0, ln3, ln3 -> pairs 0, -ln3, -ln3 -> (C + 2D) / 3 = 1.155245.
    Listwise loss = mean of the two group means = 0.984254 (each group weighs the same).
    """
    rewards = _t([2.0, 0.0, 1.0, 0.0, 0.0, LN3, LN3])
    labels = _t([1, 1, 0, 1, 0, 0, 0])
    groups = torch.tensor([0, 0, 0, 1, 1, 1, 1])
    expected = ((A + B) / 2 + (C + 2 * D) / 3) / 2
    assert expected == pytest.approx(0.984254, abs=1e-6)
    assert float(listwise_bt_loss(rewards, labels, groups)) == pytest.approx(expected, abs=1e-6)


def test_pairwise_is_mean_over_pairs():
    """The same five pairs, each its own example: (A + B + C + 2D) / 5 = 1.018452 -- unlike listwise,
    a group with more pairs weighs more."""
    chosen = [2.0, 0.0, 0.0, 0.0, 0.0]
    rejected = [1.0, 1.0, 0.0, LN3, LN3]
    rewards = _t([x for pair in zip(chosen, rejected, strict=True) for x in pair])
    labels = _t([1, 0] * 5)
    pair_ids = torch.arange(5).repeat_interleave(2)
    expected = (A + B + C + 2 * D) / 5
    assert expected == pytest.approx(1.018452, abs=1e-6)
    assert float(pairwise_bt_loss(rewards, labels, pair_ids)) == pytest.approx(expected, abs=1e-6)


def test_ce_and_mse():
    """CE: r = [0, ln3], y = [1, 0] -> (-log s(0) - log(1 - s(ln3))) / 2 = (ln2 + ln4) / 2 = 1.5 ln 2.
    MSE: r = [0.5, 2], y = [1, 0] -> ((0.5 - 1)^2 + 2^2) / 2 = 2.125."""
    assert float(ce_loss(_t([0.0, LN3]), _t([1, 0]))) == pytest.approx(1.5 * math.log(2), abs=1e-6)
    assert float(mse_loss(_t([0.5, 2.0]), _t([1, 0]))) == pytest.approx(2.125, abs=1e-6)


def test_listwise_gradient_flows_and_degenerate_batch_is_zero():
    r = _t([0.3, -0.2, 0.1]).requires_grad_()
    loss = listwise_bt_loss(r, _t([1, 0, 0]), torch.tensor([0, 0, 0]))
    loss.backward()
    assert r.grad[0] < 0 < r.grad[1]  # push the positive up, the negatives down
    r2 = _t([0.3, -0.2]).requires_grad_()
    zero = listwise_bt_loss(r2, _t([1, 1]), torch.tensor([0, 0]))  # no negative: no pair
    assert float(zero.detach()) == 0.0
    zero.backward()


def test_group_top1_accuracy_uses_first_max_on_ties():
    rewards = _t([1.0, 1.0, 0.0, 0.2, 0.9])
    labels = _t([0, 1, 1, 1, 0])
    groups = torch.tensor([0, 0, 0, 1, 1])
    assert group_top1_accuracy(rewards, labels, groups) == (0, 2)
