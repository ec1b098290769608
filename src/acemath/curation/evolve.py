"""``curate evolve``: in-breadth and in-depth prompt evolution (PAPER.md 3.2, Appendix C).

The templates are reproduced exactly; ``{given_math_question}`` is the seed question. The in-depth
"add constraints" variant is excluded by default, as in the paper (it tends to make unsolvable or
overly hard questions). Evolved prompts over 300 words are dropped. Works through any
:class:`acemath.generation.base.Generator`; resumable (rerun the same command).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from acemath.curation.stream import StepOutput, clip, get_prompt, resolve_input, row_id, stream_rows
from acemath.curation.text import dedup_key, word_count
from acemath.errors import InputError
from acemath.generation.base import Generator, SamplingParams

IN_BREADTH = (
    "You are a good math question creator.\n\n"
    "Your objective is to draw inspiration from the #Given MATH Question# to create a brand new math question. "
    "This new math question should be distinctly different from the #Given MATH Question# and be even more unique.\n\n"
    "The length and difficulty level of the #Created MATH Question# should be similar to those of the "
    "#Given MATH Question#.\n\n"
    "The #Created MATH Question# must be solvable and understandable by humans. "
    "#Given MATH Question#: {given_math_question} #Created MATH Question#:"
)
IN_DEPTH = (
    "You are a good math question creator. Your objective is to draw inspiration from the #Given MATH Question# "
    "to create a brand new math question. This new math question should be more complex and challenging than the "
    "#Given MATH Question#. The #Created MATH Question# must be solvable and understandable by humans. "
    "#Given MATH Question#: {given_math_question} #Created MATH Question#:"
)
ADD_CONSTRAINTS = (
    "You are a good math question creator. Your objective is to rewrite the #Given MATH Question# into a brand new "
    "but more complex version. You can complicate the #Given MATH Question# by introducing additional constraints "
    "and requirements. The #Created MATH Question# must be solvable and understandable by humans. "
    "#Given MATH Question#: {given_math_question} #Created MATH Question#:"
)
TEMPLATES = {"breadth": IN_BREADTH, "depth": IN_DEPTH, "constraints": ADD_CONSTRAINTS}
DEFAULT_STRATEGIES = ("breadth", "depth")
MAX_PROMPT_WORDS = 300
_LABEL = re.compile(r"^\s*(?:\*\*)?#?\s*Created MATH Question\s*#?\s*(?:\*\*)?\s*:?\s*", re.I)


def render(strategy: str, question: str) -> str:
    """The evolution prompt for ``question`` (plain substitution: questions may contain braces)."""
    return TEMPLATES[strategy].replace("{given_math_question}", question)


def clean_output(text: str) -> str:
    """The created question: a leading ``#Created MATH Question#:`` label and outer quotes removed."""
    text = _LABEL.sub("", text.strip()).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def evolve(input_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], generator: Generator, *,
           strategies: Sequence[str] = DEFAULT_STRATEGIES, params: SamplingParams | None = None,
           max_words: int = MAX_PROMPT_WORDS, batch_size: int = 32, field: str | None = None,
           config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    for s in strategies:
        if s not in TEMPLATES:
            raise InputError(f"unknown evolution strategy {s!r}: use {', '.join(TEMPLATES)}")
    params = params or SamplingParams(n=1, temperature=0.7, top_p=0.95, max_tokens=1024)
    src = resolve_input(input_path)
    out = StepOutput(out_dir, "evolve", "prompts.jsonl", resume=True)
    done = out.done_ids()
    by_strategy: Counter[str] = Counter()
    pending: list[tuple[str, str, str, int]] = []  # (seed id, seed prompt, strategy, line)

    def flush() -> None:
        msgs = [[{"role": "user", "content": render(s, q)}] for _, q, s, _ in pending]
        results = generator.generate(msgs, params)  # type: ignore[arg-type]
        for (sid, seed, strategy, line), comps in zip(pending, results, strict=True):
            for k, c in enumerate(comps):
                rid = f"{sid}-{strategy}-{k}"
                if rid in done:
                    continue
                new = clean_output(c.text)
                rec = {"id": rid, "line": line, "seed_id": sid, "strategy": strategy}
                if c.finish_reason == "error":
                    out.drop("generation_error", rec)
                elif c.finish_reason == "length":
                    out.drop("truncated", {**rec, "prompt": clip(new)})
                elif not new:
                    out.drop("empty", rec)
                elif word_count(new) > max_words:
                    out.drop(f"over_{max_words}_words", {**rec, "words": word_count(new), "prompt": clip(new)})
                elif dedup_key(new) == dedup_key(seed):
                    out.drop("same_as_seed", {**rec, "prompt": clip(new)})
                else:
                    by_strategy[strategy] += 1
                    out.keep({"id": rid, "prompt": new, "source": "evolved", "strategy": strategy, "seed_id": sid,
                              "seed_prompt": seed, "generator": generator.name, "sampling": params.to_dict()})
        out.sync()
        pending.clear()

    for line, row, _ in stream_rows(src):
        out.rows_in += 1
        seed = get_prompt(row, field, path=str(src), line=line)
        sid = row_id(row, seed)
        for s in strategies:
            if all(f"{sid}-{s}-{k}" in done for k in range(params.n)):
                continue
            pending.append((sid, seed, s, line))
        if len(pending) >= batch_size:
            flush()
    if pending:
        flush()
    md = ["| strategy | kept this run |", "|---|---:|"] + [f"| {s} | {c:,} |" for s, c in sorted(by_strategy.items())]
    extra = {"strategies": list(strategies), "generator": generator.name, "sampling": params.to_dict(),
             "max_words": max_words, "kept_this_run_by_strategy": dict(by_strategy)}
    return out.finish(dict(config or {}), input_path=str(src), extra=extra, markdown=md)
