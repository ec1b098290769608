"""The hf backend and the generate stage: reproducible sampling, resume, config checks, shards, merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acemath.cli import main
from acemath.errors import ConfigError, InputError, UnknownNameError
from acemath.generation import get_generator
from acemath.generation.base import SamplingParams
from acemath.generation.hf import apply_stop
from acemath.generation.merge import merge_shards
from acemath.generation.run import GenerateConfig, parse_shard, run_generation, run_json_path
from acemath.generation.seeding import sample_seed
from acemath.io import read_rows

QUESTIONS = ["What is 2 + 3?", "What is 4 * 5?", "Ava has 3 apples and buys 4 more. How many now?",
             "Compute 9 - 2.", "What is 10 / 2?", "Ben has 6 cards and gives away 2. How many left?",
             "What is 3 squared?"]


@pytest.fixture(scope="module")
def gen(tiny_model_dir):
    import torch

    torch.set_num_threads(1)
    g = get_generator("hf", str(tiny_model_dir), batch_size=8)
    yield g
    g.close()


@pytest.fixture()
def problems_file(tmp_path) -> Path:
    path = tmp_path / "toy.jsonl"
    path.write_text("".join(json.dumps({"id": f"t{i}", "question": q, "gold": "1"}) + "\n"
                            for i, q in enumerate(QUESTIONS)))
    return path


def cfg(model_dir: Path, data: Path, **kw) -> GenerateConfig:
    base = dict(model=str(model_dir), benchmark="toy", data=str(data), n=3, temperature=0.8, top_p=0.95, seed=1,
                max_tokens=12)
    base.update(kw)
    return GenerateConfig(**base)


def texts(results):
    return [[c.text for c in r] for r in results]


def test_sample_seed_depends_on_seed_prompt_and_index_only():
    assert sample_seed(0, "abc", 1) == sample_seed(0, "abc", 1)
    assert len({sample_seed(0, "abc", 0), sample_seed(1, "abc", 0), sample_seed(0, "abd", 0),
                sample_seed(0, "abc", 1)}) == 4
    assert sample_seed(3, [{"role": "user", "content": "x"}]) == sample_seed(3, [{"content": "x", "role": "user"}])


def test_hf_sampling_is_reproducible_per_prompt_whatever_the_batch(gen):
    prompts = ["What is 2 + 3?", "hello there", [{"role": "user", "content": "What is 4 * 5?"}]]
    params = SamplingParams(n=3, temperature=0.8, top_p=0.9, max_tokens=10, seed=5)
    full = gen.generate(prompts, params)
    assert len(full) == 3 and all(len(r) == 3 for r in full)
    reversed_ = gen.generate(prompts[::-1], params)[::-1]
    alone = gen.generate([prompts[1]], params)
    assert texts(full) == texts(reversed_)
    assert texts(full)[1] == texts(alone)[0]
    assert len({c.text for r in full for c in r}) > 3  # samples differ between draws
    other_seed = gen.generate(prompts, SamplingParams(n=3, temperature=0.8, top_p=0.9, max_tokens=10, seed=6))
    assert texts(other_seed) != texts(full)


def test_hf_greedy_length_and_stop(gen):
    comps = gen.generate(["What is 2 + 3?"], SamplingParams(n=2, temperature=0.0, max_tokens=7))[0]
    assert comps[0].text == comps[1].text
    assert all(c.finish_reason == "length" and c.num_tokens == 7 for c in comps)
    # a stop string found in the greedy text cuts it there and ends the sample with "stop"
    probe = comps[0].text
    stop = probe[2:4] if len(probe) >= 4 else probe
    stopped = gen.generate(["What is 2 + 3?"], SamplingParams(n=1, max_tokens=7, stop=(stop,)))[0][0]
    assert stopped.finish_reason == "stop" and stop not in stopped.text and probe.startswith(stopped.text)


def test_apply_stop_cuts_at_the_earliest_stop_string():
    assert apply_stop("a b STOP c END", ["END", "STOP"]) == ("a b ", True)
    assert apply_stop("abc", ["x", ""]) == ("abc", False)


def test_unknown_backend_suggests():
    with pytest.raises(UnknownNameError, match="openai"):
        get_generator("opneai", "m")


def test_generate_writes_rows_and_resumes_without_regenerating(gen, tiny_model_dir, problems_file, tmp_path):
    out = tmp_path / "s.jsonl"
    c = cfg(tiny_model_dir, problems_file)
    s1 = run_generation(c, out, generator=gen, progress=False, problems=None)
    rows = read_rows(out)
    assert [r["id"] for r in rows] == [f"t{i}" for i in range(len(QUESTIONS))]
    r0 = rows[0]
    assert r0["prompt"].startswith("<|im_start|>system\nPlease reason step by step")
    assert len(r0["responses"]) == len(r0["finish_reasons"]) == len(r0["num_tokens"]) == 3
    assert r0["sampling"] == {"n": 3, "temperature": 0.8, "top_p": 0.95, "seed": 1, "max_tokens": 12, "stop": []}
    assert r0["generator"]["prompt_preset"] == "cot@1"
    assert s1.generated == len(QUESTIONS) and s1.samples == 3 * len(QUESTIONS)
    assert s1.truncation_rate == sum(r.count("length") for r in (x["finish_reasons"] for x in rows)) / s1.samples
    record = json.loads(run_json_path(out).read_text())
    assert record["first_prompt"] == r0["prompt"] and record["identity"]["n"] == 3
    assert record["config"]["model"] == str(tiny_model_dir) and "versions" in record

    # drop the last two rows and leave half a line, as a killed writer would
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:-2]) + lines[-2][:25])
    s2 = run_generation(c, out, generator=gen, progress=False)
    assert (s2.skipped, s2.generated) == (len(QUESTIONS) - 2, 2)
    assert read_rows(out) == rows  # same samples, no duplicate, untouched earlier rows
    s3 = run_generation(c, out, generator=gen, progress=False)
    assert (s3.skipped, s3.generated) == (len(QUESTIONS), 0)


@pytest.mark.parametrize("change", [{"n": 4}, {"temperature": 0.5}, {"seed": 2}, {"prompt": "raw"},
                                    {"model": "other-model"}, {"max_tokens": 13}])
def test_rerun_with_a_different_config_is_refused(gen, tiny_model_dir, problems_file, tmp_path, change):
    out = tmp_path / "s.jsonl"
    run_generation(cfg(tiny_model_dir, problems_file, limit=1), out, generator=gen, progress=False)
    with pytest.raises(ConfigError, match="different config"):
        run_generation(cfg(tiny_model_dir, problems_file, limit=2, **change), out, generator=gen, progress=False)
    # without the run record the rows themselves still identify the config
    run_json_path(out).unlink()
    with pytest.raises(ConfigError, match="different config"):
        run_generation(cfg(tiny_model_dir, problems_file, limit=2, **change), out, generator=gen, progress=False)


def test_shards_merged_equal_the_unsharded_run(gen, tiny_model_dir, problems_file, tmp_path):
    whole = tmp_path / "whole.jsonl"
    run_generation(cfg(tiny_model_dir, problems_file), whole, generator=gen, progress=False)
    parts = []
    for i in range(3):
        part = tmp_path / f"part{i}.jsonl"
        run_generation(cfg(tiny_model_dir, problems_file, shard=(i, 3)), part, generator=gen, progress=False)
        parts.append(part)
    assert sorted(r["index"] for p in parts for r in read_rows(p)) == list(range(len(QUESTIONS)))
    merged = tmp_path / "merged.jsonl"
    assert main(["merge", str(parts[2]), str(parts[0]), str(parts[1]), "-o", str(merged)]) == 0
    assert read_rows(merged) == read_rows(whole)  # same problems, same order, identical samples
    # the merged file counts as the unsharded run: resuming it generates nothing
    s = run_generation(cfg(tiny_model_dir, problems_file), merged, generator=gen, progress=False)
    assert s.generated == 0 and s.skipped == len(QUESTIONS)


def test_merge_detects_missing_duplicate_and_mismatched_shards(gen, tiny_model_dir, problems_file, tmp_path):
    parts = []
    for i in range(2):
        part = tmp_path / f"p{i}.jsonl"
        run_generation(cfg(tiny_model_dir, problems_file, shard=(i, 2), max_tokens=4), part, generator=gen,
                       progress=False)
        parts.append(part)
    out = tmp_path / "m.jsonl"
    with pytest.raises(InputError, match=r"missing shard\(s\) 1/2"):
        merge_shards([parts[0]], out)
    with pytest.raises(InputError, match="given twice"):
        merge_shards([parts[0], parts[0], parts[1]], out)
    # an unfinished shard: its last row is gone
    lines = parts[1].read_text().splitlines(keepends=True)
    parts[1].write_text("".join(lines[:-1]))
    with pytest.raises(InputError, match="1 of 7 problems missing"):
        merge_shards(parts, out)
    odd = tmp_path / "odd.jsonl"
    run_generation(cfg(tiny_model_dir, problems_file, shard=(1, 2), max_tokens=4, seed=9), odd, generator=gen,
                   progress=False)
    with pytest.raises(InputError, match="seed"):
        merge_shards([parts[0], odd], out)
    assert not out.exists()


def test_parse_shard_rejects_bad_values():
    assert parse_shard("2/4") == (2, 4)
    for bad in ("4/4", "a/b", "1", "-1/2"):
        with pytest.raises(ConfigError):
            parse_shard(bad)


@pytest.mark.slow
def test_generate_cli_end_to_end(tiny_model_dir, problems_file, tmp_path, capsys):
    out = tmp_path / "cli.jsonl"
    args = ["generate", "--model", str(tiny_model_dir), "--benchmark", "toy", "--data", str(problems_file),
            "--limit", "3", "--n", "2", "--temperature", "0.7", "--top-p", "0.95", "--seed", "0",
            "--max-tokens", "8", "--no-progress", "--prompt", "raw", "-o", str(out)]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "truncated at --max-tokens" in captured.out and "first prompt (raw@1)" in captured.err
    rows = read_rows(out)
    assert len(rows) == 3 and rows[0]["prompt"] == f"{QUESTIONS[0]}\nPlease reason step by step, and put your " \
        "final answer within \\boxed{}.\n" and "messages" not in rows[0]
    assert main([*args[:-2], "--n", "3", "-o", str(out)]) == 2  # config clash: one clear error line
    assert "different config" in capsys.readouterr().err
