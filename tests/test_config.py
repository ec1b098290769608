"""acemath.config: typed YAML configs, key=value overrides, unknown keys are errors naming key and file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from acemath.config import config_header, load_config, to_dict
from acemath.errors import ConfigError


@dataclass
class Opt:
    lr: float = 1e-3
    steps: int = 10
    sched: Literal["cosine", "linear"] = "cosine"
    bf16: bool | None = None


@dataclass
class Part:
    name: str
    opt: Opt = field(default_factory=Opt)
    tags: list[str] = field(default_factory=list)


@dataclass
class Top:
    model: str
    parts: list[Part] = field(default_factory=list)
    opt: Opt = field(default_factory=Opt)
    extra: dict[str, int] = field(default_factory=dict)


YAML = """# acemath demo --config demo.yaml
model: m
opt: {lr: 5e-6, steps: "20"}
parts:
  - name: general
    opt: {sched: linear}
  - name: math
    tags: [a, b]
"""


@pytest.fixture()
def cfg_file(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(YAML)
    return path


def test_load_coerces_types(cfg_file):
    cfg = load_config(Top, cfg_file)
    assert cfg.opt.lr == 5e-6 and isinstance(cfg.opt.lr, float)  # YAML reads "5e-6" as a string
    assert cfg.opt.steps == 20
    assert cfg.parts[0].opt.sched == "linear" and cfg.parts[1].tags == ["a", "b"]
    assert to_dict(cfg)["parts"][1]["name"] == "math"
    assert config_header(cfg_file) == "acemath demo --config demo.yaml"


def test_overrides_by_index_name_and_yaml_values(cfg_file):
    cfg = load_config(Top, cfg_file, ["parts.0.opt.lr=1e-5", "parts.math.opt.steps=7", "opt.bf16=true",
                                      "parts.math.tags=[x]", "extra.k=3"])
    assert cfg.parts[0].opt.lr == 1e-5
    assert cfg.parts[1].opt.steps == 7
    assert cfg.opt.bf16 is True and cfg.parts[1].tags == ["x"] and cfg.extra == {"k": 3}


def test_unknown_key_in_file_names_key_file_and_suggestion(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("model: m\nparts:\n  - name: a\n    opt: {lrr: 1}\n")
    with pytest.raises(ConfigError) as exc:
        load_config(Top, path)
    msg = str(exc.value)
    assert "bad.yaml" in msg and "'parts.0.opt.lrr'" in msg and "Did you mean: lr" in msg


def test_unknown_override_key_and_bad_values(cfg_file):
    with pytest.raises(ConfigError, match=r"parts\.0\.opt\.stpes.*Did you mean: steps"):
        load_config(Top, cfg_file, ["parts.0.opt.stpes=3"])
    with pytest.raises(ConfigError, match="no item named 'maths'.*general, math"):
        load_config(Top, cfg_file, ["parts.maths.opt.lr=1"])
    with pytest.raises(ConfigError, match="expected a number"):
        load_config(Top, cfg_file, ["opt.lr=fast"])
    with pytest.raises(ConfigError, match=r"expected one of 'cosine', 'linear'.*Did you mean 'cosine'"):
        load_config(Top, cfg_file, ["opt.sched=cosin"])
    with pytest.raises(ConfigError, match="key=value"):
        load_config(Top, cfg_file, ["opt.lr"])
    with pytest.raises(ConfigError, match="missing required key 'model'"):
        load_config(Top, data={})
    with pytest.raises(ConfigError, match="expected an integer"):
        load_config(Top, cfg_file, ["opt.steps=2.5"])
