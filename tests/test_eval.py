"""``acemath eval``: generate -> grade -> metrics -> report, on the tiny model and on a scripted teacher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acemath.cli import main
from acemath.errors import ConfigError
from acemath.evaluation.run import EvalConfig
from acemath.io import read_rows

GSM = [("Ava has 3 apples and buys 4 more. How many apples does she have?", "7"),
       ("Ben has 10 cards and gives away 4. How many cards are left?", "6"),
       ("A box holds 5 pens. How many pens are in 3 boxes?", "15")]
MATH = [("Compute $2^5$.", "32"), ("What is $\\frac{6}{3}$?", "2"), ("Solve $x + 4 = 9$.", "5")]


def make_data_dir(root: Path) -> Path:
    """gsm8k and math500 in the Qwen2.5-Math toolkit layouts (what ../shared/data/benchmarks holds)."""
    (root / "gsm8k").mkdir(parents=True)
    (root / "math500").mkdir()
    (root / "gsm8k" / "test.jsonl").write_text("".join(
        json.dumps({"question": q, "answer": f"Reasoning.\n#### {a}"}) + "\n" for q, a in GSM))
    (root / "math500" / "test.jsonl").write_text("".join(
        json.dumps({"problem": q, "solution": f"So $\\boxed{{{a}}}$.", "answer": a, "unique_id": f"u{i}"}) + "\n"
        for i, (q, a) in enumerate(MATH)))
    return root


@pytest.mark.slow
def test_tiny_model_eval_over_two_benchmarks_writes_every_file(tiny_model_dir, tmp_path, capsys):
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks"
    data_dir = shared if (shared / "gsm8k").is_dir() else make_data_dir(tmp_path / "data")
    run = tmp_path / "run"
    args = ["eval", "--model", str(tiny_model_dir), "--benchmarks", "gsm8k,math500", "--data-dir", str(data_dir),
            "--limit", "3", "--n", "4", "--temperature", "0.7", "--top-p", "0.95", "--max-tokens", "16",
            "--metric-seeds", "10", "--no-progress", "--out", str(run)]
    assert main(args) == 0
    record = json.loads((run / "run.json").read_text())
    assert record["command"] == "eval" and record["status"] == "done"
    assert {"config", "versions", "git_commit", "time", "hardware"} <= set(record)
    assert record["config"]["n"] == 4 and "torch" in record["versions"]
    for bench in ("gsm8k", "math500"):
        greedy, samples = read_rows(run / bench / "greedy.jsonl"), read_rows(run / bench / "samples.jsonl")
        assert len(greedy) == len(samples) == 3
        assert all(len(r["responses"]) == 1 for r in greedy) and all(len(r["responses"]) == 4 for r in samples)
        graded = read_rows(run / bench / "samples.graded.jsonl")
        assert all(len(r["correct"]) == len(r["preds"]) == len(r["grade_status"]) == 4 for r in graded)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["truncation_rate"]["gsm8k"]["greedy"] >= 0
    report = (run / "report.md").read_text()
    assert "| metric | gsm8k | math500 | Avg. |" in report  # benchmarks as columns, average last
    for name in ("greedy", "pass@1", "maj@4", "pass@4"):
        assert f"| {name} |" in report
    assert (run / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # rerun: everything is already generated, nothing is sampled again
    before = (run / "gsm8k" / "samples.jsonl").read_bytes()
    assert main(args) == 0
    assert "3 of 3 problems already complete" in capsys.readouterr().err
    assert (run / "gsm8k" / "samples.jsonl").read_bytes() == before


def test_eval_with_a_perfect_scripted_teacher_scores_100(tmp_path):
    data = make_data_dir(tmp_path / "data")
    teacher = tmp_path / "teacher.jsonl"
    teacher.write_text("".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in GSM + MATH))
    run = tmp_path / "run"
    assert main(["eval", "--backend", "scripted", "--model", str(teacher), "--benchmarks", "gsm8k,math500",
                 "--data-dir", str(data), "--n", "4", "--metric-seeds", "5", "--no-progress", "--out", str(run)]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    table = metrics.get("benchmarks", metrics)
    flat = json.dumps(table)
    assert "maj@4" in flat and "pass@4" in flat
    report = (run / "report.md").read_text()
    assert "| greedy | 100.00 | 100.00 | 100.00 |" in report
    assert "| maj@4 | 100.00 ±0.00 | 100.00 ±0.00 | 100.00 |" in report


def test_eval_n1_reports_greedy_only(tmp_path):
    data = make_data_dir(tmp_path / "data")
    teacher = tmp_path / "teacher.jsonl"
    teacher.write_text("".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in GSM[:2]))
    run = tmp_path / "run"
    assert main(["eval", "--backend", "scripted", "--model", str(teacher), "--benchmarks", "gsm8k",
                 "--data-dir", str(data), "--no-progress", "--out", str(run)]) == 0
    assert not (run / "gsm8k" / "samples.jsonl").exists()
    report = (run / "report.md").read_text()
    assert "| greedy | 66.67 |" in report and "maj@" not in report and "pass@" not in report


def test_eval_config_errors():
    with pytest.raises(ConfigError):
        EvalConfig(model="m", benchmarks=[])
    with pytest.raises(ConfigError, match="temperature"):
        EvalConfig(model="m", benchmarks=["gsm8k"], n=4, temperature=0.0)
    assert EvalConfig(model="m", benchmarks=["gsm8k"], n=8, ks=(2, 4, 16)).sample_ks() == [1, 2, 4, 8]


def test_eval_missing_benchmark_file_fails_before_loading_a_model(tmp_path, capsys):
    assert main(["eval", "--model", str(tmp_path / "no-model"), "--benchmarks", "gsm8k",
                 "--data-dir", str(tmp_path), "--no-progress", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "gsm8k" in err and "--data-dir" in err


@pytest.mark.slow
def test_eval_with_a_reward_model_reports_rm_at_k(tiny_model_dir, shared_benchmarks, tmp_path):
    """`acemath eval --rm`: a tiny RM made by `acemath rm train` (a few steps from the tiny model) scores
    the n samples; rm@k lands in metrics.json and report.md, and can never beat pass@k."""
    from acemath.io import write_jsonl
    from acemath.reward.data import build_groups
    from acemath.reward.toydata import toy_samples

    groups, _ = build_groups(enumerate(toy_samples(8, seed=0, n=6), 1), per_problem=6)
    write_jsonl(tmp_path / "groups.jsonl", groups)
    rm = tmp_path / "rm"
    assert main(["rm", "train", "--model", str(tiny_model_dir), "--data", str(tmp_path / "groups.jsonl"),
                 "--out", str(rm), "lr=1e-3", "max_steps=2", "batch_size=4", "max_length=128", "cpu=true"]) == 0
    run = tmp_path / "run"
    assert main(["eval", "--model", str(tiny_model_dir), "--rm", str(rm), "--benchmarks", "gsm8k,math500",
                 "--data-dir", str(shared_benchmarks), "--limit", "3", "--n", "4", "--max-tokens", "32",
                 "--metric-seeds", "20", "--no-progress", "--out", str(run)]) == 0
    metrics = json.loads((run / "metrics.json").read_text())["benchmarks"]
    report = (run / "report.md").read_text()
    assert "| rm@4 |" in report
    for bench in ("gsm8k", "math500"):  # one RM, loaded once, scores every benchmark's samples
        scored = read_rows(run / bench / "samples.graded.jsonl")
        assert len(scored) == 3 and all(len(r["rewards"]) == len(r["correct"]) == 4 for r in scored)
        assert len({x for r in scored for x in r["rewards"]}) > 1  # real scores, not a constant
        assert "rewards" not in read_rows(run / bench / "greedy.graded.jsonl")[0]  # only the n samples
        got = metrics[bench]
        assert {"rm@4", "pass@4", "maj@4"} <= set(got)
        assert 0 <= got["rm@4"]["mean"] <= got["pass@4"]["mean"] <= 100  # percent
        assert got["rm@4"]["exact"] <= got["pass@4"]["exact"] + 1e-9
