"""JSONL/Parquet reading and crash-safe JSONL appending, plus ``run.json`` provenance.

Every long-running stage in acemath writes its output one row at a time through
:class:`JsonlAppender`, so a run killed at any moment leaves at most one partial last line. The
appender drops that partial line when it reopens the file, which is what makes "rerun the same
command" a correct way to resume.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from acemath.errors import InputError

PARQUET_SUFFIXES = (".parquet", ".pq")


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, row)`` for each non-empty line; bad JSON raises :class:`InputError`.

    Streams line by line (bounded memory). A partial *last* line (no trailing newline, invalid
    JSON) is what a killed writer leaves behind; it is skipped with no error so that readers and
    resumers agree on what was written.
    """
    path = Path(path)
    with path.open("rb") as fh:
        for i, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                if not raw.endswith(b"\n"):  # the unterminated last line of a killed writer
                    return
                raise InputError(f"invalid JSON ({exc.msg} at column {exc.colno})", path=str(path), line=i) from None
            if not isinstance(row, dict):
                raise InputError(f"expected a JSON object, got {type(row).__name__}", path=str(path), line=i)
            yield i, row


def iter_rows(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a JSONL or Parquet file as ``(row_number, dict)``; row numbers are 1-based."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.suffix.lower() in PARQUET_SUFFIXES:
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:  # pragma: no cover - depends on extras
            raise InputError("reading Parquet needs pyarrow (pip install 'acemath[train]')", path=str(path)) from exc
        table = pq.ParquetFile(path)
        n = 0
        for batch in table.iter_batches(batch_size=4096):
            for row in batch.to_pylist():
                n += 1
                yield n, row
        return
    yield from iter_jsonl(path)


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    return [row for _, row in iter_rows(path)]


def require(row: Mapping[str, Any], field: str, *, path: str | None, line: int | None,
            types: type | tuple[type, ...] | None = None) -> Any:
    """Return ``row[field]`` or raise an :class:`InputError` naming file, line and field."""
    if field not in row or row[field] is None:
        raise InputError("missing required field", path=path, line=line, field=field)
    value = row[field]
    if types is not None and not isinstance(value, types):
        names = types.__name__ if isinstance(types, type) else "/".join(t.__name__ for t in types)
        raise InputError(f"expected {names}, got {type(value).__name__}", path=path, line=line, field=field)
    return value


class JsonlAppender:
    """Append JSON rows durably: each row is one ``write`` + ``flush`` (+ ``fsync`` when ``durable``).

    On open, a partial trailing line left by a killed writer is truncated away, so appending
    after a crash never glues a new row onto half of an old one.
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        truncate_partial_tail(self.path)
        self._fh = self.path.open("ab")
        self.durable = durable

    def write(self, row: Mapping[str, Any]) -> None:
        data = json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"
        self._fh.write(data)
        self._fh.flush()
        if self.durable:
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def truncate_partial_tail(path: Path) -> None:
    """Cut a file back to its last newline (drops what a killed writer left half-written)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        pos = size
        chunk = 65536
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            block = fh.read(pos - start)
            idx = block.rfind(b"\n")
            if idx >= 0:
                keep = start + idx + 1
                if keep != size:
                    fh.truncate(keep)
                return
            pos = start
        fh.truncate(0)


def write_jsonl(path: str | os.PathLike[str], rows: list[Mapping[str, Any]]) -> None:
    """Write rows atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def git_commit() -> str | None:
    """The git commit of the acemath checkout, if it is one (None for an installed wheel)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                           capture_output=True, text=True, timeout=5).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def package_versions(names: tuple[str, ...] = ("acemath", "torch", "transformers", "trl", "accelerate",
                                                 "datasets", "vllm", "math-verify", "sympy", "numpy")) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str] = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def hardware() -> dict[str, Any]:
    info: dict[str, Any] = {"platform": platform.platform(), "python": sys.version.split()[0],
                            "cpu_count": os.cpu_count()}
    if "torch" in sys.modules:  # only report what is already loaded; never import torch for this
        torch = sys.modules["torch"]
        info["cuda"] = bool(torch.cuda.is_available())
        if info["cuda"]:
            info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return info


def provenance(command: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """What produced an artifact: command, config, versions, git commit, time, hardware."""
    return {
        "command": command,
        "argv": sys.argv,
        "config": dict(config),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "time": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "hardware": hardware(),
    }


def write_run_json(directory: str | os.PathLike[str], command: str, config: Mapping[str, Any],
                   **extra: Any) -> Path:
    """Write ``run.json`` into ``directory`` and return its path."""
    path = Path(directory) / "run.json"
    record = provenance(command, config)
    record.update(extra)
    write_json(path, record)
    return path
