"""Untrusted answers: payloads do nothing, pathological inputs come back within the bound, timeouts are a status."""

from __future__ import annotations

import time

import pytest

from acemath.grading import grade
from acemath.grading.equivalence import MAX_SYMBOLIC_CHARS
from acemath.grading.worker import WorkerPool, WorkerTimeout

BOUND = 10.0


@pytest.mark.parametrize("payload", [
    r"__import__('os').system('touch {marker}')",
    r"exec(\"open('{marker}','w')\")",
    r"eval('__import__(\"os\").system(\"touch {marker}\")')",
    r"\text{__import__('os').system('touch {marker}')}",
    r"().__class__.__bases__[0].__subclasses__()",
    r"\frac{__import__('os').system('touch {marker}')}{1}",
])
def test_payloads_do_nothing(tmp_path, payload) -> None:
    marker = tmp_path / "pwned"
    text = payload.replace("{marker}", str(marker))
    for gold in ("0", r"\frac{1}{2}", "x+1"):
        v = grade(f"The answer is $\\boxed{{{text}}}$.", gold, "math")
        assert v.correct is False and v.status in ("ok", "error")
    assert not marker.exists()


@pytest.mark.parametrize("pred,gold", [
    ("2^{2^{2^{2^{2^{2}}}}}", "2^{2^{2^{2^{2^{3}}}}}"),
    ("2^{2^{2^{2^{2^{2}}}}}", "3"),
    ("(" * 300 + "1" + ")" * 300, "1"),
    ("\\left(" * 300 + "x" + "\\right)" * 300, "x+1"),
    ("9" * 100_000, "9" * 99_999 + "8"),
    ("1" + "0" * 100_000, "10^{100000}"),
    ("x" * 5000, "x^{5000}"),
    ("9^{9^{9^{9}}}", "10"),
    ("10^{10^{10}}", "10^{10000000000}"),
])
def test_pathological_inputs_return_within_bound(pred, gold) -> None:
    start = time.monotonic()
    v = grade(f"\\boxed{{{pred}}}", gold, "math", timeout=BOUND)
    assert time.monotonic() - start < BOUND + 3  # worker start-up is not part of the budget
    assert v.status in ("ok", "timeout")
    assert v.correct is False


def test_huge_equal_numbers_are_still_equal() -> None:
    n = "7" * 100_000
    assert grade(f"\\boxed{{{n}}}", n).correct


def test_long_inputs_never_reach_sympy() -> None:
    a = "+".join(["x"] * (MAX_SYMBOLIC_CHARS // 2 + 10))
    v = grade(f"\\boxed{{{a}}}", "x")
    assert v.status == "ok" and v.correct is False


def test_timeout_is_its_own_status() -> None:
    # a genuine symbolic comparison (|x| and \binom need SymPy) with a budget far too small to finish it
    pred = r"\binom{x+6}{3} + |x|"
    gold = r"\frac{(x+6)(x+5)(x+4)}{6} + |x|"
    v = grade(f"\\boxed{{{pred}}}", gold, "math", timeout=0.001)
    assert v.status == "timeout" and v.correct is False and v.pred is not None
    # not cached: a sane budget decides it
    assert grade(f"\\boxed{{{pred}}}", gold, "math", timeout=BOUND).status == "ok"


def test_worker_is_killed_on_timeout_and_replaced() -> None:
    pool = WorkerPool(max_workers=1)
    try:
        assert pool.call("ping", 30) == "pong"
        start = time.monotonic()
        with pytest.raises(WorkerTimeout):
            pool.call("sleep", 0.5, seconds=60)
        assert time.monotonic() - start < 5
        assert pool.call("ping", 30) == "pong"  # a fresh worker answers
    finally:
        pool.close()


def test_grading_works_off_the_main_thread() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as ex:
        verdicts = list(ex.map(lambda g: grade(r"\boxed{(x+1)^2}", g, timeout=BOUND),
                               ["x^2+2x+1", "x^2+1"]))
    assert [v.correct for v in verdicts] == [True, False]
