"""SFT training on the tiny model: packed = unpacked, resume = uninterrupted, three chained stages, 2-process DDP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("trl")

from acemath.io import write_jsonl  # noqa: E402
from acemath.sft.recipe import recipe_from_dict  # noqa: E402
from acemath.sft.synthetic import chat_rows  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _weights(model_dir: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(model_dir / "model.safetensors"))


def _assert_same_weights(a: Path, b: Path, atol: float) -> None:
    import torch

    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        assert torch.allclose(wa[k], wb[k], atol=atol), (k, (wa[k] - wb[k]).abs().max())


def _recipe(tmp_path: Path, model_dir: Path, out: str, stages: list[dict], **top) -> dict:
    return {"model": str(model_dir), "output_dir": str(tmp_path / out), "seed": 0, "stages": stages,
            "train": {"logging_steps": 1, "save_steps": 1000, "use_cpu": True, **top.pop("train", {})},
            "data": {"max_length": 512, **top.pop("data", {})}, **top}


def _data(tmp_path: Path, n: int, kind: str = "math", seed: int = 0) -> str:
    path = tmp_path / f"{kind}-{n}-{seed}.jsonl"
    write_jsonl(path, chat_rows(n, kind, seed))
    return str(path)


def _losses(stage_dir: Path) -> list[float]:
    rows = [json.loads(line) for line in (stage_dir / "log.jsonl").read_text().splitlines()]
    return [r["loss"] for r in rows if "loss" in r]


def test_packed_and_unpacked_training_match(tmp_path, tiny_model_dir):
    """8 rows, 2 epochs: one padded batch of 8 per step vs one packed row of the same 8 per step."""
    from acemath.sft.train import run_recipe

    src = _data(tmp_path, 8)
    common = {"lr": 1e-3, "epochs": 2, "scheduler": "constant", "warmup": 0}
    unpacked = _recipe(tmp_path, tiny_model_dir, "unpacked", [{"name": "s", "data": {"sources": [{"path": src}]},
                       "train": {**common, "global_batch_size": 8, "per_device_batch_size": 8}}])
    packed = _recipe(tmp_path, tiny_model_dir, "packed", [{"name": "s", "data": {
        "sources": [{"path": src}], "packing": True, "max_length": 1024},
        "train": {**common, "global_batch_size": 1, "per_device_batch_size": 1}}])
    (a,) = run_recipe(recipe_from_dict(unpacked))
    (b,) = run_recipe(recipe_from_dict(packed))
    assert a.record["train_sequences"] == 8 and b.record["train_sequences"] == 1  # all 8 rows in one packed row
    assert a.record["global_step"] == b.record["global_step"] == 2
    la, lb = _losses(tmp_path / "unpacked" / "s"), _losses(tmp_path / "packed" / "s")
    assert len(la) == len(lb) == 2 and la[1] < la[0]
    assert la == pytest.approx(lb, abs=1e-4)
    _assert_same_weights(a.model_dir, b.model_dir, atol=1e-5)


def test_resumed_run_reaches_the_same_weights(tmp_path, tiny_model_dir):
    """Stop after the step-2 checkpoint (only it survives), rerun: same final weights as the uninterrupted run."""
    from acemath.sft.train import run_recipe

    src = _data(tmp_path, 48, "mixed")
    stage = {"name": "s", "data": {"sources": [{"path": src}]},
             "train": {"lr": 1e-3, "max_steps": 4, "global_batch_size": 8, "per_device_batch_size": 4,
                       "warmup": 0.25, "save_steps": 2}}
    (full,) = run_recipe(recipe_from_dict(_recipe(tmp_path, tiny_model_dir, "full", [stage])))
    assert full.record["gradient_accumulation_steps"] == 2 and full.record["global_step"] == 4
    killed = tmp_path / "killed" / "s"
    killed.mkdir(parents=True)
    shutil.copytree(tmp_path / "full" / "s" / "checkpoint-2", killed / "checkpoint-2")
    (resumed,) = run_recipe(recipe_from_dict(_recipe(tmp_path, tiny_model_dir, "killed", [stage])))
    assert resumed.record["resumed_from"].endswith("checkpoint-2") and resumed.record["global_step"] == 4
    _assert_same_weights(full.model_dir, resumed.model_dir, atol=1e-6)
    # a finished stage is skipped on rerun
    (again,) = run_recipe(recipe_from_dict(_recipe(tmp_path, tiny_model_dir, "killed", [stage])))
    assert again.skipped


@pytest.mark.slow
def test_three_stage_run_chains_weights(tmp_path, tiny_model_dir):
    """General stage 1 -> general stage 2 -> math; each stage starts from the previous stage's final weights."""
    from transformers import AutoModelForCausalLM

    from acemath.cli import main
    from acemath.sft.train import fingerprint

    math_src, general_src = _data(tmp_path, 300, "math"), _data(tmp_path, 200, "general", seed=1)
    stages = [
        {"name": "general_stage1", "data": {"sources": [{"path": math_src, "rows": 200},
                                                        {"path": general_src, "fraction": 0.25}]}},
        {"name": "general_stage2", "data": {"sources": [{"path": math_src, "fraction": 0.3},
                                                        {"path": general_src}], "eval_rows": 16}},
        {"name": "math", "train": {"lr": 1e-3}, "data": {"sources": [{"path": math_src}]}},
    ]
    recipe = _recipe(tmp_path, tiny_model_dir, "run", stages,
                     train={"lr": 2e-3, "max_steps": 5, "global_batch_size": 16, "per_device_batch_size": 8,
                            "eval_steps": 5})
    import yaml

    cfg = tmp_path / "three.yaml"
    cfg.write_text(f"# acemath sft --config {cfg}\n" + yaml.safe_dump(recipe))
    assert main(["sft", "--config", str(cfg)]) == 0
    out = tmp_path / "run"
    records = [json.loads((out / s["name"] / "stage.json").read_text()) for s in stages]
    assert records[0]["init"] == str(tiny_model_dir)
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    assert records[0]["init_fingerprint"] == fingerprint(base)
    for prev, rec in zip(records, records[1:], strict=False):
        prev_model = out / prev["stage"] / "model"
        assert rec["init"] == str(prev_model)
        assert rec["init_fingerprint"] == fingerprint(AutoModelForCausalLM.from_pretrained(prev_model))
        assert rec["init_fingerprint"] != prev["init_fingerprint"]  # the previous stage did change the weights
    assert records[1]["train_data"]["sources"] == [{"source": Path(math_src).stem, "available": 300, "taken": 90},
                                                   {"source": Path(general_src).stem, "available": 200, "taken": 200}]
    assert "eval_loss" in records[1]["metrics"] and records[2]["metrics"]["train_loss"] > 0
    assert all((out / s["name"] / "model" / "tokenizer_config.json").is_file() for s in stages)
    assert (out / "run.json").is_file() and (out / "math" / "run.json").is_file()


@pytest.mark.slow
def test_two_process_ddp_on_cpu(tmp_path, tiny_model_dir):
    """torchrun with 2 CPU processes (gloo): global batch 8 = 2 per device x 2 accumulation x 2 processes."""
    import yaml

    recipe = _recipe(tmp_path, tiny_model_dir, "ddp", [{"name": "s", "data": {"sources": [
        {"path": _data(tmp_path, 40, "mixed")}]}, "train": {"lr": 1e-3, "max_steps": 3, "global_batch_size": 8,
                                                           "per_device_batch_size": 2}}])
    cfg = tmp_path / "ddp.yaml"
    cfg.write_text(f"# torchrun --nproc_per_node 2 -m acemath sft --config {cfg}\n" + yaml.safe_dump(recipe))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "acemath", "sft", "--config", str(cfg)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rec = json.loads((tmp_path / "ddp" / "s" / "stage.json").read_text())
    assert rec["world_size"] == 2 and rec["gradient_accumulation_steps"] == 2 and rec["global_step"] == 3
    assert (tmp_path / "ddp" / "s" / "model" / "model.safetensors").is_file()
    assert "2 per device x 2 accumulation x 2 processes" in proc.stderr.replace("\n", " ")
