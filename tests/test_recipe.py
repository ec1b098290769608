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


def test_a_moved_run_folder_reuses_its_own_cached_outputs(tmp_path):
    fake.CALLS.clear()
    path = _write(tmp_path)
    run_recipe(load_recipe(path), log=lambda _: None)
    moved = tmp_path / "elsewhere" / "run"
    moved.parent.mkdir()
    (tmp_path / "run").rename(moved)
    out = run_recipe(load_recipe(path, {"out": str(moved)}), log=lambda _: None)
    assert fake.CALLS == ["numbers", "total"]  # nothing reran
    assert out["total"]["total"].resolve() == (moved / "02-total" / "total.json").resolve()
    assert json.loads(out["total"]["total"].read_text()) == 6


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


def test_cli_run_takes_overrides_after_options(tmp_path):
    path = _write(tmp_path)
    out = tmp_path / "elsewhere"
    assert main(["run", str(path), "--out", str(out), "stages.total.with.scale=3"]) == 0
    assert json.loads((out / "02-total" / "total.json").read_text()) == 18


def test_extends_sets_values_and_anchored_blocks_reach_every_alias(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(
        "name: base\nout: runs/base\nseed: 0\nstages:\n"
        "  - {name: numbers, kind: 'recipe_stages_for_tests:make_numbers', with: {n: 4}}\n"
        "  - name: total\n    kind: 'recipe_stages_for_tests:total'\n    inputs: {numbers: numbers.numbers}\n"
        "    with: &total_with {scale: 1}\n"
        "optional:\n  extra:\n"
        "    - name: total_again\n      kind: 'recipe_stages_for_tests:total'\n"
        "      inputs: {numbers: numbers.numbers}\n      with: *total_with\n")
    child = tmp_path / "sub" / "child.yaml"
    child.parent.mkdir()
    child.write_text(f"extends: ../base.yaml\nname: child\nout: {tmp_path / 'run'}\n"
                     "set:\n  stages.numbers.with.n: 3\n  stages.total.with.scale: 10\n")
    recipe = load_recipe(child, include=("extra",))
    assert recipe.name == "child" and recipe.seed == 0
    config = {s.name: s.config for s in recipe.stages}
    assert config["numbers"] == {"n": 3}
    assert config["total"] == config["total_again"] == {"scale": 10}  # the anchored block is shared
    out = run_recipe(recipe, log=lambda _: None)
    assert json.loads(out["total_again"]["total"].read_text()) == 30
    # a set on a stage that only an optional group has
    child.write_text("extends: ../base.yaml\nset:\n  stages.total_again.with: {scale: 2}\n")
    config = {s.name: s.config for s in load_recipe(child, include=("extra",)).stages}
    assert config["total"] == {"scale": 1} and config["total_again"] == {"scale": 2}


def test_extends_errors_name_the_file(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text("extends: missing.yaml\n")
    with pytest.raises(ConfigError, match=r"missing\.yaml: recipe file not found \(extended by .*child\.yaml\)"):
        load_recipe(child)
    child.write_text("extends: child.yaml\n")
    with pytest.raises(ConfigError, match="loops back"):
        load_recipe(child)
    (tmp_path / "base.yaml").write_text(yaml.safe_dump({"stages": [{"name": "a", "kind": "x"}]}))
    child.write_text("extends: base.yaml\nstages: []\n")
    with pytest.raises(ConfigError, match=r"child\.yaml: a recipe with 'extends' changes its parent with 'set:'"):
        load_recipe(child)
    child.write_text("extends: base.yaml\nset: {stages.nope.with.x: 1}\n")
    with pytest.raises(ConfigError, match=r"child\.yaml: set: override 'stages.nope.with.x': no stage named 'nope'"):
        load_recipe(child)


def test_packaged_quickstart_recipes_extend_the_default():
    from acemath.quickstart.cli import RECIPES, recipe_path

    def stages(name):
        return {s.name: s.config for s in load_recipe(recipe_path(name), include=("ablations",)).stages}

    default, arith, full, dial, smoke = (stages(n) for n in ("default", "arith", "full", "dial", "smoke"))
    assert default["world"]["world"]["benchmarks"] == smoke["world"]["world"]["benchmarks"] == ["toy_letter_dial"]
    assert default["world"]["world"]["general_presses"] == smoke["world"]["world"]["general_presses"] > 0
    assert "benchmarks" not in arith["world"]["world"]  # the arithmetic benchmarks, the world's default
    assert full["sft"]["stage"]["math"]["max_steps"] == 1200 > arith["sft"]["stage"]["math"]["max_steps"]
    assert dial["world"]["world"]["benchmarks"] == ["toy_dial"]
    # the ablations train, sample and score like the recipe's own main stages
    for recipe in (default, arith, full, dial):
        assert recipe["sft_single"]["stage"]["math"] == recipe["sft_skip"]["stage"]["math"] == recipe["sft"]["stage"]["math"]
        assert recipe["sft_single"]["train"] == recipe["sft_skip"]["train"] == recipe["sft"]["train"]
        assert recipe["sft_single"]["stage"]["general_single"]["max_steps"] == recipe["sft"]["general_steps_both"]
        assert recipe["eval_single"]["max_tokens"] == recipe["eval_skip"]["max_tokens"] == recipe["evaluate"]["max_tokens"]
        # the pairwise RM sees as many pairs a step: 8 pairs, or the 2 + 2 groups' pairs of rm_train's batch
        pairs_a_step = 4 * recipe["rm_train"]["batch_size"] if recipe is default else recipe["rm_train"]["batch_size"]
        assert recipe["rm_pairwise"] == {**recipe["rm_train"], "loss": "pairwise", "batch_size": pairs_a_step}
        assert recipe["rm_sorted"] == recipe["rm_train"]
    assert set(RECIPES) == {"default", "arith", "full", "dial", "smoke"}
