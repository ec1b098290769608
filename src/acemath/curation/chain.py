"""``acemath curate chain CONFIG.yaml``: run curation steps in order, each in its own folder.

    input: pool.jsonl            # input of the first step
    out: runs/curate             # step i writes <out>/<i>-<name>
    steps:
      - dedup: {near: true}
      - decontam: {against: all, data_dir: ../shared/data/benchmarks}
      - respond: {name: teacher_a, backend: scripted, model: wordproblems, backend_arg: [error_rate=0.2]}
      - respond: {name: teacher_b, input: "@decontam", backend: scripted, model: wordproblems, n: 2, temperature: 0.8}
      - crosscheck: {a: "@teacher_a", b: "@teacher_b"}
      - blend: {source: ["all=@teacher_a@0.5", "xcheck=@crosscheck"]}

Options are the step's command-line flags (``data_dir`` is ``--data-dir``; ``true`` is a bare flag;
a list repeats the flag). A step reads the previous step's output unless it sets ``input``;
``@name`` refers to an earlier step's folder (its ``name``, default the step name). Rerunning the
chain reruns every step (the generation steps resume where they stopped).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
from pathlib import Path
from typing import Any

from acemath.errors import ConfigError
from acemath.io import write_json, write_run_json

TAKES_INPUT = {"dedup", "decontam", "evolve", "respond"}


def _resolve(value: Any, dirs: dict[str, Path], where: str) -> Any:
    if isinstance(value, list):
        return [_resolve(v, dirs, where) for v in value]
    if not isinstance(value, str):
        return value
    if value.startswith("@"):
        ref = value[1:]
        if ref not in dirs:
            raise ConfigError(f"{where}: unknown step reference {value!r}; earlier steps: {', '.join(dirs) or 'none'}")
        return str(dirs[ref])
    if "=@" in value:  # blend source NAME=@ref[@take]
        name, rest = value.split("=@", 1)
        ref, sep, take = rest.partition("@")
        return f"{name}={_resolve('@' + ref, dirs, where)}{'@' + take if sep else ''}"
    return value


def _argv(options: dict[str, Any]) -> list[str]:
    argv: list[str] = []
    for key, value in options.items():
        flag = "--" + str(key).replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value is False or value is None:
            continue
        elif isinstance(value, list):
            for v in value:
                argv += [flag, str(v)]
        else:
            argv += [flag, str(value)]
    return argv


def run_chain(config_path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    import yaml

    from acemath.curation.cli import RUNNERS, build_step_parser

    path = Path(config_path)
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    cfg = yaml.safe_load(path.read_text()) or {}
    unknown = set(cfg) - {"input", "out", "steps"}
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)}; expected input, out, steps")
    if "out" not in cfg or not isinstance(cfg.get("steps"), list) or not cfg["steps"]:
        raise ConfigError(f"{path}: needs 'out' and a non-empty 'steps' list")
    out = Path(cfg["out"])
    prev: str | None = str(cfg["input"]) if cfg.get("input") else None
    dirs: dict[str, Path] = {}
    reports = []
    for i, entry in enumerate(cfg["steps"], start=1):
        if not isinstance(entry, dict) or len(entry) != 1:
            raise ConfigError(f"{path}: step {i} must be a mapping with one key (the step name)")
        [(step, options)] = entry.items()
        options = dict(options or {})
        where = f"{path}: step {i} ({step})"
        if step not in RUNNERS or step == "chain":
            raise ConfigError(f"{where}: unknown step; use one of dedup, decontam, evolve, respond, crosscheck, blend")
        name = str(options.pop("name", step))
        if name in dirs:
            raise ConfigError(f"{where}: name {name!r} is used twice; set a distinct 'name'")
        step_dir = out / f"{i:02d}-{name}"
        options = {("in" if k == "input" else k): _resolve(v, dirs, where) for k, v in options.items()}
        if step in TAKES_INPUT:
            options.setdefault("in", prev)
            if options["in"] is None:
                raise ConfigError(f"{where}: no input: set 'input' at the top or in the step")
        options["out"] = str(step_dir)
        parser = argparse.ArgumentParser(prog=f"curate {step}", add_help=False)
        build_step_parser(parser, step)
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                args = parser.parse_args(_argv(options))
        except SystemExit:
            msg = err.getvalue().strip().splitlines()
            raise ConfigError(f"{where}: {msg[-1] if msg else 'invalid options'}") from None
        args.step = step
        report = RUNNERS[step](args)
        reports.append({"step": step, "name": name, "dir": str(step_dir), "rows_in": report["rows_in"],
                        "kept": report["kept"], "dropped_by_reason": report["dropped_by_reason"]})
        print(f"[{i}/{len(cfg['steps'])}] {name}: {report['rows_in']:,} in, {report['kept']:,} kept -> {step_dir}")
        dirs[name] = step_dir
        prev = str(step_dir)
    write_json(out / "chain.json", {"config": str(path), "steps": reports})
    md = ["# curate chain", "", "| # | step | rows in | kept | dropped |", "|---:|---|---:|---:|---|"]
    md += [f"| {i} | {r['name']} | {r['rows_in']:,} | {r['kept']:,} | "
           f"{', '.join(f'{k} {v:,}' for k, v in r['dropped_by_reason'].items()) or '-'} |"
           for i, r in enumerate(reports, start=1)]
    (out / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    write_run_json(out, "curate chain", cfg, output=reports[-1]["dir"] if reports else None)
    return reports
