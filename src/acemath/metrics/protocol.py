"""The AceMath sampling protocol: for each seed draw k of the n samples per problem without replacement,
compute the metric, average over problems; repeat over S seeds and report the mean and the spread.

(PAPER.md section 6.5 / Table 6: rm@8 of 64 candidates over 100 seeds, next to majority@8 and pass@8.)

Seeding is deterministic and independent of problem order: the draws of problem ``p`` under seed ``s``
are row ``s`` of a ``(S, n)`` matrix of uniform keys from ``numpy.random.default_rng([base_seed,
hash(p.key)])``, and the drawn set is the k smallest keys. So a problem's draws do not change when
other problems are added, removed or reordered, ``--seeds 10`` gives the first 10 seeds of
``--seeds 100``, and the sets drawn for k=4 are subsets of those for k=8 (coupled curves).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from acemath.metrics.estimators import pass_at_k_expected, rm_at_k_expected
from acemath.metrics.selection import (
    AUTO,
    EquivalenceFn,
    TieBreak,
    group_answers,
    resolve_equivalence,
    reward_order,
)

DEFAULT_SEEDS = 100


@dataclass(frozen=True)
class ProblemSamples:
    """One problem's n samples: verdicts, extracted answers (None = no answer) and optional rewards."""

    key: str
    correct: np.ndarray  # bool, shape (n,)
    preds: tuple[str | None, ...] | None = None
    rewards: np.ndarray | None = None  # float, shape (n,)
    labels: np.ndarray | None = field(default=None, compare=False)  # answer groups, from group_answers

    @property
    def n(self) -> int:
        return len(self.correct)

    @classmethod
    def build(cls, key: str, correct: Sequence[bool], preds: Sequence[str | None] | None = None,
              rewards: Sequence[float] | None = None) -> ProblemSamples:
        ok = np.asarray(correct, dtype=bool)
        if ok.ndim != 1 or ok.size == 0:
            raise ValueError(f"problem {key!r}: need at least one sample")
        if preds is not None and len(preds) != ok.size:
            raise ValueError(f"problem {key!r}: {len(preds)} preds for {ok.size} verdicts")
        r = None
        if rewards is not None:
            r = np.asarray(rewards, dtype=np.float64)
            if r.shape != ok.shape:
                raise ValueError(f"problem {key!r}: {r.size} rewards for {ok.size} verdicts")
            if not np.all(np.isfinite(r)):
                raise ValueError(f"problem {key!r}: rewards must be finite numbers")
        return cls(key=str(key), correct=ok, preds=None if preds is None else tuple(preds), rewards=r)


@dataclass(frozen=True)
class SeedStats:
    """A metric over S seeds: mean, sample std (ddof=1; 0 for one seed), min and max of the per-seed values."""

    mean: float
    std: float
    min: float
    max: float
    seeds: int
    per_seed: np.ndarray = field(repr=False, compare=False)

    @classmethod
    def of(cls, values: np.ndarray) -> SeedStats:
        v = np.asarray(values, dtype=np.float64)
        std = float(v.std(ddof=1)) if v.size > 1 else 0.0
        return cls(float(v.mean()), std, float(v.min()), float(v.max()), int(v.size), v)

    @classmethod
    def of_counts(cls, counts: np.ndarray, problems: int) -> SeedStats:
        """From per-seed counts of solved problems (whole numbers): the mean is one exact division,
        ``sum(counts) / (S * problems)``, so with k == n it equals ``solved / problems`` to the last bit."""
        c = np.asarray(counts, dtype=np.float64)
        v = c / problems
        std = float(c.std(ddof=1)) / problems if c.size > 1 else 0.0
        mean = int(round(float(c.sum()))) / (c.size * problems)
        return cls(mean, std, float(c.min()) / problems, float(c.max()) / problems, int(c.size), v)

    def as_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "std": self.std, "min": self.min, "max": self.max, "seeds": self.seeds}


def problem_seed_key(key: str) -> int:
    """A stable 64-bit integer for a problem key (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def draw_permutations(key: str, n: int, seeds: int, base_seed: int = 0) -> np.ndarray:
    """``(seeds, n)`` random orderings of the sample indices; the first k columns are seed s's k-draw."""
    if base_seed < 0:
        raise ValueError("base_seed must be >= 0")
    rng = np.random.default_rng([base_seed, problem_seed_key(key)])
    return np.argsort(rng.random((seeds, n)), axis=1, kind="stable")


def with_groups(problems: Iterable[ProblemSamples],
                equivalent: EquivalenceFn | None | Literal["auto"] = AUTO) -> list[ProblemSamples]:
    """Attach maj@k answer groups (see :func:`acemath.metrics.selection.group_answers`) to each problem.

    ``equivalent="auto"`` uses ``acemath.grading.answers_equivalent`` when installed; None groups by
    normalised string only.
    """
    equivalent = resolve_equivalence(equivalent)
    return [p if p.preds is None else replace(p, labels=group_answers(p.preds, equivalent)) for p in problems]


# --- vectorised per-problem metrics: drawn is (S, k) sample indices, result is (S,) 0/1 floats ---------

def _pass_draws(p: ProblemSamples, drawn: np.ndarray) -> np.ndarray:
    return p.correct[drawn].any(axis=1).astype(np.float64)


def _rm_draws(p: ProblemSamples, drawn: np.ndarray) -> np.ndarray:
    assert p.rewards is not None
    order = reward_order(p.rewards)  # rank -> index
    rank = np.empty_like(order)
    rank[order] = np.arange(p.n)
    best_rank = rank[drawn].min(axis=1)
    return p.correct[order][best_rank].astype(np.float64)


def _maj_draws(p: ProblemSamples, drawn: np.ndarray, tie_break: TieBreak) -> np.ndarray:
    assert p.labels is not None
    groups = int(p.labels.max()) + 1
    if groups <= 0:
        return np.zeros(drawn.shape[0])
    seeds = drawn.shape[0]
    rows = np.arange(seeds)
    ordered = np.sort(drawn, axis=1)  # file order within each draw: ties never depend on draw order
    lab = p.labels[ordered]  # (S, k)
    voted = lab >= 0
    flat = (rows[:, None] * groups + lab)[voted]
    counts = np.bincount(flat, minlength=seeds * groups).reshape(seeds, groups)
    top = counts.max(axis=1)
    leading = counts == top[:, None]  # groups tied for the most votes
    if tie_break == "reward":
        if p.rewards is None:
            raise ValueError("maj tie_break='reward' needs rewards")
        rsum = np.bincount(flat, weights=p.rewards[ordered][voted], minlength=seeds * groups).reshape(seeds, groups)
        best_sum = np.where(leading, rsum, -np.inf).max(axis=1)
        leading &= rsum == best_sum[:, None]
    # the earliest drawn sample (in file order) that belongs to a leading group is the representative
    hit = voted & leading[rows[:, None], np.where(voted, lab, 0)]
    rep = ordered[rows, hit.argmax(axis=1)]
    return ((top > 0) & p.correct[rep]).astype(np.float64)


def sampled_metric(problems: Sequence[ProblemSamples], kind: str, k: int, *, seeds: int = DEFAULT_SEEDS,
                   base_seed: int = 0, tie_break: TieBreak = "first",
                   _perms: Sequence[np.ndarray] | None = None) -> SeedStats:
    """One metric (``kind`` in pass/maj/rm) at k under the protocol: per-seed mean over problems."""
    if not problems:
        raise ValueError("no problems")
    total = np.zeros(seeds)
    for i, p in enumerate(problems):
        if k > p.n:
            raise ValueError(f"problem {p.key!r} has {p.n} samples, fewer than k={k}")
        perm = _perms[i] if _perms is not None else draw_permutations(p.key, p.n, seeds, base_seed)
        drawn = perm[:, :k]
        if kind == "pass":
            total += _pass_draws(p, drawn)
        elif kind == "rm":
            if p.rewards is None:
                raise ValueError(f"problem {p.key!r} has no rewards; rm@k needs them")
            total += _rm_draws(p, drawn)
        elif kind == "maj":
            if p.labels is None:
                raise ValueError(f"problem {p.key!r} has no answer groups (preds); call with_groups first")
            total += _maj_draws(p, drawn, tie_break)
        else:
            raise ValueError(f"unknown metric kind {kind!r}")
    return SeedStats.of_counts(total, len(problems))


def exact_pass_at_k(problems: Sequence[ProblemSamples], k: int) -> float:
    """Mean over problems of the unbiased pass@k estimator."""
    return float(np.mean([pass_at_k_expected(p.correct, k) for p in problems]))


def exact_rm_at_k(problems: Sequence[ProblemSamples], k: int) -> float:
    """Mean over problems of the exact rm@k expectation (hypergeometric; ties by lower index)."""
    vals = []
    for p in problems:
        if p.rewards is None:
            raise ValueError(f"problem {p.key!r} has no rewards; rm@k needs them")
        vals.append(rm_at_k_expected(p.rewards, p.correct, k))
    return float(np.mean(vals))


def evaluate(problems: Sequence[ProblemSamples], ks: Iterable[int] = (1, 8), *, seeds: int = DEFAULT_SEEDS,
             base_seed: int = 0, equivalent: EquivalenceFn | None | Literal["auto"] = AUTO, tie_break: TieBreak = "first",
             metrics: Iterable[str] = ("pass", "maj", "rm"), notes: list[str] | None = None) -> dict[str, Any]:
    """All metrics of one benchmark, as fractions in [0, 1]: ``{"pass@8": {"mean", "std", ...}, ...}``.

    * ``greedy`` when every problem has one sample (then nothing is sampled);
    * ``pass@k`` (sampled; ``exact`` = the unbiased estimator), ``maj@k`` (k > 1, needs preds) and
      ``rm@k`` (k > 1, needs rewards on every problem; ``exact`` = the hypergeometric expectation).

    A k larger than some problem's n is skipped, with a line appended to ``notes``.
    """
    if seeds < 1:
        raise ValueError("seeds must be >= 1")
    problems = list(problems)
    if not problems:
        raise ValueError("no problems")
    notes = notes if notes is not None else []
    wanted = set(metrics)
    n_min = min(p.n for p in problems)
    out: dict[str, Any] = {}
    if n_min == 1 and max(p.n for p in problems) == 1:
        out["greedy"] = float(np.mean([bool(p.correct[0]) for p in problems]))
        return out
    have_preds = all(p.preds is not None for p in problems)
    have_rewards = all(p.rewards is not None for p in problems)
    if "maj" in wanted and have_preds and any(p.labels is None for p in problems):
        problems = with_groups(problems, equivalent)
    perms = [draw_permutations(p.key, p.n, seeds, base_seed) for p in problems]
    common = {"seeds": seeds, "base_seed": base_seed, "_perms": perms}
    for k in sorted(set(ks)):
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if k > n_min:
            notes.append(f"k={k} skipped: some problems have only {n_min} samples")
            continue
        if "pass" in wanted:
            stats = sampled_metric(problems, "pass", k, **common)
            out[f"pass@{k}"] = {"k": k, **stats.as_dict(), "exact": exact_pass_at_k(problems, k)}
        if k == 1:
            continue
        if "maj" in wanted and have_preds:
            stats = sampled_metric(problems, "maj", k, tie_break=tie_break, **common)
            out[f"maj@{k}"] = {"k": k, **stats.as_dict()}
        if "rm" in wanted and have_rewards:
            stats = sampled_metric(problems, "rm", k, **common)
            out[f"rm@{k}"] = {"k": k, **stats.as_dict(), "exact": exact_rm_at_k(problems, k)}
    if "maj" in wanted and not have_preds:
        notes.append("maj@k skipped: extracted answers (preds) are missing")
    if "rm" in wanted and not have_rewards:
        notes.append("rm@k skipped: per-sample rewards are missing")
    return out


def curve_ks(n: int) -> list[int]:
    """Powers of two up to n, plus n itself."""
    ks = [1 << i for i in range(n.bit_length()) if (1 << i) <= n]
    return ks if ks[-1] == n else [*ks, n]


def curves(problems: Sequence[ProblemSamples], *, seeds: int = DEFAULT_SEEDS, base_seed: int = 0,
           equivalent: EquivalenceFn | None | Literal["auto"] = AUTO, tie_break: TieBreak = "first",
           ks: Sequence[int] | None = None) -> dict[str, list[float]]:
    """pass@k, maj@k and rm@k (protocol means) for k in powers of two up to n, for plots.

    At k = 1 maj@1 and rm@1 are the drawn sample's own verdict (a sample without an answer loses).
    ``pass@k exact`` and ``rm@k exact`` carry the closed forms.
    """
    problems = list(problems)
    n_min = min(p.n for p in problems)
    ks = list(ks) if ks is not None else curve_ks(n_min)
    have_preds = all(p.preds is not None for p in problems)
    have_rewards = all(p.rewards is not None for p in problems)
    if have_preds:
        problems = with_groups(problems, equivalent) if any(p.labels is None for p in problems) else problems
    perms = [draw_permutations(p.key, p.n, seeds, base_seed) for p in problems]
    common = {"seeds": seeds, "base_seed": base_seed, "_perms": perms}
    out: dict[str, list[float]] = {"k": [float(k) for k in ks], "pass@k": [], "pass@k exact": []}
    if have_preds:
        out["maj@k"] = []
    if have_rewards:
        out["rm@k"], out["rm@k exact"] = [], []
    for k in ks:
        out["pass@k"].append(sampled_metric(problems, "pass", k, **common).mean)
        out["pass@k exact"].append(exact_pass_at_k(problems, k))
        if have_preds:
            out["maj@k"].append(sampled_metric(problems, "maj", k, tie_break=tie_break, **common).mean)
        if have_rewards:
            out["rm@k"].append(sampled_metric(problems, "rm", k, **common).mean)
            out["rm@k exact"].append(exact_rm_at_k(problems, k))
    return out
