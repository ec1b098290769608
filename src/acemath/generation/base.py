"""The one interface every generation backend implements.

A backend turns prompts (a rendered string, or a list of chat messages) into ``n`` completions each.
Backends: ``hf`` (transformers ``generate``), ``vllm`` (imported only when chosen), ``openai`` (any
OpenAI-compatible server), and ``scripted`` (deterministic teachers/policies with known error
rates, for tests, curation demos and the quick-start).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

Message = dict[str, str]
Prompt = str | list[Message]


@dataclass(frozen=True)
class SamplingParams:
    n: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 2048
    seed: int = 0
    stop: tuple[str, ...] = ()

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["stop"] = list(self.stop)
        return d


@dataclass
class Completion:
    """One sampled response. ``finish_reason`` is ``stop`` (ended by eos/stop string) or ``length``
    (hit ``max_tokens``: truncated), or ``error`` for a request that failed after retries."""

    text: str
    finish_reason: str = "stop"
    num_tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Generator(Protocol):
    name: str

    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """Return ``params.n`` completions for each prompt, in prompt order.

        Sampling must be reproducible from ``params.seed`` and the prompt itself (not its position
        in the batch), so a resumed or sharded run draws the same samples as an uninterrupted one.
        """
        ...

    def close(self) -> None: ...
