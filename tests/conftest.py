"""Shared fixtures. No test reaches the network: hub access is switched off for the whole session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED_BENCHMARKS = REPO.parent / "shared" / "data" / "benchmarks"


@pytest.fixture(scope="session")
def shared_benchmarks() -> Path:
    """The real benchmark test sets in ../shared/data/benchmarks (never committed); skip if absent."""
    if not SHARED_BENCHMARKS.is_dir():
        pytest.skip("../shared/data/benchmarks not present")
    return SHARED_BENCHMARKS


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny tokenizer + random Qwen2 (size xs) built once per test session."""
    pytest.importorskip("torch")
    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    from acemath.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", "xs", seed=0)
