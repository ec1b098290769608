"""The ``vllm`` backend (GPU): ``vllm.LLM.generate`` with one ``SamplingParams`` per prompt.

vLLM is imported only when this backend is chosen (``pip install 'acemath[vllm]'``). Prompts are
rendered and tokenised by acemath (chat turns go through the model's chat template, exactly as
for the ``hf`` backend) and passed as token ids, so the recorded prompt is what the model saw.
Each prompt carries its own seed derived from ``(seed, prompt)``, so a prompt's ``n`` samples are
the same however the run is batched, sharded or resumed (vLLM's per-request seeded sampling).
This module cannot be exercised without a GPU; it follows vLLM's documented offline API:
``LLM(model, tensor_parallel_size=..., seed=..., dtype=..., trust_remote_code=...)``,
``LLM.generate(prompts, sampling_params)`` with ``{"prompt_token_ids": [...]}`` prompts, and
``RequestOutput.outputs[i].text / .token_ids / .finish_reason``.
"""

from __future__ import annotations

from typing import Any

from acemath.errors import ConfigError
from acemath.generation.base import Completion, Prompt, SamplingParams
from acemath.generation.seeding import sample_seed


class VLLMGenerator:
    name = "vllm"

    def __init__(self, model: str, *, tensor_parallel_size: int = 1, dtype: str = "auto",
                 trust_remote_code: bool = False, tokenizer: str | None = None, seed: int = 0,
                 gpu_memory_utilization: float = 0.9, max_model_len: int | None = None, **_: Any) -> None:
        try:
            from vllm import LLM
        except ImportError as exc:
            raise ConfigError("the vllm backend needs vLLM on a GPU machine: pip install 'acemath[vllm]'") from exc
        kwargs: dict[str, Any] = {"model": model, "tensor_parallel_size": int(tensor_parallel_size), "dtype": dtype,
                                  "trust_remote_code": trust_remote_code, "seed": seed,
                                  "gpu_memory_utilization": gpu_memory_utilization}
        if tokenizer:
            kwargs["tokenizer"] = tokenizer
        if max_model_len:
            kwargs["max_model_len"] = int(max_model_len)
        self.llm = LLM(**kwargs)
        self.tokenizer = self.llm.get_tokenizer()

    def prompt_text(self, prompt: Prompt) -> str:
        if isinstance(prompt, str):
            return prompt
        return str(self.tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True))

    def encode(self, text: str) -> list[int]:
        bos = getattr(self.tokenizer, "bos_token", None)
        return list(self.tokenizer(text, add_special_tokens=not (bos and text.startswith(bos)))["input_ids"])

    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        from vllm import SamplingParams as VSamplingParams

        inputs = [{"prompt_token_ids": self.encode(self.prompt_text(p))} for p in prompts]
        draws = 1 if params.greedy else params.n
        sps = [VSamplingParams(n=draws, temperature=max(params.temperature, 0.0),
                               top_p=params.top_p if not params.greedy else 1.0, max_tokens=params.max_tokens,
                               seed=sample_seed(params.seed, p), stop=list(params.stop) or None)
               for p in prompts]
        outputs = self.llm.generate(inputs, sps, use_tqdm=False)
        result: list[list[Completion]] = []
        for out in outputs:
            comps = [Completion(text=o.text, finish_reason="length" if o.finish_reason == "length" else "stop",
                                num_tokens=len(o.token_ids)) for o in out.outputs]
            if params.greedy:
                comps = [Completion(comps[0].text, comps[0].finish_reason, comps[0].num_tokens)
                         for _ in range(params.n)]
            result.append(comps)
        return result

    def close(self) -> None:
        self.llm = None
