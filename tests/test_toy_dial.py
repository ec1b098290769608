"""The dials (toy_dial, toy_letter_dial, toy_letter_dials): puzzles whose wrong answers are visible against the
question (experiments NOTES E16, E19, E20)."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from acemath.curation.decontam import build_index
from acemath.curation.text import words
from acemath.grading.boxed import last_boxed
from acemath.toy import ToyWorldConfig, build_world
from acemath.toy.dial import DIALS, LETTER_DIAL, MODULUS, PRESSES, DialRules, make_dial_problem, press
from acemath.toy.teachers import scripted_teacher, wrong_response

LINE = re.compile(r"Keys (\d+)(?: for (\w))?: (\w+)(?: ([+x]\d+))? -> (\w+)\.")


def test_press_tables() -> None:
    assert [press(x, 1) for x in (0, 23, 24, 30)] == [7, 30, 0, 6]
    assert [press(x, 2) for x in (0, 15, 16, 30)] == [0, 30, 1, 29]
    assert [LETTER_DIAL.press(x, 1) for x in (0, 18, 19, 25)] == [7, 25, 0, 6]
    assert [LETTER_DIAL.press(x, 2) for x in (0, 8, 9, 25)] == [0, 24, 1, 23]
    assert [LETTER_DIAL.show(x) for x in (0, 7, 25)] == ["A", "H", "Z"]
    for dial in DIALS.values():  # every key is a bijection of the dial's places
        assert all(sorted(dial.press(x, k) for x in range(dial.modulus)) == list(range(dial.modulus)) for k in (1, 2))
    with pytest.raises(ValueError, match="unknown dial key"):
        press(3, 3)


def _place(dial: DialRules, shown: str) -> int:
    assert shown == dial.show(int(shown) if shown.isdigit() else ord(shown) - ord("A"))
    return int(shown) if shown.isdigit() else ord(shown) - ord("A")


@pytest.mark.parametrize("benchmark", sorted(DIALS))
@pytest.mark.parametrize("level", sorted(PRESSES))
def test_solution_is_the_unique_key_sequence(benchmark: str, level: int) -> None:
    rng = random.Random(level)
    for _ in range(40):
        p = make_dial_problem(rng, level, benchmark)
        dial = p.rules  # toy_letter_dials: the benchmark's dial with this question's key-1 step
        assert p.question.endswith(f"Key 1 adds {dial.add}, key 2 {dial.times_word}, mod {dial.modulus}.")
        start, target = p.meta["start"], p.meta["target"]
        assert f"dial's {dial.show(start)} into {dial.show(target)}?" in p.question
        assert f"Which {PRESSES[level]} presses" in p.question and p.benchmark == benchmark
        hits = ["".join(map(str, ks)) for ks in itertools.product((1, 2), repeat=PRESSES[level])
                if dial.run(start, ks)[-1] == target]
        assert hits == [str(p.answer)]
        sol = p.solution()
        assert last_boxed(sol) == str(p.answer)
        lines = LINE.findall(sol)
        assert len(lines) == PRESSES[level]
        shown = start
        for i, (pressed, goal, a, op, b) in enumerate(lines):
            assert pressed == str(p.answer)[:i + 1] and _place(dial, a) == shown
            assert op == (dial.op(int(pressed[-1])) if dial.op_in_line else "")
            assert goal == (dial.show(target) if dial.goal_in_line else "")
            assert dial.press(shown, int(pressed[-1])) == _place(dial, b)
            shown = _place(dial, b)
        closing = f"So keys {p.answer} take the dial from {dial.show(start)} to {dial.show(target)}."
        assert shown == target and (closing in sol) != dial.goal_in_line


@pytest.mark.parametrize("benchmark", sorted(DIALS))
def test_a_slipped_solution_is_wrong_and_visibly_so(benchmark: str) -> None:
    rng = random.Random(0)
    for level in PRESSES:
        p = make_dial_problem(rng, level, benchmark)
        dial = p.rules
        for seed in range(10):
            text, answer = wrong_response(p, random.Random(seed))
            assert answer != str(p.answer) and last_boxed(text) == answer
            pressed, goal, _, _, last_shown = LINE.findall(text)[-1]
            # the presses are followed honestly, so they miss the target that the closing sentence (number
            # dial) or the last line itself (letter dial) still names
            assert pressed == answer and _place(dial, last_shown) != p.meta["target"]
            start, target = dial.show(p.meta["start"]), dial.show(p.meta["target"])
            if dial.goal_in_line:
                assert goal == target and "So keys" not in text
            else:
                assert f"So keys {answer} take the dial from {start} to {target}." in text


def test_unknown_dial_is_named() -> None:
    with pytest.raises(ValueError, match="unknown dial 'toy_clock'"):
        make_dial_problem(random.Random(0), 1, "toy_clock")


def test_dial_world_and_teacher() -> None:
    w = build_world(ToyWorldConfig(n_math_train=300, n_general=10, n_test_per_benchmark=12,
                                   benchmarks=("toy_dial", "toy_letter_dial", "toy_letter_dials", "toy_word"),
                                   constraint=False))
    for benchmark in DIALS:
        dial = [p for p in w.test if p.benchmark == benchmark]
        assert len(dial) == 12 and {p.level for p in dial} == {1, 2, 3}
    assert all(re.search(r"dial's [A-Z] into [A-Z]\?", p.question) for p in w.train if p.benchmark == "toy_letter_dial")
    assert not {p.question for p in w.test} & {p.question for p in w.train}
    teacher = scripted_teacher(w.train, name="t", error_rate=0.0)
    q = next(p for p in w.train if p.benchmark == "toy_dial")
    assert teacher.solve(q.question) == (q.solution(), str(q.answer))
    with pytest.raises(ValueError, match="too few distinct questions"):
        build_world(ToyWorldConfig(n_math_train=10, n_general=1, n_test_per_benchmark=5000, benchmarks=("toy_dial",)))


def test_levels_are_checked_per_benchmark() -> None:
    """toy_dial's level 4 (5 presses) exists only for the dial; the arithmetic benchmarks reject it by name."""
    w = build_world(ToyWorldConfig(n_math_train=40, n_general=1, n_test_per_benchmark=8, levels=(1, 4),
                                   benchmarks=("toy_dial",), constraint=False))
    assert {len(p.keys) for p in w.test} == {PRESSES[1], PRESSES[4]}
    with pytest.raises(ValueError, match="unknown toy level 4 for toy_word"):
        build_world(ToyWorldConfig(n_math_train=4, n_general=1, n_test_per_benchmark=2, levels=(1, 4),
                                   benchmarks=("toy_dial", "toy_word")))


@pytest.mark.parametrize("benchmark", sorted(DIALS))
def test_decontamination_flags_only_questions_about_the_same_numbers(benchmark: str) -> None:
    """Every 13-word window of a dial question holds its start and target, so template overlap alone does not
    make two different dial questions look like a leak. Questions about the same two places that differ in one
    other word (the press count, or toy_letter_dials' key-1 step) are near-copies, and are flagged."""
    rng = random.Random(5)
    test = [make_dial_problem(rng, 1 + i % 3, benchmark) for i in range(40)]
    index = build_index({benchmark: [(f"d{i}", p.question) for i, p in enumerate(test)]})

    def near_copy(p, t) -> bool:
        same_places = (p.meta["start"], p.meta["target"]) == (t.meta["start"], t.meta["target"])
        return same_places and (len(p.keys) == len(t.keys) or p.meta.get("add") == t.meta.get("add"))

    flagged = 0
    for _ in range(400):
        p = make_dial_problem(rng, 1 + rng.randrange(3), benchmark)
        ids = index.hasher.ids(words(p.question))
        match = index.confirm(ids, index.candidates([ids])[0])
        assert (match is not None) == any(near_copy(p, t) for t in test), p.question
        flagged += match is not None
    assert flagged > 0
    leak = index.hasher.ids(words("Question: " + test[0].question.upper()))
    assert index.confirm(leak, index.candidates([leak])[0]) is not None
    assert MODULUS == 31


def test_general_tasks_can_teach_single_presses() -> None:
    """``general_presses``: a share of the general tasks are one press on the world's dial, written as a
    solution line writes it (the skill general SFT lends math SFT); without it the general tasks are word tasks."""
    cfg = dict(n_math_train=40, n_general=200, n_test_per_benchmark=4, benchmarks=("toy_letter_dial",),
               constraint=False)
    plain = build_world(ToyWorldConfig(**cfg))
    assert not [t for t in plain.general if t[0] == "dial_press"]
    w = build_world(ToyWorldConfig(**cfg, general_presses=0.5))
    presses = [t for t in w.general if t[0] == "dial_press"]
    assert len(w.general) == 200 and len(presses) == 100
    for _, instruction, answer in presses:
        key, place = re.match(r"Press key (\d) on the dial at ([A-Z])\.", instruction).groups()
        value = ord(place) - ord("A")
        assert answer == f"{place} {LETTER_DIAL.op(int(key))} -> {LETTER_DIAL.show(LETTER_DIAL.press(value, int(key)))}."
    # the same line as in a solution, so the skill transfers
    solution_lines = {line.split(": ", 1)[1] for p in w.train for line in p.solution().splitlines()[:-1]}
    assert solution_lines & {a for _, _, a in presses}
    with pytest.raises(ValueError, match="general_presses needs a dial benchmark"):
        build_world(ToyWorldConfig(n_math_train=4, n_general=4, n_test_per_benchmark=2, general_presses=0.5))


def test_letter_dials_state_their_step_and_have_five_times_the_questions() -> None:
    """toy_letter_dials: each question draws key 1's step from five odd steps and states it; its lines, slips
    and general press tasks follow that step, and the benchmark has 5x the distinct questions of the letter dial
    (so a tiny policy and RM cannot memorise them all; NOTES E20)."""
    rng = random.Random(3)
    problems = [make_dial_problem(rng, 1 + i % 3, "toy_letter_dials") for i in range(300)]
    assert {p.meta["add"] for p in problems} == {3, 5, 7, 9, 11}
    for p in problems[:30]:
        step = p.meta["add"]
        assert f"Key 1 adds {step}," in p.question
        for _, _, a, op, b in LINE.findall(p.solution()):
            assert op in (f"+{step}", "x3") and _place(p.rules, b) == p.rules.press(_place(p.rules, a), 1 if op[0] == "+" else 2)
    all_presses = {n: list(itertools.product((1, 2), repeat=n)) for n in PRESSES.values()}

    def unique_questions(dial: DialRules) -> int:
        count = 0
        for level in (1, 2, 3):
            for s in range(dial.modulus):
                ends = [dial.run(s, ks)[-1] for ks in all_presses[PRESSES[level]]]
                count += sum(ends.count(t) == 1 for t in set(ends))
        return count

    single = unique_questions(LETTER_DIAL)
    assert sum(unique_questions(LETTER_DIAL.with_add(step)) for step in DIALS["toy_letter_dials"].adds) == 5 * single
    w = build_world(ToyWorldConfig(n_math_train=40, n_general=100, n_test_per_benchmark=4, constraint=False,
                                   benchmarks=("toy_letter_dials",), general_presses=1.0))
    for _, instruction, answer in w.general:
        key, place, step = re.match(r"Press key (\d) on the dial at ([A-Z])\. Key 1 adds (\d+),", instruction).groups()
        dial = LETTER_DIAL.with_add(int(step))
        assert answer == f"{place} {dial.op(int(key))} -> {dial.show(dial.press(ord(place) - ord('A'), int(key)))}."
