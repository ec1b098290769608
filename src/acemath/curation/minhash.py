"""MinHash LSH for near-duplicate prompts, in numpy (no extra dependency).

Why not ``datasketch``: it keeps a Python dict entry per (band, row) - 16 million objects for a
million prompts - and hashes shingles in Python. Here signatures are computed with vectorised
multiply-shift hashing, only compact arrays are kept (``bands`` uint32 band hashes and ``num_perm``
one-byte b-bit minhashes per row: 192 bytes a row for the defaults), and candidate pairs are found
by sorting band hashes, not by a Python index.

Similarity is Jaccard over word ``shingle``-grams of the decontamination tokens
(:func:`acemath.curation.text.words`). A candidate pair shares a band; it is confirmed when the
b-bit signature estimate (Li & Koenig 2010) of its Jaccard similarity reaches ``threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from acemath.curation.text import WordHasher

_MASK32 = np.uint64(0xFFFFFFFF)


@dataclass(frozen=True)
class MinHashConfig:
    num_perm: int = 128
    bands: int = 16
    shingle: int = 3
    threshold: float = 0.8
    seed: int = 1

    def __post_init__(self) -> None:
        if self.num_perm % self.bands:
            raise ValueError(f"num_perm ({self.num_perm}) must be a multiple of bands ({self.bands})")
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be in (0, 1]")


class MinHasher:
    """Signatures of token lists: ``band_hashes`` (uint32, one per band) and ``bbit`` (uint8 per perm)."""

    def __init__(self, cfg: MinHashConfig) -> None:
        self.cfg = cfg
        rng = np.random.default_rng(cfg.seed)
        self.a = (rng.integers(1, 2**63, size=(cfg.num_perm, 1), dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
        self.b = rng.integers(0, 2**63, size=(cfg.num_perm, 1), dtype=np.uint64)
        self.words = WordHasher()
        self.rows = cfg.num_perm // cfg.bands
        self.band_mult = rng.integers(1, 2**31, size=self.rows, dtype=np.uint64) | np.uint64(1)

    def shingles(self, toks: list[str]) -> np.ndarray:
        ids = np.fromiter(self.words.ids(toks), dtype=np.uint64, count=len(toks))
        k = self.cfg.shingle
        if len(ids) < k:
            return ids[:1] if len(ids) else np.zeros(1, dtype=np.uint64)
        h = ids[: len(ids) - k + 1].copy()
        for j in range(1, k):
            h = h * np.uint64(0x100000001B3) + ids[j: len(ids) - k + 1 + j]
        return np.unique(h)

    def signature(self, toks: list[str]) -> tuple[np.ndarray, np.ndarray]:
        sh = self.shingles(toks)
        with np.errstate(over="ignore"):
            sig = ((self.a * sh[None, :] + self.b) >> np.uint64(32)).min(axis=1)  # (num_perm,) uint64 < 2^32
            bands = sig.reshape(self.cfg.bands, self.rows)
            band_h = (bands * self.band_mult[None, :]).sum(axis=1) & _MASK32
        return band_h.astype(np.uint32), (sig & np.uint64(0xFF)).astype(np.uint8)


def bbit_jaccard(x: np.ndarray, y: np.ndarray) -> float:
    """Jaccard estimate from 8-bit minhashes, corrected for chance byte collisions (1/256)."""
    p = float(np.mean(x == y))
    return max(0.0, (p - 1 / 256) / (1 - 1 / 256))


def near_duplicates(band_hashes: np.ndarray, sigs: np.ndarray, threshold: float,
                    max_compare: int = 16) -> np.ndarray:
    """For rows ``0..N-1``, the earlier row each is a near-duplicate of (-1 if none).

    Within each band bucket (rows sorted by index), a row is compared with up to ``max_compare``
    earlier rows of the bucket that are themselves kept; the first confirmed match wins.
    """
    n = band_hashes.shape[0]
    dup_of = np.full(n, -1, dtype=np.int64)
    for b in range(band_hashes.shape[1]):
        col = band_hashes[:, b]
        order = np.argsort(col, kind="stable")
        sc = col[order]
        same = np.flatnonzero(sc[1:] == sc[:-1])  # positions where a bucket continues
        if not len(same):
            continue
        # bucket starts: positions p where sc[p] != sc[p-1] and sc[p] == sc[p+1]
        starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
        sizes = np.diff(np.r_[starts, n])
        for s, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            members = order[s: s + size]  # ascending row index (stable sort of an index-ordered array)
            kept: list[int] = []
            for r in members.tolist():
                if dup_of[r] >= 0:
                    continue
                for k in kept[-max_compare:]:
                    if bbit_jaccard(sigs[r], sigs[k]) >= threshold:
                        dup_of[r] = k
                        break
                else:
                    kept.append(r)
    return dup_of
