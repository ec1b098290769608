"""``acemath grade INPUT -o OUTPUT [--workers N] [--timeout S] [--benchmark NAME]``.

Reads sample rows (JSONL or Parquet: ``id``, ``gold``, ``responses``, optional ``benchmark``,
``choices``, ``meta``), writes them to OUTPUT (JSONL) with ``preds``, ``correct`` and
``grade_status`` added, one row at a time (crash-safe). Rerunning the same command resumes: rows
whose ``id`` is already in OUTPUT are skipped. Prints a summary (accuracy, status counts) and
writes it with the run's provenance to ``OUTPUT.run.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from acemath.errors import InputError
from acemath.grading.api import DEFAULT_TIMEOUT
from acemath.grading.run import check_row, grade_rows, summarize
from acemath.io import JsonlAppender, iter_jsonl, iter_rows, provenance, write_json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="sample rows (JSONL or Parquet) with gold and responses")
    parser.add_argument("-o", "--output", required=True, help="graded rows (JSONL); rerun to resume")
    parser.add_argument("--workers", type=int, default=1, help="grading processes (default 1)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds per answer before it is reported as 'timeout' (default {DEFAULT_TIMEOUT})")
    parser.add_argument("--benchmark", help="benchmark name for rows that carry none (answer conventions)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _row_id(row: dict[str, Any], line: int) -> str:
    return str(row["id"]) if row.get("id") is not None else f"line-{line}"


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    if not args.timeout > 0:
        raise InputError("--timeout must be positive")
    inp, out = Path(args.input), Path(args.output)
    if inp.resolve() == out.resolve():
        raise InputError("OUTPUT must differ from INPUT", path=str(out))
    rows: list[tuple[int, dict[str, Any]]] = []
    for line, row in iter_rows(inp):
        check_row(row, path=str(inp), line=line)
        rows.append((line, row))
    done: set[str] = set()
    if out.exists():
        from acemath.io import truncate_partial_tail

        truncate_partial_tail(out)
        done = {_row_id(r, ln) for ln, r in iter_jsonl(out)}
    todo = [(ln, r) for ln, r in rows if _row_id(r, ln) not in done]
    n_samples = sum(len(r.get("responses") or []) for _, r in todo)
    print(f"grading {len(todo)} rows ({n_samples} responses) from {inp}; {len(done)} already in {out}")

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    ids = [_row_id(r, ln) for ln, r in todo]
    with JsonlAppender(out, durable=False) as app, Progress(
            TextColumn("grade"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            disable=args.no_progress) as bar:
        task = bar.add_task("grade", total=len(todo))
        graded = grade_rows((r for _, r in todo), workers=args.workers, timeout=args.timeout,
                            benchmark=args.benchmark)
        for rid, row in zip(ids, graded, strict=True):
            if row.get("id") is None:
                row = {"id": rid, **row}
            app.write(row)
            bar.advance(task)
    summary = summarize(r for _, r in iter_jsonl(out))
    st = summary["status"]
    print(f"{summary['problems']} problems, {summary['samples']} responses: accuracy {summary['accuracy']:.4f} "
          f"({summary['correct']} correct); ok {st['ok']}, no_answer {st['no_answer']}, "
          f"timeout {st['timeout']}, error {st['error']}")
    record = provenance("grade", {"input": str(inp), "output": str(out), "workers": args.workers,
                                  "timeout": args.timeout, "benchmark": args.benchmark})
    record["summary"] = summary
    write_json(out.with_name(out.name + ".run.json"), record)
    return 0
