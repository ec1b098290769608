"""``curate dedup``: exact dedup on lower-cased, whitespace-normalised prompts (PAPER.md 2.1), plus
optional MinHash-LSH near-duplicate removal (:mod:`acemath.curation.minhash`).

Memory: a dict of 64-bit blake2b digests -> first line (about 100 bytes a row), never the texts;
with ``near``, 64 bytes a row of band hashes in RAM and the 8-bit signatures in a temporary file
(memory-mapped). Exact dedup is one streaming pass; near dedup is two (signatures, then write).
The first occurrence is kept.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from acemath.curation.minhash import MinHashConfig, MinHasher, bbit_jaccard, near_duplicates
from acemath.curation.stream import StepOutput, clip, get_prompt, resolve_input, row_id, stream_rows
from acemath.curation.text import dedup_key, hash64, words


def dedup(input_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *, field: str | None = None,
          near: MinHashConfig | None = None, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    src = resolve_input(input_path)
    out = StepOutput(out_dir, "dedup", "prompts.jsonl")
    first_line: dict[int, int] = {}
    exact_of: list[int] = []  # per row: line of the first occurrence, or -1 (only kept when near is on)
    hasher = MinHasher(near) if near else None
    sig_path = Path(out_dir) / ".minhash-signatures.tmp"
    band_chunks: list[np.ndarray] = []
    pending_b: list[np.ndarray] = []
    pending_s: list[np.ndarray] = []
    sig_fh = sig_path.open("wb") if hasher else None
    n_unique = 0
    try:
        for line, row, raw in stream_rows(src):
            out.rows_in += 1
            prompt = get_prompt(row, field, path=str(src), line=line)
            h = hash64(dedup_key(prompt))
            prev = first_line.get(h)
            if prev is None:
                first_line[h] = line
            if hasher is None:
                if prev is None:
                    out.keep(row, raw)
                else:
                    out.drop("exact_duplicate", {"line": line, "id": row_id(row, prompt), "prompt": clip(prompt),
                                                 "duplicate_of_line": prev})
                continue
            exact_of.append(-1 if prev is None else prev)
            if prev is None:
                n_unique += 1
                band, sig = hasher.signature(words(prompt))
                pending_b.append(band)
                pending_s.append(sig)
                if len(pending_b) >= 8192:
                    band_chunks.append(np.stack(pending_b))
                    sig_fh.write(np.stack(pending_s).tobytes())  # type: ignore[union-attr]
                    pending_b, pending_s = [], []
        if hasher is None:
            return out.finish(dict(config or {}), input_path=str(src),
                              extra={"mode": "exact", "unique_prompts": len(first_line)})
        if pending_b:
            band_chunks.append(np.stack(pending_b))
            sig_fh.write(np.stack(pending_s).tobytes())  # type: ignore[union-attr]
        sig_fh.close()  # type: ignore[union-attr]
        assert near is not None
        bands = np.concatenate(band_chunks) if band_chunks else np.zeros((0, near.bands), np.uint32)
        sigs = (np.memmap(sig_path, dtype=np.uint8, mode="r", shape=(n_unique, near.num_perm)) if n_unique
                else np.zeros((0, near.num_perm), np.uint8))
        dup_of = near_duplicates(bands, sigs, near.threshold)
        del bands
        # second pass: write kept rows; unique-row index u maps to its line through `lines_u`
        lines_u: list[int] = []
        u = -1
        for i, (line, row, raw) in enumerate(stream_rows(src)):
            prompt = get_prompt(row, field, path=str(src), line=line)
            if exact_of[i] >= 0:
                out.drop("exact_duplicate", {"line": line, "id": row_id(row, prompt), "prompt": clip(prompt),
                                             "duplicate_of_line": exact_of[i]})
                continue
            u += 1
            lines_u.append(line)
            j = int(dup_of[u])
            if j >= 0:
                out.drop("near_duplicate", {"line": line, "id": row_id(row, prompt), "prompt": clip(prompt),
                                            "duplicate_of_line": lines_u[j],
                                            "jaccard_estimate": round(bbit_jaccard(sigs[u], sigs[j]), 3)})
            else:
                out.keep(row, raw)
        del sigs
    finally:
        if sig_fh is not None and not sig_fh.closed:
            sig_fh.close()
        if sig_path.exists():
            sig_path.unlink()
    return out.finish(dict(config or {}), input_path=str(src),
                      extra={"mode": "exact+near", "unique_prompts": len(first_line),
                             "minhash": {"num_perm": near.num_perm, "bands": near.bands, "shingle": near.shingle,
                                         "threshold": near.threshold}})
