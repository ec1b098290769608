"""Sizes, steps and settings of the toy quick-start, as measured in experiments/toy_world/NOTES.md.

The quick-start assembler reads :data:`QUICKSTART` (the full run, budget 5 minutes on 2 cores) or
:data:`SMOKE` (the reduced run for the test suite: shapes and invariants only, no quality claims).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from acemath.toy.world import ToyWorldConfig


@dataclass(frozen=True)
class ToyRunSettings:
    world: ToyWorldConfig = field(default_factory=ToyWorldConfig)
    model_size: str = "s"  # acemath.tiny TINY_SIZES: hidden 128, 2 layers, ffn 512 (0.6M parameters)
    max_length: int = 256
    batch_size: int = 16
    lr: float = 2e-3  # AdamW betas (0.9, 0.98), weight decay 0.01, 5% warm-up then cosine, grad-clip 1.0
    general_steps: tuple[int, int] = (60, 60)  # general SFT stage 1, stage 2
    math_steps: int = 800
    sample_n: int = 8
    temperature: float = 1.0  # top_p 1.0, top_k off
    max_new_tokens: int = 96
    rm_problems: int = 600  # train-pool questions sampled 8x for RM data (not used in math SFT)
    rm_negatives: int = 3  # listwise group: 1 positive + up to 3 negatives
    rm_groups_per_batch: int = 8
    rm_epochs: int = 3
    rm_lr: float = 1e-3
    rm_init: str = "policy"  # the RM starts from the math-SFT policy, with a new scalar head

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


QUICKSTART = ToyRunSettings()

SMOKE = ToyRunSettings(
    world=ToyWorldConfig(n_math_train=400, n_general=100, n_test_per_benchmark=4),
    model_size="xs", general_steps=(5, 5), math_steps=20, max_new_tokens=64, rm_problems=8, rm_epochs=1,
)
