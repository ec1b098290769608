"""The recipe runner: cached stages, reruns from a changed stage, failures that name the stage."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from acemath.cli import main
from acemath.errors import ConfigError
from acemath.recipe import StageError, load_recipe, run_recipe

sys.path.insert(0, str(Path(__file__).parent))
import recipe_stages_for_tests as fake  # noqa: E402


def _write(tmp_path, **total_with):
    recipe = {"name": "t", "out": str(tmp_path / "run"), "seed": 0, "stages": [
        {"name": "numbers", "kind": "recipe_stages_for_tests:make_numbers", "with": {"n": 4}},
        {"name": "total", "kind": "recipe_stages_for_tests:total", "with": total_with,
         "inputs": {"numbers": "numbers.numbers"}},
    ]}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def test_rerun_skips_finished_stages_and_change_reruns_downstream(tmp_path):
    fake.CALLS.clear()
    path = _write(tmp_path)
    out = run_recipe(load_recipe(path), log=lambda _: None)
    assert json.loads(out["total"]["total"].read_text()) == 6
    assert fake.CALLS == ["numbers", "total"]
    run_recipe(load_recipe(path), log=lambda _: None)
    assert fake.CALLS == ["numbers", "total"]  # all cached
    out = run_recipe(load_recipe(path, {"stages.total.with.scale": 10}), log=lambda _: None)
    assert fake.CALLS == ["numbers", "total", "total"]  # only the changed stage reran
    assert json.loads(out["total"]["total"].read_text()) == 60
    run_recipe(load_recipe(path, {"stages.numbers.with.n": 5}), log=lambda _: None)
    assert fake.CALLS[-2:] == ["numbers", "total"]  # upstream change reruns downstream


def test_failure_names_stage_and_keeps_finished_work(tmp_path):
    fake.CALLS.clear()
    path = _write(tmp_path, fail=True)
    with pytest.raises(StageError, match="stage 'total'.*asked to fail"):
        run_recipe(load_recipe(path), log=lambda _: None)
    run_json = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run_json["status"] == "failed" and run_json["failed_stage"] == "total"
    with pytest.raises(StageError):
        run_recipe(load_recipe(path), log=lambda _: None)
    assert fake.CALLS == ["numbers", "total", "total"]  # numbers stayed cached


def test_bad_recipes_are_clear_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"stages": [{"name": "a", "kind": "x", "inputs": {"i": "zzz.out"}}]}))
    with pytest.raises(ConfigError, match="not an earlier stage"):
        load_recipe(bad)
    bad.write_text(yaml.safe_dump({"stagse": []}))
    with pytest.raises(ConfigError, match="unknown recipe key"):
        load_recipe(bad)


def test_cli_run(tmp_path, capsys):
    path = _write(tmp_path)
    assert main(["run", str(path), "stages.total.with.scale=2"]) == 0
    assert json.loads((tmp_path / "run" / "02-total" / "total.json").read_text()) == 12
    assert main(["run", str(tmp_path / "missing.yaml")]) == 2
