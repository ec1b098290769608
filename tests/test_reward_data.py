"""RM groups: balance, the short-side fill rule, dropped problems, score-sorted sampling, pair converters."""

from __future__ import annotations

import json

import pytest

from acemath.cli import main
from acemath.errors import InputError
from acemath.reward.data import build_groups, groups_to_pairs, pairs_to_groups, select_group, split_counts


def _row(i, correct, rewards=None):
    row = {"id": f"p{i}", "question": f"q{i}", "responses": [f"r{i}-{j}" for j in range(len(correct))],
           "correct": correct}
    if rewards is not None:
        row["rewards"] = rewards
    return row


def test_split_counts_balanced_and_short_side_filled():
    assert split_counts(5, 5, 6) == (3, 3)
    assert split_counts(1, 7, 6) == (1, 5)  # one positive: negatives fill the rest
    assert split_counts(7, 2, 6) == (4, 2)
    assert split_counts(1, 2, 6) == (1, 2)  # fewer than 6 candidates: take them all
    assert split_counts(3, 3, 5) == (2, 3)


def test_build_groups_counts_and_drops():
    rows = [_row(0, [True] * 4 + [False] * 4), _row(1, [True] * 8), _row(2, [False] * 8),
            _row(3, [True] + [False] * 7), _row(4, [])]
    groups, stats = build_groups(enumerate(rows, 1), per_problem=6, seed=0)
    assert (stats.problems_in, stats.dropped_all_correct, stats.dropped_all_wrong, stats.dropped_empty) == (5, 1, 1, 1)
    assert stats.groups_out == 2 and stats.pos_neg_counts == {"3+3": 1, "1+5": 1}
    for g in groups:
        assert set(g) == {"id", "prompt", "responses", "labels"} and len(g["responses"]) == 6
        assert 0 < sum(g["labels"]) < 6
        # labels match the source correctness
        src = rows[int(g["id"][1:])]
        for resp, lab in zip(g["responses"], g["labels"], strict=True):
            assert src["correct"][src["responses"].index(resp)] == bool(lab)


def test_groups_do_not_depend_on_row_order():
    rows = [_row(i, [True, False] * 5) for i in range(6)]
    a, _ = build_groups(enumerate(rows, 1), seed=3)
    b, _ = build_groups(enumerate(reversed(rows), 1), seed=3)
    assert sorted(a, key=lambda g: g["id"]) == sorted(b, key=lambda g: g["id"])


def test_score_sorted_draws_from_top_and_bottom_k():
    correct = [True] * 10 + [False] * 10
    scores = list(range(20))  # positives 0..9 (top: 9,8,7), negatives 10..19 (bottom: 10,11,12)
    for seed in range(5):
        import random

        idx = select_group(correct, per_problem=6, strategy="score-sorted", scores=scores, top_k=3,
                           rng=random.Random(seed))
        assert sorted(idx) == [7, 8, 9, 10, 11, 12]
    with pytest.raises(InputError, match="rewards"):
        build_groups(enumerate([_row(0, [True, False])], 1), strategy="score-sorted")


def test_pair_converters_round_trip():
    g = {"id": "x", "prompt": "q", "responses": ["a", "b", "c"], "labels": [1, 0, 0]}
    pairs = groups_to_pairs([g])
    assert [(p["chosen"], p["rejected"]) for p in pairs] == [("a", "b"), ("a", "c")]
    back = pairs_to_groups(pairs)
    assert back[0]["responses"] == ["a", "b", "c"] and back[0]["labels"] == [1, 0, 0]


def test_rm_data_cli(tmp_path, capsys):
    graded = tmp_path / "graded.jsonl"
    rows = [_row(i, [True, False, True, False, False, True, False, True], rewards=[float(j) for j in range(8)])
            for i in range(3)] + [_row(9, [True] * 8)]
    graded.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "groups.jsonl"
    assert main(["rm", "data", str(graded), "-o", str(out), "--strategy", "score-sorted", "--top-k", "3",
                 "--pairs", str(tmp_path / "pairs.jsonl")]) == 0
    text = capsys.readouterr().out
    assert "dropped all-correct 1" in text and "groups out 3" in text
    groups = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(groups) == 3 and all(len(g["responses"]) == 6 for g in groups)
    assert len((tmp_path / "pairs.jsonl").read_text().splitlines()) == 27
    assert (tmp_path / "run.json").exists()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": 1, "question": "q", "responses": ["a"]}) + "\n")
    assert main(["rm", "data", str(bad), "-o", str(tmp_path / "x.jsonl")]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err
