"""``acemath grade`` on files: adds preds/correct/grade_status, resumes by id, summary, process pool."""

from __future__ import annotations

import json

from acemath.cli import main
from acemath.grading.run import grade_rows, summarize
from acemath.io import read_rows, write_jsonl

ROWS = [
    {"id": "gsm8k-0", "benchmark": "gsm8k", "gold": "18",
     "responses": ["So she makes 9 * 2 = $18.\nThe answer is $\\boxed{18}$.", "\\boxed{1800}", "She makes 9 *"]},
    {"id": "math-1", "benchmark": "math", "gold": "\\frac{1}{2}",
     "responses": ["\\boxed{0.5}", "\\boxed{\\dfrac{2}{4}}", "\\boxed{0.50001}"]},
    {"id": "mmlu-2", "benchmark": "mmlu_stem", "gold": "B", "choices": ["4", "8", "16", "32"],
     "responses": ["The answer is (B).", "\\boxed{\\textbf{(C)}}"]},
    {"id": "olympiad-3", "benchmark": "olympiadbench", "gold": "69, 84",
     "meta": {"answers": ["69", "84"], "is_multiple_answer": True, "unit": None},
     "responses": ["\\boxed{84, 69}", "\\boxed{69}"]},
]
EXPECTED = {"gsm8k-0": [True, False, False], "math-1": [True, True, False], "mmlu-2": [True, False],
            "olympiad-3": [True, False]}

def test_grade_command_writes_verdicts_and_summary(tmp_path, capsys) -> None:
    inp, out = tmp_path / "samples.jsonl", tmp_path / "graded.jsonl"
    write_jsonl(inp, ROWS)
    assert main(["grade", str(inp), "-o", str(out), "--no-progress"]) == 0
    rows = {r["id"]: r for r in read_rows(out)}
    assert {k: r["correct"] for k, r in rows.items()} == EXPECTED
    assert rows["gsm8k-0"]["grade_status"] == ["ok", "ok", "no_answer"]
    assert rows["gsm8k-0"]["preds"] == ["18", "1800", None]
    assert rows["mmlu-2"]["preds"] == ["B", "C"]
    printed = capsys.readouterr().out
    assert "accuracy 0.5000" in printed and "no_answer 1" in printed
    run = json.loads((tmp_path / "graded.jsonl.run.json").read_text())
    assert run["summary"]["samples"] == 10 and run["summary"]["status"]["no_answer"] == 1

def test_grade_command_resumes_without_duplicates(tmp_path, capsys) -> None:
    inp, out = tmp_path / "samples.jsonl", tmp_path / "graded.jsonl"
    write_jsonl(inp, ROWS)
    first = next(grade_rows(ROWS[:1]))
    with out.open("w") as fh:  # one finished row and the partial line a killed run leaves
        fh.write(json.dumps(first) + "\n" + '{"id": "math-1", "pre')
    assert main(["grade", str(inp), "-o", str(out), "--no-progress"]) == 0
    assert "3 rows" in capsys.readouterr().out
    ids = [r["id"] for r in read_rows(out)]
    assert ids == ["gsm8k-0", "math-1", "mmlu-2", "olympiad-3"]
    assert main(["grade", str(inp), "-o", str(out), "--no-progress"]) == 0  # nothing left to do
    assert "grading 0 rows" in capsys.readouterr().out
    assert len(read_rows(out)) == 4

def test_bad_rows_name_file_line_and_field(tmp_path, capsys) -> None:
    inp = tmp_path / "bad.jsonl"
    write_jsonl(inp, [ROWS[0], {"id": "x", "gold": "1", "responses": "not a list"}])
    assert main(["grade", str(inp), "-o", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:2" in err and "responses" in err

def test_process_pool_matches_single_process() -> None:
    rows = ROWS * 3
    single = [r["correct"] for r in grade_rows(rows, workers=1)]
    pooled = list(grade_rows(rows, workers=2, chunk_size=2))
    assert [r["correct"] for r in pooled] == single
    assert [r["id"] for r in pooled] == [r["id"] for r in rows]
    assert summarize(pooled)["samples"] == 30
