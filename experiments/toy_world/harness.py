"""Plain-torch harness for the toy-world experiments: SFT, sampling, listwise RM, metrics.

Deliberately independent of the pipeline modules (which were being written in parallel), but with the
same semantics: assistant-only loss, right-padded RM inputs with the reward read at the last real
token, listwise Bradley-Terry over groups of 1 positive + up to k negatives.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections import Counter
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from transformers import Qwen2Config, Qwen2ForCausalLM

from acemath.tiny.factory import IM_END, PAD, build_tiny_tokenizer

BOX = re.compile(r"\\boxed\{([^{}]*)\}")


def last_box(text: str) -> str | None:
    m = BOX.findall(text)
    return m[-1].strip() if m else None


@dataclass
class Item:
    question: str  # the user turn (with instruction)
    solution: str
    gold: str
    tag: str = ""


def make_tokenizer(texts: list[str]):
    return build_tiny_tokenizer(1024, corpus=texts + ["system user assistant"])


def new_model(tok, hidden=128, layers=2, ffn=512, heads=4, seed=0) -> Qwen2ForCausalLM:
    pad, eos = tok.convert_tokens_to_ids(PAD), tok.convert_tokens_to_ids(IM_END)
    cfg = Qwen2Config(vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers, intermediate_size=ffn,
                      num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=512,
                      tie_word_embeddings=True, eos_token_id=eos, pad_token_id=pad, bos_token_id=None,
                      use_sliding_window=False)
    torch.manual_seed(seed)
    m = Qwen2ForCausalLM(cfg)
    m.generation_config.eos_token_id = eos
    m.generation_config.pad_token_id = pad
    m.generation_config.bos_token_id = None
    return m


def prompt_ids(tok, question: str) -> list[int]:
    return tok.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True,
                                   tokenize=True, return_dict=False)


def encode_sft(tok, items: list[Item]) -> list[tuple[list[int], list[int]]]:
    out = []
    for it in items:
        p = prompt_ids(tok, it.question)
        r = tok(it.solution + IM_END, add_special_tokens=False)["input_ids"]
        out.append((p + r, [-100] * len(p) + r))
    return out


def lr_at(step: int, total: int, lr: float, warm: float = 0.05) -> float:
    w = max(1, int(total * warm))
    if step < w:
        return lr * (step + 1) / w
    return lr * 0.5 * (1 + math.cos(math.pi * (step - w) / max(1, total - w)))


def sft(model, tok, items: list[Item], steps: int, bs: int = 16, lr: float = 2e-3, seed: int = 0,
        log_every: int = 0) -> list[float]:
    data = encode_sft(tok, items)
    pad = tok.convert_tokens_to_ids(PAD)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01)
    rng = random.Random(seed)
    order: list[int] = []
    losses = []
    model.train()
    for step in range(steps):
        if len(order) < bs:
            perm = list(range(len(data)))
            rng.shuffle(perm)
            order += perm
        idx, order = order[:bs], order[bs:]
        batch = [data[i] for i in idx]
        L = max(len(x) for x, _ in batch)
        ids = torch.tensor([x + [pad] * (L - len(x)) for x, _ in batch])
        lab = torch.tensor([y + [-100] * (L - len(y)) for _, y in batch])
        att = (torch.arange(L)[None, :] < torch.tensor([len(x) for x, _ in batch])[:, None]).long()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, lr)
        loss = model(input_ids=ids, attention_mask=att, labels=lab).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if log_every and (step + 1) % log_every == 0:
            print(f"  sft step {step + 1}: loss {sum(losses[-log_every:]) / log_every:.3f}", flush=True)
    model.eval()
    return losses


@torch.no_grad()
def generate(model, tok, questions: list[str], n: int = 1, temperature: float = 0.0, max_new: int = 120,
             batch_prompts: int = 8, seed: int = 0) -> list[list[str]]:
    tok.padding_side = "left"
    out: list[list[str]] = []
    for i in range(0, len(questions), batch_prompts):
        chunk = questions[i:i + batch_prompts]
        texts = [tok.apply_chat_template([{"role": "user", "content": q}], add_generation_prompt=True,
                                         tokenize=False) for q in chunk]
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        torch.manual_seed(seed * 100003 + i)
        kw = dict(do_sample=True, temperature=temperature, top_k=0, top_p=1.0) if temperature > 0 else \
            dict(do_sample=False)
        gen = model.generate(**enc, max_new_tokens=max_new, num_return_sequences=n, **kw)
        gen = gen[:, enc["input_ids"].shape[1]:]
        dec = tok.batch_decode(gen, skip_special_tokens=True)
        for j in range(len(chunk)):
            out.append([d.strip() for d in dec[j * n:(j + 1) * n]])
    return out


def correct(resp: str, gold: str) -> bool:
    return last_box(resp) == gold


# ---------------------------------------------------------------- reward model

class RM(torch.nn.Module):
    def __init__(self, lm: Qwen2ForCausalLM):
        super().__init__()
        self.body = lm.model
        self.head = torch.nn.Linear(lm.config.hidden_size, 1)
        torch.nn.init.normal_(self.head.weight, std=0.02)
        torch.nn.init.zeros_(self.head.bias)

    def forward(self, ids, att):
        h = self.body(input_ids=ids, attention_mask=att).last_hidden_state
        last = att.sum(1) - 1
        return self.head(h[torch.arange(h.shape[0]), last]).squeeze(-1)


def rm_encode(tok, question: str, response: str) -> list[int]:
    return tok.apply_chat_template([{"role": "user", "content": question}, {"role": "assistant", "content": response}],
                                   tokenize=True, return_dict=False)


def _batch(seqs: list[list[int]], pad: int):
    L = max(len(s) for s in seqs)
    ids = torch.tensor([s + [pad] * (L - len(s)) for s in seqs])
    att = (torch.arange(L)[None, :] < torch.tensor([len(s) for s in seqs])[:, None]).long()
    return ids, att


def build_groups(questions: list[str], samples: list[list[str]], golds: list[str], negs: int = 3,
                 seed: int = 0) -> list[tuple[str, list[str]]]:
    """(question, [pos, neg1..negk]) for problems with both kinds; distinct texts preferred."""
    rng = random.Random(seed)
    groups = []
    for q, ss, g in zip(questions, samples, golds, strict=True):
        pos = sorted({s for s in ss if correct(s, g)})
        neg = sorted({s for s in ss if not correct(s, g)})
        if not pos or not neg:
            continue
        groups.append((q, [rng.choice(pos)] + rng.sample(neg, min(negs, len(neg)))))
    return groups


def group_loss(rm: RM, groups: list[list[list[int]]], pad: int) -> torch.Tensor:
    """Softmax listwise loss of a batch of encoded groups whose first response is the positive (groups may
    differ in size: missing places are -inf)."""
    ids, att = _batch([s for g in groups for s in g], pad)
    r = rm(ids, att)
    mat = torch.full((len(groups), max(len(g) for g in groups)), float("-inf"))
    o = 0
    for gi, g in enumerate(groups):
        mat[gi, :len(g)] = r[o:o + len(g)]
        o += len(g)
    return F.cross_entropy(mat, torch.zeros(len(groups), dtype=torch.long))


def train_rm(rm: RM, tok, groups, epochs: int = 2, gpb: int = 8, lr: float = 1e-3, seed: int = 0,
             log_every: int = 0, max_seconds: float | None = None) -> list[float]:
    pad = tok.convert_tokens_to_ids(PAD)
    enc = [[rm_encode(tok, q, r) for r in rs] for q, rs in groups]
    steps = epochs * math.ceil(len(enc) / gpb)
    opt = torch.optim.AdamW(rm.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01)
    rng = random.Random(seed)
    losses = []
    rm.train()
    step = 0
    t0 = time.time()
    for _ in range(epochs):
        order = list(range(len(enc)))
        rng.shuffle(order)
        for b in range(0, len(order), gpb):
            loss = group_loss(rm, [enc[i] for i in order[b:b + gpb]], pad)
            for gr in opt.param_groups:
                gr["lr"] = lr_at(step, steps, lr)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(rm.parameters(), 1.0)
            opt.step()
            losses.append(loss.item())
            step += 1
            if log_every and step % log_every == 0:
                print(f"  rm step {step}/{steps}: loss {sum(losses[-log_every:]) / log_every:.3f}", flush=True)
            if max_seconds and time.time() - t0 > max_seconds:
                rm.eval()
                return losses
    rm.eval()
    return losses


@torch.no_grad()
def score(rm: RM, tok, questions: list[str], samples: list[list[str]], bs: int = 64) -> list[list[float]]:
    pad = tok.convert_tokens_to_ids(PAD)
    flat = [(qi, rm_encode(tok, q, s)) for qi, (q, ss) in enumerate(zip(questions, samples, strict=True)) for s in ss]
    vals: list[float] = []
    for i in range(0, len(flat), bs):
        ids, att = _batch([x for _, x in flat[i:i + bs]], pad)
        vals += rm(ids, att).tolist()
    out, o = [], 0
    for ss in samples:
        out.append(vals[o:o + len(ss)])
        o += len(ss)
    return out


def metrics(greedy: list[str], samples: list[list[str]], rewards: list[list[float]] | None,
            golds: list[str]) -> dict[str, float]:
    n = len(golds)
    g = sum(correct(r, gd) for r, gd in zip(greedy, golds, strict=True)) / n
    mean = sum(sum(correct(s, gd) for s in ss) / len(ss) for ss, gd in zip(samples, golds, strict=True)) / n
    p8 = sum(any(correct(s, gd) for s in ss) for ss, gd in zip(samples, golds, strict=True)) / n
    maj = 0
    for ss, gd in zip(samples, golds, strict=True):
        preds = [last_box(s) for s in ss if last_box(s) is not None]
        if preds:
            top = Counter(preds).most_common(1)[0][0]
            maj += top == gd
    out = {"greedy": g, "mean": mean, "maj8": maj / n, "pass8": p8}
    if rewards is not None:
        rm8 = sum(correct(ss[max(range(len(ss)), key=lambda i: rw[i])], gd)
                  for ss, rw, gd in zip(samples, rewards, golds, strict=True)) / n
        out["rm8"] = rm8
    return out


def pairwise_accuracy(correct: list[list[bool]], rewards: list[list[float]]) -> float:
    """Of all (correct, wrong) sample pairs of one problem, the share the RM orders right (ties count half):
    a steadier measure of an RM than rm@8 on a few dozen problems."""
    hits = pairs = 0.0
    for cs, rs in zip(correct, rewards, strict=True):
        pos = [r for r, c in zip(rs, cs, strict=True) if c]
        neg = [r for r, c in zip(rs, cs, strict=True) if not c]
        hits += sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
        pairs += len(pos) * len(neg)
    return round(hits / max(pairs, 1), 3)


def metrics_by_tag(test: list[Item], greedy: list[str], samples: list[list[str]],
                   rewards: list[list[float]]) -> dict[str, dict[str, float]]:
    """``metrics`` for each test tag (toy benchmark or level) and for ``all``, rounded to 3 places."""
    out = {}
    for tag in sorted({t.tag for t in test}) + ["all"]:
        idx = [i for i, t in enumerate(test) if tag in ("all", t.tag)]
        m = metrics([greedy[i] for i in idx], [samples[i] for i in idx], [rewards[i] for i in idx],
                    [test[i].gold for i in idx])
        out[tag] = {k: round(v, 3) for k, v in m.items()}
    return out


# ---------------------------------------------------------------- saved runs (run_toy.py --save-dir)

def load_saved_run(run_dir):
    """(samples.json contents, tokenizer, policy) of a run saved by ``run_toy.py --save-dir``."""
    import json
    from pathlib import Path

    from transformers import AutoTokenizer

    d = Path(run_dir)
    data = json.loads((d / "samples.json").read_text())
    tok = AutoTokenizer.from_pretrained(d / "policy")
    model = Qwen2ForCausalLM.from_pretrained(d / "policy")
    model.eval()
    return data, tok, model


def loss_ends(losses: list[float]) -> list[float] | None:
    """The first loss and the mean of the last ten, or None when no step ran (no RM problem had both a correct
    and a wrong sample, so there was no group to train on)."""
    if not losses:
        return None
    tail = losses[-10:]
    return [round(losses[0], 3), round(sum(tail) / len(tail), 3)]


def rm_on_saved_run(model, tok, data, groups, *, epochs: int, lr: float, seed: int) -> dict:
    """Train a listwise RM from ``model`` on ``groups`` and score the saved run's test samples: loss, time,
    greedy / mean / maj@8 / rm@8 / pass@8 per toy benchmark and overall, and the rewards themselves."""
    rm = RM(model)
    t0 = time.time()
    rl = train_rm(rm, tok, groups, epochs=epochs, lr=lr, seed=seed, log_every=50)
    t_train = time.time() - t0
    test = [Item(**t) for t in data["test"]]
    rewards = score(rm, tok, [t.question for t in test], data["samples"])
    res: dict = {"groups": len(groups), "rm_train_s": round(t_train, 1),
                 "rm_loss": loss_ends(rl)}
    res.update(metrics_by_tag(test, data["greedy"], data["samples"], rewards))
    res["rewards"] = rewards
    return res


# ---------------------------------------------------------------- shared experiment flow and diagnostics

def policy_and_rm(tok_texts: list[str], train: list[Item], test: list[Item], rm_items: list[Item], *, steps: int,
                  lr: float, seed: int, layers: int = 2, temperature: float = 0.7, rm_epochs: int = 4,
                  rm_lr: float = 1e-3, max_new: int = 120) -> dict:
    """The whole toy pipeline on ``Item`` lists: tokenizer, SFT policy, greedy and 8 samples on ``test``, 8 samples
    on ``rm_items`` grouped into listwise RM data, the RM trained from the policy, test samples scored.

    Returns the greedy answers, samples, rewards, group count, SFT/RM losses and the time of each part."""
    tok = make_tokenizer(tok_texts)
    model = new_model(tok, layers=layers, seed=seed)
    times: dict[str, float] = {}
    t0 = time.time()
    losses = sft(model, tok, train, steps, lr=lr, seed=seed, log_every=100)
    times["sft"] = round(time.time() - t0, 1)
    t0 = time.time()
    questions = [t.question for t in test]
    greedy = [g[0] for g in generate(model, tok, questions, n=1, max_new=max_new)]
    samples = generate(model, tok, questions, n=8, temperature=temperature, seed=seed, max_new=max_new)
    rm_samples = generate(model, tok, [t.question for t in rm_items], n=8, temperature=temperature, seed=seed + 1,
                          max_new=max_new)
    times["sample"] = round(time.time() - t0, 1)
    print(greedy[:3], flush=True)
    groups = build_groups([t.question for t in rm_items], rm_samples, [t.gold for t in rm_items], seed=seed)
    rm = RM(model)
    t0 = time.time()
    rm_losses = train_rm(rm, tok, groups, epochs=rm_epochs, lr=rm_lr, seed=seed, log_every=25) if groups else [0.0]
    times["rm_train"] = round(time.time() - t0, 1)
    rewards = score(rm, tok, questions, samples)
    return {"greedy": greedy, "samples": samples, "rewards": rewards, "groups": len(groups), "times": times,
            "sft_loss_end": round(sum(losses[-50:]) / max(1, len(losses[-50:])), 3),
            "rm_loss": loss_ends(rm_losses)}


def draw_split(draw, name: str, seed: int, test_levels, train_levels, n_test: int, n_train: int):
    """Test and train tuples ``(level, question, solution, gold, meta)`` from ``draw(rng, level)``: ``n_test`` per
    test level, ``n_train`` cycling through ``train_levels``, training questions equal to a test question dropped."""
    test_rng = random.Random(f"{name}-test-{seed}")
    rng = random.Random(f"{name}-{seed}")
    test_raw = [(lv, *draw(test_rng, lv)) for lv in test_levels for _ in range(n_test)]
    seen = {q for _, q, *_ in test_raw}
    train_raw = [(lv, *draw(rng, lv)) for i in range(n_train) for lv in [train_levels[i % len(train_levels)]]]
    return test_raw, [t for t in train_raw if t[1] not in seen]


def to_item(raw, suffix: str) -> Item:
    """An ``Item`` from a ``draw_split`` tuple: the question with ``suffix`` appended, tagged by its level."""
    lv, q, sol, gold, _ = raw
    return Item(f"{q} {suffix}", sol, gold, f"level{lv}")


def kinds_report(is_correct: list[list[bool]], samples: list[list[str]], rewards: list[list[float]], kinds) -> dict:
    """For wrong samples: how many show each kind of visible error (``kinds(problem_index, response)`` returns
    a set of names; empty means nothing visible), and how often the RM scores a correct sample of the same
    problem above a wrong sample of that kind. ``is_correct`` holds each sample's grade (the harness's box match,
    or a pipeline run's own grades)."""
    counts: dict[str, int] = {"wrong": 0}
    beats: dict[str, list[int]] = {}
    for i, (oks, ss, rw) in enumerate(zip(is_correct, samples, rewards, strict=True)):
        good = [r for ok, r in zip(oks, rw, strict=True) if ok]
        for ok, s, r in zip(oks, ss, rw, strict=True):
            if ok:
                continue
            counts["wrong"] += 1
            for k in sorted(kinds(i, s) or {"nothing_visible"}):
                counts[k] = counts.get(k, 0) + 1
                b = beats.setdefault(k, [0, 0])
                b[0] += sum(g > r for g in good)
                b[1] += len(good)
    return {**counts, **{f"rm_correct_beats_{k}": round(x / n, 3) for k, (x, n) in beats.items() if n}}


def experiment_args(*, lr: float, out: str):
    """The command-line options every toy-world experiment script shares (``argparse.ArgumentParser``)."""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-train", type=int, default=12000)
    ap.add_argument("--n-test", type=int, default=50, help="per level")
    ap.add_argument("--n-rm", type=int, default=600)
    ap.add_argument("--rm-epochs", type=int, default=4)
    ap.add_argument("--rm-lr", type=float, default=1e-3)
    ap.add_argument("--temp", type=float, default=0.7)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--out", default=out)
    return ap
