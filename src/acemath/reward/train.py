"""Reward-model training (PAPER.md section 6.4): listwise Bradley-Terry and the Table 8 ablations.

A plain loop on ``accelerate`` (TRL has no listwise reward trainer, CPU-NOTES section 7): launch it
with ``accelerate launch -m acemath rm train ...`` and a DeepSpeed/FSDP accelerate config to scale
out; on one device it is an ordinary loop.

One *example* is a group (``listwise``, ``ce``, ``mse``) or a (chosen, rejected) pair
(``pairwise``). A batch of groups is flattened into one padded tensor of all its responses, so
each response is scored once per step; ``pairwise`` scores 2 sequences per pair (a group of k
positives and m negatives costs 2km sequences instead of k+m). AdamW, cosine schedule with
optional warm-up, 2 epochs by default (the paper's), gradient clipping at 1.0.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import torch

from acemath.errors import ConfigError, InputError
from acemath.reward.data import validate_group
from acemath.reward.losses import LOSS_FUNCTIONS, LOSSES, group_top1_accuracy
from acemath.reward.model import (
    RM_SYSTEM_PROMPT,
    ForwardCounter,
    collate,
    encode,
    head_module,
    load_reward_model,
    render_rm_text,
    reward_forward,
)


@dataclass
class RMTrainConfig:
    """Every knob of ``acemath rm train``; loaded by :func:`acemath.config.load_config` from ``--config FILE``,
    flags and ``key=value`` overrides (unknown keys and ill-typed values are :class:`ConfigError`)."""

    model: str = ""
    data: str = ""
    out: str = ""
    loss: Literal["listwise", "pairwise", "ce", "mse"] = "listwise"
    epochs: int = 2
    max_steps: int | None = None  # stop early after this many optimizer steps
    lr: float = 5e-6  # the paper's 7B value; tiny models need ~1e-3
    weight_decay: float = 0.0
    warmup_steps: int = 0
    head_lr_scale: float = 1.0  # the new score head's learning rate is lr * head_lr_scale
    batch_size: int = 8  # groups per step (pairs per step for `pairwise`)
    grad_accum: int = 1
    max_length: int = 2048
    max_grad_norm: float = 1.0
    seed: int = 0
    system: str | None = RM_SYSTEM_PROMPT  # None: no system turn
    dtype: str | None = None  # e.g. bfloat16 on GPUs
    mixed_precision: Literal["no", "fp16", "bf16", "fp8"] = "no"
    gradient_checkpointing: bool = False
    disable_dropout: bool = True
    log_every: int = 10
    cpu: bool = False
    save: bool = True

    def validate(self) -> None:
        if self.loss not in LOSSES:
            raise ConfigError(f"unknown loss {self.loss!r}; choose from {', '.join(LOSSES)}")
        if not self.model or not self.data:
            raise ConfigError("both model and data are required")
        if self.save and not self.out:
            raise ConfigError("out is required")
        if self.batch_size < 1 or self.grad_accum < 1 or self.epochs < 1:
            raise ConfigError("batch_size, grad_accum and epochs must be >= 1")
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError("max_steps must be >= 1")
        if self.log_every < 1 or self.max_length < 2:
            raise ConfigError("log_every must be >= 1 and max_length >= 2")
        if not self.head_lr_scale > 0:
            raise ConfigError(f"head_lr_scale must be > 0, got {self.head_lr_scale}")


def load_train_config(path: str | None = None, overrides: Sequence[str] = (),
                      settings: Mapping[str, Any] | None = None) -> RMTrainConfig:
    """Defaults <- ``path`` (YAML) <- ``settings`` (e.g. CLI flags; None values ignored) <- ``overrides``.

    The shared :func:`acemath.config.load_config` does the work: unknown keys (in the file or an
    override) raise :class:`ConfigError` naming the key, its source and the nearest known keys.
    """
    from acemath.config import load_config, read_yaml

    raw: dict[str, Any] = read_yaml(path) if path else {}
    raw.update({k: v for k, v in (settings or {}).items() if v is not None})
    cfg = load_config(RMTrainConfig, path, overrides, data=raw)
    cfg.validate()
    return cfg


@dataclass
class TokenizedGroup:
    ids: list[list[int]]
    labels: list[int]


def load_groups(path: str, tokenizer: Any, *, system: str | None, max_length: int) -> tuple[list[TokenizedGroup], int]:
    """Read and tokenize RM groups; return them and the number of truncated responses."""
    from acemath.io import iter_rows

    groups: list[TokenizedGroup] = []
    truncated = 0
    for line, row in iter_rows(path):
        validate_group(row, path=path, line=line)
        labels = [int(bool(x)) for x in row["labels"]]
        if not any(labels) or all(labels):
            continue  # no pair to learn from
        enc = [encode(tokenizer, render_rm_text(tokenizer, row["prompt"], r, system), max_length)
               for r in row["responses"]]
        truncated += sum(e.truncated for e in enc)
        groups.append(TokenizedGroup([e.input_ids for e in enc], labels))
    if not groups:
        raise InputError("no usable groups (each needs at least one positive and one negative)", path=path)
    return groups, truncated


def examples_for(loss: str, groups: Sequence[TokenizedGroup]) -> list[TokenizedGroup]:
    """Training examples: the groups themselves, or for ``pairwise`` one 2-response group per pair."""
    if loss != "pairwise":
        return list(groups)
    pairs = []
    for g in groups:
        pos = [s for s, y in zip(g.ids, g.labels, strict=True) if y]
        neg = [s for s, y in zip(g.ids, g.labels, strict=True) if not y]
        pairs += [TokenizedGroup([p, n], [1, 0]) for p in pos for n in neg]
    return pairs


class _Collator:
    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, batch: list[TokenizedGroup]) -> dict[str, torch.Tensor]:
        seqs, labels, gids = [], [], []
        for gi, g in enumerate(batch):
            seqs += g.ids
            labels += g.labels
            gids += [gi] * len(g.ids)
        out = collate(seqs, self.pad_id)
        out["labels"] = torch.tensor(labels, dtype=torch.float)
        out["groups"] = torch.tensor(gids, dtype=torch.long)
        return out


@dataclass
class TrainResult:
    steps: int = 0
    epochs: int = 0
    examples: int = 0
    sequences_scored: int = 0
    forward_calls: int = 0
    seconds: float = 0.0
    final_loss: float = float("nan")
    train_top1: float = float("nan")
    truncated: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    model: Any = field(default=None, repr=False, compare=False)  # the trained (unwrapped) model, in eval mode

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "model"}


def _param_groups(model: Any, cfg: RMTrainConfig) -> list[dict[str, Any]]:
    """AdamW groups: weight decay for matrices only; the score head at ``lr * head_lr_scale``."""
    head = head_module(model)
    head_ids = {id(p) for p in head.parameters()} if head is not None else set()
    groups: dict[tuple[bool, bool], list[Any]] = {}
    for name, p in model.named_parameters():
        decays = not (p.ndim < 2 or "norm" in name.lower())
        groups.setdefault((decays, id(p) in head_ids), []).append(p)
    return [{"params": ps, "weight_decay": cfg.weight_decay if decays else 0.0,
             "lr": cfg.lr * (cfg.head_lr_scale if is_head else 1.0)}
            for (decays, is_head), ps in sorted(groups.items())]


def train_reward_model(cfg: RMTrainConfig, *, model: Any = None, tokenizer: Any = None,
                       counter: ForwardCounter | None = None, quiet: bool = False) -> TrainResult:
    """Train an RM on ``cfg.data`` (groups JSONL); save an HF model + tokenizer to ``cfg.out``."""
    from accelerate import Accelerator
    from torch.utils.data import DataLoader
    from transformers import get_cosine_schedule_with_warmup

    cfg.validate()
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    if model is None:
        model, tokenizer = load_reward_model(cfg.model, dtype=cfg.dtype, seed=cfg.seed)
    if cfg.disable_dropout:
        for mod in model.modules():
            if isinstance(mod, torch.nn.Dropout):
                mod.p = 0.0
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    groups, truncated = load_groups(cfg.data, tokenizer, system=cfg.system, max_length=cfg.max_length)
    examples = examples_for(cfg.loss, groups)
    accelerator = Accelerator(gradient_accumulation_steps=cfg.grad_accum, mixed_precision=cfg.mixed_precision,
                              cpu=cfg.cpu)
    loader = DataLoader(examples, batch_size=cfg.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(cfg.seed),
                        collate_fn=_Collator(int(model.config.pad_token_id)))
    optimizer = torch.optim.AdamW(_param_groups(model, cfg), lr=cfg.lr)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    steps_per_epoch = math.ceil(len(loader) / cfg.grad_accum)
    total_steps = steps_per_epoch * cfg.epochs
    if cfg.max_steps is not None:
        total_steps = min(total_steps, cfg.max_steps)
    # Not passed through accelerator.prepare: it is stepped once per optimizer step, on every process.
    scheduler = get_cosine_schedule_with_warmup(optimizer.optimizer if hasattr(optimizer, "optimizer") else optimizer,
                                                cfg.warmup_steps, max(total_steps, 1))
    loss_fn = LOSS_FUNCTIONS[cfg.loss]
    counter = counter or ForwardCounter()
    result = TrainResult(examples=len(examples), truncated=truncated)
    window: dict[str, float] = {"loss": 0.0, "n": 0, "hits": 0, "groups": 0}
    model.train()
    start = time.perf_counter()
    done = False
    for epoch in range(cfg.epochs):
        for batch in loader:
            with accelerator.accumulate(model):
                rewards = reward_forward(model, batch["input_ids"], batch["attention_mask"], batch["last_index"],
                                         counter=counter)
                loss = loss_fn(rewards, batch["labels"], batch["groups"])
                accelerator.backward(loss)
                if accelerator.sync_gradients and cfg.max_grad_norm:
                    accelerator.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
                optimizer.step()
                optimizer.zero_grad()
            hits, n_groups = group_top1_accuracy(rewards, batch["labels"], batch["groups"])
            window["loss"] += float(loss.detach())
            window["n"] += 1
            window["hits"] += hits
            window["groups"] += n_groups
            if not accelerator.sync_gradients:
                continue
            scheduler.step()
            result.steps += 1
            if result.steps % cfg.log_every == 0 or result.steps == total_steps:
                rec = {"step": result.steps, "epoch": epoch + 1, "loss": window["loss"] / max(window["n"], 1),
                       "top1": window["hits"] / max(window["groups"], 1), "lr": scheduler.get_last_lr()[0],
                       "seconds": time.perf_counter() - start}
                result.history.append(rec)
                if not quiet and accelerator.is_main_process:
                    print(f"step {rec['step']}/{total_steps} epoch {rec['epoch']} loss {rec['loss']:.4f} "
                          f"top1 {rec['top1']:.3f} lr {rec['lr']:.2e}", flush=True)
                window = {"loss": 0.0, "n": 0, "hits": 0, "groups": 0}
            if result.steps >= total_steps:
                done = True
                break
        result.epochs = epoch + 1
        if done:
            break
    result.seconds = time.perf_counter() - start
    result.sequences_scored = counter.sequences
    result.forward_calls = counter.calls
    if result.history:
        result.final_loss = result.history[-1]["loss"]
        result.train_top1 = result.history[-1]["top1"]
    if cfg.save:
        accelerator.wait_for_everyone()
        unwrapped = accelerator.unwrap_model(model)
        unwrapped.save_pretrained(cfg.out, is_main_process=accelerator.is_main_process, save_function=accelerator.save,
                                  state_dict=accelerator.get_state_dict(model))
        if accelerator.is_main_process:
            tokenizer.save_pretrained(cfg.out)
            with (Path(cfg.out) / "train_log.jsonl").open("w") as fh:
                for rec in result.history:
                    fh.write(json.dumps(rec) + "\n")
    result.model = accelerator.unwrap_model(model)
    result.model.eval()
    return result
