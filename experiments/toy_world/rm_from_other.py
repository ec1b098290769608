"""E15: an RM initialised from a longer-trained model than the policy whose samples it ranks.

The paper's rm@8 for AceMath-1.5B/7B-Instruct uses AceMath-72B-RM (Figure 1): a larger, stronger RM than
the policy. Toy version: two quick-start folders with the same world and tiny model, one trained for
fewer math SFT steps (the policy) than the other (the RM's backbone). The RM is trained with the
quick-start's own ``rm_train`` stage on the *policy's* RM groups, initialised from the other folder's SFT
model, and scores the policy's test samples with the ``rm_eval`` stage.

    .venv/bin/acemath quickstart --out /tmp/qs_default
    .venv/bin/acemath quickstart --out /tmp/qs_1200 stages.sft.with.stage.math.max_steps=1200
    .venv/bin/python experiments/toy_world/rm_from_other.py --policy /tmp/qs_default --backbone /tmp/qs_1200
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from acemath.quickstart.ablations import rm_eval
from acemath.quickstart.stages import rm_train
from acemath.recipe.runner import Recipe, StageContext


def stage_dir(run: Path, name: str) -> Path:
    (hit,) = [p for p in run.iterdir() if p.name.endswith(f"-{name}")]
    return hit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--policy", type=Path, required=True, help="quick-start folder whose samples are ranked")
    ap.add_argument("--backbone", type=Path, required=True, help="quick-start folder whose SFT model starts the RM")
    ap.add_argument("--groups-from", choices=["policy", "backbone", "both"], default="policy")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", type=Path, default=Path("/tmp/e15"))
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    recipe = Recipe(name="e15", out=a.out, seed=0, stages=[])
    groups = {"policy": [stage_dir(a.policy, "rm_data") / "groups.jsonl"],
              "backbone": [stage_dir(a.backbone, "rm_data") / "groups.jsonl"]}
    groups["both"] = groups["policy"] + groups["backbone"]
    data = a.out / "groups.jsonl"
    data.write_text("".join(p.read_text() for p in groups[a.groups_from]))
    t0 = time.time()
    train_dir = a.out / "rm_train"
    train_dir.mkdir(exist_ok=True)
    out = rm_train(StageContext("rm_train", "quickstart.rm_train",
                                {"lr": a.lr, "epochs": a.epochs, "batch_size": 8, "max_length": 256},
                                {"model": stage_dir(a.backbone, "sft") / "math" / "model", "groups": data},
                                train_dir, 0, recipe))
    t_train = time.time() - t0
    eval_dir = a.out / "rm_eval"
    eval_dir.mkdir(exist_ok=True)
    res = rm_eval(StageContext("rm_eval", "quickstart.rm_eval", {},
                               {"eval_dir": stage_dir(a.policy, "evaluate"), "rm": out["rm"]}, eval_dir, 0, recipe))
    train = json.loads(Path(out["train"]).read_text())
    policy = json.loads((stage_dir(a.policy, "evaluate") / "metrics.json").read_text())
    print(json.dumps({"rm_at_8_other_backbone": json.loads(Path(res["rm_eval"]).read_text()),
                      "rm_train_s": round(t_train, 1), "groups": sum(1 for _ in data.open()),
                      "train": {k: train[k] for k in train if "loss" in k},
                      "policy_metrics_file": str(stage_dir(a.policy, "evaluate") / "metrics.json"),
                      "policy_metric_keys": list(policy)[:5]}, indent=1))


if __name__ == "__main__":
    main()
