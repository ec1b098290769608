"""Stage functions used by tests/test_recipe.py (importable as ``recipe_stages_for_tests:...``)."""

from __future__ import annotations

import json

CALLS: list[str] = []


def make_numbers(ctx):
    CALLS.append(ctx.name)
    path = ctx.out_dir / "numbers.json"
    path.write_text(json.dumps(list(range(ctx.config.get("n", 3)))))
    return {"numbers": path}


def total(ctx):
    CALLS.append(ctx.name)
    numbers = json.loads(ctx.inputs["numbers"].read_text())
    if ctx.config.get("fail"):
        raise ValueError("asked to fail")
    path = ctx.out_dir / "total.json"
    path.write_text(json.dumps(sum(numbers) * ctx.config.get("scale", 1)))
    return {"total": path}
