"""``acemath generate`` killed with SIGKILL at random moments, then rerun, ends with exactly the right rows."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from acemath.generation import get_generator
from acemath.generation.run import GenerateConfig, run_generation
from acemath.io import iter_jsonl, read_rows

N_PROBLEMS, N = 12, 3


def complete_rows(path) -> list[dict]:
    return [row for _, row in iter_jsonl(path)] if path.exists() else []


@pytest.mark.slow
def test_sigkill_at_random_moments_then_rerun(tiny_model_dir, tmp_path):
    data = tmp_path / "p.jsonl"
    data.write_text("".join(json.dumps({"id": f"k{i}", "question": f"Mia has {i} coins and finds {i + 3} more. "
                                        "How many coins does she have?", "gold": str(2 * i + 3)}) + "\n"
                            for i in range(N_PROBLEMS)))
    out = tmp_path / "o.jsonl"
    cmd = [sys.executable, "-m", "acemath", "generate", "--model", str(tiny_model_dir), "--benchmark", "toy",
           "--data", str(data), "--n", str(N), "--temperature", "0.8", "--top-p", "0.95", "--seed", "3",
           "--max-tokens", "32", "--batch-size", str(N), "--no-progress", "-o", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    rng = random.Random(int(time.time()))  # a fresh moment every run; the seed is in the failure message
    seed_note = f"kill schedule seed {rng.random()!r}"
    snapshots: list[list[dict]] = []
    for _ in range(2):
        before = len(complete_rows(out))
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # kill at a random moment once this run has written something (or it ends / 60 s pass)
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None and len(complete_rows(out)) <= before:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.4))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        rows = complete_rows(out)  # the reader skips a half-written tail, never errors
        snapshots.append(rows)
        if len(rows) == N_PROBLEMS:
            break
    assert len(snapshots[0]) < N_PROBLEMS, seed_note  # at least the first kill interrupted the run

    final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    rows = read_rows(out)
    ids = [r["id"] for r in rows]
    assert sorted(ids) == sorted(f"k{i}" for i in range(N_PROBLEMS)) and len(set(ids)) == len(ids), seed_note
    assert all(len(r["responses"]) == N == len(r["finish_reasons"]) == len(r["num_tokens"]) for r in rows)
    for snap in snapshots:  # rows written before a kill are kept as they were, never regenerated
        assert rows[:len(snap)] == snap, seed_note
    if snapshots[-1]:
        assert f"{len(snapshots[-1])} of {N_PROBLEMS} problems already complete" in final.stderr

    # the interrupted-and-resumed file holds exactly the samples of one uninterrupted run
    g = get_generator("hf", str(tiny_model_dir), batch_size=64)
    whole = tmp_path / "whole.jsonl"
    run_generation(GenerateConfig(model=str(tiny_model_dir), benchmark="toy", data=str(data), n=N, temperature=0.8,
                                  top_p=0.95, seed=3, max_tokens=32), whole, generator=g, progress=False)
    by_id = {r["id"]: r["responses"] for r in read_rows(whole)}
    assert {r["id"]: r["responses"] for r in rows} == by_id
