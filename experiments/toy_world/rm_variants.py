"""E20: retrain only the pipeline's RM on a quick-start run's own RM groups, with RM settings overridden, and
score the run's own test samples: test pairwise accuracy and rm@8, without rerunning sampling or SFT.

    .venv/bin/python experiments/toy_world/rm_variants.py /tmp/e19/def_s2 lr=2e-3 system=null --tag lr2e3

The base settings are the run's own ``rm_train`` stage settings (06-rm_train/stage.json); ``key=value`` pairs
override them (any RMTrainConfig field; YAML values). One JSON line per run goes to stdout and ``--log``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch
import yaml

from acemath.io import iter_rows
from acemath.quickstart.ablations import rm_at_k
from acemath.reward.score import RewardScorer
from acemath.reward.toydata import pairwise_accuracy
from acemath.reward.train import load_train_config, train_reward_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path, help="a quick-start run folder")
    ap.add_argument("overrides", nargs="*", help="RMTrainConfig key=value")
    ap.add_argument("--groups", type=Path, help="groups JSONL (default: the run's 05-rm_data/groups.jsonl)")
    ap.add_argument("--init", type=Path, help="the RM's starting model (default: the run's math SFT model)")
    ap.add_argument("--seed", type=int, help="the RM's seed (default: the run's)")
    ap.add_argument("--read-at-end", action="store_true",
                    help="drop the chat template's trailing newline, so the reward is read at <|im_end|>")
    ap.add_argument("--keep", type=Path, help="keep the trained RM in this folder (default: a temporary one)")
    ap.add_argument("--tag", default="")
    ap.add_argument("--log", type=Path, default=Path("/tmp/e20/rm_variants.jsonl"))
    a = ap.parse_intermixed_args()
    torch.set_num_threads(int(os.environ.get("ACEMATH_THREADS", "2")))
    if a.read_at_end:
        import acemath.reward.score as score_mod
        import acemath.reward.train as train_mod
        from acemath.reward.model import render_rm_text

        def at_end(*args, **kw):
            return render_rm_text(*args, **kw).rstrip("\n")

        score_mod.render_rm_text = train_mod.render_rm_text = at_end
    stage = json.loads((a.run / "06-rm_train" / "stage.json").read_text())
    settings = dict(stage.get("config", {}))
    settings.update({k: yaml.safe_load(v) for k, v in (o.split("=", 1) for o in a.overrides)})
    seed = a.seed if a.seed is not None else int(json.loads((a.run / "run.json").read_text())["config"]["seed"])
    with tempfile.TemporaryDirectory() as scratch:
        tmp = str(a.keep or scratch)
        cfg = load_train_config(settings={"model": str(a.init or a.run / "04-sft" / "math" / "model"),
                                          "data": str(a.groups or a.run / "05-rm_data" / "groups.jsonl"),
                                          "out": tmp, "cpu": True, "seed": seed, **settings})
        t0 = time.perf_counter()
        res = train_reward_model(cfg, quiet=True)
        train_s = time.perf_counter() - t0
        scorer = RewardScorer(tmp, batch_size=64, max_length=384)
        graded = sorted((a.run / "07-evaluate").glob("*/samples.graded.jsonl"))[0]
        rows = [r for _, r in iter_rows(graded)]
        rewards = scorer.score_rows(rows)
    rec = {"run": str(a.run), "tag": a.tag, "init": str(a.init or ""), "read_at_end": a.read_at_end, "overrides": a.overrides, "seed": seed, "train_s": round(train_s, 1),
           "steps": res.steps, "final_loss": round(res.final_loss, 4),
           "loss_curve": [round(h["loss"], 3) for h in res.history[9::10]],
           "test_pairwise": round(pairwise_accuracy(rows, rewards), 3),
           "rm@8": round(rm_at_k(rows, rewards), 2)}
    print(json.dumps(rec), flush=True)
    a.log.parent.mkdir(parents=True, exist_ok=True)
    with a.log.open("a") as fh:
        fh.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()
