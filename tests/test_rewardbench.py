"""Table 6 through acemath.metrics (rm@8 over 100 seeds vs the exact hypergeometric expectation, maj@k by
answer equivalence, pass@k) and the RewardBench / RewardMATH file layouts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from acemath.cli import main
from acemath.metrics import exact_rm_at_k, rm_at_k_expected
from acemath.reward.rewardbench import (
    CandidateSet,
    candidate_problems,
    evaluate_acemath,
    evaluate_comparisons,
    load_acemath,
    load_rewardbench_math,
    load_rewardmath,
)


def _set(i, correct, rewards=None, preds=None, responses=None):
    responses = responses or [f"answer {j}" for j in range(len(correct))]
    return CandidateSet(f"p{i}", f"q{i}", responses, list(correct), preds, rewards)


def test_rm_at_k_by_hand_and_ties_go_to_the_earlier_candidate():
    """n=3, k=2, rewards 3 > 2 > 1, correct = [F, T, T]. The three draws {0,1}, {0,2}, {1,2} pick
    0, 0, 1 -> 1/3. Formula: P(rank j) = C(2-j, 1)/C(3, 2) = 2/3, 1/3, 0 -> 2/3*0 + 1/3*1 = 1/3."""
    res = evaluate_acemath({"d": [_set(0, [False, True, True], [3.0, 2.0, 1.0])]}, None, k=2, seeds=300)
    assert res["datasets"]["d"]["rm_exact"] == pytest.approx(100 / 3)
    assert abs(res["datasets"]["d"]["rm"] - 100 / 3) < 4 * 100 * np.sqrt(2 / 9 / 300)
    # equal rewards: the earlier candidate wins, whatever the draw order
    tie = evaluate_acemath({"d": [_set(0, [False, True], [1.0, 1.0])]}, None, k=2, seeds=3)
    assert tie["datasets"]["d"]["rm"] == 0.0 and tie["datasets"]["d"]["rm_exact"] == 0.0
    assert tie["datasets"]["d"]["pass"] == 100.0 and tie["datasets"]["d"]["std"]["rm"] == 0.0


def test_rm_at_8_over_100_seeds_matches_hypergeometric_expectation():
    rng = np.random.default_rng(7)
    sets = []
    for i in range(200):
        p = rng.uniform(0.1, 0.9)
        correct = (rng.random(64) < p).tolist()
        rewards = (rng.normal(size=64) + 0.8 * np.asarray(correct)).tolist()  # an informative RM
        sets.append(_set(i, correct, rewards, preds=[str(int(c)) for c in correct]))
    res = evaluate_acemath({"synthetic": sets}, None, k=8, seeds=100, equivalent=None)
    row = res["datasets"]["synthetic"]
    per_problem = [rm_at_k_expected(s.rewards, s.correct, 8) for s in sets]
    exact = float(np.mean(per_problem))
    # problems are drawn independently: SE of the seed mean = sqrt(sum p(1-p)) / (P sqrt(S))
    se = float(np.sqrt(sum(e * (1 - e) for e in per_problem)) / (len(sets) * np.sqrt(100)))
    assert row["rm_exact"] == pytest.approx(100 * exact)
    assert row["rm_exact"] == pytest.approx(100 * exact_rm_at_k(candidate_problems(sets), 8))
    assert abs(row["rm"] / 100 - exact) < 4 * se, (row["rm"], exact, se)
    assert row["rm"] > 100 * float(np.mean([np.mean(s.correct) for s in sets])) + 5  # better than a random pick
    assert row["pass"] >= row["rm"] and row["pass"] >= row["maj"] and 0 <= row["rm"] <= 100
    assert row["std"]["rm"] > 0 and res["average"]["rm"] == row["rm"] and res["notes"] == []


def test_majority_groups_equivalent_answers_like_acemath_metrics():
    """Votes: "3" once (wrong), "1/2" and "0.5" (right, the same number). By string every answer is its
    own group and the tie goes to the first ("3", wrong); by equivalence 1/2 = 0.5 wins 2 to 1."""
    s = _set(0, [False, True, True], [0.0, 0.0, 0.0], preds=["3", "1/2", "0.5"])
    assert evaluate_acemath({"d": [s]}, None, k=3, seeds=2, equivalent=None)["datasets"]["d"]["maj"] == 0.0
    assert evaluate_acemath({"d": [s]}, None, k=3, seeds=2)["datasets"]["d"]["maj"] == 100.0
    # without preds, the answers are extracted from the candidates by the grader
    boxed = _set(1, [False, True, True], [0.0, 0.0, 0.0],
                 responses=["so \\boxed{3}", "so \\boxed{\\frac{1}{2}}", "The final answer is 0.5."])
    assert candidate_problems([boxed])[0].preds == ("3", "\\frac{1}{2}", "0.5")
    assert evaluate_acemath({"d": [boxed]}, None, k=3, seeds=2)["datasets"]["d"]["maj"] == 100.0


def test_k_above_the_candidate_count_is_reported_not_guessed():
    res = evaluate_acemath({"small": [_set(0, [True, False], [1.0, 0.0])]}, None, k=8, seeds=5)
    assert res["datasets"]["small"]["rm"] is None and res["average"]["rm"] is None
    assert any("k=8" in n for n in res["notes"])


def _acemath_rows(n_problems=12, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_problems):
        correct = (rng.random(16) < 0.5).tolist()
        rows.append({"idx": i, "question": f"q{i}", "code": [f"s{j} \\boxed{{{int(c)}}}" for j, c in enumerate(correct)],
                     "score": correct, "pred": [str(int(c)) for c in correct],
                     "rewards": (rng.normal(size=16) + np.asarray(correct)).tolist()})
    return rows


def test_acemath_layouts_and_cli_with_precomputed_rewards(tmp_path, capsys):
    folder = tmp_path / "bench"
    folder.mkdir()
    for name in ("math500", "gsm8k"):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _acemath_rows(seed=len(name))))
    sets = load_acemath(str(folder))
    assert list(sets) == ["gsm8k", "math500"]  # the paper's order
    assert sets["gsm8k"][0].responses[0].startswith("s0") and sets["gsm8k"][0].preds is not None
    out = tmp_path / "report"
    assert main(["rewardbench", "--data", str(folder), "--seeds", "20", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| Model | GSM8K | MATH500 | Avg. |" in text and "majority@8" in text and "pass@8 (oracle)" in text
    report = json.loads((out / "report.json").read_text())
    for v in report["datasets"].values():
        assert v["pass"] >= v["rm"] and v["pass"] >= v["maj"]
    # preds here are the correctness itself, so majority@8 == 100 * P(more right than wrong, ties to first)
    assert main(["rewardbench", "--data", str(tmp_path / "missing.jsonl")]) == 2


def test_datasets_save_to_disk_layout(tmp_path):
    datasets = pytest.importorskip("datasets")
    dd = datasets.DatasetDict({"olympiadbench": datasets.Dataset.from_list(_acemath_rows(3)),
                               "gsm8k": datasets.Dataset.from_list(_acemath_rows(2))})
    dd.save_to_disk(str(tmp_path / "hub_copy"))
    sets = load_acemath(str(tmp_path / "hub_copy"))
    assert list(sets) == ["gsm8k", "olympiadbench"] and len(sets["olympiadbench"]) == 3


def test_rewardbench_math_and_rewardmath_layouts(tmp_path):
    rb = tmp_path / "rb.jsonl"
    rb.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": 1, "prompt": "p1", "chosen": "good", "rejected": "bad", "subset": "math-prm"},
        {"id": 2, "prompt": "p2", "chosen": "good", "rejected": "good", "subset": "math-prm"},
        {"id": 3, "prompt": "chat", "chosen": "x", "rejected": "y", "subset": "alpacaeval-easy"}]))
    pairs = load_rewardbench_math(str(rb))
    assert [p.id for p in pairs] == ["1", "2"]

    def length_rm(qs, rs):  # a stand-in scorer: longer text scores higher
        return [float(len(r)) for r in rs]

    res = evaluate_comparisons(pairs, length_rm)
    assert res["accuracy"] == 50.0 and res["random"] == 50.0  # the tie loses

    rows = []
    for pid in range(2):
        rows.append({"problem": f"P{pid}", "eval_solution": ["step one", "so \\boxed{1}"], "solution_type": "chosen",
                     "problem_id": pid, "id": pid * 10})
        for j in range(9):
            rows.append({"problem": f"P{pid}", "eval_solution": ["x" * (3 + j + 10 * pid)],
                         "solution_type": "rejected", "problem_id": pid, "id": pid * 10 + j + 1})
    rm_file = tmp_path / "RewardMATH_direct.json"
    rm_file.write_text(json.dumps(rows))
    comps = load_rewardmath(str(rm_file))
    assert len(comps) == 2 and comps[0].chosen == "step one\nso \\boxed{1}" and len(comps[0].rejected) == 9
    res = evaluate_comparisons(comps, length_rm)
    assert res["accuracy"] == 50.0 and res["random"] == pytest.approx(10.0)
