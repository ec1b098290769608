"""E17: the harness's RM training (softmax over 1 positive + 3 distinct negatives, AdamW betas 0.9/0.98, weight
decay 0.01, 5% warm-up) on a quick-start run's own RM samples, scored on the run's own test samples.

Separates the two halves of "the pipeline's RM did not learn what the harness's did": if this RM ranks the
run's test samples well, the pipeline's RM training is the difference; if not, the run's samples are.

    .venv/bin/python experiments/toy_world/harness_rm_on_run.py /tmp/qs_d6 --epochs 6
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import torch
from transformers import AutoTokenizer, Qwen2ForCausalLM

sys.path.insert(0, str(Path(__file__).parent))
import harness as H  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path, help="a quick-start run folder")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--problems", type=int, help="use the first N RM problems")
    ap.add_argument("--holdout", type=float, default=0.0,
                    help="hold out this share of the RM questions (by text) and report the RM's pairwise accuracy "
                         "on their samples: separates memorising questions from learning the check")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model_dir = a.run / "04-sft" / "math" / "model"
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = Qwen2ForCausalLM.from_pretrained(model_dir)
    rm_rows = [json.loads(line) for line in (a.run / "05-rm_data" / "graded.jsonl").open()][:a.problems]
    questions = sorted({r["question"] for r in rm_rows})
    random.Random(0).shuffle(questions)
    held = set(questions[:int(a.holdout * len(questions))])
    held_rows = [r for r in rm_rows if r["question"] in held]
    rm_rows = [r for r in rm_rows if r["question"] not in held]
    groups = H.build_groups([r["question"] for r in rm_rows], [r["responses"] for r in rm_rows],
                            [r["gold"] for r in rm_rows])
    rm = H.RM(model)
    t0 = time.time()
    losses = H.train_rm(rm, tok, groups, epochs=a.epochs, lr=a.lr, log_every=50)
    t_train = time.time() - t0
    res: dict = {"args": {k: str(v) for k, v in vars(a).items()}, "groups": len(groups), "rm_train_s": round(t_train, 1),
                 "rm_loss": H.loss_ends(losses)}
    if held_rows:
        rewards = H.score(rm, tok, [r["question"] for r in held_rows], [r["responses"] for r in held_rows])
        res["held_out_rm_questions"] = {"questions": len(held), "pairwise": H.pairwise_accuracy(
            [r["correct"] for r in held_rows], rewards)}
        seen = rm_rows[:len(held_rows)]
        rewards = H.score(rm, tok, [r["question"] for r in seen], [r["responses"] for r in seen])
        res["trained_rm_questions"] = {"rows": len(seen), "pairwise": H.pairwise_accuracy(
            [r["correct"] for r in seen], rewards)}
    for graded in sorted((a.run / "07-evaluate").glob("*/samples.graded.jsonl")):
        rows = [json.loads(line) for line in graded.open()]
        rewards = H.score(rm, tok, [r["question"] for r in rows], [r["responses"] for r in rows])
        correct = [r["correct"] for r in rows]
        rm8 = sum(cs[max(range(len(rs)), key=rs.__getitem__)] for cs, rs in zip(correct, rewards, strict=True))
        res[graded.parent.name] = {"rm8": round(rm8 / len(rows), 3), "pairwise": H.pairwise_accuracy(correct, rewards)}
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
