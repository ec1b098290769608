"""The toy world: seeded train pools, held-out toy benchmarks, SFT rows and a curation prompt pool.

Everything is a pure function of :class:`ToyWorldConfig` (including its seed), so two builds with
the same config are identical. The held-out test split is drawn from its own random stream and
every training question whose text equals a test question is dropped, so test questions never
appear in training data; the curation prompt pool then *re-injects* a known number of test
questions (verbatim and lightly edited) and duplicates, so that decontamination and dedup have
real, countable work.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from acemath.benchmarks import Problem
from acemath.toy.dial import DIALS, PRESSES, make_press_task
from acemath.toy.general import make_general_task
from acemath.toy.math_problems import BENCHMARK_NAMES, LEVELS, TEMPLATES, MathProblem, make_problem

TOY_BENCHMARKS: tuple[str, ...] = tuple(sorted(TEMPLATES))  # the default world: arithmetic word problems
ALL_TOY_BENCHMARKS: tuple[str, ...] = BENCHMARK_NAMES  # also the dials (acemath.toy.dial), chosen by name
EVAL_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
GENERAL_SYSTEM = "You are a helpful assistant."


@dataclass(frozen=True)
class ToyWorldConfig:
    seed: int = 0
    n_math_train: int = 20000
    n_general: int = 4000
    n_test_per_benchmark: int = 100
    levels: tuple[int, ...] = (1, 2, 3)
    benchmarks: tuple[str, ...] = TOY_BENCHMARKS
    constraint: bool = True  # state a checkable property of the answer in every question
    check_lines: bool = False  # unknown-quantity solutions end with a substitution check (NOTES: E1)
    pool_duplicates: float = 0.05  # share of the curation pool that repeats another prompt
    pool_leaks: int = 20  # test questions re-injected into the curation pool (half lightly edited)
    general_presses: float = 0.0  # share of the general tasks that are single presses on the world's dials

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ToyWorld:
    config: ToyWorldConfig
    test: list[MathProblem]
    train: list[MathProblem]
    general: list[tuple[str, str, str]]  # (task, instruction, answer)
    test_ids: list[str] = field(default_factory=list)

    def test_problems(self) -> list[Problem]:
        return [Problem(id=i, benchmark=p.benchmark, question=p.question, gold=str(p.answer),
                        meta={"level": p.level, "template": p.template})
                for i, p in zip(self.test_ids, self.test, strict=True)]

    def problems_by_question(self) -> dict[str, MathProblem]:
        return {p.question: p for p in [*self.train, *self.test]}


def _draw(rng: random.Random, n: int, cfg: ToyWorldConfig) -> list[MathProblem]:
    """``n`` problems cycling through benchmarks and levels so every cell is equally filled."""
    cells = [(b, lv) for b in cfg.benchmarks for lv in cfg.levels]
    return [make_problem(rng, *cells[i % len(cells)], constraint=cfg.constraint) for i in range(n)]


def build_world(cfg: ToyWorldConfig | None = None) -> ToyWorld:
    cfg = cfg or ToyWorldConfig()
    for b in cfg.benchmarks:  # a dial's levels are press counts, the others' number ranges
        known = sorted(PRESSES) if b in DIALS else sorted(LEVELS)
        for lv in cfg.levels:
            if lv not in known:
                raise ValueError(f"unknown toy level {lv} for {b}; known: {known}")
    test_rng = random.Random(f"toy-test-{cfg.seed}")
    test: list[MathProblem] = []
    seen: set[str] = set()
    ids: list[str] = []
    counters: dict[str, int] = {}
    for b in cfg.benchmarks:
        cells = [(b, lv) for lv in cfg.levels]
        i = 0
        while counters.get(b, 0) < cfg.n_test_per_benchmark:
            if i >= 50 * cfg.n_test_per_benchmark + 1000:
                raise ValueError(f"could not draw {cfg.n_test_per_benchmark} distinct {b} test questions (got "
                                 f"{counters.get(b, 0)}): the benchmark has too few distinct questions")
            p = make_problem(test_rng, *cells[i % len(cells)], constraint=cfg.constraint)
            i += 1
            if p.question in seen:
                continue
            seen.add(p.question)
            test.append(p)
            ids.append(f"{b}-{counters.get(b, 0):04d}")
            counters[b] = counters.get(b, 0) + 1
    train_rng = random.Random(f"toy-train-{cfg.seed}")
    train = [p for p in _draw(train_rng, cfg.n_math_train, cfg) if p.question not in seen]
    grng = random.Random(f"toy-general-{cfg.seed}")
    dials = [b for b in cfg.benchmarks if b in DIALS]
    if cfg.general_presses and not dials:
        raise ValueError(f"general_presses needs a dial benchmark in the world ({', '.join(DIALS)})")
    n_presses = round(cfg.general_presses * cfg.n_general)
    general = [make_general_task(grng) for _ in range(cfg.n_general - n_presses)]
    if n_presses:
        prng = random.Random(f"toy-presses-{cfg.seed}")
        general += [make_press_task(prng, dials[i % len(dials)]) for i in range(n_presses)]
        random.Random(f"toy-general-order-{cfg.seed}").shuffle(general)
    return ToyWorld(cfg, test, train, general, ids)


def math_sft_row(p: MathProblem, response: str | None = None, check_lines: bool = True) -> dict[str, Any]:
    return {"messages": [{"role": "system", "content": EVAL_SYSTEM}, {"role": "user", "content": p.question},
                         {"role": "assistant", "content": response or p.solution(check=check_lines)}],
            "answer": str(p.answer)}


def general_sft_row(instruction: str, answer: str) -> dict[str, Any]:
    return {"messages": [{"role": "system", "content": GENERAL_SYSTEM}, {"role": "user", "content": instruction},
                         {"role": "assistant", "content": answer}], "answer": answer}


def _edit(question: str, rng: random.Random) -> str:
    """A light edit that keeps a leaked question recognisable (what 13-gram decontamination catches)."""
    return rng.choice([question.upper(), question.replace(". ", ".  "), "Question: " + question,
                       question.replace(" has ", " now has ", 1)])


def prompt_pool(world: ToyWorld) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The raw math prompt pool for curation: train questions + known duplicates + leaked test questions.

    Returns the rows ``{id, question, source}`` and the counts of what was injected.
    """
    cfg = world.config
    rng = random.Random(f"toy-pool-{cfg.seed}")
    rows = [{"id": f"pool-{i:06d}", "question": p.question, "source": "toy"} for i, p in enumerate(world.train)]
    n_dup = int(len(rows) * cfg.pool_duplicates)
    dups = []
    for j in range(n_dup):
        q = rng.choice(rows)["question"]
        if j % 2:
            q = q.lower() if j % 4 == 1 else "  " + q.replace(" ", "  ", 1)
        dups.append({"id": f"dup-{j:06d}", "question": q, "source": "duplicate"})
    leaks = []
    for j in range(min(cfg.pool_leaks, len(world.test))):
        q = rng.choice(world.test).question
        leaks.append({"id": f"leak-{j:06d}", "question": _edit(q, rng) if j % 2 else q, "source": "test_leak"})
    out = rows + dups + leaks
    rng.shuffle(out)
    return out, {"train": len(rows), "duplicates": len(dups), "leaks": len(leaks)}


def write_world(world: ToyWorld, out_dir: str | Path) -> dict[str, Path]:
    """Write the toy benchmarks (one JSONL per benchmark), SFT sets and the prompt pool under ``out_dir``."""
    from acemath.io import write_json, write_jsonl

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    by_bench: dict[str, list[dict[str, Any]]] = {}
    for p in world.test_problems():
        by_bench.setdefault(p.benchmark, []).append(p.to_dict())
    for b, rows in by_bench.items():
        paths[b] = out / "benchmarks" / f"{b}.jsonl"
        paths[b].parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(paths[b], rows)
    paths["math_sft"] = out / "math_sft.jsonl"
    write_jsonl(paths["math_sft"], [math_sft_row(p, check_lines=world.config.check_lines) for p in world.train])
    paths["general_sft"] = out / "general_sft.jsonl"
    write_jsonl(paths["general_sft"], [general_sft_row(q, a) for _, q, a in world.general])
    pool, counts = prompt_pool(world)
    paths["prompt_pool"] = out / "prompt_pool.jsonl"
    write_jsonl(paths["prompt_pool"], pool)
    paths["world"] = out / "world.json"
    write_json(paths["world"], {"config": world.config.to_dict(), "pool_counts": counts,
                                "test": {b: len(r) for b, r in by_bench.items()}, "train": len(world.train)})
    return paths


def tokenizer_corpus(world: ToyWorld, n: int = 3000) -> list[str]:
    """Text for ``acemath.tiny.build_tiny_tokenizer(corpus=...)``: chats rendered as role + content lines.

    Includes the system prompts (eval and RM) and role names so they become whole tokens.
    """
    texts = [f"system\n{EVAL_SYSTEM}\nuser\n{p.question}\nassistant\n{p.solution(world.config.check_lines)}"
             for p in world.train[:n]]
    texts += [f"system\n{GENERAL_SYSTEM}\nuser\n{q}\nassistant\n{a}" for _, q, a in world.general[: n // 3]]
    texts += ["system user assistant", EVAL_SYSTEM,
              "Please reason step by step, and check your final answer within \\boxed{}."]
    return texts


def general_sft_rows(world: ToyWorld, stage: int) -> list[dict[str, Any]]:
    """General SFT data. Stage 1: the general tasks. Stage 2 (the paper's second stage adds math-style
    data to general data): the general tasks plus an equal share of math SFT rows from the train pool's
    tail, which the math stage does not start from."""
    rows = [general_sft_row(q, a) for _, q, a in world.general]
    if stage == 1:
        return rows
    if stage != 2:
        raise ValueError(f"general SFT stage must be 1 or 2, got {stage}")
    tail = world.train[-len(rows):] if rows else []
    return rows + [math_sft_row(p, check_lines=world.config.check_lines) for p in tail]
