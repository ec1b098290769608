"""The quick-start report: the paper's layout at toy scale (Markdown, JSON, PNG) and the printed table."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from acemath.io import iter_rows, write_json
from acemath.recipe import StageContext

COLUMNS = ("greedy", "maj@8", "rm@8", "pass@8")


def _mean(v: Any) -> float | None:
    if v is None:
        return None
    return float(v["mean"]) if isinstance(v, dict) else float(v)


def table_rows(metrics: dict[str, Any]) -> tuple[list[str], dict[str, dict[str, float | None]]]:
    """{metric: {benchmark or 'Avg.': percent}} from an eval ``metrics.json``."""
    benches = sorted(metrics["benchmarks"])
    rows: dict[str, dict[str, float | None]] = {}
    for col in COLUMNS:
        vals = {b: _mean(metrics["benchmarks"][b].get(col)) for b in benches}
        known = [v for v in vals.values() if v is not None]
        vals["Avg."] = sum(known) / len(known) if len(known) == len(benches) else None
        rows[col] = vals
    return benches, rows


def markdown_table(benches: list[str], rows: dict[str, dict[str, Any]], *, label: str = "metric") -> str:
    """Rows of ``{benchmark or 'Avg.': percent}`` as a Markdown table, benchmarks as columns, average last."""
    cols = [*benches, "Avg."]
    head = f"| {label} | " + " | ".join(benches) + " | Avg. |"
    sep = "|---" * (len(benches) + 2) + "|"
    body = ["| " + name + " | " + " | ".join("-" if vals.get(b) is None else f"{vals[b]:.2f}" for b in cols) + " |"
            for name, vals in rows.items()]
    return "\n".join([head, sep, *body])


def rm_diagnostics(metrics: dict[str, Any], eval_dir: Path) -> dict[str, dict[str, float | None]]:
    """Per benchmark: the sampled pass@1 (one sample's mean accuracy) and the RM's pairwise accuracy on the test
    samples (of all (correct, wrong) pairs within a problem, the share the RM orders right; 0.5 is chance).

    rm@8 above greedy alone does not show a working RM: where greedy decoding is worse than a random sample (a
    search the policy cannot do in its head), even a chance-level RM picks above greedy. rm@8 above the sampled
    pass@1 and a pairwise accuracy above 0.5 do."""
    from acemath.reward.toydata import pairwise_accuracy

    out: dict[str, dict[str, float | None]] = {"sampled pass@1": {}, "RM pairwise accuracy": {}}
    for b in sorted(metrics["benchmarks"]):
        out["sampled pass@1"][b] = _mean(metrics["benchmarks"][b].get("pass@1"))
        graded = eval_dir / b / "samples.graded.jsonl"
        rows = [r for _, r in iter_rows(graded)] if graded.exists() else []
        scored = [r for r in rows if r.get("rewards") is not None]
        acc = pairwise_accuracy(scored, [r["rewards"] for r in scored]) if scored and len(scored) == len(rows) else None
        out["RM pairwise accuracy"][b] = None if acc is None or math.isnan(acc) else round(acc, 3)  # nan: no pairs
    return out


def rm_curve(eval_dir: Path, out_png: Path, seeds: int) -> dict[str, list[float]] | None:
    """rm@k, maj@k and pass@k over k from the scored samples of every toy benchmark (averaged)."""
    from acemath.metrics import ProblemSamples, curves
    from acemath.metrics.report import plot_curves

    per_bench: dict[str, dict[str, list[float]]] = {}
    for graded in sorted(eval_dir.glob("*/samples.graded.jsonl")):
        probs = [ProblemSamples.build(str(r["id"]), r["correct"], r.get("preds"), r.get("rewards"))
                 for _, r in iter_rows(graded)]
        if probs and all(p.rewards is not None for p in probs):
            per_bench[graded.parent.name] = curves(probs, seeds=seeds)
    if not per_bench:
        return None
    names = [n for n in next(iter(per_bench.values())) if n != "k"]
    avg = {"k": next(iter(per_bench.values()))["k"]}
    for n in names:
        cols = [c[n] for c in per_bench.values()]
        avg[n] = [sum(x) / len(x) for x in zip(*cols, strict=True)]
    plot_curves({"toy average": {k: v for k, v in avg.items() if "exact" not in k}}, out_png,
                title="quick-start: rm@k, maj@k, pass@k (toy test split)")
    return avg


def report(ctx: StageContext) -> dict[str, Path]:
    from acemath.quickstart.stages import load_json

    metrics = load_json(ctx.inputs["metrics"])
    benches, rows = table_rows(metrics)
    diagnostics = rm_diagnostics(metrics, Path(ctx.inputs["eval_dir"]))
    curve = rm_curve(Path(ctx.inputs["eval_dir"]), ctx.out_dir / "rm_at_k.png", int(ctx.config.get("curve_seeds", 20)))
    curation = load_json(ctx.inputs["curation"])
    groups = load_json(ctx.inputs["groups"])
    rm = load_json(ctx.inputs["rm_train"])
    sft = load_json(ctx.inputs["sft"])
    er = curation.get("error_rates", {})
    md = ["# acemath quick-start: AceMath at toy scale", "",
          "Held-out toy test split, accuracy in percent (maj@8, rm@8 and pass@8: 8 of 8 samples drawn, "
          "mean over seeds). The policy and reward model are tiny Qwen2 models trained here from scratch.", "",
          markdown_table(benches, rows), "",
          "Is the RM checking? " + "; ".join(
              f"{b}: sampled pass@1 {_fmt(diagnostics['sampled pass@1'][b])}, RM pairwise accuracy "
              f"{_fmt(diagnostics['RM pairwise accuracy'][b], 3)}" for b in benches)
          + " (rm@8 above the sampled pass@1 and a pairwise accuracy above 0.5 show an RM that ranks; rm@8 above "
          "greedy alone does not, where greedy is below the average sample).", ""]
    if curve:
        md += ["![rm@k](rm_at_k.png)", ""]
    md += ["## Curation", "",
           f"- pool: {curation['dedup'].get('rows_in')} prompts; dedup dropped {curation['dedup'].get('dropped')}; "
           f"decontamination dropped {curation['decontam'].get('dropped')} (test questions re-injected into the "
           "pool, verbatim or lightly edited)",
           f"- teachers: {curation.get('teachers')}",
           f"- teacher A responses wrong: {_pct(er.get('teacher_a_raw'))}; cross-checked subset wrong: "
           f"{_pct(er.get('crosschecked'))} ({er.get('crosschecked', {}).get('rows')} rows kept)", "",
           "## SFT", ""]
    md += [f"- {name}: {rec.get('global_step')} steps on {rec.get('train_sequences')} rows, mean train loss "
           f"{(rec.get('metrics') or {}).get('train_loss', float('nan')):.3f}, "
           f"{(rec.get('metrics') or {}).get('train_runtime', float('nan')):.0f} s" for name, rec in sft.items()]
    md += ["", "## Reward model", "",
           f"- groups: {groups.get('groups_out')} from {groups.get('problems_in')} problems "
           f"(dropped all-correct {groups.get('dropped_all_correct')}, all-wrong {groups.get('dropped_all_wrong')})",
           f"- listwise training: {rm.get('steps')} steps, final loss {rm.get('final_loss'):.3f}, "
           f"in-group top-1 {rm.get('train_top1'):.2f}", ""]
    (ctx.out_dir / "report.md").write_text("\n".join(md), encoding="utf-8")
    write_json(ctx.out_dir / "report.json", {"table": rows, "diagnostics": diagnostics, "benchmarks": benches,
                                             "curve": curve,
                                             "curation": curation, "groups": groups, "rm_train": rm, "sft": sft})
    return {"report": ctx.out_dir / "report.md", "json": ctx.out_dir / "report.json"}


def _fmt(v: float | None, places: int = 2) -> str:
    return "-" if v is None else f"{v:.{places}f}"


def _pct(rec: dict[str, Any] | None) -> str:
    if not rec or rec.get("error_rate") is None:
        return "-"
    return f"{100 * rec['error_rate']:.1f}% of {rec['rows']}"


def print_table(report_json: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from acemath.quickstart.stages import load_json

    rec = load_json(report_json)
    table = Table(title="acemath quick-start (toy test split, %)", min_width=48)  # one benchmark: no wrapped title
    table.add_column("metric")
    for b in [*rec["benchmarks"], "Avg."]:
        table.add_column(b, justify="right")
    for name, vals in rec["table"].items():
        table.add_row(name, *("-" if vals[b] is None else f"{vals[b]:.2f}" for b in [*rec["benchmarks"], "Avg."]))
    console = Console(width=120)
    console.print(table)
    diagnostics = rec.get("diagnostics") or {}
    for name, vals in diagnostics.items():
        console.print(f"{name}: " + ", ".join(f"{b} {_fmt(v, 3 if 'pairwise' in name else 2)}" for b, v in vals.items()))
