"""The toy world: deterministic generators, correct-by-construction answers, a held-out test split."""

from __future__ import annotations

import random
import re

import pytest

from acemath.grading.boxed import last_boxed
from acemath.toy import (
    LEVELS,
    TOY_BENCHMARKS,
    ToyTeacher,
    ToyWorldConfig,
    build_world,
    default_teachers,
    make_general_task,
    make_problem,
    prompt_pool,
    write_world,
)
from acemath.toy.general import GENERAL_TASKS

SMALL = ToyWorldConfig(seed=3, n_math_train=600, n_general=100, n_test_per_benchmark=20)
EXPR = re.compile(r"(\d+(?: [-+*/] \d+)+) = (\d+)")


def _ops_hold(text: str) -> bool:
    """Every ``a op b (op c ...) = d`` in the text holds, evaluated left to right (no eval)."""
    for expr, result in EXPR.findall(text):
        toks = expr.split()
        value = int(toks[0])
        for sym, num in zip(toks[1::2], toks[2::2], strict=True):
            n = int(num)
            if sym == "/" and value % n:
                return False
            value = {"+": value + n, "-": value - n, "*": value * n, "/": value // n if n else -1}[sym]
        if value != int(result):
            return False
    return True


@pytest.mark.parametrize("bench", TOY_BENCHMARKS)
@pytest.mark.parametrize("level", sorted(LEVELS))
def test_solutions_are_correct_by_construction(bench: str, level: int) -> None:
    rng = random.Random(level)
    for _ in range(50):
        p = make_problem(rng, bench, level)
        sol = p.solution()
        assert last_boxed(sol) == str(p.answer)
        assert p.answer >= 0
        assert _ops_hold(sol), sol
        assert len(p.ops) == LEVELS[level].steps or bench != "toy_arith"
        # the checkable property stated in the question is true
        assert ("odd number" in p.question) == (p.answer % 2 == 1)
        # the last step produces the answer
        assert p.ops[-1].c == p.answer
        if p.check is not None:
            # substituting the answer back reproduces the total stated in the question
            last = int(re.findall(r"= (\d+)\.", p.check(p.answer))[-1])
            assert str(last) in p.question


def test_generators_are_deterministic() -> None:
    a, b = build_world(SMALL), build_world(SMALL)
    assert [p.question for p in a.test] == [p.question for p in b.test]
    assert [p.solution() for p in a.train] == [p.solution() for p in b.train]
    assert a.general == b.general
    other = build_world(ToyWorldConfig(seed=4, n_math_train=600, n_general=100, n_test_per_benchmark=20))
    assert [p.question for p in other.test] != [p.question for p in a.test]


def test_test_split_is_held_out_and_balanced() -> None:
    w = build_world(SMALL)
    test_q = {p.question for p in w.test}
    assert len(test_q) == len(w.test) == 20 * len(TOY_BENCHMARKS)
    assert not test_q & {p.question for p in w.train}
    probs = w.test_problems()
    assert len({p.id for p in probs}) == len(probs)
    for bench in TOY_BENCHMARKS:
        rows = [p for p in probs if p.benchmark == bench]
        assert len(rows) == 20
        assert {p.meta["level"] for p in rows} == set(SMALL.levels)
        assert all(p.gold.isdigit() for p in rows)


def test_general_tasks_are_exact() -> None:
    rng = random.Random(0)
    for name in GENERAL_TASKS:
        _, q, a = make_general_task(rng, name)
        words = q.split(": ", 1)[1].split()
        if name == "reverse":
            assert a.split() == words[::-1]
        elif name == "sort":
            assert a.split() == sorted(words)
        elif name == "count":
            assert a == f"There are {len(words)} words."
        elif name == "copy":
            assert a.split() == words


def test_teachers_have_their_error_rates() -> None:
    w = build_world(SMALL)
    strong, weak = default_teachers(seed=0)
    for t in (strong, weak):
        t.learn(w.train)
    n = len(w.train)
    wrong = {t.name: sum(last_boxed(t.respond(p.question, 0)) != str(p.answer) for p in w.train) / n
             for t in (strong, weak)}
    assert 0.01 < wrong["teacher_a"] < 0.10
    assert 0.13 < wrong["teacher_b"] < 0.28
    # deterministic per (question, index); different samples of one question can differ
    p = w.train[0]
    assert weak.respond(p.question, 1) == weak.respond(p.question, 1)
    assert len({weak.respond(p.question, i) for i in range(40)}) > 1


def test_teacher_slips_propagate_and_stay_arithmetic() -> None:
    w = build_world(SMALL)
    t = ToyTeacher("always_wrong", 1.0, seed=1).learn(w.train)
    for p in w.train[:100]:
        r = t.respond(p.question)
        assert last_boxed(r) != str(p.answer)
        steps = [ln for ln in r.splitlines() if ln.startswith("Step")]
        # exactly one step is arithmetically wrong; the later steps are computed from it
        assert sum(not _ops_hold(s) for s in steps) <= 1
    assert t.respond("an unknown question").startswith("I do not know")


def test_prompt_pool_counts_its_injected_work() -> None:
    w = build_world(SMALL)
    pool, counts = prompt_pool(w)
    assert len(pool) == counts["train"] + counts["duplicates"] + counts["leaks"]
    assert counts["leaks"] == SMALL.pool_leaks
    assert sum(r["source"] == "test_leak" for r in pool) == counts["leaks"]
    assert pool == prompt_pool(build_world(SMALL))[0]


def test_write_world(tmp_path) -> None:
    from acemath.benchmarks import load_benchmark
    from acemath.io import read_rows

    paths = write_world(build_world(SMALL), tmp_path)
    for bench in TOY_BENCHMARKS:
        rows = read_rows(paths[bench])
        assert len(rows) == 20 and set(rows[0]) >= {"id", "benchmark", "question", "gold"}
    sft = read_rows(paths["math_sft"])
    assert [m["role"] for m in sft[0]["messages"]] == ["system", "user", "assistant"]
    assert last_boxed(sft[0]["messages"][-1]["content"]) == sft[0]["answer"]
    assert read_rows(paths["general_sft"])[0]["messages"][-1]["content"]
    del load_benchmark


def test_scripted_teacher_adapter_uses_the_toy_slip_model() -> None:
    from acemath.generation.base import SamplingParams
    from acemath.toy.teachers import scripted_teacher

    w = build_world(SMALL)
    teacher = scripted_teacher(w.train, name="weak", error_rate=0.5, seed=2)
    prompts = [[{"role": "user", "content": p.question}] for p in w.train[:60]]
    out = teacher.generate(prompts, SamplingParams(n=4, temperature=1.0, seed=0))
    again = teacher.generate(prompts, SamplingParams(n=4, temperature=1.0, seed=0))
    assert [[c.text for c in row] for row in out] == [[c.text for c in row] for row in again]
    n_wrong = 0
    for p, row in zip(w.train[:60], out, strict=True):
        for c in row:
            ok = last_boxed(c.text) == str(p.answer)
            assert ok == (c.extra["scripted"] == "correct")
            n_wrong += not ok
            steps = [ln for ln in c.text.splitlines() if ln.startswith("Step")]
            assert sum(not _ops_hold(s) for s in steps) == (0 if ok else 1)
    assert 60 < n_wrong < 180


def test_sft_rows_and_tokenizer_corpus() -> None:
    from acemath.tiny.factory import build_tiny_tokenizer
    from acemath.toy.world import general_sft_rows, tokenizer_corpus

    w = build_world(SMALL)
    s1, s2 = general_sft_rows(w, 1), general_sft_rows(w, 2)
    assert len(s1) == len(w.general) and len(s2) == 2 * len(w.general)
    with pytest.raises(ValueError):
        general_sft_rows(w, 3)
    tok = build_tiny_tokenizer(corpus=tokenizer_corpus(w, n=300))
    row = s2[-1]
    text = tok.apply_chat_template(row["messages"], tokenize=False)
    assert tok.decode(tok(text, add_special_tokens=False)["input_ids"]) == text
    # digits are single tokens (the tiny models do arithmetic digit by digit)
    assert all(len(tok.tokenize(d)) == 1 for d in "0123456789")
