"""The paper's ablations at toy scale (``acemath quickstart --ablations``).

- Tables 2 and 4: general SFT in two stages (the main run) against one stage on all general data, and
  against skipping general SFT (math SFT straight from the base model); greedy pass@1 on the toy test split.
- Table 8: listwise (main) against pairwise Bradley-Terry, and random (main) against reward
  score-sorted sampling of RM groups (positives from the top-k, negatives from the bottom-k, by the
  main RM's scores); rm@8 on the same test samples, each RM scoring them afresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acemath.io import iter_rows, read_rows, write_json, write_jsonl
from acemath.recipe import StageContext


def regroup(ctx: StageContext) -> dict[str, Path]:
    """RM groups from the same graded samples, drawn by an existing RM's scores (score-sorted)."""
    from acemath.quickstart.stages import _threads
    from acemath.reward.data import build_groups
    from acemath.reward.score import RewardScorer

    _threads(ctx)
    c = ctx.config
    rows = read_rows(ctx.inputs["graded"])
    scorer = RewardScorer(str(ctx.inputs["rm"]), batch_size=64, max_length=int(c.get("max_length", 384)))
    scored = [{**r, "rewards": s} for r, s in zip(rows, scorer.score_rows(rows), strict=True)]
    groups, stats = build_groups(enumerate(scored, start=1), per_problem=int(c.get("per_problem", 4)),
                                 strategy=str(c.get("strategy", "score-sorted")), top_k=int(c.get("top_k", 3)),
                                 seed=ctx.seed)
    write_jsonl(ctx.out_dir / "groups.jsonl", groups)
    write_json(ctx.out_dir / "groups.json", stats.to_dict())
    return {"groups": ctx.out_dir / "groups.jsonl", "stats": ctx.out_dir / "groups.json"}


def rm_at_k(rows: list[dict[str, Any]], rewards: list[list[float]], k: int = 8, seeds: int = 100) -> float:
    """rm@k in percent (the AceMath protocol, mean over ``seeds`` draws) of graded sample rows scored by ``rewards``."""
    from acemath.metrics import ProblemSamples, evaluate

    probs = [ProblemSamples.build(str(r["id"]), r["correct"], r.get("preds"), rw)
             for r, rw in zip(rows, rewards, strict=True)]
    return 100 * float(evaluate(probs, (k,), seeds=seeds, metrics=("rm",))[f"rm@{k}"]["mean"])


def rm_eval(ctx: StageContext) -> dict[str, Path]:
    """Score the main evaluation's test samples with another RM and compute rm@8 per benchmark."""
    from acemath.quickstart.stages import _threads
    from acemath.reward.score import RewardScorer

    _threads(ctx)
    k = int(ctx.config.get("k", 8))
    scorer = RewardScorer(str(ctx.inputs["rm"]), batch_size=64, max_length=int(ctx.config.get("max_length", 384)))
    result: dict[str, float] = {}
    for graded in sorted(Path(ctx.inputs["eval_dir"]).glob("*/samples.graded.jsonl")):
        rows = [r for _, r in iter_rows(graded)]
        result[graded.parent.name] = rm_at_k(rows, scorer.score_rows(rows), k, int(ctx.config.get("seeds", 100)))
    result["Avg."] = sum(result.values()) / len(result)
    write_json(ctx.out_dir / "rm_eval.json", result)
    return {"rm_eval": ctx.out_dir / "rm_eval.json"}


def ablation_report(ctx: StageContext) -> dict[str, Path]:
    from acemath.quickstart.report import markdown_table, table_rows
    from acemath.quickstart.stages import load_json

    sft_rows: dict[str, dict[str, Any]] = {}
    benches: list[str] = []
    for label, key in (("two-stage general SFT, then math SFT (main run)", "main_metrics"),
                       ("single-stage general SFT on all general data, then math SFT", "single_metrics"),
                       ("skipping general SFT (math SFT from the base model)", "skip_metrics")):
        benches, rows = table_rows(load_json(ctx.inputs[key]))
        sft_rows[label] = rows["greedy"]
    rm_rows: dict[str, dict[str, Any]] = {}
    main = load_json(ctx.inputs["main_metrics"])
    _, main_rows = table_rows(main)
    rm_rows["listwise BT, random sampling (main run)"] = main_rows["rm@8"]
    for label, key in (("pairwise BT", "pairwise_eval"), ("reward score-sorted sampling", "sorted_eval")):
        rm_rows[label] = load_json(ctx.inputs[key])
    timing = {name: load_json(ctx.inputs[name]).get("seconds") for name in ("listwise_train", "pairwise_train")}
    md = ["# Ablations at toy scale", "", "## General SFT (Tables 2 and 4 layout): greedy pass@1, %", "",
          markdown_table(benches, sft_rows, label="setting"), "", "## Reward model (Table 8 layout): rm@8, %", "",
          markdown_table(benches, rm_rows, label="setting"), "",
          f"RM training wall time: listwise {timing['listwise_train']:.1f} s, pairwise "
          f"{timing['pairwise_train']:.1f} s on the same groups.", ""]
    (ctx.out_dir / "ablations.md").write_text("\n".join(md), encoding="utf-8")
    write_json(ctx.out_dir / "ablations.json", {"benchmarks": benches, "sft": sft_rows, "rm": rm_rows, "rm_seconds": timing})
    return {"report": ctx.out_dir / "ablations.md", "json": ctx.out_dir / "ablations.json"}

