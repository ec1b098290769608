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
