"""The benchmark registry: one name per benchmark, each turning its rows into :class:`Problem` s.

A benchmark loads from (in this order) an explicit file, ``<data_dir>/<name>/test.jsonl`` (data dir
from ``--data-dir`` or ``$ACEMATH_DATA_DIR``), or its Hugging Face dataset id. The row layouts are
those of the Qwen2.5-Math evaluation toolkit (see ``../shared/data/benchmarks``).
"""

from __future__ import annotations

from acemath.benchmarks.base import (
    BENCHMARKS,
    BenchmarkSpec,
    Problem,
    get_benchmark,
    load_benchmark,
    problems_from_rows,
)

__all__ = ["BENCHMARKS", "BenchmarkSpec", "Problem", "get_benchmark", "load_benchmark", "problems_from_rows"]
