"""Per-sample seeds derived from ``(run seed, prompt, sample index)``.

Every backend seeds each sample from its prompt, never from the prompt's position in a batch, a
shard or a resumed run, so the same command draws the same samples however the work is split.
"""

from __future__ import annotations

import hashlib
import json

from acemath.generation.base import Prompt


def prompt_key(prompt: Prompt) -> str:
    """A stable text form of a prompt (messages are serialised as canonical JSON)."""
    if isinstance(prompt, str):
        return prompt
    return json.dumps(prompt, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sample_seed(seed: int, prompt: Prompt, index: int = 0, *, bits: int = 63) -> int:
    """A ``bits``-bit seed for sample ``index`` of ``prompt`` (SHA-256, platform independent)."""
    h = hashlib.sha256(f"{seed}\x00{index}\x00{prompt_key(prompt)}".encode()).digest()
    return int.from_bytes(h[:8], "big") & ((1 << bits) - 1)
