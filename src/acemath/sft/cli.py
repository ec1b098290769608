"""``acemath sft --config FILE [key=value ...]`` and ``acemath sft inspect --config FILE [--stage S] [--rows N]``."""

from __future__ import annotations

import argparse
import shlex
import sys

from acemath.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("acemath sft [inspect] --config FILE [key=value ...] [--stage NAME] [--rows N] [--plain]")
    parser.add_argument("words", nargs="*", metavar="[inspect] key=value",
                        help="'inspect' to show which tokens carry loss instead of training; then overrides "
                             "such as stages.0.train.lr=1e-5, stages.math.data.packing=true, train.max_steps=10")
    # nargs="+": `--config FILE key=value ...` keeps the overrides with the file wherever options come
    parser.add_argument("--config", required=True, nargs="+", metavar="FILE [key=value]",
                        help="recipe YAML (see configs/sft/), optionally followed by key=value overrides")
    parser.add_argument("--stage", action="append", default=None,
                        help="train only this stage (repeatable); for inspect: the stage to show (default: first)")
    parser.add_argument("--rows", type=int, default=3, help="inspect: rows to show (default 3)")
    parser.add_argument("--plain", action="store_true", help="inspect: mark loss tokens with [[ ]] instead of colour")


def run(args: argparse.Namespace) -> int:
    config, *more = args.config
    words = list(args.words)
    mode = "train"
    if words and words[0] in ("inspect", "train"):
        mode = words.pop(0)
    words += more
    bad = [w for w in words if "=" not in w]
    if bad:
        raise ConfigError(f"unexpected argument {bad[0]!r}: overrides look like key=value; the only sub-mode is "
                          "'inspect' (it comes first)")
    from acemath.sft.recipe import load_recipe

    recipe = load_recipe(config, words)
    if mode == "inspect":
        return _inspect(recipe, args)
    for name in args.stage or []:
        recipe.stage(name)  # unknown names fail before any work
    from acemath.sft.train import run_recipe

    command = "acemath sft " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if sys.argv[1:2] == ["sft"] else (
        f"acemath sft --config {config} {' '.join(words)}".strip())
    results = run_recipe(recipe, command=command, stages=args.stage)
    for res in results:
        state = "skipped (already completed)" if res.skipped else "done"
        loss = res.record.get("metrics", {}).get("train_loss")
        extra = f", train_loss {loss:.4f}" if isinstance(loss, float) else ""
        print(f"{res.name}: {state} -> {res.model_dir}{extra}")
    return 0


def _inspect(recipe, args: argparse.Namespace) -> int:  # noqa: ANN001 - SFTRecipe, imported lazily
    from pathlib import Path

    from acemath.sft.data import make_masker
    from acemath.sft.train import MODEL_DIR, load_tokenizer
    from acemath.sft.view import inspect_stage

    stage = recipe.stage(args.stage[0]) if args.stage else recipe.stages[0]
    idx = recipe.stages.index(stage)
    prev_model = Path(recipe.output_dir) / recipe.stages[idx - 1].name / MODEL_DIR if idx else None
    init = stage.init or (str(prev_model) if prev_model is not None and prev_model.is_dir() else recipe.model)
    tok = load_tokenizer(recipe, init)
    inspect_stage(stage, make_masker(tok, stage.data.mask), tok, rows=args.rows, plain=args.plain)
    return 0
