"""``acemath <command>``: a thin dispatcher.

Each command lives in its own module exposing ``add_arguments(parser)`` and ``run(args) -> int``.
Modules are imported only for the command being run, so ``acemath grade`` never imports torch.
A command whose module is not installed is simply not listed.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from acemath import __version__
from acemath.errors import AceMathError
from acemath.registry import did_you_mean

# name -> (module, one-line help). Order is the order shown by `acemath --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "quickstart": ("acemath.quickstart.cli", "Run the whole AceMath system at toy scale on a CPU"),
    "run": ("acemath.recipe.cli", "Run a recipe (YAML) that chains curation, SFT, RM and evaluation"),
    "benchmarks": ("acemath.benchmarks.cli", "List the benchmark registry"),
    "grade": ("acemath.grading.cli", "Grade sample files against gold answers"),
    "metrics": ("acemath.metrics.cli", "pass@1, pass@k, maj@k and rm@k from graded (and scored) samples"),
    "tiny-model": ("acemath.tiny.cli", "Build a tiny tokenizer + Qwen2 model for tests and the quick-start"),
    "generate": ("acemath.generation.cli", "Sample responses for a benchmark (resumable, sharded)"),
    "merge": ("acemath.generation.merge_cli", "Join the shards of a sharded run deterministically"),
    "eval": ("acemath.evaluation.cli", "Generate, grade and report metrics in one command"),
    "sft": ("acemath.sft.cli", "Supervised fine-tuning in stages (general SFT 1, 2, then math SFT)"),
    "rm": ("acemath.reward.cli", "Reward models: build groups, train, score"),
    "rewardbench": ("acemath.reward.rewardbench_cli", "Judge a reward model: AceMath-RewardBench, RewardBench, RewardMATH"),
    "curate": ("acemath.curation.cli", "Data curation: dedup, decontam, evolve, respond, crosscheck, blend"),
}


def _available() -> dict[str, tuple[str, str]]:
    out = {}
    for name, (module, help_) in COMMANDS.items():
        try:
            if importlib.util.find_spec(module) is not None:
                out[name] = (module, help_)
        except ModuleNotFoundError:
            continue
    return out


def _top_help(available: dict[str, tuple[str, str]]) -> str:
    width = max(len(n) for n in available) if available else 10
    lines = [
        f"acemath {__version__}: the AceMath math SFT / reward model / evaluation toolkit",
        "",
        "usage: acemath <command> [options]      (also: python -m acemath <command>)",
        "",
        "commands:",
    ]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in available.items()]
    lines += ["", "Run `acemath <command> --help` for a command's options."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    available = _available()
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_top_help(available))
        return 0
    if argv[0] in ("-V", "--version"):
        print(f"acemath {__version__}")
        return 0
    name = argv[0]
    if name not in available:
        print(f"error: {did_you_mean(name, available, kind='command')}", file=sys.stderr)
        return 2
    module_name, help_ = available[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"acemath {name}", description=help_)
    module.add_arguments(parser)
    try:  # `acemath run RECIPE --out DIR seed=1`: key=value overrides may follow options
        args = parser.parse_intermixed_args(argv[1:])
    except TypeError:  # a parser that intermixed parsing cannot handle (argparse.REMAINDER, ...)
        args = parser.parse_args(argv[1:])
    try:
        return int(module.run(args) or 0)
    except AceMathError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
