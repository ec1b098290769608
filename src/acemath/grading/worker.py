"""Killable, time-bounded symbolic work in persistent worker processes.

Each worker is a child Python process (``python -m acemath.grading.worker``) speaking one JSON
object per line over its stdin/stdout: no pickle, no shared state. A call waits for the answer with
``select`` up to its deadline; when the deadline passes the worker is killed (SIGKILL stops C-level
SymPy work too, unlike ``signal.alarm``), the call reports a timeout, and a fresh worker is started
in the background for the next call. Works from any thread and inside daemonic pool processes.

The worker caps its own address space (``RLIMIT_AS``), so a power tower that tries to build a
gigantic integer fails with MemoryError instead of taking the machine down.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

WORKER_MEMORY_BYTES = 2 * 1024**3
STARTUP_TIMEOUT = 120.0


class WorkerTimeout(Exception):
    """The call ran past its deadline; the worker was killed."""


class WorkerError(Exception):
    """The worker died, answered garbage, or reported an exception for this request."""


class _ReplyError(WorkerError):
    """The worker is healthy but the request failed (e.g. SymPy raised)."""


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONHASHSEED"] = "0"
        env.setdefault("OMP_NUM_THREADS", "1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "acemath.grading.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, bufsize=0)
        self.ready = False
        self._buf = b""

    def _readline(self, deadline: float) -> bytes:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerTimeout
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                raise WorkerTimeout
            chunk = os.read(fd, 65536)
            if not chunk:
                raise WorkerError("worker exited")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def wait_ready(self) -> None:
        if self.ready:
            return
        try:
            line = self._readline(time.monotonic() + STARTUP_TIMEOUT)
        except WorkerTimeout:
            raise WorkerError("worker did not start") from None
        if json.loads(line).get("ready") is not True:
            raise WorkerError("worker did not start")
        self.ready = True

    def call(self, request: dict[str, Any], timeout: float) -> Any:
        self.wait_ready()  # start-up time is not charged to the call
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        except (BrokenPipeError, OSError) as exc:
            raise WorkerError("worker pipe closed") from exc
        line = self._readline(time.monotonic() + max(0.0, timeout))
        reply = json.loads(line)
        if "error" in reply:
            raise _ReplyError(reply["error"])
        return reply.get("result")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                f.close()


class WorkerPool:
    """A small pool of persistent workers; each call takes an idle one (or starts one)."""

    def __init__(self, max_workers: int | None = None) -> None:
        self.max_workers = max_workers or max(1, min(4, os.cpu_count() or 1))
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(self.max_workers)
        self._pid = os.getpid()

    def _take(self) -> _Worker:
        with self._lock:
            if self._pid != os.getpid():  # forked child: the parent's workers are not ours
                self._idle, self._pid = [], os.getpid()
            return self._idle.pop() if self._idle else _Worker()

    def _give(self, w: _Worker) -> None:
        with self._lock:
            self._idle.append(w)

    def call(self, op: str, timeout: float, **kwargs: Any) -> Any:
        """Run ``op`` in a worker; raises :class:`WorkerTimeout` (worker killed) or :class:`WorkerError`."""
        with self._slots:
            w = self._take()
            try:
                result = w.call({"op": op, **kwargs}, timeout)
            except WorkerTimeout:
                w.kill()
                self._give(_Worker())  # warm a replacement now, so its start-up overlaps other work
                raise
            except _ReplyError:
                self._give(w)
                raise
            except (WorkerError, ValueError):
                w.kill()
                raise WorkerError("symbolic worker failed") from None
            self._give(w)
            return result

    def close(self) -> None:
        with self._lock:
            for w in self._idle:
                w.kill()
            self._idle = []


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> WorkerPool:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool()
        return _POOL


def shutdown() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.close()
            _POOL = None


# ---------------------------------------------------------------- the worker process side


def _ops() -> dict[str, Callable[..., Any]]:
    from acemath.grading import symbolic

    return {"compare": symbolic.compare, "ping": lambda: "pong", "sleep": lambda seconds: time.sleep(seconds)}


def serve() -> None:
    """Worker main loop: one JSON request per stdin line, one JSON reply per stdout line."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):  # pragma: no cover - platform dependent
        pass
    sys.setrecursionlimit(10000)
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # stray prints from libraries must not corrupt the protocol
    ops = _ops()
    import latex2sympy2_extended  # noqa: F401  (warm the parser before saying ready)

    out.write(b'{"ready": true}\n')
    for raw in sys.stdin.buffer:
        if not raw.strip():
            continue
        try:
            req = json.loads(raw)
            op = ops[req.pop("op")]
            reply: dict[str, Any] = {"result": op(**req)}
        except MemoryError:
            reply = {"error": "memory"}
        except RecursionError:
            reply = {"error": "recursion"}
        except Exception as exc:  # a bad request or a SymPy failure: report, keep serving
            reply = {"error": f"{type(exc).__name__}"}
        out.write(json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    serve()
