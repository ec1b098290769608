"""Scripted generation backends: deterministic per (seed, prompt, sample), known error rates."""

from __future__ import annotations

import random

import pytest

from acemath.generation.base import Generator, SamplingParams
from acemath.generation.scripted import (
    BOXED_INSTRUCTION,
    ScriptedEvolver,
    ScriptedTeacher,
    make_scripted,
    perturb_answer,
    question_of,
)
from acemath.grading.boxed import last_boxed

TABLE = {f"What is {i} plus {i + 1}?": (f"{i} + {i + 1} = {2 * i + 1}.", str(2 * i + 1)) for i in range(400)}


def test_teacher_is_a_generator_and_reproducible_per_prompt_not_position():
    t = ScriptedTeacher.from_mapping(TABLE, error_rate=0.3, seed=7)
    assert isinstance(t, Generator)
    qs = list(TABLE)[:20]
    p = SamplingParams(n=3, temperature=0.8, seed=1)
    a = t.generate(qs, p)
    b = t.generate(list(reversed(qs)), p)[::-1]
    assert [[c.text for c in row] for row in a] == [[c.text for c in row] for row in b]
    greedy = t.generate(qs, SamplingParams(n=2, temperature=0.0))
    assert all(row[0].text == row[1].text for row in greedy)  # greedy: one draw per prompt


def test_teacher_error_rate_is_what_was_asked():
    t = ScriptedTeacher.from_mapping(TABLE, error_rate=0.25, seed=3)
    out = t.generate(list(TABLE), SamplingParams(n=5, temperature=1.0))
    wrong = [last_boxed(c.text) != TABLE[q][1] for q, row in zip(TABLE, out, strict=True) for c in row]
    assert 0.21 < sum(wrong) / len(wrong) < 0.29  # 2000 draws: 0.25 +- 4 sd
    assert all(c.extra["scripted"] in ("correct", "wrong") for row in out for c in row)


def test_chat_prompts_and_boxed_instruction_are_understood():
    t = ScriptedTeacher.from_mapping(TABLE, error_rate=0.0)
    q = "What is 3 plus 4?"
    [[c]] = t.generate([[{"role": "user", "content": f"{q}\n{BOXED_INSTRUCTION}"}]], SamplingParams())
    assert last_boxed(c.text) == "7"
    assert question_of([{"role": "system", "content": "s"}, {"role": "user", "content": q}]) == q
    [[u]] = t.generate(["Unknown question"], SamplingParams())
    assert last_boxed(u.text) is None and u.extra["scripted"] == "unknown"


def test_format_failure_rates():
    t = ScriptedTeacher.from_mapping(TABLE, repeat_rate=0.2, truncate_rate=0.2, no_answer_rate=0.2, seed=1)
    out = [c for row in t.generate(list(TABLE), SamplingParams(n=2, temperature=1.0)) for c in row]
    kinds = {k: sum(c.extra["scripted"] == k for c in out) / len(out) for k in ("repeat", "truncated", "no_answer")}
    assert all(0.14 < v < 0.26 for v in kinds.values()), kinds
    assert all(c.finish_reason == "length" for c in out if c.extra["scripted"] == "truncated")
    assert all(last_boxed(c.text) is None for c in out if c.extra["scripted"] == "no_answer")


@pytest.mark.parametrize("answer", ["12", "-3", "3/4", "0.25", "\\frac{1}{2}", "x+1"])
def test_perturbed_answers_differ(answer):
    rng = random.Random(0)
    assert all(perturb_answer(answer, rng) != answer for _ in range(50))


def test_evolver_follows_the_templates():
    from acemath.curation.evolve import render

    ev = ScriptedEvolver(seed=1)
    q = "A box holds 12 apples. How many apples are there in 30 boxes?"
    [[b], [d], [c]] = ev.generate([render(s, q) for s in ("breadth", "depth", "constraints")], SamplingParams())
    assert b.extra["scripted"] == "breadth" and b.text != q and "apples" in b.text
    assert d.text.startswith(q) and "Then multiply the result by" in d.text
    assert c.extra["scripted"] == "constraints"
    long = ScriptedEvolver(long_rate=1.0).generate([render("depth", q)], SamplingParams())[0][0]
    assert len(long.text.split()) > 300


def test_make_scripted_from_file(tmp_path):
    f = tmp_path / "ref.jsonl"
    f.write_text('{"question": "What is 1+1?", "answer": "2"}\n')
    t = make_scripted(str(f), error_rate=0.0)
    [[c]] = t.generate(["what is 1+1?"], SamplingParams())
    assert last_boxed(c.text) == "2"
    assert isinstance(make_scripted("evolver"), ScriptedEvolver)
