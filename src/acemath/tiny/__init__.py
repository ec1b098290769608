"""Tiny models the project builds itself: a byte-level BPE tokenizer and a random Qwen2 causal LM."""

from acemath.tiny.factory import TINY_SIZES, TinyModelConfig, build_tiny_model, build_tiny_tokenizer

__all__ = ["TINY_SIZES", "TinyModelConfig", "build_tiny_model", "build_tiny_tokenizer"]
