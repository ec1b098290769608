"""Metrics: the pass@k estimator, rm@k / maj@k selectors and tie rules, and the seeded AceMath protocol."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from acemath.metrics import (
    ProblemSamples,
    best_of,
    curve_ks,
    curves,
    draw_permutations,
    evaluate,
    exact_pass_at_k,
    exact_rm_at_k,
    grader_equivalence,
    group_answers,
    majority_vote,
    normalize_answer,
    pass_at_k,
    rm_at_k_expected,
    sampled_metric,
    winner_probabilities,
    with_groups,
)

# ---------------------------------------------------------------------------------------------------
# pass@k


def test_pass_at_k_small_case_by_hand():
    """n=5 samples, c=2 correct, k=2: the draw misses both correct ones with C(3,2)/C(5,2) = 3/10.

    So pass@2 = 1 - 3/10 = 0.7; the product form gives (1 - 2/4)(1 - 2/5) = 0.5 * 0.6 = 0.3 for the miss.
    """
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7, abs=1e-15)


def test_pass_at_k_edges_by_hand():
    """k=1 is the fraction correct (3/8); no correct -> 0; fewer than k wrong -> every draw has a correct one."""
    assert pass_at_k(8, 3, 1) == pytest.approx(3 / 8, abs=1e-15)
    assert pass_at_k(10, 0, 4) == 0.0
    assert pass_at_k(10, 10, 4) == 1.0
    assert pass_at_k(4, 1, 4) == 1.0  # n - c = 3 < k = 4
    assert pass_at_k(64, 2, 8) == pytest.approx(1 - (56 * 55) / (64 * 63), abs=1e-15)  # C(62,8)/C(64,8)


def test_pass_at_k_is_stable_for_large_n():
    """n=1000, c=1, k=500: C(999,500)/C(1000,500) = 500/1000, so pass@500 = 0.5 (binomials near 1e299)."""
    assert pass_at_k(1000, 1, 500) == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize("n,c,k", [(5, 6, 1), (5, -1, 1), (5, 2, 0), (5, 2, 6)])
def test_pass_at_k_rejects_bad_arguments(n, c, k):
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


# ---------------------------------------------------------------------------------------------------
# rm@k: the exact expectation


def test_winner_probabilities_by_hand():
    """n=4, k=2, C(4,2)=6 draws: rank r wins when the other drawn one ranks below it: C(3-r, 1)/6."""
    np.testing.assert_allclose(winner_probabilities(4, 2), [3 / 6, 2 / 6, 1 / 6, 0.0])
    assert winner_probabilities(64, 8).sum() == pytest.approx(1.0)


def test_rm_at_k_expected_by_hand():
    """rewards (0.9, 0.5, 0.1, 0.7), correct (F, T, T, F), k=2.

    Ranked: #0 (0.9, wrong) wins 3/6, #3 (0.7, wrong) 2/6, #1 (0.5, right) 1/6, #2 (0.1, right) 0.
    Expected rm@2 = 1/6.
    """
    assert rm_at_k_expected([0.9, 0.5, 0.1, 0.7], [False, True, True, False], 2) == pytest.approx(1 / 6)


def test_rm_at_k_expected_with_a_tie_by_hand():
    """rewards (1, 1, 0), correct (F, T, T), k=2: the tie goes to the lower index, #0 (wrong).

    Draws {0,1} -> #0, {0,2} -> #0, {1,2} -> #1 (right): rm@2 = 1/3. Formula: rank 1 wins C(1,1)/C(3,2).
    """
    assert rm_at_k_expected([1.0, 1.0, 0.0], [False, True, True], 2) == pytest.approx(1 / 3)


def test_rm_at_k_expected_matches_enumeration_of_all_draws():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(2, 9))
        k = int(rng.integers(1, n + 1))
        rewards = rng.integers(0, 4, n).astype(float)  # many ties
        correct = rng.random(n) < 0.5
        draws = list(itertools.combinations(range(n), k))
        brute = np.mean([correct[best_of(rewards, d)] for d in draws])
        assert rm_at_k_expected(rewards, correct, k) == pytest.approx(brute, abs=1e-12)


# ---------------------------------------------------------------------------------------------------
# selectors and tie rules


def test_best_of_ties_go_to_the_lowest_index_not_the_first_drawn():
    rewards = [1.0, 3.0, 3.0, 2.0]
    assert best_of(rewards) == 1
    assert best_of(rewards, [3, 2, 1]) == 1
    assert best_of(rewards, [3, 2]) == 2


def _fraction_equivalent(a: str, b: str) -> bool:
    """A small stand-in grader: numbers, a/b and \\frac{a}{b} compare as exact fractions (no eval)."""

    def parse(s: str) -> Fraction | None:
        s = s.replace("\\dfrac", "\\frac").strip()
        if s.startswith("\\frac{") and s.endswith("}"):
            num, _, den = s[len("\\frac{"):-1].partition("}{")
            s = f"{num}/{den}"
        try:
            return Fraction(s)
        except (ValueError, ZeroDivisionError):
            return None

    fa, fb = parse(a), parse(b)
    return fa is not None and fa == fb


def test_maj_groups_by_equivalence_not_string():
    """'1/2', '0.5' and '\\frac{1}{2}' vote together (3 votes) and beat '3' (2 votes)."""
    preds = ["3", "1/2", "0.5", "3", r"\frac{1}{2}"]
    labels = group_answers(preds, _fraction_equivalent)
    assert labels.tolist() == [0, 1, 1, 0, 1]
    assert majority_vote(labels) == 1  # representative: the group's earliest member
    by_string = group_answers(preds, None)
    assert by_string.tolist() == [0, 1, 2, 0, 3]
    assert majority_vote(by_string) == 0  # '3' wins on strings alone


def test_equivalence_is_only_asked_between_different_normalised_keys():
    calls: list[tuple[str, str]] = []

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return _fraction_equivalent(a, b)

    labels = group_answers(["3", " 3 ", "3.", r"\dfrac{1}{2}", r"\frac{1}{2}", "$3$"], spy)
    assert labels.tolist() == [0, 0, 0, 1, 1, 0]
    assert calls == [(r"\dfrac{1}{2}", "3")]


def test_a_failing_equivalence_counts_as_different():
    def boom(a: str, b: str) -> bool:
        raise RuntimeError("grader crashed")

    assert group_answers(["1", "2"], boom).tolist() == [0, 1]


def test_normalize_answer_is_conservative():
    assert normalize_answer(r"\left( 1, 2 \right)") == "(1,2)"
    assert normalize_answer("  ") is None
    assert normalize_answer(None) is None
    assert normalize_answer("x") != normalize_answer("X")


def test_maj_tie_first_group_in_the_file_wins_whatever_the_draw_order():
    labels = [0, 1, 1, 0]  # two votes each
    assert majority_vote(labels) == 0
    assert majority_vote(labels, [3, 2, 1, 0]) == 0
    assert majority_vote(labels, [2, 3]) == 2  # drawn: label 1 at #2 comes before label 0 at #3


def test_maj_tie_by_total_reward():
    labels, rewards = [0, 1, 1, 0], [0.0, 1.0, 1.0, 0.0]
    assert majority_vote(labels, rewards=rewards, tie_break="reward") == 1
    with pytest.raises(ValueError):
        majority_vote(labels, tie_break="reward")


def test_samples_without_an_answer_never_win():
    labels = group_answers([None, "", None, "5"])
    assert labels.tolist() == [-1, -1, -1, 0]
    assert majority_vote(labels) == 3
    assert majority_vote(group_answers([None, None])) is None
    p = with_groups([ProblemSamples.build("q", [True, True], [None, None])], None)
    assert sampled_metric(p, "maj", 2, seeds=3).mean == 0.0


# ---------------------------------------------------------------------------------------------------
# the protocol


def _random_problems(count: int, n: int, seed: int, *, integer_rewards: bool = False) -> list[ProblemSamples]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        correct = rng.random(n) < rng.random()
        preds = [None if rng.random() < 0.1 else str(int(rng.integers(0, 4))) for _ in range(n)]
        rewards = rng.integers(0, 5, n).astype(float) if integer_rewards else rng.normal(size=n) + correct
        out.append(ProblemSamples.build(f"p{i}", correct, preds, rewards))
    return out


def test_draws_are_without_replacement_and_deterministic():
    perms = draw_permutations("problem-1", 64, 100, 0)
    assert perms.shape == (100, 64)
    assert all(sorted(row) == list(range(64)) for row in perms.tolist())
    np.testing.assert_array_equal(perms, draw_permutations("problem-1", 64, 100, 0))
    np.testing.assert_array_equal(perms[:10], draw_permutations("problem-1", 64, 10, 0))  # prefix-stable
    assert not np.array_equal(perms, draw_permutations("problem-1", 64, 100, 1))
    assert not np.array_equal(perms, draw_permutations("problem-2", 64, 100, 0))


@pytest.mark.parametrize("tie_break", ["first", "reward"])
def test_vectorised_protocol_matches_the_scalar_selectors(tie_break):
    problems = with_groups(_random_problems(30, 12, seed=3, integer_rewards=True), None)
    seeds, k = 20, 5
    expect_rm, expect_maj = np.zeros(seeds), np.zeros(seeds)
    for p in problems:
        perms = draw_permutations(p.key, p.n, seeds, 0)
        for s in range(seeds):
            drawn = perms[s, :k]
            expect_rm[s] += p.correct[best_of(p.rewards, drawn)]
            rep = majority_vote(p.labels, drawn, rewards=p.rewards, tie_break=tie_break)
            expect_maj[s] += rep is not None and p.correct[rep]
    rm = sampled_metric(problems, "rm", k, seeds=seeds)
    maj = sampled_metric(problems, "maj", k, seeds=seeds, tie_break=tie_break)
    np.testing.assert_allclose(rm.per_seed, expect_rm / len(problems))
    np.testing.assert_allclose(maj.per_seed, expect_maj / len(problems))


def test_sampled_rm_at_8_over_100_seeds_agrees_with_the_exact_expectation():
    """64 candidates per problem, rm@8 over 100 seeds: within 4 standard errors of the hypergeometric value."""
    problems = _random_problems(200, 64, seed=11)
    stats = sampled_metric(problems, "rm", 8, seeds=100)
    exact = exact_rm_at_k(problems, 8)
    assert abs(stats.mean - exact) < 4 * stats.std / np.sqrt(stats.seeds)
    assert stats.min <= exact <= stats.max


def test_sampled_pass_at_k_agrees_with_the_unbiased_estimator():
    problems = _random_problems(200, 16, seed=5)
    stats = sampled_metric(problems, "pass", 4, seeds=100)
    assert abs(stats.mean - exact_pass_at_k(problems, 4)) < 4 * stats.std / np.sqrt(stats.seeds)


def test_k_equal_n_uses_every_sample_on_every_seed():
    p = ProblemSamples.build("q", [False, True, False], ["1", "2", "1"], [5.0, 5.0, 1.0])
    res = evaluate([p], (3,), seeds=7)
    assert res["rm@3"]["mean"] == 0.0 and res["rm@3"]["std"] == 0.0  # tie -> #0, wrong
    assert res["pass@3"]["mean"] == 1.0
    assert res["maj@3"]["mean"] == 0.0  # '1' has two votes


def test_results_do_not_depend_on_problem_order():
    problems = _random_problems(40, 16, seed=9)
    forward = evaluate(problems, (1, 4, 8), seeds=30)
    backward = evaluate(problems[::-1], (1, 4, 8), seeds=30)
    for name, value in forward.items():
        assert value["mean"] == pytest.approx(backward[name]["mean"], abs=1e-12), name


def test_evaluate_reports_spread_and_exact_values():
    res = evaluate(_random_problems(50, 16, seed=2), (1, 8), seeds=25)
    assert set(res) == {"pass@1", "pass@8", "maj@8", "rm@8"}
    for value in res.values():
        assert value["min"] <= value["mean"] <= value["max"] and value["std"] >= 0 and value["seeds"] == 25
    assert "exact" in res["rm@8"] and "exact" in res["pass@8"] and "exact" not in res["maj@8"]


def test_greedy_when_one_sample_per_problem():
    problems = [ProblemSamples.build(str(i), [i % 4 == 0]) for i in range(8)]
    assert evaluate(problems) == {"greedy": 0.25}


def test_k_above_n_is_skipped_with_a_note():
    notes: list[str] = []
    res = evaluate(_random_problems(5, 4, seed=1), (1, 8), seeds=5, notes=notes)
    assert set(res) == {"pass@1"}
    assert any("k=8" in n for n in notes)


def test_missing_rewards_or_preds_skip_those_metrics():
    problems = [ProblemSamples.build(str(i), [True, False, True]) for i in range(3)]
    notes: list[str] = []
    assert set(evaluate(problems, (1, 2), seeds=3, notes=notes)) == {"pass@1", "pass@2"}
    assert any("rm@k" in n for n in notes) and any("maj@k" in n for n in notes)


def test_curves_over_powers_of_two():
    assert curve_ks(64) == [1, 2, 4, 8, 16, 32, 64]
    assert curve_ks(12) == [1, 2, 4, 8, 12]
    c = curves(_random_problems(30, 16, seed=4), seeds=20)
    assert c["k"] == [1, 2, 4, 8, 16]
    assert all(b >= a for a, b in itertools.pairwise(c["pass@k exact"]))
    assert c["rm@k exact"][0] == pytest.approx(c["pass@k exact"][0])  # rm@1 = pass@1
    assert c["maj@k"][0] <= c["pass@k"][0] + 1e-12


def test_problem_samples_validation():
    with pytest.raises(ValueError, match="preds"):
        ProblemSamples.build("q", [True, False], ["1"])
    with pytest.raises(ValueError, match="rewards"):
        ProblemSamples.build("q", [True], None, [1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        ProblemSamples.build("q", [True], None, [float("nan")])


def test_maj_with_the_real_grader():
    equivalent = grader_equivalence(timeout=10.0)
    if equivalent is None:
        pytest.skip("acemath.grading.answers_equivalent is not importable yet")
    labels = group_answers(["1/2", "0.5", r"\frac{1}{2}", "3"], equivalent)
    assert labels[0] == labels[1] == labels[2] != labels[3]
    assert majority_vote(labels) == 0


def test_evaluate_groups_with_the_real_grader_by_default():
    """'1/2' and '0.5' (2 votes) tie with '3' (2 votes); the earliest group wins: correct -> maj@4 = 1.

    On strings alone '3' would win with 2 votes against 1 and 1: maj@4 = 0.
    """
    if grader_equivalence() is None:
        pytest.skip("acemath.grading.answers_equivalent is not importable yet")
    p = ProblemSamples.build("q", [True, True, False, False], ["1/2", "0.5", "3", "3"])
    assert evaluate([p], (4,), seeds=2)["maj@4"]["mean"] == 1.0
    assert evaluate([p], (4,), seeds=2, equivalent=None)["maj@4"]["mean"] == 0.0
