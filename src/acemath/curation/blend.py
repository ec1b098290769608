"""``curate blend``: stage blends from sources with counts or ratios, deduplicated by prompt, written
as ``messages`` + ``answer`` rows (the AceMath-Instruct-Training-Data layout; PAPER.md 3.5, 2.4).

A source is ``NAME=PATH[@TAKE]``: ``TAKE`` is ``all`` (default), a count (``50000``), or a ratio of
the source's rows (``0.25``). Samples are drawn without replacement, deterministically from
``--seed`` and the source name (two passes: count, then stream the chosen rows). Sources are
written in the order given; a prompt seen in an earlier source (lower-cased,
whitespace-normalised) is dropped as ``duplicate_prompt``. Memory: one 64-bit digest per prompt.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from acemath.curation.stream import StepOutput, clip, get_prompt, resolve_input, row_id, stream_rows
from acemath.curation.text import dedup_key, hash64
from acemath.errors import InputError
from acemath.generation.scripted import draw_seed


@dataclass(frozen=True)
class Source:
    name: str
    path: str
    take: str = "all"  # "all", an integer count, or a ratio in (0, 1]

    @classmethod
    def parse(cls, spec: str) -> Source:
        if "=" not in spec:
            raise InputError(f"source {spec!r}: expected NAME=PATH[@all|COUNT|RATIO]")
        name, rest = spec.split("=", 1)
        path, _, take = rest.rpartition("@") if "@" in rest else (rest, "", "all")
        src = cls(name.strip(), path.strip(), take.strip() or "all")
        src.wanted(1)  # validates TAKE
        return src

    def wanted(self, available: int) -> int:
        if self.take == "all":
            return available
        try:
            if "." in self.take:
                r = float(self.take)
                if not 0 < r <= 1:
                    raise ValueError
                return round(r * available)
            c = int(self.take)
            if c < 0:
                raise ValueError
            return min(c, available)
        except ValueError:
            raise InputError(f"source {self.name!r}: take {self.take!r} must be all, a count >= 0 or a ratio in (0, 1]") from None


def to_messages(row: Mapping[str, Any], prompt: str, *, path: str, line: int,
                instruction: str | None = None) -> dict[str, Any]:
    """A ``messages`` + ``answer`` row from a response row (or a row already in that layout)."""
    if isinstance(row.get("messages"), list) and any(m.get("role") == "assistant" for m in row["messages"]):
        return {"messages": row["messages"], "answer": row.get("answer")}
    response = row.get("response")
    if not isinstance(response, str):
        raise InputError("needs a response (run curate respond first) or messages", path=path, line=line,
                         field="response")
    user = f"{prompt}\n{instruction}" if instruction else prompt
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": response}],
            "answer": row.get("answer")}


def blend(sources: Sequence[Source], out_dir: str | os.PathLike[str], *, seed: int = 0, field: str | None = None,
          instruction: str | None = None, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if not sources:
        raise InputError("blend needs at least one --source NAME=PATH[@TAKE]")
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise InputError(f"source names must be unique: {names}")
    out = StepOutput(out_dir, "blend", "blend.jsonl")
    seen: dict[int, str] = {}
    per_source: dict[str, dict[str, Any]] = {}
    for s in sources:
        path = resolve_input(s.path)
        chosen: np.ndarray | None = None
        available = None
        if s.take != "all":
            available = sum(1 for _ in stream_rows(path))
            k = s.wanted(available)
            rng = np.random.default_rng(draw_seed("blend", seed, s.name))
            chosen = np.sort(rng.choice(available, size=k, replace=False))
        stats = {"path": str(path), "take": s.take, "available": available, "selected": 0, "written": 0,
                 "duplicate_prompt": 0}
        ci = 0
        for i, (line, row, _) in enumerate(stream_rows(path)):
            out.rows_in += 1
            if chosen is not None:
                if ci >= len(chosen) or chosen[ci] != i:
                    continue
                ci += 1
            stats["selected"] += 1
            prompt = get_prompt(row, field, path=str(path), line=line)
            h = hash64(dedup_key(prompt))
            if h in seen:
                stats["duplicate_prompt"] += 1
                out.drop("duplicate_prompt", {"source": s.name, "line": line, "id": row_id(row, prompt),
                                              "prompt": clip(prompt), "first_seen_in": seen[h]})
                continue
            seen[h] = s.name
            msg = to_messages(row, prompt, path=str(path), line=line, instruction=instruction)
            out.keep({**msg, "source": s.name, "id": row_id(row, prompt)})
            stats["written"] += 1
        if available is None:
            stats["available"] = stats["selected"]
        per_source[s.name] = stats
    out.rows_in = sum(v["selected"] for v in per_source.values())
    md = ["| source | take | available | selected | duplicates dropped | written |", "|---|---|---:|---:|---:|---:|"]
    md += [f"| {n} | {v['take']} | {v['available']:,} | {v['selected']:,} | {v['duplicate_prompt']:,} | {v['written']:,} |"
           for n, v in per_source.items()]
    extra = {"seed": seed, "sources": per_source, "instruction": instruction}
    return out.finish(dict(config or {}), input_path=None, extra=extra, markdown=md)
