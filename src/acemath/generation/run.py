"""The generate stage: problems -> one sample row per problem, appended as problems finish.

Crash safety and resume: rows are written whole through :class:`acemath.io.JsonlAppender` (one
``write`` + ``flush`` + ``fsync`` each), and a killed run leaves at most a partial last line, which
readers skip and the appender cuts off. A rerun of the same command reads ``OUT``, skips every
problem that already has its row, and generates only the rest, so no sample is lost or duplicated.
``OUT.run.json`` records the config; rerunning into an ``OUT`` made with a different config
(model, backend, n, temperature, top_p, seed, max_tokens, stop, prompt preset, shard) is refused.

Sample row layout (docs/architecture.md): the problem's fields, then ``index`` (position in the
benchmark after ``--limit``), ``prompt`` (rendered text; ``None`` when an OpenAI-compatible server
renders chat turns and no tokenizer is at hand), ``messages`` (chat presets), ``responses``,
``finish_reasons``, ``num_tokens``, ``sampling`` {n, temperature, top_p, seed, max_tokens, stop}
and ``generator`` {model, backend, prompt_preset}.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acemath.benchmarks import Problem, load_benchmark
from acemath.errors import ConfigError, InputError
from acemath.generation.base import Generator, Prompt, SamplingParams
from acemath.io import JsonlAppender, iter_jsonl, provenance, write_json
from acemath.prompts import PromptPreset, get_preset, messages, render

DEFAULT_BATCH = {"hf": 64, "vllm": 4096, "openai": 64, "scripted": 256}


@dataclass
class GenerateConfig:
    model: str
    benchmark: str
    data: str | None = None
    data_dir: str | None = None
    limit: int | None = None
    n: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    max_tokens: int = 2048
    stop: tuple[str, ...] = ()
    backend: str = "hf"
    prompt: str = "auto"
    shard: tuple[int, int] = (0, 1)
    batch_size: int | None = None
    backend_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ConfigError("--n must be at least 1")
        if self.temperature < 0:
            raise ConfigError("--temperature must be >= 0 (0 means greedy)")
        if not 0 < self.top_p <= 1:
            raise ConfigError("--top-p must be in (0, 1]")
        if self.max_tokens < 1:
            raise ConfigError("--max-tokens must be at least 1")
        i, k = self.shard
        if not (k >= 1 and 0 <= i < k):
            raise ConfigError(f"--shard {i}/{k}: need 0 <= i < N")

    @property
    def sampling(self) -> SamplingParams:
        return SamplingParams(n=self.n, temperature=self.temperature, top_p=self.top_p,
                              max_tokens=self.max_tokens, seed=self.seed, stop=tuple(self.stop))

    @property
    def preset(self) -> PromptPreset:
        return get_preset(self.prompt, self.benchmark)

    def identity(self) -> dict[str, Any]:
        """What must match for samples to be mixed in one file (resume) or joined (merge)."""
        return {"model": self.model, "backend": self.backend, "benchmark": self.benchmark,
                "prompt_preset": self.preset.id, **sampling_record(self.sampling),
                "shard": f"{self.shard[0]}/{self.shard[1]}"}


def sampling_record(p: SamplingParams) -> dict[str, Any]:
    return {"n": p.n, "temperature": p.temperature, "top_p": p.top_p, "seed": p.seed,
            "max_tokens": p.max_tokens, "stop": list(p.stop)}


def parse_shard(text: str) -> tuple[int, int]:
    try:
        i, k = (int(x) for x in text.split("/"))
    except ValueError:
        raise ConfigError(f"--shard {text!r}: expected i/N, e.g. 0/4") from None
    if not (k >= 1 and 0 <= i < k):
        raise ConfigError(f"--shard {text!r}: need 0 <= i < N")
    return i, k


def shard_slice(problems: list[Problem], shard: tuple[int, int]) -> list[tuple[int, Problem]]:
    """Problems of shard ``i`` of ``N`` with their benchmark index: every N-th, starting at i."""
    i, k = shard
    return [(idx, p) for idx, p in enumerate(problems) if idx % k == i]


def run_json_path(out: str | Path) -> Path:
    return Path(out).with_suffix(".run.json")


@dataclass
class GenerateSummary:
    out: Path
    total: int = 0            # problems in this shard
    skipped: int = 0          # already complete in OUT (resumed)
    generated: int = 0        # written by this run
    failed: int = 0           # problems with a failed request (not written; rerun retries)
    samples: int = 0          # samples in OUT for this shard's problems
    truncated: int = 0        # of which finish_reason == "length"
    first_prompt: str | None = None

    @property
    def truncation_rate(self) -> float:
        return self.truncated / self.samples if self.samples else 0.0

    @property
    def complete(self) -> bool:
        return self.failed == 0 and self.skipped + self.generated == self.total


def _existing_rows(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [row for _, row in iter_jsonl(out)]


def check_compatible(cfg: GenerateConfig, out: Path, rows: list[dict[str, Any]]) -> None:
    """Refuse to mix samples from different configs in one file."""
    if not rows:
        return
    want = cfg.identity()
    sources: list[tuple[str, dict[str, Any]]] = []
    rj = run_json_path(out)
    if rj.exists():
        try:
            recorded = json.loads(rj.read_text()).get("identity") or {}
        except ValueError:
            raise InputError("unreadable run record; delete it only if you know OUT's config", path=str(rj)) from None
        sources.append((str(rj), recorded))
    row = rows[0]
    from_row = {**(row.get("generator") or {}), **(row.get("sampling") or {})}
    from_row.setdefault("benchmark", row.get("benchmark"))
    sources.append((f"{out}:1", from_row))
    for where, have in sources:
        diff = [f"{k}: {have[k]!r} in OUT, {want[k]!r} now" for k in want if k in have and have[k] != want[k]]
        if diff:
            raise ConfigError(f"{out} was produced with a different config ({where}): " + "; ".join(diff)
                              + ". Write to a new -o file, or delete OUT to start over.")


def build_prompt(problem: Problem, preset: PromptPreset, backend: str, tokenizer: Any) -> tuple[Prompt, str | None,
                                                                                                 list[dict] | None]:
    """(what the backend receives, the recorded prompt text, the chat turns)."""
    msgs = messages(problem, preset)
    if msgs is None:
        text = render(problem, preset, None)
        return text, text, None
    text = render(problem, preset, tokenizer) if tokenizer is not None else None
    if backend == "openai" or text is None:
        return msgs, text, msgs  # the server applies the model's chat template
    return text, text, msgs


def load_record_tokenizer(cfg: GenerateConfig, generator: Generator) -> Any:
    tok = getattr(generator, "tokenizer", None)
    if tok is not None or not cfg.preset.is_chat:
        return tok
    source = cfg.backend_options.get("tokenizer") or (cfg.model if Path(cfg.model).is_dir() else None)
    if not source:
        return None
    try:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(source, trust_remote_code=bool(cfg.backend_options.get(
            "trust_remote_code", False)))
    except Exception:  # only used to record the prompt text; the server renders it anyway
        return None


def load_problems(cfg: GenerateConfig) -> list[Problem]:
    return load_benchmark(cfg.benchmark, cfg.data, data_dir=cfg.data_dir, limit=cfg.limit)


def run_generation(cfg: GenerateConfig, out: str | Path, *, generator: Generator | None = None,
                   problems: list[Problem] | None = None, progress: bool = True,
                   log: Callable[[str], None] | None = None) -> GenerateSummary:
    """Generate the missing rows of ``out`` for ``cfg``; safe to kill and rerun at any moment."""
    out = Path(out)
    log = log or (lambda msg: print(msg, file=sys.stderr))
    preset = cfg.preset
    problems = load_problems(cfg) if problems is None else problems
    mine = shard_slice(problems, cfg.shard)
    existing = _existing_rows(out)
    check_compatible(cfg, out, existing)
    done_ids = {str(r.get("id")) for r in existing}
    todo = [(idx, p) for idx, p in mine if p.id not in done_ids]
    summary = GenerateSummary(out=out, total=len(mine), skipped=len(mine) - len(todo))
    if summary.skipped:
        log(f"resuming {out}: {summary.skipped} of {len(mine)} problems already complete")

    owns_generator = generator is None
    if todo and generator is None:
        from acemath.generation import get_generator

        generator = get_generator(cfg.backend, cfg.model, **cfg.backend_options)
    record = provenance("generate", {**cfg.__dict__, "stop": list(cfg.stop), "shard": f"{cfg.shard[0]}/{cfg.shard[1]}"})
    record.update({"identity": cfg.identity(), "num_problems": len(problems), "num_problems_shard": len(mine)})
    prior = run_json_path(out)
    if prior.exists() and existing:
        with contextlib.suppress(ValueError):
            record["first_prompt"] = json.loads(prior.read_text()).get("first_prompt")
    write_json(run_json_path(out), record)
    try:
        if todo:
            assert generator is not None
            _generate_todo(cfg, preset, generator, todo, out, summary, record, progress, log)
    finally:
        if owns_generator and generator is not None:
            generator.close()
    _count_samples(out, {p.id for _, p in mine}, summary)
    if summary.first_prompt is None:
        summary.first_prompt = record.get("first_prompt")
    return summary


def _generate_todo(cfg: GenerateConfig, preset: PromptPreset, generator: Generator, todo: list[tuple[int, Problem]],
                   out: Path, summary: GenerateSummary, record: dict[str, Any], progress: bool,
                   log: Callable[[str], None]) -> None:
    params = cfg.sampling
    tokenizer = load_record_tokenizer(cfg, generator)
    draws = 1 if params.greedy else params.n
    rows_per_call = cfg.batch_size or DEFAULT_BATCH.get(cfg.backend, 64)
    per_call = max(1, rows_per_call // draws)
    gen_info = {"model": cfg.model, "backend": cfg.backend, "prompt_preset": preset.id}
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn(f"generate {cfg.benchmark}"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), disable=not progress, transient=False)
    with JsonlAppender(out) as appender, bar:
        task = bar.add_task("gen", total=summary.total, completed=summary.skipped)
        for start in range(0, len(todo), per_call):
            chunk = todo[start:start + per_call]
            built = [build_prompt(p, preset, cfg.backend, tokenizer) for _, p in chunk]
            if record.get("first_prompt") is None:
                first = built[0][1] if built[0][1] is not None else repr(built[0][2])
                record["first_prompt"] = first
                write_json(run_json_path(out), record)
                log(f"first prompt ({preset.id}):\n{first}")
            results = generator.generate([b[0] for b in built], params)
            for (idx, problem), (_, text, msgs), comps in zip(chunk, built, results, strict=True):
                if len(comps) != params.n or any(c.finish_reason == "error" for c in comps):
                    summary.failed += 1
                    errs = {c.extra.get("error") for c in comps if c.finish_reason == "error"}
                    log(f"problem {problem.id}: generation failed ({'; '.join(str(e) for e in errs)}); "
                        "not written, rerun to retry")
                    continue
                row = {**problem.to_dict(), "index": idx, "prompt": text}
                if msgs is not None:
                    row["messages"] = msgs
                row.update({"responses": [c.text for c in comps], "finish_reasons": [c.finish_reason for c in comps],
                            "num_tokens": [int(c.num_tokens) for c in comps], "sampling": sampling_record(params),
                            "generator": gen_info})
                appender.write(row)
                summary.generated += 1
                bar.advance(task)


def _count_samples(out: Path, ids: set[str], summary: GenerateSummary) -> None:
    seen: set[str] = set()
    for row in _existing_rows(out):
        rid = str(row.get("id"))
        if rid not in ids or rid in seen:
            continue
        seen.add(rid)
        reasons = row.get("finish_reasons") or []
        summary.samples += len(reasons)
        summary.truncated += sum(r == "length" for r in reasons)
