"""Text normalisation and hashing shared by every curation step.

Two normalisations, both deterministic across machines and processes (no Python ``hash``):

* :func:`dedup_key` - the paper's dedup key (PAPER.md 2.1): lower-cased, whitespace-normalised.
* :func:`words` - the decontamination view (PAPER.md 3.6): lower-cased, every run of characters
  that is not a letter or digit (punctuation, LaTeX markup, ``$``, whitespace) becomes one space;
  digit groups joined by ``,`` or ``.`` become one number.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
_NUM_SEP = re.compile(r"(?<=\d)[,.](?=\d)")


def dedup_key(text: str) -> str:
    """Lower-cased text with runs of whitespace collapsed to one space and the ends stripped."""
    return _WS.sub(" ", text).strip().lower()


def hash64(text: str) -> int:
    """A stable 64-bit blake2b digest of ``text`` as an unsigned int."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def words(text: str) -> list[str]:
    """Decontamination tokens: NFKC, lower-case, punctuation and whitespace stripped.

    A comma or point between digits is dropped, not split on, so that "1,000" and "1000" (or
    "$1.50" and "$150", "(1,2)" and "(12)") read the same: deleting punctuation is an edit to catch.
    """
    text = _NUM_SEP.sub("", unicodedata.normalize("NFKC", text).lower())
    return _NON_WORD.sub(" ", text).split()


def word_count(text: str) -> int:
    """Words as the paper counts them for its length filters (whitespace-separated tokens)."""
    return len(text.split())


class WordHasher:
    """Maps words to stable 64-bit ints, with a bounded cache (numbers make the vocabulary unbounded)."""

    def __init__(self, max_cache: int = 2_000_000) -> None:
        self._cache: dict[str, int] = {}
        self.max_cache = max_cache

    def __call__(self, word: str) -> int:
        h = self._cache.get(word)
        if h is None:
            if len(self._cache) >= self.max_cache:
                self._cache.clear()
            h = self._cache[word] = hash64(word) | 1  # odd: never 0, so no empty-word collisions
        return h

    def ids(self, toks: list[str]) -> list[int]:
        cache = self._cache
        out = [cache.get(t) for t in toks]
        if None in out:
            out = [h if h is not None else self(t) for h, t in zip(out, toks, strict=True)]
        return out  # type: ignore[return-value]
