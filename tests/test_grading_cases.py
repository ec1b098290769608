"""The labelled case table (tests/grading_cases/cases.txt): every family of every benchmark's answer forms."""

from __future__ import annotations

import pytest

from acemath.grading import grade
from grading_cases.table import load_cases

CASES = load_cases()


def test_table_is_broad() -> None:
    assert len(CASES) >= 400
    benchmarks = {c.benchmark for c in CASES}
    for name in ("gsm8k", "math500", "minerva_math", "gaokao2023en", "olympiadbench", "college_math",
                 "mmlu_stem", "aime24", "amc23"):
        assert name in benchmarks
    wrong = sum(c.expected != "1" for c in CASES)
    assert wrong >= 150  # hard negatives are a large part of the table


@pytest.mark.parametrize("case", CASES, ids=[c.id() for c in CASES])
def test_case(case) -> None:
    v = grade(case.response, case.gold, case.benchmark, choices=case.choices, meta=case.meta)
    assert v.status != "timeout"
    assert v.correct is case.correct, (v, case.gold)
    if case.expected == "N":
        assert v.status == "no_answer" and v.pred is None
