"""The quick-start's world stage: what it hands the RM-data stage and the curation pool."""

from __future__ import annotations

import json

import pytest

from acemath.quickstart.stages import world
from acemath.recipe.runner import StageContext


def _run_world(tmp_path, **config):
    world_cfg = {"n_math_train": 2000, "n_general": 20, "n_test_per_benchmark": 12, "constraint": False,
                 "benchmarks": ["toy_letter_dial"]}
    ctx = StageContext(name="world", kind="quickstart.world", config={"world": world_cfg, **config}, inputs={},
                       out_dir=tmp_path, seed=0, recipe=None, log=lambda _: None)  # type: ignore[arg-type]
    out = world(ctx)
    rm = [json.loads(line)["question"] for line in out["rm_problems"].open()]
    pool = [json.loads(line)["question"] for line in out["pool"].open()]
    return rm, pool, json.loads(out["world"].read_text())


def test_rm_problems_can_ask_only_questions_the_sft_pool_never_holds(tmp_path):
    rm, pool, info = _run_world(tmp_path / "a", rm_problems=300, rm_question_share=0.4)
    assert len(rm) == 300 and info["rm_questions"] == len(set(rm))
    assert not set(rm) & set(pool)  # no RM question reaches curation, hence SFT
    assert 0.3 < len(set(rm)) / (len(set(rm)) + len(set(pool))) < 0.5
    again, _, _ = _run_world(tmp_path / "b", rm_problems=300, rm_question_share=0.4)
    assert again == rm  # seeded


def test_by_default_rm_problems_are_the_first_training_problems(tmp_path):
    rm, pool, info = _run_world(tmp_path, rm_problems=300)
    assert len(rm) == 300 and set(rm) & set(pool)  # a dial repeats its questions: the two overlap
    with pytest.raises(ValueError, match="rm_question_share must be between 0 and 1"):
        _run_world(tmp_path / "bad", rm_problems=10, rm_question_share=1.0)


def test_rm_data_teacher_candidates_are_separate_draws_and_problems_can_skip_the_policy(tmp_path):
    """RM candidates from the scripted teacher (the paper's pool of other models): each of a problem's
    ``teacher_samples`` is its own draw (a wrong one is an honest slip), the policy samples only the first
    ``policy_problems`` problems (here none, so no model is loaded), and ``groups_per_problem`` draws that many
    different groups from each problem's candidates."""
    from acemath.quickstart.stages import rm_data

    _run_world(tmp_path / "w", rm_problems=40)
    ctx = StageContext(name="rm_data", kind="quickstart.rm_data",
                       config={"teacher_samples": 8, "teacher_error": 0.5, "per_problem": 4, "policy_problems": 0,
                               "groups_per_problem": 2},
                       inputs={"model": tmp_path / "no-model", "problems": tmp_path / "w" / "rm_problems.jsonl",
                               "world": tmp_path / "w" / "world.json"},
                       out_dir=tmp_path / "rm", seed=0, recipe=None, log=lambda _: None)  # type: ignore[arg-type]
    out = rm_data(ctx)
    graded = [json.loads(line) for line in out["graded"].open()]
    assert len(graded) == 40 and all(r["sources"] == ["teacher"] * 8 for r in graded)
    assert sum(len(set(r["responses"])) > 1 for r in graded) > 30  # not one candidate repeated 8 times
    wrong = [(r, t) for r in graded for t, ok in zip(r["responses"], r["correct"], strict=True) if not ok]
    assert 0.3 < len(wrong) / (40 * 8) < 0.7
    for row, text in wrong[:20]:  # a slip is pressed honestly, so its last line misses the goal
        last = text.splitlines()[-2]
        goal, shown = last.split(" for ")[1][0], last.rstrip(".")[-1]
        assert shown != goal, (row["question"], text)
        assert text.splitlines()[-1] != f"The answer is \\boxed{{{row['gold']}}}."
    groups = [json.loads(line) for line in out["groups"].open()]
    stats = json.loads(out["stats"].read_text())
    kept = 40 - stats["dropped_all_correct"] - stats["dropped_all_wrong"]
    assert len(groups) == stats["groups_out"] == 2 * kept and len({g["id"] for g in groups}) == len(groups)
    assert stats["problems_in"] == 40
    by_problem: dict[str, list[list[str]]] = {}
    for g in groups:  # draw 0 keeps the problem's id (rm-00007), draw 1 adds "-1"
        by_problem.setdefault("-".join(g["id"].split("-")[:2]), []).append(g["responses"])
    assert len(by_problem) == kept and any(a != b for a, b in by_problem.values())  # the two draws differ
    bad = StageContext(name="rm_data", kind="quickstart.rm_data", config={**ctx.config, "groups_per_problem": 0},
                       inputs=ctx.inputs, out_dir=tmp_path / "bad", seed=0, recipe=None, log=lambda _: None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="groups_per_problem >= 1"):
        rm_data(bad)
