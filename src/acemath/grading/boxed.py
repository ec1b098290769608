r"""Find ``\boxed{...}`` / ``\fbox{...}`` contents with balanced braces.

Kept dependency-free and linear-time: it is used on every response and on gold solutions.
"""

from __future__ import annotations

import re

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*(\{|\s)")


def boxed_contents(text: str) -> list[str]:
    r"""All boxed contents in order. ``\boxed 5`` (brace-less) yields ``5``; an unclosed box is skipped."""
    out: list[str] = []
    for m in _BOX_RE.finditer(text):
        if m.group(1) == "{":
            start = m.end()
            depth = 1
            i = start
            n = len(text)
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
                        out.append(text[start:i])
                        break
                i += 1
        else:
            rest = text[m.end():]
            tok = re.match(r"[^\s$]+", rest)
            if tok:
                out.append(tok.group(0))
    return out


def last_boxed(text: str) -> str | None:
    found = boxed_contents(text)
    return found[-1] if found else None
