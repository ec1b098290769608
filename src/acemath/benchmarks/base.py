"""Benchmark specs and loaders. Each spec knows its answer convention (``to_problem``)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from acemath.errors import InputError
from acemath.grading.boxed import last_boxed
from acemath.io import iter_rows
from acemath.registry import did_you_mean

DATA_DIR_ENV = "ACEMATH_DATA_DIR"


@dataclass
class Problem:
    """One benchmark problem. ``gold`` is the reference final answer as text.

    ``choices`` holds multiple-choice options (gold is then a letter). ``meta`` keeps what a grader
    or report may need: OlympiadBench's answer list and unit, subject, level, source row.
    """

    id: str
    benchmark: str
    question: str
    gold: str
    choices: list[str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["choices"] is None:
            del d["choices"]
        return d

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Problem:
        return cls(id=str(row["id"]), benchmark=str(row.get("benchmark", "")), question=str(row["question"]),
                   gold=str(row["gold"]), choices=row.get("choices"), meta=dict(row.get("meta") or {}))


RowFn = Callable[[dict[str, Any], int], tuple[str, str, str, list[str] | None, dict[str, Any]]]


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str
    title: str
    size: int
    hub_id: str
    hub_split: str
    to_problem: RowFn
    hub_config: str | None = None
    multiple_choice: bool = False
    in_paper_average: bool = True
    hub_filter: Callable[[dict[str, Any]], bool] | None = None


def _strip_dollars(s: Any) -> str:
    s = str(s).strip()
    while len(s) >= 2 and s.startswith("$") and s.endswith("$"):
        s = s[1:-1].strip()
    return s


def _num_text(x: Any) -> str:
    """AMC stores answers as floats (27.0); keep integers integral."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x).strip()


def _q(row: dict[str, Any], *keys: str) -> str:
    for k in keys:
        if row.get(k):
            return str(row[k])
    raise KeyError(keys[0])


def _gsm8k(row, i):
    ans = str(row["answer"])
    if "####" not in ans:
        raise KeyError("answer (no '####' marker)")
    gold = ans.split("####")[-1].strip().replace(",", "")
    return str(row.get("idx", i)), _q(row, "question"), gold, None, {}


def _math(row, i):
    gold = row.get("answer")
    if gold in (None, ""):
        gold = last_boxed(str(row.get("solution", "")))
        if gold is None:
            raise KeyError("answer (and no \\boxed{} in solution)")
    meta = {k: row[k] for k in ("subject", "level", "type") if k in row}
    return str(row.get("unique_id", row.get("idx", i))), _q(row, "problem", "question"), str(gold), None, meta


def _minerva(row, i):
    gold = last_boxed(str(row.get("solution", "")))
    if gold is None:
        raise KeyError("solution (no \\boxed{} answer)")
    return str(row.get("idx", i)), _q(row, "problem", "question"), gold, None, {"type": row.get("type")}


def _dollar_answer(row, i):
    meta = {k: row[k] for k in ("data_topic", "source") if k in row}
    return str(row.get("id", row.get("idx", i))), _q(row, "question", "problem"), _strip_dollars(row["answer"]), None, meta


def _olympiad(row, i):
    answers = row.get("final_answer")
    if isinstance(answers, str):
        answers = [answers]
    if not answers:
        raise KeyError("final_answer")
    # Items are "$...$"; several answers inside one item are joined by "$,$".
    answers = [part.strip().strip("$").strip() for a in answers for part in re.split(r"\$\s*,\s*\$", str(a))]
    meta = {
        "answers": answers,
        "is_multiple_answer": bool(row.get("is_multiple_answer")),
        "unit": row.get("unit") or None,
        "answer_type": row.get("answer_type"),
    }
    question = _q(row, "question")
    if row.get("context"):
        question = f"{row['context']}\n{question}"
    return str(row.get("id", i)), question, ", ".join(answers), None, meta


def _mmlu(row, i):
    choices = [str(c) for c in row["choices"]]
    ans = row["answer"]
    if isinstance(ans, str) and ans.strip().upper() in "ABCDEFGHIJ" and len(ans.strip()) == 1:
        letter = ans.strip().upper()
    else:
        idx = int(ans)
        if not 0 <= idx < len(choices):
            raise KeyError("answer (index out of range)")
        letter = "ABCDEFGHIJ"[idx]
    return str(row.get("id", i)), _q(row, "question"), letter, choices, {"subject": row.get("type") or row.get("subject")}


def _plain_answer(row, i):
    return str(row.get("id", i)), _q(row, "problem", "question"), _num_text(row["answer"]), None, {}


BENCHMARKS: dict[str, BenchmarkSpec] = {
    s.name: s
    for s in [
        BenchmarkSpec("gsm8k", "GSM8K", 1319, "openai/gsm8k", "test", _gsm8k, hub_config="main"),
        BenchmarkSpec("math", "MATH", 5000, "nlile/hendrycks-MATH-benchmark", "test", _math),
        BenchmarkSpec("math500", "MATH500", 500, "HuggingFaceH4/MATH-500", "test", _math, in_paper_average=False),
        BenchmarkSpec("minerva_math", "Minerva Math", 272, "math-ai/minervamath", "test", _minerva),
        BenchmarkSpec("gaokao2023en", "GaoKao 2023 En", 385, "MARIO-Math-Reasoning/Gaokao2023-Math-En", "test", _dollar_answer),
        BenchmarkSpec("olympiadbench", "Olympiad Bench", 675, "Hothan/OlympiadBench", "train", _olympiad,
                      hub_config="OE_TO_maths_en_COMP"),
        BenchmarkSpec("college_math", "College Math", 2818, "di-zhang-fdu/College_Math_Test", "test", _dollar_answer),
        BenchmarkSpec("mmlu_stem", "MMLU STEM", 3018, "TIGER-Lab/MMLU-STEM", "test", _mmlu, multiple_choice=True),
        BenchmarkSpec("aime24", "AIME 2024", 30, "HuggingFaceH4/aime_2024", "train", _plain_answer, in_paper_average=False),
        BenchmarkSpec("amc23", "AMC 2023", 40, "AI-MO/aimo-validation-amc", "train", _plain_answer, in_paper_average=False,
                      hub_filter=lambda r: "2023" in str(r.get("url", ""))),
    ]
}

# The seven benchmarks averaged in the paper's Table 3 (AIME/AMC are reported as counts).
PAPER_BENCHMARKS = [n for n, s in BENCHMARKS.items() if s.in_paper_average and n != "math500"]


def get_benchmark(name: str) -> BenchmarkSpec:
    try:
        return BENCHMARKS[name]
    except KeyError:
        raise did_you_mean(name, BENCHMARKS, kind="benchmark") from None


def problems_from_rows(name: str, rows: Iterable[tuple[int, dict[str, Any]]], *, source: str) -> list[Problem]:
    """Turn raw rows into problems; a row missing its answer field raises naming file, line and field.

    Rows that already are acemath problems (``question`` + ``gold``) pass through unchanged, so a
    file written by acemath (or a custom benchmark in our layout) loads under any name.
    """
    spec = BENCHMARKS.get(name)
    problems: list[Problem] = []
    for line, row in rows:
        if "gold" in row and "question" in row:
            p = Problem.from_dict({**row, "id": row.get("id", line - 1)})
            p.benchmark = p.benchmark or name
            problems.append(p)
            continue
        if spec is None:
            raise InputError("rows must have 'question' and 'gold' for a benchmark outside the registry",
                             path=source, line=line)
        try:
            pid, question, gold, choices, meta = spec.to_problem(row, line - 1)
        except KeyError as exc:
            raise InputError(f"missing or malformed field for {name}", path=source, line=line,
                             field=str(exc.args[0])) from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"malformed row for {name}: {exc}", path=source, line=line) from None
        problems.append(Problem(id=f"{name}-{pid}", benchmark=name, question=question, gold=gold,
                                choices=choices, meta={k: v for k, v in meta.items() if v is not None}))
    ids = [p.id for p in problems]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        for p in problems:  # make ids unique without losing the original
            if p.id in seen:
                p.id = f"{p.id}#{len(seen)}"
            seen.add(p.id)
    return problems


def default_data_dir() -> Path | None:
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else None


def resolve_local_file(name: str, data_dir: str | os.PathLike[str] | None) -> Path | None:
    base = Path(data_dir) if data_dir else default_data_dir()
    if base is None:
        return None
    for candidate in (base / name / "test.jsonl", base / name / "test.parquet", base / f"{name}.jsonl"):
        if candidate.exists():
            return candidate
    return None


def load_benchmark(name: str, path: str | os.PathLike[str] | None = None, *,
                   data_dir: str | os.PathLike[str] | None = None, limit: int | None = None,
                   allow_hub: bool = True) -> list[Problem]:
    """Load a benchmark's problems from a file, a data directory, or the hub (in that order)."""
    if path is None:
        path = resolve_local_file(name, data_dir)  # a local file may hold a benchmark outside the registry
    if path is None:
        spec = get_benchmark(name)
        if not allow_hub:
            raise InputError(_offline_message(spec))
        problems = _load_from_hub(spec)
        return problems[:limit] if limit else problems
    problems = problems_from_rows(name, iter_rows(path), source=str(path))
    return problems[:limit] if limit else problems


def _offline_message(spec: BenchmarkSpec) -> str:
    return (f"benchmark {spec.name!r} was not found locally and cannot be fetched from the hub "
            f"({spec.hub_id}). Point at a local copy: --data FILE (JSONL/Parquet), or --data-dir DIR / "
            f"${DATA_DIR_ENV}=DIR holding {spec.name}/test.jsonl")


def _load_from_hub(spec: BenchmarkSpec) -> list[Problem]:
    try:
        import datasets
    except ImportError:
        raise InputError(_offline_message(spec) + " (the hub path needs: pip install 'acemath[train]')") from None
    try:
        ds = datasets.load_dataset(spec.hub_id, spec.hub_config, split=spec.hub_split)
    except Exception as exc:  # offline, missing, gated: all end in the same instruction
        raise InputError(f"{_offline_message(spec)}. Hub error: {type(exc).__name__}: {str(exc)[:200]}") from None
    rows = (r for r in ds if spec.hub_filter is None or spec.hub_filter(r))
    return problems_from_rows(spec.name, ((i + 1, dict(r)) for i, r in enumerate(rows)), source=spec.hub_id)
