"""Small generated chat data for tests, the benchmark and the docs example: arithmetic and word tasks.

Not the quick-start's toy world: just rows of ``messages`` with a known answer, deterministic for a seed.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from acemath.io import write_jsonl

INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
_WORDS = ["apple", "river", "stone", "cloud", "green", "table", "light", "music", "paper", "tiger", "ocean",
          "house", "bread", "chair", "dream", "plant", "smile", "train", "water", "zebra"]


def math_row(rng: random.Random) -> dict[str, Any]:
    a, b, c = rng.randint(2, 99), rng.randint(2, 20), rng.randint(2, 9)
    q = f"Tom has {a} coins. He finds {b} bags with {c} coins in each bag. How many coins does he have now?"
    s = f"Step 1: {b} * {c} = {b * c}.\nStep 2: {a} + {b * c} = {a + b * c}.\nThe answer is \\boxed{{{a + b * c}}}."
    return {"messages": [{"role": "user", "content": f"{q} {INSTRUCTION}"}, {"role": "assistant", "content": s}],
            "answer": str(a + b * c)}


def general_row(rng: random.Random) -> dict[str, Any]:
    words = rng.sample(_WORDS, rng.randint(3, 6))
    task = rng.choice(["reverse", "sort", "uppercase", "count"])
    answer = {"reverse": " ".join(reversed(words)), "sort": " ".join(sorted(words)),
              "uppercase": " ".join(w.upper() for w in words), "count": str(len(words))}[task]
    messages = [{"role": "user", "content": f"{task} the words: {' '.join(words)}"},
                {"role": "assistant", "content": answer}]
    if rng.random() < 0.3:
        messages.insert(0, {"role": "system", "content": "You are a helpful assistant."})
    return {"messages": messages, "answer": answer}


def chat_rows(n: int, kind: str = "mixed", seed: int = 0) -> list[dict[str, Any]]:
    """``n`` rows of ``math``, ``general`` or ``mixed`` (half each) conversations."""
    rng = random.Random(seed)
    makers = {"math": [math_row], "general": [general_row], "mixed": [math_row, general_row]}[kind]
    return [makers[i % len(makers)](rng) for i in range(n)]


def write_demo_data(out_dir: str | Path, n: int = 200, seed: int = 0) -> dict[str, Path]:
    """Write ``math.jsonl`` and ``general.jsonl`` (n rows each) for the docs example and tests."""
    out = Path(out_dir)
    paths = {"math": out / "math.jsonl", "general": out / "general.jsonl"}
    write_jsonl(paths["math"], chat_rows(n, "math", seed))
    write_jsonl(paths["general"], chat_rows(n, "general", seed + 1))
    return paths


if __name__ == "__main__":  # python -m acemath.sft.synthetic OUT_DIR [N]
    import sys

    written = write_demo_data(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200)
    print("\n".join(str(p) for p in written.values()))
