"""``acemath benchmarks``: list the registry and where each benchmark would load from."""

from __future__ import annotations

import argparse

from acemath.benchmarks.base import BENCHMARKS, resolve_local_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="directory holding <benchmark>/test.jsonl (default: $ACEMATH_DATA_DIR)")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="acemath benchmarks")
    for col in ("name", "title", "problems", "answer form", "local file", "hub id"):
        table.add_column(col)
    for spec in BENCHMARKS.values():
        local = resolve_local_file(spec.name, args.data_dir)
        form = "letter A-D (5-shot option)" if spec.multiple_choice else "final answer"
        table.add_row(spec.name, spec.title, str(spec.size), form, str(local) if local else "-",
                      spec.hub_id + (f" [{spec.hub_config}]" if spec.hub_config else ""))
    Console(width=200).print(table)
    return 0
