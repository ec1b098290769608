"""Offline reward scoring: batched, length-bucketed, resumable, sharded (``acemath rm score``).

Python API (what ``acemath eval --rm M`` calls)::

    from acemath.reward import RewardScorer, score_rows

    scorer = RewardScorer("runs/rm", batch_size=16, max_length=2048)      # loads once
    rewards = scorer.score(["1+1?", "1+1?"], ["... \\boxed{2}", "... \\boxed{3}"])  # list[float]
    rows = score_rows(rows, scorer)          # each row gets `rewards: [float]` (one per response)
    scorer.truncated                         # inputs cut to max_length so far

``score_rows`` accepts a path instead of a scorer (it then builds one). Rows need ``question`` (or
``prompt``) and ``responses``; a row with no responses gets ``rewards: []``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch

from acemath.errors import InputError
from acemath.reward.model import (
    RM_SYSTEM_PROMPT,
    collate,
    encode,
    load_reward_model,
    render_rm_text,
    reward_forward,
)


def _default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


class RewardScorer:
    """Scores (question, response) pairs with a trained RM; batch- and padding-invariant."""

    def __init__(self, model: str | Any, tokenizer: Any = None, *, batch_size: int = 16, max_length: int = 2048,
                 device: str | None = None, dtype: str | None = None, system: str | None = RM_SYSTEM_PROMPT,
                 trust_remote_code: bool = False) -> None:
        if isinstance(model, str | os.PathLike):
            model, tokenizer = load_reward_model(str(model), dtype=dtype, trust_remote_code=trust_remote_code)
        elif tokenizer is None:
            raise ValueError("pass a tokenizer with a model object")
        self.model = model
        self.tokenizer = tokenizer
        self.device = device or _default_device()
        self.model.to(self.device)
        self.model.eval()
        self.batch_size = batch_size
        self.max_length = max_length
        self.system = system
        self.pad_id = int(model.config.pad_token_id if model.config.pad_token_id is not None
                          else tokenizer.pad_token_id)
        self.truncated = 0
        self.scored = 0

    @torch.inference_mode()
    def score(self, questions: Sequence[str], responses: Sequence[str]) -> list[float]:
        """One reward per (question, response); batches are formed by length so padding stays small."""
        if len(questions) != len(responses):
            raise ValueError("questions and responses differ in length")
        encoded = [encode(self.tokenizer, render_rm_text(self.tokenizer, q, r, self.system), self.max_length)
                   for q, r in zip(questions, responses, strict=True)]
        self.truncated += sum(e.truncated for e in encoded)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].input_ids))
        out = [0.0] * len(encoded)
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = collate([encoded[i].input_ids for i in idx], self.pad_id)
            rewards = reward_forward(self.model, batch["input_ids"].to(self.device),
                                     batch["attention_mask"].to(self.device), batch["last_index"])
            for i, r in zip(idx, rewards.float().cpu().tolist(), strict=True):
                out[i] = float(r)
        self.scored += len(encoded)
        return out

    def score_rows(self, rows: Sequence[Mapping[str, Any]], *, path: str | None = None,
                   first_line: int = 1) -> list[list[float]]:
        """Rewards for every response of every row (all rows' responses are bucketed together)."""
        qs: list[str] = []
        rs: list[str] = []
        sizes: list[int] = []
        for k, row in enumerate(rows):
            q = row.get("question", row.get("prompt"))
            resp = row.get("responses")
            if not isinstance(q, str):
                raise InputError("missing required field (question or prompt)", path=path, line=first_line + k,
                                 field="question")
            if not isinstance(resp, list):
                raise InputError("expected a list of responses", path=path, line=first_line + k, field="responses")
            qs += [q] * len(resp)
            rs += [r if isinstance(r, str) else "" for r in resp]
            sizes.append(len(resp))
        flat = self.score(qs, rs)
        out, pos = [], 0
        for n in sizes:
            out.append(flat[pos:pos + n])
            pos += n
        return out


def score_rows(rows: Iterable[Mapping[str, Any]], rm: str | RewardScorer, **scorer_kwargs: Any) -> list[dict[str, Any]]:
    """Return copies of ``rows`` with ``rewards`` added (``rm`` is a path or a :class:`RewardScorer`)."""
    scorer = rm if isinstance(rm, RewardScorer) else RewardScorer(rm, **scorer_kwargs)
    rows = list(rows)
    rewards = scorer.score_rows(rows)
    return [{**row, "rewards": r} for row, r in zip(rows, rewards, strict=True)]


def parse_shard(text: str | None) -> tuple[int, int]:
    """``"i/N"`` (0-based i) -> (i, N); None -> (0, 1)."""
    if not text:
        return 0, 1
    try:
        i_s, n_s = text.split("/")
        i, n = int(i_s), int(n_s)
    except ValueError:
        raise InputError(f"--shard must look like i/N (e.g. 0/4), got {text!r}") from None
    if n < 1 or not 0 <= i < n:
        raise InputError(f"--shard {text}: need 0 <= i < N")
    return i, n


def row_key(row: Mapping[str, Any], line: int) -> str:
    return str(row["id"]) if row.get("id") is not None else f"line:{line}"


def score_file(samples: str, out: str, scorer: RewardScorer, *, shard: tuple[int, int] = (0, 1),
               rows_per_chunk: int = 64, progress: bool = True) -> dict[str, int]:
    """Score ``samples`` into ``out`` (JSONL), appending row by row; rows already in ``out`` are skipped.

    Shard ``(i, N)`` takes input rows whose 0-based position p has ``p % N == i``.
    """
    from acemath.io import JsonlAppender, iter_rows

    done: set[str] = set()
    if os.path.exists(out):
        for line, row in iter_rows(out):
            done.add(row_key(row, int(row.get("_line", line))))
    todo: list[tuple[int, dict[str, Any]]] = []
    skipped = 0
    for pos, (line, row) in enumerate(iter_rows(samples)):
        if pos % shard[1] != shard[0]:
            continue
        if row_key(row, line) in done:
            skipped += 1
            continue
        todo.append((line, row))
    truncated_before = scorer.truncated
    written = 0
    bar = None
    if progress and todo:
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("scoring", total=len(todo))
    try:
        with JsonlAppender(out) as sink:
            for start in range(0, len(todo), rows_per_chunk):
                chunk = todo[start:start + rows_per_chunk]
                rewards = scorer.score_rows([r for _, r in chunk], path=samples, first_line=chunk[0][0])
                for (line, row), rw in zip(chunk, rewards, strict=True):
                    rec = {**row, "rewards": rw}
                    if row.get("id") is None:
                        rec["_line"] = line
                    sink.write(rec)
                    written += 1
                if bar is not None:
                    bar.update(task, advance=len(chunk))
    finally:
        if bar is not None:
            bar.stop()
    return {"rows_written": written, "rows_skipped_already_scored": skipped,
            "responses_scored": sum(len(r.get("responses") or []) for _, r in todo),
            "truncated": scorer.truncated - truncated_before}
