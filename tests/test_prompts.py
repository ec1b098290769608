"""Prompt presets: what each renders, versioning, and that few-shot exemplars are not test items."""

from __future__ import annotations

import json

import pytest

from acemath.benchmarks import Problem
from acemath.errors import ConfigError, UnknownNameError
from acemath.prompts import EVAL_SYSTEM, MMLU_STEM_EXEMPLARS, PRESETS, get_preset, messages, render

MATH = Problem(id="m1", benchmark="gsm8k", question="What is 2 + 3?", gold="5")
MC = Problem(id="q1", benchmark="mmlu_stem", question="Which is a prime?", gold="B", choices=["4", "7", "9", "12"])


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def test_eval_preset_uses_system_turn_and_model_chat_template(tokenizer):
    text = render(MATH, "cot", tokenizer)
    assert text == ("<|im_start|>system\n" + EVAL_SYSTEM + "<|im_end|>\n<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n"
                    "<|im_start|>assistant\n")
    assert messages(MATH, "cot") == [{"role": "system", "content": EVAL_SYSTEM},
                                     {"role": "user", "content": "What is 2 + 3?"}]


def test_multiple_choice_options_are_rendered_with_letters(tokenizer):
    user = messages(MC, "cot")[1]["content"]
    assert user == "Which is a prime?\nA. 4\nB. 7\nC. 9\nD. 12"


def test_mmlu_five_shot_puts_five_worked_examples_before_the_question(tokenizer):
    msgs = messages(MC, "mmlu-5shot")
    assert msgs[0] == {"role": "system", "content": EVAL_SYSTEM}
    user = msgs[1]["content"]
    assert user.count("The answer is \\boxed{") == 5
    assert user.endswith("Which is a prime?\nA. 4\nB. 7\nC. 9\nD. 12")
    for ex in MMLU_STEM_EXEMPLARS:
        assert ex.question in user and f"A. {ex.choices[0]}" in user
    assert render(MC, "mmlu-5shot", tokenizer).endswith("<|im_start|>assistant\n")


def test_auto_picks_five_shot_for_mmlu_stem_only():
    assert get_preset("auto", "mmlu_stem").name == "mmlu-5shot"
    assert get_preset("auto", "math500").name == "cot"


def test_raw_mode_has_no_chat_template():
    text = render(MATH, "raw", None)
    assert text == f"What is 2 + 3?\n{EVAL_SYSTEM}\n"
    assert "<|im_start|>" not in text and messages(MATH, "raw") is None


def test_presets_are_versioned_and_unknown_names_suggest():
    assert get_preset("cot@1").id == "cot@1"
    assert {p.id for p in PRESETS.values()} == {"cot@1", "mmlu-5shot@1", "raw@1"}
    with pytest.raises(ConfigError, match="version"):
        get_preset("cot@7")
    with pytest.raises(UnknownNameError, match="cot"):
        get_preset("cott")


def test_chat_preset_without_chat_template_is_a_clear_error(tokenizer):
    with pytest.raises(ConfigError, match="tokenizer"):
        render(MATH, "cot", None)
    bare = tokenizer.__class__.from_pretrained(tokenizer.name_or_path)
    bare.chat_template = None
    with pytest.raises(ConfigError, match="--prompt raw"):
        render(MATH, "cot", bare)


def test_exemplars_are_not_mmlu_stem_test_items(shared_benchmarks):
    path = shared_benchmarks / "mmlu_stem" / "test.jsonl"
    if not path.exists():
        pytest.skip("mmlu_stem test set absent")
    questions = {json.loads(line)["question"].strip() for line in path.open()}
    assert not questions & {e.question for e in MMLU_STEM_EXEMPLARS}
