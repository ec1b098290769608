"""Time the full quick-start from an empty output folder: seconds per stage, the total, and the table.

    .venv/bin/python benchmarks/quickstart.py [--out /tmp/qs_bench] [--recipe default] [--ablations] [--runs 1]

Every run starts from an empty folder (no cached stage) and runs `acemath quickstart` in a fresh
process, so the figure includes interpreter start-up and imports. Setting up the virtual environment
is not included: time `make quickstart` on a fresh clone for that (README, "The quick-start").
With ``--runs 2`` the second run checks that the same seed prints the same table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path


def one_run(out: Path, recipe: str, ablations: bool, threads: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "acemath", "quickstart", "--recipe", recipe, "--out", str(out), "--threads", str(threads)]
    if ablations:
        cmd.append("--ablations")
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    run = json.loads((out / "run.json").read_text())
    report = json.loads(next(out.glob("*-report/report.json")).read_text())
    return {"wall_s": round(wall, 1), "stages_s": {k: v["seconds"] for k, v in run["stages"].items()},
            "table": report["table"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/acemath_quickstart_bench")
    ap.add_argument("--recipe", default="default", help="a packaged quick-start recipe: default, arith, full, dial, smoke")
    ap.add_argument("--ablations", action="store_true")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    results = [one_run(Path(args.out), args.recipe, args.ablations, args.threads) for _ in range(args.runs)]
    for i, r in enumerate(results, 1):
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages_s"].items())
        print(f"run {i}: {r['wall_s']:.1f} s wall ({stages})")
    if len(results) > 1:
        same = all(r["table"] == results[0]["table"] for r in results[1:])
        print(f"same table in every run: {same}")
    print(json.dumps(results[-1]["table"], indent=1))


if __name__ == "__main__":
    main()
