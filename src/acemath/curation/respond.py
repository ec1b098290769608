r"""``curate respond``: teacher responses with the ``\boxed{}`` instruction, and the paper's filters
(PAPER.md 3.3): the response ends with a boxed answer, has at most 2,500 words, and shows no
degenerate repetition. A prompt is kept when all its ``n`` samples pass; otherwise it is dropped
(response and prompt together, as in the paper) with the first failing reason.

The repetition detector (the paper does not give one) flags either of:

* a looping tail: the last ``L = max(5p, 200)`` characters have period ``p`` for some ``p <= 400``
  (a unit of text repeated at least 5 times, covering at least 200 characters, up to the end);
* repeated n-grams: over 50% of the word 8-grams are repeats of earlier ones (texts of 60+ words).

Each row records the teacher (backend name and model) and the sampling parameters.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from typing import Any

from acemath.curation.stream import StepOutput, clip, get_prompt, resolve_input, row_id, stream_rows
from acemath.curation.text import word_count
from acemath.generation.base import Generator, SamplingParams
from acemath.grading.boxed import boxed_contents, last_boxed

BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
MAX_RESPONSE_WORDS = 2500
TAIL_CHARS_AFTER_BOX = 200


def looping_tail(text: str, max_period: int = 400, min_repeats: int = 5, min_span: int = 200) -> bool:
    t = text.rstrip()[-(max_period * min_repeats + min_span):]
    for p in range(1, max_period + 1):
        span = max(min_repeats * p, min_span)
        if span > len(t):
            break
        if t[-span:-p] == t[-span + p:]:
            return True
    return False


def repeated_ngram_ratio(text: str, n: int = 8) -> float:
    w = text.split()
    total = len(w) - n + 1
    if total <= 0:
        return 0.0
    return 1.0 - len({tuple(w[i: i + n]) for i in range(total)}) / total


def is_degenerate(text: str) -> bool:
    return looping_tail(text) or (word_count(text) >= 60 and repeated_ngram_ratio(text) > 0.5)


def ends_with_boxed(text: str, tail_chars: int = TAIL_CHARS_AFTER_BOX) -> bool:
    """A ``\\boxed{}`` answer is present and at most ``tail_chars`` characters follow its close."""
    if not boxed_contents(text):
        return False
    i = text.rfind("\\boxed")
    j = text.find("{", i)
    depth = 0
    while j < len(text):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        j += 1
        if depth == 0:
            break
    return len(text) - j <= tail_chars


def check_response(text: str, finish_reason: str = "stop", max_words: int = MAX_RESPONSE_WORDS) -> str | None:
    """Why a response fails the filters (``None`` when it passes)."""
    if finish_reason == "error":
        return "generation_error"
    if is_degenerate(text):
        return "repetition"
    if finish_reason == "length":
        return "truncated"
    if word_count(text) > max_words:
        return f"over_{max_words}_words"
    if not ends_with_boxed(text):
        return "no_boxed_answer"
    return None


def respond(input_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], generator: Generator, *,
            params: SamplingParams | None = None, model: str | None = None, max_words: int = MAX_RESPONSE_WORDS,
            instruction: str = BOXED_INSTRUCTION, batch_size: int = 32, field: str | None = None,
            config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    params = params or SamplingParams()
    if params.n > 1 and params.greedy:
        # greedy decoding returns one response n times: a cross-check on such "samples" always agrees with itself
        raise ValueError(f"respond: n={params.n} samples at temperature {params.temperature} are one greedy response "
                         f"repeated; sample them (temperature > 0) or ask for n=1")
    src = resolve_input(input_path)
    out = StepOutput(out_dir, "respond", "responses.jsonl", resume=True)
    done = out.done_ids()
    sample_fail: Counter[str] = Counter()
    teacher = {"backend": generator.name, "model": model}
    pending: list[tuple[int, dict[str, Any], str, str]] = []

    def flush() -> None:
        msgs = [[{"role": "user", "content": f"{p}\n{instruction}" if instruction else p}] for _, _, p, _ in pending]
        results = generator.generate(msgs, params)  # type: ignore[arg-type]
        for (line, row, prompt, rid), comps in zip(pending, results, strict=True):
            reasons = [check_response(c.text, c.finish_reason, max_words) for c in comps]
            sample_fail.update(r for r in reasons if r)
            bad = next((r for r in reasons if r), None)
            if bad is not None:
                k = reasons.index(bad)
                out.drop(bad, {"id": rid, "line": line, "prompt": clip(prompt), "sample": k,
                               "response_tail": clip(comps[k].text[-200:], 200), "teacher": teacher})
                continue
            answers = [last_boxed(c.text) for c in comps]
            out.keep({**row, "id": rid, "prompt": prompt, "response": comps[0].text, "answer": answers[0],
                      "responses": [c.text for c in comps], "answers": answers,
                      "finish_reasons": [c.finish_reason for c in comps], "num_tokens": [c.num_tokens for c in comps],
                      "teacher": teacher, "sampling": params.to_dict(), "instruction": instruction})
        out.sync()
        pending.clear()

    for line, row, _ in stream_rows(src):
        out.rows_in += 1
        prompt = get_prompt(row, field, path=str(src), line=line)
        rid = row_id(row, prompt)
        if rid in done:
            continue
        pending.append((line, row, prompt, rid))
        if len(pending) >= batch_size:
            flush()
    if pending:
        flush()
    md = ["| failed samples (this run) | count |", "|---|---:|"] + [f"| {r} | {c:,} |" for r, c in sample_fail.most_common()]
    extra = {"teacher": teacher, "sampling": params.to_dict(), "instruction": instruction, "max_words": max_words,
             "failed_samples_this_run": dict(sample_fail)}
    return out.finish(dict(config or {}), input_path=str(src), extra=extra, markdown=md)
