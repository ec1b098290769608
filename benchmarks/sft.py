"""Tokens/s of SFT on the tiny model with and without packing (CPU by default).

    .venv/bin/python benchmarks/sft.py [--size s] [--steps 30] [--threads 2]

Trains the same generated chat rows through `acemath.sft.train.run_recipe` twice: padded batches of 16 rows
(max_length 256) and bfd packing into padding-free rows of 1024 tokens, 2 per step. Prints one JSON line per
variant: steps, wall time, non-pad tokens/s (median of the logged intervals, after the first).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="s")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from acemath.io import write_jsonl
    from acemath.sft.recipe import recipe_from_dict
    from acemath.sft.synthetic import chat_rows
    from acemath.sft.train import run_recipe
    from acemath.tiny import build_tiny_model

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        model = build_tiny_model(tmp_path / "model", args.size, seed=0)
        data = tmp_path / "rows.jsonl"
        write_jsonl(data, chat_rows(args.rows, "mixed"))
        variants = {
            "padded (16 rows x <=256)": ({"packing": False, "max_length": 256}, 16),
            "packed (2 rows x 1024, bfd, padding-free)": ({"packing": True, "max_length": 1024}, 2),
        }
        for name, (data_cfg, batch) in variants.items():
            out = tmp_path / name.split()[0]
            recipe = recipe_from_dict({
                "model": str(model), "output_dir": str(out), "stages": [{
                    "name": "bench", "data": {"sources": [{"path": str(data)}], **data_cfg},
                    "train": {"lr": 1e-3, "max_steps": args.steps, "global_batch_size": batch,
                              "per_device_batch_size": batch, "logging_steps": 5, "save_steps": 10_000,
                              "warmup": 0}}]})
            (res,) = run_recipe(recipe)
            logs = [json.loads(line) for line in (out / "bench" / "log.jsonl").read_text().splitlines()]
            rates = [r["tokens_per_s"] for r in logs if "tokens_per_s" in r][1:]
            print(json.dumps({"variant": name, "size": args.size, "steps": res.record["global_step"],
                              "device": "cuda" if torch.cuda.is_available() else f"cpu x{args.threads} threads",
                              "train_wall_s": res.record["train_wall_s"],
                              "tokens_per_s_median": round(statistics.median(rates)) if rates else None,
                              "tokens_per_s_overall": res.record.get("tokens_per_s")}), flush=True)


if __name__ == "__main__":
    main()
