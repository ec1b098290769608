"""Public grading API: extract_answer, answers_equivalent, Verdict; real golds graded against themselves."""

from __future__ import annotations

import dataclasses
import random

import pytest

from acemath.grading import Verdict, answers_equivalent, extract_answer, grade


def test_verdict_is_frozen() -> None:
    v = grade(r"\boxed{2}", "2")
    assert v == Verdict(True, "2", "ok")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.correct = False  # type: ignore[misc]


@pytest.mark.parametrize("response,benchmark,expected", [
    (r"First \boxed{3}, then \boxed{\frac{1}{2}}.", None, r"\frac{1}{2}"),
    (r"\boxed{\left\{1, \{2\}\right\}}", None, r"\left\{1, \{2\}\right\}"),
    (r"so \boxed{2} and \boxed{3}", None, "2, 3"),
    ("The final answer is $x^2$. I hope it is correct.", None, "x^2"),
    ("Final Answer: 42", None, "42"),
    ("answer is \\boxed{7", None, None),
    ("We find 9 * 2 = 18 dollars. So she earns 18 dollars.", "gsm8k", "18"),
    ("We find 9 * 2 = 18 dollars. So she earns 18 dollars.", "math", None),
    ("We find 9 * 2 = 18 dollars. Then she buys", "gsm8k", None),
    ("#### 1,234", "gsm8k", "1,234"),
    ("", None, None),
])
def test_extract_answer(response, benchmark, expected) -> None:
    assert extract_answer(response, benchmark) == expected


def test_extract_choice_forms() -> None:
    choices = ["4", "8", "16", "32"]
    for r in ["The answer is (C).", r"\boxed{C}", r"\boxed{\textbf{(C)}}", r"\boxed{16}", "Answer: C) 16"]:
        assert extract_answer(r, "mmlu_stem", choices) == "C", r
    assert extract_answer("I am not sure.", "mmlu_stem", choices) is None


@pytest.mark.parametrize("a,b,expected", [
    (r"\frac{1}{2}", "0.5", True),
    ("x=3", "3", True),
    (r"(1,2]", "(1,2)", False),
    ("2, 3", r"\{3, 2\}", True),
    ("0.33", r"\frac{1}{3}", False),
    (r"(x+1)^2", "x^2+2x+1", True),
    ("25", "0.25", False),
])
def test_answers_equivalent_is_symmetric(a, b, expected) -> None:
    assert answers_equivalent(a, b) is expected
    assert answers_equivalent(b, a) is expected


def test_grading_is_deterministic() -> None:
    from acemath.grading import clear_cache

    first = grade(r"\boxed{\frac{\sqrt{6}}{2}}", "1.22", "minerva_math")
    clear_cache()
    assert grade(r"\boxed{\frac{\sqrt{6}}{2}}", "1.22", "minerva_math") == first == Verdict(
        True, r"\frac{\sqrt{6}}{2}", "ok")


BENCHES = ["gsm8k", "math500", "minerva_math", "gaokao2023en", "olympiadbench", "college_math", "mmlu_stem",
           "aime24", "amc23"]


@pytest.mark.parametrize("name", BENCHES)
def test_real_golds_grade_right_against_themselves(shared_benchmarks, name) -> None:
    """Every gold form of the real test sets, boxed as a response, is graded right (a sample per set)."""
    from acemath.benchmarks import load_benchmark

    problems = load_benchmark(name, data_dir=shared_benchmarks)
    rng = random.Random(0)
    sample = rng.sample(problems, min(40, len(problems)))
    for p in sample:
        response = f"The final answer is $\\boxed{{{p.gold}}}$."
        v = grade(response, p.gold, name, choices=p.choices, meta=p.meta)
        assert v.correct, (p.id, p.gold, v)
