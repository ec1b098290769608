"""``curate decontam``: drop prompts that overlap benchmark test questions (PAPER.md 3.6).

Rule (our reading of "13-gram overlap with test data and LCS exceeding 60% of its length",
following Qwen2.5-Math; documented in docs/curation.md):

* Text is normalised (:func:`acemath.curation.text.words`: NFKC, lower case, punctuation, LaTeX
  markup and whitespace stripped) and compared as words.
* A prompt is a *candidate* for test item T when they share a 13-gram. A test item shorter than
  13 words (19% of the real test sets) counts as one n-gram of its own length; items under
  ``min_item_words`` words are too generic to index and are listed in the report.
* ``math`` mode confirms a candidate by word-level LCS: ``LCS(P, T) > 0.6 * min(|P|, max(|T|, 13))``.
  The paper's literal "60% of the prompt" misses a test question wrapped in added text (a 40-word
  question inside a 100-word prompt is 40%), so the LCS is taken relative to the shorter of the two;
  the ``max(|T|, 13)`` floor keeps a short generic test item ("Which of the following is false?")
  from removing every long prompt that happens to contain it. A short item that holds a number
  ("Simplify: sqrt(72)") is specific: it is confirmed when it appears whole and the prompt adds at
  most 13 words around it.
* ``general`` mode: a shared 13-gram is enough (short items still need the length guard above).

Speed: the test questions' n-gram hashes sit in one sorted uint64 array; prompts are hashed in
batches with numpy (rolling polynomial hash over 64-bit word hashes) and looked up with
``searchsorted``; only candidates reach the (bit-parallel, O(|P|*|T|/64)) LCS.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from acemath.curation.stream import StepOutput, clip, get_prompt, resolve_input, row_id, stream_rows
from acemath.curation.text import WordHasher, words
from acemath.errors import InputError

NGRAM = 13
LCS_THRESHOLD = 0.6
MIN_ITEM_WORDS = 3
_P = np.uint64(0x9E3779B97F4A7C15)
_FILTER_MASK = np.uint64((1 << 24) - 1)


def lcs_len(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common subsequence of two token sequences (Hyyro's bit-parallel LCS)."""
    if len(b) > len(a):
        a, b = b, a
    if not b:
        return 0
    masks: dict[int, int] = {}
    for j, t in enumerate(b):
        masks[t] = masks.get(t, 0) | (1 << j)
    full = (1 << len(b)) - 1
    v = full
    for t in a:
        m = masks.get(t)
        if m is not None:
            u = v & m
            v = ((v + u) | (v - u)) & full
    return len(b) - v.bit_count()


@dataclass
class TestItem:
    benchmark: str
    id: str
    question: str
    ids: list[int]
    has_number: bool = False


@dataclass
class Match:
    item: TestItem
    shared_ngrams: int
    lcs_ratio: float


class ContaminationIndex:
    """Hashed n-grams of test questions -> the items holding them."""

    def __init__(self, n: int = NGRAM, min_item_words: int = MIN_ITEM_WORDS) -> None:
        self.n = n
        self.min_item_words = min_item_words
        self.hasher = WordHasher()
        self.items: list[TestItem] = []
        self._owners: dict[int, list[int]] = {}
        self.lengths: set[int] = set()
        self.too_short: Counter[str] = Counter()
        self.per_benchmark: Counter[str] = Counter()
        self._keys = np.zeros(0, dtype=np.uint64)

    def add(self, benchmark: str, item_id: str, question: str) -> None:
        toks = words(question)
        ids = self.hasher.ids(toks)
        if len(ids) < self.min_item_words:
            self.too_short[benchmark] += 1
            return
        idx = len(self.items)
        self.items.append(TestItem(benchmark, item_id, question, ids,
                                   has_number=any(c.isdigit() for t in toks for c in t)))
        self.per_benchmark[benchmark] += 1
        n = min(self.n, len(ids))
        self.lengths.add(n)
        for h in set(_window_hashes(ids, n)):
            owners = self._owners.setdefault(h, [])
            if not owners or owners[-1] != idx:
                owners.append(idx)

    def freeze(self) -> None:
        self._keys = np.array(sorted(self._owners), dtype=np.uint64)
        # a 16M-entry presence filter on the low bits: ~1% of clean windows reach the binary search
        self._filter = np.zeros(1 << 24, dtype=bool)
        self._filter[(self._keys & _FILTER_MASK).astype(np.int64)] = True

    @property
    def num_ngrams(self) -> int:
        return len(self._owners)

    def candidates(self, batch: list[list[int]]) -> list[Counter[int]]:
        """For each prompt (word ids), shared-n-gram counts per test item (empty for clean prompts)."""
        out: list[Counter[int]] = [Counter() for _ in batch]
        if not batch or not len(self._keys):
            return out
        lens = np.fromiter((len(x) for x in batch), dtype=np.int64, count=len(batch))
        total = int(lens.sum())
        if total == 0:
            return out
        flat = np.zeros(total + self.n, dtype=np.uint64)
        flat[:total] = np.fromiter((t for x in batch for t in x), dtype=np.uint64, count=total)
        ends = np.cumsum(lens)
        prompt_of = np.repeat(np.arange(len(batch)), lens)
        room = ends[prompt_of] - np.arange(total)  # words from each position to its prompt's end
        h = np.zeros(total, dtype=np.uint64)
        keys = self._keys
        with np.errstate(over="ignore"):
            for k in range(self.n):
                h = h * _P + flat[k: k + total]
                length = k + 1
                if length not in self.lengths:
                    continue
                valid = np.flatnonzero(room >= length)
                valid = valid[self._filter[(h[valid] & _FILTER_MASK).astype(np.int64)]]
                if not len(valid):
                    continue
                cand = h[valid]
                pos = np.searchsorted(keys, cand)
                pos[pos >= len(keys)] = 0
                hit = keys[pos] == cand
                for p, hv in zip(prompt_of[valid[hit]].tolist(), cand[hit].tolist(), strict=True):
                    for item in self._owners.get(hv, ()):
                        if len(self.items[item].ids) == length or length == self.n:
                            out[p][item] += 1
        return out

    def confirm(self, prompt_ids: list[int], cands: Counter[int], *, mode: str = "math",
                threshold: float = LCS_THRESHOLD, max_candidates: int = 20) -> Match | None:
        """The best confirmed match for a candidate prompt, or None."""
        best: Match | None = None
        for idx, shared in cands.most_common(max_candidates):
            item = self.items[idx]
            short = len(item.ids) < self.n
            if mode == "general" and not short:
                ratio = 1.0
            else:
                lcs = lcs_len(prompt_ids, item.ids)
                denom = min(len(prompt_ids), max(len(item.ids), self.n))
                ratio = lcs / denom if denom else 0.0
                if short and item.has_number and lcs == len(item.ids) and len(prompt_ids) - lcs <= self.n:
                    ratio = 1.0  # a whole short math item plus at most one n-gram of added text
            if ratio > threshold and (best is None or (ratio, shared) > (best.lcs_ratio, best.shared_ngrams)):
                best = Match(item, shared, ratio)
        return best


def _window_hashes(ids: list[int], n: int) -> list[int]:
    mask = (1 << 64) - 1
    p = int(_P)
    out = []
    for i in range(len(ids) - n + 1):
        h = 0
        for t in ids[i: i + n]:
            h = (h * p + t) & mask
        out.append(h)
    return out


def load_test_sets(against: Iterable[str], *, data_dir: str | os.PathLike[str] | None = None,
                   test_files: Iterable[str] = (), allow_hub: bool = False) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """``{name: [(id, question)]}`` and the names that were skipped as not found locally.

    ``all`` means every registry benchmark found locally (missing ones are reported, not fatal);
    a benchmark named explicitly must load (from the data dir, else the hub if ``allow_hub``).
    """
    from acemath.benchmarks import BENCHMARKS, load_benchmark

    names = [a.strip() for x in against for a in x.split(",") if a.strip()]
    sets: dict[str, list[tuple[str, str]]] = {}
    missing: list[str] = []
    explicit = [n for n in names if n != "all"]
    implicit = [n for n in BENCHMARKS if n not in explicit] if "all" in names else []
    for name in explicit:
        sets[name] = [(p.id, p.question) for p in load_benchmark(name, data_dir=data_dir, allow_hub=allow_hub)]
    for name in implicit:
        try:
            sets[name] = [(p.id, p.question) for p in load_benchmark(name, data_dir=data_dir, allow_hub=False)]
        except InputError:
            missing.append(name)
    for f in test_files:
        path = resolve_input(f)
        sets[path.stem] = [(str(row.get("id", line)), get_prompt(row, None, path=str(path), line=line))
                           for line, row, _ in stream_rows(path)]
    if not sets:
        raise InputError("no test set to decontaminate against: pass --against NAMES|all (with --data-dir) "
                         "or --test-file FILE")
    return sets, missing


def build_index(test_sets: Mapping[str, list[tuple[str, str]]], *, n: int = NGRAM,
                min_item_words: int = MIN_ITEM_WORDS) -> ContaminationIndex:
    index = ContaminationIndex(n=n, min_item_words=min_item_words)
    for name, items in test_sets.items():
        for item_id, question in items:
            index.add(name, item_id, question)
    index.freeze()
    return index


def decontaminate(input_path: str | os.PathLike[str], out_dir: str | os.PathLike[str],
                  index: ContaminationIndex, *, field: str | None = None, mode: str = "math",
                  domain_field: str | None = None, threshold: float = LCS_THRESHOLD, batch_size: int = 4096,
                  missing: Sequence[str] = (), config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Stream ``input_path``; write clean rows, and each dropped prompt with the test item it matched."""
    if mode not in ("math", "general"):
        raise InputError(f"unknown mode {mode!r}: use math or general")
    src = resolve_input(input_path)
    out = StepOutput(out_dir, "decontam", "prompts.jsonl")
    by_bench: Counter[str] = Counter()
    examples: list[str] = []
    batch: list[tuple[int, dict[str, Any], bytes | None, str, list[int]]] = []

    def flush() -> None:
        cands = index.candidates([b[4] for b in batch])
        for (line, row, raw, prompt, ids), cand in zip(batch, cands, strict=True):
            match = None
            if cand:
                row_mode = mode
                if domain_field is not None and str(row.get(domain_field, "math")).lower() != "math":
                    row_mode = "general"
                match = index.confirm(ids, cand, mode=row_mode, threshold=threshold)
            if match is None:
                out.keep(row, raw)
                continue
            by_bench[match.item.benchmark] += 1
            out.drop("contaminated", {"line": line, "id": row_id(row, prompt), "prompt": clip(prompt),
                                      "benchmark": match.item.benchmark, "test_id": match.item.id,
                                      "test_question": clip(match.item.question),
                                      "shared_ngrams": match.shared_ngrams, "lcs_ratio": round(match.lcs_ratio, 3)})
            if len(examples) < 20:
                examples.append(f"| {line} | {_md(clip(prompt, 80))} | {match.item.benchmark} {_md(match.item.id)} | "
                                f"{match.lcs_ratio:.2f} |")
        batch.clear()

    for line, row, raw in stream_rows(src):
        out.rows_in += 1
        prompt = get_prompt(row, field, path=str(src), line=line)
        batch.append((line, row, raw, prompt, index.hasher.ids(words(prompt))))
        if len(batch) >= batch_size:
            flush()
    flush()
    test_sets = {b: {"indexed": c, "too_short": index.too_short.get(b, 0)} for b, c in index.per_benchmark.items()}
    md = [f"| test set | items indexed | too short (< {index.min_item_words} words) | prompts dropped |",
          "|---|---:|---:|---:|"]
    md += [f"| {b} | {v['indexed']:,} | {v['too_short']:,} | {by_bench.get(b, 0):,} |" for b, v in test_sets.items()]
    if missing:
        md += ["", f"not found locally, not checked: {', '.join(missing)}"]
    if examples:
        md += ["", "first dropped prompts (all in dropped.jsonl):", "",
               "| line | prompt | matched test item | LCS ratio |", "|---:|---|---|---:|", *examples]
    extra = {"mode": mode, "ngram": index.n, "lcs_threshold": threshold, "test_sets": test_sets,
             "test_ngrams": index.num_ngrams, "missing_benchmarks": list(missing),
             "dropped_by_benchmark": dict(by_bench.most_common())}
    return out.finish(dict(config or {}), input_path=str(src), extra=extra, markdown=md)


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


__all__ = ["ContaminationIndex", "Match", "build_index", "decontaminate", "lcs_len", "load_test_sets"]
