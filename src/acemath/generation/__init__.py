"""Generation backends behind one interface (see :mod:`acemath.generation.base`).

``get_generator(name, model, **options)`` builds a backend by name; each backend module is
imported only when chosen, so ``vllm`` is never imported unless asked for.

| name | module | options |
|---|---|---|
| ``hf`` | :mod:`acemath.generation.hf` | device, dtype, batch_size, trust_remote_code, tokenizer |
| ``vllm`` | :mod:`acemath.generation.vllm` | tensor_parallel_size, dtype, trust_remote_code, tokenizer, seed, ... |
| ``openai`` | :mod:`acemath.generation.openai_api` | base_url, api_key_env, concurrency, timeout_s, max_retries, ... |
| ``scripted`` | :mod:`acemath.generation.scripted` | (deterministic teachers for tests and demos) |
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from typing import Any

from acemath.generation.base import Completion, Generator, Prompt, SamplingParams
from acemath.registry import did_you_mean

BACKENDS: dict[str, tuple[str, str]] = {
    "hf": ("acemath.generation.hf", "HFGenerator"),
    "vllm": ("acemath.generation.vllm", "VLLMGenerator"),
    "openai": ("acemath.generation.openai_api", "OpenAIGenerator"),
    "scripted": ("acemath.generation.scripted", "make_scripted"),
}


def available_backends() -> list[str]:
    return [n for n, (mod, _) in BACKENDS.items() if importlib.util.find_spec(mod) is not None]


def get_generator(name: str, model: str, **options: Any) -> Generator:
    """Build backend ``name`` for ``model``. Options a backend does not take are dropped (the CLI
    passes every backend's flags), unless its factory accepts ``**kwargs``."""
    if name not in BACKENDS or importlib.util.find_spec(BACKENDS[name][0]) is None:
        raise did_you_mean(name, available_backends(), kind="generation backend")
    module_name, attr = BACKENDS[name]
    factory = getattr(importlib.import_module(module_name), attr)
    sig = inspect.signature(factory)
    if name == "scripted" or not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        options = {k: v for k, v in options.items() if k in sig.parameters}
    return factory(model, **options)


__all__ = ["BACKENDS", "Completion", "Generator", "Prompt", "SamplingParams", "available_backends", "get_generator"]
