"""acemath: the AceMath system (arXiv 2412.15084) as a toolkit.

The core (grading, metrics, benchmarks) is light; training, generation and reward models need the
``train`` extra. Heavy modules are imported lazily so ``import acemath`` stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "grade", "load_benchmark"]


def __getattr__(name: str):  # lazy re-exports keep `import acemath` cheap
    if name == "grade":
        from acemath.grading import grade

        return grade
    if name == "load_benchmark":
        from acemath.benchmarks import load_benchmark

        return load_benchmark
    raise AttributeError(f"module 'acemath' has no attribute {name!r}")
