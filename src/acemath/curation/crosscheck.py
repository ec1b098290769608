"""``curate crosscheck``: keep a prompt when two samples of teacher B agree with each other and with
teacher A's answer (PAPER.md 3.4: GPT-4o-mini twice, then Qwen2.5-Math-72B-Instruct). Kept rows are
teacher A's rows (its solution text) with the agreement recorded.

Answers are compared with ``acemath.grading.answers_equivalent`` (imported lazily) unless another
equivalence is given; ``exact`` compares normalised strings. Memory: B's answers keyed by a 64-bit
prompt digest (about 200 bytes a prompt); A is streamed.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from acemath.curation.stream import StepOutput, clip, get_prompt, resolve_input, row_id, stream_rows
from acemath.curation.text import dedup_key, hash64
from acemath.errors import ConfigError

Equivalence = Callable[[str, str], bool]


def exact_equivalent(a: str, b: str) -> bool:
    """Normalised string equality (spaces, ``$`` and thin spaces ignored; ``2.0`` equals ``2``)."""
    def norm(x: str) -> str:
        x = re.sub(r"\s+|\$|\\[!,;]", "", x.strip())
        x = re.sub(r"^\\text\{(.*)\}$", r"\1", x)
        return re.sub(r"^(-?\d+)\.0+$", r"\1", x)
    return norm(a) == norm(b)


def resolve_equivalence(name: str = "auto") -> tuple[Equivalence, str]:
    """``grader`` (acemath.grading.answers_equivalent), ``exact``, or ``auto`` (grader if installed)."""
    if name in ("grader", "auto"):
        try:
            from acemath.grading import answers_equivalent  # type: ignore[attr-defined]
        except ImportError:
            if name == "grader":
                raise ConfigError("acemath.grading.answers_equivalent is not available; use --equivalence exact") from None
            return exact_equivalent, "exact"
        return answers_equivalent, "grader"
    if name == "exact":
        return exact_equivalent, "exact"
    raise ConfigError(f"unknown equivalence {name!r}: use auto, grader or exact")


def _answers(row: Mapping[str, Any]) -> list[str | None]:
    if isinstance(row.get("answers"), list):
        return [None if a is None else str(a) for a in row["answers"]]
    a = row.get("answer")
    return [None if a is None else str(a)]


def crosscheck(a_path: str | os.PathLike[str], b_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
               equivalence: Equivalence | None = None, equivalence_name: str = "custom", field: str | None = None,
               source_field: str = "source", config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if equivalence is None:
        equivalence, equivalence_name = resolve_equivalence("auto")
    a_src, b_src = resolve_input(a_path), resolve_input(b_path)
    b: dict[int, tuple[str | None, ...]] = {}
    b_teacher: Any = None
    for line, row, _ in stream_rows(b_src):
        prompt = get_prompt(row, field, path=str(b_src), line=line)
        b[hash64(dedup_key(prompt))] = tuple(_answers(row))
        b_teacher = b_teacher or row.get("teacher")
    out = StepOutput(out_dir, "crosscheck", "crosschecked.jsonl")
    stats: dict[str, Counter[str]] = defaultdict(Counter)
    for line, row, _ in stream_rows(a_src):
        out.rows_in += 1
        prompt = get_prompt(row, field, path=str(a_src), line=line)
        source = str(row.get(source_field) or "unknown")
        st = stats[source]
        st["prompts"] += 1
        a_ans = _answers(row)[0]
        bs = b.get(hash64(dedup_key(prompt)))
        rec = {"id": row_id(row, prompt), "line": line, "source": source, "prompt": clip(prompt), "a_answer": a_ans,
               "b_answers": list(bs) if bs else None}
        if bs is None:
            reason = "missing_in_b"
        elif len(bs) < 2:
            reason = "b_has_fewer_than_2_samples"
        elif a_ans is None or None in bs[:2]:
            reason = "no_answer"
        elif not _safe_eq(equivalence, bs[0], bs[1]):
            reason = "b_samples_disagree"
        elif not _safe_eq(equivalence, a_ans, bs[0]):
            st["b_self_agree"] += 1
            reason = "a_disagrees_with_b"
        else:
            st["b_self_agree"] += 1
            st["kept"] += 1
            out.keep({**row, "crosscheck": {"b_answers": list(bs[:2]), "b_teacher": b_teacher,
                                            "equivalence": equivalence_name}})
            continue
        st[reason] += 1
        out.drop(reason, rec)
    by_source = {s: {"prompts": c["prompts"], "b_self_agree": c["b_self_agree"], "kept": c["kept"],
                     "agreement_rate": round(c["kept"] / c["prompts"], 4) if c["prompts"] else None,
                     **{k: v for k, v in c.items() if k not in ("prompts", "b_self_agree", "kept")}}
                 for s, c in sorted(stats.items())}
    md = ["| source | prompts | B agrees with itself | all agree (kept) | agreement |", "|---|---:|---:|---:|---:|"]
    md += [f"| {s} | {v['prompts']:,} | {v['b_self_agree']:,} | {v['kept']:,} | {v['agreement_rate']:.1%} |"
           for s, v in by_source.items()]
    extra = {"teacher_a_file": str(a_src), "teacher_b_file": str(b_src), "equivalence": equivalence_name,
             "by_source": by_source}
    return out.finish(dict(config or {}), input_path=str(a_src), extra=extra, markdown=md)


def _safe_eq(eq: Equivalence, x: str | None, y: str | None) -> bool:
    if x is None or y is None:
        return False
    try:
        return bool(eq(x, y))
    except Exception:  # a grader failure is a disagreement, never a crash of a million-row run
        return False

