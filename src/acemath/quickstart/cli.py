"""``acemath quickstart [--out DIR]``: the whole AceMath system at toy scale on a CPU."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

RECIPES = {"default": "quickstart.yaml", "arith": "quickstart_arith.yaml", "full": "quickstart_full.yaml",
           "dial": "quickstart_dial.yaml", "smoke": "quickstart_smoke.yaml"}


def recipe_path(name: str) -> Path:
    return Path(str(resources.files("acemath.quickstart") / "recipes" / RECIPES[name]))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="runs/quickstart", help="output folder (default: runs/quickstart)")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="default",
                        help="default: the letter-dial world, where rm@8 beats greedy, sized for under 5 minutes on 2 "
                             "cores; arith: the arithmetic word-problem world (about 4 minutes); full: arith trained longer "
                             "on more problems (about 9 minutes); dial: the number dial (about 18 minutes); smoke: a tiny "
                             "version of the default for tests (under a minute)")
    parser.add_argument("--ablations", action="store_true",
                        help="also run the paper's ablations at toy scale (Tables 2, 4 and 8 layouts)")
    parser.add_argument("--seed", type=int, help="override the recipe seed")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--force", action="store_true", help="ignore cached stages")
    parser.add_argument("overrides", nargs="*", help="recipe overrides, e.g. stages.sft.with.stage.math.max_steps=300")


def run(args: argparse.Namespace) -> int:
    import os
    import time

    from acemath.quickstart.report import print_table
    from acemath.quickstart.stages import THREADS_ENV
    from acemath.recipe.cli import parse_overrides
    from acemath.recipe.runner import load_recipe, run_recipe

    overrides = parse_overrides(args.overrides)
    if args.seed is not None:
        overrides["seed"] = args.seed
    recipe = load_recipe(recipe_path(args.recipe), overrides, include=("ablations",) if args.ablations else ())
    recipe.out = Path(args.out)
    os.environ[THREADS_ENV] = str(args.threads)
    t0 = time.perf_counter()
    outputs = run_recipe(recipe, force=args.force)
    print_table(outputs["report"]["json"])
    if args.ablations:
        print(Path(outputs["ablation_report"]["report"]).read_text())
    print(f"report: {outputs['report']['report']}  ({time.perf_counter() - t0:.0f} s)")
    return 0
