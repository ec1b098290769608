"""The outcome reward model: a scalar head on the last real token (PAPER.md sections 3.7 and 6.4).

Loading: ``AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)`` from an SFT or
instruct checkpoint (the head is newly initialised) or from a trained RM.

Pooling. transformers' ``Qwen2ForSequenceClassification`` (``GenericForSequenceClassification`` in
transformers 5) pools at the rightmost token whose id is not ``pad_token_id``. That is wrong when the
pad token is the eos token and a sequence ends with eos (it pools one token early), and it raises
for batches when ``pad_token_id`` is unset. Left padding is wrong in a second way: Qwen2 numbers
positions 0..L-1 whatever the attention mask, so a left-padded response gets shifted positions and a
score that depends on its batch. So acemath always pads on the **right**, and reads the reward at
an index it computes itself from the attention mask (``lengths - 1``), using the per-token head
outputs captured by a forward hook on the ``score`` layer. The hook runs inside the model's own
``forward``, so DeepSpeed/FSDP wrappers see an ordinary forward call.

Input format (AceMath-RM card): system ``RM_SYSTEM_PROMPT``, user = the question, assistant = the
response, rendered by the RM tokenizer's chat template (a plain ChatML rendering when the tokenizer
has none). Over-long inputs keep their **last** ``max_length`` tokens (the end of the response,
where the reward is read) and are counted as truncated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from acemath.errors import ConfigError

RM_SYSTEM_PROMPT = "Please reason step by step, and check your final answer within \\boxed{}."


def render_rm_text(tokenizer: Any, question: str, response: str, system: str | None = RM_SYSTEM_PROMPT) -> str:
    """The RM input text: (system,) user question, assistant response via the chat template."""
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": question}, {"role": "assistant", "content": response}]
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False)
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)


def ensure_pad_token(tokenizer: Any, model: Any | None = None) -> int:
    """Give the tokenizer a pad token (eos if it has none) and mirror it into the model config."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ConfigError("the tokenizer has neither a pad nor an eos token; set one before training an RM")
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    pad_id = int(tokenizer.pad_token_id)
    if model is not None:
        model.config.pad_token_id = pad_id
    return pad_id


def load_reward_model(path: str, *, dtype: torch.dtype | str | None = None, trust_remote_code: bool = False,
                      seed: int | None = None) -> tuple[Any, Any]:
    """Load ``(model, tokenizer)`` for reward modelling; the pad token is set safely."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code)
    if seed is not None:
        torch.manual_seed(seed)  # the new head's initialisation
    kwargs: dict[str, Any] = {"num_labels": 1, "trust_remote_code": trust_remote_code}
    if dtype is not None:
        kwargs["dtype"] = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the "newly initialised score.weight" report is expected here
    try:
        model = AutoModelForSequenceClassification.from_pretrained(path, **kwargs)
    finally:
        hf_logging.set_verbosity(verbosity)
    ensure_pad_token(tokenizer, model)
    if head_module(model) is None:
        raise ConfigError(f"{type(model).__name__} has no `score` head; acemath RMs need a "
                          "*ForSequenceClassification model with a `score` linear layer")
    return model, tokenizer


def head_module(model: Any) -> torch.nn.Module | None:
    """The per-token scalar head (``score``) of a sequence-classification model, unwrapping wrappers."""
    seen = 0
    while seen < 4:
        head = getattr(model, "score", None)
        if isinstance(head, torch.nn.Module):
            return head
        model = getattr(model, "module", None)
        if model is None:
            return None
        seen += 1
    return None


@dataclass
class Encoded:
    input_ids: list[int]
    truncated: bool


def encode(tokenizer: Any, text: str, max_length: int | None) -> Encoded:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if max_length is not None and len(ids) > max_length:
        return Encoded(ids[-max_length:], True)
    return Encoded(ids, False)


def collate(seqs: Sequence[Sequence[int]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad to the longest sequence; return ``input_ids``, ``attention_mask`` and ``last_index``."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(list(s), dtype=torch.long)
        mask[i, : len(s)] = 1
    return {"input_ids": ids, "attention_mask": mask, "last_index": mask.sum(dim=1) - 1}


class ForwardCounter:
    """Counts sequences and forward calls through :func:`reward_forward` (tests and benchmarks)."""

    def __init__(self) -> None:
        self.sequences = 0
        self.calls = 0


def reward_forward(model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                   last_index: torch.Tensor | None = None, counter: ForwardCounter | None = None) -> torch.Tensor:
    """Rewards ``[B]`` read at the last real token of each right-padded row."""
    head = head_module(model)
    if head is None:
        raise ConfigError("the reward model has no `score` head")
    captured: list[torch.Tensor] = []
    handle = head.register_forward_hook(lambda _m, _i, out: captured.append(out))
    try:
        model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
    finally:
        handle.remove()
    if not captured:
        raise ConfigError("the reward model's forward did not call its `score` head")
    per_token = captured[-1]  # [B, T, 1]
    if last_index is None:
        last_index = attention_mask.sum(dim=1) - 1
    last_index = last_index.to(per_token.device)
    rows = torch.arange(per_token.shape[0], device=per_token.device)
    if counter is not None:
        counter.sequences += int(input_ids.shape[0])
        counter.calls += 1
    return per_token[rows, last_index, 0]
