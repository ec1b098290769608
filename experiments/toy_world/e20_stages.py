"""E20 experiment stage: the quick-start's curation, then the world's single-press tasks mixed into math SFT.

A press curriculum inside math SFT: ``math_press_share`` x (number of math SFT rows) of the world's general
single-press tasks ("Press key 1 on the dial at G. ..." -> "G +7 -> N.") are added to the math SFT file, so the
policy keeps practising the one step its solutions chain while it learns the solutions. Use it in a recipe that
extends the packaged one::

    extends: /path/to/src/acemath/quickstart/recipes/quickstart.yaml
    set:
      stages.curate.kind: e20_stages:curate_with_presses
      stages.curate.with.math_press_share: 0.5

and run it with ``PYTHONPATH=experiments/toy_world .venv/bin/acemath run RECIPE seed=S --out DIR`` (NOTES E20).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from acemath.io import read_rows, write_jsonl
from acemath.quickstart import stages
from acemath.recipe import StageContext


def curate_with_presses(ctx: StageContext) -> dict[str, Path]:
    share = float(ctx.config.get("math_press_share", 0.5))
    ctx.config = {k: v for k, v in ctx.config.items() if k != "math_press_share"}
    out = stages.curate(ctx)
    presses = [r for r in read_rows(ctx.inputs["general"])
               if r["messages"][1]["content"].startswith("Press key")]
    rows: list[dict[str, Any]] = read_rows(out["math"])
    rng = random.Random(f"e20-presses-{ctx.seed}")
    extra = rng.sample(presses, min(round(share * len(rows)), len(presses)))
    mixed = rows + extra
    rng.shuffle(mixed)
    write_jsonl(out["math"], mixed)
    ctx.log(f"math SFT: {len(rows)} math rows + {len(extra)} press rows")
    return out
