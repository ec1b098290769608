"""Readers and metrics for the three RM benchmarks of PAPER.md sections 6.5-6.6.

Layouts read (field aliases in parentheses):

* ``acemath`` -- AceMath-RewardBench (nvidia/AceMath-RewardBench): one candidate set per problem:
  ``question`` (``prompt``), ``code`` (``responses``) = the 64 candidate solutions, ``score``
  (``correct``) = one boolean per candidate, optional ``pred`` (``preds``) = extracted answers for
  majority voting, optional ``rewards`` = precomputed RM scores (then no RM is needed). Accepted
  containers: a ``datasets.save_to_disk`` folder (``dataset_dict.json``; one split per dataset, as the
  hub repo is laid out: gsm8k, math500, minerva_math, gaokao2023en, olympiadbench, college_math,
  mmlu_stem); a folder of ``<dataset>.jsonl|json|parquet`` files; one JSONL/JSON/Parquet file whose
  rows carry ``benchmark`` (or ``dataset``); or a hub id (needs network).
* ``rewardbench-math`` -- RewardBench (allenai/reward-bench, split ``filtered``): rows ``prompt``,
  ``chosen``, ``rejected`` (strings) and ``subset``; only ``subset == "math-prm"`` rows are used when
  the field is present (447 pairs: a human PRM800K solution vs a wrong GPT-4 one).
* ``rewardmath`` -- RewardMATH (the authors' ``RewardMATH_direct.json``): a JSON list of solution rows
  ``problem``, ``eval_solution`` (a list of step strings, joined with newlines as the authors do for
  classifier RMs; a plain string is used as is), ``solution_type`` (``chosen``/``rejected``) and
  ``problem_id``; 1 chosen + 9 rejected per problem.

Metrics: Table 6 (rm@8, majority@8, pass@8, 100 seeds, per dataset and their average; computed by
:mod:`acemath.metrics`, the one implementation of the protocol), RewardBench
MATH500 accuracy = share of pairs with r(chosen) > r(rejected) (ties lose), RewardMATH accuracy =
share of problems whose chosen solution scores strictly above all its rejected ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from acemath.errors import InputError
from acemath.metrics import EquivalenceFn, ProblemSamples, evaluate

FORMATS = ("acemath", "rewardbench-math", "rewardmath")
ACEMATH_ORDER = ("gsm8k", "math500", "minerva_math", "gaokao2023en", "olympiadbench", "college_math", "mmlu_stem")
ACEMATH_TITLES = {"gsm8k": "GSM8K", "math500": "MATH500", "minerva_math": "Minerva Math",
                  "gaokao2023en": "GaoKao 2023 En", "olympiadbench": "Olympiad Bench",
                  "college_math": "College Math", "mmlu_stem": "MMLU STEM"}
HUB_DEFAULTS = {"acemath": "nvidia/AceMath-RewardBench", "rewardbench-math": "allenai/reward-bench",
                "rewardmath": "RewardMATH/RewardMATH"}

ScoreFn = Callable[[Sequence[str], Sequence[str]], list[float]]


@dataclass
class CandidateSet:
    id: str
    question: str
    responses: list[str]
    correct: list[bool]
    preds: list[str | None] | None = None
    rewards: list[float] | None = None


@dataclass
class Comparison:
    """One problem: ``chosen`` must outscore every ``rejected`` (RewardBench: exactly one rejected)."""

    id: str
    question: str
    chosen: str
    rejected: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- files
def read_records(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL, JSON (a list, or ``{"data": [...]}``) or Parquet file."""
    from acemath.io import iter_rows

    if path.suffix.lower() == ".json":
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON ({exc.msg} at line {exc.lineno})", path=str(path)) from None
        if isinstance(obj, dict) and isinstance(obj.get("data"), list):
            obj = obj["data"]
        if not isinstance(obj, list):
            raise InputError("expected a JSON list of rows (or {\"data\": [...]})", path=str(path))
        return [dict(r) for r in obj]
    return [row for _, row in iter_rows(path)]


def _hub(name: str, split: str | None = None) -> Any:
    try:
        from datasets import load_dataset
    except ImportError as exc:  # pragma: no cover
        raise InputError("loading a hub dataset needs `datasets` (pip install 'acemath[train]')") from exc
    try:
        return load_dataset(name, split=split) if split else load_dataset(name)
    except Exception as exc:  # network, offline mode, missing repo: one clear line
        raise InputError(f"could not load hub dataset {name!r} ({type(exc).__name__}: {exc}); "
                         "pass a local file or folder instead", path=name) from None


def _pick(row: Mapping[str, Any], names: Sequence[str], *, where: str, required: bool = True) -> Any:
    for n in names:
        if n in row and row[n] is not None:
            return row[n]
    if required:
        raise InputError(f"missing required field (one of {', '.join(names)})", path=where, field=names[0])
    return None


def _candidate_set(row: Mapping[str, Any], key: str, where: str) -> CandidateSet:
    question = _pick(row, ("question", "prompt", "problem"), where=where)
    responses = _pick(row, ("responses", "code"), where=where)
    correct = _pick(row, ("correct", "score"), where=where)
    if not isinstance(responses, list) or not isinstance(correct, list) or len(responses) != len(correct):
        raise InputError("responses and correctness labels must be lists of equal length", path=where,
                         field="responses")
    preds = _pick(row, ("preds", "pred"), where=where, required=False)
    if preds is not None and (not isinstance(preds, list) or len(preds) != len(responses)):
        preds = None
    rewards = row.get("rewards")
    if rewards is not None and (not isinstance(rewards, list) or len(rewards) != len(responses)):
        raise InputError(f"expected {len(responses)} rewards", path=where, field="rewards")
    return CandidateSet(id=str(row.get("id", row.get("idx", key))), question=str(question),
                        responses=[str(r) for r in responses], correct=[bool(c) for c in correct],
                        preds=[None if p is None else str(p) for p in preds] if preds is not None else None,
                        rewards=[float(x) for x in rewards] if rewards is not None else None)


def load_acemath(data: str, limit: int | None = None) -> dict[str, list[CandidateSet]]:
    """Datasets -> candidate sets, in the paper's dataset order (others after, alphabetically)."""
    path = Path(data)
    raw: dict[str, list[Mapping[str, Any]]] = {}
    if path.is_dir() and (path / "dataset_dict.json").exists():
        from datasets import load_from_disk

        dd = load_from_disk(str(path))
        raw = {name: list(dd[name]) for name in dd}
    elif path.is_dir():
        for f in sorted(path.iterdir()):
            if f.suffix.lower() in (".jsonl", ".json", ".parquet", ".pq"):
                raw[f.stem] = read_records(f)
        if not raw:
            raise InputError("folder holds no dataset_dict.json and no .jsonl/.json/.parquet files", path=data)
    elif path.exists():
        for row in read_records(path):
            raw.setdefault(str(row.get("benchmark", row.get("dataset", "data"))), []).append(row)
    else:
        dd = _hub(data)
        raw = {name: list(dd[name]) for name in dd}
    order = [n for n in ACEMATH_ORDER if n in raw] + sorted(n for n in raw if n not in ACEMATH_ORDER)
    out: dict[str, list[CandidateSet]] = {}
    for name in order:
        rows = raw[name][:limit] if limit else raw[name]
        out[name] = [_candidate_set(r, f"{name}-{i}", f"{data} [{name} row {i + 1}]") for i, r in enumerate(rows)]
    return out


def load_rewardbench_math(data: str, limit: int | None = None) -> list[Comparison]:
    path = Path(data)
    rows = read_records(path) if path.exists() else list(_hub(data, split="filtered"))
    out = []
    for i, row in enumerate(rows):
        if "subset" in row and row["subset"] != "math-prm":
            continue
        where = f"{data} [row {i + 1}]"
        chosen, rejected = _pick(row, ("chosen",), where=where), _pick(row, ("rejected",), where=where)
        chosen = chosen[0] if isinstance(chosen, list) else chosen
        rejected = rejected if isinstance(rejected, list) else [rejected]
        out.append(Comparison(str(row.get("id", i)), str(_pick(row, ("prompt",), where=where)), str(chosen),
                              [str(r) for r in rejected]))
    if not out:
        raise InputError("no math-prm rows found", path=data)
    return out[:limit] if limit else out


def _solution_text(sol: Any) -> str:
    return "\n".join(str(s) for s in sol) if isinstance(sol, list) else str(sol)


def load_rewardmath(data: str, limit: int | None = None) -> list[Comparison]:
    path = Path(data)
    if path.exists():
        rows = read_records(path)
    else:
        ds = _hub(data)
        rows = list(ds[next(iter(ds))])
    by_problem: dict[str, Comparison] = {}
    for i, row in enumerate(rows):
        where = f"{data} [row {i + 1}]"
        pid = str(_pick(row, ("problem_id",), where=where))
        comp = by_problem.setdefault(pid, Comparison(pid, str(_pick(row, ("problem", "prompt"), where=where)), ""))
        text = _solution_text(_pick(row, ("eval_solution", "solution", "response"), where=where))
        kind = _pick(row, ("solution_type",), where=where)
        if kind == "chosen":
            if comp.chosen:
                raise InputError(f"problem {pid} has two chosen solutions", path=where, field="solution_type")
            comp.chosen = text
        else:
            comp.rejected.append(text)
    out = [c for c in by_problem.values() if c.chosen and c.rejected]
    if not out:
        raise InputError("no problem with a chosen and a rejected solution", path=data)
    return out[:limit] if limit else out


# -------------------------------------------------------------------------------------------- metrics
TABLE6_METRICS = ("rm", "maj", "pass")


def candidate_problems(items: Sequence[CandidateSet], benchmark: str | None = None) -> list[ProblemSamples]:
    """Candidate sets -> :class:`acemath.metrics.ProblemSamples` (one implementation of the protocol).

    Answers for maj@k are the sets' ``preds`` when given, else ``acemath.grading.extract_answer`` of each
    candidate. A problem's draws are seeded by its id; a repeated id gets ``#<position>`` appended.
    """
    from acemath.grading import extract_answer

    seen: set[str] = set()
    out = []
    for i, c in enumerate(items):
        key = c.id if c.id not in seen else f"{c.id}#{i}"
        seen.add(key)
        preds = c.preds if c.preds is not None else [extract_answer(r, benchmark) for r in c.responses]
        try:
            out.append(ProblemSamples.build(key, c.correct, preds, c.rewards))
        except ValueError as exc:
            raise InputError(str(exc), field="rewards") from None
    return out


def evaluate_acemath(sets: Mapping[str, list[CandidateSet]], score: ScoreFn | None, *, k: int = 8,
                     seeds: int = 100, equivalent: EquivalenceFn | None | Literal["auto"] = "auto"
                     ) -> dict[str, Any]:
    """Table 6: per dataset rm@k / maj@k / pass@k (percent) and their unweighted average.

    The numbers come from :func:`acemath.metrics.evaluate` (k of n without replacement over ``seeds``
    seeds, rm@k ties to the lower index, maj@k over answers grouped by ``equivalent``). Per dataset:
    ``rm``, ``maj``, ``pass`` (seed means), ``std`` (sample std over seeds of each), ``rm_exact``
    (the hypergeometric expectation), ``problems``; a metric that cannot be computed (k above a
    problem's candidate count, no rewards) is None and the reason is in ``notes``.
    """
    per: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for name, items in sets.items():
        if score is not None:
            qs = [c.question for c in items for _ in c.responses]
            rs = [r for c in items for r in c.responses]
            flat = score(qs, rs)
            pos = 0
            for c in items:
                c.rewards = flat[pos:pos + len(c.responses)]
                pos += len(c.responses)
        bench_notes: list[str] = []
        metrics = evaluate(candidate_problems(items, name), ks=(k,), seeds=seeds, equivalent=equivalent,
                           notes=bench_notes) if items else {}
        notes += [f"{name}: {n}" for n in bench_notes]
        row: dict[str, Any] = {"problems": len(items), "std": {}}
        for m in TABLE6_METRICS:
            got = metrics.get(f"{m}@{k}")
            row[m] = None if got is None else 100.0 * got["mean"]
            row["std"][m] = None if got is None else 100.0 * got["std"]
        rm = metrics.get(f"rm@{k}")
        row["rm_exact"] = None if rm is None else 100.0 * rm["exact"]
        per[name] = row
    avg = {m: (sum(v[m] for v in per.values()) / len(per) if per and all(v[m] is not None for v in per.values())
               else None) for m in (*TABLE6_METRICS, "rm_exact")}
    return {"k": k, "seeds": seeds, "datasets": per, "average": avg, "notes": notes}


def evaluate_comparisons(items: Sequence[Comparison], score: ScoreFn) -> dict[str, Any]:
    """Accuracy (percent) of ``chosen`` strictly above every ``rejected``; also the random baseline."""
    qs, rs = [], []
    for c in items:
        qs += [c.question] * (1 + len(c.rejected))
        rs += [c.chosen, *c.rejected]
    flat = score(qs, rs)
    wins, pos = 0, 0
    for c in items:
        r = flat[pos:pos + 1 + len(c.rejected)]
        pos += 1 + len(c.rejected)
        wins += all(r[0] > x for x in r[1:])
    random_baseline = 100.0 * sum(1 / (1 + len(c.rejected)) for c in items) / len(items)
    return {"accuracy": 100.0 * wins / len(items), "problems": len(items), "random": random_baseline}


def table6_markdown(result: Mapping[str, Any], model_name: str) -> str:
    """The Table 6 layout: majority@k, the RM's rm@k and pass@k rows; one column per dataset + Avg."""
    k = result["k"]
    names = list(result["datasets"])
    head = "| Model | " + " | ".join(ACEMATH_TITLES.get(n, n) for n in names) + " | Avg. |"
    sep = "|---" * (len(names) + 2) + "|"

    def row(label: str, metric: str) -> str:
        vals = [result["datasets"][n][metric] for n in names] + [result["average"][metric]]
        return f"| {label} | " + " | ".join("-" if v is None else f"{v:.2f}" for v in vals) + " |"

    return "\n".join([head, sep, row(f"majority@{k}", "maj"), row(f"{model_name} (rm@{k})", "rm"),
                      row(f"pass@{k} (oracle)", "pass")])
