"""Recipe stages of the quick-start. Each wraps the real library code of one flow:

``world`` (toy data) -> ``curate`` (dedup, decontam, two scripted teachers, cross-check, blends)
-> ``model`` (tiny tokenizer + Qwen2) -> ``sft`` (general stage 1, stage 2, math) -> ``rm_data``
(8 samples per RM problem from the SFT policy, graded, grouped) -> ``rm_train`` (listwise BT)
-> ``evaluate`` (greedy + 8 samples on the toy test split, graded, scored) -> ``report``.

Nothing is planted: RM groups are the policy's own samples graded against gold answers; the
teachers' responses are graded the same way to measure what cross-checking bought.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from acemath.io import iter_rows, write_json, write_jsonl
from acemath.recipe import StageContext

EVAL_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."


THREADS_ENV = "ACEMATH_THREADS"


def _threads(ctx: StageContext) -> None:
    """Torch threads from $ACEMATH_THREADS (default 2): a machine setting, so not part of any stage's cache key."""
    import os

    import torch

    torch.set_num_threads(max(1, int(os.environ.get(THREADS_ENV, "2"))))


def _world(ctx: StageContext) -> Any:
    """The toy world: built from this stage's ``world`` config, or from the ``world.json`` written by the
    world stage (so every stage sees the same world without repeating its config)."""
    from acemath.toy import ToyWorldConfig, build_world

    if "world" in ctx.inputs:
        cfg = dict(json.loads(Path(ctx.inputs["world"]).read_text())["config"])
    else:
        cfg = dict(ctx.config.get("world") or {})
        cfg.setdefault("seed", ctx.seed)
    for key in ("levels", "benchmarks"):
        if key in cfg:
            cfg[key] = tuple(cfg[key])
    return build_world(ToyWorldConfig(**cfg))


# -- 1. the toy world ---------------------------------------------------------------------------
def world(ctx: StageContext) -> dict[str, Path]:
    """Benchmarks (held-out test split), the RM problem set, the curation pool and general tasks."""
    from acemath.toy.world import ToyWorld, general_sft_row, prompt_pool

    w = _world(ctx)
    n_rm = int(ctx.config.get("rm_problems", 400))
    rm_share = ctx.config.get("rm_question_share")
    if rm_share is None:
        rm_problems, train = w.train[:n_rm], w.train[n_rm:]
    else:
        rm_problems, train = _split_by_question(w.train, n_rm, float(rm_share), ctx.seed)
    out = ctx.out_dir
    bench_dir = out / "benchmarks"
    by_bench: dict[str, list[dict[str, Any]]] = {}
    for p in w.test_problems():
        by_bench.setdefault(p.benchmark, []).append(p.to_dict())
    for name, rows in by_bench.items():
        write_jsonl(bench_dir / f"{name}.jsonl", rows)
    write_jsonl(out / "rm_problems.jsonl", [
        {"id": f"rm-{i:05d}", "benchmark": p.benchmark, "question": p.question, "gold": str(p.answer)}
        for i, p in enumerate(rm_problems)])
    pool, counts = prompt_pool(ToyWorld(w.config, w.test, train, w.general, w.test_ids))
    write_jsonl(out / "prompt_pool.jsonl", pool)
    write_jsonl(out / "general.jsonl", [general_sft_row(q, a) for _, q, a in w.general])
    write_json(out / "world.json", {"config": w.config.to_dict(), "pool": counts, "rm_problems": len(rm_problems),
                                    "rm_questions": len({p.question for p in rm_problems}),
                                    "test": {b: len(r) for b, r in by_bench.items()}})
    return {"benchmarks": bench_dir, "rm_problems": out / "rm_problems.jsonl", "pool": out / "prompt_pool.jsonl",
            "general": out / "general.jsonl", "world": out / "world.json"}


def _split_by_question(problems: list[Any], n_rm: int, share: float, seed: int) -> tuple[list[Any], list[Any]]:
    """RM problems from a seeded ``share`` of the distinct questions, the SFT pool from the others.

    A world with a few hundred distinct questions (the dials) repeats each one many times; split by position, the
    RM problems ask the questions the policy was fine-tuned on, and an RM initialised from that policy can rank by
    recognising the solutions the policy memorised instead of checking them (experiments NOTES E19 l7: below chance
    on the test split). Split by question, the RM is trained on samples like those it scores on the test split:
    answers to questions the policy never saw. The price is fewer questions for each side."""
    if not 0 < share < 1:
        raise ValueError(f"world stage: rm_question_share must be between 0 and 1, got {share}")
    questions = sorted({p.question for p in problems})
    random.Random(f"rm-questions-{seed}").shuffle(questions)
    for_rm = set(questions[:max(1, round(share * len(questions)))])
    rm_problems = [p for p in problems if p.question in for_rm][:n_rm]
    return rm_problems, [p for p in problems if p.question not in for_rm]


# -- 2. curation --------------------------------------------------------------------------------
def curate(ctx: StageContext) -> dict[str, Path]:
    """dedup -> decontam (against the toy test split) -> teacher A (1 sample) and B (2 samples)
    -> cross-check -> blends for general stage 1, general stage 2 and math SFT."""
    from acemath.curation import blend, build_index, crosscheck, decontaminate, dedup, respond
    from acemath.curation.blend import Source
    from acemath.generation.base import SamplingParams
    from acemath.toy.teachers import scripted_teacher

    c = ctx.config
    w = _world(ctx)
    out = ctx.out_dir
    test_sets: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(Path(ctx.inputs["benchmarks"]).glob("*.jsonl")):
        test_sets[path.stem] = [(str(r["id"]), str(r["question"])) for _, r in iter_rows(path)]
    report: dict[str, Any] = {"dedup": dedup(ctx.inputs["pool"], out / "dedup")}
    report["decontam"] = decontaminate(out / "dedup", out / "decontam", build_index(test_sets))
    teachers = {}
    for name, rate, n in (("teacher_a", c.get("teacher_a_error", 0.10), 1),
                          ("teacher_b", c.get("teacher_b_error", 0.30), 2)):
        gen = scripted_teacher(w.train, name=name, error_rate=float(rate), seed=ctx.seed)
        # teacher B's two responses must be two draws (temperature 1.0), or the cross-check's "B agrees with
        # itself" compares one response with its copy; teacher A's single response is its greedy one
        params = SamplingParams(n=n, temperature=1.0 if n > 1 else 0.0, seed=ctx.seed)
        report[name] = respond(out / "decontam", out / name, gen, params=params, model=f"scripted:{name}@{rate}")
        teachers[name] = {"error_rate": rate, "samples": n}
    report["crosscheck"] = crosscheck(out / "teacher_a", out / "teacher_b", out / "crosscheck")
    # measured error rates: grade every teacher-A response and every cross-checked one against the gold
    gold = {" ".join(p.question.split()).lower(): str(p.answer) for p in w.train}
    report["error_rates"] = {
        "teacher_a_raw": _error_rate(out / "teacher_a" / "responses.jsonl", gold),
        "crosschecked": _error_rate(out / "crosscheck" / "crosschecked.jsonl", gold),
    }
    general = str(ctx.inputs["general"])
    raw_a, checked = str(out / "teacher_a" / "responses.jsonl"), str(out / "crosscheck" / "crosschecked.jsonl")
    share = c.get("stage1_math_share", "0.5")
    blends = {
        # stage 1: mostly math (raw teacher-A responses) plus some general tasks
        "stage1": [Source("math_raw", raw_a, str(share)), Source("general", general, "0.25")],
        # stage 2: all general tasks, the cross-checked math, and a slice of stage 1's math
        "stage2": [Source("general", general), Source("math_checked", checked), Source("math_raw", raw_a, "0.1")],
        # math SFT: the cross-checked subset plus a share of the raw responses (the paper's blend)
        "math": [Source("math_checked", checked), Source("math_raw", raw_a, str(c.get("math_raw_share", "0.25")))],
    }
    outputs: dict[str, Path] = {}
    for name, sources in blends.items():
        report[f"blend_{name}"] = blend(sources, out / f"blend_{name}", seed=ctx.seed)
        outputs[name] = _with_system(out / f"blend_{name}" / "blend.jsonl", out / f"sft_{name}.jsonl")
    write_json(out / "curation.json", {"teachers": teachers, **_summarise(report)})
    outputs["report"] = out / "curation.json"
    return outputs


def _error_rate(path: Path, gold: dict[str, str]) -> dict[str, Any]:
    from acemath.grading import grade

    n = wrong = 0
    for _, row in iter_rows(path):
        q = " ".join(str(row.get("question") or row.get("prompt")).split()).lower()
        if q not in gold:
            continue
        n += 1
        wrong += not grade(str(row.get("response", "")), gold[q]).correct
    return {"rows": n, "wrong": wrong, "error_rate": wrong / n if n else None}


def _with_system(src: Path, dst: Path) -> Path:
    """Blend rows carry the user turn the teacher saw; SFT rows use the evaluation prompt layout
    (system: the boxed instruction, user: the question), so training and evaluation prompts agree."""
    rows = []
    for _, row in iter_rows(src):
        msgs = [m for m in row["messages"] if m["role"] != "system"]
        is_math = row.get("answer") is not None and "\\boxed" in msgs[-1]["content"]
        user = msgs[0]["content"].split("\nPlease reason step by step")[0]
        system = EVAL_SYSTEM if is_math else "You are a helpful assistant."
        rows.append({"messages": [{"role": "system", "content": system}, {"role": "user", "content": user},
                                  *msgs[1:]], "answer": row.get("answer")})
    write_jsonl(dst, rows)
    return dst


def _summarise(report: dict[str, Any]) -> dict[str, Any]:
    keep = ("rows_in", "kept", "dropped", "dropped_by_reason", "agreement", "by_source", "seconds")
    out: dict[str, Any] = {}
    for step, rec in report.items():
        out[step] = {k: v for k, v in rec.items() if k in keep} if isinstance(rec, dict) and step != "error_rates" else rec
    return out


# -- 3. tokenizer and model ---------------------------------------------------------------------
def model(ctx: StageContext) -> dict[str, Path]:
    from acemath.tiny import build_tiny_model, build_tiny_tokenizer
    from acemath.toy.world import tokenizer_corpus

    _threads(ctx)
    tok = build_tiny_tokenizer(int(ctx.config.get("vocab_size", 1024)), tokenizer_corpus(_world(ctx)), ctx.seed)
    path = build_tiny_model(ctx.out_dir / "model", str(ctx.config.get("size", "s")), seed=ctx.seed, tokenizer=tok)
    return {"model": path}


# -- 4. SFT: general stage 1, general stage 2, math ----------------------------------------------
def sft(ctx: StageContext) -> dict[str, Path]:
    from acemath.sft.recipe import recipe_from_dict
    from acemath.sft.train import run_recipe

    _threads(ctx)
    c = {k: v for k, v in ctx.config.items() if k != "general_steps_both"}
    stage_names = list(c.get("stages", ["general_stage1", "general_stage2", "math"]))
    data_for = {"general_stage1": "stage1", "general_stage2": "stage2", "math": "math", "single_stage": "stage1"}
    stages = []
    for name in stage_names:
        own = dict((c.get("stage") or {}).get(name) or {})
        sources = [{"path": str(ctx.inputs[src])} for src in own.pop("data", [data_for.get(name, name)])]
        stages.append({"name": name, "data": {"sources": sources, "eval_rows": int(c.get("eval_rows", 0))},
                       "train": own})
    raw = {"model": str(ctx.inputs["model"]), "output_dir": str(ctx.out_dir), "seed": ctx.seed,
           "train": {"per_device_batch_size": 16, "global_batch_size": 16, "save_steps": 10**9,
                     "eval_steps": 10**9, "logging_steps": 50, "use_cpu": True, "adam_beta2": 0.98,
                     "weight_decay": 0.01, "warmup": 0.05, **(c.get("train") or {})},
           "data": {"max_length": int(c.get("max_length", 320))}, "stages": stages}
    results = run_recipe(recipe_from_dict(raw, source=f"quickstart stage {ctx.name}"),
                         command="acemath quickstart (sft)")
    summary = {r.name: {"skipped": r.skipped, **r.record} for r in results}
    write_json(ctx.out_dir / "sft_summary.json", summary)
    return {"model": Path(results[-1].model_dir), "summary": ctx.out_dir / "sft_summary.json"}


# -- 5. RM data: sample the policy, grade, build groups ------------------------------------------
def rm_data(ctx: StageContext) -> dict[str, Path]:
    """Candidates for the RM problems, graded, in groups. As in the paper (PAPER.md 6.1), most candidates can come
    from other models than the policy: ``teacher_samples`` per problem from a scripted teacher that slips
    ``teacher_error`` of the time, while the policy samples ``n`` for only the first ``policy_problems`` problems
    (default: all; the paper's 30K target-policy problems of 356K). ``groups_per_problem`` draws that many
    groups of ``per_problem`` candidates from each problem's pool (each with its own random draw)."""
    from acemath.generation.run import GenerateConfig, run_generation
    from acemath.grading.run import grade_rows
    from acemath.io import read_rows
    from acemath.reward.data import build_groups

    _threads(ctx)
    c = ctx.config
    problems = read_rows(ctx.inputs["problems"])
    n_policy = len(problems) if c.get("policy_problems") is None else int(c["policy_problems"])
    draws = int(c.get("groups_per_problem", 1))
    if n_policy < 0 or draws < 1:
        raise ValueError(f"rm_data stage: policy_problems must be >= 0 and groups_per_problem >= 1, got {n_policy} "
                         f"and {draws}")
    policy_file = ctx.out_dir / "policy_problems.jsonl"
    write_jsonl(policy_file, problems[:n_policy])
    samples = ctx.out_dir / "samples.jsonl"
    gcfg = GenerateConfig(model=str(ctx.inputs["model"]), benchmark="toy_rm", data=str(policy_file),
                          n=int(c.get("n", 8)), temperature=float(c.get("temperature", 1.0)), seed=ctx.seed,
                          max_tokens=int(c.get("max_tokens", 160)), prompt="cot",
                          batch_size=int(c.get("batch_size", 64)))
    rows: list[dict[str, Any]] = []
    if n_policy:
        run_generation(gcfg, samples, progress=False, log=ctx.log)
        rows = read_rows(samples)
    rows += [{**p, "responses": [], "finish_reasons": [], "num_tokens": []} for p in problems[n_policy:]]
    if int(c.get("teacher_samples", 0)) > 0:
        rows = _add_teacher_candidates(ctx, rows, int(c["teacher_samples"]))
    graded = list(grade_rows(rows, workers=1))
    write_jsonl(ctx.out_dir / "graded.jsonl", graded)
    def draw_groups(draw: int) -> tuple[list[dict[str, Any]], Any]:
        return build_groups(enumerate(graded, start=1), per_problem=int(c.get("per_problem", 4)),
                            strategy=str(c.get("strategy", "random")), seed=ctx.seed + draw)

    groups, stats = draw_groups(0)
    for draw in range(1, draws):  # each further draw has its own seed; its groups' ids end in -1, -2, ...
        drawn, drawn_stats = draw_groups(draw)
        groups += [{**g, "id": f"{g['id']}-{draw}"} for g in drawn]
        stats = stats.add_draw(drawn_stats)
    write_jsonl(ctx.out_dir / "groups.jsonl", groups)
    write_json(ctx.out_dir / "groups.json", stats.to_dict())
    return {"groups": ctx.out_dir / "groups.jsonl", "graded": ctx.out_dir / "graded.jsonl",
            "stats": ctx.out_dir / "groups.json"}


def _add_teacher_candidates(ctx: StageContext, rows: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    """More RM candidates from the scripted teachers (the paper samples its RM data from 14 LLMs, not only
    the policy). Teacher errors are the toy world's natural slips, graded like every other candidate."""
    from acemath.generation.base import SamplingParams
    from acemath.toy.teachers import scripted_teacher

    w = _world(ctx)
    c = ctx.config
    teacher = scripted_teacher(w.train, name="rm_teacher", error_rate=float(c.get("teacher_error", 0.3)),
                               seed=ctx.seed + 7)
    # sampled, not greedy: at temperature 0 a scripted teacher gives its sample 0 k times over
    outs = teacher.generate([[{"role": "user", "content": r["question"]}] for r in rows],
                            SamplingParams(n=k, temperature=1.0, seed=ctx.seed))
    merged = []
    for row, comps in zip(rows, outs, strict=True):
        merged.append({**row, "responses": [*row["responses"], *(x.text for x in comps)],
                       "finish_reasons": [*row["finish_reasons"], *(x.finish_reason for x in comps)],
                       "num_tokens": [*row["num_tokens"], *(x.num_tokens for x in comps)],
                       "sources": ["policy"] * len(row["responses"]) + ["teacher"] * len(comps)})
    return merged


# -- 6. RM training -----------------------------------------------------------------------------
def rm_train(ctx: StageContext) -> dict[str, Path]:
    from acemath.reward.train import load_train_config, train_reward_model

    _threads(ctx)
    c = dict(ctx.config)
    init = str(ctx.inputs.get("init") or ctx.inputs["model"])
    cfg = load_train_config(settings={"model": init, "data": str(ctx.inputs["groups"]), "out": str(ctx.out_dir / "rm"),
                                      "cpu": True, "seed": ctx.seed, **c})
    result = train_reward_model(cfg, quiet=True)
    write_json(ctx.out_dir / "train.json", result.to_dict())
    return {"rm": ctx.out_dir / "rm", "train": ctx.out_dir / "train.json"}


# -- 7. evaluation on the held-out toy test split -----------------------------------------------
def evaluate(ctx: StageContext) -> dict[str, Path]:
    from acemath.evaluation.run import EvalConfig, run_eval

    _threads(ctx)
    c = ctx.config
    bench_dir = Path(ctx.inputs["benchmarks"])
    names = sorted(p.stem for p in bench_dir.glob("*.jsonl"))
    cfg = EvalConfig(model=str(ctx.inputs["model"]), benchmarks=names, data_dir=str(bench_dir),
                     n=int(c.get("n", 8)), temperature=float(c.get("temperature", 1.0)), top_p=1.0, seed=ctx.seed,
                     max_tokens=int(c.get("max_tokens", 160)), prompt="cot", batch_size=int(c.get("batch_size", 64)),
                     ks=tuple(c.get("ks", (1, 2, 4, 8))), metric_seeds=int(c.get("metric_seeds", 100)),
                     rm=str(ctx.inputs["rm"]) if "rm" in ctx.inputs else None)
    run_eval(cfg, ctx.out_dir, progress=False, log=ctx.log)
    return {"metrics": ctx.out_dir / "metrics.json", "report": ctx.out_dir / "report.md", "dir": ctx.out_dir}


def load_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())
