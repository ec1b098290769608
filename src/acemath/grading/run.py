"""Grading sample rows and files in a process pool.

A sample row (see docs/architecture.md) has ``gold`` and ``responses`` (a list), optionally
``benchmark``, ``choices`` and ``meta``. Grading adds ``preds``, ``correct`` and ``grade_status``
(one entry per response). Rows keep their order; each worker process keeps its own verdict cache
and its own symbolic worker.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from acemath.errors import InputError
from acemath.grading.api import DEFAULT_TIMEOUT, grade


def check_row(row: dict[str, Any], *, path: str | None = None, line: int | None = None) -> None:
    """Raise :class:`InputError` (file, line, field) when a row cannot be graded."""
    if row.get("gold") is None:
        raise InputError("missing required field", path=path, line=line, field="gold")
    responses = row.get("responses")
    if not isinstance(responses, list) or not all(isinstance(r, str) or r is None for r in responses):
        raise InputError("expected a list of strings", path=path, line=line, field="responses")
    choices = row.get("choices")
    if choices is not None and not isinstance(choices, list):
        raise InputError("expected a list", path=path, line=line, field="choices")
    meta = row.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise InputError("expected an object", path=path, line=line, field="meta")


def grade_row(row: dict[str, Any], *, benchmark: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """A copy of ``row`` with ``preds``, ``correct`` and ``grade_status`` added."""
    bench = row.get("benchmark") or benchmark
    preds, correct, status = [], [], []
    for response in row.get("responses") or []:
        v = grade(response or "", str(row["gold"]), bench, choices=row.get("choices"), meta=row.get("meta"),
                  timeout=timeout)
        preds.append(v.pred)
        correct.append(v.correct)
        status.append(v.status)
    return {**row, "preds": preds, "correct": correct, "grade_status": status}


def _grade_chunk(args: tuple[list[dict[str, Any]], str | None, float]) -> list[dict[str, Any]]:
    rows, benchmark, timeout = args
    return [grade_row(r, benchmark=benchmark, timeout=timeout) for r in rows]


def grade_rows(rows: Iterable[dict[str, Any]], *, workers: int = 1, timeout: float = DEFAULT_TIMEOUT,
               benchmark: str | None = None, chunk_size: int = 8) -> Iterator[dict[str, Any]]:
    """Grade rows, yielding graded rows in input order. ``workers > 1`` uses a process pool."""
    if workers <= 1:
        for r in rows:
            yield grade_row(r, benchmark=benchmark, timeout=timeout)
        return
    def chunks() -> Iterator[tuple[list[dict[str, Any]], str | None, float]]:
        buf: list[dict[str, Any]] = []
        for r in rows:
            buf.append(r)
            if len(buf) >= chunk_size:
                yield buf, benchmark, timeout
                buf = []
        if buf:
            yield buf, benchmark, timeout

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as ex:
        pending: list[Any] = []
        it = chunks()
        for item in it:  # keep a bounded window of chunks in flight, yield in order
            pending.append(ex.submit(_grade_chunk, item))
            if len(pending) >= 2 * workers:
                yield from pending.pop(0).result()
        for fut in pending:
            yield from fut.result()


def _init_worker() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def summarize(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy over all graded samples and the count of each status."""
    statuses: Counter[str] = Counter()
    n_right = n = problems = 0
    for r in rows:
        problems += 1
        for c, s in zip(r.get("correct") or [], r.get("grade_status") or [], strict=False):
            n += 1
            n_right += bool(c)
            statuses[s] += 1
    return {"problems": problems, "samples": n, "correct": n_right,
            "accuracy": (n_right / n) if n else 0.0,
            "status": {k: statuses.get(k, 0) for k in ("ok", "no_answer", "timeout", "error")}}
