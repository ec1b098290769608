"""Supervised fine-tuning in named stages (AceMath: general SFT 1, general SFT 2, math SFT).

``acemath sft --config FILE [key=value ...]`` runs a recipe; see docs/sft.md. Importing this package does
not import torch; the training entry points live in :mod:`acemath.sft.train`.
"""

from acemath.sft.recipe import DataSpec, SFTRecipe, Source, Stage, TrainArgs, load_recipe

__all__ = ["DataSpec", "SFTRecipe", "Source", "Stage", "TrainArgs", "load_recipe"]
