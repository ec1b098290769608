"""``acemath eval`` as a library call: generate, grade, (score), compute metrics, write the report.

Run folder layout::

    RUN/run.json                      config, package versions, git commit, time, hardware
    RUN/<benchmark>/greedy.jsonl      greedy samples (n=1, temperature 0), resumable like `acemath generate`
    RUN/<benchmark>/samples.jsonl     n sampled responses per problem (only when n > 1)
    RUN/<benchmark>/*.graded.jsonl    the same rows with preds / correct / grade_status (+ rewards with --rm)
    RUN/metrics.json, RUN/report.md, RUN/metrics.png

Every step resumes: rerunning the same command after a crash regenerates only missing rows, then
regrades (grading is pure and cheap) and rewrites the report. Greedy pass@1 is always reported;
with n > 1 also pass@1 over samples, maj@k and pass@k (k = n by default), and rm@k with ``--rm``.
The three narrow functions that touch other stages are :func:`grade_file`, :func:`score_file`
and :func:`benchmark_metrics`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acemath.benchmarks import load_benchmark
from acemath.errors import ConfigError
from acemath.generation.base import Generator
from acemath.generation.run import GenerateConfig, GenerateSummary, run_generation
from acemath.io import read_rows, write_jsonl, write_run_json


@dataclass
class EvalConfig:
    model: str
    benchmarks: list[str]
    data_dir: str | None = None
    limit: int | None = None
    n: int = 1
    temperature: float = 0.7
    top_p: float = 0.95
    seed: int = 0
    max_tokens: int = 2048
    stop: tuple[str, ...] = ()
    backend: str = "hf"
    prompt: str = "auto"
    batch_size: int | None = None
    backend_options: dict[str, Any] = field(default_factory=dict)
    workers: int = 1
    ks: tuple[int, ...] = ()
    metric_seeds: int = 100
    rm: str | None = None
    grade_timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.benchmarks:
            raise ConfigError("--benchmarks needs at least one name")
        if self.n < 1:
            raise ConfigError("--n must be at least 1")
        if self.n > 1 and self.temperature <= 0:
            raise ConfigError("--n > 1 needs --temperature > 0 (greedy samples would all be the same)")

    def generate_config(self, benchmark: str, *, greedy: bool) -> GenerateConfig:
        return GenerateConfig(model=self.model, benchmark=benchmark, data_dir=self.data_dir, limit=self.limit,
                              n=1 if greedy else self.n, temperature=0.0 if greedy else self.temperature,
                              top_p=1.0 if greedy else self.top_p, seed=self.seed, max_tokens=self.max_tokens,
                              stop=self.stop, backend=self.backend, prompt=self.prompt, batch_size=self.batch_size,
                              backend_options=self.backend_options)

    def sample_ks(self) -> list[int]:
        return sorted({1, self.n, *(k for k in self.ks if k <= self.n)}) if self.n > 1 else [1]


# -- the narrow functions: grading, scoring, metrics ---------------------------------------------
def grade_file(samples: Path, graded: Path, *, workers: int = 1, timeout: float = 10.0,
               progress: bool = True) -> list[dict[str, Any]]:
    """Grade every row of ``samples`` (acemath.grading) and write ``graded`` atomically."""
    from rich.progress import Progress

    from acemath.grading.run import grade_rows

    rows = read_rows(samples)
    out: list[dict[str, Any]] = []
    with Progress(disable=not progress) as bar:
        task = bar.add_task(f"grade {samples.parent.name}/{samples.name}", total=len(rows))
        for row in grade_rows(rows, workers=workers, timeout=timeout):
            out.append(row)
            bar.advance(task)
    write_jsonl(graded, out)
    return out


def score_file(rows: list[dict[str, Any]], rm: Any, graded: Path) -> list[dict[str, Any]]:
    """Add ``rewards`` with reward model ``rm`` (a path or an ``acemath.reward.RewardScorer``) and rewrite
    ``graded``."""
    from acemath.reward.score import score_rows

    scored = [dict(r) for r in score_rows(rows, rm)]
    write_jsonl(graded, scored)
    return scored


def benchmark_metrics(greedy_rows: list[dict[str, Any]], sampled_rows: list[dict[str, Any]] | None, *,
                      ks: list[int], seeds: int, notes: list[str], with_rm: bool = False) -> dict[str, Any]:
    """greedy pass@1, and over the samples pass@k / maj@k / rm@k (acemath.metrics, AceMath protocol)."""
    from acemath.metrics import ProblemSamples, evaluate

    greedy = [ProblemSamples.build(str(r["id"]), r["correct"][:1]) for r in greedy_rows]
    out: dict[str, Any] = dict(evaluate(greedy, seeds=1))
    if sampled_rows:
        problems = [ProblemSamples.build(str(r["id"]), r["correct"], r.get("preds"), r.get("rewards"))
                    for r in sampled_rows]
        kinds = ("pass", "maj", "rm") if with_rm else ("pass", "maj")
        out.update(evaluate(problems, ks, seeds=seeds, notes=notes, metrics=kinds))
    return out


# -- the stage -------------------------------------------------------------------------------------
@dataclass
class BenchmarkResult:
    name: str
    problems: int
    files: dict[str, Path]
    truncation: dict[str, float]
    metrics: dict[str, Any]


class LazyGenerator:
    """Builds the backend on first use, so a rerun that only regrades never loads the model."""

    def __init__(self, name: str, model: str, options: dict[str, Any]) -> None:
        self.name, self.model, self.options = name, model, options
        self._gen: Generator | None = None

    @property
    def tokenizer(self) -> Any:
        return getattr(self.get(), "tokenizer", None)

    def get(self) -> Generator:
        if self._gen is None:
            from acemath.generation import get_generator

            self._gen = get_generator(self.name, self.model, **self.options)
        return self._gen

    def generate(self, prompts: list[Any], params: Any) -> list[Any]:
        return self.get().generate(prompts, params)

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()


def truncation_rate(rows: list[dict[str, Any]]) -> float:
    reasons = [fr for r in rows for fr in r.get("finish_reasons") or []]
    return sum(fr == "length" for fr in reasons) / len(reasons) if reasons else 0.0


def run_eval(cfg: EvalConfig, out_dir: str | Path, *, generator: Generator | None = None, progress: bool = True,
             log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Evaluate ``cfg.model`` on ``cfg.benchmarks`` into ``out_dir``; return metrics.json's content."""
    from acemath.metrics.report import render_table, write_report

    log = log or (lambda msg: print(msg, file=sys.stderr))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = {**cfg.__dict__, "stop": list(cfg.stop), "ks": cfg.sample_ks()}
    write_run_json(out, "eval", config, status="running")
    # load every benchmark first: a missing file fails before any model is loaded
    problems = {b: load_benchmark(b, data_dir=cfg.data_dir, limit=cfg.limit) for b in cfg.benchmarks}
    owns = generator is None
    gen = generator or LazyGenerator(cfg.backend, cfg.model, cfg.backend_options)
    results: list[BenchmarkResult] = []
    notes: list[str] = []
    summaries: dict[str, dict[str, Any]] = {}
    scorer: Any = None
    try:
        for bench in cfg.benchmarks:
            bdir = out / bench
            passes = [("greedy", True)] + ([("samples", False)] if cfg.n > 1 else [])
            rows_by_pass: dict[str, list[dict[str, Any]]] = {}
            files: dict[str, Path] = {}
            for name, greedy in passes:
                path = bdir / f"{name}.jsonl"
                s: GenerateSummary = run_generation(cfg.generate_config(bench, greedy=greedy), path, generator=gen,
                                                    problems=problems[bench], progress=progress, log=log)
                if not s.complete:
                    raise ConfigError(f"{bench} {name}: {s.failed} problems failed to generate; rerun to retry")
                graded = bdir / f"{name}.graded.jsonl"
                rows = grade_file(path, graded, workers=cfg.workers, timeout=cfg.grade_timeout, progress=progress)
                if cfg.rm and not greedy:
                    if scorer is None:  # load the RM once for all benchmarks
                        from acemath.reward.score import RewardScorer

                        scorer = RewardScorer(cfg.rm)
                    rows = score_file(rows, scorer, graded)
                rows_by_pass[name] = rows
                files[name], files[f"{name}.graded"] = path, graded
                summaries[f"{bench}/{name}"] = {"problems": len(rows), "truncation_rate": truncation_rate(rows),
                                                "first_prompt": s.first_prompt}
            bench_notes: list[str] = []
            metrics = benchmark_metrics(rows_by_pass["greedy"], rows_by_pass.get("samples"), ks=cfg.sample_ks(),
                                        seeds=cfg.metric_seeds, notes=bench_notes,
                                        with_rm=bool(cfg.rm))
            notes += [f"{bench}: {n}" for n in bench_notes]
            trunc = {name: truncation_rate(r) for name, r in rows_by_pass.items()}
            results.append(BenchmarkResult(bench, len(problems[bench]), files, trunc, metrics))
            for name, rate in trunc.items():
                if rate > 0.05:
                    notes.append(f"{bench} {name}: {rate:.1%} of samples were cut at --max-tokens {cfg.max_tokens}")
    finally:
        if owns:
            gen.close()

    table = {r.name: r.metrics for r in results}
    extra = {"model": cfg.model, "problems": {r.name: r.problems for r in results},
             "truncation_rate": {r.name: r.truncation for r in results},
             "sampling": {"n": cfg.n, "temperature": cfg.temperature, "top_p": cfg.top_p, "seed": cfg.seed,
                          "max_tokens": cfg.max_tokens, "metric_seeds": cfg.metric_seeds},
             "files": {r.name: {k: str(v.relative_to(out)) for k, v in r.files.items()} for r in results}}
    title = f"acemath eval: {Path(cfg.model).name or cfg.model}"
    write_report(table, out, title=title, notes=notes, **extra)
    write_run_json(out, "eval", config, status="done", passes=summaries)
    if progress:
        from rich.console import Console

        Console(stderr=True).print(render_table(table, title=f"{title} (%)"))
    import json

    return json.loads((out / "metrics.json").read_text())
