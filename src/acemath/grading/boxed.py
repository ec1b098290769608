r"""Find ``\boxed{...}`` / ``\fbox{...}`` contents with balanced braces.

Kept dependency-free and linear-time: it is used on every response and on gold solutions.
"""

from __future__ import annotations

import re

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*(\{|\s)")
# What may stand between two boxes that together list several answers: "\boxed{2}, \boxed{3}", "... and ...".
_JOIN_RE = re.compile(r"[\s$,;]*(?:\\text\{\s*(?:and|or)\s*\}|\\quad|\\qquad|and|or)?[\s$,;]*"
                      r"(?:[A-Za-z](?:_\{?\w+\}?)?\s*=\s*)?")


def boxed_contents(text: str) -> list[str]:
    r"""All boxed contents in order. ``\boxed 5`` (brace-less) yields ``5``; an unclosed box is skipped."""
    return [text[start:end] for _, start, end in _box_spans(text) if end is not None]


def last_boxed(text: str) -> str | None:
    found = boxed_contents(text)
    return found[-1] if found else None


def _box_spans(text: str) -> list[tuple[int, int, int | None]]:
    r"""``(macro_start, content_start, content_end)`` of every box; ``content_end`` is None when unclosed."""
    spans: list[tuple[int, int, int | None]] = []
    for m in _BOX_RE.finditer(text):
        if m.group(1) != "{":
            tok = re.match(r"[^\s$]+", text[m.end():])
            if tok:
                spans.append((m.start(), m.end(), m.end() + tok.end()))
            continue
        start = m.end()
        depth, i, n = 1, start, len(text)
        end: int | None = None
        while i < n:
            c = text[i]
            if c == "\\" and i + 1 < n:
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    end = i
                    break
            i += 1
        spans.append((m.start(), start, end))
    return spans


def final_boxes(text: str) -> tuple[list[str], bool]:
    r"""The final answer's boxes and whether the text was cut off inside its last box.

    Returns ``(contents, truncated)``. ``contents`` holds the last box plus the boxes directly before
    it that are joined to it only by commas, "and", "or", ``$`` or spaces (``\boxed{2}, \boxed{3}``
    lists several answers); the separators' words are kept by :func:`final_box_groups`. When the
    last ``\boxed{`` is never closed the response was cut off inside its final answer:
    ``([], True)``.
    """
    groups, truncated = final_box_groups(text)
    return [c for c, _ in groups], truncated


def final_box_groups(text: str) -> tuple[list[tuple[str, str]], bool]:
    """Like :func:`final_boxes` but each content comes with the separator text before it."""
    spans = _box_spans(text)
    if not spans:
        return [], False
    if spans[-1][2] is None:
        return [], True
    out: list[tuple[str, str]] = []
    j = len(spans) - 1
    while j >= 0:
        s0, cs, ce = spans[j]
        assert ce is not None
        out.append((text[cs:ce], ""))
        if j == 0:
            break
        prev = spans[j - 1]
        if prev[2] is None:
            break
        gap = text[prev[2] + 1:s0]
        if not _JOIN_RE.fullmatch(gap) or not re.search(r"[,;]|\b(?:and|or)\b", gap):
            break
        out[-1] = (out[-1][0], gap)
        j -= 1
    out.reverse()
    deduped: list[tuple[str, str]] = []
    for content, gap in out:
        if any(content.strip() == c.strip() for c, _ in deduped):
            continue
        deduped.append((content, gap))
    return deduped, False
