"""``acemath curate <step>``: dedup, decontam, evolve, respond, crosscheck, blend, and ``chain`` (a YAML
list of steps, each reading the previous step's output folder).

    acemath curate dedup --in pool.jsonl --out cur/dedup --near
    acemath curate decontam --in cur/dedup --out cur/decontam --against all --data-dir ../shared/data/benchmarks
    acemath curate evolve --in seeds.jsonl --out cur/evolve --backend openai --model gpt-4o-mini
    acemath curate respond --in cur/decontam --out cur/resp_a --backend vllm --model Qwen/Qwen2.5-Math-72B-Instruct
    acemath curate crosscheck --a cur/resp_a --b cur/resp_b --out cur/xcheck
    acemath curate blend --source numina=cur/resp_a@all --source xcheck=cur/xcheck --out cur/math_sft
    acemath curate chain curate.yaml
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from acemath.errors import ConfigError

STEPS = ("dedup", "decontam", "evolve", "respond", "crosscheck", "blend", "chain")


def _common(p: argparse.ArgumentParser, *, needs_input: bool = True) -> None:
    if needs_input:
        p.add_argument("--in", dest="input", required=True, help="JSONL/Parquet file, or an earlier step's output folder")
    p.add_argument("--out", required=True, help="output folder (output file, dropped.jsonl, report.json/.md, run.json)")
    p.add_argument("--field", default=None, help="prompt field (default: prompt/question/problem/instruction/messages)")


def _generation(p: argparse.ArgumentParser, *, n: int, temperature: float, max_tokens: int) -> None:
    p.add_argument("--backend", required=True, help="generation backend: hf, vllm, openai, scripted")
    p.add_argument("--model", required=True, help="model id/path (scripted: evolver, wordproblems or a JSONL file)")
    p.add_argument("--backend-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="extra backend option (repeatable), e.g. error_rate=0.2 or base_url=http://...")
    p.add_argument("--n", type=int, default=n, help=f"samples per prompt (default {n})")
    p.add_argument("--temperature", type=float, default=temperature)
    p.add_argument("--top-p", type=float, default=1.0 if temperature == 0 else 0.95)
    p.add_argument("--max-tokens", type=int, default=max_tokens)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32, help="prompts per generate() call")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="step", required=True, metavar="STEP")
    for name in STEPS:
        build_step_parser(sub.add_parser(name, help=_HELP[name], description=_HELP[name]), name)


_HELP = {
    "dedup": "exact dedup of lower-cased, whitespace-normalised prompts (+ --near: MinHash LSH)",
    "decontam": "drop prompts overlapping benchmark test questions (13-gram + LCS > 60%)",
    "evolve": "in-breadth / in-depth prompt evolution with the paper's templates; drops > 300 words",
    "respond": "teacher responses with the \\boxed{} instruction; format, length and repetition filters",
    "crosscheck": "keep prompts where two samples of teacher B agree with each other and teacher A",
    "blend": "stage blends from sources (counts or ratios), deduplicated, as messages + answer rows",
    "chain": "run a YAML list of curation steps, each reading the previous step's output",
}


def build_step_parser(p: argparse.ArgumentParser, name: str) -> None:
    if name == "dedup":
        _common(p)
        p.add_argument("--near", action="store_true", help="also drop near-duplicates (MinHash LSH)")
        p.add_argument("--threshold", type=float, default=0.8, help="near-duplicate Jaccard threshold (default 0.8)")
        p.add_argument("--num-perm", type=int, default=128)
        p.add_argument("--bands", type=int, default=16)
        p.add_argument("--shingle", type=int, default=3, help="word n-gram size of the shingles (default 3)")
    elif name == "decontam":
        _common(p)
        p.add_argument("--against", action="append", default=[], help="benchmarks (comma-separated) or all")
        p.add_argument("--data-dir", default=None, help="folder of <benchmark>/test.jsonl (default $ACEMATH_DATA_DIR)")
        p.add_argument("--test-file", action="append", default=[], help="extra test set (JSONL/Parquet), repeatable")
        p.add_argument("--mode", choices=("math", "general"), default="math",
                       help="math: 13-gram + LCS confirmation; general: 13-gram alone")
        p.add_argument("--domain-field", default=None, help="row field; rows whose value is not 'math' use general mode")
        p.add_argument("--ngram", type=int, default=13)
        p.add_argument("--lcs-threshold", type=float, default=0.6)
        p.add_argument("--allow-hub", action="store_true", help="fetch explicitly named benchmarks from the hub")
    elif name == "evolve":
        _common(p)
        _generation(p, n=1, temperature=0.7, max_tokens=1024)
        p.add_argument("--strategies", default="breadth,depth",
                       help="comma-separated: breadth, depth, constraints (the paper drops constraints)")
        p.add_argument("--max-words", type=int, default=300)
    elif name == "respond":
        _common(p)
        _generation(p, n=1, temperature=0.0, max_tokens=4096)
        p.add_argument("--max-words", type=int, default=2500)
        p.add_argument("--no-instruction", action="store_true", help="do not append the \\boxed{} instruction")
    elif name == "crosscheck":
        p.add_argument("--a", required=True, help="teacher A responses (file or respond folder): kept solutions")
        p.add_argument("--b", required=True, help="teacher B responses with at least 2 samples (respond --n 2)")
        _common(p, needs_input=False)
        p.add_argument("--equivalence", choices=("auto", "grader", "exact"), default="auto")
        p.add_argument("--source-field", default="source")
    elif name == "blend":
        p.add_argument("--source", action="append", default=[], metavar="NAME=PATH[@all|COUNT|RATIO]", required=True)
        _common(p, needs_input=False)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--append-instruction", action="store_true",
                       help="append the \\boxed{} instruction to the user turn")
    elif name == "chain":
        p.add_argument("config", help="YAML: input, out, steps (see docs/curation.md)")


def _backend_kwargs(items: list[str]) -> dict[str, Any]:
    import yaml

    kw: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--backend-arg {item!r}: expected KEY=VALUE")
        k, v = item.split("=", 1)
        kw[k.strip()] = yaml.safe_load(v)
    return kw


def make_generator(backend: str, model: str, **kw: Any) -> Any:
    if backend == "scripted":
        from acemath.generation.scripted import make_scripted

        return make_scripted(model, **kw)
    try:
        from acemath.generation import get_generator  # type: ignore[attr-defined]
    except ImportError:
        raise ConfigError(f"backend {backend!r} needs acemath.generation.get_generator, which is not installed") from None
    return get_generator(backend, model, **kw)


def _params(args: argparse.Namespace) -> Any:
    from acemath.generation.base import SamplingParams

    return SamplingParams(n=args.n, temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens,
                          seed=args.seed)


def _config(args: argparse.Namespace) -> dict[str, Any]:
    return {k: v for k, v in vars(args).items() if not callable(v)}


def run(args: argparse.Namespace) -> int:
    report = RUNNERS[args.step](args)
    if report is not None:
        dropped = ", ".join(f"{r} {c:,}" for r, c in report.get("dropped_by_reason", {}).items()) or "none"
        print(f"curate {args.step}: {report['rows_in']:,} rows in, {report['kept']:,} kept, dropped: {dropped} "
              f"-> {Path(args.out) / report['output']} ({report['seconds']:.1f} s)")
    return 0


def _dedup(args: argparse.Namespace) -> dict[str, Any]:
    from acemath.curation.dedup import dedup
    from acemath.curation.minhash import MinHashConfig

    near = None
    if args.near:
        try:
            near = MinHashConfig(num_perm=args.num_perm, bands=args.bands, shingle=args.shingle, threshold=args.threshold)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return dedup(args.input, args.out, field=args.field, near=near, config=_config(args))


def _decontam(args: argparse.Namespace) -> dict[str, Any]:
    from acemath.curation.decontam import build_index, decontaminate, load_test_sets

    sets, missing = load_test_sets(args.against, data_dir=args.data_dir, test_files=args.test_file,
                                   allow_hub=args.allow_hub)
    index = build_index(sets, n=args.ngram)
    return decontaminate(args.input, args.out, index, field=args.field, mode=args.mode, domain_field=args.domain_field,
                         threshold=args.lcs_threshold, missing=missing, config=_config(args))


def _evolve(args: argparse.Namespace) -> dict[str, Any]:
    from acemath.curation.evolve import evolve

    gen = make_generator(args.backend, args.model, **_backend_kwargs(args.backend_arg))
    try:
        return evolve(args.input, args.out, gen, strategies=[s.strip() for s in args.strategies.split(",") if s.strip()],
                      params=_params(args), max_words=args.max_words, batch_size=args.batch_size, field=args.field,
                      config=_config(args))
    finally:
        gen.close()


def _respond(args: argparse.Namespace) -> dict[str, Any]:
    from acemath.curation.respond import BOXED_INSTRUCTION, respond

    gen = make_generator(args.backend, args.model, **_backend_kwargs(args.backend_arg))
    try:
        return respond(args.input, args.out, gen, params=_params(args), model=args.model, max_words=args.max_words,
                       instruction="" if args.no_instruction else BOXED_INSTRUCTION, batch_size=args.batch_size,
                       field=args.field, config=_config(args))
    finally:
        gen.close()


def _crosscheck(args: argparse.Namespace) -> dict[str, Any]:
    from acemath.curation.crosscheck import crosscheck, resolve_equivalence

    eq, eq_name = resolve_equivalence(args.equivalence)
    return crosscheck(args.a, args.b, args.out, equivalence=eq, equivalence_name=eq_name, field=args.field,
                      source_field=args.source_field, config=_config(args))


def _blend(args: argparse.Namespace) -> dict[str, Any]:
    from acemath.curation.blend import Source, blend
    from acemath.curation.respond import BOXED_INSTRUCTION

    return blend([Source.parse(s) for s in args.source], args.out, seed=args.seed, field=args.field,
                 instruction=BOXED_INSTRUCTION if args.append_instruction else None, config=_config(args))


def _chain(args: argparse.Namespace) -> None:
    from acemath.curation.chain import run_chain

    run_chain(args.config)
    return None


RUNNERS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "dedup": _dedup, "decontam": _decontam, "evolve": _evolve, "respond": _respond, "crosscheck": _crosscheck,
    "blend": _blend, "chain": _chain,
}
