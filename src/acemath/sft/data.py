"""SFT data: read and mix sources, render the chat template, put labels on assistant tokens only.

Masking methods (``data.mask``):

* ``generation``: the template's ``{% generation %}`` markers through ``return_assistant_tokens_mask``
  (the mechanism behind TRL's ``assistant_only_loss``). For known hub templates without markers, TRL's
  ``get_training_chat_template`` supplies a marked, prefix-preserving copy.
* ``prefix``: render the conversation up to each assistant turn (with the generation prompt) and up to the
  end of that turn; the characters in between are the assistant's, and the tokens whose text starts there
  carry loss. Works with any prefix-preserving template.
* ``auto`` (default): ``generation`` when markers exist or TRL can supply them, else ``prefix``.

Over-long rows are truncated (keeping the start) or dropped, by choice; each case is counted, and a
truncated row left with no assistant token is dropped and counted too. Nothing is dropped silently.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from acemath.errors import ConfigError, InputError
from acemath.io import iter_rows
from acemath.sft.recipe import DataSpec, Source

ROLES = ("system", "user", "assistant")
IGNORE = -100


# ------------------------------------------------------------------------------------------------ reading


def check_messages(messages: Any, *, path: str | None, line: int | None, field_name: str = "messages"
                   ) -> list[dict[str, str]]:
    """Validate a ``messages`` list; return it as plain ``{role, content}`` dicts."""
    if not isinstance(messages, list) or not messages:
        raise InputError("expected a non-empty list of {role, content}", path=path, line=line, field=field_name)
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m or "content" not in m:
            raise InputError(f"message {i} must have role and content", path=path, line=line, field=field_name)
        role, content = m["role"], m["content"]
        if role not in ROLES:
            raise InputError(f"message {i} has role {role!r}; expected one of {', '.join(ROLES)}",
                             path=path, line=line, field=field_name)
        if not isinstance(content, str):
            raise InputError(f"message {i} content must be a string", path=path, line=line, field=field_name)
        out.append({"role": role, "content": content})
    if not any(m["role"] == "assistant" for m in out):
        raise InputError("no assistant message: nothing to train on", path=path, line=line, field=field_name)
    return out


def read_source(src: Source) -> list[list[dict[str, str]]]:
    """All conversations of a source, validated."""
    if src.path is not None:
        convs = []
        for line, row in iter_rows(src.path):
            if src.field not in row:
                raise InputError("missing required field", path=src.path, line=line, field=src.field)
            convs.append(check_messages(row[src.field], path=src.path, line=line, field_name=src.field))
        if not convs:
            raise InputError("no rows", path=src.path)
        return convs
    import datasets

    try:
        ds = datasets.load_dataset(src.hub, src.subset, split=src.split)
    except Exception as exc:  # noqa: BLE001 - hub/network/config errors all become one clear line
        raise InputError(f"cannot load hub dataset {src.hub!r} (subset {src.subset}, split {src.split}): {exc}"
                         ) from None
    if src.field not in ds.column_names:
        raise InputError(f"hub dataset has no column {src.field!r} (columns: {', '.join(ds.column_names)})",
                         path=src.hub)
    return [check_messages(m, path=src.hub, line=i + 1, field_name=src.field)
            for i, m in enumerate(ds[src.field])]


def _take(convs: list[Any], n: int, rng: random.Random) -> list[Any]:
    """``n`` rows: whole shuffled copies of the source, then a shuffled remainder (deterministic)."""
    if n <= 0 or not convs:
        return []
    out: list[Any] = []
    while len(out) + len(convs) <= n:
        order = list(range(len(convs)))
        rng.shuffle(order)
        out.extend(convs[i] for i in order)
    rest = n - len(out)
    if rest:
        out.extend(convs[i] for i in rng.sample(range(len(convs)), rest))
    return out


def source_count(src: Source, available: int, spec: DataSpec, total_weight: float) -> int:
    if src.rows is not None:
        return src.rows
    if src.fraction is not None:
        return int(round(available * src.fraction))
    if src.weight is not None:
        assert spec.total_rows is not None
        return int(round(spec.total_rows * src.weight / total_weight)) if total_weight > 0 else 0
    return available


def mix_sources(sources: Sequence[Source], spec: DataSpec, seed: int,
                reader: Callable[[Source], list[Any]] = read_source) -> tuple[list[Any], list[dict[str, Any]]]:
    """Mix sources by rows/fraction/weight, shuffle, and return the rows and per-source counts."""
    total_weight = sum(s.weight or 0.0 for s in sources)
    rows: list[Any] = []
    counts = []
    for i, src in enumerate(sources):
        convs = reader(src)
        n = source_count(src, len(convs), spec, total_weight)
        taken = _take(convs, n, random.Random(f"{seed}:{i}:{src.label}"))
        rows.extend(taken)
        counts.append({"source": src.label, "available": len(convs), "taken": len(taken)})
    random.Random(seed).shuffle(rows)
    return rows, counts


# --------------------------------------------------------------------------------------------- tokenizing


@dataclass
class Masker:
    """Turns a conversation into ``input_ids`` and a 0/1 assistant mask with the chosen method."""

    tokenizer: Any
    method: str                 # "generation" or "prefix"
    chat_template: str | None   # the template actually used

    def __call__(self, messages: list[dict[str, str]]) -> tuple[list[int], list[int]]:
        if self.method == "generation":
            out = self.tokenizer.apply_chat_template(
                messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True,
                chat_template=self.chat_template)
            ids, mask = list(out["input_ids"]), list(out["assistant_masks"])
        else:
            ids, mask = self._prefix(messages)
        if 1 not in mask:
            raise ConfigError(
                f"the chat template gave no assistant tokens (mask method {self.method!r}); with 'generation' "
                "the template needs {% generation %} markers around the assistant content, or use data.mask=prefix")
        return ids, mask

    def _render(self, messages: list[dict[str, str]], add_generation_prompt: bool = False) -> str:
        return self.tokenizer.apply_chat_template(messages, tokenize=False, chat_template=self.chat_template,
                                                  add_generation_prompt=add_generation_prompt)

    def _prefix(self, messages: list[dict[str, str]]) -> tuple[list[int], list[int]]:
        full = self._render(messages)
        spans = []
        for i, m in enumerate(messages):
            if m["role"] != "assistant":
                continue
            start_text = self._render(messages[:i], add_generation_prompt=True) if i else ""
            end_text = self._render(messages[: i + 1])
            if not full.startswith(start_text) or not full.startswith(end_text) or len(end_text) < len(start_text):
                raise ConfigError("the chat template is not prefix-preserving (rendering the first turns does not "
                                  "give a prefix of the whole conversation), so data.mask=prefix cannot find the "
                                  "assistant tokens; give a template with {% generation %} markers")
            # Whitespace the template puts after the turn (ChatML's "\n" after <|im_end|>) is not the
            # assistant's; the generation markers leave it out too.
            end = max(len(start_text), len(end_text.rstrip()))
            spans.append((len(start_text), end))
        enc = self.tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
        mask = [1 if any(s <= a < e for s, e in spans) else 0 for a, _ in enc["offset_mapping"]]
        return list(enc["input_ids"]), mask


def make_masker(tokenizer: Any, method: str = "auto") -> Masker:
    """Choose the masking method for this tokenizer (see the module docstring)."""
    template = tokenizer.chat_template
    if isinstance(template, dict):
        template = template.get("default")
    if not template:
        raise ConfigError("the tokenizer has no chat template; set chat_template: FILE.jinja in the recipe")
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    if method == "prefix":
        return Masker(tokenizer, "prefix", template)
    if has_generation_markers(template):
        return Masker(tokenizer, "generation", template)
    try:
        patched = get_training_chat_template(tokenizer)
    except ValueError:
        patched = None
    if patched:
        return Masker(tokenizer, "generation", patched)
    if method == "generation":
        raise ConfigError("the chat template has no {% generation %} markers and TRL has no training template "
                          "for it; add the markers (chat_template: FILE) or use data.mask=prefix")
    return Masker(tokenizer, "prefix", template)


@dataclass
class TokenStats:
    rows: int = 0
    kept: int = 0
    truncated: int = 0
    dropped_overlong: int = 0
    dropped_no_loss_after_truncation: int = 0
    tokens: int = 0
    loss_tokens: int = 0
    max_length: int = 0
    mask_method: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.kept}/{self.rows} rows kept, {self.truncated} truncated, {self.dropped_overlong} dropped "
                f"as over-long, {self.dropped_no_loss_after_truncation} dropped with no assistant token left "
                f"after truncation (max_length {self.max_length}); {self.tokens} tokens, {self.loss_tokens} "
                f"carry loss; mask: {self.mask_method}")


def encode(messages: list[dict[str, str]], masker: Masker, max_length: int, overlong: str
           ) -> tuple[dict[str, list[int]] | None, str]:
    """One conversation -> ``{input_ids, labels}`` (or None) and its status: ok/truncated/dropped_*."""
    ids, mask = masker(messages)
    status = "ok"
    if len(ids) > max_length:
        if overlong == "drop":
            return None, "dropped_overlong"
        ids, mask = ids[:max_length], mask[:max_length]
        status = "truncated"
        if 1 not in mask:
            return None, "dropped_no_loss_after_truncation"
    labels = [t if m else IGNORE for t, m in zip(ids, mask, strict=True)]
    return {"input_ids": ids, "labels": labels}, status


def tokenize_conversations(convs: Sequence[list[dict[str, str]]], masker: Masker, spec: DataSpec
                           ) -> tuple[list[dict[str, list[int]]], TokenStats]:
    stats = TokenStats(rows=len(convs), max_length=spec.max_length, mask_method=masker.method)
    out = []
    for messages in convs:
        row, status = encode(messages, masker, spec.max_length, spec.overlong)
        if status != "ok":
            setattr(stats, status, getattr(stats, status) + 1)
        if row is None:
            continue
        out.append(row)
        stats.kept += 1
        stats.tokens += len(row["input_ids"])
        stats.loss_tokens += sum(1 for t in row["labels"] if t != IGNORE)
    return out, stats


@dataclass
class StageData:
    train: list[dict[str, list[int]]]
    eval: list[dict[str, list[int]]]
    train_stats: TokenStats
    eval_stats: TokenStats | None


def build_stage_data(spec: DataSpec, masker: Masker, seed: int,
                     reader: Callable[[Source], list[Any]] = read_source) -> StageData:
    """Mix, split off the held-out rows, tokenize and count."""
    convs, counts = mix_sources(spec.sources, spec, seed, reader)
    eval_convs: list[Any] = []
    if spec.eval_sources:
        eval_convs, _ = mix_sources(spec.eval_sources, spec, seed + 1, reader)
    elif spec.eval_rows > 0:
        if spec.eval_rows >= len(convs):
            raise ConfigError(f"data.eval_rows {spec.eval_rows} leaves no training rows (the mixture has {len(convs)})")
        eval_convs, convs = convs[: spec.eval_rows], convs[spec.eval_rows:]
    train, stats = tokenize_conversations(convs, masker, spec)
    stats.sources = counts
    if not train:
        raise ConfigError(f"no training rows left: {stats.line()}")
    ev, ev_stats = (tokenize_conversations(eval_convs, masker, spec) if eval_convs else ([], None))
    return StageData(train, ev, stats, ev_stats)


def steps_per_epoch(n_rows: int, global_batch: int) -> int:
    return max(1, math.ceil(n_rows / global_batch))
