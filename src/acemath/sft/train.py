"""Run an SFT recipe: stage after stage, each starting from the previous stage's final weights.

Built on TRL's ``SFTTrainer``. We tokenize ourselves (``acemath.sft.data``: the same
``return_assistant_tokens_mask`` mechanism as TRL's ``assistant_only_loss``) because TRL truncates
over-long rows silently and cannot drop them or mix sources; the trainer receives ``input_ids`` +
``labels`` and does the rest: batching, bfd packing into padding-free rows whose ``position_ids`` restart
at each sample (so samples do not attend to each other), per-token loss normalised over the whole
accumulated global batch, checkpoints, resume, DDP / DeepSpeed / FSDP through accelerate.

Layout of ``output_dir``::

    run.json                  what ran (recipe, versions, commit)
    <stage>/checkpoint-N/     trainer checkpoints (resume: rerun the same command)
    <stage>/model/            the stage's final HF model + tokenizer (the next stage starts here)
    <stage>/log.jsonl         one row per log step: loss, lr, tokens/s, eval_loss
    <stage>/stage.json        data counts, init weights and fingerprint, metrics, completed: true
    <stage>/run.json
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acemath.config import to_dict
from acemath.errors import ConfigError
from acemath.io import JsonlAppender, write_json, write_run_json
from acemath.sft.data import StageData, build_stage_data, make_masker
from acemath.sft.recipe import SFTRecipe, Stage, gradient_accumulation

STAGE_FILE = "stage.json"
MODEL_DIR = "model"


@dataclass
class StageResult:
    name: str
    model_dir: Path
    skipped: bool
    record: dict[str, Any]


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def fingerprint(model: Any) -> str:
    """A cheap identity for a model's weights: sha256 over each tensor's name, sum and absolute sum (float64)."""
    import torch

    h = hashlib.sha256()
    with torch.no_grad():
        for name, t in sorted(model.state_dict().items()):
            t = t.detach().to(torch.float64)
            h.update(f"{name}:{tuple(t.shape)}:{t.sum().item()!r}:{t.abs().sum().item()!r};".encode())
    return h.hexdigest()[:16]


def stage_done(stage_dir: Path) -> dict[str, Any] | None:
    import json

    path = stage_dir / STAGE_FILE
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    return record if record.get("completed") and (stage_dir / MODEL_DIR / "config.json").is_file() else None


def load_tokenizer(recipe: SFTRecipe, init: str) -> Any:
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(recipe.tokenizer or init, trust_remote_code=recipe.trust_remote_code)
    except OSError as exc:
        raise ConfigError(f"cannot load tokenizer from {recipe.tokenizer or init!r}: {exc}") from None
    if recipe.chat_template:
        path = Path(recipe.chat_template)
        if not path.is_file():
            raise ConfigError(f"chat_template file not found: {path}")
        tok.chat_template = path.read_text(encoding="utf-8")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def _torch_dtype(name: str) -> Any:
    import torch

    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16, "auto": "auto"}[name]


def sft_config(stage: Stage, stage_dir: Path, seed: int, has_eval: bool) -> Any:
    """The ``SFTConfig`` for a stage (paper defaults come from :class:`TrainArgs`)."""
    import torch
    from trl import SFTConfig

    t = stage.train
    cuda = torch.cuda.is_available() and not t.use_cpu
    bf16 = (cuda and torch.cuda.is_bf16_supported()) if t.bf16 is None else t.bf16
    ws = world_size()
    return SFTConfig(
        output_dir=str(stage_dir),
        per_device_train_batch_size=t.per_device_batch_size,
        per_device_eval_batch_size=t.per_device_batch_size,
        gradient_accumulation_steps=gradient_accumulation(t, ws),
        learning_rate=t.lr,
        num_train_epochs=t.epochs,
        max_steps=t.max_steps,
        lr_scheduler_type=t.scheduler,
        warmup_steps=t.warmup if t.warmup < 1 else int(t.warmup),
        weight_decay=t.weight_decay,
        adam_beta1=t.adam_beta1,
        adam_beta2=t.adam_beta2,
        adam_epsilon=t.adam_epsilon,
        max_grad_norm=t.max_grad_norm,
        optim="adamw_torch",
        bf16=bf16,
        activation_checkpointing=t.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False} if t.gradient_checkpointing else None,
        save_strategy="steps",
        save_steps=t.save_steps,
        save_total_limit=t.save_total_limit,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=t.eval_steps if has_eval else None,
        logging_steps=t.logging_steps,
        logging_first_step=True,
        report_to="none",
        disable_tqdm=True,
        seed=seed,
        data_seed=seed,
        use_cpu=t.use_cpu or not torch.cuda.is_available(),
        ddp_backend=None if cuda or ws == 1 else "gloo",
        dataloader_num_workers=t.dataloader_num_workers,
        max_length=stage.data.max_length,
        packing=stage.data.packing,
        packing_strategy="bfd",
        shuffle_dataset=False,
        assistant_only_loss=False,   # labels are already masked (acemath.sft.data)
        dataset_num_proc=stage.data.num_proc,
    )


def make_progress_callback(stage_name: str, log_path: Path) -> Any:
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        """One line per log step (step, loss, lr, tokens/s, ETA) on the main process, also into log.jsonl."""

        def __init__(self) -> None:
            self.t0 = self.t_last = time.perf_counter()
            self.tokens_last: float | None = None
            self.step0 = 0

        def on_train_begin(self, args, state, control, **kw):  # noqa: ANN001 - transformers signature
            self.t0 = self.t_last = time.perf_counter()
            self.step0 = state.global_step

        def on_log(self, args, state, control, logs=None, **kw):  # noqa: ANN001
            if not state.is_world_process_zero or not logs:
                return
            from rich.console import Console

            now = time.perf_counter()
            row: dict[str, Any] = {"step": state.global_step, "max_steps": state.max_steps,
                                   "epoch": round(state.epoch or 0.0, 4)}
            row.update({k: v for k, v in logs.items() if isinstance(v, int | float)})
            tokens = logs.get("num_tokens")
            if tokens is not None:
                if self.tokens_last is not None and now > self.t_last and tokens >= self.tokens_last:
                    row["tokens_per_s"] = round((tokens - self.tokens_last) / (now - self.t_last), 1)
                self.tokens_last, self.t_last = tokens, now
            done = state.global_step - self.step0
            if done > 0 and state.max_steps:
                row["eta_s"] = round((now - self.t0) / done * (state.max_steps - state.global_step), 1)
            with JsonlAppender(log_path, durable=False) as app:
                app.write(row)
            parts = [f"[sft {stage_name}] step {state.global_step}/{state.max_steps}"]
            for key, fmt in (("loss", "loss {:.4f}"), ("eval_loss", "eval_loss {:.4f}"),
                             ("learning_rate", "lr {:.2e}"), ("tokens_per_s", "{:,.0f} tok/s"),
                             ("eta_s", "eta {:.0f}s")):
                if key in row:
                    parts.append(fmt.format(row[key]))
            Console(stderr=True, highlight=False, soft_wrap=True).print("  ".join(parts), markup=False)

    return Progress()


def run_stage(recipe: SFTRecipe, stage: Stage, init: str, *, command: str = "acemath sft",
              data: StageData | None = None) -> StageResult:
    """Train one stage from ``init``; skip it when already completed (and ``resume``)."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from transformers.trainer_callback import PrinterCallback
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTTrainer

    stage_dir = Path(recipe.output_dir) / stage.name
    model_dir = stage_dir / MODEL_DIR
    done = stage_done(stage_dir) if recipe.resume else None
    if done is not None:
        _say(f"[sft {stage.name}] already completed ({model_dir}); skipping. Set resume=false to retrain.")
        return StageResult(stage.name, model_dir, True, done)
    stage_dir.mkdir(parents=True, exist_ok=True)
    _quiet_progress_bars()

    tok = load_tokenizer(recipe, init)
    masker = make_masker(tok, stage.data.mask)
    data = data or build_stage_data(stage.data, masker, recipe.seed)
    _say(f"[sft {stage.name}] train data: {data.train_stats.line()}")
    if data.eval_stats is not None:
        _say(f"[sft {stage.name}] eval data: {data.eval_stats.line()}")

    t = stage.train
    kwargs: dict[str, Any] = {"dtype": _torch_dtype(t.dtype), "trust_remote_code": recipe.trust_remote_code}
    if t.attn_implementation:
        kwargs["attn_implementation"] = t.attn_implementation
    try:
        model = AutoModelForCausalLM.from_pretrained(init, **kwargs)
    except OSError as exc:
        raise ConfigError(f"stage {stage.name}: cannot load the starting model {init!r}: {exc}") from None
    init_fp = fingerprint(model)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tok.pad_token_id
    # No KV cache in training: with a cache, transformers does not turn the restarting position_ids of a packed
    # row into a block-diagonal mask and packed samples attend to each other (SFTTrainer also passes
    # use_cache=False; tests/test_sft_data.py checks the packed loss).
    model.config.use_cache = False

    args = sft_config(stage, stage_dir, recipe.seed, bool(data.eval))
    trainer = SFTTrainer(
        model=model, args=args, processing_class=tok,
        train_dataset=Dataset.from_list(data.train),
        eval_dataset=Dataset.from_list(data.eval) if data.eval else None,
        callbacks=[make_progress_callback(stage.name, stage_dir / "log.jsonl")],
    )
    trainer.remove_callback(PrinterCallback)
    ckpt = get_last_checkpoint(str(stage_dir)) if recipe.resume and stage_dir.is_dir() else None
    if ckpt:
        _say(f"[sft {stage.name}] resuming from {ckpt}")
    _say(f"[sft {stage.name}] from {init}: {len(trainer.train_dataset)} train sequences, global batch "
         f"{t.global_batch_size} = {t.per_device_batch_size} per device x {args.gradient_accumulation_steps} "
         f"accumulation x {world_size()} processes, lr {t.lr:g}, packing {stage.data.packing}")
    t0 = time.perf_counter()
    out = trainer.train(resume_from_checkpoint=ckpt)
    wall = time.perf_counter() - t0
    metrics = dict(out.metrics)
    evals = [h for h in trainer.state.log_history if "eval_loss" in h]
    if data.eval and (not evals or evals[-1].get("step") != trainer.state.global_step):
        evals.append(trainer.evaluate())
    if evals:
        metrics["eval_loss"] = evals[-1]["eval_loss"]
    # the saved model is for inference: restore the KV cache, or every later generate() recomputes the
    # whole sequence at each step (quadratic; 25x slower on the tiny model)
    model.config.use_cache = True
    trainer.save_model(str(model_dir))
    trainer.accelerator.wait_for_everyone()
    record: dict[str, Any] = {
        "stage": stage.name, "init": str(init), "init_fingerprint": init_fp, "model_dir": str(model_dir),
        "resumed_from": ckpt, "global_step": trainer.state.global_step, "world_size": world_size(),
        "gradient_accumulation_steps": args.gradient_accumulation_steps, "bf16": args.bf16,
        "train_sequences": len(trainer.train_dataset), "train_data": to_dict(data.train_stats),
        "eval_data": to_dict(data.eval_stats) if data.eval_stats else None,
        "metrics": {k: v for k, v in metrics.items() if isinstance(v, int | float)},
        "train_wall_s": round(wall, 2), "completed": True,
    }
    tokens = [h.get("num_tokens") for h in trainer.state.log_history if h.get("num_tokens") is not None]
    if tokens and wall > 0:
        record["tokens_per_s"] = round(tokens[-1] / wall, 1)
    if trainer.is_world_process_zero():
        tok.save_pretrained(str(model_dir))
        write_run_json(stage_dir, command, to_dict(recipe), stage=stage.name)
        write_json(stage_dir / STAGE_FILE, record)
    trainer.accelerator.wait_for_everyone()
    del trainer, model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return StageResult(stage.name, model_dir, False, record)


def run_recipe(recipe: SFTRecipe, *, command: str = "acemath sft", stages: list[str] | None = None
               ) -> list[StageResult]:
    """Run every stage (or the named ones) in order; stage i+1 starts from stage i's ``model/``."""
    out = Path(recipe.output_dir)
    if is_main_process():
        out.mkdir(parents=True, exist_ok=True)
        write_run_json(out, command, to_dict(recipe))
    results = []
    prev = recipe.model
    for stage in recipe.stages:
        init = stage.init or prev
        stage_model = out / stage.name / MODEL_DIR
        if stages is not None and stage.name not in stages:
            prev = str(stage_model)  # a later stage starts here; loading it fails clearly if it was never run
            continue
        res = run_stage(recipe, stage, init, command=command)
        results.append(res)
        prev = str(res.model_dir)
    return results


def _quiet_progress_bars() -> None:
    """Our own log lines are the progress; the per-map / per-shard bars of datasets/transformers are noise."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()


def _say(msg: str) -> None:
    if is_main_process():
        from rich.console import Console

        Console(stderr=True, highlight=False, soft_wrap=True).print(msg, markup=False)
