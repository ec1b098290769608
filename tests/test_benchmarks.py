"""The benchmark registry turns each benchmark's rows into problems with its own answer convention."""

from __future__ import annotations

import json

import pytest

from acemath.benchmarks import BENCHMARKS, load_benchmark
from acemath.benchmarks.base import PAPER_BENCHMARKS
from acemath.cli import main
from acemath.errors import InputError, UnknownNameError

EXPECTED_SIZES = {"gsm8k": 1319, "math500": 500, "minerva_math": 272, "gaokao2023en": 385, "olympiadbench": 675,
                  "college_math": 2818, "mmlu_stem": 3018, "aime24": 30, "amc23": 40}


def test_registry_has_the_issue_names():
    assert set(BENCHMARKS) == {"gsm8k", "math", "math500", "minerva_math", "gaokao2023en", "olympiadbench",
                               "college_math", "mmlu_stem", "aime24", "amc23"}
    assert PAPER_BENCHMARKS == ["gsm8k", "math", "minerva_math", "gaokao2023en", "olympiadbench",
                                "college_math", "mmlu_stem"]


def test_unknown_name_suggests_nearest():
    with pytest.raises(UnknownNameError, match="Did you mean: gsm8k"):
        load_benchmark("gsm8")


@pytest.mark.parametrize("name", sorted(EXPECTED_SIZES))
def test_real_files_load_with_expected_sizes(name, shared_benchmarks):
    problems = load_benchmark(name, data_dir=shared_benchmarks)
    assert len(problems) == EXPECTED_SIZES[name]
    assert len({p.id for p in problems}) == len(problems)
    assert all(p.question for p in problems)
    # GaoKao 2023 En ships two rows with an empty answer; every other gold is non-empty.
    assert sum(not p.gold for p in problems) == (2 if name == "gaokao2023en" else 0)
    assert all(p.benchmark == name for p in problems)


def test_answer_conventions(shared_benchmarks):
    gsm = load_benchmark("gsm8k", data_dir=shared_benchmarks)
    assert gsm[0].gold == "18"
    assert all("####" not in p.gold and "," not in p.gold for p in gsm)
    minerva = load_benchmark("minerva_math", data_dir=shared_benchmarks)
    assert "boxed" not in minerva[0].gold
    gaokao = load_benchmark("gaokao2023en", data_dir=shared_benchmarks)
    assert gaokao[0].gold == r"\{x|-2\leq x < 1\}"
    college = load_benchmark("college_math", data_dir=shared_benchmarks)
    assert college[0].gold == "10-4 n"
    mmlu = load_benchmark("mmlu_stem", data_dir=shared_benchmarks)
    assert mmlu[0].gold == "C" and len(mmlu[0].choices) == 4
    olymp = load_benchmark("olympiadbench", data_dir=shared_benchmarks)
    multi = [p for p in olymp if p.meta["is_multiple_answer"]]
    assert multi and all(len(p.meta["answers"]) >= 1 for p in multi)
    assert any(p.meta["answers"] == ["69", "84"] for p in olymp)
    amc = load_benchmark("amc23", data_dir=shared_benchmarks)
    assert amc[0].gold == "27"


def test_env_var_data_dir(shared_benchmarks, monkeypatch):
    monkeypatch.setenv("ACEMATH_DATA_DIR", str(shared_benchmarks))
    assert len(load_benchmark("aime24", limit=5)) == 5


def test_offline_error_says_how_to_point_at_a_file(monkeypatch, tmp_path):
    monkeypatch.delenv("ACEMATH_DATA_DIR", raising=False)
    with pytest.raises(InputError, match="--data FILE"):
        load_benchmark("aime24", allow_hub=False)


def test_bad_row_names_file_line_and_field(tmp_path):
    f = tmp_path / "gsm.jsonl"
    f.write_text(json.dumps({"question": "q", "answer": "#### 3"}) + "\n" + json.dumps({"question": "q2"}) + "\n")
    with pytest.raises(InputError) as err:
        load_benchmark("gsm8k", f)
    assert f"{f}:2" in str(err.value) and "'answer'" in str(err.value)


def test_own_layout_loads_under_any_name(tmp_path):
    f = tmp_path / "toy.jsonl"
    f.write_text(json.dumps({"id": "a", "question": "1+1?", "gold": "2"}) + "\n")
    (p,) = load_benchmark("toy_arith", f)
    assert (p.id, p.gold, p.benchmark) == ("a", "2", "toy_arith")


def test_cli_lists_benchmarks(capsys):
    assert main(["benchmarks"]) == 0
    out = capsys.readouterr().out
    assert "olympiadbench" in out and "mmlu_stem" in out


def test_cli_unknown_command_suggests(capsys):
    assert main(["benchmarsk"]) == 2
    assert "Did you mean" in capsys.readouterr().err
