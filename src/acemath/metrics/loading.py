"""Read graded (and scored) sample files into per-benchmark :class:`ProblemSamples` lists.

Two row layouts, one row per problem, detected per row:

* acemath: ``responses``, ``preds`` (str or null), ``correct`` (bool), optional ``rewards`` (float),
  ``benchmark``, ``id``;
* Qwen2.5-Math toolkit output: ``code`` (responses), ``pred`` (answers), ``score`` (bool),
  optional ``pred_score`` (a list of one-element lists of rewards), ``idx``, ``gt``.

The correctness labels in the file are used as they are, unless ``regrade`` is set: then every
response is graded again with ``acemath.grading.grade`` against the row's ``gold`` (or ``gt`` /
``answer``), which also replaces the extracted answers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from acemath.errors import InputError
from acemath.io import iter_rows
from acemath.metrics.protocol import ProblemSamples

GradeFn = Callable[..., Any]  # grade(response, gold, benchmark=...) -> Verdict(correct, pred, status)


@dataclass
class LoadedSamples:
    """Problems per benchmark, in file order, plus where they came from."""

    problems: dict[str, list[ProblemSamples]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    layouts: dict[str, set[str]] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)  # regrade status counts


def _known_benchmarks() -> set[str]:
    try:
        from acemath.benchmarks import BENCHMARKS
    except ImportError:  # pragma: no cover - the registry ships with the package
        return set()
    return set(BENCHMARKS)


def default_benchmark_name(path: Path) -> str:
    """A file's benchmark when neither the row nor ``--benchmark`` names one.

    The Qwen2.5-Math toolkit writes ``<out>/<data_name>/test_<prompt>_....jsonl``, so a parent folder
    named like a registered benchmark wins; otherwise the file name without its suffix.
    """
    if path.parent.name in _known_benchmarks():
        return path.parent.name
    return path.stem


def _as_list(row: dict[str, Any], name: str, where: dict[str, Any]) -> list[Any]:
    value = row.get(name)
    if not isinstance(value, list):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise InputError(f"expected a list, got {got}", field=name, **where)
    if not value:
        raise InputError("empty list: a problem needs at least one sample", field=name, **where)
    return value


def _verdicts(values: list[Any], name: str, where: dict[str, Any]) -> list[bool]:
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or (isinstance(v, int) and v in (0, 1)):
            out.append(bool(v))
        else:
            raise InputError(f"item {i} is {v!r}; expected true/false", field=name, **where)
    return out


def _preds(values: list[Any], name: str, where: dict[str, Any]) -> list[str | None]:
    out: list[str | None] = []
    for i, v in enumerate(values):
        if v is None or isinstance(v, str):
            out.append(v if v is None or v.strip() else None)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out.append(str(v))
        else:
            raise InputError(f"item {i} is a {type(v).__name__}; expected a string or null", field=name, **where)
    return out


def _rewards(values: list[Any], name: str, where: dict[str, Any]) -> list[float]:
    flat = [v[0] if isinstance(v, list) and len(v) == 1 else v for v in values]
    if all(type(v) is float or type(v) is int for v in flat):  # fast path (bool is not int here)
        arr = np.asarray(flat, dtype=np.float64)
        if np.all(np.isfinite(arr)):
            return arr.tolist()
    out = []
    for i, v in enumerate(values):
        if isinstance(v, list):  # Qwen2.5-Math: [[r0], [r1], ...]
            if len(v) != 1:
                raise InputError(f"item {i} has {len(v)} values; expected one reward per sample", field=name,
                                 **where)
            v = v[0]
        if isinstance(v, bool) or not isinstance(v, int | float) or v != v or v in (float("inf"), float("-inf")):
            raise InputError(f"item {i} is {v!r}; expected a finite number", field=name, **where)
        out.append(float(v))
    return out


def _check_lengths(lengths: dict[str, int], where: dict[str, Any]) -> int:
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise InputError(f"lists of different lengths ({desc})", field=next(iter(lengths)), **where)
    return next(iter(lengths.values()))


def parse_row(row: dict[str, Any], *, key: str, where: dict[str, Any], regrade: GradeFn | None = None,
              benchmark: str | None = None, statuses: dict[str, int] | None = None) -> tuple[ProblemSamples, str]:
    """One row (either layout) -> (ProblemSamples, layout name). Errors name file, line and field."""
    qwen = "correct" not in row and ("score" in row or "code" in row or "pred" in row)
    layout = "qwen" if qwen else "acemath"
    f_resp, f_pred, f_ok, f_rew = ("code", "pred", "score", "pred_score") if qwen else \
        ("responses", "preds", "correct", "rewards")
    lengths: dict[str, int] = {}
    rewards = None
    if row.get(f_rew) is not None:
        rewards = _rewards(_as_list(row, f_rew, where), f_rew, where)
        lengths[f_rew] = len(rewards)
    if regrade is not None:
        responses = _as_list(row, f_resp, where)
        gold_field = next((f for f in ("gold", "gt", "answer") if row.get(f) is not None), None)
        if gold_field is None:
            raise InputError("--regrade needs the gold answer", field="gold", **where)
        gold = str(row[gold_field])
        correct, preds = [], []
        for i, resp in enumerate(responses):
            if not isinstance(resp, str):
                raise InputError(f"item {i} is a {type(resp).__name__}; expected a string", field=f_resp, **where)
            verdict = regrade(resp, gold, benchmark=benchmark)
            correct.append(bool(verdict.correct))
            preds.append(verdict.pred)
            if statuses is not None:
                statuses[str(verdict.status)] = statuses.get(str(verdict.status), 0) + 1
        lengths = {f_resp: len(responses), **lengths}
    else:
        if row.get(f_ok) is None:
            hint = " (grade the file first with `acemath grade`, or pass --regrade)"
            raise InputError(f"missing correctness labels{hint}", field=f_ok, **where)
        correct = _verdicts(_as_list(row, f_ok, where), f_ok, where)
        lengths = {f_ok: len(correct), **lengths}
        preds = None
        if row.get(f_pred) is not None:
            preds = _preds(_as_list(row, f_pred, where), f_pred, where)
            lengths[f_pred] = len(preds)
        if isinstance(row.get(f_resp), list):
            lengths[f_resp] = len(row[f_resp])
    _check_lengths(lengths, where)
    return ProblemSamples.build(key, correct, preds, rewards), layout


def load_samples(paths: Sequence[str | os.PathLike[str]], *, benchmark: str | None = None,
                 regrade: GradeFn | None = None) -> LoadedSamples:
    """Read every file; rows are grouped by their ``benchmark`` field, else ``benchmark``, else the file.

    Problem keys (which seed the draws) are the row's ``id`` (or Qwen's ``idx``), else the row number;
    a key seen twice within one benchmark is an error.
    """
    loaded = LoadedSamples()
    for raw_path in paths:
        path = Path(raw_path)
        fallback = benchmark or default_benchmark_name(path)
        n_rows = 0
        for line, row in iter_rows(path):
            n_rows += 1
            where = {"path": str(path), "line": line}
            name = str(row.get("benchmark") or fallback)
            key_value = row.get("id", row.get("idx"))
            key = str(key_value) if key_value is not None else f"row{line}"
            statuses = loaded.statuses.setdefault(name, {}) if regrade is not None else None
            problem, layout = parse_row(row, key=key, where=where, regrade=regrade, benchmark=name,
                                        statuses=statuses)
            bucket = loaded.problems.setdefault(name, [])
            bucket.append(problem)
            loaded.layouts.setdefault(name, set()).add(layout)
            sources = loaded.sources.setdefault(name, [])
            if str(path) not in sources:
                sources.append(str(path))
        if n_rows == 0:
            raise InputError("no rows", path=str(path))
    for name, problems in loaded.problems.items():
        seen: dict[str, int] = {}
        for p in problems:
            seen[p.key] = seen.get(p.key, 0) + 1
        dupes = [k for k, c in seen.items() if c > 1]
        if dupes:
            raise InputError(f"benchmark {name!r}: problem id {dupes[0]!r} appears {seen[dupes[0]]} times "
                             f"(files: {', '.join(loaded.sources[name])})")
    return loaded


def merge_names(names: Iterable[str]) -> list[str]:
    """Benchmarks in registry order first (the paper's column order), then the rest alphabetically."""
    try:
        from acemath.benchmarks import BENCHMARKS
        order = list(BENCHMARKS)
    except ImportError:  # pragma: no cover
        order = []
    names = list(dict.fromkeys(names))
    known = [n for n in order if n in names]
    return known + sorted(n for n in names if n not in order)
