"""The quick-start's smoke recipe runs every real stage end to end on a tiny model and writes the report."""

from __future__ import annotations

import json

import pytest

from acemath.cli import main
from acemath.quickstart.cli import recipe_path
from acemath.recipe import load_recipe

pytestmark = pytest.mark.slow


def test_smoke_quickstart_runs_every_stage_and_reruns_from_cache(tmp_path, capsys):
    out = tmp_path / "qs"
    assert main(["quickstart", "--recipe", "smoke", "--ablations", "--out", str(out), "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    assert "rm@8" in printed and "pass@8" in printed
    report = json.loads((out / "08-report" / "report.json").read_text())
    table = report["table"]
    for metric in ("greedy", "maj@8", "rm@8", "pass@8"):
        assert set(table[metric]) == {*report["benchmarks"], "Avg."}
        assert all(0 <= v <= 100 for v in table[metric].values())
    for b in report["benchmarks"]:  # the invariants that hold whatever the model learned
        assert table["pass@8"][b] >= table["rm@8"][b] and table["pass@8"][b] >= table["maj@8"][b]
        assert table["pass@8"][b] >= report["diagnostics"]["sampled pass@1"][b] >= 0
        pairwise = report["diagnostics"]["RM pairwise accuracy"][b]
        assert pairwise is None or 0 <= pairwise <= 1
    assert "RM pairwise accuracy" in printed and "Is the RM checking?" in (out / "08-report" / "report.md").read_text()
    curation = report["curation"]
    assert curation["decontam"]["dropped"] > 0  # leaked test questions were caught
    er = curation["error_rates"]
    assert er["crosschecked"]["error_rate"] < er["teacher_a_raw"]["error_rate"]
    b_checks = [v for v in curation["crosscheck"]["by_source"].values() if v.get("b_samples_disagree")]
    assert b_checks, curation["crosscheck"]  # teacher B's two responses are two draws, and some disagree
    assert report["groups"]["groups_out"] > 0 and report["rm_train"]["steps"] > 0
    assert (out / "08-report" / "report.md").exists() and (out / "08-report" / "rm_at_k.png").exists()
    ablations = json.loads((out / "18-ablation_report" / "ablations.json").read_text())
    assert len(ablations["sft"]) == 3 and len(ablations["rm"]) == 3
    assert all(set(row) == {*report["benchmarks"], "Avg."} for row in [*ablations["sft"].values(), *ablations["rm"].values()])
    # the same command again: every stage is cached, the table is identical
    assert main(["quickstart", "--recipe", "smoke", "--ablations", "--out", str(out), "--threads", "1"]) == 0
    again = capsys.readouterr()
    assert again.out.count(": cached") == 18
    assert json.loads((out / "08-report" / "report.json").read_text())["table"] == table


def test_packaged_recipes_load():
    for name in ("default", "arith", "full", "dial", "smoke"):
        recipe = load_recipe(recipe_path(name))
        assert [s.name for s in recipe.stages][-1] == "report"


# the dial recipe's world and its RM data settings (teacher candidates, 128 new tokens) at smoke size
DIAL_SMOKE = ["stages.world.with.rm_problems=24", "stages.model.with.size=xs",
              "stages.world.with.world={n_math_train: 600, n_general: 200, n_test_per_benchmark: 6, "
              "constraint: false, benchmarks: [toy_dial]}",
              "stages.sft.with.stage.general_stage1.max_steps=4", "stages.sft.with.stage.general_stage2.max_steps=4",
              "stages.sft.with.stage.math.max_steps=8", "stages.rm_train.with.epochs=1"]


def test_dial_recipe_runs_every_stage_on_the_dial_world(tmp_path, capsys):
    out = tmp_path / "dial"
    assert main(["quickstart", "--recipe", "dial", "--out", str(out), "--threads", "1", *DIAL_SMOKE]) == 0
    report = json.loads((out / "08-report" / "report.json").read_text())
    assert report["benchmarks"] == ["toy_dial"]
    assert set(report["table"]["rm@8"]) == {"toy_dial", "Avg."}
    graded = [json.loads(line) for line in (out / "05-rm_data" / "graded.jsonl").open()]
    # 8 policy samples and 4 scripted-teacher candidates for every RM problem, all graded
    assert all(row["sources"] == ["policy"] * 8 + ["teacher"] * 4 for row in graded)
    assert all(len(row["correct"]) == 12 for row in graded)
    assert any(c for row in graded for c, s in zip(row["correct"], row["sources"], strict=True) if s == "teacher")


def test_two_runs_with_the_same_seed_print_the_same_table(tmp_path, capsys):
    """Not from the cache: two fresh runs of the smoke recipe (every stage recomputed) agree exactly."""
    tables, printed = [], []
    for name in ("a", "b"):
        out = tmp_path / name
        assert main(["quickstart", "--recipe", "smoke", "--out", str(out), "--threads", "1", "--seed", "3"]) == 0
        out_text = capsys.readouterr().out
        printed.append(out_text[out_text.index("acemath quick-start (toy test split"):out_text.index("report:")])
        tables.append(json.loads((out / "08-report" / "report.json").read_text())["table"])
    assert tables[0] == tables[1]
    assert "rm@8" in printed[0] and printed[0] == printed[1]
