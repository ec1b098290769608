"""`acemath metrics` on both file layouts, the Qwen2.5-Math rm@8/pass@8 reproduction, reports and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acemath.cli import main
from acemath.metrics import ProblemSamples, evaluate
from acemath.metrics.report import average, metric_order, to_json, to_markdown, write_report

FIXTURES = Path(__file__).parent / "fixtures"
QWEN_FILES = [p for p in (FIXTURES / "qwen_rm_example.jsonl", FIXTURES / "qwen_rm_example_upstream.jsonl")
              if p.exists()]


def _qwen_reference(path: Path, k: int = 8) -> tuple[float, float]:
    """What Qwen2.5-Math's evaluation/rm_maj_eval.py computes, redone by hand from the raw rows.

    rm@k: per problem the ``score`` at ``rm_score.index(max(rm_score))`` over the first k flattened
    ``pred_score`` values; pass@k: any ``score`` true among the first k. Both: right / count * 100.
    """
    rm_right = pass_right = count = 0
    for line in path.read_text().splitlines():
        row = json.loads(line)
        rm_score = [inner for score in row["pred_score"][:k] for inner in score]
        rm_right += row["score"][:k][rm_score.index(max(rm_score))]
        pass_right += any(row["score"][:k])
        count += 1
    return rm_right / count * 100, pass_right / count * 100


@pytest.mark.parametrize("path", QWEN_FILES, ids=lambda p: p.name)
def test_reproduces_the_qwen_reference_rm8_and_pass8_exactly(path, tmp_path, capsys):
    out = tmp_path / "m.json"
    assert main(["metrics", str(path), "--benchmark", "math", "--json", str(out)]) == 0
    got = json.loads(out.read_text())["benchmarks"]["math"]
    rm8, pass8 = _qwen_reference(path)
    assert got["rm@8"]["mean"] == rm8
    assert got["pass@8"]["mean"] == pass8
    assert got["rm@8"]["std"] == 0.0 and got["rm@8"]["exact"] == rm8  # 8 of 8: every seed draws all
    table = capsys.readouterr().out
    assert f"{rm8:.2f}" in table and f"{pass8:.2f}" in table


def test_the_handbuilt_qwen_example_exercises_the_tie_rule():
    """The fixture must contain problems where a wrong and a right response share the top reward."""
    rows = [json.loads(line) for line in (FIXTURES / "qwen_rm_example.jsonl").read_text().splitlines()]
    assert len(rows) == 100 and all(len(r["code"]) == len(r["pred_score"]) == 8 for r in rows)
    tied = 0
    for r in rows:
        scores = [s[0] for s in r["pred_score"]]
        top = [i for i, s in enumerate(scores) if s == max(scores)]
        tied += len({r["score"][i] for i in top}) == 2
    assert tied >= 3


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _own_rows(benchmark: str, count: int, n: int, offset: int = 0) -> list[dict]:
    rows = []
    for i in range(count):
        correct = [(i + j + offset) % 3 == 0 for j in range(n)]
        rows.append({"id": f"{benchmark}-{i}", "benchmark": benchmark, "gold": "1",
                     "responses": [f"\\boxed{{{int(c)}}}" for c in correct],
                     "preds": [str(int(c)) for c in correct], "correct": correct,
                     "rewards": [float(c) + 0.1 * j for j, c in enumerate(correct)]})
    return rows


def test_own_layout_two_benchmarks_with_average(tmp_path, capsys):
    f = _write_jsonl(tmp_path / "samples.jsonl", _own_rows("gsm8k", 12, 8) + _own_rows("math500", 9, 8, 1))
    out = tmp_path / "m.json"
    assert main(["metrics", str(f), "--k", "1,4,8", "--seeds", "20", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert list(data["benchmarks"]) == ["gsm8k", "math500"]
    assert set(data["benchmarks"]["gsm8k"]) == {"pass@1", "maj@4", "rm@4", "pass@4", "maj@8", "rm@8", "pass@8"}
    for name, value in data["average"].items():
        per = [data["benchmarks"][b][name]["mean"] for b in ("gsm8k", "math500")]
        assert value == pytest.approx(sum(per) / 2)
    assert data["protocol"]["seeds"] == 20 and "rm@k" in data["protocol"]["tie_rules"]
    assert data["info"]["gsm8k"]["problems"] == 12
    table = capsys.readouterr().out
    assert "gsm8k" in table and "math500" in table and "Avg." in table


def test_qwen_layout_greedy_file(tmp_path):
    rows = [{"idx": i, "gt": "2", "code": ["\\boxed{2}"], "pred": ["2"], "score": [i < 3]} for i in range(4)]
    bench_dir = tmp_path / "gsm8k"
    bench_dir.mkdir()
    f = _write_jsonl(bench_dir / "test_qwen25-math-cot_-1_seed0_t0.0_s0_e-1.jsonl", rows)
    out = tmp_path / "m.json"
    assert main(["metrics", str(f), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["benchmarks"] == {"gsm8k": {"greedy": 75.0}}  # folder names it


def test_report_folder(tmp_path):
    f = _write_jsonl(tmp_path / "s.jsonl", _own_rows("math500", 10, 8))
    out_dir = tmp_path / "report"
    assert main(["metrics", str(f), "--seeds", "10", "--out", str(out_dir)]) == 0
    for name in ("report.md", "metrics.json", "metrics.png", "curves.png", "run.json"):
        assert (out_dir / name).stat().st_size > 0, name
    assert (out_dir / "metrics.png").read_bytes()[:4] == b"\x89PNG"
    data = json.loads((out_dir / "metrics.json").read_text())
    assert data["curves"]["math500"]["k"] == [1, 2, 4, 8]
    assert "| metric | math500 |" in (out_dir / "report.md").read_text()


@pytest.mark.parametrize("row,field", [
    ({"correct": [True, False], "preds": ["1"]}, "correct"),
    ({"score": [True], "pred": ["1"], "pred_score": [[0.1, 0.2]]}, "pred_score"),
    ({"correct": [True, "yes"]}, "correct"),
    ({"score": [True, False], "pred_score": [[0.1], [float("nan")]]}, "pred_score"),
    ({"preds": ["1"]}, "correct"),
    ({"correct": "True"}, "correct"),
])
def test_malformed_rows_name_file_line_and_field(tmp_path, capsys, row, field):
    good = {"correct": [True], "preds": ["1"]}
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps(good) + "\n" + json.dumps(row) + "\n")
    assert main(["metrics", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}:2" in err and f"'{field}'" in err


def test_missing_labels_suggest_regrade(tmp_path, capsys):
    f = _write_jsonl(tmp_path / "s.jsonl", [{"responses": ["\\boxed{1}"], "gold": "1"}])
    assert main(["metrics", str(f)]) == 2
    assert "--regrade" in capsys.readouterr().err


def test_duplicate_ids_and_bad_k_are_errors(tmp_path, capsys):
    f = _write_jsonl(tmp_path / "s.jsonl", [{"id": 1, "correct": [True]}, {"id": 1, "correct": [False]}])
    assert main(["metrics", str(f)]) == 2
    assert "appears 2 times" in capsys.readouterr().err
    g = _write_jsonl(tmp_path / "t.jsonl", [{"id": 1, "correct": [True]}])
    assert main(["metrics", str(g), "--k", "1,x"]) == 2
    assert "--k" in capsys.readouterr().err


def test_regrade_uses_the_grader(tmp_path):
    grading = pytest.importorskip("acemath.grading")
    if not hasattr(grading, "grade"):
        pytest.skip("acemath.grading.grade is not written yet")
    rows = [{"id": i, "gold": "12", "benchmark": "gsm8k", "responses": ["So \\boxed{12}.", "So \\boxed{13}."],
             "preds": ["x", "x"], "correct": [False, False]} for i in range(3)]
    f = _write_jsonl(tmp_path / "s.jsonl", rows)
    out = tmp_path / "m.json"
    assert main(["metrics", str(f), "--regrade", "--k", "1,2", "--seeds", "5", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["benchmarks"]["gsm8k"]["pass@2"]["mean"] == 100.0
    assert data["protocol"]["labels"].startswith("regraded")


def test_report_layer_is_generic():
    metrics = {"a": {"greedy": 0.5, "rm@8": {"mean": 0.7, "std": 0.01, "seeds": 100}},
               "b": {"greedy": 0.3, "rm@8": 0.5, "extra": 0.1}}
    assert average(metrics) == pytest.approx({"greedy": 0.4, "rm@8": 0.6})
    assert metric_order(["pass@8", "rm@8", "greedy", "maj@8", "pass@1", "zzz"]) == \
        ["greedy", "pass@1", "maj@8", "rm@8", "pass@8", "zzz"]
    md = to_markdown(metrics)
    assert "| rm@8 | 70.00 ±1.00 | 50.00 | 60.00 |" in md and "| extra | - | 10.00 | - |" in md
    assert to_json(metrics)["average"]["rm@8"] == pytest.approx(60.0)


def test_write_report_from_evaluate_output(tmp_path):
    problems = [ProblemSamples.build(str(i), [i % 2 == 0, True, False, False], ["1", "2", "2", None],
                                     [0.1, 0.2, 0.3, 0.0]) for i in range(6)]
    paths = write_report({"toy": evaluate(problems, (1, 4), seeds=5)}, tmp_path, title="toy")
    assert json.loads(paths["json"].read_text())["benchmarks"]["toy"]["rm@4"]["mean"] == 0.0
    assert paths["bars"].exists() and "curves" not in paths


def test_reward_tie_break_needs_rewards(tmp_path, capsys):
    f = _write_jsonl(tmp_path / "s.jsonl", [{"id": 1, "correct": [True, False], "preds": ["1", "2"]}])
    assert main(["metrics", str(f), "--maj-tie-break", "reward"]) == 2
    assert "needs per-sample rewards" in capsys.readouterr().err
    assert main(["metrics", str(f), "--k", "2", "--seeds", "3"]) == 0
