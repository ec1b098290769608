"""``acemath run RECIPE.yaml [key=value ...]``: run or resume a recipe of cached stages."""

from __future__ import annotations

import argparse

import yaml


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", help="recipe YAML file")
    parser.add_argument("overrides", nargs="*", help="key=value overrides, e.g. seed=1 stages.sft.with.steps=100")
    parser.add_argument("--out", help="output folder (default: the recipe's 'out')")
    parser.add_argument("--force", action="store_true", help="ignore cached stages and run everything again")


def parse_overrides(items: list[str]) -> dict[str, object]:
    from acemath.errors import ConfigError

    out: dict[str, object] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"override {item!r} is not key=value")
        key, _, value = item.partition("=")
        out[key.strip()] = yaml.safe_load(value)
    return out


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from acemath.recipe.runner import load_recipe, run_recipe

    recipe = load_recipe(args.recipe, parse_overrides(args.overrides))
    if args.out:
        recipe.out = Path(args.out)
    run_recipe(recipe, force=args.force)
    print(f"done: {recipe.out}")
    return 0
