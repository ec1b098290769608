"""E15: an RM initialised from a longer-trained model than the policy whose samples it ranks.

The paper's rm@8 for AceMath-1.5B/7B-Instruct uses AceMath-72B-RM (Figure 1): a larger, stronger RM than
the policy. Toy version: two quick-start folders with the same world and tiny model, one trained for
fewer math SFT steps (the policy) than the other (the RM's backbone). The RM is trained with the
quick-start's own ``rm_train`` stage on the *policy's* RM groups, initialised from the other folder's SFT
model, and scores the policy's test samples with the ``rm_eval`` stage.

    .venv/bin/acemath quickstart --out /tmp/qs_default
    .venv/bin/acemath quickstart --out /tmp/qs_1200 stages.sft.with.stage.math.max_steps=1200
    .venv/bin/python experiments/toy_world/rm_from_other.py --policy /tmp/qs_default --backbone /tmp/qs_1200

Also the tool for RM-only sweeps on one saved run (session 5, E17): ``--backbone`` defaults to ``--policy``,
``--per-problem N`` regroups the policy's graded RM samples (N responses per group), ``--problems N`` keeps the
groups of the first N RM problems, ``--questions N`` those of the first N distinct questions (E18), and
``--set key=value`` overrides the ``rm_train`` stage's settings (``lr``, ``epochs``, ``max_steps``, ``batch_size``,
``loss``, ``warmup_steps``, ...).

    .venv/bin/python experiments/toy_world/rm_from_other.py --policy /tmp/qs_d6 --per-problem 8 --problems 1000 \
        --set lr=3e-3 --set epochs=2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402

from acemath.quickstart.ablations import rm_eval  # noqa: E402
from acemath.quickstart.stages import rm_train  # noqa: E402
from acemath.recipe.runner import Recipe, StageContext  # noqa: E402
from acemath.reward.data import build_groups  # noqa: E402


def stage_dir(run: Path, name: str) -> Path:
    (hit,) = [p for p in run.iterdir() if p.name.endswith(f"-{name}")]
    return hit


def test_pairwise_accuracy(eval_dir: Path, rm: Path) -> dict[str, float]:
    """Per benchmark: ``harness.pairwise_accuracy`` of the RM on the run's test samples."""
    from acemath.io import iter_rows
    from acemath.reward.score import RewardScorer

    scorer = RewardScorer(str(rm), batch_size=64, max_length=384)
    out = {}
    for graded in sorted(eval_dir.glob("*/samples.graded.jsonl")):
        rows = [r for _, r in iter_rows(graded)]
        out[graded.parent.name] = H.pairwise_accuracy([r["correct"] for r in rows], scorer.score_rows(rows))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--policy", type=Path, required=True, help="quick-start folder whose samples are ranked")
    ap.add_argument("--backbone", type=Path, help="quick-start folder whose SFT model starts the RM (default: policy)")
    ap.add_argument("--groups-from", choices=["policy", "backbone", "both"], default="policy")
    ap.add_argument("--per-problem", type=int, help="regroup the policy's graded RM samples, N responses per group")
    ap.add_argument("--problems", type=int, help="keep the groups of the first N RM problems")
    ap.add_argument("--questions", type=int, help="keep the groups of the first N distinct questions (E18)")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="an rm_train setting")
    ap.add_argument("--out", type=Path, default=Path("/tmp/e15"))
    a = ap.parse_args()
    a.backbone = a.backbone or a.policy
    a.out.mkdir(parents=True, exist_ok=True)
    recipe = Recipe(name="e15", out=a.out, seed=0, stages=[])
    data = a.out / "groups.jsonl"
    if a.per_problem:
        rows = [json.loads(line) for line in (stage_dir(a.policy, "rm_data") / "graded.jsonl").open()]
        grouped, _ = build_groups(enumerate(rows, start=1), per_problem=a.per_problem, seed=0)
        text = "".join(json.dumps(g) + "\n" for g in grouped)
    else:
        groups = {"policy": [stage_dir(a.policy, "rm_data") / "groups.jsonl"],
                  "backbone": [stage_dir(a.backbone, "rm_data") / "groups.jsonl"]}
        groups["both"] = groups["policy"] + groups["backbone"]
        text = "".join(p.read_text() for p in groups[a.groups_from])
    if a.problems:  # group ids are "rm-NNNNN", the RM problem's index
        text = "".join(line + "\n" for line in text.splitlines() if int(json.loads(line)["id"][3:]) < a.problems)
    if a.questions:  # distinct questions in order of first appearance
        seen: dict[str, int] = {}
        for line in text.splitlines():
            seen.setdefault(json.loads(line)["prompt"], len(seen))
        text = "".join(line + "\n" for line in text.splitlines() if seen[json.loads(line)["prompt"]] < a.questions)
    data.write_text(text)
    settings = {"lr": a.lr, "epochs": a.epochs, "batch_size": 8, "max_length": 256}
    settings.update({k: yaml.safe_load(v) for k, v in (kv.split("=", 1) for kv in a.set)})
    t0 = time.time()
    train_dir = a.out / "rm_train"
    train_dir.mkdir(exist_ok=True)
    out = rm_train(StageContext("rm_train", "quickstart.rm_train", settings,
                                {"model": stage_dir(a.backbone, "sft") / "math" / "model", "groups": data},
                                train_dir, 0, recipe))
    t_train = time.time() - t0
    eval_dir = a.out / "rm_eval"
    eval_dir.mkdir(exist_ok=True)
    res = rm_eval(StageContext("rm_eval", "quickstart.rm_eval", {},
                               {"eval_dir": stage_dir(a.policy, "evaluate"), "rm": out["rm"]}, eval_dir, 0, recipe))
    train = json.loads(Path(out["train"]).read_text())
    pairwise = test_pairwise_accuracy(stage_dir(a.policy, "evaluate"), Path(out["rm"]))
    policy = json.loads((stage_dir(a.policy, "evaluate") / "metrics.json").read_text())
    print(json.dumps({"rm_at_8_other_backbone": json.loads(Path(res["rm_eval"]).read_text()),
                      "settings": settings, "per_problem": a.per_problem, "problems": a.problems,
                      "questions": a.questions,
                      "rm_train_s": round(t_train, 1), "groups": sum(1 for _ in data.open()),
                      "test_pairwise_accuracy": pairwise,
                      "train": {k: train[k] for k in train if "loss" in k or k in ("train_top1", "steps")},
                      "policy_metrics_file": str(stage_dir(a.policy, "evaluate") / "metrics.json"),
                      "policy_metric_keys": list(policy)[:5]}, indent=1))


if __name__ == "__main__":
    main()
