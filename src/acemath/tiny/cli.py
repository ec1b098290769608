"""``acemath tiny-model --out DIR``: a tiny tokenizer + random Qwen2 LM, loadable like a hub model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from acemath.tiny.factory import TINY_SIZES

    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--size", default="l", choices=sorted(TINY_SIZES),
                        help="model size (default: l, 4.4M params; s = 0.6M is what the quick-start trains)")
    parser.add_argument("--vocab-size", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from acemath.tiny.factory import build_tiny_model

    out = build_tiny_model(args.out, args.size, seed=args.seed, vocab_size=args.vocab_size)
    meta = json.loads((Path(out) / "acemath_tiny.json").read_text())
    print(f"wrote {out}: Qwen2ForCausalLM, {meta['params']:,} parameters, vocab {meta['vocab_size']}")
    return 0
