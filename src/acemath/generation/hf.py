"""The ``hf`` backend: transformers ``generate``, batched with left padding, on CPU or GPU.

Sampling is reproducible per prompt. Each sampled row (prompt, sample j) gets its own
``torch.Generator`` seeded from ``(seed, prompt, j)`` (:mod:`acemath.generation.seeding`), and a
logits processor draws that row's next token with temperature / top-p from that generator; the
decoding itself runs in greedy mode, so it keeps exactly the drawn token. A row's samples
therefore do not depend on which other prompts share its batch, how a run is sharded, or where it
was resumed. (CPU-NOTES section 5: about 64 rows per ``generate`` call is fastest on CPU, hence
the default ``batch_size``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from acemath.errors import ConfigError
from acemath.generation.base import Completion, Prompt, SamplingParams
from acemath.generation.seeding import sample_seed


def apply_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Cut ``text`` at the earliest stop string (the stop string itself is dropped, as in OpenAI)."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def pick_device(device: str | None) -> str:
    import torch

    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_dtype(dtype: str, device: str) -> Any:
    import torch

    if dtype == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    try:
        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dtype]
    except KeyError:
        raise ConfigError(f"unknown dtype {dtype!r}; use auto, float32, bfloat16 or float16") from None


def _seeded_sampler(seeds: list[int], temperature: float, top_p: float, device: Any) -> Any:
    import torch
    from transformers import LogitsProcessor

    class SeededSampler(LogitsProcessor):
        """Draw each row's token from its own generator; return logits that make greedy pick it."""

        def __init__(self) -> None:
            self.gens = [torch.Generator().manual_seed(s) for s in seeds]

        def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
            probs = torch.softmax(scores.float() / temperature, dim=-1)
            sorted_p, order = torch.sort(probs, dim=-1, descending=True, stable=True)
            if top_p < 1.0:
                # keep the smallest prefix whose mass reaches top_p (the top token is always kept)
                drop = (sorted_p.cumsum(-1) - sorted_p) >= top_p
                sorted_p = sorted_p.masked_fill(drop, 0.0)
            cdf = sorted_p.cumsum(-1)
            u = torch.stack([torch.rand((), generator=g, dtype=torch.float64) for g in self.gens]).to(device)
            target = (u * cdf[:, -1].double()).unsqueeze(-1).to(cdf.dtype)
            pos = torch.searchsorted(cdf, target, right=True).clamp_(max=cdf.shape[-1] - 1)
            token = order.gather(-1, pos)
            out = torch.full_like(scores, float("-inf"))
            out.scatter_(-1, token, 0.0)
            return out

    return SeededSampler()


class HFGenerator:
    """``transformers`` ``generate``; ``model`` is a local directory or a hub id (offline: local only)."""

    name = "hf"

    def __init__(self, model: str, *, device: str | None = None, dtype: str = "auto", batch_size: int = 64,
                 trust_remote_code: bool = False, tokenizer: str | None = None, **_: Any) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # weight-loading bars would drown acemath's own progress
        self.device = pick_device(device)
        self.batch_size = max(1, int(batch_size))
        self.tokenizer = AutoTokenizer.from_pretrained(tokenizer or model, trust_remote_code=trust_remote_code)
        self.tokenizer.padding_side = "left"
        self.model = AutoModelForCausalLM.from_pretrained(model, dtype=resolve_dtype(dtype, self.device),
                                                          trust_remote_code=trust_remote_code)
        self.model.to(self.device).eval()
        gc = self.model.generation_config
        eos = gc.eos_token_id if gc.eos_token_id is not None else self.tokenizer.eos_token_id
        self.eos_ids: list[int] = [int(e) for e in (eos if isinstance(eos, list) else [eos]) if e is not None]
        if not self.eos_ids:
            raise ConfigError(f"model {model!r} defines no eos token; generation could not stop")
        pad = self.tokenizer.pad_token_id
        self.input_pad_id = int(pad) if pad is not None else self.eos_ids[0]
        self._torch = torch

    # -- prompt handling ----------------------------------------------------------------------
    def prompt_text(self, prompt: Prompt) -> str:
        if isinstance(prompt, str):
            return prompt
        return str(self.tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True))

    def encode(self, text: str) -> list[int]:
        """Token ids; the tokenizer's BOS is added unless the (chat-rendered) text already starts with it."""
        bos = getattr(self.tokenizer, "bos_token", None)
        add_special = not (bos and text.startswith(bos))
        return list(self.tokenizer(text, add_special_tokens=add_special)["input_ids"])

    # -- generation ---------------------------------------------------------------------------
    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        texts = [self.prompt_text(p) for p in prompts]
        ids = [self.encode(t) for t in texts]
        draws = 1 if params.greedy else params.n
        rows = [(i, j) for i in range(len(prompts)) for j in range(draws)]
        rows.sort(key=lambda r: -len(ids[r[0]]))  # less padding; results do not depend on batching
        results: dict[tuple[int, int], Completion] = {}
        for start in range(0, len(rows), self.batch_size):
            chunk = rows[start:start + self.batch_size]
            seeds = [sample_seed(params.seed, prompts[i], j) for i, j in chunk]
            for key, comp in zip(chunk, self._generate_rows([ids[i] for i, _ in chunk], seeds, params), strict=True):
                results[key] = comp
        out: list[list[Completion]] = []
        for i in range(len(prompts)):
            if params.greedy:
                c = results[(i, 0)]
                out.append([Completion(c.text, c.finish_reason, c.num_tokens) for _ in range(params.n)])
            else:
                out.append([results[(i, j)] for j in range(params.n)])
        return out

    def _generate_rows(self, batch_ids: list[list[int]], seeds: list[int], params: SamplingParams) -> list[Completion]:
        torch = self._torch
        from transformers import GenerationConfig, LogitsProcessorList

        width = max(len(x) for x in batch_ids)
        input_ids = torch.full((len(batch_ids), width), self.input_pad_id, dtype=torch.long)
        attention = torch.zeros((len(batch_ids), width), dtype=torch.long)
        for r, x in enumerate(batch_ids):
            if x:
                input_ids[r, width - len(x):] = torch.tensor(x, dtype=torch.long)
                attention[r, width - len(x):] = 1
        # finished rows are padded with eos, so "first eos" marks the end of every row
        # never run past the model's position table (a tiny model has 1024 positions); such rows end "length"
        limit = getattr(self.model.config, "max_position_embeddings", None)
        max_new = max(1, min(params.max_tokens, limit - width)) if limit else params.max_tokens
        cfg = GenerationConfig(max_new_tokens=max_new, do_sample=False, num_beams=1, use_cache=True,
                               eos_token_id=self.eos_ids, pad_token_id=self.eos_ids[0],
                               stop_strings=list(params.stop) or None)
        processors = LogitsProcessorList()
        if not params.greedy:
            processors.append(_seeded_sampler(seeds, params.temperature, params.top_p, self.device))
        with torch.inference_mode():
            out = self.model.generate(input_ids=input_ids.to(self.device), attention_mask=attention.to(self.device),
                                      generation_config=cfg, logits_processor=processors,
                                      tokenizer=self.tokenizer if params.stop else None)
        gen = out[:, width:].tolist()
        eos = set(self.eos_ids)
        comps = []
        for toks in gen:
            end = next((k for k, t in enumerate(toks) if t in eos), None)
            body = toks if end is None else toks[:end]
            text = self.tokenizer.decode(body, skip_special_tokens=True)
            text, stopped = apply_stop(text, params.stop)
            if end is not None or stopped:
                reason, n_tok = "stop", (len(body) + (1 if end is not None else 0))
            else:
                reason, n_tok = ("length" if len(toks) >= max_new else "stop"), len(toks)
            comps.append(Completion(text=text, finish_reason=reason, num_tokens=n_tok))
        return comps

    def close(self) -> None:
        self.model = None
