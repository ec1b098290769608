"""Recipes: YAML files that chain acemath stages, each cached by a hash of its config and inputs."""

from acemath.recipe.runner import STAGE_KINDS, Recipe, StageContext, StageError, load_recipe, run_recipe

__all__ = ["STAGE_KINDS", "Recipe", "StageContext", "StageError", "load_recipe", "run_recipe"]
