"""Build a tiny tokenizer and a randomly initialised Qwen2 causal LM that load like hub models.

Sizes follow CPU-NOTES section 3 (``s`` is the quick-start default). The tokenizer is byte-level
BPE with each digit its own token (as in Qwen), ChatML special tokens, and a Qwen-style chat
template whose assistant content (including ``<|im_end|>``) sits inside ``{% generation %}`` so
``return_assistant_tokens_mask`` / TRL's ``assistant_only_loss`` work.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from acemath.tiny.corpus import tokenizer_corpus

PAD, IM_START, IM_END = "<|endoftext|>", "<|im_start|>", "<|im_end|>"

CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}{% generation %}{{- message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


@dataclass(frozen=True)
class TinyModelConfig:
    hidden_size: int = 128
    num_hidden_layers: int = 2
    intermediate_size: int = 512
    num_attention_heads: int = 4
    max_position_embeddings: int = 1024
    vocab_size: int = 1024


TINY_SIZES: dict[str, TinyModelConfig] = {
    "xs": TinyModelConfig(64, 2, 256),
    "s": TinyModelConfig(128, 2, 512),
    "m": TinyModelConfig(128, 4, 512),
    "l": TinyModelConfig(256, 4, 1024),
}


def build_tiny_tokenizer(vocab_size: int = 1024, corpus: list[str] | None = None, seed: int = 0):
    """Train a byte-level BPE tokenizer and wrap it as a ``PreTrainedTokenizerFast``."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\d"), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[PAD, IM_START, IM_END],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tok.train_from_iterator(corpus if corpus is not None else tokenizer_corpus(seed=seed), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token=PAD, eos_token=IM_END, unk_token=None, bos_token=None,
        additional_special_tokens=[IM_START, IM_END], model_max_length=1024, padding_side="left",
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_tiny_model(out_dir: str | Path, size: str | TinyModelConfig = "s", *, seed: int = 0,
                     vocab_size: int = 1024, corpus: list[str] | None = None, tokenizer: Any = None) -> Path:
    """Save a tokenizer and a random-init ``Qwen2ForCausalLM`` to ``out_dir``; return the path.

    The directory loads with ``AutoTokenizer.from_pretrained`` / ``AutoModelForCausalLM.from_pretrained``.
    """
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    cfg = TINY_SIZES[size] if isinstance(size, str) else size
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer if tokenizer is not None else build_tiny_tokenizer(vocab_size, corpus, seed)
    pad_id, eos_id = tok.convert_tokens_to_ids(PAD), tok.convert_tokens_to_ids(IM_END)
    config = Qwen2Config(
        vocab_size=len(tok), hidden_size=cfg.hidden_size, num_hidden_layers=cfg.num_hidden_layers,
        intermediate_size=cfg.intermediate_size, num_attention_heads=cfg.num_attention_heads,
        num_key_value_heads=cfg.num_attention_heads, max_position_embeddings=cfg.max_position_embeddings,
        tie_word_embeddings=True, eos_token_id=eos_id, pad_token_id=pad_id, bos_token_id=None,
        use_sliding_window=False,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = eos_id
    model.generation_config.pad_token_id = pad_id
    model.generation_config.bos_token_id = None
    model.save_pretrained(out)
    tok.save_pretrained(out)
    meta = {"size": asdict(cfg), "seed": seed, "params": sum(p.numel() for p in model.parameters()),
            "vocab_size": len(tok)}
    (out / "acemath_tiny.json").write_text(json.dumps(meta, indent=2) + "\n")
    return out
