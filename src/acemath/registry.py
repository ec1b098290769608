"""A tiny name -> value registry whose unknown-name error suggests the nearest names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from acemath.errors import UnknownNameError


def did_you_mean(name: str, known: Iterable[str], *, kind: str = "name") -> UnknownNameError:
    known = sorted(known)
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return UnknownNameError(f"unknown {kind} {name!r}.{hint} Known: {', '.join(known)}")
