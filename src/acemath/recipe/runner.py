"""The recipe runner behind ``acemath run RECIPE.yaml`` and ``acemath quickstart``.

A recipe is a list of stages. Each stage has a ``kind`` (a registered stage function, or a
``package.module:function`` path), its ``with`` config, and ``inputs`` naming outputs of earlier
stages as ``stage.output``. A stage's cache key hashes its kind, config, the recipe seed and the keys
of the stages it reads from, so:

- a rerun skips every finished stage whose key is unchanged;
- changing a stage's config (or anything upstream) reruns it and everything downstream of it;
- a failure names the stage and the cause, and everything finished before it stays cached.

A recipe may start from another one: ``extends: other.yaml`` (relative to the recipe's own file) with
``set: {dotted.key: value}`` changes. The changes are applied to the parent as loaded, so a value set on
a YAML anchor reaches every alias of it (the quick-start's ablations train as long as its main stages).

Stage functions take a :class:`StageContext` and return ``{output_name: path}`` with paths inside
``ctx.out_dir``. Finished stages write ``stage.json`` in their folder; that file is the cache record.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from acemath.errors import AceMathError, ConfigError
from acemath.io import write_json, write_run_json
from acemath.registry import did_you_mean

StageFn = Callable[["StageContext"], Mapping[str, str | Path]]

# Registered stage kinds: name -> "module:function", imported only when a recipe uses them.
STAGE_KINDS: dict[str, str] = {
    **{f"quickstart.{k}": f"acemath.quickstart.stages:{k}"
       for k in ("world", "curate", "model", "sft", "rm_data", "rm_train", "evaluate")},
    "quickstart.report": "acemath.quickstart.report:report",
    **{f"quickstart.{k}": f"acemath.quickstart.ablations:{k}" for k in ("regroup", "rm_eval", "ablation_report")},
}


class StageError(AceMathError):
    """A stage failed; the message names the stage and the cause."""


@dataclass
class StageSpec:
    name: str
    kind: str
    config: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)


@dataclass
class Recipe:
    name: str
    out: Path
    seed: int
    stages: list[StageSpec]
    path: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class StageContext:
    name: str
    kind: str
    config: dict[str, Any]
    inputs: dict[str, Path]
    out_dir: Path
    seed: int
    recipe: Recipe
    log: Callable[[str], None] = print


_OWN_KEYS = {"name", "out", "seed", "description"}  # what a recipe with 'extends' replaces in its parent
_CHILD_KEYS = _OWN_KEYS | {"extends", "set"}  # everything a recipe with 'extends' may hold
_RECIPE_KEYS = _CHILD_KEYS | {"stages", "optional"}
_STAGE_KEYS = {"name", "kind", "with", "inputs"}


def load_recipe(path: str | Path, overrides: Mapping[str, Any] | None = None,
                include: tuple[str, ...] = ()) -> Recipe:
    path = Path(path)
    return recipe_from_dict(_load_raw(path, ()), path=path, overrides=overrides, include=include)


def _load_raw(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """The recipe at ``path`` as plain data, with ``extends`` resolved (``chain``: the files extending it)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        where = f" (extended by {chain[-1]})" if chain else ""
        raise ConfigError(f"{path}: recipe file not found{where}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(raw, dict) or "extends" not in raw:
        return raw
    extra = set(raw) - _CHILD_KEYS
    if extra:
        raise ConfigError(f"{path}: a recipe with 'extends' changes its parent with 'set:'; it cannot also have "
                          f"{sorted(extra)}")
    parent_path = (path.parent / str(raw["extends"])).resolve()
    if parent_path in chain or parent_path == path.resolve():
        raise ConfigError(f"{path}: 'extends' loops back to {parent_path}")
    parent = _load_raw(parent_path, (*chain, path.resolve()))
    if not isinstance(parent, dict):
        raise ConfigError(f"{parent_path}: a recipe is a mapping with 'stages'")
    changes = raw.get("set") or {}
    if not isinstance(changes, dict):
        raise ConfigError(f"{path}: 'set' must map dotted keys to values, e.g. stages.sft.with.lr: 1.0e-3")
    for dotted, value in changes.items():
        _apply_override(parent, str(dotted), value, f"{path}: set")
    parent.update({k: v for k, v in raw.items() if k in _OWN_KEYS})
    return parent


def recipe_from_dict(raw: dict[str, Any], *, path: Path | None = None,
                     overrides: Mapping[str, Any] | None = None, include: tuple[str, ...] = ()) -> Recipe:
    """``optional: {group: [stages]}`` holds stage groups that run only when ``include`` names them
    (the quick-start's ablations); they are appended after ``stages`` in the order given."""
    where = str(path) if path else "recipe"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a recipe is a mapping with 'stages'")
    unknown = set(raw) - _RECIPE_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown recipe key(s) {sorted(unknown)}; known: {sorted(_RECIPE_KEYS)}")
    raw = json.loads(json.dumps(raw))  # deep copy, and proves the recipe is plain data
    optional = raw.pop("optional", None) or {}
    for group in include:
        if group not in optional:
            raise ConfigError(f"{where}: no optional stage group {group!r}; known: {sorted(optional)}")
        raw["stages"] = [*(raw.get("stages") or []), *optional[group]]
    for dotted, value in (overrides or {}).items():
        _apply_override(raw, dotted, value, where)
    stages: list[StageSpec] = []
    seen: dict[str, set[str]] = {}
    for i, s in enumerate(raw.get("stages") or []):
        if not isinstance(s, dict) or "name" not in s or "kind" not in s:
            raise ConfigError(f"{where}: stage #{i + 1} needs 'name' and 'kind'")
        bad = set(s) - _STAGE_KEYS
        if bad:
            raise ConfigError(f"{where}: stage {s['name']!r}: unknown key(s) {sorted(bad)}; known: {sorted(_STAGE_KEYS)}")
        if s["name"] in seen:
            raise ConfigError(f"{where}: duplicate stage name {s['name']!r}")
        inputs = dict(s.get("inputs") or {})
        for local, ref in inputs.items():
            stage_name, _, _ = str(ref).partition(".")
            if stage_name not in seen:
                raise ConfigError(f"{where}: stage {s['name']!r} input {local!r} refers to {ref!r}, "
                                  f"which is not an earlier stage's output")
        seen[s["name"]] = set()
        stages.append(StageSpec(name=str(s["name"]), kind=str(s["kind"]), config=dict(s.get("with") or {}),
                                inputs={k: str(v) for k, v in inputs.items()}))
    if not stages:
        raise ConfigError(f"{where}: recipe has no stages")
    return Recipe(name=str(raw.get("name") or (path.stem if path else "recipe")),
                  out=Path(raw.get("out") or f"runs/{raw.get('name') or 'recipe'}"),
                  seed=int(raw.get("seed", 0)), stages=stages, path=path, raw=raw)


def _apply_override(raw: dict[str, Any], dotted: str, value: Any, where: str) -> None:
    """``stages.sft.with.lr=1e-3`` (stage by name) or ``seed=1``. ``stages.NAME`` also finds a stage in one
    of the recipe's ``optional`` groups while they are still there (a parent recipe under ``set:``)."""
    parts = dotted.split(".")
    optional = raw.get("optional") or {}
    if optional and len(parts) > 1 and parts[0] == "stages":
        names = {s.get("name") for s in raw.get("stages") or [] if isinstance(s, dict)}
        for group in optional.values():
            if parts[1] not in names and any(isinstance(s, dict) and s.get("name") == parts[1] for s in group):
                raw = {"stages": group}
                break
    node: Any = raw
    for j, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            match = [s for s in node if isinstance(s, dict) and s.get("name") == part]
            if not match and part.isdigit() and int(part) < len(node):
                match = [node[int(part)]]
            if not match:
                raise ConfigError(f"{where}: override {dotted!r}: no stage named {part!r}")
            node = match[0]
        elif isinstance(node, dict):
            if part not in node:
                if parts[j] == "with":
                    node[part] = {}
                else:
                    raise ConfigError(f"{where}: override {dotted!r}: unknown key {part!r}")
            node = node[part]
    if not isinstance(node, dict):
        raise ConfigError(f"{where}: override {dotted!r} does not name a key")
    node[parts[-1]] = value


def resolve_kind(kind: str) -> StageFn:
    target = STAGE_KINDS.get(kind, kind if ":" in kind else None)
    if target is None:
        raise did_you_mean(kind, STAGE_KINDS, kind="stage kind")
    module_name, _, fn_name = target.partition(":")
    try:
        return getattr(importlib.import_module(module_name), fn_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"stage kind {kind!r} -> {target!r} cannot be loaded: {exc}") from None


def stage_key(spec: StageSpec, upstream_keys: Mapping[str, str], seed: int) -> str:
    payload = {"kind": spec.kind, "config": spec.config, "seed": seed,
               "inputs": {k: [v, upstream_keys[v.partition(".")[0]]] for k, v in sorted(spec.inputs.items())}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def run_recipe(recipe: Recipe, *, log: Callable[[str], None] = print, force: bool = False) -> dict[str, dict[str, Path]]:
    """Run (or resume) a recipe; returns ``{stage: {output: path}}``."""
    out = recipe.out
    out.mkdir(parents=True, exist_ok=True)
    keys: dict[str, str] = {}
    outputs: dict[str, dict[str, Path]] = {}
    timings: dict[str, dict[str, Any]] = {}
    write_run_json(out, f"acemath run {recipe.path or recipe.name}", recipe.raw, status="running")
    for i, spec in enumerate(recipe.stages, start=1):
        key = stage_key(spec, keys, recipe.seed)
        keys[spec.name] = key
        stage_dir = out / f"{i:02d}-{spec.name}"
        record_path = stage_dir / "stage.json"
        prefix = f"[{i}/{len(recipe.stages)}] {spec.name} ({spec.kind})"
        cached = _cached_outputs(record_path, key, out) if not force else None
        if cached is not None:
            outputs[spec.name] = cached
            timings[spec.name] = {"cached": True, "key": key}
            log(f"{prefix}: cached")
            continue
        if stage_dir.exists():
            shutil.rmtree(stage_dir)
        stage_dir.mkdir(parents=True)
        inputs = {}
        for local, ref in spec.inputs.items():
            src_stage, _, src_out = ref.partition(".")
            if src_out not in outputs[src_stage]:
                raise StageError(f"stage {spec.name!r}: input {local!r} wants {ref!r}, but stage {src_stage!r} "
                                 f"produced only {sorted(outputs[src_stage])}")
            inputs[local] = outputs[src_stage][src_out]
        fn = resolve_kind(spec.kind)
        ctx = StageContext(name=spec.name, kind=spec.kind, config=dict(spec.config), inputs=inputs,
                           out_dir=stage_dir, seed=recipe.seed, recipe=recipe, log=log)
        log(f"{prefix}: running")
        t0 = time.perf_counter()
        try:
            produced = fn(ctx) or {}
        except AceMathError as exc:
            _fail(out, recipe, spec, exc, timings)
            raise StageError(f"stage {spec.name!r} ({spec.kind}) failed: {exc}") from exc
        except Exception as exc:
            _fail(out, recipe, spec, exc, timings)
            raise StageError(f"stage {spec.name!r} ({spec.kind}) failed: {type(exc).__name__}: {exc}") from exc
        seconds = time.perf_counter() - t0
        resolved = {name: Path(p) for name, p in produced.items()}
        write_json(record_path, {"stage": spec.name, "kind": spec.kind, "key": key, "seconds": round(seconds, 2),
                                 "config": spec.config, "inputs": spec.inputs,
                                 "outputs": {k: _portable(v, out) for k, v in resolved.items()}})
        outputs[spec.name] = resolved
        timings[spec.name] = {"cached": False, "seconds": round(seconds, 2), "key": key}
        log(f"{prefix}: done in {seconds:.1f}s")
    write_run_json(out, f"acemath run {recipe.path or recipe.name}", recipe.raw, status="done", stages=timings)
    return outputs


def _portable(path: Path, out: Path) -> str:
    """An output path as the stage record stores it: relative to the run folder when it lies inside it, so a
    run folder that is moved or copied still finds (and uses) its own outputs; absolute otherwise."""
    try:
        return path.resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _cached_outputs(record_path: Path, key: str, out: Path) -> dict[str, Path] | None:
    """The outputs of a finished stage whose key matches, or None. Paths are read relative to the run folder
    (records written before paths were stored that way hold them relative to the working directory, which
    ``out / path`` no longer finds: those stages rerun once)."""
    if not record_path.exists():
        return None
    try:
        record = json.loads(record_path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if record.get("key") != key:
        return None
    outs = {k: out / v for k, v in record.get("outputs", {}).items()}  # an absolute v stays absolute
    if not all(p.exists() for p in outs.values()):
        return None
    return outs


def _fail(out: Path, recipe: Recipe, spec: StageSpec, exc: BaseException, timings: dict[str, Any]) -> None:
    write_run_json(out, f"acemath run {recipe.path or recipe.name}", recipe.raw, status="failed",
                   failed_stage=spec.name, error=f"{type(exc).__name__}: {exc}", stages=timings)
