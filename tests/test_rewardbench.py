"""rm@k over seeds against the exact hypergeometric expectation; maj@k/pass@k; RewardBench file layouts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from acemath.cli import main
from acemath.reward.bestofn import Candidates, best_of_k_over_seeds, rm_at_k_expected, rm_at_k_std_error
from acemath.reward.rewardbench import (
    evaluate_comparisons,
    load_acemath,
    load_rewardbench_math,
    load_rewardmath,
)


def test_rm_at_k_expected_by_hand():
    """n=3, k=2, rewards 3 > 2 > 1, correct = [F, T, T]. The three draws {0,1}, {0,2}, {1,2} pick
    0, 0, 1 -> 1/3. Formula: P(rank j) = C(2-j, 1)/C(3, 2) = 2/3, 1/3, 0 -> 2/3*0 + 1/3*1 = 1/3."""
    p = Candidates([False, True, True], [3.0, 2.0, 1.0])
    assert rm_at_k_expected([p], k=2) == pytest.approx(1 / 3)
    # ties go to the earlier candidate: equal rewards, first one wrong
    assert rm_at_k_expected([Candidates([False, True], [1.0, 1.0])], k=2) == 0.0
    assert best_of_k_over_seeds([Candidates([False, True], [1.0, 1.0])], k=2, seeds=3)["rm@k"] == 0.0


def test_rm_at_8_over_100_seeds_matches_hypergeometric_expectation():
    rng = np.random.default_rng(7)
    problems = []
    for _ in range(200):
        p = rng.uniform(0.1, 0.9)
        correct = (rng.random(64) < p).tolist()
        rewards = (rng.normal(size=64) + 0.8 * np.asarray(correct)).tolist()  # an informative RM
        problems.append(Candidates(correct, rewards))
    res = best_of_k_over_seeds(problems, k=8, seeds=100)
    exact = rm_at_k_expected(problems, k=8)
    se = rm_at_k_std_error(problems, k=8, seeds=100)
    assert abs(res["rm@k"] - exact) < 4 * se, (res["rm@k"], exact, se)
    assert res["pass@k"] >= res["rm@k"] and 0 <= res["rm@k"] <= 1
    assert res["maj@k"] is None  # no preds given


def test_majority_and_pass_at_k():
    p = Candidates([True, False, False], [0.0, 1.0, 2.0], preds=["1", "2", "2"])
    res = best_of_k_over_seeds([p], k=3, seeds=2)
    assert (res["rm@k"], res["maj@k"], res["pass@k"]) == (0.0, 0.0, 1.0)
    q = Candidates([True, True, False], [0.0, 1.0, 2.0], preds=["1", "1", "2"])
    assert best_of_k_over_seeds([q], k=3, seeds=1)["maj@k"] == 1.0


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


def test_expectation_agrees_with_acemath_metrics():
    metrics = pytest.importorskip("acemath.metrics.estimators")
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(2, 20))
        correct = (rng.random(n) < 0.5).tolist()
        rewards = rng.integers(0, 4, size=n).astype(float).tolist()  # with ties
        k = int(rng.integers(1, n + 1))
        assert rm_at_k_expected([Candidates(correct, rewards)], k=k) == pytest.approx(
            metrics.rm_at_k_expected(rewards, correct, k))
