"""Join the shard files of a sharded ``acemath generate`` run deterministically.

Checks: every shard's ``.run.json`` is present and agrees on the config (all but the shard), the
shards are exactly ``0..N-1`` of one ``N``, no problem appears twice, every problem of the benchmark
is present once with ``n`` samples. The output is in benchmark order (the rows' ``index``) and gets
a ``.run.json`` whose identity is that of the unsharded run (``shard`` 0/1), so the merged file
can be resumed or compared like one made in a single run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from acemath.errors import InputError
from acemath.generation.run import run_json_path
from acemath.io import iter_jsonl, provenance, write_json, write_jsonl


def _load_record(shard: Path) -> dict[str, Any]:
    rj = run_json_path(shard)
    if not rj.exists():
        raise InputError("missing the shard's run record (written by acemath generate next to it)", path=str(rj))
    try:
        return json.loads(rj.read_text())
    except ValueError:
        raise InputError("unreadable run record", path=str(rj)) from None


def merge_shards(shards: Sequence[str | Path], out: str | Path) -> dict[str, Any]:
    """Merge ``shards`` into ``out``; return a summary. Raises :class:`InputError` on any inconsistency."""
    paths = [Path(s) for s in shards]
    if not paths:
        raise InputError("no shard files given")
    records = [_load_record(p) for p in paths]
    base = {k: v for k, v in records[0]["identity"].items() if k != "shard"}
    shard_ids: dict[tuple[int, int], Path] = {}
    for p, rec in zip(paths, records, strict=True):
        ident = {k: v for k, v in rec["identity"].items() if k != "shard"}
        diff = [f"{k}: {ident.get(k)!r} vs {base.get(k)!r}" for k in sorted(set(base) | set(ident))
                if ident.get(k) != base.get(k)]
        if diff:
            raise InputError(f"shard config differs from {paths[0]}: " + "; ".join(diff), path=str(p))
        i, k = (int(x) for x in rec["identity"]["shard"].split("/"))
        if (i, k) in shard_ids:
            raise InputError(f"shard {i}/{k} given twice (also {shard_ids[(i, k)]})", path=str(p))
        shard_ids[(i, k)] = p
    counts = {k for _, k in shard_ids}
    if len(counts) != 1:
        raise InputError(f"shards come from different splits: N = {sorted(counts)}")
    n_shards = counts.pop()
    missing_shards = sorted(set(range(n_shards)) - {i for i, _ in shard_ids})
    if missing_shards:
        raise InputError(f"missing shard(s) {', '.join(f'{i}/{n_shards}' for i in missing_shards)}")
    totals = {rec["num_problems"] for rec in records}
    if len(totals) != 1:
        raise InputError(f"shards were made over different problem sets (sizes {sorted(totals)}); check --limit")
    total = totals.pop()

    rows_by_index: dict[int, dict[str, Any]] = {}
    seen_ids: dict[str, Path] = {}
    n = base["n"]
    for p in paths:
        for line, row in iter_jsonl(p):
            rid, idx = str(row.get("id")), row.get("index")
            if rid in seen_ids:
                raise InputError(f"problem {rid} appears twice (also in {seen_ids[rid]})", path=str(p), line=line)
            if not isinstance(idx, int) or not 0 <= idx < total:
                raise InputError(f"index out of range 0..{total - 1}", path=str(p), line=line, field="index")
            if idx in rows_by_index:
                raise InputError(f"index {idx} appears twice", path=str(p), line=line, field="index")
            if len(row.get("responses") or []) != n:
                raise InputError(f"expected {n} responses", path=str(p), line=line, field="responses")
            seen_ids[rid] = p
            rows_by_index[idx] = row
    missing = sorted(set(range(total)) - set(rows_by_index))
    if missing:
        head = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise InputError(f"{len(missing)} of {total} problems missing (indices {head}); finish the shards "
                         "by rerunning their generate commands")
    out = Path(out)
    write_jsonl(out, [rows_by_index[i] for i in range(total)])
    config = dict(records[0].get("config") or {})
    config["shard"] = "0/1"
    merged = provenance("merge", config)
    merged.update({"identity": {**base, "shard": "0/1"}, "num_problems": total, "num_problems_shard": total,
                   "merged_from": [str(p) for p in paths], "first_prompt": records[0].get("first_prompt")})
    write_json(run_json_path(out), merged)
    return {"out": str(out), "problems": total, "shards": n_shards}
