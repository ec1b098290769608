"""The SFT recipe: named stages, each with its data mixture and hyper-parameters.

Defaults follow the AceMath paper (PAPER.md section 4): AdamW, lr 5e-6 for general SFT (3e-6 for math SFT,
set per stage), global batch 128, 1 epoch, max length 4096, loss on assistant tokens only. The paper does
not give the schedule, warm-up, betas, weight decay or clipping; our choices are documented in docs/sft.md
(cosine to 0 after a 3% linear warm-up, betas 0.9/0.95, weight decay 0, clip 1.0).

A recipe-level ``train:`` / ``data:`` block holds defaults that every stage inherits key by key; a stage's
own keys win. Stage ``i+1`` starts from stage ``i``'s final weights unless it names ``init``.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from acemath.config import apply_overrides, from_dict, read_yaml
from acemath.errors import ConfigError


@dataclass
class Source:
    """One data source: a JSONL/Parquet file or a hub dataset of rows with a ``messages`` list."""

    path: str | None = None
    hub: str | None = None
    subset: str | None = None
    split: str = "train"
    name: str | None = None
    field: str = "messages"
    rows: int | None = None          # take this many rows (a source smaller than this is repeated)
    fraction: float | None = None    # or this multiple of the source: 0.25 = a quarter, 2.0 = twice
    weight: float | None = None      # or this share of data.total_rows

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.path:
            return Path(self.path).stem
        return f"{self.hub}:{self.split}"


@dataclass
class DataSpec:
    sources: list[Source] = field(default_factory=list)
    total_rows: int | None = None    # with source weights: the size of the mixture
    eval_sources: list[Source] = field(default_factory=list)
    eval_rows: int = 0               # hold this many rows of the mixture out for the periodic eval loss
    max_length: int = 4096
    overlong: Literal["truncate", "drop"] = "truncate"
    packing: bool = False
    mask: Literal["auto", "generation", "prefix"] = "auto"
    num_proc: int | None = None


@dataclass
class TrainArgs:
    lr: float = 5e-6
    epochs: float = 1.0
    max_steps: int = -1              # > 0 overrides epochs
    global_batch_size: int = 128     # per-device batch x accumulation x world size
    per_device_batch_size: int = 4
    scheduler: Literal["cosine", "linear", "constant", "constant_with_warmup"] = "cosine"
    warmup: float = 0.03             # < 1: a fraction of the optimizer steps; >= 1: a number of steps
    weight_decay: float = 0.0
    adam_beta1: float = 0.9
    adam_beta2: float = 0.95
    adam_epsilon: float = 1e-8
    max_grad_norm: float = 1.0
    bf16: bool | None = None         # None: bf16 autocast when a CUDA device supports it
    dtype: Literal["float32", "bfloat16", "float16", "auto"] = "float32"  # weights as loaded
    gradient_checkpointing: bool = False
    attn_implementation: str | None = None  # e.g. flash_attention_2 for varlen packing on GPU
    save_steps: int = 500
    save_total_limit: int | None = 2
    eval_steps: int = 200
    logging_steps: int = 10
    dataloader_num_workers: int = 0
    use_cpu: bool = False


@dataclass
class Stage:
    name: str
    data: DataSpec = field(default_factory=DataSpec)
    train: TrainArgs = field(default_factory=TrainArgs)
    init: str | None = None          # starting weights; default: the previous stage's model (or recipe.model)


@dataclass
class SFTRecipe:
    model: str
    output_dir: str
    stages: list[Stage]
    tokenizer: str | None = None
    chat_template: str | None = None  # a Jinja file that replaces the tokenizer's chat template
    seed: int = 0
    resume: bool = True               # resume a stage from its latest checkpoint, skip finished stages
    trust_remote_code: bool = False
    train: TrainArgs = field(default_factory=TrainArgs)   # defaults inherited by every stage
    data: DataSpec = field(default_factory=DataSpec)       # defaults inherited by every stage

    def stage(self, name: str) -> Stage:
        for st in self.stages:
            if st.name == name:
                return st
        raise ConfigError(f"no stage named {name!r}; stages: {', '.join(s.name for s in self.stages)}")


def load_recipe(path: str | os.PathLike[str], overrides: list[str] | tuple[str, ...] = ()) -> SFTRecipe:
    """Load a recipe file, apply ``key=value`` overrides, merge defaults into stages and validate."""
    raw = read_yaml(path)
    apply_overrides(raw, list(overrides), SFTRecipe)
    base = Path(path).resolve().parent
    return recipe_from_dict(raw, source=str(path), base_dir=base)


def recipe_from_dict(raw: dict[str, Any], *, source: str = "<recipe>", base_dir: Path | None = None) -> SFTRecipe:
    raw = copy.deepcopy(raw)
    stages = raw.get("stages")
    if not isinstance(stages, list) or not stages:
        raise ConfigError(f"{source}: 'stages' must be a non-empty list of stages (each with a name and data)")
    for key in ("train", "data"):
        defaults = raw.get(key) or {}
        if not isinstance(defaults, dict):
            raise ConfigError(f"{source}: key {key!r}: expected a mapping")
        for i, st in enumerate(stages):
            if not isinstance(st, dict):
                raise ConfigError(f"{source}: key 'stages.{i}': expected a mapping with name, data, train")
            own = st.get(key) or {}
            if not isinstance(own, dict):
                raise ConfigError(f"{source}: key 'stages.{i}.{key}': expected a mapping")
            st[key] = {**copy.deepcopy(defaults), **own}
    recipe = from_dict(SFTRecipe, raw, source=source)
    _validate(recipe, source)
    if base_dir is not None:
        _resolve_paths(recipe, base_dir)
    return recipe


def _validate(recipe: SFTRecipe, source: str) -> None:
    names = [st.name for st in recipe.stages]
    for i, name in enumerate(names):
        if not name or not name.replace("_", "").replace("-", "").isalnum():
            raise ConfigError(f"{source}: stages.{i}.name {name!r}: use letters, digits, '-' or '_' (a folder name)")
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ConfigError(f"{source}: duplicate stage names: {', '.join(sorted(dup))}")
    for i, st in enumerate(recipe.stages):
        where = f"{source}: stages.{i} ({st.name})"
        if not st.data.sources:
            raise ConfigError(f"{where}: data.sources is empty; give at least one source (path: or hub:)")
        for kind, srcs in (("sources", st.data.sources), ("eval_sources", st.data.eval_sources)):
            for j, src in enumerate(srcs):
                if (src.path is None) == (src.hub is None):
                    raise ConfigError(f"{where}: data.{kind}.{j}: give exactly one of path or hub")
                given = [k for k in ("rows", "fraction", "weight") if getattr(src, k) is not None]
                if len(given) > 1:
                    raise ConfigError(f"{where}: data.{kind}.{j}: give at most one of rows, fraction, weight")
                if src.weight is not None and st.data.total_rows is None:
                    raise ConfigError(f"{where}: data.{kind}.{j}: weight needs data.total_rows")
                for k in given:
                    if getattr(src, k) < 0:
                        raise ConfigError(f"{where}: data.{kind}.{j}.{k} must be >= 0")
        t = st.train
        if t.global_batch_size < 1 or t.per_device_batch_size < 1:
            raise ConfigError(f"{where}: train.global_batch_size and train.per_device_batch_size must be >= 1")
        if t.global_batch_size % t.per_device_batch_size:
            raise ConfigError(f"{where}: train.global_batch_size {t.global_batch_size} is not a multiple of "
                              f"train.per_device_batch_size {t.per_device_batch_size}")
        if t.lr <= 0:
            raise ConfigError(f"{where}: train.lr must be > 0")
        if st.data.max_length < 8:
            raise ConfigError(f"{where}: data.max_length must be >= 8")


def _resolve_paths(recipe: SFTRecipe, base: Path) -> None:
    """Relative data paths are relative to the recipe file; model/output paths stay as given (cwd)."""
    for st in recipe.stages:
        for src in [*st.data.sources, *st.data.eval_sources]:
            if src.path is not None and not Path(src.path).is_absolute():
                candidate = base / src.path
                if candidate.exists() or not Path(src.path).exists():
                    src.path = str(candidate)
    if recipe.chat_template and not Path(recipe.chat_template).is_absolute():
        candidate = base / recipe.chat_template
        if candidate.exists():
            recipe.chat_template = str(candidate)


def gradient_accumulation(train: TrainArgs, world_size: int) -> int:
    """Accumulation steps so that per-device batch x accumulation x world size = global batch."""
    per_step = train.per_device_batch_size * world_size
    if train.global_batch_size % per_step:
        raise ConfigError(
            f"global_batch_size {train.global_batch_size} is not a multiple of per_device_batch_size "
            f"{train.per_device_batch_size} x world size {world_size}; change one of them")
    return train.global_batch_size // per_step
