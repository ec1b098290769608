"""Streaming rows in and out of a curation step, in bounded memory.

Every step reads one JSONL/Parquet file (or the output folder of an earlier step, found through its
``run.json``) one row at a time, and writes into its own folder:

* its output (``prompts.jsonl``, ``responses.jsonl``, ...), the kept rows;
* ``dropped.jsonl``: one line per dropped row with ``reason`` (and what it matched, where relevant);
* ``report.json`` + ``report.md``: counts kept and dropped by reason, speed, step-specific tables;
* ``run.json``: the command, config, versions, git commit and time (``acemath.io.write_run_json``).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from acemath.curation.text import dedup_key, hash64
from acemath.errors import InputError
from acemath.io import PARQUET_SUFFIXES, iter_rows, truncate_partial_tail, write_json, write_run_json

PROMPT_FIELDS = ("prompt", "question", "problem", "instruction")


def resolve_input(path: str | os.PathLike[str]) -> Path:
    """A file, or the folder of an earlier step (its ``run.json`` names the output file)."""
    p = Path(path)
    if p.is_dir():
        run = p / "run.json"
        if not run.exists():
            raise InputError("folder has no run.json: pass the output file of a step instead", path=str(p))
        out = json.loads(run.read_text()).get("output")
        if not out:
            raise InputError("run.json names no output file", path=str(run))
        q = Path(out)
        if not q.is_absolute():
            q = p / q
        if not q.exists():
            q = p / Path(out).name
        return q
    if not p.exists():
        raise InputError("file not found", path=str(p))
    return p


def stream_rows(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any], bytes | None]]:
    """Yield ``(line, row, raw_line)``; JSONL is read line by line (raw line kept for fast copying).

    Like :func:`acemath.io.iter_jsonl`, a partial last line (a killed writer's) is skipped, and bad
    JSON anywhere else raises :class:`InputError` naming file and line. Parquet rows have no raw line.
    """
    path = resolve_input(path)
    if path.suffix.lower() in PARQUET_SUFFIXES:
        for n, row in iter_rows(path):
            yield n, row, None
        return
    with path.open("rb") as fh:
        line = 0
        for raw in fh:
            line += 1
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                if not raw.endswith(b"\n") and not fh.read(1):
                    return  # partial last line
                raise InputError(f"invalid JSON ({exc.msg} at column {exc.colno})", path=str(path), line=line) from None
            if not isinstance(row, dict):
                raise InputError(f"expected a JSON object, got {type(row).__name__}", path=str(path), line=line)
            yield line, row, raw if raw.endswith(b"\n") else raw + b"\n"


def get_prompt(row: Mapping[str, Any], field: str | None, *, path: str, line: int) -> str:
    """The prompt text of a row: ``field``, else the first of prompt/question/problem/instruction,
    else the first user turn of ``messages``."""
    if field:
        value = row.get(field)
        if not isinstance(value, str):
            raise InputError("missing or not a string", path=path, line=line, field=field)
        return value
    for f in PROMPT_FIELDS:
        value = row.get(f)
        if isinstance(value, str):
            return value
    msgs = row.get("messages")
    if isinstance(msgs, list):
        for m in msgs:
            if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str):
                return m["content"]
    raise InputError(f"no prompt: expected one of {', '.join(PROMPT_FIELDS)} or messages", path=path,
                     line=line, field="prompt")


def row_id(row: Mapping[str, Any], prompt: str) -> str:
    """The row's ``id`` if it has one, else a stable id from its normalised prompt."""
    rid = row.get("id")
    return str(rid) if rid is not None else f"p{hash64(dedup_key(prompt)):016x}"


def clip(text: str, n: int = 300) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class StepOutput:
    """The output folder of one step: kept rows, dropped rows with reasons, reports and ``run.json``.

    ``resume=False`` (fast deterministic steps) writes ``*.tmp`` files renamed into place at
    :meth:`finish`, so a killed run never leaves a half output that looks complete.
    ``resume=True`` (generation steps) appends crash-safely and :meth:`done_ids` says what to skip.
    """

    def __init__(self, out_dir: str | os.PathLike[str], step: str, output_name: str, *,
                 resume: bool = False) -> None:
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.step = step
        self.output = self.dir / output_name
        self.dropped_path = self.dir / "dropped.jsonl"
        self.resume = resume
        self.kept = 0
        self.dropped: Counter[str] = Counter()
        self.rows_in = 0
        self.t0 = time.perf_counter()
        if resume:  # crash-safe appends: partial tail cut on reopen, flush per row, fsync per batch
            for p in (self.output, self.dropped_path):
                truncate_partial_tail(p)
            self._out: Any = self.output.open("ab")
            self._drop: Any = self.dropped_path.open("ab")
        else:
            self._out = (self.dir / (output_name + ".tmp")).open("wb", buffering=1 << 20)
            self._drop = (self.dir / "dropped.jsonl.tmp").open("wb", buffering=1 << 16)

    def done_ids(self) -> set[str]:
        """Ids already written (kept or dropped) by an earlier, interrupted run of this step."""
        ids: set[str] = set()
        for p in (self.output, self.dropped_path):
            if p.exists():
                for _, row, _ in stream_rows(p):
                    if row.get("id") is not None:
                        ids.add(str(row["id"]))
        return ids

    def keep(self, row: Mapping[str, Any] | None = None, raw: bytes | None = None) -> None:
        self.kept += 1
        self._out.write(raw if raw is not None else json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
        if self.resume:
            self._out.flush()

    def drop(self, reason: str, record: Mapping[str, Any]) -> None:
        self.dropped[reason] += 1
        self._drop.write(json.dumps({"reason": reason, **record}, ensure_ascii=False).encode("utf-8") + b"\n")
        if self.resume:
            self._drop.flush()

    def sync(self) -> None:
        """Make everything written so far durable (called after each generation batch)."""
        for fh in (self._out, self._drop):
            fh.flush()
            os.fsync(fh.fileno())

    def close(self) -> None:
        if self.resume:
            self.sync()
        self._out.close()
        self._drop.close()

    def finish(self, config: Mapping[str, Any], *, input_path: str | None = None,
               extra: Mapping[str, Any] | None = None, markdown: list[str] | None = None) -> dict[str, Any]:
        """Close files, move them into place, write report.json, report.md and run.json."""
        self.close()
        if not self.resume:
            os.replace(self.dir / (self.output.name + ".tmp"), self.output)
            os.replace(self.dir / "dropped.jsonl.tmp", self.dropped_path)
        else:  # totals over this run and any earlier interrupted ones
            self.kept = sum(1 for _ in stream_rows(self.output))
            self.dropped = Counter(r.get("reason", "?") for _, r, _ in stream_rows(self.dropped_path))
        seconds = time.perf_counter() - self.t0
        report: dict[str, Any] = {
            "step": self.step,
            "input": input_path,
            "output": self.output.name,
            "rows_in": self.rows_in,
            "kept": self.kept,
            "dropped": sum(self.dropped.values()),
            "dropped_by_reason": dict(self.dropped.most_common()),
            "dropped_file": self.dropped_path.name,
            "seconds": round(seconds, 3),
            "rows_per_second": round(self.rows_in / seconds, 1) if seconds > 0 else None,
        }
        if extra:
            report.update(extra)
        write_json(self.dir / "report.json", report)
        md = [f"# curate {self.step}", "", f"input: `{input_path}`  ", f"output: `{self.output.name}`", "",
              "| rows in | kept | dropped | seconds |", "|---:|---:|---:|---:|",
              f"| {self.rows_in:,} | {self.kept:,} | {report['dropped']:,} | {report['seconds']} |", ""]
        if self.dropped:
            md += ["| dropped because | rows |", "|---|---:|"]
            md += [f"| {r} | {c:,} |" for r, c in self.dropped.most_common()]
            md.append("")
        md += markdown or []
        (self.dir / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        write_run_json(self.dir, f"curate {self.step}", config, output=self.output.name, report="report.json")
        return report
